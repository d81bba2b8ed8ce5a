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

/* The text of records read back is copied into blocks of this size:
 * few allocations, all given back at once. */
#define SYNCOBJ_CACHE_TEXT_BLOCK (256 * 1024)

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
  g_clear_pointer (&cache->text, g_ptr_array_unref);
  g_free (cache->cursor);
  g_clear_pointer (&cache->etags, g_hash_table_unref);
  g_free (cache);
}

void
_syncobj_stored_cache_set_etag (SyncobjStoredCache *cache,
                                const char         *key,
                                const char         *etag)
{
  if (cache->etags == NULL)
    cache->etags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_replace (cache->etags, g_strdup (key), g_strdup (etag != NULL ? etag : ""));
}

void
_syncobj_stored_cache_reserve (SyncobjStoredCache *cache,
                               guint               n)
{
  GArray *records;

  g_return_if_fail (cache->records->len == 0 && cache->text == NULL);
  records = g_array_sized_new (FALSE, FALSE, sizeof (SyncobjCachedRecord), n);
  g_array_set_clear_func (records, (GDestroyNotify) cached_record_clear);
  g_array_unref (cache->records);
  cache->records = records;
}

void
_syncobj_stored_cache_add (SyncobjStoredCache *cache,
                           const char         *key,
                           const char         *value,
                           gssize              value_length)
{
  gsize length = value == NULL ? 0 : value_length < 0 ? strlen (value) : (gsize) value_length;
  SyncobjCachedRecord record = {
    g_strdup (key),
    value != NULL ? g_strndup (value, length) : NULL,
    length,
  };

  g_return_if_fail (cache->text == NULL);
  g_array_append_val (cache->records, record);
}

/* Records read back own no text: it lives in the cache's blocks. */
static GStringChunk *
cache_text (SyncobjStoredCache *cache)
{
  if (cache->text == NULL)
    {
      g_return_val_if_fail (cache->records->len == 0, NULL);
      g_array_set_clear_func (cache->records, NULL);
      cache->text = g_ptr_array_new_with_free_func ((GDestroyNotify) g_string_chunk_free);
      g_ptr_array_add (cache->text, g_string_chunk_new (SYNCOBJ_CACHE_TEXT_BLOCK));
    }
  return g_ptr_array_index (cache->text, cache->text->len - 1);
}

void
_syncobj_stored_cache_add_read (SyncobjStoredCache *cache,
                                const char         *key,
                                gsize               key_length,
                                const char         *value,
                                gsize               value_length)
{
  GStringChunk *text = cache_text (cache);
  SyncobjCachedRecord record = {
    g_string_chunk_insert_len (text, key, key_length),
    g_string_chunk_insert_len (text, value, value_length),
    value_length,
  };

  g_array_append_val (cache->records, record);
}

void
_syncobj_stored_cache_append (SyncobjStoredCache *cache,
                              SyncobjStoredCache *slice)
{
  if (slice->text != NULL)
    {
      cache_text (cache);
      while (slice->text->len > 0)
        g_ptr_array_add (cache->text, g_ptr_array_steal_index_fast (slice->text, slice->text->len - 1));
      g_array_append_vals (cache->records, slice->records->data, slice->records->len);
    }
  if (slice->cursor != NULL)
    {
      g_free (cache->cursor);
      cache->cursor = g_steal_pointer (&slice->cursor);
    }
  if (slice->etags != NULL)
    {
      g_clear_pointer (&cache->etags, g_hash_table_unref);
      cache->etags = g_steal_pointer (&slice->etags);
    }
  _syncobj_stored_cache_free (slice);
}

gboolean
_syncobj_stored_cache_check_text (const char  *key,
                                  gsize        key_length,
                                  const char  *value,
                                  gsize        value_length,
                                  GError     **error)
{
  const char *start;
  gboolean unusual = TRUE;

  if (key == NULL || key_length == 0 || !g_utf8_validate_len (key, key_length, NULL))
    {
      g_set_error_literal (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                           _("the key is empty or not UTF-8"));
      return FALSE;
    }

  /* Scanned, not built: a start checks every cached row, and the
   * collection builds a record from its text only when it is looked at.
   * The scan checks the encoding too (a NUL is no JSON). */
  start = value != NULL ? _syncobj_json_skip_ws (value, value + value_length) : NULL;
  if (start == NULL || start == value + value_length || *start != '{' ||
      !_syncobj_json_is_valid_usual (value, value_length, &unusual))
    {
      g_set_error_literal (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                           _("the record is not a JSON object in UTF-8 text"));
      return FALSE;
    }

  /* What json-glib would take wrongly hides in escapes and numbers. */
  return !unusual || _syncobj_json_check_text (value, value_length, SYNCOBJ_ERROR_STORE, error);
}

gboolean
_syncobj_stored_cache_check_record (const char  *key,
                                    const char  *value,
                                    GError     **error)
{
  return _syncobj_stored_cache_check_text (key, key != NULL ? strlen (key) : 0,
                                           value, value != NULL ? strlen (value) : 0, error);
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
