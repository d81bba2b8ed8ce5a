/* http-auth-test.c: a SyncobjHttpSync refused for want of credentials
 * waits for them, against the demo server of examples/server/ started
 * with --token-reads (reads need the token too)
 *
 * The sync's timers (polls, reconnects) run on the scheduler's virtual
 * clock; only the requests themselves take real (loopback) time. The
 * requests are counted as the sync's session queues them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"
#include "demo-server-utils.h"

#include "http/syncobj-http-mutator-private.h"
#include "http/syncobj-http-sync-private.h"

#define POLL_MS 1000

typedef struct
{
  DemoServer         *server;
  SyncobjCollection  *collection;
  SyncobjHttpSync    *sync;
  SyncobjAuthRequest *request;       /* the last one asked */
  guint               n_asked;
  GPtrArray          *sent;          /* char *: the URI of every request */
} Fixture;

static void
advance (guint ms)
{
  _syncobj_scheduler_advance (_syncobj_scheduler_get_default (), ms);
}

static void
request_queued_cb (SoupSession *session,
                   SoupMessage *message,
                   Fixture     *fixture)
{
  g_ptr_array_add (fixture->sent, g_uri_to_string (soup_message_get_uri (message)));
}

static void
auth_required_cb (SyncobjHttpSync    *sync,
                  SyncobjAuthRequest *request,
                  Fixture            *fixture)
{
  g_assert_true (syncobj_http_sync_get_needs_auth (sync));
  g_set_object (&fixture->request, request);
  fixture->n_asked++;
}

static const char *
last_sent (Fixture *fixture)
{
  g_assert_cmpuint (fixture->sent->len, >, 0);
  return g_ptr_array_index (fixture->sent, fixture->sent->len - 1);
}

/* Changes the server's token (the old one expires) and the one the test
 * itself sends. */
static void
set_token (Fixture    *fixture,
           const char *token)
{
  g_autofree char *body = g_strdup_printf ("{\"token\": \"%s\"}", token);

  demo_server_admin (fixture->server, "/_admin/token", body);
  g_free (fixture->server->token);
  fixture->server->token = g_strdup (token);
}

static void
add_record (Fixture    *fixture,
            const char *json)
{
  guint status = 0;
  g_autofree char *answer = demo_server_request (fixture->server, "POST", "/items", NULL, json, &status);

  g_assert_cmpuint (status, ==, 201);
}

/* A collection following the server (polling every POLL_MS, or with the
 * WebSocket), whose sync has no credential yet. */
static void
fixture_set_up (Fixture    *fixture,
                gboolean    websocket,
                const char *token_settings)
{
  const char *args[] = { "--token-reads", NULL };
  g_autofree char *items = NULL;
  g_autofree char *changes = NULL;
  static guint counter;
  g_autofree char *id = g_strdup_printf ("auth-%u", ++counter);

  _syncobj_scheduler_set_virtual (_syncobj_scheduler_get_default (), TRUE);
  fixture->server = demo_server_start_full ("s3cret", args);
  if (token_settings != NULL)
    demo_server_admin (fixture->server, "/_admin/token", token_settings);
  add_record (fixture, "{\"id\": \"a\", \"title\": \"milk\"}");
  items = demo_server_uri (fixture->server, "/items");
  changes = websocket ? demo_server_uri (fixture->server, "/changes") : NULL;
  fixture->sent = g_ptr_array_new_with_free_func (g_free);
  fixture->sync = syncobj_http_sync_new (id, items, changes);
  syncobj_http_sync_set_poll_interval (fixture->sync, websocket ? 0 : POLL_MS);
  syncobj_http_sync_set_reconnect_delay (fixture->sync, 100);
  g_signal_connect (fixture->sync->session, "request-queued", G_CALLBACK (request_queued_cb), fixture);
  g_signal_connect (fixture->sync, "auth-required", G_CALLBACK (auth_required_cb), fixture);
}

static void
fixture_start (Fixture *fixture)
{
  fixture->collection = syncobj_collection_new (syncobj_sync_get_id (SYNCOBJ_SYNC (fixture->sync)),
                                                SYNCOBJ_SYNC (fixture->sync), NULL);
}

