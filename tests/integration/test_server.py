"""llama-server on the rig board (issue 5's must-shows): start → ready → completion through the tunnel →
stop; crash → restart; a model that cannot load → clear give-up; disconnect → still serving → adopted;
LAN mode with and without the key; early refusals (port, memory, broken file); a hand-started server.

The board account is a fresh rig account per module whose `~/dev/llm/llama.cpp/build/bin` holds a real
llama-server (the manual's layout, found by probe like on a real board): the rig board's own build when the
setup job has built one, else the binary built under the rig cache. Without any, the tests skip and say so.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import rig
from rig import models, secretscan
from rig.llama_server import find_llama_server, free_port, llama_server_missing_reason

from rubikpi_studio.core import server
from rubikpi_studio.core.errors import StudioError
from rubikpi_studio.core.events import Event
from rubikpi_studio.core.server import ServerSpec
from rubikpi_studio.core.ssh import Board

MODEL_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"

ROOT = Path(__file__).resolve().parents[2]


def _built_binary() -> Path | None:
    """The rig board's own build first (the setup job's output), then the rig cache's."""
    for pattern in (
        f"/home/{rig.BOARD_USER}/dev/llm/llama.cpp/build*/bin/llama-server",
        "/tmp/rps-home*/dev/llm/llama.cpp/build*/bin/llama-server",
    ):
        found = [Path(p) for p in glob.glob(pattern) if os.access(p, os.X_OK)]
        static = [p for p in found if "libllama" not in _ldd(p)]
        if static:
            return max(static, key=lambda p: p.stat().st_mtime)
    return find_llama_server()


