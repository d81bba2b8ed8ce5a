/* syncobj-store-private.h: what the store keeps, as plain structs
 *
 * The store is a leaf: it maps these structs to its SQLite file and back,
 * on its writer thread, and knows nothing of collections, transactions or
 * the registry. The engine takes a snapshot of a transaction's durable
 * state (syncobj-transaction.c) and hands it over; recovery
 * (syncobj-recovery.c) asks the store for what it holds and rebuilds the
 * transactions from it.
 *
 * A collection's cache of its synced records and its sync's cursor is
 * the other kind of row (SyncobjStoredCache, syncobj-stored-cache.c): the
 * writer thread commits it in order with the transaction rows queued
 * around it (syncobj-store-writer.c), in the `cache` and `cache_state`
 * tables (syncobj-store-sql.c).
 *
 * Another kind of row gets its plain struct here, its row codec beside
 * syncobj-stored-transaction.c, a job of the writer thread
 * (syncobj-store-writer.c, whose write_batch() commits the rows queued
 * together in one SQLite transaction) and its tables in the schema, as a
 * migration (syncobj-store-sql.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-private.h"

G_BEGIN_DECLS

/* ---- the plain structs (syncobj-stored-transaction.c) --------------------- */

/* One attempt to persist a transaction. */
typedef struct
{
  char    *id;
  guint    number;                  /* from 1 */
  gint64   started_at_us;
  gint64   completed_at_us;         /* 0 while running */
  gint64   retry_scheduled_for_us;  /* 0 when none */
  GError  *error;                   /* nullable */
} SyncobjStoredAttempt;

/* One write of a transaction. The JSON objects are sealed and shared with
 * whoever made the struct; they are only read. */
typedef struct _SyncobjStoredMutation SyncobjStoredMutation;

struct _SyncobjStoredMutation
{
  char                *mutation_id;
  char                *collection_id;
  char                *key;
  SyncobjMutationType  type;
  JsonObject          *original;   /* nullable */
  JsonObject          *modified;   /* nullable; may be @changes itself (an insert) */
  JsonObject          *changes;
  JsonObject          *metadata;   /* nullable */
  gboolean             replaces;   /* see SyncobjPendingMutation */
  gint64               created_at_us;
  gint64               updated_at_us;
};

SyncobjStoredMutation    *_syncobj_stored_mutation_new      (void);
void                      _syncobj_stored_mutation_free     (SyncobjStoredMutation *mutation);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncobjStoredMutation, _syncobj_stored_mutation_free)

/* The durable state of one transaction: a snapshot the engine hands to the
 * store, or what the store read back. */
typedef struct _SyncobjStoredTransaction SyncobjStoredTransaction;

struct _SyncobjStoredTransaction
{
  char                    *id;
  char                    *collection_id;         /* the collection it was begun on */
  SyncobjTransactionState  state;
  gint64                   created_at_us;
  gint64                   updated_at_us;
  guint64                  sequence;              /* commit order, across restarts */
  guint                    current_attempt;
  guint                    counted_attempts;      /* offline attempts do not count */
  char                    *queued_behind;         /* nullable */
  GError                  *error;                 /* nullable */
  char                    *error_transaction_id;  /* nullable */
  JsonObject              *metadata;              /* nullable */
  GArray                  *attempts;              /* SyncobjStoredAttempt */
  /* Mutation id → the record the server created for that insert, from
   * its answer (keys from the server); nullable. Kept with the last
   * attempt's row, in which that answer came. */
  JsonObject              *created;
  /* SyncobjStoredMutation. In a snapshot of a change after the commit,
   * NULL: collection, creation date, sequence and mutations never change
   * after the commit, and the store keeps what it has of them. */
  GPtrArray               *mutations;
};

/* A transaction with an empty attempt list and, with @with_mutations, an
 * empty mutation list. */
SyncobjStoredTransaction *_syncobj_stored_transaction_new   (gboolean               with_mutations);
void                      _syncobj_stored_transaction_free  (SyncobjStoredTransaction *stored);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncobjStoredTransaction, _syncobj_stored_transaction_free)
/* Drops the JSON objects of @stored, which it shares with what was made
 * from it (their reference counts are not atomic): the rest of @stored may
 * then be freed on another thread. */
