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
