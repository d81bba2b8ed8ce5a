#!/usr/bin/python3
# todo.py: a command-line to-do list on libsyncobj, from Python
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# It shows
#   - optimistic writes: a new todo is listed at once, marked pending (*);
#   - rollback: the server refuses a write for good, the todo disappears;
#   - retries: a flaky server fails twice, libsyncobj retries with backoff.
#
# By default it runs against the test sync (Syncobj.test_collection_new):
# the "server" is a few lines of Python below with a persist function, and
# time is libsyncobj's virtual clock, so retries take no real time; nothing
# is kept. With --server URL it talks to the demo server (examples/server/)
# through Syncobj.HttpSync and Syncobj.HttpMutator, in real time, and keeps
# its data in the default store ($XDG_DATA_HOME/syncobj-todo-py/): started
# again with the server down, it lists the last-known to-dos at once, and
# changes made meanwhile wait in the store until the server is back.
#
# Usage (from the source tree, after `meson setup _build && ninja -C _build`):
#   export GI_TYPELIB_PATH=_build/introspection LD_LIBRARY_PATH=_build/libsyncobj
#   export PYTHONPATH=introspection
#   examples/python/todo.py                  # the demo, on the test sync
#   examples/python/todo.py -                # commands from stdin:
#       list | add TITLE | done ID | rm ID | flaky N | reject | quit
#   _build/tests/syncobj-demo-server --port 8080 &
#   examples/python/todo.py --server http://127.0.0.1:8080
#   kill %1; echo list | examples/python/todo.py --server http://127.0.0.1:8080 -

import argparse
import gettext
import json
import sys
import urllib.request

import gi

gi.require_version('Syncobj', '1.0')
from gi.repository import GLib, Syncobj  # noqa: E402

In = Syncobj.TransactionState
_ = gettext.translation('libsyncobj', fallback=True).gettext


class TestServer:
    """The backend on the test sync: a persist function that answers from
    the main loop, fails when told to, and echoes what it stored through
    the sync (as a real server's live updates would)."""

    def __init__(self):
        self.todos, self.control = Syncobj.test_collection_new([
            {'id': '1', 'title': 'Read the libsyncobj README', 'done': True},
        ])
        self.todos.set_mutator(Syncobj.FuncMutator.new(self.persist))
        self.failures_left = 0
        self.reject = False
        self.start = self.control.get_now()

    def persist(self, job):
        GLib.idle_add(self.answer, job)         # later, as a network reply

    def answer(self, job):
        if self.reject:
            self.reject = False
            job.fail_non_retriable('422 Refused by the server')
        elif self.failures_left > 0:
            self.failures_left -= 1
            job.fail_message('503 Service Unavailable')
        else:
            for change in job.get_changes():
                if change['type'] == 'delete':
                    self.control.emit_delete(change['key'])
                else:
                    self.control.emit_update(change['modified'])
            job.complete()
        return GLib.SOURCE_REMOVE

    def fail_next(self, count):
        self.failures_left = count

    def reject_next(self):
        self.reject = True

    def now(self):
        return (self.control.get_now() - self.start) / 1e6

    def flush(self):
        pass            # nothing is kept

    def step(self):
        # Nothing ready on the main loop: move the virtual clock instead.
        self.control.advance(100)


class DemoServer:
    """The demo server of examples/server/, over HTTP and a WebSocket, with
    the to-dos kept in the default store."""

    def __init__(self, url):
        self.url = url.rstrip('/')
        sync = Syncobj.HttpSync.new('todos', self.url + '/items',
                                    self.url.replace('http', 'ws', 1) + '/changes')
        self.store = Syncobj.Store.get_default()
        self.todos = Syncobj.Collection.new_with_store('todos', sync,
                                                       Syncobj.HttpMutator.new(self.url + '/items'),
                                                       self.store)
        self.todos.get_retry_policy().props.initial_delay = 500    # a snappier demo
        self.start = GLib.get_monotonic_time()
        deadline = self.start + 10_000_000
        # Until the sync has caught up, the server is found unreachable, or
        # it failed with nothing cached (ERROR). The sync's error alone is
        # no reason to stop: a server without a change feed is polled.
        Status = Syncobj.CollectionStatus
        while (not self.todos.props.ready and self.todos.props.status != Status.ERROR
               and not (self.todos.props.status == Status.CACHED and self.todos.props.offline)
               and GLib.get_monotonic_time() < deadline):
            GLib.MainContext.default().iteration(True)
        if self.todos.props.ready:
            return
        if self.todos.props.status != Syncobj.CollectionStatus.CACHED:
            raise SystemExit(_('cannot load %s/items: %s') % (self.url, sync.get_error()))
        # The last-known data, from the store; the sync catches up later.
        print(_('The server cannot be reached: showing the to-dos saved on this computer.'))

    def flush(self):
        """Waits until everything is written to the store, before quitting."""
        done = []
        self.store.flush_async(None, lambda store, result: done.append(True))
        while not done:
            GLib.MainContext.default().iteration(True)

    def faults(self, **faults):
        # The demo server's test switch; not part of a real API.
        request = urllib.request.Request(self.url + '/_admin/faults', data=json.dumps(faults).encode(),
                                         headers={'Content-Type': 'application/json'})
        urllib.request.urlopen(request, timeout=10).close()

    def fail_next(self, count):
        self.faults(fail=count, status=503)

    def reject_next(self):
        self.faults(fail=1, status=422, reason='Refused by the server')

    def now(self):
        return (GLib.get_monotonic_time() - self.start) / 1e6

    def step(self):
        GLib.MainContext.default().iteration(True)


