/* syncobj-inspector-cells.c: the cells of the inspector page's column
 * views, and how they stay up to date
 *
 * Every cell of every view is a label (or a box of buttons) showing one
 * aspect of its row's item. A cell follows ::notify of its item and is
 * also refreshed when any transaction changes state (locks, queues and
 * collections depend on other objects) and once a second (ages): the
 * page calls syncobj_inspector_cells_refresh() then. What a column shows
 * is in syncobj-inspector-columns.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include <syncobj.h>

#include "syncobj-inspector-cells-private.h"
#include "syncobj-inspector-text-private.h"

typedef struct _CellBinding CellBinding;
typedef void (*CellRefreshFunc) (CellBinding *binding);

struct _CellBinding
{
  SyncobjInspectorCells        *cells;
  const SyncobjInspectorColumn *column;  /* NULL: the actions column */
  GtkWidget                    *widget;  /* unowned: the binding belongs to it */
  GObject                      *item;    /* while bound */
  gulong                        notify_handler;
  CellRefreshFunc               refresh;
  const char                   *style;   /* the style class set by column->style */
};

void
syncobj_inspector_cells_init (SyncobjInspectorCells *cells)
{
  cells->bound = g_hash_table_new (NULL, NULL);
}

void
syncobj_inspector_cells_clear (SyncobjInspectorCells *cells)
{
  g_clear_pointer (&cells->bound, g_hash_table_unref);
}

void
syncobj_inspector_cells_refresh (SyncobjInspectorCells *cells)
{
  /* A copy: a refresh never binds or unbinds, but stay safe. */
  g_autoptr(GList) bound = g_hash_table_get_keys (cells->bound);

  for (GList *l = bound; l != NULL; l = l->next)
    {
      CellBinding *binding = l->data;

      binding->refresh (binding);
    }
}

static void
cell_binding_free (CellBinding *binding)
{
  /* A cell destroyed while bound (GTK unbinds first; be safe anyway). The
   * page disposes of its widgets before it clears the set. */
  if (binding->item != NULL && binding->cells->bound != NULL)
    g_hash_table_remove (binding->cells->bound, binding);
  g_clear_signal_handler (&binding->notify_handler, binding->item);
  g_clear_object (&binding->item);
  g_free (binding);
}

/* Makes @widget the cell of @list_item; the cell owns its binding. */
static void
cell_attach (SyncobjInspectorCells        *cells,
             const SyncobjInspectorColumn *column,
             GtkWidget                    *widget,
             CellRefreshFunc               refresh,
             GtkListItem                  *list_item)
{
  CellBinding *binding = g_new0 (CellBinding, 1);

  binding->cells = cells;
  binding->column = column;
  binding->widget = widget;
  binding->refresh = refresh;
  g_object_set_data_full (G_OBJECT (widget), "syncobj-cell", binding,
                          (GDestroyNotify) cell_binding_free);
  gtk_list_item_set_child (list_item, widget);
}

/* The text colour of the state classes. A Pango attribute rather than
 * CSS: it needs no style provider and works in any theme. */
static void
set_colour (GtkLabel   *label,
            const char *style)
{
  static const struct { const char *style; guint16 red, green, blue; } colours[] = {
    { "syncobj-waiting", 0xc6c6, 0x4646, 0x0000 },
    { "syncobj-done", 0x2626, 0xa2a2, 0x6969 },
    { "syncobj-failed", 0xc0c0, 0x1c1c, 0x2828 },
  };
  g_autoptr(PangoAttrList) attributes = NULL;

  for (gsize i = 0; style != NULL && i < G_N_ELEMENTS (colours); i++)
    if (g_str_equal (style, colours[i].style))
      {
        attributes = pango_attr_list_new ();
        pango_attr_list_insert (attributes, pango_attr_foreground_new (colours[i].red,
                                                                       colours[i].green,
                                                                       colours[i].blue));
      }
  gtk_label_set_attributes (label, attributes);
}

