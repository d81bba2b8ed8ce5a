/* syncobj-collection.c: synced state, optimistic overlay, list model
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-engine-private.h"
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

typedef struct
{
  char          *key;
  JsonObject    *synced;        /* NULL: absent from the synced state */
  JsonObject    *visible;       /* NULL: not visible */
  GPtrArray     *layers;        /* SyncobjPendingMutation, creation order */
  GArray        *held;          /* SyncobjSyncWrite held while locked */
  GSequenceIter *iter;          /* position in the list model */
  SyncobjRecord *record;        /* weak */
  const char    *packed;        /* see below */
  guint          position;      /* in the list model when appended; see row_position() */
  guint          locks : 28;    /* one word with the flags: rows are many */
  guint          pending_append : 1;
  guint          inline_key : 1;  /* key (and packed text) live after the row */
  guint          int_key : 1;   /* its key member holds an integer (key: its text) */
  guint          temporary : 1; /* a temporary key, until the server's answer */
} SyncobjRow;

/* A record loaded from JSON text (syncobj_sync_load_json_array()) is kept
 * "packed": its compact JSON text, stored in the same block as the row,
 * with synced == visible == NULL and nothing else attached. It is built
 * into a JsonObject (row_thaw()) the first time anybody needs more than
 * its key: about 200 bytes per record instead of about 1 KB. */

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
  SyncobjMergeFunc    merge_func;
  gpointer            merge_data;
  GDestroyNotify      merge_destroy;

  GHashTable         *rows;             /* SyncobjRow, a set by key: see rows_find() */
  GSequence          *order;            /* SyncobjRow, visible and announced */
  GPtrArray          *pending_appends;  /* SyncobjRow, during a batch */
  guint               changed_start;    /* in-place changes during a batch: */
  guint               changed_count;    /*   one contiguous range, not announced yet */
  guint               batch_depth;
  guint               order_removed : 1;  /* a row ever left self->order */

  GQueue              active;           /* SyncobjTransaction (strong), creation order */
  GHashTable         *active_links;     /* transaction → GList link */
  SyncobjLane         lane;
  GHashTable         *key_lanes;        /* key → SyncobjLane */

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

/* ---- rows ------------------------------------------------------------------ */

static void
row_free (gpointer data)
{
  SyncobjRow *row = data;

  if (!row->inline_key)
    g_free (row->key);
  g_clear_pointer (&row->synced, json_object_unref);
  g_clear_pointer (&row->visible, json_object_unref);
  g_clear_pointer (&row->layers, g_ptr_array_unref);
  g_clear_pointer (&row->held, g_array_unref);
  g_free (row);
}

/* self->rows holds the rows themselves, hashed and compared by key: a set
 * keeps no array of values beside the keys, which saves memory per record
 * and a cache miss per lookup in a big collection. */
static guint
row_hash (gconstpointer data)
{
  return g_str_hash (((const SyncobjRow *) data)->key);
}

static gboolean
row_equal (gconstpointer a,
           gconstpointer b)
{
  return g_str_equal (((const SyncobjRow *) a)->key, ((const SyncobjRow *) b)->key);
}

/* The row of @key, whatever its state (packed or not), or NULL. */
static SyncobjRow *
rows_find (SyncobjCollection *self,
           const char        *key)
{
  SyncobjRow probe = { .key = (char *) key };

  return g_hash_table_lookup (self->rows, &probe);
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

/* Builds the JsonObject of a packed row. */
static void
row_thaw (SyncobjRow *row)
{
  if (G_LIKELY (row->packed == NULL))
    return;

  row->synced = _syncobj_json_object_from_text (row->packed, -1);
  row->packed = NULL;
  if (row->synced == NULL)
    row->synced = _syncobj_json_merge (NULL, NULL);  /* not reached: checked on load */
  row->visible = json_object_ref (row->synced);
}

static inline gboolean
row_is_visible (SyncobjRow *row)
{
  return row->visible != NULL || row->packed != NULL;
}

/* Every access to a row's values goes through here (or row_ensure). */
static SyncobjRow *
row_lookup (SyncobjCollection *self,
            const char        *key)
{
  SyncobjRow *row = rows_find (self, key);

  if (row != NULL)
    row_thaw (row);
  return row;
}

static SyncobjRow *
row_ensure (SyncobjCollection *self,
            const char        *key)
{
  SyncobjRow *row = row_lookup (self, key);

  if (row == NULL)
    {
      row = g_new0 (SyncobjRow, 1);
      row->key = g_strdup (key);
      g_hash_table_add (self->rows, row);
    }

  return row;
}

/* Rows exist while anything refers to their key. */
static void
row_maybe_free (SyncobjCollection *self,
                SyncobjRow        *row)
{
  if (row->synced == NULL && row->visible == NULL && row->packed == NULL && row->record == NULL &&
      row->iter == NULL && !row->pending_append &&
      (row->layers == NULL || row->layers->len == 0) &&
      (row->held == NULL || row->held->len == 0))
    g_hash_table_remove (self->rows, row);
}

/* Whether @row holds a value, synced, visible or waiting. */
static gboolean
row_holds_value (SyncobjRow *row)
{
  return row->synced != NULL || row->visible != NULL || row->packed != NULL ||
         (row->held != NULL && row->held->len > 0);
}

/* An integer key and a string key with the same text are two records the
 * collection cannot tell apart: the second one is refused. */
static gboolean
row_check_key_type (SyncobjCollection  *self,
                    SyncobjRow         *row,
                    gboolean            key_is_int,
                    GError            **error)
{
  if (row == NULL || !row_holds_value (row) || row->int_key == key_is_int)
    return TRUE;

  if (row->int_key)
    g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_KEY_EXISTS,
                 _("Collection “%s” holds the integer key %s: a record with the string key “%s” cannot be held beside it"),
                 self->id, row->key, row->key);
  else
    g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_KEY_EXISTS,
                 _("Collection “%s” holds the string key “%s”: a record with the integer key %s cannot be held beside it"),
                 self->id, row->key, row->key);
  return FALSE;
}

