/* syncobj-view.c: a filtered, sorted, windowed list model of a
 * collection's records, maintained incrementally
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-view-private.h"
#include "syncobj-collection-private.h"

#include <string.h>

/**
 * SyncobjView:
 *
 * A live, filtered and sorted [iface@Gio.ListModel] of the
 * [class@Syncobj.Record]s of a [class@Syncobj.Collection] (or of another
 * view), for list widgets, scripts and services alike.
 *
 * A view has:
 *
 * - a filter: a [struct@Syncobj.Condition] on the record's value
 *   ([property@Syncobj.View:where]), a [callback@Syncobj.ViewFilterFunc]
 *   for anything else, and a [property@Syncobj.View:pending-filter];
 *   a record must pass all three;
 * - a sort ([property@Syncobj.View:order-by]): member paths, each
 *   ascending or, written `"-created"`, descending. Records that lack a
 *   member come after those that have it, in either direction; values of
 *   different types order as null < booleans < numbers < strings <
 *   arrays and objects; strings by the bytes of their UTF-8 (code point
 *   order). Ties, and a view without a sort, go by key: keys written as
 *   integers (`"12"`, `"-3"`) by value and before all other keys, which
 *   go by byte order;
 * - a window ([property@Syncobj.View:offset], [property@Syncobj.View:limit])
 *   for paging; [property@Syncobj.View:n-matched] counts the records
 *   that pass the filter, inside the window or not.
 *
 * ```c
 * g_autoptr(SyncobjCondition) open =
 *   syncobj_condition_new_from_json ("{\"member\": \"done\", \"op\": \"=\", \"value\": false}", NULL);
 * const char *order_by[] = { "-created", "title", NULL };
 * g_autoptr(SyncobjView) view = syncobj_view_new (G_LIST_MODEL (todos), open, order_by);
 * ```
 *
 * or, from any language, a JSON description
 * ([ctor@Syncobj.View.new_from_json], [method@Syncobj.Collection.view_json]):
 *
 * ```json
 * {"where": {"and": [{"member": "n", "op": "<", "value": 10},
 *                    {"member": "owner.name", "op": "icontains", "value": "ann"}]},
 *  "order_by": ["-created", "title"], "offset": 0, "limit": 50, "pending": "exclude"}
 * ```
 *
 * Python takes keywords: `todos.view(where=…, order_by=["-created", "title"],
 * limit=50)`, `where` being a condition in the JSON form as a dict, or a
 * function of the record.
 *
 * ## Maintenance
 *
 * A view listens to its source's [signal@Gio.ListModel::items-changed]
 * (and, with a pending filter, to each record's `notify::pending`) and
 * moves only the records that changed, in O(log n) each. Like the
 * collection it announces a record changed in place as one removed and
 * one added at its position, and changes to neighbouring positions as one
 * range. A rollback puts a record back where its old value sorts.
 *
 * A view holds its source and a reference on each of its records; the
 * source does not hold the view, which goes away with its last reference.
 * Changing the filter, sort or window re-evaluates the whole view and
 * announces one change of the whole window.
 */
static void syncobj_view_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SyncobjView, syncobj_view, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, syncobj_view_list_model_init))

enum {
  PROP_0,
  PROP_SOURCE,
  PROP_WHERE,
  PROP_ORDER_BY,
  PROP_PENDING_FILTER,
  PROP_OFFSET,
  PROP_LIMIT,
  PROP_N_ITEMS,
  PROP_N_MATCHED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

void
_syncobj_view_notify_n_items (SyncobjView *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

void
_syncobj_view_notify_n_matched (SyncobjView *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_MATCHED]);
}

/* ---- GListModel -------------------------------------------------------------- */

static GType
syncobj_view_get_item_type (GListModel *model)
{
  return SYNCOBJ_TYPE_RECORD;
}

static guint
syncobj_view_get_n_items (GListModel *model)
{
  SyncobjView *self = SYNCOBJ_VIEW (model);

  return _syncobj_view_window_length (self, _syncobj_view_seq_get_length (self->sorted));
}

