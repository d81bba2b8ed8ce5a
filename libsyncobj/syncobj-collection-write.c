/* syncobj-collection-write.c: a write to a collection, up to its transaction
 *
 * The public writes of SyncobjCollection (insert, update, delete, their
 * JSON forms, begin), their validation, the choice of their transaction and
 * the step into the overlay; the server's key replacing a temporary one;
 * and the transactions of the collection: the lanes they wait in, the keys
 * they lock, and what the collection does when one ends.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-collection-fields-private.h"
#include "syncobj-collection-list-private.h"
#include "syncobj-transaction-private.h"
#include "syncobj-json-util-private.h"
#include "syncobj-json-validate-private.h"
#include "syncobj-json-parser-private.h"
#include "syncobj-json-flat-private.h"
#include "syncobj-uuid-private.h"

#include <string.h>

/* ---- the write path ------------------------------------------------------- */

static SyncobjTransaction *
collection_pick_transaction (SyncobjCollection   *self,
                             SyncobjTransaction  *transaction,
                             gboolean            *auto_commit,
                             GError             **error)
{
  if (transaction == NULL)
    transaction = _syncobj_transaction_get_open ();

  *auto_commit = transaction == NULL;

  if (transaction != NULL)
    {
      if (_syncobj_transaction_is_committed (transaction) || syncobj_transaction_is_finished (transaction))
        {
          g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE,
                       _("Transaction %s is already committed; begin a new one"),
                       syncobj_transaction_get_id (transaction));
          return NULL;
        }
      return g_object_ref (transaction);
    }

  if (self->mutator == NULL)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE,
                   _("Collection “%s” has no mutator; set one before writing to it"), self->id);
      return NULL;
    }

  return _syncobj_transaction_new (self);
}

/* Whether @key can be written as @type with what is visible now: an
 * insert needs it absent (and of the key type of its row's past), an
 * update or delete needs it visible. *@found is its row, if any. */
static gboolean
collection_check_visible (SyncobjCollection    *self,
                          SyncobjMutationType   type,
                          const char           *key,
                          gboolean              key_is_int,
                          SyncobjRow          **found,
                          GError              **error)
{
  /* Whether it is visible is enough: the write builds what it needs. */
  SyncobjRow *row = *found = _syncobj_overlay_find (self->overlay, key);

  if (type == SYNCOBJ_MUTATION_TYPE_INSERT && !_syncobj_overlay_check_key_type (self->overlay, row, key_is_int, error))
    return FALSE;

  if (type == SYNCOBJ_MUTATION_TYPE_INSERT && row != NULL && _syncobj_row_is_visible (row))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_KEY_EXISTS,
                   _("Record “%s” already exists in collection “%s”"), key, self->id);
      return FALSE;
    }

  if (type != SYNCOBJ_MUTATION_TYPE_INSERT && (row == NULL || !_syncobj_row_is_visible (row)))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_KEY_NOT_FOUND,
                   _("No record “%s” in collection “%s”"), key, self->id);
      return FALSE;
    }
  return TRUE;
}

/* Whether member @member of @flat, the changes of an update of @key,
 * holds @key itself, as _syncobj_json_get_key() reads it: a non-empty
 * string for a string key, the integer for an integer key. */
static gboolean
flat_sets_key (const SyncobjJsonFlat *flat,
               guint                  member,
               const char            *key,
               gboolean               int_key)
{
  const char *value = flat->text + flat->value_starts[member];
  gsize length = flat->value_lengths[member];
  gsize key_length = strlen (key);

  if (*value == '"')
    return !int_key && length == key_length + 2 && memcmp (value + 1, key, key_length) == 0;
  if (*value == '-' || g_ascii_isdigit (*value))
    return int_key && length == key_length && memcmp (value, key, key_length) == 0;
  return FALSE;
}

