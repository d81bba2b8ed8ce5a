/* syncobj-view-join.c: a live list model that pairs each record of a
 * collection or view with the record of another collection that one of
 * its members points to
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-view-private.h"
#include "syncobj-collection-private.h"

#include <string.h>

/**
 * SyncobjJoinRow:
 *
 * One item of a [class@Syncobj.Join]: a record of the join's source and
 * the record of the other collection that its member points to, or
 * %NULL when it points to no record there.
 *
 * A row is immutable: when either record of a pair changes, the join
 * announces its position as changed and hands out a new row. The records
 * themselves are the collections' live records.
 */
struct _SyncobjJoinRow
{
  GObject        parent_instance;

  SyncobjRecord *record;
  SyncobjRecord *joined;   /* nullable */
};

G_DEFINE_FINAL_TYPE (SyncobjJoinRow, syncobj_join_row, G_TYPE_OBJECT)

enum {
  ROW_PROP_0,
  ROW_PROP_RECORD,
  ROW_PROP_JOINED,
  ROW_N_PROPS
};

static GParamSpec *row_properties[ROW_N_PROPS];

static void
syncobj_join_row_finalize (GObject *object)
{
  SyncobjJoinRow *self = SYNCOBJ_JOIN_ROW (object);

  g_clear_object (&self->record);
  g_clear_object (&self->joined);
  G_OBJECT_CLASS (syncobj_join_row_parent_class)->finalize (object);
}

static void
syncobj_join_row_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SyncobjJoinRow *self = SYNCOBJ_JOIN_ROW (object);

  switch (prop_id)
    {
    case ROW_PROP_RECORD:
      g_value_set_object (value, self->record);
      break;
    case ROW_PROP_JOINED:
      g_value_set_object (value, self->joined);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_join_row_class_init (SyncobjJoinRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = syncobj_join_row_finalize;
  object_class->get_property = syncobj_join_row_get_property;

  /**
   * SyncobjJoinRow:record: (getter get_record)
   *
   * The record of the join's source.
   */
  row_properties[ROW_PROP_RECORD] =
    g_param_spec_object ("record", NULL, NULL, SYNCOBJ_TYPE_RECORD,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjJoinRow:joined: (getter get_joined)
   *
   * The record of the other collection that the member of
   * [property@Syncobj.JoinRow:record] points to, or %NULL.
   */
  row_properties[ROW_PROP_JOINED] =
    g_param_spec_object ("joined", NULL, NULL, SYNCOBJ_TYPE_RECORD,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, ROW_N_PROPS, row_properties);
}

static void
syncobj_join_row_init (SyncobjJoinRow *self)
{
}

/**
 * syncobj_join_row_get_record:
 * @self: a row
 *
 * Gets the record of the join's source.
 *
 * Returns: (transfer none): the record
 */
SyncobjRecord *
syncobj_join_row_get_record (SyncobjJoinRow *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_JOIN_ROW (self), NULL);
  return self->record;
}

/**
 * syncobj_join_row_get_joined:
 * @self: a row
 *
 * Gets the record of the other collection that the record's member
 * points to.
 *
 * Returns: (transfer none) (nullable): the joined record, or %NULL when
 *   the member is missing, is no key, or names no record of the other
 *   collection
 */
SyncobjRecord *
syncobj_join_row_get_joined (SyncobjJoinRow *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_JOIN_ROW (self), NULL);
  return self->joined;
}

/* ---- the join ----------------------------------------------------------------- */

