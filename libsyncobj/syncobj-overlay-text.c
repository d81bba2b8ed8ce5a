/* syncobj-overlay-text.c: updates of records held as JSON text
 *
 * A record loaded from JSON text is kept packed (see
 * syncobj-overlay-private.h). An optimistic update of it that sets members
 * to strings, integers, booleans or null is kept as text too: the new
 * visible value is the packed text with those members replaced (in place)
 * or added (at the end), as _syncobj_json_merge() orders them, and the
 * pending mutation keeps its original, changes and modified values as
 * text, building JsonObjects only when somebody asks for them. The row
 * stays packed, its text the synced value, with that update as its one
 * layer. Whatever needs more (a record, a sync write, the end of the
 * transaction, a second write, a conflict) builds the row's values first:
 * _syncobj_row_thaw_text(), reached through _syncobj_overlay_lookup().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-overlay-rows-private.h"
#include "syncobj-json-scan-private.h"
#include "syncobj-json-writer-private.h"
#include "syncobj-json-flat-private.h"
#include "syncobj-queue-private.h"
#include "syncobj-view-private.h"

#include <string.h>

/* At most this many members are looked for in one pass of the text. */
#define TEXT_MAX_MEMBERS SYNCOBJ_JSON_FLAT_MAX_MEMBERS

/* The members of @object (at most TEXT_MAX_MEMBERS, some) in @names, in
 * its order; FALSE when there are more, or when one is neither a string,
 * an integer, a boolean nor null (values whose compact text has one
 * form), unless @any_value. */
static gboolean
object_names (JsonObject  *object,
              gboolean     any_value,
              const char **names,
              JsonNode   **nodes,
              guint       *n_names)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;
  guint n = 0;

  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &name, &node))
    {
      if (n == TEXT_MAX_MEMBERS)
        return FALSE;
      if (!any_value && JSON_NODE_TYPE (node) != JSON_NODE_NULL)
        {
          GType type;

          if (JSON_NODE_TYPE (node) != JSON_NODE_VALUE)
            return FALSE;
          type = json_node_get_value_type (node);
          if (type != G_TYPE_STRING && type != G_TYPE_INT64 && type != G_TYPE_BOOLEAN)
            return FALSE;
        }
      names[n] = name;
      nodes[n] = node;
      n++;
    }
  *n_names = n;
  return n > 0;
}

/* Finds the members @names of the compact, checked object text @text in
 * one pass: where each value begins (NULL: absent) and ends. The names
 * are @name_lengths bytes long, or nul-terminated when it is NULL. */
static gboolean
text_find_members (const char        *text,
                   const char *const *names,
                   const gsize       *name_lengths,
                   guint              n_names,
                   const char       **starts,
                   const char       **ends)
{
  SyncobjViewValue value = { .packed = text };
  gsize lengths[TEXT_MAX_MEMBERS] = { 0 };

  for (guint i = 0; i < n_names; i++)
    lengths[i] = name_lengths != NULL ? name_lengths[i] : strlen (names[i]);
  _syncobj_view_value_find_members (&value, names, lengths, n_names, starts, NULL);
  for (guint i = 0; i < n_names; i++)
    {
      ends[i] = starts[i] != NULL ? _syncobj_json_packed_skip_value (starts[i], value.end) : NULL;
      if (starts[i] != NULL && ends[i] == NULL)
        return FALSE;  /* not reached: the text is checked */
    }
  return TRUE;
}

/* Whether the value text [@p, @end) may be written otherwise with the same
 * value (an escape, a fraction, an exponent, a long number): then other
 * text does not tell that the value changed. */
static gboolean
value_text_has_other_forms (const char *p,
                            const char *end)
{
  gsize length = (gsize) (end - p);

  if (*p == '"')
    return memchr (p, '\\', length) != NULL;
  if (*p == '-' || g_ascii_isdigit (*p))
    {
      if (length > 18)
        return TRUE;
      for (gsize i = 0; i < length; i++)
        if (p[i] == '.' || p[i] == 'e' || p[i] == 'E')
          return TRUE;
    }
  return FALSE;
}

