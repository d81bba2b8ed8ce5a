/* transaction-test.c: the life cycle of transactions, the merge table,
 * ordered and parallel scheduling, cascades and rollbacks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"
#include "syncobj-private.h"

#include <string.h>

#define THREE_RECORDS \
  "[{\"id\": \"a\", \"n\": 0}, {\"id\": \"b\", \"n\": 0}, {\"id\": \"c\", \"n\": 0}]"

static SyncobjPendingMutation *
get_mutation (SyncobjTransaction *transaction,
              guint               position)
{
  GListModel *mutations = syncobj_transaction_get_mutations (transaction);
  SyncobjPendingMutation *mutation = g_list_model_get_item (mutations, position);

  g_assert_nonnull (mutation);
  /* The transaction keeps it alive. */
  g_object_unref (mutation);
  return mutation;
}

/* ---- states --------------------------------------------------------------- */

static void
test_state_pending_until_main_loop (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");

  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "pending");
  g_assert_cmpint (syncobj_transaction_get_state (transaction), ==, SYNCOBJ_TRANSACTION_STATE_PENDING);
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), ==, 0);
  g_assert_cmpuint (syncobj_sync_control_get_persist_count (control), ==, 0);
  g_assert_false (syncobj_transaction_is_finished (transaction));

  syncobj_test_drain (control, collection);
}

static void
test_state_full_lifecycle (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(SyncobjTestNotify) states = NULL;

  syncobj_sync_control_set_network_delay (control, 100);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  states = syncobj_test_notify_new (transaction, "state");

  syncobj_sync_control_run_pending (control);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "persisting");
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), ==, 1);

  syncobj_sync_control_advance (control, 100);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "persisted_awaiting_sync");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 1}");

  syncobj_sync_control_advance (control, 100);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
  g_assert_true (syncobj_transaction_is_finished (transaction));
  g_assert_null (syncobj_transaction_get_error (transaction));
  g_assert_null (syncobj_transaction_get_error_transaction_id (transaction));

  syncobj_test_notify_assert (states, "persisting | persisted_awaiting_sync | completed");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 1}");
}

static void
test_state_queued (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) first = NULL;
  g_autoptr(SyncobjTransaction) second = NULL;
  g_autoptr(SyncobjTestNotify) states = NULL;

  syncobj_sync_control_set_network_delay (control, 100);
  first = syncobj_test_update (collection, "a", "{\"n\": 1}");
  second = syncobj_test_update (collection, "b", "{\"n\": 2}");
  states = syncobj_test_notify_new (second, "state");

  g_assert_cmpstr (syncobj_transaction_get_state_name (second), ==, "queued");
  g_assert_cmpstr (syncobj_transaction_get_queued_behind (second), ==, syncobj_transaction_get_id (first));

  syncobj_sync_control_run_pending (control);
  g_assert_cmpstr (syncobj_transaction_get_state_name (first), ==, "persisting");
  g_assert_cmpstr (syncobj_transaction_get_state_name (second), ==, "queued");

  g_assert_cmpint (syncobj_test_wait_transaction (control, second, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_null (syncobj_transaction_get_queued_behind (second));
  syncobj_test_notify_assert (states, "persisting | persisted_awaiting_sync | completed");
}

static void
test_state_failed_non_retriable (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(SyncobjTestNotify) states = NULL;

  syncobj_sync_control_fail_next_persist_non_retriable (control);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  states = syncobj_test_notify_new (transaction, "state");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 1}");

  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  syncobj_test_assert_failed (transaction, SYNCOBJ_ERROR_NON_RETRIABLE, NULL);
  syncobj_test_notify_assert (states, "persisting | failed");
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), ==, 1);
  g_assert_cmpuint (syncobj_sync_control_get_persist_count (control), ==, 1);

  /* Rolled back: the synced value is visible again. */
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 0}");
  syncobj_test_assert_locked_keys (collection, "");
}

static void
test_rollback_pending (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  g_autoptr(SyncobjTransaction) inserted = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (syncobj_transaction_rollback (transaction, &error));
  g_assert_no_error (error);
  syncobj_test_assert_failed (transaction, SYNCOBJ_ERROR_CANCELLED, NULL);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 0}");

  /* A rolled-back insert disappears. */
  syncobj_test_drain (control, collection);
  inserted = syncobj_test_insert (collection, "{\"id\": \"d\"}");
  g_assert_true (syncobj_collection_contains (collection, "d"));
  g_assert_true (syncobj_transaction_rollback (inserted, NULL));
  g_assert_false (syncobj_collection_contains (collection, "d"));
  syncobj_test_assert_keys (collection, "a b c");

  syncobj_test_drain (control, collection);
  g_assert_cmpuint (syncobj_sync_control_get_persist_count (control), ==, 0);
}

static void
test_rollback_queued (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) first = NULL;
  g_autoptr(SyncobjTransaction) second = NULL;

  syncobj_sync_control_set_network_delay (control, 100);
  first = syncobj_test_update (collection, "a", "{\"n\": 1}");
  second = syncobj_test_update (collection, "b", "{\"n\": 2}");
  syncobj_sync_control_run_pending (control);
  g_assert_cmpstr (syncobj_transaction_get_state_name (second), ==, "queued");

  g_assert_true (syncobj_transaction_rollback (second, NULL));
  syncobj_test_assert_failed (second, SYNCOBJ_ERROR_CANCELLED, NULL);
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\", \"n\": 0}");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 1}");

  g_assert_cmpint (syncobj_test_wait_transaction (control, first, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  syncobj_test_assert_persist_log (control, first, NULL);
}

/* A request in flight is cancelled: the transaction fails at once with its
 * changes rolled back, and the answer that comes later changes nothing. */
static void
test_rollback_persisting (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(SyncobjTransaction) next = NULL;
  g_autoptr(GError) error = NULL;

  syncobj_sync_control_set_network_delay (control, 100);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  next = syncobj_test_update (collection, "a", "{\"m\": 2}");
  syncobj_sync_control_run_pending (control);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "persisting");

  g_assert_true (syncobj_transaction_rollback (transaction, &error));
  g_assert_no_error (error);
  syncobj_test_assert_failed (transaction, SYNCOBJ_ERROR_CANCELLED, NULL);
  /* What was queued behind it on the same key fails with it. */
  syncobj_test_assert_failed (next, SYNCOBJ_ERROR_DEPENDENCY_FAILED, transaction);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 0}");
  syncobj_test_assert_locked_keys (collection, "");

  syncobj_sync_control_advance (control, 1000);
  syncobj_test_assert_failed (transaction, SYNCOBJ_ERROR_CANCELLED, NULL);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 0}");

  g_clear_error (&error);
  g_assert_false (syncobj_transaction_rollback (transaction, &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE);
  syncobj_test_drain (control, collection);
}

static void
test_rollback_completed_errors (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(GError) error = NULL;

  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_false (syncobj_transaction_rollback (transaction, &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 1}");
}

static void
test_commit_twice_errors (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = syncobj_collection_begin (collection);
  g_autoptr(GError) error = NULL;

  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_UPDATE, "a", "{\"n\": 1}");
  g_assert_true (syncobj_transaction_commit (transaction, &error));
  g_assert_no_error (error);

  /* Committed, not finished. */
  g_assert_false (syncobj_transaction_commit (transaction, &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE);
  g_clear_error (&error);

  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_false (syncobj_transaction_commit (transaction, &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
  g_assert_cmpuint (syncobj_sync_control_get_persist_count (control), ==, 1);
}

static void
test_commit_empty_completes (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = syncobj_collection_begin (collection);

  g_assert_true (syncobj_transaction_commit (transaction, NULL));
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
  syncobj_test_drain (control, collection);
  g_assert_cmpuint (syncobj_sync_control_get_persist_count (control), ==, 0);
}

/* ---- the merge table (DESIGN.md §3) --------------------------------------- */

static void
test_merge_insert_update (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = syncobj_collection_begin (collection);
  g_autoptr(SyncobjTransaction) joined = NULL;
  SyncobjPendingMutation *mutation;

  /* Plain writes join the open transaction. */
  joined = syncobj_test_insert (collection, "{\"id\": \"d\", \"title\": \"D\", \"n\": 0}");
  g_assert_true (joined == transaction);
  g_clear_object (&joined);
  joined = syncobj_test_update (collection, "d", "{\"n\": 5}");
  g_assert_true (joined == transaction);
  g_assert_true (syncobj_transaction_commit (transaction, NULL));

  g_assert_cmpuint (g_list_model_get_n_items (syncobj_transaction_get_mutations (transaction)), ==, 1);
  mutation = get_mutation (transaction, 0);
  g_assert_cmpint (syncobj_pending_mutation_get_mutation_type (mutation), ==, SYNCOBJ_MUTATION_TYPE_INSERT);
  syncobj_test_assert_json (syncobj_pending_mutation_get_changes (mutation), "{\"id\": \"d\", \"title\": \"D\", \"n\": 5}");
  syncobj_test_assert_value (collection, "d", "{\"id\": \"d\", \"title\": \"D\", \"n\": 5}");

  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  syncobj_test_assert_value (collection, "d", "{\"id\": \"d\", \"title\": \"D\", \"n\": 5}");
  syncobj_test_assert_keys (collection, "a b c d");
}

static void
test_merge_insert_delete (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = syncobj_collection_begin (collection);
  g_autoptr(SyncobjTestItemsChanged) changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));

  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_INSERT, NULL, "{\"id\": \"d\"}");
  g_assert_true (syncobj_collection_contains (collection, "d"));
  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_DELETE, "d", NULL);
  g_assert_false (syncobj_collection_contains (collection, "d"));
  g_assert_cmpuint (g_list_model_get_n_items (syncobj_transaction_get_mutations (transaction)), ==, 0);

  g_assert_true (syncobj_transaction_commit (transaction, NULL));
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
  syncobj_test_drain (control, collection);

  g_assert_cmpuint (syncobj_sync_control_get_persist_count (control), ==, 0);
  syncobj_test_assert_keys (collection, "a b c");
  syncobj_test_items_changed_assert (changes, "3,0,1 3,1,0");
}

