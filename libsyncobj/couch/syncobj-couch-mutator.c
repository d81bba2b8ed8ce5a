/* syncobj-couch-mutator.c: a mutator writing to a CouchDB database
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-couch-sync-private.h"
#include "syncobj-couch-parse-private.h"
#include "syncobj-couch-mutator.h"
#include "syncobj-persist-job-private.h"
#include "syncobj-transaction-private.h"
#include "syncobj-collection-private.h"
#include "http/syncobj-http-request-private.h"
#include "http/syncobj-http-auth-private.h"
#include "http/syncobj-http-probe-private.h"
#include "syncobj-couch-session-private.h"
#include "syncobj-json-util-private.h"
#include "syncobj-mutator-private.h"

#include <string.h>

/**
 * SyncobjCouchMutator:
 *
 * A [class@Syncobj.Mutator] that writes transactions to one database of a
 * server speaking the CouchDB replication protocol (Apache CouchDB 3,
 * IBM Cloudant, PouchDB Server). The collection's
 * [property@Syncobj.Collection:key-member] is `_id`; its sync is a
 * [class@Syncobj.CouchSync] of the same database.
 *
 * A transaction is one `POST <database>/_bulk_docs` holding every
 * document it writes: one request whatever its size, so that a
 * transaction of many documents costs one round trip and the server
 * applies it in one step per shard. (`_bulk_docs` is not atomic in
 * CouchDB 3: each document succeeds or fails on its own, as one `PUT` per
 * document would, and the answer says which.)
 *
 * - An insert sends the record; one under a temporary key (with
 *   [property@Syncobj.Collection:key-source] `SERVER`) is sent without
 *   `_id` and takes the id the server gives it, in place.
 * - An update sends the whole document with the `_rev` it was based on
 *   (the revision of the synced value it changed, or the one this
 *   mutator's own earlier write of that document produced).
 * - A delete sends `{"_id", "_rev", "_deleted": true}`.
 *
 * Each document of the answer is taken on its own. One written is done,
 * and is not sent again when the transaction is retried. A `conflict`
 * (the document moved on since the revision sent) is looked at: the
 * mutator reads the current revision and when it already holds the
 * change (a retry whose first attempt was applied though its answer was
 * lost) the document is done (so is an update restored after a restart
 * whose cached document already holds it); otherwise the conflict goes to the
 * collection's [property@Syncobj.Collection:conflict-policy] with the
 * current revision (by default the change is applied again on top of it
 * and sent again with its `_rev`). A document refused
 * for good (`forbidden`, `unauthorized`, `bad_request`, …) fails the
 * transaction with %SYNCOBJ_ERROR_NON_RETRIABLE naming it and the
 * server's reason. Each document written is marked applied (see
 * [method@Syncobj.PersistJob.mark_applied]), so only the documents that
 * were not written roll back: those written stay, as synced state, until
 * the sync's echo brings them with their new `_rev`. Errors of the request as a
 * whole (network, 5xx, timeouts) are retried as by
 * [class@Syncobj.HttpMutator], and a write refused at the connection
 * (connection refused, host or network unreachable, a name that does not
 * resolve) while the network is there waits without spending an attempt,
 * with [property@Syncobj.Registry:offline] on, while one write at a time
 * probes the server, as the HTTP mutator's writes do (with theirs, when
 * both write to the same server).
 *
 * After a write the transaction waits until the sync brought the new
 * revisions (up to [property@Syncobj.CouchMutator:sync-timeout]), so that
 * the collection never shows the older synced value in between.
 *
 * A 401 answer sets [property@Syncobj.CouchMutator:needs-auth] and emits
 * [signal@Syncobj.CouchMutator::auth-required], as
 * [class@Syncobj.HttpMutator] does (a `Basic` credential may be exchanged
 * for a session cookie: [property@Syncobj.CouchMutator:cookie-session]); TLS certificates are checked as
 * libsoup does by default.
 */

struct _SyncobjCouchMutator
{
  SyncobjMutator       parent_instance;

  char                *uri;           /* the database, without a trailing slash */
  guint                sync_timeout_ms;
  gboolean             cookie_session;
  SyncobjHttpHeaders   headers;
  SyncobjHttpLimits    limits;
  SyncobjHttpAuthGate  auth;
  SoupSession         *session;
  GHashTable          *revs;          /* id → RevStep: what our writes made */
};

G_DEFINE_FINAL_TYPE (SyncobjCouchMutator, syncobj_couch_mutator, SYNCOBJ_TYPE_MUTATOR)

enum {
  PROP_0,
  PROP_DATABASE_URI,
  PROP_SYNC_TIMEOUT,
  PROP_NEEDS_AUTH,
  PROP_COOKIE_SESSION,
  N_PROPS
};

