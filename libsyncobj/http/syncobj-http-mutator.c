/* syncobj-http-mutator.c: a mutator for REST/JSON APIs over HTTP
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-http-mutator-private.h"
#include "syncobj-transaction-private.h"
#include "syncobj-collection-private.h"
#include "syncobj-attempt-private.h"
#include "syncobj-json-util-private.h"
#include "syncobj-mutator-private.h"
#include "syncobj-http-probe-private.h"

#include <string.h>

/**
 * SyncobjHttpMutator:
 *
 * A [class@Syncobj.Mutator] that persists transactions to a REST/JSON API
 * with libsoup 3.
 *
 * Each mutation of a transaction becomes one request, sent in order:
 *
 * - an insert is `POST <base-uri>` with the record as body (answered with
 *   201 or 200, with the created object or no body); an insert under a
 *   temporary key (see [property@Syncobj.Collection:key-source]) is sent
 *   without a key, and the answer must bring the server's key: the body
 *   holding the key member, or a `Location` below
 *   [property@Syncobj.HttpMutator:base-uri] whose last segment is the key; without one the insert fails with
 *   %SYNCOBJ_ERROR_NON_RETRIABLE;
 * - an update is `PATCH <base-uri>/<key>` with the changed members as body,
 *   or, when [property@Syncobj.HttpMutator:update-method] is `PUT`,
 *   `PUT <base-uri>/<key>` with the whole record; a record deleted and
 *   inserted again in one transaction (an update that replaces it) is
 *   always a `PUT`;
 * - a delete is `DELETE <base-uri>/<key>`; a 404 answer counts as done.
 *
 * With [property@Syncobj.HttpMutator:batch-uri] set, the whole transaction
 * is one `POST` of a JSON array of mutations instead, each
 * `{"type", "key", "value" | "changes", "collection", "idempotency_key"}`,
 * so that a server can apply it all or nothing; an update that replaces
 * the record carries `"replace": true` and the whole record as `"value"`.
 *
 * Every request carries `Content-Type: application/json` and
 * `Idempotency-Key: <transaction id>-<mutation id>` (the transaction id
 * alone for a batch): a retried request has the same key, so a server that
 * deduplicates applies it once even when an answer was lost. An insert
 * under the application's key that is sent again and refused (by a server
 * that applied it the first time but does not deduplicate) counts as
 * applied when a `GET` of the item shows every member it sent.
 *
 * Without a batch, a transaction of several mutations is not atomic on the
 * server: each request is applied on its own. Each mutation whose request
 * succeeded is marked applied as its answer arrives (see
 * [method@Syncobj.PersistJob.mark_applied]): when a later request fails
 * for good, the transaction fails, the changes the server applied stay
 * (they are synced state, which the sync's echo confirms) and only the
 * others roll back; the error names both. A failed attempt is retried
 * from the first mutation the server has not applied.
 *
 * Answers 400–499, except 408 and 429, fail the transaction at once with
 * %SYNCOBJ_ERROR_NON_RETRIABLE, naming the method, URI, status and the
 * server's reason. The status and body of every error answer stay with
 * the attempt ([method@Syncobj.Attempt.get_http_status],
 * [method@Syncobj.Attempt.get_response_body]). 5xx, 408, 429 and network errors fail the attempt with
 * %SYNCOBJ_ERROR_HTTP and are retried; a `Retry-After` header (seconds or
 * an HTTP date) sets the delay before the next attempt, up to the retry
 * policy's [property@Syncobj.RetryPolicy:max-delay]. When a request
 * fails because the host cannot be reached and `GNetworkMonitor` agrees,
 * no attempt is spent: retries wait until the network comes back.
 *
 * A 2xx answer counts as success only when its body can be the API's:
 * empty (204, or 200 without a body), JSON that parses, or another type
 * that is not a page (`text/plain` "OK"). An HTML page (`text/html`, or
 * a body starting with `<` and no `Content-Type`) is what a captive
 * portal or a proxy's login answers without passing the request on, and
 * JSON that does not parse is an answer cut short: both fail the attempt
 * with %SYNCOBJ_ERROR_HTTP, naming method, URI and what was wrong (never
 * the page itself), and are retried. The retry is safe even when the
 * server did apply the change: it carries the same `Idempotency-Key`. An
 * error status with an HTML page gives the status' reason phrase as the
 * server's reason.
 *
 * Answers are bounded: at most [property@Syncobj.HttpMutator:max-body-size]
 * bytes once decoded, starting within [property@Syncobj.HttpMutator:timeout]
 * and coming at [property@Syncobj.HttpMutator:min-transfer-rate] or faster;
 * past a limit the attempt fails and is retried.
 *
 * A 401 answer (and a 403 with
 * [property@Syncobj.HttpMutator:auth-on-forbidden]) is no failure: the
 * mutator enters [property@Syncobj.HttpMutator:needs-auth] and emits
 * [signal@Syncobj.HttpMutator::auth-required] with a
 * [class@Syncobj.AuthRequest]. Every request of the mutator then waits,
 * spending no attempt and rolling nothing back, until the application
 * gives a credential ([method@Syncobj.AuthRequest.set_credential]): the
 * waiting requests are sent again with it, as is every later one. A
 * cancelled auth request fails the waiting attempts, which are retried
 * as the retry policy says (and ask again).
 *
 * TLS certificates are checked as libsoup does by default; a certificate
 * error is an error, never silently accepted.
 *
 * After a successful persist, when the collection's sync is a
 * [class@Syncobj.HttpSync] (or [property@Syncobj.HttpMutator:await-echo] is
 * set), the transaction waits for the echo of its changes, up to
 * [property@Syncobj.HttpMutator:sync-timeout].
 */

