/* func-mutator-test.c: SyncobjFuncMutator and SyncobjPersistJob
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"

#define RECORDS "[{\"id\": \"a\", \"n\": 0}]"

typedef enum {
  KEEP,          /* keep the job; the test finishes it */
  DROP,          /* drop it without finishing */
  COMPLETE_NOW,
} Behaviour;

typedef struct
{
  Behaviour  behaviour;
  GPtrArray *jobs;        /* SyncobjPersistJob, kept */
  guint      calls;
  gboolean   destroyed;
} Backend;

static void
backend_persist (SyncobjPersistJob *job,
                 gpointer           user_data)
{
  Backend *backend = user_data;

  backend->calls++;
  switch (backend->behaviour)
    {
    case KEEP:
      g_ptr_array_add (backend->jobs, g_object_ref (job));
      break;
    case DROP:
      break;
    case COMPLETE_NOW:
      syncobj_persist_job_complete (job);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
backend_destroy (gpointer user_data)
{
  ((Backend *) user_data)->destroyed = TRUE;
}

static void
backend_clear (Backend *backend)
{
  g_clear_pointer (&backend->jobs, g_ptr_array_unref);
}

/* A test collection whose mutator is a SyncobjFuncMutator calling
 * @backend. */
static SyncobjCollection *
func_collection_new (Backend             *backend,
                     Behaviour            behaviour,
                     SyncobjSyncControl **control)
{
  SyncobjCollection *collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, control);
  g_autoptr(SyncobjMutator) mutator = syncobj_func_mutator_new (backend_persist, backend, NULL);

  backend->behaviour = behaviour;
  backend->jobs = g_ptr_array_new_with_free_func (g_object_unref);
  syncobj_collection_set_mutator (collection, mutator);
  return collection;
}

static SyncobjPersistJob *
backend_job (Backend *backend,
             guint    index)
{
  g_assert_cmpuint (backend->jobs->len, >, index);
  return g_ptr_array_index (backend->jobs, index);
}

static gboolean
complete_job_cb (gpointer data)
{
  syncobj_persist_job_complete (data);
  return G_SOURCE_REMOVE;
}

static void
test_complete_later_from_timer (void)
{
  Backend backend = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = func_collection_new (&backend, KEEP, &control);
  g_autoptr(SyncobjTransaction) transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  SyncobjPersistJob *job;
  g_autofree char *changes = NULL;
  g_autoptr(JsonNode) changes_node = NULL;
  g_autoptr(JsonNode) expected = NULL;

  syncobj_sync_control_run_pending (control);
  g_assert_cmpuint (backend.calls, ==, 1);
  job = backend_job (&backend, 0);
  g_assert_true (syncobj_persist_job_get_transaction (job) == transaction);
  g_assert_cmpuint (syncobj_persist_job_get_attempt (job), ==, 1);
  g_assert_false (syncobj_persist_job_get_finished (job));
  g_assert_null (syncobj_persist_job_get_sync (job));
  g_assert_nonnull (syncobj_persist_job_get_cancellable (job));

  changes = syncobj_persist_job_get_changes_json (job);
  changes_node = json_from_string (changes, NULL);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (changes_node));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (changes_node)), ==, 1);
  expected = json_from_string ("{\"n\": 1}", NULL);
  g_assert_true (json_node_equal (json_object_get_member (json_array_get_object_element (json_node_get_array (changes_node), 0), "changes"),
                                  expected));

  syncobj_test_add_timer (5000, complete_job_cb, job);
  syncobj_sync_control_advance (control, 4999);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "persisting");

  syncobj_sync_control_advance (control, 1);
  g_assert_true (syncobj_persist_job_get_finished (job));
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
  g_assert_cmpuint (backend.calls, ==, 1);
  backend_clear (&backend);
}

static gboolean
complete_job_idle (gpointer data)
{
  syncobj_persist_job_complete (data);
  return G_SOURCE_REMOVE;
}

static void
test_complete_later_from_idle (void)
{
  Backend backend = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = func_collection_new (&backend, KEEP, &control);
  g_autoptr(SyncobjTransaction) transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  g_autoptr(SyncobjTestNotify) finished = NULL;

  syncobj_sync_control_run_pending (control);
  finished = syncobj_test_notify_new (backend_job (&backend, 0), "finished");
  g_idle_add (complete_job_idle, backend_job (&backend, 0));
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "persisting");

  syncobj_sync_control_run_pending (control);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
  syncobj_test_notify_assert (finished, "true");
  backend_clear (&backend);
}

