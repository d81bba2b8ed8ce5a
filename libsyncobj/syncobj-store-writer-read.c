/* syncobj-store-writer-read.c: rows read back, on the writer thread
 *
 * The transactions a restart restores, and the records of a collection's
 * current cache generation, read through sqlite3 itself rather than
 * libgda: libgda copies every value into a GValue of a row object of a
 * model, which took most of a start's time.
 * The file is the one the writer's libgda connection has open, through
 * the same libsqlite3, so that SQLite's own locks keep the two apart. It
 * is opened read-only for one read, on the writer thread between its
 * rounds, and sees what they committed; the writer's connection stays the
 * only one that writes. Each record is checked, its key and text copied
 * once into the blocks of its slice, and the slices are handed over as
 * they fill, so that the caller shows one while the next is read.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-store-writer-fields-private.h"
#include "syncobj-store-writer-cache-private.h"

#include <errno.h>
#include <sqlite3.h>

/* Records per slice: the caller shows a slice in well under a frame. */
#define SLICE_RECORDS 4096

/* The ETags come with their rows: a query of its own scanned every row
 * again, through libgda, which took a quarter of a start's time. */
static const char *cache_read_sql =
  "SELECT key, value, etag FROM cache WHERE collection_id = ?1 AND generation = ?2 ORDER BY position";

static sqlite3 *
open_reader (SyncobjStoreWriter  *self,
             GError             **error)
{
  sqlite3 *db = NULL;
  int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE;

#ifdef SQLITE_OPEN_NOFOLLOW
  flags |= SQLITE_OPEN_NOFOLLOW;
#endif
  if (sqlite3_open_v2 (self->file, &db, flags, NULL) != SQLITE_OK)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE, "%s",
                   db != NULL ? sqlite3_errmsg (db) : g_strerror (ENOMEM));
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_busy_timeout (db, SYNCOBJ_STORE_BUSY_TIMEOUT_MS);
  return db;
}

/* ---- transactions ------------------------------------------------------------ */

/* The text of column @column of @select ("" for NULL); copied. */
static char *
column_text (sqlite3_stmt *select,
             int           column)
{
  const char *text = (const char *) sqlite3_column_text (select, column);

  return g_strdup (text != NULL ? text : "");
}

gboolean
_syncobj_store_writer_read_rows (SyncobjStoreWriter  *self,
                                 const char          *sql,
                                 const char          *collection_id,
                                 gint64               limit,
                                 GPtrArray           *rows,
                                 GError             **error)
{
  return _syncobj_store_writer_read_rows_page (self, sql, collection_id, limit, -1, rows, error);
}

gboolean
_syncobj_store_writer_read_rows_page (SyncobjStoreWriter  *self,
                                      const char          *sql,
                                      const char          *collection_id,
                                      gint64               limit,
                                      gint64               offset,
                                      GPtrArray           *rows,
                                      GError             **error)
{
  sqlite3 *db = open_reader (self, error);
  sqlite3_stmt *select = NULL;
  int status;

  if (db == NULL)
    return FALSE;
  if (sqlite3_prepare_v2 (db, sql, -1, &select, NULL) != SQLITE_OK ||
      sqlite3_bind_text (select, 1, collection_id, -1, SQLITE_STATIC) != SQLITE_OK ||
      (limit >= 0 && sqlite3_bind_int64 (select, 2, limit) != SQLITE_OK) ||
      (offset >= 0 && sqlite3_bind_int64 (select, 3, offset) != SQLITE_OK))
    goto failed;

  while ((status = sqlite3_step (select)) == SQLITE_ROW)
    {
      SyncobjStoreRow *row = g_new0 (SyncobjStoreRow, 1);

      row->id = column_text (select, 0);
      row->collection_id = column_text (select, 1);
      row->state = sqlite3_column_int64 (select, 2);
      row->created_at = sqlite3_column_int64 (select, 3);
      row->updated_at = sqlite3_column_int64 (select, 4);
      row->sequence = sqlite3_column_int64 (select, 5);
      row->current_attempt = sqlite3_column_int64 (select, 6);
      row->counted_attempts = sqlite3_column_int64 (select, 7);
      row->queued_behind = column_text (select, 8);
      row->error = column_text (select, 9);
      row->error_transaction_id = column_text (select, 10);
      row->metadata = column_text (select, 11);
      row->attempts = column_text (select, 12);
      row->mutations = column_text (select, 13);
      g_ptr_array_add (rows, row);
    }
  if (status != SQLITE_DONE)
    goto failed;

  sqlite3_finalize (select);
  sqlite3_close (db);
  return TRUE;

failed:
  g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE, "%s", sqlite3_errmsg (db));
  sqlite3_finalize (select);
  sqlite3_close (db);
  return FALSE;
}

