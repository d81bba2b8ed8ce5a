/* syncobj-transaction.c: the life of a set of writes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-transaction-private.h"
#include "syncobj-attempt-private.h"
#include "syncobj-collection-private.h"
#include "syncobj-queue-private.h"
#include "syncobj-registry-private.h"
#include "syncobj-store-private.h"
#include "syncobj-json-util-private.h"
#include "syncobj-uuid-private.h"

/**
 * SyncobjTransaction:
 *
 * A set of writes, to one or several collections, that is persisted
 * all-or-nothing.
 *
 * Every write returns one: [method@Syncobj.Collection.insert] and its
 * siblings create a transaction and commit it at once;
 * [method@Syncobj.Collection.begin] opens one that gathers several writes
 * until [method@Syncobj.Transaction.commit] (the specification's
 * `withMutation`).
 *
 * ## Life cycle
 *
 * A committed transaction is written to the collection's store (when it has
 * one), waits in the collection's queue while the strategy is ordered and
 * another transaction ahead has not persisted yet (`queued`, with
 * [property@Syncobj.Transaction:queued-behind] naming it), then persists
 * through the collection's [class@Syncobj.Mutator] (`persisting`). Failed
 * attempts are retried after the delay of the collection's
 * [class@Syncobj.RetryPolicy]; each attempt is kept in
 * [property@Syncobj.Transaction:attempts]. Once persisted it waits for the
 * sync echo (`persisted_awaiting_sync`) and then `completed`: the optimistic
 * values are dropped in the same step in which the synced values arrive.
 * A transaction that cannot be persisted ends `failed`: its optimistic
 * changes roll back, and every queued transaction that touches one of its
 * keys fails too with %SYNCOBJ_ERROR_DEPENDENCY_FAILED.
 *
 * A transaction that touches several collections is persisted by the
 * mutator of the collection it was begun on, and waits in the queue of each
 * ordered collection it touches.
 *
 * Everything happens on the thread-default main context of the thread that
 * created the collection; [signal@GObject.Object::notify] for `state` is
 * emitted on every change. When it says `completed` or `failed`, the
 * collections already show the outcome: the optimistic values are confirmed
 * or rolled back.
 */

struct _SyncobjTransaction
{
  GObject                  parent_instance;

  char                    *id;
  SyncobjTransactionState  state;
  gint64                   created_at_us;
  gint64                   updated_at_us;
  GDateTime               *created_at;      /* caches */
  GDateTime               *updated_at;
  SyncobjObjectList       *mutations;
  GListStore              *attempts;        /* made when asked for */
  GPtrArray               *attempt_list;    /* SyncobjAttempt, the same */
  GHashTable              *mutation_index;  /* "collection\nkey" → mutation; made
                                             * once there are many mutations */
  guint                    current_attempt;
  guint                    counted_attempts; /* offline attempts do not count */
  char                    *queued_behind;
  GError                  *error;
  char                    *error_transaction_id;
  JsonObject              *metadata;

  GWeakRef                 owner;
  GPtrArray               *collections;     /* strong while active */
  SyncobjQueueEntry        entry;           /* our place in the queues; its
                                             * sequence is the commit order */
  GPtrArray               *waiters;         /* GTask * of wait_async */
  GPtrArray               *parked;          /* SyncobjStoredMutation: restored
                                               writes to collections not open yet */
  GCancellable            *cancellable;
  guint                    retry_timer;
  gint                     retry_after_ms;  /* -1: policy decides */
  gulong                   online_handler;
  guint                    committed : 1;
  guint                    durable : 1;
  guint                    started : 1;
};

G_DEFINE_FINAL_TYPE (SyncobjTransaction, syncobj_transaction, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_STATE,
  PROP_CREATED_AT,
  PROP_UPDATED_AT,
  PROP_MUTATIONS,
  PROP_ATTEMPTS,
  PROP_CURRENT_ATTEMPT,
  PROP_QUEUED_BEHIND,
  PROP_WAITING_FOR_COLLECTION,
  PROP_ERROR,
  PROP_ERROR_TRANSACTION_ID,
  PROP_COLLECTION,
  PROP_METADATA,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Commit order; above every sequence found in an open store. */
static guint64 last_sequence;

static void transaction_start_attempt (SyncobjTransaction *self);
static void transaction_fail          (SyncobjTransaction *self,
                                       GError             *error,
                                       const char         *root_id);
static SyncobjStoredTransaction *transaction_snapshot_cb (GObject *source);

/* The attempts list model and the cancellable are made on first use: a
 * write returns sooner, and a burst of writes allocates less. Attempts are
 * kept in a plain array; the list model mirrors it once someone asks. */
static GListStore *
transaction_attempts (SyncobjTransaction *self)
{
  if (self->attempts == NULL)
    {
      self->attempts = g_list_store_new (SYNCOBJ_TYPE_ATTEMPT);
      if (self->attempt_list != NULL)
        g_list_store_splice (self->attempts, 0, 0, self->attempt_list->pdata, self->attempt_list->len);
    }
  return self->attempts;
}

static void
transaction_add_attempt (SyncobjTransaction *self,
                         SyncobjAttempt     *attempt)
{
  if (self->attempt_list == NULL)
    self->attempt_list = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (self->attempt_list, g_object_ref (attempt));
  if (self->attempts != NULL)
    g_list_store_append (self->attempts, attempt);
}

/* The attempt numbered @number (from 1), or NULL. */
static SyncobjAttempt *
transaction_get_attempt (SyncobjTransaction *self,
                         guint               number)
{
  if (self->attempt_list == NULL || number == 0 || number > self->attempt_list->len)
    return NULL;
  return g_ptr_array_index (self->attempt_list, number - 1);
}

static GCancellable *
transaction_cancellable (SyncobjTransaction *self)
{
  if (self->cancellable == NULL)
    self->cancellable = g_cancellable_new ();
  return self->cancellable;
}

static gint64
now_us (void)
{
  return _syncobj_scheduler_now (_syncobj_scheduler_get_default ());
}

static gboolean
state_is_final (SyncobjTransactionState state)
{
  return state == SYNCOBJ_TRANSACTION_STATE_COMPLETED ||
         state == SYNCOBJ_TRANSACTION_STATE_FAILED;
}

static SyncobjCollection *
transaction_dup_owner (SyncobjTransaction *self)
{
  /* While the transaction is active its owner is the first collection it
   * holds: no trip through the weak reference's global lock. */
  if (self->collections->len > 0)
    return g_object_ref (g_ptr_array_index (self->collections, 0));
  return g_weak_ref_get (&self->owner);
}

static SyncobjStore *
transaction_get_store (SyncobjTransaction *self)
{
  g_autoptr(SyncobjCollection) owner = transaction_dup_owner (self);

  return owner != NULL ? syncobj_collection_get_store (owner) : NULL;
}

static void
transaction_touch (SyncobjTransaction *self)
{
  self->updated_at_us = now_us ();
  g_clear_pointer (&self->updated_at, g_date_time_unref);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPDATED_AT]);
}

/* Records a change of anything the store keeps: state, attempts, errors. */
static void
transaction_changed (SyncobjTransaction *self)
{
  SyncobjStore *store = transaction_get_store (self);

  transaction_touch (self);
  if (store != NULL && self->committed)
    _syncobj_store_changed (store, G_OBJECT (self), transaction_snapshot_cb);
}

static void
transaction_announce_state (SyncobjTransaction *self)
{
  _syncobj_log_transaction (G_LOG_LEVEL_DEBUG, self->id, "transaction %s → %s",
                            self->id, syncobj_transaction_get_state_name (self));
  transaction_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  _syncobj_registry_transaction_changed (syncobj_registry_get_default (), self);
}

static void
transaction_set_state (SyncobjTransaction      *self,
                       SyncobjTransactionState  state)
{
  if (self->state == state)
    return;

  self->state = state;
  transaction_announce_state (self);
}

static void
transaction_set_queued_behind (SyncobjTransaction *self,
                               const char         *id)
{
  if (g_strcmp0 (self->queued_behind, id) == 0)
    return;

  g_free (self->queued_behind);
  self->queued_behind = g_strdup (id);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUEUED_BEHIND]);
}