static void
test_complete_at_once (void)
{
  Backend backend = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = func_collection_new (&backend, COMPLETE_NOW, &control);
  g_autoptr(SyncobjTransaction) transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");

  syncobj_sync_control_run_pending (control);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
  backend_clear (&backend);
}

static void
test_fail_is_retried (void)
{
  Backend backend = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = func_collection_new (&backend, KEEP, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED, "refused");
  g_autoptr(SyncobjAttempt) first = NULL;

  syncobj_test_exact_retry_policy (collection, 3);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  syncobj_sync_control_run_pending (control);
  syncobj_persist_job_fail (backend_job (&backend, 0), error);
  syncobj_sync_control_run_pending (control);

  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "persisting");
  first = g_list_model_get_item (syncobj_transaction_get_attempts (transaction), 0);
  g_assert_error ((GError *) syncobj_attempt_get_error (first), G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_nonnull (syncobj_attempt_get_retry_scheduled_for (first));

  syncobj_sync_control_advance (control, 1000);
  g_assert_cmpuint (backend.calls, ==, 2);
  g_assert_cmpuint (syncobj_persist_job_get_attempt (backend_job (&backend, 1)), ==, 2);
  syncobj_persist_job_complete (backend_job (&backend, 1));
  syncobj_sync_control_run_pending (control);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
  backend_clear (&backend);
}

static void
test_fail_non_retriable (void)
{
  Backend backend = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = func_collection_new (&backend, KEEP, &control);
  g_autoptr(SyncobjTransaction) transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");

  syncobj_sync_control_run_pending (control);
  syncobj_persist_job_fail_non_retriable (backend_job (&backend, 0), "rejected by the server");
  syncobj_test_drain (control, collection);

  syncobj_test_assert_failed (transaction, SYNCOBJ_ERROR_NON_RETRIABLE, NULL);
  g_assert_cmpstr (syncobj_transaction_get_error (transaction)->message, ==, "rejected by the server");
  g_assert_cmpuint (backend.calls, ==, 1);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 0}");
  backend_clear (&backend);
}

/* A job finished twice keeps its first outcome, and the critical says
 * which call and which transaction, not an internal assertion. */
static void
test_finished_twice_names_the_call (void)
{
  if (g_test_subprocess ())
    {
      Backend backend = { 0 };
      g_autoptr(SyncobjSyncControl) control = NULL;
      g_autoptr(SyncobjCollection) collection = func_collection_new (&backend, KEEP, &control);
      g_autoptr(SyncobjTransaction) transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
      SyncobjPersistJob *job;

      syncobj_sync_control_run_pending (control);
      job = backend_job (&backend, 0);
      syncobj_persist_job_fail_non_retriable (job, "rejected by the server");
      /* Logged, not fatal, so that what follows the critical is checked. */
      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      g_printerr ("transaction %s\n", syncobj_transaction_get_id (transaction));
      syncobj_persist_job_complete (job);
      syncobj_test_drain (control, collection);

      syncobj_test_assert_failed (transaction, SYNCOBJ_ERROR_NON_RETRIABLE, NULL);
      syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 0}");
      backend_clear (&backend);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("transaction *\n*CRITICAL*syncobj_persist_job_complete: the job of transaction "
                             "*-*-*-*-* is finished already; a persist job is finished exactly once*");
  g_test_trap_assert_stderr_unmatched ("*begin_finish*");
}

static void
test_dropped_job_fails_attempt (void)
{
  Backend backend = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = func_collection_new (&backend, DROP, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;

  syncobj_test_exact_retry_policy (collection, 2);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 500, 5000), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);

  /* A dropped job is an ordinary (retriable) failure. */
  g_assert_cmpuint (backend.calls, ==, 2);
  syncobj_test_assert_failed (transaction, SYNCOBJ_ERROR_FAILED, NULL);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 0}");
  backend_clear (&backend);
}

