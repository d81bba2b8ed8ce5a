/* fuzz-http-response.c: bodies of HTTP error answers
 *
 * Input: the body of a failed request, given to _syncobj_http_error_reason(),
 * which reads the server's reason out of {"error": "…"},
 * {"message": "…"}, {"error": {"message": "…"}} or short text. Whatever
 * the server sends, the reason is valid UTF-8 (it ends up in a GError) and
 * nothing warns, crashes or leaks. Snapshot and change-feed bodies go
 * through syncobj_sync_load_json_array() and syncobj_sync_apply_json(),
 * fuzzed by the snapshot and sync-message targets.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-common.h"

#include "syncobj-http-private.h"

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *reason = NULL;

  fuzz_init ();

  message = soup_message_new ("GET", "http://127.0.0.1/records");
  body = g_bytes_new (data, size);
  reason = _syncobj_http_error_reason (message, body);

  g_assert (reason != NULL);
  if (!g_utf8_validate (reason, -1, NULL))
    g_error ("fuzz: the reason from an error body is not valid UTF-8");

  return 0;
}
