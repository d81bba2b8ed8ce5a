/* probe-test.c: writes to a server that cannot be reached wait, and one
 * probe at a time asks whether it is back
 *
 * Several collections, each with its own HTTP mutator, write to the base
 * URI of a demo server that was killed: nothing listens on its port, every
 * connection is refused. The requests are counted as the mutators make
 * them (their auth function is called for each). Time is the scheduler's
 * virtual clock; only the refusals themselves take real (loopback) time.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"
#include "demo-server-utils.h"
#include "http/syncobj-http-probe-private.h"

#define N_COLLECTIONS 4

static guint requests;

static char *
count_request (const char *method,
               const char *uri,
               gpointer    user_data)
{
  requests++;
  return NULL;
}

static void
advance (guint ms)
{
  _syncobj_scheduler_advance (_syncobj_scheduler_get_default (), ms);
}

static void
count_cb (guint *count)
{
  (*count)++;
}

/* Runs the main context for @ms of real time, for loopback requests. */
static void
run_real (guint ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;
  guint wake = g_timeout_add (5, demo_server_wake_cb, NULL);

  while (g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
}

static guint
n_held (GUri *uri)
{
  return _syncobj_http_probe_get_n_held (uri);
}

/* N collections on one unreachable base URI: N requests go out before the
 * first refusal comes back; then exactly one request per probe interval
 * (1 s, 2 s, 4 s…), and a write made meanwhile waits without one. When
 * the server is back, the probe's answer sends every held write at once;
 * none spent more than the attempt it started with. */
static void
test_one_probe_per_interval (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autofree char *items = demo_server_uri (server, "/items");
  g_autoptr(GUri) uri = g_uri_parse (items, SOUP_HTTP_URI_FLAGS, NULL);
  SyncobjRegistry *registry = syncobj_registry_get_default ();
  g_autoptr(GPtrArray) collections = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) transactions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(JsonArray) items_after = NULL;
  g_autoptr(GError) error = NULL;

  _syncobj_scheduler_set_virtual (_syncobj_scheduler_get_default (), TRUE);
  demo_server_kill (server);
  requests = 0;

  for (guint i = 0; i < N_COLLECTIONS; i++)
    {
      g_autofree char *id = g_strdup_printf ("probe-%u", i);
      g_autofree char *json = g_strdup_printf ("{\"id\": \"k%u\"}", i);
      g_autoptr(SyncobjHttpMutator) mutator = syncobj_http_mutator_new (items);
      g_autoptr(JsonArray) none = json_array_new ();
      g_autoptr(SyncobjTestSync) sync = syncobj_test_sync_new (id, none);
      g_autoptr(JsonObject) value = syncobj_test_object (json);
      SyncobjCollection *collection;

      syncobj_http_mutator_set_auth_func (mutator, count_request, NULL, NULL);
      collection = syncobj_collection_new (id, SYNCOBJ_SYNC (sync), SYNCOBJ_MUTATOR (mutator));
      g_ptr_array_add (collections, collection);
      WAIT_FOR (syncobj_collection_get_ready (collection), 5000);
      g_ptr_array_add (transactions, syncobj_collection_insert (collection, value, &error));
      g_assert_no_error (error);
    }

  WAIT_FOR (n_held (uri) == N_COLLECTIONS, 5000);
  g_assert_cmpuint (requests, ==, N_COLLECTIONS);
  g_assert_true (syncobj_registry_get_offline (registry));

  /* One probe after 1 s, the next 2 s later. */
  advance (999);
  g_assert_cmpuint (requests, ==, N_COLLECTIONS);
  advance (1);
  g_assert_cmpuint (requests, ==, N_COLLECTIONS + 1);
  WAIT_FOR (n_held (uri) == N_COLLECTIONS, 5000);
  advance (1999);
  g_assert_cmpuint (requests, ==, N_COLLECTIONS + 1);
  advance (1);
  g_assert_cmpuint (requests, ==, N_COLLECTIONS + 2);
  WAIT_FOR (n_held (uri) == N_COLLECTIONS, 5000);

  /* A write made meanwhile, by another collection, waits without a request. */
  {
    g_autoptr(SyncobjHttpMutator) mutator = syncobj_http_mutator_new (items);
    g_autoptr(JsonArray) none = json_array_new ();
    g_autoptr(SyncobjTestSync) sync = syncobj_test_sync_new ("probe-late", none);
    g_autoptr(JsonObject) value = syncobj_test_object ("{\"id\": \"late\"}");
    SyncobjCollection *collection;

    syncobj_http_mutator_set_auth_func (mutator, count_request, NULL, NULL);
    collection = syncobj_collection_new ("probe-late", SYNCOBJ_SYNC (sync), SYNCOBJ_MUTATOR (mutator));
    g_ptr_array_add (collections, collection);
    WAIT_FOR (syncobj_collection_get_ready (collection), 5000);
    g_ptr_array_add (transactions, syncobj_collection_insert (collection, value, &error));
    g_assert_no_error (error);
    WAIT_FOR (n_held (uri) == N_COLLECTIONS + 1, 5000);
    g_assert_cmpuint (requests, ==, N_COLLECTIONS + 2);
  }

  /* Back: the next probe is answered, and everything goes at once. */
  demo_server_restart (server);
  advance (4000);
  for (guint i = 0; i < transactions->len; i++)
    {
      SyncobjTransaction *transaction = g_ptr_array_index (transactions, i);

      WAIT_FOR (syncobj_transaction_is_finished (transaction), 10000);
      g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
      g_assert_cmpuint (syncobj_transaction_get_n_attempts (transaction), ==, 1);
    }
  g_assert_cmpuint (requests, ==, N_COLLECTIONS + 2 + N_COLLECTIONS + 1);
  g_assert_cmpuint (n_held (uri), ==, 0);
  g_assert_false (syncobj_registry_get_offline (registry));
  items_after = demo_server_items (server);
  g_assert_cmpuint (json_array_get_length (items_after), ==, N_COLLECTIONS + 1);
}

