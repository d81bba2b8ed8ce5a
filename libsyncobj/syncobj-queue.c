/* syncobj-queue.c: lanes, key locks, starting the next transaction
 *
 * A committed transaction waits in the lanes of the ordered collections it
 * writes to and may start once it heads all of them. From its first attempt
 * on it locks its keys: sync writes to a locked key are held (see
 * syncobj-overlay.c) until the last lock on it is released.
 *
 * The queue knows a transaction only as a SyncobjQueueEntry: its commit
 * order, its lanes, and the start function it handed over.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-queue-private.h"
#include "syncobj-table-private.h"

#include <string.h>

/* The locks on one key. Its key is the GRefString of the mutation that
 * locked it first (pending mutations keep their key as one): no copy. */
typedef struct
{
  char *key;
  guint count;
} SyncobjKeyLock;

struct _SyncobjQueue
{
  gpointer     owner;      /* the collection, unowned: it owns the queue */
  SyncobjLane  lane;
  SyncobjTable *key_lanes;  /* key → SyncobjLane */
  /* The locked keys: `solo`, then the table. Most often one key is
   * locked at a time (a write locks when it starts and unlocks when it
   * ends): that lock is `solo`, outside the table, so that locking,
   * testing and unlocking it hash nothing. */
  SyncobjKeyLock *solo;     /* or NULL */
  SyncobjTable *locks;      /* key → SyncobjKeyLock, the others */
  gpointer      spare_lock; /* a freed SyncobjKeyLock, for the next lock */
};

static void
key_lock_free (gpointer data)
{
  SyncobjKeyLock *lock = data;

  g_ref_string_release (lock->key);
  g_free (lock);
}

/* ---- lanes ------------------------------------------------------------- */

static void
lane_free (gpointer data)
{
  SyncobjLane *lane = data;

  g_queue_clear (&lane->queue);
  g_clear_pointer (&lane->key, g_ref_string_release);
  g_free (lane);
}

SyncobjQueue *
_syncobj_queue_new (gpointer owner)
{
  SyncobjQueue *self = g_new0 (SyncobjQueue, 1);

  self->owner = owner;
  self->lane.owner = self;
  self->key_lanes = _syncobj_table_new (g_str_hash, g_str_equal, NULL, lane_free);
  self->locks = _syncobj_table_new (g_str_hash, g_str_equal, NULL, key_lock_free);

  return self;
}

void
_syncobj_queue_free (SyncobjQueue *self)
{
  /* The links belong to their entries. */
  g_queue_init (&self->lane.queue);
  g_clear_pointer (&self->key_lanes, _syncobj_table_free);
  g_clear_pointer (&self->locks, _syncobj_table_free);
  g_clear_pointer (&self->solo, key_lock_free);
  g_free (self->spare_lock);
  g_free (self);
}

/* @key: a pending mutation's key (a GRefString) */
static SyncobjLane *
queue_ensure_key_lane (SyncobjQueue *self,
                       const char   *key)
{
  SyncobjLane *lane = _syncobj_table_lookup (self->key_lanes, key);

  if (lane == NULL)
    {
      lane = g_new0 (SyncobjLane, 1);
      lane->key = g_ref_string_acquire ((char *) key);
      lane->owner = self;
      _syncobj_table_insert (self->key_lanes, lane->key, lane);
    }

  return lane;
}

SyncobjLane *
_syncobj_queue_find_lane (SyncobjQueue      *self,
                          SyncobjQueueScope  scope,
                          const char        *key)
{
  if (scope == SYNCOBJ_QUEUE_SCOPE_COLLECTION)
    return &self->lane;

  return _syncobj_table_lookup (self->key_lanes, key);
}

/* Frees a key lane once it is empty. */
static void
queue_release_lane (SyncobjQueue *self,
                    SyncobjLane  *lane)
{
  if (lane->key != NULL && g_queue_is_empty (&lane->queue) &&
      _syncobj_table_lookup (self->key_lanes, lane->key) == lane)
    _syncobj_table_remove (self->key_lanes, lane->key);
}

