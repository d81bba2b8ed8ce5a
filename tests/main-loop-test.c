/* main-loop-test.c: what a store costs one main-loop iteration when it
 * holds many transactions — a flush right after thousands of commits, and
 * thousands of unfinished transactions restored with
 * syncobj_collection_new_with_store_async() — what a snapshot of many
 * records costs while it is applied in slices, and how the writer thread's
 * answers and the rows it wrote come back, a slice per iteration
 *
 * Each iteration is measured in CPU time of the main thread, and the
 * tests check a ratio within the same run, not a time: no iteration holds
 * more than a quarter of the main thread's work of the whole operation
 * (unsliced, one would hold all of it). How long the longest iteration
 * takes is measured by the benchmark (syncobj-bench main_loop_stall and
 * http_snapshot); the tests print it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "store-test-utils.h"
#include "syncobj-sync-private.h"
#include "syncobj-store-answers-private.h"

#include <glib/gstdio.h>

/* No iteration holds more than 1/SHARE of the operation's work on the
 * main thread; its slices are about 1 ms each. */
#define SHARE 4

static guint
n_transactions (void)
{
  return syncobj_test_instrumented () ? 500 : 20000;
}

/* @longest and @total in µs of the main thread's CPU time; checked only
 * in uninstrumented runs, whose sizes make many slices. */
static void
assert_sliced (gint64      longest,
               gint64      total,
               const char *what,
               guint       n)
{
  g_test_message ("%s: %u items, longest main-loop iteration %" G_GINT64_FORMAT " µs of CPU time "
                  "of %" G_GINT64_FORMAT " µs in all",
                  what, n, longest, total);
  if (!syncobj_test_instrumented ())
    g_assert_cmpint (longest * SHARE, <, total);
}

static void
flushed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (syncobj_store_flush_finish (SYNCOBJ_STORE (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

/* Thousands of transactions committed in one go and a flush at once:
 * no later iteration is long, and everything is in the file once the
 * flush is done. */
static void
test_flush_many (void)
{
  g_autofree char *path = syncobj_store_test_path ("main-loop-flush.db");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = syncobj_store_new_for_path (path, &error);
  g_autoptr(SyncobjMutator) mutator = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(GPtrArray) transactions = g_ptr_array_new_with_free_func (g_object_unref);
  guint n = n_transactions ();
  gboolean flushed = FALSE;

  g_assert_no_error (error);
  syncobj_store_test_backend_new (&mutator);
  collection = syncobj_collection_new_with_store ("flushed", NULL, mutator, store);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"id\": \"k%u\", \"n\": %u}", i, i);
      g_autoptr(JsonObject) value = syncobj_test_object (json);
      SyncobjTransaction *transaction = syncobj_collection_insert (collection, value, &error);

      g_assert_no_error (error);
      g_ptr_array_add (transactions, transaction);
    }
  gint64 total = 0;
  gint64 longest;

  syncobj_store_flush_async (store, NULL, flushed_cb, &flushed);
  longest = syncobj_store_test_wait_for_longest (&flushed, &total);
  assert_sliced (longest, total, "flush", n);

  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT count(*) FROM transactions "
                                                       "WHERE collection_id = 'flushed'"), ==, n);
}

typedef struct
{
  SyncobjCollection *collection;
  gboolean           done;
} OpenResult;

static void
opened_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  OpenResult *open = user_data;
  g_autoptr(GError) error = NULL;

  open->collection = syncobj_collection_new_with_store_finish (result, &error);
  g_assert_no_error (error);
  open->done = TRUE;
}

/* Thousands of unfinished transactions left by a killed process come
 * back through the asynchronous start without a long iteration, up to
 * the first persist call of the resumed ones. */
static void
test_restore_many (void)
{
  g_autofree char *path = syncobj_store_test_path ("main-loop-restore.db");
  g_autofree char *helper = g_test_build_filename (G_TEST_BUILT, "crash-helper", NULL);
  g_autofree char *n_text = g_strdup_printf ("%u", n_transactions ());
  const char *argv[] = { helper, "crash", path, "0", "none", n_text, "0", "0", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjMutator) mutator = NULL;
  SyncobjTestBackend *backend = syncobj_store_test_backend_new (&mutator);
  OpenResult open = { NULL, FALSE };
  gint64 longest, total = 0;
  guint n = n_transactions ();

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);

  syncobj_collection_new_with_store_async ("todos", NULL, mutator, store, NULL, opened_cb, &open);
  longest = syncobj_store_test_wait_for_longest (&open.done, &total);
  /* The restored transactions resume: the first one persists. */
  while (backend->jobs->len == 0)
    syncobj_store_test_iterate_measured (&longest, &total);
  assert_sliced (longest, total, "restore", n);

  /* Every other queued transaction writes two keys. */
  g_assert_cmpuint (syncobj_collection_get_n_pending (open.collection), ==, n);
  g_assert_cmpuint (syncobj_collection_get_size (open.collection), ==, n + n / 2);
  g_clear_object (&open.collection);
}

