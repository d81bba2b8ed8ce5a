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
/* syncobj_transaction_commit() without the checks of its arguments: for
 * the write that made @self, on its collection's thread. */
gboolean                _syncobj_transaction_commit           (SyncobjTransaction  *self,
                                                               GError             **error);
SyncobjPendingMutation *_syncobj_transaction_find_mutation    (SyncobjTransaction  *self,
                                                               SyncobjCollection   *collection,
                                                               const char          *key);
/* @mutation is a write to @collection. */
void                    _syncobj_transaction_add_mutation     (SyncobjTransaction     *self,
                                                               SyncobjCollection      *collection,
                                                               SyncobjPendingMutation *mutation);
void                    _syncobj_transaction_remove_mutation  (SyncobjTransaction     *self,
                                                               SyncobjPendingMutation *mutation);
/* How many collections @self holds while active (touched, in first-touch
 * order), and the one at @position (transfer none). */
guint                   _syncobj_transaction_get_n_collections (SyncobjTransaction *self);
SyncobjCollection      *_syncobj_transaction_peek_collection  (SyncobjTransaction  *self,
                                                               guint                position);
/* The link of @self in the queue of active transactions of its first
 * collection (syncobj-collection-write.c): part of @self. */
GList                  *_syncobj_transaction_peek_owner_link  (SyncobjTransaction  *self);
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
/* A mutator reports that the server applied @mutation, one of @self's:
 * should the transaction fail for good later, that change stays (it
 * becomes synced state) and only the others roll back. Any thread; FALSE
 * when @mutation is not one of @self's. */
gboolean                _syncobj_transaction_mark_applied     (SyncobjTransaction     *self,
                                                               SyncobjPendingMutation *mutation);
/* The cancellable of @self's calls, made on first use (any thread):
 * cancelled by a rollback, before or after it is made. */
GCancellable           *_syncobj_transaction_get_cancellable  (SyncobjTransaction     *self);
/* New commits get a sequence above @sequence (the highest in a store). */
void                    _syncobj_transaction_ensure_sequence_above (guint64          sequence);

/* Keys from the server: keeps @created, the record the server created for
 * @mutation (an insert under a temporary key), in the durable state of
 * @self, so that a restart re-keys from it; the store writes it before
 * anything that follows. */
void                    _syncobj_transaction_note_created     (SyncobjTransaction     *self,
                                                               SyncobjPendingMutation *mutation,
                                                               JsonObject             *created);

/* What recovery (syncobj-recovery.c) calls to rebuild transactions from
 * what the store read back: syncobj-transaction-stored.c. */
typedef struct _SyncobjRecoveryOps SyncobjRecoveryOps;
const SyncobjRecoveryOps *_syncobj_transaction_recovery_ops   (void);

G_END_DECLS
