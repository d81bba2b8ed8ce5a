/* bad-input-test.c: every invalid call fails with a clear GError and
 * changes nothing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"

#include <string.h>

#define RECORDS "[{\"id\": \"a\", \"n\": 0}, {\"id\": \"b\", \"n\": 0}]"

typedef struct
{
  SyncobjSyncControl *control;
  SyncobjCollection  *collection;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &fixture->control);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  syncobj_test_drain (fixture->control, fixture->collection);
  g_clear_object (&fixture->collection);
  g_clear_object (&fixture->control);
}

#define add_test(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

/* Asserts that @transaction is NULL and @error is SYNCOBJ_ERROR @code with
 * a message mentioning @needle (when not NULL). */
static void
assert_rejected (SyncobjTransaction *transaction,
                 GError             *error,
                 SyncobjError        code,
                 const char         *needle)
{
  g_assert_null (transaction);
  g_assert_error (error, SYNCOBJ_ERROR, (gint) code);
  if (needle != NULL && strstr (error->message, needle) == NULL)
    g_error ("error message “%s” does not mention “%s”", error->message, needle);
}

/* ---- records ------------------------------------------------------------- */

static void
test_insert_not_an_object (Fixture       *fixture,
                           gconstpointer  data)
{
  const char *inputs[] = { "[1]", "1", "\"a\"", "null", "{\"id\": ", "" };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(SyncobjTestSnapshot) snapshot = syncobj_test_snapshot_new (fixture->collection);
      g_autoptr(GError) error = NULL;
      g_autoptr(SyncobjTransaction) transaction = syncobj_collection_insert_json (fixture->collection, inputs[i], &error);

      assert_rejected (transaction, error, SYNCOBJ_ERROR_INVALID_RECORD, NULL);
      syncobj_test_snapshot_assert_unchanged (snapshot);
    }
}

static void
test_insert_null_value (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(SyncobjTestSnapshot) snapshot = syncobj_test_snapshot_new (fixture->collection);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjTransaction) transaction = syncobj_collection_insert (fixture->collection, NULL, &error);

  assert_rejected (transaction, error, SYNCOBJ_ERROR_INVALID_RECORD, NULL);
  syncobj_test_snapshot_assert_unchanged (snapshot);
}

static void
test_insert_bad_key (Fixture       *fixture,
                     gconstpointer  data)
{
  const char *inputs[] = {
    "{\"title\": \"no key\"}",
    "{\"id\": \"\"}",
    "{\"id\": 5.5}",
    "{\"id\": null}",
    "{\"id\": true}",
    "{\"id\": {\"nested\": \"a\"}}",
    "{\"id\": [\"a\"]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(SyncobjTestSnapshot) snapshot = syncobj_test_snapshot_new (fixture->collection);
      g_autoptr(GError) error = NULL;
      g_autoptr(SyncobjTransaction) transaction = syncobj_collection_insert_json (fixture->collection, inputs[i], &error);

      /* The message names the key member. */
      assert_rejected (transaction, error, SYNCOBJ_ERROR_INVALID_RECORD, "id");
      syncobj_test_snapshot_assert_unchanged (snapshot);
    }
}

static void
test_insert_duplicate (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(SyncobjTestSnapshot) snapshot = syncobj_test_snapshot_new (fixture->collection);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjTransaction) transaction = syncobj_collection_insert_json (fixture->collection, "{\"id\": \"a\", \"n\": 9}", &error);

  assert_rejected (transaction, error, SYNCOBJ_ERROR_KEY_EXISTS, "“a”");
  syncobj_test_snapshot_assert_unchanged (snapshot);
}

