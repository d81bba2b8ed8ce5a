/* syncobj-collection.c: synced state, optimistic overlay, list model
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-collection-private.h"
#include "syncobj-overlay-private.h"
#include "syncobj-queue-private.h"
#include "syncobj-registry-private.h"
#include "syncobj-sync-private.h"
#include "syncobj-transaction-private.h"
#include "syncobj-recovery-private.h"
#include "syncobj-json-util-private.h"
#include "syncobj-uuid-private.h"
#include "syncobj-json-validate-private.h"
#include "syncobj-json-writer-private.h"
#include "syncobj-json-parser-private.h"

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
 * context of the thread that created it.
 */

struct _SyncobjCollection
{
  GObject             parent_instance;

  char               *id;
  char               *key_member;
  SyncobjKeySource    key_source;
  GHashTable         *aliases;          /* temporary key → the server's key; NULL before any */
  SyncobjSync        *sync;
  SyncobjMutator     *mutator;
  SyncobjStore       *store;
  SyncobjRetryPolicy *retry_policy;
  SyncobjStrategy     strategy;
  SyncobjQueueScope   queue_scope;

  SyncobjOverlay     *overlay;          /* rows: what the list model shows */
  SyncobjQueue       *queue;            /* lanes and locked keys */

  GSequence          *order;            /* SyncobjRow, visible and announced */
  GPtrArray          *pending_appends;  /* SyncobjRow, during a batch */
  guint               changed_start;    /* in-place changes during a batch: */
  guint               changed_count;    /*   one contiguous range, not announced yet */
  guint               batch_depth;
  guint               order_removed : 1;  /* a row ever left self->order */

  GQueue              active;           /* SyncobjTransaction (strong), creation order */
  GHashTable         *active_links;     /* transaction → GList link */

  guint               ready : 1;
};

static void syncobj_collection_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SyncobjCollection, syncobj_collection, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, syncobj_collection_list_model_init))

enum {
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
  N_PROPS
};

enum {
  TRANSACTION_ADDED,
  KEY_ASSIGNED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static gboolean
collection_is_ordered (SyncobjCollection *self)
{
  return self->strategy == SYNCOBJ_STRATEGY_ORDERED;
}

/* A temporary key the server has replaced names the record of the
 * server's key for the rest of the process. */
static const char *
collection_resolve_key (SyncobjCollection *self,
                        const char        *key)
{
  const char *alias;

  if (self->aliases == NULL || key == NULL)
    return key;
  alias = g_hash_table_lookup (self->aliases, key);
  return alias != NULL ? alias : key;
}

/* ---- the list model's order ------------------------------------------------ */

/* The position of @row (in self->order) in the list model. Rows are only
 * ever appended, so until one leaves, each stays where it was appended;
 * GSequence's walk to the root, a cache miss per level in a big list, is
 * needed only after that. */
static guint
row_position (SyncobjCollection *self,
              SyncobjRow        *row)
{
  if (!self->order_removed)
    return row->position;
  return g_sequence_iter_get_position (row->iter);
}

static void
collection_flush_appends (SyncobjCollection *self)
{
  guint position;
  guint added = 0;
  g_autoptr(GPtrArray) rows = NULL;

  if (self->pending_appends->len == 0)
    return;

  /* Not before: the length is a walk to the GSequence's root. */
  position = g_sequence_get_length (self->order);

  rows = g_steal_pointer (&self->pending_appends);
  self->pending_appends = g_ptr_array_new ();

  for (guint i = 0; i < rows->len; i++)
    {
      SyncobjRow *row = g_ptr_array_index (rows, i);

      row->pending_append = FALSE;
      if (_syncobj_row_is_visible (row))
        {
          row->iter = g_sequence_append (self->order, row);
          row->position = position + added;
          added++;
        }
      else
        _syncobj_overlay_row_maybe_free (self->overlay, row);
    }

  if (added > 0)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), position, 0, added);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
}