class TodoApp:
    def __init__(self, server):
        self.server = server
        self.todos = server.todos
        if len(self.todos) == 0 and self.todos.props.ready:
            self.todos.insert({'id': '1', 'title': _('Read the libsyncobj README'), 'done': True})
            self.settle()
        self.last_id = max((int(k) for k in self.todos.keys() if k.isdigit()), default=0)

    def say(self, text):
        print('[%6.2f s] %s' % (self.server.now(), text))

    def show(self):
        for todo in self.todos:
            print('    %s %s [%s] %s' % ('*' if todo.pending else ' ', todo['id'],
                                        'x' if todo.get('done') else ' ', todo['title']))

    def next_id(self):
        self.last_id += 1
        return str(self.last_id)

    def watch(self, transaction, what):
        def on_state(t, pspec):
            attempts = len(t.get_attempts())
            if t.get_state() == In.COMPLETED:
                self.say(_('%s: saved after %d attempt(s)') % (what, attempts))
            elif t.get_state() == In.FAILED:
                self.say(_('%s: rolled back: %s') % (what, t.get_error().message))

        def on_attempt(attempts, position, removed, added):
            # A new attempt after a failed one: the retry is running.
            if added and position > 0:
                failed = attempts[position - 1]
                self.say(_('%s: attempt %d failed (%s); retry %d') % (
                    what, failed.get_number(), failed.get_error().message, position))

        transaction.connect('notify::state', on_state)
        transaction.get_attempts().connect('items-changed', on_attempt)

    def in_flight(self):
        # Offline, changes wait in the store for the server: nothing to wait for.
        return (not self.todos.props.offline and self.todos.props.ready
                and any(not t.is_finished() for t in self.todos.get_transactions()))

    def settle(self):
        """Runs until the server has answered everything in flight."""
        context = GLib.MainContext.default()
        while self.in_flight():
            while context.pending():
                context.iteration(False)
            if self.in_flight():
                self.server.step()

    def run(self, command):
        verb, _space, rest = command.strip().partition(' ')
        try:
            if verb == 'list':
                self.show()
            elif verb == 'add':
                key = self.next_id()
                self.watch(self.todos.insert({'id': key, 'title': rest, 'done': False}),
                           'add %s' % key)
                self.say(_('added %s at once (pending):') % key)
                self.show()
            elif verb == 'done':
                self.watch(self.todos.update(rest, {'done': True}), 'done %s' % rest)
                self.say(_('marked %s done') % rest)
            elif verb == 'rm':
                self.watch(self.todos.delete(rest), 'rm %s' % rest)
                self.say(_('removed %s') % rest)
            elif verb == 'flaky':
                self.server.fail_next(int(rest))
                self.say(_('the server will fail the next %s request(s)') % rest)
            elif verb == 'reject':
                self.server.reject_next()
                self.say(_('the server will refuse the next write'))
            elif verb:
                print(_('unknown command: %s') % verb, file=sys.stderr)
        except GLib.Error as e:
            print(_('error: %s') % e.message, file=sys.stderr)
        self.settle()


DEMO = [
    'list',
    'add Buy milk',
    'reject',
    'add Something the server refuses',
    'flaky 2',
    'add Water the plants',
    'done 2',
    'list',
]


def main(argv):
    parser = argparse.ArgumentParser(description=_('A to-do list on libsyncobj.'))
    parser.add_argument('--server', metavar='URL', help=_('the demo server, e.g. http://127.0.0.1:8080'))
    parser.add_argument('commands', nargs='?', help=_('"-" to read commands from stdin'))
    args = parser.parse_args(argv[1:])
    sys.stdout.reconfigure(line_buffering=True)
    GLib.set_prgname('syncobj-todo-py')         # the default store's folder

    app = TodoApp(DemoServer(args.server) if args.server else TestServer())
    commands = sys.stdin if args.commands == '-' else DEMO
    for command in commands:
        if command.strip() == 'quit':
            break
        print('> %s' % command.strip())
        app.run(command)
    app.server.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
