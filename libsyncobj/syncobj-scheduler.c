/* syncobj-scheduler.c: every timer of libsyncobj, on a real or virtual clock
 *
 * Retries, echo timeouts and the network delays of the test harness all go
 * through here. In real mode a timer is a GSource on the thread-default main
 * context of the caller. In virtual mode timers wait in a queue ordered by
 * due time (then creation order) and fire only from
 * _syncobj_scheduler_advance(), so a test drives a backoff of minutes in
 * microseconds without sleeping. A delay of 0 is always a real idle: it
 * means "soon", not "at a time".
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-private.h"

typedef struct
{
  SyncobjScheduler *scheduler;    /* unowned: the scheduler outlives its timers */
  guint             id;
  GSourceFunc       func;
  gpointer          data;
  GDestroyNotify    destroy;
  GMainContext     *context;      /* where real sources go */
  GSource          *source;       /* real mode, or any idle */
  GSequenceIter    *iter;         /* virtual mode: position in the queue */
  gint64            due_us;       /* virtual mode: virtual time to fire */
} Timer;

struct _SyncobjScheduler
{
  GObject     parent_instance;

  GMutex      mutex;              /* guards everything below but online */
  GHashTable *timers;             /* id → Timer*, every timer not yet fired */
  GSequence  *virtual_queue;      /* Timer*, by (due_us, id) */
  guint       last_id;
  gint64      virtual_now_us;
  guint       virtual_clock : 1;
  gint        virtual_flag;       /* atomic: virtual_clock, for
                                   * _syncobj_scheduler_now() */

  gint        online_flag;        /* atomic */
  GHashTable *unreachable;        /* server → itself; guarded by mutex */

  GHashTable *wake_sources;       /* GMainContext → WakeSource (a reference) */
  gpointer    last_wake;          /* the WakeSource used last */
};

/* One call asked for with _syncobj_scheduler_wake(). */
typedef struct
{
  SyncobjWakeFunc  func;
  gpointer         data;
  GDestroyNotify   destroy;
} Wake;

/* The wake-ups of one main context; see _syncobj_scheduler_wake(). */
typedef struct
{
  GSource           source;
  SyncobjScheduler *scheduler;    /* unowned: it destroys the source first */
  GMainContext     *context;      /* unowned: where it is attached */
  GArray           *wakes;        /* Wake, due at the next dispatch; under the mutex */
  GArray           *spare;        /* emptied wakes kept for reuse; under the mutex */
  GArray           *running;      /* the wakes being dispatched, or NULL;
                                   * only the dispatching thread uses it */
  gint              pending;      /* atomic: ready */
} WakeSource;

G_DEFINE_FINAL_TYPE (SyncobjScheduler, _syncobj_scheduler, G_TYPE_OBJECT)

static void wake_source_drop (gpointer data);

