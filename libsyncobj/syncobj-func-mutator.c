/* syncobj-func-mutator.c: a mutator that calls a plain function
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-persist-job-private.h"
#include "syncobj-sync-private.h"
#include "syncobj-transaction-private.h"

/**
 * SyncobjFuncMutator:
 *
 * A [class@Syncobj.Mutator] that hands each persist call to a plain
 * function, as a [class@Syncobj.PersistJob]. This is how C programs
 * without a subclass, Python and GJS write their persist side.
 *
 * ```c
 * static void
 * persist (SyncobjPersistJob *job,
 *          gpointer           user_data)
 * {
 *   g_autofree char *body = syncobj_persist_job_get_changes_json (job);
 *
 *   // send body; later, from the reply:
 *   syncobj_persist_job_complete (job);
 * }
 *
 * mutator = syncobj_func_mutator_new (persist, NULL, NULL);
 * ```
 *
 * A backend that sends each change on its own (a `PATCH` per record)
 * walks the mutations with [method@Syncobj.PersistJob.get_n_mutations]
 * and [method@Syncobj.PersistJob.get_mutation] and takes each one's
 * changes as text with [method@Syncobj.PendingMutation.get_changes_json];
 * the server's echo goes back as text too, with
 * [method@Syncobj.Sync.write_json]. An update of a record the sync
 * delivered as JSON text then goes from the write to `completed` without
 * a `JsonObject` built: its changes are copied, not serialized, and an
 * echo that sets what it set, written the same, is compared as text.
 *
 * ```c
 * for (guint i = 0; i < syncobj_persist_job_get_n_mutations (job); i++)
 *   {
 *     SyncobjPendingMutation *mutation = syncobj_persist_job_get_mutation (job, i);
 *     g_autofree char *body = syncobj_pending_mutation_get_changes_json (mutation);
 *
 *     // PATCH body to …/syncobj_pending_mutation_get_key (mutation)
 *   }
 * ```
 *
 * After a transaction is persisted the mutator can wait for its echo:
 * with an await-sync function (see
 * [method@Syncobj.FuncMutator.set_await_sync_func]), or, with
 * [property@Syncobj.FuncMutator:await-echo] set, until the collection's
 * [class@Syncobj.Sync] has delivered every key the transaction wrote
 * (see [method@Syncobj.Sync.wait_for_keys_async]). Otherwise the
 * transaction completes as soon as it is persisted, and its changes leave
 * the collection's optimistic layer: what shows then is what the sync
 * delivers. When the sync does not deliver every key the transaction
 * wrote within [property@Syncobj.FuncMutator:echo-timeout] of its
 * persist call's success, a warning is logged, once per mutator: without an echo the collection shows the
 * server's old values.
 */

struct _SyncobjFuncMutator
{
  SyncobjMutator      parent_instance;

  SyncobjPersistFunc  persist_func;
  gpointer            persist_data;
  GDestroyNotify      persist_destroy;

  SyncobjPersistFunc  await_sync_func;
  gpointer            await_sync_data;
  GDestroyNotify      await_sync_destroy;

  gboolean            await_echo;
  guint               echo_timeout_ms;
  gboolean            warned_no_echo;   /* the one-time warning was given */
  SyncobjPersistJob  *spare_job;        /* atomic: a retired direct job */
  gpointer            spare_watch;      /* atomic: a freed EchoWatch */
};

G_DEFINE_FINAL_TYPE (SyncobjFuncMutator, syncobj_func_mutator, SYNCOBJ_TYPE_MUTATOR)

