/* recovery-test.c: a process killed with SIGKILL loses nothing
 *
 * For every kill point, crash-helper leaves transactions in chosen states
 * (persisted and awaiting their sync echo, persisting with an attempt in
 * flight, waiting for a retry, queued), flushes the store, prints what it
 * left, commits a few more transactions and kills itself with SIGKILL at
 * once or a little later, while the writer thread may be committing. This
 * process then opens the same file and checks the recovery rules:
 *
 * - unfinished transactions are active again as soon as the collection is
 *   created, before any network reply, with their optimistic values
 *   visible and their attempt counts;
 * - persisted_awaiting_sync ones are completed, their values not re-applied;
 * - the rest resume in their original order (a retry waits for the rest
 *   of its delay; an interrupted attempt is retried at once);
 * - nothing is lost or duplicated: of the transactions committed after the
 *   last flush, a prefix is there, whole.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "store-test-utils.h"

#include <signal.h>
#include <sys/wait.h>

/* An AddressSanitizer build runs every helper many times slower: it checks
 * memory safety on fewer points, the normal build checks all of them. */
#ifdef __SANITIZE_ADDRESS__
#define N_KILL_POINTS 16
#else
#define N_KILL_POINTS 64
#endif
#define HOUR_MS (3600 * 1000)
#define MAX_ATTEMPTS 5   /* the policy of the collection below */

typedef struct
{
  guint       awaiting;
  const char *head;
  guint       queued;
  guint       tail;
  guint       tail_wait;
} KillPoint;

static const char *heads[] = { "none", "flight-0", "flight-1", "backoff-1", "backoff-2" };

static KillPoint
kill_point (guint i)
{
  KillPoint point = {
    .awaiting = i % 3,
    .head = heads[(i / 3) % G_N_ELEMENTS (heads)],
    .queued = (i / 5) % 4,
    .tail = (i * 7) % 6,
    .tail_wait = (i / 2) % 3,
  };

  return point;
}

typedef struct
{
  char       *id;
  char       *category;
  char       *state;
  guint       current_attempt;
  JsonArray  *values;
} Planned;

static void
planned_free (Planned *planned)
{
  g_free (planned->id);
  g_free (planned->category);
  g_free (planned->state);
  g_clear_pointer (&planned->values, json_array_unref);
  g_free (planned);
}

static void
assert_value (SyncobjCollection *collection,
              JsonObject        *expected)
{
  const char *key = json_object_get_string_member (expected, "id");
  JsonObject *value = syncobj_collection_lookup_value (collection, key);

  if (value == NULL || !json_object_equal (value, expected))
    g_error ("key %s is not visible with its optimistic value", key);
}

