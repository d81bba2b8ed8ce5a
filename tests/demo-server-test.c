/* demo-server-test.c: the protocol of the demo server of examples/server/
 * (resuming from a sequence number, record versions with If-Match,
 * server-assigned integer ids), checked with plain libsoup requests, so
 * that client code can rely on it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"
#include "demo-server-utils.h"

#include <string.h>

/* ---- requests with headers ---------------------------------------------- */

typedef struct
{
  guint               status;
  char               *body;
  SoupMessageHeaders *headers;
} Answer;

static void
answer_free (Answer *answer)
{
  g_free (answer->body);
  g_clear_pointer (&answer->headers, soup_message_headers_unref);
  g_free (answer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Answer, answer_free)

/* @method @path with a JSON @body (or NULL) and one request header
 * @header_name: @header_value (or NULL). */
static Answer *
send_with_header (DemoServer *server,
                  const char *method,
                  const char *path,
                  const char *body,
                  const char *header_name,
                  const char *header_value)
{
  g_autofree char *uri = demo_server_uri (server, path);
  g_autoptr(SoupMessage) message = soup_message_new (method, uri);
  Answer *answer = g_new0 (Answer, 1);

  g_assert_nonnull (message);
  if (header_name != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (message), header_name, header_value);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (message, "application/json", bytes);
    }
  answer->body = demo_server_send (server, message, &answer->status);
  answer->headers = soup_message_headers_ref (soup_message_get_response_headers (message));
  return answer;
}

static Answer *
send_request (DemoServer *server,
              const char *method,
              const char *path,
              const char *body)
{
  return send_with_header (server, method, path, body, NULL, NULL);
}

static const char *
answer_header (Answer     *answer,
               const char *name)
{
  return soup_message_headers_get_one (answer->headers, name);
}

/* Sends a request that must answer @status; returns its body as an object
 * (NULL when it has none). */
static JsonObject *
expect_object (DemoServer *server,
               const char *method,
               const char *path,
               const char *body,
               guint       status)
{
  g_autoptr(Answer) answer = send_request (server, method, path, body);

  g_assert_cmpuint (answer->status, ==, status);
  return *answer->body != '\0' ? syncobj_test_object (answer->body) : NULL;
}

static void
expect_status (DemoServer *server,
               const char *method,
               const char *path,
               const char *body,
               guint       status)
{
  g_autoptr(JsonObject) object = expect_object (server, method, path, body, status);
}

/* Asserts that @body is the JSON object @expected_json. */
static void
assert_body (const char *body,
             const char *expected_json)
{
  g_autoptr(JsonObject) object = syncobj_test_object (body);

  syncobj_test_assert_json (object, expected_json);
}

/* The length of the JSON array @body. */
static guint
array_length (const char *body)
{
  g_autoptr(JsonArray) array = syncobj_test_array (body);

  return json_array_get_length (array);
}

static DemoServer *
start_with (const char *option,
            ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  va_start (ap, option);
  for (const char *arg = option; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  return demo_server_start_full (NULL, (const char * const *) args->pdata);
}

/* The "seq" members of an array of change messages, joined with spaces,
 * each followed by ":" and its type. */
static char *
describe_changes (JsonArray *changes)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (changes); i++)
    {
      JsonObject *message = json_array_get_object_element (changes, i);

      g_string_append_printf (text, "%s%" G_GINT64_FORMAT ":%s", i > 0 ? " " : "",
                              json_object_get_int_member (message, "seq"),
                              json_object_get_string_member (message, "type"));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Four changes: insert a, insert b, update a, delete b (sequence 1–4). */
static void
make_four_changes (DemoServer *server)
{
  expect_status (server, "POST", "/items", "{\"id\": \"a\", \"title\": \"A\"}", 201);
  expect_status (server, "POST", "/items", "{\"id\": \"b\", \"title\": \"B\"}", 201);
  expect_status (server, "PATCH", "/items/a", "{\"title\": \"A2\"}", 200);
  expect_status (server, "DELETE", "/items/b", NULL, 204);
}

/* ---- resuming ------------------------------------------------------------- */

/* The snapshot carries the sequence number of the last change as its ETag
 * and in X-Syncobj-Seq; If-None-Match with it answers 304. */
static void
test_snapshot_carries_seq (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Answer) empty = send_request (server, "GET", "/items", NULL);
  g_autoptr(Answer) full = NULL;
  g_autoptr(Answer) same = NULL;
  g_autoptr(Answer) weak = NULL;
  g_autoptr(Answer) older = NULL;

  g_assert_cmpuint (empty->status, ==, 200);
  g_assert_cmpstr (empty->body, ==, "[]");
  g_assert_cmpstr (answer_header (empty, "ETag"), ==, "\"0\"");
  g_assert_cmpstr (answer_header (empty, "X-Syncobj-Seq"), ==, "0");

  make_four_changes (server);
  full = send_request (server, "GET", "/items", NULL);
  g_assert_cmpuint (full->status, ==, 200);
  g_assert_cmpstr (answer_header (full, "ETag"), ==, "\"4\"");
  g_assert_cmpstr (answer_header (full, "X-Syncobj-Seq"), ==, "4");

  same = send_with_header (server, "GET", "/items", NULL, "If-None-Match", "\"4\"");
  g_assert_cmpuint (same->status, ==, 304);
  g_assert_cmpstr (same->body, ==, "");
  g_assert_cmpstr (answer_header (same, "X-Syncobj-Seq"), ==, "4");
  weak = send_with_header (server, "GET", "/items", NULL, "If-None-Match", "\"1\", W/\"4\"");
  g_assert_cmpuint (weak->status, ==, 304);
  older = send_with_header (server, "GET", "/items", NULL, "If-None-Match", "\"3\"");
  g_assert_cmpuint (older->status, ==, 200);
}

