/* syncobj-http-sync-private.h: what a SyncobjHttpSync holds, for its
 * files: syncobj-http-sync.c (the connection, the API),
 * syncobj-http-snapshot.c (loading the snapshot) and syncobj-http-feed.c
 * (the change feed, resumed from a cursor)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-http-echo-private.h"
#include "syncobj-http-request-private.h"

G_BEGIN_DECLS

struct _SyncobjHttpSync
{
  SyncobjSync              parent_instance;

  char                    *uri;
  char                    *websocket_uri;
  char                    *array_member;
  guint                    poll_interval_ms;
  guint                    reconnect_delay_ms;
  guint                    timeout_ms;
  SyncobjHttpHeaders       headers;
  SyncobjHttpLimits        limits;
  guint64                  max_message_size;
  guint                    max_early_messages;
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
  gboolean                 resuming;       /* of the current connection: the feed
                                            * sends the changes since the cursor */
  gboolean                 loaded;         /* this run showed current data once */
  gboolean                 need_snapshot;  /* the server cannot resume from the cursor */
  char                    *etag;
  guint                    timer;          /* reconnect or poll */
  gboolean                 poll_again;     /* a write was answered while a poll
                                            * was in flight: poll once more
                                            * right after it */
  guint                    handshake_timer; /* the WebSocket's deadline */
  guint                    failures;
  gulong                   online_handler;

  SyncobjHttpEchoes       *echoes;

  /* malformed change messages being counted, not logged */
  guint                    burst_timer;
  guint                    burst_count;
  guint                    burst_windows;  /* since the last line */
  gboolean                 burst_fresh;    /* a message in this window */
  GError                  *burst_last;
};

/* ---- syncobj-http-sync.c -------------------------------------------------- */

/* A change message could not be applied: the sync's error and
 * ::message-error. */
void     _syncobj_http_sync_report         (SyncobjHttpSync *self,
                                            const GError    *error);
/* The collection shows current data (a snapshot loaded, a 304, the feed
 * caught up): ready, and what came meanwhile applies. @etag (nullable) is
 * the validator of the next poll. */
void     _syncobj_http_sync_loaded         (SyncobjHttpSync *self,
                                            const char      *etag);
/* Without a WebSocket (none, or refused): polls. */
gboolean _syncobj_http_sync_is_polling     (SyncobjHttpSync *self);
/* The next poll, when the sync polls. */
void     _syncobj_http_sync_schedule_poll  (SyncobjHttpSync *self);
/* The connection failed (@error, nullable, is the sync's error): the sync
 * reconnects with backoff. */
void     _syncobj_http_sync_connection_failed (SyncobjHttpSync *self,
                                               const GError    *error);

/* ---- syncobj-http-snapshot.c ---------------------------------------------- */

/* GET of the snapshot, or of the changes since the cursor. */
void     _syncobj_http_sync_fetch_snapshot (SyncobjHttpSync *self);

G_END_DECLS
