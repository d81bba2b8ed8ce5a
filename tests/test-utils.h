/* test-utils.h: helpers shared by the C tests of libsyncobj
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <syncobj.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#if defined(__SANITIZE_ADDRESS__)
#define SYNCOBJ_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SYNCOBJ_TEST_UNDER_ASAN 1
#endif
#endif
#ifndef SYNCOBJ_TEST_UNDER_ASAN
#define SYNCOBJ_TEST_UNDER_ASAN 0
#endif

/* TRUE under AddressSanitizer or valgrind, where big and long tests run at
 * a smaller size to keep the suite within its time. */
static inline gboolean
syncobj_test_instrumented (void)
{
  return SYNCOBJ_TEST_UNDER_ASAN || RUNNING_ON_VALGRIND;
}

G_BEGIN_DECLS

/* g_test_init() with isolated XDG directories, the locale from the
 * environment (the tests run with LC_ALL=C.UTF-8), and no proxy resolver. */
void        syncobj_test_init        (int         *argc,
                                      char      ***argv);

/* Parses @json, which must hold one JSON object; the test fails otherwise.
 * Returns: (transfer full) */
JsonObject *syncobj_test_object      (const char  *json);

/* Parses @json, which must hold one JSON array; the test fails otherwise.
 * Returns: (transfer full) */
JsonArray  *syncobj_test_array       (const char  *json);

/* Fails the test unless @object equals the JSON object in @expected_json
 * (compared as JSON values, so member order and spacing do not matter).
 * On a mismatch both sides are printed. @object may be NULL, which only
 * matches the literal "null". */
#define syncobj_test_assert_json(object, expected_json) \
  _syncobj_test_assert_json_at (__FILE__, __LINE__, G_STRFUNC, (object), (expected_json))
void        _syncobj_test_assert_json_at (const char  *file,
                                          int          line,
                                          const char  *func,
                                          JsonObject  *object,
                                          const char  *expected_json);

/* ---- collections -------------------------------------------------------- */

/* A test collection (syncobj_test_collection_new()) whose server holds the
 * records of @initial_json, a JSON array literal (NULL for none).
 * Returns: (transfer full) */
SyncobjCollection *syncobj_test_collection_from_json (const char          *initial_json,
                                                      SyncobjStrategy      strategy,
                                                      SyncobjSyncControl **control);

/* Writes that must succeed (the test fails otherwise); the JSON texts
 * are objects. Return the transaction (transfer full). */
SyncobjTransaction *syncobj_test_insert (SyncobjCollection *collection,
                                         const char        *value_json);
SyncobjTransaction *syncobj_test_update (SyncobjCollection *collection,
                                         const char        *key,
                                         const char        *changes_json);
SyncobjTransaction *syncobj_test_delete (SyncobjCollection *collection,
                                         const char        *key);
/* Adds a write to an uncommitted @transaction; @key is ignored for an
 * insert, @json for a delete. */
void        syncobj_test_transaction_write (SyncobjTransaction  *transaction,
                                            SyncobjCollection   *collection,
                                            SyncobjMutationType  type,
                                            const char          *key,
                                            const char          *json);
/* syncobj_sync_control_emit_update() of a JSON object literal. */
void        syncobj_test_emit_update (SyncobjSyncControl *control,
                                      const char         *value_json);

/* Asserts the visible value of @key ("null": not visible). */
#define syncobj_test_assert_value(collection, key, expected_json) \
  syncobj_test_assert_json (syncobj_collection_lookup_value ((collection), (key)), (expected_json))

/* Asserts the visible keys of @collection in list order, as one string
 * joined with spaces ("" for none). */
#define syncobj_test_assert_keys(collection, expected) \
  _syncobj_test_assert_keys_at (__FILE__, __LINE__, G_STRFUNC, (collection), (expected))
void        _syncobj_test_assert_keys_at (const char        *file,
                                          int                line,
                                          const char        *func,
                                          SyncobjCollection *collection,
                                          const char        *expected);

/* Asserts the locked keys of @collection, sorted and joined with spaces. */
#define syncobj_test_assert_locked_keys(collection, expected) \
  _syncobj_test_assert_locked_keys_at (__FILE__, __LINE__, G_STRFUNC, (collection), (expected))
void        _syncobj_test_assert_locked_keys_at (const char        *file,
                                                 int                line,
                                                 const char        *func,
                                                 SyncobjCollection *collection,
                                                 const char        *expected);

/* The number of transactions in the registry created on @collection. */
guint       syncobj_test_count_transactions (SyncobjCollection *collection);

/* A retry policy with @max_attempts, a 1 s initial delay doubling up to
 * 30 s, and no jitter, so delays are exact. Set on @collection.
 * Returns: (transfer none) */
SyncobjRetryPolicy *syncobj_test_exact_retry_policy (SyncobjCollection *collection,
                                                     guint              max_attempts);

/* ---- time --------------------------------------------------------------- */

/* Advances the virtual clock by steps of @step_ms until @transaction is
 * finished, and fails the test if that takes more than @max_ms. Returns the
 * final state. */
SyncobjTransactionState syncobj_test_wait_transaction (SyncobjSyncControl *control,
                                                       SyncobjTransaction *transaction,
                                                       guint               step_ms,
                                                       guint               max_ms);

/* Advances the virtual clock until @collection has no active transaction
 * (failing the test after ten virtual minutes) and brings the network back:
 * leaves nothing behind for the next test. */
void        syncobj_test_drain       (SyncobjSyncControl *control,
                                      SyncobjCollection  *collection);

