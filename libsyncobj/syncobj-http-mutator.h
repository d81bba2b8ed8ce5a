/* syncobj-http-mutator.h: a mutator for REST/JSON APIs over HTTP
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SYNCOBJ_INSIDE__) && !defined(SYNCOBJ_COMPILATION)
#error "Only <syncobj.h> can be included directly."
#endif

#include <gio/gio.h>
#include "syncobj-mutator.h"
#include "syncobj-version-macros.h"

G_BEGIN_DECLS

/**
 * SyncobjHttpAuthFunc:
 * @method: the HTTP method of the request about to be sent
 * @uri: the URI of the request
 * @user_data: closure data
 *
 * Called before each request to get the value of its `Authorization`
 * header, for instance a freshly refreshed bearer token.
 *
 * Returns: (transfer full) (nullable): the header value, or %NULL to send
 *   none
 */
typedef char *(*SyncobjHttpAuthFunc) (const char *method,
                                      const char *uri,
                                      gpointer    user_data);

#define SYNCOBJ_TYPE_HTTP_MUTATOR (syncobj_http_mutator_get_type ())
SYNCOBJ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SyncobjHttpMutator, syncobj_http_mutator, SYNCOBJ, HTTP_MUTATOR, SyncobjMutator)

SYNCOBJ_AVAILABLE_IN_ALL
SyncobjHttpMutator *syncobj_http_mutator_new               (const char          *base_uri);
SYNCOBJ_AVAILABLE_IN_ALL
const char         *syncobj_http_mutator_get_base_uri      (SyncobjHttpMutator  *self);
SYNCOBJ_AVAILABLE_IN_ALL
const char         *syncobj_http_mutator_get_batch_uri     (SyncobjHttpMutator  *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_http_mutator_set_batch_uri     (SyncobjHttpMutator  *self,
                                                            const char          *batch_uri);
SYNCOBJ_AVAILABLE_IN_ALL
const char         *syncobj_http_mutator_get_update_method (SyncobjHttpMutator  *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_http_mutator_set_update_method (SyncobjHttpMutator  *self,
                                                            const char          *method);
SYNCOBJ_AVAILABLE_IN_ALL
guint               syncobj_http_mutator_get_sync_timeout  (SyncobjHttpMutator  *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_http_mutator_set_sync_timeout  (SyncobjHttpMutator  *self,
                                                            guint                timeout_ms);
SYNCOBJ_AVAILABLE_IN_ALL
guint               syncobj_http_mutator_get_timeout       (SyncobjHttpMutator  *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_http_mutator_set_timeout       (SyncobjHttpMutator  *self,
                                                            guint                timeout_ms);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean            syncobj_http_mutator_get_await_echo    (SyncobjHttpMutator  *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_http_mutator_set_await_echo    (SyncobjHttpMutator  *self,
                                                            gboolean             await_echo);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_http_mutator_set_header        (SyncobjHttpMutator  *self,
                                                            const char          *name,
                                                            const char          *value);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_http_mutator_set_auth_func     (SyncobjHttpMutator  *self,
                                                            SyncobjHttpAuthFunc  func,
                                                            gpointer             user_data,
                                                            GDestroyNotify       destroy);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean            syncobj_http_mutator_get_needs_auth    (SyncobjHttpMutator  *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean            syncobj_http_mutator_get_auth_on_forbidden (SyncobjHttpMutator *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_http_mutator_set_auth_on_forbidden (SyncobjHttpMutator *self,
                                                                gboolean            auth_on_forbidden);

G_END_DECLS
