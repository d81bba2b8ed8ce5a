/* syncobj-record.c: the live object for one key of a collection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-record-private.h"
#include "syncobj-json-parser-private.h"
#include "syncobj-json-util-private.h"
#include "syncobj-view-private.h"

#include <string.h>

/**
 * SyncobjRecord:
 *
 * The live object for one key of a [class@Syncobj.Collection].
 *
 * A record stays the same object for as long as it is referenced, while its
 * [property@Syncobj.Record:value] changes: each visible change, local or
 * from the sync side, replaces the value by a new immutable
 * [struct@Json.Object] snapshot and emits `notify::value`. Bind a row of a
 * list to a record and update the row from that signal.
 *
 * [property@Syncobj.Record:synced-value] is the value the server last sent;
 * [property@Syncobj.Record:pending] tells whether optimistic changes are
 * still on top of it. A deleted record, or one whose optimistic insert was
 * rolled back, is not [property@Syncobj.Record:visible]: its value is %NULL.
 *
 * The typed getters read one member of the visible value and return a
 * default when the member is missing or has another type, which suits
 * binding records to widgets.
 *
 * All properties are read-only; records change only through their
 * collection, on its main context.
 */

/* A string member read by syncobj_record_get_string() from packed text,
 * kept until the value changes: its name and text follow it in one block. */
typedef struct _RecordString RecordString;
struct _RecordString
{
  RecordString *next;
  const char   *text;
  char          name[];
};

/* Keys up to this size (the nul included) live in the record. */
#define RECORD_KEY_INLINE 24

struct _SyncobjRecord
{
  GObject     parent_instance;

  char       *key;            /* key_inline, or its own block */
  SyncobjWeak *collection;
  /* While the record is the live record of its row: whom it tells when
   * it is finalized (see _syncobj_record_attach()); NULL once detached. */
  SyncobjRecordGoneFunc gone;
  gpointer    gone_owner;
  gpointer    gone_data;
  JsonObject *value;          /* visible value; NULL when not visible */
  JsonObject *synced_value;   /* NULL when the server has no such key */
  /* The checked compact text of the value (and synced value) while no
   * JsonObject was built for it: borrowed from the collection's row,
   * which keeps it unchanged until _syncobj_record_unpack(). The typed
   * getters read it without building the object. */
  const char *packed;
  RecordString *strings;      /* read from @packed, valid until the value changes */
  gboolean    pending;
  gboolean    temporary;      /* the key is a temporary one (server keys) */
  char        key_inline[RECORD_KEY_INLINE];
};

