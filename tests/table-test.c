/* table-test.c: the hash table that grows in steps (syncobj-table.c)
 * against GHashTable, across its split and while its entries move.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"

#include "syncobj-table-private.h"

static guint keys_freed;
static guint values_freed;

static void
key_free (gpointer key)
{
  keys_freed++;
  g_free (key);
}

static void
value_free (gpointer value)
{
  values_freed++;
  g_free (value);
}

/* Every entry of @table is in @model with the same value, and none else. */
static void
assert_same (SyncobjTable *table,
             GHashTable   *model)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  SyncobjTableIter iter;
  GHashTableIter model_iter;
  gpointer key, value;

  g_assert_cmpuint (_syncobj_table_size (table), ==, g_hash_table_size (model));
  _syncobj_table_iter_init (&iter, table);
  while (_syncobj_table_iter_next (&iter, &key, &value))
    {
      g_assert_true (g_hash_table_add (seen, key));
      g_assert_cmpstr (value, ==, g_hash_table_lookup (model, key));
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, g_hash_table_size (model));

  g_hash_table_iter_init (&model_iter, model);
  while (g_hash_table_iter_next (&model_iter, &key, &value))
    {
      gpointer orig_key = NULL, found = NULL;

      g_assert_true (_syncobj_table_contains (table, key));
      g_assert_true (_syncobj_table_lookup_extended (table, key, &orig_key, &found));
      g_assert_cmpstr (orig_key, ==, key);
      g_assert_cmpstr (found, ==, value);
      g_assert_cmpstr (_syncobj_table_lookup (table, key), ==, value);
    }
}

/* Random inserts, replaces, removals and steals of string keys (the table
 * owns its keys and values), well past the split, then most of them
 * removed again: the same entries as a GHashTable doing the same, and
 * every key and value freed exactly once. */
static void
test_table_like_ghashtable (void)
{
  const guint n_keys = SYNCOBJ_TABLE_SPLIT_AT * 3;
  g_autoptr(GRand) rand = g_rand_new_with_seed (21);
  g_autoptr(GHashTable) model = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  SyncobjTable *table = _syncobj_table_new (g_str_hash, g_str_equal, key_free, value_free);
  guint made = 0;

  keys_freed = values_freed = 0;
  for (guint round = 0; round < 2; round++)
    {
      /* Mostly growing, then mostly shrinking. */
      guint put_percent = round == 0 ? 80 : 20;

      for (guint i = 0; i < n_keys * 2; i++)
        {
          g_autofree char *key = g_strdup_printf ("key-%u", g_rand_int_range (rand, 0, n_keys));
          g_autofree char *value = g_strdup_printf ("value-%u", i);
          guint what = g_rand_int_range (rand, 0, 100);

          if (what < put_percent)
            {
              gboolean added = g_rand_boolean (rand) ? _syncobj_table_insert (table, g_strdup (key), g_strdup (value))
                                                      : _syncobj_table_replace (table, g_strdup (key), g_strdup (value));

              g_assert_cmpint (added, ==, g_hash_table_insert (model, g_strdup (key), g_strdup (value)));
              made++;
            }
          else if (what % 2 == 0)
            {
              g_assert_cmpint (_syncobj_table_remove (table, key), ==, g_hash_table_remove (model, key));
            }
          else
            {
              gpointer orig_key = NULL, found = NULL;

              if (_syncobj_table_lookup_extended (table, key, &orig_key, &found))
                {
                  g_assert_true (_syncobj_table_steal (table, key));
                  g_free (orig_key);
                  g_free (found);
                  keys_freed++;
                  values_freed++;
                  g_assert_true (g_hash_table_remove (model, key));
                }
              else
                {
                  g_assert_false (_syncobj_table_steal (table, key));
                  g_assert_false (g_hash_table_contains (model, key));
                }
            }
          if (i % 4096 == 0)
            assert_same (table, model);
        }
      assert_same (table, model);
    }

  /* Each key and value made was freed once: by a replace, a removal or
   * the table's end. */
  _syncobj_table_remove_all (table);
  g_assert_cmpuint (_syncobj_table_size (table), ==, 0);
  g_assert_cmpuint (keys_freed, ==, made);
  g_assert_cmpuint (values_freed, ==, made);
  g_assert_false (_syncobj_table_contains (table, "key-1"));
  g_assert_true (_syncobj_table_insert (table, g_strdup ("key-1"), g_strdup ("again")));
  g_assert_cmpstr (_syncobj_table_lookup (table, "key-1"), ==, "again");
  _syncobj_table_free (table);
  g_assert_cmpuint (keys_freed, ==, made + 1);
}

