/* syncobj-object-list.c: a plain array of objects, and its list model
 *
 * The lists that every transaction has (its mutations, its collections;
 * the registry's list of every transaction) change on every write.
 * GListStore keeps a GSequence and notifies n-items on each change, which
 * costs more than the rest of adding a mutation; a GObject per list costs
 * as much again to make and to finalize, for lists that nobody looks at.
 * This list is an array embedded in its owner, O(1) to append, to read by
 * position and to drop the oldest items of (a history: the registry
 * forgets its oldest finished transactions); one item needs no
 * allocation. Its GListModel view (SyncobjObjectListModel) is made when
 * someone asks for it and from then on emits ::items-changed for every
 * change, when someone listens.
 *
 * A weak list (the registry's list of collections, which must not keep
 * them alive) holds weak references instead and drops an item, with
 * ::items-changed, when it is finalized.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-private.h"

#define SYNCOBJ_TYPE_OBJECT_LIST_MODEL (syncobj_object_list_model_get_type ())
G_DECLARE_FINAL_TYPE (SyncobjObjectListModel, syncobj_object_list_model, SYNCOBJ, OBJECT_LIST_MODEL, GObject)

struct _SyncobjObjectListModel
{
  GObject            parent_instance;
  SyncobjObjectList *list;   /* the owner's; @own once the owner let go */
  SyncobjObjectList  own;
};

static void syncobj_object_list_model_iface_init (GListModelInterface *iface);

static guint items_changed_signal;

G_DEFINE_FINAL_TYPE_WITH_CODE (SyncobjObjectListModel, syncobj_object_list_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      syncobj_object_list_model_iface_init))

static GType
syncobj_object_list_model_get_item_type (GListModel *model)
{
  return ((SyncobjObjectListModel *) model)->list->item_type;
}

static guint
syncobj_object_list_model_get_n_items (GListModel *model)
{
  return ((SyncobjObjectListModel *) model)->list->len;
}

static gpointer
syncobj_object_list_model_get_item (GListModel *model,
                                    guint       position)
{
  SyncobjObjectList *list = ((SyncobjObjectListModel *) model)->list;

  if (position >= list->len)
    return NULL;

  return g_object_ref (_syncobj_object_list_peek (list, position));
}

static void
syncobj_object_list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = syncobj_object_list_model_get_item_type;
  iface->get_n_items = syncobj_object_list_model_get_n_items;
  iface->get_item = syncobj_object_list_model_get_item;
}

static void
syncobj_object_list_model_finalize (GObject *object)
{
  SyncobjObjectListModel *self = (SyncobjObjectListModel *) object;   /* no type check: one per write */

  /* The items the owner left to us; we do not hold ourselves. */
  self->own.model = NULL;
  _syncobj_object_list_clear (&self->own);

  ((GObjectClass *) syncobj_object_list_model_parent_class)->finalize (object);
}

static void
syncobj_object_list_model_class_init (SyncobjObjectListModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = syncobj_object_list_model_finalize;
}

static void
syncobj_object_list_model_init (SyncobjObjectListModel *self)
{
}

/* ---- the list ------------------------------------------------------------- */

static inline gpointer *
list_items (SyncobjObjectList *self)
{
  return self->items != NULL ? self->items + self->start : &self->one;
}

/* Most lists are never watched: without a view, or a handler on it, a
 * change reports nothing. */
static void
object_list_items_changed (SyncobjObjectList *self,
                           guint              position,
                           guint              removed,
                           guint              added)
{
  GObject *model = g_atomic_pointer_get (&self->model);

  if (model == NULL)
    return;

  /* Looked up here, where an instance exists: the interface's signals are
   * made when the first class implementing it is. */
  if (G_UNLIKELY (items_changed_signal == 0))
    items_changed_signal = g_signal_lookup ("items-changed", G_TYPE_LIST_MODEL);

  if (g_signal_has_handler_pending (model, items_changed_signal, 0, TRUE))
    g_list_model_items_changed (G_LIST_MODEL (model), position, removed, added);
}

static void object_list_item_gone (gpointer  data,
                                   GObject  *where_the_object_was);

/* Takes @n items out at @position, without letting go of them. */
static void
object_list_cut (SyncobjObjectList *self,
                 guint              position,
                 guint              n)
{
  guint after = self->len - position - n;

  if (self->items == NULL)
    self->one = NULL;
  else if (position == 0)
    self->start += n;
  else if (after == 0)
    ;
  else if (position < after)
    {
      /* Nearer the front (the oldest of a history): the front moves. */
      memmove (self->items + self->start + n, self->items + self->start, position * sizeof (gpointer));
      self->start += n;
    }
  else
    memmove (self->items + self->start + position, self->items + self->start + position + n,
             after * sizeof (gpointer));

  self->len -= n;
  if (self->len == 0)
    self->start = 0;
}

