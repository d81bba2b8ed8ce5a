/* syncobj-http-echo-private.h: the echo of a write, between
 * SyncobjHttpMutator and SyncobjHttpSync
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-overlay-private.h"

G_BEGIN_DECLS

/* ---- the sync's side ------------------------------------------------------ */

/* What the changes a SyncobjHttpSync applies are matched against: the
 * echo watches of the writes in flight. The sync owns it (it lives as
 * long as the sync); mutators find it with _syncobj_http_echoes_of(). */
typedef struct _SyncobjHttpEchoes SyncobjHttpEchoes;

/* Called when a wait begins, that is when the server just answered a
 * write: a feed waiting to reconnect need not wait any longer, nor a poll
 * for the rest of its interval. */
typedef void (*SyncobjHttpEchoesWakeFunc) (gpointer data);

SyncobjHttpEchoes *_syncobj_http_echoes_new   (SyncobjSync               *sync,
                                               SyncobjHttpEchoesWakeFunc  wake,
                                               gpointer                   wake_data);
void       _syncobj_http_echoes_free          (SyncobjHttpEchoes *echoes);
/* The echoes @sync tracks: NULL unless it is a SyncobjHttpSync. */
SyncobjHttpEchoes *_syncobj_http_echoes_of    (SyncobjSync       *sync);
/* Orders snapshot requests with waits: a snapshot requested after a wait
 * began completes it. */
guint64    _syncobj_http_echoes_next_epoch    (SyncobjHttpEchoes *echoes);
/* @text is a change message (or an array of them) the sync applied. */
void       _syncobj_http_echoes_note_message  (SyncobjHttpEchoes *echoes,
                                               const char        *text,
                                               gsize              length);
/* Marks the entries a snapshot (requested at @request_epoch) echoes; the
 * waits finish with _syncobj_http_echoes_check() once it is applied. */
void       _syncobj_http_echoes_note_snapshot (SyncobjHttpEchoes      *echoes,
                                               const SyncobjSyncWrite *records,
                                               guint                   n_records,
                                               guint64                 request_epoch);
/* Before the sync applies @text: a tagged insert message that echoes an
 * insert under a temporary key gives the record its key, so that the echo
 * finds the record already under it (no second row). */
void       _syncobj_http_echoes_take_created  (SyncobjHttpEchoes *echoes,
                                               const char        *text,
                                               gsize              length);
/* A snapshot requested at @request_epoch was answered 304: the synced
 * state is current, the echo of the writes answered before it. */
void       _syncobj_http_echoes_note_unchanged (SyncobjHttpEchoes *echoes,
                                                guint64            request_epoch);
/* Finishes the waits that are complete. */
void       _syncobj_http_echoes_check         (SyncobjHttpEchoes *echoes);
/* The sync goes away: every wait fails with SYNCOBJ_ERROR_CANCELLED. */
void       _syncobj_http_echoes_cancel        (SyncobjHttpEchoes *echoes);

/* ---- the mutator's side --------------------------------------------------- */

/* A mutator starts watching for the echo of a transaction before its first
 * request goes out, so that an echo (or a snapshot holding the change) that
 * overtakes the answer still counts. Each entry is one mutation: done when
 * a change message tagged with its idempotency key comes in, or an untagged
 * change of its key, or a snapshot in which the record holds @expected's
 * members (or, for a delete, lacks the record), or any snapshot requested
 * after the wait began (the server had answered the write by then).
 * @temporary_insert (nullable) is the entry's insert when it is made under
 * a temporary key: its tagged echo brings the key. */
typedef struct _SyncobjHttpEchoWatch SyncobjHttpEchoWatch;

SyncobjHttpEchoWatch *_syncobj_http_echo_watch_new    (SyncobjHttpEchoes    *echoes);
void       _syncobj_http_echo_watch_add               (SyncobjHttpEchoWatch *watch,
                                                       const char           *idempotency_key,
                                                       const char           *key,
                                                       JsonObject           *expected,
                                                       gboolean              deleted,
                                                       SyncobjPendingMutation *temporary_insert);
/* No echo will come for this entry (a delete answered 404). */
void       _syncobj_http_echo_watch_skip              (SyncobjHttpEchoWatch *watch,
                                                       const char           *idempotency_key);
/* The record of this entry (an insert under a temporary key) took @key
 * from the server's answer: its untagged echo and the snapshots holding it
 * are known by @key from now on. */
void       _syncobj_http_echo_watch_rekey             (SyncobjHttpEchoWatch *watch,
                                                       const char           *idempotency_key,
                                                       const char           *key);
/* Stops watching; a pending wait fails with G_IO_ERROR_CANCELLED. */
void       _syncobj_http_echo_watch_free              (SyncobjHttpEchoWatch *watch);
void       _syncobj_http_echo_watch_wait_async        (SyncobjHttpEchoWatch *watch,
                                                       guint                 timeout_ms,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
gboolean   _syncobj_http_echo_watch_wait_finish       (GAsyncResult         *result,
                                                       GError              **error);

G_END_DECLS
