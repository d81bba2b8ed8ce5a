/* view-test.c: SyncobjView and SyncobjCondition: conditions, the JSON
 * description and its errors, sort order, windows, the pending filter,
 * items-changed, lifetimes, and a randomized differential test against
 * a brute-force recomputation
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"
#include "syncobj-view-private.h"

#include <string.h>

#define TODOS \
  "[{\"id\": \"a\", \"title\": \"Milk\", \"done\": false, \"n\": 3, \"owner\": {\"name\": \"Ann\"}}," \
  " {\"id\": \"b\", \"title\": \"Bread\", \"done\": true, \"n\": 1.5, \"owner\": {\"name\": \"bob\"}}," \
  " {\"id\": \"c\", \"title\": \"apples\", \"done\": false, \"owner\": {\"name\": \"Joanna\"}}," \
  " {\"id\": \"d\", \"title\": \"Eggs\", \"done\": false, \"n\": 10, \"note\": null}]"

/* The keys of @model's records in list order, joined with spaces. */
static char *
model_keys (GListModel *model)
{
  g_autoptr(GString) keys = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(SyncobjRecord) record = g_list_model_get_item (model, i);

      if (i > 0)
        g_string_append_c (keys, ' ');
      g_string_append (keys, syncobj_record_get_key (record));
    }
  return g_string_free (g_steal_pointer (&keys), FALSE);
}

#define assert_view_keys(model, expected) \
  G_STMT_START { \
    g_autofree char *keys_ = model_keys (G_LIST_MODEL (model)); \
    g_assert_cmpstr (keys_, ==, (expected)); \
  } G_STMT_END

static SyncobjView *
view_json (SyncobjCollection *collection,
           const char        *json)
{
  g_autoptr(GError) error = NULL;
  SyncobjView *view = syncobj_collection_view_json (collection, json, &error);

  g_assert_no_error (error);
  g_assert_nonnull (view);
  return view;
}

/* ---- conditions ------------------------------------------------------------- */

static void
test_condition_operators (void)
{
  static const struct { const char *condition; const char *value; gboolean expected; } cases[] = {
    { "{\"member\": \"n\", \"op\": \"=\", \"value\": 3}", "{\"n\": 3}", TRUE },
    { "{\"member\": \"n\", \"op\": \"=\", \"value\": 3}", "{\"n\": 3.0}", TRUE },
    { "{\"member\": \"n\", \"op\": \"=\", \"value\": 3}", "{\"n\": \"3\"}", FALSE },
    { "{\"member\": \"n\", \"op\": \"!=\", \"value\": 3}", "{\"n\": \"3\"}", FALSE },
    { "{\"member\": \"n\", \"op\": \"!=\", \"value\": 3}", "{\"n\": 4}", TRUE },
    { "{\"member\": \"n\", \"op\": \"!=\", \"value\": 3}", "{}", FALSE },
    { "{\"member\": \"n\", \"op\": \"<\", \"value\": 3}", "{\"n\": 2.5}", TRUE },
    { "{\"member\": \"n\", \"op\": \"<\", \"value\": 3}", "{\"n\": 3}", FALSE },
    { "{\"member\": \"n\", \"op\": \"<=\", \"value\": 3}", "{\"n\": 3}", TRUE },
    { "{\"member\": \"n\", \"op\": \">\", \"value\": 3}", "{\"n\": 9007199254740993}", TRUE },
    { "{\"member\": \"n\", \"op\": \">=\", \"value\": -1}", "{\"n\": -1}", TRUE },
    { "{\"member\": \"n\", \"op\": \">=\", \"value\": -1}", "{\"n\": null}", FALSE },
    /* Strings: byte order of UTF-8, which is code point order. */
    { "{\"member\": \"t\", \"op\": \"<\", \"value\": \"a\"}", "{\"t\": \"B\"}", TRUE },
    { "{\"member\": \"t\", \"op\": \"<\", \"value\": \"\\u00c9\"}", "{\"t\": \"Z\"}", TRUE },
    { "{\"member\": \"t\", \"op\": \">\", \"value\": \"ab\"}", "{\"t\": \"abc\"}", TRUE },
    { "{\"member\": \"t\", \"op\": \"=\", \"value\": true}", "{\"t\": true}", TRUE },
    { "{\"member\": \"t\", \"op\": \"=\", \"value\": null}", "{\"t\": null}", TRUE },
    { "{\"member\": \"t\", \"op\": \"=\", \"value\": null}", "{}", FALSE },
    { "{\"member\": \"t\", \"op\": \"contains\", \"value\": \"ilk\"}", "{\"t\": \"Milk\"}", TRUE },
    { "{\"member\": \"t\", \"op\": \"contains\", \"value\": \"MILK\"}", "{\"t\": \"Milk\"}", FALSE },
    { "{\"member\": \"t\", \"op\": \"icontains\", \"value\": \"MILK\"}", "{\"t\": \"Milk\"}", TRUE },
    { "{\"member\": \"t\", \"op\": \"icontains\", \"value\": \"\\u00e9T\\u00c9\"}", "{\"t\": \"l'\\u00c9t\\u00e9\"}", TRUE },
    { "{\"member\": \"t\", \"op\": \"contains\", \"value\": \"1\"}", "{\"t\": 1}", FALSE },
    { "{\"member\": \"t\", \"op\": \"in\", \"value\": [1, \"x\", true]}", "{\"t\": \"x\"}", TRUE },
    { "{\"member\": \"t\", \"op\": \"in\", \"value\": [1, \"x\", true]}", "{\"t\": 1.0}", TRUE },
    { "{\"member\": \"t\", \"op\": \"in\", \"value\": [1, \"x\", true]}", "{\"t\": \"1\"}", FALSE },
    { "{\"member\": \"t\", \"op\": \"in\", \"value\": []}", "{\"t\": 1}", FALSE },
    { "{\"member\": \"t\", \"op\": \"exists\"}", "{\"t\": null}", TRUE },
    { "{\"member\": \"t\", \"op\": \"exists\"}", "{\"u\": 1}", FALSE },
    { "{\"member\": \"t\", \"op\": \"is_null\"}", "{\"t\": null}", TRUE },
    { "{\"member\": \"t\", \"op\": \"is_null\"}", "{}", FALSE },
    { "{\"member\": \"t\", \"op\": \"is_null\"}", "{\"t\": 0}", FALSE },
    { "{\"member\": \"owner.name\", \"op\": \"=\", \"value\": \"Ann\"}", "{\"owner\": {\"name\": \"Ann\"}}", TRUE },
    { "{\"member\": \"owner.name\", \"op\": \"exists\"}", "{\"owner\": \"Ann\"}", FALSE },
    { "{\"member\": \"owner.name\", \"op\": \"exists\"}", "{\"owner.name\": 1}", FALSE },
    { "{\"and\": [{\"member\": \"a\", \"op\": \"=\", \"value\": 1}, {\"member\": \"b\", \"op\": \"=\", \"value\": 2}]}", "{\"a\": 1, \"b\": 2}", TRUE },
    { "{\"and\": [{\"member\": \"a\", \"op\": \"=\", \"value\": 1}, {\"member\": \"b\", \"op\": \"=\", \"value\": 2}]}", "{\"a\": 1, \"b\": 3}", FALSE },
    { "{\"or\": [{\"member\": \"a\", \"op\": \"=\", \"value\": 1}, {\"member\": \"b\", \"op\": \"=\", \"value\": 2}]}", "{\"a\": 0, \"b\": 2}", TRUE },
    { "{\"or\": [{\"member\": \"a\", \"op\": \"=\", \"value\": 1}]}", "{\"a\": 0}", FALSE },
    { "{\"not\": {\"member\": \"a\", \"op\": \"exists\"}}", "{}", TRUE },
    { "{\"not\": {\"member\": \"a\", \"op\": \"=\", \"value\": 1}}", "{\"a\": 1}", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SyncobjCondition) condition = syncobj_condition_new_from_json (cases[i].condition, &error);
      g_autoptr(JsonObject) value = syncobj_test_object (cases[i].value);

      g_assert_no_error (error);
      if (syncobj_condition_matches (condition, value) != cases[i].expected)
        g_error ("%s on %s: expected %s", cases[i].condition, cases[i].value, cases[i].expected ? "TRUE" : "FALSE");
    }
}

