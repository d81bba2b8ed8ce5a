/* todo-gtk.c: a libadwaita to-do list on a libsyncobj collection
 *
 * Two lists, "Open" and "Done", are SyncobjViews of one collection: live,
 * filtered list models that the GtkListViews show as they are, with
 * nothing copied. Every change is applied at once and saved in the
 * background; rows say when they are still being saved or when saving
 * failed, and a toast offers Retry (or Undo for a rejected new to-do,
 * which gives its text back). A banner says when the application is
 * offline and how many changes wait; an empty list shows a status page.
 *
 * With no server, the collection runs on libsyncobj's test sync: a
 * simulated server with a network delay, whose failures can be triggered
 * from the main menu; it keeps nothing between runs.
 *
 * With --server URI, it uses the demo server of examples/server/ (REST on
 * URI/items, changes on the WebSocket URI/changes); new to-dos are sent
 * without a key and take the one the server gives (key-source SERVER).
 * Its data is kept in the default store
 * ($XDG_DATA_HOME/todo-gtk/syncobj/), opened and read without blocking
 * the window (syncobj_collection_new_with_properties_async()) and flushed
 * on quit: started again with the server down, it shows the last-known
 * to-dos, and changes made meanwhile wait there until the server is back.
 *
 * The GTK inspector and its "Sync" page are one shortcut away
 * (Ctrl+Shift+D) or in the main menu.
 *
 *   todo-gtk [--server URI] [--self-test [--offline-start] [--screenshot FILE]]
 *
 * --self-test drives the window as a user would, then prints OK and exits
 * 0 (1 if a step does not happen in time). On the simulated server: adds a
 * to-do and waits until the server has it, ticks one off and sees it move
 * to "Done", has a change rejected and checks the row, the toast and the
 * undone change, adds a to-do offline and checks the banner and the
 * "Saving…" row, then keeps the server down for five virtual minutes with
 * the network up and checks that the to-do waits and is saved after. With --server: adds a to-do and waits for the key the
 * server gives. With --offline-start (and --server, the server down):
 * checks that the to-do added by an earlier --self-test run is shown from
 * the store, with the banner.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <adwaita.h>
#include <syncobj-gtk.h>

#ifndef HAVE_SYNCOBJ_HTTP
#define HAVE_SYNCOBJ_HTTP 0
#endif

#define SIMULATED_NETWORK_DELAY_MS 600
#define CLOCK_TICK_MS 50
#define SELF_TEST_TIMEOUT_MS 15000
#define OUTAGE_MS (5 * 60 * 1000)
#define OUTAGE_STEP_MS 10000
#define FLUSH_TIMEOUT_MS 5000

typedef struct {
  AdwApplication     *application;
  SyncobjCollection  *todos;
  SyncobjView        *open_view;
  SyncobjView        *done_view;
  SyncobjSyncControl *server;          /* the simulated server */
  SyncobjStore       *store;           /* the default store, with --server */
  GHashTable         *failures;        /* key → message of its last failed change */
  GHashTable         *failed;          /* transaction id → failed SyncobjTransaction */
  GHashTable         *rows;            /* bound row boxes (set) */
  GtkWidget          *window;
  GtkWidget          *entry;
  GtkWidget          *stack;
  GtkWidget          *open_list;
  GtkWidget          *done_list;
  GtkWidget          *banner;          /* a GtkRevealer: libadwaita 1.2 has no AdwBanner */
  GtkWidget          *banner_label;
  AdwWindowTitle     *title;
  AdwToastOverlay    *toasts;
  char               *last_toast;      /* for the self-test */
  guint               clock_id;
  char               *server_uri;      /* --server, or NULL: simulated */
  gboolean            self_test;
  gboolean            offline_start;
  int                 self_test_step;
  gint64              outage_start;     /* virtual µs, for the self-test */
  guint               outage_persists;  /* persist calls before the outage */
  char               *screenshot;
  guint               self_test_check_id;
  guint               self_test_timeout_id;
  int                 exit_status;
} TodoApp;

static void self_test_start (TodoApp *app);

/* ---- the collection ---------------------------------------------------------- */

/* The test sync runs on a virtual clock; the app moves it with real time so
 * that the simulated network delay and the retries take as long as they
 * say. */
static gboolean
advance_clock (gpointer user_data)
{
  TodoApp *app = user_data;

  syncobj_sync_control_advance (app->server, CLOCK_TICK_MS);
  return G_SOURCE_CONTINUE;
}

static SyncobjCollection *
create_simulated_collection (TodoApp *app)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjRetryPolicy) policy = NULL;
  SyncobjCollection *todos;

  json_parser_load_from_data (parser,
                              "[{\"id\":\"welcome\",\"title\":\"Try libsyncobj\",\"done\":true},"
                              " {\"id\":\"inspect\",\"title\":\"Open the inspector (Ctrl+Shift+D)\",\"done\":false}]",
                              -1, &error);
  g_assert_no_error (error);

  todos = syncobj_test_collection_new_for_id ("todos",
                                              json_node_get_array (json_parser_get_root (parser)),
                                              SYNCOBJ_STRATEGY_ORDERED,
                                              &app->server);
  syncobj_sync_control_set_network_delay (app->server, SIMULATED_NETWORK_DELAY_MS);
  /* As with a store: a change waits out any outage, never rolled back for it. */
  policy = syncobj_retry_policy_new_durable ();
  syncobj_collection_set_retry_policy (todos, policy);
  app->clock_id = g_timeout_add (CLOCK_TICK_MS, advance_clock, app);
  return todos;
}

static void collection_ready (TodoApp *app);

#if HAVE_SYNCOBJ_HTTP
static void
server_collection_opened (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  TodoApp *app = user_data;
  g_autoptr(GError) error = NULL;

  app->todos = syncobj_collection_new_with_store_finish (result, &error);
  g_assert_no_error (error);   /* nothing cancels it */
  app->store = g_object_ref (syncobj_collection_get_store (app->todos));
  collection_ready (app);
}

