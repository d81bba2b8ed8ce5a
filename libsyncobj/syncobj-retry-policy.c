/* syncobj-retry-policy.c: how often and how long to wait before retrying
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-retry-policy-private.h"

/**
 * SyncobjRetryPolicy:
 *
 * Decides whether a failed persist attempt is retried, and after how long.
 *
 * A transaction gets at most [property@Syncobj.RetryPolicy:max-attempts]
 * attempts in all (0: no limit), and is given up once it is older than
 * [property@Syncobj.RetryPolicy:max-age] (0: never). After attempt number
 * `n` failed with a retriable error, the next one starts after
 *
 * ```
 * base  = min (initial-delay × factor^(n−1), max-delay)
 * delay = round (base × (1 + jitter × r))     with r uniform in [0, 1)
 * ```
 *
 * milliseconds.
 *
 * Two sets of defaults exist:
 *
 * - [ctor@Syncobj.RetryPolicy.new], which a collection without a store
 *   gets: 5 attempts, 1 s doubling up to 30 s, up to 30 % jitter, which
 *   gives delays of about 1, 2, 4 and 8 seconds before the transaction
 *   fails (tests, scripts, caches of a server that is the only copy);
 * - [ctor@Syncobj.RetryPolicy.new_durable], which a collection with a
 *   store gets: no limit on attempts (0), 1 s doubling up to 5 minutes,
 *   up to 30 % jitter. What the user typed waits for the server as long as
 *   it takes; only an error that is not retriable, a
 *   [property@Syncobj.RetryPolicy:max-age] the application sets, or
 *   [method@Syncobj.Transaction.rollback] gives it up.
 *
 * Whether an error is retriable is decided by
 * [method@Syncobj.RetryPolicy.is_retriable]: some errors never are, the
 * others are classified by the function set with
 * [method@Syncobj.RetryPolicy.set_classify_func] or, without one, by the
 * [vfunc@Syncobj.RetryPolicy.classify] virtual function, which by default
 * retries everything.
 */

