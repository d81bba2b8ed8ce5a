/* syncobj-persist-job.c: one persist (or await-sync) call handed to a function
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-persist-job-private.h"
#include "syncobj-collection-private.h"
#include "syncobj-transaction-private.h"
#include "syncobj-json-util-private.h"

/**
 * SyncobjPersistJob:
 *
 * One call of the function of a [class@Syncobj.FuncMutator]: the
 * transaction to persist (or whose echo to await) and the means to report
 * the outcome.
 *
 * The function finishes the job exactly once, now or later, with
 * [method@Syncobj.PersistJob.complete] or one of
 * [method@Syncobj.PersistJob.fail], [method@Syncobj.PersistJob.fail_message]
 * and [method@Syncobj.PersistJob.fail_non_retriable], or with
 * [method@Syncobj.PersistJob.conflict] when the server refused a change
 * because its record changed meanwhile. To finish it after
 * returning, keep a reference to the job. A job may be finished from any
 * thread; the result reaches the collection on its own main context. A
 * finished job that nothing references any more may be reused by its
 * mutator for a later call: do not keep a pointer to it without a
 * reference.
 *
 * A job released without being finished fails its call with
 * %SYNCOBJ_ERROR_FAILED, so a forgotten job turns into a retry rather than
 * a transaction stuck forever.
 */

struct _SyncobjPersistJob
{
  GObject             parent_instance;

  SyncobjTransaction *transaction;
  SyncobjSync        *sync;          /* nullable */
  GTask              *task;          /* dropped once finished */
  SyncobjPersistDone  done;          /* or this, without a task; dropped */
  gpointer            done_data;     /* once finished */
  GDestroyNotify      done_destroy;
  GCancellable       *cancellable;   /* nullable, the call's; a direct
                                      * job asks the transaction's */
  gboolean            direct;
  GMainContext       *context;       /* the call's */
  gint                finished;      /* atomic boolean */
  GThread            *thread;        /* that made the job */
};

G_DEFINE_FINAL_TYPE (SyncobjPersistJob, syncobj_persist_job, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TRANSACTION,
  PROP_ATTEMPT,
  PROP_SYNC,
  PROP_FINISHED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void job_return (SyncobjPersistJob *self,
                        GError            *error);
static SyncobjPersistJob *job_take_spare (SyncobjPersistJob **spare);

static void
syncobj_persist_job_dispose (GObject *object)
{
  SyncobjPersistJob *self = (SyncobjPersistJob *) object;

  if ((self->task != NULL || self->done != NULL) &&
      g_atomic_int_compare_and_exchange (&self->finished, FALSE, TRUE))
    {
      job_return (self, g_error_new_literal (SYNCOBJ_ERROR, SYNCOBJ_ERROR_FAILED,
                                             _("The persist function dropped its job without completing or failing it")));
    }

  g_clear_object (&self->task);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->sync);
  g_clear_object (&self->transaction);

  G_OBJECT_CLASS (syncobj_persist_job_parent_class)->dispose (object);
}

