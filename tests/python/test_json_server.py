# test_json_server.py: json-server 0.17 (a REST server nobody here wrote,
# installed from npm by tests/deps.sh) runs here and assigns integer ids on
# POST, as the tests of integer and server-assigned keys expect of it.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Every wait is bounded: the server's start, each request, its stop.

import json
import os
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from gi.repository import GLib, Syncobj

from conftest import ItemsChanged, free_port, wait_until_listening

JSON_SERVER = os.environ.get('SYNCOBJ_JSON_SERVER')
START_TIMEOUT_S = 30
REQUEST_TIMEOUT_S = 10

pytestmark = pytest.mark.skipif(not JSON_SERVER or not os.access(JSON_SERVER, os.X_OK),
                                reason='json-server is not installed (tests/run-all installs it with npm)')


class JsonServer:
    """json-server on 127.0.0.1 over a db.json of its own."""

    def __init__(self, tmp_path, data):
        db = tmp_path / 'db.json'
        db.write_text(json.dumps(data))
        self.port = free_port()
        self.base = 'http://127.0.0.1:%d' % self.port
        self.process = subprocess.Popen(
            [JSON_SERVER, '--host', '127.0.0.1', '--port', str(self.port), '--quiet', str(db)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.wait_until_listening()

    def wait_until_listening(self):
        wait_until_listening(self.process, self.port, 'json-server', START_TIMEOUT_S)

    def request(self, method, path, body=None):
        """Returns (status, headers, decoded JSON body)."""
        request = urllib.request.Request(self.base + path, method=method,
                                         data=json.dumps(body).encode() if body is not None else None,
                                         headers={'Content-Type': 'application/json'})
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as response:
                return response.status, response.headers, json.loads(response.read() or 'null')
        except urllib.error.HTTPError as error:
            return error.code, error.headers, json.loads(error.read() or 'null')

    def stop(self):
        self.process.kill()
        self.process.wait(timeout=REQUEST_TIMEOUT_S)
        self.process.stderr.close()


@pytest.fixture
def json_server(tmp_path):
    server = JsonServer(tmp_path, {'items': [{'id': 1, 'title': 'A'}]})
    yield server
    server.stop()


def test_post_without_id_gets_an_integer_id(json_server):
    status, _, items = json_server.request('GET', '/items')
    assert status == 200
    assert items == [{'id': 1, 'title': 'A'}]

    status, headers, created = json_server.request('POST', '/items', {'title': 'B'})
    assert status == 201
    assert created == {'id': 2, 'title': 'B'}
    assert type(created['id']) is int
    assert headers['Location'].endswith('/items/2')

    status, _, patched = json_server.request('PATCH', '/items/2', {'title': 'B2'})
    assert status == 200
    assert patched == {'id': 2, 'title': 'B2'}
    status, _, items = json_server.request('GET', '/items')
    assert items == [{'id': 1, 'title': 'A'}, {'id': 2, 'title': 'B2'}]


def drive(control, predicate, timeout_s=30):
    """Runs the main context until predicate() holds, for at most timeout_s
    seconds of real time. libsyncobj's timers (the sync's polling) are on
    the virtual clock of the test process: each turn moves it by 20 ms,
    while the HTTP exchanges take real time."""
    context = GLib.MainContext.default()
    deadline = time.monotonic() + timeout_s
    wake = GLib.timeout_add(10, lambda: GLib.SOURCE_CONTINUE)
    try:
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError('condition not reached within %d s' % timeout_s)
            control.advance(20)
            context.iteration(True)
    finally:
        GLib.source_remove(wake)


def test_server_keys_against_json_server(json_server):
    """key-source SERVER against json-server's integer ids: the insert
    without a key takes id 2 in place, the update made to the temporary key
    while the insert was in flight is PATCH /items/2, and a delete by the
    temporary key (an alias now) removes it. json-server has no change
    feed: the sync polls, and its snapshots are the echo."""
    _, control = Syncobj.test_collection_new([])      # the virtual clock
    items = json_server.base + '/items'
    mutator = Syncobj.HttpMutator.new(items)
    mutator.props.sync_timeout = 0                      # drive() bounds the waits
    mutator.props.timeout = REQUEST_TIMEOUT_S * 1000
    sync = Syncobj.HttpSync.new('json-server-py', items, None)
    sync.props.poll_interval = 50
    collection = Syncobj.Collection(id='json-server-py', key_source=Syncobj.KeySource.SERVER,
                                    sync=sync, mutator=mutator)
    drive(control, lambda: collection.props.ready)
    assert collection['1'].to_dict() == {'id': 1, 'title': 'A'}

    inserted = collection.insert({'title': 'B'})
    record = collection[1]
    temporary = record.get_key()
    assert temporary.startswith('~tmp-') and record.is_temporary()
    updated = collection.update(temporary, {'done': True})
    changes = ItemsChanged(collection)

    drive(control, lambda: inserted.is_finished() and updated.is_finished())
    assert inserted.get_state() == Syncobj.TransactionState.COMPLETED
    assert updated.get_state() == Syncobj.TransactionState.COMPLETED
    assert record.get_key() == '2' and not record.is_temporary()
    assert record.to_dict() == {'id': 2, 'title': 'B', 'done': True}
    assert [r.get_key() for r in collection] == ['1', '2']
    assert changes.take() == []                       # re-keyed in place
    assert json_server.request('GET', '/items/2')[2] == {'id': 2, 'title': 'B', 'done': True}

    deleted = collection.delete(temporary)
    drive(control, deleted.is_finished)
    assert deleted.get_state() == Syncobj.TransactionState.COMPLETED
    assert json_server.request('GET', '/items/2')[0] == 404
    assert [r.get_key() for r in collection] == ['1']