void
_syncobj_object_list_init (SyncobjObjectList *self,
                           GType              item_type)
{
  memset (self, 0, sizeof *self);
  self->item_type = item_type;
}

void
_syncobj_object_list_init_weak (SyncobjObjectList *self,
                                GType              item_type)
{
  _syncobj_object_list_init (self, item_type);
  self->weak = TRUE;
}

/* Lets go of every item, the array stays. */
static void
object_list_release_all (SyncobjObjectList *self)
{
  gpointer *items = list_items (self);

  for (guint i = 0; i < self->len; i++)
    {
      if (self->weak)
        g_object_weak_unref (items[i], object_list_item_gone, self);
      else
        g_object_unref (items[i]);
    }
}

void
_syncobj_object_list_clear (SyncobjObjectList *self)
{
  SyncobjObjectListModel *model = (SyncobjObjectListModel *) g_steal_pointer (&self->model);

  if (model != NULL)
    {
      /* Whoever holds the view keeps seeing the items. */
      SyncobjObjectList *own = &model->own;

      *own = *self;
      own->model = (GObject *) model;   /* unowned: see finalize */
      if (self->weak)
        {
          gpointer *items = list_items (own);

          for (guint i = 0; i < own->len; i++)
            {
              g_object_weak_unref (items[i], object_list_item_gone, self);
              g_object_weak_ref (items[i], object_list_item_gone, own);
            }
        }
      model->list = own;
      g_object_unref (model);
    }
  else
    {
      object_list_release_all (self);
      g_free (self->items);
    }

  self->items = NULL;
  self->one = NULL;
  self->start = self->len = self->alloc = 0;
}

GListModel *
_syncobj_object_list_get_model (SyncobjObjectList *self)
{
  GObject *model = g_atomic_pointer_get (&self->model);

  if (model == NULL)
    {
      SyncobjObjectListModel *made = g_object_new (SYNCOBJ_TYPE_OBJECT_LIST_MODEL, NULL);

      made->list = self;
      model = _syncobj_atomic_publish ((gpointer *) &self->model, made, g_object_unref);
    }

  return G_LIST_MODEL (model);
}

static void
object_list_item_gone (gpointer  data,
                       GObject  *where_the_object_was)
{
  SyncobjObjectList *self = data;
  guint position;

  if (_syncobj_object_list_find (self, where_the_object_was, &position))
    {
      object_list_cut (self, position, 1);
      object_list_items_changed (self, position, 1, 0);
    }
}

void
_syncobj_object_list_append (SyncobjObjectList *self,
                             gpointer           item)
{
  if (self->weak)
    g_object_weak_ref (item, object_list_item_gone, self);
  else
    g_object_ref (item);

  if (self->items == NULL && self->len == 0)
    self->one = item;
  else
    {
      if (self->items == NULL)
        {
          self->alloc = 4;
          self->items = g_new (gpointer, self->alloc);
          self->items[0] = g_steal_pointer (&self->one);
          self->start = 0;
        }
      else if (self->start + self->len == self->alloc)
        {
          /* Half of it or more is a gap left at the front: the items move
           * to the front, each once per as many removals. */
          if (self->start >= self->len)
            {
              memmove (self->items, self->items + self->start, self->len * sizeof (gpointer));
              self->start = 0;
            }
          else
            {
              self->alloc *= 2;
              self->items = g_renew (gpointer, self->items, self->alloc);
            }
        }
      self->items[self->start + self->len] = item;
    }

  self->len++;
  object_list_items_changed (self, self->len - 1, 0, 1);
}

void
_syncobj_object_list_remove_range (SyncobjObjectList *self,
                                   guint              position,
                                   guint              n_items)
{
  gpointer stack[8];
  gpointer *removed;

  g_return_if_fail (position + n_items <= self->len);

  if (n_items == 0)
    return;

  /* The list is whole again before an item is let go (its finalization
   * may look at the list). */
  removed = n_items <= G_N_ELEMENTS (stack) ? stack : g_new (gpointer, n_items);
  memcpy (removed, list_items (self) + position, n_items * sizeof (gpointer));
  object_list_cut (self, position, n_items);

  for (guint i = 0; i < n_items; i++)
    {
      if (self->weak)
        g_object_weak_unref (removed[i], object_list_item_gone, self);
      else
        g_object_unref (removed[i]);
    }
  if (removed != stack)
    g_free (removed);

  object_list_items_changed (self, position, n_items, 0);
}

gboolean
_syncobj_object_list_find (SyncobjObjectList *self,
                           gpointer           item,
                           guint             *position)
{
  gpointer *items = list_items (self);

  for (guint i = 0; i < self->len; i++)
    if (items[i] == item)
      {
        if (position != NULL)
          *position = i;
        return TRUE;
      }

  return FALSE;
}
