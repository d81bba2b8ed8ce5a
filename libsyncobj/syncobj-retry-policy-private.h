/* syncobj-retry-policy-private.h: when a transaction's retries end
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-private.h"

G_BEGIN_DECLS

/* Whether a transaction that has spent @counted_attempts and was created
 * @age_us ago is given up after a failed attempt: max-attempts reached
 * (unless 0) or max-age passed (unless 0). */
gboolean _syncobj_retry_policy_gives_up (SyncobjRetryPolicy *self,
                                         guint               counted_attempts,
                                         gint64              age_us);

G_END_DECLS
