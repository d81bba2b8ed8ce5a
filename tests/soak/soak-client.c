/* soak-client.c: the client process of the fault-injection soak
 *
 * Opens the collection "items" of the demo server (SyncobjHttpSync +
 * SyncobjHttpMutator) with a durable store file, and issues mutations
 * chosen from what it sees: an absent key is inserted, a present one has
 * its counter "n" increased (and "seq" set to the mutation's index) or,
 * now and then, is deleted. With --member NAME its updates also set NAME
 * to the mutation's index: another client sharing the keys sets its own,
 * and the changes of both must stay. soak (the driver) kills this process with
 * SIGKILL at random moments and starts it again on the same store.
 *
 *   soak-client --port P --store FILE [--keys N] [--seed S] [--window W]
 *               [--queue-scope key|collection] [--couch DB-URI] [--member NAME]
 *               [--verbose]
 *
 * With --couch it writes to the database DB-URI of a CouchDB server
 * (SyncobjCouchSync + SyncobjCouchMutator) instead, records keyed by "_id".
 *
 * With SOAK_TRACE set, it also says on stderr, with timestamps, what it saw
 * (visible and synced value) at each mutation and every state change of
 * its transactions.
 *
 * It speaks with the driver in lines. On stdout, each written with one
 * write(2) (shorter than PIPE_BUF, so never cut by a kill):
 *
 *   recovered TXID STATE      a transaction found in the store on start-up
 *   ready                     the collection has its snapshot
 *   issue INDEX TXID KEY OP JSON
 *                             a committed transaction (OP insert, update or
 *                             delete; JSON the value, the changes or null)
 *   accepted TXID             the transaction is in the store file: printed
 *                             only once a syncobj_store_flush_async() begun
 *                             after its commit has finished
 *   failed TXID MESSAGE       the transaction failed for good
 *   conflict TXID KEY WHAT    the server refused the change of KEY of
 *                             transaction TXID as based on a version it no
 *                             longer has (::conflict); WHAT is "deleted"
 *                             when the server deleted the record, else
 *                             "changed"
 *   sent TXID OP JSON         the transaction completed; what its mutation
 *                             was last sent as (a conflict may have made an
 *                             update an insert and the other way round, and
 *                             rebased its changes)
 *   finished                  everything issued is finished
 *   record KEY JSON           (after "dump") a record the collection shows
 *   dumped                    (after "dump") every record was said
 *
 * On stdin, after "ready": "go NEXT COUNT": issue COUNT mutations, with
 * indices from NEXT on; after "finished": "dump", say what the collection
 * shows, as often as asked, and "quit": exit 0.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <syncobj.h>

#include <gio/gunixinputstream.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#define FLUSH_BATCH 16

typedef struct
{
  SyncobjCollection *collection;
  SyncobjStore      *store;
  GMainLoop         *loop;
  GDataInputStream  *input;
  guint              n_keys;
  guint              seed;
  guint              window;
  const char        *key_member;
  const char        *own_member;      /* nullable: set by its updates alone */

  gboolean           going;
  guint64            next_index;
  guint64            remaining;
  guint              active;          /* issued or recovered, not finished */
  guint              n_finished;
  GPtrArray         *unflushed;       /* SyncobjTransaction, issued since the last flush began */
  gboolean           flushing;
  gboolean           done;
} Client;

static Client client;

static void
emit (const char *format,
      ...) G_GNUC_PRINTF (1, 2);