static void
test_condition_c_api (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) three = json_node_init_int (json_node_alloc (), 3);
  g_autoptr(JsonNode) ann = json_node_init_string (json_node_alloc (), "ann");
  g_autoptr(JsonNode) array = json_node_alloc ();
  g_autoptr(SyncobjCondition) condition =
    syncobj_condition_new_or (syncobj_condition_new ("n", SYNCOBJ_CONDITION_OP_LT, three, NULL),
                              syncobj_condition_new_not (syncobj_condition_new ("owner.name", SYNCOBJ_CONDITION_OP_ICONTAINS, ann, NULL)));
  g_autoptr(JsonObject) small = syncobj_test_object ("{\"n\": 1, \"owner\": {\"name\": \"Ann\"}}");
  g_autoptr(JsonObject) big_ann = syncobj_test_object ("{\"n\": 5, \"owner\": {\"name\": \"Joanna\"}}");
  g_autoptr(JsonObject) big_bob = syncobj_test_object ("{\"n\": 5, \"owner\": {\"name\": \"Bob\"}}");

  json_node_take_array (json_node_init (array, JSON_NODE_ARRAY), json_array_new ());
  g_assert_true (syncobj_condition_matches (condition, small));
  g_assert_false (syncobj_condition_matches (condition, big_ann));
  g_assert_true (syncobj_condition_matches (condition, big_bob));
  g_assert_true (syncobj_condition_matches (condition, NULL));   /* through the "not" */

  g_assert_null (syncobj_condition_new ("n", SYNCOBJ_CONDITION_OP_LT, array, &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW);
  g_assert_nonnull (strstr (error->message, "array"));
  g_clear_error (&error);
  g_assert_null (syncobj_condition_new ("a..b", SYNCOBJ_CONDITION_OP_EXISTS, NULL, &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW);
  g_assert_nonnull (strstr (error->message, "a..b"));
}

static void
test_description_errors (void)
{
  /* Each names what is wrong. */
  static const struct { const char *json; const char *named; } cases[] = {
    { "{\"wher\": {}}", "wher" },
    { "{\"where\": {\"member\": \"n\", \"op\": \"~\", \"value\": 1}}", "~" },
    { "{\"where\": {\"member\": \"n\", \"op\": \"<\", \"value\": true}}", "boolean" },
    { "{\"where\": {\"member\": \"n\", \"op\": \"=\", \"value\": {}}}", "object" },
    { "{\"where\": {\"member\": \"n\", \"op\": \"contains\", \"value\": 1}}", "number" },
    { "{\"where\": {\"member\": \"n\", \"op\": \"in\", \"value\": 1}}", "in" },
    { "{\"where\": {\"member\": \"n\", \"op\": \"in\", \"value\": [[1]]}}", "array" },
    { "{\"where\": {\"member\": \"n\", \"op\": \"exists\", \"value\": 1}}", "exists" },
    { "{\"where\": {\"member\": \"n\", \"op\": \"=\"}}", "=" },
    { "{\"where\": {\"member\": \"n\"}}", "op" },
    { "{\"where\": {\"op\": \"exists\"}}", "needs “member”" },
    { "{\"where\": {\"not\": {\"value\": 1}}}", "needs “member”" },
    { "{\"where\": {\"member\": 5, \"op\": \"exists\"}}", "member" },
    { "{\"where\": {\"member\": \"\", \"op\": \"exists\"}}", "empty" },
    { "{\"where\": {\"member\": \"n\", \"op\": \"exists\", \"valeu\": 1}}", "valeu" },
    { "{\"where\": {\"nor\": []}}", "nor" },
    { "{\"where\": {\"and\": []}}", "and" },
    { "{\"where\": {\"or\": {}}}", "or" },
    { "{\"where\": {\"not\": 1}}", "number" },
    { "{\"where\": {\"and\": [1], \"or\": [1]}}", "and" },
    { "{\"where\": 3}", "number" },
    { "{\"order_by\": \"title\"}", "order_by" },
    { "{\"order_by\": [\"-\"]}", "-" },
    { "{\"order_by\": [1]}", "number" },
    { "{\"offset\": -1}", "offset" },
    { "{\"limit\": 1.5}", "limit" },
    { "{\"pending\": \"yes\"}", "yes" },
    { "{\"pending\": true}", "boolean" },
    { "[]", "array" },
    { "{\"where\": ", "JSON" },
    { "", "empty text" },
    { "   ", "empty text" },
    { "{\"limt\": null}", "limt" },
  };

  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SyncobjView) view = syncobj_collection_view_json (collection, cases[i].json, &error);

      g_assert_null (view);
      g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW);
      if (strstr (error->message, cases[i].named) == NULL)
        g_error ("%s: “%s” does not name %s", cases[i].json, error->message, cases[i].named);
    }
}

/* A member given as null is not given, as JSON.stringify() and
 * json.dumps() write an unset option. */
static void
test_description_null_members (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjView) plain = view_json (collection, "{}");
  g_autoptr(SyncobjView) nulls = view_json (collection, "{\"where\": null, \"order_by\": null, \"offset\": null, "
                                                       "\"limit\": null, \"pending\": null}");
  g_autoptr(SyncobjView) limited = view_json (collection, "{\"order_by\": [\"-id\"], \"limit\": 2, \"offset\": null}");

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (nulls)), >, 2);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (nulls)), ==, g_list_model_get_n_items (G_LIST_MODEL (plain)));
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (plain)); i++)
    {
      g_autoptr(SyncobjRecord) a = g_list_model_get_item (G_LIST_MODEL (plain), i);
      g_autoptr(SyncobjRecord) b = g_list_model_get_item (G_LIST_MODEL (nulls), i);

      g_assert_true (a == b);
    }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (limited)), ==, 2);
}

/* ---- sort --------------------------------------------------------------------- */

static void
test_sort_missing_last_ties_by_key (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection =
    syncobj_test_collection_from_json ("[{\"id\": \"x\", \"n\": 1}, {\"id\": \"10\", \"n\": 1}, {\"id\": \"9\", \"n\": 1},"
                                       " {\"id\": \"-2\", \"n\": 1}, {\"id\": \"09\"}, {\"id\": \"B\", \"n\": 0},"
                                       " {\"id\": \"a\", \"n\": \"s\"}, {\"id\": \"c\", \"n\": null}]",
                                       SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjView) by_key = view_json (collection, "{}");
  g_autoptr(SyncobjView) ascending = view_json (collection, "{\"order_by\": [\"n\"]}");
  g_autoptr(SyncobjView) descending = view_json (collection, "{\"order_by\": [\"-n\"]}");

  /* Integer keys by value and first; "09" is not an integer key. */
  assert_view_keys (by_key, "-2 9 10 09 B a c x");
  /* null < numbers < strings; missing last in both directions. */
  assert_view_keys (ascending, "c B -2 9 10 x a 09");
  assert_view_keys (descending, "a -2 9 10 x B c 09");
}

