"""The lean upload pipeline (core/fastsftp.py) against the rig's real sshd and sftp-server.

It builds SSH packets itself on paramiko's transport, so these tests check what could go wrong with that:
bytes that arrive different, the fast path silently not taken (or taken for a cipher it cannot serve),
a session left mid-protocol after an error, and a full disk mid-file.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import rig

from rubikpi_studio.core import fastsftp
from rubikpi_studio.core.errors import Cancelled, TransferFailed
from rubikpi_studio.core.events import CancelToken, Event
from rubikpi_studio.core.ssh import Board

REQ = fastsftp.REQUEST_SIZE


@pytest.fixture
def sends(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A spy on the fast path's socket writes (each a batch of packets): the byte count of each."""
    seen: list[int] = []
    real = fastsftp._write_out

    def spy(fields: dict[str, Any], parts: list[bytes], total: int) -> None:
        seen.append(total)
        real(fields, parts, total)

    monkeypatch.setattr(fastsftp, "_write_out", spy)
    return seen


@pytest.fixture
def fed(monkeypatch: pytest.MonkeyPatch) -> list[type]:
    """A spy on what reaches ChunkPipes: memoryviews come only from the fast inbound reader."""
    seen: list[type] = []
    real = fastsftp.ChunkPipe.feed

    def spy(self: fastsftp.ChunkPipe, data: bytes | memoryview) -> None:
        seen.append(type(data))
        real(self, data)

    monkeypatch.setattr(fastsftp.ChunkPipe, "feed", spy)
    return seen


@pytest.fixture
def scratch(rig_account: rig.RigAccount) -> Iterator[str]:
    folder = f"{rig_account.home}/fastsftp-{os.getpid()}"
    rig.run_as(rig_account.user, ["mkdir", "-p", folder])
    yield folder
    rig.run_as(rig_account.user, ["rm", "-rf", folder])


def _remote_sha(board: Board, path: str) -> str:
    return board.run(["sha256sum", "--", path]).stdout.split()[0]


@pytest.mark.parametrize("size", [0, 1, REQ - 1, REQ, REQ + 1, 3 * REQ + 7, (9 << 20) + 12345])
def test_fast_path_sends_every_size_exactly(
    rig_sshd: rig.RigSshd,
    rig_account: rig.RigAccount,
    tmp_known_hosts: Path,
    tmp_path: Path,
    scratch: str,
    sends: list[int],
    size: int,
) -> None:
    data = os.urandom(size)
    local = tmp_path / "blob.bin"
    local.write_bytes(data)
    remote = f"{scratch}/blob-{size}.bin"
    with rig.connect(rig_account, rig_sshd.port, tmp_known_hosts) as board:
        assert board.transport.local_cipher.startswith("aes128-gcm"), (
            "the rig negotiates the preferred cipher"
        )
        assert fastsftp.fast_path_ready(board.transport), (
            "paramiko's packetizer still has what the path needs"
        )
        assert board.put_file(local, remote, resume=False) == size
        assert _remote_sha(board, remote) == hashlib.sha256(data).hexdigest()
        # The link still speaks SSH correctly after the hand-built packets: a command and a second upload.
        assert board.run(["echo", "still here"]).stdout.strip() == "still here"
        board.put_file(local, remote + ".again", resume=False)
        assert _remote_sha(board, remote + ".again") == hashlib.sha256(data).hexdigest()
    if size:
        # Each request's header + data left through the fast path (8 packets of 32 KiB per batch at most).
        assert sum(sends) > 2 * size, f"fast path carried {sum(sends)} bytes of 2 x {size}"
        assert max(sends) <= fastsftp.BATCH * (32 * 1024 + 64), max(sends)


