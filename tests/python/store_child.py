# store_child.py: one run of a to-do application with a durable store
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Used by test_store.py, in a process of its own:
#   store_child.py write PATH    inserts a todo whose persist call never
#                                answers, waits for the store, and dies
#   store_child.py resume PATH   reopens the store, reports what is visible
#                                at once, lets the backend answer, and
#                                reports the outcome
#   store_child.py full-disk PATH  as write, but the disk is full (a file
#                                size limit of 0) until after the insert;
#                                reports the store's errors, then dies
# Each run prints one JSON object on stdout.

import json
import os
import resource
import signal
import sys

import gi

gi.require_version('Syncobj', '1.0')
from gi.repository import GLib, Syncobj  # noqa: E402

TIMEOUT_S = 10


def wait_for(predicate):
    context = GLib.MainContext.default()
    expired = []
    source = GLib.timeout_add(TIMEOUT_S * 1000, lambda: expired.append(True) or GLib.SOURCE_REMOVE)
    while not predicate():
        if expired:
            raise SystemExit('timed out')
        context.iteration(True)
    if not expired:
        GLib.source_remove(source)


def flush(store):
    done = []

    def finish(s, result):
        try:
            done.append(s.flush_finish(result))
        except GLib.Error as error:
            done.append(error)

    store.flush_async(None, finish)
    wait_for(lambda: done)
    if isinstance(done[0], GLib.Error):
        raise done[0]


def main(mode, path):
    store = Syncobj.Store.new_for_path(path)
    sync = Syncobj.Sync.new('todos-sync')
    jobs = []

    def persist(job):
        jobs.append(job)
        if mode == 'resume':
            # The backend stores the todo and its live updates echo it.
            sync.begin()
            for change in job.get_changes():
                sync.write(Syncobj.MutationType.INSERT, change['modified'])
            sync.commit()
            job.complete()

    collection = Syncobj.Collection.new_with_store(
        'todos', sync, Syncobj.FuncMutator.new(persist), store)
    sync.mark_ready()

    if mode == 'full-disk':
        notified = []
        store.connect('notify::write-error',
                      lambda s, pspec: notified.append(s.props.write_error))
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, hard))
        transaction = collection.insert({'id': 'a', 'title': 'Written before the crash'})
        wait_for(lambda: jobs)
        try:
            flush(store)
            flush_error = None
        except GLib.Error as error:
            flush_error = {'code': error.code, 'message': error.message}
        visible = collection['a'].to_dict() if 'a' in collection else None
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        flush(store)
        print(json.dumps({'transaction': transaction.get_id(),
                          'state': transaction.get_state_name(),
                          'flush_error': flush_error,
                          'visible': visible,
                          'notified': [e.message if e is not None else None for e in notified],
                          'write_error_after': store.props.write_error is not None}), flush=True)
        os._exit(0)   # killed while the persist call is in flight

    if mode == 'write':
        transaction = collection.insert({'id': 'a', 'title': 'Written before the crash'})
        wait_for(lambda: jobs)
        flush(store)
        print(json.dumps({'transaction': transaction.get_id(),
                          'state': transaction.get_state_name()}), flush=True)
        os._exit(0)   # killed while the persist call is in flight

    # resume: the optimistic insert is visible before any reply.
    visible_at_once = collection['a'].to_dict() if 'a' in collection else None
    pending_at_once = collection['a'].props.pending if 'a' in collection else None
    transactions = list(collection.get_transactions())
    wait_for(lambda: all(t.is_finished() for t in transactions))
    flush(store)
    print(json.dumps({
        'visible_at_once': visible_at_once,
        'pending_at_once': pending_at_once,
        'transactions': [t.get_id() for t in transactions],
        'states': [t.get_state_name() for t in transactions],
        'attempts': [job.get_attempt() for job in jobs],
        'final': collection['a'].to_dict() if 'a' in collection else None,
        'final_pending': collection['a'].props.pending if 'a' in collection else None,
    }), flush=True)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
