/* syncobj-inspector-history.c: the older history the inspector page
 * reads from a collection's store
 *
 * The registry keeps the newest finished transactions only
 * (SyncobjRegistry:history-limit); "Show older" appends the next page of
 * the selected collection's history from its store
 * (syncobj_store_read_history_async()), below the registry's list. The
 * transactions the registry holds are in its list already: they are not
 * appended twice, and a page made only of them is followed by the next.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "syncobj-inspector-history-private.h"

/* Transactions read per page. */
#define PAGE_SIZE 200

struct _SyncobjInspectorHistory
{
  GListStore                  *older;      /* SyncobjTransaction */
  GHashTable                  *shown;      /* ids in @older */
  char                        *collection_id;
  SyncobjStore                *store;      /* nullable: in memory, or none */
  guint                        next_offset;
  gboolean                     exhausted;  /* the last page was short */
  GCancellable                *cancellable; /* while a read runs */
  SyncobjInspectorHistoryFunc  changed;
  gpointer                     user_data;
};

SyncobjInspectorHistory *
syncobj_inspector_history_new (SyncobjInspectorHistoryFunc changed,
                               gpointer                    user_data)
{
  SyncobjInspectorHistory *self = g_new0 (SyncobjInspectorHistory, 1);

  self->older = g_list_store_new (SYNCOBJ_TYPE_TRANSACTION);
  self->shown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->changed = changed;
  self->user_data = user_data;
  return self;
}

static void
history_stop (SyncobjInspectorHistory *self)
{
  /* A read still running finds its history gone: see read_cb(). */
  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
    }
}

void
syncobj_inspector_history_free (SyncobjInspectorHistory *self)
{
  if (self == NULL)
    return;
  history_stop (self);
  g_clear_object (&self->older);
  g_hash_table_unref (self->shown);
  g_free (self->collection_id);
  g_clear_object (&self->store);
  g_free (self);
}

GListModel *
syncobj_inspector_history_get_model (SyncobjInspectorHistory *self)
{
  return G_LIST_MODEL (self->older);
}

void
syncobj_inspector_history_set_collection (SyncobjInspectorHistory *self,
                                          SyncobjCollection       *collection)
{
  SyncobjStore *store = collection != NULL ? syncobj_collection_get_store (collection) : NULL;
  const char *id = collection != NULL ? syncobj_collection_get_id (collection) : NULL;

  if (store != NULL && !syncobj_store_get_persistent (store))
    store = NULL;
  if (g_strcmp0 (id, self->collection_id) == 0 && store == self->store)
    return;

  history_stop (self);
  g_list_store_remove_all (self->older);
  g_hash_table_remove_all (self->shown);
  g_free (self->collection_id);
  self->collection_id = g_strdup (id);
  g_set_object (&self->store, store);
  self->next_offset = 0;
  self->exhausted = FALSE;
}

gboolean
syncobj_inspector_history_can_read (SyncobjInspectorHistory *self)
{
  return self->store != NULL && self->cancellable == NULL && !self->exhausted;
}

static void read_page (SyncobjInspectorHistory *self);

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  SyncobjInspectorHistory *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) page = syncobj_store_read_history_finish (SYNCOBJ_STORE (source), result, &error);
  SyncobjRegistry *registry = syncobj_registry_get_default ();
  g_autoptr(GPtrArray) added = g_ptr_array_new ();
  guint n;

  /* Stopped (another collection, or the page is gone): @self may be too. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);
  if (page == NULL)
    {
      g_message ("Cannot read the history of collection “%s”: %s", self->collection_id, error->message);
      self->exhausted = TRUE;
      self->changed (self->user_data);
      return;
    }

  n = g_list_model_get_n_items (page);
  self->next_offset += n;
  self->exhausted = n < PAGE_SIZE;
  for (guint i = 0; i < n; i++)
    {
      SyncobjTransaction *transaction = g_list_model_get_item (page, i);
      const char *id = syncobj_transaction_get_id (transaction);

      /* In the registry's list already, or read before. */
      if (syncobj_registry_lookup_transaction (registry, id) != NULL ||
          !g_hash_table_add (self->shown, g_strdup (id)))
        {
          g_object_unref (transaction);
          continue;
        }
      g_ptr_array_add (added, transaction);
    }
  g_list_store_splice (self->older, g_list_model_get_n_items (G_LIST_MODEL (self->older)), 0,
                       added->pdata, added->len);
  g_ptr_array_foreach (added, (GFunc) g_object_unref, NULL);

  /* Only what the registry holds: the next page has older ones. */
  if (added->len == 0 && !self->exhausted)
    {
      read_page (self);
      return;
    }
  self->changed (self->user_data);
}

static void
read_page (SyncobjInspectorHistory *self)
{
  self->cancellable = g_cancellable_new ();
  syncobj_store_read_history_async (self->store, self->collection_id, self->next_offset, PAGE_SIZE,
                                    self->cancellable, read_cb, self);
}

void
syncobj_inspector_history_read_more (SyncobjInspectorHistory *self)
{
  if (!syncobj_inspector_history_can_read (self))
    return;
  read_page (self);
  self->changed (self->user_data);
}
