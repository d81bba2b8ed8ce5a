/* collection-test.c: writes, the list model and its items-changed
 * positions, and the locks of the ordered strategy
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"
#include "syncobj-collection-fields-private.h"
#include "syncobj-record-private.h"
#include "syncobj-json-util-private.h"

#include <string.h>

#define TODOS \
  "[{\"id\": \"a\", \"title\": \"A\", \"done\": false}," \
  " {\"id\": \"b\", \"title\": \"B\", \"done\": false}," \
  " {\"id\": \"c\", \"title\": \"C\", \"done\": true}]"

/* ---- writes ----------------------------------------------------------------- */

static void
test_insert_visible_at_once (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;

  g_assert_true (syncobj_collection_get_ready (collection));
  g_assert_cmpuint (syncobj_collection_get_size (collection), ==, 3);

  transaction = syncobj_test_insert (collection, "{\"id\": \"d\", \"title\": \"D\"}");
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "pending");
  g_assert_true (syncobj_collection_contains (collection, "d"));
  g_assert_cmpuint (syncobj_collection_get_size (collection), ==, 4);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (collection)), ==, 4);
  syncobj_test_assert_value (collection, "d", "{\"id\": \"d\", \"title\": \"D\"}");

  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  syncobj_test_assert_value (collection, "d", "{\"id\": \"d\", \"title\": \"D\"}");
  syncobj_test_assert_keys (collection, "a b c d");
}

static void
test_insert_copies_value (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(JsonObject) value = syncobj_test_object ("{\"id\": \"d\", \"title\": \"D\"}");
  g_autoptr(SyncobjTransaction) transaction = syncobj_collection_insert (collection, value, NULL);

  g_assert_nonnull (transaction);
  json_object_set_string_member (value, "title", "changed afterwards");
  syncobj_test_assert_value (collection, "d", "{\"id\": \"d\", \"title\": \"D\"}");
  syncobj_test_drain (control, collection);
}

static void
test_update_shallow_merge (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection =
    syncobj_test_collection_from_json ("[{\"id\": \"a\", \"title\": \"A\", \"meta\": {\"x\": 1, \"y\": 2}}]",
                                       SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = syncobj_test_update (collection, "a", "{\"meta\": {\"x\": 5}, \"done\": true}");

  /* Shallow: "meta" is replaced, not merged; other members stay. */
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"title\": \"A\", \"meta\": {\"x\": 5}, \"done\": true}");
  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"title\": \"A\", \"meta\": {\"x\": 5}, \"done\": true}");
}

static void
test_update_may_repeat_key (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = syncobj_test_update (collection, "a", "{\"id\": \"a\", \"done\": true}");

  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"title\": \"A\", \"done\": true}");
  syncobj_test_drain (control, collection);
}

static void
test_delete_removes (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = syncobj_test_delete (collection, "b");

  g_assert_false (syncobj_collection_contains (collection, "b"));
  g_assert_null (syncobj_collection_lookup (collection, "b"));
  syncobj_test_assert_keys (collection, "a c");

  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  syncobj_test_assert_keys (collection, "a c");
}

static void
test_delete_then_insert_same_key (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) deleted = syncobj_test_delete (collection, "b");
  g_autoptr(SyncobjTransaction) inserted = syncobj_test_insert (collection, "{\"id\": \"b\", \"title\": \"B2\"}");

  g_assert_true (deleted != inserted);
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\", \"title\": \"B2\"}");
  syncobj_test_drain (control, collection);
  g_assert_cmpstr (syncobj_transaction_get_state_name (inserted), ==, "completed");
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\", \"title\": \"B2\"}");
}

/* A handler of ::transaction-added runs after the write was checked and
 * before it is applied. When it makes the write impossible (deletes the
 * record being updated, inserts the key being inserted), the write fails
 * as if it had come after, with its transaction failed and nothing
 * changed. */
typedef struct
{
  SyncobjCollection  *collection;
  SyncobjTransaction *inner;
  const char         *json;   /* insert this; NULL: delete "b" */
  gboolean            done;
} Meddler;

static void
meddle_cb (SyncobjCollection  *collection,
           SyncobjTransaction *transaction,
           Meddler            *meddler)
{
  if (meddler->done)
    return;  /* only the first write meddles */
  meddler->done = TRUE;
  meddler->inner = meddler->json != NULL ? syncobj_test_insert (collection, meddler->json)
                                         : syncobj_test_delete (collection, "b");
}

static void
check_write_meddled (const char         *what,
                     const char         *json,
                     gint                code,
                     const char         *keys)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(JsonObject) value = syncobj_test_object (json);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(GError) error = NULL;
  Meddler meddler = { collection, NULL, NULL, FALSE };
  gulong handler;

  if (g_str_equal (what, "insert"))
    meddler.json = json;
  handler = g_signal_connect (collection, "transaction-added", G_CALLBACK (meddle_cb), &meddler);
  transaction = g_str_equal (what, "insert") ? syncobj_collection_insert (collection, value, &error)
                                             : syncobj_collection_update (collection, "b", value, &error);
  g_signal_handler_disconnect (collection, handler);

  g_assert_error (error, SYNCOBJ_ERROR, code);
  g_assert_null (transaction);
  g_assert_nonnull (meddler.inner);
  syncobj_test_assert_keys (collection, keys);
  /* Only the handler's write is pending. */
  g_assert_cmpuint (syncobj_collection_get_n_pending (collection), ==, 1);
  g_assert_cmpint (syncobj_test_wait_transaction (control, meddler.inner, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  syncobj_test_assert_keys (collection, keys);
  g_clear_object (&meddler.inner);
}

static void
test_update_of_record_deleted_meanwhile (void)
{
  check_write_meddled ("update", "{\"done\": true}", SYNCOBJ_ERROR_KEY_NOT_FOUND, "a c");
}

static void
test_insert_of_key_inserted_meanwhile (void)
{
  check_write_meddled ("insert", "{\"id\": \"d\", \"title\": \"D\"}", SYNCOBJ_ERROR_KEY_EXISTS, "a b c d");
}

static void
test_to_json (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = syncobj_test_delete (collection, "a");
  g_autofree char *json = syncobj_collection_to_json (collection);
  g_autoptr(JsonNode) node = json_from_string (json, NULL);
  g_autoptr(JsonNode) expected = json_from_string ("[{\"id\": \"b\", \"title\": \"B\", \"done\": false},"
                                                   " {\"id\": \"c\", \"title\": \"C\", \"done\": true}]", NULL);

  g_assert_true (json_node_equal (node, expected));
  syncobj_test_drain (control, collection);
}

/* ---- the list model ----------------------------------------------------------- */

static void
test_initial_sync_one_emission (void)
{
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("initial-sync");
  g_autoptr(SyncobjCollection) collection = syncobj_collection_new ("initial-sync", sync, NULL);
  g_autoptr(SyncobjTestItemsChanged) changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));
  g_autoptr(SyncobjTestNotify) ready = syncobj_test_notify_new (collection, "ready");
  g_autoptr(GError) error = NULL;

  g_assert_false (syncobj_collection_get_ready (collection));

  syncobj_sync_begin (sync);
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"id\": \"k%u\"}", i);
      g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_INSERT, json, &error));
      g_assert_no_error (error);
    }
  /* Nothing before the commit. */
  syncobj_test_items_changed_assert (changes, "");
  g_assert_true (syncobj_sync_commit (sync, &error));

  syncobj_test_items_changed_assert (changes, "0,0,5");
  syncobj_test_assert_keys (collection, "k0 k1 k2 k3 k4");
  g_assert_false (syncobj_collection_get_ready (collection));

  syncobj_sync_mark_ready (sync);
  g_assert_true (syncobj_collection_get_ready (collection));
  syncobj_test_notify_assert (ready, "true");
}

static void
test_items_changed_insert_appends (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTestItemsChanged) changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));
  g_autoptr(SyncobjTransaction) t1 = syncobj_test_insert (collection, "{\"id\": \"0\"}");
  g_autoptr(SyncobjTransaction) t2 = syncobj_test_insert (collection, "{\"id\": \"d\"}");
  g_autoptr(SyncobjRecord) last = NULL;

  syncobj_test_items_changed_assert (changes, "3,0,1 4,0,1");
  last = g_list_model_get_item (G_LIST_MODEL (collection), 4);
  g_assert_cmpstr (syncobj_record_get_key (last), ==, "d");
  syncobj_test_drain (control, collection);

  /* The echo confirms them where they are: no further emission. */
  syncobj_test_items_changed_assert (changes, "3,0,1 4,0,1");
  syncobj_test_assert_keys (collection, "a b c 0 d");
}

static void
test_items_changed_delete_position (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTestItemsChanged) changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));
  g_autoptr(SyncobjTransaction) t1 = syncobj_test_delete (collection, "b");
  g_autoptr(SyncobjTransaction) t2 = syncobj_test_delete (collection, "c");
  g_autoptr(SyncobjTransaction) t3 = syncobj_test_delete (collection, "a");

  syncobj_test_items_changed_assert (changes, "1,1,0 1,1,0 0,1,0");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (collection)), ==, 0);
  syncobj_test_drain (control, collection);
  syncobj_test_items_changed_assert (changes, "1,1,0 1,1,0 0,1,0");
}

