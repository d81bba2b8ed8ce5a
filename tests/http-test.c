/* http-test.c: SyncobjHttpMutator and SyncobjHttpSync against the demo
 * server of examples/server/, started by each test on 127.0.0.1.
 *
 * Real HTTP needs the real clock: waits are on events with a bounded
 * timeout, and retry delays are made short with a retry policy.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib/gstdio.h>
#include "test-utils.h"
#include "demo-server-utils.h"

#include <libsoup/soup.h>
#include <unistd.h>

#include "http/syncobj-http-request-private.h"
#include "http/syncobj-http-sync-private.h"
#include "syncobj-network-private.h"

/* Fails unless @object equals the JSON object @expected_json. */
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

/* ---- a collection on the demo server ------------------------------------------------ */

typedef struct
{
  SyncobjCollection  *collection;
  SyncobjHttpMutator *mutator;
  SyncobjHttpSync    *sync;
} Client;

static char *
unique_id (const char *prefix)
{
  static guint counter;

  return g_strdup_printf ("%s-%u-%u", prefix, (guint) getpid (), ++counter);
}

/* A collection with an HTTP mutator and an HTTP sync (WebSocket feed when
 * @websocket), retries after 10 ms, ready when it returns. */
static Client *
client_new_full (DemoServer       *server,
                 gboolean          websocket,
                 SyncobjKeySource  key_source)
{
  Client *client = g_new0 (Client, 1);
  g_autofree char *id = unique_id ("items");
  g_autofree char *items = demo_server_uri (server, "/items");
  g_autofree char *changes = websocket ? demo_server_uri (server, "/changes") : NULL;
  g_autoptr(SyncobjRetryPolicy) policy = syncobj_retry_policy_new ();

  client->mutator = syncobj_http_mutator_new (items);
  client->sync = syncobj_http_sync_new (id, items, changes);
  syncobj_http_sync_set_reconnect_delay (client->sync, 20);
  syncobj_http_sync_set_poll_interval (client->sync, 0);
  client->collection = g_object_new (SYNCOBJ_TYPE_COLLECTION,
                                     "id", id,
                                     "key-source", key_source,
                                     "sync", client->sync,
                                     "mutator", client->mutator,
                                     NULL);

  syncobj_retry_policy_set_initial_delay (policy, 10);
  syncobj_retry_policy_set_max_delay (policy, 100);
  syncobj_retry_policy_set_jitter (policy, 0);
  syncobj_collection_set_retry_policy (client->collection, policy);

  WAIT_FOR (syncobj_collection_get_ready (client->collection), WAIT_TIMEOUT_MS);
  return client;
}

static Client *
client_new (DemoServer *server,
            gboolean    websocket)
{
  return client_new_full (server, websocket, SYNCOBJ_KEY_SOURCE_CLIENT);
}

static void
client_free (Client *client)
{
  g_clear_object (&client->collection);
  g_clear_object (&client->sync);
  g_clear_object (&client->mutator);
  g_free (client);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Client, client_free)

static SyncobjTransaction *
client_insert (Client     *client,
               const char *json)
{
  g_autoptr(JsonObject) value = syncobj_test_object (json);
  g_autoptr(GError) error = NULL;
  SyncobjTransaction *transaction = syncobj_collection_insert (client->collection, value, &error);

  g_assert_no_error (error);
  return transaction;
}

static SyncobjTransaction *
client_update (Client     *client,
               const char *key,
               const char *json)
{
  g_autoptr(JsonObject) changes = syncobj_test_object (json);
  g_autoptr(GError) error = NULL;
  SyncobjTransaction *transaction = syncobj_collection_update (client->collection, key, changes, &error);

  g_assert_no_error (error);
  return transaction;
}

static void
wait_finished (SyncobjTransaction *transaction)
{
  WAIT_FOR (syncobj_transaction_is_finished (transaction), WAIT_TIMEOUT_MS);
}

static void
assert_completed (SyncobjTransaction *transaction)
{
  wait_finished (transaction);
  g_assert_no_error (syncobj_transaction_get_error (transaction));
  g_assert_cmpint (syncobj_transaction_get_state (transaction), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
}

static char *
expected_idempotency_key (SyncobjTransaction *transaction,
                          guint               position)
{
  g_autoptr(SyncobjPendingMutation) mutation =
    g_list_model_get_item (syncobj_transaction_get_mutations (transaction), position);

  return g_strdup_printf ("%s-%s", syncobj_transaction_get_id (transaction),
                          syncobj_pending_mutation_get_mutation_id (mutation));
}

static const char *
effect_member (JsonArray  *effects,
               guint       index,
               const char *member)
{
  return json_object_get_string_member (json_array_get_object_element (effects, index), member);
}


/* ---- redirected writes ------------------------------------------------------------ */

/* An HTTP server on 127.0.0.1 that answers every request with @status and
 * a Location on the demo server, and counts what it was sent. */
typedef struct
{
  SoupServer *server;
  char       *target;   /* the demo server's base URI */
  guint       status;
  guint       requests;
  guint       gets;
} Redirector;

static void
redirector_cb (SoupServer        *server,
               SoupServerMessage *message,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  Redirector *redirector = user_data;
  g_autofree char *location = g_strconcat (redirector->target, path, NULL);

  redirector->requests++;
  if (g_strcmp0 (soup_server_message_get_method (message), "GET") == 0)
    {
      /* What libsoup would have fetched after turning the write into a GET. */
      redirector->gets++;
      soup_server_message_set_status (message, 200, NULL);
      soup_server_message_set_response (message, "application/json", SOUP_MEMORY_STATIC, "[]", 2);
      return;
    }
  soup_server_message_set_status (message, redirector->status, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (message), "Location", location);
}

static Redirector *
redirector_new (DemoServer *demo,
                guint       status)
{
  Redirector *redirector = g_new0 (Redirector, 1);
  g_autoptr(GError) error = NULL;

  redirector->target = demo_server_uri (demo, "");
  redirector->status = status;
  redirector->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (redirector->server, NULL, redirector_cb, redirector, NULL);
  soup_server_listen_local (redirector->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  return redirector;
}

static char *
redirector_uri (Redirector *redirector,
                const char *path)
{
  GSList *uris = soup_server_get_uris (redirector->server);
  g_autofree char *base = g_uri_to_string (uris->data);
  char *uri;

  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  /* g_uri_to_string () ends the base with "/". */
  uri = g_strconcat (base, path[0] == '/' ? path + 1 : path, NULL);
  return uri;
}

static void
redirector_free (Redirector *redirector)
{
  soup_server_disconnect (redirector->server);
  g_clear_object (&redirector->server);
  g_free (redirector->target);
  g_free (redirector);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Redirector, redirector_free)

/* A client whose writes go to @redirector, its sync to the demo server. */
static Client *
client_behind_redirector (DemoServer *server,
                          Redirector *redirector)
{
  Client *client = client_new (server, TRUE);
  g_autofree char *items = redirector_uri (redirector, "/items");
  g_autoptr(SyncobjRetryPolicy) policy = g_object_ref (syncobj_collection_get_retry_policy (client->collection));
  g_autofree char *id = g_strdup (syncobj_collection_get_id (client->collection));

  g_clear_object (&client->collection);
  g_clear_object (&client->mutator);
  client->mutator = syncobj_http_mutator_new (items);
  client->collection = syncobj_collection_new (id, SYNCOBJ_SYNC (client->sync), SYNCOBJ_MUTATOR (client->mutator));
  syncobj_collection_set_retry_policy (client->collection, policy);
  WAIT_FOR (syncobj_collection_get_ready (client->collection), WAIT_TIMEOUT_MS);
  return client;
}

/* Inserts "a" with two attempts 10 ms apart and waits until it is
 * finished. */
static SyncobjTransaction *
insert_with_two_attempts (Client *client)
{
  g_autoptr(SyncobjRetryPolicy) policy = syncobj_retry_policy_new ();
  SyncobjTransaction *insert;

  syncobj_retry_policy_set_max_attempts (policy, 2);
  syncobj_retry_policy_set_initial_delay (policy, 10);
  syncobj_retry_policy_set_jitter (policy, 0);
  syncobj_collection_set_retry_policy (client->collection, policy);

  insert = client_insert (client, "{\"id\": \"a\", \"title\": \"milk\"}");
  wait_finished (insert);
  return insert;
}

/* 301, 302 and 303 answers to a write are never its success: libsoup would
 * turn the POST into a bodyless GET, and that GET's 200 would complete the
 * transaction while the server never saw the insert. */
static void
test_redirect_not_success (gconstpointer data)
{
  guint status = GPOINTER_TO_UINT (data);
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Redirector) redirector = redirector_new (server, status);
  g_autoptr(Client) client = client_behind_redirector (server, redirector);
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjAttempt) first = NULL;
  g_autoptr(JsonArray) effects = NULL;
  g_autofree char *status_text = g_strdup_printf ("%u", status);
  const GError *error;

  insert = insert_with_two_attempts (client);

  g_assert_cmpint (syncobj_transaction_get_state (insert), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  /* Retriable: both attempts were spent, the redirect was not followed. */
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (insert), ==, 2);
  g_assert_cmpuint (redirector->requests, ==, 2);
  g_assert_cmpuint (redirector->gets, ==, 0);
  first = g_list_model_get_item (syncobj_transaction_get_attempts (insert), 0);
  error = syncobj_attempt_get_error (first);
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP);
  g_assert_nonnull (strstr (error->message, "POST"));
  g_assert_nonnull (strstr (error->message, status_text));
  g_assert_nonnull (strstr (error->message, redirector->target));
  g_assert_null (syncobj_collection_lookup_value (client->collection, "a"));

  effects = demo_server_effects (server);
  g_assert_cmpuint (json_array_get_length (effects), ==, 0);
}

/* 307 and 308 keep the method and the body: the write reaches the server
 * where the answer points, once, with its Idempotency-Key. */
static void
test_redirect_followed (gconstpointer data)
{
  guint status = GPOINTER_TO_UINT (data);
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Redirector) redirector = redirector_new (server, status);
  g_autoptr(Client) client = client_behind_redirector (server, redirector);
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjTransaction) update = NULL;
  g_autoptr(JsonArray) effects = NULL;
  g_autoptr(JsonArray) items = NULL;
  g_autofree char *key = NULL;

  insert = client_insert (client, "{\"id\": \"a\", \"title\": \"milk\"}");
  assert_completed (insert);
  update = client_update (client, "a", "{\"title\": \"oat milk\"}");
  assert_completed (update);

  g_assert_cmpuint (syncobj_transaction_get_current_attempt (insert), ==, 1);
  g_assert_cmpuint (redirector->requests, ==, 2);
  g_assert_cmpuint (redirector->gets, ==, 0);
  effects = demo_server_effects (server);
  g_assert_cmpuint (json_array_get_length (effects), ==, 2);
  key = expected_idempotency_key (insert, 0);
  g_assert_cmpstr (effect_member (effects, 0, "idempotency_key"), ==, key);
  items = demo_server_items (server);
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  assert_json (json_array_get_object_element (items, 0), "{\"id\": \"a\", \"title\": \"oat milk\"}");
}

/* A 307 whose Location names no host (`http:/items`, which GLib parses)
 * cannot be followed: libsoup asserts that a request has a host. The
 * write fails as any other unfollowed redirect does, naming where it was
 * sent. */
static void
test_redirect_without_host (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Redirector) redirector = redirector_new (server, 307);
  g_autoptr(Client) client = NULL;
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjAttempt) first = NULL;
  g_autoptr(JsonArray) effects = NULL;
  const GError *error;

  g_free (redirector->target);
  redirector->target = g_strdup ("http:");
  client = client_behind_redirector (server, redirector);
  insert = insert_with_two_attempts (client);

  g_assert_cmpint (syncobj_transaction_get_state (insert), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  g_assert_cmpuint (redirector->requests, ==, 2);
  first = g_list_model_get_item (syncobj_transaction_get_attempts (insert), 0);
  error = syncobj_attempt_get_error (first);
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP);
  g_assert_nonnull (strstr (error->message, "307"));
  g_assert_nonnull (strstr (error->message, "“http:/items”"));
  g_assert_null (strstr (error->message, "follows only 307 and 308"));
  effects = demo_server_effects (server);
  g_assert_cmpuint (json_array_get_length (effects), ==, 0);
}

/* A base URI without a scheme, as `localhost:3000/todos` is (GLib reads
 * `localhost` as its scheme), names no host: the write fails at once,
 * saying so, and the sync reports it, without a libsoup critical. */
