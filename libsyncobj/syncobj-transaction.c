/* syncobj-transaction.c: the life of a set of writes
 *
 * The state machine of SyncobjTransaction: gathering writes, commit, its
 * place in the queues, completing, failing and failing what depends on it,
 * and waiting for the end. Persist attempts are in
 * syncobj-transaction-persist.c, retries on request in
 * syncobj-transaction-retry.c, the durable form in
 * syncobj-transaction-stored.c, the properties in
 * syncobj-transaction-properties.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-transaction-fields-private.h"
#include "syncobj-transaction-persist-private.h"
#include "syncobj-transaction-stored-private.h"
#include "syncobj-transaction-properties-private.h"
#include "syncobj-registry-private.h"
#include "syncobj-uuid-private.h"
#include "syncobj-error-private.h"

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

G_DEFINE_FINAL_TYPE (SyncobjTransaction, syncobj_transaction, G_TYPE_OBJECT)

/* Commit order; above every sequence found in an open store. Collections
 * of several threads commit: under the lock. */
static guint64 last_sequence;
G_LOCK_DEFINE_STATIC (last_sequence);

static guint64
next_sequence (void)
{
  guint64 sequence;

  G_LOCK (last_sequence);
  sequence = ++last_sequence;
  G_UNLOCK (last_sequence);
  return sequence;
}

static void transaction_fail_full (SyncobjTransaction *self, GError *error, const char *root_id,
                                   gboolean cascade);

static SyncobjStore *
transaction_get_store (SyncobjTransaction *self)
{
  g_autoptr(SyncobjCollection) owner = NULL;

  /* While active, the owner is held by the transaction: no reference. */
  if (self->collection != NULL)
    return syncobj_collection_get_store (self->collection);

  owner = _syncobj_weak_get (self->owner);
  return owner != NULL ? syncobj_collection_get_store (owner) : NULL;
}

static void
transaction_touch (SyncobjTransaction *self)
{
  SyncobjTransactionExtras *extras = transaction_get_extras (self);

  self->updated_at_us = now_us ();
  if (extras != NULL)
    g_clear_pointer (&extras->updated_at, g_date_time_unref);
  _syncobj_transaction_notify (self, PROP_UPDATED_AT);
}

/* Records a change of anything the store keeps: state, attempts, errors. */
void
_syncobj_transaction_changed (SyncobjTransaction *self)
{
  SyncobjStore *store = transaction_get_store (self);

  transaction_touch (self);
  if (store != NULL && self->committed)
    _syncobj_transaction_store_changed (self, store);
}

static void
transaction_announce_state (SyncobjTransaction *self)
{
  if (!_syncobj_log_drops_debug ())
    _syncobj_log_transaction (G_LOG_LEVEL_DEBUG, transaction_id (self), "transaction %s → %s",
                              transaction_id (self), syncobj_transaction_get_state_name (self));
  _syncobj_transaction_changed (self);
  _syncobj_transaction_notify (self, PROP_STATE);
  _syncobj_registry_transaction_changed (syncobj_registry_get_default (), self, &self->counted_pending);
}

void
_syncobj_transaction_set_state (SyncobjTransaction      *self,
                                SyncobjTransactionState  state)
{
  if (self->state == state)
    return;

  self->state = state;
  transaction_announce_state (self);
}

