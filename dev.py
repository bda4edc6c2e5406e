#!/usr/bin/env python3
"""Developer entry point: `python3 dev.py app` runs the app, `python3 dev.py test` runs the whole suite.

Both create `.venv` beside this file on first use and install what is needed into it; only Python 3.11+ is
required beforehand. `test` first prepares the board rig's system packages when it can (root or sudo) by
running `tests/rig/provision.sh`, which installs only what is missing, python3-venv included (Debian's
python3 cannot give a venv pip without it). A `.venv` left without pip is made again.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


NO_ENSUREPIP = (
    "Python's venv could not install pip into {venv}.\n"
    "On Debian or Ubuntu install python3-venv first (sudo apt install python3-venv; `dev.py test` run as "
    "root does it), then run this again."
)


def _has_pip() -> bool:
    """A .venv whose creation stopped half-way (no ensurepip) has a python but no pip: it is not usable."""
    if not PY.exists():
        return False
    return subprocess.run([str(PY), "-m", "pip", "--version"], capture_output=True).returncode == 0


def _make_venv() -> None:
    print(f"Creating {VENV} ...", flush=True)
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    except subprocess.CalledProcessError:  # ensurepip failed or is missing (Debian without python3-venv)
        shutil.rmtree(VENV, ignore_errors=True)  # never leave a broken .venv that a later run takes as valid
        sys.exit(NO_ENSUREPIP.format(venv=VENV))


def _ensure_venv(extra: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py itself may be started by an older python3
        sys.exit(f"RUBIK Pi Studio needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    stamp = VENV / f".installed-{extra or 'app'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if PY.exists() and stamp.exists() and stamp.read_text() == digest:
        return
    if not _has_pip():
        if VENV.exists():
            print(f"{VENV} has no working pip: making it again.", flush=True)
        _make_venv()
    target = f".[{extra}]" if extra else "."
    print(f"Installing {target} into {VENV} ...", flush=True)
    pip = [str(PY), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.check_call([*pip, "--upgrade", "pip"], cwd=ROOT)
    subprocess.check_call([*pip, "-e", target], cwd=ROOT)
    stamp.write_text(digest)


def _provision_rig() -> None:
    script = ROOT / "tests" / "rig" / "provision.sh"
    if os.name != "posix" or not script.exists():
        return
    if os.geteuid() == 0:
        cmd = ["bash", str(script)]
    elif subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0:
        cmd = ["sudo", "-n", "bash", str(script)]
    else:
        print("Not root and no passwordless sudo: skipping the rig's system packages (rig tests will skip).")
        return
    subprocess.check_call(cmd, cwd=ROOT)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("app", "test", "cli"):
        print(__doc__)
        return 2
    what, rest = argv[0], argv[1:]
    if what == "app":
        _ensure_venv("")
        return subprocess.call([str(PY), "-m", "rubikpi_studio", *rest], cwd=ROOT)
    if what == "cli":
        _ensure_venv("")
        return subprocess.call([str(PY), "-m", "rubikpi_studio", "--cli", *rest], cwd=ROOT)
    # The rig's apt packages first: they include python3-venv, without which the .venv cannot get pip.
    _provision_rig()
    _ensure_venv("dev")
    return subprocess.call([str(PY), "-m", "pytest", *rest], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
