/* syncobj-pending-mutation.c: one write inside a transaction
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-private.h"
#include "syncobj-json-parser-private.h"
#include "syncobj-json-util-private.h"
#include "syncobj-json-writer-private.h"
#include "syncobj-uuid-private.h"

/**
 * SyncobjPendingMutation:
 *
 * One write (an insert, an update or a delete of one key) that a
 * [class@Syncobj.Transaction] applied optimistically and has yet to persist.
 *
 * A mutation carries the value of the record before the write
 * ([property@Syncobj.PendingMutation:original]), after it
 * ([property@Syncobj.PendingMutation:modified]) and the members it changed
 * ([property@Syncobj.PendingMutation:changes]). Several writes to the same
 * key inside one transaction merge into one mutation, so its type and values
 * may change while the transaction is still pending.
 *
 * All values are immutable [struct@Json.Object] snapshots. Every property
 * but [property@Syncobj.PendingMutation:metadata] is read-only.
 */

G_DEFINE_FINAL_TYPE (SyncobjPendingMutation, syncobj_pending_mutation, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_MUTATION_ID,
  PROP_KEY,
  PROP_COLLECTION_ID,
  PROP_COLLECTION,
  PROP_MUTATION_TYPE,
  PROP_STATE,
  PROP_ORIGINAL,
  PROP_MODIFIED,
  PROP_CHANGES,
  PROP_METADATA,
  PROP_CREATED_AT,
  PROP_UPDATED_AT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Creation order across the whole process; gsize so that it can be bumped
 * atomically with the GLib API. */
static gsize last_sequence = 0;

/* Every write finalizes one: plain casts, without the type checks of the
 * macros. */
static void
syncobj_pending_mutation_finalize (GObject *object)
{
  SyncobjPendingMutation *self = (SyncobjPendingMutation *) object;

  if (self->extra != NULL)
    {
      g_free (self->extra->mutation_id);
      g_clear_pointer (&self->extra->metadata, json_object_unref);
      g_clear_pointer (&self->extra->created_at, g_date_time_unref);
      g_clear_pointer (&self->extra->updated_at, g_date_time_unref);
      g_clear_pointer (&self->extra, g_free);
    }
  g_clear_pointer (&self->key, g_ref_string_release);
  g_clear_pointer (&self->collection_id, g_ref_string_release);
  g_clear_pointer (&self->original, json_object_unref);
  g_clear_pointer (&self->modified, json_object_unref);
  g_clear_pointer (&self->changes, json_object_unref);
  _syncobj_shared_text_unref (self->text);
  if (self->text_original_owned)
    _syncobj_shared_text_unref (self->text_original);
  g_clear_pointer (&self->collection, _syncobj_weak_unref);

  ((GObjectClass *) syncobj_pending_mutation_parent_class)->finalize (object);
}

static void
syncobj_pending_mutation_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  SyncobjPendingMutation *self = SYNCOBJ_PENDING_MUTATION (object);

  switch (prop_id)
    {
    case PROP_MUTATION_ID:
      g_value_set_string (value, _syncobj_pending_mutation_peek_id (self));
      break;
    case PROP_KEY:
      g_value_set_string (value, self->key);
      break;
    case PROP_COLLECTION_ID:
      g_value_set_string (value, self->collection_id);
      break;
    case PROP_COLLECTION:
      g_value_take_object (value, _syncobj_weak_get (self->collection));
      break;
    case PROP_MUTATION_TYPE:
      g_value_set_enum (value, self->type);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_ORIGINAL:
      _syncobj_pending_mutation_ensure (self);
      g_value_set_boxed (value, self->original);
      break;
    case PROP_MODIFIED:
      _syncobj_pending_mutation_ensure (self);
      g_value_set_boxed (value, self->modified);
      break;
    case PROP_CHANGES:
      _syncobj_pending_mutation_ensure_changes (self);
      g_value_set_boxed (value, self->changes);
      break;
    case PROP_METADATA:
      g_value_set_boxed (value, syncobj_pending_mutation_get_metadata (self));
      break;
    case PROP_CREATED_AT:
      g_value_set_boxed (value, syncobj_pending_mutation_get_created_at (self));
      break;
    case PROP_UPDATED_AT:
      g_value_set_boxed (value, syncobj_pending_mutation_get_updated_at (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_pending_mutation_set_property (GObject      *object,
                                       guint         prop_id,
                                       const GValue *value,
                                       GParamSpec   *pspec)
{
  SyncobjPendingMutation *self = SYNCOBJ_PENDING_MUTATION (object);

  switch (prop_id)
    {
    case PROP_METADATA:
      syncobj_pending_mutation_set_metadata (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_pending_mutation_class_init (SyncobjPendingMutationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags read_only = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;
  const GParamFlags changing = read_only | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = syncobj_pending_mutation_finalize;
  object_class->get_property = syncobj_pending_mutation_get_property;
  object_class->set_property = syncobj_pending_mutation_set_property;

  /**
   * SyncobjPendingMutation:mutation-id:
   *
   * A unique identifier of the mutation (a random UUID).
   */
  properties[PROP_MUTATION_ID] =
    g_param_spec_string ("mutation-id", NULL, NULL, NULL, read_only);

  /**
   * SyncobjPendingMutation:key:
   *
   * The key of the record the mutation writes.
   */
  properties[PROP_KEY] =
    g_param_spec_string ("key", NULL, NULL, NULL, read_only);

  /**
   * SyncobjPendingMutation:collection-id:
   *
   * The identifier of the collection the mutation belongs to; it stays
   * available after the collection is gone.
   */
  properties[PROP_COLLECTION_ID] =
    g_param_spec_string ("collection-id", NULL, NULL, NULL, read_only);

  /**
   * SyncobjPendingMutation:collection:
   *
   * The collection the mutation belongs to, or %NULL once it was finalized.
   * The mutation does not keep its collection alive.
   */
  properties[PROP_COLLECTION] =
    g_param_spec_object ("collection", NULL, NULL,
                         SYNCOBJ_TYPE_COLLECTION, read_only);

  /**
   * SyncobjPendingMutation:mutation-type:
   *
   * Whether the mutation inserts, updates or deletes its record.
   */
  properties[PROP_MUTATION_TYPE] =
    g_param_spec_enum ("mutation-type", NULL, NULL,
                       SYNCOBJ_TYPE_MUTATION_TYPE,
                       SYNCOBJ_MUTATION_TYPE_INSERT,
                       changing);

  /**
   * SyncobjPendingMutation:state:
   *
   * How far the mutation got: created, persisting or synced.
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       SYNCOBJ_TYPE_MUTATION_STATE,
                       SYNCOBJ_MUTATION_STATE_CREATED,
                       changing);

  /**
   * SyncobjPendingMutation:original:
   *
   * The visible value of the record before the write, or %NULL for an
   * insert.
   */
  properties[PROP_ORIGINAL] =
    g_param_spec_boxed ("original", NULL, NULL, JSON_TYPE_OBJECT, changing);

  /**
   * SyncobjPendingMutation:modified:
   *
   * The value of the record after the write, or %NULL for a delete.
   */
  properties[PROP_MODIFIED] =
    g_param_spec_boxed ("modified", NULL, NULL, JSON_TYPE_OBJECT, changing);

  /**
   * SyncobjPendingMutation:changes:
   *
   * The members the write sets: the whole record for an insert, the
   * changed members for an update, an empty object for a delete.
   */
  properties[PROP_CHANGES] =
    g_param_spec_boxed ("changes", NULL, NULL, JSON_TYPE_OBJECT, changing);

  /**
   * SyncobjPendingMutation:metadata:
   *
   * Application data attached to the mutation, handed to the persist
   * function and kept in the store; %NULL when none.
   */
  properties[PROP_METADATA] =
    g_param_spec_boxed ("metadata", NULL, NULL,
                        JSON_TYPE_OBJECT,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjPendingMutation:created-at:
   *
   * When the mutation was created, in the local time zone.
   */
  properties[PROP_CREATED_AT] =
    g_param_spec_boxed ("created-at", NULL, NULL, G_TYPE_DATE_TIME, read_only);

  /**
   * SyncobjPendingMutation:updated-at:
   *
   * When the mutation last changed, in the local time zone.
   */
  properties[PROP_UPDATED_AT] =
    g_param_spec_boxed ("updated-at", NULL, NULL, G_TYPE_DATE_TIME, changing);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
syncobj_pending_mutation_init (SyncobjPendingMutation *self)
{
}

/* The extra fields of @self, made on first use (from any thread: the id
 * may be read from a worker). */
static SyncobjPendingMutationExtra *
mutation_get_extra (SyncobjPendingMutation *self)
{
  SyncobjPendingMutationExtra *extra = g_atomic_pointer_get (&self->extra);

  if (G_LIKELY (extra != NULL))
    return extra;

  return _syncobj_atomic_publish ((gpointer *) &self->extra,
                                  g_new0 (SyncobjPendingMutationExtra, 1), g_free);
}

const char *
_syncobj_pending_mutation_peek_id (SyncobjPendingMutation *self)
{
  return _syncobj_uuid_lazy (&mutation_get_extra (self)->mutation_id);
}

void
_syncobj_pending_mutation_restore_extra (SyncobjPendingMutation *self,
                                         const char             *mutation_id,
                                         JsonObject             *metadata)
{
  SyncobjPendingMutationExtra *extra = mutation_get_extra (self);

  g_free (extra->mutation_id);
  extra->mutation_id = g_strdup (mutation_id);
  g_clear_pointer (&extra->metadata, json_object_unref);
  extra->metadata = metadata != NULL ? json_object_ref (metadata) : NULL;
}

SyncobjPendingMutation *
_syncobj_pending_mutation_new (SyncobjWeak         *collection,
                               const char          *collection_id,
                               SyncobjTransaction  *transaction,
                               const char          *key,
                               SyncobjMutationType  type,
                               gint64               now_us)
{
  SyncobjPendingMutation *self;

  /* @collection is NULL for history read back from the store whose
   * collection is not open. */
  g_return_val_if_fail (key != NULL, NULL);

  self = g_object_new (SYNCOBJ_TYPE_PENDING_MUTATION, NULL);
  self->key = g_ref_string_new (key);
  self->collection_id = g_ref_string_acquire ((char *) collection_id);
  self->type = type;
  self->state = SYNCOBJ_MUTATION_STATE_CREATED;
  /* changes stays NULL until _syncobj_pending_mutation_set_values(), which
   * every caller calls next. */
  self->created_at_us = now_us;
  self->updated_at_us = now_us;
  self->collection = collection;
  self->transaction = transaction;
  self->sequence = (guint64) g_atomic_pointer_add (&last_sequence, 1) + 1;

  return self;
}

gboolean
_syncobj_pending_mutation_is_of (SyncobjPendingMutation *self,
                                 gpointer                collection)
{
  g_autoptr(SyncobjCollection) written = _syncobj_weak_get (self->collection);

  return written == collection;
}

/* Bumps updated-at; returns whether it changed (the caller notifies). */
static gboolean
touch (SyncobjPendingMutation *self,
       gint64                  now_us)
{
  if (self->updated_at_us == now_us)
    return FALSE;

  self->updated_at_us = now_us;
  if (self->extra != NULL)
    g_clear_pointer (&self->extra->updated_at, g_date_time_unref);
  return TRUE;
}

/* Replaces *@slot by a new reference to @value; %TRUE when the pointer
 * changed. Values are immutable, so a new pointer is a new value. */
static gboolean
replace_object (JsonObject **slot,
                JsonObject  *value)
{
  if (*slot == value)
    return FALSE;

  g_clear_pointer (slot, json_object_unref);
  *slot = value != NULL ? json_object_ref (value) : NULL;
  return TRUE;
}

/* Values kept as text are built by whichever thread reads them first (a
 * persist function may hand its job to a worker that reads them): one
 * lock for all mutations, taken only to build them and to let the text
 * go. Each value is published whole, once built. */
static GMutex text_lock;

char *
_syncobj_shared_text_new (const char *text,
                          gsize       length)
{
  char *block = g_malloc (SYNCOBJ_SHARED_TEXT_HEADER + length + 1);
  char *copy = _syncobj_shared_text_take (block);

  memcpy (copy, text, length);
  copy[length] = '\0';
  return copy;
}

static void
forget_text (SyncobjPendingMutation *self)
{
  const char *original = NULL;
  char *text;

  if (self->text == NULL)
    return;
  g_mutex_lock (&text_lock);
  text = g_steal_pointer (&self->text);
  if (self->text_original_owned)
    original = self->text_original;
  self->text_original = NULL;
  self->text_original_owned = FALSE;
  g_mutex_unlock (&text_lock);
  _syncobj_shared_text_unref (text);
  _syncobj_shared_text_unref (original);
}

void
_syncobj_pending_mutation_keep_original (SyncobjPendingMutation *self,
                                         gboolean                shared)
{
  const char *original;

  if (self->text == NULL || self->text_original_owned)
    return;
  /* Copied before taking the lock; a reader of the original from another
   * thread sees the borrowed text or its own, never a freed one. */
  original = shared ? _syncobj_shared_text_ref (self->text_original)
                    : _syncobj_shared_text_new (self->text_original, strlen (self->text_original));
  g_mutex_lock (&text_lock);
  self->text_original = original;
  self->text_original_owned = TRUE;
  g_mutex_unlock (&text_lock);
}

/* Whether @self never had values: _syncobj_pending_mutation_new() made
 * it, and the caller (the write that made it, or the store that reads it
 * back) sets them before anybody else holds it. Nobody can have connected
 * to its notifications yet: setting its first values notifies nothing. */
static inline gboolean
mutation_is_fresh (SyncobjPendingMutation *self)
{
  return self->changes == NULL && self->text == NULL && self->original == NULL && self->modified == NULL;
}

/* Every field changes first, then the notifications go out, newest first
 * (the order a notify freeze would give), without the cost of a freeze on
 * every write. */
void
_syncobj_pending_mutation_set_values (SyncobjPendingMutation *self,
                                      SyncobjMutationType     type,
                                      JsonObject             *original,
                                      JsonObject             *modified,
                                      JsonObject             *changes,
                                      gint64                  now_us)
{
  GObject *object = (GObject *) self;
  gboolean type_changed, original_changed, modified_changed, changes_changed, touched = FALSE;
  gboolean fresh;

  g_return_if_fail (changes != NULL);

  fresh = mutation_is_fresh (self);
  type_changed = self->type != type;
  self->type = type;
  original_changed = replace_object (&self->original, original);
  modified_changed = replace_object (&self->modified, modified);
  changes_changed = replace_object (&self->changes, changes);
  /* New values as objects: any text is stale. */
  forget_text (self);
  if (type_changed || original_changed || modified_changed || changes_changed)
    touched = touch (self, now_us);
  if (fresh)
    return;

  g_object_ref (object);
  if (touched)
    g_object_notify_by_pspec (object, properties[PROP_UPDATED_AT]);
  if (changes_changed)
    g_object_notify_by_pspec (object, properties[PROP_CHANGES]);
  if (modified_changed)
    g_object_notify_by_pspec (object, properties[PROP_MODIFIED]);
  if (original_changed)
    g_object_notify_by_pspec (object, properties[PROP_ORIGINAL]);
  if (type_changed)
    g_object_notify_by_pspec (object, properties[PROP_MUTATION_TYPE]);
  g_object_unref (object);
}

void
_syncobj_pending_mutation_set_text (SyncobjPendingMutation *self,
                                    char                   *text,
                                    const char             *original,
                                    gboolean                adds,
                                    gint64                  now_us)
{
  GObject *object = (GObject *) self;
  gboolean fresh = mutation_is_fresh (self);
  gboolean touched;

  g_clear_pointer (&self->original, json_object_unref);
  g_clear_pointer (&self->modified, json_object_unref);
  g_clear_pointer (&self->changes, json_object_unref);
  forget_text (self);
  self->text = text;
  self->text_original = original;
  self->text_adds = !!adds;
  self->type = SYNCOBJ_MUTATION_TYPE_UPDATE;
  self->merged = TRUE;
  touched = touch (self, now_us);
  if (fresh)
    return;

  /* What _syncobj_pending_mutation_set_values() notifies for new values. */
  g_object_ref (object);
  if (touched)
    g_object_notify_by_pspec (object, properties[PROP_UPDATED_AT]);
  g_object_notify_by_pspec (object, properties[PROP_CHANGES]);
  g_object_notify_by_pspec (object, properties[PROP_MODIFIED]);
  g_object_notify_by_pspec (object, properties[PROP_ORIGINAL]);
  g_object_unref (object);
}

/* A value text checked when its record was loaded, or written by
 * syncobj-overlay-text.c. */
static JsonObject *
object_from_text (const char *text)
{
  JsonObject *value = _syncobj_json_object_from_text (text, -1);

  return value != NULL ? value : _syncobj_json_merge (NULL, NULL);  /* not reached */
}

static void
build_changes_locked (SyncobjPendingMutation *self)
{
  if (self->text != NULL && self->changes == NULL)
    g_atomic_pointer_set (&self->changes, object_from_text (_syncobj_pending_mutation_peek_text_changes (self)));
}

void
_syncobj_pending_mutation_build_changes (SyncobjPendingMutation *self)
{
  g_mutex_lock (&text_lock);
  build_changes_locked (self);
  g_mutex_unlock (&text_lock);
}

void
_syncobj_pending_mutation_build (SyncobjPendingMutation *self,
                                 JsonObject             *original)
{
  g_mutex_lock (&text_lock);
  if (self->text != NULL)
    {
      build_changes_locked (self);
      if (self->original == NULL)
        g_atomic_pointer_set (&self->original,
                              original != NULL ? json_object_ref (original) : object_from_text (self->text_original));
      /* As an update's modified value is made: the merge (same members,
       * same order as the text). */
      if (self->modified == NULL)
        g_atomic_pointer_set (&self->modified, _syncobj_json_merge (self->original, self->changes));
    }
  g_mutex_unlock (&text_lock);
}

void
_syncobj_pending_mutation_drop_text (SyncobjPendingMutation *self)
{
  _syncobj_pending_mutation_build (self, NULL);
  forget_text (self);
}

void
_syncobj_pending_mutation_set_state (SyncobjPendingMutation *self,
                                     SyncobjMutationState    state,
                                     gint64                  now_us)
{
  GObject *object = (GObject *) self;
  gboolean touched;

  if (self->state == state)
    return;

  self->state = state;
  touched = touch (self, now_us);

  g_object_ref (object);
  if (touched)
    g_object_notify_by_pspec (object, properties[PROP_UPDATED_AT]);
  g_object_notify_by_pspec (object, properties[PROP_STATE]);
  g_object_unref (object);
}

/**
 * syncobj_pending_mutation_get_mutation_id:
 * @self: a pending mutation
 *
 * Gets the unique identifier of @self.
 *
 * Returns: (transfer none): the identifier, a UUID
 */
const char *
syncobj_pending_mutation_get_mutation_id (SyncobjPendingMutation *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_PENDING_MUTATION (self), NULL);

  return _syncobj_pending_mutation_peek_id (self);
}

void
_syncobj_pending_mutation_set_key (SyncobjPendingMutation *self,
                                   const char             *key)
{
  g_return_if_fail (SYNCOBJ_IS_PENDING_MUTATION (self));

  g_ref_string_release (self->key);
  self->key = g_ref_string_new (key);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEY]);
}

/**
 * syncobj_pending_mutation_get_key:
 * @self: a pending mutation
 *
 * Gets the key of the record @self writes.
 *
 * Returns: (transfer none): the key
 */
const char *
syncobj_pending_mutation_get_key (SyncobjPendingMutation *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_PENDING_MUTATION (self), NULL);

  return self->key;
}

/**
 * syncobj_pending_mutation_get_mutation_type:
 * @self: a pending mutation
 *
 * Gets whether @self inserts, updates or deletes its record.
 *
 * Returns: the type of the write
 */
SyncobjMutationType
syncobj_pending_mutation_get_mutation_type (SyncobjPendingMutation *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_PENDING_MUTATION (self), SYNCOBJ_MUTATION_TYPE_INSERT);

  return self->type;
}

/**
 * syncobj_pending_mutation_get_original:
 * @self: a pending mutation
 *
 * Gets the visible value of the record before the write.
 *
 * Returns: (transfer none) (nullable): the previous value, or %NULL for an
 *   insert
 */
JsonObject *
syncobj_pending_mutation_get_original (SyncobjPendingMutation *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_PENDING_MUTATION (self), NULL);

  _syncobj_pending_mutation_ensure (self);
  return self->original;
}

/**
 * syncobj_pending_mutation_get_modified:
 * @self: a pending mutation
 *
 * Gets the value of the record after the write.
 *
 * Returns: (transfer none) (nullable): the new value, or %NULL for a delete
 */
JsonObject *
syncobj_pending_mutation_get_modified (SyncobjPendingMutation *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_PENDING_MUTATION (self), NULL);

  _syncobj_pending_mutation_ensure (self);
  return self->modified;
}

/**
 * syncobj_pending_mutation_get_changes:
 * @self: a pending mutation
 *
 * Gets the members the write sets: the whole record for an insert, the
 * changed members for an update, an empty object for a delete.
 *
 * Returns: (transfer none): the changes
 */
JsonObject *
syncobj_pending_mutation_get_changes (SyncobjPendingMutation *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_PENDING_MUTATION (self), NULL);

  _syncobj_pending_mutation_ensure_changes (self);
  return self->changes;
}

/**
 * syncobj_pending_mutation_get_changes_json:
 * @self: a pending mutation
 *
 * Gets [property@Syncobj.PendingMutation:changes] as compact JSON text,
 * the body a backend that takes the changed members sends. An update of a
 * record the sync delivered as JSON text keeps its changes as text: this
 * copies it, without building the `JsonObject` that
 * [method@Syncobj.PendingMutation.get_changes] returns. May be called
 * from any thread.
 *
 * Returns: (transfer full): the JSON text of the changes, an object
 *
 * Since: 0.2
 */
char *
syncobj_pending_mutation_get_changes_json (SyncobjPendingMutation *self)
{
  char *json = NULL;

  g_return_val_if_fail (SYNCOBJ_IS_PENDING_MUTATION (self), NULL);

  /* The text, even when the object was built from it: copied, not
   * written again. It may go meanwhile (the row is built): then the
   * object is there. */
  g_mutex_lock (&text_lock);
  if (self->text != NULL)
    json = g_strdup (_syncobj_pending_mutation_peek_text_changes (self));
  g_mutex_unlock (&text_lock);
  if (json != NULL)
    return json;

  _syncobj_pending_mutation_ensure_changes (self);
  return _syncobj_json_write_compact (self->changes);
}

/**
 * syncobj_pending_mutation_get_metadata:
 * @self: a pending mutation
 *
 * Gets the application data attached to @self.
 *
 * Returns: (transfer none) (nullable): the metadata, or %NULL when none
 */
JsonObject *
syncobj_pending_mutation_get_metadata (SyncobjPendingMutation *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_PENDING_MUTATION (self), NULL);

  return self->extra != NULL ? self->extra->metadata : NULL;
}

