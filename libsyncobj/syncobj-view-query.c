/* syncobj-view-query.c: member conditions, sort members and the JSON
 * description of a view
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-view-private.h"

#include <string.h>

/**
 * SyncobjCondition:
 *
 * An immutable test on a record's value, for [class@Syncobj.View].
 *
 * A member condition names a member path (`"done"`, or `"owner.name"` to
 * reach into nested objects), a [enum@Syncobj.ConditionOp] and a value.
 * Conditions combine with [ctor@Syncobj.Condition.new_and],
 * [ctor@Syncobj.Condition.new_or] and [ctor@Syncobj.Condition.new_not].
 *
 * ## Semantics
 *
 * - A record that lacks the member (or a step of its path) fails every
 *   test but `not`; `"!="` included.
 * - Comparisons (`=`, `!=`, `<`, `<=`, `>`, `>=`, `in`) hold only between
 *   values of the same JSON type: numbers with numbers (integers and
 *   doubles compare by value), strings with strings, booleans with
 *   booleans, `null` with `null`. `"n" = "5"` is false for `n` = 5, and
 *   so is `"n" != "5"`. The order comparisons take numbers and strings.
 * - Strings compare by the bytes of their UTF-8, which is Unicode code
 *   point order: `"B" < "a"`, `"Z" < "É"`. No locale is involved, so every
 *   process (and the server) sorts alike.
 * - `contains` looks for the value as a substring of a string member;
 *   `icontains` does the same after g_utf8_casefold() of both.
 * - `exists` holds for a member that is present, even `null`; `is_null`
 *   for a member that is present and `null`.
 *
 * The JSON form is `{"member": "owner.name", "op": "=", "value": "Ann"}`,
 * `{"and": [C, …]}`, `{"or": [C, …]}` or `{"not": C}`; see
 * [ctor@Syncobj.Condition.new_from_json].
 */

typedef enum {
  KIND_MEMBER,
  KIND_AND,
  KIND_OR,
  KIND_NOT,
} Kind;

struct _SyncobjCondition
{
  gatomicrefcount     ref_count;
  Kind                kind;
  SyncobjConditionOp  op;
  char              **path;      /* KIND_MEMBER */
  JsonNode           *value;     /* KIND_MEMBER, sealed; NULL for exists, is_null */
  char               *folded;    /* icontains: the value, case-folded */
  SyncobjViewScalar   scalar;    /* comparisons: the value as members are read (its string in value) */
  GPtrArray          *children;  /* KIND_AND, KIND_OR, KIND_NOT: SyncobjCondition */
};

G_DEFINE_BOXED_TYPE (SyncobjCondition, syncobj_condition, syncobj_condition_ref, syncobj_condition_unref)

static const char *const op_names[] = {
  [SYNCOBJ_CONDITION_OP_EQ] = "=",
  [SYNCOBJ_CONDITION_OP_NE] = "!=",
  [SYNCOBJ_CONDITION_OP_LT] = "<",
  [SYNCOBJ_CONDITION_OP_LE] = "<=",
  [SYNCOBJ_CONDITION_OP_GT] = ">",
  [SYNCOBJ_CONDITION_OP_GE] = ">=",
  [SYNCOBJ_CONDITION_OP_CONTAINS] = "contains",
  [SYNCOBJ_CONDITION_OP_ICONTAINS] = "icontains",
  [SYNCOBJ_CONDITION_OP_IN] = "in",
  [SYNCOBJ_CONDITION_OP_EXISTS] = "exists",
  [SYNCOBJ_CONDITION_OP_IS_NULL] = "is_null",
};

/* ---- values ---------------------------------------------------------------- */

typedef SyncobjViewValueClass ValueClass;

#define CLASS_NULL    SYNCOBJ_VIEW_CLASS_NULL
#define CLASS_NUMBER  SYNCOBJ_VIEW_CLASS_NUMBER
#define CLASS_STRING  SYNCOBJ_VIEW_CLASS_STRING
#define CLASS_OTHER   SYNCOBJ_VIEW_CLASS_OTHER
#define CLASS_MISSING SYNCOBJ_VIEW_CLASS_MISSING

