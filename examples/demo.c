/* demo.c: libsyncobj end to end, against the demo server.
 *
 * Starts examples/server/ on 127.0.0.1 (a free port), opens a collection
 * of to-dos on it (SyncobjHttpSync + SyncobjHttpMutator, with the SQLite
 * store), makes optimistic changes and prints every transaction state as
 * it happens. Half-way the server is killed; the changes made meanwhile
 * are visible at once, retried, and reach the server once it is back.
 * Ends by printing what the server holds. Exit status 0 when everything
 * reached the server exactly once.
 *
 *   demo [--server PATH]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <syncobj.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#define STEP_TIMEOUT_MS 20000

typedef struct
{
  char        *server_path;
  char        *dir;
  GSubprocess *server;
  guint        port;
  gint64       started_us;
  gboolean     timed_out;
} Demo;

static Demo demo;

/* ---- output ------------------------------------------------------------- */

static void
say (const char *format,
     ...) G_GNUC_PRINTF (1, 2);

static void
say (const char *format,
     ...)
{
  va_list args;
  g_autofree char *text = NULL;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  printf ("[%5.2f s] %s\n", (g_get_monotonic_time () - demo.started_us) / 1e6, text);
  fflush (stdout);
}

#define LABEL_WIDTH 28

/* @label followed by spaces up to LABEL_WIDTH characters: printf's
 * "%-28s" counts bytes, and the labels hold curly quotes. */
static char *
pad_label (const char *label)
{
  glong length = g_utf8_strlen (label, -1);
  GString *padded = g_string_new (label);

  while (length++ < LABEL_WIDTH)
    g_string_append_c (padded, ' ');
  return g_string_free (padded, FALSE);
}

/* The transaction's label, padded to LABEL_WIDTH columns. */
static const char *
describe (SyncobjTransaction *transaction)
{
  return g_object_get_data (G_OBJECT (transaction), "demo-label");
}

static void
state_cb (SyncobjTransaction *transaction,
          GParamSpec         *pspec,
          gpointer            user_data)
{
  const GError *error = syncobj_transaction_get_error (transaction);
  guint attempt = syncobj_transaction_get_current_attempt (transaction);

  if (error != NULL)
    say ("  %s %s: %s", describe (transaction), syncobj_transaction_get_state_name (transaction), error->message);
  else if (attempt > 1)
    say ("  %s %s (attempt %u)", describe (transaction), syncobj_transaction_get_state_name (transaction), attempt);
  else
    say ("  %s %s", describe (transaction), syncobj_transaction_get_state_name (transaction));
}

static void
attempt_cb (SyncobjTransaction *transaction,
            GParamSpec         *pspec,
            gpointer            user_data)
{
  GListModel *attempts = syncobj_transaction_get_attempts (transaction);
  guint n = g_list_model_get_n_items (attempts);
  g_autoptr(SyncobjAttempt) previous = n >= 2 ? g_list_model_get_item (attempts, n - 2) : NULL;

  if (previous != NULL && syncobj_attempt_get_error (previous) != NULL)
    say ("  %s attempt %u failed (%s); attempt %u", describe (transaction),
         n - 1, syncobj_attempt_get_error (previous)->message, n);
}

static SyncobjTransaction *
track (SyncobjTransaction *transaction,
       const char         *label)
{
  g_object_set_data_full (G_OBJECT (transaction), "demo-label", pad_label (label), g_free);
  say ("  %s %s (visible at once)", describe (transaction), syncobj_transaction_get_state_name (transaction));
  g_signal_connect (transaction, "notify::state", G_CALLBACK (state_cb), NULL);
  g_signal_connect (transaction, "notify::current-attempt", G_CALLBACK (attempt_cb), NULL);
  return transaction;
}

static void
sync_error_cb (SyncobjSync *sync,
               GParamSpec  *pspec,
               gpointer     user_data)
{
  if (syncobj_sync_get_error (sync) != NULL)
    say ("  sync: %s", syncobj_sync_get_error (sync)->message);
}

/* A full disk: the changes keep going in memory; tell the user. */
static void
store_write_error_cb (SyncobjStore *store,
                      GParamSpec   *pspec,
                      gpointer      user_data)
{
  if (syncobj_store_get_write_error (store) != NULL)
    say ("  store: %s (changes are kept in memory meanwhile)", syncobj_store_get_write_error (store)->message);
  else
    say ("  store: writing works again");
}

static void
sync_connected_cb (SyncobjHttpSync *sync,
                   GParamSpec      *pspec,
                   gpointer         user_data)
{
  if (syncobj_http_sync_get_connected (sync))
    say ("  sync: connected, snapshot applied (%u records)",
         syncobj_collection_get_size (syncobj_sync_get_collection (SYNCOBJ_SYNC (sync))));
}

/* The demo prints the sync's messages itself, in order with the rest. */
static GLogWriterOutput
log_writer (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "GLIB_DOMAIN") && g_strcmp0 (fields[i].value, "Syncobj") == 0 &&
        (level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG)) != 0)
      return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

/* ---- waiting -------------------------------------------------------------- */

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

