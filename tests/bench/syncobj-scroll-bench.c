/* syncobj-scroll-bench.c: a GtkListView over a large collection, scrolled
 *
 * usage: syncobj-scroll-bench [scroll] [N] [M] [inscription|label]
 *
 * Loads N records (default 100,000) into a collection in one sync commit of
 * the server's snapshot as JSON text (as the initial_sync workload of
 * syncobj-bench does), shows the collection in a GtkListView (a
 * GtkSignalListItemFactory binding a GtkInscription, or with "label" a
 * GtkLabel, to each record's "title"), then scrolls to the end and back in
 * M steps each way (default 200) through the view's vertical
 * GtkAdjustment, one step per drawn frame. A step is made in the frame
 * clock's update phase (a tick callback), so that the rows it binds are
 * measured, allocated and drawn in the same main-loop iteration, as in a
 * kinetic scroll (GtkScrolledWindow moves its adjustment from a tick
 * callback) or when GTK hands over pointer motion that came during a
 * frame at the start of the next one (dragging the scroll bar); either
 * way the frame shows after all three. It times every main-loop
 * iteration and prints one JSON line: the longest iteration
 * while scrolling (wall clock and the main thread's CPU time), the 99th
 * percentile, and the time from showing the window to its first frame.
 * The target is 16 ms (one frame at 60 Hz); it is measured, not asserted.
 *
 * It needs a display (the test suite runs it under Xvfb). It checks that
 * the last record was bound at the end and the first ones again at the top,
 * and exits with status 1 otherwise.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <stdlib.h>

#include <gtk/gtk.h>
#include <syncobj.h>

#include "bench-measure.h"
#include "bench-records.h"

typedef enum
{
  PHASE_SHOWING,   /* until the first frame */
  PHASE_SCROLLING, /* one step per frame */
  PHASE_DONE,
} Phase;

typedef struct
{
  guint          n_records;
  guint          steps;      /* each way */
  gboolean       labels;     /* GtkLabel rows instead of GtkInscription */

  GtkWidget     *window;
  GtkAdjustment *vadjustment;
  GdkFrameClock *frame_clock;

  Phase          phase;
  guint          step;       /* 1..steps: down; steps+1..2*steps: back up */
  gboolean       step_pending;
  gint64         shown_us;
  gint64         scroll_start_us;
  double         first_frame_ms;
  double         scroll_ms;
  guint          frames;

  /* What the factory saw. */
  guint64        binds;
  guint          max_bound;
  gboolean       bound_last;
  guint          min_bound_on_return;
  gboolean       reached_end;

  /* Main-loop iterations: from a poll's return to the next poll. */
  gint64         returned_us;
  gint64         returned_cpu_us;
  GArray        *busy_us;       /* gint64 per iteration while scrolling */
  GArray        *busy_cpu_us;
  gint64         showing_max_us;

  /* Heap in use after the first frame and after the scroll. */
  gsize          heap_shown;
  gsize          heap_scrolled;
} Scroll;

static Scroll *watched;

static G_GNUC_NORETURN G_GNUC_PRINTF (1, 2) void
fail (const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  fprintf (stderr, "syncobj-scroll-bench: ");
  vfprintf (stderr, format, args);
  fprintf (stderr, "\n");
  va_end (args);
  exit (1);
}

/* ---- timing main-loop iterations ---------------------------------------- */

static void
iteration_done (Scroll *self)
{
  gint64 busy = g_get_monotonic_time () - self->returned_us;
  gint64 busy_cpu = syncobj_test_thread_cpu_us () - self->returned_cpu_us;

  if (self->phase == PHASE_SHOWING)
    self->showing_max_us = MAX (self->showing_max_us, busy);
  else if (self->phase == PHASE_SCROLLING)
    {
      g_array_append_val (self->busy_us, busy);
      g_array_append_val (self->busy_cpu_us, busy_cpu);
    }
  if (g_getenv ("STALL_DEBUG") != NULL && busy > 16000)
    fprintf (stderr, "step %u: iteration of %.1f ms, %.1f ms of CPU\n",
             self->step, busy / 1000.0, busy_cpu / 1000.0);
}