static gboolean
collection_validate_write (SyncobjCollection    *self,
                           SyncobjMutationType   type,
                           const char          **key,
                           char                  key_buffer[SYNCOBJ_INT_KEY_SIZE],
                           JsonObject           *value,
                           const SyncobjJsonFlat *flat,
                           gboolean             *is_int,
                           SyncobjRow          **found,
                           GError              **error)
{
  SyncobjRow *row;
  gboolean key_is_int = FALSE;

  /* NaN, infinity, invalid UTF-8 or absurd nesting could be neither
   * stored nor sent. */
  if (value != NULL && !_syncobj_json_check_object (value, SYNCOBJ_ERROR_INVALID_RECORD, error))
    return FALSE;

  if (type == SYNCOBJ_MUTATION_TYPE_INSERT)
    {
      if (value == NULL)
        {
          g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                       _("Cannot insert into collection “%s”: the record must be a JSON object"), self->id);
          return FALSE;
        }
      if (*key == NULL || !g_str_has_prefix (*key, SYNCOBJ_TEMPORARY_KEY_PREFIX))
        {
          /* Without a temporary key, the keys are the application's: say
           * how to let a server that assigns them do so. */
          if (!json_object_has_member (value, self->key_member))
            {
              g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                           _("Cannot insert into collection “%s”: the record has no “%s” member "
                             "(when the server assigns keys, set the collection's key-source to SERVER)"),
                           self->id, self->key_member);
              return FALSE;
            }
          *key = _syncobj_json_get_key (value, self->key_member, key_buffer, &key_is_int, error);
        }
      if (*key == NULL)
        return FALSE;
      *is_int = key_is_int;
      if (!key_is_int && g_str_has_prefix (*key, SYNCOBJ_TEMPORARY_KEY_PREFIX) &&
          json_object_has_member (value, self->key_member))
        {
          g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                       _("Cannot insert into collection “%s”: keys beginning with “%s” are temporary keys"),
                       self->id, SYNCOBJ_TEMPORARY_KEY_PREFIX);
          return FALSE;
        }
    }
  else if (*key == NULL || **key == '\0')
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                   _("Cannot write to collection “%s”: the key must be a non-empty string"), self->id);
      return FALSE;
    }

  if (!collection_check_visible (self, type, *key, key_is_int, found, error))
    return FALSE;
  row = *found;

  if (type == SYNCOBJ_MUTATION_TYPE_UPDATE && value == NULL && flat != NULL)
    {
      int member = _syncobj_json_flat_find (flat, self->key_member);

      if (member >= 0 && !flat_sets_key (flat, (guint) member, *key, row->int_key))
        {
          g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                       _("An update must not change the key of record “%s” (member “%s”)"),
                       *key, self->key_member);
          return FALSE;
        }
    }
  else if (type == SYNCOBJ_MUTATION_TYPE_UPDATE)
    {
      JsonNode *key_node;

      if (value == NULL)
        {
          g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                       _("Cannot update record “%s”: the changes must be a JSON object"), *key);
          return FALSE;
        }

      key_node = json_object_get_member (value, self->key_member);
      if (key_node != NULL &&
          (g_strcmp0 (_syncobj_json_get_key (value, self->key_member, key_buffer, &key_is_int, NULL), *key) != 0 ||
           key_is_int != row->int_key))
        {
          g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                       _("An update must not change the key of record “%s” (member “%s”)"),
                       *key, self->key_member);
          return FALSE;
        }
    }

  return TRUE;
}

GThread *
_syncobj_collection_get_owner (SyncobjCollection *self)
{
  return self->owner;
}

/* Every write makes a transaction and a pending mutation that point at
 * the collection weakly: the handle is looked up once, not per write. */
SyncobjWeak *
_syncobj_collection_dup_weak (SyncobjCollection *self)
{
  SyncobjWeak *weak = g_atomic_pointer_get (&self->weak);

  if (G_UNLIKELY (weak == NULL))
    weak = _syncobj_atomic_publish ((gpointer *) &self->weak, _syncobj_weak_for (self),
                                    (GDestroyNotify) _syncobj_weak_unref);
  return _syncobj_weak_ref (weak);
}

gboolean
_syncobj_collection_check_not_merging (SyncobjCollection  *self,
                                       GError            **error)
{
  /* A merge function computes a value; a write from it would compose the
   * row again and call it again. */
  if (!_syncobj_overlay_is_merging (self->overlay))
    return TRUE;
  g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE,
               _("Collection “%s” cannot be written to by its own merge function"), self->id);
  return FALSE;
}

/* A write of @value, or for an update of the changes @flat (text), with
 * @value NULL: built only when the write cannot keep them as text. */
