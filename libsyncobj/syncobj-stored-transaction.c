/* syncobj-stored-transaction.c: a stored transaction and its row
 *
 * The plain structs of syncobj-store-private.h, and how one transaction
 * becomes a row of the store's `transactions` table and back: the state,
 * dates and counters as columns, the error, metadata, attempts and
 * mutations as JSON text (a write to a collection with a cache keeps its
 * changes alone: see _syncobj_overlay_restore()). Decoding runs on the
 * writer thread; a row is outside data (a damaged file, another version)
 * and is checked as such.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-store-writer-private.h"
#include "syncobj-json-parser-private.h"
#include "syncobj-json-util-private.h"
#include "syncobj-json-validate-private.h"
#include "syncobj-json-writer-private.h"

/* ---- the plain structs ------------------------------------------------------ */

SyncobjStoredMutation *
_syncobj_stored_mutation_new (void)
{
  return g_new0 (SyncobjStoredMutation, 1);
}

void
_syncobj_stored_mutation_free (SyncobjStoredMutation *mutation)
{
  if (mutation == NULL)
    return;
  g_free (mutation->mutation_id);
  g_free (mutation->collection_id);
  g_free (mutation->key);
  g_clear_pointer (&mutation->original, json_object_unref);
  g_clear_pointer (&mutation->modified, json_object_unref);
  g_clear_pointer (&mutation->changes, json_object_unref);
  g_clear_pointer (&mutation->metadata, json_object_unref);
  g_free (mutation);
}

static void
stored_attempt_clear (SyncobjStoredAttempt *attempt)
{
  g_free (attempt->id);
  g_clear_error (&attempt->error);
}

SyncobjStoredTransaction *
_syncobj_stored_transaction_new (gboolean with_mutations)
{
  SyncobjStoredTransaction *stored = g_new0 (SyncobjStoredTransaction, 1);

  stored->attempts = g_array_new (FALSE, TRUE, sizeof (SyncobjStoredAttempt));
  g_array_set_clear_func (stored->attempts, (GDestroyNotify) stored_attempt_clear);
  if (with_mutations)
    stored->mutations = g_ptr_array_new_with_free_func ((GDestroyNotify) _syncobj_stored_mutation_free);
  return stored;
}

void
_syncobj_stored_transaction_free (SyncobjStoredTransaction *stored)
{
  if (stored == NULL)
    return;
  g_free (stored->id);
  g_free (stored->collection_id);
  g_free (stored->queued_behind);
  g_clear_error (&stored->error);
  g_free (stored->error_transaction_id);
  g_clear_pointer (&stored->metadata, json_object_unref);
  g_clear_pointer (&stored->created, json_object_unref);
  g_clear_pointer (&stored->attempts, g_array_unref);
  g_clear_pointer (&stored->mutations, g_ptr_array_unref);
  g_free (stored);
}

void
_syncobj_stored_transaction_drop_json (SyncobjStoredTransaction *stored)
{
  g_clear_pointer (&stored->metadata, json_object_unref);
  g_clear_pointer (&stored->created, json_object_unref);
  for (guint i = 0; stored->mutations != NULL && i < stored->mutations->len; i++)
    {
      SyncobjStoredMutation *mutation = g_ptr_array_index (stored->mutations, i);

      if (mutation == NULL)
        continue;
      g_clear_pointer (&mutation->original, json_object_unref);
      g_clear_pointer (&mutation->modified, json_object_unref);
      g_clear_pointer (&mutation->changes, json_object_unref);
      g_clear_pointer (&mutation->metadata, json_object_unref);
    }
}

/* ---- to a row ----------------------------------------------------------------- */

/* The rows are written as text directly (syncobj-json-writer.c):
 * JsonBuilder and JsonGenerator cost more than the rest of a commit. */
static void
append_member (GString    *out,
               const char *name)
{
  if (out->len > 0 && out->str[out->len - 1] != '{' && out->str[out->len - 1] != '[')
    g_string_append_c (out, ',');
  _syncobj_json_write_string (out, name);
  g_string_append_c (out, ':');
}

static void
append_string_member (GString    *out,
                      const char *name,
                      const char *value)
{
  append_member (out, name);
  _syncobj_json_write_string (out, value != NULL ? value : "");
}

