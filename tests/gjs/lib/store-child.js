// store-child.js: one run of a to-do application with a durable store
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Used by store.js, in a process of its own:
//   gjs store-child.js write PATH    inserts a todo whose persist call never
//                                    answers, waits for the store, and is
//                                    killed (SIGKILL)
//   gjs store-child.js resume PATH   reopens the store, reports what is
//                                    visible at once, lets the backend
//                                    answer, and reports the outcome
// Each run prints one JSON object on stdout.

imports.gi.versions.Syncobj = '1.0';
const {GLib, Gio, Syncobj} = imports.gi;
const System = imports.system;

Gio._promisify(Syncobj.Store.prototype, 'flush_async', 'flush_finish');
Gio._promisify(Syncobj.Transaction.prototype, 'wait_async', 'wait_finish');

const [mode, path] = ARGV;
const store = Syncobj.Store.new_for_path(path);
const sync = Syncobj.Sync.new('todos-sync');
const attempts = [];
let persistCalled;
const persistCall = new Promise(resolve => (persistCalled = resolve));

const collection = Syncobj.Collection.new_with_store('todos', sync,
    Syncobj.FuncMutator.new(async job => {
        attempts.push(job.get_attempt());
        persistCalled();
        if (mode === 'resume') {
            // The backend stores the todo and its live updates echo it.
            const changes = JSON.parse(job.get_changes_json());
            sync.apply_json(JSON.stringify(changes.map(c => ({type: 'insert', value: c.modified}))), -1);
            job.complete();
        }
    }), store);
sync.mark_ready();

const value = key => {
    const record = collection.lookup(key);
    return record ? JSON.parse(record.to_json()) : null;
};

// Dies as a crash would: no clean-up, no finalizers, nothing flushed.
function killSelf() {
    const pid = new Gio.Credentials().get_unix_pid();
    Gio.Subprocess.new(['kill', '-KILL', String(pid)], Gio.SubprocessFlags.NONE).wait(null);
}

const loop = new GLib.MainLoop(null, false);
let status = 0;
GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, 10, () => {
    printerr('timed out');
    status = 2;
    loop.quit();
    return GLib.SOURCE_REMOVE;
});

(async () => {
    if (mode === 'write') {
        const transaction = collection.insert_json(JSON.stringify({id: 'a', title: 'Written before the crash'}));
        await persistCall;
        await store.flush_async(null);
        print(JSON.stringify({transaction: transaction.id, state: transaction.get_state_name()}));
        killSelf();   // killed while the persist call is in flight
    }

    // resume: the optimistic insert is visible before any reply.
    const visibleAtOnce = value('a');
    const pendingAtOnce = collection.lookup('a')?.pending ?? null;
    const model = collection.get_transactions();
    const transactions = [];
    for (let i = 0; i < model.get_n_items(); i++)
        transactions.push(model.get_item(i));
    for (const transaction of transactions)
        await transaction.wait_async(null);
    await store.flush_async(null);
    print(JSON.stringify({
        visibleAtOnce,
        pendingAtOnce,
        transactions: transactions.map(t => t.id),
        states: transactions.map(t => t.get_state_name()),
        attempts,
        final: value('a'),
        finalPending: collection.lookup('a')?.pending ?? null,
    }));
    loop.quit();
})().catch(e => {
    logError(e);
    status = 1;
    loop.quit();
});
loop.run();
System.exit(status);
