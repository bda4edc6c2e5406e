# shellcheck shell=bash
# Shared helpers for RUBIK Pi Studio's remote scripts. Sourced, never run.
#
# Progress protocol (see DESIGN.md): one event per line, versioned, simple for bash to print:
#   @rps1 step <id> <title...>          a step begins
#   @rps1 progress <id> <0..1> <msg...> fraction of the current step
#   @rps1 done <id> [msg...]            a step finished
#   @rps1 skip <id> <why...>            a step found its work already done
#   @rps1 warn <id> <msg...>            something to read; work goes on
#   @rps1 info <id> <key>=<value>       a fact (version, device, path)
#   @rps1 failed <id> <E_CODE> <msg...> the step failed; the exit status is the truth
# Lines without the marker are log lines. Events go to stdout; tools' own output may go anywhere.

RPS_MARK='@rps1'

rps_event() {
  # Newlines inside a message would split the event; flatten them.
  local line="$RPS_MARK $*"
  printf '%s\n' "${line//$'\n'/ }"
}
rps_step() { rps_event step "$@"; }
rps_progress() { rps_event progress "$@"; }
# shellcheck disable=SC1010  # "done" here is an event kind, not the keyword
rps_done() { rps_event done "$@"; }
rps_skip() { rps_event skip "$@"; }
rps_warn() { rps_event warn "$@"; }
rps_info() { rps_event info "$1" "$2=$3"; }
rps_fail() {
  # rps_fail <step> <E_CODE> <message...>; exits 1
  rps_event failed "$@"
  exit 1
}

# ---------------------------------------------------------------------------------------------------------
# Helpers shared by the setup steps (preflight, deps, opencl, build, verify, path). Parameters come from the
# environment (RPS_*); every default is the manual's (reference/llama_cpp_rubikpi_manual.md).

RPS_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RPS_SCRIPTS_VERSION=$(cat "$RPS_LIB_DIR/VERSION" 2>/dev/null || echo 0.0.0)
export RPS_SCRIPTS_VERSION

: "${RPS_LLM_DIR:=$HOME/dev/llm}"
: "${RPS_LLAMA_REPO:=https://github.com/ggml-org/llama.cpp}"
: "${RPS_LLAMA_REF:=f6da8cb86a28f0319b40d9d2a957a26a7d875f8c}"
: "${RPS_OPENCL_HEADERS_REPO:=https://github.com/KhronosGroup/OpenCL-Headers}"
: "${RPS_OPENCL_HEADERS_REF:=5d52989617e7ca7b8bb83d7306525dc9f58cdd46}"
: "${RPS_OPENCL_LOADER_REPO:=https://github.com/KhronosGroup/OpenCL-ICD-Loader}"
: "${RPS_OPENCL_LOADER_REF:=02134b05bdff750217bf0c4c11a9b13b63957b04}"
: "${RPS_GPU:=auto}"            # auto | on | off: OpenCL (Adreno) build or CPU build
: "${RPS_STATE_DIR:=$HOME/.local/state/rubikpi-studio}"
export RPS_LLM_DIR RPS_LLAMA_REPO RPS_LLAMA_REF RPS_OPENCL_HEADERS_REPO RPS_OPENCL_HEADERS_REF \
  RPS_OPENCL_LOADER_REPO RPS_OPENCL_LOADER_REF RPS_GPU RPS_STATE_DIR

# shellcheck disable=SC2034  # used by the scripts that source this file
RPS_LLAMA_SRC="$RPS_LLM_DIR/llama.cpp"
RPS_OPENCL_PREFIX="$RPS_LLM_DIR/opencl"

rps_have() { command -v "$1" >/dev/null 2>&1; }

rps_banner() {
  # rps_banner <script-name>: one log line naming the script version, for the raw log.
  printf 'rubikpi-studio %s %s (scripts %s)\n' "$1" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$RPS_SCRIPTS_VERSION"
}

# --- sudo: the password (when sudo wants one) comes from the environment variable RPS_SUDO_PASSWORD (the
# job runner passes secrets as environment on its stdin; it is taken out of the environment here so no tool
# inherits it) or is read once from the file descriptor RPS_SUDO_FD (default stdin). It is fed to `sudo -S`
# through a pipe from the printf builtin: never in argv, never in the log.
RPS__SUDO_MODE=''   # root | nopasswd | password
RPS__SUDO_PW=${RPS_SUDO_PASSWORD:-}
unset RPS_SUDO_PASSWORD