typedef struct
{
  guint               max_attempts;
  guint               initial_delay_ms;
  double              factor;
  guint               max_delay_ms;
  double              jitter;
  guint               max_age_ms;

  SyncobjClassifyFunc classify_func;
  gpointer            classify_data;
  GDestroyNotify      classify_destroy;
} SyncobjRetryPolicyPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (SyncobjRetryPolicy, syncobj_retry_policy, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_MAX_ATTEMPTS,
  PROP_INITIAL_DELAY,
  PROP_FACTOR,
  PROP_MAX_DELAY,
  PROP_JITTER,
  PROP_MAX_AGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define DEFAULT_MAX_ATTEMPTS  5
#define DEFAULT_INITIAL_DELAY 1000
#define DEFAULT_FACTOR        2.0
#define DEFAULT_MAX_DELAY     30000
#define DEFAULT_JITTER        0.3

/* The defaults of syncobj_retry_policy_new_durable(). */
#define DURABLE_MAX_ATTEMPTS  0
#define DURABLE_MAX_DELAY     300000

static void
clear_classify_func (SyncobjRetryPolicyPrivate *priv)
{
  GDestroyNotify destroy = priv->classify_destroy;
  gpointer data = priv->classify_data;

  priv->classify_func = NULL;
  priv->classify_data = NULL;
  priv->classify_destroy = NULL;

  if (destroy != NULL)
    destroy (data);
}

static gboolean
syncobj_retry_policy_real_classify (SyncobjRetryPolicy *self,
                                    const GError       *error)
{
  return TRUE;
}

static void
syncobj_retry_policy_finalize (GObject *object)
{
  SyncobjRetryPolicy *self = SYNCOBJ_RETRY_POLICY (object);

  clear_classify_func (syncobj_retry_policy_get_instance_private (self));

  G_OBJECT_CLASS (syncobj_retry_policy_parent_class)->finalize (object);
}

static void
syncobj_retry_policy_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  SyncobjRetryPolicy *self = SYNCOBJ_RETRY_POLICY (object);

  switch (prop_id)
    {
    case PROP_MAX_ATTEMPTS:
      g_value_set_uint (value, syncobj_retry_policy_get_max_attempts (self));
      break;
    case PROP_INITIAL_DELAY:
      g_value_set_uint (value, syncobj_retry_policy_get_initial_delay (self));
      break;
    case PROP_FACTOR:
      g_value_set_double (value, syncobj_retry_policy_get_factor (self));
      break;
    case PROP_MAX_DELAY:
      g_value_set_uint (value, syncobj_retry_policy_get_max_delay (self));
      break;
    case PROP_JITTER:
      g_value_set_double (value, syncobj_retry_policy_get_jitter (self));
      break;
    case PROP_MAX_AGE:
      g_value_set_uint (value, syncobj_retry_policy_get_max_age (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_retry_policy_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  SyncobjRetryPolicy *self = SYNCOBJ_RETRY_POLICY (object);

  switch (prop_id)
    {
    case PROP_MAX_ATTEMPTS:
      syncobj_retry_policy_set_max_attempts (self, g_value_get_uint (value));
      break;
    case PROP_INITIAL_DELAY:
      syncobj_retry_policy_set_initial_delay (self, g_value_get_uint (value));
      break;
    case PROP_FACTOR:
      syncobj_retry_policy_set_factor (self, g_value_get_double (value));
      break;
    case PROP_MAX_DELAY:
      syncobj_retry_policy_set_max_delay (self, g_value_get_uint (value));
      break;
    case PROP_JITTER:
      syncobj_retry_policy_set_jitter (self, g_value_get_double (value));
      break;
    case PROP_MAX_AGE:
      syncobj_retry_policy_set_max_age (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_retry_policy_class_init (SyncobjRetryPolicyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  /* The blurbs of the duration properties say their unit. */
  _syncobj_ensure_i18n ();

  object_class->finalize = syncobj_retry_policy_finalize;
  object_class->get_property = syncobj_retry_policy_get_property;
  object_class->set_property = syncobj_retry_policy_set_property;

  klass->classify = syncobj_retry_policy_real_classify;

  /**
   * SyncobjRetryPolicy:max-attempts:
   *
   * The number of attempts in all, the first one included: 1 means never
   * retry, 0 means no limit (the default of
   * [ctor@Syncobj.RetryPolicy.new_durable], which a collection with a
   * store gets). Attempts not spent — while the network or the server
   * cannot be reached, while credentials are awaited, to resolve a
   * conflict — do not count.
   */
  properties[PROP_MAX_ATTEMPTS] =
    g_param_spec_uint ("max-attempts", NULL, NULL,
                       0, G_MAXUINT, DEFAULT_MAX_ATTEMPTS, flags);

  /**
   * SyncobjRetryPolicy:initial-delay:
   *
   * The delay before the first retry, in milliseconds, before jitter.
   */
  properties[PROP_INITIAL_DELAY] =
    g_param_spec_uint ("initial-delay", NULL, _("The delay before the first retry, in milliseconds"),
                       0, G_MAXUINT, DEFAULT_INITIAL_DELAY, flags);

  /**
   * SyncobjRetryPolicy:factor:
   *
   * What each delay is multiplied by for the next retry; 1.0 keeps the
   * delay constant.
   */
  properties[PROP_FACTOR] =
    g_param_spec_double ("factor", NULL, NULL,
                         1.0, G_MAXDOUBLE, DEFAULT_FACTOR, flags);

  /**
   * SyncobjRetryPolicy:max-delay:
   *
   * The longest delay between two attempts, in milliseconds, before
   * jitter. It also caps the delay a server asks for (an HTTP
   * `Retry-After`).
   */
  properties[PROP_MAX_DELAY] =
    g_param_spec_uint ("max-delay", NULL, _("The longest delay between two attempts, in milliseconds"),
                       0, G_MAXUINT, DEFAULT_MAX_DELAY, flags);

  /**
   * SyncobjRetryPolicy:jitter:
   *
   * The largest random fraction added to a delay, from 0.0 (none) to 1.0
   * (up to twice as long). Jitter keeps clients that failed together from
   * retrying together.
   */
  properties[PROP_JITTER] =
    g_param_spec_double ("jitter", NULL, NULL,
                         0.0, 1.0, DEFAULT_JITTER, flags);

  /**
   * SyncobjRetryPolicy:max-age:
   *
   * How old a transaction may get, in milliseconds from its creation,
   * before a failed attempt gives it up instead of retrying; 0 (the
   * default) means no limit.
   */
  properties[PROP_MAX_AGE] =
    g_param_spec_uint ("max-age", NULL, _("How old a transaction may get before it is given up, in milliseconds"),
                       0, G_MAXUINT, 0, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
syncobj_retry_policy_init (SyncobjRetryPolicy *self)
{
  SyncobjRetryPolicyPrivate *priv = syncobj_retry_policy_get_instance_private (self);

  priv->max_attempts = DEFAULT_MAX_ATTEMPTS;
  priv->initial_delay_ms = DEFAULT_INITIAL_DELAY;
  priv->factor = DEFAULT_FACTOR;
  priv->max_delay_ms = DEFAULT_MAX_DELAY;
  priv->jitter = DEFAULT_JITTER;
}

/**
 * syncobj_retry_policy_new:
 *
 * Creates a retry policy with the default settings: 5 attempts, an initial
 * delay of 1 second doubling up to 30 seconds, and 30 % jitter.
 *
 * Returns: (transfer full): a new retry policy
 */
SyncobjRetryPolicy *
syncobj_retry_policy_new (void)
{
  return g_object_new (SYNCOBJ_TYPE_RETRY_POLICY, NULL);
}

/**
 * syncobj_retry_policy_new_durable:
 *
 * Creates a retry policy with the defaults of a collection that has a
 * store: no limit on attempts, an initial delay of 1 second doubling up to
 * 5 minutes, and 30 % jitter. A transaction then waits for the server as
 * long as it takes, unless [property@Syncobj.RetryPolicy:max-age] or
 * [property@Syncobj.RetryPolicy:max-attempts] is set.
 *
 * Returns: (transfer full): a new retry policy
 */
SyncobjRetryPolicy *
syncobj_retry_policy_new_durable (void)
{
  return g_object_new (SYNCOBJ_TYPE_RETRY_POLICY,
                       "max-attempts", DURABLE_MAX_ATTEMPTS,
                       "max-delay", DURABLE_MAX_DELAY,
                       NULL);
}

/**
 * syncobj_retry_policy_get_max_attempts:
 * @self: a retry policy
 *
 * Gets the number of attempts a transaction gets in all.
 *
 * Returns: the maximum number of attempts, or 0 for no limit
 */
guint
syncobj_retry_policy_get_max_attempts (SyncobjRetryPolicy *self)
{
  SyncobjRetryPolicyPrivate *priv = syncobj_retry_policy_get_instance_private (self);

  g_return_val_if_fail (SYNCOBJ_IS_RETRY_POLICY (self), DEFAULT_MAX_ATTEMPTS);

  return priv->max_attempts;
}

/**
 * syncobj_retry_policy_set_max_attempts:
 * @self: a retry policy
 * @max_attempts: the number of attempts in all, or 0 for no limit
 *
 * Sets the number of attempts a transaction gets in all, the first one
 * included; 0 retries without limit.
 */
void
syncobj_retry_policy_set_max_attempts (SyncobjRetryPolicy *self,
                                       guint               max_attempts)
{
  SyncobjRetryPolicyPrivate *priv = syncobj_retry_policy_get_instance_private (self);

  g_return_if_fail (SYNCOBJ_IS_RETRY_POLICY (self));

  if (priv->max_attempts == max_attempts)
    return;

  priv->max_attempts = max_attempts;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_ATTEMPTS]);
}

/**
 * syncobj_retry_policy_get_initial_delay:
 * @self: a retry policy
 *
 * Gets the delay before the first retry.
 *
 * Returns: the delay in milliseconds, before jitter
 */
guint
syncobj_retry_policy_get_initial_delay (SyncobjRetryPolicy *self)
{
  SyncobjRetryPolicyPrivate *priv = syncobj_retry_policy_get_instance_private (self);

  g_return_val_if_fail (SYNCOBJ_IS_RETRY_POLICY (self), DEFAULT_INITIAL_DELAY);

  return priv->initial_delay_ms;
}

/**
 * syncobj_retry_policy_set_initial_delay:
 * @self: a retry policy
 * @initial_delay_ms: the delay in milliseconds
 *
 * Sets the delay before the first retry, before jitter.
 */
void
syncobj_retry_policy_set_initial_delay (SyncobjRetryPolicy *self,
                                        guint               initial_delay_ms)
{
  SyncobjRetryPolicyPrivate *priv = syncobj_retry_policy_get_instance_private (self);

  g_return_if_fail (SYNCOBJ_IS_RETRY_POLICY (self));

  if (priv->initial_delay_ms == initial_delay_ms)
    return;

  priv->initial_delay_ms = initial_delay_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INITIAL_DELAY]);
}

/**
 * syncobj_retry_policy_get_factor:
 * @self: a retry policy
 *
 * Gets what each delay is multiplied by for the next retry.
 *
 * Returns: the backoff factor, at least 1.0
 */
double
syncobj_retry_policy_get_factor (SyncobjRetryPolicy *self)
{
  SyncobjRetryPolicyPrivate *priv = syncobj_retry_policy_get_instance_private (self);

  g_return_val_if_fail (SYNCOBJ_IS_RETRY_POLICY (self), DEFAULT_FACTOR);

  return priv->factor;
}

/**
 * syncobj_retry_policy_set_factor:
 * @self: a retry policy
 * @factor: the backoff factor, at least 1.0
 *
 * Sets what each delay is multiplied by for the next retry: 2.0 doubles
 * it, 1.0 keeps it constant.
 */
void
syncobj_retry_policy_set_factor (SyncobjRetryPolicy *self,
                                 double              factor)
{
  SyncobjRetryPolicyPrivate *priv = syncobj_retry_policy_get_instance_private (self);

  g_return_if_fail (SYNCOBJ_IS_RETRY_POLICY (self));
  g_return_if_fail (factor >= 1.0 && factor <= G_MAXDOUBLE);

  if (priv->factor == factor)
    return;

  priv->factor = factor;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FACTOR]);
}

/**
 * syncobj_retry_policy_get_max_delay:
 * @self: a retry policy
 *
 * Gets the longest delay between two attempts.
 *
 * Returns: the delay in milliseconds, before jitter
 */
guint
syncobj_retry_policy_get_max_delay (SyncobjRetryPolicy *self)
{
  SyncobjRetryPolicyPrivate *priv = syncobj_retry_policy_get_instance_private (self);

  g_return_val_if_fail (SYNCOBJ_IS_RETRY_POLICY (self), DEFAULT_MAX_DELAY);

  return priv->max_delay_ms;
}

/**
 * syncobj_retry_policy_set_max_delay:
 * @self: a retry policy
 * @max_delay_ms: the delay in milliseconds
 *
 * Sets the longest delay between two attempts, before jitter.
 */
void
syncobj_retry_policy_set_max_delay (SyncobjRetryPolicy *self,
                                    guint               max_delay_ms)
{
  SyncobjRetryPolicyPrivate *priv = syncobj_retry_policy_get_instance_private (self);

  g_return_if_fail (SYNCOBJ_IS_RETRY_POLICY (self));

  if (priv->max_delay_ms == max_delay_ms)
    return;

  priv->max_delay_ms = max_delay_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_DELAY]);
}

