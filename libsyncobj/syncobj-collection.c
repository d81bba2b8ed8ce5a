/* syncobj-collection.c: a keyed set of JSON records, as apps see it
 *
 * The public API of SyncobjCollection (creation, settings, reading), the
 * entry points of sync commits, and its GObject side. Writes go through
 * syncobj-collection-write.c, rows live in syncobj-overlay.c, and
 * syncobj-collection-list.c shows them as a list model.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-collection-fields-private.h"
#include "syncobj-collection-list-private.h"
#include "syncobj-registry-private.h"
#include "syncobj-sync-private.h"
#include "syncobj-transaction-private.h"
#include "syncobj-json-util-private.h"
#include "syncobj-json-writer-private.h"

/**
 * SyncobjCollection:
 *
 * A keyed set of JSON records: the synced state pushed by its
 * [class@Syncobj.Sync], with the optimistic changes of active transactions
 * on top.
 *
 * Writes ([method@Syncobj.Collection.insert],
 * [method@Syncobj.Collection.update], [method@Syncobj.Collection.delete])
 * apply at once and return the [class@Syncobj.Transaction] that persists
 * them through the collection's [class@Syncobj.Mutator]. A write that is
 * not valid changes nothing and fails with a #GError.
 *
 * ## Visible state
 *
 * The visible value of a key is its synced value with the `changes` of every
 * active transaction touching the key applied member by member, in creation
 * order, so that rolling back one transaction removes exactly its members.
 * A parallel collection may replace this with a [callback@Syncobj.MergeFunc].
 *
 * ## List model
 *
 * The collection is a [iface@Gio.ListModel] of [class@Syncobj.Record], in
 * the order in which keys first became visible: the initial sync's order,
 * then later syncs and local inserts appended. A record keeps its position
 * when the sync echo confirms its optimistic insert. Every visible change
 * emits one [signal@Gio.ListModel::items-changed] (in a sync commit, one
 * per contiguous range of appended records, and one per contiguous range
 * of records changed in place; each removal on its own) and
 * [signal@GObject.Object::notify] on the record. Records are created when
 * asked for and stay unique per key while referenced. Sort and filter with
 * `GtkSortListModel` and `GtkFilterListModel` on top.
 *
 * ## Ordered strategy
 *
 * The default. Persist calls go out one at a time in commit order (one FIFO
 * per key with %SYNCOBJ_QUEUE_SCOPE_KEY). The keys of transactions that are
 * persisting or awaiting their sync echo are locked: sync writes to them are
 * held and applied when the lock releases, in the same step that drops the
 * optimistic layer, so the record never flickers back to an old value.
 *
 * ## Parallel strategy
 *
 * Every transaction persists at once, sync writes apply at once, and the
 * merge function recomputes the visible value after each of them.
 *
 * ## Sharing
 *
 * The [class@Syncobj.Registry] lists every live collection: components that
 * want the same data share one instance, found with
 * [method@Syncobj.Registry.lookup_collection].
 *
 * A collection and everything it does live on the thread-default main
 * context of the thread that created it. Its methods, and those of its
 * transactions and its sync, are called from that thread only: a call from
 * another thread logs a critical warning and changes nothing.
 */
G_DEFINE_FINAL_TYPE_WITH_CODE (SyncobjCollection, syncobj_collection, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, _syncobj_collection_list_model_init))

static GParamSpec *properties[N_PROPS];

enum {
  TRANSACTION_ADDED,
  KEY_ASSIGNED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

void
_syncobj_collection_notify (SyncobjCollection        *self,
                            SyncobjCollectionProperty prop)
{
  g_object_notify_by_pspec ((GObject *) self, properties[prop]);
}

void
_syncobj_collection_emit_transaction_added (SyncobjCollection  *self,
                                            SyncobjTransaction *transaction)
{
  g_signal_emit (self, signals[TRANSACTION_ADDED], 0, transaction);
}

void
_syncobj_collection_emit_key_assigned (SyncobjCollection *self,
                                       const char        *temporary_key,
                                       const char        *key)
{
  g_signal_emit (self, signals[KEY_ASSIGNED], 0, temporary_key, key);
}

/* ---- the sync side --------------------------------------------------------- */

gboolean
_syncobj_collection_apply_sync (SyncobjCollection  *self,
                                SyncobjSyncWrite   *writes,
                                guint               n_writes,
                                gboolean            truncate,
                                const char         *cursor,
                                GError            **error)
{
  g_autoptr(GError) clash = NULL;

  if (!_syncobj_collection_check_not_merging (self, error))
    return FALSE;

  /* Commits apply in their order. */
  _syncobj_collection_finish_sliced (self);
  _syncobj_collection_begin_batch (self);
  if (truncate)
    {
      _syncobj_overlay_mark_begin (self->overlay);
      _syncobj_overlay_mark (self->overlay, writes, n_writes);
      _syncobj_overlay_truncate (self->overlay);
    }
  _syncobj_overlay_apply_sync_writes (self->overlay, writes, n_writes, &clash);
  _syncobj_collection_end_batch (self);
  if (self->cache != NULL)
    _syncobj_collection_cache_commit (self->cache, writes, n_writes, truncate, cursor);

  if (clash != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&clash));
      return FALSE;
    }
  return TRUE;
}

