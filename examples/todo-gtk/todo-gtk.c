/* todo-gtk.c: a GTK 4 to-do list on a libsyncobj collection
 *
 * The list view shows the collection itself (a SyncobjCollection is a
 * GListModel of SyncobjRecord): nothing is copied into another model.
 * Every change is applied at once and saved in the background; rows say
 * when they are still being saved or when saving failed.
 *
 * With no server, the collection runs on libsyncobj's test sync: a
 * simulated server with a network delay, whose failures can be triggered
 * from the header bar. Open the GTK inspector (Ctrl+Shift+D, or the
 * button) to see the "Sync" page.
 *
 *   todo-gtk [--server URI] [--self-test [--screenshot FILE]]
 *
 * --server uses the demo server of examples/server/ (REST on URI/items,
 * changes on the WebSocket URI/changes) instead of the simulated one.
 *
 * --self-test adds a to-do and waits until the (simulated) server has it,
 * has a change rejected and checks that it is undone and marked, adds a
 * to-do offline and checks that it shows as being saved; then prints OK
 * and exits 0. It exits 1 if a step does not happen in time.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <syncobj-gtk.h>

#ifndef HAVE_SYNCOBJ_HTTP
#define HAVE_SYNCOBJ_HTTP 0
#endif

#define SIMULATED_NETWORK_DELAY_MS 600
#define CLOCK_TICK_MS 50
#define SELF_TEST_TIMEOUT_MS 10000

typedef struct {
  GtkApplication     *application;
  SyncobjCollection  *todos;
  SyncobjSyncControl *server;          /* the simulated server */
  GHashTable         *failures;        /* key → message of its last failed change */
  GHashTable         *rows;            /* bound row boxes (set) */
  GtkWidget          *window;
  GtkWidget          *entry;
  GtkWidget          *list_view;
  GtkLabel           *status;
  guint               clock_id;
  GtkWidget          *offline_button;
  char               *server_uri;      /* --server, or NULL: simulated */
  gboolean            self_test;
  int                 self_test_step;
  char               *self_test_key;
  char               *screenshot;
  guint               self_test_check_id;
  guint               self_test_timeout_id;
  int                 exit_status;
} TodoApp;

/* ---- the simulated server --------------------------------------------------- */

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
  app->clock_id = g_timeout_add (CLOCK_TICK_MS, advance_clock, app);
  return todos;
}

#if HAVE_SYNCOBJ_HTTP
/* The demo server (examples/server/): REST on /items, changes on the
 * WebSocket /changes. */
static SyncobjCollection *
create_server_collection (TodoApp *app)
{
  g_autofree char *base = g_strstrip (g_strdup (app->server_uri));
  g_autofree char *items = NULL;
  g_autofree char *changes = NULL;
  g_autoptr(SyncobjHttpSync) sync = NULL;
  g_autoptr(SyncobjHttpMutator) mutator = NULL;

  if (g_str_has_suffix (base, "/"))
    base[strlen (base) - 1] = '\0';
  items = g_strconcat (base, "/items", NULL);
  changes = g_strconcat (g_str_has_prefix (base, "https:") ? "wss:" : "ws:",
                         strchr (base, ':') + 1, "/changes", NULL);

  sync = syncobj_http_sync_new ("todos", items, changes);
  mutator = syncobj_http_mutator_new (items);
  return syncobj_collection_new ("todos", SYNCOBJ_SYNC (sync), SYNCOBJ_MUTATOR (mutator));
}
#endif

static void
create_collection (TodoApp *app)
{
#if HAVE_SYNCOBJ_HTTP
  if (app->server_uri != NULL)
    {
      app->todos = create_server_collection (app);
      return;
    }
#endif
  app->todos = create_simulated_collection (app);
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

  if (record == NULL || syncobj_record_get_value (record) == NULL)
    return;

  g_signal_handler_block (check, toggled_handler);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), syncobj_record_get_boolean (record, "done"));
  g_signal_handler_unblock (check, toggled_handler);
  gtk_label_set_label (GTK_LABEL (title), syncobj_record_get_string (record, "title"));

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
      g_autofree char *text = g_strdup_printf (_("Not saved: %s"), failure);

      gtk_label_set_label (GTK_LABEL (state), text);
      gtk_widget_add_css_class (state, "error");
    }
  else
    gtk_label_set_label (GTK_LABEL (state), "");
}

