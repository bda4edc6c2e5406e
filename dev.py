#!/usr/bin/env python3
"""Developer entry point: `python3 dev.py app` runs the app, `python3 dev.py test` runs the whole suite.

Both create `.venv` beside this file on first use and install what is needed into it; only Python 3.11+ is
required beforehand. `test` also prepares the board rig's system packages when it can (root or sudo) by
running `tests/rig/provision.sh`, which installs only what is missing.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


def _ensure_venv(extra: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py itself may be started by an older python3
        sys.exit(f"RUBIK Pi Studio needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PY.exists():
        print(f"Creating {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{extra or 'app'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
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
    _ensure_venv("dev")
    _provision_rig()
    return subprocess.call([str(PY), "-m", "pytest", *rest], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
