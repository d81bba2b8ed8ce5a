/* syncobj-overlay.c: the optimistic overlay of a collection
 *
 * Every key has a row: its synced value, the layers (pending mutations) of
 * the transactions writing to it, in creation order, and the visible value
 * composed from both. Sync writes to a locked key are held in its row until
 * the last lock releases, then applied in the same step that drops the
 * retired layers, so the record never flickers back to an old value.
 *
 * The overlay tells the collection's list model what became visible, left
 * or changed through the SyncobjOverlayViewFuncs it was handed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-overlay-rows-private.h"
#include "syncobj-json-parser-private.h"
#include "syncobj-json-scan-private.h"
#include "syncobj-json-util-private.h"
#include "syncobj-json-writer-private.h"
#include "syncobj-queue-private.h"
#include "syncobj-record-private.h"


/* ---- rows ------------------------------------------------------------------ */

static void
row_free (gpointer data)
{
  SyncobjRow *row = data;

  /* The layers first: they may read the packed text. */
  _syncobj_row_clear_layers (row);
  if (!row->inline_key)
    g_free (row->key);
  if (row->packed_owned)
    _syncobj_shared_text_unref (row->packed);
  g_clear_pointer (&row->synced, json_object_unref);
  g_clear_pointer (&row->visible, json_object_unref);
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

SyncobjRow *
_syncobj_overlay_find (SyncobjOverlay *self,
                       const char     *key)
{
  SyncobjRow probe = { .key = (char *) key };

  return _syncobj_table_lookup (self->rows, &probe);
}

SyncobjTable *
_syncobj_overlay_peek_rows (SyncobjOverlay *self)
{
  return self->rows;
}

/* The row is no longer packed. */
void
_syncobj_row_drop_packed (SyncobjRow *row)
{
  if (row->layers != NULL && row->packed != NULL)
    _syncobj_row_layers_keep_original (row);
  if (row->packed_owned)
    _syncobj_shared_text_unref (row->packed);
  row->packed = NULL;
  row->packed_owned = FALSE;
}

/* The JsonObject of a packed row's text (transfer full). */
static JsonObject *
row_packed_value (SyncobjRow *row)
{
  JsonObject *value = _syncobj_json_object_from_text (row->packed, -1);

  return value != NULL ? value : _syncobj_json_merge (NULL, NULL);  /* not reached: checked on load */
}

/* Builds the JsonObject of a packed row. A packed row's record holds its
 * value, built from the same text: the row takes that object, so the
 * record sees no change. */
void
_syncobj_row_thaw (SyncobjRow *row)
{
  if (G_LIKELY (row->packed == NULL))
    return;

  if (_syncobj_row_has_text_layers (row))
    {
      _syncobj_row_thaw_text (row);
      return;
    }

  if (row->record != NULL)
    row->synced = json_object_ref (syncobj_record_get_synced_value (row->record));
  else
    row->synced = row_packed_value (row);
  _syncobj_row_drop_packed (row);
  row->visible = json_object_ref (row->synced);
}

/* Every access to a row's values goes through here (or _syncobj_overlay_row_ensure). */
SyncobjRow *
_syncobj_overlay_lookup (SyncobjOverlay *self,
                         const char     *key)
{
  SyncobjRow *row = _syncobj_overlay_find (self, key);

  if (row != NULL)
    _syncobj_row_thaw (row);
  return row;
}

SyncobjRow *
_syncobj_overlay_row_ensure (SyncobjOverlay *self,
            const char     *key)
{
  SyncobjRow *row = _syncobj_overlay_lookup (self, key);

  if (row == NULL)
    {
      row = g_new0 (SyncobjRow, 1);
      row->key = g_strdup (key);
      _syncobj_table_add (self->rows, row);
    }

  return row;
}

/* Rows exist while anything refers to their key. */
void
_syncobj_overlay_row_maybe_free (SyncobjOverlay *self,
                                 SyncobjRow     *row)
{
  if (row->synced == NULL && row->visible == NULL && row->packed == NULL && row->record == NULL &&
      row->iter == NULL && !row->pending_append &&
      row->layers == NULL &&
      (row->held == NULL || row->held->len == 0))
    {
      if (row->mark == self->mark)
        self->n_marked--;
      self->rows_epoch++;
      _syncobj_table_remove (self->rows, row);
    }
}

guint
_syncobj_overlay_get_rows_epoch (SyncobjOverlay *self)
{
  return self->rows_epoch;
}

/* Whether @row holds a value, synced, visible or waiting. */
static gboolean
row_holds_value (SyncobjRow *row)
{
  return row->synced != NULL || row->visible != NULL || row->packed != NULL ||
         (row->held != NULL && row->held->len > 0);
}

gboolean
_syncobj_overlay_check_key_type (SyncobjOverlay  *self,
                                 SyncobjRow      *row,
                                 gboolean         key_is_int,
                                 GError         **error)
{
  if (row == NULL || !row_holds_value (row) || row->int_key == key_is_int)
    return TRUE;

  if (row->int_key)
    g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_KEY_EXISTS,
                 _("Collection “%s” holds the integer key %s: a record with the string key “%s” cannot be held beside it"),
                 self->collection_id, row->key, row->key);
  else
    g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_KEY_EXISTS,
                 _("Collection “%s” holds the string key “%s”: a record with the integer key %s cannot be held beside it"),
                 self->collection_id, row->key, row->key);
  return FALSE;
}

