/* syncobj-bench.c: libsyncobj's side of the side-by-side benchmarks
 *
 * usage: syncobj-bench WORKLOAD [N] [M]
 *
 * Workloads, sizes and JSON keys are those of the TanStack DB anchor
 * (../shared/bench/README.md). The program drives the public API the way
 * an application does: a collection made with syncobj_collection_new() on
 * a plain SyncobjSync, a SyncobjFuncMutator whose persist completes at
 * once, an items-changed handler attached (as a GtkListView would be), and
 * the final values checked at the end so that no work can be skipped. It
 * prints one JSON line; a wrong result exits with status 1.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _GNU_SOURCE   /* RUSAGE_THREAD */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <syncobj.h>

#include "bench-measure.h"
#include "bench-records.h"
#include "../store-schema-v1.h"

#ifdef HAVE_SQLITE3
#include <sqlite3.h>
#endif

#ifdef HAVE_GTK4
#include <gtk/gtk.h>
#endif

static guint n_records = 100000;
static guint m_ops = 1000;

/* What a list widget would see. */
typedef struct
{
  guint64 signals;
  gint64  added;
  gint64  removed;
} ListWatch;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  ListWatch  *watch)
{
  watch->signals++;
  watch->added += added;
  watch->removed += removed;
}

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static void remove_temp_dirs (void);

static G_GNUC_NORETURN G_GNUC_PRINTF (1, 2) void
fail (const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  fprintf (stderr, "syncobj-bench: ");
  vfprintf (stderr, format, args);
  fprintf (stderr, "\n");
  va_end (args);
  remove_temp_dirs ();
  exit (1);
}

/* {"id":"k<i>","title":"item <i>","done":false,"n":<n>} */
static JsonObject *
record_new (guint  i,
            gint64 n)
{
  JsonObject *object = json_object_new ();
  char buffer[32];

  g_snprintf (buffer, sizeof buffer, "k%u", i);
  json_object_set_string_member (object, "id", buffer);
  g_snprintf (buffer, sizeof buffer, "item %u", i);
  json_object_set_string_member (object, "title", buffer);
  json_object_set_boolean_member (object, "done", FALSE);
  json_object_set_int_member (object, "n", n);
  return object;
}

/* Appends the decimal text of @value at @out; returns the end. */
static char *
append_int (char   *out,
            gint64  value)
{
  char digits[24];
  guint64 magnitude = value < 0 ? (guint64) 0 - (guint64) value : (guint64) value;
  int n = 0;

  if (value < 0)
    *out++ = '-';
  do
    digits[n++] = (char) ('0' + magnitude % 10);
  while ((magnitude /= 10) != 0);
  while (n > 0)
    *out++ = digits[--n];
  return out;
}

/* Room for the key of any record: "k" and the digits of a guint. */
#define KEY_SIZE 16

/* The key of record @i, "k<i>", written into @out, which it returns:
 * without a heap block, as cheap as TanStack's 'k' + i. */
static const char *
key_write (char  *out,
           guint  i)
{
  char *end;

  out[0] = 'k';
  end = append_int (out + 1, i);
  *end = '\0';
  return out;
}

static char *
key_of (guint i)
{
  char key[KEY_SIZE];

  return g_strdup (key_write (key, i));
}

static char *
append_text (char       *out,
             const char *text)
{
  gsize length = strlen (text);

  memcpy (out, text, length);
  return out + length;
}

/* The record of record_new() as a server sends it: JSON text, written as
 * JSON.stringify would, in @out (room for 96 bytes). */
static void
record_text (char   *out,
             guint   i,
             gint64  n)
{
  char *p = append_text (out, "{\"id\":\"k");

  p = append_int (p, i);
  p = append_text (p, "\",\"title\":\"item ");
  p = append_int (p, i);
  p = append_text (p, "\",\"done\":false,\"n\":");
  p = append_int (p, n);
  p = append_text (p, "}");
  *p = '\0';
}

/* ---- the persist side ------------------------------------------------------ */

typedef struct
{
  SyncobjSync *sync;   /* unowned: where the server's echo arrives */
  GPtrArray   *held;   /* jobs never answered (sync_churn) */
  GString     *echo;   /* nullable: the text of the last echo */
  guint64      persisted;
} Backend;

static void
backend_clear (Backend *backend)
{
  g_clear_pointer (&backend->held, g_ptr_array_unref);
  if (backend->echo != NULL)
    g_string_free (g_steal_pointer (&backend->echo), TRUE);
}

/* Appends @text to @echo as a JSON string. */
static void
append_json_string (GString    *echo,
                    const char *text)
{
  g_string_append_c (echo, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (echo, '\\');
      if ((guchar) *p < 0x20)
        g_string_append_printf (echo, "\\u%04x", (guint) (guchar) *p);
      else
        g_string_append_c (echo, *p);
    }
  g_string_append_c (echo, '"');
}

/* The server accepts the transaction at once; its new state comes back
 * through the sync, as the echo of a real backend would: every changed
 * member and the key. Like an HTTP backend, it takes the changes as JSON
 * text and hands the echo over as JSON text. */
static void
persist_at_once (SyncobjPersistJob *job,
                 gpointer           user_data)
{
  Backend *backend = user_data;
  guint n = syncobj_persist_job_get_n_mutations (job);
  g_autoptr(GError) error = NULL;

  backend->persisted++;

  syncobj_sync_begin (backend->sync);
  for (guint i = 0; i < n; i++)
    {
      SyncobjPendingMutation *mutation = syncobj_persist_job_get_mutation (job, i);
      g_autofree char *changes = syncobj_pending_mutation_get_changes_json (mutation);
      gsize length = strlen (changes);
      GString *echo = backend->echo;

      /* {…changes…,"id":"<key>"} */
      if (echo == NULL)
        echo = backend->echo = g_string_sized_new (128);
      g_string_truncate (echo, 0);
      g_string_append_len (echo, changes, (gssize) length - 1);
      if (length > 2)
        g_string_append_c (echo, ',');
      g_string_append (echo, "\"id\":");
      append_json_string (echo, syncobj_pending_mutation_get_key (mutation));
      g_string_append_c (echo, '}');
      if (!syncobj_sync_write_json (backend->sync, SYNCOBJ_MUTATION_TYPE_UPDATE, echo->str, &error))
        fail ("echo: %s", error->message);
    }
  if (!syncobj_sync_commit (backend->sync, &error))
    fail ("echo commit: %s", error->message);

  syncobj_persist_job_complete (job);
}

static void
persist_never (SyncobjPersistJob *job,
               gpointer           user_data)
{
  Backend *backend = user_data;

  /* The server never answers: the job stays unfinished. */
  g_ptr_array_add (backend->held, g_object_ref (job));
}

/* ---- the collection ----------------------------------------------------------- */

typedef struct
{
  SyncobjSync       *sync;
  SyncobjCollection *collection;
  ListWatch          watch;
  Backend            backend;
  gulong             handler;
} Bench;

static void
bench_open_with_store (Bench              *bench,
                       SyncobjPersistFunc  persist,
                       SyncobjStore       *store)
{
  g_autoptr(SyncobjMutator) mutator = NULL;

  memset (bench, 0, sizeof *bench);
  bench->backend.held = g_ptr_array_new_with_free_func (g_object_unref);
  bench->sync = syncobj_sync_new ("b");
  bench->backend.sync = bench->sync;
  mutator = syncobj_func_mutator_new (persist, &bench->backend, NULL);
  bench->collection = store != NULL ? syncobj_collection_new_with_store ("b", bench->sync, mutator, store)
                                    : syncobj_collection_new ("b", bench->sync, mutator);
  bench->handler = g_signal_connect (bench->collection, "items-changed",
                                     G_CALLBACK (items_changed_cb), &bench->watch);
}

static void
bench_open (Bench              *bench,
            SyncobjPersistFunc  persist)
{
  bench_open_with_store (bench, persist, NULL);
}

static void
bench_close (Bench *bench)
{
  g_signal_handler_disconnect (bench->collection, bench->handler);
  g_clear_object (&bench->collection);
  g_clear_object (&bench->sync);
  backend_clear (&bench->backend);
}

/* N records in one sync commit, as TanStack's make() does: from the
 * server's snapshot as JSON text (as an HTTP body arrives), or, with
 * @objects, one JsonObject per record through syncobj_sync_write(). */
static void
bench_load (Bench   *bench,
            GString *snapshot,
            gboolean objects)
{
  g_autoptr(GError) error = NULL;

  if (objects)
    {
      syncobj_sync_begin (bench->sync);
      for (guint i = 0; i < n_records; i++)
        {
          g_autoptr(JsonObject) record = record_new (i, i);

          if (!syncobj_sync_write (bench->sync, SYNCOBJ_MUTATION_TYPE_INSERT, record, &error))
            fail ("sync write: %s", error->message);
        }
      if (!syncobj_sync_commit (bench->sync, &error))
        fail ("sync commit: %s", error->message);
    }
  else if (!syncobj_sync_load_json_array (bench->sync, snapshot->str, snapshot->len, &error))
    fail ("load: %s", error->message);
  syncobj_sync_mark_ready (bench->sync);

  if (!syncobj_collection_get_ready (bench->collection))
    fail ("collection not ready after the initial commit");
  if (syncobj_collection_get_size (bench->collection) != n_records)
    fail ("size %u after loading %u records", syncobj_collection_get_size (bench->collection), n_records);
}

/* Runs the main loop until nothing is left to dispatch. */
static void
drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* n of the visible value, read from the whole value: what the checks use. */
static gint64
value_n (Bench      *bench,
         const char *key)
{
  JsonObject *value = syncobj_collection_lookup_value (bench->collection, key);

  if (value == NULL || !json_object_has_member (value, "n"))
    fail ("record %s is missing", key);
  return json_object_get_int_member (value, "n");
}

/* n as `d => d.n++` reads it: one member through the record, as
 * TanStack's proxy does, with the typed getter (which reads a record held
 * as JSON text without building its value). BENCH_READ=value reads the
 * whole value instead (syncobj_collection_lookup_value(), which builds
 * it), as this benchmark did before. */
static gint64
visible_n (Bench      *bench,
           const char *key)
{
  static int read_value = -1;
  g_autoptr(SyncobjRecord) record = NULL;

  if (G_UNLIKELY (read_value < 0))
    read_value = g_strcmp0 (g_getenv ("BENCH_READ"), "value") == 0;
  if (read_value)
    return value_n (bench, key);

  record = syncobj_collection_lookup (bench->collection, key);
  if (record == NULL)
    fail ("record %s is missing", key);
  return syncobj_record_get_int (record, "n");
}