static void
test_items_changed_update_in_place (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTestItemsChanged) changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));
  g_autoptr(SyncobjTransaction) t1 = syncobj_test_update (collection, "b", "{\"done\": true}");
  g_autoptr(SyncobjTransaction) t2 = syncobj_test_update (collection, "c", "{\"done\": false}");

  syncobj_test_items_changed_assert (changes, "1,1,1 2,1,1");
  syncobj_test_drain (control, collection);
  /* The echo carries the same values: nothing visible changes. */
  syncobj_test_items_changed_assert (changes, "1,1,1 2,1,1");
}

static void
test_items_changed_update_to_same_value (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTestItemsChanged) changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));
  g_autoptr(SyncobjTransaction) transaction = syncobj_test_update (collection, "b", "{\"done\": false}");

  syncobj_test_items_changed_assert (changes, "");
  syncobj_test_drain (control, collection);
  syncobj_test_items_changed_assert (changes, "");
}

static void
test_items_changed_sync_batch (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTestItemsChanged) changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));
  g_autoptr(GError) error = NULL;

  g_assert_true (syncobj_sync_control_emit_json (control,
                                                 "[{\"type\": \"insert\", \"value\": {\"id\": \"d\"}},"
                                                 " {\"type\": \"update\", \"value\": {\"id\": \"a\", \"done\": true}},"
                                                 " {\"type\": \"insert\", \"value\": {\"id\": \"e\"}},"
                                                 " {\"type\": \"delete\", \"key\": \"c\"}]",
                                                 &error));
  g_assert_no_error (error);

  /* Appended records are announced before any later change, so that
   * every position is valid when it is emitted. */
  syncobj_test_items_changed_assert (changes, "3,0,1 0,1,1 4,0,1 2,1,0");
  syncobj_test_assert_keys (collection, "a b d e");
}

/* Rows changed in place by one commit: one items-changed per contiguous
 * range, in the order the writes came. */
static void
test_items_changed_sync_changes_one_range (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (
    "[{\"id\": \"a\"}, {\"id\": \"b\"}, {\"id\": \"c\"}, {\"id\": \"d\"}, {\"id\": \"e\"}]",
    SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTestItemsChanged) changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));
  g_autoptr(GError) error = NULL;

  g_assert_true (syncobj_sync_control_emit_json (control,
                                                 "[{\"type\": \"update\", \"value\": {\"id\": \"b\", \"x\": 1}},"
                                                 " {\"type\": \"update\", \"value\": {\"id\": \"c\", \"x\": 1}},"
                                                 " {\"type\": \"update\", \"value\": {\"id\": \"d\", \"x\": 1}},"
                                                 " {\"type\": \"update\", \"value\": {\"id\": \"a\", \"x\": 1}}]",
                                                 &error));
  g_assert_no_error (error);
  syncobj_test_items_changed_assert (changes, "1,3,3 0,1,1");
  syncobj_test_assert_value (collection, "c", "{\"id\": \"c\", \"x\": 1}");

  /* A commit with one change: one items-changed for its row. */
  syncobj_test_items_changed_clear (changes);
  {
    g_autoptr(JsonObject) value = syncobj_test_object ("{\"id\": \"e\", \"x\": 2}");

    syncobj_sync_control_emit_update (control, value);
  }
  syncobj_test_items_changed_assert (changes, "4,1,1");
}

static void
test_items_changed_sync_appends_one_range (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTestItemsChanged) changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));
  g_autoptr(GError) error = NULL;

  g_assert_true (syncobj_sync_control_emit_json (control,
                                                 "[{\"type\": \"insert\", \"value\": {\"id\": \"d\"}},"
                                                 " {\"type\": \"insert\", \"value\": {\"id\": \"e\"}},"
                                                 " {\"type\": \"insert\", \"value\": {\"id\": \"f\"}}]",
                                                 &error));
  g_assert_no_error (error);
  syncobj_test_items_changed_assert (changes, "3,0,3");
  syncobj_test_assert_keys (collection, "a b c d e f");
}

static void
test_items_changed_truncate (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTestItemsChanged) changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));
  SyncobjSync *sync = syncobj_sync_control_get_sync (control);

  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_truncate (sync, NULL));
  g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_INSERT, "{\"id\": \"b\", \"title\": \"B\", \"done\": false}", NULL));
  g_assert_true (syncobj_sync_commit (sync, NULL));

  syncobj_test_assert_keys (collection, "b");
  g_assert_cmpuint (syncobj_test_items_changed_count (changes), ==, 2);
}

/* ---- locks (ordered) ------------------------------------------------------------ */

static void
test_lock_holds_sync_update_while_persisting (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(SyncobjRecord) record = syncobj_collection_lookup (collection, "a");
  g_autoptr(SyncobjTestItemsChanged) changes = NULL;

  syncobj_sync_control_set_network_delay (control, 100);
  transaction = syncobj_test_update (collection, "a", "{\"title\": \"mine\"}");
  syncobj_sync_control_run_pending (control);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "persisting");
  syncobj_test_assert_locked_keys (collection, "a");

  changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));
  syncobj_test_emit_update (control, "{\"id\": \"a\", \"title\": \"theirs\", \"color\": \"red\"}");

  /* Held: neither the visible nor the synced value moved. */
  syncobj_test_items_changed_assert (changes, "");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"title\": \"mine\", \"done\": false}");
  syncobj_test_assert_json (syncobj_record_get_synced_value (record), "{\"id\": \"a\", \"title\": \"A\", \"done\": false}");
  g_assert_true (syncobj_record_get_pending (record));

  /* Completion applies the held write, then the echo of "mine". */
  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"title\": \"mine\", \"done\": false, \"color\": \"red\"}");
  syncobj_test_items_changed_assert (changes, "0,1,1");
  syncobj_test_assert_locked_keys (collection, "");
}

static void
test_lock_other_keys_apply_at_once (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(SyncobjTestItemsChanged) changes = NULL;

  syncobj_sync_control_set_network_delay (control, 100);
  transaction = syncobj_test_update (collection, "a", "{\"title\": \"mine\"}");
  syncobj_sync_control_run_pending (control);

  changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));
  syncobj_test_emit_update (control, "{\"id\": \"b\", \"title\": \"theirs\"}");
  syncobj_test_items_changed_assert (changes, "1,1,1");
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\", \"title\": \"theirs\", \"done\": false}");
  syncobj_test_drain (control, collection);
}

static void
test_lock_applies_on_completion_without_flicker (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(SyncobjRecord) record = syncobj_collection_lookup (collection, "a");
  g_autoptr(SyncobjTestItemsChanged) changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));
  g_autoptr(SyncobjTestNotify) values = syncobj_test_notify_new (record, "value");
  g_autoptr(SyncobjTestNotify) pending = syncobj_test_notify_new (record, "pending");

  syncobj_sync_control_set_auto_echo (control, FALSE);
  transaction = syncobj_test_update (collection, "a", "{\"title\": \"mine\"}");
  syncobj_sync_control_advance (control, 100);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "persisted_awaiting_sync");
  syncobj_test_assert_locked_keys (collection, "a");

  /* The echo, with a member the server added: one step to the final value. */
  syncobj_test_emit_update (control, "{\"id\": \"a\", \"title\": \"mine\", \"rev\": 2}");
  syncobj_sync_control_run_pending (control);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");

  syncobj_test_items_changed_assert (changes, "0,1,1 0,1,1");
  syncobj_test_notify_assert (values,
                              "{\"id\":\"a\",\"title\":\"mine\",\"done\":false} | "
                              "{\"id\":\"a\",\"title\":\"mine\",\"done\":false,\"rev\":2}");
  syncobj_test_notify_assert (pending, "true | false");
  syncobj_test_assert_locked_keys (collection, "");
  syncobj_sync_control_set_auto_echo (control, TRUE);
}

static void
test_lock_release_lets_sync_through (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = syncobj_test_update (collection, "a", "{\"title\": \"mine\"}");

  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  syncobj_test_assert_locked_keys (collection, "");

  syncobj_test_emit_update (control, "{\"id\": \"a\", \"title\": \"later\"}");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"title\": \"later\", \"done\": false}");
}

static void
test_lock_released_on_failure (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;

  syncobj_sync_control_set_network_delay (control, 100);
  syncobj_sync_control_fail_next_persist_non_retriable (control);
  transaction = syncobj_test_update (collection, "a", "{\"title\": \"mine\"}");
  syncobj_sync_control_run_pending (control);
  syncobj_test_emit_update (control, "{\"id\": \"a\", \"title\": \"theirs\"}");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"title\": \"mine\", \"done\": false}");

  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  /* Rolled back onto the server's value that arrived meanwhile. */
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"title\": \"theirs\", \"done\": false}");
  syncobj_test_assert_locked_keys (collection, "");
}

