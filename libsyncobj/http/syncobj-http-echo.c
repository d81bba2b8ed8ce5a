/* syncobj-http-echo.c: knowing when a write has come back through the sync
 *
 * A SyncobjHttpMutator watches for the echo of each transaction it
 * persists; the SyncobjHttpSync of the collection reports every change
 * message and snapshot it applies to its SyncobjHttpEchoes, which finishes
 * the waits they complete. Neither of the two calls the other.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-http-echo-private.h"
#include "syncobj-collection-private.h"
#include "syncobj-json-parser-private.h"
#include "syncobj-json-util-private.h"

/* Entries are indexed by idempotency key and by record key, so that the
 * cost of a change message does not grow with the writes in flight. */

struct _SyncobjHttpEchoes
{
  SyncobjSync              *sync;           /* unowned: it owns the echoes */
  SyncobjHttpEchoesWakeFunc wake;
  gpointer                  wake_data;
  GHashTable               *watches;        /* SyncobjHttpEchoWatch set, unowned */
  GHashTable               *entries_by_tag; /* idempotency key → EchoEntry */
  GHashTable               *entries_by_key; /* record key → GPtrArray of EchoEntry */
  guint64                   epoch;          /* orders waits and snapshot requests */
  guint                     n_temporary;    /* entries inserting under a temporary key */
};

typedef struct
{
  SyncobjHttpEchoWatch *watch;
  char                 *idempotency_key;
  char                 *key;
  JsonObject           *expected;   /* nullable */
  SyncobjPendingMutation *insert;   /* an insert under a temporary key, until its key is known */
  gboolean              deleted;
  gboolean              done;
} EchoEntry;

struct _SyncobjHttpEchoWatch
{
  SyncobjSync       *sync;          /* weak pointer */
  SyncobjHttpEchoes *echoes;        /* the sync's, while it is set */
  GPtrArray         *entries;       /* EchoEntry */
  guint              n_pending;
  GTask             *task;          /* while waiting */
  guint64            epoch;         /* when the wait began */
  guint              timer;
  guint              cancelled_idle;
  gulong             cancelled_handler;
};

/* ---- a mutator's watch ------------------------------------------------------- */

static void
echo_entry_free (EchoEntry *entry)
{
  g_free (entry->idempotency_key);
  g_free (entry->key);
  g_clear_pointer (&entry->expected, json_object_unref);
  g_clear_object (&entry->insert);
  g_free (entry);
}

static void
echo_entry_done (EchoEntry *entry)
{
  if (entry->done)
    return;
  entry->done = TRUE;
  entry->watch->n_pending--;
}

static void
echo_watch_stop_waiting (SyncobjHttpEchoWatch *watch)
{
  if (watch->timer != 0)
    _syncobj_scheduler_remove (_syncobj_scheduler_get_default (), watch->timer);
  watch->timer = 0;
  if (watch->cancelled_idle != 0)
    g_source_remove (watch->cancelled_idle);
  watch->cancelled_idle = 0;
  if (watch->cancelled_handler != 0)
    g_cancellable_disconnect (g_task_get_cancellable (watch->task), watch->cancelled_handler);
  watch->cancelled_handler = 0;
}

static void
echo_watch_return (SyncobjHttpEchoWatch *watch,
                   GError               *error)
{
  g_autoptr(GTask) task = NULL;

  if (watch->task == NULL)
    {
      g_clear_error (&error);
      return;
    }
  echo_watch_stop_waiting (watch);
  task = g_steal_pointer (&watch->task);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
echo_watch_check (SyncobjHttpEchoWatch *watch)
{
  if (watch->task != NULL && watch->n_pending == 0)
    echo_watch_return (watch, NULL);
}

static void
echo_entry_index_key (SyncobjHttpEchoes *echoes,
                      EchoEntry         *entry)
{
  GPtrArray *same_key = g_hash_table_lookup (echoes->entries_by_key, entry->key);

  if (same_key == NULL)
    {
      same_key = g_ptr_array_new ();
      g_hash_table_insert (echoes->entries_by_key, g_strdup (entry->key), same_key);
    }
  g_ptr_array_add (same_key, entry);
}

static void
echo_entry_unindex_key (SyncobjHttpEchoes *echoes,
                        EchoEntry         *entry)
{
  GPtrArray *same_key = g_hash_table_lookup (echoes->entries_by_key, entry->key);

  if (same_key == NULL)
    return;
  g_ptr_array_remove_fast (same_key, entry);
  if (same_key->len == 0)
    g_hash_table_remove (echoes->entries_by_key, entry->key);
}

SyncobjHttpEchoWatch *
_syncobj_http_echo_watch_new (SyncobjHttpEchoes *echoes)
{
  SyncobjHttpEchoWatch *watch = g_new0 (SyncobjHttpEchoWatch, 1);

  watch->sync = echoes->sync;
  g_object_add_weak_pointer (G_OBJECT (watch->sync), (gpointer *) &watch->sync);
  watch->echoes = echoes;
  watch->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) echo_entry_free);
  g_hash_table_add (echoes->watches, watch);
  return watch;
}

