/* fuzz-json-flat.c: the one-pass reader of flat changes text
 *
 * Input: any bytes, given to _syncobj_json_flat_read() with their length
 * (syncobj_collection_update_json() reads its changes with it). It may
 * decline anything; what it reads must be what JsonParser reads: the
 * object _syncobj_json_parse_object() makes of the same bytes, written by
 * _syncobj_json_write_object(), is exactly its compact text, and its
 * members, in order, are those it found, each a string, an integer, a
 * boolean or null (what the overlay keeps as text).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-common.h"

#include <string.h>

#include "syncobj-private.h"
#include "syncobj-json-flat-private.h"
#include "syncobj-json-util-private.h"
#include "syncobj-json-writer-private.h"

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autofree char *out = g_malloc (size + 1);
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GString) written = NULL;
  g_autoptr(GError) error = NULL;
  SyncobjJsonFlat flat;
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;
  guint i = 0;

  fuzz_init ();

  if (!_syncobj_json_flat_read ((const char *) data, size, out, &flat))
    return 0;

  if (flat.text != out || flat.text[flat.length] != '\0' || flat.length > size)
    g_error ("fuzz: the flat text is not where it belongs");
  object = _syncobj_json_parse_object ((const char *) data, size, &error);
  if (object == NULL)
    g_error ("fuzz: read as flat what the parser refuses: %s", error->message);

  written = g_string_new (NULL);
  _syncobj_json_write_object (written, object);
  if (strcmp (written->str, flat.text) != 0)
    g_error ("fuzz: flat text %s, written %s", flat.text, written->str);
  if (flat.n_members == 0 || flat.n_members > SYNCOBJ_JSON_FLAT_MAX_MEMBERS ||
      flat.n_members != json_object_get_size (object))
    g_error ("fuzz: %u members read, %u parsed", flat.n_members, json_object_get_size (object));

  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &name, &node))
    {
      g_autoptr(GString) value = g_string_new (NULL);

      if (flat.name_lengths[i] != strlen (name) || memcmp (flat.names[i], name, flat.name_lengths[i]) != 0)
        g_error ("fuzz: member %u is not %s", i, name);
      if (JSON_NODE_HOLDS_OBJECT (node) || JSON_NODE_HOLDS_ARRAY (node) ||
          (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_DOUBLE))
        g_error ("fuzz: member %s is not a string, an integer, a boolean or null", name);
      _syncobj_json_write_node (value, node);
      if (flat.value_lengths[i] != value->len ||
          memcmp (flat.text + flat.value_starts[i], value->str, value->len) != 0)
        g_error ("fuzz: member %s is not %s", name, value->str);
      if (_syncobj_json_flat_find (&flat, name) != (int) i)
        g_error ("fuzz: member %s not found", name);
      i++;
    }
  return 0;
}
