/* syncobj-store.c: the durable transaction log
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-store-writer-private.h"
#include "syncobj-table-private.h"

#include <glib/gstdio.h>

/**
 * SyncobjStore:
 *
 * Where transactions are written so that they survive a restart: a SQLite
 * file accessed through libgda, or nothing at all for an in-memory store.
 *
 * A collection persists its transactions only when it is given a store,
 * with [ctor@Syncobj.Collection.new_with_store] or the
 * [property@Syncobj.Collection:store] construct property;
 * [ctor@Syncobj.Collection.new] keeps everything in memory. Applications
 * usually pass [func@Syncobj.Store.get_default], a file under
 * `$XDG_DATA_HOME/PRGNAME/syncobj/`.
 *
 * ## What is written, and when
 *
 * A committed transaction is written, with all its mutations, before its
 * first persist attempt starts; every later state change and attempt is
 * written too. One row per transaction: the state, dates and counters as
 * columns, the mutations and attempts as JSON.
 *
 * All disk work happens on one writer thread that owns the connection; the
 * main thread never waits for the disk, except once when a collection is
 * created and reads back its transactions. The writer commits everything
 * queued since its last commit in one SQLite transaction (group commit),
 * in write-ahead-log mode with `synchronous=NORMAL` by default: a commit
 * survives the application being killed at any moment, and with
 * [property@Syncobj.Store:synchronous] set to
 * %SYNCOBJ_STORE_SYNCHRONOUS_FULL also a power loss.
 * [method@Syncobj.Store.flush_async] tells when everything written so far
 * is committed, for example before quitting.
 *
 * The main thread takes each changed transaction's row once per main-loop
 * iteration, about a millisecond's worth at a time: thousands of
 * transactions changed at once are handed to the writer over several
 * iterations, after drawing and input, and a flush or a cache commit
 * waits behind them. Only disposing of the store hands over what is left
 * at once and waits for the writer to commit it.
 *
 * ## Recovery
 *
 * A collection created with the same id and store after a restart
 * restores, before it returns, the unfinished transactions of the previous
 * run: their optimistic changes are visible at once, before any network
 * reply. Transactions that had persisted (`persisted_awaiting_sync`) are
 * completed: the server has them. The others resume in their original
 * order with their attempts: a retry waits for the rest of its scheduled
 * delay, an attempt interrupted by the restart counts as failed and is
 * retried at once. Finished transactions come back as history in the
 * [class@Syncobj.Registry]: the newest of each collection, as many as
 * [property@Syncobj.Registry:history-limit] keeps (1000 by default; set
 * it before creating the collection to read more of the history back, or
 * read older pages with [method@Syncobj.Store.read_history_async]).
 *
 * Nothing is removed automatically; [method@Syncobj.Store.prune_async]
 * removes finished transactions older than a date.
 *
 * ## When the file cannot be used
 *
 * [ctor@Syncobj.Store.new_for_path] fails with %SYNCOBJ_ERROR_STORE naming
 * the path and the reason (permissions, a damaged file, a file written by a
 * newer libsyncobj). A store made with g_object_new() and a
 * [property@Syncobj.Store:path], like [func@Syncobj.Store.get_default],
 * instead logs that reason and works in memory:
 * [property@Syncobj.Store:persistent] is %FALSE. The file is never deleted;
 * a damaged file is renamed to `PATH.corrupt-TIMESTAMP`, and a new one
 * made, only when [property@Syncobj.Store:move-corrupt-aside] is set.
 *
 * Opening checks what costs little (the header, the write-ahead log, the
 * schema, the length). SQLite's full check of the file runs at open only
 * with `move-corrupt-aside`; otherwise it runs on the store's thread once
 * the first collection's start has read the file, and damage it finds
 * stops every write to the file and sets
 * [property@Syncobj.Store:write-error].
 *
 * ## When writing fails
 *
 * A write that fails once the file is open (the disk is full, an I/O
 * error) loses nothing: transactions keep going in memory, the failure is
 * logged once, [property@Syncobj.Store:write-error] says why, and the
 * writer keeps the newest row of every transaction it could not write and
 * writes it before the next ones. [method@Syncobj.Store.flush_async] tries
 * them again and fails with %SYNCOBJ_ERROR_STORE until they are written;
 * then `write-error` goes back to %NULL. A change made while the disk is
 * full survives a crash only once it is written.
 */

