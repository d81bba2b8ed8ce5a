// harness.js: a minimal test runner for the GJS tests of libsyncobj
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Each tests/gjs/*.js registers tests with test(name, fn) and calls run();
// fn may be async. run() prints TAP-like lines and exits non-zero when a
// test failed. Runs against the uninstalled build (GI_TYPELIB_PATH and
// LD_LIBRARY_PATH from meson's test environment).

imports.gi.versions.Syncobj = '1.0';
imports.gi.versions.Json = '1.0';
const {GLib, Gio, Json, Syncobj} = imports.gi;
const System = imports.system;

// The Gio._promisify lines an application writes once:
Gio._promisify(Syncobj.Transaction.prototype, 'wait_async', 'wait_finish');
Gio._promisify(Syncobj.Sync.prototype, 'wait_for_keys_async', 'wait_for_keys_finish');

// Enough virtual time for any backoff of the default retry policy.
var LONG_ENOUGH_MS = 60000;

const tests = [];

function test(name, fn) {
    tests.push([name, fn]);
}

function run() {
    const loop = new GLib.MainLoop(null, false);
    let failed = 0;

    (async () => {
        for (const [name, fn] of tests) {
            try {
                await fn();
                print(`ok - ${name}`);
            } catch (e) {
                failed++;
                print(`not ok - ${name}`);
                printerr(`# ${name}: ${e}\n${e.stack ?? ''}`);
            }
            // Finalizes what the test dropped (collections stop their syncs).
            System.gc();
        }
        loop.quit();
    })();
    loop.run();
    print(`1..${tests.length}`);
    System.exit(failed > 0 ? 1 : 0);
}

function describe(value) {
    return JSON.stringify(value) ?? String(value);
}

function assert(condition, message = 'assertion failed') {
    if (!condition)
        throw new Error(message);
}

function assertEqual(actual, expected, message = '') {
    if (describe(actual) !== describe(expected))
        throw new Error(`${message ? `${message}: ` : ''}expected ${describe(expected)}, got ${describe(actual)}`);
}

function assertSyncobjError(error, code) {
    assert(error instanceof GLib.Error, `expected a GLib.Error, got ${error}`);
    assert(error.matches(Syncobj.error_quark(), code),
        `expected Syncobj.Error code ${code}, got domain ${error.domain} code ${error.code}: ${error.message}`);
    assertEqual(GLib.quark_to_string(error.domain), 'syncobj-error-quark');
}

function assertThrowsSyncobjError(fn, code) {
    let thrown = null;
    try {
        fn();
    } catch (e) {
        thrown = e;
    }
    assert(thrown !== null, 'expected an error to be thrown');
    assertSyncobjError(thrown, code);
    return thrown;
}

// Dispatches the main context until predicate() holds, for at most
// timeoutMs of real time (a bound, not a sleep).
function waitFor(predicate, control = null, timeoutMs = 5000) {
    const deadline = GLib.get_monotonic_time() + timeoutMs * 1000;
    return new Promise((resolve, reject) => {
        GLib.idle_add(GLib.PRIORITY_LOW, () => {
            if (control)
                control.run_pending();
            if (predicate()) {
                resolve();
                return GLib.SOURCE_REMOVE;
            }
            if (GLib.get_monotonic_time() > deadline) {
                reject(new Error(`condition not reached within ${timeoutMs} ms`));
                return GLib.SOURCE_REMOVE;
            }
            return GLib.SOURCE_CONTINUE;
        });
    });
}

// Resolves after ms of real time, on the main loop: how a persist function
// "waits for the network" in these tests.
function later(ms) {
    return new Promise(resolve => GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms, () => {
        resolve();
        return GLib.SOURCE_REMOVE;
    }));
}

// JSON-text helpers: everything crosses as JSON text.
function jsonObject(value) {
    return Json.from_string(JSON.stringify(value)).get_object();
}

function jsonArray(values) {
    return Json.from_string(JSON.stringify(values)).get_array();
}

function toJs(object) {
    if (object === null)
        return null;
    return JSON.parse(Json.to_string(Json.Node.alloc().init_object(object), false));
}

function value(collection, key) {
    const record = collection.lookup(key);
    return record ? JSON.parse(record.to_json()) : undefined;
}

function keys(collection) {
    const result = [];
    for (let i = 0; i < collection.get_n_items(); i++)
        result.push(collection.get_item(i).key);
    return result;
}

function recordItemsChanged(model) {
    const calls = [];
    model.connect('items-changed', (m, position, removed, added) => calls.push([position, removed, added]));
    return calls;
}

// Plays the backend of a persist function: applies the job's changes to
// the test server, whose sync echoes them back.
function echoToServer(control, job) {
    const messages = JSON.parse(job.get_changes_json()).map(change =>
        change.type === 'delete'
            ? {type: 'delete', key: change.key}
            : {type: 'insert', value: change.modified});
    control.emit_json(JSON.stringify(messages));
}

function todos(strategy = Syncobj.Strategy.ORDERED) {
    return Syncobj.test_collection_new(jsonArray([
        {id: '1', title: 'Buy milk', done: false},
        {id: '2', title: 'Walk the dog', done: true},
    ]), strategy);
}
