/* store-test-utils.c: helpers shared by the store tests and the crash helper
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "store-test-utils.h"


#include <libgda/libgda.h>

/* The deadlines only stop a hung test before meson's timeout does (60 s,
 * 240 s under AddressSanitizer): a store of 1,000 transactions read back
 * under AddressSanitizer on a loaded machine took more than 20 s. */
void
syncobj_store_test_wait_for (gboolean *flag)
{
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  while (!*flag)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
    }
}

void
syncobj_store_test_iterate_measured (gint64 *longest,
                                     gint64 *total)
{
  gint64 start = syncobj_test_thread_cpu_us ();
  gint64 spent;

  g_main_context_iteration (NULL, TRUE);
  spent = syncobj_test_thread_cpu_us () - start;
  *longest = MAX (*longest, spent);
  *total += spent;
}

gint64
syncobj_store_test_wait_for_longest (gboolean *flag,
                                     gint64   *total)
{
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  gint64 longest = 0;

  while (!*flag)
    {
      syncobj_store_test_iterate_measured (&longest, total);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    }
  return longest;
}

static void
flush_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (syncobj_store_flush_finish (SYNCOBJ_STORE (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

void
syncobj_store_test_flush (SyncobjStore *store)
{
  gboolean done = FALSE;

  syncobj_store_flush_async (store, NULL, flush_cb, &done);
  syncobj_store_test_wait_for (&done);
}

void
syncobj_store_test_run_pending (void)
{
  _syncobj_scheduler_run_pending (_syncobj_scheduler_get_default ());
}

void
syncobj_store_test_backend_persist (SyncobjPersistJob *job,
                                    gpointer           user_data)
{
  SyncobjTestBackend *backend = user_data;

  g_ptr_array_add (backend->calls,
                   g_strdup_printf ("%s %u",
                                    syncobj_transaction_get_id (syncobj_persist_job_get_transaction (job)),
                                    syncobj_persist_job_get_attempt (job)));
  if (backend->complete_at_once)
    syncobj_persist_job_complete (job);
  else
    g_ptr_array_add (backend->jobs, g_object_ref (job));
}

SyncobjMutator *
syncobj_store_test_backend_init (SyncobjTestBackend *backend)
{
  backend->jobs = g_ptr_array_new_with_free_func (g_object_unref);
  backend->calls = g_ptr_array_new_with_free_func (g_free);
  return syncobj_func_mutator_new (syncobj_store_test_backend_persist, backend, NULL);
}

void
syncobj_store_test_backend_clear (SyncobjTestBackend *backend)
{
  g_clear_pointer (&backend->jobs, g_ptr_array_unref);
  g_clear_pointer (&backend->calls, g_ptr_array_unref);
}

static void
backend_free (gpointer data)
{
  syncobj_store_test_backend_clear (data);
  g_free (data);
}

SyncobjTestBackend *
syncobj_store_test_backend_new (SyncobjMutator **mutator)
{
  SyncobjTestBackend *backend = g_new0 (SyncobjTestBackend, 1);

  backend->jobs = g_ptr_array_new_with_free_func (g_object_unref);
  backend->calls = g_ptr_array_new_with_free_func (g_free);
  *mutator = syncobj_func_mutator_new (syncobj_store_test_backend_persist, backend, backend_free);
  return backend;
}

void
syncobj_store_test_wait_for_jobs (SyncobjTestBackend *backend,
                                  guint               n)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (backend->jobs->len < n)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
    }
}

SyncobjTransaction *
syncobj_store_test_transaction_at (SyncobjCollection *collection,
                                   guint              position)
{
  g_autoptr(GListModel) transactions = syncobj_collection_get_transactions (collection);

  g_assert_cmpuint (position, <, g_list_model_get_n_items (transactions));
  return g_list_model_get_item (transactions, position);
}

static void
add_error (JsonBuilder  *builder,
           const GError *error)
{
  json_builder_set_member_name (builder, "error");
  if (error == NULL)
    {
      json_builder_add_null_value (builder);
      return;
    }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "domain");
  json_builder_add_string_value (builder, g_quark_to_string (error->domain));
  json_builder_set_member_name (builder, "code");
  json_builder_add_int_value (builder, error->code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, error->message);
  json_builder_end_object (builder);
}