/* The demo server (examples/server/): REST on /items, changes on the
 * WebSocket /changes; the data kept in the default store. */
static void
open_server_collection (TodoApp *app)
{
  g_autofree char *base = g_strstrip (g_strdup (app->server_uri));
  g_autofree char *items = NULL;
  g_autofree char *changes = NULL;
  g_autoptr(SyncobjHttpSync) sync = NULL;
  g_autoptr(SyncobjHttpMutator) mutator = NULL;
  const char *names[] = { "id", "sync", "mutator", "key-source" };
  GValue values[G_N_ELEMENTS (names)] = { G_VALUE_INIT, };

  if (g_str_has_suffix (base, "/"))
    base[strlen (base) - 1] = '\0';
  items = g_strconcat (base, "/items", NULL);
  changes = g_strconcat (g_str_has_prefix (base, "https:") ? "wss:" : "ws:",
                         strchr (base, ':') + 1, "/changes", NULL);

  sync = syncobj_http_sync_new ("todos", items, changes);
  mutator = syncobj_http_mutator_new (items);

  g_value_init (&values[0], G_TYPE_STRING);
  g_value_set_static_string (&values[0], "todos");
  g_value_init (&values[1], SYNCOBJ_TYPE_SYNC);
  g_value_set_object (&values[1], sync);
  g_value_init (&values[2], SYNCOBJ_TYPE_MUTATOR);
  g_value_set_object (&values[2], mutator);
  g_value_init (&values[3], SYNCOBJ_TYPE_KEY_SOURCE);
  g_value_set_enum (&values[3], SYNCOBJ_KEY_SOURCE_SERVER);
  /* No store given: the default one, opened and read off the main loop. */
  syncobj_collection_new_with_properties_async (G_N_ELEMENTS (names), names, values, NULL,
                                                server_collection_opened, app);
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    g_value_unset (&values[i]);
}
#endif


/* ---- notices ------------------------------------------------------------------- */

static void
toast (TodoApp    *app,
       const char *text,
       const char *button,
       const char *action,
       GVariant   *target)
{
  AdwToast *toast = adw_toast_new (text);

  if (button != NULL)
    {
      adw_toast_set_button_label (toast, button);
      adw_toast_set_action_name (toast, action);
      adw_toast_set_action_target_value (toast, target);
    }
  adw_toast_set_timeout (toast, 8);
  adw_toast_overlay_add_toast (app->toasts, toast);
  g_free (app->last_toast);
  app->last_toast = g_strdup (text);
}

static void
show_error (TodoApp      *app,
            const GError *error)
{
  toast (app, error->message, NULL, NULL, NULL);
}

/* The banner, the window's subtitle and the empty page, from the
 * collection's offline, n-pending and status. */
static void
update_notices (TodoApp *app)
{
  guint pending = syncobj_collection_get_n_pending (app->todos);
  SyncobjSync *sync = syncobj_collection_get_sync (app->todos);
  gboolean saved_only = syncobj_collection_get_status (app->todos) == SYNCOBJ_COLLECTION_STATUS_CACHED &&
                        sync != NULL && syncobj_sync_get_error (sync) != NULL;
  g_autofree char *waiting = NULL;

  if (pending > 0)
    waiting = g_strdup_printf (ngettext ("%u change waiting", "%u changes waiting", pending), pending);

  if (syncobj_collection_get_offline (app->todos))
    {
      g_autofree char *text = pending > 0 ? g_strdup_printf (_("Offline: %s"), waiting)
                                          : g_strdup (_("Offline: changes are kept and sent later"));
      gtk_label_set_label (GTK_LABEL (app->banner_label), text);
    }
  else if (saved_only)
    gtk_label_set_label (GTK_LABEL (app->banner_label),
                         _("The server cannot be reached: showing the to-dos saved on this computer"));
  gtk_revealer_set_reveal_child (GTK_REVEALER (app->banner),
                                 syncobj_collection_get_offline (app->todos) || saved_only);

  adw_window_title_set_subtitle (app->title, waiting != NULL ? waiting : "");
  gtk_stack_set_visible_child_name (GTK_STACK (app->stack),
                                    g_list_model_get_n_items (G_LIST_MODEL (app->todos)) > 0 ? "lists" : "empty");
}

/* ---- rows ------------------------------------------------------------------ */

static void
row_refresh (GtkWidget *row)
{
  TodoApp *app = g_object_get_data (G_OBJECT (row), "todo-app");
  SyncobjRecord *record = g_object_get_data (G_OBJECT (row), "todo-record");
  GtkWidget *check = gtk_widget_get_first_child (row);
  GtkWidget *title = gtk_widget_get_next_sibling (check);
  GtkWidget *state = gtk_widget_get_next_sibling (title);
  gulong toggled_handler = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (check), "todo-toggled"));
  const char *failure;

  if (record == NULL || !syncobj_record_get_visible (record))
    return;

  g_signal_handler_block (check, toggled_handler);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), syncobj_record_get_boolean (record, "done"));
  g_signal_handler_unblock (check, toggled_handler);
  gtk_inscription_set_text (GTK_INSCRIPTION (title), syncobj_record_get_string (record, "title"));

  failure = g_hash_table_lookup (app->failures, syncobj_record_get_key (record));
  gtk_widget_remove_css_class (state, "error");
  gtk_widget_remove_css_class (state, "dim-label");
  if (syncobj_record_get_pending (record))
    {
      gtk_label_set_label (GTK_LABEL (state), _("Saving…"));
      gtk_widget_add_css_class (state, "dim-label");
    }
  else if (failure != NULL)
    {
      gtk_label_set_label (GTK_LABEL (state), _("Not saved"));
      gtk_widget_set_tooltip_text (state, failure);
      gtk_widget_add_css_class (state, "error");
    }
  else
    gtk_label_set_label (GTK_LABEL (state), "");
}

