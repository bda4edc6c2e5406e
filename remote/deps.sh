#!/usr/bin/env bash
# Install the apt packages the build needs — only those missing (checked with dpkg-query); when none are
# missing no sudo is asked. When sudo wants a password it is read once from RPS_SUDO_FD (default stdin).
# Fails with E_SUDO (no/wrong password) or E_APT (apt-get failed).
#
# Parameters (environment): RPS_APT_PACKAGES (space-separated; default below, the manual's list plus
#   git, build-essential, ccache, libssl-dev, python3), RPS_GPU=auto|on|off (on adds clinfo),
#   RPS_SUDO_FD, RPS_APT_UPDATE=auto|always|never (auto: update before installing).
set -euo pipefail
# shellcheck source=remote/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rps_banner deps.sh

rps_step deps Install build dependencies
if ! rps_have dpkg-query || ! rps_have apt-get; then
  rps_fail deps E_APT "this system has no dpkg/apt; install $(rps_wanted_packages | tr '\n' ' ')by hand"
fi
mapfile -t missing < <(rps_missing_packages)
if ((${#missing[@]} == 0)); then
  rps_skip deps "all needed packages are installed"
  exit 0
fi
rps_info deps missing "${missing[*]}"
rps_sudo_init deps
export DEBIAN_FRONTEND=noninteractive
if [[ ${RPS_APT_UPDATE:-auto} != never ]]; then
  rps_progress deps 0.0 "apt-get update"
  rps_sudo apt-get update -q 2>&1 || rps_warn deps "apt-get update failed; trying the install anyway"
fi
if ! rps_sudo apt-get install -y -q --no-install-recommends -o APT::Status-Fd=1 -o Dpkg::Use-Pty=0 \
  "${missing[@]}" 2>&1 | rps_apt_progress deps; then
  rps_fail deps E_APT "apt-get install ${missing[*]} failed (see the log; 'sudo apt --fix-broken install' may help)"
fi
rps_done deps "installed ${missing[*]}"
