/* syncobj-store-sql.c: SQL on the store's writer thread
 *
 * Small helpers over libgda 5 (statements, parameters, values) and the
 * schema of the store's file with its migrations. Only the writer thread
 * (syncobj-store-writer.c) calls them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-store-sql-private.h"

/* ---- helpers ------------------------------------------------------------- */

GdaStatement *
_syncobj_store_sql_parse (const char  *sql,
                          GError     **error)
{
  g_autoptr(GdaSqlParser) parser = gda_sql_parser_new ();

  return gda_sql_parser_parse_string (parser, sql, NULL, error);
}

/* Runs @sql, which must not return rows. */
static gboolean
execute (GdaConnection  *cnc,
         const char     *sql,
         GError        **error)
{
  g_autoptr(GdaStatement) statement = _syncobj_store_sql_parse (sql, error);

  if (statement == NULL)
    return FALSE;

  /* -2 means "number of rows unknown", as for DDL; -1 is an error. */
  return gda_connection_statement_execute_non_select (cnc, statement, NULL, NULL, error) != -1;
}

/* Runs a query (or a PRAGMA, which returns rows) and gives the first column
 * of the first row as text; "" when there is no row. */
char *
_syncobj_store_sql_query_text (GdaConnection  *cnc,
                               const char     *sql,
                               GError        **error)
{
  g_autoptr(GdaStatement) statement = _syncobj_store_sql_parse (sql, error);
  g_autoptr(GdaDataModel) model = NULL;
  const GValue *value;

  if (statement == NULL)
    return NULL;

  model = gda_connection_statement_execute_select (cnc, statement, NULL, error);
  if (model == NULL)
    return NULL;

  if (gda_data_model_get_n_rows (model) < 1)
    return g_strdup ("");

  value = gda_data_model_get_value_at (model, 0, 0, error);
  if (value == NULL)
    return NULL;
  if (G_VALUE_HOLDS_STRING (value))
    return g_value_dup_string (value);
  if (gda_value_is_null (value))
    return g_strdup ("");
  return gda_value_stringify (value);
}

gboolean
_syncobj_store_sql_set_text_holder (GdaHolder   *holder,
                                    const char  *text,
                                    GError     **error)
{
  GValue value = G_VALUE_INIT;
  gboolean ok;

  g_value_init (&value, G_TYPE_STRING);
  g_value_set_static_string (&value, text != NULL ? text : "");
  ok = gda_holder_set_value (holder, &value, error);
  g_value_unset (&value);

  return ok;
}

gboolean
_syncobj_store_sql_set_int_holder (GdaHolder   *holder,
                                   gint64       number,
                                   GError     **error)
{
  GValue value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_INT64);
  g_value_set_int64 (&value, number);
  return gda_holder_set_value (holder, &value, error);
}

gboolean
_syncobj_store_sql_set_text (GdaSet      *params,
                             const char  *name,
                             const char  *text,
                             GError     **error)
{
  return _syncobj_store_sql_set_text_holder (gda_set_get_holder (params, name), text, error);
}

gboolean
_syncobj_store_sql_set_int (GdaSet      *params,
                            const char  *name,
                            gint64       number,
                            GError     **error)
{
  return _syncobj_store_sql_set_int_holder (gda_set_get_holder (params, name), number, error);
}

const char *
_syncobj_store_sql_value_text (const GValue *value)
{
  return value != NULL && G_VALUE_HOLDS_STRING (value) && g_value_get_string (value) != NULL
         ? g_value_get_string (value) : "";
}

gint64
_syncobj_store_sql_value_int (const GValue *value)
{
  if (value == NULL)
    return 0;
  if (G_VALUE_HOLDS_INT64 (value))
    return g_value_get_int64 (value);
  if (G_VALUE_HOLDS_INT (value))
    return g_value_get_int (value);
  return 0;
}

/* ---- the schema ------------------------------------------------------------ */

/* Version 1 kept neither the counted attempts nor metadata. */
static const char *schema_v1[] = {
  "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value INT64 NOT NULL)",
  "CREATE TABLE transactions ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  collection_id TEXT NOT NULL,"
  "  state INT64 NOT NULL,"
  "  created_at INT64 NOT NULL,"
  "  updated_at INT64 NOT NULL,"
  "  sequence INT64 NOT NULL,"
  "  current_attempt INT64 NOT NULL,"
  "  queued_behind TEXT NOT NULL,"
  "  error TEXT NOT NULL,"
  "  error_transaction_id TEXT NOT NULL,"
  "  attempts TEXT NOT NULL,"
  "  mutations TEXT NOT NULL)",
  "CREATE INDEX transactions_by_collection ON transactions (collection_id, sequence)",
  "INSERT INTO meta (key, value) VALUES ('schema_version', 1)",
  NULL
};

/* Migrations: migrations[n] takes a file from version n + 1 to n + 2. */
static const char *migration_v2[] = {
  "ALTER TABLE transactions ADD COLUMN counted_attempts INT64 NOT NULL DEFAULT 0",
  "ALTER TABLE transactions ADD COLUMN metadata TEXT NOT NULL DEFAULT ''",
  "UPDATE transactions SET counted_attempts = current_attempt",
  "CREATE INDEX transactions_by_state ON transactions (state, updated_at)",
  "UPDATE meta SET value = 2 WHERE key = 'schema_version'",
  NULL
};

/* Version 3 adds the cache of synced state: the records of each
 * collection's current generation (see syncobj-store-writer.c), and per
 * collection the generation, the application's schema version and the
 * sync's cursor. */
