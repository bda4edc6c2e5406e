"""What bench/soak.py found growing round after round, pinned down one by one on the rig.

Each test repeats the app's use of one core part and checks that threads and sockets come back to where they
were: a long session (chat, downloads, reconnects) must not pile them up.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import paramiko
import pytest
import requests
import rig
from rig import models as rig_models
from rig.faultproxy import FaultProxy
from rig.hf_server import HfServer
from rig.llama_server import find_llama_server, free_port, llama_server_missing_reason

from rubikpi_studio.core import jobs, models, server
from rubikpi_studio.core.catalogue import parse_model_ref
from rubikpi_studio.core.events import LOG, PROGRESS, STEP_DONE, Event
from rubikpi_studio.core.protocol import MARK
from rubikpi_studio.core.ssh import Board, KnownHosts

SMOL = "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture
def board(rig_sshd: rig.RigSshd, rig_account: rig.RigAccount, tmp_known_hosts: Path) -> Board:
    b = rig.connect(rig_account, rig_sshd.port, tmp_known_hosts)
    yield b
    b.close()


def settled(count: Callable[[], int], expected: int, timeout: float = 3.0) -> int:
    """`count()` once down to `expected` (threads end a moment after their socket closes), or its last."""
    deadline = time.monotonic() + timeout
    while (n := count()) > expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return n


def forward_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name.startswith("forward-"))


def test_closed_forward_ends_its_thread_and_stops_listening(board: Board, rig_sshd: rig.RigSshd) -> None:
    before = forward_threads()
    ports = []
    for _ in range(5):  # the app opens one tunnel per connection to the server
        fwd = board.forward(rig_sshd.port)
        with socket.create_connection(("127.0.0.1", fwd.local_port), timeout=5) as s:
            assert s.recv(64).startswith(b"SSH-2.0-OpenSSH")
        ports.append(fwd.local_port)
        fwd.close()
    assert settled(forward_threads, before) == before, "closed forwards left their accept threads running"
    for port in ports:
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()


def live_transports() -> set[int]:
    return {id(t) for t in threading.enumerate() if isinstance(t, paramiko.Transport) and t.is_alive()}


def test_pull_closes_the_boards_it_reconnected_with(
    rig_sshd: rig.RigSshd, rig_account: rig.RigAccount, tmp_path: Path
) -> None:
    """A download cut mid-way re-attaches over Boards from `reconnect`; none may stay open after pull."""
    data = rig_models.tiny_f16_path().read_bytes()
    with FaultProxy(rig_sshd.port) as proxy, HfServer() as hf:
        hf.add_file("org/leak-GGUF", "leak.gguf", data)
        hf.set_rate("org/leak-GGUF", "leak.gguf", 100_000)  # ~2 s: time to cut the link in the middle
        kh = KnownHosts(rig_sshd.write_known_hosts(tmp_path / "kh", proxy.port), system_paths=[])
        target = rig.key_target(rig_account, proxy.port)
        req = models.DownloadRequest.from_ref(parse_model_ref("org/leak-GGUF/leak.gguf", hf.endpoint))
        before = live_transports()
        for _ in range(2):
            cut = threading.Event()

            def report(ev: Event, cut: threading.Event = cut) -> None:
                if not cut.is_set() and ev.kind == PROGRESS and (ev.data.get("bytes") or 0) > 0:
                    cut.set()
                    proxy.cut()

            with Board.connect(target, kh) as board:
                model = models.pull(board, req, report=report, reconnect=lambda: Board.connect(target, kh))
            assert cut.is_set() and model.size == len(data)
            with Board.connect(target, kh) as board:
                models.delete(board, model.path)
        # Counted as the Transports that were not alive before: one of an earlier test may end meanwhile.
        assert settled(lambda: len(live_transports() - before), 0) == 0, (
            "pull left the Boards it reconnected with open"
        )
        assert settled(lambda: proxy.connections, 0) == 0, "SSH connections still open through the proxy"


@pytest.fixture(scope="module")
def server_account(rig_sshd: rig.RigSshd) -> Iterator[rig.RigAccount]:
    """An account with llama-server and SmolLM2 where the manual puts them."""
    binary = find_llama_server()
    if binary is None:
        pytest.skip(llama_server_missing_reason())
    account = rig.make_fresh_account()
    try:
        bindir = account.home / "dev/llm/llama.cpp/build/bin"
        modeldir = account.home / "dev/llm/models"
        bindir.mkdir(parents=True)
        modeldir.mkdir(parents=True)
        shutil.copy2(binary, bindir / "llama-server")
        shutil.copy2(rig_models.smollm2_path(), modeldir / SMOL)
        subprocess.run(["chown", "-R", f"{account.user}:", str(account.home / "dev")], check=True)
        yield account
    finally:
        rig.run_as(account.user, 'pkill -u "$(id -u)" -x llama-server; true')
        rig.remove_account(account)


def test_adopting_a_long_running_server_reads_its_start_and_tail_not_every_request(
    rig_sshd: rig.RigSshd,
    server_account: rig.RigAccount,
    tmp_known_hosts: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every reconnect adopts the running server, and adoption used to read its whole log: ~2.3 kB per chat
    answer for as long as the board is up, so reconnecting got slower and the app's memory peak higher the
    longer the server ran (bench/soak.py's RSS creep). It reads the current run's loading lines and the tail.
    Neither the handle that read every line nor the adopted one holds more than a bounded number of them.

    The limits are made small here so that 60 real requests make a log longer than both."""
    monkeypatch.setattr(server, "CATCH_UP_LOAD_BYTES", 24 * 1024)  # llama-server's loading lines: ~15 kB
    monkeypatch.setattr(server, "CATCH_UP_TAIL_BYTES", 6 * 1024)
    kh = KnownHosts(tmp_known_hosts, system_paths=[])
    spec = server.ServerSpec(model=f"~/dev/llm/models/{SMOL}", port=free_port(), threads=2, gpu=False)
    with Board.connect(rig.key_target(server_account, rig_sshd.port), kh) as board:
        handle = server.start(board, spec)
        try:
            body = {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1}
            with requests.Session() as http:
                for _ in range(60):
                    http.post(f"http://127.0.0.1:{spec.port}/v1/chat/completions", json=body, timeout=30)
            assert server.status(board, handle).state == "running"  # the handle has read every line
            assert handle.job is not None
            size = int(board.quick(f"stat -c %s {handle.job.dir}/log").stdout)
            assert size > 4 * (server.CATCH_UP_LOAD_BYTES + server.CATCH_UP_TAIL_BYTES)

            adopted = server.find(board)
            assert adopted is not None and adopted.job is not None
            notes = [ev.message for ev in adopted.job.events if "of the server's log skipped" in ev.message]
            assert len(notes) == 1, "the log says once that a part was not read"
            skipped = int(notes[0].split()[1].replace(",", ""))
            assert skipped >= size - server.CATCH_UP_LOAD_BYTES - server.CATCH_UP_TAIL_BYTES
            assert adopted.job.offset == size
            # what a handle needs came through: the loading status, the ready step, the same log tail
            assert adopted.load.loaded and adopted.load.listening == handle.load.listening != ""
            assert adopted.load.model == handle.load.model != ""
            assert _is_ready(adopted)
            assert adopted.job.log_tail(20) == handle.job.log_tail(20)
            lines = board.quick(f"cat {handle.job.dir}/log | wc -l").stdout
            assert int(lines) > 2 * server.LOG_EVENTS_KEPT  # the log on the board really is longer
            for h in (handle, adopted):
                assert h.job is not None
                held = sum(1 for ev in h.job.events if ev.kind == LOG)
                # trimmed to LOG_EVENTS_KEPT whenever a read leaves more than twice that
                assert held <= 2 * server.LOG_EVENTS_KEPT, f"{held} log lines held in memory"
            # and the reading goes on from there
            with requests.Session() as http:
                http.post(f"http://127.0.0.1:{spec.port}/v1/chat/completions", json=body, timeout=30)
            assert server.status(board, adopted).state == "running"
            assert server.status(board, handle).state == "running"
            assert adopted.job.log_tail(20) == handle.job.log_tail(20)
        finally:
            server.stop(board)


