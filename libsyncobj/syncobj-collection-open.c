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
 * 3. idle callbacks adopt the cached records, then the transactions, then
 *    resume the restored transactions, a slice of at most SLICE_US per
 *    main-loop iteration; then the sync starts and the task returns.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-collection-fields-private.h"
#include "syncobj-collection-list-private.h"
#include "syncobj-recovery-private.h"
#include "syncobj-sync-private.h"
#include "syncobj-transaction-private.h"

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
  /* The restored optimistic changes are saved data too: a first run that
   * never reached its server cached nothing, but its pending inserts show
   * after a restart, and they are not current data. */
  if (self->status == SYNCOBJ_COLLECTION_STATUS_LOADING &&
      g_list_model_get_n_items (G_LIST_MODEL (self)) > 0)
    _syncobj_collection_set_status (self, SYNCOBJ_COLLECTION_STATUS_CACHED);

  if (self->sync != NULL)
    _syncobj_sync_attach (self->sync, self);
  else
    _syncobj_collection_set_ready (self, TRUE);
}

static gboolean
same_file (SyncobjStore *a,
           SyncobjStore *b)
{
  const char *path = syncobj_store_get_path (a);

  return a == b || (path != NULL && g_strcmp0 (path, syncobj_store_get_path (b)) == 0);
}

/* Whether another live collection of this process has @self's id, keeps
 * it in the same file and has unfinished transactions (a collection
 * nobody references lives on while it has them). Those are alive: a
 * start restores none of them a second time, @self would not show them,
 * and its own writes would race them and the first one's cache writes.
 * @self shows the cached records and refuses writes, saying why. A live
 * collection with nothing unfinished leaves nothing to race: @self is a
 * collection like any other. */
static gboolean
collection_is_open_twice (SyncobjCollection *self)
{
  GListModel *collections;
  const char *path;
  guint n;

  if (self->store == NULL)
    return FALSE;

  path = syncobj_store_get_path (self->store);

  collections = syncobj_registry_get_collections (syncobj_registry_get_default ());
  n = g_list_model_get_n_items (collections);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyncobjCollection) other = g_list_model_get_item (collections, i);

      if (other == self || other->store == NULL || other->open_twice != NULL || g_queue_is_empty (&other->active) ||
          g_strcmp0 (other->id, self->id) != 0 || !same_file (self->store, other->store))
        continue;

      self->open_twice = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE,
                                      _("Collection “%s” is open twice on the store “%s”: this process has another "
                                        "live collection of that id, whose unfinished changes this one does not "
                                        "show. Use that collection: syncobj_collection_get_or_create() returns "
                                        "it"),
                                      self->id, path != NULL ? path : _("in memory"));
      g_message ("%s", self->open_twice->message);
      return TRUE;
    }
  return FALSE;
}

void
_syncobj_collection_open (SyncobjCollection *self)
{
  gboolean twice = collection_is_open_twice (self);

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
  /* A collection open twice shows the cached records only: the
   * transactions, and the writes to the cache, stay the first one's. */
  if (self->store != NULL && !twice)
    _syncobj_recovery_restore (self->store, self, self->id, _syncobj_transaction_recovery_ops ());
  /* Writes to this collection of transactions restored by another one. */
  if (!twice)
    _syncobj_recovery_collection_opened (self, self->id, _syncobj_transaction_recovery_ops ());
  _syncobj_collection_end_batch (self);
  if (twice)
    g_clear_pointer (&self->cache, _syncobj_collection_cache_free);

  collection_start_sync (self);
}

/* ---- off the main loop ------------------------------------------------------- */

typedef struct
{
  /* the collection's properties, "store" last */
  GPtrArray          *names;       /* char * */
  GArray             *values;      /* GValue */
  char               *id;
  guint               schema_version;
  guint               history_limit;
  SyncobjStore       *store;       /* NULL until the default store is open */
  /* read by the worker thread */
  SyncobjStoredCache *cache;       /* nullable */
  GPtrArray          *stored;      /* SyncobjStoredTransaction, in commit order */
  /* adopted from idle callbacks */
  SyncobjCollection  *collection;
  guint               next_record;
  guint               next_stored;
  GPtrArray          *to_resume;   /* SyncobjTransaction */
  guint               next_resumed;
} OpenData;

static void
open_data_free (OpenData *data)
{
  g_ptr_array_unref (data->names);
  g_array_unref (data->values);
  g_free (data->id);
  g_clear_object (&data->store);
  g_clear_pointer (&data->cache, _syncobj_stored_cache_free);
  g_clear_pointer (&data->stored, g_ptr_array_unref);
  g_clear_object (&data->collection);
  g_clear_pointer (&data->to_resume, g_ptr_array_unref);
  g_free (data);
}

