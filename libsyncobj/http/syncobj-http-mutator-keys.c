/* syncobj-http-mutator-keys.c: the keys a server creates for records
 * inserted under a temporary key, from the answer's body or Location
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-http-mutator-private.h"
#include "syncobj-collection-private.h"
#include "syncobj-json-util-private.h"

#include <string.h>

/* The key a `Location` header of @message names: the last path segment
 * below @base_uri, an integer when it is the decimal text of one. Sets
 * @key_member of a new object to it; NULL when there is no such header. */
static JsonObject *
location_key (SoupMessage *message,
              const char  *base_uri,
              const char  *key_member)
{
  const char *location = soup_message_headers_get_one (soup_message_get_response_headers (message), "Location");
  g_autoptr(GUri) target = NULL;
  g_autoptr(GUri) base = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *segment = NULL;
  g_autoptr(JsonObject) object = NULL;
  const char *path, *rest;
  char buffer[SYNCOBJ_INT_KEY_SIZE];
  gint64 number;

  if (location == NULL)
    return NULL;
  target = g_uri_parse_relative (soup_message_get_uri (message), location, SOUP_HTTP_URI_FLAGS, NULL);
  base = g_uri_parse (base_uri, SOUP_HTTP_URI_FLAGS, NULL);
  if (target == NULL || base == NULL)
    return NULL;

  prefix = g_strconcat (g_uri_get_path (base), "/", NULL);
  path = g_uri_get_path (target);
  if (!g_str_has_prefix (path, prefix))
    return NULL;
  rest = path + strlen (prefix);
  if (*rest == '\0' || strchr (rest, '/') != NULL)
    return NULL;
  segment = g_uri_unescape_string (rest, NULL);
  if (segment == NULL || *segment == '\0' || !g_utf8_validate (segment, -1, NULL))
    return NULL;

  object = json_object_new ();
  if (g_ascii_string_to_signed (segment, 10, G_MININT64, G_MAXINT64, &number, NULL) &&
      g_str_equal (_syncobj_json_int_key (number, buffer), segment))
    json_object_set_int_member (object, key_member, number);
  else
    json_object_set_string_member (object, key_member, segment);
  return g_steal_pointer (&object);
}

/* The record the server created for @mutation, from its answer: @answer
 * (the body, or a batch entry's record) when it holds the key member,
 * else @answer with the key the `Location` header names, if any. */
static JsonObject *
created_record (SoupMessage *message,
                JsonObject  *answer,
                const char  *base_uri,
                const char  *key_member)
{
  g_autoptr(JsonObject) located = NULL;

  if (answer != NULL && json_object_has_member (answer, key_member))
    return json_object_ref (answer);
  located = message != NULL ? location_key (message, base_uri, key_member) : NULL;
  if (located == NULL)
    return NULL;
  return answer != NULL ? _syncobj_json_merge (answer, located) : g_steal_pointer (&located);
}

/* The answer to @mutation, an insert under a temporary key, brings the
 * record's key: the record takes it in place (as
 * syncobj_persist_job_set_created() does). An answer without one applied
 * the insert where it cannot be addressed: a non-retriable error, since
 * the same request would be answered the same way. */
gboolean
_syncobj_http_mutator_take_created_key (SyncobjHttpMutator      *self,
                                        SyncobjTransaction      *transaction,
                                        SyncobjPendingMutation  *mutation,
                                        SoupMessage             *message,
                                        JsonObject              *answer,
                                        EchoInfo                *info,
                                        GError                 **error)
{
  g_autoptr(SyncobjCollection) collection = g_weak_ref_get (&mutation->collection);
  SyncobjHttpMutator *target = _syncobj_http_mutator_target (self, mutation);
  g_autoptr(JsonObject) created = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *key = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *key_member;

  if (collection == NULL || !_syncobj_http_mutator_is_temporary_insert (mutation))
    return TRUE;

  key_member = syncobj_collection_get_key_member (collection);
  uri = g_uri_to_string (soup_message_get_uri (message));
  created = created_record (self->batch_uri != NULL ? NULL : message, answer, target->base_uri, key_member);
  if (created == NULL)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_NON_RETRIABLE,
                   _("POST %s created a record but its answer brought no key: no “%s” member in the record answered, no Location below %s"),
                   uri, key_member, target->base_uri);
      return FALSE;
    }

  key = _syncobj_http_mutator_idempotency_key (transaction, mutation);
  if (!_syncobj_collection_assign_key (collection, mutation, created, &local_error))
    {
      g_set_error (error, SYNCOBJ_ERROR,
                   local_error->domain == SYNCOBJ_ERROR ? local_error->code : SYNCOBJ_ERROR_NON_RETRIABLE,
                   _("POST %s answered a key that cannot be taken: %s"), uri, local_error->message);
      return FALSE;
    }
  if (info->watch != NULL)
    _syncobj_http_echo_watch_rekey (info->watch, key, mutation->key);
  return TRUE;
}

/* The keys a batch answer `{"records": [...]}` brings for the temporary
 * inserts of @run, by position. */
gboolean
_syncobj_http_mutator_take_batch_created_keys (SyncobjHttpMutator  *self,
                                               SyncobjTransaction  *transaction,
                                               GPtrArray           *mutations,
                                               SoupMessage         *message,
                                               GBytes              *body,
                                               GError             **error)
{
  g_autoptr(JsonObject) answer = NULL;
  JsonArray *records = NULL;
  JsonNode *node;
  EchoInfo *info = _syncobj_http_mutator_echo_info (transaction);

  for (guint i = 0; i < mutations->len; i++)
    {
      SyncobjPendingMutation *mutation = g_ptr_array_index (mutations, i);
      JsonNode *element;

      if (!_syncobj_http_mutator_is_temporary_insert (mutation))
        continue;
      if (answer == NULL)
        {
          answer = _syncobj_http_mutator_answer_object (body);
          node = answer != NULL ? json_object_get_member (answer, "records") : NULL;
          records = node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
        }
      element = records != NULL && i < json_array_get_length (records) ? json_array_get_element (records, i) : NULL;
      if (!_syncobj_http_mutator_take_created_key (self, transaction, mutation, message,
                                                   element != NULL && JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL,
                                                   info, error))
        return FALSE;
    }
  return TRUE;
}
