/* syncobj-store-writer.c: the thread that owns the store's SQLite file
 *
 * Every disk access of a SyncobjStore happens on one thread that owns the
 * libgda connection. This file holds that thread, its queue of jobs and
 * the transactions table: the main thread queues rows and returns at once;
 * the writer takes everything queued so far and commits it as one SQLite
 * transaction (group commit), at most SYNCOBJ_STORE_BATCH statements at a
 * time, keeps what a failed commit left for the next round, prunes and
 * loads rows.
 *
 * Opening the file is in syncobj-store-writer-open.c, the cache tables in
 * syncobj-store-writer-cache.c, the answers to tasks in
 * syncobj-store-answers.c; the SQL helpers and the schema are in
 * syncobj-store-sql.c, with the libgda 5 pitfalls designed around.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-store-writer-fields-private.h"
#include "syncobj-store-writer-cache-private.h"
#include "syncobj-store-writer-open-private.h"
#include "syncobj-store-answers-private.h"
#include "syncobj-store-sql-private.h"

/* Pushed after the last decoded row of a load. */
static char load_end_mark;

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

void
_syncobj_store_writer_job_free (Job *job)
{
  g_clear_pointer (&job->row, _syncobj_store_row_free);
  g_clear_object (&job->task);
  g_free (job->collection_id);
  g_clear_pointer (&job->results, g_async_queue_unref);
  g_clear_pointer (&job->cache, _syncobj_stored_cache_free);
  g_clear_pointer (&job->garbage, g_ptr_array_unref);
  g_clear_pointer (&job->context, g_main_context_unref);
  g_free (job);
}

/* Queues the answer to the task of @job (with @error, taken, or @value);
 * the answers go back after the round. */
void
_syncobj_store_writer_complete_job (SyncobjStoreWriter *self,
                                    Job                *job,
                                    GError             *error,
                                    gssize              value)
{
  if (job->task == NULL)
    {
      if (job->on_done != NULL)
        _syncobj_store_answers_add_done (self->answers, job->context, job->on_done, job->on_done_data, error);
      else
        g_clear_error (&error);
      return;
    }

  _syncobj_store_answers_add (self->answers, g_steal_pointer (&job->task), error, value,
                              job->type == JOB_PRUNE);
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

static gboolean
round_commit (SyncobjStoreRound  *round,
              GError            **error)
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
gboolean
_syncobj_store_writer_round_statement (SyncobjStoreRound  *round,
                                       guint               room,
                                       GError            **error)
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
write_job (SyncobjStoreWriter  *self,
           SyncobjStoreRound   *round,
           Job                 *job,
           GError             **error)
{
  if (job->type == JOB_CACHE)
    return _syncobj_store_writer_cache_write (self, round, job->cache, error);

  return _syncobj_store_writer_round_statement (round, 1, error) && write_row (self, job->row, error);
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
  SyncobjStoreRound round = { self, 0, FALSE, 0, 0 };

  self->unwritten = g_ptr_array_new_with_free_func ((GDestroyNotify) _syncobj_store_writer_job_free);

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

  /* A file found damaged is not written: everything stays in memory. */
  if (self->damaged != NULL)
    error = g_error_copy (self->damaged);
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
      self->write_error = self->damaged != NULL
                          ? g_error_copy (self->damaged)
                          : g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                                         _("Cannot write to the transaction store %s: %s"),
                                         self->path, error->message);
    }

  for (guint i = start; i < end; i++)
    _syncobj_store_writer_complete_job (self, g_ptr_array_index (jobs, i),
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

  if (self->damaged != NULL)
    {
      _syncobj_store_writer_complete_job (self, job, g_error_copy (self->damaged), 0);
      return;
    }
  statement = cached_statement (self, "DELETE FROM transactions WHERE state IN (4, 5) "
                               "AND updated_at < ##older_than::gint64", &error);
  if (statement != NULL &&
      gda_statement_get_parameters (statement, &params, &error) &&
      _syncobj_store_sql_set_int (params, "older_than", job->older_than_us, &error))
    removed = gda_connection_statement_execute_non_select (self->cnc, statement, params, NULL, &error);

  if (removed < 0)
    _syncobj_store_writer_complete_job (self, job, g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                                    _("Cannot prune the transaction store %s: %s"),
                                    self->path, error != NULL ? error->message : _("unknown error")), 0);
  else
    _syncobj_store_writer_complete_job (self, job, NULL, removed);
}

