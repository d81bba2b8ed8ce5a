/* syncobj-couch-session-private.h: CouchDB cookie sessions, for
 * SyncobjCouchSync and SyncobjCouchMutator alike
 * (syncobj-couch-session.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "http/syncobj-http-request-private.h"

G_BEGIN_DECLS

/* Gives @session a cookie jar, where the AuthSession cookie goes. */
void     _syncobj_couch_session_init         (SoupSession         *session);
/* Exchanges the Basic credential of @headers (given through a
 * SyncobjAuthRequest) for an AuthSession cookie: POST <server>/_session
 * with the name and password, then forgets the credential, so that later
 * requests carry the cookie alone. Finishes FALSE, with an error naming
 * the server's answer, when the login fails; TRUE without a Basic
 * credential (nothing to exchange). */
void     _syncobj_couch_session_login_async  (SoupSession         *session,
                                              const char          *database_uri,
                                              SyncobjHttpHeaders  *headers,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean _syncobj_couch_session_login_finish (GAsyncResult        *result,
                                              GError             **error);

G_END_DECLS
