/* store-test.c: the durable store — round trip, migrations, prune, flush,
 * files that cannot be used
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "store-schema-v1.h"
#include "store-test-utils.h"
#include "disk-full.h"
#include "syncobj-store-writer-private.h"
#include "syncobj-json-util-private.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <libgda/libgda.h>

/* ---- helpers -------------------------------------------------------------- */

static void
setup (void)
{
  _syncobj_scheduler_set_virtual (_syncobj_scheduler_get_default (), TRUE);
}

/* ---- tests -------------------------------------------------------------- */

static void
test_in_memory (void)
{
  g_autoptr(SyncobjStore) store = syncobj_store_new_in_memory ();
  g_autoptr(SyncobjCollection) plain = syncobj_collection_new ("plain", NULL, NULL);
  g_autoptr(SyncobjCollection) collection = syncobj_collection_new_with_store ("memory", NULL, NULL, store);

  g_assert_false (syncobj_store_get_persistent (store));
  g_assert_null (syncobj_store_get_path (store));
  g_assert_false (syncobj_collection_get_persistent (collection));
  g_assert_false (syncobj_collection_get_persistent (plain));
  g_assert_null (syncobj_collection_get_store (plain));
  syncobj_store_test_flush (store);
}

/* What a store keeps waits for the server without limit; without a store
 * the specification's 5 attempts stay. */
static void
test_default_retry_policy (void)
{
  g_autoptr(SyncobjStore) store = syncobj_store_new_in_memory ();
  g_autoptr(SyncobjCollection) plain = syncobj_collection_new ("plain-policy", NULL, NULL);
  g_autoptr(SyncobjCollection) stored = syncobj_collection_new_with_store ("stored-policy", NULL, NULL, store);
  g_autoptr(SyncobjRetryPolicy) given = syncobj_retry_policy_new ();
  g_autoptr(SyncobjCollection) chosen = NULL;

  g_assert_cmpuint (syncobj_retry_policy_get_max_attempts (syncobj_collection_get_retry_policy (plain)), ==, 5);
  g_assert_cmpuint (syncobj_retry_policy_get_max_delay (syncobj_collection_get_retry_policy (plain)), ==, 30000);
  g_assert_cmpuint (syncobj_retry_policy_get_max_attempts (syncobj_collection_get_retry_policy (stored)), ==, 0);
  g_assert_cmpuint (syncobj_retry_policy_get_max_delay (syncobj_collection_get_retry_policy (stored)), ==, 300000);

  /* A policy the application gives is kept. */
  chosen = g_object_new (SYNCOBJ_TYPE_COLLECTION, "id", "chosen-policy", "store", store,
                         "retry-policy", given, NULL);
  g_assert_true (syncobj_collection_get_retry_policy (chosen) == given);
  syncobj_store_test_flush (store);
}

static void
test_file_mode (void)
{
  g_autofree char *path = syncobj_store_test_path ("mode.db");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = syncobj_store_new_for_path (path, &error);
  g_autoptr(SyncobjCollection) collection = NULL;
  struct stat info;

  g_assert_no_error (error);
  g_assert_true (syncobj_store_get_persistent (store));
  g_assert_cmpstr (syncobj_store_get_path (store), ==, path);
  g_assert_cmpint (syncobj_store_get_synchronous (store), ==, SYNCOBJ_STORE_SYNCHRONOUS_NORMAL);

  collection = syncobj_collection_new_with_store ("mode", NULL, NULL, store);
  g_assert_true (syncobj_collection_get_persistent (collection));

  g_assert_cmpint (g_stat (path, &info), ==, 0);
  g_assert_cmpint (info.st_mode & 0777, ==, 0600);
}

/* A link could point the store at any file: it is refused, the file it
 * points to untouched; so are links in place of SQLite's -wal file. */
static void
test_symlink_refused (gconstpointer data)
{
  const char *suffix = data;
  g_autofree char *path = syncobj_store_test_path ("link.db");
  g_autofree char *link = g_strconcat (path, suffix, NULL);
  g_autofree char *target = syncobj_store_test_path ("elsewhere");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = NULL;
  struct stat info;

  g_assert_true (g_file_set_contents (target, "precious", -1, NULL));
  g_assert_cmpint (symlink (target, link), ==, 0);

  store = syncobj_store_new_for_path (path, &error);
  g_assert_null (store);
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE);
  g_assert_nonnull (strstr (error->message, "symbolic link"));
  g_assert_cmpint (g_stat (target, &info), ==, 0);
  g_assert_cmpint (info.st_size, ==, 8);
  g_unlink (link);
  g_unlink (path);
}

/* A -wal file damaged in the middle would lose the transactions committed
 * after the damage without a word from SQLite: the store refuses it, and
 * moves it aside with the file when asked to. */
static void
test_damaged_wal (void)
{
  g_autofree char *path = syncobj_store_test_path ("damaged-wal.db");
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *helper = g_test_build_filename (G_TEST_BUILT, "crash-helper", NULL);
  const char *argv[] = { helper, "crash", path, "0", "none", "8", "0", "0", NULL };
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(GDir) listing = NULL;
  const char *name;
  gboolean moved_wal = FALSE;
  gsize length = 0;
  guint32 page_size;
  int status;

  /* The helper dies with SIGKILL: its -wal file stays. */
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (wal, &contents, &length, &error));
  page_size = ((guint32) (guchar) contents[8] << 24) | ((guint32) (guchar) contents[9] << 16) |
              ((guint32) (guchar) contents[10] << 8) | (guchar) contents[11];
  g_assert_cmpuint (length, >=, 32 + 3 * (24 + (gsize) page_size));
  contents[32 + 24 + 100] ^= 0x55;   /* in the first frame's page */
  g_assert_true (g_file_set_contents (wal, contents, (gssize) length, &error));

  store = syncobj_store_new_for_path (path, &error);
  g_assert_null (store);
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE);
  g_assert_nonnull (strstr (error->message, "write-ahead log"));
  g_clear_error (&error);

  store = g_object_new (SYNCOBJ_TYPE_STORE, "path", path, "move-corrupt-aside", TRUE, NULL);
  g_assert_true (syncobj_store_get_persistent (store));
  listing = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (listing)) != NULL)
    if (g_str_has_prefix (name, "damaged-wal.db.corrupt-") && g_str_has_suffix (name, "-wal"))
      moved_wal = TRUE;
  g_assert_true (moved_wal);
}

static void
test_default (void)
{
  SyncobjStore *store = syncobj_store_get_default ();
  g_autofree char *expected = g_build_filename (g_get_user_data_dir (), g_get_prgname (),
                                                "syncobj", "transactions.db", NULL);
  g_autofree char *dir = g_path_get_dirname (expected);
  struct stat info;

  g_assert_true (store == syncobj_store_get_default ());
  g_assert_cmpstr (syncobj_store_get_path (store), ==, expected);
  /* The directory it made is private to the user. */
  g_assert_cmpint (g_stat (dir, &info), ==, 0);
  g_assert_cmpint (info.st_mode & 0777, ==, 0700);
  g_assert_true (syncobj_store_get_persistent (store));
  g_assert_null (syncobj_store_get_open_error (store));
  g_assert_true (g_file_test (expected, G_FILE_TEST_IS_REGULAR));
}

/* A C program that names itself nowhere has its executable's folder,
 * not one that every such program would share. */
