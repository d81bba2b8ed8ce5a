/* hostile-test.c: SyncobjHttpSync and SyncobjHttpMutator against servers
 * that misbehave (tests/hostile-server.c): answers without end, gzip bombs,
 * slow drips, absurd Retry-After values, floods. Each test asserts that
 * nothing is lost, that memory stays bounded (the client stops reading at
 * its limit) and that nothing hangs.
 *
 * Real HTTP needs the real clock: the waits are on events, bounded, and
 * the timeouts under test are set to their shortest (1 s).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"

#include <string.h>

#include "hostile-server.h"

#define WAIT_TIMEOUT_MS 10000

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main context until @cond holds or @timeout_ms passed; the test
 * fails on timeout. The wake-up source only bounds the wait. */
#define WAIT_FOR(cond, timeout_ms)                                                 \
  G_STMT_START {                                                                   \
    gint64 deadline_ = g_get_monotonic_time () + (gint64) (timeout_ms) * 1000;     \
    guint wake_ = g_timeout_add (20, wake_cb, NULL);                               \
    while (!(cond) && g_get_monotonic_time () < deadline_)                         \
      g_main_context_iteration (NULL, TRUE);                                       \
    g_source_remove (wake_);                                                       \
    if (!(cond))                                                                   \
      g_error ("timed out after %d ms waiting for %s", (int) (timeout_ms), #cond); \
  } G_STMT_END

/* Lines the library logged at the message level. */
static guint log_lines;

static GLogWriterOutput
count_log_writer (GLogLevelFlags   level,
                  const GLogField *fields,
                  gsize            n_fields,
                  gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "GLIB_DOMAIN") && fields[i].length < 0 &&
        g_str_equal (fields[i].value, "Syncobj") && (level & G_LOG_LEVEL_MESSAGE) != 0)
      log_lines++;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static char *
unique_id (const char *prefix)
{
  static guint counter;

  return g_strdup_printf ("%s-%u", prefix, ++counter);
}

/* ---- a sync, and what it reports ---------------------------------------------------- */

typedef struct
{
  SyncobjHttpSync   *sync;
  SyncobjCollection *collection;
  guint              message_errors;
  guint              error_notifies;
} Reader;

static void
message_error_cb (SyncobjHttpSync *sync,
                  GError          *error,
                  Reader          *reader)
{
  reader->message_errors++;
}

static void
error_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 Reader     *reader)
{
  reader->error_notifies++;
}

/* A sync of @path (and of the feed at /feed when @websocket) that does not
 * poll and waits a minute before reconnecting unless told otherwise. */
static Reader *
reader_new (HostileServer *server,
            const char    *path,
            gboolean       websocket)
{
  Reader *reader = g_new0 (Reader, 1);
  g_autofree char *id = unique_id ("hostile");
  g_autofree char *uri = hostile_server_uri (server, path, FALSE);
  g_autofree char *feed = websocket ? hostile_server_uri (server, "/feed", TRUE) : NULL;

  reader->sync = syncobj_http_sync_new (id, uri, feed);
  syncobj_http_sync_set_poll_interval (reader->sync, 0);
  syncobj_http_sync_set_reconnect_delay (reader->sync, 60000);
  g_signal_connect (reader->sync, "message-error", G_CALLBACK (message_error_cb), reader);
  g_signal_connect (reader->sync, "notify::error", G_CALLBACK (error_notify_cb), reader);
  return reader;
}

static void
reader_start (Reader *reader)
{
  g_autofree char *id = g_strdup (syncobj_sync_get_id (SYNCOBJ_SYNC (reader->sync)));

  reader->collection = syncobj_collection_new (id, SYNCOBJ_SYNC (reader->sync), NULL);
}

static const GError *
reader_error (Reader *reader)
{
  return syncobj_sync_get_error (SYNCOBJ_SYNC (reader->sync));
}

