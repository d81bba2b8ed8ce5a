/* syncobj-inspector-text.c: what the inspector page says about
 * transactions, times and values, in words
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "syncobj-inspector-text-private.h"

const char *
syncobj_inspector_state_label (SyncobjTransactionState state)
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

gint64
syncobj_inspector_date_time_to_us (GDateTime *time)
{
  return g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
}

char *
syncobj_inspector_format_clock (GDateTime *time)
{
  g_autoptr(GDateTime) local = NULL;

  if (time == NULL)
    return g_strdup ("");
  local = g_date_time_to_local (time);
  return g_date_time_format (local, "%H:%M:%S");
}

char *
syncobj_inspector_format_duration (gint64 microseconds)
{
  int seconds = (int) MIN (MAX (microseconds, 0) / G_USEC_PER_SEC, G_MAXINT);

  /* Translators: durations, abbreviated */
  if (seconds < 60)
    return g_strdup_printf (_("%d s"), seconds);
  if (seconds < 3600)
    return g_strdup_printf (_("%d min"), seconds / 60);
  return g_strdup_printf (_("%d h"), seconds / 3600);
}

char *
syncobj_inspector_format_json (JsonObject *object)
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
gboolean
syncobj_inspector_waits_for_retry (SyncobjTransaction *transaction)
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
gboolean
syncobj_inspector_can_roll_back (SyncobjTransaction *transaction)
{
  SyncobjTransactionState state = syncobj_transaction_get_state (transaction);

  /* Whatever the server does not have yet: also a persisting one (waiting
   * for a retry, the network or credentials; a request in flight is
   * cancelled). */
  return state == SYNCOBJ_TRANSACTION_STATE_PENDING ||
         state == SYNCOBJ_TRANSACTION_STATE_QUEUED ||
         state == SYNCOBJ_TRANSACTION_STATE_PERSISTING;
}

char *
syncobj_inspector_transaction_keys (SyncobjTransaction *transaction)
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
char *
syncobj_inspector_transaction_reason (SyncobjTransaction *transaction)
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
            blocker_reason = syncobj_inspector_transaction_reason (blocker);
            /* Translators: a transaction id, then why that transaction waits */
            return g_strdup_printf (_("Waiting behind %s: %s"), behind, blocker_reason);
          }
        return g_strdup_printf (_("Waiting behind %s"), behind != NULL ? behind : "?");
      }

    case SYNCOBJ_TRANSACTION_STATE_PERSISTING:
      if (syncobj_inspector_waits_for_retry (transaction))
        {
          g_autofree char *when = syncobj_inspector_format_clock (syncobj_attempt_get_retry_scheduled_for (last));

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

/* The collections @transaction writes to, each named once: one begun with
 * syncobj_collection_begin() may write to several. */
char *
syncobj_inspector_transaction_collections (SyncobjTransaction *transaction)
{
  GListModel *mutations = syncobj_transaction_get_mutations (transaction);
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  SyncobjCollection *collection;

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

  collection = syncobj_transaction_get_collection (transaction);
  return g_strdup (collection != NULL ? syncobj_collection_get_id (collection) : "");
}
