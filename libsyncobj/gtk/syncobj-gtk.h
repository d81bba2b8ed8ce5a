/* syncobj-gtk.h: the public header of libsyncobj-gtk
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <syncobj.h>

G_BEGIN_DECLS

SYNCOBJ_AVAILABLE_IN_ALL
void syncobj_gtk_init (void);

G_END_DECLS
