/* thread-cpu.h: the CPU time of the calling thread, for the tests and the
 * benchmarks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <time.h>

/* CPU time of the calling thread, in µs: what a main-loop iteration
 * spent, whatever else the machine runs. */
static inline gint64
syncobj_test_thread_cpu_us (void)
{
  struct timespec now;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
  return (gint64) now.tv_sec * G_USEC_PER_SEC + now.tv_nsec / 1000;
}