static void
transaction_set_mutations_state (SyncobjTransaction   *self,
                                 SyncobjMutationState  state)
{
  guint n = _syncobj_object_list_get_length (self->mutations);
  gint64 now = now_us ();

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyncobjPendingMutation) mutation = g_object_ref (_syncobj_object_list_peek (self->mutations, i));
      _syncobj_pending_mutation_set_state (mutation, state, now);
    }
}

/* ---- the open transaction of this thread (syncobj_collection_begin) ---- */

static GPrivate open_transactions = G_PRIVATE_INIT ((GDestroyNotify) g_ptr_array_unref);

static GPtrArray *
get_open_stack (void)
{
  GPtrArray *stack = g_private_get (&open_transactions);

  if (stack == NULL)
    {
      stack = g_ptr_array_new ();
      g_private_set (&open_transactions, stack);
    }

  return stack;
}

SyncobjTransaction *
_syncobj_transaction_get_open (void)
{
  GPtrArray *stack = g_private_get (&open_transactions);

  if (stack == NULL || stack->len == 0)
    return NULL;

  return g_ptr_array_index (stack, stack->len - 1);
}

void
_syncobj_transaction_push_open (SyncobjTransaction *self)
{
  g_ptr_array_add (get_open_stack (), self);
}

static void
transaction_pop_open (SyncobjTransaction *self)
{
  GPtrArray *stack = g_private_get (&open_transactions);

  if (stack != NULL)
    g_ptr_array_remove (stack, self);
}

/* ---- construction ------------------------------------------------------- */

SyncobjTransaction *
_syncobj_transaction_new (SyncobjCollection *owner)
{
  SyncobjTransaction *self = g_object_new (SYNCOBJ_TYPE_TRANSACTION, NULL);

  g_weak_ref_set (&self->owner, owner);
  g_ptr_array_add (self->collections, g_object_ref (owner));   /* first: see transaction_dup_owner() */
  _syncobj_registry_add_transaction (syncobj_registry_get_default (), self, self->id, TRUE);
  _syncobj_collection_add_transaction (owner, self);

  return self;
}

gboolean
_syncobj_transaction_is_committed (SyncobjTransaction *self)
{
  return self->committed;
}

guint64
_syncobj_transaction_get_sequence (SyncobjTransaction *self)
{
  return self->entry.sequence;
}

GPtrArray *
_syncobj_transaction_get_collections (SyncobjTransaction *self)
{
  return self->collections;
}

SyncobjObjectList *
_syncobj_transaction_peek_mutations (SyncobjTransaction *self)
{
  return self->mutations;
}

void
_syncobj_transaction_set_retry_after (SyncobjTransaction *self,
                                      guint               delay_ms)
{
  self->retry_after_ms = (gint) MIN (delay_ms, (guint) G_MAXINT);
}

static char *
mutation_index_key (SyncobjCollection *collection,
                    const char        *key)
{
  return g_strconcat (syncobj_collection_get_id (collection), "\n", key, NULL);
}

/* Most transactions hold one mutation: a short list is searched, the
 * index is made only for longer ones. */
#define MUTATION_INDEX_MIN 8

SyncobjPendingMutation *
_syncobj_transaction_find_mutation (SyncobjTransaction *self,
                                    SyncobjCollection  *collection,
                                    const char         *key)
{
  g_autofree char *index_key = NULL;
  const char *collection_id;
  guint n;

  if (self->mutation_index != NULL)
    {
      index_key = mutation_index_key (collection, key);
      return g_hash_table_lookup (self->mutation_index, index_key);
    }

  collection_id = syncobj_collection_get_id (collection);
  n = _syncobj_object_list_get_length (self->mutations);
  for (guint i = 0; i < n; i++)
    {
      SyncobjPendingMutation *mutation = _syncobj_object_list_peek (self->mutations, i);

      if (g_str_equal (mutation->key, key) && g_strcmp0 (mutation->collection_id, collection_id) == 0)
        return mutation;  /* the list keeps it alive */
    }

  return NULL;
}

/* Lists @mutation (of @collection) in the transaction. */
static void
transaction_list_mutation (SyncobjTransaction     *self,
                           SyncobjCollection      *collection,
                           SyncobjPendingMutation *mutation)
{
  guint n;

  _syncobj_object_list_append (self->mutations, mutation);
  n = _syncobj_object_list_get_length (self->mutations);

  if (self->mutation_index != NULL)
    g_hash_table_insert (self->mutation_index, mutation_index_key (collection, mutation->key), mutation);
  else if (n > MUTATION_INDEX_MIN)
    {
      self->mutation_index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      for (guint i = 0; i < n; i++)
        {
          SyncobjPendingMutation *listed = _syncobj_object_list_peek (self->mutations, i);

          g_hash_table_insert (self->mutation_index,
                               g_strconcat (listed->collection_id != NULL ? listed->collection_id : "",
                                            "\n", listed->key, NULL),
                               listed);
        }
    }
}

void
_syncobj_transaction_add_mutation (SyncobjTransaction     *self,
                                   SyncobjPendingMutation *mutation)
{
  g_autoptr(SyncobjCollection) collection = g_weak_ref_get (&mutation->collection);

  transaction_list_mutation (self, collection, mutation);

  if (!g_ptr_array_find (self->collections, collection, NULL))
    {
      g_ptr_array_add (self->collections, g_object_ref (collection));
      _syncobj_collection_add_transaction (collection, self);
    }
}

void
_syncobj_transaction_remove_mutation (SyncobjTransaction     *self,
                                      SyncobjPendingMutation *mutation)
{
  g_autoptr(SyncobjCollection) collection = g_weak_ref_get (&mutation->collection);
  guint position;

  if (self->mutation_index != NULL)
    {
      g_autofree char *index_key = mutation_index_key (collection, mutation->key);
      g_hash_table_remove (self->mutation_index, index_key);
    }
  if (_syncobj_object_list_find (self->mutations, mutation, &position))
    _syncobj_object_list_remove_range (self->mutations, position, 1);
}

/* ---- queue ---------------------------------------------------------------- */

/* Whether @self may go: it heads every lane it is in. Otherwise *@blocker_id
 * (when not NULL) names a transaction ahead of it. */
static gboolean
transaction_heads_all_lanes (SyncobjTransaction  *self,
                             const char         **blocker_id)
{
  SyncobjQueueEntry *blocker = NULL;

  if (_syncobj_queue_heads_all (&self->entry, &blocker))
    return TRUE;

  if (blocker_id != NULL)
    *blocker_id = ((SyncobjTransaction *) blocker->item)->id;
  return FALSE;
}

/* Whether @self writes to @collection: a transaction begun on one
 * collection may write only to others. */
static gboolean
transaction_writes_to (SyncobjTransaction *self,
                       SyncobjCollection  *collection)
{
  guint n = _syncobj_object_list_get_length (self->mutations);

  for (guint i = 0; i < n; i++)
    {
      SyncobjPendingMutation *mutation = _syncobj_object_list_peek (self->mutations, i);
      g_autoptr(SyncobjCollection) written = g_weak_ref_get (&mutation->collection);

      if (written == collection)
        return TRUE;
    }
  return FALSE;
}

/* Queues @self in the lanes of the collections it writes to: only those,
 * so that a transaction begun on one collection that writes only to
 * another does not wait behind the first one's transactions. */
static void
transaction_join_lanes (SyncobjTransaction *self)
{
  g_autoptr(GPtrArray) lanes = g_ptr_array_new ();

  for (guint i = 0; i < self->collections->len; i++)
    {
      SyncobjCollection *collection = g_ptr_array_index (self->collections, i);

      if ((self->collections->len == 1 && self->parked == NULL) || transaction_writes_to (self, collection))
        _syncobj_collection_collect_lanes (collection, self, lanes);
    }

  _syncobj_queue_join (&self->entry, lanes);
}

/* Leaves every lane; the transactions that now head a lane may start. */
static void
transaction_leave_lanes (SyncobjTransaction *self)
{
  _syncobj_queue_leave (&self->entry);
}

