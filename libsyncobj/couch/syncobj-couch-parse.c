/* syncobj-couch-parse.c: the answers of a CouchDB server
 *
 * An `_all_docs` or `_changes` answer may hold a whole database: it is
 * checked and walked row by row with the scanner of syncobj-json-scan.c,
 * and each row's document is handed on as a span of the text, so that
 * nothing of the answer is held twice. `_bulk_docs` answers hold one entry
 * per document of a transaction and are read with json-glib.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-couch-parse-private.h"
#include "syncobj-json-scan-private.h"
#include "syncobj-json-util-private.h"
#include "syncobj-json-validate-private.h"

#include <string.h>

/* A walk over checked text. */
typedef struct
{
  SyncobjJsonScan  scan;
  const char      *text;
  const char      *fail_at;
  const char      *fail_what;
} Walk;

static const char *
walk_fail (Walk       *walk,
           const char *at,
           const char *what)
{
  if (walk->fail_at == NULL)
    {
      walk->fail_at = at;
      walk->fail_what = what;
    }
  return NULL;
}

/* The string token at @p: its body in [*body, *body_end), unescaped into
 * the scan's scratch when it has escapes (*body then points there and is
 * nul-terminated). Returns the position after it, or NULL. */
static const char *
walk_string (Walk        *walk,
             const char  *p,
             const char **body,
             gsize       *body_length)
{
  const char *end = walk->scan.end;
  const char *stop;
  gboolean escaped;

  if (p >= end || *p != '"')
    return walk_fail (walk, p, "expected a string");
  stop = _syncobj_json_string_end (p, end, &escaped);
  if (stop == NULL)
    return walk_fail (walk, p, "unterminated string");
  if (!escaped)
    {
      *body = p + 1;
      *body_length = (gsize) (stop - (p + 1));
      return stop + 1;
    }
  if ((gsize) (stop - p) > walk->scan.scratch_size)
    {
      walk->scan.scratch_size = MAX ((gsize) (stop - p), 2 * walk->scan.scratch_size);
      walk->scan.scratch = g_realloc (walk->scan.scratch, walk->scan.scratch_size);
    }
  *body = _syncobj_json_string_body (p + 1, stop, TRUE, walk->scan.scratch, walk->scan.scratch_size);
  *body_length = strlen (*body);
  return stop + 1;
}

static gboolean
name_is (const char *name,
         gsize       length,
         const char *expected)
{
  return strlen (expected) == length && memcmp (name, expected, length) == 0;
}

/* Skips the value at @p (checked text). */
static const char *
walk_value (Walk       *walk,
            const char *p)
{
  walk->scan.depth = 1;
  return _syncobj_json_scan_value (&walk->scan, p);
}

