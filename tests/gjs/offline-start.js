// offline-start.js: the status of a collection started offline, over
// restarts with and without its server, when the first run never reached it
//
// SPDX-License-Identifier: LGPL-2.1-or-later

imports.searchPath.unshift(imports.gi.GLib.path_get_dirname(imports.system.programPath));
const {test, run, assertEqual} = imports.lib.harness;
const {GLib, Gio} = imports.gi;

const here = GLib.path_get_dirname(imports.system.programPath);
const child = GLib.build_filenamev([here, 'lib', 'offline-child.js']);

Gio._promisify(Gio.Subprocess.prototype, 'communicate_utf8_async', 'communicate_utf8_finish');

async function runChild(path, mode, write) {
    const process = Gio.Subprocess.new(['gjs', child, mode, path, write ?? ''],
        Gio.SubprocessFlags.STDOUT_PIPE | Gio.SubprocessFlags.STDERR_PIPE);
    const [stdout, stderr] = await process.communicate_utf8_async(null, null);
    assertEqual(process.get_if_exited() && process.get_exit_status(), 0,
        `offline-child.js ${mode} failed: ${stderr}`);
    return JSON.parse(stdout.trim().split('\n').pop());
}

const dir = GLib.dir_make_tmp('syncobj-gjs-offline-XXXXXX');

test('a first run offline, then restarts offline and online', async () => {
    const path = GLib.build_filenamev([dir, 'todos.db']);

    // Nothing saved, nothing current.
    const first = await runChild(path, 'offline', 'WRITE');
    assertEqual([first.statusAtOnce, first.keysAtOnce, first.status, first.keys],
        ['LOADING', [], 'LOADING', ['offline']]);

    // The unfinished insert is back at once: saved data, not current.
    const second = await runChild(path, 'offline');
    assertEqual([second.statusAtOnce, second.keysAtOnce, second.pendingAtOnce, second.status],
        ['CACHED', ['offline'], 1, 'CACHED']);

    // A sync error does not claim that nothing can be shown.
    const failing = await runChild(path, 'failing');
    assertEqual([failing.statusAtOnce, failing.status, failing.keys], ['CACHED', 'CACHED', ['offline']]);

    // The server's snapshot is current data.
    const online = await runChild(path, 'online');
    assertEqual([online.statusAtOnce, online.status, online.keys], ['CACHED', 'READY', ['offline', 'server']]);

    // Offline again: the cache and the insert still waiting.
    const again = await runChild(path, 'offline');
    assertEqual([again.statusAtOnce, again.status, again.keys.sort()], ['CACHED', 'CACHED', ['offline', 'server']]);
});

test('clean up', () => {
    const enumerator = Gio.File.new_for_path(dir).enumerate_children('standard::name',
        Gio.FileQueryInfoFlags.NONE, null);
    for (let info; (info = enumerator.next_file(null)) !== null;)
        enumerator.get_child(info).delete(null);
    GLib.rmdir(dir);
});

run();
