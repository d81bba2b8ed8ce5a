/* syncobj-inspector-page.c: the libsyncobj page of the GTK inspector
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "syncobj-gtk.h"

/**
 * SyncobjInspectorPage:
 *
 * A page of the GTK inspector that shows, live, what libsyncobj is doing in
 * the process: every [class@Syncobj.Collection] with its records (synced
 * value next to the visible, optimistic one) and every
 * [class@Syncobj.Transaction] with its state, age, attempts, queue position,
 * the keys it locks and why it has not reached the server yet.
 *
 * Waiting retries can be started at once and transactions that have not
 * started persisting can be rolled back from the page.
 *
 * Everything comes from [func@Syncobj.Registry.get_default]. The page is
 * registered with the inspector by [func@SyncobjGtk.init] or by the
 * libsyncobj inspector module; it can also be put in any window, like any
 * other widget.
 */

struct _SyncobjInspectorPage
{
  GtkWidget           parent_instance;

  GObject            *object;
  SyncobjRegistry    *registry;

  GtkWidget          *child;
  GtkDropDown        *state_filter;
  GtkLabel           *status;
  GtkSingleSelection *collections_selection;
  GtkColumnView      *records_view;
  GtkLabel           *records_title;
  GtkSingleSelection *transactions_selection;
  GtkCustomFilter    *filter;
  GtkLabel           *details;
  GtkColumnView      *attempts_view;

  GHashTable         *bound_cells;     /* CellBinding* set: the cells showing an item */
  guint               tick_id;
  guint               state_changes_id;
};

G_DEFINE_FINAL_TYPE (SyncobjInspectorPage, syncobj_inspector_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TITLE,
  PROP_OBJECT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The entries of the state filter, in the order of the drop-down. */
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

/* ---- words -------------------------------------------------------------- */

static const char *
state_label (SyncobjTransactionState state)
{
  switch (state)
    {
    case SYNCOBJ_TRANSACTION_STATE_PENDING:
      return _("pending");
    case SYNCOBJ_TRANSACTION_STATE_QUEUED:
      return _("queued");
    case SYNCOBJ_TRANSACTION_STATE_PERSISTING:
      return _("persisting");
    case SYNCOBJ_TRANSACTION_STATE_PERSISTED_AWAITING_SYNC:
      return _("awaiting sync");
    case SYNCOBJ_TRANSACTION_STATE_COMPLETED:
      return _("completed");
    case SYNCOBJ_TRANSACTION_STATE_FAILED:
      return _("failed");
    default:
      return "?";
    }
}

static gint64
date_time_to_us (GDateTime *time)
{
  return g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
}

static char *
format_clock (GDateTime *time)
{
  g_autoptr(GDateTime) local = NULL;

  if (time == NULL)
    return g_strdup ("");
  local = g_date_time_to_local (time);
  return g_date_time_format (local, "%H:%M:%S");
}

static char *
format_duration (gint64 microseconds)
{
  int seconds = (int) MIN (MAX (microseconds, 0) / G_USEC_PER_SEC, G_MAXINT);

  /* Translators: durations, abbreviated */
  if (seconds < 60)
    return g_strdup_printf (_("%d s"), seconds);
  if (seconds < 3600)
    return g_strdup_printf (_("%d min"), seconds / 60);
  return g_strdup_printf (_("%d h"), seconds / 3600);
}

static char *
format_json (JsonObject *object)
{
  g_autoptr(JsonNode) node = NULL;

  if (object == NULL)
    return g_strdup ("—");
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, object);
  return json_to_string (node, FALSE);
}

/* The last attempt of @transaction, or NULL. */
static SyncobjAttempt *
dup_last_attempt (SyncobjTransaction *transaction)
{
  GListModel *attempts = syncobj_transaction_get_attempts (transaction);
  guint n = g_list_model_get_n_items (attempts);

  return n > 0 ? g_list_model_get_item (attempts, n - 1) : NULL;
}