static void
snapshot_applied_cb (SyncobjSync  *sync,
                     const GError *error,
                     gpointer      user_data)
{
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

/* Applies a snapshot of @n records, every @changed_every-th with "n"
 * changed, as HTTP snapshots are applied; returns the longest main-loop
 * iteration meanwhile, and the CPU time of all in *@total. */
static gint64
apply_snapshot (SyncobjSync *sync,
                guint        n,
                guint        changed_every,
                gint64      *total)
{
  g_autoptr(GString) text = g_string_new ("[");
  g_autoptr(GError) error = NULL;
  gboolean applied = FALSE;

  for (guint i = 0; i < n; i++)
    g_string_append_printf (text, "%s{\"id\": \"k%u\", \"title\": \"item %u\", \"n\": %u}",
                            i > 0 ? ", " : "", i, i, i % changed_every == 0 ? i + 1 : i);
  g_string_append_c (text, ']');

  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_truncate (sync, NULL));
  g_assert_true (syncobj_sync_load_json_array (sync, text->str, (gssize) text->len, &error));
  g_assert_no_error (error);
  _syncobj_sync_commit_sliced (sync, snapshot_applied_cb, &applied);
  *total = 0;
  return syncobj_store_test_wait_for_longest (&applied, total);
}

/* A snapshot of many records into an empty collection, then one that
 * replaces it with a record in ten changed: no iteration is long. */
static void
test_snapshot_many (void)
{
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("snapshot");
  g_autoptr(SyncobjCollection) collection = syncobj_collection_new ("snapshot", sync, NULL);
  guint n = syncobj_test_instrumented () ? 2000 : 100000;
  gint64 longest, total;

  longest = apply_snapshot (sync, n, n + 1, &total);
  assert_sliced (longest, total, "first snapshot", n);
  g_assert_cmpuint (syncobj_collection_get_size (collection), ==, n);
  syncobj_test_assert_value (collection, "k7", "{\"id\": \"k7\", \"title\": \"item 7\", \"n\": 7}");

  longest = apply_snapshot (sync, n, 10, &total);
  assert_sliced (longest, total, "replacing snapshot", n);
  g_assert_cmpuint (syncobj_collection_get_size (collection), ==, n);
  syncobj_test_assert_value (collection, "k10", "{\"id\": \"k10\", \"title\": \"item 10\", \"n\": 11}");
}

/* What the writer thread hands back: answers to tasks and to functions,
 * and garbage made on the main thread (the rows it wrote), in the
 * writer's order. */
typedef struct
{
  GThread   *main_thread;
  GArray    *freed;        /* guint: the garbage items, in the order freed */
  GArray    *answered;     /* guint: the answers, in the order given */
  guint      wrong_thread; /* items freed on another thread */
} Handback;

typedef struct
{
  Handback *handback;
  guint     number;
} GarbageItem;

static void
garbage_item_free (GarbageItem *item)
{
  g_array_append_val (item->handback->freed, item->number);
  if (g_thread_self () != item->handback->main_thread)
    item->handback->wrong_thread++;
  g_free (item);
}

static void
answered_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Handback *handback = user_data;
  guint number = GPOINTER_TO_UINT (g_task_get_task_data (G_TASK (result)));

  g_assert_true (g_task_propagate_boolean (G_TASK (result), NULL));
  number *= 2;
  g_array_append_val (handback->answered, number);
}

/* The answer to a function, between the tasks' (2 × its number + 1). */
static void
answered_done (const GError *error,
               gpointer      user_data)
{
  GarbageItem *item = user_data;
  guint number = 2 * item->number + 1;

  g_assert_no_error (error);
  g_array_append_val (item->handback->answered, number);
  g_free (item);
}

#define HANDBACK_ITEMS 5000
#define HANDBACK_TASK_EVERY 100

typedef struct
{
  SyncobjStoreAnswers *answers;
  GPtrArray           *tasks;
  Handback            *handback;
} Writer;

/* As the writer thread after a round: answers, then the round's garbage. */
static gpointer
writer_round (gpointer data)
{
  Writer *writer = data;
  g_autoptr(GMainContext) context = g_main_context_ref (g_main_context_default ());
  guint task = 0;

  for (guint i = 0; i < HANDBACK_ITEMS; i++)
    {
      GarbageItem *item = g_new0 (GarbageItem, 1);

      if (i % HANDBACK_TASK_EVERY == 0)
        _syncobj_store_answers_add (writer->answers, g_ptr_array_index (writer->tasks, task++), NULL, TRUE, FALSE);
      if (i % HANDBACK_TASK_EVERY == HANDBACK_TASK_EVERY / 2)
        {
          GarbageItem *done = g_new0 (GarbageItem, 1);

          done->handback = writer->handback;
          done->number = i / HANDBACK_TASK_EVERY;
          _syncobj_store_answers_add_done (writer->answers, context, answered_done, done, NULL);
        }
      item->handback = writer->handback;
      item->number = i;
      _syncobj_store_answers_add_garbage (writer->answers, context, item, (GDestroyNotify) garbage_item_free);
    }
  _syncobj_store_answers_send (writer->answers);
  return NULL;
}

