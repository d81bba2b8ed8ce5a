/* syncobj-view.h: a filtered, sorted, windowed live list of records
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SYNCOBJ_INSIDE__) && !defined(SYNCOBJ_COMPILATION)
#error "Only <syncobj.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "syncobj-types.h"
#include "syncobj-version-macros.h"

G_BEGIN_DECLS

/**
 * SyncobjConditionOp:
 * @SYNCOBJ_CONDITION_OP_EQ: the member equals the value (`"="`)
 * @SYNCOBJ_CONDITION_OP_NE: the member has the value's type and differs
 *   from it (`"!="`)
 * @SYNCOBJ_CONDITION_OP_LT: the member is less than the value (`"<"`)
 * @SYNCOBJ_CONDITION_OP_LE: less than or equal (`"<="`)
 * @SYNCOBJ_CONDITION_OP_GT: greater than (`">"`)
 * @SYNCOBJ_CONDITION_OP_GE: greater than or equal (`">="`)
 * @SYNCOBJ_CONDITION_OP_CONTAINS: the member is a string that contains
 *   the value, a string (`"contains"`)
 * @SYNCOBJ_CONDITION_OP_ICONTAINS: the same, ignoring case
 *   (`"icontains"`)
 * @SYNCOBJ_CONDITION_OP_IN: the member equals one of the values of an
 *   array (`"in"`)
 * @SYNCOBJ_CONDITION_OP_EXISTS: the record has the member, whatever its
 *   value (`"exists"`, no value)
 * @SYNCOBJ_CONDITION_OP_IS_NULL: the record has the member and it is
 *   `null` (`"is_null"`, no value)
 *
 * The operators of a member condition; see [struct@Syncobj.Condition].
 */
typedef enum {
  SYNCOBJ_CONDITION_OP_EQ,
  SYNCOBJ_CONDITION_OP_NE,
  SYNCOBJ_CONDITION_OP_LT,
  SYNCOBJ_CONDITION_OP_LE,
  SYNCOBJ_CONDITION_OP_GT,
  SYNCOBJ_CONDITION_OP_GE,
  SYNCOBJ_CONDITION_OP_CONTAINS,
  SYNCOBJ_CONDITION_OP_ICONTAINS,
  SYNCOBJ_CONDITION_OP_IN,
  SYNCOBJ_CONDITION_OP_EXISTS,
  SYNCOBJ_CONDITION_OP_IS_NULL,
} SyncobjConditionOp;

/**
 * SyncobjPendingFilter:
 * @SYNCOBJ_PENDING_FILTER_ALL: pending and synced records alike
 * @SYNCOBJ_PENDING_FILTER_ONLY: only records with pending changes
 *   (`"pending": "only"`)
 * @SYNCOBJ_PENDING_FILTER_EXCLUDE: only records without pending changes
 *   (`"pending": "exclude"`)
 *
 * Which records a [class@Syncobj.View] shows by their
 * [property@Syncobj.Record:pending] state.
 */
typedef enum {
  SYNCOBJ_PENDING_FILTER_ALL,
  SYNCOBJ_PENDING_FILTER_ONLY,
  SYNCOBJ_PENDING_FILTER_EXCLUDE,
} SyncobjPendingFilter;

#define SYNCOBJ_TYPE_CONDITION (syncobj_condition_get_type ())
typedef struct _SyncobjCondition SyncobjCondition;

SYNCOBJ_AVAILABLE_IN_ALL
GType             syncobj_condition_get_type      (void) G_GNUC_CONST;
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjCondition *syncobj_condition_new           (const char          *member,
                                                   SyncobjConditionOp   op,
                                                   JsonNode            *value,
                                                   GError             **error);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjCondition *syncobj_condition_new_and       (SyncobjCondition    *first,
                                                   SyncobjCondition    *second);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjCondition *syncobj_condition_new_or        (SyncobjCondition    *first,
                                                   SyncobjCondition    *second);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjCondition *syncobj_condition_new_not       (SyncobjCondition    *condition);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjCondition *syncobj_condition_new_from_json (const char          *json,
                                                   GError             **error);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjCondition *syncobj_condition_ref           (SyncobjCondition    *self);
