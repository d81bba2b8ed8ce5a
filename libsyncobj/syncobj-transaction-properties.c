/* syncobj-transaction-properties.c: what a transaction shows
 *
 * The properties of SyncobjTransaction, their getters and its JSON
 * description: how apps, bindings and the inspector read a transaction.
 * syncobj-transaction.c changes them; this file only reads them out.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-transaction-fields-private.h"
#include "syncobj-transaction-properties-private.h"
#include "syncobj-store-private.h"

static GParamSpec *properties[N_PROPS];

void
_syncobj_transaction_notify (SyncobjTransaction        *self,
                             SyncobjTransactionProperty prop)
{
  /* A plain cast: the notify of every state change needs no type check. */
  g_object_notify_by_pspec ((GObject *) self, properties[prop]);
}

/* The attempts list model and the cancellable are made on first use: a
 * write returns sooner, and a burst of writes allocates less. Attempts are
 * kept in a plain array; the list model mirrors it once someone asks. */
static GListStore *
transaction_attempts (SyncobjTransaction *self)
{
  SyncobjTransactionExtras *extras;

  _syncobj_transaction_realize_attempt (self);
  extras = transaction_extras (self);
  if (extras->attempts == NULL)
    {
      extras->attempts = g_list_store_new (SYNCOBJ_TYPE_ATTEMPT);
      if (extras->attempt_list != NULL)
        g_list_store_splice (extras->attempts, 0, 0, extras->attempt_list->pdata, extras->attempt_list->len);
    }
  return extras->attempts;
}

/**
 * syncobj_transaction_get_id:
 * @self: a transaction
 *
 * Gets [property@Syncobj.Transaction:id], which also makes the
 * Idempotency-Key of its requests.
 *
 * Returns: the unique id of the transaction (a UUID)
 */
const char *
syncobj_transaction_get_id (SyncobjTransaction *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);
  return transaction_id (self);
}

/**
 * syncobj_transaction_get_state:
 * @self: a transaction
 *
 * Gets [property@Syncobj.Transaction:state]; watch `notify::state` to follow
 * it.
 *
 * Returns: the state of the transaction
 */
SyncobjTransactionState
syncobj_transaction_get_state (SyncobjTransaction *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), SYNCOBJ_TRANSACTION_STATE_FAILED);
  return self->state;
}

/**
 * syncobj_transaction_get_state_name:
 * @self: a transaction
 *
 * The state as the specification spells it: `pending`, `queued`,
 * `persisting`, `persisted_awaiting_sync`, `completed` or `failed`.
 *
 * Returns: the name of the state
 */
const char *
syncobj_transaction_get_state_name (SyncobjTransaction *self)
{
  static const char *names[] = {
    "pending", "queued", "persisting", "persisted_awaiting_sync", "completed", "failed",
  };

  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);
  return names[self->state];
}

/**
 * syncobj_transaction_is_finished:
 * @self: a transaction
 *
 * Tells whether the transaction reached a final state.
 *
 * Returns: %TRUE when the transaction is `completed` or `failed`
 */
gboolean
syncobj_transaction_is_finished (SyncobjTransaction *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), TRUE);
  return state_is_final (self->state);
}

/**
 * syncobj_transaction_get_created_at:
 * @self: a transaction
 *
 * Gets [property@Syncobj.Transaction:created-at].
 *
 * Returns: (transfer none): when the transaction was created
 */
GDateTime *
syncobj_transaction_get_created_at (SyncobjTransaction *self)
{
  SyncobjTransactionExtras *extras;

  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);

  extras = transaction_extras (self);
  if (extras->created_at == NULL)
    extras->created_at = _syncobj_date_time_new (self->created_at_us);
  return extras->created_at;
}

/**
 * syncobj_transaction_get_updated_at:
 * @self: a transaction
 *
 * Gets [property@Syncobj.Transaction:updated-at], the time of its last change
 * of state, attempt or mutation.
 *
 * Returns: (transfer none): when the transaction last changed
 */