static const char *migration_v3[] = {
  "CREATE TABLE cache ("
  "  collection_id TEXT NOT NULL,"
  "  generation INT64 NOT NULL,"
  "  key TEXT NOT NULL,"
  "  position INT64 NOT NULL,"
  "  value TEXT NOT NULL,"
  "  PRIMARY KEY (collection_id, generation, key))",
  "CREATE INDEX cache_by_position ON cache (collection_id, generation, position)",
  "CREATE TABLE cache_state ("
  "  collection_id TEXT PRIMARY KEY NOT NULL,"
  "  generation INT64 NOT NULL,"
  "  schema_version INT64 NOT NULL,"
  "  cursor TEXT NOT NULL)",
  "UPDATE meta SET value = 3 WHERE key = 'schema_version'",
  NULL
};

/* Version 4 keeps only the changes of a write to a collection with a
 * cache: its original and modified values are rebuilt from the cached
 * record at a restart. Rows of version 3, which hold them, are read as
 * they are; a version that does not rebuild them refuses the file. */
static const char *migration_v4[] = {
  "UPDATE meta SET value = 4 WHERE key = 'schema_version'",
  NULL
};

/* Version 5 keeps with each cached record the ETag the server gave for
 * it ("" for none), which the HTTP mutator sends as If-Match after a
 * restart. Older rows have none. */
static const char *migration_v5[] = {
  "ALTER TABLE cache ADD COLUMN etag TEXT NOT NULL DEFAULT ''",
  "UPDATE meta SET value = 5 WHERE key = 'schema_version'",
  NULL
};

/* Version 6 keeps the cache in the order it is shown: the table is keyed
 * by (collection_id, generation, position), WITHOUT ROWID, so that a
 * start reads a generation's records by one sequential scan of the
 * table's own B-tree. Through the index by position of version 3, each
 * row took a seek into the table, which made a start take twice as long
 * as it needs. Per-key updates and deletes go through the index by key.
 * The positions of a generation are renumbered 0, 1, 2... in their order
 * (the old key did not make them unique). */
static const char *migration_v6[] = {
  "CREATE TABLE cache_v6 ("
  "  collection_id TEXT NOT NULL,"
  "  generation INT64 NOT NULL,"
  "  key TEXT NOT NULL,"
  "  position INT64 NOT NULL,"
  "  value TEXT NOT NULL,"
  "  etag TEXT NOT NULL DEFAULT '',"
  "  PRIMARY KEY (collection_id, generation, position)) WITHOUT ROWID",
  "INSERT INTO cache_v6 (collection_id, generation, key, position, value, etag) "
  "SELECT collection_id, generation, key, "
  "row_number() OVER (PARTITION BY collection_id, generation ORDER BY position, key) - 1, value, etag "
  "FROM cache",
  "DROP TABLE cache",
  "ALTER TABLE cache_v6 RENAME TO cache",
  "CREATE UNIQUE INDEX cache_by_key ON cache (collection_id, generation, key)",
  "UPDATE meta SET value = 6 WHERE key = 'schema_version'",
  NULL
};

static const char **migrations[] = { migration_v2, migration_v3, migration_v4, migration_v5, migration_v6 };

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) + 1 == SYNCOBJ_STORE_SCHEMA_VERSION);

static gboolean
run_script (GdaConnection  *cnc,
            const char    **script,
            GError        **error)
{
  if (!gda_connection_begin_transaction (cnc, NULL, GDA_TRANSACTION_ISOLATION_UNKNOWN, error))
    return FALSE;

  for (guint i = 0; script[i] != NULL; i++)
    if (!execute (cnc, script[i], error))
      {
        gda_connection_rollback_transaction (cnc, NULL, NULL);
        return FALSE;
      }

  return gda_connection_commit_transaction (cnc, NULL, error);
}

static gint64
read_schema_version (GdaConnection  *cnc,
                     GError        **error)
{
  g_autofree char *has_meta = NULL;
  g_autofree char *version = NULL;

  has_meta = _syncobj_store_sql_query_text (cnc, "SELECT count(*) FROM sqlite_master "
                                            "WHERE type = 'table' AND name = 'meta'", error);
  if (has_meta == NULL)
    return -1;
  if (g_strcmp0 (has_meta, "0") == 0)
    return 0;

  version = _syncobj_store_sql_query_text (cnc, "SELECT value FROM meta WHERE key = 'schema_version'", error);
  if (version == NULL)
    return -1;

  return g_ascii_strtoll (version, NULL, 10);
}

gboolean
_syncobj_store_sql_migrate (GdaConnection  *cnc,
                            const char     *path,
                            GError        **error)
{
  gint64 version = read_schema_version (cnc, error);

  if (version < 0)
    return FALSE;

  if (version > SYNCOBJ_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                   _("it was written by a newer version of libsyncobj (schema version %lld"
                     "; this version reads up to %d)"),
                   (long long) version, SYNCOBJ_STORE_SCHEMA_VERSION);
      return FALSE;
    }

  if (version == 0 && !run_script (cnc, schema_v1, error))
    return FALSE;

  for (gint64 v = MAX (version, 1); v < SYNCOBJ_STORE_SCHEMA_VERSION; v++)
    {
      g_debug ("migrating store %s from schema version %" G_GINT64_FORMAT, path, v);
      if (!run_script (cnc, migrations[v - 1], error))
        return FALSE;
    }

  return TRUE;
}