#define WAIT_FOR(cond)                                                              \
  G_STMT_START {                                                                    \
    gint64 deadline_ = g_get_monotonic_time () + (gint64) STEP_TIMEOUT_MS * 1000;   \
    guint wake_ = g_timeout_add (50, wake_cb, NULL);                                \
    while (!(cond) && g_get_monotonic_time () < deadline_)                          \
      g_main_context_iteration (NULL, TRUE);                                        \
    g_source_remove (wake_);                                                        \
    if (!(cond))                                                                    \
      {                                                                             \
        say ("timed out waiting for %s", #cond);                                    \
        demo.timed_out = TRUE;                                                      \
      }                                                                             \
  } G_STMT_END

static gboolean
all_finished (GPtrArray *transactions)
{
  for (guint i = 0; i < transactions->len; i++)
    if (!syncobj_transaction_is_finished (g_ptr_array_index (transactions, i)))
      return FALSE;
  return TRUE;
}

/* ---- the server ------------------------------------------------------------- */

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

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
server_start (void)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GDataInputStream) output = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *port = g_strdup_printf ("--port=%u", demo.port);
  g_autofree char *db = g_strdup_printf ("--db=%s/server.db", demo.dir);
  g_autofree char *line = NULL;

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  demo.server = g_subprocess_launcher_spawn (launcher, &error, demo.server_path, port, db, NULL);
  if (demo.server == NULL)
    {
      say ("cannot start the demo server %s: %s", demo.server_path, error->message);
      return FALSE;
    }

  output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (demo.server));
  g_data_input_stream_read_line_async (output, G_PRIORITY_DEFAULT, NULL, read_line_cb, &line);
  WAIT_FOR (line != NULL);
  if (line == NULL || !g_str_has_prefix (line, "PORT "))
    {
      say ("the demo server did not start");
      return FALSE;
    }
  demo.port = (guint) g_ascii_strtoull (line + 5, NULL, 10);
  return TRUE;
}

static void
server_kill (void)
{
  g_subprocess_send_signal (demo.server, SIGKILL);
  g_subprocess_wait (demo.server, NULL, NULL);
  g_clear_object (&demo.server);
}

static char *
server_get (const char *path)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u%s", demo.port, path);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", uri);
  g_autoptr(GBytes) body = soup_session_send_and_read (session, message, NULL, NULL);

  if (body == NULL)
    return NULL;
  return g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

/* ---- main ----------------------------------------------------------------------- */

static SyncobjTransaction *
insert_todo (SyncobjCollection *todos,
             const char        *id,
             const char        *title)
{
  g_autoptr(JsonObject) value = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *label = g_strdup_printf ("insert “%s”", title);
  SyncobjTransaction *transaction;

  json_object_set_string_member (value, "id", id);
  json_object_set_string_member (value, "title", title);
  json_object_set_boolean_member (value, "done", FALSE);
  transaction = syncobj_collection_insert (todos, value, &error);
  if (transaction == NULL)
    g_error ("%s", error->message);
  return track (transaction, label);
}

static SyncobjTransaction *
mark_done (SyncobjCollection *todos,
           const char        *id)
{
  g_autoptr(JsonObject) changes = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *label = g_strdup_printf ("mark %s done", id);
  SyncobjTransaction *transaction;

  json_object_set_boolean_member (changes, "done", TRUE);
  transaction = syncobj_collection_update (todos, id, changes, &error);
  if (transaction == NULL)
    g_error ("%s", error->message);
  return track (transaction, label);
}

static SyncobjTransaction *
delete_todo (SyncobjCollection *todos,
             const char        *id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *label = g_strdup_printf ("delete %s", id);
  SyncobjTransaction *transaction = syncobj_collection_delete (todos, id, &error);

  if (transaction == NULL)
    g_error ("%s", error->message);
  return track (transaction, label);
}

static void
print_collection (SyncobjCollection *todos)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (todos));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyncobjRecord) record = g_list_model_get_item (G_LIST_MODEL (todos), i);

      say ("    %s %-6s %-16s %s", syncobj_record_get_boolean (record, "done") ? "[x]" : "[ ]",
           syncobj_record_get_key (record), syncobj_record_get_string (record, "title"),
           syncobj_record_get_pending (record) ? "(pending)" : "");
    }
}

static void
remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);
      g_unlink (file);
    }
  g_rmdir (path);
}