static void
test_merge_update_update (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection =
    syncobj_test_collection_from_json ("[{\"id\": \"a\", \"x\": 0, \"y\": 0, \"z\": 0}]", SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = syncobj_collection_begin (collection);
  SyncobjPendingMutation *mutation;

  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_UPDATE, "a", "{\"x\": 1, \"y\": 1}");
  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_UPDATE, "a", "{\"y\": 2}");
  g_assert_true (syncobj_transaction_commit (transaction, NULL));

  g_assert_cmpuint (g_list_model_get_n_items (syncobj_transaction_get_mutations (transaction)), ==, 1);
  mutation = get_mutation (transaction, 0);
  g_assert_cmpint (syncobj_pending_mutation_get_mutation_type (mutation), ==, SYNCOBJ_MUTATION_TYPE_UPDATE);
  syncobj_test_assert_json (syncobj_pending_mutation_get_changes (mutation), "{\"x\": 1, \"y\": 2}");
  syncobj_test_assert_json (syncobj_pending_mutation_get_original (mutation), "{\"id\": \"a\", \"x\": 0, \"y\": 0, \"z\": 0}");
  syncobj_test_assert_json (syncobj_pending_mutation_get_modified (mutation), "{\"id\": \"a\", \"x\": 1, \"y\": 2, \"z\": 0}");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"x\": 1, \"y\": 2, \"z\": 0}");

  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"x\": 1, \"y\": 2, \"z\": 0}");
}

static void
test_merge_update_delete (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = syncobj_collection_begin (collection);
  SyncobjPendingMutation *mutation;

  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_UPDATE, "b", "{\"n\": 1}");
  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_DELETE, "b", NULL);
  g_assert_true (syncobj_transaction_commit (transaction, NULL));

  g_assert_cmpuint (g_list_model_get_n_items (syncobj_transaction_get_mutations (transaction)), ==, 1);
  mutation = get_mutation (transaction, 0);
  g_assert_cmpint (syncobj_pending_mutation_get_mutation_type (mutation), ==, SYNCOBJ_MUTATION_TYPE_DELETE);
  g_assert_cmpstr (syncobj_pending_mutation_get_key (mutation), ==, "b");
  syncobj_test_assert_keys (collection, "a c");

  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  syncobj_test_assert_keys (collection, "a c");
  syncobj_test_assert_value (collection, "b", "null");
}

/* delete+insert folds to an update whose changes are the inserted record
 * (DESIGN.md §3): members the insert sets replace the old ones. */
static void
test_merge_delete_insert (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = syncobj_collection_begin (collection);
  g_autoptr(SyncobjTestItemsChanged) changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));
  SyncobjPendingMutation *mutation;

  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_DELETE, "b", NULL);
  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_INSERT, NULL, "{\"id\": \"b\", \"n\": 7}");
  g_assert_true (syncobj_transaction_commit (transaction, NULL));

  g_assert_cmpuint (g_list_model_get_n_items (syncobj_transaction_get_mutations (transaction)), ==, 1);
  mutation = get_mutation (transaction, 0);
  g_assert_cmpint (syncobj_pending_mutation_get_mutation_type (mutation), ==, SYNCOBJ_MUTATION_TYPE_UPDATE);
  syncobj_test_assert_json (syncobj_pending_mutation_get_changes (mutation), "{\"id\": \"b\", \"n\": 7}");
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\", \"n\": 7}");

  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\", \"n\": 7}");
  /* Gone, then visible again: it is appended (list order is the order in
   * which keys became visible). */
  syncobj_test_assert_keys (collection, "a c b");
  syncobj_test_items_changed_assert (changes, "1,1,0 2,0,1");
}

static void
test_cross_collection (void)
{
  g_autoptr(SyncobjSyncControl) control_a = NULL;
  g_autoptr(SyncobjSyncControl) control_b = NULL;
  g_autoptr(SyncobjCollection) lists = syncobj_test_collection_from_json ("[{\"id\": \"l1\", \"count\": 0}]", SYNCOBJ_STRATEGY_ORDERED, &control_a);
  g_autoptr(SyncobjCollection) todos = syncobj_test_collection_from_json ("[]", SYNCOBJ_STRATEGY_ORDERED, &control_b);
  g_autoptr(SyncobjTransaction) transaction = syncobj_collection_begin (lists);
  g_autoptr(SyncobjTransaction) joined = NULL;
  g_autoptr(GListModel) lists_active = NULL;
  g_autoptr(GListModel) todos_active = NULL;
  guint registry_before = syncobj_test_count_transactions (todos);

  joined = syncobj_test_insert (todos, "{\"id\": \"t1\", \"list\": \"l1\"}");
  g_assert_true (joined == transaction);
  g_clear_object (&joined);
  joined = syncobj_test_update (lists, "l1", "{\"count\": 1}");
  g_assert_true (joined == transaction);
  g_assert_true (syncobj_transaction_commit (transaction, NULL));

  g_assert_cmpuint (g_list_model_get_n_items (syncobj_transaction_get_mutations (transaction)), ==, 2);
  g_assert_true (syncobj_transaction_get_collection (transaction) == lists);
  g_assert_cmpuint (syncobj_test_count_transactions (todos), ==, registry_before);
  lists_active = syncobj_collection_get_transactions (lists);
  todos_active = syncobj_collection_get_transactions (todos);
  g_assert_cmpuint (g_list_model_get_n_items (lists_active), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (todos_active), ==, 1);

  g_assert_cmpint (syncobj_test_wait_transaction (control_a, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);

  /* One persist call, by the mutator of the collection it was begun on. */
  syncobj_test_assert_persist_log (control_a, transaction, NULL);
  syncobj_test_assert_persist_log (control_b, NULL);

  /* Each collection got its own echo and keeps its record. */
  syncobj_test_assert_value (lists, "l1", "{\"id\": \"l1\", \"count\": 1}");
  syncobj_test_assert_keys (lists, "l1");
  syncobj_test_assert_value (todos, "t1", "{\"id\": \"t1\", \"list\": \"l1\"}");
  syncobj_test_assert_keys (todos, "t1");
  {
    g_autoptr(SyncobjRecord) record = syncobj_collection_lookup (todos, "t1");
    syncobj_test_assert_json (syncobj_record_get_synced_value (record), "{\"id\": \"t1\", \"list\": \"l1\"}");
    g_assert_false (syncobj_record_get_pending (record));
  }
}

static void
assert_active (SyncobjCollection  *collection,
               SyncobjTransaction *first,
               ...)
{
  g_autoptr(GListModel) active = syncobj_collection_get_transactions (collection);
  guint n = 0;
  va_list args;

  va_start (args, first);
  for (SyncobjTransaction *expected = first; expected != NULL; expected = va_arg (args, SyncobjTransaction *))
    {
      g_autoptr(SyncobjTransaction) listed = g_list_model_get_item (active, n++);

      g_assert_true (listed == expected);
    }
  va_end (args);
  g_assert_cmpuint (g_list_model_get_n_items (active), ==, n);
  g_assert_cmpuint (syncobj_collection_get_n_pending (collection), ==, n);
}

/* Each collection lists the active transactions that touch it in the order
 * they first did, whether they were begun on it or not, until they end. */
static void
test_cross_collection_active_in_order (void)
{
  g_autoptr(SyncobjSyncControl) control_a = NULL;
  g_autoptr(SyncobjSyncControl) control_b = NULL;
  g_autoptr(SyncobjCollection) lists = syncobj_test_collection_from_json ("[{\"id\": \"l1\", \"count\": 0}]", SYNCOBJ_STRATEGY_ORDERED, &control_a);
  g_autoptr(SyncobjCollection) todos = syncobj_test_collection_from_json ("[]", SYNCOBJ_STRATEGY_ORDERED, &control_b);
  g_autoptr(SyncobjTransaction) elsewhere = syncobj_collection_begin (lists);
  g_autoptr(SyncobjTransaction) own = NULL;
  g_autoptr(SyncobjTransaction) both = NULL;
  g_autoptr(SyncobjTransaction) joined = NULL;

  /* Begun on lists, writes to todos only. */
  joined = syncobj_test_insert (todos, "{\"id\": \"t1\"}");
  g_assert_true (joined == elsewhere);
  g_clear_object (&joined);
  g_assert_true (syncobj_transaction_commit (elsewhere, NULL));
  own = syncobj_test_update (todos, "t1", "{\"done\": true}");
  both = syncobj_collection_begin (todos);
  syncobj_test_transaction_write (both, todos, SYNCOBJ_MUTATION_TYPE_INSERT, NULL, "{\"id\": \"t2\"}");
  syncobj_test_transaction_write (both, lists, SYNCOBJ_MUTATION_TYPE_UPDATE, "l1", "{\"count\": 2}");
  g_assert_true (syncobj_transaction_commit (both, NULL));

  assert_active (lists, elsewhere, both, NULL);
  assert_active (todos, elsewhere, own, both, NULL);

  g_assert_true (syncobj_transaction_rollback (own, NULL));
  assert_active (lists, elsewhere, both, NULL);
  assert_active (todos, elsewhere, both, NULL);

  syncobj_test_drain (control_a, lists);
  syncobj_test_drain (control_b, todos);
  g_assert_cmpint (syncobj_transaction_get_state (elsewhere), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpint (syncobj_transaction_get_state (both), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  assert_active (lists, NULL);
  assert_active (todos, NULL);
}

static void
test_cross_collection_failure_rolls_back_both (void)
{
  g_autoptr(SyncobjSyncControl) control_a = NULL;
  g_autoptr(SyncobjSyncControl) control_b = NULL;
  g_autoptr(SyncobjCollection) lists = syncobj_test_collection_from_json ("[{\"id\": \"l1\", \"count\": 0}]", SYNCOBJ_STRATEGY_ORDERED, &control_a);
  g_autoptr(SyncobjCollection) todos = syncobj_test_collection_from_json ("[]", SYNCOBJ_STRATEGY_ORDERED, &control_b);
  g_autoptr(SyncobjTransaction) transaction = syncobj_collection_begin (lists);

  syncobj_test_transaction_write (transaction, todos, SYNCOBJ_MUTATION_TYPE_INSERT, NULL, "{\"id\": \"t1\"}");
  syncobj_test_transaction_write (transaction, lists, SYNCOBJ_MUTATION_TYPE_UPDATE, "l1", "{\"count\": 1}");
  syncobj_sync_control_fail_next_persist_non_retriable (control_a);
  g_assert_true (syncobj_transaction_commit (transaction, NULL));

  g_assert_cmpint (syncobj_test_wait_transaction (control_a, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  syncobj_test_assert_keys (todos, "");
  syncobj_test_assert_value (lists, "l1", "{\"id\": \"l1\", \"count\": 0}");
}

/* ---- ordered ----------------------------------------------------------------- */

static void
test_ordered_fifo (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) t1 = NULL;
  g_autoptr(SyncobjTransaction) t2 = NULL;
  g_autoptr(SyncobjTransaction) t3 = NULL;

  syncobj_sync_control_set_network_delay (control, 100);
  t1 = syncobj_test_update (collection, "a", "{\"n\": 1}");
  t2 = syncobj_test_update (collection, "b", "{\"n\": 2}");
  t3 = syncobj_test_update (collection, "c", "{\"n\": 3}");

  syncobj_sync_control_run_pending (control);
  syncobj_test_assert_persist_log (control, t1, NULL);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t2), ==, "queued");
  g_assert_cmpstr (syncobj_transaction_get_state_name (t3), ==, "queued");

  syncobj_sync_control_advance (control, 100);
  syncobj_test_assert_persist_log (control, t1, t2, NULL);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t3), ==, "queued");

  syncobj_sync_control_advance (control, 100);
  syncobj_test_assert_persist_log (control, t1, t2, t3, NULL);

  syncobj_test_drain (control, collection);
  syncobj_test_assert_persist_log (control, t1, t2, t3, NULL);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t3), ==, "completed");
}