static void
test_default_without_program_name (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *expected = NULL;

      g_set_prgname (NULL);
      expected = g_build_filename (g_get_user_data_dir (), "store-test", "syncobj", "transactions.db", NULL);
      g_assert_cmpstr (syncobj_store_get_path (syncobj_store_get_default ()), ==, expected);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* One process at a time on a store file: while another process has it
 * open, new_for_path() fails naming that process, and a store made with
 * g_object_new() (as the default store is) works in memory; once that
 * process ends, the file opens. Two stores of one path in this process
 * share the file, as a restart within a program does. */
static void
test_lock_other_process (void)
{
  g_autofree char *path = syncobj_store_test_path ("locked.db");
  g_autofree char *helper = g_test_build_filename (G_TEST_BUILT, "crash-helper", NULL);
  g_autoptr(GSubprocess) holder = NULL;
  g_autoptr(GDataInputStream) output = NULL;
  g_autofree char *line = NULL;
  g_autofree char *pid = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) refused = NULL;
  g_autoptr(SyncobjStore) in_memory = NULL;
  g_autoptr(SyncobjStore) first = NULL;
  g_autoptr(SyncobjStore) second = NULL;

  holder = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                             helper, "hold", path, NULL);
  g_assert_no_error (error);
  output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (holder));
  line = g_data_input_stream_read_line (output, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "open");
  pid = g_strdup_printf ("(%s)", g_subprocess_get_identifier (holder));

  refused = syncobj_store_new_for_path (path, &error);
  g_assert_null (refused);
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, pid));
  g_clear_error (&error);

  in_memory = g_object_new (SYNCOBJ_TYPE_STORE, "path", path, NULL);
  g_assert_false (syncobj_store_get_persistent (in_memory));
  g_assert_error (syncobj_store_get_open_error (in_memory), SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE);

  /* The holder ends: the file is free. */
  g_assert_true (g_output_stream_close (g_subprocess_get_stdin_pipe (holder), NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (holder, NULL, &error));
  g_assert_no_error (error);

  first = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  second = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  g_assert_true (syncobj_store_get_persistent (second));
  g_clear_object (&first);

  /* The lock is this process's while either store is open. */
  g_clear_object (&output);
  g_clear_object (&holder);
  g_clear_pointer (&line, g_free);
  holder = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, helper, "hold", path, NULL);
  g_assert_no_error (error);
  output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (holder));
  line = g_data_input_stream_read_line (output, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (line, "refused "));
  g_assert_nonnull (strstr (line, "another process"));
  g_assert_false (g_subprocess_wait_check (holder, NULL, NULL));
  g_clear_object (&second);
}

/* Another process writes three transactions in different states; this
 * one reads them back field by field. */
/* @described (syncobj_store_test_describe()) with the original and
 * modified values of its writes null. */
static char *
without_values (const char *described)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  JsonArray *mutations;

  g_assert_true (json_parser_load_from_data (parser, described, -1, NULL));
  mutations = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "mutations");
  for (guint i = 0; i < json_array_get_length (mutations); i++)
    {
      json_object_set_null_member (json_array_get_object_element (mutations, i), "original");
      json_object_set_null_member (json_array_get_object_element (mutations, i), "modified");
    }
  json_generator_set_root (generator, json_parser_get_root (parser));
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_data (generator, NULL);
}

static void
test_round_trip (void)
{
  g_autofree char *path = syncobj_store_test_path ("round-trip.db");
  g_autofree char *helper = g_test_build_filename (G_TEST_BUILT, "crash-helper", NULL);
  const char *argv[] = { helper, "round-trip", path, NULL };
  g_autofree char *output = NULL;
  g_auto(GStrv) before = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjMutator) mutator = NULL;
  SyncobjTestBackend *backend = syncobj_store_test_backend_new (&mutator);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(GListModel) transactions = NULL;
  SyncobjTransaction *restored[3];
  g_autoptr(SyncobjRecord) record = NULL;
  g_auto(GStrv) locked = NULL;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &output, NULL, &status, &error);
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
  before = g_strsplit (output, "\n---\n", -1);
  g_assert_cmpuint (g_strv_length (before), ==, 4);

  store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  collection = syncobj_collection_new_with_store ("todos", NULL, mutator, store);

  /* The unfinished ones are active again, in their order, at once. */
  transactions = syncobj_collection_get_transactions (collection);
  g_assert_cmpuint (g_list_model_get_n_items (transactions), ==, 2);
  restored[0] = g_list_model_get_item (transactions, 0);
  restored[1] = g_list_model_get_item (transactions, 1);
  restored[2] = NULL;
  {
    GListModel *all = syncobj_registry_get_transactions (syncobj_registry_get_default ());

    for (guint i = 0; i < g_list_model_get_n_items (all); i++)
      {
        g_autoptr(SyncobjTransaction) transaction = g_list_model_get_item (all, i);

        if (syncobj_transaction_get_state (transaction) == SYNCOBJ_TRANSACTION_STATE_FAILED &&
            syncobj_transaction_get_collection (transaction) == collection)
          restored[2] = g_object_ref (transaction);
      }
  }
  g_assert_nonnull (restored[2]);

  /* The failed one is history: its writes come back with their changes,
   * without the original and modified values of a record that moved on. */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *after = syncobj_store_test_describe (restored[i]);
      g_autofree char *expected = i == 2 ? without_values (before[i]) : g_strdup (before[i]);

      g_assert_cmpstr (after, ==, expected);
    }

  record = syncobj_collection_lookup (collection, "a");
  g_assert_nonnull (record);
  syncobj_store_test_assert_value (syncobj_record_get_value (record),
                            "{\"id\": \"a\", \"title\": \"Oat milk\", \"n\": 1234567890123, \"done\": true}");
  g_assert_true (syncobj_collection_contains (collection, "b"));
  locked = syncobj_collection_get_locked_keys (collection);
  g_assert_cmpstrv (locked, ((const char *[]) { "a", NULL }));

  /* The retry waits for the rest of its hour, then resumes at attempt 2;
   * the queued one follows with its first attempt. */
  syncobj_store_test_run_pending ();
  g_assert_cmpuint (backend->jobs->len, ==, 0);
  _syncobj_scheduler_advance (_syncobj_scheduler_get_default (), 2 * 3600 * 1000);
  g_assert_cmpuint (backend->jobs->len, ==, 1);
  g_assert_true (syncobj_persist_job_get_transaction (g_ptr_array_index (backend->jobs, 0)) == restored[0]);
  g_assert_cmpuint (syncobj_persist_job_get_attempt (g_ptr_array_index (backend->jobs, 0)), ==, 2);
  syncobj_persist_job_complete (g_ptr_array_index (backend->jobs, 0));
  syncobj_store_test_run_pending ();
  g_assert_cmpint (syncobj_transaction_get_state (restored[0]), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpuint (backend->jobs->len, ==, 2);
  g_assert_true (syncobj_persist_job_get_transaction (g_ptr_array_index (backend->jobs, 1)) == restored[1]);
  g_assert_cmpuint (syncobj_persist_job_get_attempt (g_ptr_array_index (backend->jobs, 1)), ==, 1);

  for (guint i = 0; i < 3; i++)
    g_object_unref (restored[i]);
  g_clear_object (&collection);
}

static void
test_same_process_no_duplicate (void)
{
  g_autofree char *path = syncobj_store_test_path ("awaiting.db");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = syncobj_store_new_for_path (path, &error);
  g_autoptr(SyncobjMutator) mutator = NULL;
  SyncobjTestBackend *backend = syncobj_store_test_backend_new (&mutator);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(JsonObject) value = syncobj_test_object ("{\"id\": \"k\"}");
  g_autoptr(SyncobjStore) reopened = NULL;
  g_autoptr(SyncobjCollection) restored = NULL;
  g_autoptr(GListModel) active = NULL;

  g_assert_no_error (error);
  /* await_sync never answers: the transaction stays persisted_awaiting_sync. */
  syncobj_func_mutator_set_await_sync_func (SYNCOBJ_FUNC_MUTATOR (mutator), syncobj_store_test_backend_persist, backend, NULL);
  collection = syncobj_collection_new_with_store ("awaiting", NULL, mutator, store);
  transaction = syncobj_collection_insert (collection, value, &error);
  g_assert_no_error (error);
  syncobj_store_test_wait_for_jobs (backend, 1);
  syncobj_persist_job_complete (g_ptr_array_index (backend->jobs, 0));
  syncobj_store_test_run_pending ();
  g_assert_cmpint (syncobj_transaction_get_state (transaction), ==,
                   SYNCOBJ_TRANSACTION_STATE_PERSISTED_AWAITING_SYNC);
  syncobj_store_test_flush (store);

  /* A second collection with the same id in the same process: the live
   * transaction is not restored (and so not persisted) a second time. */
  reopened = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  restored = syncobj_collection_new_with_store ("awaiting", NULL, NULL, reopened);

  active = syncobj_collection_get_transactions (restored);
  g_assert_cmpuint (g_list_model_get_n_items (active), ==, 0);
  g_assert_false (syncobj_collection_contains (restored, "k"));
  g_assert_cmpint (syncobj_transaction_get_state (transaction), ==,
                   SYNCOBJ_TRANSACTION_STATE_PERSISTED_AWAITING_SYNC);
  syncobj_store_test_flush (reopened);
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT state FROM transactions"), ==,
                   SYNCOBJ_TRANSACTION_STATE_PERSISTED_AWAITING_SYNC);
  g_assert_cmpuint (backend->calls->len, ==, 2);   /* one persist, one await */

  g_clear_object (&restored);
  g_clear_object (&collection);
}

