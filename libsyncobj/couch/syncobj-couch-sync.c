/* syncobj-couch-sync.c: a sync following a CouchDB database
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-couch-sync-private.h"
#include "syncobj-couch-parse-private.h"
#include "syncobj-sync-private.h"
#include "http/syncobj-http-request-private.h"
#include "http/syncobj-http-auth-private.h"
#include "http/syncobj-http-probe-private.h"
#include "syncobj-couch-session-private.h"
#include "syncobj-couch-selector-private.h"
#include "syncobj-json-util-private.h"

#include <string.h>

/**
 * SyncobjCouchSync:
 *
 * A [class@Syncobj.Sync] that follows one database of a server speaking
 * the CouchDB replication protocol: Apache CouchDB 3 (clustered or not),
 * IBM Cloudant, PouchDB Server.
 *
 * The first load reads `GET <database>/_all_docs?include_docs=true&update_seq=true`
 * (with a [property@Syncobj.CouchSync:selector]: `POST
 * <database>/_changes?since=0&filter=_selector&include_docs=true&selector=…`), as one
 * full snapshot, without building a JSON tree per document; its
 * `update_seq` (or `last_seq`) is the sync's cursor
 * ([method@Syncobj.Sync.get_cursor]). Then the sync follows
 * `_changes?feed=longpoll&since=<cursor>&include_docs=true&heartbeat=…`,
 * one request after the other, each answer one commit that moves the
 * cursor to its `last_seq`. A collection with a store keeps the cursor
 * with its cached records: after a restart the sync asks only for the
 * changes since then, with no full reload
 * ([property@Syncobj.CouchSync:full-loads] stays 0). A server that cannot
 * resume from the cursor (it answers 400) gets a full load.
 *
 * The collection's [property@Syncobj.Collection:key-member] must be
 * `_id`. Documents come as the server holds them, `_rev` included (the
 * revision [class@Syncobj.CouchMutator] sends its updates against).
 * Deleted documents (`"deleted": true`) are deleted; design documents
 * (`_design/…`) are not records and are skipped. Attachments stay on the
 * server: a document lists them in its `_attachments` stubs.
 *
 * A failed request marks the sync's error and is retried after
 * [property@Syncobj.CouchSync:reconnect-delay], doubled after each
 * failure up to 30 s; coming back online retries at once. Answers are
 * bounded like those of [class@Syncobj.HttpSync]: at most 256 MiB, and
 * a snapshot must come at 1 KiB/s or faster (the long poll, which sends
 * only heartbeats while nothing changes, has no rate limit but must send
 * a heartbeat within the timeout).
 *
 * A 401 answer sets [property@Syncobj.CouchSync:needs-auth] and emits
 * [signal@Syncobj.CouchSync::auth-required] with a
 * [class@Syncobj.AuthRequest]: give it an `Authorization` value (`Basic
 * …` for CouchDB's users, `Bearer …` for a proxy or a JWT-configured
 * CouchDB) and the sync goes on with it. TLS certificates are checked as
 * libsoup does by default.
 */

struct _SyncobjCouchSync
{
  SyncobjSync          parent_instance;

  char                *uri;             /* the database, without a trailing slash */
  char                *selector;        /* JSON text, or NULL */
  SyncobjCouchSelector *matcher;        /* of the selector, once checked */
  guint                heartbeat_ms;
  guint                reconnect_delay_ms;
  guint                timeout_ms;
  gboolean             cookie_session;
  SyncobjHttpHeaders   headers;
  SyncobjHttpLimits    limits;          /* of a snapshot */
  SyncobjHttpLimits    feed_limits;     /* of a long poll: no rate */
  SyncobjHttpAuthGate  auth;
  SoupSession         *session;

  gboolean             running;
  gboolean             connected;
  gboolean             need_full_load;
  GCancellable        *cancellable;     /* of the current request */
  guint                timer;           /* reconnect */
  guint                failures;
  guint                full_loads;
  gulong               online_handler;

  GPtrArray           *echoes;          /* SyncobjCouchEcho, unowned */
};

G_DEFINE_FINAL_TYPE (SyncobjCouchSync, syncobj_couch_sync, SYNCOBJ_TYPE_SYNC)

enum {
  PROP_0,
  PROP_DATABASE_URI,
  PROP_SELECTOR,
  PROP_HEARTBEAT,
  PROP_RECONNECT_DELAY,
  PROP_CONNECTED,
  PROP_NEEDS_AUTH,
  PROP_FULL_LOADS,
  PROP_COOKIE_SESSION,
  N_PROPS
};

