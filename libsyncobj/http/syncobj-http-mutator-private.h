/* syncobj-http-mutator-private.h: what a SyncobjHttpMutator holds, for
 * its files: syncobj-http-mutator.c (persisting, the API),
 * syncobj-http-mutator-request.c (the requests it sends),
 * syncobj-http-mutator-answer.c (reading their answers),
 * syncobj-http-mutator-conflict.c (conflicts),
 * syncobj-http-mutator-versions.c (the versions sent as preconditions),
 * syncobj-http-mutator-keys.c (keys the server creates) and
 * syncobj-http-mutator-await.c (waiting for the echo)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-http-auth-private.h"
#include "syncobj-http-echo-private.h"
#include "syncobj-http-probe-private.h"
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
  GHashTable         *etags;          /* key → the record's last ETag; NULL
                                       * until one is seen */
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

/* ---- syncobj-http-mutator-replay.c -------------------------------------------- */

/* Whether the refusal @message of the insert @mutation, sent again, may
 * mean that the server applied it before: checked with a GET of the item. */
gboolean            _syncobj_http_mutator_replay_needs_check   (SyncobjTransaction     *transaction,
                                                                SyncobjPendingMutation *mutation,
                                                                SoupMessage            *message);
/* TRUE when the server holds the record as @mutation inserted it; else
 * the error of the refusal @write. */
void                _syncobj_http_mutator_replay_check_async   (SyncobjHttpMutator     *self,
                                                                SyncobjTransaction     *transaction,
                                                                SyncobjPendingMutation *mutation,
                                                                SoupMessage            *write,
                                                                GBytes                 *write_body,
                                                                GCancellable           *cancellable,
                                                                GAsyncReadyCallback     callback,
                                                                gpointer                user_data);
gboolean            _syncobj_http_mutator_replay_check_finish  (GAsyncResult           *result,
                                                                GError                **error);

/* ---- reading an item back after a refused write (syncobj-http-mutator-conflict.c) */

/* What a GET of a mutation's item after its write was refused keeps: the
 * conflict fetch and the check of an insert sent again both read the item
 * back. The data of their GTask. */
typedef struct
{
  SyncobjTransaction     *transaction;
  SyncobjPendingMutation *mutation;
  SoupMessage            *write;       /* the refused write */
  GBytes                 *write_body;  /* its answer, or NULL */
  SoupMessage            *get;         /* the GET of the item, once made */
} SyncobjHttpReadBack;

/* A task of @self (tagged @source_tag) whose data is a read-back of
 * @mutation's item after @write, answered @write_body, was refused. */
GTask              *_syncobj_http_read_back_task_new           (SyncobjHttpMutator     *self,
                                                                SyncobjTransaction     *transaction,
                                                                SyncobjPendingMutation *mutation,
                                                                SoupMessage            *write,
                                                                GBytes                 *write_body,
                                                                GCancellable           *cancellable,
                                                                GAsyncReadyCallback     callback,
                                                                gpointer                user_data,
                                                                gpointer                source_tag);
/* Sends the GET of the item of @task's read-back (the target's item URI,
 * with the mutator's headers) to @read_cb, with a new reference to @task
 * as its data. FALSE, sending nothing, when the item's URI is not valid:
 * then *@item_uri holds it (free it). */
gboolean            _syncobj_http_read_back_send               (GTask                  *task,
                                                                GAsyncReadyCallback     read_cb,
                                                                char                  **item_uri);

/* ---- syncobj-http-mutator-conflict.c ------------------------------------------ */

typedef enum
{
  SYNCOBJ_HTTP_CONFLICT_NONE,          /* no conflict: a refusal, if anything */
  SYNCOBJ_HTTP_CONFLICT_REPORTED,      /* reported with the answer's record */
  SYNCOBJ_HTTP_CONFLICT_NEEDS_RECORD,  /* _syncobj_http_mutator_fetch_conflict_async() */
} SyncobjHttpConflict;

/* Whether the answer to @message, the write of @current or (NULL) the
 * batch of @mutations, is a conflict (409 or 412, or 404 or 410 to the
 * write of an update: the record deleted): reported to @transaction with
 * the record the answer brings (@error is then set, a
 * SYNCOBJ_ERROR_CONFLICT), or whose record must be read. @conflicted is
 * the mutation that conflicted. */
SyncobjHttpConflict _syncobj_http_mutator_take_conflict     (SyncobjHttpMutator      *self,
                                                             SyncobjTransaction      *transaction,
                                                             SyncobjPendingMutation  *current,
                                                             GPtrArray               *mutations,
                                                             SoupMessage             *message,
                                                             GBytes                  *body,
                                                             SyncobjPendingMutation **conflicted,
                                                             GError                 **error);
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

/* ---- syncobj-http-mutator-versions.c ------------------------------------------ */

/* Keeps the ETag of @message's answer as the version of @mutation's
 * record (none: forgets it). */
void                _syncobj_http_mutator_remember_etag     (SyncobjHttpMutator      *self,
                                                             SyncobjPendingMutation  *mutation,
                                                             SoupMessage             *message);
void                _syncobj_http_mutator_forget_etag       (SyncobjHttpMutator      *self,
                                                             SyncobjPendingMutation  *mutation);
/* The precondition of @mutation, an entity tag for If-Match: the version
 * member of its original value, or the record's ETag; NULL for none. */
char               *_syncobj_http_mutator_if_match          (SyncobjHttpMutator      *self,
                                                             SyncobjPendingMutation  *mutation);

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