static void
test_await_echo (void)
{
  Backend backend = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = func_collection_new (&backend, COMPLETE_NOW, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  SyncobjFuncMutator *mutator = SYNCOBJ_FUNC_MUTATOR (syncobj_collection_get_mutator (collection));

  syncobj_func_mutator_set_await_echo (mutator, TRUE);
  g_assert_true (syncobj_func_mutator_get_await_echo (mutator));
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  syncobj_sync_control_advance (control, 1000);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "persisted_awaiting_sync");

  syncobj_test_emit_update (control, "{\"id\": \"a\", \"n\": 1}");
  syncobj_sync_control_run_pending (control);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 1}");
  backend_clear (&backend);
}

static void
test_await_echo_timeout_completes (void)
{
  Backend backend = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = func_collection_new (&backend, COMPLETE_NOW, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  SyncobjFuncMutator *mutator = SYNCOBJ_FUNC_MUTATOR (syncobj_collection_get_mutator (collection));

  syncobj_func_mutator_set_await_echo (mutator, TRUE);
  syncobj_func_mutator_set_echo_timeout (mutator, 3000);
  g_assert_cmpuint (syncobj_func_mutator_get_echo_timeout (mutator), ==, 3000);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  syncobj_sync_control_advance (control, 2999);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "persisted_awaiting_sync");

  /* Persisted cannot fail any more: a missing echo completes it anyway. */
  syncobj_sync_control_advance (control, 1);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
  g_assert_null (syncobj_transaction_get_error (transaction));
  backend_clear (&backend);
}

/* Without await-echo, a completed transaction whose keys the sync never
 * delivers within echo-timeout gets one warning for the mutator; one
 * whose echo comes in time gets none. */
static void
test_no_echo_warns_once (void)
{
  if (g_test_subprocess ())
    {
      Backend backend = { 0 };
      g_autoptr(SyncobjSyncControl) control = NULL;
      g_autoptr(SyncobjCollection) collection = func_collection_new (&backend, COMPLETE_NOW, &control);
      g_autoptr(SyncobjTransaction) echoed = NULL;
      g_autoptr(SyncobjTransaction) first = NULL;
      g_autoptr(SyncobjTransaction) second = NULL;
      SyncobjFuncMutator *mutator = SYNCOBJ_FUNC_MUTATOR (syncobj_collection_get_mutator (collection));

      /* The warning is checked on stderr, not fatal here. */
      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      syncobj_func_mutator_set_echo_timeout (mutator, 3000);
      echoed = syncobj_test_update (collection, "a", "{\"n\": 1}");
      syncobj_sync_control_run_pending (control);
      g_assert_cmpstr (syncobj_transaction_get_state_name (echoed), ==, "completed");
      syncobj_test_emit_update (control, "{\"id\": \"a\", \"n\": 1}");
      syncobj_sync_control_advance (control, 3000);
      g_printerr ("echoed: fine\n");

      first = syncobj_test_update (collection, "a", "{\"n\": 2}");
      second = syncobj_test_update (collection, "a", "{\"n\": 3}");
      syncobj_sync_control_run_pending (control);
      g_assert_cmpstr (syncobj_transaction_get_state_name (second), ==, "completed");
      syncobj_sync_control_advance (control, 2999);
      g_printerr ("before the timeout\n");
      syncobj_sync_control_advance (control, 1);
      backend_clear (&backend);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*echoed: fine\nbefore the timeout\n*"
                             "did not deliver the keys it wrote within 3000 ms*");
  g_test_trap_assert_stderr_unmatched ("*did not deliver*did not deliver*");
}

/* Turned off with an echo-timeout of 0. */
static void
test_no_echo_warning_off (void)
{
  Backend backend = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = func_collection_new (&backend, COMPLETE_NOW, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  SyncobjFuncMutator *mutator = SYNCOBJ_FUNC_MUTATOR (syncobj_collection_get_mutator (collection));

  syncobj_func_mutator_set_echo_timeout (mutator, 0);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  syncobj_sync_control_advance (control, 3600 * 1000);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
  backend_clear (&backend);
}

static void
await_sync_keep (SyncobjPersistJob *job,
                 gpointer           user_data)
{
  GPtrArray *jobs = user_data;

  g_ptr_array_add (jobs, g_object_ref (job));
}

static void
test_await_sync_func (void)
{
  Backend backend = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = func_collection_new (&backend, COMPLETE_NOW, &control);
  g_autoptr(GPtrArray) await_jobs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  SyncobjFuncMutator *mutator = SYNCOBJ_FUNC_MUTATOR (syncobj_collection_get_mutator (collection));
  SyncobjPersistJob *job;

  syncobj_func_mutator_set_await_sync_func (mutator, await_sync_keep, await_jobs, NULL);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  syncobj_sync_control_run_pending (control);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "persisted_awaiting_sync");
  g_assert_cmpuint (await_jobs->len, ==, 1);

  job = g_ptr_array_index (await_jobs, 0);
  g_assert_true (syncobj_persist_job_get_sync (job) == syncobj_sync_control_get_sync (control));
  g_assert_true (syncobj_persist_job_get_transaction (job) == transaction);
  syncobj_test_emit_update (control, "{\"id\": \"a\", \"n\": 1}");
  syncobj_test_add_timer (200, complete_job_cb, job);
  syncobj_sync_control_advance (control, 200);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 1}");
  backend_clear (&backend);
}