/* Room for the changes of bump(): {"n":} and the digits of a gint64. */
#define CHANGES_SIZE 32

/* One optimistic update, as `d => { d.n++ }`, written the way an
 * application writing JSON text writes it: the changes `{"n":<value>}` in
 * a stack buffer (like key_write()) given to
 * syncobj_collection_update_json(), the public text API that GJS
 * (`collection.update_json(key, JSON.stringify(changes))`) and C
 * applications use; the backend's side takes its changes as text too.
 * The compare table uses this form. SYNCOBJ_BENCH_CHANGES=object builds a
 * JsonObject per update and calls syncobj_collection_update() instead, as
 * a C application holding JsonObjects does. */
static SyncobjTransaction *
bump (Bench *bench,
      guint  i)
{
  static int as_object = -1;
  g_autoptr(GError) error = NULL;
  char buffer[KEY_SIZE];
  const char *key = key_write (buffer, i);
  gint64 n = visible_n (bench, key) + 1;
  SyncobjTransaction *transaction;

  if (G_UNLIKELY (as_object < 0))
    as_object = g_strcmp0 (g_getenv ("SYNCOBJ_BENCH_CHANGES"), "object") == 0;

  if (as_object)
    {
      g_autoptr(JsonObject) changes = json_object_new ();

      json_object_set_int_member (changes, "n", n);
      transaction = syncobj_collection_update (bench->collection, key, changes, &error);
    }
  else
    {
      char changes[CHANGES_SIZE];
      char *end;

      memcpy (changes, "{\"n\":", 5);
      end = append_int (changes + 5, n);
      end[0] = '}';
      end[1] = '\0';
      transaction = syncobj_collection_update_json (bench->collection, key, changes, &error);
    }
  if (transaction == NULL)
    fail ("update %s: %s", key, error->message);
  return transaction;
}

/* Runs the main loop until every transaction of @transactions is finished
 * and, with @issued, until *@issued reached M (more are still coming). */
static void
run_until_finished (GPtrArray   *transactions,
                    const guint *issued)
{
  gboolean all_done;

  do
    {
      g_main_context_iteration (NULL, TRUE);
      all_done = issued == NULL || *issued == m_ops;
      for (guint i = transactions->len; all_done && i > 0; i--)
        all_done = syncobj_transaction_is_finished (g_ptr_array_index (transactions, i - 1));
    }
  while (!all_done);
}

static void
check_completed (GPtrArray *transactions)
{
  for (guint i = 0; i < transactions->len; i++)
    if (syncobj_transaction_get_state (g_ptr_array_index (transactions, i)) != SYNCOBJ_TRANSACTION_STATE_COMPLETED)
      fail ("transaction %u did not complete", i);
}

/* Every record's n is its index plus the number of times it was bumped;
 * returns the number of records checked. */
static guint
verify_counts (Bench       *bench,
               const guint *bumps)
{
  for (guint i = 0; i < n_records; i++)
    {
      g_autofree char *key = key_of (i);
      gint64 expected = (gint64) i + (bumps != NULL ? bumps[i] : 0);
      gint64 n = value_n (bench, key);

      if (n != expected)
        fail ("record %s has n = %" G_GINT64_FORMAT ", expected %" G_GINT64_FORMAT, key, n, expected);
    }
  if (syncobj_collection_get_size (bench->collection) != n_records)
    fail ("size %u, expected %u", syncobj_collection_get_size (bench->collection), n_records);
  return n_records;
}

static void
verify_list_watch (Bench  *bench,
                   guint64 min_changes)
{
  if (bench->watch.added - bench->watch.removed != (gint64) n_records)
    fail ("items-changed announced %" G_GINT64_FORMAT " records, expected %u",
          bench->watch.added - bench->watch.removed, n_records);
  if (bench->watch.signals < min_changes)
    fail ("items-changed emitted %" G_GUINT64_FORMAT " times, expected at least %" G_GUINT64_FORMAT,
          bench->watch.signals, min_changes);
}

/* ---- workloads ------------------------------------------------------------------ */

static void
run_initial_sync (JsonObject *out)
{
  g_autoptr(GString) text = bench_snapshot_text (n_records);
  g_autoptr(GError) error = NULL;
  Bench bench;
  double t0, parse_ms, load_ms;

  /* The floor: json-glib's bare parse of the same text. */
  {
    g_autoptr(JsonParser) parser = json_parser_new ();

    t0 = now_ms ();
    if (!json_parser_load_from_data (parser, text->str, text->len, &error))
      fail ("json-glib parse: %s", error->message);
    parse_ms = now_ms () - t0;
    if (json_array_get_length (json_node_get_array (json_parser_get_root (parser))) != n_records)
      fail ("json-glib parsed the wrong number of records");
  }

  bench_open (&bench, persist_at_once);
  t0 = now_ms ();
  if (!syncobj_sync_load_json_array (bench.sync, text->str, text->len, &error))
    fail ("load: %s", error->message);
  syncobj_sync_mark_ready (bench.sync);
  load_ms = now_ms () - t0;

  if (!syncobj_collection_get_ready (bench.collection))
    fail ("collection not ready");
  verify_list_watch (&bench, 1);
  json_object_set_int_member (out, "verified_records", verify_counts (&bench, NULL));
  json_object_set_double_member (out, "initial_sync_ms", load_ms);
  json_object_set_double_member (out, "parse_floor_ms", parse_ms);
  json_object_set_int_member (out, "text_bytes", text->len);
  bench_close (&bench);
}

/* Heap growth per record of a loaded collection. */
static double
measure_memory (GString  *snapshot,
                gboolean  objects)
{
  Bench bench;
  gsize before, after;

  malloc_trim (0);
  before = bench_heap_in_use ();
  bench_open (&bench, persist_at_once);
  bench_load (&bench, snapshot, objects);
  drain ();
  after = bench_heap_in_use ();

  verify_list_watch (&bench, 1);
  if (verify_counts (&bench, NULL) != n_records)
    fail ("memory: wrong records");
  bench_close (&bench);

  return ((double) after - (double) before) / n_records;
}

/* Measures in a fresh child process, so that memory freed by an earlier
 * measurement (GSlice keeps it) is not reused and undercounted. */
static double
measure_in_child (GString  *snapshot,
                  gboolean  objects)
{
  int fds[2];
  double result = -1;
  pid_t pid;
  int status;

  if (pipe (fds) != 0)
    fail ("pipe failed");
  fflush (stdout);
  pid = fork ();
  if (pid < 0)
    fail ("fork failed");
  if (pid == 0)
    {
      double value = measure_memory (snapshot, objects);

      close (fds[0]);
      if (write (fds[1], &value, sizeof value) != sizeof value)
        _exit (1);
      _exit (0);
    }

  close (fds[1]);
  if (read (fds[0], &result, sizeof result) != sizeof result)
    fail ("the memory measurement failed");
  close (fds[0]);
  waitpid (pid, &status, 0);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    fail ("the memory measurement failed");
  return result;
}

static void
run_memory (JsonObject *out)
{
  g_autoptr(GString) snapshot = bench_snapshot_text (n_records);
  Bench bench;

  /* Warm the type system up so that one-off class data is not counted. */
  bench_open (&bench, persist_at_once);
  bench_close (&bench);

  /* The snapshot arrives as JSON text (what HTTP sync does); records
   * written one by one as JsonObjects are measured too. */
  double objects = measure_in_child (snapshot, TRUE);

  json_object_set_double_member (out, "bytes_per_record", measure_memory (snapshot, FALSE));
  json_object_set_double_member (out, "bytes_per_record_objects", objects);
  json_object_set_string_member (out, "bytes_measured", "allocator delta (mallinfo2 uordblks+hblkhd)");
  json_object_set_int_member (out, "verified_records", n_records);
}

static void
run_update_latency (JsonObject *out)
{
  g_autoptr(GString) snapshot = bench_snapshot_text (n_records);
  g_autofree guint *bumps = g_new0 (guint, n_records);
  Bench bench;
  double t0, elapsed;

  bench_open (&bench, persist_at_once);
  bench_load (&bench, snapshot, FALSE);
  drain ();

  t0 = now_ms ();
  for (guint i = 0; i < m_ops; i++)
    {
      guint index = (guint) ((guint64) i * 7919 % n_records);
      g_autoptr(SyncobjTransaction) transaction = bump (&bench, index);

      bumps[index]++;
      while (!syncobj_transaction_is_finished (transaction))
        g_main_context_iteration (NULL, TRUE);
      if (syncobj_transaction_get_state (transaction) != SYNCOBJ_TRANSACTION_STATE_COMPLETED)
        fail ("transaction %u did not complete", i);
    }
  elapsed = now_ms () - t0;

  json_object_set_double_member (out, "us_per_op", elapsed * 1000 / m_ops);
  /* The floor of any update whose completion is delivered from the main
   * loop, as GLib's asynchronous calls are: one main-loop round trip. */
  json_object_set_double_member (out, "main_loop_us", bench_main_loop_us (m_ops));
  if (bench.backend.persisted != m_ops)
    fail ("%" G_GUINT64_FORMAT " persist calls, expected %u", bench.backend.persisted, m_ops);
  verify_list_watch (&bench, 1 + (guint64) m_ops);
  json_object_set_int_member (out, "verified_records", verify_counts (&bench, bumps));
  bench_close (&bench);
}

/* M updates one after another, each persisted and completed (echoed), as
 * an application that runs for days makes them; the heap's growth once
 * all have finished, measured like `memory`. The updates go round the N
 * records, so that with N small against M the growth is what finished
 * transactions leave behind. */
