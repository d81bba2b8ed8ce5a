/* syncobj-overlay-layers.c: the layers of a row
 *
 * A row's layers are the pending mutations of the transactions writing to
 * its key, in creation order, each held: none, one (by far the usual
 * case), held in place, or more, in a GPtrArray tagged with the lowest bit
 * of the pointer (see _syncobj_row_peek_layer()). A layer of a row held as
 * text borrows the row's packed text as its original, and keeps its own
 * before it leaves the row or the row's text goes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-overlay-rows-private.h"

/* The layers of a packed row keep their own original text before the
 * row's text goes (see _syncobj_pending_mutation_keep_original()). */
void
_syncobj_row_layers_keep_original (SyncobjRow *row)
{
  guint n = _syncobj_row_get_n_layers (row);

  for (guint i = 0; i < n; i++)
    _syncobj_pending_mutation_keep_original (_syncobj_row_peek_layer (row, i), row->packed_owned);
}

void
_syncobj_row_clear_layers (SyncobjRow *row)
{
  GPtrArray *array = _syncobj_row_peek_layer_array (row);

  if (row->packed != NULL)
    _syncobj_row_layers_keep_original (row);
  if (array != NULL)
    g_ptr_array_unref (array);
  else if (row->layers != NULL)
    g_object_unref (row->layers);
  row->layers = NULL;
}

void
_syncobj_row_add_layer (SyncobjRow             *row,
                        SyncobjPendingMutation *mutation)
{
  GPtrArray *array;

  g_object_ref (mutation);
  if (row->layers == NULL)
    {
      row->layers = mutation;
      return;
    }

  array = _syncobj_row_peek_layer_array (row);
  if (array == NULL)
    {
      /* A second layer: the layers move to an array. */
      array = g_ptr_array_new_full (4, g_object_unref);
      g_ptr_array_add (array, row->layers);
      row->layers = (gpointer) ((guintptr) array | SYNCOBJ_ROW_LAYERS_ARRAY);
    }
  g_ptr_array_add (array, mutation);
}

void
_syncobj_row_remove_layer_index (SyncobjRow *row,
                                 guint       position)
{
  GPtrArray *array = _syncobj_row_peek_layer_array (row);

  /* A layer leaving a packed row no longer borrows its text. */
  if (row->packed != NULL)
    _syncobj_pending_mutation_keep_original (_syncobj_row_peek_layer (row, position), row->packed_owned);
  if (array == NULL)
    {
      g_return_if_fail (position == 0 && row->layers != NULL);
      g_clear_object ((SyncobjPendingMutation **) &row->layers);
      return;
    }

  g_ptr_array_remove_index (array, position);
  if (array->len == 1)
    {
      /* One layer left: held in place again. */
      row->layers = g_ptr_array_steal_index (array, 0);
      g_ptr_array_unref (array);
    }
}

void
_syncobj_row_remove_layer (SyncobjRow             *row,
                           SyncobjPendingMutation *mutation)
{
  guint n = _syncobj_row_get_n_layers (row);

  for (guint i = 0; i < n; i++)
    if (_syncobj_row_peek_layer (row, i) == mutation)
      {
        _syncobj_row_remove_layer_index (row, i);
        return;
      }
}
