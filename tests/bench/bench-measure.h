/* bench-measure.h: what the benchmarks measure of their own process
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* CPU time of the calling thread, in µs: what a main-loop iteration spent,
 * whatever else the machine runs. */
gint64 bench_thread_cpu_us (void);

/* The allocator's bytes in use (mallinfo2 uordblks + hblkhd). */
gsize  bench_heap_in_use   (void);

G_END_DECLS