static void
run_long_run (JsonObject *out)
{
  g_autoptr(GString) snapshot = bench_snapshot_text (n_records);
  g_autofree guint *bumps = g_new0 (guint, n_records);
  SyncobjRegistry *registry = syncobj_registry_get_default ();
  Bench bench;
  gsize before, after;
  double t0, elapsed, growth;

  bench_open (&bench, persist_at_once);
  bench_load (&bench, snapshot, FALSE);
  drain ();
  /* Every record once, so that what a first write of a record costs (its
   * object form) is not counted as growth. */
  for (guint i = 0; i < n_records; i++)
    {
      g_autoptr(SyncobjTransaction) transaction = bump (&bench, i);

      bumps[i]++;
      while (!syncobj_transaction_is_finished (transaction))
        g_main_context_iteration (NULL, TRUE);
    }
  drain ();
  malloc_trim (0);
  before = bench_heap_in_use ();

  t0 = now_ms ();
  for (guint i = 0; i < m_ops; i++)
    {
      guint index = (guint) ((guint64) i * 7919 % n_records);
      g_autoptr(SyncobjTransaction) transaction = bump (&bench, index);

      bumps[index]++;
      while (!syncobj_transaction_is_finished (transaction))
        g_main_context_iteration (NULL, TRUE);
      if (syncobj_transaction_get_state (transaction) != SYNCOBJ_TRANSACTION_STATE_COMPLETED)
        fail ("transaction %u did not complete", i);
    }
  drain ();
  elapsed = now_ms () - t0;
  malloc_trim (0);
  after = bench_heap_in_use ();
  growth = (double) after - (double) before;

  json_object_set_double_member (out, "growth_mb", growth / 1e6);
  json_object_set_double_member (out, "growth_bytes_per_tx", growth / m_ops);
  json_object_set_double_member (out, "us_per_op", elapsed * 1000 / m_ops);
  json_object_set_string_member (out, "bytes_measured", "allocator delta (mallinfo2 uordblks+hblkhd), 10^6 bytes per MB");
  json_object_set_int_member (out, "history_limit", syncobj_registry_get_history_limit (registry));
  json_object_set_int_member (out, "registry_transactions",
                              g_list_model_get_n_items (syncobj_registry_get_transactions (registry)));
  if (bench.backend.persisted != (guint64) n_records + m_ops)
    fail ("%" G_GUINT64_FORMAT " persist calls, expected %u", bench.backend.persisted, n_records + m_ops);
  json_object_set_int_member (out, "verified_records", verify_counts (&bench, bumps));
  bench_close (&bench);
}

/* The timed synchronous part of burst: M updates, none persisted yet. Not
 * inlined, so that `valgrind --tool=callgrind --toggle-collect=burst_apply`
 * counts it alone. */
static G_GNUC_NO_INLINE void
burst_apply (Bench     *bench,
             GPtrArray *transactions,
             guint     *bumps)
{
  for (guint i = 0; i < m_ops; i++)
    {
      guint index = (guint) ((guint64) i * 7919 % n_records);

      g_ptr_array_add (transactions, bump (bench, index));
      bumps[index]++;
    }
}

static void
run_burst (JsonObject *out)
{
  g_autoptr(GString) snapshot = bench_snapshot_text (n_records);
  g_autofree guint *bumps = g_new0 (guint, n_records);
  g_autoptr(GPtrArray) transactions = g_ptr_array_new_with_free_func (g_object_unref);
  Bench bench;
  double t0, apply_ms, complete_ms;

  bench_open (&bench, persist_at_once);
  bench_load (&bench, snapshot, FALSE);
  drain ();

  t0 = now_ms ();
  burst_apply (&bench, transactions, bumps);
  apply_ms = now_ms () - t0;

  run_until_finished (transactions, NULL);
  complete_ms = now_ms () - t0;

  check_completed (transactions);

  json_object_set_double_member (out, "apply_us_per_op", apply_ms * 1000 / m_ops);
  json_object_set_double_member (out, "complete_us_per_op", complete_ms * 1000 / m_ops);
  if (bench.backend.persisted != m_ops)
    fail ("%" G_GUINT64_FORMAT " persist calls, expected %u", bench.backend.persisted, m_ops);
  verify_list_watch (&bench, 1 + (guint64) m_ops);
  json_object_set_int_member (out, "verified_records", verify_counts (&bench, bumps));
  bench_close (&bench);
}

static void
run_sync_churn (JsonObject *out)
{
  g_autoptr(GString) snapshot = bench_snapshot_text (n_records);
  g_autoptr(GPtrArray) transactions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autofree gint64 *synced_n = g_new (gint64, n_records);
  g_auto(GStrv) locked = NULL;
  g_autoptr(GHashTable) locked_set = g_hash_table_new (g_str_hash, g_str_equal);
  guint in_flight = MIN (1000u, n_records);
  guint applied = 0, held = 0;
  Bench bench;
  double t0, elapsed;

  bench_open (&bench, persist_never);
  bench_load (&bench, snapshot, FALSE);
  drain ();

  /* 1000 transactions stay in flight. */
  for (guint i = 0; i < in_flight; i++)
    {
      g_autoptr(JsonObject) changes = json_object_new ();
      g_autofree char *key = key_of (i);
      SyncobjTransaction *transaction;

      json_object_set_boolean_member (changes, "done", TRUE);
      transaction = syncobj_collection_update (bench.collection, key, changes, &error);
      if (transaction == NULL)
        fail ("update %s: %s", key, error->message);
      g_ptr_array_add (transactions, transaction);
    }
  drain ();

  locked = syncobj_collection_get_locked_keys (bench.collection);
  for (guint i = 0; locked[i] != NULL; i++)
    g_hash_table_add (locked_set, locked[i]);

  for (guint i = 0; i < n_records; i++)
    synced_n[i] = i;

  /* M server rows arrive in commits of 100. */
  t0 = now_ms ();
  for (guint b = 0; b < m_ops / 100; b++)
    {
      syncobj_sync_begin (bench.sync);
      for (guint j = 0; j < 100; j++)
        {
          guint i = (guint) ((guint64) (b * 100 + j) * 31 % n_records);
          char row[96];

          /* Server rows arrive as JSON text. */
          record_text (row, i, -(gint64) i);
          if (!syncobj_sync_write_json (bench.sync, SYNCOBJ_MUTATION_TYPE_UPDATE, row, &error))
            fail ("sync write: %s", error->message);
        }
      if (!syncobj_sync_commit (bench.sync, &error))
        fail ("sync commit: %s", error->message);
    }
  elapsed = now_ms () - t0;

  /* Rows on unlocked keys are applied (visible now); on locked keys held. */
  for (guint b = 0; b < m_ops / 100; b++)
    for (guint j = 0; j < 100; j++)
      synced_n[(guint64) (b * 100 + j) * 31 % n_records] = -(gint64) ((guint64) (b * 100 + j) * 31 % n_records);

  for (guint i = 0; i < n_records; i++)
    {
      g_autofree char *key = key_of (i);
      gboolean is_locked = g_hash_table_contains (locked_set, key);
      gint64 n = visible_n (&bench, key);
      JsonObject *value = syncobj_collection_lookup_value (bench.collection, key);
      gboolean done = json_object_get_boolean_member (value, "done");

      if (is_locked && synced_n[i] != (gint64) i)
        {
          held++;
          if (n != (gint64) i)
            fail ("held row %s is visible too early", key);
        }
      else if (n != synced_n[i])
        fail ("record %s has n = %" G_GINT64_FORMAT ", expected %" G_GINT64_FORMAT, key, n, synced_n[i]);
      else if (synced_n[i] != (gint64) i)
        applied++;

      if (done != (i < in_flight))
        fail ("record %s lost its optimistic change", key);
    }

  for (guint i = 0; i < transactions->len; i++)
    if (syncobj_transaction_is_finished (g_ptr_array_index (transactions, i)))
      fail ("transaction %u finished although its persist never answered", i);

  json_object_set_double_member (out, "us_per_row", elapsed * 1000 / m_ops);
  json_object_set_int_member (out, "rows_applied", applied);
  json_object_set_int_member (out, "rows_held", held);
  json_object_set_int_member (out, "locked_keys", g_hash_table_size (locked_set));
  json_object_set_int_member (out, "in_flight", transactions->len);

  /* Let the never-answered jobs go without failing into retries. */
  g_signal_handler_disconnect (bench.collection, bench.handler);
  bench.handler = 0;
  g_clear_object (&bench.collection);
  g_ptr_array_set_size (transactions, 0);
  g_clear_object (&bench.sync);
  backend_clear (&bench.backend);
}

/* ---- live views --------------------------------------------------------------- */

#define LIVE_QUERY \
  "{\"where\": {\"and\": [{\"member\": \"n\", \"op\": \"<\", \"value\": %u}," \
  "                       {\"member\": \"done\", \"op\": \"=\", \"value\": false}]}," \
  " \"order_by\": [\"title\"]}"

/* The view holds exactly the records with n < N/2 and done = false, in
 * title order, and its items-changed told a list widget as much. */
static void
verify_live_view (SyncobjView *view,
                  ListWatch   *watch,
                  guint        expected)
{
  GListModel *model = G_LIST_MODEL (view);
  g_autofree char *previous = NULL;
  guint n = g_list_model_get_n_items (model);

  if (n != expected)
    fail ("the view holds %u records, expected %u", n, expected);
  if (watch->added - watch->removed != (gint64) n)
    fail ("the view's items-changed announced %" G_GINT64_FORMAT " records, it holds %u",
          watch->added - watch->removed, n);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyncobjRecord) record = g_list_model_get_item (model, i);
      const char *title = syncobj_record_get_string (record, "title");

      if (syncobj_record_get_int (record, "n") >= n_records / 2 || syncobj_record_get_boolean (record, "done"))
        fail ("record %s does not belong in the view", syncobj_record_get_key (record));
      if (previous != NULL && strcmp (previous, title) > 0)
        fail ("the view is out of order at %u: %s after %s", i, title, previous);
      g_free (previous);
      previous = g_strdup (title);
    }
}

/* The live_query workload's M server rows, in commits of 100: record i
 * takes the number (i + N/2) mod N, so records leave and enter a filter
 * on n < N/2 and move along a sort on n. Returns how many records then
 * pass that filter. */
static guint
live_query_sync_rows (Bench  *bench,
                      gint64 *n_of,
                      guint   half)
{
  g_autoptr(GError) error = NULL;
  guint expected = 0;

  for (guint b = 0; b < m_ops / 100; b++)
    {
      syncobj_sync_begin (bench->sync);
      for (guint j = 0; j < 100; j++)
        {
          guint i = (guint) ((guint64) (b * 100 + j) * 31 % n_records);
          gint64 n = (i + half) % n_records;
          char row[96];

          g_snprintf (row, sizeof row, "{\"id\":\"k%u\",\"title\":\"moved %" G_GINT64_FORMAT "\",\"done\":false,\"n\":%" G_GINT64_FORMAT "}", i, n, n);
          n_of[i] = n;
          if (!syncobj_sync_write_json (bench->sync, SYNCOBJ_MUTATION_TYPE_UPDATE, row, &error))
            fail ("sync write: %s", error->message);
        }
      if (!syncobj_sync_commit (bench->sync, &error))
        fail ("sync commit: %s", error->message);
    }
  for (guint i = 0; i < n_records; i++)
    expected += n_of[i] < half;
  return expected;
}

