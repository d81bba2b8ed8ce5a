#!/usr/bin/env -S gjs
// todo.js: a command-line to-do list on libsyncobj, from GJS
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// It shows
//   - optimistic writes: a new todo is listed at once, marked pending (*);
//   - rollback: the server refuses a write for good, the todo disappears;
//   - retries: a flaky server fails twice, libsyncobj retries with backoff.
//
// By default it runs against the test sync (Syncobj.test_collection_new):
// the "server" is a few lines of JavaScript below behind an async persist
// function, and time is libsyncobj's virtual clock, so retries take no real
// time. With --server URL it talks to the demo server (examples/server/)
// through Syncobj.HttpSync and Syncobj.HttpMutator, in real time.
//
// Usage (from the source tree, after `meson setup _build && ninja -C _build`):
//   export GI_TYPELIB_PATH=_build/introspection LD_LIBRARY_PATH=_build/libsyncobj
//   gjs examples/gjs/todo.js                 # the demo, on the test sync
//   gjs examples/gjs/todo.js -               # commands from stdin:
//       list | add TITLE | done ID | rm ID | flaky N | reject | quit
//   _build/tests/syncobj-demo-server --port 8080 &
//   gjs examples/gjs/todo.js --server http://127.0.0.1:8080

imports.gi.versions.Syncobj = '1.0';
imports.gi.versions.Soup = '3.0';
const {GLib, Gio, Json, Soup, Syncobj} = imports.gi;
const System = imports.system;

// Promise versions of the _async/_finish pairs.
Gio._promisify(Syncobj.Transaction.prototype, 'wait_async', 'wait_finish');
Gio._promisify(Soup.Session.prototype, 'send_and_read_async', 'send_and_read_finish');

// Resolves on a later main loop iteration, as a network reply would.
const nextTick = () => new Promise(resolve => GLib.idle_add(GLib.PRIORITY_DEFAULT_IDLE, () => {
    resolve();
    return GLib.SOURCE_REMOVE;
}));