/* TRUE if @transaction waits for a scheduled retry (what "Retry now"
 * shortens). */
static gboolean
transaction_waits_for_retry (SyncobjTransaction *transaction)
{
  g_autoptr(SyncobjAttempt) last = NULL;

  if (syncobj_transaction_get_state (transaction) != SYNCOBJ_TRANSACTION_STATE_PERSISTING)
    return FALSE;
  last = dup_last_attempt (transaction);
  return last != NULL &&
         syncobj_attempt_get_completed_at (last) != NULL &&
         syncobj_attempt_get_retry_scheduled_for (last) != NULL;
}

/* TRUE if @transaction has not started persisting and may be rolled back. */
static gboolean
transaction_can_roll_back (SyncobjTransaction *transaction)
{
  SyncobjTransactionState state = syncobj_transaction_get_state (transaction);

  return state == SYNCOBJ_TRANSACTION_STATE_PENDING ||
         state == SYNCOBJ_TRANSACTION_STATE_QUEUED;
}

static char *
transaction_keys (SyncobjTransaction *transaction)
{
  GListModel *mutations = syncobj_transaction_get_mutations (transaction);
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (mutations); i++)
    {
      g_autoptr(SyncobjPendingMutation) mutation = g_list_model_get_item (mutations, i);

      if (text->len > 0)
        g_string_append (text, ", ");
      g_string_append (text, syncobj_pending_mutation_get_key (mutation));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* One sentence saying why @transaction has not reached the server yet, or
 * what became of it. */
static char *
transaction_reason (SyncobjTransaction *transaction)
{
  g_autoptr(SyncobjAttempt) last = dup_last_attempt (transaction);
  const char *waiting_for = syncobj_transaction_get_waiting_for_collection (transaction);
  const GError *error;

  /* Restored after a restart, it waits for another collection to open. */
  if (waiting_for != NULL)
    return g_strdup_printf (_("Waiting until collection “%s” is open"), waiting_for);

  switch (syncobj_transaction_get_state (transaction))
    {
    case SYNCOBJ_TRANSACTION_STATE_PENDING:
      return g_strdup (_("Not committed yet"));

    case SYNCOBJ_TRANSACTION_STATE_QUEUED:
      {
        const char *behind = syncobj_transaction_get_queued_behind (transaction);
        SyncobjTransaction *blocker = NULL;
        g_autofree char *blocker_reason = NULL;

        if (behind != NULL)
          blocker = syncobj_registry_lookup_transaction (syncobj_registry_get_default (), behind);
        /* One level down: what holds up the transaction ahead holds this
         * one up too. */
        if (blocker != NULL && syncobj_transaction_get_state (blocker) != SYNCOBJ_TRANSACTION_STATE_QUEUED)
          {
            blocker_reason = transaction_reason (blocker);
            /* Translators: a transaction id, then why that transaction waits */
            return g_strdup_printf (_("Waiting behind %s: %s"), behind, blocker_reason);
          }
        return g_strdup_printf (_("Waiting behind %s"), behind != NULL ? behind : "?");
      }

    case SYNCOBJ_TRANSACTION_STATE_PERSISTING:
      if (transaction_waits_for_retry (transaction))
        {
          g_autofree char *when = format_clock (syncobj_attempt_get_retry_scheduled_for (last));

          error = syncobj_attempt_get_error (last);
          return g_strdup_printf (_("Retrying at %s after: %s"), when,
                                  error != NULL ? error->message : _("unknown error"));
        }
      return g_strdup_printf (_("Sending to the server (attempt %u)"),
                              syncobj_transaction_get_current_attempt (transaction));

    case SYNCOBJ_TRANSACTION_STATE_PERSISTED_AWAITING_SYNC:
      return g_strdup (_("Saved; waiting for the server's update"));

    case SYNCOBJ_TRANSACTION_STATE_COMPLETED:
      return g_strdup (_("Done"));

    case SYNCOBJ_TRANSACTION_STATE_FAILED:
      error = syncobj_transaction_get_error (transaction);
      return g_strdup_printf (_("Failed: %s"), error != NULL ? error->message : _("unknown error"));

    default:
      return g_strdup ("");
    }
}

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

typedef struct {
  const char      *name;         /* the widget name of the cells */
  const char      *title;        /* translated at use */
  CellTextFunc     text;
  gboolean         expand;
  int              width_chars;  /* 0: small */
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
    {
      gtk_label_set_label (label, text);
      gtk_widget_set_tooltip_text (binding->widget, text[0] != '\0' ? text : NULL);
    }

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
  if (!column->expand && column->width_chars > 0)
    gtk_label_set_max_width_chars (GTK_LABEL (label), column->width_chars);
  gtk_widget_set_name (label, column->name);

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

static GtkListItemFactory *
cell_factory_new (SyncobjInspectorPage *self,
                  const Column         *column)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_object_set_data (G_OBJECT (factory), "syncobj-page", self);
  g_signal_connect (factory, "setup", G_CALLBACK (cell_setup), (gpointer) column);
  g_signal_connect (factory, "bind", G_CALLBACK (cell_bind), (gpointer) column);
  g_signal_connect (factory, "unbind", G_CALLBACK (cell_unbind), (gpointer) column);
  return factory;
}

static void
add_columns (SyncobjInspectorPage *self,
             GtkColumnView        *view,
             const Column         *columns,
             gsize                 n_columns)
{
  for (gsize i = 0; i < n_columns; i++)
    {
      g_autoptr(GtkColumnViewColumn) column =
        gtk_column_view_column_new (_(columns[i].title), cell_factory_new (self, &columns[i]));

      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_column_set_expand (column, columns[i].expand);
      gtk_column_view_append_column (view, column);
    }
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

static char *
collection_ready_text (SyncobjInspectorPage *self,
                       gpointer              item)
{
  return g_strdup (syncobj_collection_get_ready (item) ? _("ready") : _("loading"));
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
  { "collection-id", N_("Collection"), collection_id_text, TRUE, 12, NULL },
  { "collection-strategy", N_("Strategy"), collection_strategy_text, FALSE, 0, NULL },
  { "collection-size", N_("Size"), collection_size_text, FALSE, 0, NULL },
  { "collection-ready", N_("Ready"), collection_ready_text, FALSE, 0, NULL },
  { "collection-persistent", N_("Store"), collection_persistent_text, FALSE, 0, NULL },
  { "collection-locked-keys", N_("Locked keys"), collection_locked_text, TRUE, 8, NULL },
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
  return format_json (syncobj_record_get_value (item));
}

static char *
record_synced_text (SyncobjInspectorPage *self,
                    gpointer              item)
{
  return format_json (syncobj_record_get_synced_value (item));
}

static char *
record_pending_text (SyncobjInspectorPage *self,
                     gpointer              item)
{
  return g_strdup (syncobj_record_get_pending (item) ? _("pending") : _("synced"));
}

static const char *
record_state_style (gpointer item)
{
  return syncobj_record_get_pending (item) ? "syncobj-waiting" : NULL;
}

static const Column record_columns[] = {
  { "record-key", N_("Key"), record_key_text, FALSE, 12, NULL },
  { "record-state", N_("State"), record_pending_text, FALSE, 7, record_state_style },
  { "record-value", N_("Visible value"), record_value_text, TRUE, 20, NULL },
  { "record-synced-value", N_("Synced value"), record_synced_text, TRUE, 20, NULL },
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
  GListModel *mutations = syncobj_transaction_get_mutations (item);
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  SyncobjCollection *collection;

  /* A transaction begun with syncobj_collection_begin() may write to
   * several collections: name each once. */
  for (guint i = 0; i < g_list_model_get_n_items (mutations); i++)
    {
      g_autoptr(SyncobjPendingMutation) mutation = g_list_model_get_item (mutations, i);
      const char *id = syncobj_pending_mutation_get_collection_id (mutation);

      if (id != NULL && !g_ptr_array_find_with_equal_func (ids, id, g_str_equal, NULL))
        g_ptr_array_add (ids, (gpointer) id);
    }

  if (ids->len > 0)
    {
      g_ptr_array_add (ids, NULL);
      return g_strjoinv (", ", (char **) ids->pdata);
    }

  collection = syncobj_transaction_get_collection (item);
  return g_strdup (collection != NULL ? syncobj_collection_get_id (collection) : "");
}

static char *
transaction_state_text (SyncobjInspectorPage *self,
                        gpointer              item)
{
  return g_strdup (state_label (syncobj_transaction_get_state (item)));
}

static char *
transaction_age_text (SyncobjInspectorPage *self,
                      gpointer              item)
{
  GDateTime *created = syncobj_transaction_get_created_at (item);

  if (created == NULL)
    return g_strdup ("");
  return format_duration (g_get_real_time () - date_time_to_us (created));
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
  return transaction_keys (item);
}

static char *
transaction_reason_text (SyncobjInspectorPage *self,
                         gpointer              item)
{
  return transaction_reason (item);
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
      return transaction_waits_for_retry (item) ? "syncobj-waiting" : NULL;
    default:
      return NULL;
    }
}

static const Column transaction_columns[] = {
  { "transaction-id", N_("Transaction"), transaction_id_text, FALSE, 13, NULL },
  { "transaction-collection", N_("Collection"), transaction_collection_text, FALSE, 18, NULL },
  { "transaction-state", N_("State"), transaction_state_text, FALSE, 13, transaction_state_style },
  { "transaction-age", N_("Age"), transaction_age_text, FALSE, 0, NULL },
  { "transaction-attempts", N_("Attempts"), transaction_attempts_text, FALSE, 0, NULL },
  { "transaction-queued-behind", N_("Queued behind"), transaction_queued_behind_text, FALSE, 13, NULL },
  { "transaction-keys", N_("Keys"), transaction_keys_text, FALSE, 12, NULL },
  { "transaction-reason", N_("Why not on the server yet"), transaction_reason_text, TRUE, 24, NULL },
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

  gtk_widget_set_visible (retry, transaction_waits_for_retry (transaction));
  gtk_widget_set_visible (rollback, transaction_can_roll_back (transaction));
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
add_actions_column (SyncobjInspectorPage *self,
                    GtkColumnView        *view)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkColumnViewColumn) column = NULL;

  g_signal_connect (factory, "setup", G_CALLBACK (actions_setup), self);
  g_signal_connect (factory, "bind", G_CALLBACK (cell_bind), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (cell_unbind), NULL);
  column = gtk_column_view_column_new (_("Actions"), factory);
  gtk_column_view_append_column (view, column);
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
  return format_clock (syncobj_attempt_get_started_at (item));
}

