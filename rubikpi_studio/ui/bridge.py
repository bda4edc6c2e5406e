"""From worker threads to the UI thread: events, blocking calls and the busy/error pattern.

- `EventBridge` is a `Reporter` (callable with an `Event`) that any thread may call. Events reach the UI
  thread through a queued signal, `events_ready(list[Event])`, in order. PROGRESS events of the same step
  are coalesced and LOG lines batched, so the UI sees at most ~20 deliveries a second however fast a build
  prints; every other kind (step, done, skip, warn, failed, info, finished, unknown ones) is kept and
  delivered at once, with everything queued before it.
- `run_in_thread(fn, *args)` runs blocking core code in a worker thread and is awaited on the qasync loop.
- `@widget_slot(...)`: a widget's coroutine as a Qt slot, scheduled on the loop when the signal fires.

asyncio (~50 ms of imports) and qasync load when the first slot fires or the loop starts, not when a page's
module is imported: the main window is painted before the event loop exists (issue 8).
- `busy(*widgets)` and `@guarded(...)`: disable the controls → try → re-enable in finally; typed errors are
  shown translated, `Cancelled` is quiet, anything else goes to `sys.excepthook` (logged and shown).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QWidget
from shiboken6 import isValid

from rubikpi_studio.core.errors import Cancelled, StudioError, link_errors_typed
from rubikpi_studio.core.events import LOG, PROGRESS, Event

from .i18n import describe_error

if TYPE_CHECKING:
    import asyncio
    import inspect

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")
W = TypeVar("W", bound=QWidget)

# Kinds that may be delayed and merged. Everything else is urgent and never dropped.
_LAZY_KINDS = frozenset({PROGRESS, LOG})


class EventBridge(QObject):
    """A thread-safe `Reporter` whose events arrive on the UI thread as `events_ready` batches."""

    events_ready = Signal(list)
    _wake = Signal()

    def __init__(self, parent: QObject | None = None, *, rate_hz: float = 20.0) -> None:
        super().__init__(parent)
        self.interval = 1.0 / rate_hz
        self._lock = threading.Lock()
        self._queue: list[Event] = []
        self._urgent = False
        self._wake_posted = False
        self._last_flush = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)
        self._wake.connect(self._on_wake, Qt.ConnectionType.QueuedConnection)

    def __call__(self, event: Event) -> None:
        """Report an event. Safe from any thread; never blocks on the UI."""
        urgent = event.kind not in _LAZY_KINDS
        with self._lock:
            last = self._queue[-1] if self._queue else None
            if (
                event.kind == PROGRESS
                and last is not None
                and last.kind == PROGRESS
                and last.step == event.step
            ):
                self._queue[-1] = event  # only the newest fraction of a run of progress matters
            else:
                self._queue.append(event)
            post = urgent or not self._wake_posted
            self._wake_posted = True
            self._urgent = self._urgent or urgent
        if post:
            self._wake.emit()

    def _on_wake(self) -> None:
        with self._lock:
            urgent = self._urgent
        wait = self._last_flush + self.interval - time.monotonic()
        if urgent or wait <= 0:
            self.flush()
        elif not self._timer.isActive():
            self._timer.start(max(1, int(wait * 1000)))

    def flush(self) -> None:
        """Deliver everything queued now (UI thread). Call it after awaiting the operation that reported."""
        with self._lock:
            batch, self._queue = self._queue, []
            self._urgent = False
            self._wake_posted = False
        self._timer.stop()
        self._last_flush = time.monotonic()
        if batch:
            self.events_ready.emit(batch)


async def run_in_thread(fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """Run blocking `fn` in a worker thread; the result (or exception) comes back on the event loop.

    Cancelling the awaiting task does not stop the thread: pass the operation a `CancelToken` as well.
    A link that drops inside `fn` arrives as `Unreachable`, a `StudioError` every page already handles.
    """

    import asyncio

    def call() -> R:
        with link_errors_typed():
            return fn(*args, **kwargs)

    return await asyncio.to_thread(call)


@contextlib.contextmanager
def busy(*widgets: QWidget) -> Iterator[None]:
    """Disable `widgets` for the duration; re-enable only those that were enabled before."""
    were_enabled = [w for w in widgets if w.isEnabled()]
    for w in were_enabled:
        w.setEnabled(False)
    try:
        yield
    finally:
        for w in were_enabled:
            w.setEnabled(True)


def show_error(parent: QWidget | None, exc: StudioError) -> None:
    """Show a typed error translated by its code, with the English detail folded away."""
    from PySide6.QtWidgets import QMessageBox  # its Qt class is made when first used, not at start-up

    text, detail = describe_error(exc)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("RUBIK Pi Studio")  # a proper noun
    box.setText(text)
    hint = getattr(exc, "hint", "")
    if hint:
        box.setInformativeText(hint)
    if detail:
        box.setDetailedText(detail)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.open()  # window-modal and non-blocking: never spin a nested event loop inside a coroutine


class _BeforeLoop:
    """Slot calls made while the main window is built, before the event loop exists (see `app.run`).

    They are kept, in order, and scheduled once the loop runs: none is lost to a loop that never runs.
    """

    calls: list[Callable[[], object]] | None = None

    @classmethod
    def hold(cls) -> None:
        cls.calls = []

    @classmethod
    def release(cls) -> int:
        """Schedule the held calls (on the now running loop); how many there were."""
        calls, cls.calls = cls.calls or [], None
        for call in calls:
            call()
        return len(calls)

    @classmethod
    def held(cls) -> int:
        return len(cls.calls or ())

    @classmethod
    def discard(cls) -> None:
        cls.calls = None


hold_slots_until_loop = _BeforeLoop.hold
release_held_slots = _BeforeLoop.release
held_slot_count = _BeforeLoop.held
discard_held_slots = _BeforeLoop.discard


def _report_task_error(task: asyncio.Task[Any]) -> None:
    """A slot's task ended: hand an exception to `sys.excepthook` (logged and shown), as qasync does."""
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        sys.excepthook(type(exc), exc, exc.__traceback__)