/* Decodes @rows in order and hands each to the main thread. */
static void
decode_rows (SyncobjStoreWriter *self,
             Job                *job,
             GPtrArray          *rows)
{
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < rows->len; i++)
    {
      SyncobjStoreRow *row = g_ptr_array_index (rows, i);
      /* The decoded row holds references to objects of a tree built
       * here, and JsonObject counts references without atomics: the
       * decoder drops the tree before the main thread can see the row. */
      gpointer decoded = job->decode (row, &error);

      if (decoded != NULL)
        g_async_queue_push (job->results, decoded);
      else
        {
          g_message ("Transaction %s in the store %s cannot be read and was skipped: %s",
                     row->id, self->path, error->message);
          g_clear_error (&error);
        }
    }
}

/* Reads the rows and decodes them here, handing each to the main thread
 * as soon as it is decoded: the main thread restores the first ones while
 * this thread decodes the next. */
static void
do_load (SyncobjStoreWriter *self,
         Job                *job)
{
  g_autofree char *unfinished_sql =
    g_strdup_printf ("SELECT %s FROM transactions WHERE collection_id = ?1 "
                     "AND state NOT IN (4, 5) ORDER BY sequence", SYNCOBJ_STORE_ROW_COLUMNS);
  g_autofree char *finished_sql =
    g_strdup_printf ("SELECT * FROM (SELECT %s FROM transactions "
                     "WHERE collection_id = ?1 AND state IN (4, 5) "
                     "ORDER BY sequence DESC LIMIT ?2) ORDER BY sequence", SYNCOBJ_STORE_ROW_COLUMNS);
  /* Finished inserts older than the history whose answer brought the
   * server's key: a write stored under the temporary key still needs it
   * (the answer is kept with the last attempt as a "created" member). */
  g_autofree char *answered_sql =
    g_strdup_printf ("SELECT %s FROM transactions WHERE collection_id = ?1 "
                     "AND state IN (4, 5) AND attempts LIKE '%%\"created\":%%' "
                     "AND sequence < (SELECT COALESCE (MIN (sequence), 9223372036854775807) FROM "
                     "(SELECT sequence FROM transactions WHERE collection_id = ?1 "
                     "AND state IN (4, 5) ORDER BY sequence DESC LIMIT ?2)) "
                     "ORDER BY sequence", SYNCOBJ_STORE_ROW_COLUMNS);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) _syncobj_store_row_free);
  g_autoptr(GPtrArray) unfinished = g_ptr_array_new_with_free_func ((GDestroyNotify) _syncobj_store_row_free);
  g_autoptr(GError) error = NULL;

  /* History first: it is older than anything unfinished that follows.
   * Older answered inserts only matter to unfinished writes. */
  if (!_syncobj_store_writer_read_rows (self, unfinished_sql, job->collection_id, -1, unfinished, &error) ||
      (unfinished->len > 0 &&
       !_syncobj_store_writer_read_rows (self, answered_sql, job->collection_id, job->history_limit, rows, &error)) ||
      (job->history_limit > 0 &&
       !_syncobj_store_writer_read_rows (self, finished_sql, job->collection_id, job->history_limit, rows, &error)))
    g_message ("Cannot read the transaction store %s: %s", self->path, error->message);
  else
    {
      g_ptr_array_extend_and_steal (rows, g_steal_pointer (&unfinished));
      decode_rows (self, job, rows);
    }

  g_async_queue_push (job->results, &load_end_mark);

  /* The start has read what it needs: the check left from the open is
   * due, after this round. */
  self->check_due = self->check_pending;
  self->check_pending = FALSE;
}

