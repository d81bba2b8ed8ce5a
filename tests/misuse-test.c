/* misuse-test.c: a collection used from another thread, and a merge
 * function that writes, get criticals and errors instead of corruption
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"

#include <string.h>

#define TODOS \
  "[{\"id\": \"a\", \"title\": \"A\", \"done\": false}," \
  " {\"id\": \"b\", \"title\": \"B\", \"done\": false}," \
  " {\"id\": \"c\", \"title\": \"C\", \"done\": true}]"

/* ---- a merge function that writes -------------------------------------------- */

static void
copy_member (JsonObject *from,
             const char *name,
             JsonNode   *node,
             gpointer    to)
{
  json_object_set_member (to, name, json_node_copy (node));
}

/* A merge function that tries to write to its own collection, through the
 * collection and through its sync, then computes the value as usual: the
 * synced value with the changes of the last mutation. */
typedef struct
{
  guint   calls;
  GError *write_error;
  GError *sync_error;
} WritingMerge;

static JsonObject *
writing_merge (SyncobjCollection *collection,
               const char        *key,
               JsonObject        *synced,
               GPtrArray         *mutations,
               gpointer           user_data)
{
  WritingMerge *data = user_data;
  g_autoptr(JsonObject) changes = syncobj_test_object ("{\"merged\": true}");
  g_autoptr(SyncobjTransaction) transaction = NULL;
  SyncobjPendingMutation *last = g_ptr_array_index (mutations, mutations->len - 1);
  JsonObject *merged = json_object_new ();

  data->calls++;
  g_clear_error (&data->write_error);
  g_clear_error (&data->sync_error);
  transaction = syncobj_collection_update (collection, key, changes, &data->write_error);
  g_assert_null (transaction);
  g_assert_false (syncobj_sync_apply_json (syncobj_collection_get_sync (collection),
                                           "{\"type\": \"update\", \"value\": {\"id\": \"a\", \"synced\": true}}",
                                           -1, &data->sync_error));

  json_object_foreach_member (synced, copy_member, merged);
  json_object_foreach_member (syncobj_pending_mutation_get_changes (last), copy_member, merged);
  return merged;
}

/* Both writes fail with an error naming the collection; the merge runs
 * once per change, its value shows, and nothing else changed. */
static void
test_merge_func_cannot_write (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_PARALLEL, &control);
  g_autoptr(SyncobjTransaction) update = NULL;
  g_autoptr(GListModel) active = NULL;
  WritingMerge data = { 0 };

  syncobj_collection_set_merge_func (collection, writing_merge, &data, NULL);
  syncobj_sync_control_set_auto_echo (control, FALSE);

  update = syncobj_test_update (collection, "a", "{\"title\": \"changed\"}");
  g_assert_cmpuint (data.calls, ==, 1);
  g_assert_error (data.write_error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE);
  g_assert_nonnull (strstr (data.write_error->message, syncobj_collection_get_id (collection)));
  g_assert_nonnull (strstr (data.write_error->message, "merge function"));
  g_assert_error (data.sync_error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE);
  g_assert_nonnull (strstr (data.sync_error->message, "merge function"));
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"title\": \"changed\", \"done\": false}");
  active = syncobj_collection_get_transactions (collection);
  g_assert_cmpuint (g_list_model_get_n_items (active), ==, 1);

  /* Outside the merge function, both work as before. */
  syncobj_collection_set_merge_func (collection, NULL, NULL, NULL);
  g_clear_error (&data.write_error);
  g_clear_error (&data.sync_error);
  g_clear_object (&update);
  update = syncobj_test_update (collection, "b", "{\"done\": true}");
  g_assert_true (syncobj_sync_apply_json (syncobj_collection_get_sync (collection),
                                          "{\"type\": \"update\", \"value\": {\"id\": \"c\", \"title\": \"C2\", \"done\": true}}",
                                          -1, NULL));
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\", \"title\": \"B\", \"done\": true}");
  syncobj_test_assert_value (collection, "c", "{\"id\": \"c\", \"title\": \"C2\", \"done\": true}");
  syncobj_sync_control_set_auto_echo (control, TRUE);
}

/* ---- another thread ---------------------------------------------------------- */

/* Calls from another thread than the collection's, each of which logs a
 * critical and changes nothing. */
typedef struct
{
  SyncobjCollection  *collection;
  SyncobjTransaction *open;
  SyncobjTransaction *failed;
} OtherThread;

static JsonObject *
refused_conflict (SyncobjCollection *collection,
                  const char        *key,
                  JsonObject        *local,
                  JsonObject        *server,
                  gpointer           user_data)
{
  g_assert_not_reached ();
  return NULL;
}