static void
add_date (JsonBuilder *builder,
          const char  *name,
          GDateTime   *date)
{
  json_builder_set_member_name (builder, name);
  if (date == NULL)
    json_builder_add_null_value (builder);
  else
    json_builder_add_int_value (builder, g_date_time_to_unix (date) * G_USEC_PER_SEC +
                                         g_date_time_get_microsecond (date));
}

static void
add_object (JsonBuilder *builder,
            const char  *name,
            JsonObject  *object)
{
  json_builder_set_member_name (builder, name);
  if (object == NULL)
    json_builder_add_null_value (builder);
  else
    {
      JsonNode *node = json_node_alloc ();

      json_node_init_object (node, object);
      json_builder_add_value (builder, node);
    }
}

/* Every field of @transaction, its attempts and its mutations, as JSON. */
char *
syncobj_store_test_describe (SyncobjTransaction *transaction)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  GListModel *attempts = syncobj_transaction_get_attempts (transaction);
  GListModel *mutations = syncobj_transaction_get_mutations (transaction);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, syncobj_transaction_get_id (transaction));
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, syncobj_transaction_get_state_name (transaction));
  add_date (builder, "created_at", syncobj_transaction_get_created_at (transaction));
  add_date (builder, "updated_at", syncobj_transaction_get_updated_at (transaction));
  json_builder_set_member_name (builder, "current_attempt");
  json_builder_add_int_value (builder, syncobj_transaction_get_current_attempt (transaction));
  json_builder_set_member_name (builder, "queued_behind");
  json_builder_add_string_value (builder, syncobj_transaction_get_queued_behind (transaction));
  add_error (builder, syncobj_transaction_get_error (transaction));
  json_builder_set_member_name (builder, "error_transaction_id");
  json_builder_add_string_value (builder, syncobj_transaction_get_error_transaction_id (transaction));
  add_object (builder, "metadata", syncobj_transaction_get_metadata (transaction));

  json_builder_set_member_name (builder, "attempts");
  json_builder_begin_array (builder);
  for (guint i = 0; i < g_list_model_get_n_items (attempts); i++)
    {
      g_autoptr(SyncobjAttempt) attempt = g_list_model_get_item (attempts, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, syncobj_attempt_get_id (attempt));
      json_builder_set_member_name (builder, "number");
      json_builder_add_int_value (builder, syncobj_attempt_get_number (attempt));
      add_date (builder, "started_at", syncobj_attempt_get_started_at (attempt));
      add_date (builder, "completed_at", syncobj_attempt_get_completed_at (attempt));
      add_date (builder, "retry_scheduled_for", syncobj_attempt_get_retry_scheduled_for (attempt));
      add_error (builder, syncobj_attempt_get_error (attempt));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "mutations");
  json_builder_begin_array (builder);
  for (guint i = 0; i < g_list_model_get_n_items (mutations); i++)
    {
      g_autoptr(SyncobjPendingMutation) mutation = g_list_model_get_item (mutations, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, syncobj_pending_mutation_get_mutation_id (mutation));
      json_builder_set_member_name (builder, "collection");
      json_builder_add_string_value (builder, syncobj_pending_mutation_get_collection_id (mutation));
      json_builder_set_member_name (builder, "key");
      json_builder_add_string_value (builder, syncobj_pending_mutation_get_key (mutation));
      json_builder_set_member_name (builder, "type");
      json_builder_add_int_value (builder, syncobj_pending_mutation_get_mutation_type (mutation));
      json_builder_set_member_name (builder, "state");
      json_builder_add_int_value (builder, syncobj_pending_mutation_get_state (mutation));
      add_object (builder, "original", syncobj_pending_mutation_get_original (mutation));
      add_object (builder, "modified", syncobj_pending_mutation_get_modified (mutation));
      add_object (builder, "changes", syncobj_pending_mutation_get_changes (mutation));
      add_object (builder, "metadata", syncobj_pending_mutation_get_metadata (mutation));
      add_date (builder, "created_at", syncobj_pending_mutation_get_created_at (mutation));
      add_date (builder, "updated_at", syncobj_pending_mutation_get_updated_at (mutation));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_data (generator, NULL);
}

