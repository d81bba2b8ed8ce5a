/* syncobj-http-snapshot.c: a SyncobjHttpSync loads the snapshot (or the
 * changes since its cursor) with a GET, and commits it as a full
 * replacement of the synced state
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-http-sync-private.h"
#include "syncobj-http-feed-private.h"
#include "syncobj-http-probe-private.h"
#include "syncobj-sync-private.h"

#include <string.h>

/* What a snapshot request asks If-None-Match with: a poll, the ETag of
 * the snapshot it has; the first snapshot of a run, the cursor the store
 * kept with the cached records. After a reconnect the collection needs
 * the whole snapshot. */
static const char *
snapshot_validator (SyncobjHttpSync *self)
{
  if (self->need_snapshot)
    return NULL;
  if (self->have_snapshot)
    return _syncobj_http_sync_is_polling (self) ? self->etag : NULL;
  if (self->etag == NULL)
    return syncobj_sync_get_cursor (SYNCOBJ_SYNC (self));
  return NULL;
}

typedef struct
{
  guint32 element;
  guint32 reason;      /* SyncobjJsonSkip */
} SkippedElement;

typedef struct
{
  SyncobjHttpSync *self;
  SoupMessage     *message;
  guint64          epoch;
  char            *validator;      /* sent as If-None-Match */
  gboolean         since;          /* asks for the changes since the cursor */
  GCancellable    *cancellable;    /* the connection's */
  /* the scan, off the main thread */
  GBytes          *body;
  char            *array_member;
  char            *key_member;
  SyncobjSyncLoad *load;           /* the records */
  GArray          *skipped;        /* SkippedElement */
} SnapshotRequest;

static void
snapshot_request_free (SnapshotRequest *request)
{
  g_free (request->validator);
  g_clear_object (&request->self);
  g_clear_object (&request->message);
  g_clear_object (&request->cancellable);
  g_clear_pointer (&request->body, g_bytes_unref);
  g_free (request->array_member);
  g_free (request->key_member);
  g_clear_pointer (&request->load, _syncobj_sync_load_free);
  g_clear_pointer (&request->skipped, g_array_unref);
  g_free (request);
}

static void
snapshot_skip_cb (gsize            element,
                  SyncobjJsonSkip  reason,
                  gpointer         user_data)
{
  SnapshotRequest *request = user_data;
  SkippedElement skipped = { (guint32) MIN (element, G_MAXUINT32), reason };

  g_array_append_val (request->skipped, skipped);
}

/* In a worker thread: the body becomes packed writes, as
 * syncobj_sync_load_json_array() makes them, with no JsonNode built. */
static void
snapshot_scan_thread (GTask        *task,
                      gpointer      source,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  SnapshotRequest *request = task_data;
  const char *text = g_bytes_get_data (request->body, NULL);
  gsize start = 0, length = g_bytes_get_size (request->body);
  GError *error = NULL;

  if (request->array_member != NULL &&
      !_syncobj_json_find_member (text, length, request->array_member, &start, &length))
    {
      g_task_return_new_error (task, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                               _("it is not an object with an array in “%s”"), request->array_member);
      return;
    }
  request->load = _syncobj_sync_load_scan_array (request->key_member, text + start, length,
                                                 snapshot_skip_cb, request, &error);
  if (request->load == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* One line in the log (and one error) for the records a snapshot skipped;
 * a message-error signal for each, when someone listens. */
static void
report_skipped (SyncobjHttpSync *self,
                GArray          *skipped)
{
  g_autoptr(GError) first = NULL;
  g_autoptr(GError) summary = NULL;
  const char *key_member = _syncobj_sync_get_key_member (SYNCOBJ_SYNC (self));
  guint signal_id = g_signal_lookup ("message-error", SYNCOBJ_TYPE_HTTP_SYNC);
  gboolean listened = g_signal_has_handler_pending (self, signal_id, 0, FALSE);

  for (guint i = 0; i < skipped->len && (listened || first == NULL); i++)
    {
      SkippedElement *element = &g_array_index (skipped, SkippedElement, i);
      const char *why = element->reason == SYNCOBJ_JSON_SKIP_NOT_OBJECT ? _("not a JSON object")
                        : element->reason == SYNCOBJ_JSON_SKIP_NO_KEY ? _("no key member")
                        : element->reason == SYNCOBJ_JSON_SKIP_KEY_RANGE ? _("its key member is an integer beyond 64 bits")
                        : _("its key member is neither a non-empty string nor an integer");
      g_autoptr(GError) error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                                             _("Record %u of the snapshot from %s was skipped: %s (“%s”)"),
                                             element->element, self->uri, why, key_member);

      if (listened)
        g_signal_emit (self, signal_id, 0, error);
      if (first == NULL)
        first = g_steal_pointer (&error);
    }
  if (first == NULL)
    return;
  summary = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                         g_dngettext (GETTEXT_PACKAGE,
                                      "%u record of the snapshot from %s was skipped; the first: %s",
                                      "%u records of the snapshot from %s were skipped; the first: %s",
                                      skipped->len),
                         skipped->len, self->uri, first->message);
  syncobj_sync_mark_error (SYNCOBJ_SYNC (self), summary);
}

