# test_http_persist.py: the Python guide's persist function, over real HTTP
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A libsoup server on the loopback plays the backend; the persist function
# is the one of introspection/docs/python.md. Waits are bounded by events
# (wait_for), retries run on the virtual clock.

import json

import gi
import pytest

from gi.repository import GLib, Syncobj

from conftest import LONG_ENOUGH_MS, assert_syncobj_error, wait_for

try:
    gi.require_version('Soup', '3.0')
    from gi.repository import Soup
except (ValueError, ImportError):
    pytest.skip('libsoup 3 introspection data not installed', allow_module_level=True)

State = Syncobj.TransactionState


class Backend:
    """Validates titles, fails when told to, echoes what it stores."""

    def __init__(self, control):
        self.control = control
        self.failures_left = 0
        self.requests = []
        self.server = Soup.Server()
        self.server.add_handler('/todos', self.handle)
        self.server.listen_local(0, Soup.ServerListenOptions.IPV4_ONLY)
        self.url = self.server.get_uris()[0].to_string() + 'todos'

    def handle(self, server, message, path, query):
        body = json.loads(message.get_request_body().flatten().get_data())
        self.requests.append(body)
        if self.failures_left > 0:
            self.failures_left -= 1
            message.set_status(503, None)
        elif any(len(c['modified'].get('title', '')) > 40 for c in body if c['type'] != 'delete'):
            message.set_status(422, None)
            message.set_response('text/plain', Soup.MemoryUse.COPY, b'Title too long')
        else:
            for change in body:
                if change['type'] == 'delete':
                    self.control.emit_delete(change['key'])
                else:
                    self.control.emit_update(change['modified'])
            message.set_status(200, None)
            message.set_response('application/json', Soup.MemoryUse.COPY, b'{}')

    def close(self):
        self.server.disconnect()


@pytest.fixture
def http_todos(todos):
    collection, control = todos
    backend = Backend(control)
    API_URL = backend.url

    # --- the guide's persist function ---
    session = Soup.Session()

    def persist(job):
        message = Soup.Message.new("POST", API_URL)
        message.set_request_body_from_bytes(
            "application/json", GLib.Bytes(job.get_changes_json().encode()))

        def on_reply(session, result):
            try:
                body = session.send_and_read_finish(result)
            except GLib.Error as e:
                job.fail(e)                                        # retried with backoff
                return
            status = message.get_status()
            if 400 <= status < 500 and status not in (408, 429):
                job.fail_non_retriable(body.get_data().decode())   # rolled back
            elif status >= 400:
                job.fail_message(f"HTTP {int(status)}")            # retried with backoff
            else:
                job.complete()

        session.send_and_read_async(message, GLib.PRIORITY_DEFAULT, None, on_reply)

    collection.set_mutator(Syncobj.FuncMutator.new(persist))
    # --- end ---

    yield collection, control, backend
    backend.close()


def test_http_persist_completes_and_the_echo_keeps_the_value(http_todos):
    collection, control, backend = http_todos

    transaction = collection.insert({'id': '3', 'title': 'Over HTTP'})
    wait_for(transaction.is_finished, control)

    assert transaction.get_state() == State.COMPLETED
    assert backend.requests[0][0]['changes'] == {'id': '3', 'title': 'Over HTTP'}
    assert collection['3'].synced_dict() == {'id': '3', 'title': 'Over HTTP'}


def test_http_422_rolls_back_with_the_response_body(http_todos):
    collection, control, backend = http_todos

    transaction = collection.update('1', {'title': 'x' * 41})
    wait_for(transaction.is_finished, control)

    assert transaction.get_state() == State.FAILED
    assert_syncobj_error(transaction.get_error(), Syncobj.Error.NON_RETRIABLE)
    assert transaction.get_error().message == 'Title too long'
    assert collection['1']['title'] == 'Buy milk'


def test_http_503_is_retried(http_todos):
    collection, control, backend = http_todos
    backend.failures_left = 1

    transaction = collection.delete('2')
    wait_for(lambda: len(transaction.get_attempts()) == 1
             and transaction.get_attempts()[0].get_error() is not None, control)
    assert transaction.get_attempts()[0].get_error().message == 'HTTP 503'
    assert '2' not in collection

    control.advance(LONG_ENOUGH_MS)
    wait_for(transaction.is_finished, control)

    assert transaction.get_state() == State.COMPLETED
    assert len(backend.requests) == 2
    assert '2' not in collection
