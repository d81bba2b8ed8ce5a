/* syncobj-types.h: forward declarations and the enumerations of libsyncobj
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SYNCOBJ_INSIDE__) && !defined(SYNCOBJ_COMPILATION)
#error "Only <syncobj.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _SyncobjAttempt         SyncobjAttempt;
typedef struct _SyncobjCollection      SyncobjCollection;
typedef struct _SyncobjMutator         SyncobjMutator;
typedef struct _SyncobjPendingMutation SyncobjPendingMutation;
typedef struct _SyncobjPersistJob      SyncobjPersistJob;
typedef struct _SyncobjRecord          SyncobjRecord;
typedef struct _SyncobjRegistry        SyncobjRegistry;
typedef struct _SyncobjRetryPolicy     SyncobjRetryPolicy;
typedef struct _SyncobjStore           SyncobjStore;
typedef struct _SyncobjSync            SyncobjSync;
typedef struct _SyncobjTransaction     SyncobjTransaction;

/**
 * SyncobjTransactionState:
 * @SYNCOBJ_TRANSACTION_STATE_PENDING: created (or committed) but not yet sent;
 *   also when nothing is ahead of it but the network is down
 * @SYNCOBJ_TRANSACTION_STATE_QUEUED: waiting behind another transaction (ordered strategy only)
 * @SYNCOBJ_TRANSACTION_STATE_PERSISTING: the persist call is running, or a retry is scheduled
 * @SYNCOBJ_TRANSACTION_STATE_PERSISTED_AWAITING_SYNC: persist succeeded; waiting for the sync echo
 * @SYNCOBJ_TRANSACTION_STATE_COMPLETED: persisted and synced back; the optimistic layer is gone
 * @SYNCOBJ_TRANSACTION_STATE_FAILED: failed, rolled back or cancelled; see #SyncobjTransaction:error
 *
 * The life cycle of a [class@Syncobj.Transaction]. `completed` and `failed`
 * are terminal.
 */
typedef enum {
  SYNCOBJ_TRANSACTION_STATE_PENDING,
  SYNCOBJ_TRANSACTION_STATE_QUEUED,
  SYNCOBJ_TRANSACTION_STATE_PERSISTING,
  SYNCOBJ_TRANSACTION_STATE_PERSISTED_AWAITING_SYNC,
  SYNCOBJ_TRANSACTION_STATE_COMPLETED,
  SYNCOBJ_TRANSACTION_STATE_FAILED,
} SyncobjTransactionState;

/**
 * SyncobjCollectionStatus:
 * @SYNCOBJ_COLLECTION_STATUS_LOADING: nothing to show yet
 * @SYNCOBJ_COLLECTION_STATUS_CACHED: showing the synced state cached in the
 *   store; the sync has not caught up yet
 * @SYNCOBJ_COLLECTION_STATUS_READY: the sync has caught up (and stays so
 *   when the network drops later)
 * @SYNCOBJ_COLLECTION_STATUS_ERROR: the sync reports an error and there is
 *   no cache to show
 *
 * Whether what a collection shows is saved data or current data: see
 * [property@Syncobj.Collection:status].
 */
typedef enum {
  SYNCOBJ_COLLECTION_STATUS_LOADING,
  SYNCOBJ_COLLECTION_STATUS_CACHED,
  SYNCOBJ_COLLECTION_STATUS_READY,
  SYNCOBJ_COLLECTION_STATUS_ERROR,
} SyncobjCollectionStatus;

/**
 * SyncobjStrategy:
 * @SYNCOBJ_STRATEGY_ORDERED: persist calls go out one at a time in creation
 *   order; locked keys hold sync updates; dependent transactions fail together
 * @SYNCOBJ_STRATEGY_PARALLEL: every transaction persists at once; sync updates
 *   apply at once and the merge function recomputes the visible value
 *
 * How a collection schedules its transactions.
 */
typedef enum {
  SYNCOBJ_STRATEGY_ORDERED,
  SYNCOBJ_STRATEGY_PARALLEL,
} SyncobjStrategy;

/**
 * SyncobjKeySource:
 * @SYNCOBJ_KEY_SOURCE_CLIENT: every record carries its key member when it is
 *   inserted
 * @SYNCOBJ_KEY_SOURCE_SERVER: an insert may omit the key member; the record
 *   has a temporary key until the server's answer brings its key
 *
 * Who gives the records of a collection their keys.
 */
typedef enum {
  SYNCOBJ_KEY_SOURCE_CLIENT,
  SYNCOBJ_KEY_SOURCE_SERVER,
} SyncobjKeySource;

/**
 * SyncobjConflictPolicy:
 * @SYNCOBJ_CONFLICT_POLICY_REBASE: re-apply the members the pending change
 *   set on top of the server's current record, and send it again
 * @SYNCOBJ_CONFLICT_POLICY_SERVER_WINS: give the change up: its transaction
 *   fails with %SYNCOBJ_ERROR_CONFLICT and the record shows the server's
 *   value
 * @SYNCOBJ_CONFLICT_POLICY_CLIENT_WINS: send the whole local value again,
 *   over the server's current version
 * @SYNCOBJ_CONFLICT_POLICY_CUSTOM: the function given to
 *   [method@Syncobj.Collection.set_conflict_func] returns the value to send
 *
 * What a collection does when the server refuses a change because its
 * record changed meanwhile. See [property@Syncobj.Collection:conflict-policy].
 */
typedef enum {
  SYNCOBJ_CONFLICT_POLICY_REBASE,
  SYNCOBJ_CONFLICT_POLICY_SERVER_WINS,
  SYNCOBJ_CONFLICT_POLICY_CLIENT_WINS,
  SYNCOBJ_CONFLICT_POLICY_CUSTOM,
} SyncobjConflictPolicy;

/**
 * SyncobjQueueScope:
 * @SYNCOBJ_QUEUE_SCOPE_COLLECTION: one FIFO for the whole collection
 * @SYNCOBJ_QUEUE_SCOPE_KEY: one FIFO per key; independent keys persist in parallel
 *
 * The width of the queue of an ordered collection.
 */
typedef enum {
  SYNCOBJ_QUEUE_SCOPE_COLLECTION,
  SYNCOBJ_QUEUE_SCOPE_KEY,
} SyncobjQueueScope;

/**
 * SyncobjMutationType:
 * @SYNCOBJ_MUTATION_TYPE_INSERT: a new record (in a sync write: set the whole record)
 * @SYNCOBJ_MUTATION_TYPE_UPDATE: a shallow merge of changes into a record
 * @SYNCOBJ_MUTATION_TYPE_DELETE: removal of a record
 *
 * The kind of a write, local or from the sync side.
 */
typedef enum {
  SYNCOBJ_MUTATION_TYPE_INSERT,
  SYNCOBJ_MUTATION_TYPE_UPDATE,
  SYNCOBJ_MUTATION_TYPE_DELETE,
} SyncobjMutationType;

/**
 * SyncobjMutationState:
 * @SYNCOBJ_MUTATION_STATE_CREATED: applied optimistically, not yet sent
 * @SYNCOBJ_MUTATION_STATE_PERSISTING: its transaction is being persisted
 * @SYNCOBJ_MUTATION_STATE_SYNCED: persisted and synced back
 *
 * The state of one [class@Syncobj.PendingMutation].
 */
typedef enum {
  SYNCOBJ_MUTATION_STATE_CREATED,
  SYNCOBJ_MUTATION_STATE_PERSISTING,
  SYNCOBJ_MUTATION_STATE_SYNCED,
} SyncobjMutationState;

G_END_DECLS
