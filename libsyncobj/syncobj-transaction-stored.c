/* syncobj-transaction-stored.c: a transaction's durable form, both ways
 *
 * What the store keeps of a transaction (a SyncobjStoredTransaction
 * snapshot, written on its writer thread), and the transaction rebuilt
 * from such a snapshot after a restart, through the SyncobjRecoveryOps
 * that syncobj-recovery.c calls: restored writes, writes parked until
 * their collection opens, its place back in the queues and the
 * resumption of an interrupted persist.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-transaction-fields-private.h"
#include "syncobj-retry-policy-private.h"
#include "syncobj-transaction-persist-private.h"
#include "syncobj-transaction-stored-private.h"
#include "syncobj-transaction-properties-private.h"
#include "syncobj-registry-private.h"
#include "syncobj-store-private.h"
#include "syncobj-recovery-private.h"

/* ---- snapshots for the store ---------------------------------------------- */

/* Whether the store keeps @mutation's changes alone: its collection keeps
 * its synced state in the store's cache, from which its original and
 * modified values are rebuilt after a restart (_syncobj_overlay_restore()),
 * so that a one-member change to a large record costs that member. A
 * write resolved after a conflict is based on the server's record of the
 * conflict, which the cache may not have yet: it is kept whole. */
static gboolean
mutation_stores_changes_only (SyncobjPendingMutation *mutation)
{
  g_autoptr(SyncobjCollection) collection = NULL;

  if (mutation->resolved)
    return FALSE;
  collection = _syncobj_weak_get (mutation->collection);
  return collection != NULL && syncobj_collection_get_persistent (collection);
}

static SyncobjStoredMutation *
stored_mutation_new (SyncobjPendingMutation *mutation)
{
  SyncobjStoredMutation *stored = _syncobj_stored_mutation_new ();
  gboolean full = !mutation_stores_changes_only (mutation);

  /* A write kept as text builds what is stored. */
  if (full)
    _syncobj_pending_mutation_ensure (mutation);
  else
    _syncobj_pending_mutation_ensure_changes (mutation);
  stored->mutation_id = g_strdup (_syncobj_pending_mutation_peek_id (mutation));
  stored->collection_id = g_strdup (mutation->collection_id);
  stored->key = g_strdup (mutation->key);
  stored->type = mutation->type;
  stored->original = full && mutation->original != NULL ? json_object_ref (mutation->original) : NULL;
  stored->modified = full && mutation->modified != NULL ? json_object_ref (mutation->modified) : NULL;
  stored->changes = mutation->changes != NULL ? json_object_ref (mutation->changes) : NULL;
  stored->metadata = syncobj_pending_mutation_get_metadata (mutation) != NULL
                     ? json_object_ref (syncobj_pending_mutation_get_metadata (mutation)) : NULL;
  stored->replaces = mutation->replaces;
  stored->created_at_us = mutation->created_at_us;
  stored->updated_at_us = mutation->updated_at_us;
  return stored;
}

/* What the store keeps of @self; with @with_mutations, also what never
 * changes after the commit (collection, sequence, mutations). */
