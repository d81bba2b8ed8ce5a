# test_couch.py: Syncobj.CouchSync and Syncobj.CouchMutator from Python,
# against pouchdb-server (installed from npm by tests/deps.sh), which
# speaks the CouchDB replication protocol.
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

from conftest import doc_snippets, free_port, wait_until_listening

POUCHDB_SERVER = os.environ.get('SYNCOBJ_POUCHDB_SERVER')
START_TIMEOUT_S = 30
REQUEST_TIMEOUT_S = 30

pytestmark = pytest.mark.skipif(not POUCHDB_SERVER or not os.access(POUCHDB_SERVER, os.X_OK),
                                reason='pouchdb-server is not installed (tests/run-all installs it with npm)')


class PouchServer:
    """pouchdb-server --in-memory on 127.0.0.1, with an empty database "db"."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.db = 'http://127.0.0.1:%d/db' % self.port
        # It writes its log and config to its working directory.
        self.process = subprocess.Popen(
            [POUCHDB_SERVER, '--in-memory', '--host', '127.0.0.1', '--port', str(self.port)],
            cwd=str(tmp_path), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        self.wait_until_listening()
        assert self.request('PUT', '')[0] == 201

    def wait_until_listening(self):
        wait_until_listening(self.process, self.port, 'pouchdb-server', START_TIMEOUT_S)

    def request(self, method, path, body=None):
        """Returns (status, decoded JSON body)."""
        request = urllib.request.Request(self.db + path, method=method,
                                         data=json.dumps(body).encode() if body is not None else None,
                                         headers={'Content-Type': 'application/json'})
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as response:
                return response.status, json.loads(response.read() or 'null')
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or 'null')

    def stop(self):
        self.process.kill()
        self.process.wait(timeout=REQUEST_TIMEOUT_S)


@pytest.fixture
def pouch(tmp_path):
    server = PouchServer(tmp_path)
    yield server
    server.stop()


def drive(control, predicate, timeout_s=60):
    """Runs the main context until predicate() holds, for at most timeout_s
    seconds of real time; libsyncobj's timers (backoffs) are on the virtual
    clock of the test process, moved by 20 ms a turn."""
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


def couch_collection(pouch, name, selector=None):
    sync = Syncobj.CouchSync.new(name, pouch.db)
    sync.props.heartbeat = 1000
    sync.props.selector = selector
    mutator = Syncobj.CouchMutator.new(pouch.db)
    collection = Syncobj.Collection(id=name, key_member='_id', key_source=Syncobj.KeySource.SERVER,
                                    sync=sync, mutator=mutator)
    return collection, sync


def test_create_update_delete(pouch):
    """Documents keep _rev; each write is one _bulk_docs; the server's own
    changes come through the long poll."""
    _, control = Syncobj.test_collection_new([])      # the virtual clock
    assert pouch.request('PUT', '/a', {'title': 'A'})[0] == 201
    collection, sync = couch_collection(pouch, 'couch-py')
    drive(control, lambda: collection.props.ready)
    assert collection['a'].to_dict()['title'] == 'A'
    assert collection['a'].to_dict()['_rev'].startswith('1-')
    assert sync.props.full_loads == 1

    inserted = collection.insert({'_id': 'b', 'title': 'B'})
    updated = collection.update('a', {'title': 'A2'})
    drive(control, lambda: inserted.is_finished() and updated.is_finished())
    assert inserted.get_state() == Syncobj.TransactionState.COMPLETED
    assert updated.get_state() == Syncobj.TransactionState.COMPLETED
    status, held = pouch.request('GET', '/a')
    assert status == 200 and held['title'] == 'A2' and held['_rev'].startswith('2-')
    assert collection['a'].to_dict()['_rev'] == held['_rev']

    deleted = collection.delete('b')
    drive(control, deleted.is_finished)
    assert deleted.get_state() == Syncobj.TransactionState.COMPLETED
    assert pouch.request('GET', '/b')[0] == 404

    assert pouch.request('PUT', '/c', {'title': 'C'})[0] == 201
    drive(control, lambda: 'c' in [r.get_key() for r in collection])
    assert sorted(r.get_key() for r in collection) == ['a', 'c']


def test_two_clients_see_each_other(pouch):
    """Two collections on one database: what one writes, the other shows."""
    _, control = Syncobj.test_collection_new([])
    first, _ = couch_collection(pouch, 'couch-py-1')
    second, _ = couch_collection(pouch, 'couch-py-2')
    drive(control, lambda: first.props.ready and second.props.ready)

    written = first.insert({'_id': 'shared', 'n': 1})
    drive(control, written.is_finished)
    drive(control, lambda: 'shared' in [r.get_key() for r in second])
    changed = second.update('shared', {'n': 2})
    drive(control, changed.is_finished)
    assert changed.get_state() == Syncobj.TransactionState.COMPLETED
    drive(control, lambda: first['shared'].to_dict()['n'] == 2)
    assert first['shared'].to_dict() == second['shared'].to_dict()


def test_two_clients_edit_one_document(pouch):
    """Both change the document from the same revision: the second write is
    a conflict, rebased on the first one's revision and sent again; both
    collections converge on the merge."""
    _, control = Syncobj.test_collection_new([])
    assert pouch.request('PUT', '/s', {'title': 'S', 'count': 1})[0] == 201
    first, _ = couch_collection(pouch, 'couch-py-a')
    second, _ = couch_collection(pouch, 'couch-py-b')
    conflicts = []
    for collection in (first, second):
        collection.connect('conflict', lambda _c, key, _local, _server: conflicts.append(key))
    drive(control, lambda: first.props.ready and second.props.ready)

    one = first.update('s', {'title': 'S from one'})
    two = second.update('s', {'count': 2})
    drive(control, lambda: one.is_finished() and two.is_finished())
    assert one.get_state() == Syncobj.TransactionState.COMPLETED
    assert two.get_state() == Syncobj.TransactionState.COMPLETED
    assert conflicts == ['s']

    status, held = pouch.request('GET', '/s')
    assert status == 200 and held['title'] == 'S from one' and held['count'] == 2
    drive(control, lambda: first['s'].to_dict() == held and second['s'].to_dict() == held)


def keys_of(collection):
    return sorted(r.get_key() for r in collection)


def test_selector_syncs_part_of_the_database(pouch):
    """With a selector only the matching documents are loaded (PouchDB
    Server reads the selector from the query, CouchDB from the body of the
    POST: both are sent); a document that comes to match is brought by the
    feed, one written on the server that does not match stays out, one
    that stops matching leaves."""
    _, control = Syncobj.test_collection_new([])
    for key, kind in (('a', 'note'), ('b', 'task'), ('c', 'note')):
        assert pouch.request('PUT', '/' + key, {'type': kind})[0] == 201
    collection, sync = couch_collection(pouch, 'couch-py-selector', selector='{"type": "note"}')
    drive(control, lambda: collection.props.ready)
    assert keys_of(collection) == ['a', 'c']
    assert sync.props.selector == '{"type":"note"}'
    assert sync.get_error() is None

    _, held = pouch.request('GET', '/b')
    assert pouch.request('PUT', '/b', dict(held, type='note'))[0] == 201
    assert pouch.request('PUT', '/d', {'type': 'task'})[0] == 201
    assert pouch.request('PUT', '/e', {'type': 'note'})[0] == 201
    drive(control, lambda: 'e' in keys_of(collection))
    assert keys_of(collection) == ['a', 'b', 'c', 'e']
    assert collection['b'].to_dict()['_rev'].startswith('2-')

    _, held = pouch.request('GET', '/a')
    assert pouch.request('PUT', '/a', dict(held, type='archived'))[0] == 201
    drive(control, lambda: 'a' not in keys_of(collection))
    assert keys_of(collection) == ['b', 'c', 'e']


def test_the_guide_sample_runs_as_written(pouch, tmp_path):
    """couchdb.md's Python sample, with the test's database and store: it
    updated "groceries" before the collection had loaded it, which raised
    "No record “groceries”"; it now waits for ready."""
    _, control = Syncobj.test_collection_new([])
    for key, kind in (('groceries', 'note'), ('other', 'task')):
        assert pouch.request('PUT', '/' + key, {'type': kind, 'done': False})[0] == 201
    (snippet,) = doc_snippets('couchdb.md')
    snippet = snippet.replace("'https://couch.example.com:6984/notes'", repr(pouch.db))
    snippet = snippet.replace('Syncobj.Store.get_default()',
                              'Syncobj.Store.new_for_path(%r)' % str(tmp_path / 'notes.db'))
    namespace = {}

    exec(snippet, namespace)
    notes = namespace['notes']
    drive(control, lambda: pouch.request('GET', '/groceries')[1]['done'] is True)
    drive(control, lambda: not notes['groceries'].pending)
    assert keys_of(notes) == ['groceries']
    assert notes['groceries']['_rev'].startswith('2-')


def test_selector_may_be_a_dict():
    """A Mango selector as a dict, as the GJS helper takes a plain object:
    set_selector() and the constructor's selector keyword write it as
    JSON; text and None go through as they are."""
    sync = Syncobj.CouchSync.new('couch-py-selector-dict', 'http://127.0.0.1:9/db')
    sync.set_selector({'type': 'note', 'n': {'$gt': 1}})
    assert json.loads(sync.props.selector) == {'type': 'note', 'n': {'$gt': 1}}
    sync.set_selector('{"type": "task"}')
    assert json.loads(sync.props.selector) == {'type': 'task'}
    sync.set_selector(None)
    assert sync.props.selector is None
    made = Syncobj.CouchSync(id='couch-py-selector-kw', database_uri='http://127.0.0.1:9/db',
                             selector={'type': 'note'})
    assert json.loads(made.props.selector) == {'type': 'note'}
    with pytest.raises(TypeError, match='selector'):
        sync.set_selector({'when': object()})
