#!/usr/bin/env bash
# Run llama-server under supervision, as a detached job (see job-start.sh). Usage (run by the app):
#   server-supervise.sh <state-dir> <port> <llama-server> [args...]
# - Output of each run goes to <state-dir>/run.log and is copied to stdout (the job log) as it comes.
# - Ready = GET /health answers 200 on 127.0.0.1:<port> (bash's /dev/tcp: the board may have no curl).
# - A server that stops before it was ever ready failed to load: retrying would repeat it, so give up at once.
# - A crash after it was ready is restarted with back-off (1, 2, 4 s); 3 crashes within 60 s give up.
# - TERM/INT (the app's stop) stops the server and ends the job with status 0.
# Secrets: the API key arrives in the environment (LLAMA_API_KEY, set by the job runner from stdin) and is
# only kept when RPS_SERVER_LAN=1; never in argv.
set -uo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

state=$1 port=$2
shift 2
[[ $port =~ ^[0-9]+$ ]] || rps_fail server E_USAGE "bad port: $port"
[[ -x $1 ]] || rps_fail server E_NO_LLAMA_SERVER "llama-server not found or not executable: $1"

# Only our flags count: LLAMA_ARG_* variables from a profile would silently change the server.
while IFS='=' read -r name _; do
  case $name in LLAMA_ARG_*) unset "$name" ;; esac
done < <(env)
[[ ${RPS_SERVER_LAN:-0} == 1 ]] || unset LLAMA_API_KEY
: "${GGML_OPENCL_KERNEL_CACHE_DIR:=$HOME/.cache/llama.cpp/cl-cache}"
export GGML_OPENCL_KERNEL_CACHE_DIR
mkdir -p "$state" "$GGML_OPENCL_KERNEL_CACHE_DIR"

MAX_CRASHES=${RPS_SERVER_MAX_CRASHES:-3}
WINDOW=${RPS_SERVER_CRASH_WINDOW:-60}
TAIL_LINES=${RPS_SERVER_TAIL_LINES:-15}

spid='' tpid='' stopping=0
on_stop() {
  stopping=1
  [[ -n $spid ]] && kill -TERM "$spid" 2>/dev/null
}
trap on_stop TERM INT HUP

health() {
  # Prints the HTTP status of GET /health, or nothing when nobody answers.
  local line=''
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 0
  printf 'GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  IFS= read -r -t 3 line <&3 || true
  exec 3<&- 3>&-
  [[ $line =~ ^HTTP/[0-9.]+\ ([0-9]+) ]] && printf '%s\n' "${BASH_REMATCH[1]}"
}

nap() { sleep "$1" & wait $! 2>/dev/null; }

last_lines() {
  # The last lines of the run's output, joined with " | " (an event is one line).
  tail -n "$TAIL_LINES" "$state/run.log" 2>/dev/null | tr -d '\r' | paste -sd '|' - | sed 's/|/ | /g'
}

rps_banner server-supervise
ever_ready=0 attempt=0
crashes=()
while :; do
  attempt=$((attempt + 1))
  : >"$state/run.log"
  rps_step load "Starting llama-server (run $attempt)"
  "$@" >>"$state/run.log" 2>&1 </dev/null &
  spid=$!
  printf '%s\n' "$spid" >"$state/server.pid"
  rps_info server pid "$spid"
  tail -n +1 -s 0.2 -f --pid="$spid" "$state/run.log" &
  tpid=$!
  ready=0
  while kill -0 "$spid" 2>/dev/null && ((stopping == 0)); do
    if ((ready == 0)) && [[ $(health 2>/dev/null) == 200 ]]; then
      ready=1 ever_ready=1
      rps_done load "ready on port $port"
    fi
    nap 0.3
  done
  wait "$spid" 2>/dev/null
  rc=$?
  wait "$tpid" 2>/dev/null
  rm -f "$state/server.pid"
  if ((stopping)); then
    # The server may still be finishing after TERM; make sure it is gone before the job ends.
    kill -0 "$spid" 2>/dev/null && nap 2 && kill -KILL "$spid" 2>/dev/null
    rps_info server stopped yes
    exit 0
  fi
  if ((ever_ready == 0)); then
    rps_fail load E_SERVER_LOAD "llama-server stopped with status $rc before it was ready: $(last_lines)"
  fi
  now=$(date +%s)
  kept=()
  for t in "${crashes[@]}"; do ((now - t < WINDOW)) && kept+=("$t"); done
  crashes=("${kept[@]}" "$now")
  if ((${#crashes[@]} >= MAX_CRASHES)); then
    rps_fail server E_SERVER_CRASHLOOP \
      "llama-server stopped ${#crashes[@]} times within ${WINDOW} s (last status $rc); giving up: $(last_lines)"
  fi
  delay=$((1 << (${#crashes[@]} - 1)))
  rps_warn server "llama-server stopped with status $rc; restarting in $delay s"
  nap "$delay"
  ((stopping)) && exit 0
done
