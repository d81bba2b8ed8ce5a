/* syncobj-view-maintain.c: how a view keeps its filtered, sorted list
 * of entries up to date with its source, and announces the changes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-view-private.h"
#include "syncobj-collection-private.h"

#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

/* ---- entries ------------------------------------------------------------------ */

static void entry_pending_cb (GObject *record, GParamSpec *pspec, gpointer data);

/* Records are held (and watched) only for a filter that needs them: the
 * pending filter and a filter function. Otherwise a view holds keys and
 * values, and makes records when asked for them, as the collection does. */
static gboolean
view_holds_records (SyncobjView *self)
{
  return self->pending != SYNCOBJ_PENDING_FILTER_ALL || self->filter_func != NULL;
}

static void
entry_hold (SyncobjViewEntry *entry,
            SyncobjRecord    *record)
{
  SyncobjView *self = entry->view;

  if (entry->record == NULL)
    entry->record = record != NULL ? g_object_ref (record) : syncobj_collection_lookup (self->collection, entry->key);
  if (entry->record != NULL && entry->pending_id == 0 && self->pending != SYNCOBJ_PENDING_FILTER_ALL)
    entry->pending_id = g_signal_connect (entry->record, "notify::pending", G_CALLBACK (entry_pending_cb), entry);
}

static void
entry_release (SyncobjViewEntry *entry)
{
  if (entry->record != NULL)
    g_clear_signal_handler (&entry->pending_id, entry->record);
  g_clear_object (&entry->record);
}

/* A short key is kept in the entry itself: one allocation less per
 * record. */
static void
entry_set_key (SyncobjViewEntry *entry,
               const char       *key)
{
  gsize length = strlen (key);

  if (entry->key != entry->key_text)
    g_free (entry->key);
  if (length < sizeof entry->key_text)
    entry->key = memcpy (entry->key_text, key, length + 1);
  else
    entry->key = g_strndup (key, length);
  entry->key_is_int = _syncobj_view_key_is_integer (entry->key, &entry->key_int);
}

static SyncobjViewEntry *
entry_new_for_key (SyncobjView *self,
                   const char  *key)
{
  SyncobjViewEntry *entry;

  if (self->free_entries != NULL && self->free_entries->len > 0)
    entry = g_ptr_array_steal_index_fast (self->free_entries, self->free_entries->len - 1);
  else
    entry = g_new0 (SyncobjViewEntry, 1);

  entry->view = self;
  entry_set_key (entry, key);
  return entry;
}

static void
entry_clear_sort_keys (SyncobjViewEntry *entry)
{
  for (guint i = 0; i < entry->n_sort_keys; i++)
    if (entry->sort_keys[i].string != entry->sort_text)
      g_free ((char *) entry->sort_keys[i].string);
  if (entry->sort_keys != &entry->first_sort_key)
    g_free (entry->sort_keys);
  entry->sort_keys = NULL;
  entry->n_sort_keys = 0;
}

static void
entry_free (SyncobjViewEntry *entry)
{
  SyncobjView *self = entry->view;

  entry_release (entry);
  g_clear_pointer (&entry->value, json_object_unref);
  entry_clear_sort_keys (entry);
  if (entry->key != entry->key_text)
    g_free (entry->key);
  if (!entry->in_block)
    {
      g_free (entry);
      return;
    }
  if (self->entry_blocks == NULL)
    return;   /* its block is going */
  memset (entry, 0, sizeof *entry);
  entry->in_block = TRUE;
  if (self->free_entries == NULL)
    self->free_entries = g_ptr_array_new ();
  g_ptr_array_add (self->free_entries, entry);
}

/* The members the condition and the sort read first: looked for in one
 * pass over packed text. */
static GPtrArray *
view_member_names (SyncobjView *self)
{
  if (self->member_names != NULL)
    return self->member_names;

  self->member_names = g_ptr_array_new ();
  if (self->where != NULL)
    _syncobj_condition_collect_members (self->where, self->member_names);
  for (guint i = 0; i < self->sort->len; i++)
    {
      char *name = g_array_index (self->sort, SyncobjSortMember, i).path[0];
      gboolean seen = FALSE;

      for (guint j = 0; j < self->member_names->len && !seen; j++)
        seen = strcmp (g_ptr_array_index (self->member_names, j), name) == 0;
      if (!seen)
        g_ptr_array_add (self->member_names, name);
    }
  for (guint i = 0; i < self->member_names->len && i < G_N_ELEMENTS (self->member_lengths); i++)
    self->member_lengths[i] = strlen (g_ptr_array_index (self->member_names, i));
  return self->member_names;
}

/* Reads the sort keys of @value into @entry: the first one's short string
 * in the entry itself. */