/* A held write rolled back stops waiting, and the server's probe goes on
 * with the others. */
static void
test_rollback_while_held (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autofree char *items = demo_server_uri (server, "/items");
  g_autoptr(GUri) uri = g_uri_parse (items, SOUP_HTTP_URI_FLAGS, NULL);
  g_autoptr(SyncobjHttpMutator) mutator = syncobj_http_mutator_new (items);
  g_autoptr(JsonArray) none = json_array_new ();
  g_autoptr(SyncobjTestSync) sync = syncobj_test_sync_new ("probe-rollback", none);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(JsonObject) first = syncobj_test_object ("{\"id\": \"a\"}");
  g_autoptr(JsonObject) second = syncobj_test_object ("{\"id\": \"b\"}");
  g_autoptr(SyncobjTransaction) kept = NULL;
  g_autoptr(SyncobjTransaction) dropped = NULL;
  g_autoptr(GError) error = NULL;

  _syncobj_scheduler_set_virtual (_syncobj_scheduler_get_default (), TRUE);
  demo_server_kill (server);
  collection = syncobj_collection_new ("probe-rollback", SYNCOBJ_SYNC (sync), SYNCOBJ_MUTATOR (mutator));
  WAIT_FOR (syncobj_collection_get_ready (collection), 5000);
  dropped = syncobj_collection_insert (collection, first, &error);
  kept = syncobj_collection_insert (collection, second, &error);
  g_assert_no_error (error);
  WAIT_FOR (n_held (uri) >= 1, 5000);

  g_assert_true (syncobj_transaction_rollback (dropped, &error));
  g_assert_no_error (error);
  WAIT_FOR (syncobj_transaction_is_finished (dropped), 5000);
  g_assert_cmpstr (syncobj_transaction_get_state_name (dropped), ==, "failed");
  g_assert_false (syncobj_collection_contains (collection, "a"));

  demo_server_restart (server);
  advance (1000);
  WAIT_FOR (syncobj_transaction_is_finished (kept), 10000);
  g_assert_cmpstr (syncobj_transaction_get_state_name (kept), ==, "completed");
  g_assert_cmpuint (n_held (uri), ==, 0);
}

/* A CouchDB mutator's write waits as the HTTP mutator's do, with them: the
 * server cannot be reached, the registry is offline, and the writes of
 * both mutators to it are held through more than the default retry
 * policy's five attempts, spending none, while one probe at a time asks;
 * the probe's answer (any status) sends them all. */