enum {
  PROP_0,
  PROP_AWAIT_ECHO,
  PROP_ECHO_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define DEFAULT_ECHO_TIMEOUT 30000

/* Sets *@func and its closure, freeing the previous closure. */
static void
replace_func (SyncobjPersistFunc *func_slot,
              gpointer           *data_slot,
              GDestroyNotify     *destroy_slot,
              SyncobjPersistFunc  func,
              gpointer            data,
              GDestroyNotify      destroy)
{
  GDestroyNotify old_destroy = *destroy_slot;
  gpointer old_data = *data_slot;

  *func_slot = func;
  *data_slot = data;
  *destroy_slot = destroy;

  if (old_destroy != NULL)
    old_destroy (old_data);
}

/* Hands @task to @func as a job; the job finishes the task. */
static void
run_job (SyncobjPersistFunc  func,
         gpointer            data,
         SyncobjTransaction *transaction,
         SyncobjSync        *sync,
         GTask              *task)
{
  g_autoptr(SyncobjPersistJob) job = _syncobj_persist_job_new (transaction, sync, task);

  /* A function that finishes later keeps its own reference. */
  func (job, data);
}

static GStrv collect_keys (SyncobjTransaction *transaction,
                           SyncobjSync        *sync);
static gboolean one_key (SyncobjTransaction  *transaction,
                         SyncobjSync         *sync,
                         const char         **key);

/* The echo of one persist call: keys delivered from the start of the call
 * count (a server may echo before it answers); echo-timeout runs from its
 * success, so that a long call is no missing echo. The watch of the sync
 * holds one reference, the timer another. */
typedef struct _SyncobjFuncMutatorEchoWatch EchoWatch;

/* A persist call of the collection itself, whose outcome goes to a plain
 * function: with the echo watch on the way. It lives in the watch, so
 * that a call makes one allocation. */
typedef struct
{
  SyncobjFuncMutator *self;
  SyncobjPersistDone  done;
  gpointer            data;
  GDestroyNotify      destroy;
} DirectCall;

struct _SyncobjFuncMutatorEchoWatch
{
  gatomicrefcount  ref;
  GWeakRef         self;            /* with the timer: it does not keep the mutator */
  gboolean         self_set;        /* self was initialised */
  SyncobjTransaction *transaction; /* named in the warning */
  SyncobjSync     *sync;            /* unowned, while watched */
  gpointer         keys_watch;      /* of the sync, while watched */
  guint            timer;           /* echo-timeout, once persisted */
  gboolean         done;            /* the wait finished */
  DirectCall       call;            /* of a direct persist call */
};

static EchoWatch *
echo_watch_ref (EchoWatch *watch)
{
  g_atomic_ref_count_inc (&watch->ref);
  return watch;
}

/* Drops a reference to @watch. The last one frees it: into the spare
 * slot of @self (nullable) when that is empty, for the next call. */
static void
echo_watch_release (EchoWatch          *watch,
                    SyncobjFuncMutator *self)
{
  if (!g_atomic_ref_count_dec (&watch->ref))
    return;
  if (watch->self_set)
    g_weak_ref_clear (&watch->self);
  g_object_unref (watch->transaction);
  if (self == NULL || !g_atomic_pointer_compare_and_exchange (&self->spare_watch, NULL, watch))
    g_free (watch);
}

static void
echo_watch_unref (EchoWatch *watch)
{
  echo_watch_release (watch, NULL);
}

/* The wait finished: every key came back, the sync went away, or nothing
 * is waited for any more. */
static void
echo_watch_end (EchoWatch *watch)
{
  watch->done = TRUE;
  if (watch->timer != 0)
    _syncobj_scheduler_remove (_syncobj_scheduler_get_default (), watch->timer);
  watch->timer = 0;
  watch->sync = NULL;
  watch->keys_watch = NULL;
  echo_watch_unref (watch);
}

static void
echo_watched_cb (gboolean written,
                 gpointer user_data)
{
  echo_watch_end (user_data);
}

/* Stops waiting for the echo. */
static void
echo_watch_stop (EchoWatch *watch)
{
  if (watch->keys_watch == NULL)
    return;
  _syncobj_sync_unwatch_keys (watch->sync, watch->keys_watch);
  echo_watch_end (watch);
}

static gboolean
echo_timeout_cb (gpointer user_data)
{
  EchoWatch *watch = user_data;
  g_autoptr(SyncobjFuncMutator) self = g_weak_ref_get (&watch->self);

  watch->timer = 0;
  if (!watch->done && self != NULL && !self->warned_no_echo)
    {
      self->warned_no_echo = TRUE;
      g_warning ("Transaction %s was persisted by a SyncobjFuncMutator, but the sync of its collection "
                 "did not deliver the keys it wrote within %u ms: the collection shows the server's "
                 "old values. Send persisted changes back through the sync, or set await-echo so that "
                 "transactions wait for them (this warning is given once)",
                 syncobj_transaction_get_id (watch->transaction), self->echo_timeout_ms);
    }
  echo_watch_stop (watch);
  return G_SOURCE_REMOVE;
}

/* For a transaction that completes as soon as it is persisted: watches
 * the sync for the echo of its keys, to warn once when it does not come.
 * NULL when nothing is watched. */
static EchoWatch *
watch_echo (SyncobjFuncMutator *self,
            SyncobjTransaction *transaction)
{
  SyncobjCollection *collection = syncobj_transaction_get_collection (transaction);
  SyncobjSync *sync = collection != NULL ? syncobj_collection_get_sync (collection) : NULL;
  g_auto(GStrv) keys = NULL;
  const char *one[2] = { NULL, NULL };
  const char * const *watched = one;
  EchoWatch *watch;

  if (sync == NULL || self->warned_no_echo || self->echo_timeout_ms == 0 ||
      self->await_sync_func != NULL || self->await_echo)
    return NULL;
  /* One write, the usual case: its key as it is, no array made. */
  if (!one_key (transaction, sync, &one[0]))
    watched = (const char * const *) (keys = collect_keys (transaction, sync));
  if (watched[0] == NULL)
    return NULL;

  watch = g_atomic_pointer_exchange (&self->spare_watch, NULL);
  if (watch != NULL)
    memset (watch, 0, sizeof (EchoWatch));
  else
    watch = g_new0 (EchoWatch, 1);
  g_atomic_ref_count_init (&watch->ref);
  watch->transaction = g_object_ref (transaction);
  watch->sync = sync;
  watch->keys_watch = _syncobj_sync_watch_keys (sync, watched, echo_watched_cb, echo_watch_ref (watch));
  return watch;
}

/* After a persist call: echo-timeout runs from its success; a failed call
 * reached no server and has no echo to wait for. */
static void
echo_watch_persisted (SyncobjFuncMutator *self,
                      EchoWatch          *watch,
                      gboolean            ok)
{
  if (watch == NULL)
    return;
  if (!ok)
    echo_watch_stop (watch);
  else if (!watch->done)
    {
      g_weak_ref_init (&watch->self, self);
      watch->self_set = TRUE;
      watch->timer = _syncobj_scheduler_add (_syncobj_scheduler_get_default (), self->echo_timeout_ms,
                                             echo_timeout_cb, echo_watch_ref (watch),
                                             (GDestroyNotify) echo_watch_unref);
    }
}

static void
persisted_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyncobjFuncMutator *self = SYNCOBJ_FUNC_MUTATOR (object);
  EchoWatch *watch = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);

  echo_watch_persisted (self, watch, ok);
  if (!ok)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
