#!/usr/bin/env bash
# The whole board setup, step by step: preflight, deps, opencl, build (source + build), verify, path. Each
# step is its own script, callable alone with the same environment; each skips what is already done.
#
# Parameters (environment), all optional: RPS_LLM_DIR (~/dev/llm), RPS_LLAMA_REPO, RPS_LLAMA_REF,
#   RPS_GPU=auto|on|off, RPS_OPENCL_HEADERS_REPO/_REF, RPS_OPENCL_LOADER_REPO/_REF, RPS_APT_PACKAGES,
#   RPS_JOBS, RPS_SWAP=auto|off, RPS_MODEL (smoke test), RPS_ADD_PATH=1|0 (manual's step 4, default 1),
#   RPS_SUDO_PASSWORD or RPS_SUDO_FD (default stdin: read once, only when a step needs sudo),
#   RPS_STEPS (space-separated subset, default all).
# Exit status 0 when every step is done or skipped; otherwise the failing step's `failed` event says why.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=remote/lib.sh
source "$here/lib.sh"
rps_banner setup.sh

steps=${RPS_STEPS:-preflight deps opencl build verify path}
RPS_GPU=$(rps_gpu_choice) # decided once, so every step builds for the same backend
export RPS_GPU

# Read the sudo password now, once, only if some step will need root; the steps get it in their environment.
# Only read here (stdin is this script's, not the steps'); the step that needs root checks it, so a wrong or
# missing password fails as that step (`failed deps E_SUDO ...`).
root_step=''
if [[ " $steps " == *' build '* ]] && rps_needs_swap; then root_step=build; fi
if [[ " $steps " == *' deps '* && -n $(rps_missing_packages) ]]; then root_step=deps; fi
if [[ -n $root_step && $(rps_sudo_mode) == password ]]; then rps_sudo_read; fi

for step in $steps; do
  case $step in
    preflight | deps | opencl | build | verify | path) ;;
    *) rps_fail setup E_USAGE "unknown step $step" ;;
  esac
  [[ $step == path && ${RPS_ADD_PATH:-1} != 1 ]] && continue
  RPS_SUDO_PASSWORD=$RPS__SUDO_PW bash "$here/$step.sh"
done