G_DEFINE_FINAL_TYPE (SyncobjHttpMutator, syncobj_http_mutator, SYNCOBJ_TYPE_MUTATOR)

enum {
  PROP_0,
  PROP_BASE_URI,
  PROP_BATCH_URI,
  PROP_UPDATE_METHOD,
  PROP_SYNC_TIMEOUT,
  PROP_TIMEOUT,
  PROP_AWAIT_ECHO,
  PROP_MAX_BODY_SIZE,       /* then PROP_MIN_TRANSFER_RATE (see syncobj-http-request.c) */
  PROP_MIN_TRANSFER_RATE,
  PROP_NEEDS_AUTH,
  PROP_AUTH_ON_FORBIDDEN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  AUTH_REQUIRED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

#define DEFAULT_SYNC_TIMEOUT_MS 30000

/* ---- persisting ------------------------------------------------------------------ */

typedef struct
{
  SyncobjTransaction *transaction;
  GPtrArray          *mutations;    /* SyncobjPendingMutation */
  guint               next;
  SoupMessage        *message;      /* the request in flight */
  SyncobjPendingMutation *current;  /* its mutation; NULL for a batch */
  GError             *auth_error;   /* the refusal, while credentials are awaited */
  guint               auth_status;  /* its status and body */
  GBytes             *auth_body;
  guint               redirects;    /* 307/308 followed for this request */
} PersistRun;

/* How many 307/308 redirects one write follows before it fails. */
#define MAX_WRITE_REDIRECTS 5

static void
persist_run_free (gpointer data)
{
  PersistRun *run = data;

  g_clear_object (&run->transaction);
  g_clear_pointer (&run->mutations, g_ptr_array_unref);
  g_clear_object (&run->message);
  g_clear_error (&run->auth_error);
  g_clear_pointer (&run->auth_body, g_bytes_unref);
  g_free (run);
}

static void persist_next (GTask *task);
static void persist_sent_cb (GObject *source, GAsyncResult *result, gpointer user_data);

/* Credentials arrived (send the request again) or will not (the refusal
 * fails the attempt). */
static void
persist_auth_resume (GTask    *task,
                     gboolean  credential)
{
  PersistRun *run = g_task_get_task_data (task);

  if (credential)
    {
      g_clear_error (&run->auth_error);
      g_clear_pointer (&run->auth_body, g_bytes_unref);
      persist_next (task);
      return;
    }
  if (run->auth_error == NULL)
    run->auth_error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
                                   _("No credentials were given for transaction %s"),
                                   syncobj_transaction_get_id (run->transaction));
  else
    _syncobj_attempt_record_http_answer (run->transaction, run->auth_status, run->auth_body);
  g_task_return_error (task, g_steal_pointer (&run->auth_error));
}

/* The request of @run was refused for want of credentials: it waits for
 * them, to be sent again from the same mutation on. */
static void
persist_hold_for_auth (GTask      *task,
                       PersistRun *run,
                       GBytes     *body)
{
  SyncobjHttpMutator *self = g_task_get_source_object (task);
  guint status = soup_message_get_status (run->message);
  g_autofree char *uri = g_uri_to_string (soup_message_get_uri (run->message));
  g_autofree char *reason = _syncobj_http_error_reason (run->message, body);

  g_clear_error (&run->auth_error);
  g_clear_pointer (&run->auth_body, g_bytes_unref);
  run->auth_status = status;
  run->auth_body = body != NULL ? g_bytes_ref (body) : NULL;
  run->auth_error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
                                 _("%s %s was refused with status %u: %s"),
                                 soup_message_get_method (run->message), uri, status, reason);
  run->next = run->current != NULL ? run->next - 1 : 0;
  _syncobj_http_auth_gate_hold (&self->auth, task, run->message, persist_auth_resume);
}

/* Sends @run's request again where a 307 or 308 answer points; FALSE when
 * the answer is no such redirect (_syncobj_http_mutator_check_response()
 * then refuses it). */
static gboolean
follow_redirect (GTask      *task,
                 PersistRun *run)
{
  SyncobjHttpMutator *self = g_task_get_source_object (task);
  guint status = soup_message_get_status (run->message);
  const char *location;
  g_autoptr(GUri) target = NULL;
  SoupMessage *copy;

  if (status != SOUP_STATUS_TEMPORARY_REDIRECT && status != SOUP_STATUS_PERMANENT_REDIRECT)
    return FALSE;
  if (run->redirects >= MAX_WRITE_REDIRECTS)
    return FALSE;
  location = soup_message_headers_get_one (soup_message_get_response_headers (run->message), "Location");
  if (location == NULL)
    return FALSE;
  target = g_uri_parse_relative (soup_message_get_uri (run->message), location, SOUP_HTTP_URI_FLAGS, NULL);
  if (target == NULL || !_syncobj_http_uri_is_sendable (target, FALSE))
    return FALSE;

  copy = _syncobj_http_mutator_redirected_request (run->message, target);
  g_clear_object (&run->message);
  run->message = copy;
  run->redirects++;
  _syncobj_http_send_and_read_async (self->session, run->message, &self->limits,
                                     g_task_get_cancellable (task), persist_sent_cb, g_object_ref (task));
  return TRUE;
}

