// offline-child.js: one run of a to-do application whose server may be down
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Used by offline-start.js, in a process of its own:
//   gjs offline-child.js MODE PATH
// MODE is
//   offline  the server cannot be reached: every persist call fails
//            (retried later) and the sync never catches up
//   failing  the same, and the sync reports an error
//   online   the sync loads a snapshot; persist calls still fail
// With WRITE as a third argument, the run inserts a todo.
// Each run prints one JSON object on stdout: the status at once (before
// the main loop runs) and at the end, and the keys shown.

imports.gi.versions.Syncobj = '1.0';
const {GLib, Gio, Syncobj} = imports.gi;
const System = imports.system;

Gio._promisify(Syncobj.Store.prototype, 'flush_async', 'flush_finish');

const [mode, path, write] = ARGV;
const Status = Syncobj.CollectionStatus;
const statusName = status => Object.keys(Status).find(name => Status[name] === status);
const store = Syncobj.Store.new_for_path(path);
const sync = Syncobj.Sync.new('todos-sync');
const collection = Syncobj.Collection.new_with_store('todos', sync,
    Syncobj.FuncMutator.new(async job => job.fail_message('Connection refused')), store);
const keys = () => [...Array(collection.get_n_items()).keys()].map(i => collection.get_item(i).key);
const seen = {statusAtOnce: statusName(collection.status), keysAtOnce: keys(), pendingAtOnce: collection.n_pending};

const loop = new GLib.MainLoop(null, false);
let exitStatus = 0;
(async () => {
    if (write === 'WRITE')
        collection.insert_json(JSON.stringify({id: 'offline', title: 'Typed offline'}));
    if (mode === 'failing')
        sync.mark_error(new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.CONNECTION_REFUSED, 'Connection refused'));
    if (mode === 'online') {
        sync.begin();
        sync.truncate();
        sync.write_json(Syncobj.MutationType.INSERT, JSON.stringify({id: 'server', title: 'From the server'}));
        sync.commit();
        sync.mark_ready();
    }
    await store.flush_async(null);
    seen.status = statusName(collection.status);
    seen.keys = keys();
    print(JSON.stringify(seen));
    loop.quit();
})().catch(e => {
    logError(e);
    exitStatus = 1;
    loop.quit();
});
loop.run();
System.exit(exitStatus);
