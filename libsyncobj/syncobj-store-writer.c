/* syncobj-store-writer.c: the thread that owns the store's SQLite file
 *
 * Every disk access of a SyncobjStore happens here, on one thread that owns
 * the libgda connection. The main thread queues rows and returns at once;
 * the writer takes everything queued so far and commits it as one SQLite
 * transaction (group commit), at most SYNCOBJ_STORE_BATCH statements at a
 * time: libgda 5 slows down quadratically with longer transactions.
 *
 * The SQL helpers and the schema are in syncobj-store-sql.c, with the
 * libgda 5 pitfalls designed around.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-store-writer-private.h"
#include "syncobj-store-sql-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>

#define SYNCOBJ_STORE_BATCH 500
#define SYNCOBJ_STORE_BUSY_TIMEOUT_MS 5000

/* The parameters of a row, in the order write_row() sets them. */
enum
{
  ROW_ID,
  ROW_STATE,
  ROW_UPDATED_AT,
  ROW_CURRENT_ATTEMPT,
  ROW_COUNTED_ATTEMPTS,
  ROW_QUEUED_BEHIND,
  ROW_ERROR,
  ROW_ERROR_TRANSACTION_ID,
  ROW_METADATA,
  ROW_ATTEMPTS,
  N_UPDATE_HOLDERS,
  /* the insert only */
  ROW_COLLECTION_ID = N_UPDATE_HOLDERS,
  ROW_CREATED_AT,
  ROW_SEQUENCE,
  ROW_MUTATIONS,
  N_ROW_HOLDERS
};

static const char *row_holder_names[N_ROW_HOLDERS] = {
  "id", "state", "updated_at", "current_attempt", "counted_attempts", "queued_behind", "error",
  "error_transaction_id", "metadata", "attempts", "collection_id", "created_at", "sequence", "mutations",
};

typedef enum
{
  JOB_ROW,
  JOB_FLUSH,
  JOB_PRUNE,
  JOB_LOAD,
  JOB_CACHE,         /* a sync commit's records; written in order with the rows */
  JOB_CACHE_READ,
  JOB_CACHE_CLEAR,
} JobType;

typedef struct
{
  JobType          type;
  SyncobjStoreRow *row;            /* JOB_ROW */
  GTask           *task;           /* nullable */
  gint64           older_than_us;  /* JOB_PRUNE */
  char            *collection_id;  /* JOB_LOAD */
  guint            history_limit;
  SyncobjStoreDecodeFunc decode;
  GAsyncQueue     *results;        /* decoded rows, then the end mark */
  SyncobjStoredCache *cache;       /* JOB_CACHE; JOB_CACHE_READ: the answer */
  guint            schema_version; /* JOB_CACHE_READ */
  gboolean         done;           /* JOB_CACHE_READ: the answer is there */
} Job;

/* Pushed after the last decoded row of a load. */
static char load_end_mark;

struct _SyncobjStoreWriter
{
  GThread       *thread;
  GMutex         mutex;
  GCond          cond;        /* jobs queued, or closing */
  GCond          done_cond;   /* a waited-for job is done */
  GQueue         jobs;
  gboolean       closing;
  gboolean       detached;    /* closed from its own thread: frees itself */

  /* set while opening, then read-only */
  char          *path;
  gboolean       synchronous_full;
  gboolean       move_corrupt_aside;
  GError        *open_error;
  gboolean       opened;
  gint64         max_sequence;

  /* writer thread only */
  GdaConnection *cnc;
  GdaStatement  *insert;
  GdaSet        *insert_params;
  GdaStatement  *update;
  GdaSet        *update_params;
  GHashTable    *statements;  /* SQL → GdaStatement, parsed once */
  GPtrArray     *answers;     /* Completion, for send_answers() */
  GHashTable    *answer_queues; /* GMainContext → AnswerQueue */
  /* Rows a failed commit left unwritten (a full disk, an I/O error): task-less
   * jobs, one per transaction, written again before the next rows. */
  GPtrArray     *unwritten;
  GError        *write_error; /* why, while unwritten is not empty */
  /* collection id → CacheState: the cache_state rows, as committed */
  GHashTable    *cache_states;
  GHashTable    *prepared;    /* SQL (static) → Prepared */
  /* The parameters of insert and update, looked up once, in ROW_* order. */
  GdaHolder     *insert_holders[N_ROW_HOLDERS];
  GdaHolder     *update_holders[N_ROW_HOLDERS];
};

static const char *row_columns =
  "id, collection_id, state, created_at, updated_at, sequence, current_attempt, "
  "counted_attempts, queued_behind, error, error_transaction_id, metadata, attempts, mutations";

static const GType row_column_types[] = {
  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT64, G_TYPE_INT64, G_TYPE_INT64, G_TYPE_INT64,
  G_TYPE_INT64, G_TYPE_INT64, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_NONE,
};

void
_syncobj_store_row_free (SyncobjStoreRow *row)
{
  if (row == NULL)
    return;

  g_free (row->id);
  g_free (row->collection_id);
  g_free (row->queued_behind);
  g_free (row->error);
  g_free (row->error_transaction_id);
  g_free (row->metadata);
  g_free (row->attempts);
  g_free (row->mutations);
  g_free (row);
}

static void writer_free (SyncobjStoreWriter *self);

static void
job_free (Job *job)
{
  g_clear_pointer (&job->row, _syncobj_store_row_free);
  g_clear_object (&job->task);
  g_free (job->collection_id);
  g_clear_pointer (&job->results, g_async_queue_unref);
  g_clear_pointer (&job->cache, _syncobj_stored_cache_free);
  g_free (job);
}

/* ---- answering the main thread ------------------------------------------- */

typedef struct
{
  GTask    *task;
  GError   *error;
  gssize    value;
  gboolean  is_int;   /* a prune's count; else a boolean */
} Completion;

static void
completion_free (Completion *completion)
{
  g_clear_object (&completion->task);
  g_clear_error (&completion->error);
  g_free (completion);
}

/* The answers waiting for one main context, in the order the writer gave
 * them. One idle at a time returns a few per main-loop iteration: a round
 * after a slow commit (a WAL checkpoint) may hold hundreds, and each
 * answer runs its callback at once, so returning them all in one go would
 * stall the application for as long. Shared by the writer (which adds)
 * and the idle (which takes), hence the lock and the reference count. */
