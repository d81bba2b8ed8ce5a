/* soak.c: the fault-injection soak of libsyncobj
 *
 * Runs the demo server (examples/server/) on 127.0.0.1 with random faults
 * switched on (5xx before or after applying, dropped connections before or
 * after applying, delays, an HTML page instead of the API's answer, an
 * answer cut in half after applying), and soak-client, which issues MUTATIONS
 * mutations over KEYS keys through SyncobjHttpMutator with a durable store
 * file. Meanwhile the server is killed with SIGKILL and restarted on the
 * same port and database SERVER_RESTARTS times, the client is killed with
 * SIGKILL and restarted on the same store CLIENT_RESTARTS times, and the
 * server closes the WebSockets now and then. With --outages N, the first N
 * server kills keep it down for 30 to 120 s (--outage-ms) while the client
 * goes on. The client retries quickly (20 to 400 ms, 60 attempts) unless
 * --default-policy keeps the store's default (1 s to 5 min, no limit).
 * Everything stops by itself.
 *
 * What counts as accepted. A mutation is accepted when its transaction was
 * committed without error and is in the client's store file: the client
 * says "accepted" only after a store flush begun after the commit has
 * finished, or a restarted client finds the transaction in the store. A
 * mutation committed but not yet in the file when the client was killed
 * is not accepted: it was never sent either (a transaction is stored
 * before its first attempt), and the restarted client issues others in its
 * place, until MUTATIONS are accepted.
 *
 * At the end, with every transaction finished, the driver reads the
 * server's effects log (each applied change with its Idempotency-Key,
 * "<transaction id>-<mutation id>") and its records, and checks:
 *
 * - lost: an accepted mutation the server never applied;
 * - duplicated: a mutation applied more than once;
 * - order violations: per key, a mutation applied after a later one;
 * - unaccepted applied: a change the server applied for no accepted
 *   mutation;
 * - permanent failures: transactions that failed for good (transient
 *   faults should never do that with the client's retry policy);
 * - state mismatches: keys whose record on the server differs from what
 *   replaying the accepted mutations in order gives.
 *
 * - clients not showing the server's records: at the end, each client
 *   lists what its collection shows ("dump"), which must be the server's
 *   records within 15 s (not with --couch).
 *
 * With --clients 2, two client processes, each with its own store and
 * killed and restarted on its own, issue half the mutations each over the
 * same keys, against the demo server with --versions: their conflicts
 * resolve through the library's default policy (REBASE), and the checks
 * follow the server's order instead of one client's (soak-shared.c).
 *
 * Prints one JSON line of figures and a summary; exits 1 if any of these
 * is not 0 (or a process misbehaved, or --timeout passed).
 *
 *   soak [--mutations 10000] [--keys 200] [--clients 1] [--server-restarts 5]
 *        [--client-restarts 5] [--outages 0 [--outage-ms 30000-120000]]
 *        [--default-policy] [--seed S] [--queue-scope key|collection]
 *        [--timeout 600] [--server PATH] [--client PATH] [--keep]
 *        [--verbose] [--sabotage] [--couch [--pouchdb PATH]]
 *
 * With --couch the server is PouchDB Server (pouchdb-server from npm:
 * --pouchdb or $SYNCOBJ_POUCHDB_SERVER) on a data directory, and the client
 * writes through SyncobjCouchMutator and follows SyncobjCouchSync. It
 * injects no faults of its own: the server and the client are killed and
 * restarted as above. What the server applied comes from each document's
 * revision history (soak-couch.c) instead of an effects log.
 *
 * SOAK_TRACE=1 makes the client say on stderr what it saw at each
 * mutation and each transaction state change.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "soak-couch.h"
#include "soak-shared.h"

#define SOAK_MAX_CLIENTS 2
/* Client C issues mutations C × SOAK_INDEX_STRIDE, C × SOAK_INDEX_STRIDE + 1, … */
#define SOAK_INDEX_STRIDE G_GUINT64_CONSTANT (1000000000)
/* How long the clients have to show the server's records at the end. */
#define SOAK_CONVERGE_ROUNDS 60
#define SOAK_CONVERGE_INTERVAL_MS 250

static void
mutation_free (Mutation *m)
{
  g_free (m->txid);
  g_free (m->key);
  g_free (m->op);
  g_free (m->recovered);
  g_free (m->sent_op);
  g_clear_pointer (&m->sent, json_object_unref);
  g_clear_pointer (&m->body, json_object_unref);
  g_free (m);
}

/* One client: a process, killed and restarted on its store file. */
typedef struct
{
  guint          id;
  char          *store_path;
  GSubprocess   *process;
  GOutputStream *in;
  guint          generation;
  guint          restart_after_generation;   /* 0: none */
  guint          runs;
  guint          kills;
  guint64       *kill_at;          /* its accepted counts */
  int            kill_countdown;   /* lines to let by before the kill; -1: none due */
  gboolean       kill_on_issue;    /* the pending kill counts only "issue" lines */
  gboolean       finished;
  gboolean       quitting;         /* told to quit, after the last check */
  guint64        share;            /* mutations it is to have accepted */
  guint64        n_accepted;
  guint64        next_index;
  GHashTable    *dump;             /* key → record: what it showed last */
  gboolean       dumping;
} SoakClient;

typedef struct
{
  /* options */
  guint64      n_mutations;
  int          n_keys;
  int          n_server_restarts;
  int          n_client_restarts;
  int          n_outages;
  int          outage_min_ms;
  int          outage_max_ms;
  gboolean     default_policy;
  int          seed;
  int          timeout_s;
  char        *server_path;
  char        *client_path;
  char        *queue_scope;
  gboolean     keep;
  gboolean     verbose;
  gboolean     sabotage;
  gboolean     couch;
  char        *pouchdb_path;

  GMainLoop   *loop;
  GRand       *rand;
  char        *dir;
  char        *db_path;
  SoupSession *session;
  gint64       started_us;

  /* the server */
  GSubprocess *server;
  guint        port;
  gboolean     server_up;
  guint        server_kills;
  guint64     *server_kill_at;   /* accepted counts */
  guint        ws_disconnects;
  guint64      next_disconnect_at;

  /* the clients */
  int          n_clients;
  SoakClient   clients[SOAK_MAX_CLIENTS];
  gboolean     started;
  guint        converge_rounds;   /* of the final check that the clients show the server's records */
  guint        n_dumps;           /* clients that answered the current round */
  guint64      diverged;          /* clients that did not show the server's records in time */
  guint64      n_conflicts;       /* that the clients' collections resolved */

  /* what happened */
  GHashTable  *by_txid;        /* txid → Mutation (owned by mutations) */
  GPtrArray   *mutations;      /* Mutation, in issue order (= index order) */
  GHashTable  *failed_txids;   /* txid → message, for transactions not issued by this run */
  guint64      n_accepted;
  guint64      n_accepted_on_recovery;   /* in the store, not yet said accepted at the kill */
  gboolean     failed_run;
  gboolean     verified;
  char        *failure;
} Soak;