static gboolean
restart_cb (gpointer data)
{
  say ("the server comes back on port %u", demo.port);
  if (!server_start ())
    demo.timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— libsyncobj against the demo server");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjHttpSync) sync = NULL;
  g_autoptr(SyncobjHttpMutator) mutator = NULL;
  g_autoptr(SyncobjCollection) todos = NULL;
  g_autoptr(SyncobjRetryPolicy) policy = NULL;
  g_autoptr(GPtrArray) transactions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *store_path = NULL;
  g_autofree char *items_uri = NULL;
  g_autofree char *changes_uri = NULL;
  g_autofree char *items = NULL;
  g_autofree char *effects = NULL;
  guint n_effects = 0, n_failed = 0;
  gboolean matches;
  GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_FILENAME, &demo.server_path, "The demo server program", "PATH" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (demo.server_path == NULL)
    demo.server_path = g_strdup (DEMO_SERVER_PATH);

  demo.started_us = g_get_monotonic_time ();
  g_log_set_writer_func (log_writer, NULL, NULL);
  demo.dir = g_dir_make_tmp ("syncobj-demo-XXXXXX", &error);
  g_assert_no_error (error);

  /* 1. The server. */
  if (!server_start ())
    return 1;
  say ("demo server listening on http://127.0.0.1:%u (SQLite in %s)", demo.port, demo.dir);

  /* 2. A collection on it: snapshot + WebSocket feed, REST writes,
   *    transactions kept in the SQLite store until the server has them. */
  items_uri = g_strdup_printf ("http://127.0.0.1:%u/items", demo.port);
  changes_uri = g_strdup_printf ("ws://127.0.0.1:%u/changes", demo.port);
  store_path = g_build_filename (demo.dir, "transactions.db", NULL);
  store = syncobj_store_new_for_path (store_path, &error);
  g_assert_no_error (error);
  g_signal_connect (store, "notify::write-error", G_CALLBACK (store_write_error_cb), NULL);
  sync = syncobj_http_sync_new ("todos", items_uri, changes_uri);
  syncobj_http_sync_set_reconnect_delay (sync, 200);
  g_signal_connect (sync, "notify::error", G_CALLBACK (sync_error_cb), NULL);
  g_signal_connect (sync, "notify::connected", G_CALLBACK (sync_connected_cb), NULL);
  mutator = syncobj_http_mutator_new (items_uri);
  todos = syncobj_collection_new_with_store ("todos", SYNCOBJ_SYNC (sync), SYNCOBJ_MUTATOR (mutator), store);
  policy = syncobj_retry_policy_new ();
  syncobj_retry_policy_set_initial_delay (policy, 250);
  syncobj_retry_policy_set_max_delay (policy, 1000);
  syncobj_retry_policy_set_max_attempts (policy, 30);
  syncobj_collection_set_retry_policy (todos, policy);
  WAIT_FOR (syncobj_collection_get_ready (todos));
  say ("collection ready: %u to-dos on the server; store %s", syncobj_collection_get_size (todos), store_path);

  /* 3. Optimistic changes while the server is up. */
  say ("three to-dos, one marked done:");
  g_ptr_array_add (transactions, insert_todo (todos, "t1", "Buy milk"));
  g_ptr_array_add (transactions, insert_todo (todos, "t2", "Write the report"));
  g_ptr_array_add (transactions, insert_todo (todos, "t3", "Call Alice"));
  g_ptr_array_add (transactions, mark_done (todos, "t1"));
  WAIT_FOR (all_finished (transactions));

  /* 4. The server crashes; changes go on, visible at once, and retry. */
  say ("the server crashes (SIGKILL); changes go on:");
  server_kill ();
  g_ptr_array_add (transactions, insert_todo (todos, "t4", "Water the plants"));
  g_ptr_array_add (transactions, mark_done (todos, "t2"));
  g_ptr_array_add (transactions, delete_todo (todos, "t3"));
  say ("what the user sees meanwhile:");
  print_collection (todos);
  g_timeout_add (1500, restart_cb, NULL);
  WAIT_FOR (all_finished (transactions));
  WAIT_FOR (syncobj_http_sync_get_connected (sync));

  /* 5. What reached the server. */
  items = server_get ("/items");
  effects = server_get ("/_admin/effects");
  if (effects != NULL && json_parser_load_from_data (parser, effects, -1, NULL) &&
      JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)))
    n_effects = json_array_get_length (json_node_get_array (json_parser_get_root (parser)));
  for (guint i = 0; i < transactions->len; i++)
    if (syncobj_transaction_get_state (g_ptr_array_index (transactions, i)) != SYNCOBJ_TRANSACTION_STATE_COMPLETED)
      n_failed++;

  say ("the collection now:");
  print_collection (todos);
  say ("the server holds: %s", items != NULL ? items : "(no answer)");
  say ("the server applied %u change(s) for %u transaction(s), each once", n_effects, transactions->len);

  {
    g_autofree char *collection_json = syncobj_collection_to_json (todos);
    g_autoptr(JsonNode) server_node = items != NULL ? json_from_string (items, NULL) : NULL;
    g_autoptr(JsonNode) client_node = json_from_string (collection_json, NULL);

    matches = server_node != NULL && client_node != NULL && json_node_equal (server_node, client_node);
  }

  g_subprocess_send_signal (demo.server, SIGTERM);
  g_subprocess_wait (demo.server, NULL, NULL);
  g_clear_object (&demo.server);
  g_clear_object (&todos);
  remove_dir (demo.dir);

  if (demo.timed_out || n_failed > 0 || n_effects != transactions->len || !matches)
    {
      say ("FAILED: %u transaction(s) did not complete, %u change(s) applied, collection %s the server",
           n_failed, n_effects, matches ? "matches" : "differs from");
      return 1;
    }
  say ("done: every change reached the server exactly once, and the collection matches it");
  return 0;
}