typedef struct
{
  gatomicrefcount  ref;
  GMutex           mutex;
  GQueue           completions;   /* Completion */
  gboolean         scheduled;     /* an idle is attached */
  GMainContext    *context;
} AnswerQueue;

#define ANSWERS_PER_DISPATCH 32

static AnswerQueue *
answer_queue_new (GMainContext *context)
{
  AnswerQueue *queue = g_new0 (AnswerQueue, 1);

  g_atomic_ref_count_init (&queue->ref);
  g_mutex_init (&queue->mutex);
  g_queue_init (&queue->completions);
  queue->context = g_main_context_ref (context);
  return queue;
}

static AnswerQueue *
answer_queue_ref (AnswerQueue *queue)
{
  g_atomic_ref_count_inc (&queue->ref);
  return queue;
}

static void
answer_queue_unref (AnswerQueue *queue)
{
  if (!g_atomic_ref_count_dec (&queue->ref))
    return;
  g_queue_clear_full (&queue->completions, (GDestroyNotify) completion_free);
  g_mutex_clear (&queue->mutex);
  g_main_context_unref (queue->context);
  g_free (queue);
}

/* Runs on the tasks' context: returns the oldest answers, in order. */
static gboolean
complete_in_context (gpointer data)
{
  AnswerQueue *queue = data;
  Completion *batch[ANSWERS_PER_DISPATCH];
  guint n = 0;
  gboolean more;

  g_mutex_lock (&queue->mutex);
  while (n < ANSWERS_PER_DISPATCH && !g_queue_is_empty (&queue->completions))
    batch[n++] = g_queue_pop_head (&queue->completions);
  more = !g_queue_is_empty (&queue->completions);
  queue->scheduled = more;
  g_mutex_unlock (&queue->mutex);

  for (guint i = 0; i < n; i++)
    {
      Completion *completion = batch[i];

      if (completion->error != NULL)
        g_task_return_error (completion->task, g_steal_pointer (&completion->error));
      else if (completion->is_int)
        g_task_return_int (completion->task, completion->value);
      else
        g_task_return_boolean (completion->task, completion->value != 0);
      completion_free (completion);
    }

  return more ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* Queues the answer to the task of @job (with @error, taken, or @value);
 * send_answers() delivers it. */
static void
complete_job (SyncobjStoreWriter *self,
              Job                *job,
              GError             *error,
              gssize              value)
{
  Completion *completion;

  if (job->task == NULL)
    {
      g_clear_error (&error);
      return;
    }

  completion = g_new0 (Completion, 1);
  completion->task = g_steal_pointer (&job->task);
  completion->error = error;
  completion->value = value;
  completion->is_int = job->type == JOB_PRUNE;
  g_ptr_array_add (self->answers, completion);
}

/* Answers go back from an idle on each task's own context (see
 * AnswerQueue): this thread must never hold the last reference of a task,
 * which may be the last reference of the store that owns it. */
static void
send_answers (SyncobjStoreWriter *self)
{
  for (guint i = 0; i < self->answers->len; i++)
    {
      Completion *completion = g_ptr_array_index (self->answers, i);
      GMainContext *context = g_task_get_context (completion->task);
      AnswerQueue *queue = g_hash_table_lookup (self->answer_queues, context);

      if (queue == NULL)
        {
          queue = answer_queue_new (context);
          g_hash_table_insert (self->answer_queues, context, queue);
        }

      g_mutex_lock (&queue->mutex);
      g_queue_push_tail (&queue->completions, completion);
      if (!queue->scheduled)
        {
          g_autoptr(GSource) source = g_idle_source_new ();

          queue->scheduled = TRUE;
          g_source_set_priority (source, G_PRIORITY_DEFAULT);
          g_source_set_static_name (source, "[syncobj] store answers");
          g_source_set_callback (source, complete_in_context, answer_queue_ref (queue),
                                 (GDestroyNotify) answer_queue_unref);
          g_source_attach (source, context);
        }
      g_mutex_unlock (&queue->mutex);
    }

  /* The completions now belong to the queues. */
  g_ptr_array_set_free_func (self->answers, NULL);
  g_ptr_array_set_size (self->answers, 0);
  g_ptr_array_set_free_func (self->answers, (GDestroyNotify) completion_free);
}

/* ---- SQL helpers (writer thread) ----------------------------------------- */

/* The statement for @sql, parsed once: libgda keeps (and leaks) a little
 * for every statement it prepares. */
static GdaStatement *
cached_statement (SyncobjStoreWriter  *self,
                  const char          *sql,
                  GError             **error)
{
  GdaStatement *statement = g_hash_table_lookup (self->statements, sql);

  if (statement == NULL)
    {
      statement = _syncobj_store_sql_parse (sql, error);
      if (statement != NULL)
        g_hash_table_insert (self->statements, g_strdup (sql), statement);
    }

  return statement;
}

/* ---- opening ------------------------------------------------------------- */

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
                     "##mutations::string)", row_columns);
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

static void
close_connection (SyncobjStoreWriter *self)
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

static gboolean
writer_open (SyncobjStoreWriter  *self,
             GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean corrupt = FALSE;

  if (open_connection (self, &corrupt, &local_error))
    return TRUE;

  close_connection (self);

  if (corrupt && self->move_corrupt_aside)
    {
      g_clear_error (&local_error);
      if (move_aside (self, &local_error) && open_connection (self, &corrupt, &local_error))
        return TRUE;
      close_connection (self);
    }

  g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
               _("Cannot open the transaction store %s: %s"), self->path,
               local_error != NULL ? local_error->message : _("unknown error"));
  return FALSE;
}

/* ---- writing ----------------------------------------------------------- */