/* GET /items?since=SEQ answers the change messages after SEQ, in order,
 * each with its "seq"; the change log survives a restart. */
static void
test_poll_since (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Answer) after_one = NULL;
  g_autoptr(Answer) quoted = NULL;
  g_autoptr(Answer) none = NULL;
  g_autoptr(Answer) restarted = NULL;
  g_autoptr(JsonArray) changes = NULL;
  g_autoptr(JsonArray) quoted_changes = NULL;
  g_autofree char *described = NULL;

  make_four_changes (server);

  after_one = send_request (server, "GET", "/items?since=1", NULL);
  g_assert_cmpuint (after_one->status, ==, 200);
  g_assert_cmpstr (answer_header (after_one, "X-Syncobj-Seq"), ==, "4");
  g_assert_cmpstr (answer_header (after_one, "ETag"), ==, "\"4\"");
  changes = syncobj_test_array (after_one->body);
  described = describe_changes (changes);
  g_assert_cmpstr (described, ==, "2:insert 3:update 4:delete");
  syncobj_test_assert_json (json_array_get_object_element (changes, 1),
                            "{\"type\": \"update\", \"value\": {\"id\": \"a\", \"title\": \"A2\"}, \"seq\": 3}");
  syncobj_test_assert_json (json_array_get_object_element (changes, 2),
                            "{\"type\": \"delete\", \"key\": \"b\", \"seq\": 4}");

  /* The ETag itself is a cursor too. */
  quoted = send_request (server, "GET", "/items?since=%223%22", NULL);
  g_assert_cmpuint (quoted->status, ==, 200);
  quoted_changes = syncobj_test_array (quoted->body);
  g_assert_cmpuint (json_array_get_length (quoted_changes), ==, 1);

  none = send_request (server, "GET", "/items?since=4", NULL);
  g_assert_cmpuint (none->status, ==, 200);
  g_assert_cmpstr (none->body, ==, "[]");

  demo_server_kill (server);
  demo_server_restart (server);
  restarted = send_request (server, "GET", "/items?since=2", NULL);
  g_assert_cmpuint (restarted->status, ==, 200);
  g_assert_cmpstr (answer_header (restarted, "X-Syncobj-Seq"), ==, "4");
  g_assert_cmpuint (array_length (restarted->body), ==, 2);
}

/* A cursor older than the change log (--change-log N keeps N changes), ahead
 * of the server, or not a number answers 410 Gone with a reset message. */
