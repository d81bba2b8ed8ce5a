/* syncobj-view-seq.c: the sequences of a view's entries (the source's
 * order and the view's): a treap with subtree sizes, like GSequence, that
 * can also be built from a whole array at once in linear time
 *
 * A sequence always ends with a node that holds nothing (its end), as a
 * GSequence does. The caller gives the room of each node (a view keeps
 * it in the entry: no allocation per node) and takes it back once the
 * node is removed. Each node has a priority (a hash of its address, as
 * GSequence's), never above its parent's, so the tree's depth is
 * O(log n) in expectation whatever the order of the changes. Building
 * from an array makes the tree that inserting its items one by one would
 * have made (the Cartesian tree of their priorities), with one stack and
 * no rotation.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-view-seq-private.h"

struct _SyncobjViewSeq
{
  SyncobjViewSeqIter *end;        /* the last node, holding nothing */
};

/* A node's priority: a hash of its address, as GSequence takes it. */
static guint32
node_priority (SyncobjViewSeqIter *node)
{
  guint32 key = (guint32) GPOINTER_TO_SIZE (node) ^ (guint32) ((guint64) GPOINTER_TO_SIZE (node) >> 32);

  key = (key << 15) - key - 1;
  key = key ^ (key >> 12);
  key = key + (key << 2);
  key = key ^ (key >> 4);
  key = key + (key << 3) + (key << 11);
  key = key ^ (key >> 16);
  return key;
}

static SyncobjViewSeqIter *
node_init (SyncobjViewSeqIter *node,
           gpointer            data)
{
  node->left = node->right = node->parent = NULL;
  node->data = data;
  node->size = 1;
  node->priority = node_priority (node);
  node->is_end = FALSE;
  return node;
}

static inline guint
node_size (SyncobjViewSeqIter *node)
{
  return node != NULL ? node->size : 0;
}

static inline void
node_update (SyncobjViewSeqIter *node)
{
  node->size = 1 + node_size (node->left) + node_size (node->right);
}

static SyncobjViewSeqIter *
node_root (SyncobjViewSeqIter *node)
{
  while (node->parent != NULL)
    node = node->parent;
  return node;
}

SyncobjViewSeq *
_syncobj_view_seq_new (void)
{
  SyncobjViewSeq *self = g_new0 (SyncobjViewSeq, 1);

  self->end = node_init (g_new (SyncobjViewSeqIter, 1), NULL);
  self->end->is_end = TRUE;
  return self;
}

/* The nodes are the caller's (held in what they hold): only the end is
 * the sequence's own. */
void
_syncobj_view_seq_free (SyncobjViewSeq *self)
{
  if (self == NULL)
    return;
  g_free (self->end);
  g_free (self);
}

/* Forgets every node but the end. */
void
_syncobj_view_seq_clear (SyncobjViewSeq *self)
{
  self->end->left = self->end->parent = NULL;
  self->end->size = 1;
}

guint
_syncobj_view_seq_get_length (SyncobjViewSeq *self)
{
  return node_size (node_root (self->end)) - 1;
}

SyncobjViewSeqIter *
_syncobj_view_seq_get_end_iter (SyncobjViewSeq *self)
{
  return self->end;
}

SyncobjViewSeqIter *
_syncobj_view_seq_get_begin_iter (SyncobjViewSeq *self)
{
  SyncobjViewSeqIter *node = node_root (self->end);

  while (node->left != NULL)
    node = node->left;
  return node;
}

gpointer
_syncobj_view_seq_get (SyncobjViewSeqIter *iter)
{
  return iter->data;
}

gboolean
_syncobj_view_seq_iter_is_end (SyncobjViewSeqIter *iter)
{
  return iter->is_end;
}

gboolean
_syncobj_view_seq_iter_is_begin (SyncobjViewSeqIter *iter)
{
  if (iter->left != NULL)
    return FALSE;
  for (; iter->parent != NULL; iter = iter->parent)
    if (iter != iter->parent->left)
      return FALSE;
  return TRUE;
}

/* The next node; the end's is the end. */
SyncobjViewSeqIter *
_syncobj_view_seq_iter_next (SyncobjViewSeqIter *iter)
{
  SyncobjViewSeqIter *node = iter;

  if (iter->is_end)
    return iter;
  if (node->right != NULL)
    {
      for (node = node->right; node->left != NULL; node = node->left)
        ;
      return node;
    }
  while (node->parent != NULL && node == node->parent->right)
    node = node->parent;
  return node->parent;   /* not NULL: the end comes after every node */
}

/* The previous node; the first's is itself. */
SyncobjViewSeqIter *
_syncobj_view_seq_iter_prev (SyncobjViewSeqIter *iter)
{
  SyncobjViewSeqIter *node = iter;

  if (node->left != NULL)
    {
      for (node = node->left; node->right != NULL; node = node->right)
        ;
      return node;
    }
  while (node->parent != NULL && node == node->parent->left)
    node = node->parent;
  return node->parent != NULL ? node->parent : iter;
}

