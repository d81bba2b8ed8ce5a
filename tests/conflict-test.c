/* conflict-test.c: conflicts reported by a mutator and the conflict policies
 *
 * The mutator is a SyncobjFuncMutator in front of a one-record server that
 * checks the version each change was based on, as a server honouring
 * If-Match does, and reports a conflict with its current record; then the
 * HTTP mutator against the demo server with --versions.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"
#include "demo-server-utils.h"

#define RECORDS "[{\"id\": \"a\", \"n\": 0, \"m\": 0, \"version\": 1}]"

typedef struct
{
  JsonObject *record;          /* the server's record "a"; NULL: deleted */
  gint64      version;
  guint       calls;
  gboolean    always_conflict; /* someone else writes before every call */
  GPtrArray  *sent;            /* the mutations sent, as JSON text */
} Server;

static JsonObject *
object_from_json (const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);

  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

static char *
object_to_string (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

static void
assert_json_text (const char *text,
                  const char *expected)
{
  g_autoptr(JsonObject) object = object_from_json (text);

  syncobj_test_assert_json (object, expected);
}

/* The server's record becomes @value (without version) at the next version. */
static void
server_write (Server     *server,
              JsonObject *value)
{
  g_autoptr(JsonObject) keep = value != NULL ? json_object_ref (value) : NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  g_clear_pointer (&server->record, json_object_unref);
  server->version++;
  if (value == NULL)
    return;

  server->record = json_object_new ();
  json_object_iter_init (&iter, value);
  while (json_object_iter_next (&iter, &name, &member))
    json_object_set_member (server->record, name, json_node_copy (member));
  json_object_set_int_member (server->record, "version", server->version);
}

static void
server_persist (SyncobjPersistJob *job,
                gpointer           user_data)
{
  Server *server = user_data;
  GListModel *mutations = syncobj_transaction_get_mutations (syncobj_persist_job_get_transaction (job));
  g_autoptr(SyncobjPendingMutation) mutation = g_list_model_get_item (mutations, 0);
  JsonObject *original = syncobj_pending_mutation_get_original (mutation);
  SyncobjMutationType type = syncobj_pending_mutation_get_mutation_type (mutation);
  gint64 base = original != NULL ? json_object_get_int_member_with_default (original, "version", 0) : 0;
  gboolean conflict;

  server->calls++;
  g_ptr_array_add (server->sent, syncobj_pending_mutation_to_json (mutation));

  if (server->always_conflict && server->record != NULL)
    {
      g_autoptr(JsonObject) value = json_object_ref (server->record);

      json_object_set_int_member (value, "m", server->version);
      server_write (server, value);
    }

  if (type == SYNCOBJ_MUTATION_TYPE_INSERT)
    conflict = server->record != NULL;
  else
    conflict = server->record == NULL || base != server->version;

  if (conflict)
    {
      g_autoptr(JsonNode) current = NULL;

      if (server->record != NULL)
        current = json_node_init_object (json_node_alloc (), server->record);
      syncobj_persist_job_conflict (job, syncobj_pending_mutation_get_key (mutation), current);
      return;
    }

  server_write (server, syncobj_pending_mutation_get_modified (mutation));
  syncobj_persist_job_complete (job);
}

typedef struct
{
  guint  count;
  char  *key;
  char  *local;
  char  *server;
} Conflicts;

static void
conflict_cb (SyncobjCollection *collection,
             const char        *key,
             JsonObject        *local,
             JsonObject        *server,
             Conflicts         *conflicts)
{
  conflicts->count++;
  g_free (conflicts->key);
  g_free (conflicts->local);
  g_free (conflicts->server);
  conflicts->key = g_strdup (key);
  conflicts->local = local != NULL ? object_to_string (local) : g_strdup ("null");
  conflicts->server = server != NULL ? object_to_string (server) : g_strdup ("null");
}

static void
conflicts_clear (Conflicts *conflicts)
{
  g_free (conflicts->key);
  g_free (conflicts->local);
  g_free (conflicts->server);
}

static void
server_clear (Server *server)
{
  g_clear_pointer (&server->record, json_object_unref);
  g_clear_pointer (&server->sent, g_ptr_array_unref);
}

/* A collection in front of @server, whose record "a" someone else changed
 * (m = 5, version 2) since the client synced version 1. At most one
 * attempt counts: conflicts must not. */
static SyncobjCollection *
conflict_collection_new (Server              *server,
                         Conflicts           *conflicts,
                         SyncobjSyncControl **control)
{
  SyncobjCollection *collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, control);
  g_autoptr(SyncobjMutator) mutator = syncobj_func_mutator_new (server_persist, server, NULL);
  g_autoptr(JsonObject) changed = object_from_json ("{\"id\": \"a\", \"n\": 0, \"m\": 5}");

  server->version = 1;
  server->sent = g_ptr_array_new_with_free_func (g_free);
  server_write (server, changed);
  syncobj_collection_set_mutator (collection, mutator);
  syncobj_collection_set_version_member (collection, "version");
  syncobj_test_exact_retry_policy (collection, 1);
  g_signal_connect (collection, "conflict", G_CALLBACK (conflict_cb), conflicts);
  return collection;
}

static void
assert_attempt_conflicted (SyncobjTransaction *transaction,
                           guint               number)
{
  g_autoptr(SyncobjAttempt) attempt = g_list_model_get_item (syncobj_transaction_get_attempts (transaction), number - 1);

  g_assert_nonnull (attempt);
  g_assert_error ((GError *) syncobj_attempt_get_error (attempt), SYNCOBJ_ERROR, SYNCOBJ_ERROR_CONFLICT);
  g_assert_nonnull (strstr (syncobj_attempt_get_error (attempt)->message, "conflict"));
}

