/* sync-test.c: SyncobjSync driven by hand and subclassed, change
 * messages, waiting for keys
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"
#include "syncobj-collection-private.h"
#include "syncobj-sync-private.h"
#include "syncobj-json-util-private.h"

#define RECORDS "[{\"id\": \"a\", \"n\": 0}, {\"id\": \"b\", \"n\": 0}]"

/* ---- a subclass with a start vfunc --------------------------------------- */

#define TEST_TYPE_STARTING_SYNC (test_starting_sync_get_type ())
G_DECLARE_FINAL_TYPE (TestStartingSync, test_starting_sync, TEST, STARTING_SYNC, SyncobjSync)

struct _TestStartingSync
{
  SyncobjSync parent_instance;
  guint       starts;
  guint       stops;
};

G_DEFINE_FINAL_TYPE (TestStartingSync, test_starting_sync, SYNCOBJ_TYPE_SYNC)

static void
test_starting_sync_start (SyncobjSync *sync)
{
  TestStartingSync *self = TEST_STARTING_SYNC (sync);

  self->starts++;
  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_INSERT, "{\"id\": \"s1\"}", NULL));
  g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_INSERT, "{\"id\": \"s2\"}", NULL));
  g_assert_true (syncobj_sync_commit (sync, NULL));
  syncobj_sync_mark_ready (sync);
}

static void
test_starting_sync_stop (SyncobjSync *sync)
{
  TEST_STARTING_SYNC (sync)->stops++;
}

static void
test_starting_sync_class_init (TestStartingSyncClass *klass)
{
  SYNCOBJ_SYNC_CLASS (klass)->start = test_starting_sync_start;
  SYNCOBJ_SYNC_CLASS (klass)->stop = test_starting_sync_stop;
}

static void
test_starting_sync_init (TestStartingSync *self)
{
}

static void
test_subclass_start (void)
{
  g_autoptr(TestStartingSync) sync = g_object_new (TEST_TYPE_STARTING_SYNC, "id", "starting", NULL);
  SyncobjCollection *collection = syncobj_collection_new ("starting", SYNCOBJ_SYNC (sync), NULL);

  g_assert_cmpuint (sync->starts, ==, 1);
  g_assert_true (syncobj_collection_get_ready (collection));
  g_assert_true (syncobj_sync_get_ready (SYNCOBJ_SYNC (sync)));
  g_assert_true (syncobj_sync_get_collection (SYNCOBJ_SYNC (sync)) == collection);
  syncobj_test_assert_keys (collection, "s1 s2");

  g_object_unref (collection);
  g_assert_cmpuint (sync->stops, ==, 1);
  g_assert_null (syncobj_sync_get_collection (SYNCOBJ_SYNC (sync)));
}

/* ---- a plain sync driven by hand ------------------------------------------- */

static void
test_plain_writes (void)
{
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("plain");
  g_autoptr(SyncobjCollection) collection = syncobj_collection_new ("plain", sync, NULL);
  g_autoptr(SyncobjRecord) record = NULL;

  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_INSERT, "{\"id\": \"a\", \"x\": 1, \"y\": 1}", NULL));
  g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_INSERT, "{\"id\": \"b\"}", NULL));
  g_assert_true (syncobj_sync_commit (sync, NULL));
  syncobj_test_assert_keys (collection, "a b");

  /* update merges members; insert replaces the whole record. */
  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_UPDATE, "{\"id\": \"a\", \"y\": 2}", NULL));
  g_assert_true (syncobj_sync_commit (sync, NULL));
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"x\": 1, \"y\": 2}");

  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_INSERT, "{\"id\": \"a\", \"z\": 3}", NULL));
  g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_DELETE, "{\"id\": \"b\"}", NULL));
  g_assert_true (syncobj_sync_commit (sync, NULL));
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"z\": 3}");
  syncobj_test_assert_keys (collection, "a");

  record = syncobj_collection_lookup (collection, "a");
  syncobj_test_assert_json (syncobj_record_get_synced_value (record), "{\"id\": \"a\", \"z\": 3}");
  g_assert_false (syncobj_record_get_pending (record));
}

static void
test_commits_before_attach (void)
{
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("early");
  g_autoptr(SyncobjCollection) collection = NULL;

  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_INSERT, "{\"id\": \"early\"}", NULL));
  g_assert_true (syncobj_sync_commit (sync, NULL));
  syncobj_sync_mark_ready (sync);

  collection = syncobj_collection_new ("early", sync, NULL);
  syncobj_test_assert_keys (collection, "early");
  g_assert_true (syncobj_collection_get_ready (collection));
}

static void
test_write_value_is_sealed (void)
{
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("sealed");
  g_autoptr(SyncobjCollection) collection = syncobj_collection_new ("sealed", sync, NULL);
  g_autoptr(JsonObject) value = syncobj_test_object ("{\"id\": \"a\"}");

  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_write (sync, SYNCOBJ_MUTATION_TYPE_INSERT, value, NULL));
  g_assert_true (json_object_is_immutable (value));
  g_assert_true (syncobj_sync_commit (sync, NULL));
}

