/* disk-full.h: a full disk, for tests
 *
 * A file size limit of 0 makes every write to a file fail with EFBIG (with
 * SIGXFSZ ignored meanwhile), which SQLite reports as it would a full disk.
 * Unlike a tiny tmpfs it needs no privileges. Header-only: used by tests
 * that link libsyncobj statically and by the GTK tests, which do not.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <signal.h>
#include <sys/resource.h>

static inline void
syncobj_test_set_disk_full (gboolean full)
{
  struct rlimit rl;

  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &rl), ==, 0);
  if (full)
    signal (SIGXFSZ, SIG_IGN);
  rl.rlim_cur = full ? 0 : rl.rlim_max;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &rl), ==, 0);
  if (!full)
    signal (SIGXFSZ, SIG_DFL);
}
