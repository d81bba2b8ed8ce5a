/* syncobj-http-sync-private.h: what a SyncobjHttpSync holds, for its
 * files: syncobj-http-sync.c (the connection, the API),
 * syncobj-http-snapshot.c (loading the snapshot), syncobj-http-feed.c
 * (the change feed, resumed from a cursor) and syncobj-http-sync-auth.c
 * (waiting for credentials)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-http-auth-private.h"
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
  SyncobjHttpAuthGate      auth;
  SyncobjHttpLimits        limits;
  guint64                  max_message_size;
  guint                    max_early_messages;
  SoupSession             *session;

  /* the connection */
  gboolean                 running;
  gboolean                 connected;
  GCancellable            *cancellable;    /* of the current connection */
  SoupWebsocketConnection *socket;
  SoupMessage             *handshake;      /* of the WebSocket, while it is on its way */
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

/* Connects: the WebSocket (if any), then the snapshot. */
void     _syncobj_http_sync_connect        (SyncobjHttpSync *self);
/* Drops the connection and does not reconnect, with @error as the
 * sync's error: syncobj_http_sync_reconnect() connects again. */
void     _syncobj_http_sync_pause          (SyncobjHttpSync *self,
                                            const GError    *error);

/* ---- syncobj-http-sync-auth.c --------------------------------------------- */

/* What a request refused for want of credentials does once they come. */
typedef enum
{
  SYNCOBJ_HTTP_SYNC_RESEND_CONNECT,   /* connects again (a WebSocket handshake) */
  SYNCOBJ_HTTP_SYNC_RESEND_SNAPSHOT,  /* the same GET, on the same connection */
} SyncobjHttpSyncResend;

/* Whether @message's answer asks for credentials (401, or 403 with
 * auth-on-forbidden): then the sync waits for them, and @resend follows
 * once they come. */
gboolean _syncobj_http_sync_auth_refused   (SyncobjHttpSync       *self,
                                            SoupMessage           *message,
                                            SyncobjHttpSyncResend  resend);
/* Whether the sync waits for credentials asked already: then @resend
 * follows once they come, and nothing is sent before. */
gboolean _syncobj_http_sync_auth_wait      (SyncobjHttpSync       *self,
                                            SyncobjHttpSyncResend  resend);

/* ---- syncobj-http-snapshot.c ---------------------------------------------- */

/* GET of the snapshot, or of the changes since the cursor. */
void     _syncobj_http_sync_fetch_snapshot (SyncobjHttpSync *self);

G_END_DECLS
