/* syncobj-couch-selector.c: a Mango selector (CouchDB's `_selector`
 * filter) evaluated on documents by the library, so that a selector sync
 * holds exactly the documents it selects
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-couch-selector-private.h"
#include "syncobj-json-util-private.h"

#include <string.h>

/* Nesting is bounded by the JSON checks of the selector and of the
 * documents (SYNCOBJ_JSON_MAX_DEPTH): the recursion below follows it. */

struct _SyncobjCouchSelector
{
  JsonObject *selector;
  GHashTable *regexes;     /* pattern → GRegex */
};

/* ---- checking a selector ------------------------------------------------------------ */

static gboolean check_condition (SyncobjCouchSelector *self, JsonNode *condition, GError **error);

static gboolean
fail (GError     **error,
      const char  *operator,
      const char  *what)
{
  g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
               _("The selector's “%s” needs %s"), operator, what);
  return FALSE;
}

static gboolean
holds (JsonNode *node,
       GType     type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

static gboolean
check_conditions (SyncobjCouchSelector  *self,
                  const char            *operator,
                  JsonNode              *argument,
                  GError               **error)
{
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (argument))
    return fail (error, operator, _("an array of selectors"));
  array = json_node_get_array (argument);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_OBJECT (element))
        return fail (error, operator, _("an array of selectors"));
      if (!check_condition (self, element, error))
        return FALSE;
    }
  return TRUE;
}

static const char *const TYPES[] = { "null", "boolean", "number", "string", "array", "object", NULL };

static gboolean
check_operator (SyncobjCouchSelector  *self,
                const char            *operator,
                JsonNode              *argument,
                GError               **error)
{
  const char *const any[] = { "$eq", "$ne", "$gt", "$gte", "$lt", "$lte", NULL };
  const char *const arrays[] = { "$in", "$nin", "$all", NULL };
  const char *const nested[] = { "$not", "$elemMatch", "$allMatch", "$keyMapMatch", NULL };

  if (g_strv_contains (any, operator))
    return TRUE;
  if (g_strv_contains (arrays, operator))
    return JSON_NODE_HOLDS_ARRAY (argument) || fail (error, operator, _("an array"));
  if (g_strv_contains (nested, operator))
    return JSON_NODE_HOLDS_OBJECT (argument) ? check_condition (self, argument, error)
                                            : fail (error, operator, _("a selector"));
  if (strcmp (operator, "$and") == 0 || strcmp (operator, "$or") == 0 || strcmp (operator, "$nor") == 0)
    return check_conditions (self, operator, argument, error);
  if (strcmp (operator, "$exists") == 0)
    return holds (argument, G_TYPE_BOOLEAN) || fail (error, operator, _("true or false"));
  if (strcmp (operator, "$type") == 0)
    return (holds (argument, G_TYPE_STRING) && g_strv_contains (TYPES, json_node_get_string (argument))) ||
           fail (error, operator, _("a JSON type name"));
  if (strcmp (operator, "$size") == 0)
    return (holds (argument, G_TYPE_INT64) && json_node_get_int (argument) >= 0) ||
           fail (error, operator, _("a whole number"));
  if (strcmp (operator, "$beginsWith") == 0)
    return holds (argument, G_TYPE_STRING) || fail (error, operator, _("a string"));
  if (strcmp (operator, "$mod") == 0)
    {
      JsonArray *array = JSON_NODE_HOLDS_ARRAY (argument) ? json_node_get_array (argument) : NULL;

      if (array == NULL || json_array_get_length (array) != 2 ||
          !holds (json_array_get_element (array, 0), G_TYPE_INT64) ||
          !holds (json_array_get_element (array, 1), G_TYPE_INT64) ||
          json_array_get_int_element (array, 0) == 0)
        return fail (error, operator, _("[divisor, remainder], two whole numbers, the divisor not 0"));
      return TRUE;
    }
  if (strcmp (operator, "$regex") == 0)
    {
      const char *pattern = holds (argument, G_TYPE_STRING) ? json_node_get_string (argument) : NULL;
      g_autoptr(GError) regex_error = NULL;
      GRegex *regex;

      if (pattern == NULL)
        return fail (error, operator, _("a regular expression"));
      if (g_hash_table_contains (self->regexes, pattern))
        return TRUE;
      regex = g_regex_new (pattern, G_REGEX_OPTIMIZE, 0, &regex_error);
      if (regex == NULL)
        {
          g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                       _("The selector's regular expression “%s” is not valid: %s"), pattern,
                       regex_error->message);
          return FALSE;
        }
      g_hash_table_insert (self->regexes, g_strdup (pattern), regex);
      return TRUE;
    }
  g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
               _("The selector's operator “%s” is not one CouchDB knows"), operator);
  return FALSE;
}