static void
reader_free (Reader *reader)
{
  g_clear_object (&reader->collection);
  g_clear_object (&reader->sync);
  g_free (reader);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Reader, reader_free)

static void
assert_error_mentions (const GError *error,
                       int           code,
                       const char   *text)
{
  g_assert_error (error, SYNCOBJ_ERROR, code);
  if (strstr (error->message, text) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, text);
}

/* ---- the limits and their defaults -------------------------------------------------- */

static void
test_defaults (void)
{
  g_autoptr(SyncobjHttpSync) sync = syncobj_http_sync_new ("defaults", "http://127.0.0.1:1/", NULL);
  g_autoptr(SyncobjHttpMutator) mutator = syncobj_http_mutator_new ("http://127.0.0.1:1/");
  guint64 max_body_size = 0, max_message_size = 0;
  guint min_transfer_rate = 0, max_early_messages = 0;

  g_object_get (sync, "max-body-size", &max_body_size, "max-message-size", &max_message_size,
                "min-transfer-rate", &min_transfer_rate, "max-early-messages", &max_early_messages, NULL);
  g_assert_cmpuint (max_body_size, ==, 256 * 1024 * 1024);
  g_assert_cmpuint (max_message_size, ==, 64 * 1024 * 1024);
  g_assert_cmpuint (min_transfer_rate, ==, 1024);
  g_assert_cmpuint (max_early_messages, ==, 10000);

  max_body_size = min_transfer_rate = 0;
  g_object_get (mutator, "max-body-size", &max_body_size, "min-transfer-rate", &min_transfer_rate, NULL);
  g_assert_cmpuint (max_body_size, ==, 256 * 1024 * 1024);
  g_assert_cmpuint (min_transfer_rate, ==, 1024);
}

/* ---- answers without end -------------------------------------------------------------- */

static void
test_huge_snapshot (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(Reader) reader = reader_new (server, "/huge", FALSE);

  /* 1 GiB on its way: the sync stops reading at 1 MiB and drops the
   * connection, keeping the synced state it had. */
  g_object_set (reader->sync, "max-body-size", (guint64) 1024 * 1024, NULL);
  reader_start (reader);
  WAIT_FOR (reader_error (reader) != NULL, WAIT_TIMEOUT_MS);
  assert_error_mentions (reader_error (reader), SYNCOBJ_ERROR_HTTP, "max-body-size");
  g_assert_false (syncobj_collection_get_ready (reader->collection));

  WAIT_FOR (hostile_server_get_dropped (server) == 1, WAIT_TIMEOUT_MS);
  /* What was read, plus what the sockets' buffers took. */
  g_assert_cmpuint (hostile_server_get_body_bytes (server), <, 16 * 1024 * 1024);
}

static void
test_gzip_bomb (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(Reader) reader = reader_new (server, "/bomb", FALSE);

  /* The bomb is far smaller than the limit; it decodes to 64 MiB. */
  g_object_set (reader->sync, "max-body-size", (guint64) 1024 * 1024, NULL);
  reader_start (reader);
  WAIT_FOR (reader_error (reader) != NULL, WAIT_TIMEOUT_MS);
  assert_error_mentions (reader_error (reader), SYNCOBJ_ERROR_HTTP, "max-body-size");
  g_assert_cmpuint (hostile_server_get_body_bytes (server), <, 1024 * 1024);
  g_assert_false (syncobj_collection_get_ready (reader->collection));
}