/**
 * SyncobjJoin:
 *
 * A live [iface@Gio.ListModel] of [class@Syncobj.JoinRow]s: each record of
 * a source (a [class@Syncobj.Collection] or a [class@Syncobj.View]), in
 * the source's order, paired with the record of another collection that
 * one of its members points to — a to-do with its list, for
 * `todos.list_id = lists.id`:
 *
 * ```c
 * g_autoptr(SyncobjJoin) join = syncobj_join_new (G_LIST_MODEL (open_todos), "list_id", lists, NULL);
 * ```
 *
 * The member (a path, `"list.id"` reaching into nested objects) holds the
 * other record's key: a string, or an integer for integer keys. A record
 * whose member is missing, holds anything else, or names no record of
 * the other collection is paired with %NULL (a left outer join); it gets
 * its record once one comes.
 *
 * A join follows both sides, in O(log n) per changed pair: a record of the
 * source that is inserted, changed, moved or removed, and a record of the
 * other collection that is inserted, changed, removed or rolled back,
 * which re-announces each pair that points to it (one
 * [signal@Gio.ListModel::items-changed] per contiguous range). A
 * temporary key that the server replaces
 * ([signal@Syncobj.Collection::key-assigned]) keeps its pairs on either
 * side: a member that still holds the temporary key goes on naming the
 * record under its new key.
 *
 * Filter and sort the source with a view; the join keeps its order. A
 * join holds its source and the other collection; neither holds the join.
 */
struct _SyncobjJoin
{
  GObject            parent_instance;

  GListModel        *source;
  SyncobjCollection *source_collection;  /* unowned; NULL when the source is a view */
  SyncobjCollection *assigned_from;      /* whose key-assigned re-keys the source's records:
                                          * the source, or the view's collection */
  SyncobjCollection *other;
  char              *member;
  char             **path;

  gulong             source_changed_id;
  gulong             source_assigned_id;
  gulong             other_changed_id;
  gulong             other_assigned_id;

  GSequence         *entries;      /* JoinEntry, in the source's order */
  GSequence         *other_keys;   /* char *, the other collection's keys in its order */
  GHashTable        *by_target;    /* target key → first JoinEntry pointing to it (owned key) */
};

typedef struct _JoinEntry JoinEntry;

/* One record of the source. */
struct _JoinEntry
{
  GSequenceIter  *iter;     /* in entries */
  char           *target;   /* the other collection's key it points to; NULL: none */
  JoinEntry      *prev;     /* among the entries of the same target */
  JoinEntry      *next;
  SyncobjJoinRow *row;      /* weak: the row handed out last, while someone holds it */
};

static void syncobj_join_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SyncobjJoin, syncobj_join, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, syncobj_join_list_model_init))

