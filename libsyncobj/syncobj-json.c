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

#ifdef G_OS_UNIX
#include <pthread.h>
#endif

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

      /* One pass: a member that @changes sets is set once, with its new
       * value, in @base's order; json-glib's replacing of a member costs
       * a second lookup and a list search. */
      json_object_iter_init_ordered (&iter, base);
      while (json_object_iter_next_ordered (&iter, &name, &node))
        {
          JsonNode *changed = json_object_get_member (changes, name);

          set_member_shared (merged, name, changed != NULL ? changed : node);
        }
      json_object_iter_init_ordered (&iter, changes);
      while (json_object_iter_next_ordered (&iter, &name, &node))
        if (!json_object_has_member (base, name))
          set_member_shared (merged, name, node);
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

/* The value @changes sets for @name, else the one of @base. */
static JsonNode *
updated_member (JsonObject *base,
                JsonObject *changes,
                const char *name)
{
  JsonNode *node = json_object_get_member (changes, name);

  return node != NULL ? node : json_object_get_member (base, name);
}

gboolean
_syncobj_json_same_update (JsonObject *base,
                           JsonObject *a,
                           JsonObject *b)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  /* Neither adds a member, so both merges list @base's members in its
   * order; they are the same when every member either sets has the same
   * value in both. */
  json_object_iter_init (&iter, a);
  while (json_object_iter_next (&iter, &name, &node))
    if (!json_object_has_member (base, name) || !nodes_identical (node, updated_member (base, b, name)))
      return FALSE;

  /* Members both set were compared above. */
  json_object_iter_init (&iter, b);
  while (json_object_iter_next (&iter, &name, &node))
    {
      JsonNode *base_node;

      if (json_object_has_member (a, name))
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
      g_autofree char *message = _syncobj_json_error_message (parse_error, json, length);

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
  const char *digits = start[0] == '-' ? start + 1 : start;
  gsize n_digits = length - (digits - start);
  gsize int_digits = 0;
  gboolean integer = TRUE;
  gboolean in_range;
  char buffer[64];
  g_autofree char *long_token = NULL;
  const char *token;

  for (gsize i = 0; i < n_digits; i++)
    {
      if (!g_ascii_isdigit (digits[i]))
        {
          integer = FALSE;
          break;
        }
      int_digits++;
    }

  /* The common cases need no conversion: integers of up to 18 digits fit
   * in a gint64, and a plain decimal of 1 up to 16 integer digits is
   * written back without an exponent. */
  if (integer && n_digits <= 18)
    return TRUE;
  if (!integer && int_digits > 0 && digits[int_digits] == '.' && int_digits <= 16 && digits[0] != '0' &&
      memchr (digits, 'e', n_digits) == NULL && memchr (digits, 'E', n_digits) == NULL)
    return TRUE;

  if (length < sizeof buffer)
    {
      memcpy (buffer, start, length);
      buffer[length] = '\0';
      token = buffer;
    }
  else
    token = long_token = g_strndup (start, length);

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
  gboolean root_closed = FALSE;

  g_return_val_if_fail (json != NULL, FALSE);

  end = json + (length < 0 ? strlen (json) : (gsize) length);

  for (p = json; p < end; p++)
    {
      /* json-glib refuses a second value after the root, but leaks the
       * first (json-glib 1.6.6); refuse it here instead. */
      if (root_closed && !g_ascii_isspace (*p))
        {
          g_set_error (error, SYNCOBJ_ERROR, error_code,
                       _("Unexpected text after the end of the JSON value"));
          return FALSE;
        }

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
          if (depth > 0 && --depth == 0)
            root_closed = TRUE;
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
        case '.':   /* json-glib also takes ".5" */
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
          /* true, false, null (or a typo): one token */
          if (g_ascii_isalpha (*p))
            while (p + 1 < end && g_ascii_isalnum (p[1]))
              p++;
          break;
        }

      /* A root that is not an object or an array ends with its token. */
      if (depth == 0 && p < end && !g_ascii_isspace (*p))
        root_closed = TRUE;
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

/* ---- a fast scanner and builder for JSON text ---------------------------
 *
 * json-glib's parser builds a tree of JsonNodes for a whole document; a
 * snapshot of many records only needs to be checked, split into records and
 * have each record's key read. The records are kept as compact JSON text
 * and built into JsonObjects when somebody asks for them. */

#define SCAN_MAX_DEPTH MAX_DEPTH

typedef struct
{
  const char *start;
  const char *end;
  const char *error_at;
  const char *error_what;
  guint       depth;
  /* Heap room for unescaping a member name or a key: reused for every
   * member and record, so that no stack use grows with the input. */
  char       *scratch;
  gsize       scratch_size;
} Scan;

/* Returns room for @size bytes in @scan's scratch buffer, growing it. */
static char *
scan_scratch (Scan  *scan,
              gsize  size)
{
  if (size > scan->scratch_size)
    {
      scan->scratch_size = MAX (size, 2 * scan->scratch_size);
      scan->scratch = g_realloc (scan->scratch, scan->scratch_size);
    }
  return scan->scratch;
}

static void
scan_clear (Scan *scan)
{
  g_clear_pointer (&scan->scratch, g_free);
  scan->scratch_size = 0;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Scan, scan_clear)

static inline const char *
skip_ws (const char *p,
         const char *end)
{
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
    p++;
  return p;
}

static const char *
scan_fail (Scan       *scan,
           const char *at,
           const char *what)
{
  if (scan->error_at == NULL)
    {
      scan->error_at = at;
      scan->error_what = what;
    }
  return NULL;
}

static inline gboolean
is_hex (char c)
{
  return g_ascii_isxdigit (c);
}

/* @p is at the opening quote; returns the position after the closing one. */
static const char *
scan_string (Scan       *scan,
             const char *p,
             gboolean   *escaped)
{
  const char *end = scan->end;

  *escaped = FALSE;
  for (p++; p < end; p++)
    {
      guchar c = (guchar) *p;

      if (c == '"')
        return p + 1;
      if (c < 0x20)
        return scan_fail (scan, p, "control character in a string");
      if (c == '\\')
        {
          *escaped = TRUE;
          if (++p >= end)
            break;
          switch (*p)
            {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
              break;
            case 'u':
              if (end - p < 5 || !is_hex (p[1]) || !is_hex (p[2]) || !is_hex (p[3]) || !is_hex (p[4]))
                return scan_fail (scan, p, "bad \\u escape");
              p += 4;
              break;
            default:
              return scan_fail (scan, p, "bad escape");
            }
        }
    }

  return scan_fail (scan, end, "unterminated string");
}

static const char *
scan_number (Scan       *scan,
             const char *p,
             gboolean   *is_double)
{
  const char *end = scan->end;

  *is_double = FALSE;
  if (p < end && *p == '-')
    p++;
  if (p >= end || !g_ascii_isdigit (*p))
    return scan_fail (scan, p, "bad number");
  if (*p == '0')
    p++;
  else
    while (p < end && g_ascii_isdigit (*p))
      p++;
  if (p < end && *p == '.')
    {
      *is_double = TRUE;
      p++;
      if (p >= end || !g_ascii_isdigit (*p))
        return scan_fail (scan, p, "bad number");
      while (p < end && g_ascii_isdigit (*p))
        p++;
    }
  if (p < end && (*p == 'e' || *p == 'E'))
    {
      *is_double = TRUE;
      p++;
      if (p < end && (*p == '+' || *p == '-'))
        p++;
      if (p >= end || !g_ascii_isdigit (*p))
        return scan_fail (scan, p, "bad number");
      while (p < end && g_ascii_isdigit (*p))
        p++;
    }
  return p;
}

static const char *
scan_literal (Scan       *scan,
              const char *p,
              const char *word)
{
  gsize len = strlen (word);

  if ((gsize) (scan->end - p) < len || memcmp (p, word, len) != 0)
    return scan_fail (scan, p, "unexpected character");
  return p + len;
}

static const char *scan_value  (Scan *scan, const char *p);
static gsize       unescape    (const char *p, const char *end, char *out);
static const char *string_end  (const char *p, const char *end, gboolean *escaped);
static char       *string_body (const char *p, const char *end, gboolean escaped,
                                char *buffer, gsize buffer_size);

/* @p is at '{'. With @key_member, the (last) member of that name is
 * reported through @key/@key_end/@key_escaped, and @key_kind tells what its
 * value was: 0 absent, 1 string, 2 anything else. */
static const char *
scan_object (Scan        *scan,
             const char  *p,
             const char  *key_member,
             gsize        key_member_len,
             const char **key,
             const char **key_end,
             gboolean    *key_escaped,
             int         *key_kind)
{
  const char *end = scan->end;

  if (++scan->depth > SCAN_MAX_DEPTH)
    return scan_fail (scan, p, "nested more than " G_STRINGIFY (SCAN_MAX_DEPTH) " levels deep");

  p = skip_ws (p + 1, end);
  if (p < end && *p == '}')
    {
      scan->depth--;
      return p + 1;
    }

  for (;;)
    {
      const char *name = p;
      const char *name_stop;
      const char *value;
      gboolean name_escaped;
      gboolean value_escaped = FALSE;

      if (p >= end || *p != '"')
        return scan_fail (scan, p, "expected a member name");
      p = scan_string (scan, p, &name_escaped);
      if (p == NULL)
        return NULL;
      name_stop = p - 1;
      p = skip_ws (p, end);
      if (p >= end || *p != ':')
        return scan_fail (scan, p, "expected ':'");
      p = skip_ws (p + 1, end);
      value = p;
      if (p < end && *p == '"')
        p = scan_string (scan, p, &value_escaped);
      else
        p = scan_value (scan, p);
      if (p == NULL)
        return NULL;

      if (key_member != NULL)
        {
          gsize name_len = (gsize) (name_stop - (name + 1));
          gboolean match;

          if (name_escaped)
            {
              char *unescaped = scan_scratch (scan, name_len + 1);

              match = unescape (name + 1, name_stop, unescaped) == key_member_len &&
                      memcmp (unescaped, key_member, key_member_len) == 0;
            }
          else
            match = name_len == key_member_len && memcmp (name + 1, key_member, name_len) == 0;

          if (match && *value == '"')
            {
              *key = value + 1;
              *key_end = p - 1;
              *key_escaped = value_escaped;
              *key_kind = 1;
            }
          else if (match)
            *key_kind = 2;
        }

      p = skip_ws (p, end);
      if (p < end && *p == ',')
        {
          p = skip_ws (p + 1, end);
          continue;
        }
      if (p < end && *p == '}')
        {
          scan->depth--;
          return p + 1;
        }
      return scan_fail (scan, p, "expected ',' or '}'");
    }
}

static const char *
scan_array (Scan       *scan,
            const char *p)
{
  const char *end = scan->end;

  if (++scan->depth > SCAN_MAX_DEPTH)
    return scan_fail (scan, p, "nested more than " G_STRINGIFY (SCAN_MAX_DEPTH) " levels deep");

  p = skip_ws (p + 1, end);
  if (p < end && *p == ']')
    {
      scan->depth--;
      return p + 1;
    }

  for (;;)
    {
      p = scan_value (scan, p);
      if (p == NULL)
        return NULL;
      p = skip_ws (p, end);
      if (p < end && *p == ',')
        {
          p = skip_ws (p + 1, end);
          continue;
        }
      if (p < end && *p == ']')
        {
          scan->depth--;
          return p + 1;
        }
      return scan_fail (scan, p, "expected ',' or ']'");
    }
}

static const char *
scan_value (Scan       *scan,
            const char *p)
{
  gboolean flag;

  if (p >= scan->end)
    return scan_fail (scan, p, "unexpected end");

  switch (*p)
    {
    case '"':
      return scan_string (scan, p, &flag);
    case '{':
      {
        const char *k = NULL, *k_end = NULL;
        gboolean k_escaped = FALSE;
        int k_kind = 0;

        return scan_object (scan, p, NULL, 0, &k, &k_end, &k_escaped, &k_kind);
      }
    case '[':
      return scan_array (scan, p);
    case 't':
      return scan_literal (scan, p, "true");
    case 'f':
      return scan_literal (scan, p, "false");
    case 'n':
      return scan_literal (scan, p, "null");
    default:
      return scan_number (scan, p, &flag);
    }
}

/* Writes the unescaped content of a valid JSON string body [@p, @end) to
 * @out (which has room for end - p bytes); returns the length written. */
static gsize
unescape (const char *p,
          const char *end,
          char       *out)
{
  char *o = out;

  while (p < end)
    {
      if (*p != '\\')
        {
          *o++ = *p++;
          continue;
        }
      p++;
      switch (*p++)
        {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u':
          {
            gunichar c = (gunichar) g_ascii_strtoull ((char[5]) { p[0], p[1], p[2], p[3], 0 }, NULL, 16);

            p += 4;
            if (c >= 0xD800 && c < 0xDC00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u')
              {
                gunichar low = (gunichar) g_ascii_strtoull ((char[5]) { p[2], p[3], p[4], p[5], 0 }, NULL, 16);

                if (low >= 0xDC00 && low < 0xE000)
                  {
                    c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
                    p += 6;
                  }
              }
            if ((c >= 0xD800 && c < 0xE000) || c == 0)
              c = 0xFFFD;
            /* A \uXXXX escape is 6 bytes; its UTF-8 form at most 4. */
            o += g_unichar_to_utf8 (c, o);
          }
          break;
        default:
          g_assert_not_reached ();
        }
    }

  return (gsize) (o - out);
}

gboolean
_syncobj_json_scan_records (const char          *text,
                            gsize                length,
                            const char          *key_member,
                            SyncobjJsonRecordFunc func,
                            gpointer             user_data,
                            GError             **error)
{
  g_auto(Scan) scan = { text, text + length, NULL, NULL, 0, NULL, 0 };
  g_autofree char *key_buffer = NULL;
  gsize key_buffer_size = 0;
  const char *end = text + length;
  gsize key_member_len = strlen (key_member);
  const char *p;
  gsize index = 0;

  if (!g_utf8_validate_len (text, length, &p))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                   _("Malformed snapshot: invalid UTF-8 at byte %lu"), (gulong) (p - text));
      return FALSE;
    }

  p = skip_ws (text, end);
  if (p >= end || *p != '[')
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                   _("A snapshot must be a JSON array of records"));
      return FALSE;
    }

  p = skip_ws (p + 1, end);
  if (p < end && *p == ']')
    p++;
  else
    for (;;)
      {
        const char *object = p;
        const char *key = NULL, *key_end = NULL;
        gboolean key_escaped = FALSE;
        int key_kind = 0;
        char *key_copy;
        gsize key_len;

        if (p >= end || *p != '{')
          {
            if (p < end && scan_value (&scan, p) != NULL)
              {
                g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                             _("Snapshot element %lu is not a JSON object"), (gulong) index);
                return FALSE;
              }
            scan_fail (&scan, p, "expected a value");
            break;
          }

        scan.depth = 1;
        p = scan_object (&scan, p, key_member, key_member_len, &key, &key_end, &key_escaped, &key_kind);
        if (p == NULL)
          break;

        if (key_kind == 0)
          {
            g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                         _("Snapshot element %lu: Record has no “%s” member"), (gulong) index, key_member);
            return FALSE;
          }
        if (key_kind != 1 || key == key_end)
          {
            g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                         _("Snapshot element %lu: Member “%s” of the record must be a non-empty string"),
                         (gulong) index, key_member);
            return FALSE;
          }

        /* The key is copied to heap room reused for every record: stack
         * room (alloca) would be freed only on return, and a snapshot of a
         * few hundred thousand records would overflow the stack. */
        if ((gsize) (key_end - key + 1) > key_buffer_size)
          {
            key_buffer_size = MAX ((gsize) (key_end - key + 1), 2 * key_buffer_size);
            key_buffer = g_realloc (key_buffer, key_buffer_size);
          }
        key_copy = key_buffer;
        key_len = key_escaped ? unescape (key, key_end, key_copy) : (gsize) (key_end - key);
        if (!key_escaped)
          memcpy (key_copy, key, key_len);
        key_copy[key_len] = '\0';
        if (key_len == 0 || strlen (key_copy) != key_len)
          {
            g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                         _("Snapshot element %lu: Member “%s” of the record must be a non-empty string"),
                         (gulong) index, key_member);
            return FALSE;
          }

        if (!func (index, object, (gsize) (p - object), key_copy, key_len, user_data, error))
          return FALSE;
        index++;

        p = skip_ws (p, end);
        if (p < end && *p == ',')
          {
            p = skip_ws (p + 1, end);
            continue;
          }
        if (p < end && *p == ']')
          {
            p++;
            break;
          }
        scan_fail (&scan, p, "expected ',' or ']'");
        p = NULL;
        break;
      }

  if (p != NULL)
    {
      p = skip_ws (p, end);
      if (p < end)
        scan_fail (&scan, p, "trailing characters after the array");
    }

  if (scan.error_at != NULL)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                   _("Malformed snapshot at byte %lu: %s"),
                   (gulong) (scan.error_at - text), scan.error_what);
      return FALSE;
    }

  return TRUE;
}