static void
test_destroy_notify (void)
{
  Backend backend = { 0 };
  SyncobjMutator *mutator = syncobj_func_mutator_new (backend_persist, &backend, backend_destroy);

  g_assert_false (backend.destroyed);
  g_object_unref (mutator);
  g_assert_true (backend.destroyed);
}

/* A finished job the app keeps holds neither the mutator nor, through it,
 * the persist function's data: keeping jobs in a list that the persist
 * function's closure also holds (as Python and GJS apps do) is no cycle. */
static void
test_finished_job_keeps_no_mutator (void)
{
  Backend backend = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  SyncobjMutator *mutator = syncobj_func_mutator_new (backend_persist, &backend, backend_destroy);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(GCancellable) cancellable = NULL;

  backend.behaviour = KEEP;
  backend.jobs = g_ptr_array_new_with_free_func (g_object_unref);
  syncobj_collection_set_mutator (collection, mutator);
  g_object_add_weak_pointer (G_OBJECT (mutator), (gpointer *) &mutator);
  g_object_unref (mutator);

  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  syncobj_sync_control_run_pending (control);
  cancellable = g_object_ref (syncobj_persist_job_get_cancellable (backend_job (&backend, 0)));
  syncobj_persist_job_complete (backend_job (&backend, 0));
  syncobj_sync_control_run_pending (control);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");

  /* The collection lets its mutator go; the kept job does not hold it. */
  syncobj_collection_set_mutator (collection, NULL);
  g_assert_null (mutator);
  g_assert_true (backend.destroyed);
  /* What the job still tells stays valid. */
  g_assert_true (syncobj_persist_job_get_finished (backend_job (&backend, 0)));
  g_assert_true (syncobj_persist_job_get_cancellable (backend_job (&backend, 0)) == cancellable);
  g_assert_true (syncobj_persist_job_get_transaction (backend_job (&backend, 0)) == transaction);
  backend_clear (&backend);
}

/* What a persist function that completes at once saw of each job, and
 * what became of the handler and the weak reference it left on it. */
typedef struct
{
  GPtrArray *transactions;   /* SyncobjTransaction, of each call */
  guint      unfinished;     /* calls whose job was not finished yet */
  guint      notified;       /* notify::finished of any job */
  guint      handlers_freed;
  guint      weak_notified;
  gboolean   weak_ref;       /* leave a weak reference on each job */
} Watcher;

static void
watcher_finished_cb (GObject    *job,
                     GParamSpec *pspec,
                     gpointer    user_data)
{
  ((Watcher *) user_data)->notified++;
}

static void
watcher_handler_freed (gpointer  user_data,
                       GClosure *closure)
{
  ((Watcher *) user_data)->handlers_freed++;
}

static void
watcher_weak_notify (gpointer  user_data,
                     GObject  *where_the_object_was)
{
  ((Watcher *) user_data)->weak_notified++;
}

static void
watcher_persist (SyncobjPersistJob *job,
                 gpointer           user_data)
{
  Watcher *watcher = user_data;

  g_ptr_array_add (watcher->transactions, g_object_ref (syncobj_persist_job_get_transaction (job)));
  if (!syncobj_persist_job_get_finished (job))
    watcher->unfinished++;
  g_signal_connect_data (job, "notify::finished", G_CALLBACK (watcher_finished_cb),
                         watcher, watcher_handler_freed, 0);
  if (watcher->weak_ref)
    g_object_weak_ref (G_OBJECT (job), watcher_weak_notify, watcher);
  syncobj_persist_job_complete (job);
}