/* A condition: an object of operators and fields, or a value to equal. */
static gboolean
check_condition (SyncobjCouchSelector  *self,
                 JsonNode              *condition,
                 GError               **error)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  if (!JSON_NODE_HOLDS_OBJECT (condition))
    return TRUE;
  json_object_iter_init_ordered (&iter, json_node_get_object (condition));
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      if (name[0] == '$' ? !check_operator (self, name, member, error) : !check_condition (self, member, error))
        return FALSE;
    }
  return TRUE;
}

SyncobjCouchSelector *
_syncobj_couch_selector_new (const char  *json,
                             GError     **error)
{
  g_autoptr(JsonObject) selector = _syncobj_json_parse_object (json, -1, error);
  g_autoptr(JsonNode) root = NULL;
  SyncobjCouchSelector *self;

  if (selector == NULL)
    return NULL;
  self = g_new0 (SyncobjCouchSelector, 1);
  self->selector = json_object_ref (selector);
  self->regexes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_regex_unref);
  root = json_node_init_object (json_node_alloc (), selector);
  if (!check_condition (self, root, error))
    {
      _syncobj_couch_selector_free (self);
      return NULL;
    }
  return self;
}

void
_syncobj_couch_selector_free (SyncobjCouchSelector *self)
{
  json_object_unref (self->selector);
  g_hash_table_unref (self->regexes);
  g_free (self);
}

/* ---- CouchDB's collation --------------------------------------------------------------- */

/* null < false < true < numbers < strings < arrays < objects */
static int
rank (JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    return 0;
  if (JSON_NODE_HOLDS_ARRAY (node))
    return 5;
  if (JSON_NODE_HOLDS_OBJECT (node))
    return 6;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN:
      return json_node_get_boolean (node) ? 2 : 1;
    case G_TYPE_STRING:
      return 4;
    default:
      return 3;
    }
}

static double
number (JsonNode *node)
{
  return json_node_get_value_type (node) == G_TYPE_INT64 ? (double) json_node_get_int (node)
                                                           : json_node_get_double (node);
}

static int collate (JsonNode *a, JsonNode *b);

static int
collate_arrays (JsonArray *a,
                JsonArray *b)
{
  guint na = json_array_get_length (a);
  guint nb = json_array_get_length (b);

  for (guint i = 0; i < na && i < nb; i++)
    {
      int order = collate (json_array_get_element (a, i), json_array_get_element (b, i));

      if (order != 0)
        return order;
    }
  return na < nb ? -1 : na > nb;
}

/* Member by member, in order: name, then value. */
static int
collate_objects (JsonObject *a,
                 JsonObject *b)
{
  JsonObjectIter ia, ib;
  const char *name_a, *name_b;
  JsonNode *value_a, *value_b;
  gboolean more_a, more_b;

  json_object_iter_init_ordered (&ia, a);
  json_object_iter_init_ordered (&ib, b);
  while (TRUE)
    {
      int order;

      more_a = json_object_iter_next_ordered (&ia, &name_a, &value_a);
      more_b = json_object_iter_next_ordered (&ib, &name_b, &value_b);
      if (!more_a || !more_b)
        return more_a - more_b;
      order = strcmp (name_a, name_b);
      if (order == 0)
        order = collate (value_a, value_b);
      if (order != 0)
        return order < 0 ? -1 : 1;
    }
}

