/* load-json-test.c: syncobj_sync_load_json_array() and packed records
 *
 * Records loaded from JSON text are kept as compact text and built into
 * JsonObjects on demand; everything a user sees must be what json-glib
 * would have produced from the same text.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <syncobj.h>

typedef struct
{
  SyncobjSync       *sync;
  SyncobjCollection *collection;
  guint              signals;
  gint               added;
  gint               removed;
} Fixture;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Fixture    *fixture)
{
  fixture->signals++;
  fixture->added += added;
  fixture->removed += removed;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(SyncobjMutator) mutator = syncobj_func_mutator_new (NULL, NULL, NULL);

  fixture->sync = syncobj_sync_new ("load");
  fixture->collection = syncobj_collection_new ("load", fixture->sync, mutator);
  g_signal_connect (fixture->collection, "items-changed", G_CALLBACK (items_changed_cb), fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->collection);
  g_clear_object (&fixture->sync);
}

/* What json-glib makes of @json (one object), as compact text. */
static char *
json_glib_text (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return json_to_string (json_parser_get_root (parser), FALSE);
}

static char *
object_text (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

static void
test_load_values (Fixture       *fixture,
                  gconstpointer  data)
{
  const char *records[] = {
    "{\"id\":\"a\",\"title\":\"plain\",\"done\":false,\"n\":1}",
    "{ \"id\" : \"b\\u00e9\\n\" , \"s\" : \"tab\\there \\\"q\\\" \\\\ \\/ \\ud83d\\ude00\" }",
    "{\"id\":\"c\",\"int\":-42,\"big\":9007199254740993,\"d\":1.5,\"e\":-2.5e3,\"z\":0,\"f\":1E2}",
    "{\"id\":\"d\",\"nested\":{\"list\":[1,\"two\",[true,null],{\"x\":{}}],\"empty\":[]},\"nil\":null}",
    "{\"n\":1,\"id\":\"e\",\"n\":2}",
    "{\"\\u0069d\":\"f\",\"t\":true}",
  };
  const char *keys[] = { "a", "b\xc3\xa9\n", "c", "d", "e", "f" };
  g_autoptr(GString) snapshot = g_string_new ("[\n");
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (records); i++)
    g_string_append_printf (snapshot, "%s  %s\n", i > 0 ? "," : "", records[i]);
  g_string_append (snapshot, "]\n");

  g_assert_true (syncobj_sync_load_json_array (fixture->sync, snapshot->str, -1, &error));
  g_assert_no_error (error);

  /* One commit: one items-changed for the appended range. */
  g_assert_cmpuint (syncobj_collection_get_size (fixture->collection), ==, G_N_ELEMENTS (records));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->collection)), ==, G_N_ELEMENTS (records));
  g_assert_cmpuint (fixture->signals, ==, 1);
  g_assert_cmpint (fixture->added, ==, G_N_ELEMENTS (records));

  for (guint i = 0; i < G_N_ELEMENTS (records); i++)
    {
      g_autofree char *expected = json_glib_text (records[i]);
      g_autofree char *seen = NULL;
      JsonObject *value;

      g_assert_true (syncobj_collection_contains (fixture->collection, keys[i]));
      value = syncobj_collection_lookup_value (fixture->collection, keys[i]);
      g_assert_nonnull (value);
      seen = object_text (value);
      g_assert_cmpstr (seen, ==, expected);
      /* Built once, then the same snapshot. */
      g_assert_true (syncobj_collection_lookup_value (fixture->collection, keys[i]) == value);
    }

  /* Numbers keep json-glib's types: integers stay integers. */
  {
    JsonObject *c = syncobj_collection_lookup_value (fixture->collection, "c");

    g_assert_cmpint (json_node_get_value_type (json_object_get_member (c, "int")), ==, G_TYPE_INT64);
    g_assert_cmpint (json_object_get_int_member (c, "int"), ==, -42);
    g_assert_cmpint (json_object_get_int_member (c, "big"), ==, G_GINT64_CONSTANT (9007199254740993));
    g_assert_cmpint (json_node_get_value_type (json_object_get_member (c, "d")), ==, G_TYPE_DOUBLE);
    g_assert_cmpfloat (json_object_get_double_member (c, "e"), ==, -2500.0);
  }
}