gsize
_syncobj_json_minify (const char *text,
                      gsize       length,
                      char       *out)
{
  const char *end = text + length;
  char *o = out;
  gboolean in_string = FALSE;

  for (const char *p = text; p < end; p++)
    {
      char c = *p;

      if (in_string)
        {
          *o++ = c;
          if (c == '\\')
            *o++ = *++p;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        {
          in_string = TRUE;
          *o++ = c;
        }
      else if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
        *o++ = c;
    }

  return (gsize) (o - out);
}

/* ---- comparing packed text with objects ----------------------------------- */

static void
write_string (GString    *out,
              const char *string)
{
  g_string_append_c (out, '"');
  for (const char *p = string; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c == '"' || c == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, c);
        }
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, c);
    }
  g_string_append_c (out, '"');
}

/* The decimal text of @value, as JSON writes it, in @buffer (no nul):
 * returns where it starts and sets *@length. */
#define INT64_TEXT_SIZE 24

static const char *
int64_to_text (gint64  value,
               char    buffer[INT64_TEXT_SIZE],
               gsize  *length)
{
  guint64 magnitude = value < 0 ? (guint64) 0 - (guint64) value : (guint64) value;
  int n = INT64_TEXT_SIZE;

  do
    buffer[--n] = (char) ('0' + magnitude % 10);
  while ((magnitude /= 10) != 0);
  if (value < 0)
    buffer[--n] = '-';
  *length = INT64_TEXT_SIZE - n;
  return buffer + n;
}

