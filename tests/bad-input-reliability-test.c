/* bad-input-reliability-test.c: hostile records and sync messages
 *
 * Every case runs against a collection that already holds records and has
 * a transaction in flight. Bad input must be refused with a clear GError
 * (valid UTF-8, naming what was wrong), change nothing that is visible,
 * lose nothing that is pending, and leave the collection working.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"

#include <math.h>

/* @object equals the JSON object in @expected, compared as JSON values. */
static void
assert_json (JsonObject *object,
             const char *expected)
{
  g_autoptr(JsonObject) expected_object = syncobj_test_object (expected);

  g_assert_nonnull (object);
  if (!json_object_equal (object, expected_object))
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
      g_autofree char *actual = json_to_string (node, FALSE);

      g_error ("JSON mismatch\n  expected: %.200s\n  actual:   %.200s", expected, actual);
    }
}

typedef struct
{
  SyncobjCollection  *collection;
  SyncobjSyncControl *control;
  SyncobjTransaction *in_flight;   /* an update of "a", still persisting */
  char               *visible_before;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(JsonArray) initial =
    syncobj_test_array ("[{\"id\": \"a\", \"title\": \"A\"},"
                        " {\"id\": \"b\", \"n\": 1}]");
  g_autoptr(JsonObject) changes = syncobj_test_object ("{\"title\": \"A2\"}");
  g_autoptr(GError) error = NULL;

  f->collection = syncobj_test_collection_new (initial, SYNCOBJ_STRATEGY_ORDERED, &f->control);
  syncobj_sync_control_set_network_delay (f->control, 100);

  f->in_flight = syncobj_collection_update (f->collection, "a", changes, &error);
  g_assert_no_error (error);
  syncobj_sync_control_advance (f->control, 10);
  g_assert_cmpint (syncobj_transaction_get_state (f->in_flight), ==,
                   SYNCOBJ_TRANSACTION_STATE_PERSISTING);

  f->visible_before = syncobj_collection_to_json (f->collection);
}

/* Nothing changed, nothing was lost, and the collection still works: the
 * transaction in flight completes and a new valid write goes through. */
static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *visible_after = syncobj_collection_to_json (f->collection);
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *a;
  JsonObject *c;

  g_assert_cmpstr (visible_after, ==, f->visible_before);
  g_assert_cmpuint (syncobj_collection_get_size (f->collection), ==, 2);
  g_assert_false (syncobj_transaction_is_finished (f->in_flight));

  insert = syncobj_collection_insert_json (f->collection, "{\"id\": \"c\", \"ok\": true}", &error);
  g_assert_no_error (error);
  g_assert_nonnull (insert);

  syncobj_sync_control_advance (f->control, 1000);
  g_assert_cmpint (syncobj_transaction_get_state (f->in_flight), ==,
                   SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpint (syncobj_transaction_get_state (insert), ==,
                   SYNCOBJ_TRANSACTION_STATE_COMPLETED);

  a = syncobj_collection_lookup_value (f->collection, "a");
  assert_json (a, "{\"id\": \"a\", \"title\": \"A2\"}");
  c = syncobj_collection_lookup_value (f->collection, "c");
  assert_json (c, "{\"id\": \"c\", \"ok\": true}");

  g_clear_pointer (&f->visible_before, g_free);
  g_clear_object (&f->in_flight);
  g_clear_object (&f->collection);
  g_clear_object (&f->control);
}

/* A refused write: no transaction, an error of @code whose message is
 * valid UTF-8 and mentions @fragment. */
#define assert_refused(transaction, error, code, fragment) \
  G_STMT_START { \
    g_assert_null (transaction); \
    g_assert_error ((error), SYNCOBJ_ERROR, (code)); \
    g_assert_true (g_utf8_validate ((error)->message, -1, NULL)); \
    if (strstr ((error)->message, (fragment)) == NULL) \
      g_error ("error message “%s” does not mention “%s”", (error)->message, (fragment)); \
    g_clear_error (&(error)); \
  } G_STMT_END

