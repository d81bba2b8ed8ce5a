/* couch-test.c: SyncobjCouchSync and SyncobjCouchMutator against
 * pouchdb-server from npm, which speaks the CouchDB replication protocol
 * (tests/deps.sh installs it and sets SYNCOBJ_POUCHDB_SERVER; without it
 * the tests skip).
 *
 * Real HTTP needs the real clock: every wait is on an event with a bounded
 * timeout (WAIT_FOR), including the server's start.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"
#include "demo-server-utils.h"
#include "syncobj-json-util-private.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* node takes a while to start on a busy machine. */
#define START_TIMEOUT_MS 30000
#define LONG_TIMEOUT_MS  60000

typedef struct
{
  GSubprocess *process;
  char        *dir;        /* the server's working directory */
  char        *data_dir;   /* its --dir, or NULL for --in-memory */
  guint        port;
  char        *base;       /* http://127.0.0.1:PORT */
  char        *db;         /* base/db */
  SoupSession *session;
  const char  *authorization;  /* of the test's own requests, or NULL */
} PouchServer;

/* A blocking request from the test itself (the server is another
 * process). Returns the body; @status gets the status (0: no answer). */
static char *
pouch_request (PouchServer *server,
               const char  *method,
               const char  *path,
               const char  *body,
               guint       *status)
{
  g_autofree char *uri = g_strconcat (server->db, path, NULL);
  g_autoptr(SoupMessage) message = soup_message_new (method, uri);
  g_autoptr(GBytes) answer = NULL;

  if (server->authorization != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (message),
                                  "Authorization", server->authorization);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (message, "application/json", bytes);
    }
  answer = soup_session_send_and_read (server->session, message, NULL, NULL);
  *status = answer != NULL ? soup_message_get_status (message) : 0;
  return answer != NULL ? g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer)) : NULL;
}

