/* registry-test.c: every collection by id, every transaction, signals
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"

#define RECORDS "[{\"id\": \"a\", \"n\": 0}]"

static gboolean
list_contains (GListModel *model,
               gpointer    item)
{
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) object = g_list_model_get_item (model, i);

      if (object == item)
        return TRUE;
    }
  return FALSE;
}

static void
test_default_is_singleton (void)
{
  SyncobjRegistry *registry = syncobj_registry_get_default ();

  g_assert_true (SYNCOBJ_IS_REGISTRY (registry));
  g_assert_true (registry == syncobj_registry_get_default ());
  g_assert_true (g_list_model_get_item_type (syncobj_registry_get_collections (registry)) == SYNCOBJ_TYPE_COLLECTION);
  g_assert_true (g_list_model_get_item_type (syncobj_registry_get_transactions (registry)) == SYNCOBJ_TYPE_TRANSACTION);
}

static void
test_collection_by_id (void)
{
  SyncobjRegistry *registry = syncobj_registry_get_default ();
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection =
    syncobj_test_collection_new_for_id ("registry-todos", NULL, SYNCOBJ_STRATEGY_ORDERED, &control);

  g_assert_true (syncobj_registry_lookup_collection (registry, "registry-todos") == collection);
  g_assert_null (syncobj_registry_lookup_collection (registry, "registry-nothing"));
  g_assert_true (list_contains (syncobj_registry_get_collections (registry), collection));
}

static void
test_get_or_create_shares (void)
{
  SyncobjRegistry *registry = syncobj_registry_get_default ();
  g_autoptr(SyncobjMutator) mutator = syncobj_func_mutator_new (NULL, NULL, NULL);
  SyncobjCollection *first = syncobj_collection_get_or_create ("registry-shared", NULL, NULL, NULL);
  g_autoptr(SyncobjCollection) again = NULL;
  g_autoptr(SyncobjCollection) renewed = NULL;

  g_assert_true (SYNCOBJ_IS_COLLECTION (first));
  g_assert_cmpstr (syncobj_collection_get_id (first), ==, "registry-shared");
  g_assert_true (syncobj_registry_lookup_collection (registry, "registry-shared") == first);

  /* The live instance keeps its own sync, mutator and store. */
  again = syncobj_collection_get_or_create ("registry-shared", NULL, mutator, NULL);
  g_assert_true (again == first);
  g_assert_null (syncobj_collection_get_mutator (again));
  g_clear_object (&again);

  /* Once nobody holds it, the next call creates a new one. */
  g_object_add_weak_pointer (G_OBJECT (first), (gpointer *) &first);
  g_object_unref (first);
  g_assert_null (first);
  renewed = syncobj_collection_get_or_create ("registry-shared", NULL, mutator, NULL);
  g_assert_true (syncobj_collection_get_mutator (renewed) == mutator);
  g_assert_true (syncobj_registry_lookup_collection (registry, "registry-shared") == renewed);
}

static void
count_cb (gpointer  emitter,
          gpointer  item,
          GPtrArray *seen)
{
  g_ptr_array_add (seen, g_object_ref (item));
}

static void
test_collection_added_signal (void)
{
  SyncobjRegistry *registry = syncobj_registry_get_default ();
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_object_unref);
  gulong handler = g_signal_connect (registry, "collection-added", G_CALLBACK (count_cb), seen);
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);

  g_signal_handler_disconnect (registry, handler);
  g_assert_cmpuint (seen->len, ==, 1);
  g_assert_true (g_ptr_array_index (seen, 0) == collection);
}

