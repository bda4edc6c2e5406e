#!/usr/bin/env bash
# Quantize a GGUF model on the board with llama.cpp's llama-quantize, as a job.
#   model-quantize.sh <llama-quantize> <input.gguf> <output.gguf> <TYPE> [--pure] [--allow-requantize]
#                     [--need BYTES] [--threads N]
# The output is written to <output>.part and renamed when llama-quantize succeeds, so a half-written file
# never looks like a model. Progress comes from llama-quantize's own `[ n/ m] tensor ...` lines.
# Failure codes: E_NO_LLAMA, E_NOT_FOUND, E_NO_SPACE, E_REQUANTIZE, E_QUANTIZE, E_USAGE.
set -uo pipefail
# shellcheck source=remote/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bin=${1:-} in=${2:-} out=${3:-} qtype=${4:-}
shift 4 2>/dev/null || rps_fail quantize E_USAGE "usage: model-quantize.sh <llama-quantize> <in> <out> <type> [options]"
flags=() need=0 threads=''
while (($#)); do
  case $1 in
    --pure | --allow-requantize) flags+=("$1") ;;
    --need) need=${2:-0}; shift ;;
    --threads) threads=${2:-}; shift ;;
    *) rps_fail quantize E_USAGE "unknown option: $1" ;;
  esac
  shift
done
[[ $qtype =~ ^[A-Za-z0-9_]+$ ]] || rps_fail quantize E_USAGE "not a quantization type: $qtype"
[[ $need =~ ^[0-9]+$ ]] || rps_fail quantize E_USAGE "not a size: $need"
[[ -z $threads || $threads =~ ^[0-9]+$ ]] || rps_fail quantize E_USAGE "not a thread count: $threads"
[[ $out == *.gguf && $in == *.gguf ]] || rps_fail quantize E_USAGE "input and output must be .gguf files"

rps_step check "Check the input and the disk"
[[ -x $bin ]] || rps_fail check E_NO_LLAMA "llama-quantize is not installed on the board ($bin); run the setup first."
[[ -f $in ]] || rps_fail check E_NOT_FOUND "$in does not exist on the board."
part="$out.part"
rm -f "$part"
free=$(df -P -B1 "$(dirname "$out")" | awk 'NR==2{print $4}')
if ((need > free)); then
  rps_fail check E_NO_SPACE "Quantizing needs about $((need / 1000000)) MB on the board's disk, but only $((free / 1000000)) MB is free."
fi
rps_done check

name=${out##*/}
rps_step quantize "Quantize to $qtype${flags[*]:+ (${flags[*]})}"
errfile=$(mktemp)
trap 'rm -f "$errfile" "$part"' EXIT
trap 'exit 143' TERM INT
# llama-quantize prints tensor progress on stderr, its timing on stdout: both go through the filter.
{ "$bin" "${flags[@]}" "$in" "$part" "$qtype" ${threads:+"$threads"} 2>&1; echo "rc=$?" >"$errfile.rc"; } |
  while IFS= read -r line || [[ -n $line ]]; do
    printf '%s\n' "$line"
    if [[ $line =~ ^\[\ *([0-9]+)/\ *([0-9]+)\]\ +([^ ]+) ]]; then
      n=${BASH_REMATCH[1]} m=${BASH_REMATCH[2]}
      ((m > 0)) && rps_progress quantize "$(rps_fraction "$n" "$m")" "tensor $n of $m (${BASH_REMATCH[3]})"
    elif [[ $line =~ (requantizing\ from\ type|failed|error|No\ space) ]]; then
      printf '%s\n' "$line" >>"$errfile"
    fi
  done
rc=$(sed -n 's/^rc=//p' "$errfile.rc" 2>/dev/null)
rm -f "$errfile.rc"
if [[ $rc != 0 ]]; then
  if grep -q 'requantizing from type' "$errfile"; then
    rps_fail quantize E_REQUANTIZE "The input is already quantized; llama-quantize requantizes it only when asked (--allow-requantize), and quality suffers."
  fi
  if grep -q 'No space' "$errfile" || (($(df -P -B1 "$(dirname "$out")" | awk 'NR==2{print $4}') < 1000000)); then
    rps_fail quantize E_NO_SPACE "The board's disk filled up while quantizing."
  fi
  rps_fail quantize E_QUANTIZE "llama-quantize failed (exit ${rc:-?}): $(tail -n 3 "$errfile" | tr '\n' ' ')"
fi
mv -f "$part" "$out"
rps_info quantize path "$out"
rps_done quantize "$name"
