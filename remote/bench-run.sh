#!/usr/bin/env bash
# Benchmark a model with llama-bench on the GPU (OpenCL, all layers offloaded) and on the CPU (-ngl 0).
# Run as a job by the app (rubikpi_studio/core/bench.py), never by hand:
#   bench-run.sh <llama-bench> <model.gguf> <out-dir> <modes: gpu,cpu> <repetitions> <n-prompt> <n-gen>
#                [extra llama-bench arguments for both modes...]
# Each mode is its own llama-bench run writing <out-dir>/<mode>.json (-o json), so a GPU failure still
# leaves the CPU result. `--progress` lines become progress events. Without a GPU backend in the build the
# GPU mode is skipped with a warning. Exit status: 0 when at least one mode produced results.
set -uo pipefail
# shellcheck source=remote/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rps_banner bench-run

bench=$1 model=$2 out=$3 modes=$4 reps=$5 n_prompt=$6 n_gen=$7
shift 7
extra=("$@")

rps_step bench Benchmark
[[ -x $bench ]] || rps_fail bench E_NO_LLAMA_BENCH "llama-bench not found or not executable: $bench"
[[ -r $model ]] || rps_fail bench E_NO_MODEL "model file not found: $model"
mkdir -p "$out" || rps_fail bench E_REMOTE "cannot create $out"
rm -f "$out"/*.json "$out"/*.err
# What this job measures, for an app that attaches to it later (a second start while it runs, a restart, a
# CLI run beside the GUI): it reads the results from this folder and keeps these settings with them.
rps_info bench out "$out"
rps_info bench model "$model"
rps_info bench modes "$modes"
rps_info bench repetitions "$reps"
rps_info bench n_prompt "$n_prompt"
rps_info bench n_gen "$n_gen"
rps_info bench args "${extra[*]}"

version=$("$bench" --version 2>&1 | grep -m1 '^version:' || true)
[[ -n $version ]] && rps_info bench version "$version"

# `--list-devices` prints "Available devices:" then one "  NAME: description" line per device, or
# "  (none)" for a CPU-only build. Older builds may not know the flag: then try the GPU and let the
# result's `backends` field tell.
has_gpu=unknown
if devices=$("$bench" --list-devices 2>/dev/null) && grep -q '^Available devices:' <<<"$devices"; then
  printf '%s\n' "$devices" >"$out/devices.txt"
  if grep -qE '^\s+(GPU|OpenCL)[^:]*:' <<<"$devices"; then
    has_gpu=yes
    rps_info bench gpu "$(grep -m1 -E '^\s+(GPU|OpenCL)[^:]*:' <<<"$devices" | sed 's/^ *//')"
  else
    has_gpu=no
  fi
fi

bench_progress() {
  # bench_progress <mode> <lo> <hi>: llama-bench --progress lines (stderr) → progress events in [lo,hi]
  # per mille; other lines pass through as log. `benchmark i/n: ... run k/r` gives (i-1 + k/r)/n.
  local mode=$1 lo=$2 hi=$3 line i n what k r done_runs total
  while IFS= read -r line || [[ -n $line ]]; do
    if [[ $line =~ benchmark\ ([0-9]+)/([0-9]+):\ (.*) ]]; then
      i=${BASH_REMATCH[1]} n=${BASH_REMATCH[2]} what=${BASH_REMATCH[3]}
      k=0 r=1
      if [[ $what =~ run\ ([0-9]+)/([0-9]+) ]]; then k=${BASH_REMATCH[1]} r=${BASH_REMATCH[2]}; fi
      ((n > 0 && r > 0)) || continue
      done_runs=$(((i - 1) * r + k)) total=$((n * r))
      rps_progress bench "$(rps_fraction "$done_runs" "$total" "$lo" "$hi")" "$mode: $what ($i/$n)"
    else
      printf '%s\n' "$line"
    fi
  done
}

IFS=, read -r -a asked <<<"$modes"
wanted=()
for mode in "${asked[@]}"; do
  case $mode in
    gpu)
      if [[ $has_gpu == no ]]; then
        rps_warn bench "this llama.cpp build has no GPU backend: CPU only"
        rps_info bench gpu_backend none
      else
        wanted+=(gpu)
      fi
      ;;
    cpu) wanted+=(cpu) ;;
    *) rps_warn bench "unknown mode $mode ignored" ;;
  esac
done
((${#wanted[@]} > 0)) || rps_fail bench E_BENCH_FAILED "nothing to run: the build has no GPU backend"

# The progress filter writes to the log through fd 3: a process substitution inherits the command's own
# redirections, and stdout there is the JSON file.
exec 3>&1
count=${#wanted[@]}
ok=0 idx=0
for mode in "${wanted[@]}"; do
  lo=$((idx * 1000 / count)) hi=$(((idx + 1) * 1000 / count))
  idx=$((idx + 1))
  if [[ $mode == gpu ]]; then
    # The manual's GPU settings: all layers offloaded, flash attention off (OpenCL on Adreno).
    args=(-ngl 99 -fa off)
  else
    args=(-ngl 0)
  fi
  rps_progress bench "$(rps_fraction "$lo" 1000)" "$mode: starting"
  "$bench" -m "$model" -o json --progress -r "$reps" -p "$n_prompt" -n "$n_gen" "${args[@]}" "${extra[@]}" \
    2> >(bench_progress "$mode" "$lo" "$hi" >&3) >"$out/$mode.json.part"
  rc=$?
  wait  # the progress filter may still be printing
  mv "$out/$mode.json.part" "$out/$mode.json"
  if ((rc == 0)); then
    ok=$((ok + 1))
    rps_done bench "$mode"
  else
    rps_warn bench "llama-bench ($mode) failed with exit status $rc"
    printf '%s\n' "$rc" >"$out/$mode.err"
  fi
done

((ok > 0)) || rps_fail bench E_BENCH_FAILED "llama-bench produced no results"
rps_progress bench 1.000 finished
exit 0
