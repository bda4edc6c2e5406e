"""GPU versus CPU on the user's board: llama-bench as a job, its JSON parsed, a history per board and model.

The manual compares the two by hand (`-ngl 0` versus GPU offload, reading `llama_perf_context_print` lines:
about 9.6 tokens/s on the GPU against 7.2 on the CPU for Qwen2-1.5B Q4_0). Here `remote/bench-run.sh` runs
`llama-bench -o json --progress` once per mode (GPU: `-ngl 99 -fa off`, the manual's GPU settings; CPU:
`-ngl 0`), prompt processing (pp) and generation (tg), a few repetitions each, as a detached job so a
dropped connection does not lose it. The JSON fields are llama-bench's own (reference/board-and-llama-cpp-
facts.md §D2); unknown keys are kept in `raw` and ignored.

A benchmark and llama-server on the same board disturb each other (both want every core and the GPU), so
`run` refuses while a llama-server runs, unless told to go ahead anyway.
"""

from __future__ import annotations

import json
import logging
import math
import posixpath
import shlex
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import appdirs, jobs
from .errors import RemoteFailed, StudioError, UsageError
from .events import INFO, WARN, CancelToken, Event, Reporter, ignore
from .ssh import Board

log = logging.getLogger(__name__)

JOB_KEY = "bench"
SCRIPT = "bench-run.sh"
OUT_DIR = ".local/state/rubikpi-studio/bench"
MODES = ("gpu", "cpu")


class ServerRunning(StudioError):
    """llama-server runs on the board; a benchmark now would measure both of them."""

    code = "E_SERVER_RUNNING"
    exit_code = 1


class NoLlamaBench(StudioError):
    """The board has no llama-bench binary."""

    code = "E_NO_LLAMA_BENCH"
    exit_code = 1


# --- llama-bench JSON -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchResult:
    """One llama-bench test (one row of its table): pp<N> or tg<N> in one mode."""

    mode: str  # "gpu" | "cpu" (which run produced it)
    n_prompt: int
    n_gen: int
    avg_ts: float  # tokens per second, mean of the repetitions
    stddev_ts: float
    samples_ts: tuple[float, ...] = ()
    backends: str = ""  # "OpenCL", "CPU", "OpenCL,CPU" ...
    n_gpu_layers: int | None = None
    n_threads: int | None = None
    n_batch: int | None = None
    flash_attn: Any = None  # bool in older builds, -1/0/1 in newer ones
    build_commit: str = ""
    build_number: int | None = None
    model_type: str = ""
    model_size: int | None = None  # bytes
    model_n_params: int | None = None
    model_filename: str = ""
    gpu_info: str = ""
    cpu_info: str = ""
    test_time: str = ""

    @property
    def test(self) -> str:
        """llama-bench's own name: `pp512`, `tg128`, or `pp512+tg128`."""
        if self.n_prompt and self.n_gen:
            return f"pp{self.n_prompt}+tg{self.n_gen}"
        return f"pp{self.n_prompt}" if self.n_prompt else f"tg{self.n_gen}"

    @property
    def kind(self) -> str:
        """ "pp" (prompt processing), "tg" (generation) or "pg"."""
        return self.test[:2] if "+" not in self.test else "pg"

    @property
    def uses_gpu(self) -> bool:
        """Layers went to a GPU: the build has a GPU backend, it found a device (`gpu_info`; an OpenCL build
        whose only platform is a CPU, e.g. PoCL, reports backends "OpenCL" and no gpu_info) and
        n_gpu_layers > 0."""
        gpu = any(b.strip() not in ("CPU", "BLAS", "") for b in self.backends.split(","))
        return gpu and bool(self.gpu_info.strip()) and (self.n_gpu_layers or 0) > 0

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["samples_ts"] = list(self.samples_ts)
        out["test"] = self.test
        out["uses_gpu"] = self.uses_gpu
        return out


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _objects(text: str) -> list[dict[str, Any]]:
    """JSON objects from llama-bench output: a whole array (`-o json`), one object per line (`-o jsonl`),
    or what a run that died half way left behind (`[` and the objects finished so far)."""
    text = text.strip()
    if not text:
        return []
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, list):
        return [d for d in data if isinstance(d, dict)]
    if isinstance(data, dict):
        return [data]
    out: list[dict[str, Any]] = []
    decoder = json.JSONDecoder()
    pos = 0
    while True:
        start = text.find("{", pos)
        if start < 0:
            break
        try:
            obj, end = decoder.raw_decode(text, start)
        except ValueError:
            break  # an unfinished object at the end
        if isinstance(obj, dict):
            out.append(obj)
        pos = end
    return out


