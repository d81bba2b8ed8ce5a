/* cache-test.c: the store's cache of synced state — round trip in order,
 * snapshots that replace it, the cursor, schema versions, clearing,
 * damaged rows and a full disk
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "store-test-utils.h"
#include "disk-full.h"
#include "syncobj-store-private.h"
#include "syncobj-collection-private.h"
#include "syncobj-sync-private.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/wait.h>

/* A commit of @collection_id: "key=value" items ("key=" deletes). */
static SyncobjStoredCache *
commit_of (const char  *collection_id,
           gboolean     replaces,
           const char  *cursor,
           const char **items)
{
  SyncobjStoredCache *cache = _syncobj_stored_cache_new (collection_id, 0);

  cache->replaces = replaces;
  cache->cursor = g_strdup (cursor);
  for (guint i = 0; items[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (items[i], "=", 2);

      _syncobj_stored_cache_add (cache, parts[0], *parts[1] != '\0' ? parts[1] : NULL, -1);
    }
  return cache;
}

static void
write_commit (SyncobjStore *store,
              const char   *collection_id,
              gboolean      replaces,
              const char   *cursor,
              const char  **items)
{
  _syncobj_store_write_cache (store, commit_of (collection_id, replaces, cursor, items));
}

/* "key=value;key=value|cursor" of what @store holds for @collection_id. */
static char *
describe (SyncobjStore *store,
          const char   *collection_id,
          guint         schema_version)
{
  g_autoptr(SyncobjStoredCache) cache = _syncobj_store_read_cache (store, collection_id, schema_version);
  GString *out = g_string_new (NULL);

  if (cache == NULL)
    return g_string_free (out, FALSE);

  for (guint i = 0; i < cache->records->len; i++)
    {
      SyncobjCachedRecord *record = &g_array_index (cache->records, SyncobjCachedRecord, i);

      g_string_append_printf (out, "%s%s=%s", i > 0 ? ";" : "", record->key, record->value);
    }
  g_string_append_printf (out, "|%s", cache->cursor);
  return g_string_free (out, FALSE);
}

static SyncobjStore *
reopen (SyncobjStore **store,
        const char    *path)
{
  g_autoptr(GError) error = NULL;

  if (*store != NULL)
    syncobj_store_test_flush (*store);
  g_clear_object (store);
  *store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  return *store;
}

static void
assert_cache (SyncobjStore *store,
              const char   *collection_id,
              const char   *expected)
{
  g_autofree char *described = describe (store, collection_id, 0);

  g_assert_cmpstr (described, ==, expected);
}

static void
test_round_trip (void)
{
  g_autofree char *path = syncobj_store_test_path ("cache-round-trip.db");
  g_autoptr(SyncobjStore) store = NULL;

  reopen (&store, path);
  assert_cache (store, "todos", "");

  write_commit (store, "todos", FALSE, "c1", (const char *[]) { "b={\"id\":\"b\"}", "a={\"id\":\"a\"}", NULL });
  /* An update keeps the position; a new key goes last; a deletion goes. */
  write_commit (store, "todos", FALSE, NULL,
                (const char *[]) { "b={\"id\":\"b\",\"n\":2}", "c={\"id\":\"c\"}", "a=", NULL });
  assert_cache (reopen (&store, path), "todos", "b={\"id\":\"b\",\"n\":2};c={\"id\":\"c\"}|c1");

  /* Another collection's records never show. */
  write_commit (store, "other", FALSE, "o1", (const char *[]) { "x={\"id\":\"x\"}", NULL });
  assert_cache (reopen (&store, path), "todos", "b={\"id\":\"b\",\"n\":2};c={\"id\":\"c\"}|c1");
  assert_cache (store, "other", "x={\"id\":\"x\"}|o1");

  /* A cursor "" drops it. */
  write_commit (store, "other", FALSE, "", (const char *[]) { NULL });
  assert_cache (reopen (&store, path), "other", "x={\"id\":\"x\"}|");
}

static void
test_replace (void)
{
  g_autofree char *path = syncobj_store_test_path ("cache-replace.db");
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *expected = NULL;
  GString *joined = g_string_new (NULL);

  reopen (&store, path);
  write_commit (store, "todos", FALSE, "c1",
                (const char *[]) { "a={\"id\":\"a\"}", "b={\"id\":\"b\"}", "c={\"id\":\"c\"}", NULL });
  /* A snapshot: only its records, in its order, with its cursor. */
  write_commit (store, "todos", TRUE, "c2", (const char *[]) { "c={\"id\":\"c\",\"n\":1}", "a={\"id\":\"a\"}", NULL });
  assert_cache (reopen (&store, path), "todos", "c={\"id\":\"c\",\"n\":1};a={\"id\":\"a\"}|c2");
  /* Later writes go to the snapshot's records. */
  write_commit (store, "todos", FALSE, "c3", (const char *[]) { "d={\"id\":\"d\"}", "c=", NULL });
  assert_cache (reopen (&store, path), "todos", "a={\"id\":\"a\"};d={\"id\":\"d\"}|c3");
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT count(*) FROM cache"), ==, 2);

  /* A snapshot larger than one SQLite transaction takes. */
  for (guint i = 0; i < 1200; i++)
    {
      g_ptr_array_add (items, g_strdup_printf ("k%04u={\"id\":\"k%04u\"}", i, i));
      g_string_append_printf (joined, "%sk%04u={\"id\":\"k%04u\"}", i > 0 ? ";" : "", i, i);
    }
  g_ptr_array_add (items, NULL);
  write_commit (store, "todos", TRUE, "big", (const char **) items->pdata);
  g_string_append (joined, "|big");
  expected = g_string_free (joined, FALSE);
  assert_cache (reopen (&store, path), "todos", expected);
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT count(*) FROM cache"), ==, 1200);
}

/* What a snapshot killed before it became current wrote is never shown. */
static void
test_replace_interrupted (void)
{
  g_autofree char *path = syncobj_store_test_path ("cache-interrupted.db");
  g_autoptr(SyncobjStore) store = NULL;
  const char *leftover[] = {
    "INSERT INTO cache (collection_id, generation, key, position, value) "
    "VALUES ('todos', 2, 'z', 0, '{\"id\":\"z\"}')",
    NULL
  };

  reopen (&store, path);
  write_commit (store, "todos", TRUE, "c1", (const char *[]) { "a={\"id\":\"a\"}", NULL });
  syncobj_store_test_flush (store);
  g_clear_object (&store);
  syncobj_store_test_run_sql (path, leftover);

  assert_cache (reopen (&store, path), "todos", "a={\"id\":\"a\"}|c1");
  write_commit (store, "todos", TRUE, "c2", (const char *[]) { "b={\"id\":\"b\"}", NULL });
  assert_cache (reopen (&store, path), "todos", "b={\"id\":\"b\"}|c2");
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT count(*) FROM cache"), ==, 1);
}

/* A file of schema version 5, which kept the cache by key with an index
 * by position, as an older libsyncobj wrote it. */
static const char *cache_v5[] = {
  "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value INT64 NOT NULL)",
  "CREATE TABLE transactions (id TEXT PRIMARY KEY NOT NULL, collection_id TEXT NOT NULL,"
  " state INT64 NOT NULL, created_at INT64 NOT NULL, updated_at INT64 NOT NULL,"
  " sequence INT64 NOT NULL, current_attempt INT64 NOT NULL, queued_behind TEXT NOT NULL,"
  " error TEXT NOT NULL, error_transaction_id TEXT NOT NULL, attempts TEXT NOT NULL,"
  " mutations TEXT NOT NULL, counted_attempts INT64 NOT NULL DEFAULT 0,"
  " metadata TEXT NOT NULL DEFAULT '')",
  "CREATE INDEX transactions_by_collection ON transactions (collection_id, sequence)",
  "CREATE INDEX transactions_by_state ON transactions (state, updated_at)",
  "CREATE TABLE cache (collection_id TEXT NOT NULL, generation INT64 NOT NULL, key TEXT NOT NULL,"
  " position INT64 NOT NULL, value TEXT NOT NULL, etag TEXT NOT NULL DEFAULT '',"
  " PRIMARY KEY (collection_id, generation, key))",
  "CREATE INDEX cache_by_position ON cache (collection_id, generation, position)",
  "CREATE TABLE cache_state (collection_id TEXT PRIMARY KEY NOT NULL, generation INT64 NOT NULL,"
  " schema_version INT64 NOT NULL, cursor TEXT NOT NULL)",
  "INSERT INTO meta (key, value) VALUES ('schema_version', 5)",
  /* Inserted out of their order, with a gap and a position used twice. */
  "INSERT INTO cache VALUES ('todos', 3, 'a', 7, '{\"id\":\"a\"}', '\"e-a\"')",
  "INSERT INTO cache VALUES ('todos', 3, 'c', 0, '{\"id\":\"c\"}', '')",
  "INSERT INTO cache VALUES ('todos', 3, 'b', 7, '{\"id\":\"b\"}', '')",
  "INSERT INTO cache VALUES ('todos', 2, 'z', 0, '{\"id\":\"z\"}', '')",
  "INSERT INTO cache VALUES ('other', 1, 'x', 4, '{\"id\":\"x\"}', '')",
  "INSERT INTO cache_state VALUES ('todos', 3, 0, 'c5')",
  "INSERT INTO cache_state VALUES ('other', 1, 0, 'o5')",
  NULL
};

/* A cache written by version 5 reads in the same order once migrated to
 * the table keyed by position, and takes updates, deletions, new keys
 * and a snapshot. */
static void
test_migration_v5 (void)
{
  g_autofree char *path = syncobj_store_test_path ("cache-v5.db");
  g_autoptr(SyncobjStore) store = NULL;

  syncobj_store_test_run_sql (path, cache_v5);
  assert_cache (reopen (&store, path), "todos", "c={\"id\":\"c\"};a={\"id\":\"a\"};b={\"id\":\"b\"}|c5");
  assert_cache (store, "other", "x={\"id\":\"x\"}|o5");
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT value FROM meta WHERE key = 'schema_version'"), ==, 6);
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT count(*) FROM sqlite_master "
                                                 "WHERE name = 'cache' AND sql LIKE '%WITHOUT ROWID%'"), ==, 1);
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT position FROM cache WHERE key = 'b'"), ==, 2);
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT count(*) FROM cache "
                                                 "WHERE key = 'a' AND etag = '\"e-a\"'"), ==, 1);

  write_commit (store, "todos", FALSE, "c6",
                (const char *[]) { "a={\"id\":\"a\",\"n\":1}", "c=", "d={\"id\":\"d\"}", NULL });
  assert_cache (reopen (&store, path), "todos", "a={\"id\":\"a\",\"n\":1};b={\"id\":\"b\"};d={\"id\":\"d\"}|c6");
  write_commit (store, "todos", TRUE, "c7", (const char *[]) { "e={\"id\":\"e\"}", "b={\"id\":\"b\"}", NULL });
  assert_cache (reopen (&store, path), "todos", "e={\"id\":\"e\"};b={\"id\":\"b\"}|c7");
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT count(*) FROM cache WHERE collection_id = 'todos'"), ==, 2);
}