static void
test_couch_mutator_waits (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autofree char *database = demo_server_uri (server, "/db");
  g_autofree char *items = demo_server_uri (server, "/items");
  g_autoptr(GUri) uri = g_uri_parse (database, SOUP_HTTP_URI_FLAGS, NULL);
  SyncobjRegistry *registry = syncobj_registry_get_default ();
  g_autoptr(SyncobjCouchMutator) couch = syncobj_couch_mutator_new (database);
  g_autoptr(SyncobjHttpMutator) http = syncobj_http_mutator_new (items);
  g_autoptr(JsonArray) none = json_array_new ();
  g_autoptr(SyncobjTestSync) couch_sync = syncobj_test_sync_new ("probe-couch", none);
  g_autoptr(SyncobjTestSync) http_sync = syncobj_test_sync_new ("probe-couch-http", none);
  g_autoptr(SyncobjCollection) documents = NULL;
  g_autoptr(SyncobjCollection) records = NULL;
  g_autoptr(JsonObject) document = syncobj_test_object ("{\"_id\": \"doc\"}");
  g_autoptr(JsonObject) record = syncobj_test_object ("{\"id\": \"rec\"}");
  SyncobjTransaction *writes[2];
  g_autoptr(GError) error = NULL;

  _syncobj_scheduler_set_virtual (_syncobj_scheduler_get_default (), TRUE);
  demo_server_kill (server);
  documents = g_object_new (SYNCOBJ_TYPE_COLLECTION, "id", "probe-couch", "key-member", "_id",
                            "sync", couch_sync, "mutator", couch, NULL);
  records = syncobj_collection_new ("probe-couch-http", SYNCOBJ_SYNC (http_sync), SYNCOBJ_MUTATOR (http));
  WAIT_FOR (syncobj_collection_get_ready (documents) && syncobj_collection_get_ready (records), 5000);
  writes[0] = syncobj_collection_insert (documents, document, &error);
  g_assert_no_error (error);
  WAIT_FOR (n_held (uri) == 1, 5000);
  g_assert_true (syncobj_registry_get_offline (registry));
  g_assert_true (syncobj_collection_get_offline (documents));
  writes[1] = syncobj_collection_insert (records, record, &error);
  g_assert_no_error (error);
  WAIT_FOR (n_held (uri) == 2, 5000);

  for (guint second = 0; second < 60; second++)
    {
      advance (1000);
      WAIT_FOR (n_held (uri) == 2, 5000);
    }
  for (guint i = 0; i < G_N_ELEMENTS (writes); i++)
    {
      g_assert_false (syncobj_transaction_is_finished (writes[i]));
      g_assert_cmpuint (syncobj_transaction_get_n_attempts (writes[i]), ==, 1);
    }
  g_assert_true (syncobj_registry_get_offline (registry));

  /* Back: the next probe is answered, and both writes go out at once (the
   * demo server has no CouchDB database: 404). */
  demo_server_restart (server);
  advance (60000);
  for (guint i = 0; i < G_N_ELEMENTS (writes); i++)
    {
      WAIT_FOR (syncobj_transaction_is_finished (writes[i]), 10000);
      g_assert_cmpuint (syncobj_transaction_get_n_attempts (writes[i]), ==, 1);
    }
  g_assert_nonnull (strstr (syncobj_transaction_get_error (writes[0])->message, "404"));
  g_assert_cmpstr (syncobj_transaction_get_state_name (writes[1]), ==, "completed");
  g_assert_cmpuint (n_held (uri), ==, 0);
  g_assert_false (syncobj_registry_get_offline (registry));
  g_assert_false (syncobj_collection_get_offline (documents));
  g_object_unref (writes[0]);
  g_object_unref (writes[1]);
}

static SyncobjCollection *
http_collection (const char *id,
                 const char *base_uri)
{
  g_autoptr(SyncobjHttpMutator) mutator = syncobj_http_mutator_new (base_uri);
  g_autoptr(JsonArray) none = json_array_new ();
  g_autoptr(SyncobjTestSync) sync = syncobj_test_sync_new (id, none);
  SyncobjCollection *collection = syncobj_collection_new (id, SYNCOBJ_SYNC (sync), SYNCOBJ_MUTATOR (mutator));

  WAIT_FOR (syncobj_collection_get_ready (collection), 5000);
  return collection;
}

/* A collection is offline while the server its mutator writes to cannot
 * be reached, with one notify::offline each way; a collection writing to
 * another server is not; one made meanwhile for the same server starts
 * offline. The network stays up throughout. */
