/* syncobj-inspector-page.c: the libsyncobj page of the GTK inspector
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "syncobj-gtk.h"
#include "syncobj-inspector-page-private.h"
#include "syncobj-inspector-text-private.h"
#include "syncobj-inspector-history-private.h"

/**
 * SyncobjInspectorPage:
 *
 * A page of the GTK inspector that shows, live, what libsyncobj is doing in
 * the process: every [class@Syncobj.Collection] with its records (synced
 * value next to the visible, optimistic one) and every
 * [class@Syncobj.Transaction] with its state, age, attempts, queue position,
 * the keys it locks and why it has not reached the server yet.
 *
 * Waiting retries can be started at once and transactions that the server
 * does not have yet (pending, queued or persisting) can be rolled back from
 * the page.
 *
 * Everything comes from [func@Syncobj.Registry.get_default]. The page is
 * private: syncobj_gtk_init() (called by the libsyncobj inspector module
 * too) registers it on the "gtk-inspector-page" extension point, and GTK
 * creates it. Its widgets are the template syncobj-inspector-page.ui; the
 * cells of its column views are made here, by the factory of each column
 * (the factory's id in the template is the widget name of its cells).
 */

struct _SyncobjInspectorPage
{
  GtkWidget           parent_instance;

  GObject             *object;
  SyncobjRegistry     *registry;

  /* From the template; gtk_widget_dispose_template() unparents the child */
  GtkWidget           *child;
  GtkDropDown         *state_filter;
  GtkLabel            *status;
  GtkSingleSelection  *collections_selection;
  GtkColumnView       *records_view;
  GtkLabel            *records_title;
  GtkSingleSelection  *transactions_selection;
  GtkFilterListModel  *transactions_filtered;
  GtkCustomFilter     *filter;
  GtkLabel            *details;
  GtkColumnView       *attempts_view;
  GtkWidget           *show_older;

  /* Older history read from the selected collection's store, listed
   * after the registry's transactions. */
  SyncobjInspectorHistory *history;

  GHashTable          *bound_cells;     /* CellBinding* set: the cells showing an item */
  char                *unmapped_selection; /* the id of the collection selected when unmapped */
  guint                tick_id;
  guint                state_changes_id;
};

