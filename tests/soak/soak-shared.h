/* soak-shared.h: the checks of the soak with clients that share keys
 * (soak --clients 2)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* One mutation a client issued, as the driver heard of it. */
typedef struct
{
  guint64     index;
  char       *txid;
  char       *key;
  char       *op;
  JsonObject *body;      /* NULL for a delete */
  gboolean    accepted;
  gboolean    failed;
  guint       applied;
  guint       client;       /* 0, 1, … */
  guint       generation;   /* of the client process that issued it */
  char       *recovered;    /* state in which a restarted client found it */
  char       *sent_op;      /* what it was last sent as, once completed: */
  JsonObject *sent;         /* a conflict may have changed it */
  gboolean    reinserted;   /* it met its record deleted by the other client */
} Mutation;

typedef struct
{
  guint64 applied;
  guint64 lost;
  guint64 duplicated;
  guint64 order_violations;
  guint64 unaccepted_applied;
  guint64 state_mismatches;
  guint64 rebased;          /* applied as another kind of change: an insert
                             * as an update, an update as an insert */
  guint64 deletes_done;     /* deletes that found the record deleted already */
} SoakSharedCounts;

/* Checks @effects (the demo server's effects log, in server order) and
 * @items (its records at the end) against @mutations (Mutation, in issue
 * order) of clients that edit the same keys, whose conflicts the library
 * resolves with REBASE: see tests/README.md, "Two clients". @by_txid maps
 * transaction ids to @mutations. Says each violation on stderr. */
/* Counts in @counts' state_mismatches, and prints, each record of @items
 * (keyed by @key_member) that differs from @expected (key → JsonObject,
 * which holds @what) or is not in it, and each key of @expected missing
 * from @items. */
void soak_shared_compare_records (JsonArray        *items,
                                  const char       *key_member,
                                  GHashTable       *expected,
                                  const char       *what,
                                  SoakSharedCounts *counts);
void soak_shared_check (GPtrArray        *mutations,
                        GHashTable       *by_txid,
                        JsonArray        *effects,
                        JsonArray        *items,
                        SoakSharedCounts *counts);

G_END_DECLS
