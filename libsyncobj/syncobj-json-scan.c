/* syncobj-json-scan.c: a fast scanner for JSON text
 *
 * json-glib's parser builds a tree of JsonNodes for a whole document; a
 * snapshot of many records only needs to be checked, split into records and
 * have each record's key read. The records are kept as compact JSON text
 * and built into JsonObjects when somebody asks for them
 * (syncobj-json-parser.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-private.h"
#include "syncobj-json-scan-private.h"
#include "syncobj-json-util-private.h"
#include "syncobj-json-validate-private.h"

#include <string.h>

#define SCAN_MAX_DEPTH SYNCOBJ_JSON_MAX_DEPTH

/* Returns room for @size bytes in @scan's scratch buffer, growing it. */
static char *
scan_scratch (SyncobjJsonScan *scan,
              gsize            size)
{
  if (size > scan->scratch_size)
    {
      scan->scratch_size = MAX (size, 2 * scan->scratch_size);
      scan->scratch = g_realloc (scan->scratch, scan->scratch_size);
    }
  return scan->scratch;
}

void
_syncobj_json_scan_clear (SyncobjJsonScan *scan)
{
  g_clear_pointer (&scan->scratch, g_free);
  scan->scratch_size = 0;
}

static const char *
scan_fail (SyncobjJsonScan *scan,
           const char      *at,
           const char      *what)
{
  if (scan->error_at == NULL)
    {
      scan->error_at = at;
      scan->error_what = what;
    }
  return NULL;
}