/**
 * syncobj_retry_policy_get_jitter:
 * @self: a retry policy
 *
 * Gets the largest random fraction added to a delay.
 *
 * Returns: the jitter, from 0.0 to 1.0
 */
double
syncobj_retry_policy_get_jitter (SyncobjRetryPolicy *self)
{
  SyncobjRetryPolicyPrivate *priv = syncobj_retry_policy_get_instance_private (self);

  g_return_val_if_fail (SYNCOBJ_IS_RETRY_POLICY (self), DEFAULT_JITTER);

  return priv->jitter;
}

/**
 * syncobj_retry_policy_set_jitter:
 * @self: a retry policy
 * @jitter: the jitter, from 0.0 to 1.0
 *
 * Sets the largest random fraction added to a delay: with 0.3 a delay of
 * 1000 ms becomes anything from 1000 to 1300 ms. With 0.0 delays are
 * exact, which makes tests predictable.
 */
void
syncobj_retry_policy_set_jitter (SyncobjRetryPolicy *self,
                                 double              jitter)
{
  SyncobjRetryPolicyPrivate *priv = syncobj_retry_policy_get_instance_private (self);

  g_return_if_fail (SYNCOBJ_IS_RETRY_POLICY (self));
  g_return_if_fail (jitter >= 0.0 && jitter <= 1.0);

  if (priv->jitter == jitter)
    return;

  priv->jitter = jitter;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_JITTER]);
}