static void
test_huge_write_answer (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autofree char *uri = hostile_server_uri (server, "/huge", FALSE);
  g_autoptr(SyncobjHttpMutator) mutator = syncobj_http_mutator_new (uri);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjRetryPolicy) policy = syncobj_retry_policy_new ();
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(JsonObject) value = syncobj_test_object ("{\"id\": \"a\"}");
  g_autoptr(GError) error = NULL;

  g_object_set (mutator, "max-body-size", (guint64) 1024 * 1024, NULL);
  collection = syncobj_collection_new ("hostile-write", NULL, SYNCOBJ_MUTATOR (mutator));
  syncobj_retry_policy_set_max_attempts (policy, 1);
  syncobj_collection_set_retry_policy (collection, policy);

  insert = syncobj_collection_insert (collection, value, &error);
  g_assert_no_error (error);
  WAIT_FOR (syncobj_transaction_get_state (insert) == SYNCOBJ_TRANSACTION_STATE_FAILED, WAIT_TIMEOUT_MS);
  assert_error_mentions (syncobj_transaction_get_error (insert), SYNCOBJ_ERROR_HTTP, "max-body-size");
  WAIT_FOR (hostile_server_get_dropped (server) == 1, WAIT_TIMEOUT_MS);
  g_assert_cmpuint (hostile_server_get_body_bytes (server), <, 16 * 1024 * 1024);
}

/* ---- slow answers ------------------------------------------------------------------------ */

static void
test_slow_drip (gconstpointer data)
{
  const char *path = data;
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(Reader) reader = reader_new (server, path, FALSE);
  gint64 start = g_get_monotonic_time ();

  /* A byte (or a header line) every 100 ms: each read is quick, the
   * answer never ends. It fails once the timeout (1 s) has passed. */
  syncobj_http_sync_set_timeout (reader->sync, 1000);
  reader_start (reader);
  WAIT_FOR (reader_error (reader) != NULL, 4000);
  assert_error_mentions (reader_error (reader), SYNCOBJ_ERROR_TIMEOUT,
                         g_str_equal (path, "/drip-body") ? "min-transfer-rate" : "no answer within 1 s");
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 900 * 1000);
  WAIT_FOR (hostile_server_get_dropped (server) == 1, WAIT_TIMEOUT_MS);
  g_assert_false (syncobj_collection_get_ready (reader->collection));
}

static void
test_slow_steady_snapshot (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(Reader) reader = reader_new (server, "/steady", FALSE);
  gint64 start = g_get_monotonic_time ();

  /* About 130 KB at 80 KB/s: longer than the timeout (1 s), never slower
   * than the minimum rate. */
  hostile_server_set_records (server, 3000);
  syncobj_http_sync_set_timeout (reader->sync, 1000);
  reader_start (reader);
  WAIT_FOR (syncobj_collection_get_ready (reader->collection), WAIT_TIMEOUT_MS);
  g_assert_cmpint (g_get_monotonic_time () - start, >, 1000 * 1000);
  g_assert_null (reader_error (reader));
  g_assert_cmpuint (syncobj_collection_get_size (reader->collection), ==, 3000);
  syncobj_test_assert_value (reader->collection, "k2999", "{\"id\":\"k2999\",\"title\":\"item 2999\",\"n\":2999}");
}

/* ---- Retry-After ---------------------------------------------------------------------- */

static void
test_retry_after_clamped (gconstpointer data)
{
  const char *retry_after = data;
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autofree char *uri = hostile_server_uri (server, "/items", FALSE);
  g_autoptr(SyncobjHttpMutator) mutator = syncobj_http_mutator_new (uri);
  g_autoptr(SyncobjCollection) collection = syncobj_collection_new ("hostile-retry", NULL, SYNCOBJ_MUTATOR (mutator));
  g_autoptr(SyncobjRetryPolicy) policy = syncobj_retry_policy_new ();
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjAttempt) first = NULL;
  g_autoptr(JsonObject) value = syncobj_test_object ("{\"id\": \"a\"}");
  g_autoptr(GError) error = NULL;
  GTimeSpan waited;

  /* The server asks for 49 days, or for the year 9999: the policy's
   * max-delay (200 ms) wins. */
  syncobj_retry_policy_set_initial_delay (policy, 10);
  syncobj_retry_policy_set_max_delay (policy, 200);
  syncobj_retry_policy_set_jitter (policy, 0);
  syncobj_collection_set_retry_policy (collection, policy);
  hostile_server_set_retry_after (server, retry_after);

  insert = syncobj_collection_insert (collection, value, &error);
  g_assert_no_error (error);
  WAIT_FOR (syncobj_transaction_get_current_attempt (insert) >= 2, WAIT_TIMEOUT_MS);
  first = g_list_model_get_item (syncobj_transaction_get_attempts (insert), 0);
  g_assert_error (syncobj_attempt_get_error (first), SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP);
  waited = g_date_time_difference (syncobj_attempt_get_retry_scheduled_for (first),
                                   syncobj_attempt_get_completed_at (first));
  g_assert_cmpint (waited, <=, 210 * G_TIME_SPAN_MILLISECOND);

  /* The server recovers: the write lands. */
  hostile_server_set_retry_after (server, NULL);
  WAIT_FOR (syncobj_transaction_get_state (insert) == SYNCOBJ_TRANSACTION_STATE_COMPLETED, WAIT_TIMEOUT_MS);
}