/* Skips whitespace between tokens, noting that the text is not compact. */
static inline const char *
scan_ws (SyncobjJsonScan *scan,
         const char      *p)
{
  if (p < scan->end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
    {
      scan->spaced = TRUE;
      p = _syncobj_json_skip_ws (p, scan->end);
    }
  return p;
}

/* Whether @text is ASCII: the common case, checked eight bytes at a time
 * before the full UTF-8 check. */
static gboolean
text_is_utf8 (const char *text,
              gsize       length)
{
  gsize i = 0;

  for (; i + 8 <= length; i += 8)
    {
      guint64 word;

      memcpy (&word, text + i, 8);
      if (word & G_GUINT64_CONSTANT (0x8080808080808080))
        return g_utf8_validate_len (text, length, NULL);
    }
  for (; i < length; i++)
    if ((guchar) text[i] & 0x80)
      return g_utf8_validate_len (text, length, NULL);
  return TRUE;
}

static inline gboolean
is_hex (char c)
{
  return g_ascii_isxdigit (c);
}

/* @p is at the opening quote; returns the position after the closing one. */
static const char *
scan_string (SyncobjJsonScan *scan,
             const char      *p,
             gboolean        *escaped)
{
  const char *end = scan->end;

  *escaped = FALSE;
  for (p++; p < end; p++)
    {
      guchar c = (guchar) *p;

      if (c == '"')
        return p + 1;
      if (c < 0x20)
        return scan_fail (scan, p, "control character in a string");
      if (c == '\\')
        {
          *escaped = TRUE;
          scan->unusual = TRUE;
          if (++p >= end)
            break;
          switch (*p)
            {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
              break;
            case 'u':
              if (end - p < 5 || !is_hex (p[1]) || !is_hex (p[2]) || !is_hex (p[3]) || !is_hex (p[4]))
                return scan_fail (scan, p, "bad \\u escape");
              p += 4;
              break;
            default:
              return scan_fail (scan, p, "bad escape");
            }
        }
    }

  return scan_fail (scan, end, "unterminated string");
}

const char *
_syncobj_json_scan_number (SyncobjJsonScan *scan,
                           const char      *p,
                           gboolean        *is_double)
{
  const char *end = scan->end;

  *is_double = FALSE;
  if (p < end && *p == '-')
    p++;
  if (p >= end || !g_ascii_isdigit (*p))
    return scan_fail (scan, p, "bad number");
  if (*p == '0')
    p++;
  else
    {
      const char *digits = p;

      while (p < end && g_ascii_isdigit (*p))
        p++;
      if (p - digits > 18)
        scan->unusual = TRUE;
    }
  if (p < end && (*p == '.' || *p == 'e' || *p == 'E'))
    scan->unusual = TRUE;
  if (p < end && *p == '.')
    {
      *is_double = TRUE;
      p++;
      if (p >= end || !g_ascii_isdigit (*p))
        return scan_fail (scan, p, "bad number");
      while (p < end && g_ascii_isdigit (*p))
        p++;
    }
  if (p < end && (*p == 'e' || *p == 'E'))
    {
      *is_double = TRUE;
      p++;
      if (p < end && (*p == '+' || *p == '-'))
        p++;
      if (p >= end || !g_ascii_isdigit (*p))
        return scan_fail (scan, p, "bad number");
      while (p < end && g_ascii_isdigit (*p))
        p++;
    }
  return p;
}

static const char *
scan_literal (SyncobjJsonScan *scan,
              const char      *p,
              const char      *word)
{
  gsize len = strlen (word);

  if ((gsize) (scan->end - p) < len || memcmp (p, word, len) != 0)
    return scan_fail (scan, p, "unexpected character");
  return p + len;
}

static gsize unescape (const char *p, const char *end, char *out);

/* @p is at '{'. With @key_member, the (last) member of that name is
 * reported through @key/@key_end/@key_escaped, and @key_kind tells what its
 * value was: 0 absent, 1 string, 2 anything else, 3 a number without
 * fraction or exponent (its text in @key/@key_end). */
static const char *
scan_object (SyncobjJsonScan *scan,
             const char      *p,
             const char      *key_member,
             gsize            key_member_len,
             const char     **key,
             const char     **key_end,
             gboolean        *key_escaped,
             int             *key_kind)
{
  const char *end = scan->end;

  if (++scan->depth > SCAN_MAX_DEPTH)
    return scan_fail (scan, p, "nested more than " G_STRINGIFY (SCAN_MAX_DEPTH) " levels deep");

  p = scan_ws (scan, p + 1);
  if (p < end && *p == '}')
    {
      scan->depth--;
      return p + 1;
    }

  for (;;)
    {
      const char *name = p;
      const char *name_stop;
      const char *value;
      gboolean name_escaped;
      gboolean value_escaped = FALSE;
      gboolean value_is_double = TRUE;

      if (p >= end || *p != '"')
        return scan_fail (scan, p, "expected a member name");
      p = scan_string (scan, p, &name_escaped);
      if (p == NULL)
        return NULL;
      name_stop = p - 1;
      p = scan_ws (scan, p);
      if (p >= end || *p != ':')
        return scan_fail (scan, p, "expected ':'");
      p = scan_ws (scan, p + 1);
      value = p;
      if (p < end && *p == '"')
        p = scan_string (scan, p, &value_escaped);
      else if (p < end && (*p == '-' || g_ascii_isdigit (*p)))
        p = _syncobj_json_scan_number (scan, p, &value_is_double);
      else
        p = _syncobj_json_scan_value (scan, p);
      if (p == NULL)
        return NULL;

      if (key_member != NULL)
        {
          gsize name_len = (gsize) (name_stop - (name + 1));
          gboolean match;

          if (name_escaped)
            {
              char *unescaped = scan_scratch (scan, name_len + 1);

              match = unescape (name + 1, name_stop, unescaped) == key_member_len &&
                      memcmp (unescaped, key_member, key_member_len) == 0;
            }
          else
            match = name_len == key_member_len && memcmp (name + 1, key_member, name_len) == 0;

          if (match && *value == '"')
            {
              *key = value + 1;
              *key_end = p - 1;
              *key_escaped = value_escaped;
              *key_kind = 1;
            }
          else if (match && !value_is_double)
            {
              *key = value;
              *key_end = p;
              *key_escaped = FALSE;
              *key_kind = 3;
            }
          else if (match)
            *key_kind = 2;
        }

      p = scan_ws (scan, p);
      if (p < end && *p == ',')
        {
          p = scan_ws (scan, p + 1);
          continue;
        }
      if (p < end && *p == '}')
        {
          scan->depth--;
          return p + 1;
        }
      return scan_fail (scan, p, "expected ',' or '}'");
    }
}

static const char *
scan_array (SyncobjJsonScan *scan,
            const char      *p)
{
  const char *end = scan->end;

  if (++scan->depth > SCAN_MAX_DEPTH)
    return scan_fail (scan, p, "nested more than " G_STRINGIFY (SCAN_MAX_DEPTH) " levels deep");

  p = scan_ws (scan, p + 1);
  if (p < end && *p == ']')
    {
      scan->depth--;
      return p + 1;
    }

  for (;;)
    {
      p = _syncobj_json_scan_value (scan, p);
      if (p == NULL)
        return NULL;
      p = scan_ws (scan, p);
      if (p < end && *p == ',')
        {
          p = scan_ws (scan, p + 1);
          continue;
        }
      if (p < end && *p == ']')
        {
          scan->depth--;
          return p + 1;
        }
      return scan_fail (scan, p, "expected ',' or ']'");
    }
}

const char *
_syncobj_json_scan_value (SyncobjJsonScan *scan,
                          const char      *p)
{
  gboolean flag;

  if (p >= scan->end)
    return scan_fail (scan, p, "unexpected end");

  switch (*p)
    {
    case '"':
      return scan_string (scan, p, &flag);
    case '{':
      {
        const char *k = NULL, *k_end = NULL;
        gboolean k_escaped = FALSE;
        int k_kind = 0;

        return scan_object (scan, p, NULL, 0, &k, &k_end, &k_escaped, &k_kind);
      }
    case '[':
      return scan_array (scan, p);
    case 't':
      return scan_literal (scan, p, "true");
    case 'f':
      return scan_literal (scan, p, "false");
    case 'n':
      return scan_literal (scan, p, "null");
    default:
      return _syncobj_json_scan_number (scan, p, &flag);
    }
}

/* Writes the unescaped content of a valid JSON string body [@p, @end) to
 * @out (which has room for end - p bytes); returns the length written. */
static gsize
unescape (const char *p,
          const char *end,
          char       *out)
{
  char *o = out;

  while (p < end)
    {
      if (*p != '\\')
        {
          *o++ = *p++;
          continue;
        }
      p++;
      switch (*p++)
        {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u':
          {
            gunichar c = (gunichar) g_ascii_strtoull ((char[5]) { p[0], p[1], p[2], p[3], 0 }, NULL, 16);

            p += 4;
            if (c >= 0xD800 && c < 0xDC00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u')
              {
                gunichar low = (gunichar) g_ascii_strtoull ((char[5]) { p[2], p[3], p[4], p[5], 0 }, NULL, 16);

                if (low >= 0xDC00 && low < 0xE000)
                  {
                    c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
                    p += 6;
                  }
              }
            if ((c >= 0xD800 && c < 0xE000) || c == 0)
              c = 0xFFFD;
            /* A \uXXXX escape is 6 bytes; its UTF-8 form at most 4. */
            o += g_unichar_to_utf8 (c, o);
          }
          break;
        default:
          g_assert_not_reached ();
        }
    }

  return (gsize) (o - out);
}

/* Copies the key [@key, @key_end) into @buffer (grown as needed: heap
 * room reused for every record, never the stack; a snapshot of a few
 * hundred thousand records would overflow a stack); an integer key
 * (@key_kind 3) becomes its canonical decimal text. NULL, with @reason
 * set, when it is not a non-empty string without NUL or an integer within
 * 64 bits. */
static char *
copy_key (const char       *key,
          const char       *key_end,
          gboolean          key_escaped,
          int               key_kind,
          char            **buffer,
          gsize            *buffer_size,
          gsize            *key_len,
          SyncobjJsonSkip  *reason)
{
  gsize needed = MAX ((gsize) (key_end - key + 1), SYNCOBJ_INT_KEY_SIZE);
  gint64 number;

  *reason = SYNCOBJ_JSON_SKIP_BAD_KEY;
  if ((key_kind != 1 && key_kind != 3) || key == key_end)
    return NULL;
  if (needed > *buffer_size)
    {
      *buffer_size = MAX (needed, 2 * *buffer_size);
      *buffer = g_realloc (*buffer, *buffer_size);
    }
  *key_len = key_escaped ? unescape (key, key_end, *buffer) : (gsize) (key_end - key);
  if (!key_escaped)
    memcpy (*buffer, key, *key_len);
  (*buffer)[*key_len] = '\0';
  if (key_kind == 3)
    {
      /* An integer key is known by its canonical decimal text. */
      if (!g_ascii_string_to_signed (*buffer, 10, G_MININT64, G_MAXINT64, &number, NULL))
        {
          *reason = SYNCOBJ_JSON_SKIP_KEY_RANGE;
          return NULL;
        }
      *key_len = strlen (_syncobj_json_int_key (number, *buffer));
      return *buffer;
    }
  if (*key_len == 0 || strlen (*buffer) != *key_len)
    return NULL;
  return *buffer;
}

static gboolean
skip_or_fail (SyncobjJsonSkipFunc   skip,
              gpointer              user_data,
              gsize                 element,
              SyncobjJsonSkip       reason,
              const char           *key_member,
              GError              **error)
{
  if (skip != NULL)
    {
      skip (element, reason, user_data);
      return TRUE;
    }
  switch (reason)
    {
    case SYNCOBJ_JSON_SKIP_NOT_OBJECT:
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                   _("Snapshot element %lu is not a JSON object"), (gulong) element);
      break;
    case SYNCOBJ_JSON_SKIP_NO_KEY:
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                   _("Snapshot element %lu: Record has no “%s” member"), (gulong) element, key_member);
      break;
    case SYNCOBJ_JSON_SKIP_KEY_RANGE:
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                   _("Snapshot element %lu: Member “%s” of the record must be a non-empty string or an integer within 64 bits"),
                   (gulong) element, key_member);
      break;
    case SYNCOBJ_JSON_SKIP_BAD_KEY:
    default:
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                   _("Snapshot element %lu: Member “%s” of the record must be a non-empty string or an integer"),
                   (gulong) element, key_member);
      break;
    }
  return FALSE;
}

