/* syncobj-recovery-private.h: rebuilding transactions after a restart
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-private.h"
#include "syncobj-store-private.h"

G_BEGIN_DECLS

/* From the collection's constructed(): asks @store for the transactions it
 * holds for @collection and rebuilds them. Unfinished ones re-apply their
 * optimistic changes at once and resume in commit order (persisting ones
 * keep their attempts and retry schedule); persisted_awaiting_sync ones
 * are completed; the newest finished ones come back as history. Waits for
 * the disk: start-up only. */
void _syncobj_recovery_restore           (SyncobjStore      *store,
                                          SyncobjCollection *collection);
/* The steps of _syncobj_recovery_restore(), for a collection restored off
 * the main loop (syncobj-collection-open.c). Before the first transaction
 * is restored: new commits come after every one in @store. */
void              _syncobj_recovery_begin       (SyncobjStore             *store);
/* Asks @store for what it holds for @collection_id (see _syncobj_store_load());
 * waits on any thread. */
SyncobjStoreLoad *_syncobj_recovery_load        (SyncobjStore             *store,
                                                 const char               *collection_id);
/* Rebuilds @stored (taken) into @collection, unless it is alive already;
 * unfinished transactions that can start are added to @to_resume
 * (SyncobjTransaction, strong). TRUE when it is unfinished. */
gboolean          _syncobj_recovery_restore_one (SyncobjCollection        *collection,
                                                 SyncobjStoredTransaction *stored,
                                                 GPtrArray                *to_resume);
/* Once every transaction read is restored: starts @to_resume, in order. */
void              _syncobj_recovery_resume      (GPtrArray                *to_resume);
/* Restores the writes to @collection (just opened) of transactions that
 * were restored before it was; those that now have all their writes
 * resume. */
void _syncobj_recovery_collection_opened (SyncobjCollection *collection);

G_END_DECLS