GDateTime *
syncobj_transaction_get_updated_at (SyncobjTransaction *self)
{
  SyncobjTransactionExtras *extras;

  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);

  extras = transaction_extras (self);
  if (extras->updated_at == NULL)
    extras->updated_at = _syncobj_date_time_new (self->updated_at_us);
  return extras->updated_at;
}

/**
 * syncobj_transaction_get_mutations:
 * @self: a transaction
 *
 * Gets the writes of the transaction.
 *
 * Returns: (transfer none): a list model of [class@Syncobj.PendingMutation],
 *   one per written key
 */
GListModel *
syncobj_transaction_get_mutations (SyncobjTransaction *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);
  return _syncobj_object_list_get_model (&self->mutations);
}

/**
 * syncobj_transaction_get_attempts:
 * @self: a transaction
 *
 * Gets the persist attempts of the transaction, each with its times and
 * error.
 *
 * Returns: (transfer none): a list model of [class@Syncobj.Attempt], oldest
 *   first
 */
GListModel *
syncobj_transaction_get_attempts (SyncobjTransaction *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);
  return G_LIST_MODEL (transaction_attempts (self));
}

/**
 * syncobj_transaction_get_current_attempt:
 * @self: a transaction
 *
 * Gets [property@Syncobj.Transaction:current-attempt].
 *
 * Returns: the number of the latest persist attempt, 0 before the first
 */
guint
syncobj_transaction_get_current_attempt (SyncobjTransaction *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), 0);
  return self->current_attempt;
}

/**
 * syncobj_transaction_get_n_attempts:
 * @self: a transaction
 *
 * Gets [property@Syncobj.Transaction:n-attempts].
 *
 * Returns: the number of persist attempts made, kept or not
 */
guint
syncobj_transaction_get_n_attempts (SyncobjTransaction *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), 0);
  return self->current_attempt;
}

/**
 * syncobj_transaction_get_n_dropped_attempts:
 * @self: a transaction
 *
 * Gets [property@Syncobj.Transaction:n-dropped-attempts].
 *
 * Returns: the number of attempts that
 *   [property@Syncobj.Transaction:attempts] no longer lists
 */
guint
syncobj_transaction_get_n_dropped_attempts (SyncobjTransaction *self)
{
  GPtrArray *attempt_list;
  guint kept;

  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), 0);
  attempt_list = transaction_peek_extras (self)->attempt_list;
  kept = (attempt_list != NULL ? attempt_list->len : 0) + self->lazy_attempt;
  return self->current_attempt > kept ? self->current_attempt - kept : 0;
}

/**
 * syncobj_transaction_get_waiting_for_collection:
 * @self: a transaction
 *
 * Gets [property@Syncobj.Transaction:waiting-for-collection]: why a
 * transaction restored after a restart has not resumed yet.
 *
 * Returns: (nullable): the id of a collection the transaction writes to
 *   that is not open yet, or %NULL
 */
const char *
syncobj_transaction_get_waiting_for_collection (SyncobjTransaction *self)
{
  GPtrArray *parked;

  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);

  parked = transaction_peek_extras (self)->parked;
  if (parked == NULL || parked->len == 0)
    return NULL;
  return ((SyncobjStoredMutation *) g_ptr_array_index (parked, 0))->collection_id;
}

void
_syncobj_transaction_set_queued_behind (SyncobjTransaction *self,
                                        const char         *id)
{
  SyncobjTransactionExtras *extras = transaction_get_extras (self);

  if (self->queued_behind_blocker == NULL && g_strcmp0 (extras != NULL ? extras->queued_behind : NULL, id) == 0)
    return;

  g_clear_object (&self->queued_behind_blocker);
  if (id != NULL || extras != NULL)
    {
      extras = transaction_extras (self);
      g_free (extras->queued_behind);
      extras->queued_behind = g_strdup (id);
    }
  _syncobj_transaction_notify (self, PROP_QUEUED_BEHIND);
}

/* Waits behind @blocker: its id, a UUID made on first use, is made only
 * when someone reads queued-behind (the store, the inspector, a handler);
 * a burst of writes to one queue makes none. */