static void
test_poll_since_too_old (void)
{
  g_autoptr(DemoServer) server = start_with ("--change-log=2", NULL);
  g_autoptr(Answer) kept = NULL;
  const char *gone[] = { "/items?since=1", "/items?since=0", "/items?since=5", "/items?since=x", "/items?since=" };

  make_four_changes (server);

  kept = send_request (server, "GET", "/items?since=2", NULL);
  g_assert_cmpuint (kept->status, ==, 200);
  g_assert_cmpuint (array_length (kept->body), ==, 2);

  for (guint i = 0; i < G_N_ELEMENTS (gone); i++)
    {
      g_autoptr(Answer) answer = send_request (server, "GET", gone[i], NULL);
      g_autoptr(JsonObject) reset = NULL;

      g_test_message ("GET %s", gone[i]);
      g_assert_cmpuint (answer->status, ==, 410);
      g_assert_cmpstr (answer_header (answer, "X-Syncobj-Seq"), ==, "4");
      reset = syncobj_test_object (answer->body);
      g_assert_cmpstr (json_object_get_string_member (reset, "type"), ==, "reset");
      g_assert_cmpint (json_object_get_int_member (reset, "seq"), ==, 4);
      g_assert_nonnull (json_object_get_string_member (reset, "reason"));
    }
}

/* ---- the WebSocket -------------------------------------------------------- */

typedef struct
{
  SoupWebsocketConnection *connection;
  GError                  *error;
  GPtrArray               *messages;   /* JSON texts */
  gboolean                 done;
} Feed;

static void
feed_message_cb (SoupWebsocketConnection *connection,
                 gint                     type,
                 GBytes                  *message,
                 Feed                    *feed)
{
  g_ptr_array_add (feed->messages, g_strndup (g_bytes_get_data (message, NULL), g_bytes_get_size (message)));
}

static void
feed_connected_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Feed *feed = user_data;

  feed->connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &feed->error);
  if (feed->connection != NULL)
    g_signal_connect (feed->connection, "message", G_CALLBACK (feed_message_cb), feed);
  feed->done = TRUE;
}

/* Opens the WebSocket at @path (with its query). */
static Feed *
feed_open (DemoServer *server,
           const char *path)
{
  g_autofree char *uri = g_strdup_printf ("ws://127.0.0.1:%u%s", server->port, path);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", uri);
  Feed *feed = g_new0 (Feed, 1);

  feed->messages = g_ptr_array_new_with_free_func (g_free);
  soup_session_websocket_connect_async (server->admin, message, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        feed_connected_cb, feed);
  WAIT_FOR (feed->done, WAIT_TIMEOUT_MS);
  g_assert_no_error (feed->error);
  return feed;
}

static void
feed_free (Feed *feed)
{
  if (feed->connection != NULL)
    {
      g_signal_handlers_disconnect_by_data (feed->connection, feed);
      if (soup_websocket_connection_get_state (feed->connection) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (feed->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_clear_object (&feed->connection);
    }
  g_clear_error (&feed->error);
  g_ptr_array_unref (feed->messages);
  g_free (feed);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Feed, feed_free)

/* The messages received so far, as "SEQ:TYPE" joined with spaces. */
static char *
feed_describe (Feed *feed)
{
  g_autoptr(JsonArray) array = json_array_new ();

  for (guint i = 0; i < feed->messages->len; i++)
    json_array_add_object_element (array, syncobj_test_object (g_ptr_array_index (feed->messages, i)));
  return describe_changes (array);
}

/* /changes?since=SEQ sends the changes after SEQ, then {"type":
 * "caught_up", "seq": N}, then the live changes. */
static void
test_websocket_since (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Feed) feed = NULL;
  g_autofree char *backlog = NULL;
  g_autofree char *live = NULL;

  make_four_changes (server);
  feed = feed_open (server, "/changes?since=2");
  WAIT_FOR (feed->messages->len == 3, WAIT_TIMEOUT_MS);
  backlog = feed_describe (feed);
  g_assert_cmpstr (backlog, ==, "3:update 4:delete 4:caught_up");
  g_assert_cmpstr (g_ptr_array_index (feed->messages, 2), ==, "{\"type\":\"caught_up\",\"seq\":4}");

  expect_status (server, "POST", "/items", "{\"id\": \"c\"}", 201);
  WAIT_FOR (feed->messages->len == 4, WAIT_TIMEOUT_MS);
  live = feed_describe (feed);
  g_assert_cmpstr (live, ==, "3:update 4:delete 4:caught_up 5:insert");
}

/* A cursor the change log cannot answer gets {"type": "reset"} first; the
 * live changes follow. */
static void
test_websocket_since_too_old (void)
{
  g_autoptr(DemoServer) server = start_with ("--change-log=1", NULL);
  g_autoptr(Feed) feed = NULL;
  g_autoptr(JsonObject) reset = NULL;
  g_autofree char *described = NULL;

  make_four_changes (server);
  feed = feed_open (server, "/changes?since=2");
  WAIT_FOR (feed->messages->len == 1, WAIT_TIMEOUT_MS);
  reset = syncobj_test_object (g_ptr_array_index (feed->messages, 0));
  g_assert_cmpstr (json_object_get_string_member (reset, "type"), ==, "reset");
  g_assert_cmpint (json_object_get_int_member (reset, "seq"), ==, 4);

  expect_status (server, "POST", "/items", "{\"id\": \"c\"}", 201);
  WAIT_FOR (feed->messages->len == 2, WAIT_TIMEOUT_MS);
  described = feed_describe (feed);
  g_assert_cmpstr (described, ==, "4:reset 5:insert");
}

/* Without ?since= the feed is as it always was: live changes only (each
 * carrying its "seq"), no caught_up message. */
static void
test_websocket_without_since (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Feed) feed = NULL;
  g_autoptr(JsonArray) batch = NULL;
  g_autofree char *described = NULL;

  make_four_changes (server);
  feed = feed_open (server, "/changes");
  expect_status (server, "POST", "/batch",
                 "[{\"type\": \"insert\", \"value\": {\"id\": \"c\"}},"
                 " {\"type\": \"delete\", \"key\": \"a\"}]", 200);
  WAIT_FOR (feed->messages->len == 1, WAIT_TIMEOUT_MS);
  /* A batch is one message: an array of its changes. */
  batch = syncobj_test_array (g_ptr_array_index (feed->messages, 0));
  described = describe_changes (batch);
  g_assert_cmpstr (described, ==, "5:insert 6:delete");
}

