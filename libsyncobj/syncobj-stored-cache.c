/* syncobj-stored-cache.c: a collection's cached synced state, as rows
 *
 * The plain struct of syncobj-store-private.h for the cache of synced
 * records and the sync's cursor, and the checks a cached record passes
 * before a collection shows it: the store's file is outside data (a
 * damaged file, another version) and a row that fails is skipped.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-store-private.h"
#include "syncobj-json-scan-private.h"
#include "syncobj-json-validate-private.h"

/* A cursor longer than this is not one a sync gave. */
#define SYNCOBJ_CURSOR_MAX_LENGTH 4096

static void
cached_record_clear (SyncobjCachedRecord *record)
{
  g_free (record->key);
  g_free (record->value);
}

SyncobjStoredCache *
_syncobj_stored_cache_new (const char *collection_id,
                           guint       schema_version)
{
  SyncobjStoredCache *cache = g_new0 (SyncobjStoredCache, 1);

  cache->collection_id = g_strdup (collection_id);
  cache->schema_version = schema_version;
  cache->records = g_array_new (FALSE, FALSE, sizeof (SyncobjCachedRecord));
  g_array_set_clear_func (cache->records, (GDestroyNotify) cached_record_clear);
  return cache;
}

void
_syncobj_stored_cache_free (SyncobjStoredCache *cache)
{
  if (cache == NULL)
    return;
  g_free (cache->collection_id);
  g_array_unref (cache->records);
  g_free (cache->cursor);
  g_free (cache);
}

void
_syncobj_stored_cache_add (SyncobjStoredCache *cache,
                           const char         *key,
                           const char         *value,
                           gssize              value_length)
{
  SyncobjCachedRecord record = {
    g_strdup (key),
    value != NULL ? g_strndup (value, value_length < 0 ? strlen (value) : (gsize) value_length) : NULL,
  };

  g_array_append_val (cache->records, record);
}

gboolean
_syncobj_stored_cache_check_record (const char  *key,
                                    const char  *value,
                                    GError     **error)
{
  const char *start;
  gsize length;

  if (key == NULL || *key == '\0' || !g_utf8_validate (key, -1, NULL))
    {
      g_set_error_literal (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                           _("the key is empty or not UTF-8"));
      return FALSE;
    }

  /* Scanned, not built: a start checks every cached row, and the
   * collection builds a record from its text only when it is looked at.
   * The scan checks the encoding too. */
  length = value != NULL ? strlen (value) : 0;
  start = value != NULL ? _syncobj_json_skip_ws (value, value + length) : NULL;
  if (start == NULL || start == value + length || *start != '{' || !_syncobj_json_is_valid (value, length))
    {
      g_set_error_literal (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                           _("the record is not a JSON object in UTF-8 text"));
      return FALSE;
    }

  return _syncobj_json_check_text (value, length, SYNCOBJ_ERROR_STORE, error);
}

gboolean
_syncobj_stored_cache_check_cursor (const char  *cursor,
                                    GError     **error)
{
  if (cursor == NULL || strlen (cursor) > SYNCOBJ_CURSOR_MAX_LENGTH ||
      !g_utf8_validate (cursor, -1, NULL))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                   _("the cursor is longer than %d bytes or not UTF-8"), SYNCOBJ_CURSOR_MAX_LENGTH);
      return FALSE;
    }

  for (const char *p = cursor; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      {
        g_set_error_literal (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                             _("the cursor holds a control character"));
        return FALSE;
      }

  return TRUE;
}
