/* syncobj-private.h: internals shared by the files of libsyncobj
 *
 * Each section names the file that implements it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "syncobj.h"
#include "syncobj-weak-private.h"

G_BEGIN_DECLS

/* ---- syncobj-error.c ------------------------------------------------ */

/* Binds the gettext domain once; every class_init that can produce a
 * user-visible string calls it. */
void        _syncobj_ensure_i18n (void);

/* Structured logging with the transaction id (may be NULL) as a field. */
#define SYNCOBJ_LOG_DOMAIN "Syncobj"
void        _syncobj_log_transaction (GLogLevelFlags  level,
                                      const char     *transaction_id,
                                      const char     *format,
                                      ...) G_GNUC_PRINTF (3, 4);

/* A collection, its records, its transactions and its sync are used from
 * the thread that created the collection (@owner) only: a public call from
 * another thread logs a critical, as g_return_val_if_fail() does, and
 * returns @val with nothing changed, instead of corrupting the collection.
 * No check while @owner is NULL (a sync not attached yet). */
#define SYNCOBJ_IS_NOT_OWNER(owner) \
  G_UNLIKELY (_syncobj_is_not_owner ((owner), G_STRFUNC))
#define SYNCOBJ_RETURN_VAL_IF_NOT_OWNER(owner, val) \
  G_STMT_START { if (SYNCOBJ_IS_NOT_OWNER (owner)) return (val); } G_STMT_END
#define SYNCOBJ_RETURN_IF_NOT_OWNER(owner) \
  G_STMT_START { if (SYNCOBJ_IS_NOT_OWNER (owner)) return; } G_STMT_END

/* A thread-local variable. On ELF with GCC or Clang in the initial-exec
 * model: read with one instruction, where the default model of a shared
 * library calls __tls_get_addr(). Only for a few bytes: a library loaded
 * with dlopen() takes them from the static TLS that glibc keeps for it. */
#if defined(__GNUC__) && defined(__ELF__)
#define SYNCOBJ_THREAD_LOCAL __thread __attribute__ ((tls_model ("initial-exec")))
#else
#define SYNCOBJ_THREAD_LOCAL _Thread_local
#endif

/* g_thread_self(), which looks the thread up through a GPrivate each time,
 * kept in a thread-local variable: the owner checks of every public call
 * read it (syncobj-scheduler.c). */
GThread *_syncobj_thread_self (void);

static inline gboolean
_syncobj_is_not_owner (GThread    *owner,
                       const char *function)
{
  if (owner == NULL || owner == _syncobj_thread_self ())
    return FALSE;
  g_critical ("%s: called from a thread other than the one that created the collection; "
              "a collection is used from that thread only", function);
  return TRUE;
}

/* ---- made on first use, from any thread ------------------------------- */

/* Publishes @made in the empty *@slot and returns it; if another thread
 * published first, frees @made with @free_func and returns the winner.
 * For what is made on first use and may be asked for from another thread
 * (a mutator's worker reading an id or reporting a conflict). */
static inline gpointer
_syncobj_atomic_publish (gpointer       *slot,
                         gpointer        made,
                         GDestroyNotify  free_func)
{
  if (g_atomic_pointer_compare_and_exchange (slot, NULL, made))
    return made;
  free_func (made);
  return g_atomic_pointer_get (slot);
}

/* ---- long work a slice per main-loop iteration ------------------------- */

/* Ends one slice of long work done a slice per main-loop iteration (the
 * store's queue of changed rows, its answers). glibc's malloc keeps small
 * blocks given back to an arena aside (its fastbins) and merges them all at
 * the next large request in that arena. The store's writer thread frees
 * the rows the main thread made, into the main thread's arena: after a
 * flush of 100,000 transactions, one realloc() of the main thread merged
 * them for 28 ms. A large request at the end of each slice merges what
 * came back since the last one. With another allocator it is a malloc and
 * a free. */
static inline void
_syncobj_slice_end (void)
{
  g_free (g_malloc (4096));
}

/* ---- syncobj-object-list.c ------------------------------------------- */

/* An array of objects (strong references, or weak ones for a list made
 * with _init_weak(), which drops an item when it is finalized), embedded in
 * its owner: O(1) append, access by position and removal at the front (the
 * oldest of a history). Its GListModel view, which reports every change
 * with ::items-changed, is made when someone asks for it: most lists (the
 * mutations of a transaction) are never looked at as a model, and then
 * cost no object. A list of one item allocates nothing. */
typedef struct _SyncobjObjectList SyncobjObjectList;

struct _SyncobjObjectList
{
  gpointer *items;      /* items[start] to items[start + len - 1]; NULL while
                         * the list has held at most one item: then @one */
  gpointer  one;
  guint     start;
  guint     len;
  guint     alloc;
  guint     weak : 1;
  GType     item_type;
  GObject  *model;      /* the view, made on first read; strong */
};

