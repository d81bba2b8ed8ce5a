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
#include "syncobj-view-seq-private.h"

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

/* Whether @source is what a view or a join can show (a collection or a
 * view), or fails with SYNCOBJ_ERROR_INVALID_VIEW naming its type. */
gboolean  _syncobj_view_source_check      (GListModel        *source,
                                           GError           **error);

/* Parses a member path ("owner.name") into its steps, or fails with
 * SYNCOBJ_ERROR_INVALID_VIEW naming it. */
char    **_syncobj_view_path_parse        (const char        *member,
                                           GError           **error);

/* Parses "title" / "-created" / "owner.name" into @members (of
 * SyncobjSortMember, freed by the array). */
GArray   *_syncobj_sort_members_parse     (const char * const *order_by,
                                           GError           **error);

/* ---- member values (syncobj-view-value.c) ---------------------------------- */

/* The classes of member values, in the order a sort puts them. */
typedef enum {
  SYNCOBJ_VIEW_CLASS_NULL,
  SYNCOBJ_VIEW_CLASS_BOOLEAN,
  SYNCOBJ_VIEW_CLASS_NUMBER,
  SYNCOBJ_VIEW_CLASS_STRING,
  SYNCOBJ_VIEW_CLASS_OTHER,     /* arrays and objects */
  SYNCOBJ_VIEW_CLASS_MISSING,   /* no such member (or a step of its path) */
} SyncobjViewValueClass;

/* A member's value as conditions and sorts see it, read from a JsonNode
 * or straight from packed text, without building anything. A string is
 * not nul-terminated: it points into the node or the text it was read
 * from, or into the reader's scratch. */
typedef struct
{
  gint64            integer;
  double            number;    /* of integers too */
  const char       *string;
  gsize             length;
  /* In one word (a view holds a scalar per record and sort member). */
  SyncobjViewValueClass  class : 8;
  guint             is_int : 1;
  guint             boolean : 1;
} SyncobjViewScalar;

/* A record's value as a view reads it: a JsonObject, or the packed text of
 * a collection's row (checked compact JSON, nul-terminated); both NULL
 * for no value. */
typedef struct
{
  JsonObject          *object;
  const char          *packed;
  /* Optional, for packed text: the members @names (n_names of them)
   * found in one pass (_syncobj_view_value_find_members()), where their
   * values begin in @packed (NULL: absent), and the end of @packed. */
  const char * const  *names;
  const char         **found;
  guint                n_names;
  const char          *end;
  /* Optional, with @found: the members' values, each read once (bit i
   * of @read set when @scalars[i] holds that of @names[i]; an absent
   * member reads as missing). */
  SyncobjViewScalar   *scalars;
  guint                read;
} SyncobjViewValue;

/* Finds the members @names (at most 8, of @lengths) of @value's packed text in one pass, into
 * @found (room for @n_names), for the lookups that follow; with
 * @scalars (room for @n_names), reads their values there too. */
void      _syncobj_view_value_find_members (SyncobjViewValue   *value,
                                            const char * const *names,
                                            const gsize        *lengths,
                                            guint               n_names,
                                            const char        **found,
                                            SyncobjViewScalar  *scalars);

/* @node (NULL: missing) as a scalar; strings point into it. */
void      _syncobj_view_scalar_from_node  (JsonNode          *node,
                                           SyncobjViewScalar *out);

/* Reads the member at @path of @value into @out. A string that holds
 * escapes is unescaped into *@scratch (freed and replaced; the caller
 * frees it once done with @out). */
void      _syncobj_view_value_get         (const SyncobjViewValue *value,
                                           char             **path,
                                           char             **scratch,
                                           SyncobjViewScalar *out);

/* The total order of a sort on present values: null < booleans < numbers
 * < strings (byte order) < arrays and objects (all equal). */
int       _syncobj_view_compare_scalars   (const SyncobjViewScalar *a,
                                           const SyncobjViewScalar *b);

/* Adds the first step of each member path of @self to @names (char *,
 * borrowed from @self), once each. */
void      _syncobj_condition_collect_members (SyncobjCondition *self,
                                              GPtrArray        *names);

/* syncobj_condition_matches() of a value of either form
 * (syncobj-view-query.c). */