static gboolean
write_row (SyncobjStoreWriter  *self,
           SyncobjStoreRow     *row,
           GError             **error)
{
  gboolean full = row->mutations != NULL;
  GdaHolder **holders = full ? self->insert_holders : self->update_holders;

  if (!_syncobj_store_sql_set_text_holder (holders[ROW_ID], row->id, error) ||
      !_syncobj_store_sql_set_int_holder (holders[ROW_STATE], row->state, error) ||
      !_syncobj_store_sql_set_int_holder (holders[ROW_UPDATED_AT], row->updated_at, error) ||
      !_syncobj_store_sql_set_int_holder (holders[ROW_CURRENT_ATTEMPT], row->current_attempt, error) ||
      !_syncobj_store_sql_set_int_holder (holders[ROW_COUNTED_ATTEMPTS], row->counted_attempts, error) ||
      !_syncobj_store_sql_set_text_holder (holders[ROW_QUEUED_BEHIND], row->queued_behind, error) ||
      !_syncobj_store_sql_set_text_holder (holders[ROW_ERROR], row->error, error) ||
      !_syncobj_store_sql_set_text_holder (holders[ROW_ERROR_TRANSACTION_ID], row->error_transaction_id, error) ||
      !_syncobj_store_sql_set_text_holder (holders[ROW_METADATA], row->metadata, error) ||
      !_syncobj_store_sql_set_text_holder (holders[ROW_ATTEMPTS], row->attempts, error))
    return FALSE;

  if (full &&
      (!_syncobj_store_sql_set_text_holder (holders[ROW_COLLECTION_ID], row->collection_id, error) ||
       !_syncobj_store_sql_set_int_holder (holders[ROW_CREATED_AT], row->created_at, error) ||
       !_syncobj_store_sql_set_int_holder (holders[ROW_SEQUENCE], row->sequence, error) ||
       !_syncobj_store_sql_set_text_holder (holders[ROW_MUTATIONS], row->mutations, error)))
    return FALSE;

  return gda_connection_statement_execute_non_select (self->cnc, full ? self->insert : self->update,
                                                      full ? self->insert_params : self->update_params,
                                                      NULL, error) != -1;
}

/* Folds @newer into @older: an update keeps the mutations already queued. */
static void
row_merge (SyncobjStoreRow *older,
           SyncobjStoreRow *newer)
{
  if (newer->mutations == NULL)
    {
      newer->mutations = g_steal_pointer (&older->mutations);
      if (newer->collection_id == NULL)
        newer->collection_id = g_steal_pointer (&older->collection_id);
      newer->created_at = older->created_at;
      newer->sequence = older->sequence;
    }
}

/* ---- the cache of synced state ------------------------------------------ */

/* The cache_state row of a collection, as committed. The records shown
 * are those of the current generation: a snapshot writes the next one,
 * in as many SQLite transactions as it takes, and becomes current in the
 * last one, which also deletes the older generation. */
typedef struct
{
  gint64  generation;
  gint64  next_position;   /* one after the highest position of the generation */
  gint64  schema_version;
  char   *cursor;
} CacheState;

static void
cache_state_free (CacheState *state)
{
  g_free (state->cursor);
  g_free (state);
}

/* A statement with its parameters, prepared once. */
typedef struct
{
  GdaStatement *statement;
  GdaSet       *params;
} Prepared;

static void
prepared_free (Prepared *prepared)
{
  g_clear_object (&prepared->statement);
  g_clear_object (&prepared->params);
  g_free (prepared);
}

static Prepared *
prepare (SyncobjStoreWriter  *self,
         const char          *sql,
         GError             **error)
{
  Prepared *prepared = g_hash_table_lookup (self->prepared, sql);

  if (prepared != NULL)
    return prepared;

  prepared = g_new0 (Prepared, 1);
  prepared->statement = _syncobj_store_sql_parse (sql, error);
  if (prepared->statement == NULL ||
      !gda_statement_get_parameters (prepared->statement, &prepared->params, error))
    {
      prepared_free (prepared);
      return NULL;
    }
  g_hash_table_insert (self->prepared, (gpointer) sql, prepared);
  return prepared;
}

/* Runs @prepared with the parameters its caller set: the number of rows
 * changed, or -1 with @error. */
static gint
prepared_run (SyncobjStoreWriter  *self,
              Prepared            *prepared,
              GError             **error)
{
  return gda_connection_statement_execute_non_select (self->cnc, prepared->statement,
                                                      prepared->params, NULL, error);
}

static const char *cache_state_select_sql =
  "SELECT generation, schema_version, cursor FROM cache_state "
  "WHERE collection_id = ##collection_id::string";
static const char *cache_next_position_sql =
  "SELECT coalesce(max(position) + 1, 0) FROM cache "
  "WHERE collection_id = ##collection_id::string AND generation = ##generation::gint64";
static const char *cache_state_write_sql =
  "INSERT OR REPLACE INTO cache_state (collection_id, generation, schema_version, cursor) "
  "VALUES (##collection_id::string, ##generation::gint64, ##schema_version::gint64, ##cursor::string)";
static const char *cache_update_sql =
  "UPDATE cache SET value = ##value::string WHERE collection_id = ##collection_id::string "
  "AND generation = ##generation::gint64 AND key = ##key::string";
static const char *cache_insert_sql =
  "INSERT OR REPLACE INTO cache (collection_id, generation, key, position, value) "
  "VALUES (##collection_id::string, ##generation::gint64, ##key::string, ##position::gint64, ##value::string)";
static const char *cache_delete_sql =
  "DELETE FROM cache WHERE collection_id = ##collection_id::string "
  "AND generation = ##generation::gint64 AND key = ##key::string";
static const char *cache_drop_other_generations_sql =
  "DELETE FROM cache WHERE collection_id = ##collection_id::string AND generation <> ##generation::gint64";
static const char *cache_read_sql =
  "SELECT key, value FROM cache WHERE collection_id = ##collection_id::string "
  "AND generation = ##generation::gint64 ORDER BY position";
static const char *cache_clear_sql =
  "DELETE FROM cache WHERE collection_id = ##collection_id::string";
static const char *cache_state_clear_sql =
  "DELETE FROM cache_state WHERE collection_id = ##collection_id::string";

/* Runs a query of @sql with @collection_id (and @generation when >= 0)
 * and gives its model, with @types. */
