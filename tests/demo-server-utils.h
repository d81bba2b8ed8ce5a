/* demo-server-utils.h: starting the demo server of examples/server/ from a
 * C test, and talking to it directly, outside libsyncobj.
 *
 * Real HTTP needs the real clock: waits are on events with a bounded
 * timeout.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define WAIT_TIMEOUT_MS 10000

/* The wake-up source of WAIT_FOR(). */
gboolean demo_server_wake_cb (gpointer data);

/* Runs the main context until @cond holds or @timeout_ms passed; the test
 * fails on timeout. The wake-up source only bounds the wait. */
#define WAIT_FOR(cond, timeout_ms)                                                 \
  G_STMT_START {                                                                   \
    gint64 deadline_ = g_get_monotonic_time () + (gint64) (timeout_ms) * 1000;     \
    guint wake_ = g_timeout_add (20, demo_server_wake_cb, NULL);                   \
    while (!(cond) && g_get_monotonic_time () < deadline_)                         \
      g_main_context_iteration (NULL, TRUE);                                       \
    g_source_remove (wake_);                                                       \
    if (!(cond))                                                                   \
      g_error ("timed out after %d ms waiting for %s", (int) (timeout_ms), #cond); \
  } G_STMT_END

typedef struct
{
  GSubprocess *process;
  char        *dir;
  char        *db_path;
  guint        port;
  char        *token;
  char       **args;      /* more command-line options, or NULL */
  SoupSession *admin;
} DemoServer;

/* Starts the server ($SYNCOBJ_DEMO_SERVER) on a free port of 127.0.0.1
 * with a database of its own; with @token, writes need it; @args (NULL or
 * NULL-terminated) are more command-line options, such as "--versions". */
DemoServer *demo_server_start_full       (const char         *token,
                                          const char * const *args);
DemoServer *demo_server_start_with_token (const char         *token);
DemoServer *demo_server_start            (void);

/* Marks the test skipped and returns TRUE when $SYNCOBJ_DEMO_SERVER is not
 * set (the demo server was not built). */
gboolean    demo_server_test_missing     (void);

/* Kills the server without warning (a crash) and waits until it is gone. */
void        demo_server_kill             (DemoServer         *server);
/* Restarts a killed server on the same port with the same database. */
void        demo_server_restart          (DemoServer         *server);
/* Stops the server and removes its database. */
void        demo_server_free             (DemoServer         *server);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DemoServer, demo_server_free)

/* http://127.0.0.1:PORT@path */
char       *demo_server_uri              (DemoServer         *server,
                                          const char         *path);

/* Sends @message from the test itself (blocking; the server is another
 * process), with the server's token if it has one. Returns the body;
 * @status gets the status. */
char       *demo_server_send             (DemoServer         *server,
                                          SoupMessage        *message,
                                          guint              *status);
/* A request to @path with an Idempotency-Key and a JSON @body, each
 * optional. Returns the body; @status gets the status. */
char       *demo_server_request          (DemoServer         *server,
                                          const char         *method,
                                          const char         *path,
                                          const char         *idempotency_key,
                                          const char         *body,
                                          guint              *status);
/* A POST to an /_admin endpoint that must answer 200. */
void        demo_server_admin            (DemoServer         *server,
                                          const char         *path,
                                          const char         *body);
/* Every applied change, in order (from /_admin/effects). */
JsonArray  *demo_server_effects          (DemoServer         *server);
/* How many faults of @kind the server injected (from /_admin/faults). */
gint64      demo_server_fault_count      (DemoServer         *server,
                                          const char         *kind);
/* The records (GET /items). */
JsonArray  *demo_server_items            (DemoServer         *server);

G_END_DECLS
