/* syncobj-http-probe.c: one probe at a time for a server that cannot be
 * reached
 *
 * A write that fails because its server cannot be reached (connection
 * refused, host or network unreachable, a name that does not resolve)
 * while GNetworkMonitor says the network is there, marks the server (its
 * origin: scheme, host and port) unreachable: SyncobjRegistry:offline
 * and the SyncobjCollection:offline of the collections writing there
 * become TRUE and the write is held, spending no attempt, with every
 * later write of every HTTP mutator to that server. One held write at a
 * time goes out as the probe: 1 s later, then 2 s, 4 s… up to a minute
 * apart. A read of the sync refused the same way marks the server
 * unreachable too. When a probe, or any other request to the server (the
 * sync's reconnection), is answered, the server is reachable again and
 * every held write goes out at once. SyncobjHttpMutator and SyncobjCouchMutator
 * both send their writes this way.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-http-probe-private.h"
#include "syncobj-http-request-private.h"
#include "syncobj-network-private.h"

#define PROBE_FIRST_DELAY_MS 1000
#define PROBE_MAX_DELAY_MS   60000

typedef struct _ProbeServer ProbeServer;

typedef struct
{
  GTask                  *task;
  GCancellable           *cancellable;
  gulong                  cancelled_handler;
  SyncobjHttpProbeResume  resume;
  ProbeServer            *server;       /* unowned: servers are never freed */
} ProbeHeld;

struct _ProbeServer
{
  char      *origin;
  GPtrArray *held;          /* ProbeHeld, in the order they came */
  GTask     *probe;         /* the held write sent as the probe */
  guint      timer;
  guint      delay_ms;
  gboolean   unreachable;
};

/* origin → ProbeServer. Servers are few (one per host an application
 * talks to) and stay. */
static GHashTable *servers;
G_LOCK_DEFINE_STATIC (probe);

static void
probe_held_free (gpointer data)
{
  ProbeHeld *held = data;

  if (held->cancelled_handler != 0)
    g_cancellable_disconnect (held->cancellable, held->cancelled_handler);
  g_clear_object (&held->cancellable);
  g_clear_object (&held->task);
  g_free (held);
}

char *
_syncobj_http_probe_origin (GUri *uri)
{
  const char *scheme = g_uri_get_scheme (uri);
  int port = g_uri_get_port (uri);

  if (port < 0)
    port = g_strcmp0 (scheme, "https") == 0 || g_strcmp0 (scheme, "wss") == 0 ? 443 : 80;
  return g_strdup_printf ("%s:%d", g_uri_get_host (uri) != NULL ? g_uri_get_host (uri) : "", port);
}

GStrv
_syncobj_http_probe_servers (const char * const *uris,
                             guint               n_uris)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < n_uris; i++)
    {
      g_autoptr(GUri) uri = uris[i] != NULL ? g_uri_parse (uris[i], SOUP_HTTP_URI_FLAGS, NULL) : NULL;
      g_autofree char *origin = uri != NULL ? _syncobj_http_probe_origin (uri) : NULL;

      if (origin != NULL)
        g_strv_builder_add (builder, origin);
    }
  return g_strv_builder_end (builder);
}

/* The server of @uri; with the lock held. */
static ProbeServer *
server_for (GUri *uri)
{
  g_autofree char *origin = _syncobj_http_probe_origin (uri);
  ProbeServer *server;

  if (servers == NULL)
    servers = g_hash_table_new (g_str_hash, g_str_equal);
  server = g_hash_table_lookup (servers, origin);
  if (server == NULL)
    {
      server = g_new0 (ProbeServer, 1);
      server->origin = g_steal_pointer (&origin);
      server->held = g_ptr_array_new_with_free_func (probe_held_free);
      g_hash_table_insert (servers, server->origin, server);
    }
  return server;
}

gboolean
_syncobj_http_probe_is_unreachable (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE) ||
         (error != NULL && error->domain == G_RESOLVER_ERROR);
}

/* ---- holding ------------------------------------------------------------------ */

static gboolean
held_cancelled_idle (gpointer data)
{
  g_task_return_error_if_cancelled (G_TASK (data));
  return G_SOURCE_REMOVE;
}

/* A held write's cancellable fired (a rollback): it stops waiting. Runs in
 * the thread that cancelled; the task returns from its own context. */
static void
held_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  ProbeServer *server = user_data;

  G_LOCK (probe);
  for (guint i = 0; i < server->held->len; i++)
    {
      ProbeHeld *held = g_ptr_array_index (server->held, i);

      if (held->cancellable != cancellable)
        continue;
      /* Disconnecting from within the handler would deadlock. */
      held->cancelled_handler = 0;
      g_main_context_invoke_full (g_task_get_context (held->task), G_PRIORITY_DEFAULT,
                                  held_cancelled_idle, g_object_ref (held->task), g_object_unref);
      g_ptr_array_remove_index (server->held, i);
      break;
    }
  G_UNLOCK (probe);
}