/* Announces the range of rows changed in place during the batch so far. */
static void
collection_flush_changes (SyncobjCollection *self)
{
  guint count = self->changed_count;

  if (count == 0)
    return;
  self->changed_count = 0;
  g_list_model_items_changed (G_LIST_MODEL (self), self->changed_start, count, count);
}

/* The visible value of the row at @position changed; the row stays where
 * it is. In a batch (a sync commit), changes to neighbouring rows become
 * one items-changed for their range. */
static void
collection_item_changed (SyncobjCollection *self,
                         guint              position)
{
  if (self->batch_depth > 0 && self->changed_count > 0 &&
      position == self->changed_start + self->changed_count)
    {
      self->changed_count++;
      return;
    }

  collection_flush_changes (self);
  collection_flush_appends (self);
  if (self->batch_depth > 0)
    {
      self->changed_start = position;
      self->changed_count = 1;
    }
  else
    g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 1);
}

static void
collection_begin_batch (SyncobjCollection *self)
{
  self->batch_depth++;
}

static void
collection_end_batch (SyncobjCollection *self)
{
  g_assert (self->batch_depth > 0);

  if (--self->batch_depth == 0)
    {
      collection_flush_changes (self);
      collection_flush_appends (self);
    }
}

/* @row just became visible: it goes to the end of the list. */
static void
row_appear (gpointer    view,
            SyncobjRow *row)
{
  SyncobjCollection *self = view;

  if (row->pending_append)
    ; /* already waiting for the end of the batch */
  else if (self->batch_depth > 0)
    {
      row->pending_append = TRUE;
      g_ptr_array_add (self->pending_appends, row);
    }
  else
    {
      row->iter = g_sequence_append (self->order, row);
      row->position = g_sequence_iter_get_position (row->iter);
      g_list_model_items_changed (G_LIST_MODEL (self), row->position, 0, 1);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
}

/* @row is no longer visible: it leaves the list. */
static void
row_disappear (gpointer    view,
               SyncobjRow *row)
{
  SyncobjCollection *self = view;
  guint position;

  if (row->iter == NULL)
    return;

  collection_flush_changes (self);
  collection_flush_appends (self);
  position = row_position (self, row);
  g_sequence_remove (row->iter);
  row->iter = NULL;
  self->order_removed = TRUE;
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
row_changed (gpointer    view,
             SyncobjRow *row)
{
  SyncobjCollection *self = view;

  if (row->iter != NULL)
    collection_item_changed (self, row_position (self, row));
}

static const SyncobjOverlayViewFuncs overlay_view_funcs = {
  .appear = row_appear,
  .disappear = row_disappear,
  .changed = row_changed,
};

/* ---- the write path ------------------------------------------------------- */

static SyncobjTransaction *
collection_pick_transaction (SyncobjCollection   *self,
                             SyncobjTransaction  *transaction,
                             gboolean            *auto_commit,
                             GError             **error)
{
  if (transaction == NULL)
    transaction = _syncobj_transaction_get_open ();

  *auto_commit = transaction == NULL;

  if (transaction != NULL)
    {
      if (_syncobj_transaction_is_committed (transaction) || syncobj_transaction_is_finished (transaction))
        {
          g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE,
                       _("Transaction %s is already committed; begin a new one"),
                       syncobj_transaction_get_id (transaction));
          return NULL;
        }
      return g_object_ref (transaction);
    }

  if (self->mutator == NULL)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE,
                   _("Collection “%s” has no mutator; set one before writing to it"), self->id);
      return NULL;
    }

  return _syncobj_transaction_new (self);
}