static void
test_ordered_next_starts_when_persisted (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) t1 = NULL;
  g_autoptr(SyncobjTransaction) t2 = NULL;

  syncobj_sync_control_set_auto_echo (control, FALSE);
  t1 = syncobj_test_update (collection, "a", "{\"n\": 1}");
  t2 = syncobj_test_update (collection, "b", "{\"n\": 2}");
  syncobj_sync_control_advance (control, 1000);

  /* t1 waits for its echo, which never comes; t2 went ahead anyway. */
  g_assert_cmpstr (syncobj_transaction_get_state_name (t1), ==, "persisted_awaiting_sync");
  g_assert_cmpstr (syncobj_transaction_get_state_name (t2), ==, "persisted_awaiting_sync");
  syncobj_test_assert_persist_log (control, t1, t2, NULL);

  syncobj_test_emit_update (control, "{\"id\": \"a\", \"n\": 1}");
  syncobj_test_emit_update (control, "{\"id\": \"b\", \"n\": 2}");
  syncobj_sync_control_run_pending (control);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t1), ==, "completed");
  g_assert_cmpstr (syncobj_transaction_get_state_name (t2), ==, "completed");
  syncobj_sync_control_set_auto_echo (control, TRUE);
}

static void
test_ordered_queued_behind (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) t1 = NULL;
  g_autoptr(SyncobjTransaction) t2 = NULL;
  g_autoptr(SyncobjTransaction) t3 = NULL;

  syncobj_sync_control_set_network_delay (control, 100);
  t1 = syncobj_test_update (collection, "a", "{\"n\": 1}");
  t2 = syncobj_test_update (collection, "b", "{\"n\": 2}");
  t3 = syncobj_test_update (collection, "a", "{\"n\": 3}");

  g_assert_null (syncobj_transaction_get_queued_behind (t1));
  g_assert_cmpstr (syncobj_transaction_get_queued_behind (t2), ==, syncobj_transaction_get_id (t1));
  g_assert_cmpstr (syncobj_transaction_get_queued_behind (t3), ==, syncobj_transaction_get_id (t2));

  syncobj_sync_control_advance (control, 100);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t2), ==, "persisting");
  g_assert_null (syncobj_transaction_get_queued_behind (t2));
  g_assert_cmpstr (syncobj_transaction_get_queued_behind (t3), ==, syncobj_transaction_get_id (t2));

  syncobj_test_drain (control, collection);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 3}");
}

static void
test_ordered_key_scope_parallel_keys (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) t1 = NULL;
  g_autoptr(SyncobjTransaction) t2 = NULL;

  syncobj_collection_set_queue_scope (collection, SYNCOBJ_QUEUE_SCOPE_KEY);
  syncobj_sync_control_set_network_delay (control, 100);
  t1 = syncobj_test_update (collection, "a", "{\"n\": 1}");
  t2 = syncobj_test_update (collection, "b", "{\"n\": 2}");
  g_assert_cmpstr (syncobj_transaction_get_state_name (t2), ==, "pending");

  syncobj_sync_control_run_pending (control);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t1), ==, "persisting");
  g_assert_cmpstr (syncobj_transaction_get_state_name (t2), ==, "persisting");
  syncobj_test_assert_persist_log (control, t1, t2, NULL);
  syncobj_test_assert_locked_keys (collection, "a b");

  syncobj_test_drain (control, collection);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t2), ==, "completed");
}

/* Keys locked and unlocked in another order than they were locked: the
 * first key locked is unlocked while others stay locked, then locked
 * again. */
static void
test_ordered_key_scope_locks_interleaved (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) t1 = NULL;
  g_autoptr(SyncobjTransaction) t2 = NULL;
  g_autoptr(SyncobjTransaction) t3 = NULL;
  g_autoptr(SyncobjTransaction) t4 = NULL;

  syncobj_collection_set_queue_scope (collection, SYNCOBJ_QUEUE_SCOPE_KEY);
  syncobj_sync_control_set_network_delay (control, 100);
  t1 = syncobj_test_update (collection, "a", "{\"n\": 1}");
  syncobj_sync_control_run_pending (control);
  syncobj_sync_control_set_network_delay (control, 500);
  t2 = syncobj_test_update (collection, "c", "{\"n\": 2}");
  t3 = syncobj_test_update (collection, "b", "{\"n\": 3}");
  syncobj_sync_control_run_pending (control);
  syncobj_test_assert_locked_keys (collection, "a b c");

  g_assert_cmpint (syncobj_test_wait_transaction (control, t1, 50, 5000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_false (syncobj_transaction_is_finished (t2));
  g_assert_false (syncobj_transaction_is_finished (t3));
  syncobj_test_assert_locked_keys (collection, "b c");

  t4 = syncobj_test_update (collection, "a", "{\"n\": 4}");
  syncobj_sync_control_run_pending (control);
  syncobj_test_assert_locked_keys (collection, "a b c");

  syncobj_test_drain (control, collection);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t4), ==, "completed");
  syncobj_test_assert_locked_keys (collection, "");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 4}");
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\", \"n\": 3}");
  syncobj_test_assert_value (collection, "c", "{\"id\": \"c\", \"n\": 2}");
}

static void
test_ordered_key_scope_same_key_queued (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) t1 = NULL;
  g_autoptr(SyncobjTransaction) t2 = NULL;
  g_autoptr(SyncobjTransaction) t3 = NULL;

  syncobj_collection_set_queue_scope (collection, SYNCOBJ_QUEUE_SCOPE_KEY);
  syncobj_sync_control_set_network_delay (control, 100);
  t1 = syncobj_test_update (collection, "a", "{\"n\": 1}");
  t2 = syncobj_test_update (collection, "b", "{\"n\": 2}");
  t3 = syncobj_test_update (collection, "a", "{\"n\": 3}");

  g_assert_cmpstr (syncobj_transaction_get_state_name (t3), ==, "queued");
  g_assert_cmpstr (syncobj_transaction_get_queued_behind (t3), ==, syncobj_transaction_get_id (t1));

  syncobj_sync_control_run_pending (control);
  syncobj_test_assert_persist_log (control, t1, t2, NULL);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t3), ==, "queued");

  syncobj_sync_control_advance (control, 100);
  syncobj_test_assert_persist_log (control, t1, t2, t3, NULL);

  syncobj_test_drain (control, collection);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 3}");
}

