/* syncobj-overlay-private.h: rows, layers, the visible value, held sync writes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-queue-private.h"
#include "syncobj-table-private.h"
#include "syncobj-json-flat-private.h"

G_BEGIN_DECLS

/* One write coming from the sync side. */
typedef struct
{
  SyncobjMutationType  type;
  char                *key;
  JsonObject          *value;    /* nullable for a delete */
  gboolean             key_borrowed;  /* @key points into @value (sealed) */
  /* From JSON text (syncobj_sync_load_json_array()): the record's checked,
   * compact text, in @arena; @value is then built only when needed. */
  const char          *packed;
  gsize                packed_length;
  GBytes              *arena;
  gboolean             key_is_int;    /* the key member holds an integer (@key is its text) */
} SyncobjSyncWrite;

void _syncobj_sync_write_clear (SyncobjSyncWrite *write);
/* Builds the value of a write that has only its text (a held write kept
 * as text; see _syncobj_row_hold_sync_write()). */
void _syncobj_sync_write_ensure_value (SyncobjSyncWrite *write);

/* The state of one key: its synced value, the layers of the transactions
 * writing to it, and what is visible. The list model's fields (iter,
 * position, pending_append) belong to the collection. */
typedef struct
{
  char          *key;
  JsonObject    *synced;        /* NULL: absent from the synced state */
  JsonObject    *visible;       /* NULL: not visible */
  gpointer       layers;        /* SyncobjPendingMutation, creation order: see
                                 * _syncobj_row_peek_layer() */
  GArray        *held;          /* SyncobjSyncWrite held while locked */
  GSequenceIter *iter;          /* position in the list model */
  SyncobjRecord *record;        /* not held: it tells when it goes */
  const char    *packed;        /* see below */
  guint          position;      /* in the list model when appended; see row_position() */
  guint          pending_append : 1;
  guint          inline_key : 1;  /* key (and packed text) live after the row */
  guint          int_key : 1;   /* its key member holds an integer (key: its text) */
  guint          temporary : 1; /* a temporary key, until the server's answer */
  guint          packed_owned : 1;  /* packed text a shared text (a reference), not after the row */
  guint          mark : 27;     /* written by the snapshot of that mark: see _syncobj_overlay_truncate() */
} SyncobjRow;

#define SYNCOBJ_ROW_MARK_MAX ((1u << 27) - 1)

/* A record loaded from JSON text (syncobj_sync_load_json_array()) is kept
 * "packed": its compact JSON text, stored in the same block as the row,
 * with synced == visible == NULL and nothing else attached but, maybe, its
 * SyncobjRecord, which then holds the only JsonObject of the value (it goes
 * with the record). A sync write of JSON text that sets every member of a
 * packed record without a record keeps it packed: its text then moves to
 * a block of its own. It is built into a JsonObject (the record's, if
 * any) the first time anybody needs more than its key or its record:
 * about 200 bytes per record instead of about 1 KB. */

static inline gboolean
_syncobj_row_is_visible (SyncobjRow *row)
{
  return row->visible != NULL || row->packed != NULL;
}

/* A packed row may also carry one update kept as text
 * (syncobj-overlay-text.c): then its packed text is the synced value, its
 * one layer that update, with its values as text, and the visible value
 * is the update's modified text. Whatever needs more builds the row's
 * values (_syncobj_overlay_lookup()), and those of the layer. */
static inline gboolean
_syncobj_row_has_text_layers (SyncobjRow *row)
{
  return row->packed != NULL && row->layers != NULL;
}

/* The layers of a row, each held (a reference): none (NULL), one, by far
 * the usual case, held in place, or more, in a GPtrArray tagged with the
 * lowest bit of the pointer. */
#define SYNCOBJ_ROW_LAYERS_ARRAY ((guintptr) 1)

/* The array of a row's layers when it has more than one, else NULL. */
static inline GPtrArray *
_syncobj_row_peek_layer_array (SyncobjRow *row)
{
  guintptr layers = (guintptr) row->layers;

  return (layers & SYNCOBJ_ROW_LAYERS_ARRAY) != 0 ? (GPtrArray *) (layers & ~SYNCOBJ_ROW_LAYERS_ARRAY) : NULL;
}

static inline guint
_syncobj_row_get_n_layers (SyncobjRow *row)
{
  GPtrArray *array = _syncobj_row_peek_layer_array (row);

  return array != NULL ? array->len : row->layers != NULL;
}

/* The layer at @position (borrowed). */
static inline SyncobjPendingMutation *
_syncobj_row_peek_layer (SyncobjRow *row,
                         guint       position)
{
  GPtrArray *array = _syncobj_row_peek_layer_array (row);

  return array != NULL ? g_ptr_array_index (array, position) : row->layers;
}

/* The compact JSON text of the visible value of a packed row, or NULL
 * when the row is not packed. */
