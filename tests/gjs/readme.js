// readme.js: the JavaScript snippets of the GJS guide
// (introspection/docs/gjs.md) run as written
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The guide's persist function is exercised over real HTTP in
// http-persist.js; this runs the other snippets.

imports.searchPath.unshift(imports.gi.GLib.path_get_dirname(imports.system.programPath));
const {test, run, assert, assertEqual, value, jsonArray} = imports.lib.harness;
const {GLib, Json, Syncobj} = imports.gi;

const here = GLib.path_get_dirname(imports.system.programPath);
const [, guideBytes] = GLib.file_get_contents(
    GLib.build_filenamev([here, '..', '..', 'introspection', 'docs', 'gjs.md']));
const section = new TextDecoder().decode(guideBytes);
const snippets = [...section.matchAll(/```js\n([\s\S]*?)```/g)].map(m => m[1]);
const AsyncFunction = (async () => {}).constructor;

function snippetContaining(needle) {
    const found = snippets.filter(s => s.includes(needle));
    assertEqual(found.length, 1, `snippets containing ${needle}`);
    return found[0];
}

test('the import and promisify lines run', () => {
    new Function(snippetContaining('Gio._promisify(Syncobj.Transaction.prototype'))();
});

test('the JSON-text snippet runs', async () => {
    const [collection, control] = Syncobj.test_collection_new(jsonArray([{id: '1', title: 'Buy milk'}]),
        Syncobj.Strategy.ORDERED);
    const printed = [];
    const snippet = new AsyncFunction('todos', 'Syncobj', 'print',
        `${snippetContaining('insert_json(JSON.stringify')}\nreturn {transaction, todo, all};`);

    control.fail_next_persist_non_retriable();
    const running = snippet(collection, Syncobj, text => printed.push(text));
    control.advance(1000);
    const {transaction, todo, all} = await running;

    assertEqual(todo, {id: '1', title: 'Buy milk', done: true});
    assertEqual(all.length, 2);
    assertEqual(transaction.state, Syncobj.TransactionState.FAILED);
    assertEqual(printed.length, 1);
    assert(printed[0].startsWith('rolled back: '), printed[0]);
    assertEqual(collection.lookup('2'), null);
});

test('the merge function snippet runs', () => {
    const [counters] = Syncobj.test_collection_new(jsonArray([{id: 'likes', count: 10}]),
        Syncobj.Strategy.PARALLEL);

    new Function('counters', 'Json', snippetContaining('set_merge_func'))(counters, Json);
    counters.update_json('likes', '{"add": 2}');

    assertEqual(value(counters, 'likes').count, 12);
});

run();