static void
show_error (TodoApp      *app,
            const GError *error)
{
  gtk_label_set_label (app->status, error->message);
  gtk_widget_add_css_class (GTK_WIDGET (app->status), "error");
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

static void
row_setup (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           TodoApp                  *app)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *check = gtk_check_button_new ();
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *state = gtk_label_new (NULL);
  GtkWidget *delete = gtk_button_new_from_icon_name ("user-trash-symbolic");
  gulong handler;

  gtk_widget_set_margin_start (row, 12);
  gtk_widget_set_margin_end (row, 12);
  gtk_widget_set_margin_top (row, 6);
  gtk_widget_set_margin_bottom (row, 6);
  gtk_widget_set_name (title, "todo-title");
  gtk_widget_set_name (state, "todo-state");
  gtk_label_set_xalign (GTK_LABEL (title), 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (title, TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (state), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (state), 40);
  gtk_widget_add_css_class (delete, "flat");
  gtk_widget_set_tooltip_text (delete, _("Delete"));

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

/* ---- failures --------------------------------------------------------------- */

static void
transaction_state_changed (SyncobjRegistry    *registry,
                           SyncobjTransaction *transaction,
                           TodoApp            *app)
{
  GListModel *mutations = syncobj_transaction_get_mutations (transaction);
  SyncobjTransactionState state = syncobj_transaction_get_state (transaction);
  const GError *error = syncobj_transaction_get_error (transaction);

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

  if (state == SYNCOBJ_TRANSACTION_STATE_FAILED)
    {
      g_autofree char *message = g_strdup_printf (_("A change was not saved and was undone: %s"),
                                                  error->message);
      gtk_label_set_label (app->status, message);
      gtk_widget_add_css_class (GTK_WIDGET (app->status), "error");
    }
  refresh_rows (app);
}

/* ---- adding ----------------------------------------------------------------- */

/* Adds a to-do titled @title; returns its key, or NULL with the error shown. */
static char *
add_todo (TodoApp    *app,
          const char *title)
{
  g_autoptr(JsonObject) todo = json_object_new ();
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(GError) error = NULL;
  char *key = g_uuid_string_random ();

  json_object_set_string_member (todo, "id", key);
  json_object_set_string_member (todo, "title", title);
  json_object_set_boolean_member (todo, "done", FALSE);

  transaction = syncobj_collection_insert (app->todos, todo, &error);
  if (transaction == NULL)
    {
      show_error (app, error);
      g_clear_pointer (&key, g_free);
    }
  return key;
}

static void
entry_activated (GtkEntry *entry,
                 TodoApp  *app)
{
  const char *title = gtk_editable_get_text (GTK_EDITABLE (entry));
  g_autofree char *key = NULL;

  if (title[0] == '\0')
    return;
  key = add_todo (app, title);
  if (key != NULL)
    {
      gtk_editable_set_text (GTK_EDITABLE (entry), "");
      if (app->self_test && app->self_test_key == NULL)
        app->self_test_key = g_steal_pointer (&key);
    }
}

/* ---- simulated failures ------------------------------------------------------- */

static void
fail_next_clicked (TodoApp *app)
{
  syncobj_sync_control_fail_next_persist (app->server);
  gtk_label_set_label (app->status, _("The next save will fail once and be retried."));
  gtk_widget_remove_css_class (GTK_WIDGET (app->status), "error");
}

static void
reject_next_clicked (TodoApp *app)
{
  syncobj_sync_control_fail_next_persist_non_retriable (app->server);
  gtk_label_set_label (app->status, _("The server will reject the next save."));
  gtk_widget_remove_css_class (GTK_WIDGET (app->status), "error");
}

static void
offline_toggled (GtkToggleButton *button,
                 TodoApp         *app)
{
  gboolean offline = gtk_toggle_button_get_active (button);

  syncobj_sync_control_set_offline (app->server, offline);
  gtk_label_set_label (app->status, offline ? _("Offline: changes wait and are retried.") : _("Online."));
  gtk_widget_remove_css_class (GTK_WIDGET (app->status), "error");
}

static void
inspector_clicked (void)
{
  gtk_window_set_interactive_debugging (TRUE);
}

/* ---- self-test ------------------------------------------------------------------ */

/* The self-test drives the window as a user would and checks what it
 * shows: a new to-do reaches the server; a change the server rejects is
 * undone and its row says so; a change made offline stays "Saving…". */

#define SELF_TEST_TITLE "Buy milk (self-test)"
#define SELF_TEST_OFFLINE_TITLE "Call the bank (self-test)"
#define SELF_TEST_REJECTED_KEY "inspect"

typedef enum {
  SELF_TEST_WAIT_ADDED,
  SELF_TEST_WAIT_REJECTED,
  SELF_TEST_WAIT_SAVING,
} SelfTestStep;

/* The row box showing a to-do titled @title, or NULL. */
static GtkWidget *
find_row (GtkWidget  *widget,
          const char *title)
{
  if (!gtk_widget_get_mapped (widget))
    return NULL;
  if (GTK_IS_LABEL (widget) &&
      g_strcmp0 (gtk_widget_get_name (widget), "todo-title") == 0 &&
      g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), title) == 0)
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

static void
self_test_finish (TodoApp    *app,
                  int         status,
                  const char *message)
{
  if (status == 0)
    g_print ("%s\n", message);
  else
    g_printerr ("%s\n", message);

  if (app->screenshot != NULL)
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

  app->exit_status = status;
  g_application_quit (G_APPLICATION (app->application));
}

static gboolean
self_test_check (gpointer user_data)
{
  TodoApp *app = user_data;
  g_autoptr(SyncobjRecord) record = NULL;
  GtkWidget *row;

  switch (app->self_test_step)
    {
    case SELF_TEST_WAIT_ADDED:
      /* In the collection, confirmed by the server, shown by the list. */
      record = syncobj_collection_lookup (app->todos, app->self_test_key);
      row = find_row (app->list_view, SELF_TEST_TITLE);
      if (record == NULL || syncobj_record_get_pending (record) ||
          syncobj_record_get_synced_value (record) == NULL ||
          row == NULL || g_strcmp0 (row_state (row), "") != 0)
        return G_SOURCE_CONTINUE;

      /* A real server has no switch to make it fail: done. */
      if (app->server == NULL)
        {
          app->self_test_check_id = 0;
          self_test_finish (app, 0, "OK");
          return G_SOURCE_REMOVE;
        }

      /* Next: the server rejects ticking off a to-do. */
      reject_next_clicked (app);
      record = syncobj_collection_lookup (app->todos, SELF_TEST_REJECTED_KEY);
      row = find_row (app->list_view, syncobj_record_get_string (record, "title"));
      g_assert (row != NULL);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (gtk_widget_get_first_child (row)), TRUE);
      app->self_test_step = SELF_TEST_WAIT_REJECTED;
      return G_SOURCE_CONTINUE;

    case SELF_TEST_WAIT_REJECTED:
      /* Undone, and the row says why. */
      record = syncobj_collection_lookup (app->todos, SELF_TEST_REJECTED_KEY);
      row = find_row (app->list_view, syncobj_record_get_string (record, "title"));
      if (row == NULL || syncobj_record_get_pending (record) ||
          syncobj_record_get_boolean (record, "done") ||
          !g_str_has_prefix (row_state (row), _("Not saved: ")))
        return G_SOURCE_CONTINUE;

      /* Next: offline, a new to-do stays "Saving…". */
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (app->offline_button), TRUE);
      gtk_editable_set_text (GTK_EDITABLE (app->entry), SELF_TEST_OFFLINE_TITLE);
      g_signal_emit_by_name (app->entry, "activate");
      app->self_test_step = SELF_TEST_WAIT_SAVING;
      return G_SOURCE_CONTINUE;

    case SELF_TEST_WAIT_SAVING:
    default:
      row = find_row (app->list_view, SELF_TEST_OFFLINE_TITLE);
      if (row == NULL || g_strcmp0 (row_state (row), _("Saving…")) != 0)
        return G_SOURCE_CONTINUE;

      app->self_test_check_id = 0;
      self_test_finish (app, 0, "OK");
      return G_SOURCE_REMOVE;
    }
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
  /* Type into the entry and press Enter, as a user would. */
  gtk_editable_set_text (GTK_EDITABLE (app->entry), SELF_TEST_TITLE);
  g_signal_emit_by_name (app->entry, "activate");

  app->self_test_check_id = g_timeout_add (20, self_test_check, app);
  app->self_test_timeout_id = g_timeout_add (SELF_TEST_TIMEOUT_MS, self_test_timeout, app);
}

