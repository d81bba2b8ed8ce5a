/* syncobj-http-mutator-versions.c: the version a SyncobjHttpMutator's
 * update or delete is based on, sent as its precondition
 *
 * The version is the collection's version member in the mutation's
 * original value when the collection names one; otherwise the ETag the
 * server last gave for the record: the answer to a write of it (POST,
 * PATCH, PUT), the GET of its item after a conflict, a 409 or 412 with
 * the record. The collection keeps each ETag with its cached record in
 * its store, so that a restart does not lose it; a record whose ETag was
 * never seen (or whose collection has no persistent store and was seen
 * before a restart) is written without a precondition. A single write
 * sends it as `If-Match`, a batch entry as its `"if_match"` member.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-http-mutator-private.h"
#include "syncobj-collection-private.h"

#include <string.h>

/* The ETags by key, made on first use. */
static GHashTable *
mutator_etags (SyncobjHttpMutator *self)
{
  if (self->etags == NULL)
    self->etags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return self->etags;
}

/* Keeps @etag (NULL: none) as the version of @mutation's record in its
 * collection's store too. */
static void
collection_keep_etag (SyncobjPendingMutation *mutation,
                      const char             *etag)
{
  g_autoptr(SyncobjCollection) collection = _syncobj_weak_get (mutation->collection);

  if (collection != NULL)
    _syncobj_collection_keep_etag (collection, mutation->key, etag);
}

/* Whether @value is an entity tag as RFC 9110 writes one: `"…"` or
 * `W/"…"`, without control characters. A weak tag is kept: servers such
 * as the demo server accept it in If-Match. */
static gboolean
is_entity_tag (const char *value)
{
  gsize length;

  if (g_str_has_prefix (value, "W/"))
    value += 2;
  length = strlen (value);
  if (length < 2 || value[0] != '"' || value[length - 1] != '"' || length > 1024)
    return FALSE;
  for (gsize i = 1; i + 1 < length; i++)
    if ((guchar) value[i] < 0x21 || value[i] == '"' || value[i] == 0x7f)
      return FALSE;
  return TRUE;
}

void
_syncobj_http_mutator_remember_etag (SyncobjHttpMutator     *self,
                                     SyncobjPendingMutation *mutation,
                                     SoupMessage            *message)
{
  SyncobjHttpMutator *target = _syncobj_http_mutator_target (self, mutation);
  const char *etag = soup_message_headers_get_one (soup_message_get_response_headers (message), "ETag");

  /* An answer without one leaves no version to send: the next write of
   * the record goes without a precondition rather than with a stale one. */
  if (etag != NULL && is_entity_tag (etag))
    g_hash_table_replace (mutator_etags (target), g_strdup (mutation->key), g_strdup (etag));
  else if (target->etags != NULL)
    g_hash_table_remove (target->etags, mutation->key);
  collection_keep_etag (mutation, etag != NULL && is_entity_tag (etag) ? etag : NULL);
}

void
_syncobj_http_mutator_forget_etag (SyncobjHttpMutator     *self,
                                   SyncobjPendingMutation *mutation)
{
  SyncobjHttpMutator *target = _syncobj_http_mutator_target (self, mutation);

  if (target->etags != NULL)
    g_hash_table_remove (target->etags, mutation->key);
  collection_keep_etag (mutation, NULL);
}

/* The version member of @mutation's original value as an entity tag. */
static char *
member_version (SyncobjPendingMutation *mutation,
                const char             *member)
{
  JsonNode *node = json_object_get_member (mutation->original, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("\"%" G_GINT64_FORMAT "\"", json_node_get_int (node));
  if (json_node_get_value_type (node) == G_TYPE_STRING && strchr (json_node_get_string (node), '"') == NULL)
    return g_strdup_printf ("\"%s\"", json_node_get_string (node));
  return NULL;
}

char *
_syncobj_http_mutator_if_match (SyncobjHttpMutator     *self,
                                SyncobjPendingMutation *mutation)
{
  g_autoptr(SyncobjCollection) collection = NULL;
  SyncobjHttpMutator *target;
  const char *member;

  if (mutation->type == SYNCOBJ_MUTATION_TYPE_INSERT || mutation->original == NULL)
    return NULL;
  collection = _syncobj_weak_get (mutation->collection);
  member = collection != NULL ? syncobj_collection_get_version_member (collection) : NULL;
  if (member != NULL)
    return member_version (mutation, member);

  /* What this mutator saw, else what the store kept from a previous run. */
  target = _syncobj_http_mutator_target (self, mutation);
  if (target->etags != NULL && g_hash_table_contains (target->etags, mutation->key))
    return g_strdup (g_hash_table_lookup (target->etags, mutation->key));
  return collection != NULL ? g_strdup (_syncobj_collection_get_etag (collection, mutation->key)) : NULL;
}