/**
 * syncobj_pending_mutation_set_metadata:
 * @self: a pending mutation
 * @metadata: (nullable): application data, or %NULL to remove it
 *
 * Attaches application data to @self. A sealed copy of @metadata is kept:
 * later changes to @metadata do not affect the mutation.
 */
void
syncobj_pending_mutation_set_metadata (SyncobjPendingMutation *self,
                                       JsonObject             *metadata)
{
  GObject *object = G_OBJECT (self);
  SyncobjPendingMutationExtra *extra;

  g_return_if_fail (SYNCOBJ_IS_PENDING_MUTATION (self));

  if (_syncobj_json_equal (syncobj_pending_mutation_get_metadata (self), metadata))
    return;

  extra = mutation_get_extra (self);
  g_clear_pointer (&extra->metadata, json_object_unref);
  extra->metadata = metadata != NULL ? _syncobj_json_copy (metadata) : NULL;

  g_object_freeze_notify (object);
  g_object_notify_by_pspec (object, properties[PROP_METADATA]);
  if (touch (self, _syncobj_scheduler_now (_syncobj_scheduler_get_default ())))
    g_object_notify_by_pspec (object, properties[PROP_UPDATED_AT]);
  g_object_thaw_notify (object);
}

/* Makes *@cache from @unix_us on first use. */
static GDateTime *
cached_date_time (GDateTime **cache,
                  gint64      unix_us)
{
  if (*cache == NULL)
    *cache = _syncobj_date_time_new (unix_us);
  return *cache;
}

