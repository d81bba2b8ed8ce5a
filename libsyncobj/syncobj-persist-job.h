/* syncobj-persist-job.h: one persist (or await-sync) call handed to a function
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SYNCOBJ_INSIDE__) && !defined(SYNCOBJ_COMPILATION)
#error "Only <syncobj.h> can be included directly."
#endif

#include <gio/gio.h>
#include "syncobj-types.h"
#include "syncobj-version-macros.h"

G_BEGIN_DECLS

#define SYNCOBJ_TYPE_PERSIST_JOB (syncobj_persist_job_get_type ())
SYNCOBJ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SyncobjPersistJob, syncobj_persist_job, SYNCOBJ, PERSIST_JOB, GObject)

SYNCOBJ_AVAILABLE_IN_ALL
SyncobjTransaction *syncobj_persist_job_get_transaction  (SyncobjPersistJob *self);
SYNCOBJ_AVAILABLE_IN_ALL
guint               syncobj_persist_job_get_attempt      (SyncobjPersistJob *self);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjSync        *syncobj_persist_job_get_sync         (SyncobjPersistJob *self);
SYNCOBJ_AVAILABLE_IN_ALL
GCancellable       *syncobj_persist_job_get_cancellable  (SyncobjPersistJob *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean            syncobj_persist_job_get_finished     (SyncobjPersistJob *self);
SYNCOBJ_AVAILABLE_IN_ALL
char               *syncobj_persist_job_get_changes_json (SyncobjPersistJob *self);
SYNCOBJ_AVAILABLE_IN_0_2
guint               syncobj_persist_job_get_n_mutations  (SyncobjPersistJob *self);
SYNCOBJ_AVAILABLE_IN_0_2
SyncobjPendingMutation *syncobj_persist_job_get_mutation (SyncobjPersistJob *self,
                                                          guint              position);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_persist_job_complete         (SyncobjPersistJob *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean            syncobj_persist_job_set_created      (SyncobjPersistJob      *self,
                                                          SyncobjPendingMutation *mutation,
                                                          JsonObject             *record,
                                                          GError                **error);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean            syncobj_persist_job_set_created_json (SyncobjPersistJob      *self,
                                                          SyncobjPendingMutation *mutation,
                                                          const char             *json,
                                                          GError                **error);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_persist_job_mark_applied     (SyncobjPersistJob      *self,
                                                          SyncobjPendingMutation *mutation);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_persist_job_conflict         (SyncobjPersistJob *self,
                                                          const char        *key,
                                                          JsonNode          *current);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_persist_job_fail             (SyncobjPersistJob *self,
                                                          const GError      *error);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_persist_job_fail_message     (SyncobjPersistJob *self,
                                                          const char        *message);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_persist_job_fail_non_retriable (SyncobjPersistJob *self,
                                                            const char        *message);

G_END_DECLS
