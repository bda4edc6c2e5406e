"""`@widget_slot`: a widget's coroutine as a Qt slot, on the app's real qasync loop (no fakes).

The app's own replacement for qasync's `asyncSlot` (it imports asyncio only when a slot first fires, so the
main window paints before the ~50 ms of asyncio imports): signal arguments the coroutine does not take are
dropped, exceptions reach `sys.excepthook` unless the widget is gone, and calls made while the window is
built, before the loop exists, are held and run in order once it runs.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, TypeVar

import pytest
from PySide6.QtWidgets import QPushButton, QWidget

from rubikpi_studio.ui import bridge
from rubikpi_studio.ui.bridge import widget_slot

T = TypeVar("T")
Run = Callable[[Coroutine[Any, Any, T]], T]


class Panel(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, tuple[object, ...]]] = []
        self.gate = asyncio.Event()
        self.button = QPushButton("go", self)
        self.button.clicked.connect(self.on_clicked)

    @widget_slot()
    async def on_clicked(self) -> None:
        self.calls.append(("clicked", ()))

    @widget_slot(str)
    async def on_text(self, text: str) -> str:
        self.calls.append(("text", (text,)))
        await asyncio.sleep(0)
        return text.upper()

    @widget_slot()
    async def fail(self) -> None:
        raise ValueError("broken on purpose")

    @widget_slot()
    async def fail_after_gate(self) -> None:
        await self.gate.wait()
        raise ValueError("after the widget went away")


@pytest.fixture
def hooked(monkeypatch: pytest.MonkeyPatch) -> list[BaseException]:
    seen: list[BaseException] = []

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        seen.append(exc)

    monkeypatch.setattr(sys, "excepthook", hook)
    return seen


def test_signal_argument_the_coroutine_does_not_take_is_dropped(qtbot: Any, qrun: Run[Any]) -> None:
    panel = Panel()
    qtbot.addWidget(panel)
    panel.button.click()  # clicked(bool) into `async def on_clicked(self)`
    qrun(asyncio.sleep(0.01))
    assert panel.calls == [("clicked", ())]


def test_direct_call_returns_the_task_with_the_result(qtbot: Any, qrun: Run[Any]) -> None:
    panel = Panel()
    qtbot.addWidget(panel)
    task = panel.on_text("hello")
    assert isinstance(task, asyncio.Task)
    assert qrun(asyncio.wait_for(task, 10)) == "HELLO"
    assert panel.calls == [("text", ("hello",))]


def test_too_few_arguments_is_a_type_error(qtbot: Any) -> None:
    panel = Panel()
    qtbot.addWidget(panel)
    with pytest.raises(TypeError, match="on_text"):
        panel.on_text()  # type: ignore[call-arg]


def test_exception_goes_to_the_excepthook(qtbot: Any, qrun: Run[Any], hooked: list[BaseException]) -> None:
    panel = Panel()
    qtbot.addWidget(panel)
    task = panel.fail()
    assert task is not None
    qrun(asyncio.wait([task]))
    qrun(asyncio.sleep(0.01))  # the done callback runs on the next loop turn
    assert [str(e) for e in hooked] == ["broken on purpose"]


def test_exception_after_the_widget_is_deleted_is_only_logged(
    qrun: Run[Any], hooked: list[BaseException], caplog: pytest.LogCaptureFixture
) -> None:
    panel = Panel()
    task = panel.fail_after_gate()
    assert task is not None
    gate = panel.gate
    panel.deleteLater()
    qrun(asyncio.sleep(0.05))  # deleteLater runs on the Qt loop
    caplog.set_level("DEBUG", logger="rubikpi_studio.ui.bridge")
    gate.set()
    assert qrun(asyncio.wait_for(task, 10)) is None
    assert hooked == []
    assert "ended after its widget was deleted" in caplog.text


def test_calls_before_the_loop_are_held_then_run_in_order(qtbot: Any, qrun: Run[Any]) -> None:
    panel = Panel()
    qtbot.addWidget(panel)
    bridge.hold_slots_until_loop()
    try:
        assert panel.on_text("first") is None
        panel.button.click()
        assert panel.on_text("second") is None
        assert bridge.held_slot_count() == 3
        assert panel.calls == []  # nothing ran: there is no loop yet
    finally:

        async def start() -> int:
            return bridge.release_held_slots()

        released = qrun(start())
    assert released == 3
    qrun(asyncio.sleep(0.05))
    assert panel.calls == [("text", ("first",)), ("clicked", ()), ("text", ("second",))]
    assert bridge.held_slot_count() == 0
    assert isinstance(panel.on_text("after"), asyncio.Task)  # no longer held


def test_discarded_calls_never_run(qtbot: Any, qrun: Run[Any]) -> None:
    panel = Panel()
    qtbot.addWidget(panel)
    bridge.hold_slots_until_loop()
    panel.on_text("dropped")
    bridge.discard_held_slots()
    qrun(asyncio.sleep(0.02))
    assert panel.calls == []
    assert bridge.held_slot_count() == 0
