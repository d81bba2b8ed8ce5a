/* syncobj-inspector-text-private.h: what the inspector page says about
 * transactions, times and values
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <syncobj.h>

G_BEGIN_DECLS

const char     *syncobj_inspector_state_label             (SyncobjTransactionState  state);

gint64          syncobj_inspector_date_time_to_us         (GDateTime               *time);

char           *syncobj_inspector_format_clock            (GDateTime               *time);

char           *syncobj_inspector_format_duration         (gint64                   microseconds);

char           *syncobj_inspector_format_json             (JsonObject              *object);

gboolean        syncobj_inspector_waits_for_retry         (SyncobjTransaction      *transaction);

gboolean        syncobj_inspector_can_roll_back           (SyncobjTransaction      *transaction);

char           *syncobj_inspector_transaction_keys        (SyncobjTransaction      *transaction);

char           *syncobj_inspector_transaction_collections (SyncobjTransaction      *transaction);

char           *syncobj_inspector_transaction_reason      (SyncobjTransaction      *transaction);

G_END_DECLS