enum {
  PROP_0,
  PROP_SOURCE,
  PROP_MEMBER,
  PROP_OTHER,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- entries ------------------------------------------------------------------ */

/* The key a member value names: a non-empty string, or an integer's
 * canonical text; NULL for anything else. */
static char *
target_from_scalar (const SyncobjViewScalar *scalar)
{
  if (scalar->class == SYNCOBJ_VIEW_CLASS_STRING && scalar->length > 0)
    return g_strndup (scalar->string, scalar->length);
  if (scalar->class == SYNCOBJ_VIEW_CLASS_NUMBER && scalar->is_int)
    return g_strdup_printf ("%" G_GINT64_FORMAT, scalar->integer);
  return NULL;
}

/* The key under which the other collection holds what @reference names:
 * a temporary key the server has replaced names the record under its
 * new key, also while no record of it is visible (deleted, or its write
 * rolled back): the pair must be found under the new key when the
 * record comes back, announced under that key. */
static char *
target_resolve (SyncobjJoin *self,
                char        *reference)
{
  const char *key;

  if (reference == NULL || !g_str_has_prefix (reference, SYNCOBJ_TEMPORARY_KEY_PREFIX))
    return reference;

  key = _syncobj_collection_resolve_key (self->other, reference);
  if (strcmp (key, reference) == 0)
    return reference;
  g_free (reference);
  return g_strdup (key);
}

static char *
target_for_value (SyncobjJoin            *self,
                  const SyncobjViewValue *value)
{
  g_autofree char *scratch = NULL;
  SyncobjViewScalar member;

  _syncobj_view_value_get (value, self->path, &scratch, &member);
  return target_resolve (self, target_from_scalar (&member));
}

static void
entry_link (SyncobjJoin *self,
            JoinEntry   *entry)
{
  JoinEntry *head;

  if (entry->target == NULL)
    return;
  head = g_hash_table_lookup (self->by_target, entry->target);
  entry->prev = NULL;
  entry->next = head;
  if (head != NULL)
    head->prev = entry;
  g_hash_table_replace (self->by_target, g_strdup (entry->target), entry);
}

static void
entry_unlink (SyncobjJoin *self,
              JoinEntry   *entry)
{
  if (entry->target == NULL)
    return;
  if (entry->next != NULL)
    entry->next->prev = entry->prev;
  if (entry->prev != NULL)
    entry->prev->next = entry->next;
  else if (entry->next != NULL)
    g_hash_table_replace (self->by_target, g_strdup (entry->target), entry->next);
  else
    g_hash_table_remove (self->by_target, entry->target);
  entry->prev = entry->next = NULL;
}

/* Forgets the row handed out: the next get_item() makes a new one. */
static void
entry_forget_row (JoinEntry *entry)
{
  if (entry->row != NULL)
    g_object_remove_weak_pointer (G_OBJECT (entry->row), (gpointer *) &entry->row);
  entry->row = NULL;
}

static void
entry_free (SyncobjJoin *self,
            JoinEntry   *entry)
{
  entry_unlink (self, entry);
  entry_forget_row (entry);
  g_free (entry->target);
  g_free (entry);
}

static void
entry_set_target (SyncobjJoin *self,
                  JoinEntry   *entry,
                  char        *target)
{
  entry_unlink (self, entry);
  g_free (entry->target);
  entry->target = target;
  entry_link (self, entry);
  entry_forget_row (entry);
}

/* The target of the source's item at @position. */
static char *
source_target_at (SyncobjJoin *self,
                  guint        position)
{
  g_autoptr(SyncobjRecord) record = NULL;
  SyncobjViewValue value = { NULL, NULL };

  if (self->source_collection != NULL)
    {
      const char *key;

      value.object = _syncobj_collection_peek_item (self->source_collection, position, &key, &value.packed);
      return target_for_value (self, &value);
    }

  record = g_list_model_get_item (self->source, position);
  value.object = syncobj_record_get_value (record);
  return target_for_value (self, &value);
}

/* ---- announcing changes of the other side -------------------------------------- */

static int
compare_positions (gconstpointer a,
                   gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;

  return (x > y) - (x < y);
}

/* Adds the positions of the entries pointing to @target to @positions. */
static void
collect_target (SyncobjJoin *self,
                const char  *target,
                GArray      *positions)
{
  for (JoinEntry *entry = g_hash_table_lookup (self->by_target, target); entry != NULL; entry = entry->next)
    {
      guint position = g_sequence_iter_get_position (entry->iter);

      entry_forget_row (entry);
      g_array_append_val (positions, position);
    }
}

/* Announces each position of @positions as changed in place, one range
 * per run of neighbours. */
static void
announce_positions (SyncobjJoin *self,
                    GArray      *positions)
{
  guint i = 0;

  g_array_sort (positions, compare_positions);
  while (i < positions->len)
    {
      guint start = g_array_index (positions, guint, i), end = start + 1;

      for (i++; i < positions->len && g_array_index (positions, guint, i) <= end; i++)
        end = MAX (end, g_array_index (positions, guint, i) + 1);
      g_list_model_items_changed (G_LIST_MODEL (self), start, end - start, end - start);
    }
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

static void
other_items_changed_cb (GListModel  *other,
                        guint        position,
                        guint        removed,
                        guint        added,
                        SyncobjJoin *self)
{
  g_autoptr(GArray) positions = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  GSequenceIter *first = g_sequence_get_iter_at_pos (self->other_keys, position);
  GSequenceIter *end = first;

  for (guint i = 0; i < removed; i++, end = g_sequence_iter_next (end))
    g_ptr_array_add (keys, g_strdup (g_sequence_get (end)));
  g_sequence_remove_range (first, end);

  for (guint i = 0; i < added; i++)
    {
      const char *key = _syncobj_collection_peek_key (self->other, position + i);

      g_sequence_insert_before (end, g_strdup (key));
      g_ptr_array_add (keys, g_strdup (key));
    }

  /* A key removed and added in one change counts once. */
  g_ptr_array_sort (keys, compare_strings);
  for (guint i = 0; i < keys->len; i++)
    if (i == 0 || strcmp (g_ptr_array_index (keys, i), g_ptr_array_index (keys, i - 1)) != 0)
      collect_target (self, g_ptr_array_index (keys, i), positions);

  announce_positions (self, positions);
}

static void
other_key_assigned_cb (SyncobjCollection *other,
                       const char        *temporary_key,
                       const char        *key,
                       SyncobjJoin       *self)
{
  g_autoptr(GArray) positions = g_array_new (FALSE, FALSE, sizeof (guint));
  JoinEntry *entry;
  guint position;

  if (_syncobj_collection_find_position (other, key, &position) &&
      position < (guint) g_sequence_get_length (self->other_keys))
    {
      GSequenceIter *iter = g_sequence_get_iter_at_pos (self->other_keys, position);

      if (strcmp (g_sequence_get (iter), temporary_key) == 0)
        g_sequence_set (iter, g_strdup (key));
    }

  /* The entries that named the temporary key now name the record by its
   * new key. */
  while ((entry = g_hash_table_lookup (self->by_target, temporary_key)) != NULL)
    entry_set_target (self, entry, g_strdup (key));

  collect_target (self, key, positions);
  announce_positions (self, positions);
}

/* ---- following the source ------------------------------------------------------- */

static void
source_items_changed_cb (GListModel  *source,
                         guint        position,
                         guint        removed,
                         guint        added,
                         SyncobjJoin *self)
{
  GSequenceIter *iter = g_sequence_get_iter_at_pos (self->entries, position);

  for (guint i = 0; i < removed; i++)
    {
      GSequenceIter *next = g_sequence_iter_next (iter);

      entry_free (self, g_sequence_get (iter));
      g_sequence_remove (iter);
      iter = next;
    }

  for (guint i = 0; i < added; i++)
    {
      JoinEntry *entry = g_new0 (JoinEntry, 1);

      entry->iter = g_sequence_insert_before (iter, entry);
      entry_set_target (self, entry, source_target_at (self, position + i));
    }

  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
  if (removed != added)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/* A record of the source took the server's key in place, without
 * items-changed (a view announces it only when the record moves, and the
 * view follows first: it connected first); its value may have changed
 * with it. */
static void
source_key_assigned_cb (SyncobjCollection *collection,
                        const char        *temporary_key,
                        const char        *key,
                        SyncobjJoin       *self)
{
  JoinEntry *entry;
  guint position;
  gboolean found;

  if (self->source_collection != NULL)
    found = _syncobj_collection_find_position (collection, key, &position);
  else
    found = _syncobj_view_find_position (SYNCOBJ_VIEW (self->source), key, &position);
  if (!found || position >= (guint) g_sequence_get_length (self->entries))
    return;

  entry = g_sequence_get (g_sequence_get_iter_at_pos (self->entries, position));
  entry_set_target (self, entry, source_target_at (self, position));
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 1);
}

static void
join_populate (SyncobjJoin *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->other));

