/* stored-changes-test.c: a stored write costs what its change costs — a
 * collection with a cache keeps the changes of a write, and a restart
 * rebuilds its full values from the cached record; stores of the earlier
 * format, which keep full values, still restore
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "store-test-utils.h"
#include "syncobj-collection-fields-private.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#define N_UPDATES 1000
#define BODY_SIZE (1024 * 1024)

/* A path both the test and its subprocess name: under the temporary
 * directory, with the test's process id. */
static char *
shared_path (const char *name,
             pid_t       test_pid)
{
  return g_strdup_printf ("%s/syncobj-%s-%d.db", g_get_tmp_dir (), name, (int) test_pid);
}

static void
remove_store (const char *path)
{
  const char *suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_unlink (file);
    }
}

static goffset
file_size (const char *path,
           const char *suffix)
{
  g_autofree char *file = g_strconcat (path, suffix, NULL);
  GStatBuf buf;

  return g_stat (file, &buf) == 0 ? (goffset) buf.st_size : 0;
}

/* {"id": "big", "n": @n, "body": "…"}, about 1 MB. */
static char *
big_record (guint n)
{
  g_autofree char *body = g_malloc (BODY_SIZE + 1);

  for (guint i = 0; i < BODY_SIZE; i++)
    body[i] = 'a' + (char) (i % 26);
  body[BODY_SIZE] = '\0';
  return g_strdup_printf ("{\"id\": \"big\", \"n\": %u, \"body\": \"%s\"}", n, body);
}

/* A run that ends with its edits unsent: the record comes from the server,
 * then N_UPDATES one-member updates are made offline. */
static void
make_offline_edits (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = syncobj_store_new_for_path (path, &error);
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("big-sync");
  g_autoptr(SyncobjMutator) mutator = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autofree char *record = big_record (0);

  g_assert_no_error (error);
  syncobj_store_test_backend_new (&mutator);
  collection = syncobj_collection_new_with_store ("big", sync, mutator, store);
  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_INSERT, record, &error));
  g_assert_true (syncobj_sync_commit (sync, &error));
  g_assert_no_error (error);
  syncobj_sync_mark_ready (sync);

  _syncobj_scheduler_set_online (_syncobj_scheduler_get_default (), FALSE);
  for (guint i = 1; i <= N_UPDATES; i++)
    {
      g_autofree char *changes = g_strdup_printf ("{\"n\": %u}", i);
      g_autoptr(SyncobjTransaction) transaction = syncobj_test_update (collection, "big", changes);
    }
  syncobj_store_test_flush (store);
}

/* The member "n" of @object, which must have the body whole. */
static gint64
member_n (JsonObject *object)
{
  g_assert_nonnull (object);
  g_assert_cmpuint (strlen (json_object_get_string_member (object, "body")), ==, BODY_SIZE);
  return json_object_get_int_member (object, "n");
}

static SyncobjPendingMutation *
first_mutation (GListModel *transactions,
                guint       position)
{
  g_autoptr(SyncobjTransaction) transaction = g_list_model_get_item (transactions, position);
  GListModel *mutations = syncobj_transaction_get_mutations (transaction);

  g_assert_cmpuint (g_list_model_get_n_items (mutations), ==, 1);
  return g_list_model_get_item (mutations, 0);
}

/* 1,000 one-member updates of a 1 MB record keep the store in the low
 * megabytes (each stored write used to carry the record twice: 2 GB), and
 * a restart shows the last value, with each write's original and modified
 * values rebuilt from the cached record. */
