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
  libgtk-4-dev gir1.2-gtk-4.0 xvfb xauth
  gettext gi-docgen valgrind clang libclang-rt-14-dev
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
