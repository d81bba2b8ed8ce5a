/* crash-helper.c: writes transactions to a store, then dies
 *
 * Used by recovery-test and store-test, which read the store back in
 * another process:
 *
 *   crash-helper round-trip PATH
 *     leaves three transactions (persisting with a retry scheduled, queued,
 *     rolled back), flushes, prints each with syncobj_store_test_describe()
 *     separated by lines "---", and exits normally.
 *
 *   crash-helper cross-collection PATH
 *     collections "cross-lists" and "cross-todos" in one store: t1, begun on lists,
 *     writes l1 to lists and t1 to todos and is persisting; t2 writes l2 to
 *     lists (queued behind t1); t3, begun on lists, writes only t2 to todos
 *     (queued behind t1 in todos). Flushes, prints {"t1": ID, "t2": ID,
 *     "t3": ID} and dies with the persist call in flight.
 *
 *   crash-helper crash PATH N_AWAITING HEAD N_QUEUED N_TAIL TAIL_WAIT
 *     N_AWAITING transactions persisted and waiting for their sync echo;
 *     HEAD is "none", "flight-K" (attempt K + 1 running after K failed
 *     ones) or "backoff-K" (K failed attempts, a retry in an hour);
 *     N_QUEUED transactions queued behind it; everything flushed and printed
 *     as one JSON line (the plan). Then N_TAIL more transactions are
 *     committed, each id printed as "tail ID" as soon as it is committed,
 *     and the process kills itself with SIGKILL: at once (TAIL_WAIT 0),
 *     after letting the main loop run a little (1), or after a short busy
 *     wait of random length (2).
 *
 *   crash-helper server-key PATH KILL
 *     collection "server-keyed" (key-source SERVER): an insert without a
 *     key ({"title": "milk"}) is persisting, an update of its temporary
 *     key ({"done": true}) queued behind it; prints "temporary KEY",
 *     "insert ID" and "update ID". KILL "before-answer": flushed and
 *     killed with the POST in flight. KILL "after-answer": the server's
 *     answer ({"id": 7, "title": "milk"}) is given with
 *     syncobj_persist_job_set_created(), the main loop runs once and the
 *     store is flushed, then the process is killed before the job
 *     completes. KILL "after-insert": that answer is given and the insert
 *     completes; killed, flushed, with the update's PATCH in flight.
 *
 *   crash-helper cache PATH N KILL
 *     collection "todos" with a sync: a snapshot of N records {"id": "kI",
 *     "v": "old"} with cursor "old", then a pending update of k1 (title
 *     "edited"), everything flushed and "flushed" printed; then a snapshot
 *     replacing it with N + 1 records {"v": "new"} (cursor "new") and the
 *     process kills itself with SIGKILL: at once (KILL 0), after a busy
 *     wait of random length (1) or once it is flushed (2). KILL 3 and 4:
 *     the second snapshot applies in slices of 50 writes, one per
 *     main-loop iteration, as an HTTP snapshot does (its replacement of
 *     the cache gathered a slice at a time too); killed after a random
 *     number of iterations while it applies (3), or once it is applied
 *     and flushed (4).
 *
 *   crash-helper conflict PATH SERVER
 *     collection "conflicted" (version-member "version") with a sync whose
 *     snapshot is {"id": "k1", "title": "milk", "likes": 1, "version": 1};
 *     an update of k1 ({"title": "oat milk"}) conflicts: SERVER "changed"
 *     reports the server's record {"id": "k1", "title": "milk",
 *     "likes": 5, "version": 2}, "deleted" reports it deleted. The
 *     resolution (rebase, the default) is sent again; with that call in
 *     flight the store is flushed, "update ID" printed and the process
 *     killed.
 *
 *   crash-helper hold PATH
 *     opens the store, prints "open" and keeps it open until its standard
 *     input ends, then exits normally; if the store cannot be opened, prints
 *     "refused MESSAGE" and exits with 1.
 *
 *   crash-helper echoed PATH BEFORE AFTER
 *     collection "echoed" (key-member "_id") with a sync whose snapshot
 *     is the document BEFORE (cursor "1"); an update of it ({"n": 2}) is
 *     persisting when the sync brings AFTER (cursor "2"), the document as
 *     that update's first attempt left it on the server: its echo, held
 *     while the update runs, and cached with the cursor. Flushed, then
 *     "update ID" printed and the process killed before the answer.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "store-test-utils.h"
#include "syncobj-collection-private.h"
#include "syncobj-sync-private.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#define HOUR_MS (3600 * 1000)

static void
advance (guint ms)
{
  _syncobj_scheduler_advance (_syncobj_scheduler_get_default (), ms);
}

static SyncobjPersistJob *
last_job (SyncobjTestBackend *backend)
{
  g_assert_cmpuint (backend->jobs->len, >, 0);
  return g_ptr_array_index (backend->jobs, backend->jobs->len - 1);
}

static void
fail_job (SyncobjPersistJob *job)
{
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                                                 "connection \"refused\"\n\tby the café \\ server\x01");

  syncobj_persist_job_fail (job, error);
  syncobj_store_test_run_pending ();
}

static SyncobjTransaction *
insert (SyncobjCollection *collection,
        const char        *key,
        guint              n)
{
  g_autofree char *json = g_strdup_printf ("{\"id\": \"%s\", \"n\": %u}", key, n);
  g_autoptr(JsonObject) value = syncobj_test_object (json);
  g_autoptr(GError) error = NULL;
  SyncobjTransaction *transaction = syncobj_collection_insert (collection, value, &error);

  g_assert_no_error (error);
  return transaction;
}

static SyncobjCollection *
open_collection (const char         *path,
                 SyncobjStore      **store,
                 SyncobjTestBackend *backend,
                 SyncobjTestBackend *echo)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjMutator) mutator = syncobj_store_test_backend_init (backend);
  SyncobjRetryPolicy *policy;
  SyncobjCollection *collection;

  *store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);

  /* The sync echo never comes: persisted transactions keep waiting. */
  g_object_unref (syncobj_store_test_backend_init (echo));
  syncobj_func_mutator_set_await_sync_func (SYNCOBJ_FUNC_MUTATOR (mutator),
                                            syncobj_store_test_backend_persist, echo, NULL);

  collection = syncobj_collection_new_with_store ("todos", NULL, mutator, *store);
  policy = syncobj_collection_get_retry_policy (collection);
  syncobj_retry_policy_set_initial_delay (policy, HOUR_MS);
  syncobj_retry_policy_set_max_delay (policy, 100 * HOUR_MS);
  syncobj_retry_policy_set_factor (policy, 1.0);
  syncobj_retry_policy_set_jitter (policy, 0.0);

  return collection;
}

