/* syncobj-test-sync.h: a sync with no server behind it, for tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SYNCOBJ_INSIDE__) && !defined(SYNCOBJ_COMPILATION)
#error "Only <syncobj.h> can be included directly."
#endif

#include <json-glib/json-glib.h>
#include "syncobj-sync.h"

G_BEGIN_DECLS

#define SYNCOBJ_TYPE_TEST_SYNC (syncobj_test_sync_get_type ())
SYNCOBJ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SyncobjTestSync, syncobj_test_sync, SYNCOBJ, TEST_SYNC, SyncobjSync)

SYNCOBJ_AVAILABLE_IN_ALL
SyncobjTestSync   *syncobj_test_sync_new                            (const char          *id,
                                                                     JsonArray           *initial_data);

G_END_DECLS
