"""`rubikpi-studio monitor HOST`: the board's CPU, memory, GPU, temperatures and llama-server, live."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..core import monitor
from ..core.events import CancelToken
from .common import Output, add_connection_args, connect


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "monitor", help="show CPU per core, memory, GPU, temperatures and llama-server's memory, live"
    )
    add_connection_args(parser)
    parser.add_argument(
        "--count", type=int, default=None, help="stop after N samples (default: run until Ctrl-C)"
    )
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between samples (default 1)")
    parser.set_defaults(func=run)


def _fmt(value: float | None, unit: str = "", digits: int = 0) -> str:
    return "—" if value is None else f"{value:.{digits}f}{unit}"


def format_sample(s: monitor.Sample) -> str:
    """One line per sample for people: missing sensors print as a dash, never as 0."""
    cores = " ".join(_fmt(v) for v in s.core_percent.values())
    gib = 1024 * 1024
    mem = (
        f"{s.mem_used_kb / gib:.1f}/{s.mem_total_kb / gib:.1f} GiB"
        if s.mem_used_kb is not None and s.mem_total_kb is not None
        else "—"
    )
    swap = (
        f"{s.swap_used_kb / gib:.1f}/{s.swap_total_kb / gib:.1f} GiB"
        if s.swap_used_kb is not None and s.swap_total_kb
        else ("none" if s.swap_total_kb == 0 else "—")
    )
    gpu = f"{_fmt(s.gpu_busy_percent, '%')} @ {_fmt(s.gpu_clock_mhz, ' MHz')}"
    server = f"{s.server_rss_kb / 1024:.0f} MiB" if s.server_rss_kb is not None else "not running"
    return (
        f"CPU {_fmt(s.cpu_percent, '%')} [{cores}]  RAM {mem}  swap {swap}  GPU {gpu}  "
        f"hottest {_fmt(s.hottest_c, ' °C', 1)}  llama-server {server}"
    )


def run(args: argparse.Namespace, out: Output) -> int:
    if args.interval <= 0 or (args.count is not None and args.count < 1):
        from ..core.errors import UsageError

        raise UsageError("--interval must be positive and --count at least 1.")
    cancel = CancelToken()

    def report(sample: monitor.Sample) -> None:
        if out.as_json:
            print(json.dumps(sample.to_dict(), ensure_ascii=False, sort_keys=True), flush=True)
        else:
            print(format_sample(sample), flush=True)

    with connect(args, out) as board:
        try:
            monitor.run(board, report, interval=args.interval, count=args.count, cancel=cancel)
        except KeyboardInterrupt:
            cancel.cancel()
    return 0
