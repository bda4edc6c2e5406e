#!/usr/bin/env bash
# Check the board before anything is installed or built: clock, architecture, OS, disk, RAM, the source
# repositories, sudo and the GPU driver. Emits `info preflight key=value` facts; fails with
#   E_CLOCK (the clock is wrong: TLS, git and apt break), E_NO_SPACE (with how much is needed),
#   E_SOURCE_UNREACHABLE (a repository does not answer).
#
# Parameters (environment): RPS_LLM_DIR, RPS_LLAMA_REPO, RPS_LLAMA_REF, RPS_OPENCL_HEADERS_REPO,
#   RPS_OPENCL_LOADER_REPO, RPS_GPU=auto|on|off, RPS_NEED_DISK_MB (default: 4096 for a first build, 1536 for
#   an update), RPS_SKIP_NETWORK_CHECK=1, RPS_IGNORE_CLOCK=1.
set -euo pipefail
# shellcheck source=remote/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rps_banner preflight.sh

rps_step preflight Check the board
rps_info preflight scripts_version "$RPS_SCRIPTS_VERSION"

# --- clock: a wrong clock makes TLS certificates "not yet valid" and breaks git, apt and downloads -------
now=$(date +%s)
year=$(date +%Y)
# The newest file in /usr shows when the system was last updated; the clock cannot be far before it.
newest=$(find /usr/bin /usr/lib /usr/share -maxdepth 1 -printf '%T@\n' 2>/dev/null | sort -n | tail -n1)
newest=${newest%%.*}
rps_info preflight clock "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
clock_fix="fix it with 'sudo timedatectl set-ntp true' (needs network time), or set it by hand: sudo date -s '2026-01-31 12:00'"
if [[ ${RPS_IGNORE_CLOCK:-0} != 1 ]]; then
  if ((year < 2025)); then
    rps_fail preflight E_CLOCK "the board's clock says $(date -u '+%Y-%m-%d %H:%M') UTC; $clock_fix"
  fi
  if [[ -n $newest ]] && ((now + 86400 < newest)); then
    rps_fail preflight E_CLOCK "the board's clock ($(date -u '+%Y-%m-%d %H:%M') UTC) is behind files installed on \
$(date -u -d "@$newest" '+%Y-%m-%d'); $clock_fix"
  fi
fi

# --- machine ------------------------------------------------------------------------------------------
arch=$(uname -m)
rps_info preflight arch "$arch"
[[ $arch == aarch64 ]] || rps_warn preflight "this is $arch, not the RUBIK Pi's aarch64; building anyway"
os='unknown'
if [[ -r /etc/os-release ]]; then
  os=$(. /etc/os-release && printf '%s' "${PRETTY_NAME:-$NAME $VERSION_ID}")
fi
rps_info preflight os "$os"
rps_info preflight kernel "$(uname -r)"
rps_info preflight cpus "$(nproc)"
mem_total=$(rps_mem_total_mb)
rps_info preflight ram_mb "$mem_total"
rps_info preflight ram_available_mb "$(rps_mem_available_mb)"
rps_info preflight swap_mb "$(rps_swap_total_mb)"
((mem_total >= 1800)) || rps_warn preflight "only $mem_total MB RAM: the build will be slow and use a swap file"

# --- disk ----------------------------------------------------------------------------------------------
if [[ -d $RPS_LLAMA_SRC/.git ]]; then need=${RPS_NEED_DISK_MB:-1536}; else need=${RPS_NEED_DISK_MB:-4096}; fi
probe=$RPS_LLM_DIR
while [[ ! -d $probe ]]; do probe=$(dirname "$probe"); done
free=$(rps_disk_free_mb "$probe")
rps_info preflight disk_free_mb "$free"
rps_info preflight disk_needed_mb "$need"
if ((free < need)); then
  rps_fail preflight E_NO_SPACE "need $need MB free in $probe, have $free MB: free at least $((need - free)) MB"
fi

# --- sudo ----------------------------------------------------------------------------------------------
rps_info preflight sudo "$(rps_sudo_mode)"