static void
pouch_launch (PouchServer *server)
{
  const char *program = g_getenv ("SYNCOBJ_POUCHDB_SERVER");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *port_text = g_strdup_printf ("%u", server->port);
  gint64 deadline;

  launcher = syncobj_test_server_launcher (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  /* It writes its log and config to its working directory. */
  g_subprocess_launcher_set_cwd (launcher, server->dir);
  server->process = g_subprocess_launcher_spawn (launcher, &error, program, "--host", "127.0.0.1",
                                                 "--port", port_text,
                                                 server->data_dir != NULL ? "--dir" : "--in-memory",
                                                 server->data_dir, NULL);
  g_assert_no_error (error);

  /* Bounded: polls until it answers, or fails the test. */
  deadline = g_get_monotonic_time () + (gint64) START_TIMEOUT_MS * 1000;
  while (TRUE)
    {
      guint status = 0;
      g_autofree char *body = pouch_request (server, "GET", "", NULL, &status);

      if (status == 200 || status == 404)
        break;
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (g_subprocess_get_identifier (server->process) == NULL)
        g_error ("pouchdb-server exited instead of listening on %s", server->base);
      if (g_get_monotonic_time () > deadline)
        g_error ("pouchdb-server did not answer on %s within %d ms", server->base, START_TIMEOUT_MS);
      g_usleep (50 * 1000);
    }
}

static void
pouch_kill (PouchServer *server)
{
  g_subprocess_send_signal (server->process, SIGKILL);
  g_subprocess_wait (server->process, NULL, NULL);
  g_clear_object (&server->process);
}

/* Starts pouchdb-server on a free port of 127.0.0.1 with an empty database
 * "db", in memory or (@on_disk) on a temporary --dir; NULL when
 * pouchdb-server is not installed. */
static PouchServer *
pouch_start (gboolean on_disk)
{
  const char *program = g_getenv ("SYNCOBJ_POUCHDB_SERVER");
  PouchServer *server;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  guint status = 0;

  if (program == NULL || !g_file_test (program, G_FILE_TEST_IS_EXECUTABLE))
    return NULL;

  server = g_new0 (PouchServer, 1);
  server->dir = g_dir_make_tmp ("syncobj-pouchdb-XXXXXX", &error);
  g_assert_no_error (error);
  if (on_disk)
    {
      server->data_dir = g_build_filename (server->dir, "data", NULL);
      g_assert_cmpint (g_mkdir (server->data_dir, 0700), ==, 0);
    }
  server->port = syncobj_test_free_port ();
  server->base = g_strdup_printf ("http://127.0.0.1:%u", server->port);
  server->db = g_strconcat (server->base, "/db", NULL);
  server->session = soup_session_new_with_options ("timeout", 120, NULL);
  pouch_launch (server);

  body = pouch_request (server, "PUT", "", NULL, &status);
  g_assert_cmpuint (status, ==, 201);
  return server;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
pouch_free (PouchServer *server)
{
  if (server->process != NULL)
    pouch_kill (server);
  g_clear_object (&server->session);
  remove_tree (server->dir);
  g_free (server->dir);
  g_free (server->data_dir);
  g_free (server->base);
  g_free (server->db);
  g_free (server);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PouchServer, pouch_free)

#define SKIP_WITHOUT_SERVER(server)                                                          \
  G_STMT_START {                                                                             \
    if ((server) == NULL)                                                                    \
      {                                                                                      \
        g_test_skip ("pouchdb-server is not installed: SYNCOBJ_POUCHDB_SERVER is not set to " \
                     "its program (tests/run-all installs pouchdb-server 4.2.0 with npm)");  \
        return;                                                                              \
      }                                                                                      \
  } G_STMT_END

/* The document the server holds (GET), or NULL for a 404. */
static JsonObject *
pouch_get (PouchServer *server,
           const char  *id)
{
  g_autofree char *path = g_strconcat ("/", id, NULL);
  guint status = 0;
  g_autofree char *body = pouch_request (server, "GET", path, NULL, &status);

  if (status == 404)
    return NULL;
  g_assert_cmpuint (status, ==, 200);
  return syncobj_test_object (body);
}

static void
pouch_put (PouchServer *server,
           const char  *id,
           const char  *json)
{
  g_autofree char *path = g_strconcat ("/", id, NULL);
  guint status = 0;
  g_autofree char *body = pouch_request (server, "PUT", path, json, &status);

  g_assert_cmpuint (status, ==, 201);
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  g_assert_nonnull (object);
  g_assert_true (json_object_has_member (object, name));
  return json_object_get_string_member (object, name);
}

static void
assert_completed (SyncobjTransaction *transaction)
{
  WAIT_FOR (syncobj_transaction_is_finished (transaction), LONG_TIMEOUT_MS);
  g_assert_no_error (syncobj_transaction_get_error (transaction));
  g_assert_cmpint (syncobj_transaction_get_state (transaction), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
}

/* A collection of @database (with a @selector, if not NULL). */
static SyncobjCollection *
couch_collection_of (const char        *database,
                     const char        *id,
                     SyncobjStore      *store,
                     const char        *selector,
                     SyncobjCouchSync **sync_out)
{
  g_autoptr(SyncobjCouchSync) sync = syncobj_couch_sync_new (id, database);
  g_autoptr(SyncobjCouchMutator) mutator = syncobj_couch_mutator_new (database);
  SyncobjCollection *collection;

  syncobj_couch_sync_set_selector (sync, selector);
  syncobj_couch_sync_set_reconnect_delay (sync, 50);
  syncobj_couch_sync_set_heartbeat (sync, 1000);
  syncobj_couch_mutator_set_sync_timeout (mutator, WAIT_TIMEOUT_MS);
  collection = g_object_new (SYNCOBJ_TYPE_COLLECTION,
                             "id", id,
                             "key-member", "_id",
                             "key-source", SYNCOBJ_KEY_SOURCE_SERVER,
                             "sync", sync,
                             "mutator", mutator,
                             "store", store,
                             NULL);
  if (sync_out != NULL)
    *sync_out = g_object_ref (sync);
  return collection;
}

static SyncobjCollection *
couch_collection (PouchServer       *server,
                  const char        *id,
                  SyncobjStore      *store,
                  SyncobjCouchSync **sync_out)
{
  return couch_collection_of (server->db, id, store, NULL, sync_out);
}

/* The _rev of @object, or NULL. */
static const char *
json_rev (JsonObject *object)
{
  return json_object_get_string_member_with_default (object, "_rev", NULL);
}

static JsonObject *
value_of (SyncobjCollection *collection,
          const char        *key)
{
  JsonObject *value = syncobj_collection_lookup_value (collection, key);

  g_assert_nonnull (value);
  return value;
}

/* Insert, update and delete through _bulk_docs; the synced values keep
 * _rev; a design document is no record; an insert without _id takes the
 * server's id in place; a change made on the server comes through the
 * long poll. */
static void
test_crud (void)
{
  g_autoptr(PouchServer) server = pouch_start (FALSE);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjTransaction) update = NULL;
  g_autoptr(SyncobjTransaction) delete = NULL;
  g_autoptr(SyncobjTransaction) created = NULL;
  g_autoptr(SyncobjRecord) record = NULL;
  g_autoptr(JsonObject) held = NULL;
  g_autoptr(JsonObject) gone = NULL;
  g_autoptr(GError) error = NULL;

  SKIP_WITHOUT_SERVER (server);
  pouch_put (server, "a", "{\"title\": \"A\"}");
  pouch_put (server, "_design/views", "{\"views\": {}}");

  collection = couch_collection (server, "couch-crud", NULL, NULL);
  WAIT_FOR (syncobj_collection_get_ready (collection), WAIT_TIMEOUT_MS);
  syncobj_test_assert_keys (collection, "a");
  g_assert_true (g_str_has_prefix (member_string (value_of (collection, "a"), "_rev"), "1-"));

  insert = syncobj_test_insert (collection, "{\"_id\": \"b\", \"title\": \"B\"}");
  assert_completed (insert);
  held = pouch_get (server, "b");
  g_assert_cmpstr (member_string (held, "title"), ==, "B");
  /* The echo came before the transaction completed: the synced value is
   * the server's revision. */
  g_assert_cmpstr (member_string (value_of (collection, "b"), "_rev"), ==, member_string (held, "_rev"));

  update = syncobj_test_update (collection, "a", "{\"title\": \"A2\"}");
  assert_completed (update);
  g_clear_pointer (&held, json_object_unref);
  held = pouch_get (server, "a");
  g_assert_cmpstr (member_string (held, "title"), ==, "A2");
  g_assert_true (g_str_has_prefix (member_string (held, "_rev"), "2-"));
  g_assert_cmpstr (member_string (value_of (collection, "a"), "_rev"), ==, member_string (held, "_rev"));

  delete = syncobj_collection_delete (collection, "b", &error);
  g_assert_no_error (error);
  assert_completed (delete);
  gone = pouch_get (server, "b");
  g_assert_null (gone);
  syncobj_test_assert_keys (collection, "a");

  /* No _id: the server's id, taken in place. */
  created = syncobj_test_insert (collection, "{\"title\": \"C\"}");
  record = g_list_model_get_item (G_LIST_MODEL (collection), 1);
  g_assert_true (syncobj_record_is_temporary (record));
  assert_completed (created);
  g_assert_false (syncobj_record_is_temporary (record));
  g_clear_pointer (&held, json_object_unref);
  held = pouch_get (server, syncobj_record_get_key (record));
  g_assert_cmpstr (member_string (held, "title"), ==, "C");

  /* Another client's change, through the feed. */
  pouch_put (server, "d", "{\"title\": \"D\"}");
  WAIT_FOR (syncobj_collection_contains (collection, "d"), WAIT_TIMEOUT_MS);
}

/* _bulk_docs is not atomic: of one transaction, the server's validation
 * refuses one document (forbidden) and writes the others (PouchDB Server
 * answers the refused one first). Only the refused document rolls back;
 * those written stay and the sync brings their new revisions. */
static void
test_partial_refusal (void)
{
  g_autoptr(PouchServer) server = pouch_start (FALSE);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(JsonObject) held = NULL;
  g_autoptr(JsonObject) refused = NULL;
  const GError *error;

  SKIP_WITHOUT_SERVER (server);
  pouch_put (server, "a", "{\"title\": \"A\"}");
  pouch_put (server, "_design/validate",
             "{\"validate_doc_update\": \"function (doc) { if (doc.title === 'invalid') "
             "throw ({forbidden: 'title must not be invalid'}); }\"}");

  collection = couch_collection (server, "couch-partial", NULL, NULL);
  WAIT_FOR (syncobj_collection_get_ready (collection), WAIT_TIMEOUT_MS);

  transaction = syncobj_collection_begin (collection);
  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_UPDATE, "a", "{\"title\": \"A2\"}");
  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_INSERT, NULL,
                                  "{\"_id\": \"b\", \"title\": \"invalid\"}");
  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_INSERT, NULL,
                                  "{\"_id\": \"c\", \"title\": \"C\"}");
  g_assert_true (syncobj_transaction_commit (transaction, NULL));
  WAIT_FOR (syncobj_transaction_is_finished (transaction), LONG_TIMEOUT_MS);

  /* The transaction fails, naming the refused document... */
  error = syncobj_transaction_get_error (transaction);
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_NON_RETRIABLE);
  g_assert_nonnull (strstr (error->message, "title must not be invalid"));
  g_assert_nonnull (strstr (error->message, "the server applied the changes to “a”, “c”, which stay; "
                                           "the changes to “b” were rolled back"));
  /* ...which alone rolls back. */
  g_assert_false (syncobj_collection_contains (collection, "b"));
  g_assert_cmpstr (member_string (value_of (collection, "a"), "title"), ==, "A2");
  g_assert_cmpstr (member_string (value_of (collection, "c"), "title"), ==, "C");
  refused = pouch_get (server, "b");
  g_assert_null (refused);

  /* The sync brings the new revisions of what stayed. */
  held = pouch_get (server, "a");
  g_assert_cmpstr (member_string (held, "title"), ==, "A2");
  WAIT_FOR (g_strcmp0 (json_rev (value_of (collection, "a")), member_string (held, "_rev")) == 0,
            WAIT_TIMEOUT_MS);
  g_clear_pointer (&held, json_object_unref);
  held = pouch_get (server, "c");
  WAIT_FOR (g_strcmp0 (json_rev (value_of (collection, "c")), member_string (held, "_rev")) == 0,
            WAIT_TIMEOUT_MS);
  syncobj_test_assert_keys (collection, "a c");
}