static void
entry_read_sort_keys (SyncobjView            *self,
                      SyncobjViewEntry       *entry,
                      const SyncobjViewValue *value)
{
  g_autofree char *scratch = NULL;

  entry->n_sort_keys = self->sort->len;
  entry->sort_keys = self->sort->len == 1 ? &entry->first_sort_key : g_new (SyncobjViewScalar, self->sort->len);
  for (guint i = 0; i < self->sort->len; i++)
    {
      SyncobjViewScalar *key = &entry->sort_keys[i];

      _syncobj_view_value_get (value, g_array_index (self->sort, SyncobjSortMember, i).path, &scratch, key);
      if (key->class != SYNCOBJ_VIEW_CLASS_STRING)
        key->string = NULL;
      else if (i == 0 && key->length < sizeof entry->sort_text)
        {
          memcpy (entry->sort_text, key->string, key->length);
          entry->sort_text[key->length] = '\0';
          key->string = entry->sort_text;
        }
      else
        key->string = g_strndup (key->string, key->length);
    }
}

/* What the entry is filtered and sorted by, read from @value without
 * building it: whether it meets the condition, and its sort keys. */
static void
entry_derive (SyncobjViewEntry       *entry,
              const SyncobjViewValue *in)
{
  SyncobjView *self = entry->view;
  GPtrArray *names = view_member_names (self);
  const char *found[8];
  SyncobjViewScalar scalars[G_N_ELEMENTS (found)];
  SyncobjViewValue packed = *in;
  const SyncobjViewValue *value = in;

  /* Each member found, and its value read, once for the condition and
   * the sort. */
  if (in->packed != NULL && names->len > 0 && names->len <= G_N_ELEMENTS (found))
    {
      _syncobj_view_value_find_members (&packed, (const char * const *) names->pdata, self->member_lengths,
                                        names->len, found, scalars);
      value = &packed;
    }

  entry_clear_sort_keys (entry);
  entry->visible = value->object != NULL || value->packed != NULL;
  entry->matches = entry->visible && (self->where == NULL || _syncobj_condition_matches_value (self->where, value));
  if (entry->visible && self->sort->len > 0)
    entry_read_sort_keys (self, entry, value);
  _syncobj_view_entry_set_rank (self, entry);
}

static void
entry_set_value (SyncobjViewEntry       *entry,
                 const SyncobjViewValue *value)
{
  g_assert (entry->sorted_iter == NULL);   /* sorted by its old value */

  if (value->object != NULL)
    json_object_ref (value->object);
  g_clear_pointer (&entry->value, json_object_unref);
  entry->value = value->object;
  entry_derive (entry, value);
}

/* entry_set_value() of a value that is an object, or none. */
static void
entry_set_object (SyncobjViewEntry *entry,
                  JsonObject       *object)
{
  SyncobjViewValue value = { object, NULL };

  entry_set_value (entry, &value);
}

static gboolean
entry_passes (SyncobjView      *self,
              SyncobjViewEntry *entry)
{
  if (!entry->visible)
    return FALSE;
  if (self->pending != SYNCOBJ_PENDING_FILTER_ALL &&
      syncobj_record_get_pending (entry->record) != (self->pending == SYNCOBJ_PENDING_FILTER_ONLY))
    return FALSE;
  if (!entry->matches)
    return FALSE;
  if (self->filter_func != NULL && (entry->record == NULL || !self->filter_func (entry->record, self->filter_data)))
    return FALSE;
  return TRUE;
}

/* ---- announcing changes -------------------------------------------------------- */

guint
_syncobj_view_window_length (SyncobjView *self,
                             guint        n_matched)
{
  return n_matched > self->offset ? MIN (n_matched - self->offset, self->limit) : 0;
}

void
_syncobj_view_emit (SyncobjView *self,
                    guint        position,
                    guint        removed,
                    guint        added)
{
  if (removed == 0 && added == 0)
    return;
  g_list_model_items_changed ((GListModel *) self, position, removed, added);
  if (removed != added)
    _syncobj_view_notify_n_items (self);
}

/* Announces the open change: self->sorted is the announced state with it
 * applied. Translated into the window's positions. */
static void
view_flush (SyncobjView *self)
{
  guint pos = self->change_pos, removed = self->change_removed, added = self->change_added;
  guint new_length, old_length, before, after, start;

  if (!self->change_open)
    return;
  self->change_open = FALSE;

  new_length = _syncobj_view_seq_get_length (self->sorted);
  old_length = new_length - added + removed;
  before = _syncobj_view_window_length (self, old_length);
  after = _syncobj_view_window_length (self, new_length);
  if (removed != added)
    _syncobj_view_notify_n_matched (self);

  /* Inside a window that the limit does not cut: exactly the change. */
  if (pos >= self->offset &&
      (self->limit == G_MAXUINT ||
       (old_length - self->offset <= self->limit && new_length - self->offset <= self->limit)))
    {
      _syncobj_view_emit (self, pos - self->offset, removed, added);
      return;
    }

  start = MAX (pos, self->offset);
  if (start - self->offset >= MAX (before, after))
    return;   /* after the window */

  if (removed == added)
    {
      /* In place: the part inside the window changed. */
      guint end = MIN (pos + removed, self->offset + before);

      if (end > start)
        _syncobj_view_emit (self, start - self->offset, end - start, end - start);
      return;
    }

  /* Everything from the change to the end of the window moved. */
  _syncobj_view_emit (self, start - self->offset, before - (start - self->offset), after - (start - self->offset));
}