/* A job that its persist function lets go is released as the function
 * returns: its handlers are disconnected (their data freed) and a weak
 * reference is notified, as when it is finalized, and the next call gets
 * a job of its own transaction, unfinished. */
static void
test_released_job (gconstpointer data)
{
  Watcher watcher = { g_ptr_array_new_with_free_func (g_object_unref), .weak_ref = GPOINTER_TO_INT (data) };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjMutator) mutator = syncobj_func_mutator_new (watcher_persist, &watcher, NULL);

  syncobj_collection_set_mutator (collection, mutator);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *changes = g_strdup_printf ("{\"n\": %u}", i + 1);
      g_autoptr(SyncobjTransaction) transaction = syncobj_test_update (collection, "a", changes);

      syncobj_sync_control_run_pending (control);
      g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
      g_assert_cmpuint (watcher.transactions->len, ==, i + 1);
      g_assert_true (g_ptr_array_index (watcher.transactions, i) == transaction);
      g_assert_cmpuint (watcher.unfinished, ==, i + 1);
      g_assert_cmpuint (watcher.notified, ==, i + 1);
      g_assert_cmpuint (watcher.handlers_freed, ==, i + 1);
      g_assert_cmpuint (watcher.weak_notified, ==, watcher.weak_ref ? i + 1 : 0);
    }
  g_ptr_array_unref (watcher.transactions);
}

static gpointer
complete_in_thread (gpointer data)
{
  syncobj_persist_job_complete (data);
  return NULL;
}

static void
test_complete_from_another_thread (void)
{
  Backend backend = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = func_collection_new (&backend, KEEP, &control);
  g_autoptr(SyncobjTransaction) transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  g_autoptr(SyncobjTestNotify) finished = NULL;
  GThread *thread;

  syncobj_sync_control_run_pending (control);
  finished = syncobj_test_notify_new (backend_job (&backend, 0), "finished");
  thread = g_thread_new ("backend", complete_in_thread, backend_job (&backend, 0));
  g_thread_join (thread);

  /* Nothing happens on the worker thread: the main context finishes it. */
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "persisting");
  syncobj_test_notify_assert (finished, "");
  syncobj_sync_control_run_pending (control);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
  syncobj_test_notify_assert (finished, "true");
  backend_clear (&backend);
}

static void
test_replaced_mutator_takes_next_attempt (void)
{
  Backend backend = { KEEP, NULL, 0, FALSE };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjMutator) mutator = syncobj_func_mutator_new (backend_persist, &backend, NULL);
  g_autoptr(SyncobjTransaction) transaction = NULL;

  backend.behaviour = COMPLETE_NOW;
  backend.jobs = g_ptr_array_new_with_free_func (g_object_unref);
  syncobj_test_exact_retry_policy (collection, 3);
  syncobj_sync_control_fail_next_persist (control);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  syncobj_sync_control_run_pending (control);
  g_assert_cmpuint (syncobj_sync_control_get_persist_count (control), ==, 1);

  /* The retry goes to the new mutator. */
  syncobj_collection_set_mutator (collection, mutator);
  syncobj_sync_control_advance (control, 1000);
  g_assert_cmpuint (backend.calls, ==, 1);
  g_assert_cmpuint (syncobj_sync_control_get_persist_count (control), ==, 1);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
  backend_clear (&backend);
}

/* ---- the order of what a completion announces -------------------------------- */

typedef struct
{
  GString            *log;
  SyncobjCollection  *collection;
  SyncobjTransaction *transaction;   /* the one watched */
  SyncobjRecord      *record;
  const char         *echo;          /* what the server sends back */
  gboolean            text_echo;     /* as JSON text */
} OrderLog;

static void
order_add (OrderLog   *order,
           const char *format,
           ...) G_GNUC_PRINTF (2, 3);

static void
order_add (OrderLog   *order,
           const char *format,
           ...)
{
  va_list args;

  if (order->log->len > 0)
    g_string_append_c (order->log, '\n');
  va_start (args, format);
  g_string_append_vprintf (order->log, format, args);
  va_end (args);
}

/* Timestamps are left out: whether they change depends on the clock. */
static gboolean
order_skips (GParamSpec *pspec)
{
  return g_str_equal (pspec->name, "updated-at");
}

