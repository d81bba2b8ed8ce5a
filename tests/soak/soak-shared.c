/* soak-shared.c: the checks of the soak with clients that share keys
 * (soak --clients 2)
 *
 * Two clients edit the same keys at the same time; the server (the demo
 * server with --versions) refuses a write based on a version it no longer
 * has, and the library resolves that conflict with its default policy,
 * REBASE. Replaying one client's mutations no longer gives the records, so
 * the checks follow the server's order, its effects log:
 *
 * - every accepted insert or update is applied, once; an accepted delete
 *   too, unless another client's delete of the key was applied (then the
 *   server answered 404, or its 412 showed the record deleted: done);
 * - each applied change is what its mutation said: its members are in the
 *   record the server stored, and an update changed only those (the other
 *   members are the record's before, whatever the client saw when it
 *   wrote); a delete is a delete, an insert or update an insert or update
 *   (an insert of a key the other client made becomes an update, an update
 *   of a record the other client deleted inserts it again). An update of
 *   a record deleted meanwhile inserts the whole record the client showed,
 *   which it then applies whole if the record was made again meanwhile:
 *   the client says which mutations met their record deleted ("conflict
 *   … deleted") and what each was last sent as ("sent"), and those
 *   members are then its own;
 * - per client and key, changes are applied in the order issued;
 * - the records at the end are the last change of each key in the
 *   server's order.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "soak-shared.h"

#include <string.h>

/* The mutation named by an Idempotency-Key "<transaction id>-<mutation id>". */
static Mutation *
effect_mutation (GHashTable *by_txid,
                 const char *idempotency_key)
{
  g_autofree char *txid = NULL;

  if (strlen (idempotency_key) <= 36 || idempotency_key[36] != '-')
    return NULL;
  txid = g_strndup (idempotency_key, 36);
  return g_hash_table_lookup (by_txid, txid);
}

/* Whether every member of @changes has its value in @record ("version"
 * aside). */
static gboolean
has_members (JsonObject *record,
             JsonObject *changes,
             const char **differing)
{
  JsonObjectIter iter;
  const char *member;
  JsonNode *node;

  json_object_iter_init (&iter, changes);
  while (json_object_iter_next (&iter, &member, &node))
    {
      JsonNode *stored = json_object_get_member (record, member);

      /* The server sets the version, whatever a client sends. */
      if (g_str_equal (member, "version"))
        continue;
      if (stored == NULL || !json_node_equal (stored, node))
        {
          *differing = member;
          return FALSE;
        }
    }
  return TRUE;
}

/* Whether @record has kept, from @before, every member that @changes does
 * not set (the server's "version" aside): an update wrote only its own. */
static gboolean
kept_others (JsonObject *record,
             JsonObject *before,
             JsonObject *changes,
             const char **differing)
{
  JsonObjectIter iter;
  const char *member;
  JsonNode *node;

  json_object_iter_init (&iter, record);
  while (json_object_iter_next (&iter, &member, &node))
    {
      JsonNode *old = json_object_get_member (before, member);

      if (g_str_equal (member, "version") || json_object_has_member (changes, member))
        continue;
      if (old == NULL || !json_node_equal (old, node))
        {
          *differing = member;
          return FALSE;
        }
    }
  return TRUE;
}

/* Checks the change @effect of @m (NULL: nobody's) and replays it on
 * @expected. */
static void
check_effect (JsonObject       *effect,
              Mutation         *m,
              GHashTable       *expected,
              SoakSharedCounts *counts)
{
  const char *key = json_object_get_string_member_with_default (effect, "key", "");
  const char *method = json_object_get_string_member_with_default (effect, "method", "");
  const char *text = json_object_get_string_member_with_default (effect, "body", "");
  g_autoptr(JsonNode) body = g_str_equal (method, "delete") ? NULL : json_from_string (text, NULL);
  JsonObject *record = body != NULL && JSON_NODE_HOLDS_OBJECT (body) ? json_node_get_object (body) : NULL;
  JsonObject *before = g_hash_table_lookup (expected, key);
  const char *differing = NULL;

  if (!g_str_equal (method, "delete") && record == NULL)
    {
      counts->state_mismatches++;
      g_printerr ("soak: the server's effects log has no record for %s %s\n", method, key);
      return;
    }

  if (m != NULL && g_strcmp0 (m->key, key) != 0)
    {
      counts->state_mismatches++;
      g_printerr ("soak: mutation %" G_GUINT64_FORMAT " is %s %s, the server applied %s %s\n",
                  m->index, m->op, m->key, method, key);
    }
  else if (m != NULL && g_str_equal (m->op, "delete") != g_str_equal (method, "delete"))
    {
      counts->state_mismatches++;
      g_printerr ("soak: mutation %" G_GUINT64_FORMAT " (%s %s, client %u) was applied as %s\n",
                  m->index, m->op, m->key, m->client, method);
    }
  else if (m != NULL && record != NULL)
    {
      /* What it was last sent as: its own changes, or (an update of a
       * record deleted meanwhile, inserted again) the whole record the
       * client showed. */
      JsonObject *sent = m->reinserted && m->sent != NULL && !g_str_equal (m->sent_op, "delete") ? m->sent : m->body;

      if (!g_str_equal (m->op, method))
        counts->rebased++;
      if (!has_members (record, m->body, &differing) || !has_members (record, sent, &differing))
        {
          counts->state_mismatches++;
          g_printerr ("soak: mutation %" G_GUINT64_FORMAT " (%s %s, client %u): the server stored %s without its \"%s\"\n",
                      m->index, m->op, m->key, m->client, text, differing);
        }
      else if (g_str_equal (method, "update") && before != NULL && !kept_others (record, before, sent, &differing))
        {
          counts->state_mismatches++;
          g_printerr ("soak: mutation %" G_GUINT64_FORMAT " (%s %s, client %u%s%s) wrote \"%s\", which it did not change: %s\n",
                      m->index, m->op, m->key, m->client, m->reinserted ? ", met its record deleted" : "",
                      m->sent == NULL ? ", never said completed" : "", differing, text);
        }
    }

  if (g_str_equal (method, "delete"))
    g_hash_table_remove (expected, key);
  else
    g_hash_table_replace (expected, g_strdup (key), json_object_ref (record));
}

