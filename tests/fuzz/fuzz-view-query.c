/* fuzz-view-query.c: the JSON description of a view
 *
 * Input: any bytes, given to the view description parser with their
 * length. Either a GError of SYNCOBJ_ERROR_INVALID_VIEW (valid UTF-8), or
 * a description that syncobj_view_new_from_json() also accepts; the view
 * it makes over a small collection, whose records it reads as packed JSON
 * text, then counts as many matching records as the condition finds on
 * the same records built as objects, and holds only records that pass
 * it, no more than its limit.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-common.h"

#include <string.h>

#include "syncobj-view-private.h"

#define RECORDS \
  "[{\"id\": \"1\", \"title\": \"Milk\", \"done\": false, \"n\": 3, \"owner\": {\"name\": \"Ann\"}}," \
  " {\"id\": \"-7\", \"title\": \"bread\", \"done\": true, \"n\": 1.5}," \
  " {\"id\": \"k\", \"title\": \"\\u00c9t\\u00e9\", \"n\": \"3\", \"owner\": null}," \
  " {\"id\": \"k2\", \"title\": null, \"done\": null, \"n\": [1], \"owner\": {\"name\": {\"x\": 1}}}," \
  " {\"id\": \"09\"}]"

/* RECORDS as built objects, parsed once. */
static JsonArray *
records_parsed (void)
{
  static JsonArray *records;

  if (records == NULL)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      g_assert (json_parser_load_from_data (parser, RECORDS, -1, NULL));
      records = json_array_ref (json_node_get_array (json_parser_get_root (parser)));
    }
  return records;
}

static void
check_view (SyncobjView      *view,
            SyncobjViewQuery *query)
{
  GListModel *model = G_LIST_MODEL (view);
  JsonArray *records = records_parsed ();
  guint n = g_list_model_get_n_items (model);
  guint matching = 0;

  /* The view read the records' packed text; the condition here reads
   * their built objects: both count alike. */
  for (guint i = 0; i < json_array_get_length (records); i++)
    if (query->where == NULL || syncobj_condition_matches (query->where, json_array_get_object_element (records, i)))
      matching++;
  if (query->pending == SYNCOBJ_PENDING_FILTER_ONLY)
    matching = 0;
  g_assert_cmpuint (syncobj_view_get_n_matched (view), ==, matching);

  g_assert (n <= query->limit);
  g_assert (n <= syncobj_view_get_n_matched (view));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyncobjRecord) record = g_list_model_get_item (model, i);

      g_assert (record != NULL);
      if (query->where != NULL)
        g_assert (syncobj_condition_matches (query->where, syncobj_record_get_value (record)));
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  SyncobjViewQuery query;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autoptr(SyncobjView) view = NULL;

  fuzz_init ();

  if (!_syncobj_view_query_parse ((const char *) data, size, &query, &error))
    {
      g_assert (error != NULL && error->domain == SYNCOBJ_ERROR && error->code == SYNCOBJ_ERROR_INVALID_VIEW);
      g_assert (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }

  /* The text without its length: the same answer, unless it holds a NUL. */
  text = g_strndup ((const char *) data, size);
  if (strlen (text) == size)
    {
      /* A new collection each time: its records are still packed. */
      g_autoptr(SyncobjSyncControl) control = NULL;
      g_autoptr(SyncobjCollection) collection =
        syncobj_test_collection_new_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control, NULL);

      g_assert (collection != NULL);
      view = syncobj_view_new_from_json (G_LIST_MODEL (collection), text, &error);
      if (view == NULL)
        g_error ("fuzz: the parser accepted what syncobj_view_new_from_json() refuses: %s", error->message);
      check_view (view, &query);
      g_clear_object (&view);
    }

  _syncobj_view_query_clear (&query);
  return 0;
}
