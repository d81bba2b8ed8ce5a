/* syncobj-recovery-private.h: rebuilding transactions after a restart
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-private.h"

G_BEGIN_DECLS

/* From the collection's constructed(): asks @store for the transactions it
 * holds for @collection and rebuilds them. Unfinished ones re-apply their
 * optimistic changes at once and resume in commit order (persisting ones
 * keep their attempts and retry schedule); persisted_awaiting_sync ones
 * are completed; the newest finished ones come back as history. Waits for
 * the disk: start-up only. */
void _syncobj_recovery_restore           (SyncobjStore      *store,
                                          SyncobjCollection *collection);
/* Restores the writes to @collection (just opened) of transactions that
 * were restored before it was; those that now have all their writes
 * resume. */
void _syncobj_recovery_collection_opened (SyncobjCollection *collection);

G_END_DECLS
