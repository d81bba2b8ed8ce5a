// collection.js: optimistic writes, completion, failure, retries from GJS
//
// SPDX-License-Identifier: LGPL-2.1-or-later

imports.searchPath.unshift(imports.gi.GLib.path_get_dirname(imports.system.programPath));
const {
    test, run, assert, assertEqual, assertSyncobjError, assertThrowsSyncobjError,
    waitFor, value, keys, recordItemsChanged, todos, LONG_ENOUGH_MS,
} = imports.lib.harness;
const {GLib, Syncobj} = imports.gi;
const State = Syncobj.TransactionState;

test('optimistic insert is visible at once', () => {
    const [collection] = todos();

    const transaction = collection.insert_json('{"id": "3", "title": "Water plants"}');

    assertEqual(transaction.state, State.PENDING);
    assertEqual(value(collection, '3'), {id: '3', title: 'Water plants'});
    assertEqual(collection.lookup('3').pending, true);
    assertEqual(collection.get_n_items(), 3);
});

test('optimistic update is visible at once', () => {
    const [collection] = todos();

    collection.update_json('1', JSON.stringify({done: true}));

    assertEqual(value(collection, '1'), {id: '1', title: 'Buy milk', done: true});
    assertEqual(JSON.parse(collection.lookup('1').to_json()).done, true);
    assertEqual(collection.lookup('1').get_boolean('done'), true);
});

test('optimistic delete is visible at once', () => {
    const [collection] = todos();

    collection.delete('1');

    assertEqual(collection.lookup('1'), null);
    assertEqual(keys(collection), ['2']);
});

test('persist completes the transaction', async () => {
    const [collection, control] = todos();
    const transaction = collection.insert_json('{"id": "3", "title": "Water plants"}');

    control.advance(1000);

    assertEqual(transaction.state, State.COMPLETED);
    assertEqual(transaction.get_error(), null);
    assertEqual(control.get_persist_count(), 1);
    assertEqual(collection.lookup('3').pending, false);
    // The promisified wait resolves for a completed transaction.
    assertEqual(await transaction.wait_async(null), true);
});

test('wait_async promise resolves when the transaction completes', async () => {
    const [collection, control] = todos();
    const transaction = collection.update_json('2', '{"done": false}');
    let resolved = false;

    const waiting = transaction.wait_async(null).then(() => (resolved = true));
    assertEqual(resolved, false);
    control.advance(1000);
    await waiting;

    assertEqual(resolved, true);
    assertEqual(transaction.state, State.COMPLETED);
});

test('non-retriable failure rolls back with the error', async () => {
    const [collection, control] = todos();
    const changes = recordItemsChanged(collection);
    control.fail_next_persist_non_retriable();

    const transaction = collection.insert_json('{"id": "3", "title": "Doomed"}');
    const waiting = transaction.wait_async(null);
    control.advance(1000);

    assertEqual(transaction.state, State.FAILED);
    assertSyncobjError(transaction.get_error(), Syncobj.Error.NON_RETRIABLE);
    assertEqual(collection.lookup('3'), null);
    assertEqual(changes, [[2, 0, 1], [2, 1, 0]]);
    let rejected = null;
    try {
        await waiting;
    } catch (e) {
        rejected = e;
    }
    assertSyncobjError(rejected, Syncobj.Error.NON_RETRIABLE);
});

test('bad writes throw a GLib.Error and change nothing', () => {
    const [collection] = todos();

    const exists = assertThrowsSyncobjError(
        () => collection.insert_json('{"id": "1", "title": "Again"}'), Syncobj.Error.KEY_EXISTS);
    assert(exists.message.includes('1'), exists.message);
    assertThrowsSyncobjError(() => collection.update_json('nope', '{}'), Syncobj.Error.KEY_NOT_FOUND);
    assertThrowsSyncobjError(() => collection.insert_json('[1, 2]'), Syncobj.Error.INVALID_RECORD);
    assertThrowsSyncobjError(() => collection.insert_json('{"title": "no id"}'), Syncobj.Error.INVALID_RECORD);

    assertEqual(keys(collection), ['1', '2']);
    assertEqual(value(collection, '1').title, 'Buy milk');
});