void
_syncobj_transaction_set_mutations_state (SyncobjTransaction   *self,
                                          SyncobjMutationState  state)
{
  guint n = _syncobj_object_list_get_length (&self->mutations);
  gint64 now = now_us ();

  /* The transaction holds its mutations; each keeps itself alive while
   * it notifies. */
  for (guint i = 0; i < n; i++)
    _syncobj_pending_mutation_set_state (_syncobj_object_list_peek (&self->mutations, i), state, now);
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

  self->thread = _syncobj_collection_get_owner (owner);
  g_clear_pointer (&self->owner, _syncobj_weak_unref);
  self->owner = _syncobj_collection_dup_weak (owner);
  self->collection = g_object_ref (owner);   /* first: see transaction_dup_owner() */
  _syncobj_registry_add_transaction (syncobj_registry_get_default (), self, NULL, TRUE, &self->counted_pending);
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

guint
_syncobj_transaction_get_n_collections (SyncobjTransaction *self)
{
  return transaction_n_collections (self);
}

SyncobjCollection *
_syncobj_transaction_peek_collection (SyncobjTransaction *self,
                                      guint               position)
{
  return transaction_peek_collection (self, position);
}

/* Holds @collection from now on, after the others. */
static void
transaction_hold_collection (SyncobjTransaction *self,
                             SyncobjCollection  *collection)
{
  SyncobjTransactionExtras *extras;

  if (self->collection == NULL)
    {
      self->collection = g_object_ref (collection);
      return;
    }
  extras = transaction_extras (self);
  if (extras->more_collections == NULL)
    extras->more_collections = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (extras->more_collections, g_object_ref (collection));
}

static gboolean
transaction_holds_collection (SyncobjTransaction *self,
                              SyncobjCollection  *collection)
{
  guint n = transaction_n_collections (self);

  for (guint i = 0; i < n; i++)
    if (transaction_peek_collection (self, i) == collection)
      return TRUE;
  return FALSE;
}

/* Lets go of every collection; the fields are cleared before the first
 * is let go (its finalization may look at them). */
static void
transaction_release_collections (SyncobjTransaction *self)
{
  SyncobjTransactionExtras *extras = transaction_get_extras (self);
  g_autoptr(GPtrArray) more = extras != NULL ? g_steal_pointer (&extras->more_collections) : NULL;
  g_autoptr(SyncobjCollection) first = g_steal_pointer (&self->collection);
}

GList *
_syncobj_transaction_peek_owner_link (SyncobjTransaction *self)
{
  return &self->owner_link;
}

SyncobjObjectList *
_syncobj_transaction_peek_mutations (SyncobjTransaction *self)
{
  return &self->mutations;
}

void
_syncobj_transaction_set_retry_after (SyncobjTransaction *self,
                                      guint               delay_ms)
{
  transaction_extras (self)->retry_after_ms = (gint) MIN (delay_ms, (guint) G_MAXINT);
}

/* The index's key of the mutation of @key to the collection of
 * @collection_id (NULL for none). */
static char *
mutation_index_key (const char *collection_id,
                    const char *key)
{
  return g_strconcat (collection_id != NULL ? collection_id : "", "\n", key, NULL);
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
  GHashTable *mutation_index;
  guint n = _syncobj_object_list_get_length (&self->mutations);

  /* A new transaction, the usual case: nothing to look for. */
  if (n == 0)
    return NULL;
  collection_id = syncobj_collection_get_id (collection);
  mutation_index = transaction_peek_extras (self)->mutation_index;
  if (mutation_index != NULL)
    {
      index_key = mutation_index_key (collection_id, key);
      return g_hash_table_lookup (mutation_index, index_key);
    }

  for (guint i = 0; i < n; i++)
    {
      SyncobjPendingMutation *mutation = _syncobj_object_list_peek (&self->mutations, i);

      if (g_str_equal (mutation->key, key) && g_strcmp0 (mutation->collection_id, collection_id) == 0)
        return mutation;  /* the list keeps it alive */
    }

  return NULL;
}

/* Lists @mutation (of @collection; NULL for history of a collection that
 * is not open) in the transaction. */
void
_syncobj_transaction_list_mutation (SyncobjTransaction     *self,
                                    SyncobjCollection      *collection,
                                    SyncobjPendingMutation *mutation)
{
  GHashTable *mutation_index = transaction_peek_extras (self)->mutation_index;
  guint n;

  _syncobj_object_list_append (&self->mutations, mutation);
  n = _syncobj_object_list_get_length (&self->mutations);

  if (mutation_index != NULL)
    g_hash_table_insert (mutation_index, mutation_index_key (mutation->collection_id, mutation->key), mutation);
  else if (n > MUTATION_INDEX_MIN)
    {
      mutation_index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      transaction_extras (self)->mutation_index = mutation_index;
      for (guint i = 0; i < n; i++)
        {
          SyncobjPendingMutation *listed = _syncobj_object_list_peek (&self->mutations, i);

          g_hash_table_insert (mutation_index, mutation_index_key (listed->collection_id, listed->key), listed);
        }
    }
}

void
_syncobj_transaction_add_mutation (SyncobjTransaction     *self,
                                   SyncobjCollection      *collection,
                                   SyncobjPendingMutation *mutation)
{
  _syncobj_transaction_list_mutation (self, collection, mutation);

  if (!transaction_holds_collection (self, collection))
    {
      transaction_hold_collection (self, collection);
      _syncobj_collection_add_transaction (collection, self);
    }
}

void
_syncobj_transaction_remove_mutation (SyncobjTransaction     *self,
                                      SyncobjPendingMutation *mutation)
{
  GHashTable *mutation_index = transaction_peek_extras (self)->mutation_index;
  guint position;

  if (mutation_index != NULL)
    {
      g_autofree char *index_key = mutation_index_key (mutation->collection_id, mutation->key);
      g_hash_table_remove (mutation_index, index_key);
    }
  if (_syncobj_object_list_find (&self->mutations, mutation, &position))
    _syncobj_object_list_remove_range (&self->mutations, position, 1);
}

/* ---- queue ---------------------------------------------------------------- */

/* Whether @self may go: it heads every lane it is in. Otherwise *@blocker
 * (when not NULL) is a transaction ahead of it. */
gboolean
_syncobj_transaction_heads_all_lanes (SyncobjTransaction  *self,
                                      SyncobjTransaction **blocker)
{
  SyncobjQueueEntry *entry = NULL;

  if (_syncobj_queue_heads_all (&self->entry, &entry))
    return TRUE;

  if (blocker != NULL)
    *blocker = entry->item;
  return FALSE;
}

/* Whether @self writes to @collection: a transaction begun on one
 * collection may write only to others. */
static gboolean
transaction_writes_to (SyncobjTransaction *self,
                       SyncobjCollection  *collection)
{
  guint n = _syncobj_object_list_get_length (&self->mutations);

  for (guint i = 0; i < n; i++)
    {
      SyncobjPendingMutation *mutation = _syncobj_object_list_peek (&self->mutations, i);
      g_autoptr(SyncobjCollection) written = _syncobj_weak_get (mutation->collection);

      if (written == collection)
        return TRUE;
    }
  return FALSE;
}

/* Queues @self in the lanes of the collections it writes to: only those,
 * so that a transaction begun on one collection that writes only to
 * another does not wait behind the first one's transactions. */
void
_syncobj_transaction_join_lanes (SyncobjTransaction *self)
{
  guint n = transaction_n_collections (self);

  for (guint i = 0; i < n; i++)
    {
      SyncobjCollection *collection = transaction_peek_collection (self, i);

      if ((n == 1 && transaction_peek_extras (self)->parked == NULL) || transaction_writes_to (self, collection))
        _syncobj_collection_join_lanes (collection, self, &self->entry, FALSE);
    }
}

/* Waits behind @blocker. */
void
_syncobj_transaction_queue_behind (SyncobjTransaction *self,
                                   SyncobjTransaction *blocker)
{
  _syncobj_transaction_set_queued_behind_blocker (self, blocker);
  _syncobj_transaction_set_state (self, SYNCOBJ_TRANSACTION_STATE_QUEUED);
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
      _syncobj_transaction_queue_behind (self, blocker->item);
      return;
    }

  _syncobj_transaction_start_attempt (self);
}
/* ---- finishing ---------------------------------------------------------- */