static void
test_sort_nested_and_several (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjView) by_owner = view_json (collection, "{\"order_by\": [\"owner.name\"]}");
  g_autoptr(SyncobjView) by_done = view_json (collection, "{\"order_by\": [\"-done\", \"title\"]}");
  const char *order_by[] = { "done", "-title", NULL };
  g_autoptr(SyncobjView) c_view = syncobj_view_new (G_LIST_MODEL (collection), NULL, order_by);

  assert_view_keys (by_owner, "a c b d");
  assert_view_keys (by_done, "b d a c");
  assert_view_keys (c_view, "c a d b");
}

/* ---- filter, window, pending ----------------------------------------------- */

static void
test_filter_and_window (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjView) open = view_json (collection, "{\"where\": {\"member\": \"done\", \"op\": \"=\", \"value\": false},"
                                                       " \"order_by\": [\"title\"]}");
  g_autoptr(SyncobjView) page = view_json (collection, "{\"order_by\": [\"title\"], \"offset\": 1, \"limit\": 2}");

  assert_view_keys (open, "d a c");
  g_assert_cmpuint (syncobj_view_get_n_matched (open), ==, 3);
  assert_view_keys (page, "d a");
  g_assert_cmpuint (syncobj_view_get_n_matched (page), ==, 4);

  syncobj_view_set_offset (page, 3);
  assert_view_keys (page, "c");
  syncobj_view_set_limit (page, 0);
  assert_view_keys (page, "");
  syncobj_view_set_offset (page, 0);
  syncobj_view_set_limit (page, G_MAXUINT);
  assert_view_keys (page, "b d a c");
}

/* Rows loaded as JSON text stay packed, and a view reads their members
 * from the text: names and strings with escapes, a repeated member (the
 * last counts, as in a parsed object), nested and absent members. */
static void
test_packed_members (void)
{
  static const char rows[] =
    "[{\"id\": \"a\", \"t\\u0069tle\": \"b\\u0061nana\", \"n\": 9, \"n\": 1, \"done\": false},"
    " {\"id\": \"b\", \"title\": \"apple \\\"pie\\\"\", \"n\": 2, \"done\": false, \"owner\": {\"name\": \"Ann\"}},"
    " {\"id\": \"c\", \"title\": \"apple\", \"n\": 1, \"done\": true},"
    " {\"id\": \"d\", \"n\": 3, \"done\": false, \"title\": \"apple\"},"
    " {\"id\": \"e\", \"done\": false, \"title\": \"cherry\"}]";
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (NULL, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjView) open = NULL;
  g_autoptr(SyncobjView) owned = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (syncobj_sync_load_json_array (syncobj_sync_control_get_sync (control), rows, -1, &error));
  g_assert_no_error (error);

  open = view_json (collection, "{\"where\": {\"and\": [{\"member\": \"n\", \"op\": \"<\", \"value\": 3},"
                                "                     {\"member\": \"done\", \"op\": \"=\", \"value\": false}]},"
                                " \"order_by\": [\"title\"]}");
  assert_view_keys (open, "b a");
  owned = view_json (collection, "{\"where\": {\"member\": \"owner.name\", \"op\": \"exists\"}, \"order_by\": [\"-title\", \"n\"]}");
  assert_view_keys (owned, "b");

  g_assert_true (syncobj_view_set_order_by (open, (const char * const[]) { "-n", "title", NULL }, &error));
  g_assert_no_error (error);
  assert_view_keys (open, "b a");
  syncobj_view_set_where (open, NULL);
  assert_view_keys (open, "d b c a e");
}

static gboolean
has_owner (SyncobjRecord *record,
           gpointer       user_data)
{
  guint *calls = user_data;

  (*calls)++;
  return json_object_has_member (syncobj_record_get_value (record), "owner");
}

static void
test_filter_func (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjView) view = view_json (collection, "{\"order_by\": [\"title\"]}");
  g_autoptr(SyncobjTransaction) transaction = NULL;
  guint calls = 0;

  syncobj_view_set_filter_func (view, has_owner, &calls, NULL);
  g_assert_cmpuint (calls, ==, 4);
  assert_view_keys (view, "b a c");

  transaction = syncobj_test_update (collection, "d", "{\"owner\": {\"name\": \"Dee\"}}");
  assert_view_keys (view, "b d a c");
  g_assert_cmpuint (calls, ==, 5);

  syncobj_view_set_filter_func (view, NULL, NULL, NULL);
  assert_view_keys (view, "b d a c");
  syncobj_test_drain (control, collection);
}

static void
test_pending_filter (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjView) pending = view_json (collection, "{\"pending\": \"only\"}");
  g_autoptr(SyncobjView) changed = syncobj_collection_view_changed (collection);
  g_autoptr(SyncobjView) synced = view_json (collection, "{\"pending\": \"exclude\"}");
  g_autoptr(SyncobjTransaction) transaction = NULL;

  assert_view_keys (pending, "");
  assert_view_keys (synced, "a b c d");

  syncobj_sync_control_set_network_delay (control, 100);
  transaction = syncobj_test_update (collection, "c", "{\"done\": true}");
  assert_view_keys (pending, "c");
  assert_view_keys (changed, "c");
  assert_view_keys (synced, "a b d");

  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 10, 5000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  assert_view_keys (pending, "");
  assert_view_keys (changed, "");
  assert_view_keys (synced, "a b c d");
}

/* ---- items-changed ------------------------------------------------------------ */

static void
test_items_changed_in_place_and_moves (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjView) view = view_json (collection, "{\"order_by\": [\"title\"]}");
  SyncobjTestItemsChanged *changes = syncobj_test_items_changed_new (G_LIST_MODEL (view));

  assert_view_keys (view, "b d a c");

  /* Changed in place, same position: one removed and one added there. */
  syncobj_test_emit_update (control, "{\"id\": \"a\", \"title\": \"Milk!\", \"done\": true}");
  syncobj_test_items_changed_assert (changes, "2,1,1");
  syncobj_test_items_changed_clear (changes);

  /* Moves: removed at the old position, added at the new one. */
  syncobj_test_emit_update (control, "{\"id\": \"a\", \"title\": \"Apple\"}");
  syncobj_test_items_changed_assert (changes, "2,1,0 0,0,1");
  assert_view_keys (view, "a b d c");
  syncobj_test_items_changed_clear (changes);

  syncobj_test_items_changed_free (changes);

  /* Neighbours changed in one commit: one range. */
  {
    SyncobjSync *sync = syncobj_sync_control_get_sync (control);
    g_autoptr(SyncobjView) by_key = view_json (collection, "{\"where\": {\"member\": \"id\", \"op\": \"!=\", \"value\": \"a\"}}");
    g_autoptr(JsonObject) b = syncobj_test_object ("{\"id\": \"b\", \"title\": \"Bread\", \"n\": 2}");
    g_autoptr(JsonObject) c = syncobj_test_object ("{\"id\": \"c\", \"title\": \"Eggs\", \"n\": 2}");

    changes = syncobj_test_items_changed_new (G_LIST_MODEL (by_key));
    syncobj_sync_begin (sync);
    g_assert_true (syncobj_sync_write (sync, SYNCOBJ_MUTATION_TYPE_UPDATE, b, NULL));
    g_assert_true (syncobj_sync_write (sync, SYNCOBJ_MUTATION_TYPE_UPDATE, c, NULL));
    g_assert_true (syncobj_sync_commit (sync, NULL));
    syncobj_test_items_changed_assert (changes, "0,2,2");
  }
  syncobj_test_items_changed_free (changes);
}