static gint
timed_poll (GPollFD *fds,
            guint    n_fds,
            gint     timeout)
{
  gint result;

  if (watched != NULL && watched->returned_us != 0)
    iteration_done (watched);
  result = g_poll (fds, n_fds, timeout);
  if (watched != NULL)
    {
      watched->returned_us = g_get_monotonic_time ();
      watched->returned_cpu_us = syncobj_test_thread_cpu_us ();
    }
  return result;
}

/* ---- the list view -------------------------------------------------------- */

/* A row is one GtkInscription: its size comes from its font (one line of
 * about 20 characters), not from its text, so the list view does not lay
 * out the text of each row it binds to measure it; the text is laid out
 * when the row is drawn, for the rows on screen only. */
static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          Scroll                   *self)
{
  GtkWidget *child;

  if (self->labels)
    {
      child = gtk_label_new (NULL);
      gtk_label_set_xalign (GTK_LABEL (child), 0);
    }
  else
    {
      child = gtk_inscription_new (NULL);
      gtk_inscription_set_nat_chars (GTK_INSCRIPTION (child), 20);
      /* Ellipsizing, not clipping: a clipping inscription lays out its
       * text when allocated to find out whether it wraps. */
      gtk_inscription_set_text_overflow (GTK_INSCRIPTION (child), GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
    }
  gtk_list_item_set_child (item, child);
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *item,
         Scroll                   *self)
{
  SyncobjRecord *record = gtk_list_item_get_item (item);
  GtkWidget *child = gtk_list_item_get_child (item);
  const char *title = syncobj_record_get_string (record, "title");
  guint position = gtk_list_item_get_position (item);

  if (self->labels)
    gtk_label_set_text (GTK_LABEL (child), title);
  else
    gtk_inscription_set_text (GTK_INSCRIPTION (child), title);
  self->binds++;
  self->max_bound = MAX (self->max_bound, position);
  if (position == self->n_records - 1)
    self->bound_last = TRUE;
  if (self->step > self->steps)
    self->min_bound_on_return = MIN (self->min_bound_on_return, position);
}

static GtkWidget *
list_view_new (Scroll            *self,
               SyncobjCollection *collection)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkNoSelection *selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (collection)));

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), self);
  return gtk_list_view_new (GTK_SELECTION_MODEL (selection), factory);
}

/* ---- scrolling, one step per frame ---------------------------------------- */

static double
scroll_range (Scroll *self)
{
  return gtk_adjustment_get_upper (self->vadjustment) - gtk_adjustment_get_page_size (self->vadjustment);
}

/* One step per frame, in the frame's update phase: the rows it binds are
 * measured, allocated and drawn in the same main-loop iteration. */
static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       data)
{
  Scroll *self = data;
  guint down;

  if (self->phase == PHASE_DONE)
    return G_SOURCE_REMOVE;
  if (self->phase != PHASE_SCROLLING || self->step_pending)
    return G_SOURCE_CONTINUE;

  down = self->step < self->steps ? self->step + 1 : 2 * self->steps - self->step - 1;
  self->step++;
  self->step_pending = TRUE;
  gtk_adjustment_set_value (self->vadjustment, scroll_range (self) * down / self->steps);
  /* A frame is drawn even when the value did not move. */
  gtk_widget_queue_draw (widget);
  return G_SOURCE_CONTINUE;
}

