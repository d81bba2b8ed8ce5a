/* syncobj-http-sync.c: a sync fed by an HTTP snapshot and a WebSocket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-http-sync-private.h"
#include "syncobj-http-echo-private.h"
#include "syncobj-http-feed-private.h"
#include "syncobj-http-request-private.h"
#include "syncobj-http-probe-private.h"
#include "syncobj-sync-private.h"

#include <string.h>

/**
 * SyncobjHttpSync:
 *
 * A [class@Syncobj.Sync] that reads a collection from an HTTP/JSON API.
 *
 * When its collection starts it connects: first to
 * [property@Syncobj.HttpSync:websocket-uri], if set, then it fetches a
 * snapshot with `GET` [property@Syncobj.HttpSync:uri] — a JSON array of
 * records, or an object holding one in
 * [property@Syncobj.HttpSync:array-member]. The snapshot is committed as a
 * full replacement (see [method@Syncobj.Sync.truncate]): records missing
 * from it are deleted, optimistic changes stay on top. Then the collection
 * is ready.
 *
 * Live changes come over the WebSocket as text messages in the change
 * message format of [method@Syncobj.Sync.apply_json]. Messages that arrive
 * while the snapshot is on its way are applied after it. A malformed
 * message is reported with [method@Syncobj.Sync.mark_error] and the
 * [signal@Syncobj.HttpSync::message-error] signal, and skipped; the stream
 * goes on.
 *
 * The sync has a cursor ([method@Syncobj.Sync.set_cursor]), which a
 * collection with a store keeps with its cached records. A server that
 * numbers its changes (an `X-Syncobj-Seq` header on the snapshot and a
 * `"seq"` member in each change message, as the demo server does) makes
 * its sequence number the cursor, and the sync resumes from it: the
 * first connection after a restart opens the WebSocket with
 * `?since=CURSOR` instead of loading the snapshot, and the collection is
 * ready when the feed says `{"type": "caught_up"}`; polls ask
 * `?since=CURSOR` too. When the server cannot resume (`{"type": "reset"}`
 * on the WebSocket, `410 Gone` to a poll) the full snapshot loads. With
 * other servers the snapshot's `ETag` is the cursor: the first snapshot
 * after a restart asks with `If-None-Match` whether the cached records
 * are current; a `304` changes nothing and the collection is ready with
 * what it showed.
 *
 * Without a WebSocket, the sync polls the snapshot every
 * [property@Syncobj.HttpSync:poll-interval] milliseconds with
 * `If-None-Match`, so an unchanged collection costs a 304, and at once
 * when the server answers a write of a [class@Syncobj.HttpMutator] of the
 * same collection, so that the echo of the change comes without waiting
 * for the rest of the interval. It also polls
 * when the server answers the WebSocket handshake with something else
 * (until the next reconnect, which tries the WebSocket again).
 *
 * When the connection drops, the sync reconnects with exponential backoff
 * (from [property@Syncobj.HttpSync:reconnect-delay] up to 30 s), at once
 * when the network comes back or a write reaches the server, and fetches a
 * fresh snapshot, which replaces the synced state.
 *
 * A snapshot that is not whole JSON (an HTML page from a captive portal or
 * a proxy, or a JSON text cut short) changes nothing: it is reported with
 * [method@Syncobj.Sync.mark_error] as %SYNCOBJ_ERROR_PARSE and the sync
 * reconnects with backoff, keeping the synced state it had until a
 * snapshot loads.
 *
 * What the server sends is bounded: a snapshot holds at most
 * [property@Syncobj.HttpSync:max-body-size] bytes once decoded, starts
 * within [property@Syncobj.HttpSync:timeout] and comes at
 * [property@Syncobj.HttpSync:min-transfer-rate] or faster; a change
 * message holds at most [property@Syncobj.HttpSync:max-message-size]
 * bytes; at most [property@Syncobj.HttpSync:max-early-messages] wait for
 * the snapshot. Past a limit the sync reconnects with backoff for a fresh
 * snapshot.
 *
 * A 401 answer (and a 403 with
 * [property@Syncobj.HttpSync:auth-on-forbidden]) to the snapshot, a poll
 * or the WebSocket handshake pauses the sync: it enters
 * [property@Syncobj.HttpSync:needs-auth] and emits
 * [signal@Syncobj.HttpSync::auth-required] with a
 * [class@Syncobj.AuthRequest], and neither reconnects nor polls meanwhile;
 * the collection keeps showing what it has. A credential
 * ([method@Syncobj.AuthRequest.set_credential]) becomes the sync's
 * `Authorization` and the refused request goes out again, from the same
 * cursor: the cached records are not loaded again when the server can
 * tell what changed. A cancelled request leaves the sync paused, with the
 * refusal in [property@Syncobj.Sync:error], until
 * [method@Syncobj.HttpSync.reconnect] (which asks again if the server
 * still refuses). The sync and the [class@Syncobj.HttpMutator] of a
 * collection each ask on their own: one handler connected to both
 * signals can answer both requests with the same token (see the HTTP
 * guide).
 *
 * A change message may carry an `"idempotency_key"` member: the
 * `Idempotency-Key` of the request that caused it. A
 * [class@Syncobj.HttpMutator] then knows exactly which echo completes which
 * transaction; without it, any later change of the same key counts. A
 * snapshot that already holds a transaction's changes counts as its echo.
 */

