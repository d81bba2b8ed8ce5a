/* syncobj-view-sort.c: the order of a view's entries, and how a build
 * sorts them all at once
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "syncobj-view-private.h"

#include <string.h>

/* The first 8 bytes of a string, big-endian, zero-padded: in the order
 * of the strings, where they differ within them. */
static guint64
text_bits (const char *text,
           gsize       length)
{
  guint64 bits = 0;

  if (length > 0)
    memcpy (&bits, text, MIN (length, sizeof bits));
  return GUINT64_FROM_BE (bits);
}

/* A scalar's value as 64 bits in the order of
 * _syncobj_view_compare_scalars() within its class (equal bits: look
 * closer). */
static guint64
scalar_bits (const SyncobjViewScalar *key)
{
  switch (key->class)
    {
    case SYNCOBJ_VIEW_CLASS_BOOLEAN:
      return key->boolean != FALSE;
    case SYNCOBJ_VIEW_CLASS_NUMBER:
      {
        /* An integer as a double may round, but never out of order. */
        double number = key->is_int ? (double) key->integer : key->number;
        guint64 bits;

        if (number == 0)
          number = 0;   /* -0 is 0 */
        memcpy (&bits, &number, sizeof bits);
        return bits >> 63 ? ~bits : bits | G_GUINT64_CONSTANT (0x8000000000000000);
      }
    case SYNCOBJ_VIEW_CLASS_STRING:
      return text_bits (key->string, key->length);
    case SYNCOBJ_VIEW_CLASS_NULL:
    case SYNCOBJ_VIEW_CLASS_OTHER:
    case SYNCOBJ_VIEW_CLASS_MISSING:
    default:
      return 0;
    }
}

/* Where @entry sorts by its sort key @key (its key itself past its sort
 * keys), as _syncobj_view_entry_compare() orders entries: missing
 * members last in either direction, then by class, then by value. */
static void
key_rank (SyncobjView            *self,
          const SyncobjViewEntry *entry,
          guint                   key,
          guint                  *rank,
          guint64                *bits)
{
  const SyncobjViewScalar *value;

  if (key >= entry->n_sort_keys)
    {
      *rank = entry->key_is_int ? 0 : 1;
      *bits = entry->key_is_int ? (guint64) entry->key_int ^ G_GUINT64_CONSTANT (0x8000000000000000)
                                : text_bits (entry->key, strlen (entry->key));
      return;
    }

  value = &entry->sort_keys[key];
  if (value->class == SYNCOBJ_VIEW_CLASS_MISSING)
    {
      *rank = SYNCOBJ_VIEW_CLASS_MISSING + 1;
      *bits = 0;
    }
  else if (g_array_index (self->sort, SyncobjSortMember, key).descending)
    {
      *rank = SYNCOBJ_VIEW_CLASS_OTHER - value->class;
      *bits = ~scalar_bits (value);
    }
  else
    {
      *rank = value->class;
      *bits = scalar_bits (value);
    }
}

/* Where @entry sorts by its first sort key (or, without a sort, its key). */
void
_syncobj_view_entry_set_rank (SyncobjView      *self,
                              SyncobjViewEntry *entry)
{
  key_rank (self, entry, 0, &entry->sort_rank, &entry->sort_bits);
}

int
_syncobj_view_entry_compare (gconstpointer a,
                             gconstpointer b,
                             gpointer      data)
{
  const SyncobjViewEntry *x = a, *y = b;
  SyncobjView *self = data;

  if (x->n_sort_keys == y->n_sort_keys)
    {
      if (x->sort_rank != y->sort_rank)
        return x->sort_rank < y->sort_rank ? -1 : 1;
      if (x->sort_bits != y->sort_bits)
        return x->sort_bits < y->sort_bits ? -1 : 1;
    }

  for (guint i = 0; i < x->n_sort_keys && i < y->n_sort_keys; i++)
    {
      const SyncobjViewScalar *u = &x->sort_keys[i], *v = &y->sort_keys[i];
      gboolean u_missing = u->class == SYNCOBJ_VIEW_CLASS_MISSING;
      gboolean v_missing = v->class == SYNCOBJ_VIEW_CLASS_MISSING;
      int c;

      if (u_missing || v_missing)
        {
          if (u_missing == v_missing)
            continue;
          return u_missing ? 1 : -1;   /* missing last, either direction */
        }

      c = _syncobj_view_compare_scalars (u, v);
      if (c != 0)
        return g_array_index (self->sort, SyncobjSortMember, i).descending ? -c : c;
    }

  if (x->key_is_int != y->key_is_int)
    return x->key_is_int ? -1 : 1;
  if (x->key_is_int)
    return (x->key_int > y->key_int) - (x->key_int < y->key_int);
  return strcmp (x->key, y->key);
}

/* An entry to sort with where it sorts, side by side in one array: most
 * comparisons of a build need not read the entries. */
typedef struct
{
  guint             rank;
  guint64           bits;
  SyncobjViewEntry *entry;
} SortSlot;

