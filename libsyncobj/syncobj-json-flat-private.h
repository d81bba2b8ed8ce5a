/* syncobj-json-flat-private.h: flat objects of JSON text (syncobj-json-flat.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* At most this many members: the overlay keeps an update as text with as
 * many (syncobj-overlay-text.c). */
#define SYNCOBJ_JSON_FLAT_MAX_MEMBERS 8

/* A flat object read from JSON text: its compact text, exactly as
 * _syncobj_json_write_object() writes the object JsonParser makes of the
 * text, and where its members are in it. */
typedef struct
{
  const char *text;             /* "{...}", nul-terminated */
  gsize       length;
  guint       n_members;        /* 1 to SYNCOBJ_JSON_FLAT_MAX_MEMBERS, names all different */
  const char *names[SYNCOBJ_JSON_FLAT_MAX_MEMBERS];  /* in @text, after the quote; no nul */
  gsize       name_lengths[SYNCOBJ_JSON_FLAT_MAX_MEMBERS];
  gsize       value_starts[SYNCOBJ_JSON_FLAT_MAX_MEMBERS];   /* offsets in @text */
  gsize       value_lengths[SYNCOBJ_JSON_FLAT_MAX_MEMBERS];
} SyncobjJsonFlat;

/* Reads @text (@length bytes; outside data) in one pass when it is one
 * JSON object (whitespace around and between tokens allowed) of 1 to
 * SYNCOBJ_JSON_FLAT_MAX_MEMBERS members with different names, each value
 * a string, an integer of at most 18 digits, true, false or null, with no
 * escape in any string and valid UTF-8: writes its compact text to @out
 * (room for @length + 1 bytes) and sets @flat. FALSE for anything else,
 * valid JSON or not, with no reason: the caller parses it in full and
 * names the fault. Never recurses. */
gboolean    _syncobj_json_flat_read  (const char      *text,
                                      gsize            length,
                                      char            *out,
                                      SyncobjJsonFlat *flat);

/* The index of the member @name of @flat, or -1. */
int         _syncobj_json_flat_find  (const SyncobjJsonFlat *flat,
                                      const char            *name);

G_END_DECLS