static Soak soak;

static void
fail_run (const char *format,
          ...) G_GNUC_PRINTF (1, 2);

static void
fail_run (const char *format,
          ...)
{
  va_list args;

  if (soak.failed_run)
    return;
  va_start (args, format);
  soak.failure = g_strdup_vprintf (format, args);
  va_end (args);
  soak.failed_run = TRUE;
  g_printerr ("soak: %s\n", soak.failure);
  g_main_loop_quit (soak.loop);
}

static double
elapsed_s (void)
{
  return (g_get_monotonic_time () - soak.started_us) / 1e6;
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* ---- admin requests (loopback, never faulted, answered at once) ---------- */

static char *
admin (const char *method,
       const char *path,
       const char *body)
{
  g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u%s", soak.port, path);
  g_autoptr(SoupMessage) message = soup_message_new (method, uri);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;

  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (message, "application/json", bytes);
    }
  answer = soup_session_send_and_read (soak.session, message, NULL, &error);
  if (answer == NULL || soup_message_get_status (message) != SOUP_STATUS_OK)
    {
      fail_run ("%s %s: %s", method, path, error != NULL ? error->message : soup_message_get_reason_phrase (message));
      return NULL;
    }
  return g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
}

/* ---- the server ------------------------------------------------------------ */

static void verify (void);
static void client_start (SoakClient *c);
static void clients_check_start (void);

static gboolean
all_finished (void)
{
  for (int i = 0; i < soak.n_clients; i++)
    if (!soak.clients[i].finished)
      return FALSE;
  return TRUE;
}

static guint
total_client_kills (void)
{
  guint kills = 0;

  for (int i = 0; i < soak.n_clients; i++)
    kills += soak.clients[i].kills;
  return kills;
}

/* The server answers: the run starts, or goes on. */
static void
server_answers (void)
{
  soak.server_up = TRUE;
  if (!soak.started)
    {
      soak.started = TRUE;
      for (int i = 0; i < soak.n_clients; i++)
        client_start (&soak.clients[i]);
    }
  else if (all_finished ())
    clients_check_start ();
}

static void
server_line_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GDataInputStream) output = G_DATA_INPUT_STREAM (source);
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (output, result, NULL, NULL);
  g_autofree char *faults = NULL;
  g_autofree char *answer = NULL;
  guint port;

  if (line == NULL || !g_str_has_prefix (line, "PORT "))
    {
      fail_run ("the demo server did not start (%s)", line != NULL ? line : "no output");
      return;
    }
  port = (guint) g_ascii_strtoull (line + 5, NULL, 10);
  if (soak.port != 0 && port != soak.port)
    {
      fail_run ("the demo server came back on port %u instead of %u", port, soak.port);
      return;
    }
  soak.port = port;

  /* Faults for every write request, drawn by the server. */
  faults = g_strdup_printf ("{\"p_fail\": 0.04, \"p_fail_after_apply\": 0.02, \"p_drop\": 0.02,"
                            " \"p_drop_after_apply\": 0.02, \"p_delay\": 0.05, \"max_delay_ms\": 150,"
                            " \"p_html\": 0.01, \"p_truncate\": 0.01,"
                            " \"seed\": %u, \"ignore_idempotency\": %s}", g_rand_int (soak.rand),
                            soak.sabotage ? "true" : "false");
  answer = admin ("POST", "/_admin/faults", faults);
  if (answer == NULL)
    return;
  server_answers ();
}

static void
couch_server_start (void)
{
  g_autoptr(GError) error = NULL;

  if (soak.port == 0)
    soak.port = soak_couch_free_port ();
  soak.server = soak_couch_start (soak.pouchdb_path, soak.dir, soak.port, soak.session, &error);
  if (soak.server == NULL)
    {
      fail_run ("cannot start PouchDB Server %s: %s", soak.pouchdb_path, error->message);
      return;
    }
  server_answers ();
}

static void
server_start (void)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GError) error = NULL;
  g_autofree char *port = g_strdup_printf ("--port=%u", soak.port);
  g_autofree char *db = g_strdup_printf ("--db=%s", soak.db_path);
  GDataInputStream *output;

  if (soak.couch)
    {
      couch_server_start ();
      return;
    }
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  /* Clients that share keys write with If-Match: records have versions. */
  soak.server = g_subprocess_launcher_spawn (launcher, &error, soak.server_path, port, db,
                                             soak.n_clients > 1 ? "--versions" : NULL, NULL);
  if (soak.server == NULL)
    {
      fail_run ("cannot start the demo server %s: %s", soak.server_path, error->message);
      return;
    }
  output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (soak.server));
  g_data_input_stream_read_line_async (output, G_PRIORITY_DEFAULT, NULL, server_line_cb, NULL);
}

static gboolean
server_restart_cb (gpointer data)
{
  server_start ();
  return G_SOURCE_REMOVE;
}

static void
server_kill (void)
{
  g_subprocess_send_signal (soak.server, SIGKILL);
  g_subprocess_wait (soak.server, NULL, NULL);
  g_clear_object (&soak.server);
  soak.server_up = FALSE;
  soak.server_kills++;
  if (soak.verbose)
    g_printerr ("[%6.2f s] server killed (%u), %" G_GUINT64_FORMAT " accepted\n",
                elapsed_s (), soak.server_kills, soak.n_accepted);
  /* The first kills are outages: down for OUTAGE_MIN_MS to OUTAGE_MAX_MS,
   * while the client keeps issuing mutations, which wait. The others are
   * down for up to a fifth of a second: retries meet a refused
   * connection, the WebSocket reconnects. */
  if ((int) soak.server_kills <= soak.n_outages)
    {
      int down_ms = g_rand_int_range (soak.rand, soak.outage_min_ms, soak.outage_max_ms + 1);

      if (soak.verbose)
        g_printerr ("[%6.2f s] server down for %d ms\n", elapsed_s (), down_ms);
      g_timeout_add ((guint) down_ms, server_restart_cb, NULL);
    }
  else
    g_timeout_add (g_rand_int_range (soak.rand, 0, 200), server_restart_cb, NULL);
}

/* ---- the clients ------------------------------------------------------------- */

static void client_line_cb (GObject *source, GAsyncResult *result, gpointer user_data);

/* What client_line_cb() is given: the client and its generation. */
#define LINE_TAG(c, generation) GUINT_TO_POINTER ((generation) * SOAK_MAX_CLIENTS + (c)->id)
#define LINE_TAG_CLIENT(tag) (&soak.clients[GPOINTER_TO_UINT (tag) % SOAK_MAX_CLIENTS])
#define LINE_TAG_GENERATION(tag) (GPOINTER_TO_UINT (tag) / SOAK_MAX_CLIENTS)

static void
client_say (SoakClient *c,
            const char *command)
{
  if (c->in == NULL ||
      !g_output_stream_write_all (c->in, command, strlen (command), NULL, NULL, NULL))
    fail_run ("cannot talk to client %u", c->id);
}

