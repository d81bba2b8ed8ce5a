/* syncobj-weak.c: one weak reference to an object, shared by everything
 * that points at it weakly
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-weak-private.h"

struct _SyncobjWeak
{
  gatomicrefcount ref_count;
  GWeakRef        ref;
};

G_LOCK_DEFINE_STATIC (weak);

static void
weak_release (gpointer data)
{
  SyncobjWeak *weak = data;

  if (g_atomic_ref_count_dec (&weak->ref_count))
    {
      g_weak_ref_clear (&weak->ref);
      g_free (weak);
    }
}

/* Returns a new reference to @object's handle (NULL for a NULL @object).
 * The object keeps one reference to it until it is finalized, so there is
 * one handle per object, and its weak reference is the only one GLib keeps
 * for all the holders. */
SyncobjWeak *
_syncobj_weak_for (gpointer object)
{
  static GQuark quark;
  SyncobjWeak *weak;

  if (object == NULL)
    return NULL;

  g_return_val_if_fail (G_IS_OBJECT (object), NULL);

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("syncobj-weak");

  G_LOCK (weak);
  weak = g_object_get_qdata (object, quark);
  if (weak == NULL)
    {
      weak = g_new0 (SyncobjWeak, 1);
      g_atomic_ref_count_init (&weak->ref_count);
      g_weak_ref_init (&weak->ref, object);
      g_object_set_qdata_full (object, quark, weak, weak_release);
    }
  g_atomic_ref_count_inc (&weak->ref_count);
  G_UNLOCK (weak);

  return weak;
}

SyncobjWeak *
_syncobj_weak_ref (SyncobjWeak *weak)
{
  g_atomic_ref_count_inc (&weak->ref_count);
  return weak;
}

void
_syncobj_weak_unref (SyncobjWeak *weak)
{
  if (weak != NULL)
    weak_release (weak);
}

/* Returns a strong reference to the object, or NULL when it is gone or
 * @weak is NULL. */
gpointer
_syncobj_weak_get (SyncobjWeak *weak)
{
  return weak != NULL ? g_weak_ref_get (&weak->ref) : NULL;
}
