#!/usr/bin/env bash
# Fetch llama.cpp at RPS_LLAMA_REF from RPS_LLAMA_REPO into $RPS_LLM_DIR/llama.cpp and build the binaries the
# app uses. Steps: `source` (clone/fetch/checkout) and `build` (cmake + ninja).
#
# Parameters (environment): RPS_LLM_DIR, RPS_LLAMA_REPO, RPS_LLAMA_REF, RPS_GPU=auto|on|off,
#   RPS_JOBS (default: from free RAM, ~1.5 GB per job), RPS_SWAP=auto|off (temporary swap file when RAM is
#   short; needs sudo), RPS_SWAP_FILE (default /var/tmp/rubikpi-studio.swap), RPS_SUDO_FD (password fd).
# Arguments: --rollback  swap the current build and the previous one back.
#
# Layout: each build lives in llama.cpp/build-<commit12>-<opencl|cpu>; `build` is a symlink to the current
# one (so the manual's PATH entry llama.cpp/build/bin keeps working) and `build.prev` to the one before. A
# build made by hand in a real `build` folder is recognised; if replaced, it is kept as `build-manual`.
set -euo pipefail
# shellcheck source=remote/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rps_banner build.sh

SRC=$RPS_LLAMA_SRC
TARGETS_WANTED=(llama-server llama-quantize llama-cli llama-bench llama-mtmd-cli llama-completion)

rollback() {
  rps_step build Roll back to the previous build
  [[ -L $SRC/build.prev ]] || rps_fail build E_NO_PREVIOUS "there is no previous build to roll back to"
  local cur prev
  cur=$(readlink "$SRC/build") prev=$(readlink "$SRC/build.prev")
  ln -sfn "$prev" "$SRC/build.new" && mv -T "$SRC/build.new" "$SRC/build"
  ln -sfn "$cur" "$SRC/build.new" && mv -T "$SRC/build.new" "$SRC/build.prev"
  rps_done build "now using $prev"
}
if [[ ${1:-} == --rollback ]]; then rollback; exit 0; fi

# --- source --------------------------------------------------------------------------------------------
resolve_commit() { git -C "$SRC" rev-parse -q --verify "$RPS_LLAMA_REF^{commit}" 2>/dev/null; }

rps_step source Get llama.cpp source
mkdir -p "$RPS_LLM_DIR"
if [[ -d $SRC/.git ]]; then
  COMMIT=$(resolve_commit || true)
  if [[ -z $COMMIT ]]; then
    echo "fetching $RPS_LLAMA_REF from $RPS_LLAMA_REPO"
    git -C "$SRC" fetch --progress --tags "$RPS_LLAMA_REPO" 2>&1 | rps_git_progress source ||
      rps_fail source E_SOURCE_UNREACHABLE "could not fetch from $RPS_LLAMA_REPO"
    COMMIT=$(resolve_commit || true)
    if [[ -z $COMMIT ]]; then # a commit no branch or tag reaches, or a branch name
      git -C "$SRC" fetch --progress "$RPS_LLAMA_REPO" "$RPS_LLAMA_REF" 2>&1 | rps_git_progress source ||
        rps_fail source E_BAD_REF "$RPS_LLAMA_REPO has no $RPS_LLAMA_REF"
      COMMIT=$(git -C "$SRC" rev-parse FETCH_HEAD)
    fi
  fi
  if [[ $(git -C "$SRC" rev-parse HEAD) == "$COMMIT" ]]; then
    rps_skip source "llama.cpp is already at ${COMMIT:0:12}"
  else
    git -C "$SRC" -c advice.detachedHead=false checkout -q --detach "$COMMIT" ||
      rps_fail source E_SOURCE "could not check out $COMMIT in $SRC (local changes?)"
    rps_done source "checked out ${COMMIT:0:12}"
  fi
elif [[ -e $SRC ]]; then
  rps_fail source E_SOURCE "$SRC exists but is not a git clone; move it away"
