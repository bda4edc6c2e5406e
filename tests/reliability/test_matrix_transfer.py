"""Fault matrix, rows "model download", "SFTP upload" and "quantize" (issue 10).

Each cell breaks one thing at a chosen moment of real work on the rig board and checks that the work ends
finished, or resumable with one call; that nothing ran or transferred twice; and what the user was told.
The board is `lab` (tests/reliability/conftest.py); the link to it goes through a FaultProxy (`line`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from reliability_lab import STALL_SECONDS, CellRecord, Lab, Line
from rig import faults
from rig import models as rig_models
from rig.hf_server import HfServer

from rubikpi_studio.core import jobs
from rubikpi_studio.core import models as m
from rubikpi_studio.core.catalogue import parse_model_ref
from rubikpi_studio.core.errors import StudioError
from rubikpi_studio.core.events import INFO, PROGRESS, WARN, Event
from rubikpi_studio.core.ssh import LINK_BACK, Board

RATE = 20_000  # bytes/s the HF stand-in serves the tiny model at: ~9 s for its 189 kB, a window for faults
SLACK = 64 * 1024  # bytes that may be in flight (socket buffers) when a transfer is killed: "the last chunk"


def once(fn: Callable[[Event], bool], action: Callable[[], None]) -> Callable[[Event], None]:
    """A reporter that runs `action` the first time `fn(event)` is true (the moment of the fault)."""
    fired = threading.Event()
    seen: list[Event] = []

    def report(ev: Event) -> None:
        seen.append(ev)
        if not fired.is_set() and fn(ev):
            fired.set()
            action()

    report.fired = fired  # type: ignore[attr-defined]
    report.events = seen  # type: ignore[attr-defined]
    return report


def said(events: list[Event], start: str) -> str:
    """The warning the user was shown that begins with `start` (the log pane and the step list show WARNs)."""
    found = [ev.message for ev in events if ev.kind == WARN and ev.message.startswith(start)]
    assert found, f"no warning {start!r}…: {[(ev.kind, ev.message) for ev in events if ev.kind != PROGRESS]}"
    return found[-1]


def said_by_app(app: faults.AppProcess, message: str) -> str:
    """`message` as the (restarted) app process reported it, as a warning."""
    assert any(e.get("kind") == WARN and e.get("message") == message for e in app.events), [
        (e.get("kind"), e.get("message")) for e in app.events if e.get("kind") != PROGRESS
    ]
    return message


def said_stalled_and_back(events: list[Event], cell: CellRecord) -> None:
    """A 60 s stall outlasts the 30 s a poll waits: the app must say the board stopped answering and that it
    reconnects, then that it reconnected (the caller checks that the new connection was used)."""
    stalled = said(events, "The board stopped answering")
    assert stalled == jobs.STALLED_RECONNECTING, stalled
    back = said(events, "Reconnected to the board")
    assert [ev.message for ev in events].index(stalled) < [ev.message for ev in events].index(back)
    cell.note(f"the app said: {stalled} / {back}")


def said_quiet_and_back(events: list[Event], cell: CellRecord) -> None:
    """An operation that rides a stall out (an upload, a chat answer) says the board fell silent, then that it
    is heard from again."""
    quiet = said(events, "The board has sent nothing for")
    back = [ev.message for ev in events if ev.kind == INFO and ev.message == LINK_BACK]
    assert back, [(ev.kind, ev.message) for ev in events if ev.kind != PROGRESS]
    cell.note(f"the app said: {quiet} / {back[0]}")


def stall_for(line: Line, seconds: float = STALL_SECONDS) -> None:
    line.proxy.stall()
    threading.Timer(seconds, line.proxy.resume).start()


def moving(ev: Event) -> bool:
    return ev.kind == PROGRESS and (ev.data.get("bytes") or 0) > 0


# --- model download ---------------------------------------------------------------------------------------


@pytest.fixture
def hf() -> HfServer:
    with HfServer() as server:
        yield server


def _request(hf: HfServer, name: str) -> tuple[m.DownloadRequest, int]:
    data = rig_models.tiny_f16_path().read_bytes()
    repo = f"org/{name}-GGUF"
    hf.add_file(repo, f"{name}.gguf", data)
    hf.set_rate(repo, f"{name}.gguf", RATE)
    return m.DownloadRequest.from_ref(parse_model_ref(f"{repo}/{name}.gguf", hf.endpoint)), len(data)


def _served(hf: HfServer, req: m.DownloadRequest) -> int:
    return hf.bytes_served(req.repo, req.path)


def _gets(hf: HfServer, req: m.DownloadRequest) -> list[object]:
    return hf.requests_for(req.repo, req.path, "GET")


@pytest.mark.cell("model download", "connection cut")
def test_download_cut(lab: Lab, line: Line, hf: HfServer, cell: CellRecord) -> None:
    req, size = _request(hf, "dl-cut")
    board = lab.connect(line.port, line.known_hosts)
    report = once(moving, line.proxy.cut)
    model = m.pull(board, req, report=report, reconnect=lambda: lab.connect(line.port, line.known_hosts))
    assert report.fired.is_set()  # type: ignore[attr-defined]
    assert model.size == size
    assert line.proxy.accepted >= 2  # it really reconnected
    assert _served(hf, req) == size and len(_gets(hf, req)) == 1  # the board's download never noticed
    assert faults.job_dirs(lab.user, lab.home, req.job_key).__len__() == 1
    told = said(report.events, "Reconnected to the board")  # type: ignore[attr-defined]
    cell.note(f"the app said: {told} Finished; one GET, no bytes twice")


@pytest.mark.cell("model download", "connection stalled")
def test_download_stall(lab: Lab, line: Line, hf: HfServer, cell: CellRecord) -> None:
    req, size = _request(hf, "dl-stall")
    board = lab.connect(line.port, line.known_hosts)
    report = once(moving, lambda: stall_for(line))
    model = m.pull(board, req, report=report, reconnect=lambda: lab.connect(line.port, line.known_hosts))
    assert model.size == size and _served(hf, req) == size and len(_gets(hf, req)) == 1
    assert len(faults.job_dirs(lab.user, lab.home, req.job_key)) == 1
    assert line.proxy.accepted >= 2, "the app gave up on the stalled connection and reconnected"
    said_stalled_and_back(report.events, cell)  # type: ignore[attr-defined]
    cell.note(f"{STALL_SECONDS:.0f} s stall: the board's download went on; one GET, one job, finished")


@pytest.mark.cell("model download", "board process killed")
def test_download_board_kill(lab: Lab, line: Line, hf: HfServer, cell: CellRecord) -> None:
    req, size = _request(hf, "dl-kill")
    board = lab.connect(lab.sshd.port)
    report = once(moving, lambda: faults.kill_job(lab.user, lab.home, req.job_key))
    with pytest.raises(StudioError) as info:
        m.pull(board, req, report=report)
    cell.note(f"{type(info.value).__name__}: {info.value}")
    part = board.sftp().stat(f"{m.models_dir(board)}/{req.filename}.part").st_size or 0
    assert 0 < part < size
    model = m.pull(board, req)  # one call resumes
    assert model.size == size
    gets = _gets(hf, req)
    assert gets[-1].range == f"bytes={part}-"  # type: ignore[attr-defined]
    assert _served(hf, req) <= size + SLACK
    cell.fact("re-downloaded bytes", _served(hf, req) - size)
    cell.note(f"second pull resumed at byte {part} of {size}; {_served(hf, req) - size} bytes fetched twice")


@pytest.mark.cell("model download", "app killed (SIGKILL) and restarted")
def test_download_app_kill(lab: Lab, hf: HfServer, cell: CellRecord) -> None:
    req, size = _request(hf, "dl-app")
    spec = _driver_spec(lab) | {"request": dataclasses.asdict(req)}
    first = faults.AppProcess("pull", spec)
    first.wait_for(lambda e: e.get("kind") == PROGRESS and (e["data"].get("bytes") or 0) > 0)
    first.kill9()
    with lab.connect() as board:
        assert jobs.find_running(board, req.job_key) is not None  # the download goes on without the app
    second = faults.AppProcess("pull", spec)
    out = second.result()
    assert out["kind"] == "result" and out["size"] == size, out
    assert _served(hf, req) == size and len(_gets(hf, req)) == 1
    assert len(faults.job_dirs(lab.user, lab.home, req.job_key)) == 1
    told = said_by_app(second, jobs.ATTACHED[m.DOWNLOAD_SCRIPT])
    cell.note(f"the restarted app said: {told} One GET, finished")


def _driver_spec(lab: Lab, port: int | None = None, known_hosts: Path | None = None) -> dict[str, object]:
    return {
        "port": port or lab.sshd.port,
        "user": lab.user,
        "identity": str(lab.account.key_path),
        "known_hosts": str(known_hosts or lab.known_hosts),
    }


# --- SFTP upload ------------------------------------------------------------------------------------------

UP_RATE = 400_000  # bytes/s the proxy lets through while the fault is armed: ~11 s for the upload file
ON_BOARD_FIRST = 1 << 20  # the fault fires once the board's .part holds more than this: a real offset
TOLD = re.compile(r"(\d+) of (\d+) bytes")


@pytest.fixture
def upload_file(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """The tiny GGUF with 4 MiB of random bytes after its tensors (GGUF readers ignore a tail): several
    SFTP writes and 4 MiB reads, so a fault can land with megabytes on the board and more in flight."""
    dst = tmp_path / f"up-{request.node.name[5:].replace('_', '-')}.gguf"
    dst.write_bytes(rig_models.tiny_f16_path().read_bytes() + os.urandom(4 << 20))
    return dst


def _remote_sha(lab: Lab, path: str) -> str:
    return lab.sh(f"sha256sum {path}").split()[0]


def _part(lab: Lab, upload: Path) -> Path:
    """The board's `.part` of `upload`, read from the rig's filesystem (the tests run beside the board)."""
    return lab.home / "dev/llm/models" / f"{upload.name}.part"


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def when_on_board(path: Path, more_than: int, action: Callable[[], None]) -> threading.Event:
    """Run `action` (the fault) from a watcher thread once the board's file holds more than `more_than` bytes:
    the moment is set by what the board wrote, not by what the app queued."""
    fired = threading.Event()

    def watch() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if _size(path) > more_than:
                fired.set()  # first: the fault may end the operation before action() returns
                action()
                return
            time.sleep(0.02)

    threading.Thread(target=watch, daemon=True).start()
    return fired


def settled_size(path: Path) -> int:
    """The .part's size once the writes already on their way to it have landed (it stops growing)."""
    sizes: list[int] = []

    def settled() -> bool:
        sizes.append(_size(path))
        return len(sizes) > 3 and sizes[-1] == sizes[-4]

    faults.wait_until(settled, 20, "the .part stops growing", step=0.3)
    return sizes[-1]