static gboolean
row_is_pending (SyncobjRow *row)
{
  for (guint i = 0; row->layers != NULL && i < row->layers->len; i++)
    if (!((SyncobjPendingMutation *) g_ptr_array_index (row->layers, i))->retired)
      return TRUE;
  return FALSE;
}

static gboolean
collection_is_ordered (SyncobjCollection *self)
{
  return self->strategy == SYNCOBJ_STRATEGY_ORDERED;
}

/* visible = synced with every layer's changes applied in creation order. */
static JsonObject *
row_compose (SyncobjCollection *self,
             SyncobjRow        *row)
{
  g_autoptr(JsonObject) value = NULL;

  if (row->layers == NULL || row->layers->len == 0)
    return row->synced != NULL ? json_object_ref (row->synced) : NULL;

  if (self->strategy == SYNCOBJ_STRATEGY_PARALLEL && self->merge_func != NULL)
    return self->merge_func (self, row->key, row->synced, row->layers, self->merge_data);

  value = row->synced != NULL ? json_object_ref (row->synced) : NULL;
  for (guint i = 0; i < row->layers->len; i++)
    {
      SyncobjPendingMutation *mutation = g_ptr_array_index (row->layers, i);

      switch (mutation->type)
        {
        case SYNCOBJ_MUTATION_TYPE_INSERT:
          {
            /* Sealed changes are an immutable snapshot: shared, not copied,
             * when there is nothing to merge them into. */
            JsonObject *merged = value != NULL || !json_object_is_immutable (mutation->changes)
                                 ? _syncobj_json_merge (value, mutation->changes)
                                 : json_object_ref (mutation->changes);
            g_clear_pointer (&value, json_object_unref);
            value = merged;
          }
          break;
        case SYNCOBJ_MUTATION_TYPE_UPDATE:
          if (mutation->replaces)
            {
              g_clear_pointer (&value, json_object_unref);
              value = json_object_ref (mutation->changes);
            }
          else if (value != NULL)
            {
              JsonObject *merged = _syncobj_json_merge (value, mutation->changes);
              g_clear_pointer (&value, json_object_unref);
              value = merged;
            }
          else if (mutation->restored && mutation->modified != NULL)
            /* After a restart the synced value may not be known yet. */
            value = json_object_ref (mutation->modified);
          break;
        case SYNCOBJ_MUTATION_TYPE_DELETE:
          g_clear_pointer (&value, json_object_unref);
          break;
        default:
          g_assert_not_reached ();
        }
    }

  return g_steal_pointer (&value);
}

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
      if (row_is_visible (row))
        {
          row->iter = g_sequence_append (self->order, row);
          row->position = position + added;
          added++;
        }
      else
        row_maybe_free (self, row);
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
row_appear (SyncobjCollection *self,
            SyncobjRow        *row)
{
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

/* Sets the visible value of @row to @value (transfer full: what
 * row_compose() gives) and announces the change, if any: one items-changed
 * for the position and notify on the record. */
static void
row_refresh_to_full (SyncobjCollection *self,
                     SyncobjRow        *row,
                     JsonObject        *value,
                     gboolean           known_different)
{
  /* A handler of ::items-changed or ::notify may drop the last reference
   * to the record (a list view unbinding the removed row does); the row
   * must outlive this function, so the record stays alive until its end
   * and row_maybe_free() runs from record_finalized_cb() after it. */
  g_autoptr(SyncobjRecord) keep_record = row->record != NULL ? g_object_ref (row->record) : NULL;
  g_autoptr(JsonObject) old = g_steal_pointer (&row->visible);

  if (!known_different && old != NULL && value != NULL && old != value && _syncobj_json_equal (old, value))
    {
      /* Same content: keep the old snapshot, so nothing flickers. */
      json_object_unref (value);
      value = json_object_ref (old);
    }
  row->visible = value;
  if (value != NULL && json_object_has_member (value, self->key_member))
    row->int_key = _syncobj_json_key_is_int (value, self->key_member);

  if (old == NULL && value != NULL)
    row_appear (self, row);
  else if (old != NULL && value == NULL && row->iter != NULL)
    {
      guint position;

      collection_flush_changes (self);
      collection_flush_appends (self);
      position = row_position (self, row);
      g_sequence_remove (row->iter);
      row->iter = NULL;
      self->order_removed = TRUE;
      g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
  else if (old != NULL && value != NULL && old != value && row->iter != NULL)
    collection_item_changed (self, row_position (self, row));

  if (row->record != NULL)
    _syncobj_record_update (row->record, row->visible, row->synced, row_is_pending (row));

  row_maybe_free (self, row);
}

/* @known_different: the caller knows @value is not equal to the visible
 * value, so the comparison is skipped. */
static void
row_refresh_to (SyncobjCollection *self,
                SyncobjRow        *row,
                JsonObject        *value)
{
  row_refresh_to_full (self, row, value, FALSE);
}

/* Recomputes the visible value of @row and announces the change. */
static void
row_refresh (SyncobjCollection *self,
             SyncobjRow        *row)
{
  row_refresh_to (self, row, row_compose (self, row));
}

/* Whether @changes sets every member of @base, so that merging @changes
 * into @base gives @changes (members in @changes' order). */
static gboolean
json_covers (JsonObject *changes,
             JsonObject *base)
{
  JsonObjectIter iter;
  const char *name;

  if (json_object_get_size (changes) < json_object_get_size (base))
    return FALSE;

  json_object_iter_init (&iter, base);
  while (json_object_iter_next (&iter, &name, NULL))
    if (!json_object_has_member (changes, name))
      return FALSE;

  return TRUE;
}

/* @confirmed: the update whose layer the row shows alone, ending now, or
 * NULL; a write that sets what it set makes its value the synced one. */
static void
row_apply_sync_write (SyncobjRow             *row,
                      SyncobjSyncWrite       *write,
                      SyncobjPendingMutation *confirmed)
{
  JsonObject *synced = NULL;

  switch (write->type)
    {
    case SYNCOBJ_MUTATION_TYPE_INSERT:
      synced = json_object_ref (write->value);
      break;
    case SYNCOBJ_MUTATION_TYPE_UPDATE:
      /* A server usually sends whole records: then the merge is the
       * (sealed) record itself, and nothing needs copying. An echo that
       * confirms the optimistic value makes that value the synced one. */
      if (row->synced == NULL || json_covers (write->value, row->synced))
        synced = json_object_ref (write->value);
      else if (confirmed != NULL && confirmed->merged && confirmed->type == SYNCOBJ_MUTATION_TYPE_UPDATE &&
               confirmed->original == row->synced && row->visible != NULL &&
               confirmed->modified == row->visible && json_object_is_immutable (row->visible) &&
               _syncobj_json_same_update (row->synced, confirmed->changes, write->value))
        synced = json_object_ref (row->visible);   /* the common echo, checked cheaply */
      else if (confirmed != NULL && confirmed->replaces && confirmed->modified != NULL &&
               json_covers (write->value, confirmed->modified))
        synced = json_object_ref (write->value);   /* the echo of a replacement: a whole record */
      else if (row->visible != NULL && row->visible != row->synced &&
               json_object_is_immutable (row->visible) &&
               _syncobj_json_merge_is (row->synced, write->value, row->visible))
        synced = json_object_ref (row->visible);
      else
        synced = _syncobj_json_merge (row->synced, write->value);
      break;
    case SYNCOBJ_MUTATION_TYPE_DELETE:
      break;
    default:
      g_assert_not_reached ();
    }

  g_clear_pointer (&row->synced, json_object_unref);
  row->synced = synced;
}

static void
row_hold_sync_write (SyncobjRow       *row,
                     SyncobjSyncWrite *write)
{
  /* A key that lives in the (sealed) value stays there: the copy keeps
   * the value. Keys of packed records live in the commit's arena. */
  gboolean borrow = write->key_borrowed && write->value != NULL && write->arena == NULL && write->packed == NULL;
  SyncobjSyncWrite copy = {
    write->type,
    borrow ? write->key : g_strdup (write->key),
    write->value != NULL ? json_object_ref (write->value) : NULL,
    borrow,
    .key_is_int = write->key_is_int,
  };

  if (row->held == NULL)
    {
      row->held = g_array_new (FALSE, FALSE, sizeof (SyncobjSyncWrite));
      g_array_set_clear_func (row->held, (GDestroyNotify) _syncobj_sync_write_clear);
    }
  g_array_append_val (row->held, copy);
}

/* When the last lock of a key releases: held sync writes reach the synced
 * state and retired layers leave the overlay, before one refresh. */
static void
row_release (SyncobjRow             *row,
             SyncobjPendingMutation *confirmed)
{
  for (guint i = 0; row->held != NULL && i < row->held->len; i++)
    row_apply_sync_write (row, &g_array_index (row->held, SyncobjSyncWrite, i), i == 0 ? confirmed : NULL);
  g_clear_pointer (&row->held, g_array_unref);

  for (guint i = row->layers != NULL ? row->layers->len : 0; i > 0; i--)
    if (((SyncobjPendingMutation *) g_ptr_array_index (row->layers, i - 1))->retired)
      g_ptr_array_remove_index (row->layers, i - 1);
}

/* ---- records ------------------------------------------------------------- */

static void
record_finalized_cb (gpointer  data,
                     GObject  *where_the_object_was)
{
  SyncobjCollection *self = data;
  SyncobjRow *row = row_lookup (self, syncobj_record_get_key ((SyncobjRecord *) where_the_object_was));

  if (row != NULL && row->record == (SyncobjRecord *) where_the_object_was)
    {
      row->record = NULL;
      row_maybe_free (self, row);
    }
}

static SyncobjRecord *
row_get_record (SyncobjCollection *self,
                SyncobjRow        *row)
{
  if (row->record != NULL)
    return g_object_ref (row->record);

  row_thaw (row);
  row->record = _syncobj_record_new (self, row->key, row->temporary);
  _syncobj_record_update (row->record, row->visible, row->synced, row_is_pending (row));
  g_object_weak_ref (G_OBJECT (row->record), record_finalized_cb, self);

  return row->record;
}

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

  row = row_lookup (self, *key);

  if (type == SYNCOBJ_MUTATION_TYPE_INSERT && !row_check_key_type (self, row, key_is_int, error))
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

/* Several writes to one key inside one transaction fold into one mutation:
 * insert+update → insert, insert+delete → nothing, update+update → update,
 * update+delete → delete, delete+insert → update. Returns FALSE when the
 * mutation vanished. */
static gboolean
mutation_fold (SyncobjPendingMutation *mutation,
               SyncobjMutationType     type,
               JsonObject             *value,
               gint64                  now)
{
  g_autoptr(JsonObject) changes = NULL;
  g_autoptr(JsonObject) modified = NULL;
  SyncobjMutationType folded;

  switch (mutation->type)
    {
    case SYNCOBJ_MUTATION_TYPE_INSERT:
      if (type == SYNCOBJ_MUTATION_TYPE_DELETE)
        return FALSE;
      folded = SYNCOBJ_MUTATION_TYPE_INSERT;
      changes = _syncobj_json_merge (mutation->changes, value);
      modified = json_object_ref (changes);
      break;
    case SYNCOBJ_MUTATION_TYPE_UPDATE:
      if (type == SYNCOBJ_MUTATION_TYPE_DELETE)
        {
          folded = SYNCOBJ_MUTATION_TYPE_DELETE;
          changes = _syncobj_json_merge (NULL, NULL);
        }
      else
        {
          folded = SYNCOBJ_MUTATION_TYPE_UPDATE;
          changes = _syncobj_json_merge (mutation->changes, value);
          /* A replacing update stays one: its changes are the record. */
          modified = mutation->replaces ? json_object_ref (changes)
                                        : _syncobj_json_merge (mutation->original, changes);
        }
      break;
    case SYNCOBJ_MUTATION_TYPE_DELETE:
      /* Only an insert can follow a delete of the same key. */
      folded = SYNCOBJ_MUTATION_TYPE_UPDATE;
      changes = _syncobj_json_copy (value);
      modified = json_object_ref (changes);
      break;
    default:
      g_assert_not_reached ();
    }

  _syncobj_pending_mutation_set_values (mutation, folded, mutation->original, modified, changes, now);
  /* Deleted, then inserted again: the old record's members are gone. */
  mutation->replaces = folded == SYNCOBJ_MUTATION_TYPE_UPDATE &&
                       (mutation->replaces || type == SYNCOBJ_MUTATION_TYPE_INSERT);
  mutation->merged = mutation->type == SYNCOBJ_MUTATION_TYPE_UPDATE && type == SYNCOBJ_MUTATION_TYPE_UPDATE &&
                     !mutation->replaces;
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
  gint64 now = _syncobj_scheduler_now (_syncobj_scheduler_get_default ());
  gboolean auto_commit;
  SyncobjRow *row;
  JsonObject *composed = NULL;
  gboolean have_composed = FALSE;
  gboolean known_different = FALSE;
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

  row = row_ensure (self, key);
  if (temporary_key != NULL)
    row->temporary = TRUE;
  mutation = _syncobj_transaction_find_mutation (target, self, key);

  if (mutation != NULL)
    {
      if (!mutation_fold (mutation, type, value, now))
        {
          g_ptr_array_remove (row->layers, mutation);
          _syncobj_transaction_remove_mutation (target, mutation);
        }
    }
  else
    {
      g_autoptr(SyncobjPendingMutation) created = _syncobj_pending_mutation_new (self, target, key, type, now);
      g_autoptr(JsonObject) changes = NULL;
      g_autoptr(JsonObject) modified = NULL;

      switch (type)
        {
        case SYNCOBJ_MUTATION_TYPE_INSERT:
          changes = _syncobj_json_copy (value);
          modified = json_object_ref (changes);
          break;
        case SYNCOBJ_MUTATION_TYPE_UPDATE:
          changes = _syncobj_json_copy (value);
          modified = _syncobj_json_merge (row->visible, changes);
          known_different = _syncobj_json_changes_differ (row->visible, changes);
          created->merged = TRUE;
          break;
        case SYNCOBJ_MUTATION_TYPE_DELETE:
          changes = _syncobj_json_merge (NULL, NULL);
          break;
        default:
          g_assert_not_reached ();
        }

      _syncobj_pending_mutation_set_values (created, type, row->visible, modified, changes, now);
      if (row->layers == NULL)
        row->layers = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (row->layers, g_object_ref (created));
      _syncobj_transaction_add_mutation (target, created);

      /* The new layer is the last one, so the composition of all layers
       * is the visible value with it applied: `modified`. No need to
       * compose (and merge) again, unless a merge function decides. */
      if (!(self->strategy == SYNCOBJ_STRATEGY_PARALLEL && self->merge_func != NULL))
        {
          composed = modified != NULL ? json_object_ref (modified) : NULL;
          have_composed = TRUE;
        }
    }

  if (have_composed)
    row_refresh_to_full (self, row, composed, known_different);
  else
    row_refresh (self, row);

  if (auto_commit)
    syncobj_transaction_commit (target, NULL);

  return g_steal_pointer (&target);
}

/* The row @row (a temporary key) leaves the table under its old key and
 * comes back under @key: the same row, record, position and layers. */
static void
row_rekey (SyncobjCollection *self,
           SyncobjRow        *row,
           const char        *key,
           gboolean           key_is_int)
{
  g_hash_table_steal (self->rows, row);
  if (!row->inline_key)
    g_free (row->key);
  row->inline_key = FALSE;
  row->key = g_strdup (key);
  row->temporary = FALSE;
  row->int_key = key_is_int;
  g_hash_table_add (self->rows, row);
}

/* A row of the server's key that the sync wrote before the answer came (an
 * echo overtaking it) gives its synced value to the re-keyed row, and goes.
 * A row of that key the application wrote to or holds is another record. */
static gboolean
collection_take_early_echo (SyncobjCollection  *self,
                            const char         *key,
                            JsonObject        **synced,
                            GError            **error)
{
  SyncobjRow *early = row_lookup (self, key);

  *synced = NULL;
  if (early == NULL)
    return TRUE;
  if ((early->layers != NULL && early->layers->len > 0) || (early->held != NULL && early->held->len > 0) ||
      early->record != NULL || early->locks > 0)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_KEY_EXISTS,
                   _("Record “%s” already exists in collection “%s”"), key, self->id);
      return FALSE;
    }

  *synced = g_steal_pointer (&early->synced);
  row_refresh (self, early);
  early = rows_find (self, key);
  if (early != NULL)
    g_hash_table_remove (self->rows, early);
  return TRUE;
}

