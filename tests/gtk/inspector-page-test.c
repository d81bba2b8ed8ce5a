/* inspector-page-test.c: the libsyncobj page of the GTK inspector, shown
 * in a window under Xvfb, asserted through its widget tree. The page is
 * private: it is made, as the inspector makes it, from the extension point
 * that syncobj_gtk_init() fills.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib/gstdio.h>
#include <syncobj-gtk.h>

#include "ui-test-utils.h"
#include "../disk-full.h"

#define NETWORK_DELAY_MS 100
#define WAIT_MS 5000

/* One ordered collection with a transaction in every state: completed,
 * failed, persisting while waiting for a retry, queued behind it, and
 * pending (begun, not committed); a parallel collection beside it. */
typedef struct {
  SyncobjCollection  *collection;
  SyncobjSyncControl *control;
  SyncobjCollection  *parallel;
  SyncobjSyncControl *parallel_control;
  SyncobjTransaction *completed;
  SyncobjTransaction *failed;
  SyncobjTransaction *waiting;
  SyncobjTransaction *queued;
  SyncobjTransaction *pending;
  GtkWidget          *window;
  GtkWidget          *page;
} Fixture;

/* A new page, made as the GTK inspector makes its pages. */
static GtkWidget *
page_new (void)
{
  GIOExtensionPoint *point;
  GIOExtension *extension;

  syncobj_gtk_init ();
  point = g_io_extension_point_lookup ("gtk-inspector-page");
  g_assert_nonnull (point);
  extension = g_io_extension_point_get_extension_by_name (point, "libsyncobj");
  g_assert_nonnull (extension);
  return g_object_new (g_io_extension_get_type (extension), NULL);
}

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);

  g_assert_nonnull (node);
  return json_object_ref (json_node_get_object (node));
}

static JsonArray *
parse_array (const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);

  g_assert_nonnull (node);
  return json_array_ref (json_node_get_array (node));
}

