/* test-utils.c: helpers shared by the C tests of libsyncobj
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-utils.h"

#include <locale.h>
#include <signal.h>
#include <sys/prctl.h>

/* For the scheduler behind syncobj_test_add_timer(). */
#include "syncobj-private.h"

void
syncobj_test_init (int    *argc,
                   char ***argv)
{
  setlocale (LC_ALL, "");
  /* The isolated XDG directories hide the GSettings schemas that GNOME's
   * proxy resolver needs; every test server is on 127.0.0.1 anyway. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
}

static JsonNode *
parse_node (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  if (error != NULL)
    g_error ("test data is not valid JSON (%s): %s", error->message, json);

  return json_node_copy (json_parser_get_root (parser));
}

JsonObject *
syncobj_test_object (const char *json)
{
  g_autoptr(JsonNode) node = parse_node (json);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    g_error ("test data is not a JSON object: %s", json);

  return json_node_dup_object (node);
}

JsonArray *
syncobj_test_array (const char *json)
{
  g_autoptr(JsonNode) node = parse_node (json);

  if (!JSON_NODE_HOLDS_ARRAY (node))
    g_error ("test data is not a JSON array: %s", json);

  return json_node_dup_array (node);
}

static char *
node_to_string (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);
  return json_generator_to_data (generator, NULL);
}

void
_syncobj_test_assert_json_at (const char *file,
                              int         line,
                              const char *func,
                              JsonObject *object,
                              const char *expected_json)
{
  g_autoptr(JsonNode) expected = parse_node (expected_json);
  g_autoptr(JsonNode) actual = object != NULL ? json_node_init_object (json_node_alloc (), object)
                                              : json_node_new (JSON_NODE_NULL);

  if (!json_node_equal (actual, expected))
    {
      g_autofree char *actual_text = node_to_string (actual);
      g_autofree char *expected_text = node_to_string (expected);
      g_autofree char *message =
        g_strdup_printf ("JSON mismatch\n  expected: %s\n  actual:   %s",
                         expected_text, actual_text);

      g_assertion_message (G_LOG_DOMAIN, file, line, func, message);
    }
}

/* ---- collections -------------------------------------------------------- */

SyncobjCollection *
syncobj_test_collection_from_json (const char          *initial_json,
                                   SyncobjStrategy      strategy,
                                   SyncobjSyncControl **control)
{
  g_autoptr(JsonArray) initial = initial_json != NULL ? syncobj_test_array (initial_json) : NULL;

  return syncobj_test_collection_new (initial, strategy, control);
}

SyncobjTransaction *
syncobj_test_insert (SyncobjCollection *collection,
                     const char        *value_json)
{
  g_autoptr(GError) error = NULL;
  SyncobjTransaction *transaction = syncobj_collection_insert_json (collection, value_json, &error);

  g_assert_no_error (error);
  g_assert_true (SYNCOBJ_IS_TRANSACTION (transaction));
  return transaction;
}

SyncobjTransaction *
syncobj_test_update (SyncobjCollection *collection,
                     const char        *key,
                     const char        *changes_json)
{
  g_autoptr(GError) error = NULL;
  SyncobjTransaction *transaction = syncobj_collection_update_json (collection, key, changes_json, &error);

  g_assert_no_error (error);
  g_assert_true (SYNCOBJ_IS_TRANSACTION (transaction));
  return transaction;
}

SyncobjTransaction *
syncobj_test_delete (SyncobjCollection *collection,
                     const char        *key)
{
  g_autoptr(GError) error = NULL;
  SyncobjTransaction *transaction = syncobj_collection_delete (collection, key, &error);

  g_assert_no_error (error);
  g_assert_true (SYNCOBJ_IS_TRANSACTION (transaction));
  return transaction;
}

void
syncobj_test_transaction_write (SyncobjTransaction  *transaction,
                                SyncobjCollection   *collection,
                                SyncobjMutationType  type,
                                const char          *key,
                                const char          *json)
{
  g_autoptr(JsonObject) value = json != NULL ? syncobj_test_object (json) : NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok = FALSE;

  switch (type)
    {
    case SYNCOBJ_MUTATION_TYPE_INSERT:
      ok = syncobj_transaction_insert (transaction, collection, value, &error);
      break;
    case SYNCOBJ_MUTATION_TYPE_UPDATE:
      ok = syncobj_transaction_update (transaction, collection, key, value, &error);
      break;
    case SYNCOBJ_MUTATION_TYPE_DELETE:
      ok = syncobj_transaction_delete (transaction, collection, key, &error);
      break;
    default:
      g_assert_not_reached ();
    }

  g_assert_no_error (error);
  g_assert_true (ok);
}

void
syncobj_test_emit_update (SyncobjSyncControl *control,
                          const char         *value_json)
{
  g_autoptr(JsonObject) value = syncobj_test_object (value_json);

  syncobj_sync_control_emit_update (control, value);
}

static void
assert_strv_joined (const char *file,
                    int         line,
                    const char *func,
                    char      **strv,
                    const char *expected,
                    const char *what)
{
  g_autofree char *joined = g_strjoinv (" ", strv);

  if (g_strcmp0 (joined, expected) != 0)
    {
      g_autofree char *message = g_strdup_printf ("%s: expected \"%s\", got \"%s\"", what, expected, joined);
      g_assertion_message (G_LOG_DOMAIN, file, line, func, message);
    }
}

void
_syncobj_test_assert_keys_at (const char        *file,
                              int                line,
                              const char        *func,
                              SyncobjCollection *collection,
                              const char        *expected)
{
  g_auto(GStrv) keys = syncobj_collection_get_keys (collection);

  assert_strv_joined (file, line, func, keys, expected, "visible keys");
  if (syncobj_collection_get_size (collection) != g_strv_length (keys))
    {
      g_autofree char *message = g_strdup_printf ("size %u but %u visible keys",
                                                  syncobj_collection_get_size (collection), g_strv_length (keys));
      g_assertion_message (G_LOG_DOMAIN, file, line, func, message);
    }
}

void
_syncobj_test_assert_locked_keys_at (const char        *file,
                                     int                line,
                                     const char        *func,
                                     SyncobjCollection *collection,
                                     const char        *expected)
{
  g_auto(GStrv) keys = syncobj_collection_get_locked_keys (collection);

  assert_strv_joined (file, line, func, keys, expected, "locked keys");
}

guint
syncobj_test_count_transactions (SyncobjCollection *collection)
{
  GListModel *transactions = syncobj_registry_get_transactions (syncobj_registry_get_default ());
  guint n = g_list_model_get_n_items (transactions);
  guint count = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyncobjTransaction) transaction = g_list_model_get_item (transactions, i);

      if (syncobj_transaction_get_collection (transaction) == collection)
        count++;
    }

  return count;
}