/* ---- versions ------------------------------------------------------------- */

/* With --versions, every write gives the record the next "version", set by
 * the server whatever the body says, and the answer's ETag is it. */
static void
test_versions_increment (void)
{
  g_autoptr(DemoServer) server = start_with ("--versions", NULL);
  g_autoptr(JsonObject) patched = NULL;
  g_autoptr(JsonObject) put = NULL;
  g_autoptr(JsonObject) created_by_put = NULL;
  g_autoptr(Answer) created = send_request (server, "POST", "/items", "{\"id\": \"a\", \"title\": \"A\", \"version\": 7}");
  g_autoptr(Answer) fetched = NULL;

  g_assert_cmpuint (created->status, ==, 201);
  assert_body (created->body, "{\"id\": \"a\", \"title\": \"A\", \"version\": 1}");
  g_assert_cmpstr (answer_header (created, "ETag"), ==, "\"1\"");

  patched = expect_object (server, "PATCH", "/items/a", "{\"title\": \"B\", \"version\": 1}", 200);
  syncobj_test_assert_json (patched, "{\"id\": \"a\", \"title\": \"B\", \"version\": 2}");
  put = expect_object (server, "PUT", "/items/a", "{\"title\": \"C\"}", 200);
  syncobj_test_assert_json (put, "{\"id\": \"a\", \"title\": \"C\", \"version\": 3}");
  created_by_put = expect_object (server, "PUT", "/items/b", "{\"title\": \"D\"}", 200);
  syncobj_test_assert_json (created_by_put, "{\"id\": \"b\", \"title\": \"D\", \"version\": 1}");

  fetched = send_request (server, "GET", "/items/a", NULL);
  g_assert_cmpstr (answer_header (fetched, "ETag"), ==, "\"3\"");
}

/* If-Match on PATCH, PUT and DELETE: a stale version answers 412 with the
 * record as the server has it and applies nothing; the current one, W/ or
 * * applies. */