static SyncobjStoredTransaction *
transaction_snapshot (SyncobjTransaction *self,
                      gboolean            with_mutations)
{
  SyncobjStoredTransaction *stored = _syncobj_stored_transaction_new (with_mutations);
  const SyncobjTransactionExtras *extras;
  guint n_attempts;

  _syncobj_transaction_realize_attempt (self);
  stored->queued_behind = g_strdup (_syncobj_transaction_peek_queued_behind (self));
  extras = transaction_peek_extras (self);
  n_attempts = extras->attempt_list != NULL ? extras->attempt_list->len : 0;

  stored->id = g_strdup (transaction_id (self));
  stored->state = self->state;
  stored->created_at_us = self->created_at_us;
  stored->updated_at_us = self->updated_at_us;
  stored->sequence = self->entry.sequence;
  stored->current_attempt = self->current_attempt;
  stored->counted_attempts = extras->counted_attempts;
  stored->error = extras->error != NULL ? g_error_copy (extras->error) : NULL;
  stored->error_transaction_id = g_strdup (extras->error_transaction_id);
  stored->metadata = extras->metadata != NULL ? json_object_ref (extras->metadata) : NULL;
  /* Only ever added to, on this thread; the row is made before it returns. */
  stored->created = extras->created != NULL ? json_object_ref (extras->created) : NULL;

  for (guint i = 0; i < n_attempts; i++)
    {
      SyncobjAttempt *attempt = g_ptr_array_index (extras->attempt_list, i);
      SyncobjStoredAttempt copy = {
        g_strdup (syncobj_attempt_get_id (attempt)), attempt->number, attempt->started_at_us, attempt->completed_at_us,
        attempt->retry_scheduled_for_us, attempt->error != NULL ? g_error_copy (attempt->error) : NULL,
      };

      g_array_append_val (stored->attempts, copy);
    }

  if (with_mutations)
    {
      g_autoptr(SyncobjCollection) owner = transaction_dup_owner (self);
      guint n = _syncobj_object_list_get_length (&self->mutations);

      stored->collection_id = g_strdup (owner != NULL ? syncobj_collection_get_id (owner) : "");
      for (guint i = 0; i < n; i++)
        g_ptr_array_add (stored->mutations, stored_mutation_new (_syncobj_object_list_peek (&self->mutations, i)));
    }

  return stored;
}

/* The mutations too once a conflict resolution changed them, so that a
 * restart sends the resolved values. */
static SyncobjStoredTransaction *
transaction_snapshot_cb (GObject *source)
{
  SyncobjTransaction *self = SYNCOBJ_TRANSACTION (source);
  gboolean with_mutations = self->mutations_changed;

  self->mutations_changed = FALSE;
  return transaction_snapshot (self, with_mutations);
}

static SyncobjStoredTransaction *
transaction_full_snapshot_cb (GObject *source)
{
  return transaction_snapshot (SYNCOBJ_TRANSACTION (source), TRUE);
}

void
_syncobj_transaction_note_created (SyncobjTransaction     *self,
                                   SyncobjPendingMutation *mutation,
                                   JsonObject             *created)
{
  SyncobjTransactionExtras *extras = transaction_extras (self);

  /* Restored with the transaction: known already. */
  if (extras->created != NULL && json_object_has_member (extras->created, _syncobj_pending_mutation_peek_id (mutation)))
    return;

  if (extras->created == NULL)
    extras->created = json_object_new ();
  json_object_set_object_member (extras->created, _syncobj_pending_mutation_peek_id (mutation), _syncobj_json_copy (created));
  _syncobj_transaction_changed (self);
}

void
_syncobj_transaction_store_changed (SyncobjTransaction *self,
                                    SyncobjStore       *store)
{
  _syncobj_store_changed (store, G_OBJECT (self), transaction_snapshot_cb);
}

static void
store_saved_cb (SyncobjStore *store,
                const GError *error,
                gpointer      user_data)
{
  g_autoptr(SyncobjTransaction) self = user_data;

  /* A store that fails keeps the app working, in memory; the store tells
   * the app (SyncobjStore:write-error) and writes the row again later. */
  if (error != NULL)
    _syncobj_log_transaction (G_LOG_LEVEL_DEBUG, transaction_id (self),
                              "transaction %s could not be stored: %s", transaction_id (self), error->message);

  self->durable = TRUE;
  _syncobj_queue_schedule_start (&self->entry);
}

void
_syncobj_transaction_save (SyncobjTransaction *self,
                           SyncobjStore       *store)
{
  _syncobj_store_save (store, G_OBJECT (self), transaction_full_snapshot_cb, store_saved_cb,
                       g_object_ref (self));
}

/* ---- rebuilt by recovery -------------------------------------------------- */

static SyncobjAttempt *
attempt_from_stored (SyncobjStoredAttempt *stored)
{
  SyncobjAttempt *attempt = _syncobj_attempt_new (stored->number, stored->started_at_us);

  g_free (attempt->id);
  attempt->id = g_strdup (stored->id);
  attempt->completed_at_us = stored->completed_at_us;
  attempt->retry_scheduled_for_us = stored->retry_scheduled_for_us;
  attempt->error = stored->error != NULL ? g_error_copy (stored->error) : NULL;
  return attempt;
}

/* A transaction with the durable state of @stored, in no collection and
 * not in the registry; *@last: its last attempt (nullable). */
