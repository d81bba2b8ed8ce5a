# test_view.py: live views from Python: keywords, filter functions, errors
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import pytest
from gi.repository import GLib, Syncobj

from conftest import assert_syncobj_error


@pytest.fixture
def shop():
    return Syncobj.test_collection_new([
        {'id': '1', 'title': 'Milk', 'done': False, 'created': 3, 'owner': {'name': 'Ann'}},
        {'id': '2', 'title': 'Bread', 'done': True, 'created': 1, 'owner': {'name': 'Bob'}},
        {'id': '3', 'title': 'Apples', 'done': False, 'created': 3},
        {'id': '4', 'title': 'Eggs', 'done': False, 'created': 2, 'owner': {'name': 'Joanna'}},
    ])


def test_keywords_filter_sort_and_limit(shop):
    collection, control = shop
    view = collection.view(where={'member': 'done', 'op': '=', 'value': False},
                           order_by=['-created', 'title'], limit=2)

    assert isinstance(view, Syncobj.View)
    assert view.keys() == ['3', '1']
    assert len(view) == 2
    assert view.props.n_matched == 3
    assert view[0]['title'] == 'Apples'
    assert view[-1].get_key() == '1'
    assert [record['title'] for record in view] == ['Apples', 'Milk']


def test_slices_give_lists(shop):
    """view[:2], collection[1:3] and join[-1:] slice as a list does, into a
    list of the records (pairs, for a join) at those positions."""
    collection, control = shop
    view = collection.view(order_by=['title'])

    assert [record.get_key() for record in view[:2]] == ['3', '2']
    assert [record.get_key() for record in view[::-2]] == ['1', '2']
    assert view[10:] == []
    assert [record.get_key() for record in collection[1:3]] == ['2', '3']
    ((todo, joined),) = view.join('id', collection)[-1:]
    assert todo is joined and todo.get_key() == '1'
    with pytest.raises(TypeError):
        view['1']


def test_view_follows_changes(shop):
    collection, control = shop
    view = collection.view(where={'member': 'owner.name', 'op': 'icontains', 'value': 'AN'},
                           order_by='title')
    changes = []
    view.connect('items-changed', lambda model, *args: changes.append(args))

    assert view.keys() == ['4', '1']
    collection.update('2', {'owner': {'name': 'Dan'}})
    assert view.keys() == ['2', '4', '1']
    assert changes == [(0, 0, 1)]
    collection.update('1', {'owner': None})
    assert view.keys() == ['2', '4']


def test_filter_function_and_view_of_view(shop):
    collection, control = shop
    view = collection.view(where=lambda record: record['created'] >= 2, order_by=['title'])
    top = view.view(order_by=['-title'], offset=1)

    assert view.keys() == ['3', '4', '1']
    assert top.keys() == ['4', '3']
    collection.update('2', {'created': 5})
    assert view.keys() == ['3', '2', '4', '1']
    assert top.to_list()[0]['title'] == 'Eggs'


def test_a_filter_function_that_raises_leaves_the_record_out(shop, capsys):
    """As views.md says: the record the function raised for is left out,
    the others are judged, and the traceback is printed."""
    collection, control = shop
    view = collection.view(where=lambda record: record['owner']['name'] != 'Bob', order_by=['title'])

    assert view.keys() == ['4', '1']            # 2 is Bob's, 3 has no owner
    assert 'KeyError' in capsys.readouterr().err
    collection.update('3', {'owner': {'name': 'Cy'}})
    assert view.keys() == ['3', '4', '1']


def test_pending_filter(shop):
    collection, control = shop
    control.set_network_delay(100)
    pending = collection.view(pending='only')

    assert pending.keys() == []
    collection.update('4', {'done': True})
    assert pending.keys() == ['4']


def test_view_of_the_changed_records(shop):
    collection, control = shop
    control.set_network_delay(100)
    changed = collection.view_changed()

    assert isinstance(changed, Syncobj.View)
    assert changed.keys() == []
    collection.update('3', {'done': True})
    collection.delete('1')
    assert changed.keys() == ['3']         # a deleted record is no longer shown
    control.advance(1000)
    control.run_pending()
    assert changed.keys() == []


