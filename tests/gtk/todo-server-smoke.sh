#!/bin/bash
# Runs the to-do example against the demo server: starts
# syncobj-demo-server on a free port with a fresh database, runs
# `todo-gtk --server URL --self-test` under Xvfb, stops the server, and
# runs it again with --offline-start: the to-do of the first run must be
# shown from the default store (in a fresh XDG_DATA_HOME) with the server
# down. Screenshots go to $SYNCOBJ_TEST_ARTEFACT_DIR when it is set.
#
#   todo-server-smoke.sh DEMO_SERVER TODO_GTK [ARGS…]
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -uo pipefail

server=$1
app=$2
shift 2

if ! command -v xvfb-run >/dev/null 2>&1; then
  echo "xvfb-run not found: skipping" >&2
  exit 77
fi

server_pid=""
workdir=$(mktemp -d)
trap '[[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$workdir"' EXIT

mkfifo "$workdir/out"
"$server" --port 0 --db "$workdir/demo.db" >"$workdir/out" &
server_pid=$!

# The server's first line is "PORT N"; wait for it, 10 s at most.
exec 3<"$workdir/out"
if ! read -r -t 10 word port <&3 || [[ $word != PORT ]]; then
  echo "the demo server did not start" >&2
  exit 1
fi
# Keep draining what the server prints so that it never blocks on a full pipe.
cat <&3 >/dev/null &

export XDG_DATA_HOME="$workdir/data"
shots=()
offline_shots=()
if [[ -n ${SYNCOBJ_TEST_ARTEFACT_DIR:-} ]]; then
  shots=(--screenshot "$SYNCOBJ_TEST_ARTEFACT_DIR/todo-gtk-server.png")
  offline_shots=(--screenshot "$SYNCOBJ_TEST_ARTEFACT_DIR/todo-gtk-offline-start.png")
fi

"$(dirname "$0")/run-under-xvfb.sh" "$app" --server "http://127.0.0.1:$port" "$@" "${shots[@]}" || exit $?

kill "$server_pid"
wait "$server_pid" 2>/dev/null
server_pid=""
"$(dirname "$0")/run-under-xvfb.sh" "$app" --server "http://127.0.0.1:$port" "$@" --offline-start "${offline_shots[@]}"