rps_sudo_mode() {
  # Prints root | nopasswd | password | none (no sudo), without asking for anything.
  if [[ $(id -u) -eq 0 ]]; then echo root
  elif ! rps_have sudo; then echo none
  elif sudo -n true 2>/dev/null; then echo nopasswd
  else echo password
  fi
}

rps_sudo_init() {
  # rps_sudo_init <step>: make sure `rps_sudo` will work, reading the password if one is needed.
  local step=$1 fd=${RPS_SUDO_FD:-0}
  [[ -n $RPS__SUDO_MODE ]] && return 0
  RPS__SUDO_MODE=$(rps_sudo_mode)
  case $RPS__SUDO_MODE in
    root | nopasswd) return 0 ;;
    none) rps_fail "$step" E_SUDO "this step needs root, and sudo is not installed" ;;
  esac
  [[ $fd =~ ^[0-9]+$ ]] || rps_fail "$step" E_SUDO "RPS_SUDO_FD must be a file descriptor number"
  rps_sudo_read
  [[ -n $RPS__SUDO_PW ]] || rps_fail "$step" E_SUDO "sudo needs the password of $(id -un), and none was given"
  # -k: ignore a cached timestamp so a wrong password is found now, not in the middle of the work.
  if ! printf '%s\n' "$RPS__SUDO_PW" | sudo -S -k -p '' -v 2>/dev/null; then
    RPS__SUDO_PW=''
    rps_fail "$step" E_SUDO "sudo refused the password of $(id -un)"
  fi
}

rps_sudo_read() {
  # Read the password once from RPS_SUDO_FD (default stdin) unless it came in the environment. No check.
  local fd=${RPS_SUDO_FD:-0}
  [[ -n $RPS__SUDO_PW || ! $fd =~ ^[0-9]+$ ]] && return 0
  IFS= read -r -s -u "$fd" RPS__SUDO_PW || true
}

rps_sudo() {
  # rps_sudo <command...>: run as root. The password (if any) goes to sudo's stdin, so the command's own
  # stdin is that pipe, not the caller's: use it only for commands that read nothing.
  case $RPS__SUDO_MODE in
    root) "$@" ;;
    nopasswd) sudo -n -- "$@" ;;
    password) printf '%s\n' "$RPS__SUDO_PW" | sudo -S -p '' -- "$@" ;;
    *) echo "rps_sudo: call rps_sudo_init first" >&2; return 1 ;;
  esac
}

# --- facts about the machine ----------------------------------------------------------------------------
rps_multiarch() {
  # The multiarch library dir name (aarch64-linux-gnu, x86_64-linux-gnu, ...), detected, never assumed.
  local ma=''
  if rps_have dpkg-architecture; then ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || true); fi
  if [[ -z $ma ]] && rps_have gcc; then ma=$(gcc -print-multiarch 2>/dev/null || true); fi
  [[ -z $ma ]] && ma="$(uname -m)-linux-gnu"
  printf '%s\n' "$ma"
}

rps_opencl_library() {
  # Path of an OpenCL ICD loader library to link against, or nothing. Prefers the system's (on the board
  # that is qcom-adreno1's libOpenCL.so.1, which has no libOpenCL.so dev link), then the manual's build.
  local ma lib
  ma=$(rps_multiarch)
  for lib in "/usr/lib/$ma/libOpenCL.so" "/lib/$ma/libOpenCL.so" "/usr/lib/libOpenCL.so" \
    "/usr/lib/$ma/libOpenCL.so.1" "/lib/$ma/libOpenCL.so.1"; do
    if [[ -e $lib ]]; then printf '%s\n' "$lib"; return 0; fi
  done
  lib=$(ldconfig -p 2>/dev/null | awk '/libOpenCL\.so(\.1)? /{print $NF; exit}')
  if [[ -n $lib && -e $lib ]]; then printf '%s\n' "$lib"; return 0; fi
  if [[ -e $RPS_OPENCL_PREFIX/lib/libOpenCL.so ]]; then printf '%s\n' "$RPS_OPENCL_PREFIX/lib/libOpenCL.so"; fi
}

