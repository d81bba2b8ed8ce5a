/* syncobj-collection-open.c: a collection's start from its store, at once
 * or off the main loop
 *
 * A collection with a store shows its cached synced records, then the
 * optimistic changes of the transactions a previous run left unfinished,
 * and only then starts its sync, so that restored keys are locked before
 * the server's answers come in. syncobj_collection_new_with_store() does
 * all of this before it returns; syncobj_collection_new_with_store_async()
 * does the same in three steps, none of which holds the main loop long:
 *
 * 1. a worker thread opens the default store if needed and waits while the
 *    store's writer thread reads the cache and the transactions;
 * 2. the collection is created, without its stored state;
 * 3. idle callbacks adopt the cached records, then the transactions, a
 *    slice of at most SLICE_US per main-loop iteration; then the restored
 *    transactions resume, the sync starts and the task returns.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-collection-fields-private.h"
#include "syncobj-collection-list-private.h"
#include "syncobj-recovery-private.h"
#include "syncobj-sync-private.h"

/* Work done per main-loop iteration while adopting, in µs: well within a
 * frame at 60 Hz. */
#define SLICE_US 1000
/* Records adopted between two looks at the clock. */
#define RECORDS_PER_CHECK 64

/* Set while syncobj_collection_new_with_store_async() constructs its
 * collection: constructed() then leaves the stored state to this file. */
static GPrivate constructing_deferred;

/* ---- the synchronous start ------------------------------------------------- */

static void
collection_start_sync (SyncobjCollection *self)
{
  if (self->sync != NULL)
    _syncobj_sync_attach (self->sync, self);
  else
    _syncobj_collection_set_ready (self, TRUE);
}

void
_syncobj_collection_open (SyncobjCollection *self)
{
  self->cache = _syncobj_collection_cache_new (self->store, self->id, self->schema_version,
                                               self->overlay, self->order);
  if (g_private_get (&constructing_deferred) != NULL)
    return;

  /* The cached synced state first, then the unfinished transactions of a
   * previous run on top, before the sync starts, so that their keys are
   * locked and their changes visible. */
  _syncobj_collection_begin_batch (self);
  if (self->cache != NULL && _syncobj_collection_cache_restore (self->cache, self->key_member, self->sync))
    self->status = SYNCOBJ_COLLECTION_STATUS_CACHED;
  if (self->store != NULL)
    _syncobj_recovery_restore (self->store, self);
  /* Writes to this collection of transactions restored by another one. */
  _syncobj_recovery_collection_opened (self);
  _syncobj_collection_end_batch (self);

  collection_start_sync (self);
}

/* ---- off the main loop ------------------------------------------------------- */

typedef struct
{
  char               *id;
  SyncobjSync        *sync;
  SyncobjMutator     *mutator;
  SyncobjStore       *store;       /* NULL until the default store is open */
  /* read by the worker thread */
  SyncobjStoredCache *cache;       /* nullable */
  GPtrArray          *stored;      /* SyncobjStoredTransaction, in commit order */
  /* adopted from idle callbacks */
  SyncobjCollection  *collection;
  guint               next_record;
  guint               next_stored;
  GPtrArray          *to_resume;   /* SyncobjTransaction */
} OpenData;

static void
open_data_free (OpenData *data)
{
  g_free (data->id);
  g_clear_object (&data->sync);
  g_clear_object (&data->mutator);
  g_clear_object (&data->store);
  g_clear_pointer (&data->cache, _syncobj_stored_cache_free);
  g_clear_pointer (&data->stored, g_ptr_array_unref);
  g_clear_object (&data->collection);
  g_clear_pointer (&data->to_resume, g_ptr_array_unref);
  g_free (data);
}

/* The worker thread: only waits, for the file to open and for the writer
 * thread's reads; schema-version is 0 for a collection made here. */
static void
read_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  OpenData *data = task_data;
  g_autoptr(SyncobjStoreLoad) load = NULL;
  SyncobjStoredTransaction *stored;

  if (data->store == NULL)
    data->store = g_object_ref (syncobj_store_get_default ());

  data->cache = _syncobj_store_read_cache (data->store, data->id, 0);
  data->stored = g_ptr_array_new_with_free_func ((GDestroyNotify) _syncobj_stored_transaction_free);
  load = _syncobj_recovery_load (data->store, data->id);
  while (load != NULL && (stored = _syncobj_store_load_next (load)) != NULL)
    g_ptr_array_add (data->stored, stored);

  g_task_return_boolean (task, TRUE);
}

/* Adopts cached records for one slice; TRUE when all are shown. */
static gboolean
adopt_records (OpenData *data,
               gint64    deadline)
{
  SyncobjCollection *self = data->collection;
  guint n = data->cache != NULL ? data->cache->records->len : 0;

  if (data->cache == NULL || self->cache == NULL)
    return TRUE;

  _syncobj_collection_begin_batch (self);
  while (data->next_record < n && g_get_monotonic_time () < deadline)
    {
      guint chunk = MIN (RECORDS_PER_CHECK, n - data->next_record);

      _syncobj_collection_cache_adopt (self->cache, data->cache, self->key_member, data->next_record, chunk);
      data->next_record += chunk;
    }
  _syncobj_collection_end_batch (self);
  _syncobj_collection_set_status (self, SYNCOBJ_COLLECTION_STATUS_CACHED);

  if (data->next_record < n)
    return FALSE;

  _syncobj_collection_cache_adopt_cursor (data->cache, self->sync);
  return TRUE;
}

