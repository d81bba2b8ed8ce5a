/* syncobj-store-lock.c: one process at a time on a store file
 *
 * Two processes on one store file would both restore its unfinished
 * transactions and send them again. The store takes an exclusive flock()
 * on `PATH.lock`, next to the file, for as long as it is open; the kernel
 * lets it go when the process ends, `kill -9` included, so a restart
 * finds it free. The lock file holds the process id of its holder, for
 * the error a second process gets.
 *
 * flock() locks belong to an open file, not to a process: two stores of
 * one path in one process (a restart within a test, a second store object
 * of the same path) share one lock, counted here. SQLite's own locks are
 * fcntl() locks on the database file, which flock() on another file
 * leaves alone.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "syncobj-store-lock-private.h"
#include "syncobj-error.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct _SyncobjStoreLock
{
  dev_t  device;
  ino_t  inode;
  int    fd;
  guint  holders;   /* stores of this process that hold it */
};

static GMutex locks_mutex;
static GPtrArray *locks;   /* SyncobjStoreLock, those this process holds */

static SyncobjStoreLock *
find_held (const struct stat *info)
{
  for (guint i = 0; locks != NULL && i < locks->len; i++)
    {
      SyncobjStoreLock *lock = g_ptr_array_index (locks, i);

      if (lock->device == info->st_dev && lock->inode == info->st_ino)
        return lock;
    }
  return NULL;
}

/* The holder's process id, as the lock file says it, or 0. */
static int
read_holder (int fd)
{
  char text[32];
  ssize_t n = pread (fd, text, sizeof text - 1, 0);
  gint64 pid;
  char *end;

  if (n <= 0)
    return 0;
  text[n] = '\0';
  pid = g_ascii_strtoll (text, &end, 10);
  return end != text && pid > 0 && pid <= G_MAXINT ? (int) pid : 0;
}

static void
write_holder (int fd)
{
  g_autofree char *text = g_strdup_printf ("%d\n", (int) getpid ());
  gsize length = strlen (text);

  /* Only for the error of a second process: nothing fails without it. */
  if (ftruncate (fd, 0) != 0 || pwrite (fd, text, length, 0) != (ssize_t) length)
    return;
}

SyncobjStoreLock *
_syncobj_store_lock_acquire (const char  *path,
                             GError     **error)
{
  g_autofree char *lock_path = g_strconcat (path, ".lock", NULL);
  g_autoptr(GMutexLocker) locker = NULL;
  SyncobjStoreLock *lock;
  struct stat info;
  int fd, saved_errno;

  fd = g_open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || fstat (fd, &info) != 0)
    {
      saved_errno = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                   _("cannot open its lock file %s: %s"), lock_path, g_strerror (saved_errno));
      return NULL;
    }

  locker = g_mutex_locker_new (&locks_mutex);
  lock = find_held (&info);
  if (lock != NULL)
    {
      close (fd);
      lock->holders++;
      return lock;
    }

  while (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int holder;

      saved_errno = errno;
      if (saved_errno == EINTR)
        continue;
      holder = read_holder (fd);
      close (fd);
      if (saved_errno == EWOULDBLOCK && holder > 0)
        g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                     _("another process (%d) has it open; one process at a time may use a store file"),
                     holder);
      else if (saved_errno == EWOULDBLOCK)
        g_set_error_literal (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                             _("another process has it open; one process at a time may use a store file"));
      else
        g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                     _("cannot lock %s: %s"), lock_path, g_strerror (saved_errno));
      return NULL;
    }
  write_holder (fd);

  lock = g_new0 (SyncobjStoreLock, 1);
  lock->device = info.st_dev;
  lock->inode = info.st_ino;
  lock->fd = fd;
  lock->holders = 1;
  if (locks == NULL)
    locks = g_ptr_array_new ();
  g_ptr_array_add (locks, lock);
  return lock;
}

void
_syncobj_store_lock_release (SyncobjStoreLock *lock)
{
  g_autoptr(GMutexLocker) locker = NULL;

  if (lock == NULL)
    return;

  locker = g_mutex_locker_new (&locks_mutex);
  if (--lock->holders > 0)
    return;
  g_ptr_array_remove_fast (locks, lock);
  if (locks->len == 0)
    g_clear_pointer (&locks, g_ptr_array_unref);
  /* Emptied, so that the holder's id does not outlive the holder; the
   * file itself stays (removing it would race with a process opening it). */
  if (ftruncate (lock->fd, 0) != 0)
    {
      /* Nothing to do: the next holder writes its own id. */
    }
  close (lock->fd);
  g_free (lock);
}