test('retriable failures are retried on the virtual clock', async () => {
    const [collection, control] = todos();
    control.fail_next_persists(2);

    const transaction = collection.insert_json('{"id": "3", "title": "Eventually"}');
    control.advance(0);
    await waitFor(() => transaction.get_attempts().get_n_items() >= 1, control);

    assertEqual(transaction.state, State.PERSISTING);
    const first = transaction.get_attempts().get_item(0);
    assertSyncobjError(first.get_error(), Syncobj.Error.FAILED);
    assert(first.get_retry_scheduled_for() !== null, 'a retry is scheduled');

    control.advance(LONG_ENOUGH_MS);

    assertEqual(transaction.state, State.COMPLETED);
    assertEqual(transaction.get_attempts().get_n_items(), 3);
    assertEqual(control.get_persist_count(), 3);
    assertEqual(value(collection, '3').title, 'Eventually');
});

test('ordered dependent transaction fails with the first', () => {
    const [collection, control] = todos();
    control.fail_next_persist_non_retriable();

    const first = collection.insert_json('{"id": "3", "title": "New"}');
    const dependent = collection.update_json('3', '{"done": true}');
    const unrelated = collection.update_json('2', '{"title": "Walk the cat"}');
    assertEqual(dependent.state, State.QUEUED);
    assertEqual(dependent.queued_behind, first.id);

    control.advance(LONG_ENOUGH_MS);

    assertEqual(first.state, State.FAILED);
    assertEqual(dependent.state, State.FAILED);
    assertSyncobjError(dependent.get_error(), Syncobj.Error.DEPENDENCY_FAILED);
    assertEqual(dependent.get_error_transaction_id(), first.id);
    assertEqual(collection.lookup('3'), null);
    assertEqual(unrelated.state, State.COMPLETED);
    assertEqual(value(collection, '2').title, 'Walk the cat');
});

test('items-changed on insert, update and delete', () => {
    const [collection] = todos();
    const changes = recordItemsChanged(collection);

    collection.insert_json('{"id": "3", "title": "Third"}');
    collection.update_json('1', '{"done": true}');
    collection.delete('2');

    assertEqual(changes, [[2, 0, 1], [0, 1, 1], [1, 1, 0]]);
    assertEqual(keys(collection), ['1', '3']);
});

test('notify::value on the record', () => {
    const [collection, control] = todos();
    const record = collection.lookup('1');
    const seen = [];
    record.connect('notify::value', r => seen.push(JSON.parse(r.to_json()).title));

    collection.update_json('1', '{"title": "Buy bread"}');
    control.advance(1000);

    assertEqual(seen[0], 'Buy bread');
    assertEqual(record.get_string('title'), 'Buy bread');
    assertEqual(record.pending, false);
});

test('sync updates from JSON text', () => {
    const [collection, control] = todos();

    control.emit_json(JSON.stringify({type: 'update', value: {id: '1', title: 'Buy oat milk'}}));

    assertEqual(value(collection, '1').title, 'Buy oat milk');
    assertEqual(JSON.parse(collection.to_json()).length, 2);
});

// A record held as JSON text (as a sync loads it), written to as text
// and as a Json.Object: the same changes, values and errors.
function loadedFromText() {
    const [collection, control] = Syncobj.test_collection_new(null, Syncobj.Strategy.ORDERED);
    collection.get_sync().load_json_array('[{"id": "a", "n": 0, "title": "A"}]', -1);
    return collection;
}

test('update_json gives what update of the parsed changes gives', () => {
    const texts = [
        JSON.stringify({n: 5}), '{ "n" : 5 , "title" : "café ✓" }', '{"n": 5.0}', '{"n": -0}',
        '{"n": 1, "n": 2}', '{"title": "a\\"b"}', JSON.stringify({done: true, none: null}),
        JSON.stringify({tags: [1, {x: 2}]}), JSON.stringify({id: 'a'}),
    ];

    for (const text of texts) {
        const asText = loadedFromText();
        const asObject = loadedFromText();
        const byText = asText.update_json('a', text);
        const byObject = Syncobj.Collection.prototype.update.call(asObject, 'a',
            imports.gi.Json.from_string(text).get_object());
        const mutationText = byText.get_mutations().get_item(0);
        const mutationObject = byObject.get_mutations().get_item(0);

        assertEqual(mutationText.get_changes_json(), mutationObject.get_changes_json(), text);
        assertEqual(asText.to_json(), asObject.to_json(), text);
        assertEqual(asText.lookup('a').to_json(), asObject.lookup('a').to_json(), text);
    }

    assertThrowsSyncobjError(() => loadedFromText().update_json('a', JSON.stringify({id: 'b'})),
        Syncobj.Error.INVALID_RECORD);
    assertThrowsSyncobjError(() => loadedFromText().update_json('a', '{"n": 1,}'), Syncobj.Error.INVALID_RECORD);
    assertThrowsSyncobjError(() => loadedFromText().update_json('zz', '{"n": 1}'), Syncobj.Error.KEY_NOT_FOUND);
});

run();