static void
syncobj_persist_job_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  SyncobjPersistJob *self = (SyncobjPersistJob *) object;

  switch (prop_id)
    {
    case PROP_TRANSACTION:
      g_value_set_object (value, self->transaction);
      break;
    case PROP_ATTEMPT:
      g_value_set_uint (value, syncobj_persist_job_get_attempt (self));
      break;
    case PROP_SYNC:
      g_value_set_object (value, self->sync);
      break;
    case PROP_FINISHED:
      g_value_set_boolean (value, syncobj_persist_job_get_finished (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_persist_job_class_init (SyncobjPersistJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags read_only = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  _syncobj_ensure_i18n ();

  object_class->dispose = syncobj_persist_job_dispose;
  object_class->get_property = syncobj_persist_job_get_property;

  /**
   * SyncobjPersistJob:transaction:
   *
   * The transaction to persist, or whose changes to await.
   */
  properties[PROP_TRANSACTION] =
    g_param_spec_object ("transaction", NULL, NULL,
                         SYNCOBJ_TYPE_TRANSACTION, read_only);

  /**
   * SyncobjPersistJob:attempt:
   *
   * The number of the current attempt of the transaction, starting at 1.
   * Backends can use it to log retries.
   */
  properties[PROP_ATTEMPT] =
    g_param_spec_uint ("attempt", NULL, NULL,
                       0, G_MAXUINT, 0, read_only);

  /**
   * SyncobjPersistJob:sync:
   *
   * The sync of the transaction's collection, for a job that awaits the
   * echo of persisted changes; %NULL for a persist job or a collection
   * without sync.
   */
  properties[PROP_SYNC] =
    g_param_spec_object ("sync", NULL, NULL,
                         SYNCOBJ_TYPE_SYNC, read_only);

  /**
   * SyncobjPersistJob:finished:
   *
   * Whether the job was completed or failed. It is notified on the main
   * context of the call, whatever thread finished the job.
   */
  properties[PROP_FINISHED] =
    g_param_spec_boolean ("finished", NULL, NULL,
                          FALSE, read_only | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
syncobj_persist_job_init (SyncobjPersistJob *self)
{
}

SyncobjPersistJob *
_syncobj_persist_job_new (SyncobjTransaction *transaction,
                          SyncobjSync        *sync,
                          GTask              *task)
{
  SyncobjPersistJob *self;

  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (transaction), NULL);
  g_return_val_if_fail (sync == NULL || SYNCOBJ_IS_SYNC (sync), NULL);
  g_return_val_if_fail (G_IS_TASK (task), NULL);

  self = g_object_new (SYNCOBJ_TYPE_PERSIST_JOB, NULL);
  self->transaction = g_object_ref (transaction);
  self->sync = sync != NULL ? g_object_ref (sync) : NULL;
  self->task = g_object_ref (task);
  self->cancellable = g_task_get_cancellable (task) != NULL ? g_object_ref (g_task_get_cancellable (task)) : NULL;
  self->context = g_main_context_ref (g_task_get_context (task));
  self->thread = _syncobj_thread_self ();

  return self;
}

SyncobjPersistJob *
_syncobj_persist_job_new_direct (SyncobjPersistJob  **spare,
                                 SyncobjTransaction  *transaction,
                                 SyncobjPersistDone   done,
                                 gpointer             data,
                                 GDestroyNotify       destroy)
{
  SyncobjPersistJob *self;

  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (transaction), NULL);
  g_return_val_if_fail (done != NULL, NULL);

  self = spare != NULL ? job_take_spare (spare) : NULL;
  if (self == NULL)
    {
      self = g_object_new (SYNCOBJ_TYPE_PERSIST_JOB, NULL);
      self->direct = TRUE;
      self->context = g_main_context_ref_thread_default ();
      self->thread = _syncobj_thread_self ();
    }
  self->transaction = g_object_ref (transaction);
  self->done = done;
  self->done_data = data;
  self->done_destroy = destroy;

  return self;
}

/* Whether @self, a direct job retired by _syncobj_persist_job_retire(),
 * can be the next job of the calling thread and its main context. */
static SyncobjPersistJob *
job_take_spare (SyncobjPersistJob **spare)
{
  GMainContext *context = g_main_context_get_thread_default ();

  if (*spare == NULL || (*spare)->thread != _syncobj_thread_self () ||
      (*spare)->context != (context != NULL ? context : g_main_context_default ()))
    return NULL;

  g_atomic_int_set (&(*spare)->finished, FALSE);
  return g_steal_pointer (spare);
}

/* No outside reference: neither a strong one besides the caller's nor a
 * weak one, and no data set on the object (a binding's wrapper). */
static gboolean
job_unreachable (SyncobjPersistJob *self)
{
  GObject *object = (GObject *) self;

  return g_atomic_int_get (&object->ref_count) == 1 &&
         ((gsize) g_atomic_pointer_get (&object->qdata) & ~(gsize) G_DATALIST_FLAGS_MASK) == 0;
}

gboolean
_syncobj_persist_job_retire (SyncobjPersistJob *self)
{
  if (!self->direct || !g_atomic_int_get (&self->finished) || self->done != NULL ||
      !job_unreachable (self))
    return FALSE;

  /* What finalizing would do for whoever connected: handlers go, their
   * data is freed. A destroy notify may have taken a reference. */
  g_signal_handlers_destroy (self);
  if (!job_unreachable (self))
    return FALSE;

  g_clear_object (&self->cancellable);
  g_clear_object (&self->transaction);
  return TRUE;
}

/* The outcome of a job made without a task, on its way to its context. */
typedef struct
{
  SyncobjPersistDone  done;
  gpointer            data;
  GDestroyNotify      destroy;
  GError             *error;
} DoneCall;

static gboolean
done_call_cb (gpointer user_data)
{
  DoneCall *call = user_data;

  call->done (g_steal_pointer (&call->error), call->data);
  if (call->destroy != NULL)
    call->destroy (call->data);
  call->destroy = NULL;
  return G_SOURCE_REMOVE;
}

static void
done_call_free (gpointer user_data)
{
  DoneCall *call = user_data;

  /* Never dispatched: the context went away first. */
  if (call->destroy != NULL)
    call->destroy (call->data);
  g_clear_error (&call->error);
  g_free (call);
}

/* Returns the outcome (@error taken; NULL for success) to the task, or to
 * the done function: at once on the thread that made the job, where a
 * result that nobody else waits for needs no main-loop iteration. */
static void
job_return (SyncobjPersistJob *self,
            GError            *error)
{
  g_autoptr(GSource) idle = NULL;
  DoneCall *call;

  if (self->task != NULL)
    {
      if (error != NULL)
        g_task_return_error (self->task, error);
      else
        g_task_return_boolean (self->task, TRUE);
      return;
    }

  if (_syncobj_thread_self () == self->thread)
    {
      SyncobjPersistDone done = g_steal_pointer (&self->done);
      gpointer data = g_steal_pointer (&self->done_data);
      GDestroyNotify destroy = g_steal_pointer (&self->done_destroy);

      done (error, data);
      if (destroy != NULL)
        destroy (data);
      return;
    }

  call = g_new0 (DoneCall, 1);
  call->done = g_steal_pointer (&self->done);
  call->data = g_steal_pointer (&self->done_data);
  call->destroy = g_steal_pointer (&self->done_destroy);
  call->error = error;
  idle = g_idle_source_new ();
  g_source_set_callback (idle, done_call_cb, call, done_call_free);
  g_source_attach (idle, self->context);
}

static gboolean
notify_finished_cb (gpointer user_data)
{
  g_object_notify_by_pspec ((GObject *) user_data, properties[PROP_FINISHED]);
  return G_SOURCE_REMOVE;
}

/* Claims the right to return the result of the task: %FALSE, with a
 * critical naming @function and the transaction, when the job was
 * finished already (a persist function that completes, then fails, or
 * finishes a job it kept from an earlier attempt). */
static gboolean
begin_finish (SyncobjPersistJob *self,
              const char        *function)
{
  if (g_atomic_int_compare_and_exchange (&self->finished, FALSE, TRUE))
    return TRUE;

  g_critical ("%s: the job of transaction %s is finished already; a persist job is finished "
              "exactly once, with complete(), fail(), fail_message(), fail_non_retriable() "
              "or conflict()", function,
              self->transaction != NULL ? syncobj_transaction_get_id (self->transaction) : "(none)");
  return FALSE;
}

/* Drops the task, whose result is given: a finished job that the app
 * keeps (in a list of jobs, say) no longer holds the mutator, the task's
 * source object, which may hold the app's persist function and with it
 * that list. Then notifies ::finished at once on the thread that made the
 * job; from any other thread, through an idle on the task's context. (Not
 * g_main_context_invoke(): it runs the callback on the calling thread
 * whenever that thread can acquire the context.) */
static void
end_finish (SyncobjPersistJob *self)
{
  g_autoptr(GSource) idle = NULL;

  g_clear_object (&self->task);
  if (_syncobj_thread_self () == self->thread)
    {
      notify_finished_cb (self);
      return;
    }

  idle = g_idle_source_new ();
  g_source_set_callback (idle, notify_finished_cb, g_object_ref (self), g_object_unref);
  g_source_attach (idle, self->context);
}

/**
 * syncobj_persist_job_get_transaction:
 * @self: a persist job
 *
 * Gets the transaction of @self.
 *
 * Returns: (transfer none): the transaction
 */
SyncobjTransaction *
syncobj_persist_job_get_transaction (SyncobjPersistJob *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_PERSIST_JOB (self), NULL);

  return self->transaction;
}

/**
 * syncobj_persist_job_get_attempt:
 * @self: a persist job
 *
 * Gets the number of the current attempt of the transaction of @self.
 *
 * Returns: the 1-based attempt number
 */
guint
syncobj_persist_job_get_attempt (SyncobjPersistJob *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_PERSIST_JOB (self), 0);

  return syncobj_transaction_get_current_attempt (self->transaction);
}

/**
 * syncobj_persist_job_get_sync:
 * @self: a persist job
 *
 * Gets the sync whose echo an await-sync job waits for.
 *
 * Returns: (transfer none) (nullable): the sync, or %NULL for a persist
 *   job or a collection without sync
 */
SyncobjSync *
syncobj_persist_job_get_sync (SyncobjPersistJob *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_PERSIST_JOB (self), NULL);

  return self->sync;
}