/* ---- public API -------------------------------------------------------------- */

/**
 * syncobj_collection_new:
 * @id: the id of the collection; a store recognises its transactions by it
 * @sync: (nullable): the sync side, pushing server state; %NULL for a
 *   collection that holds only local writes: with no echo to wait for,
 *   what a transaction completed becomes the synced state
 * @mutator: (nullable): the persist side; without one, writes fail until
 *   [method@Syncobj.Collection.set_mutator] is called
 *
 * Creates a collection and starts its sync.
 *
 * Returns: (transfer full): a new collection
 */
SyncobjCollection *
syncobj_collection_new (const char     *id,
                        SyncobjSync    *sync,
                        SyncobjMutator *mutator)
{
  g_return_val_if_fail (id != NULL && *id != '\0', NULL);
  g_return_val_if_fail (sync == NULL || SYNCOBJ_IS_SYNC (sync), NULL);
  g_return_val_if_fail (mutator == NULL || SYNCOBJ_IS_MUTATOR (mutator), NULL);

  return g_object_new (SYNCOBJ_TYPE_COLLECTION,
                       "id", id,
                       "sync", sync,
                       "mutator", mutator,
                       NULL);
}

/**
 * syncobj_collection_new_with_store:
 * @id: the id of the collection; @store recognises its transactions by it
 * @sync: (nullable): the sync side, pushing server state
 * @mutator: (nullable): the persist side
 * @store: (nullable): where transactions are kept durably, for example
 *   [func@Syncobj.Store.get_default]; %NULL keeps them in memory
 *
 * Creates a collection whose transactions and synced records survive a
 * restart. The synced records cached in @store for @id are shown, in their
 * order, when this function returns, and so are the optimistic
 * changes of the unfinished transactions that @store holds for @id, which
 * resume in their original order (see [class@Syncobj.Store]);
 * [property@Syncobj.Collection:status] is then
 * %SYNCOBJ_COLLECTION_STATUS_CACHED when anything saved is shown (a cache,
 * or only the records of unfinished inserts after a first run that never
 * reached its server). It waits for the disk for the time reading them
 * takes.
 *
 * Restored transactions are queued with the strategy, queue scope and
 * retry policy the collection has while it is constructed: when they differ
 * from the defaults, create the collection with g_object_new() and pass
 * them together with [property@Syncobj.Collection:store].
 *
 * [ctor@Syncobj.Collection.new] uses no store: collections persist only
 * when given one.
 *
 * One process has one live collection per id and store file: while
 * another collection of @id lives on the same file with unfinished
 * transactions (a collection nobody references lives on while it has
 * them), the new one shows the cached records but not that collection's
 * unfinished changes, and its writes fail with
 * %SYNCOBJ_ERROR_INVALID_STATE, saying so; its sync's records are not
 * cached. A live one with nothing unfinished does not stand in the way.
 * Share the live collection instead
 * ([func@Syncobj.Collection.get_or_create]). A collection disposed of
 * (g_object_run_dispose()) leaves the registry at once; its unfinished
 * transactions, alive in the process, are restored only by the next start
 * of the program.
 *
 * Returns: (transfer full): a new collection
 */
SyncobjCollection *
syncobj_collection_new_with_store (const char     *id,
                                   SyncobjSync    *sync,
                                   SyncobjMutator *mutator,
                                   SyncobjStore   *store)
{
  g_return_val_if_fail (id != NULL && *id != '\0', NULL);
  g_return_val_if_fail (sync == NULL || SYNCOBJ_IS_SYNC (sync), NULL);
  g_return_val_if_fail (mutator == NULL || SYNCOBJ_IS_MUTATOR (mutator), NULL);
  g_return_val_if_fail (store == NULL || SYNCOBJ_IS_STORE (store), NULL);

  return g_object_new (SYNCOBJ_TYPE_COLLECTION,
                       "id", id,
                       "sync", sync,
                       "mutator", mutator,
                       "store", store,
                       NULL);
}

