/* syncobj-couch-sync-echo.c: the revisions the change feed of a
 * SyncobjCouchSync brings for the documents a SyncobjCouchMutator writes,
 * so that a write completes once its echo is in the collection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-couch-sync-private.h"
#include "syncobj-couch-parse-private.h"

typedef struct
{
  guint64 seen;      /* the highest generation the feed brought */
  guint64 wanted;    /* the generation written; 0: nothing awaited */
} EchoEntry;

struct _SyncobjCouchEcho
{
  SyncobjCouchSync *sync;      /* unowned; NULL once it is gone */
  GHashTable       *entries;   /* id → EchoEntry */
  GTask            *waiting;
  guint             timer;
};

guint64
_syncobj_couch_rev_generation (const char *rev)
{
  guint64 generation = 0;

  for (const char *p = rev; p != NULL && g_ascii_isdigit (*p); p++)
    {
      if (generation > G_MAXUINT64 / 10 - 1)
        return G_MAXUINT64;
      generation = generation * 10 + (guint64) (*p - '0');
    }
  return generation;
}

static gboolean
echo_complete (SyncobjCouchEcho *echo)
{
  GHashTableIter iter;
  EchoEntry *entry;

  if (echo->sync == NULL || !_syncobj_couch_sync_is_running (echo->sync))
    return TRUE;
  g_hash_table_iter_init (&iter, echo->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (entry->wanted > entry->seen)
      return FALSE;
  return TRUE;
}

static void
echo_finish (SyncobjCouchEcho *echo)
{
  g_autoptr(GTask) task = g_steal_pointer (&echo->waiting);

  g_clear_handle_id (&echo->timer, g_source_remove);
  if (task != NULL)
    g_task_return_boolean (task, TRUE);
}

void
_syncobj_couch_echo_note (SyncobjCouchSync      *sync,
                          const SyncobjCouchRow *row)
{
  GPtrArray *echoes = _syncobj_couch_sync_get_echoes (sync);

  for (guint i = 0; i < echoes->len; i++)
    {
      SyncobjCouchEcho *echo = g_ptr_array_index (echoes, i);
      EchoEntry *entry = g_hash_table_lookup (echo->entries, row->id);

      if (entry == NULL || row->rev == NULL)
        continue;
      entry->seen = MAX (entry->seen, _syncobj_couch_rev_generation (row->rev));
    }
}

/* After the commit that brought them: a write its echo completes drops
 * its optimistic layer onto the record the echo left, never onto the one
 * before it. */
void
_syncobj_couch_echo_finish_complete (SyncobjCouchSync *sync)
{
  GPtrArray *echoes = _syncobj_couch_sync_get_echoes (sync);
  g_autoptr(GPtrArray) done = g_ptr_array_new ();

  for (guint i = 0; i < echoes->len; i++)
    {
      SyncobjCouchEcho *echo = g_ptr_array_index (echoes, i);

      if (echo->waiting != NULL && echo_complete (echo))
        g_ptr_array_add (done, echo);
    }
  /* Finishing one may free others: each is looked up again. */
  for (guint i = 0; i < done->len; i++)
    {
      SyncobjCouchEcho *echo = g_ptr_array_index (done, i);

      if (g_ptr_array_find (echoes, echo, NULL) && echo->waiting != NULL && echo_complete (echo))
        echo_finish (echo);
    }
}

void
_syncobj_couch_echo_finish_all (SyncobjCouchSync *sync)
{
  GPtrArray *echoes = _syncobj_couch_sync_get_echoes (sync);

  for (guint i = 0; i < echoes->len; i++)
    echo_finish (g_ptr_array_index (echoes, i));
}

void
_syncobj_couch_echo_detach_all (SyncobjCouchSync *sync)
{
  GPtrArray *echoes = _syncobj_couch_sync_get_echoes (sync);

  for (guint i = 0; i < echoes->len; i++)
    ((SyncobjCouchEcho *) g_ptr_array_index (echoes, i))->sync = NULL;
}

SyncobjCouchEcho *
_syncobj_couch_echo_new (SyncobjCouchSync *sync)
{
  SyncobjCouchEcho *echo = g_new0 (SyncobjCouchEcho, 1);

  echo->sync = sync;
  echo->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_ptr_array_add (_syncobj_couch_sync_get_echoes (sync), echo);
  return echo;
}

void
_syncobj_couch_echo_free (SyncobjCouchEcho *echo)
{
  if (echo->sync != NULL)
    g_ptr_array_remove (_syncobj_couch_sync_get_echoes (echo->sync), echo);
  echo->sync = NULL;
  echo_finish (echo);
  g_hash_table_unref (echo->entries);
  g_free (echo);
}

void
_syncobj_couch_echo_watch (SyncobjCouchEcho *echo,
                           const char       *id)
{
  if (!g_hash_table_contains (echo->entries, id))
    g_hash_table_insert (echo->entries, g_strdup (id), g_new0 (EchoEntry, 1));
}

void
_syncobj_couch_echo_expect (SyncobjCouchEcho *echo,
                            const char       *id,
                            const char       *rev)
{
  EchoEntry *entry;

  _syncobj_couch_echo_watch (echo, id);
  entry = g_hash_table_lookup (echo->entries, id);
  entry->wanted = MAX (entry->wanted, _syncobj_couch_rev_generation (rev));
}

static gboolean
echo_timeout_cb (gpointer data)
{
  SyncobjCouchEcho *echo = data;

  echo->timer = 0;
  echo_finish (echo);
  return G_SOURCE_REMOVE;
}

void
_syncobj_couch_echo_wait_async (SyncobjCouchEcho    *echo,
                                guint                timeout_ms,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, _syncobj_couch_echo_wait_async);
  if (echo_complete (echo))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  echo_finish (echo);
  echo->waiting = g_steal_pointer (&task);
  if (timeout_ms > 0)
    echo->timer = g_timeout_add (timeout_ms, echo_timeout_cb, echo);
}

gboolean
_syncobj_couch_echo_wait_finish (GAsyncResult  *result,
                                 GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