/* After a member or element: past a ',' (*more TRUE) or the @close. */
static const char *
walk_next (Walk       *walk,
           const char *p,
           char        close,
           gboolean   *more)
{
  const char *end = walk->scan.end;

  p = _syncobj_json_skip_ws (p, end);
  *more = p < end && *p == ',';
  if (*more)
    return _syncobj_json_skip_ws (p + 1, end);
  if (p < end && *p == close)
    return p + 1;
  return walk_fail (walk, p, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
}

/* At a member name: past its ':'; its name in @name/@name_length. */
static const char *
walk_member (Walk        *walk,
             const char  *p,
             const char **name,
             gsize       *name_length)
{
  const char *end = walk->scan.end;

  p = walk_string (walk, p, name, name_length);
  if (p == NULL)
    return NULL;
  p = _syncobj_json_skip_ws (p, end);
  if (p >= end || *p != ':')
    return walk_fail (walk, p, "expected ':'");
  p = _syncobj_json_skip_ws (p + 1, end);
  /* Callers look at the value's first byte: an answer may end here. */
  if (p >= end)
    return walk_fail (walk, p, "expected a value");
  return p;
}

/* The "rev" of the object at @p (checked text), or of the first element of
 * the array at @p: {"rev": "2-…"} or [{"rev": "2-…"}, …]. */
static void
walk_find_rev (Walk        *walk,
               const char  *p,
               char       **rev)
{
  const char *end = walk->scan.end;
  gboolean more = TRUE;

  if (*p == '[')
    p = _syncobj_json_skip_ws (p + 1, end);
  if (p >= end || *p != '{')
    return;
  p = _syncobj_json_skip_ws (p + 1, end);
  if (p < end && *p == '}')
    return;
  while (more && p != NULL)
    {
      const char *name, *body;
      gsize name_length, body_length;

      p = walk_member (walk, p, &name, &name_length);
      if (p == NULL)
        return;
      if (name_is (name, name_length, "rev") && *p == '"')
        {
          p = walk_string (walk, p, &body, &body_length);
          if (p != NULL)
            {
              g_free (*rev);
              *rev = g_strndup (body, body_length);
            }
        }
      else
        p = walk_value (walk, p);
      if (p == NULL)
        return;
      p = walk_next (walk, p, '}', &more);
    }
}

/* One row object at @p. */
static const char *
walk_row (Walk            *walk,
          const char      *p,
          SyncobjCouchRow *row,
          char           **id,
          char           **rev)
{
  const char *end = walk->scan.end;
  gboolean more = TRUE;

  *row = (SyncobjCouchRow) { 0 };
  if (p >= end || *p != '{')
    return walk_fail (walk, p, "a row is not an object");
  p = _syncobj_json_skip_ws (p + 1, end);
  if (p < end && *p == '}')
    return walk_fail (walk, p, "a row has no \"id\"");

  while (more && p != NULL)
    {
      const char *name, *value;
      gsize name_length;

      p = walk_member (walk, p, &name, &name_length);
      if (p == NULL)
        return NULL;
      value = p;
      if (name_is (name, name_length, "id") && *value == '"')
        {
          const char *body;
          gsize body_length;

          p = walk_string (walk, value, &body, &body_length);
          if (p == NULL)
            return NULL;
          g_free (*id);
          *id = g_strndup (body, body_length);
          row->id_length = body_length;
        }
      else
        {
          p = walk_value (walk, value);
          if (p == NULL)
            return NULL;
          if (name_is (name, name_length, "doc") && *value == '{')
            {
              row->doc = value;
              row->doc_length = (gsize) (p - value);
            }
          else if (name_is (name, name_length, "deleted"))
            row->deleted = *value == 't';
          else if (name_is (name, name_length, "changes") || name_is (name, name_length, "value"))
            walk_find_rev (walk, value, rev);
        }
      p = walk_next (walk, p, '}', &more);
    }
  if (p == NULL)
    return NULL;
  if (*id == NULL)
    return walk_fail (walk, p, "a row has no string \"id\"");
  if (row->id_length == 0 || strlen (*id) != row->id_length)
    return walk_fail (walk, p, "a row's \"id\" is empty or holds \\u0000");
  row->id = *id;
  row->rev = *rev;
  row->rev_length = *rev != NULL ? strlen (*rev) : 0;
  return p;
}

/* The array of rows at @p. */
static const char *
walk_rows (Walk                 *walk,
           const char           *p,
           SyncobjCouchRowFunc   func,
           gpointer              user_data,
           GError              **error)
{
  const char *end = walk->scan.end;
  gboolean more = TRUE;

  if (p >= end || *p != '[')
    return walk_fail (walk, p, "\"rows\" or \"results\" is not an array");
  p = _syncobj_json_skip_ws (p + 1, end);
  if (p < end && *p == ']')
    return p + 1;

  while (more && p != NULL)
    {
      g_autofree char *id = NULL;
      g_autofree char *rev = NULL;
      SyncobjCouchRow row;

      p = walk_row (walk, p, &row, &id, &rev);
      if (p == NULL)
        return NULL;
      if (!func (&row, user_data, error))
        return NULL;
      p = walk_next (walk, p, ']', &more);
    }
  return p;
}

/* The text of a sequence at @p: a string's value or a number's digits. */
static const char *
walk_seq (Walk        *walk,
          const char  *p,
          char       **seq)
{
  const char *next;

  if (*p == '"')
    {
      const char *body;
      gsize body_length;

      next = walk_string (walk, p, &body, &body_length);
      if (next != NULL && seq != NULL)
        {
          g_free (*seq);
          *seq = g_strndup (body, body_length);
        }
      return next;
    }
  next = walk_value (walk, p);
  if (next != NULL && seq != NULL && (*p == '-' || g_ascii_isdigit (*p)))
    {
      g_free (*seq);
      *seq = g_strndup (p, (gsize) (next - p));
    }
  return next;
}

static const char *
walk_answer (Walk                 *walk,
             SyncobjCouchRowFunc   func,
             gpointer              user_data,
             char                **seq,
             gboolean             *have_rows,
             GError              **error)
{
  const char *end = walk->scan.end;
  const char *p = _syncobj_json_skip_ws (walk->text, end);
  gboolean more = TRUE;

  if (p >= end || *p != '{')
    return walk_fail (walk, p, "the answer is not a JSON object");
  p = _syncobj_json_skip_ws (p + 1, end);
  if (p < end && *p == '}')
    return p + 1;

  while (more && p != NULL)
    {
      const char *name;
      gsize name_length;

      p = walk_member (walk, p, &name, &name_length);
      if (p == NULL)
        return NULL;
      if (name_is (name, name_length, "rows") || name_is (name, name_length, "results"))
        {
          *have_rows = TRUE;
          p = walk_rows (walk, p, func, user_data, error);
        }
      else if (name_is (name, name_length, "update_seq") || name_is (name, name_length, "last_seq"))
        p = walk_seq (walk, p, seq);
      else
        p = walk_value (walk, p);
      if (p == NULL)
        return NULL;
      p = walk_next (walk, p, '}', &more);
    }
  return p;
}

gboolean
_syncobj_couch_parse_rows (const char           *text,
                           gsize                 length,
                           SyncobjCouchRowFunc   func,
                           gpointer              user_data,
                           char                **seq,
                           GError              **error)
{
  Walk walk = { { text, text + length, NULL, NULL, 0, NULL, 0 }, text, NULL, NULL };
  g_autoptr(GError) local_error = NULL;
  g_autofree char *found_seq = NULL;
  gboolean have_rows = FALSE;
  const char *p;

  if (!g_utf8_validate_len (text, length, &p))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                   _("Malformed CouchDB answer: invalid UTF-8 at byte %lu"), (gulong) (p - text));
      return FALSE;
    }
  /* Numbers, nesting and escapes that could not be kept intact. */
  if (!_syncobj_json_check_text (text, (gssize) length, SYNCOBJ_ERROR_PARSE, &local_error))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                   _("Malformed CouchDB answer: %s"), local_error->message);
      return FALSE;
    }

  p = walk_answer (&walk, func, user_data, &found_seq, &have_rows, &local_error);
  if (p != NULL && _syncobj_json_skip_ws (p, walk.scan.end) < walk.scan.end)
    walk_fail (&walk, p, "trailing characters after the answer");
  if (p != NULL && !have_rows)
    walk_fail (&walk, p, "no \"rows\" or \"results\" member");
  _syncobj_json_scan_clear (&walk.scan);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (walk.fail_at != NULL || walk.scan.error_at != NULL)
    {
      const char *at = walk.scan.error_at != NULL ? walk.scan.error_at : walk.fail_at;
      const char *what = walk.scan.error_at != NULL ? walk.scan.error_what : walk.fail_what;

      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                   _("Malformed CouchDB answer at byte %lu: %s"), (gulong) (at - text), what);
      return FALSE;
    }
  if (seq != NULL)
    *seq = g_steal_pointer (&found_seq);
  return TRUE;
}