/* The value the transaction's (only) mutation sends. */
static void
assert_modified (SyncobjTransaction *transaction,
                 const char         *expected)
{
  g_autoptr(SyncobjPendingMutation) mutation = g_list_model_get_item (syncobj_transaction_get_mutations (transaction), 0);

  syncobj_test_assert_json (syncobj_pending_mutation_get_modified (mutation), expected);
}

/* The server's record comes back through the sync, and shows. */
static void
echo (Server             *server,
      SyncobjSyncControl *control,
      SyncobjCollection  *collection)
{
  g_autofree char *text = object_to_string (server->record);

  syncobj_sync_control_emit_update (control, server->record);
  syncobj_sync_control_run_pending (control);
  syncobj_test_assert_value (collection, "a", text);
}

static void
test_properties (void)
{
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = syncobj_test_collection_from_json (RECORDS, SYNCOBJ_STRATEGY_ORDERED, &control);
  g_autoptr(SyncobjTestNotify) policy_notify = syncobj_test_notify_new (G_OBJECT (collection), "conflict-policy");
  g_autofree char *member = NULL;

  g_assert_null (syncobj_collection_get_version_member (collection));
  g_assert_cmpint (syncobj_collection_get_conflict_policy (collection), ==, SYNCOBJ_CONFLICT_POLICY_REBASE);

  g_object_set (collection, "version-member", "_rev", "conflict-policy", SYNCOBJ_CONFLICT_POLICY_SERVER_WINS, NULL);
  g_object_get (collection, "version-member", &member, NULL);
  g_assert_cmpstr (member, ==, "_rev");
  g_assert_cmpint (syncobj_collection_get_conflict_policy (collection), ==, SYNCOBJ_CONFLICT_POLICY_SERVER_WINS);
  g_assert_cmpuint (syncobj_test_notify_count (policy_notify), ==, 1);
  syncobj_collection_set_conflict_policy (collection, SYNCOBJ_CONFLICT_POLICY_SERVER_WINS);
  g_assert_cmpuint (syncobj_test_notify_count (policy_notify), ==, 1);
}

static void
test_rebase (void)
{
  Server server = { 0 };
  Conflicts conflicts = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = conflict_collection_new (&server, &conflicts, &control);
  g_autoptr(SyncobjTransaction) transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  g_autoptr(SyncobjRecord) record = NULL;

  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 10, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);

  g_assert_cmpuint (server.calls, ==, 2);
  g_assert_cmpuint (syncobj_transaction_get_current_attempt (transaction), ==, 2);
  assert_attempt_conflicted (transaction, 1);

  /* ::conflict saw both sides. */
  g_assert_cmpuint (conflicts.count, ==, 1);
  g_assert_cmpstr (conflicts.key, ==, "a");
  assert_json_text (conflicts.local, "{\"id\": \"a\", \"n\": 1, \"m\": 0, \"version\": 1}");
  assert_json_text (conflicts.server, "{\"id\": \"a\", \"n\": 0, \"m\": 5, \"version\": 2}");

  /* The second attempt sent the same changes, over version 2; the server
   * keeps the other writer's m. */
  g_assert_nonnull (strstr (g_ptr_array_index (server.sent, 1), "\"changes\":{\"n\":1}"));
  syncobj_test_assert_json (server.record, "{\"id\": \"a\", \"n\": 1, \"m\": 5, \"version\": 3}");
  assert_modified (transaction, "{\"id\": \"a\", \"n\": 1, \"m\": 5, \"version\": 2}");
  record = syncobj_collection_lookup (collection, "a");
  syncobj_test_assert_json (syncobj_record_get_synced_value (record),
                            "{\"id\": \"a\", \"n\": 0, \"m\": 5, \"version\": 2}");
  echo (&server, control, collection);

  syncobj_test_drain (control, collection);
  server_clear (&server);
  conflicts_clear (&conflicts);
}

static void
test_server_wins (void)
{
  Server server = { 0 };
  Conflicts conflicts = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = conflict_collection_new (&server, &conflicts, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;

  syncobj_collection_set_conflict_policy (collection, SYNCOBJ_CONFLICT_POLICY_SERVER_WINS);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");

  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 10, 1000), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  syncobj_test_assert_failed (transaction, SYNCOBJ_ERROR_CONFLICT, NULL);
  g_assert_cmpuint (server.calls, ==, 1);
  g_assert_cmpuint (conflicts.count, ==, 1);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 0, \"m\": 5, \"version\": 2}");

  syncobj_test_drain (control, collection);
  server_clear (&server);
  conflicts_clear (&conflicts);
}

