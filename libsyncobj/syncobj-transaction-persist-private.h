/* syncobj-transaction-persist-private.h: persisting a committed transaction
 * (syncobj-transaction-persist.c), for the files of the transaction
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-transaction-fields-private.h"

G_BEGIN_DECLS

/* Starts the next attempt, or waits for the network, or for the
 * collection to get a mutator, without spending one. */
void _syncobj_transaction_start_attempt             (SyncobjTransaction *self);
/* From the first attempt on, the keys are locked and cannot roll back. */
void _syncobj_transaction_mark_started              (SyncobjTransaction *self);
/* Starts the next attempt in @delay_ms. */
void _syncobj_transaction_retry_in                  (SyncobjTransaction *self,
                                                     guint               delay_ms);
/* Stops waiting for the network or for a mutator. */
void _syncobj_transaction_stop_waiting              (SyncobjTransaction *self);

/* Drops a conflict reported and not taken up. */
void _syncobj_transaction_clear_conflict            (SyncobjTransaction *self);

/* As @self fails: the mutations the server applied are synced now, and
 * the error names what rolls back. Takes @error, returns the error to
 * keep. */
GError *_syncobj_transaction_keep_applied          (SyncobjTransaction *self,
                                                    GError             *error);

G_END_DECLS