/* The snapshot is applied (over several main-loop iterations: see
 * _syncobj_sync_commit_sliced()): the collection is ready, and the
 * changes that came meanwhile apply. */
static void
snapshot_committed_cb (SyncobjSync  *sync,
                       const GError *error,
                       gpointer      user_data)
{
  SnapshotRequest *request = user_data;
  SyncobjHttpSync *self = request->self;
  SoupMessageHeaders *headers = soup_message_get_response_headers (request->message);

  /* The collection went, or the connection was dropped or replaced
   * meanwhile. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || g_cancellable_is_cancelled (request->cancellable))
    ;
  else if (error != NULL)
    _syncobj_http_sync_connection_failed (self, error);
  else
    {
      self->need_snapshot = FALSE;
      _syncobj_http_sync_loaded (self, soup_message_headers_get_one (headers, "ETag"));
    }
  snapshot_request_free (request);
}

/* Commits the scanned snapshot as a full replacement of the synced state,
 * with @cursor (nullable: its sequence number, or its ETag) as the cursor:
 * a store keeps it, and the next start resumes from it (?since=) or asks
 * with If-None-Match whether the cached records are current. Takes
 * @request, and goes on in snapshot_committed_cb(). */
static void
apply_snapshot (SyncobjHttpSync  *self,
                SnapshotRequest  *request,
                const char       *cursor)
{
  SyncobjSync *sync = SYNCOBJ_SYNC (self);
  const SyncobjSyncWrite *records;
  guint n_records;

  records = _syncobj_sync_load_peek (request->load, &n_records);
  _syncobj_http_echoes_note_snapshot (self->echoes, records, n_records, request->epoch);
  syncobj_sync_begin (sync);
  syncobj_sync_truncate (sync, NULL);
  /* Joining the open commit cannot fail. */
  _syncobj_sync_load_take (sync, g_steal_pointer (&request->load), NULL);
  report_skipped (self, request->skipped);
  /* A validator the store cannot keep only costs the 304 next time. */
  if (cursor != NULL)
    syncobj_sync_set_cursor (sync, cursor, NULL);
  _syncobj_sync_commit_sliced (sync, snapshot_committed_cb, request);
}

static void
snapshot_failed (SyncobjHttpSync *self,
                 const GError    *error)
{
  const char *prefix = _("Malformed snapshot: ");
  const char *reason = error->message;
  g_autoptr(GError) parse_error = NULL;

  if (g_str_has_prefix (reason, prefix))
    reason += strlen (prefix);
  parse_error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                             error->code == SYNCOBJ_ERROR_INVALID_RECORD ? _("The snapshot from %s is invalid: %s")
                                                                         : _("The snapshot from %s is not valid JSON: %s"),
                             self->uri, reason);
  _syncobj_http_sync_connection_failed (self, parse_error);
}

static void
snapshot_scanned_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  SnapshotRequest *request = user_data;
  SyncobjHttpSync *self = request->self;
  SoupMessageHeaders *headers = soup_message_get_response_headers (request->message);
  g_autoptr(GError) error = NULL;
  const char *etag = soup_message_headers_get_one (headers, "ETag");
  const char *seq = soup_message_headers_get_one (headers, "X-Syncobj-Seq");

  /* The connection was dropped or replaced meanwhile. */
  if (g_cancellable_is_cancelled (request->cancellable))
    goto out;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      snapshot_failed (self, error);
      goto out;
    }
  if (!_syncobj_http_feed_cursor_is_seq (seq))
    seq = NULL;
  apply_snapshot (self, request, seq != NULL ? seq : etag);
  return;

out:
  snapshot_request_free (request);
}