static void
fixture_tear_down (Fixture *fixture)
{
  g_clear_object (&fixture->collection);
  g_clear_object (&fixture->sync);
  g_clear_object (&fixture->request);
  g_clear_pointer (&fixture->sent, g_ptr_array_unref);
  g_clear_pointer (&fixture->server, demo_server_free);
}

/* The first snapshot is refused: the sync asks, sends nothing more while
 * the application takes its time (a minute of polls and reconnects), and
 * loads with the credential given. */
static void
test_snapshot_waits_for_credential (void)
{
  Fixture fixture = { 0, };
  gboolean needs_auth = FALSE;
  guint sent;

  fixture_set_up (&fixture, FALSE, NULL);
  fixture_start (&fixture);
  WAIT_FOR (fixture.n_asked == 1, WAIT_TIMEOUT_MS);
  g_object_get (fixture.sync, "needs-auth", &needs_auth, NULL);
  g_assert_true (needs_auth);
  g_assert_cmpuint (syncobj_auth_request_get_http_status (fixture.request), ==, 401);
  g_assert_nonnull (strstr (syncobj_auth_request_get_uri (fixture.request), "/items"));
  g_assert_false (syncobj_collection_get_ready (fixture.collection));

  sent = fixture.sent->len;
  for (guint i = 0; i < 60; i++)
    advance (1000);
  g_assert_cmpuint (fixture.sent->len, ==, sent);
  g_assert_cmpuint (fixture.n_asked, ==, 1);

  syncobj_auth_request_set_credential (fixture.request, "Bearer s3cret");
  g_assert_false (syncobj_http_sync_get_needs_auth (fixture.sync));
  WAIT_FOR (syncobj_collection_get_ready (fixture.collection), WAIT_TIMEOUT_MS);
  g_assert_cmpuint (fixture.sent->len, ==, sent + 1);
  g_assert_true (syncobj_collection_contains (fixture.collection, "a"));
  g_assert_null (syncobj_sync_get_error (SYNCOBJ_SYNC (fixture.sync)));
  fixture_tear_down (&fixture);
}

/* The token expires while the sync polls: the poll that is refused asks
 * again, the collection keeps what it shows, and the new credential sends
 * the same poll, the changes since the same cursor, not a whole snapshot. */
static void
test_poll_resumes_from_cursor (void)
{
  Fixture fixture = { 0, };
  g_autofree char *cursor = NULL;
  guint sent;

  fixture_set_up (&fixture, FALSE, NULL);
  fixture_start (&fixture);
  WAIT_FOR (fixture.n_asked == 1, WAIT_TIMEOUT_MS);
  syncobj_auth_request_set_credential (fixture.request, "Bearer s3cret");
  WAIT_FOR (syncobj_collection_get_ready (fixture.collection), WAIT_TIMEOUT_MS);
  cursor = g_strdup (syncobj_sync_get_cursor (SYNCOBJ_SYNC (fixture.sync)));
  g_assert_nonnull (cursor);

  set_token (&fixture, "fresh");
  add_record (&fixture, "{\"id\": \"b\", \"title\": \"eggs\"}");
  sent = fixture.sent->len;
  advance (POLL_MS);
  WAIT_FOR (fixture.n_asked == 2, WAIT_TIMEOUT_MS);
  g_assert_cmpuint (fixture.sent->len, ==, sent + 1);
  g_assert_nonnull (strstr (last_sent (&fixture), "since="));
  g_assert_true (syncobj_http_sync_get_needs_auth (fixture.sync));
  g_assert_true (syncobj_collection_contains (fixture.collection, "a"));
  g_assert_false (syncobj_collection_contains (fixture.collection, "b"));
  g_assert_cmpstr (syncobj_sync_get_cursor (SYNCOBJ_SYNC (fixture.sync)), ==, cursor);

  for (guint i = 0; i < 30; i++)
    advance (POLL_MS);
  g_assert_cmpuint (fixture.sent->len, ==, sent + 1);

  syncobj_auth_request_set_credential (fixture.request, "Bearer fresh");
  WAIT_FOR (syncobj_collection_contains (fixture.collection, "b"), WAIT_TIMEOUT_MS);
  g_assert_cmpuint (fixture.sent->len, ==, sent + 2);
  g_assert_nonnull (strstr (last_sent (&fixture), "since="));
  g_assert_true (syncobj_collection_contains (fixture.collection, "a"));
  g_assert_cmpstr (syncobj_sync_get_cursor (SYNCOBJ_SYNC (fixture.sync)), !=, cursor);
  fixture_tear_down (&fixture);
}

