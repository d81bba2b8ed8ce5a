/* syncobj-couch-sync-private.h: what SyncobjCouchMutator asks of
 * SyncobjCouchSync: the revisions its change feed brought (echoes)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-private.h"
#include "syncobj-couch-sync.h"
#include "syncobj-couch-parse-private.h"

G_BEGIN_DECLS

/* The generation of a revision ("3-abc…" → 3), 0 when it has none. */
guint64 _syncobj_couch_rev_generation (const char *rev);

/* Notes the revisions the feed of @sync brings for some documents, from
 * before a write goes out (the echo may overtake the answer). */
typedef struct _SyncobjCouchEcho SyncobjCouchEcho;

SyncobjCouchEcho *_syncobj_couch_echo_new     (SyncobjCouchSync *sync);
void              _syncobj_couch_echo_free    (SyncobjCouchEcho *echo);
void              _syncobj_couch_echo_watch   (SyncobjCouchEcho *echo,
                                               const char       *id);
/* The write of @id made revision @rev: the echo waits for it (or a later
 * one). */
void              _syncobj_couch_echo_expect  (SyncobjCouchEcho *echo,
                                               const char       *id,
                                               const char       *rev);
/* Finishes (TRUE) once every expected revision came through the feed, or
 * when @timeout_ms passed (0: no limit) or the sync stopped. */
void              _syncobj_couch_echo_wait_async  (SyncobjCouchEcho    *echo,
                                                   guint                timeout_ms,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean          _syncobj_couch_echo_wait_finish (GAsyncResult        *result,
                                                   GError             **error);

/* Between the sync and its echoes (syncobj-couch-sync-echo.c). */
GPtrArray *_syncobj_couch_sync_get_echoes      (SyncobjCouchSync      *sync);
gboolean   _syncobj_couch_sync_is_running      (SyncobjCouchSync      *sync);
/* The feed brought @row: its revision counts for the echoes waiting. */
void       _syncobj_couch_echo_note            (SyncobjCouchSync      *sync,
                                                const SyncobjCouchRow *row);
/* After a commit: finishes the echoes now complete. */
void       _syncobj_couch_echo_finish_complete (SyncobjCouchSync      *sync);
/* The sync stopped: every echo finishes. */
void       _syncobj_couch_echo_finish_all      (SyncobjCouchSync      *sync);
/* The sync is finalized: its echoes outlive it unattached. */
void       _syncobj_couch_echo_detach_all      (SyncobjCouchSync      *sync);

G_END_DECLS