static gpointer
syncobj_view_get_item (GListModel *model,
                       guint       position)
{
  SyncobjView *self = SYNCOBJ_VIEW (model);
  SyncobjViewSeqIter *iter;
  SyncobjViewEntry *entry;

  if (position >= syncobj_view_get_n_items (model))
    return NULL;

  /* List widgets ask in order: one step from the last item instead of a
   * walk from the root. */
  if (self->cache_iter != NULL && position == self->cache_pos + 1)
    iter = _syncobj_view_seq_iter_next (self->cache_iter);
  else if (self->cache_iter != NULL && position == self->cache_pos)
    iter = self->cache_iter;
  else
    iter = _syncobj_view_seq_get_iter_at_pos (self->sorted, self->offset + position);

  self->cache_iter = iter;
  self->cache_pos = position;
  entry = _syncobj_view_seq_get (iter);
  if (entry->record != NULL)
    return g_object_ref (entry->record);
  return syncobj_collection_lookup (self->collection, entry->key);
}

static void
syncobj_view_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = syncobj_view_get_item_type;
  iface->get_n_items = syncobj_view_get_n_items;
  iface->get_item = syncobj_view_get_item;
}

/* ---- GObject ------------------------------------------------------------------ */

static void
syncobj_view_constructed (GObject *object)
{
  SyncobjView *self = SYNCOBJ_VIEW (object);

  G_OBJECT_CLASS (syncobj_view_parent_class)->constructed (object);

  g_return_if_fail (SYNCOBJ_IS_COLLECTION (self->source) || SYNCOBJ_IS_VIEW (self->source));

  self->collection = SYNCOBJ_IS_VIEW (self->source) ? SYNCOBJ_VIEW (self->source)->collection
                                                    : SYNCOBJ_COLLECTION (self->source);

  self->items_changed_id = g_signal_connect (self->source, "items-changed",
                                             G_CALLBACK (_syncobj_view_source_items_changed_cb), self);
  self->key_assigned_id = g_signal_connect (self->collection, "key-assigned",
                                            G_CALLBACK (_syncobj_view_key_assigned_cb), self);
  _syncobj_view_populate (self);
}

static void
syncobj_view_dispose (GObject *object)
{
  SyncobjView *self = SYNCOBJ_VIEW (object);

  if (self->source != NULL)
    {
      g_clear_signal_handler (&self->items_changed_id, self->source);
      g_clear_signal_handler (&self->key_assigned_id, self->collection);
    }
  _syncobj_view_clear_entries (self);
  g_clear_object (&self->source);
  if (self->filter_destroy != NULL)
    self->filter_destroy (self->filter_data);
  self->filter_func = NULL;
  self->filter_destroy = NULL;
  self->filter_data = NULL;

  G_OBJECT_CLASS (syncobj_view_parent_class)->dispose (object);
}

static void
syncobj_view_finalize (GObject *object)
{
  SyncobjView *self = SYNCOBJ_VIEW (object);

  _syncobj_view_seq_free (self->sorted);
  _syncobj_view_seq_free (self->mirror);
  g_clear_pointer (&self->where, syncobj_condition_unref);
  g_clear_pointer (&self->order_by, g_strfreev);
  g_clear_pointer (&self->sort, g_array_unref);
  g_clear_pointer (&self->member_names, g_ptr_array_unref);

  G_OBJECT_CLASS (syncobj_view_parent_class)->finalize (object);
}