// The backend on the test sync: fails when told to, and echoes what it
// stored through the sync (as a real server's live updates would).
function testServer() {
    const [todos, control] = Syncobj.test_collection_new(
        Json.from_string(JSON.stringify([
            {id: '1', title: 'Read the libsyncobj README', done: true},
        ])).get_array(),
        Syncobj.Strategy.ORDERED);
    const start = control.get_now();
    const server = {
        todos,
        failuresLeft: 0,
        reject: false,
        async handle(changes) {
            await nextTick();
            if (this.reject) {
                this.reject = false;
                return {status: 422, message: '422 Refused by the server'};
            }
            if (this.failuresLeft > 0) {
                this.failuresLeft--;
                return {status: 503, message: '503 Service Unavailable'};
            }
            control.emit_json(JSON.stringify(changes.map(c => c.type === 'delete'
                ? {type: 'delete', key: c.key}
                : {type: 'insert', value: c.modified})));
            return {status: 200};
        },
        failNext(count) {
            this.failuresLeft = count;
        },
        rejectNext() {
            this.reject = true;
        },
        now: () => (control.get_now() - start) / 1e6,
        // Nothing ready on the main loop: move the virtual clock instead.
        step: () => control.advance(100),
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
    return server;
}

// The demo server of examples/server/, over HTTP and a WebSocket.
async function demoServer(url) {
    url = url.replace(/\/$/, '');
    const sync = Syncobj.HttpSync.new('todos', `${url}/items`, `${url.replace('http', 'ws')}/changes`);
    const todos = Syncobj.Collection.new('todos', sync, Syncobj.HttpMutator.new(`${url}/items`));
    todos.get_retry_policy().initial_delay = 500;   // a snappier demo
    const session = new Soup.Session();
    const start = GLib.get_monotonic_time();
    // The demo server's test switch; not part of a real API.
    const faults = async body => {
        const message = Soup.Message.new('POST', `${url}/_admin/faults`);
        message.set_request_body_from_bytes('application/json',
            new GLib.Bytes(new TextEncoder().encode(JSON.stringify(body))));
        await session.send_and_read_async(message, GLib.PRIORITY_DEFAULT, null);
    };
    while (!todos.ready && GLib.get_monotonic_time() - start < 10e6)
        await nextTick();
    if (!todos.ready)
        throw new Error(`cannot load ${url}/items: ${sync.get_error()?.message}`);
    return {
        todos,
        failNext: count => faults({fail: count, status: 503}),
        rejectNext: () => faults({fail: 1, status: 422, reason: 'Refused by the server'}),
        now: () => (GLib.get_monotonic_time() - start) / 1e6,
        step: null,     // real time: settle() waits for the transactions
    };
}

class TodoApp {
    constructor(server) {
        this.server = server;
        this.todos = server.todos;
        this.lastId = 0;
    }

    async init() {
        if (this.todos.get_n_items() === 0) {
            this.todos.insert_json(JSON.stringify({id: '1', title: 'Read the libsyncobj README', done: true}));
            await this.settle();
        }
        for (const key of this.todos.get_keys())
            this.lastId = Math.max(this.lastId, parseInt(key) || 0);
    }

    say(text) {
        print(`[${this.server.now().toFixed(2).padStart(6)} s] ${text}`);
    }

    show() {
        for (let i = 0; i < this.todos.get_n_items(); i++) {
            const todo = this.todos.get_item(i);
            const {id, title, done} = JSON.parse(todo.to_json());
            print(`    ${todo.pending ? '*' : ' '} ${id} [${done ? 'x' : ' '}] ${title}`);
        }
    }

    watch(transaction, what) {
        transaction.get_attempts().connect('items-changed', (attempts, position, removed, added) => {
            // A new attempt after a failed one: the retry is running.
            if (added && position > 0) {
                const failed = attempts.get_item(position - 1);
                this.say(`${what}: attempt ${failed.number} failed (${failed.get_error().message}); retry ${position}`);
            }
        });
        transaction.wait_async(null)
            .then(() => this.say(`${what}: saved after ${transaction.get_attempts().get_n_items()} attempt(s)`))
            .catch(e => this.say(`${what}: rolled back: ${e.message}`));
    }

    inFlight() {
        const transactions = this.todos.get_transactions();
        for (let i = 0; i < transactions.get_n_items(); i++) {
            if (!transactions.get_item(i).is_finished())
                return true;
        }
        return false;
    }

    // Runs until the server has answered everything in flight.
    async settle() {
        do {
            await nextTick();
            if (!this.server.step) {
                const transactions = this.todos.get_transactions();
                const waits = [];
                for (let i = 0; i < transactions.get_n_items(); i++)
                    waits.push(transactions.get_item(i).wait_async(null));
                await Promise.allSettled(waits);
            } else if (this.inFlight() && !GLib.MainContext.default().pending()) {
                this.server.step();
            }
        } while (this.inFlight());
        await nextTick(); // the last wait_async callbacks
    }

    async run(command) {
        const [verb, ...words] = command.trim().split(' ');
        const rest = words.join(' ');
        try {
            switch (verb) {
            case 'list':
                this.show();
                break;
            case 'add': {
                const key = String(++this.lastId);
                this.watch(this.todos.insert_json(JSON.stringify({id: key, title: rest, done: false})), `add ${key}`);
                this.say(`added ${key} at once (pending):`);
                this.show();
                break;
            }
            case 'done':
                this.watch(this.todos.update_json(rest, JSON.stringify({done: true})), `done ${rest}`);
                this.say(`marked ${rest} done`);
                break;
            case 'rm':
                this.watch(this.todos.delete(rest), `rm ${rest}`);
                this.say(`removed ${rest}`);
                break;
            case 'flaky':
                await this.server.failNext(parseInt(rest));
                this.say(`the server will fail the next ${rest} request(s)`);
                break;
            case 'reject':
                await this.server.rejectNext();
                this.say('the server will refuse the next write');
                break;
            case '':
                break;
            default:
                printerr(`unknown command: ${verb}`);
            }
        } catch (e) {
            printerr(`error: ${e.message}`);
        }
        await this.settle();
    }
}

const DEMO = [
    'list',
    'add Buy milk',
    'reject',
    'add Something the server refuses',
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
        const args = [...ARGV];
        const serverAt = args.indexOf('--server');
        const url = serverAt >= 0 ? args.splice(serverAt, 2)[1] : null;
        const app = new TodoApp(url ? await demoServer(url) : testServer());
        await app.init();
        const commands = args[0] === '-' ? stdinLines() : DEMO;
        for (const command of commands) {
            if (command.trim() === 'quit')
                break;
            print(`> ${command.trim()}`);
            await app.run(command);
        }
    } catch (e) {
        logError(e);
        status = 1;
    }
    loop.quit();
})();
loop.run();
System.exit(status);
