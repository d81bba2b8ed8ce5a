/* syncobj-store-writer-open.c: opening the store's SQLite file
 *
 * On the writer thread: the file created private to the user, checked
 * before and after libgda opens it, the connection's pragmas (WAL, busy
 * timeout, synchronous), the schema brought up to date, the row statements
 * prepared; a damaged file moved aside when the store asks for it.
 *
 * `PRAGMA quick_check` reads the whole file: 170 M instructions for a
 * cache of 100,000 records, a third of a start from it. A store that moves
 * a damaged file aside runs it at open, as it must decide before anything
 * is read; the others check at open only what costs little (the header,
 * the write-ahead log, and the schema and the file's length, which
 * SQLite checks as it opens) and run quick_check on the writer thread once the first collection's
 * start has read its records and transactions. Damage found then stops
 * every write to the file and sets write-error: the changes stay in
 * memory, as when the file cannot be opened.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-store-writer-fields-private.h"
#include "syncobj-store-writer-open-private.h"
#include "syncobj-store-sql-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

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

/* ---- the write-ahead log ---------------------------------------------------
 *
 * SQLite reads its -wal file frame by frame and stops, without a word, at
 * the first frame whose checksum is wrong: whatever was committed after a
 * damaged frame is lost. A crash can only tear the end of the log; a frame
 * of the current log (same salts) that is intact after a damaged one means
 * the log was damaged, not cut short, and the store says so. */

#define WAL_HEADER_SIZE 32
#define WAL_FRAME_HEADER_SIZE 24

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* SQLite's WAL checksum over @data (a multiple of 8 bytes), continuing
 * @sum. The log is read whole at every open, so each byte order has a loop
 * of its own, reading whole words. */
static void
wal_checksum (gboolean      big_endian,
              const guint8 *data,
              gsize         length,
              guint32       sum[2])
{
  guint32 s0 = sum[0], s1 = sum[1];
  guint32 words[2];

  if (big_endian)
    for (gsize i = 0; i + 8 <= length; i += 8)
      {
        memcpy (words, data + i, 8);
        s0 += GUINT32_FROM_BE (words[0]) + s1;
        s1 += GUINT32_FROM_BE (words[1]) + s0;
      }
  else
    for (gsize i = 0; i + 8 <= length; i += 8)
      {
        memcpy (words, data + i, 8);
        s0 += GUINT32_FROM_LE (words[0]) + s1;
        s1 += GUINT32_FROM_LE (words[1]) + s0;
      }
  sum[0] = s0;
  sum[1] = s1;
}

/* Whether the -wal file of @path holds committed frames that SQLite
 * would drop as damaged; sets @why. */
static gboolean
wal_is_damaged (const char  *path,
                const char **why)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree guint8 *frame = NULL;
  guint8 header[WAL_HEADER_SIZE];
  guint32 magic, page_size, sum[2] = { 0, 0 };
  gboolean big_endian, failed = FALSE;
  FILE *file = fopen (wal, "rbe");

  if (file == NULL)
    return FALSE;
  if (fread (header, 1, sizeof header, file) != sizeof header)
    {
      fclose (file);
      return FALSE;   /* empty, or torn as it was begun: nothing committed */
    }
  magic = read_be32 (header);
  page_size = read_be32 (header + 8);
  big_endian = (magic & 1) != 0;
  wal_checksum (big_endian, header, 24, sum);
  if ((magic & 0xfffffffe) != 0x377f0682 || read_be32 (header + 4) != 3007000 ||
      page_size < 512 || page_size > 65536 || (page_size & (page_size - 1)) != 0 ||
      sum[0] != read_be32 (header + 24) || sum[1] != read_be32 (header + 28))
    {
      fclose (file);
      *why = _("its header is damaged");
      return TRUE;
    }

  frame = g_malloc (WAL_FRAME_HEADER_SIZE + page_size);
  while (fread (frame, 1, WAL_FRAME_HEADER_SIZE + page_size, file) == WAL_FRAME_HEADER_SIZE + page_size)
    {
      gboolean current = memcmp (frame + 8, header + 16, 8) == 0;

      if (!current)
        continue;   /* a frame of an earlier log, left behind */
      if (failed)
        {
          /* Intact frames of the current log after a damaged one. */
          fclose (file);
          *why = _("a frame in the middle is damaged");
          return TRUE;
        }
      wal_checksum (big_endian, frame, 8, sum);
      wal_checksum (big_endian, frame + WAL_FRAME_HEADER_SIZE, page_size, sum);
      if (sum[0] != read_be32 (frame + 16) || sum[1] != read_be32 (frame + 20))
        failed = TRUE;
    }
  fclose (file);
  return FALSE;
}

