/* syncobj-sync-private.h: how a collection binds its sync
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-private.h"

G_BEGIN_DECLS

/* Binds @self to its collection, delivers commits made before, and calls
 * the start vfunc. */
void _syncobj_sync_attach (SyncobjSync       *self,
                           SyncobjCollection *collection);
void _syncobj_sync_detach (SyncobjSync       *self);

G_END_DECLS