static void
test_lock_queued_does_not_lock (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) t1 = NULL;
  g_autoptr(SyncobjTransaction) t2 = NULL;
  g_autoptr(SyncobjRecord) record = syncobj_collection_lookup (collection, "b");

  syncobj_sync_control_set_network_delay (control, 100);
  t1 = syncobj_test_update (collection, "a", "{\"title\": \"mine\"}");
  t2 = syncobj_test_update (collection, "b", "{\"title\": \"mine too\"}");
  syncobj_sync_control_run_pending (control);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t2), ==, "queued");
  syncobj_test_assert_locked_keys (collection, "a");

  /* b is not locked: the server's value reaches the synced state. */
  syncobj_test_emit_update (control, "{\"id\": \"b\", \"done\": true}");
  syncobj_test_assert_json (syncobj_record_get_synced_value (record), "{\"id\": \"b\", \"title\": \"B\", \"done\": true}");
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\", \"title\": \"mine too\", \"done\": true}");
  syncobj_test_drain (control, collection);
}

static void
test_parallel_sync_applies_at_once (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_PARALLEL, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(SyncobjRecord) record = syncobj_collection_lookup (collection, "a");

  syncobj_sync_control_set_network_delay (control, 100);
  transaction = syncobj_test_update (collection, "a", "{\"title\": \"mine\"}");
  syncobj_sync_control_run_pending (control);
  syncobj_test_assert_locked_keys (collection, "");

  syncobj_test_emit_update (control, "{\"id\": \"a\", \"title\": \"theirs\", \"done\": true}");
  syncobj_test_assert_json (syncobj_record_get_synced_value (record), "{\"id\": \"a\", \"title\": \"theirs\", \"done\": true}");
  /* The pending change is re-applied on top. */
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"title\": \"mine\", \"done\": true}");
  syncobj_test_drain (control, collection);
}

static void
test_lock_completed_echo_survives_later_failure (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) t1 = NULL;
  g_autoptr(SyncobjTransaction) t2 = NULL;
  g_autoptr(SyncobjRecord) record = syncobj_collection_lookup (collection, "a");

  syncobj_sync_control_set_network_delay (control, 100);
  t1 = syncobj_test_update (collection, "a", "{\"title\": \"first\"}");
  t2 = syncobj_test_update (collection, "a", "{\"done\": true}");
  syncobj_sync_control_run_pending (control);

  /* t1 persists at 100 and t2 starts (and will fail); at 200 t1's echo
   * arrives, held by t2's lock, t1 completes, then t2 fails. */
  syncobj_sync_control_advance (control, 99);
  syncobj_sync_control_fail_next_persist_non_retriable (control);
  syncobj_sync_control_advance (control, 1);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t2), ==, "persisting");
  syncobj_sync_control_advance (control, 100);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t1), ==, "completed");
  syncobj_test_assert_failed (t2, SYNCOBJ_ERROR_NON_RETRIABLE, NULL);

  /* t2 rolled back; t1's value, confirmed by its held echo, stays. */
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"title\": \"first\", \"done\": false}");
  syncobj_test_assert_json (syncobj_record_get_synced_value (record), "{\"id\": \"a\", \"title\": \"first\", \"done\": false}");
  g_assert_false (syncobj_record_get_pending (record));
  syncobj_test_assert_locked_keys (collection, "");
}

static void
test_lock_completed_while_another_locks (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) t1 = NULL;
  g_autoptr(SyncobjTransaction) t2 = NULL;
  g_autoptr(SyncobjRecord) record = syncobj_collection_lookup (collection, "a");
  g_autoptr(SyncobjTestNotify) values = syncobj_test_notify_new (record, "value");

  syncobj_sync_control_set_network_delay (control, 100);
  t1 = syncobj_test_update (collection, "a", "{\"title\": \"first\"}");
  t2 = syncobj_test_update (collection, "a", "{\"done\": true}");
  syncobj_sync_control_advance (control, 200);

  g_assert_cmpstr (syncobj_transaction_get_state_name (t1), ==, "completed");
  g_assert_false (syncobj_transaction_is_finished (t2));
  syncobj_test_assert_locked_keys (collection, "a");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"title\": \"first\", \"done\": true}");
  /* The held echo has not reached the synced value yet. */
  syncobj_test_assert_json (syncobj_record_get_synced_value (record), "{\"id\": \"a\", \"title\": \"A\", \"done\": false}");
  g_assert_true (syncobj_record_get_pending (record));

  syncobj_test_drain (control, collection);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t2), ==, "completed");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"title\": \"first\", \"done\": true}");
  g_assert_false (syncobj_record_get_pending (record));
  /* Two optimistic steps, no flicker on the way. */
  syncobj_test_notify_assert (values,
                              "{\"id\":\"a\",\"title\":\"first\",\"done\":false} | "
                              "{\"id\":\"a\",\"title\":\"first\",\"done\":true}");
}

/* Hides records whose pending changes set "hidden". */
static JsonObject *
hiding_merge (SyncobjCollection *collection,
              const char        *key,
              JsonObject        *synced,
              GPtrArray         *mutations,
              gpointer           user_data)
{
  JsonObject *visible = synced != NULL ? json_object_ref (synced) : NULL;

  for (guint i = 0; i < mutations->len; i++)
    {
      SyncobjPendingMutation *mutation = g_ptr_array_index (mutations, i);
      JsonObject *changes = syncobj_pending_mutation_get_changes (mutation);

      if (json_object_get_boolean_member_with_default (changes, "hidden", FALSE))
        g_clear_pointer (&visible, json_object_unref);
      else if (syncobj_pending_mutation_get_mutation_type (mutation) == SYNCOBJ_MUTATION_TYPE_INSERT)
        {
          g_clear_pointer (&visible, json_object_unref);
          visible = json_object_ref (changes);
        }
    }

  return visible;
}

static void
test_parallel_merge_func_may_hide (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_PARALLEL, &control);
  g_autoptr(SyncobjTestItemsChanged) changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));
  g_autoptr(SyncobjTransaction) hide = NULL;
  g_autoptr(SyncobjTransaction) insert = NULL;

  syncobj_collection_set_merge_func (collection, hiding_merge, NULL, NULL);
  syncobj_sync_control_set_network_delay (control, 100);
  syncobj_sync_control_set_auto_echo (control, FALSE);

  hide = syncobj_test_update (collection, "b", "{\"hidden\": true}");
  syncobj_test_assert_keys (collection, "a c");
  insert = syncobj_test_insert (collection, "{\"id\": \"d\"}");
  syncobj_test_assert_keys (collection, "a c d");
  syncobj_test_items_changed_assert (changes, "1,1,0 2,0,1");

  /* Once the server confirms, the synced state alone counts again. */
  syncobj_sync_control_advance (control, 100);
  syncobj_test_emit_update (control, "{\"id\": \"b\"}");
  syncobj_test_emit_update (control, "{\"id\": \"d\"}");
  syncobj_sync_control_run_pending (control);
  g_assert_cmpstr (syncobj_transaction_get_state_name (hide), ==, "completed");
  g_assert_cmpstr (syncobj_transaction_get_state_name (insert), ==, "completed");
  syncobj_test_assert_keys (collection, "a c d b");
  syncobj_sync_control_set_auto_echo (control, TRUE);
}

/* The default composition, with a "merged" mark: a merge function that
 * starts from what the collection would show without it. */
static JsonObject *
marking_merge (SyncobjCollection *collection,
               const char        *key,
               JsonObject        *synced,
               GPtrArray         *mutations,
               gpointer           user_data)
{
  g_autoptr(JsonObject) visible = syncobj_collection_compose_default (collection, synced, mutations);
  g_autoptr(JsonObject) marked = json_object_new ();

  if (visible == NULL)
    return NULL;
  json_object_set_int_member (marked, "merged", mutations->len);
  return _syncobj_json_merge (visible, marked);
}

static void
test_parallel_merge_func_composes_default (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_PARALLEL, &control);
  g_autoptr(SyncobjTransaction) update = NULL;
  g_autoptr(SyncobjTransaction) replace = NULL;
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjTransaction) delete = NULL;

  syncobj_collection_set_merge_func (collection, marking_merge, NULL, NULL);
  syncobj_sync_control_set_auto_echo (control, FALSE);
  syncobj_sync_control_set_network_delay (control, 100);

  update = syncobj_test_update (collection, "a", "{\"done\": true}");
  replace = syncobj_test_update (collection, "a", "{\"title\": \"A2\"}");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"title\": \"A2\", \"done\": true, \"merged\": 2}");
  insert = syncobj_test_insert (collection, "{\"id\": \"d\", \"title\": \"D\"}");
  syncobj_test_assert_value (collection, "d", "{\"id\": \"d\", \"title\": \"D\", \"merged\": 1}");
  delete = syncobj_test_delete (collection, "b");
  syncobj_test_assert_keys (collection, "a c d");

  /* Unset: the records with pending changes show the default at once. */
  syncobj_collection_set_merge_func (collection, NULL, NULL, NULL);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"title\": \"A2\", \"done\": true}");
  syncobj_test_assert_value (collection, "d", "{\"id\": \"d\", \"title\": \"D\"}");
  syncobj_test_assert_keys (collection, "a c d");
  syncobj_collection_set_merge_func (collection, marking_merge, NULL, NULL);
  syncobj_test_assert_value (collection, "d", "{\"id\": \"d\", \"title\": \"D\", \"merged\": 1}");

  syncobj_sync_control_set_auto_echo (control, TRUE);
  syncobj_test_drain (control, collection);
}

static void
n_items_cb (GObject    *object,
            GParamSpec *pspec,
            guint      *count)
{
  (*count)++;
}