static void
run_kill_point (KillPoint   point,
                const char *name)
{
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), name, NULL);
  g_autofree char *helper = g_test_build_filename (G_TEST_BUILT, "crash-helper", NULL);
  g_autofree char *awaiting = g_strdup_printf ("%u", point.awaiting);
  g_autofree char *queued = g_strdup_printf ("%u", point.queued);
  g_autofree char *tail = g_strdup_printf ("%u", point.tail);
  g_autofree char *tail_wait = g_strdup_printf ("%u", point.tail_wait);
  const char *argv[] = { helper, "crash", path, awaiting, point.head, queued, tail, tail_wait, NULL };
  g_autofree char *output = NULL;
  g_autofree char *errors = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) plan = g_ptr_array_new_with_free_func ((GDestroyNotify) planned_free);
  g_autoptr(GPtrArray) tail_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) expected_calls = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjMutator) mutator = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjRetryPolicy) policy = NULL;
  g_autoptr(GListModel) active = NULL;
  SyncobjTestBackend *backend;
  gboolean waits_for_retry = FALSE;
  Planned *out_of_attempts = NULL;
  guint n_active_planned = 0;
  guint n_tail_present;
  gint64 deadline;
  int status;

  g_test_message ("%s: %u awaiting, head %s, %u queued, %u after the flush, wait %u",
                  name, point.awaiting, point.head, point.queued, point.tail, point.tail_wait);

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &output, &errors, &status, &error);
  g_assert_no_error (error);
  if (!WIFSIGNALED (status) || WTERMSIG (status) != SIGKILL)
    g_error ("crash-helper did not die of SIGKILL (status %d): %s", status, errors);

  lines = g_strsplit (output, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], "plan "))
        {
          g_autoptr(JsonNode) node = json_from_string (lines[i] + 5, &error);
          JsonArray *array;

          g_assert_no_error (error);
          array = json_node_get_array (node);
          for (guint j = 0; j < json_array_get_length (array); j++)
            {
              JsonObject *object = json_array_get_object_element (array, j);
              Planned *planned = g_new0 (Planned, 1);

              planned->id = g_strdup (json_object_get_string_member (object, "id"));
              planned->category = g_strdup (json_object_get_string_member (object, "category"));
              planned->state = g_strdup (json_object_get_string_member (object, "state"));
              planned->current_attempt = (guint) json_object_get_int_member (object, "current_attempt");
              planned->values = json_array_ref (json_object_get_array_member (object, "values"));
              g_ptr_array_add (plan, planned);
            }
        }
      else if (g_str_has_prefix (lines[i], "tail "))
        g_ptr_array_add (tail_ids, g_strdup (lines[i] + 5));
    }
  g_assert_cmpuint (plan->len, ==, point.awaiting + (g_str_equal (point.head, "none") ? 0 : 1) + point.queued);
  g_assert_cmpuint (tail_ids->len, ==, point.tail);

  /* Each kill point starts its own virtual clock at the real time, as the
   * helper did. */
  _syncobj_scheduler_set_virtual (_syncobj_scheduler_get_default (), FALSE);
  _syncobj_scheduler_set_virtual (_syncobj_scheduler_get_default (), TRUE);

  store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  backend = syncobj_store_test_backend_new (&mutator);
  backend->complete_at_once = TRUE;
  /* A limit on attempts, so that an interrupted attempt can be the last
   * (a store's default policy retries without limit). */
  policy = syncobj_retry_policy_new ();
  syncobj_retry_policy_set_max_attempts (policy, MAX_ATTEMPTS);
  collection = g_object_new (SYNCOBJ_TYPE_COLLECTION, "id", "todos", "mutator", mutator,
                             "store", store, "retry-policy", policy, NULL);

  /* At once, before any persist call: the unfinished ones are back, in
   * order, with their values and attempt counts. */
  g_assert_cmpuint (backend->calls->len, ==, 0);
  active = syncobj_collection_get_transactions (collection);
  for (guint i = 0; i < plan->len; i++)
    {
      Planned *planned = g_ptr_array_index (plan, i);
      SyncobjTransaction *found = syncobj_registry_lookup_transaction (syncobj_registry_get_default (), planned->id);

      g_assert_nonnull (found);
      if (g_str_equal (planned->state, "persisted_awaiting_sync"))
        {
          g_assert_cmpint (syncobj_transaction_get_state (found), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
          for (guint v = 0; v < json_array_get_length (planned->values); v++)
            g_assert_false (syncobj_collection_contains (collection,
                                                         json_object_get_string_member (json_array_get_object_element (planned->values, v), "id")));
          continue;
        }

      g_assert_cmpuint (n_active_planned, <, g_list_model_get_n_items (active));
      {
        g_autoptr(SyncobjTransaction) transaction = g_list_model_get_item (active, n_active_planned);

        g_assert_cmpstr (syncobj_transaction_get_id (transaction), ==, planned->id);
        g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), ==, planned->current_attempt);
        g_assert_cmpuint (g_list_model_get_n_items (syncobj_transaction_get_attempts (transaction)), ==,
                          planned->current_attempt);
      }
      n_active_planned++;

      for (guint v = 0; v < json_array_get_length (planned->values); v++)
        assert_value (collection, json_array_get_object_element (planned->values, v));

      if (g_str_equal (planned->category, "backoff"))
        waits_for_retry = TRUE;
      /* The interrupted attempt counts: after the fifth, no retry. */
      if (g_str_equal (planned->category, "flight") && planned->current_attempt >= MAX_ATTEMPTS)
        out_of_attempts = planned;
      else
        g_ptr_array_add (expected_calls, g_strdup_printf ("%s %u", planned->id, planned->current_attempt + 1));
    }

  /* What was committed after the flush: a prefix, each one whole. */
  n_tail_present = g_list_model_get_n_items (active) - n_active_planned;
  g_assert_cmpuint (n_tail_present, <=, tail_ids->len);
  for (guint i = 0; i < tail_ids->len; i++)
    {
      g_autofree char *key = g_strdup_printf ("k%u", plan->len + i);

      if (i < n_tail_present)
        {
          g_autoptr(SyncobjTransaction) transaction = g_list_model_get_item (active, n_active_planned + i);
          g_autofree char *json = g_strdup_printf ("{\"id\": \"%s\", \"n\": %u}", key, plan->len + i);
          g_autoptr(JsonObject) value = syncobj_test_object (json);

          g_assert_cmpstr (syncobj_transaction_get_id (transaction), ==, g_ptr_array_index (tail_ids, i));
          g_assert_cmpuint (g_list_model_get_n_items (syncobj_transaction_get_mutations (transaction)), ==, 1);
          assert_value (collection, value);
          /* It may have started its first attempt before the kill. */
          g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), <=, 1);
          g_ptr_array_add (expected_calls, g_strdup_printf ("%s %u", (char *) g_ptr_array_index (tail_ids, i),
                                                            syncobj_transaction_get_current_attempt (transaction) + 1));
        }
      else
        g_assert_false (syncobj_collection_contains (collection, key));
    }

  g_test_message ("  %u of %u committed after the flush were on disk", n_tail_present, tail_ids->len);

  /* Resuming: a retry waits for the rest of its delay. */
  syncobj_store_test_run_pending ();
  if (waits_for_retry)
    {
      g_assert_cmpuint (backend->calls->len, ==, 0);
      _syncobj_scheduler_advance (_syncobj_scheduler_get_default (), 3 * HOUR_MS);
    }

  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (backend->calls->len < expected_calls->len)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
    }
  syncobj_store_test_run_pending ();

  /* In the original order, each once, with its next attempt number. */
  g_assert_cmpuint (backend->calls->len, ==, expected_calls->len);
  for (guint i = 0; i < expected_calls->len; i++)
    g_assert_cmpstr (g_ptr_array_index (backend->calls, i), ==, g_ptr_array_index (expected_calls, i));

  if (out_of_attempts != NULL)
    {
      SyncobjTransaction *failed = syncobj_registry_lookup_transaction (syncobj_registry_get_default (),
                                                                        out_of_attempts->id);

      g_assert_cmpint (syncobj_transaction_get_state (failed), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
      g_assert_error (syncobj_transaction_get_error (failed), SYNCOBJ_ERROR, SYNCOBJ_ERROR_FAILED);
      g_assert_true (strstr (syncobj_transaction_get_error (failed)->message, "stopped during attempt") != NULL);
      for (guint v = 0; v < json_array_get_length (out_of_attempts->values); v++)
        g_assert_false (syncobj_collection_contains (collection,
                                                     json_object_get_string_member (json_array_get_object_element (out_of_attempts->values, v), "id")));
    }

  /* Nothing duplicated in the file either. */
  syncobj_store_test_flush (store);
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT count(*) FROM transactions"), ==,
                   plan->len + n_tail_present);
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT count(*) FROM transactions WHERE state <> 4"), ==,
                   out_of_attempts != NULL ? 1 : 0);

  g_clear_object (&collection);
  syncobj_registry_forget_finished (syncobj_registry_get_default ());
}

