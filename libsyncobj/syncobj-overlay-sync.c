/* syncobj-overlay-sync.c: the sync side of the overlay
 *
 * Sync commits reach the rows here: new keys from JSON text stay packed
 * (their compact text after the row), writes of JSON text that set every
 * member of a packed record keep it packed, anything else builds the
 * record's JsonObject; writes to keys locked by a transaction are held.
 * A snapshot marks the rows it writes and deletes the others.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-overlay-rows-private.h"
#include "syncobj-json-parser-private.h"
#include "syncobj-json-scan-private.h"
#include "syncobj-json-writer-private.h"
#include "syncobj-queue-private.h"

#include <string.h>

/* ---- the sync side --------------------------------------------------------- */

/* A new, visible row holding @write's text packed, in one block. */
static void
row_new_packed (SyncobjOverlay   *self,
                SyncobjSyncWrite *write)
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
  _syncobj_table_add (self->rows, row);
  self->funcs->appear (self->view, row);
}

/* A sync write that replaces every member of a packed record (servers
 * usually send whole records) needs no JsonObject built for the old value:
 * the new one is compared as text. Returns FALSE when the write must go
 * the general way. */
static gboolean
row_sync_packed (SyncobjOverlay   *self,
                 SyncobjRow       *row,
                 SyncobjSyncWrite *write)
{
  gboolean covers, same;

  if (write->value == NULL ||
      (write->type != SYNCOBJ_MUTATION_TYPE_INSERT && write->type != SYNCOBJ_MUTATION_TYPE_UPDATE))
    return FALSE;

  /* Packed rows have no layers, held writes or locks. */
  if (row == NULL || row->packed == NULL)
    return FALSE;
  same = _syncobj_json_text_compare (row->packed, write->value, &covers);
  if (write->type == SYNCOBJ_MUTATION_TYPE_UPDATE && !covers)
    return FALSE;
  if (same)
    return TRUE;  /* the same record again: nothing changes */
  if (row->record != NULL)
    return FALSE;  /* the general way updates the record */

  _syncobj_row_drop_packed (row);
  row->synced = json_object_ref (write->value);
  row->visible = json_object_ref (write->value);
  self->funcs->changed (self->view, row);
  return TRUE;
}

/* A sync write of JSON text to a packed row: an insert, or an update
 * that sets every member (servers usually send whole records), keeps the
 * row packed with the new text, without building a JsonObject. Returns
 * FALSE when the write must go the general way. */
static gboolean
row_sync_text (SyncobjOverlay   *self,
               SyncobjRow       *row,
               SyncobjSyncWrite *write)
{
  char *packed;

  /* Packed rows have no layers, held writes or locks; the general way
   * updates a record. */
  if (row->record != NULL ||
      (write->type == SYNCOBJ_MUTATION_TYPE_UPDATE && !_syncobj_json_text_covers (write->packed, row->packed)))
    return FALSE;

  packed = _syncobj_shared_text_new (write->packed, write->packed_length);
  _syncobj_row_drop_packed (row);
  row->packed = packed;
  row->packed_owned = TRUE;
  self->funcs->changed (self->view, row);
  return TRUE;
}

/* Applies @write now, or holds it while its key is locked. */
static void
row_sync (SyncobjOverlay   *self,
          SyncobjRow       *row,
          SyncobjSyncWrite *write)
{
  if (self->ordered && _syncobj_queue_is_locked (self->queue, row->key))
    {
      /* An echo per write is held each time: the array of the last
       * release serves again. */
      if (row->held == NULL)
        row->held = g_steal_pointer (&self->spare_held);
      _syncobj_row_hold_sync_write (row, write);
      return;
    }

  _syncobj_row_apply_sync_write (row, write, NULL);
  _syncobj_overlay_row_refresh (self, row);
}

void
_syncobj_overlay_mark_begin (SyncobjOverlay *self)
{
  /* 0 is no snapshot's: new rows have it. */
  self->mark = (self->mark + 1) & SYNCOBJ_ROW_MARK_MAX;
  if (self->mark == 0)
    self->mark = 1;
  self->n_marked = 0;
}

void
_syncobj_overlay_mark (SyncobjOverlay   *self,
                       SyncobjSyncWrite *writes,
                       guint             n_writes)
{
  for (guint i = 0; i < n_writes; i++)
    {
      SyncobjRow *row = _syncobj_overlay_find_row (self, writes[i].key);

      if (row != NULL && row->mark != self->mark)
        {
          row->mark = self->mark;
          self->n_marked++;
        }
    }
}