static void
test_uri_without_host (void)
{
  g_autoptr(SyncobjHttpSync) sync =
    syncobj_http_sync_new ("no-host", "localhost:3000/todos", "localhost:3000/changes");
  g_autoptr(SyncobjHttpMutator) mutator = syncobj_http_mutator_new ("localhost:3000/todos");
  g_autoptr(SyncobjCollection) collection =
    syncobj_collection_new ("no-host", SYNCOBJ_SYNC (sync), SYNCOBJ_MUTATOR (mutator));
  g_autoptr(JsonObject) value = syncobj_test_object ("{\"id\": \"a\"}");
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(GError) error = NULL;
  const GError *failure;

  insert = syncobj_collection_insert (collection, value, &error);
  g_assert_no_error (error);
  wait_finished (insert);

  g_assert_cmpint (syncobj_transaction_get_state (insert), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  failure = syncobj_transaction_get_error (insert);
  g_assert_error (failure, SYNCOBJ_ERROR, SYNCOBJ_ERROR_NON_RETRIABLE);
  g_assert_nonnull (strstr (failure->message, "“localhost:3000/todos”"));
  g_assert_nonnull (strstr (failure->message, "http://"));
  WAIT_FOR (syncobj_sync_get_error (SYNCOBJ_SYNC (sync)) != NULL, WAIT_TIMEOUT_MS);
  g_assert_error (syncobj_sync_get_error (SYNCOBJ_SYNC (sync)), SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE);
  g_assert_nonnull (strstr (syncobj_sync_get_error (SYNCOBJ_SYNC (sync))->message, "localhost:3000/"));
  g_assert_null (syncobj_collection_lookup_value (collection, "a"));
}

/* ---- tests ------------------------------------------------------------------------ */

static void
test_crud_round_trip (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new (server, TRUE);
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjTransaction) update = NULL;
  g_autoptr(SyncobjTransaction) delete = NULL;
  g_autoptr(JsonArray) effects = NULL;
  g_autoptr(JsonArray) items = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *insert_key = NULL;
  g_autofree char *update_key = NULL;
  g_autofree char *delete_key = NULL;
  g_autoptr(SyncobjRecord) record = NULL;

  insert = client_insert (client, "{\"id\": \"a\", \"title\": \"milk\"}");
  assert_completed (insert);
  record = syncobj_collection_lookup (client->collection, "a");
  g_assert_false (syncobj_record_get_pending (record));
  assert_json (syncobj_record_get_synced_value (record), "{\"id\": \"a\", \"title\": \"milk\"}");

  update = client_update (client, "a", "{\"done\": true}");
  assert_completed (update);
  assert_json (syncobj_record_get_synced_value (record),
                            "{\"id\": \"a\", \"title\": \"milk\", \"done\": true}");

  items = demo_server_items (server);
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  assert_json (json_array_get_object_element (items, 0),
                            "{\"id\": \"a\", \"title\": \"milk\", \"done\": true}");

  delete = syncobj_collection_delete (client->collection, "a", &error);
  g_assert_no_error (error);
  assert_completed (delete);
  g_assert_false (syncobj_collection_contains (client->collection, "a"));

  effects = demo_server_effects (server);
  g_assert_cmpuint (json_array_get_length (effects), ==, 3);
  insert_key = expected_idempotency_key (insert, 0);
  update_key = expected_idempotency_key (update, 0);
  delete_key = expected_idempotency_key (delete, 0);
  g_assert_cmpstr (effect_member (effects, 0, "method"), ==, "insert");
  g_assert_cmpstr (effect_member (effects, 0, "idempotency_key"), ==, insert_key);
  g_assert_cmpstr (effect_member (effects, 1, "method"), ==, "update");
  g_assert_cmpstr (effect_member (effects, 1, "idempotency_key"), ==, update_key);
  g_assert_cmpstr (effect_member (effects, 2, "method"), ==, "delete");
  g_assert_cmpstr (effect_member (effects, 2, "idempotency_key"), ==, delete_key);

  g_clear_pointer (&items, json_array_unref);
  items = demo_server_items (server);
  g_assert_cmpuint (json_array_get_length (items), ==, 0);
}

/* What the collection shows for "a" when a transaction becomes
 * completed: the value its echo left, with no layer of its own. */
static void
seen_at_completion_cb (SyncobjTransaction *transaction,
                       GParamSpec         *pspec,
                       char              **seen)
{
  SyncobjCollection *collection = syncobj_transaction_get_collection (transaction);
  g_autoptr(SyncobjRecord) record = NULL;

  if (syncobj_transaction_get_state (transaction) != SYNCOBJ_TRANSACTION_STATE_COMPLETED)
    return;
  record = syncobj_collection_lookup (collection, "a");
  g_free (*seen);
  *seen = record != NULL ? syncobj_record_to_json (record) : g_strdup ("none");
}

/* A transaction completes once its echo is applied, not while the change
 * that echoes it is still on its way into the collection: a handler of
 * its completion sees the record as the server left it. The WebSocket
 * feed's messages carry a cursor, so each is a commit of its own. */
static void
test_completed_after_echo (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new (server, TRUE);
  g_autoptr(JsonObject) value = syncobj_test_object ("{\"id\": \"a\", \"n\": 1}");
  g_autoptr(JsonObject) changes = syncobj_test_object ("{\"n\": 2}");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjTransaction) update = NULL;
  g_autoptr(SyncobjTransaction) delete = NULL;
  g_autofree char *seen = NULL;

  insert = syncobj_collection_begin (client->collection);
  g_signal_connect (insert, "notify::state", G_CALLBACK (seen_at_completion_cb), &seen);
  g_assert_true (syncobj_transaction_insert (insert, client->collection, value, &error));
  g_assert_true (syncobj_transaction_commit (insert, &error));
  g_assert_no_error (error);
  assert_completed (insert);
  g_assert_cmpstr (seen, ==, "{\"id\":\"a\",\"n\":1}");

  update = syncobj_collection_begin (client->collection);
  g_signal_connect (update, "notify::state", G_CALLBACK (seen_at_completion_cb), &seen);
  g_assert_true (syncobj_transaction_update (update, client->collection, "a", changes, &error));
  g_assert_true (syncobj_transaction_commit (update, &error));
  assert_completed (update);
  g_assert_cmpstr (seen, ==, "{\"id\":\"a\",\"n\":2}");

  delete = syncobj_collection_begin (client->collection);
  g_signal_connect (delete, "notify::state", G_CALLBACK (seen_at_completion_cb), &seen);
  g_assert_true (syncobj_transaction_delete (delete, client->collection, "a", &error));
  g_assert_true (syncobj_transaction_commit (delete, &error));
  assert_completed (delete);
  g_assert_cmpstr (seen, ==, "none");
}

static void
test_update_with_put (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new (server, TRUE);
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjTransaction) update = NULL;
  g_autoptr(JsonArray) effects = NULL;
  g_autoptr(JsonObject) body = NULL;

  syncobj_http_mutator_set_update_method (client->mutator, "PUT");
  insert = client_insert (client, "{\"id\": \"a\", \"title\": \"milk\"}");
  assert_completed (insert);
  update = client_update (client, "a", "{\"done\": true}");
  assert_completed (update);

  effects = demo_server_effects (server);
  g_assert_cmpuint (json_array_get_length (effects), ==, 2);
  g_assert_cmpstr (effect_member (effects, 1, "method"), ==, "put");
  /* PUT sends the whole record, not only the changes. */
  body = syncobj_test_object (effect_member (effects, 1, "body"));
  assert_json (body, "{\"id\": \"a\", \"title\": \"milk\", \"done\": true}");
}

/* A record deleted and inserted again in one transaction is replaced on
 * the server (PUT, or "replace" in a batch): the old record's members are
 * gone there and, after the echo, in the collection. */
static void
check_replaced (gboolean batch)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new (server, TRUE);
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(JsonObject) again = syncobj_test_object ("{\"id\": \"a\", \"title\": \"oat milk\"}");
  g_autoptr(JsonArray) items = NULL;
  g_autoptr(GError) error = NULL;

  if (batch)
    {
      g_autofree char *batch_uri = demo_server_uri (server, "/batch");

      syncobj_http_mutator_set_batch_uri (client->mutator, batch_uri);
    }
  insert = client_insert (client, "{\"id\": \"a\", \"title\": \"milk\", \"done\": true}");
  assert_completed (insert);

  transaction = syncobj_collection_begin (client->collection);
  g_assert_true (syncobj_transaction_delete (transaction, client->collection, "a", &error));
  g_assert_true (syncobj_transaction_insert (transaction, client->collection, again, &error));
  g_assert_no_error (error);
  g_assert_true (syncobj_transaction_commit (transaction, &error));
  g_assert_no_error (error);
  assert_completed (transaction);

  items = demo_server_items (server);
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  assert_json (json_array_get_object_element (items, 0), "{\"id\": \"a\", \"title\": \"oat milk\"}");
  assert_json (syncobj_collection_lookup_value (client->collection, "a"), "{\"id\": \"a\", \"title\": \"oat milk\"}");
}

static void
test_delete_insert_replaces (void)
{
  check_replaced (FALSE);
}

static void
test_delete_insert_replaces_in_batch (void)
{
  check_replaced (TRUE);
}

static void
test_idempotent_replay (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(JsonArray) effects = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  guint status = 0;

  first = demo_server_request (server, "POST", "/items", "tx-1-m-1", "{\"id\": \"a\", \"n\": 1}", &status);
  g_assert_cmpuint (status, ==, 201);
  second = demo_server_request (server, "POST", "/items", "tx-1-m-1", "{\"id\": \"a\", \"n\": 1}", &status);
  /* The replay gets the first answer, not a 409 for an existing key. */
  g_assert_cmpuint (status, ==, 201);
  g_assert_cmpstr (first, ==, second);

  effects = demo_server_effects (server);
  g_assert_cmpuint (json_array_get_length (effects), ==, 1);
}

static void
test_lost_answer_replayed_once (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new (server, TRUE);
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(JsonArray) effects = NULL;

  /* The server applies the insert, then the connection drops before the
   * answer: the mutator retries with the same Idempotency-Key. */
  demo_server_admin (server, "/_admin/faults", "{\"drop_after_apply\": 1}");
  insert = client_insert (client, "{\"id\": \"a\"}");
  assert_completed (insert);

  g_assert_cmpuint (syncobj_transaction_get_current_attempt (insert), ==, 2);
  effects = demo_server_effects (server);
  g_assert_cmpuint (json_array_get_length (effects), ==, 1);
}

/* libsoup resends a DELETE or a PUT by itself when the kept-alive
 * connection it went out on turns out to be closed, and libsoup 3.2.3 can
 * crash doing so (it reads the resend's reply after the first attempt's
 * error ended the message). Such requests go out on a connection of their
 * own: the drop is an error the retry policy handles, visible as a second
 * attempt, and libsoup never resends behind the mutator's back. */
static void
check_dropped_request_not_resent (const char *update_method)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new (server, TRUE);
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjTransaction) write = NULL;
  g_autoptr(SyncobjAttempt) first = NULL;
  g_autoptr(JsonArray) effects = NULL;
  g_autoptr(GError) error = NULL;

  if (update_method != NULL)
    syncobj_http_mutator_set_update_method (client->mutator, update_method);
  /* The insert leaves a kept-alive connection to the server. */
  insert = client_insert (client, "{\"id\": \"a\"}");
  assert_completed (insert);

  /* The server closes the connection before reading the next write. */
  demo_server_admin (server, "/_admin/faults", "{\"drop\": 1}");
  if (update_method != NULL)
    write = client_update (client, "a", "{\"n\": 2}");
  else
    write = syncobj_collection_delete (client->collection, "a", &error);
  g_assert_no_error (error);
  assert_completed (write);

  g_assert_cmpuint (syncobj_transaction_get_current_attempt (write), ==, 2);
  first = g_list_model_get_item (syncobj_transaction_get_attempts (write), 0);
  g_assert_error (syncobj_attempt_get_error (first), SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP);
  effects = demo_server_effects (server);
  g_assert_cmpuint (json_array_get_length (effects), ==, 2);
  g_assert_cmpstr (effect_member (effects, 1, "method"), ==, update_method != NULL ? "put" : "delete");
}

/* Which requests get a fresh connection: those libsoup would resend. */
static void
test_resent_methods_get_own_connection (void)
{
  static const struct { const char *method; gboolean own; } cases[] = {
    { "GET", TRUE }, { "HEAD", TRUE }, { "PUT", TRUE }, { "DELETE", TRUE }, { "OPTIONS", TRUE },
    { "POST", FALSE }, { "PATCH", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SoupMessage) message = soup_message_new (cases[i].method, "http://127.0.0.1:1/items");

      _syncobj_http_forbid_resend (message);
      g_assert_cmpint (soup_message_query_flags (message, SOUP_MESSAGE_NEW_CONNECTION), ==, cases[i].own);
    }
}

static void
test_dropped_delete_not_resent (void)
{
  check_dropped_request_not_resent (NULL);
}

static void
test_dropped_put_not_resent (void)
{
  check_dropped_request_not_resent ("PUT");
}

static gboolean
first_attempt_failed (SyncobjTransaction *transaction)
{
  g_autoptr(SyncobjAttempt) first = g_list_model_get_item (syncobj_transaction_get_attempts (transaction), 0);

  return first != NULL && syncobj_attempt_get_error (first) != NULL;
}

/* A request the server holds longer than the mutator's timeout fails with
 * a retriable timeout, and the retry (same Idempotency-Key) succeeds. */
static void
test_request_timeout_retried (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new (server, TRUE);
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjAttempt) first = NULL;
  g_autoptr(JsonArray) effects = NULL;
  const GError *error;
  guint timeout = 0;

  g_assert_cmpuint (syncobj_http_mutator_get_timeout (client->mutator), ==, 30000);
  /* Milliseconds; libsoup waits whole seconds, so 1 s here. */
  syncobj_http_mutator_set_timeout (client->mutator, 800);
  g_object_get (client->mutator, "timeout", &timeout, NULL);
  g_assert_cmpuint (timeout, ==, 800);

  demo_server_admin (server, "/_admin/faults", "{\"delay_ms\": 4000}");
  insert = client_insert (client, "{\"id\": \"a\"}");
  WAIT_FOR (first_attempt_failed (insert), WAIT_TIMEOUT_MS);
  /* The retry waits 10 ms on this main context: the delay is gone first. */
  demo_server_admin (server, "/_admin/faults", "{}");
  assert_completed (insert);

  g_assert_cmpuint (syncobj_transaction_get_current_attempt (insert), ==, 2);
  first = g_list_model_get_item (syncobj_transaction_get_attempts (insert), 0);
  error = syncobj_attempt_get_error (first);
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "POST"));
  effects = demo_server_effects (server);
  g_assert_cmpuint (json_array_get_length (effects), ==, 1);
}

static void
test_503_then_success (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new (server, TRUE);
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjAttempt) first = NULL;
  g_autoptr(JsonArray) effects = NULL;
  const GError *error;

  demo_server_admin (server, "/_admin/faults", "{\"fail\": 1, \"status\": 503, \"reason\": \"down for a moment\"}");
  insert = client_insert (client, "{\"id\": \"a\"}");
  assert_completed (insert);

  g_assert_cmpuint (syncobj_transaction_get_current_attempt (insert), ==, 2);
  first = g_list_model_get_item (syncobj_transaction_get_attempts (insert), 0);
  error = syncobj_attempt_get_error (first);
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP);
  g_assert_nonnull (strstr (error->message, "503"));
  g_assert_nonnull (strstr (error->message, "down for a moment"));
  /* What the server said stays with the attempt; the one that
   * succeeded has no error answer. */
  g_assert_cmpuint (syncobj_attempt_get_http_status (first), ==, 503);
  g_assert_nonnull (syncobj_attempt_get_response_body (first));
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (syncobj_attempt_get_response_body (first), NULL),
                                  g_bytes_get_size (syncobj_attempt_get_response_body (first)),
                                  "down for a moment"));
  {
    g_autoptr(SyncobjAttempt) second = g_list_model_get_item (syncobj_transaction_get_attempts (insert), 1);

    g_assert_cmpuint (syncobj_attempt_get_http_status (second), ==, 0);
    g_assert_null (syncobj_attempt_get_response_body (second));
  }

  effects = demo_server_effects (server);
  g_assert_cmpuint (json_array_get_length (effects), ==, 1);
}

