/* syncobj-http-mutator-conflict.c: a SyncobjHttpMutator's conflicts
 *
 * A 409 or 412 answer to the write of one mutation, or to a batch naming
 * the entry that conflicted (`{"index": I, "current": record}`), is a
 * conflict: the server's current record goes to the transaction, whose
 * collection resolves it (syncobj-collection-conflict.c). The record is
 * the answer's (its body, or the batch answer's "current") when the server
 * sends it; otherwise the mutator reads it with a GET of the item's URI.
 * A 404 or 410 to that GET, or a batch answer's "current": null, means
 * the server deleted the record: a conflict with no record. So does a 404
 * or 410 to the write of an update itself (a PATCH or PUT of a record that
 * another client deleted meanwhile, with or without If-Match): the record
 * is gone, which the conflict policy resolves (rebased, the update
 * inserts it again) instead of failing the transaction.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-http-mutator-private.h"
#include "syncobj-transaction-private.h"
#include "syncobj-attempt-private.h"
#include "syncobj-json-util-private.h"

static gboolean
is_conflict (SoupMessage *message)
{
  guint status = soup_message_get_status (message);

  return status == SOUP_STATUS_CONFLICT || status == SOUP_STATUS_PRECONDITION_FAILED;
}

/* Whether @message, the write of the update @current, was answered that
 * its record does not exist (404 or 410): deleted on the server. */
static gboolean
is_gone (SoupMessage            *message,
         SyncobjPendingMutation *current)
{
  guint status = soup_message_get_status (message);

  return current != NULL && current->type == SYNCOBJ_MUTATION_TYPE_UPDATE &&
         (status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_GONE) &&
         !_syncobj_http_mutator_is_temporary_insert (current);
}

/* @object if it is the record of @mutation's key, else NULL. */
static JsonObject *
record_of (SyncobjPendingMutation *mutation,
           JsonObject             *object)
{
  g_autoptr(SyncobjCollection) collection = _syncobj_weak_get (mutation->collection);
  char buffer[SYNCOBJ_INT_KEY_SIZE];
  const char *key;

  if (collection == NULL || object == NULL)
    return NULL;
  key = _syncobj_json_get_key (object, syncobj_collection_get_key_member (collection), buffer, NULL, NULL);
  return g_strcmp0 (key, mutation->key) == 0 ? json_object_ref (object) : NULL;
}

/* Whether the collection of @mutation uses the server's ETags as versions:
 * a record from a batch answer brings none, so it is read again. */
static gboolean
uses_etags (SyncobjPendingMutation *mutation)
{
  g_autoptr(SyncobjCollection) collection = _syncobj_weak_get (mutation->collection);

  return collection != NULL && syncobj_collection_get_version_member (collection) == NULL;
}

/* Reports the conflict of @mutation to @transaction with @current (NULL:
 * deleted on the server), as the error of the write @message. */
static void
conflict_report (SyncobjTransaction      *transaction,
                 SyncobjPendingMutation  *mutation,
                 SoupMessage             *message,
                 JsonObject              *current,
                 GError                 **error)
{
  g_autofree char *uri = g_uri_to_string (soup_message_get_uri (message));

  _syncobj_transaction_set_conflict (transaction, mutation->key, current);
  g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_CONFLICT,
               _("%s %s was refused with status %u: the record “%s” changed on the server (conflict)"),
               soup_message_get_method (message), uri, soup_message_get_status (message), mutation->key);
}

/* The entry of @mutations that a batch answer names (`"index"`). */
static SyncobjPendingMutation *
batch_entry (GPtrArray  *mutations,
             JsonObject *answer)
{
  JsonNode *node = answer != NULL ? json_object_get_member (answer, "index") : NULL;
  gint64 index;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return NULL;
  index = json_node_get_int (node);
  if (index < 0 || index >= (gint64) mutations->len)
    return NULL;
  return g_ptr_array_index (mutations, (guint) index);
}

SyncobjHttpConflict
_syncobj_http_mutator_take_conflict (SyncobjHttpMutator      *self,
                                     SyncobjTransaction      *transaction,
                                     SyncobjPendingMutation  *current,
                                     GPtrArray               *mutations,
                                     SoupMessage             *message,
                                     GBytes                  *body,
                                     SyncobjPendingMutation **conflicted,
                                     GError                 **error)
{
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(JsonObject) record = NULL;
  SyncobjPendingMutation *mutation = current;
  gboolean deleted = FALSE;

  *conflicted = NULL;
  if (is_gone (message, current))
    {
      *conflicted = current;
      _syncobj_attempt_record_http_answer (transaction, soup_message_get_status (message), body);
      _syncobj_http_mutator_forget_etag (self, current);
      conflict_report (transaction, current, message, NULL, error);
      return SYNCOBJ_HTTP_CONFLICT_REPORTED;
    }
  if (!is_conflict (message))
    return SYNCOBJ_HTTP_CONFLICT_NONE;

  answer = _syncobj_http_mutator_answer_object (body);
  if (mutation != NULL)
    record = record_of (mutation, answer);
  else
    {
      JsonNode *node = answer != NULL ? json_object_get_member (answer, "current") : NULL;

      mutation = batch_entry (mutations, answer);
      if (mutation != NULL && node != NULL && JSON_NODE_HOLDS_OBJECT (node) && !uses_etags (mutation))
        record = record_of (mutation, json_node_get_object (node));
      deleted = node != NULL && JSON_NODE_HOLDS_NULL (node);
    }
  /* A temporary key names no item to read. */
  if (mutation == NULL || _syncobj_http_mutator_is_temporary_insert (mutation))
    return SYNCOBJ_HTTP_CONFLICT_NONE;

  *conflicted = mutation;
  if (record == NULL && !deleted)
    return SYNCOBJ_HTTP_CONFLICT_NEEDS_RECORD;

  _syncobj_attempt_record_http_answer (transaction, soup_message_get_status (message), body);
  if (record != NULL && current != NULL)
    _syncobj_http_mutator_remember_etag (self, mutation, message);
  else
    _syncobj_http_mutator_forget_etag (self, mutation);
  conflict_report (transaction, mutation, message, record, error);
  return SYNCOBJ_HTTP_CONFLICT_REPORTED;
}

