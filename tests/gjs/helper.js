// helper.js: the GJS helper shipped with libsyncobj (imports.syncobj)
//
// SPDX-License-Identifier: LGPL-2.1-or-later

imports.searchPath.unshift(imports.gi.GLib.path_get_dirname(imports.system.programPath));
const {
    test, run, assert, assertEqual, assertSyncobjError, assertThrowsSyncobjError, keys, toJs, value,
    waitFor, later, echoToServer, LONG_ENOUGH_MS,
} = imports.lib.harness;
const {Syncobj} = imports.syncobj;
const {Gio, GLib, GObject, Json} = imports.gi;
const Type = Syncobj.MutationType;
const State = Syncobj.TransactionState;

function assertThrowsTypeError(fn, pattern) {
    let thrown = null;
    try {
        fn();
    } catch (e) {
        thrown = e;
    }
    assert(thrown instanceof TypeError, `expected a TypeError, got ${thrown}`);
    assert(pattern.test(thrown.message), `unexpected message: ${thrown.message}`);
}

function todos() {
    return Syncobj.test_collection_new([
        {id: '1', title: 'Buy milk', done: false},
        {id: '2', title: 'Walk the dog', done: true},
    ]);
}

test('the helper patches the namespace of imports.gi', () => {
    assert(Syncobj === imports.gi.Syncobj);
});

test('a collection is iterable, in list order', () => {
    const [collection] = todos();
    collection.insert({id: '3', title: 'Water plants'});

    assertEqual([...collection].map(record => record.key), ['1', '2', '3']);
    const titles = [];
    for (const record of collection)
        titles.push(record.get_string('title'));
    assertEqual(titles, ['Buy milk', 'Walk the dog', 'Water plants']);
});

test('mutations, attempts and the registry lists are iterable', () => {
    const [collection, control] = todos();
    const transaction = collection.begin();
    transaction.update(collection, '1', {done: true});
    transaction.insert(collection, {id: '4', title: 'Call mum'});
    transaction.commit();

    assertEqual([...transaction.get_mutations()].map(m => [m.key, m.mutation_type]),
        [['1', Type.UPDATE], ['4', Type.INSERT]]);
    assertEqual([...transaction.mutations].length, 2);

    control.advance(1000);
    assertEqual(transaction.state, State.COMPLETED);
    assertEqual([...transaction.attempts].map(attempt => attempt.number), [1]);

    const registry = Syncobj.Registry.get_default();
    assert([...registry.get_collections()].includes(collection));
    assert([...registry.get_transactions()].includes(transaction));
});

test('insert and update take plain objects', () => {
    const [collection, control] = todos();

    const inserted = collection.insert({id: '3', title: 'Water plants', tags: ['home']});
    const updated = collection.update('1', {done: true});

    assertEqual(value(collection, '3'), {id: '3', title: 'Water plants', tags: ['home']});
    assertEqual(value(collection, '1'), {id: '1', title: 'Buy milk', done: true});
    control.advance(1000);
    assertEqual([inserted.state, updated.state], [State.COMPLETED, State.COMPLETED]);
    // A Json.Object still works.
    collection.update('2', Json.from_string('{"done": false}').get_object());
    assertEqual(value(collection, '2').done, false);
});

test('sync.write takes a plain object', () => {
    const sync = Syncobj.Sync.new('gjs-helper-sync');
    const collection = Syncobj.Collection.new('gjs-helper', sync, null);

    sync.begin();
    sync.write(Type.INSERT, {id: 'q'});
    sync.write(Type.INSERT, {id: 'r', title: 'From the server'});
    sync.commit();
    sync.mark_ready();

    assertEqual(keys(collection), ['q', 'r']);
    assertEqual(value(collection, 'r'), {id: 'r', title: 'From the server'});
});

test('emit_update and metadata take plain objects', () => {
    const [collection, control] = todos();
    control.emit_update({id: '2', title: 'Walk the cat', done: true});
    assertEqual(value(collection, '2').title, 'Walk the cat');

    const transaction = collection.begin();
    transaction.set_metadata({reason: 'test'});
    transaction.update(collection, '1', {done: true});
    const mutation = transaction.get_mutations().get_item(0);
    mutation.set_metadata({origin: 'helper'});
    transaction.commit();

    assertEqual(toJs(transaction.get_metadata()), {reason: 'test'});
    assertEqual(JSON.parse(mutation.to_json()).metadata, {origin: 'helper'});
});

