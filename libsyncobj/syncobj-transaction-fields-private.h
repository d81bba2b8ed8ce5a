/* syncobj-transaction-fields-private.h: what a SyncobjTransaction holds
 *
 * For the files of the transaction only: syncobj-transaction.c (the state
 * machine), syncobj-transaction-persist.c (attempts and retries),
 * syncobj-transaction-stored.c (its durable form) and
 * syncobj-transaction-properties.c (what it shows). Everything else sees a
 * transaction through syncobj-transaction-private.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-transaction-private.h"
#include "syncobj-attempt-private.h"
#include "syncobj-collection-private.h"
#include "syncobj-queue-private.h"
#include "syncobj-json-util-private.h"
#include "syncobj-uuid-private.h"

G_BEGIN_DECLS


/* What few transactions use: made on first use by transaction_extras(), so
 * that an ordinary write, persisted at once, allocates none of it. Read
 * through transaction_peek_extras(), which gives an empty block (never
 * written) while there is none. */
typedef struct
{
  GDateTime               *created_at;      /* caches */
  GDateTime               *updated_at;
  GListStore              *attempts;        /* made when asked for */
  GPtrArray               *attempt_list;    /* SyncobjAttempt, the same */
  GHashTable              *mutation_index;  /* "collection\nkey" → mutation; made
                                             * once there are many mutations */
  char                    *queued_behind;   /* made when read from
                                             * queued_behind_blocker */
  GError                  *error;
  char                    *error_transaction_id;
  JsonObject              *metadata;
  JsonObject              *created;         /* mutation id → the record the
                                             * server created for that insert
                                             * (keys from the server); NULL
                                             * before any */
  GPtrArray               *waiters;         /* GTask * of wait_async */
  GPtrArray               *parked;          /* SyncobjStoredMutation: restored
                                               writes to collections not open yet */
  GPtrArray               *more_collections; /* strong while active: those
                                             * touched after collection */
  GCancellable            *cancellable;     /* made on first use; atomic */
  SyncobjConflict         *conflict;        /* reported by the mutator of the
                                             * current attempt; under a lock */
  gulong                   online_handler;
  gulong                   mutator_handler;  /* on mutator_owner's notify::mutator */
  SyncobjCollection       *mutator_owner;    /* unowned: held as collection */
  guint                    counted_attempts; /* offline attempts do not count */
  guint                    retry_timer;
  gint                     retry_after_ms;  /* -1: policy decides */
  guint                    conflicts_in_row;
  gint                     cancel_requested; /* atomic boolean: rolled back */
} SyncobjTransactionExtras;

struct _SyncobjTransaction
{
  GObject                  parent_instance;

  char                    *id;              /* made when read: transaction_id() */
  SyncobjTransactionState  state;
  guint                    current_attempt;
  gint64                   created_at_us;
  gint64                   updated_at_us;
  guint32                  lazy_started;    /* the first attempt, while it is
                                             * not an object (see below): µs
                                             * after created_at_us */
  guint32                  lazy_completed;  /* the same + 1; 0: not yet */
  SyncobjObjectList        mutations;
  GThread                 *thread;          /* its collection's owner thread */
  SyncobjWeak             *owner;
  SyncobjCollection       *collection;      /* strong while active: the
                                             * first touched, the owner; the
                                             * others are more_collections */
  GList                    owner_link;      /* our link in the queue of active
                                             * transactions of collection;
                                             * its data is us */
  SyncobjQueueEntry        entry;           /* our place in the queues; its
                                             * sequence is the commit order */
  SyncobjTransactionExtras *extras;         /* made on first use (any thread:
                                             * atomic); see above */
  SyncobjTransaction      *queued_behind_blocker; /* strong; its id is made
                                             * only when someone asks */
  gboolean                 counted_pending;   /* in the registry's n-pending;
                                              * the registry keeps it */
  guint                    lazy_attempt : 1;
  guint                    committed : 1;
  guint                    durable : 1;
  guint                    started : 1;
  guint                    mutations_changed : 1;  /* a conflict resolution changed
                                                    * them: the store writes them
                                                    * again */
};

