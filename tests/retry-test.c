/* retry-test.c: the retry policy, attempts and their timing, offline
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"

#define RECORDS "[{\"id\": \"a\", \"n\": 0}, {\"id\": \"b\", \"n\": 0}]"

static gint64
to_us (GDateTime *date_time)
{
  g_assert_nonnull (date_time);
  return g_date_time_to_unix (date_time) * G_USEC_PER_SEC + g_date_time_get_microsecond (date_time);
}

/* The attempt numbered @number, which the transaction keeps. */
static SyncobjAttempt *
get_attempt (SyncobjTransaction *transaction,
             guint               number)
{
  GListModel *attempts = syncobj_transaction_get_attempts (transaction);

  for (guint i = 0; i < g_list_model_get_n_items (attempts); i++)
    {
      g_autoptr(SyncobjAttempt) attempt = g_list_model_get_item (attempts, i);

      if (syncobj_attempt_get_number (attempt) == number)
        return attempt;   /* the transaction keeps it */
    }
  g_assert_not_reached ();
}

/* ---- the policy ------------------------------------------------------------- */

static void
test_policy_defaults (void)
{
  g_autoptr(SyncobjRetryPolicy) policy = syncobj_retry_policy_new ();

  g_assert_cmpuint (syncobj_retry_policy_get_max_attempts (policy), ==, 5);
  g_assert_cmpuint (syncobj_retry_policy_get_initial_delay (policy), ==, 1000);
  g_assert_cmpfloat (syncobj_retry_policy_get_factor (policy), ==, 2.0);
  g_assert_cmpuint (syncobj_retry_policy_get_max_delay (policy), ==, 30000);
  g_assert_cmpfloat (syncobj_retry_policy_get_jitter (policy), ==, 0.3);
}

static void
test_policy_exact_delays (void)
{
  g_autoptr(SyncobjRetryPolicy) policy = syncobj_retry_policy_new ();
  const guint expected[] = { 1000, 2000, 4000, 8000, 16000, 30000, 30000 };

  syncobj_retry_policy_set_jitter (policy, 0.0);
  for (guint attempt = 1; attempt <= G_N_ELEMENTS (expected); attempt++)
    g_assert_cmpuint (syncobj_retry_policy_get_delay (policy, attempt), ==, expected[attempt - 1]);
}

static void
test_policy_jitter_bounds (void)
{
  g_autoptr(SyncobjRetryPolicy) policy = syncobj_retry_policy_new ();

  for (guint i = 0; i < 200; i++)
    {
      guint delay = syncobj_retry_policy_get_delay (policy, 2);

      g_assert_cmpuint (delay, >=, 2000);
      g_assert_cmpuint (delay, <=, 2600);
    }
}

static gboolean
only_io_errors_retriable (const GError *error,
                          gpointer      user_data)
{
  guint *calls = user_data;

  (*calls)++;
  return error->domain == G_IO_ERROR;
}

static void
test_policy_classify (void)
{
  g_autoptr(SyncobjRetryPolicy) policy = syncobj_retry_policy_new ();
  g_autoptr(GError) io_error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "timed out");
  g_autoptr(GError) failed = g_error_new_literal (SYNCOBJ_ERROR, SYNCOBJ_ERROR_FAILED, "failed");
  g_autoptr(GError) non_retriable = g_error_new_literal (SYNCOBJ_ERROR, SYNCOBJ_ERROR_NON_RETRIABLE, "no");
  guint calls = 0;

  g_assert_true (syncobj_retry_policy_is_retriable (policy, failed));
  g_assert_false (syncobj_retry_policy_is_retriable (policy, non_retriable));

  syncobj_retry_policy_set_classify_func (policy, only_io_errors_retriable, &calls, NULL);
  g_assert_true (syncobj_retry_policy_is_retriable (policy, io_error));
  g_assert_false (syncobj_retry_policy_is_retriable (policy, failed));
  /* Non-retriable by definition: the hook is not even asked. */
  g_assert_false (syncobj_retry_policy_is_retriable (policy, non_retriable));
  g_assert_cmpuint (calls, ==, 2);
}

/* ---- attempts ---------------------------------------------------------------- */

