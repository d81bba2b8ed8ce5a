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