G_DEFINE_FINAL_TYPE (SyncobjRecord, syncobj_record, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_KEY,
  PROP_COLLECTION,
  PROP_VALUE,
  PROP_SYNCED_VALUE,
  PROP_PENDING,
  PROP_VISIBLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
record_strings_free (SyncobjRecord *self)
{
  while (self->strings != NULL)
    {
      RecordString *next = self->strings->next;

      g_free (self->strings);
      self->strings = next;
    }
}

/* Builds the JsonObject of a packed value: the record's value from then on. */
static void
record_build (SyncobjRecord *self)
{
  JsonObject *value;

  if (G_LIKELY (self->packed == NULL))
    return;

  value = _syncobj_json_object_from_text (self->packed, -1);
  if (value == NULL)
    value = _syncobj_json_merge (NULL, NULL);  /* not reached: the text was checked */
  self->packed = NULL;
  self->value = value;
  self->synced_value = json_object_ref (value);
}

/* @key may be the record's own. */
static void
record_set_key (SyncobjRecord *self,
                const char    *key)
{
  gsize size = strlen (key) + 1;
  char *old = self->key != self->key_inline ? self->key : NULL;
  char *copy = size <= sizeof self->key_inline ? self->key_inline : g_malloc (size);

  memmove (copy, key, size);
  self->key = copy;
  g_free (old);
}

static void
syncobj_record_finalize (GObject *object)
{
  SyncobjRecord *self = (SyncobjRecord *) object;

  /* The row forgets its record; records may not be used from another
   * thread, so this runs on the collection's. */
  if (self->gone != NULL)
    self->gone (self->gone_owner, self->gone_data);
  record_strings_free (self);
  if (self->key != self->key_inline)
    g_free (self->key);
  g_clear_pointer (&self->value, json_object_unref);
  g_clear_pointer (&self->synced_value, json_object_unref);
  g_clear_pointer (&self->collection, _syncobj_weak_unref);

  /* The parent class is GObject's: no checked cast on the way out. */
  ((GObjectClass *) syncobj_record_parent_class)->finalize (object);
}

static void
syncobj_record_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  SyncobjRecord *self = SYNCOBJ_RECORD (object);

  switch (prop_id)
    {
    case PROP_KEY:
      g_value_set_string (value, self->key);
      break;
    case PROP_COLLECTION:
      g_value_take_object (value, _syncobj_weak_get (self->collection));
      break;
    case PROP_VALUE:
      g_value_set_boxed (value, syncobj_record_get_value (self));
      break;
    case PROP_SYNCED_VALUE:
      g_value_set_boxed (value, syncobj_record_get_synced_value (self));
      break;
    case PROP_PENDING:
      g_value_set_boolean (value, self->pending);
      break;
    case PROP_VISIBLE:
      g_value_set_boolean (value, syncobj_record_get_visible (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_record_class_init (SyncobjRecordClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags read_only = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;
  const GParamFlags changing = read_only | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = syncobj_record_finalize;
  object_class->get_property = syncobj_record_get_property;

  /**
   * SyncobjRecord:key:
   *
   * The key of the record: the value of the collection's key member (the
   * decimal text of an integer). A record inserted without a key into a
   * collection whose [property@Syncobj.Collection:key-source] is
   * %SYNCOBJ_KEY_SOURCE_SERVER has a temporary key (`~tmp-<uuid>`) until
   * the server's answer brings its key: then this property changes, in
   * place, and notifies.
   */
  properties[PROP_KEY] =
    g_param_spec_string ("key", NULL, NULL, NULL, read_only | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SyncobjRecord:collection:
   *
   * The collection the record belongs to, or %NULL once it was finalized.
   * A record does not keep its collection alive.
   */
  properties[PROP_COLLECTION] =
    g_param_spec_object ("collection", NULL, NULL,
                         SYNCOBJ_TYPE_COLLECTION, read_only);

  /**
   * SyncobjRecord:value:
   *
   * The visible value: the synced value with every pending change on top.
   * An immutable snapshot, replaced (and notified) on every change; %NULL
   * when the record is not visible.
   */
  properties[PROP_VALUE] =
    g_param_spec_boxed ("value", NULL, NULL, JSON_TYPE_OBJECT, changing);

  /**
   * SyncobjRecord:synced-value:
   *
   * The value the sync side last confirmed, without optimistic changes;
   * %NULL when the server does not have the key (yet).
   */
  properties[PROP_SYNCED_VALUE] =
    g_param_spec_boxed ("synced-value", NULL, NULL, JSON_TYPE_OBJECT, changing);

  /**
   * SyncobjRecord:pending:
   *
   * Whether optimistic changes not yet synced back are part of the
   * visible value.
   */
  properties[PROP_PENDING] =
    g_param_spec_boolean ("pending", NULL, NULL, FALSE, changing);

  /**
   * SyncobjRecord:visible:
   *
   * Whether the record is part of its collection right now, that is
   * whether [property@Syncobj.Record:value] is not %NULL.
   */
  properties[PROP_VISIBLE] =
    g_param_spec_boolean ("visible", NULL, NULL, FALSE, changing);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
syncobj_record_init (SyncobjRecord *self)
{
}

/* No notification: nobody can be connected to a record being made. */
SyncobjRecord *
_syncobj_record_new (SyncobjWeak       *collection,
                     const char        *key,
                     gboolean           temporary,
                     JsonObject        *value,
                     JsonObject        *synced_value,
                     gboolean           pending)
{
  SyncobjRecord *self;

  g_return_val_if_fail (key != NULL, NULL);

  self = (SyncobjRecord *) g_object_new_with_properties (SYNCOBJ_TYPE_RECORD, 0, NULL, NULL);
  record_set_key (self, key);
  self->temporary = temporary;
  self->collection = collection;
  self->value = value != NULL ? json_object_ref (value) : NULL;
  self->synced_value = synced_value != NULL ? json_object_ref (synced_value) : NULL;
  self->pending = !!pending;

  return self;
}

SyncobjRecord *
_syncobj_record_new_packed (SyncobjWeak       *collection,
                            const char        *key,
                            gboolean           temporary,
                            const char        *packed)
{
  SyncobjRecord *self = _syncobj_record_new (collection, key, temporary, NULL, NULL, FALSE);

  g_return_val_if_fail (packed != NULL, self);

  self->packed = packed;
  return self;
}

void
_syncobj_record_attach (SyncobjRecord         *self,
                        SyncobjRecordGoneFunc  gone,
                        gpointer               owner,
                        gpointer               data)
{
  g_return_if_fail (self->gone == NULL);

  self->gone = gone;
  self->gone_owner = owner;
  self->gone_data = data;
}

void
_syncobj_record_detach (SyncobjRecord *self)
{
  g_return_if_fail (SYNCOBJ_IS_RECORD (self));

  /* The record may outlive the row whose text it reads. */
  record_build (self);
  self->gone = NULL;
  self->gone_owner = NULL;
  self->gone_data = NULL;
}

void
_syncobj_record_unpack (SyncobjRecord *self)
{
  g_return_if_fail (SYNCOBJ_IS_RECORD (self));

  record_build (self);
}

gboolean
_syncobj_record_is_packed (SyncobjRecord *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_RECORD (self), FALSE);

  return self->packed != NULL;
}

void
_syncobj_record_set_key (SyncobjRecord *self,
                         const char    *key)
{
  g_return_if_fail (SYNCOBJ_IS_RECORD (self));
  g_return_if_fail (key != NULL);

  record_set_key (self, key);
  self->temporary = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEY]);
}

void
_syncobj_record_update (SyncobjRecord *self,
                        JsonObject    *value,
                        JsonObject    *synced_value,
                        gboolean       pending)
{
  GObject *object = G_OBJECT (self);
  gboolean was_visible;

  g_return_if_fail (SYNCOBJ_IS_RECORD (self));

  pending = !!pending;
  /* The caller's values are JsonObjects: the packed text goes, and with
   * it the borrowed pointer. */
  record_build (self);
  was_visible = self->value != NULL;

  g_object_freeze_notify (object);

  /* Values are immutable snapshots: a new pointer is a new value. */
  if (self->value != value)
    {
      record_strings_free (self);
      g_clear_pointer (&self->value, json_object_unref);
      self->value = value != NULL ? json_object_ref (value) : NULL;
      g_object_notify_by_pspec (object, properties[PROP_VALUE]);
    }
  if (self->synced_value != synced_value)
    {
      g_clear_pointer (&self->synced_value, json_object_unref);
      self->synced_value = synced_value != NULL ? json_object_ref (synced_value) : NULL;
      g_object_notify_by_pspec (object, properties[PROP_SYNCED_VALUE]);
    }
  if (self->pending != pending)
    {
      self->pending = pending;
      g_object_notify_by_pspec (object, properties[PROP_PENDING]);
    }
  if (was_visible != (self->value != NULL))
    g_object_notify_by_pspec (object, properties[PROP_VISIBLE]);

  g_object_thaw_notify (object);
}

/* The member @name of packed text as a scalar (or missing); a string
 * with escapes is unescaped into *@scratch, which the caller frees. */
static void
packed_member (SyncobjRecord     *self,
               const char        *name,
               char             **scratch,
               SyncobjViewScalar *out)
{
  SyncobjViewValue value = { .packed = self->packed };
  char *path[] = { (char *) name, NULL };

  _syncobj_view_value_get (&value, path, scratch, out);
}

/* A string member of packed text, copied once and kept with the record. */
static const char *
packed_string (SyncobjRecord *self,
               const char    *name)
{
  g_autofree char *scratch = NULL;
  SyncobjViewScalar scalar;
  RecordString *string;
  gsize name_length;
  char *text;

  for (string = self->strings; string != NULL; string = string->next)
    if (strcmp (string->name, name) == 0)
      return string->text;

  packed_member (self, name, &scratch, &scalar);
  if (scalar.class != SYNCOBJ_VIEW_CLASS_STRING)
    return NULL;

  name_length = strlen (name);
  string = g_malloc (sizeof (RecordString) + name_length + 1 + scalar.length + 1);
  memcpy (string->name, name, name_length + 1);
  text = string->name + name_length + 1;
  memcpy (text, scalar.string, scalar.length);
  text[scalar.length] = '\0';
  string->text = text;
  string->next = self->strings;
  self->strings = string;
  return text;
}

/* Whether @number is an integer within 64 bits, as *@integer. */
static gboolean
double_is_int (double  number,
               gint64 *integer)
{
  /* -2^63 and 2^63 are exact doubles; the range is half-open. NaN and
   * the infinities fail the range test, so the cast is defined. */
  if (number >= -9223372036854775808.0 && number < 9223372036854775808.0 &&
      (double) (gint64) number == number)
    {
      *integer = (gint64) number;
      return TRUE;
    }
  return FALSE;
}

/* The member @name of the visible value when it holds a scalar. */
static JsonNode *
get_scalar_member (SyncobjRecord *self,
                   const char    *name)
{
  JsonNode *node;

  if (self->value == NULL)
    return NULL;

  node = json_object_get_member (self->value, name);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  return node;
}

/**
 * syncobj_record_get_key:
 * @self: a record
 *
 * Gets the key of @self.
 *
 * Returns: (transfer none): the key
 */
const char *
syncobj_record_get_key (SyncobjRecord *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_RECORD (self), NULL);

  return self->key;
}

/**
 * syncobj_record_is_temporary:
 * @self: a record
 *
 * Whether the key of @self is a temporary one: the record was inserted
 * without a key into a collection whose
 * [property@Syncobj.Collection:key-source] is %SYNCOBJ_KEY_SOURCE_SERVER,
 * and the server has not answered yet.
 *
 * Returns: %TRUE while the key is temporary
 */
gboolean
syncobj_record_is_temporary (SyncobjRecord *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_RECORD (self), FALSE);

  return self->temporary;
}

/**
 * syncobj_record_get_value:
 * @self: a record
 *
 * Gets the visible value of @self: the synced value with every pending
 * change on top. The object is an immutable snapshot; it is replaced, not
 * changed, when the record changes.
 *
 * Returns: (transfer none) (nullable): the visible value, or %NULL when
 *   the record is not visible
 */
JsonObject *
syncobj_record_get_value (SyncobjRecord *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_RECORD (self), NULL);

  record_build (self);
  return self->value;
}