static void
test_ordered_dependent_rollback (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) t1 = NULL;
  g_autoptr(SyncobjTransaction) t2 = NULL;
  g_autoptr(SyncobjTransaction) t3 = NULL;
  g_autoptr(SyncobjTransaction) t4 = NULL;

  syncobj_sync_control_set_network_delay (control, 100);
  syncobj_sync_control_fail_next_persist_non_retriable (control);

  t1 = syncobj_test_update (collection, "a", "{\"n\": 1}");
  t2 = syncobj_collection_begin (collection);
  syncobj_test_transaction_write (t2, collection, SYNCOBJ_MUTATION_TYPE_UPDATE, "a", "{\"n\": 2}");
  syncobj_test_transaction_write (t2, collection, SYNCOBJ_MUTATION_TYPE_UPDATE, "b", "{\"n\": 2}");
  g_assert_true (syncobj_transaction_commit (t2, NULL));
  t3 = syncobj_test_update (collection, "b", "{\"n\": 3}");
  t4 = syncobj_test_update (collection, "c", "{\"n\": 4}");

  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 2}");
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\", \"n\": 3}");
  g_assert_cmpstr (syncobj_transaction_get_state_name (t4), ==, "queued");

  syncobj_sync_control_run_pending (control);
  syncobj_sync_control_advance (control, 100);

  syncobj_test_assert_failed (t1, SYNCOBJ_ERROR_NON_RETRIABLE, NULL);
  syncobj_test_assert_failed (t2, SYNCOBJ_ERROR_DEPENDENCY_FAILED, t1);
  syncobj_test_assert_failed (t3, SYNCOBJ_ERROR_DEPENDENCY_FAILED, t1);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t4), ==, "persisting");

  /* Every optimistic change of the failed ones rolled back. */
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 0}");
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\", \"n\": 0}");
  syncobj_test_assert_value (collection, "c", "{\"id\": \"c\", \"n\": 4}");

  g_assert_cmpint (syncobj_test_wait_transaction (control, t4, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  syncobj_test_assert_persist_log (control, t1, t4, NULL);
  syncobj_test_assert_value (collection, "c", "{\"id\": \"c\", \"n\": 4}");
  syncobj_test_assert_locked_keys (collection, "");
}

static void
test_ordered_dependency_error_names_root (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) t1 = NULL;
  g_autoptr(SyncobjTransaction) t2 = NULL;
  const GError *error;

  syncobj_sync_control_fail_next_persist_non_retriable (control);
  t1 = syncobj_test_update (collection, "a", "{\"n\": 1}");
  t2 = syncobj_test_update (collection, "a", "{\"n\": 2}");
  syncobj_test_drain (control, collection);

  error = syncobj_transaction_get_error (t2);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, syncobj_transaction_get_id (t1)));
  g_assert_nonnull (strstr (error->message, syncobj_transaction_get_id (t2)));
}

/* ---- parallel ---------------------------------------------------------------- */

static void
test_parallel_persist_at_once (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_PARALLEL, &control);
  g_autoptr(SyncobjTransaction) t1 = NULL;
  g_autoptr(SyncobjTransaction) t2 = NULL;
  g_autoptr(SyncobjTransaction) t3 = NULL;

  syncobj_sync_control_set_network_delay (control, 100);
  t1 = syncobj_test_update (collection, "a", "{\"n\": 1}");
  t2 = syncobj_test_update (collection, "a", "{\"n\": 2}");
  t3 = syncobj_test_update (collection, "a", "{\"n\": 3}");
  g_assert_cmpstr (syncobj_transaction_get_state_name (t2), ==, "pending");
  g_assert_null (syncobj_transaction_get_queued_behind (t2));

  syncobj_sync_control_run_pending (control);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t1), ==, "persisting");
  g_assert_cmpstr (syncobj_transaction_get_state_name (t2), ==, "persisting");
  g_assert_cmpstr (syncobj_transaction_get_state_name (t3), ==, "persisting");
  syncobj_test_assert_persist_log (control, t1, t2, t3, NULL);
  syncobj_test_assert_locked_keys (collection, "");

  syncobj_test_drain (control, collection);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t3), ==, "completed");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 3}");
}

typedef struct
{
  guint calls;
  guint last_n_mutations;
} MergeData;

/* A counter: visible total = synced total + every pending "add". */
static JsonObject *
counter_merge (SyncobjCollection *collection,
               const char        *key,
               JsonObject        *synced,
               GPtrArray         *mutations,
               gpointer           user_data)
{
  MergeData *data = user_data;
  JsonObject *visible = json_object_new ();
  gint64 total = synced != NULL ? json_object_get_int_member_with_default (synced, "total", 0) : 0;

  data->calls++;
  data->last_n_mutations = mutations->len;

  for (guint i = 0; i < mutations->len; i++)
    {
      JsonObject *changes = syncobj_pending_mutation_get_changes (g_ptr_array_index (mutations, i));
      total += json_object_get_int_member_with_default (changes, "add", 0);
    }

  json_object_set_string_member (visible, "id", key);
  json_object_set_int_member (visible, "total", total);
  return visible;
}

static void
test_parallel_merge_func_reapplied (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection =
    syncobj_test_collection_from_json ("[{\"id\": \"a\", \"total\": 5}]", SYNCOBJ_STRATEGY_PARALLEL, &control);
  g_autoptr(SyncobjTransaction) t1 = NULL;
  g_autoptr(SyncobjTransaction) t2 = NULL;
  g_autoptr(SyncobjTestItemsChanged) changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));
  MergeData data = { 0, 0 };

  syncobj_collection_set_merge_func (collection, counter_merge, &data, NULL);
  syncobj_sync_control_set_network_delay (control, 1000);

  t1 = syncobj_test_update (collection, "a", "{\"add\": 2}");
  t2 = syncobj_test_update (collection, "a", "{\"add\": 3}");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"total\": 10}");
  g_assert_cmpuint (data.last_n_mutations, ==, 2);

  syncobj_sync_control_run_pending (control);
  data.calls = 0;

  /* Someone else changed the total: the pending adds stay on top. */
  syncobj_test_emit_update (control, "{\"id\": \"a\", \"total\": 100}");
  g_assert_cmpuint (data.calls, ==, 1);
  g_assert_cmpuint (data.last_n_mutations, ==, 2);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"total\": 105}");
  syncobj_test_items_changed_assert (changes, "0,1,1 0,1,1 0,1,1");

  syncobj_test_drain (control, collection);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t1), ==, "completed");
  g_assert_cmpstr (syncobj_transaction_get_state_name (t2), ==, "completed");
  syncobj_collection_set_merge_func (collection, NULL, NULL, NULL);
}

static void
test_parallel_no_cascade (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection =
    syncobj_test_collection_from_json ("[{\"id\": \"a\", \"x\": 0, \"y\": 0}]", SYNCOBJ_STRATEGY_PARALLEL, &control);
  g_autoptr(SyncobjTransaction) t1 = NULL;
  g_autoptr(SyncobjTransaction) t2 = NULL;

  syncobj_sync_control_set_network_delay (control, 100);
  syncobj_sync_control_fail_next_persist_non_retriable (control);
  t1 = syncobj_test_update (collection, "a", "{\"x\": 1}");
  t2 = syncobj_test_update (collection, "a", "{\"y\": 2}");

  syncobj_sync_control_run_pending (control);
  syncobj_sync_control_advance (control, 100);
  syncobj_test_assert_failed (t1, SYNCOBJ_ERROR_NON_RETRIABLE, NULL);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t2), ==, "persisted_awaiting_sync");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"x\": 0, \"y\": 2}");

  g_assert_cmpint (syncobj_test_wait_transaction (control, t2, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"x\": 0, \"y\": 2}");
}

/* ---- exact rollback of one transaction among several ------------------------ */

static void
test_rollback_one_of_three (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection =
    syncobj_test_collection_from_json ("[{\"id\": \"a\", \"x\": 0, \"y\": 0, \"z\": 0}]", SYNCOBJ_STRATEGY_PARALLEL, &control);
  g_autoptr(SyncobjTransaction) t1 = NULL;
  g_autoptr(SyncobjTransaction) t2 = NULL;
  g_autoptr(SyncobjTransaction) t3 = NULL;

  t1 = syncobj_test_update (collection, "a", "{\"x\": 1}");
  t2 = syncobj_test_update (collection, "a", "{\"y\": 2}");
  t3 = syncobj_test_update (collection, "a", "{\"z\": 3}");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"x\": 1, \"y\": 2, \"z\": 3}");

  g_assert_true (syncobj_transaction_rollback (t2, NULL));
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"x\": 1, \"y\": 0, \"z\": 3}");

  syncobj_test_drain (control, collection);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t1), ==, "completed");
  g_assert_cmpstr (syncobj_transaction_get_state_name (t3), ==, "completed");
  syncobj_test_assert_persist_log (control, t1, t3, NULL);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"x\": 1, \"y\": 0, \"z\": 3}");
}

static void
test_failure_of_middle_restores_its_fields (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection =
    syncobj_test_collection_from_json ("[{\"id\": \"a\", \"x\": 0, \"y\": 0, \"z\": 0}]", SYNCOBJ_STRATEGY_PARALLEL, &control);
  g_autoptr(SyncobjTransaction) t1 = NULL;
  g_autoptr(SyncobjTransaction) t2 = NULL;
  g_autoptr(SyncobjTransaction) t3 = NULL;

  syncobj_sync_control_set_network_delay (control, 100);
  t1 = syncobj_test_update (collection, "a", "{\"x\": 1}");
  syncobj_sync_control_run_pending (control);
  syncobj_sync_control_fail_next_persist_non_retriable (control);
  t2 = syncobj_test_update (collection, "a", "{\"x\": 2, \"y\": 2}");
  syncobj_sync_control_run_pending (control);
  t3 = syncobj_test_update (collection, "a", "{\"z\": 3}");
  syncobj_sync_control_run_pending (control);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"x\": 2, \"y\": 2, \"z\": 3}");

  syncobj_sync_control_advance (control, 100);
  syncobj_test_assert_failed (t2, SYNCOBJ_ERROR_NON_RETRIABLE, NULL);
  /* t1's x and t3's z stay; t2's x and y are gone. */
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"x\": 1, \"y\": 0, \"z\": 3}");

  syncobj_test_drain (control, collection);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"x\": 1, \"y\": 0, \"z\": 3}");
}

