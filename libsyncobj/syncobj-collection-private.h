/* syncobj-collection-private.h: what a collection offers the rest of the engine:
 * the write path, sync commits, its lanes and locks, the end of a transaction
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-overlay-private.h"
#include "syncobj-collection-order-private.h"
#include "syncobj-queue-private.h"
#include "syncobj-store-private.h"

G_BEGIN_DECLS

/* The thread that created the collection; see SYNCOBJ_RETURN_VAL_IF_NOT_OWNER(). */
GThread            *_syncobj_collection_get_owner           (SyncobjCollection   *self);
/* A new reference to the collection's weak handle. */
SyncobjWeak        *_syncobj_collection_dup_weak            (SyncobjCollection   *self);
/* The one write path: validates, picks the transaction (@transaction, else
 * the thread's open one, else a new one committed at once) and applies the
 * write optimistically. Returns the transaction (transfer full). */
SyncobjTransaction *_syncobj_collection_write               (SyncobjCollection   *self,
                                                             SyncobjTransaction  *transaction,
                                                             SyncobjMutationType  type,
                                                             const char          *key,
                                                             JsonObject          *value,
                                                             GError             **error);
/* Applies one sync commit. With @truncate, synced records not written in
 * this commit are deleted. With a store, what it changed in the synced
 * state goes to the store's cache, with @cursor (nullable: unchanged). A record whose key has the text of a held key
 * of the other type (1 and "1") is refused: the others apply, and the
 * first refusal is the error. */
gboolean            _syncobj_collection_apply_sync          (SyncobjCollection   *self,
                                                             SyncobjSyncWrite    *writes,
                                                             guint                n_writes,
                                                             gboolean             truncate,
                                                             const char          *cursor,
                                                             GError             **error);
/* A sliced commit is applied; @error is the first record refused, or
 * G_IO_ERROR_CANCELLED when the collection went first. */
typedef void (*SyncobjSlicedFunc) (gpointer      user_data,
                                   const GError *error);
/* Like _syncobj_collection_apply_sync(), with @writes (a reference is
 * taken) applied over several main-loop iterations of about a millisecond
 * each, then @done called (syncobj-collection-slice.c). Nothing reads
 * @writes after @done: the collection clears them, a slice at a time. */
void                _syncobj_collection_apply_sync_sliced   (SyncobjCollection   *self,
                                                             GArray              *writes,
                                                             gboolean             truncate,
                                                             const char          *cursor,
                                                             SyncobjSlicedFunc    done,
                                                             gpointer             user_data);
/* Applies the rest of a sliced commit at once, if one is under way. */
void                _syncobj_collection_finish_sliced       (SyncobjCollection   *self);
/* For tests: the next sliced commit applies @n_writes writes per
 * main-loop iteration, whatever the time they take. */
void                _syncobj_collection_set_slice_writes    (SyncobjCollection   *self,
                                                             guint                n_writes);
/* The sync reports an error (see SyncobjCollection:status). */
void                _syncobj_collection_sync_failed         (SyncobjCollection   *self);
/* The documented form of temporary keys: this prefix and a UUID. */
#define SYNCOBJ_TEMPORARY_KEY_PREFIX "~tmp-"
/* The server created the record that @mutation (an insert under a
 * temporary key) inserted, as @created: the record takes the server's key
 * in place, the temporary key becomes an alias of it, and @created is the
 * record's synced value. */
gboolean            _syncobj_collection_assign_key          (SyncobjCollection       *self,
                                                             SyncobjPendingMutation  *mutation,
                                                             JsonObject              *created,
                                                             GError                 **error);
/* From constructed(): shows the cached synced state, restores the
 * unfinished transactions of a previous run on top, then starts the sync
 * (syncobj-collection-open.c); only the cache's setup while
 * syncobj_collection_new_with_store_async() creates the collection, which
 * does the rest off the main loop. */
void                _syncobj_collection_open                (SyncobjCollection   *self);
void                _syncobj_collection_set_ready           (SyncobjCollection   *self,
                                                             gboolean             ready);
/* Queues @entry (of @transaction) in the lanes it must wait in for its
 * mutations of @self (none for a parallel collection): at their tail, or
 * with @in_order in commit order. */
