/* syncobj-http-probe-private.h: writes held while their server cannot be
 * reached, and one probe at a time (syncobj-http-probe.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-private.h"

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Sends the held request of @task again. */
typedef void (*SyncobjHttpProbeResume) (GTask *task);

/* "host:port" of @uri: the server that probes stand for. */
char     *_syncobj_http_probe_origin              (GUri                   *uri);
/* The servers of @uris (@n_uris of them; NULL and unparsable ones are
 * passed over), for a mutator's servers function. */
GStrv     _syncobj_http_probe_servers             (const char * const     *uris,
                                                   guint                   n_uris);
/* Whether @error says that the server could not be reached at all:
 * connection refused, host or network unreachable, a name that does not
 * resolve. */
gboolean  _syncobj_http_probe_is_unreachable      (const GError           *error);
/* Holds @task (its request not sent) while @uri's server is unreachable,
 * unless @task is the probe; FALSE: send it. */
gboolean  _syncobj_http_probe_hold_if_unreachable (GUri                   *uri,
                                                   GTask                  *task,
                                                   SyncobjHttpProbeResume  resume);
/* The request of @task to @uri failed with an error that
 * _syncobj_http_probe_is_unreachable(): its server is unreachable and
 * @task is held, to go out as a probe later. When @task's cancellable is
 * cancelled, a held @task returns G_IO_ERROR_CANCELLED. */
void      _syncobj_http_probe_unreachable         (GUri                   *uri,
                                                   GTask                  *task,
                                                   SyncobjHttpProbeResume  resume);
/* A read of @uri (a sync's snapshot, poll, feed or handshake) failed with
 * @error before any answer: when @error says the server could not be
 * reached while the network is up, the server is unreachable as for a
 * refused write, with nothing held; the collections writing there are
 * offline, and their writes wait for a probe or an answer to the sync. */
void      _syncobj_http_probe_read_failed         (GUri                   *uri,
                                                   const GError           *error);
/* The request @message of @task failed with @error before any answer.
 * When the network is there but @message's server is not
 * (_syncobj_http_probe_is_unreachable()), @task is held as
 * _syncobj_http_probe_unreachable() holds it, spending no attempt, and
 * @resume sends it again. Otherwise @task returns the error: a network
 * error as _syncobj_http_network_error() words it, SYNCOBJ_ERROR_OFFLINE
 * when the network is down (the scheduler then waits for it to come
 * back). Every HTTP mutator's write goes this way. */
void      _syncobj_http_probe_send_failed         (GTask                  *task,
                                                   SoupMessage            *message,
                                                   const GError           *error,
                                                   SyncobjHttpProbeResume  resume);
/* @uri's server answered (any status): it is reachable; the held requests
 * go out at once. */
void      _syncobj_http_probe_answered            (GUri                   *uri);
/* Tests only: how many requests to @uri's server are held. */
guint     _syncobj_http_probe_get_n_held          (GUri                   *uri);

G_END_DECLS
