/* syncobj-store-writer-open.c: opening the store's SQLite file
 *
 * On the writer thread: the file created private to the user, checked
 * before and after libgda opens it, the connection's pragmas (WAL, busy
 * timeout, synchronous), the schema brought up to date, the row statements
 * prepared; a damaged file moved aside when the store asks for it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-store-writer-fields-private.h"
#include "syncobj-store-writer-open-private.h"
#include "syncobj-store-sql-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>

#define SYNCOBJ_STORE_BUSY_TIMEOUT_MS 5000

/* The parameter names of the row statements, in ROW_* order. */
static const char *row_holder_names[N_ROW_HOLDERS] = {
  "id", "state", "updated_at", "current_attempt", "counted_attempts", "queued_behind", "error",
  "error_transaction_id", "metadata", "attempts", "collection_id", "created_at", "sequence", "mutations",
};

static gboolean
prepare_statements (SyncobjStoreWriter  *self,
                    GError             **error)
{
  g_autofree char *insert_sql =
    g_strdup_printf ("INSERT OR REPLACE INTO transactions (%s) VALUES ("
                     "##id::string, ##collection_id::string, ##state::gint64, ##created_at::gint64, "
                     "##updated_at::gint64, ##sequence::gint64, ##current_attempt::gint64, "
                     "##counted_attempts::gint64, ##queued_behind::string, ##error::string, "
                     "##error_transaction_id::string, ##metadata::string, ##attempts::string, "
                     "##mutations::string)", SYNCOBJ_STORE_ROW_COLUMNS);
  const char *update_sql =
    "UPDATE transactions SET state = ##state::gint64, updated_at = ##updated_at::gint64, "
    "current_attempt = ##current_attempt::gint64, counted_attempts = ##counted_attempts::gint64, "
    "queued_behind = ##queued_behind::string, error = ##error::string, "
    "error_transaction_id = ##error_transaction_id::string, metadata = ##metadata::string, "
    "attempts = ##attempts::string WHERE id = ##id::string";

  self->insert = _syncobj_store_sql_parse (insert_sql, error);
  if (self->insert == NULL || !gda_statement_get_parameters (self->insert, &self->insert_params, error))
    return FALSE;

  self->update = _syncobj_store_sql_parse (update_sql, error);
  if (self->update == NULL || !gda_statement_get_parameters (self->update, &self->update_params, error))
    return FALSE;

  for (guint i = 0; i < N_ROW_HOLDERS; i++)
    {
      self->insert_holders[i] = gda_set_get_holder (self->insert_params, row_holder_names[i]);
      if (i < N_UPDATE_HOLDERS)
        self->update_holders[i] = gda_set_get_holder (self->update_params, row_holder_names[i]);
    }

  return TRUE;
}

static gboolean
file_looks_corrupt (const char *path)
{
  static const char header[16] = "SQLite format 3";
  char buffer[16] = { 0 };
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  gssize n;

  if (fd < 0)
    return FALSE;
  n = read (fd, buffer, sizeof buffer);
  g_close (fd, NULL);

  /* An empty file is a new database, not a corrupt one. */
  return n > 0 && (n < (gssize) sizeof buffer || memcmp (buffer, header, sizeof buffer) != 0);
}