static void
test_schema_version (void)
{
  g_autofree char *path = syncobj_store_test_path ("cache-schema.db");
  g_autoptr(SyncobjStore) store = NULL;
  g_autofree char *described = NULL;

  reopen (&store, path);
  write_commit (store, "todos", FALSE, "c1", (const char *[]) { "a={\"id\":\"a\"}", NULL });
  reopen (&store, path);
  described = describe (store, "todos", 2);
  g_assert_cmpstr (described, ==, "");
  syncobj_store_test_assert_logged ("*cache of collection “todos” was written for schema version 0, not 2*");
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT count(*) FROM cache"), ==, 0);
}

static void
cleared_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (syncobj_store_clear_cache_finish (SYNCOBJ_STORE (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
clear (SyncobjStore *store,
       const char   *collection_id)
{
  gboolean done = FALSE;

  syncobj_store_clear_cache_async (store, collection_id, NULL, cleared_cb, &done);
  syncobj_store_test_wait_for (&done);
}

static void
test_clear (void)
{
  g_autofree char *path = syncobj_store_test_path ("cache-clear.db");
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjStore) memory = syncobj_store_new_in_memory ();

  reopen (&store, path);
  write_commit (store, "todos", FALSE, "c1", (const char *[]) { "a={\"id\":\"a\"}", NULL });
  write_commit (store, "lists", FALSE, "l1", (const char *[]) { "l={\"id\":\"l\"}", NULL });
  write_commit (store, "tags", FALSE, "t1", (const char *[]) { "t={\"id\":\"t\"}", NULL });
  clear (store, "todos");
  assert_cache (store, "todos", "");
  assert_cache (store, "lists", "l={\"id\":\"l\"}|l1");
  /* Written again after a clear: only what came after it. */
  write_commit (store, "todos", FALSE, NULL, (const char *[]) { "b={\"id\":\"b\"}", NULL });
  assert_cache (reopen (&store, path), "todos", "b={\"id\":\"b\"}|");
  clear (store, NULL);
  assert_cache (reopen (&store, path), "lists", "");
  assert_cache (store, "tags", "");
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT count(*) FROM cache_state"), ==, 0);

  clear (memory, NULL);
  g_assert_null (_syncobj_store_read_cache (memory, "todos", 0));
}

static void
test_bad_rows (void)
{
  g_autofree char *path = syncobj_store_test_path ("cache-bad.db");
  g_autoptr(SyncobjStore) store = NULL;
  const char *damage[] = {
    "UPDATE cache SET value = '{\"id\":\"b\",' WHERE key = 'b'",
    "UPDATE cache SET value = '[1]' WHERE key = 'c'",
    NULL
  };
  const char *bad_cursor[] = { "UPDATE cache_state SET cursor = 'a' || char(10) || 'b'", NULL };

  reopen (&store, path);
  write_commit (store, "todos", FALSE, "c1",
                (const char *[]) { "a={\"id\":\"a\"}", "b={\"id\":\"b\"}", "c={\"id\":\"c\"}", "d={\"id\":\"d\"}", NULL });
  syncobj_store_test_flush (store);
  g_clear_object (&store);
  syncobj_store_test_run_sql (path, damage);

  /* The others show; the cursor goes, so that everything loads again. */
  assert_cache (reopen (&store, path), "todos", "a={\"id\":\"a\"};d={\"id\":\"d\"}|");
  syncobj_store_test_assert_logged ("*a cached record of collection “todos” cannot be read and was skipped*");

  g_clear_object (&store);
  syncobj_store_test_run_sql (path, (const char *[]) { "DELETE FROM cache WHERE key IN ('b', 'c')", NULL });
  syncobj_store_test_run_sql (path, bad_cursor);
  assert_cache (reopen (&store, path), "todos", "a={\"id\":\"a\"};d={\"id\":\"d\"}|");
  syncobj_store_test_assert_logged ("*the cursor of collection “todos” cannot be read and was dropped*");
}

/* More records than the writer hands over in one slice, with damage in
 * later slices: a value cut at a NUL, a number, a key with a NUL, an
 * escaped NUL, a number out of range. The others show in their order,
 * through both readers; the cursor goes. */
static void
test_bad_rows_many (void)
{
  g_autofree char *path = syncobj_store_test_path ("cache-bad-many.db");
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjStoredCache) read = NULL;
  g_autoptr(SyncobjSync) sync = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  /* The first record written by the store, the others added straight to
   * its generation: quick even under sanitizers. */
  const char *fill[] = {
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9999) "
    "INSERT INTO cache (collection_id, generation, key, position, value) "
    "SELECT 'todos', (SELECT generation FROM cache_state WHERE collection_id = 'todos'), "
    "'k' || i, i, '{\"id\":\"k' || i || '\",\"n\":' || i || '}' FROM n",
    NULL
  };
  const char *damage[] = {
    "UPDATE cache SET value = '{\"id\":\"k5000\"' || char(0) || '}' WHERE key = 'k5000'",
    "UPDATE cache SET value = 42 WHERE key = 'k9000'",
    "UPDATE cache SET value = '{\"id\":\"k7000\",\"t\":\"a\\u0000b\"}' WHERE key = 'k7000'",
    "UPDATE cache SET value = '{\"id\":\"k7001\",\"n\":1e999}' WHERE key = 'k7001'",
    "UPDATE cache SET key = 'k9001' || char(0) || 'x' WHERE key = 'k9001'",
    NULL
  };
  const guint n = 10000;
  guint shown = 0;

  reopen (&store, path);
  write_commit (store, "todos", FALSE, "c1", (const char *[]) { "k0={\"id\":\"k0\",\"n\":0}", NULL });
  syncobj_store_test_flush (store);
  g_clear_object (&store);
  syncobj_store_test_run_sql (path, fill);
  syncobj_store_test_run_sql (path, damage);

  read = _syncobj_store_read_cache (reopen (&store, path), "todos", 0);
  g_assert_nonnull (read);
  g_assert_cmpuint (read->records->len, ==, n - 5);
  g_assert_cmpstr (read->cursor, ==, "");
  syncobj_store_test_assert_logged ("*a cached record of collection “todos” cannot be read and was skipped*");

  sync = syncobj_sync_new ("todos-sync");
  collection = syncobj_collection_new_with_store ("todos", sync, NULL, store);
  syncobj_store_test_assert_logged ("*a cached record of collection “todos” cannot be read and was skipped*");
  g_assert_cmpint (syncobj_collection_get_status (collection), ==, SYNCOBJ_COLLECTION_STATUS_CACHED);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (collection)), ==, n - 5);
  g_assert_null (syncobj_sync_get_cursor (sync));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyncobjRecord) record = NULL;
      g_autofree char *key = g_strdup_printf ("k%u", i);
      SyncobjCachedRecord *cached;

      if (i == 5000 || i == 7000 || i == 7001 || i == 9000 || i == 9001)
        continue;
      record = g_list_model_get_item (G_LIST_MODEL (collection), shown);
      g_assert_cmpstr (syncobj_record_get_key (record), ==, key);
      cached = &g_array_index (read->records, SyncobjCachedRecord, shown);
      g_assert_cmpstr (cached->key, ==, key);
      g_assert_cmpuint (cached->value_length, ==, strlen (cached->value));
      shown++;
    }
}

