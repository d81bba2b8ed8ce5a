/* syncobj-persist-job-private.h: how a function mutator makes a job
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-mutator-private.h"

G_BEGIN_DECLS

/* The job finishes @task: complete() returns TRUE, fail*() return the error.
 * A job finalized without a result fails the task with a clear error. */
SyncobjPersistJob *_syncobj_persist_job_new (SyncobjTransaction *transaction,
                                             SyncobjSync        *sync,
                                             GTask              *task);

/* A job that calls @done instead of returning a task: nothing is
 * allocated for a result that only the collection waits for. Finished on
 * another thread, it calls @done through an idle on its main context. Its
 * cancellable is the transaction's, made when asked for. */
SyncobjPersistJob *_syncobj_persist_job_new_direct (SyncobjPersistJob  **spare,
                                                    SyncobjTransaction  *transaction,
                                                    SyncobjPersistDone   done,
                                                    gpointer             data,
                                                    GDestroyNotify       destroy);

/* A direct job, once finished, that nothing but the caller can reach (no
 * other reference, no weak reference, no data set on it) is emptied for
 * reuse: TRUE, with its handlers disconnected and its transaction
 * dropped. The caller keeps it as the @spare of a later
 * _syncobj_persist_job_new_direct(), which takes it on the same thread
 * and main context: a write then makes no object for its persist call. */
gboolean _syncobj_persist_job_retire (SyncobjPersistJob *self);

G_END_DECLS