/**
 * syncobj_pending_mutation_get_created_at:
 * @self: a pending mutation
 *
 * Gets when @self was created.
 *
 * Returns: (transfer none): the creation time, in the local time zone
 */
GDateTime *
syncobj_pending_mutation_get_created_at (SyncobjPendingMutation *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_PENDING_MUTATION (self), NULL);

  return cached_date_time (&mutation_get_extra (self)->created_at, self->created_at_us);
}

/**
 * syncobj_pending_mutation_get_updated_at:
 * @self: a pending mutation
 *
 * Gets when @self last changed: its values, its state or its metadata.
 *
 * Returns: (transfer none): the time of the last change, in the local
 *   time zone
 */
GDateTime *
syncobj_pending_mutation_get_updated_at (SyncobjPendingMutation *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_PENDING_MUTATION (self), NULL);

  return cached_date_time (&mutation_get_extra (self)->updated_at, self->updated_at_us);
}

/**
 * syncobj_pending_mutation_get_state:
 * @self: a pending mutation
 *
 * Gets how far @self got.
 *
 * Returns: the state of the mutation
 */
SyncobjMutationState
syncobj_pending_mutation_get_state (SyncobjPendingMutation *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_PENDING_MUTATION (self), SYNCOBJ_MUTATION_STATE_CREATED);

  return self->state;
}

