/* syncobj-collection-list.c: a collection as a list model
 *
 * The GListModel of a SyncobjCollection: the order in which its rows
 * became visible, and the items-changed signals for what the overlay
 * reports appearing, leaving or changing, batched over a sync commit or the
 * end of a transaction into one signal per contiguous range.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-collection-fields-private.h"
#include "syncobj-collection-list-private.h"
#include "syncobj-json-parser-private.h"

/* The position of @row (in self->order) in the list model. */
static guint
row_position (SyncobjCollection *self,
              SyncobjRow        *row)
{
  return _syncobj_row_order_position (self->order, row);
}

/* @self implements GListModel: no checked interface cast per change. */
static inline GListModel *
collection_model (SyncobjCollection *self)
{
  return (GListModel *) self;
}

static void
collection_flush_appends (SyncobjCollection *self)
{
  guint position;
  guint added = 0;
  g_autoptr(GPtrArray) rows = NULL;

  if (self->pending_appends->len == 0)
    return;

  position = _syncobj_row_order_length (self->order);

  rows = g_steal_pointer (&self->pending_appends);
  self->pending_appends = g_ptr_array_new ();
  _syncobj_row_order_reserve (self->order, rows->len);

  for (guint i = 0; i < rows->len; i++)
    {
      SyncobjRow *row = g_ptr_array_index (rows, i);

      row->pending_append = FALSE;
      if (_syncobj_row_is_visible (row))
        {
          _syncobj_row_order_append (self->order, row);
          added++;
        }
      else
        _syncobj_overlay_row_maybe_free (self->overlay, row);
    }

  if (added > 0)
    {
      g_list_model_items_changed (collection_model (self), position, 0, added);
      _syncobj_collection_notify (self, PROP_N_ITEMS);
    }
}

/* Announces the range of rows changed in place during the batch so far. */
static void
collection_flush_changes (SyncobjCollection *self)
{
  guint count = self->changed_count;

  if (count == 0)
    return;
  self->changed_count = 0;
  g_list_model_items_changed (collection_model (self), self->changed_start, count, count);
}

/* The visible value of the row at @position changed; the row stays where
 * it is. In a batch (a sync commit), changes to neighbouring rows become
 * one items-changed for their range. */
static void
collection_item_changed (SyncobjCollection *self,
                         guint              position)
{
  if (self->batch_depth > 0 && self->changed_count > 0 &&
      position == self->changed_start + self->changed_count)
    {
      self->changed_count++;
      return;
    }

  collection_flush_changes (self);
  collection_flush_appends (self);
  if (self->batch_depth > 0)
    {
      self->changed_start = position;
      self->changed_count = 1;
    }
  else
    g_list_model_items_changed (collection_model (self), position, 1, 1);
}

void
_syncobj_collection_begin_batch (SyncobjCollection *self)
{
  self->batch_depth++;
}

void
_syncobj_collection_end_batch (SyncobjCollection *self)
{
  g_assert (self->batch_depth > 0);

  if (--self->batch_depth == 0)
    {
      collection_flush_changes (self);
      collection_flush_appends (self);
    }
}

/* @row just became visible: it goes to the end of the list. */
static void
row_appear (gpointer    view,
            SyncobjRow *row)
{
  SyncobjCollection *self = view;

  self->shown_changes++;
  if (row->pending_append)
    ; /* already waiting for the end of the batch */
  else if (self->batch_depth > 0)
    {
      row->pending_append = TRUE;
      g_ptr_array_add (self->pending_appends, row);
    }
  else
    {
      _syncobj_row_order_append (self->order, row);
      g_list_model_items_changed (collection_model (self), _syncobj_row_order_length (self->order) - 1, 0, 1);
      _syncobj_collection_notify (self, PROP_N_ITEMS);
    }
}