static void
append_int_member (GString    *out,
                   const char *name,
                   gint64      value)
{
  append_member (out, name);
  g_string_append_printf (out, "%" G_GINT64_FORMAT, value);
}

static void
append_object_member (GString    *out,
                      const char *name,
                      JsonObject *object)
{
  if (object == NULL)
    return;

  append_member (out, name);
  _syncobj_json_write_object (out, object);
}

static void
append_error (GString      *out,
              const GError *error)
{
  g_string_append_c (out, '{');
  append_string_member (out, "domain", g_quark_to_string (error->domain));
  append_int_member (out, "code", error->code);
  append_string_member (out, "message", error->message);
  g_string_append_c (out, '}');
}

static char *
error_to_text (const GError *error)
{
  GString *out;

  if (error == NULL)
    return g_strdup ("");

  out = g_string_new (NULL);
  append_error (out, error);
  return g_string_free (out, FALSE);
}

static char *
attempts_to_text (GArray     *attempts,
                  JsonObject *created)
{
  GString *out = g_string_new ("[");

  for (guint i = 0; i < attempts->len; i++)
    {
      SyncobjStoredAttempt *attempt = &g_array_index (attempts, SyncobjStoredAttempt, i);

      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, '{');
      append_string_member (out, "id", attempt->id);
      append_int_member (out, "number", attempt->number);
      append_int_member (out, "started_at", attempt->started_at_us);
      append_int_member (out, "completed_at", attempt->completed_at_us);
      append_int_member (out, "retry_scheduled_for", attempt->retry_scheduled_for_us);
      if (attempt->error != NULL)
        {
          append_member (out, "error");
          append_error (out, attempt->error);
        }
      if (i + 1 == attempts->len)
        append_object_member (out, "created", created);
      g_string_append_c (out, '}');
    }
  g_string_append_c (out, ']');

  return g_string_free (out, FALSE);
}

static char *
mutations_to_text (GPtrArray *mutations)
{
  GString *out = g_string_new ("[");

  for (guint i = 0; i < mutations->len; i++)
    {
      SyncobjStoredMutation *mutation = g_ptr_array_index (mutations, i);

      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, '{');
      append_string_member (out, "id", mutation->mutation_id);
      append_string_member (out, "collection", mutation->collection_id);
      append_string_member (out, "key", mutation->key);
      append_string_member (out, "type", _syncobj_mutation_type_to_string (mutation->type));
      append_object_member (out, "original", mutation->original);
      /* An insert's modified value is its changes: written once. */
      if (mutation->modified != mutation->changes)
        append_object_member (out, "modified", mutation->modified);
      append_object_member (out, "changes", mutation->changes);
      if (mutation->replaces)
        {
          append_member (out, "replaces");
          g_string_append (out, "true");
        }
      append_object_member (out, "metadata", mutation->metadata);
      append_int_member (out, "created_at", mutation->created_at_us);
      append_int_member (out, "updated_at", mutation->updated_at_us);
      g_string_append_c (out, '}');
    }
  g_string_append_c (out, ']');

  return g_string_free (out, FALSE);
}

SyncobjStoreRow *
_syncobj_stored_transaction_to_row (SyncobjStoredTransaction *stored)
{
  SyncobjStoreRow *row = g_new0 (SyncobjStoreRow, 1);

  row->id = g_strdup (stored->id);
  row->state = stored->state;
  row->created_at = stored->created_at_us;
  row->updated_at = stored->updated_at_us;
  row->current_attempt = stored->current_attempt;
  row->counted_attempts = stored->counted_attempts;
  row->queued_behind = g_strdup (stored->queued_behind != NULL ? stored->queued_behind : "");
  row->error = error_to_text (stored->error);
  row->error_transaction_id = g_strdup (stored->error_transaction_id != NULL ? stored->error_transaction_id : "");
  row->metadata = stored->metadata != NULL ? _syncobj_json_write_compact (stored->metadata) : g_strdup ("");
  row->attempts = attempts_to_text (stored->attempts, stored->created);

  if (stored->mutations != NULL)
    {
      row->collection_id = g_strdup (stored->collection_id != NULL ? stored->collection_id : "");
      row->sequence = (gint64) stored->sequence;
      row->mutations = mutations_to_text (stored->mutations);
    }

  return row;
}

