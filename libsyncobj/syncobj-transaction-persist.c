/* syncobj-transaction-persist.c: persisting a committed transaction
 *
 * The attempts of a transaction through its collection's mutator: starting
 * one (its keys lock with the first), retrying a failed one after the
 * retry policy's delay or the server's Retry-After, waiting for the
 * network without spending an attempt, and once persisted waiting for the
 * sync echo when the mutator has one to wait for. A conflict reported by
 * the mutator is resolved by the collection's conflict policy and sent
 * again at once.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-transaction-fields-private.h"
#include "syncobj-retry-policy-private.h"
#include "syncobj-transaction-persist-private.h"
#include "syncobj-transaction-properties-private.h"
#include "syncobj-mutator-private.h"

/* Made on first use: a call through a persist function gets it when the
 * function asks its job (syncobj_persist_job_get_cancellable()), so that a
 * write whose persist function never asks makes none. */
GCancellable *
_syncobj_transaction_get_cancellable (SyncobjTransaction *self)
{
  SyncobjTransactionExtras *extras = transaction_extras (self);
  GCancellable *cancellable = g_atomic_pointer_get (&extras->cancellable);
  GCancellable *made;

  if (G_LIKELY (cancellable != NULL))
    return cancellable;

  made = g_cancellable_new ();
  cancellable = _syncobj_atomic_publish ((gpointer *) &extras->cancellable, made, g_object_unref);
  /* Made after a rollback: cancelled already. */
  if (cancellable == made && g_atomic_int_get (&extras->cancel_requested))
    g_cancellable_cancel (cancellable);
  return cancellable;
}

static GCancellable *
transaction_cancellable (SyncobjTransaction *self)
{
  return _syncobj_transaction_get_cancellable (self);
}

/* ---- waiting for the network ---------------------------------------------- */

void
_syncobj_transaction_stop_waiting (SyncobjTransaction *self)
{
  SyncobjTransactionExtras *extras = transaction_get_extras (self);

  if (extras == NULL)
    return;
  if (extras->online_handler != 0)
    {
      g_signal_handler_disconnect (_syncobj_scheduler_get_default (), extras->online_handler);
      extras->online_handler = 0;
    }
  if (extras->mutator_handler != 0)
    {
      g_signal_handler_disconnect (extras->mutator_owner, extras->mutator_handler);
      extras->mutator_handler = 0;
      extras->mutator_owner = NULL;
    }
}

/* ---- waiting for a mutator ------------------------------------------------ */

static void
mutator_changed_cb (SyncobjCollection  *owner,
                    GParamSpec         *pspec,
                    SyncobjTransaction *self)
{
  if (syncobj_collection_get_mutator (owner) == NULL)
    return;

  _syncobj_transaction_stop_waiting (self);
  _syncobj_transaction_start_attempt (self);
}

/* A transaction restored into a collection that has no mutator yet waits
 * for one: the user's changes stay, visible and pending. */
static void
transaction_wait_for_mutator (SyncobjTransaction *self,
                              SyncobjCollection  *owner)
{
  SyncobjTransactionExtras *extras;

  if (!self->started)
    {
      _syncobj_transaction_set_queued_behind (self, NULL);
      _syncobj_transaction_set_state (self, SYNCOBJ_TRANSACTION_STATE_PENDING);
    }
  extras = transaction_extras (self);
  if (extras->mutator_handler != 0)
    return;
  extras->mutator_owner = owner;
  extras->mutator_handler = g_signal_connect (owner, "notify::mutator", G_CALLBACK (mutator_changed_cb), self);
}

static void
online_changed_cb (SyncobjScheduler   *scheduler,
                   GParamSpec         *pspec,
                   SyncobjTransaction *self)
{
  if (!_syncobj_scheduler_get_online (scheduler))
    return;

  SyncobjTransactionExtras *extras;

  _syncobj_transaction_stop_waiting (self);
  extras = transaction_get_extras (self);
  if (extras != NULL && extras->retry_timer != 0)
    {
      /* Back online: pending work resumes at once. */
      _syncobj_scheduler_remove (scheduler, extras->retry_timer);
      extras->retry_timer = 0;
    }
  _syncobj_transaction_start_attempt (self);
}

static void
transaction_wait_for_network (SyncobjTransaction *self)
{
  SyncobjTransactionExtras *extras = transaction_extras (self);

  if (extras->online_handler == 0)
    extras->online_handler = g_signal_connect (_syncobj_scheduler_get_default (), "notify::online",
                                             G_CALLBACK (online_changed_cb), self);
}

