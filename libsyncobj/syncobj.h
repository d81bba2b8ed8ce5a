/* syncobj.h: the umbrella header of libsyncobj
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#define __SYNCOBJ_INSIDE__

#include <glib-object.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "syncobj-version-macros.h"
#include "syncobj-version.h"
#include "syncobj-types.h"
#include "syncobj-error.h"
#include "syncobj-enum-types.h"
#include "syncobj-attempt.h"
#include "syncobj-auth-request.h"
#include "syncobj-pending-mutation.h"
#include "syncobj-retry-policy.h"
#include "syncobj-record.h"
#include "syncobj-transaction.h"
#include "syncobj-collection.h"
#include "syncobj-sync.h"
#include "syncobj-mutator.h"
#include "syncobj-persist-job.h"
#include "syncobj-func-mutator.h"
#include "syncobj-registry.h"
#include "syncobj-history.h"
#include "syncobj-store.h"
#include "syncobj-test-sync.h"
#include "syncobj-sync-control.h"
#include "syncobj-http-mutator.h"
#include "syncobj-http-sync.h"
#include "syncobj-couch-sync.h"
#include "syncobj-couch-mutator.h"
#include "syncobj-view.h"

#undef __SYNCOBJ_INSIDE__
