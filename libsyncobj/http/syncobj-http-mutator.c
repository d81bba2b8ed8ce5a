/* syncobj-http-mutator.c: a mutator for REST/JSON APIs over HTTP
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-transaction-private.h"
#include "syncobj-collection-private.h"
#include "syncobj-attempt-private.h"
#include "syncobj-http-echo-private.h"
#include "syncobj-http-request-private.h"
#include "syncobj-http-auth-private.h"
#include "syncobj-network-private.h"
#include "syncobj-json-util-private.h"

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
 * deduplicates applies it once even when an answer was lost.
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

G_DEFINE_FINAL_TYPE (SyncobjHttpMutator, syncobj_http_mutator, SYNCOBJ_TYPE_MUTATOR)

enum {
  PROP_0,
  PROP_BASE_URI,
  PROP_BATCH_URI,
  PROP_UPDATE_METHOD,
  PROP_SYNC_TIMEOUT,
  PROP_TIMEOUT,
  PROP_AWAIT_ECHO,
  PROP_MAX_BODY_SIZE,
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

/* What the mutator remembers about a transaction between persist and
 * await_sync (qdata on the transaction). */
typedef struct
{
  SyncobjHttpEchoWatch *watch;      /* with an HTTP sync */
  GHashTable           *no_echo;    /* mutation ids that will not be echoed */
  gulong                state_handler;
} EchoInfo;

static GQuark
echo_info_quark (void)
{
  static GQuark quark;

  if (quark == 0)
    quark = g_quark_from_static_string ("syncobj-http-mutator-echo");
  return quark;
}

static void
echo_info_free (gpointer data)
{
  EchoInfo *info = data;

  g_clear_pointer (&info->watch, _syncobj_http_echo_watch_free);
  g_clear_pointer (&info->no_echo, g_hash_table_unref);
  g_free (info);
}

static void
echo_info_state_cb (SyncobjTransaction *transaction,
                    GParamSpec         *pspec,
                    EchoInfo           *info)
{
  /* A failed transaction has nothing to wait for. */
  if (syncobj_transaction_get_state (transaction) == SYNCOBJ_TRANSACTION_STATE_FAILED)
    g_clear_pointer (&info->watch, _syncobj_http_echo_watch_free);
}

static EchoInfo *
echo_info_get (SyncobjTransaction *transaction)
{
  EchoInfo *info = g_object_get_qdata (G_OBJECT (transaction), echo_info_quark ());

  if (info == NULL)
    {
      info = g_new0 (EchoInfo, 1);
      info->no_echo = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_object_set_qdata_full (G_OBJECT (transaction), echo_info_quark (), info, echo_info_free);
      info->state_handler = g_signal_connect (transaction, "notify::state",
                                              G_CALLBACK (echo_info_state_cb), info);
    }
  return info;
}

typedef struct
{
  SyncobjTransaction *transaction;
  GPtrArray          *mutations;    /* SyncobjPendingMutation */
  guint               next;
  SoupMessage        *message;      /* the request in flight */
  SyncobjPendingMutation *current;  /* its mutation; NULL for a batch */
  GError             *network_error;
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
  g_clear_error (&run->network_error);
  g_clear_error (&run->auth_error);
  g_clear_pointer (&run->auth_body, g_bytes_unref);
  g_free (run);
}

static char *
idempotency_key (SyncobjTransaction     *transaction,
                 SyncobjPendingMutation *mutation)
{
  return g_strdup_printf ("%s-%s", syncobj_transaction_get_id (transaction), mutation->mutation_id);
}

/* The mutator whose URIs serve @mutation: its collection's, when that is an
 * HTTP mutator, else @self. */
static SyncobjHttpMutator *
mutation_target (SyncobjHttpMutator     *self,
                 SyncobjPendingMutation *mutation)
{
  g_autoptr(SyncobjCollection) collection = g_weak_ref_get (&mutation->collection);
  SyncobjMutator *mutator = collection != NULL ? syncobj_collection_get_mutator (collection) : NULL;

  return SYNCOBJ_IS_HTTP_MUTATOR (mutator) ? SYNCOBJ_HTTP_MUTATOR (mutator) : self;
}

/* Whether @mutation inserts a record under a temporary key, whose key the
 * server's answer brings. */