/**
 * syncobj_retry_policy_get_max_age:
 * @self: a retry policy
 *
 * Gets how old a transaction may get before a failed attempt gives it up.
 *
 * Returns: the age in milliseconds, or 0 for no limit
 */
guint
syncobj_retry_policy_get_max_age (SyncobjRetryPolicy *self)
{
  SyncobjRetryPolicyPrivate *priv = syncobj_retry_policy_get_instance_private (self);

  g_return_val_if_fail (SYNCOBJ_IS_RETRY_POLICY (self), 0);

  return priv->max_age_ms;
}

/**
 * syncobj_retry_policy_set_max_age:
 * @self: a retry policy
 * @max_age_ms: the age in milliseconds, or 0 for no limit
 *
 * Sets how old a transaction may get, counted from its creation, before a
 * failed attempt gives it up (with the error of that attempt) instead of
 * scheduling another one.
 */
void
syncobj_retry_policy_set_max_age (SyncobjRetryPolicy *self,
                                  guint               max_age_ms)
{
  SyncobjRetryPolicyPrivate *priv = syncobj_retry_policy_get_instance_private (self);

  g_return_if_fail (SYNCOBJ_IS_RETRY_POLICY (self));

  if (priv->max_age_ms == max_age_ms)
    return;

  priv->max_age_ms = max_age_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_AGE]);
}