static void
transaction_finish (SyncobjTransaction *self)
{
  SyncobjTransactionExtras *extras = transaction_get_extras (self);
  g_autoptr(GPtrArray) waiters = extras != NULL ? g_steal_pointer (&extras->waiters) : NULL;

  /* A transaction that ended queued names its blocker without keeping it. */
  _syncobj_transaction_peek_queued_behind (self);
  _syncobj_transaction_stop_waiting (self);
  if (extras != NULL && extras->retry_timer != 0)
    {
      _syncobj_scheduler_remove (_syncobj_scheduler_get_default (), extras->retry_timer);
      extras->retry_timer = 0;
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
        g_task_return_error (task, g_error_copy (extras->error));
    }

  /* Finished transactions stay in the registry as history, up to its
   * limit; they no longer keep their collections alive. */
  transaction_release_collections (self);
  _syncobj_registry_transaction_finished (syncobj_registry_get_default (), self);
}

/* The collections of a transaction, held while they finish it: a handler
 * may end it meanwhile, which lets go of them. Most transactions have
 * one: no allocation then. */
typedef struct
{
  SyncobjCollection  *few[2];
  SyncobjCollection **items;
  guint               len;
} HeldCollections;

static void
held_collections_init (HeldCollections    *held,
                       SyncobjTransaction *self)
{
  held->len = transaction_n_collections (self);
  held->items = held->len <= G_N_ELEMENTS (held->few) ? held->few : g_new (SyncobjCollection *, held->len);
  for (guint i = 0; i < held->len; i++)
    held->items[i] = g_object_ref (transaction_peek_collection (self, i));
}