static void
test_versions_if_match (void)
{
  g_autoptr(DemoServer) server = start_with ("--versions", NULL);
  g_autoptr(JsonArray) effects = NULL;
  struct { const char *method, *body, *if_match; guint status; } steps[] = {
    { "PATCH", "{\"title\": \"B\"}", "\"1\"", 200 },          /* → 2 */
    { "PATCH", "{\"title\": \"stale\"}", "\"1\"", 412 },
    { "PUT", "{\"title\": \"stale\"}", "\"1\"", 412 },
    { "DELETE", NULL, "\"1\"", 412 },
    { "PUT", "{\"title\": \"C\"}", "W/\"2\"", 200 },          /* → 3 */
    { "PATCH", "{\"title\": \"D\"}", "\"9\", \"3\"", 200 },   /* → 4 */
    { "PATCH", "{\"title\": \"E\"}", "*", 200 },              /* → 5 */
    { "PATCH", "{\"title\": \"F\"}", "5", 200 },              /* → 6 */
  };
  g_autoptr(Answer) deleted = NULL;
  g_autoptr(Answer) absent = NULL;

  expect_status (server, "POST", "/items", "{\"id\": \"a\", \"title\": \"A\"}", 201);
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autoptr(Answer) answer = send_with_header (server, steps[i].method, "/items/a", steps[i].body,
                                                   "If-Match", steps[i].if_match);

      g_test_message ("%s If-Match: %s", steps[i].method, steps[i].if_match);
      g_assert_cmpuint (answer->status, ==, steps[i].status);
      if (steps[i].status == 412)
        {
          assert_body (answer->body, "{\"id\": \"a\", \"title\": \"B\", \"version\": 2}");
          g_assert_cmpstr (answer_header (answer, "ETag"), ==, "\"2\"");
        }
    }
  effects = demo_server_effects (server);
  g_assert_cmpuint (json_array_get_length (effects), ==, 6);

  deleted = send_with_header (server, "DELETE", "/items/a", NULL, "If-Match", "\"6\"");
  g_assert_cmpuint (deleted->status, ==, 204);
  absent = send_with_header (server, "PATCH", "/items/a", "{\"title\": \"G\"}", "If-Match", "\"6\"");
  g_assert_cmpuint (absent->status, ==, 404);
}

/* A 412 is not kept for its Idempotency-Key: the same request sent again
 * with the right version, after the client resolved the conflict, applies. */
static void
test_versions_conflict_not_replayed (void)
{
  g_autoptr(DemoServer) server = start_with ("--versions", NULL);
  g_autofree char *uri = demo_server_uri (server, "/items/a");
  const char *if_match[] = { "\"7\"", "\"1\"" };
  guint statuses[] = { 412, 200 };

  expect_status (server, "POST", "/items", "{\"id\": \"a\", \"title\": \"A\"}", 201);
  for (guint i = 0; i < G_N_ELEMENTS (if_match); i++)
    {
      g_autoptr(SoupMessage) message = soup_message_new ("PATCH", uri);
      g_autoptr(GBytes) body = g_bytes_new_static ("{\"title\": \"B\"}", strlen ("{\"title\": \"B\"}"));
      g_autofree char *answer = NULL;
      guint status = 0;

      soup_message_headers_replace (soup_message_get_request_headers (message), "Idempotency-Key", "k-1");
      soup_message_headers_replace (soup_message_get_request_headers (message), "If-Match", if_match[i]);
      soup_message_set_request_body_from_bytes (message, "application/json", body);
      answer = demo_server_send (server, message, &status);
      g_assert_cmpuint (status, ==, statuses[i]);
    }
}

/* In a batch, "if_match" (a version or an entity tag) guards an entry; a
 * mismatch fails the whole batch with 412, naming the entry and the
 * record as the server has it. */
static void
test_versions_batch (void)
{
  g_autoptr(DemoServer) server = start_with ("--versions", NULL);
  g_autoptr(JsonObject) failed = NULL;
  g_autoptr(JsonObject) applied = NULL;
  g_autoptr(JsonArray) items = NULL;

  expect_status (server, "POST", "/items", "{\"id\": \"a\", \"title\": \"A\"}", 201);
  failed = expect_object (server, "POST", "/batch",
                          "[{\"type\": \"insert\", \"value\": {\"id\": \"b\"}},"
                          " {\"type\": \"update\", \"key\": \"a\", \"changes\": {\"title\": \"X\"}, \"if_match\": 3}]", 412);
  syncobj_test_assert_json (failed, "{\"error\": \"the record has another version\", \"index\": 1,"
                                    " \"current\": {\"id\": \"a\", \"title\": \"A\", \"version\": 1}}");
  items = demo_server_items (server);
  g_assert_cmpuint (json_array_get_length (items), ==, 1);

  applied = expect_object (server, "POST", "/batch",
                           "[{\"type\": \"insert\", \"value\": {\"id\": \"b\"}},"
                           " {\"type\": \"update\", \"key\": \"a\", \"changes\": {\"title\": \"X\"}, \"if_match\": \"\\\"1\\\"\"},"
                           " {\"type\": \"delete\", \"key\": \"b\", \"if_match\": 1}]", 200);
  syncobj_test_assert_json (applied, "{\"applied\": 3, \"records\": [{\"id\": \"b\", \"version\": 1},"
                                     " {\"id\": \"a\", \"title\": \"X\", \"version\": 2}, null]}");
}

