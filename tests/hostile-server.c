/* hostile-server.c: see hostile-server.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hostile-server.h"

#include <string.h>

struct _HostileServer
{
  GSocketService *service;
  guint           port;
  GPtrArray      *connections;    /* Connection, open ones */
  GHashTable     *requests;       /* path → count */
  guint64         body_bytes;
  guint           dropped;
  guint           records;
  gboolean        hold;
  char           *retry_after;
  guint           flood;
  gboolean        flooded;
};

typedef struct _Connection Connection;

/* What a connection writes next: bytes to write, and how long to wait
 * after they are written (@delay_ms); NULL when the answer is complete. */
typedef GBytes *(*GenerateFunc) (Connection *connection,
                                 guint      *delay_ms);

struct _Connection
{
  int                ref_count;
  HostileServer     *server;
  GSocketConnection *socket;
  GDataInputStream  *input;
  GOutputStream     *output;
  char              *method;
  char              *path;
  char              *websocket_key;
  gsize              content_length;
  char              *request_body;
  GQueue             out;           /* GBytes */
  gboolean           writing;
  guint              timer;
  guint              delay_ms;
  GenerateFunc       generate;
  gboolean           keep_open;     /* a WebSocket, a held snapshot */
  gboolean           closed;
  guint64            step;
  GBytes            *body;          /* /steady: what is dripped */
};

static Connection *
connection_ref (Connection *connection)
{
  connection->ref_count++;
  return connection;
}

static void
connection_unref (Connection *connection)
{
  if (--connection->ref_count > 0)
    return;
  g_clear_handle_id (&connection->timer, g_source_remove);
  g_queue_clear_full (&connection->out, (GDestroyNotify) g_bytes_unref);
  g_clear_object (&connection->input);
  g_clear_object (&connection->socket);
  g_free (connection->method);
  g_free (connection->path);
  g_free (connection->websocket_key);
  g_free (connection->request_body);
  g_clear_pointer (&connection->body, g_bytes_unref);
  g_free (connection);
}

static void
connection_close (Connection *connection)
{
  if (connection->closed)
    return;
  connection->closed = TRUE;
  g_clear_handle_id (&connection->timer, g_source_remove);
  g_io_stream_close (G_IO_STREAM (connection->socket), NULL, NULL);
  if (g_ptr_array_remove (connection->server->connections, connection))
    connection_unref (connection);
}

static void connection_pump (Connection *connection);

static gboolean
delay_done_cb (gpointer data)
{
  Connection *connection = data;

  connection->timer = 0;
  connection_pump (connection);
  return G_SOURCE_REMOVE;
}

static void
write_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Connection *connection = user_data;
  gsize written = 0;
  gboolean ok = g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &written, NULL);

  connection->writing = FALSE;
  g_bytes_unref (g_queue_pop_head (&connection->out));
  if (!connection->closed)
    {
      connection->server->body_bytes += written;
      if (!ok)
        {
          /* The client went away before the answer was complete. */
          connection->server->dropped++;
          connection_close (connection);
        }
      else if (connection->delay_ms > 0 && g_queue_is_empty (&connection->out))
        connection->timer = g_timeout_add (connection->delay_ms, delay_done_cb, connection);
      else
        connection_pump (connection);
    }
  connection_unref (connection);
}

static void
connection_pump (Connection *connection)
{
  GBytes *next;

  if (connection->writing || connection->closed || connection->timer != 0)
    return;
  if (g_queue_is_empty (&connection->out) && connection->generate != NULL)
    {
      connection->delay_ms = 0;
      next = connection->generate (connection, &connection->delay_ms);
      if (next != NULL)
        g_queue_push_tail (&connection->out, next);
      else
        connection->generate = NULL;
    }
  if (!g_queue_is_empty (&connection->out))
    {
      GBytes *bytes = g_queue_peek_head (&connection->out);

      connection->writing = TRUE;
      g_output_stream_write_all_async (connection->output, g_bytes_get_data (bytes, NULL),
                                       g_bytes_get_size (bytes), G_PRIORITY_DEFAULT, NULL,
                                       write_cb, connection_ref (connection));
      return;
    }
  if (connection->generate == NULL && !connection->keep_open)
    connection_close (connection);
}

