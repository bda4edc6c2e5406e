"""The Board page's Connect dialog: where the board is and how to sign in.

Its own module, imported when the dialog is first opened: the first window need not create its Qt classes.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from rubikpi_studio.core import secrets
from rubikpi_studio.core.boards import BoardProfile

from .bridge import run_in_thread, widget_slot


class ConnectDialog(QDialog):
    """Where the board is and how to sign in. The password never leaves this dialog except to the keyring."""

    def __init__(self, profile: BoardProfile | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectDialog")
        self.setWindowTitle(QCoreApplication.translate("BoardPage", "Connect to a board"))
        self.name_edit = QLineEdit(profile.name if profile else "RUBIK Pi")
        self.host_edit = QLineEdit(profile.host if profile else "")
        self.host_edit.setPlaceholderText(
            QCoreApplication.translate("BoardPage", "e.g. 192.168.1.253 or ubuntu.local")
        )
        self.port_spin = QSpinBox()
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(profile.port if profile else 22)
        self.user_edit = QLineEdit(profile.user if profile else "ubuntu")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(
            QCoreApplication.translate("BoardPage", "a new board uses ubuntu")
        )
        self.key_edit = QLineEdit(profile.identity if profile else "")
        self.key_edit.setPlaceholderText(
            QCoreApplication.translate("BoardPage", "optional: a private key file")
        )
        self.key_button = QPushButton(QCoreApplication.translate("BoardPage", "Choose…"))
        self.key_button.clicked.connect(self._choose_key)
        self.remember_check = QCheckBox(
            QCoreApplication.translate("BoardPage", "Remember the password in the system keyring")
        )
        self.remember_check.setChecked(bool(profile and profile.remember_password))
        # Whether a keyring is usable is asked off the UI thread (a slow or locked keyring takes up to
        # secrets.TIMEOUT to answer); until then the box keeps the profile's choice but cannot be changed.
        self.keyring_usable: bool | None = None
        self.remember_check.setEnabled(False)
        self.remember_check.setToolTip(
            QCoreApplication.translate("BoardPage", "Checking for a system keyring…")
        )
        self.keyring_note = QLabel(
            QCoreApplication.translate(
                "BoardPage", "No system keyring is available, so the app will ask for the password each time."
            )
        )
        self.keyring_note.setWordWrap(True)
        self.keyring_note.setVisible(False)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_edit, 1)
        key_row.addWidget(self.key_button)
        form = QFormLayout()
        form.addRow(QCoreApplication.translate("BoardPage", "Name"), self.name_edit)
        form.addRow(QCoreApplication.translate("BoardPage", "Address"), self.host_edit)
        form.addRow(QCoreApplication.translate("BoardPage", "Port"), self.port_spin)
        form.addRow(QCoreApplication.translate("BoardPage", "User"), self.user_edit)
        form.addRow(QCoreApplication.translate("BoardPage", "Password"), self.password_edit)
        form.addRow(QCoreApplication.translate("BoardPage", "Key file"), key_row)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(QCoreApplication.translate("BoardPage", "Connect"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(
            QCoreApplication.translate("BoardPage", "Cancel")
        )
        buttons.accepted.connect(self._on_accept)
        buttons.rejected.connect(self.reject)
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: palette(link);")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.remember_check)
        layout.addWidget(self.keyring_note)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.keyring_check = self._check_keyring()  # the task (None before the event loop runs)

    @widget_slot()
    async def _check_keyring(self) -> None:
        usable, why = await run_in_thread(secrets.status)
        self.keyring_usable = usable
        self.remember_check.setEnabled(usable)
        self.remember_check.setToolTip(why)
        if not usable:
            self.remember_check.setChecked(False)
        self.keyring_note.setVisible(not usable)

    def _choose_key(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, QCoreApplication.translate("BoardPage", "Choose a private key"), str(Path.home() / ".ssh")
        )
        if path:
            self.key_edit.setText(path)

    def _on_accept(self) -> None:
        if not self.host_edit.text().strip():
            self.error_label.setText(QCoreApplication.translate("BoardPage", "Enter the board's address."))
            return
        if not self.user_edit.text().strip():
            self.error_label.setText(QCoreApplication.translate("BoardPage", "Enter the user name."))
            return
        self.accept()

    def profile(self) -> BoardProfile:
        return BoardProfile(
            name=self.name_edit.text().strip() or self.host_edit.text().strip(),
            host=self.host_edit.text().strip(),
            port=self.port_spin.value(),
            user=self.user_edit.text().strip(),
            identity=self.key_edit.text().strip(),
            remember_password=self.remember_check.isChecked(),
        )

    def password(self) -> str | None:
        return self.password_edit.text() or None