/* The empty block that transaction_peek_extras() gives while there is none. */
extern const SyncobjTransactionExtras _syncobj_transaction_no_extras;

/* The extras, for reading: never NULL. */
static inline const SyncobjTransactionExtras *
transaction_peek_extras (SyncobjTransaction *self)
{
  const SyncobjTransactionExtras *extras = g_atomic_pointer_get (&self->extras);

  return G_LIKELY (extras == NULL) ? &_syncobj_transaction_no_extras : extras;
}

/* The extras when they were made, else NULL: for clearing. */
static inline SyncobjTransactionExtras *
transaction_get_extras (SyncobjTransaction *self)
{
  return g_atomic_pointer_get (&self->extras);
}

/* Makes them on first use (from any thread). */
SyncobjTransactionExtras *_syncobj_transaction_make_extras (SyncobjTransaction *self);

/* The extras, for writing: made on first use. */
static inline SyncobjTransactionExtras *
transaction_extras (SyncobjTransaction *self)
{
  SyncobjTransactionExtras *extras = g_atomic_pointer_get (&self->extras);

  return G_LIKELY (extras != NULL) ? extras : _syncobj_transaction_make_extras (self);
}

/* The id, a UUID made on first use (from any thread): a write that nobody
 * names (no store, no log, no HTTP request, no inspector) makes none. */
static inline const char *
transaction_id (SyncobjTransaction *self)
{
  return _syncobj_uuid_lazy (&self->id);
}

static inline gint64
now_us (void)
{
  return _syncobj_scheduler_now (_syncobj_scheduler_get_default ());
}

static inline gboolean
state_is_final (SyncobjTransactionState state)
{
  return state == SYNCOBJ_TRANSACTION_STATE_COMPLETED ||
         state == SYNCOBJ_TRANSACTION_STATE_FAILED;
}

/* The collections it holds while active, in first-touch order: the
 * owner first. Most transactions touch one. */
static inline guint
transaction_n_collections (SyncobjTransaction *self)
{
  GPtrArray *more;

  if (self->collection == NULL)
    return 0;
  more = transaction_peek_extras (self)->more_collections;
  return 1 + (more != NULL ? more->len : 0);
}

static inline SyncobjCollection *
transaction_peek_collection (SyncobjTransaction *self,
                             guint               position)
{
  if (position == 0)
    return self->collection;
  return g_ptr_array_index (transaction_peek_extras (self)->more_collections, position - 1);
}

static inline SyncobjCollection *
transaction_dup_owner (SyncobjTransaction *self)
{
  /* While the transaction is active its owner is the first collection it
   * holds: no trip through the weak reference's global lock. */
  if (self->collection != NULL)
    return g_object_ref (self->collection);
  return _syncobj_weak_get (self->owner);
}

/* Leaves every lane; the transactions that now head a lane may start. */
static inline void
transaction_leave_lanes (SyncobjTransaction *self)
{
  _syncobj_queue_leave (&self->entry);
}

/* A transaction that retries for days keeps its first attempt and the
 * last ones, no more: current_attempt stays the true count. */
#define SYNCOBJ_TRANSACTION_KEPT_LAST_ATTEMPTS 20

/* The first attempt is kept as its two times (lazy_attempt) until
 * somebody asks for it (the attempts list, the store) or it fails: a write
 * whose persist call succeeds at once makes no SyncobjAttempt, whose
 * notifications nobody could have connected to. Then it becomes the first
 * object of attempt_list. The times are kept as µs after created_at_us;
 * one that does not fit (an attempt more than an hour after the
 * transaction was created) makes the object at once. */
static inline gboolean
transaction_lazy_time (SyncobjTransaction *self,
                       gint64              us,
                       guint32            *after_created)
{
  gint64 delta = us - self->created_at_us;

  if (delta < 0 || delta >= G_MAXUINT32)
    return FALSE;
  *after_created = (guint32) delta;
  return TRUE;
}

void     _syncobj_transaction_realize_attempt   (SyncobjTransaction      *self);

