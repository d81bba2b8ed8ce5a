/* syncobj-http-snapshot.c: a SyncobjHttpSync loads the snapshot (or the
 * changes since its cursor) with a GET, and commits it as a full
 * replacement of the synced state
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-http-sync-private.h"
#include "syncobj-http-feed-private.h"
#include "syncobj-json-util-private.h"
#include "syncobj-json-validate-private.h"

/* Commits @root (the snapshot) as a full replacement of the synced state,
 * with @cursor (nullable: its sequence number, or its ETag) as the cursor:
 * a store keeps it, and the next start resumes from it (?since=) or asks
 * with If-None-Match whether the cached records are current. */
static gboolean
apply_snapshot (SyncobjHttpSync  *self,
                JsonNode         *root,
                guint64           request_epoch,
                const char       *cursor,
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

  _syncobj_http_echoes_note_snapshot (self->echoes, array, request_epoch);
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
          _syncobj_http_sync_report (self, skipped);
        }
    }
  /* A validator the store cannot keep only costs the 304 next time. */
  if (cursor != NULL)
    syncobj_sync_set_cursor (sync, cursor, NULL);
  return syncobj_sync_commit (sync, error);
}

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
  SyncobjHttpSync *self;
  SoupMessage     *message;
  guint64          epoch;
  char            *validator;   /* sent as If-None-Match */
  gboolean         since;       /* asks for the changes since the cursor */
} SnapshotRequest;

static void
snapshot_request_free (SnapshotRequest *request)
{
  g_free (request->validator);
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
  const char *seq;
  const char *markup_type;

  body = _syncobj_http_send_and_read_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    goto out;
  if (body == NULL)
    {
      g_autoptr(GError) network_error = _syncobj_http_network_error (request->message, error);
      _syncobj_http_sync_connection_failed (self, network_error);
      goto out;
    }

  status = soup_message_get_status (request->message);
  if (status == SOUP_STATUS_NOT_MODIFIED && request->validator != NULL && !self->have_snapshot)
    {
      /* The cached records are current. */
      _syncobj_http_sync_loaded (self, request->validator);
      goto out;
    }
  if (status == SOUP_STATUS_NOT_MODIFIED)
    {
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
      _syncobj_http_sync_connection_failed (self, parse_error);
      goto out;
    }
  etag = soup_message_headers_get_one (soup_message_get_response_headers (request->message), "ETag");
  seq = soup_message_headers_get_one (soup_message_get_response_headers (request->message), "X-Syncobj-Seq");
  if (!_syncobj_http_feed_cursor_is_seq (seq))
    seq = NULL;
  if (!apply_snapshot (self, json_parser_get_root (parser), request->epoch, seq != NULL ? seq : etag, &error))
    {
      _syncobj_http_sync_connection_failed (self, error);
      goto out;
    }
  self->need_snapshot = FALSE;
  _syncobj_http_sync_loaded (self, etag);

out:
  snapshot_request_free (request);
}

void
_syncobj_http_sync_fetch_snapshot (SyncobjHttpSync *self)
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