syncobj_func_mutator_persist_async (SyncobjMutator      *mutator,
                                    SyncobjTransaction  *transaction,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  SyncobjFuncMutator *self = (SyncobjFuncMutator *) mutator;
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) job_task = NULL;
  EchoWatch *watch;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, syncobj_func_mutator_persist_async);

  if (self->persist_func == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* The job finishes job_task; the persist call finishes after it. */
  job_task = g_task_new (self, cancellable, persisted_cb, g_steal_pointer (&task));
  watch = watch_echo (self, transaction);
  if (watch != NULL)
    g_task_set_task_data (job_task, watch, (GDestroyNotify) echo_watch_unref);
  run_job (self->persist_func, self->persist_data, transaction, NULL, job_task);
}

/* @user_data: the EchoWatch whose call it is */
static void
direct_call_done (GError   *error,
                  gpointer  user_data)
{
  EchoWatch *watch = user_data;

  echo_watch_persisted (watch->call.self, watch, error == NULL);
  watch->call.done (error, watch->call.data);
}

static void
direct_call_free (gpointer user_data)
{
  EchoWatch *watch = user_data;
  SyncobjFuncMutator *self = g_steal_pointer (&watch->call.self);

  if (watch->call.destroy != NULL)
    watch->call.destroy (watch->call.data);
  watch->call.destroy = NULL;
  echo_watch_release (watch, self);
  g_object_unref (self);
}