/* M optimistic updates issued at once, each toggling "done" of a record
 * (added to @transactions). Returns how many records then pass the
 * filter n < N/2 and not done. */
static guint
live_query_toggle_done (Bench      *bench,
                        gint64     *n_of,
                        gboolean   *done_of,
                        guint       half,
                        GPtrArray  *transactions)
{
  g_autoptr(GError) error = NULL;
  guint expected = 0;

  for (guint i = 0; i < m_ops; i++)
    {
      guint k = (guint) ((guint64) i * 7919 % n_records);
      g_autoptr(JsonObject) changes = json_object_new ();
      g_autofree char *key = key_of (k);
      SyncobjTransaction *transaction;

      done_of[k] = !done_of[k];
      json_object_set_boolean_member (changes, "done", done_of[k]);
      transaction = syncobj_collection_update (bench->collection, key, changes, &error);
      if (transaction == NULL)
        fail ("update %s: %s", key, error->message);
      g_ptr_array_add (transactions, transaction);
    }
  for (guint i = 0; i < n_records; i++)
    expected += n_of[i] < half && !done_of[i];
  return expected;
}

#ifdef HAVE_GTK4
/* The same live view made of GTK's models over the same collection, in
 * the same process: GtkFilterListModel (a GtkCustomFilter) under a
 * GtkSortListModel (a GtkCustomSorter), not incremental, so that each
 * change is done when its items-changed returns. */
static gboolean
gtk_live_filter (gpointer item,
                 gpointer data)
{
  return syncobj_record_get_int (item, "n") < GPOINTER_TO_INT (data) && !syncobj_record_get_boolean (item, "done");
}

static int
gtk_live_sort (gconstpointer a,
               gconstpointer b,
               gpointer      data)
{
  int c = strcmp (syncobj_record_get_string ((SyncobjRecord *) a, "title"),
                  syncobj_record_get_string ((SyncobjRecord *) b, "title"));

  return c < 0 ? GTK_ORDERING_SMALLER : c > 0 ? GTK_ORDERING_LARGER : GTK_ORDERING_EQUAL;
}

static void
run_live_query_gtk (JsonObject *out)
{
  g_autoptr(GString) snapshot = bench_snapshot_text (n_records);
  g_autoptr(GPtrArray) transactions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autoptr(GtkSortListModel) sorted = NULL;
  g_autofree gint64 *n_of = g_new (gint64, n_records);
  g_autofree gboolean *done_of = g_new0 (gboolean, n_records);
  guint half = n_records / 2;
  guint expected = 0;
  Bench bench;
  double t0;

  bench_open (&bench, persist_at_once);
  bench_load (&bench, snapshot, FALSE);
  drain ();
  for (guint i = 0; i < n_records; i++)
    n_of[i] = i;

  t0 = now_ms ();
  {
    GtkCustomFilter *filter = gtk_custom_filter_new (gtk_live_filter, GINT_TO_POINTER (half), NULL);
    GtkFilterListModel *filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (bench.collection)), GTK_FILTER (filter));
    GtkCustomSorter *sorter = gtk_custom_sorter_new (gtk_live_sort, NULL, NULL);

    sorted = gtk_sort_list_model_new (G_LIST_MODEL (filtered), GTK_SORTER (sorter));
  }
  if (g_list_model_get_n_items (G_LIST_MODEL (sorted)) != half)
    fail ("GTK: the view holds %u records, expected %u", g_list_model_get_n_items (G_LIST_MODEL (sorted)), half);
  json_object_set_double_member (out, "gtk_view_build_ms", now_ms () - t0);

  t0 = now_ms ();
  expected = live_query_sync_rows (&bench, n_of, half);
  if (g_list_model_get_n_items (G_LIST_MODEL (sorted)) != expected)
    fail ("GTK: the view holds %u records after the sync, expected %u", g_list_model_get_n_items (G_LIST_MODEL (sorted)), expected);
  json_object_set_double_member (out, "gtk_sync_us_per_row", (now_ms () - t0) * 1000 / m_ops);

  t0 = now_ms ();
  expected = live_query_toggle_done (&bench, n_of, done_of, half, transactions);
  json_object_set_double_member (out, "gtk_optimistic_us_per_op", (now_ms () - t0) * 1000 / m_ops);

  if (g_list_model_get_n_items (G_LIST_MODEL (sorted)) != expected)
    fail ("GTK: the view holds %u records after the updates, expected %u", g_list_model_get_n_items (G_LIST_MODEL (sorted)), expected);

  run_until_finished (transactions, NULL);
  g_clear_object (&sorted);
  bench_close (&bench);
}
#endif

static void
run_live_query (JsonObject *out)
{
  g_autoptr(GString) snapshot = bench_snapshot_text (n_records);
  g_autoptr(GPtrArray) transactions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjView) view = NULL;
  g_autofree char *query = g_strdup_printf (LIVE_QUERY, n_records / 2);
  g_autofree gint64 *n_of = g_new (gint64, n_records);
  g_autofree gboolean *done_of = g_new0 (gboolean, n_records);
  guint half = n_records / 2;
  guint expected = 0;
  ListWatch watch = { 0 };
  Bench bench;
  double t0;

  bench_open (&bench, persist_at_once);
  bench_load (&bench, snapshot, FALSE);
  drain ();
  for (guint i = 0; i < n_records; i++)
    n_of[i] = i;

  /* Build: until the first result holds the N/2 matching records. */
  t0 = now_ms ();
  view = syncobj_collection_view_json (bench.collection, query, &error);
  if (view == NULL)
    fail ("view: %s", error->message);
  if (g_list_model_get_n_items (G_LIST_MODEL (view)) != half)
    fail ("the view holds %u records, expected %u", g_list_model_get_n_items (G_LIST_MODEL (view)), half);
  json_object_set_double_member (out, "view_build_ms", now_ms () - t0);

  watch.added = half;
  g_signal_connect (view, "items-changed", G_CALLBACK (items_changed_cb), &watch);

  /* M server rows in commits of 100: records leave and enter the view and
   * move along its order. */
  t0 = now_ms ();
  expected = live_query_sync_rows (&bench, n_of, half);
  if (g_list_model_get_n_items (G_LIST_MODEL (view)) != expected)
    fail ("the view holds %u records after the sync, expected %u", g_list_model_get_n_items (G_LIST_MODEL (view)), expected);
  json_object_set_double_member (out, "sync_us_per_row", (now_ms () - t0) * 1000 / m_ops);
  verify_live_view (view, &watch, expected);

  /* M optimistic updates issued at once, each toggling done. */
  t0 = now_ms ();
  expected = live_query_toggle_done (&bench, n_of, done_of, half, transactions);
  json_object_set_double_member (out, "optimistic_us_per_op", (now_ms () - t0) * 1000 / m_ops);

  verify_live_view (view, &watch, expected);

  /* Every write persists and its echo arrives; the view stays right. */
  run_until_finished (transactions, NULL);
  check_completed (transactions);
  verify_live_view (view, &watch, expected);
  for (guint i = 0; i < n_records; i++)
    {
      g_autofree char *key = key_of (i);
      JsonObject *value = syncobj_collection_lookup_value (bench.collection, key);

      if (visible_n (&bench, key) != n_of[i] || json_object_get_boolean_member (value, "done") != done_of[i])
        fail ("record %s has a wrong final value", key);
    }
  json_object_set_int_member (out, "verified_records", n_records);
  json_object_set_int_member (out, "view_items", expected);
  json_object_set_int_member (out, "view_signals", (gint64) watch.signals);

  g_signal_handlers_disconnect_by_data (view, &watch);
  g_clear_object (&view);
  bench_close (&bench);
}

/* ---- the durable store ------------------------------------------------------ */

static void
flush_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  if (!syncobj_store_flush_finish (SYNCOBJ_STORE (source), result, &error))
    fail ("store flush: %s", error->message);
  *done = TRUE;
}

/* Waits until everything written to @store so far is committed. */
static void
store_flush (SyncobjStore *store)
{
  gboolean done = FALSE;

  syncobj_store_flush_async (store, NULL, flush_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* The temporary directories of this process, until removed: a workload
 * that fails removes them too (a store of a million transactions takes
 * gigabytes). Children made by fork() leave them to their parent. */
static GPtrArray *temp_dirs;
static pid_t temp_dirs_owner;

/* A new temporary directory, which remove_temp_dir() removes with
 * everything in it. */
static char *
bench_temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("syncobj-bench-XXXXXX", &error);

  if (dir == NULL)
    fail ("temporary directory: %s", error->message);
  if (temp_dirs == NULL)
    {
      temp_dirs = g_ptr_array_new_with_free_func (g_free);
      temp_dirs_owner = getpid ();
    }
  g_ptr_array_add (temp_dirs, g_strdup (dir));
  return dir;
}

/* A file name for a store in a new temporary directory (@dir). */
static char *
bench_temp_store (char **dir)
{
  *dir = bench_temp_dir ();
  return g_build_filename (*dir, "store.db", NULL);
}

static SyncobjStore *
store_open (const char *path)
{
  g_autoptr(GError) error = NULL;
  SyncobjStore *store = syncobj_store_new_for_path (path, &error);

  if (store == NULL)
    fail ("store: %s", error->message);
  if (!syncobj_store_get_persistent (store))
    fail ("store %s is not persistent", path);
  return store;
}

/* Removes @dir, made by bench_temp_dir(), with the files in it: a store,
 * its -wal, -shm and -journal files, whatever else a workload wrote. */
static void
remove_temp_dir (const char *dir)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;
  guint index;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *file = g_build_filename (dir, name, NULL);

      if (g_unlink (file) != 0)
        fprintf (stderr, "syncobj-bench: cannot remove %s: %s\n", file, g_strerror (errno));
    }
  if (g_rmdir (dir) != 0)
    fprintf (stderr, "syncobj-bench: cannot remove %s: %s\n", dir, g_strerror (errno));
  if (temp_dirs != NULL && g_ptr_array_find_with_equal_func (temp_dirs, dir, g_str_equal, &index))
    g_ptr_array_remove_index (temp_dirs, index);
}

static void
remove_temp_dirs (void)
{
  if (temp_dirs == NULL || getpid () != temp_dirs_owner)
    return;
  while (temp_dirs->len > 0)
    {
      g_autofree char *dir = g_strdup (g_ptr_array_index (temp_dirs, temp_dirs->len - 1));

      remove_temp_dir (dir);
    }
}

