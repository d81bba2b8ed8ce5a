/* syncobj-attempt.h: one persist attempt of a transaction
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

#define SYNCOBJ_TYPE_ATTEMPT (syncobj_attempt_get_type ())
SYNCOBJ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SyncobjAttempt, syncobj_attempt, SYNCOBJ, ATTEMPT, GObject)

SYNCOBJ_AVAILABLE_IN_ALL
const char   *syncobj_attempt_get_id                  (SyncobjAttempt *self);
SYNCOBJ_AVAILABLE_IN_ALL
guint         syncobj_attempt_get_number              (SyncobjAttempt *self);
SYNCOBJ_AVAILABLE_IN_ALL
GDateTime    *syncobj_attempt_get_started_at          (SyncobjAttempt *self);
SYNCOBJ_AVAILABLE_IN_ALL
GDateTime    *syncobj_attempt_get_completed_at        (SyncobjAttempt *self);
SYNCOBJ_AVAILABLE_IN_ALL
const GError *syncobj_attempt_get_error               (SyncobjAttempt *self);
SYNCOBJ_AVAILABLE_IN_ALL
GDateTime    *syncobj_attempt_get_retry_scheduled_for (SyncobjAttempt *self);

G_END_DECLS