static SyncobjTransaction *
collection_write (SyncobjCollection     *self,
                  SyncobjTransaction    *transaction,
                  SyncobjMutationType    type,
                  const char            *key,
                  JsonObject            *value,
                  const SyncobjJsonFlat *flat,
                  GError               **error)
{
  g_autoptr(SyncobjTransaction) target = NULL;
  g_autoptr(JsonObject) built = NULL;
  SyncobjPendingMutation *mutation;
  SyncobjOverlayWrite write;
  SyncobjRow *row;
  guint rows_epoch, shown_changes;
  gboolean key_is_int = FALSE;
  gint64 now = _syncobj_scheduler_now (_syncobj_scheduler_get_default ());
  gboolean auto_commit;
  char key_buffer[SYNCOBJ_INT_KEY_SIZE];
  g_autofree char *temporary_key = NULL;

  /* Every caller checked that this is the collection's thread. */
  if (!_syncobj_collection_check_not_merging (self, error))
    return NULL;
  if (self->open_twice != NULL)
    {
      g_propagate_error (error, g_error_copy (self->open_twice));
      return NULL;
    }

  if (type == SYNCOBJ_MUTATION_TYPE_INSERT && value != NULL &&
      self->key_source == SYNCOBJ_KEY_SOURCE_SERVER &&
      !json_object_has_member (value, self->key_member))
    {
      g_autofree char *uuid = _syncobj_uuid_new ();

      key = temporary_key = g_strconcat (SYNCOBJ_TEMPORARY_KEY_PREFIX, uuid, NULL);
    }
  else if (type != SYNCOBJ_MUTATION_TYPE_INSERT)
    key = collection_resolve_key (self, key);

  if (!collection_validate_write (self, type, &key, key_buffer, value, flat, &key_is_int, &row, error))
    return NULL;

  /* The handlers of the new transaction's signals may change the rows:
   * the row found stays usable while the epoch stays. */
  rows_epoch = _syncobj_overlay_get_rows_epoch (self->overlay);
  shown_changes = self->shown_changes;

  target = collection_pick_transaction (self, transaction, &auto_commit, error);
  if (target == NULL)
    return NULL;

  /* They may also have made the write impossible (deleted the record it
   * updates, inserted its key): it is checked again against what they
   * left, and fails as if it had come after them. */
  if (self->shown_changes != shown_changes &&
      !collection_check_visible (self, type, key, key_is_int, &row, error))
    {
      if (auto_commit)
        syncobj_transaction_rollback (target, NULL);
      return NULL;
    }

  if (temporary_key != NULL)
    _syncobj_overlay_mark_temporary (self->overlay, key);

  mutation = _syncobj_transaction_find_mutation (target, self, key);

  if (mutation != NULL)
    {
      if (value == NULL && flat != NULL)
        value = built = _syncobj_json_object_from_text (flat->text, (gssize) flat->length);
      if (!_syncobj_overlay_fold (self->overlay, &write, mutation, type, value, now))
        _syncobj_transaction_remove_mutation (target, mutation);
    }
  else
    {
      g_autoptr(SyncobjPendingMutation) created =
        _syncobj_pending_mutation_new (_syncobj_collection_dup_weak (self), self->id, target, key, type, now);
      gboolean pushed_as_text = FALSE;

      if (_syncobj_overlay_get_rows_epoch (self->overlay) != rows_epoch)
        row = NULL;
      if (value == NULL && flat != NULL)
        {
          pushed_as_text = _syncobj_overlay_push_text_changes (self->overlay, &write, row, created, flat, now);
          if (!pushed_as_text)
            value = built = _syncobj_json_object_from_text (flat->text, (gssize) flat->length);
        }
      if (!pushed_as_text)
        _syncobj_overlay_push (self->overlay, &write, created, value, row, now);
      _syncobj_transaction_add_mutation (target, self, created);
    }

  _syncobj_overlay_show_write (self->overlay, &write);

  if (auto_commit)
    _syncobj_transaction_commit (target, NULL);

  return g_steal_pointer (&target);
}

SyncobjTransaction *
_syncobj_collection_write (SyncobjCollection    *self,
                           SyncobjTransaction   *transaction,
                           SyncobjMutationType   type,
                           const char           *key,
                           JsonObject           *value,
                           GError              **error)
{
  return collection_write (self, transaction, type, key, value, NULL, error);
}

