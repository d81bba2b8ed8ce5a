/* syncobj-registry.h: every live collection and every transaction
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

#define SYNCOBJ_TYPE_REGISTRY (syncobj_registry_get_type ())
SYNCOBJ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SyncobjRegistry, syncobj_registry, SYNCOBJ, REGISTRY, GObject)

SYNCOBJ_AVAILABLE_IN_ALL
SyncobjRegistry    *syncobj_registry_get_default        (void);
SYNCOBJ_AVAILABLE_IN_ALL
GListModel         *syncobj_registry_get_collections    (SyncobjRegistry *self);
SYNCOBJ_AVAILABLE_IN_ALL
GListModel         *syncobj_registry_get_transactions   (SyncobjRegistry *self);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjCollection  *syncobj_registry_lookup_collection  (SyncobjRegistry *self,
                                                         const char      *id);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjTransaction *syncobj_registry_lookup_transaction (SyncobjRegistry *self,
                                                         const char      *id);
SYNCOBJ_AVAILABLE_IN_ALL
guint               syncobj_registry_forget_finished    (SyncobjRegistry *self);
SYNCOBJ_AVAILABLE_IN_ALL
guint               syncobj_registry_get_history_limit  (SyncobjRegistry *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_registry_set_history_limit  (SyncobjRegistry *self,
                                                         guint            limit);
SYNCOBJ_AVAILABLE_IN_ALL
guint               syncobj_registry_get_n_pending      (SyncobjRegistry *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean            syncobj_registry_get_offline        (SyncobjRegistry *self);

G_END_DECLS
