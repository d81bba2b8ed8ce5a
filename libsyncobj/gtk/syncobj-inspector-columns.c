/* syncobj-inspector-columns.c: what the columns of the inspector page
 * show about collections, records, transactions and attempts
 *
 * Each column of the page's template has an entry here, named after the
 * id of its factory in syncobj-inspector-page.ui: the text of its cells
 * and their style. How cells are made and kept up to date is in
 * syncobj-inspector-cells.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include <syncobj.h>

#include "syncobj-inspector-columns-private.h"
#include "syncobj-inspector-text-private.h"

/* ---- collections -------------------------------------------------------- */

static char *
collection_id_text (gpointer item)
{
  return g_strdup (syncobj_collection_get_id (item));
}

static char *
collection_strategy_text (gpointer item)
{
  gboolean ordered = syncobj_collection_get_strategy (item) == SYNCOBJ_STRATEGY_ORDERED;

  if (!ordered)
    return g_strdup (_("parallel"));
  if (syncobj_collection_get_queue_scope (item) == SYNCOBJ_QUEUE_SCOPE_KEY)
    return g_strdup (_("ordered per key"));
  return g_strdup (_("ordered"));
}

static char *
collection_size_text (gpointer item)
{
  return g_strdup_printf ("%u", syncobj_collection_get_size (item));
}

/* Whether the collection shows saved or current data, and where its
 * sync's change feed stands. */
static char *
collection_status_text (gpointer item)
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
collection_persistent_text (gpointer item)
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
collection_locked_text (gpointer item)
{
  g_auto(GStrv) keys = syncobj_collection_get_locked_keys (item);

  return g_strjoinv (", ", keys);
}

static const SyncobjInspectorColumn collection_columns[] = {
  { "collection-id", collection_id_text, 12, 0, NULL },
  { "collection-strategy", collection_strategy_text, 0, 0, NULL },
  { "collection-size", collection_size_text, 0, 0, NULL },
  { "collection-status", collection_status_text, 0, 0, NULL },
  { "collection-persistent", collection_persistent_text, 0, 0, NULL },
  { "collection-locked-keys", collection_locked_text, 8, 0, NULL },
};

/* ---- records ------------------------------------------------------------ */

static char *
record_key_text (gpointer item)
{
  return g_strdup (syncobj_record_get_key (item));
}

static char *
record_value_text (gpointer item)
{
  return syncobj_inspector_format_json (syncobj_record_get_value (item));
}

static char *
record_synced_text (gpointer item)
{
  return syncobj_inspector_format_json (syncobj_record_get_synced_value (item));
}

/* A record inserted without a key shows as such until the server's key
 * comes; the key column then shows that key (the record notifies). */
static char *
record_pending_text (gpointer item)
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

static const SyncobjInspectorColumn record_columns[] = {
  { "record-key", record_key_text, 12, 12, NULL },
  { "record-state", record_pending_text, 7, 13, record_state_style },
  { "record-value", record_value_text, 20, 0, NULL },
  { "record-synced-value", record_synced_text, 20, 0, NULL },
};

/* ---- transactions ------------------------------------------------------- */

static char *
transaction_id_text (gpointer item)
{
  return g_strdup (syncobj_transaction_get_id (item));
}

static char *
transaction_collection_text (gpointer item)
{
  return syncobj_inspector_transaction_collections (item);
}

static char *
transaction_state_text (gpointer item)
{
  return g_strdup (syncobj_inspector_state_label (syncobj_transaction_get_state (item)));
}

static char *
transaction_age_text (gpointer item)
{
  GDateTime *created = syncobj_transaction_get_created_at (item);

  if (created == NULL)
    return g_strdup ("");
  return syncobj_inspector_format_duration (g_get_real_time () - syncobj_inspector_date_time_to_us (created));
}

static char *
transaction_attempts_text (gpointer item)
{
  return g_strdup_printf ("%u", g_list_model_get_n_items (syncobj_transaction_get_attempts (item)));
}

