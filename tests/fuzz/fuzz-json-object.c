/* fuzz-json-object.c: the JSON object parser every entry point shares
 *
 * Input: any bytes, given to _syncobj_json_parse_object() with their
 * length. Either a GError (valid UTF-8) or a sealed object that survives
 * JSON text unchanged, and that passes the checks made on objects given
 * through the API.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-common.h"

#include "syncobj-private.h"
#include "syncobj-json-util-private.h"
#include "syncobj-json-validate-private.h"

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  fuzz_init ();

  object = _syncobj_json_parse_object ((const char *) data, size, &error);
  if (object == NULL)
    {
      g_assert (error != NULL && error->domain == SYNCOBJ_ERROR);
      g_assert (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }

  g_assert (json_object_is_immutable (object));
  if (!_syncobj_json_check_object (object, SYNCOBJ_ERROR_INVALID_RECORD, &error))
    g_error ("fuzz: the parser accepted what the object check refuses: %s", error->message);
  fuzz_assert_round_trip (object);

  {
    g_autofree char *text = _syncobj_json_to_string (object);
    g_autoptr(JsonObject) again = _syncobj_json_parse_object (text, -1, &error);

    if (again == NULL)
      g_error ("fuzz: cannot parse what was written: %s (%s)", error->message, text);
    if (!json_object_equal (object, again))
      g_error ("fuzz: a second parse differs: %s", text);
  }

  return 0;
}
