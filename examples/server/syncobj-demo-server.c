/* syncobj-demo-server.c: a small REST + WebSocket backend for the libsyncobj
 * demo and integration tests.
 *
 * One collection of JSON records ("items", keyed by "id") stored in SQLite:
 *
 *   GET    /items            the whole collection, a JSON array, in insertion
 *                            order (ETag / If-None-Match → 304); ?wrap=NAME
 *                            gives {"NAME": [...]} instead; ?since=SEQ gives
 *                            the changes after SEQ instead (see Resuming)
 *   GET    /items/KEY        one record
 *   POST   /items            insert (201 + the record + Location; 409 if the
 *                            key exists; no "id": the server assigns one)
 *   PATCH  /items/KEY        merge the members of the body (200 + the record)
 *   PUT    /items/KEY        replace or create (200 + the record)
 *   DELETE /items/KEY        204; 404 if absent
 *   POST   /batch            a JSON array of mutations {"type", "key",
 *                            "value" | "changes", "if_match"}, applied all
 *                            or nothing; 200 {"applied": N, "records":
 *                            [record as stored | null for a delete, ...]}
 *   WS     /changes          change messages, as SyncobjSync reads them:
 *                            {"type", "value" | "key", "idempotency_key",
 *                            "seq"}; a batch sends one array of them
 *
 * Keys. A record's "id" is a non-empty string or an integer (64 bits); its
 * key, in paths and in /_admin, is the string or the integer's decimal
 * text, so {"id": 1} and {"id": "1"} cannot both exist (the second insert
 * answers 409). Fractions, booleans, null, objects and "" answer 422.
 * Updates keep the stored "id" with its JSON type (PATCH /items/7 of
 * {"id": 7}); a delete message's "key" has the JSON type of the id.
 *
 * Server-assigned ids. A POST (or batch insert) whose record has no "id"
 * member gets the next integer, as a SERIAL column would: one more than
 * both the last id assigned and the largest integer key stored (1, 2, 3,
 * …; never reused, even after a delete). The answer is 201 with the
 * record as created ({"id": 7, …}) and "Location: http://HOST/items/7".
 * A replay of its Idempotency-Key answers the same record, id and
 * Location (plus "Idempotent-Replayed: true"), even after a restart; it
 * never assigns a second id.
 *
 * Resuming. Every applied change has a sequence number SEQ, 1, 2, 3, …
 * in the order applied (the "id" of /_admin/effects). Every change
 * message carries its "seq". GET /items answers, with the snapshot,
 * "ETag: \"SEQ\"" and "X-Syncobj-Seq: SEQ", SEQ being that of the last
 * change the snapshot holds (0 for none); "If-None-Match: \"SEQ\"" (or a
 * list, W/ allowed, or *) answers 304 with the same two headers. A
 * client keeps SEQ as its cursor (the last "seq" it applied, or the
 * snapshot's) and asks for what followed:
 *
 *   GET /items?since=SEQ     200, a JSON array of the change messages
 *                            after SEQ in order ([] when none), with ETag
 *                            and X-Syncobj-Seq of the newest; 304 as above
 *                            when If-None-Match names the newest
 *   WS  /changes?since=SEQ   the change messages after SEQ, one per frame,
 *                            then {"type": "caught_up", "seq": N}, then
 *                            live changes as usual
 *
 * SEQ may be given bare (12) or as its entity tag ("12", W/"12",
 * URL-encoded). The server keeps the last --change-log N changes (10000
 * by default; 0 keeps none). When the log no longer holds every change
 * after SEQ, when SEQ is ahead of the server (another database) or is not
 * a number, the answer says to start over: GET answers 410 Gone with, and
 * the WebSocket sends as its first message, {"type": "reset", "seq": N,
 * "reason": "…"}, N being the current sequence number; the client then
 * loads a full snapshot (the WebSocket stays open and sends live changes).
 * Without ?since= nothing changes: no caught_up, no reset. A gap in the
 * "seq" of live messages means a message was lost (see "mute"): a client
 * can reconnect with ?since= to fill it.
 *
 * Versions (--versions; off by default, so records are exactly what was
 * written). Every record gets a "version" member set by the server: 1
 * when created, one more on every write (whatever the body says; a record
 * deleted and created again starts at 1). Answers that carry one record
 * (POST, PATCH, PUT, GET /items/KEY, 412) have "ETag: \"VERSION\"".
 * PATCH, PUT and DELETE honour "If-Match" ("\"3\"", W/"3", a bare 3, a
 * list, or *): when it does not name the record's version, nothing is
 * applied and the answer is 412 with the record as the server has it as
 * the body. If-Match on a record that does not exist answers 404. In a
 * batch, an entry's "if_match" (a version number or an entity tag) does
 * the same, and a mismatch fails the whole batch with 412 {"error",
 * "index", "current": record}. Without --versions, If-Match is ignored.
 *
 * Every writing request may carry an Idempotency-Key header. Its outcome is
 * stored in the same SQLite transaction as the change, so a replay, even
 * after a crash and restart, returns the first answer and never applies
 * twice. Conflicts (404 for a record deleted meanwhile, 409, 412) and 5xx
 * answers are not stored: they applied nothing, and the same request sent
 * again, after the client resolved the conflict, is judged afresh.
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
 *   POST /_admin/token       {"token": "T" | null, "reads": BOOL, "status":
 *                            401 | 403}: from now on requests need
 *                            "Authorization: Bearer T" (null: none), reads
 *                            too when "reads" is true, and a refusal has
 *                            "status" (401 by default); a member left out
 *                            keeps its value. An open WebSocket stays open.
 *
 * Command line: --port N (0: any free port), --db FILE, --fail-next N,
 * --fail-status S, --token T (writes need "Authorization: Bearer T"),
 * --token-reads (reads need it too: GET /items, /items/KEY and the
 * WebSocket handshake of /changes, which answers 401 before upgrading),
 * --versions, --change-log N, --records N (adds N records {"id": KEY,
 * "title": "item I"} for I = 0 … N−1, KEY being I in the UUID form
 * "%08x-0000-4000-8000-%012x", before listening: a large collection in a
 * second). The first line on stdout is "PORT N".
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
  gboolean    token_reads;      /* reads need it too */
  guint       token_status;     /* the status of a refusal: 401 or 403 */
  gboolean    versions;         /* records carry a "version" member */
  gint64      change_log_size;  /* changes kept for ?since= */
} Server;

