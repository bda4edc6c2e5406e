"""`rubikpi-studio probe HOST`: connect and print what the board is."""

from __future__ import annotations

import argparse
from typing import Any

from ..core.probe import probe
from .common import Output, add_connection_args, connect


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("probe", help="connect to a board and show its facts")
    add_connection_args(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, out: Output) -> int:
    with connect(args, out) as board:
        facts = probe(board)

    def human() -> None:
        width = max(len(label) for label, _ in facts.summary())
        for label, value in facts.summary():
            print(f"{label:<{width}}  {value}")
        if not facts.has_adreno_opencl:
            print(
                "\nNo Adreno OpenCL driver: llama.cpp will run on the CPU unless the GPU driver is installed."
            )

    out.result(facts.to_dict(), human)
    return 0