static void
test_insert_duplicate_of_optimistic (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(SyncobjTransaction) first = syncobj_test_insert (fixture->collection, "{\"id\": \"c\"}");
  g_autoptr(SyncobjTestSnapshot) snapshot = syncobj_test_snapshot_new (fixture->collection);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjTransaction) second = syncobj_collection_insert_json (fixture->collection, "{\"id\": \"c\", \"n\": 1}", &error);

  assert_rejected (second, error, SYNCOBJ_ERROR_KEY_EXISTS, "“c”");
  syncobj_test_snapshot_assert_unchanged (snapshot);
  syncobj_test_assert_value (fixture->collection, "c", "{\"id\": \"c\"}");
}

static void
test_update_unknown_key (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(SyncobjTestSnapshot) snapshot = syncobj_test_snapshot_new (fixture->collection);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjTransaction) transaction = syncobj_collection_update_json (fixture->collection, "zzz", "{\"n\": 1}", &error);

  assert_rejected (transaction, error, SYNCOBJ_ERROR_KEY_NOT_FOUND, "“zzz”");
  syncobj_test_snapshot_assert_unchanged (snapshot);
}

static void
test_delete_unknown_key (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(SyncobjTestSnapshot) snapshot = syncobj_test_snapshot_new (fixture->collection);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjTransaction) transaction = syncobj_collection_delete (fixture->collection, "zzz", &error);

  assert_rejected (transaction, error, SYNCOBJ_ERROR_KEY_NOT_FOUND, "“zzz”");
  syncobj_test_snapshot_assert_unchanged (snapshot);
}

static void
test_update_of_deleted_key (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(SyncobjTransaction) deleted = syncobj_test_delete (fixture->collection, "a");
  g_autoptr(SyncobjTestSnapshot) snapshot = syncobj_test_snapshot_new (fixture->collection);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjTransaction) updated = syncobj_collection_update_json (fixture->collection, "a", "{\"n\": 1}", &error);
  g_autoptr(SyncobjTransaction) deleted_again = NULL;

  assert_rejected (updated, error, SYNCOBJ_ERROR_KEY_NOT_FOUND, "“a”");
  g_clear_error (&error);
  deleted_again = syncobj_collection_delete (fixture->collection, "a", &error);
  assert_rejected (deleted_again, error, SYNCOBJ_ERROR_KEY_NOT_FOUND, "“a”");
  syncobj_test_snapshot_assert_unchanged (snapshot);
}

static void
test_update_bad_key_argument (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(SyncobjTestSnapshot) snapshot = syncobj_test_snapshot_new (fixture->collection);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) changes = syncobj_test_object ("{\"n\": 1}");
  g_autoptr(SyncobjTransaction) empty = syncobj_collection_update (fixture->collection, "", changes, &error);
  g_autoptr(SyncobjTransaction) null_key = NULL;
  g_autoptr(SyncobjTransaction) deleted = NULL;

  assert_rejected (empty, error, SYNCOBJ_ERROR_INVALID_RECORD, NULL);
  g_clear_error (&error);
  null_key = syncobj_collection_update (fixture->collection, NULL, changes, &error);
  assert_rejected (null_key, error, SYNCOBJ_ERROR_INVALID_RECORD, NULL);
  g_clear_error (&error);
  deleted = syncobj_collection_delete (fixture->collection, "", &error);
  assert_rejected (deleted, error, SYNCOBJ_ERROR_INVALID_RECORD, NULL);
  syncobj_test_snapshot_assert_unchanged (snapshot);
}

static void
test_update_changes_key (Fixture       *fixture,
                         gconstpointer  data)
{
  const char *inputs[] = { "{\"id\": \"b\"}", "{\"id\": \"z\", \"n\": 1}", "{\"id\": 5}", "{\"id\": null}", "{\"id\": \"\"}" };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(SyncobjTestSnapshot) snapshot = syncobj_test_snapshot_new (fixture->collection);
      g_autoptr(GError) error = NULL;
      g_autoptr(SyncobjTransaction) transaction = syncobj_collection_update_json (fixture->collection, "a", inputs[i], &error);

      assert_rejected (transaction, error, SYNCOBJ_ERROR_INVALID_RECORD, "“a”");
      syncobj_test_snapshot_assert_unchanged (snapshot);
    }
}

