/* syncobj-mutator.c: the persist side, writing transactions to a backend
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-mutator-private.h"

/**
 * SyncobjMutator:
 *
 * The persist side of a [class@Syncobj.Collection]: it sends a committed
 * [class@Syncobj.Transaction] to the backend.
 *
 * Subclasses implement [vfunc@Syncobj.Mutator.persist_async] and
 * [vfunc@Syncobj.Mutator.persist_finish]. A transaction goes to
 * `persisted_awaiting_sync` when the persist call succeeds; failed calls are
 * retried according to the collection's [class@Syncobj.RetryPolicy], unless
 * they fail with %SYNCOBJ_ERROR_NON_RETRIABLE.
 *
 * Optionally they also implement [vfunc@Syncobj.Mutator.await_sync_async]
 * and [vfunc@Syncobj.Mutator.await_sync_finish], to wait until the
 * persisted changes came back through the collection's
 * [class@Syncobj.Sync]; without them a transaction completes as soon as it
 * is persisted.
 *
 * To write a mutator as a plain function, from C or a language binding,
 * use [class@Syncobj.FuncMutator].
 */

G_DEFINE_ABSTRACT_TYPE (SyncobjMutator, syncobj_mutator, G_TYPE_OBJECT)

static gboolean
syncobj_mutator_real_persist_finish (SyncobjMutator  *self,
                                     GAsyncResult    *result,
                                     GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
syncobj_mutator_real_await_sync_finish (SyncobjMutator  *self,
                                        GAsyncResult    *result,
                                        GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
syncobj_mutator_class_init (SyncobjMutatorClass *klass)
{
  /* GTask-based subclasses need not write their finish functions. */
  klass->persist_finish = syncobj_mutator_real_persist_finish;
  klass->await_sync_finish = syncobj_mutator_real_await_sync_finish;
}

static void
syncobj_mutator_init (SyncobjMutator *self)
{
}

/**
 * syncobj_mutator_persist_async:
 * @self: a mutator
 * @transaction: the transaction to persist; its current attempt number is
 *   [method@Syncobj.Transaction.get_current_attempt]
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called when the persist call ended
 * @user_data: data for @callback
 *
 * Sends @transaction to the backend. Collections call this; applications
 * implement it.
 */
void
syncobj_mutator_persist_async (SyncobjMutator      *self,
                               SyncobjTransaction  *transaction,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  SyncobjMutatorClass *klass;

  g_return_if_fail (SYNCOBJ_IS_MUTATOR (self));
  g_return_if_fail (SYNCOBJ_IS_TRANSACTION (transaction));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  klass = SYNCOBJ_MUTATOR_GET_CLASS (self);
  g_return_if_fail (klass->persist_async != NULL);

  klass->persist_async (self, transaction, cancellable, callback, user_data);
}

/**
 * syncobj_mutator_persist_finish:
 * @self: a mutator
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Finishes [method@Syncobj.Mutator.persist_async].
 *
 * Returns: %TRUE when the backend accepted the transaction; %FALSE with
 *   @error set otherwise (%SYNCOBJ_ERROR_NON_RETRIABLE when it must not be
 *   retried)
 */
gboolean
syncobj_mutator_persist_finish (SyncobjMutator  *self,
                                GAsyncResult    *result,
                                GError         **error)
{
  g_return_val_if_fail (SYNCOBJ_IS_MUTATOR (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return SYNCOBJ_MUTATOR_GET_CLASS (self)->persist_finish (self, result, error);
}

/**
 * syncobj_mutator_await_sync_async:
 * @self: a mutator
 * @transaction: a transaction that was persisted
 * @sync: (nullable): the sync of the transaction's collection, if any
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called when the changes came back, or the wait
 *   failed
 * @user_data: data for @callback
 *
 * Waits until the persisted changes of @transaction came back through
 * @sync. When the mutator does not implement
 * [vfunc@Syncobj.Mutator.await_sync_async] this completes at once,
 * successfully.
 */
void
syncobj_mutator_await_sync_async (SyncobjMutator      *self,
                                  SyncobjTransaction  *transaction,
                                  SyncobjSync         *sync,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  SyncobjMutatorClass *klass;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SYNCOBJ_IS_MUTATOR (self));
  g_return_if_fail (SYNCOBJ_IS_TRANSACTION (transaction));
  g_return_if_fail (sync == NULL || SYNCOBJ_IS_SYNC (sync));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  klass = SYNCOBJ_MUTATOR_GET_CLASS (self);
  if (klass->await_sync_async != NULL)
    {
      klass->await_sync_async (self, transaction, sync, cancellable, callback, user_data);
      return;
    }

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, syncobj_mutator_await_sync_async);
  g_task_return_boolean (task, TRUE);
}

/**
 * syncobj_mutator_await_sync_finish:
 * @self: a mutator
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Finishes [method@Syncobj.Mutator.await_sync_async].
 *
 * Returns: %TRUE when the changes came back; %FALSE with @error set
 *   otherwise
 */
gboolean
syncobj_mutator_await_sync_finish (SyncobjMutator  *self,
                                   GAsyncResult    *result,
                                   GError         **error)
{
  g_return_val_if_fail (SYNCOBJ_IS_MUTATOR (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_async_result_is_tagged (result, syncobj_mutator_await_sync_async))
    return g_task_propagate_boolean (G_TASK (result), error);

  return SYNCOBJ_MUTATOR_GET_CLASS (self)->await_sync_finish (self, result, error);
}

/**
 * syncobj_mutator_awaits_sync: (virtual awaits_sync)
 * @self: a mutator
 * @transaction: a transaction that was persisted
 * @sync: (nullable): the sync of the transaction's collection, if any
 *
 * Tells whether [method@Syncobj.Mutator.await_sync_async] has anything to
 * wait for. When it has not, the transaction completes as soon as it
 * persisted, without a round through the main loop.
 *
 * A mutator without [vfunc@Syncobj.Mutator.await_sync_async] has nothing
 * to wait for; one with it but without
 * [vfunc@Syncobj.Mutator.awaits_sync] always waits.
 *
 * Returns: %FALSE when awaiting the sync of @transaction would finish at
 *   once
 */
gboolean
syncobj_mutator_awaits_sync (SyncobjMutator     *self,
                             SyncobjTransaction *transaction,
                             SyncobjSync        *sync)
{
  SyncobjMutatorClass *klass;

  g_return_val_if_fail (SYNCOBJ_IS_MUTATOR (self), FALSE);
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (transaction), FALSE);
  g_return_val_if_fail (sync == NULL || SYNCOBJ_IS_SYNC (sync), FALSE);

  klass = SYNCOBJ_MUTATOR_GET_CLASS (self);
  if (klass->await_sync_async == NULL)
    return FALSE;
  if (klass->awaits_sync == NULL)
    return TRUE;
  return klass->awaits_sync (self, transaction, sync);
}

/* The types with a persist function: a handful, given theirs from their
 * class_init. A persist call looks its type up here, which costs a few
 * comparisons where type data cost a lookup under the type lock. An entry
 * is written before the count that shows it is published; a mutator's
 * type was initialized (so its entry published) before the mutator was
 * made. */
#define MAX_PERSIST_FUNCS 16

static struct
{
  GType                     type;
  SyncobjMutatorPersistFunc func;
} persist_funcs[MAX_PERSIST_FUNCS];
static guint n_persist_funcs;   /* atomic */
G_LOCK_DEFINE_STATIC (persist_funcs);

void
_syncobj_mutator_type_set_persist_func (GType                     type,
                                        SyncobjMutatorPersistFunc func)
{
  guint n;

  G_LOCK (persist_funcs);
  n = g_atomic_int_get (&n_persist_funcs);
  for (guint i = 0; i < n; i++)
    if (persist_funcs[i].type == type)
      {
        /* Only class_init sets one: it never changes. */
        g_assert (persist_funcs[i].func == func);
        G_UNLOCK (persist_funcs);
        return;
      }
  g_assert (n < MAX_PERSIST_FUNCS);
  persist_funcs[n].type = type;
  persist_funcs[n].func = func;
  g_atomic_int_set (&n_persist_funcs, n + 1);
  G_UNLOCK (persist_funcs);
}

SyncobjMutatorPersistFunc
_syncobj_mutator_get_persist_func (SyncobjMutator *self)
{
  GType type = G_OBJECT_TYPE (self);
  guint n = g_atomic_int_get (&n_persist_funcs);

  for (guint i = 0; i < n; i++)
    if (persist_funcs[i].type == type)
      return persist_funcs[i].func;
  return NULL;
}

static GQuark
servers_func_quark (void)
{
  static GQuark quark;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("syncobj-mutator-servers-func");
  return quark;
}

void
_syncobj_mutator_type_set_servers_func (GType                     type,
                                        SyncobjMutatorServersFunc func)
{
  g_type_set_qdata (type, servers_func_quark (), func);
}

gboolean
_syncobj_mutator_is_unreachable (SyncobjMutator *self)
{
  SyncobjMutatorServersFunc func = NULL;
  SyncobjScheduler *scheduler = _syncobj_scheduler_get_default ();
  g_auto(GStrv) servers = NULL;

  /* A subclass writes where its parent does. */
  for (GType type = G_OBJECT_TYPE (self); func == NULL && type != SYNCOBJ_TYPE_MUTATOR; type = g_type_parent (type))
    func = g_type_get_qdata (type, servers_func_quark ());
  if (func == NULL || !_syncobj_scheduler_is_unreachable (scheduler, NULL))
    return FALSE;
  servers = func (self);
  for (guint i = 0; servers != NULL && servers[i] != NULL; i++)
    if (_syncobj_scheduler_is_unreachable (scheduler, servers[i]))
      return TRUE;
  return FALSE;
}