static void
flush_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  syncobj_store_flush_finish (SYNCOBJ_STORE (source), result, &error);
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

/* Waits until what the store was given is on disk. */
static void
store_flush (SyncobjStore *store)
{
  gboolean done = FALSE;

  syncobj_store_flush_async (store, NULL, flush_cb, &done);
  WAIT_FOR (done, WAIT_TIMEOUT_MS);
}

/* The answer to a write was lost after the server applied it: the retry
 * is refused as a conflict, and the mutator finds its own change in the
 * current revision and completes. Here the "first attempt" is made by the
 * test, with the revision the collection's update is based on. */
static void
test_lost_answer (void)
{
  g_autoptr(PouchServer) server = pouch_start (FALSE);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) update = NULL;
  g_autoptr(JsonObject) held = NULL;
  g_autofree char *body = NULL;

  SKIP_WITHOUT_SERVER (server);
  pouch_put (server, "a", "{\"title\": \"A\"}");
  collection = couch_collection (server, "couch-lost-answer", NULL, NULL);
  WAIT_FOR (syncobj_collection_get_ready (collection), WAIT_TIMEOUT_MS);

  /* Queued: nothing goes out before the main loop runs. */
  update = syncobj_test_update (collection, "a", "{\"title\": \"A2\"}");
  body = g_strdup_printf ("{\"title\": \"A2\", \"_rev\": \"%s\"}",
                          member_string (value_of (collection, "a"), "_rev"));
  pouch_put (server, "a", body);

  assert_completed (update);
  held = pouch_get (server, "a");
  g_assert_cmpstr (member_string (held, "title"), ==, "A2");
  /* One revision: the change was not written twice. */
  g_assert_true (g_str_has_prefix (member_string (held, "_rev"), "2-"));
}

static void
count_cb (guint *count)
{
  (*count)++;
}

/* A collection with a store, restarted: it shows its cached documents at
 * once and asks only for the changes since its cursor (last_seq), with no
 * second full load. */
static void
test_resume_from_cursor (void)
{
  g_autoptr(PouchServer) server = pouch_start (FALSE);
  g_autofree char *path = NULL;
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjCouchSync) sync = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cursor = NULL;

  SKIP_WITHOUT_SERVER (server);
  pouch_put (server, "a", "{\"title\": \"A\"}");
  pouch_put (server, "b", "{\"title\": \"B\"}");
  path = g_build_filename (server->dir, "store.db", NULL);
  store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);

  collection = couch_collection (server, "couch-resume", store, &sync);
  WAIT_FOR (syncobj_collection_get_ready (collection), WAIT_TIMEOUT_MS);
  syncobj_test_assert_keys (collection, "a b");
  g_assert_cmpuint (syncobj_couch_sync_get_full_loads (sync), ==, 1);
  cursor = g_strdup (syncobj_sync_get_cursor (SYNCOBJ_SYNC (sync)));
  g_assert_cmpstr (cursor, ==, "2");

  g_clear_object (&collection);
  g_clear_object (&sync);
  store_flush (store);
  g_clear_object (&store);

  /* Meanwhile on the server. */
  pouch_put (server, "c", "{\"title\": \"C\"}");

  store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  collection = couch_collection (server, "couch-resume", store, &sync);
  /* The cache, before any answer. */
  syncobj_test_assert_keys (collection, "a b");
  g_assert_cmpstr (syncobj_sync_get_cursor (SYNCOBJ_SYNC (sync)), ==, cursor);
  WAIT_FOR (syncobj_collection_contains (collection, "c"), WAIT_TIMEOUT_MS);
  WAIT_FOR (syncobj_collection_get_ready (collection), WAIT_TIMEOUT_MS);
  syncobj_test_assert_keys (collection, "a b c");
  g_assert_cmpuint (syncobj_couch_sync_get_full_loads (sync), ==, 0);
  g_assert_cmpstr (syncobj_sync_get_cursor (SYNCOBJ_SYNC (sync)), ==, "3");
}