struct _SyncobjStore
{
  GObject                  parent_instance;

  char                    *path;
  SyncobjStoreSynchronous  synchronous;
  gboolean                 move_corrupt_aside;
  SyncobjStoreWriter      *writer;       /* NULL: in memory */
  GError                  *open_error;
  GError                  *write_error;  /* the last write failed: why */

  /* What changed since the last idle (see _syncobj_store_changed()):
   * written once per main-loop iteration however often it changed. */
  GArray                  *dirty;        /* DirtySource */
  SyncobjTable            *dirty_set;    /* source → 1 + the number of its
                                          * last entry (dirty_base + index) */
  guint64                  dirty_base;   /* the number of dirty[0] */
  guint                    dirty_next;   /* the first not written yet */
  GSource                 *dirty_source;
};

G_DEFINE_FINAL_TYPE (SyncobjStore, syncobj_store, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PATH,
  PROP_SYNCHRONOUS,
  PROP_MOVE_CORRUPT_ASIDE,
  PROP_PERSISTENT,
  PROP_WRITE_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Work done per main-loop iteration while writing a long queue of
 * changes, in µs: well within a frame at 60 Hz. */
#define DIRTY_SLICE_US 1000
/* Rows queued between two looks at the clock. */
#define DIRTY_PER_CHECK 16

/* ---- opening -------------------------------------------------------------- */

static gboolean
store_open (SyncobjStore  *self,
            GError       **error)
{
  self->writer = _syncobj_store_writer_open (self->path,
                                             self->synchronous == SYNCOBJ_STORE_SYNCHRONOUS_FULL,
                                             self->move_corrupt_aside, error);
  return self->writer != NULL;
}

/**
 * syncobj_store_new_for_path:
 * @path: (type filename): the SQLite file; created (mode 0600) if missing,
 *   in a directory that must exist
 * @error: return location for an error
 *
 * Opens the store in @path, migrating an older file to the current schema.
 * Waits for the disk: call it at start-up.
 *
 * One process at a time may have a store file open: the store locks
 * `PATH.lock` until it is finalized, and fails here while another process
 * holds that lock. Stores of one path in one process share the file.
 *
 * Returns: (transfer full) (nullable): the store, or %NULL with
 *   %SYNCOBJ_ERROR_STORE naming @path and the reason; the file is left
 *   untouched
 */
SyncobjStore *
syncobj_store_new_for_path (const char  *path,
                            GError     **error)
{
  g_autoptr(SyncobjStore) self = NULL;

  g_return_val_if_fail (path != NULL && *path != '\0', NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (SYNCOBJ_TYPE_STORE, NULL);
  self->path = g_strdup (path);
  if (!store_open (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * syncobj_store_new_in_memory:
 *
 * Creates a store that keeps nothing across restarts, for tests and
 * benchmarks: every write succeeds at once.
 *
 * Returns: (transfer full): a new store
 */
SyncobjStore *
syncobj_store_new_in_memory (void)
{
  return g_object_new (SYNCOBJ_TYPE_STORE, NULL);
}

/* The folder of the default store: the program's name, else its
 * executable's, as GApplication would name it. */
static char *
program_name (void)
{
  const char *name = g_get_prgname ();
  g_autofree char *executable = NULL;

  if (name != NULL)
    return g_strdup (name);
  executable = g_file_read_link ("/proc/self/exe", NULL);
  if (executable != NULL)
    return g_path_get_basename (executable);
  return g_strdup ("syncobj");
}

/**
 * syncobj_store_get_default:
 *
 * The store of the application, in
 * `$XDG_DATA_HOME/PRGNAME/syncobj/transactions.db` (see g_get_prgname()).
 * A program that has no name (a C program that sets none, uses no
 * `GApplication` and parses no `GOptionContext`) is named after its
 * executable, so that two programs never share their collections' data.
 * If it cannot be opened, the reason is logged and the store works in
 * memory ([property@Syncobj.Store:persistent] is %FALSE).
 *
 * The store is never freed; call [method@Syncobj.Store.flush_async] before
 * quitting so that the last writes are committed.
 *
 * Returns: (transfer none): the default store
 */
SyncobjStore *
syncobj_store_get_default (void)
{
  static gsize default_store = 0;

  if (g_once_init_enter (&default_store))
    {
      g_autofree char *name = program_name ();
      g_autofree char *dir = g_build_filename (g_get_user_data_dir (), name, "syncobj", NULL);
      g_autofree char *path = g_build_filename (dir, "transactions.db", NULL);

      /* A failure shows when the file is opened, with its reason. */
      g_mkdir_with_parents (dir, 0700);
      g_once_init_leave (&default_store,
                         (gsize) g_object_new (SYNCOBJ_TYPE_STORE, "path", path, NULL));
    }

  return (SyncobjStore *) default_store;
}

/* ---- writing ------------------------------------------------------------ */

/* Every answer of the writer about rows tells whether the file holds
 * everything recorded so far: the one place that keeps
 * [property@Syncobj.Store:write-error] current. */
static void
store_note_write (SyncobjStore *self,
                           const GError *error)
{
  if (error == NULL && self->write_error == NULL)
    return;
  if (error != NULL && self->write_error != NULL &&
      g_error_matches (error, self->write_error->domain, self->write_error->code) &&
      g_strcmp0 (error->message, self->write_error->message) == 0)
    return;

  g_clear_error (&self->write_error);
  self->write_error = error != NULL ? g_error_copy (error) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WRITE_ERROR]);
}

typedef struct
{
  SyncobjStore          *store;   /* strong, as a task's source object */
  SyncobjStoreSavedFunc  saved;
  gpointer               user_data;
} Save;

static void
save_done (const GError *error,
           gpointer      data)
{
  Save *save = data;

  store_note_write (save->store, error);
  save->saved (save->store, error, save->user_data);
  g_object_unref (save->store);
  g_free (save);
}

static gboolean
save_in_memory_cb (gpointer data)
{
  save_done (NULL, data);
  return G_SOURCE_REMOVE;
}

void
_syncobj_store_save (SyncobjStore             *self,
                     GObject                  *source,
                     SyncobjStoreSnapshotFunc  snapshot,
                     SyncobjStoreSavedFunc     saved,
                     gpointer                  user_data)
{
  g_autoptr(SyncobjStoredTransaction) transaction = NULL;
  Save *save = g_new0 (Save, 1);

  save->store = g_object_ref (self);
  save->saved = saved;
  save->user_data = user_data;

  if (self->writer == NULL)
    {
      g_autoptr(GSource) idle = g_idle_source_new ();

      g_source_set_priority (idle, G_PRIORITY_DEFAULT);
      g_source_set_static_name (idle, "[syncobj] saved in memory");
      g_source_set_callback (idle, save_in_memory_cb, save, NULL);
      g_source_attach (idle, g_main_context_get_thread_default ());
      return;
    }

  transaction = snapshot (source);
  g_return_if_fail (transaction->mutations != NULL);
  _syncobj_store_writer_put_done (self->writer, _syncobj_stored_transaction_to_row (transaction),
                                  save_done, save);
}

static void
dirty_written_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_task_propagate_boolean (G_TASK (result), &error);
  store_note_write (SYNCOBJ_STORE (source), error);
}

/* Something whose durable state changed, and how to take its snapshot; or
 * an operation on the writer that must come after the rows queued before
 * it (a cache commit, a flush). */
typedef void (*StoreOpFunc) (SyncobjStore *self,
                             gpointer      data);

typedef struct
{
  GObject                  *source;    /* NULL for an operation */
  SyncobjStoreSnapshotFunc  snapshot;
  StoreOpFunc               op;
  gpointer                  op_data;
} DirtySource;

static void
dirty_source_clear (DirtySource *dirty)
{
  g_clear_object (&dirty->source);
}

static GArray *
dirty_new (void)
{
  GArray *dirty = g_array_new (FALSE, FALSE, sizeof (DirtySource));

  g_array_set_clear_func (dirty, (GDestroyNotify) dirty_source_clear);
  return dirty;
}

static gboolean dirty_cb (gpointer data);

static void
dirty_schedule (SyncobjStore *self)
{
  g_autoptr(GMainContext) context = NULL;

  if (self->dirty_source != NULL)
    return;

  context = g_main_context_ref_thread_default ();
  self->dirty_source = g_idle_source_new ();
  g_source_set_priority (self->dirty_source, G_PRIORITY_HIGH_IDLE);
  g_source_set_static_name (self->dirty_source, "[syncobj] store changes");
  g_source_set_callback (self->dirty_source, dirty_cb, self, NULL);
  g_source_attach (self->dirty_source, context);
}

/* Queues, in order, the rows of what changed and the operations behind
 * them, until @deadline (monotonic time; 0: all of them). The answer to
 * the last row tells how they all went. TRUE once nothing is left. */
static gboolean
store_write_dirty_until (SyncobjStore *self,
                         gint64        deadline)
{
  guint n_rows = 0;

  while (self->dirty_next < self->dirty->len)
    {
      DirtySource *changed = &g_array_index (self->dirty, DirtySource, self->dirty_next++);
      gboolean last = self->dirty_next == self->dirty->len ||
                      (deadline != 0 && ++n_rows % DIRTY_PER_CHECK == 0 && g_get_monotonic_time () >= deadline);

      if (changed->source != NULL)
        {
          /* A change from here on queues it again, behind this row. */
          g_autoptr(GObject) source = g_steal_pointer (&changed->source);
          g_autoptr(SyncobjStoredTransaction) snapshot = changed->snapshot (source);

          _syncobj_store_writer_put (self->writer, _syncobj_stored_transaction_to_row (snapshot),
                                     last ? g_task_new (self, NULL, dirty_written_cb, NULL) : NULL);
        }
      else
        changed->op (self, changed->op_data);

      if (last)
        break;
    }

  /* Done with: dropped once they are half of the queue, so that a long
   * queue costs no more than once to drop. */
  if (self->dirty_next == self->dirty->len || self->dirty_next > self->dirty->len / 2)
    {
      g_array_remove_range (self->dirty, 0, self->dirty_next);
      self->dirty_base += self->dirty_next;
      self->dirty_next = 0;
    }
  if (self->dirty->len > 0)
    return FALSE;
  /* Once, rather than an entry at a time, which would shrink the table
   * again and again while a long queue is written. */
  _syncobj_table_remove_all (self->dirty_set);
  return TRUE;
}

/* Queues everything at once: before an operation that cannot wait. */
static void
store_write_dirty (SyncobjStore *self)
{
  if (self->dirty_source != NULL)
    {
      g_source_destroy (self->dirty_source);
      g_clear_pointer (&self->dirty_source, g_source_unref);
    }
  if (self->writer != NULL)
    store_write_dirty_until (self, 0);
}

/* One slice per main-loop iteration. The first comes before drawing, as
 * any change is written in the iteration it was made in; the rest of a
 * long queue (thousands of transactions changed at once) after drawing and
 * input, so that the application stays responsive while it is written. */
static gboolean
dirty_cb (gpointer data)
{
  SyncobjStore *self = data;

  _syncobj_slice_end ();
  if (!store_write_dirty_until (self, g_get_monotonic_time () + DIRTY_SLICE_US))
    {
      g_source_set_priority (self->dirty_source, G_PRIORITY_DEFAULT_IDLE);
      return G_SOURCE_CONTINUE;
    }
  g_clear_pointer (&self->dirty_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

/* Runs @op once every row queued so far is on its way to the writer:
 * at once when none waits. */
static void
store_after_dirty (SyncobjStore *self,
                   StoreOpFunc   op,
                   gpointer      op_data)
{
  DirtySource queued = { NULL, NULL, op, op_data };

  if (self->dirty_next == self->dirty->len)
    {
      op (self, op_data);
      return;
    }
  g_array_append_val (self->dirty, queued);
  dirty_schedule (self);
}

void
_syncobj_store_after_changes (SyncobjStore       *self,
                              SyncobjStoreOpFunc  op,
                              gpointer            op_data)
{
  store_after_dirty (self, op, op_data);
}

SyncobjStoreWriter *
_syncobj_store_peek_writer (SyncobjStore *self)
{
  return self->writer;
}

void
_syncobj_store_changed (SyncobjStore             *self,
                        GObject                  *source,
                        SyncobjStoreSnapshotFunc  snapshot)
{
  DirtySource changed = { NULL, snapshot, NULL, NULL };
  gpointer queued;

  if (self->writer == NULL)
    return;
  /* Already queued, and not written yet: its row is taken when its turn
   * comes, with this change. */
  if (_syncobj_table_lookup_extended (self->dirty_set, source, NULL, &queued) &&
      GPOINTER_TO_SIZE (queued) > self->dirty_base + self->dirty_next)
    return;

  _syncobj_table_insert (self->dirty_set, source, GSIZE_TO_POINTER (self->dirty_base + self->dirty->len + 1));
  changed.source = g_object_ref (source);
  g_array_append_val (self->dirty, changed);
  dirty_schedule (self);
}

/* ---- reading back ------------------------------------------------------------ */

struct _SyncobjStoreLoad
{
  GAsyncQueue *results;
  gboolean     done;     /* the end mark was taken */
};

SyncobjStoreLoad *
_syncobj_store_load (SyncobjStore *self,
                     const char   *collection_id,
                     guint         history_limit)
{
  SyncobjStoreLoad *load;

  if (self->writer == NULL)
    return NULL;

  load = g_new0 (SyncobjStoreLoad, 1);
  load->results = _syncobj_store_writer_load (self->writer, collection_id, history_limit,
                                              (SyncobjStoreDecodeFunc) _syncobj_stored_transaction_from_row);
  return load;
}

SyncobjStoredTransaction *
_syncobj_store_load_next (SyncobjStoreLoad *load)
{
  SyncobjStoredTransaction *stored;

  if (load->done)
    return NULL;

  stored = _syncobj_store_writer_load_next (load->results);
  load->done = stored == NULL;
  return stored;
}

/* Takes what the writer still hands over: it decodes every row it read. */
void
_syncobj_store_load_free (SyncobjStoreLoad *load)
{
  SyncobjStoredTransaction *stored;

  if (load == NULL)
    return;

  while ((stored = _syncobj_store_load_next (load)) != NULL)
    _syncobj_stored_transaction_free (stored);
  g_async_queue_unref (load->results);
  g_free (load);
}

void
_syncobj_store_free_loaded (SyncobjStore *self,
                            GPtrArray    *stored)
{
  if (self->writer == NULL)
    {
      g_ptr_array_unref (stored);
      return;
    }
  for (guint i = 0; i < stored->len; i++)
    _syncobj_stored_transaction_drop_json (g_ptr_array_index (stored, i));
  _syncobj_store_writer_free (self->writer, stored);
}

/* ---- the cache of synced state --------------------------------------------- */

static void
put_cache_op (SyncobjStore *self,
              gpointer      cache)
{
  _syncobj_store_writer_put_cache (self->writer, cache, g_task_new (self, NULL, dirty_written_cb, NULL));
}

void
_syncobj_store_write_cache (SyncobjStore       *self,
                            SyncobjStoredCache *cache)
{
  if (self->writer == NULL)
    {
      _syncobj_stored_cache_free (cache);
      return;
    }

  /* What changed before this commit is written before it (a key the
   * server assigned before its echo came, above all). */
  store_after_dirty (self, put_cache_op, cache);
}

struct _SyncobjStoreCacheRead
{
  GAsyncQueue *slices;
  gboolean     done;
};

SyncobjStoreCacheRead *
_syncobj_store_read_cache_slices (SyncobjStore *self,
                                  const char   *collection_id,
                                  guint         schema_version)
{
  SyncobjStoreCacheRead *read;

  if (self->writer == NULL)
    return NULL;

  read = g_new0 (SyncobjStoreCacheRead, 1);
  read->slices = _syncobj_store_writer_read_cache (self->writer, collection_id, schema_version);
  return read;
}

SyncobjStoredCache *
_syncobj_store_cache_read_next (SyncobjStoreCacheRead *read)
{
  SyncobjStoredCache *slice;

  if (read->done)
    return NULL;

  slice = _syncobj_store_writer_load_next (read->slices);
  read->done = slice == NULL;
  return slice;
}

/* Takes what the writer still hands over. */
void
_syncobj_store_cache_read_free (SyncobjStoreCacheRead *read)
{
  SyncobjStoredCache *slice;

  if (read == NULL)
    return;

  while ((slice = _syncobj_store_cache_read_next (read)) != NULL)
    _syncobj_stored_cache_free (slice);
  g_async_queue_unref (read->slices);
  g_free (read);
}

SyncobjStoredCache *
_syncobj_store_read_cache (SyncobjStore *self,
                           const char   *collection_id,
                           guint         schema_version)
{
  g_autoptr(SyncobjStoreCacheRead) read = _syncobj_store_read_cache_slices (self, collection_id, schema_version);
  SyncobjStoredCache *cache = NULL;
  SyncobjStoredCache *slice;

  while (read != NULL && (slice = _syncobj_store_cache_read_next (read)) != NULL)
    {
      if (cache == NULL)
        cache = slice;
      else
        _syncobj_stored_cache_append (cache, slice);
    }
  return cache;
}

guint64
_syncobj_store_get_max_sequence (SyncobjStore *self)
{
  return self->writer != NULL ? (guint64) MAX (_syncobj_store_writer_get_max_sequence (self->writer), 0) : 0;
}

/* ---- public API ------------------------------------------------------------ */

/**
 * syncobj_store_get_path:
 * @self: a store
 *
 * Gets the SQLite file of the store, [property@Syncobj.Store:path].
 *
 * Returns: (nullable) (type filename): the file of the store; %NULL for an
 *   in-memory store
 */
const char *
syncobj_store_get_path (SyncobjStore *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_STORE (self), NULL);
  return self->path;
}

/**
 * syncobj_store_get_persistent:
 * @self: a store
 *
 * Tells whether the store writes to a file,
 * [property@Syncobj.Store:persistent].
 *
 * Returns: %TRUE when the store writes to a file; %FALSE for an in-memory
 *   store, including one whose file could not be opened
 */
gboolean
syncobj_store_get_persistent (SyncobjStore *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_STORE (self), FALSE);
  return self->writer != NULL;
}

/**
 * syncobj_store_get_synchronous:
 * @self: a store
 *
 * Gets [property@Syncobj.Store:synchronous].
 *
 * Returns: how hard the store pushes its writes to the disk
 */
SyncobjStoreSynchronous
syncobj_store_get_synchronous (SyncobjStore *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_STORE (self), SYNCOBJ_STORE_SYNCHRONOUS_NORMAL);
  return self->synchronous;
}

/**
 * syncobj_store_get_open_error:
 * @self: a store
 *
 * Tells why the store works in memory although it was given a file.
 *
 * Returns: (nullable) (transfer none): why the file of a store made with a
 *   [property@Syncobj.Store:path] could not be opened, or %NULL
 */
const GError *
syncobj_store_get_open_error (SyncobjStore *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_STORE (self), NULL);
  return self->open_error;
}

