/* syncobj-attempt.c: one persist attempt of a transaction
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-attempt-private.h"
#include "syncobj-uuid-private.h"

/**
 * SyncobjAttempt:
 *
 * One call of the persist function for a [class@Syncobj.Transaction].
 *
 * A transaction records an attempt each time it is sent to the backend:
 * when the attempt started, when it ended, the error it ended with, and,
 * when it failed with a retriable error, when the next attempt is due.
 * Attempts are listed by [method@Syncobj.Transaction.get_attempts].
 *
 * An attempt answered by an HTTP server with an error status also keeps
 * that status and the start of the answer's body
 * ([method@Syncobj.Attempt.get_http_status],
 * [method@Syncobj.Attempt.get_response_body]), so that an application can
 * show what the server said.
 *
 * All properties are read-only and change only on the main context of the
 * collection that owns the transaction.
 */

G_DEFINE_FINAL_TYPE (SyncobjAttempt, syncobj_attempt, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_NUMBER,
  PROP_STARTED_AT,
  PROP_COMPLETED_AT,
  PROP_RETRY_SCHEDULED_FOR,
  PROP_ERROR,
  PROP_HTTP_STATUS,
  PROP_RESPONSE_BODY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
syncobj_attempt_finalize (GObject *object)
{
  SyncobjAttempt *self = SYNCOBJ_ATTEMPT (object);

  g_clear_pointer (&self->id, g_free);
  g_clear_error (&self->error);
  g_clear_pointer (&self->response_body, g_bytes_unref);
  g_clear_pointer (&self->started_at, g_date_time_unref);
  g_clear_pointer (&self->completed_at, g_date_time_unref);
  g_clear_pointer (&self->retry_scheduled_for, g_date_time_unref);

  G_OBJECT_CLASS (syncobj_attempt_parent_class)->finalize (object);
}

static void
syncobj_attempt_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SyncobjAttempt *self = SYNCOBJ_ATTEMPT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, syncobj_attempt_get_id (self));
      break;
    case PROP_NUMBER:
      g_value_set_uint (value, syncobj_attempt_get_number (self));
      break;
    case PROP_STARTED_AT:
      g_value_set_boxed (value, syncobj_attempt_get_started_at (self));
      break;
    case PROP_COMPLETED_AT:
      g_value_set_boxed (value, syncobj_attempt_get_completed_at (self));
      break;
    case PROP_RETRY_SCHEDULED_FOR:
      g_value_set_boxed (value, syncobj_attempt_get_retry_scheduled_for (self));
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, syncobj_attempt_get_error (self));
      break;
    case PROP_HTTP_STATUS:
      g_value_set_uint (value, syncobj_attempt_get_http_status (self));
      break;
    case PROP_RESPONSE_BODY:
      g_value_set_boxed (value, syncobj_attempt_get_response_body (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_attempt_class_init (SyncobjAttemptClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = syncobj_attempt_finalize;
  object_class->get_property = syncobj_attempt_get_property;

  /**
   * SyncobjAttempt:id:
   *
   * A unique identifier of the attempt (a random UUID).
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjAttempt:number:
   *
   * The number of the attempt within its transaction, starting at 1.
   */
  properties[PROP_NUMBER] =
    g_param_spec_uint ("number", NULL, NULL,
                       0, G_MAXUINT, 1,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjAttempt:started-at:
   *
   * When the persist call started, in the local time zone.
   */
  properties[PROP_STARTED_AT] =
    g_param_spec_boxed ("started-at", NULL, NULL,
                        G_TYPE_DATE_TIME,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjAttempt:completed-at:
   *
   * When the persist call ended, or %NULL while it is running.
   */
  properties[PROP_COMPLETED_AT] =
    g_param_spec_boxed ("completed-at", NULL, NULL,
                        G_TYPE_DATE_TIME,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjAttempt:retry-scheduled-for:
   *
   * When the next attempt is due, if this one failed and will be retried;
   * %NULL otherwise.
   */
  properties[PROP_RETRY_SCHEDULED_FOR] =
    g_param_spec_boxed ("retry-scheduled-for", NULL, NULL,
                        G_TYPE_DATE_TIME,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjAttempt:error:
   *
   * The error the attempt failed with, or %NULL while it is running or
   * when it succeeded.
   */
  properties[PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL,
                        G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjAttempt:http-status:
   *
   * The HTTP status the server answered the attempt with when that was an
   * error (4xx, 5xx, an unfollowed redirect), or 0: no answer, a success,
   * or a backend that is not HTTP.
   */
  properties[PROP_HTTP_STATUS] =
    g_param_spec_uint ("http-status", NULL, NULL,
                       0, 999, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjAttempt:response-body:
   *
   * The body of the error answer of
   * [property@Syncobj.Attempt:http-status] (its first
   * %SYNCOBJ_ATTEMPT_MAX_RESPONSE_BODY bytes), or %NULL.
   */
  properties[PROP_RESPONSE_BODY] =
    g_param_spec_boxed ("response-body", NULL, NULL,
                        G_TYPE_BYTES,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
syncobj_attempt_init (SyncobjAttempt *self)
{
}

SyncobjAttempt *
_syncobj_attempt_new (guint  number,
                      gint64 started_at_us)
{
  SyncobjAttempt *self = g_object_new (SYNCOBJ_TYPE_ATTEMPT, NULL);

  self->number = number;
  self->started_at_us = started_at_us;

  return self;
}

void
_syncobj_attempt_finish (SyncobjAttempt *self,
                         gint64          completed_at_us,
                         const GError   *error)
{
  gboolean completed_changed, error_changed;

  g_return_if_fail (SYNCOBJ_IS_ATTEMPT (self));

  completed_changed = self->completed_at_us != completed_at_us;
  error_changed = self->error != NULL || error != NULL;

  /* Both fields change before either is announced (what a notify freeze
   * would give, newest first, at less cost). */
  if (completed_changed)
    {
      self->completed_at_us = completed_at_us;
      g_clear_pointer (&self->completed_at, g_date_time_unref);
    }
  if (error_changed)
    {
      g_clear_error (&self->error);
      self->error = error != NULL ? g_error_copy (error) : NULL;
    }

  g_object_ref (self);
  if (error_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  if (completed_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPLETED_AT]);
  g_object_unref (self);
}

void
_syncobj_attempt_set_retry_scheduled_for (SyncobjAttempt *self,
                                          gint64          unix_us)
{
  g_return_if_fail (SYNCOBJ_IS_ATTEMPT (self));

  if (self->retry_scheduled_for_us == unix_us)
    return;

  self->retry_scheduled_for_us = unix_us;
  g_clear_pointer (&self->retry_scheduled_for, g_date_time_unref);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RETRY_SCHEDULED_FOR]);
}

void
_syncobj_attempt_set_http_answer (SyncobjAttempt *self,
                                  guint           status,
                                  GBytes         *body)
{
  gsize length = body != NULL ? g_bytes_get_size (body) : 0;

  g_return_if_fail (SYNCOBJ_IS_ATTEMPT (self));

  g_clear_pointer (&self->response_body, g_bytes_unref);
  if (length > 0)
    self->response_body = g_bytes_new_from_bytes (body, 0, MIN (length, SYNCOBJ_ATTEMPT_MAX_RESPONSE_BODY));
  self->http_status = status;

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HTTP_STATUS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESPONSE_BODY]);
}

void
_syncobj_attempt_record_http_answer (SyncobjTransaction *transaction,
                                     guint               status,
                                     GBytes             *body)
{
  GListModel *attempts = syncobj_transaction_get_attempts (transaction);
  guint n = g_list_model_get_n_items (attempts);
  g_autoptr(SyncobjAttempt) current = n > 0 ? g_list_model_get_item (attempts, n - 1) : NULL;

  if (current != NULL)
    _syncobj_attempt_set_http_answer (current, status, body);
}

/* Makes *@cache from @unix_us on first use. */
static GDateTime *
cached_date_time (GDateTime **cache,
                  gint64      unix_us)
{
  if (*cache == NULL)
    *cache = _syncobj_date_time_new (unix_us);
  return *cache;
}

/**
 * syncobj_attempt_get_id:
 * @self: an attempt
 *
 * Gets the unique identifier of @self.
 *
 * Returns: (transfer none): the identifier, a UUID
 */
const char *
syncobj_attempt_get_id (SyncobjAttempt *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_ATTEMPT (self), NULL);

  return _syncobj_uuid_lazy (&self->id);
}

/**
 * syncobj_attempt_get_number:
 * @self: an attempt
 *
 * Gets the number of @self within its transaction: 1 for the first
 * attempt, 2 for the first retry, and so on.
 *
 * Returns: the 1-based attempt number
 */
guint
syncobj_attempt_get_number (SyncobjAttempt *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_ATTEMPT (self), 0);

  return self->number;
}

/**
 * syncobj_attempt_get_started_at:
 * @self: an attempt
 *
 * Gets when the persist call of @self started.
 *
 * Returns: (transfer none): the start time, in the local time zone
 */
GDateTime *
syncobj_attempt_get_started_at (SyncobjAttempt *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_ATTEMPT (self), NULL);

  return cached_date_time (&self->started_at, self->started_at_us);
}

/**
 * syncobj_attempt_get_completed_at:
 * @self: an attempt
 *
 * Gets when the persist call of @self ended.
 *
 * Returns: (transfer none) (nullable): the end time, or %NULL while the
 *   attempt is running
 */
GDateTime *
syncobj_attempt_get_completed_at (SyncobjAttempt *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_ATTEMPT (self), NULL);

  return cached_date_time (&self->completed_at, self->completed_at_us);
}

/**
 * syncobj_attempt_get_error:
 * @self: an attempt
 *
 * Gets the error @self failed with.
 *
 * Returns: (transfer none) (nullable): the error, or %NULL while the
 *   attempt is running or when it succeeded
 */
const GError *
syncobj_attempt_get_error (SyncobjAttempt *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_ATTEMPT (self), NULL);

  return self->error;
}

/**
 * syncobj_attempt_get_retry_scheduled_for:
 * @self: an attempt
 *
 * Gets when the attempt after @self is due, if @self failed with an error
 * that will be retried.
 *
 * Returns: (transfer none) (nullable): the time of the next attempt, or
 *   %NULL when no retry is scheduled
 */
GDateTime *
syncobj_attempt_get_retry_scheduled_for (SyncobjAttempt *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_ATTEMPT (self), NULL);

  return cached_date_time (&self->retry_scheduled_for, self->retry_scheduled_for_us);
}

/**
 * syncobj_attempt_get_http_status:
 * @self: an attempt
 *
 * Gets the HTTP status of the error answer that ended @self, for example
 * 404, 422 or 503.
 *
 * Returns: the status, or 0 when @self got no error answer from an HTTP
 *   server (it is running, it succeeded, no answer came, or the backend
 *   is not HTTP)
 */
guint
syncobj_attempt_get_http_status (SyncobjAttempt *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_ATTEMPT (self), 0);

  return self->http_status;
}

/**
 * syncobj_attempt_get_response_body:
 * @self: an attempt
 *
 * Gets the body of the error answer that ended @self, as the server sent
 * it (at most its first %SYNCOBJ_ATTEMPT_MAX_RESPONSE_BODY bytes; it need
 * not be text).
 *
 * Returns: (transfer none) (nullable): the body, or %NULL when
 *   [method@Syncobj.Attempt.get_http_status] is 0 or the answer had none
 */
GBytes *
syncobj_attempt_get_response_body (SyncobjAttempt *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_ATTEMPT (self), NULL);

  return self->response_body;
}
