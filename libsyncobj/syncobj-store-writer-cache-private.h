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
/* Reads the cached records of the current generation and hands them to
 * @slices, each a SyncobjStoredCache, the last one with the cursor ("":
 * none, or dropped). Nothing when nothing is cached, or it was written
 * for another schema version (then dropped). */
void                _syncobj_store_writer_cache_read  (SyncobjStoreWriter  *self,
                                                       const char          *collection_id,
                                                       guint                schema_version,
                                                       GAsyncQueue         *slices,
                                                       GError             **error);
/* Reads the records of @generation (syncobj-store-writer-read.c),
 * checks each and hands them to @slices, all but the last slice, which
 * it returns with the ETags of the records read; sets @skipped when a
 * record could not be shown. NULL with
 * @error when nothing could be read. */
SyncobjStoredCache *_syncobj_store_writer_cache_read_rows (SyncobjStoreWriter  *self,
                                                           const char          *collection_id,
                                                           guint                schema_version,
                                                           gint64               generation,
                                                           GAsyncQueue         *slices,
                                                           gboolean            *skipped,
                                                           GError             **error);

G_END_DECLS
