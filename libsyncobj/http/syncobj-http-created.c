/* syncobj-http-created.c: the keys a server's answers bring for records
 * inserted without one
 *
 * A server that assigns keys answers a POST with the record as created
 * (or an object with just the key), names it in a `Location` header, or,
 * for a batch, lists the records as created in order. These read them;
 * they are parsers of outside data (tests/fuzz/fuzz-created-key.c). A
 * batch answer is read one entry at a time, never built as a whole: a
 * batch of a million inserts answers a hundred megabytes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-http-created-private.h"
#include "syncobj-json-parser-private.h"
#include "syncobj-json-scan-private.h"
#include "syncobj-json-util-private.h"
#include "syncobj-json-validate-private.h"
#include "syncobj-private.h"

#include <libsoup/soup.h>
#include <string.h>

JsonObject *
_syncobj_http_location_key (const char *request_uri,
                            const char *location,
                            const char *base_uri,
                            const char *key_member)
{
  g_autoptr(GUri) request = NULL;
  g_autoptr(GUri) target = NULL;
  g_autoptr(GUri) base = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *segment = NULL;
  g_autoptr(JsonObject) object = NULL;
  const char *path, *rest;
  char buffer[SYNCOBJ_INT_KEY_SIZE];
  gint64 number;

  if (location == NULL)
    return NULL;
  request = g_uri_parse (request_uri, SOUP_HTTP_URI_FLAGS, NULL);
  target = request != NULL ? g_uri_parse_relative (request, location, SOUP_HTTP_URI_FLAGS, NULL) : NULL;
  base = g_uri_parse (base_uri, SOUP_HTTP_URI_FLAGS, NULL);
  if (target == NULL || base == NULL)
    return NULL;

  prefix = g_strconcat (g_uri_get_path (base), "/", NULL);
  path = g_uri_get_path (target);
  if (!g_str_has_prefix (path, prefix))
    return NULL;
  rest = path + strlen (prefix);
  if (*rest == '\0' || strchr (rest, '/') != NULL)
    return NULL;
  segment = g_uri_unescape_string (rest, NULL);
  if (segment == NULL || *segment == '\0' || !g_utf8_validate (segment, -1, NULL))
    return NULL;

  object = json_object_new ();
  if (g_ascii_string_to_signed (segment, 10, G_MININT64, G_MAXINT64, &number, NULL) &&
      g_str_equal (_syncobj_json_int_key (number, buffer), segment))
    json_object_set_int_member (object, key_member, number);
  else
    json_object_set_string_member (object, key_member, segment);
  return g_steal_pointer (&object);
}

/* The record of an answer that wraps it (`{"data": {"id": 7, …}}`, with
 * perhaps `"meta"` or `"links"` beside it): the one member whose value is
 * an object that holds @key_member. NULL when none or several do. */
static JsonObject *
wrapped_record (JsonObject *answer,
                const char *key_member)
{
  JsonObjectIter iter;
  JsonObject *found = NULL;
  const char *name;
  JsonNode *member;

  json_object_iter_init (&iter, answer);
  while (json_object_iter_next (&iter, &name, &member))
    {
      if (!JSON_NODE_HOLDS_OBJECT (member) || !json_object_has_member (json_node_get_object (member), key_member))
        continue;
      if (found != NULL)
        return NULL;
      found = json_node_get_object (member);
    }
  return found;
}

JsonObject *
_syncobj_http_created_record (JsonObject *answer,
                              JsonObject *located,
                              const char *key_member)
{
  JsonObject *wrapped;

  if (answer != NULL && json_object_has_member (answer, key_member))
    return json_object_ref (answer);
  if (located != NULL)
    return answer != NULL ? _syncobj_json_merge (answer, located) : json_object_ref (located);
  wrapped = answer != NULL ? wrapped_record (answer, key_member) : NULL;
  return wrapped != NULL ? json_object_ref (wrapped) : NULL;
}

/* ---- batch answers ---------------------------------------------------------- */

gssize
_syncobj_http_scan_created (const char             *text,
                            gsize                   length,
                            SyncobjHttpCreatedFunc  func,
                            gpointer                user_data)
{
  g_auto(SyncobjJsonScan) scan = { text, text + length, NULL, NULL, 0, NULL, 0 };
  const char *value, *value_end;
  gsize value_start, value_length;
  const char *p;
  gssize n = 0;

  /* Numbers, escapes and nesting as every parser of outside data checks
   * them; the entries are then read with the fast reader of checked text. */
  if (!g_utf8_validate_len (text, length, NULL) ||
      !_syncobj_json_check_text (text, (gssize) length, SYNCOBJ_ERROR_PARSE, NULL) ||
      !_syncobj_json_find_member (text, length, "records", &value_start, &value_length) ||
      text[value_start] != '[')
    return -1;
  value = text + value_start;
  value_end = value + value_length;

  /* Checked as a whole already: each entry is scanned only to find its end. */
  scan.end = value_end;
  scan.depth = 1;
  p = _syncobj_json_skip_ws (value + 1, value_end);
  if (*p == ']')
    return 0;
  for (;;)
    {
      const char *entry = p;
      g_autoptr(JsonObject) record = NULL;

      p = _syncobj_json_scan_value (&scan, p);
      g_assert (p != NULL);
      if (*entry == '{')
        record = _syncobj_json_object_from_text (entry, p - entry);
      n++;
      if (!func ((guint) (n - 1), record, user_data))
        return n;

      p = _syncobj_json_skip_ws (p, value_end);
      if (*p != ',')
        return n;
      p = _syncobj_json_skip_ws (p + 1, value_end);
    }
}
