# test_demo_server.py: HTTP mutator and sync from Python, against the demo
# server of examples/server/
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Network I/O is real and waited for with a bound; libsyncobj's timers
# (retries) run on the virtual clock, driven through the control of a
# throwaway test collection (the clock is process-wide).

import json
import os
import subprocess
import urllib.request

import pytest
from gi.repository import Syncobj

from conftest import LONG_ENOUGH_MS, ItemsChanged, assert_syncobj_error, doc_snippets, wait_for

SERVER = os.environ.get('SYNCOBJ_DEMO_SERVER')
TOKEN = 'python-token'
State = Syncobj.TransactionState

pytestmark = pytest.mark.skipif(not SERVER or not hasattr(Syncobj, 'HttpMutator'),
                                reason='the demo server or the HTTP classes are not built')


class DemoServer:
    def __init__(self, tmp_path, *args):
        self.process = subprocess.Popen(
            [SERVER, '--port=0', '--db=%s' % (tmp_path / 'demo.db'), '--token=%s' % TOKEN, *args],
            stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        assert line.startswith('PORT '), 'the demo server did not start: %r' % line
        self.base = 'http://127.0.0.1:%d' % int(line.split()[1])

    def admin(self, path, body=None, token=None):
        """A request of the test itself, outside libsyncobj (blocking is
        fine: the server is another process)."""
        headers = {'Content-Type': 'application/json'}
        if token is not None:
            headers['Authorization'] = 'Bearer ' + token
        request = urllib.request.Request(self.base + path, method='POST' if body is not None else 'GET',
                                         data=json.dumps(body).encode() if body is not None else None,
                                         headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or 'null')

    def stop(self):
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def demo(tmp_path):
    server = DemoServer(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def clock():
    collection, control = Syncobj.test_collection_new([])
    return control


counter = iter(range(1_000_000))


def items_collection(demo, auth=True):
    """A collection of the server's items, with a Python auth function."""
    name = 'items-%d' % next(counter)
    sync = Syncobj.HttpSync.new(name, demo.base + '/items', demo.base.replace('http', 'ws') + '/changes')
    mutator = Syncobj.HttpMutator.new(demo.base + '/items')
    asked = []

    def authorization(method, uri):
        asked.append(method)
        return 'Bearer ' + TOKEN if auth else None

    mutator.set_auth_func(authorization)
    collection = Syncobj.Collection.new(name, sync, mutator)
    wait_for(lambda: collection.props.ready and sync.props.connected)
    return collection, asked


def test_insert_persists_to_the_server_with_the_python_auth_function(demo, clock):
    collection, asked = items_collection(demo)

    transaction = collection.insert({'id': 'a', 'title': 'Over the wire'})
    assert collection['a']['title'] == 'Over the wire'
    wait_for(transaction.is_finished, clock)

    assert transaction.get_state() == State.COMPLETED
    assert asked == ['POST']
    assert demo.admin('/items/a') == {'id': 'a', 'title': 'Over the wire'}
    assert collection['a'].synced_value == {'id': 'a', 'title': 'Over the wire'}


def test_update_and_delete_reach_the_server(demo, clock):
    collection, asked = items_collection(demo)
    wait_for(collection.insert({'id': 'a', 'title': 'First'}).is_finished, clock)

    update = collection.update('a', {'done': True})
    wait_for(update.is_finished, clock)
    assert demo.admin('/items/a') == {'id': 'a', 'title': 'First', 'done': True}

    delete = collection.delete('a')
    wait_for(delete.is_finished, clock)
    assert delete.get_state() == State.COMPLETED
    assert 'a' not in collection
    assert demo.admin('/items') == []


def test_a_base_uri_with_a_query_keeps_it_after_the_key(demo, clock):
    # An API key in the query, as many APIs take it: the update went to
    # /items?api_key=K/a, which the server refused (405), and the user's
    # change was rolled back.
    base = demo.base + '/items?api_key=K'
    sync = Syncobj.HttpSync.new('items-query', base, None)
    mutator = Syncobj.HttpMutator.new(base)
    mutator.set_header('Authorization', 'Bearer ' + TOKEN)
    collection = Syncobj.Collection.new('items-query', sync, mutator)
    wait_for(lambda: collection.props.ready)
    wait_for(collection.insert({'id': 'a b', 'title': 'First'}).is_finished, clock)

    update = collection.update('a b', {'done': True})
    wait_for(update.is_finished, clock)
    assert update.get_state() == State.COMPLETED, update.get_error()
    assert demo.admin('/items/a%20b') == {'id': 'a b', 'title': 'First', 'done': True}

    delete = collection.delete('a b')
    wait_for(delete.is_finished, clock)
    assert delete.get_state() == State.COMPLETED, delete.get_error()
    assert demo.admin('/items') == []


def test_a_server_without_a_change_feed_is_polled_and_the_status_skips_error(demo, clock):
    # json-server and many REST APIs answer the WebSocket URI with a plain
    # page: the sync polls instead, as documented, and its error says so.
    # The collection went LOADING -> ERROR -> READY: an application that
    # took ERROR for "cannot load" gave up on a sync that works.
    sync = Syncobj.HttpSync.new('items-no-feed', demo.base + '/items',
                                demo.base.replace('http', 'ws') + '/items')
    mutator = Syncobj.HttpMutator.new(demo.base + '/items')
    mutator.set_header('Authorization', 'Bearer ' + TOKEN)
    collection = Syncobj.Collection.new('items-no-feed', sync, mutator)
    statuses = []
    collection.connect('notify::status', lambda c, _: statuses.append(c.props.status))
    errors = []
    sync.connect('notify::error', lambda s, _: errors.append(s.props.error))

    wait_for(lambda: collection.props.ready)
    assert statuses == [Syncobj.CollectionStatus.READY]
    assert len(errors) == 1 and 'polling instead' in sync.props.error.message
    assert sync.props.connected

    transaction = collection.insert({'id': 'a', 'title': 'Polled'})
    wait_for(transaction.is_finished, clock)
    assert transaction.get_state() == State.COMPLETED
    assert demo.admin('/items') == [{'id': 'a', 'title': 'Polled'}]


def test_a_401_waits_for_the_credential_the_application_gives_later(demo, clock):
    collection, asked = items_collection(demo, auth=False)
    mutator = collection.get_mutator()
    requests = []
    mutator.connect('auth-required', lambda mutator, request: requests.append(request))

    transaction = collection.insert({'id': 'a', 'title': 'No token yet'})
    wait_for(lambda: len(requests) == 1)
    assert mutator.props.needs_auth
    assert requests[0].get_http_status() == 401

    # Retries would long be due: the write waits, spending no attempt.
    clock.advance(LONG_ENOUGH_MS)
    assert transaction.get_state() == State.PERSISTING
    assert transaction.get_current_attempt() == 1
    assert collection['a']['title'] == 'No token yet'
    assert demo.admin('/items') == []

    requests[0].set_credential('Bearer ' + TOKEN)
    wait_for(transaction.is_finished, clock)
    assert transaction.get_state() == State.COMPLETED
    assert transaction.get_current_attempt() == 1
    assert not mutator.props.needs_auth
    assert requests[0].is_done()
    assert demo.admin('/items/a') == {'id': 'a', 'title': 'No token yet'}


def test_a_cancelled_auth_request_fails_the_attempt_and_the_policy_retries(demo, clock):
    collection, asked = items_collection(demo, auth=False)
    mutator = collection.get_mutator()
    asks = []

    def no_credential(mutator, request):
        asks.append(request.get_uri())
        request.cancel()

    mutator.connect('auth-required', no_credential)
    transaction = collection.insert({'id': 'a', 'title': 'Never'})
    while not transaction.is_finished():
        clock.advance(LONG_ENOUGH_MS)
        wait_for(lambda: transaction.is_finished() or
                 transaction.get_attempts()[len(transaction.get_attempts()) - 1].get_completed_at() is not None,
                 clock)

    assert transaction.get_state() == State.FAILED
    error = transaction.get_error()
    assert_syncobj_error(error, Syncobj.Error.HTTP)
    assert '401' in error.message, error.message
    assert transaction.get_current_attempt() == 5   # no store: 5 attempts
    assert len(asks) == 5
    assert transaction.get_attempts()[4].get_http_status() == 401
    assert 'a' not in collection


def test_server_errors_are_retried_on_the_virtual_clock(demo, clock):
    collection, asked = items_collection(demo)
    demo.admin('/_admin/faults', {'fail': 2, 'status': 503})

    transaction = collection.insert({'id': 'a', 'title': 'Eventually'})
    wait_for(lambda: len(transaction.get_attempts()) == 1
             and transaction.get_attempts()[0].get_error() is not None, clock)
    assert_syncobj_error(transaction.get_attempts()[0].get_error(), Syncobj.Error.HTTP)
    assert '503' in transaction.get_attempts()[0].get_error().message
    assert transaction.get_state() == State.PERSISTING

    while not transaction.is_finished():
        clock.advance(LONG_ENOUGH_MS)
        wait_for(lambda: transaction.is_finished() or
                 transaction.get_attempts()[len(transaction.get_attempts()) - 1].get_completed_at() is not None,
                 clock)

    assert transaction.get_state() == State.COMPLETED
    assert len(transaction.get_attempts()) == 3
    assert demo.admin('/items/a')['title'] == 'Eventually'


def test_another_clients_change_arrives_as_items_changed(demo, clock):
    mine, _ = items_collection(demo)
    theirs, _ = items_collection(demo)
    changes = ItemsChanged(mine)

    wait_for(theirs.insert({'id': 'b', 'title': 'From elsewhere'}).is_finished, clock)
    wait_for(lambda: 'b' in mine, clock)

    assert changes.take() == [(0, 0, 1)]
    assert mine['b'].value == {'id': 'b', 'title': 'From elsewhere'}
    assert mine['b'].pending is False


def test_the_sync_and_the_mutator_of_a_collection_share_one_credential(tmp_path, clock):
    """Reads need the token too: the polling sync is refused, waits for the
    credential the application gives later, and resumes from its cursor;
    one handler answers the sync's and the mutator's requests alike."""
    demo = DemoServer(tmp_path, '--token-reads')
    try:
        name = 'shared-%d' % next(counter)
        sync = Syncobj.HttpSync.new(name, demo.base + '/items', None)
        sync.props.poll_interval = 1000
        mutator = Syncobj.HttpMutator.new(demo.base + '/items')
        token = [None]
        waiting = []
        asked_by = []

        def on_auth_required(source, request):
            asked_by.append(type(source).__name__)
            if token[0] is not None:
                request.set_credential('Bearer ' + token[0])
            else:
                waiting.append(request)     # the user logs in later

        sync.connect('auth-required', on_auth_required)
        mutator.connect('auth-required', on_auth_required)
        collection = Syncobj.Collection.new(name, sync, mutator)
        wait_for(lambda: len(waiting) == 1)
        assert sync.props.needs_auth
        assert waiting[0].get_http_status() == 401
        assert not collection.props.ready

        # Polls and reconnects would long be due: the sync waits.
        clock.advance(LONG_ENOUGH_MS)
        assert asked_by == ['HttpSync']
        assert sync.props.needs_auth

        token[0] = TOKEN
        waiting.pop().set_credential('Bearer ' + TOKEN)
        wait_for(lambda: collection.props.ready)
        assert not sync.props.needs_auth

        # The mutator has no credential yet: it asks, and gets the same one.
        transaction = collection.insert({'id': 'a', 'title': 'Shared token'})
        wait_for(transaction.is_finished, clock)
        assert transaction.get_state() == State.COMPLETED
        assert transaction.get_current_attempt() == 1
        assert asked_by == ['HttpSync', 'HttpMutator']
        cursor = sync.get_cursor()

        # The token expires: the next poll is refused and asks; the
        # collection keeps its records and its cursor.
        token[0] = None
        demo.admin('/_admin/token', {'token': 'rotated'})
        demo.admin('/items', {'id': 'b', 'title': 'From elsewhere'}, token='rotated')
        clock.advance(1000)
        wait_for(lambda: len(waiting) == 1)
        assert sync.props.needs_auth
        assert collection['a']['title'] == 'Shared token'
        assert 'b' not in collection
        assert sync.get_cursor() == cursor

        token[0] = 'rotated'
        waiting.pop().set_credential('Bearer rotated')
        wait_for(lambda: 'b' in collection)
        assert collection['a']['title'] == 'Shared token'
        assert sync.get_cursor() != cursor
    finally:
        demo.stop()


def test_the_http_guide_handler_shares_one_login_between_sync_and_mutator(tmp_path, clock):
    """http.md's handler, connected to the sync and the mutator of one
    collection, as the guide writes it: the user logs in once for both,
    and again when the token itself is refused."""
    demo = DemoServer(tmp_path, '--token-reads')
    try:
        name = 'guide-auth-%d' % next(counter)
        sync = Syncobj.HttpSync.new(name, demo.base + '/items', None)
        mutator = Syncobj.HttpMutator.new(demo.base + '/items')
        logins = []                     # the callbacks of the login dialogs shown
        (snippet,) = [s for s in doc_snippets('http.md') if 'log_in(' in s]
        exec(snippet, {'sync': sync, 'mutator': mutator, 'log_in': logins.append})
        collection = Syncobj.Collection.new(name, sync, mutator)
        wait_for(lambda: len(logins) == 1)
        logins[0](TOKEN)
        wait_for(lambda: collection.props.ready)

        # The mutator is refused without a token: answered with the same.
        transaction = collection.insert({'id': 'a', 'title': 'Logged in once'})
        wait_for(transaction.is_finished, clock)
        assert transaction.get_state() == State.COMPLETED
        assert len(logins) == 1

        # The token expires: its refusal asks the user again.
        demo.admin('/_admin/token', {'token': 'rotated'})
        transaction = collection.insert({'id': 'b', 'title': 'Logged in again'})
        wait_for(lambda: len(logins) == 2)
        logins[1]('rotated')
        wait_for(transaction.is_finished, clock)
        assert transaction.get_state() == State.COMPLETED
        assert demo.admin('/items/b', token='rotated') == {'id': 'b', 'title': 'Logged in again'}
    finally:
        demo.stop()


def test_a_cancelled_auth_request_pauses_the_sync_with_an_error(tmp_path, clock):
    demo = DemoServer(tmp_path, '--token-reads')
    try:
        sync = Syncobj.HttpSync.new('paused-%d' % next(counter), demo.base + '/items', None)
        asks = []

        def no_credential(sync, request):
            asks.append(request.get_uri())
            request.cancel()

        sync.connect('auth-required', no_credential)
        collection = Syncobj.Collection.new(sync.get_id(), sync, None)
        wait_for(lambda: sync.get_error() is not None)
        assert_syncobj_error(sync.get_error(), Syncobj.Error.HTTP)
        assert '401' in sync.get_error().message
        assert not sync.props.needs_auth
        clock.advance(LONG_ENOUGH_MS)
        assert len(asks) == 1
        assert not collection.props.ready
    finally:
        demo.stop()