gboolean
_syncobj_collection_assign_key (SyncobjCollection       *self,
                                SyncobjPendingMutation  *mutation,
                                JsonObject              *created,
                                GError                 **error)
{
  g_autoptr(JsonObject) early_synced = NULL;
  g_autoptr(JsonObject) merged = NULL;
  g_autofree char *temporary_key = NULL;
  char key_buffer[SYNCOBJ_INT_KEY_SIZE];
  const char *key;
  gboolean key_is_int = FALSE;

  if (!_syncobj_overlay_is_temporary (self->overlay, mutation))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE,
                   _("Mutation %s of collection “%s” is not an insert under a temporary key"),
                   _syncobj_pending_mutation_peek_id (mutation), self->id);
      return FALSE;
    }

  key = _syncobj_json_get_key (created, self->key_member, key_buffer, &key_is_int, error);
  if (key == NULL)
    return FALSE;
  if (g_str_has_prefix (key, SYNCOBJ_TEMPORARY_KEY_PREFIX))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                   _("The server answered with the temporary key “%s”"), key);
      return FALSE;
    }

  if (!_syncobj_overlay_take_early_echo (self->overlay, key, &early_synced, error))
    return FALSE;

  /* Durable first: a restart from here on re-keys from it. */
  if (mutation->transaction != NULL)
    _syncobj_transaction_note_created (mutation->transaction, mutation, created);

  /* An answer of just the key stands for the record as it was sent. */
  if (json_object_get_size (created) == 1 && mutation->modified != NULL)
    created = merged = _syncobj_json_merge (mutation->modified, created);

  temporary_key = g_strdup (mutation->key);
  if (self->aliases == NULL)
    self->aliases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (self->aliases, g_strdup (temporary_key), g_strdup (key));

  _syncobj_overlay_rekey (self->overlay, mutation, created, key, key_is_int, g_steal_pointer (&early_synced));

  _syncobj_collection_emit_key_assigned (self, temporary_key, key);
  return TRUE;
}

void
_syncobj_collection_restore_mutation (SyncobjCollection      *self,
                                      SyncobjPendingMutation *mutation)
{
  const char *key = collection_resolve_key (self, mutation->key);

  /* A write made under a temporary key whose insert had its answer
   * before the restart: it carries the server's key, as it did then. */
  if (key != mutation->key)
    _syncobj_overlay_rekey_write (self->overlay, mutation, key);
  /* An insert still waiting for its answer: temporary until it comes. */
  else if (mutation->type == SYNCOBJ_MUTATION_TYPE_INSERT &&
           g_str_has_prefix (mutation->key, SYNCOBJ_TEMPORARY_KEY_PREFIX))
    _syncobj_overlay_mark_temporary (self->overlay, mutation->key);

  _syncobj_overlay_restore (self->overlay, mutation);
}

void
_syncobj_collection_restore_created (SyncobjCollection  *self,
                                     SyncobjTransaction *transaction,
                                     const char         *temporary_key,
                                     JsonObject         *created)
{
  g_autoptr(GError) error = NULL;
  SyncobjPendingMutation *mutation = NULL;
  char key_buffer[SYNCOBJ_INT_KEY_SIZE];
  gboolean key_is_int = FALSE;
  const char *key;

  if (!syncobj_transaction_is_finished (transaction))
    mutation = _syncobj_transaction_find_mutation (transaction, self, temporary_key);
  if (mutation != NULL)
    {
      if (!_syncobj_collection_assign_key (self, mutation, created, &error))
        _syncobj_log_transaction (G_LOG_LEVEL_MESSAGE, syncobj_transaction_get_id (transaction),
                                  "collection %s: the stored answer to insert %s brings no key: %s",
                                  self->id, temporary_key, error->message);
      return;
    }

  /* Finished: the record is synced state now; the temporary key names it
   * for the writes restored after it. */
  key = _syncobj_json_get_key (created, self->key_member, key_buffer, &key_is_int, &error);
  if (key == NULL || g_str_has_prefix (key, SYNCOBJ_TEMPORARY_KEY_PREFIX))
    return;
  if (self->aliases == NULL)
    self->aliases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (self->aliases, g_strdup (temporary_key), g_strdup (key));

  /* The insert itself names the record by the server's key, as it did
   * before the restart once its answer came. */
  mutation = _syncobj_transaction_find_mutation (transaction, self, temporary_key);
  if (mutation != NULL && mutation->type == SYNCOBJ_MUTATION_TYPE_INSERT)
    _syncobj_pending_mutation_set_key (mutation, key);
}

/* ---- queue and locks ----------------------------------------------------- */

/* Whether @transaction holds mutations of @self only (the usual case: one
 * collection), so that no mutation needs its collection looked up. */