enum {
  AUTH_REQUIRED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

#define DEFAULT_SYNC_TIMEOUT_MS 10000

/* ---- revisions ---------------------------------------------------------------- */

/* A write of ours took a document from revision @from to @to. */
typedef struct
{
  char *from;
  char *to;
} RevStep;

static void
rev_step_free (gpointer data)
{
  RevStep *step = data;

  g_free (step->from);
  g_free (step->to);
  g_free (step);
}

static void
note_rev (SyncobjCouchMutator *self,
          const char          *id,
          const char          *from,
          const char          *to)
{
  RevStep *step = g_new0 (RevStep, 1);

  step->from = g_strdup (from);
  step->to = g_strdup (to);
  g_hash_table_replace (self->revs, g_strdup (id), step);
}

/* The revision a write based on @rev sends: @rev, or what our own write
 * made of it (the sync may not have brought it yet). */
static const char *
current_rev (SyncobjCouchMutator *self,
             const char          *id,
             const char          *rev)
{
  RevStep *step = g_hash_table_lookup (self->revs, id);

  if (step != NULL && g_strcmp0 (step->from, rev) == 0)
    return step->to;
  return rev;
}

/* ---- what a transaction keeps between attempts -------------------------------- */

typedef struct
{
  SyncobjCouchEcho *echo;
} CouchState;

static void
couch_state_free (gpointer data)
{
  CouchState *state = data;

  g_clear_pointer (&state->echo, _syncobj_couch_echo_free);
  g_free (state);
}

static CouchState *
couch_state_get (SyncobjTransaction *transaction)
{
  static GQuark quark;
  CouchState *state;

  if (quark == 0)
    quark = g_quark_from_static_string ("syncobj-couch-mutator-state");
  state = g_object_get_qdata (G_OBJECT (transaction), quark);
  if (state == NULL)
    {
      state = g_new0 (CouchState, 1);
      g_object_set_qdata_full (G_OBJECT (transaction), quark, state, couch_state_free);
    }
  return state;
}

/* ---- one attempt ---------------------------------------------------------------- */

typedef struct
{
  SyncobjPersistJob  *job;
  SyncobjTransaction *transaction;
  CouchState         *state;        /* the transaction's */
  GPtrArray          *sent;         /* SyncobjPendingMutation, in request order */
  GPtrArray          *conflicts;    /* SyncobjPendingMutation to look at */
  GString            *refused;      /* documents refused for good */
  GString            *conflicted;   /* documents in conflict */
  gboolean            unauthorized; /* documents refused for want of credentials */
  char               *conflict_key; /* the first, reported to the job */
  JsonNode           *conflict_current;  /* its current revision, or NULL */
  SoupMessage        *message;
} BulkRun;

static void
bulk_run_free (gpointer data)
{
  BulkRun *run = data;

  g_clear_object (&run->job);
  g_clear_object (&run->transaction);
  g_clear_pointer (&run->sent, g_ptr_array_unref);
  g_clear_pointer (&run->conflicts, g_ptr_array_unref);
  g_string_free (run->refused, TRUE);
  g_string_free (run->conflicted, TRUE);
  g_free (run->conflict_key);
  g_clear_pointer (&run->conflict_current, json_node_unref);
  g_clear_object (&run->message);
  g_free (run);
}

static gboolean
is_temporary_insert (SyncobjPendingMutation *mutation)
{
  return mutation->type == SYNCOBJ_MUTATION_TYPE_INSERT &&
         g_str_has_prefix (mutation->key, SYNCOBJ_TEMPORARY_KEY_PREFIX);
}

/* The revision @mutation was based on, or NULL. */
static const char *
base_rev (SyncobjPendingMutation *mutation)
{
  JsonObject *base = mutation->original != NULL ? mutation->original : mutation->modified;

  return base != NULL ? _syncobj_json_get_string_member (base, "_rev") : NULL;
}

/* The document @mutation writes, as `_bulk_docs` takes it. */
static JsonObject *
bulk_doc (SyncobjCouchMutator    *self,
          SyncobjPendingMutation *mutation)
{
  const char *rev = current_rev (self, mutation->key, base_rev (mutation));
  JsonObject *doc;

  if (mutation->type == SYNCOBJ_MUTATION_TYPE_DELETE)
    {
      doc = json_object_new ();
      json_object_set_boolean_member (doc, "_deleted", TRUE);
    }
  else
    doc = _syncobj_json_copy (mutation->modified);

  if (is_temporary_insert (mutation))
    json_object_remove_member (doc, "_id");
  else
    json_object_set_string_member (doc, "_id", mutation->key);
  if (mutation->type == SYNCOBJ_MUTATION_TYPE_INSERT || rev == NULL)
    json_object_remove_member (doc, "_rev");
  else
    json_object_set_string_member (doc, "_rev", rev);
  return doc;
}

/* A request of the mutator, with its headers; NULL for a bad URI. */
static SoupMessage *
couch_message (SyncobjCouchMutator *self,
               const char          *method,
               const char          *uri,
               char                *body)
{
  SoupMessage *message = soup_message_new (method, uri);

  if (message == NULL)
    {
      g_free (body);
      return NULL;
    }
  /* Redirects are not followed: a POST would become a GET. */
  soup_message_add_flags (message, SOUP_MESSAGE_NO_REDIRECT);
  _syncobj_http_forbid_resend (message);
  _syncobj_http_headers_apply (&self->headers, message);
  soup_message_headers_replace (soup_message_get_request_headers (message), "Accept", "application/json");
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new_take (body, strlen (body));

      soup_message_set_request_body_from_bytes (message, "application/json", bytes);
    }
  return message;
}

