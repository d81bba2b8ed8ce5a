/* fuzz-store-row.c: rows of a damaged transaction store
 *
 * Input: the text columns of one row of the store's transactions table
 * (error, metadata, attempts and mutations, separated by NUL bytes, after
 * one byte of state), decoded as a restart decodes them. A store file can
 * be damaged or written by another version: a row must decode or be
 * refused with a GError, never warn, crash or leak.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-common.h"

#include "syncobj-private.h"
#include "syncobj-store-writer-private.h"

#include <string.h>

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(SyncobjStoreRow) row = g_new0 (SyncobjStoreRow, 1);
  g_autoptr(GError) error = NULL;
  char *fields[4] = { NULL, };
  const char *p = (const char *) data + (size > 0 ? 1 : 0);
  const char *end = (const char *) data + size;

  fuzz_init ();

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      const char *nul = p < end ? memchr (p, '\0', end - p) : NULL;
      const char *stop = nul != NULL ? nul : end;

      /* The last field takes the rest; missing ones are as a fresh row has them. */
      fields[i] = p < end ? g_strndup (p, stop - p) : NULL;
      p = stop + 1;
    }

  row->id = g_strdup ("fuzz-transaction");
  row->collection_id = g_strdup ("fuzz-collection");
  row->state = size > 0 ? (gint64) (data[0] % 8) - 1 : 0;
  row->created_at = 1;
  row->updated_at = 2;
  row->sequence = 3;
  row->queued_behind = g_strdup ("");
  row->error_transaction_id = g_strdup ("");
  row->error = fields[0] != NULL ? fields[0] : g_strdup ("");
  row->metadata = fields[1] != NULL ? fields[1] : g_strdup ("");
  row->attempts = fields[2] != NULL ? fields[2] : g_strdup ("[]");
  row->mutations = fields[3] != NULL ? fields[3] : g_strdup ("[]");

  if (!_syncobj_store_check_row (row, &error))
    {
      g_assert (error != NULL);
      g_assert (g_utf8_validate (error->message, -1, NULL));
    }

  return 0;
}
