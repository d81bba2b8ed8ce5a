// sync.js: the sync side driven from JavaScript
//
// SPDX-License-Identifier: LGPL-2.1-or-later

imports.searchPath.unshift(imports.gi.GLib.path_get_dirname(imports.system.programPath));
const {test, run, assertEqual, assertThrowsSyncobjError, value, keys} = imports.lib.harness;
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

test('sync subclass in JavaScript starts with the collection', () => {
    const sync = new StaticSync([{id: 'x', n: 1}], {id: 'gjs-static-sync'});
    const collection = Syncobj.Collection.new('gjs-static', sync, null);

    assertEqual(sync.started, 1);
    assertEqual(collection.ready, true);
    assertEqual(value(collection, 'x'), {id: 'x', n: 1});
});

run();