G_DEFINE_FINAL_TYPE (SyncobjHttpSync, syncobj_http_sync, SYNCOBJ_TYPE_SYNC)

enum {
  PROP_0,
  PROP_URI,
  PROP_WEBSOCKET_URI,
  PROP_ARRAY_MEMBER,
  PROP_POLL_INTERVAL,
  PROP_RECONNECT_DELAY,
  PROP_TIMEOUT,
  PROP_CONNECTED,
  PROP_MAX_BODY_SIZE,       /* then PROP_MIN_TRANSFER_RATE (see syncobj-http-request.c) */
  PROP_MIN_TRANSFER_RATE,
  PROP_MAX_MESSAGE_SIZE,
  PROP_MAX_EARLY_MESSAGES,
  PROP_NEEDS_AUTH,
  PROP_AUTH_ON_FORBIDDEN,
  N_PROPS
};

enum {
  MESSAGE_ERROR,
  AUTH_REQUIRED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

#define MAX_RECONNECT_DELAY_MS 30000
#define DEFAULT_MAX_MESSAGE_SIZE   (G_GUINT64_CONSTANT (64) * 1024 * 1024)
#define DEFAULT_MAX_EARLY_MESSAGES 10000


/* ---- messages ------------------------------------------------------------------ */

static void
socket_message_cb (SoupWebsocketConnection *socket,
                   int                      type,
                   GBytes                  *message,
                   SyncobjHttpSync         *self)
{
  gsize length;
  const char *data = g_bytes_get_data (message, &length);

  if (!self->have_snapshot && !self->resuming)
    {
      if (self->max_early_messages > 0 && self->early_messages->len >= self->max_early_messages)
        {
          g_autoptr(GError) error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
                                                 _("More than %u changes arrived from %s before the snapshot "
                                                   "from %s (max-early-messages); taking a fresh snapshot"),
                                                 self->max_early_messages, self->websocket_uri, self->uri);

          /* Dropped, not lost: a snapshot requested after them holds them. */
          _syncobj_http_sync_connection_failed (self, error);
          return;
        }
      g_ptr_array_add (self->early_messages, g_strndup (data, length));
      return;
    }
  _syncobj_http_feed_handle_message (self, data, length);
}

/* ---- the connection --------------------------------------------------------------- */

static void
set_connected (SyncobjHttpSync *self,
               gboolean         connected)
{
  if (self->connected == connected)
    return;
  self->connected = connected;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
}