static SoupMessage *
bulk_request (SyncobjCouchMutator *self,
              BulkRun             *run)
{
  g_autoptr(JsonArray) docs = json_array_new ();
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *uri = _syncobj_http_uri_child (self->uri, "_bulk_docs", NULL);

  for (guint i = 0; i < run->sent->len; i++)
    json_array_add_object_element (docs, bulk_doc (self, g_ptr_array_index (run->sent, i)));
  json_object_set_array_member (body, "docs", g_steal_pointer (&docs));
  return couch_message (self, "POST", uri, _syncobj_json_to_string (body));
}

static void bulk_send (GTask *task);
static void bulk_resend (GTask *task);
static void conflict_next (GTask *task);

/* A document of the answer was written as @rev. */
static gboolean
doc_written (GTask                  *task,
             SyncobjPendingMutation *mutation,
             const char             *id,
             const char             *rev,
             GError                **error)
{
  SyncobjCouchMutator *self = g_task_get_source_object (task);
  BulkRun *run = g_task_get_task_data (task);

  /* Not sent again; should another document be refused, this one stays. */
  syncobj_persist_job_mark_applied (run->job, mutation);
  note_rev (self, id, current_rev (self, mutation->key, base_rev (mutation)), rev);
  if (run->state->echo != NULL)
    _syncobj_couch_echo_expect (run->state->echo, id, rev);
  if (is_temporary_insert (mutation))
    {
      g_autoptr(JsonObject) created = _syncobj_json_copy (mutation->modified);

      json_object_set_string_member (created, "_id", id);
      json_object_set_string_member (created, "_rev", rev);
      return syncobj_persist_job_set_created (run->job, mutation, created, error);
    }
  return TRUE;
}

static void
append_doc (GString    *list,
            const char *id,
            const char *what)
{
  if (list->len > 0)
    g_string_append (list, ", ");
  g_string_append_printf (list, "“%s” (%s)", id, what);
}

/* The entry of @results for each document of @sent, in its order: found
 * by id (PouchDB Server lists the documents its validation refused
 * first), the documents sent without an id taking the entries of other
 * ids, or of none (a refusal), in order. NULL when the answer does not
 * fit what was sent. */
static GPtrArray *
match_bulk_results (GPtrArray *sent,
                    GPtrArray *results)
{
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) matched = g_ptr_array_new ();
  guint next_unnamed = 0;

  g_ptr_array_set_size (matched, sent->len);
  for (guint i = 0; i < sent->len; i++)
    {
      SyncobjPendingMutation *mutation = g_ptr_array_index (sent, i);

      if (!is_temporary_insert (mutation))
        g_hash_table_insert (by_id, mutation->key, GUINT_TO_POINTER (i + 1));
    }

  for (guint r = 0; r < results->len; r++)
    {
      SyncobjCouchBulkResult *result = g_ptr_array_index (results, r);
      guint i = result->id != NULL ? GPOINTER_TO_UINT (g_hash_table_lookup (by_id, result->id)) : 0;

      if (i > 0 && g_ptr_array_index (matched, i - 1) == NULL)
        {
          g_ptr_array_index (matched, i - 1) = result;
          continue;
        }
      while (next_unnamed < sent->len &&
             !is_temporary_insert (g_ptr_array_index (sent, next_unnamed)))
        next_unnamed++;
      if (next_unnamed == sent->len)
        return NULL;
      g_ptr_array_index (matched, next_unnamed++) = result;
    }
  return g_steal_pointer (&matched);
}

/* Takes each entry of the answer to the documents of @run. */
static gboolean
take_bulk_answer (GTask   *task,
                  GBytes  *body,
                  GError **error)
{
  BulkRun *run = g_task_get_task_data (task);
  gsize length;
  const char *text = g_bytes_get_data (body, &length);
  g_autoptr(GPtrArray) results = _syncobj_couch_parse_bulk (text != NULL ? text : "", length, error);
  g_autoptr(GPtrArray) matched = NULL;

  if (results == NULL)
    return FALSE;
  if (results->len == run->sent->len)
    matched = match_bulk_results (run->sent, results);
  if (matched == NULL)
    {
      g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
                   _("The _bulk_docs answer of %s has %u entries that do not match its %u documents"),
                   SYNCOBJ_COUCH_MUTATOR (g_task_get_source_object (task))->uri, results->len, run->sent->len);
      return FALSE;
    }

  for (guint i = 0; i < matched->len; i++)
    {
      SyncobjCouchBulkResult *result = g_ptr_array_index (matched, i);
      SyncobjPendingMutation *mutation = g_ptr_array_index (run->sent, i);

      if (result->error == NULL)
        {
          if (!doc_written (task, mutation, result->id, result->rev, error))
            return FALSE;
        }
      else if (strcmp (result->error, "conflict") == 0)
        g_ptr_array_add (run->conflicts, g_object_ref (mutation));
      else if (strcmp (result->error, "unauthorized") == 0)
        run->unauthorized = TRUE;
      else
        append_doc (run->refused, mutation->key,
                    result->reason != NULL ? result->reason : result->error);
    }
  return TRUE;
}

