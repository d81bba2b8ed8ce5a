/* syncobj-table.c: a hash table that grows in small steps
 *
 * See syncobj-table-private.h. While `whole` is set and `shards` is not,
 * the table is that one GHashTable. Once it reaches SYNCOBJ_TABLE_SPLIT_AT
 * entries, `shards` is made: new keys go to their shard, and every later
 * change moves up to MOVES_PER_CHANGE entries out of `whole`, which is
 * dropped once empty. A key is in `whole` or in its shard, never both.
 *
 * A change or lookup hashes its key once: the hash picks the shard, and
 * the shard's GHashTable, whose hash function is shard_hash(), takes the
 * same hash from `shard_known_hash`, set just before each call into it
 * (a GHashTable calls its hash function first thing, before any destroy
 * function could call back into another table).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-table-private.h"
#include "syncobj-private.h"

#define SHARD_BITS 8
#define N_SHARDS (1u << SHARD_BITS)
/* Entries moved out of the unsplit table per change: it is empty after
 * SYNCOBJ_TABLE_SPLIT_AT / MOVES_PER_CHANGE changes. */
#define MOVES_PER_CHANGE 64

typedef enum
{
  PUT_INSERT,
  PUT_REPLACE,
  PUT_ADD,
} PutMode;

struct _SyncobjTable
{
  GHashFunc       hash;
  GEqualFunc      equal;
  GDestroyNotify  key_destroy;
  GDestroyNotify  value_destroy;
  GHashTable     *whole;     /* NULL once every entry is in a shard */
  GHashTable    **shards;    /* NULL until split; each made on first use */
  guint           n_split;   /* entries in the shards */
  /* Where the moves out of `whole` go on from; valid while `moving` is
   * set, which a change of `whole` by anything else clears. */
  GHashTableIter  move_iter;
  gboolean        moving;
};

/* The hash of the key of the next call into a shard, on this thread. */
static SYNCOBJ_THREAD_LOCAL guint shard_known_hash;

static guint
shard_hash (gconstpointer key)
{
  return shard_known_hash;
}

static GHashTable *
table_new_hash (SyncobjTable *self)
{
  return g_hash_table_new_full (self->hash, self->equal, self->key_destroy, self->value_destroy);
}

static GHashTable *
table_new_shard (SyncobjTable *self)
{
  return g_hash_table_new_full (shard_hash, self->equal, self->key_destroy, self->value_destroy);
}

SyncobjTable *
_syncobj_table_new (GHashFunc      hash,
                    GEqualFunc     equal,
                    GDestroyNotify key_destroy,
                    GDestroyNotify value_destroy)
{
  SyncobjTable *self = g_new0 (SyncobjTable, 1);

  self->hash = hash != NULL ? hash : g_direct_hash;
  self->equal = equal;
  self->key_destroy = key_destroy;
  self->value_destroy = value_destroy;
  self->whole = table_new_hash (self);
  return self;
}

static void
table_drop_shards (SyncobjTable *self)
{
  if (self->shards == NULL)
    return;
  for (guint i = 0; i < N_SHARDS; i++)
    g_clear_pointer (&self->shards[i], g_hash_table_unref);
  g_clear_pointer (&self->shards, g_free);
  self->n_split = 0;
}

void
_syncobj_table_free (SyncobjTable *self)
{
  if (self == NULL)
    return;
  table_drop_shards (self);
  g_clear_pointer (&self->whole, g_hash_table_unref);
  g_free (self);
}

guint
_syncobj_table_size (SyncobjTable *self)
{
  return (self->whole != NULL ? g_hash_table_size (self->whole) : 0) + self->n_split;
}

/* The shard of a key of hash @hash: the top bits of a multiplicative hash,
 * independent of the bucket a shard's own GHashTable picks from the same
 * hash. Also makes @hash the one the next call into a shard takes. */
static GHashTable **
shard_slot (SyncobjTable *self,
            guint         hash)
{
  shard_known_hash = hash;
  return &self->shards[(hash * 0x9E3779B1u) >> (32 - SHARD_BITS)];
}

static GHashTable *
shard_ensure (SyncobjTable *self,
              guint         hash)
{
  GHashTable **slot = shard_slot (self, hash);

  if (*slot == NULL)
    *slot = table_new_shard (self);
  return *slot;
}

/* Moves up to MOVES_PER_CHANGE entries out of the unsplit table. The
 * moves go on from where the last ones stopped, so that the emptied
 * buckets are passed once in all; after any other change of `whole`
 * they start over from its first bucket. */
static void
table_move_some (SyncobjTable *self)
{
  gpointer key, value;
  guint moved = 0;

  if (self->whole == NULL)
    return;

  if (!self->moving)
    {
      g_hash_table_iter_init (&self->move_iter, self->whole);
      self->moving = TRUE;
    }
  while (moved < MOVES_PER_CHANGE)
    {
      if (!g_hash_table_iter_next (&self->move_iter, &key, &value))
        {
          self->moving = FALSE;
          break;
        }
      g_hash_table_iter_steal (&self->move_iter);
      g_hash_table_insert (shard_ensure (self, self->hash (key)), key, value);
      self->n_split++;
      moved++;
    }
  if (g_hash_table_size (self->whole) == 0)
    {
      g_clear_pointer (&self->whole, g_hash_table_unref);
      self->moving = FALSE;
    }
}

