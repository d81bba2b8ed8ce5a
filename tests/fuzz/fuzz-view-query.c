/* fuzz-view-query.c: the JSON description of a view
 *
 * Input: any bytes, given to the view description parser with their
 * length. Either a GError of SYNCOBJ_ERROR_INVALID_VIEW (valid UTF-8), or
 * a description that syncobj_view_new_from_json() also accepts; the view
 * it makes over a small collection then holds only records that pass its
 * condition, no more than its limit, in its order.
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

static SyncobjCollection *
shared_collection (void)
{
  static SyncobjCollection *collection;
  static SyncobjSyncControl *control;

  if (collection == NULL)
    {
      g_autoptr(GError) error = NULL;

      collection = syncobj_test_collection_new_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control, &error);
      g_assert (collection != NULL);
    }
  return collection;
}

static void
check_view (SyncobjView      *view,
            SyncobjViewQuery *query)
{
  GListModel *model = G_LIST_MODEL (view);
  guint n = g_list_model_get_n_items (model);

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
      view = syncobj_view_new_from_json (G_LIST_MODEL (shared_collection ()), text, &error);
      if (view == NULL)
        g_error ("fuzz: the parser accepted what syncobj_view_new_from_json() refuses: %s", error->message);
      check_view (view, &query);
    }

  _syncobj_view_query_clear (&query);
  return 0;
}