/* A second live collection with the same id on the same file (the same
 * store, or another store of that path), while the first one has
 * unfinished transactions, shows the cached records but none of the
 * first one's unfinished changes, which stay the first one's: its writes
 * fail with a GError that says so, and nothing is persisted twice. */
static void
test_same_process_open_twice (void)
{
  g_autofree char *path = syncobj_store_test_path ("twice.db");
  g_autofree char *other_path = syncobj_store_test_path ("twice-other.db");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = syncobj_store_new_for_path (path, &error);
  g_autoptr(SyncobjStore) reopened = NULL;
  g_autoptr(SyncobjStore) other_file = NULL;
  g_autoptr(SyncobjMutator) mutator = NULL;
  SyncobjTestBackend *backend = syncobj_store_test_backend_new (&mutator);
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("open-twice-sync");
  g_autoptr(SyncobjCollection) first = NULL;
  g_autoptr(SyncobjCollection) shared = NULL;
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(JsonObject) cached = syncobj_test_object ("{\"id\": \"cached\"}");
  g_autoptr(JsonObject) value = syncobj_test_object ("{\"id\": \"k\"}");
  SyncobjStore *stores[2];

  g_assert_no_error (error);
  first = syncobj_collection_new_with_store ("open-twice", sync, mutator, store);
  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_write (sync, SYNCOBJ_MUTATION_TYPE_INSERT, cached, NULL));
  g_assert_true (syncobj_sync_commit (sync, &error));
  g_assert_no_error (error);
  syncobj_sync_mark_ready (sync);
  syncobj_store_test_flush (store);

  /* While the first one has nothing unfinished, a second one is a
   * collection like any other: there is nothing to race. */
  {
    g_autoptr(SyncobjStore) idle_store = syncobj_store_new_for_path (path, &error);
    g_autoptr(SyncobjCollection) idle_twin = NULL;
    g_autoptr(SyncobjTransaction) accepted = NULL;

    g_assert_no_error (error);
    idle_twin = syncobj_collection_new_with_store ("open-twice", NULL, mutator, idle_store);
    g_assert_true (syncobj_collection_contains (idle_twin, "cached"));
    accepted = syncobj_collection_insert (idle_twin, value, &error);
    g_assert_no_error (error);
    g_assert_nonnull (accepted);
    syncobj_transaction_rollback (accepted, NULL);
    syncobj_store_test_run_pending ();
  }

  /* The persist call never answers: the insert stays unfinished. */
  transaction = syncobj_collection_insert (first, value, &error);
  g_assert_no_error (error);
  syncobj_store_test_wait_for_jobs (backend, 1);
  syncobj_store_test_flush (store);

  reopened = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  stores[0] = store;
  stores[1] = reopened;
  for (guint i = 0; i < G_N_ELEMENTS (stores); i++)
    {
      g_autoptr(SyncobjSync) twin_sync = syncobj_sync_new ("open-twice-sync");
      g_autoptr(SyncobjCollection) twin = syncobj_collection_new_with_store ("open-twice", twin_sync, mutator, stores[i]);
      g_autoptr(JsonObject) again = syncobj_test_object ("{\"id\": \"k\", \"title\": \"again\"}");
      g_autoptr(JsonObject) server = syncobj_test_object ("{\"id\": \"from-twin-sync\"}");
      g_autoptr(SyncobjTransaction) refused = NULL;

      /* The cache shows; the first one's insert does not. */
      g_assert_cmpint (syncobj_collection_get_status (twin), ==, SYNCOBJ_COLLECTION_STATUS_CACHED);
      g_assert_true (syncobj_collection_contains (twin, "cached"));
      g_assert_false (syncobj_collection_contains (twin, "k"));
      g_assert_cmpuint (syncobj_collection_get_n_pending (twin), ==, 0);

      refused = syncobj_collection_insert (twin, again, &error);
      g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE);
      g_assert_nonnull (strstr (error->message, "open twice"));
      g_assert_nonnull (strstr (error->message, path));
      g_assert_null (refused);
      g_clear_error (&error);
      g_assert_false (syncobj_collection_contains (twin, "k"));

      /* Its sync's commits are not written to the first one's cache. */
      syncobj_sync_begin (twin_sync);
      g_assert_true (syncobj_sync_write (twin_sync, SYNCOBJ_MUTATION_TYPE_INSERT, server, NULL));
      g_assert_true (syncobj_sync_commit (twin_sync, &error));
      g_assert_no_error (error);
      g_assert_true (syncobj_collection_contains (twin, "from-twin-sync"));
      syncobj_store_test_flush (stores[i]);
      g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT COUNT(*) FROM cache"), ==, 1);
    }
  g_assert_cmpint (syncobj_transaction_get_state (transaction), ==, SYNCOBJ_TRANSACTION_STATE_PERSISTING);
  g_assert_cmpuint (backend->jobs->len, ==, 1);
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT COUNT(*) FROM transactions WHERE state NOT IN (4, 5)"), ==, 1);

  /* Sharing it is the way: the first one, with its insert. */
  shared = syncobj_collection_get_or_create ("open-twice", NULL, NULL, store);
  g_assert_true (shared == first);

  /* Another file, or no store, is another collection. */
  other_file = syncobj_store_new_for_path (other_path, &error);
  g_assert_no_error (error);
  {
    g_autoptr(SyncobjCollection) elsewhere = syncobj_collection_new_with_store ("open-twice", NULL, mutator, other_file);
    g_autoptr(SyncobjCollection) in_memory = syncobj_collection_new ("open-twice", NULL, mutator);
    g_autoptr(SyncobjTransaction) inserted = syncobj_collection_insert (elsewhere, value, &error);
    g_autoptr(SyncobjTransaction) inserted_in_memory = NULL;

    g_assert_no_error (error);
    inserted_in_memory = syncobj_collection_insert (in_memory, value, &error);
    g_assert_no_error (error);
    syncobj_transaction_rollback (inserted, NULL);
    syncobj_transaction_rollback (inserted_in_memory, NULL);
  }
  syncobj_transaction_rollback (transaction, NULL);
  syncobj_store_test_run_pending ();
  /* The jobs hold the mutator, which holds the backend. */
  g_ptr_array_set_size (backend->jobs, 0);
  g_clear_object (&shared);
  g_clear_object (&first);
}

static void
complete_at_once (SyncobjPersistJob *job,
                  gpointer           user_data)
{
  syncobj_persist_job_complete (job);
}

static guint
count_listed (const char *collection_id)
{
  GListModel *transactions = syncobj_registry_get_transactions (syncobj_registry_get_default ());
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (transactions); i++)
    {
      g_autoptr(SyncobjTransaction) transaction = g_list_model_get_item (transactions, i);
      g_autoptr(SyncobjCollection) owner = NULL;

      g_object_get (transaction, "collection", &owner, NULL);
      if (owner == NULL)
        {
          GListModel *mutations = syncobj_transaction_get_mutations (transaction);
          g_autoptr(SyncobjPendingMutation) first = g_list_model_get_item (mutations, 0);

          if (first != NULL && g_strcmp0 (syncobj_pending_mutation_get_collection_id (first), collection_id) == 0)
            n++;
        }
      else if (g_strcmp0 (syncobj_collection_get_id (owner), collection_id) == 0)
        n++;
    }
  return n;
}

/* A start reads back as much finished history as the registry keeps:
 * more than the default 1000 when the application raised the limit. */
