# test_keys.py: keys that are integers, from Python
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import json

import pytest
from gi.repository import GLib, Syncobj

from conftest import ItemsChanged, assert_syncobj_error, doc_snippets, wait_for


def test_integer_keys_are_known_by_their_text_and_keep_their_type():
    collection, control = Syncobj.test_collection_new(
        [{'id': 1, 'title': 'A'}, {'id': 2, 'title': 'B'}])

    assert collection.keys() == ['1', '2']
    assert collection['1'].to_dict() == {'id': 1, 'title': 'A'}
    assert collection['1'].get_key() == '1'

    updated = collection.update('1', {'title': 'A2'})
    inserted = collection.insert({'id': 3, 'title': 'C'})
    collection.delete('2')
    control.advance(1000)

    assert updated.get_state() == Syncobj.TransactionState.COMPLETED
    assert inserted.get_state() == Syncobj.TransactionState.COMPLETED
    assert collection.keys() == ['1', '3']
    assert collection['1'].synced_dict() == {'id': 1, 'title': 'A2'}
    assert collection.to_list() == [{'id': 1, 'title': 'A2'}, {'id': 3, 'title': 'C'}]


def test_an_integer_id_as_it_comes_from_the_record_is_a_key():
    # A newcomer on a server of integer ids writes back the id the record
    # holds: update(record['id'], ...) was a TypeError, and `1 in
    # collection` was False.
    collection, control = Syncobj.test_collection_new(
        [{'id': 1, 'title': 'A'}, {'id': 2, 'title': 'B'}, {'id': 3, 'title': 'C'}])
    record = collection['2']

    assert 1 in collection and 4 not in collection and True not in collection
    assert collection.get(2) is record and collection.lookup(2) is record
    assert collection.contains(3) and collection.lookup_value(3).get_int_member('id') == 3
    assert collection.get(4) is None
    assert collection[1] is record                     # an int index is a position

    updated = collection.update(record['id'], {'title': 'B2'})
    deleted = collection.delete(1)
    with collection.begin() as transaction:
        transaction.update(collection, 3, {'title': 'C2'})
    with collection.begin() as transaction:
        transaction.delete(collection, 3)
    control.advance(1000)

    assert updated.get_state() == Syncobj.TransactionState.COMPLETED
    assert deleted.get_state() == Syncobj.TransactionState.COMPLETED
    assert collection.to_list() == [{'id': 2, 'title': 'B2'}]
    control.emit_delete(2)
    assert len(collection) == 0
    with pytest.raises(TypeError):
        collection.update(True, {'title': 'a bool is no key'})


def test_an_insert_without_a_key_says_how_to_let_the_server_assign_it():
    # json-server, SERIAL columns: the newcomer inserts {'title': ...}
    # into a collection of client keys, the default, and used to read only
    # "Record has no “id” member".
    collection, control = Syncobj.test_collection_new([])

    with pytest.raises(GLib.Error) as raised:
        collection.insert({'title': 'No id'})
    assert_syncobj_error(raised.value, Syncobj.Error.INVALID_RECORD)
    assert 'has no “id” member' in raised.value.message
    assert 'key-source' in raised.value.message and 'SERVER' in raised.value.message
    assert len(collection) == 0


def test_integer_and_string_key_with_the_same_text_are_refused():
    collection, control = Syncobj.test_collection_new([{'id': 1}])

    with pytest.raises(GLib.Error) as raised:
        collection.insert({'id': '1'})
    assert_syncobj_error(raised.value, Syncobj.Error.KEY_EXISTS)
    assert 'integer key 1' in raised.value.message

    sync = collection.get_sync()
    with pytest.raises(GLib.Error) as raised:
        sync.load_json_array(json.dumps([{'id': 5}, {'id': '5'}]), -1)
    assert_syncobj_error(raised.value, Syncobj.Error.KEY_EXISTS)
    assert collection['5'].to_dict() == {'id': 5}


