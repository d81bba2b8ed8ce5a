/* syncobj-mutation-type.c: how a mutation type is spelled in JSON, in
 * change messages, batch requests and the store's rows
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "syncobj-private.h"

static const char * const mutation_type_names[] = {
  [SYNCOBJ_MUTATION_TYPE_INSERT] = "insert",
  [SYNCOBJ_MUTATION_TYPE_UPDATE] = "update",
  [SYNCOBJ_MUTATION_TYPE_DELETE] = "delete",
};

const char *
_syncobj_mutation_type_to_string (SyncobjMutationType type)
{
  g_return_val_if_fail ((guint) type < G_N_ELEMENTS (mutation_type_names), NULL);

  return mutation_type_names[type];
}

gboolean
_syncobj_mutation_type_from_string (const char          *string,
                                    SyncobjMutationType *type)
{
  g_return_val_if_fail (type != NULL, FALSE);

  if (string == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (mutation_type_names); i++)
    {
      if (g_str_equal (string, mutation_type_names[i]))
        {
          *type = (SyncobjMutationType) i;
          return TRUE;
        }
    }

  return FALSE;
}