/* Waits behind @blocker_id. */
static void
transaction_queue_behind (SyncobjTransaction *self,
                          const char         *blocker_id)
{
  transaction_set_queued_behind (self, blocker_id);
  transaction_set_state (self, SYNCOBJ_TRANSACTION_STATE_QUEUED);
}

/* ---- starting --------------------------------------------------------------- */

/* The queue's start function: the start was scheduled (once committed and
 * stored, or when the transaction ahead of it left a lane). */
static void
transaction_start_cb (gpointer           item,
                      SyncobjQueueEntry *blocker)
{
  SyncobjTransaction *self = item;

  if (self->state != SYNCOBJ_TRANSACTION_STATE_PENDING &&
      self->state != SYNCOBJ_TRANSACTION_STATE_QUEUED)
    return;
  if (!self->durable)
    return;

  if (blocker != NULL)
    {
      transaction_queue_behind (self, ((SyncobjTransaction *) blocker->item)->id);
      return;
    }

  transaction_start_attempt (self);
}

static void
transaction_stop_waiting_for_network (SyncobjTransaction *self)
{
  if (self->online_handler != 0)
    {
      g_signal_handler_disconnect (_syncobj_scheduler_get_default (), self->online_handler);
      self->online_handler = 0;
    }
}

static void
online_changed_cb (SyncobjScheduler   *scheduler,
                   GParamSpec         *pspec,
                   SyncobjTransaction *self)
{
  if (!_syncobj_scheduler_get_online (scheduler))
    return;

  transaction_stop_waiting_for_network (self);
  if (self->retry_timer != 0)
    {
      /* Back online: pending work resumes at once. */
      _syncobj_scheduler_remove (scheduler, self->retry_timer);
      self->retry_timer = 0;
    }
  transaction_start_attempt (self);
}

static void
transaction_wait_for_network (SyncobjTransaction *self)
{
  if (self->online_handler == 0)
    self->online_handler = g_signal_connect (_syncobj_scheduler_get_default (), "notify::online",
                                             G_CALLBACK (online_changed_cb), self);
}

/* ---- finishing ---------------------------------------------------------- */

static void
transaction_finish (SyncobjTransaction *self)
{
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->waiters);

  transaction_stop_waiting_for_network (self);
  if (self->retry_timer != 0)
    {
      _syncobj_scheduler_remove (_syncobj_scheduler_get_default (), self->retry_timer);
      self->retry_timer = 0;
    }

  for (guint i = 0; waiters != NULL && i < waiters->len; i++)
    {
      GTask *task = g_ptr_array_index (waiters, i);
      gulong cancelled_handler = GPOINTER_TO_SIZE (g_task_get_task_data (task));

      if (cancelled_handler != 0)
        g_cancellable_disconnect (g_task_get_cancellable (task), cancelled_handler);

      if (self->state == SYNCOBJ_TRANSACTION_STATE_COMPLETED)
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, g_error_copy (self->error));
    }

  /* Finished transactions stay in the registry as history; they no longer
   * keep their collections alive. */
  g_ptr_array_set_size (self->collections, 0);
}

static void
transaction_complete (SyncobjTransaction *self)
{
  g_autoptr(GPtrArray) collections = g_ptr_array_ref (self->collections);

  transaction_set_mutations_state (self, SYNCOBJ_MUTATION_STATE_SYNCED);
  /* Final at once, announced once the collections show the outcome: a
   * handler of notify::state sees the records as they now stay. */
  self->state = SYNCOBJ_TRANSACTION_STATE_COMPLETED;
  for (guint i = 0; i < collections->len; i++)
    _syncobj_collection_finish_transaction (g_ptr_array_index (collections, i), self, FALSE);
  transaction_announce_state (self);
  transaction_finish (self);
}

static void transaction_fail_full (SyncobjTransaction *self, GError *error, const char *root_id,
                                   gboolean cascade);

static gint
compare_sequence (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  const SyncobjTransaction *x = a;
  const SyncobjTransaction *y = b;

  return x->entry.sequence < y->entry.sequence ? -1 : x->entry.sequence > y->entry.sequence;
}

/* Adds to @found the transactions queued behind @self on its keys that
 * have not started, except for the keys of a lane in @scanned: those were
 * scanned from a transaction committed earlier, so whatever waits there
 * behind @self on that key is known. */
static void
transaction_find_dependents (SyncobjTransaction *self,
                             GHashTable         *scanned,
                             GHashTable         *seen,
                             GSequence          *found)
{
  guint n = _syncobj_object_list_get_length (self->mutations);

  for (guint m = 0; m < n; m++)
    {
      g_autoptr(SyncobjPendingMutation) mutation = g_object_ref (_syncobj_object_list_peek (self->mutations, m));
      g_autoptr(SyncobjCollection) collection = g_weak_ref_get (&mutation->collection);
      SyncobjLane *lane = collection != NULL ? _syncobj_collection_find_lane (collection, mutation->key) : NULL;

      /* A collection's lane holds every key of it: scanned once per key. */
      if (lane == NULL || !g_hash_table_add (scanned, g_strdup_printf ("%p %s", (gpointer) lane, mutation->key)))
        continue;

      for (GList *l = lane->queue.head; l != NULL; l = l->next)
        {
          SyncobjTransaction *other = ((SyncobjQueueEntry *) l->data)->item;

          if (other == self || other->entry.sequence < self->entry.sequence || other->started ||
              state_is_final (other->state) || g_hash_table_contains (seen, other))
            continue;

          if (_syncobj_transaction_find_mutation (other, collection, mutation->key) != NULL)
            {
              g_hash_table_add (seen, other);
              g_sequence_insert_sorted (found, g_object_ref (other), compare_sequence, NULL);
            }
        }
    }
}

/* Fails every queued transaction that touches a key of @self, then those
 * that touch a key of one of them, and so on: in commit order, one after
 * the other. No recursion: a chain of a hundred thousand transactions,
 * each waiting for the one before, fails in constant stack. Dependents
 * are found in commit order, so each key of a lane is scanned once, from
 * the earliest failing transaction on that key. */
static void
transaction_cascade (SyncobjTransaction *self,
                     const char         *root_id)
{
  g_autoptr(GSequence) found = g_sequence_new (g_object_unref);
  g_autoptr(GPtrArray) victims = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) scanned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  SyncobjTransaction *next = self;

  while (next != NULL)
    {
      GSequenceIter *first;

      transaction_find_dependents (next, scanned, seen, found);
      first = g_sequence_get_begin_iter (found);
      next = NULL;
      if (!g_sequence_iter_is_end (first))
        {
          next = g_sequence_get (first);
          g_ptr_array_add (victims, g_object_ref (next));
          g_sequence_remove (first);
        }
    }

  for (guint i = 0; i < victims->len; i++)
    {
      SyncobjTransaction *victim = g_ptr_array_index (victims, i);

      if (state_is_final (victim->state))
        continue;

      transaction_fail_full (victim,
                             g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_DEPENDENCY_FAILED,
                                          _("Transaction %s failed because transaction %s, which it depends on, failed"),
                                          victim->id, root_id),
                             root_id, FALSE);
    }
}

/* With @cascade, the transactions that depend on @self fail too. */
static void
transaction_fail_full (SyncobjTransaction *self,
                       GError             *error,
                       const char         *root_id,
                       gboolean            cascade)
{
  g_autoptr(SyncobjTransaction) keep = g_object_ref (self);
  g_autoptr(GPtrArray) collections = g_ptr_array_ref (self->collections);

  g_clear_error (&self->error);
  self->error = error;
  g_free (self->error_transaction_id);
  self->error_transaction_id = g_strdup (root_id != NULL ? root_id : self->id);
  transaction_pop_open (self);

  _syncobj_log_transaction (G_LOG_LEVEL_INFO, self->id, "transaction %s failed: %s",
                            self->id, error->message);

  /* As in transaction_complete(): announced after the rollback. */
  self->state = SYNCOBJ_TRANSACTION_STATE_FAILED;
  for (guint i = 0; i < collections->len; i++)
    _syncobj_collection_finish_transaction (g_ptr_array_index (collections, i), self, TRUE);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_TRANSACTION_ID]);
  transaction_announce_state (self);

  if (self->committed)
    {
      if (cascade)
        transaction_cascade (self, self->error_transaction_id);
      transaction_leave_lanes (self);
    }

  transaction_finish (self);
}

