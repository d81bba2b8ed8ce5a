// example-todo.js: the GJS example program runs and shows what it claims
//
// SPDX-License-Identifier: LGPL-2.1-or-later

imports.searchPath.unshift(imports.gi.GLib.path_get_dirname(imports.system.programPath));
const {test, run, assert, assertEqual} = imports.lib.harness;
const {GLib, Gio} = imports.gi;

const here = GLib.path_get_dirname(imports.system.programPath);
const todo = GLib.build_filenamev([here, '..', '..', 'examples', 'gjs', 'todo.js']);

Gio._promisify(Gio.Subprocess.prototype, 'communicate_utf8_async', 'communicate_utf8_finish');

async function runTodo(args, input = null) {
    const flags = Gio.SubprocessFlags.STDOUT_PIPE | Gio.SubprocessFlags.STDERR_PIPE |
        (input !== null ? Gio.SubprocessFlags.STDIN_PIPE : 0);
    const process = Gio.Subprocess.new(['gjs', todo, ...args], flags);
    const [stdout, stderr] = await process.communicate_utf8_async(input, null);
    assertEqual(process.get_exit_status(), 0, `todo.js failed: ${stderr}`);
    return stdout;
}

test('todo demo shows optimistic insert, rollback and retries', async () => {
    const out = await runTodo([]);

    assert(out.includes('* 2 [ ] Buy milk'), out);
    assert(out.includes('add 2: saved after 1 attempt(s)'), out);
    assert(out.includes('add 3: rolled back: 422 Title longer than 40 characters'), out);
    assert(out.includes('add 4: attempt 1 failed (503 Service Unavailable); retry 1'), out);
    assert(out.includes('add 4: attempt 2 failed (503 Service Unavailable); retry 2'), out);
    assert(out.includes('add 4: saved after 3 attempt(s)'), out);
    const finalList = out.split('> list').pop();
    assert(!finalList.includes('Write a to-do title'), finalList);
    assert(finalList.includes('2 [x] Buy milk'), finalList);
});

test('todo reads commands from stdin', async () => {
    const out = await runTodo(['-'], 'add Call mum\nrm 1\nlist\nquit\nadd never\n');

    assert(out.includes('add 2: saved after 1 attempt(s)'), out);
    assert(out.includes('rm 1: saved after 1 attempt(s)'), out);
    assert(out.trimEnd().endsWith('2 [ ] Call mum'), out);
    assert(!out.includes('never'), out);
});

run();