void                      _syncobj_stored_transaction_drop_json (SyncobjStoredTransaction *stored);

/* ---- the cache of synced state (syncobj-stored-cache.c) ------------------- */

/* One record of a collection's synced state. */
typedef struct
{
  char  *key;
  char  *value;          /* its packed JSON object text; NULL: gone from the synced state */
  gsize  value_length;   /* of @value, without its NUL */
} SyncobjCachedRecord;

/* What one sync commit changed in a collection's synced state (to write),
 * or the whole synced state with its cursor (read back). */
typedef struct _SyncobjStoredCache SyncobjStoredCache;

struct _SyncobjStoredCache
{
  char     *collection_id;
  guint     schema_version;   /* of the application's records */
  /* The records replace every cached one, atomically: a snapshot. */
  gboolean  replaces;
  GArray   *records;          /* SyncobjCachedRecord, in the collection's order */
  /* The sync's cursor after this commit; NULL keeps the one stored, ""
   * drops it. Read back: "" when there is none. */
  char     *cursor;
  /* Read back: the text of every record, in blocks (GStringChunk) that
   * the records point into; NULL while the records own their text. */
  GPtrArray *text;
  /* Key → the ETag the server gave for the cached record ("" forgets
   * it), which an HTTP mutator sends as If-Match; written after the
   * records, to rows cached already. Read back: the ETags of the cached
   * records. NULL for none. */
  GHashTable *etags;
};

SyncobjStoredCache       *_syncobj_stored_cache_new         (const char                *collection_id,
                                                             guint                      schema_version);
void                      _syncobj_stored_cache_free        (SyncobjStoredCache        *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncobjStoredCache, _syncobj_stored_cache_free)
/* Makes room for @n records in @cache, still empty: a big cache built on
 * the main thread grows without copying its array. */
void                      _syncobj_stored_cache_reserve     (SyncobjStoredCache        *cache,
                                                             guint                      n);
/* Adds a record (copied); @value NULL for a deletion. */
void                      _syncobj_stored_cache_add         (SyncobjStoredCache        *cache,
                                                             const char                *key,
                                                             const char                *value,
                                                             gssize                     value_length);
/* Adds a record read back (or gathered from a collection's rows), its
 * key and text copied once into the cache's blocks of text. A cache holds records of one kind: added with
 * this function or with _syncobj_stored_cache_add(), not both. */
void                      _syncobj_stored_cache_add_read    (SyncobjStoredCache        *cache,
                                                             const char                *key,
                                                             gsize                      key_length,
                                                             const char                *value,
                                                             gsize                      value_length);
/* Sets the ETag of the cached record of @key (NULL or "" forgets it). */
void                      _syncobj_stored_cache_set_etag    (SyncobjStoredCache        *cache,
                                                             const char                *key,
                                                             const char                *etag);
/* Moves the records (and text) of @slice, read back, after those of
 * @cache, and its cursor and ETags when it has some; frees @slice. */
void                      _syncobj_stored_cache_append      (SyncobjStoredCache        *cache,
                                                             SyncobjStoredCache        *slice);
/* Whether a cached record read back can be shown: a key and a JSON object
 * text that the collection can build. NULL with @error naming the fault. */
gboolean                  _syncobj_stored_cache_check_record (const char               *key,
                                                              const char               *value,
                                                              GError                  **error);
/* The same for a key and a text of the given lengths (either may be NULL):
 * a NUL inside either is a fault. */
gboolean                  _syncobj_stored_cache_check_text  (const char                *key,
                                                             gsize                      key_length,
                                                             const char                *value,
                                                             gsize                      value_length,
                                                             GError                   **error);
/* Whether a cursor read back can be given to a sync: UTF-8 text without
 * control characters, at most 4 KiB. */
gboolean                  _syncobj_stored_cache_check_cursor (const char               *cursor,
                                                              GError                  **error);

/* ---- the store (syncobj-store.c) ------------------------------------------ */

/* Takes the snapshot of @source's durable state. */
typedef SyncobjStoredTransaction *(*SyncobjStoreSnapshotFunc) (GObject *source);

/* Called once a transaction is saved (@error NULL) or could not be (the
 * store keeps it and writes it later, see SyncobjStore:write-error). */
typedef void (*SyncobjStoreSavedFunc) (SyncobjStore *store,
                                       const GError *error,
                                       gpointer      user_data);