static void
order_transaction_notify_cb (SyncobjTransaction *transaction,
                             GParamSpec         *pspec,
                             OrderLog           *order)
{
  g_autofree char *value = NULL;

  if (order_skips (pspec))
    return;
  if (!g_str_equal (pspec->name, "state"))
    {
      order_add (order, "transaction %s", pspec->name);
      return;
    }
  /* What a handler of notify::state sees of the record. */
  value = syncobj_record_to_json (order->record);
  order_add (order, "transaction state %s: %s pending=%d", syncobj_transaction_get_state_name (transaction),
             value, syncobj_record_get_pending (order->record));
}

static void
order_mutation_notify_cb (SyncobjPendingMutation *mutation,
                          GParamSpec             *pspec,
                          OrderLog               *order)
{
  if (!order_skips (pspec))
    order_add (order, "mutation %s", pspec->name);
}

static void
order_record_notify_cb (SyncobjRecord *record,
                        GParamSpec    *pspec,
                        OrderLog      *order)
{
  g_autofree char *value = NULL;

  if (order_skips (pspec))
    return;
  value = syncobj_record_to_json (record);
  order_add (order, "record %s: %s", pspec->name, value);
}

static void
order_collection_notify_cb (SyncobjCollection *collection,
                            GParamSpec        *pspec,
                            OrderLog          *order)
{
  order_add (order, "collection %s", pspec->name);
}

static void
order_items_changed_cb (GListModel *model,
                        guint       position,
                        guint       removed,
                        guint       added,
                        OrderLog   *order)
{
  order_add (order, "items-changed %u %u %u", position, removed, added);
}

static void
order_committed_cb (SyncobjSync *sync,
                    guint        n_writes,
                    OrderLog    *order)
{
  order_add (order, "sync committed %u", n_writes);
}

static void
order_registry_cb (SyncobjRegistry    *registry,
                   SyncobjTransaction *transaction,
                   OrderLog           *order)
{
  if (transaction == order->transaction)
    order_add (order, "registry state-changed %s", syncobj_transaction_get_state_name (transaction));
}

static void
order_job_notify_cb (SyncobjPersistJob *job,
                     GParamSpec        *pspec,
                     OrderLog          *order)
{
  order_add (order, "job %s", pspec->name);
}

static void
order_wait_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  OrderLog *order = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (syncobj_transaction_wait_finish (SYNCOBJ_TRANSACTION (source), result, &error));
  order_add (order, "wait finished");
}

/* A server that echoes the change through the sync, then answers (as the
 * benchmarks' backend does). */
static void
order_echo_persist (SyncobjPersistJob *job,
                    gpointer           user_data)
{
  OrderLog *order = user_data;
  SyncobjSync *sync = syncobj_collection_get_sync (order->collection);
  g_autoptr(JsonObject) echo = syncobj_test_object (order->echo);
  g_autoptr(GError) error = NULL;

  order_add (order, "persist call");
  g_signal_connect (job, "notify", G_CALLBACK (order_job_notify_cb), order);
  syncobj_sync_begin (sync);
  if (order->text_echo)
    g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_UPDATE, order->echo, &error));
  else
    g_assert_true (syncobj_sync_write (sync, SYNCOBJ_MUTATION_TYPE_UPDATE, echo, &error));
  g_assert_true (syncobj_sync_commit (sync, &error));
  g_assert_no_error (error);
  order_add (order, "echo committed");
  syncobj_persist_job_complete (job);
  order_add (order, "complete returned");
  g_signal_handlers_disconnect_by_data (job, order);
}

#define ORDER_CONFIRMS 1
#define ORDER_TEXT_ECHO 2

/* Every signal from the persist call to `completed`, in order, for an
 * echo that confirms the optimistic value and for one that differs; the
 * echo as a JsonObject or as JSON text. */