/**
 * syncobj_collection_get_or_create:
 * @id: the id of the collection
 * @sync: (nullable): the sync side, used only to create the collection
 * @mutator: (nullable): the persist side, used only to create the collection
 * @store: (nullable): the durable store, used only to create the collection
 *
 * Returns the live collection of @id, so that the components of an
 * application that want the same data share one instance with one
 * overlay and one queue.
 *
 * When the [class@Syncobj.Registry] lists a live collection of @id, that
 * collection is returned and @sync, @mutator and @store are not used: it
 * keeps its own. Otherwise a new collection is created as with
 * [ctor@Syncobj.Collection.new_with_store], and later calls return it for
 * as long as somebody holds a reference to it.
 *
 * Returns: (transfer full): the live collection of @id
 *
 * Since: 0.2
 */
SyncobjCollection *
syncobj_collection_get_or_create (const char     *id,
                                  SyncobjSync    *sync,
                                  SyncobjMutator *mutator,
                                  SyncobjStore   *store)
{
  SyncobjCollection *live;

  g_return_val_if_fail (id != NULL && *id != '\0', NULL);
  g_return_val_if_fail (sync == NULL || SYNCOBJ_IS_SYNC (sync), NULL);
  g_return_val_if_fail (mutator == NULL || SYNCOBJ_IS_MUTATOR (mutator), NULL);
  g_return_val_if_fail (store == NULL || SYNCOBJ_IS_STORE (store), NULL);

  live = syncobj_registry_lookup_collection (syncobj_registry_get_default (), id);
  if (live != NULL)
    return g_object_ref (live);

  return syncobj_collection_new_with_store (id, sync, mutator, store);
}

/**
 * syncobj_collection_get_id:
 * @self: a collection
 *
 * Gets [property@Syncobj.Collection:id], which names the collection in the
 * store, the registry and log messages.
 *
 * Returns: the id of the collection
 */
const char *
syncobj_collection_get_id (SyncobjCollection *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);
  return self->id;
}

/**
 * syncobj_collection_get_key_member:
 * @self: a collection
 *
 * Gets [property@Syncobj.Collection:key-member].
 *
 * Returns: the member of each record that holds its key (default `"id"`)
 */
const char *
syncobj_collection_get_key_member (SyncobjCollection *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);
  return self->key_member;
}

/**
 * syncobj_collection_get_key_source:
 * @self: a collection
 *
 * Gets [property@Syncobj.Collection:key-source].
 *
 * Returns: who gives records their keys
 */
SyncobjKeySource
syncobj_collection_get_key_source (SyncobjCollection *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), SYNCOBJ_KEY_SOURCE_CLIENT);

  return self->key_source;
}

/**
 * syncobj_collection_get_sync:
 * @self: a collection
 *
 * Gets the sync that feeds the collection the server's state.
 *
 * Returns: (transfer none) (nullable): the sync side
 */
SyncobjSync *
syncobj_collection_get_sync (SyncobjCollection *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);
  return self->sync;
}

/**
 * syncobj_collection_get_mutator:
 * @self: a collection
 *
 * Gets the mutator that persists the collection's transactions.
 *
 * Returns: (transfer none) (nullable): the persist side
 */
SyncobjMutator *
syncobj_collection_get_mutator (SyncobjCollection *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);
  return self->mutator;
}

/**
 * syncobj_collection_set_mutator:
 * @self: a collection
 * @mutator: (nullable): the persist side
 *
 * Replaces the mutator; attempts that start from now on use the new one.
 */
void
syncobj_collection_set_mutator (SyncobjCollection *self,
                                SyncobjMutator    *mutator)
{
  g_return_if_fail (SYNCOBJ_IS_COLLECTION (self));
  SYNCOBJ_RETURN_IF_NOT_OWNER (self->owner);
  g_return_if_fail (mutator == NULL || SYNCOBJ_IS_MUTATOR (mutator));

  if (!g_set_object (&self->mutator, mutator))
    return;
  _syncobj_collection_notify (self, PROP_MUTATOR);
  _syncobj_collection_update_offline (self);
}