static void
test_full_disk (void)
{
  g_autofree char *path = syncobj_store_test_path ("cache-full-disk.db");
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(GError) error = NULL;

  reopen (&store, path);
  write_commit (store, "todos", FALSE, "c1", (const char *[]) { "a={\"id\":\"a\"}", NULL });
  syncobj_store_test_flush (store);

  syncobj_test_set_disk_full (TRUE);
  write_commit (store, "todos", TRUE, "c2", (const char *[]) { "b={\"id\":\"b\"}", NULL });
  write_commit (store, "todos", FALSE, "c3", (const char *[]) { "c={\"id\":\"c\"}", NULL });
  while (syncobj_store_get_write_error (store) == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error ((GError *) syncobj_store_get_write_error (store), SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE);
  syncobj_store_test_assert_logged ("*cache-full-disk.db: writing failed*");

  /* Room again: both commits are written, in order. */
  syncobj_test_set_disk_full (FALSE);
  syncobj_store_test_flush (store);
  g_assert_null (syncobj_store_get_write_error (store));
  syncobj_store_test_assert_logged ("*writing works again*");
  assert_cache (reopen (&store, path), "todos", "b={\"id\":\"b\"};c={\"id\":\"c\"}|c3");
  g_clear_error (&error);
}

/* ---- collections ----------------------------------------------------------- */

static void
sync_commit (SyncobjSync  *sync,
             gboolean      truncate,
             const char   *cursor,
             const char  **records)
{
  g_autoptr(GError) error = NULL;

  syncobj_sync_begin (sync);
  if (truncate)
    g_assert_true (syncobj_sync_truncate (sync, &error));
  for (guint i = 0; records[i] != NULL; i++)
    {
      g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_INSERT, records[i], &error));
      g_assert_no_error (error);
    }
  g_assert_true (syncobj_sync_commit_with_cursor (sync, cursor, &error));
  g_assert_no_error (error);
}

