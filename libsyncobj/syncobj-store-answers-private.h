/* syncobj-store-answers-private.h: the writer thread's answers to tasks
 * (syncobj-store-answers.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _SyncobjStoreAnswers SyncobjStoreAnswers;

SyncobjStoreAnswers *_syncobj_store_answers_new  (void);
void                 _syncobj_store_answers_free (SyncobjStoreAnswers *self);
/* Keeps the answer to @task (taken): @error (taken) if not NULL, else
 * @value, an integer with @is_int, else a boolean. */
void                 _syncobj_store_answers_add  (SyncobjStoreAnswers *self,
                                                  GTask               *task,
                                                  GError              *error,
                                                  gssize               value,
                                                  gboolean             is_int);
/* Sends what was kept to the tasks' contexts. Writer thread. */
void                 _syncobj_store_answers_send (SyncobjStoreAnswers *self);

G_END_DECLS
