/* syncobj-http-sync.c: a sync fed by an HTTP snapshot and a WebSocket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-http-private.h"

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
 * Without a WebSocket, the sync polls the snapshot every
 * [property@Syncobj.HttpSync:poll-interval] milliseconds with
 * `If-None-Match`, so an unchanged collection costs a 304. It also polls
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
 * A change message may carry an `"idempotency_key"` member: the
 * `Idempotency-Key` of the request that caused it. A
 * [class@Syncobj.HttpMutator] then knows exactly which echo completes which
 * transaction; without it, any later change of the same key counts. A
 * snapshot that already holds a transaction's changes counts as its echo.
 */

struct _SyncobjHttpSync
{
  SyncobjSync              parent_instance;

  char                    *uri;
  char                    *websocket_uri;
  char                    *array_member;
  guint                    poll_interval_ms;
  guint                    reconnect_delay_ms;
  SyncobjHttpHeaders       headers;
  SoupSession             *session;

  /* the connection */
  gboolean                 running;
  gboolean                 connected;
  GCancellable            *cancellable;    /* of the current connection */
  SoupWebsocketConnection *socket;
  GPtrArray               *early_messages; /* char *, before the snapshot */
  gboolean                 have_snapshot;  /* of the current connection */
  gboolean                 feed_refused;   /* of the current connection: the
                                            * server has no WebSocket there */
  char                    *etag;
  guint                    timer;          /* reconnect or poll */
  guint                    failures;
  gulong                   online_handler;

  GHashTable              *watches;        /* SyncobjHttpEchoWatch set, unowned */
  GHashTable              *entries_by_tag; /* idempotency key → EchoEntry */
  GHashTable              *entries_by_key; /* record key → GPtrArray of EchoEntry */
  guint64                  epoch;          /* orders waits and snapshot requests */
};

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
  N_PROPS
};

enum {
  MESSAGE_ERROR,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

#define MAX_RECONNECT_DELAY_MS 30000

static void http_sync_connect (SyncobjHttpSync *self);

/* ---- echo tracking -------------------------------------------------------
 * Entries are indexed by idempotency key and by record key, so that the
 * cost of a change message does not grow with the writes in flight. */

typedef struct
{
  SyncobjHttpEchoWatch *watch;
  char                 *idempotency_key;
  char                 *key;
  JsonObject           *expected;   /* nullable */
  gboolean              deleted;
  gboolean              done;
} EchoEntry;

struct _SyncobjHttpEchoWatch
{
  SyncobjHttpSync *sync;          /* weak pointer */
  GPtrArray       *entries;       /* EchoEntry */
  guint            n_pending;
  GTask           *task;          /* while waiting */
  guint64          epoch;         /* when the wait began */
  guint            timer;
  guint            cancelled_idle;
  gulong           cancelled_handler;
};

static void
echo_entry_free (EchoEntry *entry)
{
  g_free (entry->idempotency_key);
  g_free (entry->key);
  g_clear_pointer (&entry->expected, json_object_unref);
  g_free (entry);
}

static void
echo_entry_done (EchoEntry *entry)
{
  if (entry->done)
    return;
  entry->done = TRUE;
  entry->watch->n_pending--;
}

static void
echo_watch_stop_waiting (SyncobjHttpEchoWatch *watch)
{
  if (watch->timer != 0)
    _syncobj_scheduler_remove (_syncobj_scheduler_get_default (), watch->timer);
  watch->timer = 0;
  if (watch->cancelled_idle != 0)
    g_source_remove (watch->cancelled_idle);
  watch->cancelled_idle = 0;
  if (watch->cancelled_handler != 0)
    g_cancellable_disconnect (g_task_get_cancellable (watch->task), watch->cancelled_handler);
  watch->cancelled_handler = 0;
}

static void
echo_watch_return (SyncobjHttpEchoWatch *watch,
                   GError               *error)
{
  g_autoptr(GTask) task = NULL;

  if (watch->task == NULL)
    {
      g_clear_error (&error);
      return;
    }
  echo_watch_stop_waiting (watch);
  task = g_steal_pointer (&watch->task);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
echo_watch_check (SyncobjHttpEchoWatch *watch)
{
  if (watch->task != NULL && watch->n_pending == 0)
    echo_watch_return (watch, NULL);
}

SyncobjHttpEchoWatch *
_syncobj_http_echo_watch_new (SyncobjHttpSync *sync)
{
  SyncobjHttpEchoWatch *watch = g_new0 (SyncobjHttpEchoWatch, 1);

  g_return_val_if_fail (SYNCOBJ_IS_HTTP_SYNC (sync), NULL);

  watch->sync = sync;
  g_object_add_weak_pointer (G_OBJECT (sync), (gpointer *) &watch->sync);
  watch->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) echo_entry_free);
  g_hash_table_add (sync->watches, watch);
  return watch;
}