static void
persist_conflict_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!_syncobj_http_mutator_fetch_conflict_finish (result, &error))
    g_task_return_error (task, error);
  else
    g_assert_not_reached ();
}

/* The insert sent again was refused, but the server holds it as sent. */
static void
persist_replay_checked_cb (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PersistRun *run = g_task_get_task_data (task);
  GError *error = NULL;

  if (!_syncobj_http_mutator_replay_check_finish (result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  _syncobj_transaction_mark_applied (run->transaction, run->current);
  persist_next (task);
}

static void
persist_sent_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyncobjHttpMutator *self = g_task_get_source_object (task);
  PersistRun *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  SyncobjPendingMutation *conflicted = NULL;
  gboolean not_found = FALSE;

  body = _syncobj_http_send_and_read_finish (result, &error);
  if (body == NULL)
    {
      /* Held while its server cannot be reached, it goes out again from
       * the same mutation. */
      run->next = run->current != NULL ? run->next - 1 : 0;
      _syncobj_http_probe_send_failed (task, run->message, error, persist_next);
      return;
    }

  /* The server answers: writes held while it could not be reached go. */
  _syncobj_http_probe_answered (soup_message_get_uri (run->message));
  if (follow_redirect (task, run))
    return;
  if (_syncobj_http_auth_gate_refused (&SYNCOBJ_HTTP_MUTATOR (g_task_get_source_object (task))->auth, run->message))
    {
      persist_hold_for_auth (task, run, body);
      return;
    }

  switch (_syncobj_http_mutator_take_conflict (self, run->transaction, run->current, run->mutations,
                                               run->message, body, &conflicted, &error))
    {
    case SYNCOBJ_HTTP_CONFLICT_REPORTED:
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    case SYNCOBJ_HTTP_CONFLICT_NEEDS_RECORD:
      _syncobj_http_mutator_fetch_conflict_async (self, run->transaction, conflicted, run->message, body,
                                                  g_task_get_cancellable (task), persist_conflict_cb,
                                                  g_object_ref (task));
      return;
    case SYNCOBJ_HTTP_CONFLICT_NONE:
    default:
      break;
    }
  /* An insert sent again and refused: the server may hold it already. */
  if (_syncobj_http_mutator_replay_needs_check (run->transaction, run->current, run->message))
    {
      _syncobj_http_mutator_replay_check_async (self, run->transaction, run->current, run->message, body,
                                                g_task_get_cancellable (task), persist_replay_checked_cb,
                                                g_object_ref (task));
      return;
    }
  if (!_syncobj_http_mutator_check_response (run->transaction, run->current, run->message, body, &not_found, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (not_found)
    {
      g_autoptr(SyncobjCollection) collection = _syncobj_weak_get (run->current->collection);
      SyncobjSync *sync = collection != NULL ? syncobj_collection_get_sync (collection) : NULL;

      EchoInfo *info = _syncobj_http_mutator_echo_info (run->transaction);
      g_autofree char *key = _syncobj_http_mutator_idempotency_key (run->transaction, run->current);

      /* The server has no such record and will send no echo: tell the sync
       * side, so the record does not come back when the delete completes. */
      g_hash_table_add (info->no_echo, g_strdup (_syncobj_pending_mutation_peek_id (run->current)));
      if (info->watch != NULL)
        _syncobj_http_echo_watch_skip (info->watch, key);
      if (sync != NULL)
        {
          g_autoptr(JsonObject) gone = json_object_new ();
          g_autofree char *message = NULL;

          json_object_set_string_member (gone, "type", "delete");
          json_object_set_string_member (gone, "key", run->current->key);
          message = _syncobj_json_to_string (gone);
          syncobj_sync_apply_json (sync, message, -1, NULL);
        }
    }

  if (run->current != NULL && _syncobj_http_mutator_is_temporary_insert (run->current))
    {
      g_autoptr(JsonObject) answer = _syncobj_http_mutator_answer_object (body);

      if (!_syncobj_http_mutator_take_created_key (g_task_get_source_object (task), run->transaction,
                                                   run->current, run->message, answer,
                                                   _syncobj_http_mutator_echo_info (run->transaction), &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }
  else if (run->current == NULL &&
           !_syncobj_http_mutator_take_batch_created_keys (g_task_get_source_object (task), run->transaction,
                                                           run->mutations, run->message, body, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The version of the record written, for the next write's If-Match. */
  if (run->current != NULL && run->current->type == SYNCOBJ_MUTATION_TYPE_DELETE)
    _syncobj_http_mutator_forget_etag (self, run->current);
  else if (run->current != NULL)
    _syncobj_http_mutator_remember_etag (self, run->current, run->message);

  /* The server has it: should a later request fail for good, it stays. */
  if (run->current != NULL)
    _syncobj_transaction_mark_applied (run->transaction, run->current);
  persist_next (task);
}

/* Holds @run's next request, not built yet, while its server cannot be
 * reached (see syncobj-http-probe.c). */
static gboolean
persist_hold_if_unreachable (SyncobjHttpMutator *self,
                             GTask              *task,
                             PersistRun         *run)
{
  const char *uri;
  g_autoptr(GUri) parsed = NULL;

  if (self->batch_uri != NULL)
    uri = run->next == 0 ? self->batch_uri : NULL;
  else
    uri = run->next < run->mutations->len ?
          _syncobj_http_mutator_target (self, g_ptr_array_index (run->mutations, run->next))->base_uri : NULL;
  parsed = uri != NULL ? g_uri_parse (uri, SOUP_HTTP_URI_FLAGS, NULL) : NULL;
  return parsed != NULL && _syncobj_http_probe_hold_if_unreachable (parsed, task, persist_next);
}

static void
persist_next (GTask *task)
{
  SyncobjHttpMutator *self = g_task_get_source_object (task);
  PersistRun *run = g_task_get_task_data (task);
  GError *error = NULL;

  g_clear_object (&run->message);
  run->current = NULL;
  run->redirects = 0;

  if (g_task_return_error_if_cancelled (task))
    return;
  /* While the server cannot be reached, one probe at a time goes out. */
  if (persist_hold_if_unreachable (self, task, run))
    return;

  if (self->batch_uri != NULL)
    {
      if (run->next > 0)
        {
          g_task_return_boolean (task, TRUE);
          return;
        }
      run->next = run->mutations->len;
      run->message = _syncobj_http_mutator_batch_request (self, run->transaction, run->mutations, &error);
    }
  else
    {
      /* What an earlier attempt had applied is not sent again. */
      while (run->next < run->mutations->len &&
             syncobj_pending_mutation_get_applied (g_ptr_array_index (run->mutations, run->next)))
        run->next++;
      if (run->next >= run->mutations->len)
        {
          g_task_return_boolean (task, TRUE);
          return;
        }
      run->current = g_ptr_array_index (run->mutations, run->next++);
      run->message = _syncobj_http_mutator_request (self, run->transaction, run->current, &error);
    }

  if (run->message == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* While credentials are awaited nothing goes out. */
  if (_syncobj_http_auth_gate_needs_auth (&self->auth))
    {
      run->next = run->current != NULL ? run->next - 1 : 0;
      _syncobj_http_auth_gate_hold (&self->auth, task, NULL, persist_auth_resume);
      return;
    }

  _syncobj_http_send_and_read_async (self->session, run->message, &self->limits,
                                     g_task_get_cancellable (task), persist_sent_cb, g_object_ref (task));
}

static void
syncobj_http_mutator_persist_async (SyncobjMutator      *mutator,
                                    SyncobjTransaction  *transaction,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  SyncobjHttpMutator *self = SYNCOBJ_HTTP_MUTATOR (mutator);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  SyncobjObjectList *mutations = _syncobj_transaction_peek_mutations (transaction);
  SyncobjCollection *owner = syncobj_transaction_get_collection (transaction);
  SyncobjSync *sync = owner != NULL ? syncobj_collection_get_sync (owner) : NULL;
  SyncobjHttpEchoes *echoes = _syncobj_http_echoes_of (sync);
  EchoInfo *info = _syncobj_http_mutator_echo_info (transaction);
  PersistRun *run = g_new0 (PersistRun, 1);

  g_task_set_source_tag (task, syncobj_http_mutator_persist_async);
  g_task_set_task_data (task, run, persist_run_free);

  run->transaction = g_object_ref (transaction);
  run->mutations = g_ptr_array_new_with_free_func (g_object_unref);
  /* Read in place: no list model made for the call. */
  for (guint i = 0; i < _syncobj_object_list_get_length (mutations); i++)
    g_ptr_array_add (run->mutations, g_object_ref (_syncobj_object_list_peek (mutations, i)));

  /* An echo may overtake the answer: watch for it from before the first
   * request goes out. */
  if (info->watch == NULL && echoes != NULL)
    {
      SyncobjCollection *collection = syncobj_sync_get_collection (sync);

      info->watch = _syncobj_http_echo_watch_new (echoes);
      for (guint i = 0; i < run->mutations->len; i++)
        {
          SyncobjPendingMutation *mutation = g_ptr_array_index (run->mutations, i);
          g_autoptr(SyncobjCollection) mutation_collection = _syncobj_weak_get (mutation->collection);
          g_autofree char *key = NULL;
          gboolean is_put = mutation->replaces ||
                            g_ascii_strcasecmp (_syncobj_http_mutator_target (self, mutation)->update_method, "PUT") == 0;

          if (mutation_collection != collection)
            continue;
          key = _syncobj_http_mutator_idempotency_key (transaction, mutation);
          _syncobj_http_echo_watch_add (info->watch, key, mutation->key,
                                        mutation->type == SYNCOBJ_MUTATION_TYPE_UPDATE && !is_put ?
                                        mutation->changes : mutation->modified,
                                        mutation->type == SYNCOBJ_MUTATION_TYPE_DELETE,
                                        _syncobj_http_mutator_is_temporary_insert (mutation) ? mutation : NULL);
        }
    }

  persist_next (task);
}

/* ---- public API ------------------------------------------------------------------ */

/**
 * syncobj_http_mutator_new:
 * @base_uri: the collection's endpoint, e.g. `https://example.com/api/todos`;
 *   a name and password in it (`https://name:password@host/todos`) are its
 *   `Basic` credential
 *
 * Creates a mutator that persists to the REST endpoint @base_uri.
 *
 * Returns: (transfer full): a new mutator
 */
SyncobjHttpMutator *
syncobj_http_mutator_new (const char *base_uri)
{
  g_return_val_if_fail (base_uri != NULL, NULL);

  return g_object_new (SYNCOBJ_TYPE_HTTP_MUTATOR, "base-uri", base_uri, NULL);
}

/**
 * syncobj_http_mutator_get_base_uri:
 * @self: a mutator
 *
 * Gets [property@Syncobj.HttpMutator:base-uri], where inserts are posted and
 * below which each record lives.
 *
 * Returns: the endpoint of the collection, without a trailing slash
 */
const char *
syncobj_http_mutator_get_base_uri (SyncobjHttpMutator *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_HTTP_MUTATOR (self), NULL);
  return self->base_uri;
}

/**
 * syncobj_http_mutator_get_batch_uri:
 * @self: a mutator
 *
 * Gets [property@Syncobj.HttpMutator:batch-uri]; when set, each transaction
 * is sent whole in one request.
 *
 * Returns: (nullable): the batch endpoint, if transactions are sent whole
 */
const char *
syncobj_http_mutator_get_batch_uri (SyncobjHttpMutator *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_HTTP_MUTATOR (self), NULL);
  return self->batch_uri;
}

/**
 * syncobj_http_mutator_set_batch_uri:
 * @self: a mutator
 * @batch_uri: (nullable): an endpoint taking a whole transaction in one
 *   `POST`, or %NULL for one request per mutation
 *
 * Sets [property@Syncobj.HttpMutator:batch-uri].
 */
void
syncobj_http_mutator_set_batch_uri (SyncobjHttpMutator *self,
                                    const char         *batch_uri)
{
  g_return_if_fail (SYNCOBJ_IS_HTTP_MUTATOR (self));

  if (g_strcmp0 (self->batch_uri, batch_uri) == 0)
    return;
  g_free (self->batch_uri);
  self->batch_uri = _syncobj_http_uri_take_userinfo (batch_uri, &self->headers);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BATCH_URI]);
}

/**
 * syncobj_http_mutator_get_update_method:
 * @self: a mutator
 *
 * Gets [property@Syncobj.HttpMutator:update-method], the method updates are
 * sent with.
 *
 * Returns: the method of update requests, `PATCH` or `PUT`
 */
const char *
syncobj_http_mutator_get_update_method (SyncobjHttpMutator *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_HTTP_MUTATOR (self), NULL);
  return self->update_method;
}

/**
 * syncobj_http_mutator_set_update_method:
 * @self: a mutator
 * @method: `PATCH` (send the changed members) or `PUT` (send the whole
 *   record)
 *
 * Sets [property@Syncobj.HttpMutator:update-method].
 */
void
syncobj_http_mutator_set_update_method (SyncobjHttpMutator *self,
                                        const char         *method)
{
  g_return_if_fail (SYNCOBJ_IS_HTTP_MUTATOR (self));
  g_return_if_fail (method != NULL &&
                    (g_ascii_strcasecmp (method, "PATCH") == 0 || g_ascii_strcasecmp (method, "PUT") == 0));

  if (g_ascii_strcasecmp (self->update_method, method) == 0)
    return;
  g_free (self->update_method);
  self->update_method = g_ascii_strup (method, -1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPDATE_METHOD]);
}

/**
 * syncobj_http_mutator_get_timeout:
 * @self: a mutator
 *
 * Gets [property@Syncobj.HttpMutator:timeout], after which a request with no
 * answer counts as a failed attempt.
 *
 * Returns: how long a request may wait for the server, in milliseconds
 *   (0: no limit)
 */
guint
syncobj_http_mutator_get_timeout (SyncobjHttpMutator *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_HTTP_MUTATOR (self), 0);
  return self->timeout_ms;
}

/**
 * syncobj_http_mutator_set_timeout:
 * @self: a mutator
 * @timeout_ms: milliseconds, rounded up to whole seconds; 0 waits as long
 *   as the connection stays up
 *
 * Sets [property@Syncobj.HttpMutator:timeout].
 */
void
syncobj_http_mutator_set_timeout (SyncobjHttpMutator *self,
                                  guint               timeout_ms)
{
  g_return_if_fail (SYNCOBJ_IS_HTTP_MUTATOR (self));

  if (self->timeout_ms == timeout_ms)
    return;
  self->timeout_ms = timeout_ms;
  _syncobj_http_session_set_timeout (self->session, timeout_ms);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

/**
 * syncobj_http_mutator_get_sync_timeout:
 * @self: a mutator
 *
 * Gets [property@Syncobj.HttpMutator:sync-timeout], how long a persisted
 * transaction waits for its echo before it completes anyway.
 *
 * Returns: how long a persisted transaction waits for its echo, in ms
 */
guint
syncobj_http_mutator_get_sync_timeout (SyncobjHttpMutator *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_HTTP_MUTATOR (self), 0);
  return self->sync_timeout_ms;
}

/**
 * syncobj_http_mutator_set_sync_timeout:
 * @self: a mutator
 * @timeout_ms: milliseconds; 0 waits forever
 *
 * Sets [property@Syncobj.HttpMutator:sync-timeout].
 */
void
syncobj_http_mutator_set_sync_timeout (SyncobjHttpMutator *self,
                                       guint               timeout_ms)
{
  g_return_if_fail (SYNCOBJ_IS_HTTP_MUTATOR (self));

  if (self->sync_timeout_ms == timeout_ms)
    return;
  self->sync_timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_TIMEOUT]);
}

