"""Step 8, start the server: llama-server on the board for the chosen model, reached through an SSH forward.

A server already serving that model is adopted; one serving another model is restarted with the chosen one.
The GPU is used when the llama.cpp build and the board have it (`core.server.start` decides from the build's
device list); the step says which, and why not the GPU.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel

from rubikpi_studio.core import server as core_server
from rubikpi_studio.core.errors import Cancelled, StudioError
from rubikpi_studio.core.events import INFO, WARN, Event, Reporter
from rubikpi_studio.core.ssh import Board

from ..bridge import run_in_thread
from ..i18n import QT_TRANSLATE_NOOP, describe_error
from ..pages.base import ServerState
from ..pages.server import SERVER_STEPS, show_loading_facts
from ..settings import SERVER_PORT
from .base import Detached, JobFollow, Step, spawn, wrap

if TYPE_CHECKING:
    from ..wizard import SetupWizard

log = logging.getLogger(__name__)


def start_or_adopt(
    board: Board, spec: core_server.ServerSpec, *, report: Reporter, cancel: object
) -> tuple[core_server.ServerHandle, str]:
    """Start `spec`, adopt the server already serving its model, or restart one serving another model.
    Returns the handle and the local URL of the forward."""
    from rubikpi_studio.core.events import CancelToken

    assert cancel is None or isinstance(cancel, CancelToken)
    try:
        handle = core_server.start(board, spec, report=report, cancel=cancel)
    except core_server.ServerAlreadyRunning:
        handle = core_server.restart(board, spec, report=report, cancel=cancel)
    return handle, handle.open_tunnel()


class ServerStep(Step):
    name = "server"
    title = QT_TRANSLATE_NOOP("Wizard", "Start the server")

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.plan = wrap(QLabel())
        self.plan.setObjectName("serverPlan")
        self.build_job_view(self.plan, "server")
        self.bridge.events_ready.connect(self._on_bridge_events)
        self.running = False
        self.ready_for = ""  # the model path being served
        self.adopted = False
        self.backend = ""
        self.no_gpu_reason = ""
        self._plan: Callable[[], str] = lambda: ""

    def enter(self) -> None:
        if not self.running:
            spawn(self._run())

    def next_text(self) -> str:
        if self.outcome.text() and not self.running and not self.ready_for:
            return QCoreApplication.translate("Wizard", "Try again")
        return QCoreApplication.translate("Wizard", "Next")

    def _watch(self, event: Event) -> None:  # worker thread
        if event.kind == INFO and event.step == "backend" and "backend" in event.data:
            self.backend = str(event.data["backend"])
        elif event.kind == WARN and event.code == "E_NO_GPU":
            self.no_gpu_reason = event.message
        elif event.kind == INFO and event.step == "adopt":
            self.adopted = True
        self.bridge(event)

    def _on_bridge_events(self, events: list[Event]) -> None:
        show_loading_facts(events, self.steps, self.log_pane)

    async def _run(self) -> None:
        m = await self.wizard.ensure_model()
        board = self.data.board
        if m is None or board is None:
            return
        if self.ready_for == self.data.model_path:
            if self.wizard.going_forward:
                self.wizard.skip_current(self)
            return
        facts = await self.wizard.ensure_facts()
        self.running = True
        self.show_outcome(None)
        self.steps.reset()
        self.steps.set_steps(SERVER_STEPS)
        self.backend, self.no_gpu_reason, self.adopted = "", "", False
        self._plan = lambda: self.plan_text(m.name, facts.has_adreno_opencl)
        self.plan.setText(self._plan())
        spec = core_server.ServerSpec(
            model=self.data.model_path,
            mmproj=self.data.mmproj_path,
            gpu=True,
            port=self.wizard.settings.get(SERVER_PORT),
        )
        self.wizard.state.set_server(ServerState.STARTING)
        try:
            handle, url = await self.wizard.work(
                run_in_thread(
                    start_or_adopt,
                    board,
                    spec,
                    report=JobFollow(self._watch, self.wizard.closed),
                    cancel=self.wizard.cancel,
                ),
                job=True,
            )
        except Detached:
            return
        except Cancelled:
            self.bridge.flush()
            self.wizard.state.set_server(ServerState.STOPPED)
            self.show_outcome(
                lambda: QCoreApplication.translate("Wizard", "Starting the server was cancelled.")
            )
            return
        except StudioError as exc:
            self.bridge.flush()
            error = exc
            tail = exc.data.get("log_tail")
            if tail:
                self.log_pane.append_lines([str(line) for line in tail])
            self.wizard.state.set_server(ServerState.FAILED)
            self.show_outcome(
                lambda: QCoreApplication.translate("Wizard", "The server did not start: {why}").format(
                    why=describe_error(error)[0]
                )
            )
            return
        finally:
            self.running = False
            self.wizard.update_buttons()
        self.bridge.flush()
        self.data.server, self.data.server_url = handle, url
        self.ready_for = self.data.model_path
        self.show_outcome(lambda: self.describe_backend())
        self.wizard.state.set_server(ServerState.RUNNING, url=url, api_key=handle.api_key)
        if self.wizard.current is self:
            self.wizard.go_next()

    def retranslate(self) -> None:
        self.plan.setText(self._plan())

    @staticmethod
    def plan_text(name: str, has_gpu: bool) -> str:
        if has_gpu:
            return QCoreApplication.translate(
                "Wizard", "Starting {name} on the GPU (Adreno, OpenCL) when the llama.cpp build has it."
            ).format(name=name)
        return QCoreApplication.translate(
            "Wizard",
            "Starting {name} on the CPU: this board has no Adreno OpenCL driver, so the GPU cannot be used.",
        ).format(name=name)

    def describe_backend(self) -> str:
        backend = self.backend or "CPU"
        already = (
            QCoreApplication.translate("Wizard", "The server was already running; the wizard uses it. ")
            if self.adopted
            else ""
        )
        if backend.startswith("GPU"):
            return already + QCoreApplication.translate("Wizard", "Running on the GPU: {backend}.").format(
                backend=backend
            )
        # The core's reason is English and starts with "CPU:"; the sentence here says the same, translated.
        why = (
            QCoreApplication.translate(
                "Wizard", "no usable Adreno GPU (OpenCL) on this board or in this build"
            )
            if self.no_gpu_reason
            else QCoreApplication.translate("Wizard", "no Adreno OpenCL device")
        )
        return already + QCoreApplication.translate("Wizard", "Running on the CPU ({why}).").format(why=why)

    async def advance(self) -> bool:
        if self.ready_for and self.ready_for == self.data.model_path:
            return True
        if not self.running:
            spawn(self._run())
        return False