/* Appends @length bytes at @p to @block, which has room for them most of
 * the time (it was sized for the whole block). */
static inline void
block_append (GString    *block,
              const char *p,
              gsize       length)
{
  if (G_LIKELY (block->len + length < block->allocated_len))
    {
      memcpy (block->str + block->len, p, length);
      block->len += length;
      block->str[block->len] = '\0';
    }
  else
    g_string_append_len (block, p, (gssize) length);
}

/* Appends to @block the @length bytes it holds at @offset. */
static inline void
block_append_own (GString *block,
                  gsize    offset,
                  gsize    length)
{
  gsize at = block->len;

  if (G_LIKELY (at + length < block->allocated_len))
    {
      block->len += length;
      block->str[block->len] = '\0';
    }
  else
    g_string_set_size (block, at + length);
  memcpy (block->str + at, block->str + offset, length);
}

/* Appends to @block the compact text @base (@base_length bytes) with the
 * members @names set to the values whose text is in @block at
 * @value_starts (@value_lengths bytes each): those it has in place, the
 * others added at the end, as _syncobj_json_merge() orders them. FALSE
 * when an old value is written in a form whose change the text cannot
 * tell. With @name_lengths, the names are that long and need no escape;
 * without, they are nul-terminated. */
static gboolean
splice_members (GString           *block,
                const char        *base,
                gsize              base_length,
                const char *const *names,
                const gsize       *name_lengths,
                const gsize       *value_starts,
                const gsize       *value_lengths,
                guint              n_names,
                gboolean          *adds)
{
  const char *starts[TEXT_MAX_MEMBERS], *ends[TEXT_MAX_MEMBERS];
  guint order[TEXT_MAX_MEMBERS], n_found = 0;
  const char *copied = base;

  if (!text_find_members (base, names, name_lengths, n_names, starts, ends))
    return FALSE;

  /* The members found, in the order of the text. */
  for (guint i = 0; i < n_names; i++)
    if (starts[i] != NULL)
      {
        guint j = n_found++;

        for (; j > 0 && starts[order[j - 1]] > starts[i]; j--)
          order[j] = order[j - 1];
        order[j] = i;
      }

  for (guint k = 0; k < n_found; k++)
    {
      guint i = order[k];
      gsize length = value_lengths[i];

      if ((length != (gsize) (ends[i] - starts[i]) ||
           memcmp (block->str + value_starts[i], starts[i], length) != 0) &&
          value_text_has_other_forms (starts[i], ends[i]))
        return FALSE;
      block_append (block, copied, (gsize) (starts[i] - copied));
      block_append_own (block, value_starts[i], length);
      copied = ends[i];
    }

  /* Up to the closing brace, then the new members. */
  block_append (block, copied, (gsize) (base + base_length - 1 - copied));
  *adds = n_found < n_names;
  for (guint i = 0; i < n_names; i++)
    if (starts[i] == NULL)
      {
        if (block->str[block->len - 1] != '{')
          g_string_append_c (block, ',');
        if (name_lengths != NULL)
          {
            g_string_append_c (block, '"');
            block_append (block, names[i], name_lengths[i]);
            g_string_append_c (block, '"');
          }
        else
          _syncobj_json_write_string (block, names[i]);
        g_string_append_c (block, ':');
        block_append_own (block, value_starts[i], value_lengths[i]);
      }
  g_string_append_c (block, '}');
  return TRUE;
}

/* Whether an update of @row can be kept as text. A record reads the
 * row's one text; the rest is unusual. A second pending write builds the
 * values: layers built as objects share their members, texts would each
 * copy the whole record (a thousand offline edits of a big record). */