#define assert_sync_refused(ok, error, fragment) \
  G_STMT_START { \
    g_assert_false (ok); \
    g_assert_error ((error), SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE); \
    g_assert_true (g_utf8_validate ((error)->message, -1, NULL)); \
    if (strstr ((error)->message, (fragment)) == NULL) \
      g_error ("error message “%s” does not mention “%s”", (error)->message, (fragment)); \
    g_clear_error (&(error)); \
  } G_STMT_END

static SyncobjSync *
fixture_sync (Fixture *f)
{
  return syncobj_collection_get_sync (f->collection);
}

/* ---- non-object records --------------------------------------------------- */

static void
test_non_object_records (Fixture       *f,
                         gconstpointer  data)
{
  static const char *const not_objects[] = {
    "[{\"id\": \"x\"}]", "\"x\"", "42", "true", "null",
  };
  GError *error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (not_objects); i++)
    {
      SyncobjTransaction *transaction;
      gboolean ok;

      transaction = syncobj_collection_insert_json (f->collection, not_objects[i], &error);
      assert_refused (transaction, error, SYNCOBJ_ERROR_INVALID_RECORD, "JSON object");

      transaction = syncobj_collection_update_json (f->collection, "b", not_objects[i], &error);
      assert_refused (transaction, error, SYNCOBJ_ERROR_INVALID_RECORD, "JSON object");

      /* A sync message whose value is not an object refuses the whole set,
       * including the good message before it. */
      {
        g_autofree char *messages =
          g_strdup_printf ("[{\"type\": \"insert\", \"value\": {\"id\": \"z\"}},"
                           " {\"type\": \"insert\", \"value\": %s}]", not_objects[i]);

        ok = syncobj_sync_apply_json (fixture_sync (f), messages, -1, &error);
        assert_sync_refused (ok, error, "Sync message 1");
      }

      ok = syncobj_sync_apply_json (fixture_sync (f), not_objects[i], -1, &error);
      if (i == 0)
        assert_sync_refused (ok, error, "type");   /* an array of one message without a type */
      else
        assert_sync_refused (ok, error, "not a JSON object");
    }

  /* Empty and truncated text. */
  g_assert_null (syncobj_collection_insert_json (f->collection, "", &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD);
  g_clear_error (&error);
  g_assert_null (syncobj_collection_insert_json (f->collection, "{\"id\": \"x\", \"t\": ", &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD);
  g_clear_error (&error);
  g_assert_false (syncobj_sync_apply_json (fixture_sync (f), "[{\"type\": \"upd", -1, &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE);
  g_clear_error (&error);
}

/* ---- keys of the wrong type ---------------------------------------------- */

static void
test_wrong_key_types (Fixture       *f,
                      gconstpointer  data)
{
  static const char *const bad_keys[] = {
    "{\"id\": 1e3}", "{\"id\": 1.5}", "{\"id\": true}", "{\"id\": null}",
    "{\"id\": \"\"}", "{\"id\": [\"a\"]}", "{\"id\": {\"a\": 1}}", "{\"title\": \"no id\"}",
  };
  GError *error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (bad_keys); i++)
    {
      g_autoptr(JsonObject) object = syncobj_test_object (bad_keys[i]);
      g_autofree char *message =
        g_strdup_printf ("{\"type\": \"insert\", \"value\": %s}", bad_keys[i]);
      SyncobjTransaction *transaction;
      gboolean ok;

      transaction = syncobj_collection_insert_json (f->collection, bad_keys[i], &error);
      assert_refused (transaction, error, SYNCOBJ_ERROR_INVALID_RECORD, "“id”");

      transaction = syncobj_collection_insert (f->collection, object, &error);
      assert_refused (transaction, error, SYNCOBJ_ERROR_INVALID_RECORD, "“id”");

      ok = syncobj_sync_apply_json (fixture_sync (f), message, -1, &error);
      assert_sync_refused (ok, error, "“id”");
    }

  /* An update may not turn the key into another type. */
  {
    SyncobjTransaction *transaction =
      syncobj_collection_update_json (f->collection, "b", "{\"id\": 7}", &error);

    assert_refused (transaction, error, SYNCOBJ_ERROR_INVALID_RECORD, "“b”");
  }

  /* Sync messages whose "type" is not a string, or whose "key" is neither
   * a string nor an integer, are malformed (json-glib's typed getters
   * would be critical about them). */
  {
    static const char *const bad_messages[] = {
      "{\"type\": [\"insert\"], \"value\": {\"id\": \"z\"}}",
      "{\"type\": {}, \"value\": {\"id\": \"z\"}}",
      "{\"type\": 1, \"value\": {\"id\": \"z\"}}",
      "{\"type\": \"delete\", \"key\": [\"a\"]}",
      "{\"type\": \"delete\", \"key\": {}}",
      "{\"type\": \"delete\", \"key\": 3.5}",
      "{\"type\": \"delete\", \"key\": null}",
    };

    for (gsize i = 0; i < G_N_ELEMENTS (bad_messages); i++)
      {
        gboolean ok = syncobj_sync_apply_json (fixture_sync (f), bad_messages[i], -1, &error);

        assert_sync_refused (ok, error, "Sync message 0");
      }
  }
}

/* ---- deep nesting --------------------------------------------------------- */

static char *
nested_record (guint levels)
{
  GString *json = g_string_new ("{\"id\": \"deep\", \"v\": ");

  for (guint i = 0; i < levels; i++)
    g_string_append (json, i % 2 ? "{\"k\": " : "[");
  g_string_append (json, "1");
  for (guint i = levels; i > 0; i--)
    g_string_append (json, (i - 1) % 2 ? "}" : "]");
  g_string_append (json, "}");

  return g_string_free (json, FALSE);
}

static void
test_deep_nesting (Fixture       *f,
                   gconstpointer  data)
{
  /* A hundred thousand levels overflowed json-glib's recursive parser. */
  g_autofree char *deep = nested_record (100000);
  g_autofree char *message = g_strdup_printf ("{\"type\": \"insert\", \"value\": %s}", deep);
  /* {"v": …}: the same nesting as changes for an update of "b" */
  g_autofree char *deep_changes = g_strconcat ("{", deep + strlen ("{\"id\": \"deep\", "), NULL);
  g_autoptr(JsonObject) built = json_object_new ();
  JsonObject *innermost = built;
  GError *error = NULL;
  SyncobjTransaction *transaction;
  gboolean ok;

  transaction = syncobj_collection_insert_json (f->collection, deep, &error);
  assert_refused (transaction, error, SYNCOBJ_ERROR_INVALID_RECORD, "nested");

  transaction = syncobj_collection_update_json (f->collection, "b", deep_changes, &error);
  assert_refused (transaction, error, SYNCOBJ_ERROR_INVALID_RECORD, "nested");

  ok = syncobj_sync_apply_json (fixture_sync (f), message, -1, &error);
  assert_sync_refused (ok, error, "nested");

  /* The same depth built through the API, where no parser is involved. */
  json_object_set_string_member (built, "id", "built");
  for (guint i = 0; i < 1000; i++)
    {
      JsonObject *child = json_object_new ();

      json_object_set_object_member (innermost, "child", child);
      innermost = child;
    }
  transaction = syncobj_collection_insert (f->collection, built, &error);
  assert_refused (transaction, error, SYNCOBJ_ERROR_INVALID_RECORD, "nested");
}

static void
test_reasonable_nesting_accepted (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *nested = nested_record (100);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  JsonObject *value;
  g_autoptr(GError) error = NULL;

  transaction = syncobj_collection_insert_json (f->collection, nested, &error);
  g_assert_no_error (error);
  value = syncobj_collection_lookup_value (f->collection, "deep");
  assert_json (value, nested);

  /* Take it back out, so that the fixture's checks hold. */
  g_assert_true (syncobj_transaction_rollback (transaction, &error));
  g_assert_no_error (error);
  g_assert_false (syncobj_collection_contains (f->collection, "deep"));
}

/* ---- very large records --------------------------------------------------- */

#define LARGE_SIZE (10 * 1024 * 1024)

static void
test_large_record (void)
{
  g_autoptr(JsonArray) initial = syncobj_test_array ("[{\"id\": \"a\", \"title\": \"A\"}]");
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(GString) json = g_string_sized_new (LARGE_SIZE + 64);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(SyncobjTransaction) other = NULL;
  JsonObject *value;
  g_autoptr(GError) error = NULL;
  const char *body;

  collection = syncobj_test_collection_new (initial, SYNCOBJ_STRATEGY_ORDERED, &control);
  syncobj_sync_control_set_network_delay (control, 100);

  /* 10 MB in one string member, and an array of ten thousand numbers. */
  g_string_append (json, "{\"id\": \"large\", \"body\": \"");
  for (gsize i = 0; i < LARGE_SIZE; i++)
    g_string_append_c (json, 'a' + (i % 26));
  g_string_append (json, "\", \"items\": [");
  for (guint i = 0; i < 10000; i++)
    g_string_append_printf (json, "%s%u", i > 0 ? ", " : "", i);
  g_string_append (json, "]}");
  g_assert_cmpuint (json->len, >=, LARGE_SIZE);

  transaction = syncobj_collection_insert_json (collection, json->str, &error);
  g_assert_no_error (error);
  g_assert_nonnull (transaction);
  other = syncobj_collection_update_json (collection, "a", "{\"title\": \"A2\"}", &error);
  g_assert_no_error (error);

  /* Kept whole while pending… */
  value = syncobj_collection_lookup_value (collection, "large");
  body = json_object_get_string_member (value, "body");
  g_assert_cmpuint (strlen (body), ==, LARGE_SIZE);
  g_assert_cmpint (body[LARGE_SIZE - 1], ==, 'a' + ((LARGE_SIZE - 1) % 26));

  /* …and after the round trip through the mutator and the sync echo, with
   * the transaction queued behind it going through too. */
  syncobj_sync_control_advance (control, 1000);
  g_assert_cmpint (syncobj_transaction_get_state (transaction), ==,
                   SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpint (syncobj_transaction_get_state (other), ==,
                   SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  value = syncobj_collection_lookup_value (collection, "large");
  assert_json (value, json->str);
  value = syncobj_collection_lookup_value (collection, "a");
  assert_json (value, "{\"id\": \"a\", \"title\": \"A2\"}");
}

/* ---- invalid UTF-8 -------------------------------------------------------- */

static void
test_invalid_utf8 (Fixture       *f,
                   gconstpointer  data)
{
  static const char *const bad_texts[] = {
    "{\"id\": \"x\xff\xfe\"}",                 /* bytes that are never UTF-8 */
    "{\"id\": \"x\", \"t\": \"\xc3\"}",        /* a truncated sequence */
    "{\"id\": \"x\", \"\xe2\x82\": 1}",        /* in a member name */
    "{\"id\": \"x\", \"t\": \"\\ud800\"}",     /* a lone surrogate escape */
    "{\"id\": \"x\", \"t\": \"\xed\xa0\x80\"}", /* an encoded surrogate */
    /* Escapes json-glib decoded into invalid UTF-8 (found by fuzz-json-object). */
    "{\"id\": \"x\", \"t\": \"\\ud8 \"x\"}",     /* fewer than four hex digits */
    "{\"id\": \"x\", \"t\": \"\\udc00\"}",       /* a lone low surrogate */
    "{\"id\": \"x\", \"t\": \"\\ud800\\u0041\"}", /* a high one without its pair */
    "{\"id\": \"x\", \"t\": \"\\q\"}",           /* no such escape */
  };
  GError *error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (bad_texts); i++)
    {
      g_autofree char *message =
        g_strdup_printf ("{\"type\": \"insert\", \"value\": %s}", bad_texts[i]);
      SyncobjTransaction *transaction;
      gboolean ok;

      transaction = syncobj_collection_insert_json (f->collection, bad_texts[i], &error);
      assert_refused (transaction, error, SYNCOBJ_ERROR_INVALID_RECORD, "JSON");

      transaction = syncobj_collection_update_json (f->collection, "b", bad_texts[i], &error);
      assert_refused (transaction, error, SYNCOBJ_ERROR_INVALID_RECORD, "JSON");

      ok = syncobj_sync_apply_json (fixture_sync (f), message, -1, &error);
      assert_sync_refused (ok, error, "Malformed sync message");
    }

  /* Built through the API, json-glib takes any bytes. */
  {
    g_autoptr(JsonObject) changes = json_object_new ();
    SyncobjTransaction *transaction;

    {
      g_autoptr(JsonObject) fresh = json_object_new ();

      json_object_set_string_member (fresh, "id", "x");
      json_object_set_string_member (fresh, "t", "bad \xff byte");
      transaction = syncobj_collection_insert (f->collection, fresh, &error);
      assert_refused (transaction, error, SYNCOBJ_ERROR_INVALID_RECORD, "UTF-8");
    }
    {
      g_autoptr(JsonObject) fresh = json_object_new ();

      json_object_set_string_member (fresh, "id", "y");
      json_object_set_int_member (fresh, "bad \xff name", 1);
      transaction = syncobj_collection_insert (f->collection, fresh, &error);
      assert_refused (transaction, error, SYNCOBJ_ERROR_INVALID_RECORD, "UTF-8");
    }
    json_object_set_string_member (changes, "t", "\xc3");
    transaction = syncobj_collection_update (f->collection, "b", changes, &error);
    assert_refused (transaction, error, SYNCOBJ_ERROR_INVALID_RECORD, "UTF-8");
  }
}

/* ---- NaN and huge numbers ------------------------------------------------- */

static void
test_huge_numbers (Fixture       *f,
                   gconstpointer  data)
{
  /* json-glib turned 1e999 into infinity (written back as "inf.0", which is
   * not JSON) and integers beyond gint64 into -1. */
  static const char *const bad_numbers[] = {
    "1e999", "-1e999", "123456789012345678901234567890", "-9223372036854775809",
    "9223372036854775808",
    /* json-glib writes these back as "1e+20.0", which is not JSON (found by
     * fuzz-json-object). */
    "1e20", "-2E+22", "100000000000000000000.0", "1e308", "3e-24", "-1e-300",
  };
  GError *error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (bad_numbers); i++)
    {
      g_autofree char *record = g_strdup_printf ("{\"id\": \"x\", \"n\": %s}", bad_numbers[i]);
      g_autofree char *changes = g_strdup_printf ("{\"n\": [1, %s]}", bad_numbers[i]);
      g_autofree char *message =
        g_strdup_printf ("[{\"type\": \"update\", \"value\": {\"id\": \"b\", \"n\": %s}}]",
                         bad_numbers[i]);
      SyncobjTransaction *transaction;
      gboolean ok;

      transaction = syncobj_collection_insert_json (f->collection, record, &error);
      assert_refused (transaction, error, SYNCOBJ_ERROR_INVALID_RECORD, bad_numbers[i]);

      transaction = syncobj_collection_update_json (f->collection, "b", changes, &error);
      assert_refused (transaction, error, SYNCOBJ_ERROR_INVALID_RECORD, "out of range");

      ok = syncobj_sync_apply_json (fixture_sync (f), message, -1, &error);
      assert_sync_refused (ok, error, "out of range");
    }

  /* JSON text cannot say NaN, but the API can. */
  {
    static const double not_finite[] = { NAN, INFINITY, -INFINITY };

    for (gsize i = 0; i < G_N_ELEMENTS (not_finite); i++)
      {
        g_autoptr(JsonObject) value = json_object_new ();
        g_autoptr(JsonObject) changes = json_object_new ();
        SyncobjTransaction *transaction;
        gboolean ok;

        json_object_set_string_member (value, "id", "x");
        json_object_set_double_member (value, "n", not_finite[i]);
        transaction = syncobj_collection_insert (f->collection, value, &error);
        assert_refused (transaction, error, SYNCOBJ_ERROR_INVALID_RECORD, "finite");

        json_object_set_double_member (changes, "n", not_finite[i]);
        transaction = syncobj_collection_update (f->collection, "b", changes, &error);
        assert_refused (transaction, error, SYNCOBJ_ERROR_INVALID_RECORD, "finite");

        syncobj_sync_begin (fixture_sync (f));
        ok = syncobj_sync_write (fixture_sync (f), SYNCOBJ_MUTATION_TYPE_INSERT, value, &error);
        g_assert_false (ok);
        g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD);
        g_clear_error (&error);
        g_assert_true (syncobj_sync_commit (fixture_sync (f), &error));
        g_assert_no_error (error);
      }
  }

  /* A double json-glib would write back as "1e+20.0". */
  {
    g_autoptr(JsonObject) value = json_object_new ();
    SyncobjTransaction *transaction;

    json_object_set_string_member (value, "id", "x");
    json_object_set_double_member (value, "n", 1e20);
    transaction = syncobj_collection_insert (f->collection, value, &error);
    assert_refused (transaction, error, SYNCOBJ_ERROR_INVALID_RECORD, "out of range");
  }

  /* "\u0000" is valid JSON, but would silently cut the string short. */
  {
    SyncobjTransaction *transaction =
      syncobj_collection_insert_json (f->collection, "{\"id\": \"x\", \"t\": \"a\\u0000b\"}", &error);

    assert_refused (transaction, error, SYNCOBJ_ERROR_INVALID_RECORD, "NUL");
  }
}