/* A symbolic link would point the store at any file of the user's: the
 * file and SQLite's files next to it must not be links (checked with
 * lstat() before libgda opens anything). */
static gboolean
check_not_symlink (const char  *path,
                   GError     **error)
{
  static const char * const suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);
      GStatBuf info;

      if (g_lstat (file, &info) == 0 && S_ISLNK (info.st_mode))
        {
          g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                       _("%s is a symbolic link, which the store does not follow"), file);
          return FALSE;
        }
    }
  return TRUE;
}

/* Sets self->file to the file SQLite has open as the main database. */
static gboolean
find_file (SyncobjStoreWriter  *self,
           GError             **error)
{
  g_autoptr(GdaDataModel) model = gda_connection_execute_select_command (self->cnc, "PRAGMA database_list", error);
  const GValue *value = model != NULL ? gda_data_model_get_value_at (model, 2, 0, error) : NULL;

  if (value == NULL)
    return FALSE;
  g_free (self->file);
  self->file = g_strdup (G_VALUE_HOLDS_STRING (value) && g_value_get_string (value) != NULL &&
                         *g_value_get_string (value) != '\0'
                         ? g_value_get_string (value) : self->path);
  return TRUE;
}

/* SQLite's quick_check of the whole file: FALSE, with @error, for damage. */
static gboolean
check_integrity (GdaConnection  *cnc,
                 GError        **error)
{
  g_autoptr(GError) check_error = NULL;
  g_autofree char *check = _syncobj_store_sql_query_text (cnc, "PRAGMA quick_check", &check_error);

  if (g_strcmp0 (check, "ok") == 0)
    return TRUE;
  g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE, _("the database is damaged (%s)"),
               check != NULL ? check : check_error->message);
  return FALSE;
}

void
_syncobj_store_writer_check (SyncobjStoreWriter *self)
{
  g_autoptr(GError) error = NULL;

  if (!self->check_due)
    return;
  self->check_due = FALSE;
  if (check_integrity (self->cnc, &error))
    return;

  g_message ("Syncobj store %s: %s; nothing more is written to it and the changes are kept "
             "in memory", self->path, error->message);
  self->damaged = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                               _("Cannot write to the transaction store %s: %s"),
                               self->path, error->message);
  g_clear_error (&self->write_error);
  self->write_error = g_error_copy (self->damaged);
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
  g_autofree char *pragma = NULL;
  g_autofree char *ignored = NULL;
  g_autoptr(GError) check_error = NULL;
  const char *why = NULL;
  int fd;

  *corrupt = FALSE;

  /* Create the file ourselves so that it is private to the user; SQLite
   * gives its -wal and -shm files the same mode. */
  if (!check_not_symlink (self->path, error))
    return FALSE;
  fd = g_open (self->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error_literal (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE, g_strerror (saved_errno));
      return FALSE;
    }
  g_close (fd, NULL);

  if (wal_is_damaged (self->path, &why))
    {
      *corrupt = TRUE;
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                   _("the write-ahead log %s-wal is damaged (%s); unfinished transactions may be in it"),
                   self->path, why);
      return FALSE;
    }
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

  /* A damaged file opens fine and fails later: a store that moves it
   * aside checks it now, the others once the start has read it. */
  self->check_pending = !self->move_corrupt_aside;
  if (self->move_corrupt_aside && !check_integrity (self->cnc, error))
    {
      *corrupt = TRUE;
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

  if (!find_file (self, error))
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
