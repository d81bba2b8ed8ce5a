/* syncobj-http-mutator-await.c: a persisted transaction of a
 * SyncobjHttpMutator waits for the echo of its changes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-http-mutator-private.h"
#include "syncobj-transaction-private.h"

static GQuark
echo_info_quark (void)
{
  static GQuark quark;

  if (quark == 0)
    quark = g_quark_from_static_string ("syncobj-http-mutator-echo");
  return quark;
}

static void
echo_info_free (gpointer data)
{
  EchoInfo *info = data;

  g_clear_pointer (&info->watch, _syncobj_http_echo_watch_free);
  g_clear_pointer (&info->no_echo, g_hash_table_unref);
  g_free (info);
}

static void
echo_info_state_cb (SyncobjTransaction *transaction,
                    GParamSpec         *pspec,
                    EchoInfo           *info)
{
  /* A failed transaction has nothing to wait for. */
  if (syncobj_transaction_get_state (transaction) == SYNCOBJ_TRANSACTION_STATE_FAILED)
    g_clear_pointer (&info->watch, _syncobj_http_echo_watch_free);
}

EchoInfo *
_syncobj_http_mutator_echo_info (SyncobjTransaction *transaction)
{
  EchoInfo *info = g_object_get_qdata (G_OBJECT (transaction), echo_info_quark ());

  if (info == NULL)
    {
      info = g_new0 (EchoInfo, 1);
      info->no_echo = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_object_set_qdata_full (G_OBJECT (transaction), echo_info_quark (), info, echo_info_free);
      info->state_handler = g_signal_connect (transaction, "notify::state",
                                              G_CALLBACK (echo_info_state_cb), info);
    }
  return info;
}

static void
await_echo_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyncobjTransaction *transaction = g_task_get_task_data (task);
  EchoInfo *info = _syncobj_http_mutator_echo_info (transaction);
  GError *error = NULL;
  gboolean ok;

  if (source != NULL)
    ok = syncobj_sync_wait_for_keys_finish (SYNCOBJ_SYNC (source), result, &error);
  else
    ok = _syncobj_http_echo_watch_wait_finish (result, &error);

  g_clear_pointer (&info->watch, _syncobj_http_echo_watch_free);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
_syncobj_http_mutator_await_sync_async (SyncobjMutator      *mutator,
                                        SyncobjTransaction  *transaction,
                                        SyncobjSync         *sync,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  SyncobjHttpMutator *self = SYNCOBJ_HTTP_MUTATOR (mutator);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  GListModel *mutations = syncobj_transaction_get_mutations (transaction);
  SyncobjCollection *collection;
  EchoInfo *info = _syncobj_http_mutator_echo_info (transaction);

  g_task_set_source_tag (task, _syncobj_http_mutator_await_sync_async);
  g_task_set_task_data (task, g_object_ref (transaction), g_object_unref);

  if (info->watch != NULL)
    {
      _syncobj_http_echo_watch_wait_async (info->watch, self->sync_timeout_ms, cancellable,
                                           await_echo_cb, g_steal_pointer (&task));
      return;
    }

  if (sync == NULL || _syncobj_http_echoes_of (sync) != NULL || !self->await_echo)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* Another kind of sync: wait for any change of the keys from now on. */
  collection = syncobj_sync_get_collection (sync);
  for (guint i = 0; i < g_list_model_get_n_items (mutations); i++)
    {
      g_autoptr(SyncobjPendingMutation) mutation = g_list_model_get_item (mutations, i);
      g_autoptr(SyncobjCollection) mutation_collection = _syncobj_weak_get (mutation->collection);

      if (mutation_collection == collection &&
          !g_hash_table_contains (info->no_echo, _syncobj_pending_mutation_peek_id (mutation)))
        g_ptr_array_add (keys, g_strdup (mutation->key));
    }

  if (keys->len == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  g_ptr_array_add (keys, NULL);
  syncobj_sync_wait_for_keys_async (sync, (const char * const *) keys->pdata, self->sync_timeout_ms,
                                    cancellable, await_echo_cb, g_steal_pointer (&task));
}