static ValueClass
value_class (JsonNode *node)
{
  SyncobjViewScalar scalar;

  _syncobj_view_scalar_from_node (node, &scalar);
  return scalar.class == CLASS_MISSING ? CLASS_OTHER : scalar.class;
}

gboolean
_syncobj_view_key_is_integer (const char *key,
                              gint64     *value)
{
  const char *p = key;
  guint64 magnitude = 0;
  gboolean negative = *p == '-';

  if (negative)
    p++;
  if (*p < '0' || *p > '9' || (*p == '0' && (p[1] != '\0' || negative)))
    return FALSE;   /* empty, not a digit, a leading zero or "-0" */

  for (; *p != '\0'; p++)
    {
      if (*p < '0' || *p > '9')
        return FALSE;
      if (magnitude > (G_MAXUINT64 - 9) / 10)
        return FALSE;
      magnitude = magnitude * 10 + (guint64) (*p - '0');
      if (magnitude > (guint64) G_MAXINT64 + (negative ? 1 : 0))
        return FALSE;
    }

  *value = negative ? (gint64) (0 - magnitude) : (gint64) magnitude;
  return TRUE;
}

/* ---- member paths ------------------------------------------------------------ */

char **
_syncobj_view_path_parse (const char  *member,
                          GError     **error)
{
  g_auto(GStrv) path = NULL;

  if (member == NULL || *member == '\0')
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
                   _("A member name is empty"));
      return NULL;
    }

  path = g_strsplit (member, ".", -1);
  for (guint i = 0; path[i] != NULL; i++)
    if (path[i][0] == '\0')
      {
        g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
                     _("“%s” is not a member path: a step is empty"), member);
        return NULL;
      }

  return g_steal_pointer (&path);
}

/* ---- conditions ------------------------------------------------------------- */

static SyncobjCondition *
condition_alloc (Kind kind)
{
  SyncobjCondition *self = g_new0 (SyncobjCondition, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->kind = kind;
  return self;
}

/**
 * syncobj_condition_ref:
 * @self: a condition
 *
 * Takes a reference.
 *
 * Returns: (transfer full): @self
 */
SyncobjCondition *
syncobj_condition_ref (SyncobjCondition *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * syncobj_condition_unref:
 * @self: (transfer full): a condition
 *
 * Drops a reference.
 */
void
syncobj_condition_unref (SyncobjCondition *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_strfreev (self->path);
  g_clear_pointer (&self->value, json_node_unref);
  g_free (self->folded);
  g_clear_pointer (&self->children, g_ptr_array_unref);
  g_free (self);
}

static gboolean
is_scalar (JsonNode *node)
{
  return value_class (node) != CLASS_OTHER;
}

/* Checks that @value fits @op; @member names the condition in errors. */
static gboolean
check_value (SyncobjConditionOp   op,
             JsonNode            *value,
             GError             **error)
{
  const char *name = op_names[op];
  ValueClass class;

  if (op == SYNCOBJ_CONDITION_OP_EXISTS || op == SYNCOBJ_CONDITION_OP_IS_NULL)
    {
      if (value == NULL)
        return TRUE;
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
                   _("Operator “%s” takes no value"), name);
      return FALSE;
    }

  if (value == NULL)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
                   _("Operator “%s” needs a value"), name);
      return FALSE;
    }

  class = value_class (value);
  switch (op)
    {
    case SYNCOBJ_CONDITION_OP_EQ:
    case SYNCOBJ_CONDITION_OP_NE:
      if (class != CLASS_OTHER)
        return TRUE;
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
                   _("Operator “%s” takes a string, number, boolean or null value, not a value of type %s"),
                   name, _syncobj_json_kind (value));
      return FALSE;

    case SYNCOBJ_CONDITION_OP_LT:
    case SYNCOBJ_CONDITION_OP_LE:
    case SYNCOBJ_CONDITION_OP_GT:
    case SYNCOBJ_CONDITION_OP_GE:
      if (class == CLASS_NUMBER || class == CLASS_STRING)
        return TRUE;
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
                   _("Operator “%s” takes a number or a string, not a value of type %s"),
                   name, _syncobj_json_kind (value));
      return FALSE;

    case SYNCOBJ_CONDITION_OP_CONTAINS:
    case SYNCOBJ_CONDITION_OP_ICONTAINS:
      if (class == CLASS_STRING)
        return TRUE;
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
                   _("Operator “%s” takes a string, not a value of type %s"),
                   name, _syncobj_json_kind (value));
      return FALSE;

    case SYNCOBJ_CONDITION_OP_IN:
      if (!JSON_NODE_HOLDS_ARRAY (value))
        {
          g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
                       _("Operator “%s” takes an array, not a value of type %s"),
                       name, _syncobj_json_kind (value));
          return FALSE;
        }
      for (guint i = 0; i < json_array_get_length (json_node_get_array (value)); i++)
        {
          JsonNode *element = json_array_get_element (json_node_get_array (value), i);

          if (!is_scalar (element))
            {
              g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
                           _("Operator “%s” takes an array of strings, numbers, booleans or nulls, not one holding a value of type %s"),
                           name, _syncobj_json_kind (element));
              return FALSE;
            }
        }
      return TRUE;

    case SYNCOBJ_CONDITION_OP_EXISTS:
    case SYNCOBJ_CONDITION_OP_IS_NULL:
    default:
      g_assert_not_reached ();
    }
}