/* ---- entries ------------------------------------------------------------ */

void
_syncobj_queue_entry_init (SyncobjQueueEntry     *entry,
                           gpointer               item,
                           SyncobjQueueStartFunc  start)
{
  entry->item = item;
  entry->start = start;
  entry->first.link.data = entry;
}

void
_syncobj_queue_entry_clear (SyncobjQueueEntry *entry)
{
  g_clear_pointer (&entry->more, g_ptr_array_unref);
}

static guint
entry_n_links (SyncobjQueueEntry *entry)
{
  if (entry->first.lane == NULL)
    return 0;
  return 1 + (entry->more != NULL ? entry->more->len : 0);
}

static SyncobjLaneLink *
entry_link (SyncobjQueueEntry *entry,
            guint              i)
{
  return i == 0 ? &entry->first : g_ptr_array_index (entry->more, i - 1);
}

static gboolean
entry_is_in (SyncobjQueueEntry *entry,
             SyncobjLane       *lane)
{
  guint n = entry_n_links (entry);

  for (guint i = 0; i < n; i++)
    if (entry_link (entry, i)->lane == lane)
      return TRUE;
  return FALSE;
}

/* A free link of @entry for one more lane. */
static SyncobjLaneLink *
entry_add_link (SyncobjQueueEntry *entry,
                SyncobjLane       *lane)
{
  SyncobjLaneLink *link = &entry->first;

  if (entry->first.lane != NULL)
    {
      if (entry->more == NULL)
        entry->more = g_ptr_array_new_with_free_func (g_free);
      link = g_new0 (SyncobjLaneLink, 1);
      link->link.data = entry;
      g_ptr_array_add (entry->more, link);
    }

  link->lane = lane;
  return link;
}

/* Queues @entry in @lane (once): at its tail, or in commit order. */
static void
entry_join_lane (SyncobjQueueEntry *entry,
                 SyncobjLane       *lane,
                 gboolean           in_order)
{
  SyncobjLaneLink *link;
  GList *after;

  if (entry_is_in (entry, lane))
    return;

  link = entry_add_link (entry, lane);
  after = lane->queue.tail;
  if (in_order)
    while (after != NULL && ((SyncobjQueueEntry *) after->data)->sequence > entry->sequence)
      after = after->prev;

  if (after == NULL)
    g_queue_push_head_link (&lane->queue, &link->link);
  else if (after == lane->queue.tail)
    g_queue_push_tail_link (&lane->queue, &link->link);
  else
    g_queue_insert_after_link (&lane->queue, after, &link->link);
}

void
_syncobj_queue_join (SyncobjQueue      *self,
                     SyncobjQueueScope  scope,
                     SyncobjObjectList *mutations,
                     SyncobjQueueEntry *entry,
                     gboolean           in_order)
{
  if (scope == SYNCOBJ_QUEUE_SCOPE_COLLECTION)
    {
      entry_join_lane (entry, &self->lane, in_order);
      return;
    }

  _syncobj_queue_join_keys (self, mutations, NULL, entry, in_order);
}

void
_syncobj_queue_join_keys (SyncobjQueue      *self,
                          SyncobjObjectList *mutations,
                          const char        *prefix,
                          SyncobjQueueEntry *entry,
                          gboolean           in_order)
{
  guint n = _syncobj_object_list_get_length (mutations);

  for (guint i = 0; i < n; i++)
    {
      SyncobjPendingMutation *mutation = _syncobj_object_list_peek (mutations, i);

      if (_syncobj_pending_mutation_is_of (mutation, self->owner) &&
          (prefix == NULL || g_str_has_prefix (mutation->key, prefix)))
        entry_join_lane (entry, queue_ensure_key_lane (self, mutation->key), in_order);
    }
}

