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

struct _SyncobjQueue
{
  gpointer     owner;      /* the collection, unowned: it owns the queue */
  SyncobjLane  lane;
  GHashTable  *key_lanes;  /* key → SyncobjLane */
  GHashTable  *locks;      /* key → number of mutations locking it */
};

/* ---- lanes ------------------------------------------------------------- */

static void
lane_free (gpointer data)
{
  SyncobjLane *lane = data;

  g_queue_clear (&lane->queue);
  g_free (lane->key);
  g_free (lane);
}

SyncobjQueue *
_syncobj_queue_new (gpointer owner)
{
  SyncobjQueue *self = g_new0 (SyncobjQueue, 1);

  self->owner = owner;
  self->lane.owner = self;
  self->key_lanes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, lane_free);
  self->locks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  return self;
}

void
_syncobj_queue_free (SyncobjQueue *self)
{
  g_queue_clear (&self->lane.queue);
  g_clear_pointer (&self->key_lanes, g_hash_table_unref);
  g_clear_pointer (&self->locks, g_hash_table_unref);
  g_free (self);
}

static SyncobjLane *
queue_ensure_key_lane (SyncobjQueue *self,
                       const char   *key)
{
  SyncobjLane *lane = g_hash_table_lookup (self->key_lanes, key);

  if (lane == NULL)
    {
      lane = g_new0 (SyncobjLane, 1);
      lane->key = g_strdup (key);
      lane->owner = self;
      g_hash_table_insert (self->key_lanes, lane->key, lane);
    }

  return lane;
}

void
_syncobj_queue_collect_lanes (SyncobjQueue      *self,
                              SyncobjQueueScope  scope,
                              SyncobjObjectList *mutations,
                              GPtrArray         *lanes)
{
  guint n;

  if (scope == SYNCOBJ_QUEUE_SCOPE_COLLECTION)
    {
      if (!g_ptr_array_find (lanes, &self->lane, NULL))
        g_ptr_array_add (lanes, &self->lane);
      return;
    }

  n = _syncobj_object_list_get_length (mutations);
  for (guint i = 0; i < n; i++)
    {
      SyncobjPendingMutation *mutation = _syncobj_object_list_peek (mutations, i);
      SyncobjLane *lane;

      if (!_syncobj_pending_mutation_is_of (mutation, self->owner))
        continue;

      lane = queue_ensure_key_lane (self, mutation->key);
      if (!g_ptr_array_find (lanes, lane, NULL))
        g_ptr_array_add (lanes, lane);
    }
}

SyncobjLane *
_syncobj_queue_find_lane (SyncobjQueue      *self,
                          SyncobjQueueScope  scope,
                          const char        *key)
{
  if (scope == SYNCOBJ_QUEUE_SCOPE_COLLECTION)
    return &self->lane;

  return g_hash_table_lookup (self->key_lanes, key);
}

/* Frees a key lane once it is empty. */
static void
queue_release_lane (SyncobjQueue *self,
                    SyncobjLane  *lane)
{
  if (lane->key != NULL && g_queue_is_empty (&lane->queue) &&
      g_hash_table_lookup (self->key_lanes, lane->key) == lane)
    g_hash_table_remove (self->key_lanes, lane->key);
}

/* ---- entries ------------------------------------------------------------ */

void
_syncobj_queue_entry_init (SyncobjQueueEntry     *entry,
                           gpointer               item,
                           SyncobjQueueStartFunc  start)
{
  entry->item = item;
  entry->start = start;
  entry->lanes = g_ptr_array_new ();
  entry->links = g_ptr_array_new ();
}

void
_syncobj_queue_entry_clear (SyncobjQueueEntry *entry)
{
  g_clear_pointer (&entry->lanes, g_ptr_array_unref);
  g_clear_pointer (&entry->links, g_ptr_array_unref);
}

void
_syncobj_queue_join (SyncobjQueueEntry *entry,
                     GPtrArray         *lanes)
{
  for (guint i = 0; i < lanes->len; i++)
    {
      SyncobjLane *lane = g_ptr_array_index (lanes, i);

      g_ptr_array_add (entry->lanes, lane);
      g_queue_push_tail (&lane->queue, entry);
      g_ptr_array_add (entry->links, lane->queue.tail);
    }
}

void
_syncobj_queue_join_in_order (SyncobjQueueEntry *entry,
                              GPtrArray         *lanes)
{
  for (guint i = 0; i < lanes->len; i++)
    {
      SyncobjLane *lane = g_ptr_array_index (lanes, i);
      GList *after = lane->queue.tail;

      if (g_ptr_array_find (entry->lanes, lane, NULL))
        continue;
      while (after != NULL && ((SyncobjQueueEntry *) after->data)->sequence > entry->sequence)
        after = after->prev;
      if (after == NULL)
        g_queue_push_head (&lane->queue, entry);
      else
        g_queue_insert_after (&lane->queue, after, entry);
      g_ptr_array_add (entry->lanes, lane);
      g_ptr_array_add (entry->links, after == NULL ? lane->queue.head : after->next);
    }
}