static void
test_rollback_restores_position (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjView) view = view_json (collection, "{\"order_by\": [\"title\"], \"where\": {\"member\": \"done\", \"op\": \"=\", \"value\": false}}");
  g_autoptr(SyncobjTransaction) update = NULL;
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(GError) error = NULL;

  syncobj_sync_control_set_network_delay (control, 1000);
  update = syncobj_test_update (collection, "a", "{\"title\": \"Zucchini\"}");
  insert = syncobj_test_insert (collection, "{\"id\": \"e\", \"title\": \"Cheese\", \"done\": false}");
  assert_view_keys (view, "e d a c");

  g_assert_true (syncobj_transaction_rollback (update, &error));
  g_assert_no_error (error);
  g_assert_true (syncobj_transaction_rollback (insert, &error));
  g_assert_no_error (error);
  assert_view_keys (view, "d a c");
  syncobj_test_drain (control, collection);
}

/* ---- lifetimes and views of views ---------------------------------------------- */

static void
test_view_of_view (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjView) open = view_json (collection, "{\"where\": {\"member\": \"done\", \"op\": \"=\", \"value\": false}}");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjView) top = syncobj_view_new_from_json (G_LIST_MODEL (open), "{\"order_by\": [\"-title\"], \"limit\": 2}", &error);

  g_assert_no_error (error);
  assert_view_keys (top, "c a");
  syncobj_test_emit_update (control, "{\"id\": \"c\", \"title\": \"apples\", \"done\": true}");
  assert_view_keys (top, "a d");
  syncobj_test_emit_update (control, "{\"id\": \"b\", \"title\": \"zzz\", \"done\": false}");
  assert_view_keys (top, "b a");
}

static void
test_lifetimes (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  SyncobjCollection *collection = syncobj_test_collection_from_json (TODOS, SYNCOBJ_STRATEGY_ORDERED, &control);
  SyncobjView *view = view_json (collection, "{\"order_by\": [\"title\"]}");
  SyncobjView *second = view_json (collection, "{}");

  g_object_add_weak_pointer (G_OBJECT (collection), (gpointer *) &collection);
  g_object_add_weak_pointer (G_OBJECT (second), (gpointer *) &second);

  /* The collection does not keep a view alive, and changes reach only
   * the views that are left. */
  g_object_unref (second);
  g_assert_null (second);
  syncobj_test_emit_update (control, "{\"id\": \"e\", \"title\": \"A\"}");
  assert_view_keys (view, "e b d a c");

  /* A view keeps its collection alive. */
  g_object_unref (collection);
  g_assert_nonnull (collection);
  assert_view_keys (view, "e b d a c");
  g_object_unref (view);
  g_assert_null (collection);
}

/* ---- the randomized differential test ------------------------------------------ */

/* The list a GTK model stacked on a view would hold: kept up to date only
 * from the view's items-changed. */
typedef struct
{
  GListModel *model;
  GPtrArray  *items;   /* SyncobjRecord */
  gulong      handler;
} Shadow;

static void
shadow_items_changed_cb (GListModel *model,
                         guint       position,
                         guint       removed,
                         guint       added,
                         Shadow     *shadow)
{
  g_assert_cmpuint (position + removed, <=, shadow->items->len);
  g_ptr_array_remove_range (shadow->items, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (shadow->items, position + i, g_list_model_get_item (model, position + i));
  g_assert_cmpuint (shadow->items->len, ==, g_list_model_get_n_items (model));
}

static Shadow *
shadow_new (GListModel *model)
{
  Shadow *shadow = g_new0 (Shadow, 1);

  shadow->model = model;
  shadow->items = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    g_ptr_array_add (shadow->items, g_list_model_get_item (model, i));
  shadow->handler = g_signal_connect (model, "items-changed", G_CALLBACK (shadow_items_changed_cb), shadow);
  return shadow;
}

static void
shadow_free (Shadow *shadow)
{
  g_signal_handler_disconnect (shadow->model, shadow->handler);
  g_ptr_array_unref (shadow->items);
  g_free (shadow);
}

/* The brute-force view: the definition, written again independently. */
typedef struct
{
  const char         *json;
  int                 source;      /* index of the view it is made of, -1: the collection */
  SyncobjCondition   *where;
  char              **sort;        /* "-member" or "member", one level */
  guint               offset;
  guint               limit;
  SyncobjPendingFilter pending;
  gboolean            even_n;      /* plus a filter function */
} Spec;

static int
kind_rank (JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    return 0;
  if (JSON_NODE_HOLDS_VALUE (node))
    {
      GType type = json_node_get_value_type (node);

      return type == G_TYPE_BOOLEAN ? 1 : type == G_TYPE_STRING ? 3 : 2;
    }
  return 4;
}

static int
brute_compare_values (JsonNode *a,
                      JsonNode *b)
{
  int ra = kind_rank (a), rb = kind_rank (b);

  if (ra != rb)
    return ra - rb;
  switch (ra)
    {
    case 1: return json_node_get_boolean (a) - json_node_get_boolean (b);
    case 2: return json_node_get_double (a) < json_node_get_double (b) ? -1 : json_node_get_double (a) > json_node_get_double (b);
    case 3: return strcmp (json_node_get_string (a), json_node_get_string (b));
    default: return 0;
    }
}

static gboolean
brute_int_key (const char *key,
               gint64     *value)
{
  char *end = NULL;
  g_autofree char *again = NULL;

  *value = g_ascii_strtoll (key, &end, 10);
  if (*key == '\0' || *end != '\0')
    return FALSE;
  again = g_strdup_printf ("%" G_GINT64_FORMAT, *value);
  return strcmp (again, key) == 0;
}

static int
brute_compare (gconstpointer a,
               gconstpointer b,
               gpointer      data)
{
  SyncobjRecord *x = *(SyncobjRecord **) a, *y = *(SyncobjRecord **) b;
  Spec *spec = data;
  gint64 ix, iy;
  gboolean int_x, int_y;

  for (guint i = 0; spec->sort != NULL && spec->sort[i] != NULL; i++)
    {
      gboolean descending = spec->sort[i][0] == '-';
      const char *member = spec->sort[i] + descending;
      JsonNode *u = json_object_get_member (syncobj_record_get_value (x), member);
      JsonNode *v = json_object_get_member (syncobj_record_get_value (y), member);
      int c;

      if (u == NULL && v == NULL)
        continue;
      if (u == NULL || v == NULL)
        return u == NULL ? 1 : -1;
      c = brute_compare_values (u, v);
      if (c != 0)
        return descending ? -c : c;
    }

  int_x = brute_int_key (syncobj_record_get_key (x), &ix);
  int_y = brute_int_key (syncobj_record_get_key (y), &iy);
  if (int_x && int_y)
    return ix < iy ? -1 : ix > iy;
  if (int_x != int_y)
    return int_x ? -1 : 1;
  return strcmp (syncobj_record_get_key (x), syncobj_record_get_key (y));
}

static gboolean
even_n (SyncobjRecord *record,
        gpointer       user_data)
{
  JsonNode *n = json_object_get_member (syncobj_record_get_value (record), "n");

  return n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64 &&
         json_node_get_int (n) % 2 == 0;
}

static GPtrArray *
brute_force (Spec       *spec,
             GPtrArray  *source)
{
  g_autoptr(GPtrArray) passing = g_ptr_array_new ();
  GPtrArray *window = g_ptr_array_new ();

  for (guint i = 0; i < source->len; i++)
    {
      SyncobjRecord *record = g_ptr_array_index (source, i);

      if (spec->pending != SYNCOBJ_PENDING_FILTER_ALL &&
          syncobj_record_get_pending (record) != (spec->pending == SYNCOBJ_PENDING_FILTER_ONLY))
        continue;
      if (spec->where != NULL && !syncobj_condition_matches (spec->where, syncobj_record_get_value (record)))
        continue;
      if (spec->even_n && !even_n (record, NULL))
        continue;
      g_ptr_array_add (passing, record);
    }

  g_ptr_array_sort_with_data (passing, brute_compare, spec);
  for (guint i = spec->offset; i < passing->len && i - spec->offset < spec->limit; i++)
    g_ptr_array_add (window, g_ptr_array_index (passing, i));
  return window;
}

/* Some share their first 8 bytes, and one is longer than a view keeps
 * inline. */
static const char *const titles[] = { "apple", "Apple", "banana", "b", "Émile", "zed", "",
                                      "bananarama", "bananaramas", "bananar", "a title longer than twenty-four bytes" };
static const char *const names[] = { "Ann", "joanna", "Bob", "BOB" };

static char *
random_key (GRand *rand)
{
  int i = g_rand_int_range (rand, 0, 40);

  if (i < 14)
    return g_strdup_printf ("%d", i - 4);   /* integer keys, some negative */
  if (i < 16)
    return g_strdup_printf ("0%d", i);      /* not integer keys */
  if (i < 18)
    return g_strdup_printf ("a key longer than the inline room %d", i);
  return g_strdup_printf ("k%d", i);
}

/* Loads @text_rows, if any, into the sync's open commit as one JSON
 * text: the collection keeps such rows packed and views read them
 * without building them. */
static void
load_text_rows (SyncobjSync *sync,
                JsonArray   *text_rows)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  if (json_array_get_length (text_rows) == 0)
    return;
  node = json_node_init_array (json_node_alloc (), text_rows);
  text = json_to_string (node, FALSE);
  g_assert_true (syncobj_sync_load_json_array (sync, text, -1, &error));
  g_assert_no_error (error);
}