static gboolean
all_ended (void)
{
  for (int i = 0; i < soak.n_clients; i++)
    if (soak.clients[i].process != NULL)
      return FALSE;
  return TRUE;
}

/* The client closed its output: killed on purpose, or done. */
static void
client_ended (SoakClient *c)
{
  g_autoptr(GSubprocess) process = g_steal_pointer (&c->process);

  g_clear_object (&c->in);
  g_subprocess_wait (process, NULL, NULL);
  if (!c->quitting || !g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    {
      fail_run ("client %u ended on its own before finishing (%s %d)", c->id,
                g_subprocess_get_if_signaled (process) ? "signal" : "status",
                g_subprocess_get_if_signaled (process) ? g_subprocess_get_term_sig (process)
                                                       : g_subprocess_get_exit_status (process));
      return;
    }
  if (soak.server_up && all_ended ())
    verify ();
}

static void
client_start (SoakClient *c)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GError) error = NULL;
  g_autofree char *port = g_strdup_printf ("--port=%u", soak.port);
  g_autofree char *store = g_strdup_printf ("--store=%s", c->store_path);
  g_autofree char *keys = g_strdup_printf ("--keys=%d", soak.n_keys);
  g_autofree char *seed = g_strdup_printf ("--seed=%d", soak.seed);
  g_autofree char *scope = g_strdup_printf ("--queue-scope=%s", soak.queue_scope);
  g_autofree char *couch = g_strdup_printf ("--couch=http://127.0.0.1:%u/db", soak.port);
  g_autofree char *member = g_strdup_printf ("--member=m%u", c->id);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  GDataInputStream *output;

  g_ptr_array_add (args, soak.client_path);
  g_ptr_array_add (args, port);
  g_ptr_array_add (args, store);
  g_ptr_array_add (args, keys);
  g_ptr_array_add (args, seed);
  g_ptr_array_add (args, scope);
  if (soak.couch)
    g_ptr_array_add (args, couch);
  if (soak.n_clients > 1)
    g_ptr_array_add (args, member);
  if (soak.default_policy)
    g_ptr_array_add (args, "--default-policy");
  if (soak.verbose)
    g_ptr_array_add (args, "--verbose");
  g_ptr_array_add (args, NULL);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  c->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) args->pdata, &error);
  if (c->process == NULL)
    {
      fail_run ("cannot start the client %s: %s", soak.client_path, error->message);
      return;
    }
  c->generation++;
  c->runs++;
  c->in = g_object_ref (g_subprocess_get_stdin_pipe (c->process));
  output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (c->process));
  g_data_input_stream_read_line_async (output, G_PRIORITY_DEFAULT, NULL, client_line_cb,
                                       LINE_TAG (c, c->generation));
}

/* The next process of this client starts once every line of this one is
 * read (its end of file): the driver must know all it issued before the
 * next says what it recovered. */
static void
client_kill (SoakClient *c)
{
  c->restart_after_generation = c->generation;
  c->generation++;
  g_subprocess_send_signal (c->process, SIGKILL);
  /* Gone for good before the next one opens the store: a store file takes
   * one process at a time. */
  g_subprocess_wait (c->process, NULL, NULL);
  g_clear_object (&c->process);
  g_clear_object (&c->in);
  c->kills++;
  c->kill_countdown = -1;
  if (soak.verbose)
    g_printerr ("[%6.2f s] client %u killed (%u), %" G_GUINT64_FORMAT " accepted, %u issued\n",
                elapsed_s (), c->id, c->kills, c->n_accepted, soak.mutations->len);
}

static void
accept_mutation (Mutation *m)
{
  if (m->accepted)
    return;
  m->accepted = TRUE;
  soak.n_accepted++;
  soak.clients[m->client].n_accepted++;
}

static Mutation *
lookup_txid (SoakClient *c,
             const char *txid,
             const char *line)
{
  Mutation *m = g_hash_table_lookup (soak.by_txid, txid);

  if (m == NULL || m->client != c->id)
    {
      fail_run ("client %u names a transaction it never issued: %s", c->id, line);
      return NULL;
    }
  return m;
}

/* "record KEY JSON" lines of a dump: what the client shows. */
static void
handle_record (SoakClient *c,
               const char *key,
               const char *json,
               const char *line)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);

  if (!c->dumping || node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      fail_run ("unexpected line from client %u: %s", c->id, line);
      return;
    }
  g_hash_table_replace (c->dump, g_strdup (key), json_object_ref (json_node_get_object (node)));
}

static void clients_dumped (void);

static void
handle_line (SoakClient *c,
             const char *line)
{
  g_auto(GStrv) words = g_strsplit (line, " ", 6);
  guint n = g_strv_length (words);

  if (n == 0)
    return;

  if (g_str_equal (words[0], "issue") && n == 6)
    {
      Mutation *m = g_new0 (Mutation, 1);

      m->index = g_ascii_strtoull (words[1], NULL, 10);
      m->txid = g_strdup (words[2]);
      m->key = g_strdup (words[3]);
      m->op = g_strdup (words[4]);
      m->client = c->id;
      m->generation = c->runs;
      if (!g_str_equal (m->op, "delete"))
        {
          g_autoptr(JsonNode) node = json_from_string (words[5], NULL);

          if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
            {
              mutation_free (m);
              fail_run ("unreadable line from client %u: %s", c->id, line);
              return;
            }
          m->body = json_object_ref (json_node_get_object (node));
        }
      if (m->index != c->next_index)
        {
          mutation_free (m);
          fail_run ("client %u issued mutation %s, expected %" G_GUINT64_FORMAT, c->id, words[1], c->next_index);
          return;
        }
      c->next_index++;
      g_ptr_array_add (soak.mutations, m);
      g_hash_table_insert (soak.by_txid, m->txid, m);
    }
  else if (g_str_equal (words[0], "accepted") && n == 2)
    {
      Mutation *m = lookup_txid (c, words[1], line);

      if (m != NULL)
        accept_mutation (m);
    }
  else if (g_str_equal (words[0], "recovered") && n == 3)
    {
      Mutation *m = lookup_txid (c, words[1], line);

      if (m != NULL)
        {
          if (!m->accepted)
            soak.n_accepted_on_recovery++;
          accept_mutation (m);
          if (m->recovered == NULL)
            m->recovered = g_strdup (words[2]);
          if (g_str_equal (words[2], "failed"))
            m->failed = TRUE;
        }
    }
  else if (g_str_equal (words[0], "failed") && n >= 2)
    {
      Mutation *m = lookup_txid (c, words[1], line);

      if (m != NULL)
        m->failed = TRUE;
      g_printerr ("soak: transaction failed for good: %s\n", line + strlen ("failed "));
    }
  else if (g_str_equal (words[0], "sent") && n == 4)
    {
      Mutation *m = lookup_txid (c, words[1], line);
      g_autoptr(JsonNode) node = json_from_string (words[3], NULL);

      if (m != NULL && node != NULL && JSON_NODE_HOLDS_OBJECT (node))
        {
          g_free (m->sent_op);
          g_clear_pointer (&m->sent, json_object_unref);
          m->sent_op = g_strdup (words[2]);
          m->sent = json_object_ref (json_node_get_object (node));
        }
      else if (m != NULL)
        fail_run ("unreadable line from client %u: %s", c->id, line);
    }
  else if (g_str_equal (words[0], "conflict") && n == 4)
    {
      Mutation *m = g_str_equal (words[1], "-") ? NULL : lookup_txid (c, words[1], line);

      soak.n_conflicts++;
      if (m == NULL && !soak.failed_run)
        fail_run ("client %u cannot tell which transaction conflicted: %s", c->id, line);
      if (m != NULL && g_str_equal (words[3], "deleted"))
        m->reinserted = TRUE;
    }
  else if (g_str_equal (words[0], "ready") && n == 1)
    {
      g_autofree char *command = g_strdup_printf ("go %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT "\n",
                                                  c->next_index, c->share - MIN (c->n_accepted, c->share));

      client_say (c, command);
    }
  else if (g_str_equal (words[0], "finished") && n == 1)
    {
      c->finished = TRUE;
      if (all_finished () && soak.server_up)
        clients_check_start ();
    }
  else if (g_str_equal (words[0], "record") && n == 3)
    handle_record (c, words[1], words[2], line);
  else if (g_str_equal (words[0], "dumped") && n == 1 && c->dumping)
    {
      c->dumping = FALSE;
      if (++soak.n_dumps == (guint) soak.n_clients)
        clients_dumped ();
    }
  else
    fail_run ("unexpected line from client %u: %s", c->id, line);
}

