/* syncobj-inspector-page.h: the libsyncobj page of the GTK inspector
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__SYNCOBJ_GTK_INSIDE__) && !defined(SYNCOBJ_GTK_COMPILATION)
#error "Only <syncobj-gtk.h> can be included directly."
#endif

#include <gtk/gtk.h>
#include <syncobj.h>

G_BEGIN_DECLS

#define SYNCOBJ_TYPE_INSPECTOR_PAGE (syncobj_inspector_page_get_type ())

SYNCOBJ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SyncobjInspectorPage, syncobj_inspector_page, SYNCOBJ, INSPECTOR_PAGE, GtkWidget)

SYNCOBJ_AVAILABLE_IN_ALL
GtkWidget *syncobj_inspector_page_new        (void);

SYNCOBJ_AVAILABLE_IN_ALL
GObject   *syncobj_inspector_page_get_object (SyncobjInspectorPage *self);

SYNCOBJ_AVAILABLE_IN_ALL
void       syncobj_inspector_page_set_object (SyncobjInspectorPage *self,
                                              GObject              *object);

G_END_DECLS
