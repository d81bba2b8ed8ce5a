// merge.js: merge functions of parallel collections written in JavaScript
//
// SPDX-License-Identifier: LGPL-2.1-or-later

imports.searchPath.unshift(imports.gi.GLib.path_get_dirname(imports.system.programPath));
const {
    test, run, assertEqual, waitFor, value, keys, jsonArray, jsonObject, toJs,
    recordItemsChanged,
} = imports.lib.harness;
const {Syncobj} = imports.gi;
const State = Syncobj.TransactionState;

function counters() {
    return Syncobj.test_collection_new(jsonArray([{id: 'likes', count: 10}]),
        Syncobj.Strategy.PARALLEL);
}

// Pending {"add": n} changes add to the synced count instead of
// overwriting it. synced is a Json.Object (or null), mutations an array of
// Syncobj.PendingMutation; the result goes back as a Json.Object.
function addUp(collection, key, synced, mutations) {
    const visible = toJs(synced) ?? {id: key, count: 0};
    for (const mutation of mutations)
        visible.count += toJs(mutation.get_changes()).add ?? 0;
    return jsonObject(visible);
}

test('merge function computes the visible value', () => {
    const [collection] = counters();
    const calls = [];
    collection.set_merge_func((c, key, synced, mutations) => {
        calls.push([c === collection, key, toJs(synced), mutations.map(m => m.key)]);
        return addUp(c, key, synced, mutations);
    });

    collection.update_json('likes', '{"add": 1}');
    collection.update_json('likes', '{"add": 2}');

    assertEqual(value(collection, 'likes'), {id: 'likes', count: 13});
    assertEqual(calls[calls.length - 1], [true, 'likes', {id: 'likes', count: 10}, ['likes', 'likes']]);
});

test('merge function runs again on a sync update', () => {
    const [collection, control] = counters();
    collection.set_merge_func(addUp);
    collection.update_json('likes', '{"add": 1}');

    control.emit_json(JSON.stringify({type: 'insert', value: {id: 'likes', count: 20}}));

    assertEqual(toJs(collection.lookup('likes').synced_value), {id: 'likes', count: 20});
    assertEqual(value(collection, 'likes').count, 21);
});

test('merge function returning null hides the record', () => {
    const [collection] = counters();
    const changes = recordItemsChanged(collection);
    collection.set_merge_func(() => null);

    collection.update_json('likes', '{"add": 1}');

    assertEqual(collection.lookup('likes'), null);
    assertEqual(keys(collection), []);
    assertEqual(changes, [[0, 1, 0]]);
});

test('merged value gives way to the synced value on completion', async () => {
    const [collection, control] = counters();
    collection.set_merge_func(addUp);
    const transaction = collection.update_json('likes', '{"add": 5}');
    assertEqual(value(collection, 'likes').count, 15);

    control.set_auto_echo(false);
    control.advance(1000);
    control.emit_json(JSON.stringify({type: 'insert', value: {id: 'likes', count: 15}}));
    await waitFor(() => transaction.is_finished(), control);

    assertEqual(transaction.state, State.COMPLETED);
    assertEqual(value(collection, 'likes'), {id: 'likes', count: 15});
    assertEqual(collection.lookup('likes').pending, false);
});

run();
