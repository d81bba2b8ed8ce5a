/* syncobj-store.h: the durable transaction log
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SYNCOBJ_INSIDE__) && !defined(SYNCOBJ_COMPILATION)
#error "Only <syncobj.h> can be included directly."
#endif

#include <gio/gio.h>
#include "syncobj-types.h"
#include "syncobj-version-macros.h"

G_BEGIN_DECLS

/**
 * SyncobjStoreSynchronous:
 * @SYNCOBJ_STORE_SYNCHRONOUS_NORMAL: SQLite `synchronous=NORMAL` with
 *   write-ahead logging: a committed write survives the application being
 *   killed; after a power loss the last writes may be missing, but the file
 *   is never damaged
 * @SYNCOBJ_STORE_SYNCHRONOUS_FULL: SQLite `synchronous=FULL`: every commit
 *   is synced to the disk and also survives a power loss; slower
 *
 * How hard a [class@Syncobj.Store] pushes its writes to the disk.
 */
typedef enum {
  SYNCOBJ_STORE_SYNCHRONOUS_NORMAL,
  SYNCOBJ_STORE_SYNCHRONOUS_FULL,
} SyncobjStoreSynchronous;

#define SYNCOBJ_TYPE_STORE (syncobj_store_get_type ())
SYNCOBJ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SyncobjStore, syncobj_store, SYNCOBJ, STORE, GObject)

SYNCOBJ_AVAILABLE_IN_ALL
SyncobjStore            *syncobj_store_new_for_path      (const char           *path,
                                                          GError              **error);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjStore            *syncobj_store_new_in_memory     (void);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjStore            *syncobj_store_get_default       (void);

SYNCOBJ_AVAILABLE_IN_ALL
const char              *syncobj_store_get_path          (SyncobjStore         *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean                 syncobj_store_get_persistent    (SyncobjStore         *self);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjStoreSynchronous  syncobj_store_get_synchronous   (SyncobjStore         *self);
SYNCOBJ_AVAILABLE_IN_ALL
const GError            *syncobj_store_get_open_error    (SyncobjStore         *self);
SYNCOBJ_AVAILABLE_IN_ALL
const GError            *syncobj_store_get_write_error   (SyncobjStore         *self);

SYNCOBJ_AVAILABLE_IN_ALL
void                     syncobj_store_flush_async       (SyncobjStore         *self,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean                 syncobj_store_flush_finish      (SyncobjStore         *self,
                                                          GAsyncResult         *result,
                                                          GError              **error);
SYNCOBJ_AVAILABLE_IN_ALL
void                     syncobj_store_prune_async       (SyncobjStore         *self,
                                                          GDateTime            *older_than,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean                 syncobj_store_prune_finish      (SyncobjStore         *self,
                                                          GAsyncResult         *result,
                                                          guint                *n_removed,
                                                          GError              **error);

SYNCOBJ_AVAILABLE_IN_ALL
void                     syncobj_store_clear_cache_async  (SyncobjStore         *self,
                                                           const char           *collection_id,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean                 syncobj_store_clear_cache_finish (SyncobjStore         *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);

SYNCOBJ_AVAILABLE_IN_ALL
void                     syncobj_store_read_history_async  (SyncobjStore         *self,
                                                            const char           *collection_id,
                                                            guint                 offset,
                                                            guint                 limit,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
SYNCOBJ_AVAILABLE_IN_ALL
GListModel              *syncobj_store_read_history_finish (SyncobjStore         *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

G_END_DECLS