/* Records that self->sorted is about to have @removed items at @position
 * replaced by @added items. Contiguous changes become one announcement;
 * a change elsewhere first announces the open one, so that a handler of
 * items-changed always finds the state it was told about. */
static void
view_note_change (SyncobjView *self,
                  guint        position,
                  guint        removed,
                  guint        added)
{
  guint start, end;

  if (self->change_open &&
      (position > self->change_pos + self->change_added || position + removed < self->change_pos))
    view_flush (self);

  /* After the flush: its handlers may have used the cache. */
  self->cache_iter = NULL;

  if (!self->change_open)
    {
      self->change_open = TRUE;
      self->change_pos = position;
      self->change_removed = removed;
      self->change_added = added;
      return;
    }

  start = MIN (self->change_pos, position);
  end = MAX (self->change_pos + self->change_added, position + removed);
  self->change_removed += end - start - self->change_added;
  self->change_added = end - start - removed + added;
  self->change_pos = start;
}

/* ---- placing entries ---------------------------------------------------------- */

static void
entry_unplace (SyncobjView      *self,
               SyncobjViewEntry *entry)
{
  if (entry->sorted_iter == NULL)
    return;

  view_note_change (self, _syncobj_view_seq_iter_get_position (entry->sorted_iter), 1, 0);
  _syncobj_view_seq_remove (entry->sorted_iter);
  entry->sorted_iter = NULL;
}

static void
entry_place (SyncobjView      *self,
             SyncobjViewEntry *entry)
{
  SyncobjViewSeqIter *before;

  if (!entry_passes (self, entry))
    return;

  before = _syncobj_view_seq_search (self->sorted, entry, _syncobj_view_entry_compare, self);
  view_note_change (self, _syncobj_view_seq_iter_get_position (before), 0, 1);
  entry->sorted_iter = _syncobj_view_seq_insert_before (before, &entry->sorted_node, entry);
}

/* Whether @entry, placed, passes and still sorts between its neighbours. */
static gboolean
entry_stays (SyncobjView      *self,
             SyncobjViewEntry *entry)
{
  SyncobjViewSeqIter *iter = entry->sorted_iter;
  SyncobjViewSeqIter *next = _syncobj_view_seq_iter_next (iter);

  if (!entry_passes (self, entry))
    return FALSE;
  if (!_syncobj_view_seq_iter_is_begin (iter) &&
      _syncobj_view_entry_compare (_syncobj_view_seq_get (_syncobj_view_seq_iter_prev (iter)), entry, self) > 0)
    return FALSE;
  return _syncobj_view_seq_iter_is_end (next) || _syncobj_view_entry_compare (entry, _syncobj_view_seq_get (next), self) < 0;
}

/* The record of @entry changed (value or pending state). One that stays
 * where it sorts is announced as changed in place, without moving. */
static void
entry_refresh (SyncobjView            *self,
               SyncobjViewEntry       *entry,
               const SyncobjViewValue *value)
{
  SyncobjViewSeqIter *iter = g_steal_pointer (&entry->sorted_iter);

  entry_set_value (entry, value);
  entry->sorted_iter = iter;
  if (iter != NULL && entry_stays (self, entry))
    {
      view_note_change (self, _syncobj_view_seq_iter_get_position (iter), 1, 1);
      return;
    }
  entry_unplace (self, entry);
  entry_place (self, entry);
}

static void
entry_pending_cb (GObject    *record,
                  GParamSpec *pspec,
                  gpointer    data)
{
  SyncobjViewEntry *entry = data;
  SyncobjView *self = entry->view;
  SyncobjViewValue value = { syncobj_record_get_value (SYNCOBJ_RECORD (record)), NULL };

  entry_refresh (self, entry, &value);
  view_flush (self);
}

/* ---- reading the source's values ---------------------------------------------- */

typedef struct
{
  SyncobjView   *view;
  SyncobjViewSeqIter *iter;
} Rederive;

static void
rederive_row_cb (const char *key,
                 const char *packed,
                 JsonObject *object,
                 gpointer    data)
{
  Rederive *rederive = data;
  SyncobjViewValue value = { object, packed };

  entry_derive (_syncobj_view_seq_get (rederive->iter), &value);
  rederive->iter = _syncobj_view_seq_iter_next (rederive->iter);
}

/* Reads every entry's value from the source again (the condition or the
 * sort changed): from a collection without making records. */
