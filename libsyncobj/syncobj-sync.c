/* syncobj-sync.c: the sync side, pushing server state into a collection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-sync-private.h"
#include "syncobj-collection-private.h"
#include "syncobj-json-util-private.h"
#include "syncobj-json-validate-private.h"
#include "syncobj-json-scan-private.h"

/**
 * SyncobjSync:
 *
 * The sync side of a collection (the specification's `SyncConfig`): it
 * pushes the server's state in commits.
 *
 * A commit is a batch of writes between [method@Syncobj.Sync.begin] and
 * [method@Syncobj.Sync.commit]; it reaches the collection in one step.
 * [method@Syncobj.Sync.mark_ready] says the initial state is complete;
 * [method@Syncobj.Sync.mark_error] reports a problem with the connection.
 *
 * A plain `SyncobjSync` is driven from outside: an application (in C,
 * Python or JavaScript) calls begin/write/commit itself whenever its own
 * connection brings news. A subclass implements the `start` virtual
 * function, called once the collection exists, to connect to its server.
 *
 * Sync writes are not optimistic: `insert` sets the whole synced record,
 * `update` merges members into it (or sets it when absent), `delete`
 * removes it. Writes to keys locked by an ordered collection's transactions
 * are held until the lock releases.
 *
 * ## Messages
 *
 * [method@Syncobj.Sync.apply_json] takes JSON change messages as a server
 * would send them: one object `{"type": "insert"|"update"|"delete",
 * "value": {…}}` (a delete may give `"key"` instead of `"value"`), or an
 * array of them. A message set with any malformed message is rejected as a
 * whole with %SYNCOBJ_ERROR_PARSE and changes nothing.
 *
 * Records that arrive as text (messages, snapshots,
 * [method@Syncobj.Sync.write_json]) are kept as compact JSON text, with no
 * `JsonNode` built, until somebody asks for their value; a write that sets
 * every member of such a record keeps it as text.
 */

typedef struct
{
  char              *id;
  SyncobjCollection *collection;     /* weak pointer */
  GArray            *batch;          /* SyncobjSyncWrite, while begun */
  gboolean           batch_shared;   /* batch is a snapshot's array */
  GArray            *spare_batch;    /* empty, for the next begin */
  gboolean           truncate;
  GPtrArray         *early_commits;  /* before a collection is attached */
  gboolean           slicing;        /* a sliced commit is under way */
  GQueue             behind;         /* EarlyCommit: later commits, waiting for it */
  GPtrArray         *waiters;        /* SyncobjKeyWaiter */
  gpointer           spare_waiter;   /* a freed SyncobjKeyWaiter */
  GError            *error;
  SyncobjSyncCursor  cursor;
  gboolean           ready;
  gboolean           started;
} SyncobjSyncPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (SyncobjSync, syncobj_sync, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_COLLECTION,
  PROP_READY,
  PROP_ERROR,
  PROP_CURSOR,
  N_PROPS
};

enum {
  COMMITTED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* A commit not applied yet: made before a collection is attached, or
 * while a sliced one is under way (then @done is set for a sliced one). */
typedef struct
{
  GArray                   *writes;
  gboolean                  truncate;
  char                     *cursor;
  SyncobjSyncCommittedFunc  done;
  gpointer                  user_data;
} EarlyCommit;

/* The largest commit whose array is kept for the next one. */
#define SPARE_BATCH_MAX 64

static GArray *
write_array_new (void)
{
  GArray *writes = g_array_new (FALSE, FALSE, sizeof (SyncobjSyncWrite));

  g_array_set_clear_func (writes, (GDestroyNotify) _syncobj_sync_write_clear);
  return writes;
}

static EarlyCommit *
early_commit_new (GArray     *writes,
                  gboolean    truncate,
                  const char *cursor)
{
  EarlyCommit *commit = g_new0 (EarlyCommit, 1);

  commit->writes = g_array_ref (writes);
  commit->truncate = truncate;
  commit->cursor = g_strdup (cursor);
  return commit;
}

static void
early_commit_free (gpointer data)
{
  EarlyCommit *commit = data;

  g_clear_pointer (&commit->writes, g_array_unref);
  g_free (commit->cursor);
  g_free (commit);
}

static void sync_drop_behind (SyncobjSync *self);

static const char *
sync_key_member (SyncobjSync *self)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);

  return priv->collection != NULL ? syncobj_collection_get_key_member (priv->collection) : "id";
}