static void
test_422_rolls_back (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new (server, TRUE);
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjTransaction) update = NULL;
  g_autoptr(JsonArray) effects = NULL;
  g_autofree char *uri = demo_server_uri (server, "/items/a");
  const GError *error;

  insert = client_insert (client, "{\"id\": \"a\", \"title\": \"milk\"}");
  assert_completed (insert);

  update = client_update (client, "a", "{\"title\": \"invalid\"}");
  assert_json (syncobj_collection_lookup_value (client->collection, "a"),
                            "{\"id\": \"a\", \"title\": \"invalid\"}");
  wait_finished (update);

  g_assert_cmpint (syncobj_transaction_get_state (update), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (update), ==, 1);
  error = syncobj_transaction_get_error (update);
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_NON_RETRIABLE);
  g_assert_nonnull (strstr (error->message, "PATCH"));
  g_assert_nonnull (strstr (error->message, uri));
  g_assert_nonnull (strstr (error->message, "422"));
  g_assert_nonnull (strstr (error->message, "must not be"));
  {
    g_autoptr(SyncobjAttempt) attempt = g_list_model_get_item (syncobj_transaction_get_attempts (update), 0);
    GBytes *body = syncobj_attempt_get_response_body (attempt);
    guint status = 0;

    g_object_get (attempt, "http-status", &status, NULL);
    g_assert_cmpuint (status, ==, 422);
    g_assert_nonnull (body);
    g_assert_nonnull (g_strstr_len (g_bytes_get_data (body, NULL), g_bytes_get_size (body), "must not be"));
  }
  assert_json (syncobj_collection_lookup_value (client->collection, "a"),
                            "{\"id\": \"a\", \"title\": \"milk\"}");

  effects = demo_server_effects (server);
  g_assert_cmpuint (json_array_get_length (effects), ==, 1);
}

static void
test_retry_after (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new (server, TRUE);
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjAttempt) first = NULL;
  g_autoptr(SyncobjAttempt) second = NULL;
  GTimeSpan waited;

  /* 429 is retriable; its Retry-After (1 s) overrides the 10 ms policy,
   * within its max-delay. */
  syncobj_retry_policy_set_max_delay (syncobj_collection_get_retry_policy (client->collection), 5000);
  demo_server_admin (server, "/_admin/faults", "{\"fail\": 1, \"status\": 429, \"retry_after\": \"1\"}");
  insert = client_insert (client, "{\"id\": \"a\"}");
  assert_completed (insert);

  g_assert_cmpuint (syncobj_transaction_get_current_attempt (insert), ==, 2);
  first = g_list_model_get_item (syncobj_transaction_get_attempts (insert), 0);
  second = g_list_model_get_item (syncobj_transaction_get_attempts (insert), 1);
  g_assert_error (syncobj_attempt_get_error (first), SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP);
  waited = g_date_time_difference (syncobj_attempt_get_retry_scheduled_for (first),
                                   syncobj_attempt_get_completed_at (first));
  /* Between the attempt's end and the schedule, the attempt's observers
   * run: tens of milliseconds on a loaded machine under AddressSanitizer. */
  g_assert_cmpint (waited, >=, 990 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (waited, <=, 1250 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (g_date_time_difference (syncobj_attempt_get_started_at (second),
                                           syncobj_attempt_get_completed_at (first)),
                   >=, 990 * G_TIME_SPAN_MILLISECOND);
}

static void
test_retry_after_date (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new (server, TRUE);
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjAttempt) first = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_seconds (now, 2);
  g_autofree char *date = g_date_time_format (later, "%a, %d %b %Y %H:%M:%S GMT");
  g_autofree char *faults = g_strdup_printf ("{\"fail\": 1, \"status\": 503, \"retry_after\": \"%s\"}", date);
  g_autoptr(GDateTime) date_time = NULL;
  GTimeSpan waited;

  /* An HTTP date: the retry waits until then (whole seconds: 1–2 s). */
  syncobj_retry_policy_set_max_delay (syncobj_collection_get_retry_policy (client->collection), 5000);
  demo_server_admin (server, "/_admin/faults", faults);
  insert = client_insert (client, "{\"id\": \"a\"}");
  assert_completed (insert);

  /* The retry is set for the date itself, however long the request took
   * (the date was made before it, in whole seconds). */
  first = g_list_model_get_item (syncobj_transaction_get_attempts (insert), 0);
  date_time = g_date_time_new_from_unix_utc (g_date_time_to_unix (later));
  g_assert_cmpint (g_date_time_difference (syncobj_attempt_get_retry_scheduled_for (first), date_time),
                   >=, -100 * G_TIME_SPAN_MILLISECOND);
  waited = g_date_time_difference (syncobj_attempt_get_retry_scheduled_for (first),
                                   syncobj_attempt_get_completed_at (first));
  g_assert_cmpint (waited, <=, 2100 * G_TIME_SPAN_MILLISECOND);
}

static void
test_array_member (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(SyncobjHttpSync) sync = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *uri = demo_server_uri (server, "/items?wrap=data");
  g_autofree char *id = unique_id ("wrapped");

  answer = demo_server_request (server, "POST", "/items", "k1", "{\"id\": \"a\"}", NULL);
  sync = syncobj_http_sync_new (id, uri, NULL);
  syncobj_http_sync_set_array_member (sync, "data");
  syncobj_http_sync_set_poll_interval (sync, 0);
  collection = syncobj_collection_new (id, SYNCOBJ_SYNC (sync), NULL);
  WAIT_FOR (syncobj_collection_get_ready (collection), WAIT_TIMEOUT_MS);
  g_assert_true (syncobj_collection_contains (collection, "a"));
  g_assert_cmpuint (syncobj_collection_get_size (collection), ==, 1);
}

static void
reach_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  int *reachable = user_data;

  *reachable = _syncobj_network_can_reach_finish (result) ? 1 : 0;
}

static void
test_loopback_always_reachable (void)
{
  g_autoptr(GUri) uri = g_uri_parse ("http://127.0.0.1:1/items", G_URI_FLAGS_NONE, NULL);
  int reachable = -1;

  /* Whatever GNetworkMonitor says (CI machines without a default route
   * report no network at all), loopback never counts as offline. */
  _syncobj_network_can_reach_async (uri, NULL, reach_cb, &reachable);
  WAIT_FOR (reachable != -1, WAIT_TIMEOUT_MS);
  g_assert_cmpint (reachable, ==, 1);
}

static gboolean reachable_now;

static gboolean
fake_reach (GUri *uri)
{
  return reachable_now;
}

static void
test_unreachable_spends_no_attempts (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new (server, TRUE);
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjAttempt) first = NULL;
  g_autoptr(SyncobjRecord) record = NULL;
  SyncobjScheduler *scheduler = _syncobj_scheduler_get_default ();

  /* One attempt only: an attempt spent while offline would fail it. */
  syncobj_retry_policy_set_max_attempts (syncobj_collection_get_retry_policy (client->collection), 1);
  reachable_now = FALSE;
  _syncobj_network_set_reach_func (fake_reach);
  demo_server_kill (server);

  insert = client_insert (client, "{\"id\": \"a\"}");
  WAIT_FOR (!_syncobj_scheduler_get_online (scheduler), WAIT_TIMEOUT_MS);
  first = g_list_model_get_item (syncobj_transaction_get_attempts (insert), 0);
  g_assert_error (syncobj_attempt_get_error (first), SYNCOBJ_ERROR, SYNCOBJ_ERROR_OFFLINE);
  g_assert_cmpint (syncobj_transaction_get_state (insert), ==, SYNCOBJ_TRANSACTION_STATE_PERSISTING);
  record = syncobj_collection_lookup (client->collection, "a");
  g_assert_true (syncobj_record_get_pending (record));

  /* The network comes back: the work resumes at once and succeeds. */
  demo_server_restart (server);
  reachable_now = TRUE;
  g_signal_emit_by_name (g_network_monitor_get_default (), "network-changed", TRUE);
  WAIT_FOR (_syncobj_scheduler_get_online (scheduler), WAIT_TIMEOUT_MS);
  _syncobj_network_set_reach_func (NULL);
  assert_completed (insert);
}

static void
state_changed_cb (SyncobjTransaction *transaction,
                  GParamSpec         *pspec,
                  GArray             *states)
{
  SyncobjTransactionState state = syncobj_transaction_get_state (transaction);

  g_array_append_val (states, state);
}

static void
test_websocket_echo_completes (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new (server, TRUE);
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(GArray) states = g_array_new (FALSE, FALSE, sizeof (SyncobjTransactionState));
  g_autoptr(SyncobjRecord) record = NULL;

  /* A timeout far beyond the test's: only the echo can complete it. */
  syncobj_http_mutator_set_sync_timeout (client->mutator, 0);
  insert = client_insert (client, "{\"id\": \"a\", \"title\": \"milk\"}");
  g_signal_connect (insert, "notify::state", G_CALLBACK (state_changed_cb), states);
  assert_completed (insert);

  g_assert_cmpuint (states->len, >=, 2);
  g_assert_cmpint (g_array_index (states, SyncobjTransactionState, states->len - 2), ==,
                   SYNCOBJ_TRANSACTION_STATE_PERSISTED_AWAITING_SYNC);
  record = syncobj_collection_lookup (client->collection, "a");
  assert_json (syncobj_record_get_synced_value (record), "{\"id\": \"a\", \"title\": \"milk\"}");
  g_assert_false (syncobj_record_get_pending (record));
}

static void
test_no_echo_waits_for_timeout (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new (server, FALSE);
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjRecord) record = NULL;

  /* Polling is off: no echo ever comes, so the transaction stays
   * persisted_awaiting_sync until the timeout, then completes. */
  syncobj_http_mutator_set_sync_timeout (client->mutator, 300);
  insert = client_insert (client, "{\"id\": \"a\"}");
  WAIT_FOR (syncobj_transaction_get_state (insert) == SYNCOBJ_TRANSACTION_STATE_PERSISTED_AWAITING_SYNC,
            WAIT_TIMEOUT_MS);
  record = syncobj_collection_lookup (client->collection, "a");
  g_assert_true (syncobj_record_get_pending (record));
  assert_completed (insert);
}

static void
test_polling_with_etag (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = NULL;
  g_autofree char *answer = NULL;
  guint status = 0;

  answer = demo_server_request (server, "POST", "/items", "k1", "{\"id\": \"a\"}", &status);
  g_assert_cmpuint (status, ==, 201);
  client = client_new (server, FALSE);
  g_assert_true (syncobj_collection_contains (client->collection, "a"));

  syncobj_http_sync_set_poll_interval (client->sync, 20);
  syncobj_http_sync_reconnect (client->sync);
  g_free (answer);
  answer = demo_server_request (server, "POST", "/items", "k2", "{\"id\": \"b\"}", &status);
  g_assert_cmpuint (status, ==, 201);
  WAIT_FOR (syncobj_collection_contains (client->collection, "b"), WAIT_TIMEOUT_MS);
}

static void
count_get_cb (SoupSession *session,
              SoupMessage *message,
              guint       *gets)
{
  if (g_str_equal (soup_message_get_method (message), "GET"))
    (*gets)++;
}

/* A polling sync polls as soon as the server answers a write, not at the
 * end of its interval: with a 60 s interval, a transaction that waits for
 * its echo completes at once, each answer costing one poll. */
static void
test_polling_after_answer (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new (server, FALSE);
  g_autoptr(SyncobjTransaction) first = NULL;
  g_autoptr(SyncobjTransaction) second = NULL;
  g_autoptr(SyncobjTransaction) update = NULL;
  gint64 start;
  guint gets = 0;

  /* No timeout: only the echo can complete a transaction. */
  syncobj_http_mutator_set_sync_timeout (client->mutator, 0);
  syncobj_http_sync_set_poll_interval (client->sync, 60000);
  syncobj_http_sync_reconnect (client->sync);
  WAIT_FOR (syncobj_http_sync_get_connected (client->sync), WAIT_TIMEOUT_MS);
  g_signal_connect (client->sync->session, "request-queued", G_CALLBACK (count_get_cb), &gets);
  start = g_get_monotonic_time ();

  /* Two answers close together: two polls at most. */
  first = client_insert (client, "{\"id\": \"a\", \"title\": \"milk\"}");
  second = client_insert (client, "{\"id\": \"b\", \"title\": \"tea\"}");
  assert_completed (first);
  assert_completed (second);
  g_assert_cmpuint (gets, >=, 1);
  g_assert_cmpuint (gets, <=, 2);

  /* One answer, one poll. */
  gets = 0;
  update = client_update (client, "a", "{\"title\": \"oat milk\"}");
  assert_completed (update);
  g_assert_cmpuint (gets, ==, 1);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 60000 * G_TIME_SPAN_MILLISECOND);
  assert_json (syncobj_collection_lookup_value (client->collection, "a"),
               "{\"id\": \"a\", \"title\": \"oat milk\"}");
}

static void
count_committed_cb (SyncobjSync *sync,
                    guint        n_writes,
                    guint       *count)
{
  (*count)++;
}

/* One run of an application: a collection with @store on @server, started
 * offline-first; returns it once ready (or at once with @no_wait). */
static SyncobjCollection *
cached_collection_new (DemoServer    *server,
                       SyncobjStore  *store,
                       SyncobjSync  **sync_out)
{
  g_autofree char *items = demo_server_uri (server, "/items");
  g_autofree char *changes = demo_server_uri (server, "/changes");
  SyncobjHttpSync *sync = syncobj_http_sync_new ("cached-sync", items, changes);

  syncobj_http_sync_set_reconnect_delay (sync, 20);
  syncobj_http_sync_set_poll_interval (sync, 0);
  *sync_out = SYNCOBJ_SYNC (sync);
  return syncobj_collection_new_with_store ("cached", SYNCOBJ_SYNC (sync), NULL, store);
}

/* The snapshot's ETag is the cursor: a restart shows the cache, asks
 * with If-None-Match, and a 304 changes nothing; a changed collection
 * loads the whole snapshot, which keeps the records that did not change
 * (same objects, no items-changed for them). */