static void
test_finalized_collection_leaves (void)
{
  SyncobjRegistry *registry = syncobj_registry_get_default ();
  GListModel *collections = syncobj_registry_get_collections (registry);
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(JsonArray) initial = syncobj_test_array (RECORDS);
  SyncobjCollection *collection =
    syncobj_test_collection_new_for_id ("registry-short-lived", initial, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTestItemsChanged) changes = syncobj_test_items_changed_new (collections);
  g_autoptr(SyncobjTransaction) transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  guint n_before = g_list_model_get_n_items (collections);
  g_autofree char *expected_change = NULL;

  for (guint i = 0; i < n_before; i++)
    {
      g_autoptr(SyncobjCollection) listed = g_list_model_get_item (collections, i);

      if (listed == collection)
        expected_change = g_strdup_printf ("%u,1,0", i);
    }
  g_assert_nonnull (expected_change);

  /* Finished transactions do not keep their collection alive. */
  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_object_add_weak_pointer (G_OBJECT (collection), (gpointer *) &collection);
  g_object_unref (collection);

  g_assert_null (collection);
  g_assert_null (syncobj_registry_lookup_collection (registry, "registry-short-lived"));
  g_assert_cmpuint (g_list_model_get_n_items (collections), ==, n_before - 1);
  syncobj_test_items_changed_assert (changes, expected_change);

  /* The transaction stays as history. */
  g_assert_true (syncobj_registry_lookup_transaction (registry, syncobj_transaction_get_id (transaction)) == transaction);
  g_assert_null (syncobj_transaction_get_collection (transaction));
}

static void
test_transactions_listed (void)
{
  SyncobjRegistry *registry = syncobj_registry_get_default ();
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  gulong handler = g_signal_connect (registry, "transaction-added", G_CALLBACK (count_cb), added);
  g_autoptr(SyncobjTransaction) written = syncobj_test_update (collection, "a", "{\"n\": 1}");
  g_autoptr(SyncobjTransaction) begun = syncobj_collection_begin (collection);

  g_signal_handler_disconnect (registry, handler);
  g_assert_cmpuint (added->len, ==, 2);
  g_assert_true (g_ptr_array_index (added, 0) == written);
  g_assert_true (g_ptr_array_index (added, 1) == begun);

  g_assert_true (list_contains (syncobj_registry_get_transactions (registry), written));
  g_assert_true (syncobj_registry_lookup_transaction (registry, syncobj_transaction_get_id (written)) == written);
  g_assert_true (syncobj_registry_lookup_transaction (registry, syncobj_transaction_get_id (begun)) == begun);
  g_assert_null (syncobj_registry_lookup_transaction (registry, "no-such-transaction"));
  g_assert_cmpuint (syncobj_test_count_transactions (collection), ==, 2);

  g_assert_true (syncobj_transaction_rollback (begun, NULL));
  syncobj_test_drain (control, collection);
}

static void
test_collection_transaction_added_signal (void)
{
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(GListModel) active = NULL;

  g_signal_connect (collection, "transaction-added", G_CALLBACK (count_cb), added);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  g_assert_cmpuint (added->len, ==, 1);
  g_assert_true (g_ptr_array_index (added, 0) == transaction);

  active = syncobj_collection_get_transactions (collection);
  g_assert_cmpuint (g_list_model_get_n_items (active), ==, 1);
  syncobj_test_drain (control, collection);
  g_clear_object (&active);
  active = syncobj_collection_get_transactions (collection);
  g_assert_cmpuint (g_list_model_get_n_items (active), ==, 0);
}

typedef struct
{
  SyncobjTransaction *watched;
  GString            *states;
} StateLog;

static void
state_changed_cb (SyncobjRegistry    *registry,
                  SyncobjTransaction *transaction,
                  StateLog           *log)
{
  if (transaction != log->watched)
    return;
  g_string_append_printf (log->states, "%s%s", log->states->len > 0 ? " " : "",
                          syncobj_transaction_get_state_name (transaction));
}

static void
test_transaction_state_changed_signal (void)
{
  SyncobjRegistry *registry = syncobj_registry_get_default ();
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(GString) states = g_string_new ("");
  StateLog log = { NULL, states };
  gulong handler = g_signal_connect (registry, "transaction-state-changed", G_CALLBACK (state_changed_cb), &log);

  syncobj_sync_control_fail_next_persist (control);
  syncobj_test_exact_retry_policy (collection, 3);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  log.watched = transaction;
  syncobj_test_drain (control, collection);
  g_signal_handler_disconnect (registry, handler);

  /* A retry does not change the state. */
  g_assert_cmpstr (states->str, ==, "persisting persisted_awaiting_sync completed");
}