/* Faults whose moment depends on progress: kills, WebSocket closes. */
static void
maybe_inject (SoakClient *c,
              gboolean    is_issue)
{
  if (c->finished)
    return;

  if (soak.server_up && (int) soak.server_kills < soak.n_server_restarts &&
      soak.n_accepted >= soak.server_kill_at[soak.server_kills])
    server_kill ();

  if (soak.server_up && !soak.couch && soak.n_accepted >= soak.next_disconnect_at)
    {
      g_autofree char *answer = admin ("POST", "/_admin/disconnect", "");

      soak.ws_disconnects++;
      soak.next_disconnect_at += MAX (soak.n_mutations / 10, 1) + g_rand_int_range (soak.rand, 0, 50);
    }

  if (c->kill_countdown < 0 && (int) c->kills < soak.n_client_restarts &&
      c->n_accepted >= c->kill_at[c->kills])
    /* A random number of lines later, so that the kill falls anywhere:
     * mid-flush, mid-request, with a retry scheduled… */
    {
      /* Half of the kills count only "issue" lines: they fall while the
       * client commits and flushes, between its store and its word. */
      c->kill_on_issue = g_rand_boolean (soak.rand);
      c->kill_countdown = g_rand_int_range (soak.rand, 0, c->kill_on_issue ? 16 : 48);
    }

  if (c->kill_countdown >= 0 && (!c->kill_on_issue || is_issue) &&
      c->kill_countdown-- == 0)
    client_kill (c);
}

static void
client_line_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GDataInputStream *output = G_DATA_INPUT_STREAM (source);
  SoakClient *c = LINE_TAG_CLIENT (user_data);
  guint generation = LINE_TAG_GENERATION (user_data);
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (output, result, NULL, NULL);

  /* A killed client's last lines still count: they were written. */
  if (line == NULL)
    {
      g_object_unref (output);
      if (generation == c->restart_after_generation && !soak.failed_run)
        {
          c->restart_after_generation = 0;
          client_start (c);
        }
      else if (generation == c->generation && !soak.failed_run)
        client_ended (c);
      return;
    }
  handle_line (c, line);
  if (soak.failed_run)
    {
      g_object_unref (output);
      return;
    }
  if (generation == c->generation)
    maybe_inject (c, g_str_has_prefix (line, "issue "));
  g_data_input_stream_read_line_async (output, G_PRIORITY_DEFAULT, NULL, client_line_cb, user_data);
}

/* ---- the clients show the server's records ------------------------------------ */

/* Everything finished: every client is asked what it shows ("dump"),
 * until each shows the server's records or SOAK_CONVERGE_ROUNDS rounds
 * passed; then they quit, and the verdict follows. Not with --couch,
 * whose records the driver reads otherwise. */
static void
clients_quit (void)
{
  for (int i = 0; i < soak.n_clients; i++)
    {
      soak.clients[i].quitting = TRUE;
      client_say (&soak.clients[i], "quit\n");
    }
}

static void
clients_dump (void)
{
  soak.n_dumps = 0;
  soak.converge_rounds++;
  for (int i = 0; i < soak.n_clients; i++)
    {
      SoakClient *c = &soak.clients[i];

      g_hash_table_remove_all (c->dump);
      c->dumping = TRUE;
      client_say (c, "dump\n");
    }
}

static void
clients_check_start (void)
{
  if (soak.converge_rounds > 0 || soak.clients[0].quitting || soak.failed_run)
    return;
  if (soak.couch)
    clients_quit ();
  else
    clients_dump ();
}

static gboolean
clients_dump_cb (gpointer data)
{
  if (!soak.failed_run)
    clients_dump ();
  return G_SOURCE_REMOVE;
}

/* Whether @dump (key → record) holds the records of @items, no more. */
static gboolean
shows (GHashTable *dump,
       JsonArray  *items,
       GString    *why)
{
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      const char *id = json_object_get_string_member_with_default (item, "id", NULL);
      /* A record whose key the server made up (no "id" string) was
       * never the clients'. */
      JsonObject *shown = id != NULL ? g_hash_table_lookup (dump, id) : NULL;

      if (shown == NULL || !json_object_equal (shown, item))
        {
          g_autoptr(JsonNode) server = json_node_init_object (json_node_alloc (), item);
          g_autoptr(JsonNode) client = shown != NULL ? json_node_init_object (json_node_alloc (), shown) : NULL;
          g_autofree char *server_text = json_to_string (server, FALSE);
          g_autofree char *client_text = client != NULL ? json_to_string (client, FALSE) : g_strdup ("missing");

          g_string_append_printf (why, " %s is %s on the server, %s on the client;",
                                  id != NULL ? id : "(no id)", server_text, client_text);
          return FALSE;
        }
    }
  if (g_hash_table_size (dump) != json_array_get_length (items))
    {
      g_string_append_printf (why, " %u records shown, %u on the server;", g_hash_table_size (dump),
                              json_array_get_length (items));
      return FALSE;
    }
  return TRUE;
}