static void
test_collection_offline (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autofree char *items = demo_server_uri (server, "/items");
  g_autofree char *other = demo_server_uri (server, "/other");
  g_autoptr(GUri) uri = g_uri_parse (items, SOUP_HTTP_URI_FLAGS, NULL);
  g_autoptr(SyncobjCollection) down = http_collection ("offline-down", items);
  g_autoptr(SyncobjCollection) elsewhere = http_collection ("offline-elsewhere", "http://[::1]:9/items");
  g_autoptr(SyncobjCollection) later = NULL;
  g_autoptr(SyncobjCollection) same_server = NULL;
  g_autoptr(JsonObject) value = syncobj_test_object ("{\"id\": \"k\"}");
  g_autoptr(SyncobjTransaction) write = NULL;
  g_autoptr(GError) error = NULL;
  guint notified = 0;

  _syncobj_scheduler_set_virtual (_syncobj_scheduler_get_default (), TRUE);
  g_assert_false (syncobj_collection_get_offline (down));
  g_signal_connect_swapped (down, "notify::offline", G_CALLBACK (count_cb), &notified);
  demo_server_kill (server);

  write = syncobj_collection_insert (down, value, &error);
  g_assert_no_error (error);
  WAIT_FOR (n_held (uri) == 1, 5000);
  g_assert_true (syncobj_collection_get_offline (down));
  g_assert_cmpuint (notified, ==, 1);
  g_assert_false (syncobj_collection_get_offline (elsewhere));
  g_assert_true (syncobj_registry_get_offline (syncobj_registry_get_default ()));
  /* Another endpoint of the same server. */
  later = http_collection ("offline-later", other);
  g_assert_true (syncobj_collection_get_offline (later));

  demo_server_restart (server);
  advance (1000);
  WAIT_FOR (syncobj_transaction_is_finished (write), 10000);
  g_assert_cmpstr (syncobj_transaction_get_state_name (write), ==, "completed");
  g_assert_false (syncobj_collection_get_offline (down));
  g_assert_false (syncobj_collection_get_offline (later));
  g_assert_cmpuint (notified, ==, 2);
  same_server = http_collection ("offline-same", items);
  g_assert_false (syncobj_collection_get_offline (same_server));
}

/* A collection whose HTTP sync finds its server refusing connections is
 * offline before it writes anything, and a write made then waits for the
 * probe (or the sync's next answer) without a request of its own. The
 * sync's answer once the server is back ends it all. */
static void
test_sync_finds_server_down (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autofree char *items = demo_server_uri (server, "/items");
  g_autoptr(GUri) uri = g_uri_parse (items, SOUP_HTTP_URI_FLAGS, NULL);
  g_autoptr(SyncobjHttpSync) sync = syncobj_http_sync_new ("offline-sync", items, NULL);
  g_autoptr(SyncobjHttpMutator) mutator = syncobj_http_mutator_new (items);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(JsonObject) value = syncobj_test_object ("{\"id\": \"k\"}");
  g_autoptr(SyncobjTransaction) write = NULL;
  g_autoptr(GError) error = NULL;

  _syncobj_scheduler_set_virtual (_syncobj_scheduler_get_default (), TRUE);
  demo_server_kill (server);
  syncobj_http_sync_set_reconnect_delay (sync, 1000);
  syncobj_http_mutator_set_auth_func (mutator, count_request, NULL, NULL);
  requests = 0;
  collection = syncobj_collection_new ("offline-sync", SYNCOBJ_SYNC (sync), SYNCOBJ_MUTATOR (mutator));
  WAIT_FOR (syncobj_sync_get_error (SYNCOBJ_SYNC (sync)) != NULL, 5000);
  g_assert_true (syncobj_collection_get_offline (collection));

  write = syncobj_collection_insert (collection, value, &error);
  g_assert_no_error (error);
  WAIT_FOR (n_held (uri) == 1, 5000);
  g_assert_cmpuint (requests, ==, 0);
  g_assert_cmpuint (syncobj_transaction_get_n_attempts (write), ==, 1);

  demo_server_restart (server);
  /* The probe (1 s) and the sync's reconnection (its backoff, at most
   * 30 s) find the server; the write completes once the sync brings its
   * echo. Real time passes only for loopback requests. */
  for (guint second = 0; second < 120 && !(syncobj_transaction_is_finished (write) &&
                                           syncobj_collection_get_ready (collection)); second++)
    {
      advance (1000);
      run_real (50);
    }
  g_assert_cmpstr (syncobj_transaction_get_state_name (write), ==, "completed");
  g_assert_cmpuint (requests, ==, 1);
  g_assert_true (syncobj_collection_get_ready (collection));
  g_assert_false (syncobj_collection_get_offline (collection));
}

int
main (int argc, char *argv[])
{
  syncobj_test_init (&argc, &argv);

  if (g_getenv ("SYNCOBJ_DEMO_SERVER") != NULL)
    {
      g_test_add_func ("/probe/one-per-interval", test_one_probe_per_interval);
      g_test_add_func ("/probe/rollback-while-held", test_rollback_while_held);
      g_test_add_func ("/probe/couch-mutator-waits", test_couch_mutator_waits);
      g_test_add_func ("/probe/collection-offline", test_collection_offline);
      g_test_add_func ("/probe/sync-finds-server-down", test_sync_finds_server_down);
    }

  return g_test_run ();
}