static gboolean
row_is_pending (SyncobjRow *row)
{
  guint n = _syncobj_row_get_n_layers (row);

  for (guint i = 0; i < n; i++)
    if (!_syncobj_row_peek_layer (row, i)->retired)
      return TRUE;
  return FALSE;
}

/* Whether the merge function, not the layers, makes the visible value. */
static gboolean
overlay_merges (SyncobjOverlay *self)
{
  return !self->ordered && self->merge_func != NULL;
}

/* ---- composing the visible value ------------------------------------------ */

/* Applies the changes of @mutation to @value (transfer full). */
static JsonObject *
layer_apply (JsonObject             *value,
             SyncobjPendingMutation *mutation)
{
  JsonObject *merged;

  switch (mutation->type)
    {
    case SYNCOBJ_MUTATION_TYPE_INSERT:
      /* Sealed changes are an immutable snapshot: shared, not copied,
       * when there is nothing to merge them into. */
      merged = value != NULL || !json_object_is_immutable (mutation->changes)
               ? _syncobj_json_merge (value, mutation->changes)
               : json_object_ref (mutation->changes);
      g_clear_pointer (&value, json_object_unref);
      return merged;
    case SYNCOBJ_MUTATION_TYPE_UPDATE:
      if (mutation->replaces)
        {
          g_clear_pointer (&value, json_object_unref);
          return json_object_ref (mutation->changes);
        }
      if (value != NULL)
        {
          merged = _syncobj_json_merge (value, mutation->changes);
          g_clear_pointer (&value, json_object_unref);
          return merged;
        }
      if (mutation->restored && mutation->modified != NULL)
        /* After a restart the synced value may not be known yet. */
        return json_object_ref (mutation->modified);
      return NULL;
    case SYNCOBJ_MUTATION_TYPE_DELETE:
      g_clear_pointer (&value, json_object_unref);
      return NULL;
    default:
      g_assert_not_reached ();
    }
}

JsonObject *
_syncobj_overlay_compose (JsonObject *synced,
                          GPtrArray  *mutations)
{
  JsonObject *value = synced != NULL ? json_object_ref (synced) : NULL;

  for (guint i = 0; mutations != NULL && i < mutations->len; i++)
    {
      SyncobjPendingMutation *mutation = g_ptr_array_index (mutations, i);

      /* A write kept as text gets its objects. */
      _syncobj_pending_mutation_ensure (mutation);
      value = layer_apply (value, mutation);
    }
  return value;
}

/* visible = synced with every layer's changes applied in creation order. */
static JsonObject *
row_compose (SyncobjOverlay *self,
             SyncobjRow     *row)
{
  JsonObject *value;
  guint n = _syncobj_row_get_n_layers (row);

  if (n == 0)
    return row->synced != NULL ? json_object_ref (row->synced) : NULL;

  if (overlay_merges (self))
    {
      GPtrArray *layers = _syncobj_row_peek_layer_array (row);
      g_autoptr(GPtrArray) one = NULL;

      /* The merge function takes an array, even of one layer. */
      if (layers == NULL)
        {
          layers = one = g_ptr_array_new_full (1, g_object_unref);
          g_ptr_array_add (one, g_object_ref (row->layers));
        }
      /* A write from the merge function would compose the row again, and
       * call it again, without end: the collection refuses writes
       * meanwhile (_syncobj_overlay_is_merging()). */
      self->merging++;
      value = self->merge_func (self->collection, row->key, row->synced, layers, self->merge_data);
      self->merging--;
      return value;
    }

  value = row->synced != NULL ? json_object_ref (row->synced) : NULL;
  for (guint i = 0; i < n; i++)
    value = layer_apply (value, _syncobj_row_peek_layer (row, i));

  return value;
}