/* The compact text of one member value, as _syncobj_json_write_compact()
 * writes it. */
static void
write_node (GString  *out,
            JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_NULL:
      g_string_append (out, "null");
      break;
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_STRING:
          write_string (out, json_node_get_string (node));
          break;
        case G_TYPE_INT64:
          {
            char digits[INT64_TEXT_SIZE];
            gsize n;
            const char *text = int64_to_text (json_node_get_int (node), digits, &n);

            g_string_append_len (out, text, n);
          }
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
          break;
        default:
          {
            g_autofree char *text = json_to_string (node, FALSE);
            g_string_append (out, text);
          }
        }
      break;
    default:
      {
        g_autofree char *text = json_to_string (node, FALSE);
        g_string_append (out, text);
      }
    }
}

char *
_syncobj_json_write_compact (JsonObject *object)
{
  GString *out = g_string_sized_new (64);
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;
  gboolean first = TRUE;

  g_string_append_c (out, '{');
  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &name, &node))
    {
      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;
      write_string (out, name);
      g_string_append_c (out, ':');
      write_node (out, node);
    }
  g_string_append_c (out, '}');

  return g_string_free (out, FALSE);
}

/* Whether the text from @p to @end is what write_string (@string) or,
 * with @node, write_node (@node) writes. */
