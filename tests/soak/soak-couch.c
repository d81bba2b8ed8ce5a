/* soak-couch.c: the CouchDB side of the soak (soak --couch)
 *
 * PouchDB Server keeps every revision's body (it compacts only when asked
 * to), so the history of a document tells which writes the server applied
 * and in which order: each revision of the winning branch, oldest first,
 * carries the "seq" of the mutation that wrote it, or is a deletion. This
 * is the CouchDB counterpart of the demo server's effects log.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "soak-couch.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#define START_TIMEOUT_S 60

guint
soak_couch_free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  if (socket == NULL || !g_socket_bind (socket, any, FALSE, NULL))
    return 0;
  bound = g_socket_get_local_address (socket, NULL);
  return bound != NULL ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)) : 0;
}

/* A blocking request; the body, or NULL with @error (no answer). */
static char *
request (SoupSession  *session,
         const char   *method,
         const char   *uri,
         guint        *status,
         GError      **error)
{
  g_autoptr(SoupMessage) message = soup_message_new (method, uri);
  g_autoptr(GBytes) body = NULL;

  if (message == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad URI %s", uri);
      return NULL;
    }
  soup_message_headers_replace (soup_message_get_request_headers (message), "Accept", "application/json");
  body = soup_session_send_and_read (session, message, NULL, error);
  if (body == NULL)
    return NULL;
  *status = soup_message_get_status (message);
  return g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

GSubprocess *
soak_couch_start (const char   *program,
                  const char   *dir,
                  guint         port,
                  SoupSession  *session,
                  GError      **error)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autofree char *data = g_build_filename (dir, "couch-data", NULL);
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autofree char *base = g_strdup_printf ("http://127.0.0.1:%u/", port);
  g_autofree char *db = g_strconcat (base, "db", NULL);
  g_autofree char *answer = NULL;
  g_autoptr(GSubprocess) process = NULL;
  gint64 deadline = g_get_monotonic_time () + START_TIMEOUT_S * G_USEC_PER_SEC;
  guint status = 0;

  g_mkdir_with_parents (data, 0700);
  /* It writes its log and configuration to its working directory. */
  g_subprocess_launcher_set_cwd (launcher, dir);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  process = g_subprocess_launcher_spawn (launcher, error, program, "--host", "127.0.0.1", "--port", port_text,
                                         "--dir", data, NULL);
  if (process == NULL)
    return NULL;

  while (status != SOUP_STATUS_OK)
    {
      g_autofree char *text = request (session, "GET", base, &status, NULL);

      if (status == SOUP_STATUS_OK)
        break;
      if (g_subprocess_get_identifier (process) == NULL || g_get_monotonic_time () > deadline)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s did not answer on %s within %d s",
                       program, base, START_TIMEOUT_S);
          g_subprocess_force_exit (process);
          return NULL;
        }
      g_usleep (100 * 1000);
    }

  answer = request (session, "PUT", db, &status, error);
  if (answer == NULL)
    return NULL;
  if (status != SOUP_STATUS_CREATED && status != SOUP_STATUS_PRECONDITION_FAILED)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "PUT %s answered %u: %s", db, status, answer);
      return NULL;
    }
  return g_steal_pointer (&process);
}

/* The JSON object @text holds, or NULL with @error. */
static JsonNode *
parse (const char  *text,
       const char  *what,
       GError     **error)
{
  JsonNode *node = json_from_string (text, NULL);

  if (node == NULL || (!JSON_NODE_HOLDS_OBJECT (node) && !JSON_NODE_HOLDS_ARRAY (node)))
    {
      g_clear_pointer (&node, json_node_unref);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "cannot read %s", what);
    }
  return node;
}

/* What revision @rev of @key says: its "seq", or a deletion. */
static gboolean
revision_seq (SoupSession  *session,
              const char   *doc_uri,
              const char   *rev,
              gint64       *seq,
              GError      **error)
{
  g_autofree char *uri = g_strdup_printf ("%s?rev=%s", doc_uri, rev);
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  JsonObject *body;
  guint status = 0;

  text = request (session, "GET", uri, &status, error);
  if (text == NULL || (node = parse (text, uri, error)) == NULL)
    return FALSE;
  if (status != SOUP_STATUS_OK || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "GET %s answered %u", uri, status);
      return FALSE;
    }
  body = json_node_get_object (node);
  if (json_object_get_boolean_member_with_default (body, "_deleted", FALSE))
    *seq = SOAK_COUCH_DELETED;
  else
    *seq = json_object_get_int_member_with_default (body, "seq", SOAK_COUCH_UNNAMED);
  return TRUE;
}

