/* syncobj-recovery.c: rebuilding transactions from what the store returns
 *
 * After a restart, a collection created with a store asks the store for
 * the transactions of its id (syncobj-store-private.h: plain structs) and
 * rebuilds them here: each transaction with its attempts, each write put
 * back into its collection's optimistic layer. A write to a collection
 * that is not open yet is parked in its transaction until that collection
 * opens; the transaction keeps its place in its queues and resumes once
 * every collection it writes to is open.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-recovery-private.h"

#include "syncobj-transaction-private.h"
#include "syncobj-store-private.h"

/* Finished transactions restored per collection, newest first. */
#define HISTORY_LIMIT 1000

/* Restored transactions with writes to collections that were not open
 * yet: they keep their place in their queues and start once every
 * collection they write to is open. */
G_LOCK_DEFINE_STATIC (waiting);
static GPtrArray *waiting_transactions;   /* SyncobjTransaction, strong */

/* The state a restored write has: the one it had when its transaction was
 * last written. */
static SyncobjMutationState
restored_mutation_state (SyncobjTransaction *transaction)
{
  SyncobjTransactionState state = syncobj_transaction_get_state (transaction);

  if (state == SYNCOBJ_TRANSACTION_STATE_COMPLETED)
    return SYNCOBJ_MUTATION_STATE_SYNCED;
  if (state == SYNCOBJ_TRANSACTION_STATE_PERSISTING ||
      syncobj_transaction_get_current_attempt (transaction) > 0)
    return SYNCOBJ_MUTATION_STATE_PERSISTING;
  return SYNCOBJ_MUTATION_STATE_CREATED;
}

/* Restores the write in *@slot. One to a collection that is not open yet
 * is parked (taken from *@slot) when the transaction is unfinished: it is
 * restored when that collection opens. History needs no collection. */
static void
restore_mutation (SyncobjTransaction     *transaction,
                  SyncobjCollection      *owner,
                  SyncobjStoredMutation **slot)
{
  SyncobjStoredMutation *stored = *slot;
  SyncobjCollection *collection = owner;
  g_autoptr(SyncobjPendingMutation) mutation = NULL;

  if (g_strcmp0 (stored->collection_id, syncobj_collection_get_id (owner)) != 0)
    collection = syncobj_registry_lookup_collection (syncobj_registry_get_default (), stored->collection_id);
  if (collection == NULL)
    {
      if (!syncobj_transaction_is_finished (transaction))
        _syncobj_transaction_park_mutation (transaction, g_steal_pointer (slot));
      return;
    }

  mutation = _syncobj_pending_mutation_new (collection, syncobj_collection_get_id (collection), transaction,
                                            stored->key, stored->type, stored->created_at_us);
  g_free (mutation->mutation_id);
  mutation->mutation_id = g_strdup (stored->mutation_id);
  _syncobj_pending_mutation_set_values (mutation, stored->type, stored->original, stored->modified,
                                        stored->changes, stored->updated_at_us);
  mutation->updated_at_us = stored->updated_at_us;
  mutation->metadata = stored->metadata != NULL ? json_object_ref (stored->metadata) : NULL;
  mutation->replaces = stored->replaces;
  mutation->state = restored_mutation_state (transaction);
  mutation->restored = TRUE;

  _syncobj_transaction_add_restored_mutation (transaction, collection, mutation);
}

static void
wait_for_collections (SyncobjTransaction *transaction)
{
  GPtrArray *parked = _syncobj_transaction_get_parked (transaction);

  G_LOCK (waiting);
  if (waiting_transactions == NULL)
    waiting_transactions = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (waiting_transactions, g_object_ref (transaction));
  G_UNLOCK (waiting);

  _syncobj_log_transaction (G_LOG_LEVEL_MESSAGE, syncobj_transaction_get_id (transaction),
                            "transaction %s waits until collection “%s” is open: it writes to it",
                            syncobj_transaction_get_id (transaction),
                            ((SyncobjStoredMutation *) g_ptr_array_index (parked, 0))->collection_id);
}

/* Rebuilds @stored; an unfinished one that can start is added to
 * @to_resume (it starts once every transaction read with it is back in
 * its queues). */
static SyncobjTransaction *
restore_transaction (SyncobjCollection        *owner,
                     SyncobjStoredTransaction *stored,
                     GPtrArray                *to_resume)
{
  SyncobjTransaction *transaction = _syncobj_transaction_new_restored (owner, stored);

  for (guint i = 0; i < stored->mutations->len; i++)
    restore_mutation (transaction, owner, (SyncobjStoredMutation **) &g_ptr_array_index (stored->mutations, i));

  if (syncobj_transaction_is_finished (transaction) || !_syncobj_transaction_requeue (transaction))
    return transaction;

  /* It keeps its place in the queues it joined and starts once every
   * collection it writes to is open. */
  if (_syncobj_transaction_get_parked (transaction) != NULL)
    wait_for_collections (transaction);
  else
    g_ptr_array_add (to_resume, g_object_ref (transaction));

  return transaction;
}

void
_syncobj_recovery_begin (SyncobjStore *store)
{
  /* New commits come after every one in the file. */
  _syncobj_transaction_ensure_sequence_above (_syncobj_store_get_max_sequence (store));
}