static gboolean
text_is_written (const char *p,
                 const char *end,
                 const char *string,
                 JsonNode   *node)
{
  g_autoptr(GString) out = g_string_sized_new ((gsize) (end - p) + 8);

  if (node != NULL)
    write_node (out, node);
  else
    write_string (out, string);
  return out->len == (gsize) (end - p) && memcmp (out->str, p, out->len) == 0;
}

/* Whether the text of one checked value, from @p to @end, is what
 * write_node (@node) writes; the common cases without writing. @escaped:
 * the text is a string with escapes. */
static gboolean
value_text_is (const char *p,
               const char *end,
               gboolean    escaped,
               JsonNode   *node)
{
  gsize length = (gsize) (end - p);

  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_NULL:
      return length == 4 && memcmp (p, "null", 4) == 0;
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_STRING:
          /* Without escapes the body is the string itself (text that
           * holds a quote, backslash or control character has some). */
          if (*p != '"')
            return FALSE;
          if (!escaped)
            {
              const char *string = json_node_get_string (node);

              return strncmp (p + 1, string, length - 2) == 0 && string[length - 2] == '\0';
            }
          break;
        case G_TYPE_INT64:
          {
            char digits[INT64_TEXT_SIZE];
            gsize n;
            const char *text = int64_to_text (json_node_get_int (node), digits, &n);

            return length == n && memcmp (p, text, length) == 0;
          }
        case G_TYPE_BOOLEAN:
          return json_node_get_boolean (node)
                 ? length == 4 && memcmp (p, "true", 4) == 0
                 : length == 5 && memcmp (p, "false", 5) == 0;
        default:
          break;
        }
      break;
    default:
      break;
    }

  return text_is_written (p, end, NULL, node);
}

