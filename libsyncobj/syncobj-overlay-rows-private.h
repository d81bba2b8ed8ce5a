/* syncobj-overlay-rows-private.h: the overlay's own rows, shared by its
 * files (syncobj-overlay.c, syncobj-overlay-sync.c) and no others
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-overlay-private.h"

G_BEGIN_DECLS

struct _SyncobjOverlay
{
  SyncobjTable                  *rows;   /* SyncobjRow, a set by key: see overlay_find() */
  SyncobjCollection             *collection;
  SyncobjWeak                   *collection_weak;  /* its handle, for the records; made with the first */
  SyncobjQueue                  *queue;
  const SyncobjOverlayViewFuncs *funcs;
  gpointer                       view;
  SyncobjMergeFunc               merge_func;
  gpointer                       merge_data;
  GDestroyNotify                 merge_destroy;
  guint                          merging;   /* the merge function is running */
  const char                    *collection_id;
  const char                    *key_member;
  gboolean                       ordered;
  guint                          mark;      /* of the snapshot under way: see _syncobj_overlay_truncate() */
  guint                          n_marked;  /* rows with that mark */
  guint                          n_records; /* rows with a live record */
  GArray                        *spare_held; /* empty, for the next held sync write */
  guint                          rows_epoch; /* changes when a row leaves the table:
                                              * see _syncobj_overlay_get_rows_epoch() */
};

static inline SyncobjRow *
_syncobj_overlay_find_row (SyncobjOverlay *self,
                           const char     *key)
{
  SyncobjRow probe = { .key = (char *) key };

  return _syncobj_table_lookup (self->rows, &probe);
}

/* The row of @key, made when missing, its values built. */
SyncobjRow *_syncobj_overlay_row_ensure   (SyncobjOverlay         *self,
                                           const char             *key);
/* Recomputes the visible value of @row and announces the change. */
void        _syncobj_overlay_row_refresh  (SyncobjOverlay         *self,
                                           SyncobjRow             *row);
/* Builds the JsonObject of a packed row (and the values of its layers
 * kept as text). */
void        _syncobj_row_thaw             (SyncobjRow             *row);
/* The same for a row with layers kept as text (syncobj-overlay-text.c). */
void        _syncobj_row_thaw_text        (SyncobjRow             *row);
/* The layers of a packed @row keep their own original text, before the
 * row's text goes (syncobj-overlay-layers.c). */
void        _syncobj_row_layers_keep_original (SyncobjRow        *row);
/* Lets go of every layer of @row. */
void        _syncobj_row_clear_layers     (SyncobjRow             *row);
/* @mutation becomes the last layer of @row. */
void        _syncobj_row_add_layer        (SyncobjRow             *row,
                                           SyncobjPendingMutation *mutation);
/* Removes (and lets go of) the layer at @position. */
void        _syncobj_row_remove_layer_index (SyncobjRow           *row,
                                             guint                 position);
/* Removes the layer of @mutation, when @row has it. */
void        _syncobj_row_remove_layer     (SyncobjRow             *row,
                                           SyncobjPendingMutation *mutation);
/* An update of @row (packed) kept as text, when it can be (see
 * syncobj-overlay-text.c): TRUE, with @write set, or FALSE with nothing
 * done. */
gboolean    _syncobj_overlay_push_text    (SyncobjOverlay         *self,
                                           SyncobjOverlayWrite    *write,
                                           SyncobjRow             *row,
                                           SyncobjPendingMutation *created,
                                           JsonObject             *value,
                                           gint64                  now_us);
/* Ends the layer of @mutation in @row, which holds it as text, without
 * building anything when it can (see _syncobj_overlay_finish()): FALSE
 * when it did nothing and the general way must. */
gboolean    _syncobj_overlay_finish_text  (SyncobjOverlay         *self,
                                           SyncobjRow             *row,
                                           SyncobjPendingMutation *mutation,
                                           gboolean                failed,
                                           gboolean                synced_by_completion);
/* Announces the write _syncobj_overlay_push_text() made. */
void        _syncobj_overlay_show_text    (SyncobjOverlay         *self,
                                           SyncobjOverlayWrite    *write);
/* The row is no longer packed: its packed text goes. */
void        _syncobj_row_drop_packed      (SyncobjRow             *row);
/* @write reaches the synced value of @row; @confirmed: the update whose
 * layer the row shows alone, ending now, or NULL. */
void        _syncobj_row_apply_sync_write (SyncobjRow             *row,
                                           SyncobjSyncWrite       *write,
                                           SyncobjPendingMutation *confirmed);
/* @write waits in @row until the key's last lock releases. */
void        _syncobj_row_hold_sync_write  (SyncobjRow             *row,
                                           SyncobjSyncWrite       *write);

G_END_DECLS