static void
close_socket (SyncobjHttpSync *self)
{
  g_autoptr(SoupWebsocketConnection) socket = g_steal_pointer (&self->socket);

  if (socket == NULL)
    return;
  g_signal_handlers_disconnect_by_data (socket, self);
  if (soup_websocket_connection_get_state (socket) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (socket, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
}

static void
stop_connection (SyncobjHttpSync *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  close_socket (self);
  g_clear_object (&self->handshake);
  g_clear_handle_id (&self->handshake_timer, g_source_remove);
  if (self->timer != 0)
    _syncobj_scheduler_remove (_syncobj_scheduler_get_default (), self->timer);
  self->timer = 0;
  self->poll_again = FALSE;
  g_ptr_array_set_size (self->early_messages, 0);
  self->have_snapshot = FALSE;
  self->feed_refused = FALSE;
  self->resuming = FALSE;
  set_connected (self, FALSE);
}

static gboolean
reconnect_cb (gpointer data)
{
  SyncobjHttpSync *self = data;

  self->timer = 0;
  _syncobj_http_sync_connect (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (SyncobjHttpSync *self)
{
  guint delay = self->reconnect_delay_ms;

  stop_connection (self);
  if (!self->running)
    return;

  for (guint i = 0; i < self->failures && delay < MAX_RECONNECT_DELAY_MS; i++)
    delay *= 2;
  delay = MIN (delay, MAX_RECONNECT_DELAY_MS);
  self->failures++;
  self->timer = _syncobj_scheduler_add (_syncobj_scheduler_get_default (), delay, reconnect_cb, self, NULL);
}

void
_syncobj_http_sync_connection_failed (SyncobjHttpSync *self,
                                      const GError    *error)
{
  if (error != NULL)
    syncobj_sync_mark_error (SYNCOBJ_SYNC (self), error);
  schedule_reconnect (self);
}

void
_syncobj_http_sync_pause (SyncobjHttpSync *self,
                          const GError    *error)
{
  syncobj_sync_mark_error (SYNCOBJ_SYNC (self), error);
  stop_connection (self);
}

static void
socket_error_cb (SoupWebsocketConnection *socket,
                 GError                  *error,
                 SyncobjHttpSync         *self)
{
  syncobj_sync_mark_error (SYNCOBJ_SYNC (self), error);
}

static void
socket_closed_cb (SoupWebsocketConnection *socket,
                  SyncobjHttpSync         *self)
{
  g_autoptr(GError) error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
                                         _("The change feed %s closed; reconnecting"),
                                         self->websocket_uri);

  _syncobj_http_sync_connection_failed (self, error);
}

static gboolean
schedule_poll_cb (gpointer data);

gboolean
_syncobj_http_sync_is_polling (SyncobjHttpSync *self)
{
  return self->websocket_uri == NULL || self->feed_refused;
}

void
_syncobj_http_sync_schedule_poll (SyncobjHttpSync *self)
{
  if (!_syncobj_http_sync_is_polling (self) || !self->running || self->poll_interval_ms == 0)
    return;
  if (self->poll_again)
    {
      /* A write was answered while the last poll was on its way, which
       * may have missed it. */
      self->poll_again = FALSE;
      _syncobj_http_sync_fetch_snapshot (self);
      return;
    }
  self->timer = _syncobj_scheduler_add (_syncobj_scheduler_get_default (), self->poll_interval_ms,
                                        schedule_poll_cb, self, NULL);
}

/* The server just answered a write: poll now rather than at the end of
 * the interval, so that the echo comes at once. A burst of answers costs
 * one poll, and one more if a poll was already on its way. */
static void
poll_now (SyncobjHttpSync *self)
{
  if (!_syncobj_http_sync_is_polling (self) || !self->connected || self->poll_interval_ms == 0)
    return;
  if (self->timer == 0)
    {
      self->poll_again = TRUE;
      return;
    }
  _syncobj_scheduler_remove (_syncobj_scheduler_get_default (), self->timer);
  self->timer = 0;
  _syncobj_http_sync_fetch_snapshot (self);
}

/* The snapshot is loaded, or the one shown is current (a 304): the
 * collection is ready, and what came meanwhile applies. */
void
_syncobj_http_sync_loaded (SyncobjHttpSync *self,
                           const char      *etag)
{
  g_free (self->etag);
  self->etag = g_strdup (etag);

  self->failures = 0;
  self->have_snapshot = TRUE;
  self->loaded = TRUE;
  _syncobj_http_echoes_check (self->echoes);
  syncobj_sync_mark_ready (SYNCOBJ_SYNC (self));
  set_connected (self, TRUE);

  /* Changes that came in while the snapshot was on its way. */
  while (self->early_messages->len > 0 && self->have_snapshot)
    {
      g_autofree char *text = g_ptr_array_steal_index (self->early_messages, 0);
      _syncobj_http_feed_handle_message (self, text, strlen (text));
    }

  _syncobj_http_sync_schedule_poll (self);
}


static gboolean
schedule_poll_cb (gpointer data)
{
  SyncobjHttpSync *self = data;

  self->timer = 0;
  _syncobj_http_sync_fetch_snapshot (self);
  return G_SOURCE_REMOVE;
}

static void
websocket_connected_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(SyncobjHttpSync) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupWebsocketConnection) socket = NULL;

  g_autoptr(SoupMessage) handshake = NULL;

  socket = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_handle_id (&self->handshake_timer, g_source_remove);
  handshake = g_steal_pointer (&self->handshake);
  if (socket == NULL && handshake != NULL &&
      _syncobj_http_sync_auth_refused (self, handshake, SYNCOBJ_HTTP_SYNC_RESEND_CONNECT))
    return;
  if (socket == NULL && error->domain == SOUP_WEBSOCKET_ERROR)
    {
      g_autoptr(GError) refused = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
                                               _("The server refused the change feed %s (%s); polling instead"),
                                               self->websocket_uri, error->message);

      /* The server answers, but not with a WebSocket (a proxy in the
       * way, an API without one): poll until the next reconnect. The sync
       * works that way: the error says so, but the collection's status
       * does not go through ERROR before the snapshot that follows. */
      _syncobj_sync_note_error (SYNCOBJ_SYNC (self), refused);
      self->feed_refused = TRUE;
      self->resuming = FALSE;
      _syncobj_http_sync_fetch_snapshot (self);
      return;
    }
  if (socket == NULL)
    {
      g_autoptr(GUri) feed_uri = g_uri_parse (self->websocket_uri, SOUP_HTTP_URI_FLAGS, NULL);
      g_autoptr(GError) connect_error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
                                                     _("Cannot connect to the change feed %s: %s"),
                                                     self->websocket_uri, error->message);

      if (feed_uri != NULL)
        _syncobj_http_probe_read_failed (feed_uri, error);
      _syncobj_http_sync_connection_failed (self, connect_error);
      return;
    }
  if (!self->running)
    return;

  self->socket = g_steal_pointer (&socket);
  /* libsoup's default limit, 128 KiB, is too small for some records. */
  soup_websocket_connection_set_max_incoming_payload_size (self->socket, self->max_message_size);
  g_signal_connect (self->socket, "message", G_CALLBACK (socket_message_cb), self);
  g_signal_connect (self->socket, "error", G_CALLBACK (socket_error_cb), self);
  g_signal_connect (self->socket, "closed", G_CALLBACK (socket_closed_cb), self);

  /* Resuming, the feed itself brings what changed, then caught_up. */
  if (!self->resuming)
    _syncobj_http_sync_fetch_snapshot (self);
}

