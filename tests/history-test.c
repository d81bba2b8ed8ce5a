/* history-test.c: finished transactions read back from the store, a page
 * at a time (syncobj_store_read_history_async())
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "store-test-utils.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

static void
setup (void)
{
  _syncobj_scheduler_set_virtual (_syncobj_scheduler_get_default (), TRUE);
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GListModel **page = user_data;
  g_autoptr(GError) error = NULL;

  *page = syncobj_store_read_history_finish (SYNCOBJ_STORE (source), result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (*page);
}

/* Reads a page and waits for it. */
static GListModel *
read_history (SyncobjStore *store,
              const char   *collection_id,
              guint         offset,
              guint         limit)
{
  GListModel *page = NULL;

  syncobj_store_read_history_async (store, collection_id, offset, limit, NULL, read_cb, &page);
  while (page == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (g_list_model_get_item_type (page) == SYNCOBJ_TYPE_TRANSACTION);
  return page;
}

static SyncobjTransaction *
item (GListModel *page,
      guint       position)
{
  g_autoptr(SyncobjTransaction) transaction = g_list_model_get_item (page, position);

  return transaction;   /* the page keeps it */
}

/* Inserts {"id": @key, "n": @n} and runs until the transaction is done. */
static char *
insert_done (SyncobjCollection *collection,
             const char        *key,
             guint              n)
{
  g_autofree char *json = g_strdup_printf ("{\"id\": \"%s\", \"n\": %u}", key, n);
  g_autoptr(JsonObject) value = syncobj_test_object (json);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjTransaction) transaction = syncobj_collection_insert (collection, value, &error);

  g_assert_no_error (error);
  while (!syncobj_transaction_is_finished (transaction))
    g_main_context_iteration (NULL, TRUE);
  return g_strdup (syncobj_transaction_get_id (transaction));
}