#define NOTES "{\"type\": \"note\"}"

/* Writes @json over the current revision of @id on the server. */
static void
pouch_replace (PouchServer *server,
               const char  *id,
               const char  *json)
{
  g_autoptr(JsonObject) held = pouch_get (server, id);
  g_autoptr(JsonObject) value = syncobj_test_object (json);
  g_autofree char *body = NULL;

  json_object_set_string_member (value, "_rev", member_string (held, "_rev"));
  body = _syncobj_json_to_string (value);
  pouch_put (server, id, body);
}

static void
pouch_delete (PouchServer *server,
              const char  *id)
{
  g_autoptr(JsonObject) held = pouch_get (server, id);
  g_autofree char *path = g_strdup_printf ("/%s?rev=%s", id, member_string (held, "_rev"));
  guint status = 0;

  g_free (pouch_request (server, "DELETE", path, NULL, &status));
  g_assert_cmpuint (status, ==, 200);
}

/* The client was killed with an update's first attempt applied and its
 * echo (the revision it made) cached with the sync's cursor, but not its
 * answer (crash-helper echoed). Restored, the update is based on the
 * cached document, which already holds its change: it completes without
 * writing the change again as one more revision. */
static void
test_restored_write_echoed (void)
{
  g_autoptr(PouchServer) server = pouch_start (FALSE);
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(JsonObject) before = NULL;
  g_autoptr(JsonObject) after = NULL;
  g_autoptr(JsonObject) held = NULL;
  g_autoptr(JsonObject) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before_text = NULL;
  g_autofree char *after_text = NULL;
  g_autofree char *path = NULL;
  g_autofree char *helper = g_test_build_filename (G_TEST_BUILT, "crash-helper", NULL);
  g_autofree char *output = NULL;
  g_autofree char *errors = NULL;
  g_autofree char *body = NULL;
  SyncobjTransaction *updated;
  guint status = 0;
  int wait_status;

  SKIP_WITHOUT_SERVER (server);
  pouch_put (server, "a", "{\"n\": 1}");
  before = pouch_get (server, "a");
  /* The update's first attempt, applied by the server. */
  pouch_replace (server, "a", "{\"n\": 2}");
  after = pouch_get (server, "a");
  before_text = _syncobj_json_to_string (before);
  after_text = _syncobj_json_to_string (after);

  path = g_build_filename (server->dir, "store.db", NULL);
  {
    const char *argv[] = { helper, "echoed", path, before_text, after_text, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &output, &errors, &wait_status, &error);
    g_assert_no_error (error);
    if (!WIFSIGNALED (wait_status) || WTERMSIG (wait_status) != SIGKILL)
      g_error ("crash-helper did not die of SIGKILL (status %d): %s", wait_status, errors);
  }
  g_assert_true (g_str_has_prefix (output, "update "));
  g_strchomp (output);

  store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  collection = couch_collection (server, "echoed", store, NULL);
  updated = syncobj_registry_lookup_transaction (syncobj_registry_get_default (), output + strlen ("update "));
  g_assert_nonnull (updated);
  assert_completed (updated);

  /* Two revisions and two writes: the change was not written again. */
  held = pouch_get (server, "a");
  g_assert_cmpstr (member_string (held, "_rev"), ==, member_string (after, "_rev"));
  body = pouch_request (server, "GET", "", NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  info = syncobj_test_object (body);
  g_assert_cmpint (json_object_get_int_member (info, "update_seq"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (value_of (collection, "a"), "n"), ==, 2);
}

/* A selector syncs part of the database, against PouchDB Server (which
 * reads the selector from the query, where CouchDB reads it from the body
 * of the POST): the first load holds exactly the matching documents; a
 * document that comes to match appears, one that stops matching or is
 * deleted leaves; a restart resumes from the cursor with no full load,
 * and what changed meanwhile is applied the same way. */
static void
test_selector (void)
{
  g_autoptr(PouchServer) server = pouch_start (FALSE);
  g_autofree char *path = NULL;
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjCouchSync) sync = NULL;
  g_autoptr(GError) error = NULL;
  guint status = 0;

  SKIP_WITHOUT_SERVER (server);
  pouch_put (server, "a", "{\"type\": \"note\", \"title\": \"A\"}");
  pouch_put (server, "b", "{\"type\": \"task\", \"title\": \"B\"}");
  pouch_put (server, "c", "{\"type\": \"note\", \"title\": \"C\"}");
  path = g_build_filename (server->dir, "store.db", NULL);
  store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);

  collection = couch_collection_of (server->db, "couch-selector", store, NOTES, &sync);
  WAIT_FOR (syncobj_collection_get_ready (collection), WAIT_TIMEOUT_MS);
  syncobj_test_assert_keys (collection, "a c");
  g_assert_cmpuint (syncobj_couch_sync_get_full_loads (sync), ==, 1);
  g_assert_null (syncobj_sync_get_error (SYNCOBJ_SYNC (sync)));

  /* b comes to match: the feed brings it. c stops matching and a is
   * deleted: both leave, though a filtered feed would send neither. */
  pouch_replace (server, "b", "{\"type\": \"note\", \"title\": \"B\"}");
  WAIT_FOR (syncobj_collection_contains (collection, "b"), WAIT_TIMEOUT_MS);
  syncobj_test_assert_keys (collection, "a c b");
  pouch_replace (server, "c", "{\"type\": \"task\", \"title\": \"C\"}");
  WAIT_FOR (!syncobj_collection_contains (collection, "c"), WAIT_TIMEOUT_MS);
  pouch_delete (server, "a");
  WAIT_FOR (!syncobj_collection_contains (collection, "a"), WAIT_TIMEOUT_MS);
  syncobj_test_assert_keys (collection, "b");

  g_clear_object (&collection);
  g_clear_object (&sync);
  store_flush (store);
  g_clear_object (&store);

  /* Meanwhile on the server: one document that matches, one that does
   * not, and b stops matching. */
  pouch_put (server, "d", "{\"type\": \"note\", \"title\": \"D\"}");
  pouch_put (server, "e", "{\"type\": \"task\", \"title\": \"E\"}");
  pouch_replace (server, "b", "{\"type\": \"task\", \"title\": \"B\"}");
  g_free (pouch_request (server, "GET", "", NULL, &status));
  g_assert_cmpuint (status, ==, 200);

  store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  collection = couch_collection_of (server->db, "couch-selector", store, NOTES, &sync);
  syncobj_test_assert_keys (collection, "b");
  WAIT_FOR (syncobj_collection_contains (collection, "d"), WAIT_TIMEOUT_MS);
  WAIT_FOR (syncobj_collection_get_ready (collection), WAIT_TIMEOUT_MS);
  syncobj_test_assert_keys (collection, "d");
  g_assert_cmpuint (syncobj_couch_sync_get_full_loads (sync), ==, 0);
  g_assert_null (syncobj_sync_get_error (SYNCOBJ_SYNC (sync)));
}

