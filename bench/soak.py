"""Soak: chat turns, downloads and reconnects against the rig for minutes; nothing may grow without bound.

    .venv/bin/python bench/soak.py [--minutes 5] [--tracemalloc] [--json build/soak-results.json]

Drives the app's core the way the GUI does, over the rig board (the rig's sshd, a fresh account with
llama.cpp's llama-server and SmolLM2-135M in the manual's layout):

- connect a `Board` through a FaultProxy in front of sshd; `server.start` (the first round starts
  llama-server, every later connection adopts it) and a `ServerEndpoint` over the SSH tunnel;
- each round: chat turns (`stream_chat`, answers stored in a `ChatStore`), one model download from the rig's
  Hugging Face stand-in (`models.pull`, with a `reconnect` callback) then `models.delete`, and a reconnect
  (endpoint, tunnel and Board closed, a new Board connected and the server adopted again);
- every third round the proxy cuts the SSH link in the middle of the download (pull re-attaches over a new
  Board), every fourth in the middle of a chat answer (StreamInterrupted; the app closes the dead Board and
  connects again).

The proxy and the HF stand-in run in a child process, so what is counted here is the app's alone. After
every round, in the same idle state (connected, nothing running), it records the process's RSS, the number of
live Python objects (after gc), open file descriptors by kind (sockets, pipes, other) from /proc/self/fd and
threads; with --tracemalloc also traced memory and, at the end, the lines whose allocations grew most.
Verdict: after a warm-up (the first quarter of the samples), the median of the last third may exceed the
median of the first third by at most the metric's tolerance; exit status 1 names what grew. The numbers go
to build/soak-results.json, which tools/reliability_table.py turns into the "Soak" section of
docs/reliability.md.
"""

from __future__ import annotations

import argparse
import collections
import ctypes
import functools
import gc
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _rig import ROOT  # puts tests/ and the project on sys.path

MAX_MINUTES = 10.0
MODEL_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
DL_REPO = "soak/tiny-GGUF"
DL_FILE = "soak-tiny.gguf"
DL_RATE = 100_000  # bytes/s from the HF stand-in: the ~190 kB download takes ~2 s, long enough to cut
CHAT_TURNS = 2
PROMPTS = ("Name three colours.", "Count to five.", "Say hello in French.", "What is two plus two?")


# --------------------------------------------------------------------------------------------- the rig helper
def rig_helper(sshd_port: int) -> None:
    """Child process: a FaultProxy in front of sshd and the HF stand-in. Reads `cut` / `quit` on stdin."""
    from rig import models as rig_models
    from rig.faultproxy import FaultProxy
    from rig.hf_server import HfServer

    with FaultProxy(sshd_port) as proxy, HfServer() as hf:
        hf.add_file(DL_REPO, DL_FILE, rig_models.tiny_f16_path())
        print(json.dumps({"proxy_port": proxy.port, "hf": hf.endpoint}), flush=True)
        for line in sys.stdin:
            cmd = line.strip()
            if cmd == "cut":
                print(json.dumps({"cut": proxy.cut()}), flush=True)
            elif cmd == "slow":
                hf.set_rate(DL_REPO, DL_FILE, DL_RATE)
                print(json.dumps({"ok": True}), flush=True)
            elif cmd == "quit":
                break


class RigHelper:
    def __init__(self, sshd_port: int) -> None:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--rig-helper", str(sshd_port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=str(ROOT / "bench"),
        )
        self._lock = threading.Lock()
        info = self._read()
        self.proxy_port = int(info["proxy_port"])
        self.hf_endpoint = str(info["hf"])

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the rig helper (FaultProxy + HF stand-in) died")
        return dict(json.loads(line))

    def command(self, cmd: str) -> dict[str, Any]:
        assert self.proc.stdin is not None
        with self._lock:
            self.proc.stdin.write(cmd + "\n")
            self.proc.stdin.flush()
            return self._read()

    def cut(self) -> int:
        return int(self.command("cut")["cut"])

    def close(self) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