static void
test_attempts_scheduled_exponentially (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  gint64 start;
  gint64 expected_start;

  syncobj_test_exact_retry_policy (collection, 5);
  syncobj_sync_control_fail_next_persists (control, 4);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  start = syncobj_sync_control_get_now (control);
  syncobj_sync_control_run_pending (control);

  expected_start = start;
  for (guint n = 1; n <= 4; n++)
    {
      SyncobjAttempt *attempt = get_attempt (transaction, n);
      guint delay = 1000u << (n - 1);

      g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), ==, n);
      g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "persisting");
      g_assert_cmpint (to_us (syncobj_attempt_get_started_at (attempt)), ==, expected_start);
      g_assert_cmpint (to_us (syncobj_attempt_get_completed_at (attempt)), ==, expected_start);
      g_assert_error ((GError *) syncobj_attempt_get_error (attempt), SYNCOBJ_ERROR, SYNCOBJ_ERROR_FAILED);
      g_assert_cmpint (to_us (syncobj_attempt_get_retry_scheduled_for (attempt)), ==,
                       expected_start + (gint64) delay * 1000);

      /* Not a millisecond early. */
      syncobj_sync_control_advance (control, delay - 1);
      g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), ==, n);
      syncobj_sync_control_advance (control, 1);
      expected_start += (gint64) delay * 1000;
    }

  g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), ==, 5);
  g_assert_cmpint (to_us (syncobj_attempt_get_started_at (get_attempt (transaction, 5))), ==, start + 15 * G_USEC_PER_SEC);
  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_null (syncobj_attempt_get_error (get_attempt (transaction, 5)));
  g_assert_null (syncobj_attempt_get_retry_scheduled_for (get_attempt (transaction, 5)));
  g_assert_cmpuint (g_list_model_get_n_items (syncobj_transaction_get_attempts (transaction)), ==, 5);
  g_assert_cmpuint (syncobj_sync_control_get_persist_count (control), ==, 5);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 1}");
}

static void
test_attempts_max_then_failed (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autofree char *last_message = NULL;
  SyncobjAttempt *last;

  syncobj_test_exact_retry_policy (collection, 3);
  syncobj_sync_control_fail_next_persists (control, 10);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");

  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 500, 10000), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), ==, 3);
  g_assert_cmpuint (syncobj_sync_control_get_persist_count (control), ==, 3);
  syncobj_test_assert_failed (transaction, SYNCOBJ_ERROR_FAILED, NULL);

  /* The transaction's error is the last attempt's. */
  last = get_attempt (transaction, 3);
  g_assert_cmpstr (syncobj_attempt_get_error (last)->message, ==, syncobj_transaction_get_error (transaction)->message);
  g_assert_null (syncobj_attempt_get_retry_scheduled_for (last));
  g_assert_nonnull (syncobj_attempt_get_retry_scheduled_for (get_attempt (transaction, 2)));

  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 0}");
  syncobj_test_drain (control, collection);
  g_assert_cmpuint (syncobj_sync_control_get_persist_count (control), ==, 3);
}

static void
test_attempts_default_policy_five (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;

  syncobj_sync_control_fail_next_persists (control, 10);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  /* With up to 30 % jitter the four waits take at most 1.3 × 15 s. */
  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 1000, 20000), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), ==, 5);
  syncobj_test_drain (control, collection);
  g_assert_cmpuint (syncobj_sync_control_get_persist_count (control), ==, 5);
}

static void
test_policy_durable_defaults (void)
{
  g_autoptr(SyncobjRetryPolicy) policy = syncobj_retry_policy_new_durable ();
  guint max_attempts = 1, max_delay = 0, max_age = 1;

  g_object_get (policy, "max-attempts", &max_attempts, "max-delay", &max_delay, "max-age", &max_age, NULL);
  g_assert_cmpuint (max_attempts, ==, 0);
  g_assert_cmpuint (max_delay, ==, 300000);
  g_assert_cmpuint (max_age, ==, 0);
  g_assert_cmpuint (syncobj_retry_policy_get_initial_delay (policy), ==, 1000);
  g_assert_cmpfloat (syncobj_retry_policy_get_jitter (policy), ==, 0.3);

  /* 1 s → 5 min: capped, before jitter, from the tenth retry on. */
  syncobj_retry_policy_set_jitter (policy, 0.0);
  g_assert_cmpuint (syncobj_retry_policy_get_delay (policy, 1), ==, 1000);
  g_assert_cmpuint (syncobj_retry_policy_get_delay (policy, 9), ==, 256000);
  g_assert_cmpuint (syncobj_retry_policy_get_delay (policy, 10), ==, 300000);
  g_assert_cmpuint (syncobj_retry_policy_get_delay (policy, 1000), ==, 300000);

  /* The plain policy keeps the specification's limits. */
  g_clear_object (&policy);
  policy = syncobj_retry_policy_new ();
  g_assert_cmpuint (syncobj_retry_policy_get_max_attempts (policy), ==, 5);
  g_assert_cmpuint (syncobj_retry_policy_get_max_delay (policy), ==, 30000);
  g_assert_cmpuint (syncobj_retry_policy_get_max_age (policy), ==, 0);
}

