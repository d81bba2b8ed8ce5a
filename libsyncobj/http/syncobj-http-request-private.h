/* syncobj-http-request-private.h: requests and answers, as
 * SyncobjHttpMutator and SyncobjHttpSync both send and read them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "syncobj-private.h"

G_BEGIN_DECLS

/* Extra headers and the auth callback, applied to every request. */
typedef struct
{
  GHashTable          *headers;        /* name → value */
  SyncobjHttpAuthFunc  auth_func;
  gpointer             auth_data;
  GDestroyNotify       auth_destroy;
  char                *credential;     /* Authorization given through a
                                        * SyncobjAuthRequest; wins */
} SyncobjHttpHeaders;

void       _syncobj_http_headers_init   (SyncobjHttpHeaders *headers);
void       _syncobj_http_headers_clear  (SyncobjHttpHeaders *headers);
void       _syncobj_http_headers_set    (SyncobjHttpHeaders *headers,
                                         const char         *name,
                                         const char         *value);
void       _syncobj_http_headers_set_auth (SyncobjHttpHeaders  *headers,
                                           SyncobjHttpAuthFunc  func,
                                           gpointer             user_data,
                                           GDestroyNotify       destroy);
/* The Authorization value an application gave when asked for credentials:
 * sent from then on, in place of the auth callback's. */
void       _syncobj_http_headers_set_credential (SyncobjHttpHeaders *headers,
                                                 const char         *authorization);
/* @uri without its user information (`name:password@`), so that no
 * password shows in a property or an error; when there is some with a
 * name, it becomes the Basic credential of @headers (the name and
 * password percent-decoded). NULL stays NULL. */
char      *_syncobj_http_uri_take_userinfo (const char         *uri,
                                            SyncobjHttpHeaders *headers);
/* @uri (NULL: "") as a base URI that paths are appended to: without its
 * trailing slashes, and its user information taken as by
 * _syncobj_http_uri_take_userinfo(). A REST collection's base and a
 * CouchDB database are such URIs. */
char      *_syncobj_http_base_uri        (const char         *uri,
                                            SyncobjHttpHeaders *headers);
/* Sets the extra headers, then Authorization from the credential or the
 * callback. */
void       _syncobj_http_headers_apply  (SyncobjHttpHeaders *headers,
                                         SoupMessage        *message);

/* libsoup 3.2 resends a GET, HEAD, PUT, DELETE (any method it deems
 * idempotent) by itself when the kept-alive connection it went out on
 * turns out to be closed, and that resend races with the first attempt's
 * error: the message ends with that error while the resend reads the
 * answer, and libsoup then reads a reply for a message without I/O (a NULL
 * dereference in run_until_read_done). Such a request gets a connection of
 * its own (a fresh connection is never resent), so that a lost connection
 * is an error the retry policy handles. POST and PATCH are never resent
 * and keep reusing connections. */
void       _syncobj_http_forbid_resend  (SoupMessage        *message);

/* Whether libsoup can send a request to @uri: an http or https URI (ws or
 * wss too when @websocket) with a host. libsoup asserts it
 * (SOUP_URI_IS_VALID) and GLib parses `localhost:3000/todos` as a URI of
 * scheme `localhost` without a host. */
gboolean   _syncobj_http_uri_is_sendable (GUri              *uri,
                                          gboolean           websocket);
/* @uri parsed, when a request can go to it; else NULL and an error of
 * SYNCOBJ_ERROR and @error_code naming @uri and what is wrong. */
GUri      *_syncobj_http_parse_uri      (const char         *uri,
                                         gboolean            websocket,
                                         int                 error_code,
                                         GError            **error);

/* The URI of the record of @key below @base_uri: the key, escaped, as one
 * more path segment (after the base's path, its trailing slash included),
 * with the base's query kept after it: `https://h/api/todos?key=K` and
 * `7` give `https://h/api/todos/7?key=K`, `https://h/api/todos/` gives
 * `https://h/api/todos/7`. A fragment is dropped (never sent). */
char      *_syncobj_http_item_uri       (const char         *base_uri,
                                         const char         *key);
/* @base_uri with @segment (already escaped) as one more path segment,
 * and @query (nullable, without its `?`) after the base's own query:
 * `http://h/db?k=K`, `_changes` and `since=0` give
 * `http://h/db/_changes?k=K&since=0`. A fragment is dropped. */
char      *_syncobj_http_uri_child      (const char         *base_uri,
                                         const char         *segment,
                                         const char         *query);

/* The default of the timeout properties, in milliseconds. */
#define SYNCOBJ_HTTP_DEFAULT_TIMEOUT_MS 30000

/* A session whose requests wait at most @timeout_ms (0: no limit). libsoup
 * counts whole seconds: a timeout is rounded up to the next second. */
SoupSession *_syncobj_http_session_new         (guint          timeout_ms);
void         _syncobj_http_session_set_timeout (SoupSession   *session,
                                                guint          timeout_ms);
