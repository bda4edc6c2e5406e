"""The fake Adreno llama-bench: the one fake the rig allows (it has no Adreno GPU; DESIGN.md, "The GPU").

A bash script put on the rig board in place of llama-bench. Like the real one (reference/board-and-llama-cpp-
facts.md §D2) it answers `--version`, lists an OpenCL device for `--list-devices` ("QUALCOMM Adreno(TM) 643",
what an OpenCL build on the RUBIK Pi 3 reports), prints `--progress` lines to stderr and `-o json` output in
the field layout of a recorded rig run (build 11434). Its numbers are the manual's Qwen2-1.5B Q4_0 figures
(`llama_perf_context_print`, tests/data/logs/manual-llama-cli-*-perf.txt): generation 9.61 tokens/s with all
layers on the GPU and 7.15 on the CPU, prompt 24.84 and 19.73; the repetitions spread ±2 % around them.
Which layout it reports follows its `-ngl` argument, as the real tool's does. Every call's arguments are
appended to `calls.log` beside it, so a test sees what reached "the GPU".
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from rubikpi_studio.core.ssh import Board

DIR = ".cache/rubikpi-studio-test/fake-adreno"
DEVICE = "QUALCOMM Adreno(TM) 643"
# (gpu, cpu) tokens/s from the manual's llama_perf_context_print lines
TG = (9.61, 7.15)
PP = (24.84, 19.73)

SCRIPT = r"""#!/usr/bin/env bash
# fake Adreno llama-bench (tests/rig/fake_adreno.py): NOT llama.cpp; replays the manual's figures.
here=$(cd "$(dirname "$0")" && pwd)
printf '%s\n' "$*" >>"$here/calls.log"
case ${1:-} in
  --version) printf 'version: 11434 (8a98145c)\nbuilt with cc for aarch64-linux-gnu (fake)\n'; exit 0 ;;
  --list-devices) printf 'Available devices:\n  GPUOpenCL: @DEVICE@ (3620 MiB, 3620 MiB free)\n'; exit 0 ;;
esac
model='' reps=5 n_prompt=512 n_gen=128 ngl=99 threads=8 fa=-1
while (($#)); do
  case $1 in
    -m) model=$2; shift ;;
    -r) reps=$2; shift ;;
    -p) n_prompt=$2; shift ;;
    -n) n_gen=$2; shift ;;
    -ngl) ngl=$2; shift ;;
    -t) threads=$2; shift ;;
    -fa) [[ $2 == off ]] && fa=0; [[ $2 == on ]] && fa=1; shift ;;
  esac
  shift
done
if ((ngl > 0)); then pp=@PP_GPU@ tg=@TG_GPU@ backends=OpenCL; else pp=@PP_CPU@ tg=@TG_CPU@ backends=CPU; fi
entry() {  # entry <n_prompt> <n_gen> <tokens/s>: one llama-bench JSON object, <reps> samples around the mean
  local np=$1 ng=$2 ts=$3 samples
  samples=$(awk -v ts="$ts" -v r="$reps" 'BEGIN { for (k = 0; k < r; k++) {
    d = (r > 1) ? (2 * k / (r - 1) - 1) * 0.02 : 0; printf "%s%.6f", (k ? ", " : ""), ts * (1 + d) } }')
  local stats
  stats=$(awk -v s="$samples" 'BEGIN { n = split(s, v, ", "); for (i = 1; i <= n; i++) m += v[i];
    m /= n; for (i = 1; i <= n; i++) q += (v[i] - m) ^ 2; sd = (n > 1) ? sqrt(q / (n - 1)) : 0;
    printf "%.6f %.6f", m, sd }')
  printf '  {\n    "build_commit": "8a98145c", "build_number": 11434,\n'
  printf '    "cpu_info": "Qualcomm Kryo 670 (fake)",\n'
  printf '    "gpu_info": "@DEVICE@", "backends": "%s", "model_filename": "%s",\n' "$backends" "$model"
  printf '    "model_type": "qwen2 1.5B Q4_0", "model_size": 928460800, "model_n_params": 1543714304,\n'
  printf '    "n_batch": 2048, "n_ubatch": 512, "n_threads": %s,\n' "$threads"
  printf '    "type_k": "f16", "type_v": "f16",\n'
  printf '    "n_gpu_layers": %s, "split_mode": "layer", "main_gpu": 0, "flash_attn": %s,\n' "$ngl" "$fa"
  printf '    "devices": "auto", "n_prompt": %s, "n_gen": %s, "n_depth": 0,\n' "$np" "$ng"
  printf '    "test_time": "%s", "avg_ts": %s, "stddev_ts": %s,\n' "$(date -u +%FT%TZ)" $stats
  printf '    "samples_ts": [ %s ]\n  }' "$samples"
}
tests=()
((n_prompt > 0)) && tests+=("$n_prompt 0 $pp")
((n_gen > 0)) && tests+=("0 $n_gen $tg")
printf '[\n'
for ((i = 0; i < ${#tests[@]}; i++)); do
  read -r np ng ts <<<"${tests[i]}"
  echo "llama-bench: benchmark $((i + 1))/${#tests[@]}: starting" >&2
  for ((k = 1; k <= reps; k++)); do
    kind=prompt; ((np == 0)) && kind=generation
    echo "llama-bench: benchmark $((i + 1))/${#tests[@]}: $kind run $k/$reps" >&2
    sleep 0.2
  done
  ((i > 0)) && printf ',\n'
  entry "$np" "$ng" "$ts"
done
printf '\n]\n'
"""


@dataclass(frozen=True)
class FakeAdreno:
    llama_bench: str  # the fake's path on the board
    model: str  # a placeholder file named after the manual's model (the fake does not read it)
    calls_log: str

    def calls(self, board: Board) -> list[str]:
        """The argument lines of every call so far."""
        return board.quick(f"cat {shlex.quote(self.calls_log)} 2>/dev/null; true").stdout.splitlines()


def install(board: Board) -> FakeAdreno:
    """Put the fake Adreno llama-bench (and a placeholder model) on the board, with an empty call log."""
    folder = f"{board.home()}/{DIR}"
    board.makedirs(folder)
    text = (
        SCRIPT.replace("@DEVICE@", DEVICE)
        .replace("@PP_GPU@", str(PP[0]))
        .replace("@PP_CPU@", str(PP[1]))
        .replace("@TG_GPU@", str(TG[0]))
        .replace("@TG_CPU@", str(TG[1]))
    )
    board.write_text(f"{folder}/llama-bench", text, mode=0o755)
    model = f"{folder}/qwen2-1_5b-instruct-q4_0.gguf"
    board.write_text(model, "placeholder: the fake Adreno llama-bench does not read its model\n")
    board.quick(f": > {shlex.quote(folder)}/calls.log")
    return FakeAdreno(f"{folder}/llama-bench", model, f"{folder}/calls.log")