/* The worker thread: only waits, for the file to open and for the writer
 * thread's reads. */
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

  data->cache = _syncobj_store_read_cache (data->store, data->id, data->schema_version);
  data->stored = g_ptr_array_new_with_free_func ((GDestroyNotify) _syncobj_stored_transaction_free);
  load = _syncobj_recovery_load (data->store, data->id, data->history_limit);
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
  _syncobj_collection_cache_adopt_etags (self->cache, data->cache);
  return TRUE;
}

/* Restores transactions for one slice; TRUE when all are back. */
static gboolean
adopt_transactions (OpenData *data,
                    gint64    deadline)
{
  SyncobjCollection *self = data->collection;
  GPtrArray *done = g_ptr_array_new_with_free_func ((GDestroyNotify) _syncobj_stored_transaction_free);

  _syncobj_collection_begin_batch (self);
  while (data->next_stored < data->stored->len && g_get_monotonic_time () < deadline)
    {
      SyncobjStoredTransaction *stored = g_ptr_array_index (data->stored, data->next_stored);

      g_ptr_array_index (data->stored, data->next_stored) = NULL;
      data->next_stored++;
      if (self->open_twice == NULL)
        _syncobj_recovery_restore_one (self, stored, data->to_resume, _syncobj_transaction_recovery_ops ());
      g_ptr_array_add (done, stored);
    }
  _syncobj_collection_end_batch (self);
  /* Freed by the thread that decoded them: see _syncobj_store_free_loaded(). */
  _syncobj_store_free_loaded (self->store, done);

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

  if (!adopt_records (data, deadline) || !adopt_transactions (data, deadline) ||
      !_syncobj_recovery_resume_until (data->to_resume, &data->next_resumed, deadline,
                                       _syncobj_transaction_recovery_ops ()))
    return G_SOURCE_CONTINUE;

  _syncobj_collection_begin_batch (data->collection);
  if (data->collection->open_twice == NULL)
    _syncobj_recovery_collection_opened (data->collection, data->collection->id,
                                         _syncobj_transaction_recovery_ops ());
  _syncobj_collection_end_batch (data->collection);
  if (data->collection->open_twice != NULL)
    g_clear_pointer (&data->collection->cache, _syncobj_collection_cache_free);
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
  g_value_set_object (&g_array_index (data->values, GValue, data->values->len - 1), data->store);
  g_private_set (&constructing_deferred, GINT_TO_POINTER (TRUE));
  data->collection = SYNCOBJ_COLLECTION (g_object_new_with_properties (SYNCOBJ_TYPE_COLLECTION,
                                                                       data->names->len,
                                                                       (const char **) data->names->pdata,
                                                                       (const GValue *) (gpointer) data->values->data));
  g_private_set (&constructing_deferred, NULL);

  _syncobj_recovery_begin (data->store, _syncobj_transaction_recovery_ops ());
  data->to_resume = _syncobj_recovery_to_resume_new ();

  /* Below redrawing and input: the application stays responsive. */
  idle = g_idle_source_new ();
  g_source_set_priority (idle, G_PRIORITY_DEFAULT_IDLE);
  g_source_set_callback (idle, adopt_cb, g_object_ref (task), g_object_unref);
  g_source_set_static_name (idle, "[syncobj] collection start");
  g_source_attach (idle, g_task_get_context (task));
}

/* Takes @names and @values; "store" is added unless given. */
static void
open_async (GPtrArray           *names,
            GArray              *values,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  OpenData *data = g_new0 (OpenData, 1);
  GTask *read;
  guint i;

  g_array_set_clear_func (values, (GDestroyNotify) g_value_unset);
  for (i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      GValue *value = &g_array_index (values, GValue, i);

      if (g_str_equal (name, "id"))
        data->id = g_value_dup_string (value);
      else if (g_str_equal (name, "schema-version"))
        data->schema_version = g_value_get_uint (value);
      else if (g_str_equal (name, "store"))
        {
          g_set_object (&data->store, g_value_get_object (value));
          g_ptr_array_remove_index (names, i);
          g_array_remove_index (values, i--);
        }
    }
  /* Set once the store is open. */
  g_ptr_array_add (names, g_strdup ("store"));
  g_array_set_size (values, values->len + 1);
  g_value_init (&g_array_index (values, GValue, values->len - 1), SYNCOBJ_TYPE_STORE);
  data->names = names;
  data->values = values;
  data->history_limit = _syncobj_recovery_history_limit ();

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, syncobj_collection_new_with_store_async);
  g_task_set_task_data (task, data, (GDestroyNotify) open_data_free);

  read = g_task_new (NULL, cancellable, read_done_cb, g_steal_pointer (&task));
  g_task_set_task_data (read, data, NULL);
  g_task_run_in_thread (read, read_thread);
  g_object_unref (read);
}

