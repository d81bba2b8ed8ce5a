/* syncobj-store-writer-fields-private.h: what the store's writer holds
 *
 * For the files of the writer thread only: syncobj-store-writer.c (the
 * thread, its jobs and rounds, the transactions table),
 * syncobj-store-writer-open.c (opening the file) and
 * syncobj-store-writer-cache.c (the cache tables) and
 * syncobj-store-writer-read.c (transactions and cached records read back).
 * The store sees the writer through syncobj-store-writer-private.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-store-writer-private.h"
#include "syncobj-store-answers-private.h"
#include "syncobj-store-lock-private.h"

#include <libgda/libgda.h>

G_BEGIN_DECLS

/* At most this many statements in one SQLite transaction: libgda 5 slows
 * down quadratically with longer ones. */
#define SYNCOBJ_STORE_BATCH 500

/* How long a statement waits for another connection's lock. */
#define SYNCOBJ_STORE_BUSY_TIMEOUT_MS 5000

/* The parameters of a row, in the order write_row() sets them. */
enum
{
  ROW_ID,
  ROW_STATE,
  ROW_UPDATED_AT,
  ROW_CURRENT_ATTEMPT,
  ROW_COUNTED_ATTEMPTS,
  ROW_QUEUED_BEHIND,
  ROW_ERROR,
  ROW_ERROR_TRANSACTION_ID,
  ROW_METADATA,
  ROW_ATTEMPTS,
  N_UPDATE_HOLDERS,
  /* the insert only */
  ROW_COLLECTION_ID = N_UPDATE_HOLDERS,
  ROW_CREATED_AT,
  ROW_SEQUENCE,
  ROW_MUTATIONS,
  N_ROW_HOLDERS
};

#define SYNCOBJ_STORE_ROW_COLUMNS \
  "id, collection_id, state, created_at, updated_at, sequence, current_attempt, " \
  "counted_attempts, queued_behind, error, error_transaction_id, metadata, attempts, mutations"

typedef enum
{
  JOB_ROW,
  JOB_FLUSH,
  JOB_PRUNE,
  JOB_LOAD,
  JOB_CACHE,         /* a sync commit's records; written in order with the rows */
  JOB_CACHE_READ,
  JOB_CACHE_CLEAR,
  JOB_FREE,          /* what the thread decoded, back to be freed */
  JOB_HISTORY,       /* a page of finished transactions, newest first */
} JobType;

typedef struct
{
  JobType          type;
  SyncobjStoreRow *row;            /* JOB_ROW */
  GTask           *task;           /* nullable */
  SyncobjStoreDoneFunc on_done;    /* JOB_ROW, instead of @task: nullable */
  gpointer         on_done_data;
  gint64           older_than_us;  /* JOB_PRUNE */
  char            *collection_id;  /* JOB_LOAD; JOB_HISTORY: NULL for every collection */
  guint            history_limit;  /* JOB_HISTORY: the page's size */
  guint            history_offset; /* JOB_HISTORY: counted from the newest */
  GError         **error_out;      /* JOB_HISTORY: set before the end mark */
  SyncobjStoreDecodeFunc decode;
  GAsyncQueue     *results;        /* decoded rows, then the end mark */
  SyncobjStoredCache *cache;       /* JOB_CACHE; JOB_CACHE_READ: the answer */
  guint            schema_version; /* JOB_CACHE_READ */
  gboolean         done;           /* JOB_CACHE_READ: the answer is there */
  GPtrArray       *garbage;        /* JOB_FREE: freed by its free function */
  /* JOB_ROW, JOB_CACHE: the context of the thread that made the job, where
   * it goes back to be freed (see _syncobj_store_answers_add_garbage()) */
  GMainContext    *context;
} Job;

struct _SyncobjStoreWriter
{
  GThread       *thread;
  GMutex         mutex;
  GCond          cond;        /* jobs queued, or closing */
  GCond          done_cond;   /* a waited-for job is done */
  GQueue         jobs;
  gboolean       closing;
  gboolean       detached;    /* closed from its own thread: frees itself */

  /* set while opening, then read-only */
  char          *path;
  SyncobjStoreLock *lock;     /* held from open to free */
  gboolean       synchronous_full;
  gboolean       move_corrupt_aside;
  GError        *open_error;
  gboolean       opened;
  gint64         max_sequence;

  /* writer thread only */
  GdaConnection *cnc;
  /* The file SQLite opened for @cnc, which the readers of
   * syncobj-store-writer-read.c open too: libgda's SQLite provider opens
   * PATH.db instead of PATH when that exists. */
  char          *file;
  GdaStatement  *insert;
  GdaSet        *insert_params;
  GdaStatement  *update;
  GdaSet        *update_params;
  GHashTable    *statements;  /* SQL → GdaStatement, parsed once */
  SyncobjStoreAnswers *answers; /* for the tasks, sent after each round */
  /* Rows a failed commit left unwritten (a full disk, an I/O error): task-less
   * jobs, one per transaction, written again before the next rows. */
  GPtrArray     *unwritten;
  GError        *write_error; /* why, while unwritten is not empty */
  /* The integrity check not run at open: it runs once the first
   * collection's start has read the file (see syncobj-store-writer-open.c). */
  gboolean       check_pending;
  gboolean       check_due;
  /* What that check found: the file is not written any more. */
  GError        *damaged;
  /* collection id → CacheState: the cache_state rows, as committed */
  GHashTable    *cache_states;
  GHashTable    *prepared;    /* SQL (static) → Prepared */
  /* The parameters of insert and update, looked up once, in ROW_* order. */
  GdaHolder     *insert_holders[N_ROW_HOLDERS];
  GdaHolder     *update_holders[N_ROW_HOLDERS];
};

/* One round of writing: SQLite transactions of at most
 * SYNCOBJ_STORE_BATCH statements each, opened as needed. */
typedef struct
{
  SyncobjStoreWriter *self;
  guint               statements;
  gboolean            open;
  guint               job;       /* the job being written */
  guint               written;   /* the jobs before it are committed */
} SyncobjStoreRound;

void     _syncobj_store_writer_job_free        (Job                *job);
/* Queues the answer to the task of @job (with @error, taken, or @value). */
void     _syncobj_store_writer_complete_job    (SyncobjStoreWriter *self,
                                                Job                *job,
                                                GError             *error,
                                                gssize              value);
/* Appends to @rows (of SyncobjStoreRow) the rows of the transactions
 * table that @sql (SYNCOBJ_STORE_ROW_COLUMNS; ?1 the collection id, ?2
 * @limit if it is not negative) selects, read through sqlite3 itself
 * (syncobj-store-writer-read.c). */
gboolean _syncobj_store_writer_read_rows       (SyncobjStoreWriter  *self,
                                                const char          *sql,
                                                const char          *collection_id,
                                                gint64               limit,
                                                GPtrArray           *rows,
                                                GError             **error);
/* The same, with ?3 bound to @offset when it is not negative. */
gboolean _syncobj_store_writer_read_rows_page  (SyncobjStoreWriter  *self,
                                                const char          *sql,
                                                const char          *collection_id,
                                                gint64               limit,
                                                gint64               offset,
                                                GPtrArray           *rows,
                                                GError             **error);
/* Before a statement: opens a transaction, or commits a full one and opens
 * the next. With @room, that many statements must go into one. */
gboolean _syncobj_store_writer_round_statement (SyncobjStoreRound  *round,
                                                guint               room,
                                                GError            **error);

G_END_DECLS
