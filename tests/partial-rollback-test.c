/* partial-rollback-test.c: a transaction that fails after the server
 * applied part of it keeps that part (syncobj_persist_job_mark_applied):
 * the engine with a function mutator on the virtual clock, then the HTTP
 * mutator without a batch URI against the demo server on 127.0.0.1.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"
#include "demo-server-utils.h"

#define RECORDS "[{\"id\": \"a\", \"n\": 0}, {\"id\": \"b\", \"n\": 0}]"

typedef struct
{
  GPtrArray *jobs;        /* SyncobjPersistJob, kept */
} Backend;

static void
backend_persist (SyncobjPersistJob *job,
                 gpointer           user_data)
{
  Backend *backend = user_data;

  g_ptr_array_add (backend->jobs, g_object_ref (job));
}

static SyncobjPersistJob *
backend_job (Backend *backend,
             guint    index)
{
  g_assert_cmpuint (backend->jobs->len, >, index);
  return g_ptr_array_index (backend->jobs, index);
}

static void
backend_clear (Backend *backend)
{
  g_clear_pointer (&backend->jobs, g_ptr_array_unref);
}

/* A test collection (ordered, on the virtual clock) whose mutator hands
 * each persist call to @backend. */
static SyncobjCollection *
partial_collection_new (Backend             *backend,
                        SyncobjSyncControl **control)
{
  SyncobjCollection *collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, control);
  g_autoptr(SyncobjMutator) mutator = syncobj_func_mutator_new (backend_persist, backend, NULL);

  backend->jobs = g_ptr_array_new_with_free_func (g_object_unref);
  syncobj_collection_set_mutator (collection, mutator);
  return collection;
}

/* One transaction: a → n 1, b → n 2, insert c. */
static SyncobjTransaction *
write_three (SyncobjCollection *collection)
{
  SyncobjTransaction *transaction = syncobj_collection_begin (collection);

  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_UPDATE, "a", "{\"n\": 1}");
  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_UPDATE, "b", "{\"n\": 2}");
  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_INSERT, NULL,
                                  "{\"id\": \"c\", \"n\": 3}");
  g_assert_true (syncobj_transaction_commit (transaction, NULL));
  return transaction;
}

/* The mutation of @transaction writing @key. */
static SyncobjPendingMutation *
mutation_of (SyncobjTransaction *transaction,
             const char         *key)
{
  GListModel *mutations = syncobj_transaction_get_mutations (transaction);

  for (guint i = 0; i < g_list_model_get_n_items (mutations); i++)
    {
      g_autoptr(SyncobjPendingMutation) mutation = g_list_model_get_item (mutations, i);

      if (g_strcmp0 (syncobj_pending_mutation_get_key (mutation), key) == 0)
        return mutation;   /* the transaction keeps it */
    }
  g_assert_not_reached ();
}

/* Whether the record of @key has changes waiting. */
static gboolean
is_pending (SyncobjCollection *collection,
            const char        *key)
{
  g_autoptr(SyncobjRecord) record = syncobj_collection_lookup (collection, key);

  g_assert_nonnull (record);
  return syncobj_record_get_pending (record);
}

static void
assert_synced (SyncobjCollection *collection,
               const char        *key,
               const char        *expected_json)
{
  g_autoptr(SyncobjRecord) record = syncobj_collection_lookup (collection, key);

  g_assert_nonnull (record);
  syncobj_test_assert_json (syncobj_record_get_synced_value (record), expected_json);
}