static void
test_ordered_rollback_last_of_three (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection =
    syncobj_test_collection_from_json ("[{\"id\": \"a\", \"x\": 0, \"y\": 0, \"z\": 0}]", SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) t1 = NULL;
  g_autoptr(SyncobjTransaction) t2 = NULL;
  g_autoptr(SyncobjTransaction) t3 = NULL;

  syncobj_sync_control_set_network_delay (control, 100);
  t1 = syncobj_test_update (collection, "a", "{\"x\": 1}");
  t2 = syncobj_test_update (collection, "a", "{\"y\": 2}");
  t3 = syncobj_test_update (collection, "a", "{\"z\": 3, \"x\": 3}");
  syncobj_sync_control_run_pending (control);

  g_assert_true (syncobj_transaction_rollback (t3, NULL));
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"x\": 1, \"y\": 2, \"z\": 0}");

  syncobj_test_drain (control, collection);
  syncobj_test_assert_persist_log (control, t1, t2, NULL);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"x\": 1, \"y\": 2, \"z\": 0}");
}

/* ---- waiting ------------------------------------------------------------------- */

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GError **error = user_data;
  gboolean ok = syncobj_transaction_wait_finish (SYNCOBJ_TRANSACTION (source), result, error);

  /* A finished wait always sets one of them. */
  g_assert_true (ok == (*error == NULL));
  if (ok)
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "completed");
}

static void
test_wait_completed (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(GError) result = NULL;

  syncobj_sync_control_set_network_delay (control, 100);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  syncobj_transaction_wait_async (transaction, NULL, wait_cb, &result);
  syncobj_sync_control_advance (control, 100);
  g_assert_null (result);

  syncobj_sync_control_advance (control, 100);
  /* wait_cb marks success with this sentinel. */
  g_assert_error (result, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&result);

  /* Waiting on a finished transaction resolves at once. */
  syncobj_transaction_wait_async (transaction, NULL, wait_cb, &result);
  syncobj_sync_control_run_pending (control);
  g_assert_error (result, G_IO_ERROR, G_IO_ERROR_EXISTS);
}

static void
test_wait_failed (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(GError) result = NULL;

  syncobj_sync_control_fail_next_persist_non_retriable (control);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  syncobj_transaction_wait_async (transaction, NULL, wait_cb, &result);
  syncobj_test_drain (control, collection);

  g_assert_error (result, SYNCOBJ_ERROR, SYNCOBJ_ERROR_NON_RETRIABLE);
  g_assert_cmpstr (result->message, ==, syncobj_transaction_get_error (transaction)->message);
}


static void
test_wait_cancelled (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) result = NULL;

  syncobj_sync_control_set_network_delay (control, 1000);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  syncobj_transaction_wait_async (transaction, cancellable, wait_cb, &result);
  syncobj_sync_control_run_pending (control);
  g_cancellable_cancel (cancellable);
  syncobj_sync_control_run_pending (control);

  /* The wait ends at once; the transaction goes on. */
  g_assert_error (result, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "persisting");
  g_clear_error (&result);

  syncobj_test_drain (control, collection);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
  g_assert_null (result);
}

typedef struct
{
  SyncobjCollection *collection;
  GString           *seen;
} StateObserver;

/* What a handler of notify::state sees of the record. */
static void
observe_state_cb (SyncobjTransaction *transaction,
                  GParamSpec         *pspec,
                  StateObserver      *observer)
{
  g_autoptr(SyncobjRecord) record = NULL;
  g_autofree char *value = NULL;

  if (!syncobj_transaction_is_finished (transaction))
    return;

  record = syncobj_collection_lookup (observer->collection, "a");
  value = syncobj_record_to_json (record);
  g_string_append_printf (observer->seen, "%s %s pending=%d",
                          syncobj_transaction_get_state_name (transaction), value,
                          syncobj_record_get_pending (record));
}

static void
test_state_notified_after_rollback (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(GString) seen = g_string_new ("");
  StateObserver observer = { collection, seen };

  syncobj_sync_control_fail_next_persist_non_retriable (control);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  g_signal_connect (transaction, "notify::state", G_CALLBACK (observe_state_cb), &observer);
  syncobj_test_drain (control, collection);

  g_assert_cmpstr (seen->str, ==, "failed {\"id\":\"a\",\"n\":0} pending=0");
}

static void
test_state_notified_after_completion (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(GString) seen = g_string_new ("");
  StateObserver observer = { collection, seen };

  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  g_signal_connect (transaction, "notify::state", G_CALLBACK (observe_state_cb), &observer);
  syncobj_test_drain (control, collection);

  g_assert_cmpstr (seen->str, ==, "completed {\"id\":\"a\",\"n\":1} pending=0");
}

static void
test_ordered_key_scope_cascade (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) t1 = NULL;
  g_autoptr(SyncobjTransaction) t2 = NULL;
  g_autoptr(SyncobjTransaction) t3 = NULL;
  g_autoptr(SyncobjTransaction) t4 = NULL;

  syncobj_collection_set_queue_scope (collection, SYNCOBJ_QUEUE_SCOPE_KEY);
  syncobj_sync_control_set_network_delay (control, 100);
  syncobj_sync_control_fail_next_persist_non_retriable (control);
  t1 = syncobj_test_update (collection, "a", "{\"n\": 1}");
  t2 = syncobj_collection_begin (collection);
  syncobj_test_transaction_write (t2, collection, SYNCOBJ_MUTATION_TYPE_UPDATE, "a", "{\"n\": 2}");
  syncobj_test_transaction_write (t2, collection, SYNCOBJ_MUTATION_TYPE_UPDATE, "b", "{\"n\": 2}");
  g_assert_true (syncobj_transaction_commit (t2, NULL));
  t3 = syncobj_test_update (collection, "b", "{\"n\": 3}");
  t4 = syncobj_test_update (collection, "c", "{\"n\": 4}");

  g_assert_cmpstr (syncobj_transaction_get_queued_behind (t2), ==, syncobj_transaction_get_id (t1));
  g_assert_cmpstr (syncobj_transaction_get_queued_behind (t3), ==, syncobj_transaction_get_id (t2));
  g_assert_cmpstr (syncobj_transaction_get_state_name (t4), ==, "pending");

  syncobj_sync_control_run_pending (control);
  syncobj_test_assert_persist_log (control, t1, t4, NULL);
  syncobj_sync_control_advance (control, 100);

  syncobj_test_assert_failed (t1, SYNCOBJ_ERROR_NON_RETRIABLE, NULL);
  syncobj_test_assert_failed (t2, SYNCOBJ_ERROR_DEPENDENCY_FAILED, t1);
  syncobj_test_assert_failed (t3, SYNCOBJ_ERROR_DEPENDENCY_FAILED, t1);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 0}");
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\", \"n\": 0}");

  syncobj_test_drain (control, collection);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t4), ==, "completed");
  syncobj_test_assert_persist_log (control, t1, t4, NULL);

  /* The emptied key queues are gone: new writes start at once. */
  g_clear_object (&t1);
  t1 = syncobj_test_update (collection, "b", "{\"n\": 9}");
  g_assert_cmpstr (syncobj_transaction_get_state_name (t1), ==, "pending");
  syncobj_test_drain (control, collection);
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\", \"n\": 9}");
}

static void
test_cross_collection_without_auto_echo (void)
{
  g_autoptr(SyncobjSyncControl) control_a = NULL;
  g_autoptr(SyncobjSyncControl) control_b = NULL;
  g_autoptr(SyncobjCollection) lists = syncobj_test_collection_from_json ("[{\"id\": \"l1\", \"count\": 0}]", SYNCOBJ_STRATEGY_ORDERED, &control_a);
  g_autoptr(SyncobjCollection) todos = syncobj_test_collection_from_json ("[]", SYNCOBJ_STRATEGY_ORDERED, &control_b);
  g_autoptr(SyncobjTransaction) transaction = syncobj_collection_begin (lists);

  syncobj_sync_control_set_auto_echo (control_a, FALSE);
  syncobj_test_transaction_write (transaction, todos, SYNCOBJ_MUTATION_TYPE_INSERT, NULL, "{\"id\": \"t1\"}");
  syncobj_test_transaction_write (transaction, lists, SYNCOBJ_MUTATION_TYPE_UPDATE, "l1", "{\"count\": 1}");
  g_assert_true (syncobj_transaction_commit (transaction, NULL));
  syncobj_sync_control_run_pending (control_a);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "persisted_awaiting_sync");

  /* The echo of each collection comes through its own sync. */
  syncobj_test_emit_update (control_b, "{\"id\": \"t1\"}");
  syncobj_sync_control_run_pending (control_a);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "persisted_awaiting_sync");
  syncobj_test_emit_update (control_a, "{\"id\": \"l1\", \"count\": 1}");
  syncobj_sync_control_run_pending (control_a);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");

  syncobj_test_assert_keys (lists, "l1");
  syncobj_test_assert_keys (todos, "t1");
  syncobj_sync_control_set_auto_echo (control_a, TRUE);
}

