"""The first-run wizard: from "I just plugged in my board" to the first chat, with no terminal.

welcome → find the board → sign in → check the board → set up → pick a model → download and quantize →
start the server → first chat. Each step is a small widget class with `enter()` (the page is shown; may
start work or find its work already done and let the wizard skip it) and `advance()` (Next was pressed; True
goes on). Long work runs in worker threads with a `CancelToken`; the wizard shows a busy bar and a Cancel
button meanwhile and never blocks the event loop. The page reached is saved (`wizard/page`), so reopening the
wizard resumes there; the board-side jobs (setup, download, quantize, server) are re-attached by their key.

Work is injected (Picard's executor idea): `WizardServices` holds the functions that touch the network, so a
test can point discovery at the rig; everything else is the real core.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from rubikpi_studio.core import appdirs, discovery, secrets
from rubikpi_studio.core import models as core_models
from rubikpi_studio.core.boards import (
    BoardProfile,
    BoardRegistry,
    connect_profile,
    remember_password,
    stored_password,
)
from rubikpi_studio.core.catalogue import CatalogueModel
from rubikpi_studio.core.discovery import FoundHost
from rubikpi_studio.core.errors import Cancelled, PasswordExpired, StudioError, Unreachable
from rubikpi_studio.core.estimate import SetupEstimate, estimate_setup
from rubikpi_studio.core.events import CancelToken
from rubikpi_studio.core.probe import BoardFacts, probe
from rubikpi_studio.core.ssh import Board, KnownHosts, Target, change_expired_password, fingerprint

from . import settings as S
from .bridge import run_in_thread, widget_slot
from .i18n import QT_TRANSLATE_NOOP, describe_error, error_text
from .pages.base import ConnectionState, StudioState
from .settings import Settings
from .wizard_pages.base import Step, WizardData, WizardServices, size_text, spawn, wrap
from .wizard_pages.chat import ChatStep
from .wizard_pages.model import WIZARD_MODEL, BoardModels, DownloadStep, ModelStep, default_choice
from .wizard_pages.server import ServerStep
from .wizard_pages.setup import SetupStep

log = logging.getLogger(__name__)

DEFAULT_USER = "ubuntu"
DEFAULT_PASSWORD = "ubuntu"  # noqa: S105 - the Ubuntu image's documented first login (facts A2); not a secret


_wrap = wrap


# ------------------------------------------------------------------------------------------------ welcome
class WelcomeStep(Step):
    name = "welcome"
    title = QT_TRANSLATE_NOOP("Wizard", "Welcome")

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.text = _wrap(QLabel())
        self.before = _wrap(QLabel())
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.before)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.text.setText(
            QCoreApplication.translate(
                "Wizard",
                "This wizard connects to your RUBIK Pi 3, installs llama.cpp on it and starts a chat model "
                "on its GPU. You will not need a terminal.",
            )
        )
        self.before.setText(
            QCoreApplication.translate(
                "Wizard",
                "Before you start: the board is powered on, has the Ubuntu image, and is on the same network "
                "as this computer (cable or Wi-Fi). You can leave the wizard at any time and continue later "
                "from where you were.",
            )
        )


# ------------------------------------------------------------------------------------------------ find
class FindStep(Step):
    name = "find"
    title = QT_TRANSLATE_NOOP("Wizard", "Find the board")
    found_signal = Signal(object)

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.intro = _wrap(QLabel())
        self.host_list = QListWidget()
        self.host_list.setObjectName("hostList")
        self.search_button = QPushButton()
        self.search_button.clicked.connect(self._on_search_button_clicked)
        self.scan_button = QPushButton()
        self.scan_button.setObjectName("scanButton")
        self.scan_button.clicked.connect(self._on_scan_button_clicked)
        self.manual_edit = QLineEdit()
        self.manual_edit.setObjectName("manualEdit")
        self.port_spin = QSpinBox()
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(22)
        self.help = _wrap(QLabel())
        self.help.setTextFormat(Qt.TextFormat.RichText)
        self.status = _wrap(QLabel())
        self.hosts: dict[str, FoundHost] = {}
        self.found_signal.connect(self._on_found, Qt.ConnectionType.QueuedConnection)
        self._searched = False
        buttons = QHBoxLayout()
        buttons.addWidget(self.search_button)
        buttons.addWidget(self.scan_button)
        buttons.addStretch(1)
        manual = QHBoxLayout()
        self.manual_label = QLabel()
        manual.addWidget(self.manual_label)
        manual.addWidget(self.manual_edit, 1)
        manual.addWidget(self.port_spin)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.host_list, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addLayout(manual)
        layout.addWidget(self.help)
        self.retranslate()

    def retranslate(self) -> None:
        self.intro.setText(
            QCoreApplication.translate(
                "Wizard", "Boards and other SSH servers found on your network. The likely RUBIK Pi is chosen."
            )
        )
        self.search_button.setText(QCoreApplication.translate("Wizard", "Search again"))
        self.scan_button.setText(QCoreApplication.translate("Wizard", "Scan the local network"))
        self.scan_button.setToolTip(
            QCoreApplication.translate(
                "Wizard",
                "Tries port 22 on every address of this computer's network, slowly and for at most 15 "
                "seconds. Only when you ask.",
            )
        )
        self.manual_label.setText(QCoreApplication.translate("Wizard", "Or type its address:"))
        self.manual_edit.setPlaceholderText(QCoreApplication.translate("Wizard", "e.g. 192.168.1.253"))
        self.help.setText(
            QCoreApplication.translate(
                "Wizard",
                "Nothing found? Connect a screen and keyboard to the board (or its USB serial console), "
                "sign in, and run <b>ip addr</b> (or <b>ifconfig</b>): the address is the <b>inet</b> number "
                "of <b>eth0</b> or <b>wlan0</b>, such as 192.168.1.253.",
            )
        )
        for row in range(self.host_list.count()):
            item = self.host_list.item(row)
            host = self.hosts.get(str(item.data(Qt.ItemDataRole.UserRole)))
            if host is not None:
                item.setText(self._describe(host))

    def _describe(self, host: FoundHost) -> str:
        what = {
            discovery.LIKELY: QCoreApplication.translate("Wizard", "looks like a RUBIK Pi"),
            discovery.MAYBE: QCoreApplication.translate("Wizard", "Ubuntu, maybe a RUBIK Pi"),
            discovery.OTHER: QCoreApplication.translate("Wizard", "another SSH server"),
            discovery.NOT_SSH: QCoreApplication.translate("Wizard", "no SSH answer"),
        }[host.verdict]
        address = host.address if host.port == 22 else f"{host.address}:{host.port}"
        name = f"{host.name} — " if host.name else ""
        return f"{name}{address} — {what}"

    def enter(self) -> None:
        if not self._searched:
            self._searched = True
            self._start(self.wizard.services.discover)

    def _on_found(self, host: FoundHost) -> None:
        self.hosts[host.key] = host
        for row in range(self.host_list.count()):
            item = self.host_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == host.key:
                item.setText(self._describe(host))
                break
        else:
            item = QListWidgetItem(self._describe(host))
            item.setData(Qt.ItemDataRole.UserRole, host.key)
            self.host_list.addItem(item)
        best = min(self.hosts.values(), key=lambda h: discovery.VERDICT_ORDER.index(h.verdict))
        current = self.selected()
        if current is None or discovery.VERDICT_ORDER.index(best.verdict) < discovery.VERDICT_ORDER.index(
            current.verdict
        ):
            for row in range(self.host_list.count()):
                if self.host_list.item(row).data(Qt.ItemDataRole.UserRole) == best.key:
                    self.host_list.setCurrentRow(row)
        self.wizard.update_buttons()

    def selected(self) -> FoundHost | None:
        item = self.host_list.currentItem()
        return self.hosts.get(str(item.data(Qt.ItemDataRole.UserRole))) if item is not None else None

    @widget_slot()
    async def _on_search_button_clicked(self) -> None:
        self._start(self.wizard.services.discover)

    @widget_slot()
    async def _on_scan_button_clicked(self) -> None:
        self._start(self.wizard.services.scan)

    def _start(self, work: Callable[[Callable[[FoundHost], None], CancelToken], object]) -> None:
        async def run() -> None:
            self.show_text(self.status, lambda: QCoreApplication.translate("Wizard", "Searching…"))
            with contextlib.suppress(Cancelled):
                await self.wizard.work(run_in_thread(work, self.found_signal.emit, self.wizard.cancel))
            if not self.hosts:
                self.show_text(
                    self.status,
                    lambda: QCoreApplication.translate(
                        "Wizard", "No board found yet. Type its address below."
                    ),
                )
            else:
                n = len(self.hosts)
                self.show_text(
                    self.status, lambda: QCoreApplication.translate("Wizard", "{n} found.").format(n=n)
                )

        spawn(run())

    async def advance(self) -> bool:
        typed = self.manual_edit.text().strip()
        if typed:
            try:
                host = await self.wizard.work(
                    run_in_thread(self.wizard.services.check_host, typed, self.port_spin.value())
                )
            except Unreachable as exc:
                error = exc
                self.show_text(self.status, lambda: describe_error(error)[0])
                return False
            self._on_found(host)
        else:
            host = self.selected()
        if host is None:
            self.show_text(
                self.status,
                lambda: QCoreApplication.translate("Wizard", "Choose a board or type its address."),
            )
            return False
        key = await self.wizard.work(run_in_thread(self.wizard.services.host_key, host.address, host.port))
        self.data.host = host
        self.data.host_key = key
        return True


# ------------------------------------------------------------------------------------------------ sign in
class SignInStep(Step):
    name = "signin"
    title = QT_TRANSLATE_NOOP("Wizard", "Sign in")

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.board_label = _wrap(QLabel())
        self.board_label.setProperty("i18n_skip", True)
        self.fingerprint_label = _wrap(QLabel())
        self.fingerprint_label.setObjectName("fingerprint")
        self.fingerprint_label.setProperty("i18n_skip", True)
        self.fingerprint_note = _wrap(QLabel())
        self.user_edit = QLineEdit(DEFAULT_USER)
        self.user_edit.setObjectName("userEdit")
        self.password_edit = QLineEdit(DEFAULT_PASSWORD)
        self.password_edit.setObjectName("passwordEdit")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_edit = QLineEdit()
        self.new_edit.setObjectName("newPasswordEdit")
        self.new_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat_edit = QLineEdit()
        self.repeat_edit.setObjectName("repeatPasswordEdit")
        self.repeat_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember_check = QCheckBox()
        self.remember_check.setObjectName("rememberCheck")
        self.remember_check.setChecked(False)  # storing a password is the user's choice, never the default
        self.keyring_note = _wrap(QLabel())
        self.keyring_note.setObjectName("keyringNote")
        self.keyring_note.setVisible(False)
        self.keyring_usable: bool | None = None  # None while the check runs (see enter())
        self.keyring_check: asyncio.Task[None] | None = None
        self.expired_note = _wrap(QLabel())
        self.error = _wrap(QLabel())
        self.error.setObjectName("signinError")
        self.form = QFormLayout()
        self.user_label, self.password_label = QLabel(), QLabel()
        self.new_label, self.repeat_label = QLabel(), QLabel()
        self.form.addRow(self.user_label, self.user_edit)
        self.form.addRow(self.password_label, self.password_edit)
        self.form.addRow(self.expired_note)
        self.form.addRow(self.new_label, self.new_edit)
        self.form.addRow(self.repeat_label, self.repeat_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.board_label)
        layout.addWidget(self.fingerprint_label)
        layout.addWidget(self.fingerprint_note)
        layout.addLayout(self.form)
        layout.addWidget(self.remember_check)
        layout.addWidget(self.keyring_note)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self._show_expired(False)
        self.retranslate()

    def _show_expired(self, shown: bool) -> None:
        for w in (self.expired_note, self.new_label, self.new_edit, self.repeat_label, self.repeat_edit):
            w.setVisible(shown)

    def retranslate(self) -> None:
        self.fingerprint_note.setText(
            QCoreApplication.translate(
                "Wizard",
                "This fingerprint is the board's unique identity: the app remembers it and will refuse to "
                "connect if it ever changes, so no other machine can pretend to be your board.",
            )
        )
        self.user_label.setText(QCoreApplication.translate("Wizard", "User"))
        self.password_label.setText(QCoreApplication.translate("Wizard", "Password"))
        self.new_label.setText(QCoreApplication.translate("Wizard", "New password"))
        self.repeat_label.setText(QCoreApplication.translate("Wizard", "Repeat it"))
        self.expired_note.setText(
            QCoreApplication.translate(
                "Wizard",
                "The board asks for a new password before first use (a new board's password is ubuntu). "
                "Choose one and keep it safe.",
            )
        )
        self.remember_check.setText(
            QCoreApplication.translate("Wizard", "Remember the password in the system keyring")
        )
        self.keyring_note.setText(
            QCoreApplication.translate(
                "Wizard", "No system keyring is available, so the app will ask for the password each time."
            )
        )
        if self.keyring_usable is None:
            self.remember_check.setToolTip(
                QCoreApplication.translate("Wizard", "Checking for a system keyring…")
            )

    def enter(self) -> None:
        host, key = self.data.host, self.data.host_key
        if host is None:
            return
        self.board_label.setText(f"{host.display_name} ({host.address}:{host.port})")
        self.fingerprint_label.setText(
            f"<b>{key.get_name()}</b> <code>{fingerprint(key)}</code>" if key is not None else ""
        )
        self.show_text(self.error, None)
        key_id = Target(host.address, host.port, "-").resolve().key_id
        if key is not None and self.wizard.known_hosts.check(key_id, key)[0] == "mismatch":
            # Say it before a password is typed; signing in is refused anyway (and sends no password).
            self.show_text(self.error, lambda: error_text("E_HOSTKEY_CHANGED"))
        # Whether a keyring is usable is asked off the UI thread (a slow or locked keyring takes up to
        # secrets.TIMEOUT to answer); until then the box cannot be ticked.
        self.keyring_usable = None
        self.remember_check.setEnabled(False)
        self.retranslate()
        self.keyring_check = self._check_keyring()
        self.password_edit.setFocus()

    @widget_slot()
    async def _check_keyring(self) -> None:
        usable, why = await run_in_thread(secrets.status)
        self.keyring_usable = usable
        # Without a keyring the box stays in sight, greyed out, with the reason beside it: a box that just
        # vanished would leave the user wondering why the password is asked for again next time.
        self.remember_check.setEnabled(usable)
        self.remember_check.setToolTip(why)
        self.keyring_note.setVisible(not usable)
        if not usable:
            self.remember_check.setChecked(False)

    def next_text(self) -> str:
        return QCoreApplication.translate("Wizard", "Trust and sign in")

    async def advance(self) -> bool:
        host = self.data.host
        assert host is not None
        user = self.user_edit.text().strip() or DEFAULT_USER
        password = self.password_edit.text()
        new = self.new_edit.text()
        if self.new_edit.isVisible():
            if not new:
                self.show_text(
                    self.error, lambda: QCoreApplication.translate("Wizard", "Choose the new password.")
                )
                return False
            if new != self.repeat_edit.text():
                self.show_text(
                    self.error, lambda: QCoreApplication.translate("Wizard", "The two new passwords differ.")
                )
                return False
        name = host.name.removesuffix(".local") if host.name else host.address
        old = self.wizard.registry.get(name)
        profile = BoardProfile(
            name=name,
            host=host.address,
            port=host.port,
            user=user,
            identity=old.identity if old and old.user == user else "",
            remember_password=self.remember_check.isChecked(),
        )
        known = self.wizard.known_hosts
        target = profile.target(password)
        key_id = target.resolve().key_id
        if self.data.host_key is not None and known.check(key_id, self.data.host_key)[0] == "unknown":
            known.pin(key_id, self.data.host_key)  # exactly the key the user saw
        self.show_text(self.error, None)
        state = self.wizard.state
        state.set_board_name(profile.name)
        state.set_connection(ConnectionState.CONNECTING)
        try:
            if self.new_edit.isVisible():
                await self.wizard.work(run_in_thread(change_expired_password, target, known, new))
                password = new
            board = await self.wizard.work(run_in_thread(Board.connect, profile.target(password), known))
        except PasswordExpired:
            state.set_connection(ConnectionState.DISCONNECTED)
            self._show_expired(True)
            self.new_edit.setFocus()
            return False
        except StudioError as exc:
            state.set_connection(ConnectionState.FAILED)
            error = exc
            self.show_text(self.error, lambda: describe_error(error)[0])
            return False
        self._show_expired(False)
        self.data.profile, self.data.password, self.data.board = profile, password, board
        self.wizard.registry.upsert(profile)
        if profile.remember_password and password:
            await run_in_thread(remember_password, profile, password)
        state.set_connection(ConnectionState.CONNECTED, board)
        self.wizard.board_connected.emit(board)
        return True


# ------------------------------------------------------------------------------------------------ check
class CheckStep(Step):
    name = "check"
    title = QT_TRANSLATE_NOOP("Wizard", "Check the board")

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.table = QTableWidget(0, 2)
        self.table.setObjectName("factsTable")
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setProperty("i18n_skip", True)  # board values (OS names, versions) stay as they are
        self.plan = QTextBrowser()
        self.plan.setObjectName("plan")
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.plan, 1)
        self._estimate: tuple[BoardFacts, SetupEstimate] | None = None

    def enter(self) -> None:
        if self.data.facts is None and self.data.board is not None:

            async def read() -> None:
                assert self.data.board is not None
                self.data.facts = await self.wizard.work(run_in_thread(probe, self.data.board))
                self.wizard.facts_read.emit(self.data.facts)
                self.retranslate()

            spawn(read())
        self.retranslate()

    def retranslate(self) -> None:
        facts = self.data.facts
        if facts is None:
            self.plan.setText(QCoreApplication.translate("Wizard", "Reading the board's facts…"))
            return
        gib = 1024 * 1024
        rows = [
            (QCoreApplication.translate("Wizard", "Board"), facts.model or facts.hostname),
            (
                QCoreApplication.translate("Wizard", "System"),
                facts.os_name or f"{facts.os_id} {facts.os_version}",
            ),
            (
                QCoreApplication.translate("Wizard", "Memory"),
                QCoreApplication.translate("Wizard", "{n:.1f} GiB").format(n=facts.mem_total_kb / gib),
            ),
            (
                QCoreApplication.translate("Wizard", "Free disk"),
                QCoreApplication.translate("Wizard", "{n:.1f} GiB").format(n=facts.disk_free_kb / gib),
            ),
            (
                QCoreApplication.translate("Wizard", "GPU driver (OpenCL)"),
                QCoreApplication.translate("Wizard", "yes")
                if facts.has_adreno_opencl
                else QCoreApplication.translate("Wizard", "no"),
            ),
            (
                QCoreApplication.translate("Wizard", "llama.cpp"),
                facts.llama_version
                or facts.llama_bin
                or QCoreApplication.translate("Wizard", "not installed"),
            ),
            (
                # The probe's verdict (board model and host name), after the banner's guess on the find step.
                QCoreApplication.translate("Wizard", "Is it a RUBIK Pi?"),
                QCoreApplication.translate("Wizard", "yes, a RUBIK Pi")
                if facts.is_rubikpi
                else QCoreApplication.translate(
                    "Wizard", "no: another board (the set-up is made for the RUBIK Pi 3)"
                ),
            ),
        ]
        self.table.setRowCount(len(rows))
        for i, (label, value) in enumerate(rows):
            self.table.setItem(i, 0, QTableWidgetItem(label))
            self.table.setItem(i, 1, QTableWidgetItem(value))
        self.table.resizeColumnToContents(0)
        self.plan.setHtml(self.plan_html(facts, self.estimate(facts)))

    def estimate(self, facts: BoardFacts) -> SetupEstimate:
        """What the setup will do, with the model the model step will offer (remembered, else the smallest
        that fits) for the disk estimate. Cached per facts: the catalogue is read once."""
        if self._estimate is None or self._estimate[0] is not facts:
            catalogue = self.wizard.services.catalogue()
            remembered = self.wizard.settings.get(WIZARD_MODEL)
            disk = facts.disk_free_kb * 1024 if facts.disk_free_kb else None
            fits = {}
            for m in catalogue:
                fit = core_models.catalogue_fit(m, mem_total_kb=facts.mem_total_kb, disk_free_bytes=disk)
                fits[m.id] = fit.ram is not False and fit.disk is not False
            model = next((m for m in catalogue if m.id == remembered), None) or default_choice(
                catalogue, BoardModels("", frozenset(), ""), fits
            )
            self._estimate = (facts, estimate_setup(facts, model))
        return self._estimate[1]

    @staticmethod
    def plan_html(facts: BoardFacts, plan: SetupEstimate) -> str:
        items: list[str] = []
        if plan.build_llama:
            install = list(plan.apt_missing)
            if plan.build_opencl:
                install.append(
                    QCoreApplication.translate("Wizard", "the OpenCL headers and loader (built from source)")
                )
            if plan.clone_llama:
                install.append(QCoreApplication.translate("Wizard", "the llama.cpp source"))
            install.append(
                QCoreApplication.translate("Wizard", "llama.cpp built for the GPU (OpenCL)")
                if plan.gpu_build
                else QCoreApplication.translate("Wizard", "llama.cpp built for the CPU")
            )
            items.append(
                QCoreApplication.translate("Wizard", "Will install: {what}.").format(what=", ".join(install))
            )
        else:
            items.append(
                QCoreApplication.translate(
                    "Wizard", "llama.cpp is already installed: the set-up step is skipped."
                )
            )
        present = list(plan.apt_present)
        if plan.opencl_present:
            present.append(QCoreApplication.translate("Wizard", "the OpenCL headers and loader"))
        if plan.build_llama and not plan.clone_llama:
            present.append(QCoreApplication.translate("Wizard", "the llama.cpp source"))
        if not plan.build_llama:
            present.append(facts.llama_version or facts.llama_bin)
        if present:
            items.append(
                QCoreApplication.translate("Wizard", "Already there: {what}.").format(what=", ".join(present))
            )
        if plan.apt_missing and facts.sudo_needs_password:
            items.append(
                QCoreApplication.translate(
                    "Wizard", "Installing packages uses sudo with the password you signed in with."
                )
            )
        if plan.model is not None:
            items.append(
                QCoreApplication.translate(
                    "Wizard",
                    "Disk: about {total} (an estimate): {build} for llama.cpp and its build, {model} for "
                    "the model {name}.",
                ).format(
                    total=size_text(plan.disk_bytes),
                    build=size_text(plan.build_bytes),
                    model=size_text(plan.model_bytes),
                    name=plan.model.name,
                )
            )
        else:
            items.append(
                QCoreApplication.translate(
                    "Wizard", "Disk: about {total} for llama.cpp and its build (an estimate)."
                ).format(total=size_text(plan.build_bytes))
            )
        low, high = plan.minutes
        if plan.build_llama:
            items.append(
                QCoreApplication.translate(
                    "Wizard",
                    "Time: about {low}–{high} minutes (an estimate: {jobs} compile jobs on {cores} CPU "
                    "cores). The model download comes after and depends on your network.",
                ).format(low=low, high=high, jobs=plan.jobs, cores=facts.cpu_cores)
            )
        else:
            items.append(
                QCoreApplication.translate("Wizard", "Time: about a minute: llama.cpp is built already.")
            )
        if not facts.has_adreno_opencl:
            items.append(
                QCoreApplication.translate(
                    "Wizard",
                    "No Adreno OpenCL driver was found: llama.cpp will run on the CPU (slower). The GPU "
                    "needs the Ubuntu server image's qcom-adreno1 driver.",
                )
            )
        free = facts.disk_free_kb * 1024
        if facts.disk_free_kb and free < plan.disk_bytes:
            items.append(
                QCoreApplication.translate(
                    "Wizard", "Only {free} of disk is free, less than the {need} needed."
                ).format(free=size_text(free), need=size_text(plan.disk_bytes))
            )
        elif facts.disk_free_kb and facts.disk_free_kb < 4 * 1024 * 1024:
            items.append(
                QCoreApplication.translate("Wizard", "Less than 4 GiB of disk is free: a model may not fit.")
            )
        return "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>"

    async def advance(self) -> bool:
        return self.data.facts is not None

    def next_text(self) -> str:
        if self.data.facts is not None and self.data.facts.has_llama_cpp:
            return QCoreApplication.translate("Wizard", "Next")
        return QCoreApplication.translate("Wizard", "Set up")


STEPS: tuple[type[Step], ...] = (
    WelcomeStep,
    FindStep,
    SignInStep,
    CheckStep,
    SetupStep,
    ModelStep,
    DownloadStep,
    ServerStep,
    ChatStep,
)
NEEDS_BOARD = {"check", "setup", "model", "download", "server", "chat"}


# ------------------------------------------------------------------------------------------------ wizard
class SetupWizard(QDialog):
    board_connected = Signal(object)  # core.ssh.Board
    facts_read = Signal(object)  # BoardFacts
    finished_setup = Signal()

    def __init__(
        self,
        *,
        settings: Settings,
        state: StudioState,
        services: WizardServices | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("setupWizard")
        self.settings = settings
        self.state = state
        self.services = services or WizardServices()
        self.registry = BoardRegistry()
        self.known_hosts = KnownHosts(appdirs.known_hosts_path())
        self.data = WizardData()
        self.cancel = CancelToken()
        # Set when the wizard is closed: board jobs being followed are left running (see JobFollow).
        self.closed = threading.Event()
        self.user_actions = 0  # clicks on Next/Back (tests add their typed fields)
        self.going_forward = True  # the last move was Next (a step whose work is done skips itself)
        self._busy = 0
        self._jobs = 0

        self.stack = QStackedWidget(self)
        self.steps: list[Step] = [cls(self) for cls in STEPS]
        for step in self.steps:
            step.setObjectName(f"step_{step.name}")
            self.stack.addWidget(step)
        self.step_list = QListWidget()
        self.step_list.setObjectName("wizardSteps")
        self.step_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.step_list.setFixedWidth(200)
        for _ in self.steps:
            self.step_list.addItem("")
        self.heading = QLabel()
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setVisible(False)
        self.back_button = QPushButton()
        self.back_button.setObjectName("backButton")
        self.next_button = QPushButton()
        self.next_button.setObjectName("nextButton")
        self.next_button.setDefault(True)
        self.cancel_button = QPushButton()
        self.cancel_button.setObjectName("cancelButton")
        self.close_button = QPushButton()
        self.close_button.setObjectName("closeButton")
        self.back_button.clicked.connect(self._on_back_button_clicked)
        self.next_button.clicked.connect(self._on_next_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.close_button.clicked.connect(self.close)
        QShortcut(QKeySequence(Qt.Modifier.ALT | Qt.Key.Key_Left), self, self.back_button.click)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(0)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        buttons.addWidget(self.close_button)
        right = QVBoxLayout()
        right.addWidget(self.heading)
        right.addWidget(self.stack, 1)
        right.addLayout(buttons)
        body = QHBoxLayout(self)
        body.addWidget(self.step_list)
        body.addLayout(right, 1)
        self.resize(900, 600)
        self._index = 0
        self.retranslate()
        # A page to go on to once signed in again (the wizard resumed after an app restart), else "".
        self.resume_to = ""
        self.reconnecting: asyncio.Future[None] | None = None
        resume = settings.get(S.WIZARD_PAGE)
        names = [s.name for s in self.steps]
        active = self.registry.active_profile
        # Steps after sign-in need a connection: resume there when one exists; after an app restart,
        # reconnect the active board first; with no saved board, start again at "find".
        if resume in names and (resume not in NEEDS_BOARD or state.board is not None):
            if state.board is not None and resume in NEEDS_BOARD:
                self.data.board = state.board  # type: ignore[assignment]
            # Sign-in needs the host found before it; the app restarted since: find it again.
            self.show_step(names.index("find" if resume == "signin" else resume))
        elif resume in NEEDS_BOARD and active is not None:
            self.resume_to = resume
            self._show_signin_for(active)
            self.reconnecting = spawn(self._reconnect(active))
        elif resume in NEEDS_BOARD:
            self.show_step(names.index("find"))
        else:
            self.show_step(0)

    def _show_signin_for(self, profile: BoardProfile) -> None:
        """The sign-in step, filled in with the saved board `profile`, while the wizard reconnects to it."""
        signin = self.step("signin")
        assert isinstance(signin, SignInStep)
        name = profile.name
        self.data.host = FoundHost(profile.host, profile.port, name, "saved")
        self.show_step(self.steps.index(signin))
        signin.user_edit.setText(profile.user)
        signin.password_edit.clear()
        signin.show_text(
            signin.error,
            lambda: QCoreApplication.translate("Wizard", "Reconnecting to {name}…").format(name=name),
        )

    async def _reconnect(self, profile: BoardProfile) -> None:
        """Sign in again to the saved board `profile` with its keyring password or key (off the UI thread),
        then go on to `resume_to`. On failure the sign-in step stays, filled in, and says why."""
        signin = self.step("signin")
        assert isinstance(signin, SignInStep)
        name = profile.name
        state = self.state
        state.set_board_name(name)
        state.set_connection(ConnectionState.CONNECTING)
        password: str | None = None
        try:
            if not profile.identity:
                password = await self.work(run_in_thread(stored_password, profile))
                if password is None:
                    state.set_connection(ConnectionState.DISCONNECTED)
                    signin.show_text(
                        signin.error,
                        lambda: QCoreApplication.translate(
                            "Wizard",
                            "The password for {name} is not saved: type it to continue where you left off.",
                        ).format(name=name),
                    )
                    signin.password_edit.setFocus()
                    return
            board = await self.work(
                run_in_thread(connect_profile, profile, password=password, known_hosts=self.known_hosts)
            )
        except StudioError as exc:
            log.info("wizard: reconnecting to %s failed: %s", name, exc)
            state.set_connection(ConnectionState.FAILED)
            error = exc
            signin.password_edit.setText(password or "")
            signin.show_text(
                signin.error,
                lambda: QCoreApplication.translate("Wizard", "Could not reconnect to {name}: {why}").format(
                    name=name, why=describe_error(error)[0]
                ),
            )
            signin.password_edit.setFocus()
            return
        self.data.profile, self.data.password, self.data.board = profile, password, board
        signin.show_text(signin.error, None)
        state.set_connection(ConnectionState.CONNECTED, board)
        self.board_connected.emit(board)
        if self.current is signin and self.resume_to and not self.closed.is_set():
            self._go_on_to_resume()

    def _go_on_to_resume(self) -> None:
        target = next(i for i, s in enumerate(self.steps) if s.name == self.resume_to)
        self.resume_to = ""
        self.going_forward = True
        self.show_step(target)

    # -- texts -----------------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(QCoreApplication.translate("Wizard", "Set up your RUBIK Pi"))
        for row, step in enumerate(self.steps):
            self.step_list.item(row).setText(
                QCoreApplication.translate("Wizard", "{n}. {title}").format(
                    n=row + 1, title=QCoreApplication.translate("Wizard", step.title)
                )
            )
        self.back_button.setText(QCoreApplication.translate("Wizard", "Back"))
        self.cancel_button.setText(QCoreApplication.translate("Wizard", "Cancel"))
        self.close_button.setText(QCoreApplication.translate("Wizard", "Close"))
        if hasattr(self, "_index"):
            self.heading.setText(QCoreApplication.translate("Wizard", self.current.title))
            self.update_buttons()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- navigation ------------------------------------------------------------------------------------
    @property
    def current(self) -> Step:
        return self.steps[self._index]

    def show_step(self, index: int) -> None:
        self._index = index
        step = self.steps[index]
        self.stack.setCurrentWidget(step)
        self.step_list.setCurrentRow(index)
        self.heading.setText(QCoreApplication.translate("Wizard", step.title))
        self.settings.set(S.WIZARD_PAGE, step.name)
        self.update_buttons()
        step.enter()
        self.next_button.setFocus()

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)

    def go_next(self) -> None:
        self.going_forward = True
        if self.resume_to and self.current.name == "signin":
            self._go_on_to_resume()  # signed in again after an app restart: back to where the user was
        elif self._index + 1 < len(self.steps):
            self.show_step(self._index + 1)
        else:
            self.settings.set(S.SHOW_WIZARD, False)
            self.settings.set(S.WIZARD_PAGE, "")
            self.finished_setup.emit()
            self.accept()

    def skip_current(self, step: Step | None = None) -> None:
        """The current step found its work already done on the board (`step`: only if still current)."""
        if step is None or step is self.current:
            self.go_next()

    def update_buttons(self) -> None:
        busy = self._busy > 0
        next_was_off = not self.next_button.isEnabled()
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.back_button.setEnabled(not busy and self._index > 0 and self.current.can_go_back())
        self.next_button.setEnabled(not busy)
        self.next_button.setText(self.current.next_text())
        if next_was_off and not busy:
            self._give_next_the_focus()

    def _give_next_the_focus(self) -> None:
        """Turning Next off moves the keyboard focus on, to Close, where Return would close the wizard; once
        Next works again it gets the focus back, unless the user is in one of the page's fields."""
        focus = QApplication.focusWidget()
        buttons = (self.close_button, self.cancel_button, self.back_button)
        if focus is None or focus in buttons or not focus.isVisible():
            self.next_button.setFocus()

    async def work(self, coro: Coroutine[Any, Any, Any], *, job: bool = False) -> Any:
        """Await long work with the busy bar and Cancel shown; the token is fresh for each piece. `job`: the
        work follows a board job, which closing the wizard leaves running (Cancel stops it)."""
        if self.cancel.is_cancelled and not self.closed.is_set():
            self.cancel = CancelToken()
        self._busy += 1
        self._jobs += job
        self.update_buttons()
        try:
            return await coro
        finally:
            self._busy -= 1
            self._jobs -= job
            if not self.closed.is_set():
                self.update_buttons()

    async def ensure_facts(self) -> BoardFacts:
        """The board's facts, probed now if no step has read them yet (a wizard resumed on a later step)."""
        if self.data.facts is None:
            assert self.data.board is not None
            self.data.facts = await self.work(run_in_thread(probe, self.data.board))
            self.facts_read.emit(self.data.facts)
        return self.data.facts

    async def ensure_model(self) -> CatalogueModel | None:
        """The model chosen on the model step, or (a wizard resumed later) the one remembered in the settings.
        None sends the user back to the model step."""
        if self.data.model is not None:
            return self.data.model
        remembered = self.settings.get(WIZARD_MODEL)
        model = next((m for m in self.services.catalogue() if m.id == remembered), None)
        if model is None or self.data.board is None:
            self.show_step([s.name for s in self.steps].index("model"))
            return None
        board = self.data.board
        directory = await self.work(run_in_thread(core_models.models_dir, board, create=False))
        step = self.step("model")
        assert isinstance(step, ModelStep)
        step.on_board = type(step.on_board)(directory, step.on_board.names, step.on_board.served)
        step.choose(model)
        return model

    # -- the main window --------------------------------------------------------------------------------
    def chat_page(self) -> Any:
        """The main window's Chat page (it has `input`, `send()`, `endpoint`, `server_info`), or None."""
        page = getattr(self.parentWidget(), "page", None)
        return page("chat") if callable(page) else None

    def navigate(self, name: str) -> None:
        show = getattr(self.parentWidget(), "show_page", None)
        if callable(show):
            show(name)

    @widget_slot()
    async def _on_next_button_clicked(self) -> None:
        self.user_actions += 1
        step = self.current
        self.next_button.setEnabled(False)
        try:
            ok = await step.advance()
        except Cancelled:
            ok = False
        except StudioError as exc:
            log.warning("wizard step %s: %s", step.name, exc)
            from .bridge import show_error

            show_error(self, exc)
            ok = False
        finally:
            self.update_buttons()
        if ok and step is self.current:
            self.go_next()

    def _on_back_button_clicked(self) -> None:
        self.user_actions += 1
        self.going_forward = False
        self.resume_to = ""  # going back to find a board: no longer resuming where the user was
        if self._index > 0:
            target = self._index - 1
            if self.steps[target].name == "signin" and self.data.board is not None:
                target -= 1  # signed in already: back goes to finding another board
            self.show_step(target)

    def _on_cancel_button_clicked(self) -> None:
        self.cancel.cancel()

    def _closing(self) -> None:
        # Closing mid-work stops the local follow only; board jobs go on and are re-attached next time.
        # Cancelling would stop them on the board, so only work that is not a board job is cancelled.
        self.closed.set()
        if not self._jobs:
            self.cancel.cancel()
        self.settings.sync()

    def closeEvent(self, event: Any) -> None:
        self._closing()
        super().closeEvent(event)

    def reject(self) -> None:
        # Escape hides a dialog through reject() without a closeEvent: close the same way as Close does.
        self._closing()
        super().reject()


def open_wizard(
    window: QWidget, *, settings: Settings, state: StudioState, services: WizardServices | None = None
) -> SetupWizard:
    """Show the wizard window-modally over `window` (non-blocking) and return it."""
    wizard = SetupWizard(settings=settings, state=state, services=services, parent=window)
    wizard.setWindowModality(Qt.WindowModality.WindowModal)
    wizard.show()
    return wizard


def share_with_board_page(wizard: SetupWizard, board_page: QWidget | None) -> None:
    """Let the main window's Board page show the board the wizard signed in to (and its facts)."""
    from .pages.board import BoardPage

    if not isinstance(board_page, BoardPage):
        return
    page = board_page

    def connected(board: Board) -> None:
        page.registry = BoardRegistry()
        page.board = board
        page._password = wizard.data.password  # session only, as the page does itself
        page._fill_combo()
        page._update_buttons()
        page._show_status()

    def facts(facts: BoardFacts) -> None:
        page.facts = facts
        page._show_facts(facts)

    wizard.board_connected.connect(connected)
    wizard.facts_read.connect(facts)