static SyncobjTransaction *
update (SyncobjCollection *collection,
        const char        *key,
        const char        *changes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = parse_object (changes);
  SyncobjTransaction *transaction = syncobj_collection_update (collection, key, object, &error);

  g_assert_no_error (error);
  return transaction;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(JsonArray) initial = parse_array ("[{\"id\":\"a\",\"title\":\"Apples\"},"
                                              " {\"id\":\"b\",\"title\":\"Bread\"},"
                                              " {\"id\":\"c\",\"title\":\"Cheese\"}]");
  g_autoptr(JsonArray) parallel_initial = parse_array ("[{\"id\":\"x\",\"n\":1}]");
  g_autoptr(JsonObject) d = parse_object ("{\"id\":\"d\",\"title\":\"Dates\"}");
  g_autoptr(JsonObject) c_changes = parse_object ("{\"title\":\"Cheddar\"}");
  g_autoptr(JsonObject) x_changes = parse_object ("{\"n\":2}");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjAttempt) attempt = NULL;

  fixture->collection = syncobj_test_collection_new_for_id ("groceries", initial,
                                                            SYNCOBJ_STRATEGY_ORDERED,
                                                            &fixture->control);
  fixture->parallel = syncobj_test_collection_new_for_id ("counters", parallel_initial,
                                                          SYNCOBJ_STRATEGY_PARALLEL,
                                                          &fixture->parallel_control);
  syncobj_sync_control_set_network_delay (fixture->control, NETWORK_DELAY_MS);

  /* Persisted, echoed: completed. */
  fixture->completed = update (fixture->collection, "c", "{\"title\":\"Camembert\"}");
  syncobj_sync_control_advance (fixture->control, NETWORK_DELAY_MS);
  syncobj_sync_control_advance (fixture->control, NETWORK_DELAY_MS);
  g_assert_cmpint (syncobj_transaction_get_state (fixture->completed), ==,
                   SYNCOBJ_TRANSACTION_STATE_COMPLETED);

  /* Refused by the server: failed. */
  syncobj_sync_control_fail_next_persist_non_retriable (fixture->control);
  fixture->failed = update (fixture->collection, "b", "{\"title\":\"Baguette\"}");
  syncobj_sync_control_advance (fixture->control, NETWORK_DELAY_MS);
  g_assert_cmpint (syncobj_transaction_get_state (fixture->failed), ==,
                   SYNCOBJ_TRANSACTION_STATE_FAILED);

  /* A retriable failure: persisting, waiting for its retry. */
  syncobj_sync_control_fail_next_persist (fixture->control);
  fixture->waiting = update (fixture->collection, "a", "{\"title\":\"Apricots\"}");
  syncobj_sync_control_advance (fixture->control, NETWORK_DELAY_MS);
  g_assert_cmpint (syncobj_transaction_get_state (fixture->waiting), ==,
                   SYNCOBJ_TRANSACTION_STATE_PERSISTING);
  g_assert_cmpuint (g_list_model_get_n_items (syncobj_transaction_get_attempts (fixture->waiting)), ==, 1);
  attempt = g_list_model_get_item (syncobj_transaction_get_attempts (fixture->waiting), 0);
  g_assert_nonnull (syncobj_attempt_get_retry_scheduled_for (attempt));

  /* Behind it in the queue. */
  fixture->queued = syncobj_collection_insert (fixture->collection, d, &error);
  g_assert_no_error (error);
  g_assert_cmpint (syncobj_transaction_get_state (fixture->queued), ==,
                   SYNCOBJ_TRANSACTION_STATE_QUEUED);
  g_assert_cmpstr (syncobj_transaction_get_queued_behind (fixture->queued), ==,
                   syncobj_transaction_get_id (fixture->waiting));

  /* Begun, not committed. */
  fixture->pending = syncobj_collection_begin (fixture->collection);
  g_assert_true (syncobj_transaction_update (fixture->pending, fixture->collection, "c", c_changes, &error));
  g_assert_no_error (error);
  g_assert_true (syncobj_transaction_update (fixture->pending, fixture->parallel, "x", x_changes, &error));
  g_assert_no_error (error);
  g_assert_cmpint (syncobj_transaction_get_state (fixture->pending), ==,
                   SYNCOBJ_TRANSACTION_STATE_PENDING);

  fixture->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 1500, 800);
  fixture->page = page_new ();
  gtk_window_set_child (GTK_WINDOW (fixture->window), fixture->page);
  g_object_set (fixture->page, "object", fixture->collection, NULL);
  gtk_window_present (GTK_WINDOW (fixture->window));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  /* Finish every transaction of the fixture (the retry and the queued
   * one succeed now), so that none is left behind in the registry. */
  if (!syncobj_transaction_is_finished (fixture->pending))
    g_assert_true (syncobj_transaction_rollback (fixture->pending, NULL));
  for (guint i = 0; i < 10 && !(syncobj_transaction_is_finished (fixture->queued) &&
                               syncobj_transaction_is_finished (fixture->waiting)); i++)
    syncobj_sync_control_advance (fixture->control, 5000);
  g_assert_true (syncobj_transaction_is_finished (fixture->waiting));
  g_assert_true (syncobj_transaction_is_finished (fixture->queued));

  gtk_window_destroy (GTK_WINDOW (fixture->window));
  ui_test_iterate (100);

  g_clear_object (&fixture->completed);
  g_clear_object (&fixture->failed);
  g_clear_object (&fixture->waiting);
  g_clear_object (&fixture->queued);
  g_clear_object (&fixture->pending);
  g_clear_object (&fixture->collection);
  g_clear_object (&fixture->control);
  g_clear_object (&fixture->parallel);
  g_clear_object (&fixture->parallel_control);
  syncobj_registry_forget_finished (syncobj_registry_get_default ());
}

/* The label of the transaction id @transaction's row, once shown. */
typedef struct {
  GtkWidget  *root;
  const char *name;
  const char *text;
} LabelQuery;

static gboolean
label_shown (gpointer data)
{
  LabelQuery *query = data;

  return ui_test_find_label (query->root, query->name, query->text) != NULL;
}

static GtkWidget *
wait_for_label (GtkWidget  *root,
                const char *name,
                const char *text)
{
  LabelQuery query = { root, name, text };

  if (!ui_test_wait_until (label_shown, &query, WAIT_MS))
    g_error ("no label %s showing \"%s\" within %u ms", name, text, WAIT_MS);
  return ui_test_find_label (root, name, text);
}

static GtkWidget *
transaction_row (Fixture            *fixture,
                 SyncobjTransaction *transaction)
{
  return wait_for_label (fixture->page, "transaction-id", syncobj_transaction_get_id (transaction));
}

typedef struct {
  GtkWidget  *cell;
  const char *name;
  const char *text;
} RowQuery;

static gboolean
row_label_is (gpointer data)
{
  RowQuery *query = data;

  return g_strcmp0 (ui_test_row_label (query->cell, query->name), query->text) == 0;
}