static void
test_forget_finished (void)
{
  SyncobjRegistry *registry = syncobj_registry_get_default ();
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) done = syncobj_test_update (collection, "a", "{\"n\": 1}");
  g_autoptr(SyncobjTransaction) open = NULL;

  syncobj_test_drain (control, collection);
  open = syncobj_collection_begin (collection);

  g_assert_cmpuint (syncobj_registry_forget_finished (registry), >=, 1);
  g_assert_null (syncobj_registry_lookup_transaction (registry, syncobj_transaction_get_id (done)));
  g_assert_false (list_contains (syncobj_registry_get_transactions (registry), done));
  g_assert_true (syncobj_registry_lookup_transaction (registry, syncobj_transaction_get_id (open)) == open);
  g_assert_true (list_contains (syncobj_registry_get_transactions (registry), open));

  g_assert_true (syncobj_transaction_rollback (open, NULL));
}

/* Finished transactions beyond the history limit leave the list, oldest
 * first; active ones stay whatever the limit. */
static void
test_history_limit (void)
{
  SyncobjRegistry *registry = syncobj_registry_get_default ();
  GListModel *transactions = syncobj_registry_get_transactions (registry);
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(GPtrArray) done = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(SyncobjTransaction) open = NULL;
  guint active;

  g_assert_cmpuint (syncobj_registry_get_history_limit (registry), ==, 1000);
  syncobj_registry_forget_finished (registry);
  active = g_list_model_get_n_items (transactions);   /* left by other tests */
  syncobj_registry_set_history_limit (registry, 2);

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *changes = g_strdup_printf ("{\"n\": %u}", i + 1);

      g_ptr_array_add (done, syncobj_test_update (collection, "a", changes));
      syncobj_test_drain (control, collection);
      g_assert_true (syncobj_transaction_get_state (g_ptr_array_index (done, i)) == SYNCOBJ_TRANSACTION_STATE_COMPLETED);
    }

  /* The last two finished, and an open one. */
  open = syncobj_collection_begin (collection);
  g_assert_cmpuint (g_list_model_get_n_items (transactions), ==, active + 3);
  for (guint i = 0; i < 3; i++)
    {
      SyncobjTransaction *transaction = g_ptr_array_index (done, i);

      g_assert_false (list_contains (transactions, transaction));
      g_assert_null (syncobj_registry_lookup_transaction (registry, syncobj_transaction_get_id (transaction)));
    }
  for (guint i = 3; i < 5; i++)
    g_assert_true (list_contains (transactions, g_ptr_array_index (done, i)));
  g_assert_true (list_contains (transactions, open));

  /* A lower limit drops at once; the active transaction stays. */
  syncobj_registry_set_history_limit (registry, 0);
  g_assert_cmpuint (g_list_model_get_n_items (transactions), ==, active + 1);
  g_assert_true (list_contains (transactions, open));

  g_assert_true (syncobj_transaction_rollback (open, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (transactions), ==, active);
  g_assert_cmpint (syncobj_transaction_get_state (open), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);

  syncobj_registry_set_history_limit (registry, 1000);
}

/* A history many times longer than the limit leaves the list oldest first,
 * at every step, and a view connected after the list was made sees each
 * arrival and each departure. */