typedef struct
{
  guint  status;
  char  *body;        /* JSON text, may be NULL */
  char  *broadcast;   /* change message(s) to send once committed */
} Outcome;

/* Conflicts apply nothing and are not kept for the Idempotency-Key: a
 * request sent again after the client resolved one is judged afresh. A
 * 404 (the record another client deleted) is such a conflict too. */
#define OUTCOME_IS_STORED(outcome) \
  ((outcome)->status < 500 && (outcome)->status != 404 && (outcome)->status != 409 && \
   (outcome)->status != 412)

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
                  "CREATE TABLE IF NOT EXISTS faults (kind TEXT PRIMARY KEY, n INTEGER NOT NULL);"
                  "CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY, message TEXT NOT NULL);"
                  "CREATE TABLE IF NOT EXISTS serial (name TEXT PRIMARY KEY, last INTEGER NOT NULL);",
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

/* Logs an applied change; returns its sequence number. */
static gint64
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
  if (sqlite3_step (stmt) != SQLITE_DONE)
    g_error ("cannot log a change of %s: %s", key, sqlite3_errmsg (self->db));
  sqlite3_finalize (stmt);
  return sqlite3_last_insert_rowid (self->db);
}

/* Keeps the change message of change @seq for ?since=, and forgets the
 * ones older than the last change_log_size changes. */
static void
db_log_change (Server     *self,
               gint64      seq,
               const char *message)
{
  sqlite3_stmt *stmt;

  if (self->change_log_size > 0)
    {
      stmt = db_prepare (self, "INSERT INTO changes (seq, message) VALUES (?, ?)");
      sqlite3_bind_int64 (stmt, 1, seq);
      sqlite3_bind_text (stmt, 2, message, -1, SQLITE_TRANSIENT);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        g_error ("cannot log change %" G_GINT64_FORMAT ": %s", seq, sqlite3_errmsg (self->db));
      sqlite3_finalize (stmt);
    }

  stmt = db_prepare (self, "DELETE FROM changes WHERE seq <= ?");
  sqlite3_bind_int64 (stmt, 1, seq - self->change_log_size);
  sqlite3_step (stmt);
  sqlite3_finalize (stmt);
}

/* Whether the change log holds every change after @since, up to the
 * current sequence number @current. The log is a contiguous run of
 * sequence numbers ending at @current. */
static gboolean
db_log_covers (Server *self,
               gint64  since,
               gint64  current)
{
  sqlite3_stmt *stmt;
  gboolean found;

  if (since == current)
    return TRUE;
  if (since < 0 || since > current)
    return FALSE;
  stmt = db_prepare (self, "SELECT 1 FROM changes WHERE seq = ?");
  sqlite3_bind_int64 (stmt, 1, since + 1);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_finalize (stmt);
  return found;
}

/* The next integer id for a record posted without one: one more than both
 * the last one given and the largest integer key stored, as a SERIAL
 * column (or SQLite's AUTOINCREMENT) would give. Returns 0 when the ids
 * are exhausted. */
