"""A lean SFTP upload pipeline on top of paramiko, for `Board.put_file`.

paramiko reaches about 0.6-0.8x OpenSSH's upload speed on its own (docs/performance.md). Its cost is not the
cipher but Python work per packet: sshd caps each channel packet at 32 KiB, so 512 MiB is ~16,000 packets,
and for each paramiko builds a `Message`, copies the payload five to eight times (a request's unsent
remainder is sliced anew after every 32 KiB), draws padding from `os.urandom` and makes one `send` call.
Large fresh `bytes` objects also page-fault on every copy.

This module sends the same bytes with less work:
- one reusable buffer holds a whole SSH_FXP_WRITE request (header, then the file data read straight into
  it), so nothing of 255 KiB is allocated per request;
- the request goes out as MSG_CHANNEL_DATA packets built here under paramiko's own locks: the plaintext is
  joined once, AES-GCM encrypts it (the nonce counter and sequence number advance as paramiko's
  `Packetizer.send_message` does), and up to `BATCH` packets leave in one `sendmsg`;
- the SSH_FXP_STATUS answers are read as they come, at most `IN_FLIGHT` requests are outstanding.

The fast path is taken only for an AEAD cipher (aes*-gcm, the one `ssh._tune` prefers) without compression,
and only when paramiko's packetizer still has the private fields it uses (`fast_path_ready`); otherwise the
same pipeline sends each packet through paramiko's own `Transport._send_message`. Rekeys stay correct:
packets are only built while holding `clear_to_send_lock` with `clear_to_send` set, which is how paramiko
itself keeps user data out of a key exchange, and the sent byte/packet counters feed paramiko's rekey check.
"""

from __future__ import annotations

import collections
import io
import os
import socket
import struct
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .lazy import lazy_module

if TYPE_CHECKING:
    import paramiko
else:
    paramiko = lazy_module("paramiko")

CMD_WRITE = 6  # SSH_FXP_WRITE
CMD_STATUS = 101  # SSH_FXP_STATUS
MSG_CHANNEL_DATA = 94
# One request's data: sftp-server accepts messages up to 256 KiB (SFTP_MAX_MSG_LENGTH), header included.
REQUEST_SIZE = 255 * 2**10
IN_FLIGHT = 32  # requests outstanding: 8 MiB, four times sshd's 2 MiB channel window
BATCH = 8  # SSH packets per sendmsg: one request's worth at sshd's 32 KiB packets


class Refused(OSError):
    """sftp-server answered a write with an error status (its text, e.g. "Failure" for a full disk)."""


_P = "_Packetizer__"
_FIELDS = (
    "block_engine_out",
    "aead_out",
    "compress_engine_out",
    "dump_packets",
    "write_lock",
    "block_size_out",
    "iv_out",
    "sequence_number_out",
    "socket",
    "sent_bytes",
    "sent_packets",
    "need_rekey",
    "received_bytes_overflow",
    "received_packets_overflow",
    "closed",
)
_u32 = struct.Struct(">I").pack
_data_header = struct.Struct(">BII").pack
_write_header = struct.Struct(">IBII").pack
_offset_length = struct.Struct(">QI").pack


def fast_path_ready(transport: paramiko.Transport) -> bool:
    """Whether the lean packet path can run on this transport now (an AEAD cipher, no compression, the
    packetizer fields it relies on present). Checked per call: a rekey can change the cipher."""
    fields = transport.packetizer.__dict__
    if any(_P + name not in fields for name in _FIELDS):
        return False
    return bool(
        fields[_P + "aead_out"]
        and fields[_P + "compress_engine_out"] is None
        and not fields[_P + "dump_packets"]
        and hasattr(fields[_P + "block_engine_out"], "encrypt")
    )


class _Padding:
    """Random padding bytes, drawn from the OS 64 KiB at a time instead of one `os.urandom` per packet."""

    def __init__(self) -> None:
        self._buf = b""
        self._pos = 0

    def take(self, n: int) -> bytes:
        if self._pos + n > len(self._buf):
            self._buf = os.urandom(1 << 16)
            self._pos = 0
        self._pos += n
        return self._buf[self._pos - n : self._pos]