static gboolean
row_takes_text (SyncobjRow *row)
{
  return row->packed != NULL && row->record == NULL && !row->temporary &&
         row->layers == NULL &&
         (row->held == NULL || row->held->len == 0);
}

/* Begins the block of an update of @row, which becomes the mutation's
 * shared text "modified\0changes\0", modified made from the row's text,
 * the original (which the mutation borrows): a GString of our own, whose
 * text alone is allocated, after the room for the reference count, and
 * sized for the usual block at once; exactly, when the changes' text is
 * known (@changes_length, else 0): modified is at most original and the
 * changes less a brace, each with its nul, and one more byte of room.
 * The changes come first, each value written once, then copied into the
 * modified text; the two swap places at the end (block_finish()). */
static void
block_begin (GString    *block,
             SyncobjRow *row,
             gsize       base_length,
             gsize       changes_length)
{
  block->allocated_len = SYNCOBJ_SHARED_TEXT_HEADER + base_length +
                         (changes_length > 0 ? changes_length * 2 + 4 : 128);
  block->str = g_malloc (block->allocated_len);
  block->len = SYNCOBJ_SHARED_TEXT_HEADER;
}

/* Ends the block begun by block_begin(), which holds the changes (their
 * members @names, their values at @value_starts), with the modified text,
 * and makes @created, which takes it, the layer of @row; FALSE (the block
 * freed) when the text cannot tell the change. */
static gboolean
block_finish (GString                *block,
              SyncobjOverlayWrite    *write,
              SyncobjRow             *row,
              SyncobjPendingMutation *created,
              gsize                   base_length,
              guint                   text_changes,
              const char *const      *names,
              const gsize            *name_lengths,
              const gsize            *value_starts,
              const gsize            *value_lengths,
              guint                   n_names,
              gint64                  now_us)
{
  gsize text_modified, changes_length, modified_length;
  char spare[256];
  char *changes;
  gboolean different;
  gboolean adds = FALSE;

  block_append (block, "", 1);
  text_modified = (guint) block->len;
  if (!splice_members (block, row->packed, base_length, names, name_lengths, value_starts, value_lengths,
                       n_names, &adds))
    {
      g_free (block->str);
      return FALSE;
    }

  modified_length = block->len - text_modified;
  different = modified_length != base_length || memcmp (block->str + text_modified, row->packed, base_length) != 0;

  /* The modified text first: the row may take it as its packed text. */
  changes_length = text_modified - text_changes;   /* with its nul */
  changes = changes_length <= sizeof spare ? spare : g_malloc (changes_length);
  memcpy (changes, block->str + text_changes, changes_length);
  memmove (block->str + SYNCOBJ_SHARED_TEXT_HEADER, block->str + text_modified, modified_length + 1);
  memcpy (block->str + SYNCOBJ_SHARED_TEXT_HEADER + modified_length + 1, changes, changes_length);
  if (changes != spare)
    g_free (changes);
  block->len = SYNCOBJ_SHARED_TEXT_HEADER + modified_length + 1 + changes_length;

  /* It stays while the update is pending, and after, in the history of
   * finished transactions: no room to spare. */
  if (block->len + 16 <= block->allocated_len)
    block->str = g_realloc (block->str, block->len);
  _syncobj_pending_mutation_set_text (created, _syncobj_shared_text_take (block->str), row->packed, adds, now_us);
  _syncobj_row_add_layer (row, created);

  *write = (SyncobjOverlayWrite) { row, .known_different = different, .text = TRUE };
  return TRUE;
}