enum {
  AUTH_REQUIRED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

#define DEFAULT_HEARTBEAT_MS        10000
#define DEFAULT_RECONNECT_DELAY_MS  500
#define MAX_RECONNECT_DELAY_MS      30000

static void couch_sync_connect (SyncobjCouchSync *self);

/* ---- the connection --------------------------------------------------------- */

static void
set_connected (SyncobjCouchSync *self,
               gboolean          connected)
{
  if (self->connected == connected)
    return;
  self->connected = connected;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
}

static void
stop_connection (SyncobjCouchSync *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->timer != 0)
    _syncobj_scheduler_remove (_syncobj_scheduler_get_default (), self->timer);
  self->timer = 0;
}

static gboolean
reconnect_cb (gpointer data)
{
  SyncobjCouchSync *self = data;

  self->timer = 0;
  couch_sync_connect (self);
  return G_SOURCE_REMOVE;
}

/* Marks @error (taken) and tries again after the backoff. */
static void
connection_failed (SyncobjCouchSync *self,
                   GError           *error)
{
  guint delay = self->reconnect_delay_ms;

  syncobj_sync_mark_error (SYNCOBJ_SYNC (self), error);
  g_error_free (error);
  set_connected (self, FALSE);
  stop_connection (self);
  if (!self->running)
    return;

  for (guint i = 0; i < self->failures && delay < MAX_RECONNECT_DELAY_MS; i++)
    delay *= 2;
  delay = MIN (delay, MAX_RECONNECT_DELAY_MS);
  self->failures++;
  self->timer = _syncobj_scheduler_add (_syncobj_scheduler_get_default (), delay, reconnect_cb, self, NULL);
}

/* ---- requests ----------------------------------------------------------------- */

/* <database>/@path?@query with since=@since (escaped) when given, after
 * the database URI's own query. */
static char *
couch_uri (SyncobjCouchSync *self,
           const char       *path,
           const char       *query,
           const char       *since)
{
  g_autofree char *escaped = since != NULL ? g_uri_escape_string (since, NULL, FALSE) : NULL;
  g_autofree char *full_query = g_strdup_printf ("%s%s%s", query, since != NULL ? "&since=" : "",
                                                 since != NULL ? escaped : "");

  return _syncobj_http_uri_child (self->uri, path, full_query);
}

/* A POST with the selector in its body when @post. */
static SoupMessage *
couch_request (SyncobjCouchSync *self,
               const char       *uri,
               gboolean          post)
{
  SoupMessage *message;

  if (self->selector == NULL || !post)
    message = soup_message_new ("GET", uri);
  else
    {
      char *body = g_strdup_printf ("{\"selector\":%s}", self->selector);
      g_autoptr(GBytes) bytes = g_bytes_new_take (body, strlen (body));

      message = soup_message_new ("POST", uri);
      if (message != NULL)
        soup_message_set_request_body_from_bytes (message, "application/json", bytes);
    }
  if (message == NULL)
    return NULL;
  _syncobj_http_forbid_resend (message);
  _syncobj_http_headers_apply (&self->headers, message);
  soup_message_headers_replace (soup_message_get_request_headers (message), "Accept", "application/json");
  return message;
}

typedef enum
{
  READ_FULL,       /* the whole database: a snapshot */
  READ_CATCH_UP,   /* the changes since the cursor, at once */
  READ_LONGPOLL,   /* the next changes, when they come */
} ReadKind;

typedef struct
{
  SyncobjCouchSync *self;
  SoupMessage      *message;
  ReadKind          kind;
} ReadRequest;

static void
read_request_free (ReadRequest *request)
{
  g_clear_object (&request->self);
  g_clear_object (&request->message);
  g_free (request);
}

/* ---- answers ------------------------------------------------------------------- */

typedef struct
{
  SyncobjCouchSync *self;
  SyncobjSyncLoad  *load;
  guint             skipped;
} RowsLoad;

/* Whether the document of @row goes into the collection (@keep): with a
 * selector, only when it matches; FALSE with @error for a document that
 * cannot be read. */
static gboolean
row_selected (SyncobjCouchSync       *self,
              const SyncobjCouchRow  *row,
              gboolean               *keep,
              GError                **error)
{
  g_autoptr(JsonObject) doc = NULL;

  *keep = TRUE;
  if (self->matcher == NULL)
    return TRUE;
  doc = _syncobj_json_parse_object (row->doc, (gssize) row->doc_length, error);
  if (doc == NULL)
    return FALSE;
  *keep = _syncobj_couch_selector_matches (self->matcher, doc);
  return TRUE;
}