static gboolean
handshake_timeout_cb (gpointer data)
{
  SyncobjHttpSync *self = data;
  g_autoptr(GError) error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_TIMEOUT,
                                         _("The change feed %s did not answer within %u s"),
                                         self->websocket_uri, soup_session_get_timeout (self->session));

  /* libsoup's timeout applies to each read: a server sending its
   * handshake a header line at a time would hold it for ever. */
  self->handshake_timer = 0;
  _syncobj_http_sync_connection_failed (self, error);
  return G_SOURCE_REMOVE;
}

void
_syncobj_http_sync_connect (SyncobjHttpSync *self)
{
  stop_connection (self);
  if (!self->running)
    return;

  self->cancellable = g_cancellable_new ();
  if (_syncobj_http_sync_auth_wait (self, SYNCOBJ_HTTP_SYNC_RESEND_CONNECT))
    return;
  if (self->websocket_uri != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GUri) uri = _syncobj_http_parse_uri (self->websocket_uri, TRUE, SYNCOBJ_ERROR_INVALID_STATE, &error);
      g_autoptr(SoupMessage) message = NULL;

      if (uri == NULL)
        {
          syncobj_sync_mark_error (SYNCOBJ_SYNC (self), error);
          return;
        }
      /* The first connection of a run resumes from the cached cursor. */
      self->resuming = !self->loaded && !self->need_snapshot &&
                       _syncobj_http_feed_cursor_is_seq (syncobj_sync_get_cursor (SYNCOBJ_SYNC (self)));
      if (self->resuming)
        {
          g_autofree char *since_uri = _syncobj_http_feed_uri_since (self->websocket_uri,
                                                                     syncobj_sync_get_cursor (SYNCOBJ_SYNC (self)));

          g_clear_pointer (&uri, g_uri_unref);
          uri = g_uri_parse (since_uri, SOUP_HTTP_URI_FLAGS, NULL);
        }
      message = soup_message_new_from_uri ("GET", uri);
      _syncobj_http_forbid_resend (message);
      _syncobj_http_headers_apply (&self->headers, message);
      g_set_object (&self->handshake, message);
      soup_session_websocket_connect_async (self->session, message, NULL, NULL, G_PRIORITY_DEFAULT,
                                            self->cancellable, websocket_connected_cb, g_object_ref (self));
      if (soup_session_get_timeout (self->session) > 0)
        self->handshake_timer = g_timeout_add_seconds (soup_session_get_timeout (self->session),
                                                       handshake_timeout_cb, self);
    }
  else
    _syncobj_http_sync_fetch_snapshot (self);
}

static void
echo_wait_begins_cb (gpointer data)
{
  SyncobjHttpSync *self = data;

  /* The server just answered a write: if the feed is waiting to
   * reconnect, it need not wait any longer; a poll need not wait for the
   * rest of its interval. */
  if (!self->running)
    return;
  if (!self->connected && self->timer != 0)
    {
      self->failures = 0;
      _syncobj_http_sync_connect (self);
    }
  else if (self->connected)
    poll_now (self);
}

static void
online_changed_cb (SyncobjScheduler *scheduler,
                   GParamSpec       *pspec,
                   SyncobjHttpSync  *self)
{
  /* Back online: reconnect at once instead of waiting out the backoff. */
  if (_syncobj_scheduler_get_online (scheduler) && self->running && !self->connected && self->timer != 0)
    {
      self->failures = 0;
      _syncobj_http_sync_connect (self);
    }
}

static void
syncobj_http_sync_start (SyncobjSync *sync)
{
  SyncobjHttpSync *self = SYNCOBJ_HTTP_SYNC (sync);

  self->running = TRUE;
  self->failures = 0;
  self->loaded = FALSE;
  if (self->online_handler == 0)
    self->online_handler = g_signal_connect (_syncobj_scheduler_get_default (), "notify::online",
                                             G_CALLBACK (online_changed_cb), self);
  _syncobj_http_sync_connect (self);
}

static void
syncobj_http_sync_stop (SyncobjSync *sync)
{
  SyncobjHttpSync *self = SYNCOBJ_HTTP_SYNC (sync);

  self->running = FALSE;
  if (self->online_handler != 0)
    g_signal_handler_disconnect (_syncobj_scheduler_get_default (), self->online_handler);
  self->online_handler = 0;
  /* Without notify::connected: a sync stops only when its collection goes
   * away, and that may be a binding's garbage collector finalizing it,
   * which cannot call back into the script (GJS refuses with a critical). */
  self->connected = FALSE;
  stop_connection (self);
}

/* ---- public API ------------------------------------------------------------------ */

