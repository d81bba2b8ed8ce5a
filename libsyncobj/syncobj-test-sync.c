/* syncobj-test-sync.c: the test harness of the specification
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-engine-private.h"
#include "syncobj-json-util-private.h"

/* How long the test mutator waits for an echo the test sends by hand. */
#define TEST_ECHO_TIMEOUT_MS 30000

/**
 * SyncobjTestSync:
 *
 * A sync with no server behind it, for tests: it commits its initial data
 * when started and otherwise does what its [class@Syncobj.SyncControl]
 * says.
 *
 * [func@Syncobj.test_collection_new] builds a collection around one,
 * together with a mutator that plays the server.
 */

/**
 * SyncobjSyncControl:
 *
 * Remote control of a test collection (the specification's `syncControl`).
 *
 * The control plays the server: its mutator accepts every persist call
 * after the network delay, unless told to fail, and then echoes what was
 * persisted back through the sync (unless auto-echo is off, in which case
 * the test sends the echo with [method@Syncobj.SyncControl.emit_update]).
 *
 * Time is virtual: creating a test collection switches every timer of
 * libsyncobj (retries, network delays, echo timeouts) to a virtual clock
 * that only [method@Syncobj.SyncControl.advance] moves forward, so tests
 * never sleep.
 */

struct _SyncobjTestSync
{
  SyncobjSync  parent_instance;
  JsonArray   *initial_data;
};

G_DEFINE_FINAL_TYPE (SyncobjTestSync, syncobj_test_sync, SYNCOBJ_TYPE_SYNC)

struct _SyncobjSyncControl
{
  GObject         parent_instance;
  SyncobjSync    *sync;
  SyncobjMutator *mutator;
  guint           network_delay_ms;
  guint           fail_count;
  guint           fail_non_retriable_count;
  guint           persist_count;
  GPtrArray      *persist_log;
  gboolean        offline;
  gboolean        auto_echo;
};

G_DEFINE_FINAL_TYPE (SyncobjSyncControl, syncobj_sync_control, G_TYPE_OBJECT)

/* The server side of the harness: a mutator answering after a delay. */
#define SYNCOBJ_TYPE_TEST_MUTATOR (syncobj_test_mutator_get_type ())
G_DECLARE_FINAL_TYPE (SyncobjTestMutator, syncobj_test_mutator, SYNCOBJ, TEST_MUTATOR, SyncobjMutator)

struct _SyncobjTestMutator
{
  SyncobjMutator      parent_instance;
  SyncobjSyncControl *control;   /* weak */
};

G_DEFINE_FINAL_TYPE (SyncobjTestMutator, syncobj_test_mutator, SYNCOBJ_TYPE_MUTATOR)

/* ---- SyncobjTestSync -------------------------------------------------- */

static void
syncobj_test_sync_start (SyncobjSync *sync)
{
  SyncobjTestSync *self = SYNCOBJ_TEST_SYNC (sync);
  g_autoptr(GError) error = NULL;

  syncobj_sync_begin (sync);
  for (guint i = 0; self->initial_data != NULL && i < json_array_get_length (self->initial_data); i++)
    {
      JsonNode *node = json_array_get_element (self->initial_data, i);

      if (!JSON_NODE_HOLDS_OBJECT (node) ||
          !syncobj_sync_write (sync, SYNCOBJ_MUTATION_TYPE_INSERT, json_node_get_object (node), &error))
        {
          g_autoptr(GError) reported = error != NULL ? g_steal_pointer (&error)
            : g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                           _("Initial record %u is not a JSON object"), i);
          syncobj_sync_mark_error (sync, reported);
        }
    }
  syncobj_sync_commit (sync, NULL);
  syncobj_sync_mark_ready (sync);
}

static void
syncobj_test_sync_finalize (GObject *object)
{
  SyncobjTestSync *self = SYNCOBJ_TEST_SYNC (object);

  g_clear_pointer (&self->initial_data, json_array_unref);

  G_OBJECT_CLASS (syncobj_test_sync_parent_class)->finalize (object);
}