/**
 * syncobj_record_get_synced_value:
 * @self: a record
 *
 * Gets the value the sync side last confirmed for @self, without
 * optimistic changes.
 *
 * Returns: (transfer none) (nullable): the synced value, or %NULL when the
 *   server does not have the key
 */
JsonObject *
syncobj_record_get_synced_value (SyncobjRecord *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_RECORD (self), NULL);

  record_build (self);
  return self->synced_value;
}

/**
 * syncobj_record_get_pending:
 * @self: a record
 *
 * Gets whether optimistic changes not yet synced back are part of the
 * visible value of @self.
 *
 * Returns: %TRUE while changes are pending
 */
gboolean
syncobj_record_get_pending (SyncobjRecord *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_RECORD (self), FALSE);

  return self->pending;
}

/**
 * syncobj_record_get_visible:
 * @self: a record
 *
 * Gets whether @self is part of its collection right now.
 *
 * Returns: %TRUE when the record has a visible value
 */
gboolean
syncobj_record_get_visible (SyncobjRecord *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_RECORD (self), FALSE);

  return self->packed != NULL || self->value != NULL;
}

/**
 * syncobj_record_get_collection:
 * @self: a record
 *
 * Gets the collection @self belongs to. A record does not keep its
 * collection alive.
 *
 * Returns: (transfer none) (nullable): the collection, or %NULL once it
 *   was finalized
 */