static gboolean
is_temporary_insert (SyncobjPendingMutation *mutation)
{
  return mutation->type == SYNCOBJ_MUTATION_TYPE_INSERT &&
         g_str_has_prefix (mutation->key, SYNCOBJ_TEMPORARY_KEY_PREFIX);
}

static SoupMessage *
new_json_request (SyncobjHttpMutator  *self,
                  const char          *method,
                  const char          *uri,
                  const char          *body,
                  const char          *key,
                  GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GUri) parsed = g_uri_parse (uri, SOUP_HTTP_URI_FLAGS, &local_error);
  g_autoptr(SoupMessage) message = NULL;
  SoupMessageHeaders *headers;

  if (parsed == NULL)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_NON_RETRIABLE,
                   _("“%s” is not a valid URI: %s"), uri, local_error->message);
      return NULL;
    }

  message = soup_message_new_from_uri (method, parsed);
  /* The Idempotency-Key makes a resend safe; libsoup then reuses idle
   * connections instead of opening one per POST. Redirects are ours to
   * follow: libsoup turns a POST answered with 301/302 into a bodyless
   * GET, whose answer would count as the write's (see follow_redirect()). */
  soup_message_add_flags (message, SOUP_MESSAGE_IDEMPOTENT | SOUP_MESSAGE_NO_REDIRECT);
  _syncobj_http_forbid_resend (message);
  headers = soup_message_get_request_headers (message);
  _syncobj_http_headers_apply (&self->headers, message);
  soup_message_headers_replace (headers, "Accept", "application/json");
  soup_message_headers_replace (headers, "Idempotency-Key", key);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (message, "application/json", bytes);
      /* Kept for a 307/308 redirect, which sends the same body again. */
      g_object_set_data_full (G_OBJECT (message), "syncobj-request-body",
                              g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
    }
  else
    soup_message_headers_replace (headers, "Content-Type", "application/json");

  return g_steal_pointer (&message);
}

static SoupMessage *
mutation_request (SyncobjHttpMutator      *self,
                  SyncobjTransaction      *transaction,
                  SyncobjPendingMutation  *mutation,
                  GError                 **error)
{
  SyncobjHttpMutator *target = mutation_target (self, mutation);
  g_autofree char *key = idempotency_key (transaction, mutation);
  g_autofree char *escaped = g_uri_escape_string (mutation->key, NULL, FALSE);
  g_autofree char *item_uri = g_strdup_printf ("%s/%s", target->base_uri, escaped);
  g_autofree char *body = NULL;

  switch (mutation->type)
    {
    case SYNCOBJ_MUTATION_TYPE_INSERT:
      body = _syncobj_json_to_string (mutation->modified);
      return new_json_request (self, "POST", target->base_uri, body, key, error);

    case SYNCOBJ_MUTATION_TYPE_UPDATE:
      /* A record deleted and inserted again is replaced whole. */
      if (mutation->replaces || g_ascii_strcasecmp (target->update_method, "PUT") == 0)
        {
          body = _syncobj_json_to_string (mutation->modified);
          return new_json_request (self, "PUT", item_uri, body, key, error);
        }
      body = _syncobj_json_to_string (mutation->changes);
      return new_json_request (self, target->update_method, item_uri, body, key, error);

    case SYNCOBJ_MUTATION_TYPE_DELETE:
    default:
      return new_json_request (self, "DELETE", item_uri, NULL, key, error);
    }
}

static SoupMessage *
batch_request (SyncobjHttpMutator  *self,
               SyncobjTransaction  *transaction,
               GPtrArray           *mutations,
               GError             **error)
{
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *body = NULL;

  for (guint i = 0; i < mutations->len; i++)
    {
      SyncobjPendingMutation *mutation = g_ptr_array_index (mutations, i);
      g_autofree char *key = idempotency_key (transaction, mutation);
      JsonObject *entry = json_object_new ();

      json_object_set_string_member (entry, "type", _syncobj_mutation_type_to_string (mutation->type));
      /* A temporary key is never sent: the server assigns the key. */
      if (!is_temporary_insert (mutation))
        json_object_set_string_member (entry, "key", mutation->key);
      json_object_set_string_member (entry, "collection", mutation->collection_id);
      json_object_set_string_member (entry, "idempotency_key", key);
      if ((mutation->type == SYNCOBJ_MUTATION_TYPE_INSERT || mutation->replaces) && mutation->modified != NULL)
        json_object_set_object_member (entry, "value", json_object_ref (mutation->modified));
      if (mutation->type == SYNCOBJ_MUTATION_TYPE_UPDATE)
        json_object_set_object_member (entry, "changes", json_object_ref (mutation->changes));
      if (mutation->replaces)
        json_object_set_boolean_member (entry, "replace", TRUE);
      json_array_add_object_element (array, entry);
    }

  root = json_node_init_array (json_node_alloc (), array);
  body = json_to_string (root, FALSE);
  return new_json_request (self, "POST", self->batch_uri, body,
                           syncobj_transaction_get_id (transaction), error);
}