/* A selector with an operator CouchDB does not know (which PouchDB Server
 * 4.2 answers with 400, then exits) is refused before any request, with
 * an error naming it; the server stays up. So is text that is no JSON
 * object (a selector typed by a user): it was a critical that left the
 * selector unset, and the whole database was synced. */
static void
test_selector_not_json (void)
{
  g_autoptr(PouchServer) server = pouch_start (FALSE);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjCouchSync) sync = NULL;
  const GError *sync_error;

  SKIP_WITHOUT_SERVER (server);
  pouch_put (server, "a", "{\"type\": \"note\"}");
  collection = couch_collection_of (server->db, "couch-selector-not-json", NULL, "{\"type\": \"note\"", &sync);
  g_assert_cmpstr (syncobj_couch_sync_get_selector (sync), ==, "{\"type\": \"note\"");
  WAIT_FOR (syncobj_sync_get_error (SYNCOBJ_SYNC (sync)) != NULL, WAIT_TIMEOUT_MS);
  sync_error = syncobj_sync_get_error (SYNCOBJ_SYNC (sync));
  g_assert_error (sync_error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE);
  g_assert_nonnull (strstr (sync_error->message, "{\"type\": \"note\""));
  g_assert_false (syncobj_collection_get_ready (collection));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (collection)), ==, 0);
}

static void
test_selector_invalid (void)
{
  g_autoptr(PouchServer) server = pouch_start (FALSE);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjCouchSync) sync = NULL;
  const GError *sync_error;
  guint status = 0;

  SKIP_WITHOUT_SERVER (server);
  pouch_put (server, "a", "{\"n\": 1}");
  collection = couch_collection_of (server->db, "couch-selector-invalid", NULL, "{\"n\": {\"$foo\": 1}}", &sync);
  WAIT_FOR (syncobj_sync_get_error (SYNCOBJ_SYNC (sync)) != NULL, WAIT_TIMEOUT_MS);
  sync_error = syncobj_sync_get_error (SYNCOBJ_SYNC (sync));
  g_assert_error (sync_error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE);
  g_assert_nonnull (strstr (sync_error->message, "{\"n\":{\"$foo\":1}}"));
  g_assert_nonnull (strstr (sync_error->message, "“$foo”"));
  g_assert_false (syncobj_collection_get_ready (collection));
  g_free (pouch_request (server, "GET", "/a", NULL, &status));
  g_assert_cmpuint (status, ==, 200);
}

/* A server that cannot filter by a selector (here one answering 400 to
 * every request, as a CouchDB 1 does to filter=_selector) gets an error
 * naming the selector, and the collection stays empty. */
static void
refuse_cb (SoupServer        *soup_server,
           SoupServerMessage *message,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  static const char answer[] = "{\"error\": \"bad_request\", \"reason\": \"unknown filter\"}";

  soup_server_message_set_status (message, SOUP_STATUS_BAD_REQUEST, NULL);
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_STATIC, answer, strlen (answer));
}

static void
test_selector_refused (void)
{
  g_autoptr(SoupServer) soup_server = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;
  g_autofree char *base = NULL;
  g_autofree char *database = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjCouchSync) sync = NULL;
  const GError *sync_error;

  soup_server_add_handler (soup_server, NULL, refuse_cb, NULL, NULL);
  soup_server_listen_local (soup_server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (soup_server);
  base = g_uri_to_string (uris->data);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
  database = g_strconcat (base, "db", NULL);

  collection = couch_collection_of (database, "couch-refused", NULL, NOTES, &sync);
  WAIT_FOR (syncobj_sync_get_error (SYNCOBJ_SYNC (sync)) != NULL, WAIT_TIMEOUT_MS);
  sync_error = syncobj_sync_get_error (SYNCOBJ_SYNC (sync));
  g_assert_error (sync_error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP);
  g_assert_nonnull (strstr (sync_error->message, "selector {\"type\":\"note\"}"));
  g_assert_nonnull (strstr (sync_error->message, "bad_request: unknown filter"));
  g_assert_false (syncobj_collection_get_ready (collection));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (collection)), ==, 0);
}

/* 10,000 documents loaded in one _all_docs answer, then followed. */
static void
test_ten_thousand (void)
{
  g_autoptr(PouchServer) server = pouch_start (FALSE);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) update = NULL;
  guint n = syncobj_test_instrumented () ? 2000 : 10000;

  SKIP_WITHOUT_SERVER (server);
  /* In requests of 1,000: pouchdb-server writes a few hundred a second on
   * a busy machine. */
  for (guint start = 0; start < n; start += 1000)
    {
      g_autoptr(GString) docs = g_string_new ("{\"docs\": [");
      g_autofree char *answer = NULL;
      guint status = 0;

      for (guint i = start; i < start + 1000 && i < n; i++)
        g_string_append_printf (docs, "%s{\"_id\": \"doc%05u\", \"n\": %u}", i > start ? "," : "", i, i);
      g_string_append (docs, "]}");
      answer = pouch_request (server, "POST", "/_bulk_docs", docs->str, &status);
      g_assert_cmpuint (status, ==, 201);
    }

  collection = couch_collection (server, "couch-10k", NULL, NULL);
  WAIT_FOR (syncobj_collection_get_ready (collection), LONG_TIMEOUT_MS);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (collection)), ==, n);
  g_assert_cmpint (json_object_get_int_member (value_of (collection, "doc00042"), "n"), ==, 42);

  pouch_put (server, "zzz", "{\"n\": -1}");
  WAIT_FOR (syncobj_collection_contains (collection, "zzz"), WAIT_TIMEOUT_MS);
  update = syncobj_test_update (collection, "doc00007", "{\"n\": 700}");
  assert_completed (update);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (collection)), ==, n + 1);
}