static gint64
db_next_serial (Server *self)
{
  sqlite3_stmt *stmt = db_prepare (self,
    "SELECT MAX(IFNULL((SELECT last FROM serial WHERE name = 'items'), 0),"
    "           IFNULL((SELECT MAX(CAST(key AS INTEGER)) FROM items"
    "                   WHERE key GLOB '[1-9]*' AND key NOT GLOB '*[^0-9]*' AND length(key) <= 19), 0))");
  gint64 last = 0;

  if (sqlite3_step (stmt) == SQLITE_ROW)
    last = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  if (last >= G_MAXINT64)
    return 0;

  stmt = db_prepare (self,
    "INSERT INTO serial (name, last) VALUES ('items', ?1) ON CONFLICT(name) DO UPDATE SET last = ?1");
  sqlite3_bind_int64 (stmt, 1, last + 1);
  sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  return last + 1;
}

/* The current sequence number: that of the last change applied (0 before
 * any). */
static gint64
db_current_seq (Server *self)
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

/* A change message: {"type", "value" | "key", "idempotency_key", "seq"};
 * a delete names the record by @id, its "id" member (string or integer). */
static char *
change_message (const char *type,
                JsonNode   *id,
                JsonObject *value,
                const char *idempotency_key,
                gint64      seq)
{
  g_autoptr(JsonObject) message = json_object_new ();
  g_autoptr(JsonNode) node = NULL;

  json_object_set_string_member (message, "type", type);
  if (value != NULL)
    json_object_set_object_member (message, "value", json_object_ref (value));
  else
    json_object_set_member (message, "key", json_node_copy (id));
  if (idempotency_key != NULL)
    json_object_set_string_member (message, "idempotency_key", idempotency_key);
  json_object_set_int_member (message, "seq", seq);
  node = json_node_init_object (json_node_alloc (), message);
  return json_to_string (node, FALSE);
}

/* The key of a record whose "id" member is @id: a non-empty string as it
 * is, an integer as its decimal text; NULL for anything else. */
static char *
key_from_id (JsonNode *id)
{
  if (id == NULL || !JSON_NODE_HOLDS_VALUE (id))
    return NULL;
  if (json_node_get_value_type (id) == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (id);

      return *text != '\0' ? g_strdup (text) : NULL;
    }
  if (json_node_get_value_type (id) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (id));
  return NULL;
}

/* The version of a stored record (0 if it has none). */
static gint64
record_version (JsonObject *record)
{
  JsonNode *node = record != NULL ? json_object_get_member (record, "version") : NULL;

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  return 0;
}

/* Strips W/ and the quotes of one entity tag (or of a bare value). */
static char *
entity_tag_value (const char *tag)
{
  g_autofree char *text = g_strstrip (g_strdup (tag));
  const char *start = text;
  gsize length;

  if (g_str_has_prefix (start, "W/"))
    start += 2;
  length = strlen (start);
  if (length >= 2 && start[0] == '"' && start[length - 1] == '"')
    return g_strndup (start + 1, length - 2);
  return g_strdup (start);
}

/* Whether an If-Match value ("*" or a list of entity tags, "3" or W/"3",
 * or a bare number) names the version of @record. */
static gboolean
if_match_holds (const char *if_match,
                JsonObject *record)
{
  g_auto(GStrv) tags = g_strsplit (if_match, ",", -1);
  g_autofree char *version = g_strdup_printf ("%" G_GINT64_FORMAT, record_version (record));

  for (guint i = 0; tags[i] != NULL; i++)
    {
      g_autofree char *value = entity_tag_value (tags[i]);

      if (g_str_equal (value, "*") || g_str_equal (value, version))
        return TRUE;
    }
  return FALSE;
}