SyncobjRetryPolicy *
syncobj_test_exact_retry_policy (SyncobjCollection *collection,
                                 guint              max_attempts)
{
  g_autoptr(SyncobjRetryPolicy) policy = syncobj_retry_policy_new ();

  syncobj_retry_policy_set_max_attempts (policy, max_attempts);
  syncobj_retry_policy_set_initial_delay (policy, 1000);
  syncobj_retry_policy_set_factor (policy, 2.0);
  syncobj_retry_policy_set_max_delay (policy, 30000);
  syncobj_retry_policy_set_jitter (policy, 0.0);
  syncobj_collection_set_retry_policy (collection, policy);

  return policy;
}

/* ---- time --------------------------------------------------------------- */

SyncobjTransactionState
syncobj_test_wait_transaction (SyncobjSyncControl *control,
                               SyncobjTransaction *transaction,
                               guint               step_ms,
                               guint               max_ms)
{
  guint waited = 0;

  syncobj_sync_control_run_pending (control);
  while (!syncobj_transaction_is_finished (transaction))
    {
      if (waited >= max_ms)
        g_error ("transaction %s still %s after %u virtual ms",
                 syncobj_transaction_get_id (transaction),
                 syncobj_transaction_get_state_name (transaction), waited);
      syncobj_sync_control_advance (control, step_ms);
      waited += step_ms;
    }

  return syncobj_transaction_get_state (transaction);
}

void
syncobj_test_drain (SyncobjSyncControl *control,
                    SyncobjCollection  *collection)
{
  guint waited = 0;

  syncobj_sync_control_set_offline (control, FALSE);
  syncobj_sync_control_run_pending (control);
  for (;;)
    {
      g_autoptr(GListModel) active = syncobj_collection_get_transactions (collection);

      if (g_list_model_get_n_items (active) == 0)
        break;
      if (waited >= 600000)
        g_error ("collection %s still has %u active transactions after ten virtual minutes",
                 syncobj_collection_get_id (collection), g_list_model_get_n_items (active));
      syncobj_sync_control_advance (control, 1000);
      waited += 1000;
    }
}

