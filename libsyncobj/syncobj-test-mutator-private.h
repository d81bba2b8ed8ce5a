/* syncobj-test-mutator-private.h: the server side of the test harness
 * (syncobj-test-mutator.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "syncobj-private.h"

G_BEGIN_DECLS

/* The server side of the harness: a mutator answering after a delay. */
#define SYNCOBJ_TYPE_TEST_MUTATOR (syncobj_test_mutator_get_type ())
G_DECLARE_FINAL_TYPE (SyncobjTestMutator, syncobj_test_mutator, SYNCOBJ, TEST_MUTATOR, SyncobjMutator)

/* A mutator playing the server as @control (weak) says. */
SyncobjMutator *_syncobj_test_mutator_new (SyncobjSyncControl *control);

G_END_DECLS