/* Without a limit on attempts, a transaction outlives any number of
 * failures, whatever the mutator, and never waits more than max-delay. */
static void
test_unlimited_attempts (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjRetryPolicy) policy = syncobj_retry_policy_new_durable ();
  g_autoptr(SyncobjTransaction) transaction = NULL;
  gint64 start;

  syncobj_retry_policy_set_jitter (policy, 0.0);
  syncobj_collection_set_retry_policy (collection, policy);
  syncobj_sync_control_fail_next_persists (control, 40);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  start = syncobj_sync_control_get_now (control);
  syncobj_sync_control_run_pending (control);

  /* 1 + 2 + … + 256 s, then 31 waits of 5 minutes: 511 s + 9300 s. */
  syncobj_sync_control_advance (control, 511000 + 30 * 300000);
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), ==, 40);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "persisting");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 1}");
  syncobj_sync_control_advance (control, 300000);
  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpuint (syncobj_sync_control_get_persist_count (control), ==, 41);
  g_assert_cmpint (to_us (syncobj_attempt_get_started_at (get_attempt (transaction, 41))) - start, ==,
                   (511000 + 31 * 300000) * (gint64) 1000);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 1}");
}

/* A server down for five minutes, the network up: each attempt is refused
 * at the connection and spent, nothing is rolled back, and the change goes
 * out when the server is back. Without the durable policy the same outage
 * rolls it back. */
static void
test_server_down (gconstpointer data)
{
  gboolean durable = GPOINTER_TO_INT (data);
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjRetryPolicy) policy = syncobj_retry_policy_new_durable ();
  g_autoptr(SyncobjTransaction) transaction = NULL;
  const GError *error;

  if (durable)
    syncobj_collection_set_retry_policy (collection, policy);
  syncobj_sync_control_set_server_down (control, TRUE);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  syncobj_sync_control_advance (control, 5 * 60 * 1000);

  if (!durable)
    {
      g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "failed");
      syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 0}");
      return;
    }

  g_assert_false (syncobj_transaction_is_finished (transaction));
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), >=, 8);
  error = syncobj_attempt_get_error (get_attempt (transaction, syncobj_transaction_get_current_attempt (transaction)));
  g_assert_error ((GError *) error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 1}");

  /* The next retry is due within max-delay plus its jitter. */
  syncobj_sync_control_set_server_down (control, FALSE);
  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 1000, 400000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 1}");
}

/* Retrying for days keeps the first attempt and the last 20. */
static void
test_attempt_history_bounded (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(SyncobjTestNotify) dropped = NULL;
  GListModel *attempts;
  guint n_attempts = 0;

  syncobj_test_exact_retry_policy (collection, 0);
  syncobj_sync_control_fail_next_persists (control, 29);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  attempts = syncobj_transaction_get_attempts (transaction);   /* the model follows */
  dropped = syncobj_test_notify_new (transaction, "n-dropped-attempts");

  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 1000, 3600 * 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_object_get (transaction, "n-attempts", &n_attempts, NULL);
  g_assert_cmpuint (n_attempts, ==, 30);
  g_assert_cmpuint (syncobj_transaction_get_n_attempts (transaction), ==, 30);
  g_assert_cmpuint (syncobj_transaction_get_n_dropped_attempts (transaction), ==, 9);
  g_assert_cmpuint (syncobj_test_notify_count (dropped), ==, 9);
  g_assert_cmpuint (g_list_model_get_n_items (attempts), ==, 21);
  for (guint i = 0; i < 21; i++)
    {
      g_autoptr(SyncobjAttempt) attempt = g_list_model_get_item (attempts, i);

      g_assert_cmpuint (syncobj_attempt_get_number (attempt), ==, i == 0 ? 1 : i + 10);
    }
  g_assert_null (syncobj_attempt_get_error (get_attempt (transaction, 30)));
  g_assert_nonnull (syncobj_attempt_get_error (get_attempt (transaction, 1)));
}