def _resumed_at(events: list[Event] | list[dict[str, object]]) -> tuple[int, str]:
    """(offset, message) of the second push's "resuming" warning: what the user is told it continues from."""
    for ev in events:
        kind, data, msg = (
            (ev.kind, ev.data, ev.message)
            if isinstance(ev, Event)
            else (ev.get("kind"), ev.get("data"), ev.get("message"))
        )
        if kind == WARN and isinstance(data, dict) and "offset" in data:
            return int(data["offset"]), str(msg)
    raise AssertionError(f"the second push said nothing about resuming: {events}")


def _check_resume(
    cell: CellRecord, line: Line, before: int, size: int, part: int, resumed: tuple[int, str]
) -> None:
    offset, message = resumed
    assert ON_BOARD_FIRST < part < size
    assert offset == part, f"resumed at {offset}, the board had {part}"
    assert f"{part} of {size} bytes" in message
    resent = line.proxy.bytes_up - before - (size - part)  # SSH framing and the handshake included
    assert resent <= SLACK, f"{resent} bytes beyond the missing {size - part} were sent"
    cell.fact("resumed at", part)
    cell.fact("bytes sent beyond the missing part (SSH overhead included)", resent)
    cell.note(f"the second push said: {message} It sent {resent} bytes beyond the missing part and finished")