static void
transaction_fail (SyncobjTransaction *self,
                  GError             *error,
                  const char         *root_id)
{
  transaction_fail_full (self, error, root_id, TRUE);
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
    _syncobj_log_transaction (G_LOG_LEVEL_MESSAGE, self->id,
                              "transaction %s persisted, but waiting for its sync echo failed: %s",
                              self->id, error->message);

  if (self->state == SYNCOBJ_TRANSACTION_STATE_PERSISTED_AWAITING_SYNC)
    transaction_complete (self);
}

static void
transaction_persisted (SyncobjTransaction *self)
{
  g_autoptr(SyncobjCollection) owner = transaction_dup_owner (self);
  SyncobjMutator *mutator = owner != NULL ? syncobj_collection_get_mutator (owner) : NULL;

  transaction_set_state (self, SYNCOBJ_TRANSACTION_STATE_PERSISTED_AWAITING_SYNC);
  transaction_leave_lanes (self);

  /* Nothing to wait for: complete now rather than one main-loop iteration
   * later through a GTask that is already done. */
  if (mutator == NULL || !syncobj_mutator_awaits_sync (mutator, self, syncobj_collection_get_sync (owner)))
    {
      transaction_complete (self);
      return;
    }

  syncobj_mutator_await_sync_async (mutator, self, syncobj_collection_get_sync (owner),
                                    transaction_cancellable (self), await_sync_cb, g_object_ref (self));
}

static gboolean
retry_cb (gpointer data)
{
  SyncobjTransaction *self = data;

  self->retry_timer = 0;
  transaction_start_attempt (self);

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
  guint delay;

  if (!offline)
    self->counted_attempts++;

  if (policy == NULL ||
      (!offline && !syncobj_retry_policy_is_retriable (policy, error)) ||
      (!offline && self->counted_attempts >= syncobj_retry_policy_get_max_attempts (policy)))
    {
      transaction_fail (self, error, NULL);
      return;
    }

  if (self->retry_after_ms >= 0)
    delay = (guint) self->retry_after_ms;
  else
    delay = syncobj_retry_policy_get_delay (policy, MAX (self->counted_attempts, 1));
  self->retry_after_ms = -1;

  _syncobj_log_transaction (G_LOG_LEVEL_INFO, self->id,
                            "transaction %s attempt %u failed (%s); retrying in %u ms",
                            self->id, attempt->number, error->message, delay);
  g_error_free (error);

  _syncobj_attempt_set_retry_scheduled_for (attempt, now_us () + (gint64) delay * 1000);
  self->retry_timer = _syncobj_scheduler_add (_syncobj_scheduler_get_default (), delay,
                                              retry_cb, self, NULL);
  transaction_changed (self);
  if (offline)
    transaction_wait_for_network (self);
}

static void
persist_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SyncobjTransaction) self = user_data;
  g_autoptr(SyncobjAttempt) attempt = NULL;
  GError *error = NULL;
  gboolean ok;

  ok = syncobj_mutator_persist_finish (SYNCOBJ_MUTATOR (source), result, &error);
  if (self->state != SYNCOBJ_TRANSACTION_STATE_PERSISTING)
    {
      g_clear_error (&error);
      return;
    }

  attempt = transaction_get_attempt (self, self->current_attempt);
  if (attempt != NULL)
    g_object_ref (attempt);
  _syncobj_attempt_finish (attempt, now_us (), error);

  if (ok)
    transaction_persisted (self);
  else
    transaction_attempt_failed (self, attempt, error);
}

/* From the first attempt on, the keys are locked and cannot roll back. */
static void
transaction_mark_started (SyncobjTransaction *self)
{
  if (self->started)
    return;

  self->started = TRUE;
  transaction_set_queued_behind (self, NULL);
  for (guint i = 0; i < self->collections->len; i++)
    _syncobj_collection_lock (g_ptr_array_index (self->collections, i), self);
  transaction_set_mutations_state (self, SYNCOBJ_MUTATION_STATE_PERSISTING);
}

static void
transaction_start_attempt (SyncobjTransaction *self)
{
  g_autoptr(SyncobjCollection) owner = transaction_dup_owner (self);
  SyncobjMutator *mutator = owner != NULL ? syncobj_collection_get_mutator (owner) : NULL;
  g_autoptr(SyncobjAttempt) attempt = NULL;

  if (state_is_final (self->state))
    return;

  if (!_syncobj_scheduler_get_online (_syncobj_scheduler_get_default ()))
    {
      /* No attempt is spent while the network is down. One that may go
       * next but never went waits for nobody: it is pending again. */
      if (!self->started)
        {
          transaction_set_queued_behind (self, NULL);
          transaction_set_state (self, SYNCOBJ_TRANSACTION_STATE_PENDING);
        }
      transaction_wait_for_network (self);
      return;
    }

  transaction_mark_started (self);

  if (mutator == NULL)
    {
      transaction_fail (self,
                        g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE,
                                     _("Collection “%s” has no mutator to persist transaction %s"),
                                     owner != NULL ? syncobj_collection_get_id (owner) : "?", self->id),
                        NULL);
      return;
    }

  attempt = _syncobj_attempt_new (++self->current_attempt, now_us ());
  transaction_add_attempt (self, attempt);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT_ATTEMPT]);
  if (self->state == SYNCOBJ_TRANSACTION_STATE_PERSISTING)
    transaction_changed (self);
  else
    transaction_set_state (self, SYNCOBJ_TRANSACTION_STATE_PERSISTING);

  syncobj_mutator_persist_async (mutator, self, transaction_cancellable (self), persist_cb, g_object_ref (self));
}

static void
store_saved_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SyncobjTransaction) self = user_data;
  g_autoptr(GError) error = NULL;

  /* A store that fails keeps the app working, in memory; the store tells
   * the app (SyncobjStore:write-error) and writes the row again later. */
  if (!_syncobj_store_save_finish (SYNCOBJ_STORE (source), result, &error))
    _syncobj_log_transaction (G_LOG_LEVEL_DEBUG, self->id,
                              "transaction %s could not be stored: %s", self->id, error->message);

  self->durable = TRUE;
  _syncobj_queue_schedule_start (&self->entry);
}

/* ---- the durable state: snapshots for the store, rebuilt by recovery ----- */

void
_syncobj_transaction_ensure_sequence_above (guint64 sequence)
{
  last_sequence = MAX (last_sequence, sequence);
}

static SyncobjStoredMutation *
stored_mutation_new (SyncobjPendingMutation *mutation)
{
  SyncobjStoredMutation *stored = _syncobj_stored_mutation_new ();

  stored->mutation_id = g_strdup (mutation->mutation_id);
  stored->collection_id = g_strdup (mutation->collection_id);
  stored->key = g_strdup (mutation->key);
  stored->type = mutation->type;
  stored->original = mutation->original != NULL ? json_object_ref (mutation->original) : NULL;
  stored->modified = mutation->modified != NULL ? json_object_ref (mutation->modified) : NULL;
  stored->changes = mutation->changes != NULL ? json_object_ref (mutation->changes) : NULL;
  stored->metadata = mutation->metadata != NULL ? json_object_ref (mutation->metadata) : NULL;
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
  guint n_attempts = self->attempt_list != NULL ? self->attempt_list->len : 0;

  stored->id = g_strdup (self->id);
  stored->state = self->state;
  stored->created_at_us = self->created_at_us;
  stored->updated_at_us = self->updated_at_us;
  stored->sequence = self->entry.sequence;
  stored->current_attempt = self->current_attempt;
  stored->counted_attempts = self->counted_attempts;
  stored->queued_behind = g_strdup (self->queued_behind);
  stored->error = self->error != NULL ? g_error_copy (self->error) : NULL;
  stored->error_transaction_id = g_strdup (self->error_transaction_id);
  stored->metadata = self->metadata != NULL ? json_object_ref (self->metadata) : NULL;

  for (guint i = 0; i < n_attempts; i++)
    {
      SyncobjAttempt *attempt = g_ptr_array_index (self->attempt_list, i);
      SyncobjStoredAttempt copy = {
        g_strdup (attempt->id), attempt->number, attempt->started_at_us, attempt->completed_at_us,
        attempt->retry_scheduled_for_us, attempt->error != NULL ? g_error_copy (attempt->error) : NULL,
      };

      g_array_append_val (stored->attempts, copy);
    }

  if (with_mutations)
    {
      g_autoptr(SyncobjCollection) owner = transaction_dup_owner (self);
      guint n = _syncobj_object_list_get_length (self->mutations);

      stored->collection_id = g_strdup (owner != NULL ? syncobj_collection_get_id (owner) : "");
      for (guint i = 0; i < n; i++)
        g_ptr_array_add (stored->mutations, stored_mutation_new (_syncobj_object_list_peek (self->mutations, i)));
    }

  return stored;
}