/**
 * syncobj_store_get_write_error:
 * @self: a store
 *
 * Tells why the last write to the file failed, for example because the
 * disk is full. Transactions keep going in memory meanwhile, and nothing
 * is dropped: the store writes the rows again with the next change or
 * [method@Syncobj.Store.flush_async], and this goes back to %NULL once
 * they are all in the file.
 *
 * Returns: (nullable) (transfer none): the error of the last failed
 *   write, or %NULL when everything recorded so far is written
 */
const GError *
syncobj_store_get_write_error (SyncobjStore *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_STORE (self), NULL);
  return self->write_error;
}

static void
flushed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (g_task_propagate_boolean (G_TASK (result), &error))
    store_note_write (SYNCOBJ_STORE (source), NULL);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    store_note_write (SYNCOBJ_STORE (source), error);

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
flush_op (SyncobjStore *self,
          gpointer      task)
{
  _syncobj_store_writer_flush (self->writer, task);
}

/**
 * syncobj_store_flush_async:
 * @self: a store
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when everything written before is
 *   committed
 * @user_data: closure data
 *
 * Waits until every transaction change recorded so far is committed to
 * the file, for example before quitting. Rows that an earlier write could
 * not store (a full disk) are tried again first.
 */
void
syncobj_store_flush_async (SyncobjStore        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SYNCOBJ_IS_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, syncobj_store_flush_async);

  if (self->writer == NULL)
    g_task_return_boolean (task, TRUE);
  else
    store_after_dirty (self, flush_op, g_task_new (self, cancellable, flushed_cb, g_steal_pointer (&task)));
}