void
_syncobj_http_echo_watch_add (SyncobjHttpEchoWatch *watch,
                              const char           *idempotency_key,
                              const char           *key,
                              JsonObject           *expected,
                              gboolean              deleted)
{
  EchoEntry *entry = g_new0 (EchoEntry, 1);
  GPtrArray *same_key;

  entry->watch = watch;
  entry->idempotency_key = g_strdup (idempotency_key);
  entry->key = g_strdup (key);
  entry->expected = expected != NULL ? json_object_ref (expected) : NULL;
  entry->deleted = deleted;
  g_ptr_array_add (watch->entries, entry);
  watch->n_pending++;

  if (watch->sync == NULL)
    return;
  g_hash_table_replace (watch->sync->entries_by_tag, entry->idempotency_key, entry);
  same_key = g_hash_table_lookup (watch->sync->entries_by_key, entry->key);
  if (same_key == NULL)
    {
      same_key = g_ptr_array_new ();
      g_hash_table_insert (watch->sync->entries_by_key, g_strdup (entry->key), same_key);
    }
  g_ptr_array_add (same_key, entry);
}

void
_syncobj_http_echo_watch_skip (SyncobjHttpEchoWatch *watch,
                               const char           *idempotency_key)
{
  for (guint i = 0; i < watch->entries->len; i++)
    {
      EchoEntry *entry = g_ptr_array_index (watch->entries, i);

      if (g_str_equal (entry->idempotency_key, idempotency_key))
        echo_entry_done (entry);
    }
  echo_watch_check (watch);
}

static void
echo_watch_unindex (SyncobjHttpEchoWatch *watch)
{
  SyncobjHttpSync *sync = watch->sync;

  for (guint i = 0; i < watch->entries->len; i++)
    {
      EchoEntry *entry = g_ptr_array_index (watch->entries, i);
      GPtrArray *same_key = g_hash_table_lookup (sync->entries_by_key, entry->key);

      if (g_hash_table_lookup (sync->entries_by_tag, entry->idempotency_key) == entry)
        g_hash_table_remove (sync->entries_by_tag, entry->idempotency_key);
      if (same_key != NULL)
        {
          g_ptr_array_remove_fast (same_key, entry);
          if (same_key->len == 0)
            g_hash_table_remove (sync->entries_by_key, entry->key);
        }
    }
  g_hash_table_remove (sync->watches, watch);
}

void
_syncobj_http_echo_watch_free (SyncobjHttpEchoWatch *watch)
{
  if (watch == NULL)
    return;

  echo_watch_return (watch, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                 _("Waiting for the sync was cancelled")));
  if (watch->sync != NULL)
    {
      echo_watch_unindex (watch);
      g_object_remove_weak_pointer (G_OBJECT (watch->sync), (gpointer *) &watch->sync);
    }
  g_ptr_array_unref (watch->entries);
  g_free (watch);
}

static gboolean
echo_watch_timeout_cb (gpointer data)
{
  SyncobjHttpEchoWatch *watch = data;

  watch->timer = 0;
  echo_watch_return (watch,
                     g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_TIMEOUT,
                                  _("Timed out waiting for %u change(s) to come back from sync “%s”"),
                                  watch->n_pending,
                                  watch->sync != NULL ? syncobj_sync_get_id (SYNCOBJ_SYNC (watch->sync)) : ""));
  return G_SOURCE_REMOVE;
}

