/* fuzz-http-response.c: bodies of HTTP answers
 *
 * Input: the body of an answer. As the body of a failed request it goes to
 * _syncobj_http_error_reason(), which reads the server's reason out of
 * {"error": "…"}, {"message": "…"}, {"error": {"message": "…"}} or short
 * text; as the body of a 2xx answer, under each Content-Type a server may
 * give, to _syncobj_http_check_success_body(), which decides whether the
 * change really reached the API. Whatever the server sends, the reason and
 * every error message are valid UTF-8 (they end up in a GError), a blank
 * body and JSON that parses count as success, a page never does, and
 * nothing warns, crashes or leaks. Snapshot and change-feed bodies go
 * through syncobj_sync_load_json_array() and syncobj_sync_apply_json(),
 * fuzzed by the snapshot and sync-message targets.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-common.h"

#include "http/syncobj-http-request-private.h"
#include "syncobj-json-validate-private.h"

static const char *content_types[] = {
  NULL, "application/json", "application/problem+json", "text/html", "text/plain",
};

static gboolean
parses_as_json (const guint8 *data,
                size_t        size)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();

  return _syncobj_json_check_text ((const char *) data, (gssize) size, SYNCOBJ_ERROR_PARSE, NULL) &&
         json_parser_load_from_data (parser, (const char *) data, (gssize) size, NULL);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *reason = NULL;
  gboolean blank, json;

  fuzz_init ();

  message = soup_message_new ("GET", "http://127.0.0.1/records");
  body = g_bytes_new (data, size);
  reason = _syncobj_http_error_reason (message, body);

  g_assert (reason != NULL);
  if (!g_utf8_validate (reason, -1, NULL))
    g_error ("fuzz: the reason from an error body is not valid UTF-8");

  blank = _syncobj_http_body_is_blank (body);
  json = !blank && parses_as_json (data, size);
  for (guint i = 0; i < G_N_ELEMENTS (content_types); i++)
    {
      g_autoptr(SoupMessage) answered = soup_message_new ("POST", "http://127.0.0.1/records");
      g_autoptr(GError) error = NULL;
      gboolean ok;

      if (content_types[i] != NULL)
        soup_message_headers_set_content_type (soup_message_get_response_headers (answered),
                                               content_types[i], NULL);
      ok = _syncobj_http_check_success_body (answered, body, &error);

      g_assert (ok == (error == NULL));
      if (error != NULL && !g_utf8_validate (error->message, -1, NULL))
        g_error ("fuzz: the error for a %s answer is not valid UTF-8", content_types[i]);
      if (blank && !ok)
        g_error ("fuzz: a blank %s answer did not count as success", content_types[i]);
      if (!blank && content_types[i] != NULL && g_str_equal (content_types[i], "text/html") && ok)
        g_error ("fuzz: an HTML page counted as success");
      if (json && i > 0 && i < 3 && data[0] != '<' && !ok)
        g_error ("fuzz: JSON that parses, labelled %s, did not count as success: %s",
                 content_types[i], error->message);
    }

  return 0;
}