static char *
attempt_completed_text (SyncobjInspectorPage *self,
                        gpointer              item)
{
  if (syncobj_attempt_get_completed_at (item) == NULL)
    return g_strdup (_("running"));
  return format_clock (syncobj_attempt_get_completed_at (item));
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
  clock = format_clock (when);
  in = format_duration (date_time_to_us (when) - g_get_real_time ());
  /* Translators: a time of day, then how long until then, like "14:03:07 (in 2 s)" */
  return g_strdup_printf (_("%s (in %s)"), clock, in);
}

static const Column attempt_columns[] = {
  { "attempt-number", N_("Attempt"), attempt_number_text, FALSE, 0, NULL },
  { "attempt-started", N_("Started"), attempt_started_text, FALSE, 0, NULL },
  { "attempt-completed", N_("Finished"), attempt_completed_text, FALSE, 0, NULL },
  { "attempt-error", N_("Error"), attempt_error_text, TRUE, 16, NULL },
  { "attempt-retry", N_("Next retry"), attempt_retry_text, FALSE, 18, NULL },
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
  created = format_clock (syncobj_transaction_get_created_at (transaction));
  reason = transaction_reason (transaction);
  g_string_append_printf (text, _("Transaction %s, created at %s, is %s."),
                          syncobj_transaction_get_id (transaction), created,
                          state_label (syncobj_transaction_get_state (transaction)));
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
      g_autofree char *changes = format_json (syncobj_pending_mutation_get_changes (mutation));
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
collection_selected (SyncobjInspectorPage *self)
{
  SyncobjCollection *collection = gtk_single_selection_get_selected_item (self->collections_selection);
  g_autoptr(GtkNoSelection) records = NULL;
  g_autofree char *title = NULL;

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
      return transaction_waits_for_retry (item);
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

static void
syncobj_inspector_page_map (GtkWidget *widget)
{
  SyncobjInspectorPage *self = SYNCOBJ_INSPECTOR_PAGE (widget);

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

static GtkWidget *
section_new (GtkWidget  *title,
             GtkWidget  *content)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *scrolled = gtk_scrolled_window_new ();

  gtk_label_set_xalign (GTK_LABEL (title), 0.0);
  gtk_widget_add_css_class (title, "heading");
  gtk_widget_set_margin_start (title, 6);
  gtk_widget_set_margin_top (title, 6);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), content);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_widget_set_hexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), scrolled);
  return box;
}