rps_opencl_include() {
  # Directory holding CL/cl.h, or nothing: the system's, then the manual's ~/dev/llm/opencl.
  if [[ -e /usr/include/CL/cl.h ]]; then echo /usr/include
  elif [[ -e $RPS_OPENCL_PREFIX/include/CL/cl.h ]]; then echo "$RPS_OPENCL_PREFIX/include"
  fi
}

rps_adreno_gpu() {
  # Exit 0 when Qualcomm's Adreno OpenCL stack is usable; prints the reason either way.
  if [[ ! -e /dev/kgsl-3d0 ]]; then
    echo "no /dev/kgsl-3d0 (the Qualcomm KGSL GPU driver is not running)"; return 1
  fi
  if ! dpkg-query -W -f='${db:Status-Abbrev}' qcom-adreno1 2>/dev/null | grep -q '^ii'; then
    echo "package qcom-adreno1 (Qualcomm's Adreno OpenCL driver) is not installed"; return 1
  fi
  if rps_have clinfo && ! clinfo -l 2>/dev/null | grep -qiE 'qualcomm|adreno'; then
    echo "clinfo lists no QUALCOMM/Adreno OpenCL platform"; return 1
  fi
  echo "Adreno GPU with Qualcomm OpenCL (qcom-adreno1, /dev/kgsl-3d0)"
}

rps_gpu_choice() {
  # Prints on|off: RPS_GPU=on/off forces; auto builds OpenCL only where the Adreno GPU can use it.
  case $RPS_GPU in
    on | off) echo "$RPS_GPU" ;;
    *) if rps_adreno_gpu >/dev/null; then echo on; else echo off; fi ;;
  esac
}

RPS_DEFAULT_APT_PACKAGES="cmake ninja-build git curl libcurl4-openssl-dev libssl-dev build-essential ccache python3"
RPS_MB_PER_JOB=1536

rps_wanted_packages() {
  # Prints the apt packages the setup needs, one a line: RPS_APT_PACKAGES (+ clinfo for an OpenCL build).
  # The one list: deps.sh installs from it and probe.sh reports it.
  local packages
  read -r -a packages <<<"${RPS_APT_PACKAGES:-$RPS_DEFAULT_APT_PACKAGES}"
  [[ $(rps_gpu_choice) == on ]] && packages+=(clinfo)
  printf '%s\n' "${packages[@]}"
}

rps_missing_packages() {
  # Prints the packages of rps_wanted_packages that dpkg does not have installed.
  local p
  while IFS= read -r p; do
    if ! dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii'; then printf '%s\n' "$p"; fi
  done < <(rps_wanted_packages)
}

rps_needs_swap() {
  # Exit 0 when the build should add a temporary swap file: under two jobs' worth of free RAM, little swap.
  [[ ${RPS_SWAP:-auto} != off ]] && (($(rps_mem_available_mb) < RPS_MB_PER_JOB * 2)) &&
    (($(rps_swap_total_mb) < 2048))
}

# RPS_MEMINFO: where the memory figures are read (default /proc/meminfo; tests point it at a small board's).
rps_mem_total_mb() { awk '/^MemTotal:/{print int($2/1024)}' "${RPS_MEMINFO:-/proc/meminfo}"; }
rps_mem_available_mb() { awk '/^MemAvailable:/{print int($2/1024)}' "${RPS_MEMINFO:-/proc/meminfo}"; }
rps_swap_total_mb() { awk '/^SwapTotal:/{print int($2/1024)}' "${RPS_MEMINFO:-/proc/meminfo}"; }
rps_disk_free_mb() { df -Pk "$1" | awk 'NR==2{print int($4/1024)}'; }

# --- tool output → events. Each reads the tool's output on stdin, passes every line through as log and
# prints events between them. Tested against recorded real output (tests/unit/test_remote_scripts.py). ------