static void
syncobj_view_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  SyncobjView *self = SYNCOBJ_VIEW (object);

  switch (prop_id)
    {
    case PROP_SOURCE:
      g_value_set_object (value, self->source);
      break;
    case PROP_WHERE:
      g_value_set_boxed (value, self->where);
      break;
    case PROP_ORDER_BY:
      g_value_set_boxed (value, self->order_by);
      break;
    case PROP_PENDING_FILTER:
      g_value_set_enum (value, self->pending);
      break;
    case PROP_OFFSET:
      g_value_set_uint (value, self->offset);
      break;
    case PROP_LIMIT:
      g_value_set_uint (value, self->limit);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, g_list_model_get_n_items (G_LIST_MODEL (self)));
      break;
    case PROP_N_MATCHED:
      g_value_set_uint (value, syncobj_view_get_n_matched (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_view_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  SyncobjView *self = SYNCOBJ_VIEW (object);

  switch (prop_id)
    {
    case PROP_SOURCE:
      self->source = g_value_dup_object (value);
      break;
    case PROP_WHERE:
      syncobj_view_set_where (self, g_value_get_boxed (value));
      break;
    case PROP_ORDER_BY:
      {
        g_autoptr(GError) error = NULL;

        if (!syncobj_view_set_order_by (self, g_value_get_boxed (value), &error))
          g_critical ("SyncobjView:order-by: %s", error->message);
      }
      break;
    case PROP_PENDING_FILTER:
      syncobj_view_set_pending_filter (self, g_value_get_enum (value));
      break;
    case PROP_OFFSET:
      syncobj_view_set_offset (self, g_value_get_uint (value));
      break;
    case PROP_LIMIT:
      syncobj_view_set_limit (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_view_class_init (SyncobjViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _syncobj_ensure_i18n ();

  object_class->constructed = syncobj_view_constructed;
  object_class->dispose = syncobj_view_dispose;
  object_class->finalize = syncobj_view_finalize;
  object_class->get_property = syncobj_view_get_property;
  object_class->set_property = syncobj_view_set_property;

  /**
   * SyncobjView:source:
   *
   * The list the view shows records of: a [class@Syncobj.Collection] or
   * another [class@Syncobj.View]. The view holds it.
   */
  properties[PROP_SOURCE] =
    g_param_spec_object ("source", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjView:where: (getter get_where) (setter set_where)
   *
   * The condition a record's value must meet, or %NULL for none.
   */
  properties[PROP_WHERE] =
    g_param_spec_boxed ("where", NULL, NULL, SYNCOBJ_TYPE_CONDITION,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjView:order-by: (getter get_order_by) (setter set_order_by)
   *
   * The sort: member paths, each prefixed with `-` for a descending
   * order; %NULL or empty to sort by key alone. An invalid path set
   * through the property (`view.order_by = […]` in a binding) is a
   * programming error, logged as a critical, and leaves the sort as it
   * was; [method@Syncobj.View.set_order_by] reports it as an error.
   */
  properties[PROP_ORDER_BY] =
    g_param_spec_boxed ("order-by", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjView:pending-filter: (getter get_pending_filter) (setter set_pending_filter)
   *
   * Whether the view shows pending records, synced ones, or both.
   */
  properties[PROP_PENDING_FILTER] =
    g_param_spec_enum ("pending-filter", NULL, NULL, SYNCOBJ_TYPE_PENDING_FILTER,
                       SYNCOBJ_PENDING_FILTER_ALL,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjView:offset: (getter get_offset) (setter set_offset)
   *
   * How many matching records, in the view's order, come before the first
   * one shown.
   */
  properties[PROP_OFFSET] =
    g_param_spec_uint ("offset", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjView:limit: (getter get_limit) (setter set_limit)
   *
   * How many records the view shows at most; %G_MAXUINT (the default)
   * for no limit.
   */
  properties[PROP_LIMIT] =
    g_param_spec_uint ("limit", NULL, NULL, 0, G_MAXUINT, G_MAXUINT,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjView:n-items:
   *
   * The number of records shown, as g_list_model_get_n_items() gives.
   */
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjView:n-matched: (getter get_n_matched)
   *
   * The number of records that pass the filter, inside the window or not.
   */
  properties[PROP_N_MATCHED] =
    g_param_spec_uint ("n-matched", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
syncobj_view_init (SyncobjView *self)
{
  self->limit = G_MAXUINT;
  self->mirror = _syncobj_view_seq_new ();
  self->sorted = _syncobj_view_seq_new ();
  self->sort = _syncobj_sort_members_parse (NULL, NULL);
}

/* ---- public API ------------------------------------------------------------------ */

gboolean
_syncobj_view_source_check (GListModel  *source,
                            GError     **error)
{
  if (SYNCOBJ_IS_COLLECTION (source) || SYNCOBJ_IS_VIEW (source))
    return TRUE;
  g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_VIEW,
               _("A view or a join shows a collection or a view, not a %s"),
               G_OBJECT_TYPE_NAME (source));
  return FALSE;
}

/**
 * syncobj_view_new:
 * @source: a [class@Syncobj.Collection], or another [class@Syncobj.View]
 * @where: (nullable): the condition records must meet
 * @order_by: (nullable) (array zero-terminated=1): member paths to sort by,
 *   each prefixed with `-` for a descending order
 *
 * Makes a view of @source and fills it. Another list model as @source
 * (a `GtkFilterListModel`, a [class@Syncobj.Join]) and invalid sort
 * members are programming errors; use [ctor@Syncobj.View.new_from_json]
 * for outside input, which fails with %SYNCOBJ_ERROR_INVALID_VIEW.
 *
 * Returns: (transfer full): a new view
 */
SyncobjView *
syncobj_view_new (GListModel         *source,
                  SyncobjCondition   *where,
                  const char * const *order_by)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (source) || SYNCOBJ_IS_VIEW (source), NULL);

  return g_object_new (SYNCOBJ_TYPE_VIEW,
                       "source", source,
                       "where", where,
                       "order-by", order_by,
                       NULL);
}

/**
 * syncobj_view_new_from_json:
 * @source: a [class@Syncobj.Collection], or another [class@Syncobj.View]
 * @json: a view description
 * @error: return location for a #GError
 *
 * Makes a view of @source from its JSON description:
 *
 * ```
 * {"where": COND, "order_by": ["title", "-created"], "offset": 0, "limit": 50,
 *  "pending": "only" | "exclude"}
 * ```
 *
 * every member optional, COND as [ctor@Syncobj.Condition.new_from_json]
 * takes it.
 *
 * Returns: (transfer full): a new view, or %NULL with
 *   %SYNCOBJ_ERROR_INVALID_VIEW naming the member, operator or value type
 *   at fault, or the type of @source when it is another list model (a
 *   `GtkFilterListModel`, a [class@Syncobj.Join])
 */
SyncobjView *
syncobj_view_new_from_json (GListModel  *source,
                            const char  *json,
                            GError     **error)
{
  SyncobjViewQuery query;
  SyncobjView *self;

  g_return_val_if_fail (G_IS_LIST_MODEL (source), NULL);
  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!_syncobj_view_source_check (source, error) ||
      !_syncobj_view_query_parse (json, -1, &query, error))
    return NULL;

  self = g_object_new (SYNCOBJ_TYPE_VIEW,
                       "source", source,
                       "where", query.where,
                       "order-by", query.order_by,
                       "pending-filter", query.pending,
                       "offset", query.offset,
                       "limit", query.limit,
                       NULL);
  _syncobj_view_query_clear (&query);
  return self;
}

/**
 * syncobj_collection_view_json:
 * @collection: a collection
 * @json: a view description
 * @error: return location for a #GError
 *
 * Makes a view of @collection from its JSON description; see
 * [ctor@Syncobj.View.new_from_json].
 *
 * Returns: (transfer full): a new view, or %NULL with
 *   %SYNCOBJ_ERROR_INVALID_VIEW
 */
SyncobjView *
syncobj_collection_view_json (SyncobjCollection  *collection,
                              const char         *json,
                              GError            **error)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (collection), NULL);

  return syncobj_view_new_from_json (G_LIST_MODEL (collection), json, error);
}

/**
 * syncobj_collection_view_changed:
 * @collection: a collection
 *
 * Makes a live view of the records of @collection that have changes not
 * saved yet ([property@Syncobj.Record:pending]), in the collection's
 * order: what a "changes waiting" panel lists. A record leaves it when
 * its last change is saved or rolled back; one that a pending change
 * deletes is not shown, as in the collection. The same as a view with
 * [property@Syncobj.View:pending-filter] %SYNCOBJ_PENDING_FILTER_ONLY.
 *
 * A [class@Syncobj.PersistJob] describes the changes of one transaction
 * ([method@Syncobj.PersistJob.get_changes_json]); this view shows the
 * records they touch.
 *
 * Returns: (transfer full): a new view
 *
 * Since: 0.2
 */
SyncobjView *
syncobj_collection_view_changed (SyncobjCollection *collection)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (collection), NULL);

  return g_object_new (SYNCOBJ_TYPE_VIEW,
                       "source", collection,
                       "pending-filter", SYNCOBJ_PENDING_FILTER_ONLY,
                       NULL);
}

/**
 * syncobj_view_get_source:
 * @self: a view
 *
 * Gets the list @self shows records of.
 *
 * Returns: (transfer none): the source
 */
GListModel *
syncobj_view_get_source (SyncobjView *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_VIEW (self), NULL);
  return self->source;
}

/**
 * syncobj_view_get_where:
 * @self: a view
 *
 * Gets the condition records must meet.
 *
 * Returns: (transfer none) (nullable): the condition
 */
SyncobjCondition *
syncobj_view_get_where (SyncobjView *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_VIEW (self), NULL);
  return self->where;
}

/**
 * syncobj_view_set_where:
 * @self: a view
 * @where: (nullable): a condition, or %NULL for none
 *
 * Sets the condition records must meet, and filters every record again.
 */
void
syncobj_view_set_where (SyncobjView      *self,
                        SyncobjCondition *where)
{
  g_return_if_fail (SYNCOBJ_IS_VIEW (self));

  if (where == self->where)
    return;
  if (where != NULL)
    syncobj_condition_ref (where);
  g_clear_pointer (&self->where, syncobj_condition_unref);
  self->where = where;
  _syncobj_view_refilter_all (self, TRUE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WHERE]);
}

/**
 * syncobj_view_get_order_by:
 * @self: a view
 *
 * Gets the sort members, as set.
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): the sort
 */
const char * const *
syncobj_view_get_order_by (SyncobjView *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_VIEW (self), NULL);
  return (const char * const *) self->order_by;
}

