"""The Setup page: one button for the manual's five blocks of commands, with steps, progress, ETA and the log.

The setup runs on the board as a detached job. Leaving the page, dropping the connection or closing the app
does not stop it; coming back re-attaches to the same job and catches up.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from rubikpi_studio.core import jobs
from rubikpi_studio.core import setup as core_setup
from rubikpi_studio.core.errors import Cancelled, StudioError, SudoFailed
from rubikpi_studio.core.events import CancelToken
from rubikpi_studio.core.ssh import Board

from ..bridge import EventBridge, run_in_thread, show_error, widget_slot
from ..dialogs import ask_secret, dialog_result
from ..i18n import QT_TRANSLATE_NOOP
from ..widgets import LogPane, StepList
from .base import Page, PageContext, register_page

log = logging.getLogger(__name__)

STEP_TITLES = {
    "preflight": QT_TRANSLATE_NOOP("Steps", "Check the board"),
    "deps": QT_TRANSLATE_NOOP("Steps", "Install missing packages"),
    "opencl": QT_TRANSLATE_NOOP("Steps", "OpenCL headers and loader"),
    "source": QT_TRANSLATE_NOOP("Steps", "Get the llama.cpp source"),
    "build": QT_TRANSLATE_NOOP("Steps", "Build llama.cpp"),
    "verify": QT_TRANSLATE_NOOP("Steps", "Check the build"),
    "path": QT_TRANSLATE_NOOP("Steps", "Add llama.cpp to PATH"),
}


@register_page
class SetupPage(Page):
    name = "setup"
    title = QT_TRANSLATE_NOOP("Page", "Setup")
    order = 20
    icon = "setup"
    needs_board = True

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.cancel: CancelToken | None = None
        # Closing the window only stops following the board's setup job; it goes on there.
        self.detach = CancelToken()
        self.destroyed.connect(lambda *_a, token=self.detach: token.cancel())
        self.result: core_setup.SetupResult | None = None
        self.running = False
        self.can_retry = False  # the last run failed or was cancelled: the start button reads "Retry"
        self._sudo_password: str | None = None

        self.heading = QLabel()
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.start_button = QPushButton()
        self.start_button.setObjectName("startSetupButton")
        self.start_button.clicked.connect(self._on_start_button_clicked)
        self.cpu_check = QCheckBox()
        self.path_check = QCheckBox()
        self.path_check.setChecked(True)
        self.ref_edit = QLineEdit(core_setup.LLAMA_REF)
        self.ref_label = QLabel()
        options = QHBoxLayout()
        options.addWidget(self.cpu_check)
        options.addWidget(self.path_check)
        options.addStretch(1)
        options.addWidget(self.ref_label)
        options.addWidget(self.ref_edit, 1)
        # Undo what a setup did: the build before the current one (kept beside it) and the PATH entry.
        self.rollback_button = QPushButton()
        self.rollback_button.setObjectName("rollbackButton")
        self.rollback_button.clicked.connect(self._on_rollback_button_clicked)
        self.remove_path_button = QPushButton()
        self.remove_path_button.setObjectName("removePathButton")
        self.remove_path_button.clicked.connect(self._on_remove_path_button_clicked)
        self.message_box: QMessageBox | None = None  # the open confirmation, for tests
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addStretch(1)
        buttons.addWidget(self.rollback_button)
        buttons.addWidget(self.remove_path_button)
        self.outcome = QLabel()
        self.outcome.setObjectName("setupOutcome")
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.steps = StepList()
        self.steps.set_steps(
            STEP_TITLES.items()  # English: StepList translates titles as it paints
        )
        self.steps.cancel_requested.connect(self._on_cancel_requested)
        self.log_box = QGroupBox()
        self.log_pane = LogPane()
        QVBoxLayout(self.log_box).addWidget(self.log_pane)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.steps)
        splitter.addWidget(self.log_box)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)

        self.bridge = EventBridge(self)
        self.bridge.events_ready.connect(self.steps.apply_events)
        self.bridge.events_ready.connect(self.log_pane.apply_events)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addWidget(self.heading)
        layout.addWidget(self.intro)
        layout.addLayout(options)
        layout.addLayout(buttons)
        layout.addWidget(self.outcome)
        layout.addWidget(splitter, 1)
        context.state.connection_changed.connect(self._on_state_connection_changed)
        self.retranslate()
        self._update_buttons()
        if context.state.is_connected:  # built after the board connected: re-attach to a running setup
            self._on_state_connection_changed(context.state.connection)

    def retranslate(self) -> None:
        self.heading.setText(QCoreApplication.translate("SetupPage", "Set up llama.cpp on the board"))
        self.intro.setText(
            QCoreApplication.translate(
                "SetupPage",
                "Installs what is missing, builds llama.cpp with the Adreno GPU (OpenCL) backend where the "
                "board has the Qualcomm driver, checks the result and adds it to the board's PATH. The work "
                "runs on the board: you may close the app, it carries on and the app finds it again.",
            )
        )
        self.start_button.setText(
            QCoreApplication.translate("SetupPage", "Retry")
            if self.can_retry
            else QCoreApplication.translate("SetupPage", "Set up the board")
        )
        self.rollback_button.setText(
            QCoreApplication.translate("SetupPage", "Roll back to the previous build")
        )
        self.rollback_button.setToolTip(
            QCoreApplication.translate(
                "SetupPage",
                "Use the llama.cpp build from before the last setup again (it is kept beside the current "
                "one).",
            )
        )
        self.remove_path_button.setText(
            QCoreApplication.translate("SetupPage", "Remove from the board's PATH")
        )
        self.remove_path_button.setToolTip(
            QCoreApplication.translate(
                "SetupPage",
                "Take the llama.cpp entry out of ~/.bash_profile on the board. The app does not need it.",
            )
        )
        self.cpu_check.setText(QCoreApplication.translate("SetupPage", "CPU only (no OpenCL)"))
        self.path_check.setText(QCoreApplication.translate("SetupPage", "Add to the board's PATH"))
        self.ref_label.setText(QCoreApplication.translate("SetupPage", "llama.cpp version (commit or tag):"))
        self.log_box.setTitle(QCoreApplication.translate("SetupPage", "Log"))

    @property
    def board(self) -> Board | None:
        board = self.context.state.board
        return board if isinstance(board, Board) else None

    def _update_buttons(self) -> None:
        connected = self.board is not None
        self.start_button.setEnabled(connected and not self.running)
        self.rollback_button.setEnabled(connected and not self.running)
        self.remove_path_button.setEnabled(connected and not self.running)
        self.steps.set_cancellable(self.running)
        for w in (self.cpu_check, self.path_check, self.ref_edit):
            w.setEnabled(not self.running)

    def activate(self) -> None:
        self._update_buttons()

    @widget_slot(object)
    async def _on_state_connection_changed(self, _state: object) -> None:
        self._update_buttons()
        board = self.board
        if board is None or self.running:
            return
        # A setup that is still running on the board (started before the app was closed): re-attach.
        try:
            running = await run_in_thread(jobs.find_running, board, core_setup.JOB_KEY)
        except StudioError as exc:
            log.info("could not look for a running setup: %s", exc)
            return
        if running is not None:
            await self.run_setup()

    def spec(self) -> core_setup.SetupSpec:
        return core_setup.SetupSpec(
            llama_ref=self.ref_edit.text().strip() or core_setup.LLAMA_REF,
            gpu="off" if self.cpu_check.isChecked() else "auto",
            add_path=self.path_check.isChecked(),
        )

    @widget_slot()
    async def _on_start_button_clicked(self) -> None:
        await self.run_setup()

    def _on_cancel_requested(self) -> None:
        if self.cancel is not None:
            self.cancel.cancel()
            self.outcome.setText(QCoreApplication.translate("SetupPage", "Stopping the setup on the board…"))

    async def run_setup(self, spec: core_setup.SetupSpec | None = None) -> core_setup.SetupResult | None:
        board = self.board
        if board is None or self.running:
            return None
        spec = spec or self.spec()
        self.running = True
        self.cancel = CancelToken()
        self.result = None
        self.steps.reset()
        self.steps.set_steps(
            STEP_TITLES.items()  # English: StepList translates titles as it paints
        )
        self.outcome.setText(QCoreApplication.translate("SetupPage", "Working on the board…"))
        self._update_buttons()
        try:
            for _attempt in range(3):
                try:
                    self.result = await run_in_thread(
                        core_setup.run_setup,
                        board,
                        spec,
                        sudo_password=self._sudo_password,
                        report=self.bridge,
                        cancel=self.cancel,
                        detach=self.detach,
                        # A dropped connection: reconnect and follow the same job on, not an error.
                        reconnect=jobs.reconnector(board),
                    )
                    break
                except SudoFailed as exc:
                    self.bridge.flush()
                    label = (
                        QCoreApplication.translate(
                            "SetupPage", "sudo refused the password. The board account's password:"
                        )
                        if exc.reason == "password"
                        else QCoreApplication.translate(
                            "SetupPage",
                            "Installing packages needs root. The board account's password for sudo:",
                        )
                    )
                    password = await ask_secret(self, label)
                    if password is None:
                        raise
                    self._sudo_password = password
            self.bridge.flush()
            if self.result is not None:
                self.outcome.setText(self._summary(self.result))
            self._set_can_retry(False)
            return self.result
        except Cancelled as exc:
            if exc.data.get("detached") or not isValid(self):
                return None  # the page is going away; the job carries on on the board
            self.bridge.flush()
            self.outcome.setText(QCoreApplication.translate("SetupPage", "The setup was cancelled."))
            self._set_can_retry(True)
            return None
        except StudioError as exc:
            if not isValid(self):
                return None
            self.bridge.flush()
            tail = exc.data.get("log_tail", "")
            self.outcome.setText(
                QCoreApplication.translate("SetupPage", "The setup stopped: {message}").format(
                    message=exc.message
                )
            )
            if tail:
                self.log_pane.append_lines(str(tail).splitlines())
            self._set_can_retry(True)
            show_error(self, exc)
            return None
        finally:
            self.running = False
            self.cancel = None
            if isValid(self):  # the window may have closed while the job was followed
                self._update_buttons()

    @widget_slot()
    async def _on_rollback_button_clicked(self) -> None:
        await self.run_undo("rollback")

    @widget_slot()
    async def _on_remove_path_button_clicked(self) -> None:
        await self.run_undo("remove_path")

    async def run_undo(self, action: str) -> core_setup.UndoResult | None:
        """Roll back to the previous build (action "rollback") or remove the PATH entry ("remove_path"), after
        the user confirms; the outcome line says what the board uses now."""
        board = self.board
        if board is None or self.running:
            return None
        if action == "rollback":
            fn = core_setup.rollback
            step, title = "build", QT_TRANSLATE_NOOP("Steps", "Roll back to the previous build")
            question = QCoreApplication.translate(
                "SetupPage",
                "Switch the board back to the previous llama.cpp build? The current build is kept: rolling "
                "back again returns to it. Restart a running llama-server to use the other build.",
            )
            yes = QCoreApplication.translate("SetupPage", "Roll back")
        else:
            fn = core_setup.remove_path
            step, title = "path", QT_TRANSLATE_NOOP("Steps", "Remove llama.cpp from PATH")
            question = QCoreApplication.translate(
                "SetupPage",
                "Remove llama.cpp from the PATH of terminals on the board (the block in ~/.bash_profile)? "
                "The app does not need it. A later setup adds it again unless “Add to the board's PATH” "
                "is unchecked.",
            )
            yes = QCoreApplication.translate("SetupPage", "Remove from PATH")
        if not await self._confirm(question, yes) or self.running or self.board is not board:
            return None
        self.running = True
        self.cancel = CancelToken()
        self.steps.reset()
        self.steps.set_steps([(step, title)])
        self.outcome.setText(QCoreApplication.translate("SetupPage", "Working on the board…"))
        self._update_buttons()
        try:
            result = await run_in_thread(fn, board, report=self.bridge, cancel=self.cancel)
            self.bridge.flush()
            self.outcome.setText(self._undo_summary(action, result))
            return result
        except Cancelled:
            if isValid(self):
                self.bridge.flush()
                self.outcome.setText(QCoreApplication.translate("SetupPage", "Cancelled."))
            return None
        except StudioError as exc:
            if not isValid(self):
                return None
            self.bridge.flush()
            self.outcome.setText(
                QCoreApplication.translate("SetupPage", "That did not work: {message}").format(
                    message=exc.message
                )
            )
            show_error(self, exc)
            return None
        finally:
            self.running = False
            self.cancel = None
            if isValid(self):
                self._update_buttons()

    def _undo_summary(self, action: str, result: core_setup.UndoResult) -> str:
        if action == "rollback":
            build = result.message.removeprefix("now using ")
            return QCoreApplication.translate(
                "SetupPage", "Rolled back: the board now uses {build}. Roll back again to return."
            ).format(build=build)
        if result.skipped:
            return QCoreApplication.translate("SetupPage", "The board's PATH had no llama.cpp entry.")
        return QCoreApplication.translate(
            "SetupPage",
            "Removed llama.cpp from the board's PATH; new terminals on the board no longer find it.",
        )

    async def _confirm(self, text: str, yes: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, "RUBIK Pi Studio", text, parent=self)
        box.setObjectName("setupConfirm")
        yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QCoreApplication.translate("SetupPage", "Cancel"), QMessageBox.ButtonRole.RejectRole)
        self.message_box = box
        try:
            await dialog_result(box)
        finally:
            self.message_box = None
        return box.clickedButton() is yes_button

    def _set_can_retry(self, can_retry: bool) -> None:
        self.can_retry = can_retry
        self.retranslate()

    def _summary(self, result: core_setup.SetupResult) -> str:
        version = result.version_label
        if result.gpu_used:
            device = result.gpu
            if offloaded := result.offloaded:
                device = QCoreApplication.translate(
                    "SetupPage", "{device}, {n}/{total} layers offloaded"
                ).format(device=device, n=offloaded[0], total=offloaded[1])
            return QCoreApplication.translate(
                "SetupPage", "llama.cpp {version} is ready, built with {backend}. GPU: {device}."
            ).format(version=version, backend=result.backend or "OpenCL", device=device)
        return QCoreApplication.translate(
            "SetupPage", "llama.cpp {version} is ready, built with {backend}. The GPU is not used: {why}."
        ).format(version=version, backend=result.backend or "CPU", why=gpu_reason_text(result))


# Why the GPU is not used (SetupResult.gpu_reason), said plainly; the wizard's outcome says it too.
GPU_REASONS = {
    "cpu_build": QT_TRANSLATE_NOOP("SetupPage", "llama.cpp was built for the CPU (no OpenCL)"),
    "no_device": QT_TRANSLATE_NOOP("SetupPage", "llama.cpp found no Adreno OpenCL device"),
    "not_offloaded": QT_TRANSLATE_NOOP(
        "SetupPage", "{device} is there, but the test run offloaded {offloaded} layers to it"
    ),
}


def gpu_reason_text(result: core_setup.SetupResult) -> str:
    """Why `result` does not use the GPU, in the user's language."""
    text = QCoreApplication.translate("SetupPage", GPU_REASONS[result.gpu_reason or "no_device"])
    return text.format(device=result.gpu, offloaded=result.info.get("offloaded", "0"))
