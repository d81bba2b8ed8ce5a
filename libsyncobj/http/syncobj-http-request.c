/* syncobj-http-request.c: what every libsyncobj HTTP request carries, and
 * how its answer is read: extra headers and authorization, one connection
 * per resendable request, the server's reason for an error, and whether a
 * 2xx body may count as success
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-http-request-private.h"
#include "syncobj-json-util-private.h"
#include "syncobj-json-scan-private.h"
#include "syncobj-json-validate-private.h"

#include <string.h>

/* ---- headers ---------------------------------------------------------------------- */

void
_syncobj_http_headers_init (SyncobjHttpHeaders *headers)
{
  memset (headers, 0, sizeof *headers);
  headers->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

void
_syncobj_http_headers_clear (SyncobjHttpHeaders *headers)
{
  g_clear_pointer (&headers->headers, g_hash_table_unref);
  g_clear_pointer (&headers->credential, g_free);
  if (headers->auth_destroy != NULL)
    headers->auth_destroy (headers->auth_data);
  headers->auth_func = NULL;
  headers->auth_data = NULL;
  headers->auth_destroy = NULL;
}

void
_syncobj_http_headers_set (SyncobjHttpHeaders *headers,
                           const char         *name,
                           const char         *value)
{
  if (value != NULL)
    g_hash_table_replace (headers->headers, g_strdup (name), g_strdup (value));
  else
    g_hash_table_remove (headers->headers, name);
}

void
_syncobj_http_headers_set_auth (SyncobjHttpHeaders  *headers,
                                SyncobjHttpAuthFunc  func,
                                gpointer             user_data,
                                GDestroyNotify       destroy)
{
  if (headers->auth_destroy != NULL)
    headers->auth_destroy (headers->auth_data);
  headers->auth_func = func;
  headers->auth_data = user_data;
  headers->auth_destroy = destroy;
}

void
_syncobj_http_headers_set_credential (SyncobjHttpHeaders *headers,
                                      const char         *authorization)
{
  g_free (headers->credential);
  headers->credential = g_strdup (authorization);
}

/* @text percent-decoded, or as it is when it holds a bad escape. */
static char *
unescaped (const char *text,
           gsize       length)
{
  g_autofree char *part = g_strndup (text, length);
  char *decoded = g_uri_unescape_string (part, NULL);

  return decoded != NULL ? decoded : g_steal_pointer (&part);
}

char *
_syncobj_http_uri_take_userinfo (const char         *uri,
                                 SyncobjHttpHeaders *headers)
{
  const char *scheme_end = uri != NULL ? strstr (uri, "://") : NULL;
  const char *authority = scheme_end != NULL ? scheme_end + 3 : NULL;
  const char *at = NULL;

  if (authority != NULL)
    for (const char *p = authority; *p != '\0' && strchr ("/?#", *p) == NULL; p++)
      if (*p == '@')
        at = p;
  if (at == NULL)
    return g_strdup (uri);

  {
    const char *colon = memchr (authority, ':', (gsize) (at - authority));
    g_autofree char *name = unescaped (authority, (gsize) ((colon != NULL ? colon : at) - authority));
    g_autofree char *password = colon != NULL ? unescaped (colon + 1, (gsize) (at - colon - 1)) : g_strdup ("");
    g_autofree char *pair = g_strconcat (name, ":", password, NULL);
    g_autofree char *encoded = g_base64_encode ((const guchar *) pair, strlen (pair));
    g_autofree char *credential = g_strconcat ("Basic ", encoded, NULL);

    if (name[0] != '\0')
      _syncobj_http_headers_set_credential (headers, credential);
    return g_strdup_printf ("%.*s%s", (int) (authority - uri), uri, at + 1);
  }
}

char *
_syncobj_http_base_uri (const char         *uri,
                        SyncobjHttpHeaders *headers)
{
  char *base = _syncobj_http_uri_take_userinfo (uri != NULL ? uri : "", headers);
  gsize length = strlen (base);

  while (length > 0 && base[length - 1] == '/')
    base[--length] = '\0';
  return base;
}

static guint
timeout_seconds (guint timeout_ms)
{
  return timeout_ms / 1000 + (timeout_ms % 1000 != 0 ? 1 : 0);
}

SoupSession *
_syncobj_http_session_new (guint timeout_ms)
{
  return soup_session_new_with_options ("timeout", timeout_seconds (timeout_ms), NULL);
}

void
_syncobj_http_session_set_timeout (SoupSession *session,
                                   guint        timeout_ms)
{
  soup_session_set_timeout (session, timeout_seconds (timeout_ms));
}

gboolean
_syncobj_http_uri_is_sendable (GUri     *uri,
                               gboolean  websocket)
{
  const char *scheme = g_uri_get_scheme (uri);
  const char *host = g_uri_get_host (uri);

  if (host == NULL || host[0] == '\0' || scheme == NULL)
    return FALSE;
  return g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "https") == 0 ||
         (websocket && (g_ascii_strcasecmp (scheme, "ws") == 0 || g_ascii_strcasecmp (scheme, "wss") == 0));
}