/* Restores transactions for one slice; TRUE when all are back. */
static gboolean
adopt_transactions (OpenData *data,
                    gint64    deadline)
{
  SyncobjCollection *self = data->collection;

  _syncobj_collection_begin_batch (self);
  while (data->next_stored < data->stored->len && g_get_monotonic_time () < deadline)
    {
      /* Taken by the restore. */
      SyncobjStoredTransaction *stored = g_ptr_array_index (data->stored, data->next_stored);

      g_ptr_array_index (data->stored, data->next_stored) = NULL;
      data->next_stored++;
      _syncobj_recovery_restore_one (self, stored, data->to_resume);
    }
  _syncobj_collection_end_batch (self);

  return data->next_stored == data->stored->len;
}

static gboolean
adopt_cb (gpointer user_data)
{
  GTask *task = user_data;
  OpenData *data = g_task_get_task_data (task);
  gint64 deadline = g_get_monotonic_time () + SLICE_US;

  /* Once transactions are being restored, they are alive in this process:
   * the start is past the point where it can be given up. */
  if (data->next_stored == 0 && g_task_return_error_if_cancelled (task))
    return G_SOURCE_REMOVE;

  if (!adopt_records (data, deadline) || !adopt_transactions (data, deadline))
    return G_SOURCE_CONTINUE;

  _syncobj_recovery_resume (data->to_resume);
  _syncobj_collection_begin_batch (data->collection);
  _syncobj_recovery_collection_opened (data->collection);
  _syncobj_collection_end_batch (data->collection);
  collection_start_sync (data->collection);

  g_task_return_pointer (task, g_object_ref (data->collection), g_object_unref);
  return G_SOURCE_REMOVE;
}

static void
read_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GSource) idle = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;

  /* constructed() sets up the cache of the collection and stops there. */
  g_private_set (&constructing_deferred, GINT_TO_POINTER (TRUE));
  data->collection = g_object_new (SYNCOBJ_TYPE_COLLECTION,
                                   "id", data->id,
                                   "sync", data->sync,
                                   "mutator", data->mutator,
                                   "store", data->store,
                                   NULL);
  g_private_set (&constructing_deferred, NULL);

  _syncobj_recovery_begin (data->store);
  data->to_resume = g_ptr_array_new_with_free_func (g_object_unref);

  /* Below redrawing and input: the application stays responsive. */
  idle = g_idle_source_new ();
  g_source_set_priority (idle, G_PRIORITY_DEFAULT_IDLE);
  g_source_set_callback (idle, adopt_cb, g_object_ref (task), g_object_unref);
  g_source_set_static_name (idle, "[syncobj] collection start");
  g_source_attach (idle, g_task_get_context (task));
}

/**
 * syncobj_collection_new_with_store_async:
 * @id: the id of the collection; @store recognises its transactions by it
 * @sync: (nullable): the sync side, pushing server state
 * @mutator: (nullable): the persist side
 * @store: (nullable): where transactions are kept durably; %NULL for
 *   [func@Syncobj.Store.get_default], opened off the main loop if it is
 *   not open yet
 * @cancellable: (nullable): to give up the start
 * @callback: called once every stored record and transaction is back
 * @user_data: data for @callback
 *
 * Creates a collection as [ctor@Syncobj.Collection.new_with_store] does,
 * without blocking the main loop however big the store is: the file is
 * opened and read on other threads, and the records and transactions are
 * adopted from idle callbacks, a slice of about a millisecond per
 * main-loop iteration.
 *
 * The collection is created, and listed by the [class@Syncobj.Registry],
 * once the store has been read; the cached records appear in it in their
 * order, a slice at a time, with
 * [property@Syncobj.Collection:status] %SYNCOBJ_COLLECTION_STATUS_CACHED,
 * then the optimistic changes of the restored transactions. After that,
 * restored transactions resume, the sync starts and @callback runs: call
 * [ctor@Syncobj.Collection.new_with_store_finish] there to get the
 * collection.
 *
 * Cancelled before the restored transactions are adopted, the start is
 * given up and nothing of the store changes; later, the collection is
 * returned.
 *
 * The collection has the defaults of every other property
 * ([property@Syncobj.Collection:schema-version] 0 among them).
 *
 * Since: 0.2
 */
void
syncobj_collection_new_with_store_async (const char          *id,
                                         SyncobjSync         *sync,
                                         SyncobjMutator      *mutator,
                                         SyncobjStore        *store,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GTask *read;
  OpenData *data;

  g_return_if_fail (id != NULL && *id != '\0');
  g_return_if_fail (sync == NULL || SYNCOBJ_IS_SYNC (sync));
  g_return_if_fail (mutator == NULL || SYNCOBJ_IS_MUTATOR (mutator));
  g_return_if_fail (store == NULL || SYNCOBJ_IS_STORE (store));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  data = g_new0 (OpenData, 1);
  data->id = g_strdup (id);
  g_set_object (&data->sync, sync);
  g_set_object (&data->mutator, mutator);
  g_set_object (&data->store, store);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, syncobj_collection_new_with_store_async);
  g_task_set_task_data (task, data, (GDestroyNotify) open_data_free);

  read = g_task_new (NULL, cancellable, read_done_cb, g_steal_pointer (&task));
  g_task_set_task_data (read, data, NULL);
  g_task_run_in_thread (read, read_thread);
  g_object_unref (read);
}

/**
 * syncobj_collection_new_with_store_finish:
 * @result: the result given to the callback of
 *   [func@Syncobj.Collection.new_with_store_async]
 * @error: return location for an error
 *
 * Finishes [func@Syncobj.Collection.new_with_store_async].
 *
 * Returns: (transfer full): the collection, or %NULL with
 *   %G_IO_ERROR_CANCELLED when the start was given up
 *
 * Since: 0.2
 */
SyncobjCollection *
syncobj_collection_new_with_store_finish (GAsyncResult  *result,
                                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == syncobj_collection_new_with_store_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
