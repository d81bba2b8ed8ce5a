/* syncobj-sync-private.h: how a collection binds its sync
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-private.h"
#include "syncobj-json-scan-private.h"
#include "syncobj-overlay-private.h"

G_BEGIN_DECLS

/* Binds @self to its collection, delivers commits made before, and calls
 * the start vfunc. */
void _syncobj_sync_attach (SyncobjSync       *self,
                           SyncobjCollection *collection);
void _syncobj_sync_detach (SyncobjSync       *self);

/* The thread of the collection the sync feeds (NULL before it feeds one):
 * see SYNCOBJ_RETURN_VAL_IF_NOT_OWNER(). */
GThread *_syncobj_sync_get_owner (SyncobjSync *self);
/* FALSE, with SYNCOBJ_ERROR_INVALID_STATE, without an open commit. */
gboolean _syncobj_sync_check_begun (SyncobjSync  *self,
                                    GError      **error);

/* Writes parsed from outside text join the open commit, if there is one
 * (moved, not copied); otherwise they are one commit of their own. */
/* The key member of the collection the sync feeds ("id" before it has one). */
const char *_syncobj_sync_get_key_member (SyncobjSync *self);

/* Keeps @error as the sync's error and logs it, as
 * syncobj_sync_mark_error() does, for a problem that is not a failure
 * of the sync (it works another way): the collection's status does not
 * become ERROR. */
void _syncobj_sync_note_error (SyncobjSync  *self,
                               const GError *error);
gboolean _syncobj_sync_take_writes (SyncobjSync  *self,
                                    GArray       *writes,
                                    GError      **error);
/* Like syncobj_sync_commit(), for a big commit (a snapshot): the
 * collection applies it over several main-loop iterations, and then the
 * sync wakes those waiting for its keys and calls @done (at once without
 * a collection). @error: the first record refused, or
 * G_IO_ERROR_CANCELLED when the collection went first. */
typedef void (*SyncobjSyncCommittedFunc) (SyncobjSync  *self,
                                          const GError *error,
                                          gpointer      user_data);
void     _syncobj_sync_commit_sliced (SyncobjSync              *self,
                                      SyncobjSyncCommittedFunc  done,
                                      gpointer                  user_data);

/* The waiters of syncobj-sync-wait.c, owned by @self. */
GPtrArray *_syncobj_sync_peek_waiters (SyncobjSync *self);
/* Where a freed waiter's memory waits for the next one (NULL or a
 * SyncobjKeyWaiter), freed with @self. */
gpointer  *_syncobj_sync_spare_waiter_slot (SyncobjSync *self);

/* ---- syncobj-sync-wait.c ---------------------------------------------------- */

typedef struct _SyncobjKeyWaiter SyncobjKeyWaiter;

/* @written: TRUE when commits wrote every key watched, FALSE when the sync
 * went away first. */
typedef void (*SyncobjKeysWrittenFunc) (gboolean written,
                                        gpointer user_data);

void     _syncobj_key_waiter_free     (SyncobjKeyWaiter *waiter);
/* After a commit of @writes reached the collection: wakes the waiters
 * whose last keys it wrote. */
void     _syncobj_sync_notify_waiters (SyncobjSync      *self,
                                       GArray           *writes);
/* The sync goes away: every waiter ends with an error. */
void     _syncobj_sync_cancel_waiters (SyncobjSync      *self);
/* The light form of syncobj_sync_wait_for_keys_async(), for the
 * library's own echo watches: @func is called once, from the commit that
 * wrote the last of @keys (not empty), or when @self goes away, never from
 * inside this call; no GTask, no timeout, no main-loop hop. Returns the
 * watch, which _syncobj_sync_unwatch_keys() drops without calling @func. */
gpointer _syncobj_sync_watch_keys     (SyncobjSync             *self,
                                       const char * const      *keys,
                                       SyncobjKeysWrittenFunc   func,
                                       gpointer                 user_data);