gboolean
_syncobj_collection_assign_key (SyncobjCollection       *self,
                                SyncobjPendingMutation  *mutation,
                                JsonObject              *created,
                                GError                 **error)
{
  g_autoptr(JsonObject) key_only = json_object_new ();
  g_autoptr(JsonObject) early_synced = NULL;
  g_autoptr(JsonObject) value = NULL;
  g_autoptr(SyncobjRecord) keep_record = NULL;
  g_autofree char *temporary_key = NULL;
  char key_buffer[SYNCOBJ_INT_KEY_SIZE];
  SyncobjLane *lane;
  SyncobjRow *row;
  const char *key;
  gboolean key_is_int = FALSE;
  gint64 now = _syncobj_scheduler_now (_syncobj_scheduler_get_default ());

  row = rows_find (self, mutation->key);
  if (row == NULL || !row->temporary || mutation->type != SYNCOBJ_MUTATION_TYPE_INSERT)
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

  if (!collection_take_early_echo (self, key, &early_synced, error))
    return FALSE;

  row_thaw (row);
  keep_record = row->record != NULL ? g_object_ref (row->record) : NULL;
  temporary_key = g_strdup (row->key);
  row_rekey (self, row, key, key_is_int);

  if (self->aliases == NULL)
    self->aliases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (self->aliases, g_strdup (temporary_key), g_strdup (key));

  lane = g_hash_table_lookup (self->key_lanes, temporary_key);
  if (lane != NULL)
    {
      g_hash_table_steal (self->key_lanes, temporary_key);
      g_free (lane->key);
      lane->key = g_strdup (key);
      g_hash_table_insert (self->key_lanes, lane->key, lane);
    }

  /* Every write to the record (the insert and what waits behind it) now
   * carries the server's key, the member included. */
  _syncobj_json_set_key (key_only, self->key_member, key, key_is_int);
  for (guint i = 0; row->layers != NULL && i < row->layers->len; i++)
    {
      SyncobjPendingMutation *layer = g_ptr_array_index (row->layers, i);
      g_autoptr(JsonObject) changes = layer->type == SYNCOBJ_MUTATION_TYPE_INSERT
                                      ? _syncobj_json_merge (key_only, layer->changes)
                                      : json_object_ref (layer->changes);
      g_autoptr(JsonObject) original = layer->original != NULL ? _syncobj_json_merge (layer->original, key_only) : NULL;
      g_autoptr(JsonObject) modified = layer->modified != NULL ? _syncobj_json_merge (layer->modified, key_only) : NULL;

      _syncobj_pending_mutation_set_key (layer, key);
      _syncobj_pending_mutation_set_values (layer, layer->type, original, modified, changes, now);
    }

  /* What the server created is its state of the record: the echo that
   * follows finds it already there. */
  {
    g_autoptr(JsonObject) sealed = _syncobj_json_copy (created);
    SyncobjSyncWrite write = { SYNCOBJ_MUTATION_TYPE_INSERT, (char *) key, sealed, FALSE, NULL, 0, NULL, key_is_int };

    if (early_synced != NULL)
      row->synced = g_steal_pointer (&early_synced);
    if (collection_is_ordered (self) && row->locks > 0)
      row_hold_sync_write (row, &write);
    else
      row_apply_sync_write (row, &write, NULL);
  }

  /* Re-keyed in place: the record notifies, the list model says nothing. */
  value = row_compose (self, row);
  g_clear_pointer (&row->visible, json_object_unref);
  row->visible = g_steal_pointer (&value);
  if (row->record != NULL)
    {
      _syncobj_record_set_key (row->record, key);
      _syncobj_record_update (row->record, row->visible, row->synced, row_is_pending (row));
    }

  g_signal_emit (self, signals[KEY_ASSIGNED], 0, temporary_key, key);
  return TRUE;
}