static void
snapshot_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  SnapshotRequest *request = user_data;
  SyncobjHttpSync *self = request->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;
  GBytes *body;
  guint status;
  const char *markup_type;

  body = request->body = _syncobj_http_send_and_read_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    goto out;
  if (body == NULL)
    {
      g_autoptr(GError) network_error = _syncobj_http_network_error (request->message, error);

      _syncobj_http_probe_read_failed (soup_message_get_uri (request->message), error);
      _syncobj_http_sync_connection_failed (self, network_error);
      goto out;
    }

  /* The server answers: writes held while it could not be reached go. */
  _syncobj_http_probe_answered (soup_message_get_uri (request->message));
  if (_syncobj_http_sync_auth_refused (self, request->message, SYNCOBJ_HTTP_SYNC_RESEND_SNAPSHOT))
    goto out;
  status = soup_message_get_status (request->message);
  if (status == SOUP_STATUS_NOT_MODIFIED && request->validator != NULL && !self->have_snapshot)
    {
      /* The cached records are current. */
      _syncobj_http_sync_loaded (self, request->validator);
      goto out;
    }
  if (status == SOUP_STATUS_NOT_MODIFIED)
    {
      /* Unchanged since the snapshot shown: it holds the writes answered
       * before this request (a write that changed nothing, say). */
      _syncobj_http_echoes_note_unchanged (self->echoes, request->epoch);
      _syncobj_http_echoes_check (self->echoes);
      _syncobj_http_sync_schedule_poll (self);
      goto out;
    }
  if (status == SOUP_STATUS_GONE && request->since)
    {
      /* The cursor is too old for the server: the whole snapshot. */
      _syncobj_http_feed_reset (self);
      goto out;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_autofree char *reason = _syncobj_http_error_reason (request->message, body);
      g_autoptr(GError) http_error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
                                                  _("GET %s failed with status %u: %s"),
                                                  self->uri, status, reason);
      _syncobj_http_sync_connection_failed (self, http_error);
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
      _syncobj_http_sync_connection_failed (self, parse_error);
      goto out;
    }

  if (request->since)
    {
      _syncobj_http_feed_changes_loaded (self, request->message, body);
      goto out;
    }

  /* Checked and split off the main thread: a snapshot of a hundred
   * thousand records takes tens of milliseconds to scan. */
  request->array_member = g_strdup (self->array_member);
  request->key_member = g_strdup (_syncobj_sync_get_key_member (SYNCOBJ_SYNC (self)));
  request->skipped = g_array_new (FALSE, FALSE, sizeof (SkippedElement));
  task = g_task_new (NULL, NULL, snapshot_scanned_cb, request);
  g_task_set_source_tag (task, snapshot_cb);
  g_task_set_task_data (task, request, NULL);
  g_task_run_in_thread (task, snapshot_scan_thread);
  return;

out:
  snapshot_request_free (request);
}

void
_syncobj_http_sync_fetch_snapshot (SyncobjHttpSync *self)
{
  SnapshotRequest *request;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = _syncobj_http_parse_uri (self->uri, FALSE, SYNCOBJ_ERROR_INVALID_STATE, &error);

  if (uri == NULL)
    {
      syncobj_sync_mark_error (SYNCOBJ_SYNC (self), error);
      return;
    }
  if (_syncobj_http_sync_auth_wait (self, SYNCOBJ_HTTP_SYNC_RESEND_SNAPSHOT))
    return;

  request = g_new0 (SnapshotRequest, 1);
  request->self = g_object_ref (self);
  request->cancellable = self->cancellable != NULL ? g_object_ref (self->cancellable) : g_cancellable_new ();
  request->since = _syncobj_http_feed_use_since (self);
  if (request->since)
    {
      const char *cursor = syncobj_sync_get_cursor (SYNCOBJ_SYNC (self));
      g_autofree char *since_uri = _syncobj_http_feed_uri_since (self->uri, cursor);

      g_clear_pointer (&uri, g_uri_unref);
      uri = g_uri_parse (since_uri, SOUP_HTTP_URI_FLAGS, NULL);
      request->validator = g_strdup_printf ("\"%s\"", cursor);
    }
  else
    request->validator = g_strdup (snapshot_validator (self));
  request->message = soup_message_new_from_uri ("GET", uri);
  request->epoch = _syncobj_http_echoes_next_epoch (self->echoes);
  _syncobj_http_forbid_resend (request->message);
  _syncobj_http_headers_apply (&self->headers, request->message);
  soup_message_headers_replace (soup_message_get_request_headers (request->message), "Accept", "application/json");
  if (request->validator != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (request->message),
                                  "If-None-Match", request->validator);

  _syncobj_http_send_and_read_async (self->session, request->message, &self->limits,
                                     self->cancellable, snapshot_cb, request);
}
