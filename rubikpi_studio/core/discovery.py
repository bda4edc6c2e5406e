"""Finding a board on the network: mDNS/DNS-SD, the board's usual host names, a subnet scan, manual entry.

Every way ends in the same check: open a TCP connection to the SSH port and read the server's identification
line (`SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5`) without logging in. From that line and the host's name
`FoundHost.verdict` guesses whether it is a RUBIK Pi; after sign-in the probe (`core.probe`) decides.

- `browse_mdns` asks for `_ssh._tcp`, `_sftp-ssh._tcp` and `_workstation._tcp` (avahi's defaults). Ubuntu
  server images do not always run avahi, so this may find nothing (board-and-llama-cpp-facts.md A3).
- `check_names` tries `rubikpi.local`, `ubuntu.local` (resolved over mDNS by zeroconf itself, so the PC needs
  no nss-mdns or Bonjour) and the plain names `rubikpi`/`ubuntu` (the router's DNS may know them).
- `scan` connects to port 22 on every address of the PC's own subnets, only when the user asks: at most
  `ScanLimits.rate` new connections a second, `in_flight` at once, for `duration` seconds. A subnet larger
  than /22 is narrowed to the /24 around the PC's address.
- `check_host` is manual entry: one address or name, an error saying why when nothing answers.

Results stream through an `on_found(FoundHost)` callback, called again for a host when more is learnt about
it (a name from mDNS for an address the scan found). Everything blocks; the GUI runs it in a worker thread
and cancels with a `CancelToken`.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import errno
import ipaddress
import logging
import queue
import selectors
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import Unreachable
from .events import CancelToken

log = logging.getLogger(__name__)

SSH_PORT = 22
SERVICE_TYPES = ("_ssh._tcp.local.", "_sftp-ssh._tcp.local.", "_workstation._tcp.local.")
# The Canonical image calls itself `ubuntu`; some images and many users use `rubikpi` (facts A3).
USUAL_NAMES = ("rubikpi.local", "ubuntu.local", "rubikpi", "ubuntu")
BANNER_TIMEOUT = 2.0
_BANNER_MAX = 4096  # RFC 4253 allows lines before the identification; stop after this many bytes
_IN_PROGRESS = {errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY, 10035}  # 10035: WSAEWOULDBLOCK

OnFound = Callable[["FoundHost"], None]

# Verdicts, best first (the UI sorts by this order).
LIKELY = "likely"  # an SSH server whose name says RUBIK Pi, or Ubuntu's SSH on a host called ubuntu
MAYBE = "maybe"  # Ubuntu's SSH server, name unknown
OTHER = "other"  # an SSH server that is not Ubuntu's, or a name that is not a board's
NOT_SSH = "not_ssh"  # nothing or something else answered on the port
VERDICT_ORDER = (LIKELY, MAYBE, OTHER, NOT_SSH)


@dataclass(frozen=True)
class FoundHost:
    address: str
    port: int = SSH_PORT
    name: str = ""  # mDNS host name (`rubikpi.local`), the usual name that resolved, or what was typed
    source: str = ""  # mdns | name | scan | manual
    banner: str = ""  # the SSH identification line, "" when none was read

    @property
    def key(self) -> str:
        return f"{self.address}:{self.port}"

    @property
    def is_ssh(self) -> bool:
        return self.banner.startswith("SSH-")

    @property
    def verdict(self) -> str:
        return verdict(self.name, self.banner)

    @property
    def looks_like_rubikpi(self) -> bool:
        return self.verdict == LIKELY

    @property
    def display_name(self) -> str:
        return self.name or self.address


def verdict(name: str, banner: str) -> str:
    """Guess from a host name and an SSH banner whether this is a RUBIK Pi (see the verdict constants)."""
    if not banner.startswith("SSH-"):
        return NOT_SSH
    first = name.lower().rstrip(".").split(".")[0]
    is_ubuntu = "ubuntu" in banner.lower()
    if "rubik" in first:
        return LIKELY
    if is_ubuntu and first == "ubuntu":
        return LIKELY
    if is_ubuntu and (not first or _is_address(name)):
        return MAYBE
    return OTHER


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def read_banner(address: str, port: int = SSH_PORT, timeout: float = BANNER_TIMEOUT) -> str:
    """Connect and read the SSH identification line without sending anything. Raises OSError.

    Returns "" when the port answered with something that is not SSH (or stayed silent until `timeout`).
    """
    with socket.create_connection((address, port), timeout=timeout) as sock:
        return _read_identification(sock, time.monotonic() + timeout)


def _read_identification(sock: socket.socket, deadline: float) -> str:
    buffer = b""
    while len(buffer) < _BANNER_MAX:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return ""
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(1024)
        except TimeoutError:
            return ""
        if not chunk:
            break
        buffer += chunk
        line = _banner_line(buffer)
        if line is not None:
            return line
    return _banner_line(buffer + b"\n") or ""


def _banner_line(buffer: bytes) -> str | None:
    """The `SSH-` line in `buffer` once complete; "" when complete lines show it is not SSH; None: read on."""
    lines = buffer.split(b"\n")
    for raw in lines[:-1]:
        text = raw.rstrip(b"\r").decode("utf-8", "replace")
        if text.startswith("SSH-"):
            return text[:255]
    if lines[-1].startswith(b"SSH-") or not lines[:-1]:
        return None
    # Other lines may precede the identification (RFC 4253 4.2), but a non-SSH server rarely sends
    # several short lines and then SSH-: give up after 8 lines.
    return "" if len(lines) > 8 else None


class Discovery:
    """Collects hosts from every source, merged by address:port; `on_found` sees each new or changed host.

    Thread-safe: the mDNS browse, the name checks and the scan may run at the same time in different threads.
    """

    def __init__(self, on_found: OnFound | None = None, *, banner_timeout: float = BANNER_TIMEOUT) -> None:
        self.on_found = on_found
        self.banner_timeout = banner_timeout
        self._lock = threading.Lock()
        self._hosts: dict[str, FoundHost] = {}

    @property
    def hosts(self) -> list[FoundHost]:
        with self._lock:
            found = list(self._hosts.values())
        return sorted(found, key=lambda h: (VERDICT_ORDER.index(h.verdict), h.display_name))

    def add(self, host: FoundHost) -> FoundHost:
        """Merge what is known: a name beats no name, mDNS names beat others, a banner beats none."""
        with self._lock:
            old = self._hosts.get(host.key)
            merged = host if old is None else _merge(old, host)
            if merged == old:
                return merged
            self._hosts[host.key] = merged
        if self.on_found is not None:
            try:
                self.on_found(merged)
            except Exception:
                log.exception("on_found callback failed")
        return merged

    # ---------------------------------------------------------------- manual entry
    def check_host(self, host: str, port: int = SSH_PORT, *, source: str = "manual") -> FoundHost:
        """Resolve `host`, read its SSH banner. Raises Unreachable (reason name/refused/timeout/network)."""
        host = host.strip()
        try:
            infos = socket.getaddrinfo(host, port, socket.AF_UNSPEC, socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            raise Unreachable(f"The name {host!r} was not found.", reason="name") from None
        address = str(infos[0][4][0])
        try:
            banner = read_banner(address, port, self.banner_timeout)
        except ConnectionRefusedError:
            raise Unreachable(f"{host} refused the connection on port {port}.", reason="refused") from None
        except TimeoutError:
            raise Unreachable(f"{host} did not answer on port {port}.", reason="timeout") from None
        except OSError as exc:
            raise Unreachable(f"Cannot reach {host}:{port}: {exc}", reason="network") from None
        name = "" if _is_address(host) else host
        return self.add(FoundHost(address, port, name, source, banner))

    # ---------------------------------------------------------------- usual names
    def check_names(
        self,
        names: Sequence[str] = USUAL_NAMES,
        *,
        port: int = SSH_PORT,
        cancel: CancelToken | None = None,
        mdns_timeout: float = 3.0,
        interfaces: Sequence[str] | None = None,
    ) -> list[FoundHost]:
        """Try each name: `.local` names over mDNS (zeroconf), others with the system resolver."""
        found: list[FoundHost] = []
        local = [n for n in names if n.endswith(".local")]
        plain = [n for n in names if not n.endswith(".local")]
        addresses: dict[str, list[str]] = {}
        if local:
            addresses.update(_resolve_mdns_names(local, mdns_timeout, interfaces, cancel))
        for name in plain:
            if cancel is not None and cancel.is_cancelled:
                break
            addresses[name] = _resolve_quickly(name, timeout=2.0)
        for name in names:
            for address in addresses.get(name, []):
                if cancel is not None and cancel.is_cancelled:
                    return self._latest(found)
                try:
                    banner = read_banner(address, port, self.banner_timeout)
                except OSError:
                    continue
                found.append(self.add(FoundHost(address, port, name, "name", banner)))
        return self._latest(found)

    # ---------------------------------------------------------------- mDNS
    def browse_mdns(
        self,
        *,
        duration: float = 6.0,
        port: int = SSH_PORT,
        cancel: CancelToken | None = None,
        interfaces: Sequence[str] | None = None,
        service_types: Sequence[str] = SERVICE_TYPES,
    ) -> list[FoundHost]:
        """Browse DNS-SD for `duration` seconds; each service's host is checked on the SSH port.

        `interfaces`: IPv4 addresses of the PC's interfaces to use (default: all of them).
        """
        from zeroconf import (
            InterfaceChoice,
            IPVersion,
            ServiceBrowser,
            ServiceInfo,
            ServiceStateChange,
            Zeroconf,
        )

        names: queue.Queue[tuple[str, str]] = queue.Queue()

        def on_change(
            zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
        ) -> None:
            if state_change in (ServiceStateChange.Added, ServiceStateChange.Updated):
                names.put((service_type, name))

        found: list[FoundHost] = []
        zc = Zeroconf(
            interfaces=list(interfaces) if interfaces else InterfaceChoice.All, ip_version=IPVersion.V4Only
        )
        unregister = cancel.on_cancel(lambda: names.put(("", ""))) if cancel is not None else None
        seen: set[str] = set()
        with concurrent.futures.ThreadPoolExecutor(4, thread_name_prefix="mdns-banner") as pool:
            futures: list[concurrent.futures.Future[FoundHost | None]] = []
            try:
                browser = ServiceBrowser(zc, list(service_types), handlers=[on_change])
                deadline = time.monotonic() + duration
                while (left := deadline - time.monotonic()) > 0:
                    if cancel is not None and cancel.is_cancelled:
                        break
                    try:
                        service_type, name = names.get(timeout=min(left, 0.2))
                    except queue.Empty:
                        continue
                    if not name or name in seen:
                        continue
                    seen.add(name)
                    info = ServiceInfo(service_type, name)
                    if not info.request(zc, 2000):
                        log.info("mDNS: %s did not resolve", name)
                        continue
                    host_name = (info.server or "").rstrip(".")
                    # A workstation record's port is a placeholder (9); SFTP/SSH records carry the real one.
                    service_port = (
                        info.port if service_type != "_workstation._tcp.local." and info.port else port
                    )
                    for address in info.parsed_addresses(IPVersion.V4Only):
                        futures.append(
                            pool.submit(self._check_found, address, service_port, host_name, "mdns")
                        )
                browser.cancel()
            finally:
                if unregister is not None:
                    unregister()
                zc.close()
            for future in futures:
                with contextlib.suppress(Exception):
                    result = future.result()
                    if result is not None:
                        found.append(result)
        return self._latest(found)

    def _latest(self, found: Iterable[FoundHost]) -> list[FoundHost]:
        """`found` without repeats, each host as merged from every source so far."""
        keys = list(dict.fromkeys(h.key for h in found))
        with self._lock:
            return [self._hosts[k] for k in keys if k in self._hosts]

    def _check_found(self, address: str, port: int, name: str, source: str) -> FoundHost | None:
        try:
            banner = read_banner(address, port, self.banner_timeout)
        except OSError as exc:
            log.info("%s (%s:%d) did not answer: %s", name, address, port, exc)
            return self.add(FoundHost(address, port, name, source, ""))
        return self.add(FoundHost(address, port, name, source, banner))

    # ---------------------------------------------------------------- subnet scan
    def scan(
        self,
        networks: Iterable[ipaddress.IPv4Interface] | None = None,
        *,
        port: int = SSH_PORT,
        limits: ScanLimits | None = None,
        cancel: CancelToken | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> ScanSummary:
        """Connect to `port` on each address of the PC's subnets (or `networks`) within `limits`."""
        limits = limits or ScanLimits()
        interfaces = list(networks) if networks is not None else local_networks()
        targets, narrowed = scan_targets(interfaces, max_prefix=limits.max_prefix)
        summary = ScanSummary(
            targets=len(targets), narrowed=narrowed, networks=[str(i.network) for i in interfaces]
        )
        started = time.monotonic()
        for address, banner in _scan_ports(targets, port, limits, cancel, progress, summary):
            self.add(FoundHost(address, port, "", "scan", banner))
            summary.found += 1
        summary.seconds = time.monotonic() - started
        summary.complete = summary.probed == summary.targets and not (cancel and cancel.is_cancelled)
        return summary


