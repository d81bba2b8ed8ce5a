/* syncobj-sync-wait.c: waiting until commits have written given keys
 *
 * A waiter is either a public wait (a GTask, with a timeout and a
 * cancellable) or a watch of the library's own (a plain callback, no GTask
 * and no main-loop hop): an echo watch is made for every persisted write.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-sync-private.h"

struct _SyncobjKeyWaiter
{
  SyncobjSync          *sync;           /* unowned */
  char                 *key;            /* the one key not yet seen, or NULL */
  GHashTable           *remaining;      /* several keys not yet seen, or NULL */
  GTask                *task;           /* a public wait, or NULL */
  SyncobjKeysWrittenFunc func;          /* a watch */
  gpointer              data;
  guint                 timer;
  GSource              *cancelled_idle; /* on the task's context */
  gulong                cancelled_handler;
  char                  key_inline[32];  /* a short key (most are): no copy */
};

typedef struct _SyncobjKeyWaiter KeyWaiter;

/* The one key was seen (or the waiter goes). */
static void
key_waiter_drop_key (KeyWaiter *waiter)
{
  if (waiter->key != waiter->key_inline)
    g_free (waiter->key);
  waiter->key = NULL;
}

void
_syncobj_key_waiter_free (KeyWaiter *waiter)
{
  gpointer *slot;

  if (waiter->timer != 0)
    _syncobj_scheduler_remove (_syncobj_scheduler_get_default (), waiter->timer);
  if (waiter->cancelled_idle != NULL)
    {
      g_source_destroy (waiter->cancelled_idle);
      g_clear_pointer (&waiter->cancelled_idle, g_source_unref);
    }
  if (waiter->cancelled_handler != 0)
    g_cancellable_disconnect (g_task_get_cancellable (waiter->task), waiter->cancelled_handler);
  g_clear_pointer (&waiter->remaining, g_hash_table_unref);
  key_waiter_drop_key (waiter);
  g_clear_object (&waiter->task);

  /* An echo watch is made and ended for every persisted write: the next
   * one takes this memory. */
  slot = _syncobj_sync_spare_waiter_slot (waiter->sync);
  if (*slot == NULL)
    *slot = waiter;
  else
    g_free (waiter);
}

static gboolean
key_waiter_satisfied (KeyWaiter *waiter)
{
  return waiter->key == NULL && (waiter->remaining == NULL || g_hash_table_size (waiter->remaining) == 0);
}

/* Ends @waiter: its task returns, or its watch is told (@error NULL when
 * every key was written). Takes @error. */
static void
key_waiter_finish (KeyWaiter *waiter,
                   GError    *error)
{
  GPtrArray *waiters = _syncobj_sync_peek_waiters (waiter->sync);
  g_autoptr(GTask) task = waiter->task != NULL ? g_object_ref (waiter->task) : NULL;
  SyncobjKeysWrittenFunc func = waiter->func;
  gpointer data = waiter->data;

  g_ptr_array_remove (waiters, waiter);
  if (task == NULL)
    {
      func (error == NULL, data);
      g_clear_error (&error);
    }
  else if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static gboolean
key_waiter_timeout_cb (gpointer data)
{
  KeyWaiter *waiter = data;
  guint n_remaining = (waiter->key != NULL ? 1 : 0) +
                      (waiter->remaining != NULL ? g_hash_table_size (waiter->remaining) : 0);
  const char *id = syncobj_sync_get_id (waiter->sync);
  const GError *sync_error = syncobj_sync_get_error (waiter->sync);
  GError *error;

  waiter->timer = 0;
  /* The sync's own error says why nothing came (a refused request, a
   * collection it cannot serve): name it rather than only the time. */
  if (sync_error != NULL)
    error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_TIMEOUT,
                         _("Timed out waiting for %u record(s) to come back from sync “%s”, whose last error is: %s"),
                         n_remaining, id, sync_error->message);
  else
    error = g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_TIMEOUT,
                         _("Timed out waiting for %u record(s) to come back from sync “%s”"),
                         n_remaining, id);
  key_waiter_finish (waiter, error);
  return G_SOURCE_REMOVE;
}

static gboolean
key_waiter_cancelled_idle (gpointer data)
{
  KeyWaiter *waiter = data;

  g_clear_pointer (&waiter->cancelled_idle, g_source_unref);
  key_waiter_finish (waiter, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                  _("Waiting for the sync was cancelled")));
  return G_SOURCE_REMOVE;
}

static void
key_waiter_cancelled_cb (GCancellable *cancellable,
                         KeyWaiter    *waiter)
{
  /* Never finish from inside the cancellable's signal. */
  if (waiter->cancelled_idle == NULL)
    {
      waiter->cancelled_idle = g_idle_source_new ();
      g_source_set_callback (waiter->cancelled_idle, key_waiter_cancelled_idle, waiter, NULL);
      g_source_attach (waiter->cancelled_idle, g_task_get_context (waiter->task));
    }
}

