/* syncobj-demo-server.c: a small REST + WebSocket backend for the libsyncobj
 * demo and integration tests.
 *
 * One collection of JSON records ("items", keyed by "id") stored in SQLite:
 *
 *   GET    /items            the whole collection, a JSON array (ETag /
 *                            If-None-Match → 304); ?wrap=NAME gives
 *                            {"NAME": [...]} instead
 *   GET    /items/KEY        one record
 *   POST   /items            insert (201 + the record; 409 if the key exists)
 *   PATCH  /items/KEY        merge the members of the body (200 + the record)
 *   PUT    /items/KEY        replace or create (200 + the record)
 *   DELETE /items/KEY        204; 404 if absent
 *   POST   /batch            a JSON array of mutations {"type", "key",
 *                            "value" | "changes"}, applied all or nothing
 *   WS     /changes          change messages, as SyncobjSync reads them:
 *                            {"type", "value" | "key", "idempotency_key"}
 *
 * Every writing request may carry an Idempotency-Key header. Its outcome is
 * stored in the same SQLite transaction as the change, so a replay, even
 * after a crash and restart, returns the first answer and never applies
 * twice.
 *
 * Fault switches, for tests (never part of a real API):
 *
 *   POST /_admin/faults      {"fail": N, "status": 503, "reason": "…",
 *                             "retry_after": "1", "delay_ms": 200,
 *                             "drop": N, "drop_after_apply": N, "mute": N}
 *                            fail/drop the next N requests to /items and
 *                            /batch ("delay_ms" delays every write,
 *                            "delay_snapshot_ms" every GET of /items);
 *                            "drop_after_apply" applies the change
 *                            and then drops the connection (lost response);
 *                            "mute" applies without a change message;
 *                            random faults, each write request drawing its
 *                            own: {"p_fail": 0.05, "p_fail_after_apply",
 *                            "p_drop", "p_drop_after_apply", "p_delay",
 *                            "p_html" (a page, nothing applied),
 *                            "p_truncate" (applied, the answer cut in half),
 *                            "max_delay_ms": 100, "seed": 1}; "fail_after_
 *                            apply" applies, then answers the 5xx;
 *                            "ignore_idempotency": true breaks the server
 *                            on purpose (replays apply again);
 *                            answers that are not the API's JSON:
 *                            "html": N answers the next N writes with an
 *                            HTML page (a captive portal or proxy login)
 *                            WITHOUT applying them, status "html_status"
 *                            (200 by default; e.g. 502 for a proxy's
 *                            error page); "truncate": N applies the next N
 *                            writes, then answers with their usual status
 *                            and the JSON body cut in half (Content-Length
 *                            of the cut body); "html_snapshot": N and
 *                            "truncate_snapshot": N do the same to the
 *                            next N GETs of the whole collection (an HTML
 *                            page; the JSON array cut in half); "answer":
 *                            N answers the next N writes with status
 *                            "answer_status" (200), Content-Type
 *                            "answer_type" (none when absent) and body
 *                            "answer_body" (none when absent), WITHOUT
 *                            applying them
 *   GET  /_admin/faults      how many faults were injected, by kind (the
 *                            random ones, "html", "truncate", "answer",
 *                            "html_snapshot", "truncate_snapshot"), and
 *                            how many writes "delay_ms" held ("held")
 *                            (kept in the database: survives restarts)
 *   GET  /_admin/effects     every applied change, in order
 *   POST /_admin/broadcast   sends the body as-is to every WebSocket
 *   POST /_admin/disconnect  closes every WebSocket
 *   POST /_admin/delete?key= deletes a record without telling anyone
 *
 * Command line: --port N (0: any free port), --db FILE, --fail-next N,
 * --fail-status S, --token T (writes need "Authorization: Bearer T"),
 * --records N (adds N records {"id": KEY, "title": "item I"} for I = 0 … N−1,
 * KEY being I in the UUID form "%08x-0000-4000-8000-%012x", before
 * listening: a large collection in a second). The first line on stdout is
 * "PORT N".
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

typedef struct
{
  SoupServer *server;
  sqlite3    *db;
  GPtrArray  *sockets;          /* SoupWebsocketConnection */
  GMainLoop  *loop;

  /* fault switches */
  guint       fail_count;
  guint       fail_status;
  char       *fail_reason;
  char       *retry_after;
  guint       delay_ms;
  guint       delay_snapshot_ms;
  guint       drop_count;
  guint       drop_after_apply_count;
  guint       mute_count;       /* apply without broadcasting */
  guint       html_count;       /* answer an HTML page, apply nothing */
  guint       html_status;
  guint       truncate_count;   /* apply, answer half of the JSON body */
  guint       html_snapshot_count;
  guint       truncate_snapshot_count;
  guint       answer_count;     /* a given answer, apply nothing */
  guint       answer_status;
  char       *answer_type;
  char       *answer_body;

  /* random faults: probabilities per write request */
  double      p_fail;
  double      p_fail_after_apply;
  double      p_drop;
  double      p_drop_after_apply;
  double      p_delay;
  double      p_html;
  double      p_truncate;
  guint       max_delay_ms;
  GRand      *rand;
  gboolean    ignore_idempotency;

  char       *token;            /* writes need "Authorization: Bearer TOKEN" */
} Server;