static void
committed_cb (SyncobjSync *sync,
              guint        n_writes,
              GArray      *seen)
{
  g_array_append_val (seen, n_writes);
}

static void
test_committed_signal (void)
{
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("signal");
  g_autoptr(SyncobjCollection) collection = syncobj_collection_new ("signal", sync, NULL);
  g_autoptr(GArray) seen = g_array_new (FALSE, FALSE, sizeof (guint));

  g_signal_connect (sync, "committed", G_CALLBACK (committed_cb), seen);
  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_INSERT, "{\"id\": \"a\"}", NULL));
  g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_INSERT, "{\"id\": \"b\"}", NULL));
  g_assert_cmpuint (seen->len, ==, 0);
  g_assert_true (syncobj_sync_commit (sync, NULL));
  g_assert_cmpuint (seen->len, ==, 1);
  g_assert_cmpuint (g_array_index (seen, guint, 0), ==, 2);
}

static void
test_mark_error (void)
{
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("error");
  g_autoptr(SyncobjCollection) collection = syncobj_collection_new ("error", sync, NULL);
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "connection closed");
  g_autoptr(SyncobjTestNotify) notified = syncobj_test_notify_new (sync, "error");

  g_assert_null (syncobj_sync_get_error (sync));
  syncobj_sync_mark_error (sync, error);
  g_assert_error ((GError *) syncobj_sync_get_error (sync), G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_assert_cmpuint (syncobj_test_notify_count (notified), ==, 1);
  g_assert_cmpuint (syncobj_collection_get_size (collection), ==, 0);
}

/* ---- change messages ----------------------------------------------------------- */

static void
test_apply_json_messages (void)
{
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("messages");
  g_autoptr(SyncobjCollection) collection = syncobj_collection_new ("messages", sync, NULL);
  g_autoptr(SyncobjTestItemsChanged) changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));
  g_autoptr(GError) error = NULL;

  g_assert_true (syncobj_sync_apply_json (sync, "{\"type\": \"insert\", \"value\": {\"id\": \"a\", \"n\": 1}}", -1, &error));
  g_assert_no_error (error);
  g_assert_true (syncobj_sync_apply_json (sync,
                                          "[{\"type\": \"insert\", \"value\": {\"id\": \"b\"}},"
                                          " {\"type\": \"update\", \"value\": {\"id\": \"a\", \"n\": 2}}]",
                                          -1, &error));
  g_assert_no_error (error);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 2}");

  g_assert_true (syncobj_sync_apply_json (sync, "{\"type\": \"delete\", \"key\": \"b\"}", -1, &error));
  g_assert_true (syncobj_sync_apply_json (sync, "{\"type\": \"delete\", \"value\": {\"id\": \"a\"}}", -1, &error));
  g_assert_no_error (error);
  syncobj_test_assert_keys (collection, "");
  syncobj_test_items_changed_assert (changes, "0,0,1 1,0,1 0,1,1 1,1,0 0,1,0");
}

/* The visible value of @key as compact text, members in their order. */
static char *
value_text (SyncobjCollection *collection,
            const char        *key)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (),
                                                    syncobj_collection_lookup_value (collection, key));

  return json_to_string (node, FALSE);
}

/* Records from JSON text stay compact text through change messages and
 * text writes; what a write leaves is what merging its record gives. */
