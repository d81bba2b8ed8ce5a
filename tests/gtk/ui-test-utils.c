/* ui-test-utils.c: helpers for the GTK tests (run under Xvfb)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "ui-test-utils.h"

static gboolean
flag_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
wake_up (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
ui_test_wait_until (gboolean (*condition) (gpointer data),
                     gpointer   data,
                     guint      timeout_ms)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add (timeout_ms, flag_timeout, &timed_out);
  guint wake_id = g_timeout_add (10, wake_up, NULL);
  gboolean result;

  while (!(result = condition (data)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (timeout_id);
  g_source_remove (wake_id);
  return result;
}

void
ui_test_iterate (guint n_iterations)
{
  for (guint i = 0; i < n_iterations && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
}

static void
collect (GtkWidget  *widget,
         const char *name,
         GType       type,
         GPtrArray  *found)
{
  if (!gtk_widget_get_mapped (widget))
    return;
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) &&
      g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    g_ptr_array_add (found, widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect (child, name, type, found);
}

GPtrArray *
ui_test_find_labels (GtkWidget  *root,
                      const char *name)
{
  GPtrArray *found = g_ptr_array_new ();

  collect (root, name, GTK_TYPE_LABEL, found);
  return found;
}

GtkWidget *
ui_test_find_label (GtkWidget  *root,
                     const char *name,
                     const char *text)
{
  g_autoptr(GPtrArray) labels = ui_test_find_labels (root, name);

  for (guint i = 0; i < labels->len; i++)
    if (g_strcmp0 (gtk_label_get_label (g_ptr_array_index (labels, i)), text) == 0)
      return g_ptr_array_index (labels, i);
  return NULL;
}

GtkWidget *
ui_test_find_widget (GtkWidget  *root,
                      const char *name)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  collect (root, name, GTK_TYPE_WIDGET, found);
  return found->len > 0 ? g_ptr_array_index (found, 0) : NULL;
}

static GtkWidget *
row_of (GtkWidget *cell)
{
  for (GtkWidget *widget = cell; widget != NULL; widget = gtk_widget_get_parent (widget))
    if (g_strcmp0 (gtk_widget_get_css_name (widget), "row") == 0)
      return widget;
  return NULL;
}

GtkWidget *
ui_test_row_widget (GtkWidget  *cell,
                     const char *name)
{
  GtkWidget *row = row_of (cell);

  return row != NULL ? ui_test_find_widget (row, name) : NULL;
}

const char *
ui_test_row_label (GtkWidget  *cell,
                    const char *name)
{
  GtkWidget *row = row_of (cell);
  g_autoptr(GPtrArray) labels = NULL;

  if (row == NULL)
    return NULL;
  labels = ui_test_find_labels (row, name);
  return labels->len > 0 ? gtk_label_get_label (g_ptr_array_index (labels, 0)) : NULL;
}

static gboolean
count_frame (GtkWidget     *widget,
             GdkFrameClock *clock,
             gpointer       data)
{
  (*(guint *) data)++;
  return G_SOURCE_CONTINUE;
}

static gboolean
drawn (gpointer data)
{
  return *(guint *) data >= 3;
}

void
ui_test_save_screenshot (GtkWidget  *widget,
                          const char *path)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  int width, height;

  guint frames = 0;
  guint tick_id = gtk_widget_add_tick_callback (widget, count_frame, &frames, NULL);

  /* A few frames: laid out and drawn at least once. */
  gtk_widget_queue_draw (widget);
  g_assert_true (ui_test_wait_until (drawn, &frames, 5000));
  gtk_widget_remove_tick_callback (widget, tick_id);
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);

  g_assert_nonnull (renderer);
  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot saved to %s", path);
}
