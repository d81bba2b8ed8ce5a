/* record-test.c: SyncobjRecord identity, properties and notifications
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"
#include "syncobj-record-private.h"

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

/* A record nobody holds any more is gone: the next lookup makes another,
 * which reads the value of now; a record still held is the one returned. */
static void
test_remade_after_last_unref (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  SyncobjRecord *record = syncobj_collection_lookup (collection, "a");
  SyncobjRecord *again;
  gpointer gone = record;

  g_assert_cmpint (syncobj_record_get_int (record, "count"), ==, 3);
  g_object_add_weak_pointer (G_OBJECT (record), &gone);
  g_object_unref (record);
  g_assert_null (gone);

  /* Changed while no record exists. */
  transaction = syncobj_test_update (collection, "a", "{\"count\": 4}");
  record = syncobj_collection_lookup (collection, "a");
  g_assert_cmpint (syncobj_record_get_int (record, "count"), ==, 4);
  g_assert_true (syncobj_record_get_pending (record));
  again = syncobj_collection_lookup (collection, "a");
  g_assert_true (again == record);
  g_object_unref (again);
  syncobj_test_drain (control, collection);
  g_assert_false (syncobj_record_get_pending (record));
  g_object_unref (record);

  /* Many times over, each read of a new record. */
  for (gint64 i = 0; i < 50; i++)
    {
      g_autoptr(SyncobjTransaction) bump = NULL;
      g_autofree char *changes = g_strdup_printf ("{\"count\": %" G_GINT64_FORMAT "}", 5 + i);

      record = syncobj_collection_lookup (collection, "a");
      g_assert_cmpint (syncobj_record_get_int (record, "count"), ==, 4 + i);
      g_object_unref (record);
      bump = syncobj_test_update (collection, "a", changes);
    }
  syncobj_test_drain (control, collection);
  record = syncobj_collection_lookup (collection, "a");
  g_assert_cmpint (syncobj_record_get_int (record, "count"), ==, 54);
  g_assert_cmpstr (syncobj_record_get_string (record, "title"), ==, "A");
  g_object_unref (record);
}

/* The record of a deleted key keeps its row until it goes: then the key
 * is free, and an insert of it makes a new record. */
static void
test_deleted_row_goes_with_record (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  SyncobjRecord *record = syncobj_collection_lookup (collection, "a");
  SyncobjRecord *inserted;
  gpointer gone = record;

  g_object_add_weak_pointer (G_OBJECT (record), &gone);
  transaction = syncobj_test_delete (collection, "a");
  syncobj_test_drain (control, collection);
  g_assert_false (syncobj_record_get_visible (record));
  g_assert_null (syncobj_collection_lookup (collection, "a"));
  g_object_unref (record);
  g_assert_null (gone);
  g_assert_null (syncobj_collection_lookup (collection, "a"));

  g_clear_object (&transaction);
  transaction = syncobj_test_insert (collection, "{\"id\": \"a\", \"count\": 9}");
  inserted = syncobj_collection_lookup (collection, "a");
  g_assert_cmpint (syncobj_record_get_int (inserted, "count"), ==, 9);
  g_assert_true (syncobj_record_get_visible (inserted));
  syncobj_test_drain (control, collection);
  g_object_unref (inserted);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (collection)), ==, 2);
}

/* Records outlive their collection, packed or built, whatever the
 * length of their key; each goes on its own time, before or after. */
static void
test_records_outlive_collection (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  const char *long_key = "a key much longer than the twenty-four bytes a record keeps inside";
  g_autofree char *json = g_strdup_printf ("[{\"id\": \"%s\", \"n\": 1}, {\"id\": \"b\", \"n\": 2},"
                                           " {\"id\": \"c\", \"n\": 3}]", long_key);
  SyncobjCollection *collection = syncobj_test_collection_from_json (json, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjRecord) first = syncobj_collection_lookup (collection, long_key);
  g_autoptr(SyncobjRecord) built = syncobj_collection_lookup (collection, "b");
  SyncobjRecord *dropped = syncobj_collection_lookup (collection, "c");
  gpointer gone = NULL;

  g_assert_cmpstr (syncobj_record_get_key (first), ==, long_key);
  g_assert_nonnull (syncobj_record_get_value (built));
  g_object_unref (dropped);

  gone = collection;
  g_object_add_weak_pointer (G_OBJECT (collection), &gone);
  g_object_unref (collection);
  g_assert_null (gone);

  g_assert_null (syncobj_record_get_collection (first));
  g_assert_null (syncobj_record_get_collection (built));
  g_assert_cmpstr (syncobj_record_get_key (first), ==, long_key);
  g_assert_cmpint (syncobj_record_get_int (first, "n"), ==, 1);
  g_assert_cmpint (syncobj_record_get_int (built, "n"), ==, 2);
  g_assert_true (syncobj_record_get_visible (first));
  g_assert_false (_syncobj_record_is_packed (first));
}

/* A member read from packed text is found past nested values, strings
 * that hold what looks like the member, and escaped names; the last of
 * repeated names counts: as the built object reads it. */
static void
test_getters_packed_walk (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (NULL, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjRecord) record = NULL;
  const char *members[] = { "n", "m", "o", "s", "t", "k", "missing" };
  gint64 ints[G_N_ELEMENTS (members)];
  g_autofree char *strings[G_N_ELEMENTS (members)] = { NULL };

  g_assert_true (syncobj_sync_load_json_array (syncobj_sync_control_get_sync (control),
                                               "[{\"id\": \"a\", \"o\": {\"n\": 1, \"l\": [{\"n\": 2}, \"]}\"]},"
                                               " \"s\": \"\\\"n\\\": 3, \\\\\", \"n\": 4, \"t\": \"x\","
                                               " \"\\u006d\": 5, \"k\": [1, {\"n\": 6}], \"n\": 7, \"t\": \"last\"}]",
                                               -1, NULL));
  record = syncobj_collection_lookup (collection, "a");
  g_assert_true (_syncobj_record_is_packed (record));
  g_assert_cmpint (syncobj_record_get_int (record, "n"), ==, 7);
  g_assert_cmpint (syncobj_record_get_int (record, "m"), ==, 5);
  g_assert_cmpstr (syncobj_record_get_string (record, "t"), ==, "last");
  g_assert_cmpstr (syncobj_record_get_string (record, "s"), ==, "\"n\": 3, \\");
  g_assert_true (syncobj_record_has_member (record, "k"));
  g_assert_false (syncobj_record_get_boolean (record, "o"));
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      ints[i] = syncobj_record_get_int (record, members[i]);
      strings[i] = g_strdup (syncobj_record_get_string (record, members[i]));
    }
  g_assert_true (_syncobj_record_is_packed (record));

  g_assert_nonnull (syncobj_record_get_value (record));
  g_assert_false (_syncobj_record_is_packed (record));
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      g_assert_cmpint (syncobj_record_get_int (record, members[i]), ==, ints[i]);
      g_assert_cmpstr (syncobj_record_get_string (record, members[i]), ==, strings[i]);
      g_clear_pointer (&strings[i], g_free);
    }
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
  g_test_add_func ("/record/identity/remade-after-last-unref", test_remade_after_last_unref);
  g_test_add_func ("/record/identity/deleted-row-goes-with-record", test_deleted_row_goes_with_record);
  g_test_add_func ("/record/outlives-collection/many", test_records_outlive_collection);
  g_test_add_func ("/record/getters-packed-walk", test_getters_packed_walk);

  return g_test_run ();
}