static void
snapshot (SyncobjSync *sync,
          guint        n,
          const char  *version)
{
  g_autoptr(GError) error = NULL;

  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_truncate (sync, &error));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"id\": \"k%u\", \"v\": \"%s\"}", i, version);

      g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_INSERT, json, &error));
    }
  g_assert_true (syncobj_sync_commit_with_cursor (sync, version, &error));
  g_assert_no_error (error);
}

/* snapshot() in slices of 50 writes; with @kill_after, the process is
 * killed after that many main-loop iterations if it is still applying. */
static void
snapshot_sliced (SyncobjCollection *collection,
                 SyncobjSync       *sync,
                 guint              n,
                 const char        *version,
                 guint              kill_after)
{
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;

  _syncobj_collection_set_slice_writes (collection, 50);
  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_truncate (sync, &error));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"id\": \"k%u\", \"v\": \"%s\"}", i, version);

      g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_INSERT, json, &error));
    }
  g_assert_true (syncobj_sync_set_cursor (sync, version, &error));
  _syncobj_sync_commit_sliced (sync, syncobj_store_test_sliced_done_cb, &done);
  for (guint i = 0; !done; i++)
    {
      if (kill_after > 0 && i == kill_after)
        kill (getpid (), SIGKILL);
      g_main_context_iteration (NULL, TRUE);
    }
}