static void
test_apply_json_text_records (void)
{
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("text");
  g_autoptr(SyncobjCollection) collection = syncobj_collection_new ("text", sync, NULL);
  g_autoptr(SyncobjTestItemsChanged) changes = NULL;
  g_autoptr(GError) error = NULL;
  struct { const char *key, *expected; } values[] = {
    { "a", "{\"n\":2,\"id\":\"a\",\"s\":\"y\"}" },    /* sets every member: its order */
    { "b", "{\"id\":\"b\",\"n\":3,\"s\":\"x\"}" },    /* merged into the record */
    { "c", "{\"id\":\"c\",\"t\":true}" },             /* an insert replaces */
    { "d", "{\"id\":\"d\",\"n\":1,\"s\":\"x\"}" },    /* the same record again */
    { "e", "{\"id\":\"e\",\"n\":5,\"s\":\"x\"}" },    /* a member name with an escape */
    { "f", "{\"id\":\"f\",\"n\":6,\"s\":\"a b\"}" },  /* text with whitespace */
    { "7", "{\"id\":7,\"n\":7}" },                    /* an integer key */
  };

  g_assert_true (syncobj_sync_load_json_array (sync,
                                               "[{\"id\":\"a\",\"n\":1,\"s\":\"x\"},{\"id\":\"b\",\"n\":1,\"s\":\"x\"},"
                                               "{\"id\":\"c\",\"n\":1,\"s\":\"x\"},{\"id\":\"d\",\"n\":1,\"s\":\"x\"},"
                                               "{\"id\":\"e\",\"n\":1,\"s\":\"x\"},{\"id\":\"f\",\"n\":1,\"s\":\"x\"},"
                                               "{\"id\":7,\"n\":1}]", -1, &error));
  g_assert_no_error (error);
  changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));

  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_apply_json (sync,
                                          "[{\"type\":\"update\",\"value\":{\"n\":2,\"id\":\"a\",\"s\":\"y\"}},"
                                          "{\"type\":\"update\",\"value\":{\"id\":\"b\",\"n\":3}},"
                                          "{\"value\":{\"id\":\"c\",\"t\":true},\"type\":\"insert\"},"
                                          "{\"type\":\"update\",\"value\":{\"id\":\"d\",\"n\":1,\"s\":\"x\"}},"
                                          "{\"type\":\"update\",\"value\":{\"id\":\"e\",\"\\u006e\":5,\"s\":\"x\"}}]",
                                          -1, &error));
  g_assert_no_error (error);
  g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_UPDATE,
                                          " { \"id\" : \"f\" ,\n \"n\" : 6 , \"s\" : \"a b\" } ", &error));
  g_assert_no_error (error);
  g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_UPDATE, "{\"id\":7,\"n\":7}", &error));
  g_assert_no_error (error);
  g_assert_true (syncobj_sync_commit (sync, &error));
  g_assert_no_error (error);

  /* d did not change: two ranges. */
  syncobj_test_items_changed_assert (changes, "0,3,3 4,3,3");
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autofree char *text = value_text (collection, values[i].key);

      g_assert_cmpstr (text, ==, values[i].expected);
    }

  /* Text the scanner does not take is refused as before, naming why. */
  syncobj_sync_begin (sync);
  g_assert_false (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_UPDATE, "{\"n\":1}", &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD);
  g_clear_error (&error);
  g_assert_false (syncobj_sync_apply_json (sync, "[{\"type\":\"update\",\"value\":{\"id\":\"a\"}},{\"type\":\"move\"}]",
                                           -1, &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "Sync message 1"));
  g_assert_true (syncobj_sync_commit (sync, NULL));
}

static void
test_apply_json_joins_open_commit (void)
{
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("open-commit");
  g_autoptr(SyncobjCollection) collection = syncobj_collection_new ("open-commit", sync, NULL);
  g_autoptr(SyncobjTestItemsChanged) changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));

  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_INSERT, "{\"id\": \"a\"}", NULL));
  g_assert_true (syncobj_sync_apply_json (sync, "[{\"type\": \"insert\", \"value\": {\"id\": \"b\"}}]", -1, NULL));
  syncobj_test_assert_keys (collection, "");
  g_assert_true (syncobj_sync_commit (sync, NULL));
  syncobj_test_items_changed_assert (changes, "0,0,2");
}

static void
test_truncate_keeps_optimistic (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  SyncobjSync *sync = syncobj_sync_control_get_sync (control);
  g_autoptr(SyncobjTransaction) transaction = NULL;

  syncobj_sync_control_set_network_delay (control, 100);
  transaction = syncobj_test_insert (collection, "{\"id\": \"mine\"}");

  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_truncate (sync, NULL));
  g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_INSERT, "{\"id\": \"b\", \"n\": 5}", NULL));
  g_assert_true (syncobj_sync_commit (sync, NULL));

  /* a is gone from the server; the optimistic insert stays on top. */
  syncobj_test_assert_keys (collection, "b mine");
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\", \"n\": 5}");
  syncobj_test_drain (control, collection);
  syncobj_test_assert_keys (collection, "b mine");
}

/* ---- sliced commits ---------------------------------------------------------------- */

#define SIX_RECORDS "[{\"id\": \"a\", \"n\": 0}, {\"id\": \"b\", \"n\": 0}, {\"id\": \"c\", \"n\": 0}," \
                    " {\"id\": \"d\", \"n\": 0}, {\"id\": \"e\", \"n\": 0}, {\"id\": \"f\", \"n\": 0}]"

static void
sliced_done_cb (SyncobjSync  *sync,
                const GError *error,
                gpointer      user_data)
{
  GError **result = user_data;

  g_assert_null (*result);
  *result = error != NULL ? g_error_copy (error) : g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "applied");
}

static void
write_n (SyncobjSync *sync,
         const char  *key,
         guint        n)
{
  g_autofree char *json = g_strdup_printf ("{\"id\": \"%s\", \"n\": %u}", key, n);

  g_assert_true (syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_INSERT, json, NULL));
}

/* Whether the visible value of @key has "n": @n. */
static gboolean
shows_n (SyncobjCollection *collection,
         const char        *key,
         gint64             n)
{
  JsonObject *value = syncobj_collection_lookup_value (collection, key);

  return value != NULL && json_object_get_int_member_with_default (value, "n", -1) == n;
}

