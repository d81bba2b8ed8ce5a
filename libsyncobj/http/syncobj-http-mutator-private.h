/* syncobj-http-mutator-private.h: what a SyncobjHttpMutator holds, for
 * its files: syncobj-http-mutator.c (persisting, the API),
 * syncobj-http-mutator-request.c (the requests it sends),
 * syncobj-http-mutator-answer.c (reading their answers),
 * syncobj-http-mutator-conflict.c (conflicts),
 * syncobj-http-mutator-keys.c (keys the server creates) and
 * syncobj-http-mutator-await.c (waiting for the echo)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-http-auth-private.h"
#include "syncobj-http-echo-private.h"
#include "syncobj-http-request-private.h"

G_BEGIN_DECLS

struct _SyncobjHttpMutator
{
  SyncobjMutator      parent_instance;

  char               *base_uri;       /* without a trailing slash */
  char               *batch_uri;
  char               *update_method;
  guint               sync_timeout_ms;
  guint               timeout_ms;
  gboolean            await_echo;
  SyncobjHttpHeaders  headers;
  SyncobjHttpLimits   limits;
  SyncobjHttpAuthGate auth;
  SoupSession        *session;
};

/* What the mutator remembers about a transaction between persist and
 * await_sync (qdata on the transaction). */
typedef struct
{
  SyncobjHttpEchoWatch *watch;      /* with an HTTP sync */
  GHashTable           *no_echo;    /* mutation ids that will not be echoed */
  gulong                state_handler;
} EchoInfo;

/* The EchoInfo of @transaction, made on first use. */
EchoInfo           *_syncobj_http_mutator_echo_info         (SyncobjTransaction      *transaction);

/* ---- syncobj-http-mutator-request.c ------------------------------------------- */

/* `<transaction id>-<mutation id>`: the Idempotency-Key of @mutation. */
char               *_syncobj_http_mutator_idempotency_key   (SyncobjTransaction      *transaction,
                                                             SyncobjPendingMutation  *mutation);
/* The mutator whose URIs serve @mutation: its collection's, when that is
 * an HTTP mutator, else @self. */
SyncobjHttpMutator *_syncobj_http_mutator_target            (SyncobjHttpMutator      *self,
                                                             SyncobjPendingMutation  *mutation);
/* Whether @mutation inserts a record under a temporary key, whose key the
 * server's answer brings. */
gboolean            _syncobj_http_mutator_is_temporary_insert (SyncobjPendingMutation *mutation);
/* The request of one mutation: POST, PATCH/PUT or DELETE. */
SoupMessage        *_syncobj_http_mutator_request           (SyncobjHttpMutator      *self,
                                                             SyncobjTransaction      *transaction,
                                                             SyncobjPendingMutation  *mutation,
                                                             GError                 **error);
/* The POST of all @mutations to the batch URI. */
SoupMessage        *_syncobj_http_mutator_batch_request     (SyncobjHttpMutator      *self,
                                                             SyncobjTransaction      *transaction,
                                                             GPtrArray               *mutations,
                                                             GError                 **error);
/* @message again, sent to @target, as a 307 or 308 asks. */
SoupMessage        *_syncobj_http_mutator_redirected_request (SoupMessage            *message,
                                                              GUri                   *target);

/* ---- syncobj-http-mutator-answer.c -------------------------------------------- */

/* The JSON object @body holds, or NULL. */
JsonObject         *_syncobj_http_mutator_answer_object     (GBytes                  *body);
/* Turns the answer to @message (the request of @mutation, NULL for a
 * batch) into success or an error; @not_found is set for a delete
 * answered 404 (success). A 409 or 412 with the record of @mutation's key
 * in its body is a conflict (SYNCOBJ_ERROR_CONFLICT) reported to the
 * transaction. */
gboolean            _syncobj_http_mutator_check_response    (SyncobjTransaction      *transaction,
                                                             SyncobjPendingMutation  *mutation,
                                                             SoupMessage             *message,
                                                             GBytes                  *body,
                                                             gboolean                *not_found,
                                                             GError                 **error);

/* ---- syncobj-http-mutator-conflict.c ------------------------------------------ */

/* Whether @message was answered 409 or 412. */
gboolean            _syncobj_http_mutator_is_conflict       (SoupMessage             *message);
/* A 409 or 412 answer to the write of @mutation (NULL for a batch) whose
 * body is the server's record of its key: reports the conflict to
 * @transaction and sets @error (SYNCOBJ_ERROR_CONFLICT). */
gboolean            _syncobj_http_mutator_check_conflict    (SyncobjTransaction      *transaction,
                                                             SyncobjPendingMutation  *mutation,
                                                             SoupMessage             *message,
                                                             GBytes                  *body,
                                                             GError                 **error);
/* Whether the answer to the write of @mutation is a 409 or 412 without
 * its record, which _syncobj_http_mutator_fetch_conflict_async() reads. */
gboolean            _syncobj_http_mutator_conflict_needs_record (SyncobjPendingMutation *mutation,
                                                                 SoupMessage            *message,
                                                                 GBytes                 *body);
/* GETs the record of @mutation's key after @write was refused (409 or
 * 412, answered @write_body) without it. Always fails: with
 * SYNCOBJ_ERROR_CONFLICT once the record (or its absence: 404, 410) is
 * reported to @transaction, else with the refusal and why the record
 * could not be read (retriable unless the GET answered without it). */
void                _syncobj_http_mutator_fetch_conflict_async  (SyncobjHttpMutator     *self,
                                                                 SyncobjTransaction     *transaction,
                                                                 SyncobjPendingMutation *mutation,
                                                                 SoupMessage            *write,
                                                                 GBytes                 *write_body,
                                                                 GCancellable           *cancellable,
                                                                 GAsyncReadyCallback     callback,
                                                                 gpointer                user_data);
gboolean            _syncobj_http_mutator_fetch_conflict_finish (GAsyncResult           *result,
                                                                 GError                **error);

/* ---- syncobj-http-mutator-keys.c ---------------------------------------------- */

/* The key the answer to @mutation (an insert under a temporary key)
 * brings: the record takes it in place. */
gboolean            _syncobj_http_mutator_take_created_key  (SyncobjHttpMutator      *self,
                                                             SyncobjTransaction      *transaction,
                                                             SyncobjPendingMutation  *mutation,
                                                             SoupMessage             *message,
                                                             JsonObject              *answer,
                                                             EchoInfo                *info,
                                                             GError                 **error);
/* The keys a batch answer brings for its temporary inserts. */
gboolean            _syncobj_http_mutator_take_batch_created_keys (SyncobjHttpMutator  *self,
                                                                   SyncobjTransaction  *transaction,
                                                                   GPtrArray           *mutations,
                                                                   SoupMessage         *message,
                                                                   GBytes              *body,
                                                                   GError             **error);

/* ---- syncobj-http-mutator-await.c --------------------------------------------- */

/* SyncobjMutatorClass.await_sync_async. */
void                _syncobj_http_mutator_await_sync_async  (SyncobjMutator          *mutator,
                                                             SyncobjTransaction      *transaction,
                                                             SyncobjSync             *sync,
                                                             GCancellable            *cancellable,
                                                             GAsyncReadyCallback      callback,
                                                             gpointer                 user_data);

G_END_DECLS