/**
 * syncobj_condition_new:
 * @member: a member path: a member name, or names joined by `.` to reach
 *   into nested objects (`"owner.name"`)
 * @op: the operator
 * @value: (nullable): the value to compare with: a string, number, boolean
 *   or null for comparisons, a string for `contains` and `icontains`, an
 *   array of those for `in`, %NULL for `exists` and `is_null`
 * @error: return location for a #GError
 *
 * Makes a member condition. @value is copied.
 *
 * Returns: (transfer full): a new condition, or %NULL with
 *   %SYNCOBJ_ERROR_INVALID_VIEW when @member is not a path or @value does
 *   not fit @op
 */
SyncobjCondition *
syncobj_condition_new (const char          *member,
                       SyncobjConditionOp   op,
                       JsonNode            *value,
                       GError             **error)
{
  g_auto(GStrv) path = NULL;
  SyncobjCondition *self;

  g_return_val_if_fail ((guint) op <= SYNCOBJ_CONDITION_OP_IS_NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  path = _syncobj_view_path_parse (member, error);
  if (path == NULL || !check_value (op, value, error))
    return NULL;

  self = condition_alloc (KIND_MEMBER);
  self->op = op;
  self->path = g_steal_pointer (&path);
  if (value != NULL)
    {
      self->value = json_node_copy (value);
      json_node_seal (self->value);
      _syncobj_view_scalar_from_node (self->value, &self->scalar);
    }
  if (op == SYNCOBJ_CONDITION_OP_ICONTAINS)
    self->folded = g_utf8_casefold (json_node_get_string (value), -1);
  return self;
}

static SyncobjCondition *
condition_new_pair (Kind              kind,
                    SyncobjCondition *first,
                    SyncobjCondition *second)
{
  SyncobjCondition *self = condition_alloc (kind);

  self->children = g_ptr_array_new_with_free_func ((GDestroyNotify) syncobj_condition_unref);
  g_ptr_array_add (self->children, first);
  if (second != NULL)
    g_ptr_array_add (self->children, second);
  return self;
}

/**
 * syncobj_condition_new_and: (constructor)
 * @first: (transfer full): a condition
 * @second: (transfer full): another condition
 *
 * Makes a condition that holds when both hold.
 *
 * Returns: (transfer full): a new condition
 */
SyncobjCondition *
syncobj_condition_new_and (SyncobjCondition *first,
                           SyncobjCondition *second)
{
  g_return_val_if_fail (first != NULL && second != NULL, NULL);
  return condition_new_pair (KIND_AND, first, second);
}

/**
 * syncobj_condition_new_or: (constructor)
 * @first: (transfer full): a condition
 * @second: (transfer full): another condition
 *
 * Makes a condition that holds when either holds.
 *
 * Returns: (transfer full): a new condition
 */
SyncobjCondition *
syncobj_condition_new_or (SyncobjCondition *first,
                          SyncobjCondition *second)
{
  g_return_val_if_fail (first != NULL && second != NULL, NULL);
  return condition_new_pair (KIND_OR, first, second);
}

/**
 * syncobj_condition_new_not: (constructor)
 * @condition: (transfer full): a condition
 *
 * Makes a condition that holds when @condition does not.
 *
 * Returns: (transfer full): a new condition
 */
SyncobjCondition *
syncobj_condition_new_not (SyncobjCondition *condition)
{
  g_return_val_if_fail (condition != NULL, NULL);
  return condition_new_pair (KIND_NOT, condition, NULL);
}

static gboolean
member_matches (SyncobjCondition        *self,
                const SyncobjViewScalar *member)
{
  SyncobjViewScalar value;

  if (member->class == CLASS_MISSING)
    return FALSE;

  switch (self->op)
    {
    case SYNCOBJ_CONDITION_OP_EXISTS:
      return TRUE;
    case SYNCOBJ_CONDITION_OP_IS_NULL:
      return member->class == CLASS_NULL;
    case SYNCOBJ_CONDITION_OP_CONTAINS:
      {
        const char *needle = json_node_get_string (self->value);

        return member->class == CLASS_STRING &&
               (*needle == '\0' || g_strstr_len (member->string, (gssize) member->length, needle) != NULL);
      }
    case SYNCOBJ_CONDITION_OP_ICONTAINS:
      {
        g_autofree char *folded = NULL;

        if (member->class != CLASS_STRING)
          return FALSE;
        folded = g_utf8_casefold (member->string, (gssize) member->length);
        return strstr (folded, self->folded) != NULL;
      }
    case SYNCOBJ_CONDITION_OP_IN:
      {
        JsonArray *set = json_node_get_array (self->value);

        for (guint i = 0; i < json_array_get_length (set); i++)
          {
            _syncobj_view_scalar_from_node (json_array_get_element (set, i), &value);
            if (value.class == member->class && _syncobj_view_compare_scalars (member, &value) == 0)
              return TRUE;
          }
        return FALSE;
      }
    case SYNCOBJ_CONDITION_OP_EQ:
    case SYNCOBJ_CONDITION_OP_NE:
    case SYNCOBJ_CONDITION_OP_LT:
    case SYNCOBJ_CONDITION_OP_LE:
    case SYNCOBJ_CONDITION_OP_GT:
    case SYNCOBJ_CONDITION_OP_GE:
    default:
      break;
    }

  /* A comparison's value, read once when the condition was made. */
  if (member->class != self->scalar.class)
    return FALSE;

  {
    int c = _syncobj_view_compare_scalars (member, &self->scalar);

    switch (self->op)
      {
      case SYNCOBJ_CONDITION_OP_EQ: return c == 0;
      case SYNCOBJ_CONDITION_OP_NE: return c != 0;
      case SYNCOBJ_CONDITION_OP_LT: return c < 0;
      case SYNCOBJ_CONDITION_OP_LE: return c <= 0;
      case SYNCOBJ_CONDITION_OP_GT: return c > 0;
      case SYNCOBJ_CONDITION_OP_GE: return c >= 0;
      default: g_assert_not_reached ();
      }
  }
}

void
_syncobj_condition_collect_members (SyncobjCondition *self,
                                    GPtrArray        *names)
{
  if (self->kind != KIND_MEMBER)
    {
      for (guint i = 0; i < self->children->len; i++)
        _syncobj_condition_collect_members (g_ptr_array_index (self->children, i), names);
      return;
    }

  for (guint i = 0; i < names->len; i++)
    if (strcmp (g_ptr_array_index (names, i), self->path[0]) == 0)
      return;
  g_ptr_array_add (names, self->path[0]);
}

gboolean
_syncobj_condition_matches_value (SyncobjCondition       *self,
                                  const SyncobjViewValue *value)
{
  /* The depth of a condition is bounded by that of its JSON text (or by
   * the program that built it), so recursion is. */
  switch (self->kind)
    {
    case KIND_MEMBER:
      {
        g_autofree char *scratch = NULL;
        SyncobjViewScalar member;

        if (value->object == NULL && value->packed == NULL)
          return FALSE;
        _syncobj_view_value_get (value, self->path, &scratch, &member);
        return member_matches (self, &member);
      }
    case KIND_AND:
      for (guint i = 0; i < self->children->len; i++)
        if (!_syncobj_condition_matches_value (g_ptr_array_index (self->children, i), value))
          return FALSE;
      return TRUE;
    case KIND_OR:
      for (guint i = 0; i < self->children->len; i++)
        if (_syncobj_condition_matches_value (g_ptr_array_index (self->children, i), value))
          return TRUE;
      return FALSE;
    case KIND_NOT:
      return !_syncobj_condition_matches_value (g_ptr_array_index (self->children, 0), value);
    default:
      g_assert_not_reached ();
    }
}

/**
 * syncobj_condition_matches:
 * @self: a condition
 * @value: (nullable): a record's value
 *
 * Tests @value, as a [class@Syncobj.View] does. A %NULL value (no record)
 * matches nothing but `not` conditions.
 *
 * Returns: whether @self holds for @value
 */
gboolean
syncobj_condition_matches (SyncobjCondition *self,
                           JsonObject       *value)
{
  SyncobjViewValue of = { value, NULL };

  g_return_val_if_fail (self != NULL, FALSE);
  return _syncobj_condition_matches_value (self, &of);
}

/* ---- JSON ---------------------------------------------------------------------- */

static SyncobjCondition *condition_from_node (JsonNode *node, GError **error);

static gboolean
op_parse (JsonNode            *node,
          SyncobjConditionOp  *op,
          GError             **error)
{
  const char *name;

  if (node == NULL || value_class (node) != CLASS_STRING)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
                   _("A member condition needs an “op”, a string, not a value of type %s"),
                   _syncobj_json_kind (node));
      return FALSE;
    }

  name = json_node_get_string (node);
  for (guint i = 0; i < G_N_ELEMENTS (op_names); i++)
    if (strcmp (name, op_names[i]) == 0)
      {
        *op = i;
        return TRUE;
      }

  g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
               _("Unknown operator “%s”"), name);
  return FALSE;
}