def _merge(old: FoundHost, new: FoundHost) -> FoundHost:
    rank = {"mdns": 0, "name": 1, "manual": 2, "scan": 3}
    if new.name and (not old.name or rank.get(new.source, 9) < rank.get(old.source, 9)):
        name, source = new.name, new.source
    else:
        name, source = old.name, old.source
    return replace(old, name=name, source=source, banner=new.banner or old.banner)


@dataclass(frozen=True)
class ScanLimits:
    rate: float = 50.0  # new connections per second
    in_flight: int = 64  # connections open at once
    duration: float = 15.0  # seconds for the whole scan
    connect_timeout: float = 1.5
    banner_timeout: float = BANNER_TIMEOUT
    max_prefix: int = 22  # a subnet larger than this (/21, /16, ...) is narrowed to the /24 around the PC


@dataclass
class ScanSummary:
    targets: int = 0
    probed: int = 0
    found: int = 0
    seconds: float = 0.0
    complete: bool = False  # every target was tried before the time limit or a cancel
    narrowed: list[str] = field(default_factory=list)  # subnets replaced by a /24
    networks: list[str] = field(default_factory=list)


def local_networks() -> list[ipaddress.IPv4Interface]:
    """The PC's IPv4 addresses with their prefix, without loopback and link-local ones."""
    import ifaddr  # zeroconf's own dependency: interface addresses on Linux, macOS and Windows

    out: list[ipaddress.IPv4Interface] = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if not isinstance(ip.ip, str):
                continue  # IPv6: (address, flowinfo, scope)
            try:
                iface = ipaddress.IPv4Interface(f"{ip.ip}/{ip.network_prefix}")
            except ValueError:
                continue
            if iface.ip.is_loopback or iface.ip.is_link_local or iface.network.prefixlen >= 31:
                continue
            if iface not in out:
                out.append(iface)
    return out


