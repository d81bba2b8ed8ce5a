/* syncobj-couch-parse-private.h: the answers of a CouchDB server
 * (_all_docs, _changes, _bulk_docs), read without building a JsonNode per
 * row (syncobj-couch-parse.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-private.h"

G_BEGIN_DECLS

/* One row of `_all_docs` (`rows`) or `_changes` (`results`). */
typedef struct
{
  const char *id;          /* unescaped, nul-terminated; valid during the call */
  gsize       id_length;
  const char *doc;         /* the checked text of the "doc" object, or NULL */
  gsize       doc_length;
  gboolean    deleted;     /* "deleted": true */
  const char *rev;         /* of "changes"[0] or "value", unescaped; or NULL */
  gsize       rev_length;
} SyncobjCouchRow;

typedef gboolean (*SyncobjCouchRowFunc) (const SyncobjCouchRow  *row,
                                         gpointer                user_data,
                                         GError                **error);

/* Checks that @text is an answer of `_all_docs` or `_changes` (an object
 * whose "rows" or "results" is an array of objects, each with a string
 * "id") and calls @func for each row, in order. @seq (nullable) gets the
 * answer's "update_seq" or "last_seq" as text (a string's value, a
 * number's digits), or NULL without one. Errors are SYNCOBJ_ERROR_PARSE
 * naming the byte and what was wrong. */
gboolean _syncobj_couch_parse_rows (const char           *text,
                                    gsize                 length,
                                    SyncobjCouchRowFunc   func,
                                    gpointer              user_data,
                                    char                **seq,
                                    GError              **error);

/* One entry of a `_bulk_docs` answer. */
typedef struct
{
  char *id;                /* NULL: a refused document sent without one */
  char *rev;               /* of a document written */
  char *error;             /* "conflict", "forbidden", …; NULL when written */
  char *reason;
} SyncobjCouchBulkResult;

void _syncobj_couch_bulk_result_free (SyncobjCouchBulkResult *result);

/* The entries of a `_bulk_docs` answer (a JSON array of objects, each with
 * a string "id" and either "ok"/"rev" or "error"; an "error" may come
 * without an "id"), in order; NULL with SYNCOBJ_ERROR_PARSE otherwise. */
GPtrArray *_syncobj_couch_parse_bulk (const char  *text,
                                      gsize        length,
                                      GError     **error);

G_END_DECLS
