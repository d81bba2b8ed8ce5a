/* view-join-test.c: SyncobjJoin: pairs, both sides followed, joins of
 * views, temporary keys replaced on either side, lifetimes, and
 * randomized differential tests against a naive recomputation
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"

#include <string.h>

#define LISTS \
  "[{\"id\": \"home\", \"title\": \"Home\"}," \
  " {\"id\": \"work\", \"title\": \"Work\"}," \
  " {\"id\": 7, \"title\": \"Seven\"}]"

#define TODOS \
  "[{\"id\": \"a\", \"title\": \"Milk\", \"list_id\": \"home\", \"n\": 3}," \
  " {\"id\": \"b\", \"title\": \"Report\", \"list_id\": \"work\", \"n\": 1}," \
  " {\"id\": \"c\", \"title\": \"Bread\", \"list_id\": \"home\", \"n\": 2}," \
  " {\"id\": \"d\", \"title\": \"Lost\", \"list_id\": \"gone\"}," \
  " {\"id\": \"e\", \"title\": \"Number\", \"list_id\": 7, \"n\": 5}," \
  " {\"id\": \"f\", \"title\": \"None\", \"list_id\": true}]"

/* "key>joined key" for each row ("key>-" without a joined record),
 * joined with spaces. */
static char *
join_pairs (GListModel *model)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(SyncobjJoinRow) row = g_list_model_get_item (model, i);
      SyncobjRecord *joined = syncobj_join_row_get_joined (row);

      g_string_append_printf (text, "%s%s>%s", i > 0 ? " " : "",
                              syncobj_record_get_key (syncobj_join_row_get_record (row)),
                              joined != NULL ? syncobj_record_get_key (joined) : "-");
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

#define assert_pairs(model, expected) \
  G_STMT_START { \
    g_autofree char *pairs_ = join_pairs (G_LIST_MODEL (model)); \
    g_assert_cmpstr (pairs_, ==, (expected)); \
  } G_STMT_END

static SyncobjJoin *
join_new (GListModel        *source,
          const char        *member,
          SyncobjCollection *other)
{
  g_autoptr(GError) error = NULL;
  SyncobjJoin *join = syncobj_join_new (source, member, other, &error);

  g_assert_no_error (error);
  g_assert_nonnull (join);
  return join;
}

static SyncobjView *
view_json (GListModel *source,
           const char *json)
{
  g_autoptr(GError) error = NULL;
  SyncobjView *view = syncobj_view_new_from_json (source, json, &error);

  g_assert_no_error (error);
  return view;
}

/* ---- pairs ------------------------------------------------------------------ */

static void
test_pairs (void)
{
  g_autoptr(SyncobjSyncControl) lists_control = NULL;
  g_autoptr(SyncobjSyncControl) todos_control = NULL;
  g_autoptr(SyncobjCollection) lists = syncobj_test_collection_from_json (LISTS, SYNCOBJ_STRATEGY_ORDERED, &lists_control);
  g_autoptr(SyncobjCollection) todos = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &todos_control);
  g_autoptr(SyncobjJoin) join = join_new (G_LIST_MODEL (todos), "list_id", lists);
  g_autoptr(SyncobjJoinRow) row = NULL;
  g_autoptr(SyncobjJoinRow) again = NULL;

  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (join)) == SYNCOBJ_TYPE_JOIN_ROW);
  /* Strings and integers name keys; a missing key, or a boolean, nothing. */
  assert_pairs (join, "a>home b>work c>home d>- e>7 f>-");
  g_assert_true (syncobj_join_get_source (join) == G_LIST_MODEL (todos));
  g_assert_true (syncobj_join_get_other (join) == lists);
  g_assert_cmpstr (syncobj_join_get_member (join), ==, "list_id");

  /* The joined record is the collection's live record, and a row handed
   * out is handed out again until something changes. */
  row = g_list_model_get_item (G_LIST_MODEL (join), 1);
  again = g_list_model_get_item (G_LIST_MODEL (join), 1);
  g_assert_true (row == again);
  {
    g_autoptr(SyncobjRecord) work = syncobj_collection_lookup (lists, "work");

    g_assert_true (syncobj_join_row_get_joined (row) == work);
  }
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (join), 6));
}