# ----------------------------------------------------------------------------------------------- measuring
def fd_kinds() -> dict[str, int]:
    kinds = {"fds": 0, "sockets": 0, "pipes": 0, "other fds": 0}
    for name in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            continue  # the fd of the listdir itself, closed by now
        kinds["fds"] += 1
        if target.startswith("socket:"):
            kinds["sockets"] += 1
        elif target.startswith("pipe:"):
            kinds["pipes"] += 1
        else:
            kinds["other fds"] += 1
    return kinds


def _status_field(name: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    return 0


class _Mallinfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
                     "fordblks", "keepcost")
    ]  # fmt: skip


def _pymalloc_in_use() -> int | None:
    """Bytes in pymalloc's allocated blocks (Python's small-object allocator, on its own mmapped arenas),
    from `sys._debugmallocstats()`, which writes to the C-level stderr."""
    read_end, write_end = os.pipe()
    saved = os.dup(2)
    try:
        sys.stderr.flush()
        os.dup2(write_end, 2)
        sys._debugmallocstats()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(write_end)
    chunks = []
    while chunk := os.read(read_end, 1 << 16):
        chunks.append(chunk)
    os.close(read_end)
    m = re.search(rb"# bytes in allocated blocks\s*=\s*([\d,]+)", b"".join(chunks))
    return int(m.group(1).replace(b",", b"")) if m else None


def sqlite_bytes() -> int | None:
    """What SQLite holds (its page caches above all: the chat history's), from `sqlite3_memory_used()` of the
    libsqlite3 that Python's sqlite3 module uses. None when that module has SQLite built in."""
    lib = _libsqlite3()
    return None if lib is None else int(lib.sqlite3_memory_used())


@functools.cache
def _libsqlite3() -> Any:
    """The libsqlite3 mapped into this process, looked up once."""
    import sqlite3  # noqa: F401  (loads libsqlite3 when the module links it)

    with open("/proc/self/maps") as fh:
        paths = {line.split()[-1] for line in fh if "libsqlite3" in line}
    if len(paths) != 1:
        return None
    try:
        lib = ctypes.CDLL(paths.pop())
    except OSError:
        return None
    lib.sqlite3_memory_used.restype = ctypes.c_int64
    return lib