static gboolean
collection_validate_write (SyncobjCollection    *self,
                           SyncobjMutationType   type,
                           const char          **key,
                           char                  key_buffer[SYNCOBJ_INT_KEY_SIZE],
                           JsonObject           *value,
                           GError              **error)
{
  SyncobjRow *row;
  gboolean key_is_int = FALSE;

  /* NaN, infinity, invalid UTF-8 or absurd nesting could be neither
   * stored nor sent. */
  if (value != NULL && !_syncobj_json_check_object (value, SYNCOBJ_ERROR_INVALID_RECORD, error))
    return FALSE;

  if (type == SYNCOBJ_MUTATION_TYPE_INSERT)
    {
      if (value == NULL)
        {
          g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                       _("Cannot insert into collection “%s”: the record must be a JSON object"), self->id);
          return FALSE;
        }
      if (*key == NULL || !g_str_has_prefix (*key, SYNCOBJ_TEMPORARY_KEY_PREFIX))
        *key = _syncobj_json_get_key (value, self->key_member, key_buffer, &key_is_int, error);
      if (*key == NULL)
        return FALSE;
      if (!key_is_int && g_str_has_prefix (*key, SYNCOBJ_TEMPORARY_KEY_PREFIX) &&
          json_object_has_member (value, self->key_member))
        {
          g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                       _("Cannot insert into collection “%s”: keys beginning with “%s” are temporary keys"),
                       self->id, SYNCOBJ_TEMPORARY_KEY_PREFIX);
          return FALSE;
        }
    }
  else if (*key == NULL || **key == '\0')
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                   _("Cannot write to collection “%s”: the key must be a non-empty string"), self->id);
      return FALSE;
    }

  row = _syncobj_overlay_lookup (self->overlay, *key);

  if (type == SYNCOBJ_MUTATION_TYPE_INSERT && !_syncobj_overlay_check_key_type (self->overlay, row, key_is_int, error))
    return FALSE;

  if (type == SYNCOBJ_MUTATION_TYPE_INSERT && row != NULL && row->visible != NULL)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_KEY_EXISTS,
                   _("Record “%s” already exists in collection “%s”"), *key, self->id);
      return FALSE;
    }

  if (type != SYNCOBJ_MUTATION_TYPE_INSERT && (row == NULL || row->visible == NULL))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_KEY_NOT_FOUND,
                   _("No record “%s” in collection “%s”"), *key, self->id);
      return FALSE;
    }

  if (type == SYNCOBJ_MUTATION_TYPE_UPDATE)
    {
      JsonNode *key_node;

      if (value == NULL)
        {
          g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                       _("Cannot update record “%s”: the changes must be a JSON object"), *key);
          return FALSE;
        }

      key_node = json_object_get_member (value, self->key_member);
      if (key_node != NULL &&
          (g_strcmp0 (_syncobj_json_get_key (value, self->key_member, key_buffer, &key_is_int, NULL), *key) != 0 ||
           key_is_int != row->int_key))
        {
          g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                       _("An update must not change the key of record “%s” (member “%s”)"),
                       *key, self->key_member);
          return FALSE;
        }
    }

  return TRUE;
}

SyncobjTransaction *
_syncobj_collection_write (SyncobjCollection    *self,
                           SyncobjTransaction   *transaction,
                           SyncobjMutationType   type,
                           const char           *key,
                           JsonObject           *value,
                           GError              **error)
{
  g_autoptr(SyncobjTransaction) target = NULL;
  SyncobjPendingMutation *mutation;
  SyncobjOverlayWrite write;
  gint64 now = _syncobj_scheduler_now (_syncobj_scheduler_get_default ());
  gboolean auto_commit;
  char key_buffer[SYNCOBJ_INT_KEY_SIZE];
  g_autofree char *temporary_key = NULL;

  if (type == SYNCOBJ_MUTATION_TYPE_INSERT && value != NULL &&
      self->key_source == SYNCOBJ_KEY_SOURCE_SERVER &&
      !json_object_has_member (value, self->key_member))
    {
      g_autofree char *uuid = _syncobj_uuid_new ();

      key = temporary_key = g_strconcat (SYNCOBJ_TEMPORARY_KEY_PREFIX, uuid, NULL);
    }
  else if (type != SYNCOBJ_MUTATION_TYPE_INSERT)
    key = collection_resolve_key (self, key);

  if (!collection_validate_write (self, type, &key, key_buffer, value, error))
    return NULL;

  target = collection_pick_transaction (self, transaction, &auto_commit, error);
  if (target == NULL)
    return NULL;

  if (temporary_key != NULL)
    _syncobj_overlay_mark_temporary (self->overlay, key);

  mutation = _syncobj_transaction_find_mutation (target, self, key);

  if (mutation != NULL)
    {
      if (!_syncobj_overlay_fold (self->overlay, &write, mutation, type, value, now))
        _syncobj_transaction_remove_mutation (target, mutation);
    }
  else
    {
      g_autoptr(SyncobjPendingMutation) created =
        _syncobj_pending_mutation_new (self, self->id, target, key, type, now);

      _syncobj_overlay_push (self->overlay, &write, created, value, now);
      _syncobj_transaction_add_mutation (target, created);
    }

  _syncobj_overlay_show_write (self->overlay, &write);

  if (auto_commit)
    syncobj_transaction_commit (target, NULL);

  return g_steal_pointer (&target);
}

