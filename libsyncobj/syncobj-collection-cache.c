/* syncobj-collection-cache.c: a collection's synced state kept in its
 * store's cache, and shown from there at the next start
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-collection-fields-private.h"
#include "syncobj-store-private.h"
#include "syncobj-sync-private.h"
#include "syncobj-json-parser-private.h"
#include "syncobj-json-scan-private.h"
#include "syncobj-json-util-private.h"
#include "syncobj-json-writer-private.h"

struct _SyncobjCollectionCache
{
  SyncobjStore   *store;           /* unowned, persistent */
  const char     *collection_id;   /* the collection's */
  guint           schema_version;
  SyncobjOverlay *overlay;         /* unowned */
  SyncobjRowOrder *order;          /* SyncobjRow, the list model's order; unowned */
  GHashTable     *etags;           /* key → the ETag kept with its cached record */
};

SyncobjCollectionCache *
_syncobj_collection_cache_new (SyncobjStore   *store,
                               const char     *collection_id,
                               guint           schema_version,
                               SyncobjOverlay *overlay,
                               SyncobjRowOrder *order)
{
  SyncobjCollectionCache *self;

  if (store == NULL || !syncobj_store_get_persistent (store))
    return NULL;

  self = g_new0 (SyncobjCollectionCache, 1);
  self->store = store;
  self->collection_id = collection_id;
  self->schema_version = schema_version;
  self->overlay = overlay;
  self->order = order;
  return self;
}

void
_syncobj_collection_cache_free (SyncobjCollectionCache *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->etags, g_hash_table_unref);
  g_free (self);
}

/* The ETag of @key goes with its record, written (for a record not
 * cached before) once the row is; a record gone takes its ETag along. */
static void
cache_add_etag (SyncobjCollectionCache *self,
                SyncobjStoredCache     *cache,
                const char             *key,
                gboolean                present)
{
  const char *etag = self->etags != NULL ? g_hash_table_lookup (self->etags, key) : NULL;

  if (etag == NULL)
    return;
  if (present)
    _syncobj_stored_cache_set_etag (cache, key, etag);
  else
    g_hash_table_remove (self->etags, key);
}

/* The synced value of @row as text: what the server sent, held sync
 * writes included (the cursor covers them); NULL when it has none. The
 * row's packed text is borrowed; a value built here is returned in
 * @built too, for the caller to free. */
static const char *
row_synced_text (SyncobjRow  *row,
                 char       **built)
{
  g_autoptr(JsonObject) value = NULL;

  *built = NULL;
  if (row->packed != NULL && (row->held == NULL || row->held->len == 0))
    return row->packed;

  /* A packed row holds writes while an update kept as text waits. */
  if (row->packed != NULL)
    value = _syncobj_json_object_from_text (row->packed, -1);
  else
    value = row->synced != NULL ? json_object_ref (row->synced) : NULL;
  for (guint i = 0; row->held != NULL && i < row->held->len; i++)
    {
      SyncobjSyncWrite *write = &g_array_index (row->held, SyncobjSyncWrite, i);
      JsonObject *next = NULL;

      _syncobj_sync_write_ensure_value (write);   /* held as text */

      if (write->type == SYNCOBJ_MUTATION_TYPE_UPDATE && value != NULL)
        next = _syncobj_json_merge (value, write->value);
      else if (write->type != SYNCOBJ_MUTATION_TYPE_DELETE && write->value != NULL)
        next = json_object_ref (write->value);
      g_clear_pointer (&value, json_object_unref);
      value = next;
    }

  if (value != NULL)
    *built = _syncobj_json_write_compact (value);
  return *built;
}

/* Adds the synced value of @key to @cache, with its ETag; a deletion when
 * the key has no synced value. */