#ifdef HAVE_SQLITE3
/* The same rows written by raw sqlite3 in this process: one row per
 * transaction (with its mutation as JSON), inserted and then updated to its
 * final state, in WAL mode with synchronous=NORMAL, all in one SQLite
 * transaction: a ceiling for any store on this disk. */
static double
raw_sqlite_tx_per_s (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "raw.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *insert = NULL, *update = NULL;
  double t0, elapsed;

  if (sqlite3_open (path, &db) != SQLITE_OK)
    fail ("sqlite3: %s", sqlite3_errmsg (db));
  if (sqlite3_exec (db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                        "CREATE TABLE transactions (id TEXT PRIMARY KEY NOT NULL, collection_id TEXT NOT NULL,"
                        " state INT64 NOT NULL, created_at INT64 NOT NULL, updated_at INT64 NOT NULL,"
                        " sequence INT64 NOT NULL, attempts TEXT NOT NULL, mutations TEXT NOT NULL)",
                    NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (db, "INSERT INTO transactions VALUES (?, 'b', 1, ?, ?, ?, '[]', ?)", -1, &insert, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (db, "UPDATE transactions SET state = 4, updated_at = ?, attempts = ? WHERE id = ?", -1, &update, NULL) != SQLITE_OK)
    fail ("sqlite3: %s", sqlite3_errmsg (db));

  t0 = now_ms ();
  sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);
  for (guint i = 0; i < m_ops; i++)
    {
      g_autofree char *id = g_uuid_string_random ();
      g_autofree char *mutation = g_strdup_printf ("[{\"key\":\"k%u\",\"type\":\"update\",\"changes\":{\"n\":%u},"
                                                   "\"original\":{\"id\":\"k%u\",\"title\":\"item %u\",\"done\":false,\"n\":%u}}]",
                                                   i, i + 1, i, i, i);
      gint64 now = g_get_real_time ();

      sqlite3_bind_text (insert, 1, id, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (insert, 2, now);
      sqlite3_bind_int64 (insert, 3, now);
      sqlite3_bind_int64 (insert, 4, i);
      sqlite3_bind_text (insert, 5, mutation, -1, SQLITE_STATIC);
      if (sqlite3_step (insert) != SQLITE_DONE)
        fail ("sqlite3: %s", sqlite3_errmsg (db));
      sqlite3_reset (insert);

      sqlite3_bind_int64 (update, 1, now);
      sqlite3_bind_text (update, 2, "[{\"number\":1}]", -1, SQLITE_STATIC);
      sqlite3_bind_text (update, 3, id, -1, SQLITE_STATIC);
      if (sqlite3_step (update) != SQLITE_DONE)
        fail ("sqlite3: %s", sqlite3_errmsg (db));
      sqlite3_reset (update);
    }
  if (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    fail ("sqlite3: %s", sqlite3_errmsg (db));
  elapsed = now_ms () - t0;

  sqlite3_finalize (insert);
  sqlite3_finalize (update);
  sqlite3_close (db);

  return m_ops / (elapsed / 1000.0);
}
#endif

/* M transactions in flight at once through a collection with a store on
 * disk, persisted at once, until all are completed and the store has
 * committed everything. */
static void
run_store_throughput (JsonObject *out)
{
  g_autoptr(GString) snapshot = bench_snapshot_text (n_records);
  g_autofree guint *bumps = g_new0 (guint, n_records);
  g_autoptr(GPtrArray) transactions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *dir = NULL;
  g_autofree char *path = bench_temp_store (&dir);
  g_autoptr(SyncobjStore) store = NULL;
  Bench bench;
  double t0, elapsed;

  store = store_open (path);

  bench_open_with_store (&bench, persist_at_once, store);
  bench_load (&bench, snapshot, FALSE);
  drain ();

  t0 = now_ms ();
  for (guint i = 0; i < m_ops; i++)
    {
      guint index = (guint) ((guint64) i * 7919 % n_records);

      g_ptr_array_add (transactions, bump (&bench, index));
      bumps[index]++;
    }
  run_until_finished (transactions, NULL);
  store_flush (store);
  elapsed = now_ms () - t0;

  check_completed (transactions);

  json_object_set_string_member (out, "store", "sqlite");
  json_object_set_double_member (out, "tx_per_s", m_ops / (elapsed / 1000.0));
#ifdef HAVE_SQLITE3
  json_object_set_double_member (out, "raw_sqlite_tx_per_s", raw_sqlite_tx_per_s (dir));
#endif
  json_object_set_int_member (out, "verified_records", verify_counts (&bench, bumps));

  bench_close (&bench);
  g_clear_object (&store);
  remove_temp_dir (dir);
}

/* ---- main_loop_stall: what the store costs the main thread ------------------ */

/* The time between a poll returning and the next poll is one main-loop
 * iteration's work: what a GTK application would not be drawing in. Both
 * the wall-clock time and the main thread's CPU time are kept: on a
 * shared machine the wall clock also counts the time the thread was not
 * scheduled, which is not the library's doing. */
typedef struct
{
  gint64   returned;      /* when the last poll returned; 0: not yet */
  gint64   returned_cpu;
  GArray  *busy_us;       /* gint64 per iteration, wall clock */
  GArray  *busy_cpu_us;   /* gint64 per iteration, CPU time of the thread */
  long     nvcsw, nivcsw; /* context switches, for STALL_DEBUG */
} StallWatch;

static StallWatch *stall_watch;

static gint
stall_poll (GPollFD *fds,
            guint    n_fds,
            gint     timeout)
{
  gint result;

  if (stall_watch != NULL && stall_watch->returned != 0)
    {
      gint64 busy = g_get_monotonic_time () - stall_watch->returned;
      gint64 busy_cpu = syncobj_test_thread_cpu_us () - stall_watch->returned_cpu;

      g_array_append_val (stall_watch->busy_us, busy);
      g_array_append_val (stall_watch->busy_cpu_us, busy_cpu);
      if (g_getenv ("STALL_DEBUG") != NULL && (busy > 1000 || busy_cpu > 500))
        {
          struct rusage ru;
          getrusage (RUSAGE_THREAD, &ru);
          /* From the monotonic clock, as `perf record -k CLOCK_MONOTONIC`. */
          fprintf (stderr, "iteration %u: %.3f ms, %.3f ms of CPU; switches %ld voluntary %ld involuntary; from %.6f s\n",
                   stall_watch->busy_us->len, busy / 1000.0, busy_cpu / 1000.0,
                   ru.ru_nvcsw - stall_watch->nvcsw, ru.ru_nivcsw - stall_watch->nivcsw,
                   stall_watch->returned / (double) G_USEC_PER_SEC);
        }
    }
  result = g_poll (fds, n_fds, timeout);
  if (stall_watch != NULL)
    {
      stall_watch->returned = g_get_monotonic_time ();
      stall_watch->returned_cpu = syncobj_test_thread_cpu_us ();
      if (g_getenv ("STALL_DEBUG") != NULL)
        {
          struct rusage ru;
          getrusage (RUSAGE_THREAD, &ru);
          stall_watch->nvcsw = ru.ru_nvcsw;
          stall_watch->nivcsw = ru.ru_nivcsw;
        }
    }
  return result;
}

typedef struct
{
  Bench     *bench;
  GPtrArray *transactions;
  guint     *bumps;
  gint64     start;
  guint      issued;
} Pacer;

/* Issues updates at 1000 per second of real time, catching up after a
 * late tick, until M are out. */
static gboolean
pace_cb (gpointer data)
{
  Pacer *pacer = data;
  guint due = (guint) MIN ((g_get_monotonic_time () - pacer->start) / 1000 + 1, (gint64) m_ops);

  for (; pacer->issued < due; pacer->issued++)
    {
      guint index = (guint) ((guint64) pacer->issued * 7919 % n_records);

      g_ptr_array_add (pacer->transactions, bump (pacer->bench, index));
      pacer->bumps[index]++;
    }
  return pacer->issued < m_ops ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* M updates at 1000 per second through @store (NULL: in memory); sets
 * PREFIX_max_stall_ms (wall clock), PREFIX_max_stall_cpu_ms (the main
 * thread's CPU time in that iteration) and PREFIX_p99_iteration_ms. */
static void
measure_stall (JsonObject   *out,
               const char   *prefix,
               SyncobjStore *store)
{
  g_autoptr(GString) snapshot = bench_snapshot_text (n_records);
  g_autofree guint *bumps = g_new0 (guint, n_records);
  g_autoptr(GPtrArray) transactions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GArray) busy_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) busy_cpu_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *max_key = g_strconcat (prefix, "max_stall_ms", NULL);
  g_autofree char *max_cpu_key = g_strconcat (prefix, "max_stall_cpu_ms", NULL);
  g_autofree char *p99_key = g_strconcat (prefix, "p99_iteration_ms", NULL);
  StallWatch watch = { 0, 0, busy_us, busy_cpu_us, 0, 0 };
  Pacer pacer;
  Bench bench;
  gint64 max = 0, max_cpu = 0;

  bench_open_with_store (&bench, persist_at_once, store);
  bench_load (&bench, snapshot, FALSE);
  drain ();

  pacer = (Pacer) { &bench, transactions, bumps, g_get_monotonic_time (), 0 };
  stall_watch = &watch;
  g_timeout_add (1, pace_cb, &pacer);
  run_until_finished (transactions, &pacer.issued);
  if (store != NULL)
    store_flush (store);
  stall_watch = NULL;

  check_completed (transactions);
  verify_counts (&bench, bumps);

  g_array_sort (busy_us, compare_gint64);
  g_array_sort (busy_cpu_us, compare_gint64);
  if (busy_us->len > 0)
    {
      max = g_array_index (busy_us, gint64, busy_us->len - 1);
      max_cpu = g_array_index (busy_cpu_us, gint64, busy_cpu_us->len - 1);
    }
  json_object_set_double_member (out, max_key, max / 1000.0);
  json_object_set_double_member (out, max_cpu_key, max_cpu / 1000.0);
  json_object_set_double_member (out, p99_key,
                                 busy_us->len > 0 ? g_array_index (busy_us, gint64, busy_us->len * 99 / 100) / 1000.0 : 0);
  bench_close (&bench);
}

/* M inserts committed at once through @store, then a flush: the longest
 * main-loop iteration from then until the flush is done (the commits'
 * own iteration is the application's), as burst_flush_max_stall_cpu_ms. */
static void
measure_burst_flush (JsonObject   *out,
                     SyncobjStore *store)
{
  g_autoptr(GPtrArray) transactions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GArray) busy_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) busy_cpu_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  StallWatch watch = { 0, 0, busy_us, busy_cpu_us, 0, 0 };
  g_autoptr(GError) error = NULL;
  gint64 max_cpu = 0;
  Bench bench;

  bench_open_with_store (&bench, persist_never, store);
  for (guint i = 0; i < m_ops; i++)
    {
      g_autoptr(JsonObject) record = record_new (n_records + i, i);
      SyncobjTransaction *transaction = syncobj_collection_insert (bench.collection, record, &error);

      if (transaction == NULL)
        fail ("insert: %s", error->message);
      g_ptr_array_add (transactions, transaction);
    }
  stall_watch = &watch;
  store_flush (store);
  stall_poll (NULL, 0, 0);
  stall_watch = NULL;

  for (guint i = 0; i < busy_cpu_us->len; i++)
    max_cpu = MAX (max_cpu, g_array_index (busy_cpu_us, gint64, i));
  json_object_set_double_member (out, "burst_flush_max_stall_cpu_ms", max_cpu / 1000.0);
  bench_close (&bench);
}

/* The target: no main-thread stall over 2 ms caused by the store at 1000
 * tx/s. The longest main-loop iteration with the SQLite store, against the
 * same run in memory in the same process (the baseline: what is not the
 * store's). STALL_DEBUG=1 prints every iteration over 1 ms (or 0.5 ms of
 * CPU) with the main thread's context switches in it: involuntary ones
 * are the machine's, voluntary ones a wait. */
static void
run_main_loop_stall (JsonObject *out)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = bench_temp_store (&dir);
  g_autoptr(SyncobjStore) store = NULL;

  store = store_open (path);

  g_main_context_set_poll_func (NULL, stall_poll);
  measure_stall (out, "memory_", NULL);
  measure_stall (out, "", store);
  measure_burst_flush (out, store);
  g_main_context_set_poll_func (NULL, NULL);

  json_object_set_string_member (out, "store", "sqlite");
  json_object_set_double_member (out, "tx_per_s", 1000);
  json_object_set_int_member (out, "verified_records", n_records);
  g_clear_object (&store);
  remove_temp_dir (dir);
}