test('what is not a plain object is a TypeError and changes nothing', () => {
    const [collection, control] = todos();

    assertThrowsTypeError(() => collection.insert(['not', 'a', 'record']), /must be a plain object.*not an array/);
    assertThrowsTypeError(() => collection.insert('{"id": "5"}'), /must be a plain object.*not string/);
    assertThrowsTypeError(() => collection.update('1', {count: NaN}), /count \(NaN\) is not representable as JSON/);

    assertEqual(keys(collection), ['1', '2']);
    assertEqual(value(collection, '1'), {id: '1', title: 'Buy milk', done: false});
    assertEqual(control.get_persist_count(), 0);
    // The library's own errors still come through.
    assertThrowsSyncobjError(() => collection.insert({id: '1'}), Syncobj.Error.KEY_EXISTS);
});

test('a merge function may return a plain object', () => {
    const [counters] = Syncobj.test_collection_new([{id: 'likes', count: 10}], Syncobj.Strategy.PARALLEL);
    counters.set_merge_func((collection, key, synced, mutations) => {
        let count = synced.get_int_member('count');
        for (const mutation of mutations)
            count += mutation.get_changes().get_int_member('add');
        return {id: key, count};
    });

    counters.update('likes', {add: 2});
    counters.update('likes', {add: 3});

    assertEqual(value(counters, 'likes'), {id: 'likes', count: 15});
});

test('a merge function of the wrong arity is refused when set', () => {
    const [counters] = Syncobj.test_collection_new([{id: 'likes', count: 10}], Syncobj.Strategy.PARALLEL);

    assertThrowsTypeError(() => counters.set_merge_func((synced, pending) => synced),
        /takes 2 arguments.*func\(collection, key, synced, mutations\)/);

    counters.update('likes', {count: 11});
    assertEqual(value(counters, 'likes').count, 11);
});

test('a merge function that throws shows the default composition', () => {
    const [counters] = Syncobj.test_collection_new([{id: 'likes', count: 10}], Syncobj.Strategy.PARALLEL);
    counters.set_merge_func((collection, key, synced, mutations) => synced.no_such_method());

    counters.update('likes', {count: 11});

    // Not hidden: the update over the synced value, as without a function.
    assertEqual(value(counters, 'likes'), {id: 'likes', count: 11});
});

test('a conflict function that throws rebases the change', async () => {
    const server = {id: 'a', likes: 5, title: 'theirs', version: 2};
    const [collection, control] = Syncobj.test_collection_new(
        [{id: 'a', likes: 0, title: 'mine', version: 1}], Syncobj.Strategy.ORDERED);
    collection.version_member = 'version';
    collection.set_mutator(Syncobj.FuncMutator.new(job => {
        const [change] = JSON.parse(job.get_changes_json());
        if (change.original.version !== server.version) {
            job.conflict(change.key, server);
            return;
        }
        Object.assign(server, change.modified, {version: server.version + 1});
        job.complete();
    }));
    collection.set_conflict_func((c, key, local, remote) => local.no_such_method());

    const transaction = collection.update('a', {title: 'ours'});
    await waitFor(() => transaction.is_finished(), control);

    assertEqual(transaction.state, State.COMPLETED);
    assertEqual(server, {id: 'a', likes: 5, title: 'ours', version: 3});
});

test('JSON.stringify of a record gives its visible value', () => {
    const [collection] = todos();
    collection.update('1', {done: true});

    assertEqual(JSON.parse(JSON.stringify(collection.lookup('1'))), {id: '1', title: 'Buy milk', done: true});
    assertEqual(JSON.parse(JSON.stringify([...collection])).length, 2);
});

