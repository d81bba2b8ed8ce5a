/* syncobj-http-feed.c: the numbered change feed of an HTTP sync, resumed
 * from a cursor
 *
 * A server that numbers its changes (the `X-Syncobj-Seq` header of the
 * snapshot, the `"seq"` member of each change message) answers
 * `?since=SEQ` on the WebSocket and poll requests with the changes after
 * SEQ, then `{"type": "caught_up"}`, or with `{"type": "reset"}` (410 for a
 * GET) when it cannot: see introspection/docs/http.md. A malformed
 * message is skipped and reported, a burst of them in two lines.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-http-feed-private.h"
#include "syncobj-http-sync-private.h"
#include "syncobj-json-validate-private.h"

/* What a message of the change feed is. */
typedef enum
{
  SYNCOBJ_HTTP_FEED_CHANGE,      /* a change (or an array of them) to apply */
  SYNCOBJ_HTTP_FEED_CAUGHT_UP,   /* the changes since the cursor were all sent */
  SYNCOBJ_HTTP_FEED_RESET,       /* the cursor is too old: load a snapshot */
} SyncobjHttpFeedKind;

/* Room for the decimal text of a sequence number. */
#define SYNCOBJ_HTTP_FEED_SEQ_SIZE 24

gboolean
_syncobj_http_feed_cursor_is_seq (const char *cursor)
{
  if (cursor == NULL || *cursor == '\0' || strlen (cursor) >= SYNCOBJ_HTTP_FEED_SEQ_SIZE)
    return FALSE;
  for (const char *p = cursor; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

char *
_syncobj_http_feed_uri_since (const char *uri,
                              const char *cursor)
{
  g_autofree char *escaped = g_uri_escape_string (cursor, NULL, FALSE);

  return g_strconcat (uri, strchr (uri, '?') != NULL ? "&since=" : "?since=", escaped, NULL);
}

/* The "seq" of @node (an object), as decimal text in @seq. */
static void
node_seq (JsonNode   *node,
          char        seq[SYNCOBJ_HTTP_FEED_SEQ_SIZE])
{
  JsonNode *member;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return;
  member = json_object_get_member (json_node_get_object (node), "seq");
  if (member != NULL && JSON_NODE_HOLDS_VALUE (member) &&
      json_node_get_value_type (member) == G_TYPE_INT64 && json_node_get_int (member) >= 0)
    g_snprintf (seq, SYNCOBJ_HTTP_FEED_SEQ_SIZE, "%" G_GINT64_FORMAT, json_node_get_int (member));
}

/* Reads the kind of a message and its "seq" (of the last element, for an
 * array), as decimal text in @seq, or "" without one. A message without
 * a "seq" member is a change, and so is one that is not JSON (applying it
 * reports the fault). */
static SyncobjHttpFeedKind
feed_peek (const char *text,
           gsize       length,
           char        seq[SYNCOBJ_HTTP_FEED_SEQ_SIZE])
{
  g_autoptr(JsonParser) parser = NULL;
  JsonNode *root;
  JsonNode *member;
  const char *type;

  seq[0] = '\0';
  /* Most servers number nothing: no parse for them. */
  if (g_strstr_len (text, (gssize) length, "\"seq\"") == NULL)
    return SYNCOBJ_HTTP_FEED_CHANGE;

  /* Checked first, as every JSON text from outside. */
  parser = json_parser_new_immutable ();
  if (!_syncobj_json_check_text (text, (gssize) length, SYNCOBJ_ERROR_PARSE, NULL) ||
      !json_parser_load_from_data (parser, text, (gssize) length, NULL))
    return SYNCOBJ_HTTP_FEED_CHANGE;

  root = json_parser_get_root (parser);
  if (root != NULL && JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *array = json_node_get_array (root);
      guint n = json_array_get_length (array);

      if (n > 0)
        node_seq (json_array_get_element (array, n - 1), seq);
      return SYNCOBJ_HTTP_FEED_CHANGE;
    }

  node_seq (root, seq);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return SYNCOBJ_HTTP_FEED_CHANGE;
  member = json_object_get_member (json_node_get_object (root), "type");
  if (member == NULL || !JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_STRING)
    return SYNCOBJ_HTTP_FEED_CHANGE;
  type = json_node_get_string (member);
  if (g_str_equal (type, "caught_up"))
    return SYNCOBJ_HTTP_FEED_CAUGHT_UP;
  if (g_str_equal (type, "reset"))
    return SYNCOBJ_HTTP_FEED_RESET;
  return SYNCOBJ_HTTP_FEED_CHANGE;
}

/* ---- the feed of a SyncobjHttpSync ------------------------------------------- */

/* Whether the cursor is a sequence number at or after @seq: a change the
 * snapshot (or an earlier message) already brought. */
/* ---- malformed messages ---------------------------------------------------------- */

/* A burst of malformed messages is logged as two lines: the first one,
 * then, once a second passes without another, how many more came and the
 * last of them (a flood that does not stop gets a line a minute); every
 * one is still a message-error signal. */
#define BURST_WINDOW_MS 1000
#define BURST_WINDOWS_PER_LINE 60

static void
burst_log_summary (SyncobjHttpSync *self)
{
  g_autoptr(GError) last = g_steal_pointer (&self->burst_last);
  g_autoptr(GError) summary = NULL;

  if (self->burst_count == 0)
    return;
  summary = g_error_new (last->domain, last->code,
                         g_dngettext (GETTEXT_PACKAGE,
                                      "%u more change message from %s was skipped; the last: %s",
                                      "%u more change messages from %s were skipped; the last: %s",
                                      self->burst_count),
                         self->burst_count, self->websocket_uri, last->message);
  self->burst_count = 0;
  self->burst_windows = 0;
  syncobj_sync_mark_error (SYNCOBJ_SYNC (self), summary);
}

static gboolean
burst_window_cb (gpointer data)
{
  SyncobjHttpSync *self = data;

  if (!self->burst_fresh)
    {
      /* A quiet second: the burst is over. */
      self->burst_timer = 0;
      burst_log_summary (self);
      return G_SOURCE_REMOVE;
    }
  self->burst_fresh = FALSE;
  if (++self->burst_windows >= BURST_WINDOWS_PER_LINE)
    burst_log_summary (self);
  return G_SOURCE_CONTINUE;
}

/* A change message could not be applied: the sync's error and
 * ::message-error. */
static void
feed_report (SyncobjHttpSync *self,
             const GError    *error)
{
  g_signal_emit_by_name (self, "message-error", error);
  if (self->burst_timer == 0)
    {
      syncobj_sync_mark_error (SYNCOBJ_SYNC (self), error);
      self->burst_timer = g_timeout_add (BURST_WINDOW_MS, burst_window_cb, self);
      return;
    }
  self->burst_count++;
  self->burst_fresh = TRUE;
  g_clear_error (&self->burst_last);
  self->burst_last = g_error_copy (error);
}

void
_syncobj_http_feed_stop_burst (SyncobjHttpSync *self)
{
  g_clear_handle_id (&self->burst_timer, g_source_remove);
  g_clear_error (&self->burst_last);
  self->burst_count = 0;
  self->burst_windows = 0;
  self->burst_fresh = FALSE;
}

static gboolean
feed_has_seq (SyncobjHttpSync *self,
              const char      *seq)
{
  const char *cursor = syncobj_sync_get_cursor (SYNCOBJ_SYNC (self));

  return _syncobj_http_feed_cursor_is_seq (cursor) &&
         g_ascii_strtoull (seq, NULL, 10) <= g_ascii_strtoull (cursor, NULL, 10);
}

/* Applies @text (a change message or an array of them); with @seq (not
 * empty) the cursor moves to it in the same commit. */
static void
apply_changes (SyncobjHttpSync *self,
               const char      *text,
               gsize            length,
               const char      *seq)
{
  SyncobjSync *sync = SYNCOBJ_SYNC (self);
  g_autoptr(GError) error = NULL;
  gboolean applied;

  _syncobj_http_echoes_take_created (self->echoes, text, length);
  if (*seq == '\0')
    {
      if (!syncobj_sync_apply_json (sync, text, (gssize) length, &error))
        feed_report (self, error);
      else
        _syncobj_http_echoes_note_message (self->echoes, text, length);
      return;
    }

  syncobj_sync_begin (sync);
  applied = syncobj_sync_apply_json (sync, text, (gssize) length, &error);
  if (!applied)
    feed_report (self, error);
  /* A bad message will not come again: the cursor moves past it. */
  syncobj_sync_set_cursor (sync, seq, NULL);
  g_clear_error (&error);
  if (!syncobj_sync_commit (sync, &error))
    feed_report (self, error);
  /* After the commit: a write its echo completes drops its optimistic
   * layer onto the record the change left, never onto the one before. */
  if (applied)
    _syncobj_http_echoes_note_message (self->echoes, text, length);
}

/* The feed sent every change since the cursor: the collection shows
 * current data. */
static void
feed_caught_up (SyncobjHttpSync *self,
                const char      *seq)
{
  SyncobjSync *sync = SYNCOBJ_SYNC (self);

  if (!self->resuming)
    return;
  self->resuming = FALSE;
  if (_syncobj_http_feed_cursor_is_seq (seq) && !feed_has_seq (self, seq))
    {
      syncobj_sync_begin (sync);
      syncobj_sync_commit_with_cursor (sync, seq, NULL);
    }
  _syncobj_http_sync_loaded (self, NULL);
}

void
_syncobj_http_feed_handle_message (SyncobjHttpSync *self,
                                   const char      *text,
                                   gsize            length)
{
  char seq[SYNCOBJ_HTTP_FEED_SEQ_SIZE];

  switch (feed_peek (text, length, seq))
    {
    case SYNCOBJ_HTTP_FEED_CAUGHT_UP:
      feed_caught_up (self, seq);
      return;
    case SYNCOBJ_HTTP_FEED_RESET:
      _syncobj_http_feed_reset (self);
      return;
    case SYNCOBJ_HTTP_FEED_CHANGE:
    default:
      break;
    }

  /* The cursor moves only along a numbered feed. */
  if (*seq != '\0' && !_syncobj_http_feed_cursor_is_seq (syncobj_sync_get_cursor (SYNCOBJ_SYNC (self))))
    seq[0] = '\0';
  if (*seq != '\0' && feed_has_seq (self, seq))
    return;
  apply_changes (self, text, length, seq);
}

/* Whether the next GET asks for the changes since the cursor (?since=)
 * instead of the snapshot: a poll, or the first load of a run, of a
 * numbered feed that can resume. After a reconnect the collection needs
 * the whole snapshot. */
gboolean
_syncobj_http_feed_use_since (SyncobjHttpSync *self)
{
  return _syncobj_http_sync_is_polling (self) && !self->need_snapshot && (self->have_snapshot || !self->loaded) &&
         _syncobj_http_feed_cursor_is_seq (syncobj_sync_get_cursor (SYNCOBJ_SYNC (self)));
}

/* The answer to ?since=: the change messages after the cursor, applied
 * in one commit that moves the cursor to the server's sequence number. */
void
_syncobj_http_feed_changes_loaded (SyncobjHttpSync *self,
                                   SoupMessage     *message,
                                   GBytes          *body)
{
  const char *seq = soup_message_headers_get_one (soup_message_get_response_headers (message), "X-Syncobj-Seq");
  char last[SYNCOBJ_HTTP_FEED_SEQ_SIZE];
  gsize length;
  const char *text = g_bytes_get_data (body, &length);

  /* An empty body has no data at all: it is an empty message, which
   * applying reports. */
  if (text == NULL)
    text = "";
  feed_peek (text, length, last);
  if (_syncobj_http_feed_cursor_is_seq (seq))
    g_strlcpy (last, seq, sizeof last);
  /* Nothing new (an empty array) changes nothing. */
  if (*last == '\0' || !feed_has_seq (self, last))
    apply_changes (self, text, length, last);
  _syncobj_http_sync_loaded (self, NULL);
}

/* The server cannot resume from the cursor (too old, or of another
 * database): the whole snapshot replaces the synced state, and the
 * changes that come meanwhile wait for it. */
void
_syncobj_http_feed_reset (SyncobjHttpSync *self)
{
  self->resuming = FALSE;
  self->have_snapshot = FALSE;
  self->need_snapshot = TRUE;
  _syncobj_http_sync_fetch_snapshot (self);
}
