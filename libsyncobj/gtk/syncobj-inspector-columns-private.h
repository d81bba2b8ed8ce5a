/* syncobj-inspector-columns-private.h: what the columns of the inspector
 * page show about collections, records, transactions and attempts
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "syncobj-inspector-cells-private.h"

G_BEGIN_DECLS

/* Lets the page find the factories of every column of its template
 * (called from class_init). */
void syncobj_inspector_columns_bind  (GtkWidgetClass        *widget_class);

/* Makes the cells of every column of @page's template (called after
 * gtk_widget_init_template()). */
void syncobj_inspector_columns_setup (SyncobjInspectorCells *cells,
                                      GtkWidget             *page);

G_END_DECLS