static void
test_ordered_cascade_across_collections (void)
{
  g_autoptr(SyncobjSyncControl) control_a = NULL;
  g_autoptr(SyncobjSyncControl) control_b = NULL;
  g_autoptr(SyncobjCollection) a = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control_a);
  g_autoptr(SyncobjCollection) b = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control_b);
  g_autoptr(SyncobjTransaction) t1 = NULL;
  g_autoptr(SyncobjTransaction) t2 = NULL;
  g_autoptr(SyncobjTransaction) t3 = NULL;
  g_autoptr(SyncobjTransaction) t4 = NULL;

  syncobj_sync_control_set_network_delay (control_a, 100);
  syncobj_sync_control_set_network_delay (control_b, 100);
  syncobj_sync_control_fail_next_persist_non_retriable (control_a);
  t1 = syncobj_test_update (a, "a", "{\"n\": 1}");
  t2 = syncobj_collection_begin (a);
  syncobj_test_transaction_write (t2, a, SYNCOBJ_MUTATION_TYPE_UPDATE, "a", "{\"n\": 2}");
  syncobj_test_transaction_write (t2, b, SYNCOBJ_MUTATION_TYPE_UPDATE, "b", "{\"n\": 2}");
  g_assert_true (syncobj_transaction_commit (t2, NULL));
  t3 = syncobj_test_update (b, "b", "{\"n\": 3}");
  t4 = syncobj_test_update (b, "c", "{\"n\": 4}");

  /* t2 heads b's queue but waits for t1 in a's; t3 and t4 wait behind it. */
  g_assert_cmpstr (syncobj_transaction_get_queued_behind (t2), ==, syncobj_transaction_get_id (t1));
  g_assert_cmpstr (syncobj_transaction_get_queued_behind (t3), ==, syncobj_transaction_get_id (t2));
  g_assert_cmpstr (syncobj_transaction_get_queued_behind (t4), ==, syncobj_transaction_get_id (t3));

  syncobj_sync_control_run_pending (control_a);
  syncobj_sync_control_advance (control_a, 100);
  syncobj_test_assert_failed (t1, SYNCOBJ_ERROR_NON_RETRIABLE, NULL);
  syncobj_test_assert_failed (t2, SYNCOBJ_ERROR_DEPENDENCY_FAILED, t1);
  syncobj_test_assert_failed (t3, SYNCOBJ_ERROR_DEPENDENCY_FAILED, t1);
  syncobj_test_assert_value (b, "b", "{\"id\": \"b\", \"n\": 0}");

  syncobj_test_drain (control_b, b);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t4), ==, "completed");
  syncobj_test_assert_persist_log (control_b, t4, NULL);
  syncobj_test_assert_value (b, "c", "{\"id\": \"c\", \"n\": 4}");
}

/* A transaction begun on one collection that writes only to another is
 * queued in that other collection alone: it does not wait behind the
 * first collection's transactions, with which it shares nothing. */
static void
test_begun_on_one_collection_writing_another (void)
{
  g_autoptr(SyncobjSyncControl) control_a = NULL;
  g_autoptr(SyncobjSyncControl) control_b = NULL;
  g_autoptr(SyncobjCollection) a = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control_a);
  g_autoptr(SyncobjCollection) b = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control_b);
  g_autoptr(SyncobjTransaction) t1 = NULL;
  g_autoptr(SyncobjTransaction) t2 = NULL;
  g_autoptr(SyncobjTransaction) t3 = NULL;

  syncobj_sync_control_set_network_delay (control_a, 100);
  syncobj_sync_control_set_network_delay (control_b, 100);
  t1 = syncobj_test_update (a, "a", "{\"n\": 1}");
  t2 = syncobj_collection_begin (a);
  syncobj_test_transaction_write (t2, b, SYNCOBJ_MUTATION_TYPE_UPDATE, "b", "{\"n\": 2}");
  g_assert_true (syncobj_transaction_commit (t2, NULL));
  t3 = syncobj_test_update (b, "c", "{\"n\": 3}");

  g_assert_null (syncobj_transaction_get_queued_behind (t2));
  g_assert_cmpstr (syncobj_transaction_get_queued_behind (t3), ==, syncobj_transaction_get_id (t2));
  syncobj_sync_control_run_pending (control_a);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t1), ==, "persisting");
  g_assert_cmpstr (syncobj_transaction_get_state_name (t2), ==, "persisting");
  g_assert_cmpstr (syncobj_transaction_get_state_name (t3), ==, "queued");

  syncobj_test_drain (control_a, a);
  syncobj_test_drain (control_b, b);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t1), ==, "completed");
  g_assert_cmpstr (syncobj_transaction_get_state_name (t2), ==, "completed");
  g_assert_cmpstr (syncobj_transaction_get_state_name (t3), ==, "completed");
  syncobj_test_assert_value (a, "a", "{\"id\": \"a\", \"n\": 1}");
  syncobj_test_assert_value (b, "b", "{\"id\": \"b\", \"n\": 2}");
  syncobj_test_assert_value (b, "c", "{\"id\": \"c\", \"n\": 3}");
}

static void
test_rollback_uncommitted_across_collections (void)
{
  g_autoptr(SyncobjSyncControl) control_a = NULL;
  g_autoptr(SyncobjSyncControl) control_b = NULL;
  g_autoptr(SyncobjCollection) a = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control_a);
  g_autoptr(SyncobjCollection) b = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_PARALLEL, &control_b);
  g_autoptr(SyncobjTransaction) transaction = syncobj_collection_begin (a);
  g_autoptr(GListModel) active = NULL;

  syncobj_test_transaction_write (transaction, a, SYNCOBJ_MUTATION_TYPE_DELETE, "a", NULL);
  syncobj_test_transaction_write (transaction, b, SYNCOBJ_MUTATION_TYPE_INSERT, NULL, "{\"id\": \"new\"}");
  syncobj_test_assert_keys (a, "b c");
  syncobj_test_assert_keys (b, "a b c new");

  g_assert_true (syncobj_transaction_rollback (transaction, NULL));
  syncobj_test_assert_failed (transaction, SYNCOBJ_ERROR_CANCELLED, NULL);
  syncobj_test_assert_keys (a, "b c a");
  syncobj_test_assert_keys (b, "a b c");
  active = syncobj_collection_get_transactions (b);
  g_assert_cmpuint (g_list_model_get_n_items (active), ==, 0);
  syncobj_sync_control_advance (control_a, 1000);
  g_assert_cmpuint (syncobj_sync_control_get_persist_count (control_a), ==, 0);
}

/* The list of a transaction's mutations is made when first asked for:
 * asked for before any write, or after some, it shows every mutation and
 * reports the later ones to a handler connected then; one that outlives
 * its transaction still shows them. */
static void
test_mutations_list_made_on_demand (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  SyncobjTransaction *early = syncobj_collection_begin (collection);
  SyncobjTransaction *late = NULL;
  g_autoptr(GListModel) kept = NULL;
  g_autoptr(SyncobjTestItemsChanged) early_changes = NULL;
  g_autoptr(SyncobjTestItemsChanged) late_changes = NULL;
  g_autoptr(SyncobjPendingMutation) first = NULL;

  /* Asked for before any write. */
  early_changes = syncobj_test_items_changed_new (syncobj_transaction_get_mutations (early));
  g_assert_cmpuint (g_list_model_get_n_items (syncobj_transaction_get_mutations (early)), ==, 0);
  g_assert_true (g_list_model_get_item_type (syncobj_transaction_get_mutations (early)) == SYNCOBJ_TYPE_PENDING_MUTATION);
  syncobj_test_transaction_write (early, collection, SYNCOBJ_MUTATION_TYPE_UPDATE, "a", "{\"n\": 1}");
  syncobj_test_transaction_write (early, collection, SYNCOBJ_MUTATION_TYPE_UPDATE, "b", "{\"n\": 1}");
  syncobj_test_transaction_write (early, collection, SYNCOBJ_MUTATION_TYPE_UPDATE, "a", "{\"n\": 2}");  /* folds */
  syncobj_test_items_changed_assert (early_changes, "0,0,1 1,0,1");
  g_assert_true (syncobj_transaction_get_mutations (early) == syncobj_transaction_get_mutations (early));
  g_assert_true (syncobj_transaction_rollback (early, NULL));
  g_clear_pointer (&early_changes, syncobj_test_items_changed_free);
  g_object_unref (early);

  /* Asked for after two writes (beyond the one a list holds without an
   * array); a handler connected then sees the later ones. */
  late = syncobj_collection_begin (collection);
  syncobj_test_transaction_write (late, collection, SYNCOBJ_MUTATION_TYPE_UPDATE, "a", "{\"n\": 3}");
  syncobj_test_transaction_write (late, collection, SYNCOBJ_MUTATION_TYPE_UPDATE, "b", "{\"n\": 3}");
  kept = g_object_ref (syncobj_transaction_get_mutations (late));
  late_changes = syncobj_test_items_changed_new (kept);
  g_assert_cmpuint (g_list_model_get_n_items (kept), ==, 2);
  syncobj_test_transaction_write (late, collection, SYNCOBJ_MUTATION_TYPE_DELETE, "c", NULL);
  syncobj_test_transaction_write (late, collection, SYNCOBJ_MUTATION_TYPE_INSERT, NULL, "{\"id\": \"d\", \"n\": 0}");
  syncobj_test_items_changed_assert (late_changes, "2,0,1 3,0,1");
  first = g_list_model_get_item (kept, 0);
  g_assert_cmpstr (syncobj_pending_mutation_get_key (first), ==, "a");

  /* An insert then a delete of one key leaves nothing: the mutation goes. */
  syncobj_test_transaction_write (late, collection, SYNCOBJ_MUTATION_TYPE_DELETE, "d", NULL);
  syncobj_test_items_changed_assert (late_changes, "2,0,1 3,0,1 3,1,0");
  g_assert_true (syncobj_transaction_commit (late, NULL));
  syncobj_test_drain (control, collection);
  g_assert_cmpint (syncobj_transaction_get_state (late), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);

  /* The list outlives the transaction with its mutations. */
  syncobj_registry_forget_finished (syncobj_registry_get_default ());
  g_object_add_weak_pointer (G_OBJECT (late), (gpointer *) &late);
  g_object_unref (late);
  g_assert_null (late);
  g_assert_cmpuint (g_list_model_get_n_items (kept), ==, 3);
  g_clear_object (&first);
  first = g_list_model_get_item (kept, 2);
  g_assert_cmpstr (syncobj_pending_mutation_get_key (first), ==, "c");
  g_assert_null (g_list_model_get_item (kept, 3));
}

