// conflicts.js: conflicts reported by a JavaScript persist function, the
// ::conflict signal and conflict functions written in JavaScript, through
// the plain GObject Introspection bindings
//
// SPDX-License-Identifier: LGPL-2.1-or-later

imports.searchPath.unshift(imports.gi.GLib.path_get_dirname(imports.system.programPath));
const {
    test, run, assertEqual, assertSyncobjError, waitFor, jsonArray, jsonObject, toJs,
} = imports.lib.harness;
const {Json, Syncobj} = imports.gi;
const State = Syncobj.TransactionState;

// One record whose version the persist function checks, as a server
// honouring If-Match does; someone else already wrote version 2.
function serverAndCollection() {
    const server = {record: {id: 'a', likes: 5, title: 'theirs', version: 2}};
    const [collection, control] = Syncobj.test_collection_new(
        jsonArray([{id: 'a', likes: 0, title: 'mine', version: 1}]), Syncobj.Strategy.ORDERED);
    collection.set_mutator(Syncobj.FuncMutator.new(job => {
        const change = JSON.parse(job.get_changes_json())[0];
        if (change.original.version !== server.record.version) {
            job.conflict(change.key, Json.Node.alloc().init_object(jsonObject(server.record)));
            return;
        }
        server.record = {...change.modified, version: server.record.version + 1};
        job.complete();
    }));
    collection.version_member = 'version';
    return [server, collection, control];
}

test('::conflict sees both sides, then the change is rebased', async () => {
    const [server, collection, control] = serverAndCollection();
    const seen = [];
    collection.connect('conflict', (c, key, local, remote) => seen.push([key, toJs(local), toJs(remote)]));

    const transaction = collection.update_json('a', '{"title": "ours"}');
    await waitFor(() => transaction.is_finished(), control);

    assertEqual(transaction.state, State.COMPLETED);
    assertEqual(seen, [['a', {id: 'a', likes: 0, title: 'ours', version: 1},
        {id: 'a', likes: 5, title: 'theirs', version: 2}]]);
    assertEqual(server.record, {id: 'a', likes: 5, title: 'ours', version: 3});
    assertSyncobjError(transaction.get_attempts().get_item(0).get_error(), Syncobj.Error.CONFLICT);
});

test('a conflict function in JavaScript merges', async () => {
    const [server, collection, control] = serverAndCollection();
    collection.set_conflict_func((c, key, local, remote) => jsonObject({
        likes: toJs(local).likes + toJs(remote).likes,
        title: 'merged',
    }));
    assertEqual(collection.conflict_policy, Syncobj.ConflictPolicy.CUSTOM);

    const transaction = collection.update_json('a', '{"likes": 1}');
    await waitFor(() => transaction.is_finished(), control);

    assertEqual(transaction.state, State.COMPLETED);
    assertEqual(server.record, {likes: 6, title: 'merged', version: 3, id: 'a'});
});

test('a conflict function returning null gives the change up', async () => {
    const [server, collection, control] = serverAndCollection();
    collection.set_conflict_func((c, key, local, remote) => null);

    const transaction = collection.update_json('a', '{"likes": 1}');
    await waitFor(() => transaction.is_finished(), control);

    assertEqual(transaction.state, State.FAILED);
    assertSyncobjError(transaction.error, Syncobj.Error.CONFLICT);
    assertEqual(toJs(collection.lookup('a').value), server.record);
});

run();
