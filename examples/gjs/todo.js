#!/usr/bin/env -S gjs
// todo.js: a command-line to-do list on libsyncobj, from GJS
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Runs against the test sync (Syncobj.test_collection_new): the "server" is
// a few lines of JavaScript below, time is libsyncobj's virtual clock, so
// the retries of a flaky server take no real time. It shows
//   - optimistic writes: a new todo is listed at once, marked pending (*);
//   - rollback: the server rejects a title for good, the todo disappears;
//   - retries: a flaky server fails twice, libsyncobj retries with backoff.
//
// Usage (from the source tree, after `meson setup _build && ninja -C _build`):
//   GI_TYPELIB_PATH=_build/introspection LD_LIBRARY_PATH=_build/libsyncobj \
//   gjs examples/gjs/todo.js            # the demo
//   ... gjs examples/gjs/todo.js -      # commands from stdin:
//   list | add TITLE | done ID | rm ID | flaky N | quit

imports.gi.versions.Syncobj = '1.0';
const {GLib, Gio, Json, Syncobj} = imports.gi;
const System = imports.system;

// Promise versions of the _async/_finish pairs.
Gio._promisify(Syncobj.Transaction.prototype, 'wait_async', 'wait_finish');

const MAX_TITLE = 40;

// Resolves on the next main loop iteration, as a network reply would.
const nextTick = () => new Promise(resolve => GLib.idle_add(GLib.PRIORITY_DEFAULT_IDLE, () => {
    resolve();
    return GLib.SOURCE_REMOVE;
}));

const [todos, control] = Syncobj.test_collection_new(
    Json.from_string(JSON.stringify([
        {id: '1', title: 'Read the libsyncobj README', done: true},
    ])).get_array(),
    Syncobj.Strategy.ORDERED);

// The backend: validates, sometimes fails, and echoes what it stored
// through the sync (as a real server's live updates would).
const server = {
    failuresLeft: 0,
    async handle(changes) {
        await nextTick();
        if (this.failuresLeft > 0) {
            this.failuresLeft--;
            return {status: 503, message: '503 Service Unavailable'};
        }
        if (changes.some(c => c.type !== 'delete' && (c.modified.title ?? '').length > MAX_TITLE))
            return {status: 422, message: `422 Title longer than ${MAX_TITLE} characters`};
        control.emit_json(JSON.stringify(changes.map(c => c.type === 'delete'
            ? {type: 'delete', key: c.key}
            : {type: 'insert', value: c.modified})));
        return {status: 200};
    },
};

// The persist function: an async arrow function that finishes its job.
todos.set_mutator(Syncobj.FuncMutator.new(async job => {
    try {
        const reply = await server.handle(JSON.parse(job.get_changes_json()));
        if (reply.status === 200)
            job.complete();
        else if (reply.status >= 400 && reply.status < 500)
            job.fail_non_retriable(reply.message);
        else
            job.fail_message(reply.message);
    } catch (e) {
        job.fail_message(e.message);
    }
}));

const start = control.get_now();
const say = text => print(`[${((control.get_now() - start) / 1e6).toFixed(2).padStart(6)} s] ${text}`);

function show() {
    for (let i = 0; i < todos.get_n_items(); i++) {
        const todo = todos.get_item(i);
        const {id, title, done} = JSON.parse(todo.to_json());
        print(`    ${todo.pending ? '*' : ' '} ${id} [${done ? 'x' : ' '}] ${title}`);
    }
}

function watch(transaction, what) {
    transaction.get_attempts().connect('items-changed', (attempts, position, removed, added) => {
        // A new attempt after a failed one: the retry is running.
        if (added && position > 0) {
            const failed = attempts.get_item(position - 1);
            say(`${what}: attempt ${failed.number} failed (${failed.get_error().message}); retry ${position}`);
        }
    });
    transaction.wait_async(null)
        .then(() => say(`${what}: saved after ${transaction.get_attempts().get_n_items()} attempt(s)`))
        .catch(e => say(`${what}: rolled back: ${e.message}`));
}

function inFlight() {
    const transactions = todos.get_transactions();
    for (let i = 0; i < transactions.get_n_items(); i++) {
        if (!transactions.get_item(i).is_finished())
            return true;
    }
    return false;
}

// Lets the server answer and the clock run until nothing is in flight.
async function settle() {
    do {
        await nextTick();
        await nextTick();
        if (inFlight() && !GLib.MainContext.default().pending())
            control.advance(100);
    } while (inFlight());
    await nextTick(); // the last wait_async callbacks
}

let nextId = 2;

async function run(command) {
    const [verb, ...words] = command.trim().split(' ');
    const rest = words.join(' ');
    try {
        switch (verb) {
        case 'list':
            show();
            break;
        case 'add': {
            const key = String(nextId++);
            watch(todos.insert_json(JSON.stringify({id: key, title: rest, done: false})), `add ${key}`);
            say(`added ${key} at once (pending):`);
            show();
            break;
        }
        case 'done':
            watch(todos.update_json(rest, JSON.stringify({done: true})), `done ${rest}`);
            say(`marked ${rest} done`);
            break;
        case 'rm':
            watch(todos.delete(rest), `rm ${rest}`);
            say(`removed ${rest}`);
            break;
        case 'flaky':
            server.failuresLeft = parseInt(rest);
            say(`the server will fail the next ${rest} request(s)`);
            break;
        case '':
            break;
        default:
            printerr(`unknown command: ${verb}`);
        }
    } catch (e) {
        printerr(`error: ${e.message}`);
    }
    await settle();
}

const DEMO = [
    'list',
    'add Buy milk',
    'add Write a to-do title so long that the server refuses it',
    'flaky 2',
    'add Water the plants',
    'done 2',
    'list',
];

function* stdinLines() {
    const input = new Gio.DataInputStream({base_stream: new Gio.UnixInputStream({fd: 0})});
    for (;;) {
        const [line] = input.read_line_utf8(null);
        if (line === null)
            return;
        yield line;
    }
}

const loop = new GLib.MainLoop(null, false);
let status = 0;
(async () => {
    try {
        const commands = ARGV[0] === '-' ? stdinLines() : DEMO;
        for (const command of commands) {
            if (command.trim() === 'quit')
                break;
            print(`> ${command.trim()}`);
            await run(command);
        }
    } catch (e) {
        logError(e);
        status = 1;
    }
    loop.quit();
})();
loop.run();
System.exit(status);