/* burst_flush alone: M inserts at once through a new store, then a flush
 * (main_loop_stall also paces M updates at 1000 a second, which takes
 * M / 500 seconds). */
static void
run_burst_flush (JsonObject *out)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = bench_temp_store (&dir);
  g_autoptr(SyncobjStore) store = NULL;

  store = store_open (path);

  g_main_context_set_poll_func (NULL, stall_poll);
  measure_burst_flush (out, store);
  g_main_context_set_poll_func (NULL, NULL);

  json_object_set_string_member (out, "store", "sqlite");
  json_object_set_int_member (out, "verified_records", m_ops);
  g_clear_object (&store);
  remove_temp_dir (dir);
}

/* ---- http_snapshot: a snapshot from the demo server ----------------------- */

/* The demo server next to this program (tests/syncobj-demo-server), or
 * $SYNCOBJ_DEMO_SERVER, holding N records; returns its port. */
static GSubprocess *
demo_server_start (const char *dir,
                   guint      *port)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *bench_dir = self != NULL ? g_path_get_dirname (self) : g_strdup (".");
  g_autofree char *fallback = g_build_filename (bench_dir, "..", "syncobj-demo-server", NULL);
  const char *path = g_getenv ("SYNCOBJ_DEMO_SERVER") != NULL ? g_getenv ("SYNCOBJ_DEMO_SERVER") : fallback;
  g_autofree char *db = g_build_filename (dir, "demo.db", NULL);
  g_autofree char *db_arg = g_strdup_printf ("--db=%s", db);
  g_autofree char *records_arg = g_strdup_printf ("--records=%u", n_records);
  g_autoptr(GDataInputStream) output = NULL;
  g_autofree char *line = NULL;
  GSubprocess *server;

  server = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, path, "--port=0", db_arg, records_arg, NULL);
  if (server == NULL)
    fail ("cannot start the demo server %s: %s", path, error->message);
  output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  line = g_data_input_stream_read_line_utf8 (output, NULL, NULL, &error);
  if (line == NULL || !g_str_has_prefix (line, "PORT "))
    fail ("the demo server did not start: %s", error != NULL ? error->message : line);
  *port = (guint) g_ascii_strtoull (line + 5, NULL, 10);
  return server;
}

static void
ready_cb (GObject    *object,
          GParamSpec *pspec,
          double     *ready_at)
{
  if (syncobj_collection_get_ready (SYNCOBJ_COLLECTION (object)) && *ready_at == 0)
    *ready_at = now_ms ();
}

/* N records from the demo server at @uri through SyncobjHttpSync into a
 * collection with @store (NULL: in memory) until it is ready and, with a
 * store, until the cache is on disk; the longest main-loop iteration
 * meanwhile, in wall-clock and CPU time (ms), the longest from the
 * iteration where every record shows on (CPU time, ms: with a store, the
 * cache being written), and the heap in use once loaded. Returns the time
 * until ready (ms). */
static double
http_snapshot_load (const char   *uri,
                    SyncobjStore *store,
                    double       *max_ms,
                    double       *max_cpu_ms,
                    double       *tail_cpu_ms,
                    gsize        *heap_loaded)
{
  g_autoptr(GArray) busy_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) busy_cpu_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  StallWatch watch = { 0, 0, busy_us, busy_cpu_us, 0, 0 };
  g_autoptr(SyncobjHttpSync) sync = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  double start, ready_at = 0;
  gint64 max = 0, max_cpu = 0, tail_cpu = 0;
  guint visible_at = G_MAXUINT;

  g_main_context_set_poll_func (NULL, stall_poll);
  stall_watch = &watch;
  start = now_ms ();
  sync = syncobj_http_sync_new ("http_snapshot", uri, NULL);
  syncobj_http_sync_set_poll_interval (sync, 0);
  collection = store != NULL
    ? syncobj_collection_new_with_store ("http_snapshot", SYNCOBJ_SYNC (sync), NULL, store)
    : syncobj_collection_new ("http_snapshot", SYNCOBJ_SYNC (sync), NULL);
  g_signal_connect (collection, "notify::ready", G_CALLBACK (ready_cb), &ready_at);
  while (ready_at == 0 && now_ms () - start < 600000)
    {
      g_main_context_iteration (NULL, TRUE);
      /* Every record shows: the iteration just run (timed at the next
       * poll) and those after it write the cache. */
      if (visible_at == G_MAXUINT && syncobj_collection_get_size (collection) == n_records)
        visible_at = busy_us->len;
    }
  if (store != NULL && ready_at != 0)
    store_flush (store);
  /* The iteration that made the collection ready (it applied the
   * snapshot), or that ended the flush, counts too: it ends here, not at
   * a next poll. */
  stall_poll (NULL, 0, 0);
  stall_watch = NULL;
  g_main_context_set_poll_func (NULL, NULL);
  if (ready_at == 0)
    fail ("http_snapshot: not ready after 10 minutes");
  if (syncobj_collection_get_size (collection) != n_records)
    fail ("http_snapshot: %u records, not %u", syncobj_collection_get_size (collection), n_records);
  *heap_loaded = bench_heap_in_use ();

  for (guint i = 0; i < busy_us->len; i++)
    {
      max = MAX (max, g_array_index (busy_us, gint64, i));
      max_cpu = MAX (max_cpu, g_array_index (busy_cpu_us, gint64, i));
      if (i >= visible_at)
        tail_cpu = MAX (tail_cpu, g_array_index (busy_cpu_us, gint64, i));
    }
  *max_ms = max / 1000.0;
  *max_cpu_ms = max_cpu / 1000.0;
  *tail_cpu_ms = tail_cpu / 1000.0;
  return ready_at - start;
}

/* N records from the demo server on 127.0.0.1 through SyncobjHttpSync: time
 * until ready, heap growth per record once loaded, and the longest
 * main-loop iteration meanwhile (the target is 16 ms, a frame); then the
 * same into a collection with a store, until the snapshot is in the
 * store's cache too (cache_max_stall_ms, cache_max_stall_cpu_ms, and
 * cache_write_max_stall_cpu_ms from the iteration where every record
 * shows until the cache is on disk: the target is 2 ms). */
static void
run_http_snapshot (JsonObject *out)
{
  g_autofree char *dir = bench_temp_dir ();
  g_autofree char *store_path = NULL;
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(SyncobjStore) store = NULL;
  g_autofree char *uri = NULL;
  double elapsed, max, max_cpu, tail_cpu;
  gsize before, after;
  guint port = 0;

  server = demo_server_start (dir, &port);
  uri = g_strdup_printf ("http://127.0.0.1:%u/items", port);

  malloc_trim (0);
  before = bench_heap_in_use ();
  elapsed = http_snapshot_load (uri, NULL, &max, &max_cpu, &tail_cpu, &after);
  json_object_set_double_member (out, "http_snapshot_ms", elapsed);
  json_object_set_double_member (out, "bytes_per_record", ((double) after - (double) before) / n_records);
  json_object_set_string_member (out, "bytes_measured", "allocator delta (mallinfo2 uordblks+hblkhd)");
  json_object_set_double_member (out, "max_stall_ms", max);
  json_object_set_double_member (out, "max_stall_cpu_ms", max_cpu);

  store_path = g_build_filename (dir, "store.db", NULL);
  store = store_open (store_path);
  elapsed = http_snapshot_load (uri, store, &max, &max_cpu, &tail_cpu, &after);
  json_object_set_double_member (out, "cache_http_snapshot_ms", elapsed);
  json_object_set_double_member (out, "cache_max_stall_ms", max);
  json_object_set_double_member (out, "cache_max_stall_cpu_ms", max_cpu);
  json_object_set_double_member (out, "cache_write_max_stall_cpu_ms", tail_cpu);
  json_object_set_int_member (out, "verified_records", n_records);
  g_clear_object (&store);

  g_subprocess_force_exit (server);
  g_subprocess_wait (server, NULL, NULL);
  remove_temp_dir (dir);
}

/* Inserts committed between two turns of the main loop while the store is
 * prepared through the library: the store's writer thread writes one batch
 * while the next is made, and the queue of rows to write stays short. */
#define PREPARE_BATCH 10000

/* M inserts whose persist never answers, committed to the store through a
 * collection. The writer thread takes about 100 µs per insert (its row,
 * then its first attempt, each a statement through libgda): minutes for a
 * million. */