/* Waits until the label @name in the row of @cell shows @text. */
static void
assert_row_label (GtkWidget  *cell,
                  const char *name,
                  const char *text)
{
  RowQuery query = { cell, name, text };

  ui_test_wait_until (row_label_is, &query, WAIT_MS);
  g_assert_cmpstr (ui_test_row_label (cell, name), ==, text);
}

static void
test_shows_every_state (Fixture       *fixture,
                        gconstpointer  data)
{
  GtkWidget *row;
  const char *reason;
  g_autofree char *path = NULL;
  g_autofree char *expected = NULL;

  /* Collections, with their strategy and the keys locked by the
   * transaction that is persisting. */
  row = wait_for_label (fixture->page, "collection-id", "groceries");
  assert_row_label (row, "collection-strategy", "ordered");
  assert_row_label (row, "collection-size", "4");
  assert_row_label (row, "collection-status", "ready");
  assert_row_label (row, "collection-persistent", "in memory");
  assert_row_label (row, "collection-locked-keys", "a");
  row = wait_for_label (fixture->page, "collection-id", "counters");
  assert_row_label (row, "collection-strategy", "parallel");
  assert_row_label (row, "collection-size", "1");

  /* Records of the selected collection: optimistic vs synced values. */
  row = wait_for_label (fixture->page, "record-key", "a");
  assert_row_label (row, "record-state", "pending");
  g_assert_true (gtk_widget_has_css_class (ui_test_row_widget (row, "record-state"), "syncobj-waiting"));
  assert_row_label (row, "record-value", "{\"id\":\"a\",\"title\":\"Apricots\"}");
  assert_row_label (row, "record-synced-value", "{\"id\":\"a\",\"title\":\"Apples\"}");
  row = wait_for_label (fixture->page, "record-key", "b");
  assert_row_label (row, "record-state", "synced");
  assert_row_label (row, "record-value", "{\"id\":\"b\",\"title\":\"Bread\"}");
  row = wait_for_label (fixture->page, "record-key", "d");
  assert_row_label (row, "record-synced-value", "—");

  /* Transactions, one row each, with their state and why. */
  row = transaction_row (fixture, fixture->completed);
  assert_row_label (row, "transaction-state", "completed");
  assert_row_label (row, "transaction-collection", "groceries");
  assert_row_label (row, "transaction-attempts", "1");
  assert_row_label (row, "transaction-keys", "c");

  row = transaction_row (fixture, fixture->failed);
  assert_row_label (row, "transaction-state", "failed");
  g_assert_true (gtk_widget_has_css_class (ui_test_row_widget (row, "transaction-state"), "syncobj-failed"));
  reason = ui_test_row_label (row, "transaction-reason");
  g_assert_true (g_str_has_prefix (reason, "Failed: "));
  g_assert_nonnull (strstr (reason, syncobj_transaction_get_error (fixture->failed)->message));

  row = transaction_row (fixture, fixture->waiting);
  assert_row_label (row, "transaction-state", "persisting");
  assert_row_label (row, "transaction-attempts", "1");
  reason = ui_test_row_label (row, "transaction-reason");
  g_assert_true (g_str_has_prefix (reason, "Retrying at "));
  g_assert_nonnull (strstr (reason, "Simulated failure"));
  g_assert_true (gtk_widget_get_mapped (ui_test_row_widget (row, "retry-now")));
  /* Waiting for a retry, it can still be given up. */
  g_assert_true (gtk_widget_get_mapped (ui_test_row_widget (row, "rollback")));

  row = transaction_row (fixture, fixture->queued);
  assert_row_label (row, "transaction-state", "queued");
  assert_row_label (row, "transaction-queued-behind", syncobj_transaction_get_id (fixture->waiting));
  /* Says what holds up the transaction ahead. */
  expected = g_strdup_printf ("Waiting behind %s: Retrying at ", syncobj_transaction_get_id (fixture->waiting));
  reason = ui_test_row_label (row, "transaction-reason");
  g_assert_true (g_str_has_prefix (reason, expected));
  g_assert_nonnull (strstr (reason, "Simulated failure"));
  g_assert_null (ui_test_row_widget (row, "retry-now"));
  g_assert_true (gtk_widget_get_mapped (ui_test_row_widget (row, "rollback")));

  row = transaction_row (fixture, fixture->pending);
  assert_row_label (row, "transaction-state", "pending");
  assert_row_label (row, "transaction-reason", "Not committed yet");
  assert_row_label (row, "transaction-collection", "groceries, counters");
  assert_row_label (row, "transaction-keys", "c, x");

  /* The attempts of a selected transaction, with error and next retry. */
  g_object_set (fixture->page, "object", fixture->waiting, NULL);
  row = wait_for_label (fixture->page, "attempt-number", "1");
  g_assert_nonnull (strstr (ui_test_row_label (row, "attempt-error"), "Simulated failure"));
  g_assert_nonnull (strstr (ui_test_row_label (row, "attempt-retry"), "(in "));

  path = g_build_filename (g_getenv ("SYNCOBJ_TEST_ARTEFACT_DIR") ? g_getenv ("SYNCOBJ_TEST_ARTEFACT_DIR") : ".",
                           "inspector-page.png", NULL);
  ui_test_save_screenshot (fixture->page, path);
}

