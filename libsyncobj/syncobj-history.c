/* syncobj-history.c: a collection's older finished transactions, read a
 * page at a time from its store
 *
 * The registry keeps the newest finished transactions only
 * (SyncobjRegistry:history-limit); syncobj_history_read_more() appends the
 * next page of the collection's history from its store
 * (syncobj_store_read_history_async()). The transactions the registry
 * holds are in its list already: they are not listed twice, and a page
 * made only of them is followed by the next. The inspector page shows
 * the registry's list with this one below it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "syncobj-private.h"

#include <glib/gi18n-lib.h>

/* Transactions read per page. */
#define PAGE_SIZE 200

struct _SyncobjHistory
{
  GObject       parent_instance;

  GPtrArray    *items;        /* SyncobjTransaction, newest first */
  GHashTable   *shown;        /* ids in @items */
  GWeakRef      collection;
  char         *collection_id;
  SyncobjStore *store;        /* nullable: in memory, or none */
  guint         next_offset;
  gboolean      exhausted;    /* the last page was short */
  GCancellable *cancellable;  /* while a read runs */
};

enum {
  PROP_0,
  PROP_COLLECTION,
  PROP_CAN_READ_MORE,
  PROP_READING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void syncobj_history_list_model_init (GListModelInterface *iface);

/**
 * SyncobjHistory:
 *
 * The finished transactions of a collection older than those the
 * [class@Syncobj.Registry] keeps in memory, read from the collection's
 * store a page at a time, newest first: a [iface@Gio.ListModel] of
 * [class@Syncobj.Transaction].
 *
 * The registry keeps the newest
 * [property@Syncobj.Registry:history-limit] finished transactions, so that
 * a process that runs for days keeps bounded memory; the store keeps every
 * one until [method@Syncobj.Store.prune_async] removes it. A history
 * starts empty; each [method@Syncobj.History.read_more] appends the next
 * 200 that the registry no longer holds, read on the store's thread. A
 * list that shows the registry's transactions of the collection followed
 * by this model shows the whole history, and a "Show older" button is
 * sensitive while [property@Syncobj.History:can-read-more] is %TRUE (the
 * GTK inspector's page does exactly that).
 *
 * The older transactions are made for the page (see
 * [method@Syncobj.Store.read_history_async]): finished, in no collection
 * and not in the registry. A collection without a store on disk has no
 * older history: `can-read-more` stays %FALSE. A page that cannot be read
 * is logged and ends the reading.
 *
 * The history does not keep its collection alive.
 *
 * ```python
 * history = Syncobj.History.new(todos)
 * history.connect('items-changed', lambda h, pos, removed, added: print(h.get_n_items()))
 * history.read_more()
 * ```
 */
G_DEFINE_FINAL_TYPE_WITH_CODE (SyncobjHistory, syncobj_history, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, syncobj_history_list_model_init))

static GType
history_get_item_type (GListModel *model)
{
  return SYNCOBJ_TYPE_TRANSACTION;
}

static guint
history_get_n_items (GListModel *model)
{
  return SYNCOBJ_HISTORY (model)->items->len;
}

static gpointer
history_get_item (GListModel *model,
                  guint       position)
{
  SyncobjHistory *self = SYNCOBJ_HISTORY (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
syncobj_history_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = history_get_item_type;
  iface->get_n_items = history_get_n_items;
  iface->get_item = history_get_item;
}

/* The properties a change may flip, read before it: after it,
 * history_notify_since() notifies those that changed. */
typedef struct
{
  gboolean can_read_more;
  gboolean reading;
} HistoryState;

static HistoryState
history_state (SyncobjHistory *self)
{
  return (HistoryState) { syncobj_history_get_can_read_more (self), syncobj_history_get_reading (self) };
}

static void
history_notify_since (SyncobjHistory *self,
                      HistoryState    before)
{
  HistoryState now = history_state (self);

  if (now.reading != before.reading)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READING]);
  if (now.can_read_more != before.can_read_more)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_READ_MORE]);
}

static void
history_stop (SyncobjHistory *self)
{
  /* A read still running ends as cancelled: see read_cb(). */
  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
    }
}

static void
syncobj_history_dispose (GObject *object)
{
  history_stop (SYNCOBJ_HISTORY (object));

  G_OBJECT_CLASS (syncobj_history_parent_class)->dispose (object);
}