def parse_bench_json(text: str, mode: str = "") -> list[BenchResult]:
    """llama-bench's `-o json` (or jsonl) output → results. Entries without a speed are skipped; unknown
    keys are ignored. `mode` defaults to what the entry says: "gpu" when layers went to a GPU backend."""
    results: list[BenchResult] = []
    for obj in _objects(text):
        avg = _as_float(obj.get("avg_ts"))
        if avg is None:
            continue
        samples = obj.get("samples_ts")
        sample_values = tuple(
            v for v in (_as_float(s) for s in (samples if isinstance(samples, list) else [])) if v is not None
        )
        result = BenchResult(
            mode=mode,
            n_prompt=_as_int(obj.get("n_prompt")) or 0,
            n_gen=_as_int(obj.get("n_gen")) or 0,
            avg_ts=avg,
            stddev_ts=_as_float(obj.get("stddev_ts")) or 0.0,
            samples_ts=sample_values,
            backends=str(obj.get("backends", "")),
            n_gpu_layers=_as_int(obj.get("n_gpu_layers")),
            n_threads=_as_int(obj.get("n_threads")),
            n_batch=_as_int(obj.get("n_batch")),
            flash_attn=obj.get("flash_attn"),
            build_commit=str(obj.get("build_commit", "")),
            build_number=_as_int(obj.get("build_number")),
            model_type=str(obj.get("model_type", "")),
            model_size=_as_int(obj.get("model_size")),
            model_n_params=_as_int(obj.get("model_n_params")),
            model_filename=str(obj.get("model_filename", "")),
            gpu_info=str(obj.get("gpu_info", "")),
            cpu_info=str(obj.get("cpu_info", "")),
            test_time=str(obj.get("test_time", "")),
        )
        if not mode:
            result = _with_mode(result, "gpu" if result.uses_gpu else "cpu")
        results.append(result)
    return results


def _with_mode(result: BenchResult, mode: str) -> BenchResult:
    data = asdict(result)
    data["mode"] = mode
    data["samples_ts"] = tuple(result.samples_ts)
    return BenchResult(**data)


# --- a run ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchSpec:
    model: str  # path on the board (relative paths are taken from the home directory)
    modes: tuple[str, ...] = MODES
    repetitions: int = 3
    n_prompt: int = 128
    n_gen: int = 64
    threads: int | None = None  # llama-bench's default otherwise
    batch: int | None = None
    extra: tuple[str, ...] = ()  # more llama-bench flags, passed to both modes

    def validate(self) -> None:
        if not self.model:
            raise UsageError("Choose a model file on the board.")
        bad = [m for m in self.modes if m not in MODES]
        if bad or not self.modes:
            raise UsageError(f"Modes must be among {', '.join(MODES)}, not {', '.join(bad) or 'none'}.")
        if not 1 <= self.repetitions <= 50:
            raise UsageError("Repetitions must be between 1 and 50.")
        if self.n_prompt < 0 or self.n_gen < 0 or (self.n_prompt == 0 and self.n_gen == 0):
            raise UsageError("Give a prompt length, a generation length, or both.")

    def llama_bench_args(self) -> list[str]:
        args: list[str] = []
        if self.threads:
            args += ["-t", str(self.threads)]
        if self.batch:
            args += ["-b", str(self.batch)]
        return args + list(self.extra)

    @property
    def settings(self) -> dict[str, Any]:
        """What makes two runs comparable, besides the llama.cpp build."""
        return {
            "repetitions": self.repetitions,
            "n_prompt": self.n_prompt,
            "n_gen": self.n_gen,
            "threads": self.threads,
            "batch": self.batch,
            "extra": list(self.extra),
        }


