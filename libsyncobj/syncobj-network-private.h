/* syncobj-network-private.h: network monitoring for the scheduler
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-private.h"

G_BEGIN_DECLS

/* Asks GNetworkMonitor whether @uri's host can be reached. Loopback hosts
 * always can (CI machines without a default route report no network).
 * Finishes with TRUE when reachable or unknown. */
void       _syncobj_network_can_reach_async  (GUri               *uri,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
gboolean   _syncobj_network_can_reach_finish (GAsyncResult       *result);
/* Tests only: replaces the reachability check (NULL restores it). */
typedef gboolean (*SyncobjNetworkReachFunc) (GUri *uri);
void       _syncobj_network_set_reach_func   (SyncobjNetworkReachFunc func);

/* Marks the scheduler offline until GNetworkMonitor reports a change after
 * which @uri is reachable again (or, as a safety net, 30 s pass). */
void       _syncobj_network_wait_until_reachable (GUri            *uri);

G_END_DECLS