static GtkWidget *
paned_new (GtkOrientation  orientation,
           GtkWidget      *start,
           GtkWidget      *end)
{
  GtkWidget *paned = gtk_paned_new (orientation);

  gtk_paned_set_start_child (GTK_PANED (paned), start);
  gtk_paned_set_end_child (GTK_PANED (paned), end);
  gtk_paned_set_wide_handle (GTK_PANED (paned), TRUE);
  return paned;
}

static GtkColumnView *
column_view_new (GtkSelectionModel *model,
                 const char        *name)
{
  GtkWidget *view = gtk_column_view_new (model != NULL ? g_object_ref (model) : NULL);

  gtk_widget_set_name (view, name);
  gtk_column_view_set_show_column_separators (GTK_COLUMN_VIEW (view), TRUE);
  gtk_column_view_set_show_row_separators (GTK_COLUMN_VIEW (view), TRUE);
  gtk_widget_add_css_class (view, "data-table");
  return GTK_COLUMN_VIEW (view);
}

static void
syncobj_inspector_page_init (SyncobjInspectorPage *self)
{
  const char *filter_names[] = {
    _("All"), _("Active"), _("Pending"), _("Queued"), _("Persisting"),
    _("Waiting to retry"), _("Awaiting sync"), _("Completed"), _("Failed"), NULL,
  };
  GtkWidget *toolbar, *box, *label, *button, *collections_section, *records_section;
  GtkWidget *transactions_section, *details_section, *attempts_section, *top, *bottom;
  GtkWidget *middle, *outer;
  GtkFilterListModel *filtered;
  GtkColumnView *collections_view, *transactions_view;

  self->registry = g_object_ref (syncobj_registry_get_default ());
  self->bound_cells = g_hash_table_new (NULL, NULL);

  /* Toolbar: filter, forget, status. */
  toolbar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_margin_start (toolbar, 6);
  gtk_widget_set_margin_end (toolbar, 6);
  gtk_widget_set_margin_top (toolbar, 6);
  label = gtk_label_new (_("Show transactions:"));
  gtk_box_append (GTK_BOX (toolbar), label);
  self->state_filter = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (filter_names));
  gtk_widget_set_name (GTK_WIDGET (self->state_filter), "state-filter");
  gtk_box_append (GTK_BOX (toolbar), GTK_WIDGET (self->state_filter));
  button = gtk_button_new_with_label (_("Forget finished"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "inspector-page.forget-finished");
  gtk_box_append (GTK_BOX (toolbar), button);
  self->status = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_name (GTK_WIDGET (self->status), "status");
  gtk_label_set_xalign (self->status, 1.0);
  gtk_label_set_ellipsize (self->status, PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (GTK_WIDGET (self->status), TRUE);
  gtk_box_append (GTK_BOX (toolbar), GTK_WIDGET (self->status));

  /* Collections and the records of the selected one. */
  self->collections_selection =
    gtk_single_selection_new (g_object_ref (syncobj_registry_get_collections (self->registry)));
  collections_view = column_view_new (GTK_SELECTION_MODEL (self->collections_selection), "collections");
  add_columns (self, collections_view, collection_columns, G_N_ELEMENTS (collection_columns));
  collections_section = section_new (gtk_label_new (_("Collections")), GTK_WIDGET (collections_view));

  self->records_view = column_view_new (NULL, "records");
  add_columns (self, self->records_view, record_columns, G_N_ELEMENTS (record_columns));
  self->records_title = GTK_LABEL (gtk_label_new (_("Records")));
  records_section = section_new (GTK_WIDGET (self->records_title), GTK_WIDGET (self->records_view));

  /* Transactions, filtered by state, and the details of the selected one. */
  self->filter = gtk_custom_filter_new (filter_transaction, self, NULL);
  filtered = gtk_filter_list_model_new (g_object_ref (syncobj_registry_get_transactions (self->registry)),
                                        GTK_FILTER (g_object_ref (self->filter)));
  self->transactions_selection = gtk_single_selection_new (G_LIST_MODEL (filtered));
  gtk_single_selection_set_autoselect (self->transactions_selection, FALSE);
  gtk_single_selection_set_can_unselect (self->transactions_selection, TRUE);
  transactions_view = column_view_new (GTK_SELECTION_MODEL (self->transactions_selection), "transactions");
  add_columns (self, transactions_view, transaction_columns, G_N_ELEMENTS (transaction_columns));
  add_actions_column (self, transactions_view);
  transactions_section = section_new (gtk_label_new (_("Transactions")), GTK_WIDGET (transactions_view));

  self->details = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_name (GTK_WIDGET (self->details), "transaction-details");
  gtk_label_set_xalign (self->details, 0.0);
  gtk_label_set_yalign (self->details, 0.0);
  gtk_label_set_wrap (self->details, TRUE);
  gtk_label_set_selectable (self->details, TRUE);
  gtk_widget_set_margin_start (GTK_WIDGET (self->details), 6);
  gtk_widget_set_margin_end (GTK_WIDGET (self->details), 6);
  details_section = section_new (gtk_label_new (_("Selected transaction")), GTK_WIDGET (self->details));
  self->attempts_view = column_view_new (NULL, "attempts");
  add_columns (self, self->attempts_view, attempt_columns, G_N_ELEMENTS (attempt_columns));
  attempts_section = section_new (gtk_label_new (_("Attempts")), GTK_WIDGET (self->attempts_view));

  /* Collections | records
   * transactions
   * details | attempts */
  top = paned_new (GTK_ORIENTATION_HORIZONTAL, collections_section, records_section);
  gtk_paned_set_position (GTK_PANED (top), 560);
  bottom = paned_new (GTK_ORIENTATION_HORIZONTAL, details_section, attempts_section);
  gtk_paned_set_position (GTK_PANED (bottom), 560);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_box_append (GTK_BOX (box), toolbar);
  middle = paned_new (GTK_ORIENTATION_VERTICAL, transactions_section, bottom);
  gtk_paned_set_position (GTK_PANED (middle), 300);
  outer = paned_new (GTK_ORIENTATION_VERTICAL, top, middle);
  gtk_paned_set_position (GTK_PANED (outer), 220);
  gtk_box_append (GTK_BOX (box), outer);
  gtk_widget_set_vexpand (gtk_widget_get_last_child (box), TRUE);
  self->child = box;
  gtk_widget_set_parent (box, GTK_WIDGET (self));

  g_signal_connect_swapped (self->state_filter, "notify::selected",
                            G_CALLBACK (state_filter_changed), self);
  g_signal_connect_swapped (self->collections_selection, "notify::selected-item",
                            G_CALLBACK (collection_selected), self);
  g_signal_connect_swapped (self->transactions_selection, "notify::selected-item",
                            G_CALLBACK (update_details), self);
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
  g_clear_pointer (&self->child, gtk_widget_unparent);
  g_clear_object (&self->collections_selection);
  g_clear_object (&self->transactions_selection);
  g_clear_object (&self->filter);
  g_clear_object (&self->object);
  g_clear_object (&self->registry);

  G_OBJECT_CLASS (syncobj_inspector_page_parent_class)->dispose (object);
}

static void
syncobj_inspector_page_finalize (GObject *object)
{
  SyncobjInspectorPage *self = SYNCOBJ_INSPECTOR_PAGE (object);

  g_clear_pointer (&self->bound_cells, g_hash_table_unref);

  G_OBJECT_CLASS (syncobj_inspector_page_parent_class)->finalize (object);
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
      syncobj_inspector_page_set_object (self, g_value_get_object (value));
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

  /**
   * SyncobjInspectorPage:title:
   *
   * The title of the page in the inspector.
   */
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjInspectorPage:object:
   *
   * The object selected in the inspector. When it is a collection, a
   * record or a transaction of libsyncobj, the page selects it.
   */
  properties[PROP_OBJECT] =
    g_param_spec_object ("object", NULL, NULL, G_TYPE_OBJECT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "inspector-page.retry-now", "s", retry_now_activated);
  gtk_widget_class_install_action (widget_class, "inspector-page.rollback", "s", rollback_activated);
  gtk_widget_class_install_action (widget_class, "inspector-page.forget-finished", NULL,
                                   forget_finished_activated);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "syncobj-inspector-page");
}