/* max-age gives up the transaction at the first failure past it. */
static void
test_max_age (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjRetryPolicy) policy = syncobj_retry_policy_new_durable ();
  g_autoptr(SyncobjTransaction) transaction = NULL;

  syncobj_retry_policy_set_jitter (policy, 0.0);
  syncobj_retry_policy_set_max_age (policy, 10000);
  syncobj_collection_set_retry_policy (collection, policy);
  syncobj_sync_control_fail_next_persists (control, 100);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  syncobj_sync_control_run_pending (control);

  /* Attempts at 0, 1, 3 and 7 s are younger than 10 s; the one at 15 s is
   * not, and its failure is the last. */
  syncobj_sync_control_advance (control, 14999);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "persisting");
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), ==, 4);
  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 1, 10), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), ==, 5);
  syncobj_test_assert_failed (transaction, SYNCOBJ_ERROR_FAILED, NULL);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 0}");
  syncobj_test_drain (control, collection);
}

/* Only the application gives up a transaction that waits for a retry. */
static void
test_rollback_waiting_for_retry (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjRetryPolicy) policy = syncobj_retry_policy_new_durable ();
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(GError) error = NULL;

  syncobj_collection_set_retry_policy (collection, policy);
  syncobj_sync_control_fail_next_persists (control, 3);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  syncobj_sync_control_run_pending (control);
  syncobj_sync_control_advance (control, 5000);
  g_assert_cmpuint (syncobj_sync_control_get_persist_count (control), ==, 3);
  g_assert_nonnull (syncobj_attempt_get_retry_scheduled_for (get_attempt (transaction, 3)));

  g_assert_true (syncobj_transaction_rollback (transaction, &error));
  g_assert_no_error (error);
  syncobj_test_assert_failed (transaction, SYNCOBJ_ERROR_CANCELLED, NULL);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 0}");

  /* The retry that was due never comes. */
  syncobj_sync_control_advance (control, 600000);
  g_assert_cmpuint (syncobj_sync_control_get_persist_count (control), ==, 3);
  syncobj_test_drain (control, collection);
}

static gboolean
never_retry (const GError *error,
             gpointer      user_data)
{
  return FALSE;
}

static void
test_classify_makes_error_non_retriable (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  SyncobjRetryPolicy *policy = syncobj_test_exact_retry_policy (collection, 5);

  syncobj_retry_policy_set_classify_func (policy, never_retry, NULL, NULL);
  syncobj_sync_control_fail_next_persist (control);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");

  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), ==, 1);
  syncobj_test_assert_failed (transaction, SYNCOBJ_ERROR_FAILED, NULL);
  g_assert_null (syncobj_attempt_get_retry_scheduled_for (get_attempt (transaction, 1)));
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 0}");
}

/* ---- retrying a failed transaction ------------------------------------------ */

static void
test_transaction_retry_submits_again (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = syncobj_collection_begin (collection);
  g_autoptr(SyncobjTransaction) retry = NULL;
  g_autoptr(JsonObject) metadata = syncobj_test_object ("{\"why\": \"typing\"}");
  g_autoptr(GError) error = NULL;

  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_UPDATE, "a", "{\"n\": 1}");
  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_INSERT, NULL, "{\"id\": \"c\", \"n\": 3}");
  syncobj_test_transaction_write (transaction, collection, SYNCOBJ_MUTATION_TYPE_DELETE, "b", NULL);
  syncobj_transaction_set_metadata (transaction, metadata);
  g_assert_true (syncobj_transaction_commit (transaction, &error));
  g_assert_no_error (error);

  /* Not failed: nothing to retry. */
  g_assert_null (syncobj_transaction_retry (transaction, &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE);
  g_clear_error (&error);

  syncobj_sync_control_fail_next_persist_non_retriable (control);
  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  syncobj_test_assert_keys (collection, "a b");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 0}");

  retry = syncobj_transaction_retry (transaction, &error);
  g_assert_no_error (error);
  g_assert_nonnull (retry);
  g_assert_true (retry != transaction);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "failed");
  g_assert_cmpuint (g_list_model_get_n_items (syncobj_transaction_get_mutations (retry)), ==, 3);
  syncobj_test_assert_json (syncobj_transaction_get_metadata (retry), "{\"why\": \"typing\"}");
  /* Applied optimistically again at once. */
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 1}");
  syncobj_test_assert_value (collection, "c", "{\"id\": \"c\", \"n\": 3}");
  g_assert_false (syncobj_collection_contains (collection, "b"));

  g_assert_cmpint (syncobj_test_wait_transaction (control, retry, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  syncobj_test_assert_keys (collection, "a c");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 1}");
}

