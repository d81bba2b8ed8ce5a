// sync.js: the sync side driven from JavaScript
//
// SPDX-License-Identifier: LGPL-2.1-or-later

imports.searchPath.unshift(imports.gi.GLib.path_get_dirname(imports.system.programPath));
const {
    test, run, assertEqual, assertSyncobjError, assertThrowsSyncobjError, value, keys, todos, waitFor,
} = imports.lib.harness;
const {GObject, Syncobj} = imports.gi;
const Type = Syncobj.MutationType;

test('app drives a plain sync with JSON text', () => {
    const sync = Syncobj.Sync.new('gjs-plain-sync');
    const collection = Syncobj.Collection.new('gjs-plain', sync, null);
    assertEqual(collection.ready, false);

    sync.begin();
    sync.write_json(Type.INSERT, JSON.stringify({id: 'a', title: 'From the server'}));
    sync.write_json(Type.INSERT, JSON.stringify({id: 'b', title: 'Also'}));
    sync.commit();
    sync.mark_ready();

    assertEqual(collection.ready, true);
    assertEqual(JSON.parse(collection.to_json()), [{id: 'a', title: 'From the server'}, {id: 'b', title: 'Also'}]);

    sync.apply_json(JSON.stringify([
        {type: 'update', value: {id: 'a', title: 'Changed'}},
        {type: 'delete', key: 'b'},
    ]), -1);

    assertEqual(keys(collection), ['a']);
    assertEqual(value(collection, 'a').title, 'Changed');
});

test('malformed sync messages throw and apply nothing', () => {
    const sync = Syncobj.Sync.new('gjs-bad-sync');
    const collection = Syncobj.Collection.new('gjs-bad', sync, null);

    assertThrowsSyncobjError(() => sync.apply_json('[{"type": "insert", "value": {"id": "a"}}, {"type": "nope"}]', -1),
        Syncobj.Error.PARSE);
    assertEqual(collection.get_n_items(), 0);
});

const StaticSync = GObject.registerClass(class StaticSync extends Syncobj.Sync {
    _init(rows, params) {
        super._init(params);
        this.rows = rows;
        this.started = 0;
    }

    vfunc_start() {
        this.started++;
        this.apply_json(JSON.stringify(this.rows.map(row => ({type: 'insert', value: row}))), -1);
        this.mark_ready();
    }
});

test('the test harness takes its initial data as JSON text', () => {
    const [collection, control] = Syncobj.test_collection_new_from_json(
        JSON.stringify([{id: 'a', n: 1}, {id: 'b', n: 2}]), Syncobj.Strategy.ORDERED);
    assertEqual(keys(collection), ['a', 'b']);

    const transaction = collection.update_json('a', JSON.stringify({n: 5}));
    control.advance(1000);
    assertEqual(transaction.get_state_name(), 'completed');
    assertEqual(value(collection, 'a'), {id: 'a', n: 5});

    assertThrowsSyncobjError(() => Syncobj.test_collection_new_from_json('[{"title": "no key"}]',
        Syncobj.Strategy.ORDERED), Syncobj.Error.PARSE);
});

test('sync subclass in JavaScript starts with the collection', () => {
    const sync = new StaticSync([{id: 'x', n: 1}], {id: 'gjs-static-sync'});
    const collection = Syncobj.Collection.new('gjs-static', sync, null);

    assertEqual(sync.started, 1);
    assertEqual(collection.ready, true);
    assertEqual(value(collection, 'x'), {id: 'x', n: 1});
});

test('promisified wait_for_keys resolves when the sync delivers the keys', async () => {
    const [collection, control] = todos();
    const sync = control.get_sync();
    let resolved = false;

    const waiting = sync.wait_for_keys_async(['7', '8'], 5000, null).then(r => (resolved = r));
    control.emit_json(JSON.stringify({type: 'insert', value: {id: '7'}}));
    await null;
    assertEqual(resolved, false);
    control.emit_json(JSON.stringify({type: 'insert', value: {id: '8'}}));
    await waiting;

    assertEqual(resolved, true);
    assertEqual(keys(collection), ['1', '2', '7', '8']);
});

test('promisified wait_for_keys rejects with a timeout on the virtual clock', async () => {
    const [, control] = todos();
    let error = null;

    const waiting = control.get_sync().wait_for_keys_async(['never'], 1000, null).catch(e => (error = e));
    control.advance(999);
    await waitFor(() => true, control);
    assertEqual(error, null);
    control.advance(1);
    await waiting;

    assertSyncobjError(error, Syncobj.Error.TIMEOUT);
});

run();
