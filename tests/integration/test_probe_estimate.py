"""The Check page's plan from the real probe on the rig: a new account (nothing built) and the built board.

The probe reads the setup's own apt list from remote/lib.sh (the one deps.sh installs from), so what it calls
missing is what the setup would install; the rig's dpkg is Debian's, with the build tools installed.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import rig

from rubikpi_studio.core.appdirs import remote_dir
from rubikpi_studio.core.errors import UsageError
from rubikpi_studio.core.estimate import estimate_setup
from rubikpi_studio.core.probe import probe


def _wanted_by_setup() -> list[str]:
    """The list remote/deps.sh installs from, read by sourcing lib.sh here (no copy in the test)."""
    out = subprocess.run(
        ["bash", "-c", 'source "$1"; RPS_GPU=off; rps_wanted_packages', "x", str(remote_dir() / "lib.sh")],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.split()


def test_fresh_account_plans_a_build_and_the_built_board_plans_nothing(
    rig_sshd: rig.RigSshd,
    fresh_account: rig.RigAccount,
    built_board: Any,
    tmp_known_hosts: Path,
) -> None:
    wanted = _wanted_by_setup()
    assert "cmake" in wanted and "build-essential" in wanted
    with rig.connect(fresh_account, rig_sshd.port, tmp_known_hosts) as board:
        fresh = probe(board)
        # A package dpkg does not have, through the same parameter the setup job takes.
        odd = probe(board, env={"RPS_APT_PACKAGES": "cmake rps-no-such-package", "RPS_GPU": "on"})
    with built_board.connect() as board:
        built = probe(board)

    assert fresh.gpu_build == "cpu" and fresh.dpkg  # no KGSL on the rig: a CPU build
    assert fresh.apt_wanted.split() == wanted
    assert fresh.apt_packages_missing == ()  # the rig builds llama.cpp itself: its tools are installed
    assert fresh.apt_packages_present == tuple(wanted)
    assert not fresh.has_llama_cpp and not fresh.llama_src
    plan = estimate_setup(fresh)
    assert plan.build_llama and plan.clone_llama and not plan.build_opencl
    assert plan.build_bytes >= 500 * 1024 * 1024
    low, high = plan.minutes
    assert 1 <= low < high
    assert plan.jobs == max(1, min(fresh.cpu_cores, fresh.mem_available_kb // 1024 // 1536))

    assert odd.apt_packages_missing == ("rps-no-such-package",)
    assert odd.apt_packages_present == ("cmake", "clinfo")  # an OpenCL build adds clinfo
    assert odd.gpu_build == "opencl" and odd.opencl_include  # Debian's opencl-headers on the rig
    odd_plan = estimate_setup(odd)
    assert odd_plan.apt_missing == ("rps-no-such-package",) and odd_plan.opencl_present
    assert odd_plan.build_bytes > plan.build_bytes - 1  # one package more to install
    assert odd_plan.minutes[1] > high  # apt work adds time

    assert built.has_llama_cpp and built.llama_src
    built_plan = estimate_setup(built)
    assert not built_plan.build_llama and built_plan.apt_missing == ()
    assert built_plan.build_bytes == 0 and built_plan.minutes == (0, 1)


def test_probe_refuses_a_parameter_that_is_not_the_scripts(built_board: Any) -> None:
    with built_board.connect() as board, pytest.raises(UsageError):
        probe(board, env={"LD_PRELOAD": "/tmp/x.so"})
