"""Time to first token through the app's `stream_chat` vs `curl -N`, against the same real llama-server.

    .venv/bin/python bench/first_token.py [--n 21] [--max-tokens 4] [--ui]

Both send the same request body (the one `stream_chat` builds) to the same llama-server (SmolLM2-135M, CPU),
alternating, and stop the clock at the first `data:` event that carries content. curl is started before its
clock starts: it reads the body from stdin (`--data-binary @-`), so the clock starts when the body is written,
not when the process is spawned. Prints the medians and the difference. Target: the app adds <= 5 ms.
The server's prompt cache makes every repeat cheap, which leaves mostly the client's own overhead to compare.

`--ui` times what the user sees instead: the real Chat page (off screen unless DISPLAY is set and
RPS_TEST_DISPLAY=1) sends the same request with `send()` (saving the question first, as it does for the
user), and the clock stops when the answer's widget is given its first text (the paint follows in the same
event-loop pass). Each send starts a new conversation, so the request body is the same as curl's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable

from _rig import ROOT, stop_qasync_threads  # noqa: F401  (ROOT puts tests/ and the project on sys.path)
from rig import models
from rig.llama_server import LlamaServer, find_llama_server, llama_server_missing_reason

from rubikpi_studio.core.chat import (
    ChatDelta,
    ChatMessage,
    ChatParams,
    ServerEndpoint,
    build_request_messages,
    stream_chat,
)
from rubikpi_studio.core.events import CancelToken

PROMPT = "Say hello."


def body(params: ChatParams) -> bytes:
    # The same fields stream_chat sends.
    data = {
        "messages": build_request_messages([ChatMessage("user", PROMPT)]),
        "stream": True,
        "stream_options": {"include_usage": True},
        "timings_per_token": False,
        **params.request_fields(),
    }
    return json.dumps(data).encode()


def app_ttft(ep: ServerEndpoint, params: ChatParams) -> float:
    first: list[float] = []

    def on_delta(d: ChatDelta) -> None:
        if not first:
            first.append(time.perf_counter())

    t0 = time.perf_counter()
    stream_chat(ep, [ChatMessage("user", PROMPT)], params, on_delta=on_delta, cancel=CancelToken())
    return (first[0] - t0) * 1000


def curl_ttft(url: str, payload: bytes) -> float:
    proc = subprocess.Popen(
        [
            "curl", "-sN", "--no-buffer", "-H", "Content-Type: application/json",
            "-H", "Accept: text/event-stream", "--data-binary", "@-", url + "/v1/chat/completions",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        bufsize=0,
    )  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None
    time.sleep(0.05)  # let curl start and block on stdin
    t0 = time.perf_counter()
    proc.stdin.write(payload)
    proc.stdin.close()
    t1 = None
    for line in iter(proc.stdout.readline, b""):
        if line.startswith(b"data: {") and t1 is None:
            obj = json.loads(line[6:])
            choices = obj.get("choices") or [{}]
            if (choices[0].get("delta") or {}).get("content"):
                t1 = time.perf_counter()
    proc.wait()
    if t1 is None:
        raise RuntimeError("curl saw no content")
    return (t1 - t0) * 1000


def chat_page_ttft(base_url: str, params: ChatParams) -> tuple[Callable[[], float], Callable[[], None]]:
    """(measure, close): `measure()` sends PROMPT on the real Chat page and returns ms until the answer's
    widget gets its first text."""
    if not (os.environ.get("DISPLAY") and os.environ.get("RPS_TEST_DISPLAY") == "1"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ.setdefault("RUBIKPI_STUDIO_HOME", tempfile.mkdtemp(prefix="rps-first-token-"))
    import asyncio

    import qasync
    from PySide6.QtWidgets import QApplication

    from rubikpi_studio.ui import app as app_module
    from rubikpi_studio.ui import paths
    from rubikpi_studio.ui.chat_view import MessageWidget
    from rubikpi_studio.ui.pages.chat import ChatPage

    qapp = QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    studio = app_module.Studio(paths.app_dirs(), lang="en")
    studio.window.resize(1180, 820)
    studio.window.show()
    studio.window.show_page("chat")
    page = studio.window.page("chat")
    assert isinstance(page, ChatPage)
    loop.run_until_complete(page.set_endpoint(ServerEndpoint(base_url)))
    page.temperature_spin.setValue(params.temperature or 0)
    page.max_tokens_spin.setValue(params.max_tokens or 0)
    page.seed_spin.setValue(params.seed if params.seed is not None else -1)

    drawn: list[float] = []
    set_text = MessageWidget.set_text

    def timed_set_text(self: MessageWidget, text: str) -> None:
        set_text(self, text)
        if text and self.message.role == "assistant" and not drawn:
            drawn.append(time.perf_counter())

    MessageWidget.set_text = timed_set_text  # type: ignore[method-assign]

    def measure() -> float:
        drawn.clear()
        page.new_conversation()
        page.input.setPlainText(PROMPT)
        t0 = time.perf_counter()
        loop.run_until_complete(page.send())
        if not drawn:
            raise RuntimeError("the Chat page drew no answer text")
        return (drawn[0] - t0) * 1000

    def close() -> None:
        page.close_store()
        if page.endpoint is not None:
            page.endpoint.close()
        MessageWidget.set_text = set_text  # type: ignore[method-assign]
        stop_qasync_threads(loop)

    return measure, close


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=21)
    ap.add_argument("--max-tokens", type=int, default=4)
    ap.add_argument("--ui", action="store_true", help="time to the first token drawn on the Chat page")
    args = ap.parse_args()
    binary = find_llama_server()
    if binary is None:
        raise SystemExit(llama_server_missing_reason())
    params = ChatParams(temperature=0, max_tokens=args.max_tokens, seed=1)
    payload = body(params)
    with LlamaServer(binary, models.smollm2_path()) as srv, ServerEndpoint(srv.base_url) as ep:
        if args.ui:
            measure, close = chat_page_ttft(srv.base_url, params)
        else:

            def measure() -> float:
                return app_ttft(ep, params)

            def close() -> None:
                pass

        try:
            measure()  # warm: model pages, prompt cache, keep-alive pool
            curl_ttft(srv.base_url, payload)
            app: list[float] = []
            curl: list[float] = []
            for _ in range(args.n):
                app.append(measure())
                curl.append(curl_ttft(srv.base_url, payload))
        finally:
            close()
    a, c = statistics.median(app), statistics.median(curl)
    what = "Chat page, drawn" if args.ui else "stream_chat"
    print(f"llama-server {binary}")
    print(f"time to first token, median of {args.n}:")
    print(f"  app ({what}) {a:8.2f} ms   (min {min(app):.2f}, max {max(app):.2f})")
    print(f"  curl -N           {c:8.2f} ms   (min {min(curl):.2f}, max {max(curl):.2f})")
    print(f"  added by the app  {a - c:+8.2f} ms   (target <= 5 ms): {'OK' if a - c <= 5 else 'OVER'}")


if __name__ == "__main__":
    main()
