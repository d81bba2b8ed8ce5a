/* syncobj-store-sql-private.h: SQL on the store's writer thread
 *
 * libgda 5 pitfalls designed around here: columns are INT64 (libgda maps
 * INTEGER to a 32-bit gint), no parameter is ever NULL (libgda leaks them),
 * PRAGMAs go through the select path (they return rows), and result column
 * types are given explicitly.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-private.h"

#include <libgda/libgda.h>

G_BEGIN_DECLS

/* libgda 5 predates g_autoptr. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GdaSqlParser, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GdaStatement, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GdaSet, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GdaDataModel, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GdaDataModelIter, g_object_unref)

/* The current schema; older files are migrated on open, newer ones refused. */
#define SYNCOBJ_STORE_SCHEMA_VERSION 6

GdaStatement *_syncobj_store_sql_parse           (const char     *sql,
                                                  GError        **error);
/* Runs a query (or a PRAGMA, which returns rows) and gives the first
 * column of the first row as text; "" when there is no row. */
char         *_syncobj_store_sql_query_text      (GdaConnection  *cnc,
                                                  const char     *sql,
                                                  GError        **error);
/* Brings the file's schema up to the current version in one SQLite
 * transaction per step; refuses a file written by a newer version
 * (SYNCOBJ_ERROR_STORE). @path is for the log. */
gboolean      _syncobj_store_sql_migrate         (GdaConnection  *cnc,
                                                  const char     *path,
                                                  GError        **error);

/* Parameters (never NULL: a NULL text is set as "") and result values. */
gboolean      _syncobj_store_sql_set_text_holder (GdaHolder      *holder,
                                                  const char     *text,
                                                  GError        **error);
gboolean      _syncobj_store_sql_set_int_holder  (GdaHolder      *holder,
                                                  gint64          number,
                                                  GError        **error);
gboolean      _syncobj_store_sql_set_text        (GdaSet         *params,
                                                  const char     *name,
                                                  const char     *text,
                                                  GError        **error);
gboolean      _syncobj_store_sql_set_int         (GdaSet         *params,
                                                  const char     *name,
                                                  gint64          number,
                                                  GError        **error);
/* The text of @value; "" for NULL or another type. */
const char   *_syncobj_store_sql_value_text      (const GValue   *value);
/* The integer of @value; 0 for NULL or another type. */
gint64        _syncobj_store_sql_value_int       (const GValue   *value);

G_END_DECLS
