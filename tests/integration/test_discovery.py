"""Finding a board: mDNS from a network namespace, the scan of a namespace's /29, banners, manual entry.

The "board" lives in a network namespace this test creates, joined to the test's namespace by a veth pair on
a private /29 (10.213.<n>.0/29). Inside it run a zeroconf advertiser, Debian's sshd (the rig's binary, its own
config and host key) and a banner server that answers like Ubuntu's OpenSSH. The browser is tied to the
veth's address and the scan to the /29, so no packet goes to any other address.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from rubikpi_studio.core import discovery
from rubikpi_studio.core.discovery import LIKELY, MAYBE, NOT_SSH, OTHER, Discovery, FoundHost, ScanLimits
from rubikpi_studio.core.errors import Unreachable
from rubikpi_studio.core.events import CancelToken

UBUNTU_BANNER = "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5"

# One advertiser + banner server, run with the venv's Python inside the namespace.
BOARD_SCRIPT = textwrap.dedent(
    """
    import socket, sys, threading, time
    from zeroconf import IPVersion, ServiceInfo, Zeroconf
    address, hostname, banner = sys.argv[1], sys.argv[2], sys.argv[3]
    srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((address, 22)); srv.listen(16)
    def serve():
        while True:
            conn, _ = srv.accept()
            try:
                conn.sendall(banner.encode() + b"\\r\\n"); time.sleep(0.2)
            finally:
                conn.close()
    threading.Thread(target=serve, daemon=True).start()
    zc = Zeroconf(interfaces=[address], ip_version=IPVersion.V4Only)
    info = ServiceInfo("_ssh._tcp.local.", hostname + "._ssh._tcp.local.", port=22,
                       addresses=[socket.inet_aton(address)], server=hostname + ".local.")
    zc.register_service(info)
    ws = ServiceInfo("_workstation._tcp.local.", hostname + " [00:11:22:33:44:55]._workstation._tcp.local.",
                     port=9, addresses=[socket.inet_aton(address)], server=hostname + ".local.")
    zc.register_service(ws)
    print("ready", flush=True)
    sys.stdin.read()
    zc.close()
    """
)


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=30)


@dataclass
class BoardNamespace:
    name: str
    subnet: ipaddress.IPv4Network
    host_address: str  # the test's end of the veth
    board_address: str  # the fake Ubuntu board: banner server + mDNS advertiser
    sshd_address: str  # Debian's real sshd
    workdir: Path
    processes: list[subprocess.Popen[str]]

    def exec(self, *argv: str, **kwargs: object) -> subprocess.Popen[str]:
        proc: subprocess.Popen[str] = subprocess.Popen(  # type: ignore[call-overload]
            ["ip", "netns", "exec", self.name, *argv], text=True, **kwargs
        )
        self.processes.append(proc)
        return proc


def _can_make_namespaces() -> str:
    if not sys.platform.startswith("linux"):
        return "network namespaces are Linux-only"
    if os.geteuid() != 0:
        return "creating network namespaces needs root"
    if shutil.which("ip") is None:
        return "iproute2 (`ip`) is not installed"
    return ""


@pytest.fixture
def board_ns(tmp_path: Path) -> Iterator[BoardNamespace]:
    reason = _can_make_namespaces()
    if reason:
        pytest.skip(reason)
    tag = f"{os.getpid() % 10000}{threading.get_ident() % 97}"
    ns, host_if, ns_if = f"rpsdisc{tag}", f"rpsh{tag}"[:15], f"rpsn{tag}"[:15]
    third = 100 + os.getpid() % 150
    subnet = ipaddress.IPv4Network(f"10.213.{third}.0/29")
    hosts = [str(a) for a in subnet.hosts()]
    made = BoardNamespace(ns, subnet, hosts[0], hosts[1], hosts[2], tmp_path, [])
    _ip("netns", "add", ns)
    try:
        _ip("link", "add", host_if, "type", "veth", "peer", "name", ns_if)
        _ip("link", "set", ns_if, "netns", ns)
        _ip("addr", "add", f"{made.host_address}/29", "dev", host_if)
        _ip("link", "set", host_if, "up", "multicast", "on")
        _ip("-n", ns, "addr", "add", f"{made.board_address}/29", "dev", ns_if)
        _ip("-n", ns, "addr", "add", f"{made.sshd_address}/29", "dev", ns_if)
        _ip("-n", ns, "link", "set", ns_if, "up", "multicast", "on")
        _ip("-n", ns, "link", "set", "lo", "up")
        # zeroconf binds 0.0.0.0:5353; multicast needs a route (measured-here.md). Only inside the namespace:
        # the test's side sends multicast out of the veth because zeroconf is told to use its address.
        _ip("-n", ns, "route", "add", "224.0.0.0/4", "dev", ns_if)
        yield made
    finally:
        for proc in made.processes:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            for pipe in (proc.stdin, proc.stdout):
                if pipe is not None:
                    pipe.close()
        _ip("link", "del", host_if, check=False)
        _ip("netns", "del", ns, check=False)


def _start_board(ns: BoardNamespace, hostname: str = "rubikpi", banner: str = UBUNTU_BANNER) -> None:
    proc = ns.exec(
        sys.executable,
        "-c",
        BOARD_SCRIPT,
        ns.board_address,
        hostname,
        banner,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"


def _start_sshd(ns: BoardNamespace) -> str:
    sshd = "/usr/sbin/sshd"
    if not Path(sshd).exists():
        pytest.skip("Debian's openssh-server is not installed (tests/rig/provision.sh installs it)")
    key = ns.workdir / "host_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    config = ns.workdir / "sshd_config"
    config.write_text(
        f"ListenAddress {ns.sshd_address}:22\nHostKey {key}\nPidFile {ns.workdir / 'sshd.pid'}\n"
        "UsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPrintMotd no\n"
    )
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    ns.exec(sshd, "-D", "-e", "-f", str(config), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        # The test's namespace reaches the board's addresses over the veth.
        try:
            banner = discovery.read_banner(ns.sshd_address, 22, 1.0)
        except OSError:
            time.sleep(0.05)
            continue
        if banner:
            return banner
    pytest.fail("sshd in the namespace did not start")


def test_mdns_finds_the_board_advertised_in_a_namespace(board_ns: BoardNamespace) -> None:
    _start_board(board_ns, "rubikpi")
    seen: list[FoundHost] = []
    found = Discovery(seen.append).browse_mdns(duration=4.0, interfaces=[board_ns.host_address])
    board = [h for h in found if h.address == board_ns.board_address]
    assert board, f"not found; got {found}"
    host = board[0]
    assert host.name == "rubikpi.local"
    assert host.port == 22 and host.source == "mdns"
    assert host.banner == UBUNTU_BANNER
    assert host.looks_like_rubikpi and host.verdict == LIKELY
    # the _ssh._tcp and _workstation._tcp records of one host merge into one entry
    assert len({h.key for h in found}) == len(found)
    assert any(h.key == host.key for h in seen)


def test_usual_name_resolves_over_mdns(board_ns: BoardNamespace) -> None:
    _start_board(board_ns, "ubuntu")
    found = Discovery().check_names(
        ["rubikpi.local", "ubuntu.local"], mdns_timeout=2.0, interfaces=[board_ns.host_address]
    )
    assert [(h.name, h.address, h.verdict) for h in found] == [
        ("ubuntu.local", board_ns.board_address, LIKELY)
    ]


def test_scan_of_the_namespace_subnet_finds_both_ssh_servers(board_ns: BoardNamespace) -> None:
    _start_board(board_ns, "rubikpi")
    sshd_banner = _start_sshd(board_ns)
    assert sshd_banner.startswith("SSH-2.0-OpenSSH_")
    seen: list[FoundHost] = []
    progress: list[tuple[int, int]] = []
    iface = ipaddress.IPv4Interface(f"{board_ns.host_address}/29")
    summary = Discovery(seen.append).scan(
        [iface],
        limits=ScanLimits(rate=50, in_flight=64, duration=10, connect_timeout=1.0),
        progress=lambda done, total: progress.append((done, total)),
    )
    by_address = {h.address: h for h in seen}
    assert set(by_address) == {board_ns.board_address, board_ns.sshd_address}
    assert by_address[board_ns.board_address].banner == UBUNTU_BANNER
    assert by_address[board_ns.board_address].verdict == MAYBE  # Ubuntu's SSH, no name from a scan
    assert by_address[board_ns.sshd_address].banner == sshd_banner
    assert by_address[board_ns.sshd_address].verdict == OTHER  # Debian's SSH
    assert summary.targets == 5  # a /29 has 6 hosts; the PC's own address is left out
    assert summary.found == 2 and summary.complete
    assert progress[-1] == (5, 5)


def test_scan_respects_the_rate_and_can_be_cancelled(board_ns: BoardNamespace) -> None:
    # 5 targets at 10/s need ≥ 0.4 s to start; a cancel stops a long scan at once.
    iface = ipaddress.IPv4Interface(f"{board_ns.host_address}/29")
    started = time.monotonic()
    Discovery().scan([iface], limits=ScanLimits(rate=10, duration=5, connect_timeout=0.3))
    assert time.monotonic() - started >= 0.4
    token = CancelToken()
    threading.Timer(0.3, token.cancel).start()
    started = time.monotonic()
    summary = Discovery().scan([iface], limits=ScanLimits(rate=1, duration=30), cancel=token)
    assert time.monotonic() - started < 2.0
    assert not summary.complete and summary.probed < 5


def test_manual_entry_reads_the_banner_or_says_why(board_ns: BoardNamespace) -> None:
    _start_board(board_ns, "rubikpi")
    host = Discovery().check_host(board_ns.board_address, 22)
    assert host.banner == UBUNTU_BANNER and host.source == "manual" and host.verdict == MAYBE
    with pytest.raises(Unreachable) as refused:
        Discovery().check_host(board_ns.board_address, 2222)
    assert refused.value.reason == "refused"
    with pytest.raises(Unreachable) as name:
        Discovery().check_host("no-such-board.invalid", 22)
    assert name.value.reason == "name"


# --- without a namespace: loopback only ---------------------------------------------------------------------


def test_banner_of_a_non_ssh_server_is_empty() -> None:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]

    def serve() -> None:
        conn, _ = srv.accept()
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        conn.close()

    threading.Thread(target=serve, daemon=True).start()
    try:
        assert discovery.read_banner("127.0.0.1", port, 2.0) == ""
    finally:
        srv.close()
    assert FoundHost("127.0.0.1", port, "", "manual", "").verdict == NOT_SSH


def test_the_rig_sshd_banner_is_read_without_logging_in(rig_sshd: object) -> None:
    host = Discovery().check_host("127.0.0.1", rig_sshd.port)  # type: ignore[attr-defined]
    assert host.banner.startswith("SSH-2.0-OpenSSH_") and host.is_ssh


@pytest.mark.parametrize(
    ("name", "banner", "expected"),
    [
        ("rubikpi.local", UBUNTU_BANNER, LIKELY),
        ("RubikPi-3", "SSH-2.0-OpenSSH_9.2p1 Debian-2", LIKELY),
        ("ubuntu.local", UBUNTU_BANNER, LIKELY),
        ("ubuntu", "SSH-2.0-OpenSSH_9.2p1 Debian-2", OTHER),
        ("", UBUNTU_BANNER, MAYBE),
        ("192.168.1.7", UBUNTU_BANNER, MAYBE),
        ("nas.local", UBUNTU_BANNER, OTHER),
        ("rubikpi.local", "", NOT_SSH),
    ],
)
def test_verdict(name: str, banner: str, expected: str) -> None:
    assert discovery.verdict(name, banner) == expected


def test_big_subnets_are_narrowed_to_the_pcs_24() -> None:
    targets, narrowed = discovery.scan_targets([ipaddress.IPv4Interface("10.1.2.3/16")])
    assert narrowed == ["10.1.0.0/16"]
    assert len(targets) == 253 and targets[0] == "10.1.2.1" and "10.1.2.3" not in targets
    targets, narrowed = discovery.scan_targets([ipaddress.IPv4Interface("192.168.4.10/22")])
    assert narrowed == [] and len(targets) == 1021


def test_merge_keeps_the_mdns_name_and_the_banner() -> None:
    d = Discovery()
    d.add(FoundHost("10.0.0.5", 22, "", "scan", UBUNTU_BANNER))
    merged = d.add(FoundHost("10.0.0.5", 22, "rubikpi.local", "mdns", ""))
    assert merged.name == "rubikpi.local" and merged.banner == UBUNTU_BANNER and merged.verdict == LIKELY
    assert [h.key for h in d.hosts] == ["10.0.0.5:22"]