void
_syncobj_http_echo_watch_add (SyncobjHttpEchoWatch *watch,
                              const char           *idempotency_key,
                              const char           *key,
                              JsonObject           *expected,
                              gboolean              deleted,
                              SyncobjPendingMutation *temporary_insert)
{
  EchoEntry *entry = g_new0 (EchoEntry, 1);

  entry->watch = watch;
  entry->idempotency_key = g_strdup (idempotency_key);
  entry->key = g_strdup (key);
  entry->expected = expected != NULL ? json_object_ref (expected) : NULL;
  entry->deleted = deleted;
  g_ptr_array_add (watch->entries, entry);
  watch->n_pending++;

  if (watch->sync == NULL)
    return;
  g_hash_table_replace (watch->echoes->entries_by_tag, entry->idempotency_key, entry);
  echo_entry_index_key (watch->echoes, entry);
  if (temporary_insert != NULL)
    {
      entry->insert = g_object_ref (temporary_insert);
      watch->echoes->n_temporary++;
    }
}

void
_syncobj_http_echo_watch_skip (SyncobjHttpEchoWatch *watch,
                               const char           *idempotency_key)
{
  for (guint i = 0; i < watch->entries->len; i++)
    {
      EchoEntry *entry = g_ptr_array_index (watch->entries, i);

      if (g_str_equal (entry->idempotency_key, idempotency_key))
        echo_entry_done (entry);
    }
  echo_watch_check (watch);
}

void
_syncobj_http_echo_watch_rekey (SyncobjHttpEchoWatch *watch,
                                const char           *idempotency_key,
                                const char           *key)
{
  for (guint i = 0; i < watch->entries->len; i++)
    {
      EchoEntry *entry = g_ptr_array_index (watch->entries, i);

      if (!g_str_equal (entry->idempotency_key, idempotency_key))
        continue;
      if (entry->insert != NULL && watch->sync != NULL)
        watch->echoes->n_temporary--;
      g_clear_object (&entry->insert);
      if (watch->sync != NULL)
        echo_entry_unindex_key (watch->echoes, entry);
      g_free (entry->key);
      entry->key = g_strdup (key);
      if (watch->sync != NULL)
        echo_entry_index_key (watch->echoes, entry);
    }
}

static void
echo_watch_unindex (SyncobjHttpEchoWatch *watch)
{
  SyncobjHttpEchoes *echoes = watch->echoes;

  for (guint i = 0; i < watch->entries->len; i++)
    {
      EchoEntry *entry = g_ptr_array_index (watch->entries, i);

      if (g_hash_table_lookup (echoes->entries_by_tag, entry->idempotency_key) == entry)
        g_hash_table_remove (echoes->entries_by_tag, entry->idempotency_key);
      echo_entry_unindex_key (echoes, entry);
      if (entry->insert != NULL)
        echoes->n_temporary--;
    }
  g_hash_table_remove (echoes->watches, watch);
}

void
_syncobj_http_echo_watch_free (SyncobjHttpEchoWatch *watch)
{
  if (watch == NULL)
    return;

  echo_watch_return (watch, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                 _("Waiting for the sync was cancelled")));
  if (watch->sync != NULL)
    {
      echo_watch_unindex (watch);
      g_object_remove_weak_pointer (G_OBJECT (watch->sync), (gpointer *) &watch->sync);
    }
  g_ptr_array_unref (watch->entries);
  g_free (watch);
}

static gboolean
echo_watch_timeout_cb (gpointer data)
{
  SyncobjHttpEchoWatch *watch = data;

  watch->timer = 0;
  echo_watch_return (watch,
                     g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_TIMEOUT,
                                  _("Timed out waiting for %u change(s) to come back from sync “%s”"),
                                  watch->n_pending,
                                  watch->sync != NULL ? syncobj_sync_get_id (watch->sync) : ""));
  return G_SOURCE_REMOVE;
}