/* The page holds @ids[from], @ids[from - 1], …: newest first. */
static void
assert_page (GListModel *page,
             GPtrArray  *ids,
             guint       from,
             guint       n)
{
  g_assert_cmpuint (g_list_model_get_n_items (page), ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (syncobj_transaction_get_id (item (page, i)), ==, g_ptr_array_index (ids, from - i));
}

/* The completed insert @transaction wrote {"id": "h-@n", "n": @n} to
 * @collection_id. */
static void
assert_insert (SyncobjTransaction *transaction,
               const char         *collection_id,
               guint               n)
{
  GListModel *mutations = syncobj_transaction_get_mutations (transaction);
  g_autoptr(SyncobjPendingMutation) mutation = NULL;
  g_autofree char *key = g_strdup_printf ("h-%02u", n);
  g_autofree char *expected = g_strdup_printf ("{\"id\": \"h-%02u\", \"n\": %u}", n, n);

  g_assert_cmpint (syncobj_transaction_get_state (transaction), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpuint (g_list_model_get_n_items (mutations), ==, 1);
  mutation = g_list_model_get_item (mutations, 0);
  g_assert_cmpstr (syncobj_pending_mutation_get_key (mutation), ==, key);
  g_assert_cmpstr (syncobj_pending_mutation_get_collection_id (mutation), ==, collection_id);
  g_assert_cmpint (syncobj_pending_mutation_get_mutation_type (mutation), ==, SYNCOBJ_MUTATION_TYPE_INSERT);
  syncobj_store_test_assert_value (syncobj_pending_mutation_get_changes (mutation), expected);
}

/* The registry keeps 10 finished transactions; the store keeps all 25,
 * and a failed one, and gives them back a page at a time, newest first,
 * before and after a restart. */
static void
test_pages (void)
{
  SyncobjRegistry *registry = syncobj_registry_get_default ();
  g_autofree char *path = syncobj_store_test_path ("history.db");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = syncobj_store_new_for_path (path, &error);
  g_autoptr(SyncobjMutator) mutator = NULL;
  SyncobjTestBackend *backend = syncobj_store_test_backend_new (&mutator);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjCollection) other = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) other_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GListModel) page = NULL;
  g_autoptr(SyncobjTransaction) failed = NULL;
  guint pending;

  g_assert_no_error (error);
  syncobj_registry_forget_finished (registry);
  syncobj_registry_set_history_limit (registry, 10);
  pending = syncobj_registry_get_n_pending (registry);

  collection = syncobj_collection_new_with_store ("history", NULL, mutator, store);
  other = syncobj_collection_new_with_store ("history-other", NULL, mutator, store);
  backend->complete_at_once = TRUE;
  for (guint i = 0; i < 25; i++)
    {
      g_autofree char *key = g_strdup_printf ("h-%02u", i);

      g_ptr_array_add (ids, insert_done (collection, key, i));
      if (i % 10 == 0)
        g_ptr_array_add (other_ids, insert_done (other, key, i));
    }

  /* A failed one. */
  backend->complete_at_once = FALSE;
  {
    g_autoptr(JsonObject) value = syncobj_test_object ("{\"id\": \"refused\"}");

    failed = syncobj_collection_insert (collection, value, &error);
    g_assert_no_error (error);
    syncobj_store_test_wait_for_jobs (backend, 1);
    syncobj_persist_job_fail_non_retriable (g_ptr_array_index (backend->jobs, 0), "refused");
    while (!syncobj_transaction_is_finished (failed))
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpint (syncobj_transaction_get_state (failed), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
    g_ptr_array_add (ids, g_strdup (syncobj_transaction_get_id (failed)));
  }
  g_assert_null (syncobj_registry_lookup_transaction (registry, g_ptr_array_index (ids, 0)));

  /* Everything, newest first: the failed one, then the inserts. */
  page = read_history (store, "history", 0, 100);
  assert_page (page, ids, 25, 26);
  g_assert_true (item (page, 0) == failed);
  g_assert_error (syncobj_transaction_get_error (item (page, 0)), SYNCOBJ_ERROR, SYNCOBJ_ERROR_NON_RETRIABLE);
  for (guint i = 1; i < 26; i++)
    {
      SyncobjTransaction *transaction = item (page, i);
      SyncobjTransaction *alive = syncobj_registry_lookup_transaction (registry, syncobj_transaction_get_id (transaction));

      assert_insert (transaction, "history", 25 - i);
      /* One transaction, one object: the registry's while it keeps it. */
      if (alive != NULL)
        g_assert_true (alive == transaction);
      g_assert_cmpuint (g_list_model_get_n_items (syncobj_registry_get_transactions (registry)), <=, 10 + pending);
    }
  /* Read back, the older ones join no registry and wait for nothing. */
  g_assert_null (syncobj_registry_lookup_transaction (registry, g_ptr_array_index (ids, 0)));
  g_assert_cmpuint (syncobj_registry_get_n_pending (registry), ==, pending);
  g_clear_object (&page);

  /* Pages. */
  page = read_history (store, "history", 5, 7);
  assert_page (page, ids, 20, 7);
  assert_insert (item (page, 6), "history", 14);
  g_clear_object (&page);
  page = read_history (store, "history", 20, 100);
  assert_page (page, ids, 5, 6);
  g_clear_object (&page);
  page = read_history (store, "history", 26, 100);
  g_assert_cmpuint (g_list_model_get_n_items (page), ==, 0);
  g_clear_object (&page);

  /* Another collection, and every collection. */
  page = read_history (store, "history-other", 0, 100);
  assert_page (page, other_ids, 2, 3);
  g_clear_object (&page);
  page = read_history (store, NULL, 0, 1000);
  g_assert_cmpuint (g_list_model_get_n_items (page), ==, 29);
  g_assert_true (item (page, 0) == failed);
  g_assert_cmpstr (syncobj_transaction_get_id (item (page, 1)), ==, g_ptr_array_index (ids, 24));
  /* The other collection's third insert came right after the 21st. */
  g_assert_cmpstr (syncobj_transaction_get_id (item (page, 5)), ==, g_ptr_array_index (other_ids, 2));
  g_assert_cmpstr (syncobj_transaction_get_id (item (page, 6)), ==, g_ptr_array_index (ids, 20));
  g_assert_cmpstr (syncobj_transaction_get_id (item (page, 28)), ==, g_ptr_array_index (ids, 0));
  g_clear_object (&page);

  /* After a restart: a new store on the file, no collection open. */
  syncobj_store_test_flush (store);
  g_clear_object (&collection);
  g_clear_object (&other);
  g_clear_object (&store);
  store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  page = read_history (store, "history", 0, 100);
  assert_page (page, ids, 25, 26);
  g_assert_cmpint (syncobj_transaction_get_state (item (page, 0)), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  for (guint i = 1; i < 26; i++)
    assert_insert (item (page, i), "history", 25 - i);
  g_clear_object (&page);
  page = read_history (store, "history", 24, 2);
  assert_page (page, ids, 1, 2);
  g_assert_null (syncobj_registry_lookup_transaction (registry, syncobj_transaction_get_id (item (page, 1))));
  g_assert_cmpuint (syncobj_registry_get_n_pending (registry), ==, pending);
  g_clear_object (&page);

  syncobj_registry_set_history_limit (registry, 1000);
}

static void
test_in_memory (void)
{
  g_autoptr(SyncobjStore) store = syncobj_store_new_in_memory ();
  g_autoptr(SyncobjMutator) mutator = NULL;
  SyncobjTestBackend *backend = syncobj_store_test_backend_new (&mutator);
  g_autoptr(SyncobjCollection) collection = syncobj_collection_new_with_store ("memory", NULL, mutator, store);
  g_autofree char *id = NULL;
  g_autoptr(GListModel) page = NULL;
  g_autoptr(GListModel) all = NULL;

  backend->complete_at_once = TRUE;
  id = insert_done (collection, "h-00", 0);
  page = read_history (store, "memory", 0, 100);
  g_assert_cmpuint (g_list_model_get_n_items (page), ==, 0);
  all = read_history (store, NULL, 0, 100);
  g_assert_cmpuint (g_list_model_get_n_items (all), ==, 0);
}

/* 100,000 finished transactions: a page deep into them is one page. */
static void
test_scale (void)
{
  g_autofree char *path = syncobj_store_test_path ("scale.db");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = syncobj_store_new_for_path (path, &error);
  g_autoptr(SyncobjMutator) mutator = NULL;
  SyncobjTestBackend *backend = syncobj_store_test_backend_new (&mutator);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autofree char *id = NULL;
  g_autofree char *copy_sql = NULL;
  g_autoptr(GListModel) page = NULL;
  sqlite3 *db = NULL;

  g_assert_no_error (error);
  collection = syncobj_collection_new_with_store ("scale", NULL, mutator, store);
  backend->complete_at_once = TRUE;
  id = insert_done (collection, "h-07", 7);
  syncobj_store_test_flush (store);
  g_clear_object (&collection);
  g_clear_object (&store);

  /* The stored row, copied 100,000 times with commit order and id n,
   * through sqlite3 itself (libgda's parser leaks a little of this
   * statement). */
  copy_sql = g_strdup_printf (
    "INSERT INTO transactions (id, collection_id, state, created_at, updated_at, sequence, "
    "current_attempt, counted_attempts, queued_behind, error, error_transaction_id, metadata, "
    "attempts, mutations) "
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) "
    "SELECT printf ('scale-%%06d', i), collection_id, state, created_at, updated_at, 1000000 + i, "
    "current_attempt, counted_attempts, queued_behind, error, error_transaction_id, metadata, "
    "attempts, mutations FROM transactions, n WHERE id = '%s'", id);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, copy_sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT count(*) FROM transactions"), ==, 100001);

  store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  page = read_history (store, "scale", 99800, 200);
  g_assert_cmpuint (g_list_model_get_n_items (page), ==, 200);
  g_assert_cmpstr (syncobj_transaction_get_id (item (page, 0)), ==, "scale-000200");
  g_assert_cmpstr (syncobj_transaction_get_id (item (page, 199)), ==, "scale-000001");
  assert_insert (item (page, 199), "scale", 7);
  g_clear_object (&page);
  /* The last page holds what is left: the one written through the API. */
  page = read_history (store, NULL, 99900, 200);
  g_assert_cmpuint (g_list_model_get_n_items (page), ==, 101);
  g_assert_cmpstr (syncobj_transaction_get_id (item (page, 100)), ==, id);
}