/**
 * syncobj_http_sync_new:
 * @id: the id of the sync (the collection's id by convention)
 * @uri: where to `GET` the snapshot of the collection; a name and password
 *   in it (`https://name:password@host/todos`) are its `Basic` credential
 * @websocket_uri: (nullable): the change feed (`ws://` or `wss://`, or
 *   `http(s)://`), or %NULL (or an empty string) to poll @uri
 *
 * Creates a sync for an HTTP/JSON API.
 *
 * Returns: (transfer full): a new sync
 */
SyncobjHttpSync *
syncobj_http_sync_new (const char *id,
                       const char *uri,
                       const char *websocket_uri)
{
  g_return_val_if_fail (uri != NULL, NULL);

  return g_object_new (SYNCOBJ_TYPE_HTTP_SYNC,
                       "id", id,
                       "uri", uri,
                       "websocket-uri", websocket_uri,
                       NULL);
}

/**
 * syncobj_http_sync_get_uri:
 * @self: a sync
 *
 * Gets [property@Syncobj.HttpSync:uri], the address of the snapshot.
 *
 * Returns: where the snapshot comes from
 */
const char *
syncobj_http_sync_get_uri (SyncobjHttpSync *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_HTTP_SYNC (self), NULL);
  return self->uri;
}

/**
 * syncobj_http_sync_get_websocket_uri:
 * @self: a sync
 *
 * Gets [property@Syncobj.HttpSync:websocket-uri], the address of the live
 * change feed.
 *
 * Returns: (nullable): the change feed, if any
 */
const char *
syncobj_http_sync_get_websocket_uri (SyncobjHttpSync *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_HTTP_SYNC (self), NULL);
  return self->websocket_uri;
}

/**
 * syncobj_http_sync_get_array_member:
 * @self: a sync
 *
 * Gets [property@Syncobj.HttpSync:array-member], for APIs that wrap the
 * snapshot's records in an object.
 *
 * Returns: (nullable): the member of the snapshot object holding the records
 */
const char *
syncobj_http_sync_get_array_member (SyncobjHttpSync *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_HTTP_SYNC (self), NULL);
  return self->array_member;
}

/**
 * syncobj_http_sync_set_array_member:
 * @self: a sync
 * @member: (nullable): the member holding the array of records, when the
 *   snapshot is an object such as `{"items": […]}`; %NULL when it is the
 *   array itself
 *
 * Sets [property@Syncobj.HttpSync:array-member].
 */
void
syncobj_http_sync_set_array_member (SyncobjHttpSync *self,
                                    const char      *member)
{
  g_return_if_fail (SYNCOBJ_IS_HTTP_SYNC (self));

  if (g_strcmp0 (self->array_member, member) == 0)
    return;
  g_free (self->array_member);
  self->array_member = g_strdup (member);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ARRAY_MEMBER]);
}

/**
 * syncobj_http_sync_get_poll_interval:
 * @self: a sync
 *
 * Gets [property@Syncobj.HttpSync:poll-interval], how often the snapshot is
 * fetched again when there is no change feed.
 *
 * Returns: the polling interval in milliseconds, without a WebSocket
 */
guint
syncobj_http_sync_get_poll_interval (SyncobjHttpSync *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_HTTP_SYNC (self), 0);
  return self->poll_interval_ms;
}

/**
 * syncobj_http_sync_set_poll_interval:
 * @self: a sync
 * @interval_ms: milliseconds between polls; 0 does not poll
 *
 * Sets [property@Syncobj.HttpSync:poll-interval].
 */
void
syncobj_http_sync_set_poll_interval (SyncobjHttpSync *self,
                                     guint            interval_ms)
{
  g_return_if_fail (SYNCOBJ_IS_HTTP_SYNC (self));

  if (self->poll_interval_ms == interval_ms)
    return;
  self->poll_interval_ms = interval_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POLL_INTERVAL]);
}

/**
 * syncobj_http_sync_get_reconnect_delay:
 * @self: a sync
 *
 * Gets [property@Syncobj.HttpSync:reconnect-delay], the first wait before
 * reconnecting; it doubles with each failure, up to 30 s.
 *
 * Returns: the first delay before reconnecting, in milliseconds
 */
guint
syncobj_http_sync_get_reconnect_delay (SyncobjHttpSync *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_HTTP_SYNC (self), 0);
  return self->reconnect_delay_ms;
}

/**
 * syncobj_http_sync_set_reconnect_delay:
 * @self: a sync
 * @delay_ms: the first delay before reconnecting; it doubles with each
 *   failure, up to 30 s
 *
 * Sets [property@Syncobj.HttpSync:reconnect-delay].
 */
void
syncobj_http_sync_set_reconnect_delay (SyncobjHttpSync *self,
                                       guint            delay_ms)
{
  g_return_if_fail (SYNCOBJ_IS_HTTP_SYNC (self));

  delay_ms = MAX (delay_ms, 1);
  if (self->reconnect_delay_ms == delay_ms)
    return;
  self->reconnect_delay_ms = delay_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECONNECT_DELAY]);
}