/* ---- keys from the server ------------------------------------------------------- */

/* The JSON object @body holds, or NULL. */
static JsonObject *
answer_object (GBytes *body)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  gsize length = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &length) : NULL;
  JsonNode *root;

  if (data == NULL || length == 0 || !json_parser_load_from_data (parser, data, (gssize) length, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  return root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_object_ref (json_node_get_object (root)) : NULL;
}

/* The key a `Location` header of @message names: the last path segment
 * below @base_uri, an integer when it is the decimal text of one. Sets
 * @key_member of a new object to it; NULL when there is no such header. */
static JsonObject *
location_key (SoupMessage *message,
              const char  *base_uri,
              const char  *key_member)
{
  const char *location = soup_message_headers_get_one (soup_message_get_response_headers (message), "Location");
  g_autoptr(GUri) target = NULL;
  g_autoptr(GUri) base = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *segment = NULL;
  g_autoptr(JsonObject) object = NULL;
  const char *path, *rest;
  char buffer[SYNCOBJ_INT_KEY_SIZE];
  gint64 number;

  if (location == NULL)
    return NULL;
  target = g_uri_parse_relative (soup_message_get_uri (message), location, SOUP_HTTP_URI_FLAGS, NULL);
  base = g_uri_parse (base_uri, SOUP_HTTP_URI_FLAGS, NULL);
  if (target == NULL || base == NULL)
    return NULL;

  prefix = g_strconcat (g_uri_get_path (base), "/", NULL);
  path = g_uri_get_path (target);
  if (!g_str_has_prefix (path, prefix))
    return NULL;
  rest = path + strlen (prefix);
  if (*rest == '\0' || strchr (rest, '/') != NULL)
    return NULL;
  segment = g_uri_unescape_string (rest, NULL);
  if (segment == NULL || *segment == '\0' || !g_utf8_validate (segment, -1, NULL))
    return NULL;

  object = json_object_new ();
  if (g_ascii_string_to_signed (segment, 10, G_MININT64, G_MAXINT64, &number, NULL) &&
      g_str_equal (_syncobj_json_int_key (number, buffer), segment))
    json_object_set_int_member (object, key_member, number);
  else
    json_object_set_string_member (object, key_member, segment);
  return g_steal_pointer (&object);
}

/* The record the server created for @mutation, from its answer: @answer
 * (the body, or a batch entry's record) when it holds the key member,
 * else @answer with the key the `Location` header names, if any. */
static JsonObject *
created_record (SoupMessage *message,
                JsonObject  *answer,
                const char  *base_uri,
                const char  *key_member)
{
  g_autoptr(JsonObject) located = NULL;

  if (answer != NULL && json_object_has_member (answer, key_member))
    return json_object_ref (answer);
  located = message != NULL ? location_key (message, base_uri, key_member) : NULL;
  if (located == NULL)
    return NULL;
  return answer != NULL ? _syncobj_json_merge (answer, located) : g_steal_pointer (&located);
}

/* The answer to @mutation, an insert under a temporary key, brings the
 * record's key: the record takes it in place (as
 * syncobj_persist_job_set_created() does). An answer without one applied
 * the insert where it cannot be addressed: a non-retriable error, since
 * the same request would be answered the same way. */
static gboolean
take_created_key (SyncobjHttpMutator      *self,
                  SyncobjTransaction      *transaction,
                  SyncobjPendingMutation  *mutation,
                  SoupMessage             *message,
                  JsonObject              *answer,
                  EchoInfo                *info,
                  GError                 **error)
{
  g_autoptr(SyncobjCollection) collection = g_weak_ref_get (&mutation->collection);
  SyncobjHttpMutator *target = mutation_target (self, mutation);
  g_autoptr(JsonObject) created = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *key = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *key_member;

  if (collection == NULL || !is_temporary_insert (mutation))
    return TRUE;

  key_member = syncobj_collection_get_key_member (collection);
  uri = g_uri_to_string (soup_message_get_uri (message));
  created = created_record (self->batch_uri != NULL ? NULL : message, answer, target->base_uri, key_member);
  if (created == NULL)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_NON_RETRIABLE,
                   _("POST %s created a record but its answer brought no key: no “%s” member in the record answered, no Location below %s"),
                   uri, key_member, target->base_uri);
      return FALSE;
    }

  key = idempotency_key (transaction, mutation);
  if (!_syncobj_collection_assign_key (collection, mutation, created, &local_error))
    {
      g_set_error (error, SYNCOBJ_ERROR,
                   local_error->domain == SYNCOBJ_ERROR ? local_error->code : SYNCOBJ_ERROR_NON_RETRIABLE,
                   _("POST %s answered a key that cannot be taken: %s"), uri, local_error->message);
      return FALSE;
    }
  if (info->watch != NULL)
    _syncobj_http_echo_watch_rekey (info->watch, key, mutation->key);
  return TRUE;
}