/* @row is no longer visible: it leaves the list. */
static void
row_disappear (gpointer    view,
               SyncobjRow *row)
{
  SyncobjCollection *self = view;
  guint position;

  self->shown_changes++;
  if (row->iter == NULL)
    return;

  position = _syncobj_row_order_remove (self->order, row);
  self->order_removals++;
  g_list_model_items_changed (collection_model (self), position, 1, 0);
  _syncobj_collection_notify (self, PROP_N_ITEMS);
}

static void
row_changed (gpointer    view,
             SyncobjRow *row)
{
  SyncobjCollection *self = view;

  self->shown_changes++;
  if (row->iter != NULL)
    collection_item_changed (self, row_position (self, row));
}

/* A row is about to leave: what the batch changed so far is announced
 * while the row is still what it was announced with. */
static void
rows_flush (gpointer view)
{
  SyncobjCollection *self = view;

  collection_flush_changes (self);
  collection_flush_appends (self);
}

const SyncobjOverlayViewFuncs _syncobj_collection_overlay_view_funcs = {
  .flush = rows_flush,
  .appear = row_appear,
  .disappear = row_disappear,
  .changed = row_changed,
};

/* ---- rows without records, for views ------------------------------------------ */

/* The visible value of @row (transfer full): a packed row's is built for
 * the caller, not kept in the row. */
void
_syncobj_collection_foreach_value (SyncobjCollection   *self,
                                   SyncobjRowValueFunc  func,
                                   gpointer             user_data)
{
  SyncobjRowOrderIter iter;
  SyncobjRow *row;

  _syncobj_row_order_iter_init (&iter, self->order);
  while ((row = _syncobj_row_order_next (&iter)) != NULL)
    {
      const char *text = _syncobj_row_peek_text (row);

      func (row->key, text, text != NULL ? NULL : row->visible, user_data);
    }
}

JsonObject *
_syncobj_collection_peek_item (SyncobjCollection  *self,
                               guint               position,
                               const char        **key,
                               const char        **packed)
{
  SyncobjRow *row;

  /* @position is one the collection just announced. */
  row = _syncobj_row_order_get (self->order, position);
  *key = row->key;
  *packed = _syncobj_row_peek_text (row);
  return *packed != NULL ? NULL : row->visible;
}

const char *
_syncobj_collection_peek_key (SyncobjCollection *self,
                              guint              position)
{
  SyncobjRow *row = _syncobj_row_order_get (self->order, position);

  return row->key;
}

gboolean
_syncobj_collection_find_position (SyncobjCollection *self,
                                   const char        *key,
                                   guint             *position)
{
  SyncobjRow *row = _syncobj_overlay_find (self->overlay, key);

  if (row == NULL || row->iter == NULL)
    return FALSE;
  *position = row_position (self, row);
  return TRUE;
}

const char *
_syncobj_collection_resolve_key (SyncobjCollection *self,
                                 const char        *key)
{
  return collection_resolve_key (self, key);
}

/* ---- GListModel --------------------------------------------------------------- */

static GType
syncobj_collection_get_item_type (GListModel *model)
{
  return SYNCOBJ_TYPE_RECORD;
}

static guint
syncobj_collection_get_n_items (GListModel *model)
{
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (SYNCOBJ_COLLECTION (model)->owner, 0);
  return _syncobj_row_order_length (SYNCOBJ_COLLECTION (model)->order);
}

static gpointer
syncobj_collection_get_item (GListModel *model,
                             guint       position)
{
  SyncobjCollection *self = SYNCOBJ_COLLECTION (model);

  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (self->owner, NULL);
  if (position >= _syncobj_row_order_length (self->order))
    return NULL;

  return _syncobj_overlay_get_record (self->overlay, _syncobj_row_order_get (self->order, position));
}

void
_syncobj_collection_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = syncobj_collection_get_item_type;
  iface->get_n_items = syncobj_collection_get_n_items;
  iface->get_item = syncobj_collection_get_item;
}