/* A snapshot applied two writes per main-loop iteration: a local update
 * made before its record's slice composes with the new synced value, and
 * a sync change to a record the snapshot has not reached yet waits for
 * the rest of the snapshot's slices and applies after it, not before. An unchanged record
 * keeps its object and position and is never announced. */
static void
test_sliced_writes_meanwhile (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (SIX_RECORDS, SYNCOBJ_STRATEGY_PARALLEL, &control);
  SyncobjSync *sync = syncobj_sync_control_get_sync (control);
  g_autoptr(SyncobjRecord) b = syncobj_collection_lookup (collection, "b");
  g_autoptr(SyncobjRecord) b_again = NULL;
  g_autoptr(SyncobjTestNotify) b_value = syncobj_test_notify_new (b, "value");
  g_autoptr(SyncobjTestShadow) shadow = syncobj_test_shadow_new (G_LIST_MODEL (collection));
  g_autoptr(SyncobjTestItemsChanged) changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));
  g_autoptr(GArray) committed = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(GError) done = NULL;

  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_signal_connect (sync, "committed", G_CALLBACK (committed_cb), committed);
  syncobj_sync_control_set_network_delay (control, 100);
  _syncobj_collection_set_slice_writes (collection, 2);

  /* a changes, b and e stay, c and f go, g and h are new. */
  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_truncate (sync, NULL));
  write_n (sync, "a", 1);
  write_n (sync, "b", 0);
  write_n (sync, "d", 1);
  write_n (sync, "e", 0);
  write_n (sync, "g", 0);
  write_n (sync, "h", 0);
  /* The first slice, at once: the deletions, a and b. */
  _syncobj_sync_commit_sliced (sync, sliced_done_cb, &done);
  syncobj_test_assert_keys (collection, "a b d e");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 1}");
  g_assert_null (done);
  g_assert_cmpuint (committed->len, ==, 0);
  transaction = syncobj_test_update (collection, "d", "{\"x\": 1}");
  syncobj_test_assert_value (collection, "d", "{\"id\": \"d\", \"n\": 0, \"x\": 1}");

  /* The second: d (under the local update) and e. */
  while (!shows_n (collection, "d", 1))
    g_main_context_iteration (NULL, TRUE);
  syncobj_test_assert_value (collection, "d", "{\"id\": \"d\", \"n\": 1, \"x\": 1}");
  syncobj_test_assert_keys (collection, "a b d e");
  g_assert_null (done);

  /* A change to g waits behind the snapshot, whose g and h come first,
   * still a slice at a time. */
  syncobj_sync_begin (sync);
  write_n (sync, "g", 5);
  g_assert_true (syncobj_sync_commit (sync, NULL));
  g_assert_null (done);
  syncobj_test_assert_keys (collection, "a b d e");
  g_assert_cmpuint (committed->len, ==, 0);
  while (done == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (done, G_IO_ERROR, G_IO_ERROR_EXISTS);
  syncobj_test_assert_keys (collection, "a b d e g h");
  syncobj_test_assert_value (collection, "g", "{\"id\": \"g\", \"n\": 5}");
  syncobj_test_assert_value (collection, "h", "{\"id\": \"h\", \"n\": 0}");
  g_assert_cmpuint (committed->len, ==, 2);
  g_assert_cmpuint (g_array_index (committed, guint, 0), ==, 6);
  g_assert_cmpuint (g_array_index (committed, guint, 1), ==, 1);

  /* b: the same record, at position 1, never announced. */
  b_again = g_list_model_get_item (G_LIST_MODEL (collection), 1);
  g_assert_true (b_again == b);
  g_assert_cmpuint (syncobj_test_notify_count (b_value), ==, 0);
  for (guint i = 0; i < changes->changes->len; i += 3)
    {
      guint position = g_array_index (changes->changes, guint, i);
      guint removed = g_array_index (changes->changes, guint, i + 1);

      g_assert_false (position <= 1 && 1 < position + MAX (removed, 1));
    }
  syncobj_test_shadow_assert (shadow);
  syncobj_test_drain (control, collection);
}

typedef struct
{
  SyncobjCollection *collection;
  GString           *seen;       /* "N:a=V " per ::committed */
} CommitLog;

static void
commit_log_cb (SyncobjSync *sync,
               guint        n_writes,
               CommitLog   *log)
{
  JsonObject *a = syncobj_collection_lookup_value (log->collection, "a");

  g_string_append_printf (log->seen, "%u:a=%" G_GINT64_FORMAT " ", n_writes,
                          a != NULL ? json_object_get_int_member_with_default (a, "n", -1) : -1);
}

static void
keys_written_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  CommitLog *log = user_data;
  JsonObject *z = syncobj_collection_lookup_value (log->collection, "z");

  g_assert_true (syncobj_sync_wait_for_keys_finish (SYNCOBJ_SYNC (source), result, NULL));
  g_string_append_printf (log->seen, "z=%" G_GINT64_FORMAT " ", z != NULL ? json_object_get_int_member (z, "n") : -1);
}