void     _syncobj_sync_unwatch_keys   (SyncobjSync             *self,
                                       gpointer                 watch);

/* ---- syncobj-sync-load.c ---------------------------------------------------- */

/* Writes built from checked JSON text (a snapshot, a change feed), kept as
 * compact text, without a JsonNode per record: add each, then take them
 * all into the open commit (or one commit of their own). */
typedef struct _SyncobjSyncLoad SyncobjSyncLoad;

/* For writes taken from @text_length bytes of text. */
SyncobjSyncLoad *_syncobj_sync_load_new  (gsize                text_length);
void             _syncobj_sync_load_free (SyncobjSyncLoad     *load);
/* @object: a record's checked JSON text (NULL for a delete of @key);
 * @compact: it has no whitespace between tokens (copied as it is). */
void             _syncobj_sync_load_add  (SyncobjSyncLoad     *load,
                                          SyncobjMutationType  type,
                                          const char          *key,
                                          gsize                key_length,
                                          gboolean             key_is_int,
                                          const char          *object,
                                          gsize                object_length,
                                          gboolean             compact);
/* Takes @load's writes (and frees @load) as syncobj_sync_apply_json()
 * takes messages. */
gboolean         _syncobj_sync_load_take (SyncobjSync         *self,
                                          SyncobjSyncLoad     *load,
                                          GError             **error);
/* In any thread: the load of a JSON array of records (the packed loader
 * of syncobj_sync_load_json_array(), and HTTP snapshots in a worker
 * thread), or NULL with @error. An element that is not a record with a
 * valid key goes to @skip, or with @skip NULL fails the whole array. */
SyncobjSyncLoad *_syncobj_sync_load_scan_array (const char           *key_member,
                                                const char           *json,
                                                gsize                 length,
                                                SyncobjJsonSkipFunc   skip,
                                                gpointer              skip_data,
                                                GError              **error);
/* The writes of @json, one change message or an array of them (see
 * syncobj_sync_apply_json()), as compact text without a JsonNode; NULL
 * when any message is one syncobj_sync_apply_json() would refuse or the
 * text is not such JSON: that slower path then names the fault. */
SyncobjSyncLoad *_syncobj_sync_load_scan_messages (const char *key_member,
                                                   const char *json,
                                                   gsize       length);
/* Fills @write from @json, one record with a valid @key_member, kept as
 * compact text; FALSE (nothing filled) for any other text, which
 * syncobj_sync_write_json() then names. */
gboolean         _syncobj_sync_write_init_text (SyncobjSyncWrite    *write,
                                                SyncobjMutationType  type,
                                                const char          *key_member,
                                                const char          *json,
                                                gsize                length);
/* The writes of @load, still its own. */
const SyncobjSyncWrite *_syncobj_sync_load_peek (SyncobjSyncLoad *load,
                                                 guint           *n_writes);
/* What the scanner lets through but cannot be stored or sent back intact
 * (lone surrogates, "\u0000", out-of-range numbers, absurd nesting):
 * FALSE with SYNCOBJ_ERROR_PARSE "Malformed snapshot: …". */
gboolean         _syncobj_sync_check_text (const char         *json,
                                           gssize              length,
                                           GError            **error);

/* ---- syncobj-sync-cursor.c ------------------------------------------------ */

/* Where the server's change feed stands (see syncobj_sync_set_cursor()). */
typedef struct
{
  char *current;   /* of the last commit that set one, or restored */
  char *pending;   /* set in the open commit */
} SyncobjSyncCursor;

SyncobjSyncCursor *_syncobj_sync_peek_cursor    (SyncobjSync *self);
/* The cursor cached in the store, given back before the sync starts. */
void               _syncobj_sync_restore_cursor (SyncobjSync *self,
                                                 const char  *cursor);
/* A commit brought the sync to @cursor (nullable: unchanged). */
void               _syncobj_sync_advance_cursor (SyncobjSync *self,
                                                 const char  *cursor);

G_END_DECLS