static void
test_history_read_back (void)
{
  g_autofree char *path = syncobj_store_test_path ("history.db");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = syncobj_store_new_for_path (path, &error);
  g_autoptr(SyncobjMutator) mutator = syncobj_func_mutator_new (complete_at_once, NULL, NULL);
  SyncobjRegistry *registry = syncobj_registry_get_default ();
  guint limit = syncobj_registry_get_history_limit (registry);
  SyncobjCollection *collection;
  const guint n = 1005;
  const guint limits[] = { G_MAXUINT, 1002, 3, 0 };
  const guint expected[] = { 1005, 1002, 3, 0 };

  g_assert_no_error (error);
  syncobj_registry_set_history_limit (registry, 0);
  collection = syncobj_collection_new_with_store ("history", NULL, mutator, store);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"id\": \"k%u\"}", i);
      g_autoptr(JsonObject) value = syncobj_test_object (json);
      g_autoptr(SyncobjTransaction) transaction = syncobj_collection_insert (collection, value, &error);

      g_assert_no_error (error);
    }
  while (syncobj_collection_get_n_pending (collection) > 0)
    g_main_context_iteration (NULL, TRUE);
  syncobj_store_test_flush (store);
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT COUNT(*) FROM transactions WHERE state = 4"), ==, n);
  g_clear_object (&collection);

  for (guint i = 0; i < G_N_ELEMENTS (limits); i++)
    {
      g_autoptr(SyncobjStore) reopened = syncobj_store_new_for_path (path, &error);

      g_assert_no_error (error);
      syncobj_registry_set_history_limit (registry, limits[i]);
      collection = syncobj_collection_new_with_store ("history", NULL, mutator, reopened);
      g_assert_cmpuint (count_listed ("history"), ==, expected[i]);
      g_clear_object (&collection);
      syncobj_registry_forget_finished (registry);
    }
  syncobj_registry_set_history_limit (registry, limit);
}

static const char *schema_v1[] = {
  SYNCOBJ_TEST_SCHEMA_V1_META,
  SYNCOBJ_TEST_SCHEMA_V1_TRANSACTIONS,
  SYNCOBJ_TEST_SCHEMA_V1_INDEX,
  SYNCOBJ_TEST_SCHEMA_V1_VERSION,
  "INSERT INTO transactions VALUES ('00000000-0000-4000-8000-000000000001', 'old', 0,"
  " 1700000000000000, 1700000000000000, 7, 0, '', '', '', '[]',"
  " '[{\"id\":\"m1\",\"collection\":\"old\",\"key\":\"x\",\"type\":\"insert\","
  "\"modified\":{\"id\":\"x\",\"v\":1},\"changes\":{\"id\":\"x\",\"v\":1},"
  "\"created_at\":1700000000000000,\"updated_at\":1700000000000000}]')",
  NULL
};

static void
test_migration (void)
{
  g_autofree char *path = syncobj_store_test_path ("v1.db");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(SyncobjRecord) record = NULL;

  syncobj_store_test_run_sql (path, schema_v1);
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT value FROM meta WHERE key = 'schema_version'"), ==, 1);

  store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT value FROM meta WHERE key = 'schema_version'"), ==, 6);
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT count(*) FROM pragma_table_info('transactions') "
                                    "WHERE name IN ('counted_attempts', 'metadata')"), ==, 2);
  /* Version 5: each cached record's ETag. */
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT count(*) FROM pragma_table_info('cache') "
                                    "WHERE name = 'etag'"), ==, 1);
  /* Version 3: the cache of synced state, empty. */
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT count(*) FROM cache"), ==, 0);
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT count(*) FROM cache_state"), ==, 0);

  collection = syncobj_collection_new_with_store ("old", NULL, NULL, store);
  transaction = syncobj_store_test_transaction_at (collection, 0);
  g_assert_cmpstr (syncobj_transaction_get_id (transaction), ==, "00000000-0000-4000-8000-000000000001");
  g_assert_cmpint (syncobj_transaction_get_state (transaction), ==, SYNCOBJ_TRANSACTION_STATE_PENDING);
  record = syncobj_collection_lookup (collection, "x");
  syncobj_store_test_assert_value (syncobj_record_get_value (record), "{\"id\": \"x\", \"v\": 1}");
  g_assert_cmpint (g_date_time_to_unix (syncobj_transaction_get_created_at (transaction)), ==, 1700000000);

  /* New commits come after the restored ones. */
  g_assert_cmpuint (_syncobj_transaction_get_sequence (transaction), ==, 7);
}

/* Transactions restored into a collection that has no mutator yet wait,
 * pending and visible, until it gets one: the user's edits are kept. */
static void
test_restored_waits_for_mutator (void)
{
  g_autofree char *path = syncobj_store_test_path ("no-mutator-yet.db");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(SyncobjMutator) mutator = NULL;
  SyncobjTestBackend *backend;

  g_autoptr(GPtrArray) statements = g_ptr_array_new_with_free_func (g_free);

  /* A transaction of a previous run, pending on disk: the one of
   * schema_v1, under an id and a collection of its own. */
  for (guint i = 0; schema_v1[i] != NULL; i++)
    {
      g_autoptr(GString) statement = g_string_new (schema_v1[i]);

      g_string_replace (statement, "000000000001", "0000000000a1", 0);
      g_string_replace (statement, "old", "no-mutator-yet", 0);
      g_ptr_array_add (statements, g_string_free (g_steal_pointer (&statement), FALSE));
    }
  g_ptr_array_add (statements, NULL);
  syncobj_store_test_run_sql (path, (const char **) statements->pdata);
  store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);

  /* This run opens its collection before it has a mutator. */
  collection = syncobj_collection_new_with_store ("no-mutator-yet", NULL, NULL, store);
  transaction = syncobj_store_test_transaction_at (collection, 0);
  syncobj_store_test_run_pending ();
  _syncobj_scheduler_advance (_syncobj_scheduler_get_default (), 60000);
  syncobj_store_test_run_pending ();
  g_assert_cmpint (syncobj_transaction_get_state (transaction), ==, SYNCOBJ_TRANSACTION_STATE_PENDING);
  g_assert_no_error (syncobj_transaction_get_error (transaction));
  g_assert_true (syncobj_collection_contains (collection, "x"));

  backend = syncobj_store_test_backend_new (&mutator);
  backend->complete_at_once = TRUE;
  syncobj_collection_set_mutator (collection, mutator);
  syncobj_store_test_run_pending ();
  g_assert_cmpuint (backend->calls->len, ==, 1);
  g_assert_cmpint (syncobj_transaction_get_state (transaction), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  syncobj_store_test_flush (store);
}

static void
prune_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  guint *removed = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (syncobj_store_prune_finish (SYNCOBJ_STORE (source), result, removed, &error));
  g_assert_no_error (error);
}

static guint
prune (SyncobjStore *store,
       GDateTime    *older_than)
{
  guint removed = G_MAXUINT;

  syncobj_store_prune_async (store, older_than, NULL, prune_cb, &removed);
  while (removed == G_MAXUINT)
    g_main_context_iteration (NULL, TRUE);
  return removed;
}

static void
test_prune (void)
{
  g_autofree char *path = syncobj_store_test_path ("prune.db");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = syncobj_store_new_for_path (path, &error);
  g_autoptr(SyncobjMutator) mutator = NULL;
  SyncobjTestBackend *backend = syncobj_store_test_backend_new (&mutator);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) unfinished = NULL;
  g_autoptr(GDateTime) past = NULL;
  g_autoptr(GDateTime) future = NULL;
  gint64 now;

  g_assert_no_error (error);
  collection = syncobj_collection_new_with_store ("prune", NULL, mutator, store);
  backend->complete_at_once = TRUE;
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"id\": \"done-%u\"}", i);
      g_autoptr(JsonObject) value = syncobj_test_object (json);
      g_autoptr(SyncobjTransaction) transaction = syncobj_collection_insert (collection, value, &error);

      g_assert_no_error (error);
      while (!syncobj_transaction_is_finished (transaction))
        g_main_context_iteration (NULL, TRUE);
    }
  backend->complete_at_once = FALSE;
  {
    g_autoptr(JsonObject) value = syncobj_test_object ("{\"id\": \"open\"}");
    unfinished = syncobj_collection_insert (collection, value, &error);
    g_assert_no_error (error);
  }
  syncobj_store_test_wait_for_jobs (backend, 1);
  syncobj_store_test_flush (store);
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT count(*) FROM transactions"), ==, 6);

  now = _syncobj_scheduler_now (_syncobj_scheduler_get_default ());
  past = g_date_time_new_from_unix_utc (now / G_USEC_PER_SEC - 3600);
  future = g_date_time_new_from_unix_utc (now / G_USEC_PER_SEC + 3600);

  /* Nothing is older than an hour ago. */
  g_assert_cmpuint (prune (store, past), ==, 0);
  /* Finished ones go; the unfinished one stays whatever its age. */
  g_assert_cmpuint (prune (store, future), ==, 5);
  syncobj_store_test_flush (store);
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT count(*) FROM transactions"), ==, 1);
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT state FROM transactions"), ==, SYNCOBJ_TRANSACTION_STATE_PERSISTING);

  g_clear_object (&collection);
}

