/* syncobj-http-mutator-request.c: the requests a SyncobjHttpMutator sends:
 * one per mutation, one batch, and a write redirected by 307/308
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-http-mutator-private.h"
#include "syncobj-collection-private.h"
#include "syncobj-json-util-private.h"

#include <string.h>

char *
_syncobj_http_mutator_idempotency_key (SyncobjTransaction     *transaction,
                                       SyncobjPendingMutation *mutation)
{
  return g_strdup_printf ("%s-%s", syncobj_transaction_get_id (transaction), _syncobj_pending_mutation_peek_id (mutation));
}

/* The mutator whose URIs serve @mutation: its collection's, when that is an
 * HTTP mutator, else @self. */
SyncobjHttpMutator *
_syncobj_http_mutator_target (SyncobjHttpMutator     *self,
                              SyncobjPendingMutation *mutation)
{
  g_autoptr(SyncobjCollection) collection = _syncobj_weak_get (mutation->collection);
  SyncobjMutator *mutator = collection != NULL ? syncobj_collection_get_mutator (collection) : NULL;

  return SYNCOBJ_IS_HTTP_MUTATOR (mutator) ? SYNCOBJ_HTTP_MUTATOR (mutator) : self;
}

/* Whether @mutation inserts a record under a temporary key, whose key the
 * server's answer brings. */
gboolean
_syncobj_http_mutator_is_temporary_insert (SyncobjPendingMutation *mutation)
{
  return mutation->type == SYNCOBJ_MUTATION_TYPE_INSERT &&
         g_str_has_prefix (mutation->key, SYNCOBJ_TEMPORARY_KEY_PREFIX);
}

static SoupMessage *
new_json_request (SyncobjHttpMutator  *self,
                  const char          *method,
                  const char          *uri,
                  const char          *body,
                  const char          *key,
                  GError             **error)
{
  g_autoptr(GUri) parsed = _syncobj_http_parse_uri (uri, FALSE, SYNCOBJ_ERROR_NON_RETRIABLE, error);
  g_autoptr(SoupMessage) message = NULL;
  SoupMessageHeaders *headers;

  if (parsed == NULL)
    return NULL;

  message = soup_message_new_from_uri (method, parsed);
  /* The Idempotency-Key makes a resend safe; libsoup then reuses idle
   * connections instead of opening one per POST. Redirects are ours to
   * follow: libsoup turns a POST answered with 301/302 into a bodyless
   * GET, whose answer would count as the write's (see follow_redirect()). */
  soup_message_add_flags (message, SOUP_MESSAGE_IDEMPOTENT | SOUP_MESSAGE_NO_REDIRECT);
  _syncobj_http_forbid_resend (message);
  headers = soup_message_get_request_headers (message);
  _syncobj_http_headers_apply (&self->headers, message);
  soup_message_headers_replace (headers, "Accept", "application/json");
  soup_message_headers_replace (headers, "Idempotency-Key", key);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (message, "application/json", bytes);
      /* Kept for a 307/308 redirect, which sends the same body again. */
      g_object_set_data_full (G_OBJECT (message), "syncobj-request-body",
                              g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
    }
  else
    soup_message_headers_replace (headers, "Content-Type", "application/json");

  return g_steal_pointer (&message);
}

/* The precondition of an update or a delete: `If-Match` with the version
 * its change was based on (see syncobj-http-mutator-versions.c). */
static SoupMessage *
add_if_match (SyncobjHttpMutator     *self,
              SoupMessage            *message,
              SyncobjPendingMutation *mutation)
{
  g_autofree char *etag = message != NULL ? _syncobj_http_mutator_if_match (self, mutation) : NULL;

  if (etag != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (message), "If-Match", etag);
  return message;
}

