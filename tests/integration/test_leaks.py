"""What bench/soak.py found growing round after round, pinned down one by one on the rig.

Each test repeats the app's use of one core part and checks that threads and sockets come back to where they
were: a long session (chat, downloads, reconnects) must not pile them up.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import rig

from rubikpi_studio.core.ssh import Board, KnownHosts, Target


def key_target(sshd: rig.RigSshd, account: rig.RigAccount) -> Target:
    return Target(
        sshd.host,
        sshd.port,
        account.user,
        identity=str(account.key_path),
        look_for_keys=False,
        use_agent=False,
    )


@pytest.fixture
def board(rig_sshd: rig.RigSshd, rig_account: rig.RigAccount, tmp_known_hosts: Path) -> Board:
    b = Board.connect(key_target(rig_sshd, rig_account), KnownHosts(tmp_known_hosts, system_paths=[]))
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
