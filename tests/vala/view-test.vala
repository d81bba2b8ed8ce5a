/* view-test.vala: live views and joins from Vala, as views.md shows them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

const string SHOP = """[{"id": "1", "title": "Milk", "done": false, "created": 3, "list_id": "shop"},
                        {"id": "2", "title": "Bread", "done": true, "created": 1},
                        {"id": "3", "title": "Apples", "done": false, "created": 3}]""";

Syncobj.Collection shop (out Syncobj.SyncControl control) {
    try {
        return Syncobj.test_collection_new_from_json (SHOP, Syncobj.Strategy.ORDERED, out control);
    } catch (Error e) {
        error ("test collection: %s", e.message);
    }
}

string[] view_keys (ListModel view) {
    string[] keys = {};
    for (uint i = 0; i < view.get_n_items (); i++)
        keys += ((Syncobj.Record) view.get_item (i)).key;
    return keys;
}

Syncobj.Condition condition (string json) {
    try {
        return new Syncobj.Condition.from_json (json);
    } catch (Error e) {
        error ("condition: %s", e.message);
    }
}

void test_conditions_combine () {
    Syncobj.SyncControl control;
    var todos = shop (out control);
    var no = new Json.Node (Json.NodeType.VALUE);
    no.set_boolean (false);
    Syncobj.Condition open;
    try {
        open = new Syncobj.Condition ("done", Syncobj.ConditionOp.EQ, no);
    } catch (Error e) {
        error ("condition: %s", e.message);
    }
    var apples = condition ("""{"member": "title", "op": "=", "value": "Apples"}""");

    var either = new Syncobj.Condition.or (new Syncobj.Condition.not (open), apples);
    var both = new Syncobj.Condition.and (open, new Syncobj.Condition.not (apples));

    assert_cmpstrv (view_keys (new Syncobj.View (todos, either, {"title"})), {"3", "2"});
    assert_cmpstrv (view_keys (new Syncobj.View (todos, both, null)), {"1"});
    /* The parts are still the caller's after combining them. */
    var view = new Syncobj.View (todos, open, {"title"});
    assert_true (view.where == open);
    assert_cmpstrv (view_keys (view), {"3", "1"});
    var value = new Json.Object ();
    value.set_boolean_member ("done", false);
    assert_true (open.matches (value));
}

void test_view_follows_the_collection () {
    Syncobj.SyncControl control;
    var todos = shop (out control);
    Syncobj.View view;
    try {
        view = todos.view_json ("""{"where": {"member": "done", "op": "=", "value": false},
                                   "order_by": ["-created", "title"], "limit": 5}""");
    } catch (Error e) {
        error ("view: %s", e.message);
    }
    uint[] changes = {};
    view.items_changed.connect ((position, removed, added) => {
        changes += position;
        changes += removed;
        changes += added;
    });

    assert_cmpstrv (view_keys (view), {"3", "1"});
    try {
        todos.update_json ("2", """{"done": false, "created": 9}""");
    } catch (Error e) {
        error ("update: %s", e.message);
    }
    assert_cmpstrv (view_keys (view), {"2", "3", "1"});
    assert_cmpuint (changes.length, CompareOperator.EQ, 3);
    assert_cmpuint (changes[0], CompareOperator.EQ, 0);
    assert_cmpuint (changes[2], CompareOperator.EQ, 1);
    assert_cmpuint (view.n_matched, CompareOperator.EQ, 3);

    view.set_filter_func ((record) => record.get_int ("created") == 3);
    assert_cmpstrv (view_keys (view), {"3", "1"});
    var top = new Syncobj.View (view, null, {"-title"});
    top.limit = 1;
    assert_cmpstrv (view_keys (top), {"1"});
}

void test_bad_description_throws () {
    Syncobj.SyncControl control;
    var todos = shop (out control);
    try {
        new Syncobj.View.from_json (todos, """{"where": {"member": "n", "op": "~~"}}""");
        assert_not_reached ();
    } catch (Syncobj.Error.INVALID_VIEW e) {
        assert_true ("~~" in e.message);
    } catch (Error e) {
        error ("another error: %s", e.message);
    }
}

void test_join_pairs_and_follows () {
    Syncobj.SyncControl control, lists_control;
    var todos = shop (out control);
    Syncobj.Collection lists;
    Syncobj.Join join;
    try {
        lists = Syncobj.test_collection_new_from_json ("""[{"id": "shop", "title": "Shopping"}]""",
                                                      Syncobj.Strategy.ORDERED, out lists_control);
        join = new Syncobj.Join (todos, "list_id", lists);
    } catch (Error e) {
        error ("join: %s", e.message);
    }

    var row = (Syncobj.JoinRow) join.get_item (0);
    assert_cmpstr (row.record.key, CompareOperator.EQ, "1");
    assert_cmpstr (row.joined.get_string ("title"), CompareOperator.EQ, "Shopping");
    assert_null (((Syncobj.JoinRow) join.get_item (1)).joined);

    lists_control.emit_delete ("shop");
    assert_null (((Syncobj.JoinRow) join.get_item (0)).joined);
}

int main (string[] args) {
    Test.init (ref args);
    Test.add_func ("/vala/view/conditions-combine", test_conditions_combine);
    Test.add_func ("/vala/view/follows-the-collection", test_view_follows_the_collection);
    Test.add_func ("/vala/view/bad-description-throws", test_bad_description_throws);
    Test.add_func ("/vala/view/join-pairs-and-follows", test_join_pairs_and_follows);
    return Test.run ();
}
