/* store-schema-v1.h: the oldest store format (version 1)
 *
 * Every later version opens such a file and migrates it. The tests and the
 * benchmark write rows straight into it to stand for a store that an
 * application left with unfinished transactions.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#define SYNCOBJ_TEST_SCHEMA_V1_META \
  "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value INT64 NOT NULL)"
#define SYNCOBJ_TEST_SCHEMA_V1_TRANSACTIONS \
  "CREATE TABLE transactions (id TEXT PRIMARY KEY NOT NULL, collection_id TEXT NOT NULL," \
  " state INT64 NOT NULL, created_at INT64 NOT NULL, updated_at INT64 NOT NULL," \
  " sequence INT64 NOT NULL, current_attempt INT64 NOT NULL, queued_behind TEXT NOT NULL," \
  " error TEXT NOT NULL, error_transaction_id TEXT NOT NULL, attempts TEXT NOT NULL," \
  " mutations TEXT NOT NULL)"
#define SYNCOBJ_TEST_SCHEMA_V1_INDEX \
  "CREATE INDEX transactions_by_collection ON transactions (collection_id, sequence)"
#define SYNCOBJ_TEST_SCHEMA_V1_VERSION \
  "INSERT INTO meta (key, value) VALUES ('schema_version', 1)"

/* The four statements above as one script, for sqlite3_exec(). */
#define SYNCOBJ_TEST_SCHEMA_V1 \
  SYNCOBJ_TEST_SCHEMA_V1_META ";" SYNCOBJ_TEST_SCHEMA_V1_TRANSACTIONS ";" \
  SYNCOBJ_TEST_SCHEMA_V1_INDEX ";" SYNCOBJ_TEST_SCHEMA_V1_VERSION ";"