SYNCOBJ_AVAILABLE_IN_ALL
void              syncobj_condition_unref         (SyncobjCondition    *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean          syncobj_condition_matches       (SyncobjCondition    *self,
                                                   JsonObject          *value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncobjCondition, syncobj_condition_unref)

/**
 * SyncobjViewFilterFunc:
 * @record: a record of the view's source
 * @user_data: closure data
 *
 * Decides whether @record belongs in a view, for conditions that
 * [struct@Syncobj.Condition] cannot say. It is called again whenever the
 * record's value changes; call [method@Syncobj.View.refilter] when
 * anything else it depends on changes.
 *
 * Returns: %TRUE to show @record
 */
typedef gboolean (*SyncobjViewFilterFunc) (SyncobjRecord *record,
                                           gpointer       user_data);

#define SYNCOBJ_TYPE_VIEW (syncobj_view_get_type ())
SYNCOBJ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SyncobjView, syncobj_view, SYNCOBJ, VIEW, GObject)

SYNCOBJ_AVAILABLE_IN_ALL
SyncobjView          *syncobj_view_new                (GListModel           *source,
                                                       SyncobjCondition     *where,
                                                       const char * const   *order_by);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjView          *syncobj_view_new_from_json      (GListModel           *source,
                                                       const char           *json,
                                                       GError              **error);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjView          *syncobj_collection_view_json    (SyncobjCollection    *collection,
                                                       const char           *json,
                                                       GError              **error);
SYNCOBJ_AVAILABLE_IN_0_2
SyncobjView          *syncobj_collection_view_changed (SyncobjCollection    *collection);
SYNCOBJ_AVAILABLE_IN_ALL
GListModel           *syncobj_view_get_source         (SyncobjView          *self);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjCondition     *syncobj_view_get_where          (SyncobjView          *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                  syncobj_view_set_where          (SyncobjView          *self,
                                                       SyncobjCondition     *where);
SYNCOBJ_AVAILABLE_IN_ALL
const char * const   *syncobj_view_get_order_by       (SyncobjView          *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean              syncobj_view_set_order_by       (SyncobjView          *self,
                                                       const char * const   *order_by,
                                                       GError              **error);
SYNCOBJ_AVAILABLE_IN_ALL
void                  syncobj_view_set_filter_func    (SyncobjView          *self,
                                                       SyncobjViewFilterFunc func,
                                                       gpointer              user_data,
                                                       GDestroyNotify        destroy);
SYNCOBJ_AVAILABLE_IN_ALL
void                  syncobj_view_refilter           (SyncobjView          *self);
SYNCOBJ_AVAILABLE_IN_ALL
guint                 syncobj_view_get_offset         (SyncobjView          *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                  syncobj_view_set_offset         (SyncobjView          *self,
                                                       guint                 offset);
SYNCOBJ_AVAILABLE_IN_ALL
guint                 syncobj_view_get_limit          (SyncobjView          *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                  syncobj_view_set_limit          (SyncobjView          *self,
                                                       guint                 limit);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjPendingFilter  syncobj_view_get_pending_filter (SyncobjView          *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                  syncobj_view_set_pending_filter (SyncobjView          *self,
                                                       SyncobjPendingFilter  filter);
SYNCOBJ_AVAILABLE_IN_ALL
guint                 syncobj_view_get_n_matched      (SyncobjView          *self);

#define SYNCOBJ_TYPE_JOIN_ROW (syncobj_join_row_get_type ())
SYNCOBJ_AVAILABLE_IN_0_2
G_DECLARE_FINAL_TYPE (SyncobjJoinRow, syncobj_join_row, SYNCOBJ, JOIN_ROW, GObject)

SYNCOBJ_AVAILABLE_IN_0_2
SyncobjRecord        *syncobj_join_row_get_record     (SyncobjJoinRow       *self);
SYNCOBJ_AVAILABLE_IN_0_2
SyncobjRecord        *syncobj_join_row_get_joined     (SyncobjJoinRow       *self);

#define SYNCOBJ_TYPE_JOIN (syncobj_join_get_type ())
SYNCOBJ_AVAILABLE_IN_0_2
G_DECLARE_FINAL_TYPE (SyncobjJoin, syncobj_join, SYNCOBJ, JOIN, GObject)

SYNCOBJ_AVAILABLE_IN_0_2
SyncobjJoin          *syncobj_join_new                (GListModel           *source,
                                                       const char           *member,
                                                       SyncobjCollection    *other,
                                                       GError              **error);
SYNCOBJ_AVAILABLE_IN_0_2
GListModel           *syncobj_join_get_source         (SyncobjJoin          *self);
SYNCOBJ_AVAILABLE_IN_0_2
const char           *syncobj_join_get_member         (SyncobjJoin          *self);
SYNCOBJ_AVAILABLE_IN_0_2
SyncobjCollection    *syncobj_join_get_other          (SyncobjJoin          *self);

G_END_DECLS