/**
 * syncobj_collection_get_strategy:
 * @self: a collection
 *
 * Gets [property@Syncobj.Collection:strategy]: ordered (queued, locked keys)
 * or parallel.
 *
 * Returns: how the collection schedules its transactions
 */
SyncobjStrategy
syncobj_collection_get_strategy (SyncobjCollection *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), SYNCOBJ_STRATEGY_ORDERED);
  return self->strategy;
}

/**
 * syncobj_collection_set_strategy:
 * @self: a collection
 * @strategy: the strategy
 *
 * Sets how transactions are scheduled. Set it before the first write: a
 * transaction keeps the rules it was committed under.
 */
void
syncobj_collection_set_strategy (SyncobjCollection *self,
                                 SyncobjStrategy    strategy)
{
  g_return_if_fail (SYNCOBJ_IS_COLLECTION (self));
  SYNCOBJ_RETURN_IF_NOT_OWNER (self->owner);

  if (self->strategy == strategy)
    return;
  self->strategy = strategy;
  _syncobj_overlay_set_ordered (self->overlay, collection_is_ordered (self));
  _syncobj_collection_notify (self, PROP_STRATEGY);
  _syncobj_collection_recompose_pending (self);
}

/**
 * syncobj_collection_get_queue_scope:
 * @self: a collection
 *
 * Gets [property@Syncobj.Collection:queue-scope]: one queue for the
 * collection, or one per key.
 *
 * Returns: the width of the queue of an ordered collection
 */
SyncobjQueueScope
syncobj_collection_get_queue_scope (SyncobjCollection *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), SYNCOBJ_QUEUE_SCOPE_COLLECTION);
  return self->queue_scope;
}

/**
 * syncobj_collection_set_queue_scope:
 * @self: a collection
 * @scope: the scope
 *
 * With %SYNCOBJ_QUEUE_SCOPE_KEY, an ordered collection keeps one FIFO per
 * key, and transactions on independent keys persist in parallel. Set it
 * before the first write. A collection with a store restores its
 * unfinished transactions as it is constructed: pass the scope to
 * g_object_new() then, or restored transactions stay in the collection's
 * single queue while new ones on the same keys may overtake them.
 */
void
syncobj_collection_set_queue_scope (SyncobjCollection *self,
                                    SyncobjQueueScope  scope)
{
  g_return_if_fail (SYNCOBJ_IS_COLLECTION (self));
  SYNCOBJ_RETURN_IF_NOT_OWNER (self->owner);

  if (self->queue_scope == scope)
    return;
  self->queue_scope = scope;
  _syncobj_collection_notify (self, PROP_QUEUE_SCOPE);
}

/**
 * syncobj_collection_get_retry_policy:
 * @self: a collection
 *
 * Gets the policy that decides which failed attempts are retried, and when.
 *
 * Returns: (transfer none): the retry policy of the collection's
 *   transactions
 */
SyncobjRetryPolicy *
syncobj_collection_get_retry_policy (SyncobjCollection *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);
  return self->retry_policy;
}

/**
 * syncobj_collection_set_retry_policy:
 * @self: a collection
 * @policy: the policy
 *
 * Replaces the retry policy.
 */
void
syncobj_collection_set_retry_policy (SyncobjCollection  *self,
                                     SyncobjRetryPolicy *policy)
{
  g_return_if_fail (SYNCOBJ_IS_COLLECTION (self));
  SYNCOBJ_RETURN_IF_NOT_OWNER (self->owner);
  g_return_if_fail (SYNCOBJ_IS_RETRY_POLICY (policy));

  if (g_set_object (&self->retry_policy, policy))
    _syncobj_collection_notify (self, PROP_RETRY_POLICY);
}

/**
 * syncobj_collection_get_store:
 * @self: a collection
 *
 * Gets the store that keeps the collection's transactions across restarts.
 *
 * Returns: (transfer none) (nullable): the durable store of the
 *   collection's transactions
 */
SyncobjStore *
syncobj_collection_get_store (SyncobjCollection *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);
  return self->store;
}

/**
 * syncobj_collection_get_persistent:
 * @self: a collection
 *
 * Tells whether the collection's transactions survive a restart,
 * [property@Syncobj.Collection:persistent].
 *
 * Returns: %TRUE when transactions are written to a durable store
 */
gboolean
syncobj_collection_get_persistent (SyncobjCollection *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), FALSE);
  return self->store != NULL && syncobj_store_get_persistent (self->store);
}

