/* scale-test.c: every entry point at the sizes real applications have
 *
 * A mail folder, a photo library or a year of calendar events is a
 * snapshot of a million records; an application offline for a week queues
 * a hundred thousand transactions; an attachment makes a 10 MB record. No
 * stack use may grow with any of them: snapshots are also loaded on a
 * thread with a 512 KiB stack (GLib has no stack-size API, so a pthread).
 *
 * Sizes: 1,000,000 records; 100,000 queued transactions; a 10 MB record;
 * a record with 100,000 members; a batch answer bringing the keys of
 * 1,000,000 inserts. Under AddressSanitizer or valgrind, which
 * run many times slower, everything is ten times smaller (the snapshots
 * 100,000 records).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "store-schema-v1.h"
#include "store-test-utils.h"
#include "couch/syncobj-couch-parse-private.h"
#include "http/syncobj-http-created-private.h"
#include "http/syncobj-http-request-private.h"

#include <libsoup/soup.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#define SMALL_STACK_SIZE (512 * 1024)

/* How long a snapshot of the full size may take to arrive over HTTP. */
#define HTTP_TIMEOUT_S 120

/* ---- sizes ----------------------------------------------------------------- */

static gboolean
instrumented (void)
{
  return syncobj_test_instrumented ();
}

/* @full, or a tenth of it under a sanitizer or valgrind. */
static guint
scaled (guint full)
{
  return instrumented () ? full / 10 : full;
}

/* ---- snapshots --------------------------------------------------------------- */

/* The key of record @i: 36 characters, the form of a UUID (and of the demo
 * server's --records). */
static void
record_key (guint i,
            char  key[37])
{
  g_snprintf (key, 37, "%08x-0000-4000-8000-%012x", i, i);
}

/* [{"id": KEY, "title": "item I"}, …] for I = 0 … @n − 1, as the demo
 * server serves it. */
static GString *
snapshot_text (guint n)
{
  GString *text = g_string_sized_new ((gsize) n * 64 + 2);

  g_string_append_c (text, '[');
  for (guint i = 0; i < n; i++)
    {
      char key[37];

      record_key (i, key);
      g_string_append_printf (text, "%s{\"id\":\"%s\",\"title\":\"item %u\"}", i > 0 ? "," : "", key, i);
    }
  g_string_append_c (text, ']');
  return text;
}

/* Fails unless @collection holds exactly the records of snapshot_text (@n):
 * its size, and the first, a middle and the last record in full. */
static void
assert_snapshot_loaded (SyncobjCollection *collection,
                        guint              n)
{
  const guint probes[] = { 0, n / 2, n - 1 };

  g_assert_cmpuint (syncobj_collection_get_size (collection), ==, n);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (collection)), ==, n);
  for (guint i = 0; i < G_N_ELEMENTS (probes); i++)
    {
      char key[37];
      g_autofree char *title = g_strdup_printf ("item %u", probes[i]);
      JsonObject *value;

      record_key (probes[i], key);
      value = syncobj_collection_lookup_value (collection, key);
      g_assert_nonnull (value);
      g_assert_cmpuint (json_object_get_size (value), ==, 2);
      g_assert_cmpstr (json_object_get_string_member (value, "id"), ==, key);
      g_assert_cmpstr (json_object_get_string_member (value, "title"), ==, title);
    }
}

/* A collection synced by a plain SyncobjSync, with a mutator that is never
 * called here. */
static SyncobjCollection *
collection_new (const char   *id,
                SyncobjSync **sync)
{
  g_autoptr(SyncobjMutator) mutator = syncobj_func_mutator_new (NULL, NULL, NULL);

  *sync = syncobj_sync_new (id);
  return syncobj_collection_new (id, *sync, mutator);
}

/* Loads @text through syncobj_sync_load_json_array() and checks the
 * result; everything is created and freed on the calling thread. */
static void
load_snapshot (const GString *text,
               guint          n)
{
  g_autoptr(SyncobjSync) sync = NULL;
  g_autoptr(SyncobjCollection) collection = collection_new ("scale-snapshot", &sync);
  g_autoptr(GError) error = NULL;

  g_assert_true (syncobj_sync_load_json_array (sync, text->str, (gssize) text->len, &error));
  g_assert_no_error (error);
  syncobj_sync_mark_ready (sync);
  g_assert_true (syncobj_collection_get_ready (collection));
  assert_snapshot_loaded (collection, n);
}