/* ---- window ---------------------------------------------------------------------- */

static GtkWidget *
header_button (const char *label,
               const char *tooltip,
               GCallback   callback,
               TodoApp    *app)
{
  GtkWidget *button = gtk_button_new_with_label (label);

  gtk_widget_set_tooltip_text (button, tooltip);
  g_signal_connect_swapped (button, "clicked", callback, app);
  return button;
}

/* Buttons that make the simulated server misbehave. */
static void
add_simulation_buttons (TodoApp      *app,
                        GtkHeaderBar *header)
{
  gtk_header_bar_pack_start (header,
                             header_button (_("Fail next save"),
                                            _("The server fails the next save once; it is retried"),
                                            G_CALLBACK (fail_next_clicked), app));
  gtk_header_bar_pack_start (header,
                             header_button (_("Reject next save"),
                                            _("The server refuses the next save; it is undone"),
                                            G_CALLBACK (reject_next_clicked), app));
  app->offline_button = gtk_toggle_button_new_with_label (_("Offline"));
  gtk_widget_set_tooltip_text (app->offline_button, _("Saves fail as if the network were down; they wait and are retried"));
  g_signal_connect (app->offline_button, "toggled", G_CALLBACK (offline_toggled), app);
  gtk_header_bar_pack_start (header, app->offline_button);
}