else
  tmp="$SRC.rps-partial"
  rm -rf "$tmp"
  # Commit history without file contents (blob:none) keeps `git rev-list --count` — llama.cpp's build
  # number — right while downloading only the checked-out tree. Servers without filters ignore it.
  git clone --progress --no-checkout --filter=blob:none "$RPS_LLAMA_REPO" "$tmp" 2>&1 | rps_git_progress source ||
    rps_fail source E_SOURCE_UNREACHABLE "could not clone $RPS_LLAMA_REPO"
  COMMIT=$(git -C "$tmp" rev-parse -q --verify "$RPS_LLAMA_REF^{commit}" ||
    { git -C "$tmp" fetch -q "$RPS_LLAMA_REPO" "$RPS_LLAMA_REF" && git -C "$tmp" rev-parse FETCH_HEAD; }) ||
    rps_fail source E_BAD_REF "$RPS_LLAMA_REPO has no $RPS_LLAMA_REF"
  git -C "$tmp" -c advice.detachedHead=false checkout --progress --detach "$COMMIT" 2>&1 | rps_git_progress source
  mv -T "$tmp" "$SRC"
  rps_done source "cloned ${COMMIT:0:12}"
fi
SHORT=${COMMIT:0:12}

# --- build ---------------------------------------------------------------------------------------------
GPU=$(rps_gpu_choice)
OPENCL=OFF
[[ $GPU == on ]] && OPENCL=ON
FLAVOUR=cpu
[[ $OPENCL == ON ]] && FLAVOUR=opencl
BDIR_NAME="build-$SHORT-$FLAVOUR"
BDIR="$SRC/$BDIR_NAME"
KEY="commit=$COMMIT opencl=$OPENCL type=Release shared=OFF scripts=${RPS_SCRIPTS_VERSION%%.*}"
STAMP_NAME=.rps-build-stamp

has_binaries() { [[ -x $1/bin/llama-server && -x $1/bin/llama-cli && -x $1/bin/llama-quantize ]]; }

rps_step build "Build llama.cpp ($SHORT, $([[ $OPENCL == ON ]] && echo OpenCL || echo CPU))"
if [[ -L $SRC/build ]]; then
  current="$SRC/$(readlink "$SRC/build")"
  if [[ -f $current/$STAMP_NAME && $(<"$current/$STAMP_NAME") == "$KEY" ]] && has_binaries "$current"; then
    rps_skip build "already built: $(readlink "$SRC/build")"
    exit 0
  fi
elif [[ -d $SRC/build ]] && has_binaries "$SRC/build"; then
  # A build made by hand with the manual: same commit (from its --version) and same OpenCL flag → keep it.
  read -r _ built_commit < <(rps_llama_version "$SRC/build/bin/llama-cli" || true) || true
  built_opencl=$(sed -n 's/^GGML_OPENCL:BOOL=//p' "$SRC/build/CMakeCache.txt" 2>/dev/null || true)
  if [[ -n ${built_commit:-} && $COMMIT == "$built_commit"* && ${built_opencl:-OFF} == "$OPENCL" ]]; then
    rps_skip build "found a build made by hand at $SRC/build (${built_commit}, GGML_OPENCL=$OPENCL)"
    exit 0
  fi
fi

cmake_args=(-S "$SRC" -B "$BDIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF
  "-DGGML_OPENCL=$OPENCL")
# Options only where this tree has them (older trees warn about unknown ones at best).
if grep -q 'LLAMA_USE_PREBUILT_UI' "$SRC/CMakeLists.txt"; then
  cmake_args+=(-DLLAMA_USE_PREBUILT_UI=OFF) # no network at configure time (it fetches the web UI otherwise)
fi
if rps_have ccache; then
  cmake_args+=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # Paths relative to the llm folder, so a second clone or build folder hits the same cache entries.
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$RPS_LLM_DIR}
fi
# Build number and commit: from a `b<N>` release tag on the commit, else llama.cpp's own git count.
build_tag=$(git -C "$SRC" tag --points-at "$COMMIT" 2>/dev/null | grep -E '^b[0-9]+$' | head -n1 || true)
if [[ -n $build_tag ]]; then
  cmake_args+=("-DLLAMA_BUILD_NUMBER=${build_tag#b}" "-DLLAMA_BUILD_COMMIT=${COMMIT:0:8}")
fi
if [[ $OPENCL == ON ]]; then
  cl_inc=$(rps_opencl_include) cl_lib=$(rps_opencl_library)
  [[ -n $cl_inc ]] || rps_fail build E_OPENCL_MISSING "no OpenCL headers (CL/cl.h); run opencl.sh first"
  [[ -n $cl_lib ]] || rps_fail build E_OPENCL_MISSING "no OpenCL library (libOpenCL.so); run opencl.sh first"
  cmake_args+=("-DOpenCL_INCLUDE_DIR=$cl_inc" "-DOpenCL_LIBRARY=$cl_lib")