static void
held_collections_clear (HeldCollections *held)
{
  for (guint i = 0; i < held->len; i++)
    g_object_unref (held->items[i]);
  if (held->items != held->few)
    g_free (held->items);
}

void
_syncobj_transaction_complete (SyncobjTransaction *self)
{
  g_autoptr(SyncobjTransaction) keep = g_object_ref (self);   /* the registry may let go */
  HeldCollections collections;

  held_collections_init (&collections, self);
  _syncobj_transaction_set_mutations_state (self, SYNCOBJ_MUTATION_STATE_SYNCED);
  /* Final at once, announced once the collections show the outcome: a
   * handler of notify::state sees the records as they now stay. */
  self->state = SYNCOBJ_TRANSACTION_STATE_COMPLETED;
  for (guint i = 0; i < collections.len; i++)
    _syncobj_collection_finish_transaction (collections.items[i], self, FALSE);
  transaction_announce_state (self);
  transaction_finish (self);
  held_collections_clear (&collections);
}

static gint
compare_sequence (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  const SyncobjTransaction *x = a;
  const SyncobjTransaction *y = b;

  return x->entry.sequence < y->entry.sequence ? -1 : x->entry.sequence > y->entry.sequence;
}

/* Where to start looking in @lane for what waits behind @self: right after
 * @self's own link when it is in @lane (the lane is in commit order, and
 * nothing before @self depends on it), else from the head. A transaction
 * that fails behind many others (an undo, newest first) then costs what
 * follows it, not the whole lane. @links maps lanes to links once @self is
 * in many lanes (NULL: a linear search is cheaper). */
