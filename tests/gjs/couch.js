// couch.js: a CouchDB database from GJS, as couchdb.md and views.md show
// it, against pouchdb-server (installed from npm by tests/deps.sh)
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Network I/O is real and every wait is bounded (the server's start, each
// change to arrive); libsyncobj's timers run on the real clock here.

imports.searchPath.unshift(imports.gi.GLib.path_get_dirname(imports.system.programPath));
const {test, run, assert, assertEqual, waitFor} = imports.lib.harness;
imports.gi.versions.Soup = '3.0';
const {GLib, Gio, Soup} = imports.gi;
const {Syncobj} = imports.syncobj;
const System = imports.system;
const State = Syncobj.TransactionState;

const SERVER = GLib.getenv('SYNCOBJ_POUCHDB_SERVER');
if (!SERVER || !GLib.file_test(SERVER, GLib.FileTest.IS_EXECUTABLE) || Syncobj.CouchSync === undefined) {
    print('1..0 # SKIP pouchdb-server is not installed (tests/run-all installs it with npm)');
    System.exit(77);
}

const START_TIMEOUT_MS = 60000;
const CHANGE_TIMEOUT_MS = 30000;

function freePort() {
    const listener = new Gio.SocketListener();
    const port = listener.add_any_inet_port(null);
    listener.close();
    return port;
}

// pouchdb-server --in-memory on 127.0.0.1 with an empty database "todos";
// request() is the test's own HTTP, outside libsyncobj.
async function startServer() {
    const dir = GLib.dir_make_tmp('syncobj-gjs-couch-XXXXXX');
    const port = freePort();
    const launcher = new Gio.SubprocessLauncher({
        flags: Gio.SubprocessFlags.STDOUT_SILENCE | Gio.SubprocessFlags.STDERR_SILENCE,
    });
    launcher.set_cwd(dir);   // it writes its log and config there
    const process = launcher.spawnv([SERVER, '--in-memory', '--host', '127.0.0.1', '--port', `${port}`]);
    const db = `http://127.0.0.1:${port}/todos`;
    const session = new Soup.Session({timeout: 30});
    const request = (method, path, body = null) => {
        const message = Soup.Message.new(method, db + path);
        if (body !== null) {
            message.set_request_body_from_bytes('application/json',
                new GLib.Bytes(new TextEncoder().encode(JSON.stringify(body))));
        }
        try {
            const reply = session.send_and_read(message, null);
            const text = new TextDecoder().decode(reply.toArray());
            return [message.get_status(), text ? JSON.parse(text) : null];
        } catch (e) {
            return [0, e.message];   // not listening yet
        }
    };
    await waitFor(() => request('PUT', '')[0] === 201, null, START_TIMEOUT_MS);
    return {
        db,
        request,
        stop() {
            process.force_exit();
            process.wait(null);
            for (const name of ['log.txt', 'config.json'])
                GLib.unlink(`${dir}/${name}`);
            GLib.rmdir(dir);
        },
    };
}

function couchCollection(server, id) {
    const sync = Syncobj.CouchSync.new(id, server.db);
    const mutator = Syncobj.CouchMutator.new(server.db);
    const todos = new Syncobj.Collection({
        id, key_member: '_id', key_source: Syncobj.KeySource.SERVER, sync, mutator,
    });
    return [todos, sync];
}

const titles = view => [...view].map(record => record.get_string('title'));

test('a database followed with a live view: edits, server ids and a conflict', async () => {
    const server = await startServer();
    try {
        for (const [id, title] of [['milk', 'Buy milk'], ['dog', 'Walk the dog'], ['mail', 'Answer mail']])
            assertEqual(server.request('PUT', `/${id}`, {title, done: id === 'mail'})[0], 201);

        const [todos, sync] = couchCollection(server, 'gjs-couch-todos');
        const open = todos.view_json({where: {member: 'done', op: '=', value: false}, order_by: ['title']});
        await waitFor(() => todos.ready && todos.get_n_items() === 3, null, CHANGE_TIMEOUT_MS);
        assertEqual(titles(open), ['Buy milk', 'Walk the dog']);
        assert(sync.get_cursor() !== null, 'the sync keeps a cursor');
        assert(todos.lookup('milk').get_string('_rev').startsWith('1-'));

        // A document written by someone else arrives through the feed.
        server.request('PUT', '/call', {title: 'Call mum', done: false});
        await waitFor(() => todos.contains('call'), null, CHANGE_TIMEOUT_MS);
        assertEqual(titles(open), ['Buy milk', 'Call mum', 'Walk the dog']);

        // An insert without _id is shown at once, then takes the server's id.
        const assigned = [];
        todos.connect('key-assigned', (c, temporary, key) => assigned.push(key));
        const insert = todos.insert({title: 'Água', done: false});
        assertEqual(titles(open), ['Buy milk', 'Call mum', 'Walk the dog', 'Água']);
        await waitFor(() => insert.is_finished(), null, CHANGE_TIMEOUT_MS);
        assertEqual(insert.state, State.COMPLETED);
        assertEqual(assigned.length, 1);
        assertEqual(server.request('GET', `/${assigned[0]}`)[1].title, 'Água');

        // The server's copy changes between the read and the write: the
        // conflict is rebased (the default policy), both changes are kept.
        const conflicts = [];
        todos.connect('conflict', (c, key) => conflicts.push(key));
        const milk = JSON.parse(todos.lookup('milk').to_json());
        assertEqual(server.request('PUT', '/milk', {...milk, notes: 'two litres'})[0], 201);
        const done = todos.update('milk', {done: true});
        assertEqual(titles(open), ['Call mum', 'Walk the dog', 'Água']);
        await waitFor(() => done.is_finished(), null, CHANGE_TIMEOUT_MS);
        assertEqual(done.state, State.COMPLETED);
        assertEqual(conflicts, ['milk']);
        const onServer = server.request('GET', '/milk')[1];
        assertEqual([onServer.title, onServer.done, onServer.notes], ['Buy milk', true, 'two litres']);
        assert(onServer._rev.startsWith('3-'), onServer._rev);
        assertEqual(JSON.parse(todos.lookup('milk').to_json()), onServer);
        assertEqual(titles(open), ['Call mum', 'Walk the dog', 'Água']);
    } finally {
        server.stop();
    }
});

test('a collection dropped by the garbage collector stops its sync without calling the script', async () => {
    const server = await startServer();
    try {
        server.request('PUT', '/milk', {title: 'Buy milk'});
        const changes = [];
        (() => {
            const [todos, sync] = couchCollection(server, 'gjs-couch-dropped');
            sync.connect('notify::connected', () => changes.push(sync.connected));
            return waitFor(() => todos.contains('milk') && sync.connected, null, CHANGE_TIMEOUT_MS);
        })();
        await waitFor(() => changes.length > 0, null, CHANGE_TIMEOUT_MS);
        // The sync turned connected; now nothing holds the collection.
        // Its finalization (here, or at the latest when the process exits)
        // used to notify ::connected from the garbage collector's sweep,
        // which GJS refuses with a critical.
        await waitFor(() => true);
        System.gc();
        await waitFor(() => true);
        assertEqual(changes, [true]);
    } finally {
        server.stop();
    }
});

run();