typedef struct
{
  guint  status;
  char  *body;        /* JSON text, may be NULL */
  char  *broadcast;   /* change message(s) to send once committed */
} Outcome;

static void
outcome_clear (Outcome *outcome)
{
  g_clear_pointer (&outcome->body, g_free);
  g_clear_pointer (&outcome->broadcast, g_free);
}

/* ---- SQLite ----------------------------------------------------------- */

static gboolean
db_exec (Server      *self,
         const char  *sql,
         GError     **error)
{
  char *message = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", sql, message);
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

static sqlite3_stmt *
db_prepare (Server     *self,
            const char *sql)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    g_error ("cannot prepare %s: %s", sql, sqlite3_errmsg (self->db));
  return stmt;
}

static gboolean
db_open (Server      *self,
         const char  *path,
         GError     **error)
{
  if (sqlite3_open (path, &self->db) != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot open %s: %s",
                   path, sqlite3_errmsg (self->db));
      return FALSE;
    }

  return db_exec (self,
                  "PRAGMA journal_mode=WAL;"
                  "PRAGMA synchronous=NORMAL;"
                  "CREATE TABLE IF NOT EXISTS items (key TEXT PRIMARY KEY, seq INTEGER NOT NULL, value TEXT NOT NULL);"
                  "CREATE INDEX IF NOT EXISTS items_by_seq ON items (seq);"
                  "CREATE TABLE IF NOT EXISTS effects (id INTEGER PRIMARY KEY AUTOINCREMENT, method TEXT NOT NULL,"
                  "  key TEXT NOT NULL, idempotency_key TEXT NOT NULL, body TEXT NOT NULL);"
                  "CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, status INTEGER NOT NULL, body TEXT NOT NULL);"
                  "CREATE TABLE IF NOT EXISTS faults (kind TEXT PRIMARY KEY, n INTEGER NOT NULL);",
                  error);
}

static JsonObject *
db_get_item (Server     *self,
             const char *key)
{
  sqlite3_stmt *stmt = db_prepare (self, "SELECT value FROM items WHERE key = ?");
  JsonObject *object = NULL;

  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr(JsonNode) node = json_from_string ((const char *) sqlite3_column_text (stmt, 0), NULL);

      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
        object = json_object_ref (json_node_get_object (node));
    }
  sqlite3_finalize (stmt);
  return object;
}