static GdaDataModel *
cache_select (SyncobjStoreWriter  *self,
              const char          *sql,
              const char          *collection_id,
              gint64               generation,
              const GType         *types,
              GError             **error)
{
  Prepared *prepared = prepare (self, sql, error);

  if (prepared == NULL ||
      !_syncobj_store_sql_set_text (prepared->params, "collection_id", collection_id, error) ||
      (generation >= 0 && !_syncobj_store_sql_set_int (prepared->params, "generation", generation, error)))
    return NULL;

  return gda_connection_statement_execute_select_full (self->cnc, prepared->statement, prepared->params,
                                                       GDA_STATEMENT_MODEL_RANDOM_ACCESS,
                                                       (GType *) types, error);
}

/* The committed state of @collection_id's cache; NULL without error when
 * nothing is cached. */
static CacheState *
cache_state_get (SyncobjStoreWriter  *self,
                 const char          *collection_id,
                 GError             **error)
{
  static const GType state_types[] = { G_TYPE_INT64, G_TYPE_INT64, G_TYPE_STRING, G_TYPE_NONE };
  static const GType position_types[] = { G_TYPE_INT64, G_TYPE_NONE };
  CacheState *state = g_hash_table_lookup (self->cache_states, collection_id);
  g_autoptr(GdaDataModel) model = NULL;
  g_autoptr(GdaDataModel) positions = NULL;

  if (state != NULL)
    return state;

  model = cache_select (self, cache_state_select_sql, collection_id, -1, state_types, error);
  if (model == NULL || gda_data_model_get_n_rows (model) < 1)
    return NULL;

  state = g_new0 (CacheState, 1);
  state->generation = _syncobj_store_sql_value_int (gda_data_model_get_value_at (model, 0, 0, NULL));
  state->schema_version = _syncobj_store_sql_value_int (gda_data_model_get_value_at (model, 1, 0, NULL));
  state->cursor = g_strdup (_syncobj_store_sql_value_text (gda_data_model_get_value_at (model, 2, 0, NULL)));

  positions = cache_select (self, cache_next_position_sql, collection_id, state->generation,
                            position_types, error);
  if (positions == NULL)
    {
      cache_state_free (state);
      return NULL;
    }
  state->next_position = _syncobj_store_sql_value_int (gda_data_model_get_value_at (positions, 0, 0, NULL));

  g_hash_table_insert (self->cache_states, g_strdup (collection_id), state);
  return state;
}

/* One round of writing: SQLite transactions of at most
 * SYNCOBJ_STORE_BATCH statements each, opened as needed. */
typedef struct
{
  SyncobjStoreWriter *self;
  guint               statements;
  gboolean            open;
  guint               job;       /* the job being written */
  guint               written;   /* the jobs before it are committed */
} Round;

static gboolean
round_commit (Round   *round,
              GError **error)
{
  if (round->open)
    {
      round->open = FALSE;
      if (!gda_connection_commit_transaction (round->self->cnc, NULL, error))
        return FALSE;
    }
  round->written = round->job;
  return TRUE;
}

/* Before a statement: opens a transaction, or commits a full one and opens
 * the next. With @room, that many statements must go into one. */
static gboolean
round_statement (Round   *round,
                 guint    room,
                 GError **error)
{
  if (round->open && round->statements + room > SYNCOBJ_STORE_BATCH && !round_commit (round, error))
    return FALSE;

  if (!round->open)
    {
      if (!gda_connection_begin_transaction (round->self->cnc, NULL,
                                             GDA_TRANSACTION_ISOLATION_UNKNOWN, error))
        return FALSE;
      round->open = TRUE;
      round->statements = 0;
    }
  round->statements += room;
  return TRUE;
}

static gboolean
cache_write_record (SyncobjStoreWriter   *self,
                    SyncobjStoredCache   *cache,
                    CacheState           *state,
                    SyncobjCachedRecord  *record,
                    gboolean              fresh,
                    GError              **error)
{
  Prepared *prepared;
  gint changed;

  if (record->value == NULL || !fresh)
    {
      prepared = prepare (self, record->value == NULL ? cache_delete_sql : cache_update_sql, error);
      if (prepared == NULL ||
          !_syncobj_store_sql_set_text (prepared->params, "collection_id", cache->collection_id, error) ||
          !_syncobj_store_sql_set_int (prepared->params, "generation", state->generation, error) ||
          !_syncobj_store_sql_set_text (prepared->params, "key", record->key, error) ||
          (record->value != NULL &&
           !_syncobj_store_sql_set_text (prepared->params, "value", record->value, error)))
        return FALSE;
      changed = prepared_run (self, prepared, error);
      if (changed < 0)
        return FALSE;
      if (changed > 0 || record->value == NULL)
        return TRUE;
    }

  /* A key new to this generation goes after the others. */
  prepared = prepare (self, cache_insert_sql, error);
  return prepared != NULL &&
         _syncobj_store_sql_set_text (prepared->params, "collection_id", cache->collection_id, error) &&
         _syncobj_store_sql_set_int (prepared->params, "generation", state->generation, error) &&
         _syncobj_store_sql_set_text (prepared->params, "key", record->key, error) &&
         _syncobj_store_sql_set_int (prepared->params, "position", state->next_position++, error) &&
         _syncobj_store_sql_set_text (prepared->params, "value", record->value, error) &&
         prepared_run (self, prepared, error) >= 0;
}

static gboolean
cache_write_state (SyncobjStoreWriter  *self,
                   const char          *collection_id,
                   CacheState          *state,
                   GError             **error)
{
  Prepared *prepared = prepare (self, cache_state_write_sql, error);

  return prepared != NULL &&
         _syncobj_store_sql_set_text (prepared->params, "collection_id", collection_id, error) &&
         _syncobj_store_sql_set_int (prepared->params, "generation", state->generation, error) &&
         _syncobj_store_sql_set_int (prepared->params, "schema_version", state->schema_version, error) &&
         _syncobj_store_sql_set_text (prepared->params, "cursor", state->cursor, error) &&
         prepared_run (self, prepared, error) >= 0;
}

static gboolean
cache_drop_other_generations (SyncobjStoreWriter  *self,
                              const char          *collection_id,
                              gint64               generation,
                              GError             **error)
{
  Prepared *prepared = prepare (self, cache_drop_other_generations_sql, error);

  return prepared != NULL &&
         _syncobj_store_sql_set_text (prepared->params, "collection_id", collection_id, error) &&
         _syncobj_store_sql_set_int (prepared->params, "generation", generation, error) &&
         prepared_run (self, prepared, error) >= 0;
}

