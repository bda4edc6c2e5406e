#!/usr/bin/env bash
# The manual's step 4: put llama.cpp/build/bin on PATH in ~/.bash_profile between `# Begin llama.cpp` and
# `# End llama.cpp`. Added once (a block written by hand with the manual is recognised); `--remove` deletes
# the block. Parameters (environment): RPS_LLM_DIR, RPS_PROFILE (default ~/.bash_profile).
set -euo pipefail
# shellcheck source=remote/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rps_banner path.sh

profile=${RPS_PROFILE:-$HOME/.bash_profile}
bindir="$RPS_LLAMA_SRC/build/bin"
begin='# Begin llama.cpp'
end='# End llama.cpp'

has_block() { [[ -f $profile ]] && grep -qxF "$begin" "$profile"; }

if [[ ${1:-} == --remove ]]; then
  rps_step path Remove llama.cpp from PATH
  if ! has_block; then rps_skip path "no llama.cpp block in $profile"; exit 0; fi
  tmp=$(mktemp "$profile.XXXXXX")
  # The block and the blank line the manual writes after it.
  awk -v b="$begin" -v e="$end" '
    $0 == b {skip = 1; next}
    skip && $0 == e {skip = 0; after = 1; next}
    after && $0 == "" {after = 0; next}
    {after = 0}
    !skip' "$profile" >"$tmp"
  chmod --reference="$profile" "$tmp" 2>/dev/null || true
  mv -f "$tmp" "$profile"
  rps_done path "removed the llama.cpp block from $profile"
  exit 0
fi

rps_step path Add llama.cpp to PATH
if has_block; then
  rps_skip path "$profile already has a llama.cpp block"
  exit 0
fi
if [[ ! -e $profile && -f $HOME/.profile ]]; then
  # Once ~/.bash_profile exists, login shells stop reading ~/.profile (Ubuntu's PATH and .bashrc): keep it.
  # shellcheck disable=SC2016  # written literally, expanded when the profile runs
  printf '%s\n' '# Created by RUBIK Pi Studio; bash reads ~/.profile only when this file does not exist.' \
    'if [ -f "$HOME/.profile" ]; then . "$HOME/.profile"; fi' >"$profile"
fi
# Same lines as the manual writes, with $PATH left for the shell to expand.
# shellcheck disable=SC2016
printf '\n%s\nexport PATH=$PATH:%q\n%s\n\n' "$begin" "$bindir" "$end" >>"$profile"
rps_done path "added $bindir to PATH in $profile (new terminals; or: source $profile)"
