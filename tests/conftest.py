"""Shared test set-up: Qt off screen, the app's files per test, the board rig and a private keyring.

Rig fixtures (`rig_sshd`, `rig_account`, `fresh_account`, `expired_account`, `tmp_known_hosts`) skip with a
reason when the rig cannot run here (not Linux, no sshd, neither root nor passwordless sudo); tests that use
them are marked `rig` automatically, so `-m "not rig"` leaves them out.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Before anything imports Qt: render off screen unless a developer asks to watch on their display.
if not (os.environ.get("DISPLAY") and os.environ.get("RPS_TEST_DISPLAY") == "1"):
    os.environ["QT_QPA_PLATFORM"] = "offscreen"

# `import rig` must work however pytest was started (tests/ has no __init__.py, so this is also what
# pytest's default import mode does; the line keeps it true under other modes).
_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

import pytest  # noqa: E402
import rig  # noqa: E402
from hypothesis import settings  # noqa: E402
from rig import secretscan  # noqa: E402

from rubikpi_studio.core.ssh import Board  # noqa: E402

# CI runs the property-based tests on a fixed example sequence (.ci/run sets HYPOTHESIS_PROFILE=ci), so a
# red run is reproducible, never a coin toss; a developer's run draws new examples and may find new bugs.
settings.register_profile("ci", derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

RIG_FIXTURES = {"rig_sshd", "rig_account", "fresh_account", "expired_account", "tmp_known_hosts"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if RIG_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.rig)
            _SECRETS_SCAN.used_rig = True


# --- the secrets scan (issue 10): after the session, no known secret in any file the app wrote (each test's
# studio home), in a rig account's files (scanned before a throw-away account is deleted, and at the end) or
# in a board account's command line (sampled all session). A finding fails the session.
_SECRETS_SCAN = secretscan.SessionScan()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "plants_secrets: the test writes known secrets into the app's files itself (not scanned)"
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    _SECRETS_SCAN.start()
    _register_lan_keys()


def _register_lan_keys() -> None:
    """Every LAN API key the app makes or reads in any test joins the session scan's known secrets (not only
    the one tests/reliability/test_secrets.py registers): `server.start` and `find` get it from here."""
    from rubikpi_studio.core import server

    made = server.lan_api_key
    if getattr(made, "registers_keys", False):
        return

    def registering(board: Board, *, create: bool = True) -> str | None:
        key = made(board, create=create)
        secretscan.register("LAN API key", key)
        return key

    registering.registers_keys = True  # type: ignore[attr-defined]
    server.lan_api_key = registering


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> object:
    _SECRETS_SCAN.current = item.nodeid
    try:
        return (yield)
    finally:
        _SECRETS_SCAN.current = "session"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    findings = _SECRETS_SCAN.finish()
    if findings:
        lines = [f"{test}: {finding}" for test, finding in findings]
        session.config.stash[_SECRETS_FINDINGS] = lines
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_SECRETS_FINDINGS = pytest.StashKey[list[str]]()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if rig.SWEPT:  # a crashed earlier run's leftovers, stopped before this session used the rig
        terminalreporter.section("rig: leftovers of an earlier run, swept at the start")
        for line in rig.SWEPT:
            terminalreporter.line(line)
    lines = config.stash.get(_SECRETS_FINDINGS, [])
    if lines:
        terminalreporter.section("secrets scan: known secrets found where they must not be", red=True)
        for line in lines:
            terminalreporter.line(line)


@pytest.fixture(autouse=True)
def studio_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Path:
    """The app keeps settings, known_hosts and logs under RUBIKPI_STUDIO_HOME: a fresh one per test."""
    home = tmp_path / "studio-home"
    home.mkdir()
    monkeypatch.setenv("RUBIKPI_STUDIO_HOME", str(home))
    planted = request.node.get_closest_marker("plants_secrets") is not None
    _SECRETS_SCAN.add_home(request.node.nodeid, home, exempt=planted)
    return home


# --- the board rig ----------------------------------------------------------------------------------------


def _require_rig() -> None:
    reason = rig.rig_unavailable_reason()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def rig_sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[rig.RigSshd]:
    """Debian's sshd on 127.0.0.1:<free port> for the whole session (log: `.log_path`)."""
    _require_rig()
    server = rig.start_sshd(tmp_path_factory.mktemp("sshd"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def rig_account() -> rig.RigAccount:
    """The long-lived board account `rpsboard`; its home (with cached builds) is kept between sessions."""
    _require_rig()
    return rig.ensure_account()


@pytest.fixture
def fresh_account() -> Iterator[rig.RigAccount]:
    """A new, empty board account (password, keys, sudo with password), deleted after the test."""
    _require_rig()
    account = rig.make_fresh_account()
    yield account
    rig.remove_account(account)


@pytest.fixture
def expired_account() -> Iterator[rig.RigAccount]:
    """A new account whose password must be changed before it may run anything; deleted after the test."""
    _require_rig()
    account = rig.make_expired_account()
    yield account
    rig.remove_account(account)


@pytest.fixture
def tmp_known_hosts(tmp_path: Path, rig_sshd: rig.RigSshd) -> Path:
    """A known_hosts file that pins the rig's host key for `[127.0.0.1]:<port>`."""
    return rig_sshd.write_known_hosts(tmp_path / "known_hosts")


# --- a private keyring ------------------------------------------------------------------------------------

_DBUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={dir}</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@dataclass(frozen=True)
class KeyringSession:
    bus_address: str
    password: str  # unlocks the login keyring; the test keyring holds nothing else


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _kill_pid(pid: int) -> None:
    try:
        os.kill(pid, 15)
    except ProcessLookupError:
        return
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def _secrets_service_ready(address: str) -> bool:
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    bus = DBusAddress(
        "/org/freedesktop/DBus", bus_name="org.freedesktop.DBus", interface="org.freedesktop.DBus"
    )
    with open_dbus_connection(address) as conn:
        reply = conn.send_and_get_reply(
            new_method_call(bus, "NameHasOwner", "s", ("org.freedesktop.secrets",))
        )
    return bool(reply.body[0])


@pytest.fixture(scope="session")
def keyring_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyringSession]:
    """`keyring` on gnome-keyring's Secret Service in a private D-Bus session, unlocked; opt-in.

    Nothing touches the user's own keyring or HOME: the daemons get a temporary HOME/XDG dirs, and the
    `keyring` module is pointed at the SecretService backend for the session (restored afterwards).
    """
    for tool in ("dbus-daemon", "gnome-keyring-daemon"):
        if not any(Path(d, tool).exists() for d in ("/usr/bin", "/bin")):
            pytest.skip(f"keyring tests need {tool} (tests/rig/provision.sh installs it)")
    import keyring
    from keyring.backends import SecretService

    base = tmp_path_factory.mktemp("keyring")
    env = dict(os.environ)
    for name in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR"):
        path = base / name.lower()
        path.mkdir(mode=0o700)
        env[name] = str(path)
    config = base / "bus.conf"
    config.write_text(_DBUS_CONFIG.format(dir=base / "xdg_runtime_dir"))
    out = subprocess.run(
        ["dbus-daemon", f"--config-file={config}", "--fork", "--print-address=1", "--print-pid=1"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=30,
    )
    address, pid = out.stdout.split()[:2]
    dbus_pid = int(pid)
    env["DBUS_SESSION_BUS_ADDRESS"] = address
    password = "keyring test pw"
    with (base / "gnome-keyring.log").open("wb") as log:
        daemon = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=log,
            env=env,
        )
    assert daemon.stdin is not None
    daemon.stdin.write(password.encode())
    daemon.stdin.close()
    monkeypatch = pytest.MonkeyPatch()
    previous = keyring.get_keyring()
    try:
        deadline = time.monotonic() + 15
        while not _secrets_service_ready(address):
            if daemon.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"gnome-keyring-daemon did not start: {(base / 'gnome-keyring.log').read_text()}"
                )
            time.sleep(0.05)
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.SecretService.Keyring")
        keyring.set_keyring(SecretService.Keyring())
        yield KeyringSession(address, password)
    finally:
        keyring.set_keyring(previous)
        monkeypatch.undo()
        _stop(daemon)
        _kill_pid(dbus_pid)


# --- the rig board with llama.cpp built by the app's own setup job ----------------------------------------


@dataclass(frozen=True)
class BuiltBoard:
    sshd: rig.RigSshd
    account: rig.RigAccount
    known_hosts: Path
    bin_dir: str  # on the board

    def connect(self) -> Board:
        return rig.connect(self.account, self.sshd.port, self.known_hosts)


@pytest.fixture(scope="session")
def built_board(
    rig_sshd: rig.RigSshd, rig_account: rig.RigAccount, tmp_path_factory: pytest.TempPathFactory
) -> BuiltBoard:
    """The long-lived rig board with llama.cpp built (CPU) by `core.setup.run_setup`, the app's own setup job,
    from the local llama.cpp repository with the rig's shared compile cache. When already built, every step
    skips."""
    from rig.build import rig_setup_spec

    from rubikpi_studio.core.setup import run_setup

    kh = rig_sshd.write_known_hosts(tmp_path_factory.mktemp("built-board") / "known_hosts")
    built = BuiltBoard(rig_sshd, rig_account, kh, f"{rig_account.home}/dev/llm/llama.cpp/build/bin")
    with built.connect() as board:
        run_setup(board, rig_setup_spec(gpu="off"), sudo_password=rig_account.password)
    return built
