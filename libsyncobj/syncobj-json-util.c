/* syncobj-json-util.c: small helpers around json-glib
 *
 * Records and change sets are sealed JsonObjects: immutable snapshots that
 * can be shared between the synced state, the overlay and the UI without
 * copying.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-private.h"
#include "syncobj-json-util-private.h"
#include "syncobj-json-validate-private.h"

#include <string.h>

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

  if (base != NULL && changes != NULL)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *node;
      guint replaced = 0;

      /* One pass: a member that @changes sets is set once, with its new
       * value, in @base's order; json-glib's replacing of a member costs
       * a second lookup and a list search. */
      json_object_iter_init_ordered (&iter, base);
      while (json_object_iter_next_ordered (&iter, &name, &node))
        {
          JsonNode *changed = json_object_get_member (changes, name);

          replaced += changed != NULL;
          set_member_shared (merged, name, changed != NULL ? changed : node);
        }
      /* The usual update sets members the record has: none is new. */
      if (replaced < json_object_get_size (changes))
        {
          json_object_iter_init_ordered (&iter, changes);
          while (json_object_iter_next_ordered (&iter, &name, &node))
            if (!json_object_has_member (base, name))
              set_member_shared (merged, name, node);
        }
    }
  else if (base != NULL)
    copy_members (merged, base);
  else if (changes != NULL)
    copy_members (merged, changes);

  json_object_seal (merged);
  return g_steal_pointer (&merged);
}

/* Equal and of the same JSON type: 4 and 4.0 are not the same here.
 * Containers count only when they are the same node. */
static gboolean
nodes_identical (JsonNode *a,
                 JsonNode *b)
{
  if (a == b)
    return TRUE;
  if (JSON_NODE_TYPE (a) != JSON_NODE_TYPE (b))
    return FALSE;

  switch (JSON_NODE_TYPE (a))
    {
    case JSON_NODE_NULL:
      return TRUE;
    case JSON_NODE_VALUE:
      return json_node_get_value_type (a) == json_node_get_value_type (b) && json_node_equal (a, b);
    default:
      return FALSE;
    }
}

gboolean
_syncobj_json_merge_is (JsonObject *base,
                        JsonObject *changes,
                        JsonObject *expected)
{
  JsonObjectIter base_iter, expected_iter;
  const char *name, *expected_name;
  JsonNode *node, *expected_node;
  guint added = 0;

  g_return_val_if_fail (base != NULL && expected != NULL, FALSE);

  /* The merge lists the members of @base in their order, each with the
   * value of @changes when it has one, then the new members of @changes. */
  json_object_iter_init_ordered (&base_iter, base);
  json_object_iter_init_ordered (&expected_iter, expected);
  while (json_object_iter_next_ordered (&base_iter, &name, &node))
    {
      JsonNode *changed = changes != NULL ? json_object_get_member (changes, name) : NULL;

      if (!json_object_iter_next_ordered (&expected_iter, &expected_name, &expected_node) ||
          !g_str_equal (name, expected_name) ||
          !nodes_identical (changed != NULL ? changed : node, expected_node))
        return FALSE;
    }

  if (changes != NULL)
    {
      json_object_iter_init_ordered (&base_iter, changes);
      while (json_object_iter_next_ordered (&base_iter, &name, &node))
        {
          if (json_object_has_member (base, name))
            continue;
          if (!json_object_iter_next_ordered (&expected_iter, &expected_name, &expected_node) ||
              !g_str_equal (name, expected_name) ||
              !nodes_identical (node, expected_node))
            return FALSE;
          added++;
        }
    }

  return json_object_get_size (expected) == json_object_get_size (base) + added;
}

gboolean
_syncobj_json_same_update (JsonObject *base,
                           JsonObject *a,
                           JsonObject *b)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;
  guint shared = 0;

  /* Neither adds a member, so both merges list @base's members in its
   * order; they are the same when every member either sets has the same
   * value in both. First the members @b sets (an echo sets what the
   * update set, and the key): each lookup in @a tells whether @a sets it
   * too. */
  json_object_iter_init (&iter, b);
  while (json_object_iter_next (&iter, &name, &node))
    {
      JsonNode *base_node = json_object_get_member (base, name);
      JsonNode *a_node;

      if (base_node == NULL)
        return FALSE;
      a_node = json_object_get_member (a, name);
      shared += a_node != NULL;
      if (!nodes_identical (node, a_node != NULL ? a_node : base_node))
        return FALSE;
    }

  /* Then those only @a sets, unless @b sets them all. */
  if (shared == json_object_get_size (a))
    return TRUE;
  json_object_iter_init (&iter, a);
  while (json_object_iter_next (&iter, &name, &node))
    {
      JsonNode *base_node;

      if (json_object_has_member (b, name))
        continue;
      base_node = json_object_get_member (base, name);
      if (base_node == NULL || !nodes_identical (node, base_node))
        return FALSE;
    }

  return TRUE;
}