/**
 * syncobj_inspector_page_new:
 *
 * Creates a page showing the collections and transactions of the process.
 *
 * Returns: (transfer full): a new page
 */
GtkWidget *
syncobj_inspector_page_new (void)
{
  return g_object_new (SYNCOBJ_TYPE_INSPECTOR_PAGE, NULL);
}

/**
 * syncobj_inspector_page_get_object:
 * @self: a page
 *
 * Gets the object the inspector selected.
 *
 * Returns: (transfer none) (nullable): the object
 */
GObject *
syncobj_inspector_page_get_object (SyncobjInspectorPage *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_INSPECTOR_PAGE (self), NULL);
  return self->object;
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

/**
 * syncobj_inspector_page_set_object:
 * @self: a page
 * @object: (nullable): the object the inspector selected
 *
 * Tells the page which object the inspector selected. A
 * [class@Syncobj.Collection] or [class@Syncobj.Record] selects its
 * collection, a [class@Syncobj.Transaction] selects the transaction (and
 * shows every state if the filter hides it); other objects are ignored.
 */
void
syncobj_inspector_page_set_object (SyncobjInspectorPage *self,
                                   GObject              *object)
{
  g_return_if_fail (SYNCOBJ_IS_INSPECTOR_PAGE (self));
  g_return_if_fail (object == NULL || G_IS_OBJECT (object));

  if (!g_set_object (&self->object, object))
    return;

  if (SYNCOBJ_IS_RECORD (object))
    object = G_OBJECT (syncobj_record_get_collection (SYNCOBJ_RECORD (object)));

  if (SYNCOBJ_IS_COLLECTION (object))
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
