/* syncobj-error-private.h: what the library's logging (syncobj-error.c)
 * tells its callers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether debug messages of the library are dropped: a caller can skip
 * what only such a message needs (an id made on demand, say). */
gboolean _syncobj_log_drops_debug (void);

G_END_DECLS