static char *
object_to_string (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

static void
db_put_item (Server     *self,
             const char *key,
             JsonObject *value)
{
  sqlite3_stmt *stmt = db_prepare (self,
    "INSERT INTO items (key, seq, value) VALUES (?1, (SELECT IFNULL(MAX(seq), 0) + 1 FROM items), ?2) "
    "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  g_autofree char *text = object_to_string (value);

  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, text, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    g_error ("cannot store %s: %s", key, sqlite3_errmsg (self->db));
  sqlite3_finalize (stmt);
}

static void
db_delete_item (Server     *self,
                const char *key)
{
  sqlite3_stmt *stmt = db_prepare (self, "DELETE FROM items WHERE key = ?");

  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  sqlite3_step (stmt);
  sqlite3_finalize (stmt);
}

static void
db_log_effect (Server     *self,
               const char *method,
               const char *key,
               const char *idempotency_key,
               const char *body)
{
  sqlite3_stmt *stmt = db_prepare (self,
    "INSERT INTO effects (method, key, idempotency_key, body) VALUES (?, ?, ?, ?)");

  sqlite3_bind_text (stmt, 1, method, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, idempotency_key != NULL ? idempotency_key : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, body != NULL ? body : "", -1, SQLITE_TRANSIENT);
  sqlite3_step (stmt);
  sqlite3_finalize (stmt);
}

static gint64
db_version (Server *self)
{
  sqlite3_stmt *stmt = db_prepare (self, "SELECT IFNULL(MAX(id), 0) FROM effects");
  gint64 version = 0;

  if (sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return version;
}

/* The stored outcome of an earlier request with this Idempotency-Key. */
static gboolean
db_find_outcome (Server     *self,
                 const char *idempotency_key,
                 Outcome    *outcome)
{
  sqlite3_stmt *stmt = db_prepare (self, "SELECT status, body FROM idempotency WHERE key = ?");
  gboolean found = FALSE;

  sqlite3_bind_text (stmt, 1, idempotency_key, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *body = (const char *) sqlite3_column_text (stmt, 1);

      outcome->status = (guint) sqlite3_column_int (stmt, 0);
      outcome->body = body != NULL && *body != '\0' ? g_strdup (body) : NULL;
      found = TRUE;
    }
  sqlite3_finalize (stmt);
  return found;
}

static void
db_store_outcome (Server        *self,
                  const char    *idempotency_key,
                  const Outcome *outcome)
{
  sqlite3_stmt *stmt = db_prepare (self, "INSERT OR REPLACE INTO idempotency (key, status, body) VALUES (?, ?, ?)");

  sqlite3_bind_text (stmt, 1, idempotency_key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 2, (int) outcome->status);
  sqlite3_bind_text (stmt, 3, outcome->body != NULL ? outcome->body : "", -1, SQLITE_TRANSIENT);
  sqlite3_step (stmt);
  sqlite3_finalize (stmt);
}

/* One more random fault of this kind. */
static void
db_count_fault (Server     *self,
                const char *kind)
{
  sqlite3_stmt *stmt = db_prepare (self,
    "INSERT INTO faults (kind, n) VALUES (?, 1) ON CONFLICT(kind) DO UPDATE SET n = n + 1");

  sqlite3_bind_text (stmt, 1, kind, -1, SQLITE_TRANSIENT);
  sqlite3_step (stmt);
  sqlite3_finalize (stmt);
}

static gboolean
random_fault (Server     *self,
              double      probability,
              const char *kind)
{
  if (probability <= 0 || g_rand_double (self->rand) >= probability)
    return FALSE;
  db_count_fault (self, kind);
  return TRUE;
}

/* ---- JSON helpers ------------------------------------------------------- */

static char *
error_body (const char *reason)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, reason);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static void
outcome_set_error (Outcome    *outcome,
                   guint       status,
                   const char *reason)
{
  outcome->status = status;
  outcome->body = error_body (reason);
}

static char *
change_message (const char *type,
                const char *key,
                JsonObject *value,
                const char *idempotency_key)
{
  g_autoptr(JsonObject) message = json_object_new ();
  g_autoptr(JsonNode) node = NULL;

  json_object_set_string_member (message, "type", type);
  if (value != NULL)
    json_object_set_object_member (message, "value", json_object_ref (value));
  else
    json_object_set_string_member (message, "key", key);
  if (idempotency_key != NULL)
    json_object_set_string_member (message, "idempotency_key", idempotency_key);
  node = json_node_init_object (json_node_alloc (), message);
  return json_to_string (node, FALSE);
}

static JsonNode *
parse_body (SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (length == 0 || !json_parser_load_from_data (parser, data, (gssize) length, NULL))
    return NULL;
  return json_node_ref (json_parser_get_root (parser));
}

/* ---- applying mutations --------------------------------------------------
 * Each apply_* runs inside an open SQLite transaction, logs its effect and
 * appends its change message to @changes. */

static gboolean
apply_insert (Server      *self,
              JsonObject  *value,
              const char  *idempotency_key,
              GPtrArray   *changes,
              Outcome     *outcome)
{
  const char *key = json_object_get_string_member_with_default (value, "id", NULL);
  g_autoptr(JsonObject) existing = NULL;
  g_autofree char *text = NULL;

  if (key == NULL || *key == '\0')
    {
      outcome_set_error (outcome, 422, "the record has no string member \"id\"");
      return FALSE;
    }
  existing = db_get_item (self, key);
  if (existing != NULL)
    {
      g_autofree char *reason = g_strdup_printf ("a record with id \"%s\" already exists", key);
      outcome_set_error (outcome, 409, reason);
      return FALSE;
    }

  text = object_to_string (value);
  db_put_item (self, key, value);
  db_log_effect (self, "insert", key, idempotency_key, text);
  g_ptr_array_add (changes, change_message ("insert", key, value, idempotency_key));
  outcome->status = 201;
  outcome->body = g_steal_pointer (&text);
  return TRUE;
}

/* A body member "title" equal to "invalid" is refused with 422: a stand-in
 * for the server-side validation real APIs do. */
static gboolean
value_is_acceptable (JsonObject *value,
                     Outcome    *outcome)
{
  if (g_strcmp0 (json_object_get_string_member_with_default (value, "title", NULL), "invalid") == 0)
    {
      outcome_set_error (outcome, 422, "\"title\" must not be \"invalid\"");
      return FALSE;
    }
  return TRUE;
}

static gboolean
apply_update (Server      *self,
              const char  *key,
              JsonObject  *changes_in,
              gboolean     replace,
              const char  *idempotency_key,
              GPtrArray   *changes,
              Outcome     *outcome)
{
  g_autoptr(JsonObject) existing = db_get_item (self, key);
  g_autoptr(JsonObject) merged = json_object_new ();
  g_autofree char *text = NULL;
  JsonObjectIter iter;
  const char *member;
  JsonNode *node;

  if (!value_is_acceptable (changes_in, outcome))
    return FALSE;

  if (existing == NULL && !replace)
    {
      g_autofree char *reason = g_strdup_printf ("no record with id \"%s\"", key);
      outcome_set_error (outcome, 404, reason);
      return FALSE;
    }

  if (existing != NULL && !replace)
    {
      json_object_iter_init (&iter, existing);
      while (json_object_iter_next (&iter, &member, &node))
        json_object_set_member (merged, member, json_node_copy (node));
    }
  json_object_iter_init (&iter, changes_in);
  while (json_object_iter_next (&iter, &member, &node))
    json_object_set_member (merged, member, json_node_copy (node));
  json_object_set_string_member (merged, "id", key);

  text = object_to_string (merged);
  db_put_item (self, key, merged);
  db_log_effect (self, replace ? "put" : "update", key, idempotency_key, text);
  g_ptr_array_add (changes, change_message (existing != NULL ? "update" : "insert", key, merged, idempotency_key));
  outcome->status = 200;
  outcome->body = g_steal_pointer (&text);
  return TRUE;
}

static gboolean
apply_delete (Server      *self,
              const char  *key,
              const char  *idempotency_key,
              GPtrArray   *changes,
              Outcome     *outcome)
{
  g_autoptr(JsonObject) existing = db_get_item (self, key);

  if (existing == NULL)
    {
      g_autofree char *reason = g_strdup_printf ("no record with id \"%s\"", key);
      outcome_set_error (outcome, 404, reason);
      return FALSE;
    }

  db_delete_item (self, key);
  db_log_effect (self, "delete", key, idempotency_key, "");
  g_ptr_array_add (changes, change_message ("delete", key, NULL, idempotency_key));
  outcome->status = 204;
  return TRUE;
}

/* One mutation of a batch: {"type", "key", "value" | "changes",
 * "idempotency_key"}; an update with "replace": true replaces the record
 * with its "value". */
static gboolean
apply_batch_entry (Server     *self,
                   JsonNode   *node,
                   const char *fallback_key,
                   GPtrArray  *changes,
                   Outcome    *outcome)
{
  JsonObject *entry;
  const char *type, *key, *idempotency_key;
  JsonNode *value;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      outcome_set_error (outcome, 400, "a batch entry is not an object");
      return FALSE;
    }
  entry = json_node_get_object (node);
  type = json_object_get_string_member_with_default (entry, "type", "");
  key = json_object_get_string_member_with_default (entry, "key", NULL);
  idempotency_key = json_object_get_string_member_with_default (entry, "idempotency_key", fallback_key);
  value = json_object_get_member (entry, g_str_equal (type, "update") ? "changes" : "value");

  if (g_str_equal (type, "delete") && key != NULL)
    return apply_delete (self, key, idempotency_key, changes, outcome);

  if (value == NULL || !JSON_NODE_HOLDS_OBJECT (value))
    {
      outcome_set_error (outcome, 400, "a batch entry has no \"value\" or \"changes\" object");
      return FALSE;
    }
  if (g_str_equal (type, "insert"))
    return value_is_acceptable (json_node_get_object (value), outcome) &&
           apply_insert (self, json_node_get_object (value), idempotency_key, changes, outcome);
  if (g_str_equal (type, "update") && key != NULL && json_object_get_boolean_member_with_default (entry, "replace", FALSE))
    {
      JsonNode *record = json_object_get_member (entry, "value");

      if (record == NULL || !JSON_NODE_HOLDS_OBJECT (record))
        {
          outcome_set_error (outcome, 400, "a replacing update has no \"value\" object");
          return FALSE;
        }
      return apply_update (self, key, json_node_get_object (record), TRUE, idempotency_key, changes, outcome);
    }
  if (g_str_equal (type, "update") && key != NULL)
    return apply_update (self, key, json_node_get_object (value), FALSE, idempotency_key, changes, outcome);

  outcome_set_error (outcome, 400, "a batch entry has no valid \"type\" and \"key\"");
  return FALSE;
}

static void
broadcast (Server     *self,
           const char *text)
{
  for (guint i = 0; i < self->sockets->len; i++)
    {
      SoupWebsocketConnection *socket = g_ptr_array_index (self->sockets, i);

      if (soup_websocket_connection_get_state (socket) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_send_text (socket, text);
    }
}

/* Applies one request to /items or /batch in one SQLite transaction. */
static void
apply_request (Server            *self,
               SoupServerMessage *msg,
               const char        *idempotency_key,
               Outcome           *outcome)
{
  const char *method = soup_server_message_get_method (msg);
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));
  g_autoptr(JsonNode) body = parse_body (msg);
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *key = NULL;
  gboolean ok = FALSE;

  if (g_str_has_prefix (path, "/items/") && path[strlen ("/items/")] != '\0')
    key = g_uri_unescape_string (path + strlen ("/items/"), NULL);

  db_exec (self, "BEGIN IMMEDIATE", NULL);

  if (g_str_equal (path, "/batch") && g_str_equal (method, "POST"))
    {
      if (body == NULL || !JSON_NODE_HOLDS_ARRAY (body))
        outcome_set_error (outcome, 400, "the body is not a JSON array of mutations");
      else
        {
          JsonArray *array = json_node_get_array (body);

          ok = TRUE;
          for (guint i = 0; ok && i < json_array_get_length (array); i++)
            {
              outcome_clear (outcome);
              ok = apply_batch_entry (self, json_array_get_element (array, i), idempotency_key, changes, outcome);
            }
          if (ok)
            {
              outcome_clear (outcome);
              outcome->status = 200;
              outcome->body = g_strdup_printf ("{\"applied\":%u}", json_array_get_length (array));
            }
        }
    }
  else if (g_str_equal (method, "POST") && key == NULL)
    {
      if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
        outcome_set_error (outcome, 400, "the body is not a JSON object");
      else
        ok = value_is_acceptable (json_node_get_object (body), outcome) &&
             apply_insert (self, json_node_get_object (body), idempotency_key, changes, outcome);
    }
  else if ((g_str_equal (method, "PATCH") || g_str_equal (method, "PUT")) && key != NULL)
    {
      if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
        outcome_set_error (outcome, 400, "the body is not a JSON object");
      else
        ok = apply_update (self, key, json_node_get_object (body), g_str_equal (method, "PUT"),
                           idempotency_key, changes, outcome);
    }
  else if (g_str_equal (method, "DELETE") && key != NULL)
    ok = apply_delete (self, key, idempotency_key, changes, outcome);
  else
    outcome_set_error (outcome, 405, "method not allowed here");

  if (!ok)
    {
      db_exec (self, "ROLLBACK", NULL);
      db_exec (self, "BEGIN IMMEDIATE", NULL);
      g_ptr_array_set_size (changes, 0);
    }

  /* Client errors are answers too: a replay gets the same one. */
  if (idempotency_key != NULL && outcome->status < 500)
    db_store_outcome (self, idempotency_key, outcome);
  db_exec (self, "COMMIT", NULL);

  if (changes->len == 1)
    outcome->broadcast = g_strdup (g_ptr_array_index (changes, 0));
  else if (changes->len > 1)
    {
      g_ptr_array_add (changes, NULL);
      g_autofree char *joined = g_strjoinv (",", (char **) changes->pdata);
      outcome->broadcast = g_strdup_printf ("[%s]", joined);
    }
}

