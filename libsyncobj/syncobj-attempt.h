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

/**
 * SYNCOBJ_ATTEMPT_MAX_RESPONSE_BODY:
 *
 * How many bytes of an error answer's body an attempt keeps at most
 * (64 KiB).
 */
#define SYNCOBJ_ATTEMPT_MAX_RESPONSE_BODY 65536

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
SYNCOBJ_AVAILABLE_IN_ALL
guint         syncobj_attempt_get_http_status         (SyncobjAttempt *self);
SYNCOBJ_AVAILABLE_IN_ALL
GBytes       *syncobj_attempt_get_response_body       (SyncobjAttempt *self);

G_END_DECLS