static void
test_nested_member_and_errors (void)
{
  g_autoptr(SyncobjSyncControl) lists_control = NULL;
  g_autoptr(SyncobjSyncControl) todos_control = NULL;
  g_autoptr(SyncobjCollection) lists = syncobj_test_collection_from_json (LISTS, SYNCOBJ_STRATEGY_ORDERED, &lists_control);
  g_autoptr(SyncobjCollection) todos =
    syncobj_test_collection_from_json ("[{\"id\": \"a\", \"list\": {\"id\": \"work\"}}, {\"id\": \"b\", \"list\": \"work\"}]",
                                       SYNCOBJ_STRATEGY_ORDERED, &todos_control);
  g_autoptr(SyncobjJoin) join = join_new (G_LIST_MODEL (todos), "list.id", lists);
  g_autoptr(GError) error = NULL;

  assert_pairs (join, "a>work b>-");

  g_assert_null (syncobj_join_new (G_LIST_MODEL (todos), "list..id", lists, &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW);
  g_assert_nonnull (strstr (error->message, "list..id"));
  g_clear_error (&error);
  g_assert_null (syncobj_join_new (G_LIST_MODEL (todos), "", lists, &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW);
  g_clear_error (&error);

  /* A join is no source of a view or a join, nor is any other list model
   * (a GtkFilterListModel, a GListStore): an error naming it, not a
   * critical and an empty list. */
  g_assert_null (syncobj_view_new_from_json (G_LIST_MODEL (join), "{}", &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW);
  g_assert_nonnull (strstr (error->message, "SyncobjJoin"));
  g_clear_error (&error);
  {
    g_autoptr(GListStore) store = g_list_store_new (SYNCOBJ_TYPE_RECORD);

    g_assert_null (syncobj_join_new (G_LIST_MODEL (store), "list.id", lists, &error));
    g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW);
    g_assert_nonnull (strstr (error->message, "GListStore"));
  }
}

/* ---- following both sides ------------------------------------------------------ */

static void
test_follows_the_other_side (void)
{
  g_autoptr(SyncobjSyncControl) lists_control = NULL;
  g_autoptr(SyncobjSyncControl) todos_control = NULL;
  g_autoptr(SyncobjCollection) lists = syncobj_test_collection_from_json (LISTS, SYNCOBJ_STRATEGY_ORDERED, &lists_control);
  g_autoptr(SyncobjCollection) todos = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &todos_control);
  g_autoptr(SyncobjJoin) join = join_new (G_LIST_MODEL (todos), "list_id", lists);
  g_autoptr(SyncobjTestItemsChanged) changes = syncobj_test_items_changed_new (G_LIST_MODEL (join));
  g_autoptr(SyncobjJoinRow) before = g_list_model_get_item (G_LIST_MODEL (join), 0);
  g_autoptr(SyncobjJoinRow) after = NULL;
  g_autoptr(SyncobjTransaction) transaction = NULL;

  /* A list changes: each to-do of it is announced, neighbours as one range. */
  syncobj_test_emit_update (lists_control, "{\"id\": \"home\", \"title\": \"House\"}");
  syncobj_test_items_changed_assert (changes, "0,1,1 2,1,1");
  syncobj_test_items_changed_clear (changes);
  after = g_list_model_get_item (G_LIST_MODEL (join), 0);
  g_assert_true (after != before);   /* a new row for the changed pair */

  /* A list that is deleted leaves its to-dos without one. */
  syncobj_sync_control_emit_delete (lists_control, "work");
  syncobj_test_items_changed_assert (changes, "1,1,1");
  assert_pairs (join, "a>home b>- c>home d>- e>7 f>-");
  syncobj_test_items_changed_clear (changes);

  /* A list that comes is found by the to-dos that named it. */
  syncobj_test_emit_update (lists_control, "{\"id\": \"gone\", \"title\": \"Back\"}");
  syncobj_test_items_changed_assert (changes, "3,1,1");
  assert_pairs (join, "a>home b>- c>home d>gone e>7 f>-");
  syncobj_test_items_changed_clear (changes);

  /* Lists nobody names change nothing; an optimistic change and its
   * rollback are announced like any other. */
  syncobj_test_emit_update (lists_control, "{\"id\": \"other\", \"title\": \"Other\"}");
  syncobj_test_items_changed_assert (changes, "");
  syncobj_sync_control_set_network_delay (lists_control, 1000);
  transaction = syncobj_test_delete (lists, "7");
  syncobj_test_items_changed_assert (changes, "4,1,1");
  assert_pairs (join, "a>home b>- c>home d>gone e>- f>-");
  g_assert_true (syncobj_transaction_rollback (transaction, NULL));
  assert_pairs (join, "a>home b>- c>home d>gone e>7 f>-");
  syncobj_test_items_changed_assert (changes, "4,1,1 4,1,1");
  syncobj_test_drain (lists_control, lists);
}

static void
test_follows_the_source (void)
{
  g_autoptr(SyncobjSyncControl) lists_control = NULL;
  g_autoptr(SyncobjSyncControl) todos_control = NULL;
  g_autoptr(SyncobjCollection) lists = syncobj_test_collection_from_json (LISTS, SYNCOBJ_STRATEGY_ORDERED, &lists_control);
  g_autoptr(SyncobjCollection) todos = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &todos_control);
  g_autoptr(SyncobjJoin) join = join_new (G_LIST_MODEL (todos), "list_id", lists);
  g_autoptr(SyncobjTestItemsChanged) changes = syncobj_test_items_changed_new (G_LIST_MODEL (join));
  g_autoptr(SyncobjTransaction) move = NULL;
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjTransaction) delete = NULL;

  move = syncobj_test_update (todos, "b", "{\"list_id\": \"home\"}");
  syncobj_test_items_changed_assert (changes, "1,1,1");
  insert = syncobj_test_insert (todos, "{\"id\": \"g\", \"list_id\": \"work\"}");
  delete = syncobj_test_delete (todos, "a");
  assert_pairs (join, "b>home c>home d>- e>7 f>- g>work");

  /* Now "home" has b and c: both follow it, as one range. */
  syncobj_test_items_changed_clear (changes);
  syncobj_test_emit_update (lists_control, "{\"id\": \"home\", \"title\": \"House\"}");
  syncobj_test_items_changed_assert (changes, "0,2,2");
  syncobj_test_drain (todos_control, todos);
}

