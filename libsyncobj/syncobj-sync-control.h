/* syncobj-sync-control.h: remote control of a test collection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SYNCOBJ_INSIDE__) && !defined(SYNCOBJ_COMPILATION)
#error "Only <syncobj.h> can be included directly."
#endif

#include <json-glib/json-glib.h>
#include "syncobj-sync.h"

G_BEGIN_DECLS

#define SYNCOBJ_TYPE_SYNC_CONTROL (syncobj_sync_control_get_type ())
SYNCOBJ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SyncobjSyncControl, syncobj_sync_control, SYNCOBJ, SYNC_CONTROL, GObject)

SYNCOBJ_AVAILABLE_IN_ALL
SyncobjCollection *syncobj_test_collection_new                      (JsonArray           *initial_data,
                                                                     SyncobjStrategy      strategy,
                                                                     SyncobjSyncControl **control);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjCollection *syncobj_test_collection_new_from_json            (const char          *initial_json,
                                                                     SyncobjStrategy      strategy,
                                                                     SyncobjSyncControl **control,
                                                                     GError             **error);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjCollection *syncobj_test_collection_new_for_id               (const char          *id,
                                                                     JsonArray           *initial_data,
                                                                     SyncobjStrategy      strategy,
                                                                     SyncobjSyncControl **control);

SYNCOBJ_AVAILABLE_IN_ALL
SyncobjSync       *syncobj_sync_control_get_sync                    (SyncobjSyncControl *self);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjMutator    *syncobj_sync_control_get_mutator                 (SyncobjSyncControl *self);
SYNCOBJ_AVAILABLE_IN_ALL
void               syncobj_sync_control_emit_update                 (SyncobjSyncControl *self,
                                                                     JsonObject         *value);
SYNCOBJ_AVAILABLE_IN_ALL
void               syncobj_sync_control_emit_delete                 (SyncobjSyncControl *self,
                                                                     const char         *key);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean           syncobj_sync_control_emit_json                   (SyncobjSyncControl *self,
                                                                     const char         *json,
                                                                     GError            **error);
SYNCOBJ_AVAILABLE_IN_ALL
void               syncobj_sync_control_set_network_delay           (SyncobjSyncControl *self,
                                                                     guint               delay_ms);
SYNCOBJ_AVAILABLE_IN_ALL
guint              syncobj_sync_control_get_network_delay           (SyncobjSyncControl *self);
SYNCOBJ_AVAILABLE_IN_ALL
void               syncobj_sync_control_fail_next_persist           (SyncobjSyncControl *self);
SYNCOBJ_AVAILABLE_IN_ALL
void               syncobj_sync_control_fail_next_persists          (SyncobjSyncControl *self,
                                                                     guint               count);
SYNCOBJ_AVAILABLE_IN_ALL
void               syncobj_sync_control_fail_next_persist_non_retriable (SyncobjSyncControl *self);
SYNCOBJ_AVAILABLE_IN_ALL
void               syncobj_sync_control_set_offline                 (SyncobjSyncControl *self,
                                                                     gboolean            offline);
SYNCOBJ_AVAILABLE_IN_ALL
void               syncobj_sync_control_set_server_down             (SyncobjSyncControl *self,
                                                                     gboolean            down);
SYNCOBJ_AVAILABLE_IN_ALL
void               syncobj_sync_control_set_auto_echo               (SyncobjSyncControl *self,
                                                                     gboolean            auto_echo);
SYNCOBJ_AVAILABLE_IN_ALL
void               syncobj_sync_control_advance                     (SyncobjSyncControl *self,
                                                                     guint               ms);
SYNCOBJ_AVAILABLE_IN_ALL
void               syncobj_sync_control_run_pending                 (SyncobjSyncControl *self);
SYNCOBJ_AVAILABLE_IN_ALL
gint64             syncobj_sync_control_get_now                     (SyncobjSyncControl *self);
SYNCOBJ_AVAILABLE_IN_ALL
guint              syncobj_sync_control_get_persist_count           (SyncobjSyncControl *self);
SYNCOBJ_AVAILABLE_IN_ALL
char             **syncobj_sync_control_get_persist_log             (SyncobjSyncControl *self);

G_END_DECLS