rps_ninja_progress() {
  # rps_ninja_progress <step> [errfile]: `[n/m] ...` lines → progress events (at most one per percent).
  # For the failure report, errfile gets error-looking lines, and everything from ninja's first `FAILED:`
  # on (the failing command and the compiler's messages) except progress lines.
  local step=$1 errfile=${2:-/dev/null} line n m pct last=-1 failed=''
  while IFS= read -r line || [[ -n $line ]]; do
    printf '%s\n' "$line"
    if [[ $line =~ ^\[([0-9]+)/([0-9]+)\]\  ]]; then
      n=${BASH_REMATCH[1]} m=${BASH_REMATCH[2]}
      ((m > 0)) || continue
      pct=$((n * 100 / m))
      if ((pct != last)); then
        last=$pct
        rps_progress "$step" "$(rps_fraction "$n" "$m")" "compiling ($n/$m)"
      fi
    elif [[ $line == FAILED:* ]]; then
      failed=1
      printf '%s\n' "$line" >>"$errfile"
    elif [[ -n $failed || $line =~ (error:|Error\ [0-9]|undefined\ reference|No\ space\ left|Killed|internal\ compiler) ]]; then
      printf '%s\n' "$line" >>"$errfile"
    fi
  done
}

rps_fraction() {
  # rps_fraction <n> <m> [lo] [hi]: n/m scaled into [lo,hi] (per mille), printed as 0.xxx
  local n=$1 m=$2 lo=${3:-0} hi=${4:-1000} v
  v=$((lo + (hi - lo) * n / m))
  ((v > 1000)) && v=1000
  printf '%d.%03d\n' $((v / 1000)) $((v % 1000))
}

rps_git_progress() {
  # rps_git_progress <step>: `git clone/fetch --progress` stderr (phases separated by \r) → progress.
  # Receiving objects 0-70 %, resolving deltas 70-85 %, updating files 85-100 %.
  local step=$1 line pct last='' lo hi phase
  tr '\r' '\n' | while IFS= read -r line || [[ -n $line ]]; do
    lo='' phase=''
    case $line in
      *'Receiving objects:'*) lo=0 hi=700 phase='receiving objects' ;;
      *'Resolving deltas:'*) lo=700 hi=850 phase='resolving deltas' ;;
      *'Updating files:'*) lo=850 hi=1000 phase='checking out files' ;;
    esac
    if [[ -n $lo && $line =~ :\ +([0-9]+)% ]]; then
      pct=${BASH_REMATCH[1]}
      if [[ "$phase$pct" != "$last" ]]; then
        last="$phase$pct"
        rps_progress "$step" "$(rps_fraction "$pct" 100 "$lo" "$hi")" "$phase $pct%"
      fi
      # Only the final line of each phase goes to the log; the \r-updates would flood it.
      [[ $line == *', done.'* || $pct == 100 ]] && printf '%s\n' "$line"
    else
      [[ -n $line ]] && printf '%s\n' "$line"
    fi
  done
}

rps_apt_progress() {
  # rps_apt_progress <step>: apt-get output with `-o APT::Status-Fd=1` → progress. dlstatus (download)
  # maps to 0-50 %, pmstatus (unpack/configure) to 50-100 %; the status lines themselves are not logged.
  local step=$1 line kind pct msg whole
  while IFS= read -r line || [[ -n $line ]]; do
    if [[ $line =~ ^(dlstatus|pmstatus):[^:]*:([0-9]+)(\.[0-9]+)?:(.*)$ ]]; then
      kind=${BASH_REMATCH[1]} whole=${BASH_REMATCH[2]} msg=${BASH_REMATCH[4]}
      pct=$whole
      if [[ $kind == dlstatus ]]; then
        rps_progress "$step" "$(rps_fraction "$pct" 100 0 500)" "$msg"
      else
        rps_progress "$step" "$(rps_fraction "$pct" 100 500 1000)" "$msg"
      fi
    else
      printf '%s\n' "$line"
    fi
  done
}

rps_llama_version() {
  # rps_llama_version <binary>: prints "<build-number> <commit>" from `--version` (old and new formats),
  # or nothing. Old: `version: 6166 (c36e54d06)`; new: `version: 0.6.0-dev (build 11434, commit abc)`.
  local out line
  out=$("$1" --version 2>&1) || true
  while IFS= read -r line; do
    if [[ $line =~ ^version:\ [^\ ]+\ \(build\ ([0-9]+),\ commit\ ([^\)]+)\) ]]; then
      printf '%s %s\n' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"; return 0
    elif [[ $line =~ ^version:\ ([0-9]+)\ \(([0-9a-fA-F]+)\) ]]; then
      printf '%s %s\n' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"; return 0
    fi
  done <<<"$out"
}
