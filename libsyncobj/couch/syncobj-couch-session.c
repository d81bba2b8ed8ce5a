/* syncobj-couch-session.c: CouchDB cookie sessions
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-couch-session-private.h"
#include "syncobj-json-util-private.h"

#include <string.h>

void
_syncobj_couch_session_init (SoupSession *session)
{
  soup_session_add_feature_by_type (session, SOUP_TYPE_COOKIE_JAR);
}

/* The name and password of a `Basic` credential, or FALSE. */
static gboolean
basic_credential (const char  *authorization,
                  char       **name,
                  char       **password)
{
  g_autofree guchar *decoded = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;
  const char *colon;

  if (authorization == NULL || g_ascii_strncasecmp (authorization, "Basic ", 6) != 0)
    return FALSE;
  decoded = g_base64_decode (authorization + 6, &length);
  text = g_strndup ((const char *) decoded, length);
  colon = strchr (text, ':');
  if (colon == NULL || !g_utf8_validate (text, -1, NULL))
    return FALSE;
  *name = g_strndup (text, (gsize) (colon - text));
  *password = g_strdup (colon + 1);
  return TRUE;
}

/* <scheme>://<host>[:port][/<prefix>]/_session for a database URI, with
 * the database URI's query kept. */
static char *
session_uri (const char *database_uri)
{
  gsize path_end = strcspn (database_uri, "?#");
  const char *scheme_end = strstr (database_uri, "://");
  const char *slash = NULL;
  const char *query = database_uri[path_end] == '?' ? database_uri + path_end : "";

  for (const char *p = database_uri; p < database_uri + path_end; p++)
    if (*p == '/')
      slash = p;
  if (slash == NULL || scheme_end == NULL || slash < scheme_end + 3)
    slash = database_uri + path_end;
  return g_strdup_printf ("%.*s/_session%.*s", (int) (slash - database_uri), database_uri,
                          (int) strcspn (query, "#"), query);
}

typedef struct
{
  SoupMessage        *message;
  SyncobjHttpHeaders *headers;
} Login;

static void
login_free (Login *login)
{
  g_clear_object (&login->message);
  g_free (login);
}

static void
login_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Login *login = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = _syncobj_http_send_and_read_finish (result, &error);
  guint status;

  if (body == NULL)
    {
      g_task_return_error (task, _syncobj_http_network_error (login->message, error));
      return;
    }
  status = soup_message_get_status (login->message);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_autofree char *reason = _syncobj_http_error_reason (login->message, body);

      g_task_return_new_error (task, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
                               _("The CouchDB session login failed with status %u: %s"), status, reason);
      return;
    }
  /* From now on the cookie stands for the password. */
  _syncobj_http_headers_set_credential (login->headers, NULL);
  g_task_return_boolean (task, TRUE);
}

void
_syncobj_couch_session_login_async (SoupSession         *session,
                                    const char          *database_uri,
                                    SyncobjHttpHeaders  *headers,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char *name = NULL;
  g_autofree char *password = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *text = NULL;
  g_autoptr(GBytes) bytes = NULL;
  SyncobjHttpLimits limits;
  Login *login;

  g_task_set_source_tag (task, _syncobj_couch_session_login_async);
  if (!basic_credential (headers->credential, &name, &password))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  uri = session_uri (database_uri);
  login = g_new0 (Login, 1);
  login->headers = headers;
  login->message = soup_message_new ("POST", uri);
  g_task_set_task_data (task, login, (GDestroyNotify) login_free);
  if (login->message == NULL)
    {
      g_task_return_new_error (task, SYNCOBJ_ERROR, SYNCOBJ_ERROR_NON_RETRIABLE,
                               _("“%s” is not a valid CouchDB database URI"), database_uri);
      return;
    }
  json_object_set_string_member (body, "name", name);
  json_object_set_string_member (body, "password", password);
  text = _syncobj_json_to_string (body);
  bytes = g_bytes_new (text, strlen (text));
  soup_message_set_request_body_from_bytes (login->message, "application/json", bytes);
  soup_message_headers_replace (soup_message_get_request_headers (login->message), "Accept", "application/json");
  _syncobj_http_limits_init (&limits);
  _syncobj_http_send_and_read_async (session, login->message, &limits, cancellable,
                                     login_cb, g_steal_pointer (&task));
}

gboolean
_syncobj_couch_session_login_finish (GAsyncResult  *result,
                                     GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
