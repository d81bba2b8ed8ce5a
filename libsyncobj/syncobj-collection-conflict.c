/* syncobj-collection-conflict.c: what a collection does when the server
 * refuses a change because its record changed meanwhile
 *
 * A mutator reports a conflict on one key with the server's current record
 * ([method@Syncobj.PersistJob.conflict]). The record becomes the synced
 * state of the key, ::conflict is emitted, and the collection's
 * conflict-policy decides what the pending mutation becomes: rebased on
 * the server's record, replaced by the local value or the conflict
 * function's, or given up.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-collection-fields-private.h"
#include "syncobj-json-util-private.h"

static guint conflict_signal;

void
_syncobj_collection_conflict_class_init (GObjectClass  *object_class,
                                         GParamSpec   **properties)
{
  /**
   * SyncobjCollection:version-member:
   *
   * The member of a record that holds its version on the server (for
   * example `"version"`, `"_rev"` or `"updated_at"`), or %NULL (the
   * default). A mutator sends it as the precondition of updates and
   * deletes (the HTTP mutator as `If-Match`), so that the server refuses a
   * change made to a version that is not its current one: a conflict,
   * which [property@Syncobj.Collection:conflict-policy] resolves. While it
   * is %NULL, the HTTP mutator uses the server's ETags when it gave some.
   */
  properties[PROP_VERSION_MEMBER] =
    g_param_spec_string ("version-member", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCollection:conflict-policy:
   *
   * What happens to a pending change that the server refused because its
   * record changed meanwhile (HTTP 409 or 412). The server's current
   * record becomes the synced state of the key in any case, then
   * [signal@Syncobj.Collection::conflict] is emitted, then the policy
   * applies:
   *
   * - %SYNCOBJ_CONFLICT_POLICY_REBASE (the default): the members the change
   *   set are applied again on top of the server's record, which is sent
   *   again. An update of a record deleted on the server inserts it again;
   *   a delete of a record deleted already is done.
   * - %SYNCOBJ_CONFLICT_POLICY_SERVER_WINS: the transaction fails with
   *   %SYNCOBJ_ERROR_CONFLICT and the record shows the server's value.
   * - %SYNCOBJ_CONFLICT_POLICY_CLIENT_WINS: the whole local value is sent
   *   again over the server's current version.
   * - %SYNCOBJ_CONFLICT_POLICY_CUSTOM: the function given to
   *   [method@Syncobj.Collection.set_conflict_func] returns the value to
   *   send, or %NULL to give the change up as the server wins.
   *
   * Each resolution is an attempt of the transaction whose error is a
   * %SYNCOBJ_ERROR_CONFLICT; it does not count against
   * [property@Syncobj.RetryPolicy:max-attempts] and the next attempt
   * starts at once. After ten conflicts in a row the transaction fails
   * with %SYNCOBJ_ERROR_CONFLICT.
   */
  properties[PROP_CONFLICT_POLICY] =
    g_param_spec_enum ("conflict-policy", NULL, NULL,
                       SYNCOBJ_TYPE_CONFLICT_POLICY, SYNCOBJ_CONFLICT_POLICY_REBASE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCollection::conflict:
   * @self: the collection
   * @key: the key of the record
   * @local: (nullable): the value the pending change gave the record, or
   *   %NULL for a delete
   * @server: (nullable): the server's current record, or %NULL when the
   *   server deleted it
   *
   * Emitted when the server refused a change to @key because its record
   * changed meanwhile, after @server became the synced state of @key and
   * before [property@Syncobj.Collection:conflict-policy] applies. An
   * application can tell the user, or log it.
   */
  conflict_signal =
    g_signal_new ("conflict", G_TYPE_FROM_CLASS (object_class), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, JSON_TYPE_OBJECT, JSON_TYPE_OBJECT);
}

void
_syncobj_collection_conflict_clear (SyncobjCollection *self)
{
  GDestroyNotify destroy = self->conflict_destroy;
  gpointer data = self->conflict_data;

  self->conflict_func = NULL;
  self->conflict_data = NULL;
  self->conflict_destroy = NULL;
  if (destroy != NULL)
    destroy (data);
}

/**
 * syncobj_collection_get_version_member:
 * @self: a collection
 *
 * Gets the member that holds the version of a record on the server.
 *
 * Returns: (nullable): the version member, or %NULL
 */
const char *
syncobj_collection_get_version_member (SyncobjCollection *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);

  return self->version_member;
}

