/* syncobj-registry.c: every live collection and every transaction
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-registry-private.h"
#include "syncobj-table-private.h"

/**
 * SyncobjRegistry:
 *
 * The one place that knows every live [class@Syncobj.Collection] and every
 * [class@Syncobj.Transaction] of the process, for monitoring: a list of
 * transactions in the application, the inspector page, logs.
 *
 * Collections are listed while they are alive; the registry does not keep
 * them alive. Transactions are kept while they are active and, once
 * finished, up to [property@Syncobj.Registry:history-limit] of them (the
 * most recent, 1,000 by default), so that recent history can be shown
 * while the memory of a process that runs for days stays bounded: the
 * oldest finished transaction leaves the list when one more finishes.
 * [method@Syncobj.Registry.forget_finished] drops every finished one.
 * A transaction that left the list is no longer found by
 * [method@Syncobj.Registry.lookup_transaction]; a collection with a
 * durable [class@Syncobj.Store] keeps its full history there (see
 * [method@Syncobj.Store.prune_async]).
 *
 * For the user interface, [property@Syncobj.Registry:n-pending] counts the
 * transactions of the whole process that are not finished yet ("3 changes
 * waiting"), and [property@Syncobj.Registry:offline] says whether the
 * network or a server cannot be reached now; both notify when they change.
 * Each [class@Syncobj.Collection] has the same two properties for its own
 * transactions and server.
 *
 * The registry is used from the main context of the application.
 */

struct _SyncobjRegistry
{
  GObject            parent_instance;

  SyncobjObjectList  collections;    /* weak: the registry does not keep
                                       * collections alive */
  SyncobjObjectList  transactions;
  SyncobjTable      *transactions_by_id;   /* id → unowned SyncobjTransaction;
                                            * made by the first lookup */
  GPtrArray         *finished;       /* unowned SyncobjTransaction, listed
                                      * and finished, oldest first, from
                                      * finished_head on (the oldest leave
                                      * from the front: O(1)) */
  guint              finished_head;
  guint              history_limit;
  guint              n_pending;      /* listed transactions not finished;
                                      * each counted one says so
                                      * (_syncobj_transaction_get_counted_pending()) */
  gboolean           offline;
};

#define DEFAULT_HISTORY_LIMIT 1000

