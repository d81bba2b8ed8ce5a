/* syncobj-http-sync.h: a sync fed by an HTTP snapshot and a WebSocket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SYNCOBJ_INSIDE__) && !defined(SYNCOBJ_COMPILATION)
#error "Only <syncobj.h> can be included directly."
#endif

#include <gio/gio.h>
#include "syncobj-sync.h"
#include "syncobj-http-mutator.h"
#include "syncobj-version-macros.h"

G_BEGIN_DECLS

#define SYNCOBJ_TYPE_HTTP_SYNC (syncobj_http_sync_get_type ())
SYNCOBJ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SyncobjHttpSync, syncobj_http_sync, SYNCOBJ, HTTP_SYNC, SyncobjSync)

SYNCOBJ_AVAILABLE_IN_ALL
SyncobjHttpSync *syncobj_http_sync_new                   (const char          *id,
                                                          const char          *uri,
                                                          const char          *websocket_uri);
SYNCOBJ_AVAILABLE_IN_ALL
const char      *syncobj_http_sync_get_uri               (SyncobjHttpSync     *self);
SYNCOBJ_AVAILABLE_IN_ALL
const char      *syncobj_http_sync_get_websocket_uri     (SyncobjHttpSync     *self);
SYNCOBJ_AVAILABLE_IN_ALL
const char      *syncobj_http_sync_get_array_member      (SyncobjHttpSync     *self);
SYNCOBJ_AVAILABLE_IN_ALL
void             syncobj_http_sync_set_array_member      (SyncobjHttpSync     *self,
                                                          const char          *member);
SYNCOBJ_AVAILABLE_IN_ALL
guint            syncobj_http_sync_get_poll_interval     (SyncobjHttpSync     *self);
SYNCOBJ_AVAILABLE_IN_ALL
void             syncobj_http_sync_set_poll_interval     (SyncobjHttpSync     *self,
                                                          guint                interval_ms);
SYNCOBJ_AVAILABLE_IN_ALL
guint            syncobj_http_sync_get_timeout           (SyncobjHttpSync     *self);
SYNCOBJ_AVAILABLE_IN_ALL
void             syncobj_http_sync_set_timeout           (SyncobjHttpSync     *self,
                                                          guint                timeout_ms);
SYNCOBJ_AVAILABLE_IN_ALL
guint            syncobj_http_sync_get_reconnect_delay   (SyncobjHttpSync     *self);
SYNCOBJ_AVAILABLE_IN_ALL
void             syncobj_http_sync_set_reconnect_delay   (SyncobjHttpSync     *self,
                                                          guint                delay_ms);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean         syncobj_http_sync_get_connected         (SyncobjHttpSync     *self);
SYNCOBJ_AVAILABLE_IN_ALL
void             syncobj_http_sync_set_header            (SyncobjHttpSync     *self,
                                                          const char          *name,
                                                          const char          *value);
SYNCOBJ_AVAILABLE_IN_ALL
void             syncobj_http_sync_set_auth_func         (SyncobjHttpSync     *self,
                                                          SyncobjHttpAuthFunc  func,
                                                          gpointer             user_data,
                                                          GDestroyNotify       destroy);
SYNCOBJ_AVAILABLE_IN_ALL
void             syncobj_http_sync_reconnect             (SyncobjHttpSync     *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean         syncobj_http_sync_get_needs_auth        (SyncobjHttpSync     *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean         syncobj_http_sync_get_auth_on_forbidden (SyncobjHttpSync     *self);
SYNCOBJ_AVAILABLE_IN_ALL
void             syncobj_http_sync_set_auth_on_forbidden (SyncobjHttpSync     *self,
                                                          gboolean             auth_on_forbidden);

G_END_DECLS
