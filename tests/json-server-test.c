/* json-server-test.c: SyncobjHttpMutator and SyncobjHttpSync against
 * json-server 0.17 from npm, a REST server nobody here wrote, which
 * assigns integer ids to POSTs without one (tests/deps.sh installs it and
 * sets SYNCOBJ_JSON_SERVER; without it the tests skip).
 *
 * Real HTTP needs the real clock: every wait is on an event with a bounded
 * timeout (WAIT_FOR), including the server's start.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"
#include "demo-server-utils.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

/* node takes a while to start on a busy machine. */
#define START_TIMEOUT_MS 30000

typedef struct
{
  GSubprocess *process;
  char        *dir;
  char        *base;       /* http://127.0.0.1:PORT */
  SoupSession *session;
} JsonServer;

/* A blocking request from the test itself (json-server is another
 * process). Returns the body; @status gets the status. */
static char *
json_server_request (JsonServer *server,
                     const char *method,
                     const char *path,
                     guint      *status)
{
  g_autofree char *uri = g_strconcat (server->base, path, NULL);
  g_autoptr(SoupMessage) message = soup_message_new (method, uri);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  body = soup_session_send_and_read (server->session, message, NULL, &error);
  if (body == NULL)
    {
      *status = 0;
      return NULL;
    }
  *status = soup_message_get_status (message);
  return g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

/* Starts json-server on a free port of 127.0.0.1 over a db.json of its own
 * holding @db_json; NULL, with the test marked skipped, when json-server
 * is not installed. */
static JsonServer *
json_server_start (const char *db_json)
{
  const char *program = g_getenv ("SYNCOBJ_JSON_SERVER");
  JsonServer *server;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;
  g_autofree char *port_text = NULL;
  gint64 deadline;
  guint port, status = 0;

  if (program == NULL || !g_file_test (program, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("json-server is not installed: SYNCOBJ_JSON_SERVER is not set to its program "
                   "(tests/run-all installs json-server 0.17.4 with npm)");
      return NULL;
    }

  server = g_new0 (JsonServer, 1);
  server->dir = g_dir_make_tmp ("syncobj-json-server-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (server->dir, "db.json", NULL);
  g_file_set_contents (db, db_json, -1, &error);
  g_assert_no_error (error);

  port = syncobj_test_free_port ();
  port_text = g_strdup_printf ("%u", port);
  server->base = g_strdup_printf ("http://127.0.0.1:%u", port);
  server->session = soup_session_new_with_options ("timeout", 10, NULL);

  launcher = syncobj_test_server_launcher (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  server->process = g_subprocess_launcher_spawn (launcher, &error, program, "--host", "127.0.0.1",
                                                 "--port", port_text, "--quiet", db, NULL);
  g_assert_no_error (error);

  /* Bounded: polls until it answers, or fails the test. */
  deadline = g_get_monotonic_time () + (gint64) START_TIMEOUT_MS * 1000;
  while (TRUE)
    {
      g_autofree char *body = json_server_request (server, "GET", "/items", &status);

      if (status == 200)
        break;
      /* The child watch runs on the main context: the identifier goes
       * away once the process has exited. */
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (g_subprocess_get_identifier (server->process) == NULL)
        g_error ("json-server exited instead of listening on %s", server->base);
      if (g_get_monotonic_time () > deadline)
        g_error ("json-server did not answer on %s within %d ms", server->base, START_TIMEOUT_MS);
      g_usleep (50 * 1000);
    }
  return server;
}

static void
json_server_free (JsonServer *server)
{
  g_autofree char *db = g_build_filename (server->dir, "db.json", NULL);

  g_subprocess_send_signal (server->process, SIGKILL);
  g_subprocess_wait (server->process, NULL, NULL);
  g_clear_object (&server->process);
  g_clear_object (&server->session);
  g_unlink (db);
  g_rmdir (server->dir);
  g_free (server->dir);
  g_free (server->base);
  g_free (server);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JsonServer, json_server_free)

/* The record json-server holds at @path (GET), or NULL for a 404. */
static JsonObject *
json_server_get (JsonServer *server,
                 const char *path)
{
  guint status = 0;
  g_autofree char *body = json_server_request (server, "GET", path, &status);

  if (status == 404)
    return NULL;
  g_assert_cmpuint (status, ==, 200);
  return syncobj_test_object (body);
}

static void
assert_json (JsonObject *object,
             const char *expected_json)
{
  g_autoptr(JsonObject) expected = syncobj_test_object (expected_json);

  if (object == NULL || !json_object_equal (object, expected))
    {
      g_autoptr(JsonNode) node = object != NULL ? json_node_init_object (json_node_alloc (), object) : NULL;
      g_autofree char *actual = node != NULL ? json_to_string (node, FALSE) : g_strdup ("NULL");

      g_error ("JSON mismatch: expected %s, got %s", expected_json, actual);
    }
}

static void
assert_completed (SyncobjTransaction *transaction)
{
  WAIT_FOR (syncobj_transaction_is_finished (transaction), WAIT_TIMEOUT_MS);
  g_assert_no_error (syncobj_transaction_get_error (transaction));
  g_assert_cmpint (syncobj_transaction_get_state (transaction), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
}

/* Key-source SERVER against json-server's integer ids: an insert without a
 * key shows at once under a temporary key and takes json-server's id in
 * place; an update made to the temporary key while the insert was in
 * flight goes out as PATCH /items/<id>; a delete by the temporary key
 * (an alias now) removes it there. The sync polls json-server (it has no
 * change feed): its snapshots are the echo. */
static void
test_server_keys (void)
{
  g_autoptr(JsonServer) server = json_server_start ("{\"items\": [{\"id\": 1, \"title\": \"A\"}]}");
  g_autoptr(SyncobjHttpMutator) mutator = NULL;
  g_autoptr(SyncobjHttpSync) sync = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTestItemsChanged) changes = NULL;
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjTransaction) update = NULL;
  g_autoptr(SyncobjTransaction) delete = NULL;
  g_autoptr(SyncobjRecord) record = NULL;
  g_autoptr(JsonObject) held = NULL;
  g_autoptr(JsonObject) gone = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *items = NULL;
  g_autofree char *temporary_key = NULL;

  if (server == NULL)
    return;   /* skipped */

  items = g_strconcat (server->base, "/items", NULL);
  mutator = syncobj_http_mutator_new (items);
  syncobj_http_mutator_set_sync_timeout (mutator, WAIT_TIMEOUT_MS);
  syncobj_http_mutator_set_timeout (mutator, WAIT_TIMEOUT_MS);
  sync = syncobj_http_sync_new ("json-server-items", items, NULL);
  syncobj_http_sync_set_poll_interval (sync, 50);
  syncobj_http_sync_set_reconnect_delay (sync, 20);
  collection = g_object_new (SYNCOBJ_TYPE_COLLECTION,
                             "id", "json-server-items",
                             "key-source", SYNCOBJ_KEY_SOURCE_SERVER,
                             "sync", sync,
                             "mutator", mutator,
                             NULL);
  WAIT_FOR (syncobj_collection_get_ready (collection), WAIT_TIMEOUT_MS);
  syncobj_test_assert_keys (collection, "1");

  /* Both written before the main loop runs: the update is made while the
   * insert is in flight, under the temporary key. */
  insert = syncobj_test_insert (collection, "{\"title\": \"B\"}");
  record = g_list_model_get_item (G_LIST_MODEL (collection), 1);
  temporary_key = g_strdup (syncobj_record_get_key (record));
  g_assert_true (g_str_has_prefix (temporary_key, "~tmp-"));
  update = syncobj_test_update (collection, temporary_key, "{\"done\": true}");
  changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));

  assert_completed (insert);
  assert_completed (update);

  g_assert_cmpstr (syncobj_record_get_key (record), ==, "2");
  g_assert_false (syncobj_record_is_temporary (record));
  assert_json (syncobj_record_get_value (record), "{\"id\": 2, \"title\": \"B\", \"done\": true}");
  syncobj_test_assert_keys (collection, "1 2");
  /* Re-keyed in place; the polled echo is the same row. */
  g_assert_cmpuint (syncobj_test_items_changed_count (changes), ==, 0);

  /* What json-server holds: the update reached /items/2. */
  held = json_server_get (server, "/items/2");
  assert_json (held, "{\"id\": 2, \"title\": \"B\", \"done\": true}");

  delete = syncobj_collection_delete (collection, temporary_key, &error);
  g_assert_no_error (error);
  assert_completed (delete);
  gone = json_server_get (server, "/items/2");
  g_assert_null (gone);
  syncobj_test_assert_keys (collection, "1");
}

/* An insert under the application's key that json-server applied but
 * whose answer was lost (or the application was killed meanwhile): sent
 * again, json-server refuses it with 500 "Insert failed, duplicate id",
 * as often as it is retried. The mutator reads the item back: json-server
 * holds it as inserted, so the insert is applied and the writes queued
 * behind it go on. A record of that key with other values is no proof:
 * that refusal stands, retried and failed like any 500. Here the first
 * request of each is refused too (the records are there from the start),
 * and only the ones sent again are read back. */
static void
test_insert_replay_refused_as_duplicate (gconstpointer data)
{
  const char *query = data;
  g_autoptr(JsonServer) server = json_server_start ("{\"items\": [{\"id\": \"a\", \"title\": \"A\"}, "
                                                    "{\"id\": \"b\", \"title\": \"someone else's\"}]}");
  g_autoptr(SyncobjHttpMutator) mutator = NULL;
  g_autoptr(SyncobjRetryPolicy) policy = syncobj_retry_policy_new ();
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjTransaction) update = NULL;
  g_autoptr(SyncobjTransaction) other = NULL;
  g_autoptr(JsonObject) held = NULL;
  g_autofree char *items = NULL;
  const GError *error;

  if (server == NULL)
    return;   /* skipped */

  /* With a query, the item read back is …/items/a?query as well. */
  items = g_strconcat (server->base, "/items", query, NULL);
  mutator = syncobj_http_mutator_new (items);
  syncobj_http_mutator_set_timeout (mutator, WAIT_TIMEOUT_MS);
  /* No sync: nothing to wait for once json-server has answered. */
  syncobj_retry_policy_set_max_attempts (policy, 3);
  syncobj_retry_policy_set_initial_delay (policy, 10);
  syncobj_retry_policy_set_max_delay (policy, 20);
  syncobj_retry_policy_set_jitter (policy, 0);
  collection = g_object_new (SYNCOBJ_TYPE_COLLECTION,
                             "id", "json-server-replay",
                             "mutator", mutator,
                             "retry-policy", policy,
                             NULL);

  insert = syncobj_test_insert (collection, "{\"id\": \"a\", \"title\": \"A\"}");
  update = syncobj_test_update (collection, "a", "{\"done\": true}");
  assert_completed (insert);
  g_assert_cmpuint (syncobj_transaction_get_n_attempts (insert), ==, 2);
  assert_completed (update);
  held = json_server_get (server, "/items/a");
  assert_json (held, "{\"id\": \"a\", \"title\": \"A\", \"done\": true}");

  other = syncobj_test_insert (collection, "{\"id\": \"b\", \"title\": \"mine\"}");
  WAIT_FOR (syncobj_transaction_is_finished (other), WAIT_TIMEOUT_MS);
  g_assert_cmpint (syncobj_transaction_get_state (other), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  g_assert_cmpuint (syncobj_transaction_get_n_attempts (other), ==, 3);
  error = syncobj_transaction_get_error (other);
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP);
  g_assert_nonnull (strstr (error->message, "500"));
  g_assert_false (syncobj_collection_contains (collection, "b"));
}