static gboolean
echo_watch_cancelled_idle (gpointer data)
{
  SyncobjHttpEchoWatch *watch = data;

  watch->cancelled_idle = 0;
  echo_watch_return (watch, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                 _("Waiting for the sync was cancelled")));
  return G_SOURCE_REMOVE;
}

static void
echo_watch_cancelled_cb (GCancellable         *cancellable,
                         SyncobjHttpEchoWatch *watch)
{
  /* Never finish from inside the cancellable's signal. */
  if (watch->cancelled_idle == 0)
    watch->cancelled_idle = g_idle_add (echo_watch_cancelled_idle, watch);
}

void
_syncobj_http_echo_watch_wait_async (SyncobjHttpEchoWatch *watch,
                                     guint                 timeout_ms,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, _syncobj_http_echo_watch_wait_async);
  g_return_if_fail (watch->task == NULL);

  if (watch->n_pending == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (watch->sync == NULL)
    {
      g_task_return_new_error (task, SYNCOBJ_ERROR, SYNCOBJ_ERROR_CANCELLED,
                               _("The sync went away before the changes came back"));
      return;
    }

  watch->task = g_steal_pointer (&task);
  watch->epoch = ++watch->echoes->epoch;
  /* The server just answered a write: a feed waiting to reconnect, or a
   * poll, need not wait any longer. After the epoch, so that a snapshot
   * requested now counts as requested after the wait began. */
  watch->echoes->wake (watch->echoes->wake_data);
  if (timeout_ms > 0)
    watch->timer = _syncobj_scheduler_add (_syncobj_scheduler_get_default (), timeout_ms,
                                           echo_watch_timeout_cb, watch, NULL);
  if (cancellable != NULL)
    watch->cancelled_handler = g_cancellable_connect (cancellable, G_CALLBACK (echo_watch_cancelled_cb),
                                                      watch, NULL);
}

gboolean
_syncobj_http_echo_watch_wait_finish (GAsyncResult  *result,
                                      GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- what the sync applies --------------------------------------------------- */

static GPtrArray *
watches_copy (SyncobjHttpEchoes *echoes)
{
  GPtrArray *watches = g_ptr_array_sized_new (g_hash_table_size (echoes->watches));
  GHashTableIter iter;
  gpointer watch;

  g_hash_table_iter_init (&iter, echoes->watches);
  while (g_hash_table_iter_next (&iter, &watch, NULL))
    g_ptr_array_add (watches, watch);
  return watches;
}

/* Finishes the waits of @watches (a snapshot of pointers) that are
 * complete. A finished wait may free its watch, and others: each one is
 * checked for membership first. */
static void
check_watches (SyncobjHttpEchoes *echoes,
               GPtrArray         *watches)
{
  for (guint i = 0; i < watches->len; i++)
    if (g_hash_table_contains (echoes->watches, g_ptr_array_index (watches, i)))
      echo_watch_check (g_ptr_array_index (watches, i));
}

/* Marks what one applied change message echoes; adds the watches it
 * touched to @touched. */
static void
note_change (SyncobjHttpEchoes *echoes,
             JsonNode          *node,
             GPtrArray         *touched)
{
  SyncobjCollection *collection = syncobj_sync_get_collection (echoes->sync);
  const char *key_member = collection != NULL ? syncobj_collection_get_key_member (collection) : "id";
  JsonObject *message;
  JsonNode *value;
  const char *tag, *key = NULL;
  char key_buffer[SYNCOBJ_INT_KEY_SIZE];

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return;
  message = json_node_get_object (node);
  tag = json_object_get_string_member_with_default (message, "idempotency_key", NULL);

  /* A tagged change counts for its own request only. */
  if (tag != NULL)
    {
      EchoEntry *entry = g_hash_table_lookup (echoes->entries_by_tag, tag);

      if (entry != NULL)
        {
          echo_entry_done (entry);
          g_ptr_array_add (touched, entry->watch);
        }
      return;
    }

  value = json_object_get_member (message, "value");
  if (value != NULL && JSON_NODE_HOLDS_OBJECT (value))
    key = _syncobj_json_get_key (json_node_get_object (value), key_member, key_buffer, NULL, NULL);
  if (key == NULL)
    key = _syncobj_json_get_key (message, "key", key_buffer, NULL, NULL);
  if (key != NULL)
    {
      GPtrArray *same_key = g_hash_table_lookup (echoes->entries_by_key, key);

      for (guint i = 0; same_key != NULL && i < same_key->len; i++)
        {
          EchoEntry *entry = g_ptr_array_index (same_key, i);

          echo_entry_done (entry);
          g_ptr_array_add (touched, entry->watch);
        }
    }
}

static gboolean
object_holds (JsonObject *record,
              JsonObject *expected)
{
  JsonObjectIter iter;
  const char *member;
  JsonNode *node;

  json_object_iter_init (&iter, expected);
  while (json_object_iter_next (&iter, &member, &node))
    {
      JsonNode *actual = json_object_get_member (record, member);

      if (actual == NULL || !json_node_equal (actual, node))
        return FALSE;
    }
  return TRUE;
}

/* A snapshot holding a change counts as its echo; so does any snapshot
 * requested after the server answered the write (waits begin then). */
void
_syncobj_http_echoes_note_snapshot (SyncobjHttpEchoes      *echoes,
                                    const SyncobjSyncWrite *records,
                                    guint                   n_records,
                                    guint64                 request_epoch)
{
  g_autoptr(GHashTable) by_key = NULL;
  GHashTableIter iter;
  gpointer watch_pointer;

  if (g_hash_table_size (echoes->watches) == 0)
    return;

  by_key = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < n_records; i++)
    g_hash_table_insert (by_key, records[i].key, (gpointer) &records[i]);

  g_hash_table_iter_init (&iter, echoes->watches);
  while (g_hash_table_iter_next (&iter, &watch_pointer, NULL))
    {
      SyncobjHttpEchoWatch *watch = watch_pointer;
      gboolean answered_before = watch->task != NULL && watch->epoch < request_epoch;

      for (guint i = 0; i < watch->entries->len; i++)
        {
          EchoEntry *entry = g_ptr_array_index (watch->entries, i);
          const SyncobjSyncWrite *record = g_hash_table_lookup (by_key, entry->key);
          g_autoptr(JsonObject) value = NULL;

          /* Only the records being waited for are built from their text. */
          if (record != NULL && !entry->deleted && entry->expected != NULL && !answered_before)
            value = _syncobj_json_object_from_text (record->packed, (gssize) record->packed_length);
          if (answered_before ||
              (entry->deleted ? record == NULL
                              : (value != NULL && object_holds (value, entry->expected))))
            echo_entry_done (entry);
        }
    }
}

