/* syncobj-func-mutator.h: a mutator that calls a plain function
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SYNCOBJ_INSIDE__) && !defined(SYNCOBJ_COMPILATION)
#error "Only <syncobj.h> can be included directly."
#endif

#include "syncobj-mutator.h"
#include "syncobj-persist-job.h"

G_BEGIN_DECLS

/**
 * SyncobjPersistFunc:
 * @job: the job; finish it, now or later, with
 *   [method@Syncobj.PersistJob.complete] or one of the fail methods
 * @user_data: closure data
 *
 * Persists the transaction of @job. The function may return before the work
 * is done: keep a reference to @job and finish it when the backend answered.
 */
typedef void (*SyncobjPersistFunc) (SyncobjPersistJob *job,
                                    gpointer           user_data);

#define SYNCOBJ_TYPE_FUNC_MUTATOR (syncobj_func_mutator_get_type ())
SYNCOBJ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SyncobjFuncMutator, syncobj_func_mutator, SYNCOBJ, FUNC_MUTATOR, SyncobjMutator)

SYNCOBJ_AVAILABLE_IN_ALL
SyncobjMutator *syncobj_func_mutator_new                 (SyncobjPersistFunc  func,
                                                          gpointer            user_data,
                                                          GDestroyNotify      destroy);
SYNCOBJ_AVAILABLE_IN_ALL
void            syncobj_func_mutator_set_await_sync_func (SyncobjFuncMutator *self,
                                                          SyncobjPersistFunc  func,
                                                          gpointer            user_data,
                                                          GDestroyNotify      destroy);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean        syncobj_func_mutator_get_await_echo      (SyncobjFuncMutator *self);
SYNCOBJ_AVAILABLE_IN_ALL
void            syncobj_func_mutator_set_await_echo      (SyncobjFuncMutator *self,
                                                          gboolean            await_echo);
SYNCOBJ_AVAILABLE_IN_ALL
guint           syncobj_func_mutator_get_echo_timeout    (SyncobjFuncMutator *self);
SYNCOBJ_AVAILABLE_IN_ALL
void            syncobj_func_mutator_set_echo_timeout    (SyncobjFuncMutator *self,
                                                          guint               timeout_ms);

G_END_DECLS