static void
test_join_of_a_view (void)
{
  g_autoptr(SyncobjSyncControl) lists_control = NULL;
  g_autoptr(SyncobjSyncControl) todos_control = NULL;
  g_autoptr(SyncobjCollection) lists = syncobj_test_collection_from_json (LISTS, SYNCOBJ_STRATEGY_ORDERED, &lists_control);
  g_autoptr(SyncobjCollection) todos = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &todos_control);
  g_autoptr(SyncobjView) view = view_json (G_LIST_MODEL (todos), "{\"where\": {\"member\": \"n\", \"op\": \"exists\"}, \"order_by\": [\"-n\"]}");
  g_autoptr(SyncobjJoin) join = join_new (G_LIST_MODEL (view), "list_id", lists);

  assert_pairs (join, "e>7 a>home c>home b>work");
  syncobj_test_emit_update (todos_control, "{\"id\": \"b\", \"n\": 9, \"list_id\": \"home\"}");
  assert_pairs (join, "b>home e>7 a>home c>home");
  syncobj_test_emit_update (lists_control, "{\"id\": 7, \"title\": \"Sieben\"}");
  {
    g_autoptr(SyncobjJoinRow) row = g_list_model_get_item (G_LIST_MODEL (join), 1);

    syncobj_test_assert_json (syncobj_record_get_value (syncobj_join_row_get_joined (row)),
                              "{\"id\": 7, \"title\": \"Sieben\"}");
  }
}

static void
test_self_join (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) items =
    syncobj_test_collection_from_json ("[{\"id\": \"1\", \"parent\": \"2\"}, {\"id\": \"2\"}, {\"id\": \"3\", \"parent\": \"1\"}]",
                                       SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjJoin) join = join_new (G_LIST_MODEL (items), "parent", items);

  assert_pairs (join, "1>2 2>- 3>1");
  syncobj_test_emit_update (control, "{\"id\": \"0\", \"parent\": \"0\"}");
  assert_pairs (join, "1>2 2>- 3>1 0>0");
  syncobj_sync_control_emit_delete (control, "1");
  assert_pairs (join, "2>- 3>- 0>0");
}

/* ---- keys from the server ----------------------------------------------------- */

/* A collection whose server assigns the keys, on @control's mutator. */
static SyncobjCollection *
server_keys_collection (const char         *id,
                        SyncobjSyncControl *control)
{
  g_autoptr(SyncobjTestSync) sync = syncobj_test_sync_new (id, NULL);

  return g_object_new (SYNCOBJ_TYPE_COLLECTION,
                       "id", id,
                       "key-source", SYNCOBJ_KEY_SOURCE_SERVER,
                       "sync", sync,
                       "mutator", syncobj_sync_control_get_mutator (control),
                       NULL);
}

