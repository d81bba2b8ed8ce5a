/* syncobj-inspector-cells-private.h: the cells of the inspector page's
 * column views, and how they stay up to date
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The text of the cell of @item (newly allocated), or NULL for none. */
typedef char       *(*SyncobjInspectorCellTextFunc)  (gpointer item);

/* A style class for the cell of @item ("syncobj-failed", …), or NULL. */
typedef const char *(*SyncobjInspectorCellStyleFunc) (gpointer item);

/* A column of the page's template: its title, width and order are there;
 * its cells are labels. */
typedef struct {
  const char                    *name;             /* the factory's id, the cells' widget name */
  SyncobjInspectorCellTextFunc   text;
  int                            width_chars;      /* 0: small */
  int                            max_width_chars;  /* 0: as wide as the column */
  SyncobjInspectorCellStyleFunc  style;
} SyncobjInspectorColumn;

/* The cells of a page that show an item now. Kept in the page's
 * instance: a cell destroyed late finds it cleared. */
typedef struct {
  GHashTable *bound;  /* CellBinding* set */
} SyncobjInspectorCells;

void     syncobj_inspector_cells_init          (SyncobjInspectorCells        *cells);
void     syncobj_inspector_cells_clear         (SyncobjInspectorCells        *cells);
/* Every cell showing an item reads it again. */
void     syncobj_inspector_cells_refresh       (SyncobjInspectorCells        *cells);

/* Lets syncobj_inspector_cells_setup_columns() find the factories of
 * @columns in the template of @widget_class. */
void     syncobj_inspector_cells_bind_columns  (GtkWidgetClass               *widget_class,
                                                const SyncobjInspectorColumn *columns,
                                                gsize                         n_columns);
/* Makes the cells of @columns with the factories of @page's template
 * whose ids are the columns' names. */
void     syncobj_inspector_cells_setup_columns (SyncobjInspectorCells        *cells,
                                                GtkWidget                    *page,
                                                const SyncobjInspectorColumn *columns,
                                                gsize                         n_columns);
/* Makes the cells of the transactions' actions column, the factory
 * @name of @page's template: "Retry now" and "Roll back" buttons that
 * activate the page's actions with the transaction id. */
void     syncobj_inspector_cells_setup_actions (SyncobjInspectorCells        *cells,
                                                GtkWidget                    *page,
                                                const char                   *name);

G_END_DECLS
