/* syncobj-store-writer-private.h: the store's rows and its writer thread
 *
 * syncobj-stored-transaction.c turns the plain structs of
 * syncobj-store-private.h into rows and back; syncobj-store-writer.c owns
 * the SQLite connection (libgda-5.0) on its own thread and is the only
 * code that touches the disk, with the SQL helpers and the schema of
 * syncobj-store-sql.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-store-private.h"
#include "syncobj-store-answers-private.h"

G_BEGIN_DECLS

/* One row of the `transactions` table. libgda 5 leaks NULL parameters, so
 * every text column holds "" rather than NULL. */
typedef struct
{
  char   *id;
  char   *collection_id;
  gint64  state;
  gint64  created_at;            /* µs since the epoch */
  gint64  updated_at;
  gint64  sequence;              /* commit order, across restarts */
  gint64  current_attempt;
  gint64  counted_attempts;
  char   *queued_behind;
  char   *error;                 /* JSON {domain, code, message} or "" */
  char   *error_transaction_id;
  char   *metadata;              /* JSON object or "" */
  char   *attempts;              /* JSON array */
  char   *mutations;             /* JSON array; NULL: an update that keeps them */
} SyncobjStoreRow;

void             _syncobj_store_row_free (SyncobjStoreRow *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncobjStoreRow, _syncobj_store_row_free)

/* ---- syncobj-stored-transaction.c ----------------------------------------- */

/* The row of @stored; without mutations, an update that keeps the
 * collection, creation date, sequence and mutations already written. */
SyncobjStoreRow          *_syncobj_stored_transaction_to_row   (SyncobjStoredTransaction  *stored);
/* Decodes @row (on the writer thread); NULL with @error
 * (SYNCOBJ_ERROR_STORE) when it cannot be restored. */
SyncobjStoredTransaction *_syncobj_stored_transaction_from_row (SyncobjStoreRow           *row,
                                                                GError                   **error);
/* Decodes @row as a restart would, and drops the result: whether the row
 * can be restored (tests/fuzz/fuzz-store-row.c feeds it damaged rows). */
gboolean                  _syncobj_store_check_row             (SyncobjStoreRow           *row,
                                                                GError                   **error);

/* ---- syncobj-store-writer.c ------------------------------------------------ */

typedef struct _SyncobjStoreWriter SyncobjStoreWriter;

/* Opens (creating it with mode 0600 if needed) and migrates the file at
 * @path, on a new writer thread; waits for the outcome. On failure the
 * error (SYNCOBJ_ERROR_STORE) names the path and the reason; the file is
 * left alone unless @move_corrupt_aside and it is corrupt, in which case it
 * is renamed to PATH.corrupt-TIMESTAMP and a new file is made. */
SyncobjStoreWriter *_syncobj_store_writer_open   (const char          *path,
                                                  gboolean             synchronous_full,
                                                  gboolean             move_corrupt_aside,
                                                  GError             **error);
/* Drains the queue (everything queued is committed) and stops the thread. */
void                _syncobj_store_writer_close  (SyncobjStoreWriter  *self);
/* The highest commit sequence found in the file when it was opened. */
gint64              _syncobj_store_writer_get_max_sequence (SyncobjStoreWriter *self);
/* Queues @row (taken); @task (nullable, taken) returns TRUE once the row
 * is committed, or the write error. Rows of one id queued close together
 * are written as one. */
void                _syncobj_store_writer_put    (SyncobjStoreWriter  *self,
                                                  SyncobjStoreRow     *row,
                                                  GTask               *task);
/* As _put(), with @done called on the caller's context instead of a
 * task (see _syncobj_store_answers_add_done()). */
void                _syncobj_store_writer_put_done (SyncobjStoreWriter   *self,
                                                    SyncobjStoreRow      *row,
                                                    SyncobjStoreDoneFunc  done,
                                                    gpointer              user_data);