static void
clients_dumped (void)
{
  g_autofree char *text = admin ("GET", "/items", NULL);
  g_autoptr(JsonNode) items = text != NULL ? json_from_string (text, NULL) : NULL;
  g_autoptr(GString) why = g_string_new ("");
  guint64 differing = 0;

  if (items == NULL || !JSON_NODE_HOLDS_ARRAY (items))
    {
      fail_run ("cannot read the server's records");
      return;
    }
  for (int i = 0; i < soak.n_clients; i++)
    if (!shows (soak.clients[i].dump, json_node_get_array (items), why))
      differing++;

  if (differing > 0 && soak.converge_rounds < SOAK_CONVERGE_ROUNDS)
    {
      g_timeout_add (SOAK_CONVERGE_INTERVAL_MS, clients_dump_cb, NULL);
      return;
    }
  if (differing > 0)
    g_printerr ("soak: after %u s, %" G_GUINT64_FORMAT " clients do not show the server's records:%s\n",
                SOAK_CONVERGE_ROUNDS * SOAK_CONVERGE_INTERVAL_MS / 1000, differing, why->str);
  soak.diverged = differing;
  clients_quit ();
}

/* ---- the verdict --------------------------------------------------------------- */

static JsonNode *
parse_or_fail (const char *text,
               const char *what)
{
  JsonNode *node = text != NULL ? json_from_string (text, NULL) : NULL;

  if (node == NULL)
    fail_run ("cannot read %s", what);
  return node;
}

static const char *
effect_method (const char *op)
{
  return op;   /* the server logs "insert", "update" (PATCH) and "delete" */
}

/* One applied change, as the demo server's effects log has it. */
static void
add_effect (JsonArray  *effects,
            Mutation   *m,
            const char *key,
            const char *method)
{
  JsonObject *effect = json_object_new ();
  g_autofree char *idempotency_key = m != NULL ? g_strconcat (m->txid, "-couch", NULL) : g_strdup ("");

  json_object_set_string_member (effect, "idempotency_key", idempotency_key);
  json_object_set_string_member (effect, "key", key);
  json_object_set_string_member (effect, "method", method);
  json_array_add_object_element (effects, effect);
}

/* --couch: the effects log, read from the revision histories (a revision
 * names its mutation by "seq"; a deletion is the next accepted delete
 * issued on its key, else the next delete), and the records. */
static void
couch_read (JsonNode **faults,
            JsonNode **effects,
            JsonNode **items)
{
  g_autoptr(GHashTable) by_index = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) deletes_taken = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  g_autoptr(GHashTable) histories = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *db = g_strdup_printf ("http://127.0.0.1:%u/db", soak.port);
  JsonArray *log = json_array_new ();
  JsonArray *docs = NULL;
  guint n_branches = 0;

  for (guint i = 0; i < soak.mutations->len; i++)
    {
      Mutation *m = g_ptr_array_index (soak.mutations, i);

      g_hash_table_insert (by_index, &m->index, m);
      if (g_hash_table_add (seen, m->key))
        g_ptr_array_add (keys, m->key);
    }
  histories = soak_couch_histories (soak.session, db, keys, &n_branches, &docs, &error);
  if (histories == NULL)
    {
      json_array_unref (log);
      fail_run ("cannot read the database: %s", error->message);
      return;
    }
  if (n_branches > 0)
    g_printerr ("soak: %u documents have conflicting revisions\n", n_branches);

  for (guint k = 0; k < keys->len; k++)
    {
      const char *key = g_ptr_array_index (keys, k);
      GArray *history = g_hash_table_lookup (histories, key);
      guint64 after = 0;
      gboolean exists = FALSE;

      for (guint r = 0; history != NULL && r < history->len; r++)
        {
          gint64 seq = g_array_index (history, gint64, r);
          Mutation *m = NULL;

          if (seq >= 0)
            m = g_hash_table_lookup (by_index, &seq);
          /* A deletion names no mutation: it is the first accepted delete
           * of the key issued after the change before it, else the first
           * delete. One not accepted never reached the store, so it was
           * never sent: the client was killed, the restarted one may
           * delete the key again, and that delete made this revision.
           * Taking the first delete issued would count the sent one lost
           * and the unsent one applied. */
          for (guint pass = 0; seq == SOAK_COUCH_DELETED && m == NULL && pass < 2; pass++)
            for (guint i = 0; m == NULL && i < soak.mutations->len; i++)
              {
                Mutation *d = g_ptr_array_index (soak.mutations, i);

                if (d->index > after && (pass == 1 || d->accepted) && !g_hash_table_contains (deletes_taken, d) &&
                    g_str_equal (d->key, key) && g_str_equal (d->op, "delete"))
                  m = d;
              }
          if (seq == SOAK_COUCH_DELETED && m != NULL)
            g_hash_table_add (deletes_taken, m);
          add_effect (log, m != NULL && g_str_equal (m->key, key) ? m : NULL, key,
                      seq == SOAK_COUCH_DELETED ? "delete" : exists ? "update" : "insert");
          if (m != NULL)
            after = m->index;
          exists = seq != SOAK_COUCH_DELETED;
        }
    }

  *faults = json_node_init_object (json_node_alloc (), json_object_new ());
  *effects = json_node_init_array (json_node_alloc (), log);
  *items = json_node_init_array (json_node_alloc (), docs);
  json_array_unref (log);
  json_array_unref (docs);
  if (n_branches > 0)
    fail_run ("%u documents have conflicting revisions", n_branches);
}

/* One client: the server applied each accepted mutation once, in the
 * order issued per key, and its records are what replaying them gives. */