static void
test_keeps_applied_rolls_back_rest (void)
{
  Backend backend = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = partial_collection_new (&backend, &control);
  g_autoptr(SyncobjTransaction) transaction = write_three (collection);
  SyncobjPersistJob *job;
  const GError *error;

  syncobj_sync_control_run_pending (control);
  job = backend_job (&backend, 0);
  syncobj_persist_job_mark_applied (job, mutation_of (transaction, "a"));
  g_assert_true (syncobj_pending_mutation_get_applied (mutation_of (transaction, "a")));
  g_assert_false (syncobj_pending_mutation_get_applied (mutation_of (transaction, "b")));
  syncobj_persist_job_fail_non_retriable (job, "b was refused");
  syncobj_test_drain (control, collection);

  /* The transaction fails; what the server applied stays, as synced
   * state; the rest rolls back. */
  syncobj_test_assert_failed (transaction, SYNCOBJ_ERROR_NON_RETRIABLE, NULL);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 1}");
  assert_synced (collection, "a", "{\"id\": \"a\", \"n\": 1}");
  g_assert_false (is_pending (collection, "a"));
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\", \"n\": 0}");
  syncobj_test_assert_value (collection, "c", "null");
  syncobj_test_assert_keys (collection, "a b");
  g_assert_cmpint (syncobj_pending_mutation_get_state (mutation_of (transaction, "a")), ==,
                   SYNCOBJ_MUTATION_STATE_SYNCED);
  g_assert_cmpint (syncobj_pending_mutation_get_state (mutation_of (transaction, "b")), !=,
                   SYNCOBJ_MUTATION_STATE_SYNCED);

  /* The error says which changes rolled back and which stayed. */
  error = syncobj_transaction_get_error (transaction);
  g_assert_cmpstr (error->message, ==,
                   "b was refused (the server applied the changes to “a”, which stay; "
                   "the changes to “b”, “c” were rolled back)");

  /* The sync's echo confirms the kept change. */
  syncobj_test_emit_update (control, "{\"id\": \"a\", \"n\": 1, \"version\": 2}");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 1, \"version\": 2}");
  backend_clear (&backend);
}

static void
test_without_applied_rolls_back_all (void)
{
  Backend backend = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = partial_collection_new (&backend, &control);
  g_autoptr(SyncobjTransaction) transaction = write_three (collection);

  syncobj_sync_control_run_pending (control);
  syncobj_persist_job_fail_non_retriable (backend_job (&backend, 0), "refused");
  syncobj_test_drain (control, collection);

  syncobj_test_assert_failed (transaction, SYNCOBJ_ERROR_NON_RETRIABLE, NULL);
  g_assert_cmpstr (syncobj_transaction_get_error (transaction)->message, ==, "refused");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 0}");
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\", \"n\": 0}");
  syncobj_test_assert_keys (collection, "a b");
  backend_clear (&backend);
}

static void
test_all_applied_nothing_rolls_back (void)
{
  Backend backend = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = partial_collection_new (&backend, &control);
  g_autoptr(SyncobjTransaction) transaction = write_three (collection);
  SyncobjPersistJob *job;

  syncobj_sync_control_run_pending (control);
  job = backend_job (&backend, 0);
  syncobj_persist_job_mark_applied (job, mutation_of (transaction, "a"));
  syncobj_persist_job_mark_applied (job, mutation_of (transaction, "b"));
  syncobj_persist_job_mark_applied (job, mutation_of (transaction, "c"));
  syncobj_persist_job_fail_non_retriable (job, "the answer was refused");
  syncobj_test_drain (control, collection);

  syncobj_test_assert_failed (transaction, SYNCOBJ_ERROR_NON_RETRIABLE, NULL);
  g_assert_cmpstr (syncobj_transaction_get_error (transaction)->message, ==,
                   "the answer was refused (the server applied every change of the transaction: "
                   "nothing was rolled back)");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 1}");
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\", \"n\": 2}");
  assert_synced (collection, "c", "{\"id\": \"c\", \"n\": 3}");
  syncobj_test_assert_keys (collection, "a b c");
  backend_clear (&backend);
}

/* The mark outlives the attempt: a transient failure, then the
 * application gives the waiting transaction up. */
