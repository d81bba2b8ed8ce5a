/* syncobj-transaction-stored-private.h: a transaction's durable form
 * (syncobj-transaction-stored.c), for the files of the transaction; recovery
 * rebuilds transactions through syncobj-transaction-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-transaction-fields-private.h"

G_BEGIN_DECLS

/* Writes the whole of @self (just committed) to @store; once on disk (or
 * failed: it stays in memory) it may start. */
void _syncobj_transaction_save          (SyncobjTransaction *self,
                                         SyncobjStore       *store);
/* Tells @store that what it keeps of @self changed. */
void _syncobj_transaction_store_changed (SyncobjTransaction *self,
                                         SyncobjStore       *store);

/* A finished transaction read back from the store as history: its
 * writes listed (their collections may be closed), in no collection,
 * queue or registry: never retried, resumed or counted as pending. */
SyncobjTransaction *_syncobj_transaction_new_history (SyncobjStoredTransaction *stored);

G_END_DECLS
