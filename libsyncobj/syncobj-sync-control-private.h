/* syncobj-sync-control-private.h: what the test mutator reads of its
 * control (syncobj-sync-control.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-private.h"

G_BEGIN_DECLS

struct _SyncobjSyncControl
{
  GObject         parent_instance;
  SyncobjSync    *sync;
  SyncobjMutator *mutator;
  guint           network_delay_ms;
  guint           fail_count;
  guint           fail_non_retriable_count;
  guint           persist_count;
  GPtrArray      *persist_log;
  gboolean        offline;
  gboolean        server_down;
  gboolean        auto_echo;
  gint64          last_server_key;  /* the last integer key the server assigned */
};

G_END_DECLS