/* Sets the visible value of @row to @value (transfer full: what
 * row_compose() gives) and announces the change, if any: to the list
 * model, and notify on the record. */
static void
row_refresh_to_full (SyncobjOverlay *self,
                     SyncobjRow     *row,
                     JsonObject     *value,
                     gboolean        known_different)
{
  g_autoptr(SyncobjRecord) keep_record = NULL;
  g_autoptr(JsonObject) old = NULL;

  if (row->visible != NULL && value == NULL)
    self->funcs->flush (self->view);

  /* A handler of ::items-changed or ::notify may drop the last reference
   * to the record (a list view unbinding the removed row does); the row
   * must outlive this function, so the record stays alive until its end
   * and the row is freed from overlay_record_gone() after it. Taken after
   * the flush, whose handlers may have made the record. */
  keep_record = row->record != NULL ? g_object_ref (row->record) : NULL;
  old = g_steal_pointer (&row->visible);

  if (!known_different && old != NULL && value != NULL && old != value && _syncobj_json_equal (old, value))
    {
      /* Same content: keep the old snapshot, so nothing flickers. */
      json_object_unref (value);
      value = json_object_ref (old);
    }
  row->visible = value;
  if (old == NULL && value != NULL)
    {
      /* Read when the record appears: no write changes the type of a
       * visible record's key (updates must not, sync writes set it). */
      row->int_key = _syncobj_json_key_is_int (value, self->key_member);
    }

  /* The record first, so that whoever handles items-changed (a filter
   * model, a view) reads the new value from it. */
  if (row->record != NULL)
    _syncobj_record_update (row->record, row->visible, row->synced, row_is_pending (row));

  if (old == NULL && value != NULL)
    self->funcs->appear (self->view, row);
  else if (old != NULL && value == NULL)
    self->funcs->disappear (self->view, row);
  else if (old != NULL && value != NULL && old != value)
    self->funcs->changed (self->view, row);

  _syncobj_overlay_row_maybe_free (self, row);
}

/* Recomputes the visible value of @row and announces the change. */
void
_syncobj_overlay_row_refresh (SyncobjOverlay *self,
             SyncobjRow     *row)
{
  row_refresh_to_full (self, row, row_compose (self, row), FALSE);
}

/* ---- sync writes ------------------------------------------------------------ */

void
_syncobj_sync_write_clear (SyncobjSyncWrite *write)
{
  if (write->key_borrowed)
    write->key = NULL;
  else
    g_clear_pointer (&write->key, g_free);
  g_clear_pointer (&write->value, json_object_unref);
  write->packed = NULL;
  g_clear_pointer (&write->arena, g_bytes_unref);
}

/* Whether @write holds its record as text only, without its object. */
static inline gboolean
sync_write_is_text_only (const SyncobjSyncWrite *write)
{
  return write->value == NULL && write->packed != NULL && write->type != SYNCOBJ_MUTATION_TYPE_DELETE;
}

void
_syncobj_sync_write_ensure_value (SyncobjSyncWrite *write)
{
  if (sync_write_is_text_only (write))
    write->value = _syncobj_json_object_from_text (write->packed, write->packed_length);
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

/* The synced value after the update @write: @confirmed is the update
 * whose layer the row shows alone, ending now, or NULL; a write that sets
 * what it set makes its value the synced one. */
static JsonObject *
row_merge_sync_update (SyncobjRow             *row,
                       SyncobjSyncWrite       *write,
                       SyncobjPendingMutation *confirmed)
{
  /* A server usually sends whole records: then the merge is the (sealed)
   * record itself, and nothing needs copying. An echo that confirms the
   * optimistic value makes that value the synced one. */
  if (row->synced == NULL || json_covers (write->value, row->synced))
    return json_object_ref (write->value);
  if (confirmed != NULL && confirmed->merged && confirmed->type == SYNCOBJ_MUTATION_TYPE_UPDATE &&
      confirmed->original == row->synced && row->visible != NULL &&
      confirmed->modified == row->visible && json_object_is_immutable (row->visible) &&
      _syncobj_json_same_update (row->synced, confirmed->changes, write->value))
    return json_object_ref (row->visible);   /* the common echo, checked cheaply */
  if (confirmed != NULL && confirmed->replaces && confirmed->modified != NULL &&
      json_covers (write->value, confirmed->modified))
    return json_object_ref (write->value);   /* the echo of a replacement: a whole record */
  if (row->visible != NULL && row->visible != row->synced &&
      json_object_is_immutable (row->visible) &&
      _syncobj_json_merge_is (row->synced, write->value, row->visible))
    return json_object_ref (row->visible);
  return _syncobj_json_merge (row->synced, write->value);
}

/* @confirmed: see row_merge_sync_update(). */
void
_syncobj_row_apply_sync_write (SyncobjRow             *row,
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
      synced = row_merge_sync_update (row, write, confirmed);
      break;
    case SYNCOBJ_MUTATION_TYPE_DELETE:
      break;
    default:
      g_assert_not_reached ();
    }

  g_clear_pointer (&row->synced, json_object_unref);
  row->synced = synced;
}