static JsonObject *
random_value (GRand      *rand,
              const char *key,
              gboolean    with_key)
{
  JsonObject *value = json_object_new ();

  if (with_key)
    json_object_set_string_member (value, "id", key);
  if (g_rand_int_range (rand, 0, 8) > 0)
    json_object_set_string_member (value, "title", titles[g_rand_int_range (rand, 0, G_N_ELEMENTS (titles))]);
  switch (g_rand_int_range (rand, 0, 9))
    {
    case 0: break;
    case 1: json_object_set_null_member (value, "n"); break;
    case 2: json_object_set_double_member (value, "n", g_rand_int_range (rand, -4, 8) / 2.0); break;
    case 3: json_object_set_string_member (value, "n", "7"); break;
    case 8: json_object_set_double_member (value, "n", -0.0); break;
    default: json_object_set_int_member (value, "n", g_rand_int_range (rand, -2, 10)); break;
    }
  if (g_rand_int_range (rand, 0, 5) > 0)
    json_object_set_boolean_member (value, "done", g_rand_boolean (rand));
  if (g_rand_int_range (rand, 0, 3) > 0)
    {
      JsonObject *owner = json_object_new ();

      json_object_set_string_member (owner, "name", names[g_rand_int_range (rand, 0, G_N_ELEMENTS (names))]);
      json_object_set_object_member (value, "owner", owner);
    }
  return value;
}

static void
random_step (GRand              *rand,
             SyncobjCollection  *collection,
             SyncobjSyncControl *control,
             GPtrArray          *transactions)
{
  SyncobjSync *sync = syncobj_sync_control_get_sync (control);
  int what = g_rand_int_range (rand, 0, 100);
  g_autoptr(GError) error = NULL;

  if (what < 30)
    {
      /* A sync commit of one to five rows, some of them deletes; some
       * commits bring their rows as JSON text, which the collection keeps
       * packed and views read without building them. */
      guint rows = g_rand_int_range (rand, 1, 6);
      gboolean as_text = g_rand_int_range (rand, 0, 3) == 0;
      g_autoptr(JsonArray) text_rows = json_array_new ();
      GHashTable *seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

      syncobj_sync_begin (sync);
      for (guint i = 0; i < rows; i++)
        {
          g_autofree char *key = random_key (rand);
          g_autoptr(JsonObject) value = random_value (rand, key, TRUE);

          if (g_hash_table_contains (seen, key))
            continue;   /* one write per key in a commit */
          g_hash_table_add (seen, g_strdup (key));
          if (g_rand_int_range (rand, 0, 5) == 0)
            g_assert_true (syncobj_sync_write (sync, SYNCOBJ_MUTATION_TYPE_DELETE, value, &error));
          else if (as_text)
            json_array_add_object_element (text_rows, json_object_ref (value));
          else
            g_assert_true (syncobj_sync_write (sync, SYNCOBJ_MUTATION_TYPE_UPDATE, value, &error));
          g_assert_no_error (error);
        }
      g_hash_table_unref (seen);
      load_text_rows (sync, text_rows);
      g_assert_true (syncobj_sync_commit (sync, &error));
      g_assert_no_error (error);
    }
  else if (what < 65)
    {
      /* An optimistic insert, update or delete. */
      g_autofree char *key = random_key (rand);
      SyncobjTransaction *transaction;

      if (!syncobj_collection_contains (collection, key))
        {
          g_autoptr(JsonObject) value = random_value (rand, key, TRUE);

          transaction = syncobj_collection_insert (collection, value, &error);
        }
      else if (g_rand_int_range (rand, 0, 6) == 0)
        transaction = syncobj_collection_delete (collection, key, &error);
      else
        {
          g_autoptr(JsonObject) changes = random_value (rand, key, FALSE);

          transaction = syncobj_collection_update (collection, key, changes, &error);
        }
      g_assert_no_error (error);
      g_ptr_array_add (transactions, transaction);
    }
  else if (what < 80)
    {
      /* Roll back a transaction that has not finished. */
      for (guint tries = 0; tries < 3 && transactions->len > 0; tries++)
        {
          SyncobjTransaction *transaction = g_ptr_array_index (transactions, g_rand_int_range (rand, 0, transactions->len));

          if (!syncobj_transaction_is_finished (transaction))
            {
              syncobj_transaction_rollback (transaction, NULL);
              break;
            }
        }
    }
  else if (what < 85)
    syncobj_sync_control_fail_next_persist_non_retriable (control);
  else
    syncobj_sync_control_advance (control, g_rand_int_range (rand, 1, 80));

  /* Forget finished transactions. */
  for (guint i = transactions->len; i > 0; i--)
    if (syncobj_transaction_is_finished (g_ptr_array_index (transactions, i - 1)))
      g_ptr_array_remove_index_fast (transactions, i - 1);
}

