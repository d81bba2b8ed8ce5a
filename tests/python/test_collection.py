# test_collection.py: records and collections as Python containers
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import collections.abc

import pytest
from gi.repository import GLib, GObject, Json, Syncobj

from conftest import assert_syncobj_error


def test_record_is_a_read_only_mapping(todos):
    collection, control = todos
    record = collection['1']

    assert record['title'] == 'Buy milk'
    assert record['done'] is False
    assert dict(record) == {'id': '1', 'title': 'Buy milk', 'done': False}
    assert 'title' in record
    assert 'missing' not in record
    assert len(record) == 3
    assert list(record) == ['id', 'title', 'done']
    assert record.get('missing', 'fallback') == 'fallback'
    with pytest.raises(KeyError):
        record['missing']
    with pytest.raises(TypeError):
        record['title'] = 'changed'


def test_record_compares_equal_to_a_dict_of_its_visible_value(todos):
    collection, control = todos
    record = collection['1']
    collection.update('1', {'done': True})

    assert record == {'id': '1', 'title': 'Buy milk', 'done': True}
    assert record != {'id': '1', 'title': 'Buy milk', 'done': False}
    assert record != 'Buy milk'
    # Records are one object per key: equal to themselves only, hashable.
    assert record == collection['1'] and record != collection['2']
    assert {record: 'seen'}[collection['1']] == 'seen'
    assert isinstance(record, collections.abc.Mapping)
    match record:
        case {'done': True, 'title': title}:
            assert title == 'Buy milk'
        case _:
            raise AssertionError('a mapping pattern did not match the record')


def test_record_nested_values_become_python_values():
    collection, control = Syncobj.test_collection_new(
        [{'id': 'n', 'tags': ['a', 'b'], 'meta': {'score': 2.5, 'none': None}}])
    record = collection['n']

    assert record['tags'] == ['a', 'b']
    assert record['meta'] == {'score': 2.5, 'none': None}
    assert record.to_dict() == {'id': 'n', 'tags': ['a', 'b'],
                                'meta': {'score': 2.5, 'none': None}}


def test_record_value_is_a_json_object_and_to_dict_a_dict(todos):
    collection, control = todos
    record = collection['2']

    assert isinstance(record.get_value(), Json.Object)
    assert record.to_dict() == {'id': '2', 'title': 'Walk the dog', 'done': True}
    assert record.synced_dict() == record.to_dict()
    assert Syncobj.to_python(record.props.value) == record.to_dict()


def test_collection_len_iteration_and_lookup(todos):
    collection, control = todos

    assert len(collection) == 2
    assert [r.get_key() for r in collection] == ['1', '2']
    assert all(isinstance(r, Syncobj.Record) for r in collection)
    assert collection['1'] is collection[0]
    assert collection[-1] is collection['2']
    assert '1' in collection and 'nope' not in collection
    assert collection.get('nope') is None
    assert collection.get(None) is None and collection.get(None, 'fallback') == 'fallback'
    assert None not in collection
    assert collection.to_list() == [dict(r) for r in collection]
    with pytest.raises(KeyError):
        collection['nope']
    with pytest.raises(IndexError):
        collection[2]


def test_record_is_unique_per_key_and_live(todos):
    collection, control = todos
    record = collection['1']

    collection.update('1', {'done': True})

    assert collection['1'] is record
    assert record['done'] is True


def test_insert_takes_a_dict_or_a_json_object(todos):
    collection, control = todos

    collection.insert({'id': '3', 'title': 'From a dict'})
    collection.insert(Json.from_string('{"id": "4", "title": "From JSON"}').get_object())

    assert collection['3']['title'] == 'From a dict'
    assert collection['4']['title'] == 'From JSON'


def test_insert_of_a_non_mapping_is_a_type_error_and_changes_nothing(todos):
    collection, control = todos

    with pytest.raises(TypeError):
        collection.insert(['not', 'a', 'record'])
    with pytest.raises(TypeError):
        collection.insert({'id': '5', 'when': object()})

    assert len(collection) == 2


def test_a_value_json_cannot_hold_is_refused_naming_where_it_is(todos):
    collection, control = todos

    with pytest.raises(TypeError, match=r'^the changes cannot be written as JSON: “due” is nan$'):
        collection.update('1', {'due': float('nan')})
    with pytest.raises(TypeError, match=r'^the record cannot be written as JSON: “tags\[1\]\.at” is inf$'):
        collection.insert({'id': '5', 'tags': ['a', {'at': float('inf')}]})
    with pytest.raises(TypeError, match=r'“seen” is of type set$'):
        collection.insert({'id': '5', 'seen': {1, 2}})
    with pytest.raises(TypeError, match=r'^the records cannot be written as JSON: “\[1\]\.n” is -inf$'):
        Syncobj.test_collection_new([{'id': '1'}, {'id': '2', 'n': float('-inf')}])

    assert collection.to_list() == [{'id': '1', 'title': 'Buy milk', 'done': False},
                                    {'id': '2', 'title': 'Walk the dog', 'done': True}]
    assert not collection['1'].pending


