/* syncobj-engine-private.h: how collections, transactions, syncs and the
 * store talk to each other. The flow of one write reads:
 *
 *   syncobj-collection.c   validate, apply optimistically (overlay)
 *   syncobj-transaction.c  commit → queue → store → persist → retry →
 *                          await sync → complete or fail (+ cascade)
 *   syncobj-collection.c   lock keys, hold sync writes, drop the overlay
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-overlay-private.h"

G_BEGIN_DECLS


/* ---- syncobj-collection.c ---------------------------------------------- */

/* The one write path: validates, picks the transaction (@transaction, else
 * the thread's open one, else a new one committed at once) and applies the
 * write optimistically. Returns the transaction (transfer full). */
SyncobjTransaction *_syncobj_collection_write               (SyncobjCollection   *self,
                                                             SyncobjTransaction  *transaction,
                                                             SyncobjMutationType  type,
                                                             const char          *key,
                                                             JsonObject          *value,
                                                             GError             **error);
/* Applies one sync commit. With @truncate, synced records not written in
 * this commit are deleted. A record whose key has the text of a held key
 * of the other type (1 and "1") is refused: the others apply, and the
 * first refusal is the error. */
gboolean            _syncobj_collection_apply_sync          (SyncobjCollection   *self,
                                                             SyncobjSyncWrite    *writes,
                                                             guint                n_writes,
                                                             gboolean             truncate,
                                                             GError             **error);
/* The documented form of temporary keys: this prefix and a UUID. */
#define SYNCOBJ_TEMPORARY_KEY_PREFIX "~tmp-"
/* The server created the record that @mutation (an insert under a
 * temporary key) inserted, as @created: the record takes the server's key
 * in place, the temporary key becomes an alias of it, and @created is the
 * record's synced value. */
gboolean            _syncobj_collection_assign_key          (SyncobjCollection       *self,
                                                             SyncobjPendingMutation  *mutation,
                                                             JsonObject              *created,
                                                             GError                 **error);
void                _syncobj_collection_set_ready           (SyncobjCollection   *self,
                                                             gboolean             ready);
/* The lanes @transaction must wait in for its mutations of @self (none for
 * a parallel collection); creates them on demand. */
void                _syncobj_collection_collect_lanes       (SyncobjCollection   *self,
                                                             SyncobjTransaction  *transaction,
                                                             GPtrArray           *lanes);
/* The lane a transaction writing @key waits in, if it exists. */
SyncobjLane        *_syncobj_collection_find_lane           (SyncobjCollection   *self,
                                                             const char          *key);
/* Locks the keys of @transaction's mutations of @self (ordered only). */
void                _syncobj_collection_lock                (SyncobjCollection   *self,
                                                             SyncobjTransaction  *transaction);
/* Drops (or, while another transaction locks the key, retires) the overlay
 * of @transaction, unlocks, applies held sync writes: one visible step. */
void                _syncobj_collection_finish_transaction  (SyncobjCollection   *self,
                                                             SyncobjTransaction  *transaction,
                                                             gboolean             failed);
void                _syncobj_collection_add_transaction     (SyncobjCollection   *self,
                                                             SyncobjTransaction  *transaction);
/* Re-applies @mutation after a restart (used by the store's recovery). */
void                _syncobj_collection_restore_mutation    (SyncobjCollection      *self,
                                                             SyncobjPendingMutation *mutation);

/* ---- syncobj-transaction.c --------------------------------------------- */

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

/* ---- syncobj-sync.c ----------------------------------------------------- */

/* Binds @self to its collection, delivers commits made before, and calls
 * the start vfunc. */
void _syncobj_sync_attach (SyncobjSync       *self,
                           SyncobjCollection *collection);
void _syncobj_sync_detach (SyncobjSync       *self);

G_END_DECLS