G_DEFINE_FINAL_TYPE (SyncobjInspectorPage, syncobj_inspector_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TITLE,
  PROP_OBJECT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The entries of the state filter, in the order of the drop-down of the
 * template. */
typedef enum {
  FILTER_ALL,
  FILTER_ACTIVE,
  FILTER_PENDING,
  FILTER_QUEUED,
  FILTER_PERSISTING,
  FILTER_WAITING_RETRY,
  FILTER_AWAITING_SYNC,
  FILTER_COMPLETED,
  FILTER_FAILED,
} StateFilter;

/* ---- cells -------------------------------------------------------------- */

/* Every cell of every view is a label (or a box of buttons) showing one
 * aspect of its row's item. A cell follows ::notify of its item and is
 * also refreshed when any transaction changes state (locks, queues and
 * collections depend on other objects) and once a second (ages). */

typedef char *(*CellTextFunc) (SyncobjInspectorPage *self,
                               gpointer              item);

typedef struct _CellBinding CellBinding;
typedef void (*CellRefreshFunc) (CellBinding *binding);

/* A style class for the cell of @item ("syncobj-failed", …), or NULL. */
typedef const char *(*CellStyleFunc) (gpointer item);

/* A column of the template: its title, width and order are there. */
typedef struct {
  const char      *name;             /* the factory's id, the cells' widget name */
  CellTextFunc     text;
  int              width_chars;      /* 0: small */
  int              max_width_chars;  /* 0: as wide as the column */
  CellStyleFunc    style;
} Column;

struct _CellBinding
{
  SyncobjInspectorPage *page;
  const Column         *column;
  GtkWidget            *widget;  /* unowned: the binding belongs to it */
  GObject              *item;    /* while bound */
  gulong                notify_handler;
  CellRefreshFunc       refresh;
  const char           *style;   /* the style class set by column->style */
};

static void
cell_binding_free (CellBinding *binding)
{
  /* A cell destroyed while bound (GTK unbinds first; be safe anyway). The
   * page disposes of its widgets before it finalizes the set. */
  if (binding->item != NULL && binding->page->bound_cells != NULL)
    g_hash_table_remove (binding->page->bound_cells, binding);
  g_clear_signal_handler (&binding->notify_handler, binding->item);
  g_clear_object (&binding->item);
  g_free (binding);
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
  text = binding->column->text (binding->page, binding->item);
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
cell_setup (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item,
            const Column             *column)
{
  SyncobjInspectorPage *self = g_object_get_data (G_OBJECT (factory), "syncobj-page");
  CellBinding *binding = g_new0 (CellBinding, 1);
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

  binding->page = self;
  binding->column = column;
  binding->widget = label;
  binding->refresh = cell_refresh_label;
  g_object_set_data_full (G_OBJECT (label), "syncobj-cell", binding,
                          (GDestroyNotify) cell_binding_free);
  gtk_list_item_set_child (list_item, label);
}

static void
cell_bind (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           const Column             *column)
{
  GtkWidget *widget = gtk_list_item_get_child (list_item);
  CellBinding *binding = g_object_get_data (G_OBJECT (widget), "syncobj-cell");

  binding->item = g_object_ref (gtk_list_item_get_item (list_item));
  binding->notify_handler = g_signal_connect_swapped (binding->item, "notify",
                                                      G_CALLBACK (cell_item_notify), binding);
  g_hash_table_add (binding->page->bound_cells, binding);
  binding->refresh (binding);
}

static void
cell_unbind (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             const Column             *column)
{
  GtkWidget *widget = gtk_list_item_get_child (list_item);
  CellBinding *binding = g_object_get_data (G_OBJECT (widget), "syncobj-cell");

  g_hash_table_remove (binding->page->bound_cells, binding);
  g_clear_signal_handler (&binding->notify_handler, binding->item);
  g_clear_object (&binding->item);
}

/* Makes the cells of @column with the factory of the template whose id is
 * the column's name (declared by bind_factories()). */
static void
setup_column (SyncobjInspectorPage *self,
              const Column         *column)
{
  GObject *factory = gtk_widget_get_template_child (GTK_WIDGET (self), SYNCOBJ_TYPE_INSPECTOR_PAGE,
                                                    column->name);

  g_assert (GTK_IS_SIGNAL_LIST_ITEM_FACTORY (factory));
  g_object_set_data (factory, "syncobj-page", self);
  g_signal_connect (factory, "setup", G_CALLBACK (cell_setup), (gpointer) column);
  g_signal_connect (factory, "bind", G_CALLBACK (cell_bind), (gpointer) column);
  g_signal_connect (factory, "unbind", G_CALLBACK (cell_unbind), (gpointer) column);
}

/* Lets setup_column() find the factories of @columns in the template. */
static void
bind_factories (GtkWidgetClass *widget_class,
                const Column   *columns,
                gsize           n_columns)
{
  for (gsize i = 0; i < n_columns; i++)
    gtk_widget_class_bind_template_child_full (widget_class, columns[i].name, FALSE, 0);
}

static void
setup_columns (SyncobjInspectorPage *self,
               const Column         *columns,
               gsize                 n_columns)
{
  for (gsize i = 0; i < n_columns; i++)
    setup_column (self, &columns[i]);
}

/* ---- collections -------------------------------------------------------- */

static char *
collection_id_text (SyncobjInspectorPage *self,
                    gpointer              item)
{
  return g_strdup (syncobj_collection_get_id (item));
}

static char *
collection_strategy_text (SyncobjInspectorPage *self,
                          gpointer              item)
{
  gboolean ordered = syncobj_collection_get_strategy (item) == SYNCOBJ_STRATEGY_ORDERED;

  if (!ordered)
    return g_strdup (_("parallel"));
  if (syncobj_collection_get_queue_scope (item) == SYNCOBJ_QUEUE_SCOPE_KEY)
    return g_strdup (_("ordered per key"));
  return g_strdup (_("ordered"));
}

static char *
collection_size_text (SyncobjInspectorPage *self,
                      gpointer              item)
{
  return g_strdup_printf ("%u", syncobj_collection_get_size (item));
}

/* Whether the collection shows saved or current data, and where its
 * sync's change feed stands. */
static char *
collection_status_text (SyncobjInspectorPage *self,
                        gpointer              item)
{
  SyncobjSync *sync = syncobj_collection_get_sync (item);
  const char *cursor = sync != NULL ? syncobj_sync_get_cursor (sync) : NULL;
  const char *status;

  switch (syncobj_collection_get_status (item))
    {
    case SYNCOBJ_COLLECTION_STATUS_CACHED:
      status = _("cached");
      break;
    case SYNCOBJ_COLLECTION_STATUS_READY:
      status = _("ready");
      break;
    case SYNCOBJ_COLLECTION_STATUS_ERROR:
      status = _("error");
      break;
    case SYNCOBJ_COLLECTION_STATUS_LOADING:
    default:
      status = _("loading");
      break;
    }

  if (cursor == NULL)
    return g_strdup (status);
  /* TRANSLATORS: a collection's status, then its sync's cursor */
  return g_strdup_printf (_("%s, cursor %s"), status, cursor);
}

/* Where the collection's transactions are kept, and whether the last
 * write to the store failed (a full disk): then they are only in memory
 * until the store writes them again. */
static char *
collection_persistent_text (SyncobjInspectorPage *self,
                            gpointer              item)
{
  SyncobjStore *store = syncobj_collection_get_store (item);
  const GError *write_error = store != NULL ? syncobj_store_get_write_error (store) : NULL;

  if (!syncobj_collection_get_persistent (item))
    return g_strdup (_("in memory"));
  if (write_error != NULL)
    return g_strdup_printf (_("not written: %s"), write_error->message);
  return g_strdup (_("on disk"));
}

static char *
collection_locked_text (SyncobjInspectorPage *self,
                        gpointer              item)
{
  g_auto(GStrv) keys = syncobj_collection_get_locked_keys (item);

  return g_strjoinv (", ", keys);
}

static const Column collection_columns[] = {
  { "collection-id", collection_id_text, 12, 0, NULL },
  { "collection-strategy", collection_strategy_text, 0, 0, NULL },
  { "collection-size", collection_size_text, 0, 0, NULL },
  { "collection-status", collection_status_text, 0, 0, NULL },
  { "collection-persistent", collection_persistent_text, 0, 0, NULL },
  { "collection-locked-keys", collection_locked_text, 8, 0, NULL },
};

/* ---- records ------------------------------------------------------------ */

static char *
record_key_text (SyncobjInspectorPage *self,
                 gpointer              item)
{
  return g_strdup (syncobj_record_get_key (item));
}

static char *
record_value_text (SyncobjInspectorPage *self,
                   gpointer              item)
{
  return syncobj_inspector_format_json (syncobj_record_get_value (item));
}

static char *
record_synced_text (SyncobjInspectorPage *self,
                    gpointer              item)
{
  return syncobj_inspector_format_json (syncobj_record_get_synced_value (item));
}

/* A record inserted without a key shows as such until the server's key
 * comes; the key column then shows that key (the record notifies). */
static char *
record_pending_text (SyncobjInspectorPage *self,
                     gpointer              item)
{
  if (syncobj_record_is_temporary (item))
    /* TRANSLATORS: a record inserted without a key, waiting for the one the server assigns */
    return g_strdup (_("temporary key"));
  return g_strdup (syncobj_record_get_pending (item) ? _("pending") : _("synced"));
}

static const char *
record_state_style (gpointer item)
{
  return syncobj_record_get_pending (item) || syncobj_record_is_temporary (item) ? "syncobj-waiting" : NULL;
}

static const Column record_columns[] = {
  { "record-key", record_key_text, 12, 12, NULL },
  { "record-state", record_pending_text, 7, 13, record_state_style },
  { "record-value", record_value_text, 20, 0, NULL },
  { "record-synced-value", record_synced_text, 20, 0, NULL },
};

/* ---- transactions ------------------------------------------------------- */

static char *
transaction_id_text (SyncobjInspectorPage *self,
                     gpointer              item)
{
  return g_strdup (syncobj_transaction_get_id (item));
}

static char *
transaction_collection_text (SyncobjInspectorPage *self,
                             gpointer              item)
{
  return syncobj_inspector_transaction_collections (item);
}

static char *
transaction_state_text (SyncobjInspectorPage *self,
                        gpointer              item)
{
  return g_strdup (syncobj_inspector_state_label (syncobj_transaction_get_state (item)));
}

static char *
transaction_age_text (SyncobjInspectorPage *self,
                      gpointer              item)
{
  GDateTime *created = syncobj_transaction_get_created_at (item);

  if (created == NULL)
    return g_strdup ("");
  return syncobj_inspector_format_duration (g_get_real_time () - syncobj_inspector_date_time_to_us (created));
}

static char *
transaction_attempts_text (SyncobjInspectorPage *self,
                           gpointer              item)
{
  return g_strdup_printf ("%u", g_list_model_get_n_items (syncobj_transaction_get_attempts (item)));
}

static char *
transaction_queued_behind_text (SyncobjInspectorPage *self,
                                gpointer              item)
{
  return g_strdup (syncobj_transaction_get_queued_behind (item));
}

static char *
transaction_keys_text (SyncobjInspectorPage *self,
                       gpointer              item)
{
  return syncobj_inspector_transaction_keys (item);
}

static char *
transaction_reason_text (SyncobjInspectorPage *self,
                         gpointer              item)
{
  return syncobj_inspector_transaction_reason (item);
}

static const char *
transaction_state_style (gpointer item)
{
  switch (syncobj_transaction_get_state (item))
    {
    case SYNCOBJ_TRANSACTION_STATE_FAILED:
      return "syncobj-failed";
    case SYNCOBJ_TRANSACTION_STATE_COMPLETED:
      return "syncobj-done";
    case SYNCOBJ_TRANSACTION_STATE_PERSISTING:
      return syncobj_inspector_waits_for_retry (item) ? "syncobj-waiting" : NULL;
    default:
      return NULL;
    }
}

static const Column transaction_columns[] = {
  { "transaction-id", transaction_id_text, 13, 13, NULL },
  { "transaction-collection", transaction_collection_text, 18, 18, NULL },
  { "transaction-state", transaction_state_text, 13, 13, transaction_state_style },
  { "transaction-age", transaction_age_text, 0, 0, NULL },
  { "transaction-attempts", transaction_attempts_text, 0, 0, NULL },
  { "transaction-queued-behind", transaction_queued_behind_text, 13, 13, NULL },
  { "transaction-keys", transaction_keys_text, 12, 12, NULL },
  { "transaction-reason", transaction_reason_text, 24, 0, NULL },
};

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
               SyncobjInspectorPage     *self)
{
  CellBinding *binding = g_new0 (CellBinding, 1);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  GtkWidget *retry = gtk_button_new_with_label (_("Retry now"));
  GtkWidget *rollback = gtk_button_new_with_label (_("Roll back"));

  gtk_widget_set_name (box, "transaction-actions");
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

  binding->page = self;
  binding->widget = box;
  binding->refresh = cell_refresh_actions;
  g_object_set_data_full (G_OBJECT (box), "syncobj-cell", binding,
                          (GDestroyNotify) cell_binding_free);
  gtk_list_item_set_child (list_item, box);
}

static void
setup_actions_column (SyncobjInspectorPage *self)
{
  GObject *factory = gtk_widget_get_template_child (GTK_WIDGET (self), SYNCOBJ_TYPE_INSPECTOR_PAGE,
                                                    "transaction-actions");

  g_assert (GTK_IS_SIGNAL_LIST_ITEM_FACTORY (factory));
  g_signal_connect (factory, "setup", G_CALLBACK (actions_setup), self);
  g_signal_connect (factory, "bind", G_CALLBACK (cell_bind), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (cell_unbind), NULL);
}

/* ---- attempts ----------------------------------------------------------- */

static char *
attempt_number_text (SyncobjInspectorPage *self,
                     gpointer              item)
{
  return g_strdup_printf ("%u", syncobj_attempt_get_number (item));
}

static char *
attempt_started_text (SyncobjInspectorPage *self,
                      gpointer              item)
{
  return syncobj_inspector_format_clock (syncobj_attempt_get_started_at (item));
}

static char *
attempt_completed_text (SyncobjInspectorPage *self,
                        gpointer              item)
{
  if (syncobj_attempt_get_completed_at (item) == NULL)
    return g_strdup (_("running"));
  return syncobj_inspector_format_clock (syncobj_attempt_get_completed_at (item));
}

static char *
attempt_error_text (SyncobjInspectorPage *self,
                    gpointer              item)
{
  const GError *error = syncobj_attempt_get_error (item);

  if (error != NULL)
    return g_strdup (error->message);
  return g_strdup (syncobj_attempt_get_completed_at (item) != NULL ? _("succeeded") : "");
}

static char *
attempt_retry_text (SyncobjInspectorPage *self,
                    gpointer              item)
{
  GDateTime *when = syncobj_attempt_get_retry_scheduled_for (item);
  g_autofree char *clock = NULL;
  g_autofree char *in = NULL;

  if (when == NULL)
    return g_strdup ("");
  clock = syncobj_inspector_format_clock (when);
  in = syncobj_inspector_format_duration (syncobj_inspector_date_time_to_us (when) - g_get_real_time ());
  /* Translators: a time of day, then how long until then, like "14:03:07 (in 2 s)" */
  return g_strdup_printf (_("%s (in %s)"), clock, in);
}

static const Column attempt_columns[] = {
  { "attempt-number", attempt_number_text, 0, 0, NULL },
  { "attempt-started", attempt_started_text, 0, 0, NULL },
  { "attempt-completed", attempt_completed_text, 0, 0, NULL },
  { "attempt-error", attempt_error_text, 16, 0, NULL },
  { "attempt-retry", attempt_retry_text, 18, 18, NULL },
};

/* ---- selection and details --------------------------------------------- */

static SyncobjTransaction *
selected_transaction (SyncobjInspectorPage *self)
{
  return gtk_single_selection_get_selected_item (self->transactions_selection);
}

static void
update_details (SyncobjInspectorPage *self)
{
  SyncobjTransaction *transaction = selected_transaction (self);
  g_autoptr(GString) text = NULL;
  GListModel *mutations;
  const GError *error;
  g_autofree char *created = NULL;
  g_autofree char *reason = NULL;

  if (transaction == NULL)
    {
      gtk_label_set_label (self->details, _("Select a transaction to see its mutations and attempts."));
      gtk_column_view_set_model (self->attempts_view, NULL);
      return;
    }

  text = g_string_new (NULL);
  created = syncobj_inspector_format_clock (syncobj_transaction_get_created_at (transaction));
  reason = syncobj_inspector_transaction_reason (transaction);
  g_string_append_printf (text, _("Transaction %s, created at %s, is %s."),
                          syncobj_transaction_get_id (transaction), created,
                          syncobj_inspector_state_label (syncobj_transaction_get_state (transaction)));
  g_string_append_c (text, '\n');
  g_string_append (text, reason);

  error = syncobj_transaction_get_error (transaction);
  if (error != NULL && g_strcmp0 (syncobj_transaction_get_error_transaction_id (transaction),
                                  syncobj_transaction_get_id (transaction)) != 0)
    {
      g_string_append_c (text, '\n');
      g_string_append_printf (text, _("Caused by the failure of transaction %s."),
                              syncobj_transaction_get_error_transaction_id (transaction));
    }

  mutations = syncobj_transaction_get_mutations (transaction);
  for (guint i = 0; i < g_list_model_get_n_items (mutations); i++)
    {
      g_autoptr(SyncobjPendingMutation) mutation = g_list_model_get_item (mutations, i);
      g_autofree char *changes = syncobj_inspector_format_json (syncobj_pending_mutation_get_changes (mutation));
      const char *type;

      switch (syncobj_pending_mutation_get_mutation_type (mutation))
        {
        case SYNCOBJ_MUTATION_TYPE_INSERT:
          type = _("insert");
          break;
        case SYNCOBJ_MUTATION_TYPE_UPDATE:
          type = _("update");
          break;
        case SYNCOBJ_MUTATION_TYPE_DELETE:
        default:
          type = _("delete");
          break;
        }
      g_string_append_c (text, '\n');
      /* Translators: "update of a in todos: {"done":true}" */
      g_string_append_printf (text, _("%s of %s in %s: %s"), type,
                              syncobj_pending_mutation_get_key (mutation),
                              syncobj_pending_mutation_get_collection_id (mutation),
                              changes);
    }

  gtk_label_set_label (self->details, text->str);

  if (gtk_column_view_get_model (self->attempts_view) == NULL ||
      gtk_no_selection_get_model (GTK_NO_SELECTION (gtk_column_view_get_model (self->attempts_view))) !=
      syncobj_transaction_get_attempts (transaction))
    {
      g_autoptr(GtkNoSelection) attempts =
        gtk_no_selection_new (g_object_ref (syncobj_transaction_get_attempts (transaction)));

      gtk_column_view_set_model (self->attempts_view, GTK_SELECTION_MODEL (attempts));
    }
}

static void
history_changed (gpointer user_data)
{
  SyncobjInspectorPage *self = user_data;

  if (self->show_older != NULL)
    gtk_widget_set_sensitive (self->show_older, syncobj_inspector_history_can_read (self->history));
}

static void
show_older_clicked (SyncobjInspectorPage *self)
{
  syncobj_inspector_history_read_more (self->history);
}

static void
collection_selected (SyncobjInspectorPage *self)
{
  SyncobjCollection *collection = gtk_single_selection_get_selected_item (self->collections_selection);
  g_autoptr(GtkNoSelection) records = NULL;
  g_autofree char *title = NULL;

  syncobj_inspector_history_set_collection (self->history, collection);
  history_changed (self);
  if (collection == NULL)
    {
      gtk_column_view_set_model (self->records_view, NULL);
      gtk_label_set_label (self->records_title, _("Records"));
      return;
    }

  /* The collection is the model: nothing is copied. */
  records = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (collection)));
  gtk_column_view_set_model (self->records_view, GTK_SELECTION_MODEL (records));
  title = g_strdup_printf (_("Records of %s"), syncobj_collection_get_id (collection));
  gtk_label_set_label (self->records_title, title);
}

