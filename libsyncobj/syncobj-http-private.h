/* syncobj-http-private.h: what SyncobjHttpMutator and SyncobjHttpSync share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "syncobj-engine-private.h"

G_BEGIN_DECLS

/* ---- syncobj-http-mutator.c: requests, errors, network --------------- */

/* Extra headers and the auth callback, applied to every request. */
typedef struct
{
  GHashTable          *headers;        /* name → value */
  SyncobjHttpAuthFunc  auth_func;
  gpointer             auth_data;
  GDestroyNotify       auth_destroy;
} SyncobjHttpHeaders;

void       _syncobj_http_headers_init   (SyncobjHttpHeaders *headers);
void       _syncobj_http_headers_clear  (SyncobjHttpHeaders *headers);
void       _syncobj_http_headers_set    (SyncobjHttpHeaders *headers,
                                         const char         *name,
                                         const char         *value);
void       _syncobj_http_headers_set_auth (SyncobjHttpHeaders  *headers,
                                           SyncobjHttpAuthFunc  func,
                                           gpointer             user_data,
                                           GDestroyNotify       destroy);
/* Sets the extra headers, then Authorization from the callback. */
void       _syncobj_http_headers_apply  (SyncobjHttpHeaders *headers,
                                         SoupMessage        *message);

/* The reason the server gave in an error body ({"error": "…"},
 * {"message": "…"}, {"error": {"message": "…"}} or short text), else the
 * status' reason phrase. */
char      *_syncobj_http_error_reason   (SoupMessage        *message,
                                         GBytes             *body);
/* An error for a request that got no answer: SYNCOBJ_ERROR_HTTP naming
 * method, URI and cause (cancellation stays G_IO_ERROR_CANCELLED). */
GError    *_syncobj_http_network_error  (SoupMessage        *message,
                                         const GError       *cause);
/* Whether @error is a failure to reach the server at all. */
gboolean   _syncobj_http_is_network_error (const GError     *error);

/* Asks GNetworkMonitor whether @uri's host can be reached. Loopback hosts
 * always can (CI machines without a default route report no network).
 * Finishes with TRUE when reachable or unknown. */
void       _syncobj_http_can_reach_async  (GUri               *uri,
                                           GCancellable       *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data);
gboolean   _syncobj_http_can_reach_finish (GAsyncResult       *result);
/* Marks the scheduler offline until GNetworkMonitor reports a change after
 * which @uri is reachable again (or, as a safety net, 30 s pass). */
void       _syncobj_http_wait_for_network (GUri               *uri);

/* ---- syncobj-http-sync.c: echo tracking ---------------------------------- */

/* A position in the stream of changes; a mutator records it before its
 * first request so that an echo arriving before await_sync still counts. */
guint64    _syncobj_http_sync_get_position   (SyncobjHttpSync     *self);
/* Waits until, for each i, a change tagged with idempotency_keys[i] came
 * in, or an untagged change of keys[i] came in after @since, or a snapshot
 * requested after this call was applied. */
void       _syncobj_http_sync_wait_for_echo_async  (SyncobjHttpSync     *self,
                                                    GPtrArray           *idempotency_keys,
                                                    GPtrArray           *keys,
                                                    guint64              since,
                                                    guint                timeout_ms,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean   _syncobj_http_sync_wait_for_echo_finish (SyncobjHttpSync     *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

G_END_DECLS