gboolean
_syncobj_queue_heads_all (SyncobjQueueEntry  *entry,
                          SyncobjQueueEntry **blocker)
{
  guint n = entry_n_links (entry);

  /* Our own links make this O(1) however many transactions are queued. */
  for (guint i = 0; i < n; i++)
    {
      GList *link = &entry_link (entry, i)->link;

      if (link->prev != NULL)
        {
          if (blocker != NULL)
            *blocker = link->prev->data;
          return FALSE;
        }
    }

  return TRUE;
}

static void queue_schedule_start (SyncobjQueueEntry *entry,
                                  gboolean           in_dispatch);

void
_syncobj_queue_leave (SyncobjQueueEntry *entry)
{
  guint n = entry_n_links (entry);

  /* Nothing below calls out (a start is only scheduled), so the links are
   * let go once done. */
  for (guint i = 0; i < n; i++)
    {
      SyncobjLaneLink *link = entry_link (entry, i);
      SyncobjQueueEntry *next;

      g_queue_unlink (&link->lane->queue, &link->link);
      next = g_queue_peek_head (&link->lane->queue);
      if (next != NULL)
        queue_schedule_start (next, TRUE);
    }

  for (guint i = 0; i < n; i++)
    {
      SyncobjLane *lane = entry_link (entry, i)->lane;

      if (lane->key != NULL && g_queue_is_empty (&lane->queue))
        queue_release_lane (lane->owner, lane);
    }

  entry->first.lane = NULL;
  g_clear_pointer (&entry->more, g_ptr_array_unref);
}

/* ---- starting ------------------------------------------------------------ */

static void
entry_start_cb (gpointer data)
{
  SyncobjQueueEntry *entry = data;
  SyncobjQueueEntry *blocker = NULL;

  entry->start_scheduled = FALSE;
  _syncobj_queue_heads_all (entry, &blocker);
  entry->start (entry->item, blocker);
}

static void
entry_release_item (gpointer data)
{
  SyncobjQueueEntry *entry = data;

  g_object_unref (entry->item);
}

/* Starting is deferred to the scheduler's wake-up so that a caller sees its
 * transaction `pending` (or `queued`) and can connect to it before the
 * persist call, and so that a burst of writes is started in one main-loop
 * iteration. A transaction that was queued behind one that left while the
 * wake-ups are dispatched starts in that same dispatch: its caller had its
 * chance long ago, and a burst in one lane needs no iteration per write. */
static void
queue_schedule_start (SyncobjQueueEntry *entry,
                      gboolean           in_dispatch)
{
  SyncobjScheduler *scheduler = _syncobj_scheduler_get_default ();

  if (entry->start_scheduled)
    return;

  entry->start_scheduled = TRUE;
  g_object_ref (entry->item);
  if (in_dispatch)
    _syncobj_scheduler_wake_in_dispatch (scheduler, entry_start_cb, entry, entry_release_item);
  else
    _syncobj_scheduler_wake (scheduler, entry_start_cb, entry, entry_release_item);
}

void
_syncobj_queue_schedule_start (SyncobjQueueEntry *entry)
{
  queue_schedule_start (entry, FALSE);
}

/* ---- key locks ------------------------------------------------------------ */

static gboolean
key_lock_is_of (SyncobjKeyLock *lock,
                const char     *key)
{
  /* A mutation's key is most often the very GRefString that locked. */
  return lock->key == key || strcmp (lock->key, key) == 0;
}

/* The lock on @key, or NULL. */
static SyncobjKeyLock *
queue_find_lock (SyncobjQueue *self,
                 const char   *key)
{
  SyncobjKeyLock *solo = self->solo;

  if (solo != NULL && key_lock_is_of (solo, key))
    return solo;
  /* Most writes lock while nothing else is locked: no lookup. */
  if (_syncobj_table_size (self->locks) == 0)
    return NULL;
  return _syncobj_table_lookup (self->locks, key);
}