static void
view_rederive (SyncobjView *self)
{
  SyncobjViewSeqIter *iter = _syncobj_view_seq_get_begin_iter (self->mirror);

  if (SYNCOBJ_IS_COLLECTION (self->source))
    {
      Rederive rederive = { self, iter };

      _syncobj_collection_foreach_value (self->collection, rederive_row_cb, &rederive);
      return;
    }

  for (guint i = 0; !_syncobj_view_seq_iter_is_end (iter); i++, iter = _syncobj_view_seq_iter_next (iter))
    {
      SyncobjViewEntry *entry = _syncobj_view_seq_get (iter);
      g_autoptr(SyncobjRecord) record = entry->record != NULL ? g_object_ref (entry->record)
                                                             : g_list_model_get_item (self->source, i);
      SyncobjViewValue value = { syncobj_record_get_value (record), NULL };

      entry_derive (entry, &value);
    }
}

/* Fills the empty @seq at once with the @n @entries, in their nodes at
 * @node_offset, and points each entry's iterator at @iter_offset to its
 * node. */
typedef struct
{
  SyncobjViewSeq    *seq;
  SyncobjViewEntry **entries;
  guint              n;
  gsize              node_offset;
  gsize              iter_offset;
} SeqFill;

#define MIRROR_FILL(seq, entries, n) \
  { seq, entries, n, G_STRUCT_OFFSET (SyncobjViewEntry, mirror_node), G_STRUCT_OFFSET (SyncobjViewEntry, mirror_iter) }
#define SORTED_FILL(seq, entries, n) \
  { seq, entries, n, G_STRUCT_OFFSET (SyncobjViewEntry, sorted_node), G_STRUCT_OFFSET (SyncobjViewEntry, sorted_iter) }

static gpointer
view_seq_fill (gpointer data)
{
  SeqFill *fill = data;

  for (guint i = 0; i < fill->n; i++)
    G_STRUCT_MEMBER (SyncobjViewSeqIter *, fill->entries[i], fill->iter_offset) =
      &G_STRUCT_MEMBER (SyncobjViewSeqIter, fill->entries[i], fill->node_offset);
  _syncobj_view_seq_build (fill->seq, (gpointer *) fill->entries, fill->node_offset, fill->n);
  return NULL;
}

/* Announces the whole window, now of the @n_passing entries in
 * self->sorted (@old_window items before, of @old_matched). */
static void
view_announce_all (SyncobjView *self,
                   guint        old_window,
                   guint        old_matched,
                   guint        n_passing)
{
  guint new_window = _syncobj_view_window_length (self, n_passing);

  if (old_matched != n_passing)
    _syncobj_view_notify_n_matched (self);
  _syncobj_view_emit (self, 0, old_window, new_window);
  if (old_window == new_window && old_window > 0)
    _syncobj_view_notify_n_items (self);
}

/* Filters and sorts every entry again, and announces the whole window;
 * with @rederive, after reading every value again. */
static void
view_rebuild (SyncobjView *self,
              guint        old_window,
              gboolean     rederive)
{
  guint old_matched = _syncobj_view_seq_get_length (self->sorted);
  g_autofree SyncobjViewEntry **passing = g_new (SyncobjViewEntry *, MAX (_syncobj_view_seq_get_length (self->mirror), 1));
  guint n_passing = 0;
  SyncobjViewSeqIter *iter;

  g_assert (!self->change_open);
  self->cache_iter = NULL;
  _syncobj_view_seq_clear (self->sorted);

  for (iter = _syncobj_view_seq_get_begin_iter (self->mirror); !_syncobj_view_seq_iter_is_end (iter); iter = _syncobj_view_seq_iter_next (iter))
    {
      SyncobjViewEntry *entry = _syncobj_view_seq_get (iter);

      entry->sorted_iter = NULL;
    }
  if (rederive)
    view_rederive (self);
  for (iter = _syncobj_view_seq_get_begin_iter (self->mirror); !_syncobj_view_seq_iter_is_end (iter); iter = _syncobj_view_seq_iter_next (iter))
    {
      SyncobjViewEntry *entry = _syncobj_view_seq_get (iter);

      if (entry_passes (self, entry))
        passing[n_passing++] = entry;
    }

  {
    SeqFill fill = SORTED_FILL (self->sorted, passing, n_passing);

    /* An entry's sort keys are compared in full only among equal prefixes. */
    _syncobj_view_sort_entries (self, passing, n_passing);
    view_seq_fill (&fill);
  }
  view_announce_all (self, old_window, old_matched, n_passing);
}

/* Holds the records of every entry, or none, as the filter needs. */
void
_syncobj_view_update_holds (SyncobjView *self)
{
  gboolean hold = view_holds_records (self);
  SyncobjViewSeqIter *iter;

  for (iter = _syncobj_view_seq_get_begin_iter (self->mirror); !_syncobj_view_seq_iter_is_end (iter); iter = _syncobj_view_seq_iter_next (iter))
    {
      SyncobjViewEntry *entry = _syncobj_view_seq_get (iter);

      entry_release (entry);
      if (hold)
        entry_hold (entry, NULL);
    }
}

void
_syncobj_view_refilter_all (SyncobjView *self,
                            gboolean     rederive)
{
  if (rederive)
    g_clear_pointer (&self->member_names, g_ptr_array_unref);
  if (self->populated)
    view_rebuild (self, _syncobj_view_window_length (self, _syncobj_view_seq_get_length (self->sorted)), rederive);
}