def test_bad_description_raises_naming_it(shop):
    collection, control = shop
    with pytest.raises(GLib.Error) as info:
        collection.view(where={'member': 'title', 'op': 'like', 'value': 'M%'})
    assert_syncobj_error(info.value, Syncobj.Error.INVALID_VIEW)
    assert 'like' in info.value.message

    with pytest.raises(GLib.Error) as info:
        collection.view(where={'member': 'created', 'op': '<', 'value': [1]})
    assert_syncobj_error(info.value, Syncobj.Error.INVALID_VIEW)
    assert 'array' in info.value.message

    with pytest.raises(GLib.Error) as info:
        collection.view(pending='sometimes')
    assert 'sometimes' in info.value.message


def test_condition_from_python(shop):
    condition = Syncobj.Condition.new_from_json('{"member": "n", "op": "in", "value": [1, 2]}')
    assert condition.matches(Syncobj.to_json_object({'n': 2}))
    assert not condition.matches(Syncobj.to_json_object({'n': '2'}))


def test_condition_takes_python_values(shop):
    """Condition.new() takes the value as Python gives it (not a Json.Node),
    new_from_json() a dict, matches() a dict or a record; a view of a
    Condition object is View.new(), and where= says so when given one."""
    collection, control = shop
    done = Syncobj.Condition.new('done', Syncobj.ConditionOp.EQ, False)
    assert done.matches({'done': False}) and not done.matches(collection['2'])
    assert Syncobj.Condition.new('owner', Syncobj.ConditionOp.EQ, None).matches({'owner': None})
    assert Syncobj.Condition.new('owner', Syncobj.ConditionOp.IS_NULL).matches({'owner': None})
    recent = Syncobj.Condition.new_from_json({'member': 'created', 'op': 'in', 'value': [2, 3]})
    both = Syncobj.Condition.new_and(done, recent)
    assert Syncobj.View.new(collection, both, ['title']).keys() == ['3', '4', '1']

    with pytest.raises(TypeError) as info:
        collection.view(where=both)
    assert 'View.new' in str(info.value)
    with pytest.raises(TypeError) as info:
        Syncobj.Condition.new('created', Syncobj.ConditionOp.IN, {1, 2})
    assert 'set' in str(info.value)


def test_join_pairs_records_and_follows_both_sides(shop):
    todos, todos_control = shop
    lists, lists_control = Syncobj.test_collection_new([
        {'id': 'Ann', 'title': 'Ann’s list'},
        {'id': 'Bob', 'title': 'Bob’s list'},
    ])
    open_todos = todos.view(where={'member': 'done', 'op': '=', 'value': False}, order_by=['title'])
    join = open_todos.join('owner.name', lists)
    changes = []
    join.connect('items-changed', lambda model, *args: changes.append(args))

    assert isinstance(join, Syncobj.Join)
    assert len(join) == 3
    assert [(todo['title'], owner and owner['title']) for todo, owner in join] == [
        ('Apples', None), ('Eggs', None), ('Milk', 'Ann’s list')]
    todo, owner = join[-1]
    assert owner.get_key() == 'Ann'

    lists_control.emit_update({'id': 'Joanna', 'title': 'Jo’s'})
    assert changes == [(1, 1, 1)]
    assert join[1][1]['title'] == 'Jo’s'
    lists_control.emit_delete('Ann')
    assert join[2][1] is None
    todos.update('3', {'owner': {'name': 'Bob'}})
    assert join[0][1].get_key() == 'Bob'

    row = join.get_item(0)
    assert row.props.record.get_key() == '3' and row.props.joined.get_key() == 'Bob'
    assert todos.join('owner.name', lists)[0][0].get_key() == '1'


def test_join_bad_member_raises(shop):
    collection, control = shop
    with pytest.raises(GLib.Error) as info:
        collection.join('owner..name', collection)
    assert_syncobj_error(info.value, Syncobj.Error.INVALID_VIEW)
    assert 'owner..name' in info.value.message