static void
syncobj_func_mutator_persist (SyncobjMutator     *mutator,
                               SyncobjTransaction *transaction,
                               SyncobjPersistDone  done,
                               gpointer            data,
                               GDestroyNotify      destroy)
{
  SyncobjFuncMutator *self = (SyncobjFuncMutator *) mutator;
  g_autoptr(SyncobjPersistJob) job = NULL;
  g_autoptr(SyncobjPersistJob) spare = NULL;
  EchoWatch *watch;

  if (self->persist_func == NULL)
    {
      done (NULL, data);
      if (destroy != NULL)
        destroy (data);
      return;
    }

  spare = g_atomic_pointer_exchange (&self->spare_job, NULL);
  watch = watch_echo (self, transaction);
  if (watch == NULL)
    {
      job = _syncobj_persist_job_new_direct (&spare, transaction, done, data, destroy);
    }
  else
    {
      /* The job holds the watch's reference of watch_echo(). */
      watch->call.self = g_object_ref (self);
      watch->call.done = done;
      watch->call.data = data;
      watch->call.destroy = destroy;
      job = _syncobj_persist_job_new_direct (&spare, transaction, direct_call_done, watch, direct_call_free);
    }
  g_clear_object (&spare);   /* made on another thread or context */

  /* A function that finishes later keeps its own reference. */
  self->persist_func (job, self->persist_data);

  if (_syncobj_persist_job_retire (job) &&
      g_atomic_pointer_compare_and_exchange (&self->spare_job, NULL, job))
    job = NULL;
}

static void
wait_for_keys_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (syncobj_sync_wait_for_keys_finish (SYNCOBJ_SYNC (object), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

/* For a transaction of one mutation (most write one record): TRUE, with
 * *@key its key (borrowed) when it is of the collection of @sync, NULL
 * otherwise. */
static gboolean
one_key (SyncobjTransaction  *transaction,
         SyncobjSync         *sync,
         const char         **key)
{
  /* Read in place: no reference per mutation, no interface checks. */
  SyncobjObjectList *mutations = _syncobj_transaction_peek_mutations (transaction);
  SyncobjCollection *collection;
  SyncobjPendingMutation *mutation;

  if (_syncobj_object_list_get_length (mutations) != 1)
    return FALSE;

  mutation = _syncobj_object_list_peek (mutations, 0);
  collection = syncobj_sync_get_collection (sync);
  *key = NULL;
  if (collection == NULL ||
      g_strcmp0 (syncobj_pending_mutation_get_collection_id (mutation), syncobj_collection_get_id (collection)) == 0)
    *key = syncobj_pending_mutation_get_key (mutation);
  return TRUE;
}

/* The keys @transaction wrote in the collection of @sync; a transaction
 * can span collections, and only this one's keys come back through @sync. */
static GStrv
collect_keys (SyncobjTransaction *transaction,
              SyncobjSync        *sync)
{
  SyncobjObjectList *mutations = _syncobj_transaction_peek_mutations (transaction);
  SyncobjCollection *collection = syncobj_sync_get_collection (sync);
  const char *collection_id = collection != NULL ? syncobj_collection_get_id (collection) : NULL;
  g_autoptr(GStrvBuilder) keys = NULL;
  g_autoptr(GHashTable) seen = NULL;
  guint n_mutations = _syncobj_object_list_get_length (mutations);
  const char *only;

  if (one_key (transaction, sync, &only))
    {
      char **one = g_new0 (char *, 2);

      one[0] = g_strdup (only);
      return one;
    }

  keys = g_strv_builder_new ();
  seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < n_mutations; i++)
    {
      SyncobjPendingMutation *mutation = _syncobj_object_list_peek (mutations, i);
      const char *key = syncobj_pending_mutation_get_key (mutation);

      if (collection_id != NULL &&
          g_strcmp0 (syncobj_pending_mutation_get_collection_id (mutation), collection_id) != 0)
        continue;
      if (!g_hash_table_add (seen, (gpointer) key))
        continue;

      g_strv_builder_add (keys, key);
    }

  return g_strv_builder_end (keys);
}

/* Whether await_sync_async() has anything to wait for, or would finish at
 * once (no await-sync function, and no echo to wait for through @sync). */
static gboolean
syncobj_func_mutator_awaits_sync (SyncobjMutator     *mutator,
                                  SyncobjTransaction *transaction,
                                  SyncobjSync        *sync)
{
  SyncobjFuncMutator *self = (SyncobjFuncMutator *) mutator;

  return self->await_sync_func != NULL || (self->await_echo && sync != NULL);
}

static void
syncobj_func_mutator_await_sync_async (SyncobjMutator      *mutator,
                                       SyncobjTransaction  *transaction,
                                       SyncobjSync         *sync,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  SyncobjFuncMutator *self = (SyncobjFuncMutator *) mutator;
  g_autoptr(GTask) task = NULL;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, syncobj_func_mutator_await_sync_async);

  if (sync == NULL)
    {
      SyncobjCollection *collection = syncobj_transaction_get_collection (transaction);

      if (collection != NULL)
        sync = syncobj_collection_get_sync (collection);
    }

  if (self->await_sync_func != NULL)
    {
      run_job (self->await_sync_func, self->await_sync_data, transaction, sync, task);
    }
  else if (self->await_echo && sync != NULL)
    {
      g_auto(GStrv) keys = collect_keys (transaction, sync);

      if (keys[0] == NULL)
        g_task_return_boolean (task, TRUE);
      else
        syncobj_sync_wait_for_keys_async (sync, (const char * const *) keys,
                                          self->echo_timeout_ms, cancellable,
                                          wait_for_keys_cb, g_steal_pointer (&task));
    }
  else
    {
      g_task_return_boolean (task, TRUE);
    }
}