GUri *
_syncobj_http_parse_uri (const char  *uri,
                         gboolean     websocket,
                         int          error_code,
                         GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GUri) parsed = g_uri_parse (uri, SOUP_HTTP_URI_FLAGS, &local_error);

  if (parsed == NULL)
    {
      g_set_error (error, SYNCOBJ_ERROR, error_code,
                   _("“%s” is not a valid URI: %s"), uri, local_error->message);
      return NULL;
    }
  if (!_syncobj_http_uri_is_sendable (parsed, websocket))
    {
      g_set_error (error, SYNCOBJ_ERROR, error_code,
                   websocket ? _("“%s” is not a valid URI: it must begin with ws://, wss://, http:// or https:// and name a host")
                             : _("“%s” is not a valid URI: it must begin with http:// or https:// and name a host"),
                   uri);
      return NULL;
    }
  return g_steal_pointer (&parsed);
}

char *
_syncobj_http_uri_child (const char *base_uri,
                         const char *segment,
                         const char *query)
{
  gsize path_end = strcspn (base_uri, "?#");
  gboolean has_slash = path_end > 0 && base_uri[path_end - 1] == '/';
  const char *base_query = base_uri[path_end] == '?' ? base_uri + path_end + 1 : "";
  int base_query_length = (int) strcspn (base_query, "#");
  gboolean has_query = query != NULL && query[0] != '\0';

  return g_strdup_printf ("%.*s%s%s%s%.*s%s%s", (int) path_end, base_uri, has_slash ? "" : "/", segment,
                          base_query_length > 0 || has_query ? "?" : "",
                          base_query_length, base_query,
                          base_query_length > 0 && has_query ? "&" : "",
                          has_query ? query : "");
}

char *
_syncobj_http_item_uri (const char *base_uri,
                        const char *key)
{
  g_autofree char *escaped = g_uri_escape_string (key, NULL, FALSE);

  return _syncobj_http_uri_child (base_uri, escaped, NULL);
}

void
_syncobj_http_forbid_resend (SoupMessage *message)
{
  /* The methods libsoup resends: SOUP_METHOD_IS_IDEMPOTENT, not public. */
  static const char * const resent[] = { "GET", "HEAD", "OPTIONS", "PROPFIND", "TRACE", "PUT", "DELETE" };
  const char *method = soup_message_get_method (message);

  for (guint i = 0; i < G_N_ELEMENTS (resent); i++)
    if (g_ascii_strcasecmp (method, resent[i]) == 0)
      {
        soup_message_add_flags (message, SOUP_MESSAGE_NEW_CONNECTION);
        return;
      }
}

void
_syncobj_http_headers_apply (SyncobjHttpHeaders *headers,
                             SoupMessage        *message)
{
  SoupMessageHeaders *request_headers = soup_message_get_request_headers (message);
  GHashTableIter iter;
  gpointer name, value;

  g_hash_table_iter_init (&iter, headers->headers);
  while (g_hash_table_iter_next (&iter, &name, &value))
    soup_message_headers_replace (request_headers, name, value);

  if (headers->credential != NULL)
    soup_message_headers_replace (request_headers, "Authorization", headers->credential);
  else if (headers->auth_func != NULL)
    {
      g_autofree char *uri = g_uri_to_string (soup_message_get_uri (message));
      g_autofree char *authorization = headers->auth_func (soup_message_get_method (message),
                                                           uri, headers->auth_data);

      if (authorization != NULL)
        soup_message_headers_replace (request_headers, "Authorization", authorization);
      else
        soup_message_headers_remove (request_headers, "Authorization");
    }
}

