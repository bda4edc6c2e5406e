#!/usr/bin/env bash
# Check the current build: `llama-cli --version` and `--list-devices` → info events (version, build number,
# commit, backend, device, gpu = the Adreno's name or none, gpu_used = yes|no); with RPS_MODEL set, a short
# smoke test that generates a few tokens (full GPU offload on an OpenCL build) and reports the offloaded
# layers and speed. A smoke test that offloads no layer sets gpu_used=no.
#
# Parameters (environment): RPS_LLM_DIR, RPS_MODEL (optional path of a .gguf on the board),
#   RPS_SMOKE_TOKENS (default 8).
set -euo pipefail
# shellcheck source=remote/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rps_banner verify.sh

BUILD="$RPS_LLAMA_SRC/build"
BIN="$BUILD/bin"
rps_step verify Check the built llama.cpp
[[ -x $BIN/llama-cli ]] || rps_fail verify E_NOT_BUILT "no llama.cpp build at $BIN; run build.sh"
rps_info verify bin "$(readlink -f "$BIN")"
# Newer trees split one-shot generation into llama-completion (llama-cli became the chat CLI).
if [[ -x $BIN/llama-completion ]]; then rps_info verify has_llama_completion yes
else rps_info verify has_llama_completion no; fi

version_out=$("$BIN/llama-cli" --version 2>&1 </dev/null) ||
  rps_fail verify E_VERIFY "llama-cli --version failed: $(tail -n1 <<<"$version_out")"
printf '%s\n' "$version_out"
new_tree=no
while IFS= read -r line; do
  if [[ $line =~ ^version:\ ([^\ ]+)\ \(build\ ([0-9]+),\ commit\ ([^\)]+)\) ]]; then
    new_tree=yes
    rps_info verify version "${BASH_REMATCH[1]}"
    rps_info verify build_number "${BASH_REMATCH[2]}"
    rps_info verify commit "${BASH_REMATCH[3]}"
  elif [[ $line =~ ^version:\ ([0-9]+)\ \(([0-9a-fA-F]+)\) ]]; then
    rps_info verify build_number "${BASH_REMATCH[1]}"
    rps_info verify commit "${BASH_REMATCH[2]}"
  elif [[ $line =~ ^built\ with\ (.*)$ ]]; then
    rps_info verify compiler "${BASH_REMATCH[1]}"
  fi
done <<<"$version_out"

opencl=$(sed -n 's/^GGML_OPENCL:BOOL=//p' "$BUILD/CMakeCache.txt" 2>/dev/null || true)
backend=CPU
[[ $opencl == ON ]] && backend=OpenCL
rps_info verify backend "$backend"

# Drivers name the GPU "QUALCOMM Adreno(TM) 635/643" or only "QUALCOMM ...": both are the Adreno.
is_adreno() { [[ $1 =~ [Aa]dreno|QUALCOMM|[Qq]ualcomm ]]; }
# Newer trees log ggml_opencl's platform and device lines (also the ones it drops) only at verbosity 4, which
# has to come before --list-devices (that option prints and exits while the arguments are parsed).
list_args=(--list-devices)
[[ $new_tree == yes ]] && list_args=(-lv 4 --list-devices)
# llama.cpp logs through a worker thread, and --list-devices' exit() can cut it short: the ggml_opencl lines
# are then missing (here: ~1 run in 8 on a busy machine). An OpenCL build that named no device is asked again.
for attempt in 1 2 3; do
  devices_out=$("$BIN/llama-cli" "${list_args[@]}" 2>&1 </dev/null) || true
  printf '%s\n' "$devices_out"
  [[ $backend == OpenCL && $new_tree == yes && $devices_out != *"ggml_opencl: device: "* ]] || break
  [[ $attempt == 3 ]] || echo "verify: no ggml_opencl device line in that listing; asking again ($attempt/3)"
done
# What OpenCL offered, whatever llama.cpp kept: on a PC with PoCL that is a CPU device it drops as "unsupported
# GPU"; on the board, the Adreno. Lines: `ggml_opencl: selected platform: '<name>'`,
# `ggml_opencl: device: '<name> (<OpenCL version>)'`, `ggml_opencl: drop unsupported device '<name>'`.
platform_re="ggml_opencl: selected platform: '(.*)'"
cl_device_re="ggml_opencl: device: '(.*)'"
dropped_re="ggml_opencl: drop unsupported device '(.*)'"
cl_devices=() dropped=()
while IFS= read -r line; do
  if [[ $line =~ $platform_re ]]; then rps_info verify opencl_platform "${BASH_REMATCH[1]}"
  elif [[ $line =~ $cl_device_re ]]; then cl_devices+=("${BASH_REMATCH[1]}")
  elif [[ $line =~ $dropped_re ]]; then dropped+=("${BASH_REMATCH[1]}")
  fi
