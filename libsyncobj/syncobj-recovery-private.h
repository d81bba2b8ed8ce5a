/* syncobj-recovery-private.h: rebuilding transactions after a restart
 *
 * Recovery reads what the store kept and decides what comes back when:
 * it calls no collection, transaction or registry code itself. The engine
 * hands it a SyncobjRecoveryOps (syncobj-transaction-stored.c makes
 * transactions from the store's plain structs) and the collection that
 * opens, as an opaque pointer, so that the engine depends on recovery and
 * recovery only on the store.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-private.h"
#include "syncobj-store-private.h"

G_BEGIN_DECLS

typedef struct _SyncobjRecoveryOps SyncobjRecoveryOps;

/* What a rebuilt transaction does next. */
typedef enum
{
  SYNCOBJ_RESTORED_SKIPPED,   /* already alive in this process: not rebuilt */
  SYNCOBJ_RESTORED_FINISHED,  /* history, or completed at once */
  SYNCOBJ_RESTORED_WAITING,   /* writes to collections not open yet */
  SYNCOBJ_RESTORED_READY,     /* back in its queues: resume it */
} SyncobjRestored;

struct _SyncobjRecoveryOps
{
  /* New commits get a sequence above @sequence, the highest in the store. */
  void                (*sequence_floor) (guint64                sequence);
  /* Rebuilds @stored as a transaction of @owner: its writes to open
   * collections re-applied, the others parked (unfinished ones only), an
   * unfinished one back in its queues. Returns it (transfer full; NULL
   * when SKIPPED) and what it does next in @restored. */
  SyncobjTransaction *(*rebuild)     (SyncobjCollection        *owner,
                                      SyncobjStoredTransaction *stored,
                                      SyncobjRestored          *restored);
  gboolean            (*is_finished) (SyncobjTransaction       *transaction);
  /* Whether @transaction has a parked write to the collection @id. */
  gboolean            (*waits_for)   (SyncobjTransaction       *transaction,
                                      const char               *id);
  /* Restores the parked writes of @transaction to @collection (just
   * open); TRUE when it has none left and may resume. */
  gboolean            (*unpark)      (SyncobjTransaction       *transaction,
                                      SyncobjCollection        *collection);
  /* Takes up @transaction where it stopped (persisting: its retry
   * schedule holds), or queues it. */
  void                (*resume)      (SyncobjTransaction       *transaction);
};

/* From the collection's constructed(): asks @store for the transactions it
 * holds for @collection (whose id is @collection_id) and rebuilds them
 * with @ops. Unfinished ones re-apply their optimistic changes at once and
 * resume in commit order (persisting ones keep their attempts and retry
 * schedule); persisted_awaiting_sync ones are completed; the newest
 * finished ones come back as history. Waits for the disk: start-up only. */
void              _syncobj_recovery_restore     (SyncobjStore             *store,
                                                 SyncobjCollection        *collection,
                                                 const char               *collection_id,
                                                 const SyncobjRecoveryOps *ops);
/* The steps of _syncobj_recovery_restore(), for a collection restored off
 * the main loop (syncobj-collection-open.c). Before the first transaction
 * is restored: new commits come after every one in @store. */
void              _syncobj_recovery_begin       (SyncobjStore             *store,
                                                 const SyncobjRecoveryOps *ops);
/* How many finished transactions a start restores per collection: the
 * registry's history-limit. Main thread. */
guint             _syncobj_recovery_history_limit (void);
/* Asks @store for what it holds for @collection_id (see _syncobj_store_load()),
 * with the newest @history_limit finished transactions; waits on any thread. */
SyncobjStoreLoad *_syncobj_recovery_load        (SyncobjStore             *store,
                                                 const char               *collection_id,
                                                 guint                     history_limit);
/* Rebuilds @stored (not taken, but parts of it may be) into @collection, unless it is alive already;
 * unfinished transactions that can start are added to @to_resume
 * (SyncobjTransaction, strong). TRUE when it is unfinished. */
gboolean          _syncobj_recovery_restore_one (SyncobjCollection        *collection,
                                                 SyncobjStoredTransaction *stored,
                                                 GPtrArray                *to_resume,
                                                 const SyncobjRecoveryOps *ops);
/* The array of transactions to resume that _restore_one() fills: the
 * resume functions drop each reference as they start its transaction. */
GPtrArray        *_syncobj_recovery_to_resume_new (void);
/* Once every transaction read is restored: starts @to_resume, in order. */
void              _syncobj_recovery_resume      (GPtrArray                *to_resume,
                                                 const SyncobjRecoveryOps *ops);
/* The same a slice at a time: from @to_resume[*@next] on, until
 * @deadline (monotonic time); TRUE once all are started. */
gboolean          _syncobj_recovery_resume_until (GPtrArray                *to_resume,
                                                  guint                    *next,
                                                  gint64                    deadline,
                                                  const SyncobjRecoveryOps *ops);
/* Restores the writes to @collection (just opened, id @collection_id) of
 * transactions that were restored before it was; those that now have all
 * their writes resume. */
void              _syncobj_recovery_collection_opened (SyncobjCollection        *collection,
                                                       const char               *collection_id,
                                                       const SyncobjRecoveryOps *ops);

G_END_DECLS
