/* syncobj-couch-selector-private.h: a Mango selector evaluated on
 * documents (syncobj-couch-selector.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-private.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _SyncobjCouchSelector SyncobjCouchSelector;

/* Parses and checks @json, a Mango selector object: its operators are
 * those of CouchDB 3 ($eq $ne $gt $gte $lt $lte $in $nin $all $exists
 * $type $size $mod $regex $beginsWith $elemMatch $allMatch $keyMapMatch
 * $and $or $nor $not) with the arguments they take. NULL with
 * SYNCOBJ_ERROR_INVALID_RECORD naming what is wrong. */
SyncobjCouchSelector *_syncobj_couch_selector_new     (const char            *json,
                                                       GError               **error);
void                  _syncobj_couch_selector_free    (SyncobjCouchSelector  *self);
/* Whether @document matches, by CouchDB's rules: a missing field matches
 * only `$exists: false`; values compare by CouchDB's collation (null,
 * false, true, numbers, strings, arrays, objects), strings by code point
 * (as PouchDB does, where CouchDB uses ICU's collation). */
gboolean              _syncobj_couch_selector_matches (SyncobjCouchSelector  *self,
                                                       JsonObject            *document);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncobjCouchSelector, _syncobj_couch_selector_free)

G_END_DECLS
