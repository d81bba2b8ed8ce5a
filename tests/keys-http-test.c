/* keys-http-test.c: keys from the server, against the demo server
 *
 * The demo server assigns integer ids to POSTs without one, as a SERIAL
 * column would, and answers a replay of an Idempotency-Key with the
 * answer it gave the first time.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"
#include "demo-server-utils.h"

/* A collection with key-source SERVER writing to @server (no sync),
 * retrying after 10 ms. */
static SyncobjCollection *
server_keyed_collection (DemoServer *server)
{
  g_autofree char *items = demo_server_uri (server, "/items");
  g_autoptr(SyncobjHttpMutator) mutator = syncobj_http_mutator_new (items);
  g_autoptr(SyncobjRetryPolicy) policy = syncobj_retry_policy_new ();
  SyncobjCollection *collection = g_object_new (SYNCOBJ_TYPE_COLLECTION,
                                                "id", "keys-http",
                                                "key-source", SYNCOBJ_KEY_SOURCE_SERVER,
                                                "mutator", mutator,
                                                NULL);

  syncobj_retry_policy_set_initial_delay (policy, 10);
  syncobj_retry_policy_set_max_delay (policy, 100);
  syncobj_retry_policy_set_jitter (policy, 0);
  syncobj_collection_set_retry_policy (collection, policy);
  return collection;
}

static void
assert_completed (SyncobjTransaction *transaction)
{
  WAIT_FOR (syncobj_transaction_is_finished (transaction), WAIT_TIMEOUT_MS);
  g_assert_no_error (syncobj_transaction_get_error (transaction));
  g_assert_cmpint (syncobj_transaction_get_state (transaction), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
}

/* The server applies an insert without a key (assigning 1) and the
 * connection drops before its answer. The insert goes again with the same
 * Idempotency-Key; the server answers the replay with the key it assigned
 * the first time, and the record takes it: one record on the server, no
 * second id spent, and the next insert gets 2. */
static void
test_lost_answer_replayed_with_the_same_key (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(SyncobjCollection) collection = server_keyed_collection (server);
  g_autoptr(SyncobjTransaction) first = NULL;
  g_autoptr(SyncobjTransaction) second = NULL;
  g_autoptr(SyncobjRecord) record = NULL;
  g_autoptr(JsonArray) effects = NULL;
  g_autoptr(JsonArray) items = NULL;

  demo_server_admin (server, "/_admin/faults", "{\"drop_after_apply\": 1}");
  first = syncobj_test_insert (collection, "{\"title\": \"milk\"}");
  record = g_list_model_get_item (G_LIST_MODEL (collection), 0);
  g_assert_true (syncobj_record_is_temporary (record));
  assert_completed (first);

  g_assert_cmpuint (syncobj_transaction_get_current_attempt (first), ==, 2);
  g_assert_cmpstr (syncobj_record_get_key (record), ==, "1");
  g_assert_false (syncobj_record_is_temporary (record));
  syncobj_test_assert_json (syncobj_record_get_value (record), "{\"id\": 1, \"title\": \"milk\"}");
  effects = demo_server_effects (server);
  g_assert_cmpuint (json_array_get_length (effects), ==, 1);

  second = syncobj_test_insert (collection, "{\"title\": \"bread\"}");
  assert_completed (second);
  syncobj_test_assert_keys (collection, "1 2");
  items = demo_server_items (server);
  g_assert_cmpuint (json_array_get_length (items), ==, 2);
  syncobj_test_assert_json (json_array_get_object_element (items, 0), "{\"id\": 1, \"title\": \"milk\"}");
  syncobj_test_assert_json (json_array_get_object_element (items, 1), "{\"id\": 2, \"title\": \"bread\"}");
}

int
main (int   argc,
      char *argv[])
{
  syncobj_test_init (&argc, &argv);

  g_test_add_func ("/keys-http/lost-answer-replayed", test_lost_answer_replayed_with_the_same_key);

  return g_test_run ();
}