static void
cache_add_key (SyncobjCollectionCache *self,
               SyncobjStoredCache     *cache,
               const char             *key)
{
  SyncobjRow *row = _syncobj_overlay_find (self->overlay, key);
  g_autofree char *built = NULL;
  const char *text = row != NULL ? row_synced_text (row, &built) : NULL;

  _syncobj_stored_cache_add (cache, key, text, -1);
  cache_add_etag (self, cache, key, text != NULL);
}

static gboolean
row_has_synced (SyncobjRow *row)
{
  return row->packed != NULL || row->synced != NULL || (row->held != NULL && row->held->len > 0);
}

/* A cache that replaces the stored one: every synced record, in the order
 * of the list (synced records hidden by a pending deletion last), gathered
 * over as many main-loop iterations as it takes (see
 * syncobj-collection-slice.c). Nothing the rows hold is kept from one
 * iteration to the next but @next, the row to gather next; the caller
 * starts again (_gather_restart()) when a row left the list meanwhile. */
struct _SyncobjCacheGather
{
  SyncobjStoredCache *cache;
  SyncobjRowOrderIter next;    /* in the collection's order */
  gboolean            started; /* @next is set */
};

/* Adds the synced value of @row, if any, with its ETag, to @gather's
 * replacement: copied into the replacement's blocks of text (few
 * allocations, all freed at once by the writer thread). */
static void
gather_add_row (SyncobjCollectionCache *self,
                SyncobjCacheGather     *gather,
                SyncobjRow             *row)
{
  g_autofree char *built = NULL;
  const char *text;

  if (!row_has_synced (row) || (text = row_synced_text (row, &built)) == NULL)
    return;
  _syncobj_stored_cache_add_read (gather->cache, row->key, strlen (row->key), text, strlen (text));
  cache_add_etag (self, gather->cache, row->key, TRUE);
}

SyncobjCacheGather *
_syncobj_collection_cache_gather_new (SyncobjCollectionCache *self,
                                      const char             *cursor)
{
  SyncobjCacheGather *gather = g_new0 (SyncobjCacheGather, 1);

  gather->cache = _syncobj_stored_cache_new (self->collection_id, self->schema_version);
  gather->cache->replaces = TRUE;
  gather->cache->cursor = g_strdup (cursor);
  _syncobj_stored_cache_reserve (gather->cache, _syncobj_table_size (_syncobj_overlay_peek_rows (self->overlay)));
  return gather;
}

void
_syncobj_collection_cache_gather_free (SyncobjCacheGather *gather)
{
  _syncobj_stored_cache_free (gather->cache);
  g_free (gather);
}

void
_syncobj_collection_cache_gather_restart (SyncobjCacheGather *gather)
{
  g_autofree char *cursor = g_steal_pointer (&gather->cache->cursor);
  SyncobjStoredCache *cache = _syncobj_stored_cache_new (gather->cache->collection_id,
                                                         gather->cache->schema_version);

  cache->replaces = TRUE;
  cache->cursor = g_steal_pointer (&cursor);
  _syncobj_stored_cache_reserve (cache, gather->cache->records->len);
  _syncobj_stored_cache_free (gather->cache);
  gather->cache = cache;
  gather->started = FALSE;
}

/* Rows between two looks at the clock. */
#define GATHER_ROWS 64

/* Gathers up to @count more rows of the list: FALSE once at its end. */
static gboolean
gather_list_rows (SyncobjCollectionCache *self,
                  SyncobjCacheGather     *gather,
                  guint                   count)
{
  SyncobjRow *row;

  for (guint i = 0; i < count; i++)
    {
      if ((row = _syncobj_row_order_next (&gather->next)) == NULL)
        return FALSE;
      gather_add_row (self, gather, row);
    }
  return TRUE;
}