void
syncobj_test_add_timer (guint       delay_ms,
                        GSourceFunc func,
                        gpointer    data)
{
  _syncobj_scheduler_add (_syncobj_scheduler_get_default (), delay_ms, func, data, NULL);
}

/* ---- signal recorders -------------------------------------------------- */

static void
items_changed_cb (GListModel              *model,
                  guint                    position,
                  guint                    removed,
                  guint                    added,
                  SyncobjTestItemsChanged *recorder)
{
  guint triple[3] = { position, removed, added };

  g_array_append_vals (recorder->changes, triple, 3);
}

SyncobjTestItemsChanged *
syncobj_test_items_changed_new (GListModel *model)
{
  SyncobjTestItemsChanged *recorder = g_new0 (SyncobjTestItemsChanged, 1);

  recorder->model = g_object_ref (model);
  recorder->changes = g_array_new (FALSE, FALSE, sizeof (guint));
  recorder->handler = g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), recorder);
  return recorder;
}

void
syncobj_test_items_changed_free (SyncobjTestItemsChanged *recorder)
{
  g_clear_signal_handler (&recorder->handler, recorder->model);
  g_clear_object (&recorder->model);
  g_array_unref (recorder->changes);
  g_free (recorder);
}

guint
syncobj_test_items_changed_count (SyncobjTestItemsChanged *recorder)
{
  return recorder->changes->len / 3;
}

void
syncobj_test_items_changed_clear (SyncobjTestItemsChanged *recorder)
{
  g_array_set_size (recorder->changes, 0);
}

void
_syncobj_test_items_changed_assert_at (const char              *file,
                                       int                      line,
                                       const char              *func,
                                       SyncobjTestItemsChanged *recorder,
                                       const char              *expected)
{
  g_autoptr(GString) actual = g_string_new ("");

  for (guint i = 0; i < recorder->changes->len; i += 3)
    g_string_append_printf (actual, "%s%u,%u,%u", i > 0 ? " " : "",
                            g_array_index (recorder->changes, guint, i),
                            g_array_index (recorder->changes, guint, i + 1),
                            g_array_index (recorder->changes, guint, i + 2));

  if (g_strcmp0 (actual->str, expected) != 0)
    {
      g_autofree char *message = g_strdup_printf ("items-changed: expected \"%s\", got \"%s\"",
                                                  expected, actual->str);
      g_assertion_message (G_LOG_DOMAIN, file, line, func, message);
    }
}

static char *
describe_property (GObject    *object,
                   GParamSpec *pspec)
{
  g_auto(GValue) value = G_VALUE_INIT;

  g_value_init (&value, pspec->value_type);
  g_object_get_property (object, pspec->name, &value);

  if (pspec->value_type == JSON_TYPE_OBJECT)
    {
      JsonObject *json = g_value_get_boxed (&value);
      g_autoptr(JsonNode) node = NULL;

      if (json == NULL)
        return g_strdup ("null");
      node = json_node_init_object (json_node_alloc (), json);
      return json_to_string (node, FALSE);
    }
  if (SYNCOBJ_IS_TRANSACTION (object) && g_strcmp0 (pspec->name, "state") == 0)
    return g_strdup (syncobj_transaction_get_state_name (SYNCOBJ_TRANSACTION (object)));
  if (G_TYPE_IS_ENUM (pspec->value_type))
    {
      GEnumClass *klass = g_type_class_peek (pspec->value_type);
      GEnumValue *enum_value = g_enum_get_value (klass, g_value_get_enum (&value));

      return g_strdup (enum_value != NULL ? enum_value->value_nick : "?");
    }
  if (pspec->value_type == G_TYPE_BOOLEAN)
    return g_strdup (g_value_get_boolean (&value) ? "true" : "false");

  return g_strdup_value_contents (&value);
}

static void
notify_cb (GObject           *object,
           GParamSpec        *pspec,
           SyncobjTestNotify *recorder)
{
  g_ptr_array_add (recorder->values, describe_property (object, pspec));
}