/* Whether @cell shows a tooltip when the pointer rests on it. */
static gboolean
cell_has_tooltip (GtkWidget *cell)
{
  g_autoptr(GtkTooltip) tooltip = g_object_new (GTK_TYPE_TOOLTIP, NULL);
  gboolean shown = FALSE;

  g_assert_true (gtk_widget_get_has_tooltip (cell));
  g_signal_emit_by_name (cell, "query-tooltip", 1, 1, FALSE, tooltip, &shown);
  return shown;
}

/* At the default width, an id cut off in its narrow column gets a tooltip
 * (with the whole id); cells that fit get none. */
static void
test_tooltips_on_cut_off_cells (Fixture       *fixture,
                                gconstpointer  data)
{
  GtkWidget *row = transaction_row (fixture, fixture->waiting);
  GtkWidget *id = ui_test_row_widget (row, "transaction-id");
  GtkWidget *attempts = ui_test_row_widget (row, "transaction-attempts");

  g_assert_cmpint (strlen (syncobj_transaction_get_id (fixture->waiting)), >, 13);
  g_assert_true (pango_layout_is_ellipsized (gtk_label_get_layout (GTK_LABEL (id))));
  g_assert_true (cell_has_tooltip (id));

  g_assert_false (pango_layout_is_ellipsized (gtk_label_get_layout (GTK_LABEL (attempts))));
  g_assert_false (cell_has_tooltip (attempts));
  g_assert_false (cell_has_tooltip (wait_for_label (fixture->page, "collection-id", "groceries")));
}

static gboolean
only_queued_shown (gpointer data)
{
  Fixture *fixture = data;
  g_autoptr(GPtrArray) ids = ui_test_find_labels (fixture->page, "transaction-id");

  return ids->len == 1 &&
         g_strcmp0 (gtk_label_get_label (g_ptr_array_index (ids, 0)),
                    syncobj_transaction_get_id (fixture->queued)) == 0;
}

static gboolean
no_transaction_shown (gpointer data)
{
  Fixture *fixture = data;
  g_autoptr(GPtrArray) ids = ui_test_find_labels (fixture->page, "transaction-id");

  return ids->len == 0;
}

static void
test_filter_by_state (Fixture       *fixture,
                      gconstpointer  data)
{
  GtkWidget *filter;
  GtkStringObject *item;

  transaction_row (fixture, fixture->completed);

  filter = ui_test_find_widget (fixture->page, "state-filter");
  g_assert_true (GTK_IS_DROP_DOWN (filter));
  /* Its label names it (for screen readers, and Alt+S reaches it). */
  g_assert_true (gtk_label_get_mnemonic_widget (GTK_LABEL (ui_test_find_widget (fixture->page, "state-filter-label"))) ==
                 filter);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (filter), 3);
  item = gtk_drop_down_get_selected_item (GTK_DROP_DOWN (filter));
  g_assert_cmpstr (gtk_string_object_get_string (item), ==, "Queued");

  g_assert_true (ui_test_wait_until (only_queued_shown, fixture, WAIT_MS));

  /* Rolling the queued one back moves it out of the filter, and the
   * "Failed" entry shows it again beside the other failed one. */
  g_assert_true (syncobj_transaction_rollback (fixture->queued, NULL));
  g_assert_true (ui_test_wait_until (no_transaction_shown, fixture, WAIT_MS));

  gtk_drop_down_set_selected (GTK_DROP_DOWN (filter), 8);
  item = gtk_drop_down_get_selected_item (GTK_DROP_DOWN (filter));
  g_assert_cmpstr (gtk_string_object_get_string (item), ==, "Failed");
  transaction_row (fixture, fixture->queued);
  transaction_row (fixture, fixture->failed);
  g_assert_null (ui_test_find_label (fixture->page, "transaction-id",
                                     syncobj_transaction_get_id (fixture->waiting)));
}

