/* fuzz-cache-row.c: rows of a damaged cache of synced records
 *
 * Input: the key, the record text and the cursor of one cached record and
 * its collection's cache_state row, separated by NUL bytes, checked as a
 * start checks them before a collection shows the record or gives the
 * cursor to its sync. A store file can be damaged or written by another
 * version: a row must pass (and then build the record a collection shows)
 * or be refused with a GError, never warn, crash or leak.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-common.h"

#include "syncobj-private.h"
#include "syncobj-store-private.h"
#include "syncobj-json-parser-private.h"

#include <string.h>

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GError) error = NULL;
  char *fields[3] = { NULL, };
  const char *p = (const char *) data;
  const char *end = (const char *) data + size;

  fuzz_init ();

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      const char *nul = p < end ? memchr (p, '\0', end - p) : NULL;
      const char *stop = nul != NULL ? nul : end;

      fields[i] = p < end ? g_strndup (p, stop - p) : g_strdup ("");
      p = stop + 1;
    }

  if (_syncobj_stored_cache_check_record (fields[0], fields[1], &error))
    {
      /* What the collection builds from a packed record it shows. */
      g_autoptr(JsonObject) object = _syncobj_json_object_from_text (fields[1], -1);

      g_assert (object != NULL);
    }
  else
    {
      g_assert (error != NULL);
      g_assert (g_utf8_validate (error->message, -1, NULL));
      g_clear_error (&error);
    }

  if (!_syncobj_stored_cache_check_cursor (fields[2], &error))
    {
      g_assert (error != NULL);
      g_assert (g_utf8_validate (error->message, -1, NULL));
    }

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    g_free (fields[i]);
  return 0;
}