static gboolean
echo_watch_cancelled_idle (gpointer data)
{
  SyncobjHttpEchoWatch *watch = data;

  watch->cancelled_idle = 0;
  echo_watch_return (watch, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                 _("Waiting for the sync was cancelled")));
  return G_SOURCE_REMOVE;
}

static void
echo_watch_cancelled_cb (GCancellable         *cancellable,
                         SyncobjHttpEchoWatch *watch)
{
  /* Never finish from inside the cancellable's signal. */
  if (watch->cancelled_idle == 0)
    watch->cancelled_idle = g_idle_add (echo_watch_cancelled_idle, watch);
}

void
_syncobj_http_echo_watch_wait_async (SyncobjHttpEchoWatch *watch,
                                     guint                 timeout_ms,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, _syncobj_http_echo_watch_wait_async);
  g_return_if_fail (watch->task == NULL);

  if (watch->n_pending == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (watch->sync == NULL)
    {
      g_task_return_new_error (task, SYNCOBJ_ERROR, SYNCOBJ_ERROR_CANCELLED,
                               _("The sync went away before the changes came back"));
      return;
    }

  /* The server just answered a write: if the feed is waiting to
   * reconnect, it need not wait any longer. */
  if (watch->sync->running && !watch->sync->connected && watch->sync->timer != 0)
    {
      watch->sync->failures = 0;
      http_sync_connect (watch->sync);
    }

  watch->task = g_steal_pointer (&task);
  watch->epoch = ++watch->sync->epoch;
  if (timeout_ms > 0)
    watch->timer = _syncobj_scheduler_add (_syncobj_scheduler_get_default (), timeout_ms,
                                           echo_watch_timeout_cb, watch, NULL);
  if (cancellable != NULL)
    watch->cancelled_handler = g_cancellable_connect (cancellable, G_CALLBACK (echo_watch_cancelled_cb),
                                                      watch, NULL);
}

gboolean
_syncobj_http_echo_watch_wait_finish (GAsyncResult  *result,
                                      GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static GPtrArray *
watches_copy (SyncobjHttpSync *self)
{
  GPtrArray *watches = g_ptr_array_sized_new (g_hash_table_size (self->watches));
  GHashTableIter iter;
  gpointer watch;

  g_hash_table_iter_init (&iter, self->watches);
  while (g_hash_table_iter_next (&iter, &watch, NULL))
    g_ptr_array_add (watches, watch);
  return watches;
}

/* Finishes the waits of @watches (a snapshot of pointers) that are
 * complete. A finished wait may free its watch, and others: each one is
 * checked for membership first. */
static void
check_watches (SyncobjHttpSync *self,
               GPtrArray       *watches)
{
  for (guint i = 0; i < watches->len; i++)
    if (g_hash_table_contains (self->watches, g_ptr_array_index (watches, i)))
      echo_watch_check (g_ptr_array_index (watches, i));
}

/* Marks what one applied change message echoes; adds the watches it
 * touched to @touched. */
static void
note_change (SyncobjHttpSync *self,
             JsonNode        *node,
             GPtrArray       *touched)
{
  SyncobjCollection *collection = syncobj_sync_get_collection (SYNCOBJ_SYNC (self));
  const char *key_member = collection != NULL ? syncobj_collection_get_key_member (collection) : "id";
  JsonObject *message;
  JsonNode *value;
  const char *tag, *key = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return;
  message = json_node_get_object (node);
  tag = json_object_get_string_member_with_default (message, "idempotency_key", NULL);

  /* A tagged change counts for its own request only. */
  if (tag != NULL)
    {
      EchoEntry *entry = g_hash_table_lookup (self->entries_by_tag, tag);

      if (entry != NULL)
        {
          echo_entry_done (entry);
          g_ptr_array_add (touched, entry->watch);
        }
      return;
    }

  value = json_object_get_member (message, "value");
  if (value != NULL && JSON_NODE_HOLDS_OBJECT (value))
    key = json_object_get_string_member_with_default (json_node_get_object (value), key_member, NULL);
  if (key == NULL)
    key = json_object_get_string_member_with_default (message, "key", NULL);
  if (key != NULL)
    {
      GPtrArray *same_key = g_hash_table_lookup (self->entries_by_key, key);

      for (guint i = 0; same_key != NULL && i < same_key->len; i++)
        {
          EchoEntry *entry = g_ptr_array_index (same_key, i);

          echo_entry_done (entry);
          g_ptr_array_add (touched, entry->watch);
        }
    }
}

static gboolean
object_holds (JsonObject *record,
              JsonObject *expected)
{
  JsonObjectIter iter;
  const char *member;
  JsonNode *node;

  json_object_iter_init (&iter, expected);
  while (json_object_iter_next (&iter, &member, &node))
    {
      JsonNode *actual = json_object_get_member (record, member);

      if (actual == NULL || !json_node_equal (actual, node))
        return FALSE;
    }
  return TRUE;
}

/* A snapshot holding a change counts as its echo; so does any snapshot
 * requested after the server answered the write (waits begin then). */
static void
note_snapshot (SyncobjHttpSync *self,
               JsonArray       *array,
               guint64          request_epoch)
{
  SyncobjCollection *collection = syncobj_sync_get_collection (SYNCOBJ_SYNC (self));
  const char *key_member = collection != NULL ? syncobj_collection_get_key_member (collection) : "id";
  g_autoptr(GHashTable) records = NULL;
  guint n = json_array_get_length (array);
  GHashTableIter iter;
  gpointer watch_pointer;

  if (g_hash_table_size (self->watches) == 0)
    return;

  records = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      const char *key;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      key = json_object_get_string_member_with_default (json_node_get_object (element), key_member, NULL);
      if (key != NULL)
        g_hash_table_insert (records, (gpointer) key, json_node_get_object (element));
    }

  g_hash_table_iter_init (&iter, self->watches);
  while (g_hash_table_iter_next (&iter, &watch_pointer, NULL))
    {
      SyncobjHttpEchoWatch *watch = watch_pointer;
      gboolean answered_before = watch->task != NULL && watch->epoch < request_epoch;

      for (guint i = 0; i < watch->entries->len; i++)
        {
          EchoEntry *entry = g_ptr_array_index (watch->entries, i);
          JsonObject *record = g_hash_table_lookup (records, entry->key);

          if (answered_before ||
              (entry->deleted ? record == NULL
                              : (record != NULL && entry->expected != NULL && object_holds (record, entry->expected))))
            echo_entry_done (entry);
        }
    }
}