static gboolean
row_cb (const SyncobjCouchRow  *row,
        gpointer                user_data,
        GError                **error)
{
  RowsLoad *rows = user_data;
  gboolean keep = FALSE;

  if (g_str_has_prefix (row->id, "_design/"))
    return TRUE;
  _syncobj_couch_echo_note (rows->self, row);
  if (!row->deleted && row->doc == NULL)
    {
      rows->skipped++;  /* an _all_docs row for a key not found */
      return TRUE;
    }
  if (!row->deleted && !row_selected (rows->self, row, &keep, error))
    return FALSE;
  /* A document the selector does not match may have matched before: it
   * leaves the collection. */
  if (keep)
    _syncobj_sync_load_add (rows->load, SYNCOBJ_MUTATION_TYPE_INSERT, row->id, row->id_length,
                            FALSE, row->doc, row->doc_length, FALSE);
  else
    _syncobj_sync_load_add (rows->load, SYNCOBJ_MUTATION_TYPE_DELETE, row->id, row->id_length,
                            FALSE, NULL, 0, FALSE);
  return TRUE;
}

/* One commit: the rows of @body (the whole database with @truncate), then
 * the cursor. */
static gboolean
apply_rows (SyncobjCouchSync  *self,
            GBytes            *body,
            gboolean           truncate,
            GError           **error)
{
  SyncobjSync *sync = SYNCOBJ_SYNC (self);
  gsize length;
  const char *text = g_bytes_get_data (body, &length);
  RowsLoad rows = { self, _syncobj_sync_load_new (length), 0 };
  g_autofree char *seq = NULL;
  gboolean committed;
  g_autoptr(GError) local_error = NULL;

  if (!_syncobj_couch_parse_rows (text != NULL ? text : "", length, row_cb, &rows, &seq, &local_error))
    {
      _syncobj_sync_load_free (rows.load);
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                   _("The answer of %s could not be read: %s"), self->uri, local_error->message);
      return FALSE;
    }

  syncobj_sync_begin (sync);
  if (truncate)
    syncobj_sync_truncate (sync, NULL);
  /* Into the open commit: nothing is applied yet. */
  _syncobj_sync_load_take (sync, rows.load, NULL);
  /* A cursor the store cannot keep only costs a full load next time. */
  if (seq != NULL && !syncobj_sync_set_cursor (sync, seq, &local_error))
    g_debug ("CouchDB sync %s keeps no cursor: %s", self->uri, local_error->message);
  committed = syncobj_sync_commit (sync, error);
  _syncobj_couch_echo_finish_complete (self);
  return committed;
}

static void send_read (SyncobjCouchSync *self, ReadKind kind);

static void
login_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(SyncobjCouchSync) self = user_data;
  g_autoptr(GError) error = NULL;

  if (_syncobj_couch_session_login_finish (result, &error))
    couch_sync_connect (self);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && self->running)
    connection_failed (self, g_steal_pointer (&error));
}

static void
read_auth_resume (GTask    *task,
                  gboolean  credential)
{
  SyncobjCouchSync *self = g_task_get_source_object (task);

  g_task_return_boolean (task, credential);
  if (!self->running)
    return;
  if (credential && self->cookie_session)
    _syncobj_couch_session_login_async (self->session, self->uri, &self->headers, self->cancellable,
                                        login_cb, g_object_ref (self));
  else
    couch_sync_connect (self);
}

/* The status of @request's answer: FALSE with @error for a failure. */
static gboolean
check_status (ReadRequest  *request,
              GBytes       *body,
              GError      **error)
{
  guint status = soup_message_get_status (request->message);
  g_autofree char *reason = NULL;

  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    return TRUE;
  reason = _syncobj_http_error_reason (request->message, body);
  if (request->kind == READ_FULL && request->self->selector != NULL &&
      (status == SOUP_STATUS_BAD_REQUEST || status == SOUP_STATUS_NOT_FOUND))
    g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
                 _("CouchDB database %s cannot filter its changes by the selector %s (status %u: %s)"),
                 request->self->uri, request->self->selector, status, reason);
  else
    g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
                 _("CouchDB database %s answered status %u: %s"), request->self->uri, status, reason);
  return FALSE;
}

static void
read_done (ReadRequest *request,
           GBytes      *body)
{
  SyncobjCouchSync *self = request->self;
  g_autoptr(GError) error = NULL;

  if (_syncobj_http_auth_gate_refused (&self->auth, request->message))
    {
      g_autoptr(GTask) task = g_task_new (self, self->cancellable, NULL, NULL);

      _syncobj_http_auth_gate_hold (&self->auth, task, request->message, read_auth_resume);
      return;
    }
  if (request->kind == READ_CATCH_UP && soup_message_get_status (request->message) == SOUP_STATUS_BAD_REQUEST)
    {
      /* The server cannot resume from this cursor. */
      self->need_full_load = TRUE;
      send_read (self, READ_FULL);
      return;
    }
  if (!check_status (request, body, &error) ||
      !apply_rows (self, body, request->kind == READ_FULL, &error))
    {
      connection_failed (self, g_steal_pointer (&error));
      return;
    }

  if (request->kind == READ_FULL)
    {
      self->full_loads++;
      self->need_full_load = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FULL_LOADS]);
    }
  self->failures = 0;
  if (request->kind != READ_LONGPOLL)
    syncobj_sync_mark_ready (SYNCOBJ_SYNC (self));
  set_connected (self, TRUE);
  send_read (self, READ_LONGPOLL);
}

