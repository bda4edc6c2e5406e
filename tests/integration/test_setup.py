"""Board setup against the rig: the real remote scripts build real llama.cpp (CPU) from the local repository.

The compile cache is shared across rig accounts (tests/rig/build.py), so after the first build the others are
mostly cache hits; each test still runs every step for real on a board account of its own.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import rig
from rig.build import rig_setup_spec, rig_source
from rig.faults import run_cli, signal_job
from rig.llama_source import rig_ccache_dir

from rubikpi_studio.core import jobs
from rubikpi_studio.core.errors import Cancelled, RemoteFailed, SudoFailed, UsageError
from rubikpi_studio.core.events import PROGRESS, CancelToken, Event
from rubikpi_studio.core.setup import STEPS, SetupSpec, rollback, run_setup
from rubikpi_studio.core.ssh import Board

ROOT = Path(__file__).resolve().parents[2]


def job_log(account: rig.RigAccount, job: jobs.Job) -> str:
    return rig.run_as(account.user, ["cat", f"{job.dir}/log"]).stdout


def processes_of(account: rig.RigAccount) -> list[str]:
    out = rig.run_as(account.user, 'ps -u "$(id -u)" -o pid=,args= || true').stdout
    # the ps itself and the shell running it are not the board's work
    return [
        line for line in out.splitlines() if line.strip() and "ps -u" not in line and "-o pid=" not in line
    ]


def job_groups_left(account: rig.RigAccount) -> dict[str, list[str]]:
    """Every job's process group on the board account (its pid file names the group: job-start.sh runs the
    job under setsid) → the processes still in it, waiting up to 10 s for killed ones to be reaped."""
    state = f"{account.home}/.local/state/rubikpi-studio/jobs"
    pids = rig.run_as(account.user, f"cat {state}/*/pid 2>/dev/null || true").stdout.split()
    assert pids, "the job's pid file names its process group"
    deadline = time.monotonic() + 10
    while True:
        table = rig.run_as(account.user, ["ps", "-e", "-o", "pgid=,pid=,stat=,args="]).stdout.splitlines()
        left = {pgid: [row for row in table if row.split()[0] == pgid] for pgid in pids}
        left = {pgid: rows for pgid, rows in left.items() if rows}
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def test_setup_from_nothing_then_every_step_skipped(
    rig_sshd: rig.RigSshd, fresh_account: rig.RigAccount, tmp_known_hosts: Path
) -> None:
    events: list[Event] = []
    with rig.connect(fresh_account, rig_sshd.port, tmp_known_hosts) as board:
        first = run_setup(board, rig_setup_spec(), sudo_password=fresh_account.password, report=events.append)
        assert first.job.status == 0
        assert {"source", "build", "path"} <= set(first.done), first.done
        assert first.backend == "CPU" and not first.gpu_used
        assert first.info.get("build_number") == "11434"
        assert "not used" in first.summary()
        fractions = [e.fraction for e in events if e.kind == PROGRESS and e.step == "build"]
        assert fractions and fractions == sorted(fractions) and fractions[-1] > 0.9, (
            "ninja's [n/m] drives progress"
        )
        bin_dir = f"{fresh_account.home}/dev/llm/llama.cpp/build/bin"
        for tool in ("llama-server", "llama-quantize", "llama-cli", "llama-bench", "llama-mtmd-cli"):
            assert board.run(["test", "-x", f"{bin_dir}/{tool}"]).ok, tool
        version = board.run([f"{bin_dir}/llama-server", "--version"])
        assert "build 11434" in version.stdout + version.stderr
        profile = board.run("cat ~/.bash_profile").stdout
        assert profile.count("# Begin llama.cpp") == 1

        second = run_setup(board, rig_setup_spec(), sudo_password=fresh_account.password)
        assert second.job.status == 0
        assert {"deps", "opencl", "source", "build", "path"} <= set(second.skipped), second.skipped
        assert "build" not in second.done
        assert board.run("cat ~/.bash_profile").stdout.count("# Begin llama.cpp") == 1
    assert first.job.id != second.job.id


def test_opencl_setup_against_debian_headers_and_pocl(
    rig_sshd: rig.RigSshd, fresh_account: rig.RigAccount, tmp_known_hosts: Path
) -> None:
    """GPU on, on a machine whose only OpenCL is Debian's opencl-headers + ocl-icd and PoCL (tests/rig/
    provision.sh): the OpenCL step finds them already present, llama.cpp is configured with -DGGML_OPENCL=ON
    and builds (the shared compile cache makes a rerun mostly cache hits; cold it adds ggml-opencl.cpp, ~3 min
    on two busy cores), and verify names PoCL's device yet says plainly that no Adreno GPU is used: PoCL is a
    CPU OpenCL device, which llama.cpp drops as an unsupported GPU."""
    events: list[Event] = []
    with rig.connect(fresh_account, rig_sshd.port, tmp_known_hosts) as board:
        result = run_setup(
            board, rig_setup_spec(gpu="on"), sudo_password=fresh_account.password, report=events.append
        )
        src = f"{fresh_account.home}/dev/llm/llama.cpp"
        current = board.run(["readlink", f"{src}/build"]).stdout.strip()
        cache = board.run(
            ["grep", "-E", "^(GGML_OPENCL|OpenCL_INCLUDE_DIR|OpenCL_LIBRARY):", f"{src}/build/CMakeCache.txt"]
        )
        again = run_setup(board, rig_setup_spec(gpu="on"), sudo_password=fresh_account.password)
    assert result.job.status == 0
    ends = {e.step: (e.kind, e.message) for e in events if e.kind in ("done", "skip")}
    assert ends["opencl"][0] == "skip", ends
    lib = result.info["library"]
    assert ends["opencl"][1] == f"already present: /usr/include/CL/cl.h and {lib}"
    assert lib.endswith(("/libOpenCL.so", "/libOpenCL.so.1")), lib
    assert ends["deps"][0] == "skip" and ends["build"][0] == "done"
    # preflight: asked for OpenCL on a machine without the Adreno; it says so and builds OpenCL anyway
    warns = [e.message for e in events if e.kind == "warn"]
    assert any(w.startswith("building with OpenCL as asked (RPS_GPU=on), but ") for w in warns), warns
    # configured and built with OpenCL against the system's headers and loader
    log = job_log(fresh_account, result.job)
    cmake_line = next(line for line in log.splitlines() if line.startswith("cmake -S "))
    assert "-DGGML_OPENCL=ON" in cmake_line
    assert "-DOpenCL_INCLUDE_DIR=/usr/include" in cmake_line and f"-DOpenCL_LIBRARY={lib}" in cmake_line
    assert current == f"build-{rig_source().commit[:12]}-opencl"
    assert "GGML_OPENCL:BOOL=ON" in cache.stdout.splitlines(), cache.stdout
    # verify: the OpenCL backend, PoCL's platform and device by name, and no GPU
    info = result.info
    assert info["backend"] == "OpenCL"
    assert info["opencl_platform"] == "Portable Computing Language"
    assert "PoCL" in info["opencl_device"], info
    assert info["opencl_device"].startswith(info["opencl_dropped"]), info
    assert (info["gpu"], info["gpu_used"]) == ("none", "no")
    assert not result.gpu_used and result.gpu_reason == "no_device"
    no_gpu = [w for w in warns if "found no Adreno GPU" in w]
    assert len(no_gpu) == 1 and info["opencl_dropped"] in no_gpu[0], warns
    assert no_gpu[0].endswith("no GPU is used, models will run on the CPU")
    assert result.summary() == (
        "llama.cpp b11434 built with OpenCL; GPU: not used (llama.cpp found no Adreno OpenCL device)."
    )
    # The same setup again: the OpenCL build is found by its key (commit + flags), nothing is rebuilt.
    assert again.job.status == 0
    assert {"deps", "opencl", "source", "build"} <= set(again.skipped), again.skipped
    assert "compiling" not in job_log(fresh_account, again.job)


def test_cut_connection_mid_build_reattaches_to_the_same_job(
    rig_sshd: rig.RigSshd, fresh_account: rig.RigAccount, tmp_path: Path
) -> None:
    kh = tmp_path / "kh"
    with rig.FaultProxy(rig_sshd.port) as proxy:
        rig_sshd.write_known_hosts(kh, proxy.port, rig_sshd.port)
        board = rig.connect(fresh_account, proxy.port, kh)
        cut = threading.Event()
        reconnects: list[Board] = []
        after_cut: list[Event] = []

        def report(ev: Event) -> None:
            if cut.is_set():
                after_cut.append(ev)
            elif ev.kind == PROGRESS and ev.step == "build" and (ev.fraction or 0) > 0.05:
                cut.set()
                proxy.cut()

        def reconnect() -> Board:
            b = rig.connect(fresh_account, rig_sshd.port, kh)  # straight to sshd: the proxy's link is gone
            reconnects.append(b)
            return b

        result = run_setup(
            board, rig_setup_spec(), sudo_password=fresh_account.password, report=report, reconnect=reconnect
        )
        assert reconnects and not any(b.is_alive for b in reconnects), (
            "run_setup closes the connections it opened to reconnect (each is a socket and a thread)"
        )
        board.close()
    assert cut.is_set() and reconnects, "the connection was cut during the build and the app reconnected"
    assert result.job.status == 0
    assert any(e.kind == PROGRESS and e.step == "build" for e in after_cut), (
        "progress caught up after the cut"
    )
    log = job_log(fresh_account, result.job)
    assert log.count("@rps1 step build ") == 1, (
        "the build ran once: the app re-attached instead of restarting"
    )
    assert log.count("@rps1 step source ") == 1
    started = rig.run_as(fresh_account.user, "ls ~/.local/state/rubikpi-studio/jobs | grep -vc by-key").stdout
    assert started.strip() == "1", "one job, not a second one after the reconnect"


def test_cancel_build_leaves_no_process(
    rig_sshd: rig.RigSshd, fresh_account: rig.RigAccount, tmp_known_hosts: Path
) -> None:
    cancel = CancelToken()

    def report(ev: Event) -> None:
        if ev.kind == PROGRESS and ev.step == "build" and (ev.fraction or 0) > 0.02:
            cancel.cancel()

    with rig.connect(fresh_account, rig_sshd.port, tmp_known_hosts) as board, pytest.raises(Cancelled):
        run_setup(board, rig_setup_spec(), sudo_password=fresh_account.password, report=report, cancel=cancel)
    assert job_groups_left(fresh_account) == {}, "no process of the job's group is left"
    left = processes_of(fresh_account)  # nor one that left the group (a compiler started by its own setsid)
    assert not [
        p for p in left if any(w in p for w in ("ninja", "cc1plus", "cmake", "setup.sh", "build.sh"))
    ], left


def test_detach_leaves_a_new_setup_running_on_the_board(
    rig_sshd: rig.RigSshd, fresh_account: rig.RigAccount, tmp_known_hosts: Path
) -> None:
    """Closing the Setup page (detach) during a setup it just started stops following; the job goes on."""
    detach = CancelToken()

    def report(ev: Event) -> None:
        if ev.kind == "step":
            detach.cancel()

    with rig.connect(fresh_account, rig_sshd.port, tmp_known_hosts) as board:
        with pytest.raises(Cancelled) as info:
            run_setup(
                board, rig_setup_spec(), sudo_password=fresh_account.password, report=report, detach=detach
            )
        assert info.value.data.get("detached") is True
        running = jobs.find_running(board, "setup")
        assert running is not None, "the setup job goes on without the window"
        jobs.stop(board, running)


def test_too_little_disk_says_how_much_is_needed(
    rig_sshd: rig.RigSshd, rig_account: rig.RigAccount, tmp_known_hosts: Path
) -> None:
    spec = rig_setup_spec(extra_env={"RPS_NEED_DISK_MB": "900000000"})
    with (
        rig.connect(rig_account, rig_sshd.port, tmp_known_hosts) as board,
        pytest.raises(RemoteFailed) as info,
    ):
        run_setup(board, spec, sudo_password=rig_account.password)
    assert info.value.code == "E_NO_SPACE"
    assert "need 900000000 MB free in " in str(info.value), str(info.value)
    assert "free at least " in str(info.value)
    assert info.value.data.get("step") == "preflight"


def test_unreachable_source_repository(
    rig_sshd: rig.RigSshd, fresh_account: rig.RigAccount, tmp_known_hosts: Path
) -> None:
    spec = rig_setup_spec()
    spec.llama_repo = "http://127.0.0.1:9/ggml-org/llama.cpp.git"  # nothing listens on port 9
    with (
        rig.connect(fresh_account, rig_sshd.port, tmp_known_hosts) as board,
        pytest.raises(RemoteFailed) as info,
    ):
        run_setup(board, spec, sudo_password=fresh_account.password)
    assert info.value.code == "E_SOURCE_UNREACHABLE"
    assert "127.0.0.1:9" in str(info.value)


def test_failing_compile_shows_the_error_lines(
    rig_sshd: rig.RigSshd, fresh_account: rig.RigAccount, tmp_known_hosts: Path, tmp_path: Path
) -> None:
    source = rig_source()
    # Beside the good repository: a place every board account can read (pytest's tmp folders are 0700).
    broken = source.repo.parent / f"broken-{os.getpid()}-{fresh_account.user}.git"
    work = tmp_path / "work"
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    subprocess.run(["git", "clone", "-q", "--no-checkout", str(source.repo), str(work)], check=True, env=env)
    subprocess.run(["git", "-C", str(work), "checkout", "-q", source.commit], check=True, env=env)
    target = work / "tools" / "quantize" / "quantize.cpp"
    target.write_text(target.read_text() + "\n#error rps-deliberately-broken\n")
    subprocess.run(["git", "-C", str(work), "commit", "-qam", "break"], check=True, env=env)
    commit = subprocess.run(
        ["git", "-C", str(work), "rev-parse", "HEAD"], capture_output=True, text=True, check=True, env=env
    ).stdout.strip()
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(broken)], check=True, env=env)
    subprocess.run(["chmod", "-R", "a+rX", str(broken)], check=True)
    subprocess.run(["git", "config", "--system", "--add", "safe.directory", str(broken)], check=True)
    spec = rig_setup_spec()
    spec.llama_repo, spec.llama_ref = str(broken), commit
    try:
        with (
            rig.connect(fresh_account, rig_sshd.port, tmp_known_hosts) as board,
            pytest.raises(RemoteFailed) as info,
        ):
            run_setup(board, spec, sudo_password=fresh_account.password)
        # What a user of the CLI reads for the same failure. The CLI passes no CCACHE_DIR: point the account's
        # ccache at the rig's shared cache, so what the first run did not compile yet is mostly cache hits.
        conf = f"{fresh_account.home}/.config/ccache"
        shared = f"cache_dir = {rig_ccache_dir()}\numask = 002\n"
        rig.run_as(
            fresh_account.user,
            ["bash", "-c", 'mkdir -p "$1" && printf %s "$2" >"$1/ccache.conf"', "-", conf, shared],
        )
        cmd = cli_setup_cmd(SimpleNamespace(account=fresh_account), rig_sshd.port, tmp_known_hosts)
        cli = subprocess.run(
            [*cmd, "--repo", str(broken), "--ref", commit],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=ROOT,
        )
    finally:
        subprocess.run(
            ["git", "config", "--system", "--unset-all", "safe.directory", str(broken)], check=False
        )
        shutil.rmtree(broken, ignore_errors=True)
    assert info.value.code == "E_BUILD"
    assert "rps-deliberately-broken" in str(info.value.data.get("log_tail", "")) + str(info.value)
    assert cli.returncode == 1, cli.stdout[-2000:] + cli.stderr[-2000:]
    err = cli.stderr
    assert err.startswith("error: Setup step build failed: compiling llama.cpp failed: "), err[-2000:]
    assert "#error rps-deliberately-broken" in err
    assert "last lines of the board's log:" in err
    assert "Traceback" not in err, err  # the CLI turns the failure into words, not a crash


def test_wrong_or_missing_sudo_password(
    rig_sshd: rig.RigSshd, rig_account: rig.RigAccount, tmp_known_hosts: Path
) -> None:
    # `sl` is not installed on the rig: the deps step needs root to install it.
    spec = rig_setup_spec(steps=("deps",), extra_env={"RPS_APT_PACKAGES": "sl"})
    with rig.connect(rig_account, rig_sshd.port, tmp_known_hosts) as board:
        with pytest.raises(SudoFailed) as wrong:
            run_setup(board, spec, sudo_password="not the password")
        assert wrong.value.reason == "password"
        with pytest.raises(SudoFailed) as missing:
            run_setup(board, spec)
        assert missing.value.reason == "needed"
    assert "not the password" not in rig_sshd.log_text()
    # Nor on the board: the job folders (log, cmd, status) and anything else in the account's home.
    state = f"{rig_account.home}/.local/state/rubikpi-studio/jobs"
    assert rig.run_as(rig_account.user, ["test", "-d", state]).returncode == 0, "the jobs ran there"
    found = rig.run_as(
        rig_account.user, ["grep", "-rIlF", "--exclude-dir=dev", "--", "not the password", rig_account.home]
    )
    assert found.returncode == 1 and not found.stdout, found.stdout  # 1: grep read it all and found nothing


def test_bad_spec_is_refused_before_anything_runs() -> None:
    for bad in (
        SetupSpec(llama_ref="main; touch /tmp/x"),
        SetupSpec(llama_repo="$(reboot)"),
        SetupSpec(gpu="maybe"),
        SetupSpec(steps=("nope",)),
    ):
        with pytest.raises(UsageError):
            bad.validate()
    assert next(s for s, _ in STEPS) == "preflight"


def cli_setup_cmd(bb: Any, port: int, known_hosts: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "rubikpi_studio",
        "--cli",
        "setup",
        "127.0.0.1",
        "--port",
        str(port),
        "--user",
        bb.account.user,
        "--identity",
        str(bb.account.key_path),
        "--known-hosts",
        str(known_hosts),
        "--cpu-only",
        "--ref",
        rig_source().commit,
        "--repo",
        str(rig_source().repo),
        *extra,
    ]


def test_cli_setup_on_a_built_board(built_board: Any) -> None:
    bb = built_board
    cmd = cli_setup_cmd(bb, bb.sshd.port, bb.known_hosts, "--json")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    kinds = {(e.get("kind"), e.get("step")) for e in lines}
    assert ("skip", "build") in kinds and ("skip", "deps") in kinds
    assert lines[-1].get("ok") is True and "llama.cpp b11434" in lines[-1]["summary"]


def test_cli_setup_rides_out_a_cut_connection(built_board: Any, tmp_path: Path) -> None:
    """The CLI's connection is cut while the setup job runs: it reconnects and follows the same job to the end
    instead of failing with "unreachable".

    On a built board every step is skipped and the job ends within a second: a CLI that polled late read it
    all at once and never noticed the cut (CI saw it). So the job is held (SIGSTOP to its process group on
    the board) from the CLI's first line until the CLI has said it reconnected."""
    bb = built_board
    kh = tmp_path / "known_hosts"
    user = bb.account.user

    def job_started(ev: dict[str, Any]) -> bool:  # the job's own first line
        return "rubikpi-studio setup.sh" in str(ev.get("message", ""))

    def hold_and_cut(_proc: Any) -> bool:
        return signal_job(user, "setup", "STOP") and proxy.cut() > 0

    def reconnected(ev: dict[str, Any]) -> bool:
        return str(ev.get("message", "")).startswith("Reconnected")

    def go_on(_proc: Any) -> bool:
        return signal_job(user, "setup", "CONT")

    try:
        with rig.FaultProxy(bb.sshd.port) as proxy:
            bb.sshd.write_known_hosts(kh, proxy.port, bb.sshd.port)
            cmd = cli_setup_cmd(bb, proxy.port, kh, "--json")
            run = run_cli(cmd, (job_started, hold_and_cut), (reconnected, go_on), timeout=600)
    finally:
        signal_job(user, "setup", "CONT")  # never leave a stopped job for the next test to attach to
    lines = run.lines
    assert run.acted, "the job was held, the connection cut, and the job let go on after the reconnect"
    assert run.returncode == 0, json.dumps(lines[-5:]) + run.stderr[-2000:]
    warnings = [e.get("message", "") for e in lines if e.get("kind") == "warn"]
    said = [(e.get("kind"), e.get("step")) for e in lines]
    assert any("reconnecting" in w for w in warnings), said
    assert any(w.startswith("Reconnected") for w in warnings), said
    result = lines[-1]
    assert result.get("ok") is True and "llama.cpp b11434" in result["summary"]
    log = rig.run_as(
        bb.account.user, ["cat", f"{bb.account.home}/.local/state/rubikpi-studio/jobs/{result['job']}/log"]
    )
    assert log.stdout.count("@rps1 step preflight ") == 1, "one job, followed on after the cut, not restarted"
    assert log.stdout.count("@rps1 step verify ") == 1


