/* syncobj-version.c: the version of libsyncobj the program runs with
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-private.h"

/**
 * syncobj_get_major_version:
 *
 * Gets the major version of the libsyncobj the program runs with (0 in
 * 0.1.2). [const@Syncobj.MAJOR_VERSION] is the version of the headers the
 * program was compiled with.
 *
 * Returns: the major version of the library
 *
 * Since: 0.2
 */
guint
syncobj_get_major_version (void)
{
  return SYNCOBJ_MAJOR_VERSION;
}

/**
 * syncobj_get_minor_version:
 *
 * Gets the minor version of the libsyncobj the program runs with (1 in
 * 0.1.2).
 *
 * Returns: the minor version of the library
 *
 * Since: 0.2
 */
guint
syncobj_get_minor_version (void)
{
  return SYNCOBJ_MINOR_VERSION;
}

/**
 * syncobj_get_micro_version:
 *
 * Gets the micro version of the libsyncobj the program runs with (2 in
 * 0.1.2).
 *
 * Returns: the micro version of the library
 *
 * Since: 0.2
 */
guint
syncobj_get_micro_version (void)
{
  return SYNCOBJ_MICRO_VERSION;
}

/**
 * syncobj_check_version:
 * @required_major: the major version required
 * @required_minor: the minor version required
 * @required_micro: the micro version required
 *
 * Checks that the libsyncobj the program runs with is compatible with the
 * given version: the same major version, and a minor and micro version at
 * least as new. For the headers the program was compiled with, use
 * `SYNCOBJ_CHECK_VERSION()`.
 *
 * Returns: (nullable): %NULL when the library is compatible, else a
 *   message saying why not, owned by libsyncobj
 *
 * Since: 0.2
 */
const char *
syncobj_check_version (guint required_major,
                       guint required_minor,
                       guint required_micro)
{
  guint major = syncobj_get_major_version ();
  guint minor = syncobj_get_minor_version ();
  guint micro = syncobj_get_micro_version ();

  _syncobj_ensure_i18n ();

  if (required_major > major)
    return _("libsyncobj version too old (major version mismatch)");
  if (required_major < major)
    return _("libsyncobj version too new (major version mismatch)");
  if (required_minor > minor || (required_minor == minor && required_micro > micro))
    return _("libsyncobj version too old (minor or micro version mismatch)");

  return NULL;
}