gboolean
_syncobj_collection_cache_gather_run (SyncobjCollectionCache *self,
                                      SyncobjCacheGather     *gather,
                                      gint64                  deadline,
                                      guint                   max_rows)
{
  SyncobjTable *rows = _syncobj_overlay_peek_rows (self->overlay);
  SyncobjTableIter iter;
  SyncobjRow *row;
  guint n = 0;

  if (!gather->started)
    _syncobj_row_order_iter_init (&gather->next, self->order);
  gather->started = TRUE;

  while (gather_list_rows (self, gather, MIN (GATHER_ROWS, max_rows - n)))
    {
      n += MIN (GATHER_ROWS, max_rows - n);
      if (n >= max_rows || (deadline >= 0 && g_get_monotonic_time () >= deadline))
        return FALSE;
    }

  /* The rows outside the list, if there are any: those hidden by a
   * pending deletion, and rows kept for other reasons. */
  if (_syncobj_table_size (rows) > _syncobj_row_order_length (self->order))
    {
      _syncobj_table_iter_init (&iter, rows);
      while (_syncobj_table_iter_next (&iter, (gpointer *) &row, NULL))
        if (row->iter == NULL)
          gather_add_row (self, gather, row);
    }
  return TRUE;
}

void
_syncobj_collection_cache_gather_finish (SyncobjCollectionCache *self,
                                         SyncobjCacheGather     *gather)
{
  _syncobj_store_write_cache (self->store, g_steal_pointer (&gather->cache));
  g_free (gather);
}

void
_syncobj_collection_cache_commit (SyncobjCollectionCache *self,
                                  SyncobjSyncWrite       *writes,
                                  guint                   n_writes,
                                  gboolean                truncate,
                                  const char             *cursor)
{
  g_autoptr(SyncobjStoredCache) cache = NULL;

  if (truncate)
    {
      SyncobjCacheGather *gather = _syncobj_collection_cache_gather_new (self, cursor);

      _syncobj_collection_cache_gather_run (self, gather, -1, G_MAXUINT);
      _syncobj_collection_cache_gather_finish (self, gather);
      return;
    }

  cache = _syncobj_stored_cache_new (self->collection_id, self->schema_version);
  cache->cursor = g_strdup (cursor);
  for (guint i = 0; i < n_writes; i++)
    cache_add_key (self, cache, writes[i].key);
  _syncobj_store_write_cache (self->store, g_steal_pointer (&cache));
}

void
_syncobj_collection_cache_finish (SyncobjCollectionCache *self,
                                  SyncobjCollection      *collection,
                                  SyncobjObjectList      *mutations,
                                  gboolean                all_mine)
{
  g_autoptr(SyncobjStoredCache) cache =
    _syncobj_stored_cache_new (self->collection_id, self->schema_version);
  guint n = _syncobj_object_list_get_length (mutations);

  for (guint i = 0; i < n; i++)
    {
      SyncobjPendingMutation *mutation = _syncobj_object_list_peek (mutations, i);

      if (all_mine || _syncobj_pending_mutation_is_of (mutation, collection))
        cache_add_key (self, cache, mutation->key);
    }

  if (cache->records->len > 0)
    _syncobj_store_write_cache (self->store, g_steal_pointer (&cache));
}

/* Whether the cached record of @key holds an integer in @key_member: the
 * text of its key must then be a decimal integer, so only such keys are
 * looked at. */
static gboolean
cached_key_is_int (const char *key,
                   const char *value,
                   const char *key_member)
{
  const char *p = *key == '-' ? key + 1 : key;
  gsize start, length;

  if (*p == '\0')
    return FALSE;
  for (; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;

  /* The key member's token, found in the text without building the
   * record: an integer has neither a fraction nor an exponent. */
  if (!_syncobj_json_find_member (value, strlen (value), key_member, &start, &length) || length == 0)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isdigit (value[start + i]) && value[start + i] != '-')
      return FALSE;
  return TRUE;
}

