// syncobj.js: the GJS helper of libsyncobj
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Makes libsyncobj feel like JavaScript:
//  - collections, the registry's lists and a transaction's mutations and
//    attempts are iterable (for...of, spread), and so are views and joins;
//    a loop may write to the collection it walks (each record it held when
//    the loop began and still holds is visited once, none it adds);
//  - writes, sync updates and metadata take plain objects as well as
//    Json.Object (insert, update, Sync.write, SyncControl.emit_update,
//    Transaction.insert/update/set_metadata), and test collections take a
//    plain array of records;
//  - what a persist function throws, or its promise rejects with, fails
//    the attempt (a GLib.Error as is, anything else as a retriable
//    failure) instead of leaving the transaction waiting, and so does
//    PersistJob.fail() with any error a catch gets;
//  - a classify function of the wrong arity is refused when set, and what
//    it throws retries the error;
//  - every call that takes a key also takes the integer a record holds
//    (json-server's ids): collection.update(7, …) is update('7', …);
//  - a merge or conflict function may return a plain object, and
//    PersistJob.conflict takes the current record as a plain object;
//  - a view's description may be a plain object (Collection.view_json,
//    View.new_from_json), whose "where" may be a function of the record,
//    a condition's value a plain value (Condition.new), a condition a
//    plain object (Condition.new_from_json), and Condition.matches judges
//    a plain object or a record;
//  - what a view's filter function throws is printed and leaves the
//    record out;
//  - a CouchDB sync's selector may be a plain object;
//  - JSON.stringify(record) gives the record's visible value, of a mutation
//    or a transaction what its to_json() gives, and of a Json.Object,
//    Json.Array or Json.Node (record.value, mutation.changes) its JSON.
//
// Installed in $datadir/gjs-1.0, which is on GJS's search path:
//
//     imports.gi.versions.Syncobj = '1.0';
//     const Syncobj = imports.syncobj.Syncobj;   // the patched namespace
//
// (in an ES module, `imports.syncobj` works the same). Importing it patches
// the Syncobj classes of the process once; it does nothing else.

imports.gi.versions.Syncobj = '1.0';
imports.gi.versions.Json = '1.0';
const {Gio, GLib, GObject, Json} = imports.gi;
var Syncobj = imports.gi.Syncobj;

var VERSION = '0.2';

// -- plain values <-> Json ------------------------------------------------

function _replacer(member, value) {
    if (typeof value === 'number' && !Number.isFinite(value))
        throw new TypeError(`${member || 'the value'} (${value}) is not representable as JSON`);
    return value;
}

// A Json.Object from a plain object (a Json.Object as is; null and
// undefined give null). Throws TypeError for anything else.
function toJsonObject(value, what = 'the record') {
    if (value === null || value === undefined || value instanceof Json.Object)
        return value ?? null;
    if (typeof value !== 'object' || Array.isArray(value))
        throw new TypeError(`${what} must be a plain object or a Json.Object, not ${Array.isArray(value) ? 'an array' : typeof value}`);
    return Json.from_string(JSON.stringify(value, _replacer)).get_object();
}

// A Json.Array from an array of plain objects (a Json.Array as is).
function toJsonArray(values, what = 'the records') {
    if (values === null || values === undefined || values instanceof Json.Array)
        return values ?? null;
    if (!Array.isArray(values))
        throw new TypeError(`${what} must be an array or a Json.Array, not ${typeof values}`);
    for (const value of values) {
        if (value === null || typeof value !== 'object' || Array.isArray(value))
            throw new TypeError(`${what} must be plain objects`);
    }
    return Json.from_string(JSON.stringify(values, _replacer)).get_array();
}

// A plain value from a Json.Object, Json.Array or Json.Node (null stays null).
function toJs(value) {
    if (value === null || value === undefined)
        return null;
    let node = value;
    if (value instanceof Json.Object)
        node = Json.Node.alloc().init_object(value);
    else if (value instanceof Json.Array)
        node = Json.Node.alloc().init_array(value);
    return JSON.parse(Json.to_string(node, false));
}

// A record's key from a string, or from an integer as the server's integer
// ids are (json-server, SERIAL columns): the key of {id: 7} is '7'.
function toKey(key) {
    if (typeof key === 'bigint')
        return String(key);
    if (typeof key === 'number') {
        if (!Number.isSafeInteger(key))
            throw new TypeError(`the key ${key} is not an integer JavaScript holds exactly; keys are strings or integers`);
        return String(key);
    }
    return key;
}