static int
slot_compare (gconstpointer a,
              gconstpointer b,
              gpointer      data)
{
  const SortSlot *x = a, *y = b;

  if (x->rank != y->rank)
    return x->rank < y->rank ? -1 : 1;
  if (x->bits != y->bits)
    return x->bits < y->bits ? -1 : 1;
  return _syncobj_view_entry_compare (x->entry, y->entry, data);
}

static inline guint
slot_byte (const SortSlot *slot,
           guint           b)
{
  return b < 8 ? (guint) ((slot->bits >> (8 * b)) & 0xff) : MIN (slot->rank, 255u);
}

/* The string @entry sorts by at sort member @key, if it is one: its sort
 * key's, or past the sort members its key (unless an integer one). */
static gboolean
entry_sort_string (SyncobjView            *self,
                   const SyncobjViewEntry *entry,
                   guint                   key,
                   const char            **string,
                   gsize                  *length)
{
  if (key >= self->sort->len)
    {
      if (entry->key_is_int)
        return FALSE;
      *string = entry->key;
      *length = strlen (entry->key);
      return TRUE;
    }
  if (key >= entry->n_sort_keys || entry->sort_keys[key].class != SYNCOBJ_VIEW_CLASS_STRING)
    return FALSE;
  *string = entry->sort_keys[key].string;
  *length = entry->sort_keys[key].length;
  return TRUE;
}

/* Gives the @n slots, whose strings at sort key @key share their first
 * 8 × @level bytes, the next 8 bytes as their bits. FALSE (the slots
 * unchanged) when they do not all sort by a string there or none is that
 * long. */
static gboolean
slots_deepen (SyncobjView *self,
              SortSlot    *slots,
              guint        n,
              guint        key,
              guint        level)
{
  gboolean descending = key < self->sort->len && g_array_index (self->sort, SyncobjSortMember, key).descending;
  gsize skip = (gsize) level * 8;
  gboolean longer = FALSE;
  const char *string;
  gsize length;

  for (guint i = 0; i < n; i++)
    {
      if (!entry_sort_string (self, slots[i].entry, key, &string, &length))
        return FALSE;
      longer |= length > skip;
    }
  if (!longer)
    return FALSE;

  for (guint i = 0; i < n; i++)
    {
      guint64 bits;

      entry_sort_string (self, slots[i].entry, key, &string, &length);
      bits = length > skip ? text_bits (string + skip, length - skip) : 0;
      slots[i].bits = descending ? ~bits : bits;
    }
  return TRUE;
}

/* Gives the @n slots, equal at sort key @key, the rank and bits of their
 * next sort key (or of their key, past the last): a first sort member of
 * a few values (a priority, a flag) leaves long runs that the next member
 * sorts. FALSE (the slots unchanged) unless every one has every sort key
 * and all are equal at @key in full. */
static gboolean
slots_next_key (SyncobjView *self,
                SortSlot    *slots,
                guint        n,
                guint        key)
{
  const SyncobjViewEntry *first = slots[0].entry;

  if (key >= self->sort->len)
    return FALSE;   /* keys differ */
  for (guint i = 0; i < n; i++)
    {
      const SyncobjViewEntry *entry = slots[i].entry;
      const SyncobjViewScalar *u, *v;

      if (entry->n_sort_keys != self->sort->len)
        return FALSE;
      u = &entry->sort_keys[key];
      v = &first->sort_keys[key];
      if ((u->class == SYNCOBJ_VIEW_CLASS_MISSING) != (v->class == SYNCOBJ_VIEW_CLASS_MISSING) ||
          (u->class != SYNCOBJ_VIEW_CLASS_MISSING && _syncobj_view_compare_scalars (u, v) != 0))
        return FALSE;
    }
  for (guint i = 0; i < n; i++)
    key_rank (self, slots[i].entry, key + 1, &slots[i].rank, &slots[i].bits);
  return TRUE;
}

/* A stable radix sort of @slots on their rank and bits, least significant
 * byte first, that skips the bytes every slot shares (the rank, the
 * beginning common to the strings); @other has room for @n. */
static void
slots_radix_sort (SortSlot *slots,
                  guint     n,
                  SortSlot *other)
{
  guint counts[9 * 256] = { 0 };
  SortSlot *from = slots, *to = other;

  for (guint i = 0; i < n; i++)
    for (guint b = 0; b < 9; b++)
      counts[b * 256 + slot_byte (&slots[i], b)]++;

  for (guint b = 0; b < 9; b++)
    {
      guint *count = &counts[b * 256];
      guint sum = 0;
      SortSlot *swap;

      if (count[slot_byte (&from[0], b)] == n)
        continue;
      for (guint v = 0; v < 256; v++)
        {
          guint c = count[v];

          count[v] = sum;
          sum += c;
        }
      for (guint i = 0; i < n; i++)
        to[count[slot_byte (&from[i], b)]++] = from[i];
      swap = from;
      from = to;
      to = swap;
    }
  if (from != slots)
    memcpy (slots, from, n * sizeof *slots);
}

/* A part of the slots to sort: equal before their sort key @key, whose
 * strings share their first 8 × @level bytes. */
