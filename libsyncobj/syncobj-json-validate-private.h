/* syncobj-json-validate-private.h: checks on outside data (syncobj-json-validate.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The deepest nesting of arrays and objects libsyncobj accepts. json-glib
 * parses, copies, compares and frees JSON recursively, so text nested a
 * hundred thousand levels deep would overflow the stack; real records are
 * nowhere near this. */
#define SYNCOBJ_JSON_MAX_DEPTH 512

/* Checks on outside data, before json-glib sees it: nesting at most 512
 * levels deep (json-glib recurses), no integer beyond gint64 and no number
 * beyond a finite double (json-glib would change their value), no "\u0000"
 * (it would cut strings short). Errors use @error_code in SYNCOBJ_ERROR. */
gboolean    _syncobj_json_check_text   (const char  *json,
                                        gssize       length,
                                        int          error_code,
                                        GError     **error);
/* The same for an object built through the API: nesting, finite numbers,
 * UTF-8 strings and member names. */
gboolean    _syncobj_json_check_object (JsonObject  *object,
                                        int          error_code,
                                        GError     **error);

G_END_DECLS
