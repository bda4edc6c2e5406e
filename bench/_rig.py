"""Shared set-up for benchmarks: the same board rig the tests use (tests/rig)."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import rig  # noqa: E402

from rubikpi_studio.core.ssh import Board  # noqa: E402


@contextmanager
def rig_board() -> Iterator[tuple[rig.RigSshd, rig.RigAccount, Path, Board]]:
    """(sshd, account, known_hosts file, a connected Board) — stopped afterwards."""
    reason = rig.rig_unavailable_reason()
    if reason:
        sys.exit(f"bench needs the board rig: {reason}")
    work = Path(tempfile.mkdtemp(prefix="rps-bench-"))
    sshd = rig.start_sshd(work / "sshd")
    account = rig.ensure_account()
    kh = sshd.write_known_hosts(work / "known_hosts")
    board = rig.connect(account, sshd.port, kh)
    try:
        yield sshd, account, kh, board
    finally:
        board.close()
        sshd.stop()


def ssh_opts(sshd: rig.RigSshd, account: rig.RigAccount, kh: Path) -> list[str]:
    return [
        "-o",
        f"UserKnownHostsFile={kh}",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "BatchMode=yes",
        "-i",
        str(account.key_path),
    ]


def stop_qasync_threads(loop: Any) -> None:
    """End qasync's worker QThreads before the interpreter exits: a QThread destroyed while it runs aborts the
    process ("QThread: Destroyed while thread is still running", exit 134) after the results are printed.
    Closing the loop shuts its default executor down (the attribute is private to qasync)."""
    if not loop.is_closed():
        loop.close()