static void
test_retry_now (Fixture       *fixture,
                gconstpointer  data)
{
  GtkWidget *row = transaction_row (fixture, fixture->waiting);
  GtkWidget *button = ui_test_row_widget (row, "retry-now");

  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");

  /* The second attempt started at once, without moving the clock. */
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (fixture->waiting), ==, 2);
  assert_row_label (row, "transaction-attempts", "2");
  assert_row_label (row, "transaction-reason", "Sending to the server (attempt 2)");
  g_assert_null (ui_test_row_widget (row, "retry-now"));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (ui_test_find_widget (fixture->page, "status"))), !=, "");
}

static void
test_rollback (Fixture       *fixture,
               gconstpointer  data)
{
  GtkWidget *row = transaction_row (fixture, fixture->queued);
  GtkWidget *button = ui_test_row_widget (row, "rollback");

  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");

  g_assert_cmpint (syncobj_transaction_get_state (fixture->queued), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  g_assert_error (syncobj_transaction_get_error (fixture->queued), SYNCOBJ_ERROR, SYNCOBJ_ERROR_CANCELLED);
  g_assert_false (syncobj_collection_contains (fixture->collection, "d"));
  assert_row_label (row, "transaction-state", "failed");
  g_assert_null (ui_test_row_widget (row, "rollback"));

  /* The one that waits for a retry is given up as well: only the
   * application gives up what the server does not have yet. */
  gtk_widget_activate_action (fixture->page, "inspector-page.rollback", "s",
                              syncobj_transaction_get_id (fixture->waiting));
  g_assert_cmpint (syncobj_transaction_get_state (fixture->waiting), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  g_assert_error (syncobj_transaction_get_error (fixture->waiting), SYNCOBJ_ERROR, SYNCOBJ_ERROR_CANCELLED);

  /* A finished one cannot be: the action reports why and changes nothing. */
  gtk_widget_activate_action (fixture->page, "inspector-page.rollback", "s",
                              syncobj_transaction_get_id (fixture->queued));
  g_assert_cmpint (syncobj_transaction_get_state (fixture->queued), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (ui_test_find_widget (fixture->page, "status"))),
                            syncobj_transaction_get_id (fixture->queued)));
}

static void
test_follows_live_changes (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(SyncobjTransaction) added = NULL;
  GtkWidget *waiting_row = transaction_row (fixture, fixture->waiting);
  GtkWidget *queued_row = transaction_row (fixture, fixture->queued);
  GtkWidget *record_row = wait_for_label (fixture->page, "record-key", "a");
  GtkWidget *collection_row = wait_for_label (fixture->page, "collection-id", "groceries");
  GtkWidget *row;

  /* The retry fires and succeeds, the queued insert follows; both are
   * echoed: the rows, the record and the locks follow without any help. */
  for (guint i = 0; i < 10 && !syncobj_transaction_is_finished (fixture->queued); i++)
    syncobj_sync_control_advance (fixture->control, 1000);
  g_assert_cmpint (syncobj_transaction_get_state (fixture->queued), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);

  assert_row_label (waiting_row, "transaction-state", "completed");
  assert_row_label (waiting_row, "transaction-attempts", "2");
  assert_row_label (waiting_row, "transaction-reason", "Done");
  assert_row_label (queued_row, "transaction-state", "completed");
  assert_row_label (record_row, "record-state", "synced");
  assert_row_label (record_row, "record-synced-value", "{\"id\":\"a\",\"title\":\"Apricots\"}");
  assert_row_label (collection_row, "collection-locked-keys", "");

  /* Committing the open transaction sends it. */
  row = transaction_row (fixture, fixture->pending);
  assert_row_label (row, "transaction-state", "pending");
  g_assert_true (syncobj_transaction_commit (fixture->pending, NULL));
  assert_row_label (row, "transaction-state", "persisting");
  assert_row_label (row, "transaction-reason", "Sending to the server (attempt 1)");
  assert_row_label (collection_row, "collection-locked-keys", "c");
  syncobj_sync_control_advance (fixture->control, NETWORK_DELAY_MS);
  syncobj_sync_control_advance (fixture->control, NETWORK_DELAY_MS);
  assert_row_label (row, "transaction-state", "completed");

  /* A new transaction gets a row of its own. */
  added = update (fixture->collection, "b", "{\"title\":\"Brioche\"}");
  g_assert_true (added != fixture->pending);
  row = transaction_row (fixture, added);
  assert_row_label (row, "transaction-keys", "b");
  syncobj_sync_control_advance (fixture->control, NETWORK_DELAY_MS);
  syncobj_sync_control_advance (fixture->control, NETWORK_DELAY_MS);
  assert_row_label (row, "transaction-state", "completed");
}

