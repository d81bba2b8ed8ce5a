/* ui-test-utils.h: helpers for the GTK tests (run under Xvfb)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Runs the default main context until @condition returns TRUE or
 * @timeout_ms of real time passed; returns the last result of
 * @condition. Never sleeps blindly: it wakes on events and every 10 ms. */
gboolean    ui_test_wait_until       (gboolean   (*condition) (gpointer data),
                                       gpointer     data,
                                       guint        timeout_ms);

/* Runs at most @n_iterations non-blocking iterations of the default main
 * context and returns when no more events are pending. */
void        ui_test_iterate          (guint        n_iterations);

/* The mapped GtkLabels named @name under @root, in tree order
 * (transfer container). */
GPtrArray  *ui_test_find_labels      (GtkWidget   *root,
                                       const char  *name);

/* The first mapped GtkLabel named @name under @root whose text is @text. */
GtkWidget  *ui_test_find_label       (GtkWidget   *root,
                                       const char  *name,
                                       const char  *text);

/* The first mapped widget named @name under @root. */
GtkWidget  *ui_test_find_widget      (GtkWidget   *root,
                                       const char  *name);

/* The text of the first mapped label named @name in the same list row
 * (CSS node "row") as @cell, or NULL. */
const char *ui_test_row_label        (GtkWidget   *cell,
                                       const char  *name);

/* The first mapped widget named @name in the same list row as @cell. */
GtkWidget  *ui_test_row_widget       (GtkWidget   *cell,
                                       const char  *name);

/* Renders @widget (realized and mapped) and saves it as a PNG at @path. */
void        ui_test_save_screenshot  (GtkWidget   *widget,
                                       const char  *path);

G_END_DECLS