/* ---- from a row ---------------------------------------------------------------- */

/* Parses @text, checked first as outside data; JsonParser only names what
 * is wrong with text that fails the checks. */
static JsonNode *
parse_text (const char  *text,
            const char  *what,
            GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonParser) parser = NULL;
  JsonNode *node = _syncobj_json_node_from_text (text, -1);

  if (node != NULL)
    return node;

  parser = json_parser_new_immutable ();
  /* A damaged file is outside data too: checked before json-glib sees it. */
  if (!_syncobj_json_check_text (text, -1, SYNCOBJ_ERROR_STORE, &local_error) ||
      !json_parser_load_from_data (parser, text, -1, &local_error) ||
      json_parser_get_root (parser) == NULL)
    {
      g_autofree char *message = local_error != NULL ? _syncobj_json_error_message (local_error, text, -1)
                                                     : g_strdup (_("empty"));

      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE, _("its %s are not valid JSON: %s"),
                   what, message);
      return NULL;
    }

  return json_node_ref (json_parser_get_root (parser));
}

/* A sealed reference to the object member @name, or NULL. */
static JsonObject *
dup_object_member (JsonObject *object,
                   const char *name)
{
  JsonNode *node = json_object_get_member (object, name);
  JsonObject *member;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  member = json_node_dup_object (node);
  json_object_seal (member);
  return member;
}

/* Element @index of @array if it is an object, else NULL; a damaged row
 * may hold anything. */
static JsonObject *
element_object (JsonArray *array,
                guint      index)
{
  JsonNode *element = json_array_get_element (array, index);

  return JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
}

/* A string member, or @fallback; a damaged row may hold any type. */
static const char *
string_member (JsonObject *object,
               const char *name,
               const char *fallback)
{
  const char *value = _syncobj_json_get_string_member (object, name);

  return value != NULL ? value : fallback;
}

static GError *
error_from_object (JsonObject *object)
{
  return g_error_new_literal (g_quark_from_string (string_member (object, "domain", "")),
                              (gint) _syncobj_json_get_int_member (object, "code", 0),
                              string_member (object, "message", ""));
}