static void
done_toggled (GtkCheckButton *check,
              GtkWidget      *row)
{
  TodoApp *app = g_object_get_data (G_OBJECT (row), "todo-app");
  SyncobjRecord *record = g_object_get_data (G_OBJECT (row), "todo-record");
  g_autoptr(JsonObject) changes = json_object_new ();
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(GError) error = NULL;

  if (record == NULL)
    return;
  json_object_set_boolean_member (changes, "done", gtk_check_button_get_active (check));
  transaction = syncobj_collection_update (app->todos, syncobj_record_get_key (record), changes, &error);
  if (transaction == NULL)
    show_error (app, error);
}

static void
delete_clicked (GtkButton *button,
                GtkWidget *row)
{
  TodoApp *app = g_object_get_data (G_OBJECT (row), "todo-app");
  SyncobjRecord *record = g_object_get_data (G_OBJECT (row), "todo-record");
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(GError) error = NULL;

  if (record == NULL)
    return;
  transaction = syncobj_collection_delete (app->todos, syncobj_record_get_key (record), &error);
  if (transaction == NULL)
    show_error (app, error);
}

/* A control that shows only an icon or a box has no text a screen
 * reader could say: @name is its tooltip and its accessible label. */
static void
name_control (GtkWidget  *control,
              const char *name)
{
  gtk_widget_set_tooltip_text (control, name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (control), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
}

static void
row_setup (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           TodoApp                  *app)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *check = gtk_check_button_new ();
  /* A GtkInscription sizes itself from its font, not from its text: the
   * list view does not lay out the title of every row it binds. */
  GtkWidget *title = gtk_inscription_new (NULL);
  GtkWidget *state = gtk_label_new (NULL);
  GtkWidget *delete = gtk_button_new_from_icon_name ("user-trash-symbolic");
  gulong handler;

  gtk_widget_set_margin_start (row, 12);
  gtk_widget_set_margin_end (row, 12);
  gtk_widget_set_margin_top (row, 6);
  gtk_widget_set_margin_bottom (row, 6);
  gtk_widget_set_name (title, "todo-title");
  gtk_widget_set_name (state, "todo-state");
  gtk_inscription_set_nat_chars (GTK_INSCRIPTION (title), 30);
  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (title), GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
  gtk_widget_set_valign (title, GTK_ALIGN_CENTER);
  gtk_widget_set_hexpand (title, TRUE);
  gtk_widget_add_css_class (delete, "flat");
  name_control (delete, _("Delete"));
  name_control (check, _("Done"));

  gtk_box_append (GTK_BOX (row), check);
  gtk_box_append (GTK_BOX (row), title);
  gtk_box_append (GTK_BOX (row), state);
  gtk_box_append (GTK_BOX (row), delete);

  handler = g_signal_connect (check, "toggled", G_CALLBACK (done_toggled), row);
  g_object_set_data (G_OBJECT (check), "todo-toggled", GSIZE_TO_POINTER (handler));
  g_signal_connect (delete, "clicked", G_CALLBACK (delete_clicked), row);
  g_object_set_data (G_OBJECT (row), "todo-app", app);
  gtk_list_item_set_child (item, row);
}

static void
row_bind (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          TodoApp                  *app)
{
  GtkWidget *row = gtk_list_item_get_child (item);
  SyncobjRecord *record = gtk_list_item_get_item (item);

  g_object_set_data_full (G_OBJECT (row), "todo-record", g_object_ref (record), g_object_unref);
  g_signal_connect_object (record, "notify", G_CALLBACK (row_refresh), row, G_CONNECT_SWAPPED);
  g_hash_table_add (app->rows, row);
  row_refresh (row);
}

static void
row_unbind (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            TodoApp                  *app)
{
  GtkWidget *row = gtk_list_item_get_child (item);
  SyncobjRecord *record = gtk_list_item_get_item (item);

  g_signal_handlers_disconnect_by_data (record, row);
  g_hash_table_remove (app->rows, row);
  g_object_set_data (G_OBJECT (row), "todo-record", NULL);
}

static void
refresh_rows (TodoApp *app)
{
  GHashTableIter iter;
  gpointer row;

  g_hash_table_iter_init (&iter, app->rows);
  while (g_hash_table_iter_next (&iter, &row, NULL))
    row_refresh (row);
}

/* A list of @model's records, under a heading. */
static GtkWidget *
todo_list (TodoApp    *app,
           GListModel *model,
           GtkWidget **list_view)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkNoSelection *selection = gtk_no_selection_new (g_object_ref (model));

  g_signal_connect (factory, "setup", G_CALLBACK (row_setup), app);
  g_signal_connect (factory, "bind", G_CALLBACK (row_bind), app);
  g_signal_connect (factory, "unbind", G_CALLBACK (row_unbind), app);
  *list_view = gtk_list_view_new (GTK_SELECTION_MODEL (selection), factory);
  gtk_widget_add_css_class (*list_view, "card");
  return *list_view;
}

/* ---- failures: Retry, or Undo for a rejected new to-do ------------------------ */

static SyncobjPendingMutation *
first_mutation (SyncobjTransaction *transaction)
{
  GListModel *mutations = syncobj_transaction_get_mutations (transaction);

  return g_list_model_get_n_items (mutations) > 0 ? g_list_model_get_item (mutations, 0) : NULL;
}