static void
test_offline_updates_of_big_record (void)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjSync) sync = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(GListModel) transactions = NULL;
  g_autoptr(SyncobjPendingMutation) first = NULL;
  g_autoptr(SyncobjPendingMutation) last = NULL;
  goffset size;

  if (g_test_subprocess ())
    {
      path = shared_path ("stored-changes", getppid ());
      make_offline_edits (path);
      return;
    }

  path = shared_path ("stored-changes", getpid ());
  remove_store (path);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();

  size = file_size (path, "") + file_size (path, "-wal");
  g_test_message ("store file and its log after %u updates: %" G_GOFFSET_FORMAT " bytes", N_UPDATES, size);
  g_assert_cmpint (size, >, BODY_SIZE);          /* the cached record */
  g_assert_cmpint (size, <, 8 * BODY_SIZE);
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT max(length(mutations)) FROM transactions"), <, 1024);

  _syncobj_scheduler_set_online (_syncobj_scheduler_get_default (), FALSE);
  store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  sync = syncobj_sync_new ("big-sync");
  collection = syncobj_collection_new_with_store ("big", sync, NULL, store);
  g_assert_cmpint (syncobj_collection_get_status (collection), ==, SYNCOBJ_COLLECTION_STATUS_CACHED);
  g_assert_cmpint (member_n (syncobj_collection_lookup_value (collection, "big")), ==, N_UPDATES);

  transactions = syncobj_collection_get_transactions (collection);
  g_assert_cmpuint (g_list_model_get_n_items (transactions), ==, N_UPDATES);
  first = first_mutation (transactions, 0);
  g_assert_cmpint (member_n (syncobj_pending_mutation_get_original (first)), ==, 0);
  g_assert_cmpint (member_n (syncobj_pending_mutation_get_modified (first)), ==, 1);
  syncobj_store_test_assert_value (syncobj_pending_mutation_get_changes (first), "{\"n\": 1}");
  last = first_mutation (transactions, N_UPDATES - 1);
  g_assert_cmpint (member_n (syncobj_pending_mutation_get_original (last)), ==, N_UPDATES - 1);
  g_assert_cmpint (member_n (syncobj_pending_mutation_get_modified (last)), ==, N_UPDATES);

  g_clear_object (&collection);
  syncobj_store_test_flush (store);
  g_clear_object (&store);
  _syncobj_scheduler_set_online (_syncobj_scheduler_get_default (), TRUE);
  remove_store (path);
}

/* A store of schema version 3: its writes carry their original and
 * modified values, which are restored as they are, whatever the cache
 * holds; the file is migrated to the current version. */
static const char *version_3_rows[] = {
  "ALTER TABLE cache DROP COLUMN etag",
  "UPDATE meta SET value = 3 WHERE key = 'schema_version'",
  "INSERT INTO cache VALUES ('v3', 1, 'x', 0, '{\"id\":\"x\",\"v\":5,\"w\":\"cached\"}')",
  "INSERT INTO cache_state VALUES ('v3', 1, 0, '')",
  "INSERT INTO transactions (id, collection_id, state, created_at, updated_at, sequence, current_attempt,"
  " queued_behind, error, error_transaction_id, attempts, mutations, counted_attempts, metadata)"
  " VALUES ('00000000-0000-4000-8000-0000000000c3', 'v3', 0, 1700000000000000, 1700000000000000, 3, 0,"
  " '', '', '', '[]',"
  " '[{\"id\":\"m1\",\"collection\":\"v3\",\"key\":\"x\",\"type\":\"update\","
  "\"original\":{\"id\":\"x\",\"v\":1,\"w\":\"old\"},\"modified\":{\"id\":\"x\",\"v\":2,\"w\":\"old\"},"
  "\"changes\":{\"v\":2},\"created_at\":1700000000000000,\"updated_at\":1700000000000000}]', 0, '')",
  NULL
};

static void
test_version_3_store (void)
{
  g_autofree char *path = shared_path ("stored-changes-v3", getpid ());
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(SyncobjPendingMutation) mutation = NULL;
  g_autoptr(GListModel) transactions = NULL;

  /* The tables of a new file, then rows written as version 3 wrote them. */
  remove_store (path);
  store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  syncobj_store_test_flush (store);
  g_clear_object (&store);
  syncobj_store_test_run_sql (path, version_3_rows);
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT value FROM meta WHERE key = 'schema_version'"), ==, 3);

  store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT value FROM meta WHERE key = 'schema_version'"), ==, 6);
  collection = syncobj_collection_new_with_store ("v3", NULL, NULL, store);
  transactions = syncobj_collection_get_transactions (collection);
  g_assert_cmpuint (g_list_model_get_n_items (transactions), ==, 1);
  transaction = g_list_model_get_item (transactions, 0);
  g_assert_cmpstr (syncobj_transaction_get_id (transaction), ==, "00000000-0000-4000-8000-0000000000c3");
  mutation = g_list_model_get_item (syncobj_transaction_get_mutations (transaction), 0);
  syncobj_store_test_assert_value (syncobj_pending_mutation_get_original (mutation),
                                   "{\"id\": \"x\", \"v\": 1, \"w\": \"old\"}");
  syncobj_store_test_assert_value (syncobj_pending_mutation_get_modified (mutation),
                                   "{\"id\": \"x\", \"v\": 2, \"w\": \"old\"}");
  /* What is shown is the cached record with the write's changes. */
  syncobj_store_test_assert_value (syncobj_collection_lookup_value (collection, "x"),
                                   "{\"id\": \"x\", \"v\": 2, \"w\": \"cached\"}");

  g_clear_object (&collection);
  syncobj_store_test_flush (store);
  g_clear_object (&store);
  remove_store (path);
}

