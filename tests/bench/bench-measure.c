/* bench-measure.c: what the benchmarks measure of their own process
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "bench-measure.h"

#include <malloc.h>

gsize
bench_heap_in_use (void)
{
  struct mallinfo2 info = mallinfo2 ();

  return info.uordblks + info.hblkhd;
}

static gboolean
round_trip_cb (gpointer user_data)
{
  gboolean *ran = user_data;

  *ran = TRUE;
  return G_SOURCE_REMOVE;
}

double
bench_main_loop_us (guint rounds)
{
  gint64 t0 = g_get_monotonic_time ();

  for (guint i = 0; i < rounds; i++)
    {
      gboolean ran = FALSE;

      g_idle_add (round_trip_cb, &ran);
      while (!ran)
        g_main_context_iteration (NULL, TRUE);
    }
  return (double) (g_get_monotonic_time () - t0) / MAX (rounds, 1);
}