/* Without --versions records get no "version" and If-Match is ignored, as
 * before. */
static void
test_versions_off_by_default (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(JsonObject) created = expect_object (server, "POST", "/items", "{\"id\": \"a\", \"title\": \"A\"}", 201);
  g_autoptr(Answer) patched = send_with_header (server, "PATCH", "/items/a", "{\"title\": \"B\"}", "If-Match", "\"9\"");

  syncobj_test_assert_json (created, "{\"id\": \"a\", \"title\": \"A\"}");
  g_assert_cmpuint (patched->status, ==, 200);
  assert_body (patched->body, "{\"id\": \"a\", \"title\": \"B\"}");
  g_assert_null (answer_header (patched, "ETag"));
}

/* ---- server-assigned ids -------------------------------------------------- */

/* A POST without "id" gets the next integer, as a SERIAL column would:
 * answered with the created record and its Location. Integer ids keep
 * their JSON type when listed, patched and deleted. */
static void
test_ids_serial (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(Answer) first = send_request (server, "POST", "/items", "{\"title\": \"A\"}");
  g_autoptr(Answer) second = send_request (server, "POST", "/items", "{\"title\": \"B\"}");
  g_autoptr(JsonObject) explicit_id = NULL;
  g_autoptr(JsonObject) after_explicit = NULL;
  g_autoptr(JsonObject) patched = NULL;
  g_autoptr(JsonArray) items = NULL;
  g_autoptr(Answer) changes = NULL;
  g_autoptr(JsonArray) messages = NULL;
  g_autofree char *location = demo_server_uri (server, "/items/1");

  g_assert_cmpuint (first->status, ==, 201);
  assert_body (first->body, "{\"title\": \"A\", \"id\": 1}");
  g_assert_cmpstr (answer_header (first, "Location"), ==, location);
  assert_body (second->body, "{\"title\": \"B\", \"id\": 2}");

  explicit_id = expect_object (server, "POST", "/items", "{\"id\": 10, \"title\": \"J\"}", 201);
  syncobj_test_assert_json (explicit_id, "{\"id\": 10, \"title\": \"J\"}");
  after_explicit = expect_object (server, "POST", "/items", "{\"title\": \"K\"}", 201);
  syncobj_test_assert_json (after_explicit, "{\"title\": \"K\", \"id\": 11}");

  patched = expect_object (server, "PATCH", "/items/1", "{\"title\": \"A2\", \"id\": \"1\"}", 200);
  syncobj_test_assert_json (patched, "{\"title\": \"A2\", \"id\": 1}");
  expect_status (server, "DELETE", "/items/2", NULL, 204);
  expect_status (server, "GET", "/items/10", NULL, 200);

  items = demo_server_items (server);
  g_assert_cmpuint (json_array_get_length (items), ==, 3);
  syncobj_test_assert_json (json_array_get_object_element (items, 0), "{\"title\": \"A2\", \"id\": 1}");
  syncobj_test_assert_json (json_array_get_object_element (items, 1), "{\"id\": 10, \"title\": \"J\"}");

  changes = send_request (server, "GET", "/items?since=5", NULL);
  messages = syncobj_test_array (changes->body);
  syncobj_test_assert_json (json_array_get_object_element (messages, 0), "{\"type\": \"delete\", \"key\": 2, \"seq\": 6}");
}

/* A replay of the Idempotency-Key of a POST without "id" answers the
 * record created the first time, with the same id, also after a crash. */
static void
test_ids_replay (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(JsonArray) items = NULL;
  g_autofree char *location = demo_server_uri (server, "/items/1");
  g_autoptr(JsonObject) next = NULL;

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(Answer) answer = send_with_header (server, "POST", "/items", "{\"title\": \"A\"}",
                                                   "Idempotency-Key", "k-1");

      g_assert_cmpuint (answer->status, ==, 201);
      assert_body (answer->body, "{\"title\": \"A\", \"id\": 1}");
      g_assert_cmpstr (answer_header (answer, "Location"), ==, location);
      g_assert_cmpstr (answer_header (answer, "Idempotent-Replayed"), ==, i > 0 ? "true" : NULL);
      if (i == 1)
        {
          demo_server_kill (server);
          demo_server_restart (server);
        }
    }

  items = demo_server_items (server);
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  next = expect_object (server, "POST", "/items", "{\"title\": \"B\"}", 201);
  syncobj_test_assert_json (next, "{\"title\": \"B\", \"id\": 2}");
}

