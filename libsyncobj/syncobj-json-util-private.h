/* syncobj-json-util-private.h: small helpers around json-glib (syncobj-json-util.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Returns a new sealed object: @base (may be NULL) with the members of
 * @changes (may be NULL) set on top, shallowly. */
JsonObject *_syncobj_json_merge        (JsonObject  *base,
                                        JsonObject  *changes);
/* Whether _syncobj_json_merge (@base, @changes) would hold exactly the
 * members of @expected, in the same order, with values of the same type
 * (so @expected can stand for the merge). @base must not be NULL. */
gboolean    _syncobj_json_merge_is     (JsonObject  *base,
                                        JsonObject  *changes,
                                        JsonObject  *expected);
/* Whether _syncobj_json_merge (@base, @a) and _syncobj_json_merge (@base, @b)
 * are the same (members, order, values of the same type), for @a and @b
 * that set only members @base has; FALSE when either sets another. */
gboolean    _syncobj_json_same_update  (JsonObject  *base,
                                        JsonObject  *a,
                                        JsonObject  *b);
/* Whether some member of @changes is missing from @value or differs from
 * it there: then merging @changes into @value gives an unequal object. */
gboolean    _syncobj_json_changes_differ (JsonObject *value,
                                          JsonObject *changes);
/* A sealed copy; members are shared (JsonNodes are copied shallowly). A
 * sealed @object is itself the copy (a new reference). */
JsonObject *_syncobj_json_copy         (JsonObject  *object);
/* Parses @json which must hold one JSON object; errors name what is wrong
 * (SYNCOBJ_ERROR_INVALID_RECORD). Returns a sealed object. */
JsonObject *_syncobj_json_parse_object (const char  *json,
                                        gssize       length,
                                        GError     **error);
/* The JSON name of what @node holds ("string", "array", …), for error
 * messages; NULL is "null". */
const char *_syncobj_json_kind         (JsonNode    *node);
/* Compact JSON text of @object. */
char       *_syncobj_json_to_string    (JsonObject  *object);
/* NULL-safe json_object_equal. */
gboolean    _syncobj_json_equal        (JsonObject  *a,
                                        JsonObject  *b);
/* Room for the decimal text of any gint64, with its nul. */
#define SYNCOBJ_INT_KEY_SIZE 24
/* The key of an integer key member: its canonical decimal text, in @buffer. */
const char *_syncobj_json_int_key      (gint64       value,
                                        char         buffer[SYNCOBJ_INT_KEY_SIZE]);
/* Reads the key member of @value: a non-empty string (returned as it is in
 * @value) or an integer within 64 bits (its decimal text, written to
 * @buffer; @is_int is then set), else an error
 * (SYNCOBJ_ERROR_INVALID_RECORD) naming @key_member. */
const char *_syncobj_json_get_key      (JsonObject  *value,
                                        const char  *key_member,
                                        char         buffer[SYNCOBJ_INT_KEY_SIZE],
                                        gboolean    *is_int,
                                        GError     **error);
/* Whether the key member of @value holds an integer. */
gboolean    _syncobj_json_key_is_int   (JsonObject  *value,
                                        const char  *key_member);
/* Sets the key member of @value to @key, an integer when @is_int. */
void        _syncobj_json_set_key      (JsonObject  *value,
                                        const char  *key_member,
                                        const char  *key,
                                        gboolean     is_int);
/* A string member of @object, or NULL when it is missing or not a string
 * (json-glib's _get_string_member_with_default() is critical about other
 * types, and outside data may hold anything). */
const char *_syncobj_json_get_string_member (JsonObject *object,
                                             const char *name);
/* An integer member of @object, or @fallback when it is missing or not an
 * integer. */
gint64      _syncobj_json_get_int_member    (JsonObject *object,
                                             const char *name,
                                             gint64      fallback);
/* The message of a json-glib parse error, made valid UTF-8. */
char       *_syncobj_json_error_message (const GError *parse_error,
                                         const char   *data,
                                         gssize        length);

G_END_DECLS