/* One line, one write(2): a kill never leaves half of it. */
static void
emit (const char *format,
      ...)
{
  va_list args;
  g_autofree char *text = NULL;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  fputs (text, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

static void try_issue (void);

static gboolean tracing;

static char *
value_text (JsonObject *value)
{
  g_autoptr(JsonNode) node = NULL;

  if (value == NULL)
    return g_strdup ("absent");
  node = json_node_init_object (json_node_alloc (), value);
  return json_to_string (node, FALSE);
}

static char *
transaction_keys (SyncobjTransaction *transaction)
{
  GListModel *mutations = syncobj_transaction_get_mutations (transaction);
  g_autoptr(GString) keys = g_string_new ("");

  for (guint i = 0; i < g_list_model_get_n_items (mutations); i++)
    {
      g_autoptr(SyncobjPendingMutation) mutation = g_list_model_get_item (mutations, i);

      g_string_append_printf (keys, "%s%s", i > 0 ? "," : "", syncobj_pending_mutation_get_key (mutation));
    }
  return g_string_free (g_steal_pointer (&keys), FALSE);
}

/* SOAK_TRACE=1: what the client saw, on stderr, to find out why. */
static void
trace (const char *format,
       ...) G_GNUC_PRINTF (1, 2);

static void
trace (const char *format,
       ...)
{
  va_list args;
  g_autofree char *text = NULL;

  if (!tracing)
    return;
  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "trace %.6f %s\n", g_get_real_time () / 1e6, text);
}

static void
check_finished (void)
{
  if (client.going && !client.done && client.remaining == 0 && client.active == 0 &&
      !client.flushing && client.unflushed->len == 0)
    {
      client.done = TRUE;
      emit ("finished");
    }
}

/* What the mutation of a completed transaction was last sent as. */
static void
emit_sent (SyncobjTransaction *transaction)
{
  GListModel *mutations = syncobj_transaction_get_mutations (transaction);
  g_autoptr(SyncobjPendingMutation) mutation = g_list_model_get_item (mutations, 0);
  g_autofree char *changes = NULL;
  const char *op;

  if (mutation == NULL)
    return;
  switch (syncobj_pending_mutation_get_mutation_type (mutation))
    {
    case SYNCOBJ_MUTATION_TYPE_INSERT:
      op = "insert";
      break;
    case SYNCOBJ_MUTATION_TYPE_UPDATE:
      op = "update";
      break;
    default:
      op = "delete";
      break;
    }
  changes = value_text (syncobj_pending_mutation_get_changes (mutation));
  emit ("sent %s %s %s", syncobj_transaction_get_id (transaction), op, changes);
}

static void
state_cb (SyncobjTransaction *transaction,
          GParamSpec         *pspec,
          gpointer            user_data)
{
  if (tracing)
    {
      g_autofree char *keys = transaction_keys (transaction);

      trace ("state %s %s %s", syncobj_transaction_get_id (transaction), keys,
             syncobj_transaction_get_state_name (transaction));
    }
  if (!syncobj_transaction_is_finished (transaction) ||
      g_object_get_data (G_OBJECT (transaction), "soak-finished") != NULL)
    return;

  g_object_set_data (G_OBJECT (transaction), "soak-finished", GINT_TO_POINTER (1));
  if (syncobj_transaction_get_state (transaction) == SYNCOBJ_TRANSACTION_STATE_COMPLETED)
    emit_sent (transaction);
  else if (syncobj_transaction_get_state (transaction) == SYNCOBJ_TRANSACTION_STATE_FAILED)
    {
      const GError *error = syncobj_transaction_get_error (transaction);
      g_autofree char *message = g_strdup (error != NULL ? error->message : "no error");

      g_strdelimit (message, "\n\r", ' ');
      emit ("failed %s %s", syncobj_transaction_get_id (transaction), message);
    }

  g_assert (client.active > 0);
  client.active--;
  /* The registry keeps every transaction: let go of finished ones now
   * and then, as a long-running application would. */
  if (++client.n_finished % 1000 == 0)
    syncobj_registry_forget_finished (syncobj_registry_get_default ());
  try_issue ();
  check_finished ();
}

static void
watch (SyncobjTransaction *transaction)
{
  client.active++;
  g_signal_connect (transaction, "notify::state", G_CALLBACK (state_cb), NULL);
  state_cb (transaction, NULL, NULL);
}

static void
flushed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GPtrArray) batch = user_data;
  g_autoptr(GError) error = NULL;

  client.flushing = FALSE;
  if (!syncobj_store_flush_finish (SYNCOBJ_STORE (source), result, &error))
    g_error ("cannot flush the store: %s", error->message);

  for (guint i = 0; i < batch->len; i++)
    emit ("accepted %s", syncobj_transaction_get_id (g_ptr_array_index (batch, i)));

  try_issue ();
  check_finished ();
}