static void
recovery_prepare_through_library (const char *path)
{
  g_autoptr(SyncobjStore) store = store_open (path);
  g_autoptr(GError) error = NULL;
  Bench bench;

  bench_open_with_store (&bench, persist_never, store);
  for (guint i = 0; i < m_ops; i++)
    {
      g_autoptr(JsonObject) record = record_new (i, i);
      g_autoptr(SyncobjTransaction) transaction = syncobj_collection_insert (bench.collection, record, &error);

      if (transaction == NULL)
        fail ("insert: %s", error->message);
      if ((i + 1) % PREPARE_BATCH == 0)
        drain ();
    }
  drain ();
  store_flush (store);
}

#ifdef HAVE_SQLITE3
static void
sqlite_exec (sqlite3    *db,
             const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    fail ("sqlite3: %s: %s", sql, message);
}

/* The rows recovery_prepare_through_library() leaves (the first insert
 * persisting, its first attempt started; each of the others pending,
 * queued behind the one before, as the collection persists one
 * transaction at a time), written with sqlite3 in one
 * SQLite transaction, in the oldest format of the store (version 1),
 * which every later version opens and migrates; then opened once through
 * the library, which migrates it. Seconds for a million. */
static void
recovery_prepare_with_sqlite (const char *path)
{
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(GString) attempts = g_string_new (NULL);
  g_autoptr(GString) mutations = g_string_new (NULL);
  gint64 now = g_get_real_time ();
  sqlite3 *db = NULL;
  sqlite3_stmt *insert = NULL;

  if (sqlite3_open (path, &db) != SQLITE_OK)
    fail ("sqlite3: %s", sqlite3_errmsg (db));
  sqlite_exec (db,
               SYNCOBJ_TEST_SCHEMA_V1
               "BEGIN");
  /* State 2 (persisting) with its first attempt, or 1 (pending). */
  if (sqlite3_prepare_v2 (db, "INSERT INTO transactions VALUES (?1, 'b', ?6, ?2, ?2, ?3, ?7, ?8, '', '', ?4, ?5)",
                          -1, &insert, NULL) != SQLITE_OK)
    fail ("sqlite3: %s", sqlite3_errmsg (db));

  for (guint i = 0; i < m_ops; i++)
    {
      char id[37], previous[37];

      /* Ids of the form of a UUID, unique to the row, the attempt and the
       * mutation. */
      g_snprintf (id, sizeof id, "%08x-0000-4000-8000-%012x", i, i);
      g_snprintf (previous, sizeof previous, "%08x-0000-4000-8000-%012x", i - 1, i - 1);
      if (i == 0)
        g_string_printf (attempts, "[{\"id\":\"%08x-0000-4000-8001-%012x\",\"number\":1,"
                         "\"started_at\":%" G_GINT64_FORMAT ",\"completed_at\":0,\"retry_scheduled_for\":0}]",
                         i, i, now);
      else
        g_string_assign (attempts, "[]");
      g_string_printf (mutations, "[{\"id\":\"%08x-0000-4000-8002-%012x\",\"collection\":\"b\",\"key\":\"k%u\","
                       "\"type\":\"insert\",\"changes\":{\"id\":\"k%u\",\"title\":\"item %u\",\"done\":false,\"n\":%u},"
                       "\"created_at\":%" G_GINT64_FORMAT ",\"updated_at\":%" G_GINT64_FORMAT "}]",
                       i, i, i, i, i, i, now, now);
      sqlite3_bind_text (insert, 1, id, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (insert, 2, now);
      sqlite3_bind_int64 (insert, 3, (gint64) i + 1);
      sqlite3_bind_text (insert, 4, attempts->str, (int) attempts->len, SQLITE_STATIC);
      sqlite3_bind_text (insert, 5, mutations->str, (int) mutations->len, SQLITE_STATIC);
      sqlite3_bind_int (insert, 6, i == 0 ? 2 : 1);
      sqlite3_bind_int (insert, 7, i == 0 ? 1 : 0);
      sqlite3_bind_text (insert, 8, i == 0 ? "" : previous, -1, SQLITE_STATIC);
      if (sqlite3_step (insert) != SQLITE_DONE)
        fail ("sqlite3: %s", sqlite3_errmsg (db));
      sqlite3_reset (insert);
    }
  sqlite3_finalize (insert);
  sqlite_exec (db, "COMMIT");
  if (sqlite3_close (db) != SQLITE_OK)
    fail ("sqlite3: cannot close %s", path);

  store = store_open (path);
}
#endif

/* The child: M unfinished transactions in the store, then the process ends
 * as if killed. Written with sqlite3 when the benchmark has it, unless
 * RECOVERY_PREPARE=library. */
static G_GNUC_NORETURN void
recovery_prepare (const char *path)
{
#ifdef HAVE_SQLITE3
  if (g_strcmp0 (g_getenv ("RECOVERY_PREPARE"), "library") != 0)
    recovery_prepare_with_sqlite (path);
  else
#endif
    recovery_prepare_through_library (path);
  fflush (NULL);
  _exit (0);
}

static void
recovery_opened_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  SyncobjCollection **collection = user_data;
  g_autoptr(GError) error = NULL;

  *collection = syncobj_collection_new_with_store_finish (result, &error);
  if (*collection == NULL)
    fail ("asynchronous start: %s", error->message);
}

/* The child: the same restart through
 * syncobj_collection_new_with_store_async(), until every transaction is
 * back and the first one persists; writes the longest main-loop iteration
 * meanwhile (CPU time of the main thread, in ms) to @fd. */
static G_GNUC_NORETURN void
recovery_async (const char *path,
                int         fd)
{
  g_autoptr(GArray) busy_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) busy_cpu_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  StallWatch watch = { 0, 0, busy_us, busy_cpu_us, 0, 0 };
  Backend backend = { NULL, g_ptr_array_new_with_free_func (g_object_unref), NULL, 0 };
  SyncobjCollection *collection = NULL;
  SyncobjStore *store = store_open (path);
  SyncobjMutator *mutator = syncobj_func_mutator_new (persist_never, &backend, NULL);
  double max_cpu_ms = 0;

  g_main_context_set_poll_func (NULL, stall_poll);
  stall_watch = &watch;
  syncobj_collection_new_with_store_async ("b", NULL, mutator, store, NULL, recovery_opened_cb, &collection);
  while (collection == NULL || backend.held->len == 0)
    g_main_context_iteration (NULL, TRUE);
  stall_poll (NULL, 0, 0);
  stall_watch = NULL;

  if (syncobj_collection_get_n_pending (collection) != m_ops)
    fail ("%u transactions restored asynchronously, expected %u", syncobj_collection_get_n_pending (collection), m_ops);
  for (guint i = 0; i < busy_cpu_us->len; i++)
    max_cpu_ms = MAX (max_cpu_ms, g_array_index (busy_cpu_us, gint64, i) / 1000.0);
  if (write (fd, &max_cpu_ms, sizeof max_cpu_ms) != sizeof max_cpu_ms)
    fail ("cannot report the asynchronous start");
  fflush (NULL);
  _exit (0);
}

/* The longest main-loop iteration of recovery_async(), in another
 * process: the transactions it restores stay in its registry. */
static double
recovery_async_max_stall_cpu_ms (const char *path)
{
  double max_cpu_ms = -1;
  int fds[2];
  pid_t pid;
  int status;

  if (pipe (fds) != 0)
    fail ("pipe failed");
  fflush (NULL);
  pid = fork ();
  if (pid < 0)
    fail ("fork failed");
  if (pid == 0)
    {
      close (fds[0]);
      recovery_async (path, fds[1]);
    }
  close (fds[1]);
  if (read (fds[0], &max_cpu_ms, sizeof max_cpu_ms) != sizeof max_cpu_ms)
    fail ("the asynchronous start did not report");
  close (fds[0]);
  waitpid (pid, &status, 0);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    fail ("the asynchronous start failed");
  return max_cpu_ms;
}

static void
run_recovery (JsonObject *out)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = bench_temp_store (&dir);
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjSync) sync = NULL;
  g_autoptr(SyncobjMutator) mutator = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  Backend backend = { NULL, g_ptr_array_new_with_free_func (g_object_unref), NULL, 0 };
  double t0, elapsed, async_stall_cpu_ms, prepare_ms;
  pid_t pid;
  int status;

  /* The first run, in a child process that ends with M transactions
   * unfinished. */
  t0 = now_ms ();
  fflush (NULL);
  pid = fork ();
  if (pid < 0)
    fail ("fork failed");
  if (pid == 0)
    recovery_prepare (path);
  waitpid (pid, &status, 0);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    fail ("preparing the store failed");
  prepare_ms = now_ms () - t0;

  /* The same restart without blocking the main loop, in a process of its
   * own, before this one opens the file. */
  async_stall_cpu_ms = recovery_async_max_stall_cpu_ms (path);

  /* The restart: open the store and the collection until every
   * transaction is visible again. */
  t0 = now_ms ();
  store = store_open (path);
  sync = syncobj_sync_new ("b");
  backend.sync = sync;
  mutator = syncobj_func_mutator_new (persist_never, &backend, NULL);
  collection = syncobj_collection_new_with_store ("b", sync, mutator, store);
  elapsed = now_ms () - t0;

  if (syncobj_collection_get_size (collection) != m_ops)
    fail ("%u records visible after the restart, expected %u", syncobj_collection_get_size (collection), m_ops);
  for (guint i = 0; i < m_ops; i++)
    {
      g_autofree char *key = key_of (i);
      JsonObject *value = syncobj_collection_lookup_value (collection, key);

      if (value == NULL || json_object_get_int_member (value, "n") != i)
        fail ("record %s was not restored", key);
    }
  {
    g_autoptr(GListModel) active = syncobj_collection_get_transactions (collection);

    if (g_list_model_get_n_items (active) != m_ops)
      fail ("%u transactions restored, expected %u", g_list_model_get_n_items (active), m_ops);
  }

  json_object_set_string_member (out, "store", "sqlite");
  json_object_set_double_member (out, "recovery_ms", elapsed);
  json_object_set_double_member (out, "async_max_stall_cpu_ms", async_stall_cpu_ms);
  json_object_set_double_member (out, "prepare_ms", prepare_ms);
  json_object_set_int_member (out, "verified_records", m_ops);

  g_clear_object (&collection);
  g_clear_object (&store);
  backend_clear (&backend);
  remove_temp_dir (dir);
}

/* ---- cold_start: the cached synced state at start ---------------------------- */

/* The memory a process holds: the allocator's bytes in use and its
 * resident set. */
typedef struct
{
  double heap;
  double rss;
} Footprint;