SyncobjCollection *
syncobj_record_get_collection (SyncobjRecord *self)
{
  g_autoptr(GObject) collection = NULL;

  g_return_val_if_fail (SYNCOBJ_IS_RECORD (self), NULL);

  /* Transfer none: whoever holds the collection keeps it alive; the
   * strong reference only guards the read. */
  collection = _syncobj_weak_get (self->collection);
  return (SyncobjCollection *) collection;
}

/**
 * syncobj_record_has_member:
 * @self: a record
 * @member: a member name
 *
 * Checks whether the visible value of @self has a member called @member,
 * whatever its type (`null` included).
 *
 * Returns: %TRUE when the member exists
 */
gboolean
syncobj_record_has_member (SyncobjRecord *self,
                           const char    *member)
{
  g_return_val_if_fail (SYNCOBJ_IS_RECORD (self), FALSE);
  g_return_val_if_fail (member != NULL, FALSE);

  if (self->packed != NULL)
    {
      g_autofree char *scratch = NULL;
      SyncobjViewScalar scalar;

      packed_member (self, member, &scratch, &scalar);
      return scalar.class != SYNCOBJ_VIEW_CLASS_MISSING;
    }
  return self->value != NULL && json_object_has_member (self->value, member);
}

/**
 * syncobj_record_get_string:
 * @self: a record
 * @member: a member name
 *
 * Reads a string member of the visible value of @self.
 *
 * Returns: (transfer none) (nullable): the string, or %NULL when the
 *   member is missing or is not a string. It stays valid until the value
 *   of the record changes.
 */