/**
 * syncobj_http_mutator_get_await_echo:
 * @self: a mutator
 *
 * Gets [property@Syncobj.HttpMutator:await-echo].
 *
 * Returns: whether transactions wait for their echo from any kind of sync
 */
gboolean
syncobj_http_mutator_get_await_echo (SyncobjHttpMutator *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_HTTP_MUTATOR (self), FALSE);
  return self->await_echo;
}

/**
 * syncobj_http_mutator_set_await_echo:
 * @self: a mutator
 * @await_echo: whether to wait for the echo from any kind of sync
 *
 * Sets [property@Syncobj.HttpMutator:await-echo].
 */
void
syncobj_http_mutator_set_await_echo (SyncobjHttpMutator *self,
                                     gboolean            await_echo)
{
  g_return_if_fail (SYNCOBJ_IS_HTTP_MUTATOR (self));

  await_echo = !!await_echo;
  if (self->await_echo == await_echo)
    return;
  self->await_echo = await_echo;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AWAIT_ECHO]);
}

/**
 * syncobj_http_mutator_set_header:
 * @self: a mutator
 * @name: a header name
 * @value: (nullable): its value, or %NULL to stop sending it
 *
 * Adds a header to every request (an API key, a client version, …).
 */
void
syncobj_http_mutator_set_header (SyncobjHttpMutator *self,
                                 const char         *name,
                                 const char         *value)
{
  g_return_if_fail (SYNCOBJ_IS_HTTP_MUTATOR (self));
  g_return_if_fail (name != NULL);

  _syncobj_http_headers_set (&self->headers, name, value);
}

