/* syncobj-version-macros.h: symbol visibility and availability macros
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SYNCOBJ_INSIDE__) && !defined(SYNCOBJ_COMPILATION)
#error "Only <syncobj.h> can be included directly."
#endif

#include <glib.h>

#ifndef _SYNCOBJ_EXTERN
# define _SYNCOBJ_EXTERN __attribute__((visibility("default"))) extern
#endif

#define SYNCOBJ_VERSION_1_0 (G_ENCODE_VERSION (1, 0))

#define SYNCOBJ_AVAILABLE_IN_ALL _SYNCOBJ_EXTERN
#define SYNCOBJ_AVAILABLE_IN_1_0 _SYNCOBJ_EXTERN