gboolean
_syncobj_collection_assign_key (SyncobjCollection       *self,
                                SyncobjPendingMutation  *mutation,
                                JsonObject              *created,
                                GError                 **error)
{
  g_autoptr(JsonObject) early_synced = NULL;
  g_autofree char *temporary_key = NULL;
  char key_buffer[SYNCOBJ_INT_KEY_SIZE];
  const char *key;
  gboolean key_is_int = FALSE;

  if (!_syncobj_overlay_is_temporary (self->overlay, mutation))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE,
                   _("Mutation %s of collection “%s” is not an insert under a temporary key"),
                   mutation->mutation_id, self->id);
      return FALSE;
    }

  key = _syncobj_json_get_key (created, self->key_member, key_buffer, &key_is_int, error);
  if (key == NULL)
    return FALSE;
  if (g_str_has_prefix (key, SYNCOBJ_TEMPORARY_KEY_PREFIX))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                   _("The server answered with the temporary key “%s”"), key);
      return FALSE;
    }

  if (!_syncobj_overlay_take_early_echo (self->overlay, key, &early_synced, error))
    return FALSE;

  temporary_key = g_strdup (mutation->key);
  if (self->aliases == NULL)
    self->aliases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (self->aliases, g_strdup (temporary_key), g_strdup (key));

  _syncobj_overlay_rekey (self->overlay, mutation, created, key, key_is_int, g_steal_pointer (&early_synced));

  g_signal_emit (self, signals[KEY_ASSIGNED], 0, temporary_key, key);
  return TRUE;
}

void
_syncobj_collection_restore_mutation (SyncobjCollection      *self,
                                      SyncobjPendingMutation *mutation)
{
  _syncobj_overlay_restore (self->overlay, mutation);
}

/* ---- the sync side --------------------------------------------------------- */

gboolean
_syncobj_collection_apply_sync (SyncobjCollection  *self,
                                SyncobjSyncWrite   *writes,
                                guint               n_writes,
                                gboolean            truncate,
                                GError            **error)
{
  gboolean applied;

  collection_begin_batch (self);
  applied = _syncobj_overlay_apply_sync (self->overlay, writes, n_writes, truncate, error);
  collection_end_batch (self);

  return applied;
}

void
_syncobj_collection_set_ready (SyncobjCollection *self,
                               gboolean           ready)
{
  if (self->ready == !!ready)
    return;

  self->ready = !!ready;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READY]);
}

/* ---- queue and locks ----------------------------------------------------- */

/* Whether @transaction holds mutations of @self only (the usual case: one
 * collection), so that no mutation needs its collection looked up. */
static gboolean
transaction_only_touches (SyncobjTransaction *transaction,
                          SyncobjCollection  *self)
{
  GPtrArray *collections = _syncobj_transaction_get_collections (transaction);

  return collections->len == 1 && g_ptr_array_index (collections, 0) == self;
}