gboolean
_syncobj_overlay_push_text (SyncobjOverlay         *self,
                            SyncobjOverlayWrite    *write,
                            SyncobjRow             *row,
                            SyncobjPendingMutation *created,
                            JsonObject             *value,
                            gint64                  now_us)
{
  const char *names[TEXT_MAX_MEMBERS];
  JsonNode *nodes[TEXT_MAX_MEMBERS];
  gsize value_starts[TEXT_MAX_MEMBERS], value_lengths[TEXT_MAX_MEMBERS];
  guint n_names;
  gsize base_length;
  GString block;
  guint text_changes;

  if (!row_takes_text (row) || !object_names (value, FALSE, names, nodes, &n_names))
    return FALSE;

  base_length = strlen (row->packed);
  block_begin (&block, row, base_length, 0);

  /* The changes, written as _syncobj_json_write_object() writes them
   * (object_names() gave the members in its order); each value is written
   * once, and copied into the modified text. */
  text_changes = (guint) block.len;
  g_string_append_c (&block, '{');
  for (guint i = 0; i < n_names; i++)
    {
      if (i > 0)
        g_string_append_c (&block, ',');
      _syncobj_json_write_string (&block, names[i]);
      g_string_append_c (&block, ':');
      value_starts[i] = block.len;
      _syncobj_json_write_node (&block, nodes[i]);
      value_lengths[i] = block.len - value_starts[i];
    }
  g_string_append_c (&block, '}');

  return block_finish (&block, write, row, created, base_length, text_changes, names, NULL,
                       value_starts, value_lengths, n_names, now_us);
}

gboolean
_syncobj_overlay_push_text_changes (SyncobjOverlay         *self,
                                    SyncobjOverlayWrite    *write,
                                    SyncobjRow             *row,
                                    SyncobjPendingMutation *created,
                                    const SyncobjJsonFlat  *changes,
                                    gint64                  now_us)
{
  gsize value_starts[TEXT_MAX_MEMBERS];
  gsize base_length;
  GString block;
  guint text_changes;

  /* The changes are text already, written as
   * _syncobj_json_write_object() writes them: copied as they are. */
  if (row == NULL || !row_takes_text (row) || (!self->ordered && self->merge_func != NULL))
    return FALSE;

  base_length = strlen (row->packed);
  block_begin (&block, row, base_length, changes->length);
  text_changes = (guint) block.len;
  block_append (&block, changes->text, changes->length);
  for (guint i = 0; i < changes->n_members; i++)
    value_starts[i] = text_changes + changes->value_starts[i];

  return block_finish (&block, write, row, created, base_length, text_changes, changes->names,
                       changes->name_lengths, value_starts, changes->value_lengths, changes->n_members, now_us);
}

/* Whether @echo, a sync write's update, merged into the original value of
 * @mutation (an update kept as text, adding no member) gives its modified
 * value: it sets every member the update set, and each member it sets is
 * written in the modified text as it writes it. */
static gboolean
echo_confirms (SyncobjPendingMutation *mutation,
               JsonObject             *echo)
{
  const char *modified = _syncobj_pending_mutation_peek_text_modified (mutation);
  const char *names[TEXT_MAX_MEMBERS], *starts[TEXT_MAX_MEMBERS], *ends[TEXT_MAX_MEMBERS];
  JsonNode *nodes[TEXT_MAX_MEMBERS];
  g_autoptr(GString) piece = NULL;
  JsonObjectIter iter;
  const char *name;
  guint n_names;

  if (mutation->text_adds || !object_names (echo, FALSE, names, nodes, &n_names))
    return FALSE;

  _syncobj_pending_mutation_ensure_changes (mutation);
  json_object_iter_init (&iter, mutation->changes);
  while (json_object_iter_next (&iter, &name, NULL))
    if (!json_object_has_member (echo, name))
      return FALSE;

  if (!text_find_members (modified, names, NULL, n_names, starts, ends))
    return FALSE;
  piece = g_string_sized_new (32);
  for (guint i = 0; i < n_names; i++)
    {
      if (starts[i] == NULL)
        return FALSE;
      g_string_truncate (piece, 0);
      _syncobj_json_write_node (piece, nodes[i]);
      if ((gsize) (ends[i] - starts[i]) != piece->len || memcmp (starts[i], piece->str, piece->len) != 0)
        return FALSE;
    }
  return TRUE;
}

