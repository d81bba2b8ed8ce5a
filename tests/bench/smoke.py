#!/usr/bin/env python3
"""Runs every workload of syncobj-bench at a tiny size and checks its result.

The benchmark verifies the final values itself (it exits with status 1 when a
record is wrong); this checks that each workload ran to the end, printed the
keys that ../shared/bench/compare reads, and did the work it claims.
Timings are not judged here.
"""
import json
import subprocess
import sys

BENCH = sys.argv[1]

CASES = [
    # workload, N, M, keys that must be numbers
    ("initial_sync", 300, 10, ["initial_sync_ms", "parse_floor_ms"]),
    ("memory", 300, 10, ["bytes_per_record"]),
    ("update_latency", 300, 50, ["us_per_op", "main_loop_us"]),
    ("burst", 300, 200, ["apply_us_per_op", "complete_us_per_op"]),
    ("sync_churn", 3000, 500, ["us_per_row"]),
    ("long_run", 50, 1500, ["us_per_op", "history_limit"]),
    ("live_query", 3000, 500, ["view_build_ms", "sync_us_per_row", "optimistic_us_per_op"]),
    ("store_throughput", 300, 100, ["tx_per_s"]),
    ("recovery", 10, 100, ["recovery_ms"]),
    ("http_snapshot", 300, 1, ["http_snapshot_ms", "max_stall_ms", "cache_max_stall_ms",
                               "cache_write_max_stall_cpu_ms"]),
    ("main_loop_stall", 300, 100, ["max_stall_ms", "max_stall_cpu_ms", "p99_iteration_ms",
                                   "memory_max_stall_ms", "memory_max_stall_cpu_ms"]),
    ("burst_flush", 300, 100, ["burst_flush_max_stall_cpu_ms"]),
]


def run(workload, n, m):
    proc = subprocess.run([BENCH, workload, str(n), str(m)], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        sys.exit(f"{workload}: exit status {proc.returncode}\n{proc.stderr}")
    lines = proc.stdout.strip().splitlines()
    if len(lines) != 1:
        sys.exit(f"{workload}: expected one JSON line, got {proc.stdout!r}")
    return json.loads(lines[0])


def check(cond, message):
    if not cond:
        sys.exit(message)


def main():
    print(f"1..{len(CASES) + 1}")
    for number, (workload, n, m, keys) in enumerate(CASES, 1):
        out = run(workload, n, m)
        check(out["impl"] == "libsyncobj", f"{workload}: impl {out['impl']!r}")
        expected_store = "sqlite" if workload in ("store_throughput", "recovery", "main_loop_stall", "burst_flush") else "memory"
        check(out["store"] == expected_store, f"{workload}: store {out['store']!r}")
        check(out["workload"] == workload and out["n"] == n and out["m"] == m, f"{workload}: echoed sizes {out}")
        for key in keys:
            check(isinstance(out.get(key), (int, float)) and out[key] >= 0, f"{workload}: {key} missing in {out}")
        if workload == "long_run":
            # Finished transactions beyond the registry's limit are dropped.
            check(isinstance(out.get("growth_bytes_per_tx"), (int, float)), f"long_run: no growth in {out}")
            check(out["registry_transactions"] <= out["history_limit"], f"long_run: history not bounded: {out}")
        if workload == "sync_churn":
            # 1000 transactions in flight; rows on unlocked keys applied, the
            # rest held until their lock releases.
            check(out["in_flight"] == 1000, f"sync_churn: {out['in_flight']} in flight")
            check(out["rows_applied"] + out["rows_held"] > 0, f"sync_churn: nothing written: {out}")
            check(out["rows_applied"] >= m - out["locked_keys"] - out["rows_held"], f"sync_churn: rows not applied: {out}")
            check(out["rows_held"] <= out["locked_keys"], f"sync_churn: more rows held than locked keys: {out}")
        elif workload == "live_query":
            check(out["verified_records"] == n, f"live_query: verified {out.get('verified_records')} of {n}")
            check(0 < out["view_items"] < n, f"live_query: the view holds {out['view_items']} of {n}")
        elif workload in ("recovery", "burst_flush"):
            # Every unfinished transaction is visible again after the restart;
            # every insert of the burst was committed.
            check(out["verified_records"] == m, f"{workload}: verified {out.get('verified_records')} of {m}")
        else:
            check(out["verified_records"] == n, f"{workload}: verified {out.get('verified_records')} of {n}")
        if workload == "memory":
            check(out["bytes_per_record"] > 0, f"memory: nothing allocated for {n} records")
        print(f"ok {number} - {workload} {json.dumps(out)}")

    # A wrong workload name is refused.
    proc = subprocess.run([BENCH, "no_such_workload"], capture_output=True, text=True, timeout=60)
    check(proc.returncode == 2, f"unknown workload: exit status {proc.returncode}")
    print(f"ok {len(CASES) + 1} - unknown workload refused")


main()