static void
test_applied_survives_retry_then_rollback (void)
{
  Backend backend = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = partial_collection_new (&backend, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(GError) error = NULL;

  syncobj_test_exact_retry_policy (collection, 5);
  transaction = write_three (collection);
  syncobj_sync_control_run_pending (control);
  syncobj_persist_job_mark_applied (backend_job (&backend, 0), mutation_of (transaction, "c"));
  syncobj_persist_job_fail_message (backend_job (&backend, 0), "timed out");
  syncobj_sync_control_advance (control, 1000);

  g_assert_cmpuint (backend.jobs->len, ==, 2);
  g_assert_true (syncobj_pending_mutation_get_applied (mutation_of (transaction, "c")));
  g_assert_true (syncobj_transaction_rollback (transaction, &error));
  g_assert_no_error (error);
  syncobj_test_drain (control, collection);

  g_assert_cmpint (syncobj_transaction_get_state (transaction), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 0}");
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\", \"n\": 0}");
  syncobj_test_assert_value (collection, "c", "{\"id\": \"c\", \"n\": 3}");
  syncobj_test_assert_keys (collection, "a b c");
  g_assert_nonnull (strstr (syncobj_transaction_get_error (transaction)->message,
                            "the server applied the changes to “c”, which stay; "
                            "the changes to “a”, “b” were rolled back"));
  backend_clear (&backend);
}

/* The retry policy giving up keeps the applied changes too. */
static void
test_applied_kept_when_attempts_run_out (void)
{
  Backend backend = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = partial_collection_new (&backend, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;

  syncobj_test_exact_retry_policy (collection, 2);
  transaction = write_three (collection);
  syncobj_sync_control_run_pending (control);
  syncobj_persist_job_mark_applied (backend_job (&backend, 0), mutation_of (transaction, "b"));
  syncobj_persist_job_fail_message (backend_job (&backend, 0), "server error");
  syncobj_sync_control_advance (control, 1000);
  syncobj_persist_job_fail_message (backend_job (&backend, 1), "server error");
  syncobj_test_drain (control, collection);

  syncobj_test_assert_failed (transaction, SYNCOBJ_ERROR_FAILED, NULL);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 0}");
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\", \"n\": 2}");
  syncobj_test_assert_keys (collection, "a b");
  backend_clear (&backend);
}

/* Queued behind the failed transaction: a write to a key whose change
 * stayed goes on; one to a key that rolled back fails with it. */
static void
test_dependents_of_applied_keys_go_on (void)
{
  Backend backend = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = partial_collection_new (&backend, &control);
  g_autoptr(SyncobjTransaction) first = NULL;
  g_autoptr(SyncobjTransaction) on_a = NULL;
  g_autoptr(SyncobjTransaction) on_b = NULL;

  syncobj_collection_set_queue_scope (collection, SYNCOBJ_QUEUE_SCOPE_KEY);
  first = write_three (collection);
  on_a = syncobj_test_update (collection, "a", "{\"m\": 1}");
  on_b = syncobj_test_update (collection, "b", "{\"m\": 1}");
  syncobj_sync_control_run_pending (control);
  g_assert_cmpuint (backend.jobs->len, ==, 1);
  g_assert_cmpint (syncobj_transaction_get_state (on_a), ==, SYNCOBJ_TRANSACTION_STATE_QUEUED);

  syncobj_persist_job_mark_applied (backend_job (&backend, 0), mutation_of (first, "a"));
  syncobj_persist_job_fail_non_retriable (backend_job (&backend, 0), "b was refused");
  syncobj_sync_control_run_pending (control);

  syncobj_test_assert_failed (on_b, SYNCOBJ_ERROR_DEPENDENCY_FAILED, first);
  g_assert_cmpint (syncobj_transaction_get_state (on_a), ==, SYNCOBJ_TRANSACTION_STATE_PERSISTING);
  g_assert_cmpuint (backend.jobs->len, ==, 2);
  g_assert_true (syncobj_persist_job_get_transaction (backend_job (&backend, 1)) == on_a);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 1, \"m\": 1}");
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\", \"n\": 0}");

  syncobj_persist_job_complete (backend_job (&backend, 1));
  syncobj_test_drain (control, collection);
  g_assert_cmpint (syncobj_transaction_get_state (on_a), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  backend_clear (&backend);
}

