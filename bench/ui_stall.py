"""The longest UI event-loop stall while the Chat page renders a synthetic 500 tokens/s answer for ~10 s.

    .venv/bin/python bench/ui_stall.py [--rate 500] [--seconds 10]

The real page (store, 30 Hz batching, segmented Markdown view) streams an answer whose deltas come from a
worker thread at `--rate` tokens per second: Markdown prose, lists, a table and fenced code, as a model
writes them. A 5 ms QTimer heartbeat on the UI thread records the longest gap between beats; the baseline is
the same heartbeat with the page idle for 2 s. Target: the longest stall <= 50 ms. Runs off screen unless
DISPLAY is set and RPS_TEST_DISPLAY=1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import tempfile
import time
from typing import Any

if not (os.environ.get("DISPLAY") and os.environ.get("RPS_TEST_DISPLAY") == "1"):
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("RUBIKPI_STUDIO_HOME", tempfile.mkdtemp(prefix="rps-ui-stall-"))

from _rig import ROOT, stop_qasync_threads  # noqa: F401  (ROOT puts the project on sys.path)
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from rubikpi_studio.core.chat import ChatDelta, ChatResult, ServerInfo
from rubikpi_studio.core.events import CancelToken

SAMPLE = (
    "Here is how to do it:\n\n1. Read the **file**\n2. Parse each `line`\n\n"
    "| a | b |\n|---|---|\n| 1 | 2 |\n\n"
    "```python\ndef f(x):\n    return x * 2\n```\n\nThe result is fast, and the text keeps coming.\n\n"
)
PIECES = re.findall(r"\s*\S+|\s+", SAMPLE)  # word-sized deltas, as a model sends them


class Heartbeat:
    def __init__(self, interval_ms: int = 5) -> None:
        self.gaps: list[float] = []
        self.last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.beat)

    def beat(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self.last) * 1000)
        self.last = now

    def start(self) -> None:
        self.gaps = []
        self.last = time.perf_counter()
        self.timer.start()

    def stop(self) -> list[float]:
        self.timer.stop()
        return self.gaps


def synthetic_stream(rate: float, seconds: float) -> Any:
    def stream(
        endpoint: Any, messages: Any, params: Any, *, on_delta: Any, cancel: CancelToken, **_: Any
    ) -> ChatResult:
        t0 = time.perf_counter()
        n = 0
        parts: list[str] = []
        while not cancel.is_cancelled:
            due = t0 + n / rate
            now = time.perf_counter()
            if now - t0 >= seconds:
                break
            if due > now:
                time.sleep(due - now)
            text = PIECES[n % len(PIECES)]
            parts.append(text)
            n += 1
            on_delta(
                ChatDelta(
                    text, False, n, time.perf_counter() - t0, 0.01, n / max(1e-6, time.perf_counter() - t0)
                )
            )
        return ChatResult(content="".join(parts), finish_reason="length", n_tokens=n, ttft_s=0.01)

    return stream


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=float, default=500.0)
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()

    import qasync

    from rubikpi_studio.core.chat import ServerEndpoint
    from rubikpi_studio.ui import app as app_module
    from rubikpi_studio.ui import paths
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
    page.endpoint = ServerEndpoint("http://127.0.0.1:9")  # never contacted: the stream is synthetic
    page.server_info = ServerInfo("synthetic", "", 4096, 1, False, "")
    page.stream_fn = synthetic_stream(args.rate, args.seconds)
    beat = Heartbeat()

    async def run() -> tuple[list[float], list[float], int]:
        beat.start()
        await asyncio.sleep(2)
        idle = beat.stop()
        page.input.setPlainText("Show me everything.")
        beat.start()
        await page.send()
        busy = beat.stop()
        assert page.store is not None and page.conversation_id is not None
        return idle, busy, len(page.store.messages(page.conversation_id)[-1].content)

    idle, busy, chars = loop.run_until_complete(run())
    page.close_store()
    stop_qasync_threads(loop)
    print(f"synthetic stream: {args.rate:.0f} tokens/s for {args.seconds:.0f} s, {chars} characters rendered")
    print(f"  idle heartbeat   longest gap {max(idle):6.1f} ms, median {statistics.median(idle):.1f} ms")
    print(
        f"  while streaming  longest gap {max(busy):6.1f} ms, median {statistics.median(busy):.1f} ms, "
        f"p99 {sorted(busy)[int(len(busy) * 0.99)]:.1f} ms"
    )
    print(f"  target <= 50 ms: {'OK' if max(busy) <= 50 else 'OVER'}")


if __name__ == "__main__":
    main()