static void
test_cached_start_etag (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "http-cached.db", NULL);
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjSync) sync = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjRecord) before = NULL;
  g_autoptr(SyncobjRecord) after = NULL;
  g_autoptr(SyncobjTestItemsChanged) changed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *cursor = NULL;
  guint committed = 0;

  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);
  answer = demo_server_request (server, "POST", "/items", "c1", "{\"id\": \"a\", \"n\": 1}", NULL);
  g_free (answer);
  answer = demo_server_request (server, "POST", "/items", "c2", "{\"id\": \"b\", \"n\": 2}", NULL);

  store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  collection = cached_collection_new (server, store, &sync);
  g_assert_cmpint (syncobj_collection_get_status (collection), ==, SYNCOBJ_COLLECTION_STATUS_LOADING);
  WAIT_FOR (syncobj_collection_get_ready (collection), WAIT_TIMEOUT_MS);
  g_assert_cmpint (syncobj_collection_get_status (collection), ==, SYNCOBJ_COLLECTION_STATUS_READY);
  cursor = g_strdup (syncobj_sync_get_cursor (sync));
  g_assert_nonnull (cursor);
  g_clear_object (&collection);
  g_clear_object (&sync);

  /* Nothing changed on the server: a 304, no commit. */
  collection = cached_collection_new (server, store, &sync);
  g_signal_connect (sync, "committed", G_CALLBACK (count_committed_cb), &committed);
  g_assert_cmpint (syncobj_collection_get_status (collection), ==, SYNCOBJ_COLLECTION_STATUS_CACHED);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (collection)), ==, 2);
  g_assert_cmpstr (syncobj_sync_get_cursor (sync), ==, cursor);
  WAIT_FOR (syncobj_collection_get_ready (collection), WAIT_TIMEOUT_MS);
  g_assert_cmpint (syncobj_collection_get_status (collection), ==, SYNCOBJ_COLLECTION_STATUS_READY);
  g_assert_cmpuint (committed, ==, 0);
  g_clear_object (&collection);
  g_clear_object (&sync);

  /* Changed meanwhile: the whole snapshot, unchanged records kept. */
  g_free (answer);
  answer = demo_server_request (server, "POST", "/items", "c3", "{\"id\": \"c\", \"n\": 3}", NULL);
  collection = cached_collection_new (server, store, &sync);
  g_assert_cmpint (syncobj_collection_get_status (collection), ==, SYNCOBJ_COLLECTION_STATUS_CACHED);
  before = syncobj_collection_lookup (collection, "a");
  changed = syncobj_test_items_changed_new (G_LIST_MODEL (collection));
  WAIT_FOR (syncobj_collection_get_ready (collection), WAIT_TIMEOUT_MS);
  syncobj_test_items_changed_assert (changed, "2,0,1");
  after = syncobj_collection_lookup (collection, "a");
  g_assert_true (before == after);
  g_assert_cmpstr (syncobj_sync_get_cursor (sync), !=, cursor);
  g_clear_object (&collection);
}

/* A collection with @store on @server that resumes from its cursor; with
 * @websocket FALSE it polls every 20 ms instead. */
static SyncobjCollection *
resuming_collection_new (DemoServer    *server,
                         SyncobjStore  *store,
                         gboolean       websocket,
                         SyncobjSync  **sync_out)
{
  g_autofree char *items = demo_server_uri (server, "/items");
  g_autofree char *changes = websocket ? demo_server_uri (server, "/changes") : NULL;
  SyncobjHttpSync *sync = syncobj_http_sync_new ("resume-sync", items, changes);

  syncobj_http_sync_set_reconnect_delay (sync, 20);
  syncobj_http_sync_set_poll_interval (sync, websocket ? 0 : 20);
  *sync_out = SYNCOBJ_SYNC (sync);
  return syncobj_collection_new_with_store ("resume", SYNCOBJ_SYNC (sync), NULL, store);
}

static SyncobjStore *
resume_store_new (const char *name)
{
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), name, NULL);
  g_autoptr(GError) error = NULL;
  SyncobjStore *store;

  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);
  g_unlink (path);
  store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  return store;
}

/* The first run: records a, b, c loaded by a snapshot; the cursor is the
 * server's sequence number (3). */
static void
resume_first_run (DemoServer   *server,
                  SyncobjStore *store,
                  gboolean      websocket)
{
  g_autoptr(SyncobjSync) sync = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  const char *records[] = { "{\"id\": \"a\", \"n\": 1}", "{\"id\": \"b\", \"n\": 2}", "{\"id\": \"c\", \"n\": 3}" };

  for (guint i = 0; i < G_N_ELEMENTS (records); i++)
    {
      g_autofree char *idempotency_key = g_strdup_printf ("first-%u", i);
      g_autofree char *answer = demo_server_request (server, "POST", "/items", idempotency_key, records[i], NULL);
    }

  collection = resuming_collection_new (server, store, websocket, &sync);
  WAIT_FOR (syncobj_collection_get_ready (collection), WAIT_TIMEOUT_MS);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (collection)), ==, 3);
  g_assert_cmpstr (syncobj_sync_get_cursor (sync), ==, "3");
}

/* While the application is closed: b updated, d inserted (changes 4 and
 * 5), and c deleted without a change: only a full snapshot shows that. */
static void
resume_change_server (DemoServer *server)
{
  g_autofree char *update = demo_server_request (server, "PATCH", "/items/b", "later-1", "{\"n\": 20}", NULL);
  g_autofree char *insert = demo_server_request (server, "POST", "/items", "later-2", "{\"id\": \"d\", \"n\": 4}", NULL);

  demo_server_admin (server, "/_admin/delete?key=c", NULL);
}

static void
assert_record_n (SyncobjCollection *collection,
                 const char        *key,
                 gint64             n)
{
  JsonObject *value = syncobj_collection_lookup_value (collection, key);

  g_assert_nonnull (value);
  g_assert_cmpint (json_object_get_int_member (value, "n"), ==, n);
}

/* A restart resumes from the cursor (?since= on the WebSocket, or on the
 * poll request): the changes since then arrive, in place, without a
 * snapshot (c, deleted without a change, stays), and the cursor follows
 * the feed. */
static void
check_resume (gboolean websocket)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(SyncobjStore) store = resume_store_new (websocket ? "resume-ws.db" : "resume-poll.db");
  g_autoptr(SyncobjSync) sync = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjRecord) a = NULL;
  g_autoptr(SyncobjRecord) a_after = NULL;
  g_autoptr(SyncobjTestItemsChanged) changed = NULL;
  g_autofree char *answer = NULL;

  resume_first_run (server, store, websocket);
  resume_change_server (server);

  collection = resuming_collection_new (server, store, websocket, &sync);
  g_assert_cmpint (syncobj_collection_get_status (collection), ==, SYNCOBJ_COLLECTION_STATUS_CACHED);
  g_assert_cmpstr (syncobj_sync_get_cursor (sync), ==, "3");
  a = syncobj_collection_lookup (collection, "a");
  changed = syncobj_test_items_changed_new (G_LIST_MODEL (collection));
  WAIT_FOR (syncobj_collection_get_ready (collection), WAIT_TIMEOUT_MS);
  g_assert_cmpint (syncobj_collection_get_status (collection), ==, SYNCOBJ_COLLECTION_STATUS_READY);
  g_assert_null (syncobj_sync_get_error (sync));

  /* b changed in place (position 1), d appended; c stays: no snapshot. */
  syncobj_test_items_changed_assert (changed, "1,1,1 3,0,1");
  assert_record_n (collection, "b", 20);
  assert_record_n (collection, "d", 4);
  g_assert_true (syncobj_collection_contains (collection, "c"));
  a_after = syncobj_collection_lookup (collection, "a");
  g_assert_true (a == a_after);
  g_assert_cmpstr (syncobj_sync_get_cursor (sync), ==, "5");

  /* Live changes move the cursor on. */
  answer = demo_server_request (server, "POST", "/items", "live-1", "{\"id\": \"e\", \"n\": 5}", NULL);
  WAIT_FOR (syncobj_collection_contains (collection, "e"), WAIT_TIMEOUT_MS);
  g_assert_cmpstr (syncobj_sync_get_cursor (sync), ==, "6");
}

static void
test_resume_websocket (void)
{
  check_resume (TRUE);
}

static void
test_resume_poll (void)
{
  check_resume (FALSE);
}

/* A cursor older than the server's change log (--change-log 0 keeps
 * none): the reset answer (the WebSocket's first message, or 410 to the
 * poll request) loads the full snapshot, which replaces the synced state
 * but keeps every unchanged record's object and position, with no
 * items-changed for them. */
static void
check_cursor_too_old (gboolean websocket)
{
  const char *args[] = { "--change-log=0", NULL };
  g_autoptr(DemoServer) server = demo_server_start_full (NULL, args);
  g_autoptr(SyncobjStore) store = resume_store_new (websocket ? "too-old-ws.db" : "too-old-poll.db");
  g_autoptr(SyncobjSync) sync = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjRecord) a = NULL;
  g_autoptr(SyncobjRecord) a_after = NULL;
  g_autoptr(SyncobjTestItemsChanged) changed = NULL;

  resume_first_run (server, store, websocket);
  resume_change_server (server);

  collection = resuming_collection_new (server, store, websocket, &sync);
  g_assert_cmpint (syncobj_collection_get_status (collection), ==, SYNCOBJ_COLLECTION_STATUS_CACHED);
  a = syncobj_collection_lookup (collection, "a");
  changed = syncobj_test_items_changed_new (G_LIST_MODEL (collection));
  WAIT_FOR (syncobj_collection_get_ready (collection), WAIT_TIMEOUT_MS);
  g_assert_null (syncobj_sync_get_error (sync));

  /* c gone (position 2), b changed in place (1), d appended; a untouched. */
  syncobj_test_items_changed_assert (changed, "2,1,0 1,1,1 2,0,1");
  g_assert_false (syncobj_collection_contains (collection, "c"));
  assert_record_n (collection, "b", 20);
  assert_record_n (collection, "d", 4);
  a_after = syncobj_collection_lookup (collection, "a");
  g_assert_true (a == a_after);
  g_assert_cmpstr (syncobj_sync_get_cursor (sync), ==, "5");
}

static void
test_cursor_too_old_websocket (void)
{
  check_cursor_too_old (TRUE);
}

static void
test_cursor_too_old_poll (void)
{
  check_cursor_too_old (FALSE);
}

static void
test_refused_feed_falls_back_to_polling (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(SyncobjHttpSync) sync = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autofree char *items = demo_server_uri (server, "/items");
  g_autofree char *id = unique_id ("refused");
  g_autofree char *answer = NULL;

  /* /items answers the handshake with plain JSON, not a WebSocket. */
  sync = syncobj_http_sync_new (id, items, items);
  syncobj_http_sync_set_poll_interval (sync, 20);
  collection = syncobj_collection_new (id, SYNCOBJ_SYNC (sync), NULL);
  WAIT_FOR (syncobj_collection_get_ready (collection), WAIT_TIMEOUT_MS);
  g_assert_error (syncobj_sync_get_error (SYNCOBJ_SYNC (sync)), SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP);
  g_assert_nonnull (strstr (syncobj_sync_get_error (SYNCOBJ_SYNC (sync))->message, "polling"));

  answer = demo_server_request (server, "POST", "/items", "k1", "{\"id\": \"a\"}", NULL);
  WAIT_FOR (syncobj_collection_contains (collection, "a"), WAIT_TIMEOUT_MS);
}

static void
committed_cb (SyncobjSync *sync,
              guint        n_writes,
              guint       *commits)
{
  (*commits)++;
}

static void
test_reconnect_resnapshot (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = NULL;
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autofree char *answer = NULL;
  guint commits = 0;

  answer = demo_server_request (server, "POST", "/items", "k1", "{\"id\": \"a\"}", NULL);
  g_free (answer);
  answer = demo_server_request (server, "POST", "/items", "k2", "{\"id\": \"b\"}", NULL);
  client = client_new (server, TRUE);
  g_assert_true (syncobj_collection_contains (client->collection, "b"));

  /* An optimistic insert stays pending (the server answers slowly) while
   * "b" disappears on the server without a word, and the feed drops. */
  demo_server_admin (server, "/_admin/faults", "{\"delay_ms\": 1500}");
  insert = client_insert (client, "{\"id\": \"c\"}");
  demo_server_admin (server, "/_admin/delete?key=b", NULL);
  g_signal_connect (client->sync, "committed", G_CALLBACK (committed_cb), &commits);
  demo_server_admin (server, "/_admin/disconnect", NULL);

  /* The reconnect brings a fresh snapshot that replaces the synced state. */
  WAIT_FOR (!syncobj_collection_contains (client->collection, "b"), WAIT_TIMEOUT_MS);
  g_assert_cmpuint (commits, ==, 1);
  g_assert_true (syncobj_http_sync_get_connected (client->sync));
  g_assert_true (syncobj_collection_contains (client->collection, "a"));
  g_assert_true (syncobj_collection_contains (client->collection, "c"));
  g_assert_cmpint (syncobj_transaction_get_state (insert), ==, SYNCOBJ_TRANSACTION_STATE_PERSISTING);

  assert_completed (insert);
  g_assert_true (syncobj_collection_contains (client->collection, "c"));
}

/* A snapshot the server holds longer than the sync's timeout fails with a
 * timeout, and the sync reconnects and gets the next one. */
static void
test_snapshot_timeout_reconnects (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(SyncobjHttpSync) sync = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autofree char *items = demo_server_uri (server, "/items");
  g_autofree char *id = unique_id ("timeout");
  g_autofree char *answer = NULL;
  const GError *error;
  guint status = 0;

  answer = demo_server_request (server, "POST", "/items", "k1", "{\"id\": \"a\"}", &status);
  g_assert_cmpuint (status, ==, 201);
  demo_server_admin (server, "/_admin/faults", "{\"delay_snapshot_ms\": 4000}");

  sync = syncobj_http_sync_new (id, items, NULL);
  g_assert_cmpuint (syncobj_http_sync_get_timeout (sync), ==, 30000);
  syncobj_http_sync_set_timeout (sync, 1000);
  syncobj_http_sync_set_poll_interval (sync, 0);
  syncobj_http_sync_set_reconnect_delay (sync, 20);
  collection = syncobj_collection_new (id, SYNCOBJ_SYNC (sync), NULL);

  WAIT_FOR (syncobj_sync_get_error (SYNCOBJ_SYNC (sync)) != NULL, WAIT_TIMEOUT_MS);
  error = syncobj_sync_get_error (SYNCOBJ_SYNC (sync));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "GET"));
  g_assert_false (syncobj_collection_get_ready (collection));

  /* The reconnect waits 20 ms on this main context: the delay is gone first. */
  demo_server_admin (server, "/_admin/faults", "{}");
  WAIT_FOR (syncobj_collection_get_ready (collection), WAIT_TIMEOUT_MS);
  g_assert_true (syncobj_collection_contains (collection, "a"));
}