test('JSON.stringify of a Json value, a mutation or a transaction gives its JSON', () => {
    const [collection] = todos();
    const record = collection.lookup('1');
    const transaction = collection.update('1', {done: true});
    const [mutation] = transaction.get_mutations();

    // Boxed Json values have no members of their own: {} without toJSON.
    assertEqual(JSON.parse(JSON.stringify(record.value)), {id: '1', title: 'Buy milk', done: true});
    assertEqual(JSON.parse(JSON.stringify(record.synced_value)), {id: '1', title: 'Buy milk', done: false});
    assertEqual(JSON.parse(JSON.stringify(mutation.changes)), {done: true});
    assertEqual(JSON.parse(JSON.stringify({changes: mutation.get_changes()})), {changes: {done: true}});
    assertEqual(JSON.parse(JSON.stringify(Json.from_string('[1, "a", null]'))), [1, 'a', null]);
    assertEqual(JSON.parse(JSON.stringify(Json.from_string('[1]').get_array())), [1]);
    assertEqual(JSON.stringify(Json.Node.new(Json.NodeType.NULL)), 'null');

    const described = JSON.parse(JSON.stringify(mutation));
    assertEqual([described.key, described.type, described.changes], ['1', 'update', {done: true}]);
    const whole = JSON.parse(JSON.stringify(transaction));
    assertEqual([whole.id, whole.mutations.length], [transaction.id, 1]);
});

test('a persist function that throws or rejects fails the attempt, which is retried', async () => {
    const [collection, control] = todos();
    let calls = 0;
    collection.set_mutator(Syncobj.FuncMutator.new(async job => {
        calls++;
        await later(1);
        if (calls === 1)
            throw new Error('connection reset');    // no try/catch: a rejected promise
        echoToServer(control, job);
        job.complete();
    }));

    const transaction = collection.update('1', {done: true});
    await waitFor(() => transaction.get_attempts().get_n_items() === 1 &&
        transaction.get_attempts().get_item(0).get_error() !== null, control);
    const error = transaction.get_attempts().get_item(0).get_error();
    assertSyncobjError(error, Syncobj.Error.FAILED);
    assertEqual(error.message, 'Error: connection reset');
    assertEqual(value(collection, '1').done, true);     // nothing rolled back
    control.advance(LONG_ENOUGH_MS);
    await transaction.wait_async(null);
    assertEqual(calls, 2);
    assertEqual(value(collection, '1').done, true);
});

test('a persist function that throws a GLib.Error fails the attempt with it', async () => {
    const [collection] = todos();
    collection.set_mutator(Syncobj.FuncMutator.new(job => {
        throw new GLib.Error(Syncobj.error_quark(), Syncobj.Error.NON_RETRIABLE, `refused ${job.get_attempt()}`);
    }));

    const transaction = collection.update('1', {title: ''});
    let error = null;
    await transaction.wait_async(null).catch(e => (error = e));
    assertSyncobjError(error, Syncobj.Error.NON_RETRIABLE);
    assertEqual(error.message, 'refused 1');
    assertEqual(value(collection, '1').title, 'Buy milk');
});

test('job.fail takes any error a catch gets', async () => {
    const [collection, control] = todos();
    const jobs = [];
    collection.set_mutator(Syncobj.FuncMutator.new(job => {
        jobs.push(job);
    }));

    const transaction = collection.update('1', {done: true});
    await waitFor(() => jobs.length === 1, control);
    jobs[0].fail(new Error('socket hang up'));
    await waitFor(() => transaction.get_attempts().get_item(0).get_error() !== null, control);
    const error = transaction.get_attempts().get_item(0).get_error();
    assertSyncobjError(error, Syncobj.Error.FAILED);
    assertEqual(error.message, 'Error: socket hang up');

    control.advance(LONG_ENOUGH_MS);
    await waitFor(() => jobs.length === 2, control);
    jobs[1].fail(new GLib.Error(Syncobj.error_quark(), Syncobj.Error.NON_RETRIABLE, 'refused'));
    let failure = null;
    await transaction.wait_async(null).catch(e => (failure = e));
    assertSyncobjError(failure, Syncobj.Error.NON_RETRIABLE);
    assertEqual(value(collection, '1').done, false);
});