/* Writes a committed transaction, @source, before its first persist
 * attempt: @snapshot is called at once (not at all for an in-memory
 * store) and must give the snapshot with its mutations. @saved runs on
 * the caller's main context once it is on disk, never before this
 * returns. No GTask: a burst of commits makes one save each. */
void                      _syncobj_store_save               (SyncobjStore              *self,
                                                             GObject                   *source,
                                                             SyncobjStoreSnapshotFunc   snapshot,
                                                             SyncobjStoreSavedFunc      saved,
                                                             gpointer                   user_data);

/* Records that the durable state of @source (a reference is kept until it
 * is written) changed. @snapshot is called once per main-loop iteration
 * however often @source changed, or before a flush, and gives the
 * snapshot without mutations; what it returns is written. Nothing happens
 * for an in-memory store. */
void                      _syncobj_store_changed            (SyncobjStore              *self,
                                                             GObject                   *source,
                                                             SyncobjStoreSnapshotFunc   snapshot);

/* The highest commit sequence in the file when it was opened; 0 for an
 * in-memory store. */
guint64                   _syncobj_store_get_max_sequence   (SyncobjStore              *self);

/* Reading back, for recovery. Reads the transactions of @collection_id
 * (after everything queued before is written): the newest @history_limit
 * finished ones and every unfinished one, in commit order. The writer
 * thread reads and decodes while the caller takes them one by one with
 * _syncobj_store_load_next(); rows that cannot be decoded are skipped with
 * a log line. Waits for the disk: start-up only. NULL for an in-memory
 * store. */
typedef struct _SyncobjStoreLoad SyncobjStoreLoad;

SyncobjStoreLoad         *_syncobj_store_load               (SyncobjStore              *self,
                                                             const char                *collection_id,
                                                             guint                      history_limit);
/* The next transaction (transfer full), or NULL after the last one. */
SyncobjStoredTransaction *_syncobj_store_load_next          (SyncobjStoreLoad          *load);
void                      _syncobj_store_load_free          (SyncobjStoreLoad          *load);
/* Frees @stored (taken: SyncobjStoredTransaction taken from
 * _syncobj_store_load_next(), with its free function) on the store's
 * writer thread, which made them (see _syncobj_store_writer_free()); their
 * JSON objects are dropped here first. */
void                      _syncobj_store_free_loaded        (SyncobjStore              *self,
                                                             GPtrArray                 *stored);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncobjStoreLoad, _syncobj_store_load_free)

/* Queues @cache (taken), what one sync commit changed, to be committed in
 * order with the transaction rows queued before and after it; a failure
 * sets SyncobjStore:write-error and keeps it for the next round. Nothing
 * happens for an in-memory store. */
void                      _syncobj_store_write_cache        (SyncobjStore              *self,
                                                             SyncobjStoredCache        *cache);
/* Reads the cached synced state of @collection_id (after everything
 * queued before is written), on the writer thread: the records in their
 * order and the cursor. A cache written under another @schema_version is
 * dropped, with a log line; a record that cannot be shown is skipped,
 * with a log line, and the cursor is dropped so that the sync loads
 * everything again. Waits for the disk: start-up only. NULL for an
 * in-memory store or when nothing is cached. */
SyncobjStoredCache       *_syncobj_store_read_cache         (SyncobjStore              *self,
                                                             const char                *collection_id,
                                                             guint                      schema_version);
/* The same, in slices as the writer thread reads them, so that the
 * caller shows the records of one slice while the next one is read: each
 * slice holds the next records in order; the last one also holds the
 * cursor, the others none. NULL for an in-memory store. */
typedef struct _SyncobjStoreCacheRead SyncobjStoreCacheRead;

SyncobjStoreCacheRead    *_syncobj_store_read_cache_slices  (SyncobjStore              *self,
                                                             const char                *collection_id,
                                                             guint                      schema_version);
/* The next slice (transfer full), or NULL after the last one. */
SyncobjStoredCache       *_syncobj_store_cache_read_next    (SyncobjStoreCacheRead     *read);
void                      _syncobj_store_cache_read_free    (SyncobjStoreCacheRead     *read);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncobjStoreCacheRead, _syncobj_store_cache_read_free)

G_END_DECLS
