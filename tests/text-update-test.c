/* text-update-test.c: syncobj_collection_update_json() written as text
 *
 * Changes given as JSON text of a few flat members are read in one pass
 * and kept as text, no JsonObject built, when the record is held as text.
 * Whatever the text, the result is what parsing it and calling
 * syncobj_collection_update() gives: the same error, or the same
 * transaction, mutation, record, list and texts.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"
#include "syncobj-collection-fields-private.h"
#include "syncobj-json-flat-private.h"
#include "syncobj-json-util-private.h"

#include <string.h>

#define RECORDS \
  "[{\"id\": \"a\", \"n\": 0, \"tags\": [1, 2]}," \
  " {\"id\": \"b\", \"n\": 0, \"title\": \"B\"}," \
  " {\"id\": \"c\", \"n\": 0, \"d\": 1.5}]"

#define INT_RECORDS \
  "[{\"id\": 7, \"n\": 0}, {\"id\": -3, \"n\": 1}]"

typedef enum
{
  AS_TEXT,       /* syncobj_collection_update_json() */
  AS_OBJECT,     /* what it did before: parse, then syncobj_collection_update() */
} WriteForm;

typedef enum
{
  PLAIN,         /* auto-committed update of a record held as text */
  BUILT,         /* the record's values built first (a record held) */
  GATHERED,      /* inside an open transaction, after another write to it */
  MERGING,       /* a collection with a merge function */
} Setting;

typedef struct
{
  SyncobjSyncControl      *control;
  SyncobjCollection       *collection;
  SyncobjTestItemsChanged *changes;
  SyncobjRecord           *held;
  SyncobjTransaction      *open;
} Side;

static JsonObject *
merge_last (SyncobjCollection *collection,
            const char        *key,
            JsonObject        *synced,
            GPtrArray         *layers,
            gpointer           user_data)
{
  SyncobjPendingMutation *last;

  if (layers == NULL || layers->len == 0)
    return synced != NULL ? json_object_ref (synced) : NULL;
  last = g_ptr_array_index (layers, layers->len - 1);
  return json_object_ref (syncobj_pending_mutation_get_modified (last));
}

static void
side_open (Side       *side,
           const char *records,
           Setting     setting,
           const char *key)
{
  g_autoptr(GError) error = NULL;

  side->collection = syncobj_test_collection_from_json (NULL,
                                                        setting == MERGING ? SYNCOBJ_STRATEGY_PARALLEL
                                                                           : SYNCOBJ_STRATEGY_ORDERED,
                                                        &side->control);
  if (setting == MERGING)
    syncobj_collection_set_merge_func (side->collection, merge_last, NULL, NULL);
  g_assert_true (syncobj_sync_load_json_array (syncobj_sync_control_get_sync (side->control), records, -1, &error));
  g_assert_no_error (error);
  syncobj_sync_control_set_network_delay (side->control, 100);
  side->changes = syncobj_test_items_changed_new (G_LIST_MODEL (side->collection));

  if (setting == BUILT)
    side->held = syncobj_collection_lookup (side->collection, key);
  if (setting == GATHERED)
    {
      g_autoptr(SyncobjTransaction) other = NULL;

      side->open = syncobj_collection_begin (side->collection);
      other = syncobj_test_update (side->collection, key, "{\"other\": 1}");
    }
}

static void
side_commit (Side *side)
{
  if (side->open != NULL)
    g_assert_true (syncobj_transaction_commit (side->open, NULL));
}

static void
side_close (Side *side)
{
  syncobj_test_drain (side->control, side->collection);
  g_clear_object (&side->open);
  g_clear_object (&side->held);
  g_clear_pointer (&side->changes, syncobj_test_items_changed_free);
  g_clear_object (&side->collection);
  g_clear_object (&side->control);
}

static SyncobjTransaction *
side_write (Side       *side,
            WriteForm   form,
            const char *key,
            const char *text,
            GError    **error)
{
  g_autoptr(JsonObject) changes = NULL;

  /* No key: an insert. */
  if (form == AS_TEXT)
    return key != NULL ? syncobj_collection_update_json (side->collection, key, text, error)
                       : syncobj_collection_insert_json (side->collection, text, error);
  changes = _syncobj_json_parse_object (text, -1, error);
  if (changes == NULL)
    return NULL;
  return key != NULL ? syncobj_collection_update (side->collection, key, changes, error)
                     : syncobj_collection_insert (side->collection, changes, error);
}