static SyncobjStoredTransaction *
transaction_snapshot_cb (GObject *source)
{
  return transaction_snapshot (SYNCOBJ_TRANSACTION (source), FALSE);
}

static SyncobjStoredTransaction *
transaction_full_snapshot_cb (GObject *source)
{
  return transaction_snapshot (SYNCOBJ_TRANSACTION (source), TRUE);
}

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

SyncobjTransaction *
_syncobj_transaction_new_restored (SyncobjCollection        *owner,
                                   SyncobjStoredTransaction *stored)
{
  SyncobjTransaction *self = g_object_new (SYNCOBJ_TYPE_TRANSACTION, NULL);
  SyncobjAttempt *last = NULL;
  gboolean active;

  g_free (self->id);
  self->id = g_strdup (stored->id);
  self->state = stored->state;
  self->created_at_us = stored->created_at_us;
  self->updated_at_us = stored->updated_at_us;
  self->entry.sequence = stored->sequence;
  self->current_attempt = stored->current_attempt;
  self->counted_attempts = stored->counted_attempts;
  self->queued_behind = g_strdup (stored->queued_behind);
  self->error = stored->error != NULL ? g_error_copy (stored->error) : NULL;
  self->error_transaction_id = g_strdup (stored->error_transaction_id);
  self->metadata = stored->metadata != NULL ? json_object_ref (stored->metadata) : NULL;
  self->committed = TRUE;
  self->durable = TRUE;
  g_weak_ref_set (&self->owner, owner);

  for (guint i = 0; i < stored->attempts->len; i++)
    {
      g_autoptr(SyncobjAttempt) attempt = attempt_from_stored (&g_array_index (stored->attempts, SyncobjStoredAttempt, i));

      transaction_add_attempt (self, attempt);
      last = attempt;
    }

  /* Persisted before the restart: the server has it (the specification
   * assumes success); its optimistic state is not re-applied. */
  if (self->state == SYNCOBJ_TRANSACTION_STATE_PERSISTED_AWAITING_SYNC ||
      (self->state == SYNCOBJ_TRANSACTION_STATE_PERSISTING && last != NULL &&
       last->completed_at_us != 0 && last->error == NULL))
    self->state = SYNCOBJ_TRANSACTION_STATE_COMPLETED;

  active = !state_is_final (self->state);
  if (active)
    g_ptr_array_add (self->collections, g_object_ref (owner));   /* first: see transaction_dup_owner() */
  _syncobj_registry_add_transaction (syncobj_registry_get_default (), self, self->id, FALSE);
  if (active)
    _syncobj_collection_add_transaction (owner, self);
  else if (self->state != stored->state)
    {
      _syncobj_log_transaction (G_LOG_LEVEL_INFO, self->id,
                                "transaction %s had persisted before the restart; it is completed",
                                self->id);
      transaction_changed (self);
    }

  return self;
}

void
_syncobj_transaction_add_restored_mutation (SyncobjTransaction     *self,
                                            SyncobjCollection      *collection,
                                            SyncobjPendingMutation *mutation)
{
  if (state_is_final (self->state))
    {
      /* History: listed, but no longer part of any collection. */
      transaction_list_mutation (self, collection, mutation);
      return;
    }

  _syncobj_transaction_add_mutation (self, mutation);
  _syncobj_collection_restore_mutation (collection, mutation);
}

void
_syncobj_transaction_park_mutation (SyncobjTransaction    *self,
                                    SyncobjStoredMutation *mutation)
{
  if (self->parked == NULL)
    self->parked = g_ptr_array_new_with_free_func ((GDestroyNotify) _syncobj_stored_mutation_free);
  g_ptr_array_add (self->parked, mutation);
}

GPtrArray *
_syncobj_transaction_get_parked (SyncobjTransaction *self)
{
  return self->parked;
}

gboolean
_syncobj_transaction_parked_changed (SyncobjTransaction *self)
{
  gboolean done = self->parked->len == 0;

  if (done)
    g_clear_pointer (&self->parked, g_ptr_array_unref);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WAITING_FOR_COLLECTION]);
  return done;
}

gboolean
_syncobj_transaction_requeue (SyncobjTransaction *self)
{
  if (_syncobj_object_list_get_length (self->mutations) == 0 && self->parked == NULL)
    {
      transaction_complete (self);
      return FALSE;
    }

  transaction_join_lanes (self);
  return TRUE;
}

/* Joins the lanes of @collection (newly open) in commit order: after the
 * transactions of that collection restored with a lower sequence. */
void
_syncobj_transaction_join_lanes_of (SyncobjTransaction *self,
                                   SyncobjCollection  *collection)
{
  g_autoptr(GPtrArray) lanes = g_ptr_array_new ();

  _syncobj_collection_collect_lanes (collection, self, lanes);
  _syncobj_queue_join_in_order (&self->entry, lanes);
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

  failure->transaction->retry_timer = 0;
  transaction_fail (failure->transaction, g_steal_pointer (&failure->error), NULL);
  return G_SOURCE_REMOVE;
}

/* Resumes a restored persisting transaction: its keys lock at once; the
 * interrupted attempt, if any, counts; the retry schedule holds. */
static void
restore_persisting (SyncobjTransaction *self,
                    SyncobjCollection  *owner)
{
  guint n = self->attempt_list != NULL ? self->attempt_list->len : 0;
  g_autoptr(SyncobjAttempt) last = n > 0 ? g_object_ref (transaction_get_attempt (self, n)) : NULL;
  SyncobjRetryPolicy *policy = syncobj_collection_get_retry_policy (owner);
  gint64 delay_us = 0;

  transaction_mark_started (self);

  if (last != NULL && last->completed_at_us == 0)
    {
      GError *error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_FAILED,
                                   _("The application stopped during attempt %u of transaction %s"),
                                   last->number, self->id);

      _syncobj_attempt_finish (last, now_us (), error);
      self->counted_attempts++;
      transaction_changed (self);
      if (policy != NULL && self->counted_attempts >= syncobj_retry_policy_get_max_attempts (policy))
        {
          /* Out of attempts: it fails from an idle, once every restored
           * transaction is back in its queue, so that its dependents fail
           * with it. */
          RestoreFailure *failure = g_new0 (RestoreFailure, 1);

          failure->transaction = g_object_ref (self);
          failure->error = error;
          self->retry_timer = _syncobj_scheduler_add (_syncobj_scheduler_get_default (), 0,
                                                      restore_fail_cb, failure, restore_failure_free);
          return;
        }
      g_error_free (error);
    }
  else if (last != NULL && last->retry_scheduled_for_us != 0)
    delay_us = last->retry_scheduled_for_us - now_us ();

  self->retry_timer = _syncobj_scheduler_add (_syncobj_scheduler_get_default (),
                                              delay_us > 0 ? (guint) MIN (delay_us / 1000, G_MAXUINT) : 0,
                                              retry_cb, self, NULL);
}

void
_syncobj_transaction_resume (SyncobjTransaction *self)
{
  g_autoptr(SyncobjCollection) owner = transaction_dup_owner (self);

  if (owner == NULL)
    return;

  if (self->state == SYNCOBJ_TRANSACTION_STATE_PERSISTING)
    restore_persisting (self, owner);
  else
    {
      const char *blocker_id = NULL;

      if (transaction_heads_all_lanes (self, &blocker_id))
        _syncobj_queue_schedule_start (&self->entry);
      else
        transaction_queue_behind (self, blocker_id);
    }
}