gboolean
_syncobj_queue_heads_all (SyncobjQueueEntry  *entry,
                          SyncobjQueueEntry **blocker)
{
  /* Our own links make this O(1) however many transactions are queued. */
  for (guint i = 0; i < entry->lanes->len; i++)
    {
      GList *link = g_ptr_array_index (entry->links, i);

      if (link->prev != NULL)
        {
          if (blocker != NULL)
            *blocker = link->prev->data;
          return FALSE;
        }
    }

  return TRUE;
}

void
_syncobj_queue_leave (SyncobjQueueEntry *entry)
{
  GPtrArray *lanes = entry->lanes;
  GPtrArray *links = entry->links;

  if (lanes->len == 0)
    return;

  /* Nothing below calls out (a start is only scheduled), so the arrays are
   * emptied in place once done. */
  for (guint i = 0; i < lanes->len; i++)
    {
      SyncobjLane *lane = g_ptr_array_index (lanes, i);
      SyncobjQueueEntry *next;

      g_queue_delete_link (&lane->queue, g_ptr_array_index (links, i));
      next = g_queue_peek_head (&lane->queue);
      if (next != NULL)
        _syncobj_queue_schedule_start (next);
    }

  for (guint i = 0; i < lanes->len; i++)
    {
      SyncobjLane *lane = g_ptr_array_index (lanes, i);

      if (lane->key != NULL && g_queue_is_empty (&lane->queue))
        queue_release_lane (lane->owner, lane);
    }

  g_ptr_array_set_size (lanes, 0);
  g_ptr_array_set_size (links, 0);
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
 * iteration. */
void
_syncobj_queue_schedule_start (SyncobjQueueEntry *entry)
{
  if (entry->start_scheduled)
    return;

  entry->start_scheduled = TRUE;
  g_object_ref (entry->item);
  _syncobj_scheduler_wake (_syncobj_scheduler_get_default (), entry_start_cb, entry, entry_release_item);
}

/* ---- key locks ------------------------------------------------------------ */

/* Adds @delta to the number of locks on @key. */
static void
queue_count_lock (SyncobjQueue *self,
                  const char   *key,
                  int           delta)
{
  gpointer stored_key = NULL;
  gpointer count = NULL;
  int n;

  if (!g_hash_table_steal_extended (self->locks, key, &stored_key, &count))
    stored_key = g_strdup (key);

  n = (int) GPOINTER_TO_UINT (count) + delta;
  if (n > 0)
    g_hash_table_insert (self->locks, stored_key, GUINT_TO_POINTER ((guint) n));
  else
    g_free (stored_key);
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

      if (mutation->locked || (!all_mine && !_syncobj_pending_mutation_is_of (mutation, self->owner)))
        continue;

      mutation->locked = TRUE;
      queue_count_lock (self, mutation->key, 1);
    }
}

void
_syncobj_queue_unlock (SyncobjQueue           *self,
                       SyncobjPendingMutation *mutation)
{
  if (!mutation->locked)
    return;

  mutation->locked = FALSE;
  queue_count_lock (self, mutation->key, -1);
}

gboolean
_syncobj_queue_is_locked (SyncobjQueue *self,
                          const char   *key)
{
  /* Most sync writes come while nothing is locked. */
  return g_hash_table_size (self->locks) > 0 && g_hash_table_contains (self->locks, key);
}

void
_syncobj_queue_rekey (SyncobjQueue *self,
                      const char   *old_key,
                      const char   *key)
{
  SyncobjLane *lane = g_hash_table_lookup (self->key_lanes, old_key);
  gpointer stored_key = NULL;
  gpointer count = NULL;

  if (lane != NULL)
    {
      g_hash_table_steal (self->key_lanes, old_key);
      g_free (lane->key);
      lane->key = g_strdup (key);
      g_hash_table_insert (self->key_lanes, lane->key, lane);
    }

  if (g_hash_table_steal_extended (self->locks, old_key, &stored_key, &count))
    {
      g_free (stored_key);
      g_hash_table_insert (self->locks, g_strdup (key), count);
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
  GHashTableIter iter;
  const char *key;

  g_hash_table_iter_init (&iter, self->locks);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL))
    g_ptr_array_add (keys, g_strdup (key));

  g_ptr_array_sort (keys, compare_key_pointers);
  g_ptr_array_add (keys, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&keys), FALSE);
}