void
_syncobj_collection_restore_mutation (SyncobjCollection      *self,
                                      SyncobjPendingMutation *mutation)
{
  SyncobjRow *row = row_ensure (self, mutation->key);

  if (row->layers == NULL)
    row->layers = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (row->layers, g_object_ref (mutation));
  row_refresh (self, row);
}

/* ---- the sync side --------------------------------------------------------- */

/* A new, visible row holding @write's text packed, in one block. */
static void
row_new_packed (SyncobjCollection *self,
                SyncobjSyncWrite  *write)
{
  gsize key_length = strlen (write->key);
  SyncobjRow *row = g_malloc0 (sizeof (SyncobjRow) + key_length + 1 + write->packed_length + 1);
  char *key = (char *) (row + 1);
  char *packed = key + key_length + 1;

  memcpy (key, write->key, key_length + 1);
  memcpy (packed, write->packed, write->packed_length);
  packed[write->packed_length] = '\0';

  row->key = key;
  row->inline_key = TRUE;
  row->int_key = write->key_is_int;
  row->packed = packed;
  g_hash_table_add (self->rows, row);
  row_appear (self, row);
}

/* A sync write that replaces every member of a packed record (servers
 * usually send whole records) needs no JsonObject built for the old value:
 * the new one is compared as text. Returns FALSE when the write must go
 * the general way. */
