"""GUI test helpers: every GUI test gets a qasync event loop (the app's real loop type) as its current loop.

Pages connect `@widget_slot` handlers to state signals; those schedule tasks on the current loop. `qrun(coro)`
runs a test coroutine to the end on that loop, so `@widget_slot` work and Qt events both run. After the test,
leftover tasks get a moment to finish, the rest are cancelled, and qasync's QThread executor is shut down
(a QThread still running at exit aborts the process).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

import pytest
import qasync
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication
from rig.waiting import until  # noqa: F401 - re-exported for older imports

T = TypeVar("T")


@pytest.fixture(autouse=True)
def qloop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    loop = qasync.QEventLoop(qapp, already_running=False)
    asyncio.set_event_loop(loop)
    yield loop
    with contextlib.suppress(Exception):
        loop.run_until_complete(asyncio.sleep(0.05))
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        with contextlib.suppress(BaseException):
            # bounded: a task stuck on a future nobody will complete must not hang the session
            loop.run_until_complete(asyncio.wait(pending, timeout=5))
        for task in pending:
            if task.done() and not task.cancelled():
                task.exception()  # retrieved: no "exception was never retrieved" at garbage collection
    executor = getattr(loop, "_default_executor", None)
    if executor is not None:
        executor.shutdown(wait=True)
    loop.close()
    # The test's windows and pages die here, on the GUI thread. Left to Python's cyclic garbage collector
    # they die wherever it next runs, often a worker thread (paramiko's, the executor's): Qt then warns
    # "Timers cannot be stopped from another thread" inside a later test, which fails it, and a widget
    # destroyed off the GUI thread crashed the next test's event processing (segfault in CI).
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    # A fresh default policy: later tests get asyncio's usual behaviour, not "no current event loop".
    asyncio.set_event_loop_policy(None)


@pytest.fixture
def qrun(qloop: asyncio.AbstractEventLoop) -> Callable[[Coroutine[Any, Any, T]], T]:
    """`qrun(coro)` runs `coro` to the end on the test's qasync event loop."""

    def run(coro: Coroutine[Any, Any, T]) -> T:
        return qloop.run_until_complete(coro)

    return run