static void
test_kill_points (void)
{
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);

  for (guint i = 0; i < N_KILL_POINTS; i++)
    {
      g_autofree char *name = g_strdup_printf ("kill-%02u.db", i);

      run_kill_point (kill_point (i), name);
    }
}

/* Killed during the last attempt the policy allows: the transaction fails
 * at start-up (rolled back), the ones queued behind it on other keys go on. */
static void
test_out_of_attempts (void)
{
  KillPoint point = { .awaiting = 1, .head = "flight-4", .queued = 2, .tail = 0, .tail_wait = 0 };

  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);
  run_kill_point (point, "out-of-attempts.db");
}

/* ---- keys from the server ---------------------------------------------- */

typedef struct
{
  char *temporary_key;
  char *insert_id;
  char *update_id;
} ServerKeyRun;

static void
server_key_run_clear (ServerKeyRun *run)
{
  g_free (run->temporary_key);
  g_free (run->insert_id);
  g_free (run->update_id);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ServerKeyRun, server_key_run_clear)

/* Adds 2^@doublings finished copies of transaction @like to the file at
 * @path, each committed after everything in it, as a long-running
 * application leaves them: they fill the history a restart reads back. */
static void
add_finished_history (const char *path,
                      const char *like,
                      guint       doublings)
{
  static const char *columns =
    "INSERT INTO transactions (id, collection_id, state, created_at, updated_at, sequence, "
    "current_attempt, counted_attempts, queued_behind, error, error_transaction_id, "
    "metadata, attempts, mutations) ";
  g_autoptr(GPtrArray) statements = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (statements,
                   g_strdup_printf ("%s SELECT 'history', collection_id, 4, created_at, updated_at, "
                                    "(SELECT MAX (sequence) FROM transactions) + 1, current_attempt, "
                                    "counted_attempts, '', '', '', metadata, '[]', mutations "
                                    "FROM transactions WHERE id = '%s'", columns, like));
  for (guint i = 0; i < doublings; i++)
    g_ptr_array_add (statements,
                     g_strdup_printf ("%s SELECT id || '-%u', collection_id, state, created_at, updated_at, "
                                      "sequence + (SELECT COUNT (*) FROM transactions WHERE id LIKE 'history%%'), "
                                      "current_attempt, counted_attempts, queued_behind, error, "
                                      "error_transaction_id, metadata, attempts, mutations "
                                      "FROM transactions WHERE id LIKE 'history%%'", columns, i));
  g_ptr_array_add (statements, NULL);
  syncobj_store_test_run_sql (path, (const char **) statements->pdata);
  g_assert_cmpint (syncobj_store_test_query_int (path, "SELECT COUNT (*) FROM transactions WHERE id LIKE 'history%'"),
                   ==, 1 << doublings);
}