/* Writes what one sync commit changed. A snapshot that replaces the cache
 * writes the next generation, which the last statements make current:
 * killed at any point, the file holds the old records or the new ones.
 * The state (and the cursor) is written last, with or after the records. */
static gboolean
write_cache (SyncobjStoreWriter  *self,
             Round               *round,
             SyncobjStoredCache  *cache,
             GError             **error)
{
  CacheState *committed;
  CacheState state = { 1, 0, cache->schema_version, NULL };
  g_autoptr(GError) local_error = NULL;

  committed = cache_state_get (self, cache->collection_id, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (committed != NULL)
    {
      state.generation = committed->generation;
      state.next_position = committed->next_position;
      state.cursor = committed->cursor;
    }
  if (cache->cursor != NULL)
    state.cursor = cache->cursor;

  if (cache->replaces)
    {
      /* What a snapshot killed before it became current left behind. */
      state.generation = committed != NULL ? committed->generation + 1 : 1;
      state.next_position = 0;
      if (!round_statement (round, 1, error) ||
          !cache_drop_other_generations (self, cache->collection_id,
                                         committed != NULL ? committed->generation : -1, error))
        return FALSE;
    }

  for (guint i = 0; i < cache->records->len; i++)
    if (!round_statement (round, 1, error) ||
        !cache_write_record (self, cache, &state,
                             &g_array_index (cache->records, SyncobjCachedRecord, i),
                             cache->replaces, error))
      return FALSE;

  if (!round_statement (round, 2, error) ||
      !cache_write_state (self, cache->collection_id, &state, error) ||
      (cache->replaces && !cache_drop_other_generations (self, cache->collection_id, state.generation, error)))
    return FALSE;

  /* What the file will hold once this round commits; a failed round
   * forgets every state (see write_batch()). */
  if (committed == NULL)
    {
      committed = g_new0 (CacheState, 1);
      g_hash_table_insert (self->cache_states, g_strdup (cache->collection_id), committed);
    }
  committed->generation = state.generation;
  committed->next_position = state.next_position;
  committed->schema_version = state.schema_version;
  if (committed->cursor != state.cursor)
    {
      g_free (committed->cursor);
      committed->cursor = g_strdup (state.cursor);
    }
  return TRUE;
}

static gboolean
write_job (SyncobjStoreWriter  *self,
           Round               *round,
           Job                 *job,
           GError             **error)
{
  if (job->type == JOB_CACHE)
    return write_cache (self, round, job->cache, error);

  return round_statement (round, 1, error) && write_row (self, job->row, error);
}

/* Writes the rows and caches left unwritten by an earlier failure, then
 * those of @jobs[start, end), in order, in as few SQLite transactions as
 * SYNCOBJ_STORE_BATCH allows, and finishes their tasks. A failure keeps
 * every row and cache not committed for the next round: a full disk
 * loses nothing, and they are written once there is room again. */
static void
write_batch (SyncobjStoreWriter *self,
             GPtrArray          *jobs,
             guint               start,
             guint               end)
{
  g_autoptr(GHashTable) latest = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  g_autoptr(GPtrArray) earlier = g_steal_pointer (&self->unwritten);
  g_autoptr(GError) error = NULL;
  Round round = { self, 0, FALSE, 0, 0 };

  self->unwritten = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);

  /* Several changes of one transaction become one statement. */
  for (guint i = 0; i < earlier->len + (end - start); i++)
    {
      Job *job = i < earlier->len ? g_ptr_array_index (earlier, i)
                                  : g_ptr_array_index (jobs, start + i - earlier->len);
      Job *previous;

      if (job->type == JOB_ROW)
        {
          previous = g_hash_table_lookup (latest, job->row->id);
          if (previous != NULL)
            {
              row_merge (previous->row, job->row);
              g_ptr_array_remove (order, previous);
            }
          g_hash_table_insert (latest, job->row->id, job);
        }
      g_ptr_array_add (order, job);
    }

  if (order->len == 0)
    return;

  for (round.job = 0; round.job < order->len && error == NULL; round.job++)
    write_job (self, &round, g_ptr_array_index (order, round.job), &error);
  if (error == NULL)
    round_commit (&round, &error);
  if (error != NULL && round.open)
    gda_connection_rollback_transaction (self->cnc, NULL, NULL);

  if (error == NULL)
    {
      if (self->write_error != NULL)
        g_message ("Syncobj store %s: writing works again; the changes kept in memory are written",
                   self->path);
      g_clear_error (&self->write_error);
    }
  else
    {
      /* What the file holds is read again when needed. */
      g_hash_table_remove_all (self->cache_states);

      /* The newest row of each transaction not written, and every cache
       * not written, stay, as a job of their own. */
      for (guint i = round.written; i < order->len; i++)
        {
          Job *job = g_ptr_array_index (order, i);
          Job *kept = g_new0 (Job, 1);

          kept->type = job->type;
          kept->row = g_steal_pointer (&job->row);
          kept->cache = g_steal_pointer (&job->cache);
          g_ptr_array_add (self->unwritten, kept);
        }
      if (self->write_error == NULL)
        g_message ("Syncobj store %s: writing failed, the changes are kept in memory "
                   "and written again later: %s", self->path, error->message);
      g_clear_error (&self->write_error);
      self->write_error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                                       _("Cannot write to the transaction store %s: %s"),
                                       self->path, error->message);
    }

  for (guint i = start; i < end; i++)
    complete_job (self, g_ptr_array_index (jobs, i),
                  self->write_error != NULL ? g_error_copy (self->write_error) : NULL, TRUE);
}

static void
do_prune (SyncobjStoreWriter *self,
          Job                *job)
{
  g_autoptr(GError) error = NULL;
  GdaStatement *statement;
  g_autoptr(GdaSet) params = NULL;
  gint removed = -1;

  statement = cached_statement (self, "DELETE FROM transactions WHERE state IN (4, 5) "
                               "AND updated_at < ##older_than::gint64", &error);
  if (statement != NULL &&
      gda_statement_get_parameters (statement, &params, &error) &&
      _syncobj_store_sql_set_int (params, "older_than", job->older_than_us, &error))
    removed = gda_connection_statement_execute_non_select (self->cnc, statement, params, NULL, &error);

  if (removed < 0)
    complete_job (self, job, g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                                    _("Cannot prune the transaction store %s: %s"),
                                    self->path, error != NULL ? error->message : _("unknown error")), 0);
  else
    complete_job (self, job, NULL, removed);
}