/* A waiter for @keys (not empty); one key needs no set. */
static KeyWaiter *
key_waiter_new (SyncobjSync        *sync,
                const char * const *keys)
{
  gpointer *slot = _syncobj_sync_spare_waiter_slot (sync);
  KeyWaiter *waiter = *slot != NULL ? memset (g_steal_pointer (slot), 0, sizeof (KeyWaiter)) : g_new0 (KeyWaiter, 1);

  waiter->sync = sync;
  if (keys[0] != NULL && keys[1] == NULL)
    {
      gsize length = strlen (keys[0]);

      if (length < sizeof waiter->key_inline)
        waiter->key = memcpy (waiter->key_inline, keys[0], length + 1);
      else
        waiter->key = g_strdup (keys[0]);
      return waiter;
    }

  waiter->remaining = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; keys[i] != NULL; i++)
    g_hash_table_add (waiter->remaining, g_strdup (keys[i]));
  return waiter;
}

static void
key_waiter_saw (KeyWaiter  *waiter,
                const char *key)
{
  if (waiter->key != NULL && strcmp (waiter->key, key) == 0)
    key_waiter_drop_key (waiter);
  else if (waiter->remaining != NULL)
    g_hash_table_remove (waiter->remaining, key);
}

void
_syncobj_sync_notify_waiters (SyncobjSync *self,
                              GArray      *writes)
{
  GPtrArray *waiters = _syncobj_sync_peek_waiters (self);
  g_autoptr(GPtrArray) more = NULL;
  KeyWaiter *done[8];   /* a commit usually satisfies one or two: no allocation */
  guint n_done = 0;

  for (guint i = 0; i < waiters->len; i++)
    {
      KeyWaiter *waiter = g_ptr_array_index (waiters, i);

      for (guint j = 0; j < writes->len && !key_waiter_satisfied (waiter); j++)
        key_waiter_saw (waiter, g_array_index (writes, SyncobjSyncWrite, j).key);

      if (!key_waiter_satisfied (waiter))
        continue;
      if (n_done < G_N_ELEMENTS (done))
        done[n_done++] = waiter;
      else
        {
          if (more == NULL)
            more = g_ptr_array_new ();
          g_ptr_array_add (more, waiter);
        }
    }

  for (guint i = 0; i < n_done; i++)
    key_waiter_finish (done[i], NULL);
  for (guint i = 0; more != NULL && i < more->len; i++)
    key_waiter_finish (g_ptr_array_index (more, i), NULL);
}

void
_syncobj_sync_cancel_waiters (SyncobjSync *self)
{
  GPtrArray *waiters = _syncobj_sync_peek_waiters (self);

  while (waiters->len > 0)
    key_waiter_finish (g_ptr_array_index (waiters, 0),
                       g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_CANCELLED,
                                    _("Sync “%s” went away"), syncobj_sync_get_id (self) != NULL ?
                                    syncobj_sync_get_id (self) : ""));
}

gpointer
_syncobj_sync_watch_keys (SyncobjSync            *self,
                          const char * const     *keys,
                          SyncobjKeysWrittenFunc  func,
                          gpointer                user_data)
{
  KeyWaiter *waiter;

  g_return_val_if_fail (keys != NULL && keys[0] != NULL, NULL);

  waiter = key_waiter_new (self, keys);
  waiter->func = func;
  waiter->data = user_data;
  g_ptr_array_add (_syncobj_sync_peek_waiters (self), waiter);
  return waiter;
}

void
_syncobj_sync_unwatch_keys (SyncobjSync *self,
                            gpointer     watch)
{
  g_ptr_array_remove (_syncobj_sync_peek_waiters (self), watch);
}

/**
 * syncobj_sync_wait_for_keys_async:
 * @self: a sync
 * @keys: (array zero-terminated=1): the keys to wait for
 * @timeout_ms: give up after this many milliseconds; 0 waits forever
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when every key was written by a commit
 * @user_data: closure data
 *
 * Waits until commits made from now on have written every key of @keys
 * (held writes count: they arrived). Mutators call it in `await_sync` to
 * wait for the echo of what they persisted.
 */
void
syncobj_sync_wait_for_keys_async (SyncobjSync         *self,
                                  const char * const  *keys,
                                  guint                timeout_ms,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  KeyWaiter *waiter;

  g_return_if_fail (SYNCOBJ_IS_SYNC (self));
  g_return_if_fail (keys != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, syncobj_sync_wait_for_keys_async);
  if (keys[0] == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  waiter = key_waiter_new (self, keys);
  waiter->task = g_steal_pointer (&task);
  g_ptr_array_add (_syncobj_sync_peek_waiters (self), waiter);
  if (timeout_ms > 0)
    waiter->timer = _syncobj_scheduler_add (_syncobj_scheduler_get_default (), timeout_ms,
                                            key_waiter_timeout_cb, waiter, NULL);
  if (cancellable != NULL)
    waiter->cancelled_handler = g_cancellable_connect (cancellable, G_CALLBACK (key_waiter_cancelled_cb),
                                                       waiter, NULL);
}

/**
 * syncobj_sync_wait_for_keys_finish:
 * @self: a sync
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Syncobj.Sync.wait_for_keys_async].
 *
 * Returns: %TRUE when every key came back; %FALSE with
 *   %SYNCOBJ_ERROR_TIMEOUT or a cancellation error
 */
gboolean
syncobj_sync_wait_for_keys_finish (SyncobjSync   *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