/**
 * syncobj_persist_job_get_cancellable:
 * @self: a persist job
 *
 * Gets the cancellable of the call, cancelled when the result is no
 * longer wanted (the collection went away, for instance). Pass it to the
 * backend request.
 *
 * Returns: (transfer none) (nullable): the cancellable, or %NULL
 */
GCancellable *
syncobj_persist_job_get_cancellable (SyncobjPersistJob *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_PERSIST_JOB (self), NULL);

  if (self->direct)
    return _syncobj_transaction_get_cancellable (self->transaction);
  return self->cancellable;
}

/**
 * syncobj_persist_job_get_finished:
 * @self: a persist job
 *
 * Gets whether @self was completed or failed already.
 *
 * Returns: %TRUE once the job is finished
 */
gboolean
syncobj_persist_job_get_finished (SyncobjPersistJob *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_PERSIST_JOB (self), FALSE);

  return g_atomic_int_get (&self->finished);
}

/**
 * syncobj_persist_job_get_changes_json:
 * @self: a persist job
 *
 * Serializes every mutation of the transaction of @self as one compact
 * JSON array, each element in the form of
 * [method@Syncobj.PendingMutation.to_json]. It is a ready-made request
 * body for a backend that takes whole transactions.
 *
 * Returns: (transfer full): the JSON text of the array
 */
