/* syncobj-store-answers.c: the writer thread's answers, back on each task's main context
 *
 * The store's writer thread finishes tasks created on main contexts: the
 * answers (a boolean, a count or an error) go back from one idle per
 * context, a few per main-loop iteration, in the order the writer gave
 * them; the writer never holds the last reference of a task. What the
 * threads of those contexts made for the writer (the rows it wrote) goes
 * back the same way, to be freed there a slice at a time.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-store-answers-private.h"
#include "syncobj-private.h"

/* An answer to a task or to @done; or, with @garbage, things to free. */
typedef struct
{
  GTask          *task;
  SyncobjStoreDoneFunc done;
  gpointer        done_data;
  GError         *error;
  gssize          value;
  gboolean        is_int;        /* a prune's count; else a boolean */
  GPtrArray      *garbage;       /* no free function: @garbage_free */
  GMainContext   *context;       /* the garbage's, or @done's */
  GDestroyNotify  garbage_free;
  guint           garbage_done;  /* the items freed so far */
} Completion;

/* Frees up to *@budget more items of @completion's garbage, in order, and
 * takes them from *@budget; TRUE once every item is freed. */
static gboolean
garbage_free_some (Completion *completion,
                   guint      *budget)
{
  guint n = MIN (*budget, completion->garbage->len - completion->garbage_done);

  for (guint i = 0; i < n; i++)
    completion->garbage_free (g_ptr_array_index (completion->garbage, completion->garbage_done++));
  *budget -= n;
  return completion->garbage_done == completion->garbage->len;
}

static void
completion_free (Completion *completion)
{
  g_clear_object (&completion->task);
  g_clear_error (&completion->error);
  if (completion->garbage != NULL)
    {
      guint all = G_MAXUINT;

      garbage_free_some (completion, &all);
      g_ptr_array_unref (completion->garbage);
    }
  g_clear_pointer (&completion->context, g_main_context_unref);
  g_free (completion);
}

/* The answers waiting for one main context, in the order the writer gave
 * them. One idle at a time returns a few per main-loop iteration: a round
 * after a slow commit (a WAL checkpoint) may hold hundreds, and each
 * answer runs its callback at once, so returning them all in one go would
 * stall the application for as long. Shared by the writer (which adds)
 * and the idle (which takes), hence the lock and the reference count. */
typedef struct
{
  gatomicrefcount  ref;
  GMutex           mutex;
  GQueue           completions;   /* Completion */
  gboolean         scheduled;     /* an idle is attached */
  GMainContext    *context;
} AnswerQueue;

#define ANSWERS_PER_DISPATCH 32

struct _SyncobjStoreAnswers
{
  GPtrArray  *pending;   /* Completion, until sent */
  GHashTable *queues;    /* GMainContext → AnswerQueue */
};

static AnswerQueue *
answer_queue_new (GMainContext *context)
{
  AnswerQueue *queue = g_new0 (AnswerQueue, 1);

  g_atomic_ref_count_init (&queue->ref);
  g_mutex_init (&queue->mutex);
  g_queue_init (&queue->completions);
  queue->context = g_main_context_ref (context);
  return queue;
}

static AnswerQueue *
answer_queue_ref (AnswerQueue *queue)
{
  g_atomic_ref_count_inc (&queue->ref);
  return queue;
}

static void
answer_queue_unref (AnswerQueue *queue)
{
  if (!g_atomic_ref_count_dec (&queue->ref))
    return;
  g_queue_clear_full (&queue->completions, (GDestroyNotify) completion_free);
  g_mutex_clear (&queue->mutex);
  g_main_context_unref (queue->context);
  g_free (queue);
}