/* ---- filter --------------------------------------------------------------- */

static gboolean
filter_transaction (gpointer item,
                    gpointer user_data)
{
  SyncobjInspectorPage *self = user_data;
  SyncobjTransactionState state = syncobj_transaction_get_state (item);

  switch ((StateFilter) gtk_drop_down_get_selected (self->state_filter))
    {
    case FILTER_ALL:
      return TRUE;
    case FILTER_ACTIVE:
      return !syncobj_transaction_is_finished (item);
    case FILTER_PENDING:
      return state == SYNCOBJ_TRANSACTION_STATE_PENDING;
    case FILTER_QUEUED:
      return state == SYNCOBJ_TRANSACTION_STATE_QUEUED;
    case FILTER_PERSISTING:
      return state == SYNCOBJ_TRANSACTION_STATE_PERSISTING;
    case FILTER_WAITING_RETRY:
      return syncobj_inspector_waits_for_retry (item);
    case FILTER_AWAITING_SYNC:
      return state == SYNCOBJ_TRANSACTION_STATE_PERSISTED_AWAITING_SYNC;
    case FILTER_COMPLETED:
      return state == SYNCOBJ_TRANSACTION_STATE_COMPLETED;
    case FILTER_FAILED:
      return state == SYNCOBJ_TRANSACTION_STATE_FAILED;
    default:
      return TRUE;
    }
}