/* ---- HTTP ---------------------------------------------------------------- */

static void
respond (SoupServerMessage *msg,
         guint              status,
         const char        *body)
{
  soup_server_message_set_status (msg, status, NULL);
  if (body != NULL)
    soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
}

/* What a captive portal or a proxy answers instead of the API. */
static const char html_page[] =
  "<!DOCTYPE html>\n<html><head><title>Sign in to the network</title></head>\n"
  "<body><h1>Sign in to the network</h1><p>Please accept the terms of use "
  "to continue.</p><form method=\"post\"><button>Accept</button></form></body></html>\n";

static void
respond_html (SoupServerMessage *msg,
              guint              status)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_remove (soup_server_message_get_response_headers (msg), "ETag");
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_STATIC,
                                    html_page, strlen (html_page));
}

/* Answers the first half of @body, as a connection cut by a proxy would
 * leave it (the Content-Length is that of the cut body). */
static void
respond_truncated (SoupServerMessage *msg,
                   guint              status,
                   const char        *body)
{
  soup_server_message_set_status (msg, status, NULL);
  if (body != NULL)
    soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body) / 2);
}

static void
drop_connection (SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);

  /* The client sees the connection close without an answer. */
  if (socket != NULL)
    g_socket_shutdown (socket, TRUE, TRUE, NULL);
  soup_server_message_set_status (msg, 500, NULL);
}

