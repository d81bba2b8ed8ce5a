/* record-test.c: SyncobjRecord identity, properties and notifications
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"

#define RECORDS \
  "[{\"id\": \"a\", \"title\": \"A\", \"count\": 3, \"ratio\": 0.5, \"done\": true}," \
  " {\"id\": \"b\", \"title\": \"B\", \"count\": 0, \"ratio\": 0.0, \"done\": false}]"

static void
test_identity_while_referenced (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjRecord) first = syncobj_collection_lookup (collection, "a");
  g_autoptr(SyncobjRecord) second = syncobj_collection_lookup (collection, "a");
  g_autoptr(SyncobjRecord) item = g_list_model_get_item (G_LIST_MODEL (collection), 0);
  g_autoptr(SyncobjRecord) other = g_list_model_get_item (G_LIST_MODEL (collection), 1);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(SyncobjRecord) after_update = NULL;

  g_assert_true (first == second);
  g_assert_true (first == item);
  g_assert_true (first != other);
  g_assert_cmpstr (syncobj_record_get_key (other), ==, "b");
  g_assert_true (syncobj_record_get_collection (first) == collection);

  /* An update gives the same object a new value. */
  transaction = syncobj_test_update (collection, "a", "{\"title\": \"A2\"}");
  after_update = syncobj_collection_lookup (collection, "a");
  g_assert_true (after_update == first);
  syncobj_test_drain (control, collection);
  g_clear_object (&after_update);
  after_update = g_list_model_get_item (G_LIST_MODEL (collection), 0);
  g_assert_true (after_update == first);
}

static void
test_lookup_unknown (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);

  g_assert_null (syncobj_collection_lookup (collection, "zzz"));
  g_assert_null (syncobj_collection_lookup_value (collection, "zzz"));
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (collection), 2));
}

static void
test_getters (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjRecord) record = syncobj_collection_lookup (collection, "a");
  g_autofree char *json = syncobj_record_to_json (record);
  g_autoptr(JsonObject) parsed = syncobj_test_object (json);

  g_assert_cmpstr (syncobj_record_get_key (record), ==, "a");
  g_assert_cmpstr (syncobj_record_get_string (record, "title"), ==, "A");
  g_assert_cmpint (syncobj_record_get_int (record, "count"), ==, 3);
  g_assert_cmpfloat (syncobj_record_get_double (record, "ratio"), ==, 0.5);
  g_assert_true (syncobj_record_get_boolean (record, "done"));
  g_assert_true (syncobj_record_has_member (record, "title"));
  g_assert_false (syncobj_record_has_member (record, "missing"));
  g_assert_null (syncobj_record_get_string (record, "missing"));
  g_assert_cmpint (syncobj_record_get_int (record, "missing"), ==, 0);
  g_assert_true (syncobj_record_get_visible (record));
  g_assert_false (syncobj_record_get_pending (record));
  syncobj_test_assert_json (parsed, "{\"id\": \"a\", \"title\": \"A\", \"count\": 3, \"ratio\": 0.5, \"done\": true}");
}

static void
test_notify_value_once_per_change (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjRecord) record = syncobj_collection_lookup (collection, "b");
  g_autoptr(SyncobjTestNotify) values = syncobj_test_notify_new (record, "value");
  g_autoptr(SyncobjTestNotify) synced = syncobj_test_notify_new (record, "synced-value");
  g_autoptr(SyncobjTransaction) t1 = syncobj_test_update (collection, "b", "{\"count\": 1}");
  g_autoptr(SyncobjTransaction) t2 = syncobj_test_update (collection, "b", "{\"count\": 2}");

  g_assert_cmpuint (syncobj_test_notify_count (values), ==, 2);
  g_assert_cmpint (syncobj_record_get_int (record, "count"), ==, 2);
  g_assert_cmpuint (syncobj_test_notify_count (synced), ==, 0);

  syncobj_test_drain (control, collection);
  /* The echoes confirm what is visible already: no new value. t1's echo
   * is held while t2 locks the key, so both reach the synced value in
   * one step. */
  g_assert_cmpuint (syncobj_test_notify_count (values), ==, 2);
  g_assert_cmpuint (syncobj_test_notify_count (synced), ==, 1);
  syncobj_test_assert_json (syncobj_record_get_synced_value (record),
                            "{\"id\": \"b\", \"title\": \"B\", \"count\": 2, \"ratio\": 0.0, \"done\": false}");
}