  for (guint i = 0; i < n; i++)
    g_sequence_append (self->other_keys, g_strdup (_syncobj_collection_peek_key (self->other, i)));

  n = g_list_model_get_n_items (self->source);
  for (guint i = 0; i < n; i++)
    {
      JoinEntry *entry = g_new0 (JoinEntry, 1);

      entry->iter = g_sequence_append (self->entries, entry);
      entry_set_target (self, entry, source_target_at (self, i));
    }
}

/* ---- GListModel -------------------------------------------------------------- */

static GType
syncobj_join_get_item_type (GListModel *model)
{
  return SYNCOBJ_TYPE_JOIN_ROW;
}

static guint
syncobj_join_get_n_items (GListModel *model)
{
  return g_sequence_get_length (SYNCOBJ_JOIN (model)->entries);
}

static gpointer
syncobj_join_get_item (GListModel *model,
                       guint       position)
{
  SyncobjJoin *self = SYNCOBJ_JOIN (model);
  JoinEntry *entry;
  SyncobjJoinRow *row;

  if (position >= (guint) g_sequence_get_length (self->entries))
    return NULL;

  entry = g_sequence_get (g_sequence_get_iter_at_pos (self->entries, position));
  if (entry->row != NULL)
    return g_object_ref (entry->row);

  row = g_object_new (SYNCOBJ_TYPE_JOIN_ROW, NULL);
  row->record = g_list_model_get_item (self->source, position);
  row->joined = entry->target != NULL ? syncobj_collection_lookup (self->other, entry->target) : NULL;
  entry->row = row;
  g_object_add_weak_pointer (G_OBJECT (row), (gpointer *) &entry->row);
  return row;
}

