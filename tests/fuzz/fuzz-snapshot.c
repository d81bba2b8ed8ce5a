/* fuzz-snapshot.c: a server's snapshot, through the fast loader
 *
 * Input: JSON text given to syncobj_sync_load_json_array(), which checks
 * and splits a whole array of records without json-glib and builds each
 * record only when asked. Whatever it accepts must mean the same as what
 * json-glib reads from the same text, survive JSON text, and leave the
 * collection working. The HTTP sync's variant of the scanner, which skips
 * elements that are not records, and its finder of an object's member run
 * on the same text.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-common.h"

#include <string.h>

#include "syncobj-json-scan-private.h"

static gboolean
count_record (gsize        index,
              const char  *object,
              gsize        object_length,
              gboolean     compact,
              const char  *key,
              gsize        key_length,
              gboolean     key_is_int,
              gpointer     user_data,
              GError     **error)
{
  guint *counts = user_data;

  g_assert (key_length > 0 && strlen (key) == key_length && object_length >= 2 && *object == '{');
  counts[0]++;
  return TRUE;
}

static void
count_skip (gsize            element,
            SyncobjJsonSkip  reason,
            gpointer         user_data)
{
  guint *counts = user_data;

  g_assert (element >= counts[1]);
  counts[1]++;
}

/* Skipping never refuses what the strict scan takes, and skips nothing
 * there; a member it finds lies within the text. */
static void
check_skipping_scan (const guint8 *data,
                     size_t        size,
                     gboolean      strict_ok)
{
  guint counts[2] = { 0, 0 };
  gboolean ok = _syncobj_json_scan_records_skipping ((const char *) data, size, "id",
                                                     count_record, count_skip, counts, NULL);
  gsize start = 0, length = 0;

  if (strict_ok && (!ok || counts[1] != 0))
    g_error ("fuzz: the skipping scan refused or skipped what the strict one took");
  if (_syncobj_json_find_member ((const char *) data, size, "items", &start, &length))
    g_assert (start + length <= size && length > 0);
}

/* The records json-glib reads from @data, by key; NULL when json-glib
 * refuses the text or it is not an array of objects. */
static GHashTable *
records_by_json_glib (const guint8 *data,
                      size_t        size)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GHashTable) records = NULL;
  JsonNode *root;
  JsonArray *array;

  if (!json_parser_load_from_data (parser, (const char *) data, size, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    return NULL;

  records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                   (GDestroyNotify) json_object_unref);
  array = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      JsonNode *key;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        return NULL;
      key = json_object_get_member (json_node_get_object (element), "id");
      if (key == NULL || (json_node_get_value_type (key) != G_TYPE_STRING &&
                          json_node_get_value_type (key) != G_TYPE_INT64))
        return NULL;
      /* Later duplicates win, as in a commit; an integer key is known by
       * its decimal text. */
      g_hash_table_insert (records,
                           json_node_get_value_type (key) == G_TYPE_INT64
                           ? g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (key))
                           : g_strdup (json_node_get_string (key)),
                           json_object_ref (json_node_get_object (element)));
    }

  return g_steal_pointer (&records);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GError) error = NULL;
  SyncobjSyncControl *control;
  SyncobjCollection *collection;
  SyncobjSync *sync;

  fuzz_init ();
  collection = fuzz_collection_new (&control);
  sync = syncobj_collection_get_sync (collection);

  if (syncobj_sync_load_json_array (sync, (const char *) data, size, &error))
    {
      check_skipping_scan (data, size, TRUE);
      g_autoptr(GHashTable) expected = records_by_json_glib (data, size);
      g_auto(GStrv) keys = NULL;
      GHashTableIter iter;
      gpointer key, value;

      syncobj_sync_control_run_pending (control);
      if (expected == NULL)
        g_error ("fuzz: the snapshot loader accepted what json-glib refuses");

      g_hash_table_iter_init (&iter, expected);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          JsonObject *loaded;

          /* "a" has an update in flight on top of its synced value. */
          if (g_str_equal (key, "a"))
            continue;
          loaded = syncobj_collection_lookup_value (collection, key);
          if (loaded == NULL)
            g_error ("fuzz: record %s of the snapshot is missing", (const char *) key);
          if (!json_object_equal (loaded, value))
            g_error ("fuzz: record %s reads differently from json-glib", (const char *) key);
          fuzz_assert_round_trip (loaded);
        }

      keys = syncobj_collection_get_keys (collection);
      for (guint i = 0; keys[i] != NULL; i++)
        fuzz_assert_round_trip (syncobj_collection_lookup_value (collection, keys[i]));
    }
  else
    {
      check_skipping_scan (data, size, FALSE);
      g_assert (error != NULL && error->domain == SYNCOBJ_ERROR);
      g_assert (g_utf8_validate (error->message, -1, NULL));
    }

  fuzz_collection_free (collection, control);
  return 0;
}