static void
syncobj_func_mutator_finalize (GObject *object)
{
  SyncobjFuncMutator *self = SYNCOBJ_FUNC_MUTATOR (object);

  g_clear_object (&self->spare_job);
  g_clear_pointer (&self->spare_watch, g_free);
  replace_func (&self->persist_func, &self->persist_data, &self->persist_destroy,
                NULL, NULL, NULL);
  replace_func (&self->await_sync_func, &self->await_sync_data, &self->await_sync_destroy,
                NULL, NULL, NULL);

  G_OBJECT_CLASS (syncobj_func_mutator_parent_class)->finalize (object);
}

static void
syncobj_func_mutator_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  SyncobjFuncMutator *self = SYNCOBJ_FUNC_MUTATOR (object);

  switch (prop_id)
    {
    case PROP_AWAIT_ECHO:
      g_value_set_boolean (value, self->await_echo);
      break;
    case PROP_ECHO_TIMEOUT:
      g_value_set_uint (value, self->echo_timeout_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_func_mutator_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  SyncobjFuncMutator *self = SYNCOBJ_FUNC_MUTATOR (object);

  switch (prop_id)
    {
    case PROP_AWAIT_ECHO:
      syncobj_func_mutator_set_await_echo (self, g_value_get_boolean (value));
      break;
    case PROP_ECHO_TIMEOUT:
      syncobj_func_mutator_set_echo_timeout (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_func_mutator_class_init (SyncobjFuncMutatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SyncobjMutatorClass *mutator_class = SYNCOBJ_MUTATOR_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  /* The blurbs of the duration properties say their unit. */
  _syncobj_ensure_i18n ();

  object_class->finalize = syncobj_func_mutator_finalize;
  object_class->get_property = syncobj_func_mutator_get_property;
  object_class->set_property = syncobj_func_mutator_set_property;

  /* The finish vfuncs of SyncobjMutator propagate our GTasks. */
  mutator_class->persist_async = syncobj_func_mutator_persist_async;
  _syncobj_mutator_type_set_persist_func (G_TYPE_FROM_CLASS (klass), syncobj_func_mutator_persist);
  mutator_class->await_sync_async = syncobj_func_mutator_await_sync_async;
  mutator_class->awaits_sync = syncobj_func_mutator_awaits_sync;

  /**
   * SyncobjFuncMutator:await-echo:
   *
   * Whether a persisted transaction waits, before it completes, until the
   * collection's sync delivered every key the transaction wrote. Used only
   * when no await-sync function is set and the collection has a sync.
   */
  properties[PROP_AWAIT_ECHO] =
    g_param_spec_boolean ("await-echo", NULL, NULL, FALSE, flags);

  /**
   * SyncobjFuncMutator:echo-timeout:
   *
   * How long to wait for the echo when
   * [property@Syncobj.FuncMutator:await-echo] is set, in milliseconds.
   * When it runs out the wait fails; the transaction, already persisted,
   * still completes. Without await-echo, how long after a successful
   * persist call the echo may come (keys delivered since the call started
   * count) before the one-time warning; 0 turns the warning off.
   */
  properties[PROP_ECHO_TIMEOUT] =
    g_param_spec_uint ("echo-timeout", NULL, _("How long to wait for the echo, in milliseconds"),
                       0, G_MAXUINT, DEFAULT_ECHO_TIMEOUT, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
syncobj_func_mutator_init (SyncobjFuncMutator *self)
{
  self->echo_timeout_ms = DEFAULT_ECHO_TIMEOUT;
}

/**
 * syncobj_func_mutator_new:
 * @func: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   the persist function, or %NULL for a mutator whose persist calls
 *   succeed at once (useful for local-only collections and tests)
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data when the mutator is finalized
 *
 * Creates a mutator that calls @func for each persist call, with a
 * [class@Syncobj.PersistJob] that @func finishes now or later.
 *
 * Returns: (transfer full): a new mutator
 */
SyncobjMutator *
syncobj_func_mutator_new (SyncobjPersistFunc func,
                          gpointer           user_data,
                          GDestroyNotify     destroy)
{
  SyncobjFuncMutator *self = g_object_new (SYNCOBJ_TYPE_FUNC_MUTATOR, NULL);

  self->persist_func = func;
  self->persist_data = user_data;
  self->persist_destroy = destroy;

  return SYNCOBJ_MUTATOR (self);
}

/**
 * syncobj_func_mutator_set_await_sync_func:
 * @self: a func mutator
 * @func: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   the await-sync function, or %NULL to remove it
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data when @func is replaced or the
 *   mutator is finalized
 *
 * Sets a function called after each successful persist, with a job whose
 * [property@Syncobj.PersistJob:sync] is the collection's sync. It finishes
 * the job when the persisted changes came back; the transaction completes
 * then. It takes precedence over
 * [property@Syncobj.FuncMutator:await-echo].
 */
void
syncobj_func_mutator_set_await_sync_func (SyncobjFuncMutator *self,
                                          SyncobjPersistFunc  func,
                                          gpointer            user_data,
                                          GDestroyNotify      destroy)
{
  g_return_if_fail (SYNCOBJ_IS_FUNC_MUTATOR (self));

  replace_func (&self->await_sync_func, &self->await_sync_data, &self->await_sync_destroy,
                func, user_data, destroy);
}

/**
 * syncobj_func_mutator_get_await_echo:
 * @self: a func mutator
 *
 * Gets whether persisted transactions wait for their echo through the
 * collection's sync.
 *
 * Returns: %TRUE when they wait
 */
gboolean
syncobj_func_mutator_get_await_echo (SyncobjFuncMutator *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_FUNC_MUTATOR (self), FALSE);

  return self->await_echo;
}

/**
 * syncobj_func_mutator_set_await_echo:
 * @self: a func mutator
 * @await_echo: whether to wait for the echo
 *
 * Sets whether a persisted transaction waits, before it completes, until
 * the collection's sync delivered every key it wrote.
 */
void
syncobj_func_mutator_set_await_echo (SyncobjFuncMutator *self,
                                     gboolean            await_echo)
{
  g_return_if_fail (SYNCOBJ_IS_FUNC_MUTATOR (self));

  await_echo = !!await_echo;
  if (self->await_echo == await_echo)
    return;

  self->await_echo = await_echo;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AWAIT_ECHO]);
}

/**
 * syncobj_func_mutator_get_echo_timeout:
 * @self: a func mutator
 *
 * Gets how long a transaction waits for its echo.
 *
 * Returns: the timeout in milliseconds
 */
guint
syncobj_func_mutator_get_echo_timeout (SyncobjFuncMutator *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_FUNC_MUTATOR (self), DEFAULT_ECHO_TIMEOUT);

  return self->echo_timeout_ms;
}

/**
 * syncobj_func_mutator_set_echo_timeout:
 * @self: a func mutator
 * @timeout_ms: the timeout in milliseconds
 *
 * Sets how long a transaction waits for its echo when
 * [property@Syncobj.FuncMutator:await-echo] is set.
 */
void
syncobj_func_mutator_set_echo_timeout (SyncobjFuncMutator *self,
                                       guint               timeout_ms)
{
  g_return_if_fail (SYNCOBJ_IS_FUNC_MUTATOR (self));

  if (self->echo_timeout_ms == timeout_ms)
    return;

  self->echo_timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ECHO_TIMEOUT]);
}