static char *
text_of (JsonObject *object)
{
  return object != NULL ? _syncobj_json_to_string (object) : g_strdup ("(none)");
}

/* The types of the members of @object, as a record's getters read them. */
static char *
types_of (JsonObject *object)
{
  GString *types = g_string_new (NULL);
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  if (object == NULL)
    return g_string_free (types, FALSE);
  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &name, &node))
    g_string_append_printf (types, "%s:%s,", name,
                            JSON_NODE_HOLDS_VALUE (node) ? g_type_name (json_node_get_value_type (node))
                                                         : json_node_type_name (node));
  return g_string_free (types, FALSE);
}

static void
assert_same_object (JsonObject *a,
                    JsonObject *b)
{
  g_autofree char *text_a = text_of (a);
  g_autofree char *text_b = text_of (b);
  g_autofree char *types_a = types_of (a);
  g_autofree char *types_b = types_of (b);

  g_assert_cmpstr (text_a, ==, text_b);
  g_assert_cmpstr (types_a, ==, types_b);
}

static void
assert_same_mutation (SyncobjPendingMutation *a,
                      SyncobjPendingMutation *b)
{
  g_autofree char *changes_a = syncobj_pending_mutation_get_changes_json (a);
  g_autofree char *changes_b = syncobj_pending_mutation_get_changes_json (b);

  g_assert_cmpint (syncobj_pending_mutation_get_mutation_type (a), ==, syncobj_pending_mutation_get_mutation_type (b));
  g_assert_cmpstr (syncobj_pending_mutation_get_key (a), ==, syncobj_pending_mutation_get_key (b));
  g_assert_cmpint (syncobj_pending_mutation_get_collection_id (a) != NULL, ==,
                   syncobj_pending_mutation_get_collection_id (b) != NULL);
  g_assert_cmpint (syncobj_pending_mutation_get_applied (a), ==, syncobj_pending_mutation_get_applied (b));
  g_assert_cmpstr (changes_a, ==, changes_b);

  /* Kept as text (or not) alike, with the same texts. */
  g_assert_cmpint (a->text != NULL, ==, b->text != NULL);
  if (a->text != NULL)
    {
      g_assert_cmpstr (a->text_original, ==, b->text_original);
      g_assert_cmpstr (_syncobj_pending_mutation_peek_text_changes (a), ==, _syncobj_pending_mutation_peek_text_changes (b));
      g_assert_cmpstr (_syncobj_pending_mutation_peek_text_modified (a), ==, _syncobj_pending_mutation_peek_text_modified (b));
      g_assert_cmpint (a->text_adds, ==, b->text_adds);
    }

  assert_same_object (syncobj_pending_mutation_get_original (a), syncobj_pending_mutation_get_original (b));
  assert_same_object (syncobj_pending_mutation_get_changes (a), syncobj_pending_mutation_get_changes (b));
  assert_same_object (syncobj_pending_mutation_get_modified (a), syncobj_pending_mutation_get_modified (b));
}

static void
assert_same_collection (Side       *a,
                        Side       *b,
                        const char *key)
{
  g_autofree char *json_a = syncobj_collection_to_json (a->collection);
  g_autofree char *json_b = syncobj_collection_to_json (b->collection);
  g_autoptr(SyncobjRecord) record_a = syncobj_collection_lookup (a->collection, key);
  g_autoptr(SyncobjRecord) record_b = syncobj_collection_lookup (b->collection, key);

  g_assert_cmpstr (json_a, ==, json_b);
  g_assert_cmpuint (syncobj_test_items_changed_count (a->changes), ==, syncobj_test_items_changed_count (b->changes));
  g_assert_cmpint (record_a != NULL, ==, record_b != NULL);
  if (record_a == NULL)
    return;
  g_assert_cmpint (syncobj_record_get_pending (record_a), ==, syncobj_record_get_pending (record_b));
  assert_same_object (syncobj_record_get_value (record_a), syncobj_record_get_value (record_b));
  assert_same_object (syncobj_record_get_synced_value (record_a), syncobj_record_get_synced_value (record_b));
  g_assert_cmpint (syncobj_record_has_member (record_a, "n"), ==, syncobj_record_has_member (record_b, "n"));
}

/* Updates @key with @text (inserts @text when @key is NULL) as text and
 * as an object, each on its own collection, and compares everything.
 * Returns whether it was accepted. */
