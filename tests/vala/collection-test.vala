/* collection-test.vala: libsyncobj from Vala, through syncobj-1.vapi
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

const string TODOS = """[{"id": "1", "title": "Buy milk", "done": false},
                         {"id": "2", "title": "Walk the dog", "done": true}]""";

Syncobj.Collection todos (out Syncobj.SyncControl control) {
    try {
        return Syncobj.test_collection_new_from_json (TODOS, Syncobj.Strategy.ORDERED, out control);
    } catch (Error e) {
        error ("test collection: %s", e.message);
    }
}

void test_insert_is_visible_then_completes () {
    Syncobj.SyncControl control;
    var collection = todos (out control);
    var value = new Json.Object ();
    value.set_string_member ("id", "3");
    value.set_string_member ("title", "Water plants");

    Syncobj.Transaction transaction;
    try {
        transaction = collection.insert (value);
    } catch (Error e) {
        error ("insert: %s", e.message);
    }

    var record = collection.lookup ("3");
    assert_nonnull (record);
    assert_cmpstr (record.get_string ("title"), CompareOperator.EQ, "Water plants");
    assert_true (record.pending);
    assert_cmpuint (collection.get_n_items (), CompareOperator.EQ, 3);
    assert_true (transaction.state == Syncobj.TransactionState.PENDING);

    control.advance (1000);

    assert_true (transaction.state == Syncobj.TransactionState.COMPLETED);
    assert_true (transaction.get_error () == null);
    assert_false (record.pending);
    assert_cmpuint (control.get_persist_count (), CompareOperator.EQ, 1);
}

void test_update_merges_and_completes () {
    Syncobj.SyncControl control;
    var collection = todos (out control);
    var changes = new Json.Object ();
    changes.set_boolean_member ("done", true);

    Syncobj.Transaction transaction;
    try {
        transaction = collection.update ("1", changes);
    } catch (Error e) {
        error ("update: %s", e.message);
    }

    var record = collection.lookup ("1");
    assert_true (record.get_boolean ("done"));
    assert_cmpstr (record.get_string ("title"), CompareOperator.EQ, "Buy milk");
    assert_false (record.synced_value.get_boolean_member ("done"));

    control.advance (1000);

    assert_true (transaction.state == Syncobj.TransactionState.COMPLETED);
    assert_true (record.synced_value.get_boolean_member ("done"));
}

void test_bad_write_throws_and_changes_nothing () {
    Syncobj.SyncControl control;
    var collection = todos (out control);

    try {
        collection.insert_json ("""{"id": "1", "title": "again"}""");
        assert_not_reached ();
    } catch (Error e) {
        assert_error (e, Syncobj.Error.quark (), Syncobj.Error.KEY_EXISTS);
    }

    assert_cmpstr (collection.lookup ("1").get_string ("title"), CompareOperator.EQ, "Buy milk");
    assert_cmpuint (collection.get_n_items (), CompareOperator.EQ, 2);
}

void test_list_model_and_shared_instance () {
    var shared = Syncobj.Collection.get_or_create ("vala-shared", null, null, null);
    var again = Syncobj.Collection.get_or_create ("vala-shared", null, null, null);
    assert_true (shared == again);
    assert_true (shared.get_item_type () == typeof (Syncobj.Record));

    Syncobj.SyncControl control;
    var collection = todos (out control);
    string[] titles = {};
    for (uint i = 0; i < collection.get_n_items (); i++) {
        var record = (Syncobj.Record) collection.get_item (i);
        titles += record.get_string ("title");
    }
    assert_cmpstrv (titles, {"Buy milk", "Walk the dog"});
}

/* A collection whose key member is not "id" (a CouchDB database's "_id")
 * can only be made with its properties: started off the main loop, the
 * async constructor gives it back, or throws. */
async Syncobj.Collection start_with_properties (Syncobj.Store store) throws Error {
    string[] names = {"id", "key-member", "store"};
    Value[] values = {Value (typeof (string)), Value (typeof (string)), Value (typeof (Syncobj.Store))};
    values[0].set_string ("vala-couch-notes");
    values[1].set_string ("_id");
    values[2].set_object (store);
    return yield new Syncobj.Collection.with_properties_async (names, values, null);
}

void test_start_with_properties_async () {
    var loop = new MainLoop ();
    var store = new Syncobj.Store.in_memory ();
    Syncobj.Collection? collection = null;
    start_with_properties.begin (store, (obj, result) => {
        try {
            collection = start_with_properties.end (result);
        } catch (Error e) {
            error ("start: %s", e.message);
        }
        loop.quit ();
    });
    loop.run ();

    assert_nonnull (collection);
    assert_cmpstr (collection.id, CompareOperator.EQ, "vala-couch-notes");
    assert_cmpstr (collection.key_member, CompareOperator.EQ, "_id");
    assert_true (collection.store == store);
    assert_cmpuint (collection.get_n_items (), CompareOperator.EQ, 0);
}

int main (string[] args) {
    Test.init (ref args);
    Test.add_func ("/vala/collection/insert-visible-then-completes", test_insert_is_visible_then_completes);
    Test.add_func ("/vala/collection/update-merges-and-completes", test_update_merges_and_completes);
    Test.add_func ("/vala/collection/bad-write-throws-and-changes-nothing", test_bad_write_throws_and_changes_nothing);
    Test.add_func ("/vala/collection/list-model-and-shared-instance", test_list_model_and_shared_instance);
    Test.add_func ("/vala/collection/start-with-properties-async", test_start_with_properties_async);
    return Test.run ();
}