static void
handle_collection_get (Server            *self,
                       SoupServerMessage *msg,
                       const char        *path,
                       GHashTable        *query)
{
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
  g_autofree char *etag = g_strdup_printf ("\"%" G_GINT64_FORMAT "\"", db_version (self));
  const char *if_none_match = soup_message_headers_get_one (request_headers, "If-None-Match");

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "ETag", etag);

  if (g_str_equal (path, "/items") || g_str_equal (path, "/items/"))
    {
      const char *wrap = query != NULL ? g_hash_table_lookup (query, "wrap") : NULL;
      g_autoptr(GString) text = g_string_new ("[");
      sqlite3_stmt *stmt;
      gboolean first = TRUE;

      if (self->html_snapshot_count > 0)
        {
          self->html_snapshot_count--;
          db_count_fault (self, "html_snapshot");
          respond_html (msg, 200);
          return;
        }
      if (if_none_match != NULL && g_str_equal (if_none_match, etag) && self->truncate_snapshot_count == 0)
        {
          soup_server_message_set_status (msg, 304, NULL);
          return;
        }

      stmt = db_prepare (self, "SELECT value FROM items ORDER BY seq");
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          if (!first)
            g_string_append_c (text, ',');
          g_string_append (text, (const char *) sqlite3_column_text (stmt, 0));
          first = FALSE;
        }
      sqlite3_finalize (stmt);
      g_string_append_c (text, ']');
      /* ?wrap=NAME answers {"NAME": [...]}, as many APIs do. */
      if (wrap != NULL)
        {
          g_string_prepend (text, "\":");
          g_string_prepend (text, wrap);
          g_string_prepend (text, "{\"");
          g_string_append_c (text, '}');
        }
      if (self->truncate_snapshot_count > 0)
        {
          self->truncate_snapshot_count--;
          db_count_fault (self, "truncate_snapshot");
          soup_message_headers_remove (soup_server_message_get_response_headers (msg), "ETag");
          respond_truncated (msg, 200, text->str);
          return;
        }
      respond (msg, 200, text->str);
    }
  else
    {
      g_autofree char *key = g_uri_unescape_string (path + strlen ("/items/"), NULL);
      g_autoptr(JsonObject) item = db_get_item (self, key);
      g_autofree char *text = item != NULL ? object_to_string (item) : error_body ("no such record");

      respond (msg, item != NULL ? 200 : 404, text);
    }
}

typedef struct
{
  Server            *server;
  SoupServerMessage *msg;
  char              *path;    /* a GET: its path and query */
  GHashTable        *query;
} Delayed;

static void handle_write (Server *self, SoupServerMessage *msg);

static gboolean
delayed_cb (gpointer data)
{
  Delayed *delayed = data;

  if (delayed->path != NULL)
    handle_collection_get (delayed->server, delayed->msg, delayed->path, delayed->query);
  else
    handle_write (delayed->server, delayed->msg);
  soup_server_message_unpause (delayed->msg);
  g_object_unref (delayed->msg);
  g_free (delayed->path);
  g_clear_pointer (&delayed->query, g_hash_table_unref);
  g_free (delayed);
  return G_SOURCE_REMOVE;
}

