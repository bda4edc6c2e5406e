"""GUI test helpers: run a test coroutine on a qasync loop, so `@asyncSlot` work and Qt events both run."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

import pytest
import qasync
from PySide6.QtWidgets import QApplication

T = TypeVar("T")


@pytest.fixture
def qrun(qapp: QApplication) -> Iterator[Callable[[Coroutine[Any, Any, T]], T]]:
    """`qrun(coro)` runs `coro` to the end on a qasync event loop (the app's real loop type)."""
    loop = qasync.QEventLoop(qapp, already_running=False)
    asyncio.set_event_loop(loop)

    def run(coro: Coroutine[Any, Any, T]) -> T:
        return loop.run_until_complete(coro)

    yield run
    # qasync's default executor runs QThreads: a QThread still running at exit aborts the process.
    executor = getattr(loop, "_default_executor", None)
    if executor is not None:
        executor.shutdown(wait=True)
    loop.close()
    asyncio.set_event_loop(None)


async def until(condition: Callable[[], object], timeout: float = 30.0, what: str = "") -> None:
    """Let the loop run until `condition()` is true; fail after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await asyncio.sleep(0.02)
