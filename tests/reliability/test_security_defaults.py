"""Security defaults (issue 10, part 5), on the rig with real parts.

- llama-server started through `core.server` listens on the board's loopback only; in LAN mode it listens on
  every address and answers only with the key (401 without it or with a wrong one).
- A changed host key is refused everywhere the app connects: `Board.connect` (even when told to accept new
  keys), the CLI (exit code 4), background reconnects while following a job, and the wizard's sign-in. The
  "changed" board is a second real sshd with its own host key, reached where the first one's key is pinned.
- The remote scripts are checked (sha256) before they run: a script changed on the board after the app
  pushed it never runs (the job refuses it), and the next push puts the app's own copy back.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import rig
from reliability_lab import MODEL_NAME, Lab, Line
from rig import faults, secretscan
from rig import models as rig_models
from rig.hf_server import HfServer
from rig.llama_server import free_port

from rubikpi_studio.core import jobs, server
from rubikpi_studio.core import models as m
from rubikpi_studio.core.catalogue import parse_model_ref
from rubikpi_studio.core.errors import HostKeyMismatch, RemoteFailed, StudioError
from rubikpi_studio.core.events import PROGRESS, Event
from rubikpi_studio.core.setup import SetupSpec, run_setup
from rubikpi_studio.core.ssh import Board, KnownHosts, Target

ROOT = Path(__file__).resolve().parents[2]


# --- the server: loopback unless LAN mode, and then only with the key --------------------------------------


def _external_ipv4() -> str | None:
    """An address of this machine that is not loopback (what another computer on the LAN would dial)."""
    out = subprocess.run(
        ["ip", "-4", "-o", "addr", "show", "scope", "global"], capture_output=True, text=True
    )
    m_ = re.search(r"inet (\d+\.\d+\.\d+\.\d+)/", out.stdout)
    return m_.group(1) if m_ else None


def _listeners(port: int) -> set[str]:
    """Local addresses listening on TCP `port` (ss), e.g. {"127.0.0.1"} or {"0.0.0.0"}."""
    out = subprocess.run(["ss", "-H", "-ltn", f"sport = :{port}"], capture_output=True, text=True, check=True)
    return {line.split()[3].rsplit(":", 1)[0] for line in out.stdout.splitlines() if line.strip()}


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=3):
            return True
    except OSError:
        return False


@pytest.fixture
def board(lab: Lab) -> Iterator[Board]:
    b = lab.connect()
    yield b
    server.stop(b)
    b.close()


def _spec(*, lan: bool) -> server.ServerSpec:
    return server.ServerSpec(
        model=f"~/dev/llm/models/{MODEL_NAME}", port=free_port(), threads=2, gpu=False, lan=lan
    )


def test_server_listens_on_the_loopback_only_by_default(board: Board) -> None:
    spec = _spec(lan=False)
    handle = server.start(board, spec)
    assert handle.host == "127.0.0.1" and not handle.is_lan and handle.api_key is None
    assert _listeners(spec.port) == {"127.0.0.1"}
    outside = _external_ipv4()
    if outside is not None:
        assert not _reachable(outside, spec.port), f"llama-server answers on {outside}:{spec.port}"
    # The app reaches it through the SSH forward, without a key.
    fwd = handle.open_tunnel()
    assert requests.get(f"{fwd}/v1/models", timeout=10).status_code == 200


def test_lan_mode_answers_only_with_the_key(board: Board, keyring_backend: object) -> None:
    spec = _spec(lan=True)
    handle = server.start(board, spec)
    key = handle.api_key
    assert key and handle.is_lan
    # The key the app made is a known secret for the end-of-session scan (tests/conftest.py registers it).
    assert key in secretscan.known_secrets().secrets
    assert _listeners(spec.port) <= {"0.0.0.0", "*"}, _listeners(spec.port)
    host = _external_ipv4() or "127.0.0.1"
    url = f"http://{host}:{spec.port}/v1/models"
    assert requests.get(url, timeout=10).status_code == 401
    wrong = {"Authorization": f"Bearer {key[:-1]}x"}
    assert requests.get(url, headers=wrong, timeout=10).status_code == 401
    assert (
        requests.post(
            f"http://{host}:{spec.port}/v1/chat/completions",
            json={"messages": [{"role": "user", "content": "hi"}], "max_tokens": 4},
            timeout=30,
        ).status_code
        == 401
    )
    good = requests.get(url, headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert good.status_code == 200 and good.json()["data"]
    # The key reached the server only through its environment: not in its command line.
    pids = faults.pgrep(board.target.user, "llama-server", exact=True)
    assert pids
    for pid in pids:
        assert key not in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")


# --- changed host keys --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def other_sshd(tmp_path_factory: pytest.TempPathFactory, rig_sshd: rig.RigSshd) -> Iterator[rig.RigSshd]:
    """A second real sshd (same accounts) with its own, different host key: "the board's key changed"."""
    other = rig.start_sshd(tmp_path_factory.mktemp("sshd-other"))
    assert other.host_public_key().asbytes() != rig_sshd.host_public_key().asbytes()
    yield other
    other.stop()


@pytest.fixture
def swapped_known_hosts(tmp_path: Path, rig_sshd: rig.RigSshd, other_sshd: rig.RigSshd) -> Path:
    """known_hosts pinning the first sshd's key at the second one's address."""
    path = tmp_path / "known_hosts"
    path.write_text(rig_sshd.known_hosts_line(other_sshd.port) + "\n")
    return path


def _auth_lines(sshd: rig.RigSshd, user: str) -> list[str]:
    return [
        line
        for line in sshd.log_text().splitlines()
        if user in line and ("Accepted" in line or "Failed" in line or "password" in line.lower())
    ]


def test_core_connect_refuses_a_changed_host_key_before_sending_the_password(
    other_sshd: rig.RigSshd, swapped_known_hosts: Path, fresh_account: rig.RigAccount
) -> None:
    before = swapped_known_hosts.read_bytes()
    target = Target(
        other_sshd.host, other_sshd.port, fresh_account.user, password=fresh_account.password,
        look_for_keys=False, use_agent=False,
    )  # fmt: skip
    for accept in (False, True):
        with pytest.raises(HostKeyMismatch) as info:
            Board.connect(
                target, KnownHosts(swapped_known_hosts, system_paths=[]), accept_new_host_key=accept
            )
        assert info.value.data["got"] != info.value.data["expected"]
        assert "changed" in info.value.message
    assert swapped_known_hosts.read_bytes() == before, "the pinned key must not be replaced"
    assert _auth_lines(other_sshd, fresh_account.user) == [], (
        "the password went to a board with a changed key"
    )
    # The same account and password work where the key matches (so the refusal is the key's doing).
    good = swapped_known_hosts.parent / "good_known_hosts"
    other_sshd.write_known_hosts(good)
    Board.connect(target, KnownHosts(good, system_paths=[])).close()
    assert _auth_lines(other_sshd, fresh_account.user), "sshd's log names logins (so an empty one means none)"


def test_cli_exits_4_on_a_changed_host_key(
    other_sshd: rig.RigSshd, swapped_known_hosts: Path, fresh_account: rig.RigAccount
) -> None:
    for extra in ([], ["--accept-new-host-key"], ["--json"]):
        argv = ["probe", other_sshd.host, "--port", str(other_sshd.port), "--user", fresh_account.user]
        argv += ["--password-stdin", "--known-hosts", str(swapped_known_hosts), *extra]
        out = subprocess.run(
            [sys.executable, "-m", "rubikpi_studio.cli", *argv],
            input=fresh_account.password + "\n", capture_output=True, text=True, timeout=120, cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        assert out.returncode == 4, (extra, out.stdout, out.stderr)
        text = out.stdout + out.stderr
        assert "changed" in text and "Traceback" not in text
        assert fresh_account.password not in text
    assert _auth_lines(other_sshd, fresh_account.user) == []


@pytest.fixture
def hf() -> Iterator[HfServer]:
    with HfServer() as server_:
        yield server_


def test_background_reconnect_refuses_a_changed_host_key(
    rig_sshd: rig.RigSshd, other_sshd: rig.RigSshd, line: Line, fresh_account: rig.RigAccount, hf: HfServer
) -> None:
    """A download job followed through a link that drops; the app reconnects by itself, and the address
    now answers with another host key: the reconnect stops with HostKeyMismatch at once, no retries."""
    hf.add_file("org/slow-GGUF", "tiny-f16.gguf", rig_models.tiny_f16_path())
    hf.set_rate("org/slow-GGUF", "tiny-f16.gguf", 40_000)  # ~5 s
    request = m.DownloadRequest.from_ref(parse_model_ref("org/slow-GGUF/tiny-f16.gguf", hf.endpoint))
    kh = KnownHosts(line.known_hosts, system_paths=[])
    target = rig.key_target(fresh_account, line.port)
    attempts: list[str] = []

    def reconnect() -> Board:
        attempts.append(time.strftime("%T"))
        return Board.connect(target, kh)

    started = threading.Event()

    def report(ev: Event) -> None:
        if ev.kind == PROGRESS and ev.data.get("bytes", 0) > 0 and not started.is_set():
            started.set()
            line.proxy.target = ("127.0.0.1", other_sshd.port)  # the address now leads to another key
            line.proxy.cut()

    board = Board.connect(target, kh)
    t0 = time.monotonic()
    try:
        with pytest.raises(HostKeyMismatch):
            m.pull(board, request, report=report, reconnect=reconnect)
    finally:
        board.close()
    assert started.is_set()
    assert len(attempts) == 1, f"a changed host key was retried: {attempts}"
    assert time.monotonic() - t0 < 30
    assert line.known_hosts.read_text() == rig_sshd.known_hosts_line(line.port) + "\n"


# --- the pushed scripts are checked before they run ---------------------------------------------------------

CANARY_DIR = ".local/state/rps-canary"


def _tamper(account: rig.RigAccount, name: str) -> str:
    """Insert a line after the shebang of the pushed `name` that leaves a canary file when it runs."""
    path = f"{account.home}/{jobs.SCRIPTS_DIR}/{name}"
    canary = f"{account.home}/{CANARY_DIR}/{name}"
    line = f"mkdir -p {shlex.quote(os.path.dirname(canary))}; touch {shlex.quote(canary)}"
    script = 'sed -i "1a $2" "$1"'
    done = rig.run_as(account.user, ["bash", "-c", script, "tamper", path, line])
    assert done.returncode == 0, done.stderr
    assert line in rig.run_as(account.user, ["cat", path]).stdout
    return canary


def _canary_ran(account: rig.RigAccount, canary: str) -> bool:
    return rig.run_as(account.user, ["test", "-e", canary]).returncode == 0


def _matches_ours(account: rig.RigAccount, name: str) -> bool:
    theirs = rig.run_as(account.user, ["sha256sum", f"{account.home}/{jobs.SCRIPTS_DIR}/{name}"]).stdout
    return theirs.split()[0] == jobs.ScriptStore().sha(name)


def _preflight(board: Board, store: jobs.ScriptStore) -> list[Event]:
    """Run the setup's preflight step as a job; its events (a failed check is fine: it ran)."""
    events: list[Event] = []
    try:
        run_setup(board, SetupSpec(steps=("preflight",)), scripts=store, report=events.append)
    except StudioError as exc:
        if exc.code == "E_SCRIPT_CHANGED" or not any(ev.step == "preflight" for ev in events):
            raise
    return events


