/* syncobj-store-lock-private.h: one process at a time on a store file
 * (syncobj-store-lock.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SyncobjStoreLock SyncobjStoreLock;

/* Takes the lock of the store file @path (flock() on `PATH.lock`), or
 * shares it with the stores of this process that hold it already. NULL,
 * with @error naming the process that holds it, if another one does. */
SyncobjStoreLock *_syncobj_store_lock_acquire (const char        *path,
                                               GError           **error);
/* Gives it back; the last store of the process to do so lets it go. */
void              _syncobj_store_lock_release (SyncobjStoreLock  *lock);

G_END_DECLS
