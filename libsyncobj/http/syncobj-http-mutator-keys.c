/* syncobj-http-mutator-keys.c: the keys a server creates for records
 * inserted under a temporary key, from the answer's body or Location
 *
 * The answers are read by syncobj-http-created.c; this takes the keys
 * they bring.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-http-mutator-private.h"
#include "syncobj-http-created-private.h"
#include "syncobj-collection-private.h"
#include "syncobj-json-util-private.h"

/* The record the server created for @mutation, from its answer: @answer
 * (the body, or a batch entry's record) when it holds the key member,
 * else @answer with the key the `Location` header of @message (NULL for
 * a batch) names, if any: below @base_uri, or below the URI the POST went
 * to when a 307 or 308 moved it (the collection's new address). */
static JsonObject *
created_record (SoupMessage *message,
                JsonObject  *answer,
                const char  *base_uri,
                const char  *key_member)
{
  g_autoptr(JsonObject) located = NULL;

  if (message != NULL && (answer == NULL || !json_object_has_member (answer, key_member)))
    {
      g_autofree char *request_uri = g_uri_to_string (soup_message_get_uri (message));
      const char *location = soup_message_headers_get_one (soup_message_get_response_headers (message), "Location");

      located = _syncobj_http_location_key (request_uri, location, base_uri, key_member);
      if (located == NULL)
        located = _syncobj_http_location_key (request_uri, location, request_uri, key_member);
    }
  return _syncobj_http_created_record (answer, located, key_member);
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
  g_autoptr(SyncobjCollection) collection = _syncobj_weak_get (mutation->collection);
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

/* Where a batch answer's entries are taken, in turn. */
typedef struct
{
  SyncobjHttpMutator *self;
  SyncobjTransaction *transaction;
  GPtrArray          *mutations;
  SoupMessage        *message;
  EchoInfo           *info;
  GError             *error;
} BatchKeys;

static gboolean
take_batch_entry (BatchKeys  *keys,
                  guint       index,
                  JsonObject *record)
{
  SyncobjPendingMutation *mutation = g_ptr_array_index (keys->mutations, index);

  if (!_syncobj_http_mutator_is_temporary_insert (mutation))
    return TRUE;
  return _syncobj_http_mutator_take_created_key (keys->self, keys->transaction, mutation, keys->message,
                                                 record, keys->info, &keys->error);
}

static gboolean
batch_entry_cb (guint       index,
                JsonObject *record,
                gpointer    user_data)
{
  BatchKeys *keys = user_data;

  return index < keys->mutations->len && take_batch_entry (keys, index, record);
}

/* The keys a batch answer `{"records": [...]}` brings for the temporary
 * inserts of @mutations, by position, read one entry at a time. */
gboolean
_syncobj_http_mutator_take_batch_created_keys (SyncobjHttpMutator  *self,
                                               SyncobjTransaction  *transaction,
                                               GPtrArray           *mutations,
                                               SoupMessage         *message,
                                               GBytes              *body,
                                               GError             **error)
{
  BatchKeys keys = { self, transaction, mutations, message, _syncobj_http_mutator_echo_info (transaction), NULL };
  gsize length = 0;
  const char *text = body != NULL ? g_bytes_get_data (body, &length) : NULL;
  gssize n = 0;
  gboolean any = FALSE;

  for (guint i = 0; i < mutations->len && !any; i++)
    any = _syncobj_http_mutator_is_temporary_insert (g_ptr_array_index (mutations, i));
  if (!any)
    return TRUE;

  if (text != NULL)
    n = MAX (_syncobj_http_scan_created (text, length, batch_entry_cb, &keys), 0);
  /* The inserts the answer has no entry for. */
  for (guint i = (guint) n; keys.error == NULL && i < mutations->len; i++)
    take_batch_entry (&keys, i, NULL);

  if (keys.error != NULL)
    {
      g_propagate_error (error, keys.error);
      return FALSE;
    }
  return TRUE;
}