static void
connection_write (Connection *connection,
                  GBytes     *bytes)
{
  g_queue_push_tail (&connection->out, bytes);
  connection_pump (connection);
}

static GBytes *
text (const char *format,
      ...) G_GNUC_PRINTF (1, 2);

static GBytes *
text (const char *format,
      ...)
{
  va_list args;
  char *string;

  va_start (args, format);
  string = g_strdup_vprintf (format, args);
  va_end (args);
  return g_bytes_new_take (string, strlen (string));
}

/* ---- bodies ------------------------------------------------------------------------- */

static GBytes *
records_body (guint n)
{
  GString *body = g_string_new ("[");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (body, "%s{\"id\":\"k%u\",\"title\":\"item %u\",\"n\":%u}", i > 0 ? "," : "", i, i, i);
  g_string_append (body, "]");
  return g_string_free_to_bytes (body);
}

static GBytes *
numbers_body (guint n)
{
  GString *body = g_string_new ("[");

  for (guint i = 0; i < n; i++)
    g_string_append (body, i > 0 ? ",1" : "1");
  g_string_append (body, "]");
  return g_string_free_to_bytes (body);
}

#define BOMB_SIZE (64 * 1024 * 1024)

/* "[" and 64 MiB of spaces, gzipped: about 64 KiB. */
static GBytes *
bomb_body (void)
{
  static GBytes *bomb;
  g_autoptr(GZlibCompressor) compressor = NULL;
  g_autoptr(GByteArray) out = NULL;
  g_autofree char *spaces = NULL;
  gsize fed = 0;
  gboolean done = FALSE;

  if (bomb != NULL)
    return g_bytes_ref (bomb);

  compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 9);
  out = g_byte_array_new ();
  spaces = g_malloc (1024 * 1024);
  memset (spaces, ' ', 1024 * 1024);
  spaces[0] = '[';
  while (!done)
    {
      guint8 buffer[64 * 1024];
      gsize read = 0, written = 0;
      gsize chunk = MIN ((gsize) 1024 * 1024, (gsize) BOMB_SIZE - fed);
      GConverterResult result;

      result = g_converter_convert (G_CONVERTER (compressor), spaces, chunk, buffer, sizeof buffer,
                                    fed + chunk >= BOMB_SIZE ? G_CONVERTER_INPUT_AT_END : G_CONVERTER_NO_FLAGS,
                                    &read, &written, NULL);
      g_assert_cmpint (result, !=, G_CONVERTER_ERROR);
      spaces[0] = ' ';
      fed += read;
      g_byte_array_append (out, buffer, (guint) written);
      done = result == G_CONVERTER_FINISHED;
    }
  bomb = g_byte_array_free_to_bytes (g_steal_pointer (&out));
  return g_bytes_ref (bomb);
}

/* ---- modes ---------------------------------------------------------------------------- */

static GBytes *
drip_headers (Connection *connection,
              guint      *delay_ms)
{
  *delay_ms = 100;
  if (connection->step++ == 0)
    return text ("HTTP/1.1 200 OK\r\n");
  return text ("X-Drip-%" G_GUINT64_FORMAT ": x\r\n", connection->step);
}

static GBytes *
drip_body (Connection *connection,
           guint      *delay_ms)
{
  *delay_ms = 100;
  if (connection->step++ == 0)
    return text ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 "Content-Length: 100000\r\nConnection: close\r\n\r\n[");
  return text (" ");
}

#define HUGE_SIZE (G_GUINT64_CONSTANT (1) << 30)
#define HUGE_CHUNK (64 * 1024)