/* ---- the change feed ------------------------------------------------------------------ */

static void
test_flood_while_snapshot_stuck (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(Reader) reader = reader_new (server, "/items", TRUE);

  /* The snapshot does not come; the feed sends 5,000 changes. Past 100 the
   * sync drops them and reconnects for a fresh snapshot. */
  hostile_server_set_records (server, 2);
  hostile_server_hold_snapshots (server, TRUE);
  hostile_server_set_flood (server, 5000);
  g_object_set (reader->sync, "max-early-messages", 100, NULL);
  syncobj_http_sync_set_reconnect_delay (reader->sync, 20);
  reader_start (reader);

  WAIT_FOR (reader_error (reader) != NULL, WAIT_TIMEOUT_MS);
  assert_error_mentions (reader_error (reader), SYNCOBJ_ERROR_HTTP, "max-early-messages");
  /* A new feed, and a snapshot asked for on it. */
  WAIT_FOR (hostile_server_get_requests (server, "/feed") >= 2, WAIT_TIMEOUT_MS);
  WAIT_FOR (hostile_server_get_requests (server, "/items") >= 1, WAIT_TIMEOUT_MS);
  g_assert_false (syncobj_collection_get_ready (reader->collection));

  /* The fresh snapshot holds what the dropped changes did; changes after it
   * apply on top. */
  hostile_server_hold_snapshots (server, FALSE);
  WAIT_FOR (syncobj_collection_get_ready (reader->collection), WAIT_TIMEOUT_MS);
  g_assert_true (syncobj_collection_contains (reader->collection, "k1"));
  WAIT_FOR (syncobj_http_sync_get_connected (reader->sync), WAIT_TIMEOUT_MS);
  hostile_server_send (server, "{\"type\":\"insert\",\"value\":{\"id\":\"after\"}}", 1);
  WAIT_FOR (syncobj_collection_contains (reader->collection, "after"), WAIT_TIMEOUT_MS);
}

static void
test_message_too_large (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(Reader) reader = reader_new (server, "/items", TRUE);
  g_autoptr(GString) big = g_string_new ("{\"type\":\"insert\",\"value\":{\"id\":\"big\",\"text\":\"");

  for (guint i = 0; i < 2048; i++)
    g_string_append_c (big, 'x');
  g_string_append (big, "\"}}");

  g_object_set (reader->sync, "max-message-size", (guint64) 1024, NULL);
  syncobj_http_sync_set_reconnect_delay (reader->sync, 20);
  reader_start (reader);
  WAIT_FOR (syncobj_http_sync_get_connected (reader->sync), WAIT_TIMEOUT_MS);

  /* Refused: the feed closes and the sync reconnects with a fresh snapshot. */
  hostile_server_send (server, big->str, 1);
  WAIT_FOR (hostile_server_get_requests (server, "/feed") >= 2, WAIT_TIMEOUT_MS);
  WAIT_FOR (syncobj_http_sync_get_connected (reader->sync), WAIT_TIMEOUT_MS);
  g_assert_false (syncobj_collection_contains (reader->collection, "big"));
  g_assert_cmpuint (hostile_server_get_requests (server, "/items"), >=, 2);

  hostile_server_send (server, "{\"type\":\"insert\",\"value\":{\"id\":\"small\"}}", 1);
  WAIT_FOR (syncobj_collection_contains (reader->collection, "small"), WAIT_TIMEOUT_MS);
}