static inline const char *
_syncobj_row_peek_text (SyncobjRow *row)
{
  if (row->packed == NULL || row->layers == NULL)
    return row->packed;
  return _syncobj_pending_mutation_peek_text_modified (_syncobj_row_peek_layer (row, _syncobj_row_get_n_layers (row) - 1));
}

/* How the overlay tells the list model above it what it shows; handed to
 * _syncobj_overlay_new(). */
typedef struct
{
  /* A visible row is about to disappear: announce what is batched. */
  void (*flush)     (gpointer view);
  /* @row just became visible. */
  void (*appear)    (gpointer view, SyncobjRow *row);
  /* @row is no longer visible. */
  void (*disappear) (gpointer view, SyncobjRow *row);
  /* The visible value of @row changed. */
  void (*changed)   (gpointer view, SyncobjRow *row);
} SyncobjOverlayViewFuncs;

typedef struct _SyncobjOverlay SyncobjOverlay;

/* @collection (unowned) owns the overlay: records and the merge function
 * name it. @queue (unowned) tells which keys are locked. */
SyncobjOverlay *_syncobj_overlay_new            (SyncobjCollection             *collection,
                                                 SyncobjQueue                  *queue,
                                                 const SyncobjOverlayViewFuncs *funcs,
                                                 gpointer                       view);
void            _syncobj_overlay_free           (SyncobjOverlay *self);
/* The collection's id (for errors) and key member, once constructed; both
 * stay the collection's. */
void            _syncobj_overlay_set_names      (SyncobjOverlay *self,
                                                 const char     *collection_id,
                                                 const char     *key_member);
/* Lets go of the records (they outlive the collection). */
void            _syncobj_overlay_forget_records (SyncobjOverlay *self);

/* Ordered: sync writes to locked keys are held. Parallel: the merge
 * function, if any, composes the visible value. */
void            _syncobj_overlay_set_ordered    (SyncobjOverlay   *self,
                                                 gboolean          ordered);
/* Whether the merge function is computing a value right now. */
gboolean        _syncobj_overlay_is_merging     (SyncobjOverlay   *self);
void            _syncobj_overlay_set_merge_func (SyncobjOverlay   *self,
                                                 SyncobjMergeFunc  func,
                                                 gpointer          user_data,
                                                 GDestroyNotify    destroy);
/* The value without a merge function: @synced (nullable) with each of
 * @mutations (SyncobjPendingMutation, creation order) applied. */
JsonObject     *_syncobj_overlay_compose        (JsonObject       *synced,
                                                 GPtrArray        *mutations);

/* The row of @key, packed or not, or NULL: enough for its key and whether
 * it is visible. */
SyncobjRow     *_syncobj_overlay_find           (SyncobjOverlay *self,
                                                 const char     *key);
/* Every row: a set (key and value are the row). */
SyncobjTable   *_syncobj_overlay_peek_rows      (SyncobjOverlay *self);
/* The row of @key with its values built, or NULL. */
SyncobjRow     *_syncobj_overlay_lookup         (SyncobjOverlay *self,
                                                 const char     *key);
/* Frees @row if nothing refers to its key any more. */
void            _syncobj_overlay_row_maybe_free (SyncobjOverlay *self,
                                                 SyncobjRow     *row);
/* An integer key and a string key with the same text are two records the
 * collection cannot tell apart: FALSE, with SYNCOBJ_ERROR_KEY_EXISTS, when
 * @row (may be NULL) holds a value under a key of the other type. */
gboolean        _syncobj_overlay_check_key_type (SyncobjOverlay *self,
                                                 SyncobjRow     *row,
                                                 gboolean        key_is_int,
                                                 GError        **error);
/* The live record of @row (transfer full). */
SyncobjRecord  *_syncobj_overlay_get_record     (SyncobjOverlay *self,
                                                 SyncobjRow     *row);

/* A local write, in two steps so that the collection lists the mutation
 * in its transaction in between. _syncobj_overlay_fold() folds the write
 * into @mutation, the layer of its key of the same transaction, and
 * returns FALSE (after removing the layer) when it vanished;
 * _syncobj_overlay_push() sets the values of @created, new, of its type,
 * and adds it as a layer. Both leave what the refresh needs in @write;
 * _syncobj_overlay_show_write() then shows it. */
typedef struct
{
  SyncobjRow *row;
  JsonObject *composed;         /* owned, when have_composed */
  gboolean    have_composed;
  gboolean    known_different;
  gboolean    text;             /* kept as text: syncobj-overlay-text.c */
} SyncobjOverlayWrite;

gboolean                _syncobj_overlay_fold       (SyncobjOverlay         *self,
                                                     SyncobjOverlayWrite    *write,
                                                     SyncobjPendingMutation *mutation,
                                                     SyncobjMutationType     type,
                                                     JsonObject             *value,
                                                     gint64                  now_us);
/* @row: the row of @created's key, when the caller found it since the
 * rows epoch last changed (saves looking it up again), or NULL. */
