/* syncobj-collection-order-private.h: the order of a collection's list
 * model (syncobj-collection-order.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-overlay-private.h"

G_BEGIN_DECLS

/* The rows a collection's list model shows, in the order they appeared.
 * While rows are only appended (a snapshot, inserts) it is an array, 8
 * bytes a row, with a row's position in the row; once a row leaves, a
 * GSequence (40 bytes a row), where a position costs a walk to the root.
 * A row in the order has a non-NULL iter: a GSequenceIter, or
 * SYNCOBJ_ROW_IN_ARRAY while the order is an array. */
typedef struct _SyncobjRowOrder SyncobjRowOrder;

#define SYNCOBJ_ROW_IN_ARRAY ((GSequenceIter *) GSIZE_TO_POINTER (1))

SyncobjRowOrder *_syncobj_row_order_new      (void);
void             _syncobj_row_order_free     (SyncobjRowOrder *self);
guint            _syncobj_row_order_length   (SyncobjRowOrder *self);
/* Room for @n more rows, before appending them. */
void             _syncobj_row_order_reserve  (SyncobjRowOrder *self,
                                              guint            n);
/* @row goes at the end; sets its iter and position. */
void             _syncobj_row_order_append   (SyncobjRowOrder *self,
                                              SyncobjRow      *row);
/* @row (in the order) leaves it; returns where it was. */
guint            _syncobj_row_order_remove   (SyncobjRowOrder *self,
                                              SyncobjRow      *row);
guint            _syncobj_row_order_position (SyncobjRowOrder *self,
                                              SyncobjRow      *row);
/* The row at @position (< the length). */
SyncobjRow      *_syncobj_row_order_get      (SyncobjRowOrder *self,
                                              guint            position);

/* Walks the order from its start: _syncobj_row_order_next() returns each
 * row, then NULL. The order must not change meanwhile. */
typedef struct
{
  SyncobjRowOrder *order;
  guint            index;
  GSequenceIter   *iter;
} SyncobjRowOrderIter;

void             _syncobj_row_order_iter_init (SyncobjRowOrderIter *iter,
                                               SyncobjRowOrder     *self);
SyncobjRow      *_syncobj_row_order_next      (SyncobjRowOrderIter *iter);

G_END_DECLS
