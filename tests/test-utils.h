/* test-utils.h: helpers shared by the C tests of libsyncobj
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <syncobj.h>

G_BEGIN_DECLS

/* g_test_init() with isolated XDG directories, and the locale from the
 * environment (the tests run with LC_ALL=C.UTF-8). */
void        syncobj_test_init        (int         *argc,
                                      char      ***argv);

/* Parses @json, which must hold one JSON object; the test fails otherwise.
 * Returns: (transfer full) */
JsonObject *syncobj_test_object      (const char  *json);

/* Parses @json, which must hold one JSON array; the test fails otherwise.
 * Returns: (transfer full) */
JsonArray  *syncobj_test_array       (const char  *json);

/* Fails the test unless @object equals the JSON object in @expected_json
 * (compared as JSON values, so member order and spacing do not matter).
 * On a mismatch both sides are printed. @object may be NULL, which only
 * matches the literal "null". */
void        syncobj_test_assert_json (JsonObject  *object,
                                      const char  *expected_json);

G_END_DECLS