/**
 * syncobj_pending_mutation_get_applied:
 * @self: a pending mutation
 *
 * Gets whether the server applied @self, as its mutator reported with
 * [method@Syncobj.PersistJob.mark_applied]. A mutator that retries a
 * transaction can leave such changes out; when the transaction fails,
 * they stay (their [property@Syncobj.PendingMutation:state] is
 * %SYNCOBJ_MUTATION_STATE_SYNCED) and the others roll back.
 *
 * Returns: %TRUE when the server has the change
 */
gboolean
syncobj_pending_mutation_get_applied (SyncobjPendingMutation *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_PENDING_MUTATION (self), FALSE);

  return g_atomic_int_get (&self->applied);
}

/**
 * syncobj_pending_mutation_get_collection:
 * @self: a pending mutation
 *
 * Gets the collection @self belongs to. The mutation does not keep its
 * collection alive.
 *
 * Returns: (transfer none) (nullable): the collection, or %NULL once it
 *   was finalized
 */
SyncobjCollection *
syncobj_pending_mutation_get_collection (SyncobjPendingMutation *self)
{
  g_autoptr(GObject) collection = NULL;

  g_return_val_if_fail (SYNCOBJ_IS_PENDING_MUTATION (self), NULL);

  /* Transfer none: whoever holds the collection keeps it alive; the
   * strong reference only guards the read. */
  collection = _syncobj_weak_get (self->collection);
  return (SyncobjCollection *) collection;
}