void
_syncobj_collection_collect_lanes (SyncobjCollection  *self,
                                   SyncobjTransaction *transaction,
                                   GPtrArray          *lanes)
{
  if (!collection_is_ordered (self))
    return;

  _syncobj_queue_collect_lanes (self->queue, self->queue_scope,
                                _syncobj_transaction_peek_mutations (transaction), lanes);
}

SyncobjLane *
_syncobj_collection_find_lane (SyncobjCollection *self,
                               const char        *key)
{
  return _syncobj_queue_find_lane (self->queue, self->queue_scope, key);
}

void
_syncobj_collection_lock (SyncobjCollection  *self,
                          SyncobjTransaction *transaction)
{
  if (!collection_is_ordered (self))
    return;

  _syncobj_queue_lock (self->queue, _syncobj_transaction_peek_mutations (transaction),
                       transaction_only_touches (transaction, self));
}

void
_syncobj_collection_finish_transaction (SyncobjCollection  *self,
                                        SyncobjTransaction *transaction,
                                        gboolean            failed)
{
  /* The list stays as it is: the transaction is committed or failed. */
  GList *link;

  collection_begin_batch (self);
  _syncobj_overlay_finish (self->overlay, _syncobj_transaction_peek_mutations (transaction),
                           transaction_only_touches (transaction, self), failed, self->sync == NULL);
  collection_end_batch (self);

  link = g_hash_table_lookup (self->active_links, transaction);
  if (link != NULL)
    {
      g_hash_table_remove (self->active_links, transaction);
      g_queue_delete_link (&self->active, link);
      g_object_unref (transaction);
    }
}

void
_syncobj_collection_add_transaction (SyncobjCollection  *self,
                                     SyncobjTransaction *transaction)
{
  if (g_hash_table_contains (self->active_links, transaction))
    return;

  g_queue_push_tail (&self->active, g_object_ref (transaction));
  g_hash_table_insert (self->active_links, transaction, self->active.tail);
  g_signal_emit (self, signals[TRANSACTION_ADDED], 0, transaction);
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
 * Creates a collection whose transactions survive a restart. The
 * unfinished transactions that @store holds for @id are restored at once:
 * their optimistic changes are visible when this function returns and
 * they resume in their original order (see [class@Syncobj.Store]).
 *
 * Restored transactions are queued with the strategy, queue scope and
 * retry policy the collection has while it is constructed: when they differ
 * from the defaults, create the collection with g_object_new() and pass
 * them together with [property@Syncobj.Collection:store].
 *
 * [ctor@Syncobj.Collection.new] uses no store: collections persist only
 * when given one.
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
 * syncobj_collection_insert:
 * @self: a collection
 * @value: the new record; its key member must be a non-empty string or an
 *   integer within 64 bits that is not visible yet
 * @error: return location for an error
 *
 * Inserts @value optimistically: it is visible at once. A copy is kept, so
 * @value may be changed afterwards.
 *
 * Inside an open transaction (see [method@Syncobj.Collection.begin]) the
 * write joins it; otherwise a new transaction is created and committed.
 *
 * Returns: (transfer full): the transaction, or %NULL with @error set
 *   (%SYNCOBJ_ERROR_INVALID_RECORD, %SYNCOBJ_ERROR_KEY_EXISTS,
 *   %SYNCOBJ_ERROR_INVALID_STATE) and nothing changed
 */
SyncobjTransaction *
syncobj_collection_insert (SyncobjCollection  *self,
                           JsonObject         *value,
                           GError            **error)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _syncobj_collection_write (self, NULL, SYNCOBJ_MUTATION_TYPE_INSERT, NULL, value, error);
}