/* An update that changes nothing on the server (the value it sets is the
 * server's already): json-server's snapshot keeps its ETag, so every poll
 * after the answer is a 304. That answer says the records shown are
 * current, which holds the update: it completes at the next poll, without
 * waiting out the sync timeout (longer than the test's wait here). */
static void
test_update_unchanged_completes_on_304 (void)
{
  g_autoptr(JsonServer) server = json_server_start ("{\"items\": [{\"id\": \"a\", \"title\": \"A\", \"done\": true}]}");
  g_autoptr(SyncobjHttpMutator) mutator = NULL;
  g_autoptr(SyncobjHttpSync) sync = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) update = NULL;
  g_autoptr(SyncobjTransaction) changed = NULL;
  g_autoptr(SyncobjRecord) record = NULL;
  g_autofree char *items = NULL;

  if (server == NULL)
    return;   /* skipped */

  items = g_strconcat (server->base, "/items", NULL);
  mutator = syncobj_http_mutator_new (items);
  syncobj_http_mutator_set_sync_timeout (mutator, 100 * WAIT_TIMEOUT_MS);
  syncobj_http_mutator_set_timeout (mutator, WAIT_TIMEOUT_MS);
  sync = syncobj_http_sync_new ("json-server-unchanged", items, NULL);
  syncobj_http_sync_set_poll_interval (sync, 50);
  collection = g_object_new (SYNCOBJ_TYPE_COLLECTION,
                             "id", "json-server-unchanged",
                             "sync", sync,
                             "mutator", mutator,
                             NULL);
  WAIT_FOR (syncobj_collection_get_ready (collection), WAIT_TIMEOUT_MS);

  update = syncobj_test_update (collection, "a", "{\"done\": true}");
  assert_completed (update);

  /* A write that changes the server's records still waits for them. */
  changed = syncobj_test_update (collection, "a", "{\"done\": false}");
  assert_completed (changed);
  record = syncobj_collection_lookup (collection, "a");
  assert_json (syncobj_record_get_value (record), "{\"id\": \"a\", \"title\": \"A\", \"done\": false}");
}

int
main (int   argc,
      char *argv[])
{
  syncobj_test_init (&argc, &argv);

  g_test_add_func ("/json-server/server-keys", test_server_keys);
  g_test_add_data_func ("/json-server/insert-replay-refused-as-duplicate", "",
                        test_insert_replay_refused_as_duplicate);
  g_test_add_data_func ("/json-server/insert-replay-refused-as-duplicate/base-with-query", "?source=test",
                        test_insert_replay_refused_as_duplicate);
  g_test_add_func ("/json-server/update-unchanged-completes-on-304", test_update_unchanged_completes_on_304);

  return g_test_run ();
}