void
_syncobj_row_hold_sync_write (SyncobjRow       *row,
                     SyncobjSyncWrite *write)
{
  /* A key that lives in the (sealed) value stays there: the copy keeps
   * the value. Keys of packed records live in the commit's arena. */
  gboolean borrow = write->key_borrowed && write->value != NULL && write->arena == NULL && write->packed == NULL;
  SyncobjSyncWrite copy = {
    write->type,
    borrow ? write->key : NULL,
    write->value != NULL ? json_object_ref (write->value) : NULL,
    borrow,
    .key_is_int = write->key_is_int,
  };

  if (sync_write_is_text_only (write))
    {
      /* Text without its object (held by a row with an update kept as
       * text): the key and the text in one block, owned through the key. */
      gsize key_length = strlen (write->key);
      char *block = g_malloc (key_length + 1 + write->packed_length + 1);
      char *packed = block + key_length + 1;

      memcpy (block, write->key, key_length + 1);
      memcpy (packed, write->packed, write->packed_length);
      packed[write->packed_length] = '\0';
      copy.key = block;
      copy.packed = packed;
      copy.packed_length = write->packed_length;
    }
  else if (!borrow)
    copy.key = g_strdup (write->key);

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
row_release (SyncobjOverlay         *self,
             SyncobjRow             *row,
             SyncobjPendingMutation *confirmed)
{
  for (guint i = 0; row->held != NULL && i < row->held->len; i++)
    {
      SyncobjSyncWrite *write = &g_array_index (row->held, SyncobjSyncWrite, i);

      _syncobj_sync_write_ensure_value (write);
      _syncobj_row_apply_sync_write (row, write, i == 0 ? confirmed : NULL);
    }
  /* A small array is kept for the next hold (see row_sync()). */
  if (row->held != NULL && row->held->len <= 4 && self->spare_held == NULL)
    {
      g_array_set_size (row->held, 0);
      self->spare_held = g_steal_pointer (&row->held);
    }
  g_clear_pointer (&row->held, g_array_unref);

  for (guint i = _syncobj_row_get_n_layers (row); i > 0; i--)
    if (_syncobj_row_peek_layer (row, i - 1)->retired)
      _syncobj_row_remove_layer_index (row, i - 1);
}

/* ---- records ------------------------------------------------------------- */

/* The live record of @row was finalized. */
static void
overlay_record_gone (gpointer owner,
                     gpointer data)
{
  SyncobjOverlay *self = owner;
  SyncobjRow *row = data;

  row->record = NULL;
  self->n_records--;
  _syncobj_overlay_row_maybe_free (self, row);
}

SyncobjRecord *
_syncobj_overlay_get_record (SyncobjOverlay *self,
                             SyncobjRow     *row)
{
  SyncobjWeak *collection;

  if (row->record != NULL)
    return g_object_ref (row->record);

  /* The collection's one handle, looked up once: each record takes a
   * reference to it. */
  if (G_UNLIKELY (self->collection_weak == NULL))
    self->collection_weak = _syncobj_weak_for (self->collection);
  collection = self->collection_weak != NULL ? _syncobj_weak_ref (self->collection_weak) : NULL;

  /* A record reads one text, its value and synced value: a row with
   * writes kept as text builds its values. */
  if (_syncobj_row_has_text_layers (row))
    _syncobj_row_thaw (row);

  /* A packed row stays packed: its record reads the row's text, and
   * builds its value only when asked for it (a list view binding a label
   * to a member of each row it shows builds none). */
  if (row->packed != NULL)
    row->record = _syncobj_record_new_packed (collection, row->key, row->temporary, row->packed);
  else
    row->record = _syncobj_record_new (collection, row->key, row->temporary,
                                       row->visible, row->synced, row_is_pending (row));
  /* The row stays (_syncobj_overlay_row_maybe_free() keeps a row with a
   * record) until the record tells it is gone. */
  _syncobj_record_attach (row->record, overlay_record_gone, self, row);
  self->n_records++;

  return row->record;
}

void
_syncobj_overlay_forget_records (SyncobjOverlay *self)
{
  SyncobjTableIter iter;
  SyncobjRow *row;

  /* Called at the collection's dispose and again when the overlay is
   * freed: the second time, and whenever no record was made, there is
   * nothing to visit. */
  if (self->n_records == 0)
    return;
  _syncobj_table_iter_init (&iter, self->rows);
  while (_syncobj_table_iter_next (&iter, NULL, (gpointer *) &row))
    if (row->record != NULL)
      {
        /* The record may outlive the row whose text it reads. */
        _syncobj_record_detach (row->record);
        row->record = NULL;
      }
  self->n_records = 0;
}

/* ---- local writes -------------------------------------------------------- */

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

gboolean
_syncobj_overlay_fold (SyncobjOverlay         *self,
                       SyncobjOverlayWrite    *write,
                       SyncobjPendingMutation *mutation,
                       SyncobjMutationType     type,
                       JsonObject             *value,
                       gint64                  now_us)
{
  *write = (SyncobjOverlayWrite) { _syncobj_overlay_row_ensure (self, mutation->key) };

  if (mutation_fold (mutation, type, value, now_us))
    return TRUE;

  _syncobj_row_remove_layer (write->row, mutation);
  return FALSE;
}

void
_syncobj_overlay_push (SyncobjOverlay         *self,
                       SyncobjOverlayWrite    *write,
                       SyncobjPendingMutation *created,
                       JsonObject             *value,
                       SyncobjRow             *row,
                       gint64                  now_us)
{
  SyncobjMutationType type = created->type;
  g_autoptr(JsonObject) changes = NULL;
  g_autoptr(JsonObject) modified = NULL;

  /* An update of a record held as text, kept as text. */
  if (row == NULL)
    row = _syncobj_overlay_find (self, created->key);
  if (row != NULL && row->packed != NULL && type == SYNCOBJ_MUTATION_TYPE_UPDATE && !overlay_merges (self) &&
      _syncobj_overlay_push_text (self, write, row, created, value, now_us))
    return;

  if (row != NULL)
    _syncobj_row_thaw (row);
  else
    row = _syncobj_overlay_row_ensure (self, created->key);
  *write = (SyncobjOverlayWrite) { row };

  switch (type)
    {
    case SYNCOBJ_MUTATION_TYPE_INSERT:
      changes = _syncobj_json_copy (value);
      modified = json_object_ref (changes);
      break;
    case SYNCOBJ_MUTATION_TYPE_UPDATE:
      changes = _syncobj_json_copy (value);
      modified = _syncobj_json_merge (row->visible, changes);
      write->known_different = _syncobj_json_changes_differ (row->visible, changes);
      created->merged = TRUE;
      break;
    case SYNCOBJ_MUTATION_TYPE_DELETE:
      changes = _syncobj_json_merge (NULL, NULL);
      break;
    default:
      g_assert_not_reached ();
    }

  _syncobj_pending_mutation_set_values (created, type, row->visible, modified, changes, now_us);
  _syncobj_row_add_layer (row, created);

  /* The new layer is the last one, so the composition of all layers is
   * the visible value with it applied: `modified`. No need to compose (and
   * merge) again, unless a merge function decides. */
  if (!overlay_merges (self))
    {
      write->composed = modified != NULL ? json_object_ref (modified) : NULL;
      write->have_composed = TRUE;
    }
}

void
_syncobj_overlay_show_write (SyncobjOverlay      *self,
                             SyncobjOverlayWrite *write)
{
  if (write->text)
    _syncobj_overlay_show_text (self, write);
  else if (write->have_composed)
    row_refresh_to_full (self, write->row, g_steal_pointer (&write->composed), write->known_different);
  else
    _syncobj_overlay_row_refresh (self, write->row);
}

/* ---- keys from the server ---------------------------------------------------- */

void
_syncobj_overlay_mark_temporary (SyncobjOverlay *self,
                                 const char     *key)
{
  _syncobj_overlay_row_ensure (self, key)->temporary = TRUE;
}

gboolean
_syncobj_overlay_is_temporary (SyncobjOverlay         *self,
                               SyncobjPendingMutation *mutation)
{
  SyncobjRow *row = _syncobj_overlay_find (self, mutation->key);

  return row != NULL && row->temporary && mutation->type == SYNCOBJ_MUTATION_TYPE_INSERT;
}

gboolean
_syncobj_overlay_take_early_echo (SyncobjOverlay  *self,
                                  const char      *key,
                                  JsonObject     **synced,
                                  GError         **error)
{
  SyncobjRow *early = _syncobj_overlay_lookup (self, key);

  *synced = NULL;
  if (early == NULL)
    return TRUE;
  if (early->layers != NULL || (early->held != NULL && early->held->len > 0) ||
      early->record != NULL || _syncobj_queue_is_locked (self->queue, key))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_KEY_EXISTS,
                   _("Record “%s” already exists in collection “%s”"), key, self->collection_id);
      return FALSE;
    }

  *synced = g_steal_pointer (&early->synced);
  _syncobj_overlay_row_refresh (self, early);
  early = _syncobj_overlay_find (self, key);
  if (early != NULL)
    {
      if (early->mark == self->mark)
        self->n_marked--;
      self->rows_epoch++;
      _syncobj_table_remove (self->rows, early);
    }
  return TRUE;
}