def _clear_to_send(transport: Any) -> None:
    """Take `clear_to_send_lock` once no key exchange is running (paramiko's `_send_user_message`)."""
    start = time.time()
    while True:
        transport.clear_to_send.wait(0.1)
        if not transport.active:
            raise EOFError("the connection closed")
        transport.clear_to_send_lock.acquire()
        if transport.clear_to_send.is_set():
            return
        transport.clear_to_send_lock.release()
        if time.time() > start + transport.clear_to_send_timeout:
            raise paramiko.SSHException("Key-exchange timed out waiting for key negotiation")


def _write_out(fields: dict[str, Any], parts: list[bytes], total: int) -> None:
    """All of `parts` onto the socket, as paramiko's `Packetizer.write_all` does: a timeout (paramiko's socket
    polls every 0.1 s) retries while the transport is open; any other error is a dropped link."""
    sock: socket.socket = fields[_P + "socket"]
    sent = 0
    rest: memoryview | None = None
    while sent < total:
        try:
            n = sock.sendmsg(parts) if rest is None else sock.send(rest[sent:])
        except (TimeoutError, BlockingIOError, InterruptedError):
            if fields[_P + "closed"]:
                raise EOFError("the connection closed") from None
            continue
        except OSError as exc:
            raise EOFError(str(exc)) from None
        if n <= 0:
            raise EOFError("the connection closed")
        sent += n
        if sent < total and rest is None:
            rest = memoryview(b"".join(parts))


def send_channel_data(chan: Any, data: memoryview, padding: _Padding) -> None:
    """Send all of `data` on `chan` as MSG_CHANNEL_DATA packets, respecting the channel's window."""
    transport: Any = chan.transport
    while data:
        sizes: list[int] = []
        with chan.lock:
            if chan.closed:
                raise OSError("Socket is closed")
            left = len(data)
            while left and len(sizes) < BATCH:
                if sizes and chan.out_window_size == 0:
                    break  # send what we have rather than wait for the window holding packets back
                size = chan._wait_for_send_window(left)
                if size == 0:
                    raise EOFError("the channel closed")
                sizes.append(size)
                left -= size
        _clear_to_send(transport)
        try:
            if not fast_path_ready(transport):
                # paramiko's own path for these packets (what Channel._send does once it has the window).
                for size in sizes:
                    msg = paramiko.Message()
                    msg.add_byte(bytes((MSG_CHANNEL_DATA,)))
                    msg.add_int(chan.remote_chanid)
                    msg.add_string(bytes(data[:size]))
                    transport._send_message(msg)
                    data = data[size:]
                continue
            fields = transport.packetizer.__dict__
            with fields[_P + "write_lock"]:
                engine = fields[_P + "block_engine_out"]
                block = fields[_P + "block_size_out"]
                iv = fields[_P + "iv_out"]
                fixed, counter = iv[:4], int.from_bytes(iv[4:], "big")
                parts: list[bytes] = []
                total = 0
                for size in sizes:
                    # payload: byte 94, uint32 channel, string data -> 9 + size bytes; AEAD pads to the block
                    # size without counting the (unencrypted) length field, like paramiko's _build_packet.
                    pad = 3 + block - ((9 + size + 4) % block)
                    length = _u32(10 + size + pad)
                    plain = b"".join(
                        (
                            bytes((pad,)),
                            _data_header(MSG_CHANNEL_DATA, chan.remote_chanid, size),
                            data[:size],
                            padding.take(pad),
                        )
                    )
                    sealed = engine.encrypt(fixed + counter.to_bytes(8, "big"), plain, length)
                    counter += 1
                    parts += (length, sealed)
                    total += 4 + len(sealed)
                    data = data[size:]
                fields[_P + "iv_out"] = fixed + counter.to_bytes(8, "big")
                seq = fields[_P + "sequence_number_out"] + len(sizes)
                fields[_P + "sequence_number_out"] = seq & 0xFFFFFFFF
                _write_out(fields, parts, total)
                fields[_P + "sent_bytes"] += total
                fields[_P + "sent_packets"] += len(sizes)
                packetizer: Any = transport.packetizer
                if (
                    fields[_P + "sent_packets"] >= packetizer.REKEY_PACKETS
                    or fields[_P + "sent_bytes"] >= packetizer.REKEY_BYTES
                ) and not fields[_P + "need_rekey"]:
                    fields[_P + "received_bytes_overflow"] = 0
                    fields[_P + "received_packets_overflow"] = 0
                    packetizer._trigger_rekey()
        finally:
            transport.clear_to_send_lock.release()


