/* soak-couch.h: the CouchDB side of the soak (soak --couch): PouchDB
 * Server on a data directory, and what it holds at the end
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* What one revision of a document says about the write that made it. */
#define SOAK_COUCH_DELETED  (-1)   /* a deletion */
#define SOAK_COUCH_UNNAMED  (-2)   /* a body without "seq" */

/* A free TCP port of 127.0.0.1. */
guint        soak_couch_free_port  (void);

/* Starts pouchdb-server @program on 127.0.0.1:@port with its data in
 * @dir/data (kept across restarts), waits until it answers (at most 60 s)
 * and makes sure database "db" exists. NULL with @error otherwise. */
GSubprocess *soak_couch_start      (const char   *program,
                                    const char   *dir,
                                    guint         port,
                                    SoupSession  *session,
                                    GError      **error);

/* The history of each of @keys in the database at @db_uri: a GArray of
 * gint64 per key (in a table key → array), the "seq" member of each
 * revision of its winning branch, oldest first, or SOAK_COUCH_DELETED /
 * SOAK_COUCH_UNNAMED. *@n_branches counts the keys with more than one
 * leaf (a conflict nobody resolved). *@docs gets the live documents
 * without their "_rev". */
GHashTable  *soak_couch_histories  (SoupSession  *session,
                                    const char   *db_uri,
                                    GPtrArray    *keys,
                                    guint        *n_branches,
                                    JsonArray   **docs,
                                    GError      **error);

G_END_DECLS
