/* syncobj-collection-order.c: the order of a collection's list model
 *
 * Most collections only ever append rows: a snapshot, inserts. They keep
 * the order in an array of row pointers, 8 bytes a row, where a row's
 * position is stored in the row and the item at a position is one read.
 * The first row that leaves turns the array into a GSequence (40 bytes a
 * row), where positions stay right as rows leave from anywhere.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-collection-order-private.h"

struct _SyncobjRowOrder
{
  SyncobjRow **rows;       /* while an array */
  guint        length;
  guint        size;
  GSequence   *sequence;   /* once a row left */
};

SyncobjRowOrder *
_syncobj_row_order_new (void)
{
  return g_new0 (SyncobjRowOrder, 1);
}

void
_syncobj_row_order_free (SyncobjRowOrder *self)
{
  g_clear_pointer (&self->sequence, g_sequence_free);
  g_free (self->rows);
  g_free (self);
}

guint
_syncobj_row_order_length (SyncobjRowOrder *self)
{
  if (self->sequence != NULL)
    return (guint) g_sequence_get_length (self->sequence);
  return self->length;
}

void
_syncobj_row_order_reserve (SyncobjRowOrder *self,
                            guint            n)
{
  if (self->sequence != NULL || self->length + n <= self->size)
    return;
  /* Exactly what a snapshot needs; later appends grow by half. */
  self->size = MAX (self->length + n, self->size + self->size / 2);
  self->rows = g_renew (SyncobjRow *, self->rows, self->size);
}

void
_syncobj_row_order_append (SyncobjRowOrder *self,
                           SyncobjRow      *row)
{
  /* A GSequence knows positions itself: row->position is the array's. */
  if (self->sequence != NULL)
    {
      row->iter = g_sequence_append (self->sequence, row);
      return;
    }

  if (self->length == self->size)
    _syncobj_row_order_reserve (self, MAX (self->size / 2, 16));
  row->iter = SYNCOBJ_ROW_IN_ARRAY;
  row->position = self->length;
  self->rows[self->length++] = row;
}

/* The first row leaves: from now on, a GSequence. */
static void
order_to_sequence (SyncobjRowOrder *self)
{
  self->sequence = g_sequence_new (NULL);
  for (guint i = 0; i < self->length; i++)
    self->rows[i]->iter = g_sequence_append (self->sequence, self->rows[i]);
  g_clear_pointer (&self->rows, g_free);
  self->length = self->size = 0;
}

guint
_syncobj_row_order_remove (SyncobjRowOrder *self,
                           SyncobjRow      *row)
{
  guint position;

  if (self->sequence == NULL)
    order_to_sequence (self);
  position = (guint) g_sequence_iter_get_position (row->iter);
  g_sequence_remove (row->iter);
  row->iter = NULL;
  return position;
}

guint
_syncobj_row_order_position (SyncobjRowOrder *self,
                             SyncobjRow      *row)
{
  if (self->sequence == NULL)
    return row->position;
  return (guint) g_sequence_iter_get_position (row->iter);
}

SyncobjRow *
_syncobj_row_order_get (SyncobjRowOrder *self,
                        guint            position)
{
  if (self->sequence == NULL)
    return self->rows[position];
  return g_sequence_get (g_sequence_get_iter_at_pos (self->sequence, (gint) position));
}

void
_syncobj_row_order_iter_init (SyncobjRowOrderIter *iter,
                              SyncobjRowOrder     *self)
{
  iter->order = self;
  iter->index = 0;
  iter->iter = self->sequence != NULL ? g_sequence_get_begin_iter (self->sequence) : NULL;
}

SyncobjRow *
_syncobj_row_order_next (SyncobjRowOrderIter *iter)
{
  SyncobjRow *row;

  if (iter->order->sequence == NULL)
    return iter->index < iter->order->length ? iter->order->rows[iter->index++] : NULL;
  if (g_sequence_iter_is_end (iter->iter))
    return NULL;
  row = g_sequence_get (iter->iter);
  iter->iter = g_sequence_iter_next (iter->iter);
  return row;
}
