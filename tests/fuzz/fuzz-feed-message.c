/* fuzz-feed-message.c: messages of an HTTP sync's numbered change feed
 *
 * Input: the text of one WebSocket message, and the body of an answer to
 * a poll with ?since=, as a server that numbers its changes sends them
 * (syncobj-http-feed.c): a change with its "seq", an array of them,
 * {"type": "caught_up"} or {"type": "reset"}. The sync is attached to a
 * collection with records, has a numbered cursor and resumes from it; its
 * URIs cannot be reached, so a reset asks for nothing. Whatever the
 * server sends, nothing may crash, leak or warn, the cursor stays a
 * sequence number, every visible record survives JSON text, and the
 * collection keeps working.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-common.h"

#include "http/syncobj-http-feed-private.h"
#include "http/syncobj-http-sync-private.h"

static void
assert_collection_sane (SyncobjCollection *collection,
                        SyncobjSync       *sync)
{
  g_auto(GStrv) keys = syncobj_collection_get_keys (collection);
  const char *cursor = syncobj_sync_get_cursor (sync);

  if (!_syncobj_http_feed_cursor_is_seq (cursor))
    g_error ("fuzz: the cursor “%s” is no longer a sequence number", cursor);
  for (guint i = 0; keys[i] != NULL; i++)
    fuzz_assert_round_trip (syncobj_collection_lookup_value (collection, keys[i]));
}

/* A collection over an HTTP sync that resumes from sequence number 5. */
static SyncobjCollection *
feed_collection_new (SyncobjHttpSync **sync)
{
  g_autoptr(GError) error = NULL;
  SyncobjCollection *collection;

  /* Not URIs: a connection or a snapshot request fails at once. */
  *sync = syncobj_http_sync_new ("fuzz-feed", "not a uri", "not a uri either");
  collection = syncobj_collection_new ("fuzz-feed", SYNCOBJ_SYNC (*sync), NULL);

  syncobj_sync_begin (SYNCOBJ_SYNC (*sync));
  if (!syncobj_sync_write_json (SYNCOBJ_SYNC (*sync), SYNCOBJ_MUTATION_TYPE_INSERT,
                                "{\"id\": \"a\", \"n\": 1}", &error) ||
      !syncobj_sync_write_json (SYNCOBJ_SYNC (*sync), SYNCOBJ_MUTATION_TYPE_INSERT,
                                "{\"id\": 7, \"n\": 2}", &error) ||
      !syncobj_sync_commit_with_cursor (SYNCOBJ_SYNC (*sync), "5", &error))
    g_error ("fuzz: fixed commit failed: %s", error->message);
  (*sync)->resuming = TRUE;
  return collection;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(SyncobjHttpSync) sync = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(JsonObject) value = NULL;
  g_autoptr(GError) error = NULL;

  fuzz_init ();

  /* As a message of the WebSocket, twice: a repeated change is skipped. */
  collection = feed_collection_new (&sync);
  _syncobj_http_feed_handle_message (sync, (const char *) data, size);
  assert_collection_sane (collection, SYNCOBJ_SYNC (sync));
  _syncobj_http_feed_handle_message (sync, (const char *) data, size);
  assert_collection_sane (collection, SYNCOBJ_SYNC (sync));
  g_clear_object (&collection);
  g_clear_object (&sync);

  /* As the answer to a poll with ?since=. */
  collection = feed_collection_new (&sync);
  message = soup_message_new ("GET", "http://127.0.0.1/items?since=5");
  body = g_bytes_new (data, size);
  _syncobj_http_feed_changes_loaded (sync, message, body);
  assert_collection_sane (collection, SYNCOBJ_SYNC (sync));

  /* The collection still takes writes. */
  value = json_object_new ();
  json_object_set_string_member (value, "id", "new");
  transaction = syncobj_collection_begin (collection);
  if (!syncobj_transaction_insert (transaction, collection, value, &error))
    g_error ("fuzz: an insert after the feed failed: %s", error->message);
  if (!syncobj_transaction_rollback (transaction, &error))
    g_error ("fuzz: a rollback after the feed failed: %s", error->message);

  /* The registry forgets what this input made. */
  g_clear_object (&transaction);
  g_clear_object (&collection);
  syncobj_registry_forget_finished (syncobj_registry_get_default ());
  return 0;
}