const char *
_syncobj_sync_get_key_member (SyncobjSync *self)
{
  return sync_key_member (self);
}

GPtrArray *
_syncobj_sync_peek_waiters (SyncobjSync *self)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);

  return priv->waiters;
}

gpointer *
_syncobj_sync_spare_waiter_slot (SyncobjSync *self)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);

  return &priv->spare_waiter;
}

/* ---- attaching ------------------------------------------------------------- */

void
_syncobj_sync_attach (SyncobjSync       *self,
                      SyncobjCollection *collection)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);
  g_autoptr(GPtrArray) early = g_steal_pointer (&priv->early_commits);

  g_return_if_fail (priv->collection == NULL);

  priv->collection = collection;
  g_object_add_weak_pointer (G_OBJECT (collection), (gpointer *) &priv->collection);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COLLECTION]);

  priv->early_commits = g_ptr_array_new_with_free_func (early_commit_free);
  for (guint i = 0; early != NULL && i < early->len; i++)
    {
      EarlyCommit *commit = g_ptr_array_index (early, i);
      g_autoptr(GError) error = NULL;

      if (!_syncobj_collection_apply_sync (collection, (SyncobjSyncWrite *) (gpointer) commit->writes->data,
                                           commit->writes->len, commit->truncate, commit->cursor, &error))
        g_debug ("Sync “%s”: %s", priv->id, error->message);
    }
  _syncobj_collection_set_ready (collection, priv->ready);
  if (priv->error != NULL)
    _syncobj_collection_sync_failed (collection);

  if (!priv->started)
    {
      priv->started = TRUE;
      if (SYNCOBJ_SYNC_GET_CLASS (self)->start != NULL)
        SYNCOBJ_SYNC_GET_CLASS (self)->start (self);
    }
}

void
_syncobj_sync_detach (SyncobjSync *self)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);

  if (priv->collection == NULL)
    return;

  if (priv->started && SYNCOBJ_SYNC_GET_CLASS (self)->stop != NULL)
    SYNCOBJ_SYNC_GET_CLASS (self)->stop (self);
  priv->started = FALSE;
  sync_drop_behind (self);

  g_object_remove_weak_pointer (G_OBJECT (priv->collection), (gpointer *) &priv->collection);
  priv->collection = NULL;
}

/* ---- public API ------------------------------------------------------------ */

/**
 * syncobj_sync_new:
 * @id: the id of the sync (the collection's id by convention)
 *
 * Creates a sync that the application drives itself with
 * [method@Syncobj.Sync.begin], [method@Syncobj.Sync.write] and
 * [method@Syncobj.Sync.commit].
 *
 * Returns: (transfer full): a new sync
 */
SyncobjSync *
syncobj_sync_new (const char *id)
{
  return g_object_new (SYNCOBJ_TYPE_SYNC, "id", id, NULL);
}

/**
 * syncobj_sync_get_id:
 * @self: a sync
 *
 * Gets the id of the sync, used in log messages.
 *
 * Returns: (nullable): the id of the sync
 */
const char *
syncobj_sync_get_id (SyncobjSync *self)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);

  g_return_val_if_fail (SYNCOBJ_IS_SYNC (self), NULL);
  return priv->id;
}

/**
 * syncobj_sync_get_collection:
 * @self: a sync
 *
 * Gets the collection the sync feeds, set when the sync is given to a
 * collection.
 *
 * Returns: (transfer none) (nullable): the collection this sync feeds
 */
SyncobjCollection *
syncobj_sync_get_collection (SyncobjSync *self)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);

  g_return_val_if_fail (SYNCOBJ_IS_SYNC (self), NULL);
  return priv->collection;
}

/**
 * syncobj_sync_get_ready:
 * @self: a sync
 *
 * Tells whether the first full state arrived, [property@Syncobj.Sync:ready].
 *
 * Returns: %TRUE once [method@Syncobj.Sync.mark_ready] was called
 */
gboolean
syncobj_sync_get_ready (SyncobjSync *self)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);

  g_return_val_if_fail (SYNCOBJ_IS_SYNC (self), FALSE);
  return priv->ready;
}

