# test_history.py: finished transactions read back from the store, a page
# at a time, beyond what the registry keeps in memory
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import json

import pytest

from gi.repository import GLib, Syncobj

State = Syncobj.TransactionState


def read_history(store, collection_id, offset, limit):
    """Syncobj.Store.read_history_async() and a main loop until it answers."""
    loop = GLib.MainLoop()
    answer = {}

    def done(source, result):
        try:
            answer['page'] = source.read_history_finish(result)
        except GLib.Error as error:  # pragma: no cover - reported below
            answer['error'] = error
        loop.quit()

    store.read_history_async(collection_id, offset, limit, None, done)
    loop.run()
    assert 'error' not in answer, answer.get('error')
    page = answer['page']
    assert page.get_item_type() == Syncobj.Transaction.__gtype__
    return [page.get_item(i) for i in range(page.get_n_items())]


@pytest.fixture
def history_limit_10():
    registry = Syncobj.Registry.get_default()
    registry.forget_finished()
    registry.set_history_limit(10)
    yield registry
    registry.set_history_limit(1000)


def complete_at_once(job):
    job.complete()


def test_store_gives_back_history_beyond_the_registry(tmp_path, history_limit_10):
    registry = history_limit_10
    path = str(tmp_path / 'history.db')
    store = Syncobj.Store.new_for_path(path)
    mutator = Syncobj.FuncMutator.new(complete_at_once)
    collection = Syncobj.Collection.new_with_store('py-history', None, mutator, store)
    other = Syncobj.Collection.new_with_store('py-history-other', None, mutator, store)
    pending = registry.get_n_pending()

    ids = []
    for n in range(25):
        transaction = collection.insert({'id': 'h-%02d' % n, 'n': n})
        ctx = GLib.MainContext.default()
        while not transaction.is_finished():
            ctx.iteration(True)
        assert transaction.get_state() == State.COMPLETED
        ids.append(transaction.get_id())
    transaction = other.insert({'id': 'o'})
    while not transaction.is_finished():
        GLib.MainContext.default().iteration(True)
    other_id = transaction.get_id()
    assert registry.lookup_transaction(ids[0]) is None

    page = read_history(store, 'py-history', 0, 100)
    assert [t.get_id() for t in page] == ids[::-1]
    assert all(t.get_state() == State.COMPLETED for t in page)
    oldest = page[-1]
    mutation = oldest.get_mutations().get_item(0)
    assert mutation.get_key() == 'h-00'
    assert mutation.get_collection_id() == 'py-history'
    assert json.loads(mutation.get_changes_json()) == {'id': 'h-00', 'n': 0}
    # The newest ones are the registry's own objects; the others are
    # not in the registry and wait for nothing.
    assert registry.lookup_transaction(ids[-1]) is page[0]
    assert registry.lookup_transaction(ids[0]) is None
    assert registry.get_n_pending() == pending

    page = read_history(store, 'py-history', 5, 7)
    assert [t.get_id() for t in page] == ids[::-1][5:12]

    everything = read_history(store, None, 0, 100)
    assert [t.get_id() for t in everything] == [other_id] + ids[::-1]

    # A restart: a new store object on the same file.
    flushed = []
    store.flush_async(None, lambda source, result: flushed.append(source.flush_finish(result)))
    while not flushed:
        GLib.MainContext.default().iteration(True)
    del collection, other, store
    store = Syncobj.Store.new_for_path(path)
    page = read_history(store, 'py-history', 20, 100)
    assert [t.get_id() for t in page] == ids[::-1][20:]
    assert [t.get_mutations().get_item(0).get_key() for t in page] == ['h-04', 'h-03', 'h-02', 'h-01', 'h-00']


def test_in_memory_store_keeps_no_history():
    store = Syncobj.Store.new_in_memory()
    mutator = Syncobj.FuncMutator.new(complete_at_once)
    collection = Syncobj.Collection.new_with_store('py-history-memory', None, mutator, store)
    transaction = collection.insert({'id': 'a'})
    while not transaction.is_finished():
        GLib.MainContext.default().iteration(True)

    assert read_history(store, 'py-history-memory', 0, 100) == []
    assert read_history(store, None, 0, 100) == []


def test_history_model_pages_older_transactions(tmp_path, history_limit_10):
    registry = history_limit_10
    store = Syncobj.Store.new_for_path(str(tmp_path / 'model.db'))
    mutator = Syncobj.FuncMutator.new(complete_at_once)
    collection = Syncobj.Collection.new_with_store('py-history-model', None, mutator, store)
    ctx = GLib.MainContext.default()
    ids = []
    for n in range(30):
        transaction = collection.insert({'id': 'm-%02d' % n, 'n': n})
        while not transaction.is_finished():
            ctx.iteration(True)
        ids.append(transaction.get_id())

    history = Syncobj.History.new(collection)
    assert history.props.collection == collection
    assert history.props.can_read_more
    added = []
    history.connect('items-changed', lambda model, position, removed, n_added: added.append(n_added))
    history.read_more()
    assert history.props.reading
    while history.props.reading:
        ctx.iteration(True)

    # The 20 the registry no longer holds, newest first; the last page was
    # short, so nothing older is left.
    assert added == [20]
    assert [t.get_id() for t in history] == ids[19::-1]
    assert all(registry.lookup_transaction(t.get_id()) is None for t in history)
    assert not history.props.can_read_more