static void
test_n_items_notify (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) t1 = NULL;
  g_autoptr(SyncobjTransaction) t2 = NULL;
  g_autoptr(SyncobjTransaction) t3 = NULL;
  guint count = 0;
  guint n_items = 0;

  g_signal_connect (collection, "notify::n-items", G_CALLBACK (n_items_cb), &count);
  t1 = syncobj_test_insert (collection, "{\"id\": \"d\"}");
  t2 = syncobj_test_update (collection, "a", "{\"done\": true}");
  t3 = syncobj_test_delete (collection, "b");
  g_assert_cmpuint (count, ==, 2);
  g_object_get (collection, "n-items", &n_items, NULL);
  g_assert_cmpuint (n_items, ==, 3);
  syncobj_test_drain (control, collection);
  g_assert_cmpuint (count, ==, 2);
}

/* ---- records loaded from JSON text (kept packed until needed) ---------------- */

static SyncobjCollection *
packed_collection_new (SyncobjSyncControl **control)
{
  SyncobjCollection *collection = syncobj_test_collection_from_json (NULL, SYNCOBJ_STRATEGY_ORDERED, control);
  g_autoptr(GError) error = NULL;

  g_assert_true (syncobj_sync_load_json_array (syncobj_sync_control_get_sync (*control),
                                               "[{\"id\": \"a\", \"n\": 0, \"tags\": [1, 2]},"
                                               " {\"id\": \"b\", \"n\": 0},"
                                               " {\"id\": \"c\", \"n\": 0}]",
                                               -1, &error));
  g_assert_no_error (error);
  return collection;
}

static void
test_packed_sync_update_merges (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = packed_collection_new (&control);
  g_autoptr(SyncobjTestItemsChanged) changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));

  syncobj_test_emit_update (control, "{\"id\": \"b\", \"n\": 5}");
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\", \"n\": 5}");
  syncobj_sync_control_emit_delete (control, "a");
  syncobj_test_items_changed_assert (changes, "1,1,1 0,1,0");
  syncobj_test_assert_keys (collection, "b c");
}

static void
test_packed_lock_holds_sync_update (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = packed_collection_new (&control);
  g_autoptr(SyncobjTransaction) transaction = NULL;

  syncobj_sync_control_set_network_delay (control, 100);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 1, \"tags\": [1, 2]}");
  syncobj_sync_control_run_pending (control);
  syncobj_test_emit_update (control, "{\"id\": \"a\", \"color\": \"red\"}");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 1, \"tags\": [1, 2]}");

  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 1, \"tags\": [1, 2], \"color\": \"red\"}");
}

static void
test_packed_truncate (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = packed_collection_new (&control);
  g_autoptr(SyncobjTestItemsChanged) changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));
  SyncobjSync *sync = syncobj_sync_control_get_sync (control);

  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_truncate (sync, NULL));
  g_assert_true (syncobj_sync_load_json_array (sync, "[{\"id\": \"b\", \"n\": 1}, {\"id\": \"d\"}]", -1, NULL));
  g_assert_true (syncobj_sync_commit (sync, NULL));

  syncobj_test_assert_keys (collection, "b d");
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\", \"n\": 1}");
  g_assert_cmpuint (syncobj_collection_get_size (collection), ==, g_list_model_get_n_items (G_LIST_MODEL (collection)));
}

static void
test_packed_records_and_json (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = packed_collection_new (&control);
  g_autoptr(SyncobjRecord) record = g_list_model_get_item (G_LIST_MODEL (collection), 2);
  g_autofree char *json = syncobj_collection_to_json (collection);
  g_autoptr(JsonNode) node = json_from_string (json, NULL);
  g_autoptr(JsonNode) expected = json_from_string ("[{\"id\": \"a\", \"n\": 0, \"tags\": [1, 2]},"
                                                   " {\"id\": \"b\", \"n\": 0}, {\"id\": \"c\", \"n\": 0}]", NULL);

  g_assert_true (json_node_equal (node, expected));
  g_assert_cmpstr (syncobj_record_get_key (record), ==, "c");
  g_assert_true (syncobj_collection_contains (collection, "b"));
  g_assert_false (syncobj_record_get_pending (record));
  syncobj_test_assert_json (syncobj_record_get_synced_value (record), "{\"id\": \"c\", \"n\": 0}");
}

/* A record made for a row kept as text holds the only JsonObject of its
 * value: the row stays text and lets the object go with the record (a
 * list view scrolling through a big collection leaves no values behind).
 * The record follows every change of its row all the same. */
static void
test_packed_record_keeps_text (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = packed_collection_new (&control);
  SyncobjSync *sync = syncobj_sync_control_get_sync (control);
  g_autoptr(SyncobjRecord) a = g_list_model_get_item (G_LIST_MODEL (collection), 0);
  g_autoptr(SyncobjRecord) b = g_list_model_get_item (G_LIST_MODEL (collection), 1);
  g_autoptr(SyncobjRecord) c = g_list_model_get_item (G_LIST_MODEL (collection), 2);
  g_autoptr(SyncobjTestNotify) a_value = syncobj_test_notify_new (a, "value");
  g_autoptr(SyncobjTestNotify) b_value = syncobj_test_notify_new (b, "value");
  g_autoptr(SyncobjTestNotify) c_value = syncobj_test_notify_new (c, "value");

  g_assert_nonnull (_syncobj_overlay_find (collection->overlay, "b")->packed);
  syncobj_test_assert_json (syncobj_record_get_value (b), "{\"id\": \"b\", \"n\": 0}");
  g_assert_true (syncobj_record_get_synced_value (b) == syncobj_record_get_value (b));
  g_assert_false (syncobj_record_get_pending (b));

  /* Reading the row's value builds it from the record's: no change. */
  g_assert_true (syncobj_collection_lookup_value (collection, "b") == syncobj_record_get_value (b));
  g_assert_null (_syncobj_overlay_find (collection->overlay, "b")->packed);
  g_assert_cmpuint (syncobj_test_notify_count (b_value), ==, 0);

  /* The same text again changes nothing; a server row as text, then as
   * an object, replaces the row and the record sees each. */
  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_UPDATE, "{\"id\":\"a\",\"n\":0,\"tags\":[1,2]}", NULL));
  g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_UPDATE, "{\"id\":\"c\",\"n\":5}", NULL));
  g_assert_true (syncobj_sync_commit (sync, NULL));
  g_assert_cmpuint (syncobj_test_notify_count (a_value), ==, 0);
  g_assert_cmpuint (syncobj_test_notify_count (c_value), ==, 1);
  g_assert_cmpint (syncobj_record_get_int (c, "n"), ==, 5);
  syncobj_test_emit_update (control, "{\"id\": \"c\", \"n\": 6}");
  g_assert_cmpuint (syncobj_test_notify_count (c_value), ==, 2);
  g_assert_cmpint (syncobj_record_get_int (c, "n"), ==, 6);
  syncobj_test_assert_value (collection, "c", "{\"id\": \"c\", \"n\": 6}");

  /* Without its record, a row kept as text is text alone; a new record
   * has its value. */
  g_assert_nonnull (_syncobj_overlay_find (collection->overlay, "a")->packed);
  g_clear_pointer (&a_value, syncobj_test_notify_free);
  g_clear_object (&a);
  g_assert_nonnull (_syncobj_overlay_find (collection->overlay, "a")->packed);
  a = g_list_model_get_item (G_LIST_MODEL (collection), 0);
  syncobj_test_assert_json (syncobj_record_get_value (a), "{\"id\": \"a\", \"n\": 0, \"tags\": [1, 2]}");

  /* A deletion reaches the record of a row kept as text. */
  syncobj_sync_control_emit_delete (control, "a");
  g_assert_false (syncobj_record_get_visible (a));
  syncobj_test_assert_keys (collection, "b c");
}

/* What the typed getters read from a record of a row kept as text is
 * what they read from its JsonObject, and reading it builds no object
 * (a list view binding a label to one member of each row it shows). */
