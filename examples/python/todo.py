#!/usr/bin/python3
# todo.py: a command-line to-do list on libsyncobj, from Python
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs against the test sync (Syncobj.test_collection_new): the "server" is
# a few lines of Python below, time is libsyncobj's virtual clock, so the
# retries of a flaky server take no real time. It shows
#   - optimistic writes: a new todo is listed at once, marked pending (*);
#   - rollback: the server rejects a title for good, the todo disappears;
#   - retries: a flaky server fails twice, libsyncobj retries with backoff.
#
# Usage (from the source tree, after `meson setup _build && ninja -C _build`):
#   GI_TYPELIB_PATH=_build/introspection LD_LIBRARY_PATH=_build/libsyncobj \
#   PYTHONPATH=introspection examples/python/todo.py            # the demo
#   ... examples/python/todo.py -            # commands from stdin:
#   list | add TITLE | done ID | rm ID | flaky N | quit

import itertools
import sys

import gi

gi.require_version('Syncobj', '1.0')
from gi.repository import GLib, Syncobj  # noqa: E402

MAX_TITLE = 40


class Server:
    """The backend: validates, sometimes fails, and echoes what it stored
    through the sync (as a real server's live updates would)."""

    def __init__(self, control):
        self.control = control
        self.failures_left = 0

    def persist(self, job):
        # Answer later, from the main loop, as a network reply would.
        GLib.idle_add(self.answer, job)

    def answer(self, job):
        changes = job.get_changes()
        if self.failures_left > 0:
            self.failures_left -= 1
            job.fail_message('503 Service Unavailable')
        elif any(len(c['modified'].get('title', '')) > MAX_TITLE
                 for c in changes if c['type'] != 'delete'):
            job.fail_non_retriable('422 Title longer than %d characters' % MAX_TITLE)
        else:
            for change in changes:
                if change['type'] == 'delete':
                    self.control.emit_delete(change['key'])
                else:
                    self.control.emit_update(change['modified'])
            job.complete()
        return GLib.SOURCE_REMOVE


class TodoApp:
    def __init__(self):
        self.todos, self.control = Syncobj.test_collection_new([
            {'id': '1', 'title': 'Read the libsyncobj README', 'done': True},
        ])
        self.server = Server(self.control)
        self.todos.set_mutator(Syncobj.FuncMutator.new(self.server.persist))
        self.ids = itertools.count(2)
        self.start = self.control.get_now()

    def now(self):
        return (self.control.get_now() - self.start) / 1e6

    def say(self, text):
        print('[%6.2f s] %s' % (self.now(), text))

    def show(self):
        for todo in self.todos:
            print('    %s %s [%s] %s' % ('*' if todo.pending else ' ', todo['id'],
                                        'x' if todo.get('done') else ' ', todo['title']))

    def watch(self, transaction, what):
        def on_state(t, pspec):
            attempts = len(t.get_attempts())
            if t.get_state() == Syncobj.TransactionState.COMPLETED:
                self.say('%s: saved after %d attempt(s)' % (what, attempts))
            elif t.get_state() == Syncobj.TransactionState.FAILED:
                self.say('%s: rolled back: %s' % (what, t.get_error().message))

        def on_attempt(attempts, position, removed, added):
            # A new attempt after a failed one: the retry is running.
            if added and position > 0:
                failed = attempts[position - 1]
                self.say('%s: attempt %d failed (%s); retry %d' % (
                    what, failed.get_number(), failed.get_error().message, position))

        transaction.connect('notify::state', on_state)
        transaction.get_attempts().connect('items-changed', on_attempt)

    def settle(self):
        """Lets the server answer and the clock run until nothing is in flight."""
        context = GLib.MainContext.default()
        while any(not t.is_finished() for t in self.todos.get_transactions()):
            while context.pending():
                context.iteration(False)
            if any(not t.is_finished() for t in self.todos.get_transactions()):
                self.control.advance(100)

    def run(self, command):
        verb, _, rest = command.strip().partition(' ')
        try:
            if verb == 'list':
                self.show()
            elif verb == 'add':
                key = str(next(self.ids))
                self.watch(self.todos.insert({'id': key, 'title': rest, 'done': False}),
                           'add %s' % key)
                self.say('added %s at once (pending):' % key)
                self.show()
            elif verb == 'done':
                self.watch(self.todos.update(rest, {'done': True}), 'done %s' % rest)
                self.say('marked %s done' % rest)
            elif verb == 'rm':
                self.watch(self.todos.delete(rest), 'rm %s' % rest)
                self.say('removed %s' % rest)
            elif verb == 'flaky':
                self.server.failures_left = int(rest)
                self.say('the server will fail the next %s request(s)' % rest)
            elif verb:
                print('unknown command: %s' % verb, file=sys.stderr)
        except GLib.Error as e:
            print('error: %s' % e.message, file=sys.stderr)
        self.settle()


DEMO = [
    'list',
    'add Buy milk',
    'add Write a to-do title so long that the server refuses it',
    'flaky 2',
    'add Water the plants',
    'done 2',
    'list',
]


def main(argv):
    sys.stdout.reconfigure(line_buffering=True)
    app = TodoApp()
    commands = sys.stdin if argv[1:] == ['-'] else DEMO
    for command in commands:
        if command.strip() == 'quit':
            break
        print('> %s' % command.strip())
        app.run(command)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