def upload(
    sftp: Any,
    handle: bytes,
    src: io.BufferedIOBase,
    offset: int,
    *,
    on_sent: Callable[[int], None],
    check: Callable[[], None],
) -> int:
    """Write `src` (from its current position) to the open remote `handle` starting at `offset`, pipelined.

    `sftp` is paramiko's SFTPClient (its private request counter and packet reader are used, hence Any).
    `on_sent(n)` is called as each request leaves, `check()` before each (it may raise to cancel). Raises
    Refused (sftp-server's answer, e.g. "Failure" for a full disk), EOFError or SSHException (the link).
    Returns the offset after the last byte written. Any error leaves answers unread on this SFTP session:
    the caller drops the session.
    """
    chan = sftp.sock
    padding = _Padding()
    pending: collections.deque[int] = collections.deque()
    name = len(handle)
    header = 4 + 1 + 4 + 4 + name + 8 + 4
    buf = bytearray(header + REQUEST_SIZE)
    view = memoryview(buf)
    body = view[header:]
    buf[9 : 13 + name] = _u32(name) + handle

    def answer() -> None:
        kind, data = sftp._read_packet()
        msg = paramiko.Message(data)
        num = msg.get_int()
        want = pending.popleft()
        if kind != CMD_STATUS or num != want:
            raise paramiko.SFTPError(
                f"Unexpected SFTP answer (type {kind}, request {num}; waiting for {want})"
            )
        try:
            sftp._convert_status(msg)
        except OSError as exc:
            raise Refused(exc.errno, exc.strerror) if exc.errno else Refused(str(exc)) from None

    pos = offset
    while True:
        check()
        n = src.readinto(body)
        if not n:
            break
        with sftp._lock:
            num = sftp.request_number
            sftp.request_number += 1
        buf[0:9] = _write_header(header - 4 + n, CMD_WRITE, num, name)[:9]
        buf[13 + name : header] = _offset_length(pos, n)
        send_channel_data(chan, view[: header + n], padding)
        pending.append(num)
        pos += n
        on_sent(n)
        while len(pending) > IN_FLIGHT or (pending and chan.recv_ready()):
            answer()
    while pending:
        answer()
    return pos


# ------------------------------------------------------------------------------------------------- downloads
CMD_READ = 5  # SSH_FXP_READ
CMD_DATA = 103  # SSH_FXP_DATA
_read_request = struct.Struct(">IBII").pack