/* ---- following the source -------------------------------------------------- */

/* An item of the source, as read after its items-changed. */
typedef struct
{
  const char    *key;      /* the record's, or the collection row's */
  JsonObject    *value;    /* owned */
  char          *packed;   /* owned: a packed row's text, read from the collection */
  SyncobjRecord *record;   /* owned; NULL when read from the collection */
} SourceItem;

static void
source_item_clear (gpointer data)
{
  SourceItem *item = data;

  g_clear_pointer (&item->value, json_object_unref);
  g_clear_pointer (&item->packed, g_free);
  g_clear_object (&item->record);
}

/* Reads the items [@position, @position + @n) of the source: from a
 * collection without making records, unless the view holds them. */
static GArray *
source_items_read (SyncobjView *self,
                   guint        position,
                   guint        n)
{
  GArray *items = g_array_sized_new (FALSE, TRUE, sizeof (SourceItem), n);
  gboolean peek = SYNCOBJ_IS_COLLECTION (self->source) && !view_holds_records (self);

  g_array_set_clear_func (items, source_item_clear);
  g_array_set_size (items, n);
  for (guint i = 0; i < n; i++)
    {
      SourceItem *item = &g_array_index (items, SourceItem, i);
      JsonObject *value;

      if (peek)
        {
          const char *packed;

          /* Copied: announcing one change may run code that changes the
           * collection before the next item is read. */
          value = _syncobj_collection_peek_item (self->collection, position + i, &item->key, &packed);
          item->value = value != NULL ? json_object_ref (value) : NULL;
          item->packed = g_strdup (packed);
          continue;
        }
      item->record = g_list_model_get_item (self->source, position + i);
      item->key = syncobj_record_get_key (item->record);
      value = syncobj_record_get_value (item->record);
      item->value = value != NULL ? json_object_ref (value) : NULL;
    }

  return items;
}

/* The entry of @item changed, or is new. */
static void
entry_update (SyncobjView      *self,
              SyncobjViewEntry *entry,
              SourceItem       *item)
{
  SyncobjViewValue value = { item->value, item->packed };

  /* A packed row's text is read afresh for each change. */
  if (item->packed != NULL || item->value != entry->value || entry->sorted_iter == NULL)
    entry_refresh (self, entry, &value);
}

/* Whether the @n entries from @first hold the keys of @items: records
 * changed in place, the common case of a sync commit or a write. */
static gboolean
entries_match (SyncobjViewSeqIter *first,
               GArray        *items)
{
  SyncobjViewSeqIter *iter = first;

  for (guint i = 0; i < items->len; i++, iter = _syncobj_view_seq_iter_next (iter))
    {
      SyncobjViewEntry *entry = _syncobj_view_seq_get (iter);

      if (strcmp (entry->key, g_array_index (items, SourceItem, i).key) != 0)
        return FALSE;
    }
  return TRUE;
}

/* Takes the @removed entries from @first out of the mirror. */
static GPtrArray *
mirror_take (SyncobjView   *self,
             SyncobjViewSeqIter *first,
             guint          removed,
             SyncobjViewSeqIter **end)
{
  GPtrArray *old = g_ptr_array_sized_new (removed);
  SyncobjViewSeqIter *iter = first;

  for (guint i = 0; i < removed; i++, iter = _syncobj_view_seq_iter_next (iter))
    g_ptr_array_add (old, _syncobj_view_seq_get (iter));
  *end = iter;

  for (guint i = 0; i < removed; i++)
    _syncobj_view_seq_remove (((SyncobjViewEntry *) g_ptr_array_index (old, i))->mirror_iter);

  return old;
}

/* Keys removed and added again (records changed in place, when they
 * are not in the same order) keep their entries. */
static SyncobjViewEntry *
old_entry_take (GPtrArray   *old,
                GHashTable  *by_key,
                const char  *key)
{
  SyncobjViewEntry *entry = NULL;

  if (by_key != NULL)
    {
      entry = g_hash_table_lookup (by_key, key);
      if (entry != NULL)
        g_hash_table_remove (by_key, key);
      return entry;
    }

  for (guint j = 0; j < old->len; j++)
    if (strcmp (((SyncobjViewEntry *) g_ptr_array_index (old, j))->key, key) == 0)
      return g_ptr_array_steal_index (old, j);
  return NULL;
}