static void
test_load_list_model (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjRecord) record = NULL;
  g_autofree char *json = NULL;
  g_auto(GStrv) keys = NULL;

  g_assert_true (syncobj_sync_load_json_array (fixture->sync,
                                               "[{\"id\":\"x\",\"n\":1}, {\"id\":\"y\",\"n\":2},{\"id\":\"z\",\"n\":3}]",
                                               -1, &error));
  g_assert_no_error (error);

  keys = syncobj_collection_get_keys (fixture->collection);
  g_assert_cmpstrv (keys, ((const char *[]) { "x", "y", "z", NULL }));

  /* to_json writes packed records without building them, compactly. */
  json = syncobj_collection_to_json (fixture->collection);
  g_assert_cmpstr (json, ==, "[{\"id\":\"x\",\"n\":1},{\"id\":\"y\",\"n\":2},{\"id\":\"z\",\"n\":3}]");

  record = g_list_model_get_item (G_LIST_MODEL (fixture->collection), 1);
  g_assert_cmpstr (syncobj_record_get_key (record), ==, "y");
  g_assert_cmpint (syncobj_record_get_int (record, "n"), ==, 2);
  g_assert_false (syncobj_record_get_pending (record));
}

static void
test_load_then_write (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) changes = json_object_new ();
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autofree char *json = NULL;
  JsonObject *value;

  g_assert_true (syncobj_sync_load_json_array (fixture->sync,
                                               "[{\"id\":\"a\",\"n\":1,\"t\":\"x\"},{\"id\":\"b\",\"n\":2}]",
                                               -1, &error));
  g_assert_no_error (error);

  /* An optimistic update of a packed record merges into its value. */
  json_object_set_int_member (changes, "n", 10);
  transaction = syncobj_collection_update (fixture->collection, "a", changes, &error);
  g_assert_no_error (error);
  g_assert_nonnull (transaction);
  g_assert_true (g_uuid_string_is_valid (syncobj_transaction_get_id (transaction)));
  value = syncobj_collection_lookup_value (fixture->collection, "a");
  g_assert_cmpint (json_object_get_int_member (value, "n"), ==, 10);
  g_assert_cmpstr (json_object_get_string_member (value, "t"), ==, "x");
  g_assert_cmpuint (fixture->signals, ==, 2);

  /* A sync update of a packed record merges members. */
  g_assert_true (syncobj_sync_apply_json (fixture->sync,
                                          "{\"type\":\"update\",\"value\":{\"id\":\"b\",\"m\":5}}", -1, &error));
  g_assert_no_error (error);
  value = syncobj_collection_lookup_value (fixture->collection, "b");
  g_assert_cmpint (json_object_get_int_member (value, "n"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (value, "m"), ==, 5);

  /* Loading a key again replaces the synced record, in place. */
  g_assert_true (syncobj_sync_load_json_array (fixture->sync, "[{\"id\":\"b\",\"n\":3}]", -1, &error));
  g_assert_no_error (error);
  value = syncobj_collection_lookup_value (fixture->collection, "b");
  g_assert_cmpint (json_object_get_int_member (value, "n"), ==, 3);
  g_assert_false (json_object_has_member (value, "m"));
  g_assert_cmpuint (syncobj_collection_get_size (fixture->collection), ==, 2);
  json = syncobj_collection_to_json (fixture->collection);
  g_assert_cmpstr (json, ==, "[{\"id\":\"a\",\"n\":10,\"t\":\"x\"},{\"id\":\"b\",\"n\":3}]");
}

