"""GPU-vs-CPU benchmark and the board monitor against the rig board (issue 9's must-shows).

The benchmark runs the REAL llama-bench with SmolLM2 on the rig board (CPU: the rig has no Adreno GPU). It
uses the board's own llama-bench (BoardFacts.llama_bin, as the app does); while the rig account has no
llama.cpp installed yet, a llama-bench built under the rig cache is copied into the account's home instead
(not into the manual's ~/dev/llm layout, which the setup job owns). It skips only when neither exists.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import rig
from rig import fake_adreno, models
from rig.faults import cut_through, run_cli

from rubikpi_studio.core import bench, monitor
from rubikpi_studio.core.events import FINISHED, PROGRESS, WARN, Event
from rubikpi_studio.core.probe import probe
from rubikpi_studio.core.ssh import Board

ROOT = Path(__file__).resolve().parents[2]
FALLBACK_DIR = ".cache/rubikpi-studio-test/bin"


@pytest.fixture
def board(rig_sshd: rig.RigSshd, rig_account: rig.RigAccount, tmp_known_hosts: Path) -> Iterator[Board]:
    with rig.connect(rig_account, rig_sshd.port, tmp_known_hosts) as b:
        yield b


def _rig_built_llama_bench() -> Path | None:
    root = Path(os.environ.get("RUBIKPI_CACHE") or "/var/cache/rubikpi-studio")
    found = [
        p
        for base in (root, Path("/tmp"))
        if base.is_dir()
        for p in base.glob("*/dev/llm/llama.cpp/*/bin/llama-bench")
    ]
    found += [p for p in root.glob("**/bin/llama-bench") if "ccache" not in p.parts]
    found = [p for p in found if p.is_file() and os.access(p, os.X_OK)]
    if found:
        return max(found, key=lambda p: p.stat().st_mtime)
    from rig.build import llama_bin_dir  # nothing built yet: build it now, once, into the rig cache

    bin_dir = llama_bin_dir()
    return bin_dir / "llama-bench" if bin_dir is not None else None


@pytest.fixture
def board_llama_bench(board: Board, rig_account: rig.RigAccount) -> str:
    """The board's llama-bench path (its llama.cpp install), else a rig-built copy in the account's home."""
    facts = probe(board)
    if facts.llama_bin:
        try:
            return bench.find_llama_bench(board, facts.llama_bin)
        except bench.NoLlamaBench:
            pass
    src = _rig_built_llama_bench()
    if src is None:
        pytest.skip("no llama-bench on the rig board and none built under the rig cache or /tmp")
    dest = f"{board.home()}/{FALLBACK_DIR}/llama-bench"
    if not board.exists(dest) or board.sftp().stat(dest).st_size != src.stat().st_size:
        board.makedirs(f"{board.home()}/{FALLBACK_DIR}")
        board.put_file(src, dest)
        board.sftp().chmod(dest, 0o755)
    return dest


@pytest.fixture
def smollm2_on_board(rig_account: rig.RigAccount) -> str:
    path = models.smollm2_path()
    check = rig.run_as(rig_account.user, f"test -r {shlex.quote(str(path))}")
    if check.returncode != 0:
        pytest.skip(f"the rig account cannot read {path}")
    return str(path)


@pytest.fixture
def fake_server(board: Board) -> Iterator[int]:
    """A process named llama-server on the board (a copy of sleep): what pgrep and the monitor look for."""
    d = f"{board.home()}/.cache/rubikpi-studio-test"
    board.quick(f'mkdir -p {d} && cp "$(command -v sleep)" {d}/llama-server')
    result = board.quick(f"cd {d} && (setsid ./llama-server 300 >/dev/null 2>&1 & echo $!)")
    pid = int(result.stdout.strip().splitlines()[-1])
    # $! is known at fork time; wait for the exec so that the name is llama-server before tests look.
    board.quick(
        f'for i in $(seq 50); do [ "$(cat /proc/{pid}/comm)" = llama-server ] && break; sleep 0.02; done'
    )
    yield pid
    # setsid may fork (then $! was its parent, not the sleeper): end every process running this copy, so no
    # "llama-server" is left for later tests (the CLI bench test was refused for one).
    board.quick(
        f"kill {pid} 2>/dev/null; for p in $(pgrep -x llama-server); do "
        f'[ "$(readlink /proc/$p/exe)" = {d}/llama-server ] && kill $p; done; true'
    )


def test_real_llama_bench_on_the_rig_board_cpu(
    board: Board, board_llama_bench: str, smollm2_on_board: str, studio_home: Path
) -> None:
    events: list[Event] = []
    history = bench.History()
    spec = bench.BenchSpec(model=smollm2_on_board, repetitions=2, n_prompt=16, n_gen=4, threads=2)
    run = bench.run(board, spec, report=events.append, llama_bench=board_llama_bench, history=history)

    # The rig's build is CPU-only: the GPU mode is skipped and said so, the CPU mode gives pp and tg.
    assert run.gpu_backend is False
    assert any("no GPU backend" in n for n in run.notes)
    assert {r.mode for r in run.results} == {"cpu"}
    pp, tg = run.result("cpu", "pp"), run.result("cpu", "tg")
    assert pp is not None and tg is not None
    assert (pp.test, tg.test) == ("pp16", "tg4")
    for r in (pp, tg):
        assert r.avg_ts > 0 and r.stddev_ts >= 0 and len(r.samples_ts) == 2
        # a CPU build says "CPU"; an OpenCL build on a machine without a usable GPU (PoCL) says "OpenCL"
        assert r.backends in ("CPU", "OpenCL") and r.n_gpu_layers == 0 and r.n_threads == 2
        assert not r.uses_gpu and r.gpu_info == ""
        assert r.model_size == smollm2_size_in_json(r) and "Q4_1" in r.model_type
        assert r.build_number is not None and r.build_commit
    assert run.speedup("tg") is None  # no GPU number to compare with
    assert run.build.startswith("b")

    # progress from --progress lines, and the job's end
    fractions = [e.fraction for e in events if e.kind == PROGRESS and e.fraction is not None]
    assert any(0 < f < 1 for f in fractions) and fractions == sorted(fractions)
    assert any("prompt run" in e.message for e in events if e.kind == PROGRESS)
    assert events[-1].kind == FINISHED and events[-1].data["status"] == 0

    # kept in the history of this board and model, readable back
    again = history.runs(board=bench.board_id(board), model=Path(smollm2_on_board).name)
    assert len(again) == 1 and again[0].results == run.results and again[0].build == run.build


def smollm2_size_in_json(r: bench.BenchResult) -> int:
    # llama-bench's model_size is the tensor data size, a little less than the file.
    size = Path(r.model_filename).stat().st_size
    assert r.model_size is not None and 0.9 * size < r.model_size <= size
    return r.model_size


def _bench_job_dirs(account: rig.RigAccount) -> set[str]:
    """Every bench job ever started on the rig account (to prove a run started none of its own)."""
    out = rig.run_as(
        account.user, "grep -lx bench ~/.local/state/rubikpi-studio/jobs/*/key 2>/dev/null; true"
    )
    return set(out.stdout.split())


def _first_progress(events: list[Event], seen: threading.Event) -> Callable[[Event], None]:
    def report(ev: Event) -> None:
        events.append(ev)
        if ev.kind == PROGRESS and ev.message.startswith("cpu:"):
            seen.set()

    return report


def _gated_llama_bench(board: Board, real: str) -> tuple[str, str]:
    """A wrapper that runs the REAL llama-bench only once the returned gate file is gone (at most 120 s),
    so a test can hold a benchmark job "running" as long as it needs.

    `--version` and `--list-devices` go straight through."""
    tag = uuid.uuid4().hex[:8]
    base = f"{board.home()}/{FALLBACK_DIR}"
    gate, wrapper = f"{base}/gate-{tag}", f"{base}/llama-bench-gated-{tag}"
    board.makedirs(base)
    board.write_text(gate, "held\n")
    board.write_text(
        wrapper,
        "#!/bin/sh\n"
        'if [ "$1" = -m ]; then\n'
        f"  i=0; while [ -e {shlex.quote(gate)} ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done\n"
        "fi\n"
        f'exec {shlex.quote(real)} "$@"\n',
        mode=0o755,
    )
    return wrapper, gate


def test_a_second_run_while_one_runs_gets_that_jobs_results_and_settings(
    board: Board,
    rig_sshd: rig.RigSshd,
    rig_account: rig.RigAccount,
    tmp_known_hosts: Path,
    board_llama_bench: str,
    smollm2_on_board: str,
    studio_home: Path,
) -> None:
    """A second start of a benchmark (a CLI run beside the GUI, an app restarted mid-run) attaches to the job
    that runs and reads ITS output folder and settings, not a new folder the old job never writes.

    The first job's llama-bench (the real one) is held behind a gate until the second run has attached: a
    tiny benchmark otherwise ends before a second connection opens on a fast machine, and the second run then
    rightly starts its own job."""
    history = bench.History()
    gated_bench, gate = _gated_llama_bench(board, board_llama_bench)
    first_spec = bench.BenchSpec(
        model=smollm2_on_board, modes=("cpu",), repetitions=2, n_prompt=16, n_gen=4, threads=2
    )
    first_events: list[Event] = []
    running = threading.Event()
    got: dict[str, bench.BenchRun | BaseException] = {}

    def first() -> None:
        try:
            got["first"] = bench.run(
                board,
                first_spec,
                report=_first_progress(first_events, running),
                llama_bench=gated_bench,
                history=history,
            )
        except BaseException as exc:  # handed to the test thread below
            got["first"] = exc

    def open_gate() -> None:
        rig.run_as(rig_account.user, f"rm -f {shlex.quote(gate)}")

    second_events: list[Event] = []

    def second_report(ev: Event) -> None:
        second_events.append(ev)
        if ev.kind == WARN and "already running" in ev.message:
            open_gate()  # attached: now the first job may run its benchmark and finish

    jobs_before = _bench_job_dirs(rig_account)
    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert running.wait(120), "the first run's job started"
        # other settings, another connection: what the board runs decides, and the second run says so
        second_spec = bench.BenchSpec(model="elsewhere/other.gguf", repetitions=3, n_prompt=8, n_gen=2)
        with rig.connect(rig_account, rig_sshd.port, tmp_known_hosts) as other:
            second = bench.run(
                other,
                second_spec,
                report=second_report,
                llama_bench=board_llama_bench,
                history=history,
            )
    finally:
        open_gate()
        thread.join(300)
        rig.run_as(rig_account.user, f"rm -f {shlex.quote(gated_bench)}")  # the board account lives on
    first_run = got["first"]
    assert isinstance(first_run, bench.BenchRun), first_run
    assert len(_bench_job_dirs(rig_account) - jobs_before) == 1, "one job on the board, not two"
    assert second.job == first_run.job
    assert {r.test for r in second.results} == {"pp16", "tg4"}
    assert second.results == first_run.results, "the same numbers, read from the job's own output folder"
    assert second.model == first_run.model == smollm2_on_board
    assert second.settings == first_run.settings == first_spec.settings
    assert any(e.kind == WARN and "already running" in e.message for e in second_events)
    assert any("already running" in n for n in second.notes)
    assert not any("already running" in n for n in first_run.notes)
    assert [r.job for r in history.runs()] == [first_run.job], "the job is kept in the history once"


def test_a_cut_connection_mid_run_still_yields_the_results(
    rig_sshd: rig.RigSshd,
    rig_account: rig.RigAccount,
    tmp_path: Path,
    board_llama_bench: str,
    smollm2_on_board: str,
    studio_home: Path,
) -> None:
    kh = tmp_path / "kh"
    spec = bench.BenchSpec(model=smollm2_on_board, modes=("cpu",), repetitions=2, n_prompt=16, n_gen=4)
    reconnects: list[Board] = []
    events: list[Event] = []
    cut = threading.Event()
    jobs_before = _bench_job_dirs(rig_account)
    with rig.FaultProxy(rig_sshd.port) as proxy:
        rig_sshd.write_known_hosts(kh, proxy.port, rig_sshd.port)

        def report(ev: Event) -> None:
            events.append(ev)
            if not cut.is_set() and ev.kind == PROGRESS and ev.message.startswith("cpu:"):
                cut.set()
                assert proxy.cut() == 1

        def reconnect() -> Board:
            b = rig.connect(rig_account, rig_sshd.port, kh)  # straight to sshd: the proxy's link is gone
            reconnects.append(b)
            return b

        with rig.connect(rig_account, proxy.port, kh) as board:
            run = bench.run(board, spec, report=report, llama_bench=board_llama_bench, reconnect=reconnect)
            assert not board.is_alive
    assert cut.is_set() and reconnects, "the link was cut during the run and the app reconnected"
    assert not any(b.is_alive for b in reconnects), "bench.run closes the connections it reconnected with"
    assert any(e.kind == WARN and e.code == "E_UNREACHABLE" for e in events)
    assert {r.test for r in run.results} == {"pp16", "tg4"}
    assert all(len(r.samples_ts) == 2 for r in run.results)
    assert events[-1].kind == FINISHED and events[-1].data["status"] == 0
    started = _bench_job_dirs(rig_account) - jobs_before
    assert started == {f"{rig_account.home}/.local/state/rubikpi-studio/jobs/{run.job}/key"}, (
        "the run followed its one job on, not a second one after the reconnect"
    )


def test_gpu_and_cpu_with_the_fake_adreno_llama_bench(board: Board, studio_home: Path) -> None:
    """The GPU path the rig cannot run for real: a fake Adreno llama-bench (tests/rig/fake_adreno.py) that
    lists an OpenCL Adreno device and prints llama-bench JSON with the manual's figures."""
    fake = fake_adreno.install(board)
    events: list[Event] = []
    run = bench.run(
        board,
        bench.BenchSpec(model=fake.model, repetitions=3),
        report=events.append,
        llama_bench=fake.llama_bench,
        history=bench.History(),
    )
    # the manual's GPU settings reach the (fake) GPU run, -ngl 0 the CPU run, both with the same test
    runs = [c for c in fake.calls(board) if c.startswith("-m ")]
    common = f"-m {fake.model} -o json --progress -r 3 -p 128 -n 64"
    assert runs == [f"{common} -ngl 99 -fa off", f"{common} -ngl 0"]
    info = [e.data["gpu"] for e in events if "gpu" in e.data]
    assert info and info[0].startswith(f"GPUOpenCL: {fake_adreno.DEVICE}")

    assert run.gpu_backend is True and not run.notes
    assert {(r.mode, r.test) for r in run.results} == {
        ("gpu", "pp128"), ("gpu", "tg64"), ("cpu", "pp128"), ("cpu", "tg64"),
    }  # fmt: skip
    for r in run.results:
        assert r.uses_gpu is (r.mode == "gpu") and len(r.samples_ts) == 3 and r.stddev_ts > 0
        assert r.backends == ("OpenCL" if r.mode == "gpu" else "CPU")
    gpu_tg = run.result("gpu", "tg")
    assert gpu_tg is not None and gpu_tg.n_gpu_layers == 99 and gpu_tg.flash_attn == 0
    assert run.speedup("tg") == pytest.approx(fake_adreno.TG[0] / fake_adreno.TG[1], rel=1e-3)  # 1.34x
    assert run.speedup("pp") == pytest.approx(fake_adreno.PP[0] / fake_adreno.PP[1], rel=1e-3)
    assert run.to_dict()["speedup"]["tg"] == run.speedup("tg")
    # progress: the GPU run fills the first half, the CPU run the second
    fractions = [(e.fraction or 0, e.message) for e in events if e.kind == PROGRESS]
    assert all(f <= 0.5 for f, m in fractions if m.startswith("gpu:"))
    assert all(f >= 0.5 for f, m in fractions if m.startswith("cpu:"))


