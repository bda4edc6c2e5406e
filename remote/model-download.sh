#!/usr/bin/env bash
# Download one model file from Hugging Face (or a mirror) onto the board, as a job.
#   model-download.sh <url> <dest-dir> <file-name> [--sha256 HEX] [--size BYTES]
#                     [--endpoint URL --repo OWNER/NAME --revision REV --path PATH]
# The board fetches (curl, else wget); the PC never relays. Steps:
#   probe     HEAD for the size and sha256 (X-Linked-Size / X-Linked-Etag), else the tree API's lfs.oid
#   disk      free space for what is still missing
#   download  into <file>.part, resumed with a Range request; a transfer whose bytes stop advancing for
#             RPS_STALL_SECONDS is killed and retried with back-off (RPS_RETRIES times)
#   verify    GGUF magic, size, sha256; a mismatch deletes the bad bytes; then <file>.part → <file>
# Environment: HF_TOKEN (gated repos; reaches curl through its stdin config, never argv), RPS_STALL_SECONDS
# (30), RPS_RETRIES (8), RPS_POLL_SECONDS (1), RPS_DISK_RESERVE_MB (200).
# Failure codes: E_NOT_FOUND, E_HF_AUTH, E_NO_SPACE, E_NOT_GGUF, E_CHECKSUM, E_SIZE, E_DOWNLOAD, E_USAGE.
set -uo pipefail
# shellcheck source=remote/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

url=${1:-} dest_dir=${2:-} name=${3:-}
shift 3 2>/dev/null || rps_fail download E_USAGE "usage: model-download.sh <url> <dest-dir> <file-name> [options]"
want_sha='' want_size='' endpoint='' repo='' revision='main' rpath=''
while (($#)); do
  case $1 in
    --sha256) want_sha=${2:-} ;;
    --size) want_size=${2:-} ;;
    --endpoint) endpoint=${2:-} ;;
    --repo) repo=${2:-} ;;
    --revision) revision=${2:-} ;;
    --path) rpath=${2:-} ;;
    *) rps_fail download E_USAGE "unknown option: $1" ;;
  esac
  shift 2
done

