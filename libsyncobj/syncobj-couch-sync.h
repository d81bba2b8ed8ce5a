/* syncobj-couch-sync.h: a sync following a CouchDB database
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SYNCOBJ_INSIDE__) && !defined(SYNCOBJ_COMPILATION)
#error "Only <syncobj.h> can be included directly."
#endif

#include <gio/gio.h>
#include "syncobj-sync.h"
#include "syncobj-version-macros.h"

G_BEGIN_DECLS

#define SYNCOBJ_TYPE_COUCH_SYNC (syncobj_couch_sync_get_type ())
SYNCOBJ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SyncobjCouchSync, syncobj_couch_sync, SYNCOBJ, COUCH_SYNC, SyncobjSync)

SYNCOBJ_AVAILABLE_IN_ALL
SyncobjCouchSync *syncobj_couch_sync_new                 (const char       *id,
                                                          const char       *database_uri);
SYNCOBJ_AVAILABLE_IN_ALL
const char       *syncobj_couch_sync_get_database_uri    (SyncobjCouchSync *self);
SYNCOBJ_AVAILABLE_IN_ALL
const char       *syncobj_couch_sync_get_selector        (SyncobjCouchSync *self);
SYNCOBJ_AVAILABLE_IN_ALL
void              syncobj_couch_sync_set_selector        (SyncobjCouchSync *self,
                                                          const char       *selector_json);
SYNCOBJ_AVAILABLE_IN_ALL
guint             syncobj_couch_sync_get_heartbeat       (SyncobjCouchSync *self);
SYNCOBJ_AVAILABLE_IN_ALL
void              syncobj_couch_sync_set_heartbeat       (SyncobjCouchSync *self,
                                                          guint             heartbeat_ms);
SYNCOBJ_AVAILABLE_IN_ALL
guint             syncobj_couch_sync_get_reconnect_delay (SyncobjCouchSync *self);
SYNCOBJ_AVAILABLE_IN_ALL
void              syncobj_couch_sync_set_reconnect_delay (SyncobjCouchSync *self,
                                                          guint             delay_ms);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean          syncobj_couch_sync_get_connected       (SyncobjCouchSync *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean          syncobj_couch_sync_get_needs_auth      (SyncobjCouchSync *self);
SYNCOBJ_AVAILABLE_IN_ALL
guint             syncobj_couch_sync_get_full_loads      (SyncobjCouchSync *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean          syncobj_couch_sync_get_cookie_session  (SyncobjCouchSync *self);
SYNCOBJ_AVAILABLE_IN_ALL
void              syncobj_couch_sync_set_cookie_session  (SyncobjCouchSync *self,
                                                          gboolean          cookie_session);
SYNCOBJ_AVAILABLE_IN_ALL
void              syncobj_couch_sync_set_header          (SyncobjCouchSync *self,
                                                          const char       *name,
                                                          const char       *value);

G_END_DECLS
