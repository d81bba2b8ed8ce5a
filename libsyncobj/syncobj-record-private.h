/* syncobj-record-private.h: how the overlay makes and updates a record
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-private.h"

G_BEGIN_DECLS

/* A record holding the snapshot (references taken; NULL value = not
 * visible), made without notifications. @collection: the handle of its
 * collection (transfer full), or NULL. */
SyncobjRecord *_syncobj_record_new    (SyncobjWeak       *collection,
                                       const char        *key,
                                       gboolean           temporary,
                                       JsonObject        *value,
                                       JsonObject        *synced_value,
                                       gboolean           pending);
/* A record whose value and synced value are the checked compact JSON
 * object text @packed, borrowed: it must stay unchanged until
 * _syncobj_record_unpack() or _syncobj_record_update(). The JsonObject is
 * built when somebody asks for it; the typed getters read the text. */
SyncobjRecord *_syncobj_record_new_packed (SyncobjWeak       *collection,
                                           const char        *key,
                                           gboolean           temporary,
                                           const char        *packed);
/* Told, on the record's thread, that the record attached with @owner and
 * @data was finalized. */
typedef void (*SyncobjRecordGoneFunc) (gpointer owner,
                                       gpointer data);
/* @self becomes the live record of a row: once finalized, it calls @gone
 * (cheaper than a GObject weak reference, which GLib keeps in the
 * record's datalist under a lock, both when it is added and when the
 * record goes). */
void           _syncobj_record_attach (SyncobjRecord         *self,
                                       SyncobjRecordGoneFunc  gone,
                                       gpointer               owner,
                                       gpointer               data);
/* @self is no longer the live record of its row, which may go: it builds
 * its value (it no longer reads the row's text) and calls nobody when it
 * goes. */
void           _syncobj_record_detach (SyncobjRecord     *self);
/* Builds the value of a packed record now: it no longer reads the text. */
void           _syncobj_record_unpack (SyncobjRecord     *self);
/* Whether @self still reads packed text (no JsonObject built yet). */
gboolean       _syncobj_record_is_packed (SyncobjRecord  *self);
/* The server's key replaces the temporary one: notify::key. */
void           _syncobj_record_set_key (SyncobjRecord    *self,
                                        const char       *key);
/* Sets the snapshot (references taken; NULL value = not visible) and emits
 * notify for each property that changed. A packed record builds its
 * value first and lets go of the text. */
void           _syncobj_record_update (SyncobjRecord     *self,
                                       JsonObject        *value,
                                       JsonObject        *synced_value,
                                       gboolean           pending);

G_END_DECLS