/* Ends the attempt: every document written, or an error naming those
 * that were not. */
static void
bulk_finish (GTask *task)
{
  BulkRun *run = g_task_get_task_data (task);

  /* The collection's conflict policy takes the first conflict (rebase by
   * default: the change applied again on the current revision, and sent
   * again at once); the next attempt reports the next. */
  if (run->conflict_key != NULL)
    {
      syncobj_persist_job_conflict (run->job, run->conflict_key, run->conflict_current);
      g_task_return_boolean (task, TRUE);
    }
  else if (run->refused->len > 0)
    g_task_return_new_error (task, SYNCOBJ_ERROR, SYNCOBJ_ERROR_NON_RETRIABLE,
                             _("CouchDB refused documents of transaction %s: %s"),
                             syncobj_transaction_get_id (run->transaction), run->refused->str);
  else if (run->conflicted->len > 0)
    g_task_return_new_error (task, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
                             _("Documents of transaction %s are in conflict with their current revision: %s"),
                             syncobj_transaction_get_id (run->transaction), run->conflicted->str);
  else
    g_task_return_boolean (task, TRUE);
}

/* ---- conflicts ---------------------------------------------------------------- */

/* Whether @current (the document's current revision, NULL when it is
 * deleted or missing) already holds what @mutation writes. */
static gboolean
holds_change (SyncobjPendingMutation *mutation,
              JsonObject             *current)
{
  JsonObject *wanted;
  g_autoptr(GList) names = NULL;

  if (mutation->type == SYNCOBJ_MUTATION_TYPE_DELETE)
    return current == NULL;
  if (current == NULL)
    return FALSE;
  wanted = mutation->type == SYNCOBJ_MUTATION_TYPE_UPDATE && !mutation->replaces ?
           mutation->changes : mutation->modified;
  names = json_object_get_members (wanted);
  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (current, name);

      if (strcmp (name, "_rev") == 0 || strcmp (name, "_id") == 0)
        continue;
      if (node == NULL || !json_node_equal (node, json_object_get_member (wanted, name)))
        return FALSE;
    }
  return TRUE;
}

/* Whether @mutation, an update restored after a restart, was applied
 * before it: the store caches a document's echo with the sync's cursor,
 * so it can hold the revision the update's first attempt made although
 * the answer never reached the store. Such an update is rebuilt on that
 * revision, and sending it would apply it a second time. The synced
 * document is the server's while no write of ours moved it in this run. */
static gboolean
restored_update_applied (SyncobjCouchMutator    *self,
                         SyncobjPendingMutation *mutation)
{
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(SyncobjRecord) record = NULL;

  if (!mutation->restored || mutation->resolved || mutation->type != SYNCOBJ_MUTATION_TYPE_UPDATE ||
      g_hash_table_contains (self->revs, mutation->key))
    return FALSE;
  collection = _syncobj_weak_get (mutation->collection);
  record = collection != NULL ? syncobj_collection_lookup (collection, mutation->key) : NULL;
  return record != NULL && syncobj_record_get_synced_value (record) != NULL &&
         holds_change (mutation, syncobj_record_get_synced_value (record));
}

