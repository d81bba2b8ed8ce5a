/* syncobj-http-created-private.h: the keys a server's answers bring for
 * records inserted without one (syncobj-http-created.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The key a `Location` header names, for a request to @request_uri: the
 * last path segment below @base_uri, unescaped, an integer when it is the
 * canonical decimal text of one. A new object with just @key_member set
 * to it; NULL when @location is NULL or names no such key. */
JsonObject *_syncobj_http_location_key      (const char *request_uri,
                                             const char *location,
                                             const char *base_uri,
                                             const char *key_member);

/* The record the server created, from its answer: @answer (the body, or a
 * batch entry's record; nullable) when it holds @key_member, else @answer
 * with the key of @located (from _syncobj_http_location_key(); nullable),
 * else the record @answer wraps in one member (`{"data": {"id": 7}}`).
 * NULL when none brings a key. */
JsonObject *_syncobj_http_created_record    (JsonObject *answer,
                                             JsonObject *located,
                                             const char *key_member);

/* Called for each entry of a batch answer's "records", in order: @record
 * is the entry (transfer none, sealed) or NULL when it is not an object.
 * Returns FALSE to stop. */
typedef gboolean (*SyncobjHttpCreatedFunc) (guint       index,
                                            JsonObject *record,
                                            gpointer    user_data);

/* Reads a batch answer, `{"records": [...], …}` (the last "records"
 * member, as JsonParser keeps it), one entry at a time: memory stays that
 * of one entry however long the answer. Returns the number of entries
 * given to @func, or -1 when @text is not one JSON object or has no
 * "records" array (then @func is not called). */
gssize      _syncobj_http_scan_created      (const char             *text,
                                             gsize                   length,
                                             SyncobjHttpCreatedFunc  func,
                                             gpointer                user_data);

G_END_DECLS
