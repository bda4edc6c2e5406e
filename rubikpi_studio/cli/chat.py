"""`rubikpi-studio chat HOST "prompt"`: ask the board's model and stream the answer to stdout.

Over SSH it adopts the server that runs on the board (`core.server.find`) and reaches it through a port
forward; `--url URL` talks to a server directly (e.g. one shared on the LAN; `--api-key-stdin` for its key).
The answer goes to stdout as it arrives; the numbers (tokens, speed, time to first token) go to stderr, so
`chat ... > answer.txt` keeps only the answer. `--json` prints one JSON object per delta and a final result.
Images (`--image FILE`, repeatable) are refused before sending when the served model does not take images,
and scaled down on this computer when Qt is available (else sent as they are): over SSH to the projector's
own image size (read from its GGUF header on the board), with --url to 512 px.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from ..core import server as core_server
from ..core.chat import (
    ChatDelta,
    ChatError,
    ChatMessage,
    ChatParams,
    ChatResult,
    ServerEndpoint,
    ServerUnreachable,
    check_vision,
    probe_server,
    stream_chat,
)
from ..core.errors import UsageError
from ..core.events import CancelToken
from ..core.imaging import ImageEncoder, PassthroughEncoder
from .common import Output, add_connection_args, connect

EXIT_UNREACHABLE = 3


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "chat",
        help="ask the model served on the board; the answer streams to stdout",
        usage='%(prog)s [HOST | --url URL] [options] "PROMPT"',
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_connection_args(parser)  # adds HOST (the first positional)
    parser.add_argument("prompt", nargs="?", help='what to ask ("-" reads it from stdin)')
    parser.add_argument("--url", help="chat with the server at this URL directly (no SSH); omit HOST")
    parser.add_argument(
        "--api-key-stdin", action="store_true", help="read the server's API key from the first line of stdin"
    )
    parser.add_argument(
        "--image", action="append", type=Path, default=[], help="attach an image (repeatable)"
    )
    parser.add_argument("--system", default="", help="system prompt")
    parser.add_argument("--temperature", type=float, help="sampling temperature (server default if omitted)")
    parser.add_argument("--top-p", type=float, help="nucleus sampling top-p")
    parser.add_argument("--max-tokens", type=int, help="at most this many generated tokens")
    parser.add_argument("--seed", type=int, help="sampling seed (same seed, same answer)")
    parser.set_defaults(func=run)

    # `chat HOST --max-tokens 8 "prompt"`: plain argparse gives the optional PROMPT nothing when HOST is
    # matched and then rejects the prompt after the options (bpo-14191); intermixed parsing reads both. It
    # calls parse_known_args itself, so the plain one is put back for the duration.
    plain = parser.parse_known_args

    def intermixed(
        args: Any = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parser.parse_known_args = plain  # type: ignore[method-assign]
        try:
            return parser.parse_known_intermixed_args(args, namespace)
        finally:
            parser.parse_known_args = intermixed  # type: ignore[method-assign,assignment]

    parser.parse_known_args = intermixed  # type: ignore[method-assign,assignment]


def _encoder(image_size: int | None = None) -> ImageEncoder:
    """Scales images down to `image_size` (the projector's, when known) or the default 512 px."""
    try:
        from ..ui.qt_imaging import DEFAULT_MAX_SIDE, QtImageEncoder  # PySide6 is optional for the CLI
    except ImportError:
        return PassthroughEncoder()
    return QtImageEncoder(image_size or DEFAULT_MAX_SIDE)


@contextmanager
def _cancel_on_interrupt(token: CancelToken) -> Iterator[None]:
    """Ctrl-C cancels the request (the connection is shut down) instead of killing the process mid-write."""

    def handler(_sig: int, _frame: FrameType | None) -> None:
        token.cancel()

    try:
        old = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread (tests call main() from a thread)
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def _human_stats(result: ChatResult) -> str:
    parts = []
    t = result.timings
    if result.usage is not None:
        parts.append(f"{result.usage.prompt_tokens} prompt tokens")
    if t is not None:
        parts.append(f"{t.predicted_n} generated")
        parts.append(f"{t.predicted_per_second:.1f} tokens/s")
    if result.ttft_s is not None:
        parts.append(f"first token after {result.ttft_s * 1000:.0f} ms")
    if result.finish_reason == "length":
        parts.append("stopped at --max-tokens")
    return ", ".join(parts)


def run(args: argparse.Namespace, out: Output) -> int:
    # With --url there is no HOST: the one positional given is the prompt.
    if args.url and args.prompt is None:
        args.prompt, args.host = args.host, None
    if args.url and args.host:
        raise UsageError("Give either HOST or --url, not both.")
    if args.api_key_stdin and args.password_stdin:
        raise UsageError("Only one of --api-key-stdin and --password-stdin can read stdin.")
    prompt = args.prompt
    if prompt == "-":
        prompt = sys.stdin.read()
    if not prompt or not prompt.strip():
        raise UsageError('Say what to ask: rubikpi-studio chat HOST "your question".')
    images: list[bytes] = []
    for path in args.image:
        try:
            images.append(path.read_bytes())
        except OSError as exc:
            raise UsageError(f"Cannot read the image {path}: {exc.strerror or exc}") from exc
    api_key = sys.stdin.readline().rstrip("\r\n") if args.api_key_stdin else None
    params = ChatParams(
        temperature=args.temperature,
        top_p=args.top_p,
        max_tokens=args.max_tokens,
        seed=args.seed,
        system_prompt=args.system,
    )
    messages = [ChatMessage("user", prompt.strip(), tuple(images))]

    if args.url:
        with ServerEndpoint(args.url, api_key) as endpoint:
            return _chat(endpoint, messages, params, out, _encoder())
    with connect(args, out) as board:
        handle = core_server.find(board, api_key=api_key)
        if handle is None:
            raise core_server.ServerProblem(
                "No model server is running on the board.",
                hint=f"Start one: rubikpi-studio serve start {args.host} MODEL",
            )
        try:
            image_size = handle.vision_image_size() if images else None
            with handle.endpoint() as endpoint:
                return _chat(endpoint, messages, params, out, _encoder(image_size))
        finally:
            handle.close_tunnel()


def _chat(
    endpoint: ServerEndpoint,
    messages: list[ChatMessage],
    params: ChatParams,
    out: Output,
    encoder: ImageEncoder,
) -> int:
    try:
        info = probe_server(endpoint)
        check_vision(info, messages)  # before sending: the server would answer HTTP 500
    except ServerUnreachable as exc:
        _report_error(exc, out)
        return EXIT_UNREACHABLE

    def on_delta(delta: ChatDelta) -> None:
        if out.as_json:
            line = {"delta": delta.text, "reasoning": delta.is_reasoning, "n": delta.n_tokens}
            print(json.dumps(line, ensure_ascii=False), flush=True)
        elif not delta.is_reasoning:
            sys.stdout.write(delta.text)
            sys.stdout.flush()

    token = CancelToken()
    try:
        with _cancel_on_interrupt(token):
            result = stream_chat(endpoint, messages, params, on_delta=on_delta, cancel=token, encoder=encoder)
    except ServerUnreachable as exc:
        _report_error(exc, out)
        return EXIT_UNREACHABLE
    except ChatError as exc:
        if not out.as_json:
            print(file=sys.stdout, flush=True)
        raise exc
    if out.as_json:
        data: dict[str, Any] = {
            "content": result.content,
            "model": result.model or info.model,
            "finish_reason": result.finish_reason,
            "stopped": result.stopped,
            "ttft_s": result.ttft_s,
            "usage": result.usage.to_dict() if result.usage else None,
            "timings": result.timings.to_dict() if result.timings else None,
        }
        if any(m.images for m in messages):
            # The bound the images were scaled down to (the projector's image size when it was read).
            data["image_max_side"] = getattr(encoder, "max_side", None)
        print(json.dumps({"result": data}, ensure_ascii=False, sort_keys=True), flush=True)
    else:
        if not result.content.endswith("\n"):
            print(flush=True)
        print(_human_stats(result), file=sys.stderr, flush=True)
    if result.stopped:
        print("cancelled", file=sys.stderr)
        return 130
    return 0


def _report_error(exc: ChatError, out: Output) -> None:
    if out.as_json:
        error: dict[str, Any] = {"code": exc.code, "message": exc.message, "hint": exc.hint}
        if exc.data.get("cause"):
            error["cause"] = exc.data["cause"]  # what failed underneath, for a bug report
        print(json.dumps({"error": error}), flush=True)
    else:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