static void
test_reconnect_when_back_online (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new (server, TRUE);
  SyncobjScheduler *scheduler = _syncobj_scheduler_get_default ();
  g_autofree char *answer = NULL;

  /* A long backoff: only the network coming back can reconnect soon. */
  syncobj_http_sync_set_reconnect_delay (client->sync, 60000);
  _syncobj_scheduler_set_online (scheduler, FALSE);
  demo_server_kill (server);
  WAIT_FOR (!syncobj_http_sync_get_connected (client->sync), WAIT_TIMEOUT_MS);
  demo_server_restart (server);
  answer = demo_server_request (server, "POST", "/items", "k1", "{\"id\": \"a\"}", NULL);

  _syncobj_scheduler_set_online (scheduler, TRUE);
  WAIT_FOR (syncobj_http_sync_get_connected (client->sync), WAIT_TIMEOUT_MS);
  g_assert_true (syncobj_collection_contains (client->collection, "a"));
}

static void
test_resnapshot_completes_persisted (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new (server, TRUE);
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autofree char *answer = NULL;

  /* The echo is lost and someone else changes the record at once: only a
   * snapshot requested after the server answered can complete the insert. */
  syncobj_http_mutator_set_sync_timeout (client->mutator, 0);
  demo_server_admin (server, "/_admin/faults", "{\"mute\": 2}");
  insert = client_insert (client, "{\"id\": \"a\", \"n\": 1}");
  WAIT_FOR (syncobj_transaction_get_state (insert) == SYNCOBJ_TRANSACTION_STATE_PERSISTED_AWAITING_SYNC,
            WAIT_TIMEOUT_MS);
  answer = demo_server_request (server, "PATCH", "/items/a", "other-1", "{\"n\": 2}", NULL);
  g_assert_cmpint (syncobj_transaction_get_state (insert), ==, SYNCOBJ_TRANSACTION_STATE_PERSISTED_AWAITING_SYNC);

  demo_server_admin (server, "/_admin/disconnect", NULL);
  assert_completed (insert);
  assert_json (syncobj_collection_lookup_value (client->collection, "a"), "{\"id\": \"a\", \"n\": 2}");
}

static void
message_error_cb (SyncobjHttpSync *sync,
                  const GError    *error,
                  GError         **reported)
{
  g_clear_error (reported);
  *reported = g_error_copy (error);
}

static void
test_malformed_message_skipped (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new (server, TRUE);
  g_autoptr(GError) reported = NULL;

  g_signal_connect (client->sync, "message-error", G_CALLBACK (message_error_cb), &reported);
  demo_server_admin (server, "/_admin/broadcast", "{\"type\": \"upsert\", \"value\": {\"id\": \"x\"}");
  WAIT_FOR (reported != NULL, WAIT_TIMEOUT_MS);
  g_assert_error (reported, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE);
  g_assert_error (syncobj_sync_get_error (SYNCOBJ_SYNC (client->sync)), SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE);
  g_assert_false (syncobj_collection_contains (client->collection, "x"));

  /* The stream goes on: the next message applies. */
  demo_server_admin (server, "/_admin/broadcast", "{\"type\": \"insert\", \"value\": {\"id\": \"y\"}}");
  WAIT_FOR (syncobj_collection_contains (client->collection, "y"), WAIT_TIMEOUT_MS);
  g_assert_true (syncobj_http_sync_get_connected (client->sync));
}

static void
test_delete_404_is_done (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = NULL;
  g_autoptr(SyncobjTransaction) delete = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = NULL;

  answer = demo_server_request (server, "POST", "/items", "k1", "{\"id\": \"a\"}", NULL);
  client = client_new (server, TRUE);
  demo_server_admin (server, "/_admin/delete?key=a", NULL);

  /* No echo will come for a record already gone: no wait for one either. */
  syncobj_http_mutator_set_sync_timeout (client->mutator, 0);
  delete = syncobj_collection_delete (client->collection, "a", &error);
  g_assert_no_error (error);
  assert_completed (delete);
  g_assert_false (syncobj_collection_contains (client->collection, "a"));
}

static void
test_batch (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new (server, TRUE);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(JsonArray) effects = NULL;
  g_autoptr(JsonArray) items = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) a = syncobj_test_object ("{\"id\": \"a\"}");
  g_autoptr(JsonObject) b = syncobj_test_object ("{\"id\": \"b\"}");
  g_autofree char *batch = demo_server_uri (server, "/batch");
  g_autofree char *key_a = NULL;
  g_autofree char *key_b = NULL;

  syncobj_http_mutator_set_batch_uri (client->mutator, batch);
  transaction = syncobj_collection_begin (client->collection);
  syncobj_transaction_insert (transaction, client->collection, a, &error);
  g_assert_no_error (error);
  syncobj_transaction_insert (transaction, client->collection, b, &error);
  g_assert_no_error (error);
  syncobj_transaction_commit (transaction, &error);
  g_assert_no_error (error);
  syncobj_http_mutator_set_sync_timeout (client->mutator, 0);
  assert_completed (transaction);

  effects = demo_server_effects (server);
  g_assert_cmpuint (json_array_get_length (effects), ==, 2);
  key_a = expected_idempotency_key (transaction, 0);
  key_b = expected_idempotency_key (transaction, 1);
  g_assert_cmpstr (effect_member (effects, 0, "idempotency_key"), ==, key_a);
  g_assert_cmpstr (effect_member (effects, 1, "idempotency_key"), ==, key_b);
  items = demo_server_items (server);
  g_assert_cmpuint (json_array_get_length (items), ==, 2);
}


/* ---- keys from the server --------------------------------------------------------- */

/* An insert without a key goes out without one; the demo server's answer
 * (201, the record as created) re-keys the same record to the integer it
 * assigned, and the update made under the temporary key meanwhile is sent
 * as PATCH /items/1. The echo under the server's key is the same record. */
static void
test_server_key_from_body (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new_full (server, TRUE, SYNCOBJ_KEY_SOURCE_SERVER);
  g_autoptr(SyncobjTestItemsChanged) changes = NULL;
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjTransaction) update = NULL;
  g_autoptr(SyncobjTransaction) delete = NULL;
  g_autoptr(SyncobjRecord) record = NULL;
  g_autoptr(JsonArray) effects = NULL;
  g_autoptr(JsonArray) items = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *temporary_key = NULL;

  insert = client_insert (client, "{\"title\": \"milk\"}");
  record = g_list_model_get_item (G_LIST_MODEL (client->collection), 0);
  temporary_key = g_strdup (syncobj_record_get_key (record));
  g_assert_true (syncobj_record_is_temporary (record));
  update = client_update (client, temporary_key, "{\"done\": true}");
  changes = syncobj_test_items_changed_new (G_LIST_MODEL (client->collection));
  assert_completed (insert);
  assert_completed (update);

  g_assert_cmpstr (syncobj_record_get_key (record), ==, "1");
  g_assert_false (syncobj_record_is_temporary (record));
  g_assert_false (syncobj_record_get_pending (record));
  assert_json (syncobj_record_get_value (record), "{\"id\": 1, \"title\": \"milk\", \"done\": true}");
  /* No second row for the echo, no flicker: the list never changed. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (client->collection)), ==, 1);
  g_assert_cmpuint (syncobj_test_items_changed_count (changes), ==, 0);

  effects = demo_server_effects (server);
  g_assert_cmpuint (json_array_get_length (effects), ==, 2);
  g_assert_cmpstr (effect_member (effects, 0, "method"), ==, "insert");
  /* Sent without a key: the server assigned its own. */
  g_assert_cmpstr (effect_member (effects, 0, "key"), ==, "1");
  g_assert_cmpstr (effect_member (effects, 1, "method"), ==, "update");
  g_assert_cmpstr (effect_member (effects, 1, "key"), ==, "1");

  delete = syncobj_collection_delete (client->collection, temporary_key, &error);
  g_assert_no_error (error);
  assert_completed (delete);
  items = demo_server_items (server);
  g_assert_cmpuint (json_array_get_length (items), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (client->collection)), ==, 0);
}

/* A batch sends no key for key-less inserts; its answer's "records" bring
 * each one's key, by position. */
static void
test_server_key_from_batch (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new_full (server, TRUE, SYNCOBJ_KEY_SOURCE_SERVER);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(JsonObject) a = syncobj_test_object ("{\"title\": \"a\"}");
  g_autoptr(JsonObject) b = syncobj_test_object ("{\"id\": \"b\", \"title\": \"b\"}");
  g_autoptr(JsonObject) c = syncobj_test_object ("{\"title\": \"c\"}");
  g_autoptr(JsonArray) effects = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *batch = demo_server_uri (server, "/batch");

  syncobj_http_mutator_set_batch_uri (client->mutator, batch);
  transaction = syncobj_collection_begin (client->collection);
  g_assert_true (syncobj_transaction_insert (transaction, client->collection, a, &error));
  g_assert_true (syncobj_transaction_insert (transaction, client->collection, b, &error));
  g_assert_true (syncobj_transaction_insert (transaction, client->collection, c, &error));
  g_assert_true (syncobj_transaction_commit (transaction, &error));
  g_assert_no_error (error);
  assert_completed (transaction);

  assert_json (syncobj_collection_lookup_value (client->collection, "1"), "{\"id\": 1, \"title\": \"a\"}");
  assert_json (syncobj_collection_lookup_value (client->collection, "b"), "{\"id\": \"b\", \"title\": \"b\"}");
  assert_json (syncobj_collection_lookup_value (client->collection, "2"), "{\"id\": 2, \"title\": \"c\"}");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (client->collection)), ==, 3);
  effects = demo_server_effects (server);
  g_assert_cmpuint (json_array_get_length (effects), ==, 3);
}

/* A REST server on 127.0.0.1 that answers every POST with a fixed status,
 * body and Location, for the answers the demo server never gives. */
typedef struct
{
  SoupServer *server;
  guint       status;
  const char *body;       /* nullable */
  char       *location;   /* nullable */
  guint       posts;
  JsonObject *posted;     /* the last POST's body */
  const char *moved;      /* nullable: a path answered with a 308 to /api/items */
} Answerer;

static void
answerer_cb (SoupServer        *server,
             SoupServerMessage *message,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  Answerer *answerer = user_data;

  if (answerer->moved != NULL && g_str_equal (path, answerer->moved))
    {
      soup_server_message_set_status (message, 308, NULL);
      soup_message_headers_replace (soup_server_message_get_response_headers (message),
                                    "Location", "/api/items");
      return;
    }
  if (g_strcmp0 (soup_server_message_get_method (message), "POST") != 0)
    {
      soup_server_message_set_status (message, 204, NULL);
      return;
    }
  answerer->posts++;
  {
    SoupMessageBody *request = soup_server_message_get_request_body (message);

    g_clear_pointer (&answerer->posted, json_object_unref);
    answerer->posted = syncobj_test_object (request->data);
  }
  soup_server_message_set_status (message, answerer->status, NULL);
  if (answerer->location != NULL)
    soup_message_headers_replace (soup_server_message_get_response_headers (message),
                                  "Location", answerer->location);
  if (answerer->body != NULL)
    soup_server_message_set_response (message, "application/json", SOUP_MEMORY_STATIC,
                                      answerer->body, strlen (answerer->body));
}

static void
answerer_free (Answerer *answerer)
{
  soup_server_disconnect (answerer->server);
  g_clear_object (&answerer->server);
  g_free (answerer->location);
  g_clear_pointer (&answerer->posted, json_object_unref);
  g_free (answerer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Answerer, answerer_free)

static Answerer *
answerer_new (guint status,
              const char *body)
{
  Answerer *answerer = g_new0 (Answerer, 1);
  g_autoptr(GError) error = NULL;

  answerer->status = status;
  answerer->body = body;
  answerer->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (answerer->server, NULL, answerer_cb, answerer, NULL);
  soup_server_listen_local (answerer->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  return answerer;
}

static char *
answerer_uri (Answerer   *answerer,
              const char *path)
{
  GSList *uris = soup_server_get_uris (answerer->server);
  g_autofree char *base = g_uri_to_string (uris->data);

  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return g_strconcat (base, path[0] == '/' ? path + 1 : path, NULL);
}

/* A server-keyed collection without a sync, writing to @answerer, with one
 * attempt per transaction; inserts @json and waits until it finished. */
static SyncobjTransaction *
insert_answered (Answerer          *answerer,
                 const char        *json,
                 SyncobjCollection **collection_out)
{
  g_autofree char *items = answerer_uri (answerer, "/api/items");
  g_autofree char *id = unique_id ("answered");
  g_autoptr(SyncobjHttpMutator) mutator = syncobj_http_mutator_new (items);
  g_autoptr(SyncobjRetryPolicy) policy = syncobj_retry_policy_new ();
  SyncobjTransaction *insert;

  *collection_out = g_object_new (SYNCOBJ_TYPE_COLLECTION, "id", id,
                                  "key-source", SYNCOBJ_KEY_SOURCE_SERVER,
                                  "mutator", mutator, NULL);
  syncobj_retry_policy_set_max_attempts (policy, 1);
  syncobj_collection_set_retry_policy (*collection_out, policy);
  insert = syncobj_test_insert (*collection_out, json);
  wait_finished (insert);
  return insert;
}

typedef struct
{
  const char *name;
  guint       status;
  const char *body;
  const char *location;   /* relative to the answerer; nullable */
  const char *key;        /* the record's key afterwards, or NULL: failed */
  const char *value;
} CreatedCase;

static const CreatedCase created_cases[] = {
  { "body: the record", 201, "{\"id\": 7, \"title\": \"A\", \"at\": 1}", NULL, "7",
    "{\"id\": 7, \"title\": \"A\", \"at\": 1}" },
  { "body: just the key", 200, "{\"id\": \"x-9\"}", NULL, "x-9", "{\"title\": \"A\", \"id\": \"x-9\"}" },
  { "Location: an integer", 201, NULL, "/api/items/42", "42", "{\"title\": \"A\", \"id\": 42}" },
  { "Location: absolute, escaped text", 201, "", "ABSOLUTE/api/items/a%20b", "a b",
    "{\"title\": \"A\", \"id\": \"a b\"}" },
  { "Location with a body without the key", 201, "{\"title\": \"A\", \"at\": 2}", "/api/items/5", "5",
    "{\"title\": \"A\", \"at\": 2, \"id\": 5}" },
  { "body: the record wrapped", 201, "{\"data\": {\"id\": 8, \"title\": \"A\", \"at\": 3}, \"meta\": {\"v\": 1}}",
    NULL, "8", "{\"id\": 8, \"title\": \"A\", \"at\": 3}" },
  { "body: just the key, wrapped", 201, "{\"item\": {\"id\": \"w\"}}", NULL, "w", "{\"title\": \"A\", \"id\": \"w\"}" },
  { "body: two wrapped records", 201, "{\"a\": {\"id\": 1}, \"b\": {\"id\": 2}}", NULL, NULL, NULL },
  { "no body, no Location", 201, NULL, NULL, NULL, NULL },
  { "a body without the key", 201, "{\"ok\": true}", NULL, NULL, NULL },
  { "Location outside the collection", 201, NULL, "/api/other/3", NULL, NULL },
  { "a key that is no key", 201, "{\"id\": 1.5}", NULL, NULL, NULL },
  { "Location: not UTF-8", 201, NULL, "/api/items/%FF", NULL, NULL },
  { "Location: a NUL", 201, NULL, "/api/items/a%00b", NULL, NULL },
};

/* The created key comes from the body (the record, or just its key), else
 * from the Location below the collection's URI. An answer without one is
 * a non-retriable failure that names what was missing: the record goes. */
static void
test_server_key_answers (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (created_cases); i++)
    {
      const CreatedCase *c = &created_cases[i];
      g_autoptr(Answerer) answerer = answerer_new (c->status, c->body);
      g_autoptr(SyncobjCollection) collection = NULL;
      g_autoptr(SyncobjTransaction) insert = NULL;
      g_autoptr(SyncobjRecord) record = NULL;

      g_test_message ("%s", c->name);
      if (c->location != NULL && g_str_has_prefix (c->location, "ABSOLUTE"))
        answerer->location = answerer_uri (answerer, c->location + strlen ("ABSOLUTE"));
      else
        answerer->location = g_strdup (c->location);

      insert = insert_answered (answerer, "{\"title\": \"A\"}", &collection);
      g_assert_cmpuint (answerer->posts, ==, 1);
      /* Sent without a key, never the temporary one. */
      assert_json (answerer->posted, "{\"title\": \"A\"}");
      if (c->key != NULL)
        {
          g_assert_no_error (syncobj_transaction_get_error (insert));
          record = syncobj_collection_lookup (collection, c->key);
          g_assert_nonnull (record);
          g_assert_false (syncobj_record_is_temporary (record));
          assert_json (syncobj_record_get_value (record), c->value);
          g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (collection)), ==, 1);
        }
      else
        {
          const GError *error = syncobj_transaction_get_error (insert);

          g_assert_cmpint (syncobj_transaction_get_state (insert), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
          g_assert_false (syncobj_retry_policy_is_retriable (syncobj_collection_get_retry_policy (collection), error));
          g_assert_nonnull (strstr (error->message, "POST"));
          g_assert_nonnull (strstr (error->message, "/api/items"));
          g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (collection)), ==, 0);
        }
    }
}