static void
start_flush (void)
{
  GPtrArray *batch;

  if (client.flushing || client.unflushed->len == 0)
    return;

  batch = g_steal_pointer (&client.unflushed);
  client.unflushed = g_ptr_array_new_with_free_func (g_object_unref);
  client.flushing = TRUE;
  syncobj_store_flush_async (client.store, NULL, flushed_cb, batch);
}

/* Mutation INDEX: its key and what it does follow from the seed, the index
 * and what the collection shows for the key. The "issue" line is written
 * before the commit: whatever the store holds, the driver knows. */
static SyncobjTransaction *
issue_one (guint64 index)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed ((guint32) (client.seed * 2654435761u + index * 40503u + 1));
  g_autofree char *key = g_strdup_printf ("k%03d", g_rand_int_range (rand, 0, (gint32) client.n_keys));
  JsonObject *visible = syncobj_collection_lookup_value (client.collection, key);
  g_autoptr(SyncobjRecord) record = tracing ? syncobj_collection_lookup (client.collection, key) : NULL;
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(SyncobjTransaction) transaction = syncobj_collection_begin (client.collection);
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  const char *op;
  gboolean ok;

  if (visible == NULL)
    {
      op = "insert";
      json_object_set_string_member (body, client.key_member, key);
      json_object_set_int_member (body, "n", 0);
      json_object_set_int_member (body, "seq", (gint64) index);
      json_object_set_int_member (body, "born", (gint64) index);
      ok = syncobj_transaction_insert (transaction, client.collection, body, &error);
    }
  else if (g_rand_double (rand) < 0.12)
    {
      op = "delete";
      ok = syncobj_transaction_delete (transaction, client.collection, key, &error);
    }
  else
    {
      op = "update";
      json_object_set_int_member (body, "n", json_object_get_int_member_with_default (visible, "n", -1000000) + 1);
      json_object_set_int_member (body, "seq", (gint64) index);
      if (client.own_member != NULL)
        json_object_set_int_member (body, client.own_member, (gint64) index);
      ok = syncobj_transaction_update (transaction, client.collection, key, body, &error);
    }
  if (!ok)
    g_error ("mutation %" G_GUINT64_FORMAT " (%s %s): %s", index, op, key, error->message);

  if (g_str_equal (op, "delete"))
    json = g_strdup ("null");
  else
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), body);
      json = json_to_string (node, FALSE);
    }
  emit ("issue %" G_GUINT64_FORMAT " %s %s %s %s", index, syncobj_transaction_get_id (transaction), key, op, json);
  if (tracing)
    {
      g_autofree char *visible_text = value_text (visible);
      g_autofree char *synced_text = value_text (record != NULL ? syncobj_record_get_synced_value (record) : NULL);

      trace ("issue %" G_GUINT64_FORMAT " %s %s %s visible %s synced %s", index,
             syncobj_transaction_get_id (transaction), key, op, visible_text, synced_text);
    }

  if (!syncobj_transaction_commit (transaction, &error))
    g_error ("mutation %" G_GUINT64_FORMAT " (%s %s): %s", index, op, key, error->message);
  return g_steal_pointer (&transaction);
}

static void
try_issue (void)
{
  guint n = 0;

  if (!client.going || client.done)
    return;

  /* At most FLUSH_BATCH per flush, and at most WINDOW unfinished. */
  while (client.remaining > 0 && client.active < client.window &&
         client.unflushed->len < FLUSH_BATCH)
    {
      SyncobjTransaction *transaction = issue_one (client.next_index);

      client.next_index++;
      client.remaining--;
      g_ptr_array_add (client.unflushed, transaction);
      watch (transaction);
      n++;
    }
  start_flush ();
}