SyncobjTestNotify *
syncobj_test_notify_new (gpointer    object,
                         const char *property)
{
  SyncobjTestNotify *recorder = g_new0 (SyncobjTestNotify, 1);
  g_autofree char *signal = g_strconcat ("notify::", property, NULL);

  g_assert_nonnull (g_object_class_find_property (G_OBJECT_GET_CLASS (object), property));
  recorder->object = g_object_ref (object);
  recorder->property = g_strdup (property);
  recorder->values = g_ptr_array_new_with_free_func (g_free);
  recorder->handler = g_signal_connect (object, signal, G_CALLBACK (notify_cb), recorder);
  return recorder;
}

void
syncobj_test_notify_free (SyncobjTestNotify *recorder)
{
  g_clear_signal_handler (&recorder->handler, recorder->object);
  g_clear_object (&recorder->object);
  g_free (recorder->property);
  g_ptr_array_unref (recorder->values);
  g_free (recorder);
}

guint
syncobj_test_notify_count (SyncobjTestNotify *recorder)
{
  return recorder->values->len;
}

void
_syncobj_test_notify_assert_at (const char        *file,
                                int                line,
                                const char        *func,
                                SyncobjTestNotify *recorder,
                                const char        *expected)
{
  g_autoptr(GString) actual = g_string_new ("");

  for (guint i = 0; i < recorder->values->len; i++)
    g_string_append_printf (actual, "%s%s", i > 0 ? " | " : "",
                            (const char *) g_ptr_array_index (recorder->values, i));

  if (g_strcmp0 (actual->str, expected) != 0)
    {
      g_autofree char *message = g_strdup_printf ("notify::%s: expected \"%s\", got \"%s\"",
                                                  recorder->property, expected, actual->str);
      g_assertion_message (G_LOG_DOMAIN, file, line, func, message);
    }
}

void
_syncobj_test_assert_persist_log_at (const char         *file,
                                     int                 line,
                                     const char         *func,
                                     SyncobjSyncControl *control,
                                     ...)
{
  g_auto(GStrv) log = syncobj_sync_control_get_persist_log (control);
  g_autoptr(GString) expected = g_string_new ("");
  g_autofree char *actual = NULL;
  SyncobjTransaction *transaction;
  va_list args;

  va_start (args, control);
  while ((transaction = va_arg (args, SyncobjTransaction *)) != NULL)
    g_string_append_printf (expected, "%s%s", expected->len > 0 ? " " : "",
                            syncobj_transaction_get_id (transaction));
  va_end (args);

  actual = g_strjoinv (" ", log);
  if (g_strcmp0 (actual, expected->str) != 0)
    {
      g_autofree char *message = g_strdup_printf ("persist log: expected \"%s\", got \"%s\"",
                                                  expected->str, actual);
      g_assertion_message (G_LOG_DOMAIN, file, line, func, message);
    }
}

void
_syncobj_test_assert_failed_at (const char         *file,
                                int                 line,
                                const char         *func,
                                SyncobjTransaction *transaction,
                                SyncobjError        code,
                                SyncobjTransaction *root)
{
  const GError *error = syncobj_transaction_get_error (transaction);
  const char *expected_root = syncobj_transaction_get_id (root != NULL ? root : transaction);
  g_autofree char *message = NULL;

  if (syncobj_transaction_get_state (transaction) != SYNCOBJ_TRANSACTION_STATE_FAILED)
    message = g_strdup_printf ("transaction %s is %s, not failed", syncobj_transaction_get_id (transaction),
                               syncobj_transaction_get_state_name (transaction));
  else if (error == NULL || error->domain != SYNCOBJ_ERROR || error->code != (gint) code)
    message = g_strdup_printf ("transaction %s failed with %s %d (%s), not SYNCOBJ_ERROR %d",
                               syncobj_transaction_get_id (transaction),
                               error != NULL ? g_quark_to_string (error->domain) : "no error",
                               error != NULL ? error->code : -1,
                               error != NULL ? error->message : "",
                               (gint) code);
  else if (g_strcmp0 (syncobj_transaction_get_error_transaction_id (transaction), expected_root) != 0)
    message = g_strdup_printf ("transaction %s names %s as the failed one, not %s",
                               syncobj_transaction_get_id (transaction),
                               syncobj_transaction_get_error_transaction_id (transaction), expected_root);

  if (message != NULL)
    g_assertion_message (G_LOG_DOMAIN, file, line, func, message);
}

/* ---- snapshots ------------------------------------------------------------ */

static guint
count_active (SyncobjCollection *collection)
{
  g_autoptr(GListModel) active = syncobj_collection_get_transactions (collection);

  return g_list_model_get_n_items (active);
}

