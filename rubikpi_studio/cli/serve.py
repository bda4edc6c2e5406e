"""`rubikpi-studio serve start|restart|stop|status|boot|logs HOST ...`: llama-server on the board.

`start` waits until the server is ready and leaves it running on the board (it keeps serving after this
command ends); with `--tunnel` it also keeps a local port forward open until Ctrl+C.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..core import server
from ..core.errors import UsageError
from ..core.events import FINISHED, CancelToken, Event
from .common import Output, add_connection_args, connect


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("serve", help="run llama-server on the board")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    start = actions.add_parser("start", help="start (or adopt) the model server and wait until it is ready")
    add_connection_args(start)
    _add_spec_args(start)
    start.add_argument(
        "--tunnel", action="store_true", help="keep a local port forward open until Ctrl+C and print its URL"
    )
    start.add_argument(
        "--no-model-check",
        action="store_true",
        help="let llama-server judge the model file instead of the app's own GGUF check",
    )
    start.set_defaults(func=run_start)

    restart = actions.add_parser("restart", help="stop the running server and start it (or another model)")
    add_connection_args(restart)
    _add_spec_args(restart, model_required=False)
    restart.set_defaults(func=run_restart)

    stop = actions.add_parser("stop", help="stop the model server")
    add_connection_args(stop)
    stop.set_defaults(func=run_stop)

    status = actions.add_parser("status", help="is a model being served, which, on what")
    add_connection_args(status)
    status.set_defaults(func=run_status)

    boot = actions.add_parser(
        "boot", help="start this model when the board boots (a systemd user unit), or --off to stop that"
    )
    add_connection_args(boot)
    _add_spec_args(boot, model_required=False)
    boot.add_argument("--off", action="store_true", help="do not start the server at boot any more")
    boot.set_defaults(func=run_boot)

    logs = actions.add_parser("logs", help="the last lines of the server's log")
    add_connection_args(logs)
    logs.add_argument("-n", "--lines", type=int, default=50, help="how many lines (default 50)")
    logs.set_defaults(func=run_logs)


def _add_spec_args(p: argparse.ArgumentParser, *, model_required: bool = True) -> None:
    p.add_argument("--model", "-m", required=model_required, help="model file on the board (GGUF)")
    p.add_argument("--mmproj", default="", help="vision projector on the board (mmproj-*.gguf)")
    p.add_argument("--cpu", action="store_true", help="run on the CPU (-ngl 0) instead of the GPU")
    p.add_argument("--ctx", type=int, default=2048, help="context size in tokens (default 2048)")
    p.add_argument("--batch", type=int, default=128, help="batch size (default 128)")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (default: llama.cpp's choice)")
    p.add_argument("--slots", type=int, default=1, help="parallel slots (default 1; each costs memory)")
    p.add_argument(
        "--flash-attn",
        choices=("on", "off", "auto"),
        default="",
        help="flash attention (default: off on the GPU, as in the manual; llama.cpp's choice on the CPU)",
    )
    p.add_argument(
        "--server-port", type=int, default=server.DEFAULT_PORT, help="port on the board (default 9876)"
    )
    p.add_argument(
        "--lan",
        action="store_true",
        help="share on the network: bind 0.0.0.0 with an API key (kept in the keyring)",
    )
    p.add_argument(
        "--extra",
        default="",
        help='extra llama-server flags, written with = because they start with -: --extra="--temp 0.7"',
    )


def _spec(args: argparse.Namespace) -> server.ServerSpec:
    if args.ctx < 16 or args.batch < 1 or args.slots < 1 or args.threads < 0:
        raise UsageError("--ctx, --batch, --slots and --threads must be positive.")
    return server.ServerSpec(
        model=args.model,
        mmproj=args.mmproj,
        gpu=not args.cpu,
        ctx=args.ctx,
        batch=args.batch,
        parallel=args.slots,
        threads=args.threads,
        flash_attn=args.flash_attn,
        port=args.server_port,
        lan=args.lan,
        extra=server.parse_extra_flags(args.extra),
    )


def _print_status(out: Output, st: server.ServerStatus, api_key: str | None = None) -> None:
    data = st.to_dict()
    if api_key and st.lan_url:
        data["api_key"] = api_key  # asked for explicitly by starting in LAN mode: the user must give it out

    def human() -> None:
        print(
            f"state     {st.state}"
            + (" (started by hand)" if st.state != "stopped" and not st.managed else "")
        )
        if st.state == "stopped":
            return
        print(f"model     {st.model}")
        print(f"port      {st.port} on the board ({st.host or '?'})")
        if st.backend:
            print(f"backend   {st.backend}")
        if st.info is not None:
            vision = "yes" if st.info.has_vision else "no"
            print(f"context   {st.info.n_ctx} tokens, {st.info.total_slots} slot(s), vision {vision}")
            if st.info.build_info:
                print(f"build     {st.info.build_info}")
        if st.local_url:
            print(f"local URL {st.local_url}")
        if st.lan_url:
            print(f"LAN URL   {st.lan_url}")
            if api_key:
                print(f"API key   {api_key}")
        if st.restarts:
            print(f"restarts  {st.restarts}")
        if st.message:
            print(f"note      {st.message}")

    out.result(data, human)


def run_start(args: argparse.Namespace, out: Output) -> int:
    spec = _spec(args)
    with connect(args, out) as board:
        handle = server.start(board, spec, report=out.event, check_model=not args.no_model_check)
        return _after_start(board, handle, args, out)


def run_restart(args: argparse.Namespace, out: Output) -> int:
    with connect(args, out) as board:
        spec = _spec(args) if args.model else None
        handle = server.restart(board, spec, report=out.event)
        return _after_start(board, handle, args, out)


def _after_start(board: Any, handle: server.ServerHandle, args: argparse.Namespace, out: Output) -> int:
    if getattr(args, "tunnel", False):
        handle.open_tunnel()
    st = server.status(board, handle)
    _print_status(out, st, handle.api_key if handle.is_lan else None)
    if getattr(args, "tunnel", False):
        if not out.as_json:
            print(f"Tunnel open at {st.local_url}; Ctrl+C closes it (the server keeps running).")
        cancel = CancelToken()
        try:
            server.watch(board, handle, report=out.event, cancel=cancel)
        except KeyboardInterrupt:
            cancel.cancel()
        handle.close_tunnel()
        if handle.job is not None and handle.job.finished:
            out.event(Event(FINISHED, message="The server stopped.", data={"status": handle.job.status}))
            return 0 if handle.job.last_failure() is None else 1
        out.event(Event(FINISHED, message="Tunnel closed; the server keeps running on the board."))
    return 0


def run_stop(args: argparse.Namespace, out: Output) -> int:
    with connect(args, out) as board:
        stopped = server.stop(board, report=out.event)
    out.result(
        {"stopped": stopped}, lambda: print("Server stopped." if stopped else "No server was running.")
    )
    return 0


def run_status(args: argparse.Namespace, out: Output) -> int:
    with connect(args, out) as board:
        handle = server.find(board)
        if handle is not None and handle.needs_api_key and handle.api_key is None:
            handle.api_key = server.lan_api_key(board, create=False)
        st = server.status(board, handle)
        _print_status(out, st)
    return 0 if st.state in ("running", "loading", "stopped") else 1


def run_boot(args: argparse.Namespace, out: Output) -> int:
    if not args.off and not args.model:
        raise UsageError("Name the model to start at boot (--model), or turn starting at boot off (--off).")
    with connect(args, out) as board:
        if args.off:
            server.disable_boot(board)
            out.result({"at_boot": False}, lambda: print("The server will not start at boot."))
            return 0
        spec = _spec(args)
        unit = server.enable_boot(board, spec, api_key=server.lan_api_key(board) if spec.lan else None)
    out.result(
        {"at_boot": True, "unit": unit, "model": spec.model},
        lambda: print(f"{spec.model} will start when the board boots (systemd user unit {unit})."),
    )
    return 0


def run_logs(args: argparse.Namespace, out: Output) -> int:
    with connect(args, out) as board:
        lines = server.log_tail(board, max(1, args.lines))
    out.result({"lines": lines}, lambda: print("\n".join(lines)))
    return 0