gboolean
_syncobj_json_changes_differ (JsonObject *value,
                              JsonObject *changes)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  json_object_iter_init (&iter, changes);
  while (json_object_iter_next (&iter, &name, &node))
    {
      JsonNode *current = json_object_get_member (value, name);

      if (current == NULL || !json_node_equal (current, node))
        return TRUE;
    }

  return FALSE;
}

JsonObject *
_syncobj_json_copy (JsonObject *object)
{
  g_return_val_if_fail (object != NULL, NULL);

  /* A sealed object (JSON text parsed by the library, a value of the
   * collection) cannot change: shared, not copied. */
  if (json_object_is_immutable (object))
    return json_object_ref (object);
  return _syncobj_json_merge (object, NULL);
}

/* The JSON name of what @node holds, for error messages. */
const char *
_syncobj_json_kind (JsonNode *node)
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

  if (!_syncobj_json_check_text (json, length, SYNCOBJ_ERROR_INVALID_RECORD, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, json, length, &parse_error))
    {
      g_autofree char *message = _syncobj_json_error_message (parse_error, json, length);

      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                   _("Invalid JSON: %s"), message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                   _("Expected a JSON object, got %s"), _syncobj_json_kind (root));
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
_syncobj_json_int_key (gint64  value,
                       char    buffer[SYNCOBJ_INT_KEY_SIZE])
{
  g_snprintf (buffer, SYNCOBJ_INT_KEY_SIZE, "%" G_GINT64_FORMAT, value);
  return buffer;
}

const char *
_syncobj_json_get_key (JsonObject  *value,
                       const char  *key_member,
                       char         buffer[SYNCOBJ_INT_KEY_SIZE],
                       gboolean    *is_int,
                       GError     **error)
{
  JsonNode *node;
  GType type;

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

  /* Keys are strings far more often than integers: one type lookup, and
   * the integer's text only for an integer. */
  type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (is_int != NULL)
    *is_int = FALSE;
  if (type == G_TYPE_STRING)
    {
      const char *key = json_node_get_string (node);

      if (*key != '\0')
        return key;
    }
  else if (type == G_TYPE_INT64)
    {
      if (is_int != NULL)
        *is_int = TRUE;
      return _syncobj_json_int_key (json_node_get_int (node), buffer);
    }

  g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
               _("Member “%s” of the record must be a non-empty string or an integer"),
               key_member);
  return NULL;
}

gboolean
_syncobj_json_key_is_int (JsonObject *value,
                          const char *key_member)
{
  JsonNode *node = json_object_get_member (value, key_member);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64;
}

void
_syncobj_json_set_key (JsonObject *value,
                       const char *key_member,
                       const char *key,
                       gboolean    is_int)
{
  gint64 number;

  if (is_int && g_ascii_string_to_signed (key, 10, G_MININT64, G_MAXINT64, &number, NULL))
    json_object_set_int_member (value, key_member, number);
  else
    json_object_set_string_member (value, key_member, key);
}

const char *
_syncobj_json_get_string_member (JsonObject *object,
                                 const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

gint64
_syncobj_json_get_int_member (JsonObject *object,
                              const char *name,
                              gint64      fallback)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return fallback;
  return json_node_get_int (node);
}

/* Whether @data ends inside a string, an object or an array: a text cut
 * short, which json-glib reports as whatever token it missed. */
static gboolean
json_is_cut_short (const char *data,
                   gsize       length)
{
  gssize depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < length; i++)
    {
      if (in_string)
        {
          if (data[i] == '\\')
            i++;
          else if (data[i] == '"')
            in_string = FALSE;
          continue;
        }
      if (data[i] == '"')
        in_string = TRUE;
      else if (data[i] == '[' || data[i] == '{')
        depth++;
      else if (data[i] == ']' || data[i] == '}')
        depth--;
    }
  return in_string || depth > 0;
}

char *
_syncobj_json_error_message (const GError *parse_error,
                             const char   *data,
                             gssize        length)
{
  g_autofree char *message = NULL;

  if (data != NULL && g_error_matches (parse_error, JSON_PARSER_ERROR, parse_error->code) &&
      json_is_cut_short (data, length < 0 ? strlen (data) : (gsize) length))
    return g_strdup (_("the text ends before the JSON value does (cut short)"));

  /* json-glib quotes the offending bytes, which may not be UTF-8; a GError
   * message must be (bindings turn it into a native string). */
  message = g_utf8_make_valid (parse_error->message, -1);

  /* json-glib names its input "<data>": no news for a reader. */
  if (g_str_has_prefix (message, "<data>:"))
    return g_strdup (message + strlen ("<data>:"));
  return g_steal_pointer (&message);
}