/* ---- persisting ------------------------------------------------------------ */

static void
await_sync_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(SyncobjTransaction) self = user_data;
  g_autoptr(GError) error = NULL;

  /* A persisted transaction can no longer fail: the server has it. */
  if (!syncobj_mutator_await_sync_finish (SYNCOBJ_MUTATOR (source), result, &error))
    _syncobj_log_transaction (G_LOG_LEVEL_MESSAGE, transaction_id (self),
                              "transaction %s persisted, but waiting for its sync echo failed: %s",
                              transaction_id (self), error->message);

  if (self->state == SYNCOBJ_TRANSACTION_STATE_PERSISTED_AWAITING_SYNC)
    _syncobj_transaction_complete (self);
}

static void
transaction_persisted (SyncobjTransaction *self)
{
  g_autoptr(SyncobjCollection) owner = transaction_dup_owner (self);
  SyncobjMutator *mutator = owner != NULL ? syncobj_collection_get_mutator (owner) : NULL;

  _syncobj_transaction_set_state (self, SYNCOBJ_TRANSACTION_STATE_PERSISTED_AWAITING_SYNC);
  transaction_leave_lanes (self);

  /* Nothing to wait for: complete now rather than one main-loop iteration
   * later through a GTask that is already done. */
  if (mutator == NULL || !syncobj_mutator_awaits_sync (mutator, self, syncobj_collection_get_sync (owner)))
    {
      _syncobj_transaction_complete (self);
      return;
    }

  syncobj_mutator_await_sync_async (mutator, self, syncobj_collection_get_sync (owner),
                                    transaction_cancellable (self), await_sync_cb, g_object_ref (self));
}

static gboolean
retry_cb (gpointer data)
{
  SyncobjTransaction *self = data;

  transaction_extras (self)->retry_timer = 0;
  _syncobj_transaction_start_attempt (self);

  return G_SOURCE_REMOVE;
}

static void
transaction_attempt_failed (SyncobjTransaction *self,
                            SyncobjAttempt     *attempt,
                            GError             *error)
{
  g_autoptr(SyncobjCollection) owner = transaction_dup_owner (self);
  SyncobjRetryPolicy *policy = owner != NULL ? syncobj_collection_get_retry_policy (owner) : NULL;
  gboolean offline = g_error_matches (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_OFFLINE);
  SyncobjTransactionExtras *extras = transaction_extras (self);
  guint delay;

  if (!offline)
    extras->counted_attempts++;

  if (policy == NULL ||
      (!offline && !syncobj_retry_policy_is_retriable (policy, error)) ||
      (!offline && _syncobj_retry_policy_gives_up (policy, extras->counted_attempts,
                                                   now_us () - self->created_at_us)))
    {
      _syncobj_transaction_fail (self, error, NULL);
      return;
    }

  /* A server's Retry-After never waits longer than the policy allows. */
  if (extras->retry_after_ms >= 0)
    delay = MIN ((guint) extras->retry_after_ms, syncobj_retry_policy_get_max_delay (policy));
  else
    delay = syncobj_retry_policy_get_delay (policy, MAX (extras->counted_attempts, 1));
  extras->retry_after_ms = -1;

  _syncobj_log_transaction (G_LOG_LEVEL_INFO, transaction_id (self),
                            "transaction %s attempt %u failed (%s); retrying in %u ms",
                            transaction_id (self), attempt->number, error->message, delay);
  g_error_free (error);

  _syncobj_attempt_set_retry_scheduled_for (attempt, now_us () + (gint64) delay * 1000);
  extras->retry_timer = _syncobj_scheduler_add (_syncobj_scheduler_get_default (), delay,
                                              retry_cb, self, NULL);
  _syncobj_transaction_changed (self);
  if (offline)
    transaction_wait_for_network (self);
}

/* ---- conflicts ------------------------------------------------------------- */

/* More conflicts in a row than this fail the transaction. */
#define MAX_CONFLICTS_IN_ROW 10

struct _SyncobjConflict
{
  char       *key;
  JsonObject *current;    /* nullable: deleted on the server */
};

static void
conflict_free (SyncobjConflict *conflict)
{
  g_free (conflict->key);
  g_clear_pointer (&conflict->current, json_object_unref);
  g_free (conflict);
}

G_LOCK_DEFINE_STATIC (conflict);