static void
syncobj_test_sync_class_init (SyncobjTestSyncClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = syncobj_test_sync_finalize;
  SYNCOBJ_SYNC_CLASS (klass)->start = syncobj_test_sync_start;
}

static void
syncobj_test_sync_init (SyncobjTestSync *self)
{
}

/**
 * syncobj_test_sync_new:
 * @id: the id of the sync
 * @initial_data: (nullable): records (JSON objects) to commit when started
 *
 * Creates a test sync; a test drives it further through
 * [method@Syncobj.Sync.begin] and friends or a [class@Syncobj.SyncControl].
 *
 * Returns: (transfer full): a new test sync
 */
SyncobjTestSync *
syncobj_test_sync_new (const char *id,
                       JsonArray  *initial_data)
{
  SyncobjTestSync *self = g_object_new (SYNCOBJ_TYPE_TEST_SYNC, "id", id, NULL);

  self->initial_data = initial_data != NULL ? json_array_ref (initial_data) : NULL;
  return self;
}

/* ---- the test mutator ------------------------------------------------- */

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

static gboolean
persist_answer_cb (gpointer data)
{
  Answer *answer = data;

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
  g_task_set_source_tag (answer->task, syncobj_test_mutator_persist_async);

  if (control != NULL)
    {
      control->persist_count++;
      g_ptr_array_add (control->persist_log, g_strdup (syncobj_transaction_get_id (transaction)));

      /* The outcome is decided when the call is made. */
      if (control->offline)
        answer->error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_OFFLINE, _("The network is offline"));
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
      g_autoptr(SyncobjCollection) collection = g_weak_ref_get (&mutation->collection);
      SyncobjSync *sync = collection != NULL ? syncobj_collection_get_sync (collection) : NULL;

      if (sync == NULL)
        continue;
      if (!g_ptr_array_find (syncs, sync, NULL))
        {
          g_ptr_array_add (syncs, g_object_ref (sync));
          syncobj_sync_begin (sync);
        }

      /* The changes (with the key) merge into the server's record. */
      json_object_set_string_member (key_only, syncobj_collection_get_key_member (collection), mutation->key);
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
          g_autoptr(SyncobjCollection) collection = g_weak_ref_get (&mutation->collection);

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

/* ---- SyncobjSyncControl ------------------------------------------------ */

static SyncobjScheduler *
scheduler (void)
{
  return _syncobj_scheduler_get_default ();
}

/**
 * syncobj_test_collection_new_for_id:
 * @id: the id of the collection
 * @initial_data: (nullable): the server's records (JSON objects)
 * @strategy: the strategy of the collection
 * @control: (out) (transfer full): return location for the control
 *
 * Like [func@Syncobj.test_collection_new], with a chosen id (to reopen the
 * transactions of a store, for instance).
 *
 * Returns: (transfer full): a ready collection
 */
SyncobjCollection *
syncobj_test_collection_new_for_id (const char          *id,
                                    JsonArray           *initial_data,
                                    SyncobjStrategy      strategy,
                                    SyncobjSyncControl **control)
{
  SyncobjSyncControl *self;
  SyncobjTestMutator *mutator;
  SyncobjCollection *collection;

  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (control != NULL, NULL);

  _syncobj_scheduler_set_virtual (scheduler (), TRUE);

  self = g_object_new (SYNCOBJ_TYPE_SYNC_CONTROL, NULL);
  self->sync = SYNCOBJ_SYNC (syncobj_test_sync_new (id, initial_data));
  mutator = g_object_new (SYNCOBJ_TYPE_TEST_MUTATOR, NULL);
  g_set_weak_pointer (&mutator->control, self);
  self->mutator = SYNCOBJ_MUTATOR (mutator);

  collection = g_object_new (SYNCOBJ_TYPE_COLLECTION,
                             "id", id,
                             "sync", self->sync,
                             "mutator", self->mutator,
                             "strategy", strategy,
                             NULL);
  *control = self;
  return collection;
}

/**
 * syncobj_test_collection_new:
 * @initial_data: (nullable): the server's records (JSON objects)
 * @strategy: the strategy of the collection
 * @control: (out) (transfer full): return location for the control
 *
 * Creates a collection over a [class@Syncobj.TestSync] whose initial data
 * is committed and ready at once, with a mutator that plays the server, and
 * switches libsyncobj's timers to the virtual clock (the specification's
 * `createTestCollection`).
 *
 * Returns: (transfer full): a ready collection with a unique id
 */
SyncobjCollection *
syncobj_test_collection_new (JsonArray           *initial_data,
                             SyncobjStrategy      strategy,
                             SyncobjSyncControl **control)
{
  static guint counter;
  g_autofree char *id = g_strdup_printf ("test-collection-%u", ++counter);

  return syncobj_test_collection_new_for_id (id, initial_data, strategy, control);
}

/**
 * syncobj_test_collection_new_from_json:
 * @initial_json: (nullable): the server's records as JSON text, an array
 *   of objects: `[{"id": "a", …}, …]`
 * @strategy: the strategy of the collection
 * @control: (out) (transfer full) (optional): return location for the
 *   control
 * @error: return location for an error
 *
 * Like [func@Syncobj.test_collection_new], with the initial data as JSON
 * text: the handy form from GJS, where building a #JsonArray takes a
 * detour through `Json.from_string()`.
 *
 * Returns: (transfer full) (nullable): a ready collection with a unique
 *   id; %NULL with %SYNCOBJ_ERROR_PARSE naming what is wrong when
 *   @initial_json is not an array of records with a key
 */
SyncobjCollection *
syncobj_test_collection_new_from_json (const char          *initial_json,
                                       SyncobjStrategy      strategy,
                                       SyncobjSyncControl **control,
                                       GError             **error)
{
  g_autoptr(SyncobjSyncControl) self = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_new (NULL, strategy, &self);

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (initial_json != NULL && !syncobj_sync_load_json_array (self->sync, initial_json, -1, error))
    return NULL;

  if (control != NULL)
    *control = g_steal_pointer (&self);
  return g_steal_pointer (&collection);
}

/**
 * syncobj_sync_control_get_sync:
 * @self: a control
 *
 * Gets the test sync this control drives.
 *
 * Returns: (transfer none): the test sync
 */
SyncobjSync *
syncobj_sync_control_get_sync (SyncobjSyncControl *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_SYNC_CONTROL (self), NULL);
  return self->sync;
}

