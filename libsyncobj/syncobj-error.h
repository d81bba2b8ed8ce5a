/* syncobj-error.h: the one error domain of libsyncobj
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SYNCOBJ_INSIDE__) && !defined(SYNCOBJ_COMPILATION)
#error "Only <syncobj.h> can be included directly."
#endif

#include "syncobj-version-macros.h"

G_BEGIN_DECLS

/**
 * SYNCOBJ_ERROR:
 *
 * The error domain of libsyncobj; codes are in [error@Syncobj.Error].
 */
#define SYNCOBJ_ERROR (syncobj_error_quark ())

/**
 * SyncobjError:
 * @SYNCOBJ_ERROR_FAILED: a generic, retriable failure
 * @SYNCOBJ_ERROR_NON_RETRIABLE: a failure that must not be retried (the
 *   specification's NonRetriableError)
 * @SYNCOBJ_ERROR_DEPENDENCY_FAILED: a queued transaction failed because one
 *   it depended on failed
 * @SYNCOBJ_ERROR_KEY_EXISTS: an insert of a key that is already visible
 * @SYNCOBJ_ERROR_KEY_NOT_FOUND: an update or delete of a key that is not visible
 * @SYNCOBJ_ERROR_INVALID_RECORD: a record or change set that is not a JSON
 *   object, or lacks a valid key
 * @SYNCOBJ_ERROR_STORE: the durable store failed
 * @SYNCOBJ_ERROR_HTTP: an HTTP request failed
 * @SYNCOBJ_ERROR_CANCELLED: the transaction was rolled back or cancelled
 * @SYNCOBJ_ERROR_OFFLINE: the network is unavailable; no attempt is spent
 * @SYNCOBJ_ERROR_INVALID_STATE: the call does not fit the object's state
 *   (a commit of a finished transaction, a sync write with no begin)
 * @SYNCOBJ_ERROR_TIMEOUT: a wait timed out
 * @SYNCOBJ_ERROR_PARSE: malformed outside data (a sync message, a response body)
 * @SYNCOBJ_ERROR_INVALID_VIEW: a view description or condition that does not
 *   fit the grammar of [class@Syncobj.View]; the message names the member,
 *   operator or value type at fault
 * @SYNCOBJ_ERROR_CONFLICT: the server refused a change because its record
 *   changed since the change was made (an HTTP 409 or 412); see
 *   [property@Syncobj.Collection:conflict-policy]. A transaction fails with
 *   it when the policy gives its change up, or after ten conflicts in a row
 *
 * Error codes of the %SYNCOBJ_ERROR domain.
 */
typedef enum {
  SYNCOBJ_ERROR_FAILED,
  SYNCOBJ_ERROR_NON_RETRIABLE,
  SYNCOBJ_ERROR_DEPENDENCY_FAILED,
  SYNCOBJ_ERROR_KEY_EXISTS,
  SYNCOBJ_ERROR_KEY_NOT_FOUND,
  SYNCOBJ_ERROR_INVALID_RECORD,
  SYNCOBJ_ERROR_STORE,
  SYNCOBJ_ERROR_HTTP,
  SYNCOBJ_ERROR_CANCELLED,
  SYNCOBJ_ERROR_OFFLINE,
  SYNCOBJ_ERROR_INVALID_STATE,
  SYNCOBJ_ERROR_TIMEOUT,
  SYNCOBJ_ERROR_PARSE,
  SYNCOBJ_ERROR_INVALID_VIEW,
  SYNCOBJ_ERROR_CONFLICT,
} SyncobjError;

SYNCOBJ_AVAILABLE_IN_ALL
GQuark syncobj_error_quark (void);

G_END_DECLS
