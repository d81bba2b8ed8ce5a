// example-todo.js: the GJS example program runs and shows what it claims
//
// SPDX-License-Identifier: LGPL-2.1-or-later

imports.searchPath.unshift(imports.gi.GLib.path_get_dirname(imports.system.programPath));
const {test, run, assert, assertEqual} = imports.lib.harness;
const {GLib, Gio} = imports.gi;

const here = GLib.path_get_dirname(imports.system.programPath);
const todo = GLib.build_filenamev([here, '..', '..', 'examples', 'gjs', 'todo.js']);
const SERVER = GLib.getenv('SYNCOBJ_DEMO_SERVER');

Gio._promisify(Gio.Subprocess.prototype, 'communicate_utf8_async', 'communicate_utf8_finish');
Gio._promisify(Gio.DataInputStream.prototype, 'read_line_async', 'read_line_finish_utf8');

async function runTodo(args, input = null) {
    const flags = Gio.SubprocessFlags.STDOUT_PIPE | Gio.SubprocessFlags.STDERR_PIPE |
        (input !== null ? Gio.SubprocessFlags.STDIN_PIPE : 0);
    const process = Gio.Subprocess.new(['gjs', todo, ...args], flags);
    const [stdout, stderr] = await process.communicate_utf8_async(input, null);
    assertEqual(process.get_exit_status(), 0, `todo.js failed: ${stderr}`);
    return stdout;
}

function assertDemoOutput(out) {
    assert(out.includes('* 2 [ ] Buy milk'), out);              // listed at once, pending
    assert(out.includes('add 2: saved after 1 attempt(s)'), out);
    assert(out.includes('add 3: rolled back: '), out);
    assert(out.includes('Refused by the server'), out);
    assert(out.includes('add 4: attempt 1 failed (') && out.includes('503'), out);
    assert(out.includes('add 4: attempt 2 failed ('), out);
    assert(out.includes('add 4: saved after 3 attempt(s)'), out);
    const finalList = out.split('> list').pop().split('\n').slice(1, 4);
    assertEqual(finalList, [
        '      1 [x] Read the libsyncobj README',
        '      2 [x] Buy milk',
        '      4 [ ] Water the plants',
    ]);
}

test('todo demo shows optimistic insert, rollback and retries', async () => {
    assertDemoOutput(await runTodo([]));
});

test('todo reads commands from stdin', async () => {
    const out = await runTodo(['-'], 'add Call mum\nrm 1\nlist\nquit\nadd never\n');

    assert(out.includes('add 2: saved after 1 attempt(s)'), out);
    assert(out.includes('rm 1: saved after 1 attempt(s)'), out);
    assert(out.trimEnd().endsWith('2 [ ] Call mum'), out);
    assert(!out.includes('never'), out);
});

test('todo demo against the demo server', async () => {
    if (!SERVER) {
        print('# SKIP the demo server is not built');
        return;
    }
    const dir = GLib.dir_make_tmp('syncobj-gjs-todo-XXXXXX');
    const server = Gio.Subprocess.new([SERVER, '--port=0', `--db=${dir}/demo.db`],
        Gio.SubprocessFlags.STDOUT_PIPE);
    try {
        const output = new Gio.DataInputStream({base_stream: server.get_stdout_pipe()});
        const [line] = await output.read_line_async(GLib.PRIORITY_DEFAULT, null);
        assert(line?.startsWith('PORT '), `the demo server did not start: ${line}`);
        assertDemoOutput(await runTodo(['--server', `http://127.0.0.1:${line.split(' ')[1]}`]));
    } finally {
        server.force_exit();
        server.wait(null);
        for (const name of ['demo.db', 'demo.db-wal', 'demo.db-shm', 'demo.db-journal'])
            GLib.unlink(`${dir}/${name}`);
        GLib.rmdir(dir);
    }
});

run();