static void
transaction_state_changed (SyncobjRegistry    *registry,
                           SyncobjTransaction *transaction,
                           TodoApp            *app)
{
  GListModel *mutations = syncobj_transaction_get_mutations (transaction);
  SyncobjTransactionState state = syncobj_transaction_get_state (transaction);
  const GError *error = syncobj_transaction_get_error (transaction);
  g_autoptr(SyncobjPendingMutation) first = NULL;
  g_autofree char *message = NULL;

  if (syncobj_transaction_get_collection (transaction) != app->todos)
    return;
  if (state != SYNCOBJ_TRANSACTION_STATE_FAILED && state != SYNCOBJ_TRANSACTION_STATE_COMPLETED)
    return;

  for (guint i = 0; i < g_list_model_get_n_items (mutations); i++)
    {
      g_autoptr(SyncobjPendingMutation) mutation = g_list_model_get_item (mutations, i);
      const char *key = syncobj_pending_mutation_get_key (mutation);

      if (state == SYNCOBJ_TRANSACTION_STATE_FAILED)
        g_hash_table_insert (app->failures, g_strdup (key), g_strdup (error->message));
      else
        g_hash_table_remove (app->failures, key);
    }
  refresh_rows (app);
  if (state != SYNCOBJ_TRANSACTION_STATE_FAILED)
    return;

  first = first_mutation (transaction);
  message = g_strdup_printf (_("Not saved: %s"), error->message);
  if (first != NULL && syncobj_pending_mutation_get_mutation_type (first) == SYNCOBJ_MUTATION_TYPE_INSERT)
    {
      JsonObject *value = syncobj_pending_mutation_get_modified (first);
      const char *title = value != NULL && json_object_has_member (value, "title")
                          ? json_object_get_string_member (value, "title") : "";

      toast (app, message, _("Undo"), "app.restore-text", g_variant_new_string (title));
      return;
    }
  g_hash_table_insert (app->failed, g_strdup (syncobj_transaction_get_id (transaction)),
                       g_object_ref (transaction));
  toast (app, message, _("Retry"), "app.retry",
         g_variant_new_string (syncobj_transaction_get_id (transaction)));
}

/* Undo of a rejected new to-do: its text goes back into the entry. */
static void
restore_text_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        TodoApp       *app)
{
  gtk_editable_set_text (GTK_EDITABLE (app->entry), g_variant_get_string (parameter, NULL));
  gtk_widget_grab_focus (app->entry);
}

/* Makes the changes of a failed transaction again. */
static void
retry_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 TodoApp       *app)
{
  SyncobjTransaction *failed = g_hash_table_lookup (app->failed, g_variant_get_string (parameter, NULL));
  GListModel *mutations;
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(GError) error = NULL;

  if (failed == NULL)
    return;
  mutations = syncobj_transaction_get_mutations (failed);
  transaction = syncobj_collection_begin (app->todos);
  for (guint i = 0; i < g_list_model_get_n_items (mutations); i++)
    {
      g_autoptr(SyncobjPendingMutation) mutation = g_list_model_get_item (mutations, i);
      const char *key = syncobj_pending_mutation_get_key (mutation);

      if (syncobj_pending_mutation_get_mutation_type (mutation) == SYNCOBJ_MUTATION_TYPE_DELETE)
        syncobj_transaction_delete (transaction, app->todos, key, &error);
      else
        syncobj_transaction_update (transaction, app->todos, key,
                                    syncobj_pending_mutation_get_changes (mutation), &error);
      if (error != NULL)
        break;
    }
  if (error == NULL)
    syncobj_transaction_commit (transaction, &error);
  else
    syncobj_transaction_rollback (transaction, NULL);
  if (error != NULL)
    show_error (app, error);
  g_hash_table_remove (app->failed, g_variant_get_string (parameter, NULL));
}

/* ---- adding ----------------------------------------------------------------- */

static void
entry_activated (GtkEntry *entry,
                 TodoApp  *app)
{
  const char *title = gtk_editable_get_text (GTK_EDITABLE (entry));
  g_autoptr(JsonObject) todo = json_object_new ();
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(GError) error = NULL;

  if (title[0] == '\0' || app->todos == NULL)
    return;

  /* The server gives the key; the simulated one takes ours. */
  if (app->server != NULL)
    {
      g_autofree char *key = g_uuid_string_random ();
      json_object_set_string_member (todo, "id", key);
    }
  json_object_set_string_member (todo, "title", title);
  json_object_set_boolean_member (todo, "done", FALSE);

  transaction = syncobj_collection_insert (app->todos, todo, &error);
  if (transaction == NULL)
    show_error (app, error);
  else
    gtk_editable_set_text (GTK_EDITABLE (entry), "");
}

/* ---- the menu ----------------------------------------------------------------- */

static void
fail_next_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     TodoApp       *app)
{
  syncobj_sync_control_fail_next_persist (app->server);
  toast (app, _("The next save will fail once and be retried"), NULL, NULL, NULL);
}

static void
reject_next_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       TodoApp       *app)
{
  syncobj_sync_control_fail_next_persist_non_retriable (app->server);
  toast (app, _("The server will reject the next save"), NULL, NULL, NULL);
}

static void
offline_changed (GSimpleAction *action,
                 GVariant      *value,
                 TodoApp       *app)
{
  g_simple_action_set_state (action, value);
  syncobj_sync_control_set_offline (app->server, g_variant_get_boolean (value));
}

static void
server_down_changed (GSimpleAction *action,
                     GVariant      *value,
                     TodoApp       *app)
{
  g_simple_action_set_state (action, value);
  syncobj_sync_control_set_server_down (app->server, g_variant_get_boolean (value));
}

static void
inspector_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     TodoApp       *app)
{
  gtk_window_set_interactive_debugging (TRUE);
}

