/* syncobj-transaction-properties-private.h: the properties of a transaction
 * (syncobj-transaction-properties.c), for the files of the transaction
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-transaction-fields-private.h"

G_BEGIN_DECLS


typedef enum {
  PROP_0,
  PROP_ID,
  PROP_STATE,
  PROP_CREATED_AT,
  PROP_UPDATED_AT,
  PROP_MUTATIONS,
  PROP_ATTEMPTS,
  PROP_CURRENT_ATTEMPT,
  PROP_QUEUED_BEHIND,
  PROP_WAITING_FOR_COLLECTION,
  PROP_ERROR,
  PROP_ERROR_TRANSACTION_ID,
  PROP_COLLECTION,
  PROP_METADATA,
  PROP_N_ATTEMPTS,
  PROP_N_DROPPED_ATTEMPTS,
  N_PROPS
} SyncobjTransactionProperty;

void _syncobj_transaction_notify             (SyncobjTransaction        *self,
                                              SyncobjTransactionProperty prop);
/* From class_init: the property accessors and the properties. */
void _syncobj_transaction_install_properties (GObjectClass              *object_class);

G_END_DECLS