void
_syncobj_transaction_set_queued_behind_blocker (SyncobjTransaction *self,
                                                SyncobjTransaction *blocker)
{
  SyncobjTransactionExtras *extras = transaction_get_extras (self);

  if (self->queued_behind_blocker == blocker && blocker != NULL)
    return;
  if (self->queued_behind_blocker == NULL && extras != NULL && extras->queued_behind != NULL &&
      g_strcmp0 (extras->queued_behind, g_atomic_pointer_get (&blocker->id)) == 0)
    return;

  g_set_object (&self->queued_behind_blocker, blocker);
  if (extras != NULL)
    g_clear_pointer (&extras->queued_behind, g_free);
  _syncobj_transaction_notify (self, PROP_QUEUED_BEHIND);
}

const char *
_syncobj_transaction_peek_queued_behind (SyncobjTransaction *self)
{
  if (self->queued_behind_blocker != NULL)
    {
      g_autoptr(SyncobjTransaction) blocker = g_steal_pointer (&self->queued_behind_blocker);
      SyncobjTransactionExtras *extras = transaction_extras (self);

      g_free (extras->queued_behind);
      extras->queued_behind = g_strdup (transaction_id (blocker));
    }
  return transaction_peek_extras (self)->queued_behind;
}

/**
 * syncobj_transaction_get_queued_behind:
 * @self: a transaction
 *
 * Gets [property@Syncobj.Transaction:queued-behind].
 *
 * Returns: (nullable): the id of the transaction this one waits for while
 *   `queued`
 */
const char *
syncobj_transaction_get_queued_behind (SyncobjTransaction *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);
  return _syncobj_transaction_peek_queued_behind (self);
}

/**
 * syncobj_transaction_get_error:
 * @self: a transaction
 *
 * Gets [property@Syncobj.Transaction:error]: set when the transaction failed.
 *
 * Returns: (nullable) (transfer none): why the transaction failed
 */
const GError *
syncobj_transaction_get_error (SyncobjTransaction *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);
  return transaction_peek_extras (self)->error;
}

/**
 * syncobj_transaction_get_error_transaction_id:
 * @self: a transaction
 *
 * For a dependency failure, the id of the transaction whose failure caused
 * it; for any other failure, the id of @self.
 *
 * Returns: (nullable): a transaction id, or %NULL unless failed
 */
const char *
syncobj_transaction_get_error_transaction_id (SyncobjTransaction *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);
  return transaction_peek_extras (self)->error_transaction_id;
}

/**
 * syncobj_transaction_get_collection:
 * @self: a transaction
 *
 * Gets the collection the transaction was begun on.
 *
 * Returns: (transfer none) (nullable): the collection the transaction was
 *   created on, whose mutator persists it; %NULL once it was finalized
 */
SyncobjCollection *
syncobj_transaction_get_collection (SyncobjTransaction *self)
{
  g_autoptr(SyncobjCollection) owner = NULL;

  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);

  /* Weak: the pointer stays valid while anybody else holds the collection. */
  owner = transaction_dup_owner (self);
  return owner;
}

/**
 * syncobj_transaction_get_metadata:
 * @self: a transaction
 *
 * Gets the application's data attached with
 * [method@Syncobj.Transaction.set_metadata].
 *
 * Returns: (transfer none) (nullable): application data attached to the
 *   transaction
 */
JsonObject *
syncobj_transaction_get_metadata (SyncobjTransaction *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);
  return transaction_peek_extras (self)->metadata;
}

/**
 * syncobj_transaction_set_metadata:
 * @self: a transaction
 * @metadata: (nullable): application data, stored with the transaction
 *
 * Attaches application data to the transaction; mutators may read it.
 */
void
syncobj_transaction_set_metadata (SyncobjTransaction *self,
                                  JsonObject         *metadata)
{
  SyncobjTransactionExtras *extras;

  g_return_if_fail (SYNCOBJ_IS_TRANSACTION (self));
  SYNCOBJ_RETURN_IF_NOT_OWNER (self->thread);

  if (transaction_peek_extras (self)->metadata == metadata)
    return;
  extras = transaction_extras (self);
  g_clear_pointer (&extras->metadata, json_object_unref);
  extras->metadata = metadata != NULL ? _syncobj_json_copy (metadata) : NULL;
  _syncobj_transaction_notify (self, PROP_METADATA);
  /* The store keeps metadata too. */
  _syncobj_transaction_changed (self);
}

