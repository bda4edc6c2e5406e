"""dev.py, the README's two commands: on a fresh Debian machine `dev.py test` must install the rig's apt
packages (python3-venv among them) before it makes `.venv`, and a `.venv` left without pip is made again.

Each test runs a copy of dev.py in its own folder, so the real `.venv` is never touched.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def copy_dev(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "dev.py", tmp_path / "dev.py")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path / "dev.py"


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"dev_copy_{abs(hash(path))}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="dev.py provisions only as root")
def test_test_command_provisions_before_making_the_venv(tmp_path: Path) -> None:
    """provision.sh here records whether .venv existed when it ran, then fails (as apt would offline):
    dev.py must have made no .venv before it, and none after a failed provisioning either."""
    dev = copy_dev(tmp_path)
    rig = tmp_path / "tests" / "rig"
    rig.mkdir(parents=True)
    marker = tmp_path / "provision-saw"
    seen = f'if [ -e "{tmp_path}/.venv" ]; then echo venv; else echo none; fi > "{marker}"'
    (rig / "provision.sh").write_text(f"{seen}\nexit 7\n")
    run = subprocess.run([sys.executable, str(dev), "test"], capture_output=True, text=True, timeout=120)
    assert run.returncode != 0
    assert marker.read_text().strip() == "none", "dev.py made .venv before the apt packages were there"
    assert not (tmp_path / ".venv").exists()


def test_a_venv_without_pip_is_made_again(tmp_path: Path) -> None:
    """What a failed ensurepip leaves (a python, no pip) was taken as a valid .venv; now it is made again."""
    dev = load(copy_dev(tmp_path))
    assert str(dev.VENV) == str(tmp_path / ".venv")
    venv.EnvBuilder(with_pip=False).create(dev.VENV)
    assert dev.PY.exists()
    assert not dev._has_pip()
    dev._make_venv()
    assert dev._has_pip()
    version = subprocess.run([str(dev.PY), "-m", "pip", "--version"], capture_output=True, text=True)
    assert str(dev.VENV) in version.stdout