/* Deletes the synced records of the rows not marked. A locked key whose
 * only synced value so far is a held write (say, from an earlier
 * snapshot) is gone too: its held writes end with the deletion. */
void
_syncobj_overlay_truncate (SyncobjOverlay *self)
{
  g_autoptr(GPtrArray) gone = NULL;
  SyncobjTableIter iter;
  SyncobjRow *row;

  /* Every row is written again: nothing to look for. */
  if (self->n_marked == _syncobj_table_size (self->rows))
    return;

  gone = g_ptr_array_new ();
  _syncobj_table_iter_init (&iter, self->rows);
  while (_syncobj_table_iter_next (&iter, NULL, (gpointer *) &row))
    if ((row->synced != NULL || row->packed != NULL || (row->held != NULL && row->held->len > 0)) &&
        row->mark != self->mark)
      g_ptr_array_add (gone, row);

  for (guint i = 0; i < gone->len; i++)
    {
      SyncobjRow *gone_row = g_ptr_array_index (gone, i);
      SyncobjSyncWrite deletion = { SYNCOBJ_MUTATION_TYPE_DELETE, gone_row->key, NULL };

      _syncobj_row_thaw (gone_row);
      row_sync (self, gone_row, &deletion);
    }
}

/* Whether @write may reach its row: FALSE (with *@clash set to the first
 * refusal) when its key has the type other than the row's; see
 * _syncobj_overlay_check_key_type(). */
static gboolean
overlay_accept_key (SyncobjOverlay    *self,
                    SyncobjRow        *row,
                    SyncobjSyncWrite  *write,
                    GError           **clash)
{
  g_autoptr(GError) local_error = NULL;

  /* A delete, a new key or a key of the row's type: no call per write. */
  if (write->type == SYNCOBJ_MUTATION_TYPE_DELETE || row == NULL || row->int_key == write->key_is_int)
    return TRUE;

  if (!_syncobj_overlay_check_key_type (self, row, write->key_is_int, &local_error))
    {
      /* The other records of the commit still apply. */
      if (clash != NULL && *clash == NULL)
        *clash = g_steal_pointer (&local_error);
      return FALSE;
    }
  row->int_key = write->key_is_int;
  return TRUE;
}

void
_syncobj_overlay_apply_sync_writes (SyncobjOverlay    *self,
                                    SyncobjSyncWrite  *writes,
                                    guint              n_writes,
                                    GError           **clash)
{
  for (guint i = 0; i < n_writes; i++)
    {
      /* Looked up once: nothing below removes a row before row_sync(). */
      SyncobjRow *row = _syncobj_overlay_find_row (self, writes[i].key);

      if (!overlay_accept_key (self, row, &writes[i], clash))
        continue;

      /* A row with an update kept as text holds a write to its locked
       * key as it is (its echo, usually), JSON text staying text until
       * the row is built; otherwise it builds its values: it is not what
       * the packed ways below expect. */
      if (row != NULL && _syncobj_row_has_text_layers (row))
        {
          if (self->ordered && _syncobj_queue_is_locked (self->queue, row->key))
            {
              if (row->held == NULL)
                row->held = g_steal_pointer (&self->spare_held);
              _syncobj_row_hold_sync_write (row, &writes[i]);
              continue;
            }
          _syncobj_row_thaw (row);
        }

      if (writes[i].packed != NULL)
        {
          /* A new key from JSON text stays packed; anything else needs
           * the object. */
          if (row == NULL && writes[i].type != SYNCOBJ_MUTATION_TYPE_DELETE)
            {
              row_new_packed (self, &writes[i]);
              continue;
            }
          if (row != NULL && row->packed != NULL && writes[i].type != SYNCOBJ_MUTATION_TYPE_DELETE)
            {
              /* The same compact text: the same record (a snapshot again). */
              if (strcmp (row->packed, writes[i].packed) == 0 || row_sync_text (self, row, &writes[i]))
                continue;
            }
          if (writes[i].value == NULL && writes[i].type != SYNCOBJ_MUTATION_TYPE_DELETE)
            writes[i].value = _syncobj_json_object_from_text (writes[i].packed, writes[i].packed_length);
        }

      if (row_sync_packed (self, row, &writes[i]))
        continue;

      if (row != NULL)
        _syncobj_row_thaw (row);
      else
        row = _syncobj_overlay_row_ensure (self, writes[i].key);
      row_sync (self, row, &writes[i]);
    }
}

