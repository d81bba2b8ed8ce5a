/* syncobj-store-writer-cache.c: the cache of synced records, on the writer thread
 *
 * The SQL side of the cache of each collection's synced records and its
 * sync cursor: the generations a snapshot writes and makes current, the
 * records of one sync commit written in the writer's rounds, reading the
 * current generation back (its records: syncobj-store-writer-read.c)
 * and clearing it. Each cached record keeps the ETag the server last gave
 * for it (column `etag`, "" for none), written after its row.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-store-writer-fields-private.h"
#include "syncobj-store-writer-cache-private.h"
#include "syncobj-store-sql-private.h"

/* The cache_state row of a collection, as committed. The records shown
 * are those of the current generation: a snapshot writes the next one,
 * in as many SQLite transactions as it takes, and becomes current in the
 * last one, which also deletes the older generation. */
typedef struct
{
  gint64  generation;
  gint64  next_position;   /* one after the highest position of the generation */
  gint64  schema_version;
  char   *cursor;
} CacheState;

static void
cache_state_free (CacheState *state)
{
  g_free (state->cursor);
  g_free (state);
}

/* A statement with its parameters, prepared once. */
typedef struct
{
  GdaStatement *statement;
  GdaSet       *params;
} Prepared;

static void
prepared_free (Prepared *prepared)
{
  g_clear_object (&prepared->statement);
  g_clear_object (&prepared->params);
  g_free (prepared);
}

static Prepared *
prepare (SyncobjStoreWriter  *self,
         const char          *sql,
         GError             **error)
{
  Prepared *prepared = g_hash_table_lookup (self->prepared, sql);

  if (prepared != NULL)
    return prepared;

  prepared = g_new0 (Prepared, 1);
  prepared->statement = _syncobj_store_sql_parse (sql, error);
  if (prepared->statement == NULL ||
      !gda_statement_get_parameters (prepared->statement, &prepared->params, error))
    {
      prepared_free (prepared);
      return NULL;
    }
  g_hash_table_insert (self->prepared, (gpointer) sql, prepared);
  return prepared;
}

/* Runs @prepared with the parameters its caller set: the number of rows
 * changed, or -1 with @error. */
static gint
prepared_run (SyncobjStoreWriter  *self,
              Prepared            *prepared,
              GError             **error)
{
  return gda_connection_statement_execute_non_select (self->cnc, prepared->statement,
                                                      prepared->params, NULL, error);
}

static const char *cache_state_select_sql =
  "SELECT generation, schema_version, cursor FROM cache_state "
  "WHERE collection_id = ##collection_id::string";
static const char *cache_next_position_sql =
  "SELECT coalesce(max(position) + 1, 0) FROM cache "
  "WHERE collection_id = ##collection_id::string AND generation = ##generation::gint64";
static const char *cache_state_write_sql =
  "INSERT OR REPLACE INTO cache_state (collection_id, generation, schema_version, cursor) "
  "VALUES (##collection_id::string, ##generation::gint64, ##schema_version::gint64, ##cursor::string)";
static const char *cache_update_sql =
  "UPDATE cache SET value = ##value::string WHERE collection_id = ##collection_id::string "
  "AND generation = ##generation::gint64 AND key = ##key::string";
static const char *cache_insert_sql =
  "INSERT OR REPLACE INTO cache (collection_id, generation, key, position, value) "
  "VALUES (##collection_id::string, ##generation::gint64, ##key::string, ##position::gint64, ##value::string)";
static const char *cache_delete_sql =
  "DELETE FROM cache WHERE collection_id = ##collection_id::string "
  "AND generation = ##generation::gint64 AND key = ##key::string";
static const char *cache_drop_other_generations_sql =
  "DELETE FROM cache WHERE collection_id = ##collection_id::string AND generation <> ##generation::gint64";
static const char *cache_clear_sql =
  "DELETE FROM cache WHERE collection_id = ##collection_id::string";
static const char *cache_etag_sql =
  "UPDATE cache SET etag = ##etag::string WHERE collection_id = ##collection_id::string "
  "AND generation = ##generation::gint64 AND key = ##key::string";
static const char *cache_state_clear_sql =
  "DELETE FROM cache_state WHERE collection_id = ##collection_id::string";