test('a classify function of the wrong arity is refused, and what it throws retries', () => {
    const policy = Syncobj.RetryPolicy.new();
    const busy = new GLib.Error(Syncobj.error_quark(), Syncobj.Error.FAILED, 'Server busy');
    const quota = new GLib.Error(Syncobj.error_quark(), Syncobj.Error.FAILED, 'quota exceeded');

    assertThrowsTypeError(() => policy.set_classify_func((p, error) => true), /takes 2 arguments; it is called as func\(error\)/);
    policy.set_classify_func(error => !error.message.includes('quota'));
    assertEqual([policy.is_retriable(busy), policy.is_retriable(quota)], [true, false]);

    // A bug in the function never throws the user's change away.
    policy.set_classify_func(error => error.no.such.member);
    assertEqual(policy.is_retriable(quota), true);
    policy.set_classify_func(null);
    assertEqual(policy.is_retriable(quota), true);
});

test('every call that takes a key also takes the integer a record holds', async () => {
    const [collection, control] = Syncobj.test_collection_new([{id: 7, title: 'From json-server'}, {id: 8}]);
    const record = JSON.parse(JSON.stringify(collection.lookup('7')));

    assertEqual(collection.lookup(record.id).key, '7');
    assert(collection.contains(7) && collection.lookup_value(7) !== null);
    collection.update(record.id, {done: true});
    collection.update_json(7, '{"title": "Renamed"}');
    assertEqual(value(collection, '7'), {id: 7, title: 'Renamed', done: true});

    const transaction = collection.begin();
    transaction.update(collection, 8, {n: 1});
    transaction.delete(collection, 7);
    transaction.commit();
    assertEqual(keys(collection), ['8']);
    control.emit_delete(8);
    assertEqual(keys(collection), []);

    assertThrowsTypeError(() => collection.lookup(1.5), /key 1\.5 is not an integer JavaScript holds exactly/);
    assertThrowsTypeError(() => collection.delete(2 ** 60), /not an integer JavaScript holds exactly/);
});

test('a loop over a collection may write to it', () => {
    // "Delete the done ones": counting positions skipped the record after
    // each one deleted.
    const [collection] = Syncobj.test_collection_new(
        [0, 1, 2, 3, 4, 5].map(i => ({id: String(i), done: i % 3 !== 2})));
    for (const record of collection) {
        if (record.get_boolean('done'))
            collection.delete(record.key);
    }
    assertEqual(keys(collection), ['2', '5']);

    // Updates in place and inserts: each record of the start once, and
    // none of those the loop added.
    const seen = [];
    for (const record of collection) {
        seen.push(record.key);
        if (seen.length > 4)
            break;          // would visit what it inserts, for ever
        collection.update(record.key, {seen: true});
        collection.insert({id: `copy-${record.key}`});
    }
    assertEqual(seen, ['2', '5']);
    assertEqual(keys(collection), ['2', '5', 'copy-2', 'copy-5']);

    // A loop left early stops watching the collection.
    const signalId = GObject.signal_lookup('items-changed', Syncobj.Collection);
    for (const record of collection) {
        assert(GObject.signal_has_handler_pending(collection, signalId, 0, false));
        break;
    }
    assert(!GObject.signal_has_handler_pending(collection, signalId, 0, false));
});

test('a start with properties checks its arrays before calling', async () => {
    const start = Syncobj.Collection.new_with_properties_async;
    const store = Syncobj.Store.new_in_memory();

    // Arrays of different lengths: the C call would read past the shorter.
    let thrown = null;
    try {
        start(['id'], ['gjs-props', store], null, () => {});
    } catch (e) {
        thrown = e;
    }
    assert(thrown instanceof RangeError && /1 property names but 2 values/.test(thrown.message), `${thrown}`);
    assertThrowsTypeError(() => start(['id', 'keysource'], ['gjs-props', 1], null, () => {}),
        /Syncobj.Collection has no property "keysource"/);
    assertEqual(Syncobj.Registry.get_default().lookup_collection('gjs-props'), null);

    const collection = await new Promise(resolve => start(['id', 'key_source', 'store'],
        ['gjs-props', Syncobj.KeySource.SERVER, store], null,
        (_, result) => resolve(Syncobj.Collection.new_with_properties_finish(result))));
    assertEqual(collection.key_source, Syncobj.KeySource.SERVER);
    collection.run_dispose();
});

