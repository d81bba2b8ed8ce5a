# test_cache.py: a collection starts with its synced records cached in the
# store, shows whether they are saved or current data, and resumes from
# its sync's cursor
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import gc
import json

import pytest
from gi.repository import Gio, GLib, Syncobj

from conftest import wait_for

pytestmark = pytest.mark.skipif(not hasattr(Syncobj.Sync, 'commit_with_cursor'),
                                reason='this libsyncobj has no cache of synced state')


def flush(store):
    done = []
    store.flush_async(None, lambda s, result: done.append(s.flush_finish(result)))
    wait_for(lambda: done)


def clear_cache(store, collection_id):
    done = []
    store.clear_cache_async(collection_id, None,
                            lambda s, result: done.append(s.clear_cache_finish(result)))
    wait_for(lambda: done)


def one_run(path, records=None, cursor=None):
    """Opens the collection "todos" on the store at path; commits records
    (a snapshot) with cursor when given; returns what it showed at once."""
    store = Syncobj.Store.new_for_path(str(path))
    sync = Syncobj.Sync.new('todos-sync')
    collection = Syncobj.Collection.new_with_store('todos', sync, None, store)
    seen = {
        'status': collection.props.status,
        'keys': [collection.get_item(i).props.key for i in range(collection.get_n_items())],
        'cursor': sync.get_cursor(),
    }
    if records is not None:
        sync.begin()
        sync.truncate()
        for record in records:
            sync.write_json(Syncobj.MutationType.INSERT, json.dumps(record))
        sync.commit_with_cursor(cursor)
        sync.mark_ready()
        seen['status_after'] = collection.props.status
    flush(store)
    del collection, sync
    gc.collect()
    return seen, store


def test_cached_records_and_cursor_come_back(tmp_path):
    path = tmp_path / 'cache.db'
    first, _ = one_run(path, [{'id': 'b', 'n': 2}, {'id': 'a', 'n': 1}], 'etag-1')
    assert first == {'status': Syncobj.CollectionStatus.LOADING, 'keys': [], 'cursor': None,
                     'status_after': Syncobj.CollectionStatus.READY}

    second, _ = one_run(path)
    assert second == {'status': Syncobj.CollectionStatus.CACHED, 'keys': ['b', 'a'],
                      'cursor': 'etag-1'}


def test_clear_cache_for_sign_out(tmp_path):
    path = tmp_path / 'cache.db'
    _, store = one_run(path, [{'id': 'a'}], 'etag-1')
    clear_cache(store, None)
    del store
    gc.collect()

    again, _ = one_run(path)
    assert again == {'status': Syncobj.CollectionStatus.LOADING, 'keys': [], 'cursor': None}


def test_a_bad_cursor_is_refused():
    sync = Syncobj.Sync.new('cursor-sync')
    sync.begin()
    with pytest.raises(GLib.Error) as error:
        sync.set_cursor('line\nbreak')
    assert error.value.code == Syncobj.Error.INVALID_RECORD
    sync.commit()
    assert sync.get_cursor() is None


def open_async(store, collection_id, sync=None, cancellable=None):
    """Syncobj.Collection.new_with_store_async(); returns (collection, error)
    once its callback ran, and the number of items seen before that."""
    done = []
    seen = []

    def on_opened(source, result):
        try:
            done.append((Syncobj.Collection.new_with_store_finish(result), None))
        except GLib.Error as error:
            done.append((None, error))

    Syncobj.Collection.new_with_store_async(collection_id, sync, None, store, cancellable, on_opened)
    registry = Syncobj.Registry.get_default()

    def look():
        early = registry.lookup_collection(collection_id)
        if early is not None and not done:
            seen.append(early.get_n_items())
        return bool(done)
    wait_for(look)
    return done[0], seen


def test_a_start_off_the_main_loop_shows_the_cache_and_the_cursor(tmp_path):
    path = tmp_path / 'cache.db'
    records = [{'id': 'k%d' % i, 'n': i} for i in range(20000)]
    one_run(path, records, 'etag-9')

    store = Syncobj.Store.new_for_path(str(path))
    sync = Syncobj.Sync.new('todos-sync')
    (collection, error), seen = open_async(store, 'todos', sync)
    assert error is None
    assert collection.props.status == Syncobj.CollectionStatus.CACHED
    assert collection.get_n_items() == 20000
    assert [collection.get_item(i).props.key for i in (0, 1, 19999)] == ['k0', 'k1', 'k19999']
    assert sync.get_cursor() == 'etag-9'
    assert collection.get_store() == store
    # The main loop ran while the records were adopted, a slice at a time.
    assert any(0 < n < 20000 for n in seen)
    collection.run_dispose()


def test_a_start_off_the_main_loop_can_be_cancelled(tmp_path):
    path = tmp_path / 'cache.db'
    one_run(path, [{'id': 'a'}], 'etag-1')
    store = Syncobj.Store.new_for_path(str(path))
    cancellable = Gio.Cancellable()
    cancellable.cancel()
    (collection, error), _ = open_async(store, 'todos', None, cancellable)
    assert collection is None
    assert error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)


def test_a_start_with_properties_checks_its_lists_before_calling():
    start = Syncobj.Collection.new_with_properties_async
    with pytest.raises(ValueError, match='2 property names but 3 values'):
        start(['id', 'strategy'], ['python-props-start', Syncobj.Strategy.PARALLEL, 'extra'], None, None)
    with pytest.raises(TypeError, match="Syncobj.Collection has no property 'keysource'"):
        start(['id', 'keysource'], ['python-props-start', Syncobj.KeySource.SERVER], None, None)
    with pytest.raises(TypeError, match="property 'sync' of Syncobj.Collection takes a SyncobjSync"):
        start(['id', 'sync'], ['python-props-start', 'not a sync'], None, None)
    assert Syncobj.Registry.get_default().lookup_collection('python-props-start') is None