/**
 * syncobj_collection_set_version_member:
 * @self: a collection
 * @member: (nullable): the member that holds the version of a record on
 *   the server, or %NULL
 *
 * Sets [property@Syncobj.Collection:version-member].
 */
void
syncobj_collection_set_version_member (SyncobjCollection *self,
                                       const char        *member)
{
  g_return_if_fail (SYNCOBJ_IS_COLLECTION (self));
  g_return_if_fail (member == NULL || *member != '\0');
  SYNCOBJ_RETURN_IF_NOT_OWNER (self->owner);

  if (g_strcmp0 (self->version_member, member) == 0)
    return;
  g_free (self->version_member);
  self->version_member = g_strdup (member);
  _syncobj_collection_notify (self, PROP_VERSION_MEMBER);
}

/**
 * syncobj_collection_get_conflict_policy:
 * @self: a collection
 *
 * Gets what happens to a change that conflicts with the server's record.
 *
 * Returns: the conflict policy
 */
SyncobjConflictPolicy
syncobj_collection_get_conflict_policy (SyncobjCollection *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), SYNCOBJ_CONFLICT_POLICY_REBASE);

  return self->conflict_policy;
}

/**
 * syncobj_collection_set_conflict_policy:
 * @self: a collection
 * @policy: the conflict policy
 *
 * Sets [property@Syncobj.Collection:conflict-policy].
 */
void
syncobj_collection_set_conflict_policy (SyncobjCollection     *self,
                                        SyncobjConflictPolicy  policy)
{
  g_return_if_fail (SYNCOBJ_IS_COLLECTION (self));
  g_return_if_fail (policy <= SYNCOBJ_CONFLICT_POLICY_CUSTOM);
  SYNCOBJ_RETURN_IF_NOT_OWNER (self->owner);

  if (self->conflict_policy == policy)
    return;
  self->conflict_policy = policy;
  _syncobj_collection_notify (self, PROP_CONFLICT_POLICY);
}

/**
 * syncobj_collection_set_conflict_func:
 * @self: a collection
 * @func: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   the conflict function, or %NULL
 * @user_data: closure data
 * @destroy: (nullable): frees @user_data
 *
 * Sets the function that resolves conflicts, and with a function sets
 * [property@Syncobj.Collection:conflict-policy] to
 * %SYNCOBJ_CONFLICT_POLICY_CUSTOM. Unsetting the function of a collection
 * whose policy is custom sets it back to %SYNCOBJ_CONFLICT_POLICY_REBASE.
 */
void
syncobj_collection_set_conflict_func (SyncobjCollection   *self,
                                      SyncobjConflictFunc  func,
                                      gpointer             user_data,
                                      GDestroyNotify       destroy)
{
  g_return_if_fail (SYNCOBJ_IS_COLLECTION (self));
  SYNCOBJ_RETURN_IF_NOT_OWNER (self->owner);

  _syncobj_collection_conflict_clear (self);
  self->conflict_func = func;
  self->conflict_data = user_data;
  self->conflict_destroy = destroy;

  if (func != NULL)
    syncobj_collection_set_conflict_policy (self, SYNCOBJ_CONFLICT_POLICY_CUSTOM);
  else if (self->conflict_policy == SYNCOBJ_CONFLICT_POLICY_CUSTOM)
    syncobj_collection_set_conflict_policy (self, SYNCOBJ_CONFLICT_POLICY_REBASE);
}

/**
 * syncobj_collection_resolve_conflict_with:
 * @self: a collection
 * @policy: %SYNCOBJ_CONFLICT_POLICY_REBASE,
 *   %SYNCOBJ_CONFLICT_POLICY_SERVER_WINS or
 *   %SYNCOBJ_CONFLICT_POLICY_CLIENT_WINS
 *
 * Called from a [callback@Syncobj.ConflictFunc]: resolves the conflict
 * it is resolving as @policy does, whatever the function returns. A
 * function can so leave the cases it has no answer for to a built-in
 * policy: a rebase, which also resends a delete, is what no returned
 * value can express.
 *
 * The Python and JavaScript bindings call it with
 * %SYNCOBJ_CONFLICT_POLICY_REBASE when a conflict function written in
 * those languages raises, so that the user's change is not given up.
 *
 * Called at any other time, it logs a critical and does nothing.
 */