void               _syncobj_object_list_init         (SyncobjObjectList *self,
                                                      GType              item_type);
void               _syncobj_object_list_init_weak    (SyncobjObjectList *self,
                                                      GType              item_type);
/* Lets go of the items; a view that someone still holds keeps them. */
void               _syncobj_object_list_clear        (SyncobjObjectList *self);
/* The list as a GListModel (transfer none), made on first call: it shows
 * the items and reports every later change. */
GListModel        *_syncobj_object_list_get_model    (SyncobjObjectList *self);
void               _syncobj_object_list_append       (SyncobjObjectList *self,
                                                      gpointer           item);
void               _syncobj_object_list_remove_range (SyncobjObjectList *self,
                                                      guint              position,
                                                      guint              n_items);
gboolean           _syncobj_object_list_find         (SyncobjObjectList *self,
                                                      gpointer           item,
                                                      guint             *position);

static inline guint
_syncobj_object_list_get_length (SyncobjObjectList *self)
{
  return self->len;
}

/* The item at @position, borrowed. */
static inline gpointer
_syncobj_object_list_peek (SyncobjObjectList *self,
                           guint              position)
{
  g_return_val_if_fail (position < self->len, NULL);

  return self->items != NULL ? self->items[self->start + position] : self->one;
}

/* ---- syncobj-scheduler.c --------------------------------------------- */

/* The one scheduler of every timer in libsyncobj: retries, network delays
 * of the test harness, echo timeouts. A test switches it to a virtual clock
 * and drives time with _syncobj_scheduler_advance(); nothing sleeps. */
#define SYNCOBJ_TYPE_SCHEDULER (_syncobj_scheduler_get_type ())
G_DECLARE_FINAL_TYPE (SyncobjScheduler, _syncobj_scheduler, SYNCOBJ, SCHEDULER, GObject)

SyncobjScheduler *_syncobj_scheduler_get_default (void);
/* Microseconds since the epoch: g_get_real_time(), or the virtual clock. */
gint64            _syncobj_scheduler_now         (SyncobjScheduler *self);
/* One-shot timer after @delay_ms on the thread-default main context; a
 * delay of 0 runs from an idle. Returns an id for _remove(). @func's return
 * value is ignored (one-shot). */
guint             _syncobj_scheduler_add         (SyncobjScheduler *self,
                                                  guint             delay_ms,
                                                  GSourceFunc       func,
                                                  gpointer          data,
                                                  GDestroyNotify    destroy);
void              _syncobj_scheduler_remove      (SyncobjScheduler *self,
                                                  guint             id);
void              _syncobj_scheduler_set_virtual (SyncobjScheduler *self,
                                                  gboolean          virtual_clock);
gboolean          _syncobj_scheduler_is_virtual  (SyncobjScheduler *self);
/* Virtual clock only: moves time forward by @ms, firing due timers in
 * order, and dispatching the main context before and after each one. */
void              _syncobj_scheduler_advance     (SyncobjScheduler *self,
                                                  guint             ms);
/* Dispatches everything ready on the thread-default main context. */
void              _syncobj_scheduler_run_pending (SyncobjScheduler *self);
/* Whether the network is usable; property "online", notify::online.
 * Defaults to TRUE; set by the test harness and by network monitoring. */
gboolean          _syncobj_scheduler_get_online  (SyncobjScheduler *self);
void              _syncobj_scheduler_set_online  (SyncobjScheduler *self,
                                                  gboolean          online);
/* Servers ("host:port", as the HTTP probe names them) that cannot be
 * reached now while the network is up. The private signal
 * "reachability-changed" follows each change, on the caller's thread. */
void              _syncobj_scheduler_set_reachable (SyncobjScheduler *self,
                                                    const char       *server,
                                                    gboolean          reachable);
/* Whether @server cannot be reached now; with @server NULL, whether some
 * server cannot. */
gboolean          _syncobj_scheduler_is_unreachable (SyncobjScheduler *self,
                                                     const char       *server);
/* A GDateTime (local time zone) for microseconds since the epoch; NULL for 0. */
GDateTime        *_syncobj_date_time_new         (gint64            unix_us);
/* Calls @func (@data), then @destroy (@data), from the next dispatch of one
 * idle shared by every wake-up of the thread-default main context (each
 * context has its own): much cheaper than an idle per call. Not a timer:
 * the virtual clock does not hold it back. */
typedef void      (*SyncobjWakeFunc)             (gpointer          data);
void              _syncobj_scheduler_wake        (SyncobjScheduler *self,
                                                  SyncobjWakeFunc   func,
                                                  gpointer          data,
                                                  GDestroyNotify    destroy);