/* In compact, checked object text ending at @end, *@p at a member (or at
 * the closing brace): reads the member's name (between the quotes) and
 * where its value begins and ends, and moves *@p to the next. FALSE at
 * the end of the object, or at a name written with an escape (*@p is
 * then left where it was). */
static gboolean
text_next_member (const char **p,
                  const char  *end,
                  const char **name,
                  gsize       *length,
                  const char **start,
                  const char **stop)
{
  gboolean escaped;
  const char *quote;

  if (**p != '"')
    return FALSE;
  quote = _syncobj_json_string_end (*p, end, &escaped);
  if (quote == NULL || escaped || quote[1] != ':')
    return FALSE;
  *name = *p + 1;
  *length = (gsize) (quote - *p - 1);
  *start = quote + 2;
  *stop = _syncobj_json_packed_skip_value (*start, end);
  if (*stop == NULL)
    return FALSE;
  *p = **stop == ',' ? *stop + 1 : *stop;
  return TRUE;
}

/* The members of the compact, checked object text @text (@length bytes):
 * their names (between the quotes) and where their values begin and end.
 * FALSE for more than TEXT_MAX_MEMBERS, or a name written with an escape. */
static gboolean
text_members (const char  *text,
              gsize        length,
              const char **names,
              gsize       *lengths,
              const char **starts,
              const char **ends,
              guint       *n_members)
{
  const char *end = text + length;
  const char *p = text + 1;
  guint n = 0;

  if (length < 2 || *text != '{')
    return FALSE;
  while (n < TEXT_MAX_MEMBERS && text_next_member (&p, end, &names[n], &lengths[n], &starts[n], &ends[n]))
    n++;
  *n_members = n;
  return *p == '}';
}

/* echo_confirms() for an echo kept as its compact JSON text: each member
 * it sets is written in the modified text with the same bytes (the same
 * value; another form of it takes the general way). One walk of each
 * text. */
static gboolean
echo_text_confirms (SyncobjPendingMutation *mutation,
                    SyncobjSyncWrite       *echo)
{
  const char *modified = _syncobj_pending_mutation_peek_text_modified (mutation);
  const char *changes = _syncobj_pending_mutation_peek_text_changes (mutation);
  const char *changes_end = changes + strlen (changes);
  const char *names[TEXT_MAX_MEMBERS], *starts[TEXT_MAX_MEMBERS], *ends[TEXT_MAX_MEMBERS];
  const char *name, *start, *stop, *p, *modified_end;
  gsize lengths[TEXT_MAX_MEMBERS], length;
  guint n_names, found = 0;

  if (mutation->text_adds ||
      !text_members (echo->packed, echo->packed_length, names, lengths, starts, ends, &n_names))
    return FALSE;

  /* It sets every member the update set. */
  for (p = changes + 1; text_next_member (&p, changes_end, &name, &length, &start, &stop);)
    {
      guint i = 0;

      while (i < n_names && (lengths[i] != length || memcmp (names[i], name, length) != 0))
        i++;
      if (i == n_names)
        return FALSE;
    }
  if (*p != '}')
    return FALSE;

  /* Each member it sets is in the modified text, written the same. */
  modified_end = modified + strlen (modified);
  for (p = modified + 1; text_next_member (&p, modified_end, &name, &length, &start, &stop);)
    for (guint i = 0; i < n_names; i++)
      if (lengths[i] == length && memcmp (names[i], name, length) == 0)
        {
          if (stop - start != ends[i] - starts[i] || memcmp (start, starts[i], (gsize) (stop - start)) != 0)
            return FALSE;
          found |= 1u << i;
        }
  return *p == '}' && found == (1u << n_names) - 1;
}

/* The modified text of @mutation, the one layer of @row, becomes the
 * packed text of @row, shared: @mutation keeps the row's text as its
 * original. */