void
syncobj_collection_resolve_conflict_with (SyncobjCollection     *self,
                                          SyncobjConflictPolicy  policy)
{
  g_return_if_fail (SYNCOBJ_IS_COLLECTION (self));
  g_return_if_fail (policy == SYNCOBJ_CONFLICT_POLICY_REBASE ||
                    policy == SYNCOBJ_CONFLICT_POLICY_SERVER_WINS ||
                    policy == SYNCOBJ_CONFLICT_POLICY_CLIENT_WINS);
  SYNCOBJ_RETURN_IF_NOT_OWNER (self->owner);
  g_return_if_fail (self->conflict_resolving);

  self->conflict_resolve_with = policy;
}

/* ---- resolving ------------------------------------------------------------- */

static void
mutation_take (SyncobjPendingMutation *mutation,
               SyncobjMutationType     type,
               JsonObject             *original,
               JsonObject             *modified,
               JsonObject             *changes,
               gboolean                replaces)
{
  _syncobj_pending_mutation_set_values (mutation, type, original, modified, changes,
                                        _syncobj_scheduler_now (_syncobj_scheduler_get_default ()));
  mutation->replaces = replaces;
  mutation->merged = type == SYNCOBJ_MUTATION_TYPE_UPDATE && !replaces;
  mutation->resolved = TRUE;
}

/* @value with the key member of @mutation's record: a change restored
 * after a restart whose record was gone from the cache holds only the
 * members it set. */
static JsonObject *
with_key (SyncobjCollection      *self,
          SyncobjPendingMutation *mutation,
          JsonObject             *value)
{
  g_autoptr(JsonObject) key_only = NULL;
  SyncobjRow *row;

  if (json_object_has_member (value, self->key_member))
    return json_object_ref (value);
  row = _syncobj_overlay_find (self->overlay, mutation->key);
  key_only = json_object_new ();
  _syncobj_json_set_key (key_only, self->key_member, mutation->key, row != NULL && row->int_key);
  return _syncobj_json_merge (value, key_only);
}

/* The members the change set, applied again on the server's record. */
static SyncobjConflictOutcome
conflict_rebase (SyncobjCollection      *self,
                 SyncobjPendingMutation *mutation,
                 JsonObject             *current)
{
  g_autoptr(JsonObject) modified = NULL;
  g_autoptr(JsonObject) changes = NULL;

  if (mutation->type == SYNCOBJ_MUTATION_TYPE_DELETE)
    {
      if (current == NULL)
        return SYNCOBJ_CONFLICT_OUTCOME_DONE;
      mutation_take (mutation, SYNCOBJ_MUTATION_TYPE_DELETE, current, NULL, mutation->changes, FALSE);
      return SYNCOBJ_CONFLICT_OUTCOME_RESEND;
    }

  if (current == NULL)
    {
      /* Deleted on the server: what the user sees is inserted again, under
       * its key. */
      g_autoptr(JsonObject) value =
        with_key (self, mutation, mutation->modified != NULL ? mutation->modified : mutation->changes);

      mutation_take (mutation, SYNCOBJ_MUTATION_TYPE_INSERT, NULL, value, value, FALSE);
      return SYNCOBJ_CONFLICT_OUTCOME_RESEND;
    }

  if (mutation->replaces)
    {
      mutation_take (mutation, SYNCOBJ_MUTATION_TYPE_UPDATE, current, mutation->changes,
                     mutation->changes, TRUE);
      return SYNCOBJ_CONFLICT_OUTCOME_RESEND;
    }

  changes = json_object_ref (mutation->changes);
  modified = _syncobj_json_merge (current, changes);
  mutation_take (mutation, SYNCOBJ_MUTATION_TYPE_UPDATE, current, modified, changes, FALSE);
  return SYNCOBJ_CONFLICT_OUTCOME_RESEND;
}

/* @value (or, for NULL, the delete) replaces the server's record, over
 * its current version. */
