"""Step 5, set up: `core.setup.run_setup` as the board job `setup`, re-attached when it is already running.

llama.cpp already built on the board: the step says so and the wizard moves on. Root needed: the password
the user signed in with (on a new board, the one just chosen) goes to sudo through the job's environment;
when sudo refuses it, the step asks for it in place and Next tries again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit

from rubikpi_studio.core import jobs
from rubikpi_studio.core import setup as core_setup
from rubikpi_studio.core.errors import Cancelled, StudioError, SudoFailed
from rubikpi_studio.core.events import STEP_SKIP, Event
from rubikpi_studio.core.probe import probe

from ..bridge import run_in_thread
from ..i18n import QT_TRANSLATE_NOOP, describe_error
from ..pages.setup import STEP_TITLES, gpu_reason_text
from .base import Detached, JobFollow, Step, spawn, wrap

if TYPE_CHECKING:
    from ..wizard import SetupWizard

log = logging.getLogger(__name__)


class SetupStep(Step):
    name = "setup"
    title = QT_TRANSLATE_NOOP("Wizard", "Set up")

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.note = wrap(QLabel())
        self.sudo_label = QLabel()
        self.sudo_edit = QLineEdit()
        self.sudo_edit.setObjectName("sudoPasswordEdit")
        self.sudo_edit.setEchoMode(QLineEdit.EchoMode.Password)
        sudo = QFormLayout()
        sudo.addRow(self.sudo_label, self.sudo_edit)
        self.build_job_view(self.note, "setup", sudo)
        self.done = False
        self.running = False
        self.reattached = False
        self.job_id = ""
        self.result: core_setup.SetupResult | None = None
        self._show_sudo(False)
        self._set_titles()
        self.retranslate()

    def _set_titles(self) -> None:
        self.steps.set_steps(
            STEP_TITLES.items()  # English: StepList translates titles as it paints
        )

    def _show_sudo(self, shown: bool) -> None:
        self.sudo_label.setVisible(shown)
        self.sudo_edit.setVisible(shown)

    def retranslate(self) -> None:
        self.note.setText(
            QCoreApplication.translate(
                "Wizard",
                "The set-up runs on the board by itself: you may close the wizard or this app, and it "
                "continues; reopening the wizard shows it again.",
            )
        )
        self.sudo_label.setText(QCoreApplication.translate("Wizard", "Password for sudo"))

    def next_text(self) -> str:
        if not self.done and not self.running and self.outcome.text():
            return QCoreApplication.translate("Wizard", "Try again")
        return QCoreApplication.translate("Wizard", "Next")

    def enter(self) -> None:
        if self.running:
            return
        spawn(self._enter())

    async def _enter(self) -> None:
        board = self.data.board
        if board is None:
            return
        # A running setup first (a wizard reopened mid-build), before the slower probe.
        running = await self.wizard.work(run_in_thread(jobs.find_running, board, core_setup.JOB_KEY))
        facts = await self.wizard.ensure_facts()
        if running is not None:
            self.reattached = True
            self.job_id = running.id  # the job followed from here on (run_setup re-attaches to it)
            await self._run()
        elif self.done or facts.has_llama_cpp:
            if not self.done:  # built before this wizard ran: none of the plan's steps has work to do
                for key in STEP_TITLES:
                    self.bridge(Event(STEP_SKIP, step=key))
            self.done = True
            self.show_outcome(
                lambda: QCoreApplication.translate(
                    "Wizard", "llama.cpp is already built on the board ({version}): nothing to set up."
                ).format(version=facts.llama_version or facts.llama_bin)
            )
            if self.wizard.current is self and self.wizard.going_forward:
                self.wizard.skip_current(self)
            else:
                self.wizard.update_buttons()
        else:
            await self._run()

    async def _run(self) -> None:
        board = self.data.board
        assert board is not None
        if self.running:
            return
        self.running = True
        self.show_outcome(None)
        self._show_sudo(False)
        self.steps.reset()
        self._set_titles()
        password = self.sudo_edit.text() or self.data.password
        spec = self.wizard.services.setup_spec(self.data.facts)
        try:
            self.result = await self.wizard.work(
                run_in_thread(
                    core_setup.run_setup,
                    board,
                    spec,
                    sudo_password=password,
                    report=JobFollow(self.bridge, self.wizard.closed),
                    cancel=self.wizard.cancel,
                    reconnect=jobs.reconnector(board),
                ),
                job=True,
            )
        except Detached:
            return  # the wizard was closed; the job goes on and is re-attached next time
        except SudoFailed as exc:
            refused = exc.reason == "password"
            self.bridge.flush()
            self._show_sudo(True)
            self.sudo_edit.setFocus()
            self.show_outcome(
                lambda: (
                    QCoreApplication.translate(
                        "Wizard",
                        "sudo refused the password. Type the board account's password and try again.",
                    )
                    if refused
                    else QCoreApplication.translate(
                        "Wizard",
                        "Installing packages needs root: type the board account's password for sudo.",
                    )
                )
            )
            return
        except Cancelled:
            self.bridge.flush()
            self.show_outcome(lambda: QCoreApplication.translate("Wizard", "The set-up was cancelled."))
            return
        except StudioError as exc:
            self.bridge.flush()
            error = exc
            tail = exc.data.get("log_tail", "")
            if tail:
                self.log_pane.append_lines(str(tail).splitlines())
            self.show_outcome(
                lambda: QCoreApplication.translate("Wizard", "The set-up failed: {why}").format(
                    why=describe_error(error)[0]
                )
            )
            return
        finally:
            self.running = False
            self.wizard.update_buttons()
        self.bridge.flush()
        self.job_id = self.result.job.id
        self.done = True
        self.data.facts = await self.wizard.work(run_in_thread(probe, board))
        self.wizard.facts_read.emit(self.data.facts)
        result = self.result
        self.show_outcome(lambda: self._summary(result))
        if self.wizard.current is self:
            self.wizard.go_next()

    def _summary(self, result: core_setup.SetupResult) -> str:
        if result.gpu_used:
            return QCoreApplication.translate(
                "Wizard", "llama.cpp {version} is ready and uses the GPU ({device})."
            ).format(version=result.version_label, device=result.gpu)
        return QCoreApplication.translate(
            "Wizard", "llama.cpp {version} is ready; it runs on the CPU: {why}."
        ).format(version=result.version_label, why=gpu_reason_text(result))

    async def advance(self) -> bool:
        if self.done:
            return True
        if not self.running:
            spawn(self._run())
        return False