/* ---- public API -------------------------------------------------------- */

/**
 * syncobj_transaction_commit:
 * @self: a transaction begun with [method@Syncobj.Collection.begin]
 * @error: return location for an error
 *
 * Ends the gathering of writes and sends the transaction on its way: it is
 * stored, queued and persisted as described in [class@Syncobj.Transaction].
 * A transaction without writes completes at once.
 *
 * Returns: %TRUE on success; %FALSE with %SYNCOBJ_ERROR_INVALID_STATE if the
 *   transaction was already committed or is finished
 */
gboolean
syncobj_transaction_commit (SyncobjTransaction  *self,
                            GError             **error)
{
  SyncobjStore *store;
  const char *blocker_id = NULL;

  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->committed || state_is_final (self->state))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE,
                   _("Transaction %s cannot be committed: it is already %s"),
                   self->id, self->committed && !state_is_final (self->state)
                             ? _("committed") : syncobj_transaction_get_state_name (self));
      return FALSE;
    }

  transaction_pop_open (self);
  self->committed = TRUE;
  self->entry.sequence = ++last_sequence;

  if (_syncobj_object_list_get_length (self->mutations) == 0)
    {
      transaction_complete (self);
      return TRUE;
    }

  transaction_join_lanes (self);

  store = transaction_get_store (self);
  if (store != NULL)
    _syncobj_store_save_async (store, G_OBJECT (self), transaction_full_snapshot_cb, store_saved_cb,
                               g_object_ref (self));
  else
    self->durable = TRUE;

  if (!transaction_heads_all_lanes (self, &blocker_id))
    transaction_queue_behind (self, blocker_id);
  else if (self->durable)
    _syncobj_queue_schedule_start (&self->entry);

  return TRUE;
}

/**
 * syncobj_transaction_rollback:
 * @self: a transaction
 * @error: return location for an error
 *
 * Abandons a transaction that has not started persisting (`pending` or
 * `queued`): its optimistic changes are removed and it ends `failed` with
 * %SYNCOBJ_ERROR_CANCELLED. Queued transactions that touch its keys fail
 * with it, as after any failure.
 *
 * Returns: %TRUE on success; %FALSE with %SYNCOBJ_ERROR_INVALID_STATE once
 *   the transaction is persisting or finished
 */
gboolean
syncobj_transaction_rollback (SyncobjTransaction  *self,
                              GError             **error)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->started || state_is_final (self->state))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE,
                   _("Transaction %s cannot be rolled back: it is already %s"),
                   self->id, syncobj_transaction_get_state_name (self));
      return FALSE;
    }

  transaction_fail (self,
                    g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_CANCELLED,
                                 _("Transaction %s was rolled back"), self->id),
                    NULL);
  return TRUE;
}

/**
 * syncobj_transaction_retry_now:
 * @self: a transaction
 *
 * Starts the next attempt of a transaction that waits for a scheduled retry
 * at once, instead of at [property@Syncobj.Attempt:retry-scheduled-for].
 *
 * Returns: %TRUE if a waiting retry was started
 */
gboolean
syncobj_transaction_retry_now (SyncobjTransaction *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), FALSE);

  if (self->retry_timer == 0)
    return FALSE;

  _syncobj_scheduler_remove (_syncobj_scheduler_get_default (), self->retry_timer);
  self->retry_timer = 0;
  transaction_start_attempt (self);
  return TRUE;
}

/**
 * syncobj_transaction_insert:
 * @self: an uncommitted transaction
 * @collection: the collection to write to
 * @value: the new record; it must hold the collection's key member
 * @error: return location for an error
 *
 * Adds an insert of @value into @collection to @self, applied
 * optimistically at once. See [method@Syncobj.Collection.insert].
 *
 * Returns: %TRUE on success
 */
gboolean
syncobj_transaction_insert (SyncobjTransaction  *self,
                            SyncobjCollection   *collection,
                            JsonObject          *value,
                            GError             **error)
{
  g_autoptr(SyncobjTransaction) transaction = NULL;

  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), FALSE);
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (collection), FALSE);

  transaction = _syncobj_collection_write (collection, self, SYNCOBJ_MUTATION_TYPE_INSERT, NULL, value, error);
  return transaction != NULL;
}

/**
 * syncobj_transaction_update:
 * @self: an uncommitted transaction
 * @collection: the collection to write to
 * @key: the key of a visible record
 * @changes: the members to set, merged shallowly into the record
 * @error: return location for an error
 *
 * Adds an update to @self, applied optimistically at once. See
 * [method@Syncobj.Collection.update].
 *
 * Returns: %TRUE on success
 */
gboolean
syncobj_transaction_update (SyncobjTransaction  *self,
                            SyncobjCollection   *collection,
                            const char          *key,
                            JsonObject          *changes,
                            GError             **error)
{
  g_autoptr(SyncobjTransaction) transaction = NULL;

  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), FALSE);
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (collection), FALSE);

  transaction = _syncobj_collection_write (collection, self, SYNCOBJ_MUTATION_TYPE_UPDATE, key, changes, error);
  return transaction != NULL;
}

/**
 * syncobj_transaction_delete:
 * @self: an uncommitted transaction
 * @collection: the collection to write to
 * @key: the key of a visible record
 * @error: return location for an error
 *
 * Adds a delete to @self, applied optimistically at once. See
 * [method@Syncobj.Collection.delete].
 *
 * Returns: %TRUE on success
 */
gboolean
syncobj_transaction_delete (SyncobjTransaction  *self,
                            SyncobjCollection   *collection,
                            const char          *key,
                            GError             **error)
{
  g_autoptr(SyncobjTransaction) transaction = NULL;

  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), FALSE);
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (collection), FALSE);

  transaction = _syncobj_collection_write (collection, self, SYNCOBJ_MUTATION_TYPE_DELETE, key, NULL, error);
  return transaction != NULL;
}

/* A cancelled wait ends at once; the transaction goes on. From an idle:
 * a handler of ::cancelled must not disconnect itself. */
static gboolean
wait_cancelled_idle (gpointer data)
{
  GTask *task = data;
  SyncobjTransaction *self = g_task_get_source_object (task);
  guint index;

  if (self->waiters != NULL && g_ptr_array_find (self->waiters, task, &index))
    {
      g_autoptr(GTask) cancelled = g_ptr_array_steal_index (self->waiters, index);

      g_cancellable_disconnect (g_task_get_cancellable (cancelled),
                                GPOINTER_TO_SIZE (g_task_get_task_data (cancelled)));
      g_task_return_error_if_cancelled (cancelled);
    }

  return G_SOURCE_REMOVE;
}

static void
wait_cancelled_cb (GCancellable *cancellable,
                   GTask        *task)
{
  g_autoptr(GSource) idle = g_idle_source_new ();

  g_source_set_callback (idle, wait_cancelled_idle, g_object_ref (task), g_object_unref);
  g_source_attach (idle, g_task_get_context (task));
}

/**
 * syncobj_transaction_wait_async:
 * @self: a transaction
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the transaction is finished
 * @user_data: closure data
 *
 * Waits until the transaction is `completed` or `failed`. Cancelling
 * @cancellable ends the wait at once with %G_IO_ERROR_CANCELLED; it does
 * not stop the transaction (see [method@Syncobj.Transaction.rollback]).
 */
void
syncobj_transaction_wait_async (SyncobjTransaction  *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SYNCOBJ_IS_TRANSACTION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, syncobj_transaction_wait_async);
  g_task_set_check_cancellable (task, TRUE);

  if (self->state == SYNCOBJ_TRANSACTION_STATE_COMPLETED)
    g_task_return_boolean (task, TRUE);
  else if (self->state == SYNCOBJ_TRANSACTION_STATE_FAILED)
    g_task_return_error (task, g_error_copy (self->error));
  else if (!g_task_return_error_if_cancelled (task))
    {
      if (cancellable != NULL)
        g_task_set_task_data (task,
                              GSIZE_TO_POINTER (g_cancellable_connect (cancellable, G_CALLBACK (wait_cancelled_cb),
                                                                       task, NULL)),
                              NULL);
      /* Made on first use: most transactions are never waited for. */
      if (self->waiters == NULL)
        self->waiters = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (self->waiters, g_steal_pointer (&task));
    }
}