static void
cell_refresh_label (CellBinding *binding)
{
  g_autofree char *text = NULL;
  GtkLabel *label = GTK_LABEL (binding->widget);

  if (binding->item == NULL)
    return;
  text = binding->column->text (binding->item);
  if (text == NULL)
    text = g_strdup ("");
  if (g_strcmp0 (gtk_label_get_label (label), text) != 0)
    gtk_label_set_label (label, text);

  if (binding->column->style != NULL)
    {
      const char *style = binding->column->style (binding->item);

      if (g_strcmp0 (style, binding->style) != 0)
        {
          if (binding->style != NULL)
            gtk_widget_remove_css_class (binding->widget, binding->style);
          if (style != NULL)
            gtk_widget_add_css_class (binding->widget, style);
          binding->style = style;
          set_colour (label, style);
        }
    }
}

static void
cell_item_notify (CellBinding *binding)
{
  binding->refresh (binding);
}

/* A cell cut off at its width (ids are long, values longer) shows its whole
 * text as a tooltip; one that fits shows none. */
static gboolean
cell_query_tooltip (GtkLabel   *label,
                    int         x,
                    int         y,
                    gboolean    keyboard_mode,
                    GtkTooltip *tooltip)
{
  if (!pango_layout_is_ellipsized (gtk_label_get_layout (label)))
    return FALSE;
  gtk_tooltip_set_text (tooltip, gtk_label_get_label (label));
  return TRUE;
}

static void
cell_setup (GtkSignalListItemFactory     *factory,
            GtkListItem                  *list_item,
            const SyncobjInspectorColumn *column)
{
  SyncobjInspectorCells *cells = g_object_get_data (G_OBJECT (factory), "syncobj-cells");
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_width_chars (GTK_LABEL (label), column->width_chars > 0 ? column->width_chars : 4);
  /* Fixed columns stay narrow (ids are long); the tooltip has the text. */
  if (column->max_width_chars > 0)
    gtk_label_set_max_width_chars (GTK_LABEL (label), column->max_width_chars);
  gtk_widget_set_name (label, column->name);
  gtk_widget_set_has_tooltip (label, TRUE);
  g_signal_connect (label, "query-tooltip", G_CALLBACK (cell_query_tooltip), NULL);

  cell_attach (cells, column, label, cell_refresh_label, list_item);
}

/* The binding of the cell that @list_item shows. */
static CellBinding *
list_item_binding (GtkListItem *list_item)
{
  return g_object_get_data (G_OBJECT (gtk_list_item_get_child (list_item)), "syncobj-cell");
}

static void
cell_bind (GtkSignalListItemFactory     *factory,
           GtkListItem                  *list_item,
           const SyncobjInspectorColumn *column)
{
  CellBinding *binding = list_item_binding (list_item);

  binding->item = g_object_ref (gtk_list_item_get_item (list_item));
  binding->notify_handler = g_signal_connect_swapped (binding->item, "notify",
                                                      G_CALLBACK (cell_item_notify), binding);
  g_hash_table_add (binding->cells->bound, binding);
  binding->refresh (binding);
}

static void
cell_unbind (GtkSignalListItemFactory     *factory,
             GtkListItem                  *list_item,
             const SyncobjInspectorColumn *column)
{
  CellBinding *binding = list_item_binding (list_item);

  g_hash_table_remove (binding->cells->bound, binding);
  g_clear_signal_handler (&binding->notify_handler, binding->item);
  g_clear_object (&binding->item);
}

/* The factory of @page's template whose id is @name (declared by
 * syncobj_inspector_cells_bind_columns()). The page's type is final: it
 * is the one that declared the template. */
static GObject *
template_factory (GtkWidget  *page,
                  const char *name)
{
  GObject *factory = gtk_widget_get_template_child (page, G_OBJECT_TYPE (page), name);

  g_assert (GTK_IS_SIGNAL_LIST_ITEM_FACTORY (factory));
  return factory;
}