gboolean  _syncobj_condition_matches_value (SyncobjCondition       *self,
                                            const SyncobjViewValue *value);

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
  char          *key;          /* key_text when it fits, else owned */
  SyncobjRecord *record;       /* held only while view_holds_records() */
  JsonObject    *value;        /* held when the value came as an object: tells an unchanged one */
  SyncobjViewScalar *sort_keys;  /* n_sort_keys, one per sort member (first_sort_key for one);
                                  * strings owned, or in sort_text */
  guint          n_sort_keys;
  /* Where the entry sorts, to the first sort member (or the key): two
   * entries whose ranks or bits differ sort as these do; equal ones are
   * compared in full. */
  guint          sort_rank;
  guint64        sort_bits;
  SyncobjViewSeqIter *mirror_iter;  /* in view->mirror: &mirror_node */
  SyncobjViewSeqIter *sorted_iter;  /* in view->sorted: &sorted_node; NULL: filtered out */
  gint64         key_int;
  gulong         pending_id;
  guint          key_is_int : 1;
  guint          visible : 1;    /* the record has a value */
  guint          matches : 1;    /* it meets view->where */
  guint          in_block : 1;   /* in one of view->entry_blocks */
  SyncobjViewScalar first_sort_key;
  char           sort_text[24];  /* the first sort key's string, when short */
  char           key_text[16];   /* the key, when short */
  SyncobjViewSeqIter mirror_node;   /* the nodes of the entry in the view's sequences */
  SyncobjViewSeqIter sorted_node;
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
  GPtrArray            *member_names;   /* the first steps of where's and sort's paths; NULL: not known yet */
  gsize                 member_lengths[8];  /* of the first 8 member_names */
  SyncobjViewFilterFunc filter_func;
  gpointer              filter_data;
  GDestroyNotify        filter_destroy;
  SyncobjPendingFilter  pending;
  guint                 offset;
  guint                 limit;          /* G_MAXUINT: none */

  SyncobjViewSeq            *mirror;         /* SyncobjViewEntry (owned, freed by hand), in the source's order */
  SyncobjViewSeq            *sorted;         /* SyncobjViewEntry, those that pass, in the view's order */

  /* Changes made to self->sorted and not announced yet: the positions
   * [change_pos, change_pos + change_added) replace change_removed items. */
  guint                 change_pos;
  guint                 change_removed;
  guint                 change_added;
  gboolean              change_open;

  /* g_list_model_get_item() walks forward from the last item asked for. */
  SyncobjViewSeqIter        *cache_iter;
  guint                 cache_pos;

  gboolean              populated;

  /* The entries of a build are allocated together; those freed since
   * are reused. */
  GPtrArray            *entry_blocks;   /* SyncobjViewEntry[] */
  GPtrArray            *free_entries;   /* SyncobjViewEntry, zeroed, in_block */
};

/* syncobj-view-maintain.c */
/* Builds the view from its source, at once. */
void      _syncobj_view_populate          (SyncobjView       *self);
/* Whether a build of @n entries reads the records' packed text and sorts
 * on two threads: from 20,000 entries on, or from @n set by
 * _syncobj_view_set_parallel_min() (tests; 0: the default again). */
gboolean  _syncobj_view_build_in_parallel (guint              n);
void      _syncobj_view_set_parallel_min  (guint              n);
/* Runs @func on @first here and on @second on a thread of its own (here
 * too when none can be made), and returns once both are done. */
void      _syncobj_view_run_two           (GThreadFunc        func,
                                           gpointer           first,
                                           gpointer           second);
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
/* The position in the view's window of the record of @key, if it shows
 * there: for a join over the view, after the view followed a re-key. */
gboolean  _syncobj_view_find_position     (SyncobjView       *self,
                                           const char        *key,
                                           guint             *position);
/* Filters and sorts every entry again; with @rederive, after reading
 * every value again (the condition or the sort changed). */
void      _syncobj_view_refilter_all      (SyncobjView       *self,
                                           gboolean           rederive);
void      _syncobj_view_update_holds      (SyncobjView       *self);
void      _syncobj_view_clear_entries     (SyncobjView       *self);
guint     _syncobj_view_window_length     (SyncobjView       *self,
                                           guint              n_matched);
void      _syncobj_view_emit              (SyncobjView       *self,
                                           guint              position,
                                           guint              removed,
                                           guint              added);

/* syncobj-view-sort.c */
/* Where @entry sorts by its first sort key (or its key), from its sort
 * keys: entry->sort_rank and entry->sort_bits. */
void      _syncobj_view_entry_set_rank    (SyncobjView       *self,
                                           SyncobjViewEntry  *entry);
/* The view's order of two entries (a GCompareDataFunc of the view). */
int       _syncobj_view_entry_compare     (gconstpointer      a,
                                           gconstpointer      b,
                                           gpointer           view);
/* Sorts the @n @entries, whose ranks are set, in the view's order: each
 * half on its own thread, then merged, for many entries
 * (_syncobj_view_build_in_parallel()). Reads the entries and the view's
 * sort, and changes nothing but @entries. */
void      _syncobj_view_sort_entries      (SyncobjView       *self,
                                           SyncobjViewEntry **entries,
                                           guint              n);

/* syncobj-view.c */
void      _syncobj_view_notify_n_items    (SyncobjView       *self);
void      _syncobj_view_notify_n_matched  (SyncobjView       *self);

G_END_DECLS
