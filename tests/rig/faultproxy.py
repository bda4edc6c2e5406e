"""A TCP proxy on 127.0.0.1 that a test can tell to break the line: cut, stall, throttle.

This kernel has no netem and no toxiproxy is packaged here (see reference/measured-here.md), so faults are
made in user space. Each accepted connection gets one thread per direction. While stalled a pump stops
reading, so the bytes wait in kernel buffers and TCP back-pressure reaches the sender, as on a dead Wi-Fi
link; the sockets stay open. `cut()` ends every current connection (RST by default); new ones are accepted.

    with FaultProxy(sshd.port) as proxy:
        client.connect("127.0.0.1", proxy.port)
        proxy.stall(); ...; proxy.resume(); proxy.cut()

`FaultProxy(port, record=True)` also keeps every byte the clients sent (`take_sent()`), for tests that check
what went over the wire (e.g. an HTTP request body).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from types import TracebackType

_CHUNK = 65536


class _Link:
    """One proxied connection: the client's socket and ours to the target."""

    def __init__(self, client: socket.socket, upstream: socket.socket) -> None:
        self.client = client
        self.upstream = upstream
        self.closed = threading.Event()
        self._lock = threading.Lock()
        self._open_pumps = 2

    def close(self, *, rst: bool) -> None:
        with self._lock:
            if self.closed.is_set():
                return
            self.closed.set()
        for sock in (self.client, self.upstream):
            if rst:
                # Linger on with timeout 0: close() sends RST instead of FIN.
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes a pump blocked in recv()
            sock.close()

    def half_close(self, dst: socket.socket) -> bool:
        """One direction reached EOF: pass the FIN on; True when both directions are done."""
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)
        with self._lock:
            self._open_pumps -= 1
            return self._open_pumps == 0


class FaultProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1", *, record: bool = False) -> None:
        self.target = (target_host, target_port)
        self.record = record
        self._sent = bytearray()  # client → target bytes, when recording
        self.port = 0
        self.bytes_up = 0  # client → target
        self.bytes_down = 0  # target → client
        self.accepted = 0
        self._listener: socket.socket | None = None
        self._links: set[_Link] = set()
        self._lock = threading.Lock()
        self._flowing = threading.Event()
        self._flowing.set()
        self._stopping = threading.Event()
        self._rate: float | None = None
        self._threads: list[threading.Thread] = []

    # --- control ------------------------------------------------------------------------------------------

    def start(self) -> FaultProxy:
        if self._listener is None:
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", 0))
            listener.listen(64)
            self._listener = listener
            self.port = listener.getsockname()[1]
            self._spawn(self._accept_loop, "faultproxy-accept")
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._flowing.set()
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
        self.cut(rst=False)
        for thread in self._threads:
            thread.join(timeout=5)

    def cut(self, *, rst: bool = True) -> int:
        """End every current connection (RST, or FIN with rst=False); return how many were cut."""
        with self._lock:
            links, self._links = self._links, set()
        for link in links:
            link.close(rst=rst)
        return len(links)

    def stall(self) -> None:
        """Stop forwarding bytes in both directions; connections stay open (and new ones are accepted)."""
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    def set_rate(self, bytes_per_second: float | None) -> None:
        """Throttle each direction of each connection to about this many bytes per second (None: no limit)."""
        if bytes_per_second is not None and bytes_per_second <= 0:
            raise ValueError("rate must be positive or None")
        self._rate = bytes_per_second

    def take_sent(self) -> bytes:
        """The bytes clients sent since the last call (with record=True), in the order they were forwarded."""
        with self._lock:
            out, self._sent = bytes(self._sent), bytearray()
        return out

    @property
    def connections(self) -> int:
        with self._lock:
            return len(self._links)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- workers ------------------------------------------------------------------------------------------

    def _spawn(self, target: object, name: str, *args: object) -> None:
        thread = threading.Thread(target=target, name=name, args=args, daemon=True)  # type: ignore[arg-type]
        self._threads = [t for t in self._threads if t.is_alive()]
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            link = _Link(client, upstream)
            with self._lock:
                if self._stopping.is_set():
                    link.close(rst=False)
                    return
                self._links.add(link)
                self.accepted += 1
            self._spawn(self._pump, "faultproxy-up", link, client, upstream, True)
            self._spawn(self._pump, "faultproxy-down", link, upstream, client, False)

    def _wait_flowing(self, link: _Link) -> bool:
        while not self._flowing.wait(0.05):
            if link.closed.is_set():
                return False
        return not link.closed.is_set()

    def _pump(self, link: _Link, src: socket.socket, dst: socket.socket, up: bool) -> None:
        try:
            while self._wait_flowing(link):
                rate = self._rate
                size = _CHUNK if rate is None else max(1, min(_CHUNK, int(rate / 20)))
                data = src.recv(size)
                if not data:
                    if link.half_close(dst):
                        self._forget(link)
                    return
                # A chunk read just before stall() is held here, not sent.
                if not self._wait_flowing(link):
                    return
                started = time.monotonic()
                dst.sendall(data)
                with self._lock:
                    if up:
                        self.bytes_up += len(data)
                        if self.record:
                            self._sent += data
                    else:
                        self.bytes_down += len(data)
                if rate is not None:
                    time.sleep(max(0.0, len(data) / rate - (time.monotonic() - started)))
        except OSError:
            # The other side went away or cut() closed the sockets under us: end the whole connection.
            self._forget(link)

    def _forget(self, link: _Link) -> None:
        with self._lock:
            self._links.discard(link)
        link.close(rst=False)