/**
 * syncobj_sync_get_error:
 * @self: a sync
 *
 * Gets the last error of the sync, [property@Syncobj.Sync:error].
 *
 * Returns: (nullable) (transfer none): the last error reported with
 *   [method@Syncobj.Sync.mark_error]
 */
const GError *
syncobj_sync_get_error (SyncobjSync *self)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);

  g_return_val_if_fail (SYNCOBJ_IS_SYNC (self), NULL);
  return priv->error;
}

/**
 * syncobj_sync_begin:
 * @self: a sync
 *
 * Starts a commit. Writes until [method@Syncobj.Sync.commit] reach the
 * collection together. Beginning again while a commit is open keeps
 * gathering into the same commit.
 */
void
syncobj_sync_begin (SyncobjSync *self)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);

  g_return_if_fail (SYNCOBJ_IS_SYNC (self));
  SYNCOBJ_RETURN_IF_NOT_OWNER (_syncobj_sync_get_owner (self));

  if (priv->batch == NULL)
    {
      priv->batch = priv->spare_batch != NULL ? g_steal_pointer (&priv->spare_batch) : write_array_new ();
      priv->batch_shared = FALSE;
      priv->truncate = FALSE;
    }
}

SyncobjSyncCursor *
_syncobj_sync_peek_cursor (SyncobjSync *self)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);

  return &priv->cursor;
}

GThread *
_syncobj_sync_get_owner (SyncobjSync *self)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);

  return priv->collection != NULL ? _syncobj_collection_get_owner (priv->collection) : NULL;
}

gboolean
_syncobj_sync_check_begun (SyncobjSync  *self,
                           GError      **error)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);

  if (priv->batch == NULL)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_STATE,
                   _("Sync “%s” has no open commit: call begin() before writing"),
                   priv->id != NULL ? priv->id : "");
      return FALSE;
    }
  return TRUE;
}

/* Validates one write; on success fills @write (taking a reference). */
static gboolean
sync_prepare_write (SyncobjSync         *self,
                    SyncobjMutationType  type,
                    JsonObject          *value,
                    const char          *delete_key,
                    SyncobjSyncWrite    *write,
                    GError             **error)
{
  char buffer[SYNCOBJ_INT_KEY_SIZE];
  const char *key;
  gboolean key_is_int = FALSE;

  if (type == SYNCOBJ_MUTATION_TYPE_DELETE && value == NULL && delete_key != NULL && *delete_key != '\0')
    key = delete_key;
  else
    {
      if (value == NULL)
        {
          g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_INVALID_RECORD,
                       _("A sync write needs a record (a JSON object)"));
          return FALSE;
        }
      key = _syncobj_json_get_key (value, sync_key_member (self), buffer, &key_is_int, error);
      if (key == NULL)
        return FALSE;
    }

  *write = (SyncobjSyncWrite) { 0 };
  write->type = type;
  write->key_is_int = key_is_int;
  if (value != NULL && type != SYNCOBJ_MUTATION_TYPE_DELETE && !key_is_int)
    {
      /* Synced values are immutable snapshots, so the key can stay where
       * it is: no copy per record (a big snapshot would otherwise leave
       * one freed string per record behind). */
      json_object_seal (value);
      write->value = json_object_ref (value);
      write->key = (char *) key;
      write->key_borrowed = TRUE;
    }
  else
    {
      if (value != NULL && type != SYNCOBJ_MUTATION_TYPE_DELETE)
        {
          json_object_seal (value);
          write->value = json_object_ref (value);
        }
      write->key = g_strdup (key);
      write->key_borrowed = FALSE;
    }

  return TRUE;
}

/**
 * syncobj_sync_write:
 * @self: a sync
 * @type: insert (set the whole record), update (merge members) or delete
 * @value: the record; for a delete, only its key member is read
 * @error: return location for an error
 *
 * Adds one write to the open commit. @value is sealed (made immutable) and
 * kept: do not change it afterwards.
 *
 * Returns: %TRUE on success; %FALSE with %SYNCOBJ_ERROR_INVALID_STATE
 *   without an open commit, or %SYNCOBJ_ERROR_INVALID_RECORD for a value
 *   without a valid key (the write is skipped, the commit stays open)
 */