static gboolean
load_rows (SyncobjStoreWriter  *self,
           const char          *sql,
           const char          *collection_id,
           gint64               limit,
           GPtrArray           *rows,
           GError             **error)
{
  GdaStatement *statement = cached_statement (self, sql, error);
  g_autoptr(GdaSet) params = NULL;
  g_autoptr(GdaDataModel) model = NULL;
  gint n_rows;

  if (statement == NULL ||
      !gda_statement_get_parameters (statement, &params, error) ||
      !_syncobj_store_sql_set_text (params, "collection_id", collection_id, error) ||
      (limit >= 0 && !_syncobj_store_sql_set_int (params, "limit", limit, error)))
    return FALSE;

  /* Random access reads the rows once; a cursor's iterator would set (and
   * signal) fourteen holders per row. */
  model = gda_connection_statement_execute_select_full (self->cnc, statement, params,
                                                        GDA_STATEMENT_MODEL_RANDOM_ACCESS,
                                                        (GType *) row_column_types, error);
  if (model == NULL)
    return FALSE;

  n_rows = gda_data_model_get_n_rows (model);
  for (gint i = 0; i < n_rows; i++)
    {
      SyncobjStoreRow *row = g_new0 (SyncobjStoreRow, 1);

#define CELL(column) gda_data_model_get_value_at (model, column, i, NULL)
      row->id = g_strdup (_syncobj_store_sql_value_text (CELL (0)));
      row->collection_id = g_strdup (_syncobj_store_sql_value_text (CELL (1)));
      row->state = _syncobj_store_sql_value_int (CELL (2));
      row->created_at = _syncobj_store_sql_value_int (CELL (3));
      row->updated_at = _syncobj_store_sql_value_int (CELL (4));
      row->sequence = _syncobj_store_sql_value_int (CELL (5));
      row->current_attempt = _syncobj_store_sql_value_int (CELL (6));
      row->counted_attempts = _syncobj_store_sql_value_int (CELL (7));
      row->queued_behind = g_strdup (_syncobj_store_sql_value_text (CELL (8)));
      row->error = g_strdup (_syncobj_store_sql_value_text (CELL (9)));
      row->error_transaction_id = g_strdup (_syncobj_store_sql_value_text (CELL (10)));
      row->metadata = g_strdup (_syncobj_store_sql_value_text (CELL (11)));
      row->attempts = g_strdup (_syncobj_store_sql_value_text (CELL (12)));
      row->mutations = g_strdup (_syncobj_store_sql_value_text (CELL (13)));
#undef CELL
      g_ptr_array_add (rows, row);
    }

  return TRUE;
}

/* Reads the rows and decodes them here, handing each to the main thread
 * as soon as it is decoded: the main thread restores the first ones while
 * this thread decodes the next. */
static void
do_load (SyncobjStoreWriter *self,
         Job                *job)
{
  g_autofree char *unfinished_sql =
    g_strdup_printf ("SELECT %s FROM transactions WHERE collection_id = ##collection_id::string "
                     "AND state NOT IN (4, 5) ORDER BY sequence", row_columns);
  g_autofree char *finished_sql =
    g_strdup_printf ("SELECT * FROM (SELECT %s FROM transactions "
                     "WHERE collection_id = ##collection_id::string AND state IN (4, 5) "
                     "ORDER BY sequence DESC LIMIT ##limit::gint64) ORDER BY sequence", row_columns);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) _syncobj_store_row_free);
  g_autoptr(GError) error = NULL;

  /* History first: it is older than anything unfinished that follows. */
  if ((job->history_limit > 0 &&
       !load_rows (self, finished_sql, job->collection_id, job->history_limit, rows, &error)) ||
      !load_rows (self, unfinished_sql, job->collection_id, -1, rows, &error))
    g_message ("Cannot read the transaction store %s: %s", self->path, error->message);
  else
    for (guint i = 0; i < rows->len; i++)
      {
        SyncobjStoreRow *row = g_ptr_array_index (rows, i);
        g_autoptr(JsonParser) parser = json_parser_new_immutable ();
        gpointer decoded = job->decode (row, parser, &error);

        /* The decoded row holds references to objects of the parser's
         * tree, and JsonObject counts references without atomics: the
         * tree must go here, before the main thread can see the row, not
         * when the next row is parsed while the main thread uses it. */
        g_clear_object (&parser);
        if (decoded != NULL)
          g_async_queue_push (job->results, decoded);
        else
          {
            g_message ("Transaction %s in the store %s cannot be read and was skipped: %s",
                       row->id, self->path, error->message);
            g_clear_error (&error);
          }
      }

  g_async_queue_push (job->results, &load_end_mark);
}

/* Deletes the cache of @collection_id, or of every collection. */
static gboolean
cache_clear (SyncobjStoreWriter  *self,
             const char          *collection_id,
             GError             **error)
{
  if (!gda_connection_begin_transaction (self->cnc, NULL, GDA_TRANSACTION_ISOLATION_UNKNOWN, error))
    return FALSE;

  if (collection_id == NULL)
    {
      Prepared *all = prepare (self, "DELETE FROM cache", error);
      Prepared *all_states = all != NULL ? prepare (self, "DELETE FROM cache_state", error) : NULL;

      if (all_states == NULL || prepared_run (self, all, error) < 0 || prepared_run (self, all_states, error) < 0)
        goto failed;
      g_hash_table_remove_all (self->cache_states);
    }
  else
    {
      Prepared *rows = prepare (self, cache_clear_sql, error);
      Prepared *state = rows != NULL ? prepare (self, cache_state_clear_sql, error) : NULL;

      if (state == NULL ||
          !_syncobj_store_sql_set_text (rows->params, "collection_id", collection_id, error) ||
          !_syncobj_store_sql_set_text (state->params, "collection_id", collection_id, error) ||
          prepared_run (self, rows, error) < 0 || prepared_run (self, state, error) < 0)
        goto failed;
      g_hash_table_remove (self->cache_states, collection_id);
    }

  return gda_connection_commit_transaction (self->cnc, NULL, error);

failed:
  gda_connection_rollback_transaction (self->cnc, NULL, NULL);
  return FALSE;
}

