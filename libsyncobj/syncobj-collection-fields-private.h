/* syncobj-collection-fields-private.h: what a SyncobjCollection holds
 *
 * For the files of the collection only: syncobj-collection.c (public API),
 * syncobj-collection-write.c (writes and their transactions),
 * syncobj-collection-list.c (the list model), syncobj-collection-cache.c
 * (the synced state in the store's cache) and syncobj-collection-state.c
 * (ready, status, n-pending, offline). Everything else sees a
 * collection through syncobj-collection-private.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-collection-private.h"
#include "syncobj-table-private.h"

G_BEGIN_DECLS

typedef struct _SyncobjSlicedCommit SyncobjSlicedCommit;

struct _SyncobjCollection
{
  GObject             parent_instance;

  char               *id;              /* a GRefString once constructed: every
                                         * pending mutation shares it */
  char               *key_member;
  SyncobjKeySource    key_source;
  GHashTable         *aliases;          /* temporary key → the server's key; NULL before any */
  SyncobjSync        *sync;
  SyncobjMutator     *mutator;
  SyncobjStore       *store;
  SyncobjRetryPolicy *retry_policy;
  SyncobjStrategy     strategy;
  SyncobjQueueScope   queue_scope;
  GThread            *owner;            /* the thread that created it */
  SyncobjWeak        *weak;             /* its handle, kept from the first
                                         * write on for the next ones */

  SyncobjOverlay     *overlay;          /* rows: what the list model shows */
  SyncobjQueue       *queue;            /* lanes and locked keys */

  SyncobjRowOrder    *order;            /* SyncobjRow, visible and announced */
  GPtrArray          *pending_appends;  /* SyncobjRow, during a batch */
  guint               changed_start;    /* in-place changes during a batch: */
  guint               changed_count;    /*   one contiguous range, not announced yet */
  guint               batch_depth;
  guint               order_removals;   /* rows that left self->order, ever */
  guint               shown_changes;    /* rows that appeared, changed or left, ever:
                                         * see _syncobj_collection_write() */

  GQueue              active;           /* SyncobjTransaction (strong), creation order */
  SyncobjTable       *active_links;     /* transaction → GList link */

  SyncobjCollectionCache *cache;        /* NULL without a persistent store */
  GError             *open_twice;       /* another live collection of this id
                                         * uses the store: writes fail so */
  SyncobjSlicedCommit *sliced;          /* syncobj-collection-slice.c */
  guint               slice_writes;     /* tests: writes per slice; 0: by time */
  guint               schema_version;
  SyncobjCollectionStatus status;
  guint               ready : 1;
  guint               offline : 1;

  /* syncobj-collection-conflict.c */
  char               *version_member;   /* nullable */
  SyncobjConflictPolicy conflict_policy;
  SyncobjConflictFunc conflict_func;
  gpointer            conflict_data;
  GDestroyNotify      conflict_destroy;
  gboolean            conflict_resolving; /* the conflict function runs */
  SyncobjConflictPolicy conflict_resolve_with; /* what it asked for; CUSTOM:
                                              * its return value */
};

typedef enum {
  PROP_0,
  PROP_ID,
  PROP_KEY_MEMBER,
  PROP_KEY_SOURCE,
  PROP_SYNC,
  PROP_MUTATOR,
  PROP_STORE,
  PROP_PERSISTENT,
  PROP_STRATEGY,
  PROP_QUEUE_SCOPE,
  PROP_RETRY_POLICY,
  PROP_READY,
  PROP_N_ITEMS,
  PROP_STATUS,
  PROP_SCHEMA_VERSION,
  PROP_N_PENDING,
  PROP_OFFLINE,
  PROP_VERSION_MEMBER,
  PROP_CONFLICT_POLICY,
  N_PROPS
} SyncobjCollectionProperty;

void _syncobj_collection_notify                 (SyncobjCollection        *self,
                                                 SyncobjCollectionProperty prop);
void _syncobj_collection_emit_transaction_added (SyncobjCollection        *self,
                                                 SyncobjTransaction       *transaction);
void _syncobj_collection_emit_key_assigned      (SyncobjCollection        *self,
                                                 const char               *temporary_key,
                                                 const char               *key);

/* ---- syncobj-collection-state.c ------------------------------------------- */

/* Notifies when it changes. */
void _syncobj_collection_set_status             (SyncobjCollection        *self,
                                                 SyncobjCollectionStatus   status);
/* Follows the network and the servers' reachability in SyncobjCollection:offline. */
void _syncobj_collection_watch_online           (SyncobjCollection        *self);
/* Offline: the network is down or the mutator's server cannot be reached
 * now; notifies when that changes (a new mutator, too). */
void _syncobj_collection_update_offline         (SyncobjCollection        *self);
/* Creates the GParamSpecs of ready, status, n-pending and offline in
 * @properties (indexed by SyncobjCollectionProperty). */
void _syncobj_collection_state_param_specs      (GParamSpec              **properties);
/* The value of one of those four properties. */
void _syncobj_collection_get_state_property     (SyncobjCollection        *self,
                                                 guint                     prop_id,
                                                 GValue                   *value);

/* In syncobj-collection-write.c: fails while the merge function runs. */
gboolean _syncobj_collection_check_not_merging  (SyncobjCollection        *self,
                                                 GError                  **error);

/* ---- syncobj-collection-merge.c -------------------------------------------- */

/* Composes again the visible value of every key with pending changes: a
 * merge function or a strategy set while writes are pending changes what
 * they show. */
void _syncobj_collection_recompose_pending      (SyncobjCollection        *self);

/* ---- syncobj-collection-slice.c -------------------------------------------- */

/* Drops a sliced commit under way, its caller told it was cancelled. */
void _syncobj_collection_drop_sliced            (SyncobjCollection        *self);

/* ---- syncobj-collection-conflict.c ---------------------------------------- */

/* Creates the GParamSpecs of version-member and conflict-policy in
 * @properties, and ::conflict. */
void _syncobj_collection_conflict_class_init    (GObjectClass             *object_class,
                                                 GParamSpec              **properties);
/* Drops the conflict function. */
void _syncobj_collection_conflict_clear         (SyncobjCollection        *self);

static inline gboolean
collection_is_ordered (SyncobjCollection *self)
{
  return self->strategy == SYNCOBJ_STRATEGY_ORDERED;
}

/* A temporary key the server has replaced names the record of the
 * server's key for the rest of the process. */
static inline const char *
collection_resolve_key (SyncobjCollection *self,
                        const char        *key)
{
  const char *alias;

  if (self->aliases == NULL || key == NULL)
    return key;
  alias = g_hash_table_lookup (self->aliases, key);
  return alias != NULL ? alias : key;
}

G_END_DECLS
