/* version-test.c: the version macros and the error domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"

static void
test_version_check (void)
{
  g_assert_true (SYNCOBJ_CHECK_VERSION (0, 0, 0));
  g_assert_true (SYNCOBJ_CHECK_VERSION (SYNCOBJ_MAJOR_VERSION,
                                        SYNCOBJ_MINOR_VERSION,
                                        SYNCOBJ_MICRO_VERSION));
  g_assert_false (SYNCOBJ_CHECK_VERSION (SYNCOBJ_MAJOR_VERSION,
                                         SYNCOBJ_MINOR_VERSION,
                                         SYNCOBJ_MICRO_VERSION + 1));
  g_assert_false (SYNCOBJ_CHECK_VERSION (SYNCOBJ_MAJOR_VERSION + 1, 0, 0));
}

static void
test_version_string (void)
{
  g_autofree char *expected = g_strdup_printf ("%d.%d.%d",
                                               SYNCOBJ_MAJOR_VERSION,
                                               SYNCOBJ_MINOR_VERSION,
                                               SYNCOBJ_MICRO_VERSION);

  g_assert_cmpstr (SYNCOBJ_VERSION_S, ==, expected);
}

static void
test_error_quark (void)
{
  g_assert_cmpuint (syncobj_error_quark (), !=, 0);
  g_assert_cmpuint (SYNCOBJ_ERROR, ==, syncobj_error_quark ());
}

int
main (int argc, char *argv[])
{
  syncobj_test_init (&argc, &argv);

  g_test_add_func ("/version/check", test_version_check);
  g_test_add_func ("/version/string", test_version_string);
  g_test_add_func ("/error/quark", test_error_quark);

  return g_test_run ();
}