static void
check_all_watches (SyncobjHttpSync *self)
{
  g_autoptr(GPtrArray) watches = watches_copy (self);

  check_watches (self, watches);
}

/* ---- messages ------------------------------------------------------------------ */

static void
report_message_error (SyncobjHttpSync *self,
                      const GError    *error)
{
  syncobj_sync_mark_error (SYNCOBJ_SYNC (self), error);
  g_signal_emit (self, signals[MESSAGE_ERROR], 0, error);
}

static void
handle_message (SyncobjHttpSync *self,
                const char      *text,
                gsize            length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GPtrArray) touched = NULL;
  JsonNode *root;

  if (!syncobj_sync_apply_json (SYNCOBJ_SYNC (self), text, (gssize) length, &error))
    {
      report_message_error (self, error);
      return;
    }

  if (g_hash_table_size (self->watches) == 0)
    return;

  /* apply_json accepted it, so it parses. */
  touched = g_ptr_array_new ();
  if (json_parser_load_from_data (parser, text, (gssize) length, NULL) &&
      (root = json_parser_get_root (parser)) != NULL)
    {
      if (JSON_NODE_HOLDS_ARRAY (root))
        {
          JsonArray *array = json_node_get_array (root);

          for (guint i = 0; i < json_array_get_length (array); i++)
            note_change (self, json_array_get_element (array, i), touched);
        }
      else
        note_change (self, root, touched);
    }
  check_watches (self, touched);
}

static void
socket_message_cb (SoupWebsocketConnection *socket,
                   int                      type,
                   GBytes                  *message,
                   SyncobjHttpSync         *self)
{
  gsize length;
  const char *data = g_bytes_get_data (message, &length);

  if (!self->have_snapshot)
    {
      g_ptr_array_add (self->early_messages, g_strndup (data, length));
      return;
    }
  handle_message (self, data, length);
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
  if (self->timer != 0)
    _syncobj_scheduler_remove (_syncobj_scheduler_get_default (), self->timer);
  self->timer = 0;
  g_ptr_array_set_size (self->early_messages, 0);
  self->have_snapshot = FALSE;
  self->feed_refused = FALSE;
  set_connected (self, FALSE);
}