/**
 * syncobj_view_set_order_by:
 * @self: a view
 * @order_by: (nullable) (array zero-terminated=1): member paths, each
 *   prefixed with `-` for a descending order
 * @error: return location for a #GError
 *
 * Sets the sort and sorts the view again.
 *
 * Returns: %TRUE, or %FALSE with %SYNCOBJ_ERROR_INVALID_VIEW (the view
 *   unchanged) when a member is not a path
 */
gboolean
syncobj_view_set_order_by (SyncobjView         *self,
                           const char * const  *order_by,
                           GError             **error)
{
  g_autoptr(GArray) sort = NULL;

  g_return_val_if_fail (SYNCOBJ_IS_VIEW (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  sort = _syncobj_sort_members_parse (order_by, error);
  if (sort == NULL)
    return FALSE;

  g_clear_pointer (&self->sort, g_array_unref);
  self->sort = g_steal_pointer (&sort);
  g_clear_pointer (&self->order_by, g_strfreev);
  self->order_by = order_by != NULL ? g_strdupv ((char **) order_by) : NULL;
  _syncobj_view_refilter_all (self, TRUE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ORDER_BY]);
  return TRUE;
}

/**
 * syncobj_view_set_filter_func:
 * @self: a view
 * @func: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   a filter, or %NULL for none
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Sets a filter function that records must pass besides
 * [property@Syncobj.View:where], and filters every record again.
 */
void
syncobj_view_set_filter_func (SyncobjView           *self,
                              SyncobjViewFilterFunc  func,
                              gpointer               user_data,
                              GDestroyNotify         destroy)
{
  GDestroyNotify old_destroy;
  gpointer old_data;

  g_return_if_fail (SYNCOBJ_IS_VIEW (self));

  old_destroy = self->filter_destroy;
  old_data = self->filter_data;
  self->filter_func = func;
  self->filter_data = user_data;
  self->filter_destroy = destroy;
  if (old_destroy != NULL)
    old_destroy (old_data);
  _syncobj_view_update_holds (self);
  _syncobj_view_refilter_all (self, FALSE);
}

/**
 * syncobj_view_refilter:
 * @self: a view
 *
 * Filters and sorts every record again, for a filter function whose
 * answer changed for a reason other than the records' values.
 */
void
syncobj_view_refilter (SyncobjView *self)
{
  g_return_if_fail (SYNCOBJ_IS_VIEW (self));
  _syncobj_view_refilter_all (self, FALSE);
}

/**
 * syncobj_view_get_offset:
 * @self: a view
 *
 * Gets how many matching records come before the first one shown.
 *
 * Returns: the offset
 */
guint
syncobj_view_get_offset (SyncobjView *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_VIEW (self), 0);
  return self->offset;
}