gboolean
syncobj_sync_write (SyncobjSync          *self,
                    SyncobjMutationType   type,
                    JsonObject           *value,
                    GError              **error)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);
  SyncobjSyncWrite write;

  g_return_val_if_fail (SYNCOBJ_IS_SYNC (self), FALSE);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (_syncobj_sync_get_owner (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_syncobj_sync_check_begun (self, error))
    return FALSE;

  if (value != NULL && !_syncobj_json_check_object (value, SYNCOBJ_ERROR_INVALID_RECORD, error))
    return FALSE;

  if (!sync_prepare_write (self, type, value, NULL, &write, error))
    return FALSE;

  g_array_append_val (priv->batch, write);
  return TRUE;
}

/**
 * syncobj_sync_write_json:
 * @self: a sync
 * @type: insert, update or delete
 * @json: the record as JSON text (an object)
 * @error: return location for an error
 *
 * Like [method@Syncobj.Sync.write], for JSON text: the cheapest way to
 * hand over what a server sent. The record stays compact JSON text,
 * without a `JsonObject`, until somebody asks for its value.
 *
 * Returns: %TRUE on success
 */
gboolean
syncobj_sync_write_json (SyncobjSync          *self,
                         SyncobjMutationType   type,
                         const char           *json,
                         GError              **error)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);
  g_autoptr(JsonObject) value = NULL;
  SyncobjSyncWrite write;

  g_return_val_if_fail (SYNCOBJ_IS_SYNC (self), FALSE);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (_syncobj_sync_get_owner (self), FALSE);
  g_return_val_if_fail (json != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_syncobj_sync_check_begun (self, error))
    return FALSE;

  /* A record is kept as its compact text, without a JsonNode; text the
   * scanner does not take goes the slower way, which names its fault. */
  if (_syncobj_sync_write_init_text (&write, type, sync_key_member (self), json, strlen (json)))
    {
      g_array_append_val (priv->batch, write);
      return TRUE;
    }

  value = _syncobj_json_parse_object (json, -1, error);
  if (value == NULL)
    return FALSE;

  return syncobj_sync_write (self, type, value, error);
}

/**
 * syncobj_sync_truncate:
 * @self: a sync
 * @error: return location for an error
 *
 * Makes the open commit a full snapshot: synced records that it does not
 * write are deleted when it is committed. Optimistic changes stay on top.
 * Use it after a reconnect, with the server's fresh snapshot.
 *
 * Returns: %TRUE on success; %FALSE without an open commit
 */
gboolean
syncobj_sync_truncate (SyncobjSync  *self,
                       GError      **error)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);

  g_return_val_if_fail (SYNCOBJ_IS_SYNC (self), FALSE);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (_syncobj_sync_get_owner (self), FALSE);

  if (!_syncobj_sync_check_begun (self, error))
    return FALSE;

  priv->truncate = TRUE;
  return TRUE;
}

/* Applies @writes to the collection, then wakes the waiters of their keys
 * and emits ::committed. */
static gboolean
sync_apply (SyncobjSync  *self,
            GArray       *writes,
            gboolean      truncate,
            const char   *cursor,
            GError      **error)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);
  gboolean applied = _syncobj_collection_apply_sync (priv->collection, (SyncobjSyncWrite *) (gpointer) writes->data,
                                                     writes->len, truncate, cursor, error);

  _syncobj_sync_notify_waiters (self, writes);
  g_signal_emit (self, signals[COMMITTED], 0, writes->len);
  return applied;
}

/* @cursor (taken, nullable) becomes the sync's cursor with this commit.
 * A commit made while a sliced one is under way (or others wait behind
 * it) waits too: commits apply in their order, and the sliced one keeps
 * its slices. */
static gboolean
sync_deliver (SyncobjSync  *self,
              GArray       *writes,
              gboolean      truncate,
              char         *cursor,
              GError      **error)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);
  gboolean applied = TRUE;

  _syncobj_sync_advance_cursor (self, cursor);

  if (priv->collection != NULL && (priv->slicing || !g_queue_is_empty (&priv->behind)))
    g_queue_push_tail (&priv->behind, early_commit_new (writes, truncate, cursor));
  else if (priv->collection != NULL)
    applied = sync_apply (self, writes, truncate, cursor, error);
  else
    {
      g_ptr_array_add (priv->early_commits, early_commit_new (writes, truncate, cursor));
      _syncobj_sync_notify_waiters (self, writes);
      g_signal_emit (self, signals[COMMITTED], 0, writes->len);
    }
  g_free (cursor);
  return applied;
}