void                _syncobj_collection_join_lanes          (SyncobjCollection   *self,
                                                             SyncobjTransaction  *transaction,
                                                             SyncobjQueueEntry   *entry,
                                                             gboolean             in_order);
/* The lane a transaction writing @key waits in, if it exists. */
SyncobjLane        *_syncobj_collection_find_lane           (SyncobjCollection   *self,
                                                             const char          *key);
/* Locks the keys of @transaction's mutations of @self (ordered only). */
void                _syncobj_collection_lock                (SyncobjCollection   *self,
                                                             SyncobjTransaction  *transaction);
/* Drops (or, while another transaction locks the key, retires) the overlay
 * of @transaction, unlocks, applies held sync writes: one visible step. */
void                _syncobj_collection_finish_transaction  (SyncobjCollection   *self,
                                                             SyncobjTransaction  *transaction,
                                                             gboolean             failed);
/* Lets go of the active transactions (dispose). */
void                _syncobj_collection_drop_active         (SyncobjCollection   *self);
void                _syncobj_collection_add_transaction     (SyncobjCollection   *self,
                                                             SyncobjTransaction  *transaction);
/* Calls @func for every visible record, in list order, with its key and
 * its visible value, without making records or building values (a
 * view's first fill): @packed, the record's checked compact JSON text,
 * for a packed record, else @value (unowned). */
typedef void (*SyncobjRowValueFunc) (const char *key,
                                     const char *packed,
                                     JsonObject *value,
                                     gpointer    user_data);
void                _syncobj_collection_foreach_value       (SyncobjCollection   *self,
                                                             SyncobjRowValueFunc  func,
                                                             gpointer             user_data);
/* The key and visible value of the record at @position of the list
 * model, without making a record (a view following the collection's
 * items-changed): sets *@packed to its packed text, or returns its value
 * (transfer none). Both live as long as the record is unchanged. */
JsonObject         *_syncobj_collection_peek_item           (SyncobjCollection   *self,
                                                             guint                position,
                                                             const char         **key,
                                                             const char         **packed);
/* The key of the record at @position of the list model, as
 * _syncobj_collection_peek_item() gives it, without its value. */
const char         *_syncobj_collection_peek_key            (SyncobjCollection   *self,
                                                             guint                position);
/* The position of the record of @key in the list model, if it is in it
 * (announced). */
gboolean            _syncobj_collection_find_position       (SyncobjCollection   *self,
                                                             const char          *key,
                                                             guint               *position);
/* The key under which the collection holds what @key names: the
 * server's key for a temporary key it replaced, whether or not a record
 * of it is visible now; else @key itself. */
const char         *_syncobj_collection_resolve_key         (SyncobjCollection   *self,
                                                             const char          *key);
/* Re-applies @mutation after a restart (used by the store's recovery). */
void                _syncobj_collection_restore_mutation    (SyncobjCollection      *self,
                                                             SyncobjPendingMutation *mutation);
/* Keys from the server, after a restart: the insert of @temporary_key in
 * @transaction had the answer @created (stored before the restart). An
 * unfinished one re-keys its record from it at once; a finished one makes
 * the temporary key name the server's key again. */
void                _syncobj_collection_restore_created     (SyncobjCollection      *self,
                                                             SyncobjTransaction     *transaction,
                                                             const char             *temporary_key,
                                                             JsonObject             *created);

/* ---- syncobj-collection-conflict.c ----------------------------------------- */

typedef enum {
  SYNCOBJ_CONFLICT_OUTCOME_RESEND,   /* the mutation took its resolved values */
  SYNCOBJ_CONFLICT_OUTCOME_GIVE_UP,  /* the transaction fails: the server wins */
  SYNCOBJ_CONFLICT_OUTCOME_DONE,     /* the server has what the mutation wanted */
} SyncobjConflictOutcome;

/* The server refused @mutation (of @self) because its record is @current
 * (NULL: deleted): @current becomes the synced state of the key,
 * ::conflict is emitted and the conflict policy rewrites @mutation. */
SyncobjConflictOutcome  _syncobj_collection_resolve_conflict (SyncobjCollection      *self,
                                                              SyncobjPendingMutation *mutation,
                                                              JsonObject             *current);

/* ---- syncobj-collection-cache.c -------------------------------------------- */