/**
 * syncobj_sync_control_get_mutator:
 * @self: a control
 *
 * Gets the mutator that plays the server: give it to the collection.
 *
 * Returns: (transfer none): the mutator that plays the server
 */
SyncobjMutator *
syncobj_sync_control_get_mutator (SyncobjSyncControl *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_SYNC_CONTROL (self), NULL);
  return self->mutator;
}

/* Takes @value. */
static void
control_emit (SyncobjSyncControl  *self,
              SyncobjMutationType  type,
              JsonObject          *value)
{
  g_autoptr(JsonObject) owned = value;
  g_autoptr(GError) error = NULL;

  syncobj_sync_begin (self->sync);
  if (!syncobj_sync_write (self->sync, type, value, &error))
    g_critical ("emit_update: %s", error->message);
  syncobj_sync_commit (self->sync, NULL);
}

/**
 * syncobj_sync_control_emit_update:
 * @self: a control
 * @value: the server's record; members merge into the synced record (or
 *   create it)
 *
 * Sends one server change through the sync, as one commit (the
 * specification's `emitUpdate`). @value must hold the key member.
 */
void
syncobj_sync_control_emit_update (SyncobjSyncControl *self,
                                  JsonObject         *value)
{
  g_return_if_fail (SYNCOBJ_IS_SYNC_CONTROL (self));
  g_return_if_fail (value != NULL);

  control_emit (self, SYNCOBJ_MUTATION_TYPE_UPDATE, _syncobj_json_copy (value));
}

