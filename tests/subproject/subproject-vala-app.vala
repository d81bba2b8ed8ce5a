/* subproject-vala-app.vala: a Vala program built against libsyncobj as a
 * subproject: dependency('syncobj-1') and the subproject's
 * syncobj_vapi_dep (syncobj-1.vapi and its .deps).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

int main () {
    Syncobj.SyncControl control;
    Syncobj.Collection todos;
    Syncobj.Transaction insert;
    try {
        todos = Syncobj.test_collection_new_from_json ("""[{"id": "1", "title": "Buy milk"}]""",
                                                       Syncobj.Strategy.ORDERED, out control);
        insert = todos.insert_json ("""{"id": "2", "title": "Walk the dog"}""");
    } catch (Error e) {
        error ("%s", e.message);
    }
    assert (todos.get_n_items () == 2);

    control.advance (1000);
    assert (insert.state == Syncobj.TransactionState.COMPLETED);

    var open = todos.view_json ("""{"order_by": ["title"]}""");
    print ("libsyncobj from Vala as a subproject: %u records, first %s\n",
           open.get_n_items (), ((Syncobj.Record) open.get_item (0)).get_string ("title"));
    return 0;
}