void
syncobj_store_test_assert_value (JsonObject *object,
                                 const char *expected)
{
  g_autoptr(JsonObject) wanted = syncobj_test_object (expected);

  g_assert_nonnull (object);
  if (!json_object_equal (object, wanted))
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
      g_autofree char *actual = json_to_string (node, FALSE);

      g_error ("value mismatch: expected %s, got %s", expected, actual);
    }
}

static GMutex log_mutex;
static GPtrArray *logged;

static GLogWriterOutput
capture_writer (GLogLevelFlags   level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  const char *domain = NULL;
  const char *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
        domain = fields[i].value;
      else if (g_str_equal (fields[i].key, "MESSAGE"))
        message = fields[i].value;
    }

  if (g_strcmp0 (domain, "Syncobj") == 0 && message != NULL)
    {
      g_mutex_lock (&log_mutex);
      g_ptr_array_add (logged, g_strdup (message));
      g_mutex_unlock (&log_mutex);
    }

  return g_log_writer_default (level, fields, n_fields, user_data);
}

void
syncobj_store_test_capture_log (void)
{
  logged = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (capture_writer, NULL, NULL);
}

void
syncobj_store_test_assert_not_logged (const char *pattern)
{
  g_mutex_lock (&log_mutex);
  for (guint i = 0; i < logged->len; i++)
    if (g_pattern_match_simple (pattern, g_ptr_array_index (logged, i)))
      g_error ("logged, and should not have been: %s", (char *) g_ptr_array_index (logged, i));
  g_mutex_unlock (&log_mutex);
}

void
syncobj_store_test_assert_logged (const char *pattern)
{
  gboolean found = pattern == NULL;

  g_mutex_lock (&log_mutex);
  for (guint i = 0; i < logged->len && !found; i++)
    found = g_pattern_match_simple (pattern, g_ptr_array_index (logged, i));
  if (!found)
    for (guint i = 0; i < logged->len; i++)
      g_printerr ("logged: %s\n", (char *) g_ptr_array_index (logged, i));
  g_ptr_array_set_size (logged, 0);
  g_mutex_unlock (&log_mutex);

  if (!found)
    g_error ("no message matching “%s” was logged", pattern);
}

/* Runs @sql on the file with a connection of the test's own. */
char *
syncobj_store_test_path (const char *name)
{
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);
  return g_build_filename (g_get_user_data_dir (), name, NULL);
}

void
syncobj_store_test_run_sql (const char  *path,
         const char **statements)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *cnc_string = g_strdup_printf ("DB_DIR=%s;DB_NAME=%s", dir, name);
  g_autoptr(GError) error = NULL;
  GdaConnection *cnc;

  gda_init ();
  cnc = gda_connection_open_from_string ("SQLite", cnc_string, NULL, GDA_CONNECTION_OPTIONS_NONE, &error);
  g_assert_no_error (error);

  for (guint i = 0; statements[i] != NULL; i++)
    {
      gda_connection_execute_non_select_command (cnc, statements[i], &error);
      g_assert_no_error (error);
    }

  gda_connection_close (cnc);
  g_object_unref (cnc);
}

gint64
syncobj_store_test_query_int (const char *path,
           const char *sql)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *cnc_string = g_strdup_printf ("DB_DIR=%s;DB_NAME=%s", dir, name);
  g_autoptr(GError) error = NULL;
  GdaConnection *cnc;
  GdaDataModel *model;
  const GValue *value;
  gint64 result;

  gda_init ();
  cnc = gda_connection_open_from_string ("SQLite", cnc_string, NULL, GDA_CONNECTION_OPTIONS_NONE, &error);
  g_assert_no_error (error);
  model = gda_connection_execute_select_command (cnc, sql, &error);
  g_assert_no_error (error);
  value = gda_data_model_get_value_at (model, 0, 0, &error);
  g_assert_no_error (error);
  result = G_VALUE_HOLDS_INT64 (value) ? g_value_get_int64 (value) : g_value_get_int (value);

  g_object_unref (model);
  gda_connection_close (cnc);
  g_object_unref (cnc);
  return result;
}

void
syncobj_store_test_sliced_done_cb (SyncobjSync  *sync,
                                   const GError *error,
                                   gpointer      user_data)
{
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}