enum {
  PROP_0,
  PROP_ONLINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  REACHABILITY_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
timer_free (Timer *timer)
{
  if (timer->destroy != NULL)
    timer->destroy (timer->data);
  if (timer->source != NULL)
    {
      g_source_destroy (timer->source);
      g_source_unref (timer->source);
    }
  g_clear_pointer (&timer->context, g_main_context_unref);
  g_free (timer);
}

static void
timer_fire (Timer *timer)
{
  /* One-shot: the return value has no meaning. */
  timer->func (timer->data);
  timer_free (timer);
}

static gboolean
timer_source_dispatch (gpointer user_data)
{
  Timer *timer = user_data;
  SyncobjScheduler *self = timer->scheduler;
  gboolean fire;

  /* Forget the timer before calling it, so that a _remove() from inside
   * the callback (or after it) is a no-op. */
  g_mutex_lock (&self->mutex);
  fire = g_hash_table_steal (self->timers, GUINT_TO_POINTER (timer->id));
  g_mutex_unlock (&self->mutex);

  if (fire)
    timer_fire (timer);

  return G_SOURCE_REMOVE;
}

static gint
timer_compare (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  const Timer *timer_a = a;
  const Timer *timer_b = b;

  if (timer_a->due_us != timer_b->due_us)
    return timer_a->due_us < timer_b->due_us ? -1 : 1;
  if (timer_a->id != timer_b->id)
    return timer_a->id < timer_b->id ? -1 : 1;
  return 0;
}

/* Called with the mutex held. */
static void
timer_start_real (Timer *timer,
                  guint  delay_ms)
{
  timer->source = delay_ms == 0 ? g_idle_source_new () : g_timeout_source_new (delay_ms);
  g_source_set_static_name (timer->source, "[syncobj] timer");
  g_source_set_callback (timer->source, timer_source_dispatch, timer, NULL);
  g_source_attach (timer->source, timer->context);
}

/* Called with the mutex held. */
static void
timer_start_virtual (Timer  *timer,
                     gint64  due_us)
{
  timer->due_us = due_us;
  timer->iter = g_sequence_insert_sorted (timer->scheduler->virtual_queue,
                                          timer, timer_compare, NULL);
}

static void
_syncobj_scheduler_finalize (GObject *object)
{
  SyncobjScheduler *self = SYNCOBJ_SCHEDULER (object);
  g_autoptr(GList) timers = g_hash_table_get_values (self->timers);

  /* Only a scheduler other than the default one ever gets here. */
  g_hash_table_remove_all (self->timers);
  for (const GList *l = timers; l != NULL; l = l->next)
    {
      Timer *timer = l->data;

      g_clear_pointer (&timer->iter, g_sequence_remove);
      timer_free (timer);
    }

  g_clear_pointer (&self->virtual_queue, g_sequence_free);
  g_clear_pointer (&self->timers, g_hash_table_unref);
  g_clear_pointer (&self->wake_sources, g_hash_table_unref);
  g_clear_pointer (&self->unreachable, g_hash_table_unref);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (_syncobj_scheduler_parent_class)->finalize (object);
}

static void
_syncobj_scheduler_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  SyncobjScheduler *self = SYNCOBJ_SCHEDULER (object);