/* With the lock held. @first: the failed probe, which probes again first. */
static void
server_hold (ProbeServer            *server,
             GTask                  *task,
             SyncobjHttpProbeResume  resume,
             gboolean                first)
{
  GCancellable *cancellable = g_task_get_cancellable (task);
  ProbeHeld *held = g_new0 (ProbeHeld, 1);

  held->task = g_object_ref (task);
  held->resume = resume;
  held->server = server;
  held->cancellable = cancellable != NULL ? g_object_ref (cancellable) : g_cancellable_new ();
  if (first)
    g_ptr_array_insert (server->held, 0, held);
  else
    g_ptr_array_add (server->held, held);
}

/* After the lock: a handler connected to a cancelled cancellable runs at
 * once, and takes the lock. */
static void
held_watch_cancel (ProbeServer *server,
                   GTask       *task)
{
  ProbeHeld *found = NULL;
  GCancellable *cancellable = NULL;
  gulong handler;

  G_LOCK (probe);
  for (guint i = 0; i < server->held->len && found == NULL; i++)
    if (((ProbeHeld *) g_ptr_array_index (server->held, i))->task == task)
      found = g_ptr_array_index (server->held, i);
  if (found != NULL)
    cancellable = g_object_ref (found->cancellable);
  G_UNLOCK (probe);
  if (cancellable == NULL)
    return;

  handler = g_cancellable_connect (cancellable, G_CALLBACK (held_cancelled_cb), server, NULL);
  G_LOCK (probe);
  for (guint i = 0; i < server->held->len; i++)
    if (g_ptr_array_index (server->held, i) == found)
      {
        found->cancelled_handler = handler;
        handler = 0;
      }
  G_UNLOCK (probe);
  if (handler != 0)
    g_cancellable_disconnect (cancellable, handler);
  g_object_unref (cancellable);
}

/* ---- probing ------------------------------------------------------------------ */

static gboolean probe_cb (gpointer data);

/* With the lock held. */
static void
server_schedule_probe (ProbeServer *server)
{
  if (server->timer == 0)
    server->timer = _syncobj_scheduler_add (_syncobj_scheduler_get_default (), server->delay_ms,
                                            probe_cb, server, NULL);
}

/* Sends the first held write as the probe, unless the last one is still
 * on its way; the next probe is due twice as late. */
static gboolean
probe_cb (gpointer data)
{
  ProbeServer *server = data;
  ProbeHeld *held = NULL;

  G_LOCK (probe);
  server->timer = 0;
  if (server->unreachable && (server->probe == NULL || g_task_get_completed (server->probe)) &&
      server->held->len > 0)
    {
      held = g_ptr_array_steal_index (server->held, 0);
      g_set_object (&server->probe, held->task);
    }
  /* With nothing to probe the timer stops; the next held write starts it
   * again. */
  if (server->unreachable && (held != NULL || server->held->len > 0 || server->probe != NULL))
    {
      server->delay_ms = MIN (server->delay_ms * 2, PROBE_MAX_DELAY_MS);
      server_schedule_probe (server);
    }
  G_UNLOCK (probe);

  if (held != NULL)
    {
      GTask *task = g_object_ref (held->task);
      SyncobjHttpProbeResume resume = held->resume;

      probe_held_free (held);
      if (!g_task_return_error_if_cancelled (task))
        resume (task);
      g_object_unref (task);
    }
  return G_SOURCE_REMOVE;
}

gboolean
_syncobj_http_probe_hold_if_unreachable (GUri                   *uri,
                                         GTask                  *task,
                                         SyncobjHttpProbeResume  resume)
{
  ProbeServer *server;
  gboolean hold;

  G_LOCK (probe);
  server = server_for (uri);
  /* The probe itself goes out. */
  hold = server->unreachable && server->probe != task;
  if (hold)
    {
      server_hold (server, task, resume, FALSE);
      server_schedule_probe (server);
    }
  G_UNLOCK (probe);

  if (hold)
    held_watch_cancel (server, task);
  return hold;
}

/* With the lock held: whether @server was reachable until now. */
static gboolean
server_mark_unreachable (ProbeServer *server)
{
  if (server->unreachable)
    return FALSE;
  server->unreachable = TRUE;
  server->delay_ms = PROBE_FIRST_DELAY_MS;
  return TRUE;
}