static int
collate (JsonNode *a,
         JsonNode *b)
{
  int ra = rank (a), rb = rank (b);

  if (ra != rb)
    return ra < rb ? -1 : 1;
  switch (ra)
    {
    case 3:
      {
        double x = number (a), y = number (b);

        return x < y ? -1 : x > y;
      }
    case 4:
      {
        int order = strcmp (json_node_get_string (a), json_node_get_string (b));

        return order < 0 ? -1 : order > 0;
      }
    case 5:
      return collate_arrays (json_node_get_array (a), json_node_get_array (b));
    case 6:
      return collate_objects (json_node_get_object (a), json_node_get_object (b));
    default:
      return 0;
    }
}

/* ---- matching -------------------------------------------------------------------------- */

static gboolean matches (SyncobjCouchSelector *self, JsonNode *condition, JsonNode *value);

/* The member @path (dotted; `\.` is a dot in a name) of @value, or NULL. */
static JsonNode *
field (JsonNode   *value,
       const char *path)
{
  g_autoptr(GString) name = g_string_new (NULL);

  for (const char *p = path; value != NULL; p++)
    {
      if (*p == '\\' && p[1] == '.')
        {
          g_string_append_c (name, '.');
          p++;
          continue;
        }
      if (*p != '.' && *p != '\0')
        {
          g_string_append_c (name, *p);
          continue;
        }
      value = JSON_NODE_HOLDS_OBJECT (value) ? json_object_get_member (json_node_get_object (value), name->str)
                                             : NULL;
      g_string_truncate (name, 0);
      if (*p == '\0')
        break;
    }
  return value;
}

static const char *
type_name (JsonNode *value)
{
  int r = rank (value);

  return TYPES[r == 0 ? 0 : r <= 2 ? 1 : r - 1];
}

/* Whether @value equals @argument or, an array, holds an element equal to it. */
static gboolean
contains (JsonNode *value,
          JsonNode *argument)
{
  JsonArray *values;

  if (!JSON_NODE_HOLDS_ARRAY (value))
    return collate (value, argument) == 0;
  values = json_node_get_array (value);
  for (guint i = 0; i < json_array_get_length (values); i++)
    if (collate (json_array_get_element (values, i), argument) == 0)
      return TRUE;
  return FALSE;
}

/* $in (@every FALSE): @value contains one of @arguments; $all (@every
 * TRUE): @value is an array containing each of them. */
static gboolean
contains_arguments (JsonNode  *value,
                    JsonArray *arguments,
                    gboolean   every)
{
  if (every && !JSON_NODE_HOLDS_ARRAY (value))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (arguments); i++)
    if (contains (value, json_array_get_element (arguments, i)) != every)
      return !every;
  return every;
}

/* $elemMatch (any element), $allMatch (every element, and one at least). */
static gboolean
elements_match (SyncobjCouchSelector *self,
                JsonNode             *condition,
                JsonNode             *value,
                gboolean              every)
{
  JsonArray *array;
  guint n;

  if (!JSON_NODE_HOLDS_ARRAY (value))
    return FALSE;
  array = json_node_get_array (value);
  n = json_array_get_length (array);
  for (guint i = 0; i < n; i++)
    if (matches (self, condition, json_array_get_element (array, i)) != every)
      return !every;
  return every && n > 0;
}

static gboolean
key_matches (SyncobjCouchSelector *self,
             JsonNode             *condition,
             JsonNode             *value)
{
  JsonObjectIter iter;
  const char *name;

  if (!JSON_NODE_HOLDS_OBJECT (value))
    return FALSE;
  json_object_iter_init_ordered (&iter, json_node_get_object (value));
  while (json_object_iter_next_ordered (&iter, &name, NULL))
    {
      g_autoptr(JsonNode) key = json_node_init_string (json_node_alloc (), name);

      if (matches (self, condition, key))
        return TRUE;
    }
  return FALSE;
}

/* $and: every condition holds; $or: one at least; $nor: none. */
static gboolean
combine (SyncobjCouchSelector *self,
         const char           *operator,
         JsonArray            *conditions,
         JsonNode             *value)
{
  gboolean and = strcmp (operator, "$and") == 0;

  for (guint i = 0; i < json_array_get_length (conditions); i++)
    if (matches (self, json_array_get_element (conditions, i), value) != and)
      return and ? FALSE : strcmp (operator, "$or") == 0;
  return and || strcmp (operator, "$nor") == 0;
}