def _ldd(path: Path) -> str:
    try:
        return subprocess.run(["ldd", str(path)], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


@pytest.fixture(scope="module")
def board_account(rig_sshd: rig.RigSshd) -> Iterator[rig.RigAccount]:
    binary = _built_binary()
    if binary is None:
        pytest.skip(llama_server_missing_reason())
    account = rig.make_fresh_account()
    try:
        bindir = account.home / "dev/llm/llama.cpp/build/bin"
        modeldir = account.home / "dev/llm/models"
        bindir.mkdir(parents=True)
        modeldir.mkdir(parents=True)
        shutil.copy2(binary, bindir / "llama-server")
        shutil.copy2(models.smollm2_path(), modeldir / MODEL_NAME)
        shutil.copy2(models.truncated_gguf_path("data"), modeldir / "truncated.gguf")
        subprocess.run(["chown", "-R", f"{account.user}:", str(account.home / "dev")], check=True)
        yield account
    finally:
        rig.run_as(account.user, 'pkill -u "$(id -u)" -x llama-server; true')
        rig.remove_account(account)


@pytest.fixture
def board(rig_sshd: rig.RigSshd, board_account: rig.RigAccount, tmp_known_hosts: Path) -> Iterator[Board]:
    b = rig.connect(board_account, rig_sshd.port, tmp_known_hosts)
    yield b
    try:
        if b.is_alive:
            server.stop(b)
    finally:
        b.close()
    rig.run_as(board_account.user, 'pkill -u "$(id -u)" -x llama-server; true')


def spec(account: rig.RigAccount, **kw: object) -> ServerSpec:
    values: dict[str, object] = {"model": f"~/dev/llm/models/{MODEL_NAME}", "port": free_port(), "threads": 2}
    values.update(kw)
    return ServerSpec(**values)  # type: ignore[arg-type]


def server_pids(account: rig.RigAccount) -> list[int]:
    out = rig.run_as(account.user, 'pgrep -u "$(id -u)" -x llama-server || true').stdout
    return [int(p) for p in out.split()]


def complete(base_url: str, api_key: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    return requests.post(
        f"{base_url}/v1/chat/completions",
        json={"messages": [{"role": "user", "content": "Say hi."}], "max_tokens": 8, "temperature": 0},
        headers=headers,
        timeout=60,
    )


def wait_until(cond: object, timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out: {what}")


def test_start_ready_complete_through_tunnel_stop(board: Board, board_account: rig.RigAccount) -> None:
    events: list[Event] = []
    handle = server.start(board, spec(board_account), report=events.append)
    assert handle.is_managed and handle.host == "127.0.0.1"
    steps = [(e.kind, e.step) for e in events]
    assert ("step", "model") in steps and ("done", "load") in steps and ("done", "ready") in steps
    command = next(e for e in events if e.step == "command").data["argv"]
    assert command[0].endswith("/dev/llm/llama.cpp/build/bin/llama-server")  # the board's own binary
    assert "--no-warmup" in command and command[command.index("-ngl") + 1] == "0"  # no Adreno here: CPU
    assert any(e.code == "E_NO_GPU" for e in events)

    url = handle.open_tunnel()
    resp = complete(url)
    assert resp.status_code == 200, resp.text
    assert resp.json()["choices"][0]["message"]["content"] is not None

    st = server.status(board, handle)
    assert st.state == "running" and st.backend == "CPU"
    assert st.info is not None and st.info.n_ctx == 2048 and st.info.total_slots == 1
    assert st.info.has_vision is False and MODEL_NAME in st.model
    assert any("listening on" in line for line in server.log_tail(board, 200))

    assert server.stop(board, handle)
    wait_until(lambda: not server_pids(board_account), 15, "no llama-server left")
    assert server.find(board) is None
    assert server.status(board).state == "stopped"


def test_crash_is_restarted_and_the_tunnel_serves_again(board: Board, board_account: rig.RigAccount) -> None:
    handle = server.start(board, spec(board_account))
    url = handle.open_tunnel()
    (first,) = server_pids(board_account)
    rig.run_as(board_account.user, f"kill -KILL {first}")
    wait_until(lambda: server_pids(board_account) not in ([], [first]), 30, "a new llama-server")

    def serves() -> bool:
        try:
            return requests.get(f"{url}/health", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    wait_until(serves, 60, "health through the tunnel after the restart")
    assert complete(url).status_code == 200
    st = server.status(board, handle)
    assert st.state == "running" and st.restarts == 1
    assert len(server_pids(board_account)) == 1


def test_repeated_crashes_end_in_a_give_up_with_the_last_log_lines(
    board: Board, board_account: rig.RigAccount
) -> None:
    """Killed three times within a minute, the supervisor stops restarting it (E_SERVER_CRASHLOOP) and says
    why with the server's last log lines; nothing is left running, and a later status() still says why."""
    s = spec(board_account)
    handle = server.start(board, s)
    assert handle.job is not None

    def healthy() -> bool:
        try:  # the rig board is this machine: its loopback is ours
            return requests.get(f"http://127.0.0.1:{s.port}/health", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    killed: list[int] = []
    for n in range(3):
        wait_until(lambda: healthy() and server_pids(board_account) not in ([], *([p] for p in killed)), 60,
                   f"run {n + 1} ready")  # fmt: skip
        (pid,) = server_pids(board_account)
        rig.run_as(board_account.user, f"kill -KILL {pid}")
        killed.append(pid)

    wait_until(lambda: server.status(board, handle).state == "failed", 30, "the supervisor gave up")
    assert handle.job.finished and handle.job.status != 0
    failure = handle.job.last_failure()
    assert failure is not None and failure.code == "E_SERVER_CRASHLOOP"
    assert "stopped 3 times within 60 s" in failure.message and "giving up: " in failure.message
    last_line = next(line.strip() for line in reversed(server.log_tail(board, 50)) if line.strip())
    assert last_line in failure.message.split("giving up: ", 1)[1]  # the last run's own log lines
    assert sum(1 for ev in handle.job.events if ev.kind == "warn" and ev.step == "server") == 2  # 2 restarts
    assert server_pids(board_account) == []
    assert server.find(board) is None
    after = server.status(board)  # later, with no handle: read from the last server job on the board
    assert after.state == "failed" and after.message == failure.message and after.port == s.port


def test_truncated_model_refused_early_and_supervisor_gives_up(
    board: Board, board_account: rig.RigAccount
) -> None:
    broken = spec(board_account, model="~/dev/llm/models/truncated.gguf")
    with pytest.raises(server.ModelMissing, match="cannot be served"):
        server.start(board, broken)
    assert server.find(board) is None

    # Past the app's own check, llama-server itself fails to load it: one clear failure, no restart loop.
    t0 = time.monotonic()
    with pytest.raises(server.ServerFailed) as info:
        server.start(board, broken, check_model=False)
    assert time.monotonic() - t0 < 60
    exc = info.value
    assert exc.data["code_detail"] == "E_SERVER_LOAD"
    assert "before it was ready" in exc.message
    # llama.cpp's own reason, not just the "loading model" line that names the file
    assert any(re.search(r"failed to load|error loading", line) for line in exc.log_tail), exc.log_tail
    assert server_pids(board_account) == []
    after = server.status(board)
    assert after.state == "failed" and after.message == exc.message


def test_restart_with_new_settings_and_switching_the_model(
    board: Board, board_account: rig.RigAccount
) -> None:
    """`restart` with a new context, then with another model: each time one new llama-server (the old one
    gone, its job finished), serving what was asked; the OpenCL kernel cache folder is in its environment."""
    models_dir = board_account.home / "dev/llm/models"
    other = models_dir / "other-model.gguf"
    if not other.exists():
        os.link(models_dir / MODEL_NAME, other)  # a second model file without copying 100 MB
    first = server.start(board, spec(board_account))
    assert first.job is not None
    (old_pid,) = server_pids(board_account)

    second = server.restart(board, spec(board_account, ctx=1024))
    assert second.job is not None and second.job.id != first.job.id
    (pid,) = server_pids(board_account)
    assert pid != old_pid
    st = server.status(board, second)
    assert st.state == "running" and st.info is not None and st.info.n_ctx == 1024
    assert server.status(board, first).state == "stopped"  # the old job ended, without a failure
    assert first.job.finished and first.job.last_failure() is None
    environ = rig.run_as(board_account.user, f"tr '\\0' '\\n' </proc/{pid}/environ").stdout.splitlines()
    cache = f"GGML_OPENCL_KERNEL_CACHE_DIR={board_account.home}/.cache/llama.cpp/cl-cache"
    assert cache in environ
    assert (board_account.home / ".cache/llama.cpp/cl-cache").is_dir()

    third = server.restart(board, spec(board_account, model="~/dev/llm/models/other-model.gguf"))
    (new_pid,) = server_pids(board_account)
    assert new_pid != pid and third.model == str(other)
    st = server.status(board, third)
    assert st.state == "running" and st.model.endswith("other-model.gguf") and st.info is not None
    assert st.info.n_ctx == 2048  # the new spec's own context, not the previous run's
    assert complete(third.open_tunnel()).status_code == 200
    assert server.status(board, second).state == "stopped"


def test_disconnect_keeps_serving_and_reconnect_adopts(
    rig_sshd: rig.RigSshd, board: Board, board_account: rig.RigAccount, tmp_known_hosts: Path
) -> None:
    s = spec(board_account)
    handle = server.start(board, s)
    pids = server_pids(board_account)
    board.close()
    time.sleep(1.0)
    # The rig board is this machine: its loopback is ours.
    assert requests.get(f"http://127.0.0.1:{s.port}/health", timeout=5).status_code == 200
    assert server_pids(board_account) == pids

    again = rig.connect(board_account, rig_sshd.port, tmp_known_hosts)
    try:
        adopted = server.find(again)
        assert adopted is not None and adopted.is_managed and adopted.port == s.port
        assert adopted.job is not None and handle.job is not None and adopted.job.id == handle.job.id
        assert adopted.load.listening  # the loading lines were caught up from the job log
        assert complete(adopted.open_tunnel()).status_code == 200
        # Starting the same model again adopts it: still one process.
        same = server.start(again, s)
        assert same.job is not None and same.job.id == handle.job.id
        assert server_pids(board_account) == pids
        with pytest.raises(server.ServerAlreadyRunning):
            server.start(again, spec(board_account, model="~/dev/llm/models/other.gguf"))
    finally:
        server.stop(again)
        again.close()
    wait_until(lambda: not server_pids(board_account), 15, "stopped")


def test_lan_mode_needs_the_key(board: Board, board_account: rig.RigAccount) -> None:
    key = "test-lan-key-" + os.urandom(6).hex()
    secretscan.register("LAN API key", key)
    s = spec(board_account, lan=True)
    handle = server.start(board, s, api_key=key)
    assert handle.host == "0.0.0.0" and handle.lan_url() == f"http://127.0.0.1:{s.port}"
    direct = f"http://127.0.0.1:{s.port}"
    assert requests.get(f"{direct}/v1/models", timeout=10).status_code == 401
    assert complete(direct).status_code == 401
    assert complete(direct, "wrong").status_code == 401
    assert complete(direct, key).status_code == 200
    # The key never shows in the process list.
    (pid,) = server_pids(board_account)
    cmdline = rig.run_as(board_account.user, f"tr '\\0' ' ' </proc/{pid}/cmdline").stdout
    assert "--host 0.0.0.0" in cmdline and key not in cmdline
    assert key not in rig.run_as(board_account.user, "ps -eo args").stdout
    st = server.status(board, handle)
    assert st.state == "running" and st.lan_url.endswith(f":{s.port}")


def test_refused_early_when_port_taken_or_memory_short(board: Board, board_account: rig.RigAccount) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(server.PortTaken, match=str(port)):
            server.start(board, spec(board_account, port=port))
    with pytest.raises(server.NotEnoughMemory, match="free"):
        server.start(board, spec(board_account, ctx=50_000_000))
    with pytest.raises(server.ModelMissing, match="not on the board"):
        server.start(board, spec(board_account, model="~/dev/llm/models/nothing.gguf"))
    assert server_pids(board_account) == []


def test_adopts_a_server_started_by_hand(board: Board, board_account: rig.RigAccount) -> None:
    port = free_port()
    home = board_account.home
    rig.run_as(
        board_account.user,
        f"cd; setsid nohup dev/llm/llama.cpp/build/bin/llama-server -m {home}/dev/llm/models/{MODEL_NAME} "
        f"--port {port} -c 1024 -np 1 -t 2 >/tmp/hand-{port}.log 2>&1 </dev/null &",
    )
    wait_until(lambda: len(server_pids(board_account)) == 1, 15, "hand-started server")
    found = server.find(board)
    assert found is not None and not found.is_managed
    assert found.port == port and found.model.endswith(MODEL_NAME)

    def ready() -> bool:
        try:
            return server.status(board, found).state == "running"
        except StudioError:
            return False

    wait_until(ready, 60, "ready")
    st = server.status(board, found)
    assert st.info is not None and st.info.n_ctx == 1024
    assert server.stop(board)
    wait_until(lambda: not server_pids(board_account), 15, "stopped")


def test_an_exited_server_not_yet_reaped_is_not_adopted(board: Board, board_account: rig.RigAccount) -> None:
    """A llama-server that has exited but is not reaped yet (a zombie: a parent that never waits, or a process
    still being torn down) has no command line left. It serves nothing: find() must not adopt it with
    llama-server's default port 8080 (CI saw the CLI chat tunnel to 8080 after an earlier test's server, of a
    removed account whose uid the next fresh account reused, was still exiting)."""
    # /bin/sleep under the server's name, ending a second after its parent became a `sleep 60` that never
    # waits. (A /bin/true ended at once, and now and then bash reaped it before its exec: no zombie.)
    zombie = "zz/llama-server"
    rig.run_as(
        board_account.user,
        f"cd && mkdir -p zz && cp /bin/sleep {zombie} || exit 1\n"
        f"setsid bash -c '{zombie} 1 & exec sleep 60' >/dev/null 2>&1 </dev/null &",
    )
    try:
        state = 'for p in $(pgrep -x -u "$(id -u)" llama-server); do ps -o stat= -p "$p"; done'
        wait_until(lambda: rig.run_as(board_account.user, state).stdout.strip() == "Z", 15, "a zombie")
        assert server.find(board) is None
    finally:
        rig.run_as(board_account.user, 'pkill -u "$(id -u)" -x sleep; rm -rf ~/zz; true')


def test_start_at_boot_says_plainly_when_the_board_has_no_systemd(board: Board) -> None:
    with pytest.raises(server.NoSystemd, match="does not run systemd"):
        server.enable_boot(board, ServerSpec(model="~/x.gguf"))
    assert server.boot_enabled(board) is False  # and nothing was installed
    assert not board.exists(f"{board.home()}/.config/systemd/user/{server.UNIT_NAME}")


def test_cli_serve_boot_on_a_board_without_systemd(
    rig_sshd: rig.RigSshd, board_account: rig.RigAccount, tmp_known_hosts: Path
) -> None:
    """`serve boot` says why it cannot, with what to do instead; `--off` works anywhere; no model, no go."""
    conn = ["127.0.0.1", "--port", str(rig_sshd.port), "--user", board_account.user]
    conn += ["--identity", str(board_account.key_path), "--known-hosts", str(tmp_known_hosts)]

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "rubikpi_studio", "--cli", "serve", "boot", *conn, *args],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
        )

    on = cli("--model", "~/dev/llm/models/x.gguf")
    assert on.returncode != 0
    assert "does not run systemd" in on.stderr and "Start the server from the app" in on.stderr, on.stderr
    off = cli("--off", "--json")
    assert off.returncode == 0, off.stderr
    assert json.loads(off.stdout.strip().splitlines()[-1]) == {"at_boot": False}
    bare = cli()
    assert bare.returncode == 2 and "--model" in bare.stderr, bare.stderr


def test_cli_serve_start_status_logs_stop(
    rig_sshd: rig.RigSshd, board_account: rig.RigAccount, tmp_known_hosts: Path
) -> None:
    """The real CLI, as a user runs it: `serve start --json --cpu` with the settings, `status --json`,
    `logs`, `stop --json`; the settings reach the running server and nothing is left running."""
    conn = ["127.0.0.1", "--port", str(rig_sshd.port), "--user", board_account.user]
    conn += ["--identity", str(board_account.key_path), "--known-hosts", str(tmp_known_hosts)]
    port = free_port()

    def cli(action: str, *args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "rubikpi_studio", "--cli", "serve", action, *conn, *args],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
        )
        assert done.returncode == 0, f"serve {action}: {done.stdout}\n{done.stderr}"
        return done

    try:
        started = cli(
            "start", "--json", "--cpu", "--model", f"~/dev/llm/models/{MODEL_NAME}", "--server-port",
            str(port), "--ctx", "1024", "--slots", "2", "--threads", "2", "--flash-attn", "off",
        )  # fmt: skip
        lines = [json.loads(line) for line in started.stdout.splitlines()]
        argv = next(ev for ev in lines if ev.get("step") == "command")["data"]["argv"]
        assert argv[argv.index("-fa") + 1] == "off" and argv[argv.index("-np") + 1] == "2"
        assert any(ev.get("step") == "backend" and ev["message"] == "Running on CPU" for ev in lines)
        result = lines[-1]
        assert result["state"] == "running" and result["port"] == port, result
        # /props gives a slot's context: llama-server splits -c 1024 between the 2 slots
        assert result["info"]["slots"] == 2 and result["info"]["n_ctx"] * 2 == 1024, result["info"]
        (pid,) = server_pids(board_account)

        status = json.loads(cli("status", "--json").stdout.splitlines()[-1])
        assert status["state"] == "running" and status["managed"] is True
        assert status["model"].endswith(MODEL_NAME) and status["info"] == result["info"]

        logs = cli("logs", "-n", "200").stdout
        assert "listening on" in logs and MODEL_NAME in logs

        stopped = json.loads(cli("stop", "--json").stdout.splitlines()[-1])
        assert stopped == {"stopped": True}
        wait_until(lambda: not server_pids(board_account), 15, "no llama-server left")
        assert json.loads(cli("status", "--json").stdout.splitlines()[-1])["state"] == "stopped"
        assert json.loads(cli("stop", "--json").stdout.splitlines()[-1]) == {"stopped": False}
        assert pid not in server_pids(board_account)
    finally:
        rig.run_as(board_account.user, 'pkill -u "$(id -u)" -x llama-server; true')
