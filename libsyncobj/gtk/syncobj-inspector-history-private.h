/* syncobj-inspector-history-private.h: the older history the inspector
 * page reads from a collection's store, below the registry's list
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <syncobj.h>

G_BEGIN_DECLS

typedef struct _SyncobjInspectorHistory SyncobjInspectorHistory;

/* Called when a read ends (what it found is in the model by then). */
typedef void (*SyncobjInspectorHistoryFunc) (gpointer user_data);

SyncobjInspectorHistory *syncobj_inspector_history_new            (SyncobjInspectorHistoryFunc  changed,
                                                                   gpointer                     user_data);
void                     syncobj_inspector_history_free           (SyncobjInspectorHistory     *self);
/* The transactions read so far (SyncobjTransaction), oldest last. */
GListModel              *syncobj_inspector_history_get_model      (SyncobjInspectorHistory     *self);
/* The collection whose store is read next; another one starts again. */
void                     syncobj_inspector_history_set_collection (SyncobjInspectorHistory     *self,
                                                                   SyncobjCollection           *collection);
/* Whether a read can start: a collection with a persistent store, no
 * read running, and older transactions may be left. */
gboolean                 syncobj_inspector_history_can_read       (SyncobjInspectorHistory     *self);
/* Appends the next page of the collection's history that the registry
 * does not hold. */
void                     syncobj_inspector_history_read_more      (SyncobjInspectorHistory     *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncobjInspectorHistory, syncobj_inspector_history_free)

G_END_DECLS