char *
syncobj_persist_job_get_changes_json (SyncobjPersistJob *self)
{
  GListModel *mutations;
  GString *json;
  guint n_mutations;

  g_return_val_if_fail (SYNCOBJ_IS_PERSIST_JOB (self), NULL);

  mutations = syncobj_transaction_get_mutations (self->transaction);
  n_mutations = g_list_model_get_n_items (mutations);
  json = g_string_new ("[");

  for (guint i = 0; i < n_mutations; i++)
    {
      g_autoptr(SyncobjPendingMutation) mutation = g_list_model_get_item (mutations, i);
      g_autofree char *mutation_json = syncobj_pending_mutation_to_json (mutation);

      if (i > 0)
        g_string_append_c (json, ',');
      g_string_append (json, mutation_json);
    }

  g_string_append_c (json, ']');
  return g_string_free (json, FALSE);
}

/**
 * syncobj_persist_job_get_n_mutations:
 * @self: a persist job
 *
 * Gets the number of mutations of the transaction of @self: with
 * [method@Syncobj.PersistJob.get_mutation], a way to walk them without the
 * list model of [method@Syncobj.Transaction.get_mutations].
 *
 * Returns: the number of mutations, one per written key
 *
 * Since: 0.2
 */
guint
syncobj_persist_job_get_n_mutations (SyncobjPersistJob *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_PERSIST_JOB (self), 0);

  return _syncobj_object_list_get_length (_syncobj_transaction_peek_mutations (self->transaction));
}

