/* syncobj-attempt-private.h: the fields of an attempt, and how a transaction
 * records one
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-private.h"

G_BEGIN_DECLS

struct _SyncobjAttempt
{
  GObject  parent_instance;
  char    *id;                      /* made when read: _syncobj_uuid_lazy() */
  guint    number;
  gint64   started_at_us;
  gint64   completed_at_us;          /* 0 while running */
  gint64   retry_scheduled_for_us;   /* 0 when none */
  GError  *error;
  guint    http_status;              /* 0: no HTTP error answer */
  GBytes  *response_body;            /* its body, cut; NULL when none */

  /* GDateTimes made on demand from the *_us fields (syncobj-attempt.c) */
  GDateTime *started_at;
  GDateTime *completed_at;
  GDateTime *retry_scheduled_for;
};

SyncobjAttempt *_syncobj_attempt_new                     (guint           number,
                                                          gint64          started_at_us);
/* Records the end of the attempt (error may be NULL); notifies. */
void            _syncobj_attempt_finish                  (SyncobjAttempt *self,
                                                          gint64          completed_at_us,
                                                          const GError   *error);
void            _syncobj_attempt_set_retry_scheduled_for (SyncobjAttempt *self,
                                                          gint64          unix_us);

/* Records the error answer @self got (@body may be NULL); notifies. */
void            _syncobj_attempt_set_http_answer         (SyncobjAttempt *self,
                                                          guint           status,
                                                          GBytes         *body);
/* The same, on the current attempt of @transaction (if any). */
void            _syncobj_attempt_record_http_answer      (SyncobjTransaction *transaction,
                                                          guint               status,
                                                          GBytes             *body);

G_END_DECLS