static void
test_snapshot_main_thread (void)
{
  guint n = scaled (1000000);
  g_autoptr(GString) text = snapshot_text (n);

  load_snapshot (text, n);
}

/* ---- a thread with a small stack ---------------------------------------------- */

typedef struct
{
  GFunc    func;
  gpointer data;
} SmallStackCall;

static void *
small_stack_thread (void *data)
{
  SmallStackCall *call = data;
  g_autoptr(GMainContext) context = g_main_context_new ();

  /* The thread's objects belong to its own context, as in an application
   * that loads on a worker thread. */
  g_main_context_push_thread_default (context);
  call->func (call->data, NULL);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
  return NULL;
}

/* Runs @func (@data, NULL) on a new thread with a 512 KiB stack, and
 * waits for it. */
static void
run_on_small_stack (GFunc    func,
                    gpointer data)
{
  SmallStackCall call = { func, data };
  pthread_attr_t attributes;
  pthread_t thread;

  g_assert_cmpint (pthread_attr_init (&attributes), ==, 0);
  g_assert_cmpint (pthread_attr_setstacksize (&attributes, SMALL_STACK_SIZE), ==, 0);
  g_assert_cmpint (pthread_create (&thread, &attributes, small_stack_thread, &call), ==, 0);
  g_assert_cmpint (pthread_join (thread, NULL), ==, 0);
  pthread_attr_destroy (&attributes);
}

typedef struct
{
  GString *text;
  guint    n;
} SnapshotCall;

static void
load_snapshot_call (gpointer data,
                    gpointer unused)
{
  SnapshotCall *call = data;

  load_snapshot (call->text, call->n);
}

static void
test_snapshot_small_stack (void)
{
  SnapshotCall call;

  call.n = scaled (1000000);
  call.text = snapshot_text (call.n);
  run_on_small_stack (load_snapshot_call, &call);
  g_string_free (call.text, TRUE);
}

/* ---- nesting at the documented limit ---------------------------------------- */

/* A snapshot of one record {"id": "deep", "v": [[…[1]…]]}, nested @depth
 * levels deep in all (the snapshot's array and the record included). */
static char *
deep_snapshot_text (guint depth)
{
  GString *text = g_string_new ("[{\"id\":\"deep\",\"v\":");

  for (guint i = 2; i < depth; i++)
    g_string_append_c (text, '[');
  g_string_append_c (text, '1');
  for (guint i = 2; i < depth; i++)
    g_string_append_c (text, ']');
  g_string_append (text, "}]");
  return g_string_free (text, FALSE);
}

/* Nested as deep as libsyncobj accepts (512 levels), a record is loaded,
 * built, written out, copied into a change and compared; one level more
 * is refused with an error. All on a 512 KiB stack. */
static void
nesting_at_limit (gpointer data,
                  gpointer unused)
{
  g_autoptr(SyncobjSync) sync = NULL;
  g_autoptr(SyncobjCollection) collection = collection_new ("scale-deep", &sync);
  g_autofree char *deepest = deep_snapshot_text (512);
  g_autofree char *too_deep = deep_snapshot_text (513);
  g_autofree char *message = NULL;
  g_autofree char *written = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonNode) node = NULL;
  JsonObject *value;

  g_assert_false (syncobj_sync_load_json_array (sync, too_deep, -1, &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "512"));
  g_clear_error (&error);
  g_assert_cmpuint (syncobj_collection_get_size (collection), ==, 0);

  g_assert_true (syncobj_sync_load_json_array (sync, deepest, -1, &error));
  g_assert_no_error (error);
  value = syncobj_collection_lookup_value (collection, "deep");
  g_assert_nonnull (value);

  /* What json-glib makes of the same record. */
  g_assert_true (json_parser_load_from_data (parser, deepest, -1, &error));
  g_assert_no_error (error);
  node = json_node_init_object (json_node_alloc (), value);
  g_assert_true (json_node_equal (node, json_array_get_element (json_node_get_array (json_parser_get_root (parser)), 0)));
  written = json_to_string (node, FALSE);
  g_assert_cmpuint (strlen (written), ==, strlen (deepest) - 2);

  /* The same record arriving as a change message, nested one level
   * deeper in the message than in a snapshot. */
  message = g_strdup_printf ("{\"type\":\"update\",\"value\":%.*s}", (int) strlen (deepest) - 2, deepest + 1);
  g_assert_true (syncobj_sync_apply_json (sync, message, -1, &error));
  g_assert_no_error (error);
  g_assert_nonnull (syncobj_collection_lookup_value (collection, "deep"));
}