static void
test_pending_mutation_fields (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = syncobj_collection_begin (collection);
  SyncobjPendingMutation *inserted;
  SyncobjPendingMutation *updated;
  SyncobjPendingMutation *deleted;
  gint64 start = syncobj_sync_control_get_now (control);

  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_INSERT, NULL, "{\"id\": \"d\", \"n\": 1}");
  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_UPDATE, "a", "{\"n\": 2}");
  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_DELETE, "b", NULL);
  g_assert_true (syncobj_transaction_commit (transaction, NULL));
  syncobj_sync_control_set_network_delay (control, 100);

  inserted = get_mutation (transaction, 0);
  updated = get_mutation (transaction, 1);
  deleted = get_mutation (transaction, 2);

  g_assert_cmpstr (syncobj_pending_mutation_get_key (inserted), ==, "d");
  g_assert_cmpint (syncobj_pending_mutation_get_mutation_type (inserted), ==, SYNCOBJ_MUTATION_TYPE_INSERT);
  g_assert_null (syncobj_pending_mutation_get_original (inserted));
  syncobj_test_assert_json (syncobj_pending_mutation_get_modified (inserted), "{\"id\": \"d\", \"n\": 1}");

  syncobj_test_assert_json (syncobj_pending_mutation_get_original (updated), "{\"id\": \"a\", \"n\": 0}");
  syncobj_test_assert_json (syncobj_pending_mutation_get_modified (updated), "{\"id\": \"a\", \"n\": 2}");
  syncobj_test_assert_json (syncobj_pending_mutation_get_changes (updated), "{\"n\": 2}");

  g_assert_cmpint (syncobj_pending_mutation_get_mutation_type (deleted), ==, SYNCOBJ_MUTATION_TYPE_DELETE);
  syncobj_test_assert_json (syncobj_pending_mutation_get_original (deleted), "{\"id\": \"b\", \"n\": 0}");
  g_assert_null (syncobj_pending_mutation_get_modified (deleted));
  syncobj_test_assert_json (syncobj_pending_mutation_get_changes (deleted), "{}");

  g_assert_cmpstr (syncobj_pending_mutation_get_mutation_id (inserted), !=, syncobj_pending_mutation_get_mutation_id (updated));
  g_assert_cmpstr (syncobj_pending_mutation_get_collection_id (updated), ==, syncobj_collection_get_id (collection));
  g_assert_true (syncobj_pending_mutation_get_collection (updated) == collection);
  g_assert_cmpint (g_date_time_to_unix (syncobj_pending_mutation_get_created_at (updated)), ==, start / G_USEC_PER_SEC);

  g_assert_cmpint (syncobj_pending_mutation_get_state (updated), ==, SYNCOBJ_MUTATION_STATE_CREATED);
  syncobj_sync_control_run_pending (control);
  g_assert_cmpint (syncobj_pending_mutation_get_state (updated), ==, SYNCOBJ_MUTATION_STATE_PERSISTING);
  syncobj_test_drain (control, collection);
  g_assert_cmpint (syncobj_pending_mutation_get_state (updated), ==, SYNCOBJ_MUTATION_STATE_SYNCED);
  g_assert_cmpint (syncobj_pending_mutation_get_state (deleted), ==, SYNCOBJ_MUTATION_STATE_SYNCED);
}

static void
test_fields_and_json (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(JsonObject) metadata = syncobj_test_object ("{\"reason\": \"test\"}");
  g_autofree char *json = NULL;
  g_autoptr(JsonObject) described = NULL;
  gint64 start = syncobj_sync_control_get_now (control);

  syncobj_sync_control_set_network_delay (control, 1500);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  syncobj_transaction_set_metadata (transaction, metadata);
  syncobj_test_assert_json (syncobj_transaction_get_metadata (transaction), "{\"reason\": \"test\"}");
  g_assert_true (syncobj_transaction_get_collection (transaction) == collection);
  g_assert_true (g_uuid_string_is_valid (syncobj_transaction_get_id (transaction)));
  g_assert_cmpint (g_date_time_to_unix (syncobj_transaction_get_created_at (transaction)), ==, start / G_USEC_PER_SEC);

  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 1500, 10000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  /* Two network delays later, on the virtual clock. */
  g_assert_cmpint (g_date_time_difference (syncobj_transaction_get_updated_at (transaction),
                                           syncobj_transaction_get_created_at (transaction)), ==, 3000 * 1000);

  json = syncobj_transaction_to_json (transaction);
  described = syncobj_test_object (json);
  g_assert_cmpstr (json_object_get_string_member (described, "id"), ==, syncobj_transaction_get_id (transaction));
  g_assert_cmpstr (json_object_get_string_member (described, "state"), ==, "completed");
  g_assert_cmpint (json_object_get_int_member (described, "current_attempt"), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (described, "mutations")), ==, 1);
}

static void
test_on_thread_default_context (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  {
    g_autoptr(SyncobjSyncControl) control = NULL;
    g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
    g_autoptr(SyncobjTransaction) t1 = NULL;
    g_autoptr(SyncobjTransaction) t2 = NULL;
    g_autoptr(GError) result = NULL;

    syncobj_sync_control_set_network_delay (control, 100);
    syncobj_sync_control_fail_next_persist (control);
    t1 = syncobj_test_update (collection, "a", "{\"n\": 1}");
    t2 = syncobj_test_update (collection, "b", "{\"n\": 2}");
    syncobj_transaction_wait_async (t2, NULL, wait_cb, &result);

    /* Nothing is left for the global default context to run. */
    g_assert_false (g_main_context_pending (NULL));
    syncobj_test_drain (control, collection);
    g_assert_cmpstr (syncobj_transaction_get_state_name (t1), ==, "completed");
    g_assert_error (result, G_IO_ERROR, G_IO_ERROR_EXISTS);
    g_assert_false (g_main_context_pending (NULL));
  }
  g_main_context_pop_thread_default (context);
}

/* A record deleted and inserted again is replaced: the members of the old
 * one that the insert does not set are gone, while pending, after the echo,
 * and on the synced side; rolling it back brings the old record back. */
static void
test_merge_delete_insert_replaces_the_record (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection =
    syncobj_test_collection_from_json ("[{\"id\": \"a\", \"title\": \"old\", \"done\": true},"
                                       " {\"id\": \"b\", \"title\": \"old\", \"done\": true}]",
                                       SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = syncobj_collection_begin (collection);
  g_autoptr(SyncobjTransaction) rolled_back = NULL;
  g_autoptr(SyncobjPendingMutation) mutation = NULL;
  g_autoptr(SyncobjRecord) record = NULL;

  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_DELETE, "a", NULL);
  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_INSERT, NULL, "{\"id\": \"a\", \"title\": \"new\"}");
  mutation = g_list_model_get_item (syncobj_transaction_get_mutations (transaction), 0);
  g_assert_cmpint (syncobj_pending_mutation_get_mutation_type (mutation), ==, SYNCOBJ_MUTATION_TYPE_UPDATE);
  syncobj_test_assert_json (syncobj_pending_mutation_get_modified (mutation), "{\"id\": \"a\", \"title\": \"new\"}");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"title\": \"new\"}");
  /* A later update in the same transaction keeps it a replacement. */
  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_UPDATE, "a", "{\"n\": 1}");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"title\": \"new\", \"n\": 1}");
  g_assert_true (syncobj_transaction_commit (transaction, NULL));

  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"title\": \"new\", \"n\": 1}");
  record = syncobj_collection_lookup (collection, "a");
  syncobj_test_assert_json (syncobj_record_get_synced_value (record), "{\"id\": \"a\", \"title\": \"new\", \"n\": 1}");

  /* Rolled back: the old record is back whole. */
  rolled_back = syncobj_collection_begin (collection);
  syncobj_test_transaction_write (rolled_back, collection, SYNCOBJ_MUTATION_TYPE_DELETE, "b", NULL);
  syncobj_test_transaction_write (rolled_back, collection, SYNCOBJ_MUTATION_TYPE_INSERT, NULL, "{\"id\": \"b\"}");
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\"}");
  g_assert_true (syncobj_transaction_rollback (rolled_back, NULL));
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\", \"title\": \"old\", \"done\": true}");
}

static void
test_begin_nested (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) outer = syncobj_collection_begin (collection);
  g_autoptr(SyncobjTransaction) inner = syncobj_collection_begin (collection);
  g_autoptr(SyncobjTransaction) joined = NULL;
  g_autoptr(SyncobjTransaction) own = NULL;

  /* The innermost open transaction is joined... */
  joined = syncobj_test_update (collection, "a", "{\"n\": 1}");
  g_assert_true (joined == inner);
  g_assert_true (syncobj_transaction_commit (inner, NULL));

  /* ...then, once it is committed, the one around it... */
  g_clear_object (&joined);
  joined = syncobj_test_update (collection, "b", "{\"n\": 2}");
  g_assert_true (joined == outer);
  g_assert_true (syncobj_transaction_commit (outer, NULL));

  /* ...and without any, a write makes its own. */
  own = syncobj_test_update (collection, "c", "{\"n\": 3}");
  g_assert_true (own != inner && own != outer);

  syncobj_test_drain (control, collection);
  syncobj_test_assert_persist_log (control, inner, outer, own, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (syncobj_transaction_get_mutations (inner)), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (syncobj_transaction_get_mutations (outer)), ==, 1);
}