static gboolean
row_sync_packed (SyncobjCollection *self,
                 SyncobjSyncWrite  *write)
{
  SyncobjRow *row;
  gboolean covers, same;

  if (write->value == NULL ||
      (write->type != SYNCOBJ_MUTATION_TYPE_INSERT && write->type != SYNCOBJ_MUTATION_TYPE_UPDATE))
    return FALSE;

  /* Packed rows have no layers, held writes, locks or record. */
  row = rows_find (self, write->key);
  if (row == NULL || row->packed == NULL)
    return FALSE;
  same = _syncobj_json_text_compare (row->packed, write->value, &covers);
  if (write->type == SYNCOBJ_MUTATION_TYPE_UPDATE && !covers)
    return FALSE;
  if (same)
    return TRUE;  /* the same record again: nothing changes */

  row->packed = NULL;
  row->synced = json_object_ref (write->value);
  row->visible = json_object_ref (write->value);
  if (row->iter != NULL)
    collection_item_changed (self, row_position (self, row));
  return TRUE;
}

gboolean
_syncobj_collection_apply_sync (SyncobjCollection  *self,
                                SyncobjSyncWrite   *writes,
                                guint               n_writes,
                                gboolean            truncate,
                                GError            **error)
{
  g_autoptr(GError) clash = NULL;
  gboolean ordered = collection_is_ordered (self);

  collection_begin_batch (self);

  if (truncate)
    {
      g_autoptr(GHashTable) written = g_hash_table_new (g_str_hash, g_str_equal);
      g_autoptr(GPtrArray) gone = g_ptr_array_new ();
      GHashTableIter iter;
      SyncobjRow *row;

      for (guint i = 0; i < n_writes; i++)
        g_hash_table_add (written, writes[i].key);

      /* A locked key whose only synced value so far is a held write (say,
       * from an earlier snapshot) is gone too: its held writes end with
       * the deletion. */
      g_hash_table_iter_init (&iter, self->rows);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &row))
        if ((row->synced != NULL || row->packed != NULL || (row->held != NULL && row->held->len > 0)) &&
            !g_hash_table_contains (written, row->key))
          g_ptr_array_add (gone, row);

      for (guint i = 0; i < gone->len; i++)
        {
          SyncobjRow *gone_row = g_ptr_array_index (gone, i);
          SyncobjSyncWrite deletion = { SYNCOBJ_MUTATION_TYPE_DELETE, gone_row->key, NULL };

          row_thaw (gone_row);
          if (ordered && gone_row->locks > 0)
            row_hold_sync_write (gone_row, &deletion);
          else
            {
              row_apply_sync_write (gone_row, &deletion, NULL);
              row_refresh (self, gone_row);
            }
        }
    }

  for (guint i = 0; i < n_writes; i++)
    {
      SyncobjRow *row;

      if (writes[i].type != SYNCOBJ_MUTATION_TYPE_DELETE)
        {
          g_autoptr(GError) local_error = NULL;

          row = rows_find (self, writes[i].key);
          if (!row_check_key_type (self, row, writes[i].key_is_int, &local_error))
            {
              /* The other records of the commit still apply. */
              if (clash == NULL)
                clash = g_steal_pointer (&local_error);
              continue;
            }
          if (row != NULL)
            row->int_key = writes[i].key_is_int;
        }

      if (writes[i].packed != NULL)
        {
          /* A new key from JSON text stays packed; anything else needs
           * the object. */
          row = rows_find (self, writes[i].key);
          if (row == NULL && writes[i].type != SYNCOBJ_MUTATION_TYPE_DELETE)
            {
              row_new_packed (self, &writes[i]);
              continue;
            }
          if (writes[i].value == NULL && writes[i].type != SYNCOBJ_MUTATION_TYPE_DELETE)
            writes[i].value = _syncobj_json_object_from_text (writes[i].packed, writes[i].packed_length);
        }

      if (row_sync_packed (self, &writes[i]))
        continue;

      row = row_ensure (self, writes[i].key);

      if (ordered && row->locks > 0)
        {
          row_hold_sync_write (row, &writes[i]);
          continue;
        }

      row_apply_sync_write (row, &writes[i], NULL);
      row_refresh (self, row);
    }

  collection_end_batch (self);

  if (clash != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&clash));
      return FALSE;
    }
  return TRUE;
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