/* @value is NULL for a missing field: only `$exists: false` (and what
 * `$not` turns around) holds for it. */
static gboolean
operator_holds (SyncobjCouchSelector *self,
                const char           *operator,
                JsonNode             *argument,
                JsonNode             *value)
{
  if (strcmp (operator, "$and") == 0 || strcmp (operator, "$or") == 0 || strcmp (operator, "$nor") == 0)
    return combine (self, operator, json_node_get_array (argument), value);
  if (strcmp (operator, "$not") == 0)
    return !matches (self, argument, value);
  if (strcmp (operator, "$exists") == 0)
    return json_node_get_boolean (argument) == (value != NULL);
  if (value == NULL)
    return FALSE;
  if (strcmp (operator, "$eq") == 0)
    return collate (value, argument) == 0;
  if (strcmp (operator, "$ne") == 0)
    return collate (value, argument) != 0;
  if (strcmp (operator, "$gt") == 0)
    return collate (value, argument) > 0;
  if (strcmp (operator, "$gte") == 0)
    return collate (value, argument) >= 0;
  if (strcmp (operator, "$lt") == 0)
    return collate (value, argument) < 0;
  if (strcmp (operator, "$lte") == 0)
    return collate (value, argument) <= 0;
  if (strcmp (operator, "$in") == 0)
    return contains_arguments (value, json_node_get_array (argument), FALSE);
  if (strcmp (operator, "$nin") == 0)
    return !contains_arguments (value, json_node_get_array (argument), FALSE);
  if (strcmp (operator, "$all") == 0)
    return contains_arguments (value, json_node_get_array (argument), TRUE);
  if (strcmp (operator, "$type") == 0)
    return strcmp (type_name (value), json_node_get_string (argument)) == 0;
  if (strcmp (operator, "$size") == 0)
    return JSON_NODE_HOLDS_ARRAY (value) &&
           json_array_get_length (json_node_get_array (value)) == (guint64) json_node_get_int (argument);
  if (strcmp (operator, "$beginsWith") == 0)
    return holds (value, G_TYPE_STRING) && g_str_has_prefix (json_node_get_string (value), json_node_get_string (argument));
  if (strcmp (operator, "$regex") == 0)
    return holds (value, G_TYPE_STRING) &&
           g_regex_match (g_hash_table_lookup (self->regexes, json_node_get_string (argument)),
                          json_node_get_string (value), 0, NULL);
  if (strcmp (operator, "$mod") == 0)
    {
      JsonArray *array = json_node_get_array (argument);
      gint64 divisor = json_array_get_int_element (array, 0);

      /* G_MININT64 % -1 overflows. */
      return holds (value, G_TYPE_INT64) &&
             (divisor == -1 ? 0 : json_node_get_int (value) % divisor) == json_array_get_int_element (array, 1);
    }
  if (strcmp (operator, "$elemMatch") == 0 || strcmp (operator, "$allMatch") == 0)
    return elements_match (self, argument, value, strcmp (operator, "$allMatch") == 0);
  if (strcmp (operator, "$keyMapMatch") == 0)
    return key_matches (self, argument, value);
  g_return_val_if_reached (FALSE);  /* checked by _syncobj_couch_selector_new() */
}

/* @condition (checked) holds for @value (NULL: missing). */
static gboolean
matches (SyncobjCouchSelector *self,
         JsonNode             *condition,
         JsonNode             *value)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  /* A value to equal; an object holds operators and fields, all to hold. */
  if (!JSON_NODE_HOLDS_OBJECT (condition))
    return value != NULL && collate (value, condition) == 0;
  json_object_iter_init_ordered (&iter, json_node_get_object (condition));
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      gboolean holds_here = name[0] == '$' ? operator_holds (self, name, member, value)
                                           : matches (self, member, field (value, name));

      if (!holds_here)
        return FALSE;
    }
  return TRUE;
}

gboolean
_syncobj_couch_selector_matches (SyncobjCouchSelector *self,
                                 JsonObject           *document)
{
  g_autoptr(JsonNode) root = json_node_init_object (json_node_alloc (), self->selector);
  g_autoptr(JsonNode) value = json_node_init_object (json_node_alloc (), document);

  return matches (self, root, value);
}