/* Answers a failed If-Match: 412 with the record as the server has it. */
static void
outcome_set_precondition_failed (Outcome    *outcome,
                                 JsonObject *existing)
{
  outcome->status = 412;
  outcome->body = object_to_string (existing);
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

/* Logs a change to the record @id (@key as text): its effect, its change
 * message in the change log and in @changes. @value is NULL for a delete. */
static void
record_change (Server     *self,
               const char *method,
               const char *type,
               const char *key,
               JsonNode   *id,
               JsonObject *value,
               const char *text,
               const char *idempotency_key,
               GPtrArray  *changes)
{
  gint64 seq = db_log_effect (self, method, key, idempotency_key, text);
  char *message = change_message (type, id, value, idempotency_key, seq);

  db_log_change (self, seq, message);
  g_ptr_array_add (changes, message);
}

static gboolean
apply_insert (Server      *self,
              JsonObject  *value,
              const char  *idempotency_key,
              GPtrArray   *changes,
              Outcome     *outcome)
{
  g_autofree char *key = NULL;
  g_autoptr(JsonObject) existing = NULL;
  g_autofree char *text = NULL;

  if (!json_object_has_member (value, "id"))
    {
      gint64 id = db_next_serial (self);

      if (id == 0)
        {
          outcome_set_error (outcome, 500, "no integer id is left to give");
          return FALSE;
        }
      json_object_set_int_member (value, "id", id);
    }
  key = key_from_id (json_object_get_member (value, "id"));
  if (key == NULL)
    {
      outcome_set_error (outcome, 422, "the member \"id\" is not a non-empty string or an integer");
      return FALSE;
    }
  existing = db_get_item (self, key);
  if (existing != NULL)
    {
      g_autofree char *reason = g_strdup_printf ("a record with id %s already exists", key);
      outcome_set_error (outcome, 409, reason);
      return FALSE;
    }

  if (self->versions)
    json_object_set_int_member (value, "version", 1);
  text = object_to_string (value);
  db_put_item (self, key, value);
  record_change (self, "insert", "insert", key, json_object_get_member (value, "id"), value, text,
                 idempotency_key, changes);
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

/* The "id" member of the record at @key after an update: the stored one
 * (its JSON type kept), else the body's when it names @key, else @key. */
static JsonNode *
updated_id (JsonObject *existing,
            JsonObject *body,
            const char *key)
{
  JsonNode *id = body != NULL ? json_object_get_member (body, "id") : NULL;
  g_autofree char *body_key = key_from_id (id);

  if (existing != NULL && json_object_has_member (existing, "id"))
    return json_node_copy (json_object_get_member (existing, "id"));
  if (g_strcmp0 (body_key, key) == 0)
    return json_node_copy (id);
  return json_node_init_string (json_node_alloc (), key);
}

static gboolean
apply_update (Server      *self,
              const char  *key,
              JsonObject  *changes_in,
              gboolean     replace,
              const char  *if_match,
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

  /* Members keep their order: existing ones first, then new ones. */
  if (!value_is_acceptable (changes_in, outcome))
    return FALSE;

  if (existing == NULL && (!replace || (self->versions && if_match != NULL)))
    {
      g_autofree char *reason = g_strdup_printf ("no record with id \"%s\"", key);
      outcome_set_error (outcome, 404, reason);
      return FALSE;
    }
  if (self->versions && if_match != NULL && !if_match_holds (if_match, existing))
    {
      outcome_set_precondition_failed (outcome, existing);
      return FALSE;
    }

  if (existing != NULL && !replace)
    {
      json_object_iter_init_ordered (&iter, existing);
      while (json_object_iter_next_ordered (&iter, &member, &node))
        json_object_set_member (merged, member, json_node_copy (node));
    }
  json_object_iter_init_ordered (&iter, changes_in);
  while (json_object_iter_next_ordered (&iter, &member, &node))
    json_object_set_member (merged, member, json_node_copy (node));
  json_object_set_member (merged, "id", updated_id (existing, changes_in, key));
  if (self->versions)
    json_object_set_int_member (merged, "version", record_version (existing) + 1);

  text = object_to_string (merged);
  db_put_item (self, key, merged);
  record_change (self, replace ? "put" : "update", existing != NULL ? "update" : "insert", key,
                 json_object_get_member (merged, "id"), merged, text, idempotency_key, changes);
  outcome->status = 200;
  outcome->body = g_steal_pointer (&text);
  return TRUE;
}

static gboolean
apply_delete (Server      *self,
              const char  *key,
              const char  *if_match,
              const char  *idempotency_key,
              GPtrArray   *changes,
              Outcome     *outcome)
{
  g_autoptr(JsonObject) existing = db_get_item (self, key);
  g_autoptr(JsonNode) id = NULL;

  if (existing == NULL)
    {
      g_autofree char *reason = g_strdup_printf ("no record with id \"%s\"", key);
      outcome_set_error (outcome, 404, reason);
      return FALSE;
    }
  if (self->versions && if_match != NULL && !if_match_holds (if_match, existing))
    {
      outcome_set_precondition_failed (outcome, existing);
      return FALSE;
    }

  id = updated_id (existing, NULL, key);
  db_delete_item (self, key);
  record_change (self, "delete", "delete", key, id, NULL, "", idempotency_key, changes);
  outcome->status = 204;
  return TRUE;
}

/* The If-Match of a batch entry: its "if_match" member, a string or an
 * integer (the version). */
static char *
batch_entry_if_match (JsonObject *entry)
{
  JsonNode *node = json_object_get_member (entry, "if_match");

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  return NULL;
}

/* One mutation of a batch: {"type", "key", "value" | "changes",
 * "idempotency_key", "if_match"}; an update with "replace": true replaces
 * the record with its "value". */
static gboolean
apply_batch_entry_object (Server     *self,
                          JsonObject *entry,
                          const char *fallback_key,
                          GPtrArray  *changes,
                          Outcome    *outcome)
{
  const char *type = json_object_get_string_member_with_default (entry, "type", "");
  g_autofree char *key = key_from_id (json_object_get_member (entry, "key"));
  g_autofree char *if_match = batch_entry_if_match (entry);
  const char *idempotency_key = json_object_get_string_member_with_default (entry, "idempotency_key", fallback_key);
  JsonNode *value = json_object_get_member (entry, g_str_equal (type, "update") ? "changes" : "value");

  if (g_str_equal (type, "delete") && key != NULL)
    return apply_delete (self, key, if_match, idempotency_key, changes, outcome);

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
      return apply_update (self, key, json_node_get_object (record), TRUE, if_match,
                           idempotency_key, changes, outcome);
    }
  if (g_str_equal (type, "update") && key != NULL)
    return apply_update (self, key, json_node_get_object (value), FALSE, if_match,
                         idempotency_key, changes, outcome);

  outcome_set_error (outcome, 400, "a batch entry has no valid \"type\" and \"key\"");
  return FALSE;
}

static gboolean
apply_batch_entry (Server     *self,
                   JsonNode   *node,
                   const char *fallback_key,
                   GPtrArray  *changes,
                   Outcome    *outcome)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      outcome_set_error (outcome, 400, "a batch entry is not an object");
      return FALSE;
    }
  return apply_batch_entry_object (self, json_node_get_object (node), fallback_key, changes, outcome);
}