static void
test_notify_pending (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjRecord) record = syncobj_collection_lookup (collection, "a");
  g_autoptr(SyncobjTestNotify) pending = syncobj_test_notify_new (record, "pending");
  g_autoptr(SyncobjTransaction) t1 = NULL;
  g_autoptr(SyncobjTransaction) t2 = NULL;

  syncobj_sync_control_set_network_delay (control, 100);
  t1 = syncobj_test_update (collection, "a", "{\"count\": 4}");
  t2 = syncobj_test_update (collection, "a", "{\"count\": 5}");
  g_assert_true (syncobj_record_get_pending (record));
  syncobj_test_notify_assert (pending, "true");

  g_assert_cmpint (syncobj_test_wait_transaction (control, t1, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  /* t2 still pending on the same key. */
  g_assert_false (syncobj_transaction_is_finished (t2));
  g_assert_true (syncobj_record_get_pending (record));

  syncobj_test_drain (control, collection);
  g_assert_false (syncobj_record_get_pending (record));
  syncobj_test_notify_assert (pending, "true | false");
}

static void
test_pending_cleared_on_failure (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjRecord) record = syncobj_collection_lookup (collection, "a");
  g_autoptr(SyncobjTestNotify) values = syncobj_test_notify_new (record, "value");
  g_autoptr(SyncobjTestNotify) pending = syncobj_test_notify_new (record, "pending");
  g_autoptr(SyncobjTransaction) transaction = NULL;

  syncobj_sync_control_fail_next_persist_non_retriable (control);
  transaction = syncobj_test_update (collection, "a", "{\"count\": 4}");
  syncobj_test_drain (control, collection);

  syncobj_test_notify_assert (pending, "true | false");
  g_assert_cmpuint (syncobj_test_notify_count (values), ==, 2);
  g_assert_cmpint (syncobj_record_get_int (record, "count"), ==, 3);
}

static void
test_deleted_record_not_visible (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjRecord) record = syncobj_collection_lookup (collection, "a");
  g_autoptr(SyncobjTestNotify) visible = syncobj_test_notify_new (record, "visible");
  g_autoptr(SyncobjTransaction) transaction = syncobj_test_delete (collection, "a");
  g_autoptr(SyncobjRecord) again = NULL;

  g_assert_false (syncobj_record_get_visible (record));
  g_assert_null (syncobj_record_get_value (record));
  syncobj_test_notify_assert (visible, "false");

  /* Inserted again while the old object is still referenced: the same
   * object comes back to life. */
  syncobj_test_drain (control, collection);
  g_clear_object (&transaction);
  transaction = syncobj_test_insert (collection, "{\"id\": \"a\", \"title\": \"new\"}");
  again = syncobj_collection_lookup (collection, "a");
  g_assert_true (again == record);
  g_assert_true (syncobj_record_get_visible (record));
  syncobj_test_notify_assert (visible, "false | true");
  syncobj_test_drain (control, collection);
}

static void
test_record_outlives_collection (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  SyncobjCollection *collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjRecord) record = syncobj_collection_lookup (collection, "a");

  g_object_unref (collection);
  g_assert_null (syncobj_record_get_collection (record));
  g_assert_cmpstr (syncobj_record_get_string (record, "title"), ==, "A");
}

static void
test_getters_wrong_types (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection =
    syncobj_test_collection_from_json ("[{\"id\": \"a\", \"s\": \"text\", \"i\": 7, \"f\": 2.0, \"o\": {\"x\": 1},"
                                       " \"l\": [1], \"z\": null, \"big\": 1e300}]",
                                       SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjRecord) record = syncobj_collection_lookup (collection, "a");
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autofree char *json = NULL;

  g_assert_null (syncobj_record_get_string (record, "i"));
  g_assert_null (syncobj_record_get_string (record, "o"));
  g_assert_null (syncobj_record_get_string (record, "z"));
  g_assert_cmpint (syncobj_record_get_int (record, "s"), ==, 0);
  g_assert_cmpint (syncobj_record_get_int (record, "l"), ==, 0);
  g_assert_cmpint (syncobj_record_get_int (record, "f"), ==, 2);
  g_assert_cmpint (syncobj_record_get_int (record, "big"), ==, 0);
  g_assert_cmpfloat (syncobj_record_get_double (record, "i"), ==, 7.0);
  g_assert_cmpfloat (syncobj_record_get_double (record, "o"), ==, 0.0);
  g_assert_false (syncobj_record_get_boolean (record, "s"));
  g_assert_false (syncobj_record_get_boolean (record, "z"));
  g_assert_true (syncobj_record_has_member (record, "z"));

  /* A record that is not visible reads as empty. */
  transaction = syncobj_test_delete (collection, "a");
  g_assert_null (syncobj_record_get_string (record, "s"));
  g_assert_cmpint (syncobj_record_get_int (record, "i"), ==, 0);
  g_assert_false (syncobj_record_has_member (record, "s"));
  json = syncobj_record_to_json (record);
  g_assert_cmpstr (json, ==, "null");
  syncobj_test_drain (control, collection);
}

int
main (int argc, char *argv[])
{
  syncobj_test_init (&argc, &argv);

  g_test_add_func ("/record/identity/same-object-while-referenced", test_identity_while_referenced);
  g_test_add_func ("/record/identity/unknown-key", test_lookup_unknown);
  g_test_add_func ("/record/getters", test_getters);
  g_test_add_func ("/record/getters-wrong-types", test_getters_wrong_types);
  g_test_add_func ("/record/notify/value-once-per-change", test_notify_value_once_per_change);
  g_test_add_func ("/record/notify/pending", test_notify_pending);
  g_test_add_func ("/record/notify/pending-cleared-on-failure", test_pending_cleared_on_failure);
  g_test_add_func ("/record/visible/false-after-delete", test_deleted_record_not_visible);
  g_test_add_func ("/record/outlives-collection", test_record_outlives_collection);

  return g_test_run ();
}