def test_refuses_while_llama_server_runs(board: Board, fake_server: int, smollm2_on_board: str) -> None:
    assert any(line.startswith(f"{fake_server} ") for line in bench.running_servers(board))
    with pytest.raises(bench.ServerRunning) as info:
        bench.run(board, bench.BenchSpec(model=smollm2_on_board), llama_bench="/nonexistent/llama-bench")
    assert info.value.code == "E_SERVER_RUNNING"


def test_missing_llama_bench_is_a_clear_error(board: Board) -> None:
    with pytest.raises(bench.NoLlamaBench):
        bench.find_llama_bench(board, "/nonexistent/bin")


def test_monitor_samples_the_rig_board(board: Board, fake_server: int) -> None:
    mon = monitor.Monitor(board)
    first = mon.sample()
    assert first.cpu_percent is None  # rates need two readings
    time.sleep(0.3)  # CPU counters move in 10 ms ticks: samples a few ms apart may show no change (None)
    second = mon.sample()
    local_cores = sum(1 for line in Path("/proc/stat").read_text().splitlines() if line[:3] == "cpu") - 1
    assert len(second.core_percent) == local_cores
    assert second.cpu_percent is not None and 0 <= second.cpu_percent <= 100
    assert all(v is not None and 0 <= v <= 100 for v in second.core_percent.values())
    local_mem = int(Path("/proc/meminfo").read_text().split()[1])
    assert second.mem_total_kb == local_mem and second.mem_used_kb is not None
    assert second.swap_total_kb is not None
    # This machine has no Adreno and no thermal zones: missing, not zero.
    assert second.gpu_busy_percent is None and second.gpu_clock_mhz is None
    if not any(Path("/sys/class/thermal").glob("thermal_zone*")):
        assert second.temperatures == {} and second.hottest_c is None
    # the fake llama-server's RSS, found by the sampler
    assert second.server_pid == fake_server
    assert second.server_rss_kb is not None and second.server_rss_kb > 0


