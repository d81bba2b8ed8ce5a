/* syncobj-sync-control.c: remote control of a test collection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-private.h"
#include "syncobj-json-util-private.h"
#include "syncobj-sync-control-private.h"
#include "syncobj-test-mutator-private.h"

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

G_DEFINE_FINAL_TYPE (SyncobjSyncControl, syncobj_sync_control, G_TYPE_OBJECT)

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
 * @control: (out) (transfer full) (optional): return location for the
 *   control
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
  SyncobjCollection *collection;

  g_return_val_if_fail (id != NULL, NULL);

  _syncobj_scheduler_set_virtual (scheduler (), TRUE);

  self = g_object_new (SYNCOBJ_TYPE_SYNC_CONTROL, NULL);
  self->sync = SYNCOBJ_SYNC (syncobj_test_sync_new (id, initial_data));
  self->mutator = _syncobj_test_mutator_new (self);

  collection = g_object_new (SYNCOBJ_TYPE_COLLECTION,
                             "id", id,
                             "sync", self->sync,
                             "mutator", self->mutator,
                             "strategy", strategy,
                             NULL);
  if (control != NULL)
    *control = self;
  else
    g_object_unref (self);
  return collection;
}

/**
 * syncobj_test_collection_new:
 * @initial_data: (nullable): the server's records (JSON objects)
 * @strategy: the strategy of the collection
 * @control: (out) (transfer full) (optional): return location for the
 *   control (%NULL: the server answers without a delay; the clock and
 *   failures cannot be driven)
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
 * syncobj_sync_control_set_server_down:
 * @self: a control
 * @down: whether the server is down
 *
 * Takes the server down or brings it back, with the network up: while it
 * is down every persist call fails with %G_IO_ERROR_CONNECTION_REFUSED,
 * a transient failure that spends an attempt and is retried after the
 * retry policy's backoff. With a durable retry policy
 * (syncobj_retry_policy_new_durable()) nothing is rolled back however long
 * the outage lasts; drive it with syncobj_sync_control_advance().
 */
void
syncobj_sync_control_set_server_down (SyncobjSyncControl *self,
                                      gboolean            down)
{
  g_return_if_fail (SYNCOBJ_IS_SYNC_CONTROL (self));
  self->server_down = !!down;
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
 * Moves the virtual clock forward by @ms milliseconds, firing every timer
 * that falls due in order and dispatching the main context in between.
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