/* Reads a page of finished transactions, newest first, and decodes them
 * here as do_load() does; a read that fails leaves its error in
 * job->error_out, before the end mark. The page is cut in SQL, with the
 * index of a collection's rows by commit order: a page deep into a long
 * history does not read the history into memory. */
static void
do_history (SyncobjStoreWriter *self,
            Job                *job)
{
  static const char *of_collection_sql =
    "SELECT " SYNCOBJ_STORE_ROW_COLUMNS " FROM transactions WHERE collection_id = ?1 "
    "AND state IN (4, 5) ORDER BY sequence DESC LIMIT ?2 OFFSET ?3";
  static const char *of_all_sql =
    "SELECT " SYNCOBJ_STORE_ROW_COLUMNS " FROM transactions WHERE ?1 IS NULL "
    "AND state IN (4, 5) ORDER BY sequence DESC LIMIT ?2 OFFSET ?3";
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) _syncobj_store_row_free);
  g_autoptr(GError) error = NULL;

  if (!_syncobj_store_writer_read_rows_page (self, job->collection_id != NULL ? of_collection_sql : of_all_sql,
                                             job->collection_id, job->history_limit, job->history_offset,
                                             rows, &error))
    g_propagate_prefixed_error (job->error_out, g_steal_pointer (&error),
                                _("Cannot read the history in the transaction store %s: "), self->path);
  else
    decode_rows (self, job, rows);

  g_async_queue_push (job->results, &load_end_mark);
}

static void
do_cache_clear (SyncobjStoreWriter *self,
                Job                *job)
{
  g_autoptr(GError) error = NULL;

  /* Caches a failed round kept go first: they were written before. */
  if (self->unwritten->len > 0)
    write_batch (self, NULL, 0, 0);

  if (self->damaged != NULL)
    _syncobj_store_writer_complete_job (self, job, g_error_copy (self->damaged), 0);
  else if (_syncobj_store_writer_cache_clear (self, job->collection_id, &error))
    _syncobj_store_writer_complete_job (self, job, NULL, TRUE);
  else
    _syncobj_store_writer_complete_job (self, job, g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                                          _("Cannot clear the cache in the transaction store %s: %s"),
                                          self->path, error->message), 0);
}

