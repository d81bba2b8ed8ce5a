// store.js: transactions survive the process, through one store file
//
// SPDX-License-Identifier: LGPL-2.1-or-later

imports.searchPath.unshift(imports.gi.GLib.path_get_dirname(imports.system.programPath));
const {test, run, assertEqual} = imports.lib.harness;
const {GLib, Gio, Syncobj} = imports.gi;

const here = GLib.path_get_dirname(imports.system.programPath);
const child = GLib.build_filenamev([here, 'lib', 'store-child.js']);

Gio._promisify(Gio.Subprocess.prototype, 'communicate_utf8_async', 'communicate_utf8_finish');

async function runChild(mode, path) {
    const process = Gio.Subprocess.new(['gjs', child, mode, path],
        Gio.SubprocessFlags.STDOUT_PIPE | Gio.SubprocessFlags.STDERR_PIPE);
    const [stdout, stderr] = await process.communicate_utf8_async(null, null);
    if (mode === 'write') {
        // It kills itself while its persist call is in flight.
        assertEqual(process.get_if_signaled() && process.get_term_sig(), 9,
            `store-child.js ${mode} did not die as planned: ${stderr}`);
    } else {
        assertEqual(process.get_if_exited() && process.get_exit_status(), 0,
            `store-child.js ${mode} failed: ${stderr}`);
    }
    return JSON.parse(stdout.trim().split('\n').pop());
}

const tmpDirs = [];

function storePath() {
    const dir = GLib.dir_make_tmp('syncobj-gjs-store-XXXXXX');
    tmpDirs.push(dir);
    return GLib.build_filenamev([dir, 'todos.db']);
}

function removeTmpDirs() {
    for (const dir of tmpDirs) {
        const enumerator = Gio.File.new_for_path(dir).enumerate_children('standard::name',
            Gio.FileQueryInfoFlags.NONE, null);
        for (let info; (info = enumerator.next_file(null)) !== null;)
            enumerator.get_child(info).delete(null);
        GLib.rmdir(dir);
    }
}

if (Syncobj.Store.new_for_path === undefined) {
    print('1..0 # SKIP this libsyncobj has no durable store');
    imports.system.exit(77);
}

test('unfinished insert survives a crash and resumes', async () => {
    const path = storePath();

    const written = await runChild('write', path);
    assertEqual(written.state, 'persisting');
    assertEqual(GLib.file_test(path, GLib.FileTest.EXISTS), true);

    const resumed = await runChild('resume', path);

    assertEqual(resumed.visibleAtOnce, {id: 'a', title: 'Written before the crash'});
    assertEqual(resumed.pendingAtOnce, true);
    assertEqual(resumed.transactions, [written.transaction]);
    assertEqual(resumed.attempts, [2]);
    assertEqual(resumed.states, ['completed']);
    assertEqual(resumed.final, {id: 'a', title: 'Written before the crash'});
    assertEqual(resumed.finalPending, false);
});

test('completed transaction does not come back', async () => {
    const path = storePath();
    await runChild('write', path);
    await runChild('resume', path);

    const again = await runChild('resume', path);

    assertEqual(again.transactions, []);
    assertEqual(again.attempts, []);
    // The echoed todo is synced state now: it comes back from the cache.
    assertEqual(again.visibleAtOnce, {id: 'a', title: 'Written before the crash'});
});

test('a second collection of one id on one store file refuses writes, and says why', () => {
    const path = storePath();
    const store = Syncobj.Store.new_for_path(path);
    // The server never answers: the insert stays unfinished.
    const mutator = Syncobj.FuncMutator.new(async () => {});
    let first = Syncobj.Collection.new_with_store('todos', null, mutator, store);
    const pending = first.insert_json(JSON.stringify({id: 'a', title: 'Typed first'}));

    // "Restarting" inside the script: the first one is still alive.
    const second = Syncobj.Collection.new_with_store('todos', null, mutator, Syncobj.Store.new_for_path(path));
    assertEqual(second.lookup('a'), null);
    let error = null;
    try {
        second.insert_json(JSON.stringify({id: 'a', title: 'Typed again'}));
    } catch (e) {
        error = e;
    }
    assertEqual(error?.matches(Syncobj.error_quark(), Syncobj.Error.INVALID_STATE), true);
    assertEqual(/open twice on the store/.test(error.message), true, error.message);
    assertEqual(second.n_pending, 0);

    // The live one is shared.
    assertEqual(Syncobj.Collection.get_or_create('todos', null, null, store) === first, true);
    assertEqual(first.n_pending, 1);

    pending.rollback();
    second.run_dispose();
    first.run_dispose();
    first = null;
});

test('clean up', () => removeTmpDirs());

run();