/**
 * syncobj_persist_job_get_mutation:
 * @self: a persist job
 * @position: the position of the mutation, below
 *   [method@Syncobj.PersistJob.get_n_mutations]
 *
 * Gets one mutation of the transaction of @self, in the order of
 * [method@Syncobj.Transaction.get_mutations]. A persist function that
 * sends each change on its own reads them this way, and their key and
 * changes with [method@Syncobj.PendingMutation.get_key] and
 * [method@Syncobj.PendingMutation.get_changes_json]:
 *
 * ```c
 * for (guint i = 0; i < syncobj_persist_job_get_n_mutations (job); i++)
 *   {
 *     SyncobjPendingMutation *mutation = syncobj_persist_job_get_mutation (job, i);
 *     g_autofree char *body = syncobj_pending_mutation_get_changes_json (mutation);
 *
 *     // send body to the record syncobj_pending_mutation_get_key (mutation)
 *   }
 * ```
 *
 * Returns: (transfer none) (nullable): the mutation, or %NULL when
 *   @position is out of range
 *
 * Since: 0.2
 */
SyncobjPendingMutation *
syncobj_persist_job_get_mutation (SyncobjPersistJob *self,
                                  guint              position)
{
  SyncobjObjectList *mutations;

  g_return_val_if_fail (SYNCOBJ_IS_PERSIST_JOB (self), NULL);

  mutations = _syncobj_transaction_peek_mutations (self->transaction);
  if (position >= _syncobj_object_list_get_length (mutations))
    return NULL;
  return _syncobj_object_list_peek (mutations, position);
}

/**
 * syncobj_persist_job_set_created:
 * @self: a persist job
 * @mutation: an insert of the job's transaction, made without a key in a
 *   collection whose [property@Syncobj.Collection:key-source] is
 *   %SYNCOBJ_KEY_SOURCE_SERVER
 * @record: the record as the server created it (at least its key member,
 *   which keeps its JSON type: `{"id": 17}`)
 * @error: return location for an error
 *
 * Tells the collection the key the server gave the record @mutation
 * inserted, before the job completes. The record takes it in place (see
 * [property@Syncobj.Collection:key-source]) and the writes waiting behind
 * the insert are sent with it. Call it from the thread of the collection.
 *
 * Returns: %TRUE on success; %FALSE with %SYNCOBJ_ERROR_INVALID_RECORD when
 *   @record has no valid key, %SYNCOBJ_ERROR_KEY_EXISTS when the collection
 *   already holds another record of that key, or
 *   %SYNCOBJ_ERROR_INVALID_STATE when @mutation is not such an insert
 */
gboolean
syncobj_persist_job_set_created (SyncobjPersistJob       *self,
                                 SyncobjPendingMutation  *mutation,
                                 JsonObject              *record,
                                 GError                 **error)
{
  g_autoptr(SyncobjCollection) collection = NULL;

  g_return_val_if_fail (SYNCOBJ_IS_PERSIST_JOB (self), FALSE);
  g_return_val_if_fail (SYNCOBJ_IS_PENDING_MUTATION (mutation), FALSE);
  g_return_val_if_fail (record != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  collection = _syncobj_weak_get (mutation->collection);
  if (collection == NULL || _syncobj_transaction_find_mutation (self->transaction, collection, mutation->key) != mutation)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE,
                   _("Mutation %s is not one of transaction %s"),
                   _syncobj_pending_mutation_peek_id (mutation), syncobj_transaction_get_id (self->transaction));
      return FALSE;
    }

  return _syncobj_collection_assign_key (collection, mutation, record, error);
}