static void
test_nesting_limit_small_stack (void)
{
  run_on_small_stack (nesting_at_limit, NULL);
}

/* ---- a snapshot over HTTP --------------------------------------------------------- */

static void
read_line_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  char **line = user_data;

  *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  if (*line == NULL)
    *line = g_strdup ("");
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main context until *@done or @timeout_s passed. */
static gboolean
wait_for (gboolean (*done) (gpointer), gpointer data, guint timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;
  guint wake = g_timeout_add (50, wake_cb, NULL);

  while (!done (data) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
  return done (data);
}

static gboolean
line_read (gpointer data)
{
  return *(char **) data != NULL;
}

/* The demo server (in-memory database) holding @n records of
 * snapshot_text (@n); *@port gets its port. */
static GSubprocess *
demo_server_start (guint  n,
                   guint *port)
{
  g_autoptr(GSubprocessLauncher) launcher = syncobj_test_server_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GDataInputStream) output = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *records = g_strdup_printf ("--records=%u", n);
  g_autofree char *line = NULL;
  const char *argv[] = { g_getenv ("SYNCOBJ_DEMO_SERVER"), "--port=0", records, NULL };
  GSubprocess *server;

  g_assert_nonnull (argv[0]);
  server = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);

  output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  g_data_input_stream_read_line_async (output, G_PRIORITY_DEFAULT, NULL, read_line_cb, &line);
  if (!wait_for (line_read, &line, HTTP_TIMEOUT_S) || !g_str_has_prefix (line, "PORT "))
    g_error ("the demo server did not start: “%s”", line != NULL ? line : "(nothing)");
  *port = (guint) g_ascii_strtoull (line + strlen ("PORT "), NULL, 10);
  g_assert_cmpuint (*port, >, 0);
  return server;
}

static gboolean
collection_ready (gpointer data)
{
  return syncobj_collection_get_ready (data);
}

static void
test_snapshot_http (void)
{
  guint n = scaled (1000000);
  guint port = 0;
  g_autoptr(GSubprocess) server = demo_server_start (n, &port);
  g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u/items", port);
  g_autoptr(SyncobjHttpSync) sync = syncobj_http_sync_new ("scale-http", uri, NULL);
  g_autoptr(SyncobjHttpMutator) mutator = syncobj_http_mutator_new (uri);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(GError) error = NULL;

  syncobj_http_sync_set_poll_interval (sync, 0);
  collection = syncobj_collection_new ("scale-http", SYNCOBJ_SYNC (sync), SYNCOBJ_MUTATOR (mutator));
  if (!wait_for (collection_ready, collection, HTTP_TIMEOUT_S))
    g_error ("the snapshot of %u records did not arrive in %u s (%s)", n, HTTP_TIMEOUT_S,
             syncobj_sync_get_error (SYNCOBJ_SYNC (sync)) != NULL
               ? syncobj_sync_get_error (SYNCOBJ_SYNC (sync))->message : "no error");
  g_assert_null (syncobj_sync_get_error (SYNCOBJ_SYNC (sync)));
  assert_snapshot_loaded (collection, n);

  g_clear_object (&collection);
  g_subprocess_send_signal (server, SIGTERM);
  g_subprocess_wait (server, NULL, &error);
  g_assert_no_error (error);
}

/* ---- stores -------------------------------------------------------------------------- */

static void
sqlite_exec (sqlite3    *db,
             const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}


/* Writes a store at @path holding @n pending transactions of the
 * collection @collection_id, transaction i inserting the record that
 * @record_text (i) returns (its key in "id"). */
