/* keys-test.c: keys that are integers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"

#include <string.h>

static void
assert_error_mentions (GError     *error,
                       GQuark      domain,
                       int         code,
                       const char *needle)
{
  g_assert_error (error, domain, code);
  if (strstr (error->message, needle) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, needle);
}

/* What json-server or a SERIAL column gives: `{"id": 1}`. The record is
 * known as "1"; its value and what the mutator sees keep the integer. */
static void
test_integer_keys_round_trip (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection =
    syncobj_test_collection_from_json ("[{\"id\": 1, \"title\": \"A\"}, {\"id\": 2, \"title\": \"B\"}]",
                                       SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjRecord) record = NULL;
  g_autoptr(SyncobjTransaction) updated = NULL;
  g_autoptr(SyncobjTransaction) inserted = NULL;
  g_autoptr(SyncobjTransaction) deleted = NULL;
  g_autoptr(SyncobjPendingMutation) mutation = NULL;
  g_autofree char *json = NULL;

  syncobj_test_assert_keys (collection, "1 2");
  record = syncobj_collection_lookup (collection, "1");
  g_assert_nonnull (record);
  g_assert_cmpstr (syncobj_record_get_key (record), ==, "1");
  syncobj_test_assert_json (syncobj_record_get_value (record), "{\"id\": 1, \"title\": \"A\"}");

  updated = syncobj_test_update (collection, "1", "{\"title\": \"A2\"}");
  mutation = g_list_model_get_item (syncobj_transaction_get_mutations (updated), 0);
  g_assert_cmpstr (syncobj_pending_mutation_get_key (mutation), ==, "1");
  syncobj_test_assert_json (syncobj_pending_mutation_get_modified (mutation), "{\"id\": 1, \"title\": \"A2\"}");
  inserted = syncobj_test_insert (collection, "{\"id\": 3, \"title\": \"C\"}");
  deleted = syncobj_test_delete (collection, "2");
  syncobj_test_drain (control, collection);

  g_assert_cmpint (syncobj_transaction_get_state (updated), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpint (syncobj_transaction_get_state (inserted), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpint (syncobj_transaction_get_state (deleted), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  syncobj_test_assert_keys (collection, "1 3");
  /* The echo came back with the integer: still one record, not pending. */
  syncobj_test_assert_json (syncobj_record_get_synced_value (record), "{\"id\": 1, \"title\": \"A2\"}");
  g_assert_false (syncobj_record_get_pending (record));
  syncobj_test_assert_value (collection, "3", "{\"id\": 3, \"title\": \"C\"}");
  json = syncobj_collection_to_json (collection);
  g_assert_nonnull (strstr (json, "\"id\":1"));
  g_assert_null (strstr (json, "\"id\":\"1\""));
}

/* A delete message names an integer key with its JSON type, as servers
 * with integer ids send it: {"type": "delete", "key": 2}. */
static void
test_integer_keys_delete_message (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection =
    syncobj_test_collection_from_json ("[{\"id\": 1}, {\"id\": 2}, {\"id\": \"3\"}]",
                                       SYNCOBJ_STRATEGY_ORDERED, &control);
  SyncobjSync *sync = syncobj_collection_get_sync (collection);
  g_autoptr(GError) error = NULL;

  g_assert_true (syncobj_sync_apply_json (sync, "{\"type\": \"delete\", \"key\": 2}", -1, &error));
  g_assert_no_error (error);
  g_assert_true (syncobj_sync_apply_json (sync, "{\"type\": \"delete\", \"key\": 3}", -1, &error));
  g_assert_no_error (error);
  syncobj_test_assert_keys (collection, "1");
}

/* Every 64-bit integer is a key; the text is canonical ("-0" is "0"). */
static void
test_integer_keys_range (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection =
    syncobj_test_collection_from_json ("[{\"id\": 9223372036854775807}, {\"id\": -9223372036854775808}, {\"id\": -0}]",
                                       SYNCOBJ_STRATEGY_ORDERED, &control);
  SyncobjSync *sync = syncobj_collection_get_sync (collection);
  g_autoptr(GError) error = NULL;

  syncobj_test_assert_keys (collection, "9223372036854775807 -9223372036854775808 0");

  g_assert_true (syncobj_sync_load_json_array (sync, "[{\"id\": 7, \"n\": 1}, {\"id\": 12345678901}]", -1, &error));
  g_assert_no_error (error);
  syncobj_test_assert_value (collection, "7", "{\"id\": 7, \"n\": 1}");
  syncobj_test_assert_value (collection, "12345678901", "{\"id\": 12345678901}");
}

/* Fractions, booleans, objects, null, empty strings and integers beyond
 * 64 bits stay refused, by every entry point, naming the member. */
static void
test_integer_keys_refused (void)
{
  const char *records[] = {
    "{\"id\": 1.5}",
    "{\"id\": 1.0}",
    "{\"id\": 1e3}",
    "{\"id\": true}",
    "{\"id\": null}",
    "{\"id\": \"\"}",
    "{\"id\": {\"n\": 1}}",
    "{\"id\": [1]}",
    "{\"id\": 9223372036854775808}",
    "{\"id\": -9223372036854775809}",
  };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection =
    syncobj_test_collection_from_json ("[{\"id\": 1}]", SYNCOBJ_STRATEGY_ORDERED, &control);
  SyncobjSync *sync = syncobj_collection_get_sync (collection);

  for (guint i = 0; i < G_N_ELEMENTS (records); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SyncobjTransaction) transaction = syncobj_collection_insert_json (collection, records[i], &error);
      g_autofree char *array = g_strdup_printf ("[%s]", records[i]);
      g_autofree char *message = g_strdup_printf ("{\"type\": \"insert\", \"value\": %s}", records[i]);

      g_test_message ("%s", records[i]);
      g_assert_null (transaction);
      g_test_message ("%s", error->message);
      g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD);
      g_clear_error (&error);

      g_assert_false (syncobj_sync_load_json_array (sync, array, -1, &error));
      assert_error_mentions (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE, "id");
      g_clear_error (&error);

      g_assert_false (syncobj_sync_apply_json (sync, message, -1, &error));
      g_assert_nonnull (error);
    }

  syncobj_test_assert_keys (collection, "1");
  syncobj_test_assert_value (collection, "1", "{\"id\": 1}");
}

/* 1 and "1" would be two records known by one key: the second one is
 * refused with an error that says so, wherever it comes from. */
static void
test_integer_and_string_key_clash (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection =
    syncobj_test_collection_from_json ("[{\"id\": 1, \"title\": \"int\"}, {\"id\": \"a\"}]",
                                       SYNCOBJ_STRATEGY_ORDERED, &control);
  SyncobjSync *sync = syncobj_collection_get_sync (collection);
  g_autoptr(SyncobjTransaction) inserted = NULL;
  g_autoptr(SyncobjTransaction) updated = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) string_one = syncobj_test_object ("{\"id\": \"1\", \"title\": \"string\"}");

  /* An optimistic insert. */
  inserted = syncobj_collection_insert_json (collection, "{\"id\": \"1\"}", &error);
  g_assert_null (inserted);
  assert_error_mentions (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_KEY_EXISTS, "integer key 1");
  g_clear_error (&error);

  /* An update that would change the key's type. */
  updated = syncobj_collection_update_json (collection, "1", "{\"id\": \"1\"}", &error);
  g_assert_null (updated);
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD);
  g_clear_error (&error);
  updated = syncobj_test_update (collection, "1", "{\"id\": 1, \"n\": 2}");
  g_clear_object (&updated);

  /* A snapshot holding both: the other records apply. */
  g_assert_false (syncobj_sync_load_json_array (sync, "[{\"id\": 5}, {\"id\": \"5\"}, {\"id\": 6}]", -1, &error));
  assert_error_mentions (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_KEY_EXISTS, "string key “5”");
  g_clear_error (&error);
  syncobj_test_assert_value (collection, "5", "{\"id\": 5}");
  syncobj_test_assert_value (collection, "6", "{\"id\": 6}");

  /* A change message, and a plain write joining an open commit. */
  g_assert_false (syncobj_sync_apply_json (sync, "{\"type\": \"insert\", \"value\": {\"id\": \"1\"}}", -1, &error));
  assert_error_mentions (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_KEY_EXISTS, "integer key 1");
  g_clear_error (&error);
  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_write (sync, SYNCOBJ_MUTATION_TYPE_UPDATE, string_one, &error));
  g_assert_no_error (error);
  g_assert_false (syncobj_sync_commit (sync, &error));
  assert_error_mentions (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_KEY_EXISTS, "integer key 1");
  g_clear_error (&error);

  /* The other way round: "a" is a string key. */
  inserted = syncobj_collection_insert_json (collection, "{\"id\": 7}", &error);
  g_assert_no_error (error);
  g_assert_true (syncobj_sync_apply_json (sync, "{\"type\": \"insert\", \"value\": {\"id\": \"a\", \"b\": 1}}", -1, &error));
  g_assert_no_error (error);

  syncobj_test_drain (control, collection);
  syncobj_test_assert_keys (collection, "1 a 5 6 7");
  syncobj_test_assert_value (collection, "1", "{\"id\": 1, \"title\": \"int\", \"n\": 2}");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"b\": 1}");
  syncobj_test_assert_value (collection, "7", "{\"id\": 7}");
}

