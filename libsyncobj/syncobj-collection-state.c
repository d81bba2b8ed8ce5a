/* syncobj-collection-state.c: what a collection tells of its state, for
 * an application's indicators: ready, status (saved data or current
 * data), n-pending (changes waiting) and offline
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-collection-fields-private.h"
#include "syncobj-mutator-private.h"

/* ---- ready and status ------------------------------------------------------- */

void
_syncobj_collection_set_ready (SyncobjCollection *self,
                               gboolean           ready)
{
  gboolean status_changed = FALSE;

  if (self->ready == !!ready)
    return;

  /* Both change before either is notified: a handler of notify::ready
   * (where an application shows the collection as up to date) reads the
   * status READY too, not LOADING or CACHED. */
  self->ready = !!ready;
  if (self->ready && self->status != SYNCOBJ_COLLECTION_STATUS_READY)
    {
      self->status = SYNCOBJ_COLLECTION_STATUS_READY;
      status_changed = TRUE;
    }
  _syncobj_collection_notify (self, PROP_READY);
  if (status_changed)
    _syncobj_collection_notify (self, PROP_STATUS);
}

void
_syncobj_collection_set_status (SyncobjCollection       *self,
                                SyncobjCollectionStatus  status)
{
  if (self->status == status)
    return;

  self->status = status;
  _syncobj_collection_notify (self, PROP_STATUS);
}

void
_syncobj_collection_sync_failed (SyncobjCollection *self)
{
  if (self->status == SYNCOBJ_COLLECTION_STATUS_LOADING)
    _syncobj_collection_set_status (self, SYNCOBJ_COLLECTION_STATUS_ERROR);
}

/**
 * syncobj_collection_get_status:
 * @self: a collection
 *
 * Gets [property@Syncobj.Collection:status]: whether what the collection
 * shows is saved data or current data.
 *
 * Returns: the status
 */
SyncobjCollectionStatus
syncobj_collection_get_status (SyncobjCollection *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), SYNCOBJ_COLLECTION_STATUS_LOADING);
  return self->status;
}

/* ---- n-pending, offline, ready ---------------------------------------------- */

/**
 * syncobj_collection_get_n_pending:
 * @self: a collection
 *
 * Gets [property@Syncobj.Collection:n-pending].
 *
 * Returns: the number of transactions of @self not finished yet
 */
guint
syncobj_collection_get_n_pending (SyncobjCollection *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), 0);

  return g_queue_get_length (&self->active);
}

/**
 * syncobj_collection_get_offline:
 * @self: a collection
 *
 * Gets [property@Syncobj.Collection:offline].
 *
 * Returns: %TRUE while the server cannot be reached
 */
gboolean
syncobj_collection_get_offline (SyncobjCollection *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), FALSE);

  return self->offline;
}

/* Offline: the network is down, or a server the mutator writes to
 * cannot be reached (the HTTP probe says which). */
void
_syncobj_collection_update_offline (SyncobjCollection *self)
{
  gboolean offline = !_syncobj_scheduler_get_online (_syncobj_scheduler_get_default ()) ||
                     (self->mutator != NULL && _syncobj_mutator_is_unreachable (self->mutator));

  if (self->offline == offline)
    return;
  self->offline = offline;
  _syncobj_collection_notify (self, PROP_OFFLINE);
}

void
_syncobj_collection_watch_online (SyncobjCollection *self)
{
  SyncobjScheduler *scheduler = _syncobj_scheduler_get_default ();

  self->offline = !_syncobj_scheduler_get_online (scheduler) ||
                  (self->mutator != NULL && _syncobj_mutator_is_unreachable (self->mutator));
  g_signal_connect_object (scheduler, "notify::online", G_CALLBACK (_syncobj_collection_update_offline), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (scheduler, "reachability-changed", G_CALLBACK (_syncobj_collection_update_offline), self,
                           G_CONNECT_SWAPPED);
}

/**
 * syncobj_collection_get_ready:
 * @self: a collection
 *
 * Tells whether the collection holds the server's initial state,
 * [property@Syncobj.Collection:ready].
 *
 * Returns: %TRUE once the sync has committed its initial state and marked
 *   it ready (always %TRUE without a sync)
 */
gboolean
syncobj_collection_get_ready (SyncobjCollection *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), FALSE);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (self->owner, FALSE);
  return self->ready;
}

/* ---- properties ------------------------------------------------------------- */

void
_syncobj_collection_state_param_specs (GParamSpec **properties)
{
  /**
   * SyncobjCollection:n-pending:
   *
   * The number of transactions of the collection that are not finished
   * (neither completed nor failed), for a "3 changes waiting" indicator;
   * [property@Syncobj.Registry:n-pending] counts those of the process.
   */
  properties[PROP_N_PENDING] =
    g_param_spec_uint ("n-pending", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCollection:offline:
   *
   * Whether the server cannot be reached now: the network is down, or a
   * write of [class@Syncobj.HttpMutator] or [class@Syncobj.CouchMutator]
   * to the server the collection's mutator writes to found it unreachable
   * (connection refused, host unreachable, a name that does not resolve)
   * and no answer has come from it since. Transactions wait meanwhile,
   * spending no attempt. For an offline notice;
   * [property@Syncobj.Registry:offline] says the same for the process.
   */
  properties[PROP_OFFLINE] =
    g_param_spec_boolean ("offline", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCollection:ready:
   *
   * Whether the sync has delivered the initial state.
   */
  properties[PROP_READY] =
    g_param_spec_boolean ("ready", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCollection:status:
   *
   * Whether what the collection shows is saved data or current data.
   *
   * A collection with a [property@Syncobj.Collection:store] shows the
   * synced records cached there before its constructor returns, with the
   * restored optimistic changes on top: the status is then
   * %SYNCOBJ_COLLECTION_STATUS_CACHED until the sync has caught up
   * (%SYNCOBJ_COLLECTION_STATUS_READY, when
   * [property@Syncobj.Collection:ready] becomes %TRUE). The restored
   * optimistic changes count as saved data too: after a first run that
   * never reached its server (nothing cached), a restart that shows the
   * records of its unfinished inserts is %SYNCOBJ_COLLECTION_STATUS_CACHED
   * as well. With nothing saved to show it starts
   * %SYNCOBJ_COLLECTION_STATUS_LOADING, and becomes
   * %SYNCOBJ_COLLECTION_STATUS_ERROR if the sync reports an error before
   * anything could be shown. Once ready, it stays ready when the network
   * drops later.
   */
  properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL,
                       SYNCOBJ_TYPE_COLLECTION_STATUS, SYNCOBJ_COLLECTION_STATUS_LOADING,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

void
_syncobj_collection_get_state_property (SyncobjCollection *self,
                                        guint              prop_id,
                                        GValue            *value)
{
  switch (prop_id)
    {
    case PROP_READY:
      g_value_set_boolean (value, self->ready);
      break;
    case PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;
    case PROP_N_PENDING:
      g_value_set_uint (value, syncobj_collection_get_n_pending (self));
      break;
    case PROP_OFFLINE:
      g_value_set_boolean (value, self->offline);
      break;
    default:
      g_assert_not_reached ();
    }
}
