/* syncobj-view-value.c: member values as views read them, from a
 * JsonObject or straight from a collection's packed text, and their order
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-view-private.h"
#include "syncobj-json-scan-private.h"

#include <errno.h>
#include <string.h>

#define CLASS_NULL    SYNCOBJ_VIEW_CLASS_NULL
#define CLASS_BOOLEAN SYNCOBJ_VIEW_CLASS_BOOLEAN
#define CLASS_NUMBER  SYNCOBJ_VIEW_CLASS_NUMBER
#define CLASS_STRING  SYNCOBJ_VIEW_CLASS_STRING
#define CLASS_OTHER   SYNCOBJ_VIEW_CLASS_OTHER
#define CLASS_MISSING SYNCOBJ_VIEW_CLASS_MISSING

void
_syncobj_view_scalar_from_node (JsonNode          *node,
                                SyncobjViewScalar *out)
{
  GType type;

  memset (out, 0, sizeof *out);
  if (node == NULL)
    {
      out->class = CLASS_MISSING;
      return;
    }

  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_NULL:
      out->class = CLASS_NULL;
      return;
    case JSON_NODE_VALUE:
      type = json_node_get_value_type (node);
      if (type == G_TYPE_STRING)
        {
          out->class = CLASS_STRING;
          out->string = json_node_get_string (node);
          if (out->string == NULL)
            out->string = "";
          out->length = strlen (out->string);
        }
      else if (type == G_TYPE_BOOLEAN)
        {
          out->class = CLASS_BOOLEAN;
          out->boolean = json_node_get_boolean (node) != FALSE;
        }
      else
        {
          out->class = CLASS_NUMBER;
          out->is_int = type == G_TYPE_INT64;
          out->integer = out->is_int ? json_node_get_int (node) : 0;
          out->number = json_node_get_double (node);
        }
      return;
    case JSON_NODE_OBJECT:
    case JSON_NODE_ARRAY:
    default:
      out->class = CLASS_OTHER;
      return;
    }
}

/* A number of checked JSON text [@p, @end), read as JsonParser and the
 * packed-record parser read it: an integer when it has neither fraction
 * nor exponent and fits 64 bits, else a double. */
static void
scalar_number (const char        *p,
               const char        *end,
               gboolean           is_double,
               SyncobjViewScalar *out)
{
  char buffer[64];
  gsize len = (gsize) (end - p);
  g_autofree char *long_text = len >= sizeof buffer ? g_strndup (p, len) : NULL;
  char *text = long_text != NULL ? long_text : buffer;

  if (long_text == NULL)
    {
      memcpy (buffer, p, len);
      buffer[len] = '\0';
    }

  out->class = CLASS_NUMBER;
  if (!is_double)
    {
      errno = 0;
      out->integer = g_ascii_strtoll (text, NULL, 10);
      if (errno == 0)
        {
          out->is_int = TRUE;
          out->number = (double) out->integer;
          return;
        }
    }
  out->integer = 0;
  out->number = g_ascii_strtod (text, NULL);
}

/* A short integer of checked JSON text at @p (at most 18 digits: it fits
 * 64 bits), read directly; FALSE for any other number. */
static gboolean
int_from_text (const char        *p,
               const char        *end,
               SyncobjViewScalar *out)
{
  gboolean negative = p < end && *p == '-';
  gint64 value = 0;
  guint digits = 0;

  for (p += negative; p < end && (guchar) (*p - '0') < 10; p++, digits++)
    value = value * 10 + (*p - '0');
  if (digits == 0 || digits > 18 || (p < end && (*p == '.' || *p == 'e' || *p == 'E')))
    return FALSE;

  out->class = CLASS_NUMBER;
  out->is_int = TRUE;
  out->integer = negative ? -value : value;
  out->number = (double) out->integer;
  return TRUE;
}

/* The number at @p of checked JSON text (ending by @end). */
static void
number_from_text (const char        *p,
                  const char        *end,
                  SyncobjViewScalar *out)
{
  if (!int_from_text (p, end, out))
    {
      g_auto(SyncobjJsonScan) scan = { p, end, NULL, NULL, 0, NULL, 0 };
      gboolean is_double = FALSE;
      const char *stop = _syncobj_json_scan_number (&scan, p, &is_double);

      scalar_number (p, stop != NULL ? stop : end, is_double, out);
    }
}