static void
do_cache_clear (SyncobjStoreWriter *self,
                Job                *job)
{
  g_autoptr(GError) error = NULL;

  /* Caches a failed round kept go first: they were written before. */
  if (self->unwritten->len > 0)
    write_batch (self, NULL, 0, 0);

  if (cache_clear (self, job->collection_id, &error))
    complete_job (self, job, NULL, TRUE);
  else
    complete_job (self, job, g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                                          _("Cannot clear the cache in the transaction store %s: %s"),
                                          self->path, error->message), 0);
}

/* Reads the records of the current generation, checks each, and skips
 * (with a log line) those that cannot be shown. */
static SyncobjStoredCache *
cache_read (SyncobjStoreWriter  *self,
            const char          *collection_id,
            guint                schema_version,
            GError             **error)
{
  static const GType record_types[] = { G_TYPE_STRING, G_TYPE_STRING, G_TYPE_NONE };
  g_autoptr(SyncobjStoredCache) cache = NULL;
  g_autoptr(GdaDataModel) model = NULL;
  g_autoptr(GError) local_error = NULL;
  CacheState *state;
  gboolean drop_cursor = FALSE;
  gint n_rows;

  state = cache_state_get (self, collection_id, &local_error);
  if (state == NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  if (state->schema_version != schema_version)
    {
      g_message ("Syncobj store %s: the cache of collection “%s” was written for schema version %"
                 G_GINT64_FORMAT ", not %u; it is dropped", self->path, collection_id,
                 state->schema_version, schema_version);
      cache_clear (self, collection_id, error);
      return NULL;
    }

  model = cache_select (self, cache_read_sql, collection_id, state->generation, record_types, error);
  if (model == NULL)
    return NULL;

  cache = _syncobj_stored_cache_new (collection_id, schema_version);
  n_rows = gda_data_model_get_n_rows (model);
  g_array_set_size (cache->records, 0);
  for (gint i = 0; i < n_rows; i++)
    {
      const char *key = _syncobj_store_sql_value_text (gda_data_model_get_value_at (model, 0, i, NULL));
      const char *value = _syncobj_store_sql_value_text (gda_data_model_get_value_at (model, 1, i, NULL));

      if (!_syncobj_stored_cache_check_record (key, value, &local_error))
        {
          g_message ("Syncobj store %s: a cached record of collection “%s” cannot be read and was "
                     "skipped; everything is loaded again: %s", self->path, collection_id,
                     local_error->message);
          g_clear_error (&local_error);
          drop_cursor = TRUE;
          continue;
        }
      _syncobj_stored_cache_add (cache, key, value, -1);
    }

  if (!drop_cursor && !_syncobj_stored_cache_check_cursor (state->cursor, &local_error))
    {
      g_message ("Syncobj store %s: the cursor of collection “%s” cannot be read and was dropped: %s",
                 self->path, collection_id, local_error->message);
      drop_cursor = TRUE;
    }
  cache->cursor = g_strdup (drop_cursor ? "" : state->cursor);

  return g_steal_pointer (&cache);
}

static void
do_cache_read (SyncobjStoreWriter *self,
               Job                *job)
{
  g_autoptr(GError) error = NULL;
  SyncobjStoredCache *cache = cache_read (self, job->collection_id, job->schema_version, &error);

  if (error != NULL)
    g_message ("Cannot read the cache of collection “%s” in the transaction store %s: %s",
               job->collection_id, self->path, error->message);
  g_async_queue_push (job->results, cache != NULL ? (gpointer) cache : &load_end_mark);
}

static void
process (SyncobjStoreWriter *self,
         GPtrArray          *jobs)
{
  guint i = 0;

  while (i < jobs->len)
    {
      Job *job = g_ptr_array_index (jobs, i);

      if (job->type == JOB_ROW || job->type == JOB_CACHE)
        {
          guint end = i;

          while (end < jobs->len && end - i < SYNCOBJ_STORE_BATCH &&
                 (((Job *) g_ptr_array_index (jobs, end))->type == JOB_ROW ||
                  ((Job *) g_ptr_array_index (jobs, end))->type == JOB_CACHE))
            end++;
          write_batch (self, jobs, i, end);
          i = end;
          continue;
        }

      switch (job->type)
        {
        case JOB_FLUSH:
          /* Rows an earlier failure left are tried once more. */
          if (self->unwritten->len > 0)
            write_batch (self, jobs, i, i);
          complete_job (self, job,
                        self->write_error != NULL ? g_error_copy (self->write_error) : NULL, TRUE);
          break;
        case JOB_PRUNE:
          do_prune (self, job);
          break;
        case JOB_LOAD:
          do_load (self, job);
          break;
        case JOB_CACHE_READ:
          do_cache_read (self, job);
          break;
        case JOB_CACHE_CLEAR:
          do_cache_clear (self, job);
          break;
        case JOB_ROW:
        case JOB_CACHE:
        default:
          g_assert_not_reached ();
        }
      i++;
    }
}

static gpointer
writer_thread (gpointer data)
{
  SyncobjStoreWriter *self = data;
  g_autoptr(GError) error = NULL;
  gboolean ok = writer_open (self, &error);

  g_mutex_lock (&self->mutex);
  self->open_error = g_steal_pointer (&error);
  self->opened = TRUE;
  g_cond_broadcast (&self->done_cond);

  while (ok)
    {
      g_autoptr(GPtrArray) jobs = NULL;
      Job *job;

      while (g_queue_is_empty (&self->jobs) && !self->closing)
        g_cond_wait (&self->cond, &self->mutex);
      if (g_queue_is_empty (&self->jobs))
        break;

      /* Everything queued so far goes into this round: group commit. */
      jobs = g_ptr_array_new ();
      while ((job = g_queue_pop_head (&self->jobs)) != NULL)
        g_ptr_array_add (jobs, job);
      g_mutex_unlock (&self->mutex);

      process (self, jobs);
      send_answers (self);

      g_ptr_array_foreach (jobs, (GFunc) job_free, NULL);
      g_mutex_lock (&self->mutex);
    }

  g_mutex_unlock (&self->mutex);
  /* A last try for rows a failed commit left, before the file is closed. */
  if (ok && self->unwritten->len > 0)
    write_batch (self, NULL, 0, 0);
  close_connection (self);

  if (self->detached)
    {
      g_thread_unref (self->thread);
      writer_free (self);
    }
  return NULL;
}

/* ---- the main thread's side ------------------------------------------------- */

static void
ensure_gda (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      gda_init ();
      g_once_init_leave (&initialized, 1);
    }
}