static void
test_flush (void)
{
  g_autofree char *path = syncobj_store_test_path ("flush.db");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = g_object_new (SYNCOBJ_TYPE_STORE, "path", path,
                                                "synchronous", SYNCOBJ_STORE_SYNCHRONOUS_FULL, NULL);
  g_autoptr(SyncobjMutator) mutator = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  const guint n = 1200;   /* more than one batch of 500 */

  g_assert_true (syncobj_store_get_persistent (store));
  g_assert_cmpint (syncobj_store_get_synchronous (store), ==, SYNCOBJ_STORE_SYNCHRONOUS_FULL);
  syncobj_store_test_backend_new (&mutator);
  collection = syncobj_collection_new_with_store ("flush", NULL, mutator, store);
  syncobj_collection_set_strategy (collection, SYNCOBJ_STRATEGY_PARALLEL);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"id\": \"key-%u\", \"i\": %u}", i, i);
      g_autoptr(JsonObject) value = syncobj_test_object (json);
      g_autoptr(SyncobjTransaction) transaction = syncobj_collection_insert (collection, value, &error);

      g_assert_no_error (error);
    }

  /* Flushed: another connection sees every row. */
  syncobj_store_test_flush (store);
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT count(*) FROM transactions"), ==, n);
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT count(DISTINCT sequence) FROM transactions"), ==, n);

  g_clear_object (&collection);
}

/* ---- files that cannot be used ---------------------------------------------- */

static void
write_file (const char *path,
            const char *contents,
            gssize      length)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
}

static char *
read_file (const char *path,
           gsize      *length)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, length, &error);
  g_assert_no_error (error);
  return contents;
}

/* Opens @path both ways; expects the fallback (logged with @pattern) and
 * the error; returns the fallback store. */
static SyncobjStore *
open_bad (const char *path,
          const char *pattern)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) strict = syncobj_store_new_for_path (path, &error);
  g_autofree char *message_pattern = g_strdup_printf ("*%s*%s*kept in memory only*", path, pattern);
  g_autofree char *error_pattern = g_strdup_printf ("*%s*%s*", path, pattern);
  SyncobjStore *store;
  g_autoptr(SyncobjCollection) collection = NULL;

  g_assert_null (strict);
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE);
  if (!g_pattern_match_simple (error_pattern, error->message))
    g_error ("unexpected error: %s", error->message);

  syncobj_store_test_assert_logged (NULL);
  store = g_object_new (SYNCOBJ_TYPE_STORE, "path", path, NULL);
  syncobj_store_test_assert_logged (message_pattern);

  g_assert_false (syncobj_store_get_persistent (store));
  g_assert_nonnull (syncobj_store_get_open_error (store));
  collection = syncobj_collection_new_with_store ("bad", NULL, NULL, store);
  g_assert_false (syncobj_collection_get_persistent (collection));
  return store;
}

static void
test_bad_garbage (void)
{
  g_autofree char *path = syncobj_store_test_path ("garbage.db");
  g_autofree char *garbage = g_strnfill (8192, 'x');
  g_autoptr(SyncobjStore) store = NULL;
  g_autofree char *after = NULL;
  gsize length;

  write_file (path, garbage, -1);
  store = open_bad (path, "not an SQLite database");
  after = read_file (path, &length);
  g_assert_cmpmem (after, length, garbage, strlen (garbage));
}

static void
test_bad_truncated (void)
{
  g_autofree char *path = syncobj_store_test_path ("truncated.db");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = syncobj_store_new_for_path (path, &error);
  g_autoptr(SyncobjMutator) mutator = NULL;
  SyncobjTestBackend *backend = syncobj_store_test_backend_new (&mutator);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *after = NULL;
  gsize length, after_length;

  g_assert_no_error (error);
  collection = syncobj_collection_new_with_store ("truncated", NULL, mutator, store);
  syncobj_collection_set_strategy (collection, SYNCOBJ_STRATEGY_PARALLEL);
  backend->complete_at_once = TRUE;
  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"id\": \"key-%u\", \"text\": \"%0200u\"}", i, i);
      g_autoptr(JsonObject) value = syncobj_test_object (json);
      g_autoptr(SyncobjTransaction) transaction = syncobj_collection_insert (collection, value, &error);

      g_assert_no_error (error);
      while (!syncobj_transaction_is_finished (transaction))
        g_main_context_iteration (NULL, TRUE);
    }
  syncobj_store_test_flush (store);
  /* Finished transactions let their collection go, and the collection its
   * store: closing checkpoints the log into the file. */
  g_clear_object (&collection);
  g_assert_finalize_object (g_steal_pointer (&store));

  contents = read_file (path, &length);
  g_assert_cmpuint (length, >, 16384);
  write_file (path, contents, length / 2);

  store = open_bad (path, "damaged");
  after = read_file (path, &after_length);
  g_assert_cmpmem (after, after_length, contents, length / 2);
}

static void
test_bad_newer_schema (void)
{
  g_autofree char *path = syncobj_store_test_path ("newer.db");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = syncobj_store_new_for_path (path, &error);
  const char *bump[] = { "UPDATE meta SET value = 99 WHERE key = 'schema_version'", NULL };

  g_assert_no_error (error);
  g_clear_object (&store);
  syncobj_store_test_run_sql (path, bump);

  store = open_bad (path, "newer version of libsyncobj (schema version 99");
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT value FROM meta WHERE key = 'schema_version'"), ==, 99);
}

static void
test_bad_read_only_directory (void)
{
  g_autofree char *dir = syncobj_store_test_path ("read-only");
  g_autofree char *probe = g_build_filename (dir, "probe", NULL);
  g_autofree char *path = g_build_filename (dir, "store.db", NULL);
  g_autoptr(SyncobjStore) store = NULL;
  int fd;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0500), ==, 0);
  g_assert_cmpint (g_chmod (dir, 0500), ==, 0);

  /* root ignores directory permissions; sysfs refuses new files to all. */
  fd = g_open (probe, O_CREAT | O_WRONLY, 0600);
  if (fd >= 0)
    {
      g_close (fd, NULL);
      g_unlink (probe);
      g_clear_pointer (&path, g_free);
      path = g_strdup ("/sys/syncobj-store-test.db");
      fd = g_open (path, O_CREAT | O_WRONLY, 0600);
      if (fd >= 0 || errno != EACCES)
        {
          if (fd >= 0)
            {
              g_close (fd, NULL);
              g_unlink (path);
            }
          g_test_skip ("no directory refuses new files here");
          return;
        }
    }

  store = open_bad (path, "Permission denied");
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_chmod (dir, 0700);
}

static void
test_bad_move_aside (void)
{
  g_autofree char *path = syncobj_store_test_path ("aside.db");
  g_autofree char *garbage = g_strnfill (4096, 'z');
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autofree char *moved = NULL;
  g_autofree char *prefix = g_strdup ("aside.db.corrupt-");
  g_autofree char *message = g_strdup_printf ("*%s was corrupt*moved to*", path);
  const char *name;

  write_file (path, garbage, -1);
  store = g_object_new (SYNCOBJ_TYPE_STORE, "path", path, "move-corrupt-aside", TRUE, NULL);
  syncobj_store_test_assert_logged (message);
  g_assert_true (syncobj_store_get_persistent (store));

  dir = g_dir_open (g_get_user_data_dir (), 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, prefix))
      moved = g_build_filename (g_get_user_data_dir (), name, NULL);
  g_assert_nonnull (moved);
  {
    gsize length;
    g_autofree char *contents = read_file (moved, &length);

    g_assert_cmpmem (contents, length, garbage, strlen (garbage));
  }
}

/* ---- a full disk -------------------------------------------------------------- */

static void
flush_expect_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GError **error = user_data;
  gboolean ok = syncobj_store_flush_finish (SYNCOBJ_STORE (source), result, error);

  g_assert_true (ok == (*error == NULL));
  if (*error == NULL)
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "flushed");
}

