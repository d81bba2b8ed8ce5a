/* syncobj-history.h: a collection's older finished transactions, read a
 * page at a time from its store
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

#define SYNCOBJ_TYPE_HISTORY (syncobj_history_get_type ())
SYNCOBJ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SyncobjHistory, syncobj_history, SYNCOBJ, HISTORY, GObject)

SYNCOBJ_AVAILABLE_IN_ALL
SyncobjHistory    *syncobj_history_new               (SyncobjCollection *collection);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjCollection *syncobj_history_get_collection    (SyncobjHistory    *self);
SYNCOBJ_AVAILABLE_IN_ALL
void               syncobj_history_set_collection    (SyncobjHistory    *self,
                                                      SyncobjCollection *collection);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean           syncobj_history_get_can_read_more (SyncobjHistory    *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean           syncobj_history_get_reading       (SyncobjHistory    *self);
SYNCOBJ_AVAILABLE_IN_ALL
void               syncobj_history_read_more         (SyncobjHistory    *self);

G_END_DECLS