/* ---- keys from the server ------------------------------------------------ */

/* A collection whose server assigns integer keys (the test server does, to
 * inserts without a key), and its control. */
static SyncobjCollection *
server_keyed_collection_full (const char          *id,
                              SyncobjStrategy      strategy,
                              SyncobjSyncControl **control)
{
  g_autoptr(SyncobjCollection) unused = syncobj_test_collection_from_json (NULL, SYNCOBJ_STRATEGY_ORDERED, control);
  g_autoptr(SyncobjTestSync) sync = syncobj_test_sync_new (id, NULL);

  return g_object_new (SYNCOBJ_TYPE_COLLECTION,
                       "id", id,
                       "key-source", SYNCOBJ_KEY_SOURCE_SERVER,
                       "strategy", strategy,
                       "sync", sync,
                       "mutator", syncobj_sync_control_get_mutator (*control),
                       NULL);
}

static SyncobjCollection *
server_keyed_collection (const char          *id,
                         SyncobjSyncControl **control)
{
  return server_keyed_collection_full (id, SYNCOBJ_STRATEGY_ORDERED, control);
}

typedef struct
{
  guint  notify_key;
  char  *temporary_key;
  char  *key;
} KeyEvents;

static void
notify_key_cb (GObject    *record,
               GParamSpec *pspec,
               gpointer    data)
{
  ((KeyEvents *) data)->notify_key++;
}