/* Edits made while the server is down wait, spending no attempt, and
 * reach it once it is back; the sync reconnects and catches up from its
 * cursor. */
static void
test_offline_edits (void)
{
  g_autoptr(PouchServer) server = pouch_start (TRUE);
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjCouchSync) sync = NULL;
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjTransaction) update = NULL;
  g_autoptr(SyncobjTransaction) delete = NULL;
  g_autoptr(JsonObject) held = NULL;
  g_autoptr(JsonObject) gone = NULL;
  g_autoptr(GError) error = NULL;

  SKIP_WITHOUT_SERVER (server);
  pouch_put (server, "a", "{\"title\": \"A\"}");
  pouch_put (server, "b", "{\"title\": \"B\"}");
  store = syncobj_store_new_in_memory ();
  collection = couch_collection (server, "couch-offline", store, &sync);
  WAIT_FOR (syncobj_collection_get_ready (collection), WAIT_TIMEOUT_MS);

  pouch_kill (server);
  WAIT_FOR (!syncobj_couch_sync_get_connected (sync), WAIT_TIMEOUT_MS);

  insert = syncobj_test_insert (collection, "{\"_id\": \"c\", \"title\": \"C\"}");
  update = syncobj_test_update (collection, "a", "{\"title\": \"A offline\"}");
  delete = syncobj_collection_delete (collection, "b", &error);
  g_assert_no_error (error);
  /* Shown at once, and waiting without spending attempts: the server is
   * unreachable (offline), and one write at a time probes it. When the
   * sync's reconnection found it refused first, the insert waits before
   * its first request. */
  syncobj_test_assert_keys (collection, "a c");
  WAIT_FOR (syncobj_collection_get_offline (collection), WAIT_TIMEOUT_MS);
  g_assert_true (syncobj_registry_get_offline (syncobj_registry_get_default ()));
  g_assert_false (syncobj_transaction_is_finished (insert));
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (insert), <=, 1);

  pouch_launch (server);
  assert_completed (insert);
  assert_completed (update);
  assert_completed (delete);
  held = pouch_get (server, "a");
  g_assert_cmpstr (member_string (held, "title"), ==, "A offline");
  gone = pouch_get (server, "b");
  g_assert_null (gone);
  WAIT_FOR (syncobj_couch_sync_get_connected (sync), WAIT_TIMEOUT_MS);
  syncobj_test_assert_keys (collection, "a c");
  g_assert_cmpstr (member_string (value_of (collection, "a"), "_rev"), ==, member_string (held, "_rev"));
}

/* The server dies while a transaction's _bulk_docs is on its way; when it
 * comes back (its --dir kept the data) the retry finds the documents the
 * first attempt wrote, recognises its own change in their current
 * revision and completes instead of conflicting. */
static void
test_server_restart_mid_write (void)
{
  g_autoptr(PouchServer) server = pouch_start (TRUE);
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *all = NULL;
  guint n = 300;
  guint status = 0;

  SKIP_WITHOUT_SERVER (server);
  pouch_put (server, "a", "{\"title\": \"A\"}");
  store = syncobj_store_new_in_memory ();
  collection = couch_collection (server, "couch-restart", store, NULL);
  WAIT_FOR (syncobj_collection_get_ready (collection), WAIT_TIMEOUT_MS);

  transaction = syncobj_collection_begin (collection);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"_id\": \"w%03u\", \"i\": %u}", i, i);
      g_autoptr(JsonObject) value = syncobj_test_object (json);

      syncobj_transaction_insert (transaction, collection, value, &error);
      g_assert_no_error (error);
    }
  syncobj_transaction_commit (transaction, &error);
  g_assert_no_error (error);

  /* Killed as soon as the request is out: the server may have written
   * some, all or none of the documents. */
  WAIT_FOR (syncobj_transaction_get_state (transaction) == SYNCOBJ_TRANSACTION_STATE_PERSISTING,
            WAIT_TIMEOUT_MS);
  g_usleep (20 * 1000);
  pouch_kill (server);
  pouch_launch (server);

  assert_completed (transaction);
  all = pouch_request (server, "GET", "/_all_docs", NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (strstr (all, "\"total_rows\":301"));
  WAIT_FOR (g_list_model_get_n_items (G_LIST_MODEL (collection)) == n + 1, WAIT_TIMEOUT_MS);
}

/* Two clients change one document at once, each a member of its own: the
 * second write is a conflict, rebased on the first one's revision (the
 * default policy) and sent again; both collections converge on the merge. */
static void
test_two_clients_conflict (gconstpointer data)
{
  const char *query = data;
  g_autoptr(PouchServer) server = pouch_start (FALSE);
  g_autoptr(SyncobjCollection) first = NULL;
  g_autoptr(SyncobjCollection) second = NULL;
  g_autoptr(SyncobjTransaction) one = NULL;
  g_autoptr(SyncobjTransaction) two = NULL;
  g_autoptr(JsonObject) held = NULL;
  g_autofree char *database = NULL;
  guint conflicts = 0;

  SKIP_WITHOUT_SERVER (server);
  pouch_put (server, "s", "{\"title\": \"S\", \"count\": 1}");
  /* A query in the database URI (an API key, a proxy's token) stays the
   * query of every request: the snapshot, the feed, _bulk_docs and the
   * conflict's read of the document. */
  database = g_strconcat (server->db, query, NULL);
  first = couch_collection_of (database, "couch-first", NULL, NULL, NULL);
  second = couch_collection_of (database, "couch-second", NULL, NULL, NULL);
  g_signal_connect_swapped (second, "conflict", G_CALLBACK (count_cb), &conflicts);
  g_signal_connect_swapped (first, "conflict", G_CALLBACK (count_cb), &conflicts);
  WAIT_FOR (syncobj_collection_get_ready (first) && syncobj_collection_get_ready (second), WAIT_TIMEOUT_MS);

  /* Both based on revision 1. */
  one = syncobj_test_update (first, "s", "{\"title\": \"S from one\"}");
  two = syncobj_test_update (second, "s", "{\"count\": 2}");
  assert_completed (one);
  assert_completed (two);
  g_assert_cmpuint (conflicts, ==, 1);

  held = pouch_get (server, "s");
  g_assert_cmpstr (member_string (held, "title"), ==, "S from one");
  g_assert_cmpint (json_object_get_int_member (held, "count"), ==, 2);
  g_assert_true (g_str_has_prefix (member_string (held, "_rev"), "3-"));
  WAIT_FOR (g_strcmp0 (member_string (value_of (first, "s"), "_rev"), member_string (held, "_rev")) == 0 &&
            g_strcmp0 (member_string (value_of (second, "s"), "_rev"), member_string (held, "_rev")) == 0,
            WAIT_TIMEOUT_MS);
  g_assert_true (json_object_equal (value_of (first, "s"), held));
  g_assert_true (json_object_equal (value_of (second, "s"), held));
}