/**
 * syncobj_store_flush_finish:
 * @self: a store
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Syncobj.Store.flush_async].
 *
 * Returns: %TRUE when everything is committed; %FALSE with
 *   %SYNCOBJ_ERROR_STORE when some of it could not be written (the
 *   transactions keep going in memory, see
 *   [property@Syncobj.Store:write-error])
 */
gboolean
syncobj_store_flush_finish (SyncobjStore  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * syncobj_store_prune_async:
 * @self: a store
 * @older_than: remove finished transactions last changed before this date
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: closure data
 *
 * Removes `completed` and `failed` transactions whose
 * [property@Syncobj.Transaction:updated-at] is before @older_than from the
 * file. Unfinished transactions are never removed, and nothing is pruned
 * unless asked.
 */
void
syncobj_store_prune_async (SyncobjStore        *self,
                           GDateTime           *older_than,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SYNCOBJ_IS_STORE (self));
  g_return_if_fail (older_than != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, syncobj_store_prune_async);

  if (self->writer == NULL)
    g_task_return_int (task, 0);
  else
    _syncobj_store_writer_prune (self->writer,
                                 g_date_time_to_unix (older_than) * G_USEC_PER_SEC +
                                 g_date_time_get_microsecond (older_than),
                                 g_steal_pointer (&task));
}