/* Runs a query of @sql with @collection_id (and @generation when >= 0)
 * and gives its model, with @types. */
static GdaDataModel *
cache_select (SyncobjStoreWriter  *self,
              const char          *sql,
              const char          *collection_id,
              gint64               generation,
              const GType         *types,
              GError             **error)
{
  Prepared *prepared = prepare (self, sql, error);

  if (prepared == NULL ||
      !_syncobj_store_sql_set_text (prepared->params, "collection_id", collection_id, error) ||
      (generation >= 0 && !_syncobj_store_sql_set_int (prepared->params, "generation", generation, error)))
    return NULL;

  return gda_connection_statement_execute_select_full (self->cnc, prepared->statement, prepared->params,
                                                       GDA_STATEMENT_MODEL_RANDOM_ACCESS,
                                                       (GType *) types, error);
}

/* The committed state of @collection_id's cache; NULL without error when
 * nothing is cached. */
static CacheState *
cache_state_get (SyncobjStoreWriter  *self,
                 const char          *collection_id,
                 GError             **error)
{
  static const GType state_types[] = { G_TYPE_INT64, G_TYPE_INT64, G_TYPE_STRING, G_TYPE_NONE };
  static const GType position_types[] = { G_TYPE_INT64, G_TYPE_NONE };
  CacheState *state = g_hash_table_lookup (self->cache_states, collection_id);
  g_autoptr(GdaDataModel) model = NULL;
  g_autoptr(GdaDataModel) positions = NULL;

  if (state != NULL)
    return state;

  model = cache_select (self, cache_state_select_sql, collection_id, -1, state_types, error);
  if (model == NULL || gda_data_model_get_n_rows (model) < 1)
    return NULL;

  state = g_new0 (CacheState, 1);
  state->generation = _syncobj_store_sql_value_int (gda_data_model_get_value_at (model, 0, 0, NULL));
  state->schema_version = _syncobj_store_sql_value_int (gda_data_model_get_value_at (model, 1, 0, NULL));
  state->cursor = g_strdup (_syncobj_store_sql_value_text (gda_data_model_get_value_at (model, 2, 0, NULL)));

  positions = cache_select (self, cache_next_position_sql, collection_id, state->generation,
                            position_types, error);
  if (positions == NULL)
    {
      cache_state_free (state);
      return NULL;
    }
  state->next_position = _syncobj_store_sql_value_int (gda_data_model_get_value_at (positions, 0, 0, NULL));

  g_hash_table_insert (self->cache_states, g_strdup (collection_id), state);
  return state;
}

static gboolean
cache_write_record (SyncobjStoreWriter   *self,
                    SyncobjStoredCache   *cache,
                    CacheState           *state,
                    SyncobjCachedRecord  *record,
                    gboolean              fresh,
                    GError              **error)
{
  Prepared *prepared;
  gint changed;

  if (record->value == NULL || !fresh)
    {
      prepared = prepare (self, record->value == NULL ? cache_delete_sql : cache_update_sql, error);
      if (prepared == NULL ||
          !_syncobj_store_sql_set_text (prepared->params, "collection_id", cache->collection_id, error) ||
          !_syncobj_store_sql_set_int (prepared->params, "generation", state->generation, error) ||
          !_syncobj_store_sql_set_text (prepared->params, "key", record->key, error) ||
          (record->value != NULL &&
           !_syncobj_store_sql_set_text (prepared->params, "value", record->value, error)))
        return FALSE;
      changed = prepared_run (self, prepared, error);
      if (changed < 0)
        return FALSE;
      if (changed > 0 || record->value == NULL)
        return TRUE;
    }

  /* A key new to this generation goes after the others. */
  prepared = prepare (self, cache_insert_sql, error);
  return prepared != NULL &&
         _syncobj_store_sql_set_text (prepared->params, "collection_id", cache->collection_id, error) &&
         _syncobj_store_sql_set_int (prepared->params, "generation", state->generation, error) &&
         _syncobj_store_sql_set_text (prepared->params, "key", record->key, error) &&
         _syncobj_store_sql_set_int (prepared->params, "position", state->next_position++, error) &&
         _syncobj_store_sql_set_text (prepared->params, "value", record->value, error) &&
         prepared_run (self, prepared, error) >= 0;
}