static void
add_property (GPtrArray  *names,
              GArray     *values,
              const char *name,
              GType       type,
              gpointer    object)
{
  GValue *value;

  g_ptr_array_add (names, g_strdup (name));
  g_array_set_size (values, values->len + 1);
  value = &g_array_index (values, GValue, values->len - 1);
  g_value_init (value, type);
  if (type == G_TYPE_STRING)
    g_value_set_string (value, object);
  else
    g_value_set_object (value, object);
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
 * main-loop iteration, below drawing and input.
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
 * To set other properties (such as
 * [property@Syncobj.Collection:key-source] or
 * [property@Syncobj.Collection:schema-version]), use
 * [func@Syncobj.Collection.new_with_properties_async].
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
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  GArray *values = g_array_new (FALSE, TRUE, sizeof (GValue));

  g_return_if_fail (id != NULL && *id != '\0');
  g_return_if_fail (sync == NULL || SYNCOBJ_IS_SYNC (sync));
  g_return_if_fail (mutator == NULL || SYNCOBJ_IS_MUTATOR (mutator));
  g_return_if_fail (store == NULL || SYNCOBJ_IS_STORE (store));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  add_property (names, values, "id", G_TYPE_STRING, (gpointer) id);
  add_property (names, values, "sync", SYNCOBJ_TYPE_SYNC, sync);
  add_property (names, values, "mutator", SYNCOBJ_TYPE_MUTATOR, mutator);
  add_property (names, values, "store", SYNCOBJ_TYPE_STORE, store);
  open_async (names, values, cancellable, callback, user_data);
}

/**
 * syncobj_collection_new_with_properties_async:
 * @n_properties: the number of properties
 * @names: (array length=n_properties): the names of the properties
 * @values: (array length=n_properties): their values
 * @cancellable: (nullable): to give up the start
 * @callback: called once every stored record and transaction is back
 * @user_data: data for @callback
 *
 * Creates a collection with the given properties, as
 * g_object_new_with_properties() does, and starts it from its store as
 * [func@Syncobj.Collection.new_with_store_async] does: "id" must be given;
 * a missing or %NULL "store" is [func@Syncobj.Store.get_default]. Finish
 * with [ctor@Syncobj.Collection.new_with_properties_finish] (or
 * [ctor@Syncobj.Collection.new_with_store_finish], which does the same).
 *
 * Since: 0.2
 */
void
syncobj_collection_new_with_properties_async (guint                n_properties,
                                              const char          *names[],
                                              const GValue         values[],
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data)
{
  GPtrArray *name_array = g_ptr_array_new_with_free_func (g_free);
  GArray *value_array = g_array_new (FALSE, TRUE, sizeof (GValue));
  gboolean has_id = FALSE;

  g_return_if_fail (n_properties == 0 || (names != NULL && values != NULL));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  g_array_set_size (value_array, n_properties);
  for (guint i = 0; i < n_properties; i++)
    {
      GValue *value = &g_array_index (value_array, GValue, i);

      has_id |= g_str_equal (names[i], "id") && G_VALUE_HOLDS_STRING (&values[i]) &&
                g_value_get_string (&values[i]) != NULL;
      g_ptr_array_add (name_array, g_strdup (names[i]));
      g_value_init (value, G_VALUE_TYPE (&values[i]));
      g_value_copy (&values[i], value);
    }
  if (!has_id)
    {
      g_critical ("syncobj_collection_new_with_properties_async() needs an \"id\"");
      g_ptr_array_unref (name_array);
      g_array_set_clear_func (value_array, (GDestroyNotify) g_value_unset);
      g_array_unref (value_array);
      return;
    }
  open_async (name_array, value_array, cancellable, callback, user_data);
}

/**
 * syncobj_collection_new_with_store_finish:
 * @result: the result given to the callback of
 *   [func@Syncobj.Collection.new_with_store_async] or
 *   [func@Syncobj.Collection.new_with_properties_async]
 * @error: return location for an error
 *
 * Finishes [func@Syncobj.Collection.new_with_store_async] or
 * [func@Syncobj.Collection.new_with_properties_async].
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

/**
 * syncobj_collection_new_with_properties_finish:
 * @result: the result given to the callback of
 *   [func@Syncobj.Collection.new_with_properties_async]
 * @error: return location for an error
 *
 * Finishes [func@Syncobj.Collection.new_with_properties_async], as
 * [ctor@Syncobj.Collection.new_with_store_finish] does. Its name pairs it
 * with the start, which the bindings need: in Vala the start is the async
 * constructor `Syncobj.Collection.with_properties_async`, whose `yield`
 * gives the collection or throws.
 *
 * Returns: (transfer full): the collection, or %NULL with
 *   %G_IO_ERROR_CANCELLED when the start was given up
 *
 * Since: 0.2
 */
SyncobjCollection *
syncobj_collection_new_with_properties_finish (GAsyncResult  *result,
                                               GError       **error)
{
  return syncobj_collection_new_with_store_finish (result, error);
}