guint
_syncobj_view_seq_iter_get_position (SyncobjViewSeqIter *iter)
{
  guint position = node_size (iter->left);

  for (; iter->parent != NULL; iter = iter->parent)
    if (iter == iter->parent->right)
      position += node_size (iter->parent->left) + 1;
  return position;
}

/* The node at @position; the end for a position past the last. */
SyncobjViewSeqIter *
_syncobj_view_seq_get_iter_at_pos (SyncobjViewSeq *self,
                                   guint           position)
{
  SyncobjViewSeqIter *node = node_root (self->end);

  if (position >= node_size (node) - 1)
    return self->end;
  for (;;)
    {
      guint left = node_size (node->left);

      if (position < left)
        node = node->left;
      else if (position == left)
        return node;
      else
        {
          position -= left + 1;
          node = node->right;
        }
    }
}

/* Lifts @node above its parent, keeping the order. */
static void
node_rotate_up (SyncobjViewSeqIter *node)
{
  SyncobjViewSeqIter *parent = node->parent;
  SyncobjViewSeqIter *grand = parent->parent;

  if (node == parent->left)
    {
      parent->left = node->right;
      if (node->right != NULL)
        node->right->parent = parent;
      node->right = parent;
    }
  else
    {
      parent->right = node->left;
      if (node->left != NULL)
        node->left->parent = parent;
      node->left = parent;
    }
  parent->parent = node;
  node->parent = grand;
  if (grand != NULL)
    {
      if (grand->left == parent)
        grand->left = node;
      else
        grand->right = node;
    }
  node_update (parent);
  node_update (node);
}

SyncobjViewSeqIter *
_syncobj_view_seq_insert_before (SyncobjViewSeqIter *before,
                                 SyncobjViewSeqIter *node,
                                 gpointer            data)
{
  node_init (node, data);
  SyncobjViewSeqIter *up;

  /* As the last node of @before's left subtree. */
  if (before->left == NULL)
    {
      before->left = node;
      node->parent = before;
    }
  else
    {
      SyncobjViewSeqIter *last = before->left;

      while (last->right != NULL)
        last = last->right;
      last->right = node;
      node->parent = last;
    }
  for (up = node->parent; up != NULL; up = up->parent)
    up->size++;

  while (node->parent != NULL && node->priority > node->parent->priority)
    node_rotate_up (node);
  return node;
}


void
_syncobj_view_seq_remove (SyncobjViewSeqIter *iter)
{
  SyncobjViewSeqIter *parent;

  g_assert (!iter->is_end);

  /* Down to a leaf, lifting the child of the higher priority. */
  while (iter->left != NULL || iter->right != NULL)
    {
      SyncobjViewSeqIter *child;

      if (iter->left == NULL)
        child = iter->right;
      else if (iter->right == NULL)
        child = iter->left;
      else
        child = iter->left->priority > iter->right->priority ? iter->left : iter->right;
      node_rotate_up (child);
    }

  parent = iter->parent;   /* not NULL: the end is in the tree */
  if (parent->left == iter)
    parent->left = NULL;
  else
    parent->right = NULL;
  for (; parent != NULL; parent = parent->parent)
    parent->size--;
  iter->parent = NULL;
}

SyncobjViewSeqIter *
_syncobj_view_seq_search (SyncobjViewSeq   *self,
                          gpointer          data,
                          GCompareDataFunc  compare,
                          gpointer          user_data)
{
  SyncobjViewSeqIter *node = node_root (self->end);
  SyncobjViewSeqIter *after = self->end;

  /* The first node that sorts after @data. */
  while (node != NULL)
    {
      if (node->is_end || compare (node->data, data, user_data) > 0)
        {
          after = node;
          node = node->left;
        }
      else
        node = node->right;
    }
  return after;
}

void
_syncobj_view_seq_build (SyncobjViewSeq      *self,
                         gpointer            *data,
                         gsize                node_offset,
                         guint                n)
{
  g_autofree SyncobjViewSeqIter **stack = g_new (SyncobjViewSeqIter *, (gsize) n + 1);
  guint depth = 0;

  g_return_if_fail (_syncobj_view_seq_get_length (self) == 0);

  /* Each node in turn, the end last: it takes as its left subtree the
   * nodes of lower priority that it pops from the right spine, and hangs
   * below the one it stops at. A popped node's subtree is complete. */
  for (guint i = 0; i <= n; i++)
    {
      SyncobjViewSeqIter *node = i < n ? node_init (&G_STRUCT_MEMBER (SyncobjViewSeqIter, data[i], node_offset), data[i]) : self->end;
      SyncobjViewSeqIter *last = NULL;

      while (depth > 0 && stack[depth - 1]->priority < node->priority)
        {
          last = stack[--depth];
          node_update (last);
        }
      node->left = last;
      if (last != NULL)
        last->parent = node;
      node->right = NULL;
      node->parent = NULL;
      if (depth > 0)
        {
          stack[depth - 1]->right = node;
          node->parent = stack[depth - 1];
        }
      stack[depth++] = node;
    }
  while (depth > 0)
    node_update (stack[--depth]);
}