static gpointer
misuse_from_thread (gpointer user_data)
{
  OtherThread *other = user_data;
  SyncobjSync *sync = syncobj_collection_get_sync (other->collection);
  g_autoptr(JsonObject) value = syncobj_test_object ("{\"id\": \"z\"}");
  g_autoptr(GError) error = NULL;

  g_assert_null (syncobj_collection_insert (other->collection, value, &error));
  g_assert_null (syncobj_collection_update (other->collection, "a", value, &error));
  g_assert_null (syncobj_collection_delete (other->collection, "a", &error));
  g_assert_false (syncobj_collection_contains (other->collection, "a"));
  g_assert_null (syncobj_collection_lookup (other->collection, "a"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (other->collection)), ==, 0);
  g_assert_false (syncobj_transaction_insert (other->open, other->collection, value, &error));
  g_assert_false (syncobj_transaction_commit (other->open, &error));
  g_assert_false (syncobj_transaction_rollback (other->open, &error));
  g_assert_false (syncobj_sync_load_json_array (sync, "[{\"id\": \"z\"}]", -1, &error));
  g_assert_false (syncobj_sync_apply_json (sync, "{\"type\": \"delete\", \"key\": \"a\"}", -1, &error));
  syncobj_collection_set_strategy (other->collection, SYNCOBJ_STRATEGY_PARALLEL);
  syncobj_collection_set_version_member (other->collection, "rev");
  syncobj_collection_set_conflict_policy (other->collection, SYNCOBJ_CONFLICT_POLICY_SERVER_WINS);
  syncobj_collection_set_conflict_func (other->collection, refused_conflict, NULL, NULL);
  g_assert_null (syncobj_transaction_retry (other->failed, &error));
  g_assert_no_error (error);
  return NULL;
}

/* A collection used from another thread: criticals naming each call, no
 * corruption, and the collection works on as before on its own thread. */
static void
test_other_thread_refused (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(SyncobjSyncControl) control = NULL;
      g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
      g_autoptr(SyncobjTransaction) open = NULL;
      g_autoptr(SyncobjTransaction) failed = NULL;
      OtherThread other = { collection, NULL, NULL };
      g_autoptr(GListModel) active = NULL;

      /* A failed transaction, which only its own thread may retry. */
      syncobj_sync_control_fail_next_persist_non_retriable (control);
      failed = syncobj_test_update (collection, "b", "{\"done\": true}");
      syncobj_sync_control_run_pending (control);
      g_assert_cmpstr (syncobj_transaction_get_state_name (failed), ==, "failed");
      open = syncobj_collection_begin (collection);
      other.open = open;
      other.failed = failed;

      /* Logged, not fatal, so that what follows the criticals is checked. */
      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      g_thread_join (g_thread_new ("other", misuse_from_thread, &other));

      syncobj_test_assert_keys (collection, "a b c");
      g_assert_cmpint (syncobj_collection_get_strategy (collection), ==, SYNCOBJ_STRATEGY_ORDERED);
      g_assert_null (syncobj_collection_get_version_member (collection));
      g_assert_cmpint (syncobj_collection_get_conflict_policy (collection), ==, SYNCOBJ_CONFLICT_POLICY_REBASE);
      g_assert_cmpstr (syncobj_transaction_get_state_name (open), ==, "pending");
      active = syncobj_collection_get_transactions (collection);
      g_assert_cmpuint (g_list_model_get_n_items (active), ==, 1);
      g_assert_cmpuint (g_list_model_get_n_items (syncobj_transaction_get_mutations (open)), ==, 0);
      syncobj_test_transaction_write (open, collection, SYNCOBJ_MUTATION_TYPE_INSERT, NULL, "{\"id\": \"d\"}");
      g_assert_true (syncobj_transaction_commit (open, NULL));
      syncobj_sync_control_run_pending (control);
      g_assert_cmpstr (syncobj_transaction_get_state_name (open), ==, "completed");
      syncobj_test_assert_keys (collection, "a b c d");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*CRITICAL*syncobj_collection_insert: called from a thread other than the one that created the collection*"
                             "*CRITICAL*syncobj_collection_update: called from a thread other*"
                             "*CRITICAL*syncobj_collection_delete: called from a thread other*"
                             "*CRITICAL*syncobj_collection_contains: called from a thread other*"
                             "*CRITICAL*syncobj_collection_lookup: called from a thread other*"
                             "*CRITICAL*syncobj_collection_get_n_items: called from a thread other*"
                             "*CRITICAL*syncobj_transaction_insert: called from a thread other*"
                             "*CRITICAL*syncobj_transaction_commit: called from a thread other*"
                             "*CRITICAL*syncobj_transaction_rollback: called from a thread other*"
                             "*CRITICAL*syncobj_sync_load_json_array: called from a thread other*"
                             "*CRITICAL*syncobj_sync_apply_json: called from a thread other*"
                             "*CRITICAL*syncobj_collection_set_strategy: called from a thread other*"
                             "*CRITICAL*syncobj_collection_set_version_member: called from a thread other*"
                             "*CRITICAL*syncobj_collection_set_conflict_policy: called from a thread other*"
                             "*CRITICAL*syncobj_collection_set_conflict_func: called from a thread other*"
                             "*CRITICAL*syncobj_transaction_retry: called from a thread other*");
}

int
main (int argc, char *argv[])
{
  syncobj_test_init (&argc, &argv);

  g_test_add_func ("/misuse/merge-func-cannot-write", test_merge_func_cannot_write);
  g_test_add_func ("/misuse/other-thread-refused", test_other_thread_refused);

  return g_test_run ();
}