/**
 * syncobj_collection_get_size:
 * @self: a collection
 *
 * Counts the visible records, the same as g_list_model_get_n_items().
 *
 * Returns: the number of visible records
 */
guint
syncobj_collection_get_size (SyncobjCollection *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), 0);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (self->owner, 0);
  return _syncobj_row_order_length (self->order) + self->pending_appends->len;
}

/**
 * syncobj_collection_contains:
 * @self: a collection
 * @key: a key
 *
 * Tells whether a record with @key is visible, synced or optimistic.
 *
 * Returns: %TRUE if a record with @key is visible
 */
gboolean
syncobj_collection_contains (SyncobjCollection *self,
                             const char        *key)
{
  SyncobjRow *row;

  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), FALSE);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (self->owner, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  row = _syncobj_overlay_find (self->overlay, collection_resolve_key (self, key));
  return row != NULL && _syncobj_row_is_visible (row);
}

/**
 * syncobj_collection_lookup:
 * @self: a collection
 * @key: a key
 *
 * Looks up the live record for @key: the same object for as long as someone
 * holds it, updated in place (watch `notify::value`).
 *
 * Returns: (transfer full) (nullable): the live record for @key, or %NULL
 *   if no record with @key is visible
 */
SyncobjRecord *
syncobj_collection_lookup (SyncobjCollection *self,
                           const char        *key)
{
  SyncobjRow *row;

  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (self->owner, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  /* A packed row's record reads its text: nothing is built. */
  row = _syncobj_overlay_find (self->overlay, collection_resolve_key (self, key));
  if (row == NULL || !_syncobj_row_is_visible (row))
    return NULL;

  return _syncobj_overlay_get_record (self->overlay, row);
}

/**
 * syncobj_collection_lookup_value:
 * @self: a collection
 * @key: a key
 *
 * Looks up the visible value for @key, without making a
 * [class@Syncobj.Record].
 *
 * Returns: (transfer none) (nullable): the visible value for @key, an
 *   immutable snapshot; %NULL if not visible
 */
JsonObject *
syncobj_collection_lookup_value (SyncobjCollection *self,
                                 const char        *key)
{
  SyncobjRow *row;

  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (self->owner, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  row = _syncobj_overlay_lookup (self->overlay, collection_resolve_key (self, key));
  return row != NULL ? row->visible : NULL;
}

/**
 * syncobj_collection_get_keys:
 * @self: a collection
 *
 * Lists the keys of the visible records.
 *
 * Returns: (transfer full) (array zero-terminated=1): the visible keys in
 *   list order
 */
char **
syncobj_collection_get_keys (SyncobjCollection *self)
{
  SyncobjRowOrderIter iter;
  GStrvBuilder *builder;
  SyncobjRow *row;
  char **keys;

  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (self->owner, NULL);

  builder = g_strv_builder_new ();
  _syncobj_row_order_iter_init (&iter, self->order);
  while ((row = _syncobj_row_order_next (&iter)) != NULL)
    g_strv_builder_add (builder, row->key);
  for (guint i = 0; i < self->pending_appends->len; i++)
    {
      row = g_ptr_array_index (self->pending_appends, i);
      if (_syncobj_row_is_visible (row))
        g_strv_builder_add (builder, row->key);
    }
  keys = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);

  return keys;
}

/**
 * syncobj_collection_get_locked_keys:
 * @self: a collection
 *
 * The keys of transactions that are persisting or awaiting their sync echo
 * (the specification's `getLockedObjects`). Sync writes to them are held.
 *
 * Returns: (transfer full) (array zero-terminated=1): the locked keys,
 *   sorted
 */
char **
syncobj_collection_get_locked_keys (SyncobjCollection *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (self->owner, NULL);

  return _syncobj_queue_dup_locked_keys (self->queue);
}

/**
 * syncobj_collection_get_transactions:
 * @self: a collection
 *
 * Lists the transactions that still change what the collection shows.
 *
 * Returns: (transfer full): a snapshot list of the active (not finished)
 *   transactions touching the collection, oldest first
 */
GListModel *
syncobj_collection_get_transactions (SyncobjCollection *self)
{
  GListStore *store;

  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (self->owner, NULL);

  store = g_list_store_new (SYNCOBJ_TYPE_TRANSACTION);
  for (GList *l = self->active.head; l != NULL; l = l->next)
    g_list_store_append (store, l->data);

  return G_LIST_MODEL (store);
}

/**
 * syncobj_collection_to_json:
 * @self: a collection
 *
 * Writes the visible records out as JSON text, handy from GJS and for logs.
 *
 * Returns: (transfer full): the visible records as a JSON array, in list
 *   order
 */
char *
syncobj_collection_to_json (SyncobjCollection *self)
{
  SyncobjRowOrderIter iter;
  SyncobjRow *row;
  GString *json;

  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (self->owner, NULL);

  /* Packed records are written as they are, without building them. */
  json = g_string_new ("[");
  _syncobj_row_order_iter_init (&iter, self->order);
  while ((row = _syncobj_row_order_next (&iter)) != NULL)
    {
      if (json->len > 1)
        g_string_append_c (json, ',');
      if (row->packed != NULL)
        g_string_append (json, _syncobj_row_peek_text (row));
      else
        {
          g_autofree char *text = _syncobj_json_to_string (row->visible);
          g_string_append (json, text);
        }
    }
  g_string_append_c (json, ']');

  return g_string_free (json, FALSE);
}

/* ---- GObject --------------------------------------------------------------- */

static void
syncobj_collection_constructed (GObject *object)
{
  SyncobjCollection *self = SYNCOBJ_COLLECTION (object);
  char *id;

  G_OBJECT_CLASS (syncobj_collection_parent_class)->constructed (object);

  if (self->id == NULL)
    {
      /* A random id would never find its transactions in the store again:
       * they would be restored by nobody and wait there for ever. */
      if (self->store != NULL)
        {
          g_critical ("A SyncobjCollection with a store needs an id: "
                      "this collection runs without its store");
          g_clear_object (&self->store);
        }
      self->id = g_uuid_string_random ();
    }
  /* A GRefString: every pending mutation of the collection keeps it
   * without a copy. */
  id = g_ref_string_new (self->id);
  g_free (self->id);
  self->id = id;
  if (self->key_member == NULL)
    self->key_member = g_strdup ("id");
  _syncobj_overlay_set_names (self->overlay, self->id, self->key_member);
  /* What a store keeps waits for the server as long as it takes. */
  if (self->retry_policy == NULL)
    self->retry_policy = self->store != NULL ? syncobj_retry_policy_new_durable () : syncobj_retry_policy_new ();

  _syncobj_registry_add_collection (syncobj_registry_get_default (), self);
  _syncobj_collection_watch_online (self);

  /* The cache, the restored transactions, then the sync:
   * syncobj-collection-open.c. */
  _syncobj_collection_open (self);
}

static void
syncobj_collection_dispose (GObject *object)
{
  SyncobjCollection *self = SYNCOBJ_COLLECTION (object);

  if (self->sync != NULL)
    _syncobj_sync_detach (self->sync);
  _syncobj_collection_drop_sliced (self);

  _syncobj_overlay_forget_records (self->overlay);

  _syncobj_collection_drop_active (self);

  _syncobj_overlay_set_merge_func (self->overlay, NULL, NULL, NULL);

  g_clear_object (&self->sync);
  g_clear_object (&self->mutator);
  g_clear_pointer (&self->cache, _syncobj_collection_cache_free);
  g_clear_object (&self->store);
  g_clear_object (&self->retry_policy);
  _syncobj_collection_conflict_clear (self);

  G_OBJECT_CLASS (syncobj_collection_parent_class)->dispose (object);
}

static void
syncobj_collection_finalize (GObject *object)
{
  SyncobjCollection *self = SYNCOBJ_COLLECTION (object);

  g_clear_pointer (&self->id, g_ref_string_release);
  g_free (self->key_member);
  g_free (self->version_member);
  g_clear_pointer (&self->weak, _syncobj_weak_unref);
  g_clear_pointer (&self->order, _syncobj_row_order_free);
  g_clear_pointer (&self->pending_appends, g_ptr_array_unref);
  g_clear_pointer (&self->overlay, _syncobj_overlay_free);
  g_clear_pointer (&self->active_links, _syncobj_table_free);
  g_clear_pointer (&self->queue, _syncobj_queue_free);
  g_clear_pointer (&self->aliases, g_hash_table_unref);
  g_clear_error (&self->open_twice);

  G_OBJECT_CLASS (syncobj_collection_parent_class)->finalize (object);
}

static void
syncobj_collection_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  SyncobjCollection *self = SYNCOBJ_COLLECTION (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_KEY_MEMBER:
      g_value_set_string (value, self->key_member);
      break;
    case PROP_KEY_SOURCE:
      g_value_set_enum (value, self->key_source);
      break;
    case PROP_SYNC:
      g_value_set_object (value, self->sync);
      break;
    case PROP_MUTATOR:
      g_value_set_object (value, self->mutator);
      break;
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_PERSISTENT:
      g_value_set_boolean (value, syncobj_collection_get_persistent (self));
      break;
    case PROP_STRATEGY:
      g_value_set_enum (value, self->strategy);
      break;
    case PROP_QUEUE_SCOPE:
      g_value_set_enum (value, self->queue_scope);
      break;
    case PROP_RETRY_POLICY:
      g_value_set_object (value, self->retry_policy);
      break;
    case PROP_SCHEMA_VERSION:
      g_value_set_uint (value, self->schema_version);
      break;
    case PROP_READY:
    case PROP_STATUS:
    case PROP_N_PENDING:
    case PROP_OFFLINE:
      _syncobj_collection_get_state_property (self, prop_id, value);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, _syncobj_row_order_length (self->order));
      break;
    case PROP_VERSION_MEMBER:
      g_value_set_string (value, self->version_member);
      break;
    case PROP_CONFLICT_POLICY:
      g_value_set_enum (value, self->conflict_policy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_collection_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  SyncobjCollection *self = SYNCOBJ_COLLECTION (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_free (self->id);
      self->id = g_value_dup_string (value);
      break;
    case PROP_KEY_MEMBER:
      if (g_value_get_string (value) != NULL)
        {
          g_free (self->key_member);
          self->key_member = g_value_dup_string (value);
        }
      break;
    case PROP_KEY_SOURCE:
      self->key_source = g_value_get_enum (value);
      break;
    case PROP_SYNC:
      self->sync = g_value_dup_object (value);
      break;
    case PROP_MUTATOR:
      syncobj_collection_set_mutator (self, g_value_get_object (value));
      break;
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_SCHEMA_VERSION:
      self->schema_version = g_value_get_uint (value);
      break;
    case PROP_STRATEGY:
      syncobj_collection_set_strategy (self, g_value_get_enum (value));
      break;
    case PROP_QUEUE_SCOPE:
      syncobj_collection_set_queue_scope (self, g_value_get_enum (value));
      break;
    case PROP_RETRY_POLICY:
      if (g_value_get_object (value) != NULL)
        syncobj_collection_set_retry_policy (self, g_value_get_object (value));
      break;
    case PROP_VERSION_MEMBER:
      syncobj_collection_set_version_member (self, g_value_get_string (value));
      break;
    case PROP_CONFLICT_POLICY:
      syncobj_collection_set_conflict_policy (self, g_value_get_enum (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_collection_class_init (SyncobjCollectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _syncobj_ensure_i18n ();

  object_class->constructed = syncobj_collection_constructed;
  object_class->dispose = syncobj_collection_dispose;
  object_class->finalize = syncobj_collection_finalize;
  object_class->get_property = syncobj_collection_get_property;
  object_class->set_property = syncobj_collection_set_property;

  /**
   * SyncobjCollection:id:
   *
   * The id of the collection. A store recognises the transactions of a
   * collection by it after a restart.
   *
   * A collection created without one gets a random id. A collection given a
   * [property@Syncobj.Collection:store] must be given an id too: without
   * one, a critical warning is logged and the collection runs without its
   * store, in memory.
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCollection:key-member:
   *
   * The member of each record that holds its key: a non-empty string or
   * an integer within 64 bits. An integer key is known by its decimal text
   * (`{"id": 1}` is the record `"1"` for lookups, the list model and the
   * store) and keeps its JSON type in values and in what is sent to the
   * server. A collection holds either `1` or `"1"`, never both: the second
   * one is refused with %SYNCOBJ_ERROR_KEY_EXISTS.
   */
  properties[PROP_KEY_MEMBER] =
    g_param_spec_string ("key-member", NULL, NULL, "id",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCollection:key-source:
   *
   * Who gives records their keys. With %SYNCOBJ_KEY_SOURCE_SERVER an
   * insert may omit the key member: the record gets a temporary key
   * (`~tmp-` and a UUID), is visible at once, and is sent without a key.
   * The persist answer brings the server's key
   * ([method@Syncobj.PersistJob.set_created]); the same
   * [class@Syncobj.Record] then takes it in place: `notify::key`, the same
   * position, no `items-changed`, and [signal@Syncobj.Collection::key-assigned].
   * The temporary key stays an alias of the server's key for lookups,
   * updates and deletes.
   */
  properties[PROP_KEY_SOURCE] =
    g_param_spec_enum ("key-source", NULL, NULL, SYNCOBJ_TYPE_KEY_SOURCE, SYNCOBJ_KEY_SOURCE_CLIENT,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCollection:sync:
   *
   * The sync side, which pushes the server's state.
   */
  properties[PROP_SYNC] =
    g_param_spec_object ("sync", NULL, NULL, SYNCOBJ_TYPE_SYNC,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCollection:mutator:
   *
   * The persist side, which writes transactions to the backend.
   */
  properties[PROP_MUTATOR] =
    g_param_spec_object ("mutator", NULL, NULL, SYNCOBJ_TYPE_MUTATOR,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCollection:store:
   *
   * The durable store of the collection's transactions, or %NULL to keep
   * them in memory only.
   */
  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, SYNCOBJ_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCollection:persistent:
   *
   * Whether transactions survive a restart.
   */
  properties[PROP_PERSISTENT] =
    g_param_spec_boolean ("persistent", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCollection:strategy:
   *
   * How transactions are scheduled.
   *
   * Like [property@Syncobj.Collection:queue-scope] and
   * [property@Syncobj.Collection:retry-policy], it is a construct property:
   * passed to g_object_new(), it applies before the transactions of the
   * store are restored into their queues.
   */
  properties[PROP_STRATEGY] =
    g_param_spec_enum ("strategy", NULL, NULL,
                       SYNCOBJ_TYPE_STRATEGY, SYNCOBJ_STRATEGY_ORDERED,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCollection:queue-scope:
   *
   * The width of the queue of an ordered collection.
   */
  properties[PROP_QUEUE_SCOPE] =
    g_param_spec_enum ("queue-scope", NULL, NULL,
                       SYNCOBJ_TYPE_QUEUE_SCOPE, SYNCOBJ_QUEUE_SCOPE_COLLECTION,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCollection:retry-policy:
   *
   * How failed persist attempts are retried. Unless one is given, a
   * collection with a [property@Syncobj.Collection:store] gets
   * [ctor@Syncobj.RetryPolicy.new_durable] (no limit on attempts, backoff
   * from 1 s to 5 minutes) and one without gets
   * [ctor@Syncobj.RetryPolicy.new] (5 attempts, backoff up to 30 s).
   */
  properties[PROP_RETRY_POLICY] =
    g_param_spec_object ("retry-policy", NULL, NULL, SYNCOBJ_TYPE_RETRY_POLICY,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  _syncobj_collection_state_param_specs (properties);

  /**
   * SyncobjCollection:n-items:
   *
   * The number of records in the list model.
   */
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCollection:schema-version:
   *
   * The version of the application's record shape. A cache of synced
   * records written under another version is dropped when the collection
   * is created (with a log line): raise it when the records change shape.
   */
  properties[PROP_SCHEMA_VERSION] =
    g_param_spec_uint ("schema-version", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  _syncobj_collection_conflict_class_init (object_class, properties);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SyncobjCollection::transaction-added:
   * @self: the collection
   * @transaction: the new transaction
   *
   * Emitted when a transaction starts touching the collection.
   */
  signals[TRANSACTION_ADDED] =
    g_signal_new ("transaction-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, SYNCOBJ_TYPE_TRANSACTION);

  /**
   * SyncobjCollection::key-assigned:
   * @self: the collection
   * @temporary_key: the temporary key the record had
   * @key: the key the server gave it
   *
   * Emitted when the server's answer brings the key of a record inserted
   * without one, after the record took it. Records of the application
   * that refer to @temporary_key (a to-do's `list_id`, say) can be
   * rewritten from here.
   */
  signals[KEY_ASSIGNED] =
    g_signal_new ("key-assigned", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
syncobj_collection_init (SyncobjCollection *self)
{
  self->queue = _syncobj_queue_new (self);
  self->overlay = _syncobj_overlay_new (self, self->queue, &_syncobj_collection_overlay_view_funcs, self);
  self->order = _syncobj_row_order_new ();
  self->pending_appends = g_ptr_array_new ();
  self->active_links = _syncobj_table_new (NULL, NULL, NULL, NULL);
  self->owner = g_thread_self ();
}

