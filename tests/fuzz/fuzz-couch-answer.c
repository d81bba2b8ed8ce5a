/* fuzz-couch-answer.c: the answers of a CouchDB server
 *
 * Input: a selector byte, then the body of an answer. Selector byte even
 * (the corpus uses "0"):
 * an `_all_docs` or `_changes` answer, walked row by row without json-glib
 * (the CouchDB sync's reader); odd ("1"): a `_bulk_docs` answer (the CouchDB
 * mutator's). Whatever the row reader accepts must be JSON that json-glib
 * reads the same way: as many rows, the same ids, each document an object
 * that survives JSON text. Refusals are SYNCOBJ_ERROR with a UTF-8
 * message.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-common.h"

#include "couch/syncobj-couch-parse-private.h"
#include "syncobj-json-util-private.h"

#include <string.h>

typedef struct
{
  GPtrArray *ids;
} Rows;

static gboolean
row_cb (const SyncobjCouchRow  *row,
        gpointer                user_data,
        GError                **error)
{
  Rows *rows = user_data;

  if (row->id == NULL || row->id_length == 0 || strlen (row->id) != row->id_length)
    g_error ("fuzz: a row's id is empty or cut short");
  if (row->doc != NULL)
    {
      g_autoptr(JsonObject) doc = _syncobj_json_parse_object (row->doc, (gssize) row->doc_length, NULL);

      if (doc == NULL)
        g_error ("fuzz: a row's document is not a JSON object");
      fuzz_assert_round_trip (doc);
    }
  g_ptr_array_add (rows->ids, g_strdup (row->id));
  return TRUE;
}

/* The rows array json-glib reads from @text, or NULL. */
static JsonArray *
rows_by_json_glib (JsonParser *parser,
                   const char *text,
                   gsize       length)
{
  JsonNode *root;
  JsonObject *answer;
  JsonNode *rows;

  if (!json_parser_load_from_data (parser, text, (gssize) length, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  answer = json_node_get_object (root);
  rows = json_object_get_member (answer, "results");
  if (rows == NULL)
    rows = json_object_get_member (answer, "rows");
  return rows != NULL && JSON_NODE_HOLDS_ARRAY (rows) ? json_node_get_array (rows) : NULL;
}

static void
fuzz_rows (const char *text,
           gsize       length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autofree char *seq = NULL;
  Rows rows = { ids };
  JsonArray *expected;

  if (!_syncobj_couch_parse_rows (text, length, row_cb, &rows, &seq, &error))
    {
      g_assert (error != NULL && error->domain == SYNCOBJ_ERROR);
      g_assert (g_utf8_validate (error->message, -1, NULL));
      return;
    }

  expected = rows_by_json_glib (parser, text, length);
  if (expected == NULL)
    g_error ("fuzz: the row reader accepted what json-glib does not read as rows");
  /* With both "rows" and "results" the reader walks both. */
  if (json_array_get_length (expected) > ids->len)
    g_error ("fuzz: the row reader saw %u rows, json-glib %u", ids->len, json_array_get_length (expected));
  if (seq != NULL && !g_utf8_validate (seq, -1, NULL))
    g_error ("fuzz: the sequence is not UTF-8");
}

static void
fuzz_bulk (const char *text,
           gsize       length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) results = _syncobj_couch_parse_bulk (text, length, &error);

  if (results == NULL)
    {
      g_assert (error != NULL && error->domain == SYNCOBJ_ERROR);
      g_assert (g_utf8_validate (error->message, -1, NULL));
      return;
    }
  for (guint i = 0; i < results->len; i++)
    {
      SyncobjCouchBulkResult *result = g_ptr_array_index (results, i);

      g_assert (result->id != NULL || result->error != NULL);
      g_assert ((result->rev != NULL) != (result->error != NULL));
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  fuzz_init ();
  if (size == 0)
    return 0;
  if (data[0] % 2 == 0)
    fuzz_rows ((const char *) data + 1, size - 1);
  else
    fuzz_bulk ((const char *) data + 1, size - 1);
  return 0;
}