/* The synced state of a collection kept in its store's cache: the
 * collection's id, @overlay's rows and @order (the list model's
 * SyncobjRows) stay the collection's. NULL without a persistent store. */
typedef struct _SyncobjCollectionCache SyncobjCollectionCache;

SyncobjCollectionCache *_syncobj_collection_cache_new     (SyncobjStore           *store,
                                                           const char             *collection_id,
                                                           guint                   schema_version,
                                                           SyncobjOverlay         *overlay,
                                                           SyncobjRowOrder        *order);
void                    _syncobj_collection_cache_free    (SyncobjCollectionCache *self);
/* Shows the cached synced records, packed, in their order, and gives the
 * cached cursor to @sync; FALSE when there is no cache. */
gboolean                _syncobj_collection_cache_restore (SyncobjCollectionCache *self,
                                                           const char             *key_member,
                                                           SyncobjSync            *sync);
/* The steps of _restore(), for a start off the main loop: shows the
 * records [@start, @start + @n) of @cache (read with
 * _syncobj_store_read_cache()) after those shown before, then gives its
 * cursor to @sync. */
void                    _syncobj_collection_cache_adopt   (SyncobjCollectionCache *self,
                                                           SyncobjStoredCache     *cache,
                                                           const char             *key_member,
                                                           guint                   start,
                                                           guint                   n);
void                    _syncobj_collection_cache_adopt_cursor (SyncobjStoredCache *cache,
                                                                SyncobjSync        *sync);
/* Keeps the ETags read back with @cache (its last slice). */
void                    _syncobj_collection_cache_adopt_etags (SyncobjCollectionCache *self,
                                                               SyncobjStoredCache     *cache);
/* The ETag the server last gave for the record of @key, kept with its
 * cached record across restarts (an HTTP mutator's If-Match when the
 * collection has no version member); NULL when none is kept, or without
 * a persistent store. */
const char             *_syncobj_collection_get_etag      (SyncobjCollection      *collection,
                                                           const char             *key);
/* Keeps @etag (NULL or "": none) as that of the record of @key, in
 * memory and in the store's cache. */
void                    _syncobj_collection_keep_etag     (SyncobjCollection      *collection,
                                                           const char             *key,
                                                           const char             *etag);
/* Queues what a sync commit changed in the synced state (everything, for
 * a snapshot that truncates) and @cursor to the store. */
void                    _syncobj_collection_cache_commit  (SyncobjCollectionCache *self,
                                                           SyncobjSyncWrite       *writes,
                                                           guint                   n_writes,
                                                           gboolean                truncate,
                                                           const char             *cursor);
/* A snapshot's replacement of the cache, gathered from the collection's
 * rows over several main-loop iterations with the cursor of the commit
 * that made them. _run() gathers up to @deadline (monotonic time; -1: all
 * of them) or @max_rows rows: TRUE once every synced record is in. The synced state must
 * not change in between; when a row left the list, _restart() starts
 * over. _finish() hands the replacement to the store (one SQLite
 * transaction) and frees @gather. */
typedef struct _SyncobjCacheGather SyncobjCacheGather;

SyncobjCacheGather     *_syncobj_collection_cache_gather_new     (SyncobjCollectionCache *self,
                                                                  const char             *cursor);
gboolean                _syncobj_collection_cache_gather_run     (SyncobjCollectionCache *self,
                                                                  SyncobjCacheGather     *gather,
                                                                  gint64                  deadline,
                                                                  guint                   max_rows);
void                    _syncobj_collection_cache_gather_restart (SyncobjCacheGather     *gather);
void                    _syncobj_collection_cache_gather_finish  (SyncobjCollectionCache *self,
                                                                  SyncobjCacheGather     *gather);
void                    _syncobj_collection_cache_gather_free    (SyncobjCacheGather     *gather);
/* Queues the synced state of the keys of @mutations (those of
 * @collection; all of them with @all_mine) after a transaction ended:
 * held sync writes released, or what a collection without sync completed. */
void                    _syncobj_collection_cache_finish  (SyncobjCollectionCache *self,
                                                           SyncobjCollection      *collection,
                                                           SyncobjObjectList      *mutations,
                                                           gboolean                all_mine);

G_END_DECLS