void                    _syncobj_overlay_push       (SyncobjOverlay         *self,
                                                     SyncobjOverlayWrite    *write,
                                                     SyncobjPendingMutation *created,
                                                     JsonObject             *value,
                                                     SyncobjRow             *row,
                                                     gint64                  now_us);
/* The same for an update whose changes are flat JSON text (see
 * syncobj-overlay-text.c), kept as text: FALSE, with nothing done, when
 * it cannot be (@row NULL or not held as text, a merge function, ...); then
 * _syncobj_overlay_push() with the changes built takes it. */
gboolean                _syncobj_overlay_push_text_changes (SyncobjOverlay         *self,
                                                            SyncobjOverlayWrite    *write,
                                                            SyncobjRow             *row,
                                                            SyncobjPendingMutation *created,
                                                            const SyncobjJsonFlat  *changes,
                                                            gint64                  now_us);
/* Changes whenever a row leaves the table of rows (freed, or under a new
 * key): a row found by _syncobj_overlay_find() is still the row of its key
 * as long as the epoch stays the same, whatever ran meanwhile. */
guint                   _syncobj_overlay_get_rows_epoch (SyncobjOverlay *self);
void                    _syncobj_overlay_show_write (SyncobjOverlay         *self,
                                                     SyncobjOverlayWrite    *write);

/* The row of @key (new) holds a temporary key, until the server's answer. */
void            _syncobj_overlay_mark_temporary (SyncobjOverlay         *self,
                                                 const char             *key);
/* Whether @mutation is an insert under a temporary key. */
gboolean        _syncobj_overlay_is_temporary   (SyncobjOverlay         *self,
                                                 SyncobjPendingMutation *mutation);
/* A row of the server's @key that the sync wrote before the answer came
 * (an echo overtaking it) gives its synced value (*@synced, transfer full)
 * to the re-keyed row, and goes. A row of that key the application wrote
 * to or holds is another record: FALSE, SYNCOBJ_ERROR_KEY_EXISTS. */
gboolean        _syncobj_overlay_take_early_echo (SyncobjOverlay        *self,
                                                  const char            *key,
                                                  JsonObject           **synced,
                                                  GError               **error);
/* The row of @mutation (a temporary key) takes @key in place: the same
 * row, record, position, layers, lane and locks; every layer carries the
 * key; @created (with @early_synced, taken) is its synced value. */
void            _syncobj_overlay_rekey          (SyncobjOverlay         *self,
                                                 SyncobjPendingMutation *mutation,
                                                 JsonObject             *created,
                                                 const char             *key,
                                                 gboolean                key_is_int,
                                                 JsonObject             *early_synced);
/* A conflict: the server's @current record (NULL: deleted) becomes the
 * synced state of @key at once, locked or not; sync writes held for the
 * key are older and dropped. Call _syncobj_overlay_refresh_key() once
 * the pending mutation took its resolved values. */
void            _syncobj_overlay_take_conflict  (SyncobjOverlay         *self,
                                                 const char             *key,
                                                 JsonObject             *current);
/* Recomputes the visible value of @key and announces the change. */
void            _syncobj_overlay_refresh_key    (SyncobjOverlay         *self,
                                                 const char             *key);
/* @mutation (restored, not shown yet) was made under the temporary key of
 * the record now known as @key: it carries @key, the member included. */
void            _syncobj_overlay_rekey_write    (SyncobjOverlay         *self,
                                                 SyncobjPendingMutation *mutation,
                                                 const char             *key);
/* Re-applies @mutation after a restart. */
void            _syncobj_overlay_restore        (SyncobjOverlay         *self,
                                                 SyncobjPendingMutation *mutation);
/* A sync commit in parts (see syncobj-collection-slice.c). A snapshot
 * begins a mark, marks the rows of the keys it writes, and deletes the
 * synced records of the rows it did not mark, all without a change seen
 * until the last step; writes then apply, a record refused for its key
 * type setting *@clash (the first refusal; @clash may be NULL) while the
 * others apply. */
void            _syncobj_overlay_mark_begin     (SyncobjOverlay   *self);
void            _syncobj_overlay_mark           (SyncobjOverlay   *self,
                                                 SyncobjSyncWrite *writes,
                                                 guint             n_writes);
void            _syncobj_overlay_truncate       (SyncobjOverlay   *self);
void            _syncobj_overlay_apply_sync_writes (SyncobjOverlay   *self,
                                                    SyncobjSyncWrite *writes,
                                                    guint             n_writes,
                                                    GError          **clash);
/* Drops (or, while another transaction locks the key, retires) the layers
 * of @mutations (those of this collection; all of them with @all_mine),
 * releases their locks and applies held sync writes. With
 * @synced_by_completion (no sync echoes the collection), what completed
 * becomes the synced state. */
void            _syncobj_overlay_finish         (SyncobjOverlay    *self,
                                                 SyncobjObjectList *mutations,
                                                 gboolean           all_mine,
                                                 gboolean           failed,
                                                 gboolean           synced_by_completion);

G_END_DECLS
