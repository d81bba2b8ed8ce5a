/* demo-server-utils.c: starting the demo server of examples/server/ from a
 * C test, and talking to it directly (see demo-server-utils.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "demo-server-utils.h"
#include "test-utils.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

gboolean
demo_server_wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
read_port_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  char **line = user_data;

  *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  if (*line == NULL)
    *line = g_strdup ("");
}

/* Starts the server on @server->port (0: any) and waits for its port. */
static void
demo_server_spawn (DemoServer *server)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) output = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *line = NULL;
  const char *path = g_getenv ("SYNCOBJ_DEMO_SERVER");

  g_ptr_array_add (argv, g_strdup (path));
  g_ptr_array_add (argv, g_strdup_printf ("--port=%u", server->port));
  g_ptr_array_add (argv, g_strdup_printf ("--db=%s", server->db_path));
  if (server->token != NULL)
    g_ptr_array_add (argv, g_strdup_printf ("--token=%s", server->token));
  for (guint i = 0; server->args != NULL && server->args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (server->args[i]));
  g_ptr_array_add (argv, NULL);

  launcher = syncobj_test_server_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  server->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  g_data_input_stream_read_line_async (output, G_PRIORITY_DEFAULT, NULL, read_port_cb, &line);
  WAIT_FOR (line != NULL, WAIT_TIMEOUT_MS);
  if (!g_str_has_prefix (line, "PORT "))
    g_error ("the demo server did not start: “%s”", line);
  server->port = (guint) g_ascii_strtoull (line + 5, NULL, 10);
  g_assert_cmpuint (server->port, >, 0);
}

DemoServer *
demo_server_start_full (const char         *token,
                        const char * const *args)
{
  DemoServer *server = g_new0 (DemoServer, 1);
  g_autoptr(GError) error = NULL;

  server->dir = g_dir_make_tmp ("syncobj-http-test-XXXXXX", &error);
  g_assert_no_error (error);
  server->db_path = g_build_filename (server->dir, "demo.db", NULL);
  server->token = g_strdup (token);
  server->args = g_strdupv ((char **) args);
  server->admin = soup_session_new ();
  demo_server_spawn (server);
  return server;
}

DemoServer *
demo_server_start_with_token (const char *token)
{
  return demo_server_start_full (token, NULL);
}

gboolean
demo_server_test_missing (void)
{
  if (g_getenv ("SYNCOBJ_DEMO_SERVER") != NULL)
    return FALSE;

  g_test_skip ("SYNCOBJ_DEMO_SERVER is not set (the demo server was not built)");
  return TRUE;
}

DemoServer *
demo_server_start (void)
{
  return demo_server_start_full (NULL, NULL);
}

/* Kills the server without warning (a crash) and waits until it is gone. */
void
demo_server_kill (DemoServer *server)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (server->process, SIGKILL);
  g_subprocess_wait (server->process, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&server->process);
}

/* Restarts a killed server on the same port with the same database. */
void
demo_server_restart (DemoServer *server)
{
  guint port = server->port;

  demo_server_spawn (server);
  g_assert_cmpuint (server->port, ==, port);
}

void
demo_server_free (DemoServer *server)
{
  if (server->process != NULL)
    {
      g_subprocess_send_signal (server->process, SIGTERM);
      g_subprocess_wait (server->process, NULL, NULL);
      g_clear_object (&server->process);
    }
  if (server->db_path != NULL)
    {
      g_autofree char *wal = g_strconcat (server->db_path, "-wal", NULL);
      g_autofree char *shm = g_strconcat (server->db_path, "-shm", NULL);

      g_unlink (server->db_path);
      g_unlink (wal);
      g_unlink (shm);
    }
  g_rmdir (server->dir);
  g_free (server->dir);
  g_free (server->db_path);
  g_free (server->token);
  g_strfreev (server->args);
  g_clear_object (&server->admin);
  g_free (server);
}

char *
demo_server_uri (DemoServer *server,
                 const char *path)
{
  return g_strdup_printf ("http://127.0.0.1:%u%s", server->port, path);
}

char *
demo_server_send (DemoServer  *server,
                  SoupMessage *message,
                  guint       *status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) response = NULL;

  if (server->token != NULL)
    {
      g_autofree char *authorization = g_strdup_printf ("Bearer %s", server->token);
      soup_message_headers_replace (soup_message_get_request_headers (message), "Authorization", authorization);
    }
  response = soup_session_send_and_read (server->admin, message, NULL, &error);
  g_assert_no_error (error);
  if (status != NULL)
    *status = soup_message_get_status (message);
  /* An empty body may have no data at all. */
  if (g_bytes_get_size (response) == 0)
    return g_strdup ("");
  return g_strndup (g_bytes_get_data (response, NULL), g_bytes_get_size (response));
}

char *
demo_server_request (DemoServer  *server,
                     const char  *method,
                     const char  *path,
                     const char  *idempotency_key,
                     const char  *body,
                     guint       *status)
{
  g_autofree char *uri = demo_server_uri (server, path);
  g_autoptr(SoupMessage) message = soup_message_new (method, uri);

  if (idempotency_key != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (message), "Idempotency-Key", idempotency_key);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (message, "application/json", bytes);
    }
  return demo_server_send (server, message, status);
}

void
demo_server_admin (DemoServer *server,
                   const char *path,
                   const char *body)
{
  guint status = 0;
  g_autofree char *answer = demo_server_request (server, "POST", path, NULL, body != NULL ? body : "{}", &status);

  g_assert_cmpuint (status, ==, 200);
}

/* Every applied change, in order (from /_admin/effects). */
JsonArray *
demo_server_effects (DemoServer *server)
{
  g_autofree char *text = demo_server_request (server, "GET", "/_admin/effects", NULL, NULL, NULL);

  return syncobj_test_array (text);
}

/* How many faults of @kind the server injected (from /_admin/faults). */
gint64
demo_server_fault_count (DemoServer *server,
                         const char *kind)
{
  g_autofree char *text = demo_server_request (server, "GET", "/_admin/faults", NULL, NULL, NULL);
  g_autoptr(JsonObject) counts = syncobj_test_object (text);

  return json_object_get_int_member_with_default (counts, kind, 0);
}

JsonArray *
demo_server_items (DemoServer *server)
{
  g_autofree char *text = demo_server_request (server, "GET", "/items", NULL, NULL, NULL);

  return syncobj_test_array (text);
}