SyncobjTestSnapshot *
syncobj_test_snapshot_new (SyncobjCollection *collection)
{
  SyncobjTestSnapshot *snapshot = g_new0 (SyncobjTestSnapshot, 1);

  snapshot->collection = g_object_ref (collection);
  snapshot->json = syncobj_collection_to_json (collection);
  snapshot->n_registered = syncobj_test_count_transactions (collection);
  snapshot->n_active = count_active (collection);
  snapshot->changes = syncobj_test_items_changed_new (G_LIST_MODEL (collection));
  return snapshot;
}

void
syncobj_test_snapshot_free (SyncobjTestSnapshot *snapshot)
{
  syncobj_test_items_changed_free (snapshot->changes);
  g_free (snapshot->json);
  g_object_unref (snapshot->collection);
  g_free (snapshot);
}

void
syncobj_test_snapshot_assert_unchanged (SyncobjTestSnapshot *snapshot)
{
  g_autofree char *json = syncobj_collection_to_json (snapshot->collection);

  g_assert_cmpstr (json, ==, snapshot->json);
  syncobj_test_items_changed_assert (snapshot->changes, "");
  g_assert_cmpuint (syncobj_test_count_transactions (snapshot->collection), ==, snapshot->n_registered);
  g_assert_cmpuint (count_active (snapshot->collection), ==, snapshot->n_active);
}

/* ---- a mirror of a list model -------------------------------------------- */

static char *
item_key (GListModel *model,
          guint       position)
{
  g_autoptr(SyncobjRecord) record = g_list_model_get_item (model, position);

  if (record == NULL)
    g_error ("items-changed announced an item at %u, but the model has %u",
             position, g_list_model_get_n_items (model));
  return g_strdup (syncobj_record_get_key (record));
}

static void
shadow_items_changed_cb (GListModel        *model,
                         guint              position,
                         guint              removed,
                         guint              added,
                         SyncobjTestShadow *shadow)
{
  if (position + removed > shadow->keys->len)
    g_error ("items-changed (%u, %u, %u) beyond the %u items announced so far",
             position, removed, added, shadow->keys->len);

  g_ptr_array_remove_range (shadow->keys, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (shadow->keys, position + i, item_key (model, position + i));

  if (shadow->keys->len != g_list_model_get_n_items (model))
    g_error ("after items-changed (%u, %u, %u) the model has %u items, its views %u",
             position, removed, added, g_list_model_get_n_items (model), shadow->keys->len);
}

SyncobjTestShadow *
syncobj_test_shadow_new (GListModel *model)
{
  SyncobjTestShadow *shadow = g_new0 (SyncobjTestShadow, 1);
  guint n = g_list_model_get_n_items (model);

  shadow->model = g_object_ref (model);
  shadow->keys = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (shadow->keys, item_key (model, i));
  shadow->handler = g_signal_connect (model, "items-changed", G_CALLBACK (shadow_items_changed_cb), shadow);
  return shadow;
}

void
syncobj_test_shadow_free (SyncobjTestShadow *shadow)
{
  g_clear_signal_handler (&shadow->handler, shadow->model);
  g_clear_object (&shadow->model);
  g_ptr_array_unref (shadow->keys);
  g_free (shadow);
}

void
syncobj_test_shadow_assert (SyncobjTestShadow *shadow)
{
  guint n = g_list_model_get_n_items (shadow->model);

  g_assert_cmpuint (shadow->keys->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *key = item_key (shadow->model, i);

      g_assert_cmpstr (g_ptr_array_index (shadow->keys, i), ==, key);
    }

  if (SYNCOBJ_IS_COLLECTION (shadow->model))
    {
      SyncobjCollection *collection = SYNCOBJ_COLLECTION (shadow->model);
      g_auto(GStrv) keys = syncobj_collection_get_keys (collection);

      g_assert_cmpuint (g_strv_length (keys), ==, n);
      g_assert_cmpuint (syncobj_collection_get_size (collection), ==, n);
      for (guint i = 0; i < n; i++)
        {
          g_assert_cmpstr (keys[i], ==, g_ptr_array_index (shadow->keys, i));
          g_assert_true (syncobj_collection_contains (collection, keys[i]));
          g_assert_nonnull (syncobj_collection_lookup_value (collection, keys[i]));
        }
    }
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

GSubprocessLauncher *
syncobj_test_server_launcher (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  return launcher;
}

guint
syncobj_test_free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (socket);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}
