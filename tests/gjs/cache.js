// cache.js: a collection starts with its synced records cached in the
// store, shows whether they are saved or current data, and resumes from
// its sync's cursor
//
// SPDX-License-Identifier: LGPL-2.1-or-later

imports.searchPath.unshift(imports.gi.GLib.path_get_dirname(imports.system.programPath));
const {test, run, assertEqual} = imports.lib.harness;
const {GLib, Gio, Syncobj} = imports.gi;

if (Syncobj.Sync.prototype.commit_with_cursor === undefined) {
    print('1..0 # SKIP this libsyncobj has no cache of synced state');
    imports.system.exit(77);
}

Gio._promisify(Syncobj.Store.prototype, 'flush_async', 'flush_finish');

const dir = GLib.dir_make_tmp('syncobj-gjs-cache-XXXXXX');
const path = GLib.build_filenamev([dir, 'cache.db']);

async function oneRun(records, cursor) {
    const store = Syncobj.Store.new_for_path(path);
    const sync = Syncobj.Sync.new('todos-sync');
    let collection = Syncobj.Collection.new_with_store('todos', sync, null, store);
    const seen = {
        status: collection.status,
        keys: [...Array(collection.get_n_items()).keys()].map(i => collection.get_item(i).key),
        cursor: sync.get_cursor(),
    };
    if (records) {
        sync.begin();
        sync.truncate();
        for (const record of records)
            sync.write_json(Syncobj.MutationType.INSERT, JSON.stringify(record));
        sync.commit_with_cursor(cursor);
        sync.mark_ready();
        seen.statusAfter = collection.status;
    }
    await store.flush_async(null);
    collection.run_dispose();
    collection = null;
    return seen;
}

test('cached records and cursor come back', async () => {
    const first = await oneRun([{id: 'b'}, {id: 'a'}], 'etag-1');
    assertEqual(first.status, Syncobj.CollectionStatus.LOADING);
    assertEqual(first.statusAfter, Syncobj.CollectionStatus.READY);

    const second = await oneRun(null, null);
    assertEqual(second.status, Syncobj.CollectionStatus.CACHED);
    assertEqual(JSON.stringify(second.keys), '["b","a"]');
    assertEqual(second.cursor, 'etag-1');
});

test('a start off the main loop shows the cache and the cursor', async () => {
    await oneRun([{id: 'b'}, {id: 'a'}], 'etag-2');
    const store = Syncobj.Store.new_for_path(path);
    const sync = Syncobj.Sync.new('todos-sync');
    const collection = await new Promise((resolve, reject) => {
        Syncobj.Collection.new_with_store_async('todos', sync, null, store, null, (source, result) => {
            try {
                resolve(Syncobj.Collection.new_with_store_finish(result));
            } catch (error) {
                reject(error);
            }
        });
    });
    assertEqual(collection.status, Syncobj.CollectionStatus.CACHED);
    assertEqual(JSON.stringify([0, 1].map(i => collection.get_item(i).key)), '["b","a"]');
    assertEqual(sync.get_cursor(), 'etag-2');
    collection.run_dispose();
});

test('a cancelled start off the main loop gives no collection', async () => {
    const cancellable = new Gio.Cancellable();
    cancellable.cancel();
    const error = await new Promise(resolve => {
        Syncobj.Collection.new_with_store_async('todos', null, null, Syncobj.Store.new_for_path(path),
            cancellable, (source, result) => {
                try {
                    Syncobj.Collection.new_with_store_finish(result);
                    resolve(null);
                } catch (e) {
                    resolve(e);
                }
            });
    });
    assertEqual(error.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED), true);
});

run();
