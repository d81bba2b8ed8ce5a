/* syncobj-sync-load.c: sync writes built from checked JSON text (a
 * snapshot, a change feed), kept as compact text
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-sync-private.h"
#include "syncobj-overlay-private.h"
#include "syncobj-json-scan-private.h"
#include "syncobj-json-util-private.h"
#include "syncobj-json-validate-private.h"

#include <string.h>

/* Keys and records go to one block (a record and its key need at most
 * twice the record's length, and records are disjoint parts of the text),
 * so that loading leaves no small allocations behind; a write that does
 * not fit (a key from outside its record) gets room of its own. */
struct _SyncobjSyncLoad
{
  GArray *writes;
  char   *arena;
  gsize   size;
  gsize   used;
};

SyncobjSyncLoad *
_syncobj_sync_load_new (gsize text_length)
{
  SyncobjSyncLoad *load = g_new0 (SyncobjSyncLoad, 1);

  load->writes = g_array_new (FALSE, FALSE, sizeof (SyncobjSyncWrite));
  load->size = text_length * 2 + 2;
  load->arena = g_malloc (load->size);
  return load;
}

void
_syncobj_sync_load_free (SyncobjSyncLoad *load)
{
  /* Writes in the arena own nothing until it is shared; others own their
   * own block. */
  for (guint i = 0; load->arena != NULL && i < load->writes->len; i++)
    g_clear_pointer (&g_array_index (load->writes, SyncobjSyncWrite, i).arena, g_bytes_unref);
  g_array_unref (load->writes);
  g_free (load->arena);
  g_free (load);
}

/* Shares the arena: every write holds it (or its own block), and the
 * array frees what its writes hold. Any thread may do it, and a load of
 * a hundred thousand records is worth doing it off the main thread. */
static void
sync_load_share (SyncobjSyncLoad *load)
{
  g_autoptr(GBytes) arena = NULL;

  if (load->arena == NULL)
    return;
  arena = g_bytes_new_take (g_steal_pointer (&load->arena), load->size);
  for (guint i = 0; i < load->writes->len; i++)
    {
      SyncobjSyncWrite *write = &g_array_index (load->writes, SyncobjSyncWrite, i);

      if (write->arena == NULL)
        write->arena = g_bytes_ref (arena);
    }
  g_array_set_clear_func (load->writes, (GDestroyNotify) _syncobj_sync_write_clear);
}

void
_syncobj_sync_load_add (SyncobjSyncLoad     *load,
                        SyncobjMutationType  type,
                        const char          *key,
                        gsize                key_length,
                        gboolean             key_is_int,
                        const char          *object,
                        gsize                object_length,
                        gboolean             compact)
{
  SyncobjSyncWrite write = { type, NULL, NULL, TRUE, NULL, 0, NULL, key_is_int };
  gsize need = key_length + 1 + (object != NULL ? object_length + 1 : 0);
  char *room;

  if (load->used + need <= load->size)
    {
      room = load->arena + load->used;
      load->used += need;
    }
  else
    {
      room = g_malloc (need);
      write.arena = g_bytes_new_take (room, need);
    }

  memcpy (room, key, key_length);
  room[key_length] = '\0';
  write.key = room;
  if (object != NULL)
    {
      char *packed = room + key_length + 1;

      if (compact)
        {
          memcpy (packed, object, object_length);
          write.packed_length = object_length;
        }
      else
        write.packed_length = _syncobj_json_minify (object, object_length, packed);
      packed[write.packed_length] = '\0';
      write.packed = packed;
    }
  g_array_append_val (load->writes, write);
}

gboolean
_syncobj_sync_load_take (SyncobjSync      *self,
                         SyncobjSyncLoad  *load,
                         GError          **error)
{
  g_autoptr(GArray) writes = NULL;

  sync_load_share (load);
  writes = g_steal_pointer (&load->writes);
  g_free (load);
  return _syncobj_sync_take_writes (self, writes, error);
}

