/* syncobj-transaction-private.h: the state machine of a transaction, as collections,
 * recovery and mutators see it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-private.h"

G_BEGIN_DECLS

SyncobjTransaction     *_syncobj_transaction_new              (SyncobjCollection   *owner);
/* The innermost transaction begun on this thread and not yet committed. */
SyncobjTransaction     *_syncobj_transaction_get_open         (void);
void                    _syncobj_transaction_push_open        (SyncobjTransaction  *self);
gboolean                _syncobj_transaction_is_committed     (SyncobjTransaction  *self);
SyncobjPendingMutation *_syncobj_transaction_find_mutation    (SyncobjTransaction  *self,
                                                               SyncobjCollection   *collection,
                                                               const char          *key);
void                    _syncobj_transaction_add_mutation     (SyncobjTransaction     *self,
                                                               SyncobjPendingMutation *mutation);
void                    _syncobj_transaction_remove_mutation  (SyncobjTransaction     *self,
                                                               SyncobjPendingMutation *mutation);
/* Collections touched, in first-touch order (transfer none). */
GPtrArray              *_syncobj_transaction_get_collections  (SyncobjTransaction  *self);
/* The mutations, for reading without a reference per item. */
SyncobjObjectList      *_syncobj_transaction_peek_mutations   (SyncobjTransaction  *self);
guint64                 _syncobj_transaction_get_sequence     (SyncobjTransaction  *self);
/* A mutator may ask for the next retry to wait @delay_ms (Retry-After). */
void                    _syncobj_transaction_set_retry_after  (SyncobjTransaction  *self,
                                                               guint                delay_ms);
/* A mutator reports that the server refused the change to @key because its record is @current (NULL: deleted on the
 * server); the attempt then fails with %SYNCOBJ_ERROR_CONFLICT and the
 * collection's conflict policy decides. Any thread. */
typedef struct _SyncobjConflict SyncobjConflict;
void                    _syncobj_transaction_set_conflict     (SyncobjTransaction  *self,
                                                               const char          *key,
                                                               JsonObject          *current);
/* New commits get a sequence above @sequence (the highest in a store). */
void                    _syncobj_transaction_ensure_sequence_above (guint64          sequence);

/* Recovery (syncobj-recovery.c) rebuilds transactions from what the store
 * read back (syncobj-store-private.h) with these. */
typedef struct _SyncobjStoredTransaction SyncobjStoredTransaction;
typedef struct _SyncobjStoredMutation    SyncobjStoredMutation;

/* A transaction with the durable state of @stored, listed in the registry
 * and, unfinished, in @owner. One that had persisted before the restart is
 * completed: the server has it. */
SyncobjTransaction     *_syncobj_transaction_new_restored     (SyncobjCollection        *owner,
                                                               SyncobjStoredTransaction *stored);
/* Adds a restored write to @collection: an unfinished transaction
 * re-applies it at once; a finished one only lists it (history). */
void                    _syncobj_transaction_add_restored_mutation (SyncobjTransaction     *self,
                                                                    SyncobjCollection      *collection,
                                                                    SyncobjPendingMutation *mutation);
/* Keeps @mutation (taken), a restored write to a collection that is not
 * open yet, until that collection opens; it names the collection in
 * SyncobjTransaction:waiting-for-collection meanwhile. */
void                    _syncobj_transaction_park_mutation    (SyncobjTransaction    *self,
                                                               SyncobjStoredMutation *mutation);
/* The parked writes (SyncobjStoredMutation, transfer none), or NULL. */
GPtrArray              *_syncobj_transaction_get_parked       (SyncobjTransaction  *self);
/* After parked writes were taken out: notifies; TRUE when none is left. */
gboolean                _syncobj_transaction_parked_changed   (SyncobjTransaction  *self);
/* Puts a restored unfinished transaction back in its queues, behind the
 * ones restored before it; one without writes completes instead (FALSE). */
gboolean                _syncobj_transaction_requeue          (SyncobjTransaction  *self);
/* Joins the lanes of @collection (just opened) in commit order. */
void                    _syncobj_transaction_join_lanes_of    (SyncobjTransaction  *self,
                                                               SyncobjCollection   *collection);
/* Takes up a restored transaction where it stopped: a persisting one keeps
 * its attempts and retry schedule (an interrupted attempt counts as
 * failed); the others queue or start. */
void                    _syncobj_transaction_resume           (SyncobjTransaction  *self);

G_END_DECLS