static void
test_packed_record_reads_text (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (NULL, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjRecord) record = NULL;
  g_autoptr(SyncobjTestNotify) values = NULL;
  const char *members[] = { "s", "e", "u", "i", "neg", "f", "frac", "big", "huge", "t", "no",
                            "z", "o", "l", "dup", "missing", "empty" };
  const char *title;

  g_assert_true (syncobj_sync_load_json_array (syncobj_sync_control_get_sync (control),
                                               "[{\"id\": \"a\", \"s\": \"text\", \"e\": \"say \\\"hi\\\"\\n\","
                                               " \"u\": \"caf\\u00e9 \u00e9t\u00e9\", \"i\": 7, \"neg\": -42, \"f\": 2.0,"
                                               " \"frac\": 0.5, \"big\": 9223372036854775807, \"huge\": 1e300,"
                                               " \"t\": true, \"no\": false, \"z\": null, \"o\": {\"s\": \"in\"},"
                                               " \"l\": [\"x\"], \"dup\": 1, \"dup\": \"last\", \"empty\": \"\"}]",
                                               -1, NULL));
  record = g_list_model_get_item (G_LIST_MODEL (collection), 0);
  values = syncobj_test_notify_new (record, "value");
  g_assert_true (_syncobj_record_is_packed (record));

  g_assert_cmpstr (syncobj_record_get_string (record, "s"), ==, "text");
  g_assert_cmpstr (syncobj_record_get_string (record, "e"), ==, "say \"hi\"\n");
  g_assert_cmpstr (syncobj_record_get_string (record, "u"), ==, "caf\u00e9 \u00e9t\u00e9");
  g_assert_cmpstr (syncobj_record_get_string (record, "dup"), ==, "last");
  g_assert_cmpstr (syncobj_record_get_string (record, "empty"), ==, "");
  g_assert_null (syncobj_record_get_string (record, "i"));
  g_assert_null (syncobj_record_get_string (record, "o"));
  g_assert_null (syncobj_record_get_string (record, "z"));
  g_assert_null (syncobj_record_get_string (record, "missing"));
  g_assert_cmpint (syncobj_record_get_int (record, "i"), ==, 7);
  g_assert_cmpint (syncobj_record_get_int (record, "neg"), ==, -42);
  g_assert_cmpint (syncobj_record_get_int (record, "f"), ==, 2);
  g_assert_cmpint (syncobj_record_get_int (record, "frac"), ==, 0);
  g_assert_cmpint (syncobj_record_get_int (record, "big"), ==, G_MAXINT64);
  g_assert_cmpint (syncobj_record_get_int (record, "huge"), ==, 0);
  g_assert_cmpint (syncobj_record_get_int (record, "s"), ==, 0);
  g_assert_cmpfloat (syncobj_record_get_double (record, "i"), ==, 7.0);
  g_assert_cmpfloat (syncobj_record_get_double (record, "frac"), ==, 0.5);
  g_assert_cmpfloat (syncobj_record_get_double (record, "huge"), ==, 1e300);
  g_assert_cmpfloat (syncobj_record_get_double (record, "o"), ==, 0.0);
  g_assert_true (syncobj_record_get_boolean (record, "t"));
  g_assert_false (syncobj_record_get_boolean (record, "no"));
  g_assert_false (syncobj_record_get_boolean (record, "s"));
  g_assert_true (syncobj_record_has_member (record, "z"));
  g_assert_true (syncobj_record_has_member (record, "o"));
  g_assert_false (syncobj_record_has_member (record, "missing"));
  g_assert_true (syncobj_record_get_visible (record));
  g_assert_false (syncobj_record_get_pending (record));
  /* A string read is kept with the record: the same pointer again. */
  title = syncobj_record_get_string (record, "e");
  g_assert_true (syncobj_record_get_string (record, "e") == title);
  g_assert_true (_syncobj_record_is_packed (record));

  /* Each getter reads the same from the built object, which is no
   * change of value. */
  {
    gint64 ints[G_N_ELEMENTS (members)];
    double doubles[G_N_ELEMENTS (members)];
    gboolean booleans[G_N_ELEMENTS (members)], has[G_N_ELEMENTS (members)];
    char *strings[G_N_ELEMENTS (members)];

    for (guint i = 0; i < G_N_ELEMENTS (members); i++)
      {
        strings[i] = g_strdup (syncobj_record_get_string (record, members[i]));
        ints[i] = syncobj_record_get_int (record, members[i]);
        doubles[i] = syncobj_record_get_double (record, members[i]);
        booleans[i] = syncobj_record_get_boolean (record, members[i]);
        has[i] = syncobj_record_has_member (record, members[i]);
      }
    g_assert_nonnull (syncobj_record_get_value (record));
    g_assert_false (_syncobj_record_is_packed (record));
    for (guint i = 0; i < G_N_ELEMENTS (members); i++)
      {
        g_assert_cmpstr (syncobj_record_get_string (record, members[i]), ==, strings[i]);
        g_assert_cmpint (syncobj_record_get_int (record, members[i]), ==, ints[i]);
        g_assert_cmpfloat (syncobj_record_get_double (record, members[i]), ==, doubles[i]);
        g_assert_cmpint (syncobj_record_get_boolean (record, members[i]), ==, booleans[i]);
        g_assert_cmpint (syncobj_record_has_member (record, members[i]), ==, has[i]);
        g_free (strings[i]);
      }
  }
  g_assert_cmpuint (syncobj_test_notify_count (values), ==, 0);
  g_assert_cmpstr (syncobj_record_get_string (record, "e"), ==, "say \"hi\"\n");
}

/* A record of a row kept as text that outlives its collection keeps its
 * value; one whose row changes reads the new value. */
static void
test_packed_record_outlives_text (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  SyncobjCollection *collection = packed_collection_new (&control);
  g_autoptr(SyncobjRecord) a = g_list_model_get_item (G_LIST_MODEL (collection), 0);
  g_autoptr(SyncobjRecord) b = g_list_model_get_item (G_LIST_MODEL (collection), 1);
  g_autoptr(SyncobjTestNotify) b_value = syncobj_test_notify_new (b, "value");

  g_assert_true (_syncobj_record_is_packed (a));
  g_assert_cmpint (syncobj_record_get_int (b, "n"), ==, 0);
  syncobj_test_emit_update (control, "{\"id\": \"b\", \"n\": 3}");
  g_assert_cmpuint (syncobj_test_notify_count (b_value), ==, 1);
  g_assert_cmpint (syncobj_record_get_int (b, "n"), ==, 3);

  g_object_unref (collection);
  g_assert_null (syncobj_record_get_collection (a));
  g_assert_false (_syncobj_record_is_packed (a));
  g_assert_cmpstr (syncobj_record_get_key (a), ==, "a");
  g_assert_cmpint (syncobj_record_get_int (a, "n"), ==, 0);
  syncobj_test_assert_json (syncobj_record_get_value (a), "{\"id\": \"a\", \"n\": 0, \"tags\": [1, 2]}");
}

/* A server that sends a record again, member for member as it is kept,
 * changes nothing; any difference in a value or in the order of the
 * members replaces it. */
static void
test_packed_same_record_again (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (NULL, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTestItemsChanged) changes = NULL;
  const char *record = "{\"id\": \"a\", \"title\": \"say \\\"hi\\\"\", \"done\": true, \"n\": -42,"
                       " \"none\": null, \"tags\": [1, \"x\"], \"ratio\": 0.5}";
  g_autofree char *array = g_strdup_printf ("[%s, {\"id\": \"b\", \"n\": 7}]", record);

  g_assert_true (syncobj_sync_load_json_array (syncobj_sync_control_get_sync (control), array, -1, NULL));
  changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));

  syncobj_test_emit_update (control, record);
  syncobj_test_emit_update (control, "{\"id\": \"b\", \"n\": 7}");
  g_assert_cmpuint (syncobj_test_items_changed_count (changes), ==, 0);

  syncobj_test_emit_update (control, "{\"n\": 7, \"id\": \"b\"}");
  syncobj_test_items_changed_assert (changes, "1,1,1");
  syncobj_test_emit_update (control, "{\"n\": 7, \"id\": \"b\"}");
  syncobj_test_items_changed_assert (changes, "1,1,1");

  syncobj_test_emit_update (control, "{\"id\": \"a\", \"title\": \"say \\\"ho\\\"\", \"done\": true, \"n\": -42,"
                                     " \"none\": null, \"tags\": [1, \"x\"], \"ratio\": 0.5}");
  syncobj_test_items_changed_assert (changes, "1,1,1 0,1,1");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"title\": \"say \\\"ho\\\"\", \"done\": true, \"n\": -42,"
                                              " \"none\": null, \"tags\": [1, \"x\"], \"ratio\": 0.5}");
  syncobj_test_assert_value (collection, "b", "{\"n\": 7, \"id\": \"b\"}");
}

