/* syncobj-collection-merge.c: how a parallel collection composes the
 * visible value of a key from its synced value and pending mutations
 *
 * By default the mutations' changes apply in creation order (the
 * overlay's composition); a merge function replaces that, and may start
 * from it with syncobj_collection_compose_default(). A new merge function,
 * or a new strategy, shows at once on the records with pending changes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-collection-fields-private.h"
#include "syncobj-transaction-private.h"

/* The keys are gathered first: a handler of the changes announced may
 * end transactions. */
void
_syncobj_collection_recompose_pending (SyncobjCollection *self)
{
  g_autoptr(GHashTable) keys = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                      (GDestroyNotify) g_ref_string_release, NULL);
  GHashTableIter iter;
  gpointer key;

  for (GList *l = self->active.head; l != NULL; l = l->next)
    {
      SyncobjObjectList *mutations = _syncobj_transaction_peek_mutations (l->data);

      for (guint i = 0; i < _syncobj_object_list_get_length (mutations); i++)
        {
          SyncobjPendingMutation *mutation = _syncobj_object_list_peek (mutations, i);

          if (g_str_equal (mutation->collection_id, self->id) &&
              !g_hash_table_contains (keys, mutation->key))
            g_hash_table_add (keys, g_ref_string_acquire (mutation->key));
        }
    }

  g_hash_table_iter_init (&iter, keys);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    _syncobj_overlay_refresh_key (self->overlay, key);
}

/**
 * syncobj_collection_set_merge_func:
 * @self: a collection
 * @func: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   the merge function, or %NULL for the default composition
 * @user_data: closure data
 * @destroy: (nullable): frees @user_data
 *
 * Sets the function that computes visible values of a parallel collection
 * from the synced value and the pending mutations of a key. It is ignored
 * by ordered collections. The records with pending mutations show what
 * the new function (or, for %NULL, the default composition) gives at
 * once.
 */
void
syncobj_collection_set_merge_func (SyncobjCollection *self,
                                   SyncobjMergeFunc   func,
                                   gpointer           user_data,
                                   GDestroyNotify     destroy)
{
  g_return_if_fail (SYNCOBJ_IS_COLLECTION (self));
  SYNCOBJ_RETURN_IF_NOT_OWNER (self->owner);

  _syncobj_overlay_set_merge_func (self->overlay, func, user_data, destroy);
  _syncobj_collection_recompose_pending (self);
}

/**
 * syncobj_collection_compose_default:
 * @self: a collection
 * @synced: (nullable): the synced value, or %NULL when the server has none
 * @mutations: (element-type SyncobjPendingMutation): pending mutations of
 *   one key, in creation order
 *
 * The default composition, what a collection shows without a merge
 * function: @synced with the changes of each of @mutations applied in
 * order (an insert's values, an update's members or replacement value; a
 * delete hides the record).
 *
 * A [callback@Syncobj.MergeFunc] may call it with its arguments to start
 * from that value. The Python and JavaScript bindings fall back to it when
 * a merge function written in those languages raises, so that the record
 * stays visible with the user's changes.
 *
 * Returns: (transfer full) (nullable): the composed value, or %NULL when
 *   the record is hidden
 */
JsonObject *
syncobj_collection_compose_default (SyncobjCollection *self,
                                    JsonObject        *synced,
                                    GPtrArray         *mutations)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);
  g_return_val_if_fail (mutations != NULL, NULL);
  for (guint i = 0; i < mutations->len; i++)
    g_return_val_if_fail (SYNCOBJ_IS_PENDING_MUTATION (g_ptr_array_index (mutations, i)), NULL);

  return _syncobj_overlay_compose (synced, mutations);
}
