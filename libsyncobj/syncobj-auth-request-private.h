/* syncobj-auth-request-private.h: how a backend makes an auth request and
 * hears its answer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-private.h"

G_BEGIN_DECLS

/* Called once, with the credential (an Authorization value) or NULL when
 * the application cancelled the request. */
typedef void (*SyncobjAuthDoneFunc) (SyncobjAuthRequest *request,
                                     const char         *authorization,
                                     gpointer            user_data);

/* A request for credentials for @uri, refused with @http_status. @func is
 * called at most once; @user_data is not referenced (see
 * _syncobj_auth_request_abandon()). */
SyncobjAuthRequest *_syncobj_auth_request_new     (const char          *uri,
                                                   guint                http_status,
                                                   SyncobjAuthDoneFunc  func,
                                                   gpointer             user_data);
/* The backend no longer listens (it was finalized, or a credential came
 * another way): the request is done, and @func is never called. */
void                _syncobj_auth_request_abandon (SyncobjAuthRequest  *self);

G_END_DECLS