static void
lane_free (gpointer data)
{
  SyncobjLane *lane = data;

  g_queue_clear (&lane->queue);
  g_free (lane->key);
  g_free (lane);
}

static GPtrArray *
collection_mutations_of (SyncobjCollection  *self,
                         SyncobjTransaction *transaction)
{
  SyncobjObjectList *mutations = _syncobj_transaction_peek_mutations (transaction);
  guint n = _syncobj_object_list_get_length (mutations);
  GPtrArray *mine = g_ptr_array_new_full (n, g_object_unref);

  for (guint i = 0; i < n; i++)
    {
      SyncobjPendingMutation *mutation = _syncobj_object_list_peek (mutations, i);
      g_autoptr(SyncobjCollection) collection = g_weak_ref_get (&mutation->collection);

      if (collection == self)
        g_ptr_array_add (mine, g_object_ref (mutation));
    }

  return mine;
}

/* Whether @transaction holds mutations of @self only (the usual case: one
 * collection), so that no mutation needs its collection looked up. */
static gboolean
transaction_only_touches (SyncobjTransaction *transaction,
                          SyncobjCollection  *self)
{
  GPtrArray *collections = _syncobj_transaction_get_collections (transaction);

  return collections->len == 1 && g_ptr_array_index (collections, 0) == self;
}

