/* syncobj-mutator.h: the persist side, writing transactions to a backend
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SYNCOBJ_INSIDE__) && !defined(SYNCOBJ_COMPILATION)
#error "Only <syncobj.h> can be included directly."
#endif

#include <gio/gio.h>
#include "syncobj-types.h"
#include "syncobj-version-macros.h"

G_BEGIN_DECLS

#define SYNCOBJ_TYPE_MUTATOR (syncobj_mutator_get_type ())
SYNCOBJ_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (SyncobjMutator, syncobj_mutator, SYNCOBJ, MUTATOR, GObject)

/**
 * SyncobjMutatorClass:
 * @parent_class: the parent class
 * @persist_async: sends @transaction to the backend (the specification's
 *   `persist`); the attempt number is the transaction's current attempt
 * @persist_finish: finishes @persist_async; a #SYNCOBJ_ERROR_NON_RETRIABLE
 *   error is never retried
 * @await_sync_async: optional; waits until the persisted changes came back
 *   through @sync (the specification's `awaitSync`)
 * @await_sync_finish: finishes @await_sync_async
 * @awaits_sync: optional; whether @await_sync_async has anything to wait
 *   for after @transaction persisted, see
 *   [method@Syncobj.Mutator.awaits_sync]. It takes the first slot of the
 *   former padding: the class structure keeps its size.
 *
 * The class structure of [class@Syncobj.Mutator].
 */
struct _SyncobjMutatorClass
{
  GObjectClass parent_class;

  void     (*persist_async)     (SyncobjMutator      *self,
                                 SyncobjTransaction  *transaction,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data);
  gboolean (*persist_finish)    (SyncobjMutator      *self,
                                 GAsyncResult        *result,
                                 GError             **error);
  void     (*await_sync_async)  (SyncobjMutator      *self,
                                 SyncobjTransaction  *transaction,
                                 SyncobjSync         *sync,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data);
  gboolean (*await_sync_finish) (SyncobjMutator      *self,
                                 GAsyncResult        *result,
                                 GError             **error);
  gboolean (*awaits_sync)       (SyncobjMutator      *self,
                                 SyncobjTransaction  *transaction,
                                 SyncobjSync         *sync);

  /*< private >*/
  gpointer padding[7];
};

SYNCOBJ_AVAILABLE_IN_ALL
void     syncobj_mutator_persist_async     (SyncobjMutator      *self,
                                            SyncobjTransaction  *transaction,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean syncobj_mutator_persist_finish    (SyncobjMutator      *self,
                                            GAsyncResult        *result,
                                            GError             **error);
SYNCOBJ_AVAILABLE_IN_ALL
void     syncobj_mutator_await_sync_async  (SyncobjMutator      *self,
                                            SyncobjTransaction  *transaction,
                                            SyncobjSync         *sync,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean syncobj_mutator_await_sync_finish (SyncobjMutator      *self,
                                            GAsyncResult        *result,
                                            GError             **error);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean syncobj_mutator_awaits_sync       (SyncobjMutator      *self,
                                            SyncobjTransaction  *transaction,
                                            SyncobjSync         *sync);

G_END_DECLS