/* ---- answers and errors ----------------------------------------------------------- */

/* The first byte of @body that is not white space, or -1. */
static int
body_first_byte (GBytes *body)
{
  const char *data;
  gsize length = 0;

  data = body != NULL ? g_bytes_get_data (body, &length) : NULL;
  for (gsize i = 0; data != NULL && i < length; i++)
    if (!g_ascii_isspace (data[i]))
      return (guchar) data[i];
  return -1;
}

gboolean
_syncobj_http_body_starts_with_markup (GBytes *body)
{
  return body_first_byte (body) == '<';
}

const char *
_syncobj_http_body_markup_type (SoupMessage *message,
                                GBytes      *body)
{
  const char *type = soup_message_headers_get_content_type (soup_message_get_response_headers (message), NULL);

  if (type != NULL &&
      (g_ascii_strcasecmp (type, "text/html") == 0 || g_ascii_strcasecmp (type, "application/xhtml+xml") == 0))
    return type;
  /* No type at all: a page is recognised by its first character. */
  if (type == NULL && _syncobj_http_body_starts_with_markup (body))
    return "text/html";
  return NULL;
}

gboolean
_syncobj_http_body_is_json (SoupMessage *message)
{
  const char *type = soup_message_headers_get_content_type (soup_message_get_response_headers (message), NULL);

  return type != NULL &&
         (g_ascii_strcasecmp (type, "application/json") == 0 ||
          (strlen (type) > 5 && g_ascii_strcasecmp (type + strlen (type) - 5, "+json") == 0));
}

gboolean
_syncobj_http_body_is_blank (GBytes *body)
{
  return body_first_byte (body) < 0;
}

char *
_syncobj_http_error_reason (SoupMessage *message,
                            GBytes      *body)
{
  const char *data;
  const char *phrase;
  gsize length = 0;

  data = body != NULL ? g_bytes_get_data (body, &length) : NULL;
  /* An error page (a proxy's, a load balancer's) is no reason to show:
   * the status' reason phrase is. */
  if (data != NULL && length > 0 && _syncobj_http_body_markup_type (message, body) == NULL)
    {
      g_autoptr(JsonParser) parser = json_parser_new_immutable ();

      /* The body is outside data: checked as every other JSON text is. */
      if (_syncobj_json_check_text (data, (gssize) length, SYNCOBJ_ERROR_PARSE, NULL) &&
          json_parser_load_from_data (parser, data, (gssize) length, NULL) &&
          json_parser_get_root (parser) != NULL &&   /* NULL for a blank body */
          JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        {
          JsonObject *object = json_node_get_object (json_parser_get_root (parser));
          JsonNode *error = json_object_get_member (object, "error");
          const char *text = NULL;

          if (error != NULL && JSON_NODE_HOLDS_VALUE (error) &&
              json_node_get_value_type (error) == G_TYPE_STRING)
            {
              const char *reason = _syncobj_json_get_string_member (object, "reason");

              /* CouchDB's {"error": "not_found", "reason": "Database does
               * not exist."}: the code alone would leave out the reason. */
              if (reason != NULL)
                return g_strdup_printf ("%s: %s", json_node_get_string (error), reason);
              text = json_node_get_string (error);
            }
          else if (error != NULL && JSON_NODE_HOLDS_OBJECT (error))
            text = _syncobj_json_get_string_member (json_node_get_object (error), "message");
          if (text == NULL)
            text = _syncobj_json_get_string_member (object, "message");
          if (text != NULL)
            return g_strdup (text);
        }
      else if (g_utf8_validate (data, (gssize) MIN (length, 200), NULL))
        return g_strstrip (g_strndup (data, MIN (length, 200)));
    }

  phrase = soup_message_get_reason_phrase (message);
  if (phrase == NULL || *phrase == '\0')
    phrase = soup_status_get_phrase (soup_message_get_status (message));
  return g_strdup (phrase != NULL ? phrase : "");
}

gboolean
_syncobj_http_is_network_error (const GError *error)
{
  return error != NULL &&
         !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
         !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE) &&
         (error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR ||
          error->domain == G_TLS_ERROR);
}