/* The WebSocket handshake is refused: with the credential the feed opens,
 * and a change made meanwhile on the server arrives. After the token
 * expires, a reconnect is refused and asks again. */
static void
test_websocket_handshake (void)
{
  Fixture fixture = { 0, };

  fixture_set_up (&fixture, TRUE, NULL);
  fixture_start (&fixture);
  WAIT_FOR (fixture.n_asked == 1, WAIT_TIMEOUT_MS);
  g_assert_nonnull (strstr (syncobj_auth_request_get_uri (fixture.request), "/changes"));
  g_assert_false (syncobj_collection_get_ready (fixture.collection));
  syncobj_auth_request_set_credential (fixture.request, "Bearer s3cret");
  WAIT_FOR (syncobj_http_sync_get_connected (fixture.sync), WAIT_TIMEOUT_MS);
  g_assert_true (syncobj_collection_contains (fixture.collection, "a"));
  add_record (&fixture, "{\"id\": \"b\"}");
  WAIT_FOR (syncobj_collection_contains (fixture.collection, "b"), WAIT_TIMEOUT_MS);

  set_token (&fixture, "fresh");
  demo_server_admin (fixture.server, "/_admin/disconnect", NULL);
  WAIT_FOR (!syncobj_http_sync_get_connected (fixture.sync), WAIT_TIMEOUT_MS);
  advance (100);
  WAIT_FOR (fixture.n_asked == 2, WAIT_TIMEOUT_MS);
  g_assert_nonnull (strstr (syncobj_auth_request_get_uri (fixture.request), "/changes"));
  add_record (&fixture, "{\"id\": \"c\"}");
  syncobj_auth_request_set_credential (fixture.request, "Bearer fresh");
  WAIT_FOR (syncobj_collection_contains (fixture.collection, "c"), WAIT_TIMEOUT_MS);
  WAIT_FOR (syncobj_http_sync_get_connected (fixture.sync), WAIT_TIMEOUT_MS);
  g_assert_true (syncobj_collection_contains (fixture.collection, "a"));
  g_assert_true (syncobj_collection_contains (fixture.collection, "b"));
  fixture_tear_down (&fixture);
}

/* A cancelled auth request leaves the sync paused with an error saying
 * why; a reconnect asks again. */
static void
test_cancel_pauses (void)
{
  Fixture fixture = { 0, };
  const GError *error;
  guint sent;

  fixture_set_up (&fixture, FALSE, NULL);
  fixture_start (&fixture);
  WAIT_FOR (fixture.n_asked == 1, WAIT_TIMEOUT_MS);
  syncobj_auth_request_cancel (fixture.request);
  g_assert_false (syncobj_http_sync_get_needs_auth (fixture.sync));
  error = syncobj_sync_get_error (SYNCOBJ_SYNC (fixture.sync));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP);
  g_assert_nonnull (strstr (error->message, "401"));
  g_assert_nonnull (strstr (error->message, "/items"));

  sent = fixture.sent->len;
  for (guint i = 0; i < 120; i++)
    advance (1000);
  g_assert_cmpuint (fixture.sent->len, ==, sent);
  g_assert_cmpuint (fixture.n_asked, ==, 1);
  g_assert_false (syncobj_collection_get_ready (fixture.collection));

  syncobj_http_sync_reconnect (fixture.sync);
  WAIT_FOR (fixture.n_asked == 2, WAIT_TIMEOUT_MS);
  syncobj_auth_request_set_credential (fixture.request, "Bearer s3cret");
  WAIT_FOR (syncobj_collection_get_ready (fixture.collection), WAIT_TIMEOUT_MS);
  fixture_tear_down (&fixture);
}

/* A 403 is a failed connection, retried with backoff, unless the
 * application says (auth-on-forbidden) that it asks for credentials. */