SyncobjStoreLoad *
_syncobj_recovery_load (SyncobjStore *store,
                        const char   *collection_id)
{
  return _syncobj_store_load (store, collection_id, HISTORY_LIMIT);
}

gboolean
_syncobj_recovery_restore_one (SyncobjCollection        *collection,
                               SyncobjStoredTransaction *stored,
                               GPtrArray                *to_resume)
{
  g_autoptr(SyncobjStoredTransaction) owned = stored;
  g_autoptr(SyncobjTransaction) transaction = NULL;

  /* Already alive in this process (a second collection with the same
   * id): restoring it again would persist it twice. */
  if (syncobj_registry_lookup_transaction (syncobj_registry_get_default (), stored->id) != NULL)
    return FALSE;

  transaction = restore_transaction (collection, stored, to_resume);
  return !syncobj_transaction_is_finished (transaction);
}

void
_syncobj_recovery_resume (GPtrArray *to_resume)
{
  for (guint i = 0; i < to_resume->len; i++)
    _syncobj_transaction_resume (g_ptr_array_index (to_resume, i));
}

void
_syncobj_recovery_restore (SyncobjStore      *store,
                           SyncobjCollection *collection)
{
  const char *collection_id = syncobj_collection_get_id (collection);
  g_autoptr(SyncobjStoreLoad) load = NULL;
  g_autoptr(GPtrArray) to_resume = g_ptr_array_new_with_free_func (g_object_unref);
  SyncobjStoredTransaction *stored;
  gint64 started = g_get_monotonic_time ();
  guint n_restored = 0;

  _syncobj_recovery_begin (store);

  /* The writer thread reads and decodes while this one restores. */
  load = _syncobj_recovery_load (store, collection_id);
  if (load == NULL)
    return;

  while ((stored = _syncobj_store_load_next (load)) != NULL)
    {
      _syncobj_recovery_restore_one (collection, stored, to_resume);
      n_restored++;
    }
  _syncobj_recovery_resume (to_resume);

  g_debug ("collection %s: %u transactions read from %s (%u resumed) in %" G_GINT64_FORMAT " µs",
           collection_id, n_restored, syncobj_store_get_path (store), to_resume->len,
           g_get_monotonic_time () - started);
}

/* Whether @transaction has a parked write to the collection @id. */
static gboolean
writes_to_parked (SyncobjTransaction *transaction,
                  const char         *id)
{
  GPtrArray *parked = _syncobj_transaction_get_parked (transaction);

  for (guint i = 0; parked != NULL && i < parked->len; i++)
    if (g_strcmp0 (((SyncobjStoredMutation *) g_ptr_array_index (parked, i))->collection_id, id) == 0)
      return TRUE;
  return FALSE;
}

/* Restores the parked writes of @transaction to @collection; TRUE when it
 * has none left. */
static gboolean
unpark (SyncobjTransaction *transaction,
        SyncobjCollection  *owner,
        SyncobjCollection  *collection)
{
  const char *id = syncobj_collection_get_id (collection);
  GPtrArray *parked = _syncobj_transaction_get_parked (transaction);

  for (guint j = 0; j < parked->len;)
    {
      SyncobjStoredMutation **slot = (SyncobjStoredMutation **) &g_ptr_array_index (parked, j);

      if (g_strcmp0 ((*slot)->collection_id, id) != 0)
        {
          j++;
          continue;
        }
      restore_mutation (transaction, owner, slot);
      g_ptr_array_remove_index (parked, j);
    }
  _syncobj_transaction_join_lanes_of (transaction, collection);

  return _syncobj_transaction_parked_changed (transaction);
}

void
_syncobj_recovery_collection_opened (SyncobjCollection *collection)
{
  const char *id = syncobj_collection_get_id (collection);
  g_autoptr(GPtrArray) ready = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) touched = g_ptr_array_new_with_free_func (g_object_unref);

  G_LOCK (waiting);
  for (guint i = 0; waiting_transactions != NULL && i < waiting_transactions->len; i++)
    {
      SyncobjTransaction *transaction = g_ptr_array_index (waiting_transactions, i);

      /* Failed meanwhile (rolled back, or with one ahead of it). */
      if (syncobj_transaction_is_finished (transaction))
        {
          g_ptr_array_remove_index (waiting_transactions, i--);
          continue;
        }
      if (writes_to_parked (transaction, id))
        g_ptr_array_add (touched, g_object_ref (transaction));
    }
  G_UNLOCK (waiting);

  for (guint i = 0; i < touched->len; i++)
    {
      SyncobjTransaction *transaction = g_ptr_array_index (touched, i);
      g_autoptr(SyncobjCollection) owner = NULL;

      g_object_get (transaction, "collection", &owner, NULL);
      if (owner == NULL || syncobj_transaction_is_finished (transaction))
        continue;
      if (unpark (transaction, owner, collection))
        g_ptr_array_add (ready, g_object_ref (transaction));
    }

  for (guint i = 0; i < ready->len; i++)
    {
      SyncobjTransaction *transaction = g_ptr_array_index (ready, i);

      G_LOCK (waiting);
      g_ptr_array_remove (waiting_transactions, transaction);
      G_UNLOCK (waiting);
      _syncobj_transaction_resume (transaction);
    }
}