static SyncobjCondition *
member_condition_from_object (JsonObject  *object,
                              GError     **error)
{
  JsonNode *member = json_object_get_member (object, "member");
  SyncobjConditionOp op;
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &node))
    if (strcmp (name, "member") != 0 && strcmp (name, "op") != 0 && strcmp (name, "value") != 0)
      {
        g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
                     _("Unknown member “%s” in a member condition"), name);
        return NULL;
      }

  if (value_class (member) != CLASS_STRING)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
                   _("“member” must be a string, not a value of type %s"), _syncobj_json_kind (member));
      return NULL;
    }
  if (!op_parse (json_object_get_member (object, "op"), &op, error))
    return NULL;

  return syncobj_condition_new (json_node_get_string (member), op,
                                json_object_get_member (object, "value"), error);
}

static SyncobjCondition *
list_condition_from_node (Kind         kind,
                          const char  *name,
                          JsonNode    *node,
                          GError     **error)
{
  g_autoptr(SyncobjCondition) self = NULL;
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (json_node_get_array (node)) == 0)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
                   _("“%s” takes a non-empty array of conditions, not a value of type %s"),
                   name, JSON_NODE_HOLDS_ARRAY (node) ? _("empty array") : _syncobj_json_kind (node));
      return NULL;
    }

  array = json_node_get_array (node);
  self = condition_alloc (kind);
  self->children = g_ptr_array_new_full (json_array_get_length (array),
                                         (GDestroyNotify) syncobj_condition_unref);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      SyncobjCondition *child = condition_from_node (json_array_get_element (array, i), error);

      if (child == NULL)
        return NULL;
      g_ptr_array_add (self->children, child);
    }

  return g_steal_pointer (&self);
}