static void
test_extreme_numbers_kept (Fixture       *f,
                           gconstpointer  data)
{
  const char *record = "{\"id\": \"x\", \"max\": 9223372036854775807,"
                       " \"min\": -9223372036854775808, \"big\": 1.7976931348623157e308,"
                       " \"tiny\": 5e-324, \"neg\": -0.5}";
  g_autoptr(SyncobjTransaction) transaction = NULL;
  JsonObject *value;
  g_autoptr(GError) error = NULL;

  transaction = syncobj_collection_insert_json (f->collection, record, &error);
  g_assert_no_error (error);

  value = syncobj_collection_lookup_value (f->collection, "x");
  g_assert_cmpint (json_object_get_int_member (value, "max"), ==, G_MAXINT64);
  g_assert_cmpint (json_object_get_int_member (value, "min"), ==, G_MININT64);
  g_assert_cmpfloat (json_object_get_double_member (value, "big"), ==, G_MAXDOUBLE);
  g_assert_cmpfloat (json_object_get_double_member (value, "tiny"), >, 0.0);

  g_assert_true (syncobj_transaction_rollback (transaction, &error));
  g_assert_no_error (error);
}

int
main (int argc, char *argv[])
{
  syncobj_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add ("/bad-input/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("non-object-records", test_non_object_records);
  ADD ("wrong-key-types", test_wrong_key_types);
  ADD ("deep-nesting", test_deep_nesting);
  ADD ("reasonable-nesting-accepted", test_reasonable_nesting_accepted);
  g_test_add_func ("/bad-input/large-record", test_large_record);
  ADD ("invalid-utf8", test_invalid_utf8);
  ADD ("huge-numbers", test_huge_numbers);
  ADD ("extreme-numbers-kept", test_extreme_numbers_kept);

#undef ADD

  return g_test_run ();
}
