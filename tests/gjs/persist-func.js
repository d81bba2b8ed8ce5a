// persist-func.js: persist functions written as async arrow functions
//
// SPDX-License-Identifier: LGPL-2.1-or-later

imports.searchPath.unshift(imports.gi.GLib.path_get_dirname(imports.system.programPath));
const {
    test, run, assert, assertEqual, assertSyncobjError,
    waitFor, later, value, todos, echoToServer, LONG_ENOUGH_MS,
} = imports.lib.harness;
const {GLib, Syncobj} = imports.gi;
const State = Syncobj.TransactionState;

test('async persist function completes later', async () => {
    const [collection, control] = todos();
    const received = [];
    collection.set_mutator(Syncobj.FuncMutator.new(async job => {
        received.push(JSON.parse(job.get_changes_json()));
        await later(1);                 // the network round trip
        echoToServer(control, job);
        job.complete();
    }));

    const transaction = collection.insert_json('{"id": "3", "title": "Water plants"}');
    assertEqual(transaction.state, State.PENDING);
    await transaction.wait_async(null);

    assertEqual(transaction.state, State.COMPLETED);
    assertEqual(received.length, 1);
    assertEqual(received[0][0].type, 'insert');
    assertEqual(received[0][0].key, '3');
    assertEqual(received[0][0].changes, {id: '3', title: 'Water plants'});
    assertEqual(value(collection, '3'), {id: '3', title: 'Water plants'});
    assertEqual(collection.lookup('3').pending, false);
});

test('async persist function failing for good rolls back', async () => {
    const [collection] = todos();
    collection.set_mutator(Syncobj.FuncMutator.new(async job => {
        await later(1);
        job.fail_non_retriable('Title is too short');
    }));

    const transaction = collection.update_json('1', '{"title": "x"}');
    assertEqual(value(collection, '1').title, 'x');
    let error = null;
    try {
        await transaction.wait_async(null);
    } catch (e) {
        error = e;
    }

    assertSyncobjError(error, Syncobj.Error.NON_RETRIABLE);
    assertEqual(error.message, 'Title is too short');
    assertEqual(transaction.state, State.FAILED);
    assertEqual(value(collection, '1').title, 'Buy milk');
});

test('async persist function is retried on the virtual clock', async () => {
    const [collection, control] = todos();
    const attempts = [];
    collection.set_mutator(Syncobj.FuncMutator.new(async job => {
        attempts.push(job.get_attempt());
        await later(1);
        if (job.get_attempt() < 3) {
            job.fail_message('Server busy');
        } else {
            echoToServer(control, job);
            job.complete();
        }
    }));

    const transaction = collection.insert_json('{"id": "3", "title": "Eventually"}');
    await waitFor(() => transaction.get_attempts().get_n_items() === 1 &&
        transaction.get_attempts().get_item(0).get_error() !== null, control);
    assertEqual(transaction.state, State.PERSISTING);
    assertSyncobjError(transaction.get_attempts().get_item(0).get_error(), Syncobj.Error.FAILED);

    // Each retry waits for the virtual clock; the answer for real time.
    while (!transaction.is_finished()) {
        control.advance(LONG_ENOUGH_MS);
        await waitFor(() => transaction.is_finished() ||
            transaction.get_attempts().get_item(transaction.get_attempts().get_n_items() - 1)
                .get_completed_at() !== null, control);
    }

    assertEqual(attempts, [1, 2, 3]);
    assertEqual(transaction.state, State.COMPLETED);
    assertEqual(value(collection, '3').title, 'Eventually');
});

test('async persist function fails with its own error', async () => {
    const [collection] = todos();
    const quark = GLib.quark_from_string('todo-api-error');
    collection.get_retry_policy().max_attempts = 1;
    collection.set_mutator(Syncobj.FuncMutator.new(async job => {
        await later(1);
        job.fail(new GLib.Error(quark, 418, 'Teapot'));
    }));

    const transaction = collection.insert_json('{"id": "3", "title": "Tea"}');
    let error = null;
    await transaction.wait_async(null).catch(e => (error = e));

    assert(error !== null && error.matches(quark, 418), `${error}`);
    assertEqual(transaction.state, State.FAILED);
    assertEqual(collection.lookup('3'), null);
});

test('async persist function with a try/catch turns a throw into a retriable failure', async () => {
    const [collection, control] = todos();
    let calls = 0;
    collection.set_mutator(Syncobj.FuncMutator.new(async job => {
        try {
            calls++;
            await later(1);
            if (calls === 1)
                throw new Error('connection reset');
            echoToServer(control, job);
            job.complete();
        } catch (e) {
            job.fail_message(e.message);
        }
    }));

    const transaction = collection.insert_json('{"id": "3", "title": "Survives"}');
    await waitFor(() => transaction.get_attempts().get_n_items() === 1 &&
        transaction.get_attempts().get_item(0).get_error() !== null, control);
    assertEqual(transaction.get_attempts().get_item(0).get_error().message, 'connection reset');
    control.advance(LONG_ENOUGH_MS);
    await transaction.wait_async(null);

    assertEqual(calls, 2);
    assertEqual(value(collection, '3').title, 'Survives');
});

run();
