/* bench-measure.c: what the benchmarks measure of their own process
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "bench-measure.h"

#include <malloc.h>
#include <time.h>

gint64
bench_thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

gsize
bench_heap_in_use (void)
{
  struct mallinfo2 info = mallinfo2 ();

  return info.uordblks + info.hblkhd;
}