static GtkWidget *
main_menu_button (TodoApp *app)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  GtkWidget *button = gtk_menu_button_new ();

  if (app->server != NULL)
    {
      g_autoptr(GMenu) simulation = g_menu_new ();

      g_menu_append (simulation, _("Fail Next Save"), "app.fail-next");
      g_menu_append (simulation, _("Reject Next Save"), "app.reject-next");
      g_menu_append (simulation, _("Simulate Offline"), "app.offline");
      g_menu_append (simulation, _("Simulate Server Outage"), "app.server-down");
      g_menu_append_section (menu, _("Simulated Server"), G_MENU_MODEL (simulation));
    }
  g_menu_append (menu, _("Inspector"), "app.inspector");

  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "open-menu-symbolic");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (button), G_MENU_MODEL (menu));
  name_control (button, _("Main Menu"));
  return button;
}

static void
add_actions (TodoApp *app)
{
  const GActionEntry entries[] = {
    { "fail-next", (gpointer) fail_next_activated, NULL, NULL, NULL, { 0 } },
    { "reject-next", (gpointer) reject_next_activated, NULL, NULL, NULL, { 0 } },
    { "offline", NULL, NULL, "false", (gpointer) offline_changed, { 0 } },
    { "server-down", NULL, NULL, "false", (gpointer) server_down_changed, { 0 } },
    { "inspector", (gpointer) inspector_activated, NULL, NULL, NULL, { 0 } },
    { "retry", (gpointer) retry_activated, "s", NULL, NULL, { 0 } },
    { "restore-text", (gpointer) restore_text_activated, "s", NULL, NULL, { 0 } },
  };
  const char *inspector_accels[] = { "<Control><Shift>d", NULL };

  g_action_map_add_action_entries (G_ACTION_MAP (app->application), entries, G_N_ELEMENTS (entries), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app->application), "app.inspector", inspector_accels);
}

/* ---- window ---------------------------------------------------------------------- */

static GtkWidget *
section (const char *heading,
         GtkWidget  *list)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *label = gtk_label_new (heading);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_widget_add_css_class (label, "heading");
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), list);
  return box;
}

static GtkWidget *
banner_new (TodoApp *app)
{
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);

  gtk_css_provider_load_from_data (css, ".todo-banner { background-color: alpha(@warning_bg_color, 0.3);"
                                   " padding: 9px 12px; }", -1);
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  app->banner_label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (app->banner_label), TRUE);
  gtk_widget_set_hexpand (app->banner_label, TRUE);
  gtk_widget_add_css_class (box, "todo-banner");
  gtk_box_append (GTK_BOX (box), app->banner_label);

  app->banner = gtk_revealer_new ();
  gtk_revealer_set_child (GTK_REVEALER (app->banner), box);
  return app->banner;
}

static GtkWidget *
content_new (TodoApp *app)
{
  GtkWidget *loading = adw_status_page_new ();
  GtkWidget *empty = adw_status_page_new ();

  adw_status_page_set_title (ADW_STATUS_PAGE (loading), _("Loading…"));
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (empty), "checkbox-checked-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (empty), _("No To-dos"));
  adw_status_page_set_description (ADW_STATUS_PAGE (empty), _("Type one above and press Enter"));

  app->stack = gtk_stack_new ();
  gtk_stack_add_named (GTK_STACK (app->stack), loading, "loading");
  gtk_stack_add_named (GTK_STACK (app->stack), empty, "empty");
  gtk_widget_set_vexpand (app->stack, TRUE);
  return app->stack;
}

/* The lists, once the collection is there. */
static void
collection_ready (TodoApp *app)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *box, *scrolled, *clamp;

  app->open_view = syncobj_collection_view_json (app->todos,
                                                 "{\"where\": {\"member\": \"done\", \"op\": \"=\", \"value\": false}}",
                                                 &error);
  g_assert_no_error (error);
  app->done_view = syncobj_collection_view_json (app->todos,
                                                 "{\"where\": {\"member\": \"done\", \"op\": \"=\", \"value\": true}}",
                                                 &error);
  g_assert_no_error (error);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  gtk_box_append (GTK_BOX (box), section (_("Open"), todo_list (app, G_LIST_MODEL (app->open_view), &app->open_list)));
  gtk_box_append (GTK_BOX (box), section (_("Done"), todo_list (app, G_LIST_MODEL (app->done_view), &app->done_list)));
  clamp = adw_clamp_new ();
  adw_clamp_set_child (ADW_CLAMP (clamp), box);
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_stack_add_named (GTK_STACK (app->stack), scrolled, "lists");

  g_signal_connect (syncobj_registry_get_default (), "transaction-state-changed",
                    G_CALLBACK (transaction_state_changed), app);
  g_signal_connect_swapped (app->todos, "notify::offline", G_CALLBACK (update_notices), app);
  g_signal_connect_swapped (app->todos, "notify::n-pending", G_CALLBACK (update_notices), app);
  g_signal_connect_swapped (app->todos, "notify::status", G_CALLBACK (update_notices), app);
  g_signal_connect_swapped (app->todos, "items-changed", G_CALLBACK (update_notices), app);
  if (syncobj_collection_get_sync (app->todos) != NULL)
    g_signal_connect_swapped (syncobj_collection_get_sync (app->todos), "notify::error",
                              G_CALLBACK (update_notices), app);
  update_notices (app);

  if (app->self_test)
    self_test_start (app);
}