class ChunkPipe:
    """A drop-in for paramiko's `BufferedPipe` (a channel's `in_buffer`) that keeps what the transport feeds
    as a queue of chunks. paramiko's pipe appends to one `array` and deletes each read from its front, a
    memmove of everything still buffered per read: with megabytes in flight, most of a download's time."""

    def __init__(self) -> None:
        import threading

        self._lock = threading.Lock()
        self._cv = threading.Condition(self._lock)
        self._event: Any = None
        self._chunks: collections.deque[bytes | memoryview] = collections.deque()
        self._head = 0  # bytes of _chunks[0] already read
        self._size = 0
        self._closed = False

    def set_event(self, event: Any) -> None:
        with self._lock:
            self._event = event
            if self._closed or self._size:
                event.set()
            else:
                event.clear()

    def feed(self, data: bytes | memoryview) -> None:
        """Keep `data` as it is: bytes, or a read-only view of a decrypted packet (`read_message` below)."""
        with self._lock:
            if self._event is not None:
                self._event.set()
            if data:
                self._chunks.append(data)  # type: ignore[arg-type]
                self._size += len(data)
            self._cv.notify_all()

    def read_ready(self) -> bool:
        with self._lock:
            return self._size > 0

    def _wait(self, timeout: float | None) -> None:
        """(Holding the lock.) Until data or close; PipeTimeout after `timeout` seconds."""
        if self._size or self._closed:
            return
        if timeout == 0.0:
            raise paramiko.buffered_pipe.PipeTimeout()
        while not self._size and not self._closed:
            then = time.time()
            self._cv.wait(timeout)
            if timeout is not None:
                timeout -= time.time() - then
                if timeout <= 0.0:
                    raise paramiko.buffered_pipe.PipeTimeout()

    def _take(self, nbytes: int) -> list[bytes | memoryview]:
        """(Holding the lock.) Up to `nbytes` from the front, as pieces."""
        pieces: list[bytes | memoryview] = []
        want = nbytes
        while want and self._chunks:
            chunk = self._chunks[0]
            left = len(chunk) - self._head
            if left <= want:
                pieces.append(chunk if self._head == 0 else memoryview(chunk)[self._head :])
                self._chunks.popleft()
                self._head = 0
                want -= left
            else:
                pieces.append(memoryview(chunk)[self._head : self._head + want])
                self._head += want
                want = 0
        self._size -= nbytes - want
        if not self._size and self._event is not None and not self._closed:
            self._event.clear()
        return pieces

    def read_pieces(self, nbytes: int, timeout: float | None = None) -> list[bytes | memoryview]:
        """Like `read`, without joining: at least one byte unless closed (then [])."""
        with self._lock:
            self._wait(timeout)
            return self._take(nbytes)

    def read(self, nbytes: int, timeout: float | None = None) -> bytes:
        pieces = self.read_pieces(nbytes, timeout)
        if len(pieces) == 1 and isinstance(pieces[0], bytes):
            return pieces[0]
        return b"".join(pieces)

    def empty(self) -> bytes:
        with self._lock:
            return b"".join(self._take(self._size))

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._cv.notify_all()
            if self._event is not None:
                self._event.set()

    def __len__(self) -> int:
        with self._lock:
            return self._size


def open_sftp(transport: paramiko.Transport, *, window_size: int, max_packet_size: int) -> Any:
    """`SFTPClient.from_transport`, with the channel's input buffer replaced by a `ChunkPipe` before the
    subsystem starts (so nothing was fed to the old one). None if the board refused the session."""
    chan = transport.open_session(window_size=window_size, max_packet_size=max_packet_size)
    if chan is None:
        return None
    chan.in_buffer = ChunkPipe()  # type: ignore[assignment]
    chan.invoke_subsystem("sftp")
    return paramiko.SFTPClient(chan)


def _recv_pieces(chan: Any, n: int) -> list[bytes | memoryview]:
    """Exactly `n` bytes from the channel (as pieces), crediting its window as `Channel.recv` does."""
    pipe = chan.in_buffer
    pieces: list[bytes | memoryview] = []
    while n:
        try:
            got = (
                pipe.read_pieces(n, chan.timeout)
                if isinstance(pipe, ChunkPipe)
                else [pipe.read(n, chan.timeout)]
            )
        except paramiko.buffered_pipe.PipeTimeout:
            raise TimeoutError("the board stopped sending") from None
        size = sum(len(p) for p in got)
        if not size:
            raise EOFError("the board ended the file transfer session")
        n -= size
        pieces += got
        ack = chan._check_add_window(size)
        if ack > 0:
            msg = paramiko.Message()
            msg.add_byte(bytes((93,)))  # MSG_CHANNEL_WINDOW_ADJUST
            msg.add_int(chan.remote_chanid)
            msg.add_int(ack)
            chan.transport._send_user_message(msg)
    return pieces


