#!/usr/bin/env python3
# tests/fuzz/large-inputs.py: inputs of the size real data has, for the
# fuzz targets' replay tests (fuzz-large-TARGET)
#
#   large-inputs.py OUTDIR [SCALE]
#
# writes OUTDIR/large-TARGET for every target: a snapshot of 20,000 records
# with UUID keys, a batch of 5,000 change messages, a record with 20,000
# members and a 1 MB string, a stored row with 2,000 mutations and 1,000
# attempts, an answer of 20,000 elements; SCALE (default 1) multiplies the
# counts. They are generated at build time, not committed: the seed corpus
# (tests/fuzz/corpus/) stays small, and its many-* seeds are what libFuzzer
# mutates (it reads at most -max_len bytes of an input).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import json
import os
import sys


def key(i):
    return "%08x-0000-4000-8000-%012x" % (i, i)


def record(i):
    # Every kind of value, an escape and a non-ASCII character now and then.
    value = {"id": key(i), "title": "item %d" % i, "done": i % 2 == 0, "n": i}
    if i % 7 == 0:
        value["note"] = "line\n\"quoted\" \u00e9\U0001F600 \\ end"
    if i % 11 == 0:
        value["tags"] = [i, -i, 1.5, None, {"k": [True, False]}]
    if i % 13 == 0:
        value["big"] = 9007199254740993 + i
    return value


def compact(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def snapshot(n):
    return compact([record(i) for i in range(n)])


def messages(n):
    batch = []
    for i in range(n):
        if i % 5 == 4:
            batch.append({"type": "delete", "key": key(i - 1)})
        else:
            batch.append({"type": "insert" if i % 3 else "update", "value": record(i)})
    return compact(batch)


def wide_record(members):
    value = {"id": "wide", "body": "x" * (1024 * 1024)}
    for i in range(members):
        value["m%d" % i] = i if i % 3 else "v%d" % i
    return compact(value)


def store_row(mutations, attempts):
    # One byte of state (1: pending), then error, metadata, attempts and
    # mutations, separated by NUL bytes (see fuzz-store-row.c).
    attempt_list = [{"id": "a%d" % i, "number": i + 1, "started_at": 1700000000000000 + i,
                     "completed_at": 1700000000000001 + i,
                     "error": {"domain": "syncobj-error-quark", "code": 3, "message": "retry %d" % i}}
                    for i in range(attempts)]
    mutation_list = [{"id": "m%d" % i, "collection": "c", "key": key(i), "type": "update",
                      "original": record(i), "modified": dict(record(i), title="changed"),
                      "changes": {"title": "changed"}, "created_at": 5, "updated_at": 6}
                     for i in range(mutations)]
    fields = ["", "{\"source\":\"large\"}", compact(attempt_list), compact(mutation_list)]
    return b"\x01" + b"\x00".join(field.encode("utf-8") for field in fields)


def main():
    outdir = sys.argv[1]
    scale = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    os.makedirs(outdir, exist_ok=True)
    inputs = {
        "snapshot": snapshot(20000 * scale),
        "sync-message": messages(5000 * scale),
        "record-json": wide_record(20000 * scale),
        "json-object": wide_record(20000 * scale),
        "http-response": snapshot(20000 * scale),
        "store-row": store_row(2000 * scale, 1000 * scale),
    }
    for target, data in inputs.items():
        if isinstance(data, str):
            data = data.encode("utf-8")
        with open(os.path.join(outdir, "large-" + target), "wb") as output:
            output.write(data)


if __name__ == "__main__":
    main()
