/* fuzz-created-key.c: the keys a server's answers bring for records
 * inserted without one
 *
 * Input: a `Location` header (the first line) and an answer body (the
 * rest). The header goes to _syncobj_http_location_key() (for a POST to
 * http://127.0.0.1/api/items, with that collection URI as the base), the
 * body to _syncobj_http_created_record() as a POST's answer and to
 * _syncobj_http_scan_created() as a batch answer. Whatever the server
 * sends: a key read from a Location is a non-empty UTF-8 segment or an
 * integer whose decimal text it was; a created record always holds the
 * key member; a batch answer read entry by entry gives what JsonParser
 * reads from the whole of it, entry for entry; nothing warns, crashes or
 * leaks.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-common.h"

#include "http/syncobj-http-created-private.h"
#include "syncobj-json-scan-private.h"
#include "syncobj-json-validate-private.h"

#include <string.h>

#define BASE_URI "http://127.0.0.1/api/items"

static void
check_location_key (JsonObject *located)
{
  JsonNode *key;

  if (located == NULL)
    return;
  if (json_object_get_size (located) != 1 || (key = json_object_get_member (located, "id")) == NULL)
    g_error ("fuzz: a Location key is not an object of just the key member");
  if (json_node_get_value_type (key) == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (key);

      if (*text == '\0' || !g_utf8_validate (text, -1, NULL))
        g_error ("fuzz: a Location key is empty or not UTF-8");
    }
  else if (json_node_get_value_type (key) != G_TYPE_INT64)
    g_error ("fuzz: a Location key is neither text nor an integer");
}

typedef struct
{
  JsonArray *expected;   /* nullable: the entries as JsonParser reads them */
  guint      seen;
} Scan;

static gboolean
entry_cb (guint       index,
          JsonObject *record,
          gpointer    user_data)
{
  Scan *scan = user_data;
  JsonNode *expected;

  if (index != scan->seen++)
    g_error ("fuzz: batch entries out of order");
  if (scan->expected == NULL)
    return TRUE;
  if (index >= json_array_get_length (scan->expected))
    g_error ("fuzz: the batch reader found more entries than JsonParser");
  expected = json_array_get_element (scan->expected, index);
  if ((record != NULL) != JSON_NODE_HOLDS_OBJECT (expected))
    g_error ("fuzz: batch entry %u is an object for one reader only", index);
  if (record != NULL && json_object_get_size (record) != json_object_get_size (json_node_get_object (expected)))
    g_error ("fuzz: batch entry %u has another number of members", index);
  return TRUE;
}

/* The "records" array of @text as JsonParser reads the whole of it, or
 * NULL. */
static JsonArray *
parse_records (const char *text,
               gsize       length)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonNode *root, *records;

  if (!_syncobj_json_check_text (text, (gssize) length, SYNCOBJ_ERROR_PARSE, NULL) ||
      !json_parser_load_from_data (parser, text, (gssize) length, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  records = json_object_get_member (json_node_get_object (root), "records");
  return records != NULL && JSON_NODE_HOLDS_ARRAY (records) ? json_array_ref (json_node_get_array (records)) : NULL;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  const char *text = (const char *) data;
  const char *newline = memchr (text, '\n', size);
  gsize header_length = newline != NULL ? (gsize) (newline - text) : size;
  const char *body = newline != NULL ? newline + 1 : text + size;
  gsize body_length = size - (gsize) (body - text);
  g_autofree char *location = g_strndup (text, header_length);
  g_autoptr(JsonObject) located = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(JsonObject) created = NULL;
  g_autoptr(JsonArray) expected = NULL;
  Scan scan = { NULL, 0 };
  gssize n;

  fuzz_init ();

  /* A header cannot hold a NUL byte: libsoup stops there. */
  located = _syncobj_http_location_key (BASE_URI, location, BASE_URI, "id");
  check_location_key (located);

  if (_syncobj_json_is_valid (body, body_length) &&
      _syncobj_json_check_text (body, (gssize) body_length, SYNCOBJ_ERROR_PARSE, NULL))
    {
      g_autoptr(JsonParser) parser = json_parser_new_immutable ();
      JsonNode *root;

      if (!json_parser_load_from_data (parser, body, (gssize) body_length, NULL))
        g_error ("fuzz: JSON the checker accepts does not parse");
      root = json_parser_get_root (parser);
      if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
        answer = json_object_ref (json_node_get_object (root));
    }
  created = _syncobj_http_created_record (answer, located, "id");
  if (created != NULL && !json_object_has_member (created, "id"))
    g_error ("fuzz: a created record without its key member");
  if (created == NULL && (located != NULL || (answer != NULL && json_object_has_member (answer, "id"))))
    g_error ("fuzz: a key was there but no created record came of it");

  expected = parse_records (body, body_length);
  scan.expected = expected;
  n = _syncobj_http_scan_created (body, body_length, entry_cb, &scan);
  if (n < 0 && expected != NULL && _syncobj_json_is_valid (body, body_length))
    g_error ("fuzz: the batch reader missed the records JsonParser finds");
  if (n >= 0 && expected == NULL)
    g_error ("fuzz: the batch reader found records JsonParser does not");
  if (n >= 0 && (guint) n != json_array_get_length (expected))
    g_error ("fuzz: the batch reader found %" G_GSSIZE_FORMAT " entries, JsonParser %u",
             n, json_array_get_length (expected));

  return 0;
}
