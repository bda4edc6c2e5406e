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
rps_done() { rps_event done "$@"; }
rps_skip() { rps_event skip "$@"; }
rps_warn() { rps_event warn "$@"; }
rps_info() { rps_event info "$1" "$2=$3"; }
rps_fail() {
  # rps_fail <step> <E_CODE> <message...>; exits 1
  rps_event failed "$@"
  exit 1
}