static void
test_temporary_keys_on_both_sides (void)
{
  g_autoptr(SyncobjSyncControl) lists_control = NULL;
  g_autoptr(SyncobjSyncControl) todos_control = NULL;
  g_autoptr(SyncobjCollection) lists_unused = syncobj_test_collection_from_json (NULL, SYNCOBJ_STRATEGY_ORDERED, &lists_control);
  g_autoptr(SyncobjCollection) todos_unused = syncobj_test_collection_from_json (NULL, SYNCOBJ_STRATEGY_ORDERED, &todos_control);
  g_autoptr(SyncobjCollection) lists = server_keys_collection ("join-lists", lists_control);
  g_autoptr(SyncobjCollection) todos = server_keys_collection ("join-todos", todos_control);
  g_autoptr(SyncobjJoin) join = join_new (G_LIST_MODEL (todos), "list_id", lists);
  g_autoptr(SyncobjTransaction) list_insert = NULL;
  g_autoptr(SyncobjTransaction) todo_insert = NULL;
  g_autoptr(SyncobjRecord) list = NULL;
  g_autoptr(SyncobjRecord) todo = NULL;
  g_autofree char *temporary = NULL;
  g_autofree char *value = NULL;

  syncobj_sync_control_set_network_delay (lists_control, 100);
  syncobj_sync_control_set_network_delay (todos_control, 300);
  list_insert = syncobj_test_insert (lists, "{\"title\": \"Home\"}");
  list = g_list_model_get_item (G_LIST_MODEL (lists), 0);
  temporary = g_strdup (syncobj_record_get_key (list));
  g_assert_true (syncobj_record_is_temporary (list));

  /* A to-do inserted offline names the list by its temporary key. */
  value = g_strdup_printf ("{\"title\": \"Milk\", \"list_id\": \"%s\"}", temporary);
  todo_insert = syncobj_test_insert (todos, value);
  todo = g_list_model_get_item (G_LIST_MODEL (todos), 0);
  {
    g_autofree char *expected = g_strdup_printf ("%s>%s", syncobj_record_get_key (todo), temporary);

    assert_pairs (join, expected);
  }

  /* The list takes the server's key: the to-do still names it by the
   * temporary key, and still has it. */
  g_assert_cmpint (syncobj_test_wait_transaction (lists_control, list_insert, 10, 5000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_false (syncobj_record_is_temporary (list));
  {
    g_autofree char *expected = g_strdup_printf ("%s>%s", syncobj_record_get_key (todo), syncobj_record_get_key (list));

    assert_pairs (join, expected);
  }

  /* The to-do takes its key too, and keeps its list. */
  g_assert_cmpint (syncobj_test_wait_transaction (todos_control, todo_insert, 10, 5000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_false (syncobj_record_is_temporary (todo));
  {
    g_autofree char *expected = g_strdup_printf ("%s>%s", syncobj_record_get_key (todo), syncobj_record_get_key (list));

    assert_pairs (join, expected);
  }

  /* A to-do made later under the old temporary key finds the list too. */
  g_clear_object (&todo_insert);
  todo_insert = syncobj_test_insert (todos, value);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (join)), ==, 2);
  {
    g_autoptr(SyncobjJoinRow) row = g_list_model_get_item (G_LIST_MODEL (join), 1);

    g_assert_true (syncobj_join_row_get_joined (row) == list);
  }
  syncobj_test_drain (todos_control, todos);
  syncobj_test_drain (lists_control, lists);
}

/* A to-do that names a list by its old temporary key while the list is
 * deleted still names the list's new key: when the delete is rolled
 * back, the list comes back under that key and the pair is announced. */
static void
test_temporary_key_of_a_list_deleted_then_restored (void)
{
  g_autoptr(SyncobjSyncControl) lists_control = NULL;
  g_autoptr(SyncobjSyncControl) todos_control = NULL;
  g_autoptr(SyncobjCollection) lists_unused = syncobj_test_collection_from_json (NULL, SYNCOBJ_STRATEGY_ORDERED, &lists_control);
  g_autoptr(SyncobjCollection) todos = syncobj_test_collection_from_json ("[]", SYNCOBJ_STRATEGY_ORDERED, &todos_control);
  g_autoptr(SyncobjCollection) lists = server_keys_collection ("join-deleted-lists", lists_control);
  g_autoptr(SyncobjJoin) join = join_new (G_LIST_MODEL (todos), "list_id", lists);
  g_autoptr(SyncobjTestItemsChanged) changes = NULL;
  g_autoptr(SyncobjTransaction) list_insert = NULL;
  g_autoptr(SyncobjTransaction) todo_insert = NULL;
  g_autoptr(SyncobjTransaction) list_delete = NULL;
  g_autoptr(SyncobjTransaction) todo_update = NULL;
  g_autoptr(SyncobjRecord) list = NULL;
  g_autoptr(SyncobjJoinRow) before = NULL;
  g_autoptr(SyncobjJoinRow) after = NULL;
  g_autofree char *value = NULL;
  g_autofree char *expected = NULL;

  syncobj_sync_control_set_network_delay (lists_control, 100);
  syncobj_sync_control_set_network_delay (todos_control, 100);
  list_insert = syncobj_test_insert (lists, "{\"title\": \"Home\"}");
  list = g_list_model_get_item (G_LIST_MODEL (lists), 0);
  value = g_strdup_printf ("{\"id\": \"milk\", \"list_id\": \"%s\"}", syncobj_record_get_key (list));
  todo_insert = syncobj_test_insert (todos, value);
  g_assert_cmpint (syncobj_test_wait_transaction (lists_control, list_insert, 10, 5000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_false (syncobj_record_is_temporary (list));
  expected = g_strdup_printf ("milk>%s", syncobj_record_get_key (list));
  assert_pairs (join, expected);

  /* The list is deleted; meanwhile the to-do changes, still naming the
   * list by its temporary key. */
  list_delete = syncobj_test_delete (lists, syncobj_record_get_key (list));
  assert_pairs (join, "milk>-");
  todo_update = syncobj_test_update (todos, "milk", "{\"title\": \"Milk\"}");
  assert_pairs (join, "milk>-");

  /* The delete rolls back: the list is back, and so is the pair, as a
   * new row. */
  before = g_list_model_get_item (G_LIST_MODEL (join), 0);
  changes = syncobj_test_items_changed_new (G_LIST_MODEL (join));
  syncobj_transaction_rollback (list_delete, NULL);
  syncobj_test_items_changed_assert (changes, "0,1,1");
  after = g_list_model_get_item (G_LIST_MODEL (join), 0);
  g_assert_true (after != before);
  g_assert_true (syncobj_join_row_get_joined (after) == list);
  assert_pairs (join, expected);

  syncobj_test_drain (todos_control, todos);
  syncobj_test_drain (lists_control, lists);
}

/* ---- lifetimes ------------------------------------------------------------------ */

static void
test_lifetimes (void)
{
  g_autoptr(SyncobjSyncControl) lists_control = NULL;
  g_autoptr(SyncobjSyncControl) todos_control = NULL;
  SyncobjCollection *lists = syncobj_test_collection_from_json (LISTS, SYNCOBJ_STRATEGY_ORDERED, &lists_control);
  SyncobjCollection *todos = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &todos_control);
  SyncobjJoin *join = join_new (G_LIST_MODEL (todos), "list_id", lists);
  SyncobjJoin *second = join_new (G_LIST_MODEL (todos), "list_id", lists);
  SyncobjJoinRow *row = g_list_model_get_item (G_LIST_MODEL (second), 0);

  g_object_add_weak_pointer (G_OBJECT (lists), (gpointer *) &lists);
  g_object_add_weak_pointer (G_OBJECT (todos), (gpointer *) &todos);
  g_object_add_weak_pointer (G_OBJECT (second), (gpointer *) &second);

  /* Neither side holds a join; a row outlives its join. */
  g_object_unref (second);
  g_assert_null (second);
  syncobj_test_emit_update (lists_control, "{\"id\": \"home\", \"title\": \"House\"}");
  g_assert_cmpstr (syncobj_record_get_key (syncobj_join_row_get_joined (row)), ==, "home");
  g_object_unref (row);

  /* A join holds both. */
  g_object_unref (lists);
  g_object_unref (todos);
  g_assert_nonnull (lists);
  g_assert_nonnull (todos);
  assert_pairs (join, "a>home b>work c>home d>- e>7 f>-");
  g_object_unref (join);
  g_assert_null (lists);
  g_assert_null (todos);
}

/* ---- the randomized differential tests ------------------------------------------- */

static char *
json_text (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

/* What a pair shows: "key value → joined key joined value". */
static char *
pair_text (SyncobjRecord *record,
           SyncobjRecord *joined)
{
  g_autofree char *value = json_text (syncobj_record_get_value (record));
  g_autofree char *joined_value = joined != NULL ? json_text (syncobj_record_get_value (joined)) : NULL;

  return g_strdup_printf ("%s %s → %s %s", syncobj_record_get_key (record), value,
                          joined != NULL ? syncobj_record_get_key (joined) : "-",
                          joined_value != NULL ? joined_value : "");
}

/* The rows a GTK model stacked on a join would show, kept only from its
 * items-changed: each pair as it was when announced. */
typedef struct
{
  GListModel *model;
  GPtrArray  *texts;
  gulong      handler;
} Shadow;

static char *
row_text (GListModel *model,
          guint       position)
{
  g_autoptr(SyncobjJoinRow) row = g_list_model_get_item (model, position);

  return pair_text (syncobj_join_row_get_record (row), syncobj_join_row_get_joined (row));
}

static void
shadow_items_changed_cb (GListModel *model,
                         guint       position,
                         guint       removed,
                         guint       added,
                         Shadow     *shadow)
{
  g_assert_cmpuint (position + removed, <=, shadow->texts->len);
  g_ptr_array_remove_range (shadow->texts, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (shadow->texts, position + i, row_text (model, position + i));
  g_assert_cmpuint (shadow->texts->len, ==, g_list_model_get_n_items (model));
}

static Shadow *
shadow_new (GListModel *model)
{
  Shadow *shadow = g_new0 (Shadow, 1);

  shadow->model = model;
  shadow->texts = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    g_ptr_array_add (shadow->texts, row_text (model, i));
  shadow->handler = g_signal_connect (model, "items-changed", G_CALLBACK (shadow_items_changed_cb), shadow);
  return shadow;
}

static void
shadow_free (Shadow *shadow)
{
  g_signal_handler_disconnect (shadow->model, shadow->handler);
  g_ptr_array_unref (shadow->texts);
  g_free (shadow);
}

/* The join, computed again from nothing: each record of @source with
 * the record its member names, looked up in @other. */
static GPtrArray *
naive_join (GListModel        *source,
            const char        *member,
            SyncobjCollection *other)
{
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < g_list_model_get_n_items (source); i++)
    {
      g_autoptr(SyncobjRecord) record = g_list_model_get_item (source, i);
      JsonObject *value = syncobj_record_get_value (record);
      JsonNode *node = json_object_get_member (value, member);
      g_autofree char *key = NULL;
      g_autoptr(SyncobjRecord) joined = NULL;

      if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        key = g_strdup (json_node_get_string (node));
      else if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
        key = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
      if (key != NULL && *key != '\0')
        joined = syncobj_collection_lookup (other, key);
      g_ptr_array_add (texts, pair_text (record, joined));
    }
  return texts;
}

static void
assert_same_texts (GPtrArray  *expected,
                   GPtrArray  *actual,
                   const char *what,
                   guint       step)
{
  for (guint i = 0; i < MAX (expected->len, actual->len); i++)
    if (i >= expected->len || i >= actual->len ||
        strcmp (g_ptr_array_index (expected, i), g_ptr_array_index (actual, i)) != 0)
      g_error ("step %u, %s, row %u: expected “%s”, got “%s”", step, what, i,
               i < expected->len ? (char *) g_ptr_array_index (expected, i) : "(none)",
               i < actual->len ? (char *) g_ptr_array_index (actual, i) : "(none)");
}

typedef struct
{
  SyncobjJoin *join;
  Shadow      *shadow;
  const char  *what;
} Checked;

static void
check_joins (Checked *joins,
             guint    n,
             guint    step)
{
  for (guint j = 0; j < n; j++)
    {
      SyncobjJoin *join = joins[j].join;
      g_autoptr(GPtrArray) expected = naive_join (syncobj_join_get_source (join), syncobj_join_get_member (join),
                                                  syncobj_join_get_other (join));
      g_autoptr(GPtrArray) actual = g_ptr_array_new_with_free_func (g_free);

      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (join)); i++)
        g_ptr_array_add (actual, row_text (G_LIST_MODEL (join), i));
      assert_same_texts (expected, actual, joins[j].what, step);
      assert_same_texts (expected, joins[j].shadow->texts, "its items-changed", step);
    }
}

static void
checked_free (Checked *joins,
              guint    n)
{
  for (guint j = 0; j < n; j++)
    {
      shadow_free (joins[j].shadow);
      g_object_unref (joins[j].join);
    }
}

static char *
random_list_key (GRand *rand)
{
  int i = g_rand_int_range (rand, 0, 12);

  return i < 6 ? g_strdup_printf ("%d", i) : g_strdup_printf ("l%d", i);
}

/* A to-do's value: its list named by a string key, an integer, or
 * something that names no list. */
static JsonObject *
random_todo (GRand      *rand,
             const char *key,
             const char *list_key)
{
  JsonObject *value = json_object_new ();
  g_autofree char *random = random_list_key (rand);
  gint64 number;

  if (key != NULL)
    json_object_set_string_member (value, "id", key);
  json_object_set_int_member (value, "n", g_rand_int_range (rand, 0, 6));
  if (list_key == NULL)
    list_key = random;
  switch (g_rand_int_range (rand, 0, 10))
    {
    case 0: break;
    case 1: json_object_set_null_member (value, "list_id"); break;
    case 2:
      if (g_ascii_string_to_signed (list_key, 10, G_MININT64, G_MAXINT64, &number, NULL))
        json_object_set_int_member (value, "list_id", number);
      else
        json_object_set_string_member (value, "list_id", list_key);
      break;
    case 3:
      {
        g_autofree char *parent = g_strdup_printf ("t%d", g_rand_int_range (rand, 0, 30));

        json_object_set_string_member (value, "parent", parent);
      }
      break;
    default: json_object_set_string_member (value, "list_id", list_key); break;
    }
  return value;
}

static JsonObject *
random_list (GRand      *rand,
             const char *key)
{
  JsonObject *value = json_object_new ();
  gint64 number;

  if (key != NULL && g_ascii_string_to_signed (key, 10, G_MININT64, G_MAXINT64, &number, NULL))
    json_object_set_int_member (value, "id", number);
  else if (key != NULL)
    json_object_set_string_member (value, "id", key);
  json_object_set_int_member (value, "rank", g_rand_int_range (rand, 0, 100));
  return value;
}

/* A sync commit, an optimistic write or a rollback on one side. */
static void
random_side_step (GRand              *rand,
                  SyncobjCollection  *collection,
                  SyncobjSyncControl *control,
                  GPtrArray          *transactions,
                  gboolean            lists)
{
  SyncobjSync *sync = syncobj_sync_control_get_sync (control);
  int what = g_rand_int_range (rand, 0, 100);
  g_autoptr(GError) error = NULL;

  if (what < 35)
    {
      guint rows = g_rand_int_range (rand, 1, 5);

      syncobj_sync_begin (sync);
      for (guint i = 0; i < rows; i++)
        {
          g_autofree char *key = lists ? random_list_key (rand) : g_strdup_printf ("t%d", g_rand_int_range (rand, 0, 30));
          g_autoptr(JsonObject) value = lists ? random_list (rand, key) : random_todo (rand, key, NULL);

          if (g_rand_int_range (rand, 0, 4) == 0)
            g_assert_true (syncobj_sync_write (sync, SYNCOBJ_MUTATION_TYPE_DELETE, value, &error));
          else
            g_assert_true (syncobj_sync_write (sync, SYNCOBJ_MUTATION_TYPE_UPDATE, value, &error));
          g_assert_no_error (error);
        }
      g_assert_true (syncobj_sync_commit (sync, &error));
      g_assert_no_error (error);
    }
  else if (what < 75)
    {
      g_autofree char *key = lists ? random_list_key (rand) : g_strdup_printf ("t%d", g_rand_int_range (rand, 0, 30));
      SyncobjTransaction *transaction;

      if (!syncobj_collection_contains (collection, key))
        {
          g_autoptr(JsonObject) value = lists ? random_list (rand, key) : random_todo (rand, key, NULL);

          transaction = syncobj_collection_insert (collection, value, &error);
        }
      else if (g_rand_int_range (rand, 0, 5) == 0)
        transaction = syncobj_collection_delete (collection, key, &error);
      else
        {
          g_autoptr(JsonObject) changes = lists ? random_list (rand, NULL) : random_todo (rand, NULL, NULL);

          transaction = syncobj_collection_update (collection, key, changes, &error);
        }
      g_assert_no_error (error);
      g_ptr_array_add (transactions, transaction);
    }
  else if (what < 90)
    {
      if (transactions->len > 0)
        {
          SyncobjTransaction *transaction = g_ptr_array_index (transactions, g_rand_int_range (rand, 0, transactions->len));

          if (!syncobj_transaction_is_finished (transaction))
            syncobj_transaction_rollback (transaction, NULL);
        }
    }
  else
    syncobj_sync_control_advance (control, g_rand_int_range (rand, 1, 80));
}

static void
forget_finished (GPtrArray *transactions)
{
  for (guint i = transactions->len; i > 0; i--)
    if (syncobj_transaction_is_finished (g_ptr_array_index (transactions, i - 1)))
      g_ptr_array_remove_index_fast (transactions, i - 1);
}

static void
checked_add (Checked    *joins,
             guint       j,
             GListModel *source,
             const char *member,
             SyncobjCollection *other,
             const char *what)
{
  joins[j].join = join_new (source, member, other);
  joins[j].shadow = shadow_new (G_LIST_MODEL (joins[j].join));
  joins[j].what = what;
}

static void
test_differential (void)
{
  g_autoptr(SyncobjSyncControl) lists_control = NULL;
  g_autoptr(SyncobjSyncControl) todos_control = NULL;
  g_autoptr(SyncobjCollection) lists = syncobj_test_collection_from_json ("[]", SYNCOBJ_STRATEGY_ORDERED, &lists_control);
  g_autoptr(SyncobjCollection) todos = syncobj_test_collection_from_json ("[]", SYNCOBJ_STRATEGY_ORDERED, &todos_control);
  g_autoptr(SyncobjView) open = view_json (G_LIST_MODEL (todos), "{\"where\": {\"member\": \"n\", \"op\": \"<\", \"value\": 4},"
                                                                  " \"order_by\": [\"-n\"], \"limit\": 12}");
  g_autoptr(GPtrArray) list_transactions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) todo_transactions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GRand) rand = g_rand_new_with_seed (g_test_rand_int ());
  guint steps = g_test_thorough () ? 20000 : syncobj_test_instrumented () ? 200 : 2000;
  Checked joins[3];

  syncobj_sync_control_set_network_delay (lists_control, 20);
  syncobj_sync_control_set_network_delay (todos_control, 30);
  syncobj_test_exact_retry_policy (lists, 2);
  syncobj_test_exact_retry_policy (todos, 2);
  checked_add (joins, 0, G_LIST_MODEL (todos), "list_id", lists, "todos ⋈ lists");
  checked_add (joins, 1, G_LIST_MODEL (open), "list_id", lists, "a view of todos ⋈ lists");
  checked_add (joins, 2, G_LIST_MODEL (todos), "parent", todos, "todos ⋈ todos");

  for (guint step = 0; step < steps; step++)
    {
      gboolean on_lists = g_rand_boolean (rand);

      if (g_rand_int_range (rand, 0, 20) == 0)
        syncobj_sync_control_fail_next_persist_non_retriable (on_lists ? lists_control : todos_control);
      random_side_step (rand, on_lists ? lists : todos, on_lists ? lists_control : todos_control,
                        on_lists ? list_transactions : todo_transactions, on_lists);
      forget_finished (list_transactions);
      forget_finished (todo_transactions);
      check_joins (joins, G_N_ELEMENTS (joins), step);
    }

  checked_free (joins, G_N_ELEMENTS (joins));
  g_ptr_array_set_size (list_transactions, 0);
  g_ptr_array_set_size (todo_transactions, 0);
  syncobj_test_drain (lists_control, lists);
  syncobj_test_drain (todos_control, todos);
}

