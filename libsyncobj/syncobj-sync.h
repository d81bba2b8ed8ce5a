/* syncobj-sync.h: the sync side, pushing server state into a collection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SYNCOBJ_INSIDE__) && !defined(SYNCOBJ_COMPILATION)
#error "Only <syncobj.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "syncobj-types.h"
#include "syncobj-version-macros.h"

G_BEGIN_DECLS

#define SYNCOBJ_TYPE_SYNC (syncobj_sync_get_type ())
SYNCOBJ_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (SyncobjSync, syncobj_sync, SYNCOBJ, SYNC, GObject)

/**
 * SyncobjSyncClass:
 * @parent_class: the parent class
 * @start: called once when the collection using this sync is created;
 *   connect to the server here and push its state with begin/write/commit
 * @stop: called when the collection goes away; disconnect here
 *
 * The class structure of [class@Syncobj.Sync].
 */
struct _SyncobjSyncClass
{
  GObjectClass parent_class;

  void (*start) (SyncobjSync *self);
  void (*stop)  (SyncobjSync *self);

  /*< private >*/
  gpointer padding[8];
};

SYNCOBJ_AVAILABLE_IN_ALL
SyncobjSync       *syncobj_sync_new                (const char    *id);
SYNCOBJ_AVAILABLE_IN_ALL
const char        *syncobj_sync_get_id             (SyncobjSync   *self);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjCollection *syncobj_sync_get_collection     (SyncobjSync   *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean           syncobj_sync_get_ready          (SyncobjSync   *self);
SYNCOBJ_AVAILABLE_IN_ALL
const GError      *syncobj_sync_get_error          (SyncobjSync   *self);
SYNCOBJ_AVAILABLE_IN_ALL
void               syncobj_sync_begin              (SyncobjSync   *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean           syncobj_sync_write              (SyncobjSync         *self,
                                                    SyncobjMutationType  type,
                                                    JsonObject          *value,
                                                    GError             **error);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean           syncobj_sync_write_json         (SyncobjSync         *self,
                                                    SyncobjMutationType  type,
                                                    const char          *json,
                                                    GError             **error);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean           syncobj_sync_truncate           (SyncobjSync   *self,
                                                    GError       **error);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean           syncobj_sync_commit             (SyncobjSync   *self,
                                                    GError       **error);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean           syncobj_sync_set_cursor         (SyncobjSync   *self,
                                                    const char    *cursor,
                                                    GError       **error);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean           syncobj_sync_commit_with_cursor (SyncobjSync   *self,
                                                    const char    *cursor,
                                                    GError       **error);
SYNCOBJ_AVAILABLE_IN_ALL
const char        *syncobj_sync_get_cursor         (SyncobjSync   *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean           syncobj_sync_apply_json         (SyncobjSync   *self,
                                                    const char    *json,
                                                    gssize         length,
                                                    GError       **error);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean           syncobj_sync_load_json_array    (SyncobjSync   *self,
                                                    const char    *json,
                                                    gssize         length,
                                                    GError       **error);
SYNCOBJ_AVAILABLE_IN_ALL
void               syncobj_sync_mark_ready         (SyncobjSync   *self);
SYNCOBJ_AVAILABLE_IN_ALL
void               syncobj_sync_mark_error         (SyncobjSync   *self,
                                                    const GError  *error);
SYNCOBJ_AVAILABLE_IN_ALL
void               syncobj_sync_wait_for_keys_async  (SyncobjSync         *self,
                                                      const char * const  *keys,
                                                      guint                timeout_ms,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean           syncobj_sync_wait_for_keys_finish (SyncobjSync   *self,
                                                      GAsyncResult  *result,
                                                      GError       **error);

G_END_DECLS
