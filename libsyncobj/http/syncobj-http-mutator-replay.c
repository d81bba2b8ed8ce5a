/* syncobj-http-mutator-replay.c: an insert sent again, which the server
 * may have applied already
 *
 * An insert under the application's key that goes out again (a retry
 * after a lost answer, or the first request after a restart that killed
 * the application while it was in flight) may reach a server that applied
 * the first request but does not deduplicate by Idempotency-Key: it then
 * refuses the second one as a duplicate, in its own words (json-server
 * answers 500 "Insert failed, duplicate id"), and every retry would be
 * refused the same way while everything queued behind the insert waits.
 * So such a refusal is checked with a GET of the item: when the server
 * holds the record with every member the insert sent, unchanged, the
 * insert is applied; otherwise the refusal stands, as if unchecked.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-http-mutator-private.h"
#include "syncobj-transaction-private.h"
#include "syncobj-json-util-private.h"

gboolean
_syncobj_http_mutator_replay_needs_check (SyncobjTransaction     *transaction,
                                          SyncobjPendingMutation *mutation,
                                          SoupMessage            *message)
{
  guint status = soup_message_get_status (message);

  return mutation != NULL &&
         mutation->type == SYNCOBJ_MUTATION_TYPE_INSERT &&
         !_syncobj_http_mutator_is_temporary_insert (mutation) &&
         status >= 400 &&
         syncobj_transaction_get_current_attempt (transaction) > 1;
}

/* Whether @held, the server's record, has every member of @sent with the
 * same value. */
static gboolean
holds_every_member (JsonObject *held,
                    JsonObject *sent)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  if (held == NULL || sent == NULL)
    return FALSE;
  json_object_iter_init (&iter, sent);
  while (json_object_iter_next (&iter, &name, &node))
    {
      JsonNode *other = json_object_get_member (held, name);

      if (other == NULL || !json_node_equal (node, other))
        return FALSE;
    }
  return TRUE;
}

/* The refusal stands: the error the write's answer gives unchecked. */
static GError *
refusal (SyncobjHttpReadBack *read)
{
  GError *error = NULL;
  gboolean not_found = FALSE;

  if (_syncobj_http_mutator_check_response (read->transaction, read->mutation, read->write,
                                            read->write_body, &not_found, &error))
    g_assert_not_reached ();  /* an answer of 400 or more */
  return error;
}

static void
read_back_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyncobjHttpMutator *self = g_task_get_source_object (task);
  SyncobjHttpReadBack *read = g_task_get_task_data (task);
  g_autoptr(GBytes) body = _syncobj_http_send_and_read_finish (result, NULL);
  g_autoptr(JsonObject) held = NULL;

  if (body != NULL && SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (read->get)))
    held = _syncobj_http_mutator_answer_object (body);
  if (!holds_every_member (held, syncobj_pending_mutation_get_modified (read->mutation)))
    {
      g_task_return_error (task, refusal (read));
      return;
    }
  g_debug ("%s %s was refused with status %u, but the server holds the record as inserted: applied",
           soup_message_get_method (read->write), syncobj_pending_mutation_get_key (read->mutation),
           soup_message_get_status (read->write));
  _syncobj_http_mutator_remember_etag (self, read->mutation, read->get);
  g_task_return_boolean (task, TRUE);
}

void
_syncobj_http_mutator_replay_check_async (SyncobjHttpMutator     *self,
                                          SyncobjTransaction     *transaction,
                                          SyncobjPendingMutation *mutation,
                                          SoupMessage            *write,
                                          GBytes                 *write_body,
                                          GCancellable           *cancellable,
                                          GAsyncReadyCallback     callback,
                                          gpointer                user_data)
{
  g_autoptr(GTask) task = _syncobj_http_read_back_task_new (self, transaction, mutation, write, write_body,
                                                             cancellable, callback, user_data,
                                                             _syncobj_http_mutator_replay_check_async);
  g_autofree char *item_uri = NULL;

  if (!_syncobj_http_read_back_send (task, read_back_cb, &item_uri))
    g_task_return_error (task, refusal (g_task_get_task_data (task)));
}

gboolean
_syncobj_http_mutator_replay_check_finish (GAsyncResult  *result,
                                           GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