def test_monitor_costs_one_round_trip_per_sample(
    board: Board, fake_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's "one round trip per sample": every Board.quick call and every channel opened on the real
    transport is counted around 5 samples (with a llama-server to find, so the /proc scan runs too)."""
    mon = monitor.Monitor(board)
    mon.sample()  # the first call opens the board's quick shell; the samples after it reuse it
    quick_calls: list[str] = []
    channels: list[object] = []
    quick, open_session = board.quick, board.transport.open_session

    def counted_quick(command: str, **kw: float) -> object:
        quick_calls.append(command)
        return quick(command, **kw)

    def counted_open_session(*a: object, **kw: object) -> object:
        channels.append(a)
        return open_session(*a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(board, "quick", counted_quick)
    monkeypatch.setattr(board.transport, "open_session", counted_open_session)
    samples = []
    for _ in range(5):
        time.sleep(0.05)
        samples.append(mon.sample())
    assert len(quick_calls) == 5, quick_calls
    assert channels == [], "no new SSH channel per sample"
    assert all(s.server_pid == fake_server and s.server_rss_kb for s in samples)
    assert all(s.mem_total_kb for s in samples)


def test_monitor_run_counts_and_cancels(board: Board) -> None:
    got: list[monitor.Sample] = []
    n = monitor.run(board, got.append, interval=0.05, count=3)
    assert n == 3 and len(got) == 3 and all(s.cpu_percent is not None for s in got)


def test_cli_monitor_and_bench_json(
    rig_sshd: rig.RigSshd, rig_account: rig.RigAccount, tmp_known_hosts: Path, fake_server: int
) -> None:
    base = [
        sys.executable, "-m", "rubikpi_studio", "--cli",
    ]  # fmt: skip
    conn = [
        "127.0.0.1", "--port", str(rig_sshd.port), "--user", rig_account.user,
        "-i", str(rig_account.key_path), "--known-hosts", str(tmp_known_hosts), "--json",
    ]  # fmt: skip
    env = os.environ.copy()
    out = subprocess.run(
        [*base, "monitor", *conn, "--count", "2", "--interval", "0.1"],
        capture_output=True, text=True, timeout=60, cwd=ROOT, env=env,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(lines) == 2 and all("core_percent" in d for d in lines)
    assert lines[-1]["gpu_busy_percent"] is None and lines[-1]["server_pid"] == fake_server
    # bench refuses (exit 1, E_SERVER_RUNNING) while the fake server runs
    out = subprocess.run(
        [*base, "bench", *conn, "some-model.gguf"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=env,
    )
    assert out.returncode == 1
    assert json.loads(out.stdout.splitlines()[-1])["code"] == "E_SERVER_RUNNING"


def test_cli_bench_rides_out_a_cut_connection(
    rig_sshd: rig.RigSshd,
    rig_account: rig.RigAccount,
    tmp_path: Path,
    board_llama_bench: str,
    smollm2_on_board: str,
    studio_home: Path,
) -> None:
    """`rubikpi-studio bench` loses its connection while llama-bench runs: it reconnects (through the same
    address, as a user's would), follows the same job to its end and prints the results, exit status 0."""
    kh = tmp_path / "known_hosts"
    jobs_before = _bench_job_dirs(rig_account)
    with rig.FaultProxy(rig_sshd.port) as proxy:
        rig_sshd.write_known_hosts(kh, proxy.port, rig_sshd.port)
        cmd = [
            sys.executable, "-m", "rubikpi_studio", "--cli", "bench",
            "127.0.0.1", "--port", str(proxy.port), "--user", rig_account.user,
            "-i", str(rig_account.key_path), "--known-hosts", str(kh), "--json",
            "--cpu-only", "--reps", "2", "--prompt", "16", "--gen", "4",
            "--llama-bench", board_llama_bench, "--allow-server", smollm2_on_board,
        ]  # fmt: skip
        # --allow-server: what this test is about is the reconnect; a fake "llama-server" another test of
        # this module started can linger on the shared account (see fake_server) and would refuse the run.
        run = run_cli(
            cmd,
            (
                lambda ev: ev.get("kind") == PROGRESS and str(ev.get("message", "")).startswith("cpu:"),
                cut_through(proxy),
            ),
            timeout=300,
        )
    lines = run.lines
    said = [(e.get("kind"), e.get("message")) for e in lines][:5]
    assert run.acted, f"the connection was cut while llama-bench ran: {said}"
    assert run.returncode == 0, json.dumps(lines[-5:]) + run.stderr[-2000:]
    warnings = [str(e.get("message", "")) for e in lines if e.get("kind") == WARN]
    assert any("reconnecting" in w for w in warnings), warnings
    assert any(w.startswith("Reconnected") for w in warnings), warnings
    result = lines[-1]
    assert {r["test"] for r in result["results"]} == {"pp16", "tg4"}  # type: ignore[attr-defined]
    assert all(len(r["samples_ts"]) == 2 for r in result["results"])  # type: ignore[attr-defined]
    started = _bench_job_dirs(rig_account) - jobs_before
    assert started == {f"{rig_account.home}/.local/state/rubikpi-studio/jobs/{result['job']}/key"}, (
        "one job, followed on after the cut, not a second one started"
    )
    kept = bench.History().runs()
    assert [r.job for r in kept] == [result["job"]], "the run is kept in the history once"