/* Flushes and returns the error, or NULL when everything was written. */
static GError *
flush_error (SyncobjStore *store)
{
  GError *error = NULL;

  syncobj_store_flush_async (store, NULL, flush_expect_cb, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    g_clear_error (&error);
  return error;
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

static SyncobjTransaction *
insert_json (SyncobjCollection *collection,
             const char        *json)
{
  g_autoptr(JsonObject) value = syncobj_test_object (json);
  g_autoptr(GError) error = NULL;
  SyncobjTransaction *transaction = syncobj_collection_insert (collection, value, &error);

  g_assert_no_error (error);
  return transaction;
}

/* Damage only a full check finds: the root page of the cache's index by
 * key, which neither opening the file nor a start reads. The store opens
 * and the start shows the cached records at once; the check that runs
 * after the start stops every write to the file and says why in
 * write-error. A store that moves a damaged file aside checks at open. */
static void
test_bad_found_after_start (void)
{
  g_autofree char *path = syncobj_store_test_path ("found-later.db");
  g_autofree char *message = g_strdup_printf ("*%s was corrupt*moved to*", path);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) inserted = NULL;
  g_autoptr(SyncobjMutator) mutator = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  gint64 root, page_size;
  gboolean moved = FALSE;
  const char *name;
  const char *fill[] = {
    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 1999) "
    "INSERT INTO cache (collection_id, generation, key, position, value) "
    "SELECT 'later', 1, 'k' || i, i, '{\"id\":\"k' || i || '\"}' FROM n",
    "INSERT INTO cache_state VALUES ('later', 1, 0, '')",
    NULL
  };

  store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  g_clear_object (&store);
  syncobj_store_test_run_sql (path, fill);
  root = syncobj_store_test_query_int (path, "SELECT rootpage FROM sqlite_master WHERE name = 'cache_by_key'");
  page_size = syncobj_store_test_query_int (path, "PRAGMA page_size");
  contents = read_file (path, &length);
  g_assert_cmpuint (length, >, (gsize) (root * page_size));
  contents[(root - 1) * page_size] = 0x7f;   /* no type of B-tree page */
  write_file (path, contents, length);

  store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  g_assert_true (syncobj_store_get_persistent (store));
  syncobj_store_test_backend_new (&mutator);
  collection = syncobj_collection_new_with_store ("later", NULL, mutator, store);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (collection)), ==, 2000);

  inserted = insert_json (collection, "{\"id\": \"new\"}");
  error = flush_error (store);
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE);
  g_assert_nonnull (strstr (error->message, "damaged"));
  g_assert_nonnull (syncobj_store_get_write_error (store));
  g_assert_cmpstr (syncobj_store_get_write_error (store)->message, ==, error->message);
  syncobj_store_test_assert_logged ("*found-later.db: the database is damaged*nothing more is written*");
  g_assert_true (syncobj_collection_contains (collection, "new"));
  g_clear_error (&error);

  /* Nothing was written to the damaged file. */
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT count(*) FROM transactions"), ==, 0);
  g_clear_object (&inserted);
  g_clear_object (&collection);
  g_clear_object (&store);

  store = g_object_new (SYNCOBJ_TYPE_STORE, "path", path, "move-corrupt-aside", TRUE, NULL);
  syncobj_store_test_assert_logged (message);
  g_assert_true (syncobj_store_get_persistent (store));
  dir = g_dir_open (g_get_user_data_dir (), 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "found-later.db.corrupt-"))
      moved = TRUE;
  g_assert_true (moved);
}

static void
test_full_disk (void)
{
  g_autofree char *path = syncobj_store_test_path ("full-disk.db");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = syncobj_store_new_for_path (path, &error);
  g_autoptr(SyncobjMutator) mutator = NULL;
  SyncobjTestBackend *backend = syncobj_store_test_backend_new (&mutator);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) before = NULL;
  g_autoptr(SyncobjTransaction) inserted = NULL;
  g_autoptr(SyncobjTransaction) held = NULL;
  g_autofree char *error_pattern = NULL;
  g_autofree char *sql = NULL;
  guint notified = 0;
  g_autoptr(SyncobjMutator) bulk_mutator = NULL;
  SyncobjTestBackend *bulk_backend;
  g_autoptr(SyncobjCollection) bulk = NULL;

  g_assert_no_error (error);
  collection = syncobj_collection_new_with_store ("full-disk", NULL, mutator, store);
  g_signal_connect (store, "notify::write-error", G_CALLBACK (count_notify_cb), &notified);

  /* Written while there is room. */
  before = insert_json (collection, "{\"id\": \"a\", \"n\": 1}");
  syncobj_store_test_wait_for_jobs (backend, 1);
  syncobj_persist_job_complete (g_ptr_array_index (backend->jobs, 0));
  syncobj_store_test_run_pending ();
  g_assert_cmpint (syncobj_transaction_get_state (before), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_null (flush_error (store));
  g_assert_null (syncobj_store_get_write_error (store));

  /* The disk is full: new transactions cannot be stored at commit nor at
   * any later change. */
  syncobj_test_set_disk_full (TRUE);
  syncobj_store_test_assert_logged (NULL);
  inserted = insert_json (collection, "{\"id\": \"b\", \"n\": 2}");
  held = insert_json (collection, "{\"id\": \"c\", \"n\": 3}");
  /* More transactions than one SQLite transaction takes (500), finished
   * while the disk is full. */
  bulk_backend = syncobj_store_test_backend_new (&bulk_mutator);
  bulk_backend->complete_at_once = TRUE;
  bulk = syncobj_collection_new_with_store ("full-disk-bulk", NULL, bulk_mutator, store);
  syncobj_collection_set_strategy (bulk, SYNCOBJ_STRATEGY_PARALLEL);
  for (guint i = 0; i < 600; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"id\": \"bulk-%u\"}", i);
      g_autoptr(SyncobjTransaction) transaction = insert_json (bulk, json);
    }
  error = flush_error (store);

  error_pattern = g_strdup_printf ("Cannot write to the transaction store %s: *", path);
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE);
  if (!g_pattern_match_simple (error_pattern, error->message))
    g_error ("unexpected error: %s", error->message);
  g_assert_nonnull (syncobj_store_get_write_error (store));
  g_assert_cmpstr (syncobj_store_get_write_error (store)->message, ==, error->message);
  g_assert_cmpuint (notified, ==, 1);
  /* Logged once, not once per failed round. */
  syncobj_store_test_assert_logged ("*full-disk.db: writing failed, the changes are kept in memory*");
  g_clear_error (&error);

  /* The collection keeps working in memory: the changes are visible, and
   * persisting goes on to completion. */
  g_assert_true (syncobj_collection_contains (collection, "b"));
  g_assert_true (syncobj_collection_contains (collection, "c"));
  syncobj_store_test_wait_for_jobs (backend, 2);
  g_assert_true (syncobj_persist_job_get_transaction (g_ptr_array_index (backend->jobs, 1)) == inserted);
  syncobj_persist_job_complete (g_ptr_array_index (backend->jobs, 1));
  syncobj_store_test_run_pending ();
  syncobj_store_test_wait_for_jobs (backend, 3);
  g_assert_true (syncobj_persist_job_get_transaction (g_ptr_array_index (backend->jobs, 2)) == held);
  g_assert_cmpint (syncobj_transaction_get_state (inserted), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpint (syncobj_transaction_get_state (held), ==, SYNCOBJ_TRANSACTION_STATE_PERSISTING);
  error = flush_error (store);
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE);
  g_clear_error (&error);
  g_assert_cmpuint (notified, ==, 1);

  /* Room again: the next flush writes everything kept, with the states
   * reached meanwhile, and the error goes away. */
  syncobj_test_set_disk_full (FALSE);
  g_assert_null (flush_error (store));
  g_assert_null (syncobj_store_get_write_error (store));
  g_assert_cmpuint (notified, ==, 2);
  syncobj_store_test_assert_logged ("*full-disk.db: writing works again*");

  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT count(*) FROM transactions"), ==, 603);
  sql = g_strdup_printf ("SELECT count(*) FROM transactions WHERE collection_id = 'full-disk-bulk' AND state = %d",
                         SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpint (syncobj_store_test_query_int (path, sql), ==, 600);
  g_clear_pointer (&sql, g_free);
  sql = g_strdup_printf ("SELECT state FROM transactions WHERE id = '%s'", syncobj_transaction_get_id (inserted));
  g_assert_cmpint (syncobj_store_test_query_int (path, sql), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_free (sql);
  sql = g_strdup_printf ("SELECT state FROM transactions WHERE id = '%s' AND mutations LIKE '%%\"c\"%%'",
                         syncobj_transaction_get_id (held));
  g_assert_cmpint (syncobj_store_test_query_int (path, sql), ==, SYNCOBJ_TRANSACTION_STATE_PERSISTING);

  /* And later writes go straight to the file again. */
  syncobj_persist_job_complete (g_ptr_array_index (backend->jobs, 2));
  syncobj_store_test_run_pending ();
  g_assert_null (flush_error (store));
  g_assert_cmpint (syncobj_store_test_query_int (path, sql), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpuint (notified, ==, 2);

  /* Finished jobs hold their mutator, which holds the backend. */
  g_ptr_array_set_size (backend->jobs, 0);
  g_clear_object (&collection);
}

/* A record deleted and inserted again is stored as an update that
 * replaces it, so that it still replaces the record after a restart. */
static void
test_replacing_update_stored (void)
{
  g_autofree char *path = syncobj_store_test_path ("replacing.db");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = syncobj_store_new_for_path (path, &error);
  g_autoptr(SyncobjMutator) mutator = NULL;
  SyncobjTestBackend *backend = syncobj_store_test_backend_new (&mutator);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(JsonObject) again = syncobj_test_object ("{\"id\": \"a\", \"title\": \"new\"}");

  g_assert_no_error (error);
  collection = syncobj_collection_new_with_store ("replacing", NULL, mutator, store);
  backend->complete_at_once = TRUE;
  insert = insert_json (collection, "{\"id\": \"a\", \"title\": \"old\", \"done\": true}");
  backend->complete_at_once = FALSE;

  transaction = syncobj_collection_begin (collection);
  g_assert_true (syncobj_transaction_delete (transaction, collection, "a", &error));
  g_assert_true (syncobj_transaction_insert (transaction, collection, again, &error));
  g_assert_true (syncobj_transaction_commit (transaction, &error));
  g_assert_no_error (error);
  syncobj_store_test_flush (store);

  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT count(*) FROM transactions "
                                                       "WHERE mutations LIKE '%\"replaces\":true%'"), ==, 1);
  g_ptr_array_set_size (backend->jobs, 0);
  g_clear_object (&collection);
}