/* ---- cached records ------------------------------------------------------------ */

/* Adds the record of @select's row to @slice, and its ETag, if any, to
 * @etags; or logs why it cannot be shown: FALSE then. */
static gboolean
add_row (SyncobjStoreWriter *self,
         const char         *collection_id,
         sqlite3_stmt       *select,
         SyncobjStoredCache *slice,
         SyncobjStoredCache *etags)
{
  const char *key = (const char *) sqlite3_column_text (select, 0);
  gsize key_length = sqlite3_column_bytes (select, 0);
  const char *value = (const char *) sqlite3_column_text (select, 1);
  gsize value_length = sqlite3_column_bytes (select, 1);
  g_autoptr(GError) error = NULL;

  if (!_syncobj_stored_cache_check_text (key, key_length, value, value_length, &error))
    {
      g_message ("Syncobj store %s: a cached record of collection “%s” cannot be read and was "
                 "skipped; everything is loaded again: %s", self->path, collection_id, error->message);
      return FALSE;
    }
  _syncobj_stored_cache_add_read (slice, key, key_length, value, value_length);
  if (sqlite3_column_bytes (select, 2) > 0)
    _syncobj_stored_cache_set_etag (etags, key, (const char *) sqlite3_column_text (select, 2));
  return TRUE;
}

SyncobjStoredCache *
_syncobj_store_writer_cache_read_rows (SyncobjStoreWriter  *self,
                                       const char          *collection_id,
                                       guint                schema_version,
                                       gint64               generation,
                                       GAsyncQueue         *slices,
                                       gboolean            *skipped,
                                       GError             **error)
{
  g_autoptr(SyncobjStoredCache) slice = _syncobj_stored_cache_new (collection_id, schema_version);
  /* Only its ETags, for the last slice. */
  g_autoptr(SyncobjStoredCache) etags = _syncobj_stored_cache_new (collection_id, schema_version);
  sqlite3 *db = open_reader (self, error);
  sqlite3_stmt *select = NULL;
  gboolean pushed = FALSE;
  int status;

  *skipped = FALSE;
  if (db == NULL)
    return NULL;
  if (sqlite3_prepare_v2 (db, cache_read_sql, -1, &select, NULL) != SQLITE_OK ||
      sqlite3_bind_text (select, 1, collection_id, -1, SQLITE_STATIC) != SQLITE_OK ||
      sqlite3_bind_int64 (select, 2, generation) != SQLITE_OK)
    goto failed;

  while ((status = sqlite3_step (select)) == SQLITE_ROW)
    {
      if (!add_row (self, collection_id, select, slice, etags))
        *skipped = TRUE;
      if (slice->records->len == SLICE_RECORDS)
        {
          g_async_queue_push (slices, g_steal_pointer (&slice));
          slice = _syncobj_stored_cache_new (collection_id, schema_version);
          pushed = TRUE;
        }
    }
  if (status != SQLITE_DONE)
    goto failed;

  sqlite3_finalize (select);
  sqlite3_close (db);
  slice->etags = g_steal_pointer (&etags->etags);
  return g_steal_pointer (&slice);

failed:
  {
    g_autofree char *why = g_strdup (sqlite3_errmsg (db));

    sqlite3_finalize (select);
    sqlite3_close (db);
    if (!pushed)
      {
        g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE, "%s", why);
        return NULL;
      }

    /* Records handed over stay shown; the cursor goes, with those not read. */
    g_message ("Syncobj store %s: the cache of collection “%s” was read in part; everything is "
               "loaded again: %s", self->path, collection_id, why);
    *skipped = TRUE;
    slice->etags = g_steal_pointer (&etags->etags);
    return g_steal_pointer (&slice);
  }
}