static char *
object_text (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

/* The echo of a completed update becomes the synced value whatever it
 * holds (exactly the optimistic value, more, or something else), merged
 * member by member; the visible value changes only if the content does. */
static void
test_echo_of_update_becomes_synced (void)
{
  const struct {
    const char *echo;
    const char *synced;
    const char *changes;   /* items-changed at completion */
  } cases[] = {
    { "{\"id\": \"a\", \"n\": 1}", "{\"id\": \"a\", \"title\": \"A\", \"n\": 1}", "" },
    { "{\"n\": 1, \"id\": \"a\", \"title\": \"A\"}", "{\"n\": 1, \"id\": \"a\", \"title\": \"A\"}", "" },
    { "{\"id\": \"a\", \"n\": 2}", "{\"id\": \"a\", \"title\": \"A\", \"n\": 2}", "0,1,1" },
    { "{\"id\": \"a\", \"n\": 1.5}", "{\"id\": \"a\", \"title\": \"A\", \"n\": 1.5}", "0,1,1" },
    { "{\"id\": \"a\", \"n\": 1.0}", "{\"id\": \"a\", \"title\": \"A\", \"n\": 1.0}", "" },
    { "{\"id\": \"a\", \"n\": 1, \"title\": \"B\"}", "{\"id\": \"a\", \"n\": 1, \"title\": \"B\"}", "0,1,1" },
    { "{\"id\": \"a\", \"title\": \"B\"}", "{\"id\": \"a\", \"title\": \"B\", \"n\": 0}", "0,1,1" },
    { "{\"id\": \"a\", \"n\": 1, \"done\": true}", "{\"id\": \"a\", \"title\": \"A\", \"n\": 1, \"done\": true}", "0,1,1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SyncobjSyncControl) control = NULL;
      g_autoptr(SyncobjCollection) collection =
        syncobj_test_collection_from_json ("[{\"id\": \"a\", \"title\": \"A\", \"n\": 0}]",
                                           SYNCOBJ_STRATEGY_ORDERED, &control);
      g_autoptr(SyncobjTransaction) transaction = NULL;
      g_autoptr(SyncobjTestItemsChanged) changes = NULL;
      g_autoptr(SyncobjRecord) record = NULL;
      g_autoptr(JsonNode) expected = json_from_string (cases[i].synced, NULL);
      g_autofree char *expected_text = json_to_string (expected, FALSE);
      g_autofree char *synced = NULL;

      syncobj_sync_control_set_auto_echo (control, FALSE);
      transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
      syncobj_sync_control_advance (control, 1000);
      g_assert_cmpint (syncobj_transaction_get_state (transaction), ==, SYNCOBJ_TRANSACTION_STATE_PERSISTED_AWAITING_SYNC);
      changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));

      syncobj_test_emit_update (control, cases[i].echo);
      syncobj_sync_control_run_pending (control);
      g_assert_cmpint (syncobj_transaction_get_state (transaction), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
      syncobj_test_items_changed_assert (changes, cases[i].changes);
      record = syncobj_collection_lookup (collection, "a");
      g_assert_false (syncobj_record_get_pending (record));
      /* Member order and number types are those of the merge. */
      synced = object_text (syncobj_record_get_synced_value (record));
      g_assert_cmpstr (synced, ==, expected_text);
      syncobj_test_assert_value (collection, "a", cases[i].synced);
    }
}

/* ---- a collection without sync ------------------------------------------------ */

static void
test_no_sync_completed_writes_stay (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) reference = syncobj_test_collection_from_json (NULL, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjCollection) collection =
    syncobj_collection_new ("local-only", NULL, syncobj_sync_control_get_mutator (control));
  g_autoptr(SyncobjTransaction) inserted = NULL;
  g_autoptr(SyncobjTransaction) updated = NULL;
  g_autoptr(SyncobjTransaction) deleted = NULL;
  g_autoptr(SyncobjTestItemsChanged) changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));
  g_autoptr(SyncobjRecord) record = NULL;

  g_assert_true (syncobj_collection_get_ready (collection));
  inserted = syncobj_test_insert (collection, "{\"id\": \"a\", \"n\": 0}");
  g_clear_object (&inserted);
  inserted = syncobj_test_insert (collection, "{\"id\": \"b\", \"n\": 0}");
  updated = syncobj_test_update (collection, "a", "{\"n\": 1}");
  g_assert_cmpint (syncobj_test_wait_transaction (control, updated, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);

  /* Nobody echoes them, yet completed writes stay: they are all there is. */
  syncobj_test_assert_keys (collection, "a b");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 1}");
  record = syncobj_collection_lookup (collection, "a");
  syncobj_test_assert_json (syncobj_record_get_synced_value (record), "{\"id\": \"a\", \"n\": 1}");
  g_assert_false (syncobj_record_get_pending (record));

  deleted = syncobj_test_delete (collection, "b");
  g_assert_cmpint (syncobj_test_wait_transaction (control, deleted, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  syncobj_test_assert_keys (collection, "a");
  syncobj_test_items_changed_assert (changes, "0,0,1 1,0,1 0,1,1 1,1,0");
}

/* ---- random operations --------------------------------------------------------- */

typedef struct
{
  SyncobjStrategy   strategy;
  SyncobjQueueScope scope;
  guint32           seed;
} RandomCase;

static char *
random_visible_key (SyncobjCollection *collection,
                    GRand             *rand)
{
  g_auto(GStrv) keys = syncobj_collection_get_keys (collection);
  guint n = g_strv_length (keys);

  return n > 0 ? g_strdup (keys[g_rand_int_range (rand, 0, n)]) : NULL;
}

/* One local write of a random kind; it may be rejected (a key that went
 * away meanwhile), but never with anything but a SyncobjError. */
static void
random_write (SyncobjCollection *collection,
              GRand             *rand,
              guint              step,
              GPtrArray         *transactions)
{
  g_autofree char *key = random_visible_key (collection, rand);
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  SyncobjTransaction *transaction = NULL;

  switch (key != NULL ? g_rand_int_range (rand, 0, 4) : 0)
    {
    case 0:
      json = g_strdup_printf ("{\"id\": \"n%u-%u\", \"v\": %u}", step, g_rand_int_range (rand, 0, 1000), step);
      transaction = syncobj_collection_insert_json (collection, json, &error);
      break;
    case 1:
    case 2:
      json = g_strdup_printf ("{\"v\": %u, \"f%u\": %u}", step, g_rand_int_range (rand, 0, 3), step);
      transaction = syncobj_collection_update_json (collection, key, json, &error);
      break;
    default:
      transaction = syncobj_collection_delete (collection, key, &error);
      break;
    }

  if (transaction == NULL)
    g_assert_true (error != NULL && error->domain == SYNCOBJ_ERROR);
  else
    g_ptr_array_add (transactions, transaction);
}

static void
test_random_operations (gconstpointer data)
{
  const RandomCase *random_case = data;
  g_autoptr(GRand) rand = g_rand_new_with_seed (random_case->seed);
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection =
    syncobj_test_collection_from_json ("[{\"id\": \"k0\", \"v\": 0}, {\"id\": \"k1\", \"v\": 0}, {\"id\": \"k2\", \"v\": 0},"
                                       " {\"id\": \"k3\", \"v\": 0}, {\"id\": \"k4\", \"v\": 0}]",
                                       random_case->strategy, &control);
  g_autoptr(SyncobjTestShadow) shadow = syncobj_test_shadow_new (G_LIST_MODEL (collection));
  g_autoptr(GPtrArray) transactions = g_ptr_array_new_with_free_func (g_object_unref);
  SyncobjSync *sync = syncobj_sync_control_get_sync (control);
  g_auto(GStrv) keys = NULL;

  syncobj_collection_set_queue_scope (collection, random_case->scope);
  syncobj_test_exact_retry_policy (collection, 3);
  syncobj_sync_control_set_network_delay (control, 50);

  for (guint step = 0; step < 300; step++)
    {
      g_autofree char *key = random_visible_key (collection, rand);
      g_autofree char *json = NULL;

      switch (g_rand_int_range (rand, 0, 14))
        {
        case 0:
        case 1:
        case 2:
          random_write (collection, rand, step, transactions);
          break;
        case 3:
          {
            g_autoptr(SyncobjTransaction) transaction = syncobj_collection_begin (collection);
            guint n = g_rand_int_range (rand, 1, 4);

            for (guint i = 0; i < n; i++)
              random_write (collection, rand, step, transactions);
            if (g_rand_boolean (rand))
              g_assert_true (syncobj_transaction_commit (transaction, NULL));
            else
              g_assert_true (syncobj_transaction_rollback (transaction, NULL));
          }
          break;
        case 4:
          json = g_strdup_printf ("{\"id\": \"%s\", \"w\": %u}",
                                  key != NULL && g_rand_boolean (rand) ? key : "server", step);
          syncobj_test_emit_update (control, json);
          break;
        case 5:
          if (key != NULL)
            syncobj_sync_control_emit_delete (control, key);
          break;
        case 6:
          json = g_strdup_printf ("[{\"type\": \"insert\", \"value\": {\"id\": \"s%u\", \"v\": 1}},"
                                  " {\"type\": \"update\", \"value\": {\"id\": \"%s\", \"w\": %u}},"
                                  " {\"type\": \"delete\", \"key\": \"s%u\"},"
                                  " {\"type\": \"insert\", \"value\": {\"id\": \"t%u\"}}]",
                                  step, key != NULL ? key : "k0", step, step - 1, step);
          g_assert_true (syncobj_sync_control_emit_json (control, json, NULL));
          break;
        case 7:
          if (g_rand_boolean (rand))
            syncobj_sync_control_fail_next_persist (control);
          else
            syncobj_sync_control_fail_next_persist_non_retriable (control);
          break;
        case 8:
          if (transactions->len > 0)
            {
              SyncobjTransaction *victim = g_ptr_array_index (transactions, g_rand_int_range (rand, 0, transactions->len));
              g_autoptr(GError) error = NULL;

              if (!syncobj_transaction_rollback (victim, &error))
                g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE);
            }
          break;
        case 9:
          {
            g_auto(GStrv) visible = syncobj_collection_get_keys (collection);

            /* A fresh snapshot without one of the records. */
            syncobj_sync_begin (sync);
            g_assert_true (syncobj_sync_truncate (sync, NULL));
            for (guint i = 0; visible[i] != NULL; i++)
              if (key == NULL || g_strcmp0 (visible[i], key) != 0)
                {
                  g_autofree char *record = g_strdup_printf ("{\"id\": \"%s\", \"t\": %u}", visible[i], step);
                  g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_INSERT, record, NULL));
                }
            g_assert_true (syncobj_sync_commit (sync, NULL));
          }
          break;
        case 10:
          syncobj_sync_control_run_pending (control);
          break;
        default:
          syncobj_sync_control_advance (control, g_rand_int_range (rand, 0, 150));
          break;
        }

      syncobj_test_shadow_assert (shadow);
    }

  syncobj_test_drain (control, collection);
  syncobj_test_shadow_assert (shadow);
  syncobj_test_assert_locked_keys (collection, "");

  /* Nothing optimistic is left: every record shows its synced value. */
  keys = syncobj_collection_get_keys (collection);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autoptr(SyncobjRecord) record = syncobj_collection_lookup (collection, keys[i]);

      g_assert_false (syncobj_record_get_pending (record));
      g_assert_nonnull (syncobj_record_get_synced_value (record));
      g_assert_true (json_object_equal (syncobj_record_get_value (record), syncobj_record_get_synced_value (record)));
    }
  {
    guint failed = 0;

    for (guint i = 0; i < transactions->len; i++)
      {
        SyncobjTransaction *transaction = g_ptr_array_index (transactions, i);

        g_assert_true (syncobj_transaction_is_finished (transaction));
        failed += syncobj_transaction_get_state (transaction) == SYNCOBJ_TRANSACTION_STATE_FAILED;
      }
    g_test_message ("%u transactions, %u failed, %u records at the end",
                    transactions->len, failed, g_strv_length (keys));
  }
}