/* A transaction that writes to two collections comes back whole, whichever
 * collection is opened first after the restart: the one opened first keeps
 * it waiting, in its place in the queue, until the other one is open. */
static void
test_cross_collection_restored_in_any_order (void)
{
  g_autofree char *path = syncobj_store_test_path ("cross-collection.db");
  g_autofree char *helper = g_test_build_filename (G_TEST_BUILT, "crash-helper", NULL);
  const char *argv[] = { helper, "cross-collection", path, NULL };
  g_autofree char *output = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) ids = NULL;
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjMutator) mutator = NULL;
  SyncobjTestBackend *backend = syncobj_store_test_backend_new (&mutator);
  g_autoptr(SyncobjCollection) lists = NULL;
  g_autoptr(SyncobjCollection) todos = NULL;
  SyncobjRegistry *registry = syncobj_registry_get_default ();
  SyncobjTransaction *t1, *t2, *t3;
  guint waiting_notified = 0;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &output, NULL, &status, &error);
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
  ids = syncobj_test_object (output);

  store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  syncobj_store_test_assert_logged (NULL);
  lists = syncobj_collection_new_with_store ("cross-lists", NULL, mutator, store);
  syncobj_store_test_assert_logged ("*waits until collection “cross-todos” is open*");
  t1 = syncobj_registry_lookup_transaction (registry, json_object_get_string_member (ids, "t1"));
  t2 = syncobj_registry_lookup_transaction (registry, json_object_get_string_member (ids, "t2"));
  t3 = syncobj_registry_lookup_transaction (registry, json_object_get_string_member (ids, "t3"));
  g_assert_nonnull (t1);
  g_assert_nonnull (t2);
  g_assert_nonnull (t3);

  /* lists shows its writes; t1 waits for todos and holds lists' queue. */
  g_assert_cmpstr (syncobj_transaction_get_waiting_for_collection (t1), ==, "cross-todos");
  g_assert_cmpstr (syncobj_transaction_get_waiting_for_collection (t3), ==, "cross-todos");
  g_assert_null (syncobj_transaction_get_waiting_for_collection (t2));
  g_signal_connect (t1, "notify::waiting-for-collection", G_CALLBACK (count_notify_cb), &waiting_notified);
  g_assert_true (syncobj_collection_contains (lists, "l1"));
  g_assert_true (syncobj_collection_contains (lists, "l2"));
  syncobj_store_test_run_pending ();
  g_assert_cmpuint (backend->jobs->len, ==, 0);
  g_assert_cmpint (syncobj_transaction_get_state (t2), ==, SYNCOBJ_TRANSACTION_STATE_QUEUED);
  g_assert_cmpuint (g_list_model_get_n_items (syncobj_transaction_get_mutations (t1)), ==, 1);

  /* todos opens: its writes are back, and t1 resumes with both. */
  todos = syncobj_collection_new_with_store ("cross-todos", NULL, NULL, store);
  g_assert_true (syncobj_collection_contains (todos, "t1"));
  g_assert_true (syncobj_collection_contains (todos, "t2"));
  g_assert_null (syncobj_transaction_get_waiting_for_collection (t1));
  g_assert_null (syncobj_transaction_get_waiting_for_collection (t3));
  g_assert_cmpuint (waiting_notified, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (syncobj_transaction_get_mutations (t1)), ==, 2);
  syncobj_store_test_wait_for_jobs (backend, 1);
  g_assert_true (syncobj_persist_job_get_transaction (g_ptr_array_index (backend->jobs, 0)) == t1);
  g_assert_cmpuint (syncobj_persist_job_get_attempt (g_ptr_array_index (backend->jobs, 0)), ==, 2);
  g_assert_cmpint (syncobj_transaction_get_state (t2), ==, SYNCOBJ_TRANSACTION_STATE_QUEUED);
  g_assert_cmpint (syncobj_transaction_get_state (t3), ==, SYNCOBJ_TRANSACTION_STATE_QUEUED);

  /* Then the others, in their order. */
  syncobj_persist_job_complete (g_ptr_array_index (backend->jobs, 0));
  syncobj_store_test_wait_for_jobs (backend, 3);
  g_assert_true (syncobj_persist_job_get_transaction (g_ptr_array_index (backend->jobs, 1)) == t2 ||
                 syncobj_persist_job_get_transaction (g_ptr_array_index (backend->jobs, 1)) == t3);
  syncobj_persist_job_complete (g_ptr_array_index (backend->jobs, 1));
  syncobj_persist_job_complete (g_ptr_array_index (backend->jobs, 2));
  syncobj_store_test_run_pending ();
  g_assert_cmpint (syncobj_transaction_get_state (t1), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpint (syncobj_transaction_get_state (t2), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpint (syncobj_transaction_get_state (t3), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);

  g_ptr_array_set_size (backend->jobs, 0);
  g_clear_object (&todos);
  g_clear_object (&lists);
}

/* The store's contract: a stored transaction written as a row reads back
 * as the same plain struct. */
static SyncobjStoredMutation *
stored_mutation (const char          *key,
                 SyncobjMutationType  type,
                 const char          *original,
                 const char          *changes)
{
  SyncobjStoredMutation *mutation = _syncobj_stored_mutation_new ();

  mutation->mutation_id = g_strdup_printf ("m-%s", key);
  mutation->collection_id = g_strdup ("rows");
  mutation->key = g_strdup (key);
  mutation->type = type;
  mutation->original = original != NULL ? _syncobj_json_parse_object (original, -1, NULL) : NULL;
  mutation->changes = _syncobj_json_parse_object (changes, -1, NULL);
  mutation->created_at_us = 10;
  mutation->updated_at_us = 20;
  return mutation;
}

static void
assert_same_json (JsonObject *a,
                  JsonObject *b)
{
  g_assert_true (_syncobj_json_equal (a, b));
}

static void
test_row_round_trip (void)
{
  g_autoptr(SyncobjStoredTransaction) stored = _syncobj_stored_transaction_new (TRUE);
  g_autoptr(SyncobjStoredTransaction) read = NULL;
  g_autoptr(SyncobjStoreRow) row = NULL;
  g_autoptr(GError) error = NULL;
  SyncobjStoredAttempt attempt = { g_strdup ("a-1"), 1, 100, 200, 300,
                                   g_error_new_literal (SYNCOBJ_ERROR, SYNCOBJ_ERROR_FAILED, "line\n\"quoted\"") };
  SyncobjStoredMutation *insert = stored_mutation ("k1", SYNCOBJ_MUTATION_TYPE_INSERT, NULL, "{\"id\":\"k1\",\"n\":1}");
  SyncobjStoredMutation *update = stored_mutation ("k2", SYNCOBJ_MUTATION_TYPE_UPDATE, "{\"id\":\"k2\",\"n\":1}",
                                                   "{\"id\":\"k2\",\"n\":2}");
  SyncobjStoredMutation *mutation;

  stored->id = g_strdup ("t-1");
  stored->collection_id = g_strdup ("rows");
  stored->state = SYNCOBJ_TRANSACTION_STATE_PERSISTING;
  stored->created_at_us = 1;
  stored->updated_at_us = 2;
  stored->sequence = 3;
  stored->current_attempt = 1;
  stored->counted_attempts = 1;
  stored->queued_behind = g_strdup ("t-0");
  stored->error = g_error_new_literal (SYNCOBJ_ERROR, SYNCOBJ_ERROR_FAILED, "failed");
  stored->error_transaction_id = g_strdup ("t-0");
  stored->metadata = _syncobj_json_parse_object ("{\"origin\":\"test\"}", -1, NULL);
  g_array_append_val (stored->attempts, attempt);
  insert->modified = json_object_ref (insert->changes);   /* an insert's modified value is its changes */
  update->modified = _syncobj_json_merge (update->original, update->changes);
  update->replaces = TRUE;
  update->metadata = _syncobj_json_parse_object ("{\"why\":\"test\"}", -1, NULL);
  g_ptr_array_add (stored->mutations, insert);
  g_ptr_array_add (stored->mutations, update);

  row = _syncobj_stored_transaction_to_row (stored);
  read = _syncobj_stored_transaction_from_row (row, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (read->id, ==, "t-1");
  g_assert_cmpstr (read->collection_id, ==, "rows");
  g_assert_cmpint (read->state, ==, SYNCOBJ_TRANSACTION_STATE_PERSISTING);
  g_assert_cmpint (read->created_at_us, ==, 1);
  g_assert_cmpint (read->updated_at_us, ==, 2);
  g_assert_cmpuint (read->sequence, ==, 3);
  g_assert_cmpuint (read->current_attempt, ==, 1);
  g_assert_cmpuint (read->counted_attempts, ==, 1);
  g_assert_cmpstr (read->queued_behind, ==, "t-0");
  g_assert_error (read->error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_FAILED);
  g_assert_cmpstr (read->error->message, ==, "failed");
  g_assert_cmpstr (read->error_transaction_id, ==, "t-0");
  assert_same_json (read->metadata, stored->metadata);

  g_assert_cmpuint (read->attempts->len, ==, 1);
  g_assert_cmpstr (g_array_index (read->attempts, SyncobjStoredAttempt, 0).id, ==, "a-1");
  g_assert_cmpuint (g_array_index (read->attempts, SyncobjStoredAttempt, 0).number, ==, 1);
  g_assert_cmpint (g_array_index (read->attempts, SyncobjStoredAttempt, 0).started_at_us, ==, 100);
  g_assert_cmpint (g_array_index (read->attempts, SyncobjStoredAttempt, 0).completed_at_us, ==, 200);
  g_assert_cmpint (g_array_index (read->attempts, SyncobjStoredAttempt, 0).retry_scheduled_for_us, ==, 300);
  g_assert_cmpstr (g_array_index (read->attempts, SyncobjStoredAttempt, 0).error->message, ==, "line\n\"quoted\"");

  g_assert_cmpuint (read->mutations->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      SyncobjStoredMutation *written = g_ptr_array_index (stored->mutations, i);

      mutation = g_ptr_array_index (read->mutations, i);
      g_assert_cmpstr (mutation->mutation_id, ==, written->mutation_id);
      g_assert_cmpstr (mutation->collection_id, ==, "rows");
      g_assert_cmpstr (mutation->key, ==, written->key);
      g_assert_cmpint (mutation->type, ==, written->type);
      assert_same_json (mutation->original, written->original);
      assert_same_json (mutation->modified, written->modified);
      assert_same_json (mutation->changes, written->changes);
      assert_same_json (mutation->metadata, written->metadata);
      g_assert_cmpint (mutation->replaces, ==, written->replaces);
      g_assert_cmpint (mutation->created_at_us, ==, 10);
      g_assert_cmpint (mutation->updated_at_us, ==, 20);
    }
}

/* A snapshot of a change after the commit updates the row: it carries
 * neither the mutations nor what never changes after the commit. */
static void
test_row_change_keeps_mutations (void)
{
  g_autoptr(SyncobjStoredTransaction) stored = _syncobj_stored_transaction_new (FALSE);
  g_autoptr(SyncobjStoreRow) row = NULL;

  stored->id = g_strdup ("t-1");
  stored->state = SYNCOBJ_TRANSACTION_STATE_COMPLETED;
  row = _syncobj_stored_transaction_to_row (stored);

  g_assert_null (row->mutations);
  g_assert_cmpint (row->state, ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpstr (row->attempts, ==, "[]");
  g_assert_cmpstr (row->error, ==, "");
  g_assert_cmpstr (row->queued_behind, ==, "");
}

int
main (int   argc,
      char *argv[])
{
  syncobj_test_init (&argc, &argv);
  syncobj_store_test_capture_log ();
  setup ();

  g_test_add_func ("/store/in-memory", test_in_memory);
  g_test_add_func ("/store/default-retry-policy", test_default_retry_policy);
  g_test_add_func ("/store/restored-waits-for-mutator", test_restored_waits_for_mutator);
  g_test_add_func ("/store/file-mode", test_file_mode);
  g_test_add_func ("/store/default", test_default);
  g_test_add_func ("/store/default-without-program-name", test_default_without_program_name);
  g_test_add_func ("/store/round-trip", test_round_trip);
  g_test_add_func ("/store/lock/other-process", test_lock_other_process);
  g_test_add_func ("/store/same-process-no-duplicate", test_same_process_no_duplicate);
  g_test_add_func ("/store/same-process-open-twice", test_same_process_open_twice);
  g_test_add_func ("/store/history-read-back", test_history_read_back);
  g_test_add_func ("/store/migration/v1", test_migration);
  g_test_add_func ("/store/prune", test_prune);
  g_test_add_func ("/store/flush", test_flush);
  g_test_add_func ("/store/bad-file/garbage", test_bad_garbage);
  g_test_add_func ("/store/bad-file/truncated", test_bad_truncated);
  g_test_add_func ("/store/bad-file/newer-schema", test_bad_newer_schema);
  g_test_add_func ("/store/bad-file/read-only-directory", test_bad_read_only_directory);
  g_test_add_func ("/store/bad-file/move-aside", test_bad_move_aside);
  g_test_add_data_func ("/store/bad-file/symlink", "", test_symlink_refused);
  g_test_add_func ("/store/bad-file/damaged-wal", test_damaged_wal);
  g_test_add_func ("/store/bad-file/found-after-start", test_bad_found_after_start);
  g_test_add_data_func ("/store/bad-file/symlink-wal", "-wal", test_symlink_refused);
  g_test_add_func ("/store/full-disk", test_full_disk);
  g_test_add_func ("/store/replacing-update-stored", test_replacing_update_stored);
  g_test_add_func ("/store/cross-collection-restored-in-any-order", test_cross_collection_restored_in_any_order);
  g_test_add_func ("/store/row/round-trip", test_row_round_trip);
  g_test_add_func ("/store/row/change-keeps-mutations", test_row_change_keeps_mutations);

  return g_test_run ();
}