/* The winning leaf of @leaves (the answer to open_revs=all): the longest
 * branch, as CouchDB picks it. */
static JsonObject *
winning_leaf (JsonArray *leaves,
              guint     *n_leaves)
{
  JsonObject *winner = NULL;
  gint64 best = -1;

  *n_leaves = 0;
  for (guint i = 0; i < json_array_get_length (leaves); i++)
    {
      JsonObject *entry = json_array_get_object_element (leaves, i);
      JsonObject *doc = entry != NULL ? json_object_get_object_member (entry, "ok") : NULL;
      JsonObject *revisions = doc != NULL ? json_object_get_object_member (doc, "_revisions") : NULL;
      gint64 start = revisions != NULL ? json_object_get_int_member_with_default (revisions, "start", -1) : -1;

      if (doc == NULL)
        continue;
      (*n_leaves)++;
      if (start > best)
        {
          best = start;
          winner = doc;
        }
    }
  return winner;
}

GHashTable *
soak_couch_histories (SoupSession  *session,
                      const char   *db_uri,
                      GPtrArray    *keys,
                      guint        *n_branches,
                      JsonArray   **docs,
                      GError      **error)
{
  g_autoptr(GHashTable) histories = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                           (GDestroyNotify) g_array_unref);
  g_autoptr(JsonArray) live = json_array_new ();

  *n_branches = 0;
  for (guint k = 0; k < keys->len; k++)
    {
      const char *key = g_ptr_array_index (keys, k);
      g_autofree char *escaped = g_uri_escape_string (key, NULL, TRUE);
      g_autofree char *doc_uri = g_strdup_printf ("%s/%s", db_uri, escaped);
      g_autofree char *uri = g_strdup_printf ("%s?revs=true&open_revs=all", doc_uri);
      g_autofree char *text = NULL;
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(GArray) history = g_array_new (FALSE, FALSE, sizeof (gint64));
      JsonObject *leaf, *revisions;
      JsonArray *ids;
      guint status = 0, n_leaves = 0;
      gint64 start;

      text = request (session, "GET", uri, &status, error);
      if (text == NULL || (node = parse (text, uri, error)) == NULL)
        return NULL;
      if (status == SOUP_STATUS_NOT_FOUND || !JSON_NODE_HOLDS_ARRAY (node))
        continue;   /* never written */
      leaf = winning_leaf (json_node_get_array (node), &n_leaves);
      if (leaf == NULL)
        continue;
      if (n_leaves > 1)
        (*n_branches)++;

      revisions = json_object_get_object_member (leaf, "_revisions");
      ids = json_object_get_array_member (revisions, "ids");
      start = json_object_get_int_member (revisions, "start");
      for (guint i = json_array_get_length (ids); i-- > 0;)
        {
          g_autofree char *rev = g_strdup_printf ("%" G_GINT64_FORMAT "-%s", start - (gint64) i,
                                                  json_array_get_string_element (ids, i));
          gint64 seq;

          if (!revision_seq (session, doc_uri, rev, &seq, error))
            return NULL;
          g_array_append_val (history, seq);
        }
      g_hash_table_insert (histories, g_strdup (key), g_steal_pointer (&history));

      if (!json_object_get_boolean_member_with_default (leaf, "_deleted", FALSE))
        {
          JsonObject *copy = json_object_new ();
          JsonObjectIter members;
          const char *member;
          JsonNode *value;

          json_object_iter_init (&members, leaf);
          while (json_object_iter_next (&members, &member, &value))
            if (member[0] != '_' || strcmp (member, "_id") == 0)
              json_object_set_member (copy, member, json_node_copy (value));
          json_array_add_object_element (live, copy);
        }
    }

  *docs = g_steal_pointer (&live);
  return g_steal_pointer (&histories);
}