# --- GPU / OpenCL --------------------------------------------------------------------------------------
if [[ -e /dev/kgsl-3d0 ]]; then rps_info preflight kgsl yes; else rps_info preflight kgsl no; fi
adreno_pkg=$(dpkg-query -W -f='${db:Status-Abbrev}${Version}' qcom-adreno1 2>/dev/null || true)
if [[ $adreno_pkg == ii* ]]; then
  rps_info preflight qcom_adreno1 "${adreno_pkg#ii }"
else
  rps_info preflight qcom_adreno1 no
fi
if rps_have clinfo; then
  while IFS= read -r line; do
    [[ -n $line ]] && rps_info preflight opencl_platform "$line"
  done < <(clinfo -l 2>/dev/null | sed -n 's/^Platform #[0-9]*: //p')
fi
cl_lib=$(rps_opencl_library)
rps_info preflight opencl_library "${cl_lib:-none}"
# The zap-firmware race (rubikpi-ai/linux#20): KGSL never initialises and OpenCL sees no platform.
klog=$( { dmesg 2>/dev/null || journalctl -k -b --no-pager 2>/dev/null || true; } |
  grep -i 'zap.mbn.*failed' | tail -n1 || true)
if [[ -n $klog ]]; then
  rps_warn preflight "kernel log: $klog — the Adreno KGSL driver did not start (known boot-order issue \
rubikpi-ai/linux#20); update the kernel (sudo apt update && sudo apt full-upgrade) and reboot"
fi
# Freedreno: Ubuntu Desktop's packages, or the open DRM driver (msm) bound to the GPU without KGSL.
desktop=no
drm_driver=$(basename "$(readlink -f /sys/class/drm/card0/device/driver 2>/dev/null || echo none)")
if dpkg-query -W -f='${db:Status-Abbrev}' ubuntu-desktop gdm3 2>/dev/null | grep -q '^ii' ||
  [[ ! -e /dev/kgsl-3d0 && $drm_driver == *msm* ]]; then
  desktop=yes
fi
rps_info preflight drm_driver "$drm_driver"
gpu_reason=$(rps_adreno_gpu) && gpu_ok=yes || gpu_ok=no
rps_info preflight gpu_reason "$gpu_reason"
if [[ $gpu_ok == no && $desktop == yes ]]; then
  rps_warn preflight "Ubuntu Desktop uses the open Freedreno GPU driver, which has no OpenCL; llama.cpp can \
use the Adreno GPU only with Qualcomm's driver from the server image. To switch: sudo apt-get install \
qcom-adreno1; sudo apt-get remove ubuntu-desktop; sudo apt remove gdm3; sudo reboot"
fi
choice=$(rps_gpu_choice)
if [[ $choice == on && $gpu_ok == no ]]; then
  rps_warn preflight "building with OpenCL as asked (RPS_GPU=on), but $gpu_reason: it will run on the CPU"
elif [[ $choice == off && $gpu_ok == no ]]; then
  rps_warn preflight "building for the CPU: $gpu_reason"
fi
rps_info preflight build "$([[ $choice == on ]] && echo opencl || echo cpu)"

# --- network to the sources (only those still needed) --------------------------------------------------
check_repo() {
  local url=$1
  echo "checking $url"
  if ! timeout 60 git ls-remote --quiet "$url" HEAD >/dev/null 2>&1; then
    rps_fail preflight E_SOURCE_UNREACHABLE "cannot reach $url (network, DNS, proxy or the board's clock?)"
  fi
}
if [[ ${RPS_SKIP_NETWORK_CHECK:-0} != 1 ]]; then
  if ! git -C "$RPS_LLAMA_SRC" rev-parse -q --verify "$RPS_LLAMA_REF^{commit}" >/dev/null 2>&1; then
    check_repo "$RPS_LLAMA_REPO"
  fi
  if [[ $choice == on && -z $(rps_opencl_include) ]]; then check_repo "$RPS_OPENCL_HEADERS_REPO"; fi
  if [[ $choice == on && -z $cl_lib ]]; then check_repo "$RPS_OPENCL_LOADER_REPO"; fi
fi
rps_done preflight
