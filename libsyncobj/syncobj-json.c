/* syncobj-json.c: small helpers around json-glib shared by every file
 *
 * Records and change sets are sealed JsonObjects: immutable snapshots that
 * can be shared between the synced state, the overlay and the UI without
 * copying.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-private.h"

/* Immutable nodes are shared as they are; a mutable one is copied
 * shallowly so that sealing our object does not touch the caller's node. */
static void
set_member_shared (JsonObject *object,
                   const char *name,
                   JsonNode   *node)
{
  if (json_node_is_immutable (node))
    json_object_set_member (object, name, json_node_ref (node));
  else
    json_object_set_member (object, name, json_node_copy (node));
}

static void
copy_members (JsonObject *into,
              JsonObject *from)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  json_object_iter_init_ordered (&iter, from);
  while (json_object_iter_next_ordered (&iter, &name, &node))
    set_member_shared (into, name, node);
}

JsonObject *
_syncobj_json_merge (JsonObject *base,
                     JsonObject *changes)
{
  g_autoptr(JsonObject) merged = json_object_new ();

  if (base != NULL)
    copy_members (merged, base);
  if (changes != NULL)
    copy_members (merged, changes);

  json_object_seal (merged);
  return g_steal_pointer (&merged);
}

JsonObject *
_syncobj_json_copy (JsonObject *object)
{
  g_return_val_if_fail (object != NULL, NULL);

  return _syncobj_json_merge (object, NULL);
}

/* The JSON name of what @node holds, for error messages. */
static const char *
json_kind (JsonNode *node)
{
  GType value_type;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return "null";
  if (JSON_NODE_HOLDS_ARRAY (node))
    return "array";
  if (JSON_NODE_HOLDS_OBJECT (node))
    return "object";

  value_type = json_node_get_value_type (node);
  if (value_type == G_TYPE_STRING)
    return "string";
  if (value_type == G_TYPE_BOOLEAN)
    return "boolean";
  return "number";
}

JsonObject *
_syncobj_json_parse_object (const char  *json,
                            gssize       length,
                            GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) parse_error = NULL;
  JsonNode *root;

  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, json, length, &parse_error))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                   _("Invalid JSON: %s"), parse_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                   _("Expected a JSON object, got %s"), json_kind (root));
      return NULL;
    }

  /* The parser is immutable, so the object is sealed already; sealing
   * again is free and keeps the promise explicit. */
  json_object_seal (json_node_get_object (root));
  return json_object_ref (json_node_get_object (root));
}

char *
_syncobj_json_to_string (JsonObject *object)
{
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (object != NULL, NULL);

  node = json_node_init_object (json_node_alloc (), object);
  return json_to_string (node, FALSE);
}

gboolean
_syncobj_json_equal (JsonObject *a,
                     JsonObject *b)
{
  if (a == b)
    return TRUE;
  if (a == NULL || b == NULL)
    return FALSE;
  return json_object_equal (a, b);
}

const char *
_syncobj_json_get_key (JsonObject  *value,
                       const char  *key_member,
                       GError     **error)
{
  JsonNode *node;
  const char *key;

  g_return_val_if_fail (value != NULL, NULL);
  g_return_val_if_fail (key_member != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  node = json_object_get_member (value, key_member);
  if (node == NULL)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                   _("Record has no “%s” member"), key_member);
      return NULL;
    }

  key = JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
        ? json_node_get_string (node)
        : NULL;
  if (key == NULL || *key == '\0')
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                   _("Member “%s” of the record must be a non-empty string"),
                   key_member);
      return NULL;
    }

  return key;
}

GDateTime *
_syncobj_date_time_new (gint64 unix_us)
{
  g_autoptr(GDateTime) seconds = NULL;
  gint64 unix_s;
  gint64 remainder_us;

  if (unix_us == 0)
    return NULL;

  /* Floor division, so that times before the epoch stay right. */
  unix_s = unix_us / G_USEC_PER_SEC;
  remainder_us = unix_us % G_USEC_PER_SEC;
  if (remainder_us < 0)
    {
      unix_s -= 1;
      remainder_us += G_USEC_PER_SEC;
    }

  seconds = g_date_time_new_from_unix_local (unix_s);
  if (seconds == NULL)
    return NULL;

  return g_date_time_add (seconds, remainder_us);
}
