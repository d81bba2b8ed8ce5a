// demo-server.js: HTTP mutator and sync from GJS, against the demo server
// of examples/server/
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Network I/O is real and waited for with a bound; libsyncobj's timers
// (retries) run on the virtual clock, driven through the control of a
// throwaway test collection (the clock is process-wide).

imports.searchPath.unshift(imports.gi.GLib.path_get_dirname(imports.system.programPath));
const {
    test, run, assert, assertEqual, assertSyncobjError, waitFor, value, recordItemsChanged,
    LONG_ENOUGH_MS,
} = imports.lib.harness;
imports.gi.versions.Soup = '3.0';
const {GLib, Gio, Soup, Syncobj} = imports.gi;
// The helper (imports.syncobj) patches that namespace: its auth function
// wrapper is under test here.
imports.syncobj;
const State = Syncobj.TransactionState;

const SERVER = GLib.getenv('SYNCOBJ_DEMO_SERVER');
if (!SERVER || Syncobj.HttpMutator === undefined) {
    print('1..0 # SKIP the demo server or the HTTP classes are not built');
    imports.system.exit(77);
}

const TOKEN = 'gjs-token';
const [, clock] = Syncobj.test_collection_new(null, Syncobj.Strategy.ORDERED);

Gio._promisify(Gio.DataInputStream.prototype, 'read_line_async', 'read_line_finish_utf8');
Gio._promisify(Soup.Session.prototype, 'send_and_read_async', 'send_and_read_finish');

async function startServer() {
    const dir = GLib.dir_make_tmp('syncobj-gjs-demo-XXXXXX');
    const process = Gio.Subprocess.new(
        [SERVER, '--port=0', `--db=${dir}/demo.db`, `--token=${TOKEN}`],
        Gio.SubprocessFlags.STDOUT_PIPE);
    const output = new Gio.DataInputStream({base_stream: process.get_stdout_pipe()});
    const [line] = await output.read_line_async(GLib.PRIORITY_DEFAULT, null);
    assert(line?.startsWith('PORT '), `the demo server did not start: ${line}`);
    const base = `http://127.0.0.1:${line.split(' ')[1]}`;
    const session = new Soup.Session();
    return {
        base,
        // A request of the test itself, outside libsyncobj.
        async admin(path, body = null) {
            const message = Soup.Message.new(body !== null ? 'POST' : 'GET', base + path);
            if (body !== null)
                message.set_request_body_from_bytes('application/json',
                    new GLib.Bytes(new TextEncoder().encode(JSON.stringify(body))));
            const reply = await session.send_and_read_async(message, GLib.PRIORITY_DEFAULT, null);
            const text = new TextDecoder().decode(reply.toArray());
            return text ? JSON.parse(text) : null;
        },
        stop() {
            process.force_exit();
            process.wait(null);
            for (const name of ['demo.db', 'demo.db-wal', 'demo.db-shm', 'demo.db-journal'])
                GLib.unlink(`${dir}/${name}`);
            GLib.rmdir(dir);
        },
    };
}

let counter = 0;

async function itemsCollection(server, auth = true) {
    const name = `items-${counter++}`;
    const sync = Syncobj.HttpSync.new(name, `${server.base}/items`, `${server.base.replace('http', 'ws')}/changes`);
    const mutator = Syncobj.HttpMutator.new(`${server.base}/items`);
    const asked = [];
    mutator.set_auth_func(method => {
        asked.push(method);
        return auth ? `Bearer ${TOKEN}` : null;
    });
    const collection = Syncobj.Collection.new(name, sync, mutator);
    await waitFor(() => collection.ready && sync.connected);
    return [collection, asked];
}

test('insert persists to the server with a JavaScript auth function', async () => {
    const server = await startServer();
    const [collection, asked] = await itemsCollection(server);

    const transaction = collection.insert_json('{"id": "a", "title": "Over the wire"}');
    assertEqual(value(collection, 'a').title, 'Over the wire');
    await waitFor(() => transaction.is_finished(), clock);

    assertEqual(transaction.state, State.COMPLETED);
    assertEqual(asked, ['POST']);
    assertEqual(await server.admin('/items/a'), {id: 'a', title: 'Over the wire'});
    assertEqual(collection.lookup('a').pending, false);
    server.stop();
});

