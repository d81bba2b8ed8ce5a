/* syncobj-inspector-page.c: the libsyncobj page of the GTK inspector
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "syncobj-gtk.h"
#include "syncobj-inspector-page-private.h"
#include "syncobj-inspector-cells-private.h"
#include "syncobj-inspector-columns-private.h"
#include "syncobj-inspector-text-private.h"

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
 * cells of its column views are made by the factory of each column (the
 * factory's id in the template is the widget name of its cells): how, in
 * syncobj-inspector-cells.c, and what they show, in
 * syncobj-inspector-columns.c.
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
  SyncobjHistory      *history;

  SyncobjInspectorCells cells;        /* the cells showing an item */
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
history_changed (SyncobjInspectorPage *self)
{
  if (self->show_older != NULL)
    gtk_widget_set_sensitive (self->show_older, syncobj_history_get_can_read_more (self->history));
}

static void
show_older_clicked (SyncobjInspectorPage *self)
{
  syncobj_history_read_more (self->history);
}

static void
collection_selected (SyncobjInspectorPage *self)
{
  SyncobjCollection *collection = gtk_single_selection_get_selected_item (self->collections_selection);
  g_autoptr(GtkNoSelection) records = NULL;
  g_autofree char *title = NULL;

  syncobj_history_set_collection (self->history, collection);
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
  syncobj_inspector_cells_refresh (&self->cells);
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
  syncobj_inspector_cells_init (&self->cells);
  self->history = syncobj_history_new (NULL);
  g_signal_connect_object (self->history, "notify::can-read-more",
                           G_CALLBACK (history_changed), self, G_CONNECT_SWAPPED);

  gtk_widget_init_template (GTK_WIDGET (self));

  syncobj_inspector_columns_setup (&self->cells, GTK_WIDGET (self));

  /* The models are the registry's own lists: nothing is copied. That of
   * the collections is there while the page is shown (map). */
  gtk_custom_filter_set_filter_func (self->filter, filter_transaction, self, NULL);
  parts = g_list_store_new (G_TYPE_LIST_MODEL);
  g_list_store_append (parts, syncobj_registry_get_transactions (self->registry));
  g_list_store_append (parts, self->history);
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
  g_clear_object (&self->history);
  g_clear_object (&self->object);
  g_clear_object (&self->registry);

  G_OBJECT_CLASS (syncobj_inspector_page_parent_class)->dispose (object);
}

static void
syncobj_inspector_page_finalize (GObject *object)
{
  SyncobjInspectorPage *self = SYNCOBJ_INSPECTOR_PAGE (object);

  syncobj_inspector_cells_clear (&self->cells);
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
  syncobj_inspector_columns_bind (widget_class);
  gtk_widget_class_bind_template_callback (widget_class, state_filter_changed);
  gtk_widget_class_bind_template_callback (widget_class, collection_selected);
  gtk_widget_class_bind_template_callback (widget_class, update_details);
  gtk_widget_class_bind_template_callback (widget_class, show_older_clicked);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "syncobj-inspector-page");
}