/* A whole batch, all or nothing. Its answer: {"applied": N, "records":
 * [...]}, each entry's record as stored (null for a delete); a failed
 * entry's answer is the batch's, with its "index" added to an object body. */
static gboolean
apply_batch (Server     *self,
             JsonNode   *body,
             const char *idempotency_key,
             GPtrArray  *changes,
             Outcome    *outcome)
{
  g_autoptr(JsonArray) records = json_array_new ();
  JsonArray *array;
  guint n;

  if (body == NULL || !JSON_NODE_HOLDS_ARRAY (body))
    {
      outcome_set_error (outcome, 400, "the body is not a JSON array of mutations");
      return FALSE;
    }
  array = json_node_get_array (body);
  n = json_array_get_length (array);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(JsonNode) answer = NULL;

      outcome_clear (outcome);
      if (!apply_batch_entry (self, json_array_get_element (array, i), idempotency_key, changes, outcome))
        {
          g_autoptr(JsonNode) failed = outcome->body != NULL ? json_from_string (outcome->body, NULL) : NULL;

          if (failed != NULL && JSON_NODE_HOLDS_OBJECT (failed) && outcome->status != 412)
            {
              json_object_set_int_member (json_node_get_object (failed), "index", i);
              g_free (outcome->body);
              outcome->body = json_to_string (failed, FALSE);
            }
          else if (outcome->status == 412)
            {
              g_autoptr(JsonObject) wrapped = json_object_new ();
              g_autoptr(JsonNode) root = NULL;

              json_object_set_string_member (wrapped, "error", "the record has another version");
              json_object_set_int_member (wrapped, "index", i);
              json_object_set_member (wrapped, "current", g_steal_pointer (&failed));
              root = json_node_init_object (json_node_alloc (), wrapped);
              g_free (outcome->body);
              outcome->body = json_to_string (root, FALSE);
            }
          return FALSE;
        }
      answer = outcome->body != NULL ? json_from_string (outcome->body, NULL) : NULL;
      json_array_add_element (records, answer != NULL ? g_steal_pointer (&answer) : json_node_new (JSON_NODE_NULL));
    }

  {
    g_autoptr(JsonObject) result = json_object_new ();
    g_autoptr(JsonNode) root = NULL;

    json_object_set_int_member (result, "applied", n);
    json_object_set_array_member (result, "records", g_steal_pointer (&records));
    root = json_node_init_object (json_node_alloc (), result);
    outcome_clear (outcome);
    outcome->status = 200;
    outcome->body = json_to_string (root, FALSE);
  }
  return TRUE;
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
  const char *if_match = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "If-Match");
  g_autoptr(JsonNode) body = parse_body (msg);
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *key = NULL;
  gboolean ok = FALSE;

  if (g_str_has_prefix (path, "/items/") && path[strlen ("/items/")] != '\0')
    key = g_uri_unescape_string (path + strlen ("/items/"), NULL);

  db_exec (self, "BEGIN IMMEDIATE", NULL);

  if (g_str_equal (path, "/batch") && g_str_equal (method, "POST"))
    ok = apply_batch (self, body, idempotency_key, changes, outcome);
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
                           if_match, idempotency_key, changes, outcome);
    }
  else if (g_str_equal (method, "DELETE") && key != NULL)
    ok = apply_delete (self, key, if_match, idempotency_key, changes, outcome);
  else
    outcome_set_error (outcome, 405, "method not allowed here");

  if (!ok)
    {
      db_exec (self, "ROLLBACK", NULL);
      db_exec (self, "BEGIN IMMEDIATE", NULL);
      g_ptr_array_set_size (changes, 0);
    }

  /* Client errors are answers too: a replay gets the same one. */
  if (idempotency_key != NULL && OUTCOME_IS_STORED (outcome))
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