void
_syncobj_http_probe_unreachable (GUri                   *uri,
                                 GTask                  *task,
                                 SyncobjHttpProbeResume  resume)
{
  ProbeServer *server;
  gboolean newly;

  G_LOCK (probe);
  server = server_for (uri);
  newly = server_mark_unreachable (server);
  server_hold (server, task, resume, server->probe == task);
  if (server->probe == task)
    g_clear_object (&server->probe);
  server_schedule_probe (server);
  G_UNLOCK (probe);

  held_watch_cancel (server, task);
  if (newly)
    _syncobj_scheduler_set_reachable (_syncobj_scheduler_get_default (), server->origin, FALSE);
}

void
_syncobj_http_probe_read_failed (GUri         *uri,
                                 const GError *error)
{
  ProbeServer *server;
  gboolean newly;

  if (!_syncobj_http_probe_is_unreachable (error) ||
      !_syncobj_scheduler_get_online (_syncobj_scheduler_get_default ()))
    return;

  G_LOCK (probe);
  server = server_for (uri);
  newly = server_mark_unreachable (server);
  G_UNLOCK (probe);

  if (newly)
    _syncobj_scheduler_set_reachable (_syncobj_scheduler_get_default (), server->origin, FALSE);
}

/* ---- a write that got no answer ------------------------------------------------- */

typedef struct
{
  GTask                  *task;
  GUri                   *uri;
  GError                 *error;        /* what the task returns, if not held */
  gboolean                unreachable;  /* refused at the connection */
  SyncobjHttpProbeResume  resume;
} ReachCheck;

static void
reach_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  ReachCheck *check = user_data;
  gboolean reachable = _syncobj_network_can_reach_finish (result);

  if (reachable && check->unreachable)
    {
      /* The network is there but the server is not: held, spending no
       * attempt, while one write at a time probes it. */
      g_clear_error (&check->error);
      _syncobj_http_probe_unreachable (check->uri, check->task, check->resume);
    }
  else if (!reachable)
    {
      /* No attempt is spent while the host cannot be reached. */
      _syncobj_network_wait_until_reachable (check->uri);
      g_task_return_new_error (check->task, SYNCOBJ_ERROR, SYNCOBJ_ERROR_OFFLINE,
                               _("The network is unreachable (%s)"), check->error->message);
    }
  else
    g_task_return_error (check->task, g_steal_pointer (&check->error));

  g_clear_error (&check->error);
  g_uri_unref (check->uri);
  g_object_unref (check->task);
  g_free (check);
}

void
_syncobj_http_probe_send_failed (GTask                  *task,
                                 SoupMessage            *message,
                                 const GError           *error,
                                 SyncobjHttpProbeResume  resume)
{
  ReachCheck *check;

  if (!_syncobj_http_is_network_error (error))
    {
      g_task_return_error (task, _syncobj_http_network_error (message, error));
      return;
    }
  check = g_new0 (ReachCheck, 1);
  check->task = g_object_ref (task);
  check->uri = g_uri_ref (soup_message_get_uri (message));
  check->error = _syncobj_http_network_error (message, error);
  check->unreachable = _syncobj_http_probe_is_unreachable (error);
  check->resume = resume;
  _syncobj_network_can_reach_async (check->uri, g_task_get_cancellable (task), reach_cb, check);
}

void
_syncobj_http_probe_answered (GUri *uri)
{
  g_autoptr(GPtrArray) held = NULL;
  ProbeServer *server;
  guint timer;

  G_LOCK (probe);
  server = server_for (uri);
  if (!server->unreachable)
    {
      G_UNLOCK (probe);
      return;
    }
  server->unreachable = FALSE;
  g_clear_object (&server->probe);
  held = g_steal_pointer (&server->held);
  server->held = g_ptr_array_new_with_free_func (probe_held_free);
  timer = server->timer;
  server->timer = 0;
  G_UNLOCK (probe);

  if (timer != 0)
    _syncobj_scheduler_remove (_syncobj_scheduler_get_default (), timer);
  _syncobj_scheduler_set_reachable (_syncobj_scheduler_get_default (), server->origin, TRUE);

  /* Everything held resumes at once, in the order it came. */
  for (guint i = 0; i < held->len; i++)
    {
      ProbeHeld *one = g_ptr_array_index (held, i);

      if (one->cancelled_handler != 0)
        g_cancellable_disconnect (one->cancellable, one->cancelled_handler);
      one->cancelled_handler = 0;
      if (!g_task_return_error_if_cancelled (one->task))
        one->resume (one->task);
    }
}

guint
_syncobj_http_probe_get_n_held (GUri *uri)
{
  guint n;

  G_LOCK (probe);
  n = server_for (uri)->held->len;
  G_UNLOCK (probe);
  return n;
}