def test_a_cipher_without_aead_uses_paramikos_packets(
    rig_account: rig.RigAccount, tmp_path: Path, scratch: str, sends: list[int], fed: list[type]
) -> None:
    """An sshd that offers only aes128-ctr: the pipeline still runs, each packet through paramiko's own
    Transport._send_message (its MAC and padding), and the bytes arrive intact."""
    server = rig.start_sshd(tmp_path / "sshd-ctr", extra=["Ciphers aes128-ctr"])
    try:
        kh = server.write_known_hosts(tmp_path / "known_hosts")
        data = os.urandom((3 << 20) + 99)
        local = tmp_path / "blob.bin"
        local.write_bytes(data)
        with rig.connect(rig_account, server.port, kh) as board:
            assert board.transport.local_cipher == "aes128-ctr"
            assert not fastsftp.fast_path_ready(board.transport)
            assert board.put_file(local, f"{scratch}/ctr.bin", resume=False) == len(data)
            assert _remote_sha(board, f"{scratch}/ctr.bin") == hashlib.sha256(data).hexdigest()
            back = tmp_path / "back.bin"
            assert board.get_file(f"{scratch}/ctr.bin", back, resume=False) == len(data)
            assert back.read_bytes() == data
        assert sends == [], "no hand-built AES-GCM packets on an aes128-ctr link"
        assert fed and memoryview not in fed, "paramiko's own reader fed the channel (bytes)"
    finally:
        server.stop()


def test_cancel_mid_upload_leaves_the_session_usable_and_resumes(
    rig_sshd: rig.RigSshd, rig_account: rig.RigAccount, tmp_known_hosts: Path, tmp_path: Path, scratch: str
) -> None:
    """Cancelling with requests in flight drops that SFTP session (its answers would confuse the next call);
    the next upload on the same Board opens a fresh one and continues from the part on the board."""
    data = os.urandom(24 << 20)
    local = tmp_path / "blob.bin"
    local.write_bytes(data)
    remote = f"{scratch}/cancelled.bin"
    cancel = CancelToken()

    def report(ev: Event) -> None:
        if ev.data.get("bytes", 0) > (4 << 20):
            cancel.cancel()

    with rig.connect(rig_account, rig_sshd.port, tmp_known_hosts) as board:
        first = board.sftp()
        with pytest.raises(Cancelled):
            board.put_file(local, remote, report=report, cancel=cancel)
        assert first.sock.closed, "the session with answers in flight is closed"
        assert board.sftp() is not first
        part = board.sftp().stat(remote + ".part").st_size or 0
        assert 0 < part < len(data)
        assert board.put_file(local, remote) == len(data) - part, "only the remainder is sent"
        assert _remote_sha(board, remote) == hashlib.sha256(data).hexdigest()


def test_disk_full_mid_upload_says_so_keeps_the_part_and_resumes(
    rig_sshd: rig.RigSshd, rig_account: rig.RigAccount, tmp_known_hosts: Path, tmp_path: Path
) -> None:
    """sftp-server answers a write to a full disk with a bare "Failure": the user is told the disk is full
    (E_NO_SPACE, with the free bytes), what landed is kept, and once there is room the upload continues."""
    data = os.urandom(6 << 20)
    local = tmp_path / "model.gguf"
    local.write_bytes(data)
    try:
        disk = rig.small_disk(rig_account, f"full-{os.getpid()}", 2048)
        folder = disk.__enter__()
    except RuntimeError as exc:  # a machine that cannot mount a tmpfs: say so, do not pass silently
        pytest.skip(f"cannot mount a small tmpfs here: {exc}")
    try:
        remote = f"{folder}/model.gguf"
        with rig.connect(rig_account, rig_sshd.port, tmp_known_hosts) as board:
            with pytest.raises(TransferFailed) as info:
                board.put_file(local, remote)
            assert info.value.code == "E_NO_SPACE", str(info.value)
            message = str(info.value)
            assert message.startswith(f"The board's disk is full while writing {remote}"), message
            assert "the next attempt continues from there" in message, message
            kept = board.sftp().stat(remote + ".part").st_size or 0
            assert 0 < kept < len(data)
            assert f"{kept} of {len(data)} bytes are on the board" in message, message
            # The same Board goes on working: a fresh SFTP session, a command.
            assert board.run(["true"]).ok
            rig.resize_disk(folder, 16384)
            assert board.put_file(local, remote) == len(data) - kept, "only the remainder is sent"
            assert _remote_sha(board, remote) == hashlib.sha256(data).hexdigest()
    finally:
        disk.__exit__(None, None, None)


