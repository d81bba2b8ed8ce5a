/* syncobj-store.h: the durable transaction log
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SYNCOBJ_INSIDE__) && !defined(SYNCOBJ_COMPILATION)
#error "Only <syncobj.h> can be included directly."
#endif

#include <gio/gio.h>
#include "syncobj-types.h"
#include "syncobj-version-macros.h"

G_BEGIN_DECLS

#define SYNCOBJ_TYPE_STORE (syncobj_store_get_type ())
SYNCOBJ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SyncobjStore, syncobj_store, SYNCOBJ, STORE, GObject)

SYNCOBJ_AVAILABLE_IN_ALL
SyncobjStore *syncobj_store_new_in_memory (void);

G_END_DECLS