static SyncobjTransaction *
transaction_new_from_stored (SyncobjStoredTransaction  *stored,
                             SyncobjAttempt           **last)
{
  SyncobjTransaction *self = g_object_new (SYNCOBJ_TYPE_TRANSACTION, NULL);

  *last = NULL;
  g_free (self->id);
  self->id = g_strdup (stored->id);
  self->state = stored->state;
  self->created_at_us = stored->created_at_us;
  self->updated_at_us = stored->updated_at_us;
  self->entry.sequence = stored->sequence;
  self->current_attempt = stored->current_attempt;
  if (stored->counted_attempts != 0 || stored->queued_behind != NULL || stored->error != NULL ||
      stored->error_transaction_id != NULL || stored->metadata != NULL || stored->created != NULL)
    {
      SyncobjTransactionExtras *extras = transaction_extras (self);

      extras->counted_attempts = stored->counted_attempts;
      extras->queued_behind = g_strdup (stored->queued_behind);
      extras->error = stored->error != NULL ? g_error_copy (stored->error) : NULL;
      extras->error_transaction_id = g_strdup (stored->error_transaction_id);
      extras->metadata = stored->metadata != NULL ? json_object_ref (stored->metadata) : NULL;
      extras->created = stored->created != NULL ? _syncobj_json_copy (stored->created) : NULL;
    }
  self->committed = TRUE;
  self->durable = TRUE;

  for (guint i = 0; i < stored->attempts->len; i++)
    {
      g_autoptr(SyncobjAttempt) attempt = attempt_from_stored (&g_array_index (stored->attempts, SyncobjStoredAttempt, i));

      transaction_add_attempt (self, attempt);
      *last = attempt;
    }

  return self;
}

/* @owner, a collection, becomes the collection @self was begun on, and
 * its thread @self's. */
static void
transaction_set_owner (SyncobjTransaction *self,
                       SyncobjCollection  *owner)
{
  self->thread = _syncobj_collection_get_owner (owner);
  g_clear_pointer (&self->owner, _syncobj_weak_unref);
  self->owner = _syncobj_weak_for (owner);
}

static SyncobjTransaction *
transaction_new_restored (SyncobjCollection        *owner,
                          SyncobjStoredTransaction *stored)
{
  SyncobjAttempt *last;
  SyncobjTransaction *self = transaction_new_from_stored (stored, &last);
  gboolean active;

  transaction_set_owner (self, owner);

  /* Persisted before the restart: the server has it (the specification
   * assumes success); its optimistic state is not re-applied. */
  if (self->state == SYNCOBJ_TRANSACTION_STATE_PERSISTED_AWAITING_SYNC ||
      (self->state == SYNCOBJ_TRANSACTION_STATE_PERSISTING && last != NULL &&
       last->completed_at_us != 0 && last->error == NULL))
    self->state = SYNCOBJ_TRANSACTION_STATE_COMPLETED;

  active = !state_is_final (self->state);
  if (active)
    self->collection = g_object_ref (owner);   /* first: see transaction_dup_owner() */
  _syncobj_registry_add_transaction (syncobj_registry_get_default (), self, transaction_id (self), FALSE,
                                     &self->counted_pending);
  if (active)
    _syncobj_collection_add_transaction (owner, self);
  else if (self->state != stored->state)
    {
      _syncobj_log_transaction (G_LOG_LEVEL_INFO, transaction_id (self),
                                "transaction %s had persisted before the restart; it is completed",
                                transaction_id (self));
      _syncobj_transaction_changed (self);
    }

  return self;
}

static void
transaction_add_restored_mutation (SyncobjTransaction     *self,
                                   SyncobjCollection      *collection,
                                   SyncobjPendingMutation *mutation)
{
  if (state_is_final (self->state))
    {
      /* History: listed, but no longer part of any collection. */
      _syncobj_transaction_list_mutation (self, collection, mutation);
      return;
    }

  _syncobj_transaction_add_mutation (self, collection, mutation);
  _syncobj_collection_restore_mutation (collection, mutation);
}

static void
transaction_park_mutation (SyncobjTransaction    *self,
                           SyncobjStoredMutation *mutation)
{
  SyncobjTransactionExtras *extras = transaction_extras (self);

  if (extras->parked == NULL)
    extras->parked = g_ptr_array_new_with_free_func ((GDestroyNotify) _syncobj_stored_mutation_free);
  g_ptr_array_add (extras->parked, mutation);
}

