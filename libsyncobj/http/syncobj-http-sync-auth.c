/* syncobj-http-sync-auth.c: a SyncobjHttpSync refused for want of
 * credentials waits for them, through the auth gate that
 * SyncobjHttpMutator uses too (syncobj-http-auth.c)
 *
 * A 401 (or a 403 with auth-on-forbidden) to the snapshot, a poll, a GET
 * of the changes since the cursor or the WebSocket handshake pauses the
 * sync: needs-auth, ::auth-required, and no reconnect while it waits. A
 * credential sends the refused request again, from the same state: a GET
 * on the same connection with the same cursor and validator, a handshake
 * with the same ?since=. A cancelled auth request leaves the sync paused,
 * with an error saying so, until syncobj_http_sync_reconnect().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-http-sync-private.h"

typedef struct
{
  SyncobjHttpSyncResend  resend;
  char                  *uri;       /* what was refused */
  guint                  status;
} HeldSync;

static void
held_sync_free (gpointer data)
{
  HeldSync *held = data;

  g_free (held->uri);
  g_free (held);
}

static void
sync_auth_resume (GTask    *task,
                  gboolean  credential)
{
  SyncobjHttpSync *self = g_task_get_source_object (task);
  HeldSync *held = g_task_get_task_data (task);

  g_task_return_boolean (task, credential);
  if (!self->running)
    return;
  if (!credential)
    {
      g_autoptr(GError) error = NULL;

      error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
                           _("%s refused the sync with status %u and no credentials were given; "
                             "the sync is paused until it reconnects"),
                           held->uri != NULL ? held->uri : self->uri, held->status);
      _syncobj_http_sync_pause (self, error);
      return;
    }
  if (held->resend == SYNCOBJ_HTTP_SYNC_RESEND_SNAPSHOT)
    _syncobj_http_sync_fetch_snapshot (self);
  else
    _syncobj_http_sync_connect (self);
}

static void
hold (SyncobjHttpSync       *self,
      SoupMessage           *message,
      SyncobjHttpSyncResend  resend)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, NULL, NULL);
  HeldSync *held = g_new0 (HeldSync, 1);

  g_task_set_source_tag (task, hold);
  held->resend = resend;
  /* What the application is asked about: this refusal, or an earlier one.
   * Known before the signal, whose handler may answer at once. */
  if (message != NULL)
    {
      held->uri = g_uri_to_string (soup_message_get_uri (message));
      held->status = soup_message_get_status (message);
    }
  else if (self->auth.request != NULL)
    {
      held->uri = g_strdup (syncobj_auth_request_get_uri (self->auth.request));
      held->status = syncobj_auth_request_get_http_status (self->auth.request);
    }
  g_task_set_task_data (task, held, held_sync_free);
  _syncobj_http_auth_gate_hold (&self->auth, task, message, sync_auth_resume);
}

gboolean
_syncobj_http_sync_auth_refused (SyncobjHttpSync       *self,
                                 SoupMessage           *message,
                                 SyncobjHttpSyncResend  resend)
{
  if (!_syncobj_http_auth_gate_refused (&self->auth, message))
    return FALSE;
  hold (self, message, resend);
  return TRUE;
}

gboolean
_syncobj_http_sync_auth_wait (SyncobjHttpSync       *self,
                              SyncobjHttpSyncResend  resend)
{
  if (!_syncobj_http_auth_gate_needs_auth (&self->auth))
    return FALSE;
  hold (self, NULL, resend);
  return TRUE;
}

/* ---- public API ------------------------------------------------------------------ */

/**
 * syncobj_http_sync_set_header:
 * @self: a sync
 * @name: a header name
 * @value: (nullable): its value, or %NULL to stop sending it
 *
 * Adds a header to every request, the WebSocket handshake included.
 */
void
syncobj_http_sync_set_header (SyncobjHttpSync *self,
                              const char      *name,
                              const char      *value)
{
  g_return_if_fail (SYNCOBJ_IS_HTTP_SYNC (self));
  g_return_if_fail (name != NULL);

  _syncobj_http_headers_set (&self->headers, name, value);
}

/**
 * syncobj_http_sync_set_auth_func:
 * @self: a sync
 * @func: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   called before each request for its `Authorization` header
 * @user_data: closure data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Sets the callback that authorizes requests, called before every request
 * (snapshots, polls, WebSocket handshakes). Once the application gave a
 * credential to a [class@Syncobj.AuthRequest] of the sync, that credential
 * is sent instead.
 */
void
syncobj_http_sync_set_auth_func (SyncobjHttpSync     *self,
                                 SyncobjHttpAuthFunc  func,
                                 gpointer             user_data,
                                 GDestroyNotify       destroy)
{
  g_return_if_fail (SYNCOBJ_IS_HTTP_SYNC (self));

  _syncobj_http_headers_set_auth (&self->headers, func, user_data, destroy);
}

/**
 * syncobj_http_sync_get_needs_auth:
 * @self: a sync
 *
 * Gets [property@Syncobj.HttpSync:needs-auth]: whether the server refused
 * the sync for want of credentials and it waits for the application to
 * give them.
 *
 * Returns: %TRUE while credentials are awaited
 */
gboolean
syncobj_http_sync_get_needs_auth (SyncobjHttpSync *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_HTTP_SYNC (self), FALSE);
  return _syncobj_http_auth_gate_needs_auth (&self->auth);
}

/**
 * syncobj_http_sync_get_auth_on_forbidden:
 * @self: a sync
 *
 * Gets [property@Syncobj.HttpSync:auth-on-forbidden].
 *
 * Returns: whether a 403 answer asks for credentials like a 401
 */
gboolean
syncobj_http_sync_get_auth_on_forbidden (SyncobjHttpSync *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_HTTP_SYNC (self), FALSE);
  return self->auth.auth_on_forbidden;
}

/**
 * syncobj_http_sync_set_auth_on_forbidden:
 * @self: a sync
 * @auth_on_forbidden: whether a 403 answer asks for credentials
 *
 * Sets [property@Syncobj.HttpSync:auth-on-forbidden], for servers that
 * answer an expired token with 403.
 */
void
syncobj_http_sync_set_auth_on_forbidden (SyncobjHttpSync *self,
                                         gboolean         auth_on_forbidden)
{
  g_return_if_fail (SYNCOBJ_IS_HTTP_SYNC (self));

  auth_on_forbidden = !!auth_on_forbidden;
  if (self->auth.auth_on_forbidden == auth_on_forbidden)
    return;
  self->auth.auth_on_forbidden = auth_on_forbidden;
  g_object_notify (G_OBJECT (self), "auth-on-forbidden");
}