/* Whether a 2xx @body holds nothing but the heartbeats' newlines. Every
 * answer of CouchDB's ends with its JSON, so such a body is one whose
 * connection closed before the answer (the server went away during a long
 * poll): libsoup gives what arrived without an error. */
static gboolean
body_cut_short (SoupMessage *message,
                GBytes      *body)
{
  gsize length;
  const char *text = g_bytes_get_data (body, &length);

  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (message)))
    return FALSE;
  for (gsize i = 0; i < length; i++)
    {
      if (!g_ascii_isspace (text[i]))
        return FALSE;
    }
  return TRUE;
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  ReadRequest *request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = _syncobj_http_send_and_read_finish (result, &error);

  if (body != NULL && body_cut_short (request->message, body))
    {
      g_clear_pointer (&body, g_bytes_unref);
      error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                   _("The connection closed before the answer came"));
    }
  if (body == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && request->self->running)
        {
          _syncobj_http_probe_read_failed (soup_message_get_uri (request->message), error);
          connection_failed (request->self, _syncobj_http_network_error (request->message, error));
        }
    }
  else if (request->self->running)
    {
      /* The server answers: writes held while it could not be reached go. */
      _syncobj_http_probe_answered (soup_message_get_uri (request->message));
      read_done (request, body);
    }
  read_request_free (request);
}

/* The query of a `_changes` request. With a selector, the first load is
 * filtered by the server: CouchDB 2 and later read the selector from the
 * body of the POST (`filter=_selector`) and ignore the `selector`
 * parameter; PouchDB Server 4.2 reads only the parameter (and takes
 * `_selector` alone for the name of a design document). The feed is not
 * filtered: a filtered feed leaves out the documents that stop matching
 * and the deletions, which the selector is evaluated here to remove. */
static char *
changes_query (SyncobjCouchSync *self,
               ReadKind          kind)
{
  GString *query = g_string_new ("include_docs=true");

  if (kind == READ_LONGPOLL)
    g_string_append_printf (query, "&feed=longpoll&heartbeat=%u", self->heartbeat_ms);
  if (self->selector != NULL && kind == READ_FULL)
    {
      g_autofree char *escaped = g_uri_escape_string (self->selector, NULL, FALSE);

      g_string_append_printf (query, "&filter=_selector&selector=%s", escaped);
    }
  return g_string_free (query, FALSE);
}

static void
send_read (SyncobjCouchSync *self,
           ReadKind          kind)
{
  const char *cursor = kind == READ_FULL ? NULL : syncobj_sync_get_cursor (SYNCOBJ_SYNC (self));
  g_autofree char *uri = NULL;
  ReadRequest *request;

  if (kind == READ_FULL && self->selector == NULL)
    uri = couch_uri (self, "_all_docs", "include_docs=true&update_seq=true", NULL);
  else
    {
      g_autofree char *query = changes_query (self, kind);

      uri = couch_uri (self, "_changes", query, kind == READ_FULL ? "0" : cursor);
    }

  request = g_new0 (ReadRequest, 1);
  request->self = g_object_ref (self);
  request->kind = kind;
  request->message = couch_request (self, uri, kind == READ_FULL);
  if (request->message == NULL)
    {
      read_request_free (request);
      self->running = FALSE;
      connection_failed (self, g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
                                            _("“%s” is not a valid CouchDB database URI"), self->uri));
      return;
    }
  if (self->cancellable == NULL)
    self->cancellable = g_cancellable_new ();
  _syncobj_http_send_and_read_async (self->session, request->message,
                                     kind == READ_LONGPOLL ? &self->feed_limits : &self->limits,
                                     self->cancellable, read_cb, request);
}