def scan_targets(
    interfaces: Iterable[ipaddress.IPv4Interface], *, max_prefix: int = 22
) -> tuple[list[str], list[str]]:
    """(addresses to try, subnets that were narrowed to a /24). The PC's own addresses are left out."""
    own = set()
    networks: list[ipaddress.IPv4Network] = []
    narrowed: list[str] = []
    for iface in interfaces:
        own.add(iface.ip)
        network = iface.network
        if network.prefixlen < max_prefix:
            narrowed.append(str(network))
            network = ipaddress.IPv4Interface(f"{iface.ip}/24").network
        if network not in networks:
            networks.append(network)
    targets: list[str] = []
    seen: set[ipaddress.IPv4Address] = set()
    for network in networks:
        hosts = list(network.hosts()) if network.prefixlen < 31 else list(network)
        for address in hosts:
            if address in own or address in seen:
                continue
            seen.add(address)
            targets.append(str(address))
    return targets, narrowed


@dataclass
class _Probe:
    address: str
    sock: socket.socket
    deadline: float
    reading: bool = False
    buffer: bytes = b""


def _scan_ports(
    targets: Sequence[str],
    port: int,
    limits: ScanLimits,
    cancel: CancelToken | None,
    progress: Callable[[int, int], None] | None,
    summary: ScanSummary,
) -> Iterable[tuple[str, str]]:
    """Non-blocking connects from one thread and one selector; yields (address, banner) per open port."""
    pending = deque(targets)
    selector = selectors.DefaultSelector()
    probes: dict[socket.socket, _Probe] = {}
    interval = 1.0 / limits.rate
    end = time.monotonic() + limits.duration
    next_start = time.monotonic()
    wake_r, wake_w = socket.socketpair()  # a cancel interrupts select() at once
    selector.register(wake_r, selectors.EVENT_READ, None)
    unregister = cancel.on_cancel(lambda: _poke(wake_w)) if cancel is not None else None

    def close(probe: _Probe) -> None:
        selector.unregister(probe.sock)
        probe.sock.close()
        del probes[probe.sock]

    try:
        while pending or probes:
            now = time.monotonic()
            if now >= end or (cancel is not None and cancel.is_cancelled):
                break
            while pending and len(probes) < limits.in_flight and now >= next_start:
                address = pending.popleft()
                summary.probed += 1
                next_start = max(next_start + interval, now - interval)
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sock.setblocking(False)
                err = sock.connect_ex((address, port))
                if err and err not in _IN_PROGRESS:
                    sock.close()
                    continue
                probe = _Probe(address, sock, now + limits.connect_timeout)
                probes[sock] = probe
                selector.register(sock, selectors.EVENT_WRITE, probe)
            if progress is not None:
                progress(summary.probed, summary.targets)
            wait = 0.05 if not pending else max(0.0, min(0.05, next_start - now))
            for key, _mask in selector.select(wait):
                probe = key.data
                if probe is None:
                    continue  # the cancel wake-up
                if not probe.reading:
                    if probe.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                        close(probe)
                        continue
                    probe.reading = True
                    probe.deadline = time.monotonic() + limits.banner_timeout
                    selector.modify(probe.sock, selectors.EVENT_READ, probe)
                    continue
                try:
                    chunk = probe.sock.recv(1024)
                except OSError:
                    chunk = b""
                probe.buffer += chunk
                line = _banner_line(probe.buffer if chunk else probe.buffer + b"\n")
                if line is not None or not chunk or len(probe.buffer) >= _BANNER_MAX:
                    close(probe)
                    yield probe.address, line or ""
            now = time.monotonic()
            for probe in [p for p in probes.values() if p.deadline <= now]:
                close(probe)
                if probe.reading:  # the port is open but said nothing SSH-like in time
                    yield probe.address, ""
    finally:
        if unregister is not None:
            unregister()
        for probe in list(probes.values()):
            close(probe)
        selector.close()
        wake_r.close()
        wake_w.close()