static void
test_collection_start_offline (void)
{
  g_autofree char *path = syncobj_store_test_path ("cache-start.db");
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("todos-sync");
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(GError) error = NULL;

  reopen (&store, path);
  collection = syncobj_collection_new_with_store ("todos", sync, NULL, store);
  g_assert_cmpint (syncobj_collection_get_status (collection), ==, SYNCOBJ_COLLECTION_STATUS_LOADING);
  g_assert_null (syncobj_sync_get_cursor (sync));

  sync_commit (sync, TRUE, "c1", (const char *[]) {
    "{\"id\": \"c\", \"title\": \"three\"}", "{\"id\": \"a\", \"title\": \"one\"}",
    "{\"id\": \"b\", \"title\": \"two\"}", NULL });
  syncobj_sync_mark_ready (sync);
  g_assert_cmpint (syncobj_collection_get_status (collection), ==, SYNCOBJ_COLLECTION_STATUS_READY);
  g_assert_cmpstr (syncobj_sync_get_cursor (sync), ==, "c1");
  sync_commit (sync, FALSE, "c2", (const char *[]) { "{\"id\": \"a\", \"title\": \"one!\"}", NULL });
  syncobj_store_test_flush (store);
  g_assert_cmpint (syncobj_store_test_query_int (syncobj_store_get_path (store),
                                                 "SELECT count(*) FROM cache WHERE collection_id = 'todos'"), ==, 3);

  /* An error of the sync does not hide what is shown. */
  error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED, "refused");
  syncobj_sync_mark_error (sync, error);
  syncobj_store_test_assert_logged ("*refused*");
  g_assert_cmpint (syncobj_collection_get_status (collection), ==, SYNCOBJ_COLLECTION_STATUS_READY);
}