static void
couch_sync_connect (SyncobjCouchSync *self)
{
  SyncobjCollection *collection = syncobj_sync_get_collection (SYNCOBJ_SYNC (self));

  stop_connection (self);
  if (collection != NULL && g_strcmp0 (syncobj_collection_get_key_member (collection), "_id") != 0)
    {
      g_autoptr(GError) error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE,
                                             _("A CouchDB sync needs a collection whose key member is “_id”, not “%s”"),
                                             syncobj_collection_get_key_member (collection));

      syncobj_sync_mark_error (SYNCOBJ_SYNC (self), error);
      return;
    }
  if (_syncobj_http_auth_gate_needs_auth (&self->auth))
    return;  /* the credential reconnects */
  if (self->selector != NULL && self->matcher == NULL)
    {
      g_autoptr(GError) error = NULL;

      self->matcher = _syncobj_couch_selector_new (self->selector, &error);
      if (self->matcher == NULL)
        {
          g_autoptr(GError) named = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE,
                                                 _("The selector %s of the CouchDB sync of %s cannot be used: %s"),
                                                 self->selector, self->uri, error->message);

          syncobj_sync_mark_error (SYNCOBJ_SYNC (self), named);
          return;
        }
    }
  send_read (self, self->need_full_load || syncobj_sync_get_cursor (SYNCOBJ_SYNC (self)) == NULL ?
                   READ_FULL : READ_CATCH_UP);
}

static void
online_changed_cb (SyncobjScheduler *scheduler,
                   GParamSpec       *pspec,
                   SyncobjCouchSync *self)
{
  /* Back online: reconnect at once instead of waiting out the backoff. */
  if (_syncobj_scheduler_get_online (scheduler) && self->running && self->timer != 0)
    {
      self->failures = 0;
      couch_sync_connect (self);
    }
}

static void
syncobj_couch_sync_start (SyncobjSync *sync)
{
  SyncobjCouchSync *self = SYNCOBJ_COUCH_SYNC (sync);

  self->running = TRUE;
  self->failures = 0;
  if (self->online_handler == 0)
    self->online_handler = g_signal_connect (_syncobj_scheduler_get_default (), "notify::online",
                                             G_CALLBACK (online_changed_cb), self);
  couch_sync_connect (self);
}

static void
syncobj_couch_sync_stop (SyncobjSync *sync)
{
  SyncobjCouchSync *self = SYNCOBJ_COUCH_SYNC (sync);

  self->running = FALSE;
  if (self->online_handler != 0)
    g_signal_handler_disconnect (_syncobj_scheduler_get_default (), self->online_handler);
  self->online_handler = 0;
  stop_connection (self);
  /* Without notify::connected: a sync stops only when its collection goes
   * away, and that may be a binding's garbage collector finalizing it,
   * which cannot call back into the script (GJS refuses with a critical). */
  self->connected = FALSE;
  /* Writes waiting for their echo wait no longer. */
  _syncobj_couch_echo_finish_all (self);
}

/* ---- for the echoes of writes (syncobj-couch-sync-echo.c) ------------------------ */

GPtrArray *
_syncobj_couch_sync_get_echoes (SyncobjCouchSync *self)
{
  return self->echoes;
}

gboolean
_syncobj_couch_sync_is_running (SyncobjCouchSync *self)
{
  return self->running;
}

/* ---- public API ------------------------------------------------------------------ */

/**
 * syncobj_couch_sync_new:
 * @id: the id of the sync (the collection's id by convention)
 * @database_uri: the database, such as `https://host:5984/notes` (with
 *   no trailing slash needed); a name and password in it
 *   (`https://name:password@host/notes`) are its `Basic` credential
 *
 * Creates a sync following one CouchDB database.
 *
 * Returns: (transfer full): a new sync
 */
SyncobjCouchSync *
syncobj_couch_sync_new (const char *id,
                        const char *database_uri)
{
  g_return_val_if_fail (database_uri != NULL, NULL);

  return g_object_new (SYNCOBJ_TYPE_COUCH_SYNC, "id", id, "database-uri", database_uri, NULL);
}

/**
 * syncobj_couch_sync_get_database_uri:
 * @self: a CouchDB sync
 *
 * Returns: the database followed, without a trailing slash
 */
const char *
syncobj_couch_sync_get_database_uri (SyncobjCouchSync *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COUCH_SYNC (self), NULL);
  return self->uri;
}

/**
 * syncobj_couch_sync_get_selector:
 * @self: a CouchDB sync
 *
 * Returns: (nullable): the selector, see [property@Syncobj.CouchSync:selector]
 */
const char *
syncobj_couch_sync_get_selector (SyncobjCouchSync *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COUCH_SYNC (self), NULL);
  return self->selector;
}

/**
 * syncobj_couch_sync_set_selector:
 * @self: a CouchDB sync
 * @selector_json: (nullable): a Mango selector as JSON text, such as
 *   `{"type": "note"}`, or %NULL for the whole database
 *
 * Syncs only the documents @selector_json matches, see
 * [property@Syncobj.CouchSync:selector]. Set it before the collection is
 * created.
 */