/* Commits made while a snapshot is applied in slices wait behind it, a
 * sliced one among them too: each applies in its turn, in the order they
 * were made, the snapshot keeps its slices, and ::committed and the
 * waiters of their keys come once each applied. */
static void
test_sliced_commits_wait (void)
{
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("sliced");
  g_autoptr(SyncobjCollection) collection = syncobj_collection_new ("sliced", sync, NULL);
  g_autoptr(GString) seen = g_string_new (NULL);
  CommitLog log = { collection, seen };
  g_autoptr(GError) first = NULL;
  g_autoptr(GError) second = NULL;
  guint iterations = 0;

  g_signal_connect (sync, "committed", G_CALLBACK (commit_log_cb), &log);
  _syncobj_collection_set_slice_writes (collection, 1);

  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_truncate (sync, NULL));
  write_n (sync, "a", 1);
  write_n (sync, "b", 1);
  write_n (sync, "c", 1);
  _syncobj_sync_commit_sliced (sync, sliced_done_cb, &first);
  syncobj_test_assert_keys (collection, "a");

  /* A change to a, a snapshot without b and c, a change to z. */
  syncobj_sync_begin (sync);
  write_n (sync, "a", 2);
  g_assert_true (syncobj_sync_commit (sync, NULL));
  syncobj_sync_begin (sync);
  g_assert_true (syncobj_sync_truncate (sync, NULL));
  write_n (sync, "a", 3);
  write_n (sync, "y", 0);
  _syncobj_sync_commit_sliced (sync, sliced_done_cb, &second);
  syncobj_sync_begin (sync);
  write_n (sync, "z", 4);
  g_assert_true (syncobj_sync_commit (sync, NULL));
  syncobj_sync_wait_for_keys_async (sync, (const char *[]) { "z", NULL }, 0, NULL, keys_written_cb, &log);

  /* Nothing forced: the first snapshot still takes a slice per write. */
  syncobj_test_assert_keys (collection, "a");
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 1}");
  g_assert_cmpstr (seen->str, ==, "");
  while (first == NULL)
    {
      g_main_context_iteration (NULL, TRUE);
      iterations++;
    }
  g_assert_cmpuint (iterations, >=, 2);
  g_assert_error (first, G_IO_ERROR, G_IO_ERROR_EXISTS);
  /* The change to a applied right after the first snapshot, and the
   * second snapshot's first slice. */
  g_assert_cmpstr (seen->str, ==, "3:a=1 1:a=2 ");
  g_assert_null (second);

  while (second == NULL || strstr (seen->str, "z=") == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (second, G_IO_ERROR, G_IO_ERROR_EXISTS);
  /* z shows 4 when its waiter wakes, before ::committed. */
  g_assert_cmpstr (seen->str, ==, "3:a=1 1:a=2 2:a=3 z=4 1:a=3 ");
  syncobj_test_assert_keys (collection, "a y z");
  syncobj_test_assert_value (collection, "z", "{\"id\": \"z\", \"n\": 4}");
}

/* A collection that goes while its sliced commit is under way tells the
 * sync that it was cancelled. */
static void
test_sliced_collection_goes (void)
{
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("sliced");
  SyncobjCollection *collection = syncobj_collection_new ("sliced", sync, NULL);
  g_autoptr(GArray) committed = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GError) done = NULL;

  g_signal_connect (sync, "committed", G_CALLBACK (committed_cb), committed);
  _syncobj_collection_set_slice_writes (collection, 1);
  syncobj_sync_begin (sync);
  write_n (sync, "a", 1);
  write_n (sync, "b", 1);
  _syncobj_sync_commit_sliced (sync, sliced_done_cb, &done);
  g_assert_cmpuint (syncobj_collection_get_size (collection), ==, 1);
  g_assert_null (done);

  g_object_unref (collection);
  g_assert_error (done, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (committed->len, ==, 0);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* ---- waiting for keys -------------------------------------------------------------- */

static void
wait_for_keys_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GError **error = user_data;

  if (syncobj_sync_wait_for_keys_finish (SYNCOBJ_SYNC (source), result, error))
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "all keys arrived");
}

static void
test_wait_for_keys_success (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  SyncobjSync *sync = syncobj_sync_control_get_sync (control);
  const char *keys[] = { "a", "c", NULL };
  g_autoptr(GError) result = NULL;

  syncobj_sync_wait_for_keys_async (sync, keys, 10000, NULL, wait_for_keys_cb, &result);
  syncobj_test_emit_update (control, "{\"id\": \"a\", \"n\": 1}");
  syncobj_sync_control_run_pending (control);
  g_assert_null (result);

  syncobj_test_emit_update (control, "{\"id\": \"c\", \"n\": 1}");
  syncobj_sync_control_run_pending (control);
  g_assert_error (result, G_IO_ERROR, G_IO_ERROR_EXISTS);

  /* The timeout was dropped with the wait. */
  g_clear_error (&result);
  syncobj_sync_control_advance (control, 20000);
  g_assert_null (result);
}

