/* syncobj-store-answers-private.h: the writer thread's answers to tasks
 * (syncobj-store-answers.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _SyncobjStoreAnswers SyncobjStoreAnswers;

/* Items of garbage (a job and its row, about ten blocks) freed per
 * main-loop iteration: with the merge of what came back
 * (_syncobj_slice_end()), well under a millisecond. Freed by the writer
 * thread instead, the blocks of a round of thousands of rows went back to
 * the main thread's arena and its next large request merged them all at
 * once: 28 ms of one iteration after a flush of 100,000 inserts. */
#define SYNCOBJ_STORE_GARBAGE_PER_DISPATCH 256

SyncobjStoreAnswers *_syncobj_store_answers_new  (void);
void                 _syncobj_store_answers_free (SyncobjStoreAnswers *self);
/* Keeps the answer to @task (taken): @error (taken) if not NULL, else
 * @value, an integer with @is_int, else a boolean. */
void                 _syncobj_store_answers_add  (SyncobjStoreAnswers *self,
                                                  GTask               *task,
                                                  GError              *error,
                                                  gssize               value,
                                                  gboolean             is_int);
/* Called on its context with the writer's answer: NULL, or why it failed. */
typedef void (*SyncobjStoreDoneFunc) (const GError *error,
                                      gpointer      user_data);

/* Keeps the answer for @done, called with @user_data on @context: @error
 * (taken) or NULL. Lighter than a GTask for the answers of every
 * committed transaction. */
void                 _syncobj_store_answers_add_done (SyncobjStoreAnswers *self,
                                                      GMainContext        *context,
                                                      SyncobjStoreDoneFunc done,
                                                      gpointer             user_data,
                                                      GError              *error);
/* Keeps @item (taken), made on a thread of @context, to be freed there
 * with @free_func, a few at a time per main-loop iteration: the blocks go
 * back to the allocator of the thread that made them (see
 * syncobj-store-answers.c). */
void                 _syncobj_store_answers_add_garbage (SyncobjStoreAnswers *self,
                                                         GMainContext        *context,
                                                         gpointer             item,
                                                         GDestroyNotify       free_func);
/* Sends what was kept to the tasks' contexts. Writer thread. */
void                 _syncobj_store_answers_send (SyncobjStoreAnswers *self);

G_END_DECLS
