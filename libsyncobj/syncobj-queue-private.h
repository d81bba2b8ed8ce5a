/* syncobj-queue-private.h: lanes, key locks, starting the next transaction
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-private.h"

G_BEGIN_DECLS

/* The lanes and locked keys of one collection. */
typedef struct _SyncobjQueue SyncobjQueue;

/* A FIFO of committed transactions that have not yet persisted. An ordered
 * collection has one lane for itself and, with SYNCOBJ_QUEUE_SCOPE_KEY, one
 * per key. A transaction may start when it heads every lane it is in. */
typedef struct
{
  GQueue        queue;   /* of the links of SyncobjQueueEntry (SyncobjLaneLink) */
  char         *key;     /* a GRefString shared with the mutations; NULL for
                          * the collection lane */
  SyncobjQueue *owner;   /* unowned: the queue owns its lanes */
} SyncobjLane;

/* The place of an entry in one lane: the lane's GQueue holds @link itself
 * (its data is the entry), so joining and leaving allocate nothing. */
typedef struct
{
  GList        link;
  SyncobjLane *lane;     /* NULL while unused */
} SyncobjLaneLink;

typedef struct _SyncobjQueueEntry SyncobjQueueEntry;

/* Called (from the scheduler's wake-up) for an entry whose start was
 * scheduled: @blocker is NULL when it heads every lane it is in, else an
 * entry ahead of it. */
typedef void (*SyncobjQueueStartFunc) (gpointer           item,
                                       SyncobjQueueEntry *blocker);

/* The place of one transaction in the queues; the transaction embeds it.
 * Most transactions wait in one lane: its link is embedded too. */
struct _SyncobjQueueEntry
{
  gpointer               item;      /* the transaction (a GObject), unowned */
  SyncobjQueueStartFunc  start;
  guint64                sequence;  /* commit order */
  SyncobjLaneLink        first;     /* the first lane, while queued */
  GPtrArray             *more;      /* SyncobjLaneLink *, owned: further lanes;
                                     * NULL until a second lane */
  guint                  start_scheduled : 1;
};

/* @owner: the collection whose lanes these are (unowned), told apart from
 * other collections in a transaction's mutations. */
SyncobjQueue *_syncobj_queue_new                (gpointer            owner);
void          _syncobj_queue_free               (SyncobjQueue       *self);

void          _syncobj_queue_entry_init         (SyncobjQueueEntry  *entry,
                                                 gpointer            item,
                                                 SyncobjQueueStartFunc start);
void          _syncobj_queue_entry_clear        (SyncobjQueueEntry  *entry);

/* Queues @entry in the lanes of @self that a transaction with @mutations
 * must wait in (creating key lanes on demand), those it is not in yet: at
 * their tail, or with @in_order in commit order, after the entries with a
 * lower sequence. */
void          _syncobj_queue_join               (SyncobjQueue       *self,
                                                 SyncobjQueueScope   scope,
                                                 SyncobjObjectList  *mutations,
                                                 SyncobjQueueEntry  *entry,
                                                 gboolean            in_order);
/* Queues @entry in the key lanes of those of @mutations that belong to the
 * owner and whose key begins with @prefix (all of them when NULL), as
 * _syncobj_queue_join() does. */
void          _syncobj_queue_join_keys          (SyncobjQueue       *self,
                                                 SyncobjObjectList  *mutations,
                                                 const char         *prefix,
                                                 SyncobjQueueEntry  *entry,
                                                 gboolean            in_order);
/* The lane a transaction writing @key waits in, if it exists. */
SyncobjLane  *_syncobj_queue_find_lane          (SyncobjQueue       *self,
                                                 SyncobjQueueScope   scope,
                                                 const char         *key);

/* Whether @entry heads every lane it is in; else *@blocker (may be NULL)
 * is an entry ahead of it. */
gboolean      _syncobj_queue_heads_all          (SyncobjQueueEntry  *entry,
                                                 SyncobjQueueEntry **blocker);
/* Leaves every lane; the entries that now head a lane may start. */
void          _syncobj_queue_leave              (SyncobjQueueEntry  *entry);
/* Calls @entry's start function from the scheduler's next wake-up (once,
 * however often it is asked); holds a reference on its item until then. */
void          _syncobj_queue_schedule_start     (SyncobjQueueEntry  *entry);

/* Locks the keys of those of @mutations that belong to the owner (all of
 * them with @all_mine); each mutation locks its key once. */
void          _syncobj_queue_lock               (SyncobjQueue       *self,
                                                 SyncobjObjectList  *mutations,
                                                 gboolean            all_mine);
/* Releases the lock @mutation holds, if any. Returns whether its key is
 * still locked (by other mutations). */
gboolean      _syncobj_queue_unlock             (SyncobjQueue           *self,
                                                 SyncobjPendingMutation *mutation);
gboolean      _syncobj_queue_is_locked          (SyncobjQueue       *self,
                                                 const char         *key);
/* Whether releasing the lock of @mutation (if any) leaves its key
 * unlocked: what _syncobj_queue_unlock() would return, negated. */
gboolean      _syncobj_queue_unlock_frees       (SyncobjQueue           *self,
                                                 SyncobjPendingMutation *mutation);
/* The record of @old_key took @key (from the server): its key lane and
 * locks go with it. */
void          _syncobj_queue_rekey              (SyncobjQueue       *self,
                                                 const char         *old_key,
                                                 const char         *key);
/* The locked keys, sorted, NULL-terminated. */
char        **_syncobj_queue_dup_locked_keys    (SyncobjQueue       *self);

G_END_DECLS