/* ---- another key member ------------------------------------------------------ */

static void
test_custom_key_member (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) unused = syncobj_test_collection_from_json (NULL, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(JsonArray) initial = syncobj_test_array ("[{\"uuid\": \"x\", \"id\": 1}]");
  g_autoptr(SyncobjTestSync) sync = syncobj_test_sync_new ("by-uuid", initial);
  g_autoptr(SyncobjCollection) collection = g_object_new (SYNCOBJ_TYPE_COLLECTION,
                                                          "id", "by-uuid",
                                                          "key-member", "uuid",
                                                          "sync", sync,
                                                          "mutator", syncobj_sync_control_get_mutator (control),
                                                          NULL);
  g_autoptr(SyncobjTransaction) inserted = NULL;
  g_autoptr(SyncobjTransaction) rejected = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (syncobj_collection_get_key_member (collection), ==, "uuid");
  syncobj_test_assert_keys (collection, "x");

  inserted = syncobj_test_insert (collection, "{\"uuid\": \"y\", \"title\": \"Y\"}");
  rejected = syncobj_collection_insert_json (collection, "{\"id\": \"z\"}", &error);
  g_assert_null (rejected);
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD);
  g_assert_nonnull (strstr (error->message, "uuid"));
  g_clear_error (&error);
  rejected = syncobj_collection_update_json (collection, "x", "{\"uuid\": \"other\"}", &error);
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD);
  g_clear_error (&error);

  /* An "id" member is an ordinary member here. */
  g_clear_object (&rejected);
  rejected = syncobj_test_update (collection, "x", "{\"id\": 2}");

  syncobj_test_drain (control, collection);
  syncobj_test_assert_keys (collection, "x y");
  syncobj_test_assert_value (collection, "y", "{\"uuid\": \"y\", \"title\": \"Y\"}");
  syncobj_test_assert_value (collection, "x", "{\"uuid\": \"x\", \"id\": 2}");

  g_assert_true (syncobj_sync_apply_json (SYNCOBJ_SYNC (sync), "{\"type\": \"delete\", \"key\": \"y\"}", -1, NULL));
  g_assert_true (syncobj_sync_apply_json (SYNCOBJ_SYNC (sync), "{\"type\": \"insert\", \"value\": {\"uuid\": \"w\"}}", -1, NULL));
  g_assert_false (syncobj_sync_apply_json (SYNCOBJ_SYNC (sync), "{\"type\": \"insert\", \"value\": {\"id\": \"v\"}}", -1, &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE);
  syncobj_test_assert_keys (collection, "x w");
}

/* ---- re-entrancy --------------------------------------------------------------- */

typedef struct
{
  SyncobjCollection *collection;
  GPtrArray         *transactions;
  guint              writes;
} Reentrant;

/* Like an application reacting to a new row: counts it on "a". */
static void
count_on_insert_cb (GListModel *model,
                    guint       position,
                    guint       removed,
                    guint       added,
                    Reentrant  *reentrant)
{
  g_autofree char *changes = NULL;
  SyncobjTransaction *transaction;

  if (added == 0 || removed != 0 || !syncobj_collection_contains (reentrant->collection, "a"))
    return;

  changes = g_strdup_printf ("{\"count\": %u}", ++reentrant->writes);
  transaction = syncobj_collection_update_json (reentrant->collection, "a", changes, NULL);
  g_assert_nonnull (transaction);
  g_ptr_array_add (reentrant->transactions, transaction);
}

static void
test_reentrant_writes_from_items_changed (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTestShadow) shadow = syncobj_test_shadow_new (G_LIST_MODEL (collection));
  g_autoptr(GPtrArray) transactions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(SyncobjTransaction) inserted = NULL;
  g_autoptr(GError) error = NULL;
  Reentrant reentrant = { collection, transactions, 0 };
  gulong handler;

  syncobj_sync_control_set_network_delay (control, 100);
  handler = g_signal_connect (collection, "items-changed", G_CALLBACK (count_on_insert_cb), &reentrant);

  inserted = syncobj_test_insert (collection, "{\"id\": \"d\"}");
  syncobj_test_shadow_assert (shadow);
  g_assert_true (syncobj_sync_control_emit_json (control,
                                                 "[{\"type\": \"insert\", \"value\": {\"id\": \"e\"}},"
                                                 " {\"type\": \"update\", \"value\": {\"id\": \"b\", \"done\": true}},"
                                                 " {\"type\": \"insert\", \"value\": {\"id\": \"f\"}},"
                                                 " {\"type\": \"delete\", \"key\": \"c\"}]",
                                                 &error));
  g_assert_no_error (error);
  syncobj_test_shadow_assert (shadow);
  g_assert_cmpuint (reentrant.writes, ==, 3);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"title\": \"A\", \"done\": false, \"count\": 3}");

  syncobj_test_drain (control, collection);
  g_signal_handler_disconnect (collection, handler);
  syncobj_test_shadow_assert (shadow);
  syncobj_test_assert_keys (collection, "a b d e f");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"title\": \"A\", \"done\": false, \"count\": 3}");
}

/* Like a view dropping its rows: releases the record the moment it goes. */
static void
drop_records_cb (GListModel *model,
                 guint       position,
                 guint       removed,
                 guint       added,
                 GPtrArray  *held)
{
  g_ptr_array_set_size (held, 0);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    g_ptr_array_add (held, g_list_model_get_item (model, i));
}

static void
test_records_dropped_from_items_changed (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(SyncobjTestShadow) shadow = syncobj_test_shadow_new (G_LIST_MODEL (collection));
  g_autoptr(SyncobjTransaction) t1 = NULL;
  g_autoptr(SyncobjTransaction) t2 = NULL;
  gulong handler;

  drop_records_cb (G_LIST_MODEL (collection), 0, 0, 0, held);
  handler = g_signal_connect (collection, "items-changed", G_CALLBACK (drop_records_cb), held);
  t1 = syncobj_test_delete (collection, "b");
  t2 = syncobj_test_update (collection, "a", "{\"done\": true}");
  syncobj_sync_control_emit_delete (control, "c");
  syncobj_test_drain (control, collection);
  g_signal_handler_disconnect (collection, handler);

  syncobj_test_shadow_assert (shadow);
  syncobj_test_assert_keys (collection, "a");
}

static void
test_random_operations_across_collections (gconstpointer data)
{
  const RandomCase *random_case = data;
  g_autoptr(GRand) rand = g_rand_new_with_seed (random_case->seed);
  SyncobjSyncControl *controls[2] = { NULL, NULL };
  SyncobjCollection *collections[2];
  SyncobjTestShadow *shadows[2];
  g_autoptr(GPtrArray) transactions = g_ptr_array_new_with_free_func (g_object_unref);

  collections[0] = syncobj_test_collection_from_json ("[{\"id\": \"k0\"}, {\"id\": \"k1\"}, {\"id\": \"k2\"}]",
                                                      SYNCOBJ_STRATEGY_ORDERED, &controls[0]);
  collections[1] = syncobj_test_collection_from_json ("[{\"id\": \"k0\"}, {\"id\": \"k1\"}, {\"id\": \"k2\"}]",
                                                      random_case->strategy, &controls[1]);
  syncobj_collection_set_queue_scope (collections[1], random_case->scope);
  for (guint c = 0; c < 2; c++)
    {
      shadows[c] = syncobj_test_shadow_new (G_LIST_MODEL (collections[c]));
      syncobj_test_exact_retry_policy (collections[c], 2);
      syncobj_sync_control_set_network_delay (controls[c], 30 + 40 * c);
    }

  for (guint step = 0; step < 300; step++)
    {
      guint c = g_rand_int_range (rand, 0, 2);

      switch (g_rand_int_range (rand, 0, 8))
        {
        case 0:
        case 1:
          random_write (collections[c], rand, step, transactions);
          break;
        case 2:
        case 3:
          {
            g_autoptr(SyncobjTransaction) transaction = syncobj_collection_begin (collections[c]);

            random_write (collections[0], rand, step, transactions);
            random_write (collections[1], rand, step, transactions);
            if (g_rand_int_range (rand, 0, 4) > 0)
              g_assert_true (syncobj_transaction_commit (transaction, NULL));
            else
              g_assert_true (syncobj_transaction_rollback (transaction, NULL));
          }
          break;
        case 4:
          if (g_rand_boolean (rand))
            syncobj_sync_control_fail_next_persist (controls[c]);
          else
            syncobj_sync_control_fail_next_persist_non_retriable (controls[c]);
          break;
        case 5:
          {
            g_autofree char *key = random_visible_key (collections[c], rand);
            g_autofree char *json = g_strdup_printf ("{\"id\": \"%s\", \"w\": %u}", key != NULL ? key : "server", step);

            syncobj_test_emit_update (controls[c], json);
          }
          break;
        default:
          syncobj_sync_control_advance (controls[0], g_rand_int_range (rand, 0, 100));
          break;
        }

      syncobj_test_shadow_assert (shadows[0]);
      syncobj_test_shadow_assert (shadows[1]);
    }

  for (guint c = 0; c < 2; c++)
    syncobj_test_drain (controls[c], collections[c]);
  for (guint c = 0; c < 2; c++)
    {
      g_auto(GStrv) keys = syncobj_collection_get_keys (collections[c]);

      syncobj_test_drain (controls[c], collections[c]);
      syncobj_test_shadow_assert (shadows[c]);
      syncobj_test_assert_locked_keys (collections[c], "");
      for (guint i = 0; keys[i] != NULL; i++)
        {
          g_autoptr(SyncobjRecord) record = syncobj_collection_lookup (collections[c], keys[i]);

          g_assert_false (syncobj_record_get_pending (record));
          g_assert_true (json_object_equal (syncobj_record_get_value (record), syncobj_record_get_synced_value (record)));
        }
    }
  for (guint i = 0; i < transactions->len; i++)
    g_assert_true (syncobj_transaction_is_finished (g_ptr_array_index (transactions, i)));

  for (guint c = 0; c < 2; c++)
    {
      syncobj_test_shadow_free (shadows[c]);
      g_object_unref (collections[c]);
      g_object_unref (controls[c]);
    }
}