/**
 * syncobj_transaction_wait_finish:
 * @self: a transaction
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Syncobj.Transaction.wait_async].
 *
 * Returns: %TRUE if the transaction completed; %FALSE with its
 *   [property@Syncobj.Transaction:error] if it failed
 */
gboolean
syncobj_transaction_wait_finish (SyncobjTransaction  *self,
                                 GAsyncResult        *result,
                                 GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * syncobj_transaction_get_id:
 * @self: a transaction
 *
 * Gets [property@Syncobj.Transaction:id], which also makes the
 * Idempotency-Key of its requests.
 *
 * Returns: the unique id of the transaction (a UUID)
 */
const char *
syncobj_transaction_get_id (SyncobjTransaction *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);
  return self->id;
}

/**
 * syncobj_transaction_get_state:
 * @self: a transaction
 *
 * Gets [property@Syncobj.Transaction:state]; watch `notify::state` to follow
 * it.
 *
 * Returns: the state of the transaction
 */
SyncobjTransactionState
syncobj_transaction_get_state (SyncobjTransaction *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), SYNCOBJ_TRANSACTION_STATE_FAILED);
  return self->state;
}

/**
 * syncobj_transaction_get_state_name:
 * @self: a transaction
 *
 * The state as the specification spells it: `pending`, `queued`,
 * `persisting`, `persisted_awaiting_sync`, `completed` or `failed`.
 *
 * Returns: the name of the state
 */
const char *
syncobj_transaction_get_state_name (SyncobjTransaction *self)
{
  static const char *names[] = {
    "pending", "queued", "persisting", "persisted_awaiting_sync", "completed", "failed",
  };

  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);
  return names[self->state];
}

/**
 * syncobj_transaction_is_finished:
 * @self: a transaction
 *
 * Tells whether the transaction reached a final state.
 *
 * Returns: %TRUE when the transaction is `completed` or `failed`
 */
gboolean
syncobj_transaction_is_finished (SyncobjTransaction *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), TRUE);
  return state_is_final (self->state);
}

/**
 * syncobj_transaction_get_created_at:
 * @self: a transaction
 *
 * Gets [property@Syncobj.Transaction:created-at].
 *
 * Returns: (transfer none): when the transaction was created
 */
GDateTime *
syncobj_transaction_get_created_at (SyncobjTransaction *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);

  if (self->created_at == NULL)
    self->created_at = _syncobj_date_time_new (self->created_at_us);
  return self->created_at;
}

/**
 * syncobj_transaction_get_updated_at:
 * @self: a transaction
 *
 * Gets [property@Syncobj.Transaction:updated-at], the time of its last change
 * of state, attempt or mutation.
 *
 * Returns: (transfer none): when the transaction last changed
 */
GDateTime *
syncobj_transaction_get_updated_at (SyncobjTransaction *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);

  if (self->updated_at == NULL)
    self->updated_at = _syncobj_date_time_new (self->updated_at_us);
  return self->updated_at;
}

/**
 * syncobj_transaction_get_mutations:
 * @self: a transaction
 *
 * Gets the writes of the transaction.
 *
 * Returns: (transfer none): a list model of [class@Syncobj.PendingMutation],
 *   one per written key
 */
GListModel *
syncobj_transaction_get_mutations (SyncobjTransaction *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);
  return G_LIST_MODEL (self->mutations);
}

/**
 * syncobj_transaction_get_attempts:
 * @self: a transaction
 *
 * Gets the persist attempts of the transaction, each with its times and
 * error.
 *
 * Returns: (transfer none): a list model of [class@Syncobj.Attempt], oldest
 *   first
 */
GListModel *
syncobj_transaction_get_attempts (SyncobjTransaction *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);
  return G_LIST_MODEL (transaction_attempts (self));
}

/**
 * syncobj_transaction_get_current_attempt:
 * @self: a transaction
 *
 * Gets [property@Syncobj.Transaction:current-attempt].
 *
 * Returns: the number of the latest persist attempt, 0 before the first
 */
guint
syncobj_transaction_get_current_attempt (SyncobjTransaction *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), 0);
  return self->current_attempt;
}

/**
 * syncobj_transaction_get_waiting_for_collection:
 * @self: a transaction
 *
 * Gets [property@Syncobj.Transaction:waiting-for-collection]: why a
 * transaction restored after a restart has not resumed yet.
 *
 * Returns: (nullable): the id of a collection the transaction writes to
 *   that is not open yet, or %NULL
 */
const char *
syncobj_transaction_get_waiting_for_collection (SyncobjTransaction *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);

  if (self->parked == NULL || self->parked->len == 0)
    return NULL;
  return ((SyncobjStoredMutation *) g_ptr_array_index (self->parked, 0))->collection_id;
}

/**
 * syncobj_transaction_get_queued_behind:
 * @self: a transaction
 *
 * Gets [property@Syncobj.Transaction:queued-behind].
 *
 * Returns: (nullable): the id of the transaction this one waits for while
 *   `queued`
 */
const char *
syncobj_transaction_get_queued_behind (SyncobjTransaction *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);
  return self->queued_behind;
}

/**
 * syncobj_transaction_get_error:
 * @self: a transaction
 *
 * Gets [property@Syncobj.Transaction:error]: set when the transaction failed.
 *
 * Returns: (nullable) (transfer none): why the transaction failed
 */
const GError *
syncobj_transaction_get_error (SyncobjTransaction *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);
  return self->error;
}

/**
 * syncobj_transaction_get_error_transaction_id:
 * @self: a transaction
 *
 * For a dependency failure, the id of the transaction whose failure caused
 * it; for any other failure, the id of @self.
 *
 * Returns: (nullable): a transaction id, or %NULL unless failed
 */
const char *
syncobj_transaction_get_error_transaction_id (SyncobjTransaction *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);
  return self->error_transaction_id;
}

/**
 * syncobj_transaction_get_collection:
 * @self: a transaction
 *
 * Gets the collection the transaction was begun on.
 *
 * Returns: (transfer none) (nullable): the collection the transaction was
 *   created on, whose mutator persists it; %NULL once it was finalized
 */
SyncobjCollection *
syncobj_transaction_get_collection (SyncobjTransaction *self)
{
  g_autoptr(SyncobjCollection) owner = NULL;

  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);

  /* Weak: the pointer stays valid while anybody else holds the collection. */
  owner = transaction_dup_owner (self);
  return owner;
}

/**
 * syncobj_transaction_get_metadata:
 * @self: a transaction
 *
 * Gets the application's data attached with
 * [method@Syncobj.Transaction.set_metadata].
 *
 * Returns: (transfer none) (nullable): application data attached to the
 *   transaction
 */
JsonObject *
syncobj_transaction_get_metadata (SyncobjTransaction *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);
  return self->metadata;
}

/**
 * syncobj_transaction_set_metadata:
 * @self: a transaction
 * @metadata: (nullable): application data, stored with the transaction
 *
 * Attaches application data to the transaction; mutators may read it.
 */
void
syncobj_transaction_set_metadata (SyncobjTransaction *self,
                                  JsonObject         *metadata)
{
  g_return_if_fail (SYNCOBJ_IS_TRANSACTION (self));

  if (self->metadata == metadata)
    return;
  g_clear_pointer (&self->metadata, json_object_unref);
  self->metadata = metadata != NULL ? _syncobj_json_copy (metadata) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_METADATA]);
  /* The store keeps metadata too. */
  transaction_changed (self);
}

/**
 * syncobj_transaction_to_json:
 * @self: a transaction
 *
 * Describes the transaction as JSON: id, state, dates (ISO 8601), current
 * attempt, queued-behind, error, and its mutations.
 *
 * Returns: (transfer full): compact JSON text
 */