static gboolean
transaction_parked_changed (SyncobjTransaction *self)
{
  SyncobjTransactionExtras *extras = transaction_extras (self);
  gboolean done = extras->parked->len == 0;

  if (done)
    g_clear_pointer (&extras->parked, g_ptr_array_unref);
  _syncobj_transaction_notify (self, PROP_WAITING_FOR_COLLECTION);
  return done;
}

static gboolean
transaction_requeue (SyncobjTransaction *self)
{
  if (_syncobj_object_list_get_length (&self->mutations) == 0 && transaction_peek_extras (self)->parked == NULL)
    {
      _syncobj_transaction_complete (self);
      return FALSE;
    }

  _syncobj_transaction_join_lanes (self);
  return TRUE;
}

/* Joins the lanes of @collection (newly open) in commit order: after the
 * transactions of that collection restored with a lower sequence. */
static void
transaction_join_lanes_of (SyncobjTransaction *self,
                           SyncobjCollection  *collection)
{
  _syncobj_collection_join_lanes (collection, self, &self->entry, TRUE);
}

typedef struct
{
  SyncobjTransaction *transaction;
  GError             *error;
} RestoreFailure;

static void
restore_failure_free (gpointer data)
{
  RestoreFailure *failure = data;

  g_clear_object (&failure->transaction);
  g_clear_error (&failure->error);
  g_free (failure);
}

static gboolean
restore_fail_cb (gpointer data)
{
  RestoreFailure *failure = data;

  transaction_extras (failure->transaction)->retry_timer = 0;
  _syncobj_transaction_fail (failure->transaction, g_steal_pointer (&failure->error), NULL);
  return G_SOURCE_REMOVE;
}

/* Resumes a restored persisting transaction: its keys lock at once; the
 * interrupted attempt, if any, counts; the retry schedule holds. */
static void
restore_persisting (SyncobjTransaction *self,
                    SyncobjCollection  *owner)
{
  SyncobjAttempt *kept = transaction_last_attempt (self);
  g_autoptr(SyncobjAttempt) last = kept != NULL ? g_object_ref (kept) : NULL;
  SyncobjRetryPolicy *policy = syncobj_collection_get_retry_policy (owner);
  gint64 delay_us = 0;

  _syncobj_transaction_mark_started (self);

  if (last != NULL && last->completed_at_us == 0)
    {
      GError *error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_FAILED,
                                   _("The application stopped during attempt %u of transaction %s"),
                                   last->number, transaction_id (self));

      _syncobj_attempt_finish (last, now_us (), error);
      transaction_extras (self)->counted_attempts++;
      _syncobj_transaction_changed (self);
      if (policy != NULL && _syncobj_retry_policy_gives_up (policy, transaction_extras (self)->counted_attempts,
                                                            now_us () - self->created_at_us))
        {
          /* Out of attempts: it fails from an idle, once every restored
           * transaction is back in its queue, so that its dependents fail
           * with it. */
          RestoreFailure *failure = g_new0 (RestoreFailure, 1);

          failure->transaction = g_object_ref (self);
          failure->error = error;
          transaction_extras (self)->retry_timer = _syncobj_scheduler_add (_syncobj_scheduler_get_default (), 0,
                                                      restore_fail_cb, failure, restore_failure_free);
          return;
        }
      g_error_free (error);
    }
  else if (last != NULL && last->retry_scheduled_for_us != 0)
    delay_us = last->retry_scheduled_for_us - now_us ();

  _syncobj_transaction_retry_in (self, delay_us > 0 ? (guint) MIN (delay_us / 1000, G_MAXUINT) : 0);
}

static void
transaction_resume (SyncobjTransaction *self)
{
  g_autoptr(SyncobjCollection) owner = transaction_dup_owner (self);

  if (owner == NULL)
    return;

  if (self->state == SYNCOBJ_TRANSACTION_STATE_PERSISTING)
    restore_persisting (self, owner);
  else
    {
      SyncobjTransaction *blocker = NULL;

      if (_syncobj_transaction_heads_all_lanes (self, &blocker))
        _syncobj_queue_schedule_start (&self->entry);
      else
        _syncobj_transaction_queue_behind (self, blocker);
    }
}