/* A run that ends with an update of a record held as JSON text unsent:
 * the update keeps its values as text (see syncobj-overlay-text.c) and
 * the store writes its changes all the same. */
static void
make_text_update (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = syncobj_store_new_for_path (path, &error);
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("text-sync");
  g_autoptr(SyncobjMutator) mutator = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) transaction = NULL;

  g_assert_no_error (error);
  syncobj_store_test_backend_new (&mutator);
  collection = syncobj_collection_new_with_store ("text", sync, mutator, store);
  g_assert_true (syncobj_sync_load_json_array (sync, "[{\"id\": \"a\", \"n\": 0}, {\"id\": \"b\", \"n\": 0, \"title\": \"B\"}]",
                                               -1, &error));
  g_assert_no_error (error);
  syncobj_sync_mark_ready (sync);

  _syncobj_scheduler_set_online (_syncobj_scheduler_get_default (), FALSE);
  transaction = syncobj_test_update (collection, "b", "{\"n\": 5}");
  g_assert_nonnull (_syncobj_overlay_find (collection->overlay, "b")->packed);
  syncobj_store_test_flush (store);
}

/* ... and a restart shows it on the cached record, with its values
 * rebuilt. */
static void
test_text_update_restored (void)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjSync) sync = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(GListModel) transactions = NULL;
  g_autoptr(SyncobjPendingMutation) mutation = NULL;

  if (g_test_subprocess ())
    {
      path = shared_path ("stored-text", getppid ());
      make_text_update (path);
      return;
    }

  path = shared_path ("stored-text", getpid ());
  remove_store (path);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT count(*) FROM transactions "
                                                       "WHERE mutations LIKE '%\"changes\":{\"n\":5}%'"), ==, 1);

  _syncobj_scheduler_set_online (_syncobj_scheduler_get_default (), FALSE);
  store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  sync = syncobj_sync_new ("text-sync");
  collection = syncobj_collection_new_with_store ("text", sync, NULL, store);
  g_assert_cmpint (syncobj_collection_get_status (collection), ==, SYNCOBJ_COLLECTION_STATUS_CACHED);
  transactions = syncobj_collection_get_transactions (collection);
  g_assert_cmpuint (g_list_model_get_n_items (transactions), ==, 1);
  syncobj_store_test_assert_value (syncobj_collection_lookup_value (collection, "b"),
                                   "{\"id\": \"b\", \"n\": 5, \"title\": \"B\"}");
  mutation = first_mutation (transactions, 0);
  syncobj_store_test_assert_value (syncobj_pending_mutation_get_changes (mutation), "{\"n\": 5}");
  syncobj_store_test_assert_value (syncobj_pending_mutation_get_original (mutation),
                                   "{\"id\": \"b\", \"n\": 0, \"title\": \"B\"}");
  syncobj_store_test_assert_value (syncobj_pending_mutation_get_modified (mutation),
                                   "{\"id\": \"b\", \"n\": 5, \"title\": \"B\"}");

  g_clear_object (&collection);
  syncobj_store_test_flush (store);
  g_clear_object (&store);
  _syncobj_scheduler_set_online (_syncobj_scheduler_get_default (), TRUE);
  remove_store (path);
}

int
main (int argc, char *argv[])
{
  syncobj_test_init (&argc, &argv);

  g_test_add_func ("/stored-changes/offline-updates-of-big-record", test_offline_updates_of_big_record);
  g_test_add_func ("/stored-changes/version-3-store", test_version_3_store);
  g_test_add_func ("/stored-changes/text-update-restored", test_text_update_restored);

  return g_test_run ();
}
