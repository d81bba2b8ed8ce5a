/* syncobj-uuid-private.h: random UUIDs (syncobj-uuid.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A random UUID string (version 4), as g_uuid_string_random() but faster. */
char       *_syncobj_uuid_new          (void);
/* The UUID in *@slot, made there on first use (from any thread: the first
 * one stored wins). An identifier that nobody reads is never made. */
const char *_syncobj_uuid_lazy         (char **slot);

G_END_DECLS