static void
test_ordered_key_scope_queued_behind_follows_blockers (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (THREE_RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) t1 = NULL;
  g_autoptr(SyncobjTransaction) t2 = NULL;
  g_autoptr(SyncobjTransaction) t3 = NULL;
  g_autoptr(SyncobjTestNotify) behind = NULL;

  syncobj_collection_set_queue_scope (collection, SYNCOBJ_QUEUE_SCOPE_KEY);

  syncobj_sync_control_set_network_delay (control, 100);
  t1 = syncobj_test_update (collection, "a", "{\"n\": 1}");
  syncobj_sync_control_run_pending (control);
  syncobj_sync_control_set_network_delay (control, 300);
  t2 = syncobj_test_update (collection, "b", "{\"n\": 2}");
  syncobj_sync_control_run_pending (control);

  t3 = syncobj_collection_begin (collection);
  syncobj_test_transaction_write (t3, collection, SYNCOBJ_MUTATION_TYPE_UPDATE, "a", "{\"n\": 3}");
  syncobj_test_transaction_write (t3, collection, SYNCOBJ_MUTATION_TYPE_UPDATE, "b", "{\"n\": 3}");
  g_assert_true (syncobj_transaction_commit (t3, NULL));
  behind = syncobj_test_notify_new (t3, "queued-behind");
  g_assert_cmpstr (syncobj_transaction_get_queued_behind (t3), ==, syncobj_transaction_get_id (t1));

  /* t1 persisted; t2 (slower) still blocks b. */
  syncobj_sync_control_advance (control, 100);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t3), ==, "queued");
  g_assert_cmpstr (syncobj_transaction_get_queued_behind (t3), ==, syncobj_transaction_get_id (t2));

  syncobj_sync_control_advance (control, 200);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t3), ==, "persisting");
  g_assert_null (syncobj_transaction_get_queued_behind (t3));
  g_assert_cmpuint (syncobj_test_notify_count (behind), ==, 2);

  syncobj_test_drain (control, collection);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 3}");
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\", \"n\": 3}");
}

/* ---- the scheduler's wake-up, per main context ------------------------------ */

typedef struct
{
  GThread  *expected;   /* the thread whose context must run it */
  gboolean  ran;
  gboolean  on_expected;
} WakeRecord;

static void
record_wake (gpointer data)
{
  WakeRecord *record = data;

  record->ran = TRUE;
  record->on_expected = g_thread_self () == record->expected;
}

static gpointer
wake_on_own_context (gpointer data)
{
  WakeRecord *record = data;
  g_autoptr(GMainContext) context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  record->expected = g_thread_self ();
  _syncobj_scheduler_wake (_syncobj_scheduler_get_default (), record_wake, record, NULL);
  for (guint i = 0; i < 10 && !record->ran; i++)
    g_main_context_iteration (context, FALSE);
  g_main_context_pop_thread_default (context);
  return NULL;
}

/* The start of a transaction (a wake-up of the scheduler) runs on the main
 * context of the thread that committed it, even while the context of
 * another thread has a start due. */
static void
test_wake_runs_on_own_context (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  WakeRecord here = { g_thread_self (), FALSE, FALSE };
  WakeRecord there = { NULL, FALSE, FALSE };

  g_main_context_push_thread_default (context);
  _syncobj_scheduler_wake (_syncobj_scheduler_get_default (), record_wake, &here, NULL);

  g_thread_join (g_thread_new ("own-context", wake_on_own_context, &there));
  g_assert_true (there.ran);
  g_assert_true (there.on_expected);
  g_assert_false (here.ran);

  for (guint i = 0; i < 10 && !here.ran; i++)
    g_main_context_iteration (context, FALSE);
  g_assert_true (here.ran);
  g_assert_true (here.on_expected);
  g_main_context_pop_thread_default (context);
}

int
main (int argc, char *argv[])
{
  syncobj_test_init (&argc, &argv);

  g_test_add_func ("/transaction/state/pending-until-main-loop-runs", test_state_pending_until_main_loop);
  g_test_add_func ("/transaction/state/full-lifecycle", test_state_full_lifecycle);
  g_test_add_func ("/transaction/state/queued", test_state_queued);
  g_test_add_func ("/transaction/state/failed-non-retriable-rolls-back", test_state_failed_non_retriable);
  g_test_add_func ("/transaction/rollback/pending", test_rollback_pending);
  g_test_add_func ("/transaction/rollback/queued", test_rollback_queued);
  g_test_add_func ("/transaction/rollback/persisting", test_rollback_persisting);
  g_test_add_func ("/transaction/rollback/completed-errors", test_rollback_completed_errors);
  g_test_add_func ("/transaction/rollback/one-of-three-restores-its-fields", test_rollback_one_of_three);
  g_test_add_func ("/transaction/rollback/ordered-last-of-three", test_ordered_rollback_last_of_three);
  g_test_add_func ("/transaction/failure/middle-of-three-restores-its-fields", test_failure_of_middle_restores_its_fields);
  g_test_add_func ("/transaction/commit/twice-errors", test_commit_twice_errors);
  g_test_add_func ("/transaction/begin/innermost-open-is-joined", test_begin_nested);
  g_test_add_func ("/transaction/commit/empty-completes-at-once", test_commit_empty_completes);
  g_test_add_func ("/transaction/merge/insert-update-is-insert", test_merge_insert_update);
  g_test_add_func ("/transaction/merge/insert-delete-is-nothing", test_merge_insert_delete);
  g_test_add_func ("/transaction/merge/update-update-unions-changes", test_merge_update_update);
  g_test_add_func ("/transaction/merge/update-delete-is-delete", test_merge_update_delete);
  g_test_add_func ("/transaction/merge/delete-insert-is-update", test_merge_delete_insert);
  g_test_add_func ("/transaction/merge/delete-insert-replaces-the-record", test_merge_delete_insert_replaces_the_record);
  g_test_add_func ("/transaction/cross-collection/one-transaction", test_cross_collection);
  g_test_add_func ("/transaction/cross-collection/active-in-order", test_cross_collection_active_in_order);
  g_test_add_func ("/transaction/cross-collection/failure-rolls-back-both", test_cross_collection_failure_rolls_back_both);
  g_test_add_func ("/transaction/ordered/fifo", test_ordered_fifo);
  g_test_add_func ("/transaction/ordered/next-starts-when-previous-persisted", test_ordered_next_starts_when_persisted);
  g_test_add_func ("/transaction/ordered/queued-behind-names-the-one-ahead", test_ordered_queued_behind);
  g_test_add_func ("/transaction/ordered/key-scope/independent-keys-in-parallel", test_ordered_key_scope_parallel_keys);
  g_test_add_func ("/transaction/ordered/key-scope/locks-interleaved", test_ordered_key_scope_locks_interleaved);
  g_test_add_func ("/transaction/ordered/key-scope/same-key-queued", test_ordered_key_scope_same_key_queued);
  g_test_add_func ("/transaction/ordered/key-scope/queued-behind-follows-blockers", test_ordered_key_scope_queued_behind_follows_blockers);
  g_test_add_func ("/transaction/ordered/dependent-rollback", test_ordered_dependent_rollback);
  g_test_add_func ("/transaction/ordered/dependency-error-names-root", test_ordered_dependency_error_names_root);
  g_test_add_func ("/transaction/parallel/persist-at-once", test_parallel_persist_at_once);
  g_test_add_func ("/transaction/parallel/merge-func-reapplied-after-sync", test_parallel_merge_func_reapplied);
  g_test_add_func ("/transaction/parallel/no-cascade", test_parallel_no_cascade);
  g_test_add_func ("/transaction/wait/completed", test_wait_completed);
  g_test_add_func ("/transaction/wait/failed", test_wait_failed);
  g_test_add_func ("/transaction/thread-default-context", test_on_thread_default_context);
  g_test_add_func ("/transaction/ordered/cascade-across-collections", test_ordered_cascade_across_collections);
  g_test_add_func ("/transaction/ordered/begun-on-one-collection-writing-another", test_begun_on_one_collection_writing_another);
  g_test_add_func ("/transaction/rollback/uncommitted-across-collections", test_rollback_uncommitted_across_collections);
  g_test_add_func ("/transaction/mutations/fields", test_pending_mutation_fields);
  g_test_add_func ("/transaction/mutations/list-made-on-demand", test_mutations_list_made_on_demand);
  g_test_add_func ("/transaction/fields-and-json", test_fields_and_json);
  g_test_add_func ("/transaction/wait/cancelled", test_wait_cancelled);
  g_test_add_func ("/transaction/state/notified-after-rollback", test_state_notified_after_rollback);
  g_test_add_func ("/transaction/state/notified-after-completion", test_state_notified_after_completion);
  g_test_add_func ("/transaction/ordered/key-scope/dependent-rollback", test_ordered_key_scope_cascade);
  g_test_add_func ("/transaction/cross-collection/echo-through-each-sync", test_cross_collection_without_auto_echo);
  g_test_add_func ("/transaction/start/on-the-committing-thread", test_wake_runs_on_own_context);

  return g_test_run ();
}
