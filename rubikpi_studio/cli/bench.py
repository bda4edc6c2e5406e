"""`rubikpi-studio bench HOST MODEL`: GPU versus CPU speed of a model on the board (llama-bench)."""

from __future__ import annotations

import argparse
import time
from typing import Any

from ..core import bench
from ..core.events import CancelToken
from .common import Output, add_connection_args, connect


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "bench", help="measure a model's speed on the board's GPU and CPU (llama-bench)"
    )
    add_connection_args(parser)
    parser.add_argument("model", help="GGUF file on the board (relative paths start in the home directory)")
    parser.add_argument("--cpu-only", action="store_true", help="skip the GPU run")
    parser.add_argument("--reps", type=int, default=3, help="repetitions of each test (default 3)")
    parser.add_argument("--prompt", "-p", type=int, default=128, help="prompt tokens for pp (default 128)")
    parser.add_argument("--gen", "-n", type=int, default=64, help="generated tokens for tg (default 64)")
    parser.add_argument("--threads", "-t", type=int, default=None, help="CPU threads (llama-bench's default)")
    parser.add_argument(
        "--allow-server", action="store_true", help="run even while llama-server runs on the board"
    )
    parser.add_argument("--no-history", action="store_true", help="do not keep this run in the history")
    parser.set_defaults(func=run)


def print_run(run: bench.BenchRun) -> None:
    print(f"{run.model_name} on {run.board}, llama.cpp {run.build or '?'}")
    print(f"{'mode':<5} {'test':<12} {'backend':<12} {'ngl':>4} {'tokens/s':>18}")
    for r in sorted(run.results, key=lambda r: (r.kind, r.mode)):
        speed = f"{r.avg_ts:.2f} ± {r.stddev_ts:.2f}"
        ngl = "" if r.n_gpu_layers is None else str(r.n_gpu_layers)
        print(f"{r.mode:<5} {r.test:<12} {r.backends:<12} {ngl:>4} {speed:>18}")
    for kind, label in (("pp", "prompt processing"), ("tg", "generation")):
        ratio = run.speedup(kind)
        if ratio is not None:
            print(f"GPU/CPU {label}: {ratio:.2f}x")
    for note in run.notes:
        print(f"note: {note}")


def run(args: argparse.Namespace, out: Output) -> int:
    spec = bench.BenchSpec(
        model=args.model,
        modes=("cpu",) if args.cpu_only else bench.MODES,
        repetitions=args.reps,
        n_prompt=args.prompt,
        n_gen=args.gen,
        threads=args.threads,
    )
    spec.validate()
    cancel = CancelToken()
    history = None if args.no_history else bench.History()
    started = time.monotonic()
    with connect(args, out) as board:
        try:
            result = bench.run(
                board, spec, report=out.event, cancel=cancel, allow_server=args.allow_server, history=history
            )
        except KeyboardInterrupt:
            cancel.cancel()
            raise
    data = result.to_dict()
    data["seconds"] = round(time.monotonic() - started, 1)
    out.result(data, lambda: print_run(result))
    return 0