/* ---- reading the record ------------------------------------------------------- */

static void
read_back_free (gpointer data)
{
  SyncobjHttpReadBack *read = data;

  g_clear_object (&read->transaction);
  g_clear_object (&read->mutation);
  g_clear_object (&read->write);
  g_clear_pointer (&read->write_body, g_bytes_unref);
  g_clear_object (&read->get);
  g_free (read);
}

GTask *
_syncobj_http_read_back_task_new (SyncobjHttpMutator     *self,
                                  SyncobjTransaction     *transaction,
                                  SyncobjPendingMutation *mutation,
                                  SoupMessage            *write,
                                  GBytes                 *write_body,
                                  GCancellable           *cancellable,
                                  GAsyncReadyCallback     callback,
                                  gpointer                user_data,
                                  gpointer                source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  SyncobjHttpReadBack *read = g_new0 (SyncobjHttpReadBack, 1);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, read, read_back_free);
  read->transaction = g_object_ref (transaction);
  read->mutation = g_object_ref (mutation);
  read->write = g_object_ref (write);
  read->write_body = write_body != NULL ? g_bytes_ref (write_body) : NULL;
  return task;
}

gboolean
_syncobj_http_read_back_send (GTask                *task,
                              GAsyncReadyCallback   read_cb,
                              char                **item_uri)
{
  SyncobjHttpMutator *self = g_task_get_source_object (task);
  SyncobjHttpReadBack *read = g_task_get_task_data (task);
  SyncobjHttpMutator *target = _syncobj_http_mutator_target (self, read->mutation);
  g_autofree char *uri = _syncobj_http_item_uri (target->base_uri, read->mutation->key);

  read->get = soup_message_new ("GET", uri);
  if (read->get == NULL)
    {
      *item_uri = g_steal_pointer (&uri);
      return FALSE;
    }
  _syncobj_http_headers_apply (&self->headers, read->get);
  soup_message_headers_replace (soup_message_get_request_headers (read->get), "Accept", "application/json");
  _syncobj_http_send_and_read_async (self->session, read->get, &self->limits,
                                     g_task_get_cancellable (task), read_cb, g_object_ref (task));
  return TRUE;
}

/* The write's refusal stays the attempt's error, with what the GET did
 * not give. */
static GError *
conflict_unresolved (SyncobjHttpReadBack *fetch,
                     gboolean       retriable,
                     const char    *why)
{
  g_autofree char *uri = g_uri_to_string (soup_message_get_uri (fetch->write));
  g_autofree char *reason = _syncobj_http_error_reason (fetch->write, fetch->write_body);

  return g_error_new (SYNCOBJ_ERROR, retriable ? SYNCOBJ_ERROR_HTTP : SYNCOBJ_ERROR_NON_RETRIABLE,
                      _("%s %s was refused with status %u (%s) and the server’s record of “%s” could not be read: %s"),
                      soup_message_get_method (fetch->write), uri, soup_message_get_status (fetch->write),
                      reason, fetch->mutation->key, why);
}

static void
conflict_fetched_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyncobjHttpMutator *self = g_task_get_source_object (task);
  SyncobjHttpReadBack *fetch = g_task_get_task_data (task);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) body = _syncobj_http_send_and_read_finish (result, &local_error);
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(JsonObject) current = NULL;
  g_autofree char *why = NULL;
  GError *error = NULL;
  guint status;

  if (body == NULL)
    {
      g_task_return_error (task, conflict_unresolved (fetch, TRUE, local_error->message));
      return;
    }

  status = soup_message_get_status (fetch->get);
  if (status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_GONE)
    {
      /* Deleted on the server. */
      _syncobj_http_mutator_forget_etag (self, fetch->mutation);
      conflict_report (fetch->transaction, fetch->mutation, fetch->write, NULL, &error);
      g_task_return_error (task, error);
      return;
    }
  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      answer = _syncobj_http_mutator_answer_object (body);
      current = record_of (fetch->mutation, answer);
    }
  if (current != NULL)
    {
      _syncobj_http_mutator_remember_etag (self, fetch->mutation, fetch->get);
      conflict_report (fetch->transaction, fetch->mutation, fetch->write, current, &error);
      g_task_return_error (task, error);
      return;
    }

  why = SOUP_STATUS_IS_SUCCESSFUL (status)
        ? g_strdup_printf (_("GET answered %u without the record"), status)
        : g_strdup_printf (_("GET answered %u"), status);
  /* A server that answers the GET with something else than the record
   * will not do better next time; a failing one may. */
  g_task_return_error (task, conflict_unresolved (fetch, !SOUP_STATUS_IS_SUCCESSFUL (status), why));
}

void
_syncobj_http_mutator_fetch_conflict_async (SyncobjHttpMutator     *self,
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
                                                             _syncobj_http_mutator_fetch_conflict_async);
  g_autofree char *item_uri = NULL;

  _syncobj_attempt_record_http_answer (transaction, soup_message_get_status (write), write_body);
  if (!_syncobj_http_read_back_send (task, conflict_fetched_cb, &item_uri))
    g_task_return_error (task, conflict_unresolved (g_task_get_task_data (task), FALSE, item_uri));
}

gboolean
_syncobj_http_mutator_fetch_conflict_finish (GAsyncResult  *result,
                                             GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
