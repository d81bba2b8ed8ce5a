/* syncobj-store-private.h: what the store keeps, as plain structs
 *
 * The store is a leaf: it maps these structs to its SQLite file and back,
 * on its writer thread, and knows nothing of collections, transactions or
 * the registry. The engine takes a snapshot of a transaction's durable
 * state (syncobj-transaction.c) and hands it over; recovery
 * (syncobj-recovery.c) asks the store for what it holds and rebuilds the
 * transactions from it.
 *
 * Another kind of row (such as a collection's cached synced records and
 * its cursor) gets its plain struct here, its row codec beside
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

/* ---- the store (syncobj-store.c) ------------------------------------------ */

/* Takes the snapshot of @source's durable state. */
typedef SyncobjStoredTransaction *(*SyncobjStoreSnapshotFunc) (GObject *source);

/* Writes a committed transaction, @source, before its first persist
 * attempt: @snapshot is called at once (not at all for an in-memory
 * store) and must give the snapshot with its mutations. The callback runs
 * on the caller's main context once it is on disk. */
void                      _syncobj_store_save_async         (SyncobjStore              *self,
                                                             GObject                   *source,
                                                             SyncobjStoreSnapshotFunc   snapshot,
                                                             GAsyncReadyCallback        callback,
                                                             gpointer                   user_data);
gboolean                  _syncobj_store_save_finish        (SyncobjStore              *self,
                                                             GAsyncResult              *result,
                                                             GError                   **error);

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
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncobjStoreLoad, _syncobj_store_load_free)

G_END_DECLS