void
_syncobj_transaction_set_conflict (SyncobjTransaction *self,
                                   const char         *key,
                                   JsonObject         *current)
{
  SyncobjConflict *conflict = g_new0 (SyncobjConflict, 1);
  SyncobjTransactionExtras *extras = transaction_extras (self);
  SyncobjConflict *old;

  conflict->key = g_strdup (key);
  conflict->current = current != NULL ? json_object_ref (current) : NULL;

  G_LOCK (conflict);
  old = extras->conflict;
  extras->conflict = conflict;
  G_UNLOCK (conflict);

  g_clear_pointer (&old, conflict_free);
}

static SyncobjConflict *
transaction_take_conflict (SyncobjTransaction *self)
{
  SyncobjTransactionExtras *extras = transaction_get_extras (self);
  SyncobjConflict *conflict;

  if (extras == NULL)
    return NULL;
  G_LOCK (conflict);
  conflict = g_steal_pointer (&extras->conflict);
  G_UNLOCK (conflict);
  return conflict;
}

void
_syncobj_transaction_clear_conflict (SyncobjTransaction *self)
{
  SyncobjTransactionExtras *extras = transaction_get_extras (self);

  if (extras != NULL)
    g_clear_pointer (&extras->conflict, conflict_free);
}

/* Lets the collection of the conflicting key resolve it. */
static SyncobjConflictOutcome
transaction_resolve_conflict (SyncobjTransaction *self,
                              SyncobjConflict    *conflict)
{
  SyncobjCollection *collection = NULL;
  SyncobjPendingMutation *mutation = NULL;

  for (guint i = 0; conflict != NULL && mutation == NULL && i < transaction_n_collections (self); i++)
    {
      collection = transaction_peek_collection (self, i);
      mutation = _syncobj_transaction_find_mutation (self, collection, conflict->key);
    }
  if (mutation == NULL)
    {
      /* Nothing known of the server's record: send the same again. */
      if (conflict != NULL)
        _syncobj_log_transaction (G_LOG_LEVEL_MESSAGE, transaction_id (self),
                                  "transaction %s: a conflict was reported on “%s”, which it does not write",
                                  transaction_id (self), conflict->key);
      return SYNCOBJ_CONFLICT_OUTCOME_RESEND;
    }

  return _syncobj_collection_resolve_conflict (collection, mutation, conflict->current);
}

/* A conflict is not a failure: the policy resolves it and the next attempt
 * starts at once, without spending one of max-attempts. */
static void
transaction_attempt_conflicted (SyncobjTransaction *self,
                                SyncobjAttempt     *attempt,
                                GError             *error)
{
  SyncobjConflict *conflict = transaction_take_conflict (self);
  SyncobjTransactionExtras *extras = transaction_extras (self);
  SyncobjConflictOutcome outcome;

  extras->conflicts_in_row++;
  outcome = transaction_resolve_conflict (self, conflict);
  g_clear_pointer (&conflict, conflict_free);
  if (state_is_final (self->state))
    {
      /* A ::conflict handler rolled it back. */
      g_error_free (error);
      return;
    }

  if (outcome == SYNCOBJ_CONFLICT_OUTCOME_GIVE_UP)
    {
      _syncobj_transaction_fail (self, error, NULL);
      return;
    }
  if (outcome == SYNCOBJ_CONFLICT_OUTCOME_DONE && _syncobj_object_list_get_length (&self->mutations) == 1)
    {
      /* The server has what the transaction wanted: nothing to echo. */
      g_error_free (error);
      _syncobj_transaction_set_state (self, SYNCOBJ_TRANSACTION_STATE_PERSISTED_AWAITING_SYNC);
      transaction_leave_lanes (self);
      _syncobj_transaction_complete (self);
      return;
    }
  if (extras->conflicts_in_row >= MAX_CONFLICTS_IN_ROW)
    {
      g_error_free (error);
      _syncobj_transaction_fail (self,
                                 g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_CONFLICT,
                                              _("Transaction %s conflicted with the server’s records %u times in a row"),
                                              transaction_id (self), extras->conflicts_in_row),
                                 NULL);
      return;
    }

  _syncobj_log_transaction (G_LOG_LEVEL_INFO, transaction_id (self),
                            "transaction %s attempt %u conflicted (%s); sending it again",
                            transaction_id (self), attempt != NULL ? attempt->number : 0, error->message);
  g_error_free (error);
  if (attempt != NULL)
    _syncobj_attempt_set_retry_scheduled_for (attempt, now_us ());
  _syncobj_transaction_retry_in (self, 0);
  /* The resolved values are stored: a restart sends them, not the ones
   * the server refused. */
  if (outcome == SYNCOBJ_CONFLICT_OUTCOME_RESEND)
    self->mutations_changed = TRUE;
  _syncobj_transaction_changed (self);
}