/* A random key of @collection's records, or NULL when it has none. */
static char *
random_existing_key (GRand             *rand,
                     SyncobjCollection *collection)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (collection));
  g_autoptr(SyncobjRecord) record = NULL;

  if (n == 0)
    return NULL;
  record = g_list_model_get_item (G_LIST_MODEL (collection), g_rand_int_range (rand, 0, n));
  return g_strdup (syncobj_record_get_key (record));
}

/* Both sides take keys from the server: to-dos name lists by temporary
 * keys, which the persist answers replace in place. */
static void
server_keys_step (GRand              *rand,
                  SyncobjCollection  *collection,
                  SyncobjCollection  *lists,
                  SyncobjSyncControl *control,
                  GPtrArray          *transactions)
{
  gboolean is_lists = collection == lists;
  int what = g_rand_int_range (rand, 0, 100);
  g_autofree char *list_key = random_existing_key (rand, lists);
  g_autofree char *key = random_existing_key (rand, collection);
  g_autoptr(GError) error = NULL;

  if (what < 35 || key == NULL)
    {
      g_autoptr(JsonObject) value = is_lists ? random_list (rand, NULL) : random_todo (rand, NULL, list_key);

      g_ptr_array_add (transactions, syncobj_collection_insert (collection, value, &error));
      g_assert_no_error (error);
    }
  else if (what < 65)
    {
      SyncobjTransaction *transaction;

      if (g_rand_int_range (rand, 0, 6) == 0)
        transaction = syncobj_collection_delete (collection, key, &error);
      else
        {
          g_autoptr(JsonObject) changes = is_lists ? random_list (rand, NULL) : random_todo (rand, NULL, list_key);

          transaction = syncobj_collection_update (collection, key, changes, &error);
        }
      g_assert_no_error (error);
      g_ptr_array_add (transactions, transaction);
    }
  else if (what < 75)
    {
      if (transactions->len > 0)
        {
          SyncobjTransaction *transaction = g_ptr_array_index (transactions, g_rand_int_range (rand, 0, transactions->len));

          if (!syncobj_transaction_is_finished (transaction))
            syncobj_transaction_rollback (transaction, NULL);
        }
    }
  else
    syncobj_sync_control_advance (control, g_rand_int_range (rand, 1, 80));
}