static gboolean
reconnect_cb (gpointer data)
{
  SyncobjHttpSync *self = data;

  self->timer = 0;
  http_sync_connect (self);
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

static void
connection_failed (SyncobjHttpSync *self,
                   const GError    *error)
{
  if (error != NULL)
    syncobj_sync_mark_error (SYNCOBJ_SYNC (self), error);
  schedule_reconnect (self);
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

  connection_failed (self, error);
}

static gboolean
schedule_poll_cb (gpointer data);

static gboolean
is_polling (SyncobjHttpSync *self)
{
  return self->websocket_uri == NULL || self->feed_refused;
}

static void
schedule_poll (SyncobjHttpSync *self)
{
  if (is_polling (self) && self->running && self->poll_interval_ms > 0)
    self->timer = _syncobj_scheduler_add (_syncobj_scheduler_get_default (), self->poll_interval_ms,
                                          schedule_poll_cb, self, NULL);
}

/* Commits @root (the snapshot) as a full replacement of the synced state. */
static gboolean
apply_snapshot (SyncobjHttpSync  *self,
                JsonNode         *root,
                guint64           request_epoch,
                GError          **error)
{
  SyncobjSync *sync = SYNCOBJ_SYNC (self);
  JsonArray *array = NULL;
  guint n;

  if (root != NULL && JSON_NODE_HOLDS_ARRAY (root) && self->array_member == NULL)
    array = json_node_get_array (root);
  else if (root != NULL && JSON_NODE_HOLDS_OBJECT (root) && self->array_member != NULL)
    {
      JsonNode *member = json_object_get_member (json_node_get_object (root), self->array_member);

      if (member != NULL && JSON_NODE_HOLDS_ARRAY (member))
        array = json_node_get_array (member);
    }

  if (array == NULL)
    {
      if (self->array_member != NULL)
        g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                     _("The snapshot from %s is not an object with an array in “%s”"),
                     self->uri, self->array_member);
      else
        g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                     _("The snapshot from %s is not a JSON array"), self->uri);
      return FALSE;
    }

  note_snapshot (self, array, request_epoch);
  n = json_array_get_length (array);
  syncobj_sync_begin (sync);
  syncobj_sync_truncate (sync, NULL);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      g_autoptr(GError) local_error = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (element) ||
          !syncobj_sync_write (sync, SYNCOBJ_MUTATION_TYPE_INSERT, json_node_get_object (element), &local_error))
        {
          g_autoptr(GError) skipped = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                                                   _("Record %u of the snapshot from %s was skipped: %s"),
                                                   i, self->uri,
                                                   local_error != NULL ? local_error->message
                                                                       : _("not a JSON object"));
          report_message_error (self, skipped);
        }
    }
  return syncobj_sync_commit (sync, error);
}

typedef struct
{
  SyncobjHttpSync *self;
  SoupMessage     *message;
  guint64          epoch;
} SnapshotRequest;

static void
snapshot_request_free (SnapshotRequest *request)
{
  g_clear_object (&request->self);
  g_clear_object (&request->message);
  g_free (request);
}