# job-start.sh checks the others, so its own change must be caught before it runs; lib.sh and preflight.sh
# are run by setup.sh (sourced / called), not named in the launch command.
TAMPERED = ["setup.sh", "job-start.sh", "lib.sh", "preflight.sh"]


@pytest.mark.parametrize("name", TAMPERED)
def test_a_script_changed_after_the_push_never_runs(
    rig_sshd: rig.RigSshd, fresh_account: rig.RigAccount, tmp_known_hosts: Path, name: str
) -> None:
    store = jobs.ScriptStore()
    with rig.connect(fresh_account, rig_sshd.port, tmp_known_hosts) as board:
        assert any(ev.step == "preflight" for ev in _preflight(board, store))
        canary = _tamper(fresh_account, name)
        with pytest.raises(RemoteFailed) as info:
            _preflight(board, store)
        assert info.value.code == "E_SCRIPT_CHANGED", info.value
        assert not _canary_ran(fresh_account, canary), f"the changed {name} ran"
        # The next attempt puts the app's copy back and runs it.
        assert any(ev.step == "preflight" for ev in _preflight(board, store))
        assert not _canary_ran(fresh_account, canary)
        assert _matches_ours(fresh_account, name)


@pytest.mark.parametrize("name", TAMPERED)
def test_a_script_changed_between_sessions_is_replaced_before_it_runs(
    rig_sshd: rig.RigSshd, fresh_account: rig.RigAccount, tmp_known_hosts: Path, name: str
) -> None:
    with rig.connect(fresh_account, rig_sshd.port, tmp_known_hosts) as board:
        _preflight(board, jobs.ScriptStore())
    canary = _tamper(fresh_account, name)  # MANIFEST.json on the board still lists the old hashes
    with rig.connect(fresh_account, rig_sshd.port, tmp_known_hosts) as board:
        assert any(ev.step == "preflight" for ev in _preflight(board, jobs.ScriptStore()))
    assert not _canary_ran(fresh_account, canary), f"the changed {name} ran"
    assert _matches_ours(fresh_account, name)
