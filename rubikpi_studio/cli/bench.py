"""`rubikpi-studio bench HOST MODEL`: GPU versus CPU speed of a model on the board (llama-bench).

`rubikpi-studio bench HOST --history [MODEL]` lists the earlier runs on that board (kept on this computer,
so no connection is made), with the llama.cpp build and the settings beside the numbers.
"""

from __future__ import annotations

import argparse
import datetime
import json
import time
from typing import Any

from ..core import bench, jobs
from ..core.errors import UsageError
from ..core.events import CancelToken
from ..core.ssh import Target
from .common import Output, add_connection_args, connect


class _IntermixedParser(argparse.ArgumentParser):
    """MODEL is optional (--history needs none), yet options may stand between HOST and MODEL as before
    (`bench HOST --port 2222 --json MODEL`). argparse alone matches an optional positional where the first
    positional stands, takes MODEL as absent there and then refuses the later one (bpo-14191); so options
    are parsed first and positionals after them, as `parse_intermixed_args` does."""

    _inner = False

    def parse_known_args(  # type: ignore[override]
        self, args: list[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        if self._inner:  # parse_known_intermixed_args calls us back for each of its two passes
            return super().parse_known_args(args, namespace)
        self._inner = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._inner = False


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "bench", help="measure a model's speed on the board's GPU and CPU (llama-bench)"
    )
    parser.__class__ = _IntermixedParser  # the subcommand's own parser; `sub` makes plain ones
    add_connection_args(parser)
    parser.add_argument(
        "model",
        nargs="?",
        default="",
        help="GGUF file on the board (relative paths start in the home directory)",
    )
    parser.add_argument(
        "--history",
        nargs="?",
        const="",
        default=None,
        metavar="MODEL",
        help="list earlier runs on this board instead of running, only MODEL's when given (its path or "
        "file name); no connection is made",
    )
    parser.add_argument("--cpu-only", action="store_true", help="skip the GPU run")
    parser.add_argument("--reps", type=int, default=3, help="repetitions of each test (default 3)")
    parser.add_argument("--prompt", "-p", type=int, default=128, help="prompt tokens for pp (default 128)")
    parser.add_argument("--gen", "-n", type=int, default=64, help="generated tokens for tg (default 64)")
    parser.add_argument("--threads", "-t", type=int, default=None, help="CPU threads (llama-bench's default)")
    parser.add_argument(
        "--allow-server", action="store_true", help="run even while llama-server runs on the board"
    )
    parser.add_argument("--no-history", action="store_true", help="do not keep this run in the history")
    parser.add_argument(
        "--llama-bench",
        default="",
        metavar="PATH",
        help="llama-bench on the board to use (default: the one next to the board's llama-server, else PATH)",
    )
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


def _settings_text(settings: dict[str, Any]) -> str:
    parts = [f"{settings.get('repetitions', '?')} reps", f"pp{settings.get('n_prompt', '?')}"]
    parts.append(f"tg{settings.get('n_gen', '?')}")
    if settings.get("threads"):
        parts.append(f"{settings['threads']} threads")
    if settings.get("batch"):
        parts.append(f"batch {settings['batch']}")
    if settings.get("extra"):
        parts.append(" ".join(str(a) for a in settings["extra"]))
    return ", ".join(parts)


def print_history(runs: list[bench.BenchRun]) -> None:
    if not runs:
        print("No earlier runs on this board.")
        return
    for run in runs:
        when = datetime.datetime.fromtimestamp(run.started).strftime("%Y-%m-%d %H:%M")
        print(f"{when}  {run.model_name}  llama.cpp {run.build or '?'}  ({_settings_text(run.settings)})")
        for r in sorted(run.results, key=lambda r: (r.kind, r.mode)):
            print(
                f"  {r.mode:<4} {r.test:<12} {r.backends:<10} {r.avg_ts:10.2f} ± {r.stddev_ts:.2f} tokens/s"
            )
        ratio = run.speedup("tg")
        if ratio is not None:
            print(f"  GPU/CPU generation: {ratio:.2f}x")
        for note in run.notes:
            print(f"  note: {note}")


def show_history(args: argparse.Namespace, out: Output) -> int:
    """The runs kept for this board (user@host[:port], as the runs name it), oldest first."""
    target = Target(host=args.host, port=args.port, user=args.user, identity=args.identity).resolve()
    model = args.history or args.model or None
    runs = bench.History().runs(board=f"{target.user}@{target.key_id}", model=model)
    if out.as_json:
        for run in runs:
            print(json.dumps(run.to_dict(), ensure_ascii=False, sort_keys=True), flush=True)
    else:
        print_history(runs)
    return 0


def run(args: argparse.Namespace, out: Output) -> int:
    if args.history is not None:
        return show_history(args, out)
    if not args.model:
        raise UsageError("Name the model file on the board to benchmark, or use --history.")
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
                board,
                spec,
                report=out.event,
                cancel=cancel,
                allow_server=args.allow_server,
                history=history,
                llama_bench=args.llama_bench,
                # A dropped connection does not end the command: it reconnects and follows the same job on.
                reconnect=jobs.reconnector(board),
            )
        except KeyboardInterrupt:
            cancel.cancel()
            raise
    data = result.to_dict()
    data["seconds"] = round(time.monotonic() - started, 1)
    out.result(data, lambda: print_run(result))
    return 0