/* "Retry" submits again only what rolled back. */
static void
test_retry_leaves_applied_out (void)
{
  Backend backend = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = partial_collection_new (&backend, &control);
  g_autoptr(SyncobjTransaction) transaction = write_three (collection);
  g_autoptr(SyncobjTransaction) retry = NULL;
  g_autoptr(GError) error = NULL;
  GListModel *mutations;
  g_autoptr(SyncobjPendingMutation) mutation = NULL;

  syncobj_sync_control_run_pending (control);
  syncobj_persist_job_mark_applied (backend_job (&backend, 0), mutation_of (transaction, "a"));
  syncobj_persist_job_mark_applied (backend_job (&backend, 0), mutation_of (transaction, "c"));
  syncobj_persist_job_fail_non_retriable (backend_job (&backend, 0), "b was refused");
  syncobj_sync_control_run_pending (control);

  retry = syncobj_transaction_retry (transaction, &error);
  g_assert_no_error (error);
  mutations = syncobj_transaction_get_mutations (retry);
  g_assert_cmpuint (g_list_model_get_n_items (mutations), ==, 1);
  mutation = g_list_model_get_item (mutations, 0);
  g_assert_cmpstr (syncobj_pending_mutation_get_key (mutation), ==, "b");
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\", \"n\": 2}");

  syncobj_sync_control_run_pending (control);
  syncobj_persist_job_complete (backend_job (&backend, 1));
  syncobj_test_drain (control, collection);
  backend_clear (&backend);
}

/* Long lists of keys are cut short in the error. */
static void
test_error_names_at_most_ten_keys (void)
{
  Backend backend = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = partial_collection_new (&backend, &control);
  g_autoptr(SyncobjTransaction) transaction = syncobj_collection_begin (collection);

  for (guint i = 0; i < 25; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"id\": \"k%02u\"}", i);

      syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_INSERT, NULL, json);
    }
  g_assert_true (syncobj_transaction_commit (transaction, NULL));
  syncobj_sync_control_run_pending (control);
  syncobj_persist_job_mark_applied (backend_job (&backend, 0), mutation_of (transaction, "k00"));
  syncobj_persist_job_fail_non_retriable (backend_job (&backend, 0), "full");
  syncobj_test_drain (control, collection);

  g_assert_cmpstr (syncobj_transaction_get_error (transaction)->message, ==,
                   "full (the server applied the changes to “k00”, which stay; the changes to "
                   "“k01”, “k02”, “k03”, “k04”, “k05”, “k06”, “k07”, “k08”, “k09”, “k10” and 14 more "
                   "were rolled back)");
  syncobj_test_assert_keys (collection, "a b k00");
  backend_clear (&backend);
}

/* A mutation of another transaction is refused with a critical and not
 * marked. */