# --------------------------------------------------------------------------------------------- downloads
@pytest.mark.parametrize("size", [0, 1, REQ, REQ + 1, (9 << 20) + 12345])
def test_download_brings_every_size_back_exactly(
    rig_sshd: rig.RigSshd,
    rig_account: rig.RigAccount,
    tmp_known_hosts: Path,
    tmp_path: Path,
    scratch: str,
    fed: list[type],
    size: int,
) -> None:
    data = os.urandom(size)
    remote = f"{scratch}/down-{size}.bin"
    (tmp_path / "src.bin").write_bytes(data)
    with rig.connect(rig_account, rig_sshd.port, tmp_known_hosts) as board:
        board.put_file(tmp_path / "src.bin", remote, resume=False)
        assert isinstance(board.sftp().sock.in_buffer, fastsftp.ChunkPipe)
        back = tmp_path / "back.bin"
        assert board.get_file(remote, back, resume=False) == size
        assert hashlib.sha256(back.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()
        if size:
            assert memoryview in fed, "the fast inbound reader handed the channel data over"
        # The session is in step afterwards: a stat and a small read on it.
        assert board.sftp().stat(remote).st_size == size
        assert board.read_bytes(remote, 0, 16) == data[:16]


def test_a_file_that_shrinks_during_the_download_is_reported(
    rig_sshd: rig.RigSshd, rig_account: rig.RigAccount, tmp_known_hosts: Path, tmp_path: Path, scratch: str
) -> None:
    """Requests already in flight for offsets past the new end: the short answer and the EOF status after it
    end the download with a message saying the file changed, and the Board goes on working."""
    remote = f"{scratch}/shrinks.bin"
    rig.run_as(rig_account.user, f"head -c {64 << 20} /dev/urandom > {remote}")
    cut = (40 << 20) + 5

    def report(ev: Event) -> None:
        if ev.data.get("bytes", 0) and not report.done:  # type: ignore[attr-defined]
            report.done = True  # type: ignore[attr-defined]
            rig.run_as(rig_account.user, ["truncate", "-s", str(cut), remote])

    report.done = False  # type: ignore[attr-defined]
    with rig.connect(rig_account, rig_sshd.port, tmp_known_hosts) as board:
        with pytest.raises(TransferFailed) as info:
            board.get_file(remote, tmp_path / "back.bin", report=report, resume=False)
        assert "changed while downloading" in str(info.value), str(info.value)
        part = tmp_path / "back.bin.part"
        assert part.stat().st_size == cut, "everything up to the new end was written, in order"
        assert board.run(["true"]).ok
        assert board.get_file(remote, tmp_path / "again.bin", resume=False) == cut


def test_chunk_pipe_reads_like_paramikos_pipe() -> None:
    """ChunkPipe replaces paramiko's BufferedPipe as an SFTP channel's in_buffer: the same answers."""
    from paramiko.buffered_pipe import BufferedPipe, PipeTimeout

    ours, theirs = fastsftp.ChunkPipe(), BufferedPipe()
    for pipe in (ours, theirs):
        for chunk in (b"abc", b"", b"defgh", b"ij"):
            pipe.feed(chunk)
    for n in (2, 1, 4, 100):
        assert len(ours) == len(theirs)
        assert ours.read_ready() == theirs.read_ready()
        assert ours.read(n) == theirs.read(n)
    assert not ours.read_ready() and len(ours) == 0
    with pytest.raises(PipeTimeout):
        ours.read(5, timeout=0.05)
    ours.feed(b"xyz")
    assert ours.empty() == b"xyz"
    ours.feed(b"tail")
    ours.close()
    assert ours.read(10) == b"tail"
    assert ours.read(10) == b"", "closed and drained: end of stream"
