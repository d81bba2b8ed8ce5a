/* syncobj-gtk.c: registration of the inspector page
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "syncobj-gtk.h"
#include "syncobj-inspector-page-private.h"

/**
 * syncobj_gtk_init:
 *
 * Adds the libsyncobj page to the GTK inspector: it registers the page on
 * the `gtk-inspector-page` extension point (under the name `libsyncobj`),
 * so that the inspector (`GTK_DEBUG=interactive`, or Ctrl+Shift+D when
 * enabled) shows a "Sync" page listing the collections and transactions of
 * the process, with their records, attempts and errors.
 *
 * Call it after gtk_init() (or in [signal@Gio.Application::startup]).
 * Calling it again does nothing. Applications that do not call it still
 * get the page when GTK finds the libsyncobj inspector module in
 * `GTK_PATH/inspector`.
 */
void
syncobj_gtk_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      GIOExtensionPoint *extension_point;

      bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

      /* GTK registers the extension point when the inspector starts;
       * registering it here first is harmless (the same point is
       * returned) and lets the page be added before that. */
      extension_point = g_io_extension_point_register ("gtk-inspector-page");
      g_io_extension_point_set_required_type (extension_point, GTK_TYPE_WIDGET);
      g_io_extension_point_implement ("gtk-inspector-page",
                                      SYNCOBJ_TYPE_INSPECTOR_PAGE,
                                      "libsyncobj",
                                      10);

      g_once_init_leave (&initialized, 1);
    }
}
