/* syncobj-store-writer-cache-private.h: the cache tables
 * (syncobj-store-writer-cache.c), on the writer thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-store-writer-fields-private.h"

G_BEGIN_DECLS

/* Makes the writer's tables of cache states and prepared statements. */
void                _syncobj_store_writer_cache_init  (SyncobjStoreWriter  *self);
/* Writes what one sync commit changed, in @round. */
gboolean            _syncobj_store_writer_cache_write (SyncobjStoreWriter  *self,
                                                       SyncobjStoreRound   *round,
                                                       SyncobjStoredCache  *cache,
                                                       GError             **error);
/* Deletes the cache of @collection_id, or of every collection. */
gboolean            _syncobj_store_writer_cache_clear (SyncobjStoreWriter  *self,
                                                       const char          *collection_id,
                                                       GError             **error);
/* The cached records of the current generation; NULL when nothing is
 * cached, or it was written for another schema version (then dropped). */
SyncobjStoredCache *_syncobj_store_writer_cache_read  (SyncobjStoreWriter  *self,
                                                       const char          *collection_id,
                                                       guint                schema_version,
                                                       GError             **error);

G_END_DECLS