static GPtrArray *
model_items (GListModel *model)
{
  GPtrArray *items = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    g_ptr_array_add (items, g_list_model_get_item (model, i));
  return items;
}

static void
assert_same_records (GPtrArray  *expected,
                     GPtrArray  *actual,
                     const char *what,
                     guint       step)
{
  gboolean same = expected->len == actual->len;

  for (guint i = 0; same && i < expected->len; i++)
    same = g_ptr_array_index (expected, i) == g_ptr_array_index (actual, i);

  if (!same)
    {
      g_autoptr(GString) text = g_string_new (NULL);

      g_string_append_printf (text, "step %u, %s: expected", step, what);
      for (guint i = 0; i < expected->len; i++)
        g_string_append_printf (text, " %s", syncobj_record_get_key (g_ptr_array_index (expected, i)));
      g_string_append (text, ", got");
      for (guint i = 0; i < actual->len; i++)
        g_string_append_printf (text, " %s", syncobj_record_get_key (g_ptr_array_index (actual, i)));
      g_error ("%s", text->str);
    }
}

/* Every view holds what its brute-force recomputation holds, and so does
 * the list kept from its items-changed. */
static void
check_views (SyncobjCollection  *collection,
             Spec               *specs,
             SyncobjView       **views,
             Shadow            **shadows,
             guint               n_views,
             guint               step)
{
  g_autoptr(GPtrArray) all = model_items (G_LIST_MODEL (collection));
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);

  for (guint v = 0; v < n_views; v++)
    {
      g_autoptr(GPtrArray) actual = model_items (G_LIST_MODEL (views[v]));
      GPtrArray *source = specs[v].source < 0 ? all : g_ptr_array_index (expected, specs[v].source);

      g_ptr_array_add (expected, brute_force (&specs[v], source));
      assert_same_records (g_ptr_array_index (expected, v), actual, specs[v].json, step);
      assert_same_records (g_ptr_array_index (expected, v), shadows[v]->items, "its items-changed", step);
    }
}

/* Makes the views of @specs over @collection, each with its shadow. */
static void
views_new (SyncobjCollection  *collection,
           Spec               *specs,
           SyncobjView       **views,
           Shadow            **shadows,
           guint               n_views)
{
  for (guint v = 0; v < n_views; v++)
    {
      g_autoptr(GError) error = NULL;
      GListModel *source = specs[v].source < 0 ? G_LIST_MODEL (collection) : G_LIST_MODEL (views[specs[v].source]);

      views[v] = syncobj_view_new_from_json (source, specs[v].json, &error);
      g_assert_no_error (error);
      specs[v].where = syncobj_view_get_where (views[v]);
      specs[v].sort = (char **) syncobj_view_get_order_by (views[v]);
      specs[v].offset = syncobj_view_get_offset (views[v]);
      specs[v].limit = syncobj_view_get_limit (views[v]);
      specs[v].pending = syncobj_view_get_pending_filter (views[v]);
      shadows[v] = shadow_new (G_LIST_MODEL (views[v]));
    }
}

static void
views_free (SyncobjView **views,
            Shadow      **shadows,
            guint         n_views)
{
  for (guint v = n_views; v > 0; v--)
    {
      shadow_free (shadows[v - 1]);
      g_object_unref (views[v - 1]);
    }
}

static void
test_differential (void)
{
  static Spec specs[] = {
    { "{\"where\": {\"member\": \"done\", \"op\": \"=\", \"value\": false}, \"order_by\": [\"title\"]}", -1 },
    { "{\"where\": {\"or\": [{\"member\": \"n\", \"op\": \"<\", \"value\": 3}, {\"member\": \"owner.name\", \"op\": \"icontains\", \"value\": \"an\"}]},"
      " \"order_by\": [\"-n\", \"title\"]}", -1 },
    { "{\"order_by\": [\"n\"], \"offset\": 3, \"limit\": 5}", -1 },
    { "{\"pending\": \"only\", \"order_by\": [\"-title\"]}", -1 },
    { "{\"pending\": \"exclude\", \"where\": {\"not\": {\"member\": \"n\", \"op\": \"exists\"}}}", -1 },
    { "{\"where\": {\"member\": \"done\", \"op\": \"in\", \"value\": [true, null]}, \"order_by\": [\"title\"], \"limit\": 4}", 1 },
    { "{\"order_by\": [\"done\", \"-title\"], \"offset\": 2}", -1 },
    { "{\"order_by\": [\"title\"], \"where\": {\"member\": \"title\", \"op\": \">=\", \"value\": \"b\"}}", -1 },
  };
  guint even_spec = 6;
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json ("[]", SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(GPtrArray) transactions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GRand) rand = g_rand_new_with_seed (g_test_rand_int ());
  SyncobjView *views[G_N_ELEMENTS (specs)];
  Shadow *shadows[G_N_ELEMENTS (specs)];
  guint steps = g_test_thorough () ? 20000 : syncobj_test_instrumented () ? 600 : 3000;

  syncobj_sync_control_set_network_delay (control, 20);
  syncobj_test_exact_retry_policy (collection, 2);

  for (guint v = 0; v < G_N_ELEMENTS (specs); v++)
    {
      g_autoptr(GError) error = NULL;
      GListModel *source = specs[v].source < 0 ? G_LIST_MODEL (collection) : G_LIST_MODEL (views[specs[v].source]);

      views[v] = syncobj_view_new_from_json (source, specs[v].json, &error);
      g_assert_no_error (error);
      specs[v].where = syncobj_view_get_where (views[v]);
      specs[v].sort = (char **) syncobj_view_get_order_by (views[v]);
      specs[v].offset = syncobj_view_get_offset (views[v]);
      specs[v].limit = syncobj_view_get_limit (views[v]);
      specs[v].pending = syncobj_view_get_pending_filter (views[v]);
      if (v == even_spec)
        {
          specs[v].even_n = TRUE;
          syncobj_view_set_filter_func (views[v], even_n, NULL, NULL);
        }
      shadows[v] = shadow_new (G_LIST_MODEL (views[v]));
    }

  for (guint step = 0; step < steps; step++)
    {
      random_step (rand, collection, control, transactions);
      check_views (collection, specs, views, shadows, G_N_ELEMENTS (specs), step);
    }

  views_free (views, shadows, G_N_ELEMENTS (specs));
  g_ptr_array_set_size (transactions, 0);
  syncobj_test_drain (control, collection);
}

/* Views built over many records at once (a build sorts them in bulk):
 * the same as the brute force, with titles that tie and that share
 * their first 8, 16 or 32 bytes, values of every kind, records held as objects and
 * as packed text, and after a new sort. */