/* A sync that keeps no cursor (syncobj_sync_load_json_array()): the cache
 * reads back quietly at a restart, with no cursor to drop. */
static void
test_collection_no_cursor (void)
{
  g_autofree char *path = syncobj_store_test_path ("cache-plain.db");
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("plain");
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(GError) error = NULL;

  reopen (&store, path);
  collection = syncobj_collection_new_with_store ("plain", sync, NULL, store);
  g_assert_true (syncobj_sync_load_json_array (sync, "[{\"id\": \"a\"}, {\"id\": \"b\"}]", -1, &error));
  g_assert_no_error (error);
  g_assert_null (syncobj_sync_get_cursor (sync));
  g_clear_object (&collection);

  /* Opened again with the same store, and after a restart. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(SyncobjSync) again = syncobj_sync_new ("plain");

      if (i == 1)
        reopen (&store, path);
      collection = syncobj_collection_new_with_store ("plain", again, NULL, store);
      syncobj_test_assert_keys (collection, "a b");
      g_assert_cmpint (syncobj_collection_get_status (collection), ==, SYNCOBJ_COLLECTION_STATUS_CACHED);
      syncobj_store_test_assert_not_logged ("*the cursor*");
      g_clear_object (&collection);
    }
}

/* A snapshot applied in slices gathers its replacement of the cache a
 * slice at a time too; a record hidden by a local deletion meanwhile
 * makes the gathering start over, and the cache gets every synced record
 * once, in the list's order with the hidden one last, and the cursor. */
static void
test_collection_sliced (void)
{
  g_autofree char *path = syncobj_store_test_path ("cache-sliced.db");
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("sliced");
  g_autoptr(SyncobjMutator) mutator = NULL;
  SyncobjTestBackend *backend = syncobj_store_test_backend_new (&mutator);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) deletion = NULL;
  g_autoptr(GError) error = NULL;
  const char *keys[] = { "a", "b", "c", "d", "e" };
  gboolean done = FALSE;
  guint iterations = 0;

  reopen (&store, path);
  collection = syncobj_collection_new_with_store ("sliced", sync, mutator, store);
  _syncobj_collection_set_slice_writes (collection, 1);
  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_truncate (sync, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"id\": \"%s\"}", keys[i]);

      g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_INSERT, json, NULL));
    }
  g_assert_true (syncobj_sync_set_cursor (sync, "s1", NULL));
  _syncobj_sync_commit_sliced (sync, syncobj_store_test_sliced_done_cb, &done);

  /* Every write applied, the first row gathered. */
  while (syncobj_collection_get_size (collection) < G_N_ELEMENTS (keys))
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (done);
  deletion = syncobj_collection_delete (collection, "b", &error);
  g_assert_no_error (error);
  syncobj_test_assert_keys (collection, "a c d e");

  while (!done)
    {
      g_main_context_iteration (NULL, TRUE);
      iterations++;
    }
  /* Started over: the four rows of the list again, one per iteration. */
  g_assert_cmpuint (iterations, >=, 4);
  assert_cache (reopen (&store, path), "sliced",
                "a={\"id\":\"a\"};c={\"id\":\"c\"};d={\"id\":\"d\"};e={\"id\":\"e\"};b={\"id\":\"b\"}|s1");
  syncobj_store_test_wait_for_jobs (backend, 1);
  g_ptr_array_set_size (backend->jobs, 0);
}