static void
test_update_not_an_object (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(SyncobjTestSnapshot) snapshot = syncobj_test_snapshot_new (fixture->collection);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjTransaction) from_json = syncobj_collection_update_json (fixture->collection, "a", "[1]", &error);
  g_autoptr(SyncobjTransaction) from_null = NULL;

  assert_rejected (from_json, error, SYNCOBJ_ERROR_INVALID_RECORD, NULL);
  g_clear_error (&error);
  from_null = syncobj_collection_update (fixture->collection, "a", NULL, &error);
  assert_rejected (from_null, error, SYNCOBJ_ERROR_INVALID_RECORD, NULL);
  syncobj_test_snapshot_assert_unchanged (snapshot);
}

static void
test_no_mutator (void)
{
  g_autoptr(SyncobjCollection) collection = syncobj_collection_new ("no-mutator", NULL, NULL);
  g_autoptr(SyncobjTestSnapshot) snapshot = syncobj_test_snapshot_new (collection);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjTransaction) transaction = syncobj_collection_insert_json (collection, "{\"id\": \"a\"}", &error);

  assert_rejected (transaction, error, SYNCOBJ_ERROR_INVALID_STATE, "no-mutator");
  syncobj_test_snapshot_assert_unchanged (snapshot);
  g_assert_cmpuint (syncobj_collection_get_size (collection), ==, 0);
}

/* ---- transactions ---------------------------------------------------------- */

