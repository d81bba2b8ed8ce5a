/* syncobj-json-scan-private.h: the scanner of JSON text (syncobj-json-scan.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include <string.h>

G_BEGIN_DECLS

/* Called for each record of a snapshot: @object is its JSON text (checked;
 * @compact when it has no whitespace between tokens), @key its key, unescaped and nul-terminated (valid during the call); the
 * decimal text of an integer key, with @key_is_int set. */
typedef gboolean (*SyncobjJsonRecordFunc) (gsize        index,
                                           const char  *object,
                                           gsize        object_length,
                                           gboolean     compact,
                                           const char  *key,
                                           gsize        key_length,
                                           gboolean     key_is_int,
                                           gpointer     user_data,
                                           GError     **error);
/* Checks that @text is a JSON array of objects, each with a non-empty
 * string or 64-bit integer @key_member, and calls @func for each, in order; without building
 * any JsonNode. Errors are SYNCOBJ_ERROR_PARSE and name the element. */
gboolean    _syncobj_json_scan_records (const char            *text,
                                        gsize                  length,
                                        const char            *key_member,
                                        SyncobjJsonRecordFunc  func,
                                        gpointer               user_data,
                                        GError               **error);
/* Why _syncobj_json_scan_records_skipping() passed over an element. */
typedef enum
{
  SYNCOBJ_JSON_SKIP_NOT_OBJECT,
  SYNCOBJ_JSON_SKIP_NO_KEY,      /* an object without the key member */
  SYNCOBJ_JSON_SKIP_BAD_KEY,     /* a key neither a non-empty string nor an integer */
  SYNCOBJ_JSON_SKIP_KEY_RANGE,   /* an integer key beyond 64 bits */
} SyncobjJsonSkip;

typedef void (*SyncobjJsonSkipFunc) (gsize            element,
                                     SyncobjJsonSkip  reason,
                                     gpointer         user_data);
/* The same, but an element that is not a record with a valid key is
 * passed to @skip (with its position in the array) instead of failing;
 * syntax errors still fail. */
gboolean    _syncobj_json_scan_records_skipping (const char            *text,
                                                 gsize                  length,
                                                 const char            *key_member,
                                                 SyncobjJsonRecordFunc  func,
                                                 SyncobjJsonSkipFunc    skip,
                                                 gpointer               user_data,
                                                 GError               **error);
/* Whether @text is one JSON object (whitespace around it allowed) with a
 * valid @key_member, as a snapshot's element must be: sets the key
 * (unescaped and nul-terminated in @key_out, room for @length +
 * SYNCOBJ_INT_KEY_SIZE bytes; an integer's decimal text with
 * @key_is_int), the object's span, whether it is compact (no whitespace
 * between its tokens), and @unusual as _syncobj_json_is_valid_usual()
 * does. FALSE for anything else, with no reason: the caller's slower path
 * names it. */
gboolean    _syncobj_json_scan_record  (const char   *text,
                                        gsize         length,
                                        const char   *key_member,
                                        char         *key_out,
                                        gsize        *key_length,
                                        gboolean     *key_is_int,
                                        gsize        *object_start,
                                        gsize        *object_length,
                                        gboolean     *compact,
                                        gboolean     *unusual);
/* One change message {"type": …, "value": {…}, "key": …} as scanned (the
 * last of equal member names counts). */
typedef struct
{
  char        type[8];          /* the "type" string, when short and without escape; else "" */
  const char *value;            /* the "value" object's text, or NULL */
  gsize       value_length;
  gboolean    value_compact;    /* no whitespace between its tokens */
  gboolean    has_other_value;  /* a "value" member that is not an object */
  /* The key member of the "value" object, or without one the "key"
   * member: unescaped and nul-terminated (valid during the call), an
   * integer's decimal text with @key_is_int; NULL when absent or not a
   * non-empty string or an integer within 64 bits. */
  const char *key;
  gsize       key_length;
  gboolean    key_is_int;
} SyncobjJsonMessage;

typedef gboolean (*SyncobjJsonMessageFunc) (const SyncobjJsonMessage *message,
                                            gpointer                  user_data);
/* Scans @text, one change message or an array of them, without building
 * any JsonNode, and calls @func for each message in order. FALSE when the
 * text is not such JSON (or has a member name with an escape), or when
 * @func returns FALSE; the caller's slower path then names the fault.
 * Sets @unusual as _syncobj_json_is_valid_usual() does. */