gboolean
_syncobj_retry_policy_gives_up (SyncobjRetryPolicy *self,
                                guint               counted_attempts,
                                gint64              age_us)
{
  SyncobjRetryPolicyPrivate *priv = syncobj_retry_policy_get_instance_private (self);

  if (priv->max_attempts != 0 && counted_attempts >= priv->max_attempts)
    return TRUE;
  return priv->max_age_ms != 0 && age_us >= (gint64) priv->max_age_ms * 1000;
}

/**
 * syncobj_retry_policy_set_classify_func:
 * @self: a retry policy
 * @func: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   the function that decides whether an error may be retried, or %NULL to
 *   use [vfunc@Syncobj.RetryPolicy.classify] again
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data when @func is replaced or the
 *   policy is finalized
 *
 * Sets a function that decides whether an error may be retried, in place
 * of the [vfunc@Syncobj.RetryPolicy.classify] virtual function. It is
 * called only for errors that are not already non-retriable by definition
 * (see [method@Syncobj.RetryPolicy.is_retriable]).
 */
void
syncobj_retry_policy_set_classify_func (SyncobjRetryPolicy  *self,
                                        SyncobjClassifyFunc  func,
                                        gpointer             user_data,
                                        GDestroyNotify       destroy)
{
  SyncobjRetryPolicyPrivate *priv = syncobj_retry_policy_get_instance_private (self);

  g_return_if_fail (SYNCOBJ_IS_RETRY_POLICY (self));

  clear_classify_func (priv);
  priv->classify_func = func;
  priv->classify_data = user_data;
  priv->classify_destroy = destroy;
}