/* 1 and "1" are the same key: the second is refused with 409. Ids that are
 * neither non-empty strings nor integers are refused with 422. */
static void
test_ids_integer_and_string (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  const char *refused[] = { "{\"id\": 1.5}", "{\"id\": true}", "{\"id\": null}", "{\"id\": \"\"}",
                            "{\"id\": {}}", "{\"id\": [1]}" };
  g_autoptr(JsonArray) items = NULL;

  expect_status (server, "POST", "/items", "{\"id\": 1}", 201);
  expect_status (server, "POST", "/items", "{\"id\": \"1\"}", 409);
  expect_status (server, "POST", "/items", "{\"id\": \"7\"}", 201);
  expect_status (server, "POST", "/items", "{\"id\": 7}", 409);
  expect_status (server, "POST", "/batch", "[{\"type\": \"insert\", \"value\": {\"id\": \"1\"}}]", 409);
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_test_message ("POST %s", refused[i]);
      expect_status (server, "POST", "/items", refused[i], 422);
    }

  /* The string "7" takes key 7: the next serial id goes past it. */
  expect_status (server, "POST", "/items", "{}", 201);
  items = demo_server_items (server);
  g_assert_cmpuint (json_array_get_length (items), ==, 3);
  syncobj_test_assert_json (json_array_get_object_element (items, 0), "{\"id\": 1}");
  syncobj_test_assert_json (json_array_get_object_element (items, 1), "{\"id\": \"7\"}");
  syncobj_test_assert_json (json_array_get_object_element (items, 2), "{\"id\": 8}");
}

/* A batch insert without "id" gets one too; the batch's answer lists the
 * records as stored. */
static void
test_ids_batch (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autoptr(JsonObject) applied = expect_object (server, "POST", "/batch",
    "[{\"type\": \"insert\", \"value\": {\"title\": \"A\"}},"
    " {\"type\": \"insert\", \"value\": {\"title\": \"B\"}},"
    " {\"type\": \"update\", \"key\": 1, \"changes\": {\"done\": true}}]", 200);

  syncobj_test_assert_json (applied, "{\"applied\": 3, \"records\": [{\"title\": \"A\", \"id\": 1},"
                                     " {\"title\": \"B\", \"id\": 2}, {\"title\": \"A\", \"id\": 1, \"done\": true}]}");
}

int
main (int   argc,
      char *argv[])
{
  syncobj_test_init (&argc, &argv);

  if (demo_server_test_missing ())
    return g_test_run ();

  g_test_add_func ("/demo-server/resume/snapshot-carries-seq", test_snapshot_carries_seq);
  g_test_add_func ("/demo-server/resume/poll-since", test_poll_since);
  g_test_add_func ("/demo-server/resume/poll-since-too-old", test_poll_since_too_old);
  g_test_add_func ("/demo-server/resume/websocket-since", test_websocket_since);
  g_test_add_func ("/demo-server/resume/websocket-since-too-old", test_websocket_since_too_old);
  g_test_add_func ("/demo-server/resume/websocket-without-since", test_websocket_without_since);
  g_test_add_func ("/demo-server/versions/increment", test_versions_increment);
  g_test_add_func ("/demo-server/versions/if-match", test_versions_if_match);
  g_test_add_func ("/demo-server/versions/conflict-not-replayed", test_versions_conflict_not_replayed);
  g_test_add_func ("/demo-server/versions/batch", test_versions_batch);
  g_test_add_func ("/demo-server/versions/off-by-default", test_versions_off_by_default);
  g_test_add_func ("/demo-server/ids/serial", test_ids_serial);
  g_test_add_func ("/demo-server/ids/replay", test_ids_replay);
  g_test_add_func ("/demo-server/ids/integer-and-string", test_ids_integer_and_string);
  g_test_add_func ("/demo-server/ids/batch", test_ids_batch);

  return g_test_run ();
}
