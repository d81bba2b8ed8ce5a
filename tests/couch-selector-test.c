/* couch-selector-test.c: the Mango selectors a SyncobjCouchSync evaluates
 * on the documents of its feed, by CouchDB's rules
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"
#include "couch/syncobj-couch-selector-private.h"

typedef struct
{
  const char *selector;
  const char *document;
  gboolean    matches;
} Case;

static const Case cases[] = {
  /* Equality, implicit and explicit; nested fields, dotted or not. */
  { "{\"type\": \"note\"}", "{\"type\": \"note\"}", TRUE },
  { "{\"type\": \"note\"}", "{\"type\": \"task\"}", FALSE },
  { "{\"type\": \"note\"}", "{}", FALSE },
  { "{\"n\": 1}", "{\"n\": 1.0}", TRUE },
  { "{\"a.b\": 2}", "{\"a\": {\"b\": 2}}", TRUE },
  { "{\"a\": {\"b\": 2}}", "{\"a\": {\"b\": 3}}", FALSE },
  { "{\"a\\\\.b\": 2}", "{\"a.b\": 2}", TRUE },
  { "{\"tags\": [\"x\", \"y\"]}", "{\"tags\": [\"x\", \"y\"]}", TRUE },
  { "{\"tags\": [\"x\", \"y\"]}", "{\"tags\": [\"y\", \"x\"]}", FALSE },
  { "{\"type\": \"note\", \"n\": 1}", "{\"type\": \"note\", \"n\": 2}", FALSE },
  { "{}", "{\"anything\": true}", TRUE },
  /* Comparisons follow CouchDB's collation across types. */
  { "{\"n\": {\"$gt\": 1}}", "{\"n\": 2}", TRUE },
  { "{\"n\": {\"$gt\": 1}}", "{\"n\": 1}", FALSE },
  { "{\"n\": {\"$gte\": 1, \"$lt\": 3}}", "{\"n\": 2.5}", TRUE },
  { "{\"n\": {\"$lte\": 1}}", "{\"n\": null}", TRUE },
  { "{\"n\": {\"$gt\": 1}}", "{\"n\": \"1\"}", TRUE },
  { "{\"n\": {\"$gt\": 1}}", "{}", FALSE },
  { "{\"s\": {\"$lt\": \"b\"}}", "{\"s\": \"abc\"}", TRUE },
  { "{\"n\": {\"$ne\": 1}}", "{\"n\": 2}", TRUE },
  { "{\"n\": {\"$ne\": 1}}", "{}", FALSE },
  { "{\"b\": {\"$eq\": false}}", "{\"b\": false}", TRUE },
  { "{\"o\": {\"$lt\": {\"a\": 2}}}", "{\"o\": {\"a\": 1}}", TRUE },
  /* Sets. */
  { "{\"n\": {\"$in\": [1, 2]}}", "{\"n\": 2}", TRUE },
  { "{\"n\": {\"$in\": [1, 2]}}", "{\"n\": [5, 1]}", TRUE },
  { "{\"n\": {\"$nin\": [1, 2]}}", "{\"n\": 3}", TRUE },
  { "{\"n\": {\"$nin\": [1, 2]}}", "{\"n\": 1}", FALSE },
  { "{\"t\": {\"$all\": [\"a\", \"b\"]}}", "{\"t\": [\"b\", \"c\", \"a\"]}", TRUE },
  { "{\"t\": {\"$all\": [\"a\", \"b\"]}}", "{\"t\": [\"a\"]}", FALSE },
  { "{\"t\": {\"$size\": 2}}", "{\"t\": [1, 2]}", TRUE },
  { "{\"t\": {\"$size\": 2}}", "{\"t\": \"ab\"}", FALSE },
  /* Fields. */
  { "{\"a\": {\"$exists\": false}}", "{}", TRUE },
  { "{\"a\": {\"$exists\": false}}", "{\"a\": null}", FALSE },
  { "{\"a\": {\"$exists\": true}}", "{\"a\": null}", TRUE },
  { "{\"a\": {\"$type\": \"number\"}}", "{\"a\": 1.5}", TRUE },
  { "{\"a\": {\"$type\": \"boolean\"}}", "{\"a\": true}", TRUE },
  { "{\"a\": {\"$type\": \"null\"}}", "{\"a\": null}", TRUE },
  { "{\"a\": {\"$type\": \"object\"}}", "{\"a\": []}", FALSE },
  { "{\"n\": {\"$mod\": [3, 1]}}", "{\"n\": 7}", TRUE },
  { "{\"n\": {\"$mod\": [3, 1]}}", "{\"n\": 7.5}", FALSE },
  { "{\"n\": {\"$mod\": [-1, 0]}}", "{\"n\": -9223372036854775808}", TRUE },
  { "{\"s\": {\"$regex\": \"^no\"}}", "{\"s\": \"notes\"}", TRUE },
  { "{\"s\": {\"$regex\": \"^no\"}}", "{\"s\": 1}", FALSE },
  { "{\"s\": {\"$beginsWith\": \"no\"}}", "{\"s\": \"notes\"}", TRUE },
  { "{\"s\": {\"$beginsWith\": \"no\"}}", "{\"s\": \"an\"}", FALSE },
  /* Arrays and maps. */
  { "{\"l\": {\"$elemMatch\": {\"$gt\": 3}}}", "{\"l\": [1, 5]}", TRUE },
  { "{\"l\": {\"$elemMatch\": {\"k\": \"v\"}}}", "{\"l\": [{\"k\": \"w\"}, {\"k\": \"v\"}]}", TRUE },
  { "{\"l\": {\"$allMatch\": {\"$gt\": 3}}}", "{\"l\": [4, 5]}", TRUE },
  { "{\"l\": {\"$allMatch\": {\"$gt\": 3}}}", "{\"l\": [4, 1]}", FALSE },
  { "{\"l\": {\"$allMatch\": {\"$gt\": 3}}}", "{\"l\": []}", FALSE },
  { "{\"m\": {\"$keyMapMatch\": {\"$eq\": \"k\"}}}", "{\"m\": {\"j\": 1, \"k\": 2}}", TRUE },
  { "{\"m\": {\"$keyMapMatch\": {\"$eq\": \"z\"}}}", "{\"m\": {\"j\": 1}}", FALSE },
  /* Combinations. */
  { "{\"$or\": [{\"a\": 1}, {\"b\": 1}]}", "{\"b\": 1}", TRUE },
  { "{\"$or\": [{\"a\": 1}, {\"b\": 1}]}", "{\"c\": 1}", FALSE },
  { "{\"$and\": [{\"a\": 1}, {\"b\": 1}]}", "{\"a\": 1, \"b\": 1}", TRUE },
  { "{\"$and\": [{\"a\": 1}, {\"b\": 1}]}", "{\"a\": 1}", FALSE },
  { "{\"$nor\": [{\"a\": 1}, {\"b\": 1}]}", "{\"c\": 1}", TRUE },
  { "{\"$nor\": [{\"a\": 1}, {\"b\": 1}]}", "{\"a\": 1}", FALSE },
  { "{\"$not\": {\"a\": 1}}", "{\"a\": 2}", TRUE },
  { "{\"a\": {\"$not\": {\"$eq\": 1}}}", "{\"a\": 1}", FALSE },
  { "{\"a\": {\"$or\": [{\"$lt\": 0}, {\"$gt\": 10}]}}", "{\"a\": 11}", TRUE },
};

