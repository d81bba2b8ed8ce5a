/* syncobj-http-request.c: what every libsyncobj HTTP request carries, and
 * how its answer is read: extra headers and authorization, one connection
 * per resendable request, the server's reason for an error, and whether a
 * 2xx body may count as success
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-http-request-private.h"
#include "syncobj-json-util-private.h"
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

  if (headers->auth_func != NULL)
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
            text = json_node_get_string (error);
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
  parser = json_parser_new_immutable ();
  if (_syncobj_json_check_text (data, (gssize) length, SYNCOBJ_ERROR_PARSE, &parse_error) &&
      json_parser_load_from_data (parser, data, (gssize) length, &parse_error))
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