static void
conflict_read_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  BulkRun *run = g_task_get_task_data (task);
  SyncobjPendingMutation *mutation = g_ptr_array_index (run->conflicts, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = _syncobj_http_send_and_read_finish (result, &error);
  g_autoptr(JsonObject) current = NULL;
  guint status;

  if (body == NULL)
    {
      g_task_return_error (task, _syncobj_http_network_error (run->message, error));
      return;
    }
  status = soup_message_get_status (run->message);
  if (status == SOUP_STATUS_OK)
    current = _syncobj_json_parse_object (g_bytes_get_data (body, NULL), (gssize) g_bytes_get_size (body), NULL);
  if (status == SOUP_STATUS_OK && current == NULL)
    {
      g_task_return_new_error (task, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
                               _("The current revision of “%s” could not be read"), mutation->key);
      return;
    }
  if (status != SOUP_STATUS_OK && status != SOUP_STATUS_NOT_FOUND)
    {
      g_autofree char *reason = _syncobj_http_error_reason (run->message, body);

      g_task_return_new_error (task, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
                               _("Reading the current revision of “%s” failed with status %u: %s"),
                               mutation->key, status, reason);
      return;
    }

  /* Our change is there: an earlier attempt was applied, its answer lost. */
  if (holds_change (mutation, current))
    {
      const char *rev = current != NULL ? _syncobj_json_get_string_member (current, "_rev") : NULL;

      if (rev != NULL && !doc_written (task, mutation, mutation->key, rev, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      syncobj_persist_job_mark_applied (run->job, mutation);
    }
  else
    {
      append_doc (run->conflicted, mutation->key, _("conflict"));
      if (run->conflict_key == NULL)
        {
          run->conflict_key = g_strdup (mutation->key);
          run->conflict_current = current != NULL ? json_node_init_object (json_node_alloc (), current)
                                                  : NULL;
        }
    }

  g_ptr_array_remove_index (run->conflicts, 0);
  conflict_next (task);
}

/* Reads the current revision of the next document in conflict. */
static void
conflict_next (GTask *task)
{
  SyncobjCouchMutator *self = g_task_get_source_object (task);
  BulkRun *run = g_task_get_task_data (task);
  SyncobjPendingMutation *mutation;
  g_autofree char *uri = NULL;

  if (run->conflicts->len == 0)
    {
      bulk_finish (task);
      return;
    }
  mutation = g_ptr_array_index (run->conflicts, 0);
  uri = _syncobj_http_item_uri (self->uri, mutation->key);
  g_clear_object (&run->message);
  run->message = couch_message (self, "GET", uri, NULL);
  _syncobj_http_send_and_read_async (self->session, run->message, &self->limits,
                                     g_task_get_cancellable (task), conflict_read_cb, g_object_ref (task));
}

/* ---- the request ------------------------------------------------------------------ */

static void
bulk_login_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (_syncobj_couch_session_login_finish (result, &error))
    bulk_send (task);
  else
    {
      g_task_return_error (task, error);
      g_object_unref (task);
    }
}

static void
bulk_auth_resume (GTask    *task,
                  gboolean  credential)
{
  SyncobjCouchMutator *self = g_task_get_source_object (task);

  if (credential && self->cookie_session)
    _syncobj_couch_session_login_async (self->session, self->uri, &self->headers,
                                        g_task_get_cancellable (task), bulk_login_cb, g_object_ref (task));
  else if (credential)
    bulk_send (g_object_ref (task));
  else
    g_task_return_new_error (task, SYNCOBJ_ERROR, SYNCOBJ_ERROR_HTTP,
                             _("No credentials were given for the CouchDB database"));
}

/* FALSE with an error for an answer that is not a success. */
static gboolean
check_status (SoupMessage  *message,
              GBytes       *body,
              GError      **error)
{
  guint status = soup_message_get_status (message);
  g_autofree char *uri = NULL;
  g_autofree char *reason = NULL;

  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    return TRUE;
  uri = g_uri_to_string (soup_message_get_uri (message));
  reason = _syncobj_http_error_reason (message, body);
  g_set_error (error, SYNCOBJ_ERROR,
               SOUP_STATUS_IS_CLIENT_ERROR (status) && status != SOUP_STATUS_REQUEST_TIMEOUT &&
               status != 429 ? SYNCOBJ_ERROR_NON_RETRIABLE : SYNCOBJ_ERROR_HTTP,
               _("%s %s failed with status %u: %s"), soup_message_get_method (message), uri, status, reason);
  return FALSE;
}

static void
bulk_sent_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyncobjCouchMutator *self = g_task_get_source_object (task);
  BulkRun *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = _syncobj_http_send_and_read_finish (result, &error);

  if (body == NULL)
    {
      _syncobj_http_probe_send_failed (task, run->message, error, bulk_resend);
      return;
    }
  /* The server answers: writes held while it could not be reached go. */
  _syncobj_http_probe_answered (soup_message_get_uri (run->message));
  if (_syncobj_http_auth_gate_refused (&self->auth, run->message))
    {
      _syncobj_http_auth_gate_hold (&self->auth, task, run->message, bulk_auth_resume);
      return;
    }
  if (!check_status (run->message, body, &error) || !take_bulk_answer (task, body, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (run->unauthorized)
    {
      /* Documents refused one by one for want of credentials (PouchDB
       * Server answers so, where CouchDB answers 401): the same wait for
       * credentials, then the documents not written are sent again. */
      run->unauthorized = FALSE;
      g_ptr_array_set_size (run->conflicts, 0);
      _syncobj_http_auth_gate_hold_status (&self->auth, task, run->message, SOUP_STATUS_UNAUTHORIZED,
                                           bulk_auth_resume);
      return;
    }
  conflict_next (task);
}

/* A write held while its server could not be reached goes out. */
static void
bulk_resend (GTask *task)
{
  bulk_send (g_object_ref (task));
}

/* Holds @task while the server cannot be reached (see
 * syncobj-http-probe.c): one write at a time probes it. */
static gboolean
bulk_hold_if_unreachable (SyncobjCouchMutator *self,
                          GTask               *task)
{
  g_autoptr(GUri) uri = g_uri_parse (self->uri, SOUP_HTTP_URI_FLAGS, NULL);

  return uri != NULL && _syncobj_http_probe_hold_if_unreachable (uri, task, bulk_resend);
}

/* Sends the documents of the transaction not written yet (@task taken). */
static void
bulk_send (GTask *task)
{
  SyncobjCouchMutator *self = g_task_get_source_object (task);
  BulkRun *run = g_task_get_task_data (task);

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  if (_syncobj_http_auth_gate_needs_auth (&self->auth))
    {
      _syncobj_http_auth_gate_hold (&self->auth, task, NULL, bulk_auth_resume);
      g_object_unref (task);
      return;
    }
  if (bulk_hold_if_unreachable (self, task))
    {
      g_object_unref (task);
      return;
    }
  /* Sent again after credentials: only what is not written yet. */
  for (guint i = run->sent->len; i-- > 0;)
    {
      SyncobjPendingMutation *mutation = g_ptr_array_index (run->sent, i);

      if (syncobj_pending_mutation_get_applied (mutation))
        g_ptr_array_remove_index (run->sent, i);
    }
  if (run->sent->len == 0)
    {
      bulk_finish (task);
      g_object_unref (task);
      return;
    }
  g_clear_object (&run->message);
  run->message = bulk_request (self, run);
  if (run->message == NULL)
    {
      g_task_return_new_error (task, SYNCOBJ_ERROR, SYNCOBJ_ERROR_NON_RETRIABLE,
                               _("“%s” is not a valid CouchDB database URI"), self->uri);
      g_object_unref (task);
      return;
    }
  _syncobj_http_send_and_read_async (self->session, run->message, &self->limits,
                                     g_task_get_cancellable (task), bulk_sent_cb, task);
}

/* The attempt ended: the job finishes the transaction's persist. */
static void
bulk_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SyncobjPersistJob) job = user_data;
  g_autoptr(GError) error = NULL;

  if (syncobj_persist_job_get_finished (job))
    return;
  if (g_task_propagate_boolean (G_TASK (result), &error))
    syncobj_persist_job_complete (job);
  else
    syncobj_persist_job_fail (job, error);
}

