/* syncobj-registry-private.h: how collections and transactions are listed
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-private.h"

G_BEGIN_DECLS

void _syncobj_registry_add_collection      (SyncobjRegistry    *self,
                                            SyncobjCollection  *collection);
/* Lists @transaction, whose id is @id; @new_id: a new transaction, whose
 * id (@id may be NULL) is read only when the index by id needs it (a
 * transaction read back from a store may be listed already: it is then
 * not listed again). @counted is a flag of the transaction (FALSE at
 * first) that the registry keeps: whether it counts in n-pending, which
 * is then a plain counter; the same flag comes with every state change. */
void _syncobj_registry_add_transaction     (SyncobjRegistry    *self,
                                            SyncobjTransaction *transaction,
                                            const char         *id,
                                            gboolean            new_id,
                                            gboolean           *counted);
/* @transaction (listed) is finished: it counts against the history limit;
 * the oldest finished transactions beyond it leave the list. Called once
 * per transaction. */
void _syncobj_registry_transaction_finished (SyncobjRegistry    *self,
                                             SyncobjTransaction *transaction);
/* Emits ::transaction-state-changed. */
void _syncobj_registry_transaction_changed (SyncobjRegistry    *self,
                                            SyncobjTransaction *transaction,
                                            gboolean           *counted);

G_END_DECLS