def test_cli_ctrl_c_stops_the_build_on_the_board(
    rig_sshd: rig.RigSshd, fresh_account: rig.RigAccount, tmp_known_hosts: Path
) -> None:
    """Ctrl-C (SIGINT) in `rubikpi-studio setup` mid-build stops the job's processes on the board, not only
    the command on the PC."""
    bb = SimpleNamespace(account=fresh_account)
    cmd = cli_setup_cmd(bb, rig_sshd.port, tmp_known_hosts, "--json")

    def ctrl_c(proc: subprocess.Popen[str]) -> bool:
        proc.send_signal(signal.SIGINT)
        return True

    run = run_cli(
        cmd, (lambda ev: ev.get("kind") == "progress" and ev.get("step") == "build", ctrl_c), timeout=900
    )
    lines, stderr, interrupted = run.lines, run.stderr, run.acted
    assert interrupted, "the build was under way when Ctrl-C came"
    # First the board: nothing of the job is left (without the fix the build went on there).
    assert job_groups_left(fresh_account) == {}, "no process of the job's group is left"
    left = processes_of(fresh_account)
    assert not [
        p for p in left if any(w in p for w in ("ninja", "cc1plus", "cmake", "setup.sh", "build.sh"))
    ], left
    with rig.connect(fresh_account, rig_sshd.port, tmp_known_hosts) as board:
        assert jobs.find_running(board, "setup") is None
    assert run.returncode == 130, json.dumps(lines[-5:]) + stderr[-2000:]
    assert "Stopping the setup on the board" in stderr
    assert lines[-1].get("code") == "E_CANCELLED" and "nothing is left running" in lines[-1]["message"]
    assert "Traceback" not in stderr


