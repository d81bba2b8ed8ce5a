/* fuzz-couch-selector.c: Mango selectors evaluated on documents (what a
 * CouchDB sync with a selector does with each document of its feed)
 *
 * Input: a selector (JSON text), a newline, then a document (JSON text).
 * A selector is refused with SYNCOBJ_ERROR and a UTF-8 message, or
 * accepted; then matching is deterministic, {"$not": S} gives the
 * opposite answer and {"$or": [S, S]} the same one.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-common.h"

#include "couch/syncobj-couch-selector-private.h"
#include "syncobj-json-util-private.h"

#include <string.h>

static SyncobjCouchSelector *
selector_new (const char *text)
{
  g_autoptr(GError) error = NULL;
  SyncobjCouchSelector *selector = _syncobj_couch_selector_new (text, &error);

  if (selector == NULL && (error == NULL || error->domain != SYNCOBJ_ERROR ||
                           !g_utf8_validate (error->message, -1, NULL)))
    g_error ("fuzz: a selector refused without a SYNCOBJ_ERROR and a UTF-8 message");
  return selector;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  const char *newline = memchr (data, '\n', size);
  g_autofree char *text = NULL;
  g_autoptr(SyncobjCouchSelector) selector = NULL;
  g_autoptr(JsonObject) document = NULL;
  g_autofree char *negated_text = NULL;
  g_autofree char *either_text = NULL;
  g_autoptr(SyncobjCouchSelector) negated = NULL;
  g_autoptr(SyncobjCouchSelector) either = NULL;
  gboolean matches;

  fuzz_init ();
  if (newline == NULL)
    return 0;
  text = g_strndup ((const char *) data, (gsize) (newline - (const char *) data));
  if (strlen (text) != (gsize) (newline - (const char *) data))
    return 0;  /* a nul inside */
  selector = selector_new (text);
  document = _syncobj_json_parse_object (newline + 1, (gssize) (size - (gsize) (newline + 1 - (const char *) data)), NULL);
  if (selector == NULL || document == NULL)
    return 0;

  matches = _syncobj_couch_selector_matches (selector, document);
  if (_syncobj_couch_selector_matches (selector, document) != matches)
    g_error ("fuzz: a selector matched a document once, then not");

  /* One level deeper: refused only for its depth. */
  negated_text = g_strdup_printf ("{\"$not\": %s}", text);
  either_text = g_strdup_printf ("{\"$or\": [%s, %s]}", text, text);
  negated = selector_new (negated_text);
  either = selector_new (either_text);
  if (negated != NULL && _syncobj_couch_selector_matches (negated, document) == matches)
    g_error ("fuzz: {\"$not\": S} matched as S did");
  if (either != NULL && _syncobj_couch_selector_matches (either, document) != matches)
    g_error ("fuzz: {\"$or\": [S, S]} did not match as S did");
  return 0;
}