static void
activate (GtkApplication *application,
          TodoApp        *app)
{
  GtkWidget *header, *box, *entry_box;

  if (app->window != NULL)
    {
      gtk_window_present (GTK_WINDOW (app->window));
      return;
    }

  syncobj_gtk_init ();
  if (app->server_uri == NULL)
    app->todos = create_simulated_collection (app);
  add_actions (app);

  app->window = adw_application_window_new (application);
  gtk_window_set_title (GTK_WINDOW (app->window), _("To-do"));
  gtk_window_set_default_size (GTK_WINDOW (app->window), 640, 560);

  header = adw_header_bar_new ();
  app->title = ADW_WINDOW_TITLE (adw_window_title_new (_("To-do"), ""));
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), GTK_WIDGET (app->title));
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), main_menu_button (app));

  app->entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (app->entry), _("What needs to be done?"));
  g_signal_connect (app->entry, "activate", G_CALLBACK (entry_activated), app);
  entry_box = adw_clamp_new ();
  gtk_widget_set_margin_top (entry_box, 12);
  gtk_widget_set_margin_start (entry_box, 12);
  gtk_widget_set_margin_end (entry_box, 12);
  adw_clamp_set_child (ADW_CLAMP (entry_box), app->entry);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), banner_new (app));
  gtk_box_append (GTK_BOX (box), entry_box);
  gtk_box_append (GTK_BOX (box), content_new (app));

  app->toasts = ADW_TOAST_OVERLAY (adw_toast_overlay_new ());
  adw_toast_overlay_set_child (app->toasts, box);
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (app->window), GTK_WIDGET (app->toasts));
  gtk_window_present (GTK_WINDOW (app->window));

#if HAVE_SYNCOBJ_HTTP
  if (app->todos == NULL)
    {
      open_server_collection (app);
      return;
    }
#endif
  collection_ready (app);
}

/* What the store still has to write is written before the process ends. */
static void
flushed (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  gboolean *done = user_data;

  syncobj_store_flush_finish (SYNCOBJ_STORE (source), result, NULL);
  *done = TRUE;
}

static void
shutdown (GtkApplication *application,
          TodoApp        *app)
{
  gboolean done = FALSE;
  gint64 deadline = g_get_monotonic_time () + FLUSH_TIMEOUT_MS * 1000;

  g_signal_handlers_disconnect_by_data (syncobj_registry_get_default (), app);
  g_clear_handle_id (&app->clock_id, g_source_remove);
  g_clear_handle_id (&app->self_test_check_id, g_source_remove);
  g_clear_handle_id (&app->self_test_timeout_id, g_source_remove);

  if (app->store == NULL)
    return;
  syncobj_store_flush_async (app->store, NULL, flushed, &done);
  while (!done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
}

static int
handle_local_options (GApplication *application,
                      GVariantDict *options,
                      TodoApp      *app)
{
  if (app->server_uri != NULL &&
      !g_str_has_prefix (app->server_uri, "http://") &&
      !g_str_has_prefix (app->server_uri, "https://"))
    {
      g_printerr (_("--server needs an http:// or https:// URI, not “%s”\n"), app->server_uri);
      return 2;
    }
  return -1;
}

/* ---- self-test ------------------------------------------------------------------ */

/* The self-test drives the window as a user would and checks what it
 * shows (see the top of this file). */

#define SELF_TEST_TITLE "Buy milk (self-test)"
#define SELF_TEST_OFFLINE_TITLE "Call the bank (self-test)"
#define SELF_TEST_REJECTED_KEY "inspect"

typedef enum {
  /* the simulated server */
  SELF_TEST_WAIT_ADDED,
  SELF_TEST_WAIT_DONE,
  SELF_TEST_WAIT_REJECTED,
  SELF_TEST_WAIT_SAVING,
  SELF_TEST_OUTAGE,
  SELF_TEST_WAIT_BACK,
  /* --server */
  SELF_TEST_WAIT_EMPTY,
  SELF_TEST_WAIT_KEYED,
  /* --server --offline-start */
  SELF_TEST_WAIT_SAVED,
} SelfTestStep;

/* The row box showing a to-do titled @title under @widget, or NULL. */
static GtkWidget *
find_row (GtkWidget  *widget,
          const char *title)
{
  if (!gtk_widget_get_mapped (widget))
    return NULL;
  if (GTK_IS_INSCRIPTION (widget) &&
      g_strcmp0 (gtk_widget_get_name (widget), "todo-title") == 0 &&
      g_strcmp0 (gtk_inscription_get_text (GTK_INSCRIPTION (widget)), title) == 0)
    return gtk_widget_get_parent (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *row = find_row (child, title);
      if (row != NULL)
        return row;
    }
  return NULL;
}

static const char *
row_state (GtkWidget *row)
{
  GtkWidget *title = gtk_widget_get_next_sibling (gtk_widget_get_first_child (row));

  return gtk_label_get_label (GTK_LABEL (gtk_widget_get_next_sibling (title)));
}

/* The record titled @title (transfer full), or NULL. */
static SyncobjRecord *
find_record (TodoApp    *app,
             const char *title)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (app->todos)); i++)
    {
      g_autoptr(SyncobjRecord) record = g_list_model_get_item (G_LIST_MODEL (app->todos), i);

      if (g_strcmp0 (syncobj_record_get_string (record, "title"), title) == 0)
        return g_steal_pointer (&record);
    }
  return NULL;
}

/* @title is shown in @list, saved. */
static gboolean
saved_in (TodoApp    *app,
          GtkWidget  *list,
          const char *title)
{
  g_autoptr(SyncobjRecord) record = find_record (app, title);
  GtkWidget *row = find_row (list, title);

  return record != NULL && !syncobj_record_get_pending (record) &&
         syncobj_record_get_synced_value (record) != NULL &&
         row != NULL && g_strcmp0 (row_state (row), "") == 0;
}

static void
type_into_entry (TodoApp    *app,
                 const char *title)
{
  gtk_editable_set_text (GTK_EDITABLE (app->entry), title);
  g_signal_emit_by_name (app->entry, "activate");
}

static void
save_screenshot (TodoApp *app)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (app->window);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int width = gtk_widget_get_width (app->window);
  int height = gtk_widget_get_height (app->window);

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node != NULL)
    texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (app->window)),
                                           node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (texture == NULL || !gdk_texture_save_to_png (texture, app->screenshot))
    g_printerr ("could not save %s\n", app->screenshot);
}