static gboolean
cache_write_state (SyncobjStoreWriter  *self,
                   const char          *collection_id,
                   CacheState          *state,
                   GError             **error)
{
  Prepared *prepared = prepare (self, cache_state_write_sql, error);

  return prepared != NULL &&
         _syncobj_store_sql_set_text (prepared->params, "collection_id", collection_id, error) &&
         _syncobj_store_sql_set_int (prepared->params, "generation", state->generation, error) &&
         _syncobj_store_sql_set_int (prepared->params, "schema_version", state->schema_version, error) &&
         _syncobj_store_sql_set_text (prepared->params, "cursor", state->cursor, error) &&
         prepared_run (self, prepared, error) >= 0;
}

static gboolean
cache_drop_other_generations (SyncobjStoreWriter  *self,
                              const char          *collection_id,
                              gint64               generation,
                              GError             **error)
{
  Prepared *prepared = prepare (self, cache_drop_other_generations_sql, error);

  return prepared != NULL &&
         _syncobj_store_sql_set_text (prepared->params, "collection_id", collection_id, error) &&
         _syncobj_store_sql_set_int (prepared->params, "generation", generation, error) &&
         prepared_run (self, prepared, error) >= 0;
}

/* Sets the ETags of @cache on the rows of the generation @generation
 * that exist (a record not cached yet gets its ETag when its row is
 * written, with the commit that brings it). */
static gboolean
cache_write_etags (SyncobjStoreWriter  *self,
                   SyncobjStoreRound   *round,
                   SyncobjStoredCache  *cache,
                   gint64               generation,
                   GError             **error)
{
  GHashTableIter iter;
  gpointer key, etag;

  if (cache->etags == NULL)
    return TRUE;
  g_hash_table_iter_init (&iter, cache->etags);
  while (g_hash_table_iter_next (&iter, &key, &etag))
    {
      Prepared *prepared = prepare (self, cache_etag_sql, error);

      if (prepared == NULL ||
          !_syncobj_store_writer_round_statement (round, 1, error) ||
          !_syncobj_store_sql_set_text (prepared->params, "collection_id", cache->collection_id, error) ||
          !_syncobj_store_sql_set_int (prepared->params, "generation", generation, error) ||
          !_syncobj_store_sql_set_text (prepared->params, "key", key, error) ||
          !_syncobj_store_sql_set_text (prepared->params, "etag", etag, error) ||
          prepared_run (self, prepared, error) < 0)
        return FALSE;
    }
  return TRUE;
}

/* Writes what one sync commit changed. A snapshot that replaces the cache
 * writes the next generation, which the last statements make current:
 * killed at any point, the file holds the old records or the new ones.
 * The state (and the cursor) is written last, with or after the records. */