static void
write_store (const char  *path,
             const char  *collection_id,
             guint        n,
             char      *(*record_text) (guint i))
{
  static guint stores;   /* ids unique in the process: the registry keeps them */
  sqlite3 *db = NULL;
  sqlite3_stmt *insert = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite_exec (db, SYNCOBJ_TEST_SCHEMA_V1);
  sqlite_exec (db, "BEGIN");
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                     "INSERT INTO transactions VALUES (?1, ?2, 0, 1700000000000000, 1700000000000000,"
                     " ?3, 0, '', '', '', '[]', '[{\"id\":\"' || ?1 || '\",\"collection\":\"' || ?2 ||"
                     " '\",\"key\":' || json_quote (json_extract (?4, '$.id')) || ',\"type\":\"insert\","
                     "\"modified\":' || ?4 || ',\"changes\":' || ?4 || ',\"created_at\":1700000000000000,"
                     "\"updated_at\":1700000000000000}]')",
                     -1, &insert, NULL), ==, SQLITE_OK);
  for (guint i = 0; i < n; i++)
    {
      char id[37];
      g_autofree char *record = record_text (i);

      g_snprintf (id, sizeof id, "%08x-%04x-4000-8000-%012x", i, stores, G_MAXUINT - i);
      sqlite3_bind_text (insert, 1, id, -1, SQLITE_STATIC);
      sqlite3_bind_text (insert, 2, collection_id, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (insert, 3, (gint64) i + 1);
      sqlite3_bind_text (insert, 4, record, -1, SQLITE_STATIC);
      g_assert_cmpint (sqlite3_step (insert), ==, SQLITE_DONE);
      sqlite3_reset (insert);
    }
  sqlite3_finalize (insert);
  sqlite_exec (db, "COMMIT");
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
  stores++;
}

static char *
small_record_text (guint i)
{
  char key[37];

  record_key (i, key);
  return g_strdup_printf ("{\"id\":\"%s\",\"title\":\"item %u\"}", key, i);
}

/* Opens the store at @path and a collection on it (which restores the
 * store's unfinished transactions). */
static SyncobjCollection *
restore (const char    *path,
         const char    *collection_id,
         SyncobjStore **store)
{
  g_autoptr(GError) error = NULL;

  *store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  return syncobj_collection_new_with_store (collection_id, NULL, NULL, *store);
}

static void
test_recovery (void)
{
  guint n = scaled (100000);
  g_autofree char *path = syncobj_store_test_path ("recovery.db");
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(GListModel) active = NULL;
  g_autoptr(SyncobjTransaction) first = NULL;
  g_autoptr(SyncobjTransaction) last = NULL;

  write_store (path, "scale-recovery", n, small_record_text);
  collection = restore (path, "scale-recovery", &store);

  /* Every transaction is active again, in its order, and its record
   * visible. */
  active = syncobj_collection_get_transactions (collection);
  g_assert_cmpuint (g_list_model_get_n_items (active), ==, n);
  first = g_list_model_get_item (active, 0);
  last = g_list_model_get_item (active, n - 1);
  g_assert_false (syncobj_transaction_is_finished (first));
  g_assert_false (syncobj_transaction_is_finished (last));
  g_assert_true (g_str_has_prefix (syncobj_transaction_get_id (first), "00000000-"));
  g_assert_true (g_str_has_suffix (syncobj_transaction_get_id (first), "-0000ffffffff"));
  g_assert_cmpuint (_syncobj_transaction_get_sequence (last), ==, n);
  assert_snapshot_loaded (collection, n);
}

/* ---- long queues ------------------------------------------------------------------ */

/* A long chain of dependent transactions (a queue per key): transaction i
 * inserts "k<i>" and updates "k<i−1>", so it waits for transaction i − 1.
 * When the first is refused, every one fails with it, in order, and
 * nothing of them stays visible; the failure does not recurse down the
 * chain (which overflowed the stack) nor rescan it for every link. */