/* Runs on the tasks' context: returns the oldest answers, in order. */
static gboolean
complete_in_context (gpointer data)
{
  AnswerQueue *queue = data;
  Completion *batch[ANSWERS_PER_DISPATCH];
  Completion *unfinished = NULL;   /* garbage with items left */
  guint n = 0, budget = SYNCOBJ_STORE_GARBAGE_PER_DISPATCH;
  gboolean more;

  /* Only this idle takes from the queue: the garbage is freed outside the
   * lock, and what is left of it goes back to the head. */
  g_mutex_lock (&queue->mutex);
  while (n < ANSWERS_PER_DISPATCH && budget > 0 && !g_queue_is_empty (&queue->completions))
    {
      Completion *completion = g_queue_pop_head (&queue->completions);

      if (completion->garbage == NULL)
        {
          batch[n++] = completion;
          continue;
        }
      g_mutex_unlock (&queue->mutex);
      if (garbage_free_some (completion, &budget))
        completion_free (completion);
      else
        unfinished = completion;
      g_mutex_lock (&queue->mutex);
      if (unfinished != NULL)
        g_queue_push_head (&queue->completions, unfinished);
    }
  more = !g_queue_is_empty (&queue->completions);
  queue->scheduled = more;
  g_mutex_unlock (&queue->mutex);

  for (guint i = 0; i < n; i++)
    {
      Completion *completion = batch[i];

      if (completion->done != NULL)
        completion->done (completion->error, completion->done_data);
      else if (completion->error != NULL)
        g_task_return_error (completion->task, g_steal_pointer (&completion->error));
      else if (completion->is_int)
        g_task_return_int (completion->task, completion->value);
      else
        g_task_return_boolean (completion->task, completion->value != 0);
      completion_free (completion);
    }

  _syncobj_slice_end ();
  return more ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

SyncobjStoreAnswers *
_syncobj_store_answers_new (void)
{
  SyncobjStoreAnswers *self = g_new0 (SyncobjStoreAnswers, 1);

  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) completion_free);
  self->queues = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) answer_queue_unref);
  return self;
}

void
_syncobj_store_answers_free (SyncobjStoreAnswers *self)
{
  g_ptr_array_unref (self->pending);
  g_hash_table_unref (self->queues);
  g_free (self);
}

void
_syncobj_store_answers_add (SyncobjStoreAnswers *self,
                            GTask               *task,
                            GError              *error,
                            gssize               value,
                            gboolean             is_int)
{
  Completion *completion = g_new0 (Completion, 1);

  completion->task = task;
  completion->error = error;
  completion->value = value;
  completion->is_int = is_int;
  g_ptr_array_add (self->pending, completion);
}

void
_syncobj_store_answers_add_done (SyncobjStoreAnswers  *self,
                                 GMainContext         *context,
                                 SyncobjStoreDoneFunc  done,
                                 gpointer              user_data,
                                 GError               *error)
{
  Completion *completion = g_new0 (Completion, 1);

  completion->done = done;
  completion->done_data = user_data;
  completion->error = error;
  completion->context = g_main_context_ref (context);
  g_ptr_array_add (self->pending, completion);
}

void
_syncobj_store_answers_add_garbage (SyncobjStoreAnswers *self,
                                    GMainContext        *context,
                                    gpointer             item,
                                    GDestroyNotify       free_func)
{
  Completion *last = self->pending->len > 0 ? g_ptr_array_index (self->pending, self->pending->len - 1) : NULL;

  if (last == NULL || last->garbage == NULL || last->context != context || last->garbage_free != free_func)
    {
      last = g_new0 (Completion, 1);
      last->garbage = g_ptr_array_new ();
      last->garbage_free = free_func;
      last->context = g_main_context_ref (context);
      g_ptr_array_add (self->pending, last);
    }
  g_ptr_array_add (last->garbage, item);
}

/* Answers go back from an idle on each task's own context (see
 * AnswerQueue): this thread must never hold the last reference of a task,
 * which may be the last reference of the store that owns it. */
void
_syncobj_store_answers_send (SyncobjStoreAnswers *self)
{
  for (guint i = 0; i < self->pending->len; i++)
    {
      Completion *completion = g_ptr_array_index (self->pending, i);
      GMainContext *context = completion->task == NULL ? completion->context
                                                       : g_task_get_context (completion->task);
      AnswerQueue *queue = g_hash_table_lookup (self->queues, context);

      if (queue == NULL)
        {
          queue = answer_queue_new (context);
          g_hash_table_insert (self->queues, context, queue);
        }

      g_mutex_lock (&queue->mutex);
      g_queue_push_tail (&queue->completions, completion);
      if (!queue->scheduled)
        {
          g_autoptr(GSource) source = g_idle_source_new ();

          queue->scheduled = TRUE;
          g_source_set_priority (source, G_PRIORITY_DEFAULT);
          g_source_set_static_name (source, "[syncobj] store answers");
          g_source_set_callback (source, complete_in_context, answer_queue_ref (queue),
                                 (GDestroyNotify) answer_queue_unref);
          g_source_attach (source, context);
        }
      g_mutex_unlock (&queue->mutex);
    }

  /* The completions now belong to the queues. */
  g_ptr_array_set_free_func (self->pending, NULL);
  g_ptr_array_set_size (self->pending, 0);
  g_ptr_array_set_free_func (self->pending, (GDestroyNotify) completion_free);
}