/**
 * syncobj_persist_job_set_created_json:
 * @self: a persist job
 * @mutation: an insert of the job's transaction, see
 *   [method@Syncobj.PersistJob.set_created]
 * @json: the record as the server created it, as JSON text
 * @error: return location for an error
 *
 * [method@Syncobj.PersistJob.set_created] with the record as JSON text
 * (for GJS: `job.set_created_json(mutation, JSON.stringify(created))`).
 *
 * Returns: %TRUE on success; %FALSE with an error naming what was wrong
 */
gboolean
syncobj_persist_job_set_created_json (SyncobjPersistJob       *self,
                                      SyncobjPendingMutation  *mutation,
                                      const char              *json,
                                      GError                 **error)
{
  g_autoptr(JsonObject) record = NULL;

  g_return_val_if_fail (SYNCOBJ_IS_PERSIST_JOB (self), FALSE);
  g_return_val_if_fail (json != NULL, FALSE);

  record = _syncobj_json_parse_object (json, -1, error);
  if (record == NULL)
    return FALSE;
  return syncobj_persist_job_set_created (self, mutation, record, error);
}

/**
 * syncobj_persist_job_mark_applied:
 * @self: a persist job
 * @mutation: a mutation of the job's transaction that the server applied
 *
 * Reports that the server applied @mutation, before the job finishes.
 * A backend that writes a transaction's changes one by one (one request
 * per record, or a bulk request answered record by record, as CouchDB's
 * `_bulk_docs`) is not atomic: when a later change fails for good, the
 * earlier ones are on the server already. Mark each as its answer
 * arrives. Should the transaction then fail (a
 * [method@Syncobj.PersistJob.fail_non_retriable], the retry policy
 * giving up, or [method@Syncobj.Transaction.rollback]), the changes
 * marked applied stay: they become the synced state of their records,
 * which the sync's echo confirms, and only the others roll back. The
 * transaction still fails; its [property@Syncobj.Transaction:error] names
 * the records that rolled back and those that stayed.
 *
 * A change marked applied stays so for the transaction's later attempts:
 * a retry need not send it again (see
 * [method@Syncobj.PendingMutation.get_applied]); a queued transaction
 * waiting on its record is not failed with the transaction; and
 * [method@Syncobj.Transaction.retry] leaves it out. The mark lives in
 * memory only: after a restart an unfinished transaction is sent whole.
 *
 * Marking every change of a transaction applied and then completing the
 * job is the same as completing it. May be called from any thread.
 */
void
syncobj_persist_job_mark_applied (SyncobjPersistJob      *self,
                                  SyncobjPendingMutation *mutation)
{
  g_return_if_fail (SYNCOBJ_IS_PERSIST_JOB (self));
  g_return_if_fail (SYNCOBJ_IS_PENDING_MUTATION (mutation));

  if (!_syncobj_transaction_mark_applied (self->transaction, mutation))
    g_critical ("%s: mutation %s is not one of transaction %s", G_STRFUNC,
                _syncobj_pending_mutation_peek_id (mutation), syncobj_transaction_get_id (self->transaction));
}

/**
 * syncobj_persist_job_complete:
 * @self: a persist job
 *
 * Reports that the call succeeded: the backend accepted the transaction
 * (or, for an await-sync job, its changes came back). May be called from
 * any thread, once.
 */
void
syncobj_persist_job_complete (SyncobjPersistJob *self)
{
  g_return_if_fail (SYNCOBJ_IS_PERSIST_JOB (self));

  if (!begin_finish (self, G_STRFUNC))
    return;

  job_return (self, NULL);
  end_finish (self);
}