static void
snapshot_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  SnapshotRequest *request = user_data;
  SyncobjHttpSync *self = request->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonParser) parser = NULL;
  guint status;
  const char *etag;
  const char *markup_type;

  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    goto out;
  if (body == NULL)
    {
      g_autoptr(GError) network_error = _syncobj_http_network_error (request->message, error);
      connection_failed (self, network_error);
      goto out;
    }

  status = soup_message_get_status (request->message);
  if (status == SOUP_STATUS_NOT_MODIFIED)
    {
      schedule_poll (self);
      goto out;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_autofree char *reason = _syncobj_http_error_reason (request->message, body);
      g_autoptr(GError) http_error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
                                                  _("GET %s failed with status %u: %s"),
                                                  self->uri, status, reason);
      connection_failed (self, http_error);
      goto out;
    }

  /* A captive portal's or a proxy's page instead of the API's answer. */
  markup_type = _syncobj_http_body_markup_type (request->message, body);
  if (markup_type == NULL && _syncobj_http_body_starts_with_markup (body))
    markup_type = "text/html";   /* whatever its label says */
  if (markup_type != NULL)
    {
      g_autoptr(GError) parse_error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                                                   _("The snapshot from %s is %s, not JSON"),
                                                   self->uri, markup_type);
      connection_failed (self, parse_error);
      goto out;
    }

  parser = json_parser_new_immutable ();
  /* Checked first, as every JSON text from outside: json-glib would crash
   * on deep nesting and change out-of-range numbers. */
  if (!_syncobj_json_check_text (g_bytes_get_data (body, NULL), (gssize) g_bytes_get_size (body),
                                 SYNCOBJ_ERROR_PARSE, &error) ||
      !json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), (gssize) g_bytes_get_size (body), &error))
    {
      g_autofree char *message = _syncobj_json_error_message (error, g_bytes_get_data (body, NULL), (gssize) g_bytes_get_size (body));
      g_autoptr(GError) parse_error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                                                   _("The snapshot from %s is not valid JSON: %s"),
                                                   self->uri, message);
      connection_failed (self, parse_error);
      goto out;
    }
  if (!apply_snapshot (self, json_parser_get_root (parser), request->epoch, &error))
    {
      connection_failed (self, error);
      goto out;
    }

  etag = soup_message_headers_get_one (soup_message_get_response_headers (request->message), "ETag");
  g_free (self->etag);
  self->etag = g_strdup (etag);

  self->failures = 0;
  self->have_snapshot = TRUE;
  check_all_watches (self);
  syncobj_sync_mark_ready (SYNCOBJ_SYNC (self));
  set_connected (self, TRUE);

  /* Changes that came in while the snapshot was on its way. */
  while (self->early_messages->len > 0 && self->have_snapshot)
    {
      g_autofree char *text = g_ptr_array_steal_index (self->early_messages, 0);
      handle_message (self, text, strlen (text));
    }

  schedule_poll (self);

out:
  snapshot_request_free (request);
}

static void
fetch_snapshot (SyncobjHttpSync *self)
{
  SnapshotRequest *request;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = g_uri_parse (self->uri, SOUP_HTTP_URI_FLAGS, &error);

  if (uri == NULL)
    {
      g_autoptr(GError) uri_error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE,
                                                 _("“%s” is not a valid URI: %s"), self->uri, error->message);
      syncobj_sync_mark_error (SYNCOBJ_SYNC (self), uri_error);
      return;
    }

  request = g_new0 (SnapshotRequest, 1);
  request->self = g_object_ref (self);
  request->message = soup_message_new_from_uri ("GET", uri);
  request->epoch = ++self->epoch;
  _syncobj_http_forbid_resend (request->message);
  _syncobj_http_headers_apply (&self->headers, request->message);
  soup_message_headers_replace (soup_message_get_request_headers (request->message), "Accept", "application/json");
  /* Only a poll may be answered with "not modified": after a reconnect
   * the collection needs the whole snapshot. */
  if (self->etag != NULL && self->have_snapshot && is_polling (self))
    soup_message_headers_replace (soup_message_get_request_headers (request->message),
                                  "If-None-Match", self->etag);

  soup_session_send_and_read_async (self->session, request->message, G_PRIORITY_DEFAULT,
                                    self->cancellable, snapshot_cb, request);
}