static GList *
transaction_lane_start (SyncobjTransaction *self,
                        SyncobjLane        *lane,
                        GHashTable         *links)
{
  GPtrArray *more = self->entry.more;

  if (self->entry.first.lane == lane)
    return self->entry.first.link.next;
  if (links != NULL)
    {
      SyncobjLaneLink *link = g_hash_table_lookup (links, lane);

      return link != NULL ? link->link.next : lane->queue.head;
    }
  for (guint i = 0; more != NULL && i < more->len; i++)
    {
      SyncobjLaneLink *link = g_ptr_array_index (more, i);

      if (link->lane == lane)
        return link->link.next;
    }
  return lane->queue.head;
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
  guint n = _syncobj_object_list_get_length (&self->mutations);
  g_autoptr(GHashTable) links = NULL;

  if (self->entry.more != NULL && self->entry.more->len > 8)
    {
      links = g_hash_table_new (NULL, NULL);
      for (guint i = 0; i < self->entry.more->len; i++)
        {
          SyncobjLaneLink *link = g_ptr_array_index (self->entry.more, i);

          g_hash_table_insert (links, link->lane, link);
        }
    }

  for (guint m = 0; m < n; m++)
    {
      g_autoptr(SyncobjPendingMutation) mutation = g_object_ref (_syncobj_object_list_peek (&self->mutations, m));
      g_autoptr(SyncobjCollection) collection = _syncobj_weak_get (mutation->collection);
      SyncobjLane *lane = collection != NULL ? _syncobj_collection_find_lane (collection, mutation->key) : NULL;

      /* A collection's lane holds every key of it: scanned once per key.
       * What waits on a key whose change the server applied builds on
       * what stays. */
      if (lane == NULL || g_atomic_int_get (&mutation->applied) || !g_hash_table_add (scanned, g_strdup_printf ("%p %s", (gpointer) lane, mutation->key)))
        continue;

      for (GList *l = transaction_lane_start (self, lane, links); l != NULL; l = l->next)
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
                                          transaction_id (victim), root_id),
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
  SyncobjTransactionExtras *extras = transaction_extras (self);
  HeldCollections collections;

  held_collections_init (&collections, self);
  g_clear_error (&extras->error);
  extras->error = _syncobj_transaction_keep_applied (self, error);
  g_free (extras->error_transaction_id);
  extras->error_transaction_id = g_strdup (root_id != NULL ? root_id : transaction_id (self));
  transaction_pop_open (self);

  _syncobj_log_transaction (G_LOG_LEVEL_INFO, transaction_id (self), "transaction %s failed: %s",
                            transaction_id (self), extras->error->message);

  /* As in _syncobj_transaction_complete(): announced after the rollback. */
  self->state = SYNCOBJ_TRANSACTION_STATE_FAILED;
  for (guint i = 0; i < collections.len; i++)
    _syncobj_collection_finish_transaction (collections.items[i], self, TRUE);

  _syncobj_transaction_notify (self, PROP_ERROR);
  _syncobj_transaction_notify (self, PROP_ERROR_TRANSACTION_ID);
  transaction_announce_state (self);

  if (self->committed)
    {
      if (cascade)
        transaction_cascade (self, extras->error_transaction_id);
      transaction_leave_lanes (self);
    }

  transaction_finish (self);
  held_collections_clear (&collections);
}

void
_syncobj_transaction_fail (SyncobjTransaction *self,
                           GError             *error,
                           const char         *root_id)
{
  transaction_fail_full (self, error, root_id, TRUE);
}

void
_syncobj_transaction_ensure_sequence_above (guint64 sequence)
{
  G_LOCK (last_sequence);
  last_sequence = MAX (last_sequence, sequence);
  G_UNLOCK (last_sequence);
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
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), FALSE);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (self->thread, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return _syncobj_transaction_commit (self, error);
}

gboolean
_syncobj_transaction_commit (SyncobjTransaction  *self,
                             GError             **error)
{
  SyncobjStore *store;
  SyncobjTransaction *blocker = NULL;

  if (self->committed || state_is_final (self->state))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE,
                   _("Transaction %s cannot be committed: it is already %s"),
                   transaction_id (self), self->committed && !state_is_final (self->state)
                             ? _("committed") : syncobj_transaction_get_state_name (self));
      return FALSE;
    }

  transaction_pop_open (self);
  self->committed = TRUE;
  self->entry.sequence = next_sequence ();

  if (_syncobj_object_list_get_length (&self->mutations) == 0)
    {
      _syncobj_transaction_complete (self);
      return TRUE;
    }

  _syncobj_transaction_join_lanes (self);

  store = transaction_get_store (self);
  if (store != NULL)
    _syncobj_transaction_save (self, store);
  else
    self->durable = TRUE;

  if (!_syncobj_transaction_heads_all_lanes (self, &blocker))
    _syncobj_transaction_queue_behind (self, blocker);
  else if (self->durable)
    _syncobj_queue_schedule_start (&self->entry);

  return TRUE;
}