static void
check_one_client (JsonNode         *effects,
                  JsonNode         *items,
                  SoakSharedCounts *counts)
{
  g_autoptr(GHashTable) last_index = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr(GHashTable) expected = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) json_object_unref);
  JsonArray *array;
  JsonObjectIter members;
  const char *member;
  JsonNode *member_node;

  /* Every applied change: whose, how often, in which order per key. */
  array = json_node_get_array (effects);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *effect = json_array_get_object_element (array, i);
      const char *idempotency_key = json_object_get_string_member_with_default (effect, "idempotency_key", "");
      const char *dash = strchr (idempotency_key, '-') != NULL ? idempotency_key + 36 : NULL;
      g_autofree char *txid = dash != NULL && strlen (idempotency_key) > 36 ? g_strndup (idempotency_key, 36) : NULL;
      Mutation *m = txid != NULL ? g_hash_table_lookup (soak.by_txid, txid) : NULL;
      guint64 *last;

      counts->applied++;
      if (m == NULL)
        {
          counts->unaccepted_applied++;
          g_printerr ("soak: a change nobody asked for: %s %s (%s)\n",
                      json_object_get_string_member_with_default (effect, "method", "?"),
                      json_object_get_string_member_with_default (effect, "key", "?"), idempotency_key);
          continue;
        }
      if (!m->accepted)
        {
          counts->unaccepted_applied++;
          g_printerr ("soak: mutation %" G_GUINT64_FORMAT " was applied but never accepted\n", m->index);
        }
      if (++m->applied > 1)
        {
          counts->duplicated++;
          g_printerr ("soak: mutation %" G_GUINT64_FORMAT " (%s %s) applied %u times\n", m->index, m->op, m->key, m->applied);
        }
      if (g_strcmp0 (json_object_get_string_member_with_default (effect, "key", NULL), m->key) != 0 ||
          g_strcmp0 (json_object_get_string_member_with_default (effect, "method", NULL), effect_method (m->op)) != 0)
        {
          counts->state_mismatches++;
          g_printerr ("soak: mutation %" G_GUINT64_FORMAT " is %s %s, the server applied %s %s\n", m->index, m->op, m->key,
                      json_object_get_string_member_with_default (effect, "method", "?"),
                      json_object_get_string_member_with_default (effect, "key", "?"));
        }
      last = g_hash_table_lookup (last_index, m->key);
      if (last != NULL && *last > m->index)
        {
          Mutation *later = NULL;

          for (guint j = 0; j < soak.mutations->len && later == NULL; j++)
            if (((Mutation *) g_ptr_array_index (soak.mutations, j))->index == *last)
              later = g_ptr_array_index (soak.mutations, j);
          counts->order_violations++;
          g_printerr ("soak: key %s: mutation %" G_GUINT64_FORMAT " (%s, client %u%s%s) applied after mutation %"
                      G_GUINT64_FORMAT " (%s, client %u)\n",
                      m->key, m->index, m->op, m->generation, m->recovered != NULL ? ", recovered " : "",
                      m->recovered != NULL ? m->recovered : "", *last, later != NULL ? later->op : "?",
                      later != NULL ? later->generation : 0);
        }
      else if (last == NULL)
        {
          last = g_new (guint64, 1);
          *last = m->index;
          g_hash_table_insert (last_index, m->key, last);
        }
      else
        *last = m->index;
    }

  /* What the accepted mutations, replayed in order, leave. */
  for (guint i = 0; i < soak.mutations->len; i++)
    {
      Mutation *m = g_ptr_array_index (soak.mutations, i);
      JsonObject *current;

      if (!m->accepted || m->failed)
        continue;
      if (m->applied == 0)
        {
          counts->lost++;
          g_printerr ("soak: mutation %" G_GUINT64_FORMAT " (%s %s) was accepted and never applied\n", m->index, m->op, m->key);
        }

      current = g_hash_table_lookup (expected, m->key);
      if (g_str_equal (m->op, "insert"))
        {
          JsonObject *copy = json_object_new ();

          if (current != NULL)
            {
              counts->state_mismatches++;
              g_printerr ("soak: mutation %" G_GUINT64_FORMAT " inserts %s, which exists\n", m->index, m->key);
            }
          json_object_iter_init (&members, m->body);
          while (json_object_iter_next (&members, &member, &member_node))
            json_object_set_member (copy, member, json_node_copy (member_node));
          g_hash_table_insert (expected, m->key, copy);
        }
      else if (current == NULL)
        {
          counts->state_mismatches++;
          g_printerr ("soak: mutation %" G_GUINT64_FORMAT " (%s) names %s, which does not exist\n", m->index, m->op, m->key);
        }
      else if (g_str_equal (m->op, "delete"))
        g_hash_table_remove (expected, m->key);
      else
        {
          json_object_iter_init (&members, m->body);
          while (json_object_iter_next (&members, &member, &member_node))
            json_object_set_member (current, member, json_node_copy (member_node));
        }
    }

  soak_shared_compare_records (json_node_get_array (items), soak.couch ? "_id" : "id", expected,
                               "the accepted mutations", counts);
}