static gboolean
schedule_poll_cb (gpointer data)
{
  SyncobjHttpSync *self = data;

  self->timer = 0;
  fetch_snapshot (self);
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

  socket = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (socket == NULL && error->domain == SOUP_WEBSOCKET_ERROR)
    {
      g_autoptr(GError) refused = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
                                               _("The server refused the change feed %s (%s); polling instead"),
                                               self->websocket_uri, error->message);

      /* The server answers, but not with a WebSocket (a proxy in the
       * way, an API without one): poll until the next reconnect. */
      syncobj_sync_mark_error (SYNCOBJ_SYNC (self), refused);
      self->feed_refused = TRUE;
      fetch_snapshot (self);
      return;
    }
  if (socket == NULL)
    {
      g_autoptr(GError) connect_error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
                                                     _("Cannot connect to the change feed %s: %s"),
                                                     self->websocket_uri, error->message);
      connection_failed (self, connect_error);
      return;
    }
  if (!self->running)
    return;

  self->socket = g_steal_pointer (&socket);
  /* Large snapshots of changes are fine; the default limit is 128 KiB. */
  soup_websocket_connection_set_max_incoming_payload_size (self->socket, 0);
  g_signal_connect (self->socket, "message", G_CALLBACK (socket_message_cb), self);
  g_signal_connect (self->socket, "error", G_CALLBACK (socket_error_cb), self);
  g_signal_connect (self->socket, "closed", G_CALLBACK (socket_closed_cb), self);

  fetch_snapshot (self);
}

static void
http_sync_connect (SyncobjHttpSync *self)
{
  stop_connection (self);
  if (!self->running)
    return;

  self->cancellable = g_cancellable_new ();
  if (self->websocket_uri != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GUri) uri = g_uri_parse (self->websocket_uri, SOUP_HTTP_URI_FLAGS, &error);
      g_autoptr(SoupMessage) message = NULL;

      if (uri == NULL)
        {
          g_autoptr(GError) uri_error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE,
                                                     _("“%s” is not a valid URI: %s"),
                                                     self->websocket_uri, error->message);
          syncobj_sync_mark_error (SYNCOBJ_SYNC (self), uri_error);
          return;
        }
      message = soup_message_new_from_uri ("GET", uri);
      _syncobj_http_forbid_resend (message);
      _syncobj_http_headers_apply (&self->headers, message);
      soup_session_websocket_connect_async (self->session, message, NULL, NULL, G_PRIORITY_DEFAULT,
                                            self->cancellable, websocket_connected_cb, g_object_ref (self));
    }
  else
    fetch_snapshot (self);
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
      http_sync_connect (self);
    }
}

static void
syncobj_http_sync_start (SyncobjSync *sync)
{
  SyncobjHttpSync *self = SYNCOBJ_HTTP_SYNC (sync);

  self->running = TRUE;
  self->failures = 0;
  if (self->online_handler == 0)
    self->online_handler = g_signal_connect (_syncobj_scheduler_get_default (), "notify::online",
                                             G_CALLBACK (online_changed_cb), self);
  http_sync_connect (self);
}

static void
syncobj_http_sync_stop (SyncobjSync *sync)
{
  SyncobjHttpSync *self = SYNCOBJ_HTTP_SYNC (sync);

  self->running = FALSE;
  if (self->online_handler != 0)
    g_signal_handler_disconnect (_syncobj_scheduler_get_default (), self->online_handler);
  self->online_handler = 0;
  stop_connection (self);
}

/* ---- public API ------------------------------------------------------------------ */

/**
 * syncobj_http_sync_new:
 * @id: the id of the sync (the collection's id by convention)
 * @uri: where to `GET` the snapshot of the collection
 * @websocket_uri: (nullable): the change feed (`ws://` or `wss://`, or
 *   `http(s)://`), or %NULL to poll @uri
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
 * Returns: how long a request may wait for the server, in seconds (0: no
 *   limit)
 */
guint
syncobj_http_sync_get_timeout (SyncobjHttpSync *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_HTTP_SYNC (self), 0);
  return soup_session_get_timeout (self->session);
}

/**
 * syncobj_http_sync_set_timeout:
 * @self: a sync
 * @timeout_s: seconds; 0 waits as long as the connection stays up
 *
 * Sets [property@Syncobj.HttpSync:timeout].
 */
