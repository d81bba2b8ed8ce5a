/* bench-records.c: the records of the side-by-side benchmarks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "bench-records.h"

GString *
bench_snapshot_text (guint n)
{
  GString *text = g_string_sized_new ((gsize) n * 56 + 2);

  g_string_append_c (text, '[');
  for (guint i = 0; i < n; i++)
    g_string_append_printf (text, "%s{\"id\":\"k%u\",\"title\":\"item %u\",\"done\":false,\"n\":%u}",
                            i > 0 ? "," : "", i, i, i);
  g_string_append_c (text, ']');
  return text;
}