/* Every record the collection shows, one line each. */
static void
dump (void)
{
  g_auto(GStrv) keys = syncobj_collection_get_keys (client.collection);

  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autofree char *text = value_text (syncobj_collection_lookup_value (client.collection, keys[i]));

      emit ("record %s %s", keys[i], text);
    }
  emit ("dumped");
}

static void
command_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (client.input, result, NULL, &error);
  g_auto(GStrv) words = NULL;

  if (line == NULL)
    {
      /* The driver went away. */
      g_printerr ("soak-client: no more commands (%s)\n", error != NULL ? error->message : "end of input");
      exit (3);
    }

  words = g_strsplit (line, " ", -1);
  if (g_strv_length (words) == 3 && g_str_equal (words[0], "go") && !client.going)
    {
      client.next_index = g_ascii_strtoull (words[1], NULL, 10);
      client.remaining = g_ascii_strtoull (words[2], NULL, 10);
      client.going = TRUE;
      try_issue ();
      check_finished ();
    }
  else if (g_str_equal (line, "dump") && client.done)
    dump ();
  else if (g_str_equal (line, "quit") && client.done)
    {
      g_main_loop_quit (client.loop);
      return;
    }
  else
    g_error ("unknown command “%s”", line);
  g_data_input_stream_read_line_async (client.input, G_PRIORITY_DEFAULT, NULL, command_cb, NULL);
}

static void
ready_cb (SyncobjCollection *collection,
          GParamSpec        *pspec,
          gpointer           user_data)
{
  static gboolean said = FALSE;

  if (said || !syncobj_collection_get_ready (collection))
    return;
  said = TRUE;
  emit ("ready");
  g_data_input_stream_read_line_async (client.input, G_PRIORITY_DEFAULT, NULL, command_cb, NULL);
}

/* Only the driver's lines on stdout: every log message goes to stderr,
 * and the library's messages (one per retry, echo timeout…) only with
 * --verbose. */
static GLogWriterOutput
log_writer (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  gboolean verbose = GPOINTER_TO_INT (user_data);
  g_autofree char *text = NULL;

  if (!verbose && (level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG)) != 0)
    return G_LOG_WRITER_HANDLED;
  if ((level & (G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG)) != 0 && g_log_writer_default_would_drop (level, "Syncobj"))
    return G_LOG_WRITER_HANDLED;
  if ((level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) != 0)
    return g_log_writer_default (level, fields, n_fields, NULL);   /* fatal-warnings and all */
  text = g_log_writer_format_fields (level, fields, n_fields, FALSE);
  fprintf (stderr, "%s\n", text);
  return G_LOG_WRITER_HANDLED;
}

static void
conflict_cb (SyncobjCollection *collection,
             const char        *key,
             JsonObject        *local,
             JsonObject        *server,
             gpointer           user_data)
{
  g_autoptr(GListModel) transactions = syncobj_collection_get_transactions (collection);

  /* The transaction on KEY being sent, as a key's transactions go one at
   * a time (those before it may still wait for their echo). */
  for (guint i = 0; i < g_list_model_get_n_items (transactions); i++)
    {
      g_autoptr(SyncobjTransaction) transaction = g_list_model_get_item (transactions, i);
      g_autofree char *keys = transaction_keys (transaction);

      if (g_str_equal (keys, key) &&
          syncobj_transaction_get_state (transaction) == SYNCOBJ_TRANSACTION_STATE_PERSISTING)
        {
          emit ("conflict %s %s %s", syncobj_transaction_get_id (transaction), key,
                server == NULL ? "deleted" : "changed");
          return;
        }
    }
  emit ("conflict - %s %s", key, server == NULL ? "deleted" : "changed");
}

