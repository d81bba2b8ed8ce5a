/* syncobj-weak-private.h: one weak reference to an object, shared by
 * everything that points at it weakly
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* A collection has one record per key and one pending mutation per write,
 * each pointing back at it weakly. With a GWeakRef each, GLib keeps them
 * in one list on the collection, and dropping one scans that list: freeing
 * N of them costs O(N²). They share this handle instead, one per object,
 * so taking or dropping a reference costs O(1). */
typedef struct _SyncobjWeak SyncobjWeak;

SyncobjWeak *_syncobj_weak_for   (gpointer     object);
void         _syncobj_weak_unref (SyncobjWeak *weak);
/* Another reference to a handle @weak holds already. */
SyncobjWeak *_syncobj_weak_ref   (SyncobjWeak *weak);
gpointer     _syncobj_weak_get   (SyncobjWeak *weak);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncobjWeak, _syncobj_weak_unref)

G_END_DECLS