/* What the main thread made for the writer comes back to it and is freed
 * there a slice per main-loop iteration, in order, with the answers to
 * tasks and to functions in order between: nothing lost, no iteration
 * frees it all. */
static void
test_garbage_sliced (void)
{
  Handback handback = { g_thread_self (), g_array_new (FALSE, FALSE, sizeof (guint)),
                        g_array_new (FALSE, FALSE, sizeof (guint)), 0 };
  g_autoptr(GPtrArray) tasks = g_ptr_array_new ();
  Writer writer = { _syncobj_store_answers_new (), tasks, &handback };
  guint n_tasks = HANDBACK_ITEMS / HANDBACK_TASK_EVERY;
  guint iterations = 0;

  for (guint i = 0; i < n_tasks; i++)
    {
      GTask *task = g_task_new (NULL, NULL, answered_cb, &handback);

      g_task_set_task_data (task, GUINT_TO_POINTER (i), NULL);
      g_ptr_array_add (tasks, task);
    }
  g_thread_join (g_thread_new ("writer", writer_round, &writer));
  g_assert_cmpuint (handback.freed->len, ==, 0);

  while (handback.freed->len < HANDBACK_ITEMS || handback.answered->len < 2 * n_tasks)
    {
      guint before = handback.freed->len;

      g_assert_true (g_main_context_iteration (NULL, FALSE));
      g_assert_cmpuint (handback.freed->len - before, <=, SYNCOBJ_STORE_GARBAGE_PER_DISPATCH);
      iterations++;
    }
  g_assert_cmpuint (iterations, >=, HANDBACK_ITEMS / SYNCOBJ_STORE_GARBAGE_PER_DISPATCH);

  g_assert_cmpuint (handback.wrong_thread, ==, 0);
  for (guint i = 0; i < HANDBACK_ITEMS; i++)
    g_assert_cmpuint (g_array_index (handback.freed, guint, i), ==, i);
  g_assert_cmpuint (handback.answered->len, ==, 2 * n_tasks);
  for (guint i = 0; i < 2 * n_tasks; i++)
    g_assert_cmpuint (g_array_index (handback.answered, guint, i), ==, i);

  _syncobj_store_answers_free (writer.answers);
  g_array_unref (handback.freed);
  g_array_unref (handback.answered);
}

/* Garbage not freed yet when the store's writer goes is still freed, on
 * its context, a slice per iteration. */
static void
test_garbage_freed_with_answers (void)
{
  Handback handback = { g_thread_self (), g_array_new (FALSE, FALSE, sizeof (guint)),
                        g_array_new (FALSE, FALSE, sizeof (guint)), 0 };
  g_autoptr(GMainContext) context = g_main_context_new ();
  SyncobjStoreAnswers *answers = _syncobj_store_answers_new ();

  for (guint i = 0; i < 3 * SYNCOBJ_STORE_GARBAGE_PER_DISPATCH; i++)
    {
      GarbageItem *item = g_new0 (GarbageItem, 1);

      item->handback = &handback;
      item->number = i;
      _syncobj_store_answers_add_garbage (answers, context, item, (GDestroyNotify) garbage_item_free);
    }
  _syncobj_store_answers_send (answers);
  g_assert_true (g_main_context_iteration (context, FALSE));
  g_assert_cmpuint (handback.freed->len, ==, SYNCOBJ_STORE_GARBAGE_PER_DISPATCH);

  /* The idle holds the queue. */
  _syncobj_store_answers_free (answers);
  g_assert_true (g_main_context_iteration (context, FALSE));
  g_assert_cmpuint (handback.freed->len, ==, 2 * SYNCOBJ_STORE_GARBAGE_PER_DISPATCH);
  g_assert_true (g_main_context_iteration (context, FALSE));
  g_assert_false (g_main_context_pending (context));
  g_assert_cmpuint (handback.freed->len, ==, 3 * SYNCOBJ_STORE_GARBAGE_PER_DISPATCH);
  for (guint i = 0; i < handback.freed->len; i++)
    g_assert_cmpuint (g_array_index (handback.freed, guint, i), ==, i);
  g_array_unref (handback.freed);
  g_array_unref (handback.answered);
}

int
main (int    argc,
      char **argv)
{
  syncobj_test_init (&argc, &argv);

  /* First, as at the start of an application: the registry's index of
   * transactions, built by the first lookup, is empty. */
  g_test_add_func ("/main-loop/restore-many", test_restore_many);
  g_test_add_func ("/main-loop/flush-many", test_flush_many);
  g_test_add_func ("/main-loop/snapshot-many", test_snapshot_many);
  g_test_add_func ("/main-loop/garbage-sliced", test_garbage_sliced);
  g_test_add_func ("/main-loop/garbage-freed-with-answers", test_garbage_freed_with_answers);

  return g_test_run ();
}