static void
syncobj_couch_mutator_persist_async (SyncobjMutator      *mutator,
                                     SyncobjTransaction  *transaction,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  SyncobjCouchMutator *self = SYNCOBJ_COUCH_MUTATOR (mutator);
  g_autoptr(GTask) persist = g_task_new (self, cancellable, callback, user_data);
  SyncobjCollection *owner = syncobj_transaction_get_collection (transaction);
  SyncobjSync *sync = owner != NULL ? syncobj_collection_get_sync (owner) : NULL;
  GListModel *mutations = syncobj_transaction_get_mutations (transaction);
  g_autoptr(SyncobjPersistJob) job = NULL;
  GTask *task;
  BulkRun *run;

  g_task_set_source_tag (persist, syncobj_couch_mutator_persist_async);
  job = _syncobj_persist_job_new (transaction, sync, persist);

  run = g_new0 (BulkRun, 1);
  run->job = g_object_ref (job);
  run->transaction = g_object_ref (transaction);
  run->state = couch_state_get (transaction);
  run->sent = g_ptr_array_new_with_free_func (g_object_unref);
  run->conflicts = g_ptr_array_new_with_free_func (g_object_unref);
  run->refused = g_string_new (NULL);
  run->conflicted = g_string_new (NULL);

  /* The echo may overtake the answer: watched from before the request. */
  if (run->state->echo == NULL && SYNCOBJ_IS_COUCH_SYNC (sync))
    run->state->echo = _syncobj_couch_echo_new (SYNCOBJ_COUCH_SYNC (sync));
  for (guint i = 0; i < g_list_model_get_n_items (mutations); i++)
    {
      g_autoptr(SyncobjPendingMutation) mutation = g_list_model_get_item (mutations, i);

      if (syncobj_pending_mutation_get_applied (mutation))
        continue;
      if (restored_update_applied (self, mutation))
        {
          syncobj_persist_job_mark_applied (job, mutation);
          continue;
        }
      if (run->state->echo != NULL)
        _syncobj_couch_echo_watch (run->state->echo, mutation->key);
      g_ptr_array_add (run->sent, g_steal_pointer (&mutation));
    }

  task = g_task_new (self, cancellable, bulk_done_cb, g_steal_pointer (&job));
  g_task_set_task_data (task, run, bulk_run_free);
  if (run->sent->len == 0)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  bulk_send (task);
}

/* ---- waiting for the echo ----------------------------------------------------------- */

static gboolean
syncobj_couch_mutator_awaits_sync (SyncobjMutator     *mutator,
                                   SyncobjTransaction *transaction,
                                   SyncobjSync        *sync)
{
  return SYNCOBJ_IS_COUCH_SYNC (sync) && couch_state_get (transaction)->echo != NULL;
}

static void
echo_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  _syncobj_couch_echo_wait_finish (result, NULL);
  g_task_return_boolean (task, TRUE);
}