static void
activate (GtkApplication *application,
          TodoApp        *app)
{
  GtkWidget *header, *box, *scrolled;
  GtkListItemFactory *factory;
  GtkNoSelection *selection;

  if (app->window != NULL)
    {
      gtk_window_present (GTK_WINDOW (app->window));
      return;
    }

  syncobj_gtk_init ();
  create_collection (app);
  g_signal_connect (syncobj_registry_get_default (), "transaction-state-changed",
                    G_CALLBACK (transaction_state_changed), app);

  app->window = gtk_application_window_new (application);
  gtk_window_set_title (GTK_WINDOW (app->window), _("To-do"));
  gtk_window_set_default_size (GTK_WINDOW (app->window), 640, 480);

  header = gtk_header_bar_new ();
  if (app->server != NULL)
    add_simulation_buttons (app, GTK_HEADER_BAR (header));
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header),
                           header_button (_("Inspector"), _("Open the GTK inspector and its Sync page"),
                                          G_CALLBACK (inspector_clicked), app));
  gtk_window_set_titlebar (GTK_WINDOW (app->window), header);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);

  app->entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (app->entry), _("What needs to be done?"));
  gtk_widget_set_margin_start (app->entry, 12);
  gtk_widget_set_margin_end (app->entry, 12);
  gtk_widget_set_margin_top (app->entry, 12);
  g_signal_connect (app->entry, "activate", G_CALLBACK (entry_activated), app);
  gtk_box_append (GTK_BOX (box), app->entry);

  /* The collection is the list model. */
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (row_setup), app);
  g_signal_connect (factory, "bind", G_CALLBACK (row_bind), app);
  g_signal_connect (factory, "unbind", G_CALLBACK (row_unbind), app);
  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (app->todos)));
  app->list_view = gtk_list_view_new (GTK_SELECTION_MODEL (selection), factory);
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), app->list_view);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (box), scrolled);

  app->status = GTK_LABEL (gtk_label_new (_("Changes are saved in the background.")));
  gtk_label_set_xalign (app->status, 0.0);
  gtk_label_set_wrap (app->status, TRUE);
  gtk_widget_set_margin_start (GTK_WIDGET (app->status), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (app->status), 12);
  gtk_widget_set_margin_bottom (GTK_WIDGET (app->status), 12);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (app->status));

  gtk_window_set_child (GTK_WINDOW (app->window), box);
  gtk_window_present (GTK_WINDOW (app->window));

  if (app->self_test)
    self_test_start (app);
}

static void
shutdown (GtkApplication *application,
          TodoApp        *app)
{
  g_signal_handlers_disconnect_by_data (syncobj_registry_get_default (), app);
  g_clear_handle_id (&app->clock_id, g_source_remove);
  g_clear_handle_id (&app->self_test_check_id, g_source_remove);
  g_clear_handle_id (&app->self_test_timeout_id, g_source_remove);
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

int
main (int    argc,
      char **argv)
{
  TodoApp app = { 0 };
  GOptionEntry options[] = {
    { "self-test", 0, 0, G_OPTION_ARG_NONE, &app.self_test,
      N_("Add a to-do, wait until the server has it, print OK and exit"), NULL },
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

  app.exit_status = 0;
  app.failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  app.rows = g_hash_table_new (NULL, NULL);
  app.application = gtk_application_new ("org.libsyncobj.TodoGtk", G_APPLICATION_NON_UNIQUE);
  g_application_add_main_option_entries (G_APPLICATION (app.application), options);
  g_signal_connect (app.application, "handle-local-options", G_CALLBACK (handle_local_options), &app);
  g_signal_connect (app.application, "activate", G_CALLBACK (activate), &app);
  g_signal_connect (app.application, "shutdown", G_CALLBACK (shutdown), &app);

  status = g_application_run (G_APPLICATION (app.application), argc, argv);
  if (status == 0)
    status = app.exit_status;

  g_clear_object (&app.application);
  g_clear_object (&app.todos);
  g_clear_object (&app.server);
  g_clear_pointer (&app.failures, g_hash_table_unref);
  g_clear_pointer (&app.rows, g_hash_table_unref);
  g_free (app.self_test_key);
  g_free (app.screenshot);
  g_free (app.server_uri);
  return status;
}