/* The value at @p of checked, packed JSON text (ending by @end). */
static void
scalar_from_text (const char         *p,
                  const char         *end,
                  char              **scratch,
                  SyncobjViewScalar  *out)
{
  memset (out, 0, sizeof *out);
  switch (*p)
    {
    case '"':
      {
        gboolean escaped;
        const char *stop = _syncobj_json_string_end (p, end, &escaped);

        out->class = CLASS_STRING;
        if (!escaped)
          {
            out->string = p + 1;
            out->length = (gsize) (stop - p - 1);
            return;
          }
        /* As json-glib holds it: a C string, cut at an escaped NUL. */
        g_free (*scratch);
        *scratch = g_malloc ((gsize) (stop - p));
        (*scratch)[_syncobj_json_unescape (p + 1, stop, *scratch)] = '\0';
        out->string = *scratch;
        out->length = strlen (*scratch);
        return;
      }
    case '{':
    case '[':
      out->class = CLASS_OTHER;
      return;
    case 't':
    case 'f':
      out->class = CLASS_BOOLEAN;
      out->boolean = *p == 't';
      return;
    case 'n':
      out->class = CLASS_NULL;
      return;
    default:
      number_from_text (p, end, out);
      return;
    }
}

/* Whether the member name [@p, @stop) of packed text, a string body that
 * holds escapes when @escaped, is @name. */
static gboolean
packed_name_is (const char *p,
                const char *stop,
                gboolean    escaped,
                const char *name,
                gsize       name_len)
{
  char buffer[128];
  g_autofree char *heap = NULL;
  char *body;

  if (!escaped)
    return (gsize) (stop - p) == name_len && memcmp (p, name, name_len) == 0;

  body = _syncobj_json_string_body (p, stop, TRUE, buffer, sizeof buffer);
  if (body != buffer)
    heap = body;
  return strcmp (body, name) == 0;
}

#define EVERY_BYTE(b) (G_GUINT64_CONSTANT (0x0101010101010101) * (b))

/* The first '"' or '\\' of [@q, @end), or @end: eight bytes are looked
 * at together while eight remain (a byte equal to c is a zero byte of
 * the word xor c, which the classic zero-byte test finds). */
static inline const char *
string_stop (const char *q,
             const char *end)
{
  while (end - q >= 8)
    {
      guint64 word, quote, slash, flags;

      memcpy (&word, q, sizeof word);
      quote = word ^ EVERY_BYTE ('"');
      slash = word ^ EVERY_BYTE ('\\');
      flags = ((quote - EVERY_BYTE (1)) & ~quote) | ((slash - EVERY_BYTE (1)) & ~slash);
      flags &= EVERY_BYTE (0x80);
      if (flags != 0)
        {
#if defined(__GNUC__) && G_BYTE_ORDER == G_LITTLE_ENDIAN
          return q + (__builtin_ctzll (flags) >> 3);   /* the lowest flag is exact */
#else
          while (*q != '"' && *q != '\\')
            q++;
          return q;
#endif
        }
      q += 8;
    }
  while (q < end && *q != '"' && *q != '\\')
    q++;
  return q;
}

/* @p at the opening quote of a string of checked text: its closing
 * quote, found by a plain walk when it holds no escape (member names
 * and most values). */
static inline const char *
packed_string_end (const char *p,
                   const char *end,
                   gboolean   *escaped)
{
  const char *q = string_stop (p + 1, end);

  if (q < end && *q == '"')
    {
      *escaped = FALSE;
      return q;
    }
  return _syncobj_json_string_end (p, end, escaped);
}

/* The end of the member value at @p: a string (*@escaped says whether
 * it holds an escape) or anything else, through
 * _syncobj_json_packed_skip_value(). */
static inline const char *
packed_value_end (const char *p,
                  const char *end,
                  gboolean   *escaped)
{
  *escaped = FALSE;
  if (*p != '"')
    return _syncobj_json_packed_skip_value (p, end);
  p = packed_string_end (p, end, escaped);
  return p != NULL ? p + 1 : NULL;
}