/* @row leaves the table under its old key and comes back under @key. */
static void
row_rekey (SyncobjOverlay *self,
           SyncobjRow     *row,
           const char     *key,
           gboolean        key_is_int)
{
  self->rows_epoch++;
  _syncobj_table_steal (self->rows, row);
  if (!row->inline_key)
    g_free (row->key);
  row->inline_key = FALSE;
  row->key = g_strdup (key);
  row->temporary = FALSE;
  row->int_key = key_is_int;
  _syncobj_table_add (self->rows, row);
}

/* @layer carries @key (its member in @key_only) instead of a temporary key. */
static void
mutation_rekey (SyncobjPendingMutation *layer,
                JsonObject             *key_only,
                const char             *key,
                gint64                  now)
{
  g_autoptr(JsonObject) changes = layer->type == SYNCOBJ_MUTATION_TYPE_INSERT
                                  ? _syncobj_json_merge (key_only, layer->changes)
                                  : json_object_ref (layer->changes);
  g_autoptr(JsonObject) original = layer->original != NULL ? _syncobj_json_merge (layer->original, key_only) : NULL;
  g_autoptr(JsonObject) modified = layer->modified != NULL ? _syncobj_json_merge (layer->modified, key_only) : NULL;

  _syncobj_pending_mutation_set_key (layer, key);
  _syncobj_pending_mutation_set_values (layer, layer->type, original, modified, changes, now);
}

