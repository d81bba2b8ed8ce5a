#!/bin/sh
# run-test.sh SOURCE_ROOT WORK_DIR: builds tests/subproject/ with the
# libsyncobj of SOURCE_ROOT as its subproject, in WORK_DIR, and runs its
# test. Exits non-zero when any step fails.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu

source_root=$(cd "$1" && pwd)
work=$2

rm -rf "$work"
mkdir -p "$work/subprojects"
cp "$source_root/tests/subproject/meson.build" \
   "$source_root/tests/subproject/subproject-app.c" \
   "$source_root/tests/subproject/subproject-gtk-app.c" \
   "$source_root/tests/subproject/subproject-vala-app.vala" "$work/"
ln -s "$source_root" "$work/subprojects/libsyncobj"

# --force-fallback-for: an installed libsyncobj must not be used instead.
# An unoptimised build is enough and compiles fastest.
meson setup "$work/_build" "$work" --buildtype=plain \
  --force-fallback-for=syncobj-1,syncobj-gtk-1
meson compile -C "$work/_build"
meson test -C "$work/_build" --print-errorlogs
