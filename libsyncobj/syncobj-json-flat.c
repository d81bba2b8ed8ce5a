/* syncobj-json-flat.c: flat objects of JSON text, read in one pass
 *
 * The changes of an update written as JSON text
 * (syncobj_collection_update_json(): `JSON.stringify(changes)` in GJS, a
 * buffer in C) are most often one flat object of a few strings, integers,
 * booleans or nulls. Such text is checked here in one pass and copied
 * compact, exactly as _syncobj_json_write_object() writes the object that
 * JsonParser makes of it: the overlay keeps the update as that text
 * without building a JsonObject. Whatever has more than one form or
 * needs more care (an escape, a fraction, an exponent, a long number,
 * "-0", nesting, a repeated name, invalid UTF-8, more members) or is not
 * JSON at all is declined, and the caller parses it in full as before.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-json-flat-private.h"
#include "syncobj-json-scan-private.h"

#include <string.h>

/* Numbers of at most this many digits fit a gint64, and JsonParser reads
 * them as integers (the scanner's "unusual" limit too). */
#define FLAT_MAX_DIGITS 18

/* @p at a quote: copies the string, quotes included, to *@out when it has
 * no escape, no control character and valid UTF-8; returns the position
 * after its closing quote, or NULL. */
static const char *
flat_string (const char  *p,
             const char  *end,
             char       **out)
{
  const char *body = p + 1;
  gboolean high = FALSE;
  gsize length;

  for (p = body; p < end; p++)
    {
      guchar c = (guchar) *p;

      if (c == '"')
        break;
      if (c == '\\' || c < 0x20)
        return NULL;
      high |= c >= 0x80;
    }
  if (p >= end)
    return NULL;
  length = (gsize) (p - body);
  if (high && !g_utf8_validate_len (body, length, NULL))
    return NULL;

  **out = '"';
  memcpy (*out + 1, body, length);
  (*out)[length + 1] = '"';
  *out += length + 2;
  return p + 1;
}

/* @p at '-' or a digit: copies an integer of the one form JSON writes it
 * in (no fraction, no exponent, not "-0", at most FLAT_MAX_DIGITS digits)
 * to *@out; returns the position after it, or NULL. */
static const char *
flat_integer (const char  *p,
              const char  *end,
              char       **out)
{
  const char *start = p;
  const char *digits;
  gsize length;

  if (*p == '-')
    p++;
  digits = p;
  while (p < end && g_ascii_isdigit (*p))
    p++;
  if (p == digits || (size_t) (p - digits) > FLAT_MAX_DIGITS)
    return NULL;
  /* A leading zero is no JSON; "-0" reads as the integer 0. */
  if (*digits == '0' && (p - digits > 1 || digits != start))
    return NULL;
  if (p < end && (*p == '.' || *p == 'e' || *p == 'E'))
    return NULL;

  length = (gsize) (p - start);
  memcpy (*out, start, length);
  *out += length;
  return p;
}

/* @p at a letter: copies the literal @word there. */
static const char *
flat_literal (const char  *p,
              const char  *end,
              const char  *word,
              gsize        length,
              char       **out)
{
  if ((gsize) (end - p) < length || memcmp (p, word, length) != 0)
    return NULL;
  memcpy (*out, word, length);
  *out += length;
  return p + length;
}

gboolean
_syncobj_json_flat_read (const char      *text,
                         gsize            length,
                         char            *out,
                         SyncobjJsonFlat *flat)
{
  const char *end = text + length;
  const char *p = _syncobj_json_skip_ws (text, end);
  char *o = out;
  guint n = 0;

  if (p >= end || *p != '{')
    return FALSE;
  *o++ = '{';
  p = _syncobj_json_skip_ws (p + 1, end);

  while (p < end && *p == '"')
    {
      char *value;

      if (n == SYNCOBJ_JSON_FLAT_MAX_MEMBERS)
        return FALSE;
      if (n > 0)
        *o++ = ',';

      flat->names[n] = o + 1;
      p = flat_string (p, end, &o);
      if (p == NULL)
        return FALSE;
      flat->name_lengths[n] = (gsize) (o - 1 - flat->names[n]);
      for (guint i = 0; i < n; i++)
        if (flat->name_lengths[i] == flat->name_lengths[n] &&
            memcmp (flat->names[i], flat->names[n], flat->name_lengths[n]) == 0)
          return FALSE;

      p = _syncobj_json_skip_ws (p, end);
      if (p >= end || *p != ':')
        return FALSE;
      *o++ = ':';
      p = _syncobj_json_skip_ws (p + 1, end);
      if (p >= end)
        return FALSE;

      value = o;
      switch (*p)
        {
        case '"':
          p = flat_string (p, end, &o);
          break;
        case 't':
          p = flat_literal (p, end, "true", 4, &o);
          break;
        case 'f':
          p = flat_literal (p, end, "false", 5, &o);
          break;
        case 'n':
          p = flat_literal (p, end, "null", 4, &o);
          break;
        default:
          p = *p == '-' || g_ascii_isdigit (*p) ? flat_integer (p, end, &o) : NULL;
        }
      if (p == NULL)
        return FALSE;
      flat->value_starts[n] = (gsize) (value - out);
      flat->value_lengths[n] = (gsize) (o - value);
      n++;

      p = _syncobj_json_skip_ws (p, end);
      if (p < end && *p == ',')
        {
          p = _syncobj_json_skip_ws (p + 1, end);
          if (p >= end || *p != '"')
            return FALSE;
          continue;
        }
      if (p < end && *p == '}')
        break;
      return FALSE;
    }

  /* No member: nothing to keep as text. */
  if (n == 0 || p >= end || *p != '}' || _syncobj_json_skip_ws (p + 1, end) != end)
    return FALSE;
  *o++ = '}';
  *o = '\0';

  flat->text = out;
  flat->length = (gsize) (o - out);
  flat->n_members = n;
  return TRUE;
}

int
_syncobj_json_flat_find (const SyncobjJsonFlat *flat,
                         const char            *name)
{
  gsize length = strlen (name);

  for (guint i = 0; i < flat->n_members; i++)
    if (flat->name_lengths[i] == length && memcmp (flat->names[i], name, length) == 0)
      return (int) i;
  return -1;
}
