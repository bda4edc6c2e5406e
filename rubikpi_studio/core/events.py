"""Progress events, the reporter callback type and the cancel token.

One `Event` type serves the GUI, the CLI (`--json` prints one per line) and the tests. Remote scripts emit
the same events as `@rps1 ...` lines (see `protocol.py`); core operations emit them directly.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import Cancelled

# Event kinds. Unknown kinds coming from a newer remote script are passed through and ignored by renderers.
STEP_START = "step"  # a step begins: step=<id>, message=<title>
STEP_DONE = "done"  # a step finished: step=<id>
STEP_SKIP = "skip"  # a step found its work already done: step=<id>, message=<why>
PROGRESS = "progress"  # fraction of a step: step=<id>, fraction=0..1, message
LOG = "log"  # an ordinary log line
WARN = "warn"  # something the user should read, work goes on
FAILED = "failed"  # the step or operation failed: code=<E_...>, message
INFO = "info"  # a fact (key=value data), e.g. the built version
FINISHED = "finished"  # the whole operation ended (exit status in data["status"])


@dataclass(frozen=True)
class Event:
    kind: str
    step: str = ""
    message: str = ""
    fraction: float | None = None
    code: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        out = {k: v for k, v in asdict(self).items() if v not in (None, "", {})}
        return json.dumps(out, ensure_ascii=False, sort_keys=True)

    @property
    def is_terminal(self) -> bool:
        return self.kind in (FINISHED, FAILED)


Reporter = Callable[[Event], None]


def ignore(_event: Event) -> None:
    """A reporter that drops every event."""


class CancelToken:
    """Cooperative cancellation shared between the UI/CLI and worker threads.

    Cancelling the awaiting asyncio task does not stop a worker thread, so operations take a token, check it
    between steps and register callbacks that close their channel or socket at once.
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    @property
    def is_cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        with self._lock:
            if self._event.is_set():
                return
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for cb in callbacks:
            with contextlib.suppress(Exception):  # a failing close must not stop the other callbacks
                cb()

    def on_cancel(self, cb: Callable[[], None]) -> Callable[[], None]:
        """Run `cb` when cancelled (at once if already cancelled). Returns a function that unregisters it."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(cb)

                def remove() -> None:
                    with self._lock:
                        if cb in self._callbacks:
                            self._callbacks.remove(cb)

                return remove
        cb()
        return lambda: None

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()

    def wait(self, timeout: float) -> bool:
        """Sleep up to `timeout` seconds; True if cancelled meanwhile."""
        return self._event.wait(timeout)