static void
test_transaction_retry_on_the_record_as_it_is_now (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) update = NULL;
  g_autoptr(SyncobjTransaction) delete = NULL;
  g_autoptr(SyncobjTransaction) retry = NULL;
  g_autoptr(SyncobjTransaction) retry_delete = NULL;
  g_autoptr(GError) error = NULL;

  syncobj_sync_control_fail_next_persist_non_retriable (control);
  update = syncobj_test_update (collection, "a", "{\"n\": 1}");
  g_assert_cmpint (syncobj_test_wait_transaction (control, update, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  syncobj_sync_control_fail_next_persist_non_retriable (control);
  delete = syncobj_test_delete (collection, "b");
  g_assert_cmpint (syncobj_test_wait_transaction (control, delete, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);

  /* Meanwhile someone else deleted both records. */
  syncobj_sync_control_emit_delete (control, "a");
  syncobj_sync_control_emit_delete (control, "b");
  syncobj_sync_control_run_pending (control);
  syncobj_test_assert_keys (collection, "");

  /* The update brings back what the user saw; the delete has nothing to do. */
  retry = syncobj_transaction_retry (update, &error);
  g_assert_no_error (error);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 1}");
  retry_delete = syncobj_transaction_retry (delete, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (syncobj_transaction_get_mutations (retry_delete)), ==, 0);
  g_assert_cmpstr (syncobj_transaction_get_state_name (retry_delete), ==, "completed");

  g_assert_cmpint (syncobj_test_wait_transaction (control, retry, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  syncobj_test_assert_keys (collection, "a");
}

static void
test_non_retriable_fails_at_once (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;

  syncobj_test_exact_retry_policy (collection, 5);
  syncobj_sync_control_fail_next_persist_non_retriable (control);
  transaction = syncobj_test_insert (collection, "{\"id\": \"c\"}");

  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), ==, 1);
  syncobj_test_assert_failed (transaction, SYNCOBJ_ERROR_NON_RETRIABLE, NULL);
  g_assert_false (syncobj_collection_contains (collection, "c"));
  syncobj_test_assert_keys (collection, "a b");
}

static void
test_retry_now (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;

  syncobj_test_exact_retry_policy (collection, 5);
  syncobj_sync_control_fail_next_persist (control);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  g_assert_false (syncobj_transaction_retry_now (transaction));
  syncobj_sync_control_run_pending (control);
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), ==, 1);

  g_assert_true (syncobj_transaction_retry_now (transaction));
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), ==, 2);
  syncobj_sync_control_run_pending (control);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
  g_assert_false (syncobj_transaction_retry_now (transaction));

  /* The cancelled timer does not start a third attempt later. */
  syncobj_sync_control_advance (control, 5000);
  g_assert_cmpuint (syncobj_sync_control_get_persist_count (control), ==, 2);
}

/* The first attempt of a write persisted at once is kept in a compact
 * form until someone asks for it: its times stay exact however late it
 * starts or ends, beyond the 2^32 µs (71 minutes) after the creation of
 * the transaction that the compact form holds. */