/* The outcome of a persist call: @error NULL on success, or taken. */
static void
transaction_persist_result (SyncobjTransaction *self,
                            GError             *error)
{
  g_autoptr(SyncobjAttempt) attempt = NULL;
  SyncobjTransactionExtras *extras;
  guint32 completed;
  gint64 now;

  if (self->state != SYNCOBJ_TRANSACTION_STATE_PERSISTING)
    {
      g_clear_error (&error);
      _syncobj_transaction_clear_conflict (self);
      return;
    }

  now = now_us ();
  if (self->lazy_attempt && error == NULL && transaction_lazy_time (self, now, &completed))
    self->lazy_completed = completed + 1;
  else
    {
      attempt = transaction_get_attempt (self, self->current_attempt);
      if (attempt != NULL)
        g_object_ref (attempt);
      _syncobj_attempt_finish (attempt, now, error);
    }

  if (error != NULL && g_error_matches (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_CONFLICT))
    {
      transaction_attempt_conflicted (self, attempt, error);
      return;
    }

  extras = transaction_get_extras (self);
  if (extras != NULL)
    extras->conflicts_in_row = 0;
  _syncobj_transaction_clear_conflict (self);
  if (error == NULL)
    transaction_persisted (self);
  else
    transaction_attempt_failed (self, attempt, error);
}

static void
persist_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SyncobjTransaction) self = user_data;
  GError *error = NULL;

  if (!syncobj_mutator_persist_finish (SYNCOBJ_MUTATOR (source), result, &error) && error == NULL)
    error = g_error_new_literal (SYNCOBJ_ERROR, SYNCOBJ_ERROR_FAILED, _("The persist call failed without an error"));
  transaction_persist_result (self, error);
}

/* The outcome of a persist call made without a GTask. */
static void
persist_done (GError   *error,
              gpointer  user_data)
{
  transaction_persist_result (user_data, error);
}

/* From the first attempt on, the keys are locked and cannot roll back. */
void
_syncobj_transaction_mark_started (SyncobjTransaction *self)
{
  if (self->started)
    return;

  self->started = TRUE;
  _syncobj_transaction_set_queued_behind (self, NULL);
  for (guint i = 0; i < transaction_n_collections (self); i++)
    _syncobj_collection_lock (transaction_peek_collection (self, i), self);
  _syncobj_transaction_set_mutations_state (self, SYNCOBJ_MUTATION_STATE_PERSISTING);
}

void
_syncobj_transaction_start_attempt (SyncobjTransaction *self)
{
  g_autoptr(SyncobjCollection) owner = transaction_dup_owner (self);
  SyncobjMutator *mutator = owner != NULL ? syncobj_collection_get_mutator (owner) : NULL;
  g_autoptr(SyncobjAttempt) attempt = NULL;
  SyncobjMutatorPersistFunc persist;

  if (state_is_final (self->state))
    return;

  if (!_syncobj_scheduler_get_online (_syncobj_scheduler_get_default ()))
    {
      /* No attempt is spent while the network is down. One that may go
       * next but never went waits for nobody: it is pending again. */
      if (!self->started)
        {
          _syncobj_transaction_set_queued_behind (self, NULL);
          _syncobj_transaction_set_state (self, SYNCOBJ_TRANSACTION_STATE_PENDING);
        }
      transaction_wait_for_network (self);
      return;
    }

  if (mutator == NULL && owner != NULL)
    {
      transaction_wait_for_mutator (self, owner);
      return;
    }

  _syncobj_transaction_mark_started (self);

  if (mutator == NULL)
    {
      _syncobj_transaction_fail (self,
                                 g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE,
                                 _("Collection “%s” has no mutator to persist transaction %s"),
                                 "?", transaction_id (self)),
                                 NULL);
      return;
    }

  /* Nobody holds the attempts list yet: see _syncobj_transaction_realize_attempt(). */
  if (self->current_attempt == 0 && transaction_peek_extras (self)->attempt_list == NULL &&
      transaction_peek_extras (self)->attempts == NULL &&
      transaction_lazy_time (self, now_us (), &self->lazy_started))
    {
      self->current_attempt = 1;
      self->lazy_attempt = TRUE;
      self->lazy_completed = 0;
    }
  else
    {
      _syncobj_transaction_realize_attempt (self);
      attempt = _syncobj_attempt_new (++self->current_attempt, now_us ());
      transaction_add_attempt (self, attempt);
    }
  _syncobj_transaction_notify (self, PROP_CURRENT_ATTEMPT);
  _syncobj_transaction_notify (self, PROP_N_ATTEMPTS);
  if (self->current_attempt > 1 + SYNCOBJ_TRANSACTION_KEPT_LAST_ATTEMPTS)
    _syncobj_transaction_notify (self, PROP_N_DROPPED_ATTEMPTS);
  if (self->state == SYNCOBJ_TRANSACTION_STATE_PERSISTING)
    _syncobj_transaction_changed (self);
  else
    _syncobj_transaction_set_state (self, SYNCOBJ_TRANSACTION_STATE_PERSISTING);

  /* The library's mutators read the values of the mutations: those kept
   * as text are built now. A persist function reads them through the
   * getters, which build what it asks for. */
  persist = _syncobj_mutator_get_persist_func (mutator);
  if (persist == NULL)
    {
      SyncobjObjectList *mutations = _syncobj_transaction_peek_mutations (self);
      guint n = _syncobj_object_list_get_length (mutations);

      for (guint i = 0; i < n; i++)
        _syncobj_pending_mutation_ensure (_syncobj_object_list_peek (mutations, i));
    }
  if (persist != NULL)
    persist (mutator, self, persist_done, g_object_ref (self), g_object_unref);
  else
    syncobj_mutator_persist_async (mutator, self, transaction_cancellable (self), persist_cb, g_object_ref (self));
}