gboolean
_syncobj_json_scan_records (const char           *text,
                            gsize                 length,
                            const char           *key_member,
                            SyncobjJsonRecordFunc func,
                            gpointer              user_data,
                            GError              **error)
{
  return _syncobj_json_scan_records_skipping (text, length, key_member, func, NULL, user_data, error);
}

gboolean
_syncobj_json_scan_records_skipping (const char            *text,
                                     gsize                  length,
                                     const char            *key_member,
                                     SyncobjJsonRecordFunc  func,
                                     SyncobjJsonSkipFunc    skip,
                                     gpointer               user_data,
                                     GError               **error)
{
  g_auto(SyncobjJsonScan) scan = { text, text + length, NULL, NULL, 0, NULL, 0 };
  g_autofree char *key_buffer = NULL;
  gsize key_buffer_size = 0;
  const char *end = text + length;
  gsize key_member_len = strlen (key_member);
  const char *p;
  gsize index = 0;
  gsize element = 0;

  if (!g_utf8_validate_len (text, length, &p))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                   _("Malformed snapshot: invalid UTF-8 at byte %lu"), (gulong) (p - text));
      return FALSE;
    }

  p = _syncobj_json_skip_ws (text, end);
  if (p >= end || *p != '[')
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                   _("A snapshot must be a JSON array of records"));
      return FALSE;
    }

  p = _syncobj_json_skip_ws (p + 1, end);
  if (p < end && *p == ']')
    p++;
  else
    for (;; element++)
      {
        const char *object = p;
        const char *key = NULL, *key_end = NULL;
        gboolean key_escaped = FALSE;
        int key_kind = 0;
        SyncobjJsonSkip reason;
        char *key_copy;
        gsize key_len;

        if (p >= end || *p != '{')
          {
            p = p < end ? _syncobj_json_scan_value (&scan, p) : NULL;
            if (p == NULL)
              {
                scan_fail (&scan, object, "expected a value");
                break;
              }
            if (!skip_or_fail (skip, user_data, element, SYNCOBJ_JSON_SKIP_NOT_OBJECT, key_member, error))
              return FALSE;
          }
        else
          {
            scan.depth = 1;
            scan.spaced = FALSE;
            p = scan_object (&scan, p, key_member, key_member_len, &key, &key_end, &key_escaped, &key_kind);
            if (p == NULL)
              break;

            reason = SYNCOBJ_JSON_SKIP_NO_KEY;
            key_copy = NULL;
            if (key_kind != 0)
              key_copy = copy_key (key, key_end, key_escaped, key_kind, &key_buffer, &key_buffer_size,
                                   &key_len, &reason);
            if (key_copy == NULL)
              {
                if (!skip_or_fail (skip, user_data, element, reason, key_member, error))
                  return FALSE;
              }
            else if (!func (index++, object, (gsize) (p - object), !scan.spaced, key_copy, key_len, key_kind == 3,
                            user_data, error))
              return FALSE;
          }

        p = _syncobj_json_skip_ws (p, end);
        if (p < end && *p == ',')
          {
            p = _syncobj_json_skip_ws (p + 1, end);
            continue;
          }
        if (p < end && *p == ']')
          {
            p++;
            break;
          }
        scan_fail (&scan, p, "expected ',' or ']'");
        p = NULL;
        break;
      }

  if (p != NULL)
    {
      p = _syncobj_json_skip_ws (p, end);
      if (p < end)
        scan_fail (&scan, p, "trailing characters after the array");
    }

  if (scan.error_at != NULL)
    {
      if (scan.error_at >= end)
        g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                     _("Malformed snapshot: the text ends before the JSON value does (cut short)"));
      else
        g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                     _("Malformed snapshot at byte %lu: %s"),
                     (gulong) (scan.error_at - text), scan.error_what);
      return FALSE;
    }

  return TRUE;
}