/* The general case: entries leave and arrive. */
static void
source_items_replace (SyncobjView   *self,
                      SyncobjViewSeqIter *first,
                      guint          removed,
                      GArray        *items)
{
  SyncobjViewSeqIter *end;
  g_autoptr(GPtrArray) old = mirror_take (self, first, removed, &end);
  g_autoptr(GHashTable) by_key = NULL;
  g_autoptr(GPtrArray) changed = g_ptr_array_sized_new (items->len);

  if (removed > 4 && items->len > 0)
    {
      by_key = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; i < old->len; i++)
        g_hash_table_insert (by_key, ((SyncobjViewEntry *) g_ptr_array_index (old, i))->key, g_ptr_array_index (old, i));
    }

  for (guint i = 0; i < items->len; i++)
    {
      SourceItem *item = &g_array_index (items, SourceItem, i);
      SyncobjViewEntry *entry = old_entry_take (old, by_key, item->key);

      if (entry == NULL)
        {
          entry = entry_new_for_key (self, item->key);
          if (view_holds_records (self))
            entry_hold (entry, item->record);
        }
      g_ptr_array_add (changed, entry);
      entry->mirror_iter = _syncobj_view_seq_insert_before (end, &entry->mirror_node, entry);
    }

  for (guint i = 0; i < old->len; i++)
    {
      SyncobjViewEntry *entry = g_ptr_array_index (old, i);

      if (by_key != NULL && g_hash_table_lookup (by_key, entry->key) != entry)
        continue;   /* kept */
      entry_unplace (self, entry);
      entry_free (entry);
    }

  for (guint i = 0; i < changed->len; i++)
    entry_update (self, g_ptr_array_index (changed, i), &g_array_index (items, SourceItem, i));
}

/* The common change of a sync commit or a write: one record of a
 * collection changed in place. Read without a copy, as nothing is
 * announced before the entry is updated. FALSE: not that case. */
static gboolean
source_item_update_in_place (SyncobjView   *self,
                             guint          position,
                             SyncobjViewSeqIter *iter)
{
  SourceItem item = { NULL, NULL, NULL, NULL };
  SyncobjViewEntry *entry;
  const char *packed;

  if (!SYNCOBJ_IS_COLLECTION (self->source) || view_holds_records (self) ||
      self->change_open || _syncobj_view_seq_iter_is_end (iter))
    return FALSE;

  item.value = _syncobj_collection_peek_item (self->collection, position, &item.key, &packed);
  entry = _syncobj_view_seq_get (iter);
  if (strcmp (entry->key, item.key) != 0)
    return FALSE;

  item.packed = (char *) packed;   /* borrowed, not cleared */
  entry_update (self, entry, &item);
  view_flush (self);
  return TRUE;
}

void
_syncobj_view_source_items_changed_cb (GListModel  *source,
                                       guint        position,
                                       guint        removed,
                                       guint        added,
                                       SyncobjView *self)
{
  g_autoptr(GArray) items = NULL;
  SyncobjViewSeqIter *first = _syncobj_view_seq_get_iter_at_pos (self->mirror, position);

  if (removed == 1 && added == 1 && source_item_update_in_place (self, position, first))
    return;

  items = source_items_read (self, position, added);
  if (removed == added && entries_match (first, items))
    {
      SyncobjViewSeqIter *iter = first;

      for (guint i = 0; i < added; i++, iter = _syncobj_view_seq_iter_next (iter))
        entry_update (self, _syncobj_view_seq_get (iter), &g_array_index (items, SourceItem, i));
    }
  else
    source_items_replace (self, first, removed, items);

  view_flush (self);
}

/* The entry of the record the collection just re-keyed from
 * @temporary_key to @key, if this view has it under the temporary key:
 * found by the record's position when the source is the collection, else
 * by a walk. */
static SyncobjViewEntry *
mirror_find_rekeyed (SyncobjView *self,
                     const char  *temporary_key,
                     const char  *key)
{
  SyncobjViewSeqIter *iter;
  guint position;

  if (SYNCOBJ_IS_COLLECTION (self->source))
    {
      SyncobjViewEntry *entry;

      if (!_syncobj_collection_find_position (self->collection, key, &position) ||
          position >= (guint) _syncobj_view_seq_get_length (self->mirror))
        return NULL;
      entry = _syncobj_view_seq_get (_syncobj_view_seq_get_iter_at_pos (self->mirror, position));
      return strcmp (entry->key, temporary_key) == 0 ? entry : NULL;
    }

  for (iter = _syncobj_view_seq_get_begin_iter (self->mirror); !_syncobj_view_seq_iter_is_end (iter); iter = _syncobj_view_seq_iter_next (iter))
    {
      SyncobjViewEntry *entry = _syncobj_view_seq_get (iter);

      if (strcmp (entry->key, temporary_key) == 0)
        return entry;
    }
  return NULL;
}

void
_syncobj_view_key_assigned_cb (SyncobjCollection *collection,
                               const char        *temporary_key,
                               const char        *key,
                               SyncobjView       *self)
{
  SyncobjViewEntry *entry = mirror_find_rekeyed (self, temporary_key, key);
  g_autoptr(SyncobjRecord) record = NULL;
  SyncobjViewSeqIter *iter;

  if (entry == NULL)
    return;   /* not in this view's source, or followed already */

  record = syncobj_collection_lookup (collection, key);
  iter = g_steal_pointer (&entry->sorted_iter);
  entry_set_key (entry, key);
  entry_set_object (entry, record != NULL ? syncobj_record_get_value (record) : NULL);
  entry->sorted_iter = iter;
  /* As in the collection, a record that keeps its place is re-keyed
   * without items-changed: its notify::key says it. One that no longer
   * sorts there, or leaves the view, moves like any other. */
  if (iter != NULL && entry_stays (self, entry))
    return;
  entry_unplace (self, entry);
  entry_place (self, entry);
  view_flush (self);
}