static void
self_test_finish (TodoApp    *app,
                  int         status,
                  const char *message)
{
  if (status == 0)
    g_print ("%s\n", message);
  else
    g_printerr ("%s\n", message);

  g_clear_handle_id (&app->self_test_check_id, g_source_remove);
  g_clear_handle_id (&app->self_test_timeout_id, g_source_remove);
  if (app->screenshot != NULL)
    save_screenshot (app);
  app->exit_status = status;
  g_application_quit (G_APPLICATION (app->application));
}

/* A server outage of five virtual minutes, ten seconds per check: the
 * to-do stays, "Saving…", while the refused attempts go by; then the
 * server comes back. */
static gboolean
self_test_outage (TodoApp *app)
{
  GtkWidget *row = find_row (app->open_list, SELF_TEST_OFFLINE_TITLE);
  g_autoptr(SyncobjRecord) record = find_record (app, SELF_TEST_OFFLINE_TITLE);

  if (row == NULL || record == NULL || !syncobj_record_get_pending (record) ||
      g_strcmp0 (row_state (row), _("Saving…")) != 0)
    {
      self_test_finish (app, 1, "FAIL: the to-do added offline was lost during the server outage");
      return FALSE;
    }
  if (syncobj_sync_control_get_now (app->server) - app->outage_start < OUTAGE_MS * G_GINT64_CONSTANT (1000))
    {
      syncobj_sync_control_advance (app->server, OUTAGE_STEP_MS);
      return FALSE;
    }
  /* 1, 2, 4 … 128 s apart, plus jitter, each seen at the next ten-second
   * step: at least five refused attempts. */
  if (syncobj_sync_control_get_persist_count (app->server) < app->outage_persists + 5)
    {
      g_autofree char *message = g_strdup_printf ("FAIL: the to-do was sent %u times during the server outage, not 5 or more",
                                                  syncobj_sync_control_get_persist_count (app->server) - app->outage_persists);

      self_test_finish (app, 1, message);
      return FALSE;
    }
  g_action_group_change_action_state (G_ACTION_GROUP (app->application), "server-down",
                                      g_variant_new_boolean (FALSE));
  app->self_test_step = SELF_TEST_WAIT_BACK;
  return FALSE;
}

/* One step of the simulated server's test; TRUE when all are done. */
static gboolean
self_test_simulated (TodoApp *app)
{
  g_autoptr(SyncobjRecord) record = NULL;
  GtkWidget *row;

  switch (app->self_test_step)
    {
    case SELF_TEST_WAIT_ADDED:
      if (!saved_in (app, app->open_list, SELF_TEST_TITLE))
        return FALSE;
      row = find_row (app->open_list, SELF_TEST_TITLE);
      /* Its check box and its delete button have names a screen reader
       * can say. */
      if (!gtk_test_accessible_has_property (GTK_ACCESSIBLE (gtk_widget_get_first_child (row)),
                                             GTK_ACCESSIBLE_PROPERTY_LABEL) ||
          !gtk_test_accessible_has_property (GTK_ACCESSIBLE (gtk_widget_get_last_child (row)),
                                             GTK_ACCESSIBLE_PROPERTY_LABEL))
        {
          self_test_finish (app, 1, "FAIL: a control of a to-do row has no accessible name");
          return FALSE;
        }
      /* Ticked off, it moves to the "Done" view. */
      gtk_check_button_set_active (GTK_CHECK_BUTTON (gtk_widget_get_first_child (row)), TRUE);
      app->self_test_step = SELF_TEST_WAIT_DONE;
      return FALSE;

    case SELF_TEST_WAIT_DONE:
      if (!saved_in (app, app->done_list, SELF_TEST_TITLE) || find_row (app->open_list, SELF_TEST_TITLE) != NULL)
        return FALSE;
      /* The server rejects ticking off another one. */
      g_action_group_activate_action (G_ACTION_GROUP (app->application), "reject-next", NULL);
      record = syncobj_collection_lookup (app->todos, SELF_TEST_REJECTED_KEY);
      row = find_row (app->open_list, syncobj_record_get_string (record, "title"));
      g_assert (row != NULL);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (gtk_widget_get_first_child (row)), TRUE);
      app->self_test_step = SELF_TEST_WAIT_REJECTED;
      return FALSE;

    case SELF_TEST_WAIT_REJECTED:
      /* Undone, back in "Open", the row and a toast say so. */
      record = syncobj_collection_lookup (app->todos, SELF_TEST_REJECTED_KEY);
      row = find_row (app->open_list, syncobj_record_get_string (record, "title"));
      if (row == NULL || syncobj_record_get_pending (record) ||
          syncobj_record_get_boolean (record, "done") ||
          g_strcmp0 (row_state (row), _("Not saved")) != 0 ||
          app->last_toast == NULL || !g_str_has_prefix (app->last_toast, _("Not saved: ")))
        return FALSE;
      /* Offline: the banner, and a new to-do stays "Saving…". */
      g_action_group_change_action_state (G_ACTION_GROUP (app->application), "offline",
                                          g_variant_new_boolean (TRUE));
      type_into_entry (app, SELF_TEST_OFFLINE_TITLE);
      app->self_test_step = SELF_TEST_WAIT_SAVING;
      return FALSE;

    case SELF_TEST_WAIT_SAVING:
      row = find_row (app->open_list, SELF_TEST_OFFLINE_TITLE);
      if (row == NULL || g_strcmp0 (row_state (row), _("Saving…")) != 0 ||
          !gtk_revealer_get_child_revealed (GTK_REVEALER (app->banner)) ||
          !g_str_has_prefix (gtk_label_get_label (GTK_LABEL (app->banner_label)), _("Offline: ")) ||
          g_strcmp0 (adw_window_title_get_subtitle (app->title), "") == 0)
        return FALSE;
      /* The network comes back, but the server stays down five minutes. */
      g_action_group_change_action_state (G_ACTION_GROUP (app->application), "server-down",
                                          g_variant_new_boolean (TRUE));
      g_action_group_change_action_state (G_ACTION_GROUP (app->application), "offline",
                                          g_variant_new_boolean (FALSE));
      app->outage_start = syncobj_sync_control_get_now (app->server);
      app->outage_persists = syncobj_sync_control_get_persist_count (app->server);
      app->self_test_step = SELF_TEST_OUTAGE;
      return FALSE;

    case SELF_TEST_OUTAGE:
      return self_test_outage (app);

    case SELF_TEST_WAIT_BACK:
    default:
      syncobj_sync_control_advance (app->server, OUTAGE_STEP_MS);
      return saved_in (app, app->open_list, SELF_TEST_OFFLINE_TITLE);
    }
}