static void
syncobj_history_finalize (GObject *object)
{
  SyncobjHistory *self = SYNCOBJ_HISTORY (object);

  g_ptr_array_unref (self->items);
  g_hash_table_unref (self->shown);
  g_weak_ref_clear (&self->collection);
  g_free (self->collection_id);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (syncobj_history_parent_class)->finalize (object);
}

static void
syncobj_history_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SyncobjHistory *self = SYNCOBJ_HISTORY (object);

  switch (prop_id)
    {
    case PROP_COLLECTION:
      g_value_take_object (value, g_weak_ref_get (&self->collection));
      break;
    case PROP_CAN_READ_MORE:
      g_value_set_boolean (value, syncobj_history_get_can_read_more (self));
      break;
    case PROP_READING:
      g_value_set_boolean (value, syncobj_history_get_reading (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_history_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  SyncobjHistory *self = SYNCOBJ_HISTORY (object);

  switch (prop_id)
    {
    case PROP_COLLECTION:
      syncobj_history_set_collection (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_history_class_init (SyncobjHistoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = syncobj_history_dispose;
  object_class->finalize = syncobj_history_finalize;
  object_class->get_property = syncobj_history_get_property;
  object_class->set_property = syncobj_history_set_property;

  /**
   * SyncobjHistory:collection: (getter get_collection) (setter set_collection)
   *
   * The collection whose older history is listed, or %NULL. Setting
   * another one empties the list and starts again from its newest
   * transactions. It is not kept alive: once it is finalized this reads
   * %NULL, and what was read stays listed.
   */
  properties[PROP_COLLECTION] =
    g_param_spec_object ("collection", NULL, NULL,
                         SYNCOBJ_TYPE_COLLECTION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjHistory:can-read-more: (getter get_can_read_more)
   *
   * Whether [method@Syncobj.History.read_more] would read a page: the
   * collection has a store on disk, no read is running, and the last page
   * read was full (older transactions may be left).
   */
  properties[PROP_CAN_READ_MORE] =
    g_param_spec_boolean ("can-read-more", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjHistory:reading: (getter get_reading)
   *
   * Whether a page is being read.
   */
  properties[PROP_READING] =
    g_param_spec_boolean ("reading", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
syncobj_history_init (SyncobjHistory *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->shown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_weak_ref_init (&self->collection, NULL);
}

/**
 * syncobj_history_new:
 * @collection: (nullable): the collection whose older history is listed
 *
 * Creates an empty history of @collection; call
 * [method@Syncobj.History.read_more] to read its first page.
 *
 * Returns: (transfer full): a new history
 */
SyncobjHistory *
syncobj_history_new (SyncobjCollection *collection)
{
  g_return_val_if_fail (collection == NULL || SYNCOBJ_IS_COLLECTION (collection), NULL);

  return g_object_new (SYNCOBJ_TYPE_HISTORY, "collection", collection, NULL);
}

/**
 * syncobj_history_get_collection: (get-property collection)
 * @self: a history
 *
 * Gets [property@Syncobj.History:collection].
 *
 * Returns: (transfer none) (nullable): the collection, or %NULL when none
 *   is set or it is gone
 */
SyncobjCollection *
syncobj_history_get_collection (SyncobjHistory *self)
{
  g_autoptr(SyncobjCollection) collection = NULL;

  g_return_val_if_fail (SYNCOBJ_IS_HISTORY (self), NULL);

  /* Alive while someone else holds it: the caller's, or the registry's
   * entry of a collection still open. */
  collection = g_weak_ref_get (&self->collection);
  return collection;
}

/**
 * syncobj_history_set_collection: (set-property collection)
 * @self: a history
 * @collection: (nullable): the collection whose older history is listed
 *
 * Sets [property@Syncobj.History:collection]: another collection empties
 * the list, stops a read that runs, and starts again from the newest of
 * its transactions.
 */
void
syncobj_history_set_collection (SyncobjHistory    *self,
                                SyncobjCollection *collection)
{
  SyncobjStore *store = NULL;
  const char *id = NULL;
  HistoryState before;
  guint removed;

  g_return_if_fail (SYNCOBJ_IS_HISTORY (self));
  g_return_if_fail (collection == NULL || SYNCOBJ_IS_COLLECTION (collection));

  if (collection != NULL)
    {
      store = syncobj_collection_get_store (collection);
      id = syncobj_collection_get_id (collection);
      if (store != NULL && !syncobj_store_get_persistent (store))
        store = NULL;
    }
  /* The same history (a collection of the same id and store, made again
   * after the first was finalized): only the property changes. */
  if (g_strcmp0 (id, self->collection_id) == 0 && store == self->store)
    {
      g_autoptr(SyncobjCollection) old = g_weak_ref_get (&self->collection);

      if (old != collection)
        {
          g_weak_ref_set (&self->collection, collection);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COLLECTION]);
        }
      return;
    }

  before = history_state (self);
  history_stop (self);
  removed = self->items->len;
  g_ptr_array_set_size (self->items, 0);
  g_hash_table_remove_all (self->shown);
  g_free (self->collection_id);
  self->collection_id = g_strdup (id);
  g_set_object (&self->store, store);
  g_weak_ref_set (&self->collection, collection);
  self->next_offset = 0;
  self->exhausted = FALSE;

  if (removed > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COLLECTION]);
  history_notify_since (self, before);
}

/**
 * syncobj_history_get_can_read_more: (get-property can-read-more)
 * @self: a history
 *
 * Gets [property@Syncobj.History:can-read-more].
 *
 * Returns: whether [method@Syncobj.History.read_more] would read a page
 */
gboolean
syncobj_history_get_can_read_more (SyncobjHistory *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_HISTORY (self), FALSE);

  return self->store != NULL && self->cancellable == NULL && !self->exhausted;
}

/**
 * syncobj_history_get_reading: (get-property reading)
 * @self: a history
 *
 * Gets [property@Syncobj.History:reading].
 *
 * Returns: whether a page is being read
 */
gboolean
syncobj_history_get_reading (SyncobjHistory *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_HISTORY (self), FALSE);

  return self->cancellable != NULL;
}

static void read_page (SyncobjHistory *self);

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(SyncobjHistory) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) page = syncobj_store_read_history_finish (SYNCOBJ_STORE (source), result, &error);
  SyncobjRegistry *registry = syncobj_registry_get_default ();
  HistoryState before;
  guint position = self->items->len;
  guint n;

  /* Stopped (another collection, or the history is going): a read of
   * this one may run already. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  before = history_state (self);
  g_clear_object (&self->cancellable);
  if (page == NULL)
    {
      g_message (_("Cannot read the history of collection “%s”: %s"), self->collection_id, error->message);
      self->exhausted = TRUE;
      history_notify_since (self, before);
      return;
    }

  n = g_list_model_get_n_items (page);
  self->next_offset += n;
  self->exhausted = n < PAGE_SIZE;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyncobjTransaction) transaction = g_list_model_get_item (page, i);
      const char *id = syncobj_transaction_get_id (transaction);

      /* In the registry's list already, or read before. */
      if (syncobj_registry_lookup_transaction (registry, id) != NULL ||
          !g_hash_table_add (self->shown, g_strdup (id)))
        continue;
      g_ptr_array_add (self->items, g_steal_pointer (&transaction));
    }

  /* Only what the registry holds: the next page has older ones. */
  if (self->items->len == position && !self->exhausted)
    {
      read_page (self);
      return;
    }
  if (self->items->len > position)
    g_list_model_items_changed (G_LIST_MODEL (self), position, 0, self->items->len - position);
  history_notify_since (self, before);
}

static void
read_page (SyncobjHistory *self)
{
  self->cancellable = g_cancellable_new ();
  syncobj_store_read_history_async (self->store, self->collection_id, self->next_offset, PAGE_SIZE,
                                    self->cancellable, read_cb, g_object_ref (self));
}

/**
 * syncobj_history_read_more:
 * @self: a history
 *
 * Reads the next page of the collection's history that the registry no
 * longer holds (200 transactions at most) and appends it to the list.
 * Nothing happens unless [property@Syncobj.History:can-read-more] is
 * %TRUE. [property@Syncobj.History:reading] is %TRUE until the page is
 * listed.
 */
void
syncobj_history_read_more (SyncobjHistory *self)
{
  HistoryState before;

  g_return_if_fail (SYNCOBJ_IS_HISTORY (self));

  if (!syncobj_history_get_can_read_more (self))
    return;
  before = history_state (self);
  read_page (self);
  history_notify_since (self, before);
}