/* @p after a token of packed text, nul-terminated at @end: no white
 * space follows in compact text (every JSON space is below '!', as the
 * final nul is). */
static inline const char *
packed_ws (const char *p,
           const char *end)
{
  return (guchar) *p > ' ' ? p : _syncobj_json_skip_ws (p, end);
}

/* Which of @names (lengths in @lengths) the member name [@p, @stop) is,
 * or -1. */
static inline int
packed_name_index (const char         *p,
                   const char         *stop,
                   gboolean            escaped,
                   const char * const *names,
                   const gsize        *lengths,
                   guint               n_names)
{
  gsize length = (gsize) (stop - p);

  for (guint i = 0; i < n_names; i++)
    {
      if (escaped)
        {
          if (packed_name_is (p, stop, TRUE, names[i], lengths[i]))
            return (int) i;
        }
      else if (length == lengths[i])
        {
          gsize k = 0;

          while (k < length && p[k] == names[i][k])
            k++;
          if (k == length)
            return (int) i;
        }
    }
  return -1;
}

/* The scalar value [@p, @stop) of packed text, when read without
 * scratch (not a string with escapes): into @out. */
static gboolean
packed_scalar (const char        *p,
               const char        *stop,
               gboolean           escaped,
               SyncobjViewScalar *out)
{
  switch (*p)
    {
    case '"':
      if (escaped)
        return FALSE;
      out->class = CLASS_STRING;
      out->string = p + 1;
      out->length = (gsize) (stop - p - 2);
      return TRUE;
    case '{':
    case '[':
      out->class = CLASS_OTHER;
      return TRUE;
    case 't':
    case 'f':
      out->class = CLASS_BOOLEAN;
      out->boolean = *p == 't';
      return TRUE;
    case 'n':
      out->class = CLASS_NULL;
      return TRUE;
    default:
      number_from_text (p, stop, out);
      return TRUE;
    }
}

void
_syncobj_view_value_find_members (SyncobjViewValue   *value,
                                  const char * const *names,
                                  const gsize        *lengths,
                                  guint               n_names,
                                  const char        **found,
                                  SyncobjViewScalar  *scalars)
{
  const char *p, *end;

  memset (found, 0, n_names * sizeof *found);
  value->end = end = value->packed + strlen (value->packed);
  value->names = names;
  value->found = found;
  value->n_names = n_names;
  value->scalars = scalars;
  value->read = 0;
  if (scalars != NULL)
    {
      memset (scalars, 0, n_names * sizeof *scalars);
      for (guint i = 0; i < n_names; i++)
        scalars[i].class = CLASS_MISSING;
      value->read = (1u << n_names) - 1;
    }

  p = packed_ws (value->packed, end);
  if (p >= end || *p != '{')
    return;
  p = packed_ws (p + 1, end);
  while (p < end && *p == '"')
    {
      gboolean escaped = FALSE;
      const char *stop = packed_string_end (p, end, &escaped);
      const char *start;
      int match;

      if (stop == NULL)
        return;
      match = packed_name_index (p + 1, stop, escaped, names, lengths, n_names);
      p = packed_ws (stop + 1, end);
      if (p >= end || *p != ':')
        return;
      start = p = packed_ws (p + 1, end);
      p = packed_value_end (p, end, &escaped);
      if (p == NULL)
        return;
      if (match >= 0)
        {
          /* The last of equal names counts. */
          found[match] = start;
          if (scalars != NULL && !packed_scalar (start, p, escaped, &scalars[match]))
            value->read &= ~(1u << match);
          else if (scalars != NULL)
            value->read |= 1u << match;
        }
      p = packed_ws (p, end);
      if (p >= end || *p != ',')
        return;
      p = packed_ws (p + 1, end);
    }
}

/* Which of the members a one-pass search looked for @name is, or -1. */
static int
found_index (const SyncobjViewValue *value,
             const char             *name)
{
  for (guint i = 0; i < value->n_names; i++)
    if (value->names[i] == name)
      return (int) i;
  for (guint i = 0; i < value->n_names; i++)
    if (strcmp (value->names[i], name) == 0)
      return (int) i;
  return -1;
}