@dataclass
class BenchRun:
    board: str  # which board: user@host[:port]
    model: str  # path on the board
    started: float  # time.time()
    results: list[BenchResult] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    gpu_backend: bool | None = None  # None: not known (the GPU mode was not asked for)
    notes: list[str] = field(default_factory=list)  # warnings worth keeping with the numbers
    server_was_running: bool = False
    job: str = ""
    version: str = ""  # `version: ...` line of the build

    @property
    def build(self) -> str:
        """`b<number>-<commit>` of the llama.cpp build that ran, as llama.cpp names itself."""
        for r in self.results:
            if r.build_commit or r.build_number is not None:
                return f"b{r.build_number or 0}-{r.build_commit or 'unknown'}"
        return ""

    @property
    def model_name(self) -> str:
        return posixpath.basename(self.model)

    def result(self, mode: str, kind: str) -> BenchResult | None:
        for r in self.results:
            if r.mode == mode and r.kind == kind:
                return r
        return None

    def speedup(self, kind: str) -> float | None:
        """GPU tokens/s over CPU tokens/s for "pp" or "tg" (1.33 = the GPU is 33 % faster)."""
        gpu, cpu = self.result("gpu", kind), self.result("cpu", kind)
        if gpu is None or cpu is None or cpu.avg_ts <= 0 or not gpu.uses_gpu:
            return None
        return gpu.avg_ts / cpu.avg_ts

    def to_dict(self) -> dict[str, Any]:
        return {
            "board": self.board,
            "model": self.model,
            "started": self.started,
            "build": self.build,
            "version": self.version,
            "settings": self.settings,
            "gpu_backend": self.gpu_backend,
            "notes": list(self.notes),
            "server_was_running": self.server_was_running,
            "job": self.job,
            "results": [r.to_dict() for r in self.results],
            "speedup": {k: self.speedup(k) for k in ("pp", "tg")},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BenchRun:
        fields = set(BenchResult.__dataclass_fields__)
        results = []
        for item in data.get("results", []):
            if not isinstance(item, dict):
                continue
            kw = {k: v for k, v in item.items() if k in fields}
            kw["samples_ts"] = tuple(kw.get("samples_ts") or ())
            try:
                results.append(BenchResult(**kw))
            except TypeError:
                continue
        return cls(
            board=str(data.get("board", "")),
            model=str(data.get("model", "")),
            started=float(data.get("started", 0.0)),
            results=results,
            settings=dict(data.get("settings") or {}),
            gpu_backend=data.get("gpu_backend"),
            notes=[str(n) for n in data.get("notes", [])],
            server_was_running=bool(data.get("server_was_running", False)),
            job=str(data.get("job", "")),
            version=str(data.get("version", "")),
        )


def board_id(board: Board) -> str:
    t = board.target
    return f"{t.user}@{t.key_id}"


def running_servers(board: Board) -> list[str]:
    """`pgrep -a llama-server` on the board: "<pid> <command line>" per server of the login user (the
    servers the app starts and can stop; other accounts' processes are not the app's to judge)."""
    result = board.quick('pgrep -a -x -u "${USER:-$(id -un)}" llama-server 2>/dev/null || true')
    return [line.strip() for line in result.stdout.splitlines() if line.strip()[:1].isdigit()]


def find_llama_bench(board: Board, llama_bin: str = "") -> str:
    """The board's llama-bench: next to the installed llama-server (BoardFacts.llama_bin), else on PATH."""
    if not llama_bin:
        from .probe import probe

        llama_bin = probe(board).llama_bin
    candidates = [posixpath.join(llama_bin, "llama-bench")] if llama_bin else []
    script = " ".join(f"[ -x {shlex.quote(c)} ] && {{ echo {shlex.quote(c)}; exit 0; }};" for c in candidates)
    result = board.quick(f"( {script} command -v llama-bench ) 2>/dev/null || true")
    path = result.stdout.strip().splitlines()[0] if result.stdout.strip() else ""
    if not path:
        raise NoLlamaBench(
            "llama-bench was not found on the board"
            + (f" (looked in {llama_bin} and on PATH)." if llama_bin else " (no llama.cpp build found)."),
            hint="Run the setup first; it builds llama-bench with llama.cpp.",
        )
    return path


def _remote_path(board: Board, path: str) -> str:
    if path.startswith("/"):
        return path
    if path.startswith("~/"):
        path = path[2:]
    return posixpath.join(board.home(), path)


def run(
    board: Board,
    spec: BenchSpec,
    *,
    report: Reporter = ignore,
    cancel: CancelToken | None = None,
    llama_bin: str = "",
    llama_bench: str = "",
    allow_server: bool = False,
    scripts: jobs.ScriptStore | None = None,
    history: History | None = None,
    reconnect: jobs.ReconnectFn | None = None,
) -> BenchRun:
    """Run the benchmark on the board and return its results (also added to `history` when given).

    When a benchmark already runs on the board (started by another front end, or before a restart), this
    follows that job and returns its results and settings, noted as such. `reconnect` returns a fresh Board
    after a dropped connection: the job goes on on the board and is followed on to its end.

    Raises ServerRunning while a llama-server runs (unless `allow_server`), NoLlamaBench, RemoteFailed when
    llama-bench produced nothing, Cancelled."""
    spec.validate()
    servers = running_servers(board)
    if servers and not allow_server:
        raise ServerRunning(
            "llama-server is running on the board: a benchmark now would measure both and slow the server.",
            hint="Stop the server first, or run anyway (CLI: --allow-server).",
            servers=servers,
        )
    bench_path = llama_bench or find_llama_bench(board, llama_bin)
    model = _remote_path(board, spec.model)
    run_id = time.strftime("%Y%m%d-%H%M%S")
    out_dir = f"{board.home()}/{OUT_DIR}/{run_id}"
    bench = BenchRun(
        board=board_id(board),
        model=model,
        started=time.time(),
        settings=spec.settings,
        server_was_running=bool(servers),
    )
    if servers:
        note = f"llama-server was running during the benchmark ({len(servers)} process(es))"
        bench.notes.append(note)
        report(Event(WARN, step=JOB_KEY, message=note, code="E_SERVER_RUNNING"))
    told: dict[str, str] = {}  # what the job says it works on: out, model, modes, repetitions, ...

    def collect(ev: Event) -> None:
        if ev.kind == INFO and ev.step == JOB_KEY:
            told.update({k: str(v) for k, v in ev.data.items()})
        if ev.kind == INFO and "version" in ev.data:
            bench.version = str(ev.data["version"])
        if ev.kind == INFO and ev.data.get("gpu_backend") == "none":
            bench.gpu_backend = False
        if ev.kind == WARN:
            bench.notes.append(ev.message)
        report(ev)

    args = [
        bench_path,
        model,
        out_dir,
        ",".join(spec.modes),
        str(spec.repetitions),
        str(spec.n_prompt),
        str(spec.n_gen),
        *spec.llama_bench_args(),
    ]
    # Connections `reconnect` opens while the job is followed are ours to close; the caller's Board is theirs.
    with jobs.OwnedReconnects(reconnect) as reconnects:
        job = jobs.start(board, scripts or jobs.ScriptStore(), SCRIPT, args, key=JOB_KEY)
        bench.job = job.id
        if job.attached:
            # Another run (a dropped connection's, an app restarted, a CLI run beside the GUI) started it:
            # its model, settings and output folder are the ones that count, not this call's.
            note = "a benchmark was already running on the board: these are its results and settings"
            bench.notes.append(note)
            report(Event(WARN, step=JOB_KEY, message=note, data={"job": job.id}))
        job = jobs.follow_reconnecting(board, job, collect, cancel=cancel, reconnect=reconnects.fn)
        board = reconnects.live(board)
        modes: Sequence[str] = spec.modes
        if job.attached:
            if "out" not in told:
                raise RemoteFailed(
                    "The benchmark that was already running on the board did not say where it wrote its "
                    "results; run the benchmark again.",
                    code="E_BENCH_FAILED",
                    log="\n".join(job.log_tail(30)),
                )
            bench.model = told.get("model", bench.model)
            bench.settings = _settings_told(told)
            modes = [m for m in told.get("modes", "").split(",") if m in MODES]
        out_dir = told.get("out", out_dir)
        for mode in modes:
            try:
                text = board.read_bytes(f"{out_dir}/{mode}.json").decode("utf-8", "replace")
            except FileNotFoundError:
                continue
            bench.results.extend(parse_bench_json(text, mode))
    if not bench.results:
        failure = job.last_failure()
        raise RemoteFailed(
            failure.message if failure else "llama-bench produced no results.",
            code=failure.code if failure else "E_BENCH_FAILED",
            log="\n".join(job.log_tail(30)),
        )
    if "gpu" in modes and bench.gpu_backend is None:
        gpu_rows = [r for r in bench.results if r.mode == "gpu"]
        bench.gpu_backend = any(r.uses_gpu for r in gpu_rows) if gpu_rows else False
        if gpu_rows and not bench.gpu_backend:
            note = "the GPU run used no GPU backend (backends: " + gpu_rows[0].backends + ")"
            bench.notes.append(note)
            report(Event(WARN, step=JOB_KEY, message=note))
    if history is not None:
        history.add(bench)
    return bench


def _settings_told(told: dict[str, str]) -> dict[str, Any]:
    """`BenchSpec.settings` of a job, from the info events bench-run.sh prints (`args` is
    `BenchSpec.llama_bench_args()`: `-t N`, then `-b N`, then the extra flags)."""
    rest = told.get("args", "").split()
    picked: dict[str, int | None] = {"-t": None, "-b": None}
    for flag in picked:
        if len(rest) >= 2 and rest[0] == flag and _as_int(rest[1]) is not None:
            picked[flag] = _as_int(rest[1])
            rest = rest[2:]
    return {
        "repetitions": _as_int(told.get("repetitions")),
        "n_prompt": _as_int(told.get("n_prompt")),
        "n_gen": _as_int(told.get("n_gen")),
        "threads": picked["-t"],
        "batch": picked["-b"],
        "extra": rest,
    }


# --- history --------------------------------------------------------------------------------------------


class History:
    """Past runs, one JSON object per line in the app's data folder (append-only; readable by hand).

    Each run keeps the board, the model, the llama.cpp build and the settings with its numbers, so runs
    can be compared across llama.cpp versions and settings."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or appdirs.data_dir() / "bench-history.jsonl"
        self._lock = threading.Lock()

    def add(self, run: BenchRun) -> None:
        """Keep `run`; a job already kept for this board (two front ends followed one job) is kept once."""
        line = json.dumps(run.to_dict(), ensure_ascii=False, sort_keys=True)
        with self._lock:
            if run.job and any(r.job == run.job for r in self.runs(board=run.board)):
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")

    def runs(self, board: str | None = None, model: str | None = None) -> list[BenchRun]:
        """Oldest first. `model` matches the full path or the file name. Damaged lines are skipped."""
        if not self.path.is_file():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if not isinstance(data, dict):
                continue
            run = BenchRun.from_dict(data)
            if board is not None and run.board != board:
                continue
            if model is not None and model not in (run.model, run.model_name):
                continue
            out.append(run)
        return out

    def models(self, board: str | None = None) -> list[str]:
        return sorted({r.model for r in self.runs(board)})


def summary_rows(runs: Iterable[BenchRun]) -> list[dict[str, Any]]:
    """One row per run and test, for tables: when, build, mode, test, tokens/s ± spread."""
    rows = []
    for run in runs:
        for r in run.results:
            rows.append(
                {
                    "started": run.started,
                    "build": run.build,
                    "model": run.model_name,
                    "mode": r.mode,
                    "test": r.test,
                    "avg_ts": r.avg_ts,
                    "stddev_ts": r.stddev_ts,
                    "backends": r.backends,
                    "n_gpu_layers": r.n_gpu_layers,
                    "threads": r.n_threads,
                }
            )
    return rows


__all__: Sequence[str] = (
    "BenchResult",
    "BenchRun",
    "BenchSpec",
    "History",
    "NoLlamaBench",
    "ServerRunning",
    "find_llama_bench",
    "parse_bench_json",
    "run",
    "running_servers",
    "summary_rows",
)
