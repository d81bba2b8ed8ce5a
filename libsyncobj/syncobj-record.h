/* syncobj-record.h: the live object for one key of a collection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SYNCOBJ_INSIDE__) && !defined(SYNCOBJ_COMPILATION)
#error "Only <syncobj.h> can be included directly."
#endif

#include <json-glib/json-glib.h>
#include "syncobj-types.h"
#include "syncobj-version-macros.h"

G_BEGIN_DECLS

#define SYNCOBJ_TYPE_RECORD (syncobj_record_get_type ())
SYNCOBJ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SyncobjRecord, syncobj_record, SYNCOBJ, RECORD, GObject)

SYNCOBJ_AVAILABLE_IN_ALL
const char        *syncobj_record_get_key          (SyncobjRecord *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean           syncobj_record_is_temporary     (SyncobjRecord *self);
SYNCOBJ_AVAILABLE_IN_ALL
JsonObject        *syncobj_record_get_value        (SyncobjRecord *self);
SYNCOBJ_AVAILABLE_IN_ALL
JsonObject        *syncobj_record_get_synced_value (SyncobjRecord *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean           syncobj_record_get_pending      (SyncobjRecord *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean           syncobj_record_get_visible      (SyncobjRecord *self);
SYNCOBJ_AVAILABLE_IN_ALL
SyncobjCollection *syncobj_record_get_collection   (SyncobjRecord *self);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean           syncobj_record_has_member       (SyncobjRecord *self,
                                                    const char    *member);
SYNCOBJ_AVAILABLE_IN_ALL
const char        *syncobj_record_get_string       (SyncobjRecord *self,
                                                    const char    *member);
SYNCOBJ_AVAILABLE_IN_ALL
gint64             syncobj_record_get_int          (SyncobjRecord *self,
                                                    const char    *member);
SYNCOBJ_AVAILABLE_IN_ALL
double             syncobj_record_get_double       (SyncobjRecord *self,
                                                    const char    *member);
SYNCOBJ_AVAILABLE_IN_ALL
gboolean           syncobj_record_get_boolean      (SyncobjRecord *self,
                                                    const char    *member);
SYNCOBJ_AVAILABLE_IN_ALL
char              *syncobj_record_to_json          (SyncobjRecord *self);

G_END_DECLS