def live_heap_bytes() -> int | None:
    """Memory the process really holds: glibc malloc's in-use bytes (small chunks and mmapped big ones) plus
    pymalloc's allocated blocks. Unlike the RSS it leaves out what the allocators keep after a free
    (fragmentation, cached free chunks): a leak grows both, allocator retention only the RSS.
    None off glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallinfo2 = libc.mallinfo2
    except (OSError, AttributeError):
        return None
    mallinfo2.restype = _Mallinfo2
    info = mallinfo2()
    py = _pymalloc_in_use()
    return None if py is None else int(info.uordblks + info.hblkhd + py)


def sample(t0: float, *, traced: bool) -> dict[str, float]:
    gc.collect()
    heap = live_heap_bytes()
    lite = sqlite_bytes()
    s: dict[str, float] = {
        "t": round(time.monotonic() - t0, 1),
        "rss MB": round(_status_field("VmRSS") / 1024, 1),
        **({"live heap MB": round(heap / 2**20, 2)} if heap is not None else {}),
        **({"sqlite MB": round(lite / 2**20, 2)} if lite is not None else {}),
        "objects": len(gc.get_objects()),
        **fd_kinds(),
        "threads": _status_field("Threads"),
    }
    if traced:
        s["traced MB"] = round(tracemalloc.get_traced_memory()[0] / 2**20, 2)
    return s


def thread_names() -> collections.Counter[str]:
    """Live threads by name with the numbers taken out (`Thread-12 (_pump)` → `Thread-N (_pump)`)."""
    return collections.Counter(re.sub(r"\d+", "N", t.name) for t in threading.enumerate())


def settle(t0: float, *, traced: bool, wait: float = 3.0) -> dict[str, float]:
    """A sample once closing connections have finished closing (their threads end within ~0.5 s)."""
    deadline = time.monotonic() + wait
    last = sample(t0, traced=traced)
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = sample(t0, traced=traced)
        if all(now[k] == last[k] for k in ("fds", "threads")):
            return now
        last = now
    return last


# Growth allowed from the first to the last third (medians), per metric: (absolute, fraction of start).
# Measured noise after the fixes, 5 min: RSS ±0.2 MB between samples, objects ±150; handles and threads exact.
TOLERANCE: dict[str, tuple[float, float]] = {
    "rss MB": (3.0, 0.05),
    "live heap MB": (1.0, 0.05),
    "sqlite MB": (1.0, 0.10),
    "traced MB": (1.0, 0.10),
    "objects": (500, 0.01),
    "fds": (2, 0.0),
    "sockets": (2, 0.0),
    "pipes": (2, 0.0),
    "other fds": (2, 0.0),
    "threads": (2, 0.0),
}


def slope_per_minute(points: list[tuple[float, float]]) -> float:
    if len(points) < 2:
        return 0.0
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    var = sum((x - mx) ** 2 for x in xs)
    if var == 0:
        return 0.0
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var * 60


def verdict(samples: list[dict[str, float]]) -> list[dict[str, Any]]:
    """Per metric: start/end/min/max and whether it stayed bounded (last vs first third after warm-up)."""
    warm = max(1, len(samples) // 4)
    steady = samples[warm:] if len(samples) - warm >= 3 else samples
    third = max(1, len(steady) // 3)
    out = []
    for name, (absolute, fraction) in TOLERANCE.items():
        if name not in samples[0]:
            continue
        values = [s[name] for s in samples]
        first = statistics.median(s[name] for s in steady[:third])
        last = statistics.median(s[name] for s in steady[-third:])
        allowed = max(absolute, fraction * first)
        growth = last - first
        slope = slope_per_minute([(s["t"], s[name]) for s in steady[len(steady) // 2 :]])
        ok = growth <= allowed
        out.append(
            {
                "name": name,
                "start": values[0],
                "end": values[-1],
                "min": min(values),
                "max": max(values),
                "first third": first,
                "last third": last,
                "growth": round(growth, 2),
                "tolerance": f"+{allowed:g}",
                "slope per min (2nd half)": round(slope, 2),
                "ok": ok,
                "why": "" if ok else f"+{growth:g} from the first to the last third (allowed +{allowed:g})",
            }
        )
    return out


# ------------------------------------------------------------------------------------------------ the board
@dataclass
class Lab:
    account: Any
    known_hosts: Path
    proxy_port: int


def make_lab(sshd: Any, work: Path, proxy_port: int) -> Lab:
    """A fresh board account with llama-server and SmolLM2 where the manual puts them (like the reliability
    suite's `lab`)."""
    import rig
    from rig import models as rig_models
    from rig.llama_server import find_llama_server, llama_server_missing_reason

    binary = find_llama_server()
    if binary is None:
        sys.exit(f"soak needs llama-server: {llama_server_missing_reason()}")
    account = rig.make_fresh_account()
    dst = account.home / "dev/llm/llama.cpp/build/bin"
    mdir = account.home / "dev/llm/models"
    dst.mkdir(parents=True)
    mdir.mkdir(parents=True)
    for item in binary.parent.iterdir():  # the tool and any shared libraries next to it
        if item.is_file() and (item.name == "llama-server" or ".so" in item.name):
            shutil.copy2(item, dst / item.name)
    shutil.copy2(rig_models.smollm2_path(), mdir / MODEL_NAME)
    subprocess.run(["chown", "-R", f"{account.user}:", str(account.home / "dev")], check=True)
    kh = sshd.write_known_hosts(work / "known_hosts", proxy_port)
    return Lab(account, kh, proxy_port)


@dataclass
class Counts:
    rounds: int = 0
    chat_turns: int = 0
    interrupted_turns: int = 0
    downloads: int = 0
    reconnects: int = 0
    cuts: int = 0
    errors: list[str] = field(default_factory=list)


class App:
    """What the GUI holds: a Board, the server handle and its tunnel, a ServerEndpoint, the chat history."""

    def __init__(self, lab: Lab, hf_endpoint: str, work: Path, port: int) -> None:
        from rubikpi_studio.core import server
        from rubikpi_studio.core.store import ChatStore

        self.lab = lab
        self.hf_endpoint = hf_endpoint
        self.spec = server.ServerSpec(model=f"~/dev/llm/models/{MODEL_NAME}", port=port, threads=2, gpu=False)
        self.store = ChatStore(work / "history.sqlite3")
        self.board: Any = None
        self.handle: Any = None
        self.endpoint: Any = None

    def connect(self) -> Any:
        import rig

        return rig.connect(self.lab.account, self.lab.proxy_port, self.lab.known_hosts)

    def open(self) -> None:
        from rubikpi_studio.core import server

        self.board = self.connect()
        self.handle = server.start(self.board, self.spec)  # adopts the running server after the first round
        self.endpoint = self.handle.endpoint()

    def close(self) -> None:
        if self.endpoint is not None:
            self.endpoint.close()
        if self.handle is not None:
            self.handle.close_tunnel()
        if self.board is not None:
            self.board.close()
        self.board = self.handle = self.endpoint = None

    def reconnect(self) -> None:
        self.close()
        self.open()

    def chat_turn(self, prompt: str, on_piece: Callable[[int], None] | None = None) -> bool:
        """One turn stored like the Chat page stores it; False when the answer was interrupted."""
        from rubikpi_studio.core.chat import (
            ChatDelta,
            ChatMessage,
            ChatParams,
            StreamInterrupted,
            stream_chat,
        )
        from rubikpi_studio.core.events import CancelToken

        cid = self.store.create_conversation(model=MODEL_NAME)
        self.store.add_message(cid, "user", prompt)
        mid = self.store.begin_assistant_message(cid)
        pieces = [0]

        def on_delta(d: ChatDelta) -> None:
            self.store.append_delta(mid, d.text, is_reasoning=d.is_reasoning)
            pieces[0] += 1
            if on_piece is not None:
                on_piece(pieces[0])

        try:
            result = stream_chat(
                self.endpoint,
                [ChatMessage("user", prompt)],
                ChatParams(temperature=0.7, max_tokens=16, seed=pieces[0]),
                on_delta=on_delta,
                cancel=CancelToken(),
            )
        except StreamInterrupted as exc:
            self.store.mark_interrupted(mid, str(exc), partial=exc.partial)
            return False
        self.store.finish_with_result(mid, result)
        return True

    def download(self, on_moving: Callable[[], None] | None = None) -> int:
        from rubikpi_studio.core import models
        from rubikpi_studio.core.catalogue import parse_model_ref
        from rubikpi_studio.core.events import PROGRESS, Event

        req = models.DownloadRequest.from_ref(parse_model_ref(f"{DL_REPO}/{DL_FILE}", self.hf_endpoint))
        fired = [False]

        def report(ev: Event) -> None:
            moving = ev.kind == PROGRESS and (ev.data.get("bytes") or 0) > 0
            if on_moving is not None and not fired[0] and moving:
                fired[0] = True
                on_moving()

        model = models.pull(self.board, req, report=report, reconnect=self.connect)
        if not self.board.is_alive:  # the link was cut under the download: the app connects again
            self.reconnect()
        models.delete(self.board, model.path)
        return int(model.size)


def soak_round(app: App, helper: RigHelper, counts: Counts, n: int) -> None:
    cut_download = n % 3 == 2
    cut_chat = n % 4 == 3
    for i in range(CHAT_TURNS):
        prompt = PROMPTS[(n + i) % len(PROMPTS)]
        if cut_chat and i == 1:

            def cut_at(pieces: int) -> None:
                if pieces == 5:
                    counts.cuts += helper.cut() > 0

            if not app.chat_turn(prompt, cut_at):
                counts.interrupted_turns += 1
            app.reconnect()  # the app notices the dead link and connects again
            counts.reconnects += 1
        elif not app.chat_turn(prompt):
            counts.interrupted_turns += 1
        counts.chat_turns += 1

    def cut() -> None:
        counts.cuts += helper.cut() > 0

    app.download(cut if cut_download else None)
    counts.downloads += 1
    app.reconnect()
    counts.reconnects += 1
    counts.rounds += 1


# --------------------------------------------------------------------------------------------------- main
FIELDS = (
    "t",
    "rss MB",
    "live heap MB",
    "sqlite MB",
    "traced MB",
    "objects",
    "fds",
    "sockets",
    "pipes",
    "other fds",
    "threads",
)


def print_table(samples: list[dict[str, float]]) -> None:
    cols = [f for f in FIELDS if f in samples[0]]
    print("  ".join(f"{c:>9}" for c in ["round", *cols]))
    for i, s in enumerate(samples):
        print("  ".join(f"{v:>9}" for v in [str(i), *(f"{s[c]:g}" for c in cols)]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=5.0, help=f"how long (at most {MAX_MINUTES:g})")
    ap.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations (slower)")
    ap.add_argument("--json", type=Path, default=ROOT / "build" / "soak-results.json")
    ap.add_argument(
        "--no-tune", action="store_true", help="leave glibc's mmap threshold adaptive (core/memory.py)"
    )
    ap.add_argument("--rig-helper", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.rig_helper:
        rig_helper(args.rig_helper)
        return 0
    if not 0 < args.minutes <= MAX_MINUTES:
        ap.error(f"--minutes must be in (0, {MAX_MINUTES:g}]")

    import rig

    reason = rig.rig_unavailable_reason()
    if reason:
        sys.exit(f"soak needs the board rig: {reason}")
    from rig.llama_server import free_port

    from rubikpi_studio.core import memory, server
    from rubikpi_studio.core.errors import StudioError

    if not args.no_tune:
        memory.tune_allocator()  # as the GUI does once it has painted its first window
    work = Path(tempfile.mkdtemp(prefix="rps-soak-"))
    sshd = rig.start_sshd(work / "sshd")
    helper = RigHelper(sshd.port)
    helper.command("slow")
    lab = make_lab(sshd, work, helper.proxy_port)
    app = App(lab, helper.hf_endpoint, work, free_port())
    counts = Counts()
    samples: list[dict[str, float]] = []
    top: list[str] = []
    try:
        app.open()  # starts llama-server: not part of the soak's clock
        if args.tracemalloc:
            tracemalloc.start(12)
        t0 = time.monotonic()
        samples.append(settle(t0, traced=args.tracemalloc))
        baseline = None
        names_before = thread_names()
        deadline = t0 + args.minutes * 60
        while time.monotonic() < deadline:
            try:
                soak_round(app, helper, counts, counts.rounds)
            except StudioError as exc:  # the app would show it and the user would connect again
                counts.errors.append(f"round {counts.rounds}: {type(exc).__name__}: {exc}")
                print(counts.errors[-1], flush=True)
                counts.rounds += 1
                app.reconnect()
            samples.append(settle(t0, traced=args.tracemalloc))
            s = samples[-1]
            print(
                f"round {counts.rounds:3d} at {s['t']:6.1f} s: rss {s['rss MB']} MB, "
                f"live heap {s.get('live heap MB', '?')} MB, sqlite {s.get('sqlite MB', '?')} MB, "
                f"{s['objects']:g} objects, {s['fds']:g} fds ({s['sockets']:g} sockets), "
                f"{s['threads']:g} threads",
                flush=True,
            )
            if args.tracemalloc and baseline is None and len(samples) > 4:
                baseline = tracemalloc.take_snapshot()
        grown = thread_names() - names_before
        if args.tracemalloc and baseline is not None:
            stats = tracemalloc.take_snapshot().compare_to(baseline, "lineno")
            top = [str(st) for st in stats[:12]]
    finally:
        with_server = app.board
        if with_server is not None:
            server.stop(with_server)
        app.close()
        app.store.close()
        helper.close()
        sshd.stop()
        rig.remove_account(lab.account)
    minutes = samples[-1]["t"] / 60
    metrics = verdict(samples)
    for m in metrics:
        if args.tracemalloc and m["name"] == "rss MB" and not m["ok"]:
            m["ok"], m["why"] = True, "not judged with --tracemalloc (its own bookkeeping grows the RSS)"
    ok = all(m["ok"] for m in metrics) and not counts.errors
    by_name = {m["name"]: m for m in metrics}
    retention_only = (
        not ok
        and not counts.errors
        and "live heap MB" in by_name
        and by_name["live heap MB"]["ok"]
        and all(m["ok"] for m in metrics if m["name"] != "rss MB")
    )
    summary = (
        "nothing grew without bound"
        if ok
        else "the RSS grows while the live heap, objects, handles and threads stay bounded: memory the "
        "allocators keep after it is freed, not live memory: look for a peak that grows with the run "
        "(see 'The RSS creep' below)"
        if retention_only
        else "LEAK"
    )
    print(
        f"\nSoak: {minutes:.1f} min, {counts.rounds} rounds: {counts.chat_turns} chat turns "
        f"({counts.interrupted_turns} cut mid-answer), {counts.downloads} downloads, "
        f"{counts.reconnects} reconnects, {counts.cuts} links cut by the proxy.\n"
    )
    print_table(samples)
    print()
    print(f"{'resource':>10} {'start':>9} {'end':>9} {'max':>9} {'1st third':>10} {'last third':>10} "
          f"{'allowed':>8} {'slope/min':>10}  verdict")  # fmt: skip
    for m in metrics:
        print(
            f"{m['name']:>10} {m['start']:>9g} {m['end']:>9g} {m['max']:>9g} {m['first third']:>10g} "
            f"{m['last third']:>10g} {m['tolerance']:>8} {m['slope per min (2nd half)']:>10g}  "
            f"{'ok' if m['ok'] else 'GROWS: ' + m['why']}"
        )
    if grown:
        print(
            "\nthreads that were not there at the start: " + ", ".join(f"{n} x{c}" for n, c in grown.items())
        )
    for err in counts.errors:
        print(f"error: {err}")
    if top:
        print("\nAllocations that grew most since round 4 (tracemalloc):")
        print("\n".join(top))
    activity = (
        f"{counts.chat_turns} chat turns ({counts.interrupted_turns} cut mid-answer), {counts.downloads} "
        f"downloads (each deleted again), {counts.reconnects} reconnects and {counts.cuts} links cut by the "
        f"FaultProxy in {counts.rounds} rounds"
    )
    method = (
        "Sampled after every round in the same idle state; after a warm-up (the first quarter), the median "
        "of the last third may exceed the median of the first third by the allowed growth. Memory is the "
        "process's RSS in MB; the live heap is what malloc and pymalloc hand out and have not had back "
        "(mallinfo2 in-use bytes plus pymalloc's allocated blocks), so it leaves out what the allocators "
        "keep after a free; objects are live Python objects after gc; fds are /proc/self/fd."
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "when": time.strftime("%Y-%m-%d %H:%M"),
                "minutes": round(minutes, 2),
                "activity": activity,
                "method": method,
                "counts": vars(counts),
                "samples": samples,
                "metrics": metrics,
                "top_growth": top,
                "ok": ok,
                "verdict": summary,
            },
            indent=1,
        )
    )
    print(f"\n{summary}; wrote {args.json}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