static void
connected_cb (SyncobjHttpSync *sync,
              GParamSpec      *pspec,
              gpointer         user_data)
{
  trace ("sync connected %d", syncobj_http_sync_get_connected (sync));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— the client of the libsyncobj soak");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjSync) sync = NULL;
  g_autoptr(SyncobjMutator) mutator = NULL;
  g_autoptr(SyncobjRetryPolicy) policy = NULL;
  g_autoptr(GInputStream) stdin_stream = NULL;
  g_autoptr(GPtrArray) transactions = NULL;
  GListModel *registry;
  g_autofree char *store_path = NULL;
  g_autofree char *queue_scope = NULL;
  g_autofree char *items_uri = NULL;
  g_autofree char *changes_uri = NULL;
  g_autofree char *couch_uri = NULL;
  g_autofree char *own_member = NULL;
  int port = 0, n_keys = 200, seed = 1, window = 64;
  gboolean verbose = FALSE;
  gboolean default_policy = FALSE;
  GOptionEntry entries[] = {
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "Port of the demo server on 127.0.0.1", "P" },
    { "store", 0, 0, G_OPTION_ARG_FILENAME, &store_path, "The store file", "FILE" },
    { "keys", 0, 0, G_OPTION_ARG_INT, &n_keys, "Number of keys (200)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "Seed of the choices (1)", "S" },
    { "window", 0, 0, G_OPTION_ARG_INT, &window, "Unfinished transactions at most (64)", "W" },
    { "queue-scope", 0, 0, G_OPTION_ARG_STRING, &queue_scope, "key (default) or collection", "SCOPE" },
    { "couch", 0, 0, G_OPTION_ARG_STRING, &couch_uri, "A CouchDB database instead of the demo server", "DB-URI" },
    { "member", 0, 0, G_OPTION_ARG_STRING, &own_member,
      "A member that this client's updates set to their index, and no other client's", "NAME" },
    { "default-policy", 0, 0, G_OPTION_ARG_NONE, &default_policy,
      "Keep the store's default retry policy (1 s to 5 min, no limit)", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Show the library's messages", NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (port <= 0 || store_path == NULL || n_keys <= 0 || window <= 0)
    {
      g_printerr ("soak-client needs --port and --store, and positive --keys and --window\n");
      return 2;
    }

  /* Dies with the driver. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  g_log_set_writer_func (log_writer, GINT_TO_POINTER (verbose), NULL);
  tracing = g_getenv ("SOAK_TRACE") != NULL;

  client.n_keys = (guint) n_keys;
  client.seed = (guint) seed;
  client.own_member = own_member;
  client.window = (guint) window;
  client.unflushed = g_ptr_array_new_with_free_func (g_object_unref);
  client.loop = g_main_loop_new (NULL, FALSE);
  stdin_stream = g_unix_input_stream_new (0, FALSE);
  client.input = g_data_input_stream_new (stdin_stream);

  client.store = syncobj_store_new_for_path (store_path, &error);
  if (client.store == NULL)
    g_error ("cannot open the store %s: %s", store_path, error->message);

  client.key_member = couch_uri != NULL ? "_id" : "id";
  if (couch_uri != NULL)
    {
      SyncobjCouchSync *couch_sync = syncobj_couch_sync_new ("items", couch_uri);
      SyncobjCouchMutator *couch_mutator = syncobj_couch_mutator_new (couch_uri);

      syncobj_couch_sync_set_reconnect_delay (couch_sync, 100);
      syncobj_couch_sync_set_heartbeat (couch_sync, 1000);
      syncobj_couch_mutator_set_sync_timeout (couch_mutator, 1500);
      sync = SYNCOBJ_SYNC (couch_sync);
      mutator = SYNCOBJ_MUTATOR (couch_mutator);
    }
  else
    {
      SyncobjHttpSync *http_sync;
      SyncobjHttpMutator *http_mutator;

      items_uri = g_strdup_printf ("http://127.0.0.1:%d/items", port);
      changes_uri = g_strdup_printf ("ws://127.0.0.1:%d/changes", port);
      http_sync = syncobj_http_sync_new ("items", items_uri, changes_uri);
      syncobj_http_sync_set_reconnect_delay (http_sync, 100);
      http_mutator = syncobj_http_mutator_new (items_uri);
      /* A lost echo (the server killed between its commit and its
       * broadcast) costs this long before the transaction completes
       * anyway. */
      syncobj_http_mutator_set_sync_timeout (http_mutator, 1500);
      sync = SYNCOBJ_SYNC (http_sync);
      mutator = SYNCOBJ_MUTATOR (http_mutator);
    }

  /* Short and many: a transient fault, even a server restart, never
   * fails a transaction for good (60 attempts, delays up to 0.4 s). Or
   * what a collection with a store has by default. */
  if (default_policy)
    policy = syncobj_retry_policy_new_durable ();
  else
    {
      policy = syncobj_retry_policy_new ();
      syncobj_retry_policy_set_initial_delay (policy, 20);
      syncobj_retry_policy_set_factor (policy, 2.0);
      syncobj_retry_policy_set_max_delay (policy, 400);
      syncobj_retry_policy_set_jitter (policy, 0.3);
      syncobj_retry_policy_set_max_attempts (policy, 60);
    }

  /* The queue scope and the retry policy at construction: the collection
   * restores the store's unfinished transactions as it is made, into the
   * lanes of its scope then (setting the scope afterwards would let new
   * writes overtake restored ones on the same key). */
  client.collection = g_object_new (SYNCOBJ_TYPE_COLLECTION,
                                    "id", "items",
                                    "key-member", client.key_member,
                                    "sync", sync,
                                    "mutator", mutator,
                                    "store", client.store,
                                    "queue-scope", g_strcmp0 (queue_scope, "collection") == 0
                                                   ? SYNCOBJ_QUEUE_SCOPE_COLLECTION : SYNCOBJ_QUEUE_SCOPE_KEY,
                                    "retry-policy", policy,
                                    NULL);

  /* What the store gave back: every transaction of an earlier run of
   * this client that reached the file, finished or not. */
  transactions = g_ptr_array_new_with_free_func (g_object_unref);
  registry = syncobj_registry_get_transactions (syncobj_registry_get_default ());
  for (guint i = 0; i < g_list_model_get_n_items (registry); i++)
    g_ptr_array_add (transactions, g_list_model_get_item (registry, i));
  for (guint i = 0; i < transactions->len; i++)
    {
      SyncobjTransaction *transaction = g_ptr_array_index (transactions, i);

      emit ("recovered %s %s", syncobj_transaction_get_id (transaction),
            syncobj_transaction_get_state_name (transaction));
      if (syncobj_transaction_get_state (transaction) == SYNCOBJ_TRANSACTION_STATE_FAILED)
        g_object_set_data (G_OBJECT (transaction), "soak-finished", GINT_TO_POINTER (1));
      else
        watch (transaction);
    }

  g_signal_connect (client.collection, "notify::ready", G_CALLBACK (ready_cb), NULL);
  g_signal_connect (client.collection, "conflict", G_CALLBACK (conflict_cb), NULL);
  if (tracing && SYNCOBJ_IS_HTTP_SYNC (sync))
    g_signal_connect (sync, "notify::connected", G_CALLBACK (connected_cb), NULL);
  ready_cb (client.collection, NULL, NULL);

  g_main_loop_run (client.loop);

  /* Leave as the driver expects: everything finished, nothing to keep. */
  g_clear_object (&client.collection);
  g_clear_object (&client.input);
  g_clear_pointer (&client.unflushed, g_ptr_array_unref);
  g_clear_object (&client.store);
  g_main_loop_unref (client.loop);
  return 0;
}
