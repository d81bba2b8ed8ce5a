/* i18n-test.c: error messages follow the user's language
 *
 * The German catalogue is the one built from po/de.po in the build tree.
 * GNU gettext honours LANGUAGE whenever the locale is not "C", so the test
 * uses de_DE.UTF-8 when the system has it and C.UTF-8 (always present with
 * glibc ≥ 2.35) otherwise.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "test-utils.h"

#include <libintl.h>
#include <locale.h>

/* Switches the language of messages. A change of locale is what tells
 * gettext to drop the translations it has cached, hence the detour through
 * "C" when the locale itself stays the same. */
static void
use_language (const char *language)
{
  g_setenv ("LANGUAGE", language, TRUE);
  setlocale (LC_ALL, "C");
  if (setlocale (LC_ALL, "de_DE.UTF-8") == NULL)
    g_assert_nonnull (setlocale (LC_ALL, "C.UTF-8"));
}

static char *
duplicate_insert_error (SyncobjCollection *collection)
{
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(GError) error = NULL;

  transaction = syncobj_collection_insert_json (collection, "{\"id\": \"a\"}", &error);
  g_assert_null (transaction);
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_KEY_EXISTS);

  return g_strdup (error->message);
}

static void
test_translated_error (void)
{
  g_autoptr(JsonArray) initial = syncobj_test_array ("[{\"id\": \"a\"}]");
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autofree char *localedir = g_test_build_filename (G_TEST_BUILT, "..", "po", NULL);
  g_autofree char *catalogue = g_build_filename (localedir, "de", "LC_MESSAGES",
                                                 GETTEXT_PACKAGE ".mo", NULL);
  g_autofree char *english = NULL;
  g_autofree char *german = NULL;
  g_autofree char *expected = NULL;
  const char *id;

  g_assert_true (g_file_test (catalogue, G_FILE_TEST_IS_REGULAR));

  collection = syncobj_test_collection_new (initial, SYNCOBJ_STRATEGY_ORDERED, &control);
  id = syncobj_collection_get_id (collection);

  /* The library has bound its domain to the installed catalogues by now;
   * point it at the one just built. */
  bindtextdomain (GETTEXT_PACKAGE, localedir);

  use_language ("en");
  english = duplicate_insert_error (collection);
  expected = g_strdup_printf ("Record “a” already exists in collection “%s”", id);
  g_assert_cmpstr (english, ==, expected);
  g_clear_pointer (&expected, g_free);

  use_language ("de");
  german = duplicate_insert_error (collection);
  expected = g_strdup_printf ("Datensatz „a“ existiert bereits in Sammlung „%s“", id);
  g_assert_cmpstr (german, ==, expected);
  g_clear_pointer (&expected, g_free);

  /* And back: nothing is stuck in a cache. */
  use_language ("en");
  g_clear_pointer (&english, g_free);
  english = duplicate_insert_error (collection);
  g_assert_true (g_str_has_prefix (english, "Record “a” already exists"));
}

static void
test_translated_parse_error (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *localedir = g_test_build_filename (G_TEST_BUILT, "..", "po", NULL);

  collection = syncobj_test_collection_new (NULL, SYNCOBJ_STRATEGY_ORDERED, &control);
  bindtextdomain (GETTEXT_PACKAGE, localedir);

  use_language ("de");
  g_assert_false (syncobj_sync_apply_json (syncobj_collection_get_sync (collection),
                                           "[{\"type\": \"insert\"}]", -1, &error));
  g_assert_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE);
  g_assert_cmpstr (error->message, ==, "Synchronisationsnachricht 0 hat kein „value“-Objekt");
  use_language ("en");
}

int
main (int argc, char *argv[])
{
  syncobj_test_init (&argc, &argv);

  g_test_add_func ("/i18n/translated-error", test_translated_error);
  g_test_add_func ("/i18n/translated-parse-error", test_translated_parse_error);

  return g_test_run ();
}