static void
state_filter_changed (SyncobjInspectorPage *self)
{
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

/* ---- live updates -------------------------------------------------------- */

static void
refresh_all (SyncobjInspectorPage *self)
{
  /* A copy: a refresh never binds or unbinds, but stay safe. */
  g_autoptr(GList) cells = g_hash_table_get_keys (self->bound_cells);

  for (GList *l = cells; l != NULL; l = l->next)
    {
      CellBinding *binding = l->data;

      binding->refresh (binding);
    }
  update_details (self);
}

static gboolean
flush_state_changes (gpointer user_data)
{
  SyncobjInspectorPage *self = user_data;

  self->state_changes_id = 0;
  /* A new state may move transactions in or out of the filter. */
  if (gtk_drop_down_get_selected (self->state_filter) != FILTER_ALL)
    gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  refresh_all (self);
  return G_SOURCE_REMOVE;
}

/* State changes come in bursts (a thousand a second under load): the page
 * catches up with them at most ten times a second. */
static void
transaction_state_changed (SyncobjInspectorPage *self,
                           SyncobjTransaction   *transaction)
{
  if (self->state_changes_id == 0)
    self->state_changes_id = g_timeout_add (100, flush_state_changes, self);
}

static gboolean
tick (gpointer user_data)
{
  refresh_all (user_data);
  return G_SOURCE_CONTINUE;
}

/* The rows of a list hold their items: while the page is not shown (the
 * inspector closed, which hides it), it lists no collection, so that the
 * application's collections go when the application drops them. Shown
 * again, it lists those that remain and selects the same one. */
static void
attach_collections (SyncobjInspectorPage *self)
{
  GListModel *collections = syncobj_registry_get_collections (self->registry);

  if (gtk_single_selection_get_model (self->collections_selection) == collections)
    return;
  gtk_single_selection_set_model (self->collections_selection, collections);
  for (guint i = 0; self->unmapped_selection != NULL && i < g_list_model_get_n_items (collections); i++)
    {
      g_autoptr(SyncobjCollection) collection = g_list_model_get_item (collections, i);

      if (g_strcmp0 (syncobj_collection_get_id (collection), self->unmapped_selection) == 0)
        gtk_single_selection_set_selected (self->collections_selection, i);
    }
  g_clear_pointer (&self->unmapped_selection, g_free);
}

static void
detach_collections (SyncobjInspectorPage *self)
{
  SyncobjCollection *selected = gtk_single_selection_get_selected_item (self->collections_selection);

  g_free (self->unmapped_selection);
  self->unmapped_selection = selected != NULL ? g_strdup (syncobj_collection_get_id (selected)) : NULL;
  gtk_single_selection_set_model (self->collections_selection, NULL);
}

static void
syncobj_inspector_page_map (GtkWidget *widget)
{
  SyncobjInspectorPage *self = SYNCOBJ_INSPECTOR_PAGE (widget);

  attach_collections (self);
  GTK_WIDGET_CLASS (syncobj_inspector_page_parent_class)->map (widget);
  if (self->tick_id == 0)
    self->tick_id = g_timeout_add_seconds (1, tick, self);
  refresh_all (self);
}

static void
syncobj_inspector_page_unmap (GtkWidget *widget)
{
  SyncobjInspectorPage *self = SYNCOBJ_INSPECTOR_PAGE (widget);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  GTK_WIDGET_CLASS (syncobj_inspector_page_parent_class)->unmap (widget);
  detach_collections (self);
}

/* ---- actions ------------------------------------------------------------ */

static SyncobjTransaction *
lookup_transaction (SyncobjInspectorPage *self,
                    GVariant             *parameter)
{
  const char *id = g_variant_get_string (parameter, NULL);
  SyncobjTransaction *transaction = syncobj_registry_lookup_transaction (self->registry, id);

  if (transaction == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("No transaction %s"), id);
      gtk_label_set_label (self->status, message);
    }
  return transaction;
}

