/* syncobj-json.c: small helpers around json-glib shared by every file
 *
 * Records and change sets are sealed JsonObjects: immutable snapshots that
 * can be shared between the synced state, the overlay and the UI without
 * copying.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-private.h"

#include <errno.h>
#include <math.h>
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

  if (!_syncobj_json_check_text (json, length, SYNCOBJ_ERROR_INVALID_RECORD, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, json, length, &parse_error))
    {
      g_autofree char *message = _syncobj_json_error_message (parse_error);

      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                   _("Invalid JSON: %s"), message);
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

/* ---- checks on outside data ---------------------------------------------- */

/* The deepest nesting of arrays and objects libsyncobj accepts. json-glib
 * parses, copies, compares and frees JSON recursively, so text nested a
 * hundred thousand levels deep would overflow the stack; real records are
 * nowhere near this. */
#define MAX_DEPTH 512

/* Longest number token quoted back in an error message. */
#define MAX_QUOTED_NUMBER 40

/* json-glib 1.6 writes a double with "%.17g" and appends ".0" when there is
 * no '.', so 1e20 comes out as "1e+20.0" and 3e-24 as "3e-24.0", which are
 * not JSON: a record holding one could be neither stored nor sent. Only
 * numbers that "%.17g" writes with an exponent are at risk. */
static gboolean
double_writes_back (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (value))
    return FALSE;
  if (value == 0.0 || (fabs (value) >= 1e-4 && fabs (value) < 1e17))
    return TRUE;

  g_ascii_dtostr (buffer, sizeof buffer, value);
  return strchr (buffer, '.') != NULL || strpbrk (buffer, "eE") == NULL;
}

static gboolean
check_number_token (const char  *start,
                    gsize        length,
                    int          error_code,
                    GError     **error)
{
  g_autofree char *token = g_strndup (start, length);
  gboolean integer = strpbrk (token, ".eE") == NULL;
  gboolean in_range;

  errno = 0;
  if (integer)
    {
      /* json-glib stores integers as gint64 and silently turns larger ones
       * into -1 or G_MAXINT64: refuse them rather than change the value. */
      (void) g_ascii_strtoll (token, NULL, 10);
      in_range = errno != ERANGE;
    }
  else
    {
      /* 1e999 would become infinity, which JSON cannot write back. */
      in_range = double_writes_back (g_ascii_strtod (token, NULL));
    }

  if (!in_range)
    {
      g_set_error (error, SYNCOBJ_ERROR, error_code,
                   _("Number %.*s%s is out of range"),
                   (int) MIN (length, MAX_QUOTED_NUMBER), start,
                   length > MAX_QUOTED_NUMBER ? "…" : "");
      return FALSE;
    }

  return TRUE;
}

static gboolean
read_hex4 (const char *p,
           const char *end,
           guint32    *unit)
{
  *unit = 0;
  if (end - p < 4)
    return FALSE;
  for (int i = 0; i < 4; i++)
    {
      int digit = g_ascii_xdigit_value (p[i]);

      if (digit < 0)
        return FALSE;
      *unit = *unit << 4 | digit;
    }
  return TRUE;
}

/* Checks the escape at *@p (a backslash) and moves *@p to its last byte.
 * json-glib takes "\u" with fewer than four hex digits and unpaired
 * surrogates, and makes invalid UTF-8 of them; "\u0000" is valid JSON
 * but would cut the C string short. */
static gboolean
check_escape (const char **p,
              const char  *end,
              int          error_code,
              GError     **error)
{
  const char *escape = *p;
  guint32 unit;
  guint32 low;

  if (end - escape < 2)
    return TRUE;   /* unterminated: the parser says so */

  if (escape[1] != 'u')
    {
      if (strchr ("\"\\/bfnrt", escape[1]) == NULL || escape[1] == '\0')
        goto invalid;
      *p = escape + 1;
      return TRUE;
    }

  if (!read_hex4 (escape + 2, end, &unit))
    goto invalid;

  if (unit == 0)
    {
      g_set_error (error, SYNCOBJ_ERROR, error_code,
                   _("JSON strings must not contain a NUL character (\\u0000)"));
      return FALSE;
    }

  if (unit >= 0xDC00 && unit <= 0xDFFF)
    goto invalid;

  if (unit >= 0xD800 && unit <= 0xDBFF)
    {
      /* A high surrogate needs a low one right after it. */
      if (end - escape < 12 || escape[6] != '\\' || escape[7] != 'u' ||
          !read_hex4 (escape + 8, end, &low) || low < 0xDC00 || low > 0xDFFF)
        goto invalid;
      *p = escape + 11;
      return TRUE;
    }

  *p = escape + 5;
  return TRUE;

invalid:
  g_set_error (error, SYNCOBJ_ERROR, error_code,
               _("Invalid escape sequence in a JSON string"));
  return FALSE;
}