/* The same; called from a wake-up being dispatched, @func runs in that
 * same dispatch, after the wake-ups before it. */
void              _syncobj_scheduler_wake_in_dispatch (SyncobjScheduler *self,
                                                       SyncobjWakeFunc   func,
                                                       gpointer          data,
                                                       GDestroyNotify    destroy);

/* ---- shared text (syncobj-pending-mutation.c) ------------------------- */

/* A text held by several owners: the packed text of a row and the values
 * of an update kept as text share one. Its reference count (atomic: a
 * mutation may be finalized on any thread) takes the bytes before it. */
#define SYNCOBJ_SHARED_TEXT_HEADER (sizeof (gint))

/* @block, from g_malloc(): SYNCOBJ_SHARED_TEXT_HEADER bytes, then the
 * text. Returns the text, with its one reference. */
static inline char *
_syncobj_shared_text_take (char *block)
{
  *(gint *) block = 1;
  return block + SYNCOBJ_SHARED_TEXT_HEADER;
}

/* A shared text copied from the @length bytes at @text (a NUL follows). */
char       *_syncobj_shared_text_new   (const char *text,
                                        gsize       length);

static inline const char *
_syncobj_shared_text_ref (const char *text)
{
  g_atomic_int_inc ((gint *) (text - SYNCOBJ_SHARED_TEXT_HEADER));
  return text;
}

static inline void
_syncobj_shared_text_unref (const char *text)
{
  if (text != NULL && g_atomic_int_dec_and_test ((gint *) (text - SYNCOBJ_SHARED_TEXT_HEADER)))
    g_free ((char *) text - SYNCOBJ_SHARED_TEXT_HEADER);
}

/* ---- syncobj-pending-mutation.c ---------------------------------------- */

/* What a mutation rarely needs, made on first use: an update written and
 * persisted never reads its id, metadata or dates as objects. */
typedef struct
{
  char                *mutation_id;    /* made when read: see below */
  JsonObject          *metadata;       /* nullable */
  /* GDateTimes made on demand (syncobj-pending-mutation.c) */
  GDateTime           *created_at;
  GDateTime           *updated_at;
} SyncobjPendingMutationExtra;

struct _SyncobjPendingMutation
{
  GObject              parent_instance;
  SyncobjPendingMutationExtra *extra;  /* nullable, made on first use */
  char                *key;            /* a GRefString: the queue's lanes
                                        * and locks share it */
  char                *collection_id;  /* a GRefString, its collection's */
  SyncobjMutationType  type;
  SyncobjMutationState state;
  JsonObject          *original;       /* nullable: NULL for an insert */
  JsonObject          *modified;       /* nullable: NULL for a delete */
  JsonObject          *changes;        /* never NULL once its values are set
                                        * (but while they are text, below);
                                        * empty for a delete */
  /* An update of a record held as JSON text (syncobj-overlay-text.c) keeps
   * its values as text: @text, a shared text "modified\0changes\0" (the
   * row takes a reference to it when the modified value becomes its synced
   * one), and @text_original, the original's text. While the update is a
   * layer of its row and the row's packed text is unchanged, that is the
   * row's text, borrowed; then its own (text_original_owned), a reference
   * when the row's was a shared text, or a copy
   * (_syncobj_pending_mutation_keep_original()). original, modified and
   * changes are NULL until somebody asks for them
   * (_syncobj_pending_mutation_ensure()); the text stays until the
   * overlay builds the row it writes to. */
  char                *text;
  const char          *text_original;
  gint64               created_at_us;
  gint64               updated_at_us;
  SyncobjWeak         *collection;
  SyncobjTransaction  *transaction;    /* unowned: the transaction owns us */
  guint64              sequence;       /* creation order, process-wide */
  guint                retired : 1;    /* finished; kept in the overlay until
                                        * the key's lock releases */
  guint                locked : 1;     /* holds a lock on its key (ordered) */
  guint                restored : 1;   /* read back from a store after a restart */
  guint                merged : 1;     /* modified is _syncobj_json_merge (original,
                                        * changes), as an update's is */
  guint                replaces : 1;   /* an update folded from a delete and an
                                        * insert: changes are the whole record,
                                        * which replaces the one below */
  guint                resolved : 1;   /* its values come from a conflict
                                        * resolution: stored whole, since the
                                        * cache does not have the server's
                                        * record it is based on */
  guint                text_adds : 1;  /* its changes (text) add members */
  guint                text_original_owned : 1;
  gint                 applied;        /* atomic boolean: the server has it
                                        * (syncobj_persist_job_mark_applied) */
};

/* @collection: the weak handle of the collection written to (transfer
 * full); @collection_id: its id (which it does not ask for), the
 * GRefString the collection keeps (syncobj_collection_get_id()). */