/* The inspector hides its window when closed and keeps its pages: a page
 * not shown lists no collection, so that those the application drops go
 * (the rows of a list hold their items). Shown again, it lists those that
 * remain, with the same one selected, or the one the inspector selected
 * meanwhile. */
static void
test_hidden_page_keeps_no_collection (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  SyncobjCollection *dropped = syncobj_test_collection_new_for_id ("dropped", NULL, SYNCOBJ_STRATEGY_ORDERED,
                                                                   &control);

  g_object_set (fixture->page, "object", fixture->parallel, NULL);
  wait_for_label (fixture->page, "collection-id", "dropped");
  wait_for_label (fixture->page, "record-key", "x");

  gtk_widget_set_visible (fixture->window, FALSE);
  ui_test_iterate (10);
  g_object_add_weak_pointer (G_OBJECT (dropped), (gpointer *) &dropped);
  g_object_unref (dropped);
  ui_test_iterate (10);
  g_assert_null (dropped);

  gtk_widget_set_visible (fixture->window, TRUE);
  wait_for_label (fixture->page, "collection-id", "groceries");
  wait_for_label (fixture->page, "record-key", "x");
  g_assert_null (ui_test_find_label (fixture->page, "collection-id", "dropped"));

  /* Selected by the inspector while not shown. */
  gtk_widget_set_visible (fixture->window, FALSE);
  g_object_set (fixture->page, "object", fixture->collection, NULL);
  gtk_widget_set_visible (fixture->window, TRUE);
  wait_for_label (fixture->page, "record-key", "a");
}

/* A page the inspector made but never showed (another of its pages is
 * shown, as when it opens) keeps no collection alive either. */
static void
test_unshown_page_keeps_no_collection (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  SyncobjCollection *dropped = syncobj_test_collection_new_for_id ("never-shown", NULL, SYNCOBJ_STRATEGY_ORDERED,
                                                                   &control);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *stack = gtk_stack_new ();
  GtkWidget *page = page_new ();

  gtk_stack_add_named (GTK_STACK (stack), gtk_label_new ("Objects"), "objects");
  gtk_stack_add_named (GTK_STACK (stack), page, "sync");
  gtk_stack_set_visible_child_name (GTK_STACK (stack), "objects");
  gtk_window_set_child (GTK_WINDOW (window), stack);
  gtk_window_set_default_size (GTK_WINDOW (window), 1500, 800);
  gtk_window_present (GTK_WINDOW (window));
  ui_test_iterate (20);

  g_object_add_weak_pointer (G_OBJECT (dropped), (gpointer *) &dropped);
  g_object_unref (dropped);
  ui_test_iterate (10);
  g_assert_null (dropped);

  gtk_window_destroy (GTK_WINDOW (window));
  ui_test_iterate (10);
}

static void
test_registered (void)
{
  GIOExtensionPoint *point;
  GIOExtension *extension;
  g_autoptr(GtkWidget) page = NULL;
  g_autofree char *title = NULL;

  syncobj_gtk_init ();
  syncobj_gtk_init ();

  point = g_io_extension_point_lookup ("gtk-inspector-page");
  g_assert_nonnull (point);
  extension = g_io_extension_point_get_extension_by_name (point, "libsyncobj");
  g_assert_nonnull (extension);
  g_assert_cmpstr (g_type_name (g_io_extension_get_type (extension)), ==, "SyncobjInspectorPage");
  g_assert_true (g_type_is_a (g_io_extension_get_type (extension), GTK_TYPE_WIDGET));

  page = g_object_ref_sink (g_object_new (g_io_extension_get_type (extension), NULL));
  g_object_get (page, "title", &title, NULL);
  g_assert_cmpstr (title, ==, "Sync");
  g_object_set (page, "object", NULL, NULL);
}

static void
flushed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  gboolean *done = user_data;

  syncobj_store_flush_finish (SYNCOBJ_STORE (source), result, NULL);
  *done = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static void
flush (SyncobjStore *store)
{
  gboolean done = FALSE;

  syncobj_store_flush_async (store, NULL, flushed_cb, &done);
  g_assert_true (ui_test_wait_until (is_true, &done, WAIT_MS));
}

static void
persist_at_once (SyncobjPersistJob *job,
                 gpointer           user_data)
{
  syncobj_persist_job_complete (job);
}