static void
row_take_modified (SyncobjRow             *row,
                   SyncobjPendingMutation *mutation)
{
  _syncobj_pending_mutation_keep_original (mutation, row->packed_owned);
  _syncobj_row_drop_packed (row);
  row->packed = _syncobj_shared_text_ref (mutation->text);
  row->packed_owned = TRUE;
}

gboolean
_syncobj_overlay_finish_text (SyncobjOverlay         *self,
                              SyncobjRow             *row,
                              SyncobjPendingMutation *mutation,
                              gboolean                failed,
                              gboolean                synced_by_completion)
{
  const char *modified;
  SyncobjSyncWrite *echo = NULL;
  gboolean changed;

  /* The usual end of an update: it completed, alone on its key, and the
   * server's echo (held while the key was locked) set what it set, or
   * nothing echoes and it is synced by completing. A failure, or any
   * other write, takes the general way. */
  if (failed || row->layers != (gpointer) mutation ||
      !_syncobj_queue_unlock_frees (self->queue, mutation))
    return FALSE;
  if (row->held != NULL && row->held->len > 1)
    return FALSE;
  if (row->held != NULL && row->held->len == 1)
    {
      echo = &g_array_index (row->held, SyncobjSyncWrite, 0);
      if (echo->type != SYNCOBJ_MUTATION_TYPE_UPDATE ||
          !(echo->value != NULL ? echo_confirms (mutation, echo->value)
                                : echo->packed != NULL && echo_text_confirms (mutation, echo)))
        return FALSE;
    }

  modified = _syncobj_pending_mutation_peek_text_modified (mutation);
  _syncobj_queue_unlock (self->queue, mutation);

  /* Confirmed (by the echo, or by completing without sync): the modified
   * text is the synced value, and nothing visible changes. Without an
   * echo yet, the row shows its synced text until the sync brings it. */
  changed = echo == NULL && !synced_by_completion && strcmp (modified, row->packed) != 0;
  if (echo != NULL || synced_by_completion)
    row_take_modified (row, mutation);
  /* The array serves the next echo (see row_sync()). */
  if (row->held != NULL && self->spare_held == NULL)
    {
      g_array_set_size (row->held, 0);
      self->spare_held = g_steal_pointer (&row->held);
    }
  g_clear_pointer (&row->held, g_array_unref);
  _syncobj_row_remove_layer_index (row, 0);

  if (changed)
    self->funcs->changed (self->view, row);
  return TRUE;
}

void
_syncobj_overlay_show_text (SyncobjOverlay      *self,
                            SyncobjOverlayWrite *write)
{
  /* Visible before and after, no record: the list model hears of it. */
  if (write->known_different)
    self->funcs->changed (self->view, write->row);
}

void
_syncobj_row_thaw_text (SyncobjRow *row)
{
  SyncobjPendingMutation *first = _syncobj_row_peek_layer (row, 0);
  guint n = _syncobj_row_get_n_layers (row);
  JsonObject *value;

  /* The first layer's original, built from its copy of the packed text
   * (or before, when somebody asked for it), is the synced value. */
  _syncobj_pending_mutation_build (first, NULL);
  row->synced = json_object_ref (first->original);

  /* Each layer's original is the value below it, as for any update. */
  value = row->synced;
  for (guint i = 0; i < n; i++)
    {
      SyncobjPendingMutation *layer = _syncobj_row_peek_layer (row, i);

      _syncobj_pending_mutation_build (layer, value);
      _syncobj_pending_mutation_drop_text (layer);
      value = layer->modified;
    }

  _syncobj_row_drop_packed (row);
  row->visible = json_object_ref (value);

  /* Held writes kept as text are built with the row. */
  for (guint i = 0; row->held != NULL && i < row->held->len; i++)
    _syncobj_sync_write_ensure_value (&g_array_index (row->held, SyncobjSyncWrite, i));
}