static void
test_failure_cascade (void)
{
  guint n = scaled (100000);
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (NULL, SYNCOBJ_STRATEGY_ORDERED, &control);
  /* Freed before the collection, oldest first: each transaction and
   * mutation drops its weak link to the live collection in O(1)
   * (syncobj-weak.c), where 100,000 GWeakRefs took minutes. */
  g_autoptr(GPtrArray) transactions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;

  syncobj_collection_set_queue_scope (collection, SYNCOBJ_QUEUE_SCOPE_KEY);
  syncobj_sync_control_fail_next_persist_non_retriable (control);
  for (guint i = 0; i < n; i++)
    {
      SyncobjTransaction *transaction = syncobj_collection_begin (collection);
      g_autofree char *value = g_strdup_printf ("{\"id\": \"k%u\"}", i);

      syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_INSERT, NULL, value);
      if (i > 0)
        {
          g_autofree char *previous = g_strdup_printf ("k%u", i - 1);

          syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_UPDATE, previous,
                                          "{\"next\": true}");
        }
      g_assert_true (syncobj_transaction_commit (transaction, &error));
      g_assert_no_error (error);
      g_ptr_array_add (transactions, transaction);
    }
  g_assert_cmpuint (syncobj_collection_get_size (collection), ==, n);

  syncobj_sync_control_run_pending (control);
  syncobj_test_assert_failed (g_ptr_array_index (transactions, 0), SYNCOBJ_ERROR_NON_RETRIABLE, NULL);
  for (guint i = 1; i < n; i++)
    syncobj_test_assert_failed (g_ptr_array_index (transactions, i), SYNCOBJ_ERROR_DEPENDENCY_FAILED,
                                g_ptr_array_index (transactions, 0));
  g_assert_cmpuint (syncobj_collection_get_size (collection), ==, 0);
}

/* ---- big records ------------------------------------------------------------------- */

/* A record of about @size bytes of JSON: {"id": "big", "body": "…"}, the
 * body with an escape now and then. */
static char *
long_record_text (gsize size)
{
  GString *text = g_string_sized_new (size + 64);

  g_string_append (text, "{\"id\":\"big\",\"body\":\"");
  while (text->len < size)
    g_string_append (text, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\\n\\u00e9\\\"");
  g_string_append (text, "\"}");
  return g_string_free (text, FALSE);
}

/* A record with @n members besides its key: {"id": "big", "m0": 0, …}. */
static char *
wide_record_text (guint n)
{
  GString *text = g_string_new ("{\"id\":\"big\"");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (text, ",\"m%u\":%u", i, i);
  g_string_append_c (text, '}');
  return g_string_free (text, FALSE);
}

static const char *big_record;   /* for big_record_text() */

static char *
big_record_text (guint i)
{
  return g_strdup (big_record);
}

/* Fails unless @value is what json-glib makes of @text. */
static void
assert_same_record (JsonObject *value,
                    const char *text)
{
  g_autoptr(JsonObject) expected = syncobj_test_object (text);

  g_assert_nonnull (value);
  g_assert_cmpuint (json_object_get_size (value), ==, json_object_get_size (expected));
  g_assert_true (json_object_equal (value, expected));
}

/* @text, a record keyed "big", through every way in: a snapshot, a change
 * message, an optimistic insert and update written to a store, and the
 * store's recovery. */