static GBytes *
huge (Connection *connection,
      guint      *delay_ms)
{
  static char spaces[HUGE_CHUNK];
  guint64 sent = connection->step;   /* of the spaces after "[" */
  gsize chunk;

  if (spaces[0] != ' ')
    memset (spaces, ' ', sizeof spaces);
  if (connection->body == NULL)
    {
      connection->body = g_bytes_new_static ("", 0);   /* the headers are out */
      return text ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                   "Content-Length: %" G_GUINT64_FORMAT "\r\nConnection: close\r\n\r\n[", HUGE_SIZE);
    }
  if (sent >= HUGE_SIZE - 1)
    return NULL;
  chunk = (gsize) MIN ((guint64) HUGE_CHUNK, HUGE_SIZE - 1 - sent);
  connection->step += chunk;
  return g_bytes_new_static (spaces, chunk);
}

static GBytes *
steady (Connection *connection,
        guint      *delay_ms)
{
  gsize size = g_bytes_get_size (connection->body);
  gsize offset = (gsize) connection->step;

  if (offset >= size)
    return NULL;
  connection->step += MIN ((gsize) 4096, size - offset);
  *delay_ms = 50;
  return g_bytes_new_from_bytes (connection->body, offset, MIN ((gsize) 4096, size - offset));
}

static void
answer (Connection *connection,
        guint       status,
        const char *extra_headers,
        GBytes     *body)
{
  g_autoptr(GBytes) owned = body;

  connection_write (connection, text ("HTTP/1.1 %u Hostile\r\nContent-Type: application/json\r\n"
                                      "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n%s\r\n",
                                      status, owned != NULL ? g_bytes_get_size (owned) : 0,
                                      extra_headers != NULL ? extra_headers : ""));
  if (owned != NULL && g_bytes_get_size (owned) > 0)
    connection_write (connection, g_steal_pointer (&owned));
}

static GBytes *
websocket_frame (const char *message)
{
  gsize length = strlen (message);
  GByteArray *frame = g_byte_array_sized_new ((guint) length + 10);
  guint8 header[10] = { 0x81 };
  guint header_length = 2;

  if (length < 126)
    header[1] = (guint8) length;
  else if (length < 65536)
    {
      header[1] = 126;
      header[2] = (guint8) (length >> 8);
      header[3] = (guint8) length;
      header_length = 4;
    }
  else
    {
      header[1] = 127;
      for (int i = 0; i < 8; i++)
        header[2 + i] = (guint8) ((guint64) length >> (56 - 8 * i));
      header_length = 10;
    }
  g_byte_array_append (frame, header, header_length);
  g_byte_array_append (frame, (const guint8 *) message, (guint) length);
  return g_byte_array_free_to_bytes (frame);
}