gboolean
_syncobj_sync_check_text (const char  *json,
                          gssize       length,
                          GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  if (_syncobj_json_check_text (json, length, SYNCOBJ_ERROR_PARSE, &local_error))
    return TRUE;

  g_set_error (error, SYNCOBJ_ERROR, SYNCOBJ_ERROR_PARSE,
               _("Malformed snapshot: %s"), local_error->message);
  return FALSE;
}

const SyncobjSyncWrite *
_syncobj_sync_load_peek (SyncobjSyncLoad *load,
                         guint           *n_writes)
{
  *n_writes = load->writes->len;
  return (const SyncobjSyncWrite *) (gpointer) load->writes->data;
}

typedef struct
{
  SyncobjSyncLoad     *load;
  SyncobjJsonSkipFunc  skip;
  gpointer             skip_data;
} ArrayScan;

static gboolean
array_add_record (gsize        index,
                  const char  *object,
                  gsize        object_length,
                  gboolean     compact,
                  const char  *key,
                  gsize        key_length,
                  gboolean     key_is_int,
                  gpointer     user_data,
                  GError     **error)
{
  ArrayScan *scan = user_data;

  _syncobj_sync_load_add (scan->load, SYNCOBJ_MUTATION_TYPE_INSERT, key, key_length, key_is_int,
                          object, object_length, compact);
  return TRUE;
}

static void
array_skip (gsize            element,
            SyncobjJsonSkip  reason,
            gpointer         user_data)
{
  ArrayScan *scan = user_data;

  scan->skip (element, reason, scan->skip_data);
}

SyncobjSyncLoad *
_syncobj_sync_load_scan_array (const char           *key_member,
                               const char           *json,
                               gsize                 length,
                               SyncobjJsonSkipFunc   skip,
                               gpointer              skip_data,
                               GError              **error)
{
  ArrayScan scan = { _syncobj_sync_load_new (length), skip, skip_data };

  /* No JsonNode is built: the text is checked and split into records,
   * which the collection keeps as compact text. What the scanner lets
   * through but could not be stored or sent back intact (lone surrogates,
   * "\u0000", out-of-range numbers, absurd nesting) is refused as by every
   * other entry point. */
  if (!_syncobj_json_scan_records_skipping (json, length, key_member, array_add_record,
                                            skip != NULL ? array_skip : NULL, &scan, error) ||
      !_syncobj_sync_check_text (json, (gssize) length, error))
    {
      _syncobj_sync_load_free (scan.load);
      return NULL;
    }
  sync_load_share (scan.load);
  return scan.load;
}

/* ---- change messages and single records --------------------------------------- */

typedef struct
{
  SyncobjSyncLoad *load;
  guint            n;
} MessageScan;

/* Takes a message that parse_message() of syncobj-sync.c would take; FALSE
 * for any other, which that slower path then names. */
static gboolean
message_add (const SyncobjJsonMessage *message,
             gpointer                  user_data)
{
  MessageScan *scan = user_data;
  SyncobjMutationType type;

  if (!_syncobj_mutation_type_from_string (message->type, &type) ||
      message->key == NULL || message->has_other_value ||
      (message->value == NULL && type != SYNCOBJ_MUTATION_TYPE_DELETE))
    return FALSE;

  _syncobj_sync_load_add (scan->load, type, message->key, message->key_length, message->key_is_int,
                          type != SYNCOBJ_MUTATION_TYPE_DELETE ? message->value : NULL, message->value_length,
                          message->value_compact);
  scan->n++;
  return TRUE;
}