void
_syncobj_collection_cache_adopt (SyncobjCollectionCache *self,
                                 SyncobjStoredCache     *cache,
                                 const char             *key_member,
                                 guint                   start,
                                 guint                   n)
{
  g_autoptr(GArray) writes = g_array_sized_new (FALSE, TRUE, sizeof (SyncobjSyncWrite), n);

  for (guint i = start; i < start + n; i++)
    {
      SyncobjCachedRecord *record = &g_array_index (cache->records, SyncobjCachedRecord, i);
      SyncobjSyncWrite write = {
        .type = SYNCOBJ_MUTATION_TYPE_INSERT,
        .key = record->key,
        .packed = record->value,
        .packed_length = record->value_length,
        .key_is_int = cached_key_is_int (record->key, record->value, key_member),
      };

      g_array_append_val (writes, write);
    }
  /* New keys from text stay packed: nothing is built. */
  _syncobj_overlay_apply_sync_writes (self->overlay, (SyncobjSyncWrite *) (gpointer) writes->data,
                                      writes->len, NULL);
}

void
_syncobj_collection_cache_adopt_cursor (SyncobjStoredCache *cache,
                                        SyncobjSync        *sync)
{
  if (sync != NULL && cache->cursor != NULL && *cache->cursor != '\0')
    _syncobj_sync_restore_cursor (sync, cache->cursor);
}

void
_syncobj_collection_cache_adopt_etags (SyncobjCollectionCache *self,
                                       SyncobjStoredCache     *cache)
{
  if (cache->etags == NULL)
    return;
  g_clear_pointer (&self->etags, g_hash_table_unref);
  self->etags = g_steal_pointer (&cache->etags);
}

/* ---- the ETags of cached records -------------------------------------------- */

const char *
_syncobj_collection_get_etag (SyncobjCollection *collection,
                              const char        *key)
{
  SyncobjCollectionCache *self = collection->cache;

  return self != NULL && self->etags != NULL ? g_hash_table_lookup (self->etags, key) : NULL;
}

void
_syncobj_collection_keep_etag (SyncobjCollection *collection,
                               const char        *key,
                               const char        *etag)
{
  SyncobjCollectionCache *self = collection->cache;
  g_autoptr(SyncobjStoredCache) cache = NULL;

  if (self == NULL)
    return;
  if (etag == NULL || *etag == '\0')
    {
      if (self->etags == NULL || !g_hash_table_remove (self->etags, key))
        return;
    }
  else
    {
      if (self->etags == NULL)
        self->etags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      if (g_strcmp0 (g_hash_table_lookup (self->etags, key), etag) == 0)
        return;
      g_hash_table_replace (self->etags, g_strdup (key), g_strdup (etag));
    }

  cache = _syncobj_stored_cache_new (self->collection_id, self->schema_version);
  _syncobj_stored_cache_set_etag (cache, key, etag);
  _syncobj_store_write_cache (self->store, g_steal_pointer (&cache));
}

gboolean
_syncobj_collection_cache_restore (SyncobjCollectionCache *self,
                                   const char             *key_member,
                                   SyncobjSync            *sync)
{
  g_autoptr(SyncobjStoreCacheRead) read =
    _syncobj_store_read_cache_slices (self->store, self->collection_id, self->schema_version);
  SyncobjStoredCache *slice;
  gboolean cached = FALSE;

  /* Each slice is shown while the writer thread reads the next. */
  while (read != NULL && (slice = _syncobj_store_cache_read_next (read)) != NULL)
    {
      _syncobj_collection_cache_adopt (self, slice, key_member, 0, slice->records->len);
      _syncobj_collection_cache_adopt_cursor (slice, sync);
      _syncobj_collection_cache_adopt_etags (self, slice);
      _syncobj_stored_cache_free (slice);
      cached = TRUE;
    }
  return cached;
}

/**
 * syncobj_collection_get_schema_version:
 * @self: a collection
 *
 * Gets [property@Syncobj.Collection:schema-version].
 *
 * Returns: the version of the application's record shape
 */
guint
syncobj_collection_get_schema_version (SyncobjCollection *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), 0);
  return self->schema_version;
}
