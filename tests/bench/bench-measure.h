/* bench-measure.h: what the benchmarks measure of their own process
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "../thread-cpu.h"

G_BEGIN_DECLS

/* The allocator's bytes in use (mallinfo2 uordblks + hblkhd). */
gsize  bench_heap_in_use   (void);

/* Microseconds per main-loop round trip: an idle source added and the
 * default main context iterated until it ran, @rounds times. */
double bench_main_loop_us  (guint rounds);

G_END_DECLS