def _poke(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.send(b"x")


def _resolve_quickly(name: str, timeout: float) -> list[str]:
    """IPv4 addresses of `name` from the system resolver, giving up after `timeout` (it may hang)."""
    result: list[str] = []

    def work() -> None:
        try:
            infos = socket.getaddrinfo(name, None, socket.AF_INET, socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return
        for info in infos:
            address = str(info[4][0])
            if address not in result and not address.startswith("127."):
                result.append(address)

    thread = threading.Thread(target=work, name=f"resolve-{name}", daemon=True)
    thread.start()
    thread.join(timeout)
    return list(result)


def _resolve_mdns_names(
    names: Sequence[str], timeout: float, interfaces: Sequence[str] | None, cancel: CancelToken | None
) -> dict[str, list[str]]:
    """Ask for `name.local` A records over multicast DNS, all names at once."""
    from zeroconf import InterfaceChoice, IPVersion, Zeroconf
    from zeroconf._services.info import AddressResolverIPv4  # exported by zeroconf, but not in its __all__

    zc = Zeroconf(
        interfaces=list(interfaces) if interfaces else InterfaceChoice.All, ip_version=IPVersion.V4Only
    )
    out: dict[str, list[str]] = {}
    try:
        resolvers: dict[str, Any] = {n: AddressResolverIPv4(n.rstrip(".") + ".") for n in names}
        results: dict[str, bool] = {}

        def ask(name: str) -> None:
            results[name] = resolvers[name].request(zc, int(timeout * 1000))

        threads = [threading.Thread(target=ask, args=(n,), daemon=True) for n in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout + 1)
            if cancel is not None and cancel.is_cancelled:
                break
        for name, resolver in resolvers.items():
            if results.get(name):
                out[name] = list(resolver.parsed_addresses(IPVersion.V4Only))
    finally:
        zc.close()
    return out


def discover(
    on_found: OnFound,
    *,
    cancel: CancelToken | None = None,
    mdns_seconds: float = 6.0,
    names: Sequence[str] = USUAL_NAMES,
    scan: bool = False,
    limits: ScanLimits | None = None,
    interfaces: Sequence[str] | None = None,
) -> list[FoundHost]:
    """mDNS browse and usual names side by side, then (only when asked) the subnet scan. Blocking."""
    discovery = Discovery(on_found)
    threads = [
        threading.Thread(
            target=discovery.browse_mdns,
            kwargs={"duration": mdns_seconds, "cancel": cancel, "interfaces": interfaces},
            name="discover-mdns",
            daemon=True,
        ),
        threading.Thread(
            target=discovery.check_names,
            kwargs={"names": names, "cancel": cancel, "interfaces": interfaces},
            name="discover-names",
            daemon=True,
        ),
    ]
    for thread in threads:
        thread.start()
    if scan:
        discovery.scan(limits=limits, cancel=cancel)
    for thread in threads:
        thread.join()
    return discovery.hosts


def fetch_host_key(address: str, port: int = SSH_PORT, timeout: float = 10.0) -> Any:
    """The server's host key (a `paramiko.PKey`), from the key exchange alone: no login is attempted.

    The wizard shows its fingerprint before the user signs in and pins exactly this key when they go on,
    so a key swapped in between is refused as a mismatch.
    """
    import paramiko

    try:
        sock = socket.create_connection((address, port), timeout=timeout)
    except OSError as exc:
        raise Unreachable(f"Cannot reach {address}:{port}: {exc}", reason="network") from None
    from .ssh import handshake

    transport = paramiko.Transport(sock)
    try:
        handshake(transport, f"{address}:{port}", timeout)
        return transport.get_remote_server_key()
    finally:
        transport.close()