static void
do_cache_read (SyncobjStoreWriter *self,
               Job                *job)
{
  g_autoptr(GError) error = NULL;

  _syncobj_store_writer_cache_read (self, job->collection_id, job->schema_version, job->results, &error);
  if (error != NULL)
    g_message ("Cannot read the cache of collection “%s” in the transaction store %s: %s",
               job->collection_id, self->path, error->message);
  g_async_queue_push (job->results, &load_end_mark);
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
          _syncobj_store_writer_complete_job (self, job,
                        self->write_error != NULL ? g_error_copy (self->write_error) : NULL, TRUE);
          break;
        case JOB_PRUNE:
          do_prune (self, job);
          break;
        case JOB_LOAD:
          do_load (self, job);
          break;
        case JOB_HISTORY:
          do_history (self, job);
          break;
        case JOB_CACHE_READ:
          do_cache_read (self, job);
          break;
        case JOB_CACHE_CLEAR:
          do_cache_clear (self, job);
          break;
        case JOB_FREE:
          g_clear_pointer (&job->garbage, g_ptr_array_unref);
          /* glibc's malloc merges the small blocks a thread's arena got
           * back (its fastbins) at the next large request in that arena:
           * made here, rather than by some later request of the main
           * thread that lands in this arena, all at once. */
          g_free (g_malloc (4096));
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
  gboolean ok = _syncobj_store_writer_connect (self, &error);

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
      /* The rows and caches, made by the thread that queued them, go back
       * to it to be freed: see _syncobj_store_answers_add_garbage(). */
      for (guint i = 0; i < jobs->len; i++)
        {
          Job *done = g_ptr_array_index (jobs, i);

          if (done->context != NULL)
            _syncobj_store_answers_add_garbage (self->answers, done->context, done,
                                                (GDestroyNotify) _syncobj_store_writer_job_free);
          else
            _syncobj_store_writer_job_free (done);
        }
      _syncobj_store_answers_send (self->answers);
      _syncobj_store_writer_check (self);
      g_mutex_lock (&self->mutex);
    }

  g_mutex_unlock (&self->mutex);
  /* A last try for rows a failed commit left, before the file is closed. */
  if (ok && self->unwritten->len > 0)
    write_batch (self, NULL, 0, 0);
  _syncobj_store_writer_disconnect (self);

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
  g_autoptr(GError) lock_error = NULL;
  SyncobjStoreLock *lock = _syncobj_store_lock_acquire (path, &lock_error);
  SyncobjStoreWriter *self;

  if (lock == NULL)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                   _("Cannot open the transaction store %s: %s"), path, lock_error->message);
      return NULL;
    }

  ensure_gda ();

  self = g_new0 (SyncobjStoreWriter, 1);
  self->lock = lock;

  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  g_cond_init (&self->done_cond);
  g_queue_init (&self->jobs);
  self->path = g_strdup (path);
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->answers = _syncobj_store_answers_new ();
  self->unwritten = g_ptr_array_new_with_free_func ((GDestroyNotify) _syncobj_store_writer_job_free);
  _syncobj_store_writer_cache_init (self);
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
  g_queue_clear_full (&self->jobs, (GDestroyNotify) _syncobj_store_writer_job_free);
  g_clear_error (&self->open_error);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_cond_clear (&self->done_cond);
  g_free (self->path);
  g_free (self->file);
  g_hash_table_unref (self->statements);
  _syncobj_store_answers_free (self->answers);
  g_ptr_array_unref (self->unwritten);
  g_hash_table_unref (self->cache_states);
  g_hash_table_unref (self->prepared);
  g_clear_error (&self->write_error);
  g_clear_error (&self->damaged);
  /* After the connection is closed: the next holder finds SQLite's
   * files as this one left them. */
  _syncobj_store_lock_release (self->lock);
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
  job->context = g_main_context_ref_thread_default ();
  queue_job (self, job);
}

void
_syncobj_store_writer_put_done (SyncobjStoreWriter   *self,
                                SyncobjStoreRow      *row,
                                SyncobjStoreDoneFunc  done,
                                gpointer              user_data)
{
  Job *job = g_new0 (Job, 1);

  job->type = JOB_ROW;
  job->row = row;
  job->on_done = done;
  job->on_done_data = user_data;
  job->context = g_main_context_ref_thread_default ();
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
_syncobj_store_writer_free (SyncobjStoreWriter *self,
                            GPtrArray          *garbage)
{
  Job *job = g_new0 (Job, 1);

  job->type = JOB_FREE;
  job->garbage = garbage;
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

GAsyncQueue *
_syncobj_store_writer_read_history (SyncobjStoreWriter     *self,
                                    const char             *collection_id,
                                    guint                   offset,
                                    guint                   limit,
                                    SyncobjStoreDecodeFunc  decode,
                                    GError                **error_out)
{
  Job *job = g_new0 (Job, 1);
  GAsyncQueue *results = g_async_queue_new ();

  job->type = JOB_HISTORY;
  job->collection_id = g_strdup (collection_id);
  job->history_offset = offset;
  job->history_limit = limit;
  job->decode = decode;
  job->error_out = error_out;
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
  job->context = g_main_context_ref_thread_default ();
  queue_job (self, job);
}

GAsyncQueue *
_syncobj_store_writer_read_cache (SyncobjStoreWriter *self,
                                  const char         *collection_id,
                                  guint               schema_version)
{
  Job *job = g_new0 (Job, 1);
  GAsyncQueue *results = g_async_queue_new ();

  job->type = JOB_CACHE_READ;
  job->collection_id = g_strdup (collection_id);
  job->schema_version = schema_version;
  job->results = g_async_queue_ref (results);
  queue_job (self, job);

  return results;
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
