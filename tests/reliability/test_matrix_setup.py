"""Fault matrix, row "setup build" (issue 10): the board's setup job (remote/setup.sh) while ninja runs.

Each cell runs the app's whole setup on a fresh board account (a build needs an empty ~/dev/llm) and breaks
one thing while ninja is compiling. The compile goes through the rig's shared ccache (tests/rig/build.py), so
a build takes tens of seconds instead of minutes, which is still a window for every fault.

"Nothing duplicated" is checked three ways: the jobs with the key `setup` on the board, the `step build`
lines in their logs (each a cmake + ninja run), and ninja's own log (`.ninja_log` gains one line per edge it
finished: an object compiled twice shows up twice). The build dir's stamp says the build completed.
"""

from __future__ import annotations

import itertools
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import rig
from reliability_lab import STALL_SECONDS, CellRecord, Line
from rig import faults
from rig.build import rig_setup_spec
from test_matrix_transfer import once, said_stalled_and_back, stall_for

from rubikpi_studio.core import jobs
from rubikpi_studio.core.errors import StudioError
from rubikpi_studio.core.events import PROGRESS, WARN, Event
from rubikpi_studio.core.setup import JOB_KEY, run_setup
from rubikpi_studio.core.ssh import Board

_COMPILING = re.compile(r"compiling \((\d+)/(\d+)\)")


def compiling(at: float) -> Callable[[Event], bool]:
    """Event predicate: ninja has done at least this fraction of the build."""
    return lambda ev: ev.kind == PROGRESS and ev.step == "build" and (ev.fraction or 0) >= at


@pytest.fixture
def board_account(fresh_account: rig.RigAccount) -> Iterator[rig.RigAccount]:
    yield fresh_account
    rig.run_as(fresh_account.user, 'pkill -KILL -u "$(id -u)"; true')


def _src(account: rig.RigAccount) -> str:
    return f"{account.home}/dev/llm/llama.cpp"


def _job_logs(account: rig.RigAccount) -> list[str]:
    ids = sorted(faults.job_dirs(account.user, account.home, JOB_KEY))
    base = f"{account.home}/{jobs.STATE_DIR}"
    return [rig.run_as(account.user, ["cat", f"{base}/{i}/log"]).stdout for i in ids]


def _ninja_totals(log: str) -> list[int]:
    """The `m` of ninja's first `[n/m]` line in each ninja run of a job log."""
    totals = []
    for run in log.split("@rps1 step build ")[1:]:
        m = re.search(r"^\[\d+/(\d+)\] ", run, re.M)
        if m:
            totals.append(int(m.group(1)))
    return totals


def check_built_once(account: rig.RigAccount) -> dict[str, int]:
    """The build finished (stamp, binaries, `build` link) and no ninja edge ran twice; returns counts."""
    src = _src(account)
    dirs = rig.run_as(account.user, f"cd {src} && ls -d build-* && readlink build").stdout.split()
    *builds, current = dirs
    assert builds == [current], f"one build dir, the current one: {dirs}"
    bdir = f"{src}/{current}"
    stamp = rig.run_as(account.user, ["cat", f"{bdir}/.rps-build-stamp"]).stdout
    assert stamp.startswith("commit="), "the build dir's stamp says the build completed"
    assert rig.run_as(account.user, ["test", "-x", f"{bdir}/bin/llama-server"]).returncode == 0
    ninja_log = rig.run_as(account.user, ["cat", f"{bdir}/.ninja_log"]).stdout
    outputs = [ln.split("\t")[3] for ln in ninja_log.splitlines() if ln and not ln.startswith("#")]
    twice = [o for o, n in Counter(outputs).items() if n > 1]
    assert not twice, f"compiled twice: {twice[:5]}"
    return {"edges": len(outputs)}


def _connect(account: rig.RigAccount, port: int, kh: Path) -> Board:
    return rig.connect(account, port, kh)


@pytest.mark.cell("setup build", "connection cut")
def test_setup_cut(
    rig_sshd: rig.RigSshd, board_account: rig.RigAccount, line: Line, cell: CellRecord
) -> None:
    acct = board_account
    events: list[Event] = []
    cut = once(compiling(0.1), line.proxy.cut)

    def report(ev: Event) -> None:
        events.append(ev)
        cut(ev)

    board = _connect(acct, line.port, line.known_hosts)
    result = run_setup(
        board, rig_setup_spec(), sudo_password=acct.password, report=report,
        reconnect=lambda: _connect(acct, line.port, line.known_hosts),
    )  # fmt: skip
    assert cut.fired.is_set() and line.proxy.accepted >= 2  # type: ignore[attr-defined]
    assert result.job.status == 0 and "build" in result.done
    (log,) = _job_logs(acct)  # one setup job
    assert log.count("@rps1 step build ") == 1, "one cmake + ninja run"
    counts = check_built_once(acct)
    cell.fact("ninja seconds", result.info.get("seconds"))
    told = [e.message for e in events if e.kind == WARN and e.step == JOB_KEY]
    assert len(told) == 2 and "dropped" in told[0] and "Reconnected" in told[1], told
    cell.note(" / ".join(told))
    cell.note(
        f"one setup job, one ninja run ({counts['edges']} edges, none twice); finished: {result.summary()}"
    )