static void
big_record_everywhere (const char *text)
{
  g_autofree char *snapshot = g_strconcat ("[", text, "]", NULL);
  g_autofree char *message = g_strconcat ("{\"type\":\"update\",\"value\":", text, "}", NULL);
  static guint calls;
  g_autofree char *name = g_strdup_printf ("big-%u.db", ++calls);
  g_autofree char *restored_name = g_strdup_printf ("big-restored-%u.db", calls);
  g_autofree char *path = syncobj_store_test_path (name);
  g_autoptr(JsonObject) record = syncobj_test_object (text);
  g_autoptr(JsonObject) changes = syncobj_test_object ("{\"extra\":true}");
  g_autoptr(GError) error = NULL;

  /* From the server. */
  {
    g_autoptr(SyncobjSync) sync = NULL;
    g_autoptr(SyncobjCollection) collection = collection_new ("scale-big", &sync);

    g_assert_true (syncobj_sync_load_json_array (sync, snapshot, -1, &error));
    g_assert_no_error (error);
    assert_same_record (syncobj_collection_lookup_value (collection, "big"), text);

    g_assert_true (syncobj_sync_apply_json (sync, "{\"type\":\"delete\",\"key\":\"big\"}", -1, &error));
    g_assert_no_error (error);
    g_assert_false (syncobj_collection_contains (collection, "big"));
    g_assert_true (syncobj_sync_apply_json (sync, message, -1, &error));
    g_assert_no_error (error);
    assert_same_record (syncobj_collection_lookup_value (collection, "big"), text);
  }

  /* Local writes, kept in a store while the server does not answer. */
  {
    g_autoptr(SyncobjStore) store = syncobj_store_new_for_path (path, &error);
    g_autoptr(SyncobjMutator) mutator = NULL;
    g_autoptr(SyncobjCollection) collection = NULL;
    g_autoptr(SyncobjTransaction) insert = NULL;
    g_autoptr(SyncobjTransaction) update = NULL;
    JsonObject *value;

    g_assert_no_error (error);
    syncobj_store_test_backend_new (&mutator);
    collection = syncobj_collection_new_with_store ("scale-big-local", NULL, mutator, store);
    insert = syncobj_collection_insert (collection, record, &error);
    g_assert_no_error (error);
    update = syncobj_collection_update (collection, "big", changes, &error);
    g_assert_no_error (error);
    value = syncobj_collection_lookup_value (collection, "big");
    g_assert_cmpuint (json_object_get_size (value), ==, json_object_get_size (record) + 1);
    g_assert_true (json_object_get_boolean_member (value, "extra"));
    syncobj_store_test_flush (store);
    g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT count(*) FROM transactions"), ==, 2);
    /* The insert keeps the whole record (its escapes may be written
     * shorter); the update keeps only its change, not the record again. */
    g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT max(length(mutations)) FROM transactions"),
                     >, (gint64) strlen (text) / 2);
    g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT sum(length(mutations)) FROM transactions"),
                     <, (gint64) strlen (text) * 3 / 2);
  }

  /* Recovered from a store. */
  {
    g_autofree char *restored_path = syncobj_store_test_path (restored_name);
    g_autoptr(SyncobjStore) store = NULL;
    g_autoptr(SyncobjCollection) collection = NULL;

    big_record = text;
    write_store (restored_path, "scale-big-restored", 1, big_record_text);
    collection = restore (restored_path, "scale-big-restored", &store);
    assert_same_record (syncobj_collection_lookup_value (collection, "big"), text);
  }
}

static void
test_long_record (void)
{
  g_autofree char *text = long_record_text (scaled (10 * 1024 * 1024));

  big_record_everywhere (text);
}

static void
test_wide_record (void)
{
  g_autofree char *text = wide_record_text (scaled (100000));

  big_record_everywhere (text);
}

/* An undo of many queued writes, newest first: each rollback looks for
 * what depends on it only behind its own place in the lane, so 100,000 of
 * them in one lane take linear time (they rescanned the whole lane, which
 * took minutes). */
static void
test_rollback_newest_first (void)
{
  guint n = scaled (100000);
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (NULL, SYNCOBJ_STRATEGY_ORDERED, &control);
  /* Freed before the collection, oldest first: each transaction and
   * mutation drops its weak link to the live collection in O(1)
   * (syncobj-weak.c), where 100,000 GWeakRefs took minutes. */
  g_autoptr(GPtrArray) transactions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(SyncobjTransaction) head = NULL;
  gint64 start;

  /* The head is in flight for an hour: everything else queues behind it,
   * in the one lane of the collection. */
  syncobj_sync_control_set_network_delay (control, 3600 * 1000);
  head = syncobj_test_insert (collection, "{\"id\": \"head\"}");
  syncobj_sync_control_run_pending (control);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *value = g_strdup_printf ("{\"id\": \"k%u\"}", i);

      g_ptr_array_add (transactions, syncobj_test_insert (collection, value));
    }
  g_assert_cmpstr (syncobj_transaction_get_state_name (g_ptr_array_index (transactions, n - 1)), ==, "queued");

  start = g_get_monotonic_time ();
  for (guint i = n; i-- > 0;)
    {
      SyncobjTransaction *transaction = g_ptr_array_index (transactions, i);

      g_assert_true (syncobj_transaction_rollback (transaction, NULL));
    }
  g_test_message ("%u rollbacks, newest first: %.2f s", n, (g_get_monotonic_time () - start) / 1e6);

  for (guint i = 0; i < n; i++)
    g_assert_error (syncobj_transaction_get_error (g_ptr_array_index (transactions, i)),
                    SYNCOBJ_ERROR, SYNCOBJ_ERROR_CANCELLED);
  g_assert_cmpuint (syncobj_collection_get_size (collection), ==, 1);
  g_assert_false (syncobj_transaction_is_finished (head));
  /* The time is reported, not asserted: a loaded machine makes any bound
   * either flaky or meaningless. A return of the quadratic scan shows as
   * minutes here and in the benchmark's failure workloads. */
}

