/* syncobj-http-auth-private.h: requests held back while credentials are
 * awaited, as SyncobjHttpMutator and SyncobjHttpSync both do
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-http-request-private.h"
#include "syncobj-auth-request-private.h"

G_BEGIN_DECLS

/* Called for each held request when credentials arrive (@credential TRUE:
 * send it again) or the application has none (FALSE: fail it). */
typedef void (*SyncobjHttpAuthResumeFunc) (GTask    *task,
                                           gboolean  credential);

/* The "needs-auth" state of a mutator or sync (@owner, which has the
 * boolean property @needs_auth_pspec and the signal @signal_id taking a
 * SyncobjAuthRequest): while it is set, every request of @owner waits. */
typedef struct
{
  GObject            *owner;          /* unowned: the gate is its field */
  GParamSpec         *needs_auth_pspec;
  guint               signal_id;
  SyncobjHttpHeaders *headers;        /* where the credential goes */
  SyncobjAuthRequest *request;        /* the one asked, while needs-auth */
  GPtrArray          *waiting;        /* HeldRequest */
  gboolean            auth_on_forbidden;
} SyncobjHttpAuthGate;

void     _syncobj_http_auth_gate_init    (SyncobjHttpAuthGate *gate,
                                          GObject             *owner,
                                          SyncobjHttpHeaders  *headers,
                                          GParamSpec          *needs_auth_pspec,
                                          guint                signal_id);
/* Fails every held request (as cancelled) and forgets the request. */
void     _syncobj_http_auth_gate_clear   (SyncobjHttpAuthGate *gate);
gboolean _syncobj_http_auth_gate_needs_auth (SyncobjHttpAuthGate *gate);
/* Whether the answer to @message asks for credentials: 401, or 403 with
 * auth_on_forbidden. */
gboolean _syncobj_http_auth_gate_refused (SyncobjHttpAuthGate *gate,
                                          SoupMessage         *message);
/* Holds @task until credentials arrive; @message was refused (NULL: held
 * before it was sent, because the gate is closed). The first hold asks the
 * application (the signal), later ones wait for the same answer. When
 * @task's cancellable is cancelled, @task returns G_IO_ERROR_CANCELLED. */
void     _syncobj_http_auth_gate_hold    (SyncobjHttpAuthGate       *gate,
                                          GTask                     *task,
                                          SoupMessage               *message,
                                          SyncobjHttpAuthResumeFunc  resume);
/* The same for a refusal the answer's status does not tell (@status is
 * the one the auth request reports): a CouchDB _bulk_docs answered 201
 * whose documents were each refused as "unauthorized". */
void     _syncobj_http_auth_gate_hold_status (SyncobjHttpAuthGate       *gate,
                                              GTask                     *task,
                                              SoupMessage               *message,
                                              guint                      status,
                                              SyncobjHttpAuthResumeFunc  resume);

G_END_DECLS