static void
view_set_window (SyncobjView *self,
                 guint        offset,
                 guint        limit)
{
  guint n = _syncobj_view_seq_get_length (self->sorted);
  guint before = _syncobj_view_window_length (self, n);
  guint after;

  self->offset = offset;
  self->limit = limit;
  after = _syncobj_view_window_length (self, n);
  self->cache_iter = NULL;
  _syncobj_view_emit (self, 0, before, after);
  if (before == after && before > 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/**
 * syncobj_view_set_offset:
 * @self: a view
 * @offset: how many matching records to skip
 *
 * Moves the window of the view.
 */
void
syncobj_view_set_offset (SyncobjView *self,
                         guint        offset)
{
  g_return_if_fail (SYNCOBJ_IS_VIEW (self));

  if (offset == self->offset)
    return;
  view_set_window (self, offset, self->limit);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OFFSET]);
}

/**
 * syncobj_view_get_limit:
 * @self: a view
 *
 * Gets how many records the view shows at most.
 *
 * Returns: the limit, %G_MAXUINT for none
 */
guint
syncobj_view_get_limit (SyncobjView *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_VIEW (self), G_MAXUINT);
  return self->limit;
}

/**
 * syncobj_view_set_limit:
 * @self: a view
 * @limit: how many records to show at most, %G_MAXUINT for no limit
 *
 * Resizes the window of the view.
 */