static void
after_paint_cb (GdkFrameClock *clock,
                Scroll        *self)
{
  self->frames++;
  if (self->phase == PHASE_SHOWING)
    {
      self->first_frame_ms = (g_get_monotonic_time () - self->shown_us) / 1000.0;
      self->phase = PHASE_SCROLLING;
      self->heap_shown = bench_heap_in_use ();
      self->scroll_start_us = g_get_monotonic_time ();
      return;
    }
  if (self->phase != PHASE_SCROLLING || !self->step_pending)
    return;

  self->step_pending = FALSE;
  if (self->step == self->steps)
    self->reached_end = gtk_adjustment_get_value (self->vadjustment) >= scroll_range (self) - 1;
  if (self->step == 2 * self->steps)
    {
      self->scroll_ms = (g_get_monotonic_time () - self->scroll_start_us) / 1000.0;
      self->heap_scrolled = bench_heap_in_use ();
      self->phase = PHASE_DONE;
    }
}

static void
window_realize_cb (GtkWidget *window,
                   Scroll    *self)
{
  self->frame_clock = gtk_widget_get_frame_clock (window);
  g_signal_connect (self->frame_clock, "after-paint", G_CALLBACK (after_paint_cb), self);
  gtk_widget_add_tick_callback (window, tick_cb, self, NULL);
}

static gboolean
watchdog_cb (gpointer data)
{
  Scroll *self = data;

  fail ("no progress: phase %d, step %u of %u, %u frames", self->phase, self->step, 2 * self->steps, self->frames);
}

/* ---- the collection ------------------------------------------------------- */

static void
persist_at_once (SyncobjPersistJob *job,
                 gpointer           user_data)
{
  syncobj_persist_job_complete (job);
}