/* One step of the tests with --server; TRUE when all are done. */
static gboolean
self_test_server (TodoApp *app)
{
  g_autoptr(SyncobjRecord) record = NULL;
  JsonObject *synced;

  switch (app->self_test_step)
    {
    case SELF_TEST_WAIT_EMPTY:
      /* A fresh server: the status page. */
      if (!syncobj_collection_get_ready (app->todos) ||
          g_strcmp0 (gtk_stack_get_visible_child_name (GTK_STACK (app->stack)), "empty") != 0)
        return FALSE;
      type_into_entry (app, SELF_TEST_TITLE);
      app->self_test_step = SELF_TEST_WAIT_KEYED;
      return FALSE;

    case SELF_TEST_WAIT_KEYED:
      /* Sent without a key: it has the server's now. */
      record = find_record (app, SELF_TEST_TITLE);
      if (!saved_in (app, app->open_list, SELF_TEST_TITLE))
        return FALSE;
      synced = syncobj_record_get_synced_value (record);
      return json_object_has_member (synced, "id") &&
             json_object_get_int_member (synced, "id") > 0 &&
             g_ascii_strtoll (syncobj_record_get_key (record), NULL, 10) == json_object_get_int_member (synced, "id");

    case SELF_TEST_WAIT_SAVED:
    default:
      /* The server is down: what the earlier run saved, and the banner. */
      return find_row (app->open_list, SELF_TEST_TITLE) != NULL &&
             syncobj_collection_get_status (app->todos) == SYNCOBJ_COLLECTION_STATUS_CACHED &&
             gtk_revealer_get_child_revealed (GTK_REVEALER (app->banner));
    }
}

static gboolean
self_test_check (gpointer user_data)
{
  TodoApp *app = user_data;
  gboolean done = app->server != NULL ? self_test_simulated (app) : self_test_server (app);

  if (!done)
    return G_SOURCE_CONTINUE;
  app->self_test_check_id = 0;
  self_test_finish (app, 0, "OK");
  return G_SOURCE_REMOVE;
}

static gboolean
self_test_timeout (gpointer user_data)
{
  TodoApp *app = user_data;
  g_autofree char *message = g_strdup_printf ("FAIL: step %d not reached within %d ms",
                                              app->self_test_step, SELF_TEST_TIMEOUT_MS);

  app->self_test_timeout_id = 0;
  self_test_finish (app, 1, message);
  return G_SOURCE_REMOVE;
}

static void
self_test_start (TodoApp *app)
{
  if (app->server != NULL)
    {
      app->self_test_step = SELF_TEST_WAIT_ADDED;
      type_into_entry (app, SELF_TEST_TITLE);
    }
  else
    app->self_test_step = app->offline_start ? SELF_TEST_WAIT_SAVED : SELF_TEST_WAIT_EMPTY;

  app->self_test_check_id = g_timeout_add (20, self_test_check, app);
  app->self_test_timeout_id = g_timeout_add (SELF_TEST_TIMEOUT_MS, self_test_timeout, app);
}

int
main (int    argc,
      char **argv)
{
  TodoApp app = { 0 };
  GOptionEntry options[] = {
    { "self-test", 0, 0, G_OPTION_ARG_NONE, &app.self_test,
      N_("Use the window as a user would, check what it shows, print OK and exit"), NULL },
    { "offline-start", 0, 0, G_OPTION_ARG_NONE, &app.offline_start,
      N_("With --self-test and --server, the server being down: check that the saved to-dos are shown"), NULL },
#if HAVE_SYNCOBJ_HTTP
    { "server", 0, 0, G_OPTION_ARG_STRING, &app.server_uri,
      N_("Use the demo server at URI (like http://localhost:8080) instead of a simulated one"), N_("URI") },
#endif
    { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, &app.screenshot,
      N_("With --self-test, save a picture of the window to FILE at the end"), N_("FILE") },
    G_OPTION_ENTRY_NULL
  };
  int status;

  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("todo-gtk");

  app.exit_status = 0;
  app.failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  app.failed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  app.rows = g_hash_table_new (NULL, NULL);
  app.application = adw_application_new ("org.libsyncobj.TodoGtk", G_APPLICATION_NON_UNIQUE);
  g_application_add_main_option_entries (G_APPLICATION (app.application), options);
  g_signal_connect (app.application, "handle-local-options", G_CALLBACK (handle_local_options), &app);
  g_signal_connect (app.application, "activate", G_CALLBACK (activate), &app);
  g_signal_connect (app.application, "shutdown", G_CALLBACK (shutdown), &app);

  status = g_application_run (G_APPLICATION (app.application), argc, argv);
  if (status == 0)
    status = app.exit_status;

  g_clear_object (&app.application);
  g_clear_object (&app.open_view);
  g_clear_object (&app.done_view);
  g_clear_object (&app.todos);
  g_clear_object (&app.server);
  g_clear_object (&app.store);
  g_clear_pointer (&app.failures, g_hash_table_unref);
  g_clear_pointer (&app.failed, g_hash_table_unref);
  g_clear_pointer (&app.rows, g_hash_table_unref);
  g_free (app.last_toast);
  g_free (app.screenshot);
  g_free (app.server_uri);
  return status;
}
