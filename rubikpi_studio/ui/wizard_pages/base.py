"""What every wizard step shares: the injected services, the data the steps learn, and the `Step` base class.

A step is a widget with `enter()` (the step is shown: it may start work, or find the work already done on
the board and let the wizard skip it) and `advance()` (Next was pressed; True goes on).

Board jobs (setup, download, quantize, server) keep running when the wizard is closed: a step follows a job
through `JobFollow`, whose reporter stops the local follow (without touching the job) once the wizard is
closed; reopening the wizard re-attaches to the same job by its key.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import QLabel, QLayout, QVBoxLayout, QWidget

from rubikpi_studio.core import discovery
from rubikpi_studio.core.boards import BoardProfile
from rubikpi_studio.core.catalogue import CatalogueModel, load_catalogue
from rubikpi_studio.core.discovery import FoundHost
from rubikpi_studio.core.events import CancelToken, Event, Reporter
from rubikpi_studio.core.probe import BoardFacts
from rubikpi_studio.core.setup import SetupSpec
from rubikpi_studio.core.ssh import Board

from ..bridge import EventBridge
from ..widgets import LogPane, StepList

if TYPE_CHECKING:
    from rubikpi_studio.core.server import ServerHandle

    from ..wizard import SetupWizard

_tasks: set[asyncio.Future[Any]] = set()


def spawn(coro: Coroutine[Any, Any, Any]) -> asyncio.Future[Any]:
    """Run `coro` on the loop, keeping a reference until it ends (the loop holds only a weak one)."""
    task = asyncio.ensure_future(coro)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return task


def _default_setup_spec(facts: BoardFacts | None) -> SetupSpec:
    return SetupSpec()  # gpu="auto": OpenCL where the board has the Adreno driver


@dataclass
class WizardServices:
    """What touches the network or the outside world, injectable for tests (discovery on the rig's port, the
    rig's local llama.cpp repository instead of GitHub, a catalogue with a model the HF stand-in serves)."""

    discover: Callable[[Callable[[FoundHost], None], CancelToken], object] = field(
        default=lambda on_found, cancel: discovery.discover(on_found, cancel=cancel)
    )
    scan: Callable[[Callable[[FoundHost], None], CancelToken], object] = field(
        default=lambda on_found, cancel: discovery.Discovery(on_found).scan(cancel=cancel)
    )
    check_host: Callable[[str, int], FoundHost] = field(
        default=lambda host, port: discovery.Discovery().check_host(host, port)
    )
    host_key: Callable[[str, int], Any] = field(default=discovery.fetch_host_key)
    setup_spec: Callable[[BoardFacts | None], SetupSpec] = field(default=_default_setup_spec)
    catalogue: Callable[[], list[CatalogueModel]] = field(default=lambda: load_catalogue())


@dataclass
class WizardData:
    """What the steps learn, shared between them."""

    host: FoundHost | None = None
    host_key: Any = None  # paramiko.PKey seen before signing in
    profile: BoardProfile | None = None
    password: str | None = None
    board: Board | None = None
    facts: BoardFacts | None = None
    model: CatalogueModel | None = None  # chosen on the model step
    model_path: str = ""  # the file the server loads (absolute, on the board)
    mmproj_path: str = ""
    server: ServerHandle | None = None
    server_url: str = ""  # the local end of the SSH forward to llama-server


class Detached(Exception):
    """The wizard was closed: stop following the board job here; the job itself goes on."""


class JobFollow:
    """A reporter for core job operations that ends the local follow once the wizard is closed.

    Core `follow` only knows Cancel (which stops the job on the board). Raising from the reporter leaves the
    job running: the wizard reopened later re-attaches to it by its key.
    """

    def __init__(self, report: Reporter, closed: threading.Event) -> None:
        self.report = report
        self.closed = closed

    def __call__(self, event: Event) -> None:
        if self.closed.is_set():
            raise Detached()
        self.report(event)


class Step(QWidget):
    name: ClassVar[str] = ""
    title: ClassVar[str] = ""  # QT_TRANSLATE_NOOP("Wizard", ...)

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard.stack)
        self.wizard = wizard
        self.data = wizard.data
        self.outcome = wrap(QLabel())  # what the step's work came to; placed by steps that have work
        # Labels showing a computed text (a status, an error): how to compute it after a language switch.
        self._texts: dict[QLabel, Callable[[], str]] = {}

    def build_job_view(self, header: QLabel, prefix: str, *extra: QLayout) -> None:
        """The layout of a step that runs a job: `header` above the job's steps (a StepList without its own
        Cancel: the wizard's Cancel stops the job) and log, `extra` rows below them, then the outcome. Events
        reach both through `self.bridge`. Object names `<prefix>Steps` and `<prefix>Outcome` are for tests."""
        self.steps = StepList()
        self.steps.setObjectName(f"{prefix}Steps")
        self.steps.cancel_button.setVisible(False)
        self.log_pane = LogPane()
        self.outcome.setObjectName(f"{prefix}Outcome")
        self.bridge = EventBridge(self)
        self.bridge.events_ready.connect(self.steps.apply_events)
        self.bridge.events_ready.connect(self.log_pane.apply_events)
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addWidget(self.steps, 2)
        layout.addWidget(self.log_pane, 1)
        for row in extra:
            layout.addLayout(row)
        layout.addWidget(self.outcome)

    def show_outcome(self, text: Callable[[], str] | None) -> None:
        """Show `text()` as the outcome, again after a language switch (so it is translated then too)."""
        self.show_text(self.outcome, text)

    def outcome_text(self) -> str:
        """The outcome in the current language (also before this step has seen a language switch)."""
        text = self._texts.get(self.outcome)
        return text() if text is not None else self.outcome.text()

    def show_text(self, label: QLabel, text: Callable[[], str] | None) -> None:
        """Show `text()` in `label` now and again after each language switch; None clears the label."""
        if text is None:
            self._texts.pop(label, None)
            label.clear()
        else:
            self._texts[label] = text
            label.setText(text())

    def enter(self) -> None:
        """The step is shown."""

    async def advance(self) -> bool:
        return True

    def next_text(self) -> str:
        return QCoreApplication.translate("Wizard", "Next")

    def can_go_back(self) -> bool:
        return True

    def retranslate(self) -> None:
        pass

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
            for label, text in self._texts.items():
                label.setText(text())
        super().changeEvent(event)


def wrap(label: QLabel) -> QLabel:
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def gib(n_bytes: float) -> str:
    return QCoreApplication.translate("Wizard", "{n:.1f} GB").format(n=n_bytes / 1e9)


def mib(n_bytes: float) -> str:
    return QCoreApplication.translate("Wizard", "{n:.0f} MB").format(n=n_bytes / 1e6)


def size_text(n_bytes: float) -> str:
    return gib(n_bytes) if n_bytes >= 1e9 else mib(n_bytes)


__all__ = [
    "Detached",
    "JobFollow",
    "Step",
    "WizardData",
    "WizardServices",
    "spawn",
    "wrap",
]
