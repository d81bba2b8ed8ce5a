/* syncobj-mutator-private.h: persist calls without a GTask
 *
 * A mutator type may offer the collection a persist call whose outcome
 * goes to a plain function: no GTask is made for a result that only the
 * collection waits for. syncobj_mutator_persist_async() stays the way for
 * every other mutator.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-private.h"

G_BEGIN_DECLS

/* The outcome of a persist call: @error is NULL on success, or taken.
 * Called once, on the thread that made the call, then the call's destroy
 * function frees @data. */
typedef void (*SyncobjPersistDone) (GError   *error,
                                    gpointer  data);

/* A persist call without a GTask; its cancellable is the transaction's,
 * made when the call asks for it. */
typedef void (*SyncobjMutatorPersistFunc) (SyncobjMutator     *self,
                                           SyncobjTransaction *transaction,
                                           SyncobjPersistDone  done,
                                           gpointer            data,
                                           GDestroyNotify      destroy);

/* Gives the mutators of @type @func (from their class_init). */
void     _syncobj_mutator_type_set_persist_func (GType                      type,
                                                 SyncobjMutatorPersistFunc  func);

/* The persist function of @self's type, or NULL: then
 * syncobj_mutator_persist_async() is the way. */
SyncobjMutatorPersistFunc _syncobj_mutator_get_persist_func (SyncobjMutator *self);

/* The servers ("host:port") a mutator of some type writes to, as the
 * HTTP probe names them: a collection is offline while one of them cannot
 * be reached. */
typedef GStrv (*SyncobjMutatorServersFunc) (SyncobjMutator *self);

/* Gives the mutators of @type @func (from their class_init). */
void     _syncobj_mutator_type_set_servers_func (GType                      type,
                                                 SyncobjMutatorServersFunc  func);

/* Whether some server @self writes to cannot be reached now: FALSE for a
 * mutator whose type has no servers function. */
gboolean _syncobj_mutator_is_unreachable        (SyncobjMutator *self);

G_END_DECLS
