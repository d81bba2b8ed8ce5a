/* subproject-gtk-app.c: built against libsyncobj-gtk as a subproject
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <syncobj-gtk.h>

int
main (void)
{
  gtk_init ();
  syncobj_gtk_init ();
  return 0;
}
