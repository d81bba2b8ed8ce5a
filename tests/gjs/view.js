// view.js: live views from GJS through their JSON description
//
// SPDX-License-Identifier: LGPL-2.1-or-later

imports.searchPath.unshift(imports.gi.GLib.path_get_dirname(imports.system.programPath));
const {test, run, assert, assertEqual, assertThrowsSyncobjError, jsonArray} = imports.lib.harness;
const {Syncobj} = imports.gi;

function shop() {
    return Syncobj.test_collection_new(jsonArray([
        {id: '1', title: 'Milk', done: false, created: 3},
        {id: '2', title: 'Bread', done: true, created: 1},
        {id: '3', title: 'Apples', done: false, created: 3},
    ]), Syncobj.Strategy.ORDERED);
}

function viewKeys(view) {
    const keys = [];
    for (let i = 0; i < view.get_n_items(); i++)
        keys.push(view.get_item(i).key);
    return keys;
}

test('a view from its JSON description follows the collection', () => {
    const [collection] = shop();
    const view = collection.view_json(JSON.stringify({
        where: {member: 'done', op: '=', value: false},
        order_by: ['-created', 'title'],
        limit: 5,
    }));
    const changes = [];
    view.connect('items-changed', (model, position, removed, added) => changes.push([position, removed, added]));

    assertEqual(viewKeys(view), ['3', '1']);
    collection.update_json('2', JSON.stringify({done: false, created: 9}));
    assertEqual(viewKeys(view), ['2', '3', '1']);
    assertEqual(changes, [[0, 0, 1]]);
    assertEqual(view.n_matched, 3);
});

test('a filter function and a view of a view', () => {
    const [collection] = shop();
    const view = collection.view_json('{"order_by": ["title"]}');
    view.set_filter_func(record => record.get_int('created') >= 3);
    const top = Syncobj.View.new_from_json(view, '{"order_by": ["-title"], "limit": 1}');

    assertEqual(viewKeys(view), ['3', '1']);
    assertEqual(viewKeys(top), ['1']);
});

test('conditions combine with the new_and, new_or and new_not constructors', () => {
    const [collection] = shop();
    const open = Syncobj.Condition.new_from_json('{"member": "done", "op": "=", "value": false}');
    const apples = Syncobj.Condition.new_from_json('{"member": "title", "op": "=", "value": "Apples"}');
    const either = Syncobj.Condition.new_or(Syncobj.Condition.new_not(open), apples);
    const both = Syncobj.Condition.new_and(open, Syncobj.Condition.new_not(apples));

    assertEqual(viewKeys(Syncobj.View.new(collection, either, ['title'])), ['3', '2']);
    assertEqual(viewKeys(Syncobj.View.new(collection, both, null)), ['1']);
    // The parts stay the script's own: combining takes copies.
    assertEqual(viewKeys(Syncobj.View.new(collection, open, ['title'])), ['3', '1']);
});

test('a bad description is an error naming what is wrong', () => {
    const [collection] = shop();

    let error = assertThrowsSyncobjError(() => collection.view_json('{"where": {"member": "n", "op": "~~"}}'),
        Syncobj.Error.INVALID_VIEW);
    assert(error.message.includes('~~'), error.message);
    error = assertThrowsSyncobjError(() => collection.view_json('{"limit": "ten"}'), Syncobj.Error.INVALID_VIEW);
    assert(error.message.includes('limit'), error.message);
});

test('a join pairs each to-do with its list and follows both', () => {
    const [todos] = shop();
    const [lists, listsControl] = Syncobj.test_collection_new(jsonArray([
        {id: 'shop', title: 'Shopping'},
    ]), Syncobj.Strategy.ORDERED);
    todos.update_json('1', JSON.stringify({list_id: 'shop'}));
    const join = Syncobj.Join.new(todos, 'list_id', lists);
    const changes = [];
    join.connect('items-changed', (model, position, removed, added) => changes.push([position, removed, added]));
    const pairs = () => {
        const result = [];
        for (let i = 0; i < join.get_n_items(); i++) {
            const row = join.get_item(i);
            result.push([row.record.key, row.joined ? row.joined.key : null]);
        }
        return result;
    };

    assertEqual(pairs(), [['1', 'shop'], ['2', null], ['3', null]]);
    listsControl.emit_json(JSON.stringify({type: 'update', value: {id: 'shop', title: 'Groceries'}}));
    assertEqual(changes, [[0, 1, 1]]);
    assertEqual(join.get_item(0).joined.get_string('title'), 'Groceries');
    listsControl.emit_delete('shop');
    assertEqual(pairs(), [['1', null], ['2', null], ['3', null]]);
});

run();
