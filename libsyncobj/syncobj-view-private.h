/* syncobj-view-private.h: what the view's files share: conditions, sort
 * members and the JSON description (syncobj-view-query.c), the view's
 * state and its maintenance (syncobj-view-maintain.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-private.h"
#include "syncobj-json-util-private.h"
#include "syncobj-json-validate-private.h"

G_BEGIN_DECLS

/* One member of a sort: a parsed path, and its direction. */
typedef struct
{
  char     **path;        /* "owner.name" → { "owner", "name", NULL } */
  gboolean   descending;  /* written "-member" */
} SyncobjSortMember;

/* A view description (JSON text or Python keywords). */
typedef struct
{
  SyncobjCondition     *where;     /* nullable */
  GStrv                 order_by;  /* nullable; as written ("-created") */
  guint                 offset;
  guint                 limit;     /* G_MAXUINT: none */
  SyncobjPendingFilter  pending;
} SyncobjViewQuery;

#define SYNCOBJ_VIEW_QUERY_INIT { NULL, NULL, 0, G_MAXUINT, SYNCOBJ_PENDING_FILTER_ALL }

gboolean  _syncobj_view_query_parse       (const char        *json,
                                           gssize             length,
                                           SyncobjViewQuery  *query,
                                           GError           **error);
void      _syncobj_view_query_clear       (SyncobjViewQuery  *query);

/* Parses a member path ("owner.name") into its steps, or fails with
 * SYNCOBJ_ERROR_INVALID_VIEW naming it. */
char    **_syncobj_view_path_parse        (const char        *member,
                                           GError           **error);

/* Parses "title" / "-created" / "owner.name" into @members (of
 * SyncobjSortMember, freed by the array). */
GArray   *_syncobj_sort_members_parse     (const char * const *order_by,
                                           GError           **error);

/* The node at @path in @value, or NULL when a step is missing or not an
 * object. */
JsonNode *_syncobj_view_lookup            (JsonObject        *value,
                                           char             **path);

/* The total order of a sort on present values: null < booleans < numbers
 * < strings (byte order) < arrays and objects (all equal). */
int       _syncobj_view_compare_nodes     (JsonNode          *a,
                                           JsonNode          *b);

/* The order of keys among equals: integer keys ("12", "-3": canonical
 * decimal, fitting 64 bits) by value and before the others, which go by
 * byte order. Sets *@value when @key is an integer key. */
gboolean  _syncobj_view_key_is_integer    (const char        *key,
                                           gint64            *value);

/* ---- the view's state (syncobj-view.c, syncobj-view-maintain.c) ---------- */

/* One record of the source, as the view knows it. */
typedef struct
{
  SyncobjView   *view;
  char          *key;
  SyncobjRecord *record;       /* held only while view_holds_records() */
  JsonObject    *value;        /* what the entry is filtered and sorted by */
  JsonNode      *sort_node;    /* of the first sort member, in value; NULL: none */
  GSequenceIter *mirror_iter;  /* in view->mirror */
  GSequenceIter *sorted_iter;  /* in view->sorted; NULL: filtered out */
  gint64         key_int;
  gulong         pending_id;
  gboolean       key_is_int;
} SyncobjViewEntry;

struct _SyncobjView
{
  GObject               parent_instance;

  GListModel           *source;
  SyncobjCollection    *collection;     /* at the root of the source; unowned */
  gulong                items_changed_id;
  gulong                key_assigned_id;  /* on collection */

  SyncobjCondition     *where;
  GStrv                 order_by;
  GArray               *sort;           /* SyncobjSortMember */
  SyncobjViewFilterFunc filter_func;
  gpointer              filter_data;
  GDestroyNotify        filter_destroy;
  SyncobjPendingFilter  pending;
  guint                 offset;
  guint                 limit;          /* G_MAXUINT: none */

  GSequence            *mirror;         /* SyncobjViewEntry (owned, freed by hand), in the source's order */
  GSequence            *sorted;         /* SyncobjViewEntry, those that pass, in the view's order */

  /* Changes made to self->sorted and not announced yet: the positions
   * [change_pos, change_pos + change_added) replace change_removed items. */
  guint                 change_pos;
  guint                 change_removed;
  guint                 change_added;
  gboolean              change_open;

  /* g_list_model_get_item() walks forward from the last item asked for. */
  GSequenceIter        *cache_iter;
  guint                 cache_pos;

  gboolean              populated;
};

/* syncobj-view-maintain.c */
void      _syncobj_view_populate          (SyncobjView       *self);
void      _syncobj_view_source_items_changed_cb (GListModel  *source,
                                           guint              position,
                                           guint              removed,
                                           guint              added,
                                           SyncobjView       *self);
/* A record of the collection took the server's key in place, without
 * items-changed: its entry follows. */
void      _syncobj_view_key_assigned_cb   (SyncobjCollection *collection,
                                           const char        *temporary_key,
                                           const char        *key,
                                           SyncobjView       *self);
void      _syncobj_view_refilter_all      (SyncobjView       *self);
void      _syncobj_view_update_holds      (SyncobjView       *self);
void      _syncobj_view_clear_entries     (SyncobjView       *self);
guint     _syncobj_view_window_length     (SyncobjView       *self,
                                           guint              n_matched);
void      _syncobj_view_emit              (SyncobjView       *self,
                                           guint              position,
                                           guint              removed,
                                           guint              added);

/* syncobj-view.c */
void      _syncobj_view_notify_n_items    (SyncobjView       *self);
void      _syncobj_view_notify_n_matched  (SyncobjView       *self);

G_END_DECLS
