"""The Board page: saved boards, the connect dialog, the host-key question, the board's facts and a log."""

from __future__ import annotations

import logging
from functools import cached_property
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rubikpi_studio.core import appdirs, secrets
from rubikpi_studio.core.boards import BoardProfile, BoardRegistry, remember_password, stored_password
from rubikpi_studio.core.errors import (
    AuthFailed,
    HostKeyMismatch,
    HostKeyUnknown,
    PasswordExpired,
    StudioError,
)
from rubikpi_studio.core.events import LOG, Event

from ..bridge import EventBridge, guarded, run_in_thread, show_error, widget_slot
from ..dialogs import ask_secret, dialog_result
from ..i18n import QT_TRANSLATE_NOOP
from ..widgets import LogPane
from .base import ConnectionState, Page, PageContext, register_page

if TYPE_CHECKING:  # imported when first used: the first window (this page) shows without the SSH stack
    from PySide6.QtWidgets import QMessageBox

    from rubikpi_studio.core.probe import BoardFacts
    from rubikpi_studio.core.ssh import Board, KnownHosts

    from ..connect_dialog import ConnectDialog

log = logging.getLogger(__name__)


@register_page
class BoardPage(Page):
    name = "board"
    title = QT_TRANSLATE_NOOP("Page", "Board")
    order = 10
    icon = "board"
    needs_board = False

    @cached_property
    def known_hosts(self) -> KnownHosts:
        from rubikpi_studio.core.ssh import KnownHosts

        return KnownHosts(appdirs.known_hosts_path())

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.registry = BoardRegistry()
        self.board: Board | None = None
        self.facts: BoardFacts | None = None
        self.connect_dialog: ConnectDialog | None = None
        self.host_key_box: QMessageBox | None = None
        self._password: str | None = None  # for this session only, unless remembered in the keyring

        self.heading = QLabel()
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        self.board_combo = QComboBox()
        self.board_combo.setObjectName("boardCombo")
        self.board_combo.currentTextChanged.connect(self._on_board_combo_changed)
        self.connect_button = QPushButton()
        self.connect_button.setObjectName("connectButton")
        self.connect_button.clicked.connect(self._on_connect_button_clicked)
        self.edit_button = QPushButton()
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.disconnect_button = QPushButton()
        self.disconnect_button.clicked.connect(self._on_disconnect_button_clicked)
        self.key_switch_button = QPushButton()
        self.key_switch_button.clicked.connect(self._on_key_switch_button_clicked)
        self.forget_key_button = QPushButton()
        self.forget_key_button.clicked.connect(self._on_forget_key_button_clicked)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setObjectName("statusLabel")
        row = QHBoxLayout()
        row.addWidget(self.board_combo, 1)
        row.addWidget(self.connect_button)
        row.addWidget(self.edit_button)
        row.addWidget(self.disconnect_button)

        self.facts_box = QGroupBox()
        self.facts_table = QTableWidget(0, 2)
        self.facts_table.setObjectName("factsTable")
        self.facts_table.verticalHeader().setVisible(False)
        self.facts_table.horizontalHeader().setVisible(False)
        self.facts_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.facts_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.facts_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.gpu_note = QLabel()
        self.gpu_note.setWordWrap(True)
        facts_layout = QVBoxLayout(self.facts_box)
        facts_layout.addWidget(self.facts_table)
        facts_layout.addWidget(self.gpu_note)
        actions = QHBoxLayout()
        actions.addWidget(self.key_switch_button)
        actions.addWidget(self.forget_key_button)
        actions.addStretch(1)
        facts_layout.addLayout(actions)

        self.log_box = QGroupBox()
        self.log_pane = LogPane()
        QVBoxLayout(self.log_box).addWidget(self.log_pane)
        self.bridge = EventBridge(self)
        self.bridge.events_ready.connect(self.log_pane.apply_events)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addWidget(self.heading)
        layout.addLayout(row)
        layout.addWidget(self.status_label)
        layout.addWidget(self.facts_box, 3)
        layout.addWidget(self.log_box, 2)
        self._fill_combo()
        self._update_buttons()
        self.retranslate()

    # ------------------------------------------------------------------ texts
    def retranslate(self) -> None:
        self.heading.setText(QCoreApplication.translate("BoardPage", "Your board"))
        self.connect_button.setText(QCoreApplication.translate("BoardPage", "Connect…"))
        self.edit_button.setText(QCoreApplication.translate("BoardPage", "Edit…"))
        self.disconnect_button.setText(QCoreApplication.translate("BoardPage", "Disconnect"))
        self.key_switch_button.setText(
            QCoreApplication.translate("BoardPage", "Sign in with a key from now on")
        )
        self.key_switch_button.setToolTip(
            QCoreApplication.translate(
                "BoardPage",
                "Create a key pair on this computer, install it on the board and stop using the password.",
            )
        )
        self.forget_key_button.setText(QCoreApplication.translate("BoardPage", "Forget the board's host key"))
        self.facts_box.setTitle(QCoreApplication.translate("BoardPage", "What the board has"))
        self.log_box.setTitle(QCoreApplication.translate("BoardPage", "Log"))
        if self.facts is not None:
            self._show_facts(self.facts)
        self._show_status()

    def _show_status(self) -> None:
        profile = self.registry.active_profile
        if self.board is not None and profile is not None:
            self.status_label.setText(
                QCoreApplication.translate("BoardPage", "Connected to {name} as {user}.").format(
                    name=profile.name, user=profile.user
                )
            )
        elif profile is None:
            self.status_label.setText(
                QCoreApplication.translate(
                    "BoardPage", "No board yet. Choose Connect… and enter the board's address."
                )
            )
        else:
            self.status_label.setText(QCoreApplication.translate("BoardPage", "Not connected."))

    def _fill_combo(self) -> None:
        self.board_combo.blockSignals(True)
        self.board_combo.clear()
        for profile in self.registry.boards:
            self.board_combo.addItem(profile.name)
        if self.registry.active:
            self.board_combo.setCurrentText(self.registry.active)
        self.board_combo.blockSignals(False)

    def _update_buttons(self) -> None:
        connected = self.board is not None
        self.disconnect_button.setEnabled(connected)
        self.edit_button.setEnabled(bool(self.registry.boards) and not connected)
        self.board_combo.setEnabled(not connected)
        profile = self.registry.active_profile
        self.key_switch_button.setVisible(connected and profile is not None and not profile.identity)
        self.forget_key_button.setEnabled(not connected and profile is not None)

    def _log(self, text: str) -> None:
        self.bridge(Event(LOG, message=text))

    # ------------------------------------------------------------------ actions
    def _on_board_combo_changed(self, name: str) -> None:
        if name and self.registry.get(name) is not None:
            self.registry.active = name
            self.registry.save()
            self.context.state.set_board_name(name)
            self._show_status()

    @widget_slot()
    async def _on_edit_button_clicked(self) -> None:
        await self._open_connect_dialog(self.registry.active_profile)

    @widget_slot()
    async def _on_connect_button_clicked(self) -> None:
        profile = self.registry.active_profile
        if profile is None or not self._can_connect_silently(profile):
            await self._open_connect_dialog(profile)
        else:
            await self.connect_to(profile, self._password)

    def _can_connect_silently(self, profile: BoardProfile) -> bool:
        return bool(profile.identity or profile.remember_password or self._password)

    async def _open_connect_dialog(self, profile: BoardProfile | None) -> None:
        from ..connect_dialog import ConnectDialog

        dialog = ConnectDialog(profile, self)
        self.connect_dialog = dialog
        try:
            if await dialog_result(dialog) != QDialog.DialogCode.Accepted:
                return
            new = dialog.profile()
            password = dialog.password()
        finally:
            self.connect_dialog = None
            dialog.deleteLater()
        self.registry.upsert(new)
        self._fill_combo()
        self.context.state.set_board_name(new.name)
        await self.connect_to(new, password)

    @guarded("connect_button", "edit_button")
    async def connect_to(self, profile: BoardProfile, password: str | None) -> None:
        """Connect (asking about the host key, passphrase or a forced password change), then probe."""
        state = self.context.state
        state.set_board_name(profile.name)
        state.set_connection(ConnectionState.CONNECTING)
        if password is None and not profile.identity:
            password = await run_in_thread(stored_password, profile)
        accept = False
        passphrase: str | None = None
        self._log(
            QCoreApplication.translate("BoardPage", "Connecting to {target}…").format(target=profile.ident)
        )
        from rubikpi_studio.core.ssh import Board, change_expired_password

        try:
            for _attempt in range(4):
                try:
                    board = await run_in_thread(
                        Board.connect,
                        profile.target(password, passphrase),
                        self.known_hosts,
                        accept_new_host_key=accept,
                    )
                    break
                except HostKeyUnknown as exc:
                    if not await self._ask_host_key(profile, exc):
                        self._log(
                            QCoreApplication.translate(
                                "BoardPage", "The host key was not accepted; not connected."
                            )
                        )
                        state.set_connection(ConnectionState.DISCONNECTED)
                        return
                    accept = True
                except AuthFailed as exc:
                    if exc.reason == "passphrase_needed" or exc.reason == "passphrase":
                        passphrase = await ask_secret(
                            self,
                            QCoreApplication.translate("BoardPage", "Passphrase for the key {key}:").format(
                                key=profile.identity
                            ),
                        )
                        if passphrase is None:
                            raise
                    else:
                        raise
                except PasswordExpired:
                    if password is None:
                        raise
                    new = await self._ask_new_password(profile)
                    if new is None:
                        raise
                    await run_in_thread(
                        change_expired_password, profile.target(password), self.known_hosts, new
                    )
                    self._log(
                        QCoreApplication.translate("BoardPage", "The password was changed on the board.")
                    )
                    password = new
            else:
                raise AuthFailed("Too many attempts.", reason="password")
        except HostKeyMismatch as exc:
            state.set_connection(ConnectionState.FAILED)
            self._log(str(exc))
            raise
        except StudioError as exc:
            state.set_connection(ConnectionState.FAILED)
            self._log(exc.message)
            raise
        self.board = board
        self._password = password
        if password and profile.remember_password:
            stored, why = await run_in_thread(remember_password, profile, password)
            if not stored:
                self._log(
                    QCoreApplication.translate("BoardPage", "The password was not saved: {why}").format(
                        why=why
                    )
                )
        self._log(QCoreApplication.translate("BoardPage", "Connected. Reading the board's facts…"))
        state.set_connection(ConnectionState.CONNECTED, board)
        self._update_buttons()
        self._show_status()
        try:
            from rubikpi_studio.core.probe import probe

            facts = await run_in_thread(probe, board)
        except StudioError as exc:
            self._log(exc.message)
            raise
        self.facts = facts
        profile.notes = {"hostname": facts.hostname, "model": facts.model, "arch": facts.arch}
        self.registry.upsert(profile)
        self._show_facts(facts)
        self._log(QCoreApplication.translate("BoardPage", "Board facts read."))

    async def _ask_host_key(self, profile: BoardProfile, exc: HostKeyUnknown) -> bool:
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(self)
        box.setObjectName("hostKeyPrompt")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(QCoreApplication.translate("BoardPage", "Is this your board?"))
        box.setText(
            QCoreApplication.translate(
                "BoardPage",
                "This is the first connection to {target}. Its identity (host key fingerprint) is:",
            ).format(target=profile.ident)
            + f"\n\n{exc.data.get('fingerprint', '')}\n\n"
            + QCoreApplication.translate(
                "BoardPage",
                "The app remembers it and will refuse to connect if it ever changes. To be sure, compare it "
                "with what `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` prints on the board.",
            )
        )
        trust = box.addButton(
            QCoreApplication.translate("BoardPage", "Trust this board"), QMessageBox.ButtonRole.AcceptRole
        )
        box.addButton(QCoreApplication.translate("BoardPage", "Cancel"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(trust)
        self.host_key_box = box
        try:
            await dialog_result(box)
            return box.clickedButton() is trust
        finally:
            self.host_key_box = None
            box.deleteLater()

    async def _ask_new_password(self, profile: BoardProfile) -> str | None:
        first = await ask_secret(
            self,
            QCoreApplication.translate(
                "BoardPage", "The board asks {user} to choose a new password before first use. New password:"
            ).format(user=profile.user),
        )
        if first is None:
            return None
        second = await ask_secret(self, QCoreApplication.translate("BoardPage", "Repeat the new password:"))
        if second != first:
            show_error(self, AuthFailed("The two new passwords differ.", reason="new_password"))
            return None
        return first

    @widget_slot()
    async def _on_disconnect_button_clicked(self) -> None:
        await self.disconnect_board()

    async def disconnect_board(self) -> None:
        board, self.board = self.board, None
        if board is not None:
            await run_in_thread(board.close)
        self.context.state.set_connection(ConnectionState.DISCONNECTED)
        self._log(QCoreApplication.translate("BoardPage", "Disconnected."))
        self._update_buttons()
        self._show_status()

    @widget_slot()
    @guarded("key_switch_button")
    async def _on_key_switch_button_clicked(self) -> None:
        profile = self.registry.active_profile
        board = self.board
        if profile is None or board is None:
            return
        from rubikpi_studio.core.ssh import generate_key_pair, install_public_key

        key_path = appdirs.keys_dir() / f"id_ed25519_{profile.name.replace(' ', '_').replace('/', '_')}"
        line = await run_in_thread(generate_key_pair, key_path, f"rubikpi-studio {profile.ident}")
        await run_in_thread(install_public_key, board, line)
        profile.identity = str(key_path)
        if profile.remember_password:
            await run_in_thread(secrets.delete, "password", profile.ident)
            profile.remember_password = False
        self.registry.upsert(profile)
        self._log(
            QCoreApplication.translate(
                "BoardPage", "From now on the app signs in with the key {path}."
            ).format(path=str(key_path))
        )
        self._update_buttons()

    def _on_forget_key_button_clicked(self) -> None:
        profile = self.registry.active_profile
        if profile is None:
            return
        target = profile.target()
        self.known_hosts.forget(target.resolve().key_id)
        self._log(
            QCoreApplication.translate("BoardPage", "The pinned host key of {target} was forgotten.").format(
                target=profile.ident
            )
        )

    # ------------------------------------------------------------------ facts
    def _fact_rows(self, facts: BoardFacts) -> list[tuple[str, str]]:
        gib = 1024 * 1024
        if facts.gpu_model:
            gpu = facts.gpu_model
        elif facts.kgsl_device:
            gpu = QCoreApplication.translate("BoardPage", "Adreno (KGSL driver)")
        else:
            gpu = QCoreApplication.translate("BoardPage", "no Adreno GPU driver (KGSL) found")
        if facts.has_adreno_opencl:
            opencl = QCoreApplication.translate("BoardPage", "yes ({lib})").format(lib=facts.opencl_lib)
        elif facts.opencl_lib:
            opencl = QCoreApplication.translate("BoardPage", "library only ({lib}), no Adreno GPU").format(
                lib=facts.opencl_lib
            )
        else:
            opencl = QCoreApplication.translate("BoardPage", "no")
        sudo = {
            "nopasswd": QCoreApplication.translate("BoardPage", "works without a password"),
            "password": QCoreApplication.translate("BoardPage", "asks for the account's password"),
        }.get(facts.sudo, QCoreApplication.translate("BoardPage", "not available"))
        return [
            (QCoreApplication.translate("BoardPage", "Board"), facts.model or facts.hostname),
            (
                QCoreApplication.translate("BoardPage", "Operating system"),
                facts.os_name or f"{facts.os_id} {facts.os_version}",
            ),
            (QCoreApplication.translate("BoardPage", "Architecture"), facts.arch),
            (QCoreApplication.translate("BoardPage", "CPU cores"), str(facts.cpu_cores)),
            (
                QCoreApplication.translate("BoardPage", "Memory"),
                QCoreApplication.translate("BoardPage", "{total:.1f} GiB ({free:.1f} GiB free)").format(
                    total=facts.mem_total_kb / gib, free=facts.mem_available_kb / gib
                ),
            ),
            (
                QCoreApplication.translate("BoardPage", "Free disk in home"),
                QCoreApplication.translate("BoardPage", "{free:.1f} GiB").format(
                    free=facts.disk_free_kb / gib
                ),
            ),
            (QCoreApplication.translate("BoardPage", "GPU"), gpu),
            (QCoreApplication.translate("BoardPage", "OpenCL"), opencl),
            (
                QCoreApplication.translate("BoardPage", "llama.cpp"),
                facts.llama_version
                or facts.llama_bin
                or QCoreApplication.translate("BoardPage", "not installed"),
            ),
            (QCoreApplication.translate("BoardPage", "sudo"), sudo),
        ]

    def _show_facts(self, facts: BoardFacts) -> None:
        rows = self._fact_rows(facts)
        self.facts_table.setRowCount(len(rows))
        for i, (label, value) in enumerate(rows):
            self.facts_table.setItem(i, 0, QTableWidgetItem(label))
            self.facts_table.setItem(i, 1, QTableWidgetItem(value))
        if facts.has_adreno_opencl:
            self.gpu_note.setText(
                QCoreApplication.translate(
                    "BoardPage",
                    "The Adreno GPU and its OpenCL driver are present: llama.cpp can use the GPU.",
                )
            )
        else:
            self.gpu_note.setText(
                QCoreApplication.translate(
                    "BoardPage",
                    "No Adreno OpenCL driver was found, so llama.cpp would run on the CPU. On Ubuntu Desktop "
                    "the open Freedreno driver has no OpenCL; the Setup page explains the switch to the "
                    "server image's qcom-adreno1 driver.",
                )
            )
        self.facts_table.resizeRowsToContents()
