/* syncobj-network.c: whether a server can be reached, and going offline
 * until it can
 *
 * The scheduler holds the process' "online" flag (retries wait while it is
 * FALSE); this file is the one place that decides it from the network:
 * when a request fails because its host cannot be reached and
 * GNetworkMonitor agrees, _syncobj_network_wait_until_reachable() takes
 * the scheduler offline, which pauses every collection, until the monitor
 * reports a change after which the host can be reached again.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-network-private.h"

/* How long the scheduler stays offline at most, whatever GNetworkMonitor
 * says. */
#define OFFLINE_SAFETY_MS 30000

static SyncobjNetworkReachFunc reach_override;

void
_syncobj_network_set_reach_func (SyncobjNetworkReachFunc func)
{
  reach_override = func;
}

static gboolean
host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (host == NULL)
    return TRUE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

static void
can_reach_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  gboolean reachable = TRUE;

  if (!g_network_monitor_can_reach_finish (G_NETWORK_MONITOR (source), result, &error))
    {
      /* Only a clear "unreachable" counts; anything else is unknown. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE) ||
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE))
        reachable = FALSE;
      else if (error->domain == G_RESOLVER_ERROR)
        reachable = g_network_monitor_get_network_available (G_NETWORK_MONITOR (source));
    }
  g_task_return_boolean (task, reachable);
}

void
_syncobj_network_can_reach_async (GUri                *uri,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GSocketConnectable) address = NULL;
  const char *host = g_uri_get_host (uri);
  int port = g_uri_get_port (uri);

  g_task_set_source_tag (task, _syncobj_network_can_reach_async);
  if (reach_override != NULL)
    {
      g_task_return_boolean (task, reach_override (uri));
      return;
    }
  if (host_is_loopback (host))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (port < 0)
    port = g_strcmp0 (g_uri_get_scheme (uri), "https") == 0 ? 443 : 80;
  address = g_network_address_new (host, (guint16) port);
  g_network_monitor_can_reach_async (g_network_monitor_get_default (), address, cancellable,
                                     can_reach_cb, g_steal_pointer (&task));
}

gboolean
_syncobj_network_can_reach_finish (GAsyncResult *result)
{
  return g_task_propagate_boolean (G_TASK (result), NULL);
}

/* While a host cannot be reached the scheduler is offline: no attempts are
 * spent and scheduled retries wait. One watcher for the process. */
typedef struct
{
  GUri  *uri;
  gulong changed_handler;
  guint  safety_timer;
} NetworkWatch;

static NetworkWatch network_watch;

static void
network_watch_end (void)
{
  if (network_watch.changed_handler != 0)
    g_signal_handler_disconnect (g_network_monitor_get_default (), network_watch.changed_handler);
  network_watch.changed_handler = 0;
  if (network_watch.safety_timer != 0)
    _syncobj_scheduler_remove (_syncobj_scheduler_get_default (), network_watch.safety_timer);
  network_watch.safety_timer = 0;
  g_clear_pointer (&network_watch.uri, g_uri_unref);
  _syncobj_scheduler_set_online (_syncobj_scheduler_get_default (), TRUE);
}

static void
network_recheck_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  if (_syncobj_network_can_reach_finish (result) && network_watch.uri != NULL)
    network_watch_end ();
}

static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    gpointer         user_data)
{
  if (network_watch.uri != NULL)
    _syncobj_network_can_reach_async (network_watch.uri, NULL, network_recheck_cb, NULL);
}

static gboolean
network_safety_cb (gpointer data)
{
  /* GNetworkMonitor may be wrong (no default route, but the host is on the
   * local network): never wait for it forever. */
  network_watch.safety_timer = 0;
  network_watch_end ();
  return G_SOURCE_REMOVE;
}

void
_syncobj_network_wait_until_reachable (GUri *uri)
{
  if (network_watch.uri != NULL)
    return;

  network_watch.uri = g_uri_ref (uri);
  network_watch.changed_handler = g_signal_connect (g_network_monitor_get_default (), "network-changed",
                                                    G_CALLBACK (network_changed_cb), NULL);
  network_watch.safety_timer = _syncobj_scheduler_add (_syncobj_scheduler_get_default (), OFFLINE_SAFETY_MS,
                                                       network_safety_cb, NULL, NULL);
  _syncobj_scheduler_set_online (_syncobj_scheduler_get_default (), FALSE);
}
