/* syncobj-http-auth.c: requests held back while credentials are awaited
 *
 * A 401 (or a 403, when the application says so) closes the gate of the
 * mutator or sync that got it: the owner's needs-auth becomes TRUE, its
 * auth-required signal hands the application a SyncobjAuthRequest, and
 * every request of the owner waits — the refused ones and those that come
 * after — spending no attempt. A credential opens the gate: it goes into
 * the owner's headers (Authorization from then on) and the held requests
 * are sent again. A cancelled auth request opens it too, failing the held
 * requests, which the retry policy then handles.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-http-auth-private.h"

#include <string.h>

typedef struct
{
  GTask                     *task;
  GCancellable              *cancellable;
  gulong                     cancelled_handler;
  SyncobjHttpAuthResumeFunc  resume;
} HeldRequest;

static void
held_request_free (gpointer data)
{
  HeldRequest *held = data;

  /* Not from within the cancelled handler: it is disconnected first. */
  if (held->cancelled_handler != 0)
    g_cancellable_disconnect (held->cancellable, held->cancelled_handler);
  g_clear_object (&held->cancellable);
  g_clear_object (&held->task);
  g_free (held);
}

void
_syncobj_http_auth_gate_init (SyncobjHttpAuthGate *gate,
                              GObject             *owner,
                              SyncobjHttpHeaders  *headers,
                              GParamSpec          *needs_auth_pspec,
                              guint                signal_id)
{
  memset (gate, 0, sizeof *gate);
  gate->owner = owner;
  gate->headers = headers;
  gate->needs_auth_pspec = needs_auth_pspec;
  gate->signal_id = signal_id;
  gate->waiting = g_ptr_array_new_with_free_func (held_request_free);
}

gboolean
_syncobj_http_auth_gate_needs_auth (SyncobjHttpAuthGate *gate)
{
  return gate->request != NULL;
}

gboolean
_syncobj_http_auth_gate_refused (SyncobjHttpAuthGate *gate,
                                 SoupMessage         *message)
{
  guint status = soup_message_get_status (message);

  return status == SOUP_STATUS_UNAUTHORIZED || (status == SOUP_STATUS_FORBIDDEN && gate->auth_on_forbidden);
}

/* Opens the gate: each held request is resumed (or failed) once. */
static void
gate_open (SyncobjHttpAuthGate *gate,
           gboolean             credential)
{
  g_autoptr(GPtrArray) waiting = g_steal_pointer (&gate->waiting);
  g_autoptr(GObject) owner = g_object_ref (gate->owner);

  gate->waiting = g_ptr_array_new_with_free_func (held_request_free);
  g_clear_object (&gate->request);
  g_object_notify_by_pspec (owner, gate->needs_auth_pspec);

  for (guint i = 0; i < waiting->len; i++)
    {
      HeldRequest *held = g_ptr_array_index (waiting, i);

      g_cancellable_disconnect (held->cancellable, held->cancelled_handler);
      held->cancelled_handler = 0;
      if (!g_task_return_error_if_cancelled (held->task))
        held->resume (held->task, credential);
    }
}

static void
auth_done_cb (SyncobjAuthRequest *request,
              const char         *authorization,
              gpointer            user_data)
{
  SyncobjHttpAuthGate *gate = user_data;

  if (gate->request != request)
    return;
  if (authorization != NULL)
    _syncobj_http_headers_set_credential (gate->headers, authorization);
  gate_open (gate, authorization != NULL);
}

void
_syncobj_http_auth_gate_clear (SyncobjHttpAuthGate *gate)
{
  if (gate->request != NULL)
    _syncobj_auth_request_abandon (gate->request);
  g_clear_object (&gate->request);
  g_clear_pointer (&gate->waiting, g_ptr_array_unref);
}

static gboolean
held_cancelled_idle (gpointer data)
{
  GTask *task = data;

  g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
}

/* The request's cancellable fired: it stops waiting. Runs in the thread
 * that cancelled; the task returns from an idle of its own context. */
static void
held_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  SyncobjHttpAuthGate *gate = user_data;

  for (guint i = 0; gate->waiting != NULL && i < gate->waiting->len; i++)
    {
      HeldRequest *held = g_ptr_array_index (gate->waiting, i);

      if (held->cancellable != cancellable)
        continue;
      /* Disconnecting from within the handler would deadlock. */
      held->cancelled_handler = 0;
      g_main_context_invoke_full (g_task_get_context (held->task), G_PRIORITY_DEFAULT,
                                  held_cancelled_idle, g_object_ref (held->task), g_object_unref);
      g_ptr_array_remove_index (gate->waiting, i);
      return;
    }
}

void
_syncobj_http_auth_gate_hold (SyncobjHttpAuthGate       *gate,
                              GTask                     *task,
                              SoupMessage               *message,
                              SyncobjHttpAuthResumeFunc  resume)
{
  _syncobj_http_auth_gate_hold_status (gate, task, message,
                                       message != NULL ? soup_message_get_status (message) : 0, resume);
}

void
_syncobj_http_auth_gate_hold_status (SyncobjHttpAuthGate       *gate,
                                     GTask                     *task,
                                     SoupMessage               *message,
                                     guint                      status,
                                     SyncobjHttpAuthResumeFunc  resume)
{
  GCancellable *cancellable = g_task_get_cancellable (task);
  const char *sent = message != NULL ?
    soup_message_headers_get_one (soup_message_get_request_headers (message), "Authorization") : NULL;
  HeldRequest *held;

  if (g_task_return_error_if_cancelled (task))
    return;
  /* Refused with a credential older than the one given meanwhile: the
   * application has answered already. */
  if (message != NULL && gate->request == NULL && gate->headers->credential != NULL &&
      g_strcmp0 (sent, gate->headers->credential) != 0)
    {
      resume (task, TRUE);
      return;
    }

  held = g_new0 (HeldRequest, 1);
  held->task = g_object_ref (task);
  held->resume = resume;
  held->cancellable = cancellable != NULL ? g_object_ref (cancellable) : g_cancellable_new ();
  g_ptr_array_add (gate->waiting, held);
  held->cancelled_handler = g_cancellable_connect (held->cancellable, G_CALLBACK (held_cancelled_cb), gate, NULL);

  if (gate->request == NULL)
    {
      g_autofree char *uri = message != NULL ? g_uri_to_string (soup_message_get_uri (message)) : NULL;
      g_autoptr(SyncobjAuthRequest) request = NULL;

      request = _syncobj_auth_request_new (uri, status, auth_done_cb, gate);
      gate->request = g_object_ref (request);
      /* Nothing else opens the gate: without a handler the requests
       * would wait for ever, and nothing would say why. */
      if (!g_signal_has_handler_pending (gate->owner, gate->signal_id, 0, FALSE))
        g_message ("%s: %s was refused with status %u and nothing is connected to its "
                   "::auth-required signal; its requests wait until a handler gives a "
                   "credential (syncobj_auth_request_set_credential())",
                   G_OBJECT_TYPE_NAME (gate->owner), uri != NULL ? uri : "a request", status);
      g_object_notify_by_pspec (gate->owner, gate->needs_auth_pspec);
      g_signal_emit (gate->owner, gate->signal_id, 0, request);
    }
}
