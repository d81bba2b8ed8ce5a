/* syncobj-store-writer-open-private.h: opening the store's SQLite file
 * (syncobj-store-writer-open.c), on the writer thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-store-writer-fields-private.h"

G_BEGIN_DECLS

/* Opens the connection and brings the schema up to date; a damaged file is
 * moved aside and a new one created when the store asked for that. */
gboolean _syncobj_store_writer_connect    (SyncobjStoreWriter  *self,
                                           GError             **error);
/* Runs the integrity check that the open left for later, if it is due;
 * damage sets self->damaged and self->write_error. */
void     _syncobj_store_writer_check      (SyncobjStoreWriter  *self);
/* Closes the connection and drops its statements. */
void     _syncobj_store_writer_disconnect (SyncobjStoreWriter  *self);

G_END_DECLS