/**
 * syncobj_store_prune_finish:
 * @self: a store
 * @result: the result passed to the callback
 * @n_removed: (out) (optional): return location for the number of
 *   transactions removed
 * @error: return location for an error
 *
 * Finishes [method@Syncobj.Store.prune_async].
 *
 * Returns: %TRUE on success
 */
gboolean
syncobj_store_prune_finish (SyncobjStore  *self,
                            GAsyncResult  *result,
                            guint         *n_removed,
                            GError       **error)
{
  gssize removed;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  removed = g_task_propagate_int (G_TASK (result), error);
  if (removed < 0)
    return FALSE;

  if (n_removed != NULL)
    *n_removed = (guint) removed;
  return TRUE;
}

static void
cache_cleared_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

static void
clear_cache_op (SyncobjStore *self,
                gpointer      task)
{
  _syncobj_store_writer_clear_cache (self->writer, g_task_get_task_data (task), task);
}

/**
 * syncobj_store_clear_cache_async:
 * @self: a store
 * @collection_id: (nullable): the collection whose cache goes, or %NULL
 *   for every collection
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the cache is deleted from the file
 * @user_data: closure data
 *
 * Deletes the cached synced records and the sync cursor of a collection,
 * or of all of them, from the file: for signing out. Transactions stay.
 * A collection open meanwhile keeps what it shows, and its next sync
 * commits fill the cache again; clear the cache once its collections are
 * gone.
 */
