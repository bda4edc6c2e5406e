"""Fixtures for the reliability suite: a board account with llama.cpp's binaries and models in the manual's
layout, a FaultProxy in front of the rig's sshd, and a results file that `tools/reliability_table.py` turns
into docs/reliability.md.

Each fault-matrix test carries `@pytest.mark.cell("<operation>", "<fault>")` and records, through the `cell`
fixture, what the user was told and how the work ended. The outcome (passed/failed/skipped) is added by the
hook below and merged into `$RPS_RELIABILITY_RESULTS` (default: build/reliability-results.json), keyed by
cell, so partial runs update their own rows.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import rig
from rig import faults
from rig import models as rig_models
from rig.build import llama_bin_dir
from rig.faultproxy import FaultProxy
from rig.llama_source import cache_dir

ROOT = Path(__file__).resolve().parents[2]
RESULTS_ENV = "RPS_RELIABILITY_RESULTS"
MODEL_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
# A stalled link lasts this long in the matrix. The issue asks for 60 s; 12 s keeps the 24 cells inside CI's
# time budget and is still longer than every poll/read interval the app uses except its timeouts (30 s for a
# quick command, 300 s between chat bytes), so the app has to ride the stall out, not retry around it.
STALL_SECONDS = 60.0


def results_path() -> Path:
    return Path(os.environ.get(RESULTS_ENV) or ROOT / "build" / "reliability-results.json")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "cell(operation, fault): one cell of the reliability fault matrix")


@dataclass
class CellRecord:
    operation: str
    fault: str
    notes: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def note(self, text: str) -> None:
        """What the user was told (an error message, an event) or what the test saw, for the table."""
        self.notes.append(" ".join(str(text).split())[:300])

    def fact(self, name: str, value: Any) -> None:
        self.facts[name] = value


@pytest.fixture
def cell(request: pytest.FixtureRequest) -> CellRecord:
    marker = request.node.get_closest_marker("cell")
    assert marker is not None, "a test using `cell` needs @pytest.mark.cell(operation, fault)"
    record = CellRecord(*marker.args)
    request.node._rps_cell = record
    return record


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    marker = item.get_closest_marker("cell")
    if marker is None:
        return report
    done = report.when == "call" or (report.when == "setup" and not report.passed)
    if not done:
        return report
    record: CellRecord | None = getattr(item, "_rps_cell", None)
    row = {
        "operation": marker.args[0],
        "fault": marker.args[1],
        "test": item.nodeid,
        "outcome": report.outcome,
        "seconds": round(report.duration, 1),
        "notes": record.notes if record else [],
        "facts": record.facts if record else {},
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    if report.skipped and isinstance(report.longrepr, tuple):
        row["notes"] = [*row["notes"], f"skipped: {report.longrepr[2]}"]
    elif report.failed:
        row["notes"] = [*row["notes"], f"failed: {str(report.longrepr).splitlines()[-1][:300]}"]
    _merge_result(row)
    return report


def _merge_result(row: dict[str, Any]) -> None:
    path = results_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            rows = json.loads(path.read_text())
        except (OSError, ValueError):
            rows = []
        rows = [r for r in rows if (r["operation"], r["fault"]) != (row["operation"], row["fault"])]
        rows.append(row)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(rows, indent=1, sort_keys=True))
        tmp.replace(path)


# --- the board ----------------------------------------------------------------------------------------------


LLAMA_TOOLS = ("llama-server", "llama-quantize")


def static_llama_bin() -> Path:
    """bin/ of a llama.cpp build whose tools need no libllama.so, so a copy runs for another account: the rig
    cache's (`rig.build.llama_bin_dir`: $RPS_LLAMA_BIN_DIR, else built now by remote/build.sh under
    `cache_dir()` when missing, instant when cached).

    Fails, with the reason, when there is none and none can be made: a skip here would turn the fault
    matrix, the secrets scan and the injection canary into skips that a CI run reports as green.
    """
    try:
        bindir = llama_bin_dir()
    except (RuntimeError, OSError) as exc:  # remote/build.sh failed, or the source could not be fetched
        pytest.fail(f"the reliability suite needs llama.cpp and building it failed: {exc}", pytrace=False)
    if bindir is None:
        pytest.fail(
            "the reliability suite needs llama.cpp and it cannot be built here: remote/build.sh needs cmake, "
            f"ninja, git and c++ and a writable {cache_dir()} (or point RPS_LLAMA_BIN_DIR at a static build)",
            pytrace=False,
        )
    for tool in LLAMA_TOOLS:
        if not os.access(bindir / tool, os.X_OK):
            pytest.fail(f"{bindir} has no executable {tool}", pytrace=False)
        ldd = subprocess.run(["ldd", str(bindir / tool)], capture_output=True, text=True).stdout
        if "libllama" in ldd or "libOpenCL" in ldd:
            pytest.fail(
                f"{bindir / tool} is not a static CPU build (it needs libllama/libOpenCL)", pytrace=False
            )
    return bindir


@dataclass(frozen=True)
class Lab:
    """A board account with llama-server/llama-quantize in the manual's layout and SmolLM2 + a tiny f16."""

    sshd: rig.RigSshd
    account: rig.RigAccount
    known_hosts: Path

    @property
    def user(self) -> str:
        return self.account.user

    @property
    def home(self) -> Path:
        return self.account.home

    @property
    def models(self) -> str:
        return f"{self.account.home}/dev/llm/models"

    @property
    def bin(self) -> str:
        return f"{self.account.home}/dev/llm/llama.cpp/build/bin"

    def connect(self, port: int | None = None, known_hosts: Path | None = None) -> Any:
        return rig.connect(self.account, port or self.sshd.port, known_hosts or self.known_hosts)

    def sh(self, cmd: str) -> str:
        return rig.run_as(self.user, cmd).stdout


@pytest.fixture(scope="session")
def lab(rig_sshd: rig.RigSshd, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    bindir = static_llama_bin()
    account = rig.make_fresh_account()
    try:
        dst = account.home / "dev/llm/llama.cpp/build/bin"
        mdir = account.home / "dev/llm/models"
        dst.mkdir(parents=True)
        mdir.mkdir(parents=True)
        for tool in LLAMA_TOOLS:
            shutil.copy2(bindir / tool, dst / tool)
        shutil.copy2(rig_models.smollm2_path(), mdir / MODEL_NAME)
        subprocess.run(["chown", "-R", f"{account.user}:", str(account.home / "dev")], check=True)
        kh = rig_sshd.write_known_hosts(tmp_path_factory.mktemp("lab") / "known_hosts")
        yield Lab(rig_sshd, account, kh)
    finally:
        with contextlib.suppress(Exception):
            rig.run_as(account.user, 'pkill -KILL -u "$(id -u)"; true')
        rig.remove_account(account)


@dataclass
class Line:
    """A FaultProxy in front of the rig's sshd and a known_hosts pinning the rig's key at its port."""

    proxy: FaultProxy
    known_hosts: Path

    @property
    def port(self) -> int:
        return self.proxy.port


@pytest.fixture
def line(rig_sshd: rig.RigSshd, tmp_path: Path) -> Iterator[Line]:
    with FaultProxy(rig_sshd.port) as proxy:
        kh = faults.pin_for_port(rig_sshd, proxy.port, tmp_path / "proxy_known_hosts")
        yield Line(proxy, kh)
