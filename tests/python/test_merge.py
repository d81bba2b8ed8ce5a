# test_merge.py: merge functions of parallel collections written in Python
#
# SPDX-License-Identifier: LGPL-2.1-or-later

from gi.repository import Json, Syncobj

from conftest import ItemsChanged, wait_for

State = Syncobj.TransactionState


def counters():
    return Syncobj.test_collection_new([{'id': 'likes', 'count': 10}],
                                       Syncobj.Strategy.PARALLEL)


def add_up(collection, key, synced, mutations):
    """Pending {'add': n} changes add to the synced count instead of
    overwriting it."""
    value = dict(synced or {'id': key, 'count': 0})
    for mutation in mutations:
        value['count'] += mutation.changes.get('add', 0)
    return value


def test_merge_function_computes_the_visible_value():
    collection, control = counters()
    calls = []

    def merge(collection_, key, synced, mutations, tag):
        calls.append((collection_, key, synced, [m.get_key() for m in mutations], tag))
        return add_up(collection_, key, synced, mutations)

    collection.set_merge_func(merge, 'tag')
    collection.update('likes', {'add': 1})
    collection.update('likes', {'add': 2})

    assert dict(collection['likes']) == {'id': 'likes', 'count': 13}
    assert calls[-1] == (collection, 'likes', {'id': 'likes', 'count': 10},
                         ['likes', 'likes'], 'tag')
    assert isinstance(calls[-1][2], dict)


def test_merge_function_runs_again_on_a_sync_update():
    collection, control = counters()
    collection.set_merge_func(add_up)
    collection.update('likes', {'add': 1})

    control.emit_update({'id': 'likes', 'count': 20})

    assert collection['likes'].synced_dict() == {'id': 'likes', 'count': 20}
    assert collection['likes']['count'] == 21


def test_merge_function_returning_none_hides_the_record():
    collection, control = counters()
    changes = ItemsChanged(collection)
    collection.set_merge_func(lambda c, key, synced, mutations: None)

    collection.update('likes', {'add': 1})

    assert 'likes' not in collection
    assert changes.take() == [(0, 1, 0)]


def test_merge_function_may_return_a_json_object():
    collection, control = counters()
    collection.set_merge_func(
        lambda c, key, synced, mutations: Json.from_string('{"id": "likes", "count": -1}').get_object())

    collection.update('likes', {'add': 1})

    assert collection['likes']['count'] == -1


def test_merged_value_gives_way_to_synced_on_completion():
    collection, control = counters()
    collection.set_merge_func(add_up)
    transaction = collection.update('likes', {'add': 5})
    assert collection['likes']['count'] == 15

    # The backend applies the increment and the echo brings the new count.
    control.set_auto_echo(False)
    control.advance(1000)
    control.emit_update({'id': 'likes', 'count': 15})
    wait_for(transaction.is_finished, control)

    assert transaction.get_state() == State.COMPLETED
    assert dict(collection['likes']) == {'id': 'likes', 'count': 15}
    assert collection['likes'].props.pending is False


def test_parallel_transactions_persist_at_once():
    collection, control = counters()
    collection.set_merge_func(add_up)

    first = collection.update('likes', {'add': 1})
    second = collection.update('likes', {'add': 1})

    assert second.get_queued_behind() is None
    assert collection['likes']['count'] == 12
    control.advance(1000)
    assert first.get_state() == State.COMPLETED
    assert second.get_state() == State.COMPLETED


def test_merge_function_of_the_wrong_arity_is_refused_when_set():
    collection, control = counters()

    def merge(synced, pending):
        return synced

    try:
        collection.set_merge_func(merge)
    except TypeError as e:
        assert 'merge(synced, pending)' in str(e)
        assert 'func(collection, key, synced, mutations)' in str(e)
    else:
        raise AssertionError('a two-argument merge function was accepted')

    # Nothing was set: writes compose by default.
    collection.update('likes', {'count': 11})
    assert collection['likes']['count'] == 11


def test_merge_function_arity_counts_the_user_data():
    collection, control = counters()

    try:
        collection.set_merge_func(add_up, 'extra')
    except TypeError as e:
        assert 'user_data0' in str(e)
    else:
        raise AssertionError('a merge function without room for user data was accepted')

    collection.set_merge_func(lambda *args: add_up(*args[:4]), 'extra')
    collection.update('likes', {'add': 1})
    assert collection['likes']['count'] == 11


def test_merge_function_that_raises_shows_the_default_composition(capfd):
    collection, control = counters()

    def broken(collection_, key, synced, mutations):
        raise KeyError('no such member')

    collection.set_merge_func(broken)
    collection.update('likes', {'count': 11})

    # Not hidden: the synced value with the update applied, as without a
    # merge function.
    assert dict(collection['likes']) == {'id': 'likes', 'count': 11}
    assert 'KeyError' in capfd.readouterr().err


def test_merge_function_may_start_from_the_default_composition():
    collection, control = counters()

    def stamped(collection_, key, synced, mutations):
        value = collection_.compose_default(synced, mutations)
        value['pending'] = len(mutations)
        return value

    collection.set_merge_func(stamped)
    collection.update('likes', {'count': 11})
    collection.update('likes', {'title': 'likes'})

    assert dict(collection['likes']) == {'id': 'likes', 'count': 11, 'title': 'likes',
                                         'pending': 2}
    collection.set_merge_func(None)