static void
key_assigned_cb (SyncobjCollection *collection,
                 const char        *temporary_key,
                 const char        *key,
                 gpointer           data)
{
  KeyEvents *events = data;

  g_free (events->temporary_key);
  g_free (events->key);
  events->temporary_key = g_strdup (temporary_key);
  events->key = g_strdup (key);
}

/* An insert without a key shows at once under a temporary key; the answer
 * re-keys the same record in place: notify::key, no items-changed, the
 * temporary key an alias; the write made behind it goes out with the
 * server's key, and the echo is the same record. */
static void
test_server_keys_rekey_in_place (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = server_keyed_collection ("server-keyed", &control);
  g_autoptr(SyncobjTestItemsChanged) changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));
  g_autoptr(SyncobjTransaction) inserted = NULL;
  g_autoptr(SyncobjTransaction) updated = NULL;
  g_autoptr(SyncobjTransaction) deleted = NULL;
  g_autoptr(SyncobjPendingMutation) update = NULL;
  g_autoptr(SyncobjRecord) record = NULL;
  g_autofree char *temporary_key = NULL;
  KeyEvents events = { 0 };

  g_assert_cmpint (syncobj_collection_get_key_source (collection), ==, SYNCOBJ_KEY_SOURCE_SERVER);
  syncobj_sync_control_set_network_delay (control, 100);

  inserted = syncobj_test_insert (collection, "{\"title\": \"Groceries\"}");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (collection)), ==, 1);
  record = g_list_model_get_item (G_LIST_MODEL (collection), 0);
  temporary_key = g_strdup (syncobj_record_get_key (record));
  g_assert_true (g_str_has_prefix (temporary_key, "~tmp-"));
  g_assert_true (syncobj_record_is_temporary (record));
  syncobj_test_assert_json (syncobj_record_get_value (record), "{\"title\": \"Groceries\"}");
  g_assert_true (syncobj_collection_lookup (collection, temporary_key) == record);
  g_object_unref (record);   /* the lookup's */

  /* Behind the insert, under the temporary key. */
  updated = syncobj_test_update (collection, temporary_key, "{\"title\": \"Food\"}");
  update = g_list_model_get_item (syncobj_transaction_get_mutations (updated), 0);
  g_assert_cmpstr (syncobj_pending_mutation_get_key (update), ==, temporary_key);

  g_signal_connect (record, "notify::key", G_CALLBACK (notify_key_cb), &events);
  g_signal_connect (collection, "key-assigned", G_CALLBACK (key_assigned_cb), &events);
  syncobj_test_items_changed_clear (changes);

  syncobj_test_drain (control, collection);

  g_assert_cmpint (syncobj_transaction_get_state (inserted), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpint (syncobj_transaction_get_state (updated), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpstr (syncobj_record_get_key (record), ==, "1");
  g_assert_false (syncobj_record_is_temporary (record));
  g_assert_cmpuint (events.notify_key, ==, 1);
  g_assert_cmpstr (events.temporary_key, ==, temporary_key);
  g_assert_cmpstr (events.key, ==, "1");
  g_assert_cmpuint (syncobj_test_items_changed_count (changes), ==, 0);
  g_assert_cmpstr (syncobj_pending_mutation_get_key (update), ==, "1");

  /* One record, known by both keys, with the integer key member. */
  syncobj_test_assert_keys (collection, "1");
  g_assert_true (g_list_model_get_item (G_LIST_MODEL (collection), 0) == record);
  g_object_unref (record);
  g_assert_true (syncobj_collection_lookup (collection, "1") == record);
  g_object_unref (record);
  g_assert_true (syncobj_collection_lookup (collection, temporary_key) == record);
  g_object_unref (record);
  syncobj_test_assert_json (syncobj_record_get_value (record), "{\"id\": 1, \"title\": \"Food\"}");
  syncobj_test_assert_json (syncobj_record_get_synced_value (record), "{\"id\": 1, \"title\": \"Food\"}");
  g_assert_false (syncobj_record_get_pending (record));

  /* The alias writes too. */
  deleted = syncobj_test_delete (collection, temporary_key);
  syncobj_test_drain (control, collection);
  g_assert_cmpint (syncobj_transaction_get_state (deleted), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  syncobj_test_assert_keys (collection, "");

  g_signal_handlers_disconnect_by_data (record, &events);
  g_signal_handlers_disconnect_by_data (collection, &events);
  g_free (events.temporary_key);
  g_free (events.key);
}

/* A failed insert takes its temporary record away and fails what waited
 * behind it. */
static void
test_server_keys_failed_insert (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = server_keyed_collection ("server-keyed-failing", &control);
  g_autoptr(SyncobjTransaction) inserted = NULL;
  g_autoptr(SyncobjTransaction) updated = NULL;
  g_autoptr(SyncobjRecord) record = NULL;

  syncobj_sync_control_fail_next_persist_non_retriable (control);
  inserted = syncobj_test_insert (collection, "{\"title\": \"Refused\"}");
  record = g_list_model_get_item (G_LIST_MODEL (collection), 0);
  updated = syncobj_test_update (collection, syncobj_record_get_key (record), "{\"title\": \"Still refused\"}");

  syncobj_test_drain (control, collection);

  g_assert_cmpint (syncobj_transaction_get_state (inserted), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  g_assert_cmpint (syncobj_transaction_get_state (updated), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  g_assert_error (syncobj_transaction_get_error (updated), SYNCOBJ_ERROR, SYNCOBJ_ERROR_DEPENDENCY_FAILED);
  g_assert_true (syncobj_record_is_temporary (record));
  syncobj_test_assert_keys (collection, "");
}

/* The exception to the parallel strategy's "no queue": a write to a
 * temporary key waits behind the insert (queued, not sent) and goes out
 * with the server's key; writes to other keys still go at once. */
static void
test_server_keys_parallel_waits (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection =
    server_keyed_collection_full ("server-keyed-parallel", SYNCOBJ_STRATEGY_PARALLEL, &control);
  g_autoptr(SyncobjTransaction) inserted = NULL;
  g_autoptr(SyncobjTransaction) updated = NULL;
  g_autoptr(SyncobjTransaction) other = NULL;
  g_autoptr(SyncobjPendingMutation) update = NULL;
  g_autoptr(SyncobjRecord) record = NULL;
  g_autofree char *temporary_key = NULL;

  syncobj_sync_control_set_network_delay (control, 100);
  inserted = syncobj_test_insert (collection, "{\"title\": \"Groceries\"}");
  record = g_list_model_get_item (G_LIST_MODEL (collection), 0);
  temporary_key = g_strdup (syncobj_record_get_key (record));
  updated = syncobj_test_update (collection, temporary_key, "{\"title\": \"Food\"}");
  other = syncobj_test_insert (collection, "{\"id\": \"b\", \"title\": \"Other\"}");
  update = g_list_model_get_item (syncobj_transaction_get_mutations (updated), 0);

  syncobj_sync_control_run_pending (control);
  g_assert_cmpint (syncobj_transaction_get_state (updated), ==, SYNCOBJ_TRANSACTION_STATE_QUEUED);
  g_assert_cmpstr (syncobj_transaction_get_queued_behind (updated), ==, syncobj_transaction_get_id (inserted));
  g_assert_cmpint (syncobj_transaction_get_state (other), !=, SYNCOBJ_TRANSACTION_STATE_QUEUED);
  g_assert_null (syncobj_transaction_get_queued_behind (other));

  syncobj_test_drain (control, collection);

  g_assert_cmpint (syncobj_transaction_get_state (inserted), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpint (syncobj_transaction_get_state (updated), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpint (syncobj_transaction_get_state (other), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpstr (syncobj_pending_mutation_get_key (update), ==, "1");
  g_assert_cmpstr (syncobj_record_get_key (record), ==, "1");
  syncobj_test_assert_json (syncobj_record_get_synced_value (record), "{\"id\": 1, \"title\": \"Food\"}");
  syncobj_test_assert_keys (collection, "1 b");
}

/* In the parallel strategy too, a failed insert fails the writes waiting
 * behind it with SYNCOBJ_ERROR_DEPENDENCY_FAILED; others are untouched. */
static void
test_server_keys_parallel_failed_insert (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection =
    server_keyed_collection_full ("server-keyed-parallel-failing", SYNCOBJ_STRATEGY_PARALLEL, &control);
  g_autoptr(SyncobjTransaction) inserted = NULL;
  g_autoptr(SyncobjTransaction) updated = NULL;
  g_autoptr(SyncobjTransaction) deleted = NULL;
  g_autoptr(SyncobjRecord) record = NULL;
  g_autofree char *temporary_key = NULL;

  syncobj_sync_control_fail_next_persist_non_retriable (control);
  inserted = syncobj_test_insert (collection, "{\"title\": \"Refused\"}");
  record = g_list_model_get_item (G_LIST_MODEL (collection), 0);
  temporary_key = g_strdup (syncobj_record_get_key (record));
  updated = syncobj_test_update (collection, temporary_key, "{\"title\": \"Still refused\"}");
  deleted = syncobj_test_delete (collection, temporary_key);

  syncobj_test_drain (control, collection);

  g_assert_cmpint (syncobj_transaction_get_state (inserted), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  g_assert_error (syncobj_transaction_get_error (inserted), SYNCOBJ_ERROR, SYNCOBJ_ERROR_NON_RETRIABLE);
  g_assert_cmpint (syncobj_transaction_get_state (updated), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  g_assert_error (syncobj_transaction_get_error (updated), SYNCOBJ_ERROR, SYNCOBJ_ERROR_DEPENDENCY_FAILED);
  g_assert_cmpint (syncobj_transaction_get_state (deleted), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  g_assert_error (syncobj_transaction_get_error (deleted), SYNCOBJ_ERROR, SYNCOBJ_ERROR_DEPENDENCY_FAILED);
  g_assert_cmpuint (syncobj_sync_control_get_persist_count (control), ==, 1);
  syncobj_test_assert_keys (collection, "");
}

/* By default records carry their keys; temporary keys are not the
 * application's to invent. */
static void
test_server_keys_only_when_asked (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) client_keyed = syncobj_test_collection_from_json (NULL, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjSyncControl) server_control = NULL;
  g_autoptr(SyncobjCollection) server_keyed = server_keyed_collection ("server-keyed-explicit", &server_control);
  g_autoptr(SyncobjTransaction) inserted = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (syncobj_collection_get_key_source (client_keyed), ==, SYNCOBJ_KEY_SOURCE_CLIENT);
  inserted = syncobj_collection_insert_json (client_keyed, "{\"title\": \"no key\"}", &error);
  g_assert_null (inserted);
  assert_error_mentions (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD, "“id”");
  g_clear_error (&error);

  inserted = syncobj_collection_insert_json (server_keyed, "{\"id\": \"~tmp-mine\"}", &error);
  g_assert_null (inserted);
  assert_error_mentions (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD, "~tmp-");
  g_clear_error (&error);

  /* A key the application gives is used as it is. */
  inserted = syncobj_test_insert (server_keyed, "{\"id\": 40, \"title\": \"mine\"}");
  syncobj_test_drain (server_control, server_keyed);
  syncobj_test_assert_keys (server_keyed, "40");
  syncobj_test_drain (control, client_keyed);
}

int
main (int   argc,
      char *argv[])
{
  syncobj_test_init (&argc, &argv);

  g_test_add_func ("/keys/integer/round-trip", test_integer_keys_round_trip);
  g_test_add_func ("/keys/integer/range", test_integer_keys_range);
  g_test_add_func ("/keys/integer/delete-message", test_integer_keys_delete_message);
  g_test_add_func ("/keys/integer/refused", test_integer_keys_refused);
  g_test_add_func ("/keys/integer/clash-with-string", test_integer_and_string_key_clash);
  g_test_add_func ("/keys/server/rekey-in-place", test_server_keys_rekey_in_place);
  g_test_add_func ("/keys/server/failed-insert", test_server_keys_failed_insert);
  g_test_add_func ("/keys/server/parallel-waits", test_server_keys_parallel_waits);
  g_test_add_func ("/keys/server/parallel-failed-insert", test_server_keys_parallel_failed_insert);
  g_test_add_func ("/keys/server/only-when-asked", test_server_keys_only_when_asked);

  return g_test_run ();
}