/* Sets ETag: "SEQ" and X-Syncobj-Seq: SEQ on an answer about the whole
 * collection. */
static void
set_seq_headers (SoupServerMessage *msg,
                 gint64             seq)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autofree char *etag = g_strdup_printf ("\"%" G_GINT64_FORMAT "\"", seq);
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, seq);

  soup_message_headers_replace (headers, "ETag", etag);
  soup_message_headers_replace (headers, "X-Syncobj-Seq", text);
}

/* Whether an If-None-Match value ("*" or a list of entity tags, weak or
 * strong) names the sequence number @seq. */
static gboolean
if_none_match_holds (const char *if_none_match,
                     gint64      seq)
{
  g_auto(GStrv) tags = g_strsplit (if_none_match, ",", -1);
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, seq);

  for (guint i = 0; tags[i] != NULL; i++)
    {
      g_autofree char *value = entity_tag_value (tags[i]);

      if (g_str_equal (value, "*") || g_str_equal (value, text))
        return TRUE;
    }
  return FALSE;
}

/* Parses a cursor given as ?since=: a sequence number, bare or as its
 * entity tag ("12", W/"12"). FALSE for anything else. */
static gboolean
parse_since (const char *since,
             gint64     *seq)
{
  g_autofree char *value = entity_tag_value (since);
  guint64 number;

  if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXINT64, &number, NULL))
    return FALSE;
  *seq = (gint64) number;
  return TRUE;
}

/* Whether the change log can answer ?since=@since (NULL: no ?since=) with
 * the changes after it; otherwise @reason says why not. */
static gboolean
since_is_usable (Server      *self,
                 const char  *since,
                 gint64       current,
                 gint64      *seq,
                 char       **reason)
{
  if (!parse_since (since, seq))
    {
      *reason = g_strdup_printf ("“%s” is not a sequence number", since);
      return FALSE;
    }
  if (*seq > current)
    {
      *reason = g_strdup_printf ("sequence number %" G_GINT64_FORMAT " is ahead of this server's %"
                                 G_GINT64_FORMAT, *seq, current);
      return FALSE;
    }
  if (!db_log_covers (self, *seq, current))
    {
      *reason = g_strdup_printf ("the change log no longer holds the changes after %" G_GINT64_FORMAT, *seq);
      return FALSE;
    }
  return TRUE;
}

/* The change messages after @seq, in order, as a JSON array. */
static char *
changes_after (Server *self,
               gint64  seq)
{
  g_autoptr(GString) text = g_string_new ("[");
  sqlite3_stmt *stmt = db_prepare (self, "SELECT message FROM changes WHERE seq > ? ORDER BY seq");

  sqlite3_bind_int64 (stmt, 1, seq);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      if (text->len > 1)
        g_string_append_c (text, ',');
      g_string_append (text, (const char *) sqlite3_column_text (stmt, 0));
    }
  sqlite3_finalize (stmt);
  g_string_append_c (text, ']');
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* {"type": "reset", "seq": N, "reason": "…"} */
static char *
reset_message (gint64      seq,
               const char *reason)
{
  g_autoptr(JsonObject) message = json_object_new ();
  g_autoptr(JsonNode) node = NULL;

  json_object_set_string_member (message, "type", "reset");
  json_object_set_int_member (message, "seq", seq);
  json_object_set_string_member (message, "reason", reason);
  node = json_node_init_object (json_node_alloc (), message);
  return json_to_string (node, FALSE);
}

/* The whole collection, in insertion order, as a JSON array (or as
 * {"NAME": [...]} for ?wrap=NAME). */