static SyncobjConflictOutcome
conflict_replace (SyncobjCollection      *self,
                  SyncobjPendingMutation *mutation,
                  JsonObject             *current,
                  JsonObject             *value)
{
  g_autoptr(JsonObject) sent = NULL;
  g_autoptr(JsonObject) over = NULL;

  if (value == NULL)
    {
      if (current == NULL)
        return SYNCOBJ_CONFLICT_OUTCOME_DONE;
      mutation_take (mutation, SYNCOBJ_MUTATION_TYPE_DELETE, current, NULL, mutation->changes, FALSE);
      return SYNCOBJ_CONFLICT_OUTCOME_RESEND;
    }

  /* The current version, and the key, whatever the value says. */
  over = json_object_new ();
  if (current != NULL && self->version_member != NULL && json_object_has_member (current, self->version_member))
    json_object_set_member (over, self->version_member,
                            json_node_copy (json_object_get_member (current, self->version_member)));
  if (!json_object_has_member (value, self->key_member))
    {
      JsonObject *keyed = current != NULL ? current : mutation->modified;

      if (keyed != NULL && json_object_has_member (keyed, self->key_member))
        json_object_set_member (over, self->key_member,
                                json_node_copy (json_object_get_member (keyed, self->key_member)));
    }
  sent = _syncobj_json_merge (value, over);

  if (current == NULL)
    mutation_take (mutation, SYNCOBJ_MUTATION_TYPE_INSERT, NULL, sent, sent, FALSE);
  else
    mutation_take (mutation, SYNCOBJ_MUTATION_TYPE_UPDATE, current, sent, sent, TRUE);
  return SYNCOBJ_CONFLICT_OUTCOME_RESEND;
}

SyncobjConflictOutcome
_syncobj_collection_resolve_conflict (SyncobjCollection      *self,
                                      SyncobjPendingMutation *mutation,
                                      JsonObject             *current)
{
  g_autoptr(SyncobjCollection) keep = g_object_ref (self);
  g_autoptr(SyncobjPendingMutation) keep_mutation = g_object_ref (mutation);
  g_autoptr(JsonObject) local = NULL;
  g_autoptr(JsonObject) merged = NULL;
  SyncobjConflictOutcome outcome = SYNCOBJ_CONFLICT_OUTCOME_GIVE_UP;
  SyncobjConflictPolicy policy;

  /* The row's values built first: a write kept as text has its objects
   * from then on. */
  _syncobj_overlay_lookup (self->overlay, mutation->key);
  _syncobj_pending_mutation_ensure (mutation);
  local = mutation->modified != NULL ? json_object_ref (mutation->modified) : NULL;

  if (current != NULL)
    json_object_seal (current);
  _syncobj_overlay_take_conflict (self->overlay, mutation->key, current);
  g_signal_emit (self, conflict_signal, 0, mutation->key, local, current);

  policy = self->conflict_policy;
  if (policy == SYNCOBJ_CONFLICT_POLICY_CUSTOM && self->conflict_func != NULL)
    {
      gboolean was_resolving = self->conflict_resolving;
      SyncobjConflictPolicy was_with = self->conflict_resolve_with;

      /* syncobj_collection_resolve_conflict_with() may name a policy. */
      self->conflict_resolving = TRUE;
      self->conflict_resolve_with = SYNCOBJ_CONFLICT_POLICY_CUSTOM;
      merged = self->conflict_func (self, mutation->key, local, current, self->conflict_data);
      policy = self->conflict_resolve_with;
      self->conflict_resolving = was_resolving;
      self->conflict_resolve_with = was_with;
    }

  switch (policy)
    {
    case SYNCOBJ_CONFLICT_POLICY_REBASE:
      outcome = conflict_rebase (self, mutation, current);
      break;
    case SYNCOBJ_CONFLICT_POLICY_SERVER_WINS:
      break;
    case SYNCOBJ_CONFLICT_POLICY_CLIENT_WINS:
      outcome = conflict_replace (self, mutation, current, local);
      break;
    case SYNCOBJ_CONFLICT_POLICY_CUSTOM:
      if (merged != NULL)
        outcome = conflict_replace (self, mutation, current, merged);
      break;
    default:
      g_assert_not_reached ();
    }

  /* A change given up shows the server's record when its transaction
   * fails, at once. */
  if (outcome != SYNCOBJ_CONFLICT_OUTCOME_GIVE_UP)
    _syncobj_overlay_refresh_key (self->overlay, mutation->key);
  return outcome;
}