static void
test_forbidden (void)
{
  Fixture fixture = { 0, };
  guint sent;

  fixture_set_up (&fixture, FALSE, "{\"status\": 403}");
  fixture_start (&fixture);
  WAIT_FOR (syncobj_sync_get_error (SYNCOBJ_SYNC (fixture.sync)) != NULL, WAIT_TIMEOUT_MS);
  g_assert_nonnull (strstr (syncobj_sync_get_error (SYNCOBJ_SYNC (fixture.sync))->message, "403"));
  WAIT_FOR (fixture.sync->timer != 0, WAIT_TIMEOUT_MS);
  sent = fixture.sent->len;
  advance (100);
  WAIT_FOR (fixture.sent->len == sent + 1 && fixture.sync->timer != 0, WAIT_TIMEOUT_MS);
  g_assert_cmpuint (fixture.n_asked, ==, 0);

  g_object_set (fixture.sync, "auth-on-forbidden", TRUE, NULL);
  g_assert_true (syncobj_http_sync_get_auth_on_forbidden (fixture.sync));
  advance (200);
  WAIT_FOR (fixture.n_asked == 1, WAIT_TIMEOUT_MS);
  g_assert_cmpuint (syncobj_auth_request_get_http_status (fixture.request), ==, 403);
  syncobj_auth_request_set_credential (fixture.request, "Bearer s3cret");
  WAIT_FOR (syncobj_collection_get_ready (fixture.collection), WAIT_TIMEOUT_MS);
  fixture_tear_down (&fixture);
}

static void
authorization_queued_cb (SoupSession *session,
                         SoupMessage *message,
                         GPtrArray   *sent)
{
  const char *authorization = soup_message_headers_get_one (soup_message_get_request_headers (message),
                                                            "Authorization");

  g_ptr_array_add (sent, g_strdup (authorization != NULL ? authorization : ""));
}

/* A name and password in the URIs of the sync and the mutator are a Basic
 * credential sent from the first request, and are shown nowhere: not in
 * the URI properties, nor in the auth request the refusal brings. */
static void
test_credential_in_uri (void)
{
  g_autoptr(DemoServer) server = demo_server_start_with_token ("s3cret");
  g_autofree char *items = demo_server_uri (server, "/items");
  g_autofree char *changes = demo_server_uri (server, "/changes");
  g_autofree char *with_password = g_strconcat ("http://ann:p%40ss@", items + strlen ("http://"), NULL);
  g_autofree char *changes_with_password = g_strconcat ("ws://ann:p%40ss@", changes + strlen ("http://"), NULL);
  g_autofree char *expected_changes = g_strconcat ("ws://", changes + strlen ("http://"), NULL);
  g_autofree char *batch = g_strconcat (with_password, "/_batch", NULL);
  g_autofree char *expected_batch = g_strconcat (items, "/_batch", NULL);
  g_autofree char *basic = g_base64_encode ((const guchar *) "ann:p@ss", strlen ("ann:p@ss"));
  g_autofree char *expected = g_strconcat ("Basic ", basic, NULL);
  g_autoptr(GPtrArray) sync_sent = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) mutator_sent = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(SyncobjHttpSync) sync = syncobj_http_sync_new ("auth-uri", with_password, changes_with_password);
  g_autoptr(SyncobjHttpMutator) mutator = syncobj_http_mutator_new (with_password);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(JsonObject) record = syncobj_test_object ("{\"id\": \"b\"}");
  SyncobjAuthRequest *asked = NULL;
  char *websocket_uri = NULL;

  g_assert_cmpstr (syncobj_http_sync_get_uri (sync), ==, items);
  g_assert_cmpstr (syncobj_http_sync_get_websocket_uri (sync), ==, expected_changes);
  g_assert_cmpstr (syncobj_http_mutator_get_base_uri (mutator), ==, items);
  g_object_get (sync, "websocket-uri", &websocket_uri, NULL);
  g_assert_cmpstr (websocket_uri, ==, expected_changes);
  g_free (websocket_uri);
  syncobj_http_mutator_set_batch_uri (mutator, batch);
  g_assert_cmpstr (syncobj_http_mutator_get_batch_uri (mutator), ==, expected_batch);
  syncobj_http_mutator_set_batch_uri (mutator, NULL);

  _syncobj_scheduler_set_virtual (_syncobj_scheduler_get_default (), TRUE);
  syncobj_http_sync_set_poll_interval (sync, 0);
  g_signal_connect (sync->session, "request-queued", G_CALLBACK (authorization_queued_cb), sync_sent);
  g_signal_connect (mutator->session, "request-queued", G_CALLBACK (authorization_queued_cb), mutator_sent);
  g_signal_connect_swapped (mutator, "auth-required", G_CALLBACK (g_set_object), &asked);
  collection = syncobj_collection_new ("auth-uri", SYNCOBJ_SYNC (sync), SYNCOBJ_MUTATOR (mutator));
  WAIT_FOR (syncobj_collection_get_ready (collection) && syncobj_http_sync_get_connected (sync), WAIT_TIMEOUT_MS);
  g_assert_cmpuint (sync_sent->len, ==, 2);   /* the snapshot, the feed's handshake */
  g_assert_cmpstr (g_ptr_array_index (sync_sent, 0), ==, expected);
  g_assert_cmpstr (g_ptr_array_index (sync_sent, 1), ==, expected);

  /* The demo server wants its token for writes: the Basic credential is
   * refused, and the refused URI shows no password. */
  insert = syncobj_collection_insert (collection, record, NULL);
  WAIT_FOR (asked != NULL, WAIT_TIMEOUT_MS);
  g_assert_cmpstr (g_ptr_array_index (mutator_sent, 0), ==, expected);
  g_assert_null (strstr (syncobj_auth_request_get_uri (asked), "p%40ss"));
  g_assert_true (g_str_has_prefix (syncobj_auth_request_get_uri (asked), items));
  syncobj_auth_request_set_credential (asked, "Bearer s3cret");
  WAIT_FOR (syncobj_transaction_is_finished (insert), WAIT_TIMEOUT_MS);
  g_assert_no_error (syncobj_transaction_get_error (insert));
  g_clear_object (&asked);
}