static void
verify (void)
{
  g_autofree char *off = NULL;
  g_autofree char *faults_text = NULL;
  g_autofree char *effects_text = NULL;
  g_autofree char *items_text = NULL;
  g_autoptr(JsonNode) faults = NULL;
  g_autoptr(JsonNode) effects = NULL;
  g_autoptr(JsonNode) items = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *figures = NULL;
  guint64 lost = 0, duplicated = 0, order_violations = 0, unaccepted_applied = 0;
  guint64 permanent_failures = 0, state_mismatches = 0, applied = 0;
  guint64 n_faults = 0;
  double wall = elapsed_s ();
  char wall_text[G_ASCII_DTOSTR_BUF_SIZE];
  SoakSharedCounts counts = { 0 };
  JsonObjectIter members;
  const char *member;
  JsonNode *member_node;
  gboolean ok;

  if (soak.failed_run || soak.verified)
    return;
  soak.verified = TRUE;
  if (soak.couch)
    couch_read (&faults, &effects, &items);
  else
    {
      off = admin ("POST", "/_admin/faults", "{}");
      faults_text = admin ("GET", "/_admin/faults", NULL);
      effects_text = admin ("GET", "/_admin/effects", NULL);
      items_text = admin ("GET", "/items", NULL);
      faults = parse_or_fail (faults_text, "the fault counts");
      effects = parse_or_fail (effects_text, "the effects log");
      items = parse_or_fail (items_text, "the records");
    }
  if (soak.failed_run)
    return;

  if (soak.n_clients > 1)
    soak_shared_check (soak.mutations, soak.by_txid, json_node_get_array (effects), json_node_get_array (items), &counts);
  else
    check_one_client (effects, items, &counts);
  for (guint i = 0; i < soak.mutations->len; i++)
    if (((Mutation *) g_ptr_array_index (soak.mutations, i))->failed)
      permanent_failures++;
  lost = counts.lost;
  duplicated = counts.duplicated;
  order_violations = counts.order_violations;
  unaccepted_applied = counts.unaccepted_applied;
  state_mismatches = counts.state_mismatches;
  applied = counts.applied;

  ok = lost == 0 && duplicated == 0 && order_violations == 0 && unaccepted_applied == 0 &&
       permanent_failures == 0 && state_mismatches == 0 && soak.diverged == 0 &&
       soak.n_accepted == soak.n_mutations;

  /* A soak that injected nothing proves nothing. */
  if ((int) soak.server_kills != soak.n_server_restarts ||
      (int) total_client_kills () != soak.n_client_restarts * soak.n_clients)
    {
      ok = FALSE;
      g_printerr ("soak: %u of %d server restarts and %u of %d client restarts happened\n",
                  soak.server_kills, soak.n_server_restarts, total_client_kills (),
                  soak.n_client_restarts * soak.n_clients);
    }
  {
    static const char *kinds[] = { "fail", "fail_after_apply", "drop", "drop_after_apply", "delay", "html", "truncate" };

    for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
      if (!soak.couch && soak.n_mutations >= 500 && json_object_get_int_member_with_default (json_node_get_object (faults), kinds[i], 0) == 0)
        {
          ok = FALSE;
          g_printerr ("soak: no fault of kind %s was injected\n", kinds[i]);
        }
  }

  /* Clients that share keys and never conflicted tested nothing new. */
  if (soak.n_clients > 1 && soak.n_mutations >= 500 && soak.n_conflicts == 0)
    {
      ok = FALSE;
      g_printerr ("soak: the clients never conflicted\n");
    }

  /* With the server broken on purpose, the checks must see it. */
  if (soak.sabotage)
    {
      g_printerr ("soak: sabotaged run: %" G_GUINT64_FORMAT " duplicated, %s\n", duplicated,
                  duplicated > 0 ? "seen, as they should be" : "NOT SEEN");
      ok = duplicated > 0;
    }

  json_builder_begin_object (builder);
#define FIGURE(name, number) \
  G_STMT_START { json_builder_set_member_name (builder, name); json_builder_add_int_value (builder, (gint64) (number)); } G_STMT_END
  FIGURE ("mutations", soak.n_mutations);
  FIGURE ("keys", soak.n_keys);
  FIGURE ("issued", soak.mutations->len);
  FIGURE ("accepted", soak.n_accepted);
  FIGURE ("not_stored_at_client_kill", soak.mutations->len - soak.n_accepted);
  FIGURE ("stored_unconfirmed_at_client_kill", soak.n_accepted_on_recovery);
  FIGURE ("applied", applied);
  json_builder_set_member_name (builder, "faults");
  json_builder_begin_object (builder);
  json_object_iter_init (&members, json_node_get_object (faults));
  while (json_object_iter_next (&members, &member, &member_node))
    {
      FIGURE (member, json_node_get_int (member_node));
      n_faults += (guint64) json_node_get_int (member_node);
    }
  FIGURE ("websocket_close", soak.ws_disconnects);
  json_builder_end_object (builder);
  FIGURE ("server_restarts", soak.server_kills);
  FIGURE ("client_restarts", total_client_kills ());
  FIGURE ("permanent_failures", permanent_failures);
  FIGURE ("lost", lost);
  FIGURE ("duplicated", duplicated);
  FIGURE ("order_violations", order_violations);
  FIGURE ("unaccepted_applied", unaccepted_applied);
  FIGURE ("state_mismatches", state_mismatches);
  FIGURE ("records", json_array_get_length (json_node_get_array (items)));
  if (soak.n_clients > 1)
    {
      FIGURE ("clients", soak.n_clients);
      FIGURE ("conflicts", soak.n_conflicts);
      FIGURE ("rebased", counts.rebased);
      FIGURE ("deletes_found_done", counts.deletes_done);
      FIGURE ("clients_diverged", soak.diverged);
    }
#undef FIGURE
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  figures = json_to_string (root, FALSE);
  /* The wall time with two decimals, not as a binary double spells it. */
  figures[strlen (figures) - 1] = '\0';
  printf ("%s,\"wall_time_s\":%s,\"ok\":%s}\n", figures,
          g_ascii_formatd (wall_text, sizeof wall_text, "%.2f", wall), ok ? "true" : "false");
  printf ("soak: %" G_GUINT64_FORMAT " mutations over %d keys accepted (%u issued; %u not yet stored when the client was killed),\n"
          "      %" G_GUINT64_FORMAT " changes applied by the server, %" G_GUINT64_FORMAT " random faults + %u WebSocket closes,\n"
          "      %u server restarts, %u client restarts, in %.1f s:\n"
          "      lost %" G_GUINT64_FORMAT ", duplicated %" G_GUINT64_FORMAT ", order violations %" G_GUINT64_FORMAT
          ", applied but not accepted %" G_GUINT64_FORMAT ",\n"
          "      permanent failures %" G_GUINT64_FORMAT ", records differing %" G_GUINT64_FORMAT
          ", clients not showing the server's records %" G_GUINT64_FORMAT " — %s\n",
          soak.n_accepted, soak.n_keys, soak.mutations->len, (guint) (soak.mutations->len - soak.n_accepted),
          applied, n_faults, soak.ws_disconnects, soak.server_kills, total_client_kills (), wall,
          lost, duplicated, order_violations, unaccepted_applied, permanent_failures,
          state_mismatches, soak.diverged,
          soak.sabotage ? (ok ? "the broken server was caught, as it should be" : "FAILED: the broken server went unseen")
                        : (ok ? "OK" : "FAILED"));
  fflush (stdout);

  if (!ok)
    fail_run ("the soak found violations");
  g_main_loop_quit (soak.loop);
}

/* ---- main ------------------------------------------------------------------------ */

static gboolean
timeout_cb (gpointer data)
{
  fail_run ("timed out after %d s (%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " mutations accepted)",
            soak.timeout_s, soak.n_accepted, soak.n_mutations);
  return G_SOURCE_REMOVE;
}

static void
remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);

      /* PouchDB Server's data (--couch) is a tree. */
      if (g_file_test (file, G_FILE_TEST_IS_DIR))
        remove_dir (file);
      else
        g_unlink (file);
    }
  g_rmdir (path);
}

static int
compare_guint64 (gconstpointer a,
                 gconstpointer b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;

  return x < y ? -1 : x > y;
}