void
syncobj_http_sync_set_timeout (SyncobjHttpSync *self,
                               guint            timeout_s)
{
  g_return_if_fail (SYNCOBJ_IS_HTTP_SYNC (self));

  if (soup_session_get_timeout (self->session) == timeout_s)
    return;
  soup_session_set_timeout (self->session, timeout_s);
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
 * syncobj_http_sync_set_header:
 * @self: a sync
 * @name: a header name
 * @value: (nullable): its value, or %NULL to stop sending it
 *
 * Adds a header to every request, the WebSocket handshake included.
 */
void
syncobj_http_sync_set_header (SyncobjHttpSync *self,
                              const char      *name,
                              const char      *value)
{
  g_return_if_fail (SYNCOBJ_IS_HTTP_SYNC (self));
  g_return_if_fail (name != NULL);

  _syncobj_http_headers_set (&self->headers, name, value);
}

/**
 * syncobj_http_sync_set_auth_func:
 * @self: a sync
 * @func: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   called before each request for its `Authorization` header
 * @user_data: closure data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Sets the callback that authorizes requests, called before every request
 * (snapshots, polls, WebSocket handshakes).
 */
void
syncobj_http_sync_set_auth_func (SyncobjHttpSync     *self,
                                 SyncobjHttpAuthFunc  func,
                                 gpointer             user_data,
                                 GDestroyNotify       destroy)
{
  g_return_if_fail (SYNCOBJ_IS_HTTP_SYNC (self));

  _syncobj_http_headers_set_auth (&self->headers, func, user_data, destroy);
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
    http_sync_connect (self);
}

/* ---- GObject ------------------------------------------------------------------------ */

static void
syncobj_http_sync_dispose (GObject *object)
{
  SyncobjHttpSync *self = SYNCOBJ_HTTP_SYNC (object);

  syncobj_http_sync_stop (SYNCOBJ_SYNC (self));
  {
    g_autoptr(GPtrArray) watches = watches_copy (self);

    /* A finished wait may free watches: check membership each time. */
    for (guint i = 0; i < watches->len; i++)
      if (g_hash_table_contains (self->watches, g_ptr_array_index (watches, i)))
        echo_watch_return (g_ptr_array_index (watches, i),
                           g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_CANCELLED,
                                        _("Sync “%s” went away"),
                                        syncobj_sync_get_id (SYNCOBJ_SYNC (self)) != NULL ?
                                        syncobj_sync_get_id (SYNCOBJ_SYNC (self)) : ""));
  }

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
  /* Watches outliving the sync see its weak pointer cleared. */
  g_clear_pointer (&self->watches, g_hash_table_unref);
  g_clear_pointer (&self->entries_by_tag, g_hash_table_unref);
  g_clear_pointer (&self->entries_by_key, g_hash_table_unref);

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
      self->uri = g_value_dup_string (value);
      break;
    case PROP_WEBSOCKET_URI:
      g_free (self->websocket_uri);
      self->websocket_uri = g_value_dup_string (value);
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
   * Where to `GET` the snapshot of the collection.
   */
  properties[PROP_URI] =
    g_param_spec_string ("uri", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjHttpSync:websocket-uri:
   *
   * The WebSocket change feed; without one, the sync polls.
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
    g_param_spec_uint ("poll-interval", NULL, NULL, 0, G_MAXUINT, 5000,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjHttpSync:reconnect-delay:
   *
   * The first delay before reconnecting, in milliseconds; it doubles with
   * each failure, up to 30 s.
   */
  properties[PROP_RECONNECT_DELAY] =
    g_param_spec_uint ("reconnect-delay", NULL, NULL, 1, G_MAXUINT, 1000,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjHttpSync:timeout:
   *
   * How long, in seconds, a snapshot request or a WebSocket handshake may
   * wait for the server (to connect, to send, for each part of the answer);
   * after that the sync reconnects with backoff, as after any failed
   * connection. 0 waits as long as the connection stays up. An open
   * WebSocket has no timeout: the feed may stay quiet for long.
   */
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 0, G_MAXUINT, SYNCOBJ_HTTP_DEFAULT_TIMEOUT_S,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjHttpSync:connected:
   *
   * Whether the sync is up to date with the server: the snapshot of the
   * current connection was applied.
   */
  properties[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

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
  self->session = soup_session_new_with_options ("timeout", SYNCOBJ_HTTP_DEFAULT_TIMEOUT_S, NULL);
  self->early_messages = g_ptr_array_new_with_free_func (g_free);
  self->watches = g_hash_table_new (NULL, NULL);
  self->entries_by_tag = g_hash_table_new (g_str_hash, g_str_equal);
  self->entries_by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                (GDestroyNotify) g_ptr_array_unref);
}