/* An API that moved (308) and answers its inserts with just a Location:
 * the key is read below the URI the insert was redirected to, not below
 * the mutator's old base, which the new Location is not under. */
static void
test_server_key_after_redirect (void)
{
  g_autoptr(Answerer) answerer = answerer_new (201, NULL);
  g_autofree char *old_items = answerer_uri (answerer, "/v1/items");
  g_autoptr(SyncobjHttpMutator) mutator = syncobj_http_mutator_new (old_items);
  g_autoptr(SyncobjCollection) collection =
    g_object_new (SYNCOBJ_TYPE_COLLECTION, "id", "moved", "key-source", SYNCOBJ_KEY_SOURCE_SERVER,
                  "mutator", mutator, NULL);
  g_autoptr(SyncobjRetryPolicy) policy = syncobj_retry_policy_new ();
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjRecord) record = NULL;

  answerer->moved = "/v1/items";
  answerer->location = g_strdup ("/api/items/42");
  syncobj_retry_policy_set_max_attempts (policy, 1);
  syncobj_collection_set_retry_policy (collection, policy);
  insert = syncobj_test_insert (collection, "{\"title\": \"A\"}");
  wait_finished (insert);

  g_assert_no_error (syncobj_transaction_get_error (insert));
  g_assert_cmpint (syncobj_transaction_get_state (insert), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpuint (answerer->posts, ==, 1);
  record = syncobj_collection_lookup (collection, "42");
  g_assert_nonnull (record);
  g_assert_false (syncobj_record_is_temporary (record));
  assert_json (syncobj_record_get_value (record), "{\"title\": \"A\", \"id\": 42}");
}

static char *
auth_cb (const char *method,
         const char *uri,
         gpointer    user_data)
{
  guint *calls = user_data;

  (*calls)++;
  return g_strdup ("Bearer s3cret");
}

static void
cancel_auth_cb (SyncobjHttpMutator *mutator,
                SyncobjAuthRequest *request,
                gpointer            user_data)
{
  guint *asked = user_data;

  (*asked)++;
  g_assert_cmpuint (syncobj_auth_request_get_http_status (request), ==, 401);
  syncobj_auth_request_cancel (request);
}

static void
test_auth_callback (void)
{
  g_autoptr(DemoServer) server = demo_server_start_with_token ("s3cret");
  g_autoptr(Client) client = client_new (server, TRUE);
  g_autoptr(SyncobjTransaction) refused = NULL;
  g_autoptr(SyncobjTransaction) accepted = NULL;
  g_autoptr(SyncobjAttempt) last = NULL;
  guint calls = 0;
  guint asked = 0;
  gulong handler;

  /* Without the token, and an application that has none to give: each
   * attempt asks, fails with the refusal, and is retried by the policy
   * (5 attempts here: a collection without a store). */
  handler = g_signal_connect (client->mutator, "auth-required", G_CALLBACK (cancel_auth_cb), &asked);
  refused = client_insert (client, "{\"id\": \"a\"}");
  wait_finished (refused);
  g_assert_error (syncobj_transaction_get_error (refused), SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP);
  g_assert_nonnull (strstr (syncobj_transaction_get_error (refused)->message, "401"));
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (refused), ==, 5);
  g_assert_cmpuint (asked, ==, 5);
  last = g_list_model_get_item (syncobj_transaction_get_attempts (refused), 4);
  g_assert_cmpuint (syncobj_attempt_get_http_status (last), ==, 401);
  g_assert_false (syncobj_http_mutator_get_needs_auth (client->mutator));
  g_signal_handler_disconnect (client->mutator, handler);

  /* The callback runs before every request, retries included (a token
   * refreshed between attempts is used). */
  syncobj_http_mutator_set_auth_func (client->mutator, auth_cb, &calls, NULL);
  syncobj_http_mutator_set_header (client->mutator, "X-Client", "http-test");
  demo_server_admin (server, "/_admin/faults", "{\"fail\": 1, \"status\": 503}");
  accepted = client_insert (client, "{\"id\": \"a\"}");
  assert_completed (accepted);
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (accepted), ==, 2);
  g_assert_cmpuint (calls, ==, 2);
}

static void
keep_auth_request_cb (SyncobjHttpMutator *mutator,
                      SyncobjAuthRequest *request,
                      gpointer            user_data)
{
  SyncobjAuthRequest **kept = user_data;

  g_assert_null (*kept);
  *kept = g_object_ref (request);
}

static gboolean
all_finished (SyncobjTransaction **transactions,
              guint                n)
{
  for (guint i = 0; i < n; i++)
    if (!syncobj_transaction_is_finished (transactions[i]))
      return FALSE;
  return TRUE;
}

/* A 401 pauses every transaction of the mutator, spending no attempt, until
 * the application gives a credential, later: then they are all sent again
 * with it, and so is every later request. */
static void
test_auth_request_pauses (void)
{
  g_autoptr(DemoServer) server = demo_server_start_with_token ("s3cret");
  g_autoptr(Client) client = client_new (server, TRUE);
  g_autoptr(SyncobjAuthRequest) request = NULL;
  g_autoptr(SyncobjTransaction) later = NULL;
  g_autoptr(JsonArray) effects = NULL;
  g_autoptr(JsonArray) items = NULL;
  SyncobjTransaction *writes[3];
  gboolean needs_auth = FALSE;
  gint64 until;

  g_signal_connect (client->mutator, "auth-required", G_CALLBACK (keep_auth_request_cb), &request);
  writes[0] = client_insert (client, "{\"id\": \"a\", \"title\": \"milk\"}");
  writes[1] = client_insert (client, "{\"id\": \"b\", \"title\": \"eggs\"}");
  writes[2] = client_update (client, "a", "{\"title\": \"oat milk\"}");
  WAIT_FOR (request != NULL, WAIT_TIMEOUT_MS);

  g_object_get (client->mutator, "needs-auth", &needs_auth, NULL);
  g_assert_true (needs_auth);
  g_assert_cmpuint (syncobj_auth_request_get_http_status (request), ==, 401);
  g_assert_nonnull (strstr (syncobj_auth_request_get_uri (request), "/items"));
  g_assert_false (syncobj_auth_request_is_done (request));

  /* The application takes its time: many retry delays (10 ms) pass, and
   * nothing is sent, spent, or rolled back. */
  until = g_get_monotonic_time () + 300 * 1000;
  WAIT_FOR (g_get_monotonic_time () >= until, WAIT_TIMEOUT_MS);
  for (guint i = 0; i < G_N_ELEMENTS (writes); i++)
    {
      g_assert_false (syncobj_transaction_is_finished (writes[i]));
      g_assert_cmpuint (syncobj_transaction_get_current_attempt (writes[i]), <=, 1);
    }
  assert_json (syncobj_collection_lookup_value (client->collection, "a"),
               "{\"id\": \"a\", \"title\": \"oat milk\"}");
  effects = demo_server_effects (server);
  g_assert_cmpuint (json_array_get_length (effects), ==, 0);

  syncobj_auth_request_set_credential (request, "Bearer s3cret");
  g_assert_true (syncobj_auth_request_is_done (request));
  g_assert_false (syncobj_http_mutator_get_needs_auth (client->mutator));
  /* Completing it again does nothing. */
  syncobj_auth_request_cancel (request);

  WAIT_FOR (all_finished (writes, G_N_ELEMENTS (writes)), WAIT_TIMEOUT_MS);
  for (guint i = 0; i < G_N_ELEMENTS (writes); i++)
    {
      assert_completed (writes[i]);
      g_assert_cmpuint (syncobj_transaction_get_current_attempt (writes[i]), ==, 1);
      g_object_unref (writes[i]);
    }

  later = client_insert (client, "{\"id\": \"c\"}");
  assert_completed (later);
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (later), ==, 1);

  g_clear_pointer (&effects, json_array_unref);
  effects = demo_server_effects (server);
  g_assert_cmpuint (json_array_get_length (effects), ==, 4);
  items = demo_server_items (server);
  g_assert_cmpuint (json_array_get_length (items), ==, 3);
}

/* A transaction paused for credentials can be rolled back: it stops
 * waiting, and the credential given later sends nothing of it. */
static void
test_auth_request_rollback (void)
{
  g_autoptr(DemoServer) server = demo_server_start_with_token ("s3cret");
  g_autoptr(Client) client = client_new (server, TRUE);
  g_autoptr(SyncobjAuthRequest) request = NULL;
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjTransaction) later = NULL;
  g_autoptr(JsonArray) items = NULL;
  g_autoptr(GError) error = NULL;

  g_signal_connect (client->mutator, "auth-required", G_CALLBACK (keep_auth_request_cb), &request);
  insert = client_insert (client, "{\"id\": \"a\"}");
  WAIT_FOR (request != NULL, WAIT_TIMEOUT_MS);
  g_assert_true (syncobj_transaction_rollback (insert, &error));
  g_assert_no_error (error);
  g_assert_error (syncobj_transaction_get_error (insert), SYNCOBJ_ERROR, SYNCOBJ_ERROR_CANCELLED);
  g_assert_false (syncobj_collection_contains (client->collection, "a"));

  syncobj_auth_request_set_credential (request, "Bearer s3cret");
  later = client_insert (client, "{\"id\": \"b\"}");
  assert_completed (later);
  items = demo_server_items (server);
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  g_assert_false (syncobj_collection_contains (client->collection, "a"));
}

/* With auth-on-forbidden a 403 asks for credentials too. */
static void
test_auth_on_forbidden (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new (server, TRUE);
  g_autoptr(SyncobjAuthRequest) request = NULL;
  g_autoptr(SyncobjTransaction) insert = NULL;

  syncobj_http_mutator_set_auth_on_forbidden (client->mutator, TRUE);
  g_signal_connect (client->mutator, "auth-required", G_CALLBACK (keep_auth_request_cb), &request);
  demo_server_admin (server, "/_admin/faults", "{\"fail\": 1, \"status\": 403}");
  insert = client_insert (client, "{\"id\": \"a\"}");
  WAIT_FOR (request != NULL, WAIT_TIMEOUT_MS);
  g_assert_cmpuint (syncobj_auth_request_get_http_status (request), ==, 403);
  g_assert_false (syncobj_transaction_is_finished (insert));
  syncobj_auth_request_set_credential (request, "Bearer anything");
  assert_completed (insert);
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (insert), ==, 1);
}

/* The server dies in the middle of a burst of 200 mutations and comes back:
 * every one reaches it exactly once, in order per key. */