static SyncobjCollection *
collection_load (SyncobjSync *sync,
                 guint        n,
                 double      *load_ms)
{
  g_autoptr(SyncobjMutator) mutator = syncobj_func_mutator_new (persist_at_once, NULL, NULL);
  g_autoptr(SyncobjCollection) collection = syncobj_collection_new ("scroll", sync, mutator);
  g_autoptr(GString) text = bench_snapshot_text (n);
  g_autoptr(GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();

  if (!syncobj_sync_load_json_array (sync, text->str, text->len, &error))
    fail ("load: %s", error->message);
  syncobj_sync_mark_ready (sync);
  *load_ms = (g_get_monotonic_time () - t0) / 1000.0;
  if (g_list_model_get_n_items (G_LIST_MODEL (collection)) != n)
    fail ("%u records after loading %u", g_list_model_get_n_items (G_LIST_MODEL (collection)), n);
  return g_steal_pointer (&collection);
}

/* ---- results ---------------------------------------------------------------- */

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static double
max_ms (GArray *values)
{
  return values->len > 0 ? g_array_index (values, gint64, values->len - 1) / 1000.0 : 0;
}

static void
print_results (Scroll *self,
               double  load_ms)
{
  g_autoptr(JsonObject) out = json_object_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *line = NULL;
  g_autofree char *gtk_version = g_strdup_printf ("%u.%u.%u", gtk_get_major_version (),
                                                  gtk_get_minor_version (), gtk_get_micro_version ());

  g_array_sort (self->busy_us, compare_gint64);
  g_array_sort (self->busy_cpu_us, compare_gint64);

  json_object_set_string_member (out, "impl", "libsyncobj");
  json_object_set_string_member (out, "workload", "scroll");
  json_object_set_int_member (out, "n", self->n_records);
  json_object_set_int_member (out, "m", self->steps);
  json_object_set_string_member (out, "store", "memory");
  json_object_set_string_member (out, "rows", self->labels ? "label" : "inscription");
  json_object_set_string_member (out, "gtk", gtk_version);
  json_object_set_string_member (out, "renderer", g_getenv ("GSK_RENDERER") != NULL ? g_getenv ("GSK_RENDERER") : "default");
  json_object_set_double_member (out, "load_ms", load_ms);
  json_object_set_double_member (out, "first_frame_ms", self->first_frame_ms);
  json_object_set_double_member (out, "first_frame_max_iteration_ms", self->showing_max_us / 1000.0);
  json_object_set_double_member (out, "max_iteration_ms", max_ms (self->busy_us));
  json_object_set_double_member (out, "max_iteration_cpu_ms", max_ms (self->busy_cpu_us));
  json_object_set_double_member (out, "p99_iteration_ms",
                                 g_array_index (self->busy_us, gint64, self->busy_us->len * 99 / 100) / 1000.0);
  json_object_set_double_member (out, "target_ms", 16);
  json_object_set_int_member (out, "iterations", self->busy_us->len);
  json_object_set_int_member (out, "frames", self->frames);
  json_object_set_double_member (out, "scroll_ms", self->scroll_ms);
  json_object_set_int_member (out, "binds", (gint64) self->binds);
  /* What the scroll left allocated: records made for the rows it showed. */
  json_object_set_double_member (out, "scroll_heap_growth_mb",
                                 ((double) self->heap_scrolled - (double) self->heap_shown) / 1e6);
  json_object_set_int_member (out, "verified_records", self->max_bound + 1);

  root = json_node_init_object (json_node_alloc (), out);
  line = json_to_string (root, FALSE);
  printf ("%s\n", line);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(SyncobjSync) sync = NULL;
  g_autoptr(SyncobjCollection) collection = NULL;
  g_autoptr(GArray) busy_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) busy_cpu_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  Scroll self = { 0 };
  GtkWidget *scrolled, *list;
  double load_ms;
  int arg = 1;

  if (argc > arg && g_str_equal (argv[arg], "scroll"))
    arg++;
  self.n_records = argc > arg ? (guint) g_ascii_strtoull (argv[arg], NULL, 10) : 100000;
  self.steps = argc > arg + 1 ? (guint) g_ascii_strtoull (argv[arg + 1], NULL, 10) : 200;
  self.labels = argc > arg + 2 && g_str_equal (argv[arg + 2], "label");
  if (self.n_records < 2 || self.steps == 0 ||
      (argc > arg + 2 && !self.labels && !g_str_equal (argv[arg + 2], "inscription")))
    {
      fprintf (stderr, "usage: %s [scroll] [N ≥ 2] [M ≥ 1] [inscription|label]\n", argv[0]);
      return 2;
    }
  self.min_bound_on_return = G_MAXUINT;
  self.busy_us = busy_us;
  self.busy_cpu_us = busy_cpu_us;

  if (!gtk_init_check ())
    fail ("cannot open a display");

  sync = syncobj_sync_new ("scroll");
  collection = collection_load (sync, self.n_records, &load_ms);

  self.window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (self.window), 640, 800);
  scrolled = gtk_scrolled_window_new ();
  list = list_view_new (&self, collection);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), list);
  gtk_window_set_child (GTK_WINDOW (self.window), scrolled);
  self.vadjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (list));
  g_signal_connect (self.window, "realize", G_CALLBACK (window_realize_cb), &self);

  watched = &self;
  g_main_context_set_poll_func (NULL, timed_poll);
  g_timeout_add_seconds (600, watchdog_cb, &self);

  self.shown_us = g_get_monotonic_time ();
  gtk_window_present (GTK_WINDOW (self.window));
  while (self.phase != PHASE_DONE)
    g_main_context_iteration (NULL, TRUE);
  watched = NULL;

  if (!self.reached_end || !self.bound_last)
    fail ("the end of the list was not shown (last record bound: %u of %u)", self.max_bound, self.n_records);
  /* The view keeps its focus row, the first, bound all along. */
  if (gtk_adjustment_get_value (self.vadjustment) != 0 || self.min_bound_on_return > 1)
    fail ("the view did not return to the first records (value %g, lowest position bound on the way back: %u)",
          gtk_adjustment_get_value (self.vadjustment), self.min_bound_on_return);
  print_results (&self, load_ms);

  g_signal_handlers_disconnect_by_data (self.frame_clock, &self);
  gtk_window_destroy (GTK_WINDOW (self.window));
  return 0;
}