static gboolean
transaction_only_touches (SyncobjTransaction *transaction,
                          SyncobjCollection  *self)
{
  return _syncobj_transaction_get_n_collections (transaction) == 1 &&
         _syncobj_transaction_peek_collection (transaction, 0) == self;
}

void
_syncobj_collection_join_lanes (SyncobjCollection  *self,
                                SyncobjTransaction *transaction,
                                SyncobjQueueEntry  *entry,
                                gboolean            in_order)
{
  SyncobjObjectList *mutations = _syncobj_transaction_peek_mutations (transaction);

  /* The one queue of a parallel collection: a write to a temporary key has
   * nothing to address until the insert brings the server's key, so it
   * waits behind the insert (and fails if the insert fails). */
  if (!collection_is_ordered (self))
    {
      if (self->key_source == SYNCOBJ_KEY_SOURCE_SERVER)
        _syncobj_queue_join_keys (self->queue, mutations, SYNCOBJ_TEMPORARY_KEY_PREFIX, entry, in_order);
      return;
    }

  _syncobj_queue_join (self->queue, self->queue_scope, mutations, entry, in_order);
}

SyncobjLane *
_syncobj_collection_find_lane (SyncobjCollection *self,
                               const char        *key)
{
  return _syncobj_queue_find_lane (self->queue,
                                   collection_is_ordered (self) ? self->queue_scope : SYNCOBJ_QUEUE_SCOPE_KEY,
                                   key);
}

void
_syncobj_collection_lock (SyncobjCollection  *self,
                          SyncobjTransaction *transaction)
{
  if (!collection_is_ordered (self))
    return;

  _syncobj_queue_lock (self->queue, _syncobj_transaction_peek_mutations (transaction),
                       transaction_only_touches (transaction, self));
}

/* A transaction's link in the queue of active transactions of the
 * collection it was begun on is part of the transaction: adding it and
 * removing it allocate nothing and look nothing up. Its links in other
 * collections are allocated and found through active_links. */
static GList *
collection_own_link (SyncobjCollection  *self,
                     SyncobjTransaction *transaction)
{
  if (_syncobj_transaction_get_n_collections (transaction) == 0 ||
      _syncobj_transaction_peek_collection (transaction, 0) != self)
    return NULL;
  return _syncobj_transaction_peek_owner_link (transaction);
}

static gboolean
collection_link_is_queued (SyncobjCollection *self,
                           GList             *link)
{
  return link->prev != NULL || self->active.head == link;
}

/* Empties the queue of active transactions (on dispose). */
void
_syncobj_collection_drop_active (SyncobjCollection *self)
{
  GList *link = self->active.head;

  while (link != NULL)
    {
      GList *next = link->next;
      SyncobjTransaction *transaction = link->data;

      link->prev = link->next = NULL;
      if (link != _syncobj_transaction_peek_owner_link (transaction))
        g_list_free_1 (link);
      g_object_unref (transaction);
      link = next;
    }
  g_queue_init (&self->active);
  _syncobj_table_remove_all (self->active_links);
}

void
_syncobj_collection_finish_transaction (SyncobjCollection  *self,
                                        SyncobjTransaction *transaction,
                                        gboolean            failed)
{
  /* The list stays as it is: the transaction is committed or failed. */
  GList *link;

  SyncobjObjectList *mutations = _syncobj_transaction_peek_mutations (transaction);
  gboolean all_mine = transaction_only_touches (transaction, self);

  _syncobj_collection_begin_batch (self);
  _syncobj_overlay_finish (self->overlay, mutations, all_mine, failed, self->sync == NULL);
  _syncobj_collection_end_batch (self);
  /* Held sync writes released here, and what a collection without sync
   * completed, change the synced state. */
  if (self->cache != NULL)
    _syncobj_collection_cache_finish (self->cache, self, mutations, all_mine);

  link = collection_own_link (self, transaction);
  if (link != NULL)
    {
      if (!collection_link_is_queued (self, link))
        return;
      g_queue_unlink (&self->active, link);
    }
  else
    {
      link = _syncobj_table_lookup (self->active_links, transaction);
      if (link == NULL)
        return;
      _syncobj_table_remove (self->active_links, transaction);
      g_queue_delete_link (&self->active, link);
    }
  g_object_unref (transaction);
  _syncobj_collection_notify (self, PROP_N_PENDING);
}