/* The server said (304) that nothing changed since the snapshot applied
 * last: as that snapshot again, requested at @request_epoch, it is the
 * echo of every write the server had answered by then. */
void
_syncobj_http_echoes_note_unchanged (SyncobjHttpEchoes *echoes,
                                     guint64            request_epoch)
{
  GHashTableIter iter;
  gpointer watch_pointer;

  g_hash_table_iter_init (&iter, echoes->watches);
  while (g_hash_table_iter_next (&iter, &watch_pointer, NULL))
    {
      SyncobjHttpEchoWatch *watch = watch_pointer;

      if (watch->task == NULL || watch->epoch >= request_epoch)
        continue;
      for (guint i = 0; i < watch->entries->len; i++)
        echo_entry_done (g_ptr_array_index (watch->entries, i));
    }
}

void
_syncobj_http_echoes_check (SyncobjHttpEchoes *echoes)
{
  g_autoptr(GPtrArray) watches = watches_copy (echoes);

  check_watches (echoes, watches);
}

/* @node, a change message, is the echo of an insert made under a
 * temporary key: the record it carries is the one the server created, as
 * good as the answer (which it may overtake). */
static void
take_created (SyncobjHttpEchoes *echoes,
              JsonNode          *node)
{
  g_autoptr(SyncobjCollection) collection = NULL;
  JsonObject *message;
  JsonNode *value;
  const char *tag;
  EchoEntry *entry;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return;
  message = json_node_get_object (node);
  tag = _syncobj_json_get_string_member (message, "idempotency_key");
  entry = tag != NULL ? g_hash_table_lookup (echoes->entries_by_tag, tag) : NULL;
  value = json_object_get_member (message, "value");
  if (entry == NULL || entry->insert == NULL || value == NULL || !JSON_NODE_HOLDS_OBJECT (value) ||
      g_strcmp0 (_syncobj_json_get_string_member (message, "type"), "insert") != 0)
    return;

  /* Refused (a key the collection holds for another record): the answer
   * meets the same refusal and fails the insert. */
  collection = _syncobj_weak_get (entry->insert->collection);
  if (collection != NULL &&
      _syncobj_collection_assign_key (collection, entry->insert, json_node_get_object (value), NULL))
    _syncobj_http_echo_watch_rekey (entry->watch, entry->idempotency_key, entry->insert->key);
}