static void
test_load_then_sync (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  JsonObject *value;

  g_assert_true (syncobj_sync_load_json_array (fixture->sync,
                                               "[{\"id\":\"a\",\"t\":\"say \\\"hi\\\"\",\"n\":1,\"neg\":-70,\"ok\":true},"
                                               " {\"id\":\"b\",\"n\":2}]",
                                               -1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fixture->signals, ==, 1);

  /* The same whole record again, as the server sent it: nothing
   * visible changes, no signal. */
  g_assert_true (syncobj_sync_apply_json (fixture->sync,
                                          "{\"type\":\"update\",\"value\":{\"id\":\"a\",\"t\":\"say \\\"hi\\\"\",\"n\":1,\"neg\":-70,\"ok\":true}}",
                                          -1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fixture->signals, ==, 1);

  /* A whole record with a new value: one signal, the new value. */
  g_assert_true (syncobj_sync_apply_json (fixture->sync,
                                          "{\"type\":\"update\",\"value\":{\"id\":\"a\",\"t\":\"x\",\"n\":5,\"neg\":-70,\"ok\":true}}",
                                          -1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fixture->signals, ==, 2);
  value = syncobj_collection_lookup_value (fixture->collection, "a");
  g_assert_cmpint (json_object_get_int_member (value, "n"), ==, 5);
  g_assert_cmpstr (json_object_get_string_member (value, "t"), ==, "x");

  /* An insert (whole record) replaces a packed record too. */
  g_assert_true (syncobj_sync_apply_json (fixture->sync,
                                          "{\"type\":\"insert\",\"value\":{\"id\":\"b\",\"z\":0}}", -1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fixture->signals, ==, 3);
  value = syncobj_collection_lookup_value (fixture->collection, "b");
  g_assert_false (json_object_has_member (value, "n"));
  g_assert_cmpint (json_object_get_int_member (value, "z"), ==, 0);
  g_assert_cmpuint (syncobj_collection_get_size (fixture->collection), ==, 2);
}

static void
test_load_in_commit (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) keys = NULL;

  g_assert_true (syncobj_sync_load_json_array (fixture->sync,
                                               "[{\"id\":\"a\"},{\"id\":\"b\"},{\"id\":\"c\"}]", -1, &error));
  g_assert_no_error (error);

  /* A fresh snapshot after a reconnect: truncate + load in one commit
   * deletes what the server no longer has, packed or not. */
  syncobj_sync_begin (fixture->sync);
  g_assert_true (syncobj_sync_truncate (fixture->sync, &error));
  g_assert_true (syncobj_sync_load_json_array (fixture->sync, "[{\"id\":\"c\",\"v\":1},{\"id\":\"d\"}]", -1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (syncobj_collection_get_size (fixture->collection), ==, 3);
  g_assert_true (syncobj_sync_commit (fixture->sync, &error));
  g_assert_no_error (error);

  keys = syncobj_collection_get_keys (fixture->collection);
  g_assert_cmpstrv (keys, ((const char *[]) { "c", "d", NULL }));
  g_assert_cmpint (json_object_get_int_member (syncobj_collection_lookup_value (fixture->collection, "c"), "v"), ==, 1);
}

static void
test_load_bad (Fixture       *fixture,
               gconstpointer  data)
{
  const struct { const char *json; const char *message; } cases[] = {
    { "", "must be a JSON array" },
    { "{\"id\":\"a\"}", "must be a JSON array" },
    { "[{\"id\":\"a\"}, 3]", "element 1 is not a JSON object" },
    { "[{\"id\":\"a\"}, {\"name\":\"b\"}]", "element 1: Record has no “id” member" },
    { "[{\"id\":5.5}]", "element 0: Member “id” of the record must be a non-empty string or an integer" },
    { "[{\"id\":1e2}]", "element 0: Member “id” of the record must be a non-empty string or an integer" },
    { "[{\"id\":18446744073709551616}]", "element 0: Member “id” of the record must be a non-empty string or an integer within 64 bits" },
    { "[{\"id\":\"\"}]", "element 0: Member “id” of the record must be a non-empty string" },
    { "[{\"id\":\"a\",}]", "Malformed snapshot" },
    { "[{\"id\":\"a\"},]", "Malformed snapshot" },
    { "[{\"id\":\"a\",\"x\":tru}]", "Malformed snapshot" },
    { "[{\"id\":\"a\",\"x\":\"open}]", "Malformed snapshot" },
    { "[{\"id\":\"a\",\"x\":01}]", "Malformed snapshot" },
    { "[{\"id\":\"a\",\"x\":\"\\q\"}]", "Malformed snapshot" },
    { "[{\"id\":\"a\"}] x", "Malformed snapshot" },
    { "[{\"id\":\"a\"}", "Malformed snapshot" },
    { "[{\"id\":\"a\",\"x\":\"\xff\"}]", "invalid UTF-8" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *escaped = g_strescape (cases[i].json, NULL);

      g_test_message ("case %u: %s", i, escaped);
      g_assert_false (syncobj_sync_load_json_array (fixture->sync, cases[i].json, -1, &error));
      g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE);
      g_assert_nonnull (strstr (error->message, cases[i].message));
    }

  /* Nothing was applied by any of them. */
  g_assert_cmpuint (syncobj_collection_get_size (fixture->collection), ==, 0);
  g_assert_cmpuint (fixture->signals, ==, 0);
}

static void
test_load_before_attach (void)
{
  g_autoptr(SyncobjSync) sync = syncobj_sync_new ("early");
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(GError) error = NULL;

  /* A snapshot that arrives before the collection exists is kept. */
  g_assert_true (syncobj_sync_load_json_array (sync, "[{\"id\":\"a\",\"n\":7}]", -1, &error));
  g_assert_no_error (error);
  collection = syncobj_collection_new ("early", sync, NULL);
  g_assert_cmpint (json_object_get_int_member (syncobj_collection_lookup_value (collection, "a"), "n"), ==, 7);
}

/* A transaction with many writes indexes its mutations; writes to a key
 * it already wrote fold into that key's mutation, before and after. */
static void
test_many_writes_fold (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GString) snapshot = g_string_new ("[");
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(GError) error = NULL;
  const guint n = 20;

  for (guint i = 0; i < n; i++)
    g_string_append_printf (snapshot, "%s{\"id\":\"k%u\",\"n\":%u}", i > 0 ? "," : "", i, i);
  g_string_append_c (snapshot, ']');
  g_assert_true (syncobj_sync_load_json_array (fixture->sync, snapshot->str, -1, &error));
  g_assert_no_error (error);

  transaction = syncobj_collection_begin (fixture->collection);
  for (guint round = 0; round < 2; round++)
    for (guint i = 0; i < n; i++)
      {
        g_autofree char *key = g_strdup_printf ("k%u", i);
        g_autoptr(JsonObject) changes = json_object_new ();
        g_autoptr(SyncobjTransaction) same = NULL;

        json_object_set_int_member (changes, round == 0 ? "a" : "b", i);
        same = syncobj_collection_update (fixture->collection, key, changes, &error);
        g_assert_no_error (error);
        g_assert_true (same == transaction);
        /* Short lists are searched, long ones indexed: one mutation per key. */
        g_assert_cmpuint (g_list_model_get_n_items (syncobj_transaction_get_mutations (transaction)), ==,
                          round == 0 ? i + 1 : n);
      }
  g_assert_true (syncobj_transaction_commit (transaction, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *key = g_strdup_printf ("k%u", i);
      g_autoptr(SyncobjPendingMutation) mutation = g_list_model_get_item (syncobj_transaction_get_mutations (transaction), i);
      JsonObject *value = syncobj_collection_lookup_value (fixture->collection, key);

      g_assert_cmpstr (syncobj_pending_mutation_get_key (mutation), ==, key);
      g_assert_cmpint (json_object_get_int_member (syncobj_pending_mutation_get_changes (mutation), "a"), ==, i);
      g_assert_cmpint (json_object_get_int_member (syncobj_pending_mutation_get_changes (mutation), "b"), ==, i);
      g_assert_cmpint (json_object_get_int_member (value, "n"), ==, i);
      g_assert_cmpint (json_object_get_int_member (value, "b"), ==, i);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/load-json/values", Fixture, NULL, fixture_set_up, test_load_values, fixture_tear_down);
  g_test_add ("/load-json/list-model", Fixture, NULL, fixture_set_up, test_load_list_model, fixture_tear_down);
  g_test_add ("/load-json/then-write", Fixture, NULL, fixture_set_up, test_load_then_write, fixture_tear_down);
  g_test_add ("/load-json/then-sync", Fixture, NULL, fixture_set_up, test_load_then_sync, fixture_tear_down);
  g_test_add ("/load-json/in-commit", Fixture, NULL, fixture_set_up, test_load_in_commit, fixture_tear_down);
  g_test_add ("/load-json/bad", Fixture, NULL, fixture_set_up, test_load_bad, fixture_tear_down);
  g_test_add_func ("/load-json/before-attach", test_load_before_attach);
  g_test_add ("/transaction/many-writes-fold", Fixture, NULL, fixture_set_up, test_many_writes_fold, fixture_tear_down);

  return g_test_run ();
}