@pytest.mark.cell("setup build", "connection stalled")
def test_setup_stall(
    rig_sshd: rig.RigSshd, board_account: rig.RigAccount, line: Line, cell: CellRecord
) -> None:
    acct = board_account
    seen: list[tuple[float, Event]] = []
    stall = once(compiling(0.1), lambda: stall_for(line))

    def report(ev: Event) -> None:
        seen.append((time.monotonic(), ev))
        stall(ev)

    board = _connect(acct, line.port, line.known_hosts)
    result = run_setup(
        board, rig_setup_spec(), sudo_password=acct.password, report=report,
        reconnect=lambda: _connect(acct, line.port, line.known_hosts),
    )  # fmt: skip
    assert stall.fired.is_set()  # type: ignore[attr-defined]
    assert result.job.status == 0 and "build" in result.done
    assert line.proxy.accepted >= 2, "the app gave up on the stalled connection and reconnected"
    (log,) = _job_logs(acct)
    assert log.count("@rps1 step build ") == 1
    counts = check_built_once(acct)
    cell.fact("ninja seconds", result.info.get("seconds"))
    gap = max(b[0] - a[0] for a, b in itertools.pairwise(seen))
    assert gap >= 30, "the events really paused (a poll waits 30 s before the app calls the link stalled)"
    cell.fact("longest pause between events (s)", round(gap, 1))
    said_stalled_and_back([ev for _, ev in seen], cell)
    cell.note(
        f"{STALL_SECONDS:.0f} s stall: one job, one ninja run ({counts['edges']} edges, none twice); finished"
    )


@pytest.mark.cell("setup build", "board process killed")
def test_setup_board_kill(
    rig_sshd: rig.RigSshd, board_account: rig.RigAccount, tmp_known_hosts: Path, cell: CellRecord
) -> None:
    acct = board_account
    board = _connect(acct, rig_sshd.port, tmp_known_hosts)
    kill = once(compiling(0.3), lambda: faults.kill_job(acct.user, acct.home, JOB_KEY))
    with pytest.raises(StudioError) as info:
        run_setup(board, rig_setup_spec(), sudo_password=acct.password, report=kill)
    assert kill.fired.is_set()  # type: ignore[attr-defined]
    assert info.value.code == jobs.KILLED and info.value.data.get("step") == "build", info.value
    assert "Run it again" in str(info.value), "the message says how to go on"
    cell.note(f"{type(info.value).__name__}: {info.value}")
    result = run_setup(board, rig_setup_spec(), sudo_password=acct.password)  # one call resumes
    assert result.job.status == 0 and "build" in result.done
    first, second = _job_logs(acct)
    (total,), (rest,) = _ninja_totals(first), _ninja_totals(second)
    assert rest < total, "the second ninja run only compiled what the killed one had not finished"
    check_built_once(acct)
    cell.fact("edges left for the resumed build", f"{rest} of {total}")
    cell.note(f"the next setup call resumed the build dir: {rest} of {total} edges left, none compiled twice")
    board.close()


@pytest.mark.cell("setup build", "app killed (SIGKILL) and restarted")
def test_setup_app_kill(
    rig_sshd: rig.RigSshd, board_account: rig.RigAccount, tmp_known_hosts: Path, cell: CellRecord
) -> None:
    acct = board_account
    spec = {
        "port": rig_sshd.port,
        "user": acct.user,
        "identity": str(acct.key_path),
        "known_hosts": str(tmp_known_hosts),
        "sudo": acct.password,
    }

    def past(ev: dict[str, object]) -> bool:
        m = _COMPILING.search(str(ev.get("message") or ""))
        return ev.get("step") == "build" and m is not None and int(m[1]) >= int(m[2]) * 0.1

    first = faults.AppProcess("setup", spec)
    first.wait_for(past, timeout=300)
    first.kill9()
    with _connect(acct, rig_sshd.port, tmp_known_hosts) as board:
        assert jobs.find_running(board, JOB_KEY) is not None, "the build goes on without the app"
    second = faults.AppProcess("setup", spec)
    out = second.result()
    assert out["kind"] == "result" and "build" in out["done"], out  # type: ignore[operator]
    (log,) = _job_logs(acct)
    assert log.count("@rps1 step build ") == 1
    counts = check_built_once(acct)
    told = [e["message"] for e in second.events if e.get("kind") == "info" and e.get("step") == JOB_KEY]
    assert told, second.events[:5]
    cell.note(str(told[0]))
    cell.note(f"one setup job, one ninja run ({counts['edges']} edges, none twice); finished")
