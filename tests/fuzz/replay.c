/* replay.c: runs a fuzz target over files, without libFuzzer
 *
 * Usage: fuzz-TARGET-replay FILE-OR-DIRECTORY...
 * Each file is one input; a directory stands for the files in it. A crash
 * aborts the test; otherwise it prints TAP, one line per input.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-common.h"

#include <string.h>

static guint count;

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
replay_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, &error))
    g_error ("%s", error->message);

  LLVMFuzzerTestOneInput ((const guint8 *) contents, length);
  g_print ("ok %u %s\n", ++count, path);
}

static void
replay_path (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      replay_file (path);
      return;
    }

  dir = g_dir_open (path, 0, &error);
  if (dir == NULL)
    g_error ("%s", error->message);

  /* In name order, so that runs are reproducible. */
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, compare_paths);

  for (guint i = 0; i < names->len; i++)
    replay_file (g_ptr_array_index (names, i));
}

int
main (int argc, char *argv[])
{
  if (argc < 2)
    g_error ("usage: %s FILE-OR-DIRECTORY...", argv[0]);

  for (int i = 1; i < argc; i++)
    replay_path (argv[i]);

  if (count == 0)
    g_error ("no inputs found");
  g_print ("1..%u\n", count);
  return 0;
}