static char *
transaction_queued_behind_text (gpointer item)
{
  return g_strdup (syncobj_transaction_get_queued_behind (item));
}

static char *
transaction_keys_text (gpointer item)
{
  return syncobj_inspector_transaction_keys (item);
}

static char *
transaction_reason_text (gpointer item)
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

static const SyncobjInspectorColumn transaction_columns[] = {
  { "transaction-id", transaction_id_text, 13, 13, NULL },
  { "transaction-collection", transaction_collection_text, 18, 18, NULL },
  { "transaction-state", transaction_state_text, 13, 13, transaction_state_style },
  { "transaction-age", transaction_age_text, 0, 0, NULL },
  { "transaction-attempts", transaction_attempts_text, 0, 0, NULL },
  { "transaction-queued-behind", transaction_queued_behind_text, 13, 13, NULL },
  { "transaction-keys", transaction_keys_text, 12, 12, NULL },
  { "transaction-reason", transaction_reason_text, 24, 0, NULL },
};

/* ---- attempts ----------------------------------------------------------- */

static char *
attempt_number_text (gpointer item)
{
  return g_strdup_printf ("%u", syncobj_attempt_get_number (item));
}

static char *
attempt_started_text (gpointer item)
{
  return syncobj_inspector_format_clock (syncobj_attempt_get_started_at (item));
}

static char *
attempt_completed_text (gpointer item)
{
  if (syncobj_attempt_get_completed_at (item) == NULL)
    return g_strdup (_("running"));
  return syncobj_inspector_format_clock (syncobj_attempt_get_completed_at (item));
}

static char *
attempt_error_text (gpointer item)
{
  const GError *error = syncobj_attempt_get_error (item);

  if (error != NULL)
    return g_strdup (error->message);
  return g_strdup (syncobj_attempt_get_completed_at (item) != NULL ? _("succeeded") : "");
}

static char *
attempt_retry_text (gpointer item)
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

static const SyncobjInspectorColumn attempt_columns[] = {
  { "attempt-number", attempt_number_text, 0, 0, NULL },
  { "attempt-started", attempt_started_text, 0, 0, NULL },
  { "attempt-completed", attempt_completed_text, 0, 0, NULL },
  { "attempt-error", attempt_error_text, 16, 0, NULL },
  { "attempt-retry", attempt_retry_text, 18, 18, NULL },
};

/* ---- the page's columns ------------------------------------------------- */

/* The factory of the transactions' actions column in the template. */
#define TRANSACTION_ACTIONS "transaction-actions"

void
syncobj_inspector_columns_bind (GtkWidgetClass *widget_class)
{
  syncobj_inspector_cells_bind_columns (widget_class, collection_columns, G_N_ELEMENTS (collection_columns));
  syncobj_inspector_cells_bind_columns (widget_class, record_columns, G_N_ELEMENTS (record_columns));
  syncobj_inspector_cells_bind_columns (widget_class, transaction_columns, G_N_ELEMENTS (transaction_columns));
  gtk_widget_class_bind_template_child_full (widget_class, TRANSACTION_ACTIONS, FALSE, 0);
  syncobj_inspector_cells_bind_columns (widget_class, attempt_columns, G_N_ELEMENTS (attempt_columns));
}

void
syncobj_inspector_columns_setup (SyncobjInspectorCells *cells,
                                 GtkWidget             *page)
{
  syncobj_inspector_cells_setup_columns (cells, page, collection_columns, G_N_ELEMENTS (collection_columns));
  syncobj_inspector_cells_setup_columns (cells, page, record_columns, G_N_ELEMENTS (record_columns));
  syncobj_inspector_cells_setup_columns (cells, page, transaction_columns, G_N_ELEMENTS (transaction_columns));
  syncobj_inspector_cells_setup_actions (cells, page, TRANSACTION_ACTIONS);
  syncobj_inspector_cells_setup_columns (cells, page, attempt_columns, G_N_ELEMENTS (attempt_columns));
}