static gboolean
compare_update (const char *records,
                Setting     setting,
                const char *key,
                const char *text)
{
  const char *compared = key != NULL ? key : "d";
  Side a = { 0 }, b = { 0 };
  g_autoptr(GError) error_a = NULL;
  g_autoptr(GError) error_b = NULL;
  g_autoptr(SyncobjTransaction) transaction_a = NULL;
  g_autoptr(SyncobjTransaction) transaction_b = NULL;
  gboolean accepted;

  /* One after the other: an open transaction is the thread's. */
  side_open (&a, records, setting, compared);
  transaction_a = side_write (&a, AS_TEXT, key, text, &error_a);
  side_commit (&a);
  side_open (&b, records, setting, compared);
  transaction_b = side_write (&b, AS_OBJECT, key, text, &error_b);
  side_commit (&b);

  accepted = transaction_b != NULL;
  g_assert_cmpint (transaction_a != NULL, ==, accepted);
  if (!accepted)
    {
      g_assert_nonnull (error_a);
      g_assert_nonnull (error_b);
      g_assert_cmpuint (error_a->domain, ==, error_b->domain);
      g_assert_cmpint (error_a->code, ==, error_b->code);
      /* The same message, but for the name of the collection. */
      {
        g_autoptr(GString) message = g_string_new (error_b->message);

        g_string_replace (message, syncobj_collection_get_id (b.collection),
                          syncobj_collection_get_id (a.collection), 0);
        g_assert_cmpstr (error_a->message, ==, message->str);
      }
    }
  else
    {
      GListModel *mutations_a = syncobj_transaction_get_mutations (transaction_a);
      GListModel *mutations_b = syncobj_transaction_get_mutations (transaction_b);

      g_assert_no_error (error_a);
      g_assert_cmpint (syncobj_transaction_get_state (transaction_a), ==, syncobj_transaction_get_state (transaction_b));
      g_assert_cmpuint (g_list_model_get_n_items (mutations_a), ==, g_list_model_get_n_items (mutations_b));
      for (guint i = 0; i < g_list_model_get_n_items (mutations_a); i++)
        {
          g_autoptr(SyncobjPendingMutation) mutation_a = g_list_model_get_item (mutations_a, i);
          g_autoptr(SyncobjPendingMutation) mutation_b = g_list_model_get_item (mutations_b, i);

          assert_same_mutation (mutation_a, mutation_b);
        }
    }
  assert_same_collection (&a, &b, compared);

  side_close (&a);
  side_close (&b);
  return accepted;
}

/* Changes texts, each compared in every setting: what is accepted, and
 * (FALSE) what is refused. */
static const struct
{
  const char *text;
  gboolean    accepted;
} cases[] = {
  { "{\"n\":5}", TRUE },
  { "{\"n\": 5}", TRUE },
  { " \t\r\n{ \"n\" :\n-5 , \"title\" : \"x\" }\n ", TRUE },
  { "{\"title\":\"café ✓ 😀\",\"n\":1}", TRUE },
  { "{\"é\":\"ü\"}", TRUE },
  { "{\"n\":1,\"n\":2}", TRUE },
  { "{\"n\":1,\"title\":\"t\",\"n\":3}", TRUE },
  { "{\"title\":\"a\\\"b\"}", TRUE },
  { "{\"title\":\"\\u00e9\\n\"}", TRUE },
  { "{\"ti\\u0074le\":\"x\"}", TRUE },
  { "{\"n\":5.0}", TRUE },
  { "{\"n\":1e2}", TRUE },
  { "{\"n\":-0}", TRUE },
  { "{\"n\":0}", TRUE },
  { "{\"n\":123456789012345678}", TRUE },
  { "{\"n\":-1234567890123456789}", TRUE },
  { "{\"n\":\"5\"}", TRUE },
  { "{\"n\":true,\"done\":false,\"x\":null}", TRUE },
  { "{\"tags\":[1,{\"a\":2}]}", TRUE },
  { "{\"o\":{\"a\":1}}", TRUE },
  { "{\"new\":1,\"other\":\"x\"}", TRUE },
  { "{\"d\":2}", TRUE },
  { "{\"a\":1,\"b\":2,\"c\":3,\"e\":4,\"f\":5,\"g\":6,\"h\":7,\"n\":8}", TRUE },
  { "{\"a\":1,\"b\":2,\"c\":3,\"e\":4,\"f\":5,\"g\":6,\"h\":7,\"i\":8,\"n\":9}", TRUE },
  { "{\"\":\"\"}", TRUE },
  { "{}", TRUE },
  { "{\"n\":12345678901234567890}", FALSE },
  { "{\"n\":1e999}", FALSE },
  { "{\"n\":01}", TRUE },   /* json-glib reads it as 1 */
  { "{\"n\":-}", FALSE },
  { "{\"n\":tru}", FALSE },
  { "{\"n\":1,}", FALSE },
  { "{\"n\":1} x", FALSE },
  { "{\"n\":1", FALSE },
  { "{\"n\" 1}", FALSE },
  { "{n:1}", FALSE },
  { "{\"t\":\"\x01\"}", TRUE },   /* json-glib takes it */
  { "{\"t\":\"\\u0000\"}", FALSE },
  { "{\"t\":\"\xc3\x28\"}", FALSE },
  { "{\"\xff\":1}", FALSE },
  { "{\"t\":\"\xed\xa0\x80\"}", FALSE },
  { "[]", FALSE },
  { "[{\"n\":1}]", FALSE },
  { "\"n\"", FALSE },
  { "5", FALSE },
  { "null", FALSE },
  { "", FALSE },
  { "  ", FALSE },
};