G_DEFINE_FINAL_TYPE (SyncobjRegistry, syncobj_registry, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_COLLECTIONS,
  PROP_TRANSACTIONS,
  PROP_HISTORY_LIMIT,
  PROP_N_PENDING,
  PROP_OFFLINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  COLLECTION_ADDED,
  TRANSACTION_ADDED,
  TRANSACTION_STATE_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
syncobj_registry_finalize (GObject *object)
{
  SyncobjRegistry *self = SYNCOBJ_REGISTRY (object);

  _syncobj_object_list_clear (&self->collections);
  _syncobj_object_list_clear (&self->transactions);
  g_clear_pointer (&self->transactions_by_id, _syncobj_table_free);
  g_clear_pointer (&self->finished, g_ptr_array_unref);

  G_OBJECT_CLASS (syncobj_registry_parent_class)->finalize (object);
}

static void
syncobj_registry_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SyncobjRegistry *self = SYNCOBJ_REGISTRY (object);

  switch (prop_id)
    {
    case PROP_COLLECTIONS:
      g_value_set_object (value, syncobj_registry_get_collections (self));
      break;
    case PROP_TRANSACTIONS:
      g_value_set_object (value, syncobj_registry_get_transactions (self));
      break;
    case PROP_N_PENDING:
      g_value_set_uint (value, syncobj_registry_get_n_pending (self));
      break;
    case PROP_OFFLINE:
      g_value_set_boolean (value, syncobj_registry_get_offline (self));
      break;
    case PROP_HISTORY_LIMIT:
      g_value_set_uint (value, syncobj_registry_get_history_limit (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_registry_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  SyncobjRegistry *self = SYNCOBJ_REGISTRY (object);

  switch (prop_id)
    {
    case PROP_HISTORY_LIMIT:
      syncobj_registry_set_history_limit (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_registry_class_init (SyncobjRegistryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = syncobj_registry_finalize;
  object_class->get_property = syncobj_registry_get_property;
  object_class->set_property = syncobj_registry_set_property;

  /**
   * SyncobjRegistry:collections:
   *
   * Every live collection, in creation order, as a [iface@Gio.ListModel]
   * of [class@Syncobj.Collection]. A collection leaves the list when it is
   * finalized.
   */
  properties[PROP_COLLECTIONS] =
    g_param_spec_object ("collections", NULL, NULL,
                         G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjRegistry:transactions:
   *
   * Every transaction created in the process and not forgotten, in
   * creation order, as a [iface@Gio.ListModel] of
   * [class@Syncobj.Transaction].
   */
  properties[PROP_TRANSACTIONS] =
    g_param_spec_object ("transactions", NULL, NULL,
                         G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjRegistry:history-limit:
   *
   * How many finished (completed or failed) transactions
   * [property@Syncobj.Registry:transactions] keeps: the most recent ones.
   * When one more finishes, the oldest finished one leaves the list, so
   * that a process that runs for days keeps bounded memory. Active
   * transactions are always listed. 0 keeps none; %G_MAXUINT keeps every
   * one. A collection with a durable store keeps its full history there,
   * and its start lists the newest finished transactions of the store up
   * to this limit: raise it before creating the collection to read more
   * of the history back, or read older pages on demand with
   * [method@Syncobj.Store.read_history_async].
   */
  properties[PROP_HISTORY_LIMIT] =
    g_param_spec_uint ("history-limit", NULL, NULL,
                       0, G_MAXUINT, DEFAULT_HISTORY_LIMIT,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjRegistry:n-pending:
   *
   * The number of transactions of the process that are not finished
   * (neither completed nor failed): those waiting to be sent, being sent,
   * waiting for a retry, the network, credentials or the sync's echo.
   */
  properties[PROP_N_PENDING] =
    g_param_spec_uint ("n-pending", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjRegistry:offline:
   *
   * Whether the network, or the server of some collection, cannot be
   * reached now. Transactions wait meanwhile without spending attempts.
   */
  properties[PROP_OFFLINE] =
    g_param_spec_boolean ("offline", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SyncobjRegistry::collection-added:
   * @self: the registry
   * @collection: the new collection
   *
   * Emitted when a collection was created.
   */
  signals[COLLECTION_ADDED] =
    g_signal_new ("collection-added",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, SYNCOBJ_TYPE_COLLECTION);

  /**
   * SyncobjRegistry::transaction-added:
   * @self: the registry
   * @transaction: the new transaction
   *
   * Emitted when a transaction was created, by a write of a collection or
   * by [method@Syncobj.Collection.begin].
   */
  signals[TRANSACTION_ADDED] =
    g_signal_new ("transaction-added",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, SYNCOBJ_TYPE_TRANSACTION);

  /**
   * SyncobjRegistry::transaction-state-changed:
   * @self: the registry
   * @transaction: the transaction that changed
   *
   * Emitted when the [property@Syncobj.Transaction:state] of any
   * transaction changed: one handler to follow them all.
   */
  signals[TRANSACTION_STATE_CHANGED] =
    g_signal_new ("transaction-state-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, SYNCOBJ_TYPE_TRANSACTION);
}

static void
registry_update_offline (SyncobjRegistry *self)
{
  SyncobjScheduler *scheduler = _syncobj_scheduler_get_default ();
  gboolean offline = !_syncobj_scheduler_get_online (scheduler) ||
                     _syncobj_scheduler_is_unreachable (scheduler, NULL);

  if (self->offline == offline)
    return;

  self->offline = offline;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OFFLINE]);
}

static void
scheduler_changed_cb (SyncobjRegistry *self)
{
  registry_update_offline (self);
}

static void
syncobj_registry_init (SyncobjRegistry *self)
{
  _syncobj_object_list_init_weak (&self->collections, SYNCOBJ_TYPE_COLLECTION);
  _syncobj_object_list_init (&self->transactions, SYNCOBJ_TYPE_TRANSACTION);
  self->finished = g_ptr_array_new ();
  self->history_limit = DEFAULT_HISTORY_LIMIT;
  /* The registry lives as long as the process: so do these handlers. */
  g_signal_connect_object (_syncobj_scheduler_get_default (), "notify::online",
                           G_CALLBACK (scheduler_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (_syncobj_scheduler_get_default (), "reachability-changed",
                           G_CALLBACK (scheduler_changed_cb), self, G_CONNECT_SWAPPED);
  self->offline = !_syncobj_scheduler_get_online (_syncobj_scheduler_get_default ()) ||
                  _syncobj_scheduler_is_unreachable (_syncobj_scheduler_get_default (), NULL);
}

/* The registry knows collections and transactions through their
 * properties: it is told about them, and never calls them. */
static char *
object_dup_id (gpointer object)
{
  char *id = NULL;

  g_object_get (object, "id", &id, NULL);
  return id;
}

/* The index of the listed transactions by id, made on first use: many
 * applications never look one up, and a write then costs no insertion
 * into an ever growing table. */
static SyncobjTable *
registry_index (SyncobjRegistry *self)
{
  if (self->transactions_by_id == NULL)
    {
      guint n = _syncobj_object_list_get_length (&self->transactions);

      self->transactions_by_id = _syncobj_table_new (g_str_hash, g_str_equal, g_free, NULL);
      for (guint i = 0; i < n; i++)
        {
          SyncobjTransaction *transaction = _syncobj_object_list_peek (&self->transactions, i);

          _syncobj_table_insert (self->transactions_by_id, object_dup_id (transaction), transaction);
        }
    }

  return self->transactions_by_id;
}

static gboolean
transaction_is_finished (SyncobjTransaction *transaction)
{
  return syncobj_transaction_is_finished (transaction);
}

/* Counts @transaction in n-pending while it is not finished: a plain
 * counter, and the transaction's flag *@counted that says it is counted. */
static void
registry_track_pending (SyncobjRegistry    *self,
                        SyncobjTransaction *transaction,
                        gboolean           *counted)
{
  if (*counted == !transaction_is_finished (transaction))
    return;

  *counted = !*counted;
  if (*counted)
    self->n_pending++;
  else
    self->n_pending--;
  g_object_notify_by_pspec ((GObject *) self, properties[PROP_N_PENDING]);
}

/**
 * syncobj_registry_get_default:
 *
 * Gets the registry of the process. It is created on first use and lives
 * until the process exits.
 *
 * Returns: (transfer none): the registry
 */
SyncobjRegistry *
syncobj_registry_get_default (void)
{
  static gsize default_registry = 0;

  if (g_once_init_enter (&default_registry))
    g_once_init_leave (&default_registry,
                       (gsize) g_object_new (SYNCOBJ_TYPE_REGISTRY, NULL));

  return (SyncobjRegistry *) default_registry;
}

/**
 * syncobj_registry_get_collections:
 * @self: the registry
 *
 * Gets every live collection, in creation order.
 *
 * Returns: (transfer none): a [iface@Gio.ListModel] of
 *   [class@Syncobj.Collection]
 */
GListModel *
syncobj_registry_get_collections (SyncobjRegistry *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_REGISTRY (self), NULL);

  return _syncobj_object_list_get_model (&self->collections);
}

/**
 * syncobj_registry_get_transactions:
 * @self: the registry
 *
 * Gets every transaction not forgotten, in creation order.
 *
 * Returns: (transfer none): a [iface@Gio.ListModel] of
 *   [class@Syncobj.Transaction]
 */
GListModel *
syncobj_registry_get_transactions (SyncobjRegistry *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_REGISTRY (self), NULL);

  return _syncobj_object_list_get_model (&self->transactions);
}

/**
 * syncobj_registry_lookup_collection:
 * @self: the registry
 * @id: a collection identifier
 *
 * Finds a live collection by its identifier. Should several have the same
 * identifier, the oldest is returned.
 *
 * Returns: (transfer none) (nullable): the collection, or %NULL when no
 *   live collection has this identifier
 */
SyncobjCollection *
syncobj_registry_lookup_collection (SyncobjRegistry *self,
                                    const char      *id)
{
  guint n_collections;

  g_return_val_if_fail (SYNCOBJ_IS_REGISTRY (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  n_collections = _syncobj_object_list_get_length (&self->collections);
  for (guint i = 0; i < n_collections; i++)
    {
      SyncobjCollection *collection = _syncobj_object_list_peek (&self->collections, i);
      g_autofree char *collection_id = object_dup_id (collection);

      if (g_strcmp0 (collection_id, id) == 0)
        return collection;
    }

  return NULL;
}

/**
 * syncobj_registry_lookup_transaction:
 * @self: the registry
 * @id: a transaction identifier
 *
 * Finds a transaction by its identifier.
 *
 * Returns: (transfer none) (nullable): the transaction, or %NULL when it
 *   is unknown or was forgotten
 */
SyncobjTransaction *
syncobj_registry_lookup_transaction (SyncobjRegistry *self,
                                     const char      *id)
{
  g_return_val_if_fail (SYNCOBJ_IS_REGISTRY (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  return _syncobj_table_lookup (registry_index (self), id);
}

/**
 * syncobj_registry_get_n_pending:
 * @self: the registry
 *
 * Gets the number of transactions of the process that are not finished
 * yet, for a "3 changes waiting" indicator.
 *
 * Returns: the number of transactions neither completed nor failed
 */
guint
syncobj_registry_get_n_pending (SyncobjRegistry *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_REGISTRY (self), 0);

  return self->n_pending;
}

/**
 * syncobj_registry_get_offline:
 * @self: the registry
 *
 * Gets whether the network, or the server of some collection, cannot be
 * reached now, for an offline notice.
 *
 * Returns: %TRUE while offline
 */
gboolean
syncobj_registry_get_offline (SyncobjRegistry *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_REGISTRY (self), FALSE);

  return self->offline;
}

/**
 * syncobj_registry_forget_finished:
 * @self: the registry
 *
 * Removes the transactions that are completed or failed from
 * [property@Syncobj.Registry:transactions], to bound the memory of a
 * long-running process. The durable store keeps its own history.
 *
 * Returns: the number of transactions removed
 */
guint
syncobj_registry_forget_finished (SyncobjRegistry *self)
{
  guint removed = 0;
  guint end;

  g_return_val_if_fail (SYNCOBJ_IS_REGISTRY (self), 0);

  end = _syncobj_object_list_get_length (&self->transactions);

  /* From the back, one splice per run of finished transactions, so that
   * views see few and small changes. */
  while (end > 0)
    {
      guint start = end;

      for (;;)
        {
          SyncobjTransaction *transaction;

          if (start == 0)
            break;
          transaction = _syncobj_object_list_peek (&self->transactions, start - 1);
          if (!transaction_is_finished (transaction))
            break;
          if (self->transactions_by_id != NULL)
            {
              g_autofree char *id = object_dup_id (transaction);

              _syncobj_table_remove (self->transactions_by_id, id);
            }
          start--;
        }

      if (start < end)
        {
          _syncobj_object_list_remove_range (&self->transactions, start, end - start);
          removed += end - start;
          end = start;
        }
      else
        {
          end--;
        }
    }

  /* Every finished transaction left the list. */
  g_ptr_array_set_size (self->finished, 0);
  self->finished_head = 0;

  return removed;
}

static guint
registry_n_finished (SyncobjRegistry *self)
{
  return self->finished->len - self->finished_head;
}

/* The oldest finished transaction leaves the queue of finished ones. The
 * gap it leaves at the front closes once it is as long as the rest: each
 * transaction moves once per as many that leave. */
static SyncobjTransaction *
registry_pop_finished (SyncobjRegistry *self)
{
  SyncobjTransaction *oldest = g_ptr_array_index (self->finished, self->finished_head++);

  if (self->finished_head == self->finished->len)
    {
      g_ptr_array_set_size (self->finished, 0);
      self->finished_head = 0;
    }
  else if (self->finished_head >= registry_n_finished (self))
    {
      g_ptr_array_remove_range (self->finished, 0, self->finished_head);
      self->finished_head = 0;
    }

  return oldest;
}

/* Drops the oldest finished transactions beyond the limit. Most often the
 * oldest is at the head of the list (it was created early), from where the
 * list drops it in O(1). */
static void
registry_trim_history (SyncobjRegistry *self)
{
  while (registry_n_finished (self) > self->history_limit)
    {
      SyncobjTransaction *oldest = registry_pop_finished (self);
      guint position;

      if (!_syncobj_object_list_find (&self->transactions, oldest, &position))
        continue;
      if (self->transactions_by_id != NULL)
        {
          g_autofree char *id = object_dup_id (oldest);

          _syncobj_table_remove (self->transactions_by_id, id);
        }
      _syncobj_object_list_remove_range (&self->transactions, position, 1);
    }
}

/**
 * syncobj_registry_get_history_limit:
 * @self: the registry
 *
 * Gets [property@Syncobj.Registry:history-limit].
 *
 * Returns: how many finished transactions are kept
 */
guint
syncobj_registry_get_history_limit (SyncobjRegistry *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_REGISTRY (self), 0);

  return self->history_limit;
}

/**
 * syncobj_registry_set_history_limit:
 * @self: the registry
 * @limit: how many finished transactions to keep; %G_MAXUINT for all
 *
 * Sets [property@Syncobj.Registry:history-limit]. A lower limit drops
 * the oldest finished transactions at once.
 */
void
syncobj_registry_set_history_limit (SyncobjRegistry *self,
                                    guint            limit)
{
  g_return_if_fail (SYNCOBJ_IS_REGISTRY (self));

  if (self->history_limit == limit)
    return;

  self->history_limit = limit;
  registry_trim_history (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HISTORY_LIMIT]);
}

void
_syncobj_registry_add_collection (SyncobjRegistry   *self,
                                  SyncobjCollection *collection)
{
  g_return_if_fail (SYNCOBJ_IS_REGISTRY (self));
  g_return_if_fail (SYNCOBJ_IS_COLLECTION (collection));

  _syncobj_object_list_append (&self->collections, collection);
  g_signal_emit (self, signals[COLLECTION_ADDED], 0, collection);
}

void
_syncobj_registry_add_transaction (SyncobjRegistry    *self,
                                   SyncobjTransaction *transaction,
                                   const char         *id,
                                   gboolean            new_id,
                                   gboolean           *counted)
{
  /* A transaction read back from a store may be listed already. */
  if (!new_id && _syncobj_table_contains (registry_index (self), id))
    return;

  if (self->transactions_by_id != NULL)
    _syncobj_table_insert (self->transactions_by_id, id != NULL ? g_strdup (id) : object_dup_id (transaction),
                         transaction);
  _syncobj_object_list_append (&self->transactions, transaction);
  if (new_id)
    {
      /* A new transaction is pending: it counts. */
      *counted = TRUE;
      self->n_pending++;
      g_object_notify_by_pspec ((GObject *) self, properties[PROP_N_PENDING]);
    }
  else
    registry_track_pending (self, transaction, counted);
  g_signal_emit (self, signals[TRANSACTION_ADDED], 0, transaction);
}

void
_syncobj_registry_transaction_changed (SyncobjRegistry    *self,
                                       SyncobjTransaction *transaction,
                                       gboolean           *counted)
{
  /* A transaction is counted in n-pending from when it is added, not
   * finished (every transaction is added before its state first changes),
   * until it is finished, which it then stays: only the end of one
   * changes the count. */
  if (*counted && transaction_is_finished (transaction))
    registry_track_pending (self, transaction, counted);
  g_signal_emit (self, signals[TRANSACTION_STATE_CHANGED], 0, transaction);
}

void
_syncobj_registry_transaction_finished (SyncobjRegistry    *self,
                                        SyncobjTransaction *transaction)
{
  g_ptr_array_add (self->finished, transaction);
  registry_trim_history (self);
}