// JSON text, from the text or a plain object (what names it in the error).
function toJsonText(value, what, replacer = _replacer) {
    if (typeof value === 'string')
        return value;
    if (value === null || typeof value !== 'object' || Array.isArray(value))
        throw new TypeError(`${what} must be JSON text or a plain object, not ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`);
    return JSON.stringify(value, replacer);
}

// A view description as JSON text, from the text or a plain object.
function toViewJson(description) {
    // JSON.stringify would drop a function silently.
    return toJsonText(description, 'the view description', (member, value) => {
        if (typeof value === 'function') {
            // In an array ("and": [f]) the member is the index.
            const where = /^[0-9]+$/.test(member) ? `item ${member} of an array` : member;
            throw new TypeError(`${where} of the view description is a function; only "where" itself may be one`);
        }
        return _replacer(member, value);
    });
}

// Makes a view with make(json) from a description whose "where" may be a
// function of the record: the view's filter function, as in Python.
function _makeView(make, description) {
    if (description !== null && typeof description === 'object' && typeof description.where === 'function') {
        const {where, ...rest} = description;
        const view = make(toViewJson(rest));
        view.set_filter_func(where);
        return view;
    }
    return make(toViewJson(description));
}

// A Json.Node from a plain value (a Json.Node as is; undefined gives null,
// for the operators that take no value; null gives JSON null).
function toJsonNode(value, what = 'the value') {
    if (value === undefined || value instanceof Json.Node)
        return value ?? null;
    const text = JSON.stringify(value, (member, v) => _replacer(member || what, v));
    if (text === undefined)
        throw new TypeError(`${what} (${typeof value}) is not representable as JSON`);
    return Json.from_string(text);
}

// -- persist functions ----------------------------------------------------

// Runs func(job). What it throws, or what the promise of an async function
// rejects with, fails the job (a GLib.Error as is, anything else as a
// retriable failure with its text, the stack printed) instead of leaving
// the transaction waiting until the garbage collector drops the job.
function _wrapPersistFunc(func) {
    const fail = (job, e) => {
        if (!(e instanceof GLib.Error))
            printerr(`libsyncobj: the persist function threw: ${e}\n${e?.stack ?? ''}`);
        if (!job.get_finished())
            job.fail(e);
    };
    return job => {
        let result;
        try {
            result = func(job);
        } catch (e) {
            fail(job, e);
            return;
        }
        if (result !== null && typeof result?.then === 'function')
            result.then(null, e => fail(job, e));
    };
}

// -- iteration ------------------------------------------------------------

// Where the item at index is after items-changed(position, removed,
// added); an index inside the removed run goes to the end of the added one.
function _shift(index, position, removed, added) {
    if (position >= index)
        return index;
    if (position + removed <= index)
        return index + added - removed;
    return position + added;
}

// The items of a live list model that a loop may change, as in Python: a
// loop that deletes, updates or inserts records still visits each of the
// items the model held when it began (and still holds) once, in order,
// and none that it adds. (Counting positions alone would skip the record
// after each one deleted, and visit every one inserted.)
function* _listModelItems() {
    let next = 0;
    let end = this.get_n_items();
    const handler = this.connect('items-changed', (model, position, removed, added) => {
        next = _shift(next, position, removed, added);
        end = _shift(end, position, removed, added);
    });
    try {
        while (next < Math.min(end, this.get_n_items()))
            yield this.get_item(next++);
    } finally {
        this.disconnect(handler);
    }
}

function _makeIterable(prototype) {
    if (!(Symbol.iterator in prototype))
        prototype[Symbol.iterator] = _listModelItems;
}

// -- patching -------------------------------------------------------------

// Replaces prototype[name] with wrap(original), once.
function _wrap(prototype, name, wrap) {
    const original = prototype[name];
    if (original._syncobjWrapped)
        return;
    const wrapped = wrap(original);
    wrapped._syncobjWrapped = true;
    prototype[name] = wrapped;
}