static void
test_matches (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SyncobjCouchSelector) selector = _syncobj_couch_selector_new (cases[i].selector, &error);
      g_autoptr(JsonObject) document = syncobj_test_object (cases[i].document);

      g_assert_no_error (error);
      if (_syncobj_couch_selector_matches (selector, document) != cases[i].matches)
        g_error ("%s on %s: expected %s", cases[i].selector, cases[i].document,
                 cases[i].matches ? "a match" : "no match");
    }
}

typedef struct
{
  const char *selector;
  const char *named;    /* in the message */
} Refusal;

/* What CouchDB refuses (400) and PouchDB Server answers with an exit: a
 * clear error before any request. */
static void
test_refused (void)
{
  static const Refusal refusals[] = {
    { "[1]", "object" },
    { "{\"n\": {\"$foo\": 1}}", "$foo" },
    { "{\"$or\": {\"a\": 1}}", "$or" },
    { "{\"$and\": [1]}", "$and" },
    { "{\"n\": {\"$in\": 1}}", "$in" },
    { "{\"n\": {\"$exists\": 1}}", "$exists" },
    { "{\"n\": {\"$type\": \"integer\"}}", "$type" },
    { "{\"n\": {\"$size\": -1}}", "$size" },
    { "{\"n\": {\"$mod\": [0, 1]}}", "$mod" },
    { "{\"n\": {\"$mod\": [2]}}", "$mod" },
    { "{\"s\": {\"$regex\": \"(\"}}", "(" },
    { "{\"s\": {\"$regex\": 1}}", "$regex" },
    { "{\"s\": {\"$beginsWith\": 1}}", "$beginsWith" },
    { "{\"l\": {\"$elemMatch\": 1}}", "$elemMatch" },
    { "{\"l\": {\"$elemMatch\": {\"$bar\": 1}}}", "$bar" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (refusals); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SyncobjCouchSelector) selector = _syncobj_couch_selector_new (refusals[i].selector, &error);

      g_assert_null (selector);
      g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD);
      if (strstr (error->message, refusals[i].named) == NULL)
        g_error ("%s: “%s” does not name %s", refusals[i].selector, error->message, refusals[i].named);
    }
}

int
main (int argc, char **argv)
{
  syncobj_test_init (&argc, &argv);

  g_test_add_func ("/couch-selector/matches", test_matches);
  g_test_add_func ("/couch-selector/refused", test_refused);
  return g_test_run ();
}