static void
test_attempts_first_late (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) late_start = NULL;
  g_autoptr(SyncobjTransaction) late_end = NULL;
  const gint64 two_hours_ms = 2 * 3600 * 1000;
  gint64 created;

  /* Starts two hours after it was created (offline meanwhile). */
  syncobj_sync_control_set_offline (control, TRUE);
  late_start = syncobj_test_update (collection, "a", "{\"n\": 1}");
  created = syncobj_sync_control_get_now (control);
  syncobj_sync_control_advance (control, two_hours_ms);
  syncobj_sync_control_set_offline (control, FALSE);
  syncobj_sync_control_run_pending (control);
  g_assert_cmpstr (syncobj_transaction_get_state_name (late_start), ==, "completed");
  g_assert_cmpint (to_us (syncobj_transaction_get_created_at (late_start)), ==, created);
  g_assert_cmpint (to_us (syncobj_attempt_get_started_at (get_attempt (late_start, 1))), ==, created + two_hours_ms * 1000);
  g_assert_cmpint (to_us (syncobj_attempt_get_completed_at (get_attempt (late_start, 1))), ==, created + two_hours_ms * 1000);

  /* Starts at once; the server answers two hours later. */
  syncobj_sync_control_set_network_delay (control, two_hours_ms);
  late_end = syncobj_test_update (collection, "b", "{\"n\": 1}");
  created = syncobj_sync_control_get_now (control);
  g_assert_cmpint (syncobj_test_wait_transaction (control, late_end, 60000, 6 * 3600 * 1000), ==,
                   SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpint (to_us (syncobj_attempt_get_started_at (get_attempt (late_end, 1))), ==, created);
  g_assert_cmpint (to_us (syncobj_attempt_get_completed_at (get_attempt (late_end, 1))), ==, created + two_hours_ms * 1000);
  g_assert_cmpuint (syncobj_transaction_get_n_attempts (late_end), ==, 1);
  syncobj_sync_control_set_network_delay (control, 0);
}

/* ---- offline ------------------------------------------------------------------ */

static void
test_offline_no_attempt_spent (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;

  syncobj_test_exact_retry_policy (collection, 2);
  syncobj_sync_control_set_offline (control, TRUE);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  syncobj_sync_control_advance (control, 120000);

  g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), ==, 0);
  g_assert_cmpuint (syncobj_sync_control_get_persist_count (control), ==, 0);
  g_assert_false (syncobj_transaction_is_finished (transaction));
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 1}");

  /* Back online: the attempt starts at once, without waiting for a timer. */
  syncobj_sync_control_set_offline (control, FALSE);
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), ==, 1);
  syncobj_sync_control_run_pending (control);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
}

static void
test_offline_retry_waits_for_network (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;

  /* Two attempts in all: had offline time counted, it would fail. */
  syncobj_test_exact_retry_policy (collection, 2);
  syncobj_sync_control_fail_next_persist (control);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  syncobj_sync_control_run_pending (control);
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), ==, 1);

  syncobj_sync_control_set_offline (control, TRUE);
  syncobj_sync_control_advance (control, 60000);
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), ==, 1);
  g_assert_cmpuint (syncobj_sync_control_get_persist_count (control), ==, 1);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "persisting");

  syncobj_sync_control_set_offline (control, FALSE);
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), ==, 2);
  syncobj_sync_control_run_pending (control);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
}

static void
test_offline_back_before_retry_is_due (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;

  syncobj_test_exact_retry_policy (collection, 5);
  syncobj_sync_control_fail_next_persist (control);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  syncobj_sync_control_run_pending (control);

  /* A blip shorter than the backoff changes nothing. */
  syncobj_sync_control_set_offline (control, TRUE);
  syncobj_sync_control_set_offline (control, FALSE);
  syncobj_sync_control_run_pending (control);
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), ==, 1);

  syncobj_sync_control_advance (control, 1000);
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), ==, 2);
  syncobj_test_drain (control, collection);
  g_assert_cmpuint (syncobj_sync_control_get_persist_count (control), ==, 2);
}

static void
test_offline_queued_at_head_is_pending (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) t1 = NULL;
  g_autoptr(SyncobjTransaction) t2 = NULL;

  syncobj_sync_control_set_network_delay (control, 100);
  t1 = syncobj_test_update (collection, "a", "{\"n\": 1}");
  t2 = syncobj_test_update (collection, "b", "{\"n\": 2}");
  syncobj_sync_control_run_pending (control);
  g_assert_cmpstr (syncobj_transaction_get_queued_behind (t2), ==, syncobj_transaction_get_id (t1));

  /* t1's call was made: it persists and completes; t2 may go next but the
   * network is down. */
  syncobj_sync_control_set_offline (control, TRUE);
  syncobj_sync_control_advance (control, 1000);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t1), ==, "completed");
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (t2), ==, 0);
  g_assert_null (syncobj_transaction_get_queued_behind (t2));
  g_assert_cmpstr (syncobj_transaction_get_state_name (t2), ==, "pending");

  syncobj_sync_control_set_offline (control, FALSE);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t2), ==, "persisting");
  syncobj_test_drain (control, collection);
  g_assert_cmpstr (syncobj_transaction_get_state_name (t2), ==, "completed");
}