static SyncobjCondition *
condition_from_node (JsonNode  *node,
                     GError   **error)
{
  JsonObject *object;
  const char *name;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
                   _("A condition must be an object, not a value of type %s"), _syncobj_json_kind (node));
      return NULL;
    }

  object = json_node_get_object (node);
  if (json_object_has_member (object, "member"))
    return member_condition_from_object (object, error);

  /* {"op": "exists"}: the member is what is missing, not "op" unknown. */
  if (json_object_get_size (object) != 1 || json_object_has_member (object, "op") ||
      json_object_has_member (object, "value"))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
                   _("A condition needs “member”, or exactly one of “and”, “or” and “not”"));
      return NULL;
    }

  {
    g_autoptr(GList) names = json_object_get_members (object);
    name = names->data;
  }
  node = json_object_get_member (object, name);

  if (strcmp (name, "and") == 0)
    return list_condition_from_node (KIND_AND, name, node, error);
  if (strcmp (name, "or") == 0)
    return list_condition_from_node (KIND_OR, name, node, error);
  if (strcmp (name, "not") == 0)
    {
      SyncobjCondition *child = condition_from_node (node, error);

      return child != NULL ? syncobj_condition_new_not (child) : NULL;
    }

  g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
               _("Unknown member “%s” in a condition"), name);
  return NULL;
}