/* A set of pointers, as the registry and the collection keep: added,
 * looked up while its entries move out of the unsplit table, removed. */
static void
test_table_pointer_set (void)
{
  const guint n = SYNCOBJ_TABLE_SPLIT_AT * 2 + 5;
  g_autofree guint *items = g_new0 (guint, n);
  g_autoptr(SyncobjTable) set = _syncobj_table_new (NULL, NULL, NULL, NULL);

  for (guint i = 0; i < n; i++)
    {
      g_assert_true (_syncobj_table_add (set, &items[i]));
      g_assert_false (_syncobj_table_add (set, &items[i]));
      /* Every entry stays found while they move. */
      if (i % 997 == 0)
        for (guint j = 0; j <= i; j++)
          g_assert_true (_syncobj_table_lookup (set, &items[j]) == &items[j]);
    }
  g_assert_cmpuint (_syncobj_table_size (set), ==, n);
  for (guint i = 0; i < n; i += 2)
    g_assert_true (_syncobj_table_remove (set, &items[i]));
  g_assert_cmpuint (_syncobj_table_size (set), ==, n / 2);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (_syncobj_table_contains (set, &items[i]), ==, i % 2 == 1);
}

static guint hash_calls;

static guint
counting_str_hash (gconstpointer key)
{
  hash_calls++;
  return g_str_hash (key);
}

static SyncobjTable *other_table;
static guint other_found;

/* A destroy function that looks into another split table. */
static void
value_free_looking_up (gpointer value)
{
  if (other_table != NULL && _syncobj_table_lookup (other_table, "k-7") != NULL)
    other_found++;
  g_free (value);
}

/* Once split, a lookup, insertion or removal hashes its key once (the hash
 * that picks the shard serves the shard's own GHashTable), and destroy
 * functions that use other tables meanwhile see their own entries. */
static void
test_table_hash_once (void)
{
  const guint n = SYNCOBJ_TABLE_SPLIT_AT * 2;
  g_autoptr(SyncobjTable) table = _syncobj_table_new (counting_str_hash, g_str_equal, g_free,
                                                      value_free_looking_up);
  g_autoptr(SyncobjTable) other = _syncobj_table_new (g_str_hash, g_str_equal, g_free, g_free);
  guint expected_found = 0;

  for (guint i = 0; i < n; i++)
    {
      g_assert_true (_syncobj_table_insert (table, g_strdup_printf ("k-%u", i), g_strdup ("v")));
      g_assert_true (_syncobj_table_insert (other, g_strdup_printf ("k-%u", i), g_strdup ("w")));
    }
  /* Every entry moved out of the unsplit table by now. */
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *key = g_strdup_printf ("k-%u", i);

      hash_calls = 0;
      g_assert_cmpstr (_syncobj_table_lookup (table, key), ==, "v");
      g_assert_cmpuint (hash_calls, ==, 1);
      hash_calls = 0;
      g_assert_true (_syncobj_table_contains (table, key));
      g_assert_cmpuint (hash_calls, ==, 1);
    }

  other_table = other;
  other_found = 0;
  for (guint i = 0; i < n; i += 3)
    {
      g_autofree char *key = g_strdup_printf ("k-%u", i);

      hash_calls = 0;
      /* Replacing frees the old value, which looks into `other`. */
      g_assert_false (_syncobj_table_replace (table, g_strdup (key), g_strdup ("v2")));
      g_assert_cmpuint (hash_calls, ==, 1);
      expected_found++;
      g_assert_cmpstr (_syncobj_table_lookup (table, key), ==, "v2");
      hash_calls = 0;
      g_assert_true (_syncobj_table_remove (table, key));
      g_assert_cmpuint (hash_calls, ==, 1);
      expected_found++;
      g_assert_null (_syncobj_table_lookup (table, key));
      g_assert_cmpstr (_syncobj_table_lookup (other, key), ==, "w");
    }
  g_assert_cmpuint (other_found, ==, expected_found);
  other_table = NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/table/like-ghashtable", test_table_like_ghashtable);
  g_test_add_func ("/table/pointer-set", test_table_pointer_set);
  g_test_add_func ("/table/hash-once", test_table_hash_once);

  return g_test_run ();
}
