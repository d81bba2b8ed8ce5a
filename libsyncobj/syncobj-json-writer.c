/* syncobj-json-writer.c: compact JSON text of records, written directly
 *
 * JsonGenerator costs more than the rest of a write for the small, flat
 * records libsyncobj handles (and the store's rows); this writer also
 * tells whether a packed record's text is what it would write for an
 * object.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-private.h"
#include "syncobj-json-writer-private.h"
#include "syncobj-json-scan-private.h"

#include <string.h>

void
_syncobj_json_write_string (GString    *out,
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
          _syncobj_json_write_string (out, json_node_get_string (node));
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

void
_syncobj_json_write_node (GString  *out,
                          JsonNode *node)
{
  write_node (out, node);
}

void
_syncobj_json_write_object (GString    *out,
                            JsonObject *object)
{
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
      _syncobj_json_write_string (out, name);
      g_string_append_c (out, ':');
      write_node (out, node);
    }
  g_string_append_c (out, '}');
}

char *
_syncobj_json_write_compact (JsonObject *object)
{
  GString *out = g_string_sized_new (64);

  _syncobj_json_write_object (out, object);
  return g_string_free (out, FALSE);
}

/* Whether the text from @p to @end is what _syncobj_json_write_string (@string) or,
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
    _syncobj_json_write_string (out, string);
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
  g_auto(SyncobjJsonScan) scan = { text, text + strlen (text), NULL, NULL, 0, NULL, 0 };
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

      if (*p != '"' || (name_stop = _syncobj_json_string_end (p, end, &escaped)) == NULL)
        return FALSE;
      name = _syncobj_json_string_body (p + 1, name_stop, escaped, buffer, sizeof buffer);
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
        p = (p = _syncobj_json_string_end (value_start, end, &escaped)) != NULL ? p + 1 : NULL;
      else
        p = _syncobj_json_scan_value (&scan, value_start);
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