gboolean
_syncobj_view_find_position (SyncobjView *self,
                             const char  *key,
                             guint       *position)
{
  SyncobjViewEntry *entry = mirror_find_rekeyed (self, key, key);
  guint sorted;

  if (entry == NULL || entry->sorted_iter == NULL)
    return FALSE;
  sorted = _syncobj_view_seq_iter_get_position (entry->sorted_iter);
  if (sorted < self->offset ||
      sorted - self->offset >= _syncobj_view_window_length (self, _syncobj_view_seq_get_length (self->sorted)))
    return FALSE;
  *position = sorted - self->offset;
  return TRUE;
}

/* ---- the build ------------------------------------------------------------------ */

/* Builds of at least this many records read and sort them on two threads. */
#define PARALLEL_MIN_DEFAULT 20000

static guint parallel_min = PARALLEL_MIN_DEFAULT;

void
_syncobj_view_set_parallel_min (guint n)
{
  parallel_min = n > 0 ? n : PARALLEL_MIN_DEFAULT;
}

gboolean
_syncobj_view_build_in_parallel (guint n)
{
  return n >= parallel_min;
}

void
_syncobj_view_run_two (GThreadFunc func,
                       gpointer    first,
                       gpointer    second)
{
  GThread *thread = g_thread_try_new ("syncobj-view-build", func, second, NULL);

  func (first);
  if (thread != NULL)
    g_thread_join (thread);
  else
    func (second);
}

/* A row of the collection to read into its entry: its key and packed
 * text, which nothing changes during the build. */
typedef struct
{
  const char *key;
  const char *packed;   /* NULL: read already */
} BuildRow;

typedef struct
{
  SyncobjView       *view;
  SyncobjViewEntry  *block;      /* room for n_block entries */
  guint              n_block;
  guint              n;          /* entries so far */
  SyncobjViewEntry **entries;    /* in the source's order: block's */
  BuildRow          *rows;       /* of a collection: one per entry */
} Build;

#if defined(__linux__) && defined(MADV_HUGEPAGE)
#define HUGE_PAGE_SIZE ((gsize) 2 << 20)
#endif

/* Room for @n entries of a build, in one block, not cleared: each entry
 * is cleared by whoever fills it, so that its pages are first touched
 * there. A big block asks for huge pages (Linux): a build of 100,000
 * entries otherwise spends a third of its time in 7,000 page faults. */
static SyncobjViewEntry *
view_add_entry_block (SyncobjView *self,
                      guint        n)
{
  gsize size = sizeof (SyncobjViewEntry) * MAX (n, 1);
  gpointer block = NULL;

#ifdef HUGE_PAGE_SIZE
  if (size >= 4 * HUGE_PAGE_SIZE && posix_memalign (&block, HUGE_PAGE_SIZE, size) == 0)
    madvise (block, size, MADV_HUGEPAGE);
  else
    block = NULL;
#endif
  if (block == NULL)
    block = g_malloc (size);

  if (self->entry_blocks == NULL)
    self->entry_blocks = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->entry_blocks, block);
  return block;
}

/* The next entry of the build, for @key: there is one per item of the
 * source, which does not change during the build. */
static SyncobjViewEntry *
build_entry_new (Build      *build,
                 const char *key)
{
  SyncobjViewEntry *entry;

  g_assert (build->n < build->n_block);
  entry = memset (&build->block[build->n], 0, sizeof *entry);
  entry->in_block = TRUE;
  entry->view = build->view;
  entry_set_key (entry, key);
  build->entries[build->n++] = entry;
  return entry;
}

/* A row of packed text is only noted, to be read by build_part_read();
 * the others are read here. */
static void
build_row_cb (const char *key,
              const char *packed,
              JsonObject *object,
              gpointer    data)
{
  Build *build = data;
  SyncobjViewValue value = { object, packed };

  g_assert (build->n < build->n_block);
  if (packed != NULL)
    {
      build->rows[build->n] = (BuildRow) { key, packed };
      build->entries[build->n] = &build->block[build->n];
      build->n++;
      return;
    }
  entry_set_value (build_entry_new (build, key), &value);
  build->rows[build->n - 1] = (BuildRow) { key, NULL };
}

/* The entries [start, end) of a build from a collection, read on a thread
 * of their own: nothing there but the entries, the immutable packed
 * text, and the view's condition and sort, read only. */
typedef struct
{
  Build             *build;
  guint              start;
  guint              end;
  SyncobjViewEntry **passing;    /* room for end - start */
  guint              n_passing;
} BuildPart;