static char *
snapshot_text (Server     *self,
               const char *wrap)
{
  g_autoptr(GString) text = g_string_new ("[");
  sqlite3_stmt *stmt = db_prepare (self, "SELECT value FROM items ORDER BY seq");

  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      if (text->len > 1)
        g_string_append_c (text, ',');
      g_string_append (text, (const char *) sqlite3_column_text (stmt, 0));
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
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* GET /items: the snapshot, or with ?since= the changes after a cursor. */
static void
handle_snapshot (Server            *self,
                 SoupServerMessage *msg,
                 GHashTable        *query)
{
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
  const char *if_none_match = soup_message_headers_get_one (request_headers, "If-None-Match");
  const char *since = query != NULL ? g_hash_table_lookup (query, "since") : NULL;
  gint64 current = db_current_seq (self);
  g_autofree char *text = NULL;

  set_seq_headers (msg, current);
  if (self->html_snapshot_count > 0)
    {
      self->html_snapshot_count--;
      db_count_fault (self, "html_snapshot");
      respond_html (msg, 200);
      return;
    }
  if (if_none_match != NULL && if_none_match_holds (if_none_match, current) && self->truncate_snapshot_count == 0)
    {
      soup_server_message_set_status (msg, 304, NULL);
      return;
    }

  if (since != NULL)
    {
      g_autofree char *reason = NULL;
      gint64 seq;

      if (!since_is_usable (self, since, current, &seq, &reason))
        {
          g_autofree char *body = reset_message (current, reason);

          respond (msg, 410, body);
          return;
        }
      text = changes_after (self, seq);
    }
  else
    text = snapshot_text (self, query != NULL ? g_hash_table_lookup (query, "wrap") : NULL);

  if (self->truncate_snapshot_count > 0)
    {
      self->truncate_snapshot_count--;
      db_count_fault (self, "truncate_snapshot");
      soup_message_headers_remove (soup_server_message_get_response_headers (msg), "ETag");
      soup_message_headers_remove (soup_server_message_get_response_headers (msg), "X-Syncobj-Seq");
      respond_truncated (msg, 200, text);
      return;
    }
  respond (msg, 200, text);
}

/* With versions, ETag: "VERSION" of the record in @body. */
static void
set_version_header (Server            *self,
                    SoupServerMessage *msg,
                    const char        *body)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *etag = NULL;

  if (!self->versions || body == NULL)
    return;
  node = json_from_string (body, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node) ||
      !json_object_has_member (json_node_get_object (node), "version"))
    return;
  etag = g_strdup_printf ("\"%" G_GINT64_FORMAT "\"", record_version (json_node_get_object (node)));
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "ETag", etag);
}

/* Location: the URI of the record a 201 answer created (@body). */
static void
set_location_header (SoupServerMessage *msg,
                     const char        *body)
{
  g_autoptr(JsonNode) node = body != NULL ? json_from_string (body, NULL) : NULL;
  g_autofree char *key = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GUri) location = NULL;
  g_autofree char *text = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return;
  key = key_from_id (json_object_get_member (json_node_get_object (node), "id"));
  if (key == NULL)
    return;
  escaped = g_uri_escape_string (key, NULL, FALSE);
  path = g_strconcat ("/items/", escaped, NULL);
  location = g_uri_parse_relative (soup_server_message_get_uri (msg), path, G_URI_FLAGS_ENCODED, NULL);
  if (location == NULL)
    return;
  text = g_uri_to_string (location);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Location", text);
}