/* The keys a batch answer `{"records": [...]}` brings for the temporary
 * inserts of @run, by position. */
static gboolean
take_batch_created_keys (SyncobjHttpMutator  *self,
                         SyncobjTransaction  *transaction,
                         GPtrArray           *mutations,
                         SoupMessage         *message,
                         GBytes              *body,
                         GError             **error)
{
  g_autoptr(JsonObject) answer = NULL;
  JsonArray *records = NULL;
  JsonNode *node;
  EchoInfo *info = echo_info_get (transaction);

  for (guint i = 0; i < mutations->len; i++)
    {
      SyncobjPendingMutation *mutation = g_ptr_array_index (mutations, i);
      JsonNode *element;

      if (!is_temporary_insert (mutation))
        continue;
      if (answer == NULL)
        {
          answer = answer_object (body);
          node = answer != NULL ? json_object_get_member (answer, "records") : NULL;
          records = node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
        }
      element = records != NULL && i < json_array_get_length (records) ? json_array_get_element (records, i) : NULL;
      if (!take_created_key (self, transaction, mutation, message,
                             element != NULL && JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL,
                             info, error))
        return FALSE;
    }
  return TRUE;
}

/* Milliseconds asked for by a Retry-After header, or -1. */
static gint64
retry_after_ms (SoupMessage *message)
{
  const char *value = soup_message_headers_get_one (soup_message_get_response_headers (message),
                                                    "Retry-After");
  g_autoptr(GDateTime) date = NULL;
  guint64 seconds;

  if (value == NULL)
    return -1;
  if (g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32 / 1000, &seconds, NULL))
    return (gint64) seconds * 1000;

  date = soup_date_time_new_from_http_string (value);
  if (date == NULL)
    return -1;
  return MAX ((g_date_time_to_unix (date) * G_USEC_PER_SEC - g_get_real_time ()) / 1000, 0);
}

/* Turns the answer to @message into success or an error. */
static gboolean
check_response (SyncobjTransaction  *transaction,
                SoupMessage         *message,
                GBytes              *body,
                gboolean             is_delete,
                gboolean            *not_found,
                GError             **error)
{
  guint status = soup_message_get_status (message);
  g_autofree char *uri = NULL;
  g_autofree char *reason = NULL;
  gint64 delay;

  *not_found = FALSE;
  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    return _syncobj_http_check_success_body (message, body, error);
  if (status == SOUP_STATUS_NOT_FOUND && is_delete)
    {
      /* Already gone: what the delete wanted. */
      *not_found = TRUE;
      return TRUE;
    }

  uri = g_uri_to_string (soup_message_get_uri (message));
  /* What the server said stays with the attempt, for the application. */
  _syncobj_attempt_record_http_answer (transaction, status, body);

  if (SOUP_STATUS_IS_REDIRECTION (status) && status != SOUP_STATUS_NOT_MODIFIED)
    {
      const char *location = soup_message_headers_get_one (soup_message_get_response_headers (message),
                                                           "Location");

      /* Never a success: the write did not reach its resource. Retriable,
       * so that a store keeps the change until the application points the
       * mutator at the new address that the error names. */
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
                   _("%s %s was redirected with status %u to “%s”; a write follows only 307 and 308 redirects"),
                   soup_message_get_method (message), uri, status, location != NULL ? location : "");
      return FALSE;
    }

  reason = _syncobj_http_error_reason (message, body);

  if (SOUP_STATUS_IS_CLIENT_ERROR (status) &&
      status != SOUP_STATUS_REQUEST_TIMEOUT && status != 429 /* Too Many Requests */)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_NON_RETRIABLE,
                   _("%s %s was refused with status %u: %s"),
                   soup_message_get_method (message), uri, status, reason);
      return FALSE;
    }

  delay = retry_after_ms (message);
  if (delay >= 0)
    _syncobj_transaction_set_retry_after (transaction, (guint) MIN (delay, (gint64) G_MAXUINT));

  g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
               _("%s %s failed with status %u: %s"),
               soup_message_get_method (message), uri, status, reason);
  return FALSE;
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