static gpointer
build_part_read (gpointer data)
{
  BuildPart *part = data;
  Build *build = part->build;

  for (guint i = part->start; i < part->end; i++)
    {
      SyncobjViewEntry *entry = build->entries[i];

      if (build->rows[i].packed != NULL)
        {
          SyncobjViewValue value = { NULL, build->rows[i].packed };

          memset (entry, 0, sizeof *entry);
          entry->in_block = TRUE;
          entry->view = build->view;
          entry_set_key (entry, build->rows[i].key);
          entry_derive (entry, &value);
        }
      if (entry_passes (build->view, entry))
        part->passing[part->n_passing++] = entry;
    }
  return NULL;
}

/* Reads the rows of a collection into their entries, on two threads for
 * a big one, and returns those that pass, in the source's order. */
static SyncobjViewEntry **
build_read_collection (Build *build,
                       guint *n_passing)
{
  SyncobjViewEntry **passing;
  BuildPart parts[2] = { { build }, { build } };
  guint n_parts = _syncobj_view_build_in_parallel (build->n_block) ? 2 : 1;

  build->rows = g_new (BuildRow, MAX (build->n_block, 1));
  _syncobj_collection_foreach_value (build->view->collection, build_row_cb, build);

  view_member_names (build->view);   /* made here, read there */
  passing = g_new (SyncobjViewEntry *, MAX (build->n, 1));
  parts[0].end = n_parts == 2 ? build->n / 2 : build->n;
  parts[0].passing = passing;
  parts[1].start = parts[0].end;
  parts[1].end = build->n;
  parts[1].passing = passing + parts[0].end;
  if (n_parts == 2)
    _syncobj_view_run_two (build_part_read, &parts[0], &parts[1]);
  else
    build_part_read (&parts[0]);

  memmove (passing + parts[0].n_passing, parts[1].passing, parts[1].n_passing * sizeof *passing);
  *n_passing = parts[0].n_passing + parts[1].n_passing;
  g_clear_pointer (&build->rows, g_free);
  return passing;
}

void
_syncobj_view_populate (SyncobjView *self)
{
  guint n = g_list_model_get_n_items (self->source);
  g_autofree SyncobjViewEntry **entries = g_new (SyncobjViewEntry *, MAX (n, 1));
  g_autofree SyncobjViewEntry **passing = NULL;
  Build build = { self, view_add_entry_block (self, n), n, 0, entries, NULL };
  guint n_passing = 0;

  /* From a collection, without making a record per row. */
  if (SYNCOBJ_IS_COLLECTION (self->source) && !view_holds_records (self))
    passing = build_read_collection (&build, &n_passing);
  else
    {
      passing = g_new (SyncobjViewEntry *, MAX (n, 1));
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(SyncobjRecord) record = g_list_model_get_item (self->source, i);
          SyncobjViewEntry *entry = build_entry_new (&build, syncobj_record_get_key (record));

          if (view_holds_records (self))
            entry_hold (entry, record);
          entry_set_object (entry, syncobj_record_get_value (record));
          if (entry_passes (self, entry))
            passing[n_passing++] = entry;
        }
    }

  _syncobj_view_sort_entries (self, passing, n_passing);

  /* The source's order and the view's, each built at once: in fields of
   * their own of the entries, so a big build fills them side by side. */
  {
    SeqFill fills[2] = { SORTED_FILL (self->sorted, passing, n_passing),
                         MIRROR_FILL (self->mirror, build.entries, build.n) };

    if (_syncobj_view_build_in_parallel (build.n))
      _syncobj_view_run_two (view_seq_fill, &fills[0], &fills[1]);
    else
      {
        view_seq_fill (&fills[0]);
        view_seq_fill (&fills[1]);
      }
  }

  self->populated = TRUE;
  self->cache_iter = NULL;
  view_announce_all (self, 0, 0, n_passing);
}

/* Frees every entry (the view's dispose). */
void
_syncobj_view_clear_entries (SyncobjView *self)
{
  g_autoptr(GPtrArray) blocks = g_steal_pointer (&self->entry_blocks);
  g_autoptr(GPtrArray) entries = NULL;
  SyncobjViewSeqIter *iter;

  self->cache_iter = NULL;
  g_clear_pointer (&self->free_entries, g_ptr_array_unref);
  if (self->sorted != NULL)
    _syncobj_view_seq_clear (self->sorted);
  if (self->mirror == NULL)
    return;
  /* The nodes are in the entries: the walk is over before they go. */
  entries = g_ptr_array_sized_new (_syncobj_view_seq_get_length (self->mirror));
  for (iter = _syncobj_view_seq_get_begin_iter (self->mirror); !_syncobj_view_seq_iter_is_end (iter); iter = _syncobj_view_seq_iter_next (iter))
    g_ptr_array_add (entries, _syncobj_view_seq_get (iter));
  _syncobj_view_seq_clear (self->mirror);
  for (guint i = 0; i < entries->len; i++)
    entry_free (g_ptr_array_index (entries, i));
}