static void
handle_write (Server            *self,
              SoupServerMessage *msg)
{
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
  const char *idempotency_key = soup_message_headers_get_one (request_headers, "Idempotency-Key");
  const char *authorization = soup_message_headers_get_one (request_headers, "Authorization");
  Outcome outcome = { 0, };
  gboolean drop_after = FALSE;
  gboolean fail_after = FALSE;
  gboolean truncate = FALSE;

  if (self->token != NULL)
    {
      g_autofree char *expected = g_strdup_printf ("Bearer %s", self->token);

      if (g_strcmp0 (authorization, expected) != 0)
        {
          g_autofree char *body = error_body ("missing or wrong bearer token");
          respond (msg, 401, body);
          return;
        }
    }

  if (self->fail_count > 0)
    {
      g_autofree char *body = error_body (self->fail_reason != NULL ? self->fail_reason : "injected failure");

      self->fail_count--;
      if (self->retry_after != NULL)
        soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                      "Retry-After", self->retry_after);
      respond (msg, self->fail_status, body);
      return;
    }
  if (self->drop_count > 0)
    {
      self->drop_count--;
      drop_connection (msg);
      return;
    }
  if (self->answer_count > 0)
    {
      self->answer_count--;
      db_count_fault (self, "answer");
      soup_server_message_set_status (msg, self->answer_status, NULL);
      if (self->answer_type != NULL)
        soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                      "Content-Type", self->answer_type);
      if (self->answer_body != NULL)
        soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_COPY,
                                  self->answer_body, strlen (self->answer_body));
      return;
    }
  if (self->html_count > 0)
    {
      /* Whatever stands between client and API answered: nothing applied. */
      self->html_count--;
      db_count_fault (self, "html");
      respond_html (msg, self->html_status);
      return;
    }
  if (self->drop_after_apply_count > 0)
    {
      self->drop_after_apply_count--;
      drop_after = TRUE;
    }
  if (self->truncate_count > 0)
    {
      self->truncate_count--;
      db_count_fault (self, "truncate");
      truncate = TRUE;
    }
  if (random_fault (self, self->p_fail, "fail"))
    {
      g_autofree char *body = error_body ("injected random failure");
      static const guint statuses[] = { 500, 502, 503, 504 };

      respond (msg, statuses[g_rand_int_range (self->rand, 0, G_N_ELEMENTS (statuses))], body);
      return;
    }
  if (random_fault (self, self->p_drop, "drop"))
    {
      drop_connection (msg);
      return;
    }
  if (random_fault (self, self->p_html, "html"))
    {
      respond_html (msg, 200);
      return;
    }
  if (!drop_after && random_fault (self, self->p_drop_after_apply, "drop_after_apply"))
    drop_after = TRUE;
  else if (!drop_after && random_fault (self, self->p_fail_after_apply, "fail_after_apply"))
    fail_after = TRUE;
  else if (!drop_after && !truncate && random_fault (self, self->p_truncate, "truncate"))
    truncate = TRUE;

  if (idempotency_key != NULL && !self->ignore_idempotency && db_find_outcome (self, idempotency_key, &outcome))
    soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                  "Idempotent-Replayed", "true");
  else
    apply_request (self, msg, idempotency_key, &outcome);

  if (outcome.broadcast != NULL && self->mute_count > 0)
    self->mute_count--;
  else if (outcome.broadcast != NULL)
    broadcast (self, outcome.broadcast);

  if (drop_after)
    drop_connection (msg);
  else if (fail_after)
    {
      g_autofree char *body = error_body ("injected failure after the change was applied");
      respond (msg, 503, body);
    }
  else if (truncate)
    respond_truncated (msg, outcome.status, outcome.body);
  else
    respond (msg, outcome.status, outcome.body);
  outcome_clear (&outcome);
}

/* Pauses @msg and answers it after @delay_ms (a GET of @path with @query,
 * or a write when @path is NULL). */
static void
hold_request (Server            *self,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              guint              delay_ms)
{
  Delayed *delayed = g_new0 (Delayed, 1);

  delayed->server = self;
  delayed->msg = g_object_ref (msg);
  delayed->path = g_strdup (path);
  delayed->query = query != NULL ? g_hash_table_ref (query) : NULL;
  soup_server_message_pause (msg);
  g_timeout_add (delay_ms, delayed_cb, delayed);
}

static void
data_handler (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  Server *self = user_data;
  const char *method = soup_server_message_get_method (msg);

  if (g_str_equal (method, "GET") && g_str_has_prefix (path, "/items"))
    {
      if (self->delay_snapshot_ms > 0)
        {
          hold_request (self, msg, path, query, self->delay_snapshot_ms);
          return;
        }
      handle_collection_get (self, msg, path, query);
      return;
    }

  if (self->delay_ms > 0 ||
      (self->max_delay_ms > 0 && random_fault (self, self->p_delay, "delay")))
    {
      guint delay_ms = self->delay_ms > 0 ? self->delay_ms
                                          : (guint) g_rand_int_range (self->rand, 1, (gint32) self->max_delay_ms + 1);

      if (self->delay_ms > 0)
        db_count_fault (self, "held");
      hold_request (self, msg, NULL, NULL, delay_ms);
      return;
    }

  handle_write (self, msg);
}