/* Opens the connection and brings the schema up to date. */
static gboolean
open_connection (SyncobjStoreWriter  *self,
                 gboolean            *corrupt,
                 GError             **error)
{
  g_autofree char *dir = g_path_get_dirname (self->path);
  g_autofree char *name = g_path_get_basename (self->path);
  g_autofree char *dir_encoded = gda_rfc1738_encode (dir);
  g_autofree char *name_encoded = gda_rfc1738_encode (name);
  g_autofree char *cnc_string = g_strdup_printf ("DB_DIR=%s;DB_NAME=%s", dir_encoded, name_encoded);
  g_autofree char *journal = NULL;
  g_autofree char *check = NULL;
  g_autofree char *pragma = NULL;
  g_autofree char *ignored = NULL;
  g_autoptr(GError) check_error = NULL;
  int fd;

  *corrupt = FALSE;

  /* Create the file ourselves so that it is private to the user; SQLite
   * gives its -wal and -shm files the same mode. */
  fd = g_open (self->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error_literal (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE, g_strerror (saved_errno));
      return FALSE;
    }
  g_close (fd, NULL);

  if (file_looks_corrupt (self->path))
    {
      *corrupt = TRUE;
      g_set_error_literal (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                           _("the file is not an SQLite database"));
      return FALSE;
    }

  /* The file opened for writing above, so a failure here is damage: the
   * provider reads the schema while it opens. */
  self->cnc = gda_connection_open_from_string ("SQLite", cnc_string, NULL,
                                               GDA_CONNECTION_OPTIONS_NONE, &check_error);
  if (self->cnc == NULL)
    {
      *corrupt = TRUE;
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE, _("the database is damaged (%s)"),
                   check_error != NULL ? check_error->message : _("unknown error"));
      return FALSE;
    }

  /* A damaged file opens fine and fails later; check it now. */
  check = _syncobj_store_sql_query_text (self->cnc, "PRAGMA quick_check", &check_error);
  if (check == NULL)
    {
      *corrupt = TRUE;
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                   _("the database is damaged (%s)"), check_error->message);
      return FALSE;
    }
  if (g_strcmp0 (check, "ok") != 0)
    {
      *corrupt = TRUE;
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                   _("the database is damaged (%s)"), check);
      return FALSE;
    }

  pragma = g_strdup_printf ("PRAGMA busy_timeout = %d", SYNCOBJ_STORE_BUSY_TIMEOUT_MS);
  ignored = _syncobj_store_sql_query_text (self->cnc, pragma, error);
  if (ignored == NULL)
    return FALSE;

  journal = _syncobj_store_sql_query_text (self->cnc, "PRAGMA journal_mode = WAL", error);
  if (journal == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (journal, "wal") != 0)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                   _("write-ahead logging is not available (journal mode “%s”)"), journal);
      return FALSE;
    }

  g_clear_pointer (&ignored, g_free);
  ignored = _syncobj_store_sql_query_text (self->cnc,
                                           self->synchronous_full ? "PRAGMA synchronous = FULL"
                                                                  : "PRAGMA synchronous = NORMAL",
                                           error);
  if (ignored == NULL)
    return FALSE;

  if (!_syncobj_store_sql_migrate (self->cnc, self->path, error) || !prepare_statements (self, error))
    return FALSE;

  g_clear_pointer (&ignored, g_free);
  ignored = _syncobj_store_sql_query_text (self->cnc, "SELECT coalesce(max(sequence), 0) FROM transactions",
                                           error);
  if (ignored == NULL)
    return FALSE;
  self->max_sequence = g_ascii_strtoll (ignored, NULL, 10);

  return TRUE;
}

void
_syncobj_store_writer_disconnect (SyncobjStoreWriter *self)
{
  g_clear_object (&self->insert);
  g_clear_object (&self->insert_params);
  g_clear_object (&self->update);
  g_clear_object (&self->update_params);
  g_hash_table_remove_all (self->statements);
  if (self->prepared != NULL)
    g_hash_table_remove_all (self->prepared);
  if (self->cnc != NULL)
    {
      gda_connection_close (self->cnc);
      g_clear_object (&self->cnc);
    }
}

/* Renames the file (and its -wal and -shm) to PATH.corrupt-TIMESTAMP. */
static gboolean
move_aside (SyncobjStoreWriter  *self,
            GError             **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%S");
  g_autofree char *target = g_strdup_printf ("%s.corrupt-%s", self->path, stamp);
  static const char *suffixes[] = { "-wal", "-shm" };

  if (g_rename (self->path, target) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                   _("it could not be moved aside: %s"), g_strerror (saved_errno));
      return FALSE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *from = g_strconcat (self->path, suffixes[i], NULL);
      g_autofree char *to = g_strconcat (target, suffixes[i], NULL);

      if (g_file_test (from, G_FILE_TEST_EXISTS))
        g_rename (from, to);
    }

  g_message ("Syncobj store %s was corrupt; it was moved to %s and a new store was created",
             self->path, target);
  return TRUE;
}

gboolean
_syncobj_store_writer_connect (SyncobjStoreWriter  *self,
                               GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean corrupt = FALSE;

  if (open_connection (self, &corrupt, &local_error))
    return TRUE;

  _syncobj_store_writer_disconnect (self);

  if (corrupt && self->move_corrupt_aside)
    {
      g_clear_error (&local_error);
      if (move_aside (self, &local_error) && open_connection (self, &corrupt, &local_error))
        return TRUE;
      _syncobj_store_writer_disconnect (self);
    }

  g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
               _("Cannot open the transaction store %s: %s"), self->path,
               local_error != NULL ? local_error->message : _("unknown error"));
  return FALSE;
}
