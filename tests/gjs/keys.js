// keys.js: keys that are integers, from GJS
//
// SPDX-License-Identifier: LGPL-2.1-or-later

imports.searchPath.unshift(imports.gi.GLib.path_get_dirname(imports.system.programPath));
const {
    test, run, assertEqual, assertThrowsSyncobjError, value, keys, jsonArray,
} = imports.lib.harness;
const {Syncobj} = imports.gi;

test('integer keys are known by their text and keep their type', () => {
    const [collection, control] = Syncobj.test_collection_new(
        jsonArray([{id: 1, title: 'A'}, {id: 2, title: 'B'}]), Syncobj.Strategy.ORDERED);

    assertEqual(keys(collection), ['1', '2']);
    assertEqual(value(collection, '1'), {id: 1, title: 'A'});

    const updated = collection.update_json('1', JSON.stringify({title: 'A2'}));
    collection.insert_json(JSON.stringify({id: 3, title: 'C'}));
    collection.delete('2');
    control.advance(1000);

    assertEqual(updated.state, Syncobj.TransactionState.COMPLETED);
    assertEqual(keys(collection), ['1', '3']);
    assertEqual(JSON.parse(collection.to_json()), [{id: 1, title: 'A2'}, {id: 3, title: 'C'}]);
});

test('an integer and a string key with the same text are refused', () => {
    const [collection] = Syncobj.test_collection_new(jsonArray([{id: 1}]), Syncobj.Strategy.ORDERED);

    assertThrowsSyncobjError(() => collection.insert_json('{"id": "1"}'), Syncobj.Error.KEY_EXISTS);
    assertThrowsSyncobjError(() => collection.insert_json('{"id": 1.5}'), Syncobj.Error.INVALID_RECORD);
    assertEqual(value(collection, '1'), {id: 1});
});

run();