/**
 * syncobj_http_sync_get_timeout:
 * @self: a sync
 *
 * Gets [property@Syncobj.HttpSync:timeout], after which a snapshot request
 * with no answer fails and the sync reconnects.
 *
 * Returns: how long a request may wait for the server, in milliseconds
 *   (0: no limit)
 */
guint
syncobj_http_sync_get_timeout (SyncobjHttpSync *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_HTTP_SYNC (self), 0);
  return self->timeout_ms;
}

/**
 * syncobj_http_sync_set_timeout:
 * @self: a sync
 * @timeout_ms: milliseconds, rounded up to whole seconds; 0 waits as long
 *   as the connection stays up
 *
 * Sets [property@Syncobj.HttpSync:timeout].
 */
void
syncobj_http_sync_set_timeout (SyncobjHttpSync *self,
                               guint            timeout_ms)
{
  g_return_if_fail (SYNCOBJ_IS_HTTP_SYNC (self));

  if (self->timeout_ms == timeout_ms)
    return;
  self->timeout_ms = timeout_ms;
  _syncobj_http_session_set_timeout (self->session, timeout_ms);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

/**
 * syncobj_http_sync_get_connected:
 * @self: a sync
 *
 * Tells whether the sync is up to date with the server,
 * [property@Syncobj.HttpSync:connected].
 *
 * Returns: whether the snapshot of the current connection was applied and
 *   the change feed is open
 */
gboolean
syncobj_http_sync_get_connected (SyncobjHttpSync *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_HTTP_SYNC (self), FALSE);
  return self->connected;
}

/**
 * syncobj_http_sync_reconnect:
 * @self: a sync
 *
 * Drops the connection and connects again at once, with a fresh snapshot.
 * Does nothing before the collection started the sync.
 */
void
syncobj_http_sync_reconnect (SyncobjHttpSync *self)
{
  g_return_if_fail (SYNCOBJ_IS_HTTP_SYNC (self));

  self->failures = 0;
  if (self->running)
    _syncobj_http_sync_connect (self);
}

/* ---- GObject ------------------------------------------------------------------------ */

static void
syncobj_http_sync_dispose (GObject *object)
{
  SyncobjHttpSync *self = SYNCOBJ_HTTP_SYNC (object);

  syncobj_http_sync_stop (SYNCOBJ_SYNC (self));
  _syncobj_http_auth_gate_clear (&self->auth);
  _syncobj_http_feed_stop_burst (self);
  _syncobj_http_echoes_cancel (self->echoes);

  G_OBJECT_CLASS (syncobj_http_sync_parent_class)->dispose (object);
}

static void
syncobj_http_sync_finalize (GObject *object)
{
  SyncobjHttpSync *self = SYNCOBJ_HTTP_SYNC (object);

  g_free (self->uri);
  g_free (self->websocket_uri);
  g_free (self->array_member);
  g_free (self->etag);
  _syncobj_http_headers_clear (&self->headers);
  g_clear_object (&self->session);
  g_clear_pointer (&self->early_messages, g_ptr_array_unref);
  g_clear_pointer (&self->echoes, _syncobj_http_echoes_free);

  G_OBJECT_CLASS (syncobj_http_sync_parent_class)->finalize (object);
}

