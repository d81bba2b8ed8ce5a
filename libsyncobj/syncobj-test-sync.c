/* syncobj-test-sync.c: a sync with no server behind it, for tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-private.h"

/**
 * SyncobjTestSync:
 *
 * A sync with no server behind it, for tests: it commits its initial data
 * when started and otherwise does what its [class@Syncobj.SyncControl]
 * says.
 *
 * [func@Syncobj.test_collection_new] builds a collection around one,
 * together with a mutator that plays the server.
 */

struct _SyncobjTestSync
{
  SyncobjSync  parent_instance;
  JsonArray   *initial_data;
};

G_DEFINE_FINAL_TYPE (SyncobjTestSync, syncobj_test_sync, SYNCOBJ_TYPE_SYNC)

static void
syncobj_test_sync_start (SyncobjSync *sync)
{
  SyncobjTestSync *self = SYNCOBJ_TEST_SYNC (sync);
  g_autoptr(GError) error = NULL;

  syncobj_sync_begin (sync);
  for (guint i = 0; self->initial_data != NULL && i < json_array_get_length (self->initial_data); i++)
    {
      JsonNode *node = json_array_get_element (self->initial_data, i);

      if (!JSON_NODE_HOLDS_OBJECT (node) ||
          !syncobj_sync_write (sync, SYNCOBJ_MUTATION_TYPE_INSERT, json_node_get_object (node), &error))
        {
          g_autoptr(GError) reported = error != NULL ? g_steal_pointer (&error)
            : g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                           _("Initial record %u is not a JSON object"), i);
          syncobj_sync_mark_error (sync, reported);
        }
    }
  syncobj_sync_commit (sync, NULL);
  syncobj_sync_mark_ready (sync);
}

static void
syncobj_test_sync_finalize (GObject *object)
{
  SyncobjTestSync *self = SYNCOBJ_TEST_SYNC (object);

  g_clear_pointer (&self->initial_data, json_array_unref);

  G_OBJECT_CLASS (syncobj_test_sync_parent_class)->finalize (object);
}

static void
syncobj_test_sync_class_init (SyncobjTestSyncClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = syncobj_test_sync_finalize;
  SYNCOBJ_SYNC_CLASS (klass)->start = syncobj_test_sync_start;
}

static void
syncobj_test_sync_init (SyncobjTestSync *self)
{
}

/**
 * syncobj_test_sync_new:
 * @id: the id of the sync
 * @initial_data: (nullable): records (JSON objects) to commit when started
 *
 * Creates a test sync; a test drives it further through
 * [method@Syncobj.Sync.begin] and friends or a [class@Syncobj.SyncControl].
 *
 * Returns: (transfer full): a new test sync
 */
SyncobjTestSync *
syncobj_test_sync_new (const char *id,
                       JsonArray  *initial_data)
{
  SyncobjTestSync *self = g_object_new (SYNCOBJ_TYPE_TEST_SYNC, "id", id, NULL);

  self->initial_data = initial_data != NULL ? json_array_ref (initial_data) : NULL;
  return self;
}