static gboolean
mutation_is_of (SyncobjPendingMutation *mutation,
                SyncobjCollection      *self)
{
  g_autoptr(SyncobjCollection) collection = g_weak_ref_get (&mutation->collection);

  return collection == self;
}

void
_syncobj_collection_collect_lanes (SyncobjCollection  *self,
                                   SyncobjTransaction *transaction,
                                   GPtrArray          *lanes)
{
  g_autoptr(GPtrArray) mutations = NULL;

  if (!collection_is_ordered (self))
    return;

  if (self->queue_scope == SYNCOBJ_QUEUE_SCOPE_COLLECTION)
    {
      if (!g_ptr_array_find (lanes, &self->lane, NULL))
        g_ptr_array_add (lanes, &self->lane);
      return;
    }

  mutations = collection_mutations_of (self, transaction);
  for (guint i = 0; i < mutations->len; i++)
    {
      SyncobjPendingMutation *mutation = g_ptr_array_index (mutations, i);
      SyncobjLane *lane = g_hash_table_lookup (self->key_lanes, mutation->key);

      if (lane == NULL)
        {
          lane = g_new0 (SyncobjLane, 1);
          lane->key = g_strdup (mutation->key);
          lane->collection = self;
          g_hash_table_insert (self->key_lanes, lane->key, lane);
        }
      if (!g_ptr_array_find (lanes, lane, NULL))
        g_ptr_array_add (lanes, lane);
    }
}

SyncobjLane *
_syncobj_collection_find_lane (SyncobjCollection *self,
                               const char        *key)
{
  if (self->queue_scope == SYNCOBJ_QUEUE_SCOPE_COLLECTION)
    return &self->lane;

  return g_hash_table_lookup (self->key_lanes, key);
}

void
_syncobj_collection_release_lane (SyncobjCollection *self,
                                  SyncobjLane       *lane)
{
  if (lane->key != NULL && g_queue_is_empty (&lane->queue) &&
      g_hash_table_lookup (self->key_lanes, lane->key) == lane)
    g_hash_table_remove (self->key_lanes, lane->key);
}

