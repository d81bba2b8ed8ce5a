/* http-snapshot-test.c: SyncobjHttpSync loads a snapshot of the demo
 * server through the packed loader, scanned off the main thread — integer
 * keys, an echo found in a snapshot, server-assigned keys
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"
#include "demo-server-utils.h"

#include <unistd.h>

static char *
unique_id (const char *prefix)
{
  static guint counter;

  return g_strdup_printf ("%s-%u-%u", prefix, (guint) getpid (), ++counter);
}

/* A collection of @key_source on the demo server's /items, with an HTTP
 * mutator and a sync that polls every @poll_ms (0: never), ready. */
static SyncobjCollection *
collection_new (DemoServer       *server,
                SyncobjKeySource  key_source,
                guint             poll_ms)
{
  g_autofree char *id = unique_id ("snapshot");
  g_autofree char *items = demo_server_uri (server, "/items");
  g_autoptr(SyncobjHttpMutator) mutator = syncobj_http_mutator_new (items);
  g_autoptr(SyncobjHttpSync) sync = syncobj_http_sync_new (id, items, NULL);
  SyncobjCollection *collection;

  syncobj_http_sync_set_poll_interval (sync, poll_ms);
  /* Only a snapshot holding a write can complete it. */
  syncobj_http_mutator_set_sync_timeout (mutator, 0);
  collection = g_object_new (SYNCOBJ_TYPE_COLLECTION,
                             "id", id,
                             "key-source", key_source,
                             "sync", sync,
                             "mutator", mutator,
                             NULL);
  WAIT_FOR (syncobj_collection_get_ready (collection), WAIT_TIMEOUT_MS);
  return collection;
}

static void
post (DemoServer *server,
      const char *idempotency_key,
      const char *body)
{
  guint status = 0;
  g_autofree char *answer = demo_server_request (server, "POST", "/items", idempotency_key, body, &status);

  g_assert_cmpuint (status, ==, 201);
}

/* Integer keys (set by the client, or assigned by the server to a POST
 * without one) come through the packed loader as their decimal text, with
 * the integer kept in the record; an echo in a snapshot is found by that
 * key; a collection whose keys come from the server loads the same
 * snapshot. */
static void
test_integer_keys (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(SyncobjCollection) client_keyed = NULL;
  g_autoptr(SyncobjCollection) server_keyed = NULL;
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjRecord) record = NULL;
  g_autoptr(JsonObject) value = syncobj_test_object ("{\"id\": 9, \"title\": \"echoed\"}");
  g_autoptr(GError) error = NULL;

  post (server, "k1", "{\"title\": \"assigned\"}");
  post (server, "k2", "{\"id\": 70, \"title\": \"chosen\"}");

  client_keyed = collection_new (server, SYNCOBJ_KEY_SOURCE_CLIENT, 20);
  record = syncobj_collection_lookup (client_keyed, "1");
  g_assert_nonnull (record);
  syncobj_test_assert_json (syncobj_record_get_synced_value (record), "{\"id\": 1, \"title\": \"assigned\"}");
  g_clear_object (&record);
  record = syncobj_collection_lookup (client_keyed, "70");
  g_assert_nonnull (record);
  syncobj_test_assert_json (syncobj_record_get_synced_value (record), "{\"id\": 70, \"title\": \"chosen\"}");
  g_clear_object (&record);

  insert = syncobj_collection_insert (client_keyed, value, &error);
  g_assert_no_error (error);
  WAIT_FOR (syncobj_transaction_is_finished (insert), WAIT_TIMEOUT_MS);
  g_assert_no_error (syncobj_transaction_get_error (insert));
  g_assert_cmpint (syncobj_transaction_get_state (insert), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  record = syncobj_collection_lookup (client_keyed, "9");
  syncobj_test_assert_json (syncobj_record_get_synced_value (record), "{\"id\": 9, \"title\": \"echoed\"}");
  g_assert_false (syncobj_record_get_pending (record));

  server_keyed = collection_new (server, SYNCOBJ_KEY_SOURCE_SERVER, 0);
  syncobj_test_assert_keys (server_keyed, "1 70 9");
  syncobj_test_assert_value (server_keyed, "9", "{\"id\": 9, \"title\": \"echoed\"}");
}

/* A snapshot wrapped in an object (array-member) is found without a tree;
 * its records keep their order. */
static void
test_wrapped_order (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autofree char *id = unique_id ("wrapped");
  g_autofree char *items = demo_server_uri (server, "/items?wrap=data");
  g_autoptr(SyncobjHttpSync) sync = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;

  post (server, "w1", "{\"id\": \"b\", \"n\": 1}");
  post (server, "w2", "{\"id\": \"a\", \"n\": 2}");
  sync = syncobj_http_sync_new (id, items, NULL);
  syncobj_http_sync_set_poll_interval (sync, 0);
  syncobj_http_sync_set_array_member (sync, "data");
  collection = syncobj_collection_new (id, SYNCOBJ_SYNC (sync), NULL);
  WAIT_FOR (syncobj_collection_get_ready (collection), WAIT_TIMEOUT_MS);
  syncobj_test_assert_keys (collection, "b a");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 2}");
}

int
main (int   argc,
      char *argv[])
{
  syncobj_test_init (&argc, &argv);

  if (demo_server_test_missing ())
    return g_test_run ();

  g_test_add_func ("/http-snapshot/integer-keys", test_integer_keys);
  g_test_add_func ("/http-snapshot/wrapped-order", test_wrapped_order);

  return g_test_run ();
}