static void
test_foreign_mutation_is_refused (void)
{
  if (g_test_subprocess ())
    {
      Backend backend = { 0 };
      g_autoptr(SyncobjSyncControl) control = NULL;
      g_autoptr(SyncobjCollection) collection = partial_collection_new (&backend, &control);
      g_autoptr(SyncobjTransaction) one = syncobj_test_update (collection, "a", "{\"n\": 1}");
      g_autoptr(SyncobjTransaction) other = syncobj_test_update (collection, "b", "{\"n\": 1}");

      /* Logged, not fatal, so that what follows the critical is checked. */
      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      syncobj_sync_control_run_pending (control);
      syncobj_persist_job_mark_applied (backend_job (&backend, 0), mutation_of (other, "b"));
      g_assert_false (syncobj_pending_mutation_get_applied (mutation_of (other, "b")));

      syncobj_persist_job_complete (backend_job (&backend, 0));
      syncobj_sync_control_run_pending (control);
      syncobj_persist_job_complete (backend_job (&backend, 1));
      syncobj_test_drain (control, collection);
      g_assert_cmpint (syncobj_transaction_get_state (other), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
      backend_clear (&backend);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*CRITICAL*syncobj_persist_job_mark_applied: mutation * is not one of transaction *");
}

/* ---- the HTTP mutator, one request per mutation ----------------------------- */

/* Three inserts without a batch: the server applies the first, refuses
 * the second (422: the demo server's validation) and never sees the
 * third. Only the second and third roll back; the first stays and its
 * echo finds it in place. */
static void
test_http_later_request_refused (void)
{
  g_autoptr(DemoServer) server = demo_server_start ();
  g_autofree char *items = demo_server_uri (server, "/items");
  g_autofree char *changes = demo_server_uri (server, "/changes");
  g_autoptr(SyncobjHttpMutator) mutator = syncobj_http_mutator_new (items);
  g_autoptr(SyncobjHttpSync) sync = syncobj_http_sync_new ("partial-http", items, changes);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(JsonArray) effects = NULL;
  g_autoptr(JsonArray) held = NULL;
  g_autofree char *patched = NULL;
  guint status = 0;
  const GError *error;

  collection = syncobj_collection_new ("partial-http", SYNCOBJ_SYNC (sync), SYNCOBJ_MUTATOR (mutator));
  WAIT_FOR (syncobj_collection_get_ready (collection), WAIT_TIMEOUT_MS);

  transaction = syncobj_collection_begin (collection);
  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_INSERT, NULL,
                                  "{\"id\": \"a\", \"title\": \"milk\"}");
  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_INSERT, NULL,
                                  "{\"id\": \"b\", \"title\": \"invalid\"}");
  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_INSERT, NULL,
                                  "{\"id\": \"c\", \"title\": \"eggs\"}");
  g_assert_true (syncobj_transaction_commit (transaction, NULL));
  WAIT_FOR (syncobj_transaction_is_finished (transaction), WAIT_TIMEOUT_MS);

  error = syncobj_transaction_get_error (transaction);
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_NON_RETRIABLE);
  g_assert_nonnull (strstr (error->message, "422"));
  g_assert_nonnull (strstr (error->message, "(the server applied the changes to “a”, which stay; "
                                           "the changes to “b”, “c” were rolled back)"));
  g_assert_true (syncobj_pending_mutation_get_applied (mutation_of (transaction, "a")));
  g_assert_false (syncobj_pending_mutation_get_applied (mutation_of (transaction, "b")));
  syncobj_test_assert_keys (collection, "a");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"title\": \"milk\"}");
  g_assert_false (is_pending (collection, "a"));

  effects = demo_server_effects (server);
  g_assert_cmpuint (json_array_get_length (effects), ==, 1);
  held = demo_server_items (server);
  g_assert_cmpuint (json_array_get_length (held), ==, 1);

  /* The sync goes on from there: a later change of "a" on the server
   * arrives, and nothing else comes back. */
  patched = demo_server_request (server, "PATCH", "/items/a", NULL, "{\"title\": \"bread\"}", &status);
  g_assert_cmpuint (status, ==, 200);
  WAIT_FOR (g_strcmp0 (json_object_get_string_member (syncobj_collection_lookup_value (collection, "a"), "title"),
                       "bread") == 0,
            WAIT_TIMEOUT_MS);
  syncobj_test_assert_keys (collection, "a");
  assert_synced (collection, "a", "{\"id\": \"a\", \"title\": \"bread\"}");
}

int
main (int argc, char *argv[])
{
  syncobj_test_init (&argc, &argv);

  g_test_add_func ("/partial-rollback/keeps-applied", test_keeps_applied_rolls_back_rest);
  g_test_add_func ("/partial-rollback/none-applied", test_without_applied_rolls_back_all);
  g_test_add_func ("/partial-rollback/all-applied", test_all_applied_nothing_rolls_back);
  g_test_add_func ("/partial-rollback/survives-retry-then-rollback", test_applied_survives_retry_then_rollback);
  g_test_add_func ("/partial-rollback/attempts-run-out", test_applied_kept_when_attempts_run_out);
  g_test_add_func ("/partial-rollback/dependents", test_dependents_of_applied_keys_go_on);
  g_test_add_func ("/partial-rollback/retry-leaves-applied-out", test_retry_leaves_applied_out);
  g_test_add_func ("/partial-rollback/error-names-ten-keys", test_error_names_at_most_ten_keys);
  g_test_add_func ("/partial-rollback/foreign-mutation", test_foreign_mutation_is_refused);
  g_test_add_func ("/partial-rollback/http/later-request-refused", test_http_later_request_refused);

  return g_test_run ();
}
