"""The headless front end: `rubikpi-studio <command> ...` over the same core as the GUI.

Exit codes, for every command: 0 success, 2 usage error, 3 cannot reach or authenticate, 4 host key unknown
and not accepted, or changed; 1 any other failure; 130 cancelled. Never a traceback for a user error.
Each command lives in its own module with `register(subparsers)`; adding a command is adding a module here.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .. import __version__

COMMANDS = ["probe", "key", "setup", "models", "serve", "chat", "bench", "monitor"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rubikpi-studio",
        description="RUBIK Pi Studio: set up llama.cpp on a RUBIK Pi 3, manage models, serve and chat.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue  # not built yet
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .common import run_command

    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] == "--cli":
        args_list = args_list[1:]
    parser = build_parser()
    if not args_list:
        parser.print_help()
        return 2
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return run_command(args)


if __name__ == "__main__":
    sys.exit(main())
