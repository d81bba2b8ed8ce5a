/* syncobj-collection.h: a keyed data set with an optimistic overlay
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SYNCOBJ_INSIDE__) && !defined(SYNCOBJ_COMPILATION)
#error "Only <syncobj.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "syncobj-types.h"
#include "syncobj-version-macros.h"

G_BEGIN_DECLS

#define SYNCOBJ_TYPE_COLLECTION (syncobj_collection_get_type ())
SYNCOBJ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SyncobjCollection, syncobj_collection, SYNCOBJ, COLLECTION, GObject)

/**
 * SyncobjMergeFunc:
 * @collection: the collection
 * @key: the key of the record
 * @synced: (nullable): the synced value, or %NULL when the server has none
 * @mutations: (element-type SyncobjPendingMutation): the active mutations of
 *   @key in creation order
 * @user_data: closure data
 *
 * Computes the visible value of a record of a parallel collection from its
 * synced value and its pending mutations. Called again after every sync
 * commit that touches @key while it has pending mutations.
 *
 * The function computes a value and must not write: a write to
 * @collection made from it (directly, or by a sync commit) fails with
 * %SYNCOBJ_ERROR_INVALID_STATE and changes nothing.
 *
 * Returns: (transfer full) (nullable): the visible value, or %NULL to hide
 *   the record
 */
typedef JsonObject *(*SyncobjMergeFunc) (SyncobjCollection *collection,
                                         const char        *key,
                                         JsonObject        *synced,
                                         GPtrArray         *mutations,
                                         gpointer           user_data);

/**
 * SyncobjConflictFunc:
 * @collection: the collection
 * @key: the key of the record
 * @local: (nullable): the value the pending change gave the record, or
 *   %NULL for a delete
 * @server: (nullable): the server's current record, or %NULL when the
 *   server deleted it
 * @user_data: closure data
 *
 * Resolves a conflict of a collection whose
 * [property@Syncobj.Collection:conflict-policy] is
 * %SYNCOBJ_CONFLICT_POLICY_CUSTOM: the server refused the change to @key
 * because its record changed meanwhile.
 *
 * Returns: (transfer full) (nullable): the value to send over the server's
 *   current version (its version member and key are taken from @server),
 *   or %NULL to give the change up, as %SYNCOBJ_CONFLICT_POLICY_SERVER_WINS
 *   does
 */
typedef JsonObject *(*SyncobjConflictFunc) (SyncobjCollection *collection,
                                            const char        *key,
                                            JsonObject        *local,
                                            JsonObject        *server,
                                            gpointer           user_data);

SYNCOBJ_AVAILABLE_IN_ALL
SyncobjCollection  *syncobj_collection_new              (const char        *id,
                                                         SyncobjSync       *sync,
                                                         SyncobjMutator    *mutator);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjCollection  *syncobj_collection_new_with_store   (const char        *id,
                                                         SyncobjSync       *sync,
                                                         SyncobjMutator    *mutator,
                                                         SyncobjStore      *store);