/* Every write to the record (the insert and what waits behind it) now
 * carries the server's key, the member included. */
static void
row_rekey_layers (SyncobjOverlay *self,
                  SyncobjRow     *row,
                  const char     *key,
                  gboolean        key_is_int)
{
  g_autoptr(JsonObject) key_only = json_object_new ();
  gint64 now = _syncobj_scheduler_now (_syncobj_scheduler_get_default ());
  guint n = _syncobj_row_get_n_layers (row);

  _syncobj_json_set_key (key_only, self->key_member, key, key_is_int);
  for (guint i = 0; i < n; i++)
    mutation_rekey (_syncobj_row_peek_layer (row, i), key_only, key, now);
}

void
_syncobj_overlay_rekey_write (SyncobjOverlay         *self,
                              SyncobjPendingMutation *mutation,
                              const char             *key)
{
  SyncobjRow *row = _syncobj_overlay_find (self, key);
  g_autoptr(JsonObject) key_only = json_object_new ();

  _syncobj_json_set_key (key_only, self->key_member, key, row != NULL && row->int_key);
  mutation_rekey (mutation, key_only, key, mutation->updated_at_us);
}

void
_syncobj_overlay_rekey (SyncobjOverlay         *self,
                        SyncobjPendingMutation *mutation,
                        JsonObject             *created,
                        const char             *key,
                        gboolean                key_is_int,
                        JsonObject             *early_synced)
{
  g_autoptr(JsonObject) early = early_synced;
  g_autoptr(JsonObject) value = NULL;
  g_autoptr(SyncobjRecord) keep_record = NULL;
  g_autofree char *temporary_key = NULL;
  SyncobjRow *row = _syncobj_overlay_lookup (self, mutation->key);

  keep_record = row->record != NULL ? g_object_ref (row->record) : NULL;
  temporary_key = g_strdup (row->key);
  row_rekey (self, row, key, key_is_int);
  _syncobj_queue_rekey (self->queue, temporary_key, key);
  row_rekey_layers (self, row, key, key_is_int);

  /* What the server created is its state of the record: the echo that
   * follows finds it already there. */
  {
    g_autoptr(JsonObject) sealed = _syncobj_json_copy (created);
    SyncobjSyncWrite write = { SYNCOBJ_MUTATION_TYPE_INSERT, (char *) key, sealed, FALSE, NULL, 0, NULL, key_is_int };

    if (early != NULL)
      row->synced = g_steal_pointer (&early);
    if (self->ordered && _syncobj_queue_is_locked (self->queue, key))
      _syncobj_row_hold_sync_write (row, &write);
    else
      _syncobj_row_apply_sync_write (row, &write, NULL);
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
}

/* ---- after a restart ---------------------------------------------------------- */

/* A store keeps a write's changes only (see syncobj-stored-transaction.c):
 * its original is the record as it is shown before it, the synced value
 * from the cache with the writes restored before it, and its modified
 * value those changes merged in. */
static void
mutation_rebuild_values (SyncobjPendingMutation *mutation,
                         JsonObject             *base)
{
  g_autoptr(JsonObject) modified = NULL;
  gint64 updated_at = mutation->updated_at_us;

  if (mutation->type == SYNCOBJ_MUTATION_TYPE_INSERT || mutation->original != NULL)
    return;
  if (mutation->type == SYNCOBJ_MUTATION_TYPE_UPDATE)
    modified = mutation->replaces ? json_object_ref (mutation->changes)
                                  : _syncobj_json_merge (base, mutation->changes);
  if (base == NULL && !mutation->replaces)
    _syncobj_log_transaction (G_LOG_LEVEL_MESSAGE,
                              mutation->transaction != NULL ? syncobj_transaction_get_id (mutation->transaction) : NULL,
                              "the record “%s” a restored write changes is not cached: "
                              "the write is restored with its changes alone", mutation->key);
  _syncobj_pending_mutation_set_values (mutation, mutation->type, base, modified,
                                        mutation->changes, updated_at);
  mutation->updated_at_us = updated_at;
}

void
_syncobj_overlay_restore (SyncobjOverlay         *self,
                          SyncobjPendingMutation *mutation)
{
  SyncobjRow *row = _syncobj_overlay_row_ensure (self, mutation->key);

  mutation_rebuild_values (mutation, row->visible);
  _syncobj_row_add_layer (row, mutation);
  /* The new layer is the last one: the visible value with it applied is
   * the composition, without merging every layer again (a thousand
   * restored writes of one record would cost a million merges). */
  if (overlay_merges (self))
    _syncobj_overlay_row_refresh (self, row);
  else
    row_refresh_to_full (self, row, layer_apply (row->visible != NULL ? json_object_ref (row->visible) : NULL, mutation),
                         FALSE);
}

/* ---- conflicts ------------------------------------------------------------ */

void
_syncobj_overlay_take_conflict (SyncobjOverlay *self,
                                const char     *key,
                                JsonObject     *current)
{
  SyncobjRow *row = _syncobj_overlay_row_ensure (self, key);

  /* The server's current record is newer than anything the sync sent
   * while the key was locked. */
  g_clear_pointer (&row->held, g_array_unref);
  g_clear_pointer (&row->synced, json_object_unref);
  row->synced = current != NULL ? json_object_ref (current) : NULL;
}

void
_syncobj_overlay_refresh_key (SyncobjOverlay *self,
                              const char     *key)
{
  SyncobjRow *row = _syncobj_overlay_lookup (self, key);

  if (row != NULL)
    _syncobj_overlay_row_refresh (self, row);
}

/* ---- the end of a transaction --------------------------------------------- */

/* Ends the layer of @mutation in @row; see _syncobj_overlay_finish(). */
static void
row_finish_layer (SyncobjOverlay         *self,
                  SyncobjRow             *row,
                  SyncobjPendingMutation *mutation,
                  gboolean                failed,
                  gboolean                synced_by_completion)
{
  /* A completed update that the row shows alone: its echo is likely to
   * set exactly what it set. */
  SyncobjPendingMutation *confirmed = !failed && row->layers == (gpointer) mutation ? mutation : NULL;
  gboolean locked;

  locked = _syncobj_queue_unlock (self->queue, mutation);

  /* Nobody echoes a collection without sync: what its transactions
   * completed is its synced state. */
  if (!failed && synced_by_completion)
    {
      SyncobjSyncWrite write = {
        .type = mutation->replaces ? SYNCOBJ_MUTATION_TYPE_INSERT : mutation->type,
        .key = mutation->key,
        .value = mutation->changes,
      };

      _syncobj_row_apply_sync_write (row, &write, confirmed);
      confirmed = NULL;   /* the synced value has moved on */
    }

  if (failed || !locked)
    _syncobj_row_remove_layer (row, mutation);
  else
    mutation->retired = TRUE;

  if (!locked)
    row_release (self, row, confirmed);

  _syncobj_overlay_row_refresh (self, row);
}

void
_syncobj_overlay_finish (SyncobjOverlay    *self,
                         SyncobjObjectList *mutations,
                         gboolean           all_mine,
                         gboolean           failed,
                         gboolean           synced_by_completion)
{
  guint n = _syncobj_object_list_get_length (mutations);

  for (guint i = 0; i < n; i++)
    {
      SyncobjPendingMutation *mutation = _syncobj_object_list_peek (mutations, i);
      SyncobjRow *row;
      gboolean applied;

      if (!all_mine && !_syncobj_pending_mutation_is_of (mutation, self->collection))
        continue;

      /* A change the server applied stays when its transaction fails: it
       * is synced state now, which the sync's echo confirms. */
      applied = failed && g_atomic_int_get (&mutation->applied);
      row = _syncobj_overlay_find (self, mutation->key);
      if (row == NULL)
        continue;
      /* An update kept as text usually ends as text. */
      if (_syncobj_row_has_text_layers (row) &&
          _syncobj_overlay_finish_text (self, row, mutation, failed && !applied, synced_by_completion || applied))
        continue;
      _syncobj_row_thaw (row);
      row_finish_layer (self, row, mutation, failed && !applied, synced_by_completion || applied);
    }
}

/* ---- life ---------------------------------------------------------------- */

SyncobjOverlay *
_syncobj_overlay_new (SyncobjCollection             *collection,
                      SyncobjQueue                  *queue,
                      const SyncobjOverlayViewFuncs *funcs,
                      gpointer                       view)
{
  SyncobjOverlay *self = g_new0 (SyncobjOverlay, 1);

  self->rows = _syncobj_table_new (row_hash, row_equal, row_free, NULL);
  self->collection = collection;
  self->queue = queue;
  self->funcs = funcs;
  self->view = view;
  self->ordered = TRUE;

  return self;
}

void
_syncobj_overlay_free (SyncobjOverlay *self)
{
  _syncobj_overlay_forget_records (self);
  _syncobj_overlay_set_merge_func (self, NULL, NULL, NULL);
  g_clear_pointer (&self->rows, _syncobj_table_free);
  g_clear_pointer (&self->spare_held, g_array_unref);
  g_clear_pointer (&self->collection_weak, _syncobj_weak_unref);
  g_free (self);
}

void
_syncobj_overlay_set_names (SyncobjOverlay *self,
                            const char     *collection_id,
                            const char     *key_member)
{
  self->collection_id = collection_id;
  self->key_member = key_member;
}

void
_syncobj_overlay_set_ordered (SyncobjOverlay *self,
                              gboolean        ordered)
{
  self->ordered = !!ordered;
}

gboolean
_syncobj_overlay_is_merging (SyncobjOverlay *self)
{
  return self->merging > 0;
}

void
_syncobj_overlay_set_merge_func (SyncobjOverlay   *self,
                                 SyncobjMergeFunc  func,
                                 gpointer          user_data,
                                 GDestroyNotify    destroy)
{
  if (self->merge_destroy != NULL)
    self->merge_destroy (self->merge_data);
  self->merge_func = func;
  self->merge_data = user_data;
  self->merge_destroy = destroy;
}