static int
cache (const char *path,
       guint       n,
       int         kill_at)
{
  g_autoptr(SyncobjStore) store = NULL;
  SyncobjTestBackend backend = { 0 };
  g_autoptr(SyncobjMutator) mutator = syncobj_store_test_backend_init (&backend);
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("todos-sync");
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) edit = NULL;
  g_autoptr(JsonObject) changes = syncobj_test_object ("{\"title\": \"edited\"}");
  g_autoptr(GError) error = NULL;

  store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  collection = syncobj_collection_new_with_store ("todos", sync, mutator, store);
  snapshot (sync, n, "old");
  syncobj_sync_mark_ready (sync);
  edit = syncobj_collection_update (collection, "k1", changes, &error);
  g_assert_no_error (error);
  syncobj_store_test_wait_for_jobs (&backend, 1);
  syncobj_store_test_flush (store);
  printf ("flushed\n");
  fflush (stdout);

  if (kill_at >= 3)
    snapshot_sliced (collection, sync, n + 1, "new",
                     kill_at == 3 ? (guint) g_random_int_range (1, 2 * (n + 1) / 50) : 0);
  else
    snapshot (sync, n + 1, "new");
  if (kill_at == 1)
    {
      gint64 until = g_get_monotonic_time () + g_random_int_range (0, 200000);

      while (g_get_monotonic_time () < until)
        ;
    }
  else if (kill_at == 2 || kill_at == 4)
    syncobj_store_test_flush (store);
  kill (getpid (), SIGKILL);
  return 1;
}

static int
conflict (const char *path,
          const char *server)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = syncobj_store_new_for_path (path, &error);
  SyncobjTestBackend backend = { 0 };
  g_autoptr(SyncobjMutator) mutator = syncobj_store_test_backend_init (&backend);
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("conflicted-sync");
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(JsonObject) changes = syncobj_test_object ("{\"title\": \"oat milk\"}");
  g_autoptr(JsonNode) current = NULL;
  g_autoptr(SyncobjTransaction) updated = NULL;

  g_assert_no_error (error);
  collection = syncobj_collection_new_with_store ("conflicted", sync, mutator, store);
  syncobj_collection_set_version_member (collection, "version");
  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_INSERT,
                                          "{\"id\": \"k1\", \"title\": \"milk\", \"likes\": 1, \"version\": 1}",
                                          &error));
  g_assert_true (syncobj_sync_commit_with_cursor (sync, "1", &error));
  g_assert_no_error (error);
  syncobj_sync_mark_ready (sync);

  updated = syncobj_collection_update (collection, "k1", changes, &error);
  g_assert_no_error (error);
  syncobj_store_test_wait_for_jobs (&backend, 1);
  syncobj_store_test_flush (store);

  /* "gone": the sync deletes the record while the update is in flight,
   * and the application stops. */
  if (g_str_equal (server, "gone"))
    {
      syncobj_sync_begin (sync);
      g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_DELETE, "{\"id\": \"k1\"}", &error));
      g_assert_true (syncobj_sync_commit_with_cursor (sync, "2", &error));
      g_assert_no_error (error);
      syncobj_store_test_flush (store);
      printf ("update %s\n", syncobj_transaction_get_id (updated));
      fflush (stdout);
      raise (SIGKILL);
    }

  if (g_str_equal (server, "changed"))
    current = json_from_string ("{\"id\": \"k1\", \"title\": \"milk\", \"likes\": 5, \"version\": 2}", NULL);
  syncobj_persist_job_conflict (last_job (&backend), "k1", current);
  syncobj_store_test_wait_for_jobs (&backend, 2);
  g_assert_cmpint (syncobj_transaction_get_state (updated), ==, SYNCOBJ_TRANSACTION_STATE_PERSISTING);
  syncobj_store_test_flush (store);

  printf ("update %s\n", syncobj_transaction_get_id (updated));
  fflush (stdout);
  raise (SIGKILL);
  g_assert_not_reached ();
}

