/* syncobj-json-writer-private.h: compact JSON text (syncobj-json-writer.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Compact JSON text of @object, written directly (faster than
 * JsonGenerator for flat records). */
char       *_syncobj_json_write_compact (JsonObject *object);
/* For the compact, checked object text @text (a packed record): whether
 * _syncobj_json_write_compact (@object) would give @text exactly; sets
 * @covers to whether every top-level member of @text is a member of
 * @object. */
gboolean    _syncobj_json_text_compare (const char *text,
                                        JsonObject *object,
                                        gboolean   *covers);
/* Appends the JSON text of @string (a JSON string) to @out. */
void        _syncobj_json_write_string (GString    *out,
                                        const char *string);
/* Appends the compact text of one member value to @out, as
 * _syncobj_json_write_compact() writes it. */
void        _syncobj_json_write_node   (GString    *out,
                                        JsonNode   *node);
/* Appends the compact JSON text of @object to @out, as
 * _syncobj_json_write_compact() writes it. */
void        _syncobj_json_write_object (GString    *out,
                                        JsonObject *object);

G_END_DECLS