static void
retry_now_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  SyncobjInspectorPage *self = SYNCOBJ_INSPECTOR_PAGE (widget);
  SyncobjTransaction *transaction = lookup_transaction (self, parameter);
  g_autofree char *message = NULL;

  if (transaction == NULL)
    return;

  if (syncobj_transaction_retry_now (transaction))
    message = g_strdup_printf (_("Retrying transaction %s now"), syncobj_transaction_get_id (transaction));
  else
    message = g_strdup_printf (_("Transaction %s is not waiting for a retry"),
                               syncobj_transaction_get_id (transaction));
  gtk_label_set_label (self->status, message);
  refresh_all (self);
}

static void
rollback_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SyncobjInspectorPage *self = SYNCOBJ_INSPECTOR_PAGE (widget);
  SyncobjTransaction *transaction = lookup_transaction (self, parameter);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (transaction == NULL)
    return;

  if (syncobj_transaction_rollback (transaction, &error))
    message = g_strdup_printf (_("Transaction %s rolled back"), syncobj_transaction_get_id (transaction));
  else
    message = g_strdup (error->message);
  gtk_label_set_label (self->status, message);
  refresh_all (self);
}

static void
forget_finished_activated (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  SyncobjInspectorPage *self = SYNCOBJ_INSPECTOR_PAGE (widget);
  guint n = syncobj_registry_forget_finished (self->registry);
  g_autofree char *message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                           "Forgot %u finished transaction",
                                                           "Forgot %u finished transactions", n), n);

  gtk_label_set_label (self->status, message);
}