SyncobjSyncLoad *
_syncobj_sync_load_scan_messages (const char *key_member,
                                  const char *json,
                                  gsize       length)
{
  MessageScan scan = { _syncobj_sync_load_new (length), 0 };
  gboolean unusual = FALSE;

  /* Text with no escape and no long or fractional number passes
   * _syncobj_json_check_text() when it scans: no second pass over it. */
  if (!_syncobj_json_scan_messages (json, length, key_member, message_add, &scan, &unusual) ||
      (unusual && !_syncobj_json_check_text (json, (gssize) length, SYNCOBJ_ERROR_PARSE, NULL)))
    {
      _syncobj_sync_load_free (scan.load);
      return NULL;
    }
  sync_load_share (scan.load);
  return scan.load;
}

gboolean
_syncobj_sync_write_init_text (SyncobjSyncWrite     *write,
                               SyncobjMutationType   type,
                               const char           *key_member,
                               const char           *json,
                               gsize                 length)
{
  /* One block, owned by the write through its key: the key, then the
   * compact text, each at most the text's length (an integer key's
   * canonical text at most SYNCOBJ_INT_KEY_SIZE). */
  char *block = g_malloc (2 * length + SYNCOBJ_INT_KEY_SIZE + 1);
  gsize key_length, start, object_length;
  gboolean key_is_int, compact, unusual;

  if (!_syncobj_json_scan_record (json, length, key_member, block, &key_length, &key_is_int,
                                  &start, &object_length, &compact, &unusual) ||
      (unusual && !_syncobj_json_check_text (json, (gssize) length, SYNCOBJ_ERROR_PARSE, NULL)))
    {
      g_free (block);
      return FALSE;
    }

  *write = (SyncobjSyncWrite) { type, block, NULL, FALSE, NULL, 0, NULL, key_is_int };
  if (type != SYNCOBJ_MUTATION_TYPE_DELETE)
    {
      char *packed = block + key_length + 1;

      if (compact)
        {
          memcpy (packed, json + start, object_length);
          write->packed_length = object_length;
        }
      else
        write->packed_length = _syncobj_json_minify (json + start, object_length, packed);
      packed[write->packed_length] = '\0';
      write->packed = packed;
    }
  return TRUE;
}

/**
 * syncobj_sync_load_json_array:
 * @self: a sync
 * @json: a JSON array of records, as JSON text (an HTTP body, say)
 * @length: the length of @json in bytes, or -1 if nul-terminated
 * @error: return location for an error
 *
 * Inserts every record of a JSON array as the synced state, as one commit,
 * or adds the inserts to the open commit if there is one. This is the fast
 * way to load a server's snapshot: `[{"id": "a", …}, {"id": "b", …}]`.
 *
 * A key member holds a non-empty string or an integer within 64 bits; the
 * key of an integer is its decimal text (`1` is the record `"1"`).
 *
 * Returns: %TRUE on success; %FALSE with %SYNCOBJ_ERROR_PARSE naming the
 *   first element that is not a record with a valid key (or the syntax
 *   error), and nothing applied; or with %SYNCOBJ_ERROR_KEY_EXISTS as
 *   [method@Syncobj.Sync.commit] gives it
 */
gboolean
syncobj_sync_load_json_array (SyncobjSync  *self,
                              const char   *json,
                              gssize        length,
                              GError      **error)
{
  SyncobjSyncLoad *load;

  g_return_val_if_fail (SYNCOBJ_IS_SYNC (self), FALSE);
  SYNCOBJ_RETURN_VAL_IF_NOT_OWNER (_syncobj_sync_get_owner (self), FALSE);
  g_return_val_if_fail (json != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (length < 0)
    length = (gssize) strlen (json);

  /* No JsonNode is built: the text is checked and split into records,
   * which the collection keeps as compact text. What the scanner lets
   * through but could not be stored or sent back intact (lone surrogates,
   * "\u0000", out-of-range numbers, absurd nesting) is refused as by every
   * other entry point. */
  load = _syncobj_sync_load_scan_array (_syncobj_sync_get_key_member (self), json, (gsize) length, NULL, NULL, error);
  if (load == NULL)
    return FALSE;
  return _syncobj_sync_load_take (self, load, error);
}
