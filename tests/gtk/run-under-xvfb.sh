#!/bin/sh
# Runs a GTK test on a private X server; exit code 77 (skipped) when
# xvfb-run is not installed.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

if ! command -v xvfb-run >/dev/null 2>&1; then
  echo "xvfb-run not found: skipping $1" >&2
  exit 77
fi
exec xvfb-run -a -s "-screen 0 1920x1080x24 -nolisten tcp" "$@"