/* Parses JSON text whose root must be an object, with the nesting limit
 * and checks of every parser of outside data. */
static JsonNode *
parse_root (const char  *json,
            gssize       length,
            GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) parse_error = NULL;
  JsonNode *root;

  if (!_syncobj_json_check_text (json, length, SYNCOBJ_ERROR_INVALID_VIEW, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, json, length, &parse_error))
    {
      g_autofree char *message = _syncobj_json_error_message (parse_error, json, length);

      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
                   _("Invalid JSON: %s"), message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
                           _("Expected a JSON object, got empty text"));
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
                   _("Expected a JSON object, got %s"), _syncobj_json_kind (root));
      return NULL;
    }

  return json_node_ref (root);
}

/**
 * syncobj_condition_new_from_json:
 * @json: JSON text of a condition
 * @error: return location for a #GError
 *
 * Parses a condition written as in a view description:
 * `{"member": PATH, "op": OP, "value": V}` (no `"value"` for `"exists"`
 * and `"is_null"`), `{"and": [C, …]}`, `{"or": [C, …]}` or
 * `{"not": C}`, OP being one of `"="`, `"!="`, `"<"`, `"<="`, `">"`,
 * `">="`, `"contains"`, `"icontains"`, `"in"`, `"exists"`, `"is_null"`.
 *
 * Returns: (transfer full): a new condition, or %NULL with
 *   %SYNCOBJ_ERROR_INVALID_VIEW naming the member, operator or value type
 *   at fault
 */
SyncobjCondition *
syncobj_condition_new_from_json (const char  *json,
                                 GError     **error)
{
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  root = parse_root (json, -1, error);
  return root != NULL ? condition_from_node (root, error) : NULL;
}

/* ---- sort members ----------------------------------------------------------- */

static void
sort_member_clear (gpointer data)
{
  g_strfreev (((SyncobjSortMember *) data)->path);
}

GArray *
_syncobj_sort_members_parse (const char * const  *order_by,
                             GError             **error)
{
  g_autoptr(GArray) members = g_array_new (FALSE, TRUE, sizeof (SyncobjSortMember));

  g_array_set_clear_func (members, sort_member_clear);
  for (guint i = 0; order_by != NULL && order_by[i] != NULL; i++)
    {
      SyncobjSortMember member = { NULL, order_by[i][0] == '-' };

      member.path = _syncobj_view_path_parse (order_by[i] + (member.descending ? 1 : 0), error);
      if (member.path == NULL)
        {
          g_prefix_error (error, _("Sort member “%s”: "), order_by[i]);
          return NULL;
        }
      g_array_append_val (members, member);
    }

  return g_steal_pointer (&members);
}

/* ---- view descriptions ------------------------------------------------------- */

void
_syncobj_view_query_clear (SyncobjViewQuery *query)
{
  g_clear_pointer (&query->where, syncobj_condition_unref);
  g_clear_pointer (&query->order_by, g_strfreev);
}

