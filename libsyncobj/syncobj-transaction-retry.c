/* syncobj-transaction-retry.c: submitting a transaction's changes again
 *
 * syncobj_transaction_retry_now() starts a waiting retry at once;
 * syncobj_transaction_retry() submits the changes of a failed transaction
 * as a new one, each made again on the record as it is now.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-transaction-fields-private.h"
#include "syncobj-transaction-persist-private.h"
#include "syncobj-error-private.h"

/**
 * syncobj_transaction_retry_now:
 * @self: a transaction
 *
 * Starts the next attempt of a transaction that waits for a scheduled retry
 * at once, instead of at [property@Syncobj.Attempt:retry-scheduled-for].
 *
 * Returns: %TRUE if a waiting retry was started
 */
gboolean
syncobj_transaction_retry_now (SyncobjTransaction *self)
{
  SyncobjTransactionExtras *extras;

  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), FALSE);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (self->thread, FALSE);

  extras = transaction_get_extras (self);
  if (extras == NULL || extras->retry_timer == 0)
    return FALSE;

  _syncobj_scheduler_remove (_syncobj_scheduler_get_default (), extras->retry_timer);
  extras->retry_timer = 0;
  _syncobj_transaction_start_attempt (self);
  return TRUE;
}

/* Writes the change of @mutation again, into @retry, as what it makes of
 * the record now: an insert of a record that exists again updates it to
 * the inserted value, an update of a record that is gone inserts the
 * updated value, a delete of a record that is gone is nothing. */
static gboolean
transaction_rewrite (SyncobjTransaction      *retry,
                     SyncobjPendingMutation  *mutation,
                     GError                 **error)
{
  g_autoptr(SyncobjCollection) collection = _syncobj_weak_get (mutation->collection);
  JsonObject *value;
  gboolean exists;

  _syncobj_pending_mutation_ensure (mutation);
  value = mutation->modified != NULL ? mutation->modified : mutation->changes;

  /* The server applied it: it stayed. */
  if (g_atomic_int_get (&mutation->applied))
    return TRUE;
  if (collection == NULL)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE,
                   _("Collection “%s” of the change to “%s” no longer exists"),
                   mutation->collection_id, mutation->key);
      return FALSE;
    }

  exists = syncobj_collection_contains (collection, mutation->key);
  switch (mutation->type)
    {
    case SYNCOBJ_MUTATION_TYPE_DELETE:
      return !exists || syncobj_transaction_delete (retry, collection, mutation->key, error);
    case SYNCOBJ_MUTATION_TYPE_INSERT:
      if (exists)
        return syncobj_transaction_update (retry, collection, mutation->key, value, error);
      return syncobj_transaction_insert (retry, collection, value, error);
    case SYNCOBJ_MUTATION_TYPE_UPDATE:
      if (!exists)
        return syncobj_transaction_insert (retry, collection, value, error);
      if (mutation->replaces)
        return syncobj_transaction_delete (retry, collection, mutation->key, error) &&
               syncobj_transaction_insert (retry, collection, value, error);
      return syncobj_transaction_update (retry, collection, mutation->key, mutation->changes, error);
    default:
      g_assert_not_reached ();
    }
}

/**
 * syncobj_transaction_retry:
 * @self: a failed transaction
 * @error: return location for an error
 *
 * Submits the changes of a failed (rolled back) transaction again, as a
 * new transaction of the same collection with the same metadata, for an
 * application that offers "Retry" after a failure. Each change is made
 * again on the record as it is now: an update to a record that is gone
 * inserts the value the user saw, an insert of a record that exists again
 * sets the inserted members, a delete of a record that is gone is left
 * out, and so is a change the server applied before the transaction
 * failed (see [method@Syncobj.PersistJob.mark_applied]). @self stays
 * failed.
 *
 * Returns: (transfer full): the new transaction, committed; %NULL with
 *   %SYNCOBJ_ERROR_INVALID_STATE when @self did not fail or its collection
 *   is gone, or the error of the change that could not be made again
 *   (nothing is submitted then)
 */
SyncobjTransaction *
syncobj_transaction_retry (SyncobjTransaction  *self,
                           GError             **error)
{
  g_autoptr(SyncobjCollection) owner = NULL;
  g_autoptr(SyncobjTransaction) retry = NULL;
  guint n;

  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (self->thread, NULL);

  if (self->state != SYNCOBJ_TRANSACTION_STATE_FAILED)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE,
                   _("Transaction %s cannot be retried: it is %s, not failed"),
                   transaction_id (self), syncobj_transaction_get_state_name (self));
      return NULL;
    }
  owner = transaction_dup_owner (self);
  if (owner == NULL)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE,
                   _("Transaction %s cannot be retried: its collection no longer exists"), transaction_id (self));
      return NULL;
    }

  retry = syncobj_collection_begin (owner);
  if (transaction_peek_extras (self)->metadata != NULL)
    syncobj_transaction_set_metadata (retry, transaction_peek_extras (self)->metadata);

  n = _syncobj_object_list_get_length (&self->mutations);
  for (guint i = 0; i < n; i++)
    if (!transaction_rewrite (retry, _syncobj_object_list_peek (&self->mutations, i), error))
      {
        syncobj_transaction_rollback (retry, NULL);
        return NULL;
      }

  if (!syncobj_transaction_commit (retry, error))
    return NULL;
  return g_steal_pointer (&retry);
}