void
syncobj_view_set_limit (SyncobjView *self,
                        guint        limit)
{
  g_return_if_fail (SYNCOBJ_IS_VIEW (self));

  if (limit == self->limit)
    return;
  view_set_window (self, self->offset, limit);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIMIT]);
}

/**
 * syncobj_view_get_pending_filter:
 * @self: a view
 *
 * Gets which records the view shows by their pending state.
 *
 * Returns: the pending filter
 */
SyncobjPendingFilter
syncobj_view_get_pending_filter (SyncobjView *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_VIEW (self), SYNCOBJ_PENDING_FILTER_ALL);
  return self->pending;
}

/**
 * syncobj_view_set_pending_filter:
 * @self: a view
 * @filter: which records to show by their pending state
 *
 * Sets the pending filter, and filters every record again. With a filter
 * other than %SYNCOBJ_PENDING_FILTER_ALL the view watches each record's
 * [property@Syncobj.Record:pending].
 */
void
syncobj_view_set_pending_filter (SyncobjView          *self,
                                 SyncobjPendingFilter  filter)
{
  g_return_if_fail (SYNCOBJ_IS_VIEW (self));
  g_return_if_fail ((guint) filter <= SYNCOBJ_PENDING_FILTER_EXCLUDE);

  if (filter == self->pending)
    return;
  self->pending = filter;
  _syncobj_view_update_holds (self);
  _syncobj_view_refilter_all (self, FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING_FILTER]);
}

/**
 * syncobj_view_get_n_matched:
 * @self: a view
 *
 * Counts the records that pass the filter, inside the window or not.
 *
 * Returns: the number of matching records
 */
guint
syncobj_view_get_n_matched (SyncobjView *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_VIEW (self), 0);
  return _syncobj_view_seq_get_length (self->sorted);
}