static void
test_client_wins (void)
{
  Server server = { 0 };
  Conflicts conflicts = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = conflict_collection_new (&server, &conflicts, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;

  syncobj_collection_set_conflict_policy (collection, SYNCOBJ_CONFLICT_POLICY_CLIENT_WINS);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");

  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 10, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpuint (server.calls, ==, 2);
  assert_attempt_conflicted (transaction, 1);
  /* The whole local value went, over version 2: the other writer's m is
   * overwritten. */
  syncobj_test_assert_json (server.record, "{\"id\": \"a\", \"n\": 1, \"m\": 0, \"version\": 3}");
  assert_modified (transaction, "{\"id\": \"a\", \"n\": 1, \"m\": 0, \"version\": 2}");
  echo (&server, control, collection);

  syncobj_test_drain (control, collection);
  server_clear (&server);
  conflicts_clear (&conflicts);
}

static JsonObject *
add_up (SyncobjCollection *collection,
        const char        *key,
        JsonObject        *local,
        JsonObject        *remote,
        gpointer           user_data)
{
  JsonObject *merged;
  guint *calls = user_data;

  (*calls)++;
  g_assert_cmpstr (key, ==, "a");
  if (*calls > 1)
    return NULL;

  merged = json_object_new ();
  json_object_set_int_member (merged, "n", json_object_get_int_member (local, "n") + json_object_get_int_member (remote, "m"));
  return merged;
}

static void
test_custom (void)
{
  Server server = { 0 };
  Conflicts conflicts = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = conflict_collection_new (&server, &conflicts, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(SyncobjTransaction) second = NULL;
  guint calls = 0;

  syncobj_collection_set_conflict_func (collection, add_up, &calls, NULL);
  g_assert_cmpint (syncobj_collection_get_conflict_policy (collection), ==, SYNCOBJ_CONFLICT_POLICY_CUSTOM);
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");

  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 10, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpuint (calls, ==, 1);
  g_assert_cmpuint (conflicts.count, ==, 1);
  /* The function's value, with the key and the server's version. */
  syncobj_test_assert_json (server.record, "{\"n\": 6, \"id\": \"a\", \"version\": 3}");
  assert_modified (transaction, "{\"n\": 6, \"id\": \"a\", \"version\": 2}");

  /* NULL gives the change up, as the server wins. */
  server_write (&server, server.record);
  second = syncobj_test_update (collection, "a", "{\"n\": 7}");
  g_assert_cmpint (syncobj_test_wait_transaction (control, second, 10, 1000), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  syncobj_test_assert_failed (second, SYNCOBJ_ERROR_CONFLICT, NULL);
  g_assert_cmpuint (calls, ==, 2);
  syncobj_test_assert_value (collection, "a", "{\"n\": 6, \"id\": \"a\", \"version\": 4}");
  g_assert_cmpuint (conflicts.count, ==, 2);

  /* Unsetting the function goes back to rebasing. */
  syncobj_collection_set_conflict_func (collection, NULL, NULL, NULL);
  g_assert_cmpint (syncobj_collection_get_conflict_policy (collection), ==, SYNCOBJ_CONFLICT_POLICY_REBASE);

  syncobj_test_drain (control, collection);
  server_clear (&server);
  conflicts_clear (&conflicts);
}

/* Leaves every conflict to REBASE, whatever it returns. */
static JsonObject *
leave_to_rebase (SyncobjCollection *collection,
                 const char        *key,
                 JsonObject        *local,
                 JsonObject        *remote,
                 gpointer           user_data)
{
  guint *calls = user_data;

  (*calls)++;
  syncobj_collection_resolve_conflict_with (collection, SYNCOBJ_CONFLICT_POLICY_REBASE);
  return json_object_new ();
}

/* A conflict function may leave a conflict to a policy: a delete rebased
 * is sent again, which no value it could return says. */
static void
test_custom_leaves_to_policy (void)
{
  Server server = { 0 };
  Conflicts conflicts = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = conflict_collection_new (&server, &conflicts, &control);
  g_autoptr(SyncobjTransaction) delete = NULL;
  guint calls = 0;

  syncobj_collection_set_conflict_func (collection, leave_to_rebase, &calls, NULL);
  server_write (&server, server.record);
  delete = syncobj_test_delete (collection, "a");

  g_assert_cmpint (syncobj_test_wait_transaction (control, delete, 10, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpuint (calls, ==, 1);
  g_assert_cmpuint (server.calls, ==, 2);
  g_assert_null (server.record);
  g_assert_cmpint (syncobj_collection_get_conflict_policy (collection), ==, SYNCOBJ_CONFLICT_POLICY_CUSTOM);

  /* Only from a conflict function. */
  g_test_expect_message ("Syncobj", G_LOG_LEVEL_CRITICAL, "*conflict_resolving*");
  syncobj_collection_resolve_conflict_with (collection, SYNCOBJ_CONFLICT_POLICY_SERVER_WINS);
  g_test_assert_expected_messages ();

  syncobj_test_drain (control, collection);
  server_clear (&server);
  conflicts_clear (&conflicts);
}

static void
test_ten_in_a_row (void)
{
  Server server = { 0 };
  Conflicts conflicts = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = conflict_collection_new (&server, &conflicts, &control);
  g_autoptr(SyncobjTransaction) transaction = NULL;

  server.always_conflict = TRUE;
  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");

  /* No backoff between resolutions: all at the same virtual time. */
  syncobj_sync_control_run_pending (control);
  for (guint i = 0; i < 20 && !syncobj_transaction_is_finished (transaction); i++)
    syncobj_sync_control_run_pending (control);

  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "failed");
  syncobj_test_assert_failed (transaction, SYNCOBJ_ERROR_CONFLICT, NULL);
  g_assert_nonnull (strstr (syncobj_transaction_get_error (transaction)->message, "10 times"));
  g_assert_cmpuint (server.calls, ==, 10);
  g_assert_cmpuint (conflicts.count, ==, 10);
  g_assert_cmpuint (g_list_model_get_n_items (syncobj_transaction_get_attempts (transaction)), ==, 10);
  for (guint n = 1; n <= 10; n++)
    assert_attempt_conflicted (transaction, n);
  /* The last server record shows. */
  {
    g_autofree char *last = object_to_string (server.record);

    syncobj_test_assert_value (collection, "a", last);
  }

  syncobj_test_drain (control, collection);
  server_clear (&server);
  conflicts_clear (&conflicts);
}

static void
test_deleted_on_server (void)
{
  Server server = { 0 };
  Conflicts conflicts = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = conflict_collection_new (&server, &conflicts, &control);
  g_autoptr(SyncobjTransaction) update = NULL;
  g_autoptr(SyncobjTransaction) delete = NULL;

  /* An update of a record deleted on the server inserts it again. */
  server_write (&server, NULL);
  update = syncobj_test_update (collection, "a", "{\"n\": 1}");
  g_assert_cmpint (syncobj_test_wait_transaction (control, update, 10, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpstr (conflicts.server, ==, "null");
  g_assert_nonnull (strstr (g_ptr_array_index (server.sent, 1), "\"type\":\"insert\""));
  syncobj_test_assert_json (server.record, "{\"id\": \"a\", \"n\": 1, \"m\": 0, \"version\": 4}");
  echo (&server, control, collection);

  /* A delete of a record deleted already is done, without sending it again. */
  server_write (&server, NULL);
  delete = syncobj_test_delete (collection, "a");
  g_assert_cmpint (syncobj_test_wait_transaction (control, delete, 10, 1000), ==, SYNCOBJ_TRANSACTION_STATE_COMPLETED);
  g_assert_cmpuint (server.calls, ==, 3);
  syncobj_test_assert_value (collection, "a", "null");

  syncobj_test_drain (control, collection);
  server_clear (&server);
  conflicts_clear (&conflicts);
}

static void
test_rollback_from_signal_cb (SyncobjCollection *collection,
                              const char        *key,
                              JsonObject        *local,
                              JsonObject        *server,
                              SyncobjTransaction *transaction)
{
  g_assert_true (syncobj_transaction_rollback (transaction, NULL));
}

static void
test_rollback_from_signal (void)
{
  Server server = { 0 };
  Conflicts conflicts = { 0 };
  g_autoptr(SyncobjSyncControl) control = NULL;
  g_autoptr(SyncobjCollection) collection = conflict_collection_new (&server, &conflicts, &control);
  g_autoptr(SyncobjTransaction) transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");

  g_signal_connect (collection, "conflict", G_CALLBACK (test_rollback_from_signal_cb), transaction);
  g_assert_cmpint (syncobj_test_wait_transaction (control, transaction, 10, 1000), ==, SYNCOBJ_TRANSACTION_STATE_FAILED);
  g_assert_cmpuint (server.calls, ==, 1);
  syncobj_test_assert_value (collection, "a", "{\"id\": \"a\", \"n\": 0, \"m\": 5, \"version\": 2}");

  syncobj_test_drain (control, collection);
  server_clear (&server);
  conflicts_clear (&conflicts);
}

/* ---- the HTTP mutator and the demo server ----------------------------------- */

static JsonObject *
server_record (DemoServer *server,
               const char *key)
{
  g_autoptr(JsonArray) items = demo_server_items (server);

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);

      if (g_strcmp0 (json_object_get_string_member (item, "id"), key) == 0)
        return json_object_ref (item);
    }
  return NULL;
}

/* Someone else changed the record (version 2) since the client synced
 * version 1: the PATCH with If-Match: "1" is answered 412 with the record,
 * which the change is rebased on and sent again with If-Match: "2". */
static void
test_http_412_rebased (void)
{
  const char *args[] = { "--versions", NULL };
  g_autoptr(DemoServer) server = demo_server_start_full (NULL, args);
  g_autofree char *items = demo_server_uri (server, "/items");
  g_autoptr(SyncobjHttpMutator) mutator = syncobj_http_mutator_new (items);
  g_autoptr(JsonArray) synced = syncobj_test_array ("[{\"id\": \"a\", \"title\": \"A\", \"n\": 0, \"version\": 1}]");
  g_autoptr(SyncobjTestSync) sync = syncobj_test_sync_new ("http-conflict", synced);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(SyncobjAttempt) first = NULL;
  g_autoptr(JsonObject) record = NULL;
  g_autofree char *created = NULL;
  g_autofree char *patched = NULL;
  Conflicts conflicts = { 0 };
  guint status = 0;

  created = demo_server_request (server, "POST", "/items", NULL, "{\"id\": \"a\", \"title\": \"A\", \"n\": 0}", &status);
  g_assert_cmpuint (status, ==, 201);
  patched = demo_server_request (server, "PATCH", "/items/a", NULL, "{\"title\": \"B\"}", &status);
  g_assert_cmpuint (status, ==, 200);

  collection = syncobj_collection_new ("http-conflict", SYNCOBJ_SYNC (sync), SYNCOBJ_MUTATOR (mutator));
  syncobj_collection_set_version_member (collection, "version");
  g_signal_connect (collection, "conflict", G_CALLBACK (conflict_cb), &conflicts);
  WAIT_FOR (syncobj_collection_get_ready (collection), 5000);

  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  WAIT_FOR (syncobj_transaction_is_finished (transaction), 10000);

  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
  g_assert_cmpuint (syncobj_transaction_get_n_attempts (transaction), ==, 2);
  first = g_list_model_get_item (syncobj_transaction_get_attempts (transaction), 0);
  g_assert_error ((GError *) syncobj_attempt_get_error (first), SYNCOBJ_ERROR, SYNCOBJ_ERROR_CONFLICT);
  g_assert_cmpuint (syncobj_attempt_get_http_status (first), ==, 412);
  g_assert_cmpuint (conflicts.count, ==, 1);
  assert_json_text (conflicts.server, "{\"id\": \"a\", \"title\": \"B\", \"n\": 0, \"version\": 2}");

  /* Both changes are on the server. */
  record = server_record (server, "a");
  syncobj_test_assert_json (record, "{\"id\": \"a\", \"title\": \"B\", \"n\": 1, \"version\": 3}");
  conflicts_clear (&conflicts);
}

/* A collection on the demo server (--versions) whose sync holds record
 * "a" at version 1, as the server had it before @prepare ran. */
static SyncobjCollection *
http_collection_new (DemoServer         *server,
                     Conflicts          *conflicts,
                     SyncobjHttpMutator **mutator)
{
  g_autofree char *items = demo_server_uri (server, "/items");
  g_autoptr(JsonArray) synced = syncobj_test_array ("[{\"id\": \"a\", \"title\": \"A\", \"n\": 0, \"version\": 1}]");
  g_autoptr(SyncobjTestSync) sync = syncobj_test_sync_new ("http-conflict", synced);
  g_autofree char *created = NULL;
  SyncobjCollection *collection;
  guint status = 0;

  created = demo_server_request (server, "POST", "/items", NULL, "{\"id\": \"a\", \"title\": \"A\", \"n\": 0}", &status);
  g_assert_cmpuint (status, ==, 201);
  *mutator = syncobj_http_mutator_new (items);
  collection = syncobj_collection_new ("http-conflict", SYNCOBJ_SYNC (sync), SYNCOBJ_MUTATOR (*mutator));
  syncobj_collection_set_version_member (collection, "version");
  g_signal_connect (collection, "conflict", G_CALLBACK (conflict_cb), conflicts);
  WAIT_FOR (syncobj_collection_get_ready (collection), 5000);
  return collection;
}

/* The next write is answered 409 with a body that is not the record, as
 * many servers do. */
static void
answer_next_write_409 (DemoServer *server)
{
  demo_server_admin (server, "/_admin/faults",
                     "{\"answer\": 1, \"answer_status\": 409, \"answer_type\": \"application/json\", "
                     "\"answer_body\": \"{\\\"error\\\": \\\"edit conflict\\\"}\"}");
}

/* A 409 without the record: the mutator GETs /items/a, the change is
 * rebased on the record it reads (version 2) and sent again. */
static void
test_http_409_fetches_record (void)
{
  const char *args[] = { "--versions", NULL };
  g_autoptr(DemoServer) server = demo_server_start_full (NULL, args);
  g_autoptr(SyncobjHttpMutator) mutator = NULL;
  Conflicts conflicts = { 0 };
  g_autoptr(SyncobjCollection) collection = http_collection_new (server, &conflicts, &mutator);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(SyncobjAttempt) first = NULL;
  g_autoptr(JsonObject) record = NULL;
  g_autofree char *patched = NULL;
  guint status = 0;

  patched = demo_server_request (server, "PATCH", "/items/a", NULL, "{\"title\": \"B\"}", &status);
  g_assert_cmpuint (status, ==, 200);
  answer_next_write_409 (server);

  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  WAIT_FOR (syncobj_transaction_is_finished (transaction), 10000);

  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
  g_assert_cmpint (demo_server_fault_count (server, "answer"), ==, 1);
  g_assert_cmpuint (syncobj_transaction_get_n_attempts (transaction), ==, 2);
  first = g_list_model_get_item (syncobj_transaction_get_attempts (transaction), 0);
  g_assert_error ((GError *) syncobj_attempt_get_error (first), SYNCOBJ_ERROR, SYNCOBJ_ERROR_CONFLICT);
  g_assert_cmpuint (syncobj_attempt_get_http_status (first), ==, 409);
  g_assert_cmpuint (conflicts.count, ==, 1);
  assert_json_text (conflicts.server, "{\"id\": \"a\", \"title\": \"B\", \"n\": 0, \"version\": 2}");

  record = server_record (server, "a");
  syncobj_test_assert_json (record, "{\"id\": \"a\", \"title\": \"B\", \"n\": 1, \"version\": 3}");
  conflicts_clear (&conflicts);
}

/* A 409 without the record, whose GET answers 404: the server deleted the
 * record, a conflict with no record. Rebased, the update inserts what the
 * user saw again. */
static void
test_http_409_record_deleted (void)
{
  const char *args[] = { "--versions", NULL };
  g_autoptr(DemoServer) server = demo_server_start_full (NULL, args);
  g_autoptr(SyncobjHttpMutator) mutator = NULL;
  Conflicts conflicts = { 0 };
  g_autoptr(SyncobjCollection) collection = http_collection_new (server, &conflicts, &mutator);
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(JsonObject) record = NULL;

  demo_server_admin (server, "/_admin/delete?key=a", NULL);
  answer_next_write_409 (server);

  transaction = syncobj_test_update (collection, "a", "{\"n\": 1}");
  WAIT_FOR (syncobj_transaction_is_finished (transaction), 10000);

  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
  g_assert_cmpuint (syncobj_transaction_get_n_attempts (transaction), ==, 2);
  g_assert_cmpuint (conflicts.count, ==, 1);
  g_assert_cmpstr (conflicts.server, ==, "null");

  record = server_record (server, "a");
  syncobj_test_assert_json (record, "{\"id\": \"a\", \"title\": \"A\", \"n\": 1, \"version\": 1}");
  conflicts_clear (&conflicts);
}

/* Another client deleted the record: the PATCH with If-Match: "1" is
 * answered 404, which is a conflict with no record, not a refusal. Rebased,
 * the update inserts what the user saw again. */
static void
test_http_404_update_deleted (void)
{
  const char *args[] = { "--versions", NULL };
  g_autoptr(DemoServer) server = demo_server_start_full (NULL, args);
  g_autoptr(SyncobjHttpMutator) mutator = NULL;
  Conflicts conflicts = { 0 };
  g_autoptr(SyncobjCollection) collection = http_collection_new (server, &conflicts, &mutator);
  g_autoptr(SyncobjTransaction) rebased = NULL;
  g_autoptr(SyncobjAttempt) first = NULL;
  g_autoptr(JsonObject) record = NULL;

  demo_server_admin (server, "/_admin/delete?key=a", NULL);

  rebased = syncobj_test_update (collection, "a", "{\"n\": 1}");
  WAIT_FOR (syncobj_transaction_is_finished (rebased), 10000);

  g_assert_cmpstr (syncobj_transaction_get_state_name (rebased), ==, "completed");
  g_assert_cmpuint (syncobj_transaction_get_n_attempts (rebased), ==, 2);
  first = g_list_model_get_item (syncobj_transaction_get_attempts (rebased), 0);
  g_assert_error ((GError *) syncobj_attempt_get_error (first), SYNCOBJ_ERROR, SYNCOBJ_ERROR_CONFLICT);
  g_assert_cmpuint (syncobj_attempt_get_http_status (first), ==, 404);
  g_assert_cmpuint (conflicts.count, ==, 1);
  g_assert_cmpstr (conflicts.server, ==, "null");
  record = server_record (server, "a");
  syncobj_test_assert_json (record, "{\"id\": \"a\", \"title\": \"A\", \"n\": 1, \"version\": 1}");

  conflicts_clear (&conflicts);
}

/* The same without a version member (a PATCH without If-Match, answered
 * 404) under SERVER_WINS: the transaction fails with
 * SYNCOBJ_ERROR_CONFLICT, and the record stays deleted. */
static void
test_http_404_update_server_wins (void)
{
  const char *args[] = { "--versions", NULL };
  g_autoptr(DemoServer) server = demo_server_start_full (NULL, args);
  g_autoptr(SyncobjHttpMutator) mutator = NULL;
  Conflicts conflicts = { 0 };
  g_autoptr(SyncobjCollection) collection = http_collection_new (server, &conflicts, &mutator);
  g_autoptr(SyncobjTransaction) given_up = NULL;
  g_autoptr(JsonObject) record = NULL;

  syncobj_collection_set_version_member (collection, NULL);
  syncobj_collection_set_conflict_policy (collection, SYNCOBJ_CONFLICT_POLICY_SERVER_WINS);
  demo_server_admin (server, "/_admin/delete?key=a", NULL);

  given_up = syncobj_test_update (collection, "a", "{\"n\": 2}");
  WAIT_FOR (syncobj_transaction_is_finished (given_up), 10000);

  g_assert_cmpstr (syncobj_transaction_get_state_name (given_up), ==, "failed");
  g_assert_error ((GError *) syncobj_transaction_get_error (given_up), SYNCOBJ_ERROR, SYNCOBJ_ERROR_CONFLICT);
  g_assert_cmpuint (syncobj_transaction_get_n_attempts (given_up), ==, 1);
  g_assert_cmpuint (conflicts.count, ==, 1);
  g_assert_cmpstr (conflicts.server, ==, "null");
  record = server_record (server, "a");
  g_assert_null (record);
  conflicts_clear (&conflicts);
}

/* Without version-member, the ETag the server gave for a record is the
 * version of the next write: the PATCH answered ETag "2" sends If-Match
 * "2"; someone else wrote version 3 meanwhile, so the answer is a 412
 * with the record and ETag "3", on which the change is rebased and sent
 * again with If-Match "3". */
static void
test_http_etag_as_version (void)
{
  const char *args[] = { "--versions", NULL };
  g_autoptr(DemoServer) server = demo_server_start_full (NULL, args);
  g_autofree char *items = demo_server_uri (server, "/items");
  g_autoptr(SyncobjHttpMutator) mutator = syncobj_http_mutator_new (items);
  g_autoptr(JsonArray) synced = syncobj_test_array ("[{\"id\": \"a\", \"title\": \"A\", \"n\": 0}]");
  g_autoptr(SyncobjTestSync) sync = syncobj_test_sync_new ("http-etag", synced);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) first = NULL;
  g_autoptr(SyncobjTransaction) second = NULL;
  g_autoptr(SyncobjAttempt) attempt = NULL;
  g_autoptr(JsonObject) record = NULL;
  g_autofree char *created = NULL;
  g_autofree char *patched = NULL;
  Conflicts conflicts = { 0 };
  guint status = 0;

  created = demo_server_request (server, "POST", "/items", NULL, "{\"id\": \"a\", \"title\": \"A\", \"n\": 0}", &status);
  g_assert_cmpuint (status, ==, 201);
  collection = syncobj_collection_new ("http-etag", SYNCOBJ_SYNC (sync), SYNCOBJ_MUTATOR (mutator));
  g_signal_connect (collection, "conflict", G_CALLBACK (conflict_cb), &conflicts);
  WAIT_FOR (syncobj_collection_get_ready (collection), 5000);

  /* No ETag known yet: no precondition. */
  first = syncobj_test_update (collection, "a", "{\"n\": 1}");
  WAIT_FOR (syncobj_transaction_is_finished (first), 10000);
  g_assert_cmpstr (syncobj_transaction_get_state_name (first), ==, "completed");
  g_assert_cmpuint (syncobj_transaction_get_n_attempts (first), ==, 1);

  patched = demo_server_request (server, "PATCH", "/items/a", NULL, "{\"title\": \"B\"}", &status);
  g_assert_cmpuint (status, ==, 200);

  second = syncobj_test_update (collection, "a", "{\"m\": 1}");
  WAIT_FOR (syncobj_transaction_is_finished (second), 10000);
  g_assert_cmpstr (syncobj_transaction_get_state_name (second), ==, "completed");
  g_assert_cmpuint (syncobj_transaction_get_n_attempts (second), ==, 2);
  attempt = g_list_model_get_item (syncobj_transaction_get_attempts (second), 0);
  g_assert_error ((GError *) syncobj_attempt_get_error (attempt), SYNCOBJ_ERROR, SYNCOBJ_ERROR_CONFLICT);
  g_assert_cmpuint (syncobj_attempt_get_http_status (attempt), ==, 412);
  g_assert_cmpuint (conflicts.count, ==, 1);

  record = server_record (server, "a");
  syncobj_test_assert_json (record, "{\"id\": \"a\", \"title\": \"B\", \"n\": 1, \"m\": 1, \"version\": 4}");
  conflicts_clear (&conflicts);
}

static void
flushed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (syncobj_store_flush_finish (SYNCOBJ_STORE (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

/* One run of an application on the store file at @path: a collection of
 * the demo server's items with the HTTP sync and mutator, no version
 * member, ready. */
static SyncobjCollection *
etag_run_new (DemoServer    *server,
              const char    *path,
              SyncobjStore **store,
              Conflicts     *conflicts)
{
  g_autofree char *items = demo_server_uri (server, "/items");
  g_autofree char *changes = demo_server_uri (server, "/changes");
  g_autoptr(SyncobjHttpSync) sync = syncobj_http_sync_new ("etag-restart-sync", items, changes);
  g_autoptr(SyncobjHttpMutator) mutator = syncobj_http_mutator_new (items);
  g_autoptr(GError) error = NULL;
  SyncobjCollection *collection;

  *store = syncobj_store_new_for_path (path, &error);
  g_assert_no_error (error);
  collection = syncobj_collection_new_with_store ("etag-restart", SYNCOBJ_SYNC (sync), SYNCOBJ_MUTATOR (mutator), *store);
  g_signal_connect (collection, "conflict", G_CALLBACK (conflict_cb), conflicts);
  WAIT_FOR (syncobj_collection_get_ready (collection), 5000);
  return collection;
}

static void
etag_run_end (SyncobjCollection **collection,
              SyncobjStore      **store)
{
  gboolean flushed = FALSE;

  g_clear_object (collection);
  syncobj_store_flush_async (*store, NULL, flushed_cb, &flushed);
  WAIT_FOR (flushed, 5000);
  g_clear_object (store);
  syncobj_registry_forget_finished (syncobj_registry_get_default ());
}

/* Without a version member, the ETag of each record is kept with its
 * cached record: after a restart between the write and the next update,
 * that update still sends If-Match with the record's ETag. Someone else
 * wrote the record meanwhile (version 2): the update sent with If-Match
 * "1" is refused with 412 and rebased, which only a kept ETag can make
 * happen. After another restart, the ETag of the rebased write ("3") goes
 * with the next update, which the server takes at once. */
static void
test_http_etag_kept_across_restart (void)
{
  const char *args[] = { "--versions", NULL };
  g_autoptr(DemoServer) server = demo_server_start_full (NULL, args);
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "etag-restart.db", NULL);
  g_autoptr(SyncobjStore) store = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) inserted = NULL;
  g_autoptr(SyncobjTransaction) rebased = NULL;
  g_autoptr(SyncobjTransaction) direct = NULL;
  g_autoptr(SyncobjAttempt) first = NULL;
  g_autoptr(JsonObject) record = NULL;
  g_autofree char *patched = NULL;
  Conflicts conflicts = { 0 };
  guint status = 0;

  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);
  collection = etag_run_new (server, path, &store, &conflicts);
  inserted = syncobj_test_insert (collection, "{\"id\": \"a\", \"title\": \"A\", \"n\": 0}");
  WAIT_FOR (syncobj_transaction_is_finished (inserted), 10000);
  g_assert_cmpstr (syncobj_transaction_get_state_name (inserted), ==, "completed");
  etag_run_end (&collection, &store);

  patched = demo_server_request (server, "PATCH", "/items/a", NULL, "{\"title\": \"B\"}", &status);
  g_assert_cmpuint (status, ==, 200);

  collection = etag_run_new (server, path, &store, &conflicts);
  rebased = syncobj_test_update (collection, "a", "{\"n\": 1}");
  WAIT_FOR (syncobj_transaction_is_finished (rebased), 10000);
  g_assert_cmpstr (syncobj_transaction_get_state_name (rebased), ==, "completed");
  g_assert_cmpuint (syncobj_transaction_get_n_attempts (rebased), ==, 2);
  first = g_list_model_get_item (syncobj_transaction_get_attempts (rebased), 0);
  g_assert_error ((GError *) syncobj_attempt_get_error (first), SYNCOBJ_ERROR, SYNCOBJ_ERROR_CONFLICT);
  g_assert_cmpuint (syncobj_attempt_get_http_status (first), ==, 412);
  g_assert_cmpuint (conflicts.count, ==, 1);
  etag_run_end (&collection, &store);

  collection = etag_run_new (server, path, &store, &conflicts);
  direct = syncobj_test_update (collection, "a", "{\"m\": 1}");
  WAIT_FOR (syncobj_transaction_is_finished (direct), 10000);
  g_assert_cmpstr (syncobj_transaction_get_state_name (direct), ==, "completed");
  g_assert_cmpuint (syncobj_transaction_get_n_attempts (direct), ==, 1);
  g_assert_cmpuint (conflicts.count, ==, 1);
  etag_run_end (&collection, &store);

  record = server_record (server, "a");
  syncobj_test_assert_json (record, "{\"id\": \"a\", \"title\": \"B\", \"n\": 1, \"m\": 1, \"version\": 4}");
  conflicts_clear (&conflicts);
}

/* A batch carries each entry's version as "if_match"; the server refuses
 * the batch with 412 {"index": 1, "current": record}: the second entry
 * conflicted, is rebased on that record, and the batch goes again. */
static void
test_http_batch_conflict (void)
{
  const char *args[] = { "--versions", NULL };
  g_autoptr(DemoServer) server = demo_server_start_full (NULL, args);
  g_autofree char *items = demo_server_uri (server, "/items");
  g_autofree char *batch = demo_server_uri (server, "/batch");
  g_autoptr(SyncobjHttpMutator) mutator = syncobj_http_mutator_new (items);
  g_autoptr(JsonArray) synced = syncobj_test_array ("[{\"id\": \"a\", \"title\": \"A\", \"n\": 0, \"version\": 1},"
                                                    " {\"id\": \"b\", \"n\": 0, \"version\": 1}]");
  g_autoptr(SyncobjTestSync) sync = syncobj_test_sync_new ("http-batch-conflict", synced);
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjTransaction) transaction = NULL;
  g_autoptr(SyncobjAttempt) first = NULL;
  g_autoptr(JsonObject) changes = syncobj_test_object ("{\"n\": 1}");
  g_autoptr(JsonObject) a = NULL;
  g_autoptr(JsonObject) b = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *created_a = NULL;
  g_autofree char *created_b = NULL;
  g_autofree char *patched = NULL;
  Conflicts conflicts = { 0 };
  guint status = 0;

  created_a = demo_server_request (server, "POST", "/items", NULL, "{\"id\": \"a\", \"title\": \"A\", \"n\": 0}", &status);
  g_assert_cmpuint (status, ==, 201);
  created_b = demo_server_request (server, "POST", "/items", NULL, "{\"id\": \"b\", \"n\": 0}", &status);
  g_assert_cmpuint (status, ==, 201);
  patched = demo_server_request (server, "PATCH", "/items/a", NULL, "{\"title\": \"B\"}", &status);
  g_assert_cmpuint (status, ==, 200);

  syncobj_http_mutator_set_batch_uri (mutator, batch);
  collection = syncobj_collection_new ("http-batch-conflict", SYNCOBJ_SYNC (sync), SYNCOBJ_MUTATOR (mutator));
  syncobj_collection_set_version_member (collection, "version");
  g_signal_connect (collection, "conflict", G_CALLBACK (conflict_cb), &conflicts);
  WAIT_FOR (syncobj_collection_get_ready (collection), 5000);

  transaction = syncobj_collection_begin (collection);
  g_assert_true (syncobj_transaction_update (transaction, collection, "b", changes, &error));
  g_assert_true (syncobj_transaction_update (transaction, collection, "a", changes, &error));
  g_assert_true (syncobj_transaction_commit (transaction, &error));
  g_assert_no_error (error);
  WAIT_FOR (syncobj_transaction_is_finished (transaction), 10000);

  g_assert_cmpstr (syncobj_transaction_get_state_name (transaction), ==, "completed");
  g_assert_cmpuint (syncobj_transaction_get_n_attempts (transaction), ==, 2);
  first = g_list_model_get_item (syncobj_transaction_get_attempts (transaction), 0);
  g_assert_error ((GError *) syncobj_attempt_get_error (first), SYNCOBJ_ERROR, SYNCOBJ_ERROR_CONFLICT);
  g_assert_cmpuint (syncobj_attempt_get_http_status (first), ==, 412);
  g_assert_cmpuint (conflicts.count, ==, 1);
  g_assert_cmpstr (conflicts.key, ==, "a");
  assert_json_text (conflicts.server, "{\"id\": \"a\", \"title\": \"B\", \"n\": 0, \"version\": 2}");

  a = server_record (server, "a");
  b = server_record (server, "b");
  syncobj_test_assert_json (a, "{\"id\": \"a\", \"title\": \"B\", \"n\": 1, \"version\": 3}");
  syncobj_test_assert_json (b, "{\"id\": \"b\", \"n\": 1, \"version\": 2}");
  conflicts_clear (&conflicts);
}

int
main (int argc, char *argv[])
{
  syncobj_test_init (&argc, &argv);

  g_test_add_func ("/conflict/properties", test_properties);
  g_test_add_func ("/conflict/rebase", test_rebase);
  g_test_add_func ("/conflict/server-wins", test_server_wins);
  g_test_add_func ("/conflict/client-wins", test_client_wins);
  g_test_add_func ("/conflict/custom", test_custom);
  g_test_add_func ("/conflict/custom-leaves-to-policy", test_custom_leaves_to_policy);
  g_test_add_func ("/conflict/ten-in-a-row", test_ten_in_a_row);
  g_test_add_func ("/conflict/deleted-on-server", test_deleted_on_server);
  g_test_add_func ("/conflict/rollback-from-signal", test_rollback_from_signal);
  if (g_getenv ("SYNCOBJ_DEMO_SERVER") != NULL)
    {
      g_test_add_func ("/conflict/http/412-rebased", test_http_412_rebased);
      g_test_add_func ("/conflict/http/409-fetches-record", test_http_409_fetches_record);
      g_test_add_func ("/conflict/http/409-record-deleted", test_http_409_record_deleted);
      g_test_add_func ("/conflict/http/404-update-deleted", test_http_404_update_deleted);
      g_test_add_func ("/conflict/http/404-update-server-wins", test_http_404_update_server_wins);
      g_test_add_func ("/conflict/http/etag-as-version", test_http_etag_as_version);
      g_test_add_func ("/conflict/http/etag-kept-across-restart", test_http_etag_kept_across_restart);
      g_test_add_func ("/conflict/http/batch", test_http_batch_conflict);
    }

  return g_test_run ();
}
