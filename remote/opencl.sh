#!/usr/bin/env bash
# OpenCL headers and ICD loader for an OpenCL build (the manual's step 2). What is already there is used:
# the system's headers (/usr/include/CL/cl.h) and loader (libOpenCL.so/.so.1 in the multiarch dir or via
# ldconfig; on the board qcom-adreno1's), or the manual's ~/dev/llm/opencl. Otherwise the Khronos sources are
# built at the manual's pinned commits and installed into ~/dev/llm/opencl (no sudo: build.sh passes the
# paths to cmake instead of the manual's /usr/include/CL and /usr/lib/libOpenCL.so symlinks).
#
# Parameters (environment): RPS_LLM_DIR, RPS_GPU=auto|on|off (off: nothing to do),
#   RPS_OPENCL_HEADERS_REPO/_REF, RPS_OPENCL_LOADER_REPO/_REF.
set -euo pipefail
# shellcheck source=remote/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rps_banner opencl.sh

fetch() {
  # fetch <repo-url> <ref> <dir>: a clone of <repo-url> at <ref> in <dir> (reused when already there).
  local url=$1 ref=$2 dir=$3
  if [[ ! -d $dir/.git ]]; then
    rm -rf "$dir"
    git clone --progress "$url" "$dir" 2>&1 | rps_git_progress opencl ||
      rps_fail opencl E_SOURCE_UNREACHABLE "could not clone $url"
  fi
  if ! git -C "$dir" rev-parse -q --verify "$ref^{commit}" >/dev/null; then
    git -C "$dir" fetch -q "$url" "$ref" || rps_fail opencl E_BAD_REF "$url has no $ref"
  fi
  git -C "$dir" -c advice.detachedHead=false checkout -q --detach "$ref"
}

rps_step opencl OpenCL headers and ICD loader
if [[ $(rps_gpu_choice) == off ]]; then
  rps_skip opencl "CPU build: OpenCL is not needed"
  exit 0
fi
inc=$(rps_opencl_include)
lib=$(rps_opencl_library)
if [[ -n $inc && -n $lib ]]; then
  rps_info opencl include "$inc"
  rps_info opencl library "$lib"
  rps_skip opencl "already present: $inc/CL/cl.h and $lib"
  exit 0
fi
mkdir -p "$RPS_LLM_DIR"
if [[ -z $inc ]]; then
  rps_progress opencl 0.05 "OpenCL headers"
  fetch "$RPS_OPENCL_HEADERS_REPO" "$RPS_OPENCL_HEADERS_REF" "$RPS_LLM_DIR/OpenCL-Headers"
  cmake -S "$RPS_LLM_DIR/OpenCL-Headers" -B "$RPS_LLM_DIR/OpenCL-Headers/build" -G Ninja \
    -DBUILD_TESTING=OFF -DOPENCL_HEADERS_BUILD_TESTING=OFF -DOPENCL_HEADERS_BUILD_CXX_TESTS=OFF \
    "-DCMAKE_INSTALL_PREFIX=$RPS_OPENCL_PREFIX" 2>&1 || rps_fail opencl E_BUILD "configuring OpenCL-Headers failed"
  cmake --build "$RPS_LLM_DIR/OpenCL-Headers/build" --target install 2>&1 ||
    rps_fail opencl E_BUILD "installing OpenCL-Headers failed"
  inc=$(rps_opencl_include)
fi
if [[ -z $lib ]]; then
  rps_progress opencl 0.5 "OpenCL ICD loader"
  fetch "$RPS_OPENCL_LOADER_REPO" "$RPS_OPENCL_LOADER_REF" "$RPS_LLM_DIR/OpenCL-ICD-Loader"
  cmake -S "$RPS_LLM_DIR/OpenCL-ICD-Loader" -B "$RPS_LLM_DIR/OpenCL-ICD-Loader/build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release "-DCMAKE_PREFIX_PATH=$RPS_OPENCL_PREFIX" \
    "-DCMAKE_INSTALL_PREFIX=$RPS_OPENCL_PREFIX" 2>&1 || rps_fail opencl E_BUILD "configuring OpenCL-ICD-Loader failed"
  nice cmake --build "$RPS_LLM_DIR/OpenCL-ICD-Loader/build" --target install 2>&1 ||
    rps_fail opencl E_BUILD "building OpenCL-ICD-Loader failed"
  lib=$(rps_opencl_library)
fi
rps_info opencl include "$inc"
rps_info opencl library "$lib"
rps_done opencl