static void
test_history_trims_in_order (void)
{
  SyncobjRegistry *registry = syncobj_registry_get_default ();
  GListModel *transactions = syncobj_registry_get_transactions (registry);
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(GPtrArray) done = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(SyncobjTestItemsChanged) changes = NULL;
  g_autoptr(SyncobjTransaction) last = NULL;
  g_autofree char *expected = NULL;
  guint active;

  syncobj_registry_forget_finished (registry);
  active = g_list_model_get_n_items (transactions);   /* left by other tests */
  syncobj_registry_set_history_limit (registry, 3);
  changes = syncobj_test_items_changed_new (transactions);

  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *changes_json = g_strdup_printf ("{\"n\": %u}", i + 1);
      guint kept = MIN (i + 1, 3);

      g_ptr_array_add (done, syncobj_test_update (collection, "a", changes_json));
      syncobj_test_drain (control, collection);

      g_assert_cmpuint (g_list_model_get_n_items (transactions), ==, active + kept);
      for (guint k = 0; k < kept; k++)
        {
          g_autoptr(SyncobjTransaction) listed = g_list_model_get_item (transactions, active + k);

          g_assert_true (listed == g_ptr_array_index (done, i + 1 - kept + k));
        }
      for (guint k = 0; k + kept <= i; k++)
        g_assert_null (syncobj_registry_lookup_transaction (registry,
                                                            syncobj_transaction_get_id (g_ptr_array_index (done, k))));
    }

  /* Each write added one at the end; from the fourth on, the oldest left. */
  g_assert_cmpuint (syncobj_test_items_changed_count (changes), ==, 40 + 37);

  /* A lower limit: the two oldest leave, one after the other. */
  syncobj_test_items_changed_clear (changes);
  syncobj_registry_set_history_limit (registry, 1);
  g_assert_cmpuint (g_list_model_get_n_items (transactions), ==, active + 1);
  expected = g_strdup_printf ("%u,1,0 %u,1,0", active, active);
  syncobj_test_items_changed_assert (changes, expected);
  last = g_list_model_get_item (transactions, active);
  g_assert_true (last == g_ptr_array_index (done, 39));
  syncobj_registry_set_history_limit (registry, 1000);
}

/* ---- structured logging ------------------------------------------------------ */

static GPtrArray *logged_ids;   /* SYNCOBJ_TRANSACTION_ID of Syncobj records */

static GLogWriterOutput
recording_writer (GLogLevelFlags   level,
                  const GLogField *fields,
                  gsize            n_fields,
                  gpointer         user_data)
{
  const char *domain = NULL;
  const char *id = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "SYNCOBJ_TRANSACTION_ID") == 0)
        id = fields[i].value;
    }
  if (logged_ids != NULL && g_strcmp0 (domain, "Syncobj") == 0 && id != NULL)
    g_ptr_array_add (logged_ids, g_strdup (id));

  return g_log_writer_default (level, fields, n_fields, user_data);
}

static void
test_log_names_transaction (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;

  logged_ids = g_ptr_array_new_with_free_func (g_free);
  syncobj_sync_control_fail_next_persist_non_retriable (control);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  syncobj_test_drain (control, collection);

  /* The failure is logged with the transaction's id as a field. */
  g_assert_true (g_ptr_array_find_with_equal_func (logged_ids, syncobj_transaction_get_id (transaction),
                                                   g_str_equal, NULL));
  g_clear_pointer (&logged_ids, g_ptr_array_unref);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(guint *) user_data)++;
}

/* n-pending counts the unfinished transactions of the process, with
 * notify, for a "3 changes waiting" indicator. */