/* Makes the cells of @column with the factory of the template whose id is
 * the column's name. */
static void
setup_column (SyncobjInspectorCells        *cells,
              GtkWidget                    *page,
              const SyncobjInspectorColumn *column)
{
  GObject *factory = template_factory (page, column->name);

  g_object_set_data (factory, "syncobj-cells", cells);
  g_signal_connect (factory, "setup", G_CALLBACK (cell_setup), (gpointer) column);
  g_signal_connect (factory, "bind", G_CALLBACK (cell_bind), (gpointer) column);
  g_signal_connect (factory, "unbind", G_CALLBACK (cell_unbind), (gpointer) column);
}

void
syncobj_inspector_cells_bind_columns (GtkWidgetClass               *widget_class,
                                      const SyncobjInspectorColumn *columns,
                                      gsize                         n_columns)
{
  for (gsize i = 0; i < n_columns; i++)
    gtk_widget_class_bind_template_child_full (widget_class, columns[i].name, FALSE, 0);
}

void
syncobj_inspector_cells_setup_columns (SyncobjInspectorCells        *cells,
                                       GtkWidget                    *page,
                                       const SyncobjInspectorColumn *columns,
                                       gsize                         n_columns)
{
  for (gsize i = 0; i < n_columns; i++)
    setup_column (cells, page, &columns[i]);
}

/* The actions column: "Retry now" and "Roll back" buttons, shown only on
 * the rows they apply to. They activate the page's actions with the
 * transaction id. */
static void
cell_refresh_actions (CellBinding *binding)
{
  SyncobjTransaction *transaction = SYNCOBJ_TRANSACTION (binding->item);
  GtkWidget *retry = gtk_widget_get_first_child (binding->widget);
  GtkWidget *rollback = gtk_widget_get_next_sibling (retry);
  GVariant *target = g_variant_new_string (syncobj_transaction_get_id (transaction));

  g_variant_ref_sink (target);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (retry), target);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (rollback), target);
  g_variant_unref (target);

  gtk_widget_set_visible (retry, syncobj_inspector_waits_for_retry (transaction));
  gtk_widget_set_visible (rollback, syncobj_inspector_can_roll_back (transaction));
}

static void
actions_setup (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               SyncobjInspectorCells    *cells)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  GtkWidget *retry = gtk_button_new_with_label (_("Retry now"));
  GtkWidget *rollback = gtk_button_new_with_label (_("Roll back"));

  gtk_widget_set_name (box, g_object_get_data (G_OBJECT (factory), "syncobj-name"));
  gtk_widget_set_name (retry, "retry-now");
  gtk_widget_set_name (rollback, "rollback");
  /* The target (the transaction id) is set on bind; give the buttons one
   * of the right type before the action so that GTK never sees a
   * mismatch. */
  gtk_actionable_set_action_target (GTK_ACTIONABLE (retry), "s", "");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (rollback), "s", "");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (retry), "inspector-page.retry-now");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (rollback), "inspector-page.rollback");
  gtk_widget_add_css_class (retry, "flat");
  gtk_widget_add_css_class (rollback, "flat");
  gtk_box_append (GTK_BOX (box), retry);
  gtk_box_append (GTK_BOX (box), rollback);

  cell_attach (cells, NULL, box, cell_refresh_actions, list_item);
}

void
syncobj_inspector_cells_setup_actions (SyncobjInspectorCells *cells,
                                       GtkWidget             *page,
                                       const char            *name)
{
  GObject *factory = template_factory (page, name);

  g_object_set_data_full (factory, "syncobj-name", g_strdup (name), g_free);
  g_signal_connect (factory, "setup", G_CALLBACK (actions_setup), cells);
  g_signal_connect (factory, "bind", G_CALLBACK (cell_bind), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (cell_unbind), NULL);
}

