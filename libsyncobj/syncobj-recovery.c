/* syncobj-recovery.c: rebuilding transactions from what the store returns
 *
 * After a restart, a collection created with a store asks the store for
 * the transactions of its id (syncobj-store-private.h: plain structs) and
 * rebuilds them here, in commit order, through the SyncobjRecoveryOps it
 * is given: each transaction with its attempts, each write put back into
 * its collection's optimistic layer. A write to a collection
 * that is not open yet is parked in its transaction until that collection
 * opens; the transaction keeps its place in its queues and resumes once
 * every collection it writes to is open.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-recovery-private.h"

#include "syncobj-store-private.h"
#include "syncobj-registry.h"

/* Restored transactions with writes to collections that were not open
 * yet: they keep their place in their queues and start once every
 * collection they write to is open. */
G_LOCK_DEFINE_STATIC (waiting);
static GPtrArray *waiting_transactions;   /* SyncobjTransaction, strong */

static void
wait_for_collections (SyncobjTransaction *transaction)
{
  G_LOCK (waiting);
  if (waiting_transactions == NULL)
    waiting_transactions = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (waiting_transactions, g_object_ref (transaction));
  G_UNLOCK (waiting);
}

void
_syncobj_recovery_begin (SyncobjStore             *store,
                         const SyncobjRecoveryOps *ops)
{
  /* New commits come after every one in the file. */
  ops->sequence_floor (_syncobj_store_get_max_sequence (store));
}

/* Finished transactions come back as history: as many as the registry
 * keeps (the newest). */
guint
_syncobj_recovery_history_limit (void)
{
  return syncobj_registry_get_history_limit (syncobj_registry_get_default ());
}

SyncobjStoreLoad *
_syncobj_recovery_load (SyncobjStore *store,
                        const char   *collection_id,
                        guint         history_limit)
{
  return _syncobj_store_load (store, collection_id, history_limit);
}

gboolean
_syncobj_recovery_restore_one (SyncobjCollection        *collection,
                               SyncobjStoredTransaction *stored,
                               GPtrArray                *to_resume,
                               const SyncobjRecoveryOps *ops)
{
  g_autoptr(SyncobjTransaction) transaction = NULL;
  SyncobjRestored restored;

  transaction = ops->rebuild (collection, stored, &restored);
  if (restored == SYNCOBJ_RESTORED_SKIPPED)
    return FALSE;

  /* It keeps its place in the queues it joined and starts once every
   * collection it writes to is open; one that can start, once every
   * transaction read with it is back in its queues. */
  if (restored == SYNCOBJ_RESTORED_WAITING)
    wait_for_collections (transaction);
  else if (restored == SYNCOBJ_RESTORED_READY)
    g_ptr_array_add (to_resume, g_object_ref (transaction));

  return !ops->is_finished (transaction);
}

static void
unref_nullable (gpointer object)
{
  g_clear_object (&object);
}

GPtrArray *
_syncobj_recovery_to_resume_new (void)
{
  return g_ptr_array_new_with_free_func (unref_nullable);
}

gboolean
_syncobj_recovery_resume_until (GPtrArray                *to_resume,
                                guint                    *next,
                                gint64                    deadline,
                                const SyncobjRecoveryOps *ops)
{
  while (*next < to_resume->len && g_get_monotonic_time () < deadline)
    {
      SyncobjTransaction *transaction = g_ptr_array_index (to_resume, *next);

      /* Each reference goes as its transaction starts: dropping a million
       * of them with the array, in the iteration that ends a start, took
       * 27 ms. */
      g_ptr_array_index (to_resume, (*next)++) = NULL;
      ops->resume (transaction);
      g_object_unref (transaction);
    }
  return *next == to_resume->len;
}

void
_syncobj_recovery_resume (GPtrArray                *to_resume,
                          const SyncobjRecoveryOps *ops)
{
  guint next = 0;

  _syncobj_recovery_resume_until (to_resume, &next, G_MAXINT64, ops);
}

void
_syncobj_recovery_restore (SyncobjStore             *store,
                           SyncobjCollection        *collection,
                           const char               *collection_id,
                           const SyncobjRecoveryOps *ops)
{
  g_autoptr(SyncobjStoreLoad) load = NULL;
  g_autoptr(GPtrArray) to_resume = _syncobj_recovery_to_resume_new ();
  SyncobjStoredTransaction *stored;
  gint64 started = g_get_monotonic_time ();
  guint n_restored = 0;

  _syncobj_recovery_begin (store, ops);

  /* The writer thread reads and decodes while this one restores. */
  load = _syncobj_recovery_load (store, collection_id, _syncobj_recovery_history_limit ());
  if (load == NULL)
    return;

  while ((stored = _syncobj_store_load_next (load)) != NULL)
    {
      _syncobj_recovery_restore_one (collection, stored, to_resume, ops);
      _syncobj_stored_transaction_free (stored);
      n_restored++;
    }
  _syncobj_recovery_resume (to_resume, ops);

  g_debug ("collection %s: %u transactions read from %s (%u resumed) in %" G_GINT64_FORMAT " µs",
           collection_id, n_restored, syncobj_store_get_path (store), to_resume->len,
           g_get_monotonic_time () - started);
}

void
_syncobj_recovery_collection_opened (SyncobjCollection        *collection,
                                     const char               *collection_id,
                                     const SyncobjRecoveryOps *ops)
{
  g_autoptr(GPtrArray) ready = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) touched = g_ptr_array_new_with_free_func (g_object_unref);

  G_LOCK (waiting);
  for (guint i = 0; waiting_transactions != NULL && i < waiting_transactions->len; i++)
    {
      SyncobjTransaction *transaction = g_ptr_array_index (waiting_transactions, i);

      /* Failed meanwhile (rolled back, or with one ahead of it). */
      if (ops->is_finished (transaction))
        {
          g_ptr_array_remove_index (waiting_transactions, i--);
          continue;
        }
      if (ops->waits_for (transaction, collection_id))
        g_ptr_array_add (touched, g_object_ref (transaction));
    }
  G_UNLOCK (waiting);

  for (guint i = 0; i < touched->len; i++)
    {
      SyncobjTransaction *transaction = g_ptr_array_index (touched, i);

      if (ops->unpark (transaction, collection))
        g_ptr_array_add (ready, g_object_ref (transaction));
    }

  for (guint i = 0; i < ready->len; i++)
    {
      SyncobjTransaction *transaction = g_ptr_array_index (ready, i);

      G_LOCK (waiting);
      g_ptr_array_remove (waiting_transactions, transaction);
      G_UNLOCK (waiting);
      ops->resume (transaction);
    }
}