/**
 * syncobj_http_mutator_set_auth_func:
 * @self: a mutator
 * @func: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   called before each request for its `Authorization` header
 * @user_data: closure data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Sets the callback that authorizes requests; it is called before every
 * request, including retries, so it can hand out a refreshed token.
 */
void
syncobj_http_mutator_set_auth_func (SyncobjHttpMutator  *self,
                                    SyncobjHttpAuthFunc  func,
                                    gpointer             user_data,
                                    GDestroyNotify       destroy)
{
  g_return_if_fail (SYNCOBJ_IS_HTTP_MUTATOR (self));

  _syncobj_http_headers_set_auth (&self->headers, func, user_data, destroy);
}

/**
 * syncobj_http_mutator_get_needs_auth:
 * @self: a mutator
 *
 * Gets [property@Syncobj.HttpMutator:needs-auth]: whether the server
 * refused a request for want of credentials and the mutator waits for
 * the application to give them.
 *
 * Returns: %TRUE while credentials are awaited
 */
gboolean
syncobj_http_mutator_get_needs_auth (SyncobjHttpMutator *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_HTTP_MUTATOR (self), FALSE);
  return _syncobj_http_auth_gate_needs_auth (&self->auth);
}

/**
 * syncobj_http_mutator_get_auth_on_forbidden:
 * @self: a mutator
 *
 * Gets [property@Syncobj.HttpMutator:auth-on-forbidden].
 *
 * Returns: whether a 403 answer asks for credentials like a 401
 */
