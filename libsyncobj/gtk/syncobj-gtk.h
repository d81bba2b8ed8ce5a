/* syncobj-gtk.h: the umbrella header of libsyncobj-gtk
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#define __SYNCOBJ_GTK_INSIDE__

#include <gtk/gtk.h>
#include <syncobj.h>

#include "syncobj-inspector-page.h"

#undef __SYNCOBJ_GTK_INSIDE__

G_BEGIN_DECLS

SYNCOBJ_AVAILABLE_IN_ALL
void syncobj_gtk_init (void);

G_END_DECLS