gboolean
_syncobj_json_text_compare (const char *text,
                            JsonObject *object,
                            gboolean   *covers)
{
  g_auto(Scan) scan = { text, text + strlen (text), NULL, NULL, 0, NULL, 0 };
  const char *end = scan.end;
  const char *p = text;
  JsonObjectIter iter;
  guint matched = 0;
  gboolean same;

  *covers = FALSE;
  if (p >= end || *p != '{')
    return FALSE;

  /* The object's members are walked in order alongside the text's while
   * they match; after a difference, only membership is looked up. */
  json_object_iter_init_ordered (&iter, object);
  same = TRUE;

  p++;
  if (p < end && *p == '}')
    {
      *covers = TRUE;
      return json_object_get_size (object) == 0 && p + 1 == end;
    }

  while (p < end)
    {
      char buffer[128];
      const char *name_stop, *value_start;
      gboolean escaped;
      char *name;
      JsonNode *node = NULL;

      if (*p != '"' || (name_stop = string_end (p, end, &escaped)) == NULL)
        return FALSE;
      name = string_body (p + 1, name_stop, escaped, buffer, sizeof buffer);
      if (same)
        {
          const char *member_name;
          JsonNode *member_node;

          if (json_object_iter_next_ordered (&iter, &member_name, &member_node) &&
              g_str_equal (member_name, name))
            {
              node = member_node;
              matched++;
              same = !escaped || text_is_written (p, name_stop + 1, name, NULL);
            }
          else
            same = FALSE;
        }
      if (node == NULL)
        node = json_object_get_member (object, name);
      if (name != buffer)
        g_free (name);
      if (node == NULL)
        return FALSE;

      /* Compact text has nothing between the tokens. */
      p = name_stop + 1;
      if (p >= end || *p != ':')
        return FALSE;
      value_start = p + 1;
      escaped = FALSE;
      if (value_start < end && *value_start == '"')
        p = (p = string_end (value_start, end, &escaped)) != NULL ? p + 1 : NULL;
      else
        p = scan_value (&scan, value_start);
      if (p == NULL)
        return FALSE;
      if (same)
        same = value_text_is (value_start, p, escaped, node);

      if (p < end && *p == ',')
        p++;
      else if (p < end && *p == '}')
        {
          *covers = TRUE;
          return same && matched == json_object_get_size (object) && p + 1 == end;
        }
      else
        return FALSE;
    }

  return FALSE;
}

