"""`rubikpi-studio setup HOST`: build llama.cpp on the board (dependencies, OpenCL, build, check, PATH)."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

from ..core import jobs, setup
from ..core.errors import SudoFailed
from ..core.events import CancelToken
from .common import Output, add_connection_args, connect


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "setup",
        help="build llama.cpp on the board (re-attaches to a setup already running there)",
        description="Runs the manual's steps on the board as one job that survives a dropped connection: "
        "missing apt packages, OpenCL headers and loader, llama.cpp with OpenCL (or CPU), a check, PATH.",
    )
    add_connection_args(parser)
    parser.add_argument(
        "--ref", default=setup.LLAMA_REF, help="llama.cpp commit, tag or branch (default: the manual's)"
    )
    parser.add_argument("--repo", default=setup.LLAMA_REPO, help="llama.cpp repository URL")
    parser.add_argument("--cpu-only", action="store_true", help="build without OpenCL (-DGGML_OPENCL=OFF)")
    parser.add_argument("--gpu", action="store_true", help="build with OpenCL even if no Adreno GPU is found")
    parser.add_argument("--no-path", action="store_true", help="do not add llama.cpp to the board's PATH")
    parser.add_argument("--smoke-model", default="", help="a GGUF on the board for a short GPU smoke test")
    parser.add_argument("--jobs", type=int, help="compile jobs (default: from the board's free RAM)")
    parser.add_argument(
        "--sudo-password-stdin",
        action="store_true",
        help="read the sudo password from stdin (the line after the login password with --password-stdin)",
    )
    undo = parser.add_mutually_exclusive_group()
    undo.add_argument(
        "--rollback",
        action="store_true",
        help="instead of a setup: go back to the previous llama.cpp build (kept beside the current one); "
        "run it again to undo",
    )
    undo.add_argument(
        "--remove-path",
        action="store_true",
        help="instead of a setup: remove llama.cpp from the board's PATH (the block in ~/.bash_profile)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, out: Output) -> int:
    if args.rollback or args.remove_path:
        return _undo(args, out)
    spec = setup.SetupSpec(
        llama_repo=args.repo,
        llama_ref=args.ref,
        gpu="off" if args.cpu_only else ("on" if args.gpu else "auto"),
        add_path=not args.no_path,
        smoke_model=args.smoke_model,
        jobs=args.jobs,
    )
    spec.validate()
    sudo_password: str | None = None
    board = connect(args, out)
    if args.sudo_password_stdin:
        sudo_password = sys.stdin.readline().rstrip("\r\n")
    cancel = CancelToken()
    # A dropped connection does not end the command: it reconnects and follows the same job on.
    reconnect = jobs.reconnector(board)
    try:
        for _attempt in range(2):
            try:
                with _ctrl_c_stops_the_job(cancel):
                    result = setup.run_setup(
                        board,
                        spec,
                        sudo_password=sudo_password,
                        report=out.event,
                        cancel=cancel,
                        reconnect=reconnect,
                    )
                break
            except SudoFailed as exc:
                if exc.reason != "needed" or not sys.stdin.isatty() or out.as_json:
                    raise
                sudo_password = getpass.getpass(f"sudo password for {board.target.user} on the board: ")
        else:  # pragma: no cover - the loop either breaks or raises
            return 1
    except KeyboardInterrupt:
        print(
            "Stopped following the setup; it may still be running on the board. Run the same "
            "`setup` command again to re-attach to it, then Ctrl-C once to stop it.",
            file=sys.stderr,
        )
        raise
    finally:
        board.close()

    def human() -> None:
        print(result.summary())

    out.result(
        {
            "ok": True,
            "summary": result.summary(),
            "info": result.info,
            "skipped": result.skipped,
            "job": result.job.id,
        },
        human,
    )
    return 0


@contextlib.contextmanager
def _ctrl_c_stops_the_job(cancel: CancelToken) -> Iterator[None]:
    """Ctrl-C cancels: the follow loop then stops the job's whole process group on the board and run_setup
    raises Cancelled. A second Ctrl-C leaves at once (KeyboardInterrupt), the job possibly still running."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_sigint(_signum: int, _frame: FrameType | None) -> None:
        if cancel.is_cancelled:
            raise KeyboardInterrupt
        cancel.cancel()
        print(
            "Stopping the setup on the board... (Ctrl-C again to leave it running there)",
            file=sys.stderr,
            flush=True,
        )

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _undo(args: argparse.Namespace, out: Output) -> int:
    """`setup HOST --rollback` / `--remove-path`: one short job on the board, no build."""
    action, undo = ("rollback", setup.rollback) if args.rollback else ("remove-path", setup.remove_path)
    board = connect(args, out)
    cancel = CancelToken()
    try:
        with _ctrl_c_stops_the_job(cancel):
            result = undo(board, report=out.event, cancel=cancel)
    finally:
        board.close()
    out.result(
        {
            "ok": True,
            "action": action,
            "summary": result.message,
            "skipped": result.skipped,
            "job": result.job.id,
        },
        lambda: print(result.message),
    )
    return 0
