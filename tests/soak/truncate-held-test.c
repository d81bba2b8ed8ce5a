/* truncate-held-test.c: a snapshot replaces held sync writes too
 *
 * Found by the soak: a restarted client restores a transaction on a key
 * (so the key is locked before any sync), a first snapshot still holds the
 * key (its write is held), a second snapshot no longer does. When the lock
 * releases, the key must follow the last snapshot: absent. It used to come
 * back from the first one, since the second only deleted keys that already
 * had a synced value.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"

static void
keep_job (SyncobjPersistJob *job,
          gpointer           user_data)
{
  GPtrArray *jobs = user_data;

  g_ptr_array_add (jobs, g_object_ref (job));
}

static void
snapshot (SyncobjSync *sync,
          const char  *record)
{
  g_autoptr(GError) error = NULL;

  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_truncate (sync, &error));
  if (record != NULL)
    g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_INSERT, record, &error));
  g_assert_true (syncobj_sync_commit (sync, &error));
  g_assert_no_error (error);
}

static void
test_truncate_after_held_write (gconstpointer data)
{
  const char *second = data;
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("held");
  g_autoptr(SyncobjMutator) mutator = syncobj_func_mutator_new (keep_job, jobs, NULL);
  g_autoptr(SyncobjCollection) collection = syncobj_collection_new ("held", sync, mutator);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_auto(GStrv) locked = NULL;

  snapshot (sync, NULL);
  syncobj_sync_mark_ready (sync);

  /* x is new and locked by its persisting insert: no synced value. */
  transaction = syncobj_test_insert (collection, "{\"id\": \"x\", \"n\": 0}");
  while (jobs->len == 0)
    g_main_context_iteration (NULL, TRUE);
  locked = syncobj_collection_get_locked_keys (collection);
  g_assert_cmpstrv (locked, ((const char *[]) { "x", NULL }));

  /* The first snapshot has x (held), the second one has it or not. */
  snapshot (sync, "{\"id\": \"x\", \"n\": 1}");
  snapshot (sync, second);

  syncobj_persist_job_complete (g_ptr_array_index (jobs, 0));
  while (!syncobj_transaction_is_finished (transaction))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (syncobj_transaction_get_state (transaction), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);

  if (second == NULL)
    syncobj_test_assert_keys (collection, "");
  else
    {
      syncobj_test_assert_keys (collection, "x");
      syncobj_test_assert_value (collection, "x", second);
    }
}

int
main (int   argc,
      char *argv[])
{
  syncobj_test_init (&argc, &argv);

  g_test_add_data_func ("/sync/truncate/held-write/gone", NULL, test_truncate_after_held_write);
  g_test_add_data_func ("/sync/truncate/held-write/kept", "{\"id\": \"x\", \"n\": 2}", test_truncate_after_held_write);

  return g_test_run ();
}