SyncobjStoreWriter *
_syncobj_store_writer_open (const char  *path,
                            gboolean     synchronous_full,
                            gboolean     move_corrupt_aside,
                            GError     **error)
{
  SyncobjStoreWriter *self = g_new0 (SyncobjStoreWriter, 1);

  ensure_gda ();

  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  g_cond_init (&self->done_cond);
  g_queue_init (&self->jobs);
  self->path = g_strdup (path);
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->answers = g_ptr_array_new_with_free_func ((GDestroyNotify) completion_free);
  self->answer_queues = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) answer_queue_unref);
  self->unwritten = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);
  self->cache_states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) cache_state_free);
  self->prepared = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) prepared_free);
  self->synchronous_full = synchronous_full;
  self->move_corrupt_aside = move_corrupt_aside;

  self->thread = g_thread_new ("syncobj-store", writer_thread, self);

  g_mutex_lock (&self->mutex);
  while (!self->opened)
    g_cond_wait (&self->done_cond, &self->mutex);
  g_mutex_unlock (&self->mutex);

  if (self->open_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->open_error));
      _syncobj_store_writer_close (self);
      return NULL;
    }

  return self;
}

void
_syncobj_store_writer_close (SyncobjStoreWriter *self)
{
  if (self == NULL)
    return;

  g_mutex_lock (&self->mutex);
  self->closing = TRUE;
  g_cond_signal (&self->cond);

  /* The writer thread dropped the last reference to a task, the task the
   * last one to the store: the thread cannot join itself, so it finishes
   * what is queued and frees the writer on its way out. */
  if (g_thread_self () == self->thread)
    {
      self->detached = TRUE;
      g_mutex_unlock (&self->mutex);
      return;
    }
  g_mutex_unlock (&self->mutex);

  g_thread_join (self->thread);
  writer_free (self);
}

static void
writer_free (SyncobjStoreWriter *self)
{
  g_queue_clear_full (&self->jobs, (GDestroyNotify) job_free);
  g_clear_error (&self->open_error);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_cond_clear (&self->done_cond);
  g_free (self->path);
  g_hash_table_unref (self->statements);
  g_ptr_array_unref (self->answers);
  g_hash_table_unref (self->answer_queues);
  g_ptr_array_unref (self->unwritten);
  g_hash_table_unref (self->cache_states);
  g_hash_table_unref (self->prepared);
  g_clear_error (&self->write_error);
  g_free (self);
}

gint64
_syncobj_store_writer_get_max_sequence (SyncobjStoreWriter *self)
{
  return self->max_sequence;
}

static void
queue_job (SyncobjStoreWriter *self,
           Job                *job)
{
  g_mutex_lock (&self->mutex);
  g_queue_push_tail (&self->jobs, job);
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);
}

void
_syncobj_store_writer_put (SyncobjStoreWriter *self,
                           SyncobjStoreRow    *row,
                           GTask              *task)
{
  Job *job = g_new0 (Job, 1);

  job->type = JOB_ROW;
  job->row = row;
  job->task = task;
  queue_job (self, job);
}

void
_syncobj_store_writer_flush (SyncobjStoreWriter *self,
                             GTask              *task)
{
  Job *job = g_new0 (Job, 1);

  job->type = JOB_FLUSH;
  job->task = task;
  queue_job (self, job);
}

void
_syncobj_store_writer_prune (SyncobjStoreWriter *self,
                             gint64              older_than_us,
                             GTask              *task)
{
  Job *job = g_new0 (Job, 1);

  job->type = JOB_PRUNE;
  job->older_than_us = older_than_us;
  job->task = task;
  queue_job (self, job);
}

GAsyncQueue *
_syncobj_store_writer_load (SyncobjStoreWriter     *self,
                            const char             *collection_id,
                            guint                   history_limit,
                            SyncobjStoreDecodeFunc  decode)
{
  Job *job = g_new0 (Job, 1);
  GAsyncQueue *results = g_async_queue_new ();

  job->type = JOB_LOAD;
  job->collection_id = g_strdup (collection_id);
  job->history_limit = history_limit;
  job->decode = decode;
  job->results = g_async_queue_ref (results);
  queue_job (self, job);

  return results;
}

gpointer
_syncobj_store_writer_load_next (GAsyncQueue *results)
{
  gpointer item = g_async_queue_pop (results);

  return item == &load_end_mark ? NULL : item;
}

void
_syncobj_store_writer_put_cache (SyncobjStoreWriter *self,
                                 SyncobjStoredCache *cache,
                                 GTask              *task)
{
  Job *job = g_new0 (Job, 1);

  job->type = JOB_CACHE;
  job->cache = cache;
  job->task = task;
  queue_job (self, job);
}

SyncobjStoredCache *
_syncobj_store_writer_read_cache (SyncobjStoreWriter *self,
                                  const char         *collection_id,
                                  guint               schema_version)
{
  Job *job = g_new0 (Job, 1);
  g_autoptr(GAsyncQueue) results = g_async_queue_new ();

  job->type = JOB_CACHE_READ;
  job->collection_id = g_strdup (collection_id);
  job->schema_version = schema_version;
  job->results = g_async_queue_ref (results);
  queue_job (self, job);

  return _syncobj_store_writer_load_next (results);
}

void
_syncobj_store_writer_clear_cache (SyncobjStoreWriter *self,
                                   const char         *collection_id,
                                   GTask              *task)
{
  Job *job = g_new0 (Job, 1);

  job->type = JOB_CACHE_CLEAR;
  job->collection_id = g_strdup (collection_id);
  job->task = task;
  queue_job (self, job);
}