gboolean
_syncobj_json_find_member (const char  *text,
                           gsize        length,
                           const char  *name,
                           gsize       *value_start,
                           gsize       *value_length)
{
  g_auto(SyncobjJsonScan) scan = { text, text + length, NULL, NULL, 0, NULL, 0 };
  const char *end = text + length;
  gsize name_len = strlen (name);
  gboolean found = FALSE;
  const char *p;

  if (!g_utf8_validate_len (text, length, NULL))
    return FALSE;
  p = _syncobj_json_skip_ws (text, end);
  if (p >= end || *p != '{')
    return FALSE;
  p = _syncobj_json_skip_ws (p + 1, end);
  if (p < end && *p == '}')
    return FALSE;

  for (;;)
    {
      const char *member = p;
      const char *value;
      gboolean escaped;
      gsize member_len;
      gboolean match;

      if (p >= end || *p != '"')
        return FALSE;
      p = scan_string (&scan, p, &escaped);
      if (p == NULL)
        return FALSE;
      member_len = (gsize) (p - 1 - (member + 1));
      if (escaped)
        {
          char *unescaped = scan_scratch (&scan, member_len + 1);

          match = unescape (member + 1, p - 1, unescaped) == name_len && memcmp (unescaped, name, name_len) == 0;
        }
      else
        match = member_len == name_len && memcmp (member + 1, name, name_len) == 0;
      p = _syncobj_json_skip_ws (p, end);
      if (p >= end || *p != ':')
        return FALSE;
      value = p = _syncobj_json_skip_ws (p + 1, end);
      scan.depth = 1;
      p = _syncobj_json_scan_value (&scan, p);
      if (p == NULL)
        return FALSE;
      /* The last of equal names counts, as in a parsed object. */
      if (match)
        {
          found = TRUE;
          *value_start = (gsize) (value - text);
          *value_length = (gsize) (p - value);
        }
      p = _syncobj_json_skip_ws (p, end);
      if (p < end && *p == ',')
        {
          p = _syncobj_json_skip_ws (p + 1, end);
          continue;
        }
      if (p < end && *p == '}')
        break;
      return FALSE;
    }
  return found && _syncobj_json_skip_ws (p + 1, end) == end;
}