@pytest.mark.cell("SFTP upload", "connection cut")
def test_upload_cut(lab: Lab, line: Line, upload_file: Path, cell: CellRecord) -> None:
    size, part_path = upload_file.stat().st_size, _part(lab, upload_file)
    line.proxy.set_rate(UP_RATE)
    board = lab.connect(line.port, line.known_hosts)
    fired = when_on_board(part_path, ON_BOARD_FIRST, line.proxy.cut)
    with pytest.raises(StudioError) as info:
        m.push(board, upload_file)
    board.close()
    assert fired.is_set()
    told = str(info.value)
    cell.note(f"{type(info.value).__name__}: {told}")
    line.proxy.set_rate(None)
    part = settled_size(part_path)
    # Nothing can count what landed once the link is gone: any number the message gives must be the board's.
    assert all(int(n) == part for n, _ in TOLD.findall(told)), f"{told!r}, the board has {part} bytes"
    assert "next attempt continues" in told
    before, events = line.proxy.bytes_up, []
    with lab.connect(line.port, line.known_hosts) as again:
        model = m.push(again, upload_file, report=events.append)
    assert model.size == size
    assert _remote_sha(lab, model.path) == rig_models.sha256_of(upload_file)
    _check_resume(cell, line, before, size, part, _resumed_at(events))