/**
 * syncobj_transaction_rollback:
 * @self: a transaction
 * @error: return location for an error
 *
 * Abandons a transaction that the server does not have yet: one that is
 * `pending` or `queued`, or `persisting` — waiting for a retry, for the
 * network, for credentials, or with a request in flight, which is
 * cancelled first. Its optimistic changes are removed and it ends `failed`
 * with %SYNCOBJ_ERROR_CANCELLED. Queued transactions that touch its keys
 * fail with it, as after any failure.
 *
 * A request that was cancelled in flight may still have reached the
 * server; the sync then brings its effect back.
 *
 * Returns: %TRUE on success; %FALSE with %SYNCOBJ_ERROR_INVALID_STATE once
 *   the server has the transaction (`persisted_awaiting_sync`) or it is
 *   finished
 */
gboolean
syncobj_transaction_rollback (SyncobjTransaction  *self,
                              GError             **error)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), FALSE);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (self->thread, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  SyncobjTransactionExtras *extras;

  if (state_is_final (self->state) || self->state == SYNCOBJ_TRANSACTION_STATE_PERSISTED_AWAITING_SYNC)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE,
                   _("Transaction %s cannot be rolled back: it is already %s"),
                   transaction_id (self), syncobj_transaction_get_state_name (self));
      return FALSE;
    }

  /* A request in flight, or one waiting for credentials, stops; its
   * answer, if any, is ignored (the transaction is no longer persisting). */
  extras = transaction_extras (self);
  g_atomic_int_set (&extras->cancel_requested, TRUE);
  if (g_atomic_pointer_get (&extras->cancellable) != NULL)
    g_cancellable_cancel (extras->cancellable);

  _syncobj_transaction_fail (self,
                             g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_CANCELLED,
                             _("Transaction %s was rolled back"), transaction_id (self)),
                             NULL);
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
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (self->thread, FALSE);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (_syncobj_collection_get_owner (collection), FALSE);

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
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (self->thread, FALSE);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (_syncobj_collection_get_owner (collection), FALSE);

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
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (self->thread, FALSE);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (_syncobj_collection_get_owner (collection), FALSE);

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
  GPtrArray *waiters = transaction_peek_extras (self)->waiters;
  guint index;

  if (waiters != NULL && g_ptr_array_find (waiters, task, &index))
    {
      g_autoptr(GTask) cancelled = g_ptr_array_steal_index (waiters, index);

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
  SYNCOBJ_RETURN_IF_NOT_OWNER (self->thread);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, syncobj_transaction_wait_async);
  g_task_set_check_cancellable (task, TRUE);

  if (self->state == SYNCOBJ_TRANSACTION_STATE_COMPLETED)
    g_task_return_boolean (task, TRUE);
  else if (self->state == SYNCOBJ_TRANSACTION_STATE_FAILED)
    g_task_return_error (task, g_error_copy (transaction_peek_extras (self)->error));
  else if (!g_task_return_error_if_cancelled (task))
    {
      if (cancellable != NULL)
        g_task_set_task_data (task,
                              GSIZE_TO_POINTER (g_cancellable_connect (cancellable, G_CALLBACK (wait_cancelled_cb),
                                                                       task, NULL)),
                              NULL);
      /* Made on first use: most transactions are never waited for. */
      SyncobjTransactionExtras *extras = transaction_extras (self);

      if (extras->waiters == NULL)
        extras->waiters = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (extras->waiters, g_steal_pointer (&task));
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

/* ---- GObject ---------------------------------------------------------------- */

/* ---- what few transactions use ------------------------------------------------ */

const SyncobjTransactionExtras _syncobj_transaction_no_extras = { .retry_after_ms = -1 };

SyncobjTransactionExtras *
_syncobj_transaction_make_extras (SyncobjTransaction *self)
{
  SyncobjTransactionExtras *extras = g_new0 (SyncobjTransactionExtras, 1);

  extras->retry_after_ms = -1;
  /* A mutator may report a conflict, or ask for the cancellable, from
   * another thread: the first to make them wins. */
  return _syncobj_atomic_publish ((gpointer *) &self->extras, extras, g_free);
}

static void
transaction_extras_free (SyncobjTransactionExtras *extras)
{
  g_clear_pointer (&extras->created_at, g_date_time_unref);
  g_clear_pointer (&extras->updated_at, g_date_time_unref);
  g_clear_object (&extras->attempts);
  g_clear_pointer (&extras->attempt_list, g_ptr_array_unref);
  g_clear_pointer (&extras->mutation_index, g_hash_table_unref);
  g_free (extras->queued_behind);
  g_clear_error (&extras->error);
  g_free (extras->error_transaction_id);
  g_clear_pointer (&extras->metadata, json_object_unref);
  g_clear_pointer (&extras->created, json_object_unref);
  g_clear_pointer (&extras->waiters, g_ptr_array_unref);
  g_clear_pointer (&extras->parked, g_ptr_array_unref);
  g_clear_pointer (&extras->more_collections, g_ptr_array_unref);
  g_clear_object (&extras->cancellable);
  g_free (extras);
}

/* Every write disposes and finalizes a transaction (once the registry lets
 * go of it): plain casts, without the type checks of the macros. */
static void
syncobj_transaction_dispose (GObject *object)
{
  SyncobjTransaction *self = (SyncobjTransaction *) object;
  SyncobjTransactionExtras *extras = transaction_get_extras (self);

  _syncobj_transaction_stop_waiting (self);
  if (extras != NULL && extras->retry_timer != 0)
    {
      _syncobj_scheduler_remove (_syncobj_scheduler_get_default (), extras->retry_timer);
      extras->retry_timer = 0;
    }
  transaction_release_collections (self);

  ((GObjectClass *) syncobj_transaction_parent_class)->dispose (object);
}

static void
syncobj_transaction_finalize (GObject *object)
{
  SyncobjTransaction *self = (SyncobjTransaction *) object;

  g_free (self->id);
  _syncobj_object_list_clear (&self->mutations);
  g_clear_pointer (&self->owner, _syncobj_weak_unref);
  transaction_release_collections (self);
  _syncobj_queue_entry_clear (&self->entry);
  g_clear_object (&self->queued_behind_blocker);
  _syncobj_transaction_clear_conflict (self);
  g_clear_pointer (&self->extras, transaction_extras_free);

  ((GObjectClass *) syncobj_transaction_parent_class)->finalize (object);
}

static void
syncobj_transaction_class_init (SyncobjTransactionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _syncobj_ensure_i18n ();

  object_class->dispose = syncobj_transaction_dispose;
  object_class->finalize = syncobj_transaction_finalize;
  _syncobj_transaction_install_properties (object_class);
}

static void
syncobj_transaction_init (SyncobjTransaction *self)
{
  self->state = SYNCOBJ_TRANSACTION_STATE_PENDING;
  self->created_at_us = self->updated_at_us = now_us ();
  _syncobj_object_list_init (&self->mutations, SYNCOBJ_TYPE_PENDING_MUTATION);
  self->owner_link.data = self;
  _syncobj_queue_entry_init (&self->entry, self, transaction_start_cb);
}