function _patch() {
    const registry = Syncobj.Registry.get_default();

    // Collections; the registry's lists and a transaction's mutations are
    // one private list type each, reached through the registry.
    _makeIterable(Syncobj.Collection.prototype);
    // Views (records) and joins (rows) are list models a script walks too.
    _makeIterable(Syncobj.View.prototype);
    _makeIterable(Syncobj.Join.prototype);
    _makeIterable(Object.getPrototypeOf(registry.get_collections()));
    _makeIterable(Object.getPrototypeOf(registry.get_transactions()));
    // A transaction's attempts are a Gio.ListStore.
    _makeIterable(Gio.ListStore.prototype);

    _wrap(Syncobj.Collection.prototype, 'insert', insert => function (value) {
        return insert.call(this, toJsonObject(value));
    });
    _wrap(Syncobj.Collection.prototype, 'update', update => function (key, changes) {
        return update.call(this, toKey(key), toJsonObject(changes, 'the changes'));
    });
    // Every call that takes a key also takes the integer a record holds.
    for (const name of ['contains', 'delete', 'lookup', 'lookup_value', 'update_json']) {
        _wrap(Syncobj.Collection.prototype, name, original => function (key, ...rest) {
            return original.call(this, toKey(key), ...rest);
        });
    }
    _wrap(Syncobj.Transaction.prototype, 'delete', del => function (collection, key) {
        return del.call(this, collection, toKey(key));
    });
    _wrap(Syncobj.SyncControl.prototype, 'emit_delete', emitDelete => function (key) {
        return emitDelete.call(this, toKey(key));
    });
    _wrap(Syncobj.Sync.prototype, 'wait_for_keys_async', waitForKeys => function (keys, ...rest) {
        return waitForKeys.call(this, Array.isArray(keys) ? keys.map(toKey) : keys, ...rest);
    });
    _wrap(Syncobj.Collection.prototype, 'set_merge_func', setMergeFunc => function (func) {
        if (func === null || func === undefined)
            return setMergeFunc.call(this, null);
        if (typeof func !== 'function')
            throw new TypeError('the merge function must be a function');
        // A function of fewer declared arguments would silently get the
        // collection as its "synced" value (func.length is 0 with ...args).
        if (func.length !== 0 && func.length !== 4)
            throw new TypeError(`the merge function takes ${func.length} arguments; it is called as func(collection, key, synced, mutations)`);
        // What it throws is printed and the record shows the default
        // composition: a bug in it must not hide what the user typed.
        return setMergeFunc.call(this, (collection, key, synced, mutations) => {
            try {
                return toJsonObject(func(collection, key, synced, mutations), 'the merged value');
            } catch (e) {
                printerr(`libsyncobj: the merge function threw: ${e}\n${e?.stack ?? ''}`);
                return collection.compose_default(synced, mutations);
            }
        });
    });

    // A classify function is called as func(error). What it throws is
    // printed and the error retried, as without a function: a bug in it
    // must not throw a change away (GJS would return false: roll back).
    _wrap(Syncobj.RetryPolicy.prototype, 'set_classify_func', setClassifyFunc => function (func) {
        if (func === null || func === undefined)
            return setClassifyFunc.call(this, null);
        if (typeof func !== 'function')
            throw new TypeError('the classify function must be a function');
        if (func.length > 1)
            throw new TypeError(`the classify function takes ${func.length} arguments; it is called as func(error)`);
        return setClassifyFunc.call(this, error => {
            try {
                return Boolean(func(error));
            } catch (e) {
                printerr(`libsyncobj: the classify function threw: ${e}\n${e?.stack ?? ''}`);
                return true;
            }
        });
    });

    _wrap(Syncobj.Collection.prototype, 'set_conflict_func', setConflictFunc => function (func) {
        if (func === null || func === undefined)
            return setConflictFunc.call(this, null);
        if (typeof func !== 'function')
            throw new TypeError('the conflict function must be a function');
        if (func.length !== 0 && func.length !== 4)
            throw new TypeError(`the conflict function takes ${func.length} arguments; it is called as func(collection, key, local, server)`);
        // What it throws is printed and the conflict resolved as REBASE
        // does: a bug in it must not give the user's change up.
        return setConflictFunc.call(this, (collection, key, local, server) => {
            try {
                return toJsonObject(func(collection, key, local, server), 'the resolved value');
            } catch (e) {
                printerr(`libsyncobj: the conflict function threw: ${e}\n${e?.stack ?? ''}`);
                collection.resolve_conflict_with(Syncobj.ConflictPolicy.REBASE);
                return null;
            }
        });
    });
    // An auth function that returns nothing (undefined) sends no header, as
    // null does; one that throws is printed and sends none either (GJS
    // would log a critical for a value that is no string).
    for (const type of [Syncobj.HttpMutator, Syncobj.HttpSync]) {
        _wrap(type.prototype, 'set_auth_func', setAuthFunc => function (func) {
            if (func === null || func === undefined)
                return setAuthFunc.call(this, null);
            if (typeof func !== 'function')
                throw new TypeError('the auth function must be a function');
            return setAuthFunc.call(this, (method, uri) => {
                try {
                    return func(method, uri) ?? null;
                } catch (e) {
                    printerr(`libsyncobj: the auth function threw: ${e}\n${e?.stack ?? ''}`);
                    return null;
                }
            });
        });
    }
    // job.fail(e) takes what a catch gets: a GLib.Error as is, anything
    // else (an Error of fetch or JSON.parse) as a retriable failure with
    // its text.
    _wrap(Syncobj.PersistJob.prototype, 'fail', fail => function (error) {
        if (error instanceof GLib.Error)
            return fail.call(this, error);
        return this.fail_message(String(error));
    });
    // job.set_created(mutation, {id: 5, …}) takes the server's record as a
    // plain object, as insert() takes one.
    _wrap(Syncobj.PersistJob.prototype, 'set_created', setCreated => function (mutation, record) {
        return setCreated.call(this, mutation, toJsonObject(record, 'the created record'));
    });
    _wrap(Syncobj.PersistJob.prototype, 'conflict', conflict => function (key, current) {
        if (current === null || current === undefined || current instanceof Json.Node)
            return conflict.call(this, toKey(key), current ?? null);
        return conflict.call(this, toKey(key), Json.Node.alloc().init_object(toJsonObject(current, 'the current record')));
    });

    // A view's description may be a plain object; a condition's value a
    // plain value (a Json.Node still works).
    _wrap(Syncobj.Collection.prototype, 'view_json', viewJson => function (description) {
        return _makeView(json => viewJson.call(this, json), description);
    });
    // Syncobj.View.new of another list model (a Gtk.FilterListModel, a
    // join) is a TypeError, not a critical (new_from_json throws its
    // GLib.Error).
    _wrap(Syncobj.View, 'new', viewNew => function (source, where, orderBy) {
        if (!(source instanceof Syncobj.Collection) && !(source instanceof Syncobj.View))
            throw new TypeError(`a view shows a collection or a view, not ${source?.constructor?.name ?? source}`);
        return viewNew(source, where ?? null, orderBy ?? null);
    });
    // A CouchDB selector may be a plain object: sync.selector = {type: 'note'}.
    if (Syncobj.CouchSync !== undefined) {
        const toSelector = selector => selector !== null && typeof selector === 'object'
            ? JSON.stringify(selector, _replacer) : selector;
        _wrap(Syncobj.CouchSync.prototype, 'set_selector', setSelector => function (selector) {
            return setSelector.call(this, toSelector(selector) ?? null);
        });
        const property = Object.getOwnPropertyDescriptor(Syncobj.CouchSync.prototype, 'selector');
        if (property?.configurable && !property.set?._syncobjWrapped) {
            const set = function (selector) {
                this.set_selector(selector);
            };
            set._syncobjWrapped = true;
            Object.defineProperty(Syncobj.CouchSync.prototype, 'selector', {
                configurable: true,
                enumerable: property.enumerable,
                get() {
                    return this.get_selector();
                },
                set,
            });
        }
    }
    _wrap(Syncobj.View, 'new_from_json', newFromJson => function (source, description) {
        return _makeView(json => newFromJson(source, json), description);
    });
    // null is JSON null (`= null`), or no value for EXISTS and IS_NULL, as
    // in Python.
    _wrap(Syncobj.Condition, 'new', conditionNew => function (member, op, value) {
        if (value === null && (op === Syncobj.ConditionOp.EXISTS || op === Syncobj.ConditionOp.IS_NULL))
            value = undefined;
        return conditionNew(member, op, toJsonNode(value, "the condition's value"));
    });
    _wrap(Syncobj.Condition, 'new_from_json', newFromJson => function (json) {
        return newFromJson(toJsonText(json, 'the condition'));
    });
    // matches() judges a plain object or a record (its visible value) too.
    _wrap(Syncobj.Condition.prototype, 'matches', matches => function (value) {
        if (value instanceof Syncobj.Record)
            value = value.get_value();
        return matches.call(this, toJsonObject(value, 'the value'));
    });
    // A filter function is called as func(record). What it throws is
    // printed and leaves the record out, as if it returned false (GJS
    // alone logs a critical, fatal under G_DEBUG=fatal-warnings).
    _wrap(Syncobj.View.prototype, 'set_filter_func', setFilterFunc => function (func) {
        if (func === null || func === undefined)
            return setFilterFunc.call(this, null);
        if (typeof func !== 'function')
            throw new TypeError('the filter function must be a function');
        return setFilterFunc.call(this, record => {
            try {
                return Boolean(func(record));
            } catch (e) {
                printerr(`libsyncobj: the filter function threw for the record “${record.key}”: ${e}\n${e?.stack ?? ''}`);
                return false;
            }
        });
    });

    _wrap(Syncobj.Transaction.prototype, 'insert', insert => function (collection, value) {
        return insert.call(this, collection, toJsonObject(value));
    });
    _wrap(Syncobj.Transaction.prototype, 'update', update => function (collection, key, changes) {
        return update.call(this, collection, toKey(key), toJsonObject(changes, 'the changes'));
    });
    _wrap(Syncobj.Transaction.prototype, 'set_metadata', setMetadata => function (metadata) {
        return setMetadata.call(this, toJsonObject(metadata, 'the metadata'));
    });
    _wrap(Syncobj.PendingMutation.prototype, 'set_metadata', setMetadata => function (metadata) {
        return setMetadata.call(this, toJsonObject(metadata, 'the metadata'));
    });

    _wrap(Syncobj.Sync.prototype, 'write', write => function (type, value) {
        return write.call(this, type, toJsonObject(value));
    });
    _wrap(Syncobj.SyncControl.prototype, 'emit_update', emitUpdate => function (value) {
        return emitUpdate.call(this, toJsonObject(value));
    });

    _wrap(Syncobj.FuncMutator, 'new', funcMutatorNew => function (func) {
        return funcMutatorNew(typeof func === 'function' ? _wrapPersistFunc(func) : func);
    });
    _wrap(Syncobj.FuncMutator.prototype, 'set_await_sync_func', setAwaitSyncFunc => function (func) {
        return setAwaitSyncFunc.call(this, typeof func === 'function' ? _wrapPersistFunc(func) : func);
    });

    // Its two arrays share one length: arrays of different lengths made
    // the C call read past the shorter one (a crash), and a misspelt name
    // left the property unset with only a warning.
    _wrap(Syncobj.Collection, 'new_with_properties_async', start => function (names, values, ...rest) {
        if (!Array.isArray(names) || !Array.isArray(values))
            throw new TypeError('the property names and values must be arrays');
        if (names.length !== values.length)
            throw new RangeError(`${names.length} property names but ${values.length} values`);
        for (const name of names) {
            if (typeof name !== 'string' || GObject.Object.find_property.call(Syncobj.Collection, name) === null)
                throw new TypeError(`Syncobj.Collection has no property ${JSON.stringify(name)}`);
        }
        return start(names, values, ...rest);
    });

    _wrap(Syncobj, 'test_collection_new', testCollectionNew => function (initialData, strategy) {
        return testCollectionNew(toJsonArray(initialData), strategy ?? Syncobj.Strategy.ORDERED);
    });
    _wrap(Syncobj, 'test_collection_new_for_id', testCollectionNewForId => function (id, initialData, strategy) {
        return testCollectionNewForId(id, toJsonArray(initialData), strategy ?? Syncobj.Strategy.ORDERED);
    });
    _wrap(Syncobj.TestSync, 'new', testSyncNew => function (id, initialData) {
        return testSyncNew(id, toJsonArray(initialData));
    });

    if (!('toJSON' in Syncobj.Record.prototype)) {
        Syncobj.Record.prototype.toJSON = function () {
            return toJs(this.get_value());
        };
    }
    // A mutation and a transaction as their to_json() describes them.
    for (const type of [Syncobj.PendingMutation, Syncobj.Transaction]) {
        if (!('toJSON' in type.prototype)) {
            type.prototype.toJSON = function () {
                return JSON.parse(this.to_json());
            };
        }
    }
    // record.value, mutation.changes, the synced value a merge or conflict
    // function gets: JSON.stringify would give {} for a boxed Json value,
    // which has no members of its own to JavaScript.
    for (const type of [Json.Object, Json.Array, Json.Node]) {
        if (!('toJSON' in type.prototype)) {
            type.prototype.toJSON = function () {
                return toJs(this);
            };
        }
    }
}

_patch();