static void
syncobj_join_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = syncobj_join_get_item_type;
  iface->get_n_items = syncobj_join_get_n_items;
  iface->get_item = syncobj_join_get_item;
}

/* ---- GObject ------------------------------------------------------------------ */

static void
syncobj_join_constructed (GObject *object)
{
  SyncobjJoin *self = SYNCOBJ_JOIN (object);
  g_autoptr(GError) error = NULL;

  G_OBJECT_CLASS (syncobj_join_parent_class)->constructed (object);

  g_return_if_fail (SYNCOBJ_IS_COLLECTION (self->source) || SYNCOBJ_IS_VIEW (self->source));
  g_return_if_fail (SYNCOBJ_IS_COLLECTION (self->other));

  self->path = _syncobj_view_path_parse (self->member, &error);
  if (self->path == NULL)
    {
      g_critical ("SyncobjJoin:member: %s", error->message);
      return;
    }

  /* The source first: in a join of a collection with itself, the source's
   * entries follow a change before the other side announces it. */
  if (SYNCOBJ_IS_COLLECTION (self->source))
    self->source_collection = SYNCOBJ_COLLECTION (self->source);
  self->assigned_from = g_object_ref (self->source_collection != NULL ? self->source_collection
                                      : SYNCOBJ_VIEW (self->source)->collection);
  self->source_assigned_id = g_signal_connect (self->assigned_from, "key-assigned",
                                               G_CALLBACK (source_key_assigned_cb), self);
  self->source_changed_id = g_signal_connect (self->source, "items-changed",
                                              G_CALLBACK (source_items_changed_cb), self);
  self->other_changed_id = g_signal_connect (self->other, "items-changed",
                                             G_CALLBACK (other_items_changed_cb), self);
  self->other_assigned_id = g_signal_connect (self->other, "key-assigned",
                                              G_CALLBACK (other_key_assigned_cb), self);
  join_populate (self);
}

static void
syncobj_join_dispose (GObject *object)
{
  SyncobjJoin *self = SYNCOBJ_JOIN (object);
  GSequenceIter *iter;

  if (self->source != NULL)
    g_clear_signal_handler (&self->source_changed_id, self->source);
  if (self->assigned_from != NULL)
    g_clear_signal_handler (&self->source_assigned_id, self->assigned_from);
  g_clear_object (&self->assigned_from);
  if (self->other != NULL)
    {
      g_clear_signal_handler (&self->other_changed_id, self->other);
      g_clear_signal_handler (&self->other_assigned_id, self->other);
    }

  for (iter = g_sequence_get_begin_iter (self->entries); !g_sequence_iter_is_end (iter); iter = g_sequence_iter_next (iter))
    {
      JoinEntry *entry = g_sequence_get (iter);

      entry_forget_row (entry);
      g_free (entry->target);
      g_free (entry);
    }
  g_sequence_remove_range (g_sequence_get_begin_iter (self->entries), g_sequence_get_end_iter (self->entries));
  g_sequence_remove_range (g_sequence_get_begin_iter (self->other_keys), g_sequence_get_end_iter (self->other_keys));
  g_hash_table_remove_all (self->by_target);

  self->source_collection = NULL;
  g_clear_object (&self->source);
  g_clear_object (&self->other);

  G_OBJECT_CLASS (syncobj_join_parent_class)->dispose (object);
}

static void
syncobj_join_finalize (GObject *object)
{
  SyncobjJoin *self = SYNCOBJ_JOIN (object);

  g_sequence_free (self->entries);
  g_sequence_free (self->other_keys);
  g_hash_table_unref (self->by_target);
  g_free (self->member);
  g_strfreev (self->path);

  G_OBJECT_CLASS (syncobj_join_parent_class)->finalize (object);
}