void
syncobj_store_clear_cache_async (SyncobjStore        *self,
                                 const char          *collection_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SYNCOBJ_IS_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, syncobj_store_clear_cache_async);

  if (self->writer == NULL)
    g_task_return_boolean (task, TRUE);
  else
    {
      GTask *clear = g_task_new (self, cancellable, cache_cleared_cb, g_steal_pointer (&task));

      g_task_set_task_data (clear, g_strdup (collection_id), g_free);
      store_after_dirty (self, clear_cache_op, clear);
    }
}

/**
 * syncobj_store_clear_cache_finish:
 * @self: a store
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Syncobj.Store.clear_cache_async].
 *
 * Returns: %TRUE when the cache is deleted; %FALSE with
 *   %SYNCOBJ_ERROR_STORE naming the reason
 */
gboolean
syncobj_store_clear_cache_finish (SyncobjStore  *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- GObject ---------------------------------------------------------------- */

static void
syncobj_store_constructed (GObject *object)
{
  SyncobjStore *self = SYNCOBJ_STORE (object);
  g_autoptr(GError) error = NULL;

  G_OBJECT_CLASS (syncobj_store_parent_class)->constructed (object);

  if (self->path == NULL)
    return;

  if (!store_open (self, &error))
    {
      g_message ("%s; transactions are kept in memory only", error->message);
      self->open_error = g_steal_pointer (&error);
    }
}

static void
syncobj_store_dispose (GObject *object)
{
  SyncobjStore *self = SYNCOBJ_STORE (object);

  /* Everything queued is committed before the thread stops. */
  store_write_dirty (self);
  g_clear_pointer (&self->writer, _syncobj_store_writer_close);

  G_OBJECT_CLASS (syncobj_store_parent_class)->dispose (object);
}

static void
syncobj_store_finalize (GObject *object)
{
  SyncobjStore *self = SYNCOBJ_STORE (object);

  g_free (self->path);
  g_clear_error (&self->open_error);
  g_clear_error (&self->write_error);
  g_clear_pointer (&self->dirty, g_array_unref);
  g_clear_pointer (&self->dirty_set, _syncobj_table_free);

  G_OBJECT_CLASS (syncobj_store_parent_class)->finalize (object);
}

static void
syncobj_store_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  SyncobjStore *self = SYNCOBJ_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_SYNCHRONOUS:
      g_value_set_enum (value, self->synchronous);
      break;
    case PROP_MOVE_CORRUPT_ASIDE:
      g_value_set_boolean (value, self->move_corrupt_aside);
      break;
    case PROP_PERSISTENT:
      g_value_set_boolean (value, syncobj_store_get_persistent (self));
      break;
    case PROP_WRITE_ERROR:
      g_value_set_boxed (value, self->write_error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_store_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  SyncobjStore *self = SYNCOBJ_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_free (self->path);
      self->path = g_value_dup_string (value);
      break;
    case PROP_SYNCHRONOUS:
      self->synchronous = g_value_get_enum (value);
      break;
    case PROP_MOVE_CORRUPT_ASIDE:
      self->move_corrupt_aside = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_store_class_init (SyncobjStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _syncobj_ensure_i18n ();

  object_class->constructed = syncobj_store_constructed;
  object_class->dispose = syncobj_store_dispose;
  object_class->finalize = syncobj_store_finalize;
  object_class->get_property = syncobj_store_get_property;
  object_class->set_property = syncobj_store_set_property;

  /**
   * SyncobjStore:path:
   *
   * The SQLite file of the store; unset for an in-memory store. When the
   * file cannot be opened, the reason is logged and the store works in
   * memory.
   */
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjStore:synchronous:
   *
   * How hard the store pushes its writes to the disk.
   */
  properties[PROP_SYNCHRONOUS] =
    g_param_spec_enum ("synchronous", NULL, NULL,
                       SYNCOBJ_TYPE_STORE_SYNCHRONOUS, SYNCOBJ_STORE_SYNCHRONOUS_NORMAL,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjStore:move-corrupt-aside:
   *
   * Whether a damaged file is renamed to `PATH.corrupt-TIMESTAMP` and
   * replaced by a new, empty store. Off by default: the file is left alone
   * and the store works in memory. When set, the whole file is checked as
   * the store opens (SQLite's `quick_check`, which reads all of it);
   * without it, that check runs after the first collection's start.
   */
  properties[PROP_MOVE_CORRUPT_ASIDE] =
    g_param_spec_boolean ("move-corrupt-aside", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjStore:persistent:
   *
   * Whether the store writes to a file.
   */
  properties[PROP_PERSISTENT] =
    g_param_spec_boolean ("persistent", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjStore:write-error: (getter get_write_error)
   *
   * Why the last write to the file failed (a full disk, an I/O error), or
   * %NULL when everything recorded so far is written. Transactions keep
   * going in memory while it is set, and their rows are written again with
   * the next change or flush: watch `notify::write-error` to tell the user
   * that changes are not safe on disk right now.
   */
  properties[PROP_WRITE_ERROR] =
    g_param_spec_boxed ("write-error", NULL, NULL, G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
syncobj_store_init (SyncobjStore *self)
{
  self->dirty = dirty_new ();
  self->dirty_set = _syncobj_table_new (NULL, NULL, NULL, NULL);
}