def test_a_skipped_catch_up_keeps_every_marker_line_the_loading_status_and_the_tail(
    rig_sshd: rig.RigSshd,
    server_account: rig.RigAccount,
    tmp_known_hosts: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What adoption keeps of a long log, read with the skip and read whole, compared: a made-up job log (two
    runs of the server, the first crashed, a warning inside the chatter of the second) in a job folder on
    the rig board. The steps, warnings and failures, the current run's loading status and the tail are the
    same."""
    chatter = "".join(
        f"0.01.{i:03d} I slot print_timing: id  0 | task {i} | eval time = 1 ms\n" for i in range(400)
    )
    log = (
        f"{MARK} step load Starting llama-server (run 1)\n"
        "0.00.001 I srv  llama_server: listening on http://127.0.0.1:1111\n"
        f"{MARK} warn load the first run's warning\n"
        + chatter
        + f"{MARK} failed load E_SERVER_CRASH llama-server crashed\n"
        + f"{MARK} step load Starting llama-server (run 2)\n"
        + "0.00.002 I srv  llama_server: model loaded\n"
        + "0.00.003 I srv  llama_server: listening on http://127.0.0.1:2222\n"
        + f"{MARK} done load ready on port 2222\n"
        + chatter * 3
        + f"{MARK} warn server a warning among the requests\n"
        + chatter * 3
        + "".join(f"the tail, line {i}\n" for i in range(40))
        + "a line still being written"
    )
    kh = KnownHosts(tmp_known_hosts, system_paths=[])
    with Board.connect(rig.key_target(server_account, rig_sshd.port), kh) as board:
        folder = f"{board.home()}/made-up-job"
        board.makedirs(folder)
        board.write_text(f"{folder}/log", log)
        board.write_text(f"{folder}/status", "0\n")

        def markers(h: server.ServerHandle) -> list[tuple[str, str, str]]:
            assert h.job is not None
            return [(ev.kind, ev.step, ev.message) for ev in h.job.events if ev.kind != LOG]

        def adopt(load_bytes: int, tail_bytes: int) -> server.ServerHandle:
            monkeypatch.setattr(server, "CATCH_UP_LOAD_BYTES", load_bytes)
            monkeypatch.setattr(server, "CATCH_UP_TAIL_BYTES", tail_bytes)
            job = jobs.Job(id="made-up", key=server.JOB_KEY, dir=folder)
            handle = server.ServerHandle(board, 2222, "127.0.0.1", "m.gguf", job=job)
            server._catch_up(board, handle)
            return handle

        whole, skipped = adopt(1 << 20, 1 << 20), adopt(1024, 2048)
        # longer than the limits, but the current run is not: the earlier run's markers, then all of this one
        this_run = len(log.encode()) - log.encode().index(
            f"{MARK} step load Starting llama-server (run 2)".encode()
        )
        from_run = adopt(this_run - 1000, 1000)
    assert whole.job is not None and skipped.job is not None and from_run.job is not None

    assert [m[0] for m in markers(whole)] == ["step", "warn", "failed", "step", "done", "warn"]
    assert markers(skipped) == markers(whole)
    assert skipped.load.listening == whole.load.listening == "http://127.0.0.1:2222"
    assert skipped.load.loaded and whole.load.loaded
    assert skipped.job.log_tail(40) == whole.job.log_tail(40) == [f"the tail, line {i}" for i in range(40)]
    assert skipped.job.pending == whole.job.pending == b"a line still being written"
    assert skipped.job.offset == whole.job.offset == len(log.encode())
    assert any("of the server's log skipped" in line for line in skipped.job.log_tail(server.LOG_EVENTS_KEPT))
    assert markers(from_run) == markers(whole)
    assert from_run.load.listening == whole.load.listening
    assert from_run.job.log_tail(40) == whole.job.log_tail(40)
    assert from_run.job.offset == whole.job.offset and from_run.job.pending == whole.job.pending
    assert not any("log skipped" in ev.message for ev in from_run.job.events)


def _is_ready(handle: server.ServerHandle) -> bool:
    assert handle.job is not None
    return any(ev.step == "load" and ev.kind == STEP_DONE for ev in handle.job.events)