/* A copy of @message sent to @target: same method, headers and body, as a
 * 307 or 308 asks. Credentials and cookies go only to the same origin. */
static SoupMessage *
redirected_request (SoupMessage *message,
                    GUri        *target)
{
  GUri *from = soup_message_get_uri (message);
  SoupMessage *copy = soup_message_new_from_uri (soup_message_get_method (message), target);
  SoupMessageHeaders *headers = soup_message_get_request_headers (copy);
  GBytes *body = g_object_get_data (G_OBJECT (message), "syncobj-request-body");
  gboolean same_origin = g_strcmp0 (g_uri_get_scheme (from), g_uri_get_scheme (target)) == 0 &&
                         g_strcmp0 (g_uri_get_host (from), g_uri_get_host (target)) == 0 &&
                         g_uri_get_port (from) == g_uri_get_port (target);
  SoupMessageHeadersIter iter;
  const char *name, *value;

  soup_message_add_flags (copy, soup_message_get_flags (message));
  soup_message_headers_iter_init (&iter, soup_message_get_request_headers (message));
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      if (g_ascii_strcasecmp (name, "Content-Length") == 0)
        continue;
      if (!same_origin && (g_ascii_strcasecmp (name, "Authorization") == 0 ||
                           g_ascii_strcasecmp (name, "Cookie") == 0))
        continue;
      soup_message_headers_append (headers, name, value);
    }
  if (body != NULL)
    {
      soup_message_set_request_body_from_bytes (copy, "application/json", body);
      g_object_set_data_full (G_OBJECT (copy), "syncobj-request-body",
                              g_bytes_ref (body), (GDestroyNotify) g_bytes_unref);
    }
  return copy;
}

/* Sends @run's request again where a 307 or 308 answer points; FALSE when
 * the answer is no such redirect (check_response() then refuses it). */
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
  if (target == NULL ||
      (g_strcmp0 (g_uri_get_scheme (target), "http") != 0 && g_strcmp0 (g_uri_get_scheme (target), "https") != 0))
    return FALSE;

  copy = redirected_request (run->message, target);
  g_clear_object (&run->message);
  run->message = copy;
  run->redirects++;
  _syncobj_http_send_and_read_async (self->session, run->message, &self->limits,
                                     g_task_get_cancellable (task), persist_sent_cb, g_object_ref (task));
  return TRUE;
}

static void
persist_reach_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PersistRun *run = g_task_get_task_data (task);
  GError *error = g_steal_pointer (&run->network_error);

  if (!_syncobj_network_can_reach_finish (result))
    {
      g_autoptr(GError) cause = error;

      /* No attempt is spent while the host cannot be reached. */
      _syncobj_network_wait_until_reachable (soup_message_get_uri (run->message));
      error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_OFFLINE,
                           _("The network is unreachable (%s)"), cause->message);
    }
  g_task_return_error (task, error);
}

