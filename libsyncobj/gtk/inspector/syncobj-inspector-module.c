/* syncobj-inspector-module.c: the GIO module GTK loads from
 * GTK_PATH/inspector to add the libsyncobj page to its inspector
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <gio/gio.h>

#include "syncobj-gtk.h"

/* GIO resolves these three by name. */
G_MODULE_EXPORT void   g_io_module_load   (GIOModule *module);
G_MODULE_EXPORT void   g_io_module_unload (GIOModule *module);
G_MODULE_EXPORT char **g_io_module_query  (void);

void
g_io_module_load (GIOModule *module)
{
  /* The page type is a static type of libsyncobj-gtk, which this module
   * pulls in: the module must never be unloaded once a type of it exists,
   * so it keeps one use for itself. */
  g_type_module_use (G_TYPE_MODULE (module));

  syncobj_gtk_init ();
}

void
g_io_module_unload (GIOModule *module)
{
}

char **
g_io_module_query (void)
{
  char *extension_points[] = { (char *) "gtk-inspector-page", NULL };

  return g_strdupv (extension_points);
}