const char *
syncobj_record_get_string (SyncobjRecord *self,
                           const char    *member)
{
  JsonNode *node;

  g_return_val_if_fail (SYNCOBJ_IS_RECORD (self), NULL);
  g_return_val_if_fail (member != NULL, NULL);

  if (self->packed != NULL)
    return packed_string (self, member);
  node = get_scalar_member (self, member);
  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

/**
 * syncobj_record_get_int:
 * @self: a record
 * @member: a member name
 *
 * Reads an integer member of the visible value of @self. A floating point
 * number with an integral value (such as `3.0`) is accepted too.
 *
 * Returns: the integer, or 0 when the member is missing or is not an
 *   integer
 */
gint64
syncobj_record_get_int (SyncobjRecord *self,
                        const char    *member)
{
  JsonNode *node;
  GType type;

  g_return_val_if_fail (SYNCOBJ_IS_RECORD (self), 0);
  g_return_val_if_fail (member != NULL, 0);

  if (self->packed != NULL)
    {
      g_autofree char *scratch = NULL;
      SyncobjViewScalar scalar;
      gint64 integer;

      packed_member (self, member, &scratch, &scalar);
      if (scalar.class != SYNCOBJ_VIEW_CLASS_NUMBER)
        return 0;
      if (scalar.is_int)
        return scalar.integer;
      return double_is_int (scalar.number, &integer) ? integer : 0;
    }

  node = get_scalar_member (self, member);
  if (node == NULL)
    return 0;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    return json_node_get_int (node);

  if (type == G_TYPE_DOUBLE)
    {
      gint64 integer;

      if (double_is_int (json_node_get_double (node), &integer))
        return integer;
    }

  return 0;
}

/**
 * syncobj_record_get_double:
 * @self: a record
 * @member: a member name
 *
 * Reads a number member of the visible value of @self; integers are
 * converted.
 *
 * Returns: the number, or 0.0 when the member is missing or is not a
 *   number
 */
double
syncobj_record_get_double (SyncobjRecord *self,
                           const char    *member)
{
  JsonNode *node;
  GType type;

  g_return_val_if_fail (SYNCOBJ_IS_RECORD (self), 0.0);
  g_return_val_if_fail (member != NULL, 0.0);

  if (self->packed != NULL)
    {
      g_autofree char *scratch = NULL;
      SyncobjViewScalar scalar;

      packed_member (self, member, &scratch, &scalar);
      return scalar.class == SYNCOBJ_VIEW_CLASS_NUMBER ? scalar.number : 0.0;
    }

  node = get_scalar_member (self, member);
  if (node == NULL)
    return 0.0;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_DOUBLE)
    return json_node_get_double (node);
  if (type == G_TYPE_INT64)
    return (double) json_node_get_int (node);

  return 0.0;
}

/**
 * syncobj_record_get_boolean:
 * @self: a record
 * @member: a member name
 *
 * Reads a boolean member of the visible value of @self.
 *
 * Returns: the boolean, or %FALSE when the member is missing or is not a
 *   boolean
 */
gboolean
syncobj_record_get_boolean (SyncobjRecord *self,
                            const char    *member)
{
  JsonNode *node;

  g_return_val_if_fail (SYNCOBJ_IS_RECORD (self), FALSE);
  g_return_val_if_fail (member != NULL, FALSE);

  if (self->packed != NULL)
    {
      g_autofree char *scratch = NULL;
      SyncobjViewScalar scalar;

      packed_member (self, member, &scratch, &scalar);
      return scalar.class == SYNCOBJ_VIEW_CLASS_BOOLEAN && scalar.boolean;
    }

  node = get_scalar_member (self, member);
  if (node == NULL || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return FALSE;

  return json_node_get_boolean (node);
}

/**
 * syncobj_record_to_json:
 * @self: a record
 *
 * Serializes the visible value of @self as compact JSON text.
 *
 * Returns: (transfer full): the JSON text of the value, or `null` when the
 *   record is not visible
 */
char *
syncobj_record_to_json (SyncobjRecord *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_RECORD (self), NULL);

  record_build (self);
  if (self->value == NULL)
    return g_strdup ("null");

  return _syncobj_json_to_string (self->value);
}