GError *
_syncobj_http_network_error (SoupMessage  *message,
                             const GError *cause)
{
  g_autofree char *uri = g_uri_to_string (soup_message_get_uri (message));

  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (cause);
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_TIMEOUT, _("%s %s timed out: %s"),
                        soup_message_get_method (message), uri, cause->message);

  return g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP, _("%s %s failed: %s"),
                      soup_message_get_method (message), uri, cause->message);
}

/* ---- success bodies ---------------------------------------------------------------- */

/* A 2xx answer counts as success unless its body shows that the API did
 * not write it: an HTML page (a captive portal, a proxy's login) or JSON
 * cut short. */
gboolean
_syncobj_http_check_success_body (SoupMessage  *message,
                                  GBytes       *body,
                                  GError      **error)
{
  g_autofree char *uri = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(JsonParser) parser = NULL;
  const char *markup_type;
  const char *data;
  gsize length;

  if (_syncobj_http_body_is_blank (body))
    return TRUE;

  markup_type = _syncobj_http_body_markup_type (message, body);
  if (markup_type != NULL)
    {
      uri = g_uri_to_string (soup_message_get_uri (message));
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
                   _("%s %s answered %s, not JSON"),
                   soup_message_get_method (message), uri, markup_type);
      return FALSE;
    }
  if (!_syncobj_http_body_is_json (message))
    return TRUE;

  data = g_bytes_get_data (body, &length);
  if (_syncobj_http_body_starts_with_markup (body))
    {
      /* A page served under a JSON type: no parse error to quote. */
      uri = g_uri_to_string (soup_message_get_uri (message));
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
                   _("%s %s answered an HTML page labelled %s, not JSON"),
                   soup_message_get_method (message), uri,
                   soup_message_headers_get_content_type (soup_message_get_response_headers (message), NULL));
      return FALSE;
    }
  /* Checked without building it (a batch of a million inserts answers a
   * hundred megabytes); json-glib has the last word, and the message. */
  parser = json_parser_new_immutable ();
  if (_syncobj_json_check_text (data, (gssize) length, SYNCOBJ_ERROR_PARSE, &parse_error) &&
      (_syncobj_json_is_valid (data, length) ||
       json_parser_load_from_data (parser, data, (gssize) length, &parse_error)))
    return TRUE;

  {
    g_autofree char *reason = _syncobj_json_error_message (parse_error, data, (gssize) length);

    uri = g_uri_to_string (soup_message_get_uri (message));
    g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
                 _("%s %s answered JSON that does not parse: %s"),
                 soup_message_get_method (message), uri, reason);
  }
  return FALSE;
}


/* ---- reading an answer within limits ------------------------------------------------ */

void
_syncobj_http_limits_init (SyncobjHttpLimits *limits)
{
  limits->max_body_size = SYNCOBJ_HTTP_DEFAULT_MAX_BODY_SIZE;
  limits->min_transfer_rate = SYNCOBJ_HTTP_DEFAULT_MIN_TRANSFER_RATE;
}