def _write_pieces(dst: Any, pieces: list[bytes | memoryview]) -> None:
    """All pieces to `dst` in one `writev` when it is an unbuffered file (one system call per answer instead
    of one per 32 KiB packet), else piece by piece."""
    fileno = getattr(dst, "fileno", None)
    if not isinstance(dst, io.FileIO) or fileno is None:
        for piece in pieces:
            dst.write(piece)
        return
    fd = fileno()
    while pieces:
        done = os.writev(fd, pieces)
        while pieces and done >= len(pieces[0]):
            done -= len(pieces[0])
            pieces.pop(0)
        if done:
            pieces[0] = memoryview(pieces[0])[done:]


def download(
    sftp: Any,
    handle: bytes,
    dst: io.BufferedIOBase,
    offset: int,
    size: int,
    *,
    on_got: Callable[[int], None],
    check: Callable[[], None],
) -> int:
    """Read the open remote `handle` from `offset` to `size` into `dst` (at its current position), with
    `IN_FLIGHT` READ requests outstanding. Answers are written to `dst` in order, piece by piece, without
    joining a whole answer first. Returns the bytes written; raises Refused, EOFError or SSHException."""
    chan = sftp.sock
    padding = _Padding()
    name = len(handle)
    pending: collections.deque[tuple[int, int, int]] = collections.deque()  # (request, offset, length)
    pos = offset
    written = 0

    def ask(at: int, length: int) -> None:
        with sftp._lock:
            num = sftp.request_number
            sftp.request_number += 1
        request = b"".join(
            (_read_request(1 + 4 + 4 + name + 8 + 4, CMD_READ, num, name), handle, _offset_length(at, length))
        )
        send_channel_data(chan, memoryview(request), padding)
        pending.append((num, at, length))

    while pos < size or pending:
        check()
        while pos < size and len(pending) < IN_FLIGHT:
            length = min(REQUEST_SIZE, size - pos)
            ask(pos, length)
            pos += length
        num, at, length = pending.popleft()
        head = b"".join(_recv_pieces(chan, 9))  # uint32 length, byte type, uint32 request id
        total, kind, answered = struct.unpack(">IBI", head)
        if answered != num:
            raise paramiko.SFTPError(f"Unexpected SFTP answer (request {answered}; waiting for {num})")
        if kind == CMD_DATA:
            (n,) = struct.unpack(">I", b"".join(_recv_pieces(chan, 4)))
            _write_pieces(dst, _recv_pieces(chan, n))
            written += n
            on_got(n)
            if n < length:
                # A short read (sftp-server returns less only near the end of a file that changed): the
                # answers still in flight are for later offsets. Read and drop them, then go on from here.
                for _ in range(len(pending)):
                    (skip, _, _) = struct.unpack(">IBI", b"".join(_recv_pieces(chan, 9)))
                    _recv_pieces(chan, skip - 5)
                pending.clear()
                pos = at + n
        elif kind == CMD_STATUS:
            msg = paramiko.Message(b"".join(_recv_pieces(chan, total - 5)))
            try:
                sftp._convert_status(msg)
            except EOFError:
                raise Refused(f"{at} is past the end of the file (it changed while downloading)") from None
            except OSError as exc:
                raise Refused(str(exc)) from None
            raise paramiko.SFTPError("The board answered a read with an empty status.")
        else:
            raise paramiko.SFTPError(f"Unexpected SFTP answer type {kind}")
    return written


# ------------------------------------------------------------------------------------------ inbound packets
MSG_IGNORE = 2
_IN_FIELDS = (
    "block_engine_in",
    "block_size_in",
    "aead_in",
    "etm_in",
    "compress_engine_in",
    "dump_packets",
    "iv_in",
    "mac_size_in",
    "sequence_number_in",
    "received_bytes",
    "received_packets",
    "need_rekey",
    "received_bytes_overflow",
    "received_packets_overflow",
)
_u32_at = struct.Struct(">I").unpack_from