def test_insert_of_an_existing_key_raises_key_exists(todos):
    collection, control = todos

    with pytest.raises(GLib.Error) as info:
        collection.insert({'id': '1', 'title': 'Again'})

    assert_syncobj_error(info.value, Syncobj.Error.KEY_EXISTS)
    assert '1' in info.value.message
    assert dict(collection['1'])['title'] == 'Buy milk'


def test_update_of_an_unknown_key_raises_key_not_found(todos):
    collection, control = todos

    with pytest.raises(GLib.Error) as info:
        collection.update('nope', {'title': 'x'})

    assert_syncobj_error(info.value, Syncobj.Error.KEY_NOT_FOUND)
    assert len(collection) == 2


def test_insert_without_a_key_raises_invalid_record(todos):
    collection, control = todos

    with pytest.raises(GLib.Error) as info:
        collection.insert({'title': 'no id'})

    assert_syncobj_error(info.value, Syncobj.Error.INVALID_RECORD)
    assert len(collection) == 2


def test_emit_update_takes_a_dict(todos):
    collection, control = todos

    control.emit_update({'id': '1', 'title': 'Buy oat milk', 'done': False})

    assert collection['1']['title'] == 'Buy oat milk'
    assert collection['1'].synced_dict()['title'] == 'Buy oat milk'


def test_transaction_gathers_dict_writes(todos):
    collection, control = todos
    transaction = collection.begin()

    transaction.insert(collection, {'id': '3', 'title': 'Batch'})
    transaction.update(collection, '1', {'done': True})
    transaction.set_metadata({'reason': 'test'})
    transaction.commit()

    assert collection['3']['title'] == 'Batch'
    assert collection['1']['done'] is True
    assert transaction.metadata_dict() == {'reason': 'test'}
    assert [m.get_key() for m in transaction.get_mutations()] == ['3', '1']
    assert transaction.get_mutations()[1].changes_dict() == {'done': True}


def test_record_attributes_give_dicts(todos):
    collection, control = todos
    collection.update('1', {'done': True})
    record = collection['1']

    assert record.key == '1'
    assert record.value == {'id': '1', 'title': 'Buy milk', 'done': True}
    assert record.synced_value == {'id': '1', 'title': 'Buy milk', 'done': False}
    assert record.pending is True
    assert isinstance(record.props.value, Json.Object)


def test_pending_mutation_attributes_give_dicts(todos):
    collection, control = todos
    transaction = collection.update('2', {'done': False})
    mutation = transaction.get_mutations()[0]

    assert mutation.key == '2'
    assert mutation.type == Syncobj.MutationType.UPDATE
    assert mutation.changes == {'done': False}
    assert mutation.original == {'id': '2', 'title': 'Walk the dog', 'done': True}
    assert mutation.modified == {'id': '2', 'title': 'Walk the dog', 'done': False}
    assert mutation.to_dict()['type'] == 'update'


def test_transaction_as_context_manager_commits(todos):
    collection, control = todos

    with collection.begin() as transaction:
        transaction.insert(collection, {'id': '3', 'title': 'Batch'})
        transaction.update(collection, '1', {'done': True})
        assert transaction.get_state() == Syncobj.TransactionState.PENDING
    control.advance(1000)

    assert transaction.get_state() == Syncobj.TransactionState.COMPLETED
    assert control.get_persist_count() == 1
    assert collection['3']['title'] == 'Batch'
    assert collection['1']['done'] is True


def test_transaction_as_context_manager_rolls_back_on_an_exception(todos):
    collection, control = todos

    with pytest.raises(RuntimeError):
        with collection.begin() as transaction:
            transaction.insert(collection, {'id': '3', 'title': 'Abandoned'})
            assert '3' in collection
            raise RuntimeError('changed my mind')

    assert transaction.get_state() == Syncobj.TransactionState.FAILED
    assert_syncobj_error(transaction.get_error(), Syncobj.Error.CANCELLED)
    assert '3' not in collection
    assert control.get_persist_count() == 0


def test_transaction_the_block_ends_itself_is_left_as_it_is(todos):
    collection, control = todos
    control.set_network_delay(100)

    # Given up on a condition inside the block: no error at its end.
    with collection.begin() as given_up:
        collection.insert({'id': '3', 'title': 'Abandoned'})
        given_up.rollback()
    assert given_up.get_state() == Syncobj.TransactionState.FAILED
    assert '3' not in collection

    # Committed inside the block, then an exception: the commit stands.
    with pytest.raises(RuntimeError):
        with collection.begin() as committed:
            collection.update('1', {'done': True})
            committed.commit()
            raise RuntimeError('after the commit')
    assert committed.get_state() == Syncobj.TransactionState.PENDING
    control.advance(1000)
    assert committed.get_state() == Syncobj.TransactionState.COMPLETED
    assert collection['1']['done'] is True
    assert control.get_persist_count() == 1