gboolean
_syncobj_store_writer_cache_write (SyncobjStoreWriter  *self,
                                   SyncobjStoreRound   *round,
                                   SyncobjStoredCache  *cache,
                                   GError             **error)
{
  CacheState *committed;
  CacheState state = { 1, 0, cache->schema_version, NULL };
  g_autoptr(GError) local_error = NULL;

  committed = cache_state_get (self, cache->collection_id, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (committed != NULL)
    {
      state.generation = committed->generation;
      state.next_position = committed->next_position;
      state.cursor = committed->cursor;
    }
  if (cache->cursor != NULL)
    state.cursor = cache->cursor;

  /* Only ETags: for records cached already, if any. */
  if (cache->etags != NULL && !cache->replaces && cache->records->len == 0 && cache->cursor == NULL)
    return committed == NULL || cache_write_etags (self, round, cache, committed->generation, error);

  if (cache->replaces)
    {
      /* What a snapshot killed before it became current left behind. */
      state.generation = committed != NULL ? committed->generation + 1 : 1;
      state.next_position = 0;
      if (!_syncobj_store_writer_round_statement (round, 1, error) ||
          !cache_drop_other_generations (self, cache->collection_id,
                                         committed != NULL ? committed->generation : -1, error))
        return FALSE;
    }

  for (guint i = 0; i < cache->records->len; i++)
    if (!_syncobj_store_writer_round_statement (round, 1, error) ||
        !cache_write_record (self, cache, &state,
                             &g_array_index (cache->records, SyncobjCachedRecord, i),
                             cache->replaces, error))
      return FALSE;

  if (!cache_write_etags (self, round, cache, state.generation, error) ||
      !_syncobj_store_writer_round_statement (round, 2, error) ||
      !cache_write_state (self, cache->collection_id, &state, error) ||
      (cache->replaces && !cache_drop_other_generations (self, cache->collection_id, state.generation, error)))
    return FALSE;

  /* What the file will hold once this round commits; a failed round
   * forgets every state (see write_batch()). */
  if (committed == NULL)
    {
      committed = g_new0 (CacheState, 1);
      g_hash_table_insert (self->cache_states, g_strdup (cache->collection_id), committed);
    }
  committed->generation = state.generation;
  committed->next_position = state.next_position;
  committed->schema_version = state.schema_version;
  if (committed->cursor != state.cursor)
    {
      g_free (committed->cursor);
      committed->cursor = g_strdup (state.cursor);
    }
  return TRUE;
}

/* Deletes the cache of @collection_id, or of every collection. */
gboolean
_syncobj_store_writer_cache_clear (SyncobjStoreWriter  *self,
                                   const char          *collection_id,
                                   GError             **error)
{
  if (!gda_connection_begin_transaction (self->cnc, NULL, GDA_TRANSACTION_ISOLATION_UNKNOWN, error))
    return FALSE;

  if (collection_id == NULL)
    {
      Prepared *all = prepare (self, "DELETE FROM cache", error);
      Prepared *all_states = all != NULL ? prepare (self, "DELETE FROM cache_state", error) : NULL;

      if (all_states == NULL || prepared_run (self, all, error) < 0 || prepared_run (self, all_states, error) < 0)
        goto failed;
      g_hash_table_remove_all (self->cache_states);
    }
  else
    {
      Prepared *rows = prepare (self, cache_clear_sql, error);
      Prepared *state = rows != NULL ? prepare (self, cache_state_clear_sql, error) : NULL;

      if (state == NULL ||
          !_syncobj_store_sql_set_text (rows->params, "collection_id", collection_id, error) ||
          !_syncobj_store_sql_set_text (state->params, "collection_id", collection_id, error) ||
          prepared_run (self, rows, error) < 0 || prepared_run (self, state, error) < 0)
        goto failed;
      g_hash_table_remove (self->cache_states, collection_id);
    }

  return gda_connection_commit_transaction (self->cnc, NULL, error);

failed:
  gda_connection_rollback_transaction (self->cnc, NULL, NULL);
  return FALSE;
}

/* Reads the records of the current generation, checks each, and skips
 * (with a log line) those that cannot be shown. */
void
_syncobj_store_writer_cache_read (SyncobjStoreWriter  *self,
                                  const char          *collection_id,
                                  guint                schema_version,
                                  GAsyncQueue         *slices,
                                  GError             **error)
{
  g_autoptr(SyncobjStoredCache) last = NULL;
  g_autoptr(GError) local_error = NULL;
  CacheState *state;
  gboolean drop_cursor = FALSE;

  state = cache_state_get (self, collection_id, &local_error);
  if (state == NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return;
    }

  if (state->schema_version != schema_version)
    {
      g_message ("Syncobj store %s: the cache of collection “%s” was written for schema version %"
                 G_GINT64_FORMAT ", not %u; it is dropped", self->path, collection_id,
                 state->schema_version, schema_version);
      _syncobj_store_writer_cache_clear (self, collection_id, error);
      return;
    }

  last = _syncobj_store_writer_cache_read_rows (self, collection_id, schema_version, state->generation,
                                                slices, &drop_cursor, error);
  if (last == NULL)
    return;

  /* No cursor (a sync that keeps none) is no cursor to drop. */
  if (!drop_cursor && state->cursor != NULL &&
      !_syncobj_stored_cache_check_cursor (state->cursor, &local_error))
    {
      g_message ("Syncobj store %s: the cursor of collection “%s” cannot be read and was dropped: %s",
                 self->path, collection_id, local_error->message);
      drop_cursor = TRUE;
    }
  last->cursor = g_strdup (drop_cursor || state->cursor == NULL ? "" : state->cursor);
  g_async_queue_push (slices, g_steal_pointer (&last));
}

void
_syncobj_store_writer_cache_init (SyncobjStoreWriter *self)
{
  self->cache_states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) cache_state_free);
  self->prepared = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) prepared_free);
}
