/* syncobj-sync-cursor.c: where a sync's change feed stands, kept with the
 * collection's cached records and given back at the next start
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-sync-private.h"
#include "syncobj-store-private.h"

/**
 * syncobj_sync_set_cursor:
 * @self: a sync
 * @cursor: where the server's change feed stands after the open commit:
 *   an opaque string of the sync source (an ETag, a sequence number), at
 *   most 4 KiB of UTF-8 text without control characters
 * @error: return location for an error
 *
 * Sets the cursor that the open commit brings the collection to. A
 * collection with a store keeps it with its cached records, in the same
 * SQLite transaction, and gives it back at the next start
 * ([method@Syncobj.Sync.get_cursor]) so that the source asks only for the
 * changes since then.
 *
 * Returns: %TRUE on success; %FALSE with %SYNCOBJ_ERROR_INVALID_STATE
 *   without an open commit, or %SYNCOBJ_ERROR_INVALID_RECORD for a cursor
 *   that cannot be kept
 */
gboolean
syncobj_sync_set_cursor (SyncobjSync  *self,
                         const char   *cursor,
                         GError      **error)
{
  SyncobjSyncCursor *slot;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (SYNCOBJ_IS_SYNC (self), FALSE);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (_syncobj_sync_get_owner (self), FALSE);
  g_return_val_if_fail (cursor != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_syncobj_sync_check_begun (self, error))
    return FALSE;

  if (!_syncobj_stored_cache_check_cursor (cursor, &local_error))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                   _("Cannot keep the sync cursor: %s"), local_error->message);
      return FALSE;
    }

  slot = _syncobj_sync_peek_cursor (self);
  g_free (slot->pending);
  slot->pending = g_strdup (cursor);
  return TRUE;
}

/**
 * syncobj_sync_commit_with_cursor:
 * @self: a sync
 * @cursor: (nullable): the cursor after this commit, see
 *   [method@Syncobj.Sync.set_cursor]; %NULL keeps the current one
 * @error: return location for an error
 *
 * [method@Syncobj.Sync.set_cursor] and [method@Syncobj.Sync.commit] in one
 * call.
 *
 * Returns: %TRUE on success; %FALSE with the error of either
 */
gboolean
syncobj_sync_commit_with_cursor (SyncobjSync  *self,
                                 const char   *cursor,
                                 GError      **error)
{
  g_return_val_if_fail (SYNCOBJ_IS_SYNC (self), FALSE);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (_syncobj_sync_get_owner (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (cursor != NULL && !syncobj_sync_set_cursor (self, cursor, error))
    return FALSE;
  return syncobj_sync_commit (self, error);
}

/**
 * syncobj_sync_get_cursor:
 * @self: a sync
 *
 * Gets the cursor of the last commit that set one
 * ([property@Syncobj.Sync:cursor]). Before the first commit, it is the
 * cursor the collection's store kept from the last run: a sync source
 * reads it when it starts, to ask the server for the changes since then.
 *
 * Returns: (nullable): the cursor, or %NULL when there is none (load
 *   everything)
 */
const char *
syncobj_sync_get_cursor (SyncobjSync *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_SYNC (self), NULL);
  return _syncobj_sync_peek_cursor (self)->current;
}

void
_syncobj_sync_restore_cursor (SyncobjSync *self,
                              const char  *cursor)
{
  SyncobjSyncCursor *slot = _syncobj_sync_peek_cursor (self);

  if (slot->current != NULL)
    return;
  slot->current = g_strdup (cursor);
  g_object_notify (G_OBJECT (self), "cursor");
}

void
_syncobj_sync_advance_cursor (SyncobjSync *self,
                              const char  *cursor)
{
  SyncobjSyncCursor *slot = _syncobj_sync_peek_cursor (self);

  if (cursor == NULL || g_strcmp0 (cursor, slot->current) == 0)
    return;

  g_free (slot->current);
  slot->current = g_strdup (cursor);
  g_object_notify (G_OBJECT (self), "cursor");
}