/**
 * syncobj_sync_control_emit_delete:
 * @self: a control
 * @key: the key of the server's record
 *
 * Sends the deletion of one record through the sync, as one commit.
 */
void
syncobj_sync_control_emit_delete (SyncobjSyncControl *self,
                                  const char         *key)
{
  g_autoptr(JsonObject) value = json_object_new ();
  SyncobjCollection *collection;

  g_return_if_fail (SYNCOBJ_IS_SYNC_CONTROL (self));
  g_return_if_fail (key != NULL);

  collection = syncobj_sync_get_collection (self->sync);
  json_object_set_string_member (value, collection != NULL ? syncobj_collection_get_key_member (collection) : "id", key);
  control_emit (self, SYNCOBJ_MUTATION_TYPE_DELETE, g_steal_pointer (&value));
}

/**
 * syncobj_sync_control_emit_json:
 * @self: a control
 * @json: change messages, see [method@Syncobj.Sync.apply_json]
 * @error: return location for an error
 *
 * Sends server changes as JSON messages, in one commit.
 *
 * Returns: %TRUE on success; %FALSE with %SYNCOBJ_ERROR_PARSE for a
 *   malformed message, and nothing applied
 */
gboolean
syncobj_sync_control_emit_json (SyncobjSyncControl  *self,
                                const char          *json,
                                GError             **error)
{
  g_return_val_if_fail (SYNCOBJ_IS_SYNC_CONTROL (self), FALSE);

  return syncobj_sync_apply_json (self->sync, json, -1, error);
}

/**
 * syncobj_sync_control_set_network_delay:
 * @self: a control
 * @delay_ms: virtual milliseconds before the server answers
 *
 * Sets how long each persist call, and each echo, takes (the
 * specification's `setNetworkDelay`).
 */
void
syncobj_sync_control_set_network_delay (SyncobjSyncControl *self,
                                        guint               delay_ms)
{
  g_return_if_fail (SYNCOBJ_IS_SYNC_CONTROL (self));
  self->network_delay_ms = delay_ms;
}

/**
 * syncobj_sync_control_get_network_delay:
 * @self: a control
 *
 * Gets how long the pretend server takes to answer a persist call.
 *
 * Returns: the network delay in milliseconds
 */
guint
syncobj_sync_control_get_network_delay (SyncobjSyncControl *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_SYNC_CONTROL (self), 0);
  return self->network_delay_ms;
}

/**
 * syncobj_sync_control_fail_next_persist:
 * @self: a control
 *
 * Makes the next persist call fail with a retriable error (the
 * specification's `failNextPersist`).
 */
void
syncobj_sync_control_fail_next_persist (SyncobjSyncControl *self)
{
  syncobj_sync_control_fail_next_persists (self, 1);
}

/**
 * syncobj_sync_control_fail_next_persists:
 * @self: a control
 * @count: how many persist calls fail
 *
 * Makes the next @count persist calls fail with a retriable error.
 */
void
syncobj_sync_control_fail_next_persists (SyncobjSyncControl *self,
                                         guint               count)
{
  g_return_if_fail (SYNCOBJ_IS_SYNC_CONTROL (self));
  self->fail_count += count;
}

/**
 * syncobj_sync_control_fail_next_persist_non_retriable:
 * @self: a control
 *
 * Makes the next persist call fail with %SYNCOBJ_ERROR_NON_RETRIABLE.
 */
void
syncobj_sync_control_fail_next_persist_non_retriable (SyncobjSyncControl *self)
{
  g_return_if_fail (SYNCOBJ_IS_SYNC_CONTROL (self));
  self->fail_non_retriable_count++;
}

/**
 * syncobj_sync_control_set_offline:
 * @self: a control
 * @offline: whether the network is down
 *
 * Takes the network down or brings it back. While it is down no persist
 * attempt starts and scheduled retries wait; none is spent. When it comes
 * back, waiting work resumes at once.
 */
void
syncobj_sync_control_set_offline (SyncobjSyncControl *self,
                                  gboolean            offline)
{
  g_return_if_fail (SYNCOBJ_IS_SYNC_CONTROL (self));

  self->offline = !!offline;
  _syncobj_scheduler_set_online (scheduler (), !offline);
}