/* ---- what recovery calls ------------------------------------------------- */

/* The state a restored write has: the one it had when its transaction was
 * last written. */
static SyncobjMutationState
restored_mutation_state (SyncobjTransaction *self)
{
  if (self->state == SYNCOBJ_TRANSACTION_STATE_COMPLETED)
    return SYNCOBJ_MUTATION_STATE_SYNCED;
  if (self->state == SYNCOBJ_TRANSACTION_STATE_PERSISTING || self->current_attempt > 0)
    return SYNCOBJ_MUTATION_STATE_PERSISTING;
  return SYNCOBJ_MUTATION_STATE_CREATED;
}

/* The write @stored of @self, to @collection (NULL: history of a
 * collection that is not open). */
static SyncobjPendingMutation *
mutation_from_stored (SyncobjTransaction    *self,
                      SyncobjCollection     *collection,
                      SyncobjStoredMutation *stored)
{
  /* The mutation takes a reference to its collection's id string. */
  char *collection_id = collection != NULL ? g_ref_string_acquire ((char *) syncobj_collection_get_id (collection))
                                           : g_ref_string_new (stored->collection_id);
  SyncobjPendingMutation *mutation;

  mutation = _syncobj_pending_mutation_new (collection != NULL ? _syncobj_collection_dup_weak (collection) : NULL,
                                            collection_id, self,
                                            stored->key, stored->type, stored->created_at_us);
  g_ref_string_release (collection_id);
  _syncobj_pending_mutation_restore_extra (mutation, stored->mutation_id, stored->metadata);
  _syncobj_pending_mutation_set_values (mutation, stored->type, stored->original, stored->modified,
                                        stored->changes, stored->updated_at_us);
  mutation->updated_at_us = stored->updated_at_us;
  mutation->replaces = stored->replaces;
  mutation->state = restored_mutation_state (self);
  mutation->restored = TRUE;
  return mutation;
}

/* Restores the write in *@slot. One to a collection that is not open yet
 * is parked (taken from *@slot) when the transaction is unfinished: it is
 * restored when that collection opens. History needs no collection. */
static void
restore_mutation (SyncobjTransaction     *self,
                  SyncobjCollection      *owner,
                  SyncobjStoredMutation **slot)
{
  SyncobjStoredMutation *stored = *slot;
  SyncobjCollection *collection = owner;
  g_autoptr(SyncobjPendingMutation) mutation = NULL;

  if (g_strcmp0 (stored->collection_id, syncobj_collection_get_id (owner)) != 0)
    collection = syncobj_registry_lookup_collection (syncobj_registry_get_default (), stored->collection_id);
  if (collection == NULL)
    {
      if (!state_is_final (self->state))
        transaction_park_mutation (self, g_steal_pointer (slot));
      return;
    }

  mutation = mutation_from_stored (self, collection, stored);
  transaction_add_restored_mutation (self, collection, mutation);
}

/* Keys from the server: the answers to inserts made without a key that
 * came before the restart (each insert's record takes the server's key
 * from it, or, finished, leaves its temporary key naming it). */
static void
restore_created (SyncobjTransaction       *self,
                 SyncobjCollection        *owner,
                 SyncobjStoredTransaction *stored)
{
  for (guint i = 0; stored->created != NULL && i < stored->mutations->len; i++)
    {
      SyncobjStoredMutation *mutation = g_ptr_array_index (stored->mutations, i);
      SyncobjCollection *collection = owner;
      JsonNode *created;

      /* Parked (its collection is not open) or not an answered insert. */
      if (mutation == NULL)
        continue;
      created = json_object_get_member (stored->created, mutation->mutation_id);
      if (created == NULL || !JSON_NODE_HOLDS_OBJECT (created))
        continue;
      if (g_strcmp0 (mutation->collection_id, syncobj_collection_get_id (owner)) != 0)
        collection = syncobj_registry_lookup_collection (syncobj_registry_get_default (), mutation->collection_id);
      if (collection != NULL)
        _syncobj_collection_restore_created (collection, self, mutation->key, json_node_get_object (created));
    }
}