void
_syncobj_collection_add_transaction (SyncobjCollection  *self,
                                     SyncobjTransaction *transaction)
{
  GList *link = collection_own_link (self, transaction);

  if (link != NULL)
    {
      if (collection_link_is_queued (self, link))
        return;
      g_queue_push_tail_link (&self->active, link);
    }
  else
    {
      if (_syncobj_table_contains (self->active_links, transaction))
        return;
      g_queue_push_tail (&self->active, transaction);
      _syncobj_table_insert (self->active_links, transaction, self->active.tail);
    }
  g_object_ref (transaction);
  _syncobj_collection_notify (self, PROP_N_PENDING);
  _syncobj_collection_emit_transaction_added (self, transaction);
}

/* ---- public API -------------------------------------------------------------- */

/**
 * syncobj_collection_insert:
 * @self: a collection
 * @value: the new record; its key member must be a non-empty string or an
 *   integer within 64 bits that is not visible yet
 * @error: return location for an error
 *
 * Inserts @value optimistically: it is visible at once. A copy is kept, so
 * @value may be changed afterwards.
 *
 * Inside an open transaction (see [method@Syncobj.Collection.begin]) the
 * write joins it; otherwise a new transaction is created and committed.
 *
 * Returns: (transfer full): the transaction, or %NULL with @error set
 *   (%SYNCOBJ_ERROR_INVALID_RECORD, %SYNCOBJ_ERROR_KEY_EXISTS,
 *   %SYNCOBJ_ERROR_INVALID_STATE) and nothing changed
 */
SyncobjTransaction *
syncobj_collection_insert (SyncobjCollection  *self,
                           JsonObject         *value,
                           GError            **error)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (self->owner, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _syncobj_collection_write (self, NULL, SYNCOBJ_MUTATION_TYPE_INSERT, NULL, value, error);
}

/**
 * syncobj_collection_update:
 * @self: a collection
 * @key: the key of a visible record
 * @changes: the members to set, merged shallowly into the record; it may
 *   repeat the key member but not change it
 * @error: return location for an error
 *
 * Updates a record optimistically: the merged value is visible at once.
 *
 * Returns: (transfer full): the transaction, or %NULL with @error set
 *   (%SYNCOBJ_ERROR_KEY_NOT_FOUND, %SYNCOBJ_ERROR_INVALID_RECORD,
 *   %SYNCOBJ_ERROR_INVALID_STATE) and nothing changed
 */
SyncobjTransaction *
syncobj_collection_update (SyncobjCollection  *self,
                           const char         *key,
                           JsonObject         *changes,
                           GError            **error)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (self->owner, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _syncobj_collection_write (self, NULL, SYNCOBJ_MUTATION_TYPE_UPDATE, key, changes, error);
}

/**
 * syncobj_collection_delete:
 * @self: a collection
 * @key: the key of a visible record
 * @error: return location for an error
 *
 * Deletes a record optimistically: it disappears at once.
 *
 * Returns: (transfer full): the transaction, or %NULL with @error set
 *   (%SYNCOBJ_ERROR_KEY_NOT_FOUND, %SYNCOBJ_ERROR_INVALID_STATE) and nothing
 *   changed
 */