/**
 * syncobj_transaction_to_json:
 * @self: a transaction
 *
 * Describes the transaction as JSON: id, state, dates (ISO 8601), current
 * attempt, queued-behind, error, and its mutations.
 *
 * Returns: (transfer full): compact JSON text
 */
char *
syncobj_transaction_to_json (SyncobjTransaction *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *created = NULL;
  g_autofree char *updated = NULL;
  guint n;

  g_return_val_if_fail (SYNCOBJ_IS_TRANSACTION (self), NULL);

  created = g_date_time_format_iso8601 (syncobj_transaction_get_created_at (self));
  updated = g_date_time_format_iso8601 (syncobj_transaction_get_updated_at (self));

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, transaction_id (self));
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, syncobj_transaction_get_state_name (self));
  json_builder_set_member_name (builder, "created_at");
  json_builder_add_string_value (builder, created);
  json_builder_set_member_name (builder, "updated_at");
  json_builder_add_string_value (builder, updated);
  json_builder_set_member_name (builder, "current_attempt");
  json_builder_add_int_value (builder, self->current_attempt);
  if (_syncobj_transaction_peek_queued_behind (self) != NULL)
    {
      json_builder_set_member_name (builder, "queued_behind");
      json_builder_add_string_value (builder, _syncobj_transaction_peek_queued_behind (self));
    }
  if (transaction_peek_extras (self)->error != NULL)
    {
      json_builder_set_member_name (builder, "error");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, transaction_peek_extras (self)->error->message);
      json_builder_set_member_name (builder, "transaction_id");
      json_builder_add_string_value (builder, transaction_peek_extras (self)->error_transaction_id);
      json_builder_end_object (builder);
    }
  json_builder_set_member_name (builder, "mutations");
  json_builder_begin_array (builder);
  n = _syncobj_object_list_get_length (&self->mutations);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyncobjPendingMutation) mutation = g_object_ref (_syncobj_object_list_peek (&self->mutations, i));
      g_autofree char *text = syncobj_pending_mutation_to_json (mutation);

      json_builder_add_value (builder, json_from_string (text, NULL));
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static void
syncobj_transaction_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  SyncobjTransaction *self = SYNCOBJ_TRANSACTION (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, transaction_id (self));
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_CREATED_AT:
      g_value_set_boxed (value, syncobj_transaction_get_created_at (self));
      break;
    case PROP_UPDATED_AT:
      g_value_set_boxed (value, syncobj_transaction_get_updated_at (self));
      break;
    case PROP_MUTATIONS:
      g_value_set_object (value, _syncobj_object_list_get_model (&self->mutations));
      break;
    case PROP_ATTEMPTS:
      g_value_set_object (value, transaction_attempts (self));
      break;
    case PROP_CURRENT_ATTEMPT:
    case PROP_N_ATTEMPTS:
      g_value_set_uint (value, self->current_attempt);
      break;
    case PROP_N_DROPPED_ATTEMPTS:
      g_value_set_uint (value, syncobj_transaction_get_n_dropped_attempts (self));
      break;
    case PROP_QUEUED_BEHIND:
      g_value_set_string (value, _syncobj_transaction_peek_queued_behind (self));
      break;
    case PROP_WAITING_FOR_COLLECTION:
      g_value_set_string (value, syncobj_transaction_get_waiting_for_collection (self));
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, transaction_peek_extras (self)->error);
      break;
    case PROP_ERROR_TRANSACTION_ID:
      g_value_set_string (value, transaction_peek_extras (self)->error_transaction_id);
      break;
    case PROP_COLLECTION:
      g_value_take_object (value, transaction_dup_owner (self));
      break;
    case PROP_METADATA:
      g_value_set_boxed (value, transaction_peek_extras (self)->metadata);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_transaction_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  SyncobjTransaction *self = SYNCOBJ_TRANSACTION (object);

  switch (prop_id)
    {
    case PROP_METADATA:
      syncobj_transaction_set_metadata (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

void
_syncobj_transaction_install_properties (GObjectClass *object_class)
{
  object_class->get_property = syncobj_transaction_get_property;
  object_class->set_property = syncobj_transaction_set_property;

  /**
   * SyncobjTransaction:id:
   *
   * The unique id of the transaction (a UUID).
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjTransaction:state:
   *
   * Where the transaction is in its life cycle.
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       SYNCOBJ_TYPE_TRANSACTION_STATE, SYNCOBJ_TRANSACTION_STATE_PENDING,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjTransaction:created-at:
   *
   * When the transaction was created.
   */
  properties[PROP_CREATED_AT] =
    g_param_spec_boxed ("created-at", NULL, NULL, G_TYPE_DATE_TIME,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjTransaction:updated-at:
   *
   * When the transaction last changed state or recorded an attempt.
   */
  properties[PROP_UPDATED_AT] =
    g_param_spec_boxed ("updated-at", NULL, NULL, G_TYPE_DATE_TIME,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjTransaction:mutations:
   *
   * The writes of the transaction, one [class@Syncobj.PendingMutation] per
   * written key.
   */
  properties[PROP_MUTATIONS] =
    g_param_spec_object ("mutations", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjTransaction:attempts:
   *
   * The persist attempts, as [class@Syncobj.Attempt], oldest first: every
   * one, up to 21; then the first and the last 20, so that a transaction
   * retrying for days does not grow without bound.
   * [property@Syncobj.Transaction:n-attempts] counts them all and
   * [property@Syncobj.Transaction:n-dropped-attempts] those left out.
   */
  properties[PROP_ATTEMPTS] =
    g_param_spec_object ("attempts", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjTransaction:current-attempt:
   *
   * The number of the latest attempt; 0 before the first.
   */
  properties[PROP_CURRENT_ATTEMPT] =
    g_param_spec_uint ("current-attempt", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjTransaction:queued-behind:
   *
   * While `queued`, the id of the transaction this one waits for.
   */
  /**
   * SyncobjTransaction:n-attempts:
   *
   * The number of persist attempts made, including those that
   * [property@Syncobj.Transaction:attempts] no longer lists.
   */
  properties[PROP_N_ATTEMPTS] =
    g_param_spec_uint ("n-attempts", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjTransaction:n-dropped-attempts:
   *
   * The number of attempts between the first and the last 20 that
   * [property@Syncobj.Transaction:attempts] no longer lists.
   */
  properties[PROP_N_DROPPED_ATTEMPTS] =
    g_param_spec_uint ("n-dropped-attempts", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_QUEUED_BEHIND] =
    g_param_spec_string ("queued-behind", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjTransaction:waiting-for-collection: (getter get_waiting_for_collection)
   *
   * After a restart, the id of a collection this transaction writes to
   * that is not open yet. The transaction keeps its place in its queues
   * and resumes, with all its writes, once every collection it writes to
   * is open.
   */
  properties[PROP_WAITING_FOR_COLLECTION] =
    g_param_spec_string ("waiting-for-collection", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjTransaction:error:
   *
   * Why the transaction failed, in the %SYNCOBJ_ERROR domain or the
   * mutator's own.
   */
  properties[PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjTransaction:error-transaction-id:
   *
   * The id of the transaction whose failure failed this one (itself, unless
   * it is a dependency failure).
   */
  properties[PROP_ERROR_TRANSACTION_ID] =
    g_param_spec_string ("error-transaction-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjTransaction:collection:
   *
   * The collection the transaction was created on.
   */
  properties[PROP_COLLECTION] =
    g_param_spec_object ("collection", NULL, NULL, SYNCOBJ_TYPE_COLLECTION,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjTransaction:metadata:
   *
   * Application data attached to the transaction.
   */
  properties[PROP_METADATA] =
    g_param_spec_boxed ("metadata", NULL, NULL, JSON_TYPE_OBJECT,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}