static void
test_compare_cases (gconstpointer data)
{
  Setting setting = GPOINTER_TO_INT (data);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gboolean accepted;

      g_test_message ("changes %s", cases[i].text);
      accepted = compare_update (RECORDS, setting, "b", cases[i].text);
      g_assert_cmpint (accepted, ==, cases[i].accepted);
    }
}

/* The key member: the same key may be repeated, another is refused. */
static void
test_compare_key_member (void)
{
  static const struct
  {
    const char *records;
    const char *key;
    const char *text;
    gboolean    accepted;
  } keyed[] = {
    { RECORDS, "b", "{\"id\":\"b\",\"n\":1}", TRUE },
    { RECORDS, "b", "{\"n\":1, \"id\" : \"b\"}", TRUE },
    { RECORDS, "b", "{\"id\":\"\\u0062\"}", TRUE },
    { RECORDS, "b", "{\"id\":\"c\"}", FALSE },
    { RECORDS, "b", "{\"id\":\"bb\"}", FALSE },
    { RECORDS, "b", "{\"id\":\"\"}", FALSE },
    { RECORDS, "b", "{\"id\":null}", FALSE },
    { RECORDS, "b", "{\"id\":true}", FALSE },
    { RECORDS, "b", "{\"id\":1}", FALSE },
    { RECORDS, "b", "{\"id\":\"c\",\"id\":\"b\"}", TRUE },
    { RECORDS, "zz", "{\"n\":1}", FALSE },
    { RECORDS, "zz", "{\"n\":", FALSE },
    { RECORDS, "", "{\"n\":1}", FALSE },
    { INT_RECORDS, "7", "{\"id\":7,\"n\":2}", TRUE },
    { INT_RECORDS, "-3", "{\"id\":-3}", TRUE },
    { INT_RECORDS, "7", "{\"id\":\"7\"}", FALSE },
    { INT_RECORDS, "7", "{\"id\":8}", FALSE },
    { INT_RECORDS, "7", "{\"id\":70}", FALSE },
    { INT_RECORDS, "7", "{\"id\":7.0}", FALSE },
    { INT_RECORDS, "7", "{\"n\":\"x\"}", TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (keyed); i++)
    {
      g_test_message ("%s: changes %s", keyed[i].key, keyed[i].text);
      g_assert_cmpint (compare_update (keyed[i].records, PLAIN, keyed[i].key, keyed[i].text), ==, keyed[i].accepted);
    }
}

/* insert_json() reads a flat record in one pass too: the same as parsing
 * it and inserting the object. */
static void
test_compare_insert (void)
{
  static const struct
  {
    const char *records;
    const char *text;
    gboolean    accepted;
  } inserts[] = {
    { RECORDS, "{\"id\":\"d\",\"n\":1}", TRUE },
    { RECORDS, " { \"n\" : 2 , \"id\" : \"d\", \"t\": \"é ✓\", \"x\": null, \"y\": false }", TRUE },
    { RECORDS, "{\"id\":\"d\",\"n\":-0,\"m\":1.5,\"s\":\"a\\\"b\"}", TRUE },
    { RECORDS, "{\"id\":\"d\",\"id\":\"e\"}", TRUE },
    { RECORDS, "{\"id\":\"d\",\"tags\":[1]}", TRUE },
    { RECORDS, "{\"id\":\"a\",\"n\":1}", FALSE },
    { RECORDS, "{\"n\":1}", FALSE },
    { RECORDS, "{\"id\":\"\"}", FALSE },
    { RECORDS, "{\"id\":true}", FALSE },
    { RECORDS, "{\"id\":\"d\",}", FALSE },
    { RECORDS, "[{\"id\":\"d\"}]", FALSE },
    { INT_RECORDS, "{\"id\":9,\"n\":1}", TRUE },
    { INT_RECORDS, "{\"id\":7}", FALSE },
    { INT_RECORDS, "{\"id\":\"7\"}", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (inserts); i++)
    {
      g_test_message ("insert %s", inserts[i].text);
      g_assert_cmpint (compare_update (inserts[i].records, PLAIN, NULL, inserts[i].text), ==, inserts[i].accepted);
    }
}

/* What the one-pass reader takes, the compact text it writes, and what it
 * leaves to the parser. */
static void
test_flat_read (void)
{
  static const struct
  {
    const char *text;
    const char *compact;   /* NULL: declined */
  } reads[] = {
    { "{\"n\":5}", "{\"n\":5}" },
    { " {\n\"n\" : 5 ,\t\"t\":\"a b\" } ", "{\"n\":5,\"t\":\"a b\"}" },
    { "{\"é\":\"€\",\"x\":null,\"y\":true,\"z\":false}", "{\"é\":\"€\",\"x\":null,\"y\":true,\"z\":false}" },
    { "{\"n\":-12,\"m\":0}", "{\"n\":-12,\"m\":0}" },
    { "{\"n\":123456789012345678}", "{\"n\":123456789012345678}" },
    { "{\"n\":1234567890123456789}", NULL },
    { "{\"n\":-0}", NULL },
    { "{\"n\":1.0}", NULL },
    { "{\"n\":1e2}", NULL },
    { "{\"n\":1,\"n\":2}", NULL },
    { "{\"n\":\"\\\"\"}", NULL },
    { "{\"n\":[1]}", NULL },
    { "{\"n\":{}}", NULL },
    { "{}", NULL },
    { "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,\"i\":9}", NULL },
    { "{\"t\":\"\xc3\x28\"}", NULL },
    { "{\"n\":1}}", NULL },
    { "{\"n\":1,}", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (reads); i++)
    {
      gsize length = strlen (reads[i].text);
      g_autofree char *out = g_malloc (length + 1);
      SyncobjJsonFlat flat;
      gboolean read = _syncobj_json_flat_read (reads[i].text, length, out, &flat);

      g_test_message ("%s", reads[i].text);
      g_assert_cmpint (read, ==, reads[i].compact != NULL);
      if (read)
        {
          g_assert_cmpstr (flat.text, ==, reads[i].compact);
          g_assert_cmpuint (flat.length, ==, strlen (reads[i].compact));
        }
    }
}

/* The usual update is kept as text; the bench's form, in a loop. */
static void
test_kept_as_text (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (NULL, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(GError) error = NULL;

  g_assert_true (syncobj_sync_load_json_array (syncobj_sync_control_get_sync (control), RECORDS, -1, &error));
  syncobj_sync_control_set_network_delay (control, 100);
  for (int n = 1; n <= 3; n++)
    {
      g_autofree char *text = g_strdup_printf ("{\"n\":%d}", n);
      g_autoptr(SyncobjTransaction) transaction = syncobj_collection_update_json (collection, "b", text, &error);
      g_autoptr(SyncobjRecord) record = NULL;
      GListModel *mutations;
      g_autoptr(SyncobjPendingMutation) mutation = NULL;
      SyncobjRow *row = _syncobj_overlay_find (collection->overlay, "b");


      g_assert_no_error (error);
      g_assert_nonnull (row->packed);
      g_assert_null (row->visible);
      mutations = syncobj_transaction_get_mutations (transaction);
      mutation = g_list_model_get_item (mutations, 0);
      g_assert_nonnull (mutation->text);
      g_assert_null (mutation->changes);
      g_assert_cmpstr (_syncobj_pending_mutation_peek_text_changes (mutation), ==, text);

      g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 100, 1000), ==,
                       SYNCOBJ_TRANSACTION_STATE_COMPLETED);
      record = syncobj_collection_lookup (collection, "b");
      g_assert_cmpint (syncobj_record_get_int (record, "n"), ==, n);
      g_assert_cmpstr (syncobj_record_get_string (record, "title"), ==, "B");
    }
}

/* Changes longer than 64 KiB are parsed in full, never copied for a flat
 * read first; shorter ones are read flat. Either way a record held as
 * text keeps them as text, and both give the same record. */
static void
test_long (void)
{
  const gsize lengths[] = { 60 * 1024, 64 * 1024 + 1 };

  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      g_autoptr(SyncobjSyncControl) control = NULL;
      g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (NULL, SYNCOBJ_STRATEGY_ORDERED, &control);
      g_autoptr(GError) error = NULL;
      gsize title_length = lengths[i] - strlen ("{\"title\":\"\"}");
      g_autofree char *title = g_strnfill (title_length, 'a' + i);
      g_autofree char *text = g_strdup_printf ("{\"title\":\"%s\"}", title);
      g_autoptr(SyncobjTransaction) transaction = NULL;
      g_autoptr(SyncobjPendingMutation) mutation = NULL;
      g_autoptr(SyncobjRecord) record = NULL;

      g_assert_true (syncobj_sync_load_json_array (syncobj_sync_control_get_sync (control), RECORDS, -1, &error));
      syncobj_sync_control_set_network_delay (control, 100);
      g_assert_cmpuint (strlen (text), ==, lengths[i]);
      transaction = syncobj_collection_update_json (collection, "b", text, &error);
      g_assert_no_error (error);
      mutation = g_list_model_get_item (syncobj_transaction_get_mutations (transaction), 0);
      g_assert_cmpstr (_syncobj_pending_mutation_peek_text_changes (mutation), ==, text);
      record = syncobj_collection_lookup (collection, "b");
      g_assert_cmpstr (syncobj_record_get_string (record, "title"), ==, title);
      g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 100, 1000), ==,
                       SYNCOBJ_TRANSACTION_STATE_COMPLETED);
    }
}