  switch (prop_id)
    {
    case PROP_ONLINE:
      g_value_set_boolean (value, _syncobj_scheduler_get_online (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
_syncobj_scheduler_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  SyncobjScheduler *self = SYNCOBJ_SCHEDULER (object);

  switch (prop_id)
    {
    case PROP_ONLINE:
      _syncobj_scheduler_set_online (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
_syncobj_scheduler_class_init (SyncobjSchedulerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = _syncobj_scheduler_finalize;
  object_class->get_property = _syncobj_scheduler_get_property;
  object_class->set_property = _syncobj_scheduler_set_property;

  properties[PROP_ONLINE] =
    g_param_spec_boolean ("online", NULL, NULL,
                          TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[REACHABILITY_CHANGED] =
    g_signal_new ("reachability-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
_syncobj_scheduler_init (SyncobjScheduler *self)
{
  g_mutex_init (&self->mutex);
  /* Removal from the table never frees: whoever removes a timer owns it. */
  self->timers = g_hash_table_new (NULL, NULL);
  self->virtual_queue = g_sequence_new (NULL);
  self->online_flag = TRUE;
  self->unreachable = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->wake_sources = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) wake_source_drop);
}

SyncobjScheduler *
_syncobj_scheduler_get_default (void)
{
  static gsize default_scheduler = 0;

  /* Created once, never freed: timers may be pending until exit. */
  if (g_once_init_enter (&default_scheduler))
    g_once_init_leave (&default_scheduler,
                       (gsize) g_object_new (SYNCOBJ_TYPE_SCHEDULER, NULL));

  return (SyncobjScheduler *) default_scheduler;
}

GThread *
_syncobj_thread_self (void)
{
  /* Valid while the thread runs: GLib frees a thread's GThread once the
   * thread ended. */
  static SYNCOBJ_THREAD_LOCAL GThread *thread;

  if (G_UNLIKELY (thread == NULL))
    thread = g_thread_self ();
  return thread;
}

gint64
_syncobj_scheduler_now (SyncobjScheduler *self)
{
  gint64 now;

  /* Read several times per write: no type check (it is always the
   * default scheduler), and no lock for the real clock. */
  if (!g_atomic_int_get (&self->virtual_flag))
    return g_get_real_time ();

  g_mutex_lock (&self->mutex);
  now = self->virtual_clock ? self->virtual_now_us : g_get_real_time ();
  g_mutex_unlock (&self->mutex);

  return now;
}

guint
_syncobj_scheduler_add (SyncobjScheduler *self,
                        guint             delay_ms,
                        GSourceFunc       func,
                        gpointer          data,
                        GDestroyNotify    destroy)
{
  Timer *timer;
  guint id;

  g_return_val_if_fail (SYNCOBJ_IS_SCHEDULER (self), 0);
  g_return_val_if_fail (func != NULL, 0);

  timer = g_new0 (Timer, 1);
  timer->scheduler = self;
  timer->func = func;
  timer->data = data;
  timer->destroy = destroy;
  timer->context = g_main_context_ref_thread_default ();

  g_mutex_lock (&self->mutex);

  /* Our own ids, never GSource ids: they stay valid across a change of
   * clock. 0 is never handed out. */
  do
    id = ++self->last_id;
  while (id == 0 || g_hash_table_contains (self->timers, GUINT_TO_POINTER (id)));
  timer->id = id;
  g_hash_table_insert (self->timers, GUINT_TO_POINTER (id), timer);

  if (self->virtual_clock && delay_ms > 0)
    timer_start_virtual (timer, self->virtual_now_us + (gint64) delay_ms * 1000);
  else
    timer_start_real (timer, delay_ms);

  g_mutex_unlock (&self->mutex);

  return id;
}

void
_syncobj_scheduler_remove (SyncobjScheduler *self,
                           guint             id)
{
  Timer *timer;

  g_return_if_fail (SYNCOBJ_IS_SCHEDULER (self));

  if (id == 0)
    return;

  g_mutex_lock (&self->mutex);
  timer = g_hash_table_lookup (self->timers, GUINT_TO_POINTER (id));
  if (timer != NULL)
    {
      g_hash_table_remove (self->timers, GUINT_TO_POINTER (id));
      g_clear_pointer (&timer->iter, g_sequence_remove);
    }
  g_mutex_unlock (&self->mutex);

  /* Outside the lock: the destroy notify may call back into us. */
  if (timer != NULL)
    timer_free (timer);
}

void
_syncobj_scheduler_set_virtual (SyncobjScheduler *self,
                                gboolean          virtual_clock)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (SYNCOBJ_IS_SCHEDULER (self));

  virtual_clock = !!virtual_clock;

  g_mutex_lock (&self->mutex);

  if (self->virtual_clock == (guint) virtual_clock)
    {
      g_mutex_unlock (&self->mutex);
      return;
    }

  if (virtual_clock)
    {
      gint64 monotonic_now = g_get_monotonic_time ();

      self->virtual_clock = TRUE;
      self->virtual_now_us = g_get_real_time ();
      g_atomic_int_set (&self->virtual_flag, TRUE);

      /* Pending real timeouts move to the virtual queue with the time they
       * had left; idles stay real. */
      g_hash_table_iter_init (&iter, self->timers);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          Timer *timer = value;
          gint64 ready_time;

          if (timer->source == NULL)
            continue;
          ready_time = g_source_get_ready_time (timer->source);
          if (ready_time < 0)
            continue;   /* an idle */

          g_source_destroy (timer->source);
          g_clear_pointer (&timer->source, g_source_unref);
          timer_start_virtual (timer,
                               self->virtual_now_us + MAX (ready_time - monotonic_now, 0));
        }
    }
  else
    {
      GSequenceIter *seq_iter = g_sequence_get_begin_iter (self->virtual_queue);

      /* Remaining virtual timers become real ones with the delay they had
       * left on the virtual clock. */
      while (!g_sequence_iter_is_end (seq_iter))
        {
          Timer *timer = g_sequence_get (seq_iter);
          gint64 remaining_us = MAX (timer->due_us - self->virtual_now_us, 0);

          seq_iter = g_sequence_iter_next (seq_iter);
          timer->iter = NULL;
          timer_start_real (timer, (guint) MIN ((remaining_us + 999) / 1000, G_MAXUINT));
        }
      g_sequence_remove_range (g_sequence_get_begin_iter (self->virtual_queue),
                               g_sequence_get_end_iter (self->virtual_queue));

      self->virtual_clock = FALSE;
      g_atomic_int_set (&self->virtual_flag, FALSE);
      self->virtual_now_us = 0;
    }

  g_mutex_unlock (&self->mutex);
}

gboolean
_syncobj_scheduler_is_virtual (SyncobjScheduler *self)
{
  gboolean virtual_clock;

  g_return_val_if_fail (SYNCOBJ_IS_SCHEDULER (self), FALSE);

  g_mutex_lock (&self->mutex);
  virtual_clock = self->virtual_clock;
  g_mutex_unlock (&self->mutex);

  return virtual_clock;
}

/* Takes the earliest virtual timer due at or before @target_us out of the
 * scheduler and moves the clock to its due time; NULL when none is due. */
static Timer *
pop_due_timer (SyncobjScheduler *self,
               gint64            target_us)
{
  GSequenceIter *first;
  Timer *timer = NULL;

  g_mutex_lock (&self->mutex);

  first = g_sequence_get_begin_iter (self->virtual_queue);
  if (!g_sequence_iter_is_end (first))
    {
      Timer *candidate = g_sequence_get (first);

      if (candidate->due_us <= target_us)
        {
          timer = candidate;
          self->virtual_now_us = MAX (self->virtual_now_us, timer->due_us);
          g_clear_pointer (&timer->iter, g_sequence_remove);
          g_hash_table_remove (self->timers, GUINT_TO_POINTER (timer->id));
        }
    }

  g_mutex_unlock (&self->mutex);

  return timer;
}

void
_syncobj_scheduler_advance (SyncobjScheduler *self,
                            guint             ms)
{
  gint64 target_us;
  Timer *timer;

  g_return_if_fail (SYNCOBJ_IS_SCHEDULER (self));
  g_return_if_fail (_syncobj_scheduler_is_virtual (self));

  g_mutex_lock (&self->mutex);
  target_us = self->virtual_now_us + (gint64) ms * 1000;
  g_mutex_unlock (&self->mutex);

  /* Timers added by a callback fire in the same advance when they fall
   * due before the target. */
  for (;;)
    {
      _syncobj_scheduler_run_pending (self);

      timer = pop_due_timer (self, target_us);
      if (timer == NULL)
        break;

      timer_fire (timer);
    }

  g_mutex_lock (&self->mutex);
  if (self->virtual_clock)
    self->virtual_now_us = MAX (self->virtual_now_us, target_us);
  g_mutex_unlock (&self->mutex);

  _syncobj_scheduler_run_pending (self);
}

void
_syncobj_scheduler_run_pending (SyncobjScheduler *self)
{
  g_autoptr(GMainContext) context = NULL;

  g_return_if_fail (SYNCOBJ_IS_SCHEDULER (self));

  context = g_main_context_ref_thread_default ();
  while (g_main_context_iteration (context, FALSE))
    ;
}

/* While the scheduler is offline no attempt is spent: retries wait.
 * Network monitoring (syncobj-network.c) takes it offline when a server
 * cannot be reached and back online when it can; the test harness sets it
 * by hand. */
gboolean
_syncobj_scheduler_get_online (SyncobjScheduler *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_SCHEDULER (self), FALSE);

  return g_atomic_int_get (&self->online_flag);
}

void
_syncobj_scheduler_set_online (SyncobjScheduler *self,
                               gboolean          online)
{
  g_return_if_fail (SYNCOBJ_IS_SCHEDULER (self));

  online = !!online;
  if (g_atomic_int_exchange (&self->online_flag, online) == online)
    return;

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ONLINE]);
}

void
_syncobj_scheduler_set_reachable (SyncobjScheduler *self,
                                  const char       *server,
                                  gboolean          reachable)
{
  gboolean changed;

  g_return_if_fail (SYNCOBJ_IS_SCHEDULER (self));
  g_return_if_fail (server != NULL);

  g_mutex_lock (&self->mutex);
  changed = reachable ? g_hash_table_remove (self->unreachable, server)
                      : g_hash_table_add (self->unreachable, g_strdup (server));
  g_mutex_unlock (&self->mutex);
  if (changed)
    g_signal_emit (self, signals[REACHABILITY_CHANGED], 0);
}

gboolean
_syncobj_scheduler_is_unreachable (SyncobjScheduler *self,
                                   const char       *server)
{
  gboolean unreachable;

  g_return_val_if_fail (SYNCOBJ_IS_SCHEDULER (self), FALSE);

  g_mutex_lock (&self->mutex);
  unreachable = server != NULL ? g_hash_table_contains (self->unreachable, server)
                               : g_hash_table_size (self->unreachable) > 0;
  g_mutex_unlock (&self->mutex);
  return unreachable;
}

GDateTime *
_syncobj_date_time_new (gint64 unix_us)
{
  g_autoptr(GDateTime) seconds = NULL;
  gint64 unix_s;
  gint64 remainder_us;

  if (unix_us == 0)
    return NULL;

  /* Floor division, so that times before the epoch stay right. */
  unix_s = unix_us / G_USEC_PER_SEC;
  remainder_us = unix_us % G_USEC_PER_SEC;
  if (remainder_us < 0)
    {
      unix_s -= 1;
      remainder_us += G_USEC_PER_SEC;
    }

  seconds = g_date_time_new_from_unix_local (unix_s);
  if (seconds == NULL)
    return NULL;

  return g_date_time_add (seconds, remainder_us);
}

/* ---- wake-ups -------------------------------------------------------------- */

/* The wake-ups of a main context run from one GSource that stays attached
 * to it and is ready while a wake-up is due: each main context has its
 * own, so that a wake-up runs on the thread that asked for it. A new idle
 * per write, through _syncobj_scheduler_add(), cost more than the rest of
 * a commit; making a source ready with g_source_set_ready_time() would
 * write to the context's wakeup fd every time, where attaching an idle did
 * not. */

/* Work done per main-loop iteration on wake-ups, in µs: well within a
 * frame at 60 Hz; and wake-ups run between two looks at the clock. */
#define WAKE_SLICE_US 1000
#define WAKES_PER_CHECK 32

static void
wake_clear (gpointer data)
{
  Wake *wake = data;

  if (wake->destroy != NULL)
    wake->destroy (wake->data);
}

static gboolean
wake_source_prepare (GSource *source,
                     gint    *timeout)
{
  *timeout = -1;
  return g_atomic_int_get (&((WakeSource *) source)->pending);
}

static gboolean
wake_source_check (GSource *source)
{
  return g_atomic_int_get (&((WakeSource *) source)->pending);
}

/* Runs the wake-ups of @wakes from *@next on, until @deadline (monotonic
 * time): a burst of thousands (a store answering as many commits) is
 * spread over several main-loop iterations. TRUE once all have run. */
static gboolean
wakes_run (GArray *wakes,
           guint  *next,
           gint64  deadline)
{
  while (*next < wakes->len)
    {
      Wake *wake = &g_array_index (wakes, Wake, (*next)++);

      wake->func (wake->data);
      if (*next % WAKES_PER_CHECK == 0 && g_get_monotonic_time () >= deadline)
        break;
    }
  return *next == wakes->len;
}

static gboolean
wake_source_dispatch (GSource     *source,
                      GSourceFunc  callback,
                      gpointer     user_data)
{
  WakeSource *wake_source = (WakeSource *) source;
  SyncobjScheduler *self = wake_source->scheduler;
  GArray *wakes;
  guint next = 0;
  gboolean finished;

  /* Wake-ups asked for from here on go to the next dispatch, into the
   * array emptied by the last one. */
  g_mutex_lock (&self->mutex);
  g_atomic_int_set (&wake_source->pending, FALSE);
  wakes = g_steal_pointer (&wake_source->wakes);
  wake_source->wakes = g_steal_pointer (&wake_source->spare);
  g_mutex_unlock (&self->mutex);

  if (wakes == NULL)
    return G_SOURCE_CONTINUE;

  /* _syncobj_scheduler_wake_in_dispatch() may append to it meanwhile. */
  wake_source->running = wakes;
  finished = wakes_run (wakes, &next, g_get_monotonic_time () + WAKE_SLICE_US);
  wake_source->running = NULL;
  if (!finished)
    {
      /* The rest first at the next dispatch, before those asked for
       * meanwhile. */
      g_array_remove_range (wakes, 0, next);
      g_mutex_lock (&self->mutex);
      if (wake_source->wakes != NULL)
        {
          g_array_append_vals (wakes, wake_source->wakes->data, wake_source->wakes->len);
          g_array_set_clear_func (wake_source->wakes, NULL);
          g_array_set_size (wake_source->wakes, 0);
          g_array_set_clear_func (wake_source->wakes, wake_clear);
        }
      wake_source->spare = g_steal_pointer (&wake_source->wakes);
      wake_source->wakes = g_steal_pointer (&wakes);
      g_atomic_int_set (&wake_source->pending, TRUE);
      g_mutex_unlock (&self->mutex);
      return G_SOURCE_CONTINUE;
    }
  g_array_set_size (wakes, 0);

  g_mutex_lock (&self->mutex);
  if (wake_source->spare == NULL)
    wake_source->spare = g_steal_pointer (&wakes);
  g_mutex_unlock (&self->mutex);
  g_clear_pointer (&wakes, g_array_unref);

  return G_SOURCE_CONTINUE;
}

static void
wake_source_finalize (GSource *source)
{
  g_clear_pointer (&((WakeSource *) source)->wakes, g_array_unref);
  g_clear_pointer (&((WakeSource *) source)->spare, g_array_unref);
}

static GSourceFuncs wake_source_funcs = {
  .prepare = wake_source_prepare,
  .check = wake_source_check,
  .dispatch = wake_source_dispatch,
  .finalize = wake_source_finalize,
};

static void
wake_source_drop (gpointer data)
{
  g_source_destroy (data);
  g_source_unref (data);
}

/* Moves the wake-ups of @from to the end of those of @to. */
static void
wakes_move (WakeSource *from,
            WakeSource *to)
{
  if (from->wakes == NULL || from->wakes->len == 0)
    return;
  if (to->wakes == NULL)
    to->wakes = g_steal_pointer (&from->wakes);
  else
    {
      g_array_append_vals (to->wakes, from->wakes->data, from->wakes->len);
      g_array_set_clear_func (from->wakes, NULL);
      g_clear_pointer (&from->wakes, g_array_unref);
    }
}

/* The wake source of @context, made on first use. Sources whose context
 * is gone leave the table (into @gone, to be dropped without the mutex:
 * dropping runs destroy functions); their wake-ups, never run, go to the
 * new source, as they would have before each context had its own. Called
 * with the mutex held. */
static WakeSource *
wake_source_get (SyncobjScheduler  *self,
                 GMainContext      *context,
                 GPtrArray        **gone)
{
  WakeSource *wake_source = self->last_wake;
  GHashTableIter iter;
  gpointer value;

  if (wake_source != NULL && wake_source->context == context &&
      !g_source_is_destroyed ((GSource *) wake_source))
    return wake_source;

  wake_source = g_hash_table_lookup (self->wake_sources, context);
  if (wake_source == NULL || g_source_is_destroyed ((GSource *) wake_source))
    {
      wake_source = (WakeSource *) g_source_new (&wake_source_funcs, sizeof (WakeSource));
      wake_source->scheduler = self;
      wake_source->context = context;
      g_source_set_priority ((GSource *) wake_source, G_PRIORITY_DEFAULT_IDLE);
      g_source_set_static_name ((GSource *) wake_source, "[syncobj] wake");

      g_hash_table_iter_init (&iter, self->wake_sources);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if (g_source_is_destroyed (value))
          {
            wakes_move (value, wake_source);
            if (*gone == NULL)
              *gone = g_ptr_array_new_with_free_func (wake_source_drop);
            g_ptr_array_add (*gone, value);
            g_hash_table_iter_steal (&iter);
          }

      g_hash_table_insert (self->wake_sources, context, wake_source);
      g_source_attach ((GSource *) wake_source, context);
      if (wake_source->wakes != NULL)
        g_atomic_int_set (&wake_source->pending, TRUE);
    }

  self->last_wake = wake_source;
  return wake_source;
}

void
_syncobj_scheduler_wake (SyncobjScheduler *self,
                         SyncobjWakeFunc   func,
                         gpointer          data,
                         GDestroyNotify    destroy)
{
  g_autoptr(GPtrArray) gone = NULL;
  GMainContext *context;
  WakeSource *wake_source;
  Wake wake = { func, data, destroy };

  g_return_if_fail (SYNCOBJ_IS_SCHEDULER (self));
  g_return_if_fail (func != NULL);

  context = g_main_context_get_thread_default ();
  if (context == NULL)
    context = g_main_context_default ();

  g_mutex_lock (&self->mutex);
  wake_source = wake_source_get (self, context, &gone);
  if (wake_source->wakes == NULL)
    {
      wake_source->wakes = g_array_new (FALSE, FALSE, sizeof (Wake));
      g_array_set_clear_func (wake_source->wakes, wake_clear);
    }
  g_array_append_val (wake_source->wakes, wake);

  if (g_atomic_int_get (&wake_source->pending))
    {
      g_mutex_unlock (&self->mutex);
      return;
    }
  g_atomic_int_set (&wake_source->pending, TRUE);
  g_mutex_unlock (&self->mutex);

  /* As g_source_attach() does: a context that another thread is running
   * must wake up to see the wake-up; one that nobody runs, or this thread
   * does, checks its sources before it next waits. */
  if (!g_main_context_is_owner (context))
    {
      if (g_main_context_acquire (context))
        g_main_context_release (context);
      else
        g_main_context_wakeup (context);
    }
}

/* Like _syncobj_scheduler_wake(), but from a wake-up being dispatched on
 * this thread the call joins that dispatch: it runs once the wake-ups
 * before it returned, without waiting for another main-loop iteration, and
 * a chain of such calls runs one after another, not nested. */
void
_syncobj_scheduler_wake_in_dispatch (SyncobjScheduler *self,
                                     SyncobjWakeFunc   func,
                                     gpointer          data,
                                     GDestroyNotify    destroy)
{
  GMainContext *context = g_main_context_get_thread_default ();
  WakeSource *wake_source;
  Wake wake = { func, data, destroy };

  g_return_if_fail (SYNCOBJ_IS_SCHEDULER (self));

  if (context == NULL)
    context = g_main_context_default ();

  g_mutex_lock (&self->mutex);
  wake_source = g_hash_table_lookup (self->wake_sources, context);
  if (wake_source == NULL || wake_source->running == NULL ||
      !g_main_context_is_owner (context))
    {
      g_mutex_unlock (&self->mutex);
      _syncobj_scheduler_wake (self, func, data, destroy);
      return;
    }
  g_array_append_val (wake_source->running, wake);
  g_mutex_unlock (&self->mutex);
}
