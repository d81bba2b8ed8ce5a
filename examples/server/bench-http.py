#!/usr/bin/python3
# examples/server/bench-http.py: how fast transactions reach the demo server
# through SyncobjHttpMutator + SyncobjHttpSync (WebSocket echo), on loopback.
#
#   GI_TYPELIB_PATH=_build/introspection LD_LIBRARY_PATH=_build/libsyncobj \
#     examples/server/bench-http.py _build/tests/syncobj-demo-server 1000 ordered|parallel
#
# Prints the cost of the optimistic writes and the time until every
# transaction completed (persisted and echoed back).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import shutil
import subprocess
import sys
import tempfile
import time

import gi

gi.require_version("Syncobj", "1.0")
from gi.repository import GLib, Syncobj  # noqa: E402

server_path, n, strategy = sys.argv[1], int(sys.argv[2]), sys.argv[3]
directory = tempfile.mkdtemp()
server = subprocess.Popen([server_path, "--port=0", "--db=%s/bench.db" % directory],
                          stdout=subprocess.PIPE, text=True)
try:
    port = int(server.stdout.readline().split()[1])
    base = "http://127.0.0.1:%d" % port
    sync = Syncobj.HttpSync.new("bench", base + "/items", base + "/changes")
    mutator = Syncobj.HttpMutator.new(base + "/items")
    collection = Syncobj.Collection.new("bench", sync, mutator)
    if strategy == "parallel":
        collection.set_strategy(Syncobj.Strategy.PARALLEL)
    context = GLib.MainContext.default()
    while not collection.get_ready():
        context.iteration(True)

    finished = [0]

    def on_state(transaction, _pspec):
        if transaction.is_finished():
            finished[0] += 1

    start = time.monotonic()
    transactions = [collection.insert_json('{"id": "k%d", "n": %d}' % (i, i)) for i in range(n)]
    applied = time.monotonic()
    for transaction in transactions:
        transaction.connect("notify::state", on_state)
    while finished[0] < n:
        context.iteration(True)
    done = time.monotonic()

    completed = sum(1 for t in transactions if t.get_state() == Syncobj.TransactionState.COMPLETED)
    print(f"{strategy}: {n} inserts: optimistic apply {1e6 * (applied - start) / n:.0f} µs each; "
          f"all completed in {done - start:.2f} s ({n / (done - start):.0f} transactions/s); "
          f"completed: {completed}")
finally:
    server.terminate()
    server.wait()
    shutil.rmtree(directory, ignore_errors=True)