/* ---- construction --------------------------------------------------------- */

static void
syncobj_inspector_page_init (SyncobjInspectorPage *self)
{
  GListStore *parts;
  GtkFlattenListModel *all;
  self->registry = g_object_ref (syncobj_registry_get_default ());
  self->bound_cells = g_hash_table_new (NULL, NULL);
  self->history = syncobj_inspector_history_new (history_changed, self);

  gtk_widget_init_template (GTK_WIDGET (self));

  setup_columns (self, collection_columns, G_N_ELEMENTS (collection_columns));
  setup_columns (self, record_columns, G_N_ELEMENTS (record_columns));
  setup_columns (self, transaction_columns, G_N_ELEMENTS (transaction_columns));
  setup_actions_column (self);
  setup_columns (self, attempt_columns, G_N_ELEMENTS (attempt_columns));

  /* The models are the registry's own lists: nothing is copied. That of
   * the collections is there while the page is shown (map). */
  gtk_custom_filter_set_filter_func (self->filter, filter_transaction, self, NULL);
  parts = g_list_store_new (G_TYPE_LIST_MODEL);
  g_list_store_append (parts, syncobj_registry_get_transactions (self->registry));
  g_list_store_append (parts, syncobj_inspector_history_get_model (self->history));
  all = gtk_flatten_list_model_new (G_LIST_MODEL (parts));
  gtk_filter_list_model_set_model (self->transactions_filtered, G_LIST_MODEL (all));
  g_object_unref (all);

  g_signal_connect_object (self->registry, "transaction-state-changed",
                           G_CALLBACK (transaction_state_changed), self, G_CONNECT_SWAPPED);

  collection_selected (self);
  update_details (self);
}
static void
syncobj_inspector_page_dispose (GObject *object)
{
  SyncobjInspectorPage *self = SYNCOBJ_INSPECTOR_PAGE (object);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->state_changes_id, g_source_remove);
  if (self->registry != NULL)
    g_signal_handlers_disconnect_by_data (self->registry, self);
  /* The selection models of the template announce, as they go, that
   * nothing is selected any more; the page, half gone, no longer
   * follows them. */
  if (self->collections_selection != NULL)
    g_signal_handlers_disconnect_by_data (self->collections_selection, self);
  if (self->transactions_selection != NULL)
    g_signal_handlers_disconnect_by_data (self->transactions_selection, self);
  if (self->state_filter != NULL)
    g_signal_handlers_disconnect_by_data (self->state_filter, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), SYNCOBJ_TYPE_INSPECTOR_PAGE);
  g_clear_pointer (&self->history, syncobj_inspector_history_free);
  g_clear_object (&self->object);
  g_clear_object (&self->registry);

  G_OBJECT_CLASS (syncobj_inspector_page_parent_class)->dispose (object);
}