/* ---- building JsonObjects from checked text ------------------------------ */

static const char *build_value (const char *p, const char *end, JsonNode **node);

/* A nul-terminated copy of a string body; uses @buffer when it fits. */
static char *
string_body (const char *p,
             const char *end,
             gboolean    escaped,
             char       *buffer,
             gsize       buffer_size)
{
  gsize room = (gsize) (end - p) + 1;
  char *out = room <= buffer_size ? buffer : g_malloc (room);
  gsize len;

  if (escaped)
    len = unescape (p, end, out);
  else
    {
      len = (gsize) (end - p);
      memcpy (out, p, len);
    }
  out[len] = '\0';
  return out;
}

/* @p at the opening quote of a checked string: finds its end. */
static const char *
string_end (const char *p,
            const char *end,
            gboolean   *escaped)
{
  *escaped = FALSE;
  for (p++; p < end; p++)
    {
      if (*p == '\\')
        {
          *escaped = TRUE;
          p++;
        }
      else if (*p == '"')
        return p;
    }
  return NULL;
}

static const char *
build_object (const char  *p,
              const char  *end,
              JsonObject **out)
{
  g_autoptr(JsonObject) object = json_object_new ();

  p = skip_ws (p + 1, end);
  if (p < end && *p == '}')
    {
      *out = g_steal_pointer (&object);
      return p + 1;
    }

  while (p < end)
    {
      char buffer[128];
      const char *name_end;
      gboolean escaped;
      char *name;
      JsonNode *node = NULL;

      if (*p != '"' || (name_end = string_end (p, end, &escaped)) == NULL)
        return NULL;
      name = string_body (p + 1, name_end, escaped, buffer, sizeof buffer);
      p = skip_ws (name_end + 1, end);
      if (p >= end || *p != ':')
        {
          if (name != buffer)
            g_free (name);
          return NULL;
        }
      p = build_value (skip_ws (p + 1, end), end, &node);
      if (p != NULL)
        json_object_set_member (object, name, node);
      if (name != buffer)
        g_free (name);
      if (p == NULL)
        return NULL;

      p = skip_ws (p, end);
      if (p < end && *p == ',')
        {
          p = skip_ws (p + 1, end);
          continue;
        }
      if (p < end && *p == '}')
        {
          *out = g_steal_pointer (&object);
          return p + 1;
        }
      return NULL;
    }

  return NULL;
}