/* Attempts are kept in a plain array; the list model
 * (syncobj-transaction-properties.c) mirrors it once someone asks. */
static inline void
transaction_add_attempt (SyncobjTransaction *self,
                         SyncobjAttempt     *attempt)
{
  SyncobjTransactionExtras *extras = transaction_extras (self);

  if (extras->attempt_list == NULL)
    extras->attempt_list = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (extras->attempt_list, g_object_ref (attempt));
  if (extras->attempts != NULL)
    g_list_store_append (extras->attempts, attempt);

  if (extras->attempt_list->len > 1 + SYNCOBJ_TRANSACTION_KEPT_LAST_ATTEMPTS)
    {
      /* The oldest after the first goes. */
      g_ptr_array_remove_index (extras->attempt_list, 1);
      if (extras->attempts != NULL)
        g_list_store_remove (extras->attempts, 1);
    }
}

/* The attempt numbered @number (from 1), or NULL when there was none or
 * it is no longer kept. */
static inline SyncobjAttempt *
transaction_get_attempt (SyncobjTransaction *self,
                         guint               number)
{
  GPtrArray *attempt_list;

  _syncobj_transaction_realize_attempt (self);
  attempt_list = transaction_peek_extras (self)->attempt_list;
  for (guint i = attempt_list != NULL ? attempt_list->len : 0; i > 0; i--)
    {
      SyncobjAttempt *attempt = g_ptr_array_index (attempt_list, i - 1);

      if (attempt->number == number)
        return attempt;
      if (attempt->number < number)
        break;
    }
  return NULL;
}

/* The last attempt kept, or NULL. */
static inline SyncobjAttempt *
transaction_last_attempt (SyncobjTransaction *self)
{
  GPtrArray *attempt_list;

  _syncobj_transaction_realize_attempt (self);
  attempt_list = transaction_peek_extras (self)->attempt_list;
  if (attempt_list == NULL || attempt_list->len == 0)
    return NULL;
  return g_ptr_array_index (attempt_list, attempt_list->len - 1);
}

/* The state machine's steps (syncobj-transaction.c) that the other files of
 * the transaction take. */

/* Records a change of anything the store keeps: state, attempts, errors. */
void     _syncobj_transaction_changed            (SyncobjTransaction      *self);
void     _syncobj_transaction_set_state          (SyncobjTransaction      *self,
                                                  SyncobjTransactionState  state);
void     _syncobj_transaction_set_queued_behind  (SyncobjTransaction      *self,
                                                  const char              *id);
/* The id of the transaction @self waits behind, or NULL. */
const char *_syncobj_transaction_peek_queued_behind (SyncobjTransaction   *self);
/* Waits behind @blocker, whose id is made only when someone reads it. */
void     _syncobj_transaction_set_queued_behind_blocker (SyncobjTransaction *self,
                                                         SyncobjTransaction *blocker);
void     _syncobj_transaction_set_mutations_state (SyncobjTransaction   *self,
                                                   SyncobjMutationState  state);
/* Lists @mutation (of @collection) in the transaction. */
void     _syncobj_transaction_list_mutation      (SyncobjTransaction     *self,
                                                  SyncobjCollection      *collection,
                                                  SyncobjPendingMutation *mutation);
/* Whether @self heads every lane it is in; otherwise *@blocker (when
 * not NULL) is a transaction ahead of it. */
gboolean _syncobj_transaction_heads_all_lanes    (SyncobjTransaction  *self,
                                                  SyncobjTransaction **blocker);
void     _syncobj_transaction_join_lanes         (SyncobjTransaction *self);
/* Waits behind @blocker. */
void     _syncobj_transaction_queue_behind       (SyncobjTransaction *self,
                                                  SyncobjTransaction *blocker);
void     _syncobj_transaction_complete           (SyncobjTransaction *self);
/* Fails @self (taking @error) and the queued transactions that depend on it. */
void     _syncobj_transaction_fail               (SyncobjTransaction *self,
                                                  GError             *error,
                                                  const char         *root_id);

G_END_DECLS