/* ---- _bulk_docs ----------------------------------------------------------- */

void
_syncobj_couch_bulk_result_free (SyncobjCouchBulkResult *result)
{
  g_free (result->id);
  g_free (result->rev);
  g_free (result->error);
  g_free (result->reason);
  g_free (result);
}

static SyncobjCouchBulkResult *
bulk_result (JsonNode  *node,
             guint      index,
             GError   **error)
{
  SyncobjCouchBulkResult *result;
  JsonObject *object;
  const char *id, *rev, *failure;

  object = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  id = object != NULL ? _syncobj_json_get_string_member (object, "id") : NULL;
  rev = object != NULL ? _syncobj_json_get_string_member (object, "rev") : NULL;
  failure = object != NULL ? _syncobj_json_get_string_member (object, "error") : NULL;
  /* A document sent without an id and refused has none in its entry
   * (PouchDB Server: {"error": "unauthorized", …}). */
  if (failure == NULL && (id == NULL || rev == NULL))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                   _("Malformed CouchDB _bulk_docs answer: entry %u is not an object with an “id” and a “rev” or an “error”"),
                   index);
      return NULL;
    }

  result = g_new0 (SyncobjCouchBulkResult, 1);
  result->id = g_strdup (id);
  result->rev = failure == NULL ? g_strdup (rev) : NULL;
  result->error = g_strdup (failure);
  result->reason = g_strdup (object != NULL ? _syncobj_json_get_string_member (object, "reason") : NULL);
  return result;
}

GPtrArray *
_syncobj_couch_parse_bulk (const char  *text,
                           gsize        length,
                           GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;
  JsonArray *array;

  if (!g_utf8_validate_len (text, length, NULL) ||
      !_syncobj_json_check_text (text, (gssize) length, SYNCOBJ_ERROR_PARSE, &local_error) ||
      !json_parser_load_from_data (parser, text, (gssize) length, &local_error))
    {
      g_autofree char *message = local_error != NULL ?
        _syncobj_json_error_message (local_error, text, (gssize) length) : g_strdup (_("invalid UTF-8"));

      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                   _("Malformed CouchDB _bulk_docs answer: %s"), message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                   _("Malformed CouchDB _bulk_docs answer: not a JSON array"));
      return NULL;
    }

  array = json_node_get_array (root);
  results = g_ptr_array_new_with_free_func ((GDestroyNotify) _syncobj_couch_bulk_result_free);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      SyncobjCouchBulkResult *result = bulk_result (json_array_get_element (array, i), i, error);

      if (result == NULL)
        return NULL;
      g_ptr_array_add (results, result);
    }
  return g_steal_pointer (&results);
}
