/* syncobj-json-parser-private.h: JsonObjects from packed text (syncobj-json-parser.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A sealed object from checked JSON object text: much faster than
 * JsonParser for one small object. NULL if @text is not an object. */
JsonObject *_syncobj_json_object_from_text (const char *text,
                                            gssize      length);

/* A node from JSON text that is outside data (a row of the store): checked
 * as the scanner checks a record, and as _syncobj_json_check_text() does
 * when it holds escapes or unusual numbers, then built without JsonParser.
 * NULL when the text fails a check; JsonParser then names the fault. */
JsonNode   *_syncobj_json_node_from_text (const char *text,
                                          gssize      length);

G_END_DECLS