/* Killed while a snapshot replaces the cache, at different points: a
 * restart offline shows the old snapshot or the new one, never a mix, in
 * its order, with the pending edit on top, and the cursor of what it
 * shows. */
static void
test_collection_killed (gconstpointer data)
{
  int kill_at = GPOINTER_TO_INT (data);
  g_autofree char *name = g_strdup_printf ("cache-killed-%d.db", kill_at);
  g_autofree char *path = syncobj_store_test_path (name);
  g_autofree char *helper = g_test_build_filename (G_TEST_BUILT, "crash-helper", NULL);
  g_autofree char *n_text = g_strdup_printf ("%u", 700u);
  g_autofree char *kill_text = g_strdup_printf ("%d", kill_at);
  const char *argv[] = { helper, "cache", path, n_text, kill_text, NULL };
  g_autofree char *output = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("todos-sync");
  g_autoptr(SyncobjMutator) mutator = NULL;
  SyncobjTestBackend *backend = syncobj_store_test_backend_new (&mutator);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjRecord) record = NULL;
  const char *cursor;
  guint n;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &output, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
  g_assert_cmpstr (output, ==, "flushed\n");

  reopen (&store, path);
  collection = syncobj_collection_new_with_store ("todos", sync, mutator, store);
  g_assert_cmpint (syncobj_collection_get_status (collection), ==, SYNCOBJ_COLLECTION_STATUS_CACHED);
  cursor = syncobj_sync_get_cursor (sync);
  g_assert_true (g_strcmp0 (cursor, "old") == 0 || g_strcmp0 (cursor, "new") == 0);
  if (kill_at == 2 || kill_at == 4)
    g_assert_cmpstr (cursor, ==, "new");
  n = g_str_equal (cursor, "old") ? 700 : 701;
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (collection)), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyncobjRecord) item = g_list_model_get_item (G_LIST_MODEL (collection), i);
      g_autofree char *key = g_strdup_printf ("k%u", i);
      JsonObject *value = syncobj_record_get_value (item);

      g_assert_cmpstr (syncobj_record_get_key (item), ==, key);
      g_assert_cmpstr (json_object_get_string_member (value, "v"), ==, cursor);
    }
  record = syncobj_collection_lookup (collection, "k1");
  g_assert_cmpstr (json_object_get_string_member (syncobj_record_get_value (record), "title"), ==, "edited");
  g_assert_true (syncobj_record_get_pending (record));
  syncobj_store_test_wait_for_jobs (backend, 1);
  g_ptr_array_set_size (backend->jobs, 0);
  g_clear_object (&record);
  g_clear_object (&collection);
}