SyncobjPendingMutation *_syncobj_pending_mutation_new       (SyncobjWeak            *collection,
                                                             const char             *collection_id,
                                                             SyncobjTransaction     *transaction,
                                                             const char             *key,
                                                             SyncobjMutationType     type,
                                                             gint64                  now_us);
/* The mutation's id, a UUID made on first use (from any thread). */
const char             *_syncobj_pending_mutation_peek_id    (SyncobjPendingMutation *self);
/* A mutation read back from a store takes its id and metadata (a
 * reference, nullable) again, without notifying. */
void                    _syncobj_pending_mutation_restore_extra (SyncobjPendingMutation *self,
                                                                 const char             *mutation_id,
                                                                 JsonObject             *metadata);
/* The server's key replaces a temporary one; notifies. */
void                    _syncobj_pending_mutation_set_key    (SyncobjPendingMutation *self,
                                                              const char             *key);
/* Replaces type/original/modified/changes (takes references); notifies. */
void                    _syncobj_pending_mutation_set_values (SyncobjPendingMutation *self,
                                                              SyncobjMutationType     type,
                                                              JsonObject             *original,
                                                              JsonObject             *modified,
                                                              JsonObject             *changes,
                                                              gint64                  now_us);
/* Sets the values of @self, an update, as text: @text (a shared text,
 * transfer full) is "modified\0changes\0", each compact JSON object text,
 * modified being @original with changes merged in; @original is the
 * packed text of the row @self becomes the layer of (borrowed: see
 * _syncobj_pending_mutation_keep_original()). Notifies as
 * _syncobj_pending_mutation_set_values() does. */
void                    _syncobj_pending_mutation_set_text   (SyncobjPendingMutation *self,
                                                              char                   *text,
                                                              const char             *original,
                                                              gboolean                adds,
                                                              gint64                  now_us);
/* The packed text of the row @self is a layer of, the original that
 * @self borrows, is about to change, or @self leaves the row: @self keeps
 * its own, a reference when the row's is a shared text (@shared), else a
 * copy. Nothing to do for values not kept as text, or already kept. */
void                    _syncobj_pending_mutation_keep_original (SyncobjPendingMutation *self,
                                                                 gboolean                shared);
/* Builds the JsonObjects of values kept as text, those not built yet,
 * without notifying (they do not change): @original, when not NULL, is
 * the value below (the overlay's, equal to the text); the text stays.
 * Safe from any thread (a persist function may read the values in a
 * worker); only the owner thread lets the text go. */
void                    _syncobj_pending_mutation_build      (SyncobjPendingMutation *self,
                                                              JsonObject             *original);
/* The same for the changes alone (a small object): what persist
 * functions read first. */
void                    _syncobj_pending_mutation_build_changes (SyncobjPendingMutation *self);
/* The text is no longer needed: the values are built. */
void                    _syncobj_pending_mutation_drop_text  (SyncobjPendingMutation *self);

/* Every read of original, modified or changes goes through here first
 * (or through the next one, for the changes alone). */
static inline void
_syncobj_pending_mutation_ensure (SyncobjPendingMutation *self)
{
  if (G_UNLIKELY (g_atomic_pointer_get (&self->modified) == NULL && g_atomic_pointer_get (&self->text) != NULL))
    _syncobj_pending_mutation_build (self, NULL);
}

static inline void
_syncobj_pending_mutation_ensure_changes (SyncobjPendingMutation *self)
{
  if (G_UNLIKELY (g_atomic_pointer_get (&self->changes) == NULL && g_atomic_pointer_get (&self->text) != NULL))
    _syncobj_pending_mutation_build_changes (self);
}

/* The modified value's text of a mutation whose values are text. */
static inline const char *
_syncobj_pending_mutation_peek_text_modified (SyncobjPendingMutation *self)
{
  return self->text;
}

/* The changes' text of a mutation whose values are text. */
static inline const char *
_syncobj_pending_mutation_peek_text_changes (SyncobjPendingMutation *self)
{
  return self->text + strlen (self->text) + 1;
}

/* Whether @self writes to @collection (compared, never called). */
gboolean                _syncobj_pending_mutation_is_of      (SyncobjPendingMutation *self,
                                                              gpointer                collection);
void                    _syncobj_pending_mutation_set_state  (SyncobjPendingMutation *self,
                                                              SyncobjMutationState    state,
                                                              gint64                  now_us);
/* JSON member for a mutation type: "insert", "update", "delete"
 * (syncobj-mutation-type.c). */
const char             *_syncobj_mutation_type_to_string     (SyncobjMutationType     type);
gboolean                _syncobj_mutation_type_from_string   (const char             *string,
                                                              SyncobjMutationType    *type);

G_END_DECLS