/**
 * syncobj_retry_policy_is_retriable:
 * @self: a retry policy
 * @error: (nullable): the error of a failed attempt
 *
 * Decides whether a transaction whose attempt failed with @error may be
 * tried again (when attempts are left).
 *
 * These errors are never retried: %NULL, and the %SYNCOBJ_ERROR codes
 * %SYNCOBJ_ERROR_NON_RETRIABLE, %SYNCOBJ_ERROR_DEPENDENCY_FAILED,
 * %SYNCOBJ_ERROR_CANCELLED, %SYNCOBJ_ERROR_INVALID_RECORD,
 * %SYNCOBJ_ERROR_KEY_EXISTS and %SYNCOBJ_ERROR_KEY_NOT_FOUND, as well as
 * %G_IO_ERROR_CANCELLED (the operation was cancelled on purpose). Any other
 * error is passed to the function set with
 * [method@Syncobj.RetryPolicy.set_classify_func] if there is one, else to
 * the [vfunc@Syncobj.RetryPolicy.classify] virtual function, which retries
 * everything unless a subclass overrides it.
 *
 * Returns: %TRUE when @error may be retried
 */
gboolean
syncobj_retry_policy_is_retriable (SyncobjRetryPolicy *self,
                                   const GError       *error)
{
  SyncobjRetryPolicyPrivate *priv = syncobj_retry_policy_get_instance_private (self);

  g_return_val_if_fail (SYNCOBJ_IS_RETRY_POLICY (self), FALSE);

  if (error == NULL)
    return FALSE;

  if (error->domain == SYNCOBJ_ERROR)
    {
      switch ((SyncobjError) error->code)
        {
        case SYNCOBJ_ERROR_NON_RETRIABLE:
        case SYNCOBJ_ERROR_DEPENDENCY_FAILED:
        case SYNCOBJ_ERROR_CANCELLED:
        case SYNCOBJ_ERROR_INVALID_RECORD:
        case SYNCOBJ_ERROR_KEY_EXISTS:
        case SYNCOBJ_ERROR_KEY_NOT_FOUND:
          return FALSE;
        default:
          break;
        }
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return FALSE;

  if (priv->classify_func != NULL)
    return priv->classify_func (error, priv->classify_data);

  return SYNCOBJ_RETRY_POLICY_GET_CLASS (self)->classify (self, error);
}

/* @base raised to @exponent by squaring: O(log exponent) steps, no libm.
 * Overflow goes to +inf, which the caller clamps. */
static double
power (double base,
       guint  exponent)
{
  double result = 1.0;

  while (exponent > 0)
    {
      if (exponent & 1)
        result *= base;
      exponent >>= 1;
      if (exponent > 0)
        base *= base;
    }

  return result;
}

/**
 * syncobj_retry_policy_get_delay:
 * @self: a retry policy
 * @attempt: the 1-based number of the attempt that just failed
 *
 * Computes how long to wait before the attempt after @attempt:
 *
 * ```
 * base  = min (initial-delay × factor^(attempt−1), max-delay)
 * delay = round (base × (1 + jitter × r))     with r uniform in [0, 1)
 * ```
 *
 * With a jitter of 0.0 the result is exactly `base` (rounded to the
 * millisecond). An @attempt of 0 is
 * taken as 1. The computation cannot overflow: a result beyond %G_MAXUINT
 * is clamped.
 *
 * Returns: the delay in milliseconds
 */
guint
syncobj_retry_policy_get_delay (SyncobjRetryPolicy *self,
                                guint               attempt)
{
  SyncobjRetryPolicyPrivate *priv = syncobj_retry_policy_get_instance_private (self);
  double base;
  double delay;

  g_return_val_if_fail (SYNCOBJ_IS_RETRY_POLICY (self), 0);

  if (attempt == 0)
    attempt = 1;

  base = (double) priv->initial_delay_ms * power (priv->factor, attempt - 1);
  if (!(base <= (double) priv->max_delay_ms))   /* also catches inf and NaN */
    base = priv->max_delay_ms;

  /* g_random_double() is not called without jitter, so that a test with
   * jitter 0 does not disturb the global random sequence. */
  delay = priv->jitter == 0.0 ? base + 0.5 : base * (1.0 + priv->jitter * g_random_double ()) + 0.5;
  if (delay >= (double) G_MAXUINT)
    return G_MAXUINT;

  return (guint) delay;
}