@pytest.mark.cell("SFTP upload", "connection stalled")
def test_upload_stall(lab: Lab, line: Line, upload_file: Path, cell: CellRecord) -> None:
    size = upload_file.stat().st_size
    line.proxy.set_rate(UP_RATE)
    board = lab.connect(line.port, line.known_hosts)
    fired = when_on_board(_part(lab, upload_file), ON_BOARD_FIRST, lambda: stall_for(line))
    events: list[Event] = []
    model = m.push(board, upload_file, report=events.append)
    assert fired.is_set()
    assert model.size == size and _remote_sha(lab, model.path) == rig_models.sha256_of(upload_file)
    assert line.proxy.accepted == 1
    said_quiet_and_back(events, cell)
    cell.note(f"the upload waited out the {STALL_SECONDS:.0f} s stall on the same connection and finished")


@pytest.mark.cell("SFTP upload", "board process killed")
def test_upload_board_kill(lab: Lab, line: Line, upload_file: Path, cell: CellRecord) -> None:
    size, part_path = upload_file.stat().st_size, _part(lab, upload_file)
    line.proxy.set_rate(UP_RATE)
    board = lab.connect(line.port, line.known_hosts)
    kill = lambda: lab.sh('pkill -KILL -u "$(id -u)" -f sftp-server; true')  # noqa: E731
    fired = when_on_board(part_path, ON_BOARD_FIRST, kill)
    with pytest.raises(StudioError) as info:
        m.push(board, upload_file)
    assert fired.is_set()
    told = str(info.value)
    cell.note(f"{type(info.value).__name__}: {told}")
    line.proxy.set_rate(None)
    part = settled_size(part_path)
    # The link lived on, so the board was asked: the message gives what it really has.
    assert f"{part} of {size} bytes are on the board" in told, told
    before, events = line.proxy.bytes_up, []
    model = m.push(board, upload_file, report=events.append)  # one call resumes, on the same connection
    board.close()
    assert model.size == size and _remote_sha(lab, model.path) == rig_models.sha256_of(upload_file)
    _check_resume(cell, line, before, size, part, _resumed_at(events))


@pytest.mark.cell("SFTP upload", "app killed (SIGKILL) and restarted")
def test_upload_app_kill(lab: Lab, line: Line, upload_file: Path, cell: CellRecord) -> None:
    size, part_path = upload_file.stat().st_size, _part(lab, upload_file)
    line.proxy.set_rate(UP_RATE)
    spec = _driver_spec(lab, line.port, line.known_hosts) | {"local": str(upload_file)}
    first = faults.AppProcess("push", spec)
    faults.wait_until(lambda: _size(part_path) > ON_BOARD_FIRST, 120, "the first MiB reaches the board", 0.02)
    first.kill9()
    line.proxy.set_rate(None)
    part = settled_size(part_path)
    before = line.proxy.bytes_up
    second = faults.AppProcess("push", spec)
    out = second.result()
    assert out["kind"] == "result" and out["size"] == size, out
    assert _remote_sha(lab, out["path"]) == rig_models.sha256_of(upload_file)
    _check_resume(cell, line, before, size, part, _resumed_at(second.events))


# --- quantize ---------------------------------------------------------------------------------------------


@pytest.fixture
def slow_tool(lab: Lab) -> str:
    """llama-quantize behind a 6 s sleep: the tiny model quantizes in a blink, the fault needs a window."""
    path = f"{lab.home}/slow-quantize"
    lab.sh(
        f"printf '#!/bin/sh\\nsleep 6\\nexec {lab.bin}/llama-quantize \"$@\"\\n' > {path}; chmod +x {path}"
    )
    return path