/* A store that cannot write (a full disk, here a file size limit of 0)
 * shows in the Store column until it writes again. */
static void
test_shows_store_write_error (void)
{
  g_autofree char *dir = g_dir_make_tmp ("syncobj-inspector-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "store.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = syncobj_store_new_for_path (path, &error);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(JsonObject) value = parse_object ("{\"id\": \"a\"}");
  g_autofree char *expected = NULL;
  GtkWidget *window, *page, *row;

  g_assert_no_error (error);
  g_autoptr(SyncobjMutator) mutator = syncobj_func_mutator_new (persist_at_once, NULL, NULL);

  collection = syncobj_collection_new_with_store ("inspected-store", NULL, mutator, store);
  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1500, 800);
  page = page_new ();
  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_present (GTK_WINDOW (window));

  row = wait_for_label (page, "collection-id", "inspected-store");
  assert_row_label (row, "collection-persistent", "on disk");

  syncobj_test_set_disk_full (TRUE);
  insert = syncobj_collection_insert (collection, value, &error);
  g_assert_no_error (error);
  flush (store);
  g_assert_nonnull (syncobj_store_get_write_error (store));
  expected = g_strdup_printf ("not written: %s", syncobj_store_get_write_error (store)->message);
  assert_row_label (row, "collection-persistent", expected);

  syncobj_test_set_disk_full (FALSE);
  flush (store);
  g_assert_null (syncobj_store_get_write_error (store));
  assert_row_label (row, "collection-persistent", "on disk");

  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&insert);
  g_clear_object (&collection);
  g_clear_object (&store);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *file = g_strconcat (path, (const char *[]) { "", "-wal", "-shm" }[i], NULL);

      g_unlink (file);
    }
  g_rmdir (dir);
}

static gboolean
widget_insensitive (gpointer data)
{
  return !gtk_widget_get_sensitive (data);
}

/* The registry keeps the newest finished transactions only; "Show older"
 * appends the older ones of the selected collection from its store. */
static void
test_shows_older_history (void)
{
  SyncobjRegistry *registry = syncobj_registry_get_default ();
  g_autofree char *dir = g_dir_make_tmp ("syncobj-inspector-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "store.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyncobjStore) store = syncobj_store_new_for_path (path, &error);
  g_autoptr(SyncobjMutator) mutator = syncobj_func_mutator_new (persist_at_once, NULL, NULL);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  GtkSingleSelection *collections;
  GtkWidget *window, *page, *button;

  g_assert_no_error (error);
  syncobj_registry_forget_finished (registry);
  syncobj_registry_set_history_limit (registry, 2);
  collection = syncobj_collection_new_with_store ("inspected-history", NULL, mutator, store);
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"id\": \"h%u\"}", i);
      g_autoptr(JsonObject) value = parse_object (json);
      g_autoptr(SyncobjTransaction) insert = syncobj_collection_insert (collection, value, &error);

      g_assert_no_error (error);
      while (!syncobj_transaction_is_finished (insert))
        g_main_context_iteration (NULL, TRUE);
      g_ptr_array_add (ids, g_strdup (syncobj_transaction_get_id (insert)));
    }
  g_assert_null (syncobj_registry_lookup_transaction (registry, g_ptr_array_index (ids, 0)));

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1500, 800);
  page = page_new ();
  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_present (GTK_WINDOW (window));
  wait_for_label (page, "collection-id", "inspected-history");
  collections = GTK_SINGLE_SELECTION (gtk_column_view_get_model (GTK_COLUMN_VIEW (ui_test_find_widget (page, "collections"))));
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (collections)); i++)
    {
      g_autoptr(SyncobjCollection) listed = g_list_model_get_item (G_LIST_MODEL (collections), i);

      if (listed == collection)
        gtk_single_selection_set_selected (collections, i);
    }
  wait_for_label (page, "transaction-id", g_ptr_array_index (ids, 5));
  g_assert_null (ui_test_find_label (page, "transaction-id", g_ptr_array_index (ids, 0)));

  button = ui_test_find_widget (page, "show-older");
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_sensitive (button));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (button)), ==, "Show _older");
  g_signal_emit_by_name (button, "clicked");
  for (guint i = 0; i < 6; i++)
    wait_for_label (page, "transaction-id", g_ptr_array_index (ids, i));
  /* All read: nothing older is left. */
  g_assert_true (ui_test_wait_until (widget_insensitive, button, WAIT_MS));
  g_assert_null (syncobj_registry_lookup_transaction (registry, g_ptr_array_index (ids, 0)));

  gtk_window_destroy (GTK_WINDOW (window));
  syncobj_registry_set_history_limit (registry, 1000);
  flush (store);
  g_clear_object (&collection);
  g_clear_object (&store);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *file = g_strconcat (path, (const char *[]) { "", "-wal", "-shm" }[i], NULL);

      g_unlink (file);
    }
  g_rmdir (dir);
}