SoupMessage *
_syncobj_http_mutator_request (SyncobjHttpMutator      *self,
                               SyncobjTransaction      *transaction,
                               SyncobjPendingMutation  *mutation,
                               GError                 **error)
{
  SyncobjHttpMutator *target = _syncobj_http_mutator_target (self, mutation);
  g_autofree char *key = _syncobj_http_mutator_idempotency_key (transaction, mutation);
  g_autofree char *item_uri = _syncobj_http_item_uri (target->base_uri, mutation->key);
  g_autofree char *body = NULL;

  switch (mutation->type)
    {
    case SYNCOBJ_MUTATION_TYPE_INSERT:
      body = _syncobj_json_to_string (mutation->modified);
      return new_json_request (self, "POST", target->base_uri, body, key, error);

    case SYNCOBJ_MUTATION_TYPE_UPDATE:
      /* A record deleted and inserted again is replaced whole. */
      if (mutation->replaces || g_ascii_strcasecmp (target->update_method, "PUT") == 0)
        {
          body = _syncobj_json_to_string (mutation->modified);
          return add_if_match (self, new_json_request (self, "PUT", item_uri, body, key, error), mutation);
        }
      /* The changes of an update kept as text are that text. */
      body = syncobj_pending_mutation_get_changes_json (mutation);
      return add_if_match (self, new_json_request (self, target->update_method, item_uri, body, key, error),
                           mutation);

    case SYNCOBJ_MUTATION_TYPE_DELETE:
    default:
      return add_if_match (self, new_json_request (self, "DELETE", item_uri, NULL, key, error), mutation);
    }
}

SoupMessage *
_syncobj_http_mutator_batch_request (SyncobjHttpMutator  *self,
                                     SyncobjTransaction  *transaction,
                                     GPtrArray           *mutations,
                                     GError             **error)
{
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *body = NULL;

  for (guint i = 0; i < mutations->len; i++)
    {
      SyncobjPendingMutation *mutation = g_ptr_array_index (mutations, i);
      g_autofree char *key = _syncobj_http_mutator_idempotency_key (transaction, mutation);
      g_autofree char *if_match = _syncobj_http_mutator_if_match (self, mutation);
      JsonObject *entry = json_object_new ();

      json_object_set_string_member (entry, "type", _syncobj_mutation_type_to_string (mutation->type));
      /* A temporary key is never sent: the server assigns the key. */
      if (!_syncobj_http_mutator_is_temporary_insert (mutation))
        json_object_set_string_member (entry, "key", mutation->key);
      json_object_set_string_member (entry, "collection", mutation->collection_id);
      json_object_set_string_member (entry, "idempotency_key", key);
      if ((mutation->type == SYNCOBJ_MUTATION_TYPE_INSERT || mutation->replaces) && mutation->modified != NULL)
        json_object_set_object_member (entry, "value", json_object_ref (mutation->modified));
      if (mutation->type == SYNCOBJ_MUTATION_TYPE_UPDATE)
        json_object_set_object_member (entry, "changes", json_object_ref (mutation->changes));
      if (mutation->replaces)
        json_object_set_boolean_member (entry, "replace", TRUE);
      /* The precondition of the entry, as If-Match is of a single write. */
      if (if_match != NULL)
        json_object_set_string_member (entry, "if_match", if_match);
      json_array_add_object_element (array, entry);
    }

  root = json_node_init_array (json_node_alloc (), array);
  body = json_to_string (root, FALSE);
  return new_json_request (self, "POST", self->batch_uri, body,
                           syncobj_transaction_get_id (transaction), error);
}

/* A copy of @message sent to @target: same method, headers and body, as a
 * 307 or 308 asks. Credentials and cookies go only to the same origin. */
SoupMessage *
_syncobj_http_mutator_redirected_request (SoupMessage *message,
                                          GUri        *target)
{
  GUri *from = soup_message_get_uri (message);
  SoupMessage *copy = soup_message_new_from_uri (soup_message_get_method (message), target);
  SoupMessageHeaders *headers = soup_message_get_request_headers (copy);
  GBytes *body = g_object_get_data (G_OBJECT (message), "syncobj-request-body");
  gboolean same_origin = g_strcmp0 (g_uri_get_scheme (from), g_uri_get_scheme (target)) == 0 &&
                         g_strcmp0 (g_uri_get_host (from), g_uri_get_host (target)) == 0 &&
                         g_uri_get_port (from) == g_uri_get_port (target);
  SoupMessageHeadersIter iter;
  const char *name, *value;

  soup_message_add_flags (copy, soup_message_get_flags (message));
  soup_message_headers_iter_init (&iter, soup_message_get_request_headers (message));
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      if (g_ascii_strcasecmp (name, "Content-Length") == 0)
        continue;
      if (!same_origin && (g_ascii_strcasecmp (name, "Authorization") == 0 ||
                           g_ascii_strcasecmp (name, "Cookie") == 0))
        continue;
      soup_message_headers_append (headers, name, value);
    }
  if (body != NULL)
    {
      soup_message_set_request_body_from_bytes (copy, "application/json", body);
      g_object_set_data_full (G_OBJECT (copy), "syncobj-request-body",
                              g_bytes_ref (body), (GDestroyNotify) g_bytes_unref);
    }
  return copy;
}
