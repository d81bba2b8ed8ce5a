/* syncobj-version-macros.h: symbol visibility and availability macros
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The macros live in the generated syncobj-version.h, beside the version
 * numbers they are computed from (SYNCOBJ_AVAILABLE_IN_*,
 * SYNCOBJ_DEPRECATED_IN_*, SYNCOBJ_VERSION_MIN_REQUIRED and
 * SYNCOBJ_VERSION_MAX_ALLOWED); every public header includes this one.
 */
#pragma once

#if !defined(__SYNCOBJ_INSIDE__) && !defined(SYNCOBJ_COMPILATION)
#error "Only <syncobj.h> can be included directly."
#endif

#include "syncobj-version.h"
