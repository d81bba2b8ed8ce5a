/* store-test-utils.h: helpers shared by the store tests and the crash helper
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "test-utils.h"
#include "thread-cpu.h"
#include "syncobj-transaction-private.h"

G_BEGIN_DECLS

/* Runs the main context until *@flag is set (bounded: fails after 20 s).
 * The store answers from its writer thread: this waits on real events. */
void                syncobj_store_test_wait_for       (gboolean          *flag);
/* syncobj_store_flush_async() and waits for it. */
void                syncobj_store_test_flush          (SyncobjStore      *store);
void                syncobj_store_test_run_pending    (void);
/* One blocking main-loop iteration, measured in µs of this thread's CPU
 * time (waiting costs none, so the sum is the work): raises *@longest to
 * it and adds it to *@total. */
void                syncobj_store_test_iterate_measured (gint64      *longest,
                                                         gint64      *total);
/* As syncobj_store_test_wait_for(); returns the longest main-loop
 * iteration meanwhile, in µs of this thread's CPU time, and adds the
 * CPU time of all of them to *@total. */
gint64              syncobj_store_test_wait_for_longest (gboolean    *flag,
                                                         gint64      *total);

/* A mutator that keeps every persist job for the test to finish, or
 * completes them at once. */
typedef struct
{
  GPtrArray *jobs;              /* SyncobjPersistJob */
  gboolean   complete_at_once;
  GPtrArray *calls;             /* "id attempt" of every persist call */
} SyncobjTestBackend;

SyncobjMutator     *syncobj_store_test_backend_init   (SyncobjTestBackend *backend);
void                syncobj_store_test_backend_clear  (SyncobjTestBackend *backend);
/* A backend that lives as long as its mutator (*@mutator, transfer full):
 * collections left behind by a test may still call it. */
SyncobjTestBackend *syncobj_store_test_backend_new    (SyncobjMutator   **mutator);
void                syncobj_store_test_backend_persist (SyncobjPersistJob *job,
                                                       gpointer           user_data);
void                syncobj_store_test_wait_for_jobs  (SyncobjTestBackend *backend,
                                                       guint               n);

/* The transaction at @position of the collection's active ones (transfer full). */
SyncobjTransaction *syncobj_store_test_transaction_at (SyncobjCollection *collection,
                                                       guint              position);
/* Installs a log writer that keeps every message of the Syncobj domain
 * (and still prints it), since g_test_expect_message() does not see
 * structured logging. Call once, before anything logs. */
void                syncobj_store_test_capture_log    (void);
/* Fails the test unless a message matching the glob @pattern was logged
 * since the last call; forgets the messages seen. NULL only forgets. */
void                syncobj_store_test_assert_logged  (const char        *pattern);
/* Fails the test if a message matching the glob @pattern was logged since
 * the last syncobj_store_test_assert_logged(). */
void                syncobj_store_test_assert_not_logged (const char     *pattern);

/* Fails the test unless @object (nullable) equals the JSON object @expected. */
void                syncobj_store_test_assert_value   (JsonObject        *object,
                                                       const char        *expected);
/* The path of a store file named @name in the test's own data directory
 * (made if need be; each test case has its own). */
char               *syncobj_store_test_path           (const char        *name);
/* Runs the NULL-terminated @statements on the SQLite file @path, and
 * reads one integer, with a connection of the test's own. */
void                syncobj_store_test_run_sql        (const char        *path,
                                                       const char       **statements);
gint64              syncobj_store_test_query_int      (const char        *path,
                                                       const char        *sql);

/* Every field of @transaction, its attempts and its mutations, as JSON. */
char               *syncobj_store_test_describe       (SyncobjTransaction *transaction);

/* The done callback of a sliced commit: asserts it applied and sets the
 * gboolean at @user_data. */
void                syncobj_store_test_sliced_done_cb (SyncobjSync    *sync,
                                                       const GError   *error,
                                                       gpointer        user_data);

G_END_DECLS