static Footprint
footprint (void)
{
  g_autofree char *statm = NULL;
  Footprint now = { bench_heap_in_use (), 0 };
  unsigned long pages, resident;

  if (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL) &&
      sscanf (statm, "%lu %lu", &pages, &resident) == 2)
    now.rss = (double) resident * sysconf (_SC_PAGESIZE);
  return now;
}

/* What the process holds more than at @before, after giving back what
 * the allocator can. */
static Footprint
footprint_growth (Footprint before)
{
  Footprint now;

  malloc_trim (0);
  now = footprint ();
  now.heap -= before.heap;
  now.rss -= before.rss;
  return now;
}

/* The child: N records synced (one snapshot) and cached, nothing pending.
 * It writes the growth of its footprint from opening the store to the
 * synced, cached collection (the initial sync that the cold start
 * replaces) to @fd. */
static G_GNUC_NORETURN void
cold_start_prepare (const char *path,
                    int         fd)
{
  g_autoptr(GString) snapshot = bench_snapshot_text (n_records);
  g_autoptr(SyncobjStore) store = NULL;
  Footprint before, growth;
  Bench bench;

  malloc_trim (0);
  before = footprint ();
  store = store_open (path);
  bench_open_with_store (&bench, persist_never, store);
  bench_load (&bench, snapshot, FALSE);
  drain ();
  store_flush (store);
  growth = footprint_growth (before);
  if (write (fd, &growth, sizeof growth) != sizeof growth)
    _exit (1);
  fflush (NULL);
  _exit (0);
}

#ifdef HAVE_SQLITE3
/* The same rows read by raw sqlite3 from the same file in this process,
 * each key and text copied out: a floor for any cache on this disk. The
 * cache's table is keyed by (collection_id, generation, position), so
 * the natural read in position order is a scan of its primary key. */
static double
raw_sqlite_read_ms (const char *path,
                    guint      *n_read)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *select = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_free);
  double t0 = now_ms (), elapsed;

  if (sqlite3_open (path, &db) != SQLITE_OK ||
      sqlite3_prepare_v2 (db, "SELECT key, value FROM cache WHERE collection_id = 'b' AND generation = "
                              "(SELECT generation FROM cache_state WHERE collection_id = 'b') ORDER BY position",
                          -1, &select, NULL) != SQLITE_OK)
    fail ("sqlite3: %s", sqlite3_errmsg (db));
  while (sqlite3_step (select) == SQLITE_ROW)
    {
      g_ptr_array_add (rows, g_strdup ((const char *) sqlite3_column_text (select, 0)));
      g_ptr_array_add (rows, g_strdup ((const char *) sqlite3_column_text (select, 1)));
    }
  sqlite3_finalize (select);
  sqlite3_close (db);
  elapsed = now_ms () - t0;

  *n_read = rows->len / 2;
  return elapsed;
}
#endif

static void
run_cold_start (JsonObject *out)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = bench_temp_store (&dir);
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjSync) sync = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  double t0, open_ms, elapsed, check_ms;
  Footprint before, synced, cold;
  int fds[2];
  pid_t pid;
  int status;


  if (pipe (fds) != 0)
    fail ("pipe failed");
  fflush (NULL);
  pid = fork ();
  if (pid < 0)
    fail ("fork failed");
  if (pid == 0)
    cold_start_prepare (path, fds[1]);
  close (fds[1]);
  if (read (fds[0], &synced, sizeof synced) != sizeof synced)
    fail ("preparing the store failed");
  close (fds[0]);
  waitpid (pid, &status, 0);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    fail ("preparing the store failed");

  /* The restart, with no server: a sync that never answers. */
  malloc_trim (0);
  before = footprint ();
  t0 = now_ms ();
  store = store_open (path);
  open_ms = now_ms () - t0;
  t0 = now_ms ();
  sync = syncobj_sync_new ("b");
  collection = syncobj_collection_new_with_store ("b", sync, NULL, store);
  elapsed = now_ms () - t0;
  cold = footprint_growth (before);

  if (g_list_model_get_n_items (G_LIST_MODEL (collection)) != n_records)
    fail ("%u records visible after the restart, expected %u",
          g_list_model_get_n_items (G_LIST_MODEL (collection)), n_records);
  if (syncobj_collection_get_status (collection) != SYNCOBJ_COLLECTION_STATUS_CACHED)
    fail ("the collection does not show its cache");
  for (guint i = 0; i < n_records; i += MAX (1, n_records / 1000))
    {
      g_autofree char *key = key_of (i);
      JsonObject *value = syncobj_collection_lookup_value (collection, key);

      if (value == NULL || json_object_get_int_member (value, "n") != i)
        fail ("record %s was not restored", key);
    }

  /* The integrity check that the open leaves for after the start runs
   * on the store's thread now: waited for, so that it does not share the
   * machine with the raw read below. */
  t0 = now_ms ();
  store_flush (store);
  check_ms = now_ms () - t0;

  json_object_set_string_member (out, "store", "sqlite");
  json_object_set_double_member (out, "cold_start_ms", elapsed);
  json_object_set_double_member (out, "store_open_ms", open_ms);
  json_object_set_double_member (out, "open_and_start_ms", open_ms + elapsed);
  json_object_set_double_member (out, "check_after_start_ms", check_ms);
  /* The same store and records after the initial sync that wrote them,
   * in the child: memory after a cold start against memory after an
   * initial sync. */
  json_object_set_double_member (out, "heap_after_bytes", cold.heap);
  json_object_set_double_member (out, "rss_after_bytes", cold.rss);
  json_object_set_double_member (out, "initial_sync_heap_after_bytes", synced.heap);
  json_object_set_double_member (out, "initial_sync_rss_after_bytes", synced.rss);
  json_object_set_double_member (out, "heap_ratio_to_initial_sync", cold.heap / synced.heap);
  json_object_set_string_member (out, "bytes_measured",
                                 "growth from opening the store: allocator (mallinfo2 uordblks+hblkhd) "
                                 "and resident set (/proc/self/statm), after malloc_trim");
#ifdef HAVE_SQLITE3
  {
    guint n_read = 0;

    json_object_set_double_member (out, "raw_sqlite_read_ms", raw_sqlite_read_ms (path, &n_read));
    if (n_read != n_records)
      fail ("raw sqlite3 read %u rows, expected %u", n_read, n_records);
  }
#endif
  json_object_set_int_member (out, "verified_records", n_records);

  g_clear_object (&collection);
  g_clear_object (&store);
  remove_temp_dir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(JsonObject) out = json_object_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *line = NULL;
  const char *workload;

  if (argc < 2)
    {
      fprintf (stderr, "usage: %s WORKLOAD [N] [M]\n"
                       "workloads: initial_sync memory update_latency burst sync_churn live_query store_throughput recovery main_loop_stall burst_flush http_snapshot cold_start\n", argv[0]);
      return 2;
    }
  workload = argv[1];
  if (argc > 2)
    n_records = (guint) g_ascii_strtoull (argv[2], NULL, 10);
  if (argc > 3)
    m_ops = (guint) g_ascii_strtoull (argv[3], NULL, 10);
  if (n_records == 0)
    fail ("N must be at least 1");

  json_object_set_string_member (out, "impl", "libsyncobj");
  json_object_set_string_member (out, "workload", workload);
  json_object_set_int_member (out, "n", n_records);
  json_object_set_int_member (out, "m", m_ops);
  json_object_set_string_member (out, "store", "memory");

  if (g_str_equal (workload, "initial_sync"))
    run_initial_sync (out);
  else if (g_str_equal (workload, "memory"))
    run_memory (out);
  else if (g_str_equal (workload, "update_latency"))
    {
      if (m_ops == 0 || m_ops > n_records)
        fail ("update_latency needs 1 ≤ M ≤ N");
      run_update_latency (out);
    }
  else if (g_str_equal (workload, "long_run"))
    {
      if (m_ops == 0)
        fail ("long_run needs M ≥ 1");
      run_long_run (out);
    }
  else if (g_str_equal (workload, "burst"))
    {
      if (m_ops == 0 || m_ops > n_records)
        fail ("burst needs 1 ≤ M ≤ N");
      run_burst (out);
    }
  else if (g_str_equal (workload, "store_throughput"))
    {
      if (m_ops == 0 || m_ops > n_records)
        fail ("store_throughput needs 1 ≤ M ≤ N");
      run_store_throughput (out);
    }
  else if (g_str_equal (workload, "recovery"))
    {
      if (m_ops == 0)
        fail ("recovery needs M ≥ 1");
      run_recovery (out);
    }
  else if (g_str_equal (workload, "burst_flush"))
    {
      if (m_ops < 1)
        fail ("burst_flush needs M ≥ 1");
      run_burst_flush (out);
    }
  else if (g_str_equal (workload, "main_loop_stall"))
    {
      if (m_ops == 0 || m_ops > n_records)
        fail ("main_loop_stall needs 1 ≤ M ≤ N");
      run_main_loop_stall (out);
    }
  else if (g_str_equal (workload, "http_snapshot"))
    run_http_snapshot (out);
  else if (g_str_equal (workload, "live_query"))
    {
      if (m_ops < 100 || m_ops % 100 != 0 || m_ops > n_records || n_records < 2)
        fail ("live_query needs M as a multiple of 100, M ≤ N");
      run_live_query (out);
#ifdef HAVE_GTK4
      if (g_getenv ("SYNCOBJ_BENCH_GTK") != NULL)
        {
          const char *keys[] = { "view_build_ms", "sync_us_per_row", "optimistic_us_per_op" };

          run_live_query_gtk (out);
          /* How many times faster than GTK's models, same process, same run. */
          for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
            {
              g_autofree char *gtk_key = g_strconcat ("gtk_", keys[i], NULL);
              g_autofree char *ratio_key = g_strconcat ("gtk_ratio_", keys[i], NULL);

              json_object_set_double_member (out, ratio_key,
                                             json_object_get_double_member (out, gtk_key) /
                                             json_object_get_double_member (out, keys[i]));
            }
        }
#endif
    }
  else if (g_str_equal (workload, "cold_start"))
    run_cold_start (out);
  else if (g_str_equal (workload, "sync_churn"))
    {
      if (m_ops < 100 || m_ops % 100 != 0)
        fail ("sync_churn needs M as a multiple of 100");
      run_sync_churn (out);
    }
  else
    {
      fprintf (stderr, "workloads: initial_sync memory update_latency burst sync_churn live_query store_throughput recovery main_loop_stall burst_flush http_snapshot cold_start\n");
      return 2;
    }

  root = json_node_init_object (json_node_alloc (), out);
  line = json_to_string (root, FALSE);
  printf ("%s\n", line);
  return 0;
}