/* ---- CouchDB answers -------------------------------------------------------------- */

typedef struct
{
  guint  rows;
  guint  deleted;
  gsize  heap_before;
  gsize  heap_peak;    /* the most the heap grew by while rows came */
} CouchRows;

static gsize
heap_in_use (void)
{
  struct mallinfo2 info = mallinfo2 ();

  return info.uordblks + info.hblkhd;
}

static gboolean
couch_row_cb (const SyncobjCouchRow  *row,
              gpointer                user_data,
              GError                **error)
{
  CouchRows *rows = user_data;

  rows->rows++;
  rows->deleted += row->deleted ? 1 : 0;
  if (rows->rows % 50000 == 0)
    {
      gsize now = heap_in_use ();

      rows->heap_peak = MAX (rows->heap_peak, now > rows->heap_before ? now - rows->heap_before : 0);
    }
  return TRUE;
}

/* A _changes answer of 1,000,000 rows (what a first load with a selector,
 * or a long offline spell, brings), with documents, deletions and the
 * heartbeat newlines of a long poll: read row by row, with a heap that
 * does not grow with the rows, in a few seconds. */
static void
test_couch_changes (void)
{
  guint n = scaled (1000000);
  GString *text = g_string_sized_new ((gsize) n * 112 + 64);
  g_autoptr(GError) error = NULL;
  g_autofree char *seq = NULL;
  CouchRows rows = { 0 };
  gint64 start;

  g_string_append (text, "{\"results\":[\n");
  for (guint i = 0; i < n; i++)
    {
      if (i % 7 == 6)
        g_string_append_printf (text, "%s{\"seq\":%u,\"id\":\"d%07u\",\"changes\":[{\"rev\":\"2-b\"}],\"deleted\":true,"
                                "\"doc\":{\"_id\":\"d%07u\",\"_rev\":\"2-b\",\"_deleted\":true}}",
                                i > 0 ? ",\n" : "", i + 1, i, i);
      else
        g_string_append_printf (text, "%s{\"seq\":%u,\"id\":\"d%07u\",\"changes\":[{\"rev\":\"1-a\"}],"
                                "\"doc\":{\"_id\":\"d%07u\",\"_rev\":\"1-a\",\"n\":%u}}",
                                i > 0 ? ",\n" : "", i + 1, i, i, i);
    }
  g_string_append_printf (text, "\n],\n\"last_seq\":%u}\n", n);

  rows.heap_before = heap_in_use ();
  start = g_get_monotonic_time ();
  g_assert_true (_syncobj_couch_parse_rows (text->str, text->len, couch_row_cb, &rows, &seq, &error));
  g_assert_no_error (error);
  g_test_message ("%u _changes rows (%.0f MB): %.2f s, heap growth at most %" G_GSIZE_FORMAT " bytes",
                  n, text->len / 1e6, (g_get_monotonic_time () - start) / 1e6, rows.heap_peak);
  g_string_free (text, TRUE);

  g_assert_cmpuint (rows.rows, ==, n);
  g_assert_cmpuint (rows.deleted, ==, n / 7);
  g_assert_cmpuint (strtoul (seq, NULL, 10), ==, n);
  /* A scratch buffer and an id, never the rows. */
  if (!instrumented ())
    g_assert_cmpuint (rows.heap_peak, <, 64 * 1024);
}