test('views and joins are iterable, and follow the collection', () => {
    const [collection] = todos();
    collection.insert({id: '3', title: 'Água', done: false});
    const open = collection.view_json('{"where": {"member": "done", "op": "=", "value": false}, "order_by": ["title"]}');

    assertEqual([...open].map(record => record.key), ['1', '3']);
    collection.update('1', {done: true});
    const titles = [];
    for (const record of open)
        titles.push(record.get_string('title'));
    assertEqual(titles, ['Água']);

    const [lists] = Syncobj.test_collection_new([{id: 'home', title: 'Home'}]);
    collection.update('3', {list_id: 'home'});
    const join = Syncobj.Join.new(open, 'list_id', lists);
    assertEqual([...join].map(row => [row.record.key, row.joined?.key ?? null]), [['3', 'home']]);
});

test('a view description and a condition value may be plain', () => {
    const [collection] = todos();
    collection.insert({id: '3', title: 'Água', done: false});

    const open = collection.view_json({where: {member: 'done', op: '=', value: false}, order_by: ['-title']});
    assertEqual([...open].map(record => record.key), ['3', '1']);
    const first = Syncobj.View.new_from_json(open, {order_by: ['title'], limit: 1});
    assertEqual([...first].map(record => record.key), ['1']);
    const some = Syncobj.View.new(collection, Syncobj.Condition.new('id', Syncobj.ConditionOp.IN, ['2', '3']), ['title']);
    assertEqual([...some].map(record => record.key), ['2', '3']);   // 'W' < 'Á' by code point
    const all = Syncobj.View.new(collection, Syncobj.Condition.new('done', Syncobj.ConditionOp.EXISTS), null);
    assertEqual(all.get_n_items(), 3);
    // The JSON text and a Json.Node still work.
    assertEqual(collection.view_json('{"limit": 2}').get_n_items(), 2);
    const done = Syncobj.Condition.new('done', Syncobj.ConditionOp.EQ, Json.from_string('true'));
    assertEqual([...Syncobj.View.new(collection, done, null)].map(record => record.key), ['2']);

    // "where" may be a function of the record, as in Python.
    const walks = collection.view_json({where: record => record.get_string('title').startsWith('W'),
        order_by: ['title']});
    assertEqual([...walks].map(record => record.key), ['2']);
    collection.insert({id: '4', title: 'Wash up', done: false});
    assertEqual([...walks].map(record => record.key), ['2', '4']);

    assertThrowsTypeError(() => collection.view_json(['done']), /JSON text or a plain object, not an array/);
    assertThrowsTypeError(() => collection.view_json({order_by: () => 'title'}),
        /order_by of the view description is a function/);
    assertThrowsTypeError(() => Syncobj.Condition.new('n', Syncobj.ConditionOp.EQ, NaN), /NaN\) is not representable/);
    // The library's own errors still come through.
    assertThrowsSyncobjError(() => collection.view_json({limit: -1}), Syncobj.Error.INVALID_VIEW);
});

test('a condition takes null and plain objects as Python does', () => {
    const [collection] = todos();
    collection.insert({id: '3', title: 'No date', due: null});
    const keysOf = view => [...view].map(record => record.key);
    const Op = Syncobj.ConditionOp;

    // null is JSON null; for EXISTS and IS_NULL it is no value.
    assertEqual(keysOf(Syncobj.View.new(collection, Syncobj.Condition.new('due', Op.EQ, null), null)), ['3']);
    assertEqual(keysOf(Syncobj.View.new(collection, Syncobj.Condition.new('due', Op.IS_NULL, null), null)), ['3']);
    assertEqual(keysOf(Syncobj.View.new(collection, Syncobj.Condition.new('done', Op.EXISTS, null), null)), ['1', '2']);

    const open = Syncobj.Condition.new_from_json({member: 'done', op: '=', value: false});
    assertEqual(keysOf(Syncobj.View.new(collection, open, null)), ['1']);
    assert(open.matches({done: false}));
    assert(!open.matches({done: true}));
    assert(open.matches(collection.lookup('1')), 'a record is judged by its visible value');
    assert(!open.matches(null));
    assertThrowsTypeError(() => Syncobj.Condition.new_from_json(['done']), /JSON text or a plain object, not an array/);
    assertThrowsTypeError(() => open.matches('done'), /plain object/);
});