void
_syncobj_http_limits_param_specs (GParamSpec **pspecs)
{
  pspecs[SYNCOBJ_HTTP_LIMITS_PROP_MAX_BODY_SIZE] =
    g_param_spec_uint64 ("max-body-size", NULL, NULL, 0, G_MAXUINT64, SYNCOBJ_HTTP_DEFAULT_MAX_BODY_SIZE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  pspecs[SYNCOBJ_HTTP_LIMITS_PROP_MIN_TRANSFER_RATE] =
    g_param_spec_uint ("min-transfer-rate", NULL, NULL, 0, G_MAXUINT, SYNCOBJ_HTTP_DEFAULT_MIN_TRANSFER_RATE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

void
_syncobj_http_limits_get_property (const SyncobjHttpLimits *limits,
                                   guint                    which,
                                   GValue                  *value)
{
  if (which == SYNCOBJ_HTTP_LIMITS_PROP_MAX_BODY_SIZE)
    g_value_set_uint64 (value, limits->max_body_size);
  else
    g_value_set_uint (value, limits->min_transfer_rate);
}

void
_syncobj_http_set_uint (GObject    *object,
                        GParamSpec *pspec,
                        guint      *field,
                        guint       value)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (object, pspec);
}

void
_syncobj_http_set_uint64 (GObject    *object,
                          GParamSpec *pspec,
                          guint64    *field,
                          guint64     value)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (object, pspec);
}

void
_syncobj_http_limits_set_property (SyncobjHttpLimits *limits,
                                   guint              which,
                                   GObject           *object,
                                   const GValue      *value,
                                   GParamSpec        *pspec)
{
  if (which == SYNCOBJ_HTTP_LIMITS_PROP_MAX_BODY_SIZE)
    _syncobj_http_set_uint64 (object, pspec, &limits->max_body_size, g_value_get_uint64 (value));
  else
    _syncobj_http_set_uint (object, pspec, &limits->min_transfer_rate, g_value_get_uint (value));
}

/* Read in pieces of this size, so that a limit is checked as the body
 * comes in, not once it is all there. */
#define READ_CHUNK_SIZE (64 * 1024)

typedef struct
{
  SoupMessage       *message;
  SyncobjHttpLimits  limits;
  guint              timeout_s;      /* the session's, when the read began */
  GCancellable      *cancellable;    /* ours: cancelled by the caller's or a limit */
  gulong             cancelled_handler;
  GCancellable      *caller_cancellable;
  GSource           *timer;          /* the deadline, then each rate period */
  GInputStream      *stream;
  GByteArray        *body;
  guint64            period_start;   /* body length when the period began */
  GError            *limit_error;    /* why we cancelled */
} ReadRun;

/* The answer is read, or failed: the timer stops. */
static void
read_run_done (ReadRun *run)
{
  if (run->timer != NULL)
    {
      g_source_destroy (run->timer);
      g_clear_pointer (&run->timer, g_source_unref);
    }
}

static void
read_run_free (gpointer data)
{
  ReadRun *run = data;

  read_run_done (run);
  if (run->cancelled_handler != 0)
    g_cancellable_disconnect (run->caller_cancellable, run->cancelled_handler);
  g_clear_object (&run->caller_cancellable);
  g_clear_object (&run->cancellable);
  g_clear_object (&run->message);
  g_clear_object (&run->stream);
  g_clear_pointer (&run->body, g_byte_array_unref);
  g_clear_error (&run->limit_error);
  g_free (run);
}

static void
read_run_fail (ReadRun *run,
               GError  *error)
{
  if (run->limit_error == NULL)
    run->limit_error = error;
  else
    g_error_free (error);
  g_cancellable_cancel (run->cancellable);
}

/* Returns @error, or the limit that made it happen. */
static void
read_run_return_error (GTask  *task,
                       GError *error)
{
  ReadRun *run = g_task_get_task_data (task);

  read_run_done (run);
  if (run->limit_error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_error_free (error);
      error = g_steal_pointer (&run->limit_error);
    }
  g_task_return_error (task, error);
}

static gboolean
read_timer_cb (gpointer data)
{
  GTask *task = data;
  ReadRun *run = g_task_get_task_data (task);
  guint64 wanted = (guint64) run->limits.min_transfer_rate * run->timeout_s;

  if (run->stream == NULL)
    {
      read_run_fail (run, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                       _("no answer within %u s"), run->timeout_s));
      return G_SOURCE_REMOVE;
    }
  if (run->body->len - run->period_start < wanted)
    {
      read_run_fail (run, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                       _("the answer came at less than %u bytes/s over %u s (min-transfer-rate)"),
                                       run->limits.min_transfer_rate, run->timeout_s));
      return G_SOURCE_REMOVE;
    }
  run->period_start = run->body->len;
  return G_SOURCE_CONTINUE;
}

static void read_next (GTask *task);