@pytest.mark.parametrize('key', [1.5, True, None, '', {'n': 1}, 2 ** 63])
def test_keys_that_are_not_strings_or_64_bit_integers_are_refused(key):
    collection, control = Syncobj.test_collection_new([])

    with pytest.raises(GLib.Error) as raised:
        collection.insert({'id': key})
    assert_syncobj_error(raised.value, Syncobj.Error.INVALID_RECORD)
    assert len(collection) == 0


def test_a_persist_function_gives_the_server_key_and_the_record_keeps_its_place():
    collection = Syncobj.Collection(id='server-keyed-py', key_source=Syncobj.KeySource.SERVER)
    sent = []

    def persist(job):
        mutations = job.get_transaction().get_mutations()
        for i in range(mutations.get_n_items()):
            mutation = mutations.get_item(i)
            sent.append(mutation.changes)
            if mutation.get_mutation_type() == Syncobj.MutationType.INSERT:
                job.set_created(mutation, dict(mutation.changes, id=17))
        GLib.idle_add(lambda: job.complete() or GLib.SOURCE_REMOVE)

    collection.set_mutator(Syncobj.FuncMutator.new(persist))
    assigned = []
    collection.connect('key-assigned', lambda c, temporary, key: assigned.append((temporary, key)))
    changes = ItemsChanged(collection)

    transaction = collection.insert({'title': 'Groceries'})
    record = collection[0]
    temporary = record.get_key()
    assert temporary.startswith('~tmp-') and record.is_temporary()
    assert changes.take() == [(0, 0, 1)]

    wait_for(transaction.is_finished)

    assert transaction.get_state() == Syncobj.TransactionState.COMPLETED
    assert sent == [{'title': 'Groceries'}]          # no temporary id on the wire
    assert assigned == [(temporary, '17')]
    assert record.get_key() == '17' and not record.is_temporary()
    assert collection['17'] is record and collection[temporary] is record
    assert record.to_dict() == {'title': 'Groceries', 'id': 17}
    assert changes.take() == []


def test_the_key_assigned_recipe_rewrites_a_reference_to_a_list_inserted_offline():
    # The recipe of keys.md: a to-do points at a list inserted while the
    # server could not answer; when the list's key comes, the handler
    # rewrites the to-do, and the server only ever sees the list's key.
    lists = Syncobj.Collection(id='recipe-lists-py', key_source=Syncobj.KeySource.SERVER)
    todos = Syncobj.Collection(id='recipe-todos-py')
    held = []
    sent = []

    def persist_todo(job):
        mutations = job.get_transaction().get_mutations()
        for i in range(mutations.get_n_items()):
            sent.append(mutations.get_item(i).modified)
        GLib.idle_add(lambda: job.complete() or GLib.SOURCE_REMOVE)

    lists.set_mutator(Syncobj.FuncMutator.new(held.append))
    todos.set_mutator(Syncobj.FuncMutator.new(persist_todo))

    # The recipe as keys.md writes it, but for its first line (the
    # collection made above).
    (recipe,) = doc_snippets('keys.md')
    assert recipe.startswith('lists = ')
    exec(recipe.split('\n', 1)[1], {'lists': lists, 'todos': todos})

    list_insert = lists.insert({'name': 'Groceries'})
    temporary = lists[0].get_key()
    todos.insert({'id': 't0', 'title': 'Bread'})      # in no list
    todos.insert({'id': 't1', 'title': 'Milk', 'list_id': temporary})
    wait_for(lambda: len(held) == 1 and len(sent) == 2)

    # The server answers the list's insert now, with its own key.
    job = held[0]
    mutation = job.get_transaction().get_mutations().get_item(0)
    job.set_created(mutation, dict(mutation.changes, id=41))
    job.complete()
    wait_for(list_insert.is_finished)
    wait_for(lambda: len(sent) == 3)

    assert todos['t1']['list_id'] == '41'
    assert sent[2]['list_id'] == '41'
    assert 'list_id' not in todos['t0']
    assert lists['41'] is lists[temporary]