/* The defaults of the limits both the mutator and the sync have. */
#define SYNCOBJ_HTTP_DEFAULT_MAX_BODY_SIZE      (G_GUINT64_CONSTANT (256) * 1024 * 1024)
#define SYNCOBJ_HTTP_DEFAULT_MIN_TRANSFER_RATE  1024

/* How much of an answer a client takes, and how slowly. */
typedef struct
{
  guint64 max_body_size;      /* bytes after decoding; 0: no limit */
  guint   min_transfer_rate;  /* bytes per second, averaged over the
                               * session's timeout; 0: no limit */
} SyncobjHttpLimits;

void       _syncobj_http_limits_init    (SyncobjHttpLimits  *limits);

/* The properties max-body-size and min-transfer-rate, which the mutator
 * and the sync both have (each class documents its own), in this order:
 * a class gives them two adjacent property ids and passes the id minus
 * the first one as @which. */
enum {
  SYNCOBJ_HTTP_LIMITS_PROP_MAX_BODY_SIZE,
  SYNCOBJ_HTTP_LIMITS_PROP_MIN_TRANSFER_RATE,
  SYNCOBJ_HTTP_LIMITS_N_PROPS
};

/* Creates both GParamSpecs in @pspecs[0] and @pspecs[1]. */
void       _syncobj_http_limits_param_specs  (GParamSpec              **pspecs);
void       _syncobj_http_limits_get_property (const SyncobjHttpLimits  *limits,
                                              guint                     which,
                                              GValue                   *value);
/* Sets *@field of @object, a property's value: notifies @pspec when it
 * changed (for properties with G_PARAM_EXPLICIT_NOTIFY). */
void       _syncobj_http_set_uint            (GObject                  *object,
                                              GParamSpec               *pspec,
                                              guint                    *field,
                                              guint                     value);
void       _syncobj_http_set_uint64          (GObject                  *object,
                                              GParamSpec               *pspec,
                                              guint64                  *field,
                                              guint64                   value);
/* Sets the limit; notifies @pspec on @object when it changed. */
void       _syncobj_http_limits_set_property (SyncobjHttpLimits        *limits,
                                              guint                     which,
                                              GObject                  *object,
                                              const GValue             *value,
                                              GParamSpec               *pspec);

/* Sends @message and reads its whole answer, as soup_session_send_and_read()
 * does, within @limits: the answer must start (its headers arrive) within
 * the session's timeout, and its body, counted after decoding, may hold at
 * most max_body_size bytes and must advance at least min_transfer_rate
 * bytes a second over each period of the timeout. Otherwise it fails with
 * G_IO_ERROR_TIMED_OUT or G_IO_ERROR_MESSAGE_TOO_LARGE (naming the limit)
 * and the connection is dropped. */
void       _syncobj_http_send_and_read_async  (SoupSession             *session,
                                               SoupMessage             *message,
                                               const SyncobjHttpLimits *limits,
                                               GCancellable            *cancellable,
                                               GAsyncReadyCallback      callback,
                                               gpointer                 user_data);
GBytes    *_syncobj_http_send_and_read_finish (GAsyncResult            *result,
                                               GError                 **error);

/* The reason the server gave in an error body ({"error": "…"},
 * {"message": "…"}, {"error": {"message": "…"}}, CouchDB's {"error": "…",
 * "reason": "…"} as `error: reason`, or short text), else (an
 * HTML error page, no body) the status' reason phrase. */
char      *_syncobj_http_error_reason   (SoupMessage        *message,
                                         GBytes             *body);
/* The type of an answer that is a page, not data: text/html or
 * application/xhtml+xml, or "text/html" for a body starting with `<` that
 * has no Content-Type; NULL otherwise. */
const char *_syncobj_http_body_markup_type (SoupMessage     *message,
                                            GBytes          *body);
/* Whether the first character of @body that is not a space is `<`. */
gboolean   _syncobj_http_body_starts_with_markup (GBytes    *body);
/* Whether the answer's Content-Type is application/json or …+json. */
gboolean   _syncobj_http_body_is_json   (SoupMessage        *message);
/* Whether the body of a 2xx answer to @message may count as success:
 * FALSE, with SYNCOBJ_ERROR_HTTP naming method, URI and what was wrong,
 * for an HTML page or JSON that does not parse; blank bodies and other
 * types pass. */
gboolean   _syncobj_http_check_success_body (SoupMessage    *message,
                                             GBytes         *body,
                                             GError        **error);
/* Whether @body is NULL, empty or only whitespace. */
gboolean   _syncobj_http_body_is_blank  (GBytes             *body);
/* An error for a request that got no answer: SYNCOBJ_ERROR_HTTP naming
 * method, URI and cause, SYNCOBJ_ERROR_TIMEOUT when the session's timeout
 * passed (both retriable; cancellation stays G_IO_ERROR_CANCELLED). */
GError    *_syncobj_http_network_error  (SoupMessage        *message,
                                         const GError       *cause);
/* Whether @error is a failure to reach the server at all. */
gboolean   _syncobj_http_is_network_error (const GError     *error);

G_END_DECLS