static void
syncobj_http_sync_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  SyncobjHttpSync *self = SYNCOBJ_HTTP_SYNC (object);

  switch (prop_id)
    {
    case PROP_URI:
      g_value_set_string (value, self->uri);
      break;
    case PROP_WEBSOCKET_URI:
      g_value_set_string (value, self->websocket_uri);
      break;
    case PROP_ARRAY_MEMBER:
      g_value_set_string (value, self->array_member);
      break;
    case PROP_POLL_INTERVAL:
      g_value_set_uint (value, self->poll_interval_ms);
      break;
    case PROP_RECONNECT_DELAY:
      g_value_set_uint (value, self->reconnect_delay_ms);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, syncobj_http_sync_get_timeout (self));
      break;
    case PROP_CONNECTED:
      g_value_set_boolean (value, self->connected);
      break;
    case PROP_MAX_BODY_SIZE:
    case PROP_MIN_TRANSFER_RATE:
      _syncobj_http_limits_get_property (&self->limits, prop_id - PROP_MAX_BODY_SIZE, value);
      break;
    case PROP_MAX_MESSAGE_SIZE:
      g_value_set_uint64 (value, self->max_message_size);
      break;
    case PROP_MAX_EARLY_MESSAGES:
      g_value_set_uint (value, self->max_early_messages);
      break;
    case PROP_NEEDS_AUTH:
      g_value_set_boolean (value, syncobj_http_sync_get_needs_auth (self));
      break;
    case PROP_AUTH_ON_FORBIDDEN:
      g_value_set_boolean (value, self->auth.auth_on_forbidden);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_http_sync_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  SyncobjHttpSync *self = SYNCOBJ_HTTP_SYNC (object);

  switch (prop_id)
    {
    case PROP_URI:
      g_free (self->uri);
      self->uri = _syncobj_http_uri_take_userinfo (g_value_get_string (value), &self->headers);
      break;
    case PROP_WEBSOCKET_URI:
      g_free (self->websocket_uri);
      /* "" is no feed, as NULL: what a binding without None passes. */
      self->websocket_uri = g_strcmp0 (g_value_get_string (value), "") != 0 ?
                            _syncobj_http_uri_take_userinfo (g_value_get_string (value), &self->headers) : NULL;
      break;
    case PROP_ARRAY_MEMBER:
      syncobj_http_sync_set_array_member (self, g_value_get_string (value));
      break;
    case PROP_POLL_INTERVAL:
      syncobj_http_sync_set_poll_interval (self, g_value_get_uint (value));
      break;
    case PROP_RECONNECT_DELAY:
      syncobj_http_sync_set_reconnect_delay (self, g_value_get_uint (value));
      break;
    case PROP_TIMEOUT:
      syncobj_http_sync_set_timeout (self, g_value_get_uint (value));
      break;
    case PROP_MAX_BODY_SIZE:
    case PROP_MIN_TRANSFER_RATE:
      _syncobj_http_limits_set_property (&self->limits, prop_id - PROP_MAX_BODY_SIZE, object, value, pspec);
      break;
    case PROP_MAX_MESSAGE_SIZE:
      _syncobj_http_set_uint64 (object, pspec, &self->max_message_size, g_value_get_uint64 (value));
      break;
    case PROP_MAX_EARLY_MESSAGES:
      _syncobj_http_set_uint (object, pspec, &self->max_early_messages, g_value_get_uint (value));
      break;
    case PROP_AUTH_ON_FORBIDDEN:
      syncobj_http_sync_set_auth_on_forbidden (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_http_sync_class_init (SyncobjHttpSyncClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SyncobjSyncClass *sync_class = SYNCOBJ_SYNC_CLASS (klass);

  _syncobj_ensure_i18n ();

  object_class->dispose = syncobj_http_sync_dispose;
  object_class->finalize = syncobj_http_sync_finalize;
  object_class->get_property = syncobj_http_sync_get_property;
  object_class->set_property = syncobj_http_sync_set_property;

  sync_class->start = syncobj_http_sync_start;
  sync_class->stop = syncobj_http_sync_stop;

  /**
   * SyncobjHttpSync:uri:
   *
   * Where to `GET` the snapshot of the collection. A name and password in
   * the URI given (`https://name:password@host/todos`) are taken out of it
   * and sent as a `Basic` credential, as are those of
   * [property@Syncobj.HttpSync:websocket-uri].
   */
  properties[PROP_URI] =
    g_param_spec_string ("uri", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjHttpSync:websocket-uri:
   *
   * The WebSocket change feed; without one (%NULL, or an empty string
   * when set), the sync polls.
   */
  properties[PROP_WEBSOCKET_URI] =
    g_param_spec_string ("websocket-uri", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjHttpSync:array-member:
   *
   * When the snapshot is an object, the member holding the array of
   * records.
   */
  properties[PROP_ARRAY_MEMBER] =
    g_param_spec_string ("array-member", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjHttpSync:poll-interval:
   *
   * Milliseconds between polls of the snapshot when there is no WebSocket;
   * 0 fetches it once.
   */
  properties[PROP_POLL_INTERVAL] =
    g_param_spec_uint ("poll-interval", NULL,
                       _("The time between polls of the snapshot, in milliseconds"),
                       0, G_MAXUINT, 5000,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjHttpSync:reconnect-delay:
   *
   * The first delay before reconnecting, in milliseconds; it doubles with
   * each failure, up to 30 s.
   */
  properties[PROP_RECONNECT_DELAY] =
    g_param_spec_uint ("reconnect-delay", NULL,
                       _("The first delay before reconnecting, in milliseconds"),
                       1, G_MAXUINT, 1000,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjHttpSync:timeout:
   *
   * How long, in milliseconds, a snapshot request or a WebSocket handshake
   * may wait for the server (to connect, to send, for each part of the
   * answer); after that the sync reconnects with backoff, as after any
   * failed connection. 0 waits as long as the connection stays up. The
   * answer must start within this time, and a snapshot's body then come at
   * [property@Syncobj.HttpSync:min-transfer-rate] or faster. An open
   * WebSocket has no timeout: the feed may stay quiet for long.
   *
   * libsoup counts whole seconds: the timeout is rounded up to the next
   * second. Until libsyncobj 0.2 this property was in seconds.
   */
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL,
                       _("How long a snapshot request may wait for the server, in milliseconds"),
                       0, G_MAXUINT, SYNCOBJ_HTTP_DEFAULT_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjHttpSync:connected:
   *
   * Whether the sync is up to date with the server: the snapshot of the
   * current connection was applied. It turns %FALSE without a
   * notification when the collection goes away and the sync stops.
   */
  properties[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjHttpSync:max-body-size:
   *
   * The largest snapshot the sync reads, in bytes, counted after a
   * compressed body is decoded; 0 sets no limit. A larger snapshot is
   * reported (%SYNCOBJ_ERROR_HTTP) as soon as the limit is passed, without
   * reading the rest, and changes nothing; the sync reconnects with
   * backoff. The default is 256 MiB.
   */

  /**
   * SyncobjHttpSync:min-transfer-rate:
   *
   * The slowest a snapshot may come, in bytes per second, averaged over
   * each period of [property@Syncobj.HttpSync:timeout]; slower, the request
   * fails with %SYNCOBJ_ERROR_TIMEOUT and the sync reconnects with backoff.
   * A large snapshot on a slow but steady link goes on; a trickle ends. 0
   * sets no limit; the default is 1024 (1 KiB/s).
   */
  _syncobj_http_limits_param_specs (&properties[PROP_MAX_BODY_SIZE]);

  /**
   * SyncobjHttpSync:max-message-size:
   *
   * The largest change message the WebSocket takes, in bytes; 0 sets no
   * limit. The feed is not compressed, so this bounds what a message
   * costs. A larger message closes the feed (the server is told why) and
   * the sync reconnects with a fresh snapshot, which holds the change.
   * Applies to the next connection. The default is 64 MiB.
   */
  properties[PROP_MAX_MESSAGE_SIZE] =
    g_param_spec_uint64 ("max-message-size", NULL, NULL, 0, G_MAXUINT64, DEFAULT_MAX_MESSAGE_SIZE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjHttpSync:max-early-messages:
   *
   * How many change messages are kept while the snapshot is on its way
   * (they are applied after it); 0 sets no limit. One more drops them
   * all and the sync reconnects with backoff for a fresh snapshot, which
   * holds their changes. The default is 10000.
   */
  properties[PROP_MAX_EARLY_MESSAGES] =
    g_param_spec_uint ("max-early-messages", NULL, NULL, 0, G_MAXUINT, DEFAULT_MAX_EARLY_MESSAGES,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjHttpSync:needs-auth:
   *
   * Whether the server refused the sync for want of credentials (401, or
   * 403 with [property@Syncobj.HttpSync:auth-on-forbidden]) and it waits
   * for the application to give them through
   * [signal@Syncobj.HttpSync::auth-required]. Meanwhile the sync sends
   * nothing and does not reconnect; the collection keeps what it shows.
   */
  properties[PROP_NEEDS_AUTH] =
    g_param_spec_boolean ("needs-auth", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjHttpSync:auth-on-forbidden:
   *
   * Whether a 403 answer asks for credentials like a 401 (for servers
   * that answer an expired token with 403); otherwise a 403 is a failed
   * connection, retried with backoff.
   */
  properties[PROP_AUTH_ON_FORBIDDEN] =
    g_param_spec_boolean ("auth-on-forbidden", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SyncobjHttpSync::auth-required:
   * @self: the sync
   * @request: what the application completes, now or later
   *
   * Emitted when the server refused the sync for want of credentials and
   * [property@Syncobj.HttpSync:needs-auth] became %TRUE. Keep @request and
   * call [method@Syncobj.AuthRequest.set_credential] when the credential
   * is known: the refused request goes out again with it, from the same
   * cursor. [method@Syncobj.AuthRequest.cancel] leaves the sync paused,
   * with an error in [property@Syncobj.Sync:error], until
   * [method@Syncobj.HttpSync.reconnect].
   */
  signals[AUTH_REQUIRED] =
    g_signal_new ("auth-required", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, SYNCOBJ_TYPE_AUTH_REQUEST);

  /**
   * SyncobjHttpSync::message-error:
   * @self: the sync
   * @error: what was wrong with the message
   *
   * Emitted when a change message or a snapshot record is malformed; it
   * was skipped and the stream goes on.
   */
  signals[MESSAGE_ERROR] =
    g_signal_new ("message-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
syncobj_http_sync_init (SyncobjHttpSync *self)
{
  self->poll_interval_ms = 5000;
  self->reconnect_delay_ms = 1000;
  _syncobj_http_headers_init (&self->headers);
  _syncobj_http_auth_gate_init (&self->auth, G_OBJECT (self), &self->headers,
                                properties[PROP_NEEDS_AUTH], signals[AUTH_REQUIRED]);
  _syncobj_http_limits_init (&self->limits);
  self->max_message_size = DEFAULT_MAX_MESSAGE_SIZE;
  self->max_early_messages = DEFAULT_MAX_EARLY_MESSAGES;
  self->timeout_ms = SYNCOBJ_HTTP_DEFAULT_TIMEOUT_MS;
  self->session = _syncobj_http_session_new (self->timeout_ms);
  /* A compressed message could pass max-message-size many times over
   * once inflated. */
  soup_session_remove_feature_by_type (self->session, SOUP_TYPE_WEBSOCKET_EXTENSION_MANAGER);
  self->early_messages = g_ptr_array_new_with_free_func (g_free);
  self->echoes = _syncobj_http_echoes_new (SYNCOBJ_SYNC (self), echo_wait_begins_cb, self);
}