/* Runs @func after @delay_ms of libsyncobj's scheduler (the virtual clock
 * in tests; 0 = from an idle). */
void        syncobj_test_add_timer   (guint        delay_ms,
                                      GSourceFunc  func,
                                      gpointer     data);

/* ---- signal recorders -------------------------------------------------- */

/* Records every ::items-changed of a list model. */
typedef struct
{
  GListModel *model;
  gulong      handler;
  GArray     *changes;   /* guint triples: position, removed, added */
} SyncobjTestItemsChanged;

SyncobjTestItemsChanged *syncobj_test_items_changed_new   (GListModel              *model);
void                     syncobj_test_items_changed_free  (SyncobjTestItemsChanged *recorder);
guint                    syncobj_test_items_changed_count (SyncobjTestItemsChanged *recorder);
void                     syncobj_test_items_changed_clear (SyncobjTestItemsChanged *recorder);
/* Asserts that the emissions so far are exactly the triples of
 * @expected, written "pos,removed,added" and separated by spaces
 * ("" for none). */
#define syncobj_test_items_changed_assert(recorder, expected) \
  _syncobj_test_items_changed_assert_at (__FILE__, __LINE__, G_STRFUNC, (recorder), (expected))
void                     _syncobj_test_items_changed_assert_at (const char              *file,
                                                                int                      line,
                                                                const char              *func,
                                                                SyncobjTestItemsChanged *recorder,
                                                                const char              *expected);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncobjTestItemsChanged, syncobj_test_items_changed_free)

/* Mirrors a list model the way a view does: on every ::items-changed it
 * removes the removed rows and fetches the added ones at once.
 * syncobj_test_shadow_assert() checks that the mirror matches the model
 * (the emissions were consistent) and, for a collection, its keys. */
typedef struct
{
  GListModel *model;
  gulong      handler;
  GPtrArray  *keys;      /* char *, the record keys in mirror order */
} SyncobjTestShadow;

SyncobjTestShadow *syncobj_test_shadow_new    (GListModel        *model);
void               syncobj_test_shadow_free   (SyncobjTestShadow *shadow);
void               syncobj_test_shadow_assert (SyncobjTestShadow *shadow);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncobjTestShadow, syncobj_test_shadow_free)

/* Records the notify emissions of one property of an object, and the
 * property's value at each (for "value": the JSON text; for "state": the
 * state name; for booleans "true"/"false"). */
typedef struct
{
  GObject   *object;
  char      *property;
  gulong     handler;
  GPtrArray *values;     /* char * */
} SyncobjTestNotify;

SyncobjTestNotify *syncobj_test_notify_new    (gpointer           object,
                                               const char        *property);
void               syncobj_test_notify_free   (SyncobjTestNotify *recorder);
guint              syncobj_test_notify_count  (SyncobjTestNotify *recorder);
/* Asserts the recorded values, joined with " | ". */
#define syncobj_test_notify_assert(recorder, expected) \
  _syncobj_test_notify_assert_at (__FILE__, __LINE__, G_STRFUNC, (recorder), (expected))
void               _syncobj_test_notify_assert_at (const char        *file,
                                                   int                line,
                                                   const char        *func,
                                                   SyncobjTestNotify *recorder,
                                                   const char        *expected);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncobjTestNotify, syncobj_test_notify_free)

/* What a rejected call must leave as it was: the visible records and their
 * order, the list model (no items-changed), the transactions of the
 * collection in the registry and its active ones. */
typedef struct
{
  SyncobjCollection       *collection;
  char                    *json;
  guint                    n_registered;
  guint                    n_active;
  SyncobjTestItemsChanged *changes;
} SyncobjTestSnapshot;

SyncobjTestSnapshot *syncobj_test_snapshot_new              (SyncobjCollection   *collection);
void                 syncobj_test_snapshot_free             (SyncobjTestSnapshot *snapshot);
void                 syncobj_test_snapshot_assert_unchanged (SyncobjTestSnapshot *snapshot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncobjTestSnapshot, syncobj_test_snapshot_free)

/* The assertions below report the caller's file and line. */

/* Asserts the persist log of @control: transaction ids in call order,
 * given as the transactions themselves, NULL-terminated. */
#define syncobj_test_assert_persist_log(control, ...) \
  _syncobj_test_assert_persist_log_at (__FILE__, __LINE__, G_STRFUNC, (control), __VA_ARGS__)
void        _syncobj_test_assert_persist_log_at (const char         *file,
                                                 int                 line,
                                                 const char         *func,
                                                 SyncobjSyncControl *control,
                                                 ...) G_GNUC_NULL_TERMINATED;

/* Asserts that @transaction failed with @code, naming @root (itself when
 * NULL) as the failing transaction. */
#define syncobj_test_assert_failed(transaction, code, root) \
  _syncobj_test_assert_failed_at (__FILE__, __LINE__, G_STRFUNC, (transaction), (code), (root))
void        _syncobj_test_assert_failed_at (const char         *file,
                                            int                 line,
                                            const char         *func,
                                            SyncobjTransaction *transaction,
                                            SyncobjError        code,
                                            SyncobjTransaction *root);

/* A launcher for a server process that a test starts: the server dies
 * with the test, so a crashed test leaves none behind. */
GSubprocessLauncher *syncobj_test_server_launcher (GSubprocessFlags flags);

/* A TCP port of 127.0.0.1 that is free now, for a server to listen on. */
guint                syncobj_test_free_port       (void);

G_END_DECLS