/* The value of member @name of the checked object text at @p (its '{'),
 * nul-terminated at @end, or NULL: the last one when the name repeats, as
 * in a parsed object. The one-pass walk of
 * _syncobj_view_value_find_members(), for one name. */
static const char *
packed_find (const char *p,
             const char *end,
             const char *name)
{
  gsize name_len = strlen (name);
  const char *found = NULL;

  p = packed_ws (p + 1, end);
  while (p < end && *p == '"')
    {
      gboolean escaped = FALSE;
      const char *stop = p + 1;
      gboolean match;

      /* Member names are short: looked at byte by byte (the checked
       * text ends each string with a quote before its nul). */
      while (*stop != '"' && *stop != '\\')
        stop++;
      if (*stop == '\\')
        stop = packed_string_end (p, end, &escaped);
      if (stop == NULL)
        return NULL;
      match = packed_name_is (p + 1, stop, escaped, name, name_len);
      p = packed_ws (stop + 1, end);
      if (p >= end || *p != ':')
        return NULL;
      p = packed_ws (p + 1, end);
      if (match)
        found = p;
      p = packed_value_end (p, end, &escaped);
      if (p == NULL)
        return NULL;
      p = packed_ws (p, end);
      if (p >= end || *p != ',')
        break;
      p = packed_ws (p + 1, end);
    }
  return found;
}

void
_syncobj_view_value_get (const SyncobjViewValue  *value,
                         char                   **path,
                         char                   **scratch,
                         SyncobjViewScalar       *out)
{
  const char *p, *end, *first;
  gboolean known;
  int index;

  if (value->object != NULL)
    {
      JsonObject *object = value->object;
      JsonNode *node = NULL;

      for (guint i = 0; path[i] != NULL; i++)
        {
          node = object != NULL ? json_object_get_member (object, path[i]) : NULL;
          if (node == NULL)
            break;
          object = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
        }
      _syncobj_view_scalar_from_node (node, out);
      return;
    }

  index = value->n_names > 0 ? found_index (value, path[0]) : -1;
  if (index >= 0 && path[1] == NULL && (value->read & (1u << index)) != 0)
    {
      *out = value->scalars[index];   /* read once, by the search */
      return;
    }

  memset (out, 0, sizeof *out);
  out->class = CLASS_MISSING;
  if (value->packed == NULL)
    return;
  end = value->end != NULL ? value->end : value->packed + strlen (value->packed);
  known = index >= 0;
  first = known ? value->found[index] : NULL;
  if (known && first == NULL)
    return;
  p = known ? first : packed_ws (value->packed, end);
  for (guint i = known ? 1 : 0; path[i] != NULL; i++)
    {
      if (p >= end || *p != '{')
        return;
      p = packed_find (p, end, path[i]);
      if (p == NULL)
        return;
    }
  scalar_from_text (p, end, scratch, out);
}

static int
compare_strings (const SyncobjViewScalar *a,
                 const SyncobjViewScalar *b)
{
  int c = memcmp (a->string, b->string, MIN (a->length, b->length));

  if (c == 0)
    return (a->length > b->length) - (a->length < b->length);
  return (c > 0) - (c < 0);
}

/* Compares two scalars of the same class. */
static int
compare_same_class (const SyncobjViewScalar *a,
                    const SyncobjViewScalar *b)
{
  switch (a->class)
    {
    case CLASS_BOOLEAN:
      return (int) a->boolean - (int) b->boolean;
    case CLASS_NUMBER:
      if (a->is_int && b->is_int)
        return (a->integer > b->integer) - (a->integer < b->integer);
      return (a->number > b->number) - (a->number < b->number);
    case CLASS_STRING:
      return compare_strings (a, b);
    case CLASS_NULL:
    case CLASS_OTHER:
    case CLASS_MISSING:
    default:
      return 0;
    }
}

int
_syncobj_view_compare_scalars (const SyncobjViewScalar *a,
                               const SyncobjViewScalar *b)
{
  if (a->class != b->class)
    return a->class < b->class ? -1 : 1;
  return compare_same_class (a, b);
}