gsize
_syncobj_json_minify (const char *text,
                      gsize       length,
                      char       *out)
{
  const char *end = text + length;
  char *o = out;
  gboolean in_string = FALSE;

  for (const char *p = text; p < end; p++)
    {
      char c = *p;

      if (in_string)
        {
          *o++ = c;
          if (c == '\\')
            *o++ = *++p;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        {
          in_string = TRUE;
          *o++ = c;
        }
      else if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
        *o++ = c;
    }

  return (gsize) (o - out);
}

gsize
_syncobj_json_unescape (const char *p,
                        const char *end,
                        char       *out)
{
  return unescape (p, end, out);
}

gboolean
_syncobj_json_is_valid (const char *text,
                        gsize       length)
{
  gboolean unusual;

  return _syncobj_json_is_valid_usual (text, length, &unusual);
}

gboolean
_syncobj_json_is_valid_usual (const char *text,
                              gsize       length,
                              gboolean   *unusual)
{
  g_auto(SyncobjJsonScan) scan = { text, text + length, NULL, NULL, 0, NULL, 0, FALSE };
  const char *end = text + length;
  const char *p;

  /* A NUL fails the scan: in a string as a control character, outside
   * as no JSON. */
  if (!text_is_utf8 (text, length))
    return FALSE;
  p = _syncobj_json_scan_value (&scan, _syncobj_json_skip_ws (text, end));
  *unusual = scan.unusual;
  return p != NULL && _syncobj_json_skip_ws (p, end) == end;
}

/* ---- one record, change messages ------------------------------------------ */

/* The key of an object scanned with a key member, copied by copy_key(). */
typedef struct
{
  const char *start;
  const char *end;
  gboolean    escaped;
  int         kind;
} ScannedKey;

static const char *
scan_key_copy (const ScannedKey  *key,
               char             **buffer,
               gsize             *buffer_size,
               gsize             *key_length)
{
  SyncobjJsonSkip reason;

  return copy_key (key->start, key->end, key->escaped, key->kind, buffer, buffer_size, key_length, &reason);
}

gboolean
_syncobj_json_scan_record (const char   *text,
                           gsize         length,
                           const char   *key_member,
                           char         *key_out,
                           gsize        *key_length,
                           gboolean     *key_is_int,
                           gsize        *object_start,
                           gsize        *object_length,
                           gboolean     *compact,
                           gboolean     *unusual)
{
  g_auto(SyncobjJsonScan) scan = { text, text + length, NULL, NULL, 0, NULL, 0, FALSE };
  const char *end = text + length;
  ScannedKey key = { NULL, NULL, FALSE, 0 };
  /* Room for any key of @text: never grown. */
  gsize key_room = length + SYNCOBJ_INT_KEY_SIZE;
  const char *object, *p;

  if (!text_is_utf8 (text, length))
    return FALSE;
  object = _syncobj_json_skip_ws (text, end);
  if (object >= end || *object != '{')
    return FALSE;
  /* One level more than the object's own: never more lenient than
   * _syncobj_json_check_text(). */
  scan.depth = 1;
  p = scan_object (&scan, object, key_member, strlen (key_member), &key.start, &key.end, &key.escaped, &key.kind);
  if (p == NULL || _syncobj_json_skip_ws (p, end) != end ||
      scan_key_copy (&key, &key_out, &key_room, key_length) == NULL)
    return FALSE;

  *key_is_int = key.kind == 3;
  *object_start = (gsize) (object - text);
  *object_length = (gsize) (p - object);
  *compact = !scan.spaced;
  *unusual = scan.unusual;
  return TRUE;
}

/* Scans one message object at @p (depth already counted for it). */
static const char *
scan_message (SyncobjJsonScan     *scan,
              const char          *p,
              const char          *key_member,
              gsize                key_member_len,
              char               **key_buffer,
              gsize               *key_buffer_size,
              SyncobjJsonMessage  *message)
{
  const char *end = scan->end;
  ScannedKey value_key = { NULL, NULL, FALSE, 0 };
  ScannedKey key = { NULL, NULL, FALSE, 0 };

  *message = (SyncobjJsonMessage) { { 0 } };
  scan->depth++;
  p = scan_ws (scan, p + 1);
  if (p < end && *p == '}')
    p = NULL;   /* an empty message: not one to apply */

  while (p != NULL)
    {
      const char *name = p, *name_stop, *value;
      gboolean escaped;
      gsize name_len;

      if (p >= end || *p != '"' || (p = scan_string (scan, p, &escaped)) == NULL || escaped)
        return NULL;   /* an escaped name is rare: the slow way reads it */
      name_stop = p - 1;
      name_len = (gsize) (name_stop - (name + 1));
      p = scan_ws (scan, p);
      if (p >= end || *p != ':')
        return NULL;
      value = p = scan_ws (scan, p + 1);

      if (name_len == 5 && memcmp (name + 1, "value", 5) == 0 && p < end && *p == '{')
        {
          gboolean spaced = scan->spaced;

          value_key = (ScannedKey) { NULL, NULL, FALSE, 0 };
          scan->spaced = FALSE;
          p = scan_object (scan, p, key_member, key_member_len,
                           &value_key.start, &value_key.end, &value_key.escaped, &value_key.kind);
          message->value_compact = !scan->spaced;
          scan->spaced |= spaced;
          message->value = value;
          message->value_length = p != NULL ? (gsize) (p - value) : 0;
        }
      else if (name_len == 4 && memcmp (name + 1, "type", 4) == 0 && p < end && *p == '"')
        {
          p = scan_string (scan, p, &escaped);
          message->type[0] = '\0';
          if (p != NULL && !escaped && (gsize) (p - value - 2) < sizeof message->type)
            {
              memcpy (message->type, value + 1, (gsize) (p - value - 2));
              message->type[p - value - 2] = '\0';
            }
        }
      else if (name_len == 3 && memcmp (name + 1, "key", 3) == 0 && p < end && *p == '"')
        {
          p = scan_string (scan, p, &key.escaped);
          key.start = value + 1;
          key.end = p != NULL ? p - 1 : NULL;
          key.kind = 1;
        }
      else
        {
          gboolean is_double = TRUE;

          if (p < end && (*p == '-' || g_ascii_isdigit (*p)))
            p = _syncobj_json_scan_number (scan, p, &is_double);
          else
            p = _syncobj_json_scan_value (scan, p);
          if (name_len == 3 && memcmp (name + 1, "key", 3) == 0)
            key = (ScannedKey) { value, p, FALSE, !is_double ? 3 : 2 };
          else if (name_len == 4 && memcmp (name + 1, "type", 4) == 0)
            message->type[0] = '\0';
          else if (name_len == 5 && memcmp (name + 1, "value", 5) == 0)
            {
              message->value = NULL;
              message->has_other_value = TRUE;
            }
        }
      if (p == NULL)
        return NULL;

      p = scan_ws (scan, p);
      if (p < end && *p == ',')
        p = scan_ws (scan, p + 1);
      else if (p < end && *p == '}')
        break;
      else
        return NULL;
    }
  if (p == NULL)
    return NULL;

  scan->depth--;
  if (message->value != NULL)
    {
      message->has_other_value = FALSE;
      message->key = scan_key_copy (&value_key, key_buffer, key_buffer_size, &message->key_length);
      message->key_is_int = value_key.kind == 3;
    }
  else
    {
      message->key = scan_key_copy (&key, key_buffer, key_buffer_size, &message->key_length);
      message->key_is_int = key.kind == 3;
    }
  return p + 1;
}

gboolean
_syncobj_json_scan_messages (const char             *text,
                             gsize                   length,
                             const char             *key_member,
                             SyncobjJsonMessageFunc  func,
                             gpointer                user_data,
                             gboolean               *unusual)
{
  g_auto(SyncobjJsonScan) scan = { text, text + length, NULL, NULL, 0, NULL, 0, FALSE };
  g_autofree char *key_buffer = NULL;
  gsize key_buffer_size = 0;
  gsize key_member_len = strlen (key_member);
  const char *end = text + length;
  SyncobjJsonMessage message;
  gboolean array;
  const char *p;

  if (!text_is_utf8 (text, length))
    return FALSE;
  p = _syncobj_json_skip_ws (text, end);
  array = p < end && *p == '[';
  /* An array level is counted even around a single message: never more
   * lenient than _syncobj_json_check_text(). */
  scan.depth = 1;
  if (array)
    p = _syncobj_json_skip_ws (p + 1, end);

  for (;;)
    {
      if (p >= end || *p != '{')
        return FALSE;
      p = scan_message (&scan, p, key_member, key_member_len, &key_buffer, &key_buffer_size, &message);
      if (p == NULL || !func (&message, user_data))
        return FALSE;
      p = _syncobj_json_skip_ws (p, end);
      if (!array)
        break;
      if (p < end && *p == ',')
        {
          p = _syncobj_json_skip_ws (p + 1, end);
          continue;
        }
      if (p < end && *p == ']')
        {
          p = _syncobj_json_skip_ws (p + 1, end);
          break;
        }
      return FALSE;
    }

  *unusual = scan.unusual;
  return p == end;
}

/* ---- comparing packed records ---------------------------------------------- */

const char *
_syncobj_json_packed_skip_value (const char *p,
                                 const char *end)
{
  guint depth = 0;
  gboolean escaped;

  /* Scalars first: most members are. */
  if (p < end && *p == '"')
    {
      p = _syncobj_json_string_end (p, end, &escaped);
      return p != NULL ? p + 1 : NULL;
    }
  if (p < end && *p != '{' && *p != '[')
    {
      while (p < end && *p != ',' && *p != '}')
        p++;
      return p < end ? p : NULL;
    }

  for (; p < end; p++)
    switch (*p)
      {
      case '"':
        p = _syncobj_json_string_end (p, end, &escaped);
        if (p == NULL)
          return NULL;
        break;
      case '{': case '[':
        depth++;
        break;
      case '}': case ']':
        if (depth == 0)
          return p;
        depth--;
        break;
      case ',':
        if (depth == 0)
          return p;
        break;
      default:
        break;
      }
  return NULL;
}

/* In compact, checked object text, @p at '{' or at the ',' before a
 * member: sets the member's name (with its quotes) and returns the
 * position after its value, or NULL after the last member. */
static const char *
packed_next_member (SyncobjJsonScan  *scan,
                    const char       *p,
                    const char      **name,
                    gsize            *name_length)
{
  gboolean escaped;
  const char *stop;

  if (p >= scan->end || *p == '}' || p[1] != '"')
    return NULL;
  *name = p + 1;
  stop = _syncobj_json_string_end (p + 1, scan->end, &escaped);
  if (stop == NULL)
    return NULL;
  *name_length = (gsize) (stop + 1 - *name);
  return _syncobj_json_packed_skip_value (stop + 2, scan->end);
}

static gboolean
packed_has_member (const char *text,
                   const char *name,
                   gsize       name_length)
{
  g_auto(SyncobjJsonScan) scan = { text, text + strlen (text), NULL, NULL, 0, NULL, 0, FALSE };
  const char *member;
  gsize member_length;

  for (const char *p = text; (p = packed_next_member (&scan, p, &member, &member_length)) != NULL; )
    if (member_length == name_length && memcmp (member, name, name_length) == 0)
      return TRUE;
  return FALSE;
}

gboolean
_syncobj_json_text_covers (const char *update,
                           const char *base)
{
  g_auto(SyncobjJsonScan) base_scan = { base, base + strlen (base), NULL, NULL, 0, NULL, 0, FALSE };
  g_auto(SyncobjJsonScan) update_scan = { update, update + strlen (update), NULL, NULL, 0, NULL, 0, FALSE };
  const char *b = base, *u = update;
  const char *name;
  gsize name_length;

  /* Servers send whole records, members in the same order: walked side
   * by side, a name of @base compared with the bytes at the same place in
   * @update; after a difference, each name is looked for. */
  while ((b = packed_next_member (&base_scan, b, &name, &name_length)) != NULL)
    {
      if (u != NULL && *u != '}' && (gsize) (update_scan.end - u) >= name_length + 2 &&
          memcmp (u + 1, name, name_length) == 0)
        {
          u = _syncobj_json_packed_skip_value (u + 1 + name_length + 1, update_scan.end);
          continue;
        }
      u = NULL;
      if (!packed_has_member (update, name, name_length))
        return FALSE;
    }
  return TRUE;
}