def test_shared_returns_the_live_instance_for_an_id():
    first = Syncobj.Collection.shared('python-shared')
    mutator = Syncobj.FuncMutator.new(lambda job: job.complete())

    again = Syncobj.Collection.shared('python-shared', mutator=mutator)

    assert again is first
    assert again.get_mutator() is None  # the live one keeps its own
    assert Syncobj.Registry.get_default().lookup_collection('python-shared') is first


def test_shared_creates_from_its_arguments_when_none_is_live():
    mutator = Syncobj.FuncMutator.new(lambda job: job.complete())

    collection = Syncobj.Collection.shared('python-shared-new', mutator=mutator)

    assert collection.get_id() == 'python-shared-new'
    assert collection.get_mutator() is mutator
    assert len(collection) == 0


def _loaded_from_text():
    """A collection whose record is held as JSON text, as a sync loads it."""
    collection, control = Syncobj.test_collection_new([])
    collection.get_sync().load_json_array('[{"id": "a", "n": 0, "title": "A"}]', -1)
    return collection, control


def _typed(value):
    return {name: (member, type(member).__name__) for name, member in value.items()}


@pytest.mark.parametrize('changes', [
    '{"n":5}', '{ "n" : 5 , "title" : "café ✓" }', '{"n": 5.0}', '{"n": -0}', '{"n": 1, "n": 2}',
    '{"title": "a\\"b"}', '{"new": null, "done": true}', '{"tags": [1, {"x": 2}]}', '{"id": "a"}',
])
def test_update_json_is_update_of_the_parsed_changes(changes):
    as_text, _ = _loaded_from_text()
    as_object, _ = _loaded_from_text()

    by_text = as_text.update_json('a', changes)
    by_object = Syncobj.Collection.update(as_object, 'a', Json.from_string(changes).get_object())

    mutation_text = by_text.get_mutations().get_item(0)
    mutation_object = by_object.get_mutations().get_item(0)
    assert mutation_text.get_changes_json() == mutation_object.get_changes_json()
    for getter in ('get_original', 'get_changes', 'get_modified'):
        assert (_typed(Syncobj.to_python(getattr(mutation_text, getter)()))
                == _typed(Syncobj.to_python(getattr(mutation_object, getter)())))
    assert as_text.to_json() == as_object.to_json()
    assert _typed(as_text['a'].to_dict()) == _typed(as_object['a'].to_dict())


@pytest.mark.parametrize('changes, code', [
    ('{"id": "b"}', Syncobj.Error.INVALID_RECORD),
    ('{"n": 1,}', Syncobj.Error.INVALID_RECORD),
    ('[{"n": 1}]', Syncobj.Error.INVALID_RECORD),
    ('{"n": 12345678901234567890}', Syncobj.Error.INVALID_RECORD),
])
def test_update_json_refuses_what_update_refuses(changes, code):
    collection, control = _loaded_from_text()

    with pytest.raises(GLib.Error) as raised:
        collection.update_json('a', changes)
    assert_syncobj_error(raised.value, code)
    with pytest.raises(GLib.Error) as raised:
        collection.update_json('missing', '{"n": 1}')
    assert_syncobj_error(raised.value, Syncobj.Error.KEY_NOT_FOUND)
    assert collection['a'].to_dict() == {'id': 'a', 'n': 0, 'title': 'A'}


def test_a_loop_over_the_collection_may_write_to_it():
    # "Delete the done ones": the loop used to skip the record after each
    # one it deleted, then got None past the shrunken end
    # (AttributeError: 'NoneType' object has no attribute 'key').
    collection, control = Syncobj.test_collection_new(
        [{'id': str(i), 'done': i % 2 == 0} for i in range(6)])

    for record in collection:
        if record['done']:
            collection.delete(record.key)
    assert collection.keys() == ['1', '3', '5']

    # Updates in place and inserts: each record of the start once, and
    # none of those the loop added.
    seen = []
    for record in collection:
        seen.append(record.key)
        collection.update(record.key, {'seen': True})
        collection.insert({'id': 'copy-' + record.key})
    assert seen == ['1', '3', '5']
    assert collection.keys() == ['1', '3', '5', 'copy-1', 'copy-3', 'copy-5']

    seen = [record.key for record in collection if collection.delete(record.key)]
    assert seen == ['1', '3', '5', 'copy-1', 'copy-3', 'copy-5']
    assert len(collection) == 0


def test_a_loop_over_a_view_may_change_what_it_shows():
    collection, control = Syncobj.test_collection_new(
        [{'id': str(i), 'done': i % 2 == 0} for i in range(6)])
    done = collection.view(where={'member': 'done', 'op': '=', 'value': True})

    seen = []
    for record in done:
        seen.append(record.key)
        collection.update(record.key, {'done': False})
    assert seen == ['0', '2', '4'] and len(done) == 0


def test_a_loop_left_early_stops_watching_the_collection(todos):
    collection, control = todos
    signal_id = GObject.signal_lookup('items-changed', Syncobj.Collection)

    for record in collection:
        break
    assert not GObject.signal_has_handler_pending(collection, signal_id, 0, False)