/* Runs crash-helper server-key @kill_at on a new file, adds
 * 2^@history_doublings finished transactions after it (none for 0), then opens it again in *@collection
 * with a backend that keeps the persist jobs. */
static SyncobjTestBackend *
run_server_key (const char         *kill_at,
                guint               history_doublings,
                ServerKeyRun       *run,
                SyncobjStore      **store,
                SyncobjCollection **collection)
{
  g_autofree char *name = g_strdup_printf ("server-key-%s.db", kill_at);
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), name, NULL);
  g_autofree char *helper = g_test_build_filename (G_TEST_BUILT, "crash-helper", NULL);
  const char *argv[] = { helper, "server-key", path, kill_at, NULL };
  g_autofree char *output = NULL;
  g_autofree char *errors = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(SyncobjMutator) mutator = NULL;
  g_autoptr(GError) error = NULL;
  SyncobjTestBackend *backend;
  int status;

  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &output, &errors, &status, &error);
  g_assert_no_error (error);
  if (!WIFSIGNALED (status) || WTERMSIG (status) != SIGKILL)
    g_error ("crash-helper did not die of SIGKILL (status %d): %s", status, errors);

  lines = g_strsplit (output, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], "temporary "))
        run->temporary_key = g_strdup (lines[i] + strlen ("temporary "));
      else if (g_str_has_prefix (lines[i], "insert "))
        run->insert_id = g_strdup (lines[i] + strlen ("insert "));
      else if (g_str_has_prefix (lines[i], "update "))
        run->update_id = g_strdup (lines[i] + strlen ("update "));
    }
  g_assert_nonnull (run->temporary_key);
  g_assert_true (g_str_has_prefix (run->temporary_key, "~tmp-"));
  g_assert_nonnull (run->update_id);
  if (history_doublings > 0)
    add_finished_history (path, run->update_id, history_doublings);

  _syncobj_scheduler_set_virtual (_syncobj_scheduler_get_default (), FALSE);
  _syncobj_scheduler_set_virtual (_syncobj_scheduler_get_default (), TRUE);
  *store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  backend = syncobj_store_test_backend_new (&mutator);
  *collection = g_object_new (SYNCOBJ_TYPE_COLLECTION, "id", "server-keyed", "key-source", SYNCOBJ_KEY_SOURCE_SERVER,
                              "mutator", mutator, "store", *store, NULL);
  return backend;
}

