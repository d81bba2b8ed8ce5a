/* fuzz-sync-message.c: change messages from a server
 *
 * Input: JSON text as a sync would receive it, handed to
 * syncobj_sync_apply_json() on its own and inside an open commit, on a
 * collection with records and a transaction in flight. Accepted or not,
 * nothing may crash, leak or warn, every visible record must survive JSON
 * text, and the collection must keep working.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-common.h"

static void
assert_visible_records_round_trip (SyncobjCollection *collection)
{
  g_auto(GStrv) keys = syncobj_collection_get_keys (collection);

  for (guint i = 0; keys[i] != NULL; i++)
    fuzz_assert_round_trip (syncobj_collection_lookup_value (collection, keys[i]));
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

  /* As one commit of its own. */
  if (!syncobj_sync_apply_json (sync, (const char *) data, size, &error))
    {
      g_assert (error != NULL && error->domain == SYNCOBJ_ERROR);
      g_assert (g_utf8_validate (error->message, -1, NULL));
      g_clear_error (&error);
    }
  syncobj_sync_control_run_pending (control);
  assert_visible_records_round_trip (collection);

  /* Inside a commit that also carries a fixed write. */
  syncobj_sync_begin (sync);
  if (!syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_INSERT, "{\"id\": \"c\"}", &error))
    g_error ("fuzz: fixed sync write failed: %s", error->message);
  if (!syncobj_sync_apply_json (sync, (const char *) data, size, &error))
    g_clear_error (&error);
  /* A key of the other type than the record of its text (1 and "1") is
   * the one refusal a commit gives: the rest of it applies. */
  if (!syncobj_sync_commit (sync, &error) && !g_error_matches (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_KEY_EXISTS))
    g_error ("fuzz: commit failed: %s", error->message);
  g_clear_error (&error);
  syncobj_sync_control_run_pending (control);
  assert_visible_records_round_trip (collection);

  fuzz_collection_free (collection, control);
  return 0;
}
