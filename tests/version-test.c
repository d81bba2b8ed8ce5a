/* version-test.c: the version macros and the error domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* A program may ask for the oldest series it supports; the headers must
 * accept it and still default the newest allowed API to their own. */
#define SYNCOBJ_VERSION_MIN_REQUIRED SYNCOBJ_VERSION_0_1

#include "test-utils.h"

#include <string.h>

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
test_version_series (void)
{
  /* 0.1.90 is a development snapshot of 0.2: it belongs to the 0.2 series. */
  guint series_minor = SYNCOBJ_MICRO_VERSION >= 90 ? SYNCOBJ_MINOR_VERSION + 1 : SYNCOBJ_MINOR_VERSION;

  g_assert_cmpint (SYNCOBJ_MAJOR_VERSION, ==, 0);
  g_assert_cmpuint (SYNCOBJ_VERSION_0_1, ==, G_ENCODE_VERSION (0, 1));
  g_assert_cmpuint (SYNCOBJ_VERSION_0_2, ==, G_ENCODE_VERSION (0, 2));
  g_assert_cmpuint (SYNCOBJ_VERSION_0_1, <, SYNCOBJ_VERSION_0_2);
  g_assert_cmpuint (SYNCOBJ_VERSION_CUR_STABLE, ==, G_ENCODE_VERSION (SYNCOBJ_MAJOR_VERSION, series_minor));
  g_assert_cmpuint (SYNCOBJ_VERSION_MIN_REQUIRED, ==, SYNCOBJ_VERSION_0_1);
  g_assert_cmpuint (SYNCOBJ_VERSION_MAX_ALLOWED, ==, SYNCOBJ_VERSION_CUR_STABLE);
}

static void
test_version_runtime (void)
{
  g_assert_cmpuint (syncobj_get_major_version (), ==, SYNCOBJ_MAJOR_VERSION);
  g_assert_cmpuint (syncobj_get_minor_version (), ==, SYNCOBJ_MINOR_VERSION);
  g_assert_cmpuint (syncobj_get_micro_version (), ==, SYNCOBJ_MICRO_VERSION);
}

static void
test_version_runtime_check (void)
{
  const char *message;

  g_assert_null (syncobj_check_version (0, 1, 0));
  g_assert_null (syncobj_check_version (SYNCOBJ_MAJOR_VERSION, SYNCOBJ_MINOR_VERSION, SYNCOBJ_MICRO_VERSION));
  g_assert_null (syncobj_check_version (SYNCOBJ_MAJOR_VERSION, 0, 0));

  message = syncobj_check_version (SYNCOBJ_MAJOR_VERSION, SYNCOBJ_MINOR_VERSION, SYNCOBJ_MICRO_VERSION + 1);
  g_assert_nonnull (strstr (message, "too old"));
  message = syncobj_check_version (SYNCOBJ_MAJOR_VERSION, SYNCOBJ_MINOR_VERSION + 1, 0);
  g_assert_nonnull (strstr (message, "too old"));
  message = syncobj_check_version (SYNCOBJ_MAJOR_VERSION + 1, 0, 0);
  g_assert_nonnull (strstr (message, "major"));
  g_assert_nonnull (strstr (message, "too old"));
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
  g_test_add_func ("/version/series", test_version_series);
  g_test_add_func ("/version/runtime", test_version_runtime);
  g_test_add_func ("/version/runtime-check", test_version_runtime_check);
  g_test_add_func ("/error/quark", test_error_quark);

  return g_test_run ();
}