static void
handle_collection_get (Server            *self,
                       SoupServerMessage *msg,
                       const char        *path,
                       GHashTable        *query)
{
  if (g_str_equal (path, "/items") || g_str_equal (path, "/items/"))
    handle_snapshot (self, msg, query);
  else
    {
      g_autofree char *key = g_uri_unescape_string (path + strlen ("/items/"), NULL);
      g_autoptr(JsonObject) item = db_get_item (self, key);
      g_autofree char *text = item != NULL ? object_to_string (item) : error_body ("no such record");

      if (item != NULL)
        set_version_header (self, msg, text);
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

/* Whether @msg may go on: without the token it needs, it is answered
 * with the refusal status (401 by default) and FALSE. */
static gboolean
check_token (Server            *self,
             SoupServerMessage *msg,
             gboolean           read)
{
  const char *authorization = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                            "Authorization");
  g_autofree char *expected = NULL;
  g_autofree char *body = NULL;

  if (self->token == NULL || (read && !self->token_reads))
    return TRUE;
  expected = g_strdup_printf ("Bearer %s", self->token);
  if (g_strcmp0 (authorization, expected) == 0)
    return TRUE;
  body = error_body ("missing or wrong bearer token");
  respond (msg, self->token_status, body);
  return FALSE;
}

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
  Outcome outcome = { 0, };
  gboolean drop_after = FALSE;
  gboolean fail_after = FALSE;
  gboolean truncate = FALSE;

  if (!check_token (self, msg, FALSE))
    return;

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
  else
    {
      if (outcome.status == 201)
        set_location_header (msg, outcome.body);
      if (outcome.status == 200 || outcome.status == 201 || outcome.status == 412)
        set_version_header (self, msg, outcome.body);
      if (truncate)
        respond_truncated (msg, outcome.status, outcome.body);
      else
        respond (msg, outcome.status, outcome.body);
    }
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
      if (!check_token (self, msg, TRUE))
        return;
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

/* POST /_admin/token: the token (or none), whether reads need it, and
 * the status of a refusal. */
static void
admin_set_token (Server            *self,
                 SoupServerMessage *msg)
{
  g_autoptr(JsonNode) body = parse_body (msg);
  JsonObject *settings;

  if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
    {
      respond (msg, 400, "{\"error\":\"the token settings need a JSON object\"}");
      return;
    }
  settings = json_node_get_object (body);
  if (json_object_has_member (settings, "token"))
    {
      g_free (self->token);
      self->token = g_strdup (json_object_get_string_member_with_default (settings, "token", NULL));
    }
  self->token_reads = json_object_get_boolean_member_with_default (settings, "reads", self->token_reads);
  self->token_status = (guint) json_object_get_int_member_with_default (settings, "status", self->token_status);
  respond (msg, 200, "{}");
}

/* The WebSocket handshake is a read: refused before the upgrade. */
static void
changes_early_handler (SoupServer        *server,
                       SoupServerMessage *msg,
                       const char        *path,
                       GHashTable        *query,
                       gpointer           user_data)
{
  check_token (user_data, msg, TRUE);
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
  else if (g_str_equal (path, "/_admin/token") && g_str_equal (method, "POST"))
    admin_set_token (self, msg);
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

/* Resuming: the change messages after @since, one per frame, then
 * {"type": "caught_up", "seq": N}; or {"type": "reset", "seq": N,
 * "reason"} when the change log cannot answer. Live changes follow either
 * way; nothing else runs in between (one thread). */
static void
send_changes_since (Server                  *self,
                    SoupWebsocketConnection *connection,
                    const char              *since)
{
  gint64 current = db_current_seq (self);
  g_autofree char *reason = NULL;
  g_autofree char *caught_up = NULL;
  sqlite3_stmt *stmt;
  gint64 seq;

  if (!since_is_usable (self, since, current, &seq, &reason))
    {
      g_autofree char *reset = reset_message (current, reason);

      soup_websocket_connection_send_text (connection, reset);
      return;
    }

  stmt = db_prepare (self, "SELECT message FROM changes WHERE seq > ? ORDER BY seq");
  sqlite3_bind_int64 (stmt, 1, seq);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    soup_websocket_connection_send_text (connection, (const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  caught_up = g_strdup_printf ("{\"type\":\"caught_up\",\"seq\":%" G_GINT64_FORMAT "}", current);
  soup_websocket_connection_send_text (connection, caught_up);
}

static void
websocket_handler (SoupServer              *server,
                   SoupServerMessage       *msg,
                   const char              *path,
                   SoupWebsocketConnection *connection,
                   gpointer                 user_data)
{
  Server *self = user_data;
  const char *query = g_uri_get_query (soup_server_message_get_uri (msg));
  g_autoptr(GHashTable) params = query != NULL ? g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, NULL) : NULL;
  const char *since = params != NULL ? g_hash_table_lookup (params, "since") : NULL;

  /* Keep-alive pings make a dead peer visible within seconds. */
  soup_websocket_connection_set_keepalive_interval (connection, 5);
  if (since != NULL)
    send_changes_since (self, connection, since);
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
  gint64 change_log_size = 10000;
  Server self = { 0, };
  GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "Port on 127.0.0.1 (0: any free port)", "N" },
    { "db", 'd', 0, G_OPTION_ARG_FILENAME, &db_path, "SQLite database file", "FILE" },
    { "fail-next", 0, 0, G_OPTION_ARG_INT, &fail_next, "Fail the next N writes", "N" },
    { "fail-status", 0, 0, G_OPTION_ARG_INT, &fail_status, "Status of those failures (503)", "STATUS" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &self.token, "Bearer token that writes must carry", "TOKEN" },
    { "token-reads", 0, 0, G_OPTION_ARG_NONE, &self.token_reads, "Reads need the token too", NULL },
    { "records", 0, 0, G_OPTION_ARG_INT, &n_records, "Add N records before listening", "N" },
    { "versions", 0, 0, G_OPTION_ARG_NONE, &self.versions, "Give records a \"version\" member and honour If-Match", NULL },
    { "change-log", 0, 0, G_OPTION_ARG_INT64, &change_log_size, "Changes kept for ?since= (10000)", "N" },
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
  self.change_log_size = MAX (change_log_size, 0);
  self.fail_status = (guint) fail_status;
  self.token_status = 401;
  self.sockets = g_ptr_array_new_with_free_func (g_object_unref);
  self.rand = g_rand_new ();
  self.loop = g_main_loop_new (NULL, FALSE);
  self.server = soup_server_new ("server-header", "syncobj-demo-server", NULL);
  soup_server_add_handler (self.server, "/items", data_handler, &self, NULL);
  soup_server_add_handler (self.server, "/batch", data_handler, &self, NULL);
  soup_server_add_handler (self.server, "/_admin", admin_handler, &self, NULL);
  soup_server_add_websocket_handler (self.server, "/changes", NULL, NULL, websocket_handler, &self, NULL);
  soup_server_add_early_handler (self.server, "/changes", changes_early_handler, &self, NULL);

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