static void
read_chunk_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ReadRun *run = g_task_get_task_data (task);
  GError *error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (n < 0)
    {
      read_run_return_error (task, error);
      return;
    }
  g_byte_array_set_size (run->body, run->body->len - READ_CHUNK_SIZE + (guint) n);
  if (n == 0)
    {
      read_run_done (run);
      g_task_return_pointer (task, g_byte_array_free_to_bytes (g_steal_pointer (&run->body)),
                             (GDestroyNotify) g_bytes_unref);
      return;
    }
  if (run->limits.max_body_size > 0 && run->body->len > run->limits.max_body_size)
    {
      read_run_done (run);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                               _("the answer is larger than %llu bytes (max-body-size)"),
                               (unsigned long long) run->limits.max_body_size);
      return;
    }
  read_next (g_steal_pointer (&task));
}

static void
read_next (GTask *task)
{
  ReadRun *run = g_task_get_task_data (task);
  guint length = run->body->len;

  /* One byte past the limit is enough to know it was passed. */
  g_byte_array_set_size (run->body, length + READ_CHUNK_SIZE);
  g_input_stream_read_async (run->stream, run->body->data + length, READ_CHUNK_SIZE,
                             G_PRIORITY_DEFAULT, run->cancellable, read_chunk_cb, task);
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  ReadRun *run = g_task_get_task_data (task);
  GError *error = NULL;

  run->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (run->stream == NULL)
    {
      read_run_return_error (task, error);
      g_object_unref (task);
      return;
    }

  /* From now on the timer checks the rate of the body. */
  if (run->limits.min_transfer_rate == 0)
    read_run_done (run);
  else if (run->timer != NULL)
    g_source_set_ready_time (run->timer, g_get_monotonic_time () + (gint64) run->timeout_s * G_USEC_PER_SEC);
  read_next (task);
}

static void
caller_cancelled_cb (GCancellable *caller,
                     ReadRun      *run)
{
  g_cancellable_cancel (run->cancellable);
}

static gboolean
read_timer_dispatch (GSource     *source,
                     GSourceFunc  callback,
                     gpointer     data)
{
  ReadRun *run = g_task_get_task_data (data);
  gboolean again = callback (data);

  if (again)
    g_source_set_ready_time (source, g_get_monotonic_time () + (gint64) run->timeout_s * G_USEC_PER_SEC);
  else
    g_source_set_ready_time (source, -1);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs read_timer_funcs = { NULL, NULL, read_timer_dispatch, NULL, NULL, NULL };

void
_syncobj_http_send_and_read_async (SoupSession             *session,
                                   SoupMessage             *message,
                                   const SyncobjHttpLimits *limits,
                                   GCancellable            *cancellable,
                                   GAsyncReadyCallback      callback,
                                   gpointer                 user_data)
{
  GTask *task = g_task_new (session, cancellable, callback, user_data);
  ReadRun *run = g_new0 (ReadRun, 1);

  g_task_set_source_tag (task, _syncobj_http_send_and_read_async);
  g_task_set_task_data (task, run, read_run_free);
  run->message = g_object_ref (message);
  run->limits = *limits;
  run->timeout_s = soup_session_get_timeout (session);
  run->cancellable = g_cancellable_new ();
  run->body = g_byte_array_new ();
  if (cancellable != NULL)
    {
      run->caller_cancellable = g_object_ref (cancellable);
      run->cancelled_handler = g_cancellable_connect (cancellable, G_CALLBACK (caller_cancelled_cb), run, NULL);
    }
  /* libsoup's own timeout applies to each read: a server that sends a byte
   * now and then would keep the request alive for ever. */
  if (run->timeout_s > 0)
    {
      run->timer = g_source_new (&read_timer_funcs, sizeof (GSource));
      g_source_set_callback (run->timer, read_timer_cb, task, NULL);
      g_source_set_ready_time (run->timer, g_get_monotonic_time () + (gint64) run->timeout_s * G_USEC_PER_SEC);
      g_source_set_static_name (run->timer, "[syncobj] HTTP answer deadline");
      g_source_attach (run->timer, g_task_get_context (task));
    }

  soup_session_send_async (session, message, G_PRIORITY_DEFAULT, run->cancellable, sent_cb, task);
}

GBytes *
_syncobj_http_send_and_read_finish (GAsyncResult  *result,
                                    GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