static gboolean
hash_put (GHashTable *table,
          gpointer    key,
          gpointer    value,
          PutMode     mode)
{
  switch (mode)
    {
    case PUT_REPLACE:
      return g_hash_table_replace (table, key, value);
    case PUT_ADD:
      return g_hash_table_add (table, key);
    case PUT_INSERT:
    default:
      return g_hash_table_insert (table, key, value);
    }
}

static gboolean
table_put (SyncobjTable *self,
           gpointer      key,
           gpointer      value,
           PutMode       mode)
{
  gboolean added;

  if (self->shards == NULL)
    {
      added = hash_put (self->whole, key, value, mode);
      if (g_hash_table_size (self->whole) >= SYNCOBJ_TABLE_SPLIT_AT)
        self->shards = g_new0 (GHashTable *, N_SHARDS);
      return added;
    }

  /* Not moved yet: changed where it is. */
  if (self->whole != NULL && g_hash_table_contains (self->whole, key))
    {
      added = hash_put (self->whole, key, value, mode);
      self->moving = FALSE;
    }
  else if ((added = hash_put (shard_ensure (self, self->hash (key)), key, value, mode)))
    self->n_split++;
  table_move_some (self);
  return added;
}

gboolean
_syncobj_table_insert (SyncobjTable *self,
                       gpointer      key,
                       gpointer      value)
{
  return table_put (self, key, value, PUT_INSERT);
}

gboolean
_syncobj_table_replace (SyncobjTable *self,
                        gpointer      key,
                        gpointer      value)
{
  return table_put (self, key, value, PUT_REPLACE);
}

gboolean
_syncobj_table_add (SyncobjTable *self,
                    gpointer      key)
{
  return table_put (self, key, key, PUT_ADD);
}

gboolean
_syncobj_table_lookup_extended (SyncobjTable  *self,
                                gconstpointer  key,
                                gpointer      *orig_key,
                                gpointer      *value)
{
  GHashTable *shard;

  if (self->shards != NULL && (shard = *shard_slot (self, self->hash (key))) != NULL &&
      g_hash_table_lookup_extended (shard, key, orig_key, value))
    return TRUE;
  return self->whole != NULL && g_hash_table_lookup_extended (self->whole, key, orig_key, value);
}

gpointer
_syncobj_table_lookup (SyncobjTable  *self,
                       gconstpointer  key)
{
  GHashTable *shard;

  if (self->shards == NULL)
    return g_hash_table_lookup (self->whole, key);
  /* Once split, most keys are in their shard (and `whole` is gone). */
  shard = *shard_slot (self, self->hash (key));
  if (shard != NULL)
    {
      gpointer value = g_hash_table_lookup (shard, key);

      if (value != NULL || self->whole == NULL)
        return value;
    }
  return self->whole != NULL ? g_hash_table_lookup (self->whole, key) : NULL;
}

gboolean
_syncobj_table_contains (SyncobjTable  *self,
                         gconstpointer  key)
{
  if (self->shards == NULL)
    return g_hash_table_contains (self->whole, key);
  return _syncobj_table_lookup_extended (self, key, NULL, NULL);
}

static gboolean
table_take_out (SyncobjTable  *self,
                gconstpointer  key,
                gboolean       steal)
{
  GHashTable *shard;
  gboolean found;

  if (self->shards == NULL)
    return steal ? g_hash_table_steal (self->whole, key) : g_hash_table_remove (self->whole, key);

  shard = *shard_slot (self, self->hash (key));
  if (shard != NULL && (steal ? g_hash_table_steal (shard, key) : g_hash_table_remove (shard, key)))
    {
      self->n_split--;
      found = TRUE;
    }
  else
    {
      found = self->whole != NULL &&
              (steal ? g_hash_table_steal (self->whole, key) : g_hash_table_remove (self->whole, key));
      if (found)
        self->moving = FALSE;
    }
  table_move_some (self);
  return found;
}

gboolean
_syncobj_table_remove (SyncobjTable  *self,
                       gconstpointer  key)
{
  return table_take_out (self, key, FALSE);
}

gboolean
_syncobj_table_steal (SyncobjTable  *self,
                      gconstpointer  key)
{
  return table_take_out (self, key, TRUE);
}

/* Back to one small GHashTable. */
void
_syncobj_table_remove_all (SyncobjTable *self)
{
  table_drop_shards (self);
  self->moving = FALSE;
  if (self->whole != NULL)
    g_hash_table_remove_all (self->whole);
  else
    self->whole = table_new_hash (self);
}

void
_syncobj_table_iter_init (SyncobjTableIter *iter,
                          SyncobjTable     *self)
{
  iter->table = self;
  iter->shard = -1;
  iter->active = self->whole != NULL;
  if (iter->active)
    g_hash_table_iter_init (&iter->iter, self->whole);
}

gboolean
_syncobj_table_iter_next (SyncobjTableIter *iter,
                          gpointer         *key,
                          gpointer         *value)
{
  SyncobjTable *self = iter->table;

  for (;;)
    {
      if (iter->active && g_hash_table_iter_next (&iter->iter, key, value))
        return TRUE;
      iter->active = FALSE;
      if (self->shards == NULL)
        return FALSE;
      while (++iter->shard < (int) N_SHARDS && self->shards[iter->shard] == NULL)
        ;
      if (iter->shard >= (int) N_SHARDS)
        {
          iter->shard = N_SHARDS;
          return FALSE;
        }
      g_hash_table_iter_init (&iter->iter, self->shards[iter->shard]);
      iter->active = TRUE;
    }
}