/**
 * syncobj_sync_commit:
 * @self: a sync
 * @error: return location for an error
 *
 * Applies the open commit to the collection in one step and wakes
 * [method@Syncobj.Sync.wait_for_keys_async] callers whose keys it wrote.
 *
 * While the collection is still applying a big snapshot over several
 * main-loop iterations (as [class@Syncobj.HttpSync] does), the commit
 * waits behind it and applies right after it, in the order commits were
 * made; the callers of [method@Syncobj.Sync.wait_for_keys_async] and
 * [signal@Syncobj.Sync::committed] learn of it then. It returns %TRUE,
 * and a record refused then is only logged (debug), as for a commit made
 * before the sync has a collection.
 *
 * Returns: %TRUE on success; %FALSE with %SYNCOBJ_ERROR_INVALID_STATE
 *   without an open commit, or with %SYNCOBJ_ERROR_KEY_EXISTS when a
 *   record's key has the text of a key of the other type the collection
 *   holds (`1` and `"1"`): that record is refused, the others apply
 */
gboolean
syncobj_sync_commit (SyncobjSync  *self,
                     GError      **error)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);
  g_autoptr(GArray) writes = NULL;
  gboolean truncate, reusable, applied;

  g_return_val_if_fail (SYNCOBJ_IS_SYNC (self), FALSE);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (_syncobj_sync_get_owner (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_syncobj_sync_check_begun (self, error))
    return FALSE;

  writes = g_steal_pointer (&priv->batch);
  truncate = priv->truncate;
  priv->truncate = FALSE;
  /* Applied at once, the array is ours alone afterwards: a small one is
   * kept for the next commit (an echo per write makes one commit each),
   * rather than freed and made again. */
  reusable = !priv->batch_shared && writes->len <= SPARE_BATCH_MAX &&
             priv->collection != NULL && !priv->slicing && g_queue_is_empty (&priv->behind);

  applied = sync_deliver (self, writes, truncate, g_steal_pointer (&priv->cursor.pending), error);
  if (reusable && priv->spare_batch == NULL)
    {
      g_array_set_size (writes, 0);
      priv->spare_batch = g_steal_pointer (&writes);
    }
  return applied;
}

typedef struct
{
  SyncobjSync              *sync;
  GArray                   *writes;
  SyncobjSyncCommittedFunc  done;
  gpointer                  user_data;
} SlicedDelivery;

static void sync_start_sliced (SyncobjSync              *self,
                               GArray                   *writes,
                               gboolean                  truncate,
                               const char               *cursor,
                               SyncobjSyncCommittedFunc  done,
                               gpointer                  user_data);

/* Applies the commits waiting behind a sliced one, in order, until one
 * of them is sliced too. */
static void
sync_drain_behind (SyncobjSync *self)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);
  EarlyCommit *commit;

  while (!priv->slicing && priv->collection != NULL && (commit = g_queue_pop_head (&priv->behind)) != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (commit->done != NULL)
        sync_start_sliced (self, g_steal_pointer (&commit->writes), commit->truncate, commit->cursor,
                           commit->done, commit->user_data);
      else if (!sync_apply (self, commit->writes, commit->truncate, commit->cursor, &error))
        g_debug ("Sync “%s”: %s", priv->id, error->message);
      early_commit_free (commit);
    }
}

/* The collection goes: the commits waiting behind a sliced one never
 * apply; a sliced one among them is told so. */
static void
sync_drop_behind (SyncobjSync *self)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);
  EarlyCommit *commit;

  while ((commit = g_queue_pop_head (&priv->behind)) != NULL)
    {
      if (commit->done != NULL)
        {
          g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                         _("The collection was finalized before the sync commit applied"));

          commit->done (self, error, commit->user_data);
        }
      early_commit_free (commit);
    }
}