done < <(printf '%s\n%s\n' "$version_out" "$devices_out" | awk '!seen[$0]++')
for d in "${cl_devices[@]}"; do rps_info verify opencl_device "$d"; done
for d in "${dropped[@]}"; do rps_info verify opencl_dropped "$d"; done
gpu_device=''
listed=no
while IFS= read -r line; do
  [[ $line == 'Available devices:'* ]] && listed=yes
  # `  GPUOpenCL: QUALCOMM Adreno(TM) 643 (3788 MiB, 2764 MiB free)`
  if [[ $listed == yes && $line =~ ^\ +([A-Za-z0-9_]+):\ (.*)$ ]]; then
    name=${BASH_REMATCH[2]}  # is_adreno's own match overwrites BASH_REMATCH
    rps_info verify device "${BASH_REMATCH[1]}: $name"
    if [[ -z $gpu_device ]] && is_adreno "$name"; then gpu_device=$name; fi
  fi
done <<<"$devices_out"
if [[ $listed == no ]]; then
  # A tree without --list-devices: b6362 prints the device it selected on --version (the manual's step 5:
  # `ggml_opencl: device: 'QUALCOMM Adreno(TM) 635 (OpenCL 3.0 Adreno(TM) 635)'`). Where --list-devices
  # works it is the truth, since a device ggml_opencl names there may still be dropped as unsupported.
  device_re="ggml_opencl: device: '(.*) \((.*)\)'"
  while IFS= read -r line; do
    if [[ $line =~ $device_re ]]; then name=${BASH_REMATCH[1]}; else continue; fi
    if is_adreno "$name"; then
      gpu_device=$name
      rps_info verify device "GPUOpenCL: $gpu_device"
      break
    fi
  done <<<"$version_out"
fi
gpu_used=no
if [[ -n $gpu_device ]]; then
  gpu_used=yes
  rps_info verify gpu "$gpu_device"
elif [[ $backend == OpenCL ]]; then
  # Name what OpenCL did offer (PoCL's CPU device on a PC), so "no GPU" is not read as "no OpenCL".
  offered=none
  if ((${#cl_devices[@]})); then offered=$(IFS=';'; printf '%s' "${cl_devices[*]}"); fi
  rps_warn verify "built with OpenCL, but llama.cpp found no Adreno GPU (OpenCL devices: $offered): no GPU \
is used, models will run on the CPU"
  rps_info verify gpu none
else
  rps_info verify gpu none
fi

if [[ -n ${RPS_MODEL:-} ]]; then
  [[ -r $RPS_MODEL ]] || rps_fail verify E_MODEL "cannot read the model $RPS_MODEL"
  rps_progress verify 0.5 "smoke test with ${RPS_MODEL##*/}"
  args=(-m "$RPS_MODEL" -p "Hello" -n "${RPS_SMOKE_TOKENS:-8}" -no-cnv --no-warmup -b 128 -c 512 -s 11)
  if [[ -x $BIN/llama-completion ]]; then cmd=("$BIN/llama-completion"); else cmd=("$BIN/llama-cli"); fi
  # Newer trees print libllama's load lines only at verbosity 4.
  [[ $new_tree == yes ]] && args+=(-lv 4)
  if [[ -n $gpu_device ]]; then args+=(-ngl 99 -fa off); else args+=(-ngl 0); fi
  smoke=$(timeout 600 "${cmd[@]}" "${args[@]}" 2>&1 </dev/null) ||
    { printf '%s\n' "$smoke" | tail -n 30; rps_fail verify E_SMOKE "generating text failed"; }
  printf '%s\n' "$smoke"
  if [[ $smoke =~ offloaded\ ([0-9]+)/([0-9]+)\ layers\ to\ GPU ]]; then
    rps_info verify offloaded "${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
    if [[ $gpu_used == yes && ${BASH_REMATCH[1]} == 0 ]]; then
      gpu_used=no
      rps_warn verify "the GPU is there, but the test run offloaded 0/${BASH_REMATCH[2]} layers to it: \
models run on the CPU"
    fi
  fi
  # b6362 prints llama_perf_context_print, newer llama-completion common_perf_print.
  if [[ $smoke =~ (llama_perf_context_print|common_perf_print):\ +eval\ time\ =[^\(]*\([^,]*,\ +([0-9.]+)\ tokens\ per\ second ]]; then
    rps_info verify eval_tokens_per_second "${BASH_REMATCH[2]}"
  fi
fi
# The answer to "is the GPU really used?", apart from the device's name (which varies by driver).
rps_info verify gpu_used "$gpu_used"
used_device=''
[[ $gpu_used == yes ]] && used_device=$gpu_device
rps_done verify "llama.cpp $backend${used_device:+ on $used_device}"