/* The messages of the library that match unhandled_pattern. */
static const char *unhandled_pattern =
  "SyncobjHttpSync: http://127.0.0.1:*/items was refused with status 401 and "
  "nothing is connected to its ::auth-required signal;*";
static guint unhandled_logged;

static GLogWriterOutput
counting_writer (GLogLevelFlags   level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0 &&
        g_pattern_match_simple (unhandled_pattern, fields[i].value))
      unhandled_logged++;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

/* An application that connects nothing to ::auth-required (a newcomer
 * with an expired token) is told why nothing happens: once, when the
 * sync starts waiting, not at every poll. */
static void
test_no_handler_is_logged (void)
{
  const char *args[] = { "--token-reads", NULL };
  g_autoptr(DemoServer) server = NULL;
  g_autofree char *items = NULL;
  g_autoptr(SyncobjHttpSync) sync = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;

  _syncobj_scheduler_set_virtual (_syncobj_scheduler_get_default (), TRUE);
  server = demo_server_start_full ("s3cret", args);
  items = demo_server_uri (server, "/items");
  sync = syncobj_http_sync_new ("auth-unhandled", items, NULL);
  syncobj_http_sync_set_poll_interval (sync, POLL_MS);

  unhandled_logged = 0;
  collection = syncobj_collection_new ("auth-unhandled", SYNCOBJ_SYNC (sync), NULL);
  WAIT_FOR (syncobj_http_sync_get_needs_auth (sync), WAIT_TIMEOUT_MS);
  g_assert_cmpuint (unhandled_logged, ==, 1);

  advance (10 * POLL_MS);
  g_main_context_iteration (NULL, FALSE);
  g_assert_true (syncobj_http_sync_get_needs_auth (sync));
  g_assert_false (syncobj_collection_get_ready (collection));
  g_assert_cmpuint (unhandled_logged, ==, 1);
}

int
main (int argc, char *argv[])
{
  syncobj_test_init (&argc, &argv);
  g_log_set_writer_func (counting_writer, NULL, NULL);

  if (demo_server_test_missing ())
    return g_test_run ();

  g_test_add_func ("/http-auth/sync/snapshot-waits-for-credential", test_snapshot_waits_for_credential);
  g_test_add_func ("/http-auth/sync/poll-resumes-from-cursor", test_poll_resumes_from_cursor);
  g_test_add_func ("/http-auth/sync/websocket-handshake", test_websocket_handshake);
  g_test_add_func ("/http-auth/sync/cancel-pauses", test_cancel_pauses);
  g_test_add_func ("/http-auth/sync/forbidden", test_forbidden);
  g_test_add_func ("/http-auth/sync/no-handler-is-logged", test_no_handler_is_logged);
  g_test_add_func ("/http-auth/credential-in-uri", test_credential_in_uri);

  return g_test_run ();
}