static void
sliced_delivered_cb (gpointer      data,
                     const GError *error)
{
  SlicedDelivery *delivery = data;
  SyncobjSync *self = delivery->sync;
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);

  priv->slicing = FALSE;
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      _syncobj_sync_notify_waiters (self, delivery->writes);
      g_signal_emit (self, signals[COMMITTED], 0, delivery->writes->len);
      /* Before @done: what it commits comes after them. */
      sync_drain_behind (self);
    }
  else
    sync_drop_behind (self);
  delivery->done (self, error, delivery->user_data);
  g_object_unref (self);
  g_array_unref (delivery->writes);
  g_free (delivery);
}

/* Takes @writes. */
static void
sync_start_sliced (SyncobjSync              *self,
                   GArray                   *writes,
                   gboolean                  truncate,
                   const char               *cursor,
                   SyncobjSyncCommittedFunc  done,
                   gpointer                  user_data)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);
  SlicedDelivery *delivery = g_new0 (SlicedDelivery, 1);

  delivery->sync = g_object_ref (self);
  delivery->writes = writes;
  delivery->done = done;
  delivery->user_data = user_data;
  priv->slicing = TRUE;
  _syncobj_collection_apply_sync_sliced (priv->collection, writes, truncate, cursor,
                                         sliced_delivered_cb, delivery);
}

void
_syncobj_sync_commit_sliced (SyncobjSync              *self,
                             SyncobjSyncCommittedFunc  done,
                             gpointer                  user_data)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);
  g_autofree char *cursor = NULL;
  g_autoptr(GArray) writes = NULL;
  gboolean truncate;

  g_return_if_fail (priv->batch != NULL);

  if (priv->collection == NULL)
    {
      g_autoptr(GError) error = NULL;

      syncobj_sync_commit (self, &error);
      done (self, error, user_data);
      return;
    }

  cursor = g_steal_pointer (&priv->cursor.pending);
  truncate = priv->truncate;
  priv->truncate = FALSE;
  writes = g_steal_pointer (&priv->batch);
  _syncobj_sync_advance_cursor (self, cursor);
  if (priv->slicing || !g_queue_is_empty (&priv->behind))
    {
      EarlyCommit *commit = early_commit_new (writes, truncate, cursor);

      commit->done = done;
      commit->user_data = user_data;
      g_queue_push_tail (&priv->behind, commit);
      return;
    }
  sync_start_sliced (self, g_steal_pointer (&writes), truncate, cursor, done, user_data);
}

gboolean
_syncobj_sync_take_writes (SyncobjSync  *self,
                  GArray       *writes,
                  GError      **error)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);

  if (priv->batch == NULL)
    return sync_deliver (self, writes, FALSE, NULL, error);

  /* A snapshot joins an empty commit without a copy. */
  if (priv->batch->len == 0)
    {
      g_array_unref (priv->batch);
      priv->batch = g_array_ref (writes);
      priv->batch_shared = TRUE;
      return TRUE;
    }

  for (guint i = 0; i < writes->len; i++)
    {
      SyncobjSyncWrite *write = &g_array_index (writes, SyncobjSyncWrite, i);
      SyncobjSyncWrite moved = *write;

      write->key = NULL;
      write->value = NULL;
      write->arena = NULL;
      g_array_append_val (priv->batch, moved);
    }
  return TRUE;
}

static gboolean
parse_message (SyncobjSync      *self,
               JsonNode         *node,
               guint             index,
               SyncobjSyncWrite *write,
               GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonObject *message;
  JsonNode *value_node;
  const char *type_name;
  const char *delete_key = NULL;
  char key_buffer[SYNCOBJ_INT_KEY_SIZE];
  SyncobjMutationType type;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                   _("Sync message %u is not a JSON object"), index);
      return FALSE;
    }

  message = json_node_get_object (node);
  type_name = _syncobj_json_get_string_member (message, "type");
  if (type_name == NULL || !_syncobj_mutation_type_from_string (type_name, &type))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                   _("Sync message %u has no valid “type” (insert, update or delete)"), index);
      return FALSE;
    }

  value_node = json_object_get_member (message, "value");
  if (type == SYNCOBJ_MUTATION_TYPE_DELETE && value_node == NULL)
    {
      /* A string, or an integer by its decimal text: {"key": 7}. */
      delete_key = _syncobj_json_get_key (message, "key", key_buffer, NULL, NULL);
      if (delete_key == NULL || *delete_key == '\0')
        {
          g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                       _("Sync message %u deletes without a “key” or “value”"), index);
          return FALSE;
        }
    }
  else if (value_node == NULL || !JSON_NODE_HOLDS_OBJECT (value_node))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                   _("Sync message %u has no “value” object"), index);
      return FALSE;
    }

  if (!sync_prepare_write (self, type,
                           value_node != NULL ? json_node_get_object (value_node) : NULL,
                           delete_key, write, &local_error))
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                   _("Sync message %u: %s"), index, local_error->message);
      return FALSE;
    }

  return TRUE;
}