#define ADMIN_BASIC "Basic YWRtaW46c2VjcmV0"   /* admin:secret */

/* Ends the "admin party": an admin "admin", and the database readable by
 * it alone. */
static void
pouch_require_auth (PouchServer *server)
{
  g_autofree char *uri = g_strconcat (server->base, "/_config/admins/admin", NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("PUT", uri);
  g_autoptr(GBytes) secret = g_bytes_new_static ("\"secret\"", 8);
  g_autoptr(GBytes) answer = NULL;
  g_autofree char *body = NULL;
  guint status = 0;

  soup_message_set_request_body_from_bytes (message, "application/json", secret);
  answer = soup_session_send_and_read (server->session, message, NULL, NULL);
  g_assert_cmpuint (soup_message_get_status (message), ==, 200);

  server->authorization = ADMIN_BASIC;
  body = pouch_request (server, "PUT", "/_security",
                        "{\"admins\": {\"names\": [], \"roles\": []},"
                        " \"members\": {\"names\": [\"admin\"], \"roles\": []}}", &status);
  g_assert_cmpuint (status, ==, 200);
}

static void
give_credential_cb (GObject            *owner,
                    SyncobjAuthRequest *request,
                    gpointer            user_data)
{
  guint *asked = user_data;

  (*asked)++;
  syncobj_auth_request_set_credential (request, ADMIN_BASIC);
}

/* A database readable only with credentials: the sync and the mutator
 * each ask once through ::auth-required, then read and write with a
 * Basic credential or (@data) a session cookie from _session. */
static void
test_auth (gconstpointer data)
{
  const char *mode = data;
  gboolean cookie_session = !g_str_equal (mode, "basic");
  g_autoptr(PouchServer) server = pouch_start (FALSE);
  g_autofree char *database = NULL;
  g_autoptr(SyncobjCouchSync) sync = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(JsonObject) held = NULL;
  SyncobjCouchMutator *mutator;
  guint sync_asked = 0, mutator_asked = 0;

  SKIP_WITHOUT_SERVER (server);
  pouch_put (server, "a", "{\"title\": \"A\"}");
  pouch_require_auth (server);

  /* "cookie-with-query": the login goes to /_session with the database
   * URI's query. */
  database = g_strconcat (server->db, g_str_equal (mode, "cookie-with-query") ? "?client=test" : "", NULL);
  collection = couch_collection_of (database, cookie_session ? "couch-cookie" : "couch-basic", NULL, NULL, &sync);
  mutator = SYNCOBJ_COUCH_MUTATOR (syncobj_collection_get_mutator (collection));
  syncobj_couch_sync_set_cookie_session (sync, cookie_session);
  syncobj_couch_mutator_set_cookie_session (mutator, cookie_session);
  g_signal_connect (sync, "auth-required", G_CALLBACK (give_credential_cb), &sync_asked);
  g_signal_connect (mutator, "auth-required", G_CALLBACK (give_credential_cb), &mutator_asked);

  WAIT_FOR (syncobj_collection_get_ready (collection), WAIT_TIMEOUT_MS);
  syncobj_test_assert_keys (collection, "a");
  g_assert_cmpuint (sync_asked, ==, 1);
  g_assert_false (syncobj_couch_sync_get_needs_auth (sync));

  insert = syncobj_test_insert (collection, "{\"_id\": \"b\", \"title\": \"B\"}");
  assert_completed (insert);
  g_assert_cmpuint (mutator_asked, ==, 1);
  held = pouch_get (server, "b");
  g_assert_cmpstr (member_string (held, "title"), ==, "B");

  /* The feed goes on with the same credential or cookie. */
  pouch_put (server, "c", "{\"title\": \"C\"}");
  WAIT_FOR (syncobj_collection_contains (collection, "c"), WAIT_TIMEOUT_MS);
  g_assert_cmpuint (sync_asked, ==, 1);
}

/* The first write to a database that needs credentials is an insert
 * without an _id: PouchDB Server refuses it with an entry that has no
 * "id" ({"error": "unauthorized", …}). The mutator asks for credentials
 * and sends it again; the insert was failed for good as a malformed
 * answer, and the document lost. */
static void
test_auth_server_assigned_id (void)
{
  g_autoptr(PouchServer) server = pouch_start (FALSE);
  g_autoptr(SyncobjCouchSync) sync = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjRecord) record = NULL;
  g_autoptr(JsonObject) held = NULL;
  SyncobjCouchMutator *mutator;
  guint sync_asked = 0, mutator_asked = 0;

  SKIP_WITHOUT_SERVER (server);
  pouch_require_auth (server);
  collection = couch_collection_of (server->db, "couch-auth-server-id", NULL, NULL, &sync);
  mutator = SYNCOBJ_COUCH_MUTATOR (syncobj_collection_get_mutator (collection));
  g_signal_connect (sync, "auth-required", G_CALLBACK (give_credential_cb), &sync_asked);
  g_signal_connect (mutator, "auth-required", G_CALLBACK (give_credential_cb), &mutator_asked);
  WAIT_FOR (syncobj_collection_get_ready (collection), WAIT_TIMEOUT_MS);

  insert = syncobj_test_insert (collection, "{\"title\": \"N\"}");
  record = g_list_model_get_item (G_LIST_MODEL (collection), 0);
  assert_completed (insert);
  g_assert_cmpuint (mutator_asked, ==, 1);
  g_assert_false (syncobj_record_is_temporary (record));
  held = pouch_get (server, syncobj_record_get_key (record));
  g_assert_cmpstr (member_string (held, "title"), ==, "N");
}