def widget_slot(
    *types: type,
) -> Callable[
    [Callable[Concatenate[W, P], Coroutine[Any, Any, R]]],
    Callable[Concatenate[W, P], asyncio.Task[R | None] | None],
]:
    """A widget's coroutine as a Qt slot (what qasync's `asyncSlot` does), for a coroutine that may outlive
    its widget.

    Called (by a signal or directly), the slot schedules the coroutine on the running loop and returns its
    task; an exception the coroutine raises goes to `sys.excepthook`. Like Qt, it drops trailing signal
    arguments the coroutine does not take (`clicked(bool)` into `async def f(self)`).
    A page's slot awaits board calls that take seconds; the window can close meanwhile. Whatever the
    coroutine raises once its widget is deleted ("Signal source has been deleted", a dropped link it would
    have reported) concerns no one: it is logged, not handed to `sys.excepthook` as a crash.
    """

    def decorate(
        fn: Callable[Concatenate[W, P], Coroutine[Any, Any, R]],
    ) -> Callable[Concatenate[W, P], asyncio.Task[R | None] | None]:
        async def run(self: W, /, *args: Any, **kwargs: Any) -> R | None:
            try:
                return await fn(self, *args, **kwargs)
            except Exception:
                if isValid(self):
                    raise
                log.debug("%s ended after its widget was deleted", fn.__qualname__, exc_info=True)
                return None

        signature: list[inspect.Signature] = []  # fn's, computed when the slot first fires

        @Slot(*types)
        @functools.wraps(fn)
        def slot(self: W, /, *args: Any, **kwargs: Any) -> asyncio.Task[R | None] | None:
            if _BeforeLoop.calls is not None:
                log.debug("%s called before the event loop started: held", fn.__qualname__)
                _BeforeLoop.calls.append(functools.partial(slot, self, *args, **kwargs))
                return None
            import asyncio
            import inspect

            if not signature:
                signature.append(inspect.signature(fn))
            while True:
                try:
                    signature[0].bind(self, *args, **kwargs)
                    break
                except TypeError:
                    if not args:
                        raise TypeError(
                            f"{fn.__qualname__} cannot take the arguments of its signal"
                        ) from None
                    args = args[:-1]
            task = asyncio.ensure_future(run(self, *args, **kwargs))
            task.add_done_callback(_report_task_error)
            return task

        return slot

    return decorate


def guarded(
    *attrs: str,
) -> Callable[
    [Callable[Concatenate[W, P], Coroutine[Any, Any, R]]],
    Callable[Concatenate[W, P], Coroutine[Any, Any, R | None]],
]:
    """Decorate an async widget method: disable `self.<attr>` widgets, run, re-enable; show typed errors.

        @widget_slot()
        @guarded("connect_button", "host_edit")
        async def _on_connect_button_clicked(self) -> None:
            facts = await run_in_thread(core.probe, board, report=self.bridge, cancel=self.token)

    `Cancelled` is logged and not shown. Other exceptions propagate (qasync hands them to `sys.excepthook`).
    """

    def decorate(
        fn: Callable[Concatenate[W, P], Coroutine[Any, Any, R]],
    ) -> Callable[Concatenate[W, P], Coroutine[Any, Any, R | None]]:
        @functools.wraps(fn)
        async def wrapper(self: W, /, *args: P.args, **kwargs: P.kwargs) -> R | None:
            widgets = [getattr(self, a) for a in attrs]
            with busy(*widgets):
                try:
                    return await fn(self, *args, **kwargs)
                except Cancelled:
                    log.info("%s cancelled", fn.__qualname__)
                except StudioError as exc:
                    log.warning("%s failed: %s (%s)", fn.__qualname__, exc.message, exc.code)
                    show_error(self, exc)
            return None

        return wrapper

    return decorate


__all__ = [
    "EventBridge",
    "busy",
    "discard_held_slots",
    "guarded",
    "held_slot_count",
    "hold_slots_until_loop",
    "release_held_slots",
    "run_in_thread",
    "show_error",
    "widget_slot",
]
