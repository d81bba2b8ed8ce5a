/* syncobj-retry-policy.h: how often and how long to wait before retrying
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SYNCOBJ_INSIDE__) && !defined(SYNCOBJ_COMPILATION)
#error "Only <syncobj.h> can be included directly."
#endif

#include "syncobj-types.h"
#include "syncobj-version-macros.h"

G_BEGIN_DECLS

#define SYNCOBJ_TYPE_RETRY_POLICY (syncobj_retry_policy_get_type ())
SYNCOBJ_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (SyncobjRetryPolicy, syncobj_retry_policy, SYNCOBJ, RETRY_POLICY, GObject)

/**
 * SyncobjRetryPolicyClass:
 * @parent_class: the parent class
 * @classify: returns %TRUE when @error may be retried; called only for
 *   errors that are not retriable by definition (see
 *   [method@Syncobj.RetryPolicy.is_retriable])
 *
 * The class structure of [class@Syncobj.RetryPolicy].
 */
struct _SyncobjRetryPolicyClass
{
  GObjectClass parent_class;

  gboolean (*classify) (SyncobjRetryPolicy *self,
                        const GError       *error);

  /*< private >*/
  gpointer padding[8];
};

/**
 * SyncobjClassifyFunc:
 * @error: the error of a failed attempt
 * @user_data: closure data
 *
 * Decides whether an error may be retried.
 *
 * Returns: %TRUE to retry, %FALSE to fail the transaction
 */
typedef gboolean (*SyncobjClassifyFunc) (const GError *error,
                                         gpointer      user_data);

SYNCOBJ_AVAILABLE_IN_ALL
SyncobjRetryPolicy *syncobj_retry_policy_new               (void);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjRetryPolicy *syncobj_retry_policy_new_durable       (void);
SYNCOBJ_AVAILABLE_IN_ALL
guint               syncobj_retry_policy_get_max_attempts  (SyncobjRetryPolicy *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_retry_policy_set_max_attempts  (SyncobjRetryPolicy *self,
                                                            guint               max_attempts);
SYNCOBJ_AVAILABLE_IN_ALL
guint               syncobj_retry_policy_get_initial_delay (SyncobjRetryPolicy *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_retry_policy_set_initial_delay (SyncobjRetryPolicy *self,
                                                            guint               initial_delay_ms);
SYNCOBJ_AVAILABLE_IN_ALL
double              syncobj_retry_policy_get_factor        (SyncobjRetryPolicy *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_retry_policy_set_factor        (SyncobjRetryPolicy *self,
                                                            double              factor);
SYNCOBJ_AVAILABLE_IN_ALL
guint               syncobj_retry_policy_get_max_delay     (SyncobjRetryPolicy *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_retry_policy_set_max_delay     (SyncobjRetryPolicy *self,
                                                            guint               max_delay_ms);
SYNCOBJ_AVAILABLE_IN_ALL
double              syncobj_retry_policy_get_jitter        (SyncobjRetryPolicy *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_retry_policy_set_jitter        (SyncobjRetryPolicy *self,
                                                            double              jitter);
SYNCOBJ_AVAILABLE_IN_ALL
guint               syncobj_retry_policy_get_max_age       (SyncobjRetryPolicy *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_retry_policy_set_max_age       (SyncobjRetryPolicy *self,
                                                            guint               max_age_ms);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_retry_policy_set_classify_func (SyncobjRetryPolicy  *self,
                                                            SyncobjClassifyFunc  func,
                                                            gpointer             user_data,
                                                            GDestroyNotify       destroy);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean            syncobj_retry_policy_is_retriable      (SyncobjRetryPolicy *self,
                                                            const GError       *error);
SYNCOBJ_AVAILABLE_IN_ALL
guint               syncobj_retry_policy_get_delay         (SyncobjRetryPolicy *self,
                                                            guint               attempt);

G_END_DECLS