def cli_cmd(account: rig.RigAccount, port: int, known_hosts: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "rubikpi_studio", "--cli", "setup", "127.0.0.1", "--port", str(port),
        "--user", account.user, "--identity", str(account.key_path), "--known-hosts", str(known_hosts),
        *extra,
    ]  # fmt: skip


def test_cli_rollback_swaps_the_current_and_the_previous_build(
    rig_sshd: rig.RigSshd, fresh_account: rig.RigAccount, tmp_known_hosts: Path
) -> None:
    """`setup HOST --rollback` makes build.prev current (and the current one build.prev), so a second one
    undoes it. The two build folders are made here by hand (the links are all a rollback touches), on a board
    account of its own, so the shared rig board's build is left alone."""
    src = f"{fresh_account.home}/dev/llm/llama.cpp"
    made = rig.run_as(
        fresh_account.user,
        f"mkdir -p {src}/build-aaaaaaaaaaaa-cpu/bin {src}/build-bbbbbbbbbbbb-opencl/bin && cd {src} && "
        "ln -s build-bbbbbbbbbbbb-opencl build && ln -s build-aaaaaaaaaaaa-cpu build.prev",
    )
    assert made.returncode == 0, made.stderr

    def links() -> tuple[str, str]:
        out = rig.run_as(fresh_account.user, ["readlink", f"{src}/build", f"{src}/build.prev"]).stdout.split()
        return out[0], out[1]

    cmd = cli_cmd(fresh_account, rig_sshd.port, tmp_known_hosts, "--rollback", "--json")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert links() == ("build-aaaaaaaaaaaa-cpu", "build-bbbbbbbbbbbb-opencl")
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert ("step", "build") in {(e.get("kind"), e.get("step")) for e in lines}
    assert lines[-1] == {
        **lines[-1],
        "ok": True,
        "action": "rollback",
        "summary": "now using build-aaaaaaaaaaaa-cpu",
    }

    human = subprocess.run(cmd[:-1], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert human.returncode == 0, human.stderr[-2000:]
    assert "now using build-bbbbbbbbbbbb-opencl" in human.stdout
    assert links() == ("build-bbbbbbbbbbbb-opencl", "build-aaaaaaaaaaaa-cpu")

    # No previous build: said plainly, nothing changed, no traceback.
    rig.run_as(fresh_account.user, ["rm", f"{src}/build.prev"])
    proc = subprocess.run(cmd[:-1], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 1
    assert "there is no previous build to roll back to" in proc.stderr, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert (
        rig.run_as(fresh_account.user, ["readlink", f"{src}/build"]).stdout.strip()
        == "build-bbbbbbbbbbbb-opencl"
    )


def test_cli_remove_path_takes_the_manuals_block_out_once(
    rig_sshd: rig.RigSshd, fresh_account: rig.RigAccount, tmp_known_hosts: Path
) -> None:
    profile = f"{fresh_account.home}/.bash_profile"
    before = "export EDITOR=vi\n"
    bindir = f"{fresh_account.home}/dev/llm/llama.cpp/build/bin"
    block = f"\n# Begin llama.cpp\nexport PATH=$PATH:{bindir}\n# End llama.cpp\n\n"
    after = "alias ll='ls -l'\n"
    wrote = rig.run_as(
        fresh_account.user, ["bash", "-c", 'printf "%s" "$1" > "$2"', "-", before + block + after, profile]
    )
    assert wrote.returncode == 0, wrote.stderr
    cmd = cli_cmd(fresh_account, rig_sshd.port, tmp_known_hosts, "--remove-path", "--json")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    # the block and the blank line after it, as the manual writes them; the user's lines stay
    assert rig.run_as(fresh_account.user, ["cat", profile]).stdout == before + "\n" + after
    result = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")][-1]
    assert (result["ok"], result["action"], result["skipped"]) == (True, "remove-path", False)
    assert result["summary"] == f"removed the llama.cpp block from {profile}"
    # Again: nothing to remove, said so; a login shell on the board no longer has the bin folder on PATH.
    proc = subprocess.run(cmd[:-1], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"no llama.cpp block in {profile}" in proc.stdout
    login_path = rig.run_as(fresh_account.user, ["bash", "-lc", 'printf "%s" "$PATH"']).stdout
    assert "llama.cpp/build/bin" not in login_path


def test_rollback_refuses_while_a_setup_runs(
    rig_sshd: rig.RigSshd, fresh_account: rig.RigAccount, tmp_known_hosts: Path
) -> None:
    detach = CancelToken()

    def report(ev: Event) -> None:
        if ev.kind == "step":
            detach.cancel()

    with rig.connect(fresh_account, rig_sshd.port, tmp_known_hosts) as board:
        with pytest.raises(Cancelled):
            run_setup(
                board, rig_setup_spec(), sudo_password=fresh_account.password, report=report, detach=detach
            )
        running = jobs.find_running(board, "setup")
        assert running is not None
        try:
            with pytest.raises(RemoteFailed) as info:
                rollback(board)
            assert info.value.code == "E_SETUP_RUNNING"
            assert jobs.find_running(board, "setup") == running, "the setup goes on, untouched"
        finally:
            jobs.stop(board, running)