void
_syncobj_http_echoes_take_created (SyncobjHttpEchoes *echoes,
                                   const char        *text,
                                   gsize              length)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonNode *root;

  if (echoes->n_temporary == 0)
    return;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, text, (gssize) length, NULL) ||
      (root = json_parser_get_root (parser)) == NULL)
    return;
  if (JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *array = json_node_get_array (root);

      for (guint i = 0; i < json_array_get_length (array); i++)
        take_created (echoes, json_array_get_element (array, i));
    }
  else
    take_created (echoes, root);
}

/* Marks what @text, a change message (or an array of them) that the sync
 * has applied, echoes, and finishes the waits it completes. */
void
_syncobj_http_echoes_note_message (SyncobjHttpEchoes *echoes,
                                   const char        *text,
                                   gsize              length)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GPtrArray) touched = NULL;
  JsonNode *root;

  /* Without a write waiting for its echo, the message is not parsed. */
  if (g_hash_table_size (echoes->watches) == 0)
    return;

  /* apply_json accepted it, so it parses. */
  parser = json_parser_new_immutable ();
  touched = g_ptr_array_new ();
  if (json_parser_load_from_data (parser, text, (gssize) length, NULL) &&
      (root = json_parser_get_root (parser)) != NULL)
    {
      if (JSON_NODE_HOLDS_ARRAY (root))
        {
          JsonArray *array = json_node_get_array (root);

          for (guint i = 0; i < json_array_get_length (array); i++)
            note_change (echoes, json_array_get_element (array, i), touched);
        }
      else
        note_change (echoes, root, touched);
    }
  check_watches (echoes, touched);
}

/* ---- the sync's echoes ----------------------------------------------------------- */

static GQuark
echoes_quark (void)
{
  static GQuark quark;

  if (quark == 0)
    quark = g_quark_from_static_string ("syncobj-http-echoes");
  return quark;
}

SyncobjHttpEchoes *
_syncobj_http_echoes_new (SyncobjSync               *sync,
                          SyncobjHttpEchoesWakeFunc  wake,
                          gpointer                   wake_data)
{
  SyncobjHttpEchoes *echoes = g_new0 (SyncobjHttpEchoes, 1);

  echoes->sync = sync;
  echoes->wake = wake;
  echoes->wake_data = wake_data;
  echoes->watches = g_hash_table_new (NULL, NULL);
  echoes->entries_by_tag = g_hash_table_new (g_str_hash, g_str_equal);
  echoes->entries_by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                  (GDestroyNotify) g_ptr_array_unref);
  /* Found by _syncobj_http_echoes_of(); owned by the sync. */
  g_object_set_qdata (G_OBJECT (sync), echoes_quark (), echoes);
  return echoes;
}

void
_syncobj_http_echoes_free (SyncobjHttpEchoes *echoes)
{
  g_object_set_qdata (G_OBJECT (echoes->sync), echoes_quark (), NULL);
  /* Watches outliving the sync see its weak pointer cleared. */
  g_hash_table_unref (echoes->watches);
  g_hash_table_unref (echoes->entries_by_tag);
  g_hash_table_unref (echoes->entries_by_key);
  g_free (echoes);
}

SyncobjHttpEchoes *
_syncobj_http_echoes_of (SyncobjSync *sync)
{
  return sync != NULL ? g_object_get_qdata (G_OBJECT (sync), echoes_quark ()) : NULL;
}

guint64
_syncobj_http_echoes_next_epoch (SyncobjHttpEchoes *echoes)
{
  return ++echoes->epoch;
}

void
_syncobj_http_echoes_cancel (SyncobjHttpEchoes *echoes)
{
  g_autoptr(GPtrArray) watches = watches_copy (echoes);

  /* A finished wait may free watches: check membership each time. */
  for (guint i = 0; i < watches->len; i++)
    if (g_hash_table_contains (echoes->watches, g_ptr_array_index (watches, i)))
      echo_watch_return (g_ptr_array_index (watches, i),
                         g_error_new (SYNCOBJ_ERROR, SYNCOBJ_ERROR_CANCELLED,
                                      _("Sync “%s” went away"),
                                      syncobj_sync_get_id (echoes->sync) != NULL ?
                                      syncobj_sync_get_id (echoes->sync) : ""));
}