/* ---- keys from the server ------------------------------------------------------ */

/* The peak resident size of this process so far, in bytes. */
static gsize
peak_rss (void)
{
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "VmHWM:");
  g_assert_nonnull (line);
  return (gsize) g_ascii_strtoull (line + strlen ("VmHWM:"), NULL, 10) * 1024;
}

static gboolean
count_created_cb (guint       index,
                  JsonObject *record,
                  gpointer    user_data)
{
  guint *n = user_data;

  g_assert_nonnull (record);
  g_assert_cmpint (json_object_get_int_member (record, "id"), ==, index + 1);
  (*n)++;
  return TRUE;
}

/* A batch of a million inserts without keys answers about 40 MB: each
 * created record is read in turn, the answer is never built as a whole
 * (json-glib would take over a gigabyte), and the check that it is JSON
 * builds nothing either. */
static void
test_batch_answer_keys (void)
{
  guint n = scaled (1000000);
  g_autoptr(GString) answer = g_string_sized_new ((gsize) n * 40);
  g_autoptr(SoupMessage) message = soup_message_new ("POST", "http://127.0.0.1/batch");
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;
  gsize before;
  guint seen = 0;

  g_string_append_printf (answer, "{\"applied\": %u, \"records\": [", n);
  for (guint i = 1; i <= n; i++)
    g_string_append_printf (answer, "%s{\"id\": %u, \"title\": \"item %u\"}", i > 1 ? ", " : "", i, i);
  g_string_append (answer, "]}");
  body = g_bytes_new_static (answer->str, answer->len);
  soup_message_headers_set_content_type (soup_message_get_response_headers (message), "application/json", NULL);
  before = peak_rss ();

  start = g_get_monotonic_time ();
  g_assert_true (_syncobj_http_check_success_body (message, body, &error));
  g_assert_no_error (error);
  g_assert_cmpint (_syncobj_http_scan_created (answer->str, answer->len, count_created_cb, &seen), ==, n);
  g_assert_cmpuint (seen, ==, n);
  g_test_message ("batch answer of %u created records (%.1f MB): %.2f s, peak grew by %.1f MB", n,
                  answer->len / 1e6, (g_get_monotonic_time () - start) / 1e6, (peak_rss () - before) / 1e6);
  /* Bounded: far less than the answer itself (a sanitizer's quarantine
   * keeps freed memory resident, so only uninstrumented runs tell). */
  if (!instrumented ())
    g_assert_cmpuint (peak_rss () - before, <, answer->len / 4);
}

/* Runs the test given as @data in a child process of its own: each test
 * at scale leaves nothing behind for the next (100,000 recovered
 * transactions, a 1 GB heap), and a failure names its test. Under valgrind
 * the test runs in this process, which valgrind watches. */
static void
run_isolated (gconstpointer data)
{
  GTestFunc test = (GTestFunc) data;

  if (g_test_subprocess () || RUNNING_ON_VALGRIND)
    {
      test ();
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

static void
add_isolated (const char *path,
              GTestFunc   test)
{
  g_test_add_data_func (path, (gconstpointer) test, run_isolated);
}

int
main (int   argc,
      char *argv[])
{
  syncobj_test_init (&argc, &argv);

  add_isolated ("/scale/snapshot/main-thread", test_snapshot_main_thread);
  add_isolated ("/scale/snapshot/small-stack", test_snapshot_small_stack);
  add_isolated ("/scale/snapshot/nesting-limit-small-stack", test_nesting_limit_small_stack);
  if (g_getenv ("SYNCOBJ_DEMO_SERVER") != NULL)
    add_isolated ("/scale/snapshot/http", test_snapshot_http);
  add_isolated ("/scale/store/recovery", test_recovery);
  add_isolated ("/scale/queue/failure-cascade", test_failure_cascade);
  add_isolated ("/scale/queue/rollback-newest-first", test_rollback_newest_first);
  add_isolated ("/scale/record/10-mb", test_long_record);
  add_isolated ("/scale/record/100000-members", test_wide_record);
  add_isolated ("/scale/couch/changes", test_couch_changes);
  add_isolated ("/scale/keys/batch-answer", test_batch_answer_keys);

  return g_test_run ();
}