static void
persist_sent_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PersistRun *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  gboolean not_found = FALSE;
  gboolean is_delete;

  body = _syncobj_http_send_and_read_finish (result, &error);
  if (body == NULL)
    {
      run->network_error = _syncobj_http_network_error (run->message, error);
      if (!_syncobj_http_is_network_error (error))
        {
          g_task_return_error (task, g_steal_pointer (&run->network_error));
          return;
        }
      _syncobj_network_can_reach_async (soup_message_get_uri (run->message), g_task_get_cancellable (task),
                                        persist_reach_cb, g_object_ref (task));
      return;
    }

  if (follow_redirect (task, run))
    return;
  if (_syncobj_http_auth_gate_refused (&SYNCOBJ_HTTP_MUTATOR (g_task_get_source_object (task))->auth, run->message))
    {
      persist_hold_for_auth (task, run, body);
      return;
    }

  is_delete = run->current != NULL && run->current->type == SYNCOBJ_MUTATION_TYPE_DELETE;
  if (!check_response (run->transaction, run->message, body, is_delete, &not_found, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (not_found)
    {
      g_autoptr(SyncobjCollection) collection = g_weak_ref_get (&run->current->collection);
      SyncobjSync *sync = collection != NULL ? syncobj_collection_get_sync (collection) : NULL;

      EchoInfo *info = echo_info_get (run->transaction);
      g_autofree char *key = idempotency_key (run->transaction, run->current);

      /* The server has no such record and will send no echo: tell the sync
       * side, so the record does not come back when the delete completes. */
      g_hash_table_add (info->no_echo, g_strdup (run->current->mutation_id));
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

  if (run->current != NULL && is_temporary_insert (run->current))
    {
      g_autoptr(JsonObject) answer = answer_object (body);

      if (!take_created_key (g_task_get_source_object (task), run->transaction, run->current,
                             run->message, answer, echo_info_get (run->transaction), &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }
  else if (run->current == NULL &&
           !take_batch_created_keys (g_task_get_source_object (task), run->transaction, run->mutations,
                                     run->message, body, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  persist_next (task);
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

  if (self->batch_uri != NULL)
    {
      if (run->next > 0)
        {
          g_task_return_boolean (task, TRUE);
          return;
        }
      run->next = run->mutations->len;
      run->message = batch_request (self, run->transaction, run->mutations, &error);
    }
  else
    {
      if (run->next >= run->mutations->len)
        {
          g_task_return_boolean (task, TRUE);
          return;
        }
      run->current = g_ptr_array_index (run->mutations, run->next++);
      run->message = mutation_request (self, run->transaction, run->current, &error);
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
  GListModel *mutations = syncobj_transaction_get_mutations (transaction);
  SyncobjCollection *owner = syncobj_transaction_get_collection (transaction);
  SyncobjSync *sync = owner != NULL ? syncobj_collection_get_sync (owner) : NULL;
  SyncobjHttpEchoes *echoes = _syncobj_http_echoes_of (sync);
  EchoInfo *info = echo_info_get (transaction);
  PersistRun *run = g_new0 (PersistRun, 1);

  g_task_set_source_tag (task, syncobj_http_mutator_persist_async);
  g_task_set_task_data (task, run, persist_run_free);

  run->transaction = g_object_ref (transaction);
  run->mutations = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < g_list_model_get_n_items (mutations); i++)
    g_ptr_array_add (run->mutations, g_list_model_get_item (mutations, i));

  /* An echo may overtake the answer: watch for it from before the first
   * request goes out. */
  if (info->watch == NULL && echoes != NULL)
    {
      SyncobjCollection *collection = syncobj_sync_get_collection (sync);

      info->watch = _syncobj_http_echo_watch_new (echoes);
      for (guint i = 0; i < run->mutations->len; i++)
        {
          SyncobjPendingMutation *mutation = g_ptr_array_index (run->mutations, i);
          g_autoptr(SyncobjCollection) mutation_collection = g_weak_ref_get (&mutation->collection);
          g_autofree char *key = NULL;
          gboolean is_put = mutation->replaces ||
                            g_ascii_strcasecmp (mutation_target (self, mutation)->update_method, "PUT") == 0;

          if (mutation_collection != collection)
            continue;
          key = idempotency_key (transaction, mutation);
          _syncobj_http_echo_watch_add (info->watch, key, mutation->key,
                                        mutation->type == SYNCOBJ_MUTATION_TYPE_UPDATE && !is_put ?
                                        mutation->changes : mutation->modified,
                                        mutation->type == SYNCOBJ_MUTATION_TYPE_DELETE,
                                        is_temporary_insert (mutation) ? mutation : NULL);
        }
    }

  persist_next (task);
}

/* ---- waiting for the echo ----------------------------------------------------------- */

static void
await_echo_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyncobjTransaction *transaction = g_task_get_task_data (task);
  EchoInfo *info = echo_info_get (transaction);
  GError *error = NULL;
  gboolean ok;

  if (source != NULL)
    ok = syncobj_sync_wait_for_keys_finish (SYNCOBJ_SYNC (source), result, &error);
  else
    ok = _syncobj_http_echo_watch_wait_finish (result, &error);

  g_clear_pointer (&info->watch, _syncobj_http_echo_watch_free);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
syncobj_http_mutator_await_sync_async (SyncobjMutator      *mutator,
                                       SyncobjTransaction  *transaction,
                                       SyncobjSync         *sync,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  SyncobjHttpMutator *self = SYNCOBJ_HTTP_MUTATOR (mutator);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  GListModel *mutations = syncobj_transaction_get_mutations (transaction);
  SyncobjCollection *collection;
  EchoInfo *info = echo_info_get (transaction);

  g_task_set_source_tag (task, syncobj_http_mutator_await_sync_async);
  g_task_set_task_data (task, g_object_ref (transaction), g_object_unref);

  if (info->watch != NULL)
    {
      _syncobj_http_echo_watch_wait_async (info->watch, self->sync_timeout_ms, cancellable,
                                           await_echo_cb, g_steal_pointer (&task));
      return;
    }

  if (sync == NULL || _syncobj_http_echoes_of (sync) != NULL || !self->await_echo)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* Another kind of sync: wait for any change of the keys from now on. */
  collection = syncobj_sync_get_collection (sync);
  for (guint i = 0; i < g_list_model_get_n_items (mutations); i++)
    {
      g_autoptr(SyncobjPendingMutation) mutation = g_list_model_get_item (mutations, i);
      g_autoptr(SyncobjCollection) mutation_collection = g_weak_ref_get (&mutation->collection);

      if (mutation_collection == collection &&
          !g_hash_table_contains (info->no_echo, mutation->mutation_id))
        g_ptr_array_add (keys, g_strdup (mutation->key));
    }

  if (keys->len == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  g_ptr_array_add (keys, NULL);
  syncobj_sync_wait_for_keys_async (sync, (const char * const *) keys->pdata, self->sync_timeout_ms,
                                    cancellable, await_echo_cb, g_steal_pointer (&task));
}

/* ---- public API ------------------------------------------------------------------ */

/**
 * syncobj_http_mutator_new:
 * @base_uri: the collection's endpoint, e.g. `https://example.com/api/todos`
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
  self->batch_uri = g_strdup (batch_uri);
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
  gsize length;

  g_free (self->base_uri);
  self->base_uri = g_strdup (base_uri != NULL ? base_uri : "");
  length = strlen (self->base_uri);
  while (length > 0 && self->base_uri[length - 1] == '/')
    self->base_uri[--length] = '\0';
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
      g_value_set_uint64 (value, self->limits.max_body_size);
      break;
    case PROP_MIN_TRANSFER_RATE:
      g_value_set_uint (value, self->limits.min_transfer_rate);
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
      if (self->limits.max_body_size != g_value_get_uint64 (value))
        {
          self->limits.max_body_size = g_value_get_uint64 (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_MIN_TRANSFER_RATE:
      if (self->limits.min_transfer_rate != g_value_get_uint (value))
        {
          self->limits.min_transfer_rate = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_AUTH_ON_FORBIDDEN:
      syncobj_http_mutator_set_auth_on_forbidden (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
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
  mutator_class->await_sync_async = syncobj_http_mutator_await_sync_async;

  /**
   * SyncobjHttpMutator:base-uri:
   *
   * The collection's endpoint: inserts are posted here, updates and
   * deletes go to `<base-uri>/<key>`.
   */
  properties[PROP_BASE_URI] =
    g_param_spec_string ("base-uri", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjHttpMutator:batch-uri:
   *
   * When set, each transaction is one `POST` of all its mutations here.
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
  properties[PROP_MAX_BODY_SIZE] =
    g_param_spec_uint64 ("max-body-size", NULL, NULL, 0, G_MAXUINT64, SYNCOBJ_HTTP_DEFAULT_MAX_BODY_SIZE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjHttpMutator:min-transfer-rate:
   *
   * The slowest an answer's body may come, in bytes per second, averaged
   * over each period of [property@Syncobj.HttpMutator:timeout]; slower,
   * the request fails with %SYNCOBJ_ERROR_TIMEOUT. A large answer on a slow
   * but steady link goes on; a trickle ends. 0 sets no limit; the default
   * is 1024 (1 KiB/s).
   */
  properties[PROP_MIN_TRANSFER_RATE] =
    g_param_spec_uint ("min-transfer-rate", NULL, NULL, 0, G_MAXUINT, SYNCOBJ_HTTP_DEFAULT_MIN_TRANSFER_RATE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

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