char *
syncobj_transaction_to_json (SyncobjTransaction *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *created = NULL;
  g_autofree char *updated = NULL;
  guint n;

  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);

  created = g_date_time_format_iso8601 (syncobj_transaction_get_created_at (self));
  updated = g_date_time_format_iso8601 (syncobj_transaction_get_updated_at (self));

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, self->id);
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, syncobj_transaction_get_state_name (self));
  json_builder_set_member_name (builder, "created_at");
  json_builder_add_string_value (builder, created);
  json_builder_set_member_name (builder, "updated_at");
  json_builder_add_string_value (builder, updated);
  json_builder_set_member_name (builder, "current_attempt");
  json_builder_add_int_value (builder, self->current_attempt);
  if (self->queued_behind != NULL)
    {
      json_builder_set_member_name (builder, "queued_behind");
      json_builder_add_string_value (builder, self->queued_behind);
    }
  if (self->error != NULL)
    {
      json_builder_set_member_name (builder, "error");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, self->error->message);
      json_builder_set_member_name (builder, "transaction_id");
      json_builder_add_string_value (builder, self->error_transaction_id);
      json_builder_end_object (builder);
    }
  json_builder_set_member_name (builder, "mutations");
  json_builder_begin_array (builder);
  n = _syncobj_object_list_get_length (self->mutations);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyncobjPendingMutation) mutation = g_object_ref (_syncobj_object_list_peek (self->mutations, i));
      g_autofree char *text = syncobj_pending_mutation_to_json (mutation);

      json_builder_add_value (builder, json_from_string (text, NULL));
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/* ---- GObject ---------------------------------------------------------------- */

static void
syncobj_transaction_dispose (GObject *object)
{
  SyncobjTransaction *self = SYNCOBJ_TRANSACTION (object);

  transaction_stop_waiting_for_network (self);
  if (self->retry_timer != 0)
    {
      _syncobj_scheduler_remove (_syncobj_scheduler_get_default (), self->retry_timer);
      self->retry_timer = 0;
    }
  g_ptr_array_set_size (self->collections, 0);

  G_OBJECT_CLASS (syncobj_transaction_parent_class)->dispose (object);
}

static void
syncobj_transaction_finalize (GObject *object)
{
  SyncobjTransaction *self = SYNCOBJ_TRANSACTION (object);

  g_free (self->id);
  g_clear_pointer (&self->created_at, g_date_time_unref);
  g_clear_pointer (&self->updated_at, g_date_time_unref);
  g_clear_object (&self->mutations);
  g_clear_object (&self->attempts);
  g_clear_pointer (&self->attempt_list, g_ptr_array_unref);
  g_clear_pointer (&self->mutation_index, g_hash_table_unref);
  g_free (self->queued_behind);
  g_clear_error (&self->error);
  g_free (self->error_transaction_id);
  g_clear_pointer (&self->metadata, json_object_unref);
  g_weak_ref_clear (&self->owner);
  g_clear_pointer (&self->collections, g_ptr_array_unref);
  _syncobj_queue_entry_clear (&self->entry);
  g_clear_pointer (&self->waiters, g_ptr_array_unref);
  g_clear_pointer (&self->parked, g_ptr_array_unref);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (syncobj_transaction_parent_class)->finalize (object);
}

static void
syncobj_transaction_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  SyncobjTransaction *self = SYNCOBJ_TRANSACTION (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_CREATED_AT:
      g_value_set_boxed (value, syncobj_transaction_get_created_at (self));
      break;
    case PROP_UPDATED_AT:
      g_value_set_boxed (value, syncobj_transaction_get_updated_at (self));
      break;
    case PROP_MUTATIONS:
      g_value_set_object (value, self->mutations);
      break;
    case PROP_ATTEMPTS:
      g_value_set_object (value, transaction_attempts (self));
      break;
    case PROP_CURRENT_ATTEMPT:
      g_value_set_uint (value, self->current_attempt);
      break;
    case PROP_QUEUED_BEHIND:
      g_value_set_string (value, self->queued_behind);
      break;
    case PROP_WAITING_FOR_COLLECTION:
      g_value_set_string (value, syncobj_transaction_get_waiting_for_collection (self));
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    case PROP_ERROR_TRANSACTION_ID:
      g_value_set_string (value, self->error_transaction_id);
      break;
    case PROP_COLLECTION:
      g_value_take_object (value, transaction_dup_owner (self));
      break;
    case PROP_METADATA:
      g_value_set_boxed (value, self->metadata);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_transaction_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  SyncobjTransaction *self = SYNCOBJ_TRANSACTION (object);

  switch (prop_id)
    {
    case PROP_METADATA:
      syncobj_transaction_set_metadata (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_transaction_class_init (SyncobjTransactionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _syncobj_ensure_i18n ();

  object_class->dispose = syncobj_transaction_dispose;
  object_class->finalize = syncobj_transaction_finalize;
  object_class->get_property = syncobj_transaction_get_property;
  object_class->set_property = syncobj_transaction_set_property;

  /**
   * SyncobjTransaction:id:
   *
   * The unique id of the transaction (a UUID).
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjTransaction:state:
   *
   * Where the transaction is in its life cycle.
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       SYNCOBJ_TYPE_TRANSACTION_STATE, SYNCOBJ_TRANSACTION_STATE_PENDING,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjTransaction:created-at:
   *
   * When the transaction was created.
   */
  properties[PROP_CREATED_AT] =
    g_param_spec_boxed ("created-at", NULL, NULL, G_TYPE_DATE_TIME,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjTransaction:updated-at:
   *
   * When the transaction last changed state or recorded an attempt.
   */
  properties[PROP_UPDATED_AT] =
    g_param_spec_boxed ("updated-at", NULL, NULL, G_TYPE_DATE_TIME,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjTransaction:mutations:
   *
   * The writes of the transaction, one [class@Syncobj.PendingMutation] per
   * written key.
   */
  properties[PROP_MUTATIONS] =
    g_param_spec_object ("mutations", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjTransaction:attempts:
   *
   * Every persist attempt, as [class@Syncobj.Attempt], oldest first.
   */
  properties[PROP_ATTEMPTS] =
    g_param_spec_object ("attempts", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjTransaction:current-attempt:
   *
   * The number of the latest attempt; 0 before the first.
   */
  properties[PROP_CURRENT_ATTEMPT] =
    g_param_spec_uint ("current-attempt", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjTransaction:queued-behind:
   *
   * While `queued`, the id of the transaction this one waits for.
   */
  properties[PROP_QUEUED_BEHIND] =
    g_param_spec_string ("queued-behind", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjTransaction:waiting-for-collection: (getter get_waiting_for_collection)
   *
   * After a restart, the id of a collection this transaction writes to
   * that is not open yet. The transaction keeps its place in its queues
   * and resumes, with all its writes, once every collection it writes to
   * is open.
   */
  properties[PROP_WAITING_FOR_COLLECTION] =
    g_param_spec_string ("waiting-for-collection", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjTransaction:error:
   *
   * Why the transaction failed, in the %SYNCOBJ_ERROR domain or the
   * mutator's own.
   */
  properties[PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjTransaction:error-transaction-id:
   *
   * The id of the transaction whose failure failed this one (itself, unless
   * it is a dependency failure).
   */
  properties[PROP_ERROR_TRANSACTION_ID] =
    g_param_spec_string ("error-transaction-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjTransaction:collection:
   *
   * The collection the transaction was created on.
   */
  properties[PROP_COLLECTION] =
    g_param_spec_object ("collection", NULL, NULL, SYNCOBJ_TYPE_COLLECTION,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjTransaction:metadata:
   *
   * Application data attached to the transaction.
   */
  properties[PROP_METADATA] =
    g_param_spec_boxed ("metadata", NULL, NULL, JSON_TYPE_OBJECT,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
syncobj_transaction_init (SyncobjTransaction *self)
{
  self->id = _syncobj_uuid_new ();
  self->state = SYNCOBJ_TRANSACTION_STATE_PENDING;
  self->created_at_us = self->updated_at_us = now_us ();
  self->mutations = _syncobj_object_list_new (SYNCOBJ_TYPE_PENDING_MUTATION);
  self->collections = g_ptr_array_new_with_free_func (g_object_unref);
  _syncobj_queue_entry_init (&self->entry, self, transaction_start_cb);
  self->retry_after_ms = -1;
  g_weak_ref_init (&self->owner, NULL);
}