static void
syncobj_inspector_page_finalize (GObject *object)
{
  SyncobjInspectorPage *self = SYNCOBJ_INSPECTOR_PAGE (object);

  g_clear_pointer (&self->bound_cells, g_hash_table_unref);
  g_free (self->unmapped_selection);

  G_OBJECT_CLASS (syncobj_inspector_page_parent_class)->finalize (object);
}

static gboolean
select_item (GtkSingleSelection *selection,
             gpointer            item)
{
  GListModel *model = G_LIST_MODEL (selection);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GObject) candidate = g_list_model_get_item (model, i);

      if (candidate == item)
        {
          gtk_single_selection_set_selected (selection, i);
          return TRUE;
        }
    }
  return FALSE;
}

/* The object the inspector selected: a collection or a record selects its
 * collection, a transaction selects the transaction (and shows every
 * state if the filter hides it); other objects are ignored. */
static void
set_object (SyncobjInspectorPage *self,
            GObject              *object)
{
  if (!g_set_object (&self->object, object))
    return;

  if (SYNCOBJ_IS_RECORD (object))
    object = G_OBJECT (syncobj_record_get_collection (SYNCOBJ_RECORD (object)));

  if (SYNCOBJ_IS_COLLECTION (object) && gtk_single_selection_get_model (self->collections_selection) == NULL)
    {
      /* Not shown (another page of the inspector is): selected when shown. */
      g_free (self->unmapped_selection);
      self->unmapped_selection = g_strdup (syncobj_collection_get_id (SYNCOBJ_COLLECTION (object)));
    }
  else if (SYNCOBJ_IS_COLLECTION (object))
    select_item (self->collections_selection, object);
  else if (SYNCOBJ_IS_TRANSACTION (object))
    {
      if (!select_item (self->transactions_selection, object))
        {
          gtk_drop_down_set_selected (self->state_filter, FILTER_ALL);
          select_item (self->transactions_selection, object);
        }
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OBJECT]);
}