static void
syncobj_join_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  SyncobjJoin *self = SYNCOBJ_JOIN (object);

  switch (prop_id)
    {
    case PROP_SOURCE:
      g_value_set_object (value, self->source);
      break;
    case PROP_MEMBER:
      g_value_set_string (value, self->member);
      break;
    case PROP_OTHER:
      g_value_set_object (value, self->other);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, g_list_model_get_n_items (G_LIST_MODEL (self)));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_join_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  SyncobjJoin *self = SYNCOBJ_JOIN (object);

  switch (prop_id)
    {
    case PROP_SOURCE:
      self->source = g_value_dup_object (value);
      break;
    case PROP_MEMBER:
      self->member = g_value_dup_string (value);
      break;
    case PROP_OTHER:
      self->other = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_join_class_init (SyncobjJoinClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _syncobj_ensure_i18n ();

  object_class->constructed = syncobj_join_constructed;
  object_class->dispose = syncobj_join_dispose;
  object_class->finalize = syncobj_join_finalize;
  object_class->get_property = syncobj_join_get_property;
  object_class->set_property = syncobj_join_set_property;

  /**
   * SyncobjJoin:source: (getter get_source)
   *
   * The records to pair, in their order: a [class@Syncobj.Collection] or
   * a [class@Syncobj.View]. The join holds it.
   */
  properties[PROP_SOURCE] =
    g_param_spec_object ("source", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjJoin:member: (getter get_member)
   *
   * The member path of the source's records that holds the key of a
   * record of [property@Syncobj.Join:other].
   */
  properties[PROP_MEMBER] =
    g_param_spec_string ("member", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjJoin:other: (getter get_other)
   *
   * The collection whose records the member points to. The join holds it.
   */
  properties[PROP_OTHER] =
    g_param_spec_object ("other", NULL, NULL, SYNCOBJ_TYPE_COLLECTION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjJoin:n-items:
   *
   * The number of rows, as g_list_model_get_n_items() gives.
   */
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
syncobj_join_init (SyncobjJoin *self)
{
  self->entries = g_sequence_new (NULL);
  self->other_keys = g_sequence_new (g_free);
  self->by_target = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* ---- public API ------------------------------------------------------------------ */

/**
 * syncobj_join_new:
 * @source: a [class@Syncobj.Collection] or a [class@Syncobj.View]
 * @member: the member path of @source's records that holds the key of a
 *   record of @other (`"list_id"`, `"list.id"`)
 * @other: the collection the member points into
 * @error: return location for a #GError
 *
 * Makes a join of @source with @other and fills it: one
 * [class@Syncobj.JoinRow] per record of @source, in its order.
 *
 * Returns: (transfer full): a new join, or %NULL with
 *   %SYNCOBJ_ERROR_INVALID_VIEW when @member is not a member path or
 *   @source is another list model (a `GtkFilterListModel`, a join)
 *
 * Since: 0.2
 */
SyncobjJoin *
syncobj_join_new (GListModel         *source,
                  const char         *member,
                  SyncobjCollection  *other,
                  GError            **error)
{
  g_auto(GStrv) path = NULL;

  g_return_val_if_fail (G_IS_LIST_MODEL (source), NULL);
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (other), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!_syncobj_view_source_check (source, error))
    return NULL;
  path = _syncobj_view_path_parse (member, error);
  if (path == NULL)
    return NULL;

  return g_object_new (SYNCOBJ_TYPE_JOIN,
                       "source", source,
                       "member", member,
                       "other", other,
                       NULL);
}

/**
 * syncobj_join_get_source:
 * @self: a join
 *
 * Gets the records @self pairs.
 *
 * Returns: (transfer none): the source
 *
 * Since: 0.2
 */
GListModel *
syncobj_join_get_source (SyncobjJoin *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_JOIN (self), NULL);
  return self->source;
}

/**
 * syncobj_join_get_member:
 * @self: a join
 *
 * Gets the member path that points into the other collection.
 *
 * Returns: the member path
 *
 * Since: 0.2
 */
const char *
syncobj_join_get_member (SyncobjJoin *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_JOIN (self), NULL);
  return self->member;
}

/**
 * syncobj_join_get_other:
 * @self: a join
 *
 * Gets the collection the member points into.
 *
 * Returns: (transfer none): the other collection
 *
 * Since: 0.2
 */
SyncobjCollection *
syncobj_join_get_other (SyncobjJoin *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_JOIN (self), NULL);
  return self->other;
}
