// http-persist.js: the GJS guide's async persist function, over real HTTP
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A libsoup server on the loopback plays the backend; the persist function
// is the one of introspection/docs/gjs.md.

imports.searchPath.unshift(imports.gi.GLib.path_get_dirname(imports.system.programPath));
const {
    test, run, assertEqual, assertSyncobjError, waitFor, value, todos, LONG_ENOUGH_MS,
} = imports.lib.harness;
imports.gi.versions.Soup = '3.0';
const {GLib, Gio, Soup, Syncobj} = imports.gi;
const State = Syncobj.TransactionState;

Gio._promisify(Soup.Session.prototype, 'send_and_read_async', 'send_and_read_finish');

function backend(control) {
    const self = {failuresLeft: 0, requests: []};
    const server = new Soup.Server();
    server.add_handler('/todos', (srv, message) => {
        const body = JSON.parse(new TextDecoder().decode(
            message.get_request_body().flatten().toArray()));
        self.requests.push(body);
        if (self.failuresLeft > 0) {
            self.failuresLeft--;
            message.set_status(503, null);
        } else if (body.some(c => c.type !== 'delete' && (c.modified.title ?? '').length > 40)) {
            message.set_status(422, null);
            message.set_response('text/plain', Soup.MemoryUse.COPY, new TextEncoder().encode('Title too long'));
        } else {
            control.emit_json(JSON.stringify(body.map(c => c.type === 'delete'
                ? {type: 'delete', key: c.key} : {type: 'insert', value: c.modified})));
            message.set_status(200, null);
            message.set_response('application/json', Soup.MemoryUse.COPY, new TextEncoder().encode('{}'));
        }
    });
    server.listen_local(0, Soup.ServerListenOptions.IPV4_ONLY);
    self.url = `${server.get_uris()[0].to_string()}todos`;
    self.server = server;
    return self;
}

function httpTodos() {
    const [todos_, control] = todos();
    const server = backend(control);
    const API_URL = server.url;
    const session = new Soup.Session();

    // --- the guide's persist function ---
    todos_.set_mutator(Syncobj.FuncMutator.new(async job => {
        try {
            const message = Soup.Message.new('POST', API_URL);
            message.set_request_body_from_bytes('application/json',
                new GLib.Bytes(new TextEncoder().encode(job.get_changes_json())));
            const reply = await session.send_and_read_async(message, GLib.PRIORITY_DEFAULT, null);
            const status = message.get_status();
            if (status >= 400 && status < 500 && status !== 408 && status !== 429)
                job.fail_non_retriable(new TextDecoder().decode(reply.toArray()));  // rolled back
            else if (status >= 400)
                job.fail_message(`HTTP ${status}`);                                 // retried
            else
                job.complete();
        } catch (e) {
            job.fail_message(e.message);                                            // retried
        }
    }));
    // --- end ---

    return [todos_, control, server];
}

test('http persist completes and the echo keeps the value', async () => {
    const [collection, control, server] = httpTodos();

    const transaction = collection.insert_json('{"id": "3", "title": "Over HTTP"}');
    await waitFor(() => transaction.is_finished(), control);

    assertEqual(transaction.state, State.COMPLETED);
    assertEqual(server.requests[0][0].changes, {id: '3', title: 'Over HTTP'});
    assertEqual(JSON.parse(collection.lookup('3').to_json()), {id: '3', title: 'Over HTTP'});
    assertEqual(collection.lookup('3').pending, false);
    server.server.disconnect();
});

test('http 422 rolls back with the response body', async () => {
    const [collection, control, server] = httpTodos();

    const transaction = collection.update_json('1', JSON.stringify({title: 'x'.repeat(41)}));
    let error = null;
    await transaction.wait_async(null).catch(e => (error = e));

    assertSyncobjError(error, Syncobj.Error.NON_RETRIABLE);
    assertEqual(error.message, 'Title too long');
    assertEqual(value(collection, '1').title, 'Buy milk');
    server.server.disconnect();
});

test('http 503 is retried', async () => {
    const [collection, control, server] = httpTodos();
    server.failuresLeft = 1;

    const transaction = collection.delete('2');
    await waitFor(() => transaction.get_attempts().get_n_items() === 1 &&
        transaction.get_attempts().get_item(0).get_error() !== null, control);
    assertEqual(transaction.get_attempts().get_item(0).get_error().message, 'HTTP 503');

    control.advance(LONG_ENOUGH_MS);
    await transaction.wait_async(null);

    assertEqual(transaction.state, State.COMPLETED);
    assertEqual(server.requests.length, 2);
    assertEqual(collection.lookup('2'), null);
    server.server.disconnect();
});

run();