/* COUNT moments spread over the run, jittered, never at the very end. */
static guint64 *
spread (int     count,
        guint64 total,
        double  phase)
{
  guint64 *at = g_new0 (guint64, MAX (count, 1));
  double step = 0.85 * (double) total / MAX (count, 1);

  for (int i = 0; i < count; i++)
    at[i] = (guint64) (step * (i + phase) + g_rand_double_range (soak.rand, -0.25, 0.25) * step);
  qsort (at, (gsize) count, sizeof (guint64), compare_guint64);
  return at;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— the fault-injection soak of libsyncobj");
  g_autoptr(GError) error = NULL;
  gint64 mutations = 10000;
  g_autofree char *outage_ms = NULL;
  g_autofree char *self_dir = NULL;
  GOptionEntry entries[] = {
    { "mutations", 'm', 0, G_OPTION_ARG_INT64, &mutations, "Mutations to have accepted (10000)", "N" },
    { "keys", 'k', 0, G_OPTION_ARG_INT, &soak.n_keys, "Keys (200)", "N" },
    { "server-restarts", 0, 0, G_OPTION_ARG_INT, &soak.n_server_restarts, "Server kills and restarts (5)", "N" },
    { "client-restarts", 0, 0, G_OPTION_ARG_INT, &soak.n_client_restarts, "Client kills and restarts, of each client (5)", "N" },
    { "clients", 0, 0, G_OPTION_ARG_INT, &soak.n_clients,
      "Client processes editing the same keys, each with its own store (1 or 2)", "N" },
    { "outages", 0, 0, G_OPTION_ARG_INT, &soak.n_outages,
      "How many of the server kills keep it down for --outage-ms (0)", "N" },
    { "outage-ms", 0, 0, G_OPTION_ARG_STRING, &outage_ms, "How long an outage lasts (30000-120000)", "MIN-MAX" },
    { "default-policy", 0, 0, G_OPTION_ARG_NONE, &soak.default_policy,
      "The client keeps the store's default retry policy (1 s to 5 min, no limit)", NULL },
    { "seed", 0, 0, G_OPTION_ARG_INT, &soak.seed, "Seed (default: random, printed)", "S" },
    { "queue-scope", 0, 0, G_OPTION_ARG_STRING, &soak.queue_scope, "The client's queues: key (default) or collection", "SCOPE" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &soak.timeout_s, "Give up after this many seconds (600)", "S" },
    { "server", 0, 0, G_OPTION_ARG_FILENAME, &soak.server_path, "The demo server program", "PATH" },
    { "client", 0, 0, G_OPTION_ARG_FILENAME, &soak.client_path, "The soak-client program", "PATH" },
    { "keep", 0, 0, G_OPTION_ARG_NONE, &soak.keep, "Keep the databases", NULL },
    { "sabotage", 0, 0, G_OPTION_ARG_NONE, &soak.sabotage,
      "Check the checks: the server ignores Idempotency-Key; succeed only if duplicates are found", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &soak.verbose, "Say what happens", NULL },
    { "couch", 0, 0, G_OPTION_ARG_NONE, &soak.couch, "Against PouchDB Server, through the CouchDB adapters", NULL },
    { "pouchdb", 0, 0, G_OPTION_ARG_FILENAME, &soak.pouchdb_path,
      "The pouchdb-server program (default: $SYNCOBJ_POUCHDB_SERVER)", "PATH" },
    { NULL }
  };

  soak.n_keys = 200;
  soak.n_server_restarts = 5;
  soak.n_client_restarts = 5;
  soak.n_clients = 1;
  soak.timeout_s = 600;
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (mutations <= 0 || soak.n_keys <= 0 || soak.n_server_restarts < 0 || soak.n_client_restarts < 0 || soak.timeout_s <= 0)
    {
      g_printerr ("soak: --mutations, --keys and --timeout must be positive, restarts not negative\n");
      return 2;
    }
  soak.n_mutations = (guint64) mutations;
  soak.outage_min_ms = 30000;
  soak.outage_max_ms = 120000;
  if (outage_ms != NULL &&
      (sscanf (outage_ms, "%d-%d", &soak.outage_min_ms, &soak.outage_max_ms) != 2 ||
       soak.outage_min_ms < 0 || soak.outage_max_ms < soak.outage_min_ms))
    {
      g_printerr ("soak: --outage-ms is MIN-MAX in milliseconds, such as 30000-120000\n");
      return 2;
    }
  if (soak.n_clients < 1 || soak.n_clients > SOAK_MAX_CLIENTS ||
      (soak.n_clients > 1 && (soak.couch || soak.sabotage)))
    {
      g_printerr ("soak: --clients is 1 or 2; 2 has no --couch and no --sabotage\n");
      return 2;
    }
  if (soak.n_outages < 0 || soak.n_outages > soak.n_server_restarts)
    {
      g_printerr ("soak: --outages is between 0 and --server-restarts\n");
      return 2;
    }
  if (soak.queue_scope == NULL)
    soak.queue_scope = g_strdup ("key");
  if (!g_str_equal (soak.queue_scope, "key") && !g_str_equal (soak.queue_scope, "collection"))
    {
      g_printerr ("soak: --queue-scope is key or collection\n");
      return 2;
    }
  if (soak.seed == 0)
    soak.seed = g_random_int_range (1, G_MAXINT32);

  /* Next to this program by default. */
  self_dir = g_path_get_dirname (argv[0]);
  if (soak.client_path == NULL)
    soak.client_path = g_build_filename (self_dir, "soak-client", NULL);
  if (soak.server_path == NULL)
    soak.server_path = g_strdup (g_getenv ("SYNCOBJ_DEMO_SERVER"));
  if (soak.server_path == NULL)
    soak.server_path = g_strdup (SOAK_DEMO_SERVER);
  if (soak.couch && soak.pouchdb_path == NULL)
    soak.pouchdb_path = g_strdup (g_getenv ("SYNCOBJ_POUCHDB_SERVER"));
  if (soak.couch && soak.pouchdb_path == NULL && !soak.sabotage)
    {
      /* Not installed: skipped, as meson counts exit status 77. */
      g_print ("soak: skipped, PouchDB Server is not installed ($SYNCOBJ_POUCHDB_SERVER is unset)\n");
      return 77;
    }
  if (soak.couch && (soak.pouchdb_path == NULL || soak.sabotage))
    {
      g_printerr ("soak: --couch needs --pouchdb or $SYNCOBJ_POUCHDB_SERVER, and has no --sabotage\n");
      return 2;
    }

  soak.started_us = g_get_monotonic_time ();
  soak.rand = g_rand_new_with_seed ((guint32) soak.seed);
  soak.loop = g_main_loop_new (NULL, FALSE);
  soak.session = soup_session_new ();
  soak.mutations = g_ptr_array_new_with_free_func ((GDestroyNotify) mutation_free);
  soak.by_txid = g_hash_table_new (g_str_hash, g_str_equal);
  soak.server_kill_at = spread (soak.n_server_restarts, soak.n_mutations, 0.5);
  soak.next_disconnect_at = MAX (soak.n_mutations / 10, 1);
  soak.dir = g_dir_make_tmp ("syncobj-soak-XXXXXX", &error);
  if (soak.dir == NULL)
    {
      g_printerr ("soak: %s\n", error->message);
      return 1;
    }
  soak.db_path = g_build_filename (soak.dir, "server.db", NULL);
  for (int i = 0; i < soak.n_clients; i++)
    {
      SoakClient *c = &soak.clients[i];

      c->id = (guint) i;
      /* The first client's file keeps its name of the one-client runs. */
      c->store_path = i == 0 ? g_build_filename (soak.dir, "client-store.db", NULL)
                             : g_strdup_printf ("%s/client-store-%d.db", soak.dir, i);
      c->share = soak.n_mutations / (guint64) soak.n_clients + (i == 0 ? soak.n_mutations % (guint64) soak.n_clients : 0);
      c->next_index = (guint64) i * SOAK_INDEX_STRIDE;
      c->kill_countdown = -1;
      c->kill_at = spread (soak.n_client_restarts, c->share, 0.75);
      c->dump = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_object_unref);
    }

  printf ("soak: seed %d, %" G_GUINT64_FORMAT " mutations over %d keys, %d server restarts (%d of them outages),"
          " %d client restarts of each of %d clients, in %s\n",
          soak.seed, soak.n_mutations, soak.n_keys, soak.n_server_restarts, soak.n_outages,
          soak.n_client_restarts, soak.n_clients, soak.dir);
  fflush (stdout);

  g_timeout_add_seconds ((guint) soak.timeout_s, timeout_cb, NULL);
  server_start ();
  g_main_loop_run (soak.loop);

  for (int i = 0; i < soak.n_clients; i++)
    if (soak.clients[i].process != NULL)
      {
        g_subprocess_send_signal (soak.clients[i].process, SIGKILL);
        g_subprocess_wait (soak.clients[i].process, NULL, NULL);
        g_clear_object (&soak.clients[i].process);
      }
  if (soak.server != NULL)
    {
      g_subprocess_send_signal (soak.server, SIGTERM);
      g_subprocess_wait (soak.server, NULL, NULL);
      g_clear_object (&soak.server);
    }
  if (soak.keep || soak.failed_run)
    printf ("soak: the databases are kept in %s\n", soak.dir);
  else
    remove_dir (soak.dir);

  return soak.failed_run ? 1 : 0;
}