static void
test_collection_status_error (void)
{
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("error-sync");
  g_autoptr(SyncobjCollection) collection = syncobj_collection_new ("no-cache", sync, NULL);
  g_autoptr(SyncobjCollection) plain = syncobj_collection_new ("plain", NULL, NULL);
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED, "refused");

  g_assert_cmpint (syncobj_collection_get_status (plain), ==, SYNCOBJ_COLLECTION_STATUS_READY);
  g_assert_cmpint (syncobj_collection_get_status (collection), ==, SYNCOBJ_COLLECTION_STATUS_LOADING);
  syncobj_sync_mark_error (sync, error);
  syncobj_store_test_assert_logged ("*refused*");
  g_assert_cmpint (syncobj_collection_get_status (collection), ==, SYNCOBJ_COLLECTION_STATUS_ERROR);
  syncobj_sync_mark_ready (sync);
  g_assert_cmpint (syncobj_collection_get_status (collection), ==, SYNCOBJ_COLLECTION_STATUS_READY);
}

static void
record_status_at_ready (SyncobjCollection *collection,
                        GParamSpec        *pspec,
                        GArray            *statuses)
{
  SyncobjCollectionStatus status = syncobj_collection_get_status (collection);

  g_assert_true (syncobj_collection_get_ready (collection));
  g_array_append_val (statuses, status);
}

static void
count_notify (guint *count)
{
  (*count)++;
}

/* In a handler of notify::ready the status is READY already, whether the
 * collection was loading or showing its cache; notify::status follows. */
static void
test_collection_status_at_ready (void)
{
  g_autofree char *path = syncobj_store_test_path ("cache-collection-status-at-ready.db");
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("status-sync");
  g_autoptr(SyncobjCollection) collection = syncobj_collection_new ("status", sync, NULL);
  g_autoptr(GArray) statuses = g_array_new (FALSE, FALSE, sizeof (SyncobjCollectionStatus));
  guint n_status_notifies = 0;

  g_signal_connect (collection, "notify::ready", G_CALLBACK (record_status_at_ready), statuses);
  g_signal_connect_swapped (collection, "notify::status", G_CALLBACK (count_notify), &n_status_notifies);
  syncobj_sync_mark_ready (sync);
  g_assert_cmpuint (statuses->len, ==, 1);
  g_assert_cmpint (g_array_index (statuses, SyncobjCollectionStatus, 0), ==, SYNCOBJ_COLLECTION_STATUS_READY);
  g_assert_cmpuint (n_status_notifies, ==, 1);
  g_clear_object (&collection);
  g_clear_object (&sync);

  /* From the cache. */
  reopen (&store, path);
  sync = syncobj_sync_new ("status-sync");
  collection = syncobj_collection_new_with_store ("status", sync, NULL, store);
  sync_commit (sync, FALSE, "c1", (const char *[]) { "{\"id\": \"a\"}", NULL });
  g_clear_object (&collection);
  g_clear_object (&sync);
  reopen (&store, path);
  sync = syncobj_sync_new ("status-sync");
  collection = syncobj_collection_new_with_store ("status", sync, NULL, store);
  g_assert_cmpint (syncobj_collection_get_status (collection), ==, SYNCOBJ_COLLECTION_STATUS_CACHED);
  g_signal_connect (collection, "notify::ready", G_CALLBACK (record_status_at_ready), statuses);
  syncobj_sync_mark_ready (sync);
  g_assert_cmpuint (statuses->len, ==, 2);
  g_assert_cmpint (g_array_index (statuses, SyncobjCollectionStatus, 1), ==, SYNCOBJ_COLLECTION_STATUS_READY);
}

static void
test_collection_schema_version (void)
{
  g_autofree char *path = syncobj_store_test_path ("cache-collection-schema.db");
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("schema-sync");
  g_autoptr(SyncobjCollection) collection = NULL;

  reopen (&store, path);
  collection = syncobj_collection_new_with_store ("todos", sync, NULL, store);
  sync_commit (sync, FALSE, "c1", (const char *[]) { "{\"id\": \"a\"}", NULL });
  g_clear_object (&collection);
  g_clear_object (&sync);

  reopen (&store, path);
  sync = syncobj_sync_new ("schema-sync");
  collection = g_object_new (SYNCOBJ_TYPE_COLLECTION, "id", "todos", "sync", sync, "store", store,
                             "schema-version", 2, NULL);
  g_assert_cmpuint (syncobj_collection_get_schema_version (collection), ==, 2);
  g_assert_cmpint (syncobj_collection_get_status (collection), ==, SYNCOBJ_COLLECTION_STATUS_LOADING);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (collection)), ==, 0);
  g_assert_null (syncobj_sync_get_cursor (sync));
  syncobj_store_test_assert_logged ("*was written for schema version 0, not 2; it is dropped*");
}