/**
 * syncobj_persist_job_conflict:
 * @self: a persist job
 * @key: the key of the record whose change the server refused
 * @current: (nullable): the server's current record (a JSON object), or
 *   %NULL when the server deleted it
 *
 * Reports that the server refused the change to @key because its record
 * differs from the one the change was based on (an HTTP 409 or 412, a
 * CouchDB `conflict`), and finishes the job. @current becomes the synced
 * state of @key, then the collection's
 * [property@Syncobj.Collection:conflict-policy] decides: by default the
 * change is applied again on top of @current and the transaction is sent
 * again at once. The attempt fails with a %SYNCOBJ_ERROR_CONFLICT error
 * that does not count against
 * [property@Syncobj.RetryPolicy:max-attempts]; ten conflicts in a row fail
 * the transaction.
 *
 * When several changes of the transaction conflict, report one: the next
 * attempt reports the next. A mutator that knows the versions of records
 * sends, with each update and delete, the value of the collection's
 * [property@Syncobj.Collection:version-member] in the mutation's
 * [property@Syncobj.PendingMutation:original] as its precondition. May be
 * called from any thread, once, instead of the other ways of finishing
 * the job.
 */
void
syncobj_persist_job_conflict (SyncobjPersistJob *self,
                              const char        *key,
                              JsonNode          *current)
{
  g_return_if_fail (SYNCOBJ_IS_PERSIST_JOB (self));
  g_return_if_fail (key != NULL);
  g_return_if_fail (current == NULL || JSON_NODE_HOLDS_OBJECT (current) || JSON_NODE_HOLDS_NULL (current));

  if (!begin_finish (self, G_STRFUNC))
    return;

  _syncobj_transaction_set_conflict (self->transaction, key,
                                     current != NULL && JSON_NODE_HOLDS_OBJECT (current)
                                     ? json_node_get_object (current) : NULL);
  job_return (self, g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_CONFLICT,
                                 _("The server refused the change to “%s”: its record changed meanwhile (conflict)"),
                                 key));
  end_finish (self);
}

/**
 * syncobj_persist_job_fail:
 * @self: a persist job
 * @error: the error
 *
 * Reports that the call failed with @error. The transaction is retried
 * unless its retry policy says otherwise (see
 * [method@Syncobj.RetryPolicy.is_retriable]). May be called from any
 * thread, once.
 */
void
syncobj_persist_job_fail (SyncobjPersistJob *self,
                          const GError      *error)
{
  g_return_if_fail (SYNCOBJ_IS_PERSIST_JOB (self));
  g_return_if_fail (error != NULL);

  if (!begin_finish (self, G_STRFUNC))
    return;

  job_return (self, g_error_copy (error));
  end_finish (self);
}

/**
 * syncobj_persist_job_fail_message:
 * @self: a persist job
 * @message: a description of the failure, for people
 *
 * Reports that the call failed, with a %SYNCOBJ_ERROR_FAILED error: the
 * transaction is retried. May be called from any thread, once.
 */
void
syncobj_persist_job_fail_message (SyncobjPersistJob *self,
                                  const char        *message)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (SYNCOBJ_IS_PERSIST_JOB (self));
  g_return_if_fail (message != NULL);

  error = g_error_new_literal (SYNCOBJ_ERROR, SYNCOBJ_ERROR_FAILED, message);
  syncobj_persist_job_fail (self, error);
}

/**
 * syncobj_persist_job_fail_non_retriable:
 * @self: a persist job
 * @message: a description of the failure, for people
 *
 * Reports that the call failed for good, with a
 * %SYNCOBJ_ERROR_NON_RETRIABLE error: the transaction fails and its
 * optimistic changes roll back, except those marked with
 * [method@Syncobj.PersistJob.mark_applied]. May be called from any
 * thread, once.
 */
void
syncobj_persist_job_fail_non_retriable (SyncobjPersistJob *self,
                                        const char        *message)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (SYNCOBJ_IS_PERSIST_JOB (self));
  g_return_if_fail (message != NULL);

  error = g_error_new_literal (SYNCOBJ_ERROR, SYNCOBJ_ERROR_NON_RETRIABLE, message);
  syncobj_persist_job_fail (self, error);
}
