/* syncobj-collection-list-private.h: a collection as a list model
 * (syncobj-collection-list.c), for the files of the collection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-collection-fields-private.h"

G_BEGIN_DECLS

/* What the overlay tells the list model: rows appearing, leaving, changing. */
extern const SyncobjOverlayViewFuncs _syncobj_collection_overlay_view_funcs;

/* Between these, changes gather into one items-changed per range. Nested. */
void _syncobj_collection_begin_batch     (SyncobjCollection   *self);
void _syncobj_collection_end_batch       (SyncobjCollection   *self);
void _syncobj_collection_list_model_init (GListModelInterface *iface);

G_END_DECLS