static void
syncobj_couch_mutator_await_sync_async (SyncobjMutator      *mutator,
                                        SyncobjTransaction  *transaction,
                                        SyncobjSync         *sync,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  SyncobjCouchMutator *self = SYNCOBJ_COUCH_MUTATOR (mutator);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  CouchState *state = couch_state_get (transaction);

  g_task_set_source_tag (task, syncobj_couch_mutator_await_sync_async);
  if (state->echo == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  _syncobj_couch_echo_wait_async (state->echo, self->sync_timeout_ms, cancellable,
                                  echo_cb, g_steal_pointer (&task));
}

/* ---- public API ------------------------------------------------------------------ */

/**
 * syncobj_couch_mutator_new:
 * @database_uri: the database, such as `https://host:5984/notes`; a
 *   name and password in it (`https://name:password@host/notes`) are its
 *   `Basic` credential
 *
 * Creates a mutator writing to one CouchDB database.
 *
 * Returns: (transfer full): a new mutator
 */
SyncobjCouchMutator *
syncobj_couch_mutator_new (const char *database_uri)
{
  g_return_val_if_fail (database_uri != NULL, NULL);

  return g_object_new (SYNCOBJ_TYPE_COUCH_MUTATOR, "database-uri", database_uri, NULL);
}

/**
 * syncobj_couch_mutator_get_database_uri:
 * @self: a CouchDB mutator
 *
 * Returns: the database written to, without a trailing slash
 */
const char *
syncobj_couch_mutator_get_database_uri (SyncobjCouchMutator *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COUCH_MUTATOR (self), NULL);
  return self->uri;
}

/**
 * syncobj_couch_mutator_get_sync_timeout:
 * @self: a CouchDB mutator
 *
 * Returns: how long a written transaction waits for its echo, in
 *   milliseconds
 */
guint
syncobj_couch_mutator_get_sync_timeout (SyncobjCouchMutator *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COUCH_MUTATOR (self), 0);
  return self->sync_timeout_ms;
}

/**
 * syncobj_couch_mutator_set_sync_timeout:
 * @self: a CouchDB mutator
 * @timeout_ms: milliseconds; 0 waits as long as the sync runs
 *
 * Sets [property@Syncobj.CouchMutator:sync-timeout].
 */
void
syncobj_couch_mutator_set_sync_timeout (SyncobjCouchMutator *self,
                                        guint                timeout_ms)
{
  g_return_if_fail (SYNCOBJ_IS_COUCH_MUTATOR (self));

  if (self->sync_timeout_ms == timeout_ms)
    return;
  self->sync_timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_TIMEOUT]);
}

/**
 * syncobj_couch_mutator_get_needs_auth:
 * @self: a CouchDB mutator
 *
 * Returns: whether the mutator waits for credentials, see
 *   [property@Syncobj.CouchMutator:needs-auth]
 */
gboolean
syncobj_couch_mutator_get_needs_auth (SyncobjCouchMutator *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COUCH_MUTATOR (self), FALSE);
  return _syncobj_http_auth_gate_needs_auth (&self->auth);
}

/**
 * syncobj_couch_mutator_get_cookie_session:
 * @self: a CouchDB mutator
 *
 * Returns: whether credentials are exchanged for a session cookie, see
 *   [property@Syncobj.CouchMutator:cookie-session]
 */
gboolean
syncobj_couch_mutator_get_cookie_session (SyncobjCouchMutator *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_COUCH_MUTATOR (self), FALSE);
  return self->cookie_session;
}

/**
 * syncobj_couch_mutator_set_cookie_session:
 * @self: a CouchDB mutator
 * @cookie_session: whether to log in at `_session`
 *
 * Sets [property@Syncobj.CouchMutator:cookie-session].
 */
void
syncobj_couch_mutator_set_cookie_session (SyncobjCouchMutator *self,
                                          gboolean             cookie_session)
{
  g_return_if_fail (SYNCOBJ_IS_COUCH_MUTATOR (self));

  cookie_session = !!cookie_session;
  if (self->cookie_session == cookie_session)
    return;
  self->cookie_session = cookie_session;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COOKIE_SESSION]);
}

/**
 * syncobj_couch_mutator_set_header:
 * @self: a CouchDB mutator
 * @name: a header name
 * @value: (nullable): its value, or %NULL to remove it
 *
 * Sets a header sent with every request of the mutator.
 */
void
syncobj_couch_mutator_set_header (SyncobjCouchMutator *self,
                                  const char          *name,
                                  const char          *value)
{
  g_return_if_fail (SYNCOBJ_IS_COUCH_MUTATOR (self));
  g_return_if_fail (name != NULL);
  _syncobj_http_headers_set (&self->headers, name, value);
}

/* ---- GObject ------------------------------------------------------------------------ */

static void
syncobj_couch_mutator_finalize (GObject *object)
{
  SyncobjCouchMutator *self = SYNCOBJ_COUCH_MUTATOR (object);

  _syncobj_http_auth_gate_clear (&self->auth);
  g_free (self->uri);
  _syncobj_http_headers_clear (&self->headers);
  g_clear_object (&self->session);
  g_hash_table_unref (self->revs);
  G_OBJECT_CLASS (syncobj_couch_mutator_parent_class)->finalize (object);
}

