/* syncobj-couch-mutator.h: a mutator writing to a CouchDB database
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SYNCOBJ_INSIDE__) && !defined(SYNCOBJ_COMPILATION)
#error "Only <syncobj.h> can be included directly."
#endif

#include <gio/gio.h>
#include "syncobj-mutator.h"
#include "syncobj-version-macros.h"

G_BEGIN_DECLS

#define SYNCOBJ_TYPE_COUCH_MUTATOR (syncobj_couch_mutator_get_type ())
SYNCOBJ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SyncobjCouchMutator, syncobj_couch_mutator, SYNCOBJ, COUCH_MUTATOR, SyncobjMutator)

SYNCOBJ_AVAILABLE_IN_ALL
SyncobjCouchMutator *syncobj_couch_mutator_new              (const char          *database_uri);
SYNCOBJ_AVAILABLE_IN_ALL
const char          *syncobj_couch_mutator_get_database_uri (SyncobjCouchMutator *self);
SYNCOBJ_AVAILABLE_IN_ALL
guint                syncobj_couch_mutator_get_sync_timeout (SyncobjCouchMutator *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                 syncobj_couch_mutator_set_sync_timeout (SyncobjCouchMutator *self,
                                                             guint                timeout_ms);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean             syncobj_couch_mutator_get_needs_auth   (SyncobjCouchMutator *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean             syncobj_couch_mutator_get_cookie_session (SyncobjCouchMutator *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                 syncobj_couch_mutator_set_cookie_session (SyncobjCouchMutator *self,
                                                               gboolean             cookie_session);
SYNCOBJ_AVAILABLE_IN_ALL
void                 syncobj_couch_mutator_set_header       (SyncobjCouchMutator *self,
                                                             const char          *name,
                                                             const char          *value);

G_END_DECLS
