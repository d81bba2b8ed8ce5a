/* syncobj-auth-request.h: a backend asks the application for credentials
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SYNCOBJ_INSIDE__) && !defined(SYNCOBJ_COMPILATION)
#error "Only <syncobj.h> can be included directly."
#endif

#include <glib-object.h>
#include "syncobj-version-macros.h"

G_BEGIN_DECLS

#define SYNCOBJ_TYPE_AUTH_REQUEST (syncobj_auth_request_get_type ())
SYNCOBJ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SyncobjAuthRequest, syncobj_auth_request, SYNCOBJ, AUTH_REQUEST, GObject)

SYNCOBJ_AVAILABLE_IN_ALL
const char *syncobj_auth_request_get_uri        (SyncobjAuthRequest *self);
SYNCOBJ_AVAILABLE_IN_ALL
guint       syncobj_auth_request_get_http_status (SyncobjAuthRequest *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean    syncobj_auth_request_is_done        (SyncobjAuthRequest *self);
SYNCOBJ_AVAILABLE_IN_ALL
void        syncobj_auth_request_set_credential (SyncobjAuthRequest *self,
                                                 const char         *authorization);
SYNCOBJ_AVAILABLE_IN_ALL
void        syncobj_auth_request_cancel         (SyncobjAuthRequest *self);

G_END_DECLS
