/* inspector-module-test.c: GTK loads the libsyncobj inspector module from
 * GTK_PATH/inspector and its inspector shows the page, in an application
 * that never calls syncobj_gtk_init()
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gtk/gtk.h>
#include <syncobj.h>

#include "ui-test-utils.h"

typedef struct {
  GType  type;
  GtkWidget *found;
} PageQuery;

static GtkWidget *
find_by_type (GtkWidget *widget,
              GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_by_type (child, type);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
page_exists (gpointer data)
{
  PageQuery *query = data;
  g_autoptr(GListModel) toplevels = NULL;

  query->type = g_type_from_name ("SyncobjInspectorPage");
  if (query->type == 0)
    return FALSE;

  toplevels = g_object_ref (gtk_window_get_toplevels ());
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      query->found = find_by_type (window, query->type);
      if (query->found != NULL)
        return TRUE;
    }
  return FALSE;
}

static gboolean
collection_shown (gpointer data)
{
  return ui_test_find_label (data, "collection-id", "module-test") != NULL;
}

static void
test_module_adds_page (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection =
    syncobj_test_collection_new_for_id ("module-test", NULL, SYNCOBJ_STRATEGY_ORDERED, &control);
  GtkWidget *window = gtk_window_new ();
  PageQuery query = { 0, NULL };
  GIOExtensionPoint *point;
  g_autofree char *title = NULL;
  g_autofree char *path = NULL;
  GtkWidget *stack;

  g_assert_nonnull (g_getenv ("GTK_PATH"));
  g_assert_true (g_type_from_name ("SyncobjInspectorPage") == 0);

  gtk_window_present (GTK_WINDOW (window));
  gtk_window_set_interactive_debugging (TRUE);

  g_assert_true (ui_test_wait_until (page_exists, &query, 10000));

  point = g_io_extension_point_lookup ("gtk-inspector-page");
  g_assert_nonnull (point);
  g_assert_nonnull (g_io_extension_point_get_extension_by_name (point, "libsyncobj"));
  g_object_get (query.found, "title", &title, NULL);
  g_assert_cmpstr (title, ==, "Sync");

  /* Choose the page's tab: it shows the application's collection, so it
   * reads the same registry as the application's libsyncobj. */
  for (stack = gtk_widget_get_parent (query.found);
       stack != NULL && !GTK_IS_STACK (stack);
       stack = gtk_widget_get_parent (stack))
    ;
  g_assert_nonnull (stack);
  gtk_stack_set_visible_child (GTK_STACK (stack), query.found);
  g_assert_true (ui_test_wait_until (collection_shown, query.found, 10000));

  path = g_build_filename (g_getenv ("SYNCOBJ_TEST_ARTEFACT_DIR") ? g_getenv ("SYNCOBJ_TEST_ARTEFACT_DIR") : ".",
                           "inspector-window.png", NULL);
  ui_test_save_screenshot (GTK_WIDGET (gtk_widget_get_root (query.found)), path);

  gtk_window_set_interactive_debugging (FALSE);
  gtk_window_destroy (GTK_WINDOW (window));
  ui_test_iterate (100);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check ())
    {
      g_test_skip ("no display");
      return 77;
    }

  g_test_add_func ("/gtk/inspector-module/adds-page", test_module_adds_page);

  return g_test_run ();
}