static const char *
build_array (const char  *p,
             const char  *end,
             JsonArray  **out)
{
  g_autoptr(JsonArray) array = json_array_new ();

  p = skip_ws (p + 1, end);
  if (p < end && *p == ']')
    {
      *out = g_steal_pointer (&array);
      return p + 1;
    }

  while (p < end)
    {
      JsonNode *node = NULL;

      p = build_value (p, end, &node);
      if (p == NULL)
        return NULL;
      json_array_add_element (array, node);

      p = skip_ws (p, end);
      if (p < end && *p == ',')
        {
          p = skip_ws (p + 1, end);
          continue;
        }
      if (p < end && *p == ']')
        {
          *out = g_steal_pointer (&array);
          return p + 1;
        }
      return NULL;
    }

  return NULL;
}

static const char *
build_value (const char  *p,
             const char  *end,
             JsonNode   **node)
{
  if (p >= end)
    return NULL;

  switch (*p)
    {
    case '"':
      {
        char buffer[256];
        gboolean escaped;
        const char *string_stop = string_end (p, end, &escaped);
        char *body;

        if (string_stop == NULL)
          return NULL;
        body = string_body (p + 1, string_stop, escaped, buffer, sizeof buffer);
        *node = json_node_init_string (json_node_alloc (), body);
        if (body != buffer)
          g_free (body);
        return string_stop + 1;
      }
    case '{':
      {
        JsonObject *object = NULL;

        p = build_object (p, end, &object);
        if (p != NULL)
          {
            *node = json_node_alloc ();
            json_node_init_object (*node, object);
            json_object_unref (object);
          }
        return p;
      }
    case '[':
      {
        JsonArray *array = NULL;

        p = build_array (p, end, &array);
        if (p != NULL)
          {
            *node = json_node_alloc ();
            json_node_init_array (*node, array);
            json_array_unref (array);
          }
        return p;
      }
    case 't':
      *node = json_node_init_boolean (json_node_alloc (), TRUE);
      return p + 4;
    case 'f':
      *node = json_node_init_boolean (json_node_alloc (), FALSE);
      return p + 5;
    case 'n':
      *node = json_node_init_null (json_node_alloc ());
      return p + 4;
    default:
      {
        g_auto(Scan) scan = { p, end, NULL, NULL, 0, NULL, 0 };
        gboolean is_double;
        const char *stop = scan_number (&scan, p, &is_double);
        char buffer[64];
        gsize len;

        if (stop == NULL || (len = (gsize) (stop - p)) >= sizeof buffer)
          return NULL;
        memcpy (buffer, p, len);
        buffer[len] = '\0';
        if (!is_double)
          {
            gint64 value;

            errno = 0;
            value = g_ascii_strtoll (buffer, NULL, 10);
            if (errno == 0)
              {
                *node = json_node_init_int (json_node_alloc (), value);
                return stop;
              }
          }
        *node = json_node_init_double (json_node_alloc (), g_ascii_strtod (buffer, NULL));
        return stop;
      }
    }
}

