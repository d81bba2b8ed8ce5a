/* syncobj-record-private.h: how the overlay makes and updates a record
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-private.h"

G_BEGIN_DECLS

SyncobjRecord *_syncobj_record_new    (SyncobjCollection *collection,
                                       const char        *key,
                                       gboolean           temporary);
/* The server's key replaces the temporary one: notify::key. */
void           _syncobj_record_set_key (SyncobjRecord    *self,
                                        const char       *key);
/* Sets the snapshot (references taken; NULL value = not visible) and emits
 * notify for each property that changed. */
void           _syncobj_record_update (SyncobjRecord     *self,
                                       JsonObject        *value,
                                       JsonObject        *synced_value,
                                       gboolean           pending);

G_END_DECLS
