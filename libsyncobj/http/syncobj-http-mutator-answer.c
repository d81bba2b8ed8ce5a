/* syncobj-http-mutator-answer.c: what an answer to a SyncobjHttpMutator's
 * request means: success, a retriable failure, or a refusal
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-http-mutator-private.h"
#include "syncobj-transaction-private.h"
#include "syncobj-attempt-private.h"
#include "syncobj-json-util-private.h"

/* The JSON object @body holds, or NULL. */
JsonObject *
_syncobj_http_mutator_answer_object (GBytes *body)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  gsize length = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &length) : NULL;
  JsonNode *root;

  if (data == NULL || length == 0 || !json_parser_load_from_data (parser, data, (gssize) length, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  return root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_object_ref (json_node_get_object (root)) : NULL;
}

/* Milliseconds asked for by a Retry-After header, or -1. */
static gint64
retry_after_ms (SoupMessage *message)
{
  const char *value = soup_message_headers_get_one (soup_message_get_response_headers (message),
                                                    "Retry-After");
  g_autoptr(GDateTime) date = NULL;
  guint64 seconds;

  if (value == NULL)
    return -1;
  if (g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32 / 1000, &seconds, NULL))
    return (gint64) seconds * 1000;

  date = soup_date_time_new_from_http_string (value);
  if (date == NULL)
    return -1;
  return MAX ((g_date_time_to_unix (date) * G_USEC_PER_SEC - g_get_real_time ()) / 1000, 0);
}

/* Turns the answer to @message (the request of @mutation, NULL for a
 * batch) into success or an error. */
gboolean
_syncobj_http_mutator_check_response (SyncobjTransaction      *transaction,
                                      SyncobjPendingMutation  *mutation,
                                      SoupMessage             *message,
                                      GBytes                  *body,
                                      gboolean                *not_found,
                                      GError                 **error)
{
  gboolean is_delete = mutation != NULL && mutation->type == SYNCOBJ_MUTATION_TYPE_DELETE;
  guint status = soup_message_get_status (message);
  g_autofree char *uri = NULL;
  g_autofree char *reason = NULL;
  gint64 delay;

  *not_found = FALSE;
  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    return _syncobj_http_check_success_body (message, body, error);
  if (status == SOUP_STATUS_NOT_FOUND && is_delete)
    {
      /* Already gone: what the delete wanted. */
      *not_found = TRUE;
      return TRUE;
    }

  uri = g_uri_to_string (soup_message_get_uri (message));
  /* What the server said stays with the attempt, for the application. */
  _syncobj_attempt_record_http_answer (transaction, status, body);

  if (SOUP_STATUS_IS_REDIRECTION (status) && status != SOUP_STATUS_NOT_MODIFIED)
    {
      const char *location = soup_message_headers_get_one (soup_message_get_response_headers (message),
                                                           "Location");

      /* Never a success: the write did not reach its resource. Retriable,
       * so that a store keeps the change until the application points the
       * mutator at the new address that the error names. */
      if (status == SOUP_STATUS_TEMPORARY_REDIRECT || status == SOUP_STATUS_PERMANENT_REDIRECT)
        /* One the mutator did not follow (see follow_redirect()). */
        g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
                     _("%s %s was redirected with status %u to “%s”, which was not followed: it is not an http:// or https:// URI with a host, or one redirect too many"),
                     soup_message_get_method (message), uri, status, location != NULL ? location : "");
      else
        g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
                     _("%s %s was redirected with status %u to “%s”; a write follows only 307 and 308 redirects"),
                     soup_message_get_method (message), uri, status, location != NULL ? location : "");
      return FALSE;
    }

  reason = _syncobj_http_error_reason (message, body);

  if (SOUP_STATUS_IS_CLIENT_ERROR (status) &&
      status != SOUP_STATUS_REQUEST_TIMEOUT && status != 429 /* Too Many Requests */)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_NON_RETRIABLE,
                   _("%s %s was refused with status %u: %s"),
                   soup_message_get_method (message), uri, status, reason);
      return FALSE;
    }

  delay = retry_after_ms (message);
  if (delay >= 0)
    _syncobj_transaction_set_retry_after (transaction, (guint) MIN (delay, (gint64) G_MAXUINT));

  g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
               _("%s %s failed with status %u: %s"),
               soup_message_get_method (message), uri, status, reason);
  return FALSE;
}