SyncobjStoredTransaction *
_syncobj_stored_transaction_from_row (SyncobjStoreRow  *row,
                                      GError          **error)
{
  g_autoptr(SyncobjStoredTransaction) stored = _syncobj_stored_transaction_new (TRUE);
  g_autoptr(JsonNode) mutations = NULL;
  g_autoptr(JsonNode) attempts = NULL;
  JsonArray *array;

  if (row->state < SYNCOBJ_TRANSACTION_STATE_PENDING || row->state > SYNCOBJ_TRANSACTION_STATE_FAILED)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                   _("its state %lld is unknown"), (long long) row->state);
      return NULL;
    }

  stored->id = g_strdup (row->id);
  stored->collection_id = g_strdup (row->collection_id);
  stored->state = (SyncobjTransactionState) row->state;
  stored->created_at_us = row->created_at;
  stored->updated_at_us = row->updated_at;
  stored->sequence = (guint64) MAX (row->sequence, 0);
  stored->current_attempt = (guint) row->current_attempt;
  stored->counted_attempts = (guint) row->counted_attempts;
  stored->queued_behind = *row->queued_behind != '\0' ? g_strdup (row->queued_behind) : NULL;
  stored->error_transaction_id = *row->error_transaction_id != '\0' ? g_strdup (row->error_transaction_id) : NULL;

  if (*row->error != '\0')
    {
      g_autoptr(JsonNode) node = parse_text (row->error, _("error"), error);

      if (node == NULL)
        return NULL;
      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE, _("its %s are not valid JSON: %s"),
                       _("error"), _("not a JSON object"));
          return NULL;
        }
      stored->error = error_from_object (json_node_get_object (node));
    }

  if (*row->metadata != '\0')
    {
      g_autoptr(JsonNode) node = _syncobj_json_node_from_text (row->metadata, -1);

      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
        {
          stored->metadata = json_node_dup_object (node);
          json_object_seal (stored->metadata);
        }
      else
        stored->metadata = _syncobj_json_parse_object (row->metadata, -1, error);
      if (stored->metadata == NULL)
        return NULL;
    }

  /* Most unfinished transactions have not been attempted yet. */
  if (!g_str_equal (row->attempts, "[]"))
    {
      attempts = parse_text (row->attempts, _("attempts"), error);
      if (attempts == NULL)
        return NULL;
    }
  array = attempts != NULL && JSON_NODE_HOLDS_ARRAY (attempts) ? json_node_get_array (attempts) : NULL;
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *object = element_object (array, i);
      SyncobjStoredAttempt attempt = { 0, };
      JsonNode *error_node;

      if (object == NULL)
        continue;
      attempt.id = g_strdup (string_member (object, "id", ""));
      attempt.number = (guint) _syncobj_json_get_int_member (object, "number", i + 1);
      attempt.started_at_us = _syncobj_json_get_int_member (object, "started_at", 0);
      attempt.completed_at_us = _syncobj_json_get_int_member (object, "completed_at", 0);
      attempt.retry_scheduled_for_us = _syncobj_json_get_int_member (object, "retry_scheduled_for", 0);
      error_node = json_object_get_member (object, "error");
      if (error_node != NULL && JSON_NODE_HOLDS_OBJECT (error_node))
        attempt.error = error_from_object (json_node_get_object (error_node));
      if (json_object_has_member (object, "created"))
        {
          g_clear_pointer (&stored->created, json_object_unref);
          stored->created = dup_object_member (object, "created");
        }
      g_array_append_val (stored->attempts, attempt);
    }

  mutations = parse_text (row->mutations, _("mutations"), error);
  if (mutations == NULL)
    return NULL;
  array = JSON_NODE_HOLDS_ARRAY (mutations) ? json_node_get_array (mutations) : NULL;
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *object = element_object (array, i);
      SyncobjStoredMutation *mutation;
      const char *key;

      key = object != NULL ? _syncobj_json_get_string_member (object, "key") : NULL;
      if (key == NULL)
        {
          g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE, _("its mutation %u has no key"), i);
          return NULL;
        }

      mutation = _syncobj_stored_mutation_new ();
      g_ptr_array_add (stored->mutations, mutation);
      mutation->mutation_id = g_strdup (string_member (object, "id", ""));
      mutation->collection_id = g_strdup (string_member (object, "collection", row->collection_id));
      mutation->key = g_strdup (key);
      if (!_syncobj_mutation_type_from_string (_syncobj_json_get_string_member (object, "type"),
                                               &mutation->type))
        {
          g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_STORE,
                       _("the type of its write of “%s” is unknown"), key);
          return NULL;
        }
      mutation->original = dup_object_member (object, "original");
      mutation->modified = dup_object_member (object, "modified");
      mutation->changes = dup_object_member (object, "changes");
      if (mutation->changes == NULL)
        mutation->changes = _syncobj_json_merge (NULL, NULL);
      mutation->metadata = dup_object_member (object, "metadata");
      {
        JsonNode *replaces = json_object_get_member (object, "replaces");

        /* Damaged rows are outside data: only a real true counts. */
        mutation->replaces = mutation->type == SYNCOBJ_MUTATION_TYPE_UPDATE && replaces != NULL &&
                             JSON_NODE_HOLDS_VALUE (replaces) &&
                             json_node_get_value_type (replaces) == G_TYPE_BOOLEAN &&
                             json_node_get_boolean (replaces);
      }
      /* The changes of an insert or a replacing update are its value; the
       * modified value of another update, written without one, is rebuilt
       * from the cached record when it is restored. */
      if (mutation->modified == NULL &&
          (mutation->type == SYNCOBJ_MUTATION_TYPE_INSERT || mutation->replaces))
        mutation->modified = json_object_ref (mutation->changes);
      mutation->created_at_us = _syncobj_json_get_int_member (object, "created_at", row->created_at);
      mutation->updated_at_us = _syncobj_json_get_int_member (object, "updated_at", row->updated_at);
    }

  return g_steal_pointer (&stored);
}

gboolean
_syncobj_store_check_row (SyncobjStoreRow  *row,
                          GError          **error)
{
  g_autoptr(SyncobjStoredTransaction) stored = _syncobj_stored_transaction_from_row (row, error);

  return stored != NULL;
}