static void
keep_job (SyncobjPersistJob *job,
          gpointer           user_data)
{
  *(SyncobjPersistJob **) user_data = g_object_ref (job);
}

/* A record inserted without a key shows as temporary; once the server's
 * answer brings its key, the same row shows that key. */
static void
test_shows_temporary_keys (void)
{
  SyncobjPersistJob *job = NULL;
  g_autoptr(SyncobjMutator) mutator = syncobj_func_mutator_new (keep_job, &job, NULL);
  g_autoptr(SyncobjCollection) collection = g_object_new (SYNCOBJ_TYPE_COLLECTION, "id", "inspected-keys",
                                                          "key-source", SYNCOBJ_KEY_SOURCE_SERVER,
                                                          "mutator", mutator, NULL);
  g_autoptr(JsonObject) value = parse_object ("{\"title\": \"milk\"}");
  g_autoptr(JsonObject) created = parse_object ("{\"id\": 7, \"title\": \"milk\"}");
  g_autoptr(SyncobjTransaction) insert = NULL;
  g_autoptr(SyncobjPendingMutation) mutation = NULL;
  g_autoptr(SyncobjRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *window, *page, *row;

  insert = syncobj_collection_insert (collection, value, &error);
  g_assert_no_error (error);
  record = g_list_model_get_item (G_LIST_MODEL (collection), 0);
  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1500, 800);
  page = page_new ();
  gtk_window_set_child (GTK_WINDOW (window), page);
  g_object_set (page, "object", collection, NULL);
  gtk_window_present (GTK_WINDOW (window));

  row = wait_for_label (page, "record-key", syncobj_record_get_key (record));
  assert_row_label (row, "record-state", "temporary key");
  g_assert_true (gtk_widget_has_css_class (ui_test_row_widget (row, "record-state"), "syncobj-waiting"));

  while (job == NULL)
    g_main_context_iteration (NULL, TRUE);
  mutation = g_list_model_get_item (syncobj_transaction_get_mutations (insert), 0);
  g_assert_true (syncobj_persist_job_set_created (job, mutation, created, &error));
  g_assert_no_error (error);
  syncobj_persist_job_complete (job);
  row = wait_for_label (page, "record-key", "7");
  assert_row_label (row, "record-state", "synced");

  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&job);
  g_clear_object (&insert);
  syncobj_registry_forget_finished (syncobj_registry_get_default ());
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check ())
    {
      g_test_skip ("no display");
      return 77;
    }

  g_test_add_func ("/gtk/inspector-page/registered", test_registered);
  g_test_add_func ("/gtk/inspector-page/shows-store-write-error", test_shows_store_write_error);
  g_test_add_func ("/gtk/inspector-page/shows-temporary-keys", test_shows_temporary_keys);
  g_test_add_func ("/gtk/inspector-page/shows-older-history", test_shows_older_history);
  g_test_add_func ("/gtk/inspector-page/unshown-page-keeps-no-collection", test_unshown_page_keeps_no_collection);
  g_test_add ("/gtk/inspector-page/shows-every-state", Fixture, NULL,
              fixture_set_up, test_shows_every_state, fixture_tear_down);
  g_test_add ("/gtk/inspector-page/tooltips-on-cut-off-cells", Fixture, NULL,
              fixture_set_up, test_tooltips_on_cut_off_cells, fixture_tear_down);
  g_test_add ("/gtk/inspector-page/filter-by-state", Fixture, NULL,
              fixture_set_up, test_filter_by_state, fixture_tear_down);
  g_test_add ("/gtk/inspector-page/follows-live-changes", Fixture, NULL,
              fixture_set_up, test_follows_live_changes, fixture_tear_down);
  g_test_add ("/gtk/inspector-page/retry-now", Fixture, NULL,
              fixture_set_up, test_retry_now, fixture_tear_down);
  g_test_add ("/gtk/inspector-page/rollback", Fixture, NULL,
              fixture_set_up, test_rollback, fixture_tear_down);
  g_test_add ("/gtk/inspector-page/hidden-page-keeps-no-collection", Fixture, NULL,
              fixture_set_up, test_hidden_page_keeps_no_collection, fixture_tear_down);

  return g_test_run ();
}