test('a 401 waits for the credential the application gives later', async () => {
    const server = await startServer();
    const [collection] = await itemsCollection(server, false);
    const mutator = collection.get_mutator();
    const requests = [];
    mutator.connect('auth-required', (_mutator, request) => requests.push(request));

    const transaction = collection.insert_json('{"id": "a", "title": "No token yet"}');
    await waitFor(() => requests.length === 1);
    assert(mutator.needs_auth, 'needs-auth');
    assertEqual(requests[0].get_http_status(), 401);

    // Retries would long be due: the write waits, spending no attempt.
    clock.advance(LONG_ENOUGH_MS);
    assertEqual(transaction.state, State.PERSISTING);
    assertEqual(transaction.get_current_attempt(), 1);
    assertEqual(await server.admin('/items'), []);

    // Later, from a promise, as a login dialog would.
    await new Promise(resolve => GLib.timeout_add(GLib.PRIORITY_DEFAULT, 10, () => resolve() ?? false));
    requests[0].set_credential(`Bearer ${TOKEN}`);
    await transaction.wait_async(null);
    assertEqual(transaction.state, State.COMPLETED);
    assertEqual(transaction.get_current_attempt(), 1);
    assert(!mutator.needs_auth, 'needs-auth after the credential');
    assertEqual(await server.admin('/items/a'), {id: 'a', title: 'No token yet'});
    server.stop();
});

test('an auth function that returns undefined or throws sends no header', async () => {
    for (const func of [() => undefined, () => { throw new Error('no token store'); }]) {
        const server = await startServer();
        const [collection] = await itemsCollection(server);
        const mutator = collection.get_mutator();
        const requests = [];
        mutator.set_auth_func(func);
        mutator.connect('auth-required', (_mutator, request) => requests.push(request));

        const transaction = collection.insert_json('{"id": "a", "title": "No header"}');
        await waitFor(() => requests.length === 1);
        assertEqual(requests[0].get_http_status(), 401);
        requests[0].set_credential(`Bearer ${TOKEN}`);
        await transaction.wait_async(null);
        assertEqual(transaction.state, State.COMPLETED);
        server.stop();
    }
});

test('server errors are retried on the virtual clock', async () => {
    const server = await startServer();
    const [collection] = await itemsCollection(server);
    await server.admin('/_admin/faults', {fail: 2, status: 503});

    const transaction = collection.insert_json('{"id": "a", "title": "Eventually"}');
    const attempts = transaction.get_attempts();
    await waitFor(() => attempts.get_n_items() === 1 && attempts.get_item(0).get_error() !== null, clock);
    assertSyncobjError(attempts.get_item(0).get_error(), Syncobj.Error.HTTP);
    assertEqual(transaction.state, State.PERSISTING);

    while (!transaction.is_finished()) {
        clock.advance(LONG_ENOUGH_MS);
        await waitFor(() => transaction.is_finished() ||
            attempts.get_item(attempts.get_n_items() - 1).get_completed_at() !== null, clock);
    }

    assertEqual(transaction.state, State.COMPLETED);
    assertEqual(attempts.get_n_items(), 3);
    assertEqual((await server.admin('/items/a')).title, 'Eventually');
    server.stop();
});

test("another client's change arrives as items-changed", async () => {
    const server = await startServer();
    const [mine] = await itemsCollection(server);
    const [theirs] = await itemsCollection(server);
    const changes = recordItemsChanged(mine);

    const transaction = theirs.insert_json('{"id": "b", "title": "From elsewhere"}');
    await waitFor(() => transaction.is_finished() && mine.lookup('b') !== null, clock);

    assertEqual(changes, [[0, 0, 1]]);
    assertEqual(value(mine, 'b'), {id: 'b', title: 'From elsewhere'});
    server.stop();
});

test('a collection dropped by the garbage collector stops its sync without calling the script', async () => {
    const server = await startServer();
    const changes = [];
    await (async () => {
        const [collection] = await itemsCollection(server);
        const sync = collection.get_sync();
        sync.connect('notify::connected', () => changes.push(sync.connected));
    })();
    // Nothing holds the collection now. Its finalization (here, or at the
    // latest when the process exits) used to notify ::connected from the
    // garbage collector's sweep, which GJS refuses with a critical.
    await waitFor(() => true);
    imports.system.gc();
    await waitFor(() => true);
    assertEqual(changes, []);
    server.stop();
});

run();