@pytest.fixture
def f16_source(lab: Lab, request: pytest.FixtureRequest) -> str:
    name = f"q-{request.node.name[5:].replace('_', '-')}-f16.gguf"
    path = f"{lab.models}/{name}"
    subprocess.run(
        ["install", "-o", lab.user, "-m", "0644", str(rig_models.tiny_f16_path()), path], check=True
    )
    return path


def _quantize_key(board: Board, source: str, tool: str) -> str:
    plan = m.plan_quantize(board, source)
    return "quantize-" + hashlib.sha256(plan.output.encode()).hexdigest()[:12]


def _started(ev: Event) -> bool:
    return ev.step in ("check", "quantize") and ev.kind in ("step", PROGRESS, "done")


@pytest.mark.cell("quantize", "connection cut")
def test_quantize_cut(lab: Lab, line: Line, slow_tool: str, f16_source: str, cell: CellRecord) -> None:
    board = lab.connect(line.port, line.known_hosts)
    key = _quantize_key(board, f16_source, slow_tool)
    report = once(_started, line.proxy.cut)
    model = m.quantize(
        board, f16_source, quantize_bin=slow_tool, report=report,
        reconnect=lambda: lab.connect(line.port, line.known_hosts),
    )  # fmt: skip
    assert report.fired.is_set() and line.proxy.accepted >= 2  # type: ignore[attr-defined]
    assert model.quantization == "Q4_0"
    assert len(faults.job_dirs(lab.user, lab.home, key)) == 1
    told = said(report.events, "Reconnected to the board")  # type: ignore[attr-defined]
    cell.note(f"the app said: {told} One job, Q4_0 output")


@pytest.mark.cell("quantize", "connection stalled")
def test_quantize_stall(lab: Lab, line: Line, slow_tool: str, f16_source: str, cell: CellRecord) -> None:
    board = lab.connect(line.port, line.known_hosts)
    key = _quantize_key(board, f16_source, slow_tool)
    report = once(_started, lambda: stall_for(line))
    model = m.quantize(
        board, f16_source, quantize_bin=slow_tool, report=report,
        reconnect=lambda: lab.connect(line.port, line.known_hosts),
    )  # fmt: skip
    assert model.quantization == "Q4_0"
    assert len(faults.job_dirs(lab.user, lab.home, key)) == 1
    assert line.proxy.accepted >= 2, "the app gave up on the stalled connection and reconnected"
    said_stalled_and_back(report.events, cell)  # type: ignore[attr-defined]
    cell.note(f"{STALL_SECONDS:.0f} s stall: one job, Q4_0 output")


@pytest.mark.cell("quantize", "board process killed")
def test_quantize_board_kill(lab: Lab, slow_tool: str, f16_source: str, cell: CellRecord) -> None:
    board = lab.connect()
    key = _quantize_key(board, f16_source, slow_tool)
    report = once(_started, lambda: faults.kill_job(lab.user, lab.home, key))
    with pytest.raises(StudioError) as info:
        m.quantize(board, f16_source, quantize_bin=slow_tool, report=report)
    cell.note(f"{type(info.value).__name__}: {info.value}")
    plan = m.plan_quantize(board, f16_source)
    assert not board.exists(plan.output)  # no half-written model that looks finished
    model = m.quantize(board, f16_source, quantize_bin=slow_tool)
    assert model.quantization == "Q4_0"
    cell.note("no output left behind; the next call quantized it")


@pytest.mark.cell("quantize", "app killed (SIGKILL) and restarted")
def test_quantize_app_kill(lab: Lab, slow_tool: str, f16_source: str, cell: CellRecord) -> None:
    with lab.connect() as board:
        key = _quantize_key(board, f16_source, slow_tool)
    spec = _driver_spec(lab) | {"source": f16_source, "tool": slow_tool}
    first = faults.AppProcess("quantize", spec)
    first.wait_for(lambda e: e.get("step") in ("check", "quantize"))
    first.kill9()
    second = faults.AppProcess("quantize", spec)
    out = second.result()
    assert out["kind"] == "result", out
    assert len(faults.job_dirs(lab.user, lab.home, key)) == 1
    told = said_by_app(second, jobs.ATTACHED[m.QUANTIZE_SCRIPT])
    cell.note(f"the restarted app said: {told} One job, finished")