/**
 * syncobj_sync_apply_json:
 * @self: a sync
 * @json: one change message or an array of them, as JSON text
 * @length: the length of @json in bytes, or -1 if nul-terminated
 * @error: return location for an error
 *
 * Applies change messages (see the class description) as one commit, or
 * adds them to the open commit if there is one.
 *
 * Returns: %TRUE on success; %FALSE with %SYNCOBJ_ERROR_PARSE naming the
 *   first malformed message, and nothing applied; or with
 *   %SYNCOBJ_ERROR_KEY_EXISTS as [method@Syncobj.Sync.commit] gives it
 */
gboolean
syncobj_sync_apply_json (SyncobjSync  *self,
                         const char   *json,
                         gssize        length,
                         GError      **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GArray) writes = NULL;
  SyncobjSyncLoad *load;
  JsonNode *root;

  g_return_val_if_fail (SYNCOBJ_IS_SYNC (self), FALSE);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (_syncobj_sync_get_owner (self), FALSE);
  g_return_val_if_fail (json != NULL, FALSE);

  if (length < 0)
    length = (gssize) strlen (json);

  /* Records stay compact text, from the message to the collection, with
   * no JsonNode built; a message set the scanner does not take goes the
   * slower way, which names the first fault. */
  load = _syncobj_sync_load_scan_messages (sync_key_member (self), json, (gsize) length);
  if (load != NULL)
    return _syncobj_sync_load_take (self, load, error);

  parser = json_parser_new_immutable ();
  writes = write_array_new ();
  if (!_syncobj_json_check_text (json, length, SYNCOBJ_ERROR_PARSE, &local_error) ||
      !json_parser_load_from_data (parser, json, length, &local_error))
    {
      g_autofree char *message = _syncobj_json_error_message (local_error, json, length);

      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                   _("Malformed sync message: %s"), message);
      return FALSE;
    }

  root = json_parser_get_root (parser);
  if (root != NULL && JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *array = json_node_get_array (root);
      guint n = json_array_get_length (array);

      for (guint i = 0; i < n; i++)
        {
          SyncobjSyncWrite write;

          if (!parse_message (self, json_array_get_element (array, i), i, &write, error))
            return FALSE;
          g_array_append_val (writes, write);
        }
    }
  else if (root != NULL)
    {
      SyncobjSyncWrite write;

      if (!parse_message (self, root, 0, &write, error))
        return FALSE;
      g_array_append_val (writes, write);
    }
  else
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE, _("Empty sync message"));
      return FALSE;
    }

  return _syncobj_sync_take_writes (self, writes, error);
}

/**
 * syncobj_sync_mark_ready:
 * @self: a sync
 *
 * Says that the initial state has been committed; the collection becomes
 * [property@Syncobj.Collection:ready].
 */
void
syncobj_sync_mark_ready (SyncobjSync *self)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);

  g_return_if_fail (SYNCOBJ_IS_SYNC (self));
  SYNCOBJ_RETURN_IF_NOT_OWNER (_syncobj_sync_get_owner (self));

  if (priv->ready)
    return;

  priv->ready = TRUE;
  if (priv->collection != NULL)
    _syncobj_collection_set_ready (priv->collection, TRUE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READY]);
}

/**
 * syncobj_sync_mark_error:
 * @self: a sync
 * @error: what went wrong
 *
 * Reports a problem of the sync connection: it is kept in
 * [property@Syncobj.Sync:error] and logged. The synced state stays as it is.
 */