void
_syncobj_transaction_realize_attempt (SyncobjTransaction *self)
{
  g_autoptr(SyncobjAttempt) attempt = NULL;

  if (!self->lazy_attempt)
    return;

  self->lazy_attempt = FALSE;
  attempt = _syncobj_attempt_new (self->current_attempt, self->created_at_us + self->lazy_started);
  if (self->lazy_completed != 0)
    attempt->completed_at_us = self->created_at_us + self->lazy_completed - 1;
  transaction_add_attempt (self, attempt);
}

void
_syncobj_transaction_retry_in (SyncobjTransaction *self,
                               guint               delay_ms)
{
  transaction_extras (self)->retry_timer = _syncobj_scheduler_add (_syncobj_scheduler_get_default (), delay_ms,
                                              retry_cb, self, NULL);
}

/* ---- partial failures ------------------------------------------------------- */

gboolean
_syncobj_transaction_mark_applied (SyncobjTransaction     *self,
                                   SyncobjPendingMutation *mutation)
{
  if (mutation->transaction != self)
    return FALSE;

  g_atomic_int_set (&mutation->applied, TRUE);
  return TRUE;
}

/* How many keys an error names in each list before "and N more". */
#define MAX_KEYS_NAMED 10

static void
append_key (GString    *list,
            guint      *n,
            const char *key)
{
  if (++*n > MAX_KEYS_NAMED)
    return;
  if (list->len > 0)
    g_string_append (list, ", ");
  g_string_append_printf (list, "“%s”", key);
}

static void
end_key_list (GString *list,
              guint    n)
{
  if (n > MAX_KEYS_NAMED)
    g_string_append_printf (list, g_dngettext (GETTEXT_PACKAGE, " and %u more", " and %u more",
                                               n - MAX_KEYS_NAMED),
                            n - MAX_KEYS_NAMED);
}

GError *
_syncobj_transaction_keep_applied (SyncobjTransaction *self,
                                   GError             *error)
{
  guint n = _syncobj_object_list_get_length (&self->mutations);
  g_autoptr(GString) kept = g_string_new (NULL);
  g_autoptr(GString) rolled_back = g_string_new (NULL);
  guint n_kept = 0, n_rolled_back = 0;
  gint64 now = now_us ();
  GError *described;

  for (guint i = 0; i < n; i++)
    {
      SyncobjPendingMutation *mutation = _syncobj_object_list_peek (&self->mutations, i);

      if (!g_atomic_int_get (&mutation->applied))
        {
          append_key (rolled_back, &n_rolled_back, mutation->key);
          continue;
        }
      append_key (kept, &n_kept, mutation->key);
      _syncobj_pending_mutation_set_state (mutation, SYNCOBJ_MUTATION_STATE_SYNCED, now);
    }
  if (n_kept == 0)
    return error;

  end_key_list (kept, n_kept);
  end_key_list (rolled_back, n_rolled_back);
  if (n_rolled_back == 0)
    described = g_error_new (error->domain, error->code,
                             _("%s (the server applied every change of the transaction: nothing was rolled back)"),
                             error->message);
  else
    described = g_error_new (error->domain, error->code,
                             _("%s (the server applied the changes to %s, which stay; the changes to %s were rolled back)"),
                             error->message, kept->str, rolled_back->str);
  g_error_free (error);
  return described;
}