/* A hundred megabytes of changes: refused (nested too deep) or kept,
 * without the stack growing with the text. */
static void
test_huge (void)
{
  gsize size = 100 * 1024 * 1024;
  GString *text = g_string_sized_new (size + 16);
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (NULL, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(SyncobjRecord) record = NULL;

  g_assert_true (syncobj_sync_load_json_array (syncobj_sync_control_get_sync (control), RECORDS, -1, &error));

  g_string_append (text, "{\"n\":");
  for (gsize i = text->len; i < size; i++)
    g_string_append_c (text, '[');
  transaction = syncobj_collection_update_json (collection, "b", text->str, &error);
  g_assert_null (transaction);
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD);
  g_clear_error (&error);

  /* One string of a hundred megabytes, as text. */
  g_string_truncate (text, 0);
  g_string_append (text, "{\"title\":\"");
  for (gsize i = text->len; i < size; i++)
    g_string_append_c (text, 'x');
  g_string_append (text, "\"}");
  transaction = syncobj_collection_update_json (collection, "b", text->str, &error);
  g_assert_no_error (error);
  record = syncobj_collection_lookup (collection, "b");
  g_assert_cmpuint (strlen (syncobj_record_get_string (record, "title")), ==, size - strlen ("{\"title\":\""));
  g_string_free (text, TRUE);
  g_clear_object (&record);
  syncobj_test_drain (control, collection);
}

int
main (int   argc,
      char *argv[])
{
  syncobj_test_init (&argc, &argv);

  g_test_add_func ("/text-update/flat-read", test_flat_read);
  g_test_add_data_func ("/text-update/compare/plain", GINT_TO_POINTER (PLAIN), test_compare_cases);
  g_test_add_data_func ("/text-update/compare/built", GINT_TO_POINTER (BUILT), test_compare_cases);
  g_test_add_data_func ("/text-update/compare/gathered", GINT_TO_POINTER (GATHERED), test_compare_cases);
  g_test_add_data_func ("/text-update/compare/merging", GINT_TO_POINTER (MERGING), test_compare_cases);
  g_test_add_func ("/text-update/compare/key-member", test_compare_key_member);
  g_test_add_func ("/text-update/compare/insert", test_compare_insert);
  g_test_add_func ("/text-update/kept-as-text", test_kept_as_text);
  g_test_add_func ("/text-update/long", test_long);
  g_test_add_func ("/text-update/huge", test_huge);

  return g_test_run ();
}