static void
start_websocket (Connection *connection)
{
  HostileServer *server = connection->server;
  g_autofree char *keyed = g_strconcat (connection->websocket_key, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", NULL);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA1);
  guint8 digest[20];
  gsize digest_length = sizeof digest;
  g_autofree char *accept = NULL;

  g_checksum_update (checksum, (const guchar *) keyed, -1);
  g_checksum_get_digest (checksum, digest, &digest_length);
  accept = g_base64_encode (digest, digest_length);
  connection->keep_open = TRUE;
  connection_write (connection, text ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                      "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept));
  if (!server->flooded && server->flood > 0)
    {
      g_autoptr(GByteArray) frames = g_byte_array_new ();

      server->flooded = TRUE;
      for (guint i = 0; i < server->flood; i++)
        {
          g_autofree char *message = g_strdup_printf ("{\"type\":\"insert\",\"value\":{\"id\":\"f%u\"}}", i);
          g_autoptr(GBytes) frame = websocket_frame (message);

          g_byte_array_append (frames, g_bytes_get_data (frame, NULL), (guint) g_bytes_get_size (frame));
        }
      connection_write (connection, g_byte_array_free_to_bytes (g_steal_pointer (&frames)));
    }
}

static void
dispatch (Connection *connection)
{
  HostileServer *server = connection->server;
  const char *path = connection->path;
  guint *count = g_hash_table_lookup (server->requests, path);

  if (count == NULL)
    {
      count = g_new0 (guint, 1);
      g_hash_table_insert (server->requests, g_strdup (path), count);
    }
  (*count)++;

  if (g_str_equal (path, "/drip-headers"))
    connection->generate = drip_headers;
  else if (g_str_equal (path, "/drip-body"))
    connection->generate = drip_body;
  else if (g_str_equal (path, "/huge"))
    connection->generate = huge;
  else if (g_str_equal (path, "/bomb"))
    {
      g_autoptr(GBytes) bomb = bomb_body ();

      connection_write (connection, text ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                          "Content-Encoding: gzip\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n"
                                          "Connection: close\r\n\r\n", g_bytes_get_size (bomb)));
      connection_write (connection, g_steal_pointer (&bomb));
    }
  else if (g_str_equal (path, "/steady"))
    {
      connection->body = records_body (server->records);
      connection_write (connection, text ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                          "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n\r\n",
                                          g_bytes_get_size (connection->body)));
      connection->generate = steady;
    }
  else if (g_str_equal (path, "/non-objects"))
    answer (connection, 200, NULL, numbers_body (server->records));
  else if (g_str_equal (path, "/items") && g_str_equal (connection->method, "POST"))
    {
      if (server->retry_after != NULL)
        {
          g_autofree char *header = g_strdup_printf ("Retry-After: %s\r\n", server->retry_after);
          answer (connection, 503, header, g_bytes_new_static ("{\"error\": \"busy\"}", 17));
        }
      else
        answer (connection, 201, NULL, g_bytes_new (connection->request_body, connection->content_length));
    }
  else if (g_str_equal (path, "/items"))
    {
      if (server->hold)
        connection->keep_open = TRUE;   /* answered by hostile_server_hold_snapshots() */
      else
        answer (connection, 200, NULL, records_body (server->records));
    }
  else if (g_str_equal (path, "/feed") && connection->websocket_key != NULL)
    start_websocket (connection);
  else
    answer (connection, 404, NULL, NULL);
  connection_pump (connection);
}

/* ---- reading requests ------------------------------------------------------------------ */

static void read_line_cb (GObject *source, GAsyncResult *result, gpointer user_data);

static void
read_body_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Connection *connection = user_data;
  gsize read = 0;

  if (g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &read, NULL) &&
      read == connection->content_length && !connection->closed)
    dispatch (connection);
  else
    connection_close (connection);
  connection_unref (connection);
}

static void
read_line_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Connection *connection = user_data;
  g_autofree char *line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, NULL, NULL);

  if (line == NULL || connection->closed)
    {
      connection_close (connection);
      connection_unref (connection);
      return;
    }
  g_strchomp (line);
  if (connection->method == NULL)
    {
      g_auto(GStrv) parts = g_strsplit (line, " ", 3);

      if (g_strv_length (parts) < 2)
        {
          connection_close (connection);
          connection_unref (connection);
          return;
        }
      connection->method = g_strdup (parts[0]);
      connection->path = g_strndup (parts[1], strcspn (parts[1], "?"));
    }
  else if (*line != '\0')
    {
      const char *colon = strchr (line, ':');

      if (colon != NULL && g_ascii_strncasecmp (line, "Content-Length", (gsize) (colon - line)) == 0 &&
          colon - line == 14)
        connection->content_length = (gsize) g_ascii_strtoull (colon + 1, NULL, 10);
      else if (colon != NULL && colon - line == 17 && g_ascii_strncasecmp (line, "Sec-WebSocket-Key", 17) == 0)
        connection->websocket_key = g_strstrip (g_strdup (colon + 1));
    }
  else if (connection->content_length > 0)
    {
      connection->request_body = g_malloc (connection->content_length);
      g_input_stream_read_all_async (G_INPUT_STREAM (connection->input), connection->request_body,
                                     connection->content_length, G_PRIORITY_DEFAULT, NULL,
                                     read_body_cb, connection);
      return;
    }
  else
    {
      dispatch (connection);
      connection_unref (connection);
      return;
    }
  g_data_input_stream_read_line_async (connection->input, G_PRIORITY_DEFAULT, NULL, read_line_cb, connection);
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *socket,
             GObject           *source,
             HostileServer     *server)
{
  Connection *connection = g_new0 (Connection, 1);

  connection->ref_count = 1;   /* the server's */
  connection->server = server;
  connection->socket = g_object_ref (socket);
  connection->input = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (socket)));
  g_data_input_stream_set_newline_type (connection->input, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  connection->output = g_io_stream_get_output_stream (G_IO_STREAM (socket));
  g_ptr_array_add (server->connections, connection);
  g_data_input_stream_read_line_async (connection->input, G_PRIORITY_DEFAULT, NULL, read_line_cb,
                                       connection_ref (connection));
  return TRUE;
}