static void
test_wait_for_keys_timeout (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  SyncobjSync *sync = syncobj_sync_control_get_sync (control);
  const char *keys[] = { "a", "b", NULL };
  g_autoptr(GError) result = NULL;

  syncobj_sync_wait_for_keys_async (sync, keys, 5000, NULL, wait_for_keys_cb, &result);
  syncobj_test_emit_update (control, "{\"id\": \"a\", \"n\": 1}");
  syncobj_sync_control_advance (control, 4999);
  g_assert_null (result);

  syncobj_sync_control_advance (control, 1);
  g_assert_error (result, SYNCOBJ_ERROR, SYNCOBJ_ERROR_TIMEOUT);
}

/* A wait that times out while the sync has an error names that error:
 * the reason nothing came. */
static void
test_wait_for_keys_timeout_names_the_sync_error (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  SyncobjSync *sync = syncobj_sync_control_get_sync (control);
  const char *keys[] = { "z", NULL };
  g_autoptr(GError) sync_error = g_error_new_literal (SYNCOBJ_ERROR, SYNCOBJ_ERROR_FAILED, "the feed was refused");
  g_autoptr(GError) result = NULL;

  syncobj_sync_mark_error (sync, sync_error);
  syncobj_sync_wait_for_keys_async (sync, keys, 1000, NULL, wait_for_keys_cb, &result);
  syncobj_sync_control_advance (control, 1000);
  g_assert_error (result, SYNCOBJ_ERROR, SYNCOBJ_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (result->message, "the feed was refused"));
}

static void
test_wait_for_keys_held_writes_count (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  SyncobjSync *sync = syncobj_sync_control_get_sync (control);
  const char *keys[] = { "a", NULL };
  g_autoptr(GError) result = NULL;
  g_autoptr(SyncobjTransaction) transaction = NULL;

  syncobj_sync_control_set_network_delay (control, 100);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  syncobj_sync_control_run_pending (control);
  syncobj_test_assert_locked_keys (collection, "a");

  syncobj_sync_wait_for_keys_async (sync, keys, 0, NULL, wait_for_keys_cb, &result);
  syncobj_test_emit_update (control, "{\"id\": \"a\", \"n\": 7}");
  syncobj_sync_control_run_pending (control);
  g_assert_error (result, G_IO_ERROR, G_IO_ERROR_EXISTS);
  syncobj_test_drain (control, collection);
}

static void
test_wait_for_keys_cancelled (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  SyncobjSync *sync = syncobj_sync_control_get_sync (control);
  const char *keys[] = { "a", NULL };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) result = NULL;

  syncobj_sync_wait_for_keys_async (sync, keys, 0, cancellable, wait_for_keys_cb, &result);
  g_cancellable_cancel (cancellable);
  g_assert_null (result);
  syncobj_sync_control_run_pending (control);
  g_assert_error (result, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_wait_for_no_keys (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  const char *keys[] = { NULL };
  g_autoptr(GError) result = NULL;

  syncobj_sync_wait_for_keys_async (syncobj_sync_control_get_sync (control), keys, 0, NULL, wait_for_keys_cb, &result);
  syncobj_sync_control_run_pending (control);
  g_assert_error (result, G_IO_ERROR, G_IO_ERROR_EXISTS);
}

static void
test_wait_for_keys_cancelled_on_thread_default_context (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) result = NULL;
  const char *keys[] = { "a", NULL };

  g_main_context_push_thread_default (context);
  {
    g_autoptr(SyncobjSyncControl) control = NULL;
    g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);

    syncobj_sync_wait_for_keys_async (syncobj_sync_control_get_sync (control), keys, 0, cancellable,
                                      wait_for_keys_cb, &result);
    g_cancellable_cancel (cancellable);
    /* Dispatches the thread-default context, where everything lives. */
    syncobj_sync_control_run_pending (control);
    g_assert_error (result, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }
  g_main_context_pop_thread_default (context);
}

static void
test_test_collection_from_json_text (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjCollection) collection =
    syncobj_test_collection_new_from_json ("[{\"id\": \"a\", \"n\": 1}, {\"id\": \"b\", \"n\": 2}]",
                                           SYNCOBJ_STRATEGY_PARALLEL, &control, &error);
  g_autoptr(SyncobjCollection) bad = NULL;
  g_autoptr(SyncobjTransaction) transaction = NULL;

  g_assert_no_error (error);
  g_assert_true (syncobj_collection_get_ready (collection));
  g_assert_cmpint (syncobj_collection_get_strategy (collection), ==, SYNCOBJ_STRATEGY_PARALLEL);
  syncobj_test_assert_keys (collection, "a b");
  syncobj_test_assert_value (collection, "b", "{\"id\": \"b\", \"n\": 2}");
  transaction = syncobj_test_update (collection, "a", "{\"n\": 5}");
  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 100, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 5}");

  /* Not an array of records: a clear error, no collection. */
  bad = syncobj_test_collection_new_from_json ("[{\"id\": \"a\"}, {\"title\": \"no key\"}]",
                                               SYNCOBJ_STRATEGY_ORDERED, NULL, &error);
  g_assert_null (bad);
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE);
  g_clear_error (&error);
  bad = syncobj_test_collection_new_from_json ("{\"id\": \"a\"", SYNCOBJ_STRATEGY_ORDERED, NULL, &error);
  g_assert_null (bad);
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE);
}