/* @task returns TRUE once everything queued before is committed. */
void                _syncobj_store_writer_flush  (SyncobjStoreWriter  *self,
                                                  GTask               *task);
/* Frees @garbage (taken), what this thread decoded, on this thread, in
 * order with the jobs queued before. Blocks go back to the allocator of
 * the thread that made them: freed on the main thread, glibc keeps them
 * in this thread's arena until a large request there merges them all at
 * once, tens of milliseconds after a start from a big store. */
void                _syncobj_store_writer_free   (SyncobjStoreWriter  *self,
                                                  GPtrArray           *garbage);
/* @task returns the number of finished transactions updated before
 * @older_than_us that were deleted (as a gssize). */
void                _syncobj_store_writer_prune  (SyncobjStoreWriter  *self,
                                                  gint64               older_than_us,
                                                  GTask               *task);
/* Turns a row into what the main thread restores (NULL with @error to skip
 * it); runs on the writer thread. */
typedef gpointer (*SyncobjStoreDecodeFunc) (SyncobjStoreRow  *row,
                                            GError          **error);

/* Reads the rows of @collection_id (after everything queued before is
 * written): the newest @history_limit finished ones and every unfinished
 * one, in commit order, each decoded by @decode on the writer thread and
 * handed over as soon as it is. Take them with _load_next() until it
 * returns NULL, then unref the queue. */
GAsyncQueue        *_syncobj_store_writer_load      (SyncobjStoreWriter     *self,
                                                     const char             *collection_id,
                                                     guint                   history_limit,
                                                     SyncobjStoreDecodeFunc  decode);
/* Reads @limit finished transactions of @collection_id (NULL: of every
 * collection), newest first, skipping the @offset newest (after
 * everything queued before is written), each decoded by @decode on the
 * writer thread. Take them with _load_next() until it returns NULL, then
 * unref the queue; a read that failed has set @error_out by then. */
GAsyncQueue        *_syncobj_store_writer_read_history (SyncobjStoreWriter     *self,
                                                        const char             *collection_id,
                                                        guint                   offset,
                                                        guint                   limit,
                                                        SyncobjStoreDecodeFunc  decode,
                                                        GError                **error_out);
/* Queues @cache (taken), a sync commit's changes to the cached synced
 * state, written in order with the rows queued around it; @task
 * (nullable, taken) as for _put(). */
void                _syncobj_store_writer_put_cache   (SyncobjStoreWriter *self,
                                                       SyncobjStoredCache *cache,
                                                       GTask              *task);
/* Reads the cache of @collection_id (see _syncobj_store_read_cache_slices()),
 * handing its slices over as they are read: take them with _load_next()
 * until it returns NULL, then unref the queue. */
GAsyncQueue        *_syncobj_store_writer_read_cache  (SyncobjStoreWriter *self,
                                                       const char         *collection_id,
                                                       guint               schema_version);
/* Deletes the cache of @collection_id, or every cache for NULL; @task
 * returns TRUE or the error. */
void                _syncobj_store_writer_clear_cache (SyncobjStoreWriter *self,
                                                       const char         *collection_id,
                                                       GTask              *task);
/* ---- syncobj-store.c ------------------------------------------------------- */

typedef void (*SyncobjStoreOpFunc) (SyncobjStore *store,
                                    gpointer      op_data);

/* Calls @op once every change recorded so far (see _syncobj_store_changed())
 * is queued to the writer, so that what @op queues comes after it: at
 * once when nothing is waiting. */
void                _syncobj_store_after_changes (SyncobjStore       *self,
                                                  SyncobjStoreOpFunc  op,
                                                  gpointer            op_data);
/* The writer thread of @self; NULL for an in-memory store. */
SyncobjStoreWriter *_syncobj_store_peek_writer   (SyncobjStore       *self);

/* Waits for the next decoded row; NULL after the last. */
gpointer            _syncobj_store_writer_load_next (GAsyncQueue            *results);

G_END_DECLS
