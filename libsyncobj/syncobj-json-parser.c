/* syncobj-json-parser.c: JsonObjects built from checked, packed text
 *
 * A packed record is JSON text the scanner (syncobj-json-scan.c) has
 * checked already; building its JsonObject here is much faster than
 * JsonParser for one small object.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-private.h"
#include "syncobj-json-parser-private.h"
#include "syncobj-json-scan-private.h"
#include "syncobj-json-util-private.h"
#include "syncobj-json-validate-private.h"

#include <errno.h>
#include <string.h>

static const char *build_value (const char *p, const char *end, JsonNode **node);

static const char *
build_object (const char  *p,
              const char  *end,
              JsonObject **out)
{
  g_autoptr(JsonObject) object = json_object_new ();

  p = _syncobj_json_skip_ws (p + 1, end);
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

      if (*p != '"' || (name_end = _syncobj_json_string_end (p, end, &escaped)) == NULL)
        return NULL;
      name = _syncobj_json_string_body (p + 1, name_end, escaped, buffer, sizeof buffer);
      p = _syncobj_json_skip_ws (name_end + 1, end);
      if (p >= end || *p != ':')
        {
          if (name != buffer)
            g_free (name);
          return NULL;
        }
      p = build_value (_syncobj_json_skip_ws (p + 1, end), end, &node);
      if (p != NULL)
        json_object_set_member (object, name, node);
      if (name != buffer)
        g_free (name);
      if (p == NULL)
        return NULL;

      p = _syncobj_json_skip_ws (p, end);
      if (p < end && *p == ',')
        {
          p = _syncobj_json_skip_ws (p + 1, end);
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

  p = _syncobj_json_skip_ws (p + 1, end);
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

      p = _syncobj_json_skip_ws (p, end);
      if (p < end && *p == ',')
        {
          p = _syncobj_json_skip_ws (p + 1, end);
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
        const char *string_stop = _syncobj_json_string_end (p, end, &escaped);
        char *body;

        if (string_stop == NULL)
          return NULL;
        body = _syncobj_json_string_body (p + 1, string_stop, escaped, buffer, sizeof buffer);
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
        g_auto(SyncobjJsonScan) scan = { p, end, NULL, NULL, 0, NULL, 0 };
        gboolean is_double;
        const char *stop = _syncobj_json_scan_number (&scan, p, &is_double);
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

  p = _syncobj_json_skip_ws (text, end);
  if (p >= end || *p != '{')
    return NULL;
  p = build_object (p, end, &object);
  if (p == NULL || _syncobj_json_skip_ws (p, end) != end)
    {
      g_clear_pointer (&object, json_object_unref);
      return _syncobj_json_parse_object (text, length, NULL);
    }

  json_object_seal (object);
  return object;
}

JsonNode *
_syncobj_json_node_from_text (const char *text,
                              gssize      length)
{
  const char *end;
  const char *p;
  JsonNode *node = NULL;
  gboolean unusual = TRUE;

  if (length < 0)
    length = (gssize) strlen (text);
  end = text + length;

  /* The scan bounds the nesting, so building cannot recurse deeper. */
  if (!_syncobj_json_is_valid_usual (text, (gsize) length, &unusual) ||
      (unusual && !_syncobj_json_check_text (text, length, SYNCOBJ_ERROR_STORE, NULL)))
    return NULL;

  p = build_value (_syncobj_json_skip_ws (text, end), end, &node);
  if (p == NULL || _syncobj_json_skip_ws (p, end) != end)
    {
      g_clear_pointer (&node, json_node_unref);
      return NULL;
    }
  return node;
}
