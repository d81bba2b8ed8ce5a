/* test-utils.c: helpers shared by the C tests of libsyncobj
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"

#include <locale.h>

void
syncobj_test_init (int    *argc,
                   char ***argv)
{
  setlocale (LC_ALL, "");
  g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
}

static JsonNode *
parse_node (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  if (error != NULL)
    g_error ("test data is not valid JSON (%s): %s", error->message, json);

  return json_node_copy (json_parser_get_root (parser));
}

JsonObject *
syncobj_test_object (const char *json)
{
  g_autoptr(JsonNode) node = parse_node (json);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    g_error ("test data is not a JSON object: %s", json);

  return json_node_dup_object (node);
}

JsonArray *
syncobj_test_array (const char *json)
{
  g_autoptr(JsonNode) node = parse_node (json);

  if (!JSON_NODE_HOLDS_ARRAY (node))
    g_error ("test data is not a JSON array: %s", json);

  return json_node_dup_array (node);
}

static char *
node_to_string (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);
  return json_generator_to_data (generator, NULL);
}

void
syncobj_test_assert_json (JsonObject *object,
                          const char *expected_json)
{
  g_autoptr(JsonNode) expected = parse_node (expected_json);
  g_autoptr(JsonNode) actual = json_node_new (JSON_NODE_NULL);

  if (object != NULL)
    json_node_set_object (actual, object);

  if (!json_node_equal (actual, expected))
    {
      g_autofree char *actual_text = node_to_string (actual);
      g_autofree char *expected_text = node_to_string (expected);
      g_autofree char *message =
        g_strdup_printf ("JSON mismatch\n  expected: %s\n  actual:   %s",
                         expected_text, actual_text);

      g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, message);
    }
}
