/* fuzz-common.c: what every fuzz target of libsyncobj shares
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-common.h"

#include <stdlib.h>

/* GLib ends a fatal message with a breakpoint trap, which libFuzzer does
 * not take for a crash (no input saved); abort() it is. */
static GLogWriterOutput
fatal_writer (GLogLevelFlags   log_level,
              const GLogField *fields,
              gsize            n_fields,
              gpointer         user_data)
{
  GLogWriterOutput result = g_log_writer_standard_streams (log_level, fields, n_fields, user_data);

  if (log_level & (G_LOG_FLAG_FATAL | G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    abort ();
  return result;
}

void
fuzz_init (void)
{
  static gboolean initialized = FALSE;

  if (initialized)
    return;
  initialized = TRUE;

  /* Covers structured logging (libsyncobj's) as well. */
  g_log_set_always_fatal (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  g_log_set_writer_func (fatal_writer, NULL, NULL);
}

SyncobjCollection *
fuzz_collection_new (SyncobjSyncControl **control)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(SyncobjTransaction) update = NULL;
  g_autoptr(GError) error = NULL;
  SyncobjCollection *collection;

  if (!json_parser_load_from_data (parser,
                                   "[{\"id\": \"a\", \"title\": \"A\", \"n\": 1},"
                                   " {\"id\": \"b\", \"done\": false, \"tags\": [\"x\"]}]",
                                   -1, &error))
    g_error ("fuzz: bad initial data: %s", error->message);

  collection = syncobj_test_collection_new (json_node_get_array (json_parser_get_root (parser)),
                                            SYNCOBJ_STRATEGY_ORDERED, control);
  syncobj_sync_control_set_network_delay (*control, 10);

  update = syncobj_collection_update_json (collection, "a", "{\"title\": \"A2\"}", &error);
  if (update == NULL)
    g_error ("fuzz: the update in flight failed: %s", error->message);

  return collection;
}

void
fuzz_collection_free (SyncobjCollection  *collection,
                      SyncobjSyncControl *control)
{
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(GError) error = NULL;

  /* Inputs may have queued transactions behind retries; ten virtual
   * minutes outlast every backoff. */
  syncobj_sync_control_set_offline (control, FALSE);
  syncobj_sync_control_advance (control, 600 * 1000);

  /* The collection still works: "a" is never deleted by the targets'
   * fixed writes, so a fresh key can always be inserted. */
  insert = syncobj_collection_insert_json (collection, "{\"id\": \"fuzz-check\"}", &error);
  if (insert == NULL && !g_error_matches (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_KEY_EXISTS))
    g_error ("fuzz: the collection stopped working: %s", error->message);
  syncobj_sync_control_advance (control, 600 * 1000);
  if (insert != NULL && !syncobj_transaction_is_finished (insert))
    g_error ("fuzz: a transaction never finished");

  g_clear_object (&insert);
  g_object_unref (collection);
  g_object_unref (control);
  syncobj_registry_forget_finished (syncobj_registry_get_default ());
}

void
fuzz_assert_round_trip (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = json_to_string (node, FALSE);

  if (!json_parser_load_from_data (parser, text, -1, &error))
    g_error ("fuzz: accepted a record that does not survive JSON text: %s (%s)",
             error->message, text);
  if (!json_node_equal (node, json_parser_get_root (parser)))
    g_error ("fuzz: a record changed on its way through JSON text: %s", text);
}
