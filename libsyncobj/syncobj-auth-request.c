/* syncobj-auth-request.c: a backend asks the application for credentials
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-auth-request-private.h"

/**
 * SyncobjAuthRequest:
 *
 * A backend's request for credentials, handed to the application by a
 * signal such as [signal@Syncobj.HttpMutator::auth-required] when the
 * server refused a request for want of them (HTTP 401).
 *
 * The application may take its time — ask GNOME Online Accounts or
 * libsecret, show a login dialog — and complete the request later, once:
 * [method@Syncobj.AuthRequest.set_credential] gives the value of the
 * `Authorization` header to send from then on (for example
 * `"Bearer eyJ…"`), and the requests that waited are sent again;
 * [method@Syncobj.AuthRequest.cancel] says that there is none. Until
 * then the backend's transactions wait, spending no attempt.
 *
 * The same object serves C, Python and JavaScript: keep a reference to it
 * in the signal handler and complete it whenever the credential is known.
 */

struct _SyncobjAuthRequest
{
  GObject              parent_instance;

  char                *uri;
  guint                http_status;
  SyncobjAuthDoneFunc  func;
  gpointer             user_data;
  gboolean             done;
};

G_DEFINE_FINAL_TYPE (SyncobjAuthRequest, syncobj_auth_request, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_URI,
  PROP_HTTP_STATUS,
  PROP_DONE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
syncobj_auth_request_finalize (GObject *object)
{
  SyncobjAuthRequest *self = SYNCOBJ_AUTH_REQUEST (object);

  g_free (self->uri);

  G_OBJECT_CLASS (syncobj_auth_request_parent_class)->finalize (object);
}

static void
syncobj_auth_request_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  SyncobjAuthRequest *self = SYNCOBJ_AUTH_REQUEST (object);

  switch (prop_id)
    {
    case PROP_URI:
      g_value_set_string (value, self->uri);
      break;
    case PROP_HTTP_STATUS:
      g_value_set_uint (value, self->http_status);
      break;
    case PROP_DONE:
      g_value_set_boolean (value, self->done);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
syncobj_auth_request_class_init (SyncobjAuthRequestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = syncobj_auth_request_finalize;
  object_class->get_property = syncobj_auth_request_get_property;

  /**
   * SyncobjAuthRequest:uri:
   *
   * The URI of the request that the server refused.
   */
  properties[PROP_URI] =
    g_param_spec_string ("uri", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjAuthRequest:http-status:
   *
   * The status the server refused it with: 401, or 403 when the backend
   * was told to take that as a want of credentials too.
   */
  properties[PROP_HTTP_STATUS] =
    g_param_spec_uint ("http-status", NULL, NULL, 0, 999, 401,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SyncobjAuthRequest:done:
   *
   * Whether the request was completed: a credential was given, it was
   * cancelled, or the backend stopped waiting for it.
   */
  properties[PROP_DONE] =
    g_param_spec_boolean ("done", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
syncobj_auth_request_init (SyncobjAuthRequest *self)
{
}

SyncobjAuthRequest *
_syncobj_auth_request_new (const char          *uri,
                           guint                http_status,
                           SyncobjAuthDoneFunc  func,
                           gpointer             user_data)
{
  SyncobjAuthRequest *self = g_object_new (SYNCOBJ_TYPE_AUTH_REQUEST, NULL);

  self->uri = g_strdup (uri);
  self->http_status = http_status;
  self->func = func;
  self->user_data = user_data;

  return self;
}

/* Marks @self done; returns the function to call, if any. */
static SyncobjAuthDoneFunc
auth_request_finish (SyncobjAuthRequest *self)
{
  SyncobjAuthDoneFunc func = self->func;

  if (self->done)
    return NULL;

  self->done = TRUE;
  self->func = NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DONE]);
  return func;
}

void
_syncobj_auth_request_abandon (SyncobjAuthRequest *self)
{
  g_return_if_fail (SYNCOBJ_IS_AUTH_REQUEST (self));

  auth_request_finish (self);
}

/**
 * syncobj_auth_request_get_uri:
 * @self: an auth request
 *
 * Gets the URI of the request that the server refused, so that the
 * application knows which account to ask for.
 *
 * Returns: (transfer none): the URI
 */
const char *
syncobj_auth_request_get_uri (SyncobjAuthRequest *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_AUTH_REQUEST (self), NULL);

  return self->uri;
}

/**
 * syncobj_auth_request_get_http_status:
 * @self: an auth request
 *
 * Gets the status the server refused the request with.
 *
 * Returns: 401, or 403
 */
guint
syncobj_auth_request_get_http_status (SyncobjAuthRequest *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_AUTH_REQUEST (self), 0);

  return self->http_status;
}

/**
 * syncobj_auth_request_is_done:
 * @self: an auth request
 *
 * Gets whether @self was completed, by the application or because the
 * backend no longer waits for it (a credential came another way, or the
 * backend was finalized). Completing it again does nothing.
 *
 * Returns: %TRUE once done
 */
gboolean
syncobj_auth_request_is_done (SyncobjAuthRequest *self)
{
  g_return_val_if_fail (SYNCOBJ_IS_AUTH_REQUEST (self), TRUE);

  return self->done;
}

/**
 * syncobj_auth_request_set_credential:
 * @self: an auth request
 * @authorization: the value of the `Authorization` header, for example
 *   `"Bearer eyJ…"`
 *
 * Gives the credential the backend asked for. The backend sends it with
 * every request from then on, and sends again the requests that waited
 * for it. Does nothing when @self is done already.
 */
void
syncobj_auth_request_set_credential (SyncobjAuthRequest *self,
                                     const char         *authorization)
{
  g_autoptr(SyncobjAuthRequest) hold = NULL;
  SyncobjAuthDoneFunc func;

  g_return_if_fail (SYNCOBJ_IS_AUTH_REQUEST (self));
  g_return_if_fail (authorization != NULL);

  hold = g_object_ref (self);
  func = auth_request_finish (self);
  if (func != NULL)
    func (self, authorization, self->user_data);
}

/**
 * syncobj_auth_request_cancel:
 * @self: an auth request
 *
 * Says that the application has no credential to give. The requests that
 * waited for one fail their attempt (with the server's refusal) and are
 * retried as the collection's [class@Syncobj.RetryPolicy] says, asking
 * again; without limit for a collection with a store. Does nothing when
 * @self is done already.
 */
void
syncobj_auth_request_cancel (SyncobjAuthRequest *self)
{
  g_autoptr(SyncobjAuthRequest) hold = NULL;
  SyncobjAuthDoneFunc func;

  g_return_if_fail (SYNCOBJ_IS_AUTH_REQUEST (self));

  hold = g_object_ref (self);
  func = auth_request_finish (self);
  if (func != NULL)
    func (self, NULL, self->user_data);
}