/**
 * syncobj_collection_update:
 * @self: a collection
 * @key: the key of a visible record
 * @changes: the members to set, merged shallowly into the record; it may
 *   repeat the key member but not change it
 * @error: return location for an error
 *
 * Updates a record optimistically: the merged value is visible at once.
 *
 * Returns: (transfer full): the transaction, or %NULL with @error set
 *   (%SYNCOBJ_ERROR_KEY_NOT_FOUND, %SYNCOBJ_ERROR_INVALID_RECORD,
 *   %SYNCOBJ_ERROR_INVALID_STATE) and nothing changed
 */
SyncobjTransaction *
syncobj_collection_update (SyncobjCollection  *self,
                           const char         *key,
                           JsonObject         *changes,
                           GError            **error)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _syncobj_collection_write (self, NULL, SYNCOBJ_MUTATION_TYPE_UPDATE, key, changes, error);
}

/**
 * syncobj_collection_delete:
 * @self: a collection
 * @key: the key of a visible record
 * @error: return location for an error
 *
 * Deletes a record optimistically: it disappears at once.
 *
 * Returns: (transfer full): the transaction, or %NULL with @error set
 *   (%SYNCOBJ_ERROR_KEY_NOT_FOUND, %SYNCOBJ_ERROR_INVALID_STATE) and nothing
 *   changed
 */
SyncobjTransaction *
syncobj_collection_delete (SyncobjCollection  *self,
                           const char         *key,
                           GError            **error)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _syncobj_collection_write (self, NULL, SYNCOBJ_MUTATION_TYPE_DELETE, key, NULL, error);
}

/**
 * syncobj_collection_insert_json:
 * @self: a collection
 * @json: the new record as JSON text (an object)
 * @error: return location for an error
 *
 * Like [method@Syncobj.Collection.insert], for JSON text (handy from
 * JavaScript: `collection.insert_json(JSON.stringify(todo))`).
 *
 * Returns: (transfer full): the transaction, or %NULL with @error set
 */
SyncobjTransaction *
syncobj_collection_insert_json (SyncobjCollection  *self,
                                const char         *json,
                                GError            **error)
{
  g_autoptr(JsonObject) value = NULL;

  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);
  g_return_val_if_fail (json != NULL, NULL);

  value = _syncobj_json_parse_object (json, -1, error);
  if (value == NULL)
    return NULL;

  return syncobj_collection_insert (self, value, error);
}

/**
 * syncobj_collection_update_json:
 * @self: a collection
 * @key: the key of a visible record
 * @json: the changes as JSON text (an object)
 * @error: return location for an error
 *
 * Like [method@Syncobj.Collection.update], for JSON text.
 *
 * Returns: (transfer full): the transaction, or %NULL with @error set
 */
SyncobjTransaction *
syncobj_collection_update_json (SyncobjCollection  *self,
                                const char         *key,
                                const char         *json,
                                GError            **error)
{
  g_autoptr(JsonObject) changes = NULL;

  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);
  g_return_val_if_fail (json != NULL, NULL);

  changes = _syncobj_json_parse_object (json, -1, error);
  if (changes == NULL)
    return NULL;

  return syncobj_collection_update (self, key, changes, error);
}

/**
 * syncobj_collection_begin:
 * @self: a collection
 *
 * Opens a transaction that gathers several writes, to this or other
 * collections, and persists them all-or-nothing on
 * [method@Syncobj.Transaction.commit] (the specification's
 * `withMutation`). The writes apply optimistically as they are made.
 *
 * Until it is committed or rolled back, the transaction is the open
 * transaction of the calling thread: [method@Syncobj.Collection.insert] and
 * its siblings, on any collection, join it and return it.
 * [method@Syncobj.Transaction.insert] and its siblings name it explicitly.
 * The transaction is persisted by this collection's mutator.
 *
 * Several writes to one key fold into one mutation: insert then update is
 * an insert of the merged record; insert then delete leaves nothing (a
 * transaction left without writes completes at once when committed);
 * update then update is one update with the changes of both; update then
 * delete is a delete; delete then insert is an update that replaces the
 * record: its changes are the inserted record, and members of the old
 * record that the insert does not set are gone (the HTTP mutator sends it
 * with `PUT`).
 *
 * Returns: (transfer full): a `pending` transaction
 */
