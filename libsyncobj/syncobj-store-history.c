/* syncobj-store-history.c: finished transactions read back from the store
 *
 * The registry keeps the newest finished transactions in memory, up to
 * SyncobjRegistry:history-limit; the store keeps every one until it is
 * pruned. syncobj_store_read_history_async() reads a page of them, newest
 * first: the writer thread selects and decodes the page
 * (syncobj-store-writer.c, do_history()) while a worker thread waits for
 * it; the caller's thread turns the decoded rows into transactions
 * (_syncobj_transaction_new_history()), or takes the registry's own object
 * for a transaction still in memory, so that one transaction is one
 * object.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-store-writer-private.h"
#include "syncobj-transaction-stored-private.h"

typedef struct
{
  char        *collection_id;   /* nullable */
  guint        offset;
  guint        limit;
  GAsyncQueue *results;         /* of the writer's job, once queued */
  GError      *error;           /* set by the writer before its end mark */
} HistoryRead;

static void
history_read_free (HistoryRead *read)
{
  g_free (read->collection_id);
  g_clear_pointer (&read->results, g_async_queue_unref);
  g_clear_error (&read->error);
  g_free (read);
}

/* The worker thread: only waits for the writer thread's page. */
static void
wait_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  HistoryRead *read = task_data;
  g_autoptr(GPtrArray) stored = g_ptr_array_new_with_free_func ((GDestroyNotify) _syncobj_stored_transaction_free);
  gpointer item;

  while ((item = _syncobj_store_writer_load_next (read->results)) != NULL)
    g_ptr_array_add (stored, item);

  if (read->error != NULL)
    g_task_return_error (task, g_steal_pointer (&read->error));
  else
    g_task_return_pointer (task, g_steal_pointer (&stored), (GDestroyNotify) g_ptr_array_unref);
}

/* Queued after every change recorded before the call: the page holds them. */
static void
read_op (SyncobjStore *store,
         gpointer      op_data)
{
  g_autoptr(GTask) task = op_data;
  HistoryRead *read = g_task_get_task_data (task);

  read->results = _syncobj_store_writer_read_history (_syncobj_store_peek_writer (store), read->collection_id,
                                                      read->offset, read->limit,
                                                      (SyncobjStoreDecodeFunc) _syncobj_stored_transaction_from_row,
                                                      &read->error);
  g_task_run_in_thread (task, wait_thread);
}

/**
 * syncobj_store_read_history_async:
 * @self: a store
 * @collection_id: (nullable): the collection whose transactions are read,
 *   or %NULL for those of every collection
 * @offset: how many of the newest finished transactions to skip
 * @limit: how many to read at most
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the page
 * @user_data: closure data
 *
 * Reads a page of the finished (completed or failed) transactions the
 * store keeps, newest first (by commit order), `offset` counted from the
 * newest. The registry keeps only the newest ones in memory (see
 * [property@Syncobj.Registry:history-limit]); the store keeps every one
 * until [method@Syncobj.Store.prune_async] removes it, and this reads the
 * older ones on demand, one page at a time: a history page list or an
 * inspector shows the next page as the user asks for it.
 *
 * The page is read on the store's own thread, after every change recorded
 * before this call is written. Only the page is held in memory; SQLite
 * still steps over the @offset rows it skips, so a page deep into a long
 * history takes longer than the first.
 *
 * An in-memory store keeps no history: it gives an empty page. A stored
 * transaction that cannot be read back is skipped, with a log line.
 */
void
syncobj_store_read_history_async (SyncobjStore        *self,
                                  const char          *collection_id,
                                  guint                offset,
                                  guint                limit,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  HistoryRead *read;

  g_return_if_fail (SYNCOBJ_IS_STORE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, syncobj_store_read_history_async);

  if (_syncobj_store_peek_writer (self) == NULL || limit == 0)
    {
      g_task_return_pointer (task, g_ptr_array_new (), (GDestroyNotify) g_ptr_array_unref);
      return;
    }

  read = g_new0 (HistoryRead, 1);
  read->collection_id = g_strdup (collection_id);
  read->offset = offset;
  read->limit = limit;
  g_task_set_task_data (task, read, (GDestroyNotify) history_read_free);
  _syncobj_store_after_changes (self, read_op, g_steal_pointer (&task));
}

/**
 * syncobj_store_read_history_finish:
 * @self: a store
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Syncobj.Store.read_history_async].
 *
 * A transaction still in the registry is the registry's own object. The
 * others are finished transactions made for this page: they are in no
 * collection and not in the registry, and are never retried, resumed or
 * counted as pending; their writes are listed, with the collection's
 * [property@Syncobj.PendingMutation:collection] %NULL when that
 * collection is not open.
 *
 * Returns: (transfer full): a list of #SyncobjTransaction, newest first,
 *   or %NULL with %SYNCOBJ_ERROR_STORE when the file could not be read
 */
GListModel *
syncobj_store_read_history_finish (SyncobjStore  *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_autoptr(GPtrArray) stored = NULL;
  GListStore *page;
  SyncobjRegistry *registry;

  g_return_val_if_fail (SYNCOBJ_IS_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  stored = g_task_propagate_pointer (G_TASK (result), error);
  if (stored == NULL)
    return NULL;

  page = g_list_store_new (SYNCOBJ_TYPE_TRANSACTION);
  registry = syncobj_registry_get_default ();
  for (guint i = 0; i < stored->len; i++)
    {
      SyncobjStoredTransaction *one = g_ptr_array_index (stored, i);
      SyncobjTransaction *alive = syncobj_registry_lookup_transaction (registry, one->id);
      g_autoptr(SyncobjTransaction) history = alive == NULL ? _syncobj_transaction_new_history (one) : NULL;

      g_list_store_append (page, alive != NULL ? alive : history);
    }

  /* Freed by the thread that decoded them: see _syncobj_store_free_loaded(). */
  if (stored->len > 0)
    _syncobj_store_free_loaded (self, g_steal_pointer (&stored));

  return G_LIST_MODEL (page);
}
