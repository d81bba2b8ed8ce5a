/* fuzz-common.h: what every fuzz target of libsyncobj shares
 *
 * Each target is one LLVMFuzzerTestOneInput(). Built with clang and
 * -fsanitize=fuzzer (meson option "fuzzing", see tests/fuzz/run) it is a
 * libFuzzer binary; built normally it is linked with replay.c and replays
 * its committed corpus (tests/fuzz/corpus/TARGET/) as a plain meson test,
 * so every input that once crashed stays a regression test.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <syncobj.h>

G_BEGIN_DECLS

int  LLVMFuzzerTestOneInput (const guint8 *data,
                             size_t        size);

/* Makes g_warning() and g_critical() abort, so that a broken precondition
 * counts as a crash; sets the virtual clock up. Call from every input (it
 * does the work once). */
void fuzz_init (void);

/* A ready test collection with two records, "a" and "b", and an update of
 * "a" still in flight: hostile input must not disturb either. */
SyncobjCollection *fuzz_collection_new  (SyncobjSyncControl **control);

/* Lets every transaction finish, checks that the collection still works
 * (the update in flight completed, a new insert goes through) and drops
 * the collection and the registry's record of finished transactions, so
 * that memory stays flat over millions of inputs. */
void               fuzz_collection_free (SyncobjCollection   *collection,
                                         SyncobjSyncControl  *control);

/* Aborts unless @object survives a trip through JSON text unchanged:
 * whatever libsyncobj accepts, it must be able to store and send. */
void               fuzz_assert_round_trip (JsonObject *object);

G_END_DECLS
