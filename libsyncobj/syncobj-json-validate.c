/* syncobj-json-validate.c: checks on outside data before json-glib sees it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-private.h"
#include "syncobj-json-validate-private.h"

#include <errno.h>
#include <math.h>
#include <string.h>

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
          if (++depth > SYNCOBJ_JSON_MAX_DEPTH)
            {
              g_set_error (error, SYNCOBJ_ERROR, error_code,
                           _("JSON is nested more than %u levels deep"), SYNCOBJ_JSON_MAX_DEPTH);
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

  if (depth > SYNCOBJ_JSON_MAX_DEPTH)
    {
      g_set_error (error, SYNCOBJ_ERROR, error_code,
                   _("JSON is nested more than %u levels deep"), SYNCOBJ_JSON_MAX_DEPTH);
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

        if (depth + 1 > SYNCOBJ_JSON_MAX_DEPTH)
          {
            g_set_error (error, SYNCOBJ_ERROR, error_code,
                         _("JSON is nested more than %u levels deep"), SYNCOBJ_JSON_MAX_DEPTH);
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