/**
 * syncobj_sync_control_set_auto_echo:
 * @self: a control
 * @auto_echo: whether persisted changes come back through the sync by
 *   themselves
 *
 * With auto-echo (the default), a persisted transaction's changes are
 * written back through the sync after the network delay, which completes
 * it. Without, the transaction stays `persisted_awaiting_sync` until the
 * test emits an update for each of its keys, or until 30 s of virtual
 * time have passed: then the wait is logged as timed out and the
 * transaction completes, as with any mutator whose echo does not come.
 */
void
syncobj_sync_control_set_auto_echo (SyncobjSyncControl *self,
                                    gboolean            auto_echo)
{
  g_return_if_fail (SYNCOBJ_IS_SYNC_CONTROL (self));
  self->auto_echo = !!auto_echo;
}

/**
 * syncobj_sync_control_advance:
 * @self: a control
 * @ms: virtual milliseconds
 *
 * Moves the virtual clock forward by @ms, firing every timer that falls
 * due in order and dispatching the main context in between.
 */
void
syncobj_sync_control_advance (SyncobjSyncControl *self,
                              guint               ms)
{
  g_return_if_fail (SYNCOBJ_IS_SYNC_CONTROL (self));
  _syncobj_scheduler_advance (scheduler (), ms);
}

/**
 * syncobj_sync_control_run_pending:
 * @self: a control
 *
 * Dispatches everything that is ready on the main context, without moving
 * the clock: the work that needs no time.
 */
void
syncobj_sync_control_run_pending (SyncobjSyncControl *self)
{
  g_return_if_fail (SYNCOBJ_IS_SYNC_CONTROL (self));
  _syncobj_scheduler_run_pending (scheduler ());
}

/**
 * syncobj_sync_control_get_now:
 * @self: a control
 *
 * Gets the current virtual time, which only
 * [method@Syncobj.SyncControl.advance] moves.
 *
 * Returns: the virtual time, in microseconds since the epoch
 */
gint64
syncobj_sync_control_get_now (SyncobjSyncControl *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_SYNC_CONTROL (self), 0);
  return _syncobj_scheduler_now (scheduler ());
}

/**
 * syncobj_sync_control_get_persist_count:
 * @self: a control
 *
 * Counts the persist calls the pretend server received, retries included.
 *
 * Returns: how many persist calls were made
 */
guint
syncobj_sync_control_get_persist_count (SyncobjSyncControl *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_SYNC_CONTROL (self), 0);
  return self->persist_count;
}

/**
 * syncobj_sync_control_get_persist_log:
 * @self: a control
 *
 * Lists the persist calls the pretend server received.
 *
 * Returns: (transfer full) (array zero-terminated=1): the transaction id of
 *   every persist call, in call order (a retried transaction appears once
 *   per attempt)
 */
char **
syncobj_sync_control_get_persist_log (SyncobjSyncControl *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (SYNCOBJ_IS_SYNC_CONTROL (self), NULL);

  for (guint i = 0; i < self->persist_log->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (self->persist_log, i));
  return g_strv_builder_end (builder);
}

static void
syncobj_sync_control_finalize (GObject *object)
{
  SyncobjSyncControl *self = SYNCOBJ_SYNC_CONTROL (object);

  g_clear_object (&self->sync);
  g_clear_object (&self->mutator);
  g_clear_pointer (&self->persist_log, g_ptr_array_unref);

  G_OBJECT_CLASS (syncobj_sync_control_parent_class)->finalize (object);
}

static void
syncobj_sync_control_class_init (SyncobjSyncControlClass *klass)
{
  _syncobj_ensure_i18n ();
  G_OBJECT_CLASS (klass)->finalize = syncobj_sync_control_finalize;
}

static void
syncobj_sync_control_init (SyncobjSyncControl *self)
{
  self->persist_log = g_ptr_array_new_with_free_func (g_free);
  self->auto_echo = TRUE;
}
