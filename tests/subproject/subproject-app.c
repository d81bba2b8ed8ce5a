/* subproject-app.c: a program built against libsyncobj as a subproject
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <syncobj.h>

int
main (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) todos = NULL;
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (syncobj_get_major_version (), ==, SYNCOBJ_MAJOR_VERSION);
  g_assert_null (syncobj_check_version (SYNCOBJ_MAJOR_VERSION, SYNCOBJ_MINOR_VERSION, SYNCOBJ_MICRO_VERSION));

  todos = syncobj_test_collection_new_from_json ("[{\"id\": \"1\", \"title\": \"Buy milk\"}]",
                                                 SYNCOBJ_STRATEGY_ORDERED, &control, &error);
  g_assert_no_error (error);
  insert = syncobj_collection_insert_json (todos, "{\"id\": \"2\", \"title\": \"Walk the dog\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (todos)), ==, 2);

  syncobj_sync_control_advance (control, 1000);
  g_assert_cmpint (syncobj_transaction_get_state (insert), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);

  g_print ("libsyncobj %u.%u.%u as a subproject: %u records\n",
           syncobj_get_major_version (), syncobj_get_minor_version (), syncobj_get_micro_version (),
           g_list_model_get_n_items (G_LIST_MODEL (todos)));
  return 0;
}