static int
echoed (const char *path,
        const char *before,
        const char *after)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = syncobj_store_new_for_path (path, &error);
  SyncobjTestBackend backend = { 0 };
  g_autoptr(SyncobjMutator) mutator = syncobj_store_test_backend_init (&backend);
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("echoed");
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(JsonObject) changes = syncobj_test_object ("{\"n\": 2}");
  g_autoptr(SyncobjTransaction) updated = NULL;

  g_assert_no_error (error);
  collection = g_object_new (SYNCOBJ_TYPE_COLLECTION, "id", "echoed", "key-member", "_id",
                             "sync", sync, "mutator", mutator, "store", store, NULL);
  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_INSERT, before, &error));
  g_assert_true (syncobj_sync_commit_with_cursor (sync, "1", &error));
  g_assert_no_error (error);
  syncobj_sync_mark_ready (sync);

  updated = syncobj_collection_update (collection, "a", changes, &error);
  g_assert_no_error (error);
  syncobj_store_test_wait_for_jobs (&backend, 1);

  /* The server applied the update; its echo comes before its answer. */
  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_INSERT, after, &error));
  g_assert_true (syncobj_sync_commit_with_cursor (sync, "2", &error));
  g_assert_no_error (error);
  g_assert_cmpint (syncobj_transaction_get_state (updated), ==, SYNCOBJ_TRANSACTION_STATE_PERSISTING);
  syncobj_store_test_flush (store);

  printf ("update %s\n", syncobj_transaction_get_id (updated));
  fflush (stdout);
  raise (SIGKILL);
  g_assert_not_reached ();
}