/* Reads the next page of @history and runs until it is listed. */
static void
history_read_page (SyncobjHistory *history)
{
  g_assert_true (syncobj_history_get_can_read_more (history));
  syncobj_history_read_more (history);
  g_assert_true (syncobj_history_get_reading (history));
  g_assert_false (syncobj_history_get_can_read_more (history));
  while (syncobj_history_get_reading (history))
    g_main_context_iteration (NULL, TRUE);
}

/* The registry keeps the newest 200 finished transactions (a page); a
 * SyncobjHistory lists the older ones of its collection, read from the
 * store a page at a time, newest first, never one the registry holds;
 * another collection empties it; one in memory has no older history. */
static void
test_history_model (void)
{
  SyncobjRegistry *registry = syncobj_registry_get_default ();
  g_autofree char *path = syncobj_store_test_path ("history-model.db");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = syncobj_store_new_for_path (path, &error);
  g_autoptr(SyncobjStore) memory = syncobj_store_new_in_memory ();
  g_autoptr(SyncobjMutator) mutator = NULL;
  SyncobjTestBackend *backend = syncobj_store_test_backend_new (&mutator);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjCollection) in_memory = NULL;
  g_autoptr(SyncobjHistory) history = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(SyncobjTestItemsChanged) changes = NULL;
  g_autoptr(SyncobjTestNotify) can_read_more = NULL;
  guint n = 450;

  g_assert_no_error (error);
  syncobj_registry_forget_finished (registry);
  syncobj_registry_set_history_limit (registry, 200);
  collection = syncobj_collection_new_with_store ("history-model", NULL, mutator, store);
  in_memory = syncobj_collection_new_with_store ("history-model-memory", NULL, mutator, memory);
  backend->complete_at_once = TRUE;
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *key = g_strdup_printf ("h-%02u", i);

      g_ptr_array_add (ids, insert_done (collection, key, i));
    }
  g_assert_null (syncobj_registry_lookup_transaction (registry, g_ptr_array_index (ids, n - 201)));
  g_assert_nonnull (syncobj_registry_lookup_transaction (registry, g_ptr_array_index (ids, n - 200)));

  history = syncobj_history_new (collection);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (history)) == SYNCOBJ_TYPE_TRANSACTION);
  g_assert_true (syncobj_history_get_collection (history) == collection);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (history)), ==, 0);
  changes = syncobj_test_items_changed_new (G_LIST_MODEL (history));
  can_read_more = syncobj_test_notify_new (history, "can-read-more");

  /* The first page (the newest 200) is all in the registry: the second
   * one is read at once, and listed. */
  history_read_page (history);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (history)), ==, 200);
  syncobj_test_items_changed_assert (changes, "0,0,200");
  syncobj_test_notify_assert (can_read_more, "false | true");
  for (guint i = 0; i < 200; i++)
    {
      g_autoptr(SyncobjTransaction) transaction = g_list_model_get_item (G_LIST_MODEL (history), i);

      g_assert_cmpstr (syncobj_transaction_get_id (transaction), ==, g_ptr_array_index (ids, n - 201 - i));
      g_assert_cmpint (syncobj_transaction_get_state (transaction), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
      g_assert_null (syncobj_registry_lookup_transaction (registry, syncobj_transaction_get_id (transaction)));
    }
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (history), 200));

  /* The last page is short: nothing older is left. */
  history_read_page (history);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (history)), ==, n - 200);
  syncobj_test_items_changed_assert (changes, "0,0,200 200,0,50");
  syncobj_test_notify_assert (can_read_more, "false | true | false");
  g_assert_false (syncobj_history_get_can_read_more (history));
  {
    g_autoptr(SyncobjTransaction) oldest = g_list_model_get_item (G_LIST_MODEL (history), n - 201);

    g_assert_cmpstr (syncobj_transaction_get_id (oldest), ==, g_ptr_array_index (ids, 0));
    assert_insert (oldest, "history-model", 0);
  }
  syncobj_history_read_more (history);
  g_assert_false (syncobj_history_get_reading (history));

  /* A collection in memory: emptied, nothing to read. */
  g_object_set (history, "collection", in_memory, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (history)), ==, 0);
  syncobj_test_items_changed_assert (changes, "0,0,200 200,0,50 0,250,0");
  g_assert_false (syncobj_history_get_can_read_more (history));

  /* Back to the first one: its history from the newest again. A read
   * running when the collection changes is dropped. */
  syncobj_history_set_collection (history, collection);
  g_assert_true (syncobj_history_get_can_read_more (history));
  syncobj_history_read_more (history);
  syncobj_history_set_collection (history, NULL);
  g_assert_false (syncobj_history_get_reading (history));
  syncobj_history_set_collection (history, collection);
  history_read_page (history);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (history)), ==, 200);

  /* The history does not keep its collection alive. */
  g_clear_object (&in_memory);
  g_clear_object (&collection);
  g_assert_null (syncobj_history_get_collection (history));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (history)), ==, 200);

  /* The collection made again (same id, same store): the property changes
   * and is notified; what was read stays. */
  {
    g_autoptr(SyncobjCollection) again = syncobj_collection_new_with_store ("history-model", NULL, mutator, store);
    g_autoptr(SyncobjTestNotify) collection_notified = syncobj_test_notify_new (history, "collection");

    syncobj_history_set_collection (history, again);
    g_assert_true (syncobj_history_get_collection (history) == again);
    g_assert_cmpuint (syncobj_test_notify_count (collection_notified), ==, 1);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (history)), ==, 200);
    syncobj_history_set_collection (history, again);
    g_assert_cmpuint (syncobj_test_notify_count (collection_notified), ==, 1);
  }

  syncobj_registry_set_history_limit (registry, 1000);
}

int
main (int argc, char **argv)
{
  syncobj_test_init (&argc, &argv);
  setup ();

  g_test_add_func ("/history/pages", test_pages);
  g_test_add_func ("/history/in-memory", test_in_memory);
  g_test_add_func ("/history/scale", test_scale);
  g_test_add_func ("/history/model", test_history_model);
  return g_test_run ();
}