static void
test_server_restart_during_burst (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new (server, TRUE);
  g_autoptr(GPtrArray) transactions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(JsonArray) effects = NULL;
  g_autoptr(JsonArray) items = NULL;
  g_autoptr(GHashTable) keys_seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) last_n = g_hash_table_new (g_str_hash, g_str_equal);
  const guint n_keys = 20, n_per_key = 10;
  guint attempts = 0;

  syncobj_retry_policy_set_max_attempts (syncobj_collection_get_retry_policy (client->collection), 1000);

  for (guint round = 0; round < n_per_key; round++)
    for (guint k = 0; k < n_keys; k++)
      {
        g_autofree char *json = g_strdup_printf ("{\"id\": \"k%02u\", \"n\": %u}", k, round);

        if (round == 0)
          g_ptr_array_add (transactions, client_insert (client, json));
        else
          {
            g_autofree char *key = g_strdup_printf ("k%02u", k);
            g_autofree char *changes = g_strdup_printf ("{\"n\": %u}", round);
            g_ptr_array_add (transactions, client_update (client, key, changes));
          }
      }
  g_assert_cmpuint (transactions->len, ==, 200);

  /* Crash the server once a quarter of the burst got through, with a
   * request it holds and cannot have answered: the crash hits work in
   * flight however slow the client is (under valgrind, say). */
  WAIT_FOR (syncobj_transaction_get_state (g_ptr_array_index (transactions, 50)) >=
            SYNCOBJ_TRANSACTION_STATE_PERSISTED_AWAITING_SYNC, WAIT_TIMEOUT_MS);
  demo_server_admin (server, "/_admin/faults", "{\"delay_ms\": 600000}");
  WAIT_FOR (demo_server_fault_count (server, "held") > 0, WAIT_TIMEOUT_MS);
  demo_server_kill (server);
  demo_server_restart (server);

  for (guint i = 0; i < transactions->len; i++)
    {
      assert_completed (g_ptr_array_index (transactions, i));
      attempts += syncobj_transaction_get_current_attempt (g_ptr_array_index (transactions, i));
    }
  /* The crash did hit work in flight. */
  g_assert_cmpuint (attempts, >, transactions->len);

  effects = demo_server_effects (server);
  g_assert_cmpuint (json_array_get_length (effects), ==, 200);
  for (guint i = 0; i < json_array_get_length (effects); i++)
    {
      JsonObject *effect = json_array_get_object_element (effects, i);
      const char *idempotency_key = json_object_get_string_member (effect, "idempotency_key");
      const char *key = json_object_get_string_member (effect, "key");
      g_autoptr(JsonObject) body = syncobj_test_object (json_object_get_string_member (effect, "body"));
      guint n = (guint) json_object_get_int_member (body, "n");

      g_assert_false (g_hash_table_contains (keys_seen, idempotency_key));
      g_hash_table_add (keys_seen, (gpointer) idempotency_key);
      if (g_hash_table_contains (last_n, key))
        g_assert_cmpuint (n, ==, GPOINTER_TO_UINT (g_hash_table_lookup (last_n, key)) + 1);
      else
        g_assert_cmpuint (n, ==, 0);
      g_hash_table_insert (last_n, (gpointer) key, GUINT_TO_POINTER (n));
    }

  items = demo_server_items (server);
  g_assert_cmpuint (json_array_get_length (items), ==, n_keys);
  for (guint k = 0; k < n_keys; k++)
    {
      JsonObject *item = json_array_get_object_element (items, k);
      const char *key = json_object_get_string_member (item, "id");
      g_autofree char *text = json_to_string (json_array_get_element (items, k), FALSE);

      g_assert_cmpint (json_object_get_int_member (item, "n"), ==, n_per_key - 1);
      assert_json (syncobj_collection_lookup_value (client->collection, key),
                                text);
    }
}

/* ---- answers that are not the API's JSON ------------------------------------------ */

/* Counts rows that disappeared from a collection. */
static void
count_removals_cb (GListModel *model,
                   guint       position,
                   guint       removed,
                   guint       added,
                   guint      *removals)
{
  if (removed > added)
    *removals += removed - added;
}

/* The error of the first attempt of @transaction, which must have one. */
static const GError *
first_attempt_error (SyncobjTransaction *transaction)
{
  g_autoptr(SyncobjAttempt) first = g_list_model_get_item (syncobj_transaction_get_attempts (transaction), 0);

  g_assert_nonnull (first);
  g_assert_nonnull (syncobj_attempt_get_error (first));
  /* The attempt keeps its error alive as long as the transaction. */
  return syncobj_attempt_get_error (first);
}

/* Fails unless @message is short and free of the page's markup. */
static void
assert_no_page_in (const char *message)
{
  g_assert_null (strstr (message, "<html"));
  g_assert_null (strstr (message, "<body"));
  g_assert_null (strstr (message, "DOCTYPE"));
  g_assert_null (strstr (message, "Sign in"));
  g_assert_null (strstr (message, "Log in"));
  g_assert_cmpuint (strlen (message), <, 200);
}

/* A captive portal answers the POST with 200 and a login page, and the
 * server never sees the insert: the attempt fails, the retry writes it. */
static void
test_html_200_retried (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new (server, TRUE);
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjRecord) record = NULL;
  g_autoptr(JsonArray) effects = NULL;
  g_autoptr(JsonArray) items = NULL;
  g_autofree char *uri = demo_server_uri (server, "/items");
  g_autofree char *key = NULL;
  const GError *error;
  guint removals = 0;

  g_signal_connect (client->collection, "items-changed", G_CALLBACK (count_removals_cb), &removals);
  demo_server_admin (server, "/_admin/faults", "{\"html\": 1}");
  insert = client_insert (client, "{\"id\": \"a\", \"title\": \"milk\"}");
  g_assert_true (syncobj_collection_contains (client->collection, "a"));
  assert_completed (insert);

  g_assert_cmpuint (syncobj_transaction_get_current_attempt (insert), ==, 2);
  error = first_attempt_error (insert);
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP);
  g_assert_nonnull (strstr (error->message, "POST"));
  g_assert_nonnull (strstr (error->message, uri));
  g_assert_nonnull (strstr (error->message, "text/html, not JSON"));
  assert_no_page_in (error->message);

  /* The optimistic row never went away, and the server has it once. */
  g_assert_cmpuint (removals, ==, 0);
  record = syncobj_collection_lookup (client->collection, "a");
  g_assert_false (syncobj_record_get_pending (record));
  assert_json (syncobj_record_get_synced_value (record), "{\"id\": \"a\", \"title\": \"milk\"}");
  effects = demo_server_effects (server);
  g_assert_cmpuint (json_array_get_length (effects), ==, 1);
  key = expected_idempotency_key (insert, 0);
  g_assert_cmpstr (effect_member (effects, 0, "idempotency_key"), ==, key);
  items = demo_server_items (server);
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  g_assert_cmpint (demo_server_fault_count (server, "html"), ==, 1);
}

/* A proxy's 502 error page: the reason is the status' phrase, not the
 * page, and the retry writes the change. */
static void
test_html_502_short_reason (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new (server, TRUE);
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(JsonArray) effects = NULL;
  const GError *error;

  demo_server_admin (server, "/_admin/faults", "{\"html\": 1, \"html_status\": 502}");
  insert = client_insert (client, "{\"id\": \"a\"}");
  assert_completed (insert);

  g_assert_cmpuint (syncobj_transaction_get_current_attempt (insert), ==, 2);
  error = first_attempt_error (insert);
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP);
  g_assert_nonnull (strstr (error->message, "status 502: Bad Gateway"));
  assert_no_page_in (error->message);
  effects = demo_server_effects (server);
  g_assert_cmpuint (json_array_get_length (effects), ==, 1);
}

/* The server applies the update, then its answer is cut in half: the
 * attempt fails, the retry (same Idempotency-Key) gets the stored answer
 * and the server applied the change once. */
static void
test_truncated_answer_applied_once (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new (server, TRUE);
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjTransaction) update = NULL;
  g_autoptr(JsonArray) effects = NULL;
  g_autoptr(JsonArray) items = NULL;
  g_autofree char *uri = demo_server_uri (server, "/items/a");
  g_autofree char *key = NULL;
  const GError *error;

  insert = client_insert (client, "{\"id\": \"a\", \"title\": \"milk\"}");
  assert_completed (insert);

  demo_server_admin (server, "/_admin/faults", "{\"truncate\": 1}");
  update = client_update (client, "a", "{\"done\": true}");
  assert_completed (update);

  g_assert_cmpuint (syncobj_transaction_get_current_attempt (update), ==, 2);
  error = first_attempt_error (update);
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP);
  g_assert_nonnull (strstr (error->message, "PATCH"));
  g_assert_nonnull (strstr (error->message, uri));
  g_assert_nonnull (strstr (error->message, "JSON that does not parse: the text ends before the JSON value does"));
  g_assert_cmpint (demo_server_fault_count (server, "truncate"), ==, 1);

  effects = demo_server_effects (server);
  g_assert_cmpuint (json_array_get_length (effects), ==, 2);
  key = expected_idempotency_key (update, 0);
  g_assert_cmpstr (effect_member (effects, 1, "method"), ==, "update");
  g_assert_cmpstr (effect_member (effects, 1, "idempotency_key"), ==, key);
  items = demo_server_items (server);
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  assert_json (json_array_get_object_element (items, 0), "{\"id\": \"a\", \"title\": \"milk\", \"done\": true}");
  assert_json (syncobj_collection_lookup_value (client->collection, "a"),
               "{\"id\": \"a\", \"title\": \"milk\", \"done\": true}");
}

/* A batch of two inserts, the first answer to it spoiled by @faults. */
static void
check_batch_bad_answer (const char *faults,
                        const char *expected_message)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = client_new (server, TRUE);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(JsonArray) effects = NULL;
  g_autoptr(JsonArray) items = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) a = syncobj_test_object ("{\"id\": \"a\"}");
  g_autoptr(JsonObject) b = syncobj_test_object ("{\"id\": \"b\"}");
  g_autofree char *batch = demo_server_uri (server, "/batch");
  guint removals = 0;
  const GError *first;

  syncobj_http_mutator_set_batch_uri (client->mutator, batch);
  g_signal_connect (client->collection, "items-changed", G_CALLBACK (count_removals_cb), &removals);
  demo_server_admin (server, "/_admin/faults", faults);
  transaction = syncobj_collection_begin (client->collection);
  syncobj_transaction_insert (transaction, client->collection, a, &error);
  g_assert_no_error (error);
  syncobj_transaction_insert (transaction, client->collection, b, &error);
  g_assert_no_error (error);
  syncobj_transaction_commit (transaction, &error);
  g_assert_no_error (error);
  assert_completed (transaction);

  g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), ==, 2);
  first = first_attempt_error (transaction);
  g_assert_error (first, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP);
  g_assert_nonnull (strstr (first->message, batch));
  g_assert_nonnull (strstr (first->message, expected_message));
  assert_no_page_in (first->message);

  g_assert_cmpuint (removals, ==, 0);
  g_assert_true (syncobj_collection_contains (client->collection, "a"));
  g_assert_true (syncobj_collection_contains (client->collection, "b"));
  /* Two inserts applied once each, whether or not the first try got in. */
  effects = demo_server_effects (server);
  g_assert_cmpuint (json_array_get_length (effects), ==, 2);
  items = demo_server_items (server);
  g_assert_cmpuint (json_array_get_length (items), ==, 2);
}

static void
test_batch_html_retried (void)
{
  check_batch_bad_answer ("{\"html\": 1}", "answered text/html, not JSON");
}

static void
test_batch_truncated_applied_once (void)
{
  check_batch_bad_answer ("{\"truncate\": 1}", "answered JSON that does not parse: the text ends before");
}

/* What the collection looked like when the sync reported a parse error. */
typedef struct
{
  SyncobjCollection *collection;
  GError            *error;
  gboolean           had_a, had_b, had_c, c_pending;
  guint              commits;
  guint              commits_then;
} SnapshotWatch;

static void
snapshot_error_cb (SyncobjSync   *sync,
                   GParamSpec    *pspec,
                   SnapshotWatch *watch)
{
  const GError *error = syncobj_sync_get_error (sync);
  g_autoptr(SyncobjRecord) c = NULL;

  if (watch->error != NULL || !g_error_matches (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE))
    return;
  watch->error = g_error_copy (error);
  watch->had_a = syncobj_collection_contains (watch->collection, "a");
  watch->had_b = syncobj_collection_contains (watch->collection, "b");
  c = syncobj_collection_lookup (watch->collection, "c");
  watch->had_c = c != NULL;
  watch->c_pending = c != NULL && syncobj_record_get_pending (c);
  watch->commits_then = watch->commits;
}

static void
snapshot_committed_cb (SyncobjSync   *sync,
                       guint          n_writes,
                       SnapshotWatch *watch)
{
  watch->commits++;
}

/* The server holds "a" and "b"; the client has them and a pending insert
 * of "c" (the server refuses it with 503 until the end) when "b"
 * disappears on the server and the feed drops. The next snapshot is
 * spoiled by the fault @fault_kind: it must change nothing and be
 * reported; the one after it replaces the synced state. */
static void
check_bad_snapshot (const char *fault_kind,
                    const char *expected_message)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = NULL;
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *faults = g_strdup_printf ("{\"fail\": 1000000, \"status\": 503, \"%s\": 1}", fault_kind);
  g_autofree char *uri = demo_server_uri (server, "/items");
  SnapshotWatch watch = { NULL, };

  answer = demo_server_request (server, "POST", "/items", "k1", "{\"id\": \"a\"}", NULL);
  g_free (answer);
  answer = demo_server_request (server, "POST", "/items", "k2", "{\"id\": \"b\"}", NULL);
  client = client_new (server, TRUE);
  g_assert_true (syncobj_collection_contains (client->collection, "b"));
  syncobj_retry_policy_set_max_attempts (syncobj_collection_get_retry_policy (client->collection), G_MAXUINT);

  watch.collection = client->collection;
  g_signal_connect (client->sync, "notify::error", G_CALLBACK (snapshot_error_cb), &watch);
  g_signal_connect (client->sync, "committed", G_CALLBACK (snapshot_committed_cb), &watch);
  demo_server_admin (server, "/_admin/faults", faults);
  insert = client_insert (client, "{\"id\": \"c\"}");
  demo_server_admin (server, "/_admin/delete?key=b", NULL);
  demo_server_admin (server, "/_admin/disconnect", NULL);

  WAIT_FOR (watch.error != NULL, WAIT_TIMEOUT_MS);
  g_assert_nonnull (strstr (watch.error->message, uri));
  g_assert_nonnull (strstr (watch.error->message, expected_message));
  assert_no_page_in (watch.error->message);
  /* Nothing lost, nothing half-replaced. */
  g_assert_cmpuint (watch.commits_then, ==, 0);
  g_assert_true (watch.had_a);
  g_assert_true (watch.had_b);
  g_assert_true (watch.had_c);
  g_assert_true (watch.c_pending);

  /* The sync reconnects and the next snapshot loads. A snapshot applied
   * in slices (by time: a loaded machine slices even three rows) shows
   * "b" gone before its ::committed, which comes with the last slice. */
  WAIT_FOR (!syncobj_collection_contains (client->collection, "b") && watch.commits > 0, WAIT_TIMEOUT_MS);
  g_assert_cmpuint (watch.commits, ==, 1);
  g_assert_true (syncobj_http_sync_get_connected (client->sync));
  g_assert_true (syncobj_collection_contains (client->collection, "a"));
  g_assert_true (syncobj_collection_contains (client->collection, "c"));
  g_assert_cmpint (syncobj_transaction_get_state (insert), ==, SYNCOBJ_TRANSACTION_STATE_PERSISTING);
  g_assert_cmpint (demo_server_fault_count (server, fault_kind), ==, 1);

  /* The server takes writes again: the insert goes through. */
  demo_server_admin (server, "/_admin/faults", "{}");
  assert_completed (insert);
  g_assert_true (syncobj_collection_contains (client->collection, "c"));
  g_signal_handlers_disconnect_by_data (client->sync, &watch);
  g_clear_error (&watch.error);
}