void
_syncobj_collection_lock (SyncobjCollection  *self,
                          SyncobjTransaction *transaction)
{
  SyncobjObjectList *mutations = _syncobj_transaction_peek_mutations (transaction);
  gboolean all_mine = transaction_only_touches (transaction, self);
  guint n = _syncobj_object_list_get_length (mutations);

  if (!collection_is_ordered (self))
    return;

  for (guint i = 0; i < n; i++)
    {
      SyncobjPendingMutation *mutation = _syncobj_object_list_peek (mutations, i);
      SyncobjRow *row;

      if (!all_mine && !mutation_is_of (mutation, self))
        continue;

      row = row_ensure (self, mutation->key);
      if (!mutation->locked)
        {
          mutation->locked = TRUE;
          row->locks++;
        }
    }
}

void
_syncobj_collection_finish_transaction (SyncobjCollection  *self,
                                        SyncobjTransaction *transaction,
                                        gboolean            failed)
{
  /* The list stays as it is: the transaction is committed or failed. */
  SyncobjObjectList *mutations = _syncobj_transaction_peek_mutations (transaction);
  gboolean all_mine = transaction_only_touches (transaction, self);
  guint n = _syncobj_object_list_get_length (mutations);
  GList *link;

  collection_begin_batch (self);

  for (guint i = 0; i < n; i++)
    {
      SyncobjPendingMutation *mutation = _syncobj_object_list_peek (mutations, i);
      SyncobjRow *row;
      SyncobjPendingMutation *confirmed;

      if (!all_mine && !mutation_is_of (mutation, self))
        continue;

      row = row_lookup (self, mutation->key);
      if (row == NULL)
        continue;

      /* A completed update that the row shows alone: its echo is likely
       * to set exactly what it set. */
      confirmed = !failed && row->layers != NULL && row->layers->len == 1 &&
                  g_ptr_array_index (row->layers, 0) == mutation ? mutation : NULL;

      if (mutation->locked)
        {
          mutation->locked = FALSE;
          row->locks--;
        }

      /* Nobody echoes a collection without sync: what its transactions
       * completed is its synced state. */
      if (!failed && self->sync == NULL)
        {
          SyncobjSyncWrite write = {
            .type = mutation->replaces ? SYNCOBJ_MUTATION_TYPE_INSERT : mutation->type,
            .key = mutation->key,
            .value = mutation->changes,
          };

          row_apply_sync_write (row, &write, confirmed);
          confirmed = NULL;   /* the synced value has moved on */
        }

      if (failed || row->locks == 0)
        g_ptr_array_remove (row->layers, mutation);
      else
        mutation->retired = TRUE;

      if (row->locks == 0)
        row_release (row, confirmed);

      row_refresh (self, row);
    }

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

  if (self->merge_destroy != NULL)
    self->merge_destroy (self->merge_data);
  self->merge_func = func;
  self->merge_data = user_data;
  self->merge_destroy = destroy;
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

  row = rows_find (self, collection_resolve_key (self, key));
  return row != NULL && row_is_visible (row);
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

  row = row_lookup (self, collection_resolve_key (self, key));
  if (row == NULL || row->visible == NULL)
    return NULL;

  return row_get_record (self, row);
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

  row = row_lookup (self, collection_resolve_key (self, key));
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
      if (row_is_visible (row))
        g_strv_builder_add (builder, row->key);
    }
  keys = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);

  return keys;
}

static gint
compare_key_pointers (gconstpointer a,
                      gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
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
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  GHashTableIter iter;
  SyncobjRow *row;

  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &row))
    if (row->locks > 0)
      g_ptr_array_add (keys, g_strdup (row->key));

  g_ptr_array_sort (keys, compare_key_pointers);
  g_ptr_array_add (keys, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&keys), FALSE);
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
  return row_get_record (self, g_sequence_get (iter));
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
  GHashTableIter iter;
  SyncobjRow *row;

  if (self->sync != NULL)
    _syncobj_sync_detach (self->sync);

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &row))
    if (row->record != NULL)
      {
        g_object_weak_unref (G_OBJECT (row->record), record_finalized_cb, self);
        row->record = NULL;
      }

  g_queue_clear_full (&self->active, g_object_unref);
  g_hash_table_remove_all (self->active_links);

  if (self->merge_destroy != NULL)
    self->merge_destroy (self->merge_data);
  self->merge_func = NULL;
  self->merge_destroy = NULL;

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
  g_clear_pointer (&self->rows, g_hash_table_unref);
  g_clear_pointer (&self->active_links, g_hash_table_unref);
  g_queue_clear (&self->lane.queue);
  g_clear_pointer (&self->key_lanes, g_hash_table_unref);
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
  self->rows = g_hash_table_new_full (row_hash, row_equal, row_free, NULL);
  self->order = g_sequence_new (NULL);
  self->pending_appends = g_ptr_array_new ();
  self->active_links = g_hash_table_new (NULL, NULL);
  self->key_lanes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, lane_free);
  self->lane.collection = self;
}