static void
test_commit_finished (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(SyncobjTransaction) transaction = syncobj_test_update (fixture->collection, "a", "{\"n\": 1}");
  g_autoptr(SyncobjTestSnapshot) snapshot = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (syncobj_test_wait_transaction (fixture->control, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  snapshot = syncobj_test_snapshot_new (fixture->collection);

  g_assert_false (syncobj_transaction_commit (transaction, &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE);
  g_assert_nonnull (strstr (error->message, syncobj_transaction_get_id (transaction)));
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
  syncobj_sync_control_run_pending (fixture->control);
  syncobj_test_snapshot_assert_unchanged (snapshot);
  g_assert_cmpuint (syncobj_sync_control_get_persist_count (fixture->control), ==, 1);
}

static void
test_write_to_committed_transaction (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(SyncobjTransaction) transaction = syncobj_collection_begin (fixture->collection);
  g_autoptr(JsonObject) changes = syncobj_test_object ("{\"n\": 2}");
  g_autoptr(SyncobjTestSnapshot) snapshot = NULL;
  g_autoptr(GError) error = NULL;

  syncobj_test_transaction_write (transaction, fixture->collection, SYNCOBJ_MUTATION_TYPE_UPDATE, "a", "{\"n\": 1}");
  g_assert_true (syncobj_transaction_commit (transaction, NULL));
  snapshot = syncobj_test_snapshot_new (fixture->collection);

  g_assert_false (syncobj_transaction_update (transaction, fixture->collection, "b", changes, &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE);
  g_assert_cmpuint (g_list_model_get_n_items (syncobj_transaction_get_mutations (transaction)), ==, 1);
  syncobj_test_snapshot_assert_unchanged (snapshot);
}

static void
test_write_to_rolled_back_transaction (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_autoptr(SyncobjTransaction) transaction = syncobj_collection_begin (fixture->collection);
  g_autoptr(JsonObject) changes = syncobj_test_object ("{\"n\": 2}");
  g_autoptr(SyncobjTestSnapshot) snapshot = NULL;
  g_autoptr(SyncobjTransaction) later = NULL;
  g_autoptr(GError) error = NULL;

  syncobj_test_transaction_write (transaction, fixture->collection, SYNCOBJ_MUTATION_TYPE_UPDATE, "a", "{\"n\": 1}");
  g_assert_true (syncobj_transaction_rollback (transaction, NULL));
  syncobj_test_assert_value (fixture->collection, "a", "{\"id\": \"a\", \"n\": 0}");
  snapshot = syncobj_test_snapshot_new (fixture->collection);

  g_assert_false (syncobj_transaction_update (transaction, fixture->collection, "b", changes, &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE);
  g_clear_error (&error);
  g_assert_false (syncobj_transaction_commit (transaction, &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE);
  syncobj_test_snapshot_assert_unchanged (snapshot);

  /* It is no longer the open transaction: a plain write makes its own. */
  later = syncobj_test_update (fixture->collection, "b", "{\"n\": 3}");
  g_assert_true (later != transaction);
}

static void
test_failed_write_leaves_open_transaction_intact (Fixture       *fixture,
                                                  gconstpointer  data)
{
  g_autoptr(SyncobjTransaction) transaction = syncobj_collection_begin (fixture->collection);
  g_autoptr(SyncobjTestSnapshot) snapshot = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjTransaction) rejected = NULL;

  syncobj_test_transaction_write (transaction, fixture->collection, SYNCOBJ_MUTATION_TYPE_UPDATE, "a", "{\"n\": 1}");
  snapshot = syncobj_test_snapshot_new (fixture->collection);
  rejected = syncobj_collection_update_json (fixture->collection, "a", "{\"id\": \"b\"}", &error);
  assert_rejected (rejected, error, SYNCOBJ_ERROR_INVALID_RECORD, NULL);
  syncobj_test_snapshot_assert_unchanged (snapshot);

  g_assert_cmpuint (g_list_model_get_n_items (syncobj_transaction_get_mutations (transaction)), ==, 1);
  g_assert_true (syncobj_transaction_commit (transaction, NULL));
  g_assert_cmpint (syncobj_test_wait_transaction (fixture->control, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  syncobj_test_assert_value (fixture->collection, "a", "{\"id\": \"a\", \"n\": 1}");
}

/* ---- the sync side ------------------------------------------------------------ */

static void
test_sync_write_without_begin (Fixture       *fixture,
                               gconstpointer  data)
{
  SyncobjSync *sync = syncobj_sync_control_get_sync (fixture->control);
  g_autoptr(SyncobjTestSnapshot) snapshot = syncobj_test_snapshot_new (fixture->collection);
  g_autoptr(JsonObject) value = syncobj_test_object ("{\"id\": \"c\"}");
  g_autoptr(GError) error = NULL;

  g_assert_false (syncobj_sync_write (sync, SYNCOBJ_MUTATION_TYPE_INSERT, value, &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE);
  g_clear_error (&error);
  g_assert_false (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_INSERT, "{\"id\": \"c\"}", &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE);
  g_clear_error (&error);
  g_assert_false (syncobj_sync_commit (sync, &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE);
  g_clear_error (&error);
  g_assert_false (syncobj_sync_truncate (sync, &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE);

  syncobj_test_snapshot_assert_unchanged (snapshot);
}

static void
test_sync_write_malformed_value (Fixture       *fixture,
                                 gconstpointer  data)
{
  SyncobjSync *sync = syncobj_sync_control_get_sync (fixture->control);
  g_autoptr(SyncobjTestSnapshot) snapshot = syncobj_test_snapshot_new (fixture->collection);
  const char *inputs[] = { "{\"n\": 1}", "{\"id\": 3.5}", "{\"id\": \"\"}", "[1]", "{" };
  g_autoptr(GError) error = NULL;

  syncobj_sync_begin (sync);
  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_assert_false (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_UPDATE, inputs[i], &error));
      g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD);
      g_clear_error (&error);
    }
  g_assert_false (syncobj_sync_write (sync, SYNCOBJ_MUTATION_TYPE_INSERT, NULL, &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD);

  /* The commit stays open and holds none of them. */
  g_assert_true (syncobj_sync_commit (sync, NULL));
  syncobj_test_snapshot_assert_unchanged (snapshot);
}

static void
test_sync_apply_json_garbage (Fixture       *fixture,
                              gconstpointer  data)
{
  SyncobjSync *sync = syncobj_sync_control_get_sync (fixture->control);
  const char *inputs[] = {
    "{{{",
    "",
    "42",
    "[1, 2]",
    "{\"value\": {\"id\": \"c\"}}",
    "{\"type\": \"upsert\", \"value\": {\"id\": \"c\"}}",
    "{\"type\": 1, \"value\": {\"id\": \"c\"}}",
    "{\"type\": \"insert\"}",
    "{\"type\": \"insert\", \"value\": [1]}",
    "{\"type\": \"insert\", \"value\": {\"title\": \"no key\"}}",
    "{\"type\": \"update\", \"value\": {\"id\": 7.5}}",
    "{\"type\": \"delete\"}",
    "{\"type\": \"delete\", \"key\": \"\"}",
    "{\"type\": \"delete\", \"key\": 4.5}",
    "{\"type\": \"delete\", \"key\": true}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(SyncobjTestSnapshot) snapshot = syncobj_test_snapshot_new (fixture->collection);
      g_autoptr(GError) error = NULL;

      if (syncobj_sync_apply_json (sync, inputs[i], -1, &error))
        g_error ("sync message accepted: %s", inputs[i]);
      g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE);
      syncobj_test_snapshot_assert_unchanged (snapshot);
    }
}

static void
test_sync_apply_json_partial_garbage (Fixture       *fixture,
                                      gconstpointer  data)
{
  SyncobjSync *sync = syncobj_sync_control_get_sync (fixture->control);
  g_autoptr(SyncobjTestSnapshot) snapshot = syncobj_test_snapshot_new (fixture->collection);
  g_autoptr(GError) error = NULL;

  g_assert_false (syncobj_sync_apply_json (sync,
                                           "[{\"type\": \"insert\", \"value\": {\"id\": \"c\"}},"
                                           " {\"type\": \"update\", \"value\": {\"id\": \"a\", \"n\": 5}},"
                                           " {\"type\": \"update\", \"value\": \"oops\"}]",
                                           -1, &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE);
  /* The message names the culprit's index. */
  g_assert_nonnull (strstr (error->message, "2"));
  syncobj_test_snapshot_assert_unchanged (snapshot);
}

static void
test_sync_apply_json_garbage_into_open_commit (Fixture       *fixture,
                                               gconstpointer  data)
{
  SyncobjSync *sync = syncobj_sync_control_get_sync (fixture->control);
  g_autoptr(SyncobjTestSnapshot) snapshot = syncobj_test_snapshot_new (fixture->collection);
  g_autoptr(SyncobjTestItemsChanged) changes = syncobj_test_items_changed_new (G_LIST_MODEL (fixture->collection));
  g_autoptr(GError) error = NULL;

  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_INSERT, "{\"id\": \"c\"}", NULL));
  g_assert_false (syncobj_sync_apply_json (sync,
                                           "[{\"type\": \"insert\", \"value\": {\"id\": \"d\"}}, {\"type\": \"?\"}]",
                                           -1, &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE);
  syncobj_test_snapshot_assert_unchanged (snapshot);

  /* Only the valid write made before reaches the collection. */
  g_assert_true (syncobj_sync_commit (sync, NULL));
  syncobj_test_assert_keys (fixture->collection, "a b c");
}

static void
test_control_emit_json_garbage (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(SyncobjTestSnapshot) snapshot = syncobj_test_snapshot_new (fixture->collection);
  g_autoptr(GError) error = NULL;

  g_assert_false (syncobj_sync_control_emit_json (fixture->control, "[{\"type\": \"insert\", \"value\": {\"id\": \"c\"}}, 1]", &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE);
  syncobj_test_snapshot_assert_unchanged (snapshot);
}

static void
test_sync_load_json_array_garbage (Fixture       *fixture,
                                   gconstpointer  data)
{
  SyncobjSync *sync = syncobj_sync_control_get_sync (fixture->control);
  const char *inputs[] = {
    "[",
    "{\"id\": \"c\"}",
    "[1]",
    "[{\"id\": 1.5}]",
    "[{\"title\": \"no key\"}]",
    "[{\"id\": \"c\"}, {\"id\": \"\"}]",
    "[{\"id\": \"c\"}, 5]",
    "[{\"id\": \"c\"}] trailing",
    "[{\"id\": \"c\", \"n\": tru}]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(SyncobjTestSnapshot) snapshot = syncobj_test_snapshot_new (fixture->collection);
      g_autoptr(GError) error = NULL;

      if (syncobj_sync_load_json_array (sync, inputs[i], -1, &error))
        g_error ("snapshot accepted: %s", inputs[i]);
      g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE);
      syncobj_test_snapshot_assert_unchanged (snapshot);
    }
}

static void
test_initial_data_with_bad_records (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  const GError *error;

  collection = syncobj_test_collection_from_json ("[{\"id\": \"a\"}, 1, {\"title\": \"no key\"}, {\"id\": \"b\"}]",
                                                  SYNCOBJ_STRATEGY_ORDERED, &control);

  /* The good records are there; the sync reports the bad ones. */
  syncobj_test_assert_keys (collection, "a b");
  g_assert_true (syncobj_collection_get_ready (collection));
  error = syncobj_sync_get_error (syncobj_sync_control_get_sync (control));
  g_assert_nonnull (error);
  g_assert_true (error->domain == SYNCOBJ_ERROR);
  g_assert_cmpint (error->code, ==, SYNCOBJ_ERROR_INVALID_RECORD);
}

int
main (int argc, char *argv[])
{
  syncobj_test_init (&argc, &argv);

  add_test ("/bad-input/insert/not-an-object", test_insert_not_an_object);
  add_test ("/bad-input/insert/null-value", test_insert_null_value);
  add_test ("/bad-input/insert/missing-empty-or-non-string-key", test_insert_bad_key);
  add_test ("/bad-input/insert/duplicate", test_insert_duplicate);
  add_test ("/bad-input/insert/duplicate-of-optimistic", test_insert_duplicate_of_optimistic);
  add_test ("/bad-input/update/unknown-key", test_update_unknown_key);
  add_test ("/bad-input/delete/unknown-key", test_delete_unknown_key);
  add_test ("/bad-input/update/deleted-key", test_update_of_deleted_key);
  add_test ("/bad-input/update/empty-or-null-key", test_update_bad_key_argument);
  add_test ("/bad-input/update/changes-key", test_update_changes_key);
  add_test ("/bad-input/update/not-an-object", test_update_not_an_object);
  g_test_add_func ("/bad-input/collection/no-mutator", test_no_mutator);
  add_test ("/bad-input/transaction/commit-finished", test_commit_finished);
  add_test ("/bad-input/transaction/write-to-committed", test_write_to_committed_transaction);
  add_test ("/bad-input/transaction/write-to-rolled-back", test_write_to_rolled_back_transaction);
  add_test ("/bad-input/transaction/failed-write-leaves-open-transaction", test_failed_write_leaves_open_transaction_intact);
  add_test ("/bad-input/sync/write-without-begin", test_sync_write_without_begin);
  add_test ("/bad-input/sync/malformed-value", test_sync_write_malformed_value);
  add_test ("/bad-input/sync/apply-json-garbage", test_sync_apply_json_garbage);
  add_test ("/bad-input/sync/apply-json-partial-garbage", test_sync_apply_json_partial_garbage);
  add_test ("/bad-input/sync/apply-json-garbage-into-open-commit", test_sync_apply_json_garbage_into_open_commit);
  add_test ("/bad-input/sync/control-emit-json-garbage", test_control_emit_json_garbage);
  add_test ("/bad-input/sync/load-json-array-garbage", test_sync_load_json_array_garbage);
  g_test_add_func ("/bad-input/test-collection/initial-data-with-bad-records", test_initial_data_with_bad_records);

  return g_test_run ();
}