SyncobjTransaction *
syncobj_collection_begin (SyncobjCollection *self)
{
  SyncobjTransaction *transaction;

  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);

  transaction = _syncobj_transaction_new (self);
  _syncobj_transaction_push_open (transaction);
  return transaction;
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
  g_return_if_fail (mutator == NULL || SYNCOBJ_IS_MUTATOR (mutator));

  if (g_set_object (&self->mutator, mutator))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MUTATOR]);
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

  if (self->strategy == strategy)
    return;
  self->strategy = strategy;
  _syncobj_overlay_set_ordered (self->overlay, collection_is_ordered (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STRATEGY]);
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

  if (self->queue_scope == scope)
    return;
  self->queue_scope = scope;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUEUE_SCOPE]);
}

/**
 * syncobj_collection_set_merge_func:
 * @self: a collection
 * @func: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   the merge function, or %NULL for the default composition
 * @user_data: closure data
 * @destroy: (nullable): frees @user_data
 *
 * Sets the function that computes visible values of a parallel collection
 * from the synced value and the pending mutations of a key. It is ignored
 * by ordered collections.
 */
void
syncobj_collection_set_merge_func (SyncobjCollection *self,
                                   SyncobjMergeFunc   func,
                                   gpointer           user_data,
                                   GDestroyNotify     destroy)
{
  g_return_if_fail (SYNCOBJ_IS_COLLECTION (self));

  _syncobj_overlay_set_merge_func (self->overlay, func, user_data, destroy);
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
  g_return_if_fail (SYNCOBJ_IS_RETRY_POLICY (policy));

  if (g_set_object (&self->retry_policy, policy))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RETRY_POLICY]);
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
 * syncobj_collection_get_ready:
 * @self: a collection
 *
 * Tells whether the collection holds the server's initial state,
 * [property@Syncobj.Collection:ready].
 *
 * Returns: %TRUE once the sync has committed its initial state and marked
 *   it ready (always %TRUE without a sync)
 */
gboolean
syncobj_collection_get_ready (SyncobjCollection *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), FALSE);
  return self->ready;
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
  return g_sequence_get_length (self->order) + self->pending_appends->len;
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
  g_return_val_if_fail (key != NULL, NULL);

  row = _syncobj_overlay_lookup (self->overlay, collection_resolve_key (self, key));
  if (row == NULL || row->visible == NULL)
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
  GStrvBuilder *builder;
  char **keys;

  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);

  builder = g_strv_builder_new ();
  for (GSequenceIter *iter = g_sequence_get_begin_iter (self->order);
       !g_sequence_iter_is_end (iter);
       iter = g_sequence_iter_next (iter))
    g_strv_builder_add (builder, ((SyncobjRow *) g_sequence_get (iter))->key);
  for (guint i = 0; i < self->pending_appends->len; i++)
    {
      SyncobjRow *row = g_ptr_array_index (self->pending_appends, i);
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
  GString *json;

  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);

  /* Packed records are written as they are, without building them. */
  json = g_string_new ("[");
  for (GSequenceIter *iter = g_sequence_get_begin_iter (self->order);
       !g_sequence_iter_is_end (iter);
       iter = g_sequence_iter_next (iter))
    {
      SyncobjRow *row = g_sequence_get (iter);

      if (json->len > 1)
        g_string_append_c (json, ',');
      if (row->packed != NULL)
        g_string_append (json, row->packed);
      else
        {
          g_autofree char *text = _syncobj_json_to_string (row->visible);
          g_string_append (json, text);
        }
    }
  g_string_append_c (json, ']');

  return g_string_free (json, FALSE);
}

/* ---- GListModel --------------------------------------------------------------- */

static GType
syncobj_collection_get_item_type (GListModel *model)
{
  return SYNCOBJ_TYPE_RECORD;
}