SyncobjTransaction *
syncobj_collection_delete (SyncobjCollection  *self,
                           const char         *key,
                           GError            **error)
{
  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (self->owner, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _syncobj_collection_write (self, NULL, SYNCOBJ_MUTATION_TYPE_DELETE, key, NULL, error);
}

/* Room on the stack for the compact text of usual JSON text. */
#define FLAT_BUFFER_SIZE 256

/* Longer texts are parsed in full without a try: a flat read copies its
 * text before it knows whether the text is flat, and the longest texts
 * are the least often flat (a 100 MB nested text was copied only to be
 * declined). */
#define FLAT_MAX_LENGTH (64 * 1024)

/* Reads @json as a flat object (see syncobj-json-flat.c) into @flat: its
 * compact text in @buffer (FLAT_BUFFER_SIZE bytes) when it fits, else in
 * *@copy, which the caller frees. FALSE for a text that is not flat, or
 * longer than FLAT_MAX_LENGTH. */
static gboolean
collection_read_flat (const char      *json,
                      char            *buffer,
                      char           **copy,
                      SyncobjJsonFlat *flat)
{
  gsize length = strlen (json);
  char *out = buffer;

  if (length > FLAT_MAX_LENGTH)
    return FALSE;
  if (length >= FLAT_BUFFER_SIZE)
    out = *copy = g_malloc (length + 1);
  return _syncobj_json_flat_read (json, length, out, flat);
}

/**
 * syncobj_collection_insert_json:
 * @self: a collection
 * @json: the new record as JSON text (an object)
 * @error: return location for an error
 *
 * Like [method@Syncobj.Collection.insert], for JSON text (handy from
 * JavaScript: `collection.insert_json(JSON.stringify(todo))`).
 *
 * Returns: (transfer full): the transaction, or %NULL with @error set
 */
SyncobjTransaction *
syncobj_collection_insert_json (SyncobjCollection  *self,
                                const char         *json,
                                GError            **error)
{
  g_autoptr(JsonObject) value = NULL;
  g_autofree char *copy = NULL;
  char buffer[FLAT_BUFFER_SIZE];
  SyncobjJsonFlat flat;

  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (self->owner, NULL);
  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* A flat record, read in one pass, is built without JsonParser. */
  if (collection_read_flat (json, buffer, &copy, &flat))
    value = _syncobj_json_object_from_text (flat.text, (gssize) flat.length);
  else
    value = _syncobj_json_parse_object (json, -1, error);
  if (value == NULL)
    return NULL;

  return syncobj_collection_insert (self, value, error);
}

/**
 * syncobj_collection_update_json:
 * @self: a collection
 * @key: the key of a visible record
 * @json: the changes as JSON text (an object)
 * @error: return location for an error
 *
 * Like [method@Syncobj.Collection.update], for JSON text (from
 * JavaScript: `collection.update_json(key, JSON.stringify(changes))`).
 * Changes of a few flat members (strings, integers, booleans, null) are
 * read in one pass and, on a record held as JSON text, kept as text
 * without building a `JsonObject`; any other text is parsed in full. The
 * result and the errors are those of parsing @json and calling
 * [method@Syncobj.Collection.update].
 *
 * Returns: (transfer full): the transaction, or %NULL with @error set
 */
SyncobjTransaction *
syncobj_collection_update_json (SyncobjCollection  *self,
                                const char         *key,
                                const char         *json,
                                GError            **error)
{
  g_autoptr(JsonObject) changes = NULL;
  g_autofree char *copy = NULL;
  char buffer[FLAT_BUFFER_SIZE];
  SyncobjJsonFlat flat;

  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (self->owner, NULL);
  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* The usual changes, a few flat members, are read in one pass and kept
   * as text when the record is; anything else is parsed in full. */
  if (collection_read_flat (json, buffer, &copy, &flat))
    return collection_write (self, NULL, SYNCOBJ_MUTATION_TYPE_UPDATE, key, NULL, &flat, error);

  changes = _syncobj_json_parse_object (json, -1, error);
  if (changes == NULL)
    return NULL;

  return syncobj_collection_update (self, key, changes, error);
}

/**
 * syncobj_collection_begin:
 * @self: a collection
 *
 * Opens a transaction that gathers several writes, to this or other
 * collections, and persists them all-or-nothing on
 * [method@Syncobj.Transaction.commit] (the specification's
 * `withMutation`). The writes apply optimistically as they are made.
 *
 * Until it is committed or rolled back, the transaction is the open
 * transaction of the calling thread: [method@Syncobj.Collection.insert] and
 * its siblings, on any collection, join it and return it.
 * [method@Syncobj.Transaction.insert] and its siblings name it explicitly.
 * The transaction is persisted by this collection's mutator.
 *
 * Several writes to one key fold into one mutation: insert then update is
 * an insert of the merged record; insert then delete leaves nothing (a
 * transaction left without writes completes at once when committed);
 * update then update is one update with the changes of both; update then
 * delete is a delete; delete then insert is an update that replaces the
 * record: its changes are the inserted record, and members of the old
 * record that the insert does not set are gone (the HTTP mutator sends it
 * with `PUT`).
 *
 * Returns: (transfer full): a `pending` transaction
 */
SyncobjTransaction *
syncobj_collection_begin (SyncobjCollection *self)
{
  SyncobjTransaction *transaction;

  g_return_val_if_fail (SYNCOBJ_IS_COLLECTION (self), NULL);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (self->owner, NULL);

  transaction = _syncobj_transaction_new (self);
  _syncobj_transaction_push_open (transaction);
  return transaction;
}

