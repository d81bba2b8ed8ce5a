/* syncobj-transaction.h: a set of writes persisted all-or-nothing
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

#define SYNCOBJ_TYPE_TRANSACTION (syncobj_transaction_get_type ())
SYNCOBJ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SyncobjTransaction, syncobj_transaction, SYNCOBJ, TRANSACTION, GObject)

SYNCOBJ_AVAILABLE_IN_ALL
const char              *syncobj_transaction_get_id                   (SyncobjTransaction *self);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjTransactionState  syncobj_transaction_get_state                (SyncobjTransaction *self);
SYNCOBJ_AVAILABLE_IN_ALL
const char              *syncobj_transaction_get_state_name           (SyncobjTransaction *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean                 syncobj_transaction_is_finished              (SyncobjTransaction *self);
SYNCOBJ_AVAILABLE_IN_ALL
GDateTime               *syncobj_transaction_get_created_at           (SyncobjTransaction *self);
SYNCOBJ_AVAILABLE_IN_ALL
GDateTime               *syncobj_transaction_get_updated_at           (SyncobjTransaction *self);
SYNCOBJ_AVAILABLE_IN_ALL
GListModel              *syncobj_transaction_get_mutations            (SyncobjTransaction *self);
SYNCOBJ_AVAILABLE_IN_ALL
GListModel              *syncobj_transaction_get_attempts             (SyncobjTransaction *self);
SYNCOBJ_AVAILABLE_IN_ALL
guint                    syncobj_transaction_get_current_attempt      (SyncobjTransaction *self);
SYNCOBJ_AVAILABLE_IN_ALL
guint                    syncobj_transaction_get_n_attempts           (SyncobjTransaction *self);
SYNCOBJ_AVAILABLE_IN_ALL
guint                    syncobj_transaction_get_n_dropped_attempts   (SyncobjTransaction *self);
SYNCOBJ_AVAILABLE_IN_ALL
const char              *syncobj_transaction_get_queued_behind        (SyncobjTransaction *self);
SYNCOBJ_AVAILABLE_IN_ALL
const char              *syncobj_transaction_get_waiting_for_collection (SyncobjTransaction *self);
SYNCOBJ_AVAILABLE_IN_ALL
const GError            *syncobj_transaction_get_error                (SyncobjTransaction *self);
SYNCOBJ_AVAILABLE_IN_ALL
const char              *syncobj_transaction_get_error_transaction_id (SyncobjTransaction *self);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjCollection       *syncobj_transaction_get_collection           (SyncobjTransaction *self);
SYNCOBJ_AVAILABLE_IN_ALL
JsonObject              *syncobj_transaction_get_metadata             (SyncobjTransaction *self);
SYNCOBJ_AVAILABLE_IN_ALL
void                     syncobj_transaction_set_metadata             (SyncobjTransaction *self,
                                                                       JsonObject         *metadata);
SYNCOBJ_AVAILABLE_IN_ALL
char                    *syncobj_transaction_to_json                  (SyncobjTransaction *self);

SYNCOBJ_AVAILABLE_IN_ALL
gboolean                 syncobj_transaction_insert                   (SyncobjTransaction *self,
                                                                       SyncobjCollection  *collection,
                                                                       JsonObject         *value,
                                                                       GError            **error);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean                 syncobj_transaction_update                   (SyncobjTransaction *self,
                                                                       SyncobjCollection  *collection,
                                                                       const char         *key,
                                                                       JsonObject         *changes,
                                                                       GError            **error);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean                 syncobj_transaction_delete                   (SyncobjTransaction *self,
                                                                       SyncobjCollection  *collection,
                                                                       const char         *key,
                                                                       GError            **error);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean                 syncobj_transaction_commit                   (SyncobjTransaction *self,
                                                                       GError            **error);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean                 syncobj_transaction_rollback                 (SyncobjTransaction *self,
                                                                       GError            **error);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean                 syncobj_transaction_retry_now                (SyncobjTransaction *self);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjTransaction      *syncobj_transaction_retry                    (SyncobjTransaction  *self,
                                                                       GError             **error);

SYNCOBJ_AVAILABLE_IN_ALL
void                     syncobj_transaction_wait_async               (SyncobjTransaction  *self,
                                                                       GCancellable        *cancellable,
                                                                       GAsyncReadyCallback  callback,
                                                                       gpointer             user_data);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean                 syncobj_transaction_wait_finish              (SyncobjTransaction  *self,
                                                                       GAsyncResult        *result,
                                                                       GError             **error);

G_END_DECLS
