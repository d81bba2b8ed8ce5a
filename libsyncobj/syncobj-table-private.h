/* syncobj-table-private.h: a hash table that grows in small steps
 *
 * A GHashTable doubles its arrays when it fills up and rehashes every
 * entry in that one call: at a million entries, tens of milliseconds in
 * one main-loop iteration, and the tables of one collection (its rows,
 * key lanes, locks, links) all fill up at the same count. A SyncobjTable
 * is one GHashTable while it is small; past SYNCOBJ_TABLE_SPLIT_AT entries
 * its entries move, a few with each later change, into 256 GHashTables
 * chosen by hash, so that no single growth rehashes more than about a
 * 256th of the entries. The API follows GHashTable's, which each call
 * reaches with one more call of the hash function once split.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Entries a table keeps in one GHashTable: its last growth there (at
 * 7,711 entries) rehashes well under a millisecond. */
#define SYNCOBJ_TABLE_SPLIT_AT 12288

typedef struct _SyncobjTable SyncobjTable;

typedef struct
{
  SyncobjTable  *table;
  GHashTableIter iter;
  int            shard;   /* -1: the unsplit table, then each shard */
  gboolean       active;  /* iter walks a table */
} SyncobjTableIter;

SyncobjTable *_syncobj_table_new        (GHashFunc       hash,
                                         GEqualFunc      equal,
                                         GDestroyNotify  key_destroy,
                                         GDestroyNotify  value_destroy);
void          _syncobj_table_free       (SyncobjTable   *self);
guint         _syncobj_table_size       (SyncobjTable   *self);
gpointer      _syncobj_table_lookup     (SyncobjTable   *self,
                                         gconstpointer   key);
gboolean      _syncobj_table_lookup_extended (SyncobjTable  *self,
                                              gconstpointer  key,
                                              gpointer      *orig_key,
                                              gpointer      *value);
gboolean      _syncobj_table_contains   (SyncobjTable   *self,
                                         gconstpointer   key);
/* As g_hash_table_insert(), g_hash_table_replace() and g_hash_table_add(). */
gboolean      _syncobj_table_insert     (SyncobjTable   *self,
                                         gpointer        key,
                                         gpointer        value);
gboolean      _syncobj_table_replace    (SyncobjTable   *self,
                                         gpointer        key,
                                         gpointer        value);
gboolean      _syncobj_table_add        (SyncobjTable   *self,
                                         gpointer        key);
gboolean      _syncobj_table_remove     (SyncobjTable   *self,
                                         gconstpointer   key);
gboolean      _syncobj_table_steal      (SyncobjTable   *self,
                                         gconstpointer   key);
void          _syncobj_table_remove_all (SyncobjTable   *self);
/* Visits every entry once; the table must not change meanwhile. */
void          _syncobj_table_iter_init  (SyncobjTableIter *iter,
                                         SyncobjTable     *self);
gboolean      _syncobj_table_iter_next  (SyncobjTableIter *iter,
                                         gpointer         *key,
                                         gpointer         *value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncobjTable, _syncobj_table_free)

G_END_DECLS
