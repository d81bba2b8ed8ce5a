/* syncobj-persist-job-private.h: how a function mutator makes a job
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-private.h"

G_BEGIN_DECLS

/* The job finishes @task: complete() returns TRUE, fail*() return the error.
 * A job finalized without a result fails the task with a clear error. */
SyncobjPersistJob *_syncobj_persist_job_new (SyncobjTransaction *transaction,
                                             SyncobjSync        *sync,
                                             GTask              *task);

G_END_DECLS