/* A policy subclass that gives up on SYNCOBJ_ERROR_FAILED. */
#define TEST_TYPE_STRICT_POLICY (test_strict_policy_get_type ())
G_DECLARE_FINAL_TYPE (TestStrictPolicy, test_strict_policy, TEST, STRICT_POLICY, SyncobjRetryPolicy)

struct _TestStrictPolicy
{
  SyncobjRetryPolicy parent_instance;
  guint              calls;
};

G_DEFINE_FINAL_TYPE (TestStrictPolicy, test_strict_policy, SYNCOBJ_TYPE_RETRY_POLICY)

static gboolean
test_strict_policy_classify (SyncobjRetryPolicy *policy,
                             const GError       *error)
{
  TEST_STRICT_POLICY (policy)->calls++;
  return !g_error_matches (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_FAILED);
}

static void
test_strict_policy_class_init (TestStrictPolicyClass *klass)
{
  SYNCOBJ_RETRY_POLICY_CLASS (klass)->classify = test_strict_policy_classify;
}

static void
test_strict_policy_init (TestStrictPolicy *self)
{
}

static void
test_classify_vfunc (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(TestStrictPolicy) policy = g_object_new (TEST_TYPE_STRICT_POLICY, "jitter", 0.0, NULL);
  g_autoptr(SyncobjTransaction) transaction = NULL;

  syncobj_collection_set_retry_policy (collection, SYNCOBJ_RETRY_POLICY (policy));
  syncobj_sync_control_fail_next_persist (control);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");

  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  g_assert_cmpuint (policy->calls, ==, 1);
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), ==, 1);
  syncobj_test_assert_failed (transaction, SYNCOBJ_ERROR_FAILED, NULL);
}

int
main (int argc, char *argv[])
{
  syncobj_test_init (&argc, &argv);

  g_test_add_func ("/retry/policy/defaults", test_policy_defaults);
  g_test_add_func ("/retry/policy/exact-delays-without-jitter", test_policy_exact_delays);
  g_test_add_func ("/retry/policy/jitter-bounds", test_policy_jitter_bounds);
  g_test_add_func ("/retry/policy/classify", test_policy_classify);
  g_test_add_func ("/retry/policy/durable-defaults", test_policy_durable_defaults);
  g_test_add_func ("/retry/attempts/unlimited", test_unlimited_attempts);
  g_test_add_func ("/retry/attempts/max-age", test_max_age);
  g_test_add_data_func ("/retry/server-down/durable-waits", GINT_TO_POINTER (TRUE), test_server_down);
  g_test_add_data_func ("/retry/server-down/default-rolls-back", GINT_TO_POINTER (FALSE), test_server_down);
  g_test_add_func ("/retry/attempts/history-bounded", test_attempt_history_bounded);
  g_test_add_func ("/retry/attempts/scheduled-exponentially", test_attempts_scheduled_exponentially);
  g_test_add_func ("/retry/attempts/max-then-failed-with-last-error", test_attempts_max_then_failed);
  g_test_add_func ("/retry/attempts/default-policy-five", test_attempts_default_policy_five);
  g_test_add_func ("/retry/classify/makes-error-non-retriable", test_classify_makes_error_non_retriable);
  g_test_add_func ("/retry/classify/vfunc", test_classify_vfunc);
  g_test_add_func ("/retry/non-retriable/fails-at-once", test_non_retriable_fails_at_once);
  g_test_add_func ("/retry/retry-now", test_retry_now);
  g_test_add_func ("/retry/transaction-retry/submits-again", test_transaction_retry_submits_again);
  g_test_add_func ("/retry/transaction-retry/on-the-record-as-it-is-now", test_transaction_retry_on_the_record_as_it_is_now);
  g_test_add_func ("/retry/rollback/waiting-for-retry", test_rollback_waiting_for_retry);
  g_test_add_func ("/retry/attempts/first-late", test_attempts_first_late);
  g_test_add_func ("/retry/offline/no-attempt-spent", test_offline_no_attempt_spent);
  g_test_add_func ("/retry/offline/retry-waits-for-network", test_offline_retry_waits_for_network);
  g_test_add_func ("/retry/offline/back-before-retry-is-due", test_offline_back_before_retry_is_due);
  g_test_add_func ("/retry/offline/queued-at-head-is-pending", test_offline_queued_at_head_is_pending);

  return g_test_run ();
}