static void
test_differential_big_build (void)
{
  static Spec specs[] = {
    { "{\"where\": {\"member\": \"done\", \"op\": \"=\", \"value\": false}, \"order_by\": [\"title\"]}", -1 },
    { "{\"order_by\": [\"-n\", \"title\"]}", -1 },
    { "{\"order_by\": [\"n\"], \"offset\": 10, \"limit\": 50}", -1 },
    { "{}", -1 },
    { "{\"order_by\": [\"done\", \"-title\"]}", -1 },
    { "{\"order_by\": [\"-title\"], \"where\": {\"member\": \"n\", \"op\": \">=\", \"value\": 0}}", 0 },
  };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json ("[]", SYNCOBJ_STRATEGY_ORDERED, &control);
  SyncobjSync *sync = syncobj_sync_control_get_sync (control);
  g_autoptr(GRand) rand = g_rand_new_with_seed (g_test_rand_int ());
  g_autoptr(JsonArray) text_rows = json_array_new ();
  g_autoptr(GError) error = NULL;
  SyncobjView *views[G_N_ELEMENTS (specs)];
  Shadow *shadows[G_N_ELEMENTS (specs)];
  guint n = syncobj_test_instrumented () ? 600 : 3000;

  syncobj_sync_begin (sync);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *key = i % 3 == 0 ? g_strdup_printf ("%d", (int) i - 700)
                           : i % 3 == 1 ? g_strdup_printf ("k%u", i)
                           : g_strdup_printf ("a key longer than the inline room %u", i);
      g_autoptr(JsonObject) value = random_value (rand, key, TRUE);

      if (g_rand_boolean (rand))
        {
          /* Runs that share 8 bytes and more: a build sorts them on
           * their next 8 bytes, and so on. */
          g_autofree char *title = g_strdup_printf (g_rand_boolean (rand) ? "an item %d" : "an item that goes on and on %d",
                                                    g_rand_int_range (rand, 0, 5000));

          json_object_set_string_member (value, "title", title);
        }
      if (i % 2 == 0)
        json_array_add_object_element (text_rows, json_object_ref (value));
      else
        g_assert_true (syncobj_sync_write (sync, SYNCOBJ_MUTATION_TYPE_INSERT, value, &error));
      g_assert_no_error (error);
    }
  load_text_rows (sync, text_rows);
  g_assert_true (syncobj_sync_commit (sync, &error));
  g_assert_no_error (error);

  views_new (collection, specs, views, shadows, G_N_ELEMENTS (specs));
  check_views (collection, specs, views, shadows, G_N_ELEMENTS (specs), 0);

  g_assert_true (syncobj_view_set_order_by (views[3], (const char * const[]) { "title", "-n", NULL }, &error));
  g_assert_no_error (error);
  specs[3].sort = (char **) syncobj_view_get_order_by (views[3]);
  check_views (collection, specs, views, shadows, G_N_ELEMENTS (specs), 1);

  views_free (views, shadows, G_N_ELEMENTS (specs));
}

/* The same, with builds and sorts on two threads (from far fewer entries
 * than the default threshold). */
static void
test_differential_big_build_parallel (void)
{
  _syncobj_view_set_parallel_min (256);
  g_assert_true (_syncobj_view_build_in_parallel (3000));
  test_differential_big_build ();
  _syncobj_view_set_parallel_min (0);
}

/* A build on two threads gives the list a build on one does, item for
 * item, for records held as packed text and as objects, and so does a
 * new sort of every entry. */
static void
test_build_parallel_same (void)
{
  static const char *specs[] = {
    "{\"where\": {\"member\": \"done\", \"op\": \"=\", \"value\": false}, \"order_by\": [\"title\"]}",
    "{\"where\": {\"or\": [{\"member\": \"n\", \"op\": \"<\", \"value\": 3}, {\"member\": \"owner.name\", \"op\": \"icontains\", \"value\": \"an\"}]},"
    " \"order_by\": [\"-n\", \"title\"]}",
    "{\"order_by\": [\"-title\"], \"offset\": 7, \"limit\": 900}",
    "{}",
  };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json ("[]", SYNCOBJ_STRATEGY_ORDERED, &control);
  SyncobjSync *sync = syncobj_sync_control_get_sync (control);
  g_autoptr(GRand) rand = g_rand_new_with_seed (g_test_rand_int ());
  g_autoptr(JsonArray) text_rows = json_array_new ();
  g_autoptr(GError) error = NULL;
  guint n = syncobj_test_instrumented () ? 1000 : 4000;

  syncobj_sync_begin (sync);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *key = i % 3 == 0 ? g_strdup_printf ("%d", (int) i - 900) : g_strdup_printf ("k%u", i);
      g_autoptr(JsonObject) value = random_value (rand, key, TRUE);

      if (i % 5 != 0)
        json_array_add_object_element (text_rows, json_object_ref (value));
      else
        g_assert_true (syncobj_sync_write (sync, SYNCOBJ_MUTATION_TYPE_INSERT, value, &error));
      g_assert_no_error (error);
    }
  load_text_rows (sync, text_rows);
  g_assert_true (syncobj_sync_commit (sync, &error));
  g_assert_no_error (error);

  for (guint s = 0; s < G_N_ELEMENTS (specs); s++)
    {
      g_autoptr(SyncobjView) one = NULL;
      g_autoptr(SyncobjView) two = NULL;
      g_autofree char *one_keys = NULL;
      g_autofree char *two_keys = NULL;

      _syncobj_view_set_parallel_min (G_MAXUINT);
      g_assert_false (_syncobj_view_build_in_parallel (n));
      one = syncobj_view_new_from_json (G_LIST_MODEL (collection), specs[s], &error);
      g_assert_no_error (error);
      _syncobj_view_set_parallel_min (64);
      g_assert_true (_syncobj_view_build_in_parallel (n / 10));
      two = syncobj_view_new_from_json (G_LIST_MODEL (collection), specs[s], &error);
      g_assert_no_error (error);

      one_keys = model_keys (G_LIST_MODEL (one));
      two_keys = model_keys (G_LIST_MODEL (two));
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (two)), >, 100);
      g_assert_cmpstr (two_keys, ==, one_keys);
      g_clear_pointer (&one_keys, g_free);
      g_clear_pointer (&two_keys, g_free);

      /* Every entry sorted again. */
      g_assert_true (syncobj_view_set_order_by (two, (const char * const[]) { "title", "-n", NULL }, &error));
      g_assert_no_error (error);
      _syncobj_view_set_parallel_min (G_MAXUINT);
      g_assert_true (syncobj_view_set_order_by (one, (const char * const[]) { "title", "-n", NULL }, &error));
      g_assert_no_error (error);
      one_keys = model_keys (G_LIST_MODEL (one));
      two_keys = model_keys (G_LIST_MODEL (two));
      g_assert_cmpstr (two_keys, ==, one_keys);
    }
  _syncobj_view_set_parallel_min (0);
}

/* A collection whose server assigns the keys: inserts without a key show
 * under temporary keys, and the persist answers re-key the records in
 * place (no items-changed) with a new value; views sorted by key, or
 * filtering on the key member, follow. */
static void
server_keys_step (GRand              *rand,
                  SyncobjCollection  *collection,
                  SyncobjSyncControl *control,
                  GPtrArray          *transactions)
{
  int what = g_rand_int_range (rand, 0, 100);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (collection));
  g_autoptr(GError) error = NULL;

  if (what < 35 || n == 0)
    {
      g_autoptr(JsonObject) value = random_value (rand, NULL, FALSE);

      g_ptr_array_add (transactions, syncobj_collection_insert (collection, value, &error));
      g_assert_no_error (error);
    }
  else if (what < 60)
    {
      g_autoptr(SyncobjRecord) record = g_list_model_get_item (G_LIST_MODEL (collection), g_rand_int_range (rand, 0, n));
      const char *key = syncobj_record_get_key (record);
      SyncobjTransaction *transaction;

      if (g_rand_int_range (rand, 0, 6) == 0)
        transaction = syncobj_collection_delete (collection, key, &error);
      else
        {
          g_autoptr(JsonObject) changes = random_value (rand, NULL, FALSE);

          transaction = syncobj_collection_update (collection, key, changes, &error);
        }
      g_assert_no_error (error);
      g_ptr_array_add (transactions, transaction);
    }
  else if (what < 70)
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

  for (guint i = transactions->len; i > 0; i--)
    if (syncobj_transaction_is_finished (g_ptr_array_index (transactions, i - 1)))
      g_ptr_array_remove_index_fast (transactions, i - 1);
}