/* A database URI with a name and password (`http://admin:s%65cret@…`,
 * percent-encoded as a URI has it) reads and writes with them as a Basic
 * credential from the first request, asking the application nothing; the
 * password shows in no property. */
static void
test_auth_in_uri (void)
{
  g_autoptr(PouchServer) server = pouch_start (FALSE);
  g_autofree char *database = NULL;
  g_autoptr(SyncobjCouchSync) sync = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(JsonObject) held = NULL;
  SyncobjCouchMutator *mutator;
  guint sync_asked = 0, mutator_asked = 0;

  SKIP_WITHOUT_SERVER (server);
  pouch_put (server, "a", "{\"title\": \"A\"}");
  pouch_require_auth (server);

  database = g_strdup_printf ("http://admin:s%%65cret@127.0.0.1:%u/db/", server->port);
  collection = couch_collection_of (database, "couch-uri-auth", NULL, NULL, &sync);
  mutator = SYNCOBJ_COUCH_MUTATOR (syncobj_collection_get_mutator (collection));
  g_signal_connect (sync, "auth-required", G_CALLBACK (give_credential_cb), &sync_asked);
  g_signal_connect (mutator, "auth-required", G_CALLBACK (give_credential_cb), &mutator_asked);
  g_assert_cmpstr (syncobj_couch_sync_get_database_uri (sync), ==, server->db);
  g_assert_cmpstr (syncobj_couch_mutator_get_database_uri (mutator), ==, server->db);

  WAIT_FOR (syncobj_collection_get_ready (collection), WAIT_TIMEOUT_MS);
  syncobj_test_assert_keys (collection, "a");
  insert = syncobj_test_insert (collection, "{\"_id\": \"b\", \"title\": \"B\"}");
  assert_completed (insert);
  held = pouch_get (server, "b");
  g_assert_cmpstr (member_string (held, "title"), ==, "B");
  g_assert_cmpuint (sync_asked, ==, 0);
  g_assert_cmpuint (mutator_asked, ==, 0);
}

/* A server that answers every request with a 200 and a heartbeat's
 * newline, then closes the connection: what a client sees of a CouchDB
 * that goes away during a long poll. */
static gboolean
cut_short_incoming_cb (GSocketService    *service,
                       GSocketConnection *connection,
                       GObject           *source,
                       gpointer           user_data)
{
  static const char answer[] = "HTTP/1.1 200 OK\r\n"
                               "Content-Type: application/json\r\n"
                               "Transfer-Encoding: chunked\r\n"
                               "\r\n"
                               "1\r\n\n\r\n";
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  guint *connections = user_data;

  (*connections)++;
  g_output_stream_write_all (output, answer, strlen (answer), NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}

/* An answer cut short is a lost connection, retried, and said so; not an
 * answer the sync could not read ("Malformed CouchDB answer at byte 0"). */
static void
test_answer_cut_short (void)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjCouchSync) sync = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;
  guint connections = 0;
  guint16 port;
  const GError *sync_error;

  port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (service), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (cut_short_incoming_cb), &connections);
  db = g_strdup_printf ("http://127.0.0.1:%u/db", port);

  collection = couch_collection_of (db, "couch-cut-short", NULL, NULL, &sync);
  WAIT_FOR (syncobj_sync_get_error (SYNCOBJ_SYNC (sync)) != NULL, WAIT_TIMEOUT_MS);

  sync_error = syncobj_sync_get_error (SYNCOBJ_SYNC (sync));
  g_assert_error ((GError *) sync_error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP);
  g_assert_nonnull (strstr (sync_error->message, "closed before the answer"));
  g_assert_false (syncobj_couch_sync_get_connected (sync));
  g_assert_false (syncobj_collection_get_ready (collection));
  /* And it is tried again. */
  WAIT_FOR (connections >= 2, WAIT_TIMEOUT_MS);
  g_socket_service_stop (service);
}

int
main (int   argc,
      char *argv[])
{
  syncobj_test_init (&argc, &argv);

  g_test_add_func ("/couch/crud", test_crud);
  g_test_add_data_func ("/couch/auth/basic", "basic", test_auth);
  g_test_add_data_func ("/couch/auth/cookie-session", "cookie", test_auth);
  g_test_add_data_func ("/couch/auth/cookie-session/database-with-query", "cookie-with-query", test_auth);
  g_test_add_func ("/couch/auth/in-the-uri", test_auth_in_uri);
  g_test_add_func ("/couch/auth/server-assigned-id", test_auth_server_assigned_id);
  g_test_add_func ("/couch/lost-answer", test_lost_answer);
  g_test_add_func ("/couch/restored-write-echoed", test_restored_write_echoed);
  g_test_add_func ("/couch/partial-refusal", test_partial_refusal);
  g_test_add_data_func ("/couch/two-clients-conflict", "", test_two_clients_conflict);
  g_test_add_data_func ("/couch/two-clients-conflict/database-with-query", "?client=test",
                        test_two_clients_conflict);
  g_test_add_func ("/couch/resume-from-cursor", test_resume_from_cursor);
  g_test_add_func ("/couch/selector", test_selector);
  g_test_add_func ("/couch/selector-refused", test_selector_refused);
  g_test_add_func ("/couch/selector-invalid", test_selector_invalid);
  g_test_add_func ("/couch/selector-invalid/not-json", test_selector_not_json);
  g_test_add_func ("/couch/ten-thousand", test_ten_thousand);
  g_test_add_func ("/couch/offline-edits", test_offline_edits);
  g_test_add_func ("/couch/server-restart-mid-write", test_server_restart_mid_write);
  g_test_add_func ("/couch/answer-cut-short", test_answer_cut_short);

  return g_test_run ();
}