JsonObject *
_syncobj_json_object_from_text (const char *text,
                                gssize      length)
{
  const char *end;
  const char *p;
  JsonObject *object = NULL;

  if (length < 0)
    length = (gssize) strlen (text);
  end = text + length;

  p = skip_ws (text, end);
  if (p >= end || *p != '{')
    return NULL;
  p = build_object (p, end, &object);
  if (p == NULL || skip_ws (p, end) != end)
    {
      g_clear_pointer (&object, json_object_unref);
      return _syncobj_json_parse_object (text, length, NULL);
    }

  json_object_seal (object);
  return object;
}

/* ---- ids ------------------------------------------------------------------- */

/* Random (version 4) UUIDs as g_uuid_string_random() makes them, for every
 * transaction, mutation and attempt: g_random_int() takes a global lock
 * per 32 bits and g_uuid_string_random() formats with printf. Each thread
 * draws from its own xoshiro256** generator, seeded from /dev/urandom
 * (g_rand_new()); a forked child seeds again, so that parent and child
 * never share a sequence. */
typedef struct
{
  guint64 s[4];
  guint   generation;
  guint   seeded : 1;
} UuidState;

static _Thread_local UuidState uuid_state;
static guint uuid_generation;   /* bumped in a forked child */

#ifdef G_OS_UNIX
static void
uuid_atfork_child (void)
{
  uuid_generation++;
}
#endif

static void
uuid_seed (UuidState *state)
{
  g_autoptr(GRand) rand = g_rand_new ();
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
#ifdef G_OS_UNIX
      pthread_atfork (NULL, NULL, uuid_atfork_child);
#endif
      g_once_init_leave (&registered, 1);
    }

  for (guint i = 0; i < 4; i++)
    state->s[i] = ((guint64) g_rand_int (rand) << 32) | g_rand_int (rand);
  if ((state->s[0] | state->s[1] | state->s[2] | state->s[3]) == 0)
    state->s[0] = 1;
  state->generation = uuid_generation;
  state->seeded = TRUE;
}

static inline guint64
rotl64 (guint64 x,
        int     k)
{
  return (x << k) | (x >> (64 - k));
}

static guint64
uuid_next (UuidState *state)
{
  guint64 *s = state->s;
  guint64 result = rotl64 (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl64 (s[3], 45);

  return result;
}

char *
_syncobj_uuid_new (void)
{
  static const char hex[] = "0123456789abcdef";
  UuidState *state = &uuid_state;
  guint8 bytes[16];
  char *out = g_malloc (37);
  char *o = out;
  guint64 high, low;

  if (G_UNLIKELY (!state->seeded || state->generation != uuid_generation))
    uuid_seed (state);

  high = uuid_next (state);
  low = uuid_next (state);
  for (guint i = 0; i < 8; i++)
    {
      bytes[i] = (guint8) (high >> (8 * i));
      bytes[8 + i] = (guint8) (low >> (8 * i));
    }
  bytes[6] = (bytes[6] & 0x0f) | 0x40;   /* version 4 */
  bytes[8] = (bytes[8] & 0x3f) | 0x80;   /* RFC 4122 variant */

  for (guint i = 0; i < 16; i++)
    {
      if (i == 4 || i == 6 || i == 8 || i == 10)
        *o++ = '-';
      *o++ = hex[bytes[i] >> 4];
      *o++ = hex[bytes[i] & 0x0f];
    }
  *o = '\0';

  return out;
}