fi

# Parallel jobs from free RAM: ~1.5 GB per compiler on the board; a temporary swap file when short.
ncpu=$(nproc)
avail=$(rps_mem_available_mb)
jobs=${RPS_JOBS:-$((avail / RPS_MB_PER_JOB))}
((jobs > ncpu)) && jobs=$ncpu
((jobs < 1)) && jobs=1
SWAP_FILE=${RPS_SWAP_FILE:-/var/tmp/rubikpi-studio.swap}
swap_added=''
cleanup() {
  if [[ -n $swap_added ]]; then
    rps_sudo swapoff "$SWAP_FILE" || true
    rps_sudo rm -f "$SWAP_FILE" || true
    echo "removed the temporary swap file $SWAP_FILE"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
if rps_needs_swap; then
  mode=$(rps_sudo_mode)
  if [[ $mode == none ]]; then
    rps_warn build "only ${avail} MB RAM free and no sudo for a swap file; building with -j1"
  else
    rps_sudo_init build
    need_mb=2048
    if (($(rps_disk_free_mb "$(dirname "$SWAP_FILE")") > need_mb + 1024)); then
      echo "adding a temporary ${need_mb} MB swap file at $SWAP_FILE (only $avail MB RAM free)"
      swap_added=1
      rps_sudo fallocate -l "${need_mb}M" "$SWAP_FILE"
      rps_sudo chmod 600 "$SWAP_FILE"
      rps_sudo mkswap "$SWAP_FILE" >/dev/null
      rps_sudo swapon "$SWAP_FILE"
    else
      rps_warn build "too little disk for a swap file; building with -j$jobs"
    fi
  fi
fi
rps_info build jobs "$jobs"

printf 'cmake'; printf ' %q' "${cmake_args[@]}"; printf '\n'
rm -f "$BDIR/$STAMP_NAME"
if ! cmake "${cmake_args[@]}" 2>&1; then
  rps_fail build E_CONFIGURE "cmake could not configure $SRC (see the log above)"
fi

targets=()
all_targets=$(ninja -C "$BDIR" -t targets all 2>/dev/null | cut -d: -f1)
for t in "${TARGETS_WANTED[@]}"; do
  if grep -qx "$t" <<<"$all_targets"; then targets+=("$t"); fi
done
rps_info build targets "${targets[*]}"

errfile="$BDIR/.rps-build-errors"
: >"$errfile"
start=$(date +%s)
if ! nice ninja -C "$BDIR" -j "$jobs" "${targets[@]}" 2>&1 | rps_ninja_progress build "$errfile"; then
  if [[ ! -s $errfile ]]; then
    echo "(no error lines recognised; see the log above)" >"$errfile"
  fi
  while IFS= read -r line; do rps_warn build "$line"; done < <(tail -n 20 "$errfile")
  first=$(grep -m1 -E 'error:|Killed|No space left' "$errfile" || grep -m1 FAILED "$errfile" || head -n1 "$errfile")
  rps_fail build E_BUILD "compiling llama.cpp failed: $first"
fi
printf '%s' "$KEY" >"$BDIR/$STAMP_NAME"
rps_info build seconds "$(($(date +%s) - start))"

# Make it current; keep the one before as build.prev; drop older ones.
if [[ -L $SRC/build ]]; then
  old=$(readlink "$SRC/build")
elif [[ -d $SRC/build ]]; then
  rm -rf "$SRC/build-manual"
  mv -T "$SRC/build" "$SRC/build-manual"
  old=build-manual
else
  old=''
fi
ln -sfn "$BDIR_NAME" "$SRC/build.new" && mv -T "$SRC/build.new" "$SRC/build"
if [[ -n $old && $old != "$BDIR_NAME" ]]; then
  ln -sfn "$old" "$SRC/build.new" && mv -T "$SRC/build.new" "$SRC/build.prev"
fi
keep_prev=$(readlink "$SRC/build.prev" 2>/dev/null || true)
for d in "$SRC"/build-*; do
  name=${d##*/}
  [[ -d $d && $name != "$BDIR_NAME" && $name != "$keep_prev" ]] || continue
  echo "removing old build $name"
  rm -rf "$d"
done
rps_done build "built $BDIR_NAME in $(($(date +%s) - start)) s"
