"""`rubikpi-studio models list|pull|quantize|rm|push|catalogue ...`: models on the board.

    rubikpi-studio models catalogue
    rubikpi-studio models list HOST
    rubikpi-studio models pull HOST qwen2-1.5b-instruct --quantize        (a catalogue id)
    rubikpi-studio models pull HOST Qwen/Qwen2-1.5B-Instruct-GGUF/qwen2-1_5b-instruct-fp16.gguf
    rubikpi-studio models quantize HOST qwen2-1_5b-instruct-fp16.gguf [--type Q4_0] [--delete-source]
    rubikpi-studio models rm HOST NAME... --yes
    rubikpi-studio models push HOST ./model.gguf

The Hugging Face endpoint is `--endpoint`, else $HF_ENDPOINT, else huggingface.co. A token for gated repos
comes from $HF_TOKEN or the keyring (stored by the GUI); it reaches the board only in the job's environment.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ..core import jobs, secrets
from ..core import models as core
from ..core import server as core_server
from ..core.catalogue import (
    DEFAULT_ENDPOINT,
    CatalogueModel,
    find_model,
    load_catalogue,
    normalise_endpoint,
    parse_model_ref,
)
from ..core.errors import Cancelled, UsageError
from ..core.events import CancelToken, Event
from .common import Output, add_connection_args, connect

T = TypeVar("T")


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "models", help="models on the board: list, download, quantize, delete, upload"
    )
    cmds = parser.add_subparsers(dest="models_command", metavar="ACTION")

    p = cmds.add_parser("catalogue", help="models known to fit a RUBIK Pi 3 (no board needed)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run_catalogue)

    p = cmds.add_parser("list", help="the GGUF files in the board's models folder")
    add_connection_args(p)
    p.set_defaults(func=run_list)

    p = cmds.add_parser("pull", help="download a model onto the board (the board fetches it)")
    add_connection_args(p)
    p.add_argument("model", help="a catalogue id, owner/repo/file.gguf, or a Hugging Face file link")
    p.add_argument(
        "--endpoint", help="Hugging Face endpoint or mirror (default $HF_ENDPOINT or huggingface.co)"
    )
    p.add_argument("--sha256", help="the expected sha256 (else the one the Hub publishes)")
    p.add_argument("--no-projector", action="store_true", help="for a vision model: skip its projector")
    p.add_argument(
        "--quantize", action="store_true", help="then quantize as the catalogue recommends (pure Q4_0)"
    )
    p.add_argument("--delete-source", action="store_true", help="with --quantize: delete the f16 download")
    p.add_argument("--stall-seconds", type=int, help="retry when no bytes arrive for this long (default 30)")
    p.set_defaults(func=run_pull)

    p = cmds.add_parser("quantize", help="quantize a model on the board with llama-quantize")
    add_connection_args(p)
    p.add_argument("file", help="a file name from `models list`")
    p.add_argument("--type", default="Q4_0", choices=core.QUANT_TYPES, help="target type (default Q4_0)")
    p.add_argument("--no-pure", action="store_true", help="allow k-quant mixtures (slower on the GPU)")
    p.add_argument(
        "--allow-requantize", action="store_true", help="quantize an already quantized file (loses quality)"
    )
    p.add_argument("--overwrite", action="store_true", help="replace an output file already on the board")
    p.add_argument("--output", help="output file name (default: derived from the input)")
    p.add_argument("--delete-source", action="store_true", help="delete the input when done")
    p.set_defaults(func=run_quantize)

    p = cmds.add_parser("rm", help="delete models from the board")
    add_connection_args(p)
    p.add_argument("files", nargs="+", help="file names from `models list`")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=run_rm)

    p = cmds.add_parser("push", help="upload a GGUF file from this computer to the board")
    add_connection_args(p)
    p.add_argument("local", type=Path, help="the .gguf file to upload")
    p.add_argument("--name", help="file name on the board (default: the local name)")
    p.add_argument("--overwrite", action="store_true", help="replace a file of the same name")
    p.set_defaults(func=run_push)

    parser.set_defaults(func=_usage(parser))


def _usage(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace, Output], int]:
    def run(_args: argparse.Namespace, _out: Output) -> int:
        parser.print_help()
        return 2

    return run


def _cancellable(out: Output, fn: Callable[[CancelToken], T]) -> T:
    """Run `fn` in a worker thread so Ctrl-C cancels it cleanly (the job on the board is stopped too)."""
    cancel = CancelToken()
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = fn(cancel)
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=work, name="models-cli", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.2)
    except KeyboardInterrupt:
        cancel.cancel()
        thread.join(30)
        raise Cancelled("Cancelled; the job on the board was stopped.") from None
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def _endpoint(args: argparse.Namespace) -> str:
    return normalise_endpoint(args.endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT)


def _token(endpoint: str) -> str | None:
    if os.environ.get("HF_TOKEN"):
        return os.environ["HF_TOKEN"]
    usable, _ = secrets.status()
    if usable:
        with contextlib.suppress(secrets.KeyringUnavailable):
            return secrets.get("hf_token", endpoint)
    return None


def _print_table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def run_catalogue(args: argparse.Namespace, out: Output) -> int:
    models = load_catalogue()

    def human() -> None:
        rows = [
            [
                m.id,
                m.kind,
                m.parameters,
                core.format_bytes(m.download_size),
                f"{m.ram_mb} MB",
                m.quantization + (" (pure)" if m.pure else ""),
            ]
            for m in models
        ]
        _print_table(rows, ["ID", "KIND", "PARAMS", "DOWNLOAD", "RAM", "RUNS AS"])

    out.result(
        {
            "catalogue": [
                {
                    "id": m.id,
                    "name": m.name,
                    "repo": m.repo,
                    "file": m.model.file,
                    "projector": m.projector.file if m.projector else None,
                    "kind": m.kind,
                    "parameters": m.parameters,
                    "download_size": m.download_size,
                    "disk_needed": m.disk_needed,
                    "ram_mb": m.ram_mb,
                    "quantization": m.quantization,
                    "licence": m.licence,
                }
                for m in models
            ]
        },
        human,
    )
    return 0


def run_list(args: argparse.Namespace, out: Output) -> int:
    with connect(args, out) as board:
        listed = core.list_models(board, served=core_server.served_paths(board))
        folder = core.models_dir(board)

    def human() -> None:
        if not listed:
            print(f"No models in {folder} yet. Download one with `rubikpi-studio models pull`.")
            return
        rows = []
        for m in listed:
            if m.partial:
                rows.append([m.name, core.format_bytes(m.size), "", "", "", "", "unfinished transfer"])
                continue
            notes = []
            if m.is_projector:
                notes.append("vision projector" + (f" for {', '.join(m.pairs)}" if m.pairs else ""))
            elif m.pairs:
                notes.append(f"projector: {', '.join(m.pairs)}")
            if m.served:
                notes.append("being served")
            if m.warning:
                notes.append("warning: " + m.warning)
            rows.append(
                [
                    m.name,
                    core.format_bytes(m.size),
                    m.architecture,
                    core.format_params(m.parameters),
                    m.quantization,
                    str(m.context_length or ""),
                    "; ".join(notes),
                ]
            )
        _print_table(rows, ["NAME", "SIZE", "ARCH", "PARAMS", "QUANT", "CONTEXT", "NOTES"])

    out.result({"folder": folder, "models": [m.to_dict() for m in listed]}, human)
    return 0


def _resolve(
    args: argparse.Namespace, endpoint: str
) -> tuple[list[core.DownloadRequest], CatalogueModel | None]:
    text = args.model.strip()
    catalogue = load_catalogue()
    if "/" not in text and ":" not in text:
        model = find_model(catalogue, text)
        requests = core.catalogue_requests(model, endpoint)
        if args.no_projector:
            requests = requests[:1]
        return requests, model
    ref = parse_model_ref(text, endpoint)
    return [core.DownloadRequest.from_ref(ref, sha256=args.sha256)], None


def run_pull(args: argparse.Namespace, out: Output) -> int:
    endpoint = _endpoint(args)
    requests, model = _resolve(args, endpoint)
    if args.sha256 and model is not None:
        raise UsageError("--sha256 is for a single file; catalogue models carry their own.")
    token = _token(endpoint)
    results: list[core.BoardModel] = []
    # A dropped connection does not end the command: it reconnects and follows the same job on, and the
    # next step (the next file, the quantize) runs on a live one (`after_drop` closes those it opens).
    with connect(args, out) as first, jobs.OwnedReconnects(jobs.reconnector(first)) as after_drop:
        reconnect = jobs.reconnector(first)
        for request in requests:

            def one(cancel: CancelToken, request: core.DownloadRequest = request) -> core.BoardModel:
                return core.pull(
                    after_drop.live(first),
                    request,
                    token=token,
                    report=out.event,
                    cancel=cancel,
                    stall_seconds=args.stall_seconds,
                    reconnect=reconnect,
                )

            results.append(_cancellable(out, one))
        if args.quantize:
            pulled = results[0]
            if model is not None and not model.needs_quantize:
                out.event(
                    Event("skip", step="quantize", message=f"{pulled.name} is already {model.quantization}")
                )
            else:
                qtype = model.quantization if model else "Q4_0"
                pure = model.pure if model else True

                def q(cancel: CancelToken) -> core.BoardModel:
                    board = after_drop.live(first)
                    return core.quantize(
                        board,
                        pulled.path,
                        qtype=qtype,
                        pure=pure,
                        delete_source=args.delete_source,
                        served=core_server.served_paths(board),
                        report=out.event,
                        cancel=cancel,
                        reconnect=reconnect,
                    )

                try:
                    results.append(_cancellable(out, q))
                except core.ModelExists as exc:  # pulled again: the quantized file is there from last time
                    out.event(Event("skip", step="quantize", message=exc.message))

    def human() -> None:
        for r in results:
            print(f"{r.name}: {core.format_bytes(r.size)}, {r.quantization}, in {r.path}")

    out.result({"models": [r.to_dict() for r in results]}, human)
    return 0


def run_quantize(args: argparse.Namespace, out: Output) -> int:
    with connect(args, out) as board:

        def q(cancel: CancelToken) -> core.BoardModel:
            return core.quantize(
                board,
                args.file,
                qtype=args.type,
                pure=not args.no_pure,
                allow_requantize=args.allow_requantize,
                output=args.output,
                overwrite=args.overwrite,
                delete_source=args.delete_source,
                served=core_server.served_paths(board),
                report=out.event,
                cancel=cancel,
                reconnect=jobs.reconnector(board),
            )

        result = _cancellable(out, q)

    def human() -> None:
        print(f"{result.name}: {core.format_bytes(result.size)}, {result.quantization}, in {result.path}")

    out.result({"model": result.to_dict()}, human)
    return 0


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def run_rm(args: argparse.Namespace, out: Output) -> int:
    if not args.yes and not _confirm(f"Delete {', '.join(args.files)} from the board?"):
        raise UsageError("Nothing deleted.", hint="Add --yes to delete without asking.")
    with connect(args, out) as board:
        served = core_server.served_paths(board)
        for name in args.files:
            core.delete(board, name, served=served)
            out.event(Event("done", step="delete", message=name))
    out.result({"deleted": list(args.files)}, lambda: None)
    return 0


def run_push(args: argparse.Namespace, out: Output) -> int:
    with connect(args, out) as board:

        def up(cancel: CancelToken) -> core.BoardModel:
            return core.push(
                board,
                args.local,
                name=args.name,
                overwrite=args.overwrite,
                served=core_server.served_paths(board) if args.overwrite else (),
                report=out.event,
                cancel=cancel,
            )

        result = _cancellable(out, up)

    def human() -> None:
        print(f"{result.name}: {core.format_bytes(result.size)}, {result.quantization}, in {result.path}")

    out.result({"model": result.to_dict()}, human)
    return 0
