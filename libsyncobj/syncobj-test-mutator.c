/* syncobj-test-mutator.c: the server side of the test harness
 *
 * The mutator of a test collection: it answers persist calls after the
 * network delay of its [class@Syncobj.SyncControl], fails them when told
 * to, and echoes what it persisted back through the sync.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-collection-private.h"
#include "syncobj-json-util-private.h"
#include "syncobj-sync-control-private.h"
#include "syncobj-test-mutator-private.h"

/* How long the test mutator waits for an echo the test sends by hand. */
#define TEST_ECHO_TIMEOUT_MS 30000

struct _SyncobjTestMutator
{
  SyncobjMutator      parent_instance;
  SyncobjSyncControl *control;   /* weak */
};

G_DEFINE_FINAL_TYPE (SyncobjTestMutator, syncobj_test_mutator, SYNCOBJ_TYPE_MUTATOR)

typedef struct
{
  GTask              *task;
  SyncobjTransaction *transaction;
  GError             *error;
} Answer;

static void
answer_free (gpointer data)
{
  Answer *answer = data;

  g_clear_object (&answer->task);
  g_clear_object (&answer->transaction);
  g_clear_error (&answer->error);
  g_free (answer);
}

/* The server assigns integer keys, as a SERIAL column would, to records
 * inserted without one; the answer brings the record as created. */
static void
assign_server_keys (SyncobjSyncControl *control,
                    SyncobjTransaction *transaction)
{
  GListModel *mutations = syncobj_transaction_get_mutations (transaction);

  for (guint i = 0; i < g_list_model_get_n_items (mutations); i++)
    {
      g_autoptr(SyncobjPendingMutation) mutation = g_list_model_get_item (mutations, i);
      g_autoptr(SyncobjCollection) collection = _syncobj_weak_get (mutation->collection);
      g_autoptr(JsonObject) key_only = json_object_new ();
      g_autoptr(JsonObject) created = NULL;
      g_autoptr(GError) error = NULL;
      char key[SYNCOBJ_INT_KEY_SIZE];

      if (collection == NULL || mutation->type != SYNCOBJ_MUTATION_TYPE_INSERT ||
          !g_str_has_prefix (mutation->key, SYNCOBJ_TEMPORARY_KEY_PREFIX))
        continue;

      do
        control->last_server_key++;
      while (syncobj_collection_contains (collection, _syncobj_json_int_key (control->last_server_key, key)));

      json_object_set_int_member (key_only, syncobj_collection_get_key_member (collection), control->last_server_key);
      created = _syncobj_json_merge (mutation->changes, key_only);
      if (!_syncobj_collection_assign_key (collection, mutation, created, &error))
        g_debug ("Test server: %s", error->message);
    }
}

static gboolean
persist_answer_cb (gpointer data)
{
  Answer *answer = data;
  SyncobjTestMutator *self = g_task_get_source_object (answer->task);

  if (answer->error == NULL && self->control != NULL)
    assign_server_keys (self->control, answer->transaction);

  if (answer->error != NULL)
    g_task_return_error (answer->task, g_steal_pointer (&answer->error));
  else
    g_task_return_boolean (answer->task, TRUE);

  return G_SOURCE_REMOVE;
}

static void
syncobj_test_mutator_persist_async (SyncobjMutator      *mutator,
                                    SyncobjTransaction  *transaction,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  SyncobjTestMutator *self = SYNCOBJ_TEST_MUTATOR (mutator);
  SyncobjSyncControl *control = self->control;
  Answer *answer = g_new0 (Answer, 1);
  guint delay = control != NULL ? control->network_delay_ms : 0;

  answer->task = g_task_new (self, cancellable, callback, user_data);
  answer->transaction = g_object_ref (transaction);
  g_task_set_source_tag (answer->task, syncobj_test_mutator_persist_async);

  if (control != NULL)
    {
      control->persist_count++;
      g_ptr_array_add (control->persist_log, g_strdup (syncobj_transaction_get_id (transaction)));

      /* The outcome is decided when the call is made. */
      if (control->offline)
        answer->error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_OFFLINE, _("The network is offline"));
      else if (control->server_down)
        answer->error = g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                                     _("Could not connect to the simulated server: Connection refused"));
      else if (control->fail_non_retriable_count > 0)
        {
          control->fail_non_retriable_count--;
          answer->error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_NON_RETRIABLE,
                                       _("Simulated non-retriable failure of transaction %s"),
                                       syncobj_transaction_get_id (transaction));
        }
      else if (control->fail_count > 0)
        {
          control->fail_count--;
          answer->error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_FAILED,
                                       _("Simulated failure of transaction %s"),
                                       syncobj_transaction_get_id (transaction));
        }
    }

  _syncobj_scheduler_add (_syncobj_scheduler_get_default (), delay, persist_answer_cb, answer, answer_free);
}