static void
syncobj_inspector_page_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  SyncobjInspectorPage *self = SYNCOBJ_INSPECTOR_PAGE (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, _("Sync"));
      break;
    case PROP_OBJECT:
      g_value_set_object (value, self->object);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_inspector_page_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  SyncobjInspectorPage *self = SYNCOBJ_INSPECTOR_PAGE (object);

  switch (prop_id)
    {
    case PROP_OBJECT:
      set_object (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_inspector_page_class_init (SyncobjInspectorPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  object_class->dispose = syncobj_inspector_page_dispose;
  object_class->finalize = syncobj_inspector_page_finalize;
  object_class->get_property = syncobj_inspector_page_get_property;
  object_class->set_property = syncobj_inspector_page_set_property;
  widget_class->map = syncobj_inspector_page_map;
  widget_class->unmap = syncobj_inspector_page_unmap;

  /* The title of the page in the inspector. */
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /* The object selected in the inspector (see set_object()). */
  properties[PROP_OBJECT] =
    g_param_spec_object ("object", NULL, NULL, G_TYPE_OBJECT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "inspector-page.retry-now", "s", retry_now_activated);
  gtk_widget_class_install_action (widget_class, "inspector-page.rollback", "s", rollback_activated);
  gtk_widget_class_install_action (widget_class, "inspector-page.forget-finished", NULL,
                                   forget_finished_activated);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/gnome/Syncobj/Gtk/syncobj-inspector-page.ui");
  gtk_widget_class_bind_template_child (widget_class, SyncobjInspectorPage, child);
  gtk_widget_class_bind_template_child (widget_class, SyncobjInspectorPage, state_filter);
  gtk_widget_class_bind_template_child (widget_class, SyncobjInspectorPage, status);
  gtk_widget_class_bind_template_child (widget_class, SyncobjInspectorPage, collections_selection);
  gtk_widget_class_bind_template_child (widget_class, SyncobjInspectorPage, records_view);
  gtk_widget_class_bind_template_child (widget_class, SyncobjInspectorPage, records_title);
  gtk_widget_class_bind_template_child (widget_class, SyncobjInspectorPage, transactions_selection);
  gtk_widget_class_bind_template_child (widget_class, SyncobjInspectorPage, transactions_filtered);
  gtk_widget_class_bind_template_child (widget_class, SyncobjInspectorPage, filter);
  gtk_widget_class_bind_template_child (widget_class, SyncobjInspectorPage, details);
  gtk_widget_class_bind_template_child (widget_class, SyncobjInspectorPage, attempts_view);
  gtk_widget_class_bind_template_child (widget_class, SyncobjInspectorPage, show_older);
  bind_factories (widget_class, collection_columns, G_N_ELEMENTS (collection_columns));
  bind_factories (widget_class, record_columns, G_N_ELEMENTS (record_columns));
  bind_factories (widget_class, transaction_columns, G_N_ELEMENTS (transaction_columns));
  gtk_widget_class_bind_template_child_full (widget_class, "transaction-actions", FALSE, 0);
  bind_factories (widget_class, attempt_columns, G_N_ELEMENTS (attempt_columns));
  gtk_widget_class_bind_template_callback (widget_class, state_filter_changed);
  gtk_widget_class_bind_template_callback (widget_class, collection_selected);
  gtk_widget_class_bind_template_callback (widget_class, update_details);
  gtk_widget_class_bind_template_callback (widget_class, show_older_clicked);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "syncobj-inspector-page");
}