gboolean    _syncobj_json_scan_messages (const char             *text,
                                         gsize                   length,
                                         const char             *key_member,
                                         SyncobjJsonMessageFunc  func,
                                         gpointer                user_data,
                                         gboolean               *unusual);
/* For compact, checked object texts (packed records): whether @update
 * sets every top-level member of @base (by the text of its name; a name
 * written with escapes may be missed, never wrongly found), so that
 * merging @update into @base gives @update. */
gboolean    _syncobj_json_text_covers  (const char   *update,
                                        const char   *base);
/* In checked, compact object text, @p at a member's value: the position
 * of the ',' or '}' after it, or NULL. */
const char *_syncobj_json_packed_skip_value (const char *p,
                                             const char *end);
/* Whether @text is a JSON object with a member @name (the last one, if
 * several): sets the byte span of its value. The whole text is checked as
 * JSON; FALSE when it is not, or has no such member. */
gboolean    _syncobj_json_find_member  (const char  *text,
                                        gsize        length,
                                        const char  *name,
                                        gsize       *value_start,
                                        gsize       *value_length);
/* Whether @text is one valid JSON value (whitespace around it allowed),
 * checked without building it. */
gboolean    _syncobj_json_is_valid     (const char  *text,
                                        gsize        length);
/* The same, telling in @unusual whether @text has what
 * _syncobj_json_check_text() looks at beyond that: an escape in a string,
 * or a number with a fraction, an exponent or more than 18 digits. Valid
 * text without any passes that check. */
gboolean    _syncobj_json_is_valid_usual (const char *text,
                                          gsize       length,
                                          gboolean   *unusual);
/* Copies checked JSON text to @out (room for @length bytes) without the
 * whitespace between tokens; returns the length written. */
gsize       _syncobj_json_minify       (const char  *text,
                                        gsize        length,
                                        char        *out);

/* ---- tokens of JSON text, for the writer and the parser ------------------- */

/* Where a scan is, and the first error it met. */
typedef struct
{
  const char *start;
  const char *end;
  const char *error_at;
  const char *error_what;
  guint       depth;
  /* Heap room for unescaping a member name or a key: reused for every
   * member and record, so that no stack use grows with the input. */
  char       *scratch;
  gsize       scratch_size;
  /* Set when a string had an escape, or a number a fraction, an exponent
   * or more than 18 digits. */
  gboolean    unusual;
  /* Set when whitespace stood between tokens: the text is not compact. */
  gboolean    spaced;
} SyncobjJsonScan;

void        _syncobj_json_scan_clear   (SyncobjJsonScan *scan);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SyncobjJsonScan, _syncobj_json_scan_clear)

/* Each returns the position after the token at @p, or NULL (the error is
 * recorded in @scan). */
const char *_syncobj_json_scan_value   (SyncobjJsonScan *scan,
                                        const char      *p);
const char *_syncobj_json_scan_number  (SyncobjJsonScan *scan,
                                        const char      *p,
                                        gboolean        *is_double);

static inline const char *
_syncobj_json_skip_ws (const char *p,
                       const char *end)
{
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
    p++;
  return p;
}

/* @p at the opening quote of a checked string: finds its end. */
static inline const char *
_syncobj_json_string_end (const char *p,
                          const char *end,
                          gboolean   *escaped)
{
  *escaped = FALSE;
  for (p++; p < end; p++)
    {
      if (*p == '\\')
        {
          *escaped = TRUE;
          p++;
        }
      else if (*p == '"')
        return p;
    }
  return NULL;
}

/* Writes the string body @p..@end, which holds escapes, unescaped to @out
 * (room for end - p + 1 bytes); returns its length. */
gsize       _syncobj_json_unescape     (const char *p,
                                        const char *end,
                                        char       *out);

/* A nul-terminated copy of a string body; uses @buffer when it fits.
 * Inline: the files that compare and parse packed records call it for
 * every member name. */
static inline char *
_syncobj_json_string_body (const char *p,
                           const char *end,
                           gboolean    escaped,
                           char       *buffer,
                           gsize       buffer_size)
{
  gsize room = (gsize) (end - p) + 1;
  char *out = room <= buffer_size ? buffer : g_malloc (room);
  gsize len;

  if (escaped)
    len = _syncobj_json_unescape (p, end, out);
  else
    {
      len = (gsize) (end - p);
      memcpy (out, p, len);
    }
  out[len] = '\0';
  return out;
}

G_END_DECLS