static void
test_completion_order (gconstpointer data)
{
  gboolean confirms = (GPOINTER_TO_INT (data) & ORDER_CONFIRMS) != 0;
  g_autofree char *expected = NULL;
  const char *n;
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(GString) log = g_string_new (NULL);
  OrderLog order = { log, collection, NULL, NULL,
                     confirms ? "{\"id\": \"a\", \"n\": 1}" : "{\"id\": \"a\", \"n\": 5}",
                     (GPOINTER_TO_INT (data) & ORDER_TEXT_ECHO) != 0 };
  g_autoptr(SyncobjMutator) mutator = syncobj_func_mutator_new (order_echo_persist, &order, NULL);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(SyncobjPendingMutation) mutation = NULL;
  g_autoptr(SyncobjRecord) record = NULL;
  SyncobjRegistry *registry = syncobj_registry_get_default ();

  syncobj_collection_set_mutator (collection, mutator);
  record = syncobj_collection_lookup (collection, "a");
  order.record = record;
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  order.transaction = transaction;
  mutation = g_list_model_get_item (syncobj_transaction_get_mutations (transaction), 0);

  g_signal_connect (transaction, "notify", G_CALLBACK (order_transaction_notify_cb), &order);
  g_signal_connect (mutation, "notify", G_CALLBACK (order_mutation_notify_cb), &order);
  g_signal_connect (record, "notify", G_CALLBACK (order_record_notify_cb), &order);
  g_signal_connect (collection, "notify", G_CALLBACK (order_collection_notify_cb), &order);
  g_signal_connect (collection, "items-changed", G_CALLBACK (order_items_changed_cb), &order);
  g_signal_connect (syncobj_collection_get_sync (collection), "committed", G_CALLBACK (order_committed_cb), &order);
  g_signal_connect (registry, "transaction-state-changed", G_CALLBACK (order_registry_cb), &order);
  syncobj_transaction_wait_async (transaction, NULL, order_wait_cb, &order);

  syncobj_test_drain (control, collection);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");

  g_signal_handlers_disconnect_by_data (registry, &order);
  g_signal_handlers_disconnect_by_data (syncobj_collection_get_sync (collection), &order);
  g_signal_handlers_disconnect_by_data (collection, &order);
  g_signal_handlers_disconnect_by_data (record, &order);
  g_signal_handlers_disconnect_by_data (mutation, &order);
  g_signal_handlers_disconnect_by_data (transaction, &order);

  n = confirms ? "1" : "5";
  expected = g_strdup_printf ("mutation state\n"
                              "transaction current-attempt\n"
                              "transaction n-attempts\n"
                              "transaction state persisting: {\"id\":\"a\",\"n\":1} pending=1\n"
                              "registry state-changed persisting\n"
                              "persist call\n"
                              "sync committed 1\n"
                              "echo committed\n"
                              "transaction state persisted_awaiting_sync: {\"id\":\"a\",\"n\":1} pending=1\n"
                              "registry state-changed persisted_awaiting_sync\n"
                              "mutation state\n"
                              /* The records show the outcome before the state says it. */
                              "record pending: {\"id\":\"a\",\"n\":%s}\n"
                              "record synced-value: {\"id\":\"a\",\"n\":%s}\n"
                              "%s"
                              "collection n-pending\n"
                              "transaction state completed: {\"id\":\"a\",\"n\":%s} pending=0\n"
                              "registry state-changed completed\n"
                              "wait finished\n"
                              "job finished\n"
                              "complete returned",
                              n, n, confirms ? "" : "record value: {\"id\":\"a\",\"n\":5}\nitems-changed 0 1 1\n", n);
  g_assert_cmpstr (log->str, ==, expected);
}

/* ---- the mutations of a job, without the list model -------------------------- */

static void
mutations_persist (SyncobjPersistJob *job,
                   gpointer           user_data)
{
  GListModel *model = syncobj_transaction_get_mutations (syncobj_persist_job_get_transaction (job));
  guint n = syncobj_persist_job_get_n_mutations (job);
  GString *seen = user_data;

  g_assert_cmpuint (n, ==, g_list_model_get_n_items (model));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyncobjPendingMutation) listed = g_list_model_get_item (model, i);
      SyncobjPendingMutation *mutation = syncobj_persist_job_get_mutation (job, i);
      g_autofree char *changes = syncobj_pending_mutation_get_changes_json (mutation);
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), syncobj_pending_mutation_get_changes (mutation));
      g_autofree char *expected = json_to_string (node, FALSE);

      g_assert_true (mutation == listed);
      g_assert_cmpstr (changes, ==, expected);
      g_string_append_printf (seen, "%s %s;", syncobj_pending_mutation_get_key (mutation), changes);
    }
  g_assert_null (syncobj_persist_job_get_mutation (job, n));
  syncobj_persist_job_complete (job);
}

