#!/usr/bin/env bash
# Board facts for RUBIK Pi Studio, as key=value lines. Read-only, fast, needs no root and no extra packages.
# Detect everything; assume nothing (architecture, paths, OpenCL location).
set -u
# The setup's helpers and its one apt list (remote/lib.sh): core.probe sends lib.sh ahead of this script on
# the same stdin; run as a file, this sources it.
if ! declare -F rps_missing_packages >/dev/null; then
  # shellcheck source=remote/lib.sh
  source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fi
kv() { printf '%s=%s\n' "$1" "${2//$'\n'/ }"; }

if [ -r /etc/os-release ]; then
  # shellcheck disable=SC1091
  . /etc/os-release
  kv os_id "${ID:-}"
  kv os_version "${VERSION_ID:-}"
  kv os_name "${PRETTY_NAME:-}"
fi
kv arch "$(uname -m)"
kv kernel "$(uname -r)"
kv hostname "$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)"
kv model "$(tr -d '\0' 2>/dev/null </proc/device-tree/model || true)"
kv cpu_cores "$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc)"
kv mem_total_kb "$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)"
kv mem_available_kb "$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)"
kv swap_total_kb "$(awk '/^SwapTotal:/ {print $2}' /proc/meminfo)"
kv home "$HOME"
kv disk_free_kb "$(df -Pk "$HOME" | awk 'NR==2 {print $4}')"
kv disk_total_kb "$(df -Pk "$HOME" | awk 'NR==2 {print $2}')"
kv clock_epoch "$(date +%s)"

# GPU: the Qualcomm KGSL driver exposes /dev/kgsl-3d0 and /sys/class/kgsl; Freedreno (Ubuntu Desktop) does not.
kv kgsl_device "$([ -e /dev/kgsl-3d0 ] && echo yes || echo no)"
kv gpu_model "$(cat /sys/class/kgsl/kgsl-3d0/gpu_model 2>/dev/null || true)"
kv adreno_pkg "$(dpkg-query -W -f='${Status} ${Version}' qcom-adreno1 2>/dev/null | sed -n 's/^install ok installed //p')"
kv desktop_pkg "$(dpkg-query -W -f='${Status}' ubuntu-desktop 2>/dev/null | grep -q 'install ok installed' && echo yes || echo no)"
ocl=""
if command -v ldconfig >/dev/null 2>&1 || [ -x /sbin/ldconfig ]; then
  ocl=$( { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | awk '/libOpenCL\.so/ {print $NF; exit}')
fi
kv opencl_lib "$ocl"
kv opencl_icds "$(ls /etc/OpenCL/vendors 2>/dev/null | tr '\n' ' ')"

# llama.cpp: the manual's layout (~/dev/llm/llama.cpp/build/bin) or anything on PATH.
bin=""
for d in "$HOME/dev/llm/llama.cpp/build/bin" "$HOME/dev/llm/llama.cpp/build-current/bin"; do
  if [ -x "$d/llama-server" ]; then bin=$d; break; fi
done
if [ -z "$bin" ] && command -v llama-server >/dev/null 2>&1; then
  bin=$(dirname "$(command -v llama-server)")
fi
kv llama_bin "$bin"
if [ -n "$bin" ]; then
  kv llama_version "$("$bin/llama-server" --version 2>&1 | grep -m1 '^version:' || true)"
fi
kv llama_src "$([ -d "$RPS_LLAMA_SRC/.git" ] && echo yes || echo no)"
kv scripts_version "$(cat "$HOME/.local/share/rubikpi-studio/remote/VERSION" 2>/dev/null || true)"

if sudo -n true 2>/dev/null; then kv sudo nopasswd
elif command -v sudo >/dev/null 2>&1; then kv sudo password
else kv sudo missing
fi
kv systemd "$([ -d /run/systemd/system ] && echo yes || echo no)"

# What the setup would install or build: the apt packages it needs (wanted) and those dpkg lacks (missing),
# the build it would make (opencl|cpu) and the OpenCL headers and loader that build would use.
kv gpu_build "$([[ $(rps_gpu_choice) == on ]] && echo opencl || echo cpu)"
if command -v dpkg-query >/dev/null 2>&1; then
  kv dpkg yes
  kv apt_wanted "$(rps_wanted_packages | tr '\n' ' ')"
  kv apt_missing "$(rps_missing_packages | tr '\n' ' ')"
else
  kv dpkg no
fi
kv opencl_include "$(rps_opencl_include)"
kv opencl_loader "$(rps_opencl_library)"