static void
test_non_object_snapshot (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(Reader) reader = reader_new (server, "/non-objects", FALSE);
  const guint n = 300000;

  /* 300,000 elements that are not records: each is a signal, the log and
   * the error get one line for the snapshot. */
  hostile_server_set_records (server, n);
  log_lines = 0;
  reader_start (reader);
  WAIT_FOR (syncobj_collection_get_ready (reader->collection), WAIT_TIMEOUT_MS);
  g_assert_cmpuint (reader->message_errors, ==, n);
  g_assert_cmpuint (log_lines, ==, 1);
  g_assert_cmpuint (reader->error_notifies, ==, 1);
  assert_error_mentions (reader_error (reader), SYNCOBJ_ERROR_PARSE, "300000 records of the snapshot");
  assert_error_mentions (reader_error (reader), SYNCOBJ_ERROR_PARSE, "Record 0 of the snapshot");
  g_assert_cmpuint (syncobj_collection_get_size (reader->collection), ==, 0);
}

static void
test_malformed_burst_logged_once (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(Reader) reader = reader_new (server, "/items", TRUE);
  const guint n = 500;

  reader_start (reader);
  WAIT_FOR (syncobj_http_sync_get_connected (reader->sync), WAIT_TIMEOUT_MS);

  /* Every bad message is a signal; the log has the first and, after a
   * quiet second (however long the burst took), a summary. */
  log_lines = 0;
  hostile_server_send (server, "{\"type\": \"insert\", \"value\": 1}", n);
  hostile_server_send (server, "{\"type\":\"insert\",\"value\":{\"id\":\"good\"}}", 1);
  WAIT_FOR (syncobj_collection_contains (reader->collection, "good"), WAIT_TIMEOUT_MS);
  g_assert_cmpuint (reader->message_errors, ==, n);
  g_assert_cmpuint (log_lines, ==, 1);
  WAIT_FOR (log_lines == 2, WAIT_TIMEOUT_MS);
  assert_error_mentions (reader_error (reader), SYNCOBJ_ERROR_PARSE, "499 more change messages");
  g_assert_cmpuint (reader->error_notifies, ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  syncobj_test_init (&argc, &argv);
  g_log_set_writer_func (count_log_writer, NULL, NULL);

  g_test_add_func ("/hostile/defaults", test_defaults);
  g_test_add_func ("/hostile/huge-snapshot", test_huge_snapshot);
  g_test_add_func ("/hostile/gzip-bomb", test_gzip_bomb);
  g_test_add_func ("/hostile/huge-write-answer", test_huge_write_answer);
  g_test_add_data_func ("/hostile/slow-drip-body", "/drip-body", test_slow_drip);
  g_test_add_data_func ("/hostile/slow-drip-headers", "/drip-headers", test_slow_drip);
  g_test_add_func ("/hostile/slow-steady-snapshot", test_slow_steady_snapshot);
  g_test_add_data_func ("/hostile/retry-after-huge", "4294967", test_retry_after_clamped);
  g_test_add_data_func ("/hostile/retry-after-year-9999", "Fri, 31 Dec 9999 23:59:59 GMT", test_retry_after_clamped);
  g_test_add_func ("/hostile/flood-while-snapshot-stuck", test_flood_while_snapshot_stuck);
  g_test_add_func ("/hostile/message-too-large", test_message_too_large);
  g_test_add_func ("/hostile/malformed-burst-logged-once", test_malformed_burst_logged_once);
  g_test_add_func ("/hostile/non-object-snapshot", test_non_object_snapshot);

  return g_test_run ();
}
