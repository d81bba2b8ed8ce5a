/* syncobj-object-list.c: a plain array of objects as a list model
 *
 * The lists that every transaction has (its mutations; the registry's list
 * of every transaction) change on every write. GListStore keeps a
 * GSequence and notifies n-items on each change, which costs more than the
 * rest of adding a mutation; this list is an array, O(1) to append and to
 * read by position, and emits only ::items-changed.
 *
 * A weak list (the registry's list of collections, which must not keep
 * them alive) holds weak references instead and drops an item, with
 * ::items-changed, when it is finalized.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-private.h"

struct _SyncobjObjectList
{
  GObject    parent_instance;
  GType      item_type;
  GPtrArray *items;     /* strong, or unowned and weakly referenced */
  gboolean   weak;
};

static void syncobj_object_list_model_init (GListModelInterface *iface);

static guint items_changed_signal;

G_DEFINE_FINAL_TYPE_WITH_CODE (SyncobjObjectList, _syncobj_object_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      syncobj_object_list_model_init))

static GType
syncobj_object_list_get_item_type (GListModel *model)
{
  return ((SyncobjObjectList *) model)->item_type;
}

static guint
syncobj_object_list_get_n_items (GListModel *model)
{
  return ((SyncobjObjectList *) model)->items->len;
}

static gpointer
syncobj_object_list_get_item (GListModel *model,
                              guint       position)
{
  SyncobjObjectList *self = (SyncobjObjectList *) model;

  if (position >= self->items->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
syncobj_object_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = syncobj_object_list_get_item_type;
  iface->get_n_items = syncobj_object_list_get_n_items;
  iface->get_item = syncobj_object_list_get_item;
}

static void object_list_item_gone (gpointer  data,
                                   GObject  *where_the_object_was);

static void
syncobj_object_list_finalize (GObject *object)
{
  SyncobjObjectList *self = SYNCOBJ_OBJECT_LIST (object);

  if (self->weak)
    for (guint i = 0; i < self->items->len; i++)
      g_object_weak_unref (g_ptr_array_index (self->items, i),
                           object_list_item_gone, self);
  g_clear_pointer (&self->items, g_ptr_array_unref);

  G_OBJECT_CLASS (_syncobj_object_list_parent_class)->finalize (object);
}

static void
_syncobj_object_list_class_init (SyncobjObjectListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = syncobj_object_list_finalize;
}

/* Most of these lists are never watched; an emission without handlers
 * still costs more than the change itself. */
static void
object_list_items_changed (SyncobjObjectList *self,
                           guint              position,
                           guint              removed,
                           guint              added)
{
  /* Looked up here, where an instance exists: the interface's signals are
   * made when the first class implementing it is. */
  if (G_UNLIKELY (items_changed_signal == 0))
    items_changed_signal = g_signal_lookup ("items-changed", G_TYPE_LIST_MODEL);

  if (g_signal_has_handler_pending (self, items_changed_signal, 0, TRUE))
    g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
}

static void
object_list_item_gone (gpointer  data,
                       GObject  *where_the_object_was)
{
  SyncobjObjectList *self = data;
  guint position;

  if (g_ptr_array_find (self->items, where_the_object_was, &position))
    {
      g_ptr_array_remove_index (self->items, position);
      object_list_items_changed (self, position, 1, 0);
    }
}

static void
_syncobj_object_list_init (SyncobjObjectList *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
}

SyncobjObjectList *
_syncobj_object_list_new (GType item_type)
{
  SyncobjObjectList *self = g_object_new (SYNCOBJ_TYPE_OBJECT_LIST, NULL);

  self->item_type = item_type;
  return self;
}

SyncobjObjectList *
_syncobj_object_list_new_weak (GType item_type)
{
  SyncobjObjectList *self = _syncobj_object_list_new (item_type);

  self->weak = TRUE;
  g_ptr_array_set_free_func (self->items, NULL);
  return self;
}

void
_syncobj_object_list_append (SyncobjObjectList *self,
                             gpointer           item)
{
  if (self->weak)
    {
      g_object_weak_ref (item, object_list_item_gone, self);
      g_ptr_array_add (self->items, item);
    }
  else
    g_ptr_array_add (self->items, g_object_ref (item));
  object_list_items_changed (self, self->items->len - 1, 0, 1);
}

void
_syncobj_object_list_remove_range (SyncobjObjectList *self,
                                   guint              position,
                                   guint              n_items)
{
  g_return_if_fail (position + n_items <= self->items->len);

  if (n_items == 0)
    return;

  if (self->weak)
    for (guint i = position; i < position + n_items; i++)
      g_object_weak_unref (g_ptr_array_index (self->items, i),
                           object_list_item_gone, self);
  g_ptr_array_remove_range (self->items, position, n_items);
  object_list_items_changed (self, position, n_items, 0);
}

gboolean
_syncobj_object_list_find (SyncobjObjectList *self,
                           gpointer           item,
                           guint             *position)
{
  return g_ptr_array_find (self->items, item, position);
}

guint
_syncobj_object_list_get_length (SyncobjObjectList *self)
{
  return self->items->len;
}

gpointer
_syncobj_object_list_peek (SyncobjObjectList *self,
                           guint              position)
{
  g_return_val_if_fail (position < self->items->len, NULL);

  return g_ptr_array_index (self->items, position);
}