static gboolean
syncobj_test_mutator_persist_finish (SyncobjMutator  *mutator,
                                     GAsyncResult    *result,
                                     GError         **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The echo: what the server now holds, written back through the sync. */
static gboolean
echo_cb (gpointer data)
{
  Answer *answer = data;
  GListModel *mutations = syncobj_transaction_get_mutations (answer->transaction);
  guint n = g_list_model_get_n_items (mutations);
  g_autoptr(GPtrArray) syncs = g_ptr_array_new_with_free_func (g_object_unref);

  /* Each mutation comes back through the sync of its own collection: a
   * transaction may span several. */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyncobjPendingMutation) mutation = g_list_model_get_item (mutations, i);
      g_autoptr(JsonObject) key_only = json_object_new ();
      g_autoptr(JsonObject) value = NULL;
      g_autoptr(SyncobjCollection) collection = _syncobj_weak_get (mutation->collection);
      SyncobjSync *sync = collection != NULL ? syncobj_collection_get_sync (collection) : NULL;
      JsonObject *known;

      if (sync == NULL)
        continue;
      if (!g_ptr_array_find (syncs, sync, NULL))
        {
          g_ptr_array_add (syncs, g_object_ref (sync));
          syncobj_sync_begin (sync);
        }

      /* The changes (with the key) merge into the server's record. */
      known = mutation->modified != NULL ? mutation->modified : mutation->original;
      _syncobj_json_set_key (key_only, syncobj_collection_get_key_member (collection), mutation->key,
                             known != NULL && _syncobj_json_key_is_int (known, syncobj_collection_get_key_member (collection)));
      value = _syncobj_json_merge (key_only, mutation->changes);
      /* A replacing update comes back as the whole record. */
      syncobj_sync_write (sync, mutation->replaces ? SYNCOBJ_MUTATION_TYPE_INSERT : mutation->type, value, NULL);
    }
  for (guint i = 0; i < syncs->len; i++)
    syncobj_sync_commit (g_ptr_array_index (syncs, i), NULL);

  g_task_return_boolean (answer->task, TRUE);
  return G_SOURCE_REMOVE;
}

static void
echo_waited_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (syncobj_sync_wait_for_keys_finish (SYNCOBJ_SYNC (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
syncobj_test_mutator_await_sync_async (SyncobjMutator      *mutator,
                                       SyncobjTransaction  *transaction,
                                       SyncobjSync         *sync,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  SyncobjTestMutator *self = SYNCOBJ_TEST_MUTATOR (mutator);
  SyncobjSyncControl *control = self->control;
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, syncobj_test_mutator_await_sync_async);

  if (control == NULL || sync == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (control->auto_echo)
    {
      Answer *answer = g_new0 (Answer, 1);

      answer->task = g_steal_pointer (&task);
      answer->transaction = g_object_ref (transaction);
      _syncobj_scheduler_add (_syncobj_scheduler_get_default (), control->network_delay_ms,
                              echo_cb, answer, answer_free);
    }
  else
    {
      GListModel *mutations = syncobj_transaction_get_mutations (transaction);
      guint n = g_list_model_get_n_items (mutations);
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_auto(GStrv) keys = NULL;

      /* Only the keys of @sync's collection come back through it. */
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(SyncobjPendingMutation) mutation = g_list_model_get_item (mutations, i);
          g_autoptr(SyncobjCollection) collection = _syncobj_weak_get (mutation->collection);

          if (collection == syncobj_sync_get_collection (sync))
            g_strv_builder_add (builder, mutation->key);
        }
      keys = g_strv_builder_end (builder);

      /* As a real mutator would, it gives up after a while: the
       * transaction then completes anyway (the server has it). */
      syncobj_sync_wait_for_keys_async (sync, (const char * const *) keys, TEST_ECHO_TIMEOUT_MS, cancellable,
                                        echo_waited_cb, g_steal_pointer (&task));
    }
}

static gboolean
syncobj_test_mutator_await_sync_finish (SyncobjMutator  *mutator,
                                        GAsyncResult    *result,
                                        GError         **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
syncobj_test_mutator_dispose (GObject *object)
{
  SyncobjTestMutator *self = SYNCOBJ_TEST_MUTATOR (object);

  g_clear_weak_pointer (&self->control);

  G_OBJECT_CLASS (syncobj_test_mutator_parent_class)->dispose (object);
}

static void
syncobj_test_mutator_class_init (SyncobjTestMutatorClass *klass)
{
  SyncobjMutatorClass *mutator_class = SYNCOBJ_MUTATOR_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = syncobj_test_mutator_dispose;
  mutator_class->persist_async = syncobj_test_mutator_persist_async;
  mutator_class->persist_finish = syncobj_test_mutator_persist_finish;
  mutator_class->await_sync_async = syncobj_test_mutator_await_sync_async;
  mutator_class->await_sync_finish = syncobj_test_mutator_await_sync_finish;
}

static void
syncobj_test_mutator_init (SyncobjTestMutator *self)
{
}

SyncobjMutator *
_syncobj_test_mutator_new (SyncobjSyncControl *control)
{
  SyncobjTestMutator *self = g_object_new (SYNCOBJ_TYPE_TEST_MUTATOR, NULL);

  g_set_weak_pointer (&self->control, control);
  return SYNCOBJ_MUTATOR (self);
}