static gboolean
order_by_parse (JsonNode          *node,
                SyncobjViewQuery  *query,
                GError           **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) order_by = NULL;
  g_autoptr(GArray) check = NULL;
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
                   _("“order_by” must be an array of member names, not a value of type %s"),
                   _syncobj_json_kind (node));
      return FALSE;
    }

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (value_class (element) != CLASS_STRING)
        {
          g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
                       _("“order_by” must be an array of member names, not one holding a value of type %s"),
                       _syncobj_json_kind (element));
          return FALSE;
        }
      g_strv_builder_add (builder, json_node_get_string (element));
    }

  order_by = g_strv_builder_end (builder);
  check = _syncobj_sort_members_parse ((const char * const *) order_by, error);
  if (check == NULL)
    return FALSE;

  query->order_by = g_steal_pointer (&order_by);
  return TRUE;
}

static gboolean
count_parse (const char  *name,
             JsonNode    *node,
             guint       *count,
             GError     **error)
{
  if (value_class (node) != CLASS_NUMBER || json_node_get_value_type (node) != G_TYPE_INT64 ||
      json_node_get_int (node) < 0 || json_node_get_int (node) >= G_MAXUINT)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
                   _("“%s” must be an integer from 0 to %u"), name, G_MAXUINT - 1);
      return FALSE;
    }

  *count = (guint) json_node_get_int (node);
  return TRUE;
}

static gboolean
pending_parse (JsonNode              *node,
               SyncobjPendingFilter  *pending,
               GError               **error)
{
  const char *text = value_class (node) == CLASS_STRING ? json_node_get_string (node) : NULL;

  if (g_strcmp0 (text, "only") == 0)
    *pending = SYNCOBJ_PENDING_FILTER_ONLY;
  else if (g_strcmp0 (text, "exclude") == 0)
    *pending = SYNCOBJ_PENDING_FILTER_EXCLUDE;
  else if (text != NULL)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
                   _("“pending” must be “only” or “exclude”, not “%s”"), text);
      return FALSE;
    }
  else
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
                   _("“pending” must be “only” or “exclude”, not a value of type %s"),
                   _syncobj_json_kind (node));
      return FALSE;
    }
  return TRUE;
}

static gboolean
query_member_parse (const char        *name,
                    JsonNode          *node,
                    SyncobjViewQuery  *query,
                    GError           **error)
{
  static const char *const members[] = { "where", "order_by", "offset", "limit", "pending" };

  /* A member given as null is not given: JSON.stringify ({limit: null})
   * and json.dumps ({"limit": None}) write an unset option that way. */
  if (JSON_NODE_HOLDS_NULL (node))
    for (guint i = 0; i < G_N_ELEMENTS (members); i++)
      if (strcmp (name, members[i]) == 0)
        return TRUE;

  if (strcmp (name, "where") == 0)
    return (query->where = condition_from_node (node, error)) != NULL;
  if (strcmp (name, "order_by") == 0)
    return order_by_parse (node, query, error);
  if (strcmp (name, "offset") == 0)
    return count_parse (name, node, &query->offset, error);
  if (strcmp (name, "limit") == 0)
    return count_parse (name, node, &query->limit, error);
  if (strcmp (name, "pending") == 0)
    return pending_parse (node, &query->pending, error);

  g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
               _("Unknown member “%s” in a view description"), name);
  return FALSE;
}

/* Parses a view description; on error, @query is left cleared. */
gboolean
_syncobj_view_query_parse (const char        *json,
                           gssize             length,
                           SyncobjViewQuery  *query,
                           GError           **error)
{
  g_autoptr(JsonNode) root = NULL;
  SyncobjViewQuery init = SYNCOBJ_VIEW_QUERY_INIT;
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  g_return_val_if_fail (json != NULL, FALSE);

  *query = init;
  root = parse_root (json, length, error);
  if (root == NULL)
    return FALSE;

  json_object_iter_init (&iter, json_node_get_object (root));
  while (json_object_iter_next (&iter, &name, &node))
    if (!query_member_parse (name, node, query, error))
      {
        _syncobj_view_query_clear (query);
        return FALSE;
      }

  return TRUE;
}