static SyncobjTransaction *
recovery_rebuild (SyncobjCollection        *owner,
                  SyncobjStoredTransaction *stored,
                  SyncobjRestored          *restored)
{
  SyncobjTransaction *self;

  /* Already alive in this process (a second collection with the same id):
   * restoring it again would persist it twice. */
  if (syncobj_registry_lookup_transaction (syncobj_registry_get_default (), stored->id) != NULL)
    {
      *restored = SYNCOBJ_RESTORED_SKIPPED;
      return NULL;
    }

  self = transaction_new_restored (owner, stored);
  for (guint i = 0; i < stored->mutations->len; i++)
    restore_mutation (self, owner, (SyncobjStoredMutation **) &g_ptr_array_index (stored->mutations, i));
  restore_created (self, owner, stored);

  if (state_is_final (self->state) || !transaction_requeue (self))
    *restored = SYNCOBJ_RESTORED_FINISHED;
  else if (transaction_peek_extras (self)->parked != NULL)
    {
      *restored = SYNCOBJ_RESTORED_WAITING;
      _syncobj_log_transaction (G_LOG_LEVEL_MESSAGE, transaction_id (self),
                                "transaction %s waits until collection “%s” is open: it writes to it",
                                transaction_id (self), syncobj_transaction_get_waiting_for_collection (self));
    }
  else
    *restored = SYNCOBJ_RESTORED_READY;

  return self;
}

static gboolean
recovery_is_finished (SyncobjTransaction *self)
{
  return state_is_final (self->state);
}

static gboolean
recovery_waits_for (SyncobjTransaction *self,
                    const char         *id)
{
  GPtrArray *parked = transaction_peek_extras (self)->parked;

  for (guint i = 0; parked != NULL && i < parked->len; i++)
    if (g_strcmp0 (((SyncobjStoredMutation *) g_ptr_array_index (parked, i))->collection_id, id) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
recovery_unpark (SyncobjTransaction *self,
                 SyncobjCollection  *collection)
{
  g_autoptr(SyncobjCollection) owner = transaction_dup_owner (self);
  const char *id = syncobj_collection_get_id (collection);
  GPtrArray *parked = transaction_peek_extras (self)->parked;

  if (owner == NULL || state_is_final (self->state))
    return FALSE;

  for (guint j = 0; j < parked->len;)
    {
      SyncobjStoredMutation **slot = (SyncobjStoredMutation **) &g_ptr_array_index (parked, j);

      if (g_strcmp0 ((*slot)->collection_id, id) != 0)
        {
          j++;
          continue;
        }
      restore_mutation (self, owner, slot);
      g_ptr_array_remove_index (parked, j);
    }
  transaction_join_lanes_of (self, collection);

  return transaction_parked_changed (self);
}

static const SyncobjRecoveryOps recovery_ops = {
  .sequence_floor = _syncobj_transaction_ensure_sequence_above,
  .rebuild = recovery_rebuild,
  .is_finished = recovery_is_finished,
  .waits_for = recovery_waits_for,
  .unpark = recovery_unpark,
  .resume = transaction_resume,
};

const SyncobjRecoveryOps *
_syncobj_transaction_recovery_ops (void)
{
  return &recovery_ops;
}

/* ---- history read back from the store ------------------------------------ */

SyncobjTransaction *
_syncobj_transaction_new_history (SyncobjStoredTransaction *stored)
{
  SyncobjRegistry *registry = syncobj_registry_get_default ();
  SyncobjAttempt *last;
  SyncobjTransaction *self = transaction_new_from_stored (stored, &last);
  SyncobjCollection *owner = syncobj_registry_lookup_collection (registry, stored->collection_id);

  if (owner != NULL)
    transaction_set_owner (self, owner);
  for (guint i = 0; i < stored->mutations->len; i++)
    {
      SyncobjStoredMutation *mutation = g_ptr_array_index (stored->mutations, i);
      SyncobjCollection *collection = syncobj_registry_lookup_collection (registry, mutation->collection_id);
      g_autoptr(SyncobjPendingMutation) listed = mutation_from_stored (self, collection, mutation);

      /* Listed only: it joins no collection, queue or registry. */
      _syncobj_transaction_list_mutation (self, collection, listed);
    }
  return self;
}