typedef struct
{
  guint start;
  guint n;
  guint key;
  guint level;
} SortRun;

/* Runs shorter than this are sorted by comparisons. */
#define RADIX_MIN 64
/* Runs of equal bits at least this long look at the next 8 bytes of
 * their strings before being compared in full. */
#define DEEPEN_MIN 8

/* Sorts @slots as slot_compare() orders them: a radix sort on the rank
 * and the bits, then, within each run of equal ones, on the next 8
 * bytes of their strings, and so on, then on the next sort key; short
 * runs are compared in full. */
static void
slots_sort (SortSlot    *slots,
            guint        n,
            SyncobjView *self)
{
  g_autoptr(GArray) runs = g_array_new (FALSE, FALSE, sizeof (SortRun));
  g_autofree SortSlot *other = n >= RADIX_MIN ? g_new (SortSlot, n) : NULL;
  SortRun run = { 0, n, 0, 0 };

  /* A stack of runs instead of recursion: strings may be long. */
  g_array_append_val (runs, run);
  while (runs->len > 0)
    {
      SortSlot *part;
      guint start;

      run = g_array_index (runs, SortRun, runs->len - 1);
      g_array_set_size (runs, runs->len - 1);
      part = slots + run.start;
      if (run.n < RADIX_MIN)
        {
          g_qsort_with_data (part, (gint) run.n, sizeof *part, slot_compare, self);
          continue;
        }

      slots_radix_sort (part, run.n, other);
      for (start = 0; start < run.n;)
        {
          guint end = start + 1;

          while (end < run.n && part[end].rank == part[start].rank && part[end].bits == part[start].bits)
            end++;
          if (end - start >= DEEPEN_MIN && slots_deepen (self, part + start, end - start, run.key, run.level + 1))
            {
              SortRun deeper = { run.start + start, end - start, run.key, run.level + 1 };

              g_array_append_val (runs, deeper);
            }
          else if (end - start >= DEEPEN_MIN && slots_next_key (self, part + start, end - start, run.key))
            {
              SortRun next = { run.start + start, end - start, run.key + 1, 0 };

              g_array_append_val (runs, next);
            }
          else if (end - start > 1)
            g_qsort_with_data (part + start, (gint) (end - start), sizeof *part, slot_compare, self);
          start = end;
        }
    }
}

/* A part of the slots, sorted on a thread of its own. */
typedef struct
{
  SyncobjView *view;
  SortSlot    *slots;
  guint        n;
} SortPart;

static gpointer
sort_part (gpointer data)
{
  SortPart *part = data;

  slots_sort (part->slots, part->n, part->view);
  return NULL;
}

static inline gboolean
slot_key_less (const SortSlot *x,
               const SortSlot *y)
{
  return x->rank != y->rank ? x->rank < y->rank : x->bits < y->bits;
}

/* Moves the @n slots whose rank and bits are below a pivot, the median of
 * a sample, before the others, and returns how many there are: every
 * slot of the first part sorts before every slot of the second, as slots
 * of equal rank and bits are all in the second. */
static guint
slots_partition (SortSlot *slots,
                 guint     n)
{
  SortSlot sample[63], pivot, swap;
  guint lo = 0, hi = n;

  for (guint i = 0; i < G_N_ELEMENTS (sample); i++)
    {
      guint j = i;

      pivot = slots[(gsize) i * n / G_N_ELEMENTS (sample)];
      for (; j > 0 && slot_key_less (&pivot, &sample[j - 1]); j--)
        sample[j] = sample[j - 1];
      sample[j] = pivot;
    }
  pivot = sample[G_N_ELEMENTS (sample) / 2];

  while (lo < hi)
    {
      if (slot_key_less (&slots[lo], &pivot))
        lo++;
      else
        {
          hi--;
          swap = slots[lo];
          slots[lo] = slots[hi];
          slots[hi] = swap;
        }
    }
  return lo;
}

void
_syncobj_view_sort_entries (SyncobjView       *self,
                            SyncobjViewEntry **entries,
                            guint              n)
{
  g_autofree SortSlot *slots = g_new (SortSlot, MAX (n, 1));
  SortPart parts[2] = { { self, slots, n }, { self, slots, 0 } };

  for (guint i = 0; i < n; i++)
    slots[i] = (SortSlot) { entries[i]->sort_rank, entries[i]->sort_bits, entries[i] };

  /* Many entries: split in two by where they sort, each part sorted on
   * its own thread; the parts follow each other. */
  if (_syncobj_view_build_in_parallel (n))
    {
      parts[0].n = slots_partition (slots, n);
      parts[1].slots = slots + parts[0].n;
      parts[1].n = n - parts[0].n;
    }
  if (parts[0].n > 0 && parts[1].n > 0)
    _syncobj_view_run_two (sort_part, &parts[0], &parts[1]);
  else
    sort_part (parts[0].n > 0 ? &parts[0] : &parts[1]);

  for (guint i = 0; i < n; i++)
    entries[i] = slots[i].entry;
}