static void
test_html_snapshot_changes_nothing (void)
{
  check_bad_snapshot ("html_snapshot", "is text/html, not JSON");
}

static void
test_truncated_snapshot_changes_nothing (void)
{
  check_bad_snapshot ("truncate_snapshot", "is not valid JSON: the text ends before the JSON value does (cut short)");
}

/* A change message cut in half is reported and skipped; the records and
 * the stream stay. */
static void
test_truncated_message_skipped (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Client) client = NULL;
  g_autoptr(GError) reported = NULL;
  g_autofree char *answer = NULL;
  const char *whole = "{\"type\": \"insert\", \"value\": {\"id\": \"x\", \"title\": \"milk\"}}";
  g_autofree char *half = g_strndup (whole, strlen (whole) / 2);

  answer = demo_server_request (server, "POST", "/items", "k1", "{\"id\": \"a\"}", NULL);
  client = client_new (server, TRUE);
  g_signal_connect (client->sync, "message-error", G_CALLBACK (message_error_cb), &reported);
  demo_server_admin (server, "/_admin/broadcast", half);
  WAIT_FOR (reported != NULL, WAIT_TIMEOUT_MS);
  g_assert_error (reported, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE);
  g_assert_cmpstr (reported->message, ==,
                   "Malformed sync message: the text ends before the JSON value does (cut short)");
  g_assert_error (syncobj_sync_get_error (SYNCOBJ_SYNC (client->sync)), SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE);
  g_assert_false (syncobj_collection_contains (client->collection, "x"));
  g_assert_true (syncobj_collection_contains (client->collection, "a"));

  demo_server_admin (server, "/_admin/broadcast", whole);
  WAIT_FOR (syncobj_collection_contains (client->collection, "x"), WAIT_TIMEOUT_MS);
  g_assert_true (syncobj_collection_contains (client->collection, "a"));
  g_assert_true (syncobj_http_sync_get_connected (client->sync));
}

/* ---- how other 2xx bodies count --------------------------------------------------- */

typedef struct
{
  const char *name;
  const char *faults;         /* the answer the demo server gives instead */
  const char *error;          /* NULL: success; else part of the error */
} BodyCase;

static const BodyCase body_cases[] = {
  { "plain-ok", "{\"answer_type\": \"text/plain\", \"answer_body\": \"OK\"}", NULL },
  { "empty-200", "{}", NULL },
  { "no-content", "{\"answer_status\": 204}", NULL },
  { "json", "{\"answer_status\": 201, \"answer_type\": \"application/json\", \"answer_body\": \"{\\\"id\\\": \\\"a\\\"}\"}", NULL },
  { "vendor-json", "{\"answer_type\": \"application/vnd.api+json\", \"answer_body\": \"{\\\"data\\\": {}}\"}", NULL },
  { "html", "{\"answer_type\": \"text/html; charset=utf-8\", \"answer_body\": \"<html><body>Log in</body></html>\"}",
    "answered text/html, not JSON" },
  { "untyped-html", "{\"answer_body\": \"\\n<!DOCTYPE html><html></html>\"}", "answered text/html, not JSON" },
  { "json-page", "{\"answer_type\": \"application/json\", \"answer_body\": \"<html><body>Log in</body></html>\"}",
    "answered an HTML page labelled application/json, not JSON" },
  { "json-cut", "{\"answer_type\": \"application/json\", \"answer_body\": \"{\\\"id\\\": \\\"a\\\", \\\"ti\"}",
    "JSON that does not parse: the text ends before" },
  { "error-page", "{\"answer_status\": 503, \"answer_type\": \"text/html\","
                  " \"answer_body\": \"<html><body><h1>Service Unavailable</h1></body></html>\"}",
    "status 503: Service Unavailable" },
};

/* Empty bodies and types other than pages and JSON count as success; a
 * page, or a JSON body that does not parse, is a retriable error. */
static void
test_other_bodies (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autofree char *uri = demo_server_uri (server, "/items");

  for (guint i = 0; i < G_N_ELEMENTS (body_cases); i++)
    {
      const BodyCase *c = &body_cases[i];
      g_autofree char *id = unique_id ("bodies");
      g_autofree char *faults = NULL;
      g_autoptr(SyncobjHttpMutator) mutator = syncobj_http_mutator_new (uri);
      g_autoptr(SyncobjCollection) collection = NULL;
      g_autoptr(SyncobjRetryPolicy) policy = syncobj_retry_policy_new ();
      g_autoptr(JsonObject) value = syncobj_test_object ("{\"id\": \"a\"}");
      g_autoptr(SyncobjTransaction) insert = NULL;
      g_autoptr(JsonNode) node = json_from_string (c->faults, NULL);
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", c->name);
      /* Without a sync no echo is awaited: the answer alone decides. */
      collection = syncobj_collection_new (id, NULL, SYNCOBJ_MUTATOR (mutator));
      syncobj_retry_policy_set_max_attempts (policy, 1);
      syncobj_collection_set_retry_policy (collection, policy);
      json_object_set_int_member (json_node_get_object (node), "answer", 1);
      faults = json_to_string (node, FALSE);
      demo_server_admin (server, "/_admin/faults", faults);
      insert = syncobj_collection_insert (collection, value, &error);
      g_assert_no_error (error);
      wait_finished (insert);

      if (c->error == NULL)
        {
          g_assert_no_error (syncobj_transaction_get_error (insert));
          g_assert_cmpint (syncobj_transaction_get_state (insert), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
        }
      else
        {
          const GError *failure = first_attempt_error (insert);

          g_assert_cmpint (syncobj_transaction_get_state (insert), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
          g_assert_error (failure, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP);
          g_assert_nonnull (strstr (failure->message, uri));
          g_assert_nonnull (strstr (failure->message, c->error));
          assert_no_page_in (failure->message);
        }
    }
  g_assert_cmpint (demo_server_fault_count (server, "answer"), ==, G_N_ELEMENTS (body_cases));
}

/* The record's URI below the base: one more path segment, before the
 * base's query (an API key), never after it, and no doubled slash. */
static void
test_item_uri (void)
{
  static const struct { const char *base, *key, *expected; } cases[] = {
    { "http://h/items", "7", "http://h/items/7" },
    { "http://h/items/", "7", "http://h/items/7" },
    { "http://h/items?api_key=K&x=1", "a b", "http://h/items/a%20b?api_key=K&x=1" },
    { "http://h/items/?api_key=K#top", "a/b?c", "http://h/items/a%2Fb%3Fc?api_key=K" },
    { "http://h/items#top", "7", "http://h/items/7" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *uri = _syncobj_http_item_uri (cases[i].base, cases[i].key);

      g_assert_cmpstr (uri, ==, cases[i].expected);
    }
}

/* An empty change-feed URI is none: the sync polls, as with NULL. */
static void
test_empty_websocket_uri (void)
{
  g_autoptr(SyncobjHttpSync) empty = syncobj_http_sync_new ("empty-feed", "http://127.0.0.1:1/items", "");
  g_autoptr(SyncobjHttpSync) none = syncobj_http_sync_new ("no-feed", "http://127.0.0.1:1/items", NULL);

  g_assert_null (syncobj_http_sync_get_websocket_uri (empty));
  g_assert_null (syncobj_http_sync_get_websocket_uri (none));
}

/* A child URI with a query of its own: the base's query first, then it. */
static void
test_uri_child (void)
{
  static const struct { const char *base, *segment, *query, *expected; } cases[] = {
    { "http://h/db", "_changes", "since=0", "http://h/db/_changes?since=0" },
    { "http://h/db?k=K", "_changes", "since=0", "http://h/db/_changes?k=K&since=0" },
    { "http://h/db/?k=K#f", "_bulk_docs", NULL, "http://h/db/_bulk_docs?k=K" },
    { "http://h/db#f", "_all_docs", "", "http://h/db/_all_docs" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *uri = _syncobj_http_uri_child (cases[i].base, cases[i].segment, cases[i].query);

      g_assert_cmpstr (uri, ==, cases[i].expected);
    }
}

int
main (int   argc,
      char *argv[])
{
  syncobj_test_init (&argc, &argv);

  g_test_add_func ("/http/item-uri", test_item_uri);
  g_test_add_func ("/http/uri-child", test_uri_child);
  g_test_add_func ("/http/sync/empty-websocket-uri", test_empty_websocket_uri);

  if (demo_server_test_missing ())
    return g_test_run ();

  g_test_add_func ("/http/crud/round-trip", test_crud_round_trip);
  g_test_add_func ("/http/echo/completed-after-echo", test_completed_after_echo);
  g_test_add_func ("/http/crud/update-with-put", test_update_with_put);
  g_test_add_func ("/http/crud/delete-insert-replaces", test_delete_insert_replaces);
  g_test_add_func ("/http/crud/delete-insert-replaces-in-batch", test_delete_insert_replaces_in_batch);
  g_test_add_func ("/http/idempotency/replay-applies-once", test_idempotent_replay);
  g_test_add_func ("/http/idempotency/lost-answer-retried-once", test_lost_answer_replayed_once);
  g_test_add_func ("/http/retry/resent-methods-get-own-connection", test_resent_methods_get_own_connection);
  g_test_add_func ("/http/retry/dropped-delete-not-resent-by-libsoup", test_dropped_delete_not_resent);
  g_test_add_func ("/http/retry/dropped-put-not-resent-by-libsoup", test_dropped_put_not_resent);
  g_test_add_func ("/http/retry/request-timeout-retried", test_request_timeout_retried);
  g_test_add_func ("/http/retry/503-then-success", test_503_then_success);
  g_test_add_func ("/http/retry/422-non-retriable-rollback", test_422_rolls_back);
  g_test_add_func ("/http/retry/retry-after", test_retry_after);
  g_test_add_func ("/http/retry/retry-after-date", test_retry_after_date);
  g_test_add_func ("/http/retry/loopback-always-reachable", test_loopback_always_reachable);
  g_test_add_func ("/http/retry/unreachable-spends-no-attempts", test_unreachable_spends_no_attempts);
  g_test_add_func ("/http/sync/array-member", test_array_member);
  g_test_add_func ("/http/retry/server-restart-during-burst", test_server_restart_during_burst);
  g_test_add_func ("/http/mutator/delete-404-is-done", test_delete_404_is_done);
  g_test_add_func ("/http/mutator/batch", test_batch);
  g_test_add_func ("/http/mutator/auth-callback", test_auth_callback);
  g_test_add_func ("/http/keys/from-body", test_server_key_from_body);
  g_test_add_func ("/http/keys/from-batch", test_server_key_from_batch);
  g_test_add_func ("/http/keys/answers", test_server_key_answers);
  g_test_add_func ("/http/keys/location-after-redirect", test_server_key_after_redirect);
  g_test_add_func ("/http/mutator/auth-request/pauses-until-credential", test_auth_request_pauses);
  g_test_add_func ("/http/mutator/auth-request/forbidden", test_auth_on_forbidden);
  g_test_add_func ("/http/mutator/auth-request/rollback", test_auth_request_rollback);
  g_test_add_func ("/http/sync/websocket-echo-completes", test_websocket_echo_completes);
  g_test_add_func ("/http/sync/no-echo-waits-for-timeout", test_no_echo_waits_for_timeout);
  g_test_add_func ("/http/sync/polling-with-etag", test_polling_with_etag);
  g_test_add_func ("/http/sync/polling-after-answer", test_polling_after_answer);
  g_test_add_func ("/http/sync/cached-start-etag", test_cached_start_etag);
  g_test_add_func ("/http/sync/resume/websocket", test_resume_websocket);
  g_test_add_func ("/http/sync/resume/poll", test_resume_poll);
  g_test_add_func ("/http/sync/resume/cursor-too-old-websocket", test_cursor_too_old_websocket);
  g_test_add_func ("/http/sync/resume/cursor-too-old-poll", test_cursor_too_old_poll);
  g_test_add_func ("/http/sync/refused-feed-falls-back-to-polling", test_refused_feed_falls_back_to_polling);
  g_test_add_func ("/http/sync/reconnect-resnapshot", test_reconnect_resnapshot);
  g_test_add_func ("/http/sync/reconnect-when-back-online", test_reconnect_when_back_online);
  g_test_add_func ("/http/sync/snapshot-timeout-reconnects", test_snapshot_timeout_reconnects);
  g_test_add_func ("/http/sync/resnapshot-completes-persisted", test_resnapshot_completes_persisted);
  g_test_add_func ("/http/sync/malformed-message-skipped", test_malformed_message_skipped);
  g_test_add_func ("/http/bad-answer/html-200-retried", test_html_200_retried);
  g_test_add_func ("/http/bad-answer/html-502-short-reason", test_html_502_short_reason);
  g_test_add_func ("/http/bad-answer/truncated-json-applied-once", test_truncated_answer_applied_once);
  g_test_add_func ("/http/bad-answer/batch-html-retried", test_batch_html_retried);
  g_test_add_func ("/http/bad-answer/batch-truncated-applied-once", test_batch_truncated_applied_once);
  g_test_add_func ("/http/bad-answer/other-bodies", test_other_bodies);
  g_test_add_func ("/http/bad-answer/html-snapshot-changes-nothing", test_html_snapshot_changes_nothing);
  g_test_add_func ("/http/bad-answer/truncated-snapshot-changes-nothing", test_truncated_snapshot_changes_nothing);
  g_test_add_func ("/http/bad-answer/truncated-message-skipped", test_truncated_message_skipped);

  g_test_add_data_func ("/http/redirect/301-not-success", GUINT_TO_POINTER (301), test_redirect_not_success);
  g_test_add_data_func ("/http/redirect/302-not-success", GUINT_TO_POINTER (302), test_redirect_not_success);
  g_test_add_data_func ("/http/redirect/303-not-success", GUINT_TO_POINTER (303), test_redirect_not_success);
  g_test_add_data_func ("/http/redirect/307-followed", GUINT_TO_POINTER (307), test_redirect_followed);
  g_test_add_data_func ("/http/redirect/308-followed", GUINT_TO_POINTER (308), test_redirect_followed);
  g_test_add_func ("/http/redirect/307-without-host-not-followed", test_redirect_without_host);
  g_test_add_func ("/http/bad-uri/no-host", test_uri_without_host);

  return g_test_run ();
}
