/* syncobj-view-seq-private.h: the sequences of a view's entries, a
 * GSequence that can be built from an array at once
 * (syncobj-view-seq.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SyncobjViewSeq SyncobjViewSeq;
typedef struct _SyncobjViewSeqIter SyncobjViewSeqIter;

/* A node: room for it is the caller's. */
struct _SyncobjViewSeqIter
{
  SyncobjViewSeqIter *left;
  SyncobjViewSeqIter *right;
  SyncobjViewSeqIter *parent;
  gpointer            data;
  guint32             priority;
  guint               size : 31;  /* of the subtree */
  guint               is_end : 1;
};

SyncobjViewSeq     *_syncobj_view_seq_new              (void);
void                _syncobj_view_seq_free             (SyncobjViewSeq      *self);
/* Empties the sequence (the nodes are the caller's). */
void                _syncobj_view_seq_clear            (SyncobjViewSeq      *self);
guint               _syncobj_view_seq_get_length       (SyncobjViewSeq      *self);
SyncobjViewSeqIter *_syncobj_view_seq_get_begin_iter   (SyncobjViewSeq      *self);
SyncobjViewSeqIter *_syncobj_view_seq_get_end_iter     (SyncobjViewSeq      *self);
SyncobjViewSeqIter *_syncobj_view_seq_get_iter_at_pos  (SyncobjViewSeq      *self,
                                                        guint                position);
gpointer            _syncobj_view_seq_get              (SyncobjViewSeqIter  *iter);
gboolean            _syncobj_view_seq_iter_is_end      (SyncobjViewSeqIter  *iter);
gboolean            _syncobj_view_seq_iter_is_begin    (SyncobjViewSeqIter  *iter);
SyncobjViewSeqIter *_syncobj_view_seq_iter_next        (SyncobjViewSeqIter  *iter);
SyncobjViewSeqIter *_syncobj_view_seq_iter_prev        (SyncobjViewSeqIter  *iter);
guint               _syncobj_view_seq_iter_get_position (SyncobjViewSeqIter *iter);
/* Puts @node, holding @data, before @before. */
SyncobjViewSeqIter *_syncobj_view_seq_insert_before    (SyncobjViewSeqIter  *before,
                                                        SyncobjViewSeqIter  *node,
                                                        gpointer             data);
void                _syncobj_view_seq_remove           (SyncobjViewSeqIter  *iter);
/* The first node that sorts after @data by @compare (node's, @data). */
SyncobjViewSeqIter *_syncobj_view_seq_search           (SyncobjViewSeq      *self,
                                                        gpointer             data,
                                                        GCompareDataFunc     compare,
                                                        gpointer             user_data);
/* Fills an empty sequence with the @n items of @data, each in the node
 * at @node_offset inside it, in O(n). */
void                _syncobj_view_seq_build            (SyncobjViewSeq      *self,
                                                        gpointer            *data,
                                                        gsize                node_offset,
                                                        guint                n);

G_END_DECLS