void
syncobj_sync_mark_error (SyncobjSync  *self,
                         const GError *error)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);

  g_return_if_fail (SYNCOBJ_IS_SYNC (self));
  SYNCOBJ_RETURN_IF_NOT_OWNER (_syncobj_sync_get_owner (self));
  g_return_if_fail (error != NULL);

  _syncobj_sync_note_error (self, error);
  if (priv->collection != NULL)
    _syncobj_collection_sync_failed (priv->collection);
}

void
_syncobj_sync_note_error (SyncobjSync  *self,
                          const GError *error)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);

  g_clear_error (&priv->error);
  priv->error = g_error_copy (error);
  g_log_structured (SYNCOBJ_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "SYNCOBJ_SYNC_ID", priv->id != NULL ? priv->id : "",
                    "MESSAGE", "sync %s: %s", priv->id != NULL ? priv->id : "", error->message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

/* ---- GObject ---------------------------------------------------------------- */

static void
syncobj_sync_dispose (GObject *object)
{
  SyncobjSync *self = SYNCOBJ_SYNC (object);

  _syncobj_sync_detach (self);
  _syncobj_sync_cancel_waiters (self);

  G_OBJECT_CLASS (syncobj_sync_parent_class)->dispose (object);
}

static void
syncobj_sync_finalize (GObject *object)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (SYNCOBJ_SYNC (object));

  g_free (priv->id);
  g_clear_pointer (&priv->batch, g_array_unref);
  g_clear_pointer (&priv->spare_batch, g_array_unref);
  g_clear_pointer (&priv->early_commits, g_ptr_array_unref);
  g_queue_clear_full (&priv->behind, early_commit_free);
  g_clear_pointer (&priv->waiters, g_ptr_array_unref);
  g_clear_pointer (&priv->spare_waiter, g_free);
  g_clear_error (&priv->error);
  g_free (priv->cursor.current);
  g_free (priv->cursor.pending);

  G_OBJECT_CLASS (syncobj_sync_parent_class)->finalize (object);
}

static void
syncobj_sync_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  SyncobjSync *self = SYNCOBJ_SYNC (object);
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, priv->id);
      break;
    case PROP_COLLECTION:
      g_value_set_object (value, priv->collection);
      break;
    case PROP_READY:
      g_value_set_boolean (value, priv->ready);
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, priv->error);
      break;
    case PROP_CURSOR:
      g_value_set_string (value, priv->cursor.current);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_sync_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (SYNCOBJ_SYNC (object));

  switch (prop_id)
    {
    case PROP_ID:
      g_free (priv->id);
      priv->id = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_sync_class_init (SyncobjSyncClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _syncobj_ensure_i18n ();

  object_class->dispose = syncobj_sync_dispose;
  object_class->finalize = syncobj_sync_finalize;
  object_class->get_property = syncobj_sync_get_property;
  object_class->set_property = syncobj_sync_set_property;

  /**
   * SyncobjSync:id:
   *
   * The id of the sync.
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjSync:collection:
   *
   * The collection this sync feeds, once it exists.
   */
  properties[PROP_COLLECTION] =
    g_param_spec_object ("collection", NULL, NULL, SYNCOBJ_TYPE_COLLECTION,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjSync:ready:
   *
   * Whether the initial state has been committed.
   */
  properties[PROP_READY] =
    g_param_spec_boolean ("ready", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjSync:error:
   *
   * The last problem reported by the sync connection. It stays set once
   * the problem is over: [property@Syncobj.HttpSync:connected] (or
   * [property@Syncobj.Sync:ready]) tells whether the sync works now.
   */
  properties[PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjSync:cursor:
   *
   * Where the server's change feed stands: the cursor of the last commit
   * that set one, or the one the collection's store kept from the last
   * run. See [method@Syncobj.Sync.set_cursor].
   */
  properties[PROP_CURSOR] =
    g_param_spec_string ("cursor", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SyncobjSync::committed:
   * @self: the sync
   * @n_writes: the number of writes in the commit
   *
   * Emitted after a commit reached the collection.
   */
  signals[COMMITTED] =
    g_signal_new ("committed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
syncobj_sync_init (SyncobjSync *self)
{
  SyncobjSyncPrivate *priv = syncobj_sync_get_instance_private (self);

  priv->early_commits = g_ptr_array_new_with_free_func (early_commit_free);
  priv->waiters = g_ptr_array_new_with_free_func ((GDestroyNotify) _syncobj_key_waiter_free);
}
