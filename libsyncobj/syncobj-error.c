/* syncobj-error.c: the error domain, translations and structured logging
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-private.h"
#include "syncobj-error-private.h"

#include <locale.h>

/**
 * syncobj_error_quark:
 *
 * The error domain of libsyncobj, also available as %SYNCOBJ_ERROR.
 *
 * Returns: the quark of the `syncobj-error-quark` domain
 */
G_DEFINE_QUARK (syncobj-error-quark, syncobj_error)

void
_syncobj_ensure_i18n (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      g_once_init_leave (&initialized, 1);
    }
}

/* The syslog priority g_log_structured() derives from a level; the array
 * variant leaves it to the caller. */
static const char *
level_to_priority (GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return "3";
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    return "4";
  if (level & G_LOG_LEVEL_MESSAGE)
    return "5";
  if (level & G_LOG_LEVEL_INFO)
    return "6";
  if (level & G_LOG_LEVEL_DEBUG)
    return "7";
  return "5";
}

/* Whether the default writer drops debug messages of the library: what
 * G_MESSAGES_DEBUG says is read once (g_log_writer_default_would_drop()
 * reads the environment on every call, about as much as the rest of a
 * state change), g_log_set_debug_enabled() counts at every call. */
gboolean
_syncobj_log_drops_debug (void)
{
  static gsize environment_drops = 0;   /* 1: dropped, 2: shown */

  if (g_log_get_debug_enabled ())
    return FALSE;
  if (g_once_init_enter (&environment_drops))
    g_once_init_leave (&environment_drops,
                       g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, SYNCOBJ_LOG_DOMAIN) ? 1 : 2);
  return environment_drops == 1;
}

void
_syncobj_log_transaction (GLogLevelFlags  level,
                          const char     *transaction_id,
                          const char     *format,
                          ...)
{
  g_autofree char *message = NULL;
  GLogField fields[4];
  gsize n_fields = 0;
  va_list args;

  /* Debug messages (one per state change) are off unless G_MESSAGES_DEBUG
   * asks for them: do not format them for nothing. */
  if (level == G_LOG_LEVEL_DEBUG && _syncobj_log_drops_debug ())
    return;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  fields[n_fields++] = (GLogField) { "GLIB_DOMAIN", SYNCOBJ_LOG_DOMAIN, -1 };
  fields[n_fields++] = (GLogField) { "MESSAGE", message, -1 };
  fields[n_fields++] = (GLogField) { "PRIORITY", level_to_priority (level), -1 };
  if (transaction_id != NULL)
    fields[n_fields++] = (GLogField) { "SYNCOBJ_TRANSACTION_ID", transaction_id, -1 };

  g_log_structured_array (level, fields, n_fields);
}