gboolean
_syncobj_json_check_text (const char  *json,
                          gssize       length,
                          int          error_code,
                          GError     **error)
{
  const char *p;
  const char *end;
  guint depth = 0;

  g_return_val_if_fail (json != NULL, FALSE);

  end = json + (length < 0 ? strlen (json) : (gsize) length);

  for (p = json; p < end; p++)
    {
      switch (*p)
        {
        case '[':
        case '{':
          if (++depth > MAX_DEPTH)
            {
              g_set_error (error, SYNCOBJ_ERROR, error_code,
                           _("JSON is nested more than %u levels deep"), MAX_DEPTH);
              return FALSE;
            }
          break;

        case ']':
        case '}':
          if (depth > 0)
            depth--;
          break;

        case '"':
          /* Skip the string; the parser checks the rest of its syntax and
           * its encoding, but not its escapes. */
          for (p++; p < end && *p != '"'; p++)
            {
              if (*p != '\\')
                continue;
              if (!check_escape (&p, end, error_code, error))
                return FALSE;
            }
          break;

        case '-':
        case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9':
          {
            const char *start = p;

            while (p + 1 < end && strchr ("0123456789+-.eE", p[1]) != NULL && p[1] != '\0')
              p++;
            if (!check_number_token (start, p - start + 1, error_code, error))
              return FALSE;
          }
          break;

        default:
          break;
        }
    }

  return TRUE;
}

static gboolean check_node (JsonNode *node, guint depth, int error_code, GError **error);

static gboolean
check_object (JsonObject  *object,
              guint        depth,
              int          error_code,
              GError     **error)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  if (depth > MAX_DEPTH)
    {
      g_set_error (error, SYNCOBJ_ERROR, error_code,
                   _("JSON is nested more than %u levels deep"), MAX_DEPTH);
      return FALSE;
    }

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &node))
    {
      if (!g_utf8_validate (name, -1, NULL))
        {
          g_set_error (error, SYNCOBJ_ERROR, error_code,
                       _("A member name is not valid UTF-8"));
          return FALSE;
        }
      if (!check_node (node, depth, error_code, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
check_node (JsonNode  *node,
            guint      depth,
            int        error_code,
            GError   **error)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      return check_object (json_node_get_object (node), depth + 1, error_code, error);

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint n = json_array_get_length (array);

        if (depth + 1 > MAX_DEPTH)
          {
            g_set_error (error, SYNCOBJ_ERROR, error_code,
                         _("JSON is nested more than %u levels deep"), MAX_DEPTH);
            return FALSE;
          }
        for (guint i = 0; i < n; i++)
          if (!check_node (json_array_get_element (array, i), depth + 1, error_code, error))
            return FALSE;
        return TRUE;
      }

    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_DOUBLE &&
          !double_writes_back (json_node_get_double (node)))
        {
          char buffer[G_ASCII_DTOSTR_BUF_SIZE];

          if (!isfinite (json_node_get_double (node)))
            g_set_error (error, SYNCOBJ_ERROR, error_code,
                         _("JSON numbers must be finite (not NaN or infinity)"));
          else
            g_set_error (error, SYNCOBJ_ERROR, error_code,
                         _("Number %s is out of range"),
                         g_ascii_dtostr (buffer, sizeof buffer, json_node_get_double (node)));
          return FALSE;
        }
      if (json_node_get_value_type (node) == G_TYPE_STRING &&
          !g_utf8_validate (json_node_get_string (node), -1, NULL))
        {
          g_set_error (error, SYNCOBJ_ERROR, error_code,
                       _("A string is not valid UTF-8"));
          return FALSE;
        }
      return TRUE;

    case JSON_NODE_NULL:
    default:
      return TRUE;
    }
}

gboolean
_syncobj_json_check_object (JsonObject  *object,
                            int          error_code,
                            GError     **error)
{
  g_return_val_if_fail (object != NULL, FALSE);

  return check_object (object, 1, error_code, error);
}

char *
_syncobj_json_error_message (const GError *parse_error)
{
  /* json-glib quotes the offending bytes, which may not be UTF-8; a GError
   * message must be (bindings turn it into a native string). */
  return g_utf8_make_valid (parse_error->message, -1);
}