/* syncobj_persist_job_get_n_mutations() and get_mutation() walk what
 * syncobj_transaction_get_mutations() lists; get_changes_json() is the
 * changes as compact text: an insert, an update of a built record, a
 * delete. */
static void
test_job_mutations (void)
{
  g_autoptr(GString) seen = g_string_new (NULL);
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjMutator) mutator = syncobj_func_mutator_new (mutations_persist, seen, NULL);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(JsonObject) inserted = syncobj_test_object ("{\"id\": \"b\", \"s\": \"é\\\"\", \"x\": [1, {\"y\": null}]}");
  g_autoptr(JsonObject) changes = syncobj_test_object ("{\"n\": 2.5}");
  g_autoptr(GError) error = NULL;

  syncobj_collection_set_mutator (collection, mutator);
  transaction = syncobj_collection_begin (collection);
  g_assert_true (syncobj_transaction_insert (transaction, collection, inserted, &error));
  g_assert_true (syncobj_transaction_update (transaction, collection, "a", changes, &error));
  g_assert_no_error (error);
  g_assert_true (syncobj_transaction_commit (transaction, &error));
  g_assert_no_error (error);
  syncobj_test_drain (control, collection);
  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
  g_assert_cmpstr (seen->str, ==, "b {\"id\":\"b\",\"s\":\"é\\\"\",\"x\":[1,{\"y\":null}]};a {\"n\":2.5};");

  g_string_truncate (seen, 0);
  g_clear_object (&transaction);
  transaction = syncobj_test_delete (collection, "a");
  syncobj_test_drain (control, collection);
  g_assert_cmpstr (seen->str, ==, "a {};");
}

int
main (int argc, char *argv[])
{
  syncobj_test_init (&argc, &argv);

  g_test_add_func ("/func-mutator/complete/later-from-timer", test_complete_later_from_timer);
  g_test_add_func ("/func-mutator/complete/later-from-idle", test_complete_later_from_idle);
  g_test_add_func ("/func-mutator/complete/at-once", test_complete_at_once);
  g_test_add_func ("/func-mutator/complete/from-another-thread", test_complete_from_another_thread);
  g_test_add_data_func ("/func-mutator/complete/order/echo-confirms", GINT_TO_POINTER (ORDER_CONFIRMS), test_completion_order);
  g_test_add_data_func ("/func-mutator/complete/order/echo-differs", GINT_TO_POINTER (0), test_completion_order);
  g_test_add_data_func ("/func-mutator/complete/order/text-echo-confirms", GINT_TO_POINTER (ORDER_CONFIRMS | ORDER_TEXT_ECHO),
                        test_completion_order);
  g_test_add_data_func ("/func-mutator/complete/order/text-echo-differs", GINT_TO_POINTER (ORDER_TEXT_ECHO), test_completion_order);
  g_test_add_func ("/func-mutator/job/mutations", test_job_mutations);
  g_test_add_func ("/func-mutator/fail/retried", test_fail_is_retried);
  g_test_add_func ("/func-mutator/fail/non-retriable", test_fail_non_retriable);
  g_test_add_func ("/func-mutator/fail/dropped-job", test_dropped_job_fails_attempt);
  g_test_add_func ("/func-mutator/job/finished-twice-names-the-call", test_finished_twice_names_the_call);
  g_test_add_func ("/func-mutator/await-echo/completes-on-echo", test_await_echo);
  g_test_add_func ("/func-mutator/await-echo/timeout-completes", test_await_echo_timeout_completes);
  g_test_add_func ("/func-mutator/no-echo/warns-once", test_no_echo_warns_once);
  g_test_add_func ("/func-mutator/no-echo/warning-off", test_no_echo_warning_off);
  g_test_add_func ("/func-mutator/await-sync-func", test_await_sync_func);
  g_test_add_func ("/func-mutator/destroy-notify", test_destroy_notify);
  g_test_add_func ("/func-mutator/finished-job-keeps-no-mutator", test_finished_job_keeps_no_mutator);
  g_test_add_func ("/func-mutator/replaced-mutator-takes-next-attempt", test_replaced_mutator_takes_next_attempt);
  g_test_add_data_func ("/func-mutator/released-job/handlers", GINT_TO_POINTER (FALSE), test_released_job);
  g_test_add_data_func ("/func-mutator/released-job/weak-ref", GINT_TO_POINTER (TRUE), test_released_job);

  return g_test_run ();
}
