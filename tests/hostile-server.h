/* hostile-server.h: an HTTP/1.1 server on 127.0.0.1 that misbehaves the
 * way real servers and proxies do, one mode per path, for hostile-test.c
 *
 * It runs on the test's main context and writes raw bytes, so that it can
 * do what a well-behaved server library would not: send its headers a line
 * at a time, drip a body, never end one, compress a body into a bomb.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _HostileServer HostileServer;

/* Modes, by path (the query is ignored unless said):
 *
 *   /drip-headers     a status line, then one header line every 100 ms, for ever
 *   /drip-body        a JSON answer whose body comes a byte every 100 ms
 *   /huge             a JSON answer of 1 GiB (spaces after "["), as fast as
 *                     the client reads
 *   /bomb             a gzip body of 2 MiB that decodes to 64 MiB
 *   /steady           a snapshot of hostile_server_set_records() records in
 *                     4 KiB pieces every 50 ms (80 KiB/s)
 *   /non-objects      a snapshot of hostile_server_set_records() numbers
 *   /items            a snapshot of hostile_server_set_records() records;
 *                     held back (no answer) while hostile_server_hold_snapshots()
 *                     is on; a POST here is answered 503 with the Retry-After
 *                     of hostile_server_set_retry_after() while that is set,
 *                     else 201
 *   /feed             a WebSocket that sends hostile_server_set_flood() text
 *                     messages at once (first connection only), then the
 *                     messages of hostile_server_send() (@n copies, in one
 *                     write)
 */

HostileServer *hostile_server_new              (void);
void           hostile_server_free             (HostileServer *server);
/* "http://127.0.0.1:PORT/PATH" (or ws:// for @websocket). */
char          *hostile_server_uri              (HostileServer *server,
                                                const char    *path,
                                                gboolean       websocket);
void           hostile_server_set_records      (HostileServer *server,
                                                guint          n);
void           hostile_server_hold_snapshots   (HostileServer *server,
                                                gboolean       hold);
void           hostile_server_set_retry_after  (HostileServer *server,
                                                const char    *value);
void           hostile_server_set_flood        (HostileServer *server,
                                                guint          n);
void           hostile_server_send             (HostileServer *server,
                                                const char    *message,
                                                guint          n);

/* Requests received, by path. */
guint          hostile_server_get_requests     (HostileServer *server,
                                                const char    *path);
/* Body bytes written so far on every connection. */
guint64        hostile_server_get_body_bytes   (HostileServer *server);
/* Connections the client closed before the answer was complete. */
guint          hostile_server_get_dropped      (HostileServer *server);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HostileServer, hostile_server_free)

G_END_DECLS
