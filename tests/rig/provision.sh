#!/usr/bin/env bash
# Prepare this machine for the board rig and the GUI tests. Run as root; idempotent: installs only what is
# missing (apt-get update only then) and creates the long-lived board account `rpsboard` if it is not there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" -ne 0 ]; then
  echo "provision.sh: run as root (or through sudo)" >&2
  exit 1
fi

packages=(
  # the board: OpenSSH server + client, sudo, tools the rig and the remote scripts use
  openssh-server openssh-client sudo procps psmisc iproute2 util-linux passwd
  # GUI tests: Xvfb and the libraries Qt's xcb platform plugin loads (without icccm4/keysyms1 Qt on Xvfb fails
  # with a message that wrongly blames xcb-cursor0), GL/EGL, fonts incl. CJK
  xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0 libxcb-xinerama0 libxcb-randr0
  libxcb-render-util0 libxcb-image0 libxcb-shape0 libegl1 libgl1 libfontconfig1 libdbus-1-3 fonts-wqy-microhei
  # keyring tests: a private D-Bus session with gnome-keyring's Secret Service
  gnome-keyring dbus dbus-x11
  # the llama.cpp build on the rig: compiler, cache, OpenCL against PoCL
  build-essential cmake ninja-build ccache git curl opencl-headers ocl-icd-opencl-dev pocl-opencl-icd clinfo
  # what remote/deps.sh asks for on a board (the manual's list): present, so the rig's setup needs no apt
  libcurl4-openssl-dev libssl-dev
  # dev.py creates a venv (Debian's python3 has no ensurepip without python3-venv)
  python3 python3-venv
)

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
  [ "${status:0:2}" = "ii" ] || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "provision.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "provision.sh: all ${#packages[@]} packages present"
fi

# The board account, so a later non-root run (with passwordless sudo for sshd) finds it.
python3 "$here/sshd.py" provision
