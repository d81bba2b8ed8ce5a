/* syncobj-http-feed-private.h: the numbered change feed of an HTTP sync,
 * resumed from a cursor (syncobj-http-feed.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-http-sync-private.h"

G_BEGIN_DECLS

/* Whether @cursor (nullable) is a sequence number of a numbered change
 * feed (decimal digits), which the server resumes from with ?since=;
 * other cursors are entity tags, asked with If-None-Match only. */
gboolean  _syncobj_http_feed_cursor_is_seq (const char           *cursor);
/* @uri with ?since=@cursor (or &since=) added. */
char     *_syncobj_http_feed_uri_since     (const char           *uri,
                                            const char           *cursor);

/* Handles a message of the WebSocket: a change (the cursor moves to its
 * "seq" along a numbered feed; one the cursor covers is skipped), the end
 * of the changes since the cursor, or a reset. */
void     _syncobj_http_feed_handle_message (SyncobjHttpSync *self,
                                            const char      *text,
                                            gsize            length);
/* Whether the next GET asks for the changes since the cursor. */
gboolean _syncobj_http_feed_use_since      (SyncobjHttpSync *self);
/* The answer to a GET ?since=: @body, the change messages after the cursor. */
void     _syncobj_http_feed_changes_loaded (SyncobjHttpSync *self,
                                            SoupMessage     *message,
                                            GBytes          *body);
/* The server cannot resume from the cursor: the full snapshot. */
void     _syncobj_http_feed_reset          (SyncobjHttpSync *self);
/* Forgets a burst of malformed messages being counted, without a line. */
void     _syncobj_http_feed_stop_burst     (SyncobjHttpSync *self);

G_END_DECLS