static void
test_n_pending (void)
{
  SyncobjRegistry *registry = syncobj_registry_get_default ();
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) first = NULL;
  g_autoptr(SyncobjTransaction) second = NULL;
  guint before = syncobj_registry_get_n_pending (registry);
  guint notified = 0;
  guint collection_notified = 0;
  guint n = 0;
  gulong handler = g_signal_connect (registry, "notify::n-pending", G_CALLBACK (count_notify), &notified);

  g_signal_connect (collection, "notify::n-pending", G_CALLBACK (count_notify), &collection_notified);
  syncobj_sync_control_set_offline (control, TRUE);
  first = syncobj_test_update (collection, "a", "{\"n\": 1}");
  second = syncobj_test_update (collection, "a", "{\"n\": 2}");
  g_assert_cmpuint (syncobj_registry_get_n_pending (registry), ==, before + 2);
  g_assert_cmpuint (syncobj_collection_get_n_pending (collection), ==, 2);
  g_assert_cmpuint (collection_notified, ==, 2);
  g_object_get (registry, "n-pending", &n, NULL);
  g_assert_cmpuint (n, ==, before + 2);
  g_assert_cmpuint (notified, ==, 2);

  syncobj_sync_control_set_offline (control, FALSE);
  g_assert_cmpint (syncobj_test_wait_transaction (control, second, 100, 10000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpuint (syncobj_registry_get_n_pending (registry), ==, before);
  g_assert_cmpuint (notified, ==, 4);
  g_assert_cmpuint (syncobj_collection_get_n_pending (collection), ==, 0);
  g_assert_cmpuint (collection_notified, ==, 4);

  /* A failure finishes a transaction too. */
  syncobj_test_exact_retry_policy (collection, 1);
  syncobj_sync_control_fail_next_persists (control, 1);
  g_clear_object (&first);
  first = syncobj_test_update (collection, "a", "{\"n\": 3}");
  g_assert_cmpint (syncobj_test_wait_transaction (control, first, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  g_assert_cmpuint (syncobj_registry_get_n_pending (registry), ==, before);
  g_signal_handler_disconnect (registry, handler);
  syncobj_test_drain (control, collection);
}

/* What n-pending says when each state of one transaction is announced:
 * to a handler of notify::state the transaction that ends still counts;
 * to a handler of ::transaction-state-changed it no longer does. Only
 * the end changes the count, once, whatever states came before. */
typedef struct
{
  SyncobjTransaction *watched;
  GString            *seen;
  guint               before;
} PendingSeen;

static void
seen_on_notify_cb (SyncobjTransaction *transaction,
                   GParamSpec         *pspec,
                   PendingSeen        *seen)
{
  g_string_append_printf (seen->seen, "%s%s:%u", seen->seen->len > 0 ? " " : "",
                          syncobj_transaction_get_state_name (transaction),
                          syncobj_registry_get_n_pending (syncobj_registry_get_default ()) - seen->before);
}

static void
seen_on_state_changed_cb (SyncobjRegistry    *registry,
                          SyncobjTransaction *transaction,
                          PendingSeen        *seen)
{
  if (transaction == seen->watched)
    g_string_append_printf (seen->seen, "/%u", syncobj_registry_get_n_pending (registry) - seen->before);
}

static void
test_n_pending_across_states (void)
{
  SyncobjRegistry *registry = syncobj_registry_get_default ();
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) first = NULL;
  g_autoptr(SyncobjTransaction) second = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  PendingSeen seen = { NULL, text, syncobj_registry_get_n_pending (registry) };
  guint notified = 0;
  gulong notify_handler = g_signal_connect (registry, "notify::n-pending", G_CALLBACK (count_notify), &notified);
  gulong state_handler = g_signal_connect (registry, "transaction-state-changed", G_CALLBACK (seen_on_state_changed_cb), &seen);

  syncobj_sync_control_set_network_delay (control, 100);
  first = syncobj_test_update (collection, "a", "{\"n\": 1}");
  second = syncobj_test_update (collection, "a", "{\"n\": 2}");
  g_assert_cmpuint (notified, ==, 2);
  g_assert_cmpuint (syncobj_registry_get_n_pending (registry), ==, seen.before + 2);

  /* queued → persisting → persisted_awaiting_sync → completed */
  seen.watched = second;
  g_signal_connect (second, "notify::state", G_CALLBACK (seen_on_notify_cb), &seen);
  g_assert_cmpint (syncobj_test_wait_transaction (control, second, 100, 10000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpstr (text->str, ==, "persisting:2/2 persisted_awaiting_sync:1/1 completed:1/0");
  g_assert_cmpuint (syncobj_registry_get_n_pending (registry), ==, seen.before);
  g_assert_cmpuint (notified, ==, 4);

  /* A rollback ends one too, once. */
  g_clear_object (&first);
  g_string_truncate (text, 0);
  syncobj_sync_control_set_offline (control, TRUE);
  first = syncobj_test_update (collection, "a", "{\"n\": 3}");
  seen.watched = first;
  g_signal_connect (first, "notify::state", G_CALLBACK (seen_on_notify_cb), &seen);
  g_assert_cmpuint (syncobj_registry_get_n_pending (registry), ==, seen.before + 1);
  g_assert_true (syncobj_transaction_rollback (first, NULL));
  g_assert_false (syncobj_transaction_rollback (first, NULL));
  g_assert_cmpstr (text->str, ==, "failed:1/0");
  g_assert_cmpuint (syncobj_registry_get_n_pending (registry), ==, seen.before);
  g_assert_cmpuint (notified, ==, 6);

  g_signal_handler_disconnect (registry, notify_handler);
  g_signal_handler_disconnect (registry, state_handler);
  syncobj_sync_control_set_offline (control, FALSE);
  syncobj_test_drain (control, collection);
}

/* offline follows the network, with notify. */
static void
test_offline (void)
{
  SyncobjRegistry *registry = syncobj_registry_get_default ();
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  guint notified = 0;
  gboolean offline = FALSE;
  guint collection_notified = 0;
  gulong handler = g_signal_connect (registry, "notify::offline", G_CALLBACK (count_notify), &notified);

  g_signal_connect (collection, "notify::offline", G_CALLBACK (count_notify), &collection_notified);
  g_assert_false (syncobj_registry_get_offline (registry));
  g_assert_false (syncobj_collection_get_offline (collection));
  syncobj_sync_control_set_offline (control, TRUE);
  g_assert_true (syncobj_registry_get_offline (registry));
  g_assert_true (syncobj_collection_get_offline (collection));
  g_assert_cmpuint (collection_notified, ==, 1);
  g_object_get (registry, "offline", &offline, NULL);
  g_assert_true (offline);
  g_assert_cmpuint (notified, ==, 1);
  syncobj_sync_control_set_offline (control, FALSE);
  g_assert_false (syncobj_registry_get_offline (registry));
  g_assert_false (syncobj_collection_get_offline (collection));
  g_assert_cmpuint (notified, ==, 2);
  g_assert_cmpuint (collection_notified, ==, 2);
  g_signal_handler_disconnect (registry, handler);
}

int
main (int argc, char *argv[])
{
  syncobj_test_init (&argc, &argv);
  g_log_set_writer_func (recording_writer, NULL, NULL);

  g_test_add_func ("/registry/default-is-singleton", test_default_is_singleton);
  g_test_add_func ("/registry/collections/by-id", test_collection_by_id);
  g_test_add_func ("/registry/collections/get-or-create-shares", test_get_or_create_shares);
  g_test_add_func ("/registry/collections/added-signal", test_collection_added_signal);
  g_test_add_func ("/registry/collections/finalized-leaves", test_finalized_collection_leaves);
  g_test_add_func ("/registry/transactions/listed-with-added-signal", test_transactions_listed);
  g_test_add_func ("/registry/transactions/collection-transaction-added", test_collection_transaction_added_signal);
  g_test_add_func ("/registry/transactions/state-changed-signal", test_transaction_state_changed_signal);
  g_test_add_func ("/registry/transactions/forget-finished", test_forget_finished);
  g_test_add_func ("/registry/transactions/history-limit", test_history_limit);
  g_test_add_func ("/registry/transactions/history-trims-in-order", test_history_trims_in_order);
  g_test_add_func ("/registry/logging/names-the-transaction", test_log_names_transaction);

  g_test_add_func ("/registry/n-pending", test_n_pending);
  g_test_add_func ("/registry/n-pending/across-states", test_n_pending_across_states);
  g_test_add_func ("/registry/offline", test_offline);

  return g_test_run ();
}
