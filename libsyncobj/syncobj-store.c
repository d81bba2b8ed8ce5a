/* syncobj-store.c: the durable transaction log
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-engine-private.h"

/**
 * SyncobjStore:
 *
 * Where transactions are written so that they survive a restart.
 */

struct _SyncobjStore
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (SyncobjStore, syncobj_store, G_TYPE_OBJECT)

/**
 * syncobj_store_new_in_memory:
 *
 * Creates a store that keeps nothing across restarts, for tests.
 *
 * Returns: (transfer full): a new store
 */
SyncobjStore *
syncobj_store_new_in_memory (void)
{
  return g_object_new (SYNCOBJ_TYPE_STORE, NULL);
}

void
_syncobj_store_save_async (SyncobjStore        *self,
                           SyncobjTransaction  *transaction,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);

  g_task_return_boolean (task, TRUE);
}

gboolean
_syncobj_store_save_finish (SyncobjStore  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
_syncobj_store_transaction_changed (SyncobjStore       *self,
                                    SyncobjTransaction *transaction)
{
}

static void
syncobj_store_class_init (SyncobjStoreClass *klass)
{
}

static void
syncobj_store_init (SyncobjStore *self)
{
}