/**
 * syncobj_pending_mutation_get_collection_id:
 * @self: a pending mutation
 *
 * Gets the identifier of the collection @self belongs to. Unlike
 * [method@Syncobj.PendingMutation.get_collection] it is available after
 * the collection is gone.
 *
 * Returns: (transfer none): the collection identifier
 */
const char *
syncobj_pending_mutation_get_collection_id (SyncobjPendingMutation *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_PENDING_MUTATION (self), NULL);

  return self->collection_id;
}

/**
 * syncobj_pending_mutation_to_json:
 * @self: a pending mutation
 *
 * Serializes @self as compact JSON text, the form persist functions send
 * to a backend:
 *
 * ```json
 * {"mutation_id": "…", "collection": "todos", "key": "1", "type": "update",
 *  "changes": {…}, "original": {…}, "modified": {…}, "metadata": {…}}
 * ```
 *
 * `type` is `insert`, `update` or `delete`; `original`, `modified` and
 * `metadata` are left out when they are %NULL.
 *
 * Returns: (transfer full): the JSON text
 */
char *
syncobj_pending_mutation_to_json (SyncobjPendingMutation *self)
{
  g_autoptr(JsonObject) object = NULL;

  g_return_val_if_fail (SYNCOBJ_IS_PENDING_MUTATION (self), NULL);

  _syncobj_pending_mutation_ensure (self);
  object = json_object_new ();
  json_object_set_string_member (object, "mutation_id", _syncobj_pending_mutation_peek_id (self));
  json_object_set_string_member (object, "collection", self->collection_id);
  json_object_set_string_member (object, "key", self->key);
  json_object_set_string_member (object, "type", _syncobj_mutation_type_to_string (self->type));
  json_object_set_object_member (object, "changes", json_object_ref (self->changes));
  if (self->original != NULL)
    json_object_set_object_member (object, "original", json_object_ref (self->original));
  if (self->modified != NULL)
    json_object_set_object_member (object, "modified", json_object_ref (self->modified));
  if (syncobj_pending_mutation_get_metadata (self) != NULL)
    json_object_set_object_member (object, "metadata", json_object_ref (self->extra->metadata));

  return _syncobj_json_to_string (object);
}