void
syncobj_couch_sync_set_selector (SyncobjCouchSync *self,
                                 const char       *selector_json)
{
  g_autoptr(JsonObject) parsed = NULL;

  g_return_if_fail (SYNCOBJ_IS_COUCH_SYNC (self));

  if (selector_json != NULL)
    parsed = _syncobj_json_parse_object (selector_json, -1, NULL);
  if (g_strcmp0 (self->selector, selector_json) == 0)
    return;
  g_free (self->selector);
  /* Text that is no JSON object is kept as it is: the start refuses it
   * with the sync's error, as it does a selector it cannot use. */
  self->selector = parsed != NULL ? _syncobj_json_to_string (parsed) : g_strdup (selector_json);
  g_clear_pointer (&self->matcher, _syncobj_couch_selector_free);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTOR]);
}

/**
 * syncobj_couch_sync_get_heartbeat:
 * @self: a CouchDB sync
 *
 * Returns: the heartbeat of the change feed, in milliseconds
 */
guint
syncobj_couch_sync_get_heartbeat (SyncobjCouchSync *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COUCH_SYNC (self), 0);
  return self->heartbeat_ms;
}

/**
 * syncobj_couch_sync_set_heartbeat:
 * @self: a CouchDB sync
 * @heartbeat_ms: milliseconds between the server's heartbeats (at least 1)
 *
 * Sets [property@Syncobj.CouchSync:heartbeat].
 */
void
syncobj_couch_sync_set_heartbeat (SyncobjCouchSync *self,
                                  guint             heartbeat_ms)
{
  g_return_if_fail (SYNCOBJ_IS_COUCH_SYNC (self));
  g_return_if_fail (heartbeat_ms > 0);

  if (self->heartbeat_ms == heartbeat_ms)
    return;
  self->heartbeat_ms = heartbeat_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEARTBEAT]);
}

/**
 * syncobj_couch_sync_get_reconnect_delay:
 * @self: a CouchDB sync
 *
 * Returns: the first delay before a failed request is tried again, in
 *   milliseconds
 */
guint
syncobj_couch_sync_get_reconnect_delay (SyncobjCouchSync *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COUCH_SYNC (self), 0);
  return self->reconnect_delay_ms;
}

/**
 * syncobj_couch_sync_set_reconnect_delay:
 * @self: a CouchDB sync
 * @delay_ms: the first delay before a failed request is tried again, in
 *   milliseconds (at least 1); it doubles after each failure, up to 30 s
 *
 * Sets [property@Syncobj.CouchSync:reconnect-delay].
 */
void
syncobj_couch_sync_set_reconnect_delay (SyncobjCouchSync *self,
                                        guint             delay_ms)
{
  g_return_if_fail (SYNCOBJ_IS_COUCH_SYNC (self));
  g_return_if_fail (delay_ms > 0);

  if (self->reconnect_delay_ms == delay_ms)
    return;
  self->reconnect_delay_ms = delay_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECONNECT_DELAY]);
}

/**
 * syncobj_couch_sync_get_connected:
 * @self: a CouchDB sync
 *
 * Returns: whether the last request to the server succeeded
 */
gboolean
syncobj_couch_sync_get_connected (SyncobjCouchSync *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COUCH_SYNC (self), FALSE);
  return self->connected;
}

/**
 * syncobj_couch_sync_get_needs_auth:
 * @self: a CouchDB sync
 *
 * Returns: whether the sync waits for credentials, see
 *   [property@Syncobj.CouchSync:needs-auth]
 */
gboolean
syncobj_couch_sync_get_needs_auth (SyncobjCouchSync *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COUCH_SYNC (self), FALSE);
  return _syncobj_http_auth_gate_needs_auth (&self->auth);
}

/**
 * syncobj_couch_sync_get_full_loads:
 * @self: a CouchDB sync
 *
 * Returns: how many times the sync loaded the whole database, see
 *   [property@Syncobj.CouchSync:full-loads]
 */
guint
syncobj_couch_sync_get_full_loads (SyncobjCouchSync *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COUCH_SYNC (self), 0);
  return self->full_loads;
}

/**
 * syncobj_couch_sync_get_cookie_session:
 * @self: a CouchDB sync
 *
 * Returns: whether credentials are exchanged for a session cookie, see
 *   [property@Syncobj.CouchSync:cookie-session]
 */
gboolean
syncobj_couch_sync_get_cookie_session (SyncobjCouchSync *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COUCH_SYNC (self), FALSE);
  return self->cookie_session;
}

