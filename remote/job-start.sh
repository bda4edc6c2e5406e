#!/usr/bin/env bash
# Start a RUBIK Pi Studio job detached from the SSH session, so that a dropped connection, a closed laptop or
# an app restart does not stop it. Usage (run by the app, never by hand):
#   job-start.sh <jobs-dir> <job-id> <key> <script> <sha256> [args...]
# stdin carries the job's environment as NAME=<base64 value> lines (secrets travel here, never in argv).
# Layout: <jobs-dir>/<id>/{log,pid,status,key,cmd,started}; <jobs-dir>/by-key/<key> -> <id> while running.
# Prints "started <id>" or "running <id>" when a job with the same key is already running.
set -euo pipefail
jobs_dir=$1 id=$2 key=$3 script=$4 sha=$5
shift 5

mkdir -p "$jobs_dir/by-key"
lock="$jobs_dir/by-key/$key"
# One start per key at a time: two starts at once (a second click, the CLI beside the app, a reconnect racing
# a retry) would both find no running job and launch two. The lock is held until the runner's process group
# exists (see the end), and the runner does not inherit it.
exec 9>"$jobs_dir/by-key/.$key.flock"
if ! flock -w 30 9; then
  echo "@rps1 failed job E_JOB_BUSY another start of this job has not finished after 30 s." >&2
  exit 3
fi
if [ -e "$lock" ]; then
  other=$(cat "$lock" 2>/dev/null || true)
  if [ -n "$other" ] && [ ! -e "$jobs_dir/$other/status" ] && [ -s "$jobs_dir/$other/pid" ] &&
    kill -0 -- "-$(cat "$jobs_dir/$other/pid")" 2>/dev/null; then
    echo "running $other"
    exit 0
  fi
  rm -f "$lock"
fi

actual=$(sha256sum "$script" | cut -d' ' -f1)
if [ "$actual" != "$sha" ]; then
  echo "@rps1 failed job E_SCRIPT_CHANGED $script does not match what the app pushed; refusing to run it." >&2
  exit 3
fi

while IFS= read -r line; do
  [ -n "$line" ] || continue
  name=${line%%=*}
  case $name in *[!A-Za-z0-9_]* | '' | [0-9]*) continue ;; esac
  export "$name=$(printf '%s' "${line#*=}" | base64 -d)"
done

dir="$jobs_dir/$id"
mkdir -p "$dir"
printf '%s\n' "$key" >"$dir/key"
printf '%q ' "$script" "$@" >"$dir/cmd"
date +%s >"$dir/started"
printf '%s\n' "$id" >"$lock.tmp.$$"
mv "$lock.tmp.$$" "$lock"

# The runner writes the exit status when the script ends; setsid puts everything in one process group
# whose id is the runner's pid, so cancel can kill the whole tree.
# shellcheck disable=SC2016
setsid bash -c '
  dir=$1; lock=$2; shift 2
  bash "$@" >"$dir/log" 2>&1 </dev/null
  rc=$?
  printf "%s\n" "$rc" >"$dir/status.tmp" && mv "$dir/status.tmp" "$dir/status"
  [ "$(cat "$lock" 2>/dev/null)" = "${dir##*/}" ] && rm -f "$lock"
  exit 0
' rps-job "$dir" "$lock" "$script" "$@" </dev/null >/dev/null 2>&1 9>&- &
pid=$!
printf '%s\n' "$pid" >"$dir/pid"
# The runner gets its own process group only once the forked child has run setsid, which on a busy board can
# be after we would print "started". A poll in that gap finds the job neither running nor finished and takes it
# for killed; so wait (at most 5 s) until the group exists or the job has already ended.
for ((i = 0; i < 500; i++)); do
  { kill -0 -- "-$pid" 2>/dev/null || [ -e "$dir/status" ]; } && break
  sleep 0.01
done
echo "started $id"