/* ---- the server ---------------------------------------------------------------------- */

HostileServer *
hostile_server_new (void)
{
  HostileServer *server = g_new0 (HostileServer, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  server->connections = g_ptr_array_new ();
  server->requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  server->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (server->service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_signal_connect (server->service, "incoming", G_CALLBACK (incoming_cb), server);
  g_socket_service_start (server->service);
  return server;
}

void
hostile_server_free (HostileServer *server)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  g_socket_service_stop (server->service);
  g_socket_listener_close (G_SOCKET_LISTENER (server->service));
  while (server->connections->len > 0)
    connection_close (g_ptr_array_index (server->connections, 0));
  /* The last callbacks hold references: let them run. */
  while (g_main_context_pending (NULL) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_clear_object (&server->service);
  g_ptr_array_unref (server->connections);
  g_hash_table_unref (server->requests);
  g_free (server->retry_after);
  g_free (server);
}

char *
hostile_server_uri (HostileServer *server,
                    const char    *path,
                    gboolean       websocket)
{
  return g_strdup_printf ("%s://127.0.0.1:%u%s", websocket ? "ws" : "http", server->port, path);
}

void
hostile_server_set_records (HostileServer *server,
                            guint          n)
{
  server->records = n;
}

void
hostile_server_hold_snapshots (HostileServer *server,
                               gboolean       hold)
{
  server->hold = hold;
  if (hold)
    return;
  for (guint i = 0; i < server->connections->len; i++)
    {
      Connection *connection = g_ptr_array_index (server->connections, i);

      if (connection->keep_open && connection->websocket_key == NULL)
        {
          connection->keep_open = FALSE;
          answer (connection, 200, NULL, records_body (server->records));
        }
    }
}

void
hostile_server_set_retry_after (HostileServer *server,
                                const char    *value)
{
  g_free (server->retry_after);
  server->retry_after = g_strdup (value);
}

void
hostile_server_set_flood (HostileServer *server,
                          guint          n)
{
  server->flood = n;
}

void
hostile_server_send (HostileServer *server,
                     const char    *message,
                     guint          n)
{
  g_autoptr(GBytes) frame = websocket_frame (message);
  g_autoptr(GByteArray) frames = g_byte_array_sized_new ((guint) g_bytes_get_size (frame) * n);

  /* In one write: the client reads them all at once. */
  for (guint i = 0; i < n; i++)
    g_byte_array_append (frames, g_bytes_get_data (frame, NULL), (guint) g_bytes_get_size (frame));
  for (guint i = 0; i < server->connections->len; i++)
    {
      Connection *connection = g_ptr_array_index (server->connections, i);

      if (connection->websocket_key != NULL && connection->keep_open)
        connection_write (connection, g_bytes_new (frames->data, frames->len));
    }
}

guint
hostile_server_get_requests (HostileServer *server,
                             const char    *path)
{
  guint *count = g_hash_table_lookup (server->requests, path);

  return count != NULL ? *count : 0;
}

guint64
hostile_server_get_body_bytes (HostileServer *server)
{
  return server->body_bytes;
}

guint
hostile_server_get_dropped (HostileServer *server)
{
  return server->dropped;
}
