# tests/deps.sh: the Debian 12 packages libsyncobj needs to build, test and
# run its demo, and a function that installs the missing ones.
# Sourced by tests/run-all and examples/run-demo.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

SYNCOBJ_DEBIAN_PACKAGES=(
  gcc libc6-dev meson ninja-build pkg-config
  libglib2.0-dev libsoup-3.0-dev libjson-glib-dev libgda-5.0-dev libsqlite3-dev
  gobject-introspection libgirepository1.0-dev gir1.2-json-1.0 gir1.2-soup-3.0
  python3 python3-gi python3-pytest gjs
  libgtk-4-dev gir1.2-gtk-4.0 libadwaita-1-dev xvfb xauth
  gettext gi-docgen valgrind clang libclang-rt-14-dev valac
)

# Installs whichever of SYNCOBJ_DEBIAN_PACKAGES are missing, with apt-get,
# as root or through sudo. Does nothing when all are installed.
syncobj_install_deps () {
  local missing=() pkg status
  for pkg in "${SYNCOBJ_DEBIAN_PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    if [[ "$status" != "install ok installed" ]]; then
      missing+=("$pkg")
    fi
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    return 0
  fi

  echo "Installing missing packages: ${missing[*]}" >&2
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    if ! command -v sudo >/dev/null; then
      echo "error: not root and no sudo; install these packages: ${missing[*]}" >&2
      return 1
    fi
    sudo=(sudo)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
}

# json-server, a REST server nobody here wrote, for tests against a real
# third-party API (integer ids assigned on POST). Pinned: its 1.0 betas use
# string ids. pouchdb-server, for tests against the CouchDB replication
# protocol (_changes, _all_docs, _bulk_docs, _rev, 409 conflicts), runs
# --in-memory or on a --dir. Both are installed from the npm registry with
# the machine's own Node.js and npm (not Debian's npm package) into a cache
# directory shared by every checkout.
SYNCOBJ_JSON_SERVER_VERSION=0.17.4
SYNCOBJ_POUCHDB_SERVER_VERSION=4.2.0
SYNCOBJ_NPM_CACHE=${SYNCOBJ_NPM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/libsyncobj/npm}
SYNCOBJ_JSON_SERVER_DIR="$SYNCOBJ_NPM_CACHE/json-server-$SYNCOBJ_JSON_SERVER_VERSION"
SYNCOBJ_POUCHDB_SERVER_DIR="$SYNCOBJ_NPM_CACHE/pouchdb-server-$SYNCOBJ_POUCHDB_SERVER_VERSION"

# Installs the npm package $1 at version $2 into directory $3 unless it is
# there; prints the path of its program $1. Without node and npm, or when
# the install fails (within 5 minutes), says so and returns 1: the tests
# that need it then skip.
syncobj_install_npm_program () {
  local name="$1" version="$2" dir="$3"
  local program="$dir/node_modules/.bin/$name"
  local staging

  if [[ ! -x "$program" ]]; then
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
      echo "warning: no node or npm: tests against $name will skip" >&2
      return 1
    fi
    echo "Installing $name@$version into $dir" >&2
    mkdir -p "$SYNCOBJ_NPM_CACHE" || return 1
    # Into a staging directory first: an interrupted install is never taken
    # for a complete one.
    staging=$(mktemp -d "$SYNCOBJ_NPM_CACHE/.$name-XXXXXX") || return 1
    if ! timeout 300 npm install --prefix "$staging" --no-save --no-package-lock \
           --no-audit --no-fund --loglevel=error \
           "$name@$version" </dev/null >&2 ||
       ! mv -T "$staging" "$dir" 2>/dev/null; then
      rm -rf "$staging"
      if [[ ! -x "$program" ]]; then
        echo "warning: could not install $name: tests against it will skip" >&2
        return 1
      fi
    fi
  fi
  echo "$program"
}

# Installs json-server $SYNCOBJ_JSON_SERVER_VERSION and pouchdb-server
# $SYNCOBJ_POUCHDB_SERVER_VERSION unless they are there, and exports
# SYNCOBJ_JSON_SERVER and SYNCOBJ_POUCHDB_SERVER (their programs) for the
# tests. Returns 1 when either could not be installed.
syncobj_install_npm_servers () {
  local program status=0

  if program=$(syncobj_install_npm_program json-server "$SYNCOBJ_JSON_SERVER_VERSION" \
                 "$SYNCOBJ_JSON_SERVER_DIR"); then
    export SYNCOBJ_JSON_SERVER="$program"
  else
    status=1
  fi
  if program=$(syncobj_install_npm_program pouchdb-server "$SYNCOBJ_POUCHDB_SERVER_VERSION" \
                 "$SYNCOBJ_POUCHDB_SERVER_DIR"); then
    export SYNCOBJ_POUCHDB_SERVER="$program"
  else
    status=1
  fi
  return $status
}