gboolean
syncobj_http_mutator_get_auth_on_forbidden (SyncobjHttpMutator *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_HTTP_MUTATOR (self), FALSE);
  return self->auth.auth_on_forbidden;
}

/**
 * syncobj_http_mutator_set_auth_on_forbidden:
 * @self: a mutator
 * @auth_on_forbidden: whether a 403 answer asks for credentials
 *
 * Sets [property@Syncobj.HttpMutator:auth-on-forbidden], for servers that
 * answer an expired token with 403.
 */
void
syncobj_http_mutator_set_auth_on_forbidden (SyncobjHttpMutator *self,
                                            gboolean            auth_on_forbidden)
{
  g_return_if_fail (SYNCOBJ_IS_HTTP_MUTATOR (self));

  auth_on_forbidden = !!auth_on_forbidden;
  if (self->auth.auth_on_forbidden == auth_on_forbidden)
    return;
  self->auth.auth_on_forbidden = auth_on_forbidden;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTH_ON_FORBIDDEN]);
}

/* ---- GObject ------------------------------------------------------------------------ */

static void
syncobj_http_mutator_set_base_uri (SyncobjHttpMutator *self,
                                   const char         *base_uri)
{
  g_free (self->base_uri);
  self->base_uri = _syncobj_http_base_uri (base_uri, &self->headers);
}

