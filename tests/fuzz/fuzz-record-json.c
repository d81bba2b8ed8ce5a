/* fuzz-record-json.c: records and changes as JSON text
 *
 * Input: JSON text given to the entry points bindings use:
 * syncobj_collection_insert_json(), syncobj_collection_update_json() and
 * syncobj_sync_write_json(). Refused with a GError or accepted intact, on a
 * collection with records and a transaction in flight; accepted records
 * must survive JSON text (they will be stored and sent).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-common.h"

static void
check_refusal (GError *error)
{
  g_assert (error != NULL && error->domain == SYNCOBJ_ERROR);
  g_assert (g_utf8_validate (error->message, -1, NULL));
}

static void
check_write (SyncobjCollection  *collection,
             SyncobjTransaction *transaction,
             GError             *error,
             const char         *key)
{
  if (transaction == NULL)
    {
      check_refusal (error);
      return;
    }
  if (key != NULL)
    {
      JsonObject *value = syncobj_collection_lookup_value (collection, key);

      if (value != NULL)
        fuzz_assert_round_trip (value);
    }
  g_object_unref (transaction);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  /* The entry points take nul-terminated text; an embedded NUL ends it. */
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  SyncobjSyncControl *control;
  SyncobjCollection *collection;
  SyncobjTransaction *transaction;
  SyncobjSync *sync;

  fuzz_init ();
  collection = fuzz_collection_new (&control);
  sync = syncobj_collection_get_sync (collection);

  transaction = syncobj_collection_insert_json (collection, text, &error);
  if (transaction != NULL)
    {
      g_auto(GStrv) keys = syncobj_collection_get_keys (collection);

      for (guint i = 0; keys[i] != NULL; i++)
        fuzz_assert_round_trip (syncobj_collection_lookup_value (collection, keys[i]));
    }
  check_write (collection, transaction, error, NULL);
  g_clear_error (&error);

  transaction = syncobj_collection_update_json (collection, "b", text, &error);
  check_write (collection, transaction, error, "b");
  g_clear_error (&error);

  /* The same text inside an explicit transaction, then rolled back. */
  {
    g_autoptr(SyncobjTransaction) gathering = syncobj_collection_begin (collection);

    transaction = syncobj_collection_update_json (collection, "a", text, &error);
    check_write (collection, transaction, error, "a");
    g_clear_error (&error);
    if (!syncobj_transaction_rollback (gathering, &error))
      g_error ("fuzz: rollback of an uncommitted transaction failed: %s", error->message);
  }

  syncobj_sync_begin (sync);
  if (!syncobj_sync_write_json (sync, SYNCOBJ_MUTATION_TYPE_UPDATE, text, &error))
    {
      check_refusal (error);
      g_clear_error (&error);
    }
  if (!syncobj_sync_commit (sync, &error))
    g_error ("fuzz: commit failed: %s", error->message);
  syncobj_sync_control_run_pending (control);

  fuzz_collection_free (collection, control);
  return 0;
}