static void
test_differential_server_keys (void)
{
  static Spec specs[] = {
    { "{}", -1 },
    { "{\"order_by\": [\"title\"]}", -1 },
    { "{\"where\": {\"member\": \"id\", \"op\": \"exists\"}, \"order_by\": [\"-id\"]}", -1 },
    { "{\"pending\": \"exclude\"}", -1 },
    { "{\"offset\": 1, \"limit\": 3}", 0 },
  };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) unused = syncobj_test_collection_from_json (NULL, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTestSync) sync = syncobj_test_sync_new ("view-server-keys", NULL);
  g_autoptr(SyncobjCollection) collection = g_object_new (SYNCOBJ_TYPE_COLLECTION,
                                                          "id", "view-server-keys",
                                                          "key-source", SYNCOBJ_KEY_SOURCE_SERVER,
                                                          "sync", sync,
                                                          "mutator", syncobj_sync_control_get_mutator (control),
                                                          NULL);
  g_autoptr(GPtrArray) transactions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GRand) rand = g_rand_new_with_seed (g_test_rand_int ());
  SyncobjView *views[G_N_ELEMENTS (specs)];
  Shadow *shadows[G_N_ELEMENTS (specs)];
  guint steps = g_test_thorough () ? 10000 : syncobj_test_instrumented () ? 300 : 1500;

  syncobj_sync_control_set_network_delay (control, 20);
  views_new (collection, specs, views, shadows, G_N_ELEMENTS (specs));

  for (guint step = 0; step < steps; step++)
    {
      server_keys_step (rand, collection, control, transactions);
      check_views (collection, specs, views, shadows, G_N_ELEMENTS (specs), step);
    }

  views_free (views, shadows, G_N_ELEMENTS (specs));
  g_ptr_array_set_size (transactions, 0);
  syncobj_test_drain (control, collection);
}

/* A re-key that leaves the record where it sorts is announced by the
 * record's notify::key only, in a view as in the collection; one that
 * makes it sort elsewhere moves it. The test server gives the key 1 to
 * the first insert without a key. */
static void
test_server_keys_rekey_in_place (void)
{
  static const struct
  {
    const char *json;
    guint       changes;   /* items-changed while the insert completes */
    guint       position;  /* of the record, after */
  } cases[] = {
    { "{\"order_by\": [\"title\"]}", 0, 0 },
    { "{\"where\": {\"member\": \"title\", \"op\": \"exists\"}, \"order_by\": [\"-title\"]}", 0, 1 },
    /* By key, its temporary key sorts after 5; 1 sorts before: removed
     * at 1, added at 0. */
    { "{}", 2, 0 },
    /* Without an id it sorts last; with the id 1, first. */
    { "{\"order_by\": [\"id\"]}", 2, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SyncobjSyncControl) control = NULL;
      g_autoptr(SyncobjCollection) unused = syncobj_test_collection_from_json (NULL, SYNCOBJ_STRATEGY_ORDERED, &control);
      g_autofree char *id = g_strdup_printf ("view-rekey-%u", i);
      g_autoptr(SyncobjTestSync) sync = syncobj_test_sync_new (id, NULL);
      g_autoptr(SyncobjCollection) collection = g_object_new (SYNCOBJ_TYPE_COLLECTION,
                                                              "id", id,
                                                              "key-source", SYNCOBJ_KEY_SOURCE_SERVER,
                                                              "sync", sync,
                                                              "mutator", syncobj_sync_control_get_mutator (control),
                                                              NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(SyncobjView) view = NULL;
      g_autoptr(SyncobjTestItemsChanged) changes = NULL;
      g_autoptr(SyncobjTransaction) inserted = NULL;
      g_autoptr(SyncobjRecord) record = NULL;
      g_autoptr(SyncobjRecord) after = NULL;

      g_assert_true (syncobj_sync_load_json_array (SYNCOBJ_SYNC (sync), "[{\"id\": 5, \"title\": \"b\"}]", -1, &error));
      syncobj_sync_mark_ready (SYNCOBJ_SYNC (sync));
      view = syncobj_view_new_from_json (G_LIST_MODEL (collection), cases[i].json, &error);
      g_assert_no_error (error);
      syncobj_sync_control_set_network_delay (control, 100);

      inserted = syncobj_test_insert (collection, "{\"title\": \"a\"}");
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (view)), ==, 2);
      for (guint j = 0; record == NULL; j++)
        {
          g_autoptr(SyncobjRecord) item = g_list_model_get_item (G_LIST_MODEL (collection), j);

          if (syncobj_record_is_temporary (item))
            record = g_steal_pointer (&item);
        }
      changes = syncobj_test_items_changed_new (G_LIST_MODEL (view));

      syncobj_test_drain (control, collection);

      g_assert_cmpint (syncobj_transaction_get_state (inserted), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
      g_assert_cmpstr (syncobj_record_get_key (record), ==, "1");
      g_assert_cmpuint (syncobj_test_items_changed_count (changes), ==, cases[i].changes);
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (view)), ==, 2);
      after = g_list_model_get_item (G_LIST_MODEL (view), cases[i].position);
      g_assert_true (after == record);
    }
}

int
main (int argc, char *argv[])
{
  syncobj_test_init (&argc, &argv);

  g_test_add_func ("/view/condition/operators", test_condition_operators);
  g_test_add_func ("/view/server-keys/rekey-in-place", test_server_keys_rekey_in_place);
  g_test_add_func ("/view/condition/c-api", test_condition_c_api);
  g_test_add_func ("/view/description/errors", test_description_errors);
  g_test_add_func ("/view/description/null-members", test_description_null_members);
  g_test_add_func ("/view/sort/missing-last-ties-by-key", test_sort_missing_last_ties_by_key);
  g_test_add_func ("/view/sort/nested-and-several", test_sort_nested_and_several);
  g_test_add_func ("/view/filter/and-window", test_filter_and_window);
  g_test_add_func ("/view/packed-members", test_packed_members);
  g_test_add_func ("/view/filter/func", test_filter_func);
  g_test_add_func ("/view/filter/pending", test_pending_filter);
  g_test_add_func ("/view/items-changed/in-place-and-moves", test_items_changed_in_place_and_moves);
  g_test_add_func ("/view/rollback-restores-position", test_rollback_restores_position);
  g_test_add_func ("/view/view-of-view", test_view_of_view);
  g_test_add_func ("/view/lifetimes", test_lifetimes);
  g_test_add_func ("/view/differential", test_differential);
  g_test_add_func ("/view/differential/server-keys", test_differential_server_keys);
  g_test_add_func ("/view/differential/big-build", test_differential_big_build);
  g_test_add_func ("/view/differential/big-build/parallel", test_differential_big_build_parallel);
  g_test_add_func ("/view/build/parallel-same", test_build_parallel_same);

  return g_test_run ();
}