test('a filter function that throws leaves the record out', () => {
    const [collection] = todos();
    collection.insert({id: '3', title: 'No date'});
    const view = collection.view_json({order_by: ['title']});
    // record.get_string('due') is null for a record without it: .length throws.
    view.set_filter_func(record => record.key === '3' || record.get_string('title').length > 0);
    assertEqual([...view].map(record => record.key), ['1', '3', '2']);
    view.set_filter_func(record => record.get_string('due').length > 0);
    assertEqual(view.get_n_items(), 0);
    const late = collection.view_json({where: record => record.get_string('due').startsWith('2020')});
    assertEqual(late.get_n_items(), 0);
    collection.update('1', {due: '2020-01-01'});
    assertEqual([...late].map(record => record.key), ['1']);
    assertThrowsTypeError(() => view.set_filter_func('done'), /must be a function/);
    assertThrowsTypeError(() => collection.view_json({where: {and: [() => true]}}),
        /item 0 of an array of the view description is a function; only "where" itself/);
    view.set_filter_func(null);
    assertEqual(view.get_n_items(), 3);
});

test('a view of another list model is an error, not a critical', () => {
    const [collection] = todos();
    const join = Syncobj.Join.new(collection, 'list_id', collection);
    const store = new Gio.ListStore({item_type: Syncobj.Record});

    assertThrowsTypeError(() => Syncobj.View.new(store, null, ['title']), /a view shows a collection or a view, not/);
    assertThrowsTypeError(() => Syncobj.View.new(join, null, null), /not Syncobj_Join/);
    let error = assertThrowsSyncobjError(() => Syncobj.View.new_from_json(join, {order_by: ['title']}),
        Syncobj.Error.INVALID_VIEW);
    assert(error.message.includes('SyncobjJoin'), error.message);
    error = assertThrowsSyncobjError(() => Syncobj.Join.new(store, 'list_id', collection), Syncobj.Error.INVALID_VIEW);
    assert(error.message.includes('GListStore'), error.message);
});

test('a CouchDB selector may be a plain object', () => {
    if (Syncobj.CouchSync === undefined)
        return;
    const sync = Syncobj.CouchSync.new('helper-selector', 'http://127.0.0.1:1/notes');
    sync.selector = {type: 'note', done: {$ne: true}};
    assertEqual(JSON.parse(sync.selector), {type: 'note', done: {$ne: true}});
    sync.set_selector({type: 'task'});
    assertEqual(JSON.parse(sync.get_selector()), {type: 'task'});
    sync.selector = '{"type": "note"}';   // JSON text still works
    assertEqual(JSON.parse(sync.selector), {type: 'note'});
    sync.selector = null;
    assertEqual(sync.selector, null);
});

test('Syncobj.View.new takes its condition and sort as optional', () => {
    const [collection] = todos();
    assertEqual([...Syncobj.View.new(collection)].map(record => record.key), ['1', '2']);
    assertEqual([...Syncobj.View.new(collection, undefined, ['-title'])].map(record => record.key), ['2', '1']);
});

test('job.set_created takes the server record as a plain object', async () => {
    const collection = new Syncobj.Collection({id: 'helper-server-keyed', key_source: Syncobj.KeySource.SERVER});
    collection.set_mutator(Syncobj.FuncMutator.new(job => {
        for (const mutation of job.get_transaction().get_mutations())
            job.set_created(mutation, {...toJs(mutation.changes), id: 5});
        job.complete();
    }));

    const transaction = collection.insert({title: 'Groceries'});
    await waitFor(() => transaction.is_finished());
    assertEqual(transaction.state, State.COMPLETED);
    assertEqual(value(collection, '5'), {id: 5, title: 'Groceries'});
});

run();