static void
test_collection_bad_cursor (void)
{
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("cursor-sync");
  g_autoptr(GError) error = NULL;

  g_assert_false (syncobj_sync_set_cursor (sync, "c1", &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE);
  g_clear_error (&error);
  syncobj_sync_begin (sync);
  g_assert_false (syncobj_sync_set_cursor (sync, "line\nbreak", &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD);
  g_assert_true (syncobj_sync_commit (sync, NULL));
  g_assert_null (syncobj_sync_get_cursor (sync));
}

/* A sync write to a key whose update is kept as text is held as text
 * while the key is locked; the cache, which keeps what the server sent,
 * takes it (built from that text) when the commit is flushed. */
static void
test_collection_held_text (void)
{
  g_autofree char *path = syncobj_store_test_path ("cache-held-text.db");
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("held-sync");
  g_autoptr(SyncobjMutator) mutator = NULL;
  SyncobjTestBackend *backend = syncobj_store_test_backend_new (&mutator);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(GError) error = NULL;
  const char *query = "SELECT count(*) FROM cache WHERE collection_id = 'held' AND key = 'a' "
                      "AND value = '{\"id\":\"a\",\"title\":\"server\"}'";

  reopen (&store, path);
  collection = syncobj_collection_new_with_store ("held", sync, mutator, store);
  sync_commit (sync, TRUE, "c1", (const char *[]) { "{\"id\": \"a\", \"title\": \"one\"}", NULL });
  syncobj_sync_mark_ready (sync);
  transaction = syncobj_collection_update_json (collection, "a", "{\"title\": \"mine\"}", &error);
  g_assert_no_error (error);
  syncobj_store_test_wait_for_jobs (backend, 1);

  sync_commit (sync, FALSE, "c2", (const char *[]) { "{\"id\": \"a\", \"title\": \"server\"}", NULL });
  syncobj_store_test_flush (store);
  g_assert_cmpint (syncobj_store_test_query_int (path, query), ==, 1);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"title\": \"mine\"}");

  syncobj_persist_job_complete (g_ptr_array_index (backend->jobs, 0));
  while (!syncobj_transaction_is_finished (transaction))
    g_main_context_iteration (NULL, TRUE);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"title\": \"server\"}");
}

int
main (int   argc,
      char *argv[])
{
  syncobj_test_init (&argc, &argv);
  syncobj_store_test_capture_log ();

  g_test_add_func ("/cache/round-trip", test_round_trip);
  g_test_add_func ("/cache/replace", test_replace);
  g_test_add_func ("/cache/replace-interrupted", test_replace_interrupted);
  g_test_add_func ("/cache/migration/v5", test_migration_v5);
  g_test_add_func ("/cache/schema-version", test_schema_version);
  g_test_add_func ("/cache/clear", test_clear);
  g_test_add_func ("/cache/bad-rows", test_bad_rows);
  g_test_add_func ("/cache/bad-rows-many", test_bad_rows_many);
  g_test_add_func ("/cache/full-disk", test_full_disk);
  g_test_add_func ("/cache/collection/start-offline", test_collection_start_offline);
  g_test_add_func ("/cache/collection/no-cursor", test_collection_no_cursor);
  g_test_add_func ("/cache/collection/sliced", test_collection_sliced);
  g_test_add_data_func ("/cache/collection/killed/at-once", GINT_TO_POINTER (0), test_collection_killed);
  g_test_add_data_func ("/cache/collection/killed/while-writing", GINT_TO_POINTER (1), test_collection_killed);
  g_test_add_data_func ("/cache/collection/killed/after-flush", GINT_TO_POINTER (2), test_collection_killed);
  g_test_add_data_func ("/cache/collection/killed/sliced", GINT_TO_POINTER (3), test_collection_killed);
  g_test_add_data_func ("/cache/collection/killed/sliced-after-flush", GINT_TO_POINTER (4), test_collection_killed);
  g_test_add_func ("/cache/collection/status-error", test_collection_status_error);
  g_test_add_func ("/cache/collection/status-at-ready", test_collection_status_at_ready);
  g_test_add_func ("/cache/collection/schema-version", test_collection_schema_version);
  g_test_add_func ("/cache/collection/bad-cursor", test_collection_bad_cursor);
  g_test_add_func ("/cache/collection/held-text", test_collection_held_text);

  return g_test_run ();
}