/* Whether a delete of @key by another client than @m's was applied. */
static gboolean
deleted_by_other (Mutation   *m,
                  GHashTable *deleters)
{
  guint clients = GPOINTER_TO_UINT (g_hash_table_lookup (deleters, m->key));

  return (clients & ~(1u << m->client)) != 0;
}

void
soak_shared_check (GPtrArray        *mutations,
                   GHashTable       *by_txid,
                   JsonArray        *effects,
                   JsonArray        *items,
                   SoakSharedCounts *counts)
{
  g_autoptr(GHashTable) expected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                          (GDestroyNotify) json_object_unref);
  g_autoptr(GHashTable) last_index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) deleters = g_hash_table_new (g_str_hash, g_str_equal);   /* key → client bits */

  memset (counts, 0, sizeof *counts);

  /* The server's order. */
  for (guint i = 0; i < json_array_get_length (effects); i++)
    {
      JsonObject *effect = json_array_get_object_element (effects, i);
      const char *idempotency_key = json_object_get_string_member_with_default (effect, "idempotency_key", "");
      Mutation *m = effect_mutation (by_txid, idempotency_key);

      counts->applied++;
      if (m == NULL)
        {
          counts->unaccepted_applied++;
          g_printerr ("soak: a change nobody asked for: %s %s (%s)\n",
                      json_object_get_string_member_with_default (effect, "method", "?"),
                      json_object_get_string_member_with_default (effect, "key", "?"), idempotency_key);
        }
      else
        {
          g_autofree char *client_key = g_strdup_printf ("%u/%s", m->client, m->key);
          guint64 *last = g_hash_table_lookup (last_index, client_key);

          if (!m->accepted)
            {
              counts->unaccepted_applied++;
              g_printerr ("soak: mutation %" G_GUINT64_FORMAT " was applied but never accepted\n", m->index);
            }
          if (++m->applied > 1)
            {
              counts->duplicated++;
              g_printerr ("soak: mutation %" G_GUINT64_FORMAT " (%s %s, client %u) applied %u times\n",
                          m->index, m->op, m->key, m->client, m->applied);
            }
          if (last != NULL && *last > m->index)
            {
              counts->order_violations++;
              g_printerr ("soak: client %u, key %s: mutation %" G_GUINT64_FORMAT " (%s) applied after mutation %"
                          G_GUINT64_FORMAT "\n", m->client, m->key, m->index, m->op, *last);
            }
          else if (last == NULL)
            g_hash_table_insert (last_index, g_steal_pointer (&client_key), g_memdup2 (&m->index, sizeof m->index));
          else
            *last = m->index;
          if (g_str_equal (m->op, "delete"))
            g_hash_table_insert (deleters, m->key,
                                 GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (deleters, m->key)) | (1u << m->client)));
        }
      check_effect (effect, m, expected, counts);
    }

  /* What was accepted and never applied. */
  for (guint i = 0; i < mutations->len; i++)
    {
      Mutation *m = g_ptr_array_index (mutations, i);

      if (!m->accepted || m->failed || m->applied > 0)
        continue;
      if (g_str_equal (m->op, "delete") && deleted_by_other (m, deleters))
        {
          counts->deletes_done++;
          continue;
        }
      counts->lost++;
      g_printerr ("soak: mutation %" G_GUINT64_FORMAT " (%s %s, client %u) was accepted and never applied\n",
                  m->index, m->op, m->key, m->client);
    }

  /* The records: the last change of each key, in the server's order. */
  soak_shared_compare_records (items, "id", expected, "the last change the server applied to it", counts);
}

void
soak_shared_compare_records (JsonArray        *items,
                             const char       *key_member,
                             GHashTable       *expected,
                             const char       *what,
                             SoakSharedCounts *counts)
{
  g_autoptr(GHashTable) actual = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                        (GDestroyNotify) json_object_unref);
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      const char *id = json_object_get_string_member_with_default (item, key_member, NULL);

      if (id != NULL)
        g_hash_table_insert (actual, (gpointer) id, json_object_ref (item));
    }
  g_hash_table_iter_init (&iter, expected);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      JsonObject *item = g_hash_table_lookup (actual, key);

      if (item == NULL || !json_object_equal (item, value))
        {
          counts->state_mismatches++;
          g_printerr ("soak: record %s differs from %s\n", (const char *) key, what);
        }
    }
  g_hash_table_iter_init (&iter, actual);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (expected, key))
      {
        counts->state_mismatches++;
        g_printerr ("soak: record %s should not exist\n", (const char *) key);
      }
}