static void
syncobj_http_mutator_finalize (GObject *object)
{
  SyncobjHttpMutator *self = SYNCOBJ_HTTP_MUTATOR (object);

  g_free (self->base_uri);
  g_free (self->batch_uri);
  g_free (self->update_method);
  _syncobj_http_auth_gate_clear (&self->auth);
  _syncobj_http_headers_clear (&self->headers);
  g_clear_object (&self->session);
  g_clear_pointer (&self->etags, g_hash_table_unref);

  G_OBJECT_CLASS (syncobj_http_mutator_parent_class)->finalize (object);
}

static void
syncobj_http_mutator_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  SyncobjHttpMutator *self = SYNCOBJ_HTTP_MUTATOR (object);

  switch (prop_id)
    {
    case PROP_BASE_URI:
      g_value_set_string (value, self->base_uri);
      break;
    case PROP_BATCH_URI:
      g_value_set_string (value, self->batch_uri);
      break;
    case PROP_UPDATE_METHOD:
      g_value_set_string (value, self->update_method);
      break;
    case PROP_SYNC_TIMEOUT:
      g_value_set_uint (value, self->sync_timeout_ms);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, syncobj_http_mutator_get_timeout (self));
      break;
    case PROP_AWAIT_ECHO:
      g_value_set_boolean (value, self->await_echo);
      break;
    case PROP_MAX_BODY_SIZE:
    case PROP_MIN_TRANSFER_RATE:
      _syncobj_http_limits_get_property (&self->limits, prop_id - PROP_MAX_BODY_SIZE, value);
      break;
    case PROP_NEEDS_AUTH:
      g_value_set_boolean (value, syncobj_http_mutator_get_needs_auth (self));
      break;
    case PROP_AUTH_ON_FORBIDDEN:
      g_value_set_boolean (value, self->auth.auth_on_forbidden);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_http_mutator_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  SyncobjHttpMutator *self = SYNCOBJ_HTTP_MUTATOR (object);

  switch (prop_id)
    {
    case PROP_BASE_URI:
      syncobj_http_mutator_set_base_uri (self, g_value_get_string (value));
      break;
    case PROP_BATCH_URI:
      syncobj_http_mutator_set_batch_uri (self, g_value_get_string (value));
      break;
    case PROP_UPDATE_METHOD:
      syncobj_http_mutator_set_update_method (self, g_value_get_string (value));
      break;
    case PROP_SYNC_TIMEOUT:
      syncobj_http_mutator_set_sync_timeout (self, g_value_get_uint (value));
      break;
    case PROP_TIMEOUT:
      syncobj_http_mutator_set_timeout (self, g_value_get_uint (value));
      break;
    case PROP_AWAIT_ECHO:
      syncobj_http_mutator_set_await_echo (self, g_value_get_boolean (value));
      break;
    case PROP_MAX_BODY_SIZE:
    case PROP_MIN_TRANSFER_RATE:
      _syncobj_http_limits_set_property (&self->limits, prop_id - PROP_MAX_BODY_SIZE, object, value, pspec);
      break;
    case PROP_AUTH_ON_FORBIDDEN:
      syncobj_http_mutator_set_auth_on_forbidden (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GStrv
syncobj_http_mutator_servers (SyncobjMutator *mutator)
{
  SyncobjHttpMutator *self = SYNCOBJ_HTTP_MUTATOR (mutator);
  const char *uris[] = { self->base_uri, self->batch_uri };

  return _syncobj_http_probe_servers (uris, G_N_ELEMENTS (uris));
}

static void
syncobj_http_mutator_class_init (SyncobjHttpMutatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SyncobjMutatorClass *mutator_class = SYNCOBJ_MUTATOR_CLASS (klass);

  _syncobj_ensure_i18n ();

  object_class->finalize = syncobj_http_mutator_finalize;
  object_class->get_property = syncobj_http_mutator_get_property;
  object_class->set_property = syncobj_http_mutator_set_property;

  mutator_class->persist_async = syncobj_http_mutator_persist_async;
  _syncobj_mutator_type_set_servers_func (G_TYPE_FROM_CLASS (klass), syncobj_http_mutator_servers);
  mutator_class->await_sync_async = _syncobj_http_mutator_await_sync_async;

  /**
   * SyncobjHttpMutator:base-uri:
   *
   * The collection's endpoint: inserts are posted here, updates and
   * deletes go to `<base-uri>/<key>`, the key escaped as one path segment
   * placed before the base's query, if any (`https://h/todos?api_key=K`
   * gives `https://h/todos/7?api_key=K`; a trailing slash is not doubled).
   * A name and password in the URI given (`https://name:password@h/todos`)
   * are taken out of it and sent as a `Basic` credential.
   */
  properties[PROP_BASE_URI] =
    g_param_spec_string ("base-uri", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjHttpMutator:batch-uri:
   *
   * When set, each transaction is one `POST` of all its mutations here.
   * A name and password in it are taken out, as from
   * [property@Syncobj.HttpMutator:base-uri].
   */
  properties[PROP_BATCH_URI] =
    g_param_spec_string ("batch-uri", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjHttpMutator:update-method:
   *
   * `PATCH` (the default: the body holds the changed members) or `PUT`
   * (the body holds the whole record).
   */
  properties[PROP_UPDATE_METHOD] =
    g_param_spec_string ("update-method", NULL, NULL, "PATCH",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjHttpMutator:sync-timeout:
   *
   * How long, in milliseconds, a persisted transaction waits for the echo
   * of its changes before completing anyway; 0 waits forever.
   */
  properties[PROP_SYNC_TIMEOUT] =
    g_param_spec_uint ("sync-timeout", NULL,
                       _("How long a persisted transaction waits for its echo, in milliseconds"),
                       0, G_MAXUINT, DEFAULT_SYNC_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjHttpMutator:timeout:
   *
   * How long, in milliseconds, a request may wait for the server (to
   * connect, to send, for each part of the answer) before it fails with
   * %SYNCOBJ_ERROR_TIMEOUT, a retriable error; 0 waits as long as the
   * connection stays up. The answer must start within this time, and its
   * body then come at [property@Syncobj.HttpMutator:min-transfer-rate] or
   * faster, so that a server sending a byte now and then cannot hold a
   * request for ever. The request may still have reached the server:
   * the retry carries the same `Idempotency-Key`.
   *
   * libsoup counts whole seconds: the timeout is rounded up to the next
   * second. Until libsyncobj 0.2 this property was in seconds.
   */
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL,
                       _("How long a request may wait for the server, in milliseconds"),
                       0, G_MAXUINT, SYNCOBJ_HTTP_DEFAULT_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjHttpMutator:await-echo:
   *
   * Whether to wait for the echo with any kind of sync; with a
   * [class@Syncobj.HttpSync] the mutator always waits.
   */
  properties[PROP_AWAIT_ECHO] =
    g_param_spec_boolean ("await-echo", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjHttpMutator:max-body-size:
   *
   * The largest answer the mutator reads, in bytes, counted after a
   * compressed body is decoded; 0 sets no limit. A larger answer fails
   * the attempt with %SYNCOBJ_ERROR_HTTP (retried: the retry carries the
   * same `Idempotency-Key`) as soon as the limit is passed, without reading
   * the rest. The default is 256 MiB.
   */

  /**
   * SyncobjHttpMutator:min-transfer-rate:
   *
   * The slowest an answer's body may come, in bytes per second, averaged
   * over each period of [property@Syncobj.HttpMutator:timeout]; slower,
   * the request fails with %SYNCOBJ_ERROR_TIMEOUT. A large answer on a slow
   * but steady link goes on; a trickle ends. 0 sets no limit; the default
   * is 1024 (1 KiB/s).
   */
  _syncobj_http_limits_param_specs (&properties[PROP_MAX_BODY_SIZE]);

  /**
   * SyncobjHttpMutator:needs-auth:
   *
   * Whether the server refused a request for want of credentials (401, or
   * 403 with [property@Syncobj.HttpMutator:auth-on-forbidden]) and the
   * mutator waits for the application to give them. Meanwhile every
   * transaction of the mutator waits, spending no attempt.
   */
  properties[PROP_NEEDS_AUTH] =
    g_param_spec_boolean ("needs-auth", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjHttpMutator:auth-on-forbidden:
   *
   * Whether a 403 answer asks for credentials like a 401 (for servers
   * that answer an expired token with 403); otherwise a 403 fails the
   * transaction.
   */
  properties[PROP_AUTH_ON_FORBIDDEN] =
    g_param_spec_boolean ("auth-on-forbidden", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SyncobjHttpMutator::auth-required:
   * @self: the mutator
   * @request: what the application completes, now or later
   *
   * Emitted when the server refused a request for want of credentials and
   * [property@Syncobj.HttpMutator:needs-auth] became %TRUE. Keep @request
   * and call [method@Syncobj.AuthRequest.set_credential] (or
   * [method@Syncobj.AuthRequest.cancel]) when the credential is known:
   * the mutator's transactions wait until then.
   */
  signals[AUTH_REQUIRED] =
    g_signal_new ("auth-required",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, SYNCOBJ_TYPE_AUTH_REQUEST);
}

static void
syncobj_http_mutator_init (SyncobjHttpMutator *self)
{
  self->update_method = g_strdup ("PATCH");
  _syncobj_http_auth_gate_init (&self->auth, G_OBJECT (self), &self->headers,
                                properties[PROP_NEEDS_AUTH], signals[AUTH_REQUIRED]);
  self->sync_timeout_ms = DEFAULT_SYNC_TIMEOUT_MS;
  _syncobj_http_headers_init (&self->headers);
  _syncobj_http_limits_init (&self->limits);
  self->timeout_ms = SYNCOBJ_HTTP_DEFAULT_TIMEOUT_MS;
  self->session = _syncobj_http_session_new (self->timeout_ms);
}