/* A random id would hide the collection's transactions from its store
 * after a restart: the store is not used, and a critical says why. */
static void
test_store_without_id (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(SyncobjStore) store = syncobj_store_new_in_memory ();
      g_autoptr(SyncobjCollection) collection = NULL;
      g_autoptr(SyncobjTransaction) transaction = NULL;

      /* Logged, not fatal, so that what follows the critical is checked. */
      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      collection = g_object_new (SYNCOBJ_TYPE_COLLECTION, "store", store, NULL);

      g_assert_null (syncobj_collection_get_store (collection));
      g_assert_false (syncobj_collection_get_persistent (collection));
      g_assert_nonnull (syncobj_collection_get_id (collection));
      transaction = syncobj_collection_begin (collection);
      syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_INSERT,
                                      NULL, "{\"id\": \"a\"}");
      syncobj_test_assert_keys (collection, "a");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*CRITICAL*with a store needs an id*runs without its store*");
}

int
main (int argc, char *argv[])
{
  syncobj_test_init (&argc, &argv);

  g_test_add_func ("/collection/store/without-id-runs-without-store", test_store_without_id);
  g_test_add_func ("/collection/insert/visible-at-once", test_insert_visible_at_once);
  g_test_add_func ("/collection/insert/copies-value", test_insert_copies_value);
  g_test_add_func ("/collection/update/shallow-merge", test_update_shallow_merge);
  g_test_add_func ("/collection/update/may-repeat-key", test_update_may_repeat_key);
  g_test_add_func ("/collection/update/record-deleted-meanwhile", test_update_of_record_deleted_meanwhile);
  g_test_add_func ("/collection/insert/key-inserted-meanwhile", test_insert_of_key_inserted_meanwhile);
  g_test_add_func ("/collection/delete/removes", test_delete_removes);
  g_test_add_func ("/collection/delete/then-insert-same-key", test_delete_then_insert_same_key);
  g_test_add_func ("/collection/to-json", test_to_json);
  g_test_add_func ("/collection/items-changed/initial-sync-one-emission", test_initial_sync_one_emission);
  g_test_add_func ("/collection/items-changed/insert-appends", test_items_changed_insert_appends);
  g_test_add_func ("/collection/items-changed/delete-at-position", test_items_changed_delete_position);
  g_test_add_func ("/collection/items-changed/update-in-place", test_items_changed_update_in_place);
  g_test_add_func ("/collection/items-changed/update-to-same-value-is-silent", test_items_changed_update_to_same_value);
  g_test_add_func ("/collection/items-changed/sync-batch-mixed", test_items_changed_sync_batch);
  g_test_add_func ("/collection/items-changed/sync-appends-one-range", test_items_changed_sync_appends_one_range);
  g_test_add_func ("/collection/items-changed/sync-changes-one-range", test_items_changed_sync_changes_one_range);
  g_test_add_func ("/collection/items-changed/truncate", test_items_changed_truncate);
  g_test_add_func ("/collection/ordered/lock/holds-sync-update-while-persisting", test_lock_holds_sync_update_while_persisting);
  g_test_add_func ("/collection/ordered/lock/other-keys-apply-at-once", test_lock_other_keys_apply_at_once);
  g_test_add_func ("/collection/ordered/lock/applies-on-completion-without-flicker", test_lock_applies_on_completion_without_flicker);
  g_test_add_func ("/collection/ordered/lock/release-lets-sync-through", test_lock_release_lets_sync_through);
  g_test_add_func ("/collection/ordered/lock/released-on-failure", test_lock_released_on_failure);
  g_test_add_func ("/collection/ordered/lock/queued-does-not-lock", test_lock_queued_does_not_lock);
  g_test_add_func ("/collection/parallel/sync-applies-at-once", test_parallel_sync_applies_at_once);
  g_test_add_func ("/collection/parallel/merge-func-may-hide", test_parallel_merge_func_may_hide);
  g_test_add_func ("/collection/parallel/merge-func-composes-default", test_parallel_merge_func_composes_default);
  g_test_add_func ("/collection/ordered/lock/completed-echo-survives-later-failure", test_lock_completed_echo_survives_later_failure);
  g_test_add_func ("/collection/ordered/lock/completed-while-another-locks", test_lock_completed_while_another_locks);
  g_test_add_func ("/collection/n-items-notify", test_n_items_notify);
  g_test_add_func ("/collection/no-sync/completed-writes-stay", test_no_sync_completed_writes_stay);
  g_test_add_func ("/collection/key-member/custom", test_custom_key_member);
  g_test_add_func ("/collection/reentrancy/writes-from-items-changed", test_reentrant_writes_from_items_changed);
  g_test_add_func ("/collection/reentrancy/records-dropped-from-items-changed", test_records_dropped_from_items_changed);
  {
    static const RandomCase cases[] = {
      { SYNCOBJ_STRATEGY_ORDERED, SYNCOBJ_QUEUE_SCOPE_COLLECTION, 1 },
      { SYNCOBJ_STRATEGY_ORDERED, SYNCOBJ_QUEUE_SCOPE_COLLECTION, 2 },
      { SYNCOBJ_STRATEGY_ORDERED, SYNCOBJ_QUEUE_SCOPE_KEY, 3 },
      { SYNCOBJ_STRATEGY_ORDERED, SYNCOBJ_QUEUE_SCOPE_KEY, 4 },
      { SYNCOBJ_STRATEGY_PARALLEL, SYNCOBJ_QUEUE_SCOPE_COLLECTION, 5 },
      { SYNCOBJ_STRATEGY_PARALLEL, SYNCOBJ_QUEUE_SCOPE_COLLECTION, 6 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autofree char *path = g_strdup_printf ("/collection/model/consistent-under-random-operations/%s-%s-%u",
                                                 cases[i].strategy == SYNCOBJ_STRATEGY_ORDERED ? "ordered" : "parallel",
                                                 cases[i].scope == SYNCOBJ_QUEUE_SCOPE_KEY ? "key" : "collection",
                                                 cases[i].seed);
        g_test_add_data_func (path, &cases[i], test_random_operations);
        g_free (path);
        path = g_strdup_printf ("/collection/model/consistent-across-collections/%s-%s-%u",
                                cases[i].strategy == SYNCOBJ_STRATEGY_ORDERED ? "ordered" : "parallel",
                                cases[i].scope == SYNCOBJ_QUEUE_SCOPE_KEY ? "key" : "collection",
                                cases[i].seed);
        g_test_add_data_func (path, &cases[i], test_random_operations_across_collections);
      }
  }
  g_test_add_func ("/collection/packed/sync-update-merges", test_packed_sync_update_merges);
  g_test_add_func ("/collection/packed/lock-holds-sync-update", test_packed_lock_holds_sync_update);
  g_test_add_func ("/collection/packed/truncate", test_packed_truncate);
  g_test_add_func ("/collection/packed/records-and-json", test_packed_records_and_json);
  g_test_add_func ("/collection/packed/record-keeps-text", test_packed_record_keeps_text);
  g_test_add_func ("/collection/packed/record-reads-text", test_packed_record_reads_text);
  g_test_add_func ("/collection/packed/record-outlives-text", test_packed_record_outlives_text);
  g_test_add_func ("/collection/packed/same-record-again", test_packed_same_record_again);
  g_test_add_func ("/collection/ordered/echo-of-update-becomes-synced", test_echo_of_update_becomes_synced);

  return g_test_run ();
}