/**
 * syncobj_couch_sync_set_cookie_session:
 * @self: a CouchDB sync
 * @cookie_session: whether to log in at `_session`
 *
 * Sets [property@Syncobj.CouchSync:cookie-session].
 */
void
syncobj_couch_sync_set_cookie_session (SyncobjCouchSync *self,
                                       gboolean          cookie_session)
{
  g_return_if_fail (SYNCOBJ_IS_COUCH_SYNC (self));

  cookie_session = !!cookie_session;
  if (self->cookie_session == cookie_session)
    return;
  self->cookie_session = cookie_session;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COOKIE_SESSION]);
}

/**
 * syncobj_couch_sync_set_header:
 * @self: a CouchDB sync
 * @name: a header name
 * @value: (nullable): its value, or %NULL to remove it
 *
 * Sets a header sent with every request of the sync.
 */
void
syncobj_couch_sync_set_header (SyncobjCouchSync *self,
                               const char       *name,
                               const char       *value)
{
  g_return_if_fail (SYNCOBJ_IS_COUCH_SYNC (self));
  g_return_if_fail (name != NULL);
  _syncobj_http_headers_set (&self->headers, name, value);
}

/* ---- GObject ------------------------------------------------------------------------ */

static void
syncobj_couch_sync_dispose (GObject *object)
{
  SyncobjCouchSync *self = SYNCOBJ_COUCH_SYNC (object);

  self->running = FALSE;
  stop_connection (self);
  _syncobj_http_auth_gate_clear (&self->auth);
  G_OBJECT_CLASS (syncobj_couch_sync_parent_class)->dispose (object);
}

static void
syncobj_couch_sync_finalize (GObject *object)
{
  SyncobjCouchSync *self = SYNCOBJ_COUCH_SYNC (object);

  _syncobj_couch_echo_detach_all (self);
  g_ptr_array_unref (self->echoes);
  g_free (self->uri);
  g_free (self->selector);
  g_clear_pointer (&self->matcher, _syncobj_couch_selector_free);
  _syncobj_http_headers_clear (&self->headers);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (syncobj_couch_sync_parent_class)->finalize (object);
}