# Names were checked by the app; check again here, since this script writes and deletes files.
case $name in
  '' | .* | */* | *[!A-Za-z0-9._+-]*) rps_fail download E_USAGE "not a plain file name: $name" ;;
esac
[[ $name == *.gguf ]] || rps_fail download E_USAGE "not a .gguf file name: $name"
[[ $url =~ ^https?://[A-Za-z0-9._:@/%+=~-]+$ ]] || rps_fail download E_USAGE "not a plain http(s) URL: $url"
[[ -z $want_sha || $want_sha =~ ^[0-9a-f]{64}$ ]] || rps_fail download E_USAGE "not a sha256: $want_sha"
[[ -z $want_size || $want_size =~ ^[0-9]+$ ]] || rps_fail download E_USAGE "not a size: $want_size"

STALL=${RPS_STALL_SECONDS:-30}
RETRIES=${RPS_RETRIES:-8}
POLL=${RPS_POLL_SECONDS:-1}
RESERVE=$((${RPS_DISK_RESERVE_MB:-200} * 1024 * 1024))

mkdir -p "$dest_dir" || rps_fail download E_DOWNLOAD "cannot create $dest_dir"
dest="$dest_dir/$name"
part="$dest.part"
marker="$dest_dir/.$name.sha256"  # the verified sha256 of <file>, so a second run skips re-hashing
work=$(mktemp -d) || rps_fail download E_DOWNLOAD "cannot create a temporary folder"
fetch_pid=''
cleanup() {
  [[ -n $fetch_pid ]] && kill "$fetch_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

tool=''
if command -v curl >/dev/null 2>&1; then tool=curl
elif command -v wget >/dev/null 2>&1; then tool=wget
else rps_fail download E_DOWNLOAD "neither curl nor wget is installed on the board"
fi

# The token travels as a curl config on stdin (or a private wgetrc), never on a command line.
curl_config() {
  if [[ -n ${HF_TOKEN:-} ]]; then printf 'header = "Authorization: Bearer %s"\n' "$HF_TOKEN"; fi
}
if [[ $tool == wget && -n ${HF_TOKEN:-} ]]; then
  (umask 077 && printf 'header = Authorization: Bearer %s\n' "$HF_TOKEN" >"$work/wgetrc")
  export WGETRC="$work/wgetrc"
fi

human() {
  # bytes → "1.23 GB" / "45.6 MB" / "789 kB"
  awk -v b="$1" 'BEGIN { if (b >= 1e9) printf "%.2f GB", b/1e9; else if (b >= 1e6) printf "%.1f MB", b/1e6;
    else printf "%d kB", b/1e3 }'
}
size_of() { stat -c %s "$1" 2>/dev/null || echo 0; }
now_ms() { date +%s%3N; }

# --- probe -------------------------------------------------------------------------------------------------
rps_step probe "Look up $name"
status='' linked_size='' linked_sha='' length=''
if [[ $tool == curl ]]; then
  curl_config | curl -sS -I -K - --connect-timeout 20 --max-time 60 -D "$work/head" -o /dev/null \
    -w '%{http_code}' "$url" >"$work/code" 2>"$work/err"
  status=$(cat "$work/code")
else
  wget -q -S --spider --max-redirect=0 -T 60 "$url" 2>"$work/head"
  status=$(awk '/^  HTTP\//{c=$2} END{print c}' "$work/head")
  sed -i 's/^  //' "$work/head"
fi
header() { tr -d '\r' <"$work/head" | awk -v h="$1" 'BEGIN{IGNORECASE=1} tolower($1)==tolower(h)":" {v=$2} END{print v}'; }
case $status in
  2?? | 3??) ;;
  401 | 403) rps_fail probe E_HF_AUTH "The server refused $name (HTTP $status): the repository is gated or private and needs a Hugging Face token with access." ;;
  404)
    why=$(header X-Error-Code)
    case $why in
      RepoNotFound) rps_fail probe E_NOT_FOUND "The repository ${repo:-of $name} does not exist (or is private)." ;;
      RevisionNotFound) rps_fail probe E_NOT_FOUND "The repository has no branch or commit ${revision}." ;;
      *) rps_fail probe E_NOT_FOUND "$name was not found in ${repo:-the repository}: $url answers 404." ;;
    esac ;;
  000 | '') rps_fail probe E_DOWNLOAD "The board cannot reach ${endpoint:-the server}: $(tail -n1 "$work/err" 2>/dev/null)" ;;
  *) rps_fail probe E_DOWNLOAD "$url answers HTTP $status." ;;
esac
linked_size=$(header X-Linked-Size)
linked_sha=$(header X-Linked-Etag | tr -d '"' | tr 'A-F' 'a-f')
[[ $linked_sha =~ ^[0-9a-f]{64}$ ]] || linked_sha=''
if [[ ! $linked_size =~ ^[0-9]+$ ]]; then
  linked_size=''
  # No X-Linked-Size (a mirror, a small file): the Content-Length after following redirects.
  if [[ $tool == curl ]]; then
    length=$(curl_config | curl -sS -I -L -K - --max-time 60 "$url" 2>/dev/null | tr -d '\r' |
      awk 'BEGIN{IGNORECASE=1} tolower($1)=="content-length:" {v=$2} END{print v}')
  fi
  [[ $length =~ ^[0-9]+$ ]] && ((length > 0)) || length=''
fi
hub_sha=$linked_sha hub_size=${linked_size:-$length}
if [[ (-z $hub_sha || -z $hub_size) && -n $endpoint && -n $repo && -n $rpath && $tool == curl ]] &&
  command -v python3 >/dev/null 2>&1; then
  # The tree API lists lfs.oid (the sha256) and lfs.size for LFS files.
  dir=''
  [[ $rpath == */* ]] && dir="/${rpath%/*}"
  read -r t_size t_sha < <(curl_config | curl -sS -f -K - --max-time 60 \
    "$endpoint/api/models/$repo/tree/$revision$dir" 2>/dev/null | python3 -c '
import json, sys
want = sys.argv[1]
try:
    for e in json.load(sys.stdin):
        if e.get("path") == want:
            lfs = e.get("lfs") or {}
            print(lfs.get("size") or e.get("size") or "", lfs.get("oid") or "-")
            break
except ValueError:
    pass
' "$rpath")
  [[ -z $hub_size && ${t_size:-} =~ ^[0-9]+$ ]] && hub_size=$t_size
  [[ -z $hub_sha && ${t_sha:-} =~ ^[0-9a-f]{64}$ ]] && hub_sha=$t_sha
fi
if [[ -n $want_sha && -n $hub_sha && $want_sha != "$hub_sha" ]]; then
  rps_fail probe E_CHECKSUM "The server publishes sha256 $hub_sha for $name, not the expected $want_sha: it is not the file the app asked for. Nothing was downloaded."
fi
expect_sha=${want_sha:-$hub_sha}
total=${hub_size:-$want_size}
[[ -n $total ]] && rps_info probe size "$total"
[[ -n $expect_sha ]] && rps_info probe sha256 "$expect_sha"
[[ -z $expect_sha ]] && rps_warn probe "The server publishes no sha256 for $name; only its size and GGUF header can be checked."
rps_done probe

# Already here and verified (a second run of the same download)?
if [[ -f $dest && -n $total && $(size_of "$dest") == "$total" && -f $marker && -n $expect_sha &&
  $(cat "$marker") == "$expect_sha" ]]; then
  rps_skip download "$name is already on the board and verified"
  rps_info download path "$dest"
  exit 0
fi

# --- disk ------------------------------------------------------------------------------------------------
rps_step disk "Check free disk space"
have=$(size_of "$part")
if [[ -n $total ]] && ((have > total)); then
  rps_warn disk "The partial file is larger than $name; starting over."
  rm -f "$part"
  have=0
fi
free=$(df -P -B1 "$dest_dir" | awk 'NR==2{print $4}')
if [[ -n $total ]]; then
  need=$((total - have))
  if ((need + RESERVE > free)); then
    rps_fail disk E_NO_SPACE "Downloading $name needs $(human "$need") more on the board's disk, but only $(human "$free") is free (keeping $(human "$RESERVE") spare). Free some space, e.g. delete models you no longer use."
  fi
  rps_done disk "$(human "$need") needed, $(human "$free") free"
else
  rps_warn disk "The size of $name is not known; $(human "$free") is free."
  rps_done disk
fi

# --- download --------------------------------------------------------------------------------------------
magic_ok() { [[ $(head -c 4 "$1" 2>/dev/null) == GGUF ]]; }
check_magic() {
  # A server that answers with an HTML page or a text file instead of the model: stop at once.
  if (($(size_of "$part") >= 4)) && ! magic_ok "$part"; then
    [[ -n $fetch_pid ]] && kill "$fetch_pid" 2>/dev/null
    rm -f "$part"
    rps_fail download E_NOT_GGUF "$url is not a GGUF model file (it does not start with the bytes GGUF); the downloaded bytes were removed."
  fi
}

start_fetch() {
  : >"$work/code"
  if [[ $tool == curl ]]; then
    # -C -: continue from the size of the .part file (a Range request); -f: HTTP errors are failures.
    { curl_config | curl -sS -f -L -K - -C - --connect-timeout 20 -o "$part" -w '%{http_code}' "$url" \
      >"$work/code" 2>"$work/err"; echo $? >"$work/rc"; } &
  else
    { wget -q -c -T 30 -O "$part" "$url" 2>"$work/err"; echo $? >"$work/rc"; } &
  fi
  fetch_pid=$!
}

rps_step download "Download $name"
attempt=0 backoff=2
while :; do
  have=$(size_of "$part")
  if [[ -n $total ]] && ((have >= total)); then break; fi
  rm -f "$work/rc"
  start_fetch
  # Samples of (time ms, bytes) over the last few seconds give the speed; an unchanged size for STALL
  # seconds is a stall, whatever the connection says.
  t_samples=() b_samples=()
  last_change=$(now_ms) last_size=$have stalled=''
  while [[ ! -e $work/rc ]]; do
    sleep "$POLL"
    [[ -e $work/rc ]] && break
    t=$(now_ms) b=$(size_of "$part")
    check_magic
    if ((b != last_size)); then last_change=$t last_size=$b; fi
    t_samples+=("$t") b_samples+=("$b")
    if ((${#t_samples[@]} > 4)); then t_samples=("${t_samples[@]:1}") b_samples=("${b_samples[@]:1}"); fi
    dt=$((t - t_samples[0])) speed=0
    ((dt > 0)) && speed=$(((b - b_samples[0]) * 1000 / dt))
    if [[ -n $total ]] && ((total > 0)); then
      eta=-1
      ((speed > 0)) && eta=$(((total - b) / speed))
      rps_progress download "$(rps_fraction "$b" "$total")" "bytes=$b total=$total speed=$speed eta=$eta"
    else
      rps_progress download 0 "bytes=$b total=0 speed=$speed eta=-1"
    fi
    if ((t - last_change > STALL * 1000)); then
      stalled=1
      kill "$fetch_pid" 2>/dev/null
      break
    fi
  done
  wait "$fetch_pid" 2>/dev/null
  rc=$(cat "$work/rc" 2>/dev/null || echo 1)
  code=$(cat "$work/code" 2>/dev/null)
  fetch_pid=''
  check_magic
  have=$(size_of "$part")
  if [[ -z $stalled && $rc == 0 ]]; then
    [[ -z $total || $have -ge $total ]] && break
  fi
  if [[ -z $stalled ]]; then
    case $code in
      404) rps_fail download E_NOT_FOUND "$name disappeared from the server (HTTP 404)." ;;
      401 | 403) rps_fail download E_HF_AUTH "The server refused $name (HTTP $code): a token with access is needed." ;;
      416)
        # The server has nothing after our offset: the part file is complete or wrong; verify decides.
        [[ -z $total ]] && break
        ;;
    esac
  fi
  attempt=$((attempt + 1))
  if ((attempt > RETRIES)); then
    rps_fail download E_DOWNLOAD "The download of $name kept failing after $RETRIES retries; $(human "$have") are kept in $name.part and the next attempt continues from there."
  fi
  if [[ -n $stalled ]]; then
    why="no data for ${STALL} s"
  else
    why="the transfer stopped ($(tail -n1 "$work/err" 2>/dev/null || echo "curl exit $rc"))"
  fi
  rps_warn download "$why; retrying in ${backoff} s (attempt $attempt of $RETRIES), continuing from $(human "$have")"
  rps_progress download "$(rps_fraction "$have" "${total:-1}")" "bytes=$have total=${total:-0} speed=0 eta=-1 retry=$backoff"
  sleep "$backoff"
  backoff=$((backoff * 2 > 30 ? 30 : backoff * 2))
done
have=$(size_of "$part")
rps_progress download 1.000 "bytes=$have total=${total:-$have} speed=0 eta=0"
rps_done download

# --- verify ----------------------------------------------------------------------------------------------
rps_step verify "Check $name"
if ! magic_ok "$part"; then
  rm -f "$part"
  rps_fail verify E_NOT_GGUF "$url is not a GGUF model file (it does not start with the bytes GGUF); the downloaded bytes were removed."
fi
if [[ -n $total && $have != "$total" ]]; then
  rm -f "$part"
  rps_fail verify E_SIZE "$name has $have bytes, not the $total the server announced; the bytes were removed."
fi
if [[ -n $expect_sha ]]; then
  got=$(sha256sum "$part" | cut -d' ' -f1)
  if [[ $got != "$expect_sha" ]]; then
    rm -f "$part"
    rps_fail verify E_CHECKSUM "The sha256 of the downloaded $name is $got, but $expect_sha was expected; the damaged download was deleted."
  fi
  printf '%s\n' "$expect_sha" >"$marker"
else
  rm -f "$marker"
fi
mv -f "$part" "$dest"
rps_info verify path "$dest"
rps_done verify "${expect_sha:+sha256 $expect_sha}"
