/* bench-records.h: the records of the side-by-side benchmarks
 *
 * Records are {"id":"k<i>","title":"item <i>","done":false,"n":<i>}, as
 * ../shared/bench/README.md defines them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The server's snapshot of @n records as JSON.stringify would write it:
 * one JSON array text, as an HTTP body arrives. */
GString *bench_snapshot_text (guint n);

G_END_DECLS
