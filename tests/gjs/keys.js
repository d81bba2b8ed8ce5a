// keys.js: keys that are integers, from GJS
//
// SPDX-License-Identifier: LGPL-2.1-or-later

imports.searchPath.unshift(imports.gi.GLib.path_get_dirname(imports.system.programPath));
const {
    test, run, assertEqual, assertThrowsSyncobjError, waitFor, value, keys, jsonArray,
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

test('a persist function gives the server key as JSON text', async () => {
    const collection = new Syncobj.Collection({id: 'server-keyed-gjs', key_source: Syncobj.KeySource.SERVER});
    collection.set_mutator(Syncobj.FuncMutator.new(job => {
        const mutations = job.get_transaction().get_mutations();
        for (let i = 0; i < mutations.get_n_items(); i++) {
            const mutation = mutations.get_item(i);
            const created = Object.assign(JSON.parse(mutation.to_json()).changes, {id: 5});
            job.set_created_json(mutation, JSON.stringify(created));
        }
        job.complete();
    }));
    let assigned = null;
    collection.connect('key-assigned', (c, temporary, key) => {
        assigned = [temporary, key];
    });

    const transaction = collection.insert_json('{"title": "Groceries"}');
    const record = collection.get_item(0);
    const temporary = record.key;
    assertEqual(record.is_temporary(), true);
    await waitFor(() => transaction.state === Syncobj.TransactionState.COMPLETED);

    assertEqual(assigned, [temporary, '5']);
    assertEqual(record.key, '5');
    assertEqual(collection.lookup(temporary), record);
    assertEqual(value(collection, '5'), {id: 5, title: 'Groceries'});
});

run();