static void
syncobj_couch_sync_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  SyncobjCouchSync *self = SYNCOBJ_COUCH_SYNC (object);

  switch (prop_id)
    {
    case PROP_DATABASE_URI:
      g_value_set_string (value, self->uri);
      break;
    case PROP_SELECTOR:
      g_value_set_string (value, self->selector);
      break;
    case PROP_HEARTBEAT:
      g_value_set_uint (value, self->heartbeat_ms);
      break;
    case PROP_RECONNECT_DELAY:
      g_value_set_uint (value, self->reconnect_delay_ms);
      break;
    case PROP_CONNECTED:
      g_value_set_boolean (value, self->connected);
      break;
    case PROP_NEEDS_AUTH:
      g_value_set_boolean (value, syncobj_couch_sync_get_needs_auth (self));
      break;
    case PROP_FULL_LOADS:
      g_value_set_uint (value, self->full_loads);
      break;
    case PROP_COOKIE_SESSION:
      g_value_set_boolean (value, self->cookie_session);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_couch_sync_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  SyncobjCouchSync *self = SYNCOBJ_COUCH_SYNC (object);

  switch (prop_id)
    {
    case PROP_DATABASE_URI:
      self->uri = _syncobj_http_base_uri (g_value_get_string (value), &self->headers);
      break;
    case PROP_SELECTOR:
      syncobj_couch_sync_set_selector (self, g_value_get_string (value));
      break;
    case PROP_HEARTBEAT:
      syncobj_couch_sync_set_heartbeat (self, g_value_get_uint (value));
      break;
    case PROP_RECONNECT_DELAY:
      syncobj_couch_sync_set_reconnect_delay (self, g_value_get_uint (value));
      break;
    case PROP_COOKIE_SESSION:
      syncobj_couch_sync_set_cookie_session (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_couch_sync_class_init (SyncobjCouchSyncClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SyncobjSyncClass *sync_class = SYNCOBJ_SYNC_CLASS (klass);

  _syncobj_ensure_i18n ();

  object_class->dispose = syncobj_couch_sync_dispose;
  object_class->finalize = syncobj_couch_sync_finalize;
  object_class->get_property = syncobj_couch_sync_get_property;
  object_class->set_property = syncobj_couch_sync_set_property;

  sync_class->start = syncobj_couch_sync_start;
  sync_class->stop = syncobj_couch_sync_stop;

  /**
   * SyncobjCouchSync:database-uri:
   *
   * The database followed, such as `https://host:5984/notes`, without
   * a trailing slash. A name and password in the URI given
   * (`https://name:password@host:5984/notes`) are taken out of it and
   * sent as a `Basic` credential.
   */
  properties[PROP_DATABASE_URI] =
    g_param_spec_string ("database-uri", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCouchSync:selector:
   *
   * A Mango selector (JSON text, such as `{"type": "note"}`) that limits
   * the sync to the documents it matches. %NULL (the default) syncs the
   * whole database.
   *
   * The first load is filtered by the server (`filter=_selector`, with the
   * selector in the body of the POST for CouchDB 2 and later and in a
   * `selector` query parameter for PouchDB Server); a server that refuses
   * the filter sets the sync's error, naming the selector. The feed is
   * not filtered by the server, which would leave out the documents that
   * stop matching and the deletions: the sync evaluates the selector on
   * each document it brings, so a document that stops matching leaves the
   * collection and one that comes to match joins it. A selector that is
   * not a JSON object, has an operator CouchDB does not know, or a wrong
   * argument, sets the sync's error before any request, naming it; the
   * sync then loads nothing.
   */
  properties[PROP_SELECTOR] =
    g_param_spec_string ("selector", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCouchSync:heartbeat:
   *
   * Milliseconds between the newlines the server sends while a long poll
   * waits for changes (`heartbeat=`); a long poll that stays silent for
   * 30 s fails and is tried again. The default is 10 s.
   */
  properties[PROP_HEARTBEAT] =
    g_param_spec_uint ("heartbeat", NULL,
                       _("Time between the server's heartbeats on the change feed, in milliseconds"),
                       1, G_MAXUINT, DEFAULT_HEARTBEAT_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCouchSync:reconnect-delay:
   *
   * Milliseconds before a failed request is tried again, doubled after
   * each failure up to 30 s. The default is 500.
   */
  properties[PROP_RECONNECT_DELAY] =
    g_param_spec_uint ("reconnect-delay", NULL,
                       _("The first delay before a failed request is tried again, in milliseconds"),
                       1, G_MAXUINT, DEFAULT_RECONNECT_DELAY_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCouchSync:connected:
   *
   * Whether the last request to the server succeeded. It turns %FALSE
   * without a notification when the collection goes away and the sync
   * stops.
   */
  properties[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCouchSync:needs-auth:
   *
   * Whether the server refused a request with 401 and the sync waits for
   * the application to give credentials through
   * [signal@Syncobj.CouchSync::auth-required].
   */
  properties[PROP_NEEDS_AUTH] =
    g_param_spec_boolean ("needs-auth", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCouchSync:full-loads:
   *
   * How many times the sync loaded the whole database (`_all_docs`). A
   * collection restarted with a cursor in its store resumes from it and
   * loads nothing in full.
   */
  properties[PROP_FULL_LOADS] =
    g_param_spec_uint ("full-loads", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCouchSync:cookie-session:
   *
   * Whether a `Basic` credential given through
   * [signal@Syncobj.CouchSync::auth-required] is exchanged for a CouchDB
   * session cookie (`POST /_session` with the name and password): the
   * requests then carry the `AuthSession` cookie, not the password. When
   * the session expires the server answers 401 and the sync asks for
   * credentials again.
   */
  properties[PROP_COOKIE_SESSION] =
    g_param_spec_boolean ("cookie-session", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SyncobjCouchSync::auth-required:
   * @self: the sync
   * @request: what the application completes, now or later
   *
   * Emitted when the server refused a request with 401 and
   * [property@Syncobj.CouchSync:needs-auth] became %TRUE. Call
   * [method@Syncobj.AuthRequest.set_credential] with an `Authorization`
   * value (or [method@Syncobj.AuthRequest.cancel]).
   */
  signals[AUTH_REQUIRED] =
    g_signal_new ("auth-required",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, SYNCOBJ_TYPE_AUTH_REQUEST);
}

static void
syncobj_couch_sync_init (SyncobjCouchSync *self)
{
  self->heartbeat_ms = DEFAULT_HEARTBEAT_MS;
  self->reconnect_delay_ms = DEFAULT_RECONNECT_DELAY_MS;
  self->timeout_ms = SYNCOBJ_HTTP_DEFAULT_TIMEOUT_MS;
  self->echoes = g_ptr_array_new ();
  _syncobj_http_headers_init (&self->headers);
  _syncobj_http_limits_init (&self->limits);
  _syncobj_http_limits_init (&self->feed_limits);
  self->feed_limits.min_transfer_rate = 0;
  _syncobj_http_auth_gate_init (&self->auth, G_OBJECT (self), &self->headers,
                                properties[PROP_NEEDS_AUTH], signals[AUTH_REQUIRED]);
  self->session = _syncobj_http_session_new (self->timeout_ms);
  _syncobj_couch_session_init (self->session);
}