SYNCOBJ_AVAILABLE_IN_0_2
void                syncobj_collection_new_with_store_async  (const char          *id,
                                                              SyncobjSync         *sync,
                                                              SyncobjMutator      *mutator,
                                                              SyncobjStore        *store,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
SYNCOBJ_AVAILABLE_IN_0_2
void                syncobj_collection_new_with_properties_async (guint                n_properties,
                                                                  const char          *names[],
                                                                  const GValue         values[],
                                                                  GCancellable        *cancellable,
                                                                  GAsyncReadyCallback  callback,
                                                                  gpointer             user_data);
SYNCOBJ_AVAILABLE_IN_0_2
SyncobjCollection  *syncobj_collection_new_with_store_finish (GAsyncResult        *result,
                                                              GError             **error);
SYNCOBJ_AVAILABLE_IN_0_2
SyncobjCollection  *syncobj_collection_new_with_properties_finish (GAsyncResult   *result,
                                                                   GError        **error);
SYNCOBJ_AVAILABLE_IN_0_2
SyncobjCollection  *syncobj_collection_get_or_create    (const char        *id,
                                                         SyncobjSync       *sync,
                                                         SyncobjMutator    *mutator,
                                                         SyncobjStore      *store);
SYNCOBJ_AVAILABLE_IN_ALL
const char         *syncobj_collection_get_id           (SyncobjCollection *self);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjCollectionStatus syncobj_collection_get_status   (SyncobjCollection *self);
SYNCOBJ_AVAILABLE_IN_ALL
guint               syncobj_collection_get_schema_version (SyncobjCollection *self);
SYNCOBJ_AVAILABLE_IN_ALL
const char         *syncobj_collection_get_key_member   (SyncobjCollection *self);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjKeySource    syncobj_collection_get_key_source   (SyncobjCollection *self);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjSync        *syncobj_collection_get_sync         (SyncobjCollection *self);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjMutator     *syncobj_collection_get_mutator      (SyncobjCollection *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_collection_set_mutator      (SyncobjCollection *self,
                                                         SyncobjMutator    *mutator);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjStrategy     syncobj_collection_get_strategy     (SyncobjCollection *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_collection_set_strategy     (SyncobjCollection *self,
                                                         SyncobjStrategy    strategy);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjQueueScope   syncobj_collection_get_queue_scope  (SyncobjCollection *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_collection_set_queue_scope  (SyncobjCollection *self,
                                                         SyncobjQueueScope  scope);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_collection_set_merge_func   (SyncobjCollection *self,
                                                         SyncobjMergeFunc   func,
                                                         gpointer           user_data,
                                                         GDestroyNotify     destroy);
SYNCOBJ_AVAILABLE_IN_ALL
JsonObject         *syncobj_collection_compose_default  (SyncobjCollection *self,
                                                         JsonObject        *synced,
                                                         GPtrArray         *mutations);
SYNCOBJ_AVAILABLE_IN_ALL
const char         *syncobj_collection_get_version_member  (SyncobjCollection     *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_collection_set_version_member  (SyncobjCollection     *self,
                                                            const char            *member);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjConflictPolicy syncobj_collection_get_conflict_policy (SyncobjCollection   *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_collection_set_conflict_policy (SyncobjCollection     *self,
                                                            SyncobjConflictPolicy  policy);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_collection_set_conflict_func   (SyncobjCollection     *self,
                                                            SyncobjConflictFunc    func,
                                                            gpointer               user_data,
                                                            GDestroyNotify         destroy);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_collection_resolve_conflict_with (SyncobjCollection     *self,
                                                              SyncobjConflictPolicy  policy);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjRetryPolicy *syncobj_collection_get_retry_policy (SyncobjCollection *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                syncobj_collection_set_retry_policy (SyncobjCollection  *self,
                                                         SyncobjRetryPolicy *policy);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjStore       *syncobj_collection_get_store        (SyncobjCollection *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean            syncobj_collection_get_persistent   (SyncobjCollection *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean            syncobj_collection_get_ready        (SyncobjCollection *self);
SYNCOBJ_AVAILABLE_IN_ALL
guint               syncobj_collection_get_n_pending    (SyncobjCollection *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean            syncobj_collection_get_offline      (SyncobjCollection *self);
SYNCOBJ_AVAILABLE_IN_ALL
guint               syncobj_collection_get_size         (SyncobjCollection *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean            syncobj_collection_contains         (SyncobjCollection *self,
                                                         const char        *key);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjRecord      *syncobj_collection_lookup           (SyncobjCollection *self,
                                                         const char        *key);
SYNCOBJ_AVAILABLE_IN_ALL
JsonObject         *syncobj_collection_lookup_value     (SyncobjCollection *self,
                                                         const char        *key);
SYNCOBJ_AVAILABLE_IN_ALL
char              **syncobj_collection_get_keys         (SyncobjCollection *self);
SYNCOBJ_AVAILABLE_IN_ALL
char              **syncobj_collection_get_locked_keys  (SyncobjCollection *self);
SYNCOBJ_AVAILABLE_IN_ALL
GListModel         *syncobj_collection_get_transactions (SyncobjCollection *self);

SYNCOBJ_AVAILABLE_IN_ALL
SyncobjTransaction *syncobj_collection_insert           (SyncobjCollection *self,
                                                         JsonObject        *value,
                                                         GError           **error);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjTransaction *syncobj_collection_update           (SyncobjCollection *self,
                                                         const char        *key,
                                                         JsonObject        *changes,
                                                         GError           **error);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjTransaction *syncobj_collection_delete           (SyncobjCollection *self,
                                                         const char        *key,
                                                         GError           **error);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjTransaction *syncobj_collection_insert_json      (SyncobjCollection *self,
                                                         const char        *json,
                                                         GError           **error);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjTransaction *syncobj_collection_update_json      (SyncobjCollection *self,
                                                         const char        *key,
                                                         const char        *json,
                                                         GError           **error);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjTransaction *syncobj_collection_begin            (SyncobjCollection *self);
SYNCOBJ_AVAILABLE_IN_ALL
char               *syncobj_collection_to_json          (SyncobjCollection *self);

G_END_DECLS
