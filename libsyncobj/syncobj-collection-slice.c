/* syncobj-collection-slice.c: a big sync commit (an HTTP snapshot)
 * applied over several main-loop iterations, about a millisecond each
 *
 * A snapshot of a hundred thousand records takes well over a frame to
 * apply in one go. A sliced commit applies it in slices instead, each one
 * batch of the list model (one items-changed per contiguous range): the
 * first at once, the others from an idle source below the priority of
 * drawing (a commit done in the first slice is just applied):
 *
 *   1. with truncation, the rows of its keys are marked (nothing shows);
 *   2. the synced records it does not write are deleted, in one step
 *      (without looking at each record when none is);
 *   3. its writes apply in order, a slice at a time;
 *   4. with a store, a snapshot's replacement of the cache is gathered
 *      from the rows in the list's order, a slice at a time (a commit
 *      that does not truncate gives only its own keys, at once);
 *   5. the store's cache gets the commit as one replacement, and the
 *      caller learns that it is applied: only then does the sync wake
 *      those waiting for its keys, or become ready.
 *
 * In between, every record shows either its value before the commit or
 * its value after it, with the optimistic changes of pending transactions
 * on top: a local write meanwhile composes with whichever synced value
 * its record has, as it would before or after a commit in one step, and
 * unchanged records keep their record object and position with no
 * items-changed. The synced state does not change between step 3 and
 * step 5 (the sync holds later commits until this one is applied: see
 * syncobj-sync.c), but a local write may hide a row meanwhile, which
 * makes step 4 start over; after two such restarts it is done at once.
 * A sync commit that reaches the collection directly first finishes the
 * sliced one, so that commits still apply in their order.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-collection-fields-private.h"
#include "syncobj-collection-list-private.h"

/* Work per main-loop iteration, and how many writes go between two looks
 * at the clock. */
#define SLICE_US     1000
#define SLICE_WRITES 64

struct _SyncobjSlicedCommit
{
  SyncobjCollection *collection;   /* unowned: it frees the commit first */
  GArray            *writes;       /* SyncobjSyncWrite */
  gboolean           mark;         /* rows to mark first: step 1 */
  guint              n_marked;     /* writes whose rows are marked */
  guint              next;         /* the first write not applied: step 3 */
  gboolean           truncate;     /* step 2 still to do */
  gboolean           truncates;    /* the commit is a snapshot */
  char              *cursor;
  GError            *clash;        /* the first record refused */
  SyncobjCacheGather *gather;      /* step 4; NULL: not started */
  guint              removals;     /* the collection's order_removals it saw */
  guint              restarts;     /* of step 4 */
  GSource           *source;
  SyncobjSlicedFunc  done;
  gpointer           user_data;
};

/* Clears the writes of @data (a GArray) from its end, SLICE_WRITES * 64
 * per main-loop iteration, then frees it. */