static void
syncobj_couch_mutator_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  SyncobjCouchMutator *self = SYNCOBJ_COUCH_MUTATOR (object);

  switch (prop_id)
    {
    case PROP_DATABASE_URI:
      g_value_set_string (value, self->uri);
      break;
    case PROP_SYNC_TIMEOUT:
      g_value_set_uint (value, self->sync_timeout_ms);
      break;
    case PROP_NEEDS_AUTH:
      g_value_set_boolean (value, syncobj_couch_mutator_get_needs_auth (self));
      break;
    case PROP_COOKIE_SESSION:
      g_value_set_boolean (value, self->cookie_session);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_couch_mutator_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  SyncobjCouchMutator *self = SYNCOBJ_COUCH_MUTATOR (object);

  switch (prop_id)
    {
    case PROP_DATABASE_URI:
      self->uri = _syncobj_http_base_uri (g_value_get_string (value), &self->headers);
      break;
    case PROP_SYNC_TIMEOUT:
      syncobj_couch_mutator_set_sync_timeout (self, g_value_get_uint (value));
      break;
    case PROP_COOKIE_SESSION:
      syncobj_couch_mutator_set_cookie_session (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GStrv
syncobj_couch_mutator_servers (SyncobjMutator *mutator)
{
  const char *uri = SYNCOBJ_COUCH_MUTATOR (mutator)->uri;

  return _syncobj_http_probe_servers (&uri, 1);
}

static void
syncobj_couch_mutator_class_init (SyncobjCouchMutatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SyncobjMutatorClass *mutator_class = SYNCOBJ_MUTATOR_CLASS (klass);

  _syncobj_ensure_i18n ();

  _syncobj_mutator_type_set_servers_func (G_TYPE_FROM_CLASS (klass), syncobj_couch_mutator_servers);
  object_class->finalize = syncobj_couch_mutator_finalize;
  object_class->get_property = syncobj_couch_mutator_get_property;
  object_class->set_property = syncobj_couch_mutator_set_property;

  mutator_class->persist_async = syncobj_couch_mutator_persist_async;
  mutator_class->await_sync_async = syncobj_couch_mutator_await_sync_async;
  mutator_class->awaits_sync = syncobj_couch_mutator_awaits_sync;

  /**
   * SyncobjCouchMutator:database-uri:
   *
   * The database written to, such as `https://host:5984/notes`,
   * without a trailing slash. A name and password in the URI given
   * (`https://name:password@host:5984/notes`) are taken out of it and
   * sent as a `Basic` credential.
   */
  properties[PROP_DATABASE_URI] =
    g_param_spec_string ("database-uri", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCouchMutator:sync-timeout:
   *
   * How long, in milliseconds, a written transaction waits for the
   * [class@Syncobj.CouchSync] of its collection to bring the revisions it
   * made before completing anyway; 0 waits as long as the sync runs. The
   * default is 10 s.
   */
  properties[PROP_SYNC_TIMEOUT] =
    g_param_spec_uint ("sync-timeout", NULL,
                       _("How long a written transaction waits for its echo, in milliseconds"),
                       0, G_MAXUINT, DEFAULT_SYNC_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCouchMutator:needs-auth:
   *
   * Whether the server refused a request with 401 and the mutator waits
   * for the application to give credentials through
   * [signal@Syncobj.CouchMutator::auth-required]; meanwhile every
   * transaction of the mutator waits, spending no attempt.
   */
  properties[PROP_NEEDS_AUTH] =
    g_param_spec_boolean ("needs-auth", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjCouchMutator:cookie-session:
   *
   * Whether a `Basic` credential given through
   * [signal@Syncobj.CouchMutator::auth-required] is exchanged for a
   * CouchDB session cookie (`POST /_session`), as
   * [property@Syncobj.CouchSync:cookie-session] describes.
   */
  properties[PROP_COOKIE_SESSION] =
    g_param_spec_boolean ("cookie-session", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SyncobjCouchMutator::auth-required:
   * @self: the mutator
   * @request: what the application completes, now or later
   *
   * Emitted when the server refused a request with 401 and
   * [property@Syncobj.CouchMutator:needs-auth] became %TRUE. Call
   * [method@Syncobj.AuthRequest.set_credential] with an `Authorization`
   * value such as `Basic …` (or [method@Syncobj.AuthRequest.cancel]).
   */
  signals[AUTH_REQUIRED] =
    g_signal_new ("auth-required",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, SYNCOBJ_TYPE_AUTH_REQUEST);
}

static void
syncobj_couch_mutator_init (SyncobjCouchMutator *self)
{
  self->sync_timeout_ms = DEFAULT_SYNC_TIMEOUT_MS;
  self->revs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, rev_step_free);
  _syncobj_http_headers_init (&self->headers);
  _syncobj_http_limits_init (&self->limits);
  _syncobj_http_auth_gate_init (&self->auth, G_OBJECT (self), &self->headers,
                                properties[PROP_NEEDS_AUTH], signals[AUTH_REQUIRED]);
  self->session = _syncobj_http_session_new (SYNCOBJ_HTTP_DEFAULT_TIMEOUT_MS);
  _syncobj_couch_session_init (self->session);
}