static guint
syncobj_collection_get_n_items (GListModel *model)
{
  return g_sequence_get_length (SYNCOBJ_COLLECTION (model)->order);
}

static gpointer
syncobj_collection_get_item (GListModel *model,
                             guint       position)
{
  SyncobjCollection *self = SYNCOBJ_COLLECTION (model);
  GSequenceIter *iter;

  if (position >= (guint) g_sequence_get_length (self->order))
    return NULL;

  iter = g_sequence_get_iter_at_pos (self->order, position);
  return _syncobj_overlay_get_record (self->overlay, g_sequence_get (iter));
}

static void
syncobj_collection_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = syncobj_collection_get_item_type;
  iface->get_n_items = syncobj_collection_get_n_items;
  iface->get_item = syncobj_collection_get_item;
}

/* ---- GObject --------------------------------------------------------------- */

static void
syncobj_collection_constructed (GObject *object)
{
  SyncobjCollection *self = SYNCOBJ_COLLECTION (object);

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
  if (self->key_member == NULL)
    self->key_member = g_strdup ("id");
  _syncobj_overlay_set_names (self->overlay, self->id, self->key_member);
  if (self->retry_policy == NULL)
    self->retry_policy = syncobj_retry_policy_new ();

  _syncobj_registry_add_collection (syncobj_registry_get_default (), self);

  /* Unfinished transactions of a previous run come back before the sync
   * starts, so that their keys are locked and their changes visible. */
  collection_begin_batch (self);
  if (self->store != NULL)
    _syncobj_recovery_restore (self->store, self);
  /* Writes to this collection of transactions restored by another one. */
  _syncobj_recovery_collection_opened (self);
  collection_end_batch (self);

  if (self->sync != NULL)
    _syncobj_sync_attach (self->sync, self);
  else
    self->ready = TRUE;
}

static void
syncobj_collection_dispose (GObject *object)
{
  SyncobjCollection *self = SYNCOBJ_COLLECTION (object);

  if (self->sync != NULL)
    _syncobj_sync_detach (self->sync);

  _syncobj_overlay_forget_records (self->overlay);

  g_queue_clear_full (&self->active, g_object_unref);
  g_hash_table_remove_all (self->active_links);

  _syncobj_overlay_set_merge_func (self->overlay, NULL, NULL, NULL);

  g_clear_object (&self->sync);
  g_clear_object (&self->mutator);
  g_clear_object (&self->store);
  g_clear_object (&self->retry_policy);

  G_OBJECT_CLASS (syncobj_collection_parent_class)->dispose (object);
}

static void
syncobj_collection_finalize (GObject *object)
{
  SyncobjCollection *self = SYNCOBJ_COLLECTION (object);

  g_free (self->id);
  g_free (self->key_member);
  g_clear_pointer (&self->order, g_sequence_free);
  g_clear_pointer (&self->pending_appends, g_ptr_array_unref);
  g_clear_pointer (&self->overlay, _syncobj_overlay_free);
  g_clear_pointer (&self->active_links, g_hash_table_unref);
  g_clear_pointer (&self->queue, _syncobj_queue_free);
  g_clear_pointer (&self->aliases, g_hash_table_unref);

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
    case PROP_READY:
      g_value_set_boolean (value, self->ready);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, g_sequence_get_length (self->order));
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
   * How failed persist attempts are retried.
   */
  properties[PROP_RETRY_POLICY] =
    g_param_spec_object ("retry-policy", NULL, NULL, SYNCOBJ_TYPE_RETRY_POLICY,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCollection:ready:
   *
   * Whether the sync has delivered the initial state.
   */
  properties[PROP_READY] =
    g_param_spec_boolean ("ready", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCollection:n-items:
   *
   * The number of records in the list model.
   */
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

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
  self->overlay = _syncobj_overlay_new (self, self->queue, &overlay_view_funcs, self);
  self->order = g_sequence_new (NULL);
  self->pending_appends = g_ptr_array_new ();
  self->active_links = g_hash_table_new (NULL, NULL);
}