void
_syncobj_queue_lock (SyncobjQueue      *self,
                     SyncobjObjectList *mutations,
                     gboolean           all_mine)
{
  guint n = _syncobj_object_list_get_length (mutations);

  for (guint i = 0; i < n; i++)
    {
      SyncobjPendingMutation *mutation = _syncobj_object_list_peek (mutations, i);
      SyncobjKeyLock *lock;

      if (mutation->locked || (!all_mine && !_syncobj_pending_mutation_is_of (mutation, self->owner)))
        continue;

      mutation->locked = TRUE;
      lock = queue_find_lock (self, mutation->key);
      if (lock == NULL)
        {
          /* A write locks and unlocks one key after another: the lock
           * of the last one serves again. */
          lock = self->spare_lock != NULL ? g_steal_pointer (&self->spare_lock) : g_new (SyncobjKeyLock, 1);
          lock->key = g_ref_string_acquire (mutation->key);
          lock->count = 0;
          if (self->solo == NULL)
            self->solo = lock;
          else
            _syncobj_table_insert (self->locks, lock->key, lock);
        }
      lock->count++;
    }
}

gboolean
_syncobj_queue_unlock (SyncobjQueue           *self,
                       SyncobjPendingMutation *mutation)
{
  gboolean was_locked = mutation->locked;
  SyncobjKeyLock *lock;

  mutation->locked = FALSE;
  lock = queue_find_lock (self, mutation->key);
  if (!was_locked || lock == NULL)
    return lock != NULL;
  if (--lock->count > 0)
    return TRUE;

  if (lock == self->solo)
    self->solo = NULL;
  else
    _syncobj_table_steal (self->locks, lock->key);
  g_ref_string_release (lock->key);
  if (self->spare_lock == NULL)
    self->spare_lock = lock;
  else
    g_free (lock);
  return FALSE;
}

gboolean
_syncobj_queue_unlock_frees (SyncobjQueue           *self,
                             SyncobjPendingMutation *mutation)
{
  SyncobjKeyLock *lock = queue_find_lock (self, mutation->key);

  return lock == NULL || (mutation->locked && lock->count == 1);
}

gboolean
_syncobj_queue_is_locked (SyncobjQueue *self,
                          const char   *key)
{
  return queue_find_lock (self, key) != NULL;
}

void
_syncobj_queue_rekey (SyncobjQueue *self,
                      const char   *old_key,
                      const char   *key)
{
  SyncobjLane *lane = _syncobj_table_lookup (self->key_lanes, old_key);
  SyncobjKeyLock *lock = queue_find_lock (self, old_key);

  if (lane != NULL)
    {
      _syncobj_table_steal (self->key_lanes, old_key);
      g_ref_string_release (lane->key);
      lane->key = g_ref_string_new (key);
      _syncobj_table_insert (self->key_lanes, lane->key, lane);
    }

  if (lock != NULL)
    {
      if (lock != self->solo)
        _syncobj_table_steal (self->locks, old_key);
      g_ref_string_release (lock->key);
      lock->key = g_ref_string_new (key);
      if (lock == self->solo)
        {
          /* The table may hold a lock on the new key already: that one
           * gives way, as a replacement in the table would. */
          if (_syncobj_table_size (self->locks) > 0)
            _syncobj_table_remove (self->locks, key);
        }
      else if (self->solo != NULL && key_lock_is_of (self->solo, key))
        {
          key_lock_free (self->solo);
          self->solo = lock;
        }
      else
        _syncobj_table_replace (self->locks, lock->key, lock);
    }
}

static gint
compare_key_pointers (gconstpointer a,
                      gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

char **
_syncobj_queue_dup_locked_keys (SyncobjQueue *self)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  SyncobjTableIter iter;
  const char *key;

  if (self->solo != NULL)
    g_ptr_array_add (keys, g_strdup (self->solo->key));
  _syncobj_table_iter_init (&iter, self->locks);
  while (_syncobj_table_iter_next (&iter, (gpointer *) &key, NULL))
    g_ptr_array_add (keys, g_strdup (key));

  g_ptr_array_sort (keys, compare_key_pointers);
  g_ptr_array_add (keys, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&keys), FALSE);
}