static void
admin_handler (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  Server *self = user_data;
  const char *method = soup_server_message_get_method (msg);

  if (g_str_equal (path, "/_admin/faults") && g_str_equal (method, "POST"))
    {
      g_autoptr(JsonNode) body = parse_body (msg);
      JsonObject *faults;

      if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
        {
          respond (msg, 400, "{\"error\":\"faults need a JSON object\"}");
          return;
        }
      faults = json_node_get_object (body);
      self->fail_count = (guint) json_object_get_int_member_with_default (faults, "fail", 0);
      self->fail_status = (guint) json_object_get_int_member_with_default (faults, "status", 503);
      g_free (self->fail_reason);
      self->fail_reason = g_strdup (json_object_get_string_member_with_default (faults, "reason", NULL));
      g_free (self->retry_after);
      self->retry_after = g_strdup (json_object_get_string_member_with_default (faults, "retry_after", NULL));
      self->delay_ms = (guint) json_object_get_int_member_with_default (faults, "delay_ms", 0);
      self->delay_snapshot_ms = (guint) json_object_get_int_member_with_default (faults, "delay_snapshot_ms", 0);
      self->drop_count = (guint) json_object_get_int_member_with_default (faults, "drop", 0);
      self->drop_after_apply_count = (guint) json_object_get_int_member_with_default (faults, "drop_after_apply", 0);
      self->mute_count = (guint) json_object_get_int_member_with_default (faults, "mute", 0);
      self->html_count = (guint) json_object_get_int_member_with_default (faults, "html", 0);
      self->html_status = (guint) json_object_get_int_member_with_default (faults, "html_status", 200);
      self->truncate_count = (guint) json_object_get_int_member_with_default (faults, "truncate", 0);
      self->html_snapshot_count = (guint) json_object_get_int_member_with_default (faults, "html_snapshot", 0);
      self->truncate_snapshot_count = (guint) json_object_get_int_member_with_default (faults, "truncate_snapshot", 0);
      self->answer_count = (guint) json_object_get_int_member_with_default (faults, "answer", 0);
      self->answer_status = (guint) json_object_get_int_member_with_default (faults, "answer_status", 200);
      g_free (self->answer_type);
      self->answer_type = g_strdup (json_object_get_string_member_with_default (faults, "answer_type", NULL));
      g_free (self->answer_body);
      self->answer_body = g_strdup (json_object_get_string_member_with_default (faults, "answer_body", NULL));
      self->p_fail = json_object_get_double_member_with_default (faults, "p_fail", 0);
      self->p_fail_after_apply = json_object_get_double_member_with_default (faults, "p_fail_after_apply", 0);
      self->p_drop = json_object_get_double_member_with_default (faults, "p_drop", 0);
      self->p_drop_after_apply = json_object_get_double_member_with_default (faults, "p_drop_after_apply", 0);
      self->p_html = json_object_get_double_member_with_default (faults, "p_html", 0);
      self->p_truncate = json_object_get_double_member_with_default (faults, "p_truncate", 0);
      self->p_delay = json_object_get_double_member_with_default (faults, "p_delay", 0);
      self->max_delay_ms = (guint) json_object_get_int_member_with_default (faults, "max_delay_ms", 0);
      self->ignore_idempotency = json_object_get_boolean_member_with_default (faults, "ignore_idempotency", FALSE);
      if (json_object_has_member (faults, "seed"))
        g_rand_set_seed (self->rand, (guint32) json_object_get_int_member (faults, "seed"));
      respond (msg, 200, "{}");
    }
  else if (g_str_equal (path, "/_admin/faults") && g_str_equal (method, "GET"))
    {
      g_autoptr(GString) text = g_string_new ("{");
      sqlite3_stmt *stmt = db_prepare (self, "SELECT kind, n FROM faults ORDER BY kind");

      while (sqlite3_step (stmt) == SQLITE_ROW)
        g_string_append_printf (text, "%s\"%s\":%" G_GINT64_FORMAT, text->len > 1 ? "," : "",
                                (const char *) sqlite3_column_text (stmt, 0), (gint64) sqlite3_column_int64 (stmt, 1));
      sqlite3_finalize (stmt);
      g_string_append_c (text, '}');
      respond (msg, 200, text->str);
    }
  else if (g_str_equal (path, "/_admin/effects"))
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *text = NULL;
      sqlite3_stmt *stmt = db_prepare (self, "SELECT id, method, key, idempotency_key, body FROM effects ORDER BY id");

      json_builder_begin_array (builder);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "id");
          json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, 0));
          json_builder_set_member_name (builder, "method");
          json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 1));
          json_builder_set_member_name (builder, "key");
          json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 2));
          json_builder_set_member_name (builder, "idempotency_key");
          json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 3));
          json_builder_set_member_name (builder, "body");
          json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 4));
          json_builder_end_object (builder);
        }
      sqlite3_finalize (stmt);
      json_builder_end_array (builder);
      root = json_builder_get_root (builder);
      text = json_to_string (root, FALSE);
      respond (msg, 200, text);
    }
  else if (g_str_equal (path, "/_admin/broadcast") && g_str_equal (method, "POST"))
    {
      g_autoptr(GBytes) bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
      g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

      broadcast (self, text);
      respond (msg, 200, "{}");
    }
  else if (g_str_equal (path, "/_admin/disconnect") && g_str_equal (method, "POST"))
    {
      g_autoptr(GPtrArray) sockets = g_ptr_array_copy (self->sockets, (GCopyFunc) (void (*) (void)) g_object_ref, NULL);

      g_ptr_array_set_free_func (sockets, g_object_unref);
      for (guint i = 0; i < sockets->len; i++)
        soup_websocket_connection_close (g_ptr_array_index (sockets, i), SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
      respond (msg, 200, "{}");
    }
  else if (g_str_equal (path, "/_admin/delete") && g_str_equal (method, "POST") &&
           query != NULL && g_hash_table_contains (query, "key"))
    {
      db_delete_item (self, g_hash_table_lookup (query, "key"));
      respond (msg, 200, "{}");
    }
  else
    respond (msg, 404, "{\"error\":\"no such admin endpoint\"}");
}

