"""llama.cpp on the rig board, built by the app's own setup job (remote/setup.sh) from the local repository.

The compile cache is shared by every rig account (group `rpsrig`) and kept outside the clone, so a rebuild
or another account's build is mostly cache hits. Nothing depends on the cache existing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from rig.llama_source import (
    LlamaSource,
    cache_dir,
    ensure_llama_build,
    ensure_llama_source,
    rig_ccache_dir,
    trust_system_wide,
)
from rubikpi_studio.core.setup import SetupSpec


def rig_source() -> LlamaSource:
    source = ensure_llama_source()
    if os.geteuid() == 0:
        trust_system_wide(source)  # another unix user clones it: git's safe.directory
    return source


def rig_setup_spec(*, gpu: str = "off", **kw: object) -> SetupSpec:
    """The setup the app would run, pointed at the local repository instead of GitHub."""
    source = rig_source()
    env = {"CCACHE_DIR": str(rig_ccache_dir()), "CCACHE_UMASK": "002"}
    env.update(kw.pop("extra_env", {}))  # type: ignore[arg-type]
    return SetupSpec(llama_repo=str(source.repo), llama_ref=source.commit, gpu=gpu, extra_env=env, **kw)  # type: ignore[arg-type]


def llama_bin_dir() -> Path | None:
    """A bin/ folder of static llama.cpp binaries for tests: $RPS_LLAMA_BIN_DIR, else the rig cache's build
    (made now by remote/build.sh if missing: minutes cold, instant cached). None when it cannot be made."""
    env = os.environ.get("RPS_LLAMA_BIN_DIR")
    if env:
        return Path(env) if (Path(env) / "llama-server").is_file() else None
    if not all(shutil.which(t) for t in ("cmake", "ninja", "git", "c++")):
        return None
    try:
        cache_dir().mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    if not os.access(cache_dir(), os.W_OK):
        return None
    return ensure_llama_build()
