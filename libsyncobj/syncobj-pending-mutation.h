/* syncobj-pending-mutation.h: one write inside a transaction
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SYNCOBJ_INSIDE__) && !defined(SYNCOBJ_COMPILATION)
#error "Only <syncobj.h> can be included directly."
#endif

#include <json-glib/json-glib.h>
#include "syncobj-types.h"
#include "syncobj-version-macros.h"

G_BEGIN_DECLS

#define SYNCOBJ_TYPE_PENDING_MUTATION (syncobj_pending_mutation_get_type ())
SYNCOBJ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SyncobjPendingMutation, syncobj_pending_mutation, SYNCOBJ, PENDING_MUTATION, GObject)

SYNCOBJ_AVAILABLE_IN_ALL
const char          *syncobj_pending_mutation_get_mutation_id  (SyncobjPendingMutation *self);
SYNCOBJ_AVAILABLE_IN_ALL
const char          *syncobj_pending_mutation_get_key          (SyncobjPendingMutation *self);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjMutationType  syncobj_pending_mutation_get_mutation_type (SyncobjPendingMutation *self);
SYNCOBJ_AVAILABLE_IN_ALL
JsonObject          *syncobj_pending_mutation_get_original     (SyncobjPendingMutation *self);
SYNCOBJ_AVAILABLE_IN_ALL
JsonObject          *syncobj_pending_mutation_get_modified     (SyncobjPendingMutation *self);
SYNCOBJ_AVAILABLE_IN_ALL
JsonObject          *syncobj_pending_mutation_get_changes      (SyncobjPendingMutation *self);
SYNCOBJ_AVAILABLE_IN_0_2
char                *syncobj_pending_mutation_get_changes_json (SyncobjPendingMutation *self);
SYNCOBJ_AVAILABLE_IN_ALL
JsonObject          *syncobj_pending_mutation_get_metadata     (SyncobjPendingMutation *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                 syncobj_pending_mutation_set_metadata     (SyncobjPendingMutation *self,
                                                                JsonObject             *metadata);
SYNCOBJ_AVAILABLE_IN_ALL
GDateTime           *syncobj_pending_mutation_get_created_at   (SyncobjPendingMutation *self);
SYNCOBJ_AVAILABLE_IN_ALL
GDateTime           *syncobj_pending_mutation_get_updated_at   (SyncobjPendingMutation *self);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjMutationState syncobj_pending_mutation_get_state        (SyncobjPendingMutation *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean             syncobj_pending_mutation_get_applied      (SyncobjPendingMutation *self);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjCollection   *syncobj_pending_mutation_get_collection   (SyncobjPendingMutation *self);
SYNCOBJ_AVAILABLE_IN_ALL
const char          *syncobj_pending_mutation_get_collection_id (SyncobjPendingMutation *self);
SYNCOBJ_AVAILABLE_IN_ALL
char                *syncobj_pending_mutation_to_json          (SyncobjPendingMutation *self);

G_END_DECLS