/* ---- WebSocket ------------------------------------------------------------- */

static void
socket_closed_cb (SoupWebsocketConnection *connection,
                  Server                  *self)
{
  g_ptr_array_remove (self->sockets, connection);
}

static void
websocket_handler (SoupServer              *server,
                   SoupServerMessage       *msg,
                   const char              *path,
                   SoupWebsocketConnection *connection,
                   gpointer                 user_data)
{
  Server *self = user_data;

  /* Keep-alive pings make a dead peer visible within seconds. */
  soup_websocket_connection_set_keepalive_interval (connection, 5);
  g_signal_connect (connection, "closed", G_CALLBACK (socket_closed_cb), self);
  g_ptr_array_add (self->sockets, g_object_ref (connection));
}

/* --records N: N records in one SQLite transaction, in key order. */
static gboolean
db_fill (Server      *self,
         guint        n,
         GError     **error)
{
  sqlite3_stmt *stmt;
  gint64 base;

  if (!db_exec (self, "BEGIN", error))
    return FALSE;
  stmt = db_prepare (self, "SELECT IFNULL(MAX(seq), 0) FROM items");
  base = sqlite3_step (stmt) == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
  sqlite3_finalize (stmt);
  stmt = db_prepare (self, "INSERT OR REPLACE INTO items (key, seq, value) VALUES (?1, ?2, ?3)");
  for (guint i = 0; i < n; i++)
    {
      char key[37];
      char value[96];

      g_snprintf (key, sizeof key, "%08x-0000-4000-8000-%012x", i, i);
      g_snprintf (value, sizeof value, "{\"id\":\"%s\",\"title\":\"item %u\"}", key, i);
      sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, base + i + 1);
      sqlite3_bind_text (stmt, 3, value, -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot add record %u: %s",
                       i, sqlite3_errmsg (self->db));
          sqlite3_finalize (stmt);
          return FALSE;
        }
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
  return db_exec (self, "COMMIT", error);
}

/* ---- main ------------------------------------------------------------------ */

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new ("— libsyncobj demo backend");
  g_autofree char *db_path = NULL;
  g_autoptr(GSList) uris = NULL;
  int port = 0;
  int fail_next = 0;
  int fail_status = 503;
  int n_records = 0;
  Server self = { 0, };
  GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "Port on 127.0.0.1 (0: any free port)", "N" },
    { "db", 'd', 0, G_OPTION_ARG_FILENAME, &db_path, "SQLite database file", "FILE" },
    { "fail-next", 0, 0, G_OPTION_ARG_INT, &fail_next, "Fail the next N writes", "N" },
    { "fail-status", 0, 0, G_OPTION_ARG_INT, &fail_status, "Status of those failures (503)", "STATUS" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &self.token, "Bearer token that writes must carry", "TOKEN" },
    { "records", 0, 0, G_OPTION_ARG_INT, &n_records, "Add N records before listening", "N" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  if (!db_open (&self, db_path != NULL ? db_path : ":memory:", &error) ||
      (n_records > 0 && !db_fill (&self, (guint) n_records, &error)))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  self.fail_count = (guint) MAX (fail_next, 0);
  self.fail_status = (guint) fail_status;
  self.sockets = g_ptr_array_new_with_free_func (g_object_unref);
  self.rand = g_rand_new ();
  self.loop = g_main_loop_new (NULL, FALSE);
  self.server = soup_server_new ("server-header", "syncobj-demo-server", NULL);
  soup_server_add_handler (self.server, "/items", data_handler, &self, NULL);
  soup_server_add_handler (self.server, "/batch", data_handler, &self, NULL);
  soup_server_add_handler (self.server, "/_admin", admin_handler, &self, NULL);
  soup_server_add_websocket_handler (self.server, "/changes", NULL, NULL, websocket_handler, &self, NULL);

  {
    g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, (guint16) port);

    if (!soup_server_listen (self.server, address, 0, &error))
      {
        g_printerr ("cannot listen on 127.0.0.1:%d: %s\n", port, error->message);
        return 1;
      }
  }

  uris = soup_server_get_uris (self.server);
  printf ("PORT %d\n", g_uri_get_port (uris->data));
  fflush (stdout);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  g_unix_signal_add (SIGTERM, quit_cb, self.loop);
  g_unix_signal_add (SIGINT, quit_cb, self.loop);
  g_main_loop_run (self.loop);

  soup_server_disconnect (self.server);
  g_clear_object (&self.server);
  g_ptr_array_unref (self.sockets);
  g_main_loop_unref (self.loop);
  g_free (self.fail_reason);
  g_free (self.retry_after);
  g_free (self.answer_type);
  g_free (self.answer_body);
  g_rand_free (self.rand);
  g_free (self.token);
  sqlite3_close (self.db);
  return 0;
}