static int
server_key (const char *path,
            const char *kill_at)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = syncobj_store_new_for_path (path, &error);
  SyncobjTestBackend backend = { 0 };
  g_autoptr(SyncobjMutator) mutator = syncobj_store_test_backend_init (&backend);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(JsonObject) value = syncobj_test_object ("{\"title\": \"milk\"}");
  g_autoptr(JsonObject) changes = syncobj_test_object ("{\"done\": true}");
  g_autoptr(SyncobjTransaction) inserted = NULL;
  g_autoptr(SyncobjTransaction) updated = NULL;
  g_autoptr(SyncobjRecord) record = NULL;
  g_autofree char *temporary_key = NULL;

  g_assert_no_error (error);
  collection = g_object_new (SYNCOBJ_TYPE_COLLECTION, "id", "server-keyed", "key-source", SYNCOBJ_KEY_SOURCE_SERVER,
                             "mutator", mutator, "store", store, NULL);
  inserted = syncobj_collection_insert (collection, value, &error);
  g_assert_no_error (error);
  record = g_list_model_get_item (G_LIST_MODEL (collection), 0);
  temporary_key = g_strdup (syncobj_record_get_key (record));
  updated = syncobj_collection_update (collection, temporary_key, changes, &error);
  g_assert_no_error (error);
  syncobj_store_test_wait_for_jobs (&backend, 1);
  syncobj_store_test_run_pending ();
  g_assert_cmpint (syncobj_transaction_get_state (updated), ==, SYNCOBJ_TRANSACTION_STATE_QUEUED);

  if (!g_str_equal (kill_at, "before-answer"))
    {
      g_autoptr(SyncobjPendingMutation) mutation = g_list_model_get_item (syncobj_transaction_get_mutations (inserted), 0);
      g_autoptr(JsonObject) created = syncobj_test_object ("{\"id\": 7, \"title\": \"milk\"}");

      g_assert_true (syncobj_persist_job_set_created (last_job (&backend), mutation, created, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (syncobj_record_get_key (record), ==, "7");
      g_main_context_iteration (NULL, FALSE);
    }
  if (g_str_equal (kill_at, "after-insert"))
    {
      syncobj_persist_job_complete (last_job (&backend));
      syncobj_store_test_wait_for_jobs (&backend, 2);
      g_assert_cmpint (syncobj_transaction_get_state (inserted), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
    }
  syncobj_store_test_flush (store);

  printf ("temporary %s\ninsert %s\nupdate %s\n", temporary_key, syncobj_transaction_get_id (inserted),
          syncobj_transaction_get_id (updated));
  fflush (stdout);
  raise (SIGKILL);
  g_assert_not_reached ();
}

static int
round_trip (const char *path)
{
  g_autoptr(SyncobjStore) store = NULL;
  SyncobjTestBackend backend = { 0 };
  SyncobjTestBackend echo = { 0 };
  g_autoptr(SyncobjCollection) collection = open_collection (path, &store, &backend, &echo);
  g_autoptr(JsonObject) value = syncobj_test_object ("{\"id\": \"a\", \"title\": \"Milk\", \"n\": 1234567890123}");
  g_autoptr(JsonObject) changes = syncobj_test_object ("{\"title\": \"Oat milk\", \"done\": true}");
  g_autoptr(JsonObject) other = syncobj_test_object ("{\"id\": \"b\", \"title\": \"Bread\", \"tags\": [\"x\", {\"y\": null}]}");
  g_autoptr(JsonObject) metadata = syncobj_test_object ("{\"origin\": \"round-trip\", \"weight\": 2.5}");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjTransaction) first = NULL;
  g_autoptr(SyncobjTransaction) second = NULL;
  g_autoptr(SyncobjTransaction) third = NULL;
  SyncobjTransaction *all[3];

  /* 1: persisting, its first attempt failed, a retry in an hour. */
  first = syncobj_collection_insert (collection, value, &error);
  g_assert_no_error (error);
  syncobj_transaction_set_metadata (first, metadata);

  /* 2: two writes, queued behind 1. */
  second = syncobj_collection_begin (collection);
  g_assert_true (syncobj_transaction_update (second, collection, "a", changes, &error));
  g_assert_true (syncobj_transaction_insert (second, collection, other, &error));
  g_assert_no_error (error);
  g_assert_true (syncobj_transaction_commit (second, &error));

  /* 3: rolled back while queued: history, with its error. */
  third = syncobj_collection_delete (collection, "b", &error);
  g_assert_no_error (error);

  syncobj_store_test_wait_for_jobs (&backend, 1);
  g_assert_true (syncobj_transaction_rollback (third, &error));
  g_assert_no_error (error);
  fail_job (last_job (&backend));
  g_assert_cmpint (syncobj_transaction_get_state (first), ==, SYNCOBJ_TRANSACTION_STATE_PERSISTING);
  g_assert_cmpint (syncobj_transaction_get_state (second), ==, SYNCOBJ_TRANSACTION_STATE_QUEUED);
  g_assert_cmpint (syncobj_transaction_get_state (third), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  syncobj_store_test_flush (store);

  all[0] = first;
  all[1] = second;
  all[2] = third;
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    {
      g_autofree char *text = syncobj_store_test_describe (all[i]);

      printf ("%s\n---\n", text);
    }
  fflush (stdout);

  /* Leave without cleaning up, like an application that quits. */
  _exit (0);
}

static int
cross_collection (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = syncobj_store_new_for_path (path, &error);
  SyncobjTestBackend backend = { 0 };
  g_autoptr(SyncobjMutator) mutator = syncobj_store_test_backend_init (&backend);
  g_autoptr(SyncobjCollection) lists = NULL;
  g_autoptr(SyncobjCollection) todos = NULL;
  g_autoptr(JsonObject) l1 = syncobj_test_object ("{\"id\": \"l1\"}");
  g_autoptr(JsonObject) l2 = syncobj_test_object ("{\"id\": \"l2\"}");
  g_autoptr(JsonObject) todo1 = syncobj_test_object ("{\"id\": \"t1\", \"list\": \"l1\"}");
  g_autoptr(JsonObject) todo2 = syncobj_test_object ("{\"id\": \"t2\", \"list\": \"l2\"}");
  g_autoptr(SyncobjTransaction) t1 = NULL;
  g_autoptr(SyncobjTransaction) t2 = NULL;
  g_autoptr(SyncobjTransaction) t3 = NULL;

  g_assert_no_error (error);
  lists = syncobj_collection_new_with_store ("cross-lists", NULL, mutator, store);
  todos = syncobj_collection_new_with_store ("cross-todos", NULL, NULL, store);

  t1 = syncobj_collection_begin (lists);
  g_assert_true (syncobj_transaction_insert (t1, lists, l1, &error));
  g_assert_true (syncobj_transaction_insert (t1, todos, todo1, &error));
  g_assert_true (syncobj_transaction_commit (t1, &error));
  t2 = syncobj_collection_insert (lists, l2, &error);
  g_assert_no_error (error);
  t3 = syncobj_collection_begin (lists);
  g_assert_true (syncobj_transaction_insert (t3, todos, todo2, &error));
  g_assert_true (syncobj_transaction_commit (t3, &error));
  g_assert_no_error (error);

  syncobj_store_test_wait_for_jobs (&backend, 1);
  g_assert_cmpint (syncobj_transaction_get_state (t1), ==, SYNCOBJ_TRANSACTION_STATE_PERSISTING);
  g_assert_cmpint (syncobj_transaction_get_state (t2), ==, SYNCOBJ_TRANSACTION_STATE_QUEUED);
  g_assert_cmpint (syncobj_transaction_get_state (t3), ==, SYNCOBJ_TRANSACTION_STATE_QUEUED);
  syncobj_store_test_flush (store);

  printf ("{\"t1\": \"%s\", \"t2\": \"%s\", \"t3\": \"%s\"}\n", syncobj_transaction_get_id (t1),
          syncobj_transaction_get_id (t2), syncobj_transaction_get_id (t3));
  fflush (stdout);
  _exit (0);
}

static void
plan_add (JsonBuilder        *builder,
          SyncobjTransaction *transaction,
          const char         *category)
{
  GListModel *mutations = syncobj_transaction_get_mutations (transaction);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, syncobj_transaction_get_id (transaction));
  json_builder_set_member_name (builder, "category");
  json_builder_add_string_value (builder, category);
  json_builder_set_member_name (builder, "current_attempt");
  json_builder_add_int_value (builder, syncobj_transaction_get_current_attempt (transaction));
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, syncobj_transaction_get_state_name (transaction));
  json_builder_set_member_name (builder, "values");
  json_builder_begin_array (builder);
  for (guint i = 0; i < g_list_model_get_n_items (mutations); i++)
    {
      g_autoptr(SyncobjPendingMutation) mutation = g_list_model_get_item (mutations, i);
      JsonNode *node = json_node_alloc ();

      json_node_init_object (node, syncobj_pending_mutation_get_modified (mutation));
      json_builder_add_value (builder, node);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

static int
crash (const char *path,
       guint       n_awaiting,
       const char *head,
       guint       n_queued,
       guint       n_tail,
       guint       tail_wait)
{
  SyncobjStore *store = NULL;
  SyncobjTestBackend backend = { 0 };
  SyncobjTestBackend echo = { 0 };
  SyncobjCollection *collection = open_collection (path, &store, &backend, &echo);
  g_autoptr(JsonBuilder) plan = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *plan_text = NULL;
  g_autoptr(GPtrArray) planned = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) categories = g_ptr_array_new ();
  guint n = 0;

  for (guint i = 0; i < n_awaiting; i++, n++)
    {
      g_autofree char *key = g_strdup_printf ("k%u", n);
      g_autoptr(SyncobjTransaction) transaction = insert (collection, key, n);

      syncobj_store_test_wait_for_jobs (&backend, backend.jobs->len + 1);
      syncobj_persist_job_complete (last_job (&backend));
      syncobj_store_test_run_pending ();
      g_assert_cmpint (syncobj_transaction_get_state (transaction), ==,
                       SYNCOBJ_TRANSACTION_STATE_PERSISTED_AWAITING_SYNC);
      g_ptr_array_add (planned, g_object_ref (transaction));
      g_ptr_array_add (categories, "awaiting");
    }

  if (!g_str_equal (head, "none"))
    {
      gboolean in_flight = g_str_has_prefix (head, "flight-");
      guint failures = (guint) g_ascii_strtoull (strchr (head, '-') + 1, NULL, 10);
      g_autofree char *key = g_strdup_printf ("k%u", n);
      g_autoptr(SyncobjTransaction) transaction = insert (collection, key, n);

      n++;
      if (!in_flight)
        failures = MAX (failures, 1);
      syncobj_store_test_wait_for_jobs (&backend, backend.jobs->len + 1);
      for (guint f = 0; f < failures; f++)
        {
          fail_job (last_job (&backend));
          if (in_flight || f + 1 < failures)
            {
              guint before = backend.jobs->len;

              advance (HOUR_MS);
              g_assert_cmpuint (backend.jobs->len, ==, before + 1);
            }
        }
      g_assert_cmpint (syncobj_transaction_get_state (transaction), ==, SYNCOBJ_TRANSACTION_STATE_PERSISTING);
      g_ptr_array_add (planned, g_object_ref (transaction));
      g_ptr_array_add (categories, in_flight ? "flight" : "backoff");
    }

  for (guint i = 0; i < n_queued; i++, n++)
    {
      g_autofree char *key = g_strdup_printf ("k%u", n);
      g_autoptr(SyncobjTransaction) transaction = NULL;

      if (i % 2 == 1)
        {
          /* Every other one writes two keys. */
          g_autofree char *json = g_strdup_printf ("{\"id\": \"%s\", \"n\": %u}", key, n);
          g_autofree char *json2 = g_strdup_printf ("{\"id\": \"%s-bis\", \"n\": %u}", key, n);
          g_autoptr(JsonObject) value = syncobj_test_object (json);
          g_autoptr(JsonObject) value2 = syncobj_test_object (json2);
          g_autoptr(GError) error = NULL;

          transaction = syncobj_collection_begin (collection);
          g_assert_true (syncobj_transaction_insert (transaction, collection, value, &error));
          g_assert_true (syncobj_transaction_insert (transaction, collection, value2, &error));
          g_assert_true (syncobj_transaction_commit (transaction, &error));
          g_assert_no_error (error);
        }
      else
        transaction = insert (collection, key, n);
      g_ptr_array_add (planned, g_object_ref (transaction));
      g_ptr_array_add (categories, "queued");
    }

  /* The queued ones wait (ordered strategy) or, without a head, one of
   * them persists: let the main loop settle before taking the picture. */
  syncobj_store_test_run_pending ();
  syncobj_store_test_flush (store);
  /* Stored, a queued transaction may start: once more, so that the plan
   * shows what is on disk. */
  syncobj_store_test_run_pending ();
  syncobj_store_test_flush (store);

  json_builder_begin_array (plan);
  for (guint i = 0; i < planned->len; i++)
    plan_add (plan, g_ptr_array_index (planned, i), g_ptr_array_index (categories, i));
  json_builder_end_array (plan);
  root = json_builder_get_root (plan);
  json_generator_set_root (generator, root);
  plan_text = json_generator_to_data (generator, NULL);
  printf ("plan %s\n", plan_text);
  fflush (stdout);

  for (guint i = 0; i < n_tail; i++, n++)
    {
      g_autofree char *key = g_strdup_printf ("k%u", n);
      g_autoptr(SyncobjTransaction) transaction = insert (collection, key, n);

      printf ("tail %s\n", syncobj_transaction_get_id (transaction));
      fflush (stdout);
    }

  switch (tail_wait)
    {
    case 1:
      for (guint i = 0; i < 3; i++)
        g_main_context_iteration (NULL, FALSE);
      break;
    case 2:
      {
        gint64 until = g_get_monotonic_time () + g_random_int_range (0, 3000);

        while (g_get_monotonic_time () < until)
          ;
      }
      break;
    default:
      break;
    }

  raise (SIGKILL);
  g_assert_not_reached ();
}

static int
hold (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = syncobj_store_new_for_path (path, &error);
  char line[16];

  if (store == NULL)
    {
      printf ("refused %s\n", error->message);
      return 1;
    }
  printf ("open\n");
  fflush (stdout);
  while (fgets (line, sizeof line, stdin) != NULL)
    ;
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  _syncobj_scheduler_set_virtual (_syncobj_scheduler_get_default (), TRUE);

  if (argc == 3 && g_str_equal (argv[1], "round-trip"))
    return round_trip (argv[2]);

  if (argc == 3 && g_str_equal (argv[1], "cross-collection"))
    return cross_collection (argv[2]);

  if (argc == 4 && g_str_equal (argv[1], "server-key"))
    return server_key (argv[2], argv[3]);

  if (argc == 4 && g_str_equal (argv[1], "conflict"))
    return conflict (argv[2], argv[3]);

  if (argc == 5 && g_str_equal (argv[1], "echoed"))
    return echoed (argv[2], argv[3], argv[4]);

  if (argc == 5 && g_str_equal (argv[1], "cache"))
    return cache (argv[2], atoi (argv[3]), atoi (argv[4]));

  if (argc == 3 && g_str_equal (argv[1], "hold"))
    return hold (argv[2]);

  if (argc == 8 && g_str_equal (argv[1], "crash"))
    return crash (argv[2], atoi (argv[3]), argv[4], atoi (argv[5]), atoi (argv[6]), atoi (argv[7]));

  fprintf (stderr, "usage: %s round-trip PATH | cross-collection PATH | cache PATH N KILL | server-key PATH KILL | conflict PATH SERVER | hold PATH | echoed PATH BEFORE AFTER | crash PATH N_AWAITING HEAD N_QUEUED N_TAIL TAIL_WAIT\n", argv[0]);
  return 2;
}
