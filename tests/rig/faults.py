"""Shared helpers for the reliability suite (tests/reliability): connections through a FaultProxy, the
app's core operations run in a child process that a test can SIGKILL, and looks at the board's processes.

`AppProcess` runs `tests/reliability/driver.py` (the app's core calls, headless like the CLI) and reads the
one-JSON-object-per-line events it prints, so a test can kill it at a chosen moment ("mid-download") and
start it again.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rig.sshd import RigSshd, run_as
from rubikpi_studio.core import jobs

ROOT = Path(__file__).resolve().parents[2]
DRIVER = ROOT / "tests" / "reliability" / "driver.py"


def pin_for_port(sshd: RigSshd, port: int, path: Path) -> Path:
    """A known_hosts file that pins the rig's real host key for `[127.0.0.1]:<port>` (a proxy's port)."""
    return sshd.write_known_hosts(path, port)


def wait_until(cond: Callable[[], object], timeout: float = 60.0, what: str = "", step: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:.0f} s: {what}")


def pgrep(user: str, pattern: str, *, exact: bool = False) -> list[int]:
    flag = "-x" if exact else "-f"
    out = run_as(user, f'pgrep -u "$(id -u)" {flag} -- {_sq(pattern)} || true').stdout
    return [int(p) for p in out.split()]


def _sq(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


def kill_job(user: str, home: Path, key: str, sig: str = "KILL") -> int:
    """Kill the process group of the running job with this key on the board (as a crash, an OOM kill or a
    user's `kill` would); returns the group id killed."""
    jobs = home / ".local/state/rubikpi-studio/jobs"
    job_id = run_as(user, f"cat {_sq(str(jobs / 'by-key' / key))}").stdout.strip()
    assert job_id, f"no running job {key}"
    pid = int(run_as(user, f"cat {_sq(str(jobs / job_id / 'pid'))}").stdout.strip())
    run_as(user, f"kill -{sig} -- -{pid}; true")
    return pid


def job_dirs(user: str, home: Path, key: str) -> list[str]:
    """Every job ever started with this key (their `key` files), to prove nothing ran twice."""
    jobs = home / ".local/state/rubikpi-studio/jobs"
    out = run_as(user, f"grep -lx -- {_sq(key)} {_sq(str(jobs))}/*/key 2>/dev/null || true").stdout
    return [line.rsplit("/", 2)[-2] for line in out.split()]


class AppProcess:
    """One run of the app's core operation in a child process (`driver.py`), killable with SIGKILL."""

    def __init__(self, op: str, spec: dict[str, Any], env: dict[str, str] | None = None) -> None:
        self.events: list[dict[str, Any]] = []
        self.stderr = b""
        self._err = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process it logs
        self._cond = threading.Condition()
        full_env = dict(os.environ)
        full_env.update(env or {})
        full_env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "tests")])
        self.proc = subprocess.Popen(
            [sys.executable, str(DRIVER), op, json.dumps(spec)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._err,
            env=full_env,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            try:
                obj = json.loads(raw)
            except ValueError:
                continue
            obj["t"] = time.monotonic()
            with self._cond:
                self.events.append(obj)
                self._cond.notify_all()

    def wait_for(self, pred: Callable[[dict[str, Any]], bool], timeout: float = 120.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for ev in self.events:
                    if pred(ev):
                        return ev
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._reader.is_alive()):
                    raise AssertionError(
                        f"the app process never reported the awaited event; events={self.events[-5:]} "
                        f"stderr={self._stderr_now()!r}"
                    )
                self._cond.wait(min(left, 0.2))

    def _stderr_now(self) -> str:
        self._err.seek(0)
        return self._err.read().decode(errors="replace")[-2000:]

    def kill9(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._reader.join(timeout=10)
        self._close()

    def _close(self) -> None:
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._err.close()

    def result(self, timeout: float = 600.0) -> dict[str, Any]:
        """Wait for the end; the last `result` or `error` object."""
        self.proc.wait(timeout=timeout)
        self._reader.join(timeout=10)
        err = self._stderr_now()
        self._close()
        for ev in reversed(self.events):
            if ev.get("kind") in ("result", "error"):
                return ev
        raise AssertionError(f"the app process ended ({self.proc.returncode}) without a result: {err}")


Step = tuple[Callable[[dict[str, Any]], bool], Callable[[subprocess.Popen[str]], bool]]


@dataclass
class CliRun:
    """What `run_cli` saw: the JSON lines the CLI printed, its stderr and exit status, and whether every one
    of the test's actions ran and did something."""

    lines: list[dict[str, Any]]
    stderr: str
    returncode: int
    acted: bool


def run_cli(cmd: list[str], *steps: Step, timeout: float) -> CliRun:
    """Run the CLI (`--json`) and take `steps` in order: each is (when, act), and `act` runs once, at the
    first line `when` accepts after the step before it. `act` says whether it did anything (a FaultProxy that
    cut no connection did not). The CLI is killed after `timeout` seconds."""
    lines: list[dict[str, Any]] = []
    done: list[bool] = []
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT) as proc:
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            assert proc.stdout is not None and proc.stderr is not None
            for raw in proc.stdout:
                if not raw.startswith("{"):
                    continue
                lines.append(json.loads(raw))
                if len(done) < len(steps) and steps[len(done)][0](lines[-1]):
                    done.append(steps[len(done)][1](proc))
            stderr = proc.stderr.read()
            proc.wait(timeout=60)
        finally:
            timer.cancel()
    return CliRun(lines, stderr, proc.returncode, len(done) == len(steps) and all(done))


def cut_through(proxy: Any) -> Callable[[subprocess.Popen[str]], bool]:
    """An action for `run_cli`: cut every connection through `proxy` (a FaultProxy); True if one was cut."""
    return lambda _proc: proxy.cut() > 0


def signal_job(user: str, key: str, sig: str) -> bool:
    """Send `sig` (STOP, CONT, ...) to the process group of the rig account's running job with this key.
    False when no such job runs (none started, or it has ended)."""
    script = (
        f'd=~/{jobs.STATE_DIR}; id=$(cat "$d/by-key/{key}" 2>/dev/null) || exit 1; '
        f'[ -e "$d/$id/status" ] && exit 1; kill -{sig} -- "-$(cat "$d/$id/pid")"'
    )
    return run_as(user, script).returncode == 0