def install_fast_reader(transport: paramiko.Transport) -> bool:
    """Let channel data reach its channel with fewer copies.

    paramiko copies each inbound packet about six times on its way to a channel (the length field sliced
    off and joined back, decrypted, the padding cut, wrapped in a `Message`, read out of it) and dispatches
    it through `Transport.run`. For AES-GCM, once the first key exchange is done, this reader decrypts the
    packet, keeps paramiko's sequence number, counters and rekey checks as `Packetizer.read_message` does,
    and hands MSG_CHANNEL_DATA straight to the channel (a view of the decrypted packet for a `ChunkPipe`),
    returning MSG_IGNORE to the transport loop, which skips it. Every other packet, and every packet on a
    link it cannot serve, goes through paramiko's own `read_message`. Returns whether it was installed.
    """
    packetizer: Any = transport.packetizer
    fields = packetizer.__dict__
    if any(_P + name not in fields for name in _IN_FIELDS) or not hasattr(transport, "_channels"):
        return False
    original = packetizer.read_message
    t: Any = transport

    def ready() -> bool:
        return bool(
            fields[_P + "aead_in"]
            and not fields[_P + "etm_in"]
            and fields[_P + "compress_engine_in"] is None
            and not fields[_P + "dump_packets"]
            and t.initial_kex_done
            and hasattr(fields[_P + "block_engine_in"], "decrypt")
        )

    def read_message() -> tuple[int, Any]:
        if not ready():
            return original()  # type: ignore[no-any-return]
        block = fields[_P + "block_size_in"]
        header = packetizer.read_all(block, check_rekey=True)
        packet_size = _u32_at(header)[0]
        mac_size = fields[_P + "mac_size_in"]
        rest = packetizer.read_all(packet_size - block + 4 + mac_size, check_rekey=False)
        iv = fields[_P + "iv_in"]
        plain = fields[_P + "block_engine_in"].decrypt(
            iv, b"".join((memoryview(header)[4:], rest)), header[:4]
        )
        fields[_P + "iv_in"] = iv[:4] + (int.from_bytes(iv[4:], "big") + 1).to_bytes(8, "big")
        padding = plain[0]
        end = packet_size - padding  # payload is plain[1:end]
        seqno = fields[_P + "sequence_number_in"]
        fields[_P + "sequence_number_in"] = (seqno + 1) & 0xFFFFFFFF
        raw = packet_size + mac_size + 4
        fields[_P + "received_bytes"] += raw
        fields[_P + "received_packets"] += 1
        if fields[_P + "need_rekey"]:
            fields[_P + "received_bytes_overflow"] += raw
            fields[_P + "received_packets_overflow"] += 1
            if (
                fields[_P + "received_packets_overflow"] >= packetizer.REKEY_PACKETS_OVERFLOW_MAX
                or fields[_P + "received_bytes_overflow"] >= packetizer.REKEY_BYTES_OVERFLOW_MAX
            ):
                raise paramiko.SSHException("Remote transport is ignoring rekey requests")
        elif (
            fields[_P + "received_packets"] >= packetizer.REKEY_PACKETS
            or fields[_P + "received_bytes"] >= packetizer.REKEY_BYTES
        ):
            fields[_P + "received_bytes_overflow"] = 0
            fields[_P + "received_packets_overflow"] = 0
            packetizer._trigger_rekey()
        cmd = plain[1]
        if cmd == MSG_CHANNEL_DATA and end >= 10 and not t._expected_packet:
            chan = t._channels.get(_u32_at(plain, 2)[0])
            length = _u32_at(plain, 6)[0]
            if chan is not None and 10 + length <= end:
                data = memoryview(plain)[10 : 10 + length]
                pipe = chan.in_buffer
                if isinstance(pipe, ChunkPipe):
                    pipe.feed(data)
                else:
                    chan._feed(bytes(data))
                return MSG_IGNORE, paramiko.Message()
        msg = paramiko.Message(plain[2:end])
        msg.seqno = seqno  # type: ignore[attr-defined]
        return cmd, msg

    packetizer.read_message = read_message
    return True