static gboolean
release_cb (gpointer data)
{
  GArray *writes = data;

  g_array_set_size (writes, writes->len - MIN (writes->len, SLICE_WRITES * 64));
  return writes->len > 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* Drops the commit's reference to @writes, the last one once @done has
 * run: a snapshot's writes are cleared over several iterations, since
 * clearing 100,000 of them takes longer than a slice. */
static void
release_writes (GArray *writes)
{
  GSource *source;

  if (writes->len <= SLICE_WRITES * 64)
    {
      g_array_unref (writes);
      return;
    }
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT_IDLE);
  g_source_set_callback (source, release_cb, writes, (GDestroyNotify) g_array_unref);
  g_source_set_static_name (source, "[syncobj] sliced sync commit release");
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

static void
sliced_commit_free (SyncobjSlicedCommit *commit)
{
  if (commit->source != NULL)
    {
      g_source_destroy (commit->source);
      g_source_unref (commit->source);
    }
  release_writes (commit->writes);
  g_clear_pointer (&commit->gather, _syncobj_collection_cache_gather_free);
  g_free (commit->cursor);
  g_clear_error (&commit->clash);
  g_free (commit);
}

/* Step 1, up to @deadline: TRUE once every row is marked. */
static gboolean
slice_mark (SyncobjSlicedCommit *commit,
            gint64               deadline)
{
  SyncobjSyncWrite *writes = (SyncobjSyncWrite *) (gpointer) commit->writes->data;

  while (commit->n_marked < commit->writes->len)
    {
      guint n = MIN (SLICE_WRITES * 4, commit->writes->len - commit->n_marked);

      _syncobj_overlay_mark (commit->collection->overlay, writes + commit->n_marked, n);
      commit->n_marked += n;
      if (g_get_monotonic_time () >= deadline)
        return commit->n_marked == commit->writes->len;
    }
  return TRUE;
}

/* Step 4 up to @deadline (G_MAXINT64: all of it; tests may ask for a
 * number of rows per slice instead): TRUE once the cache's replacement is
 * gathered, or when there is none to gather. */
static gboolean
slice_gather (SyncobjSlicedCommit *commit,
              gint64               deadline,
              guint                max_rows)
{
  SyncobjCollection *self = commit->collection;

  if (self->cache == NULL || !commit->truncates)
    return TRUE;

  if (commit->gather == NULL)
    commit->gather = _syncobj_collection_cache_gather_new (self->cache, commit->cursor);
  else if (commit->removals != self->order_removals)
    {
      /* The row to gather next may have left the list. */
      _syncobj_collection_cache_gather_restart (commit->gather);
      if (++commit->restarts > 2)
        {
          deadline = G_MAXINT64;
          max_rows = G_MAXUINT;
        }
    }
  commit->removals = self->order_removals;
  return _syncobj_collection_cache_gather_run (self->cache, commit->gather,
                                               deadline == G_MAXINT64 ? -1 : deadline, max_rows);
}

/* Steps 1 to 4 up to @deadline (-1: all of them), steps 1 to 3 in one
 * batch of the list model: TRUE once every write is applied and the
 * cache's replacement gathered. */
static gboolean
slice_run (SyncobjSlicedCommit *commit,
           gint64               deadline)
{
  SyncobjCollection *self = commit->collection;
  SyncobjSyncWrite *writes = (SyncobjSyncWrite *) (gpointer) commit->writes->data;
  guint budget = deadline >= 0 && self->slice_writes > 0 ? self->slice_writes : G_MAXUINT;
  guint first = commit->next;

  if (deadline < 0 || budget < G_MAXUINT)
    deadline = G_MAXINT64;

  if (commit->truncate && commit->mark && !slice_mark (commit, deadline))
    return FALSE;

  _syncobj_collection_begin_batch (self);
  if (commit->truncate)
    {
      /* Nothing to delete in a collection that had no rows. */
      if (commit->mark)
        _syncobj_overlay_truncate (self->overlay);
      commit->truncate = FALSE;
    }
  while (commit->next < commit->writes->len && commit->next - first < budget &&
         g_get_monotonic_time () < deadline)
    {
      guint n = MIN (MIN (SLICE_WRITES, budget - (commit->next - first)), commit->writes->len - commit->next);

      _syncobj_overlay_apply_sync_writes (self->overlay, writes + commit->next, n,
                                          &commit->clash);
      commit->next += n;
    }
  _syncobj_collection_end_batch (self);
  if (commit->next < commit->writes->len)
    return FALSE;
  return slice_gather (commit, deadline, budget);
}

/* Step 5: @self no longer holds @commit. */
static void
slice_finish (SyncobjCollection   *self,
              SyncobjSlicedCommit *commit)
{
  if (commit->gather != NULL)
    _syncobj_collection_cache_gather_finish (self->cache, g_steal_pointer (&commit->gather));
  else if (self->cache != NULL)
    _syncobj_collection_cache_commit (self->cache, (SyncobjSyncWrite *) (gpointer) commit->writes->data,
                                      commit->writes->len, commit->truncates, commit->cursor);
  commit->done (commit->user_data, commit->clash);
  sliced_commit_free (commit);
}

static gboolean
slice_cb (gpointer data)
{
  SyncobjCollection *self = data;
  SyncobjSlicedCommit *commit = self->sliced;

  if (!slice_run (commit, g_get_monotonic_time () + SLICE_US))
    return G_SOURCE_CONTINUE;

  self->sliced = NULL;
  g_clear_pointer (&commit->source, g_source_unref);
  slice_finish (self, commit);
  return G_SOURCE_REMOVE;
}

void
_syncobj_collection_apply_sync_sliced (SyncobjCollection *self,
                                       GArray            *writes,
                                       gboolean           truncate,
                                       const char        *cursor,
                                       SyncobjSlicedFunc  done,
                                       gpointer           user_data)
{
  SyncobjSlicedCommit *commit;
  g_autoptr(GError) error = NULL;

  _syncobj_collection_finish_sliced (self);
  if (!_syncobj_collection_check_not_merging (self, &error))
    {
      done (user_data, error);
      return;
    }

  commit = g_new0 (SyncobjSlicedCommit, 1);
  commit->collection = self;
  commit->writes = g_array_ref (writes);
  commit->truncate = commit->truncates = truncate;
  if (truncate && _syncobj_table_size (_syncobj_overlay_peek_rows (self->overlay)) > 0)
    {
      commit->mark = TRUE;
      _syncobj_overlay_mark_begin (self->overlay);
    }
  commit->cursor = g_strdup (cursor);
  commit->done = done;
  commit->user_data = user_data;

  /* A small commit applies at once, as any other. */
  if (slice_run (commit, g_get_monotonic_time () + SLICE_US))
    {
      slice_finish (self, commit);
      return;
    }

  /* Below drawing (GTK's is G_PRIORITY_HIGH_IDLE + 20): a frame comes
   * between two slices. */
  commit->source = g_idle_source_new ();
  g_source_set_priority (commit->source, G_PRIORITY_DEFAULT_IDLE);
  g_source_set_callback (commit->source, slice_cb, self, NULL);
  g_source_set_static_name (commit->source, "[syncobj] sliced sync commit");
  g_source_attach (commit->source, g_main_context_get_thread_default ());
  self->sliced = commit;
}

void
_syncobj_collection_finish_sliced (SyncobjCollection *self)
{
  SyncobjSlicedCommit *commit = g_steal_pointer (&self->sliced);

  if (commit == NULL)
    return;
  slice_run (commit, -1);
  slice_finish (self, commit);
}

void
_syncobj_collection_set_slice_writes (SyncobjCollection *self,
                                      guint              n_writes)
{
  self->slice_writes = n_writes;
}

void
_syncobj_collection_drop_sliced (SyncobjCollection *self)
{
  SyncobjSlicedCommit *commit = g_steal_pointer (&self->sliced);
  g_autoptr(GError) error = NULL;

  if (commit == NULL)
    return;
  error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("The collection was finalized before the sync commit applied"));
  commit->done (commit->user_data, error);
  sliced_commit_free (commit);
}