static void
test_differential_server_keys (void)
{
  g_autoptr(SyncobjSyncControl) lists_control = NULL;
  g_autoptr(SyncobjSyncControl) todos_control = NULL;
  g_autoptr(SyncobjCollection) lists_unused = syncobj_test_collection_from_json (NULL, SYNCOBJ_STRATEGY_ORDERED, &lists_control);
  g_autoptr(SyncobjCollection) todos_unused = syncobj_test_collection_from_json (NULL, SYNCOBJ_STRATEGY_ORDERED, &todos_control);
  g_autoptr(SyncobjCollection) lists = server_keys_collection ("join-random-lists", lists_control);
  g_autoptr(SyncobjCollection) todos = server_keys_collection ("join-random-todos", todos_control);
  g_autoptr(SyncobjView) view = view_json (G_LIST_MODEL (todos), "{\"order_by\": [\"n\"], \"offset\": 1}");
  g_autoptr(GPtrArray) list_transactions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) todo_transactions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GRand) rand = g_rand_new_with_seed (g_test_rand_int ());
  guint steps = g_test_thorough () ? 10000 : syncobj_test_instrumented () ? 100 : 1000;
  Checked joins[3];

  syncobj_sync_control_set_network_delay (lists_control, 20);
  syncobj_sync_control_set_network_delay (todos_control, 30);
  checked_add (joins, 0, G_LIST_MODEL (todos), "list_id", lists, "todos ⋈ lists");
  checked_add (joins, 1, G_LIST_MODEL (view), "list_id", lists, "a view of todos ⋈ lists");
  checked_add (joins, 2, G_LIST_MODEL (lists), "id", lists, "lists ⋈ lists by id");

  for (guint step = 0; step < steps; step++)
    {
      gboolean on_lists = g_rand_boolean (rand);

      server_keys_step (rand, on_lists ? lists : todos, lists, on_lists ? lists_control : todos_control,
                        on_lists ? list_transactions : todo_transactions);
      forget_finished (list_transactions);
      forget_finished (todo_transactions);
      check_joins (joins, G_N_ELEMENTS (joins), step);
    }

  checked_free (joins, G_N_ELEMENTS (joins));
  g_ptr_array_set_size (list_transactions, 0);
  g_ptr_array_set_size (todo_transactions, 0);
  syncobj_test_drain (todos_control, todos);
  syncobj_test_drain (lists_control, lists);
}

int
main (int argc, char *argv[])
{
  syncobj_test_init (&argc, &argv);

  g_test_add_func ("/view-join/pairs", test_pairs);
  g_test_add_func ("/view-join/nested-member-and-errors", test_nested_member_and_errors);
  g_test_add_func ("/view-join/follows-the-other-side", test_follows_the_other_side);
  g_test_add_func ("/view-join/follows-the-source", test_follows_the_source);
  g_test_add_func ("/view-join/join-of-a-view", test_join_of_a_view);
  g_test_add_func ("/view-join/self-join", test_self_join);
  g_test_add_func ("/view-join/temporary-keys-on-both-sides", test_temporary_keys_on_both_sides);
  g_test_add_func ("/view-join/temporary-key-of-a-list-deleted-then-restored",
                   test_temporary_key_of_a_list_deleted_then_restored);
  g_test_add_func ("/view-join/lifetimes", test_lifetimes);
  g_test_add_func ("/view-join/differential", test_differential);
  g_test_add_func ("/view-join/differential/server-keys", test_differential_server_keys);

  return g_test_run ();
}