/* The control is optional, as for the JSON-text form: without one the
 * collection is ready and its writes reach the played server. */
static void
test_test_collection_without_control (void)
{
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_new (NULL, SYNCOBJ_STRATEGY_ORDERED, NULL);
  g_autoptr(SyncobjCollection) named = syncobj_test_collection_new_for_id ("no-control", NULL,
                                                                           SYNCOBJ_STRATEGY_PARALLEL, NULL);
  g_autoptr(SyncobjTransaction) insert = NULL;

  g_assert_true (syncobj_collection_get_ready (collection));
  g_assert_true (syncobj_collection_get_ready (named));
  g_assert_cmpstr (syncobj_collection_get_id (named), ==, "no-control");
  insert = syncobj_test_insert (collection, "{\"id\": \"a\"}");
  syncobj_test_assert_keys (collection, "a");
  while (!syncobj_transaction_is_finished (insert))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (syncobj_transaction_get_state (insert), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
}

/* Without auto-echo the test sends echoes by hand; one that never comes
 * makes the transaction wait 30 s of virtual time, then it completes (the
 * server has it), as with any mutator. */
static void
test_test_harness_echo_timeout (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection =
    syncobj_test_collection_from_json ("[{\"id\": \"a\", \"n\": 0}]", SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;

  syncobj_sync_control_set_auto_echo (control, FALSE);
  syncobj_sync_control_set_network_delay (control, 100);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  syncobj_sync_control_advance (control, 100);
  g_assert_cmpint (syncobj_transaction_get_state (transaction), ==, SYNCOBJ_TRANSACTION_STATE_PERSISTED_AWAITING_SYNC);
  syncobj_sync_control_advance (control, 29999);
  g_assert_cmpint (syncobj_transaction_get_state (transaction), ==, SYNCOBJ_TRANSACTION_STATE_PERSISTED_AWAITING_SYNC);
  syncobj_sync_control_advance (control, 1);
  g_assert_cmpint (syncobj_transaction_get_state (transaction), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  /* Its optimistic layer went with it: what shows is what the sync
   * delivered, until the server's state arrives. */
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 0}");
}

/* One key, short (kept in the waiter) or long (copied): a longer key that
 * starts with it or a shorter one it starts with is another key. */
static void
test_wait_for_one_key (void)
{
  const char *long_key = "a-key-longer-than-the-thirty-one-bytes-kept-inline";
  g_autofree char *records = g_strdup_printf ("[{\"id\": \"a\", \"n\": 0}, {\"id\": \"%s\", \"n\": 0}, "
                                              "{\"id\": \"ab\", \"n\": 0}]", long_key);
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (records, SYNCOBJ_STRATEGY_ORDERED, &control);
  SyncobjSync *sync = syncobj_sync_control_get_sync (control);
  const char *short_keys[] = { "a", NULL };
  const char *long_keys[] = { long_key, NULL };
  g_autoptr(GError) short_result = NULL;
  g_autoptr(GError) long_result = NULL;
  g_autofree char *long_update = g_strdup_printf ("{\"id\": \"%s\", \"n\": 1}", long_key);

  syncobj_sync_wait_for_keys_async (sync, short_keys, 10000, NULL, wait_for_keys_cb, &short_result);
  syncobj_sync_wait_for_keys_async (sync, long_keys, 10000, NULL, wait_for_keys_cb, &long_result);
  syncobj_test_emit_update (control, "{\"id\": \"ab\", \"n\": 1}");
  syncobj_sync_control_run_pending (control);
  g_assert_null (short_result);
  g_assert_null (long_result);

  syncobj_test_emit_update (control, "{\"id\": \"a\", \"n\": 1}");
  syncobj_sync_control_run_pending (control);
  g_assert_error (short_result, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_null (long_result);

  syncobj_test_emit_update (control, long_update);
  syncobj_sync_control_run_pending (control);
  g_assert_error (long_result, G_IO_ERROR, G_IO_ERROR_EXISTS);
}

/* Whether an echo sets what an update set: _syncobj_json_same_update(). */
static void
test_echo_same_update (void)
{
  static const struct {
    const char *base, *a, *b;
    gboolean    same;
  } cases[] = {
    /* The usual echo: the update's members and the key. */
    { "{\"id\": \"a\", \"n\": 0, \"t\": \"x\"}", "{\"n\": 1}", "{\"n\": 1, \"id\": \"a\"}", TRUE },
    { "{\"id\": \"a\", \"n\": 0, \"t\": \"x\"}", "{\"n\": 1}", "{\"n\": 2, \"id\": \"a\"}", FALSE },
    { "{\"id\": \"a\", \"n\": 0, \"t\": \"x\"}", "{\"n\": 1}", "{\"n\": 1, \"id\": \"b\"}", FALSE },
    /* Of the same JSON type only. */
    { "{\"id\": \"a\", \"n\": 0}", "{\"n\": 1}", "{\"n\": 1.0}", FALSE },
    /* A member only one sets must keep the base's value. */
    { "{\"id\": \"a\", \"n\": 0, \"t\": \"x\"}", "{\"n\": 1, \"t\": \"x\"}", "{\"n\": 1}", TRUE },
    { "{\"id\": \"a\", \"n\": 0, \"t\": \"x\"}", "{\"n\": 1, \"t\": \"y\"}", "{\"n\": 1}", FALSE },
    { "{\"id\": \"a\", \"n\": 0, \"t\": \"x\"}", "{\"n\": 1}", "{\"n\": 1, \"t\": \"y\"}", FALSE },
    { "{\"id\": \"a\", \"n\": 0, \"t\": \"x\"}", "{\"t\": \"x\"}", "{\"n\": 0}", TRUE },
    /* A member the base lacks, on either side. */
    { "{\"id\": \"a\", \"n\": 0}", "{\"n\": 1, \"new\": 1}", "{\"n\": 1, \"new\": 1}", FALSE },
    { "{\"id\": \"a\", \"n\": 0}", "{\"n\": 1, \"new\": 1}", "{\"n\": 1}", FALSE },
    { "{\"id\": \"a\", \"n\": 0}", "{\"n\": 1}", "{\"n\": 1, \"new\": 1}", FALSE },
    /* Nothing set on either side. */
    { "{\"id\": \"a\"}", "{}", "{}", TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonObject) base = syncobj_test_object (cases[i].base);
      g_autoptr(JsonObject) a = syncobj_test_object (cases[i].a);
      g_autoptr(JsonObject) b = syncobj_test_object (cases[i].b);

      g_test_message ("case %u", i);
      g_assert_cmpint (_syncobj_json_same_update (base, a, b), ==, cases[i].same);
      g_assert_cmpint (_syncobj_json_same_update (base, b, a), ==, cases[i].same);
    }
}

int
main (int argc, char *argv[])
{
  syncobj_test_init (&argc, &argv);

  g_test_add_func ("/sync/subclass/start-and-stop", test_subclass_start);
  g_test_add_func ("/sync/plain/writes", test_plain_writes);
  g_test_add_func ("/sync/test-harness/from-json-text", test_test_collection_from_json_text);
  g_test_add_func ("/sync/test-harness/without-control", test_test_collection_without_control);
  g_test_add_func ("/sync/test-harness/echo-timeout", test_test_harness_echo_timeout);
  g_test_add_func ("/sync/plain/commits-before-attach", test_commits_before_attach);
  g_test_add_func ("/sync/plain/write-seals-value", test_write_value_is_sealed);
  g_test_add_func ("/sync/plain/committed-signal", test_committed_signal);
  g_test_add_func ("/sync/plain/mark-error", test_mark_error);
  g_test_add_func ("/sync/apply-json/messages", test_apply_json_messages);
  g_test_add_func ("/sync/apply-json/joins-open-commit", test_apply_json_joins_open_commit);
  g_test_add_func ("/sync/apply-json/text-records", test_apply_json_text_records);
  g_test_add_func ("/sync/truncate/keeps-optimistic", test_truncate_keeps_optimistic);
  g_test_add_func ("/sync/sliced/writes-meanwhile", test_sliced_writes_meanwhile);
  g_test_add_func ("/sync/sliced/collection-goes", test_sliced_collection_goes);
  g_test_add_func ("/sync/sliced/commits-wait", test_sliced_commits_wait);
  g_test_add_func ("/sync/wait-for-keys/success", test_wait_for_keys_success);
  g_test_add_func ("/sync/wait-for-keys/timeout", test_wait_for_keys_timeout);
  g_test_add_func ("/sync/wait-for-keys/timeout-names-the-sync-error", test_wait_for_keys_timeout_names_the_sync_error);
  g_test_add_func ("/sync/wait-for-keys/held-writes-count", test_wait_for_keys_held_writes_count);
  g_test_add_func ("/sync/wait-for-keys/cancelled", test_wait_for_keys_cancelled);
  g_test_add_func ("/sync/wait-for-keys/cancelled-on-thread-default-context", test_wait_for_keys_cancelled_on_thread_default_context);
  g_test_add_func ("/sync/wait-for-keys/no-keys", test_wait_for_no_keys);
  g_test_add_func ("/sync/wait-for-keys/one-key", test_wait_for_one_key);
  g_test_add_func ("/sync/echo/same-update", test_echo_same_update);

  return g_test_run ();
}