/* The transaction's next persist job, once its call came. */
static SyncobjPersistJob *
wait_for_call (SyncobjTestBackend *backend,
               const char         *transaction_id,
               guint               attempt)
{
  g_autofree char *expected = g_strdup_printf ("%s %u", transaction_id, attempt);
  SyncobjPersistJob *job;

  syncobj_store_test_wait_for_jobs (backend, backend->jobs->len + 1);
  g_assert_cmpstr (g_ptr_array_index (backend->calls, backend->calls->len - 1), ==, expected);
  job = g_ptr_array_index (backend->jobs, backend->jobs->len - 1);
  g_assert_cmpstr (syncobj_transaction_get_id (syncobj_persist_job_get_transaction (job)), ==, transaction_id);
  return job;
}

/* The update queued behind the insert goes out with the server's key once
 * the insert completes; then nothing is pending. */
static void
finish_server_key_run (SyncobjTestBackend *backend,
                       SyncobjPersistJob  *insert_job,
                       ServerKeyRun       *run,
                       SyncobjCollection  *collection)
{
  SyncobjTransaction *updated = syncobj_registry_lookup_transaction (syncobj_registry_get_default (), run->update_id);
  g_autoptr(SyncobjPendingMutation) update = g_list_model_get_item (syncobj_transaction_get_mutations (updated), 0);
  SyncobjPersistJob *update_job;

  g_assert_cmpuint (backend->calls->len, ==, 1);
  syncobj_persist_job_complete (insert_job);
  update_job = wait_for_call (backend, run->update_id, 1);
  g_assert_cmpstr (syncobj_pending_mutation_get_key (update), ==, "7");
  syncobj_persist_job_complete (update_job);
  syncobj_store_test_run_pending ();
  g_assert_cmpint (syncobj_transaction_get_state (updated), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  syncobj_test_assert_keys (collection, "7");
  syncobj_test_assert_value (collection, run->temporary_key, "{\"id\": 7, \"title\": \"milk\", \"done\": true}");
}

/* Killed with the POST in flight: the restarted collection shows the
 * record under its temporary key, as temporary, and sends the insert
 * again as the same transaction (the same Idempotency-Key); the answer
 * re-keys it as if nothing had happened. */
static void
test_server_key_before_answer (void)
{
  g_auto(ServerKeyRun) run = { 0 };
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  SyncobjTestBackend *backend = run_server_key ("before-answer", 0, &run, &store, &collection);
  g_autoptr(SyncobjRecord) record = syncobj_collection_lookup (collection, run.temporary_key);
  g_autoptr(JsonObject) created = syncobj_test_object ("{\"id\": 7, \"title\": \"milk\"}");
  SyncobjTransaction *inserted = syncobj_registry_lookup_transaction (syncobj_registry_get_default (), run.insert_id);
  g_autoptr(SyncobjPendingMutation) insert = NULL;
  g_autoptr(GError) error = NULL;
  SyncobjPersistJob *job;

  g_assert_nonnull (record);
  g_assert_true (syncobj_record_is_temporary (record));
  syncobj_test_assert_keys (collection, run.temporary_key);
  insert = g_list_model_get_item (syncobj_transaction_get_mutations (inserted), 0);

  job = wait_for_call (backend, run.insert_id, 2);
  g_assert_true (syncobj_persist_job_set_created (job, insert, created, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (syncobj_record_get_key (record), ==, "7");
  g_assert_false (syncobj_record_is_temporary (record));

  finish_server_key_run (backend, job, &run, collection);
  g_clear_object (&collection);
  syncobj_registry_forget_finished (syncobj_registry_get_default ());
}

/* Killed after the server's answer was stored but before the insert
 * completed: the restarted collection re-keys the record from the stored
 * answer before any request; the insert is sent again as the same
 * transaction, under the server's key now. */
static void
test_server_key_after_answer (void)
{
  g_auto(ServerKeyRun) run = { 0 };
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  SyncobjTestBackend *backend = run_server_key ("after-answer", 0, &run, &store, &collection);
  g_autoptr(SyncobjRecord) record = syncobj_collection_lookup (collection, "7");
  SyncobjTransaction *inserted = syncobj_registry_lookup_transaction (syncobj_registry_get_default (), run.insert_id);
  g_autoptr(SyncobjPendingMutation) insert = NULL;
  SyncobjPersistJob *job;

  g_assert_cmpuint (backend->calls->len, ==, 0);
  g_assert_nonnull (record);
  g_assert_false (syncobj_record_is_temporary (record));
  g_assert_true (syncobj_collection_lookup (collection, run.temporary_key) == record);
  g_object_unref (record);
  syncobj_test_assert_keys (collection, "7");
  insert = g_list_model_get_item (syncobj_transaction_get_mutations (inserted), 0);
  g_assert_cmpstr (syncobj_pending_mutation_get_key (insert), ==, "7");

  job = wait_for_call (backend, run.insert_id, 2);
  finish_server_key_run (backend, job, &run, collection);
  g_clear_object (&collection);
  syncobj_registry_forget_finished (syncobj_registry_get_default ());
}

/* Killed with the update's PATCH in flight, the insert completed: the
 * update, stored under the temporary key, goes again under the server's
 * key, which the stored answer of the finished insert names. */
static void
test_server_key_after_insert (void)
{
  g_auto(ServerKeyRun) run = { 0 };
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  SyncobjTestBackend *backend = run_server_key ("after-insert", 0, &run, &store, &collection);
  SyncobjTransaction *inserted = syncobj_registry_lookup_transaction (syncobj_registry_get_default (), run.insert_id);
  SyncobjTransaction *updated = syncobj_registry_lookup_transaction (syncobj_registry_get_default (), run.update_id);
  g_autoptr(SyncobjPendingMutation) insert = g_list_model_get_item (syncobj_transaction_get_mutations (inserted), 0);
  g_autoptr(SyncobjPendingMutation) update = g_list_model_get_item (syncobj_transaction_get_mutations (updated), 0);
  SyncobjPersistJob *job;

  g_assert_cmpint (syncobj_transaction_get_state (inserted), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  /* The finished insert says the server's key, as it did before the
   * restart (the inspector's Keys column and its details show it). */
  g_assert_cmpstr (syncobj_pending_mutation_get_key (insert), ==, "7");
  g_assert_cmpstr (syncobj_pending_mutation_get_key (update), ==, "7");
  syncobj_test_assert_json (syncobj_pending_mutation_get_modified (update), "{\"id\": 7, \"title\": \"milk\", \"done\": true}");
  /* The temporary key still names the record, as it did before. */
  syncobj_test_assert_keys (collection, "7");
  g_assert_true (syncobj_collection_contains (collection, run.temporary_key));

  job = wait_for_call (backend, run.update_id, 2);
  syncobj_persist_job_complete (job);
  syncobj_store_test_run_pending ();
  g_assert_cmpint (syncobj_transaction_get_state (updated), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_clear_object (&collection);
  syncobj_registry_forget_finished (syncobj_registry_get_default ());
}

/* As after-insert, with more finished transactions after the insert than
 * a restart reads back as history: the update stored under the temporary
 * key still goes out under the server's key, which the store reads from
 * the insert's answer beyond the history. */
static void
test_server_key_after_long_history (void)
{
  g_auto(ServerKeyRun) run = { 0 };
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  SyncobjTestBackend *backend = run_server_key ("after-insert", 11, &run, &store, &collection);
  SyncobjTransaction *updated = syncobj_registry_lookup_transaction (syncobj_registry_get_default (), run.update_id);
  g_autoptr(SyncobjPendingMutation) update = g_list_model_get_item (syncobj_transaction_get_mutations (updated), 0);
  SyncobjPersistJob *job;

  g_assert_cmpstr (syncobj_pending_mutation_get_key (update), ==, "7");
  syncobj_test_assert_keys (collection, "7");
  g_assert_true (syncobj_collection_contains (collection, run.temporary_key));

  job = wait_for_call (backend, run.update_id, 2);
  syncobj_persist_job_complete (job);
  syncobj_store_test_run_pending ();
  g_assert_cmpint (syncobj_transaction_get_state (updated), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  syncobj_test_assert_value (collection, "7", "{\"id\": 7, \"title\": \"milk\", \"done\": true}");
  g_clear_object (&collection);
  syncobj_registry_forget_finished (syncobj_registry_get_default ());
}

/* Runs crash-helper conflict @server, killed with the resolved update in
 * flight, then opens the file again: the restored update is the resolved
 * one, based on the server's record of the conflict, and is sent as such. */
static void
run_conflict (const char *server,
              const char *expected_original,
              const char *expected_modified)
{
  g_autofree char *name = g_strdup_printf ("conflict-%s.db", server);
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), name, NULL);
  g_autofree char *helper = g_test_build_filename (G_TEST_BUILT, "crash-helper", NULL);
  const char *argv[] = { helper, "conflict", path, server, NULL };
  g_autofree char *output = NULL;
  g_autofree char *errors = NULL;
  g_autoptr(SyncobjMutator) mutator = NULL;
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("conflicted-sync");
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjPendingMutation) update = NULL;
  g_autoptr(GError) error = NULL;
  SyncobjTestBackend *backend;
  SyncobjTransaction *updated;
  const char *update_id;
  SyncobjPersistJob *job;
  int status;

  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &output, &errors, &status, &error);
  g_assert_no_error (error);
  if (!WIFSIGNALED (status) || WTERMSIG (status) != SIGKILL)
    g_error ("crash-helper did not die of SIGKILL (status %d): %s", status, errors);
  g_assert_true (g_str_has_prefix (output, "update "));
  g_strchomp (output);
  update_id = output + strlen ("update ");

  _syncobj_scheduler_set_virtual (_syncobj_scheduler_get_default (), FALSE);
  _syncobj_scheduler_set_virtual (_syncobj_scheduler_get_default (), TRUE);
  store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  backend = syncobj_store_test_backend_new (&mutator);
  collection = syncobj_collection_new_with_store ("conflicted", sync, mutator, store);
  syncobj_collection_set_version_member (collection, "version");

  updated = syncobj_registry_lookup_transaction (syncobj_registry_get_default (), update_id);
  g_assert_nonnull (updated);
  g_assert_cmpint (syncobj_transaction_get_state (updated), ==, SYNCOBJ_TRANSACTION_STATE_PERSISTING);
  update = g_list_model_get_item (syncobj_transaction_get_mutations (updated), 0);
  if (expected_original != NULL)
    syncobj_store_test_assert_value (syncobj_pending_mutation_get_original (update), expected_original);
  else
    g_assert_null (syncobj_pending_mutation_get_original (update));
  syncobj_store_test_assert_value (syncobj_pending_mutation_get_modified (update), expected_modified);
  /* The user's change shows; the rest of the record is the cached one
   * until the sync brings the server's. */
  g_assert_cmpstr (json_object_get_string_member (syncobj_collection_lookup_value (collection, "k1"), "title"),
                   ==, "oat milk");

  /* The interrupted attempt goes again at once, with the resolved values. */
  job = wait_for_call (backend, update_id, 3);
  g_assert_cmpint (syncobj_pending_mutation_get_mutation_type (update), ==,
                   expected_original != NULL ? SYNCOBJ_MUTATION_TYPE_UPDATE : SYNCOBJ_MUTATION_TYPE_INSERT);
  syncobj_persist_job_complete (job);
  syncobj_store_test_run_pending ();
  g_assert_cmpint (syncobj_transaction_get_state (updated), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_clear_object (&collection);
  syncobj_registry_forget_finished (syncobj_registry_get_default ());
}

/* The server changed the record: the rebased update (the user's title on
 * the server's likes and version) survives the restart. */
static void
test_conflict_rebased (void)
{
  run_conflict ("changed", "{\"id\": \"k1\", \"title\": \"milk\", \"likes\": 5, \"version\": 2}",
                "{\"id\": \"k1\", \"title\": \"oat milk\", \"likes\": 5, \"version\": 2}");
}

/* The server deleted the record: the update became an insert of what the
 * user saw, and stays one after the restart. */
static void
test_conflict_deleted (void)
{
  run_conflict ("deleted", NULL, "{\"id\": \"k1\", \"title\": \"oat milk\", \"likes\": 1, \"version\": 1}");
}

/* The sync deleted the record while its update was in flight, then the
 * application stopped: the update restored has no cached record below
 * it, only its changes. When the server answers that the record is gone,
 * REBASE inserts it again under its key, not as a record without one
 * (for which a server would make up a key). */
static void
test_conflict_gone_before_restart (void)
{
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "conflict-gone.db", NULL);
  g_autofree char *helper = g_test_build_filename (G_TEST_BUILT, "crash-helper", NULL);
  const char *argv[] = { helper, "conflict", path, "gone", NULL };
  g_autofree char *output = NULL;
  g_autofree char *errors = NULL;
  g_autoptr(SyncobjMutator) mutator = NULL;
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("conflicted-sync");
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjPendingMutation) update = NULL;
  g_autoptr(GError) error = NULL;
  SyncobjTestBackend *backend;
  SyncobjTransaction *updated;
  JsonObject *sent;
  const char *update_id;
  SyncobjPersistJob *job;
  int status;

  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &output, &errors, &status, &error);
  g_assert_no_error (error);
  if (!WIFSIGNALED (status) || WTERMSIG (status) != SIGKILL)
    g_error ("crash-helper did not die of SIGKILL (status %d): %s", status, errors);
  g_assert_true (g_str_has_prefix (output, "update "));
  g_strchomp (output);
  update_id = output + strlen ("update ");

  _syncobj_scheduler_set_virtual (_syncobj_scheduler_get_default (), FALSE);
  _syncobj_scheduler_set_virtual (_syncobj_scheduler_get_default (), TRUE);
  store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  backend = syncobj_store_test_backend_new (&mutator);
  collection = syncobj_collection_new_with_store ("conflicted", sync, mutator, store);
  syncobj_collection_set_version_member (collection, "version");
  updated = syncobj_registry_lookup_transaction (syncobj_registry_get_default (), update_id);
  g_assert_nonnull (updated);
  update = g_list_model_get_item (syncobj_transaction_get_mutations (updated), 0);

  job = wait_for_call (backend, update_id, 2);
  syncobj_persist_job_conflict (job, "k1", NULL);
  job = wait_for_call (backend, update_id, 3);
  g_assert_cmpint (syncobj_pending_mutation_get_mutation_type (update), ==, SYNCOBJ_MUTATION_TYPE_INSERT);
  sent = syncobj_pending_mutation_get_modified (update);
  g_assert_cmpstr (json_object_get_string_member_with_default (sent, "id", NULL), ==, "k1");
  g_assert_cmpstr (json_object_get_string_member_with_default (sent, "title", NULL), ==, "oat milk");
  syncobj_persist_job_complete (job);
  syncobj_store_test_run_pending ();
  g_assert_cmpint (syncobj_transaction_get_state (updated), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_clear_object (&collection);
  syncobj_registry_forget_finished (syncobj_registry_get_default ());
}

int
main (int   argc,
      char *argv[])
{
  syncobj_test_init (&argc, &argv);
  syncobj_store_test_capture_log ();

  g_test_add_func ("/recovery/kill-points", test_kill_points);
  g_test_add_func ("/recovery/out-of-attempts", test_out_of_attempts);
  g_test_add_func ("/recovery/server-key/before-answer", test_server_key_before_answer);
  g_test_add_func ("/recovery/server-key/after-answer", test_server_key_after_answer);
  g_test_add_func ("/recovery/server-key/after-insert", test_server_key_after_insert);
  g_test_add_func ("/recovery/server-key/after-long-history", test_server_key_after_long_history);
  g_test_add_func ("/recovery/conflict/rebased", test_conflict_rebased);
  g_test_add_func ("/recovery/conflict/deleted", test_conflict_deleted);
  g_test_add_func ("/recovery/conflict/gone-before-restart", test_conflict_gone_before_restart);

  return g_test_run ();
}
