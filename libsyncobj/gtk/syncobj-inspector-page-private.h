/* syncobj-inspector-page-private.h: the libsyncobj page of the GTK
 * inspector, created by GTK from the "gtk-inspector-page" extension point
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SYNCOBJ_TYPE_INSPECTOR_PAGE (syncobj_inspector_page_get_type ())

G_DECLARE_FINAL_TYPE (SyncobjInspectorPage, syncobj_inspector_page, SYNCOBJ, INSPECTOR_PAGE, GtkWidget)

G_END_DECLS
