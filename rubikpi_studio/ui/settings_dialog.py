"""Settings: one small class per page (Picard's shape: `load()`, `check()`, `save()`), one dialog around them.

Adding a page is adding a class with `@register_options_page`. Every value is a declared setting in
`ui/settings.py`; the Hugging Face token is a secret and goes to the OS keyring (never the settings file),
read and written in a worker thread because a locked keyring may block.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from rubikpi_studio.core import secrets
from rubikpi_studio.core.catalogue import DEFAULT_ENDPOINT, normalise_endpoint

from . import settings as S
from .bridge import run_in_thread, widget_slot
from .dialogs import dialog_result
from .i18n import LANGUAGES, QT_TRANSLATE_NOOP
from .settings import Settings

log = logging.getLogger(__name__)

HF_MIRROR = "https://hf-mirror.com"


@dataclass(frozen=True)
class SettingsContext:
    settings: Settings
    set_language: Callable[[str], None]  # '' follows the system
    set_theme: Callable[[str], None]  # system | light | dark


class OptionsPage(QWidget):
    name: ClassVar[str] = ""
    title: ClassVar[str] = ""  # QT_TRANSLATE_NOOP("SettingsDialog", ...)
    order: ClassVar[int] = 100

    def __init__(self, context: SettingsContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.settings = context.settings

    def load(self) -> None:
        """Fill the widgets from the settings."""

    def check(self) -> str:
        """'' when the values can be saved, else a translated sentence saying what is wrong."""
        return ""

    def save(self) -> None:
        """Write the widgets' values to the settings (and apply them)."""

    async def save_secrets(self) -> None:
        """Secrets go to the keyring from a worker thread."""

    def retranslate(self) -> None:
        """Set every text."""

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


PageT = TypeVar("PageT", bound=type[OptionsPage])
_pages: dict[str, type[OptionsPage]] = {}


def register_options_page(cls: PageT) -> PageT:
    _pages[cls.name] = cls
    return cls


def options_pages() -> list[type[OptionsPage]]:
    return sorted(_pages.values(), key=lambda c: (c.order, c.name))


@register_options_page
class GeneralOptions(OptionsPage):
    name = "general"
    title = QT_TRANSLATE_NOOP("SettingsDialog", "General")
    order = 10

    def __init__(self, context: SettingsContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.language_combo = QComboBox()
        self.language_combo.setObjectName("languageCombo")
        self.language_combo.addItem("", "")
        for code, native in LANGUAGES.items():
            self.language_combo.addItem(native, code)
        self.theme_combo = QComboBox()
        self.theme_combo.setObjectName("themeCombo")
        for code in ("system", "light", "dark"):
            self.theme_combo.addItem("", code)
        self.wizard_check = QCheckBox()
        self.form = QFormLayout(self)
        self.language_label = QLabel()
        self.theme_label = QLabel()
        self.form.addRow(self.language_label, self.language_combo)
        self.form.addRow(self.theme_label, self.theme_combo)
        self.form.addRow(self.wizard_check)
        self.retranslate()

    def retranslate(self) -> None:
        self.language_label.setText(QCoreApplication.translate("SettingsDialog", "Language"))
        self.theme_label.setText(QCoreApplication.translate("SettingsDialog", "Colours"))
        self.language_combo.setItemText(0, QCoreApplication.translate("SettingsDialog", "Follow the system"))
        names = {
            "system": QCoreApplication.translate("SettingsDialog", "Follow the system"),
            "light": QCoreApplication.translate("SettingsDialog", "Light"),
            "dark": QCoreApplication.translate("SettingsDialog", "Dark"),
        }
        for i in range(self.theme_combo.count()):
            self.theme_combo.setItemText(i, names[self.theme_combo.itemData(i)])
        self.wizard_check.setText(
            QCoreApplication.translate("SettingsDialog", "Open the setup wizard when the app starts")
        )

    def load(self) -> None:
        self.language_combo.setCurrentIndex(
            max(0, self.language_combo.findData(self.settings.get(S.LANGUAGE)))
        )
        self.theme_combo.setCurrentIndex(max(0, self.theme_combo.findData(self.settings.get(S.THEME))))
        self.wizard_check.setChecked(self.settings.get(S.SHOW_WIZARD))

    def save(self) -> None:
        theme = str(self.theme_combo.currentData())
        if theme != self.settings.get(S.THEME):
            self.settings.set(S.THEME, theme)
            self.context.set_theme(theme)
        self.settings.set(S.SHOW_WIZARD, self.wizard_check.isChecked())
        language = str(self.language_combo.currentData())
        if language != self.settings.get(S.LANGUAGE):
            self.context.set_language(language)  # saves the setting and retranslates every window


@register_options_page
class ModelOptions(OptionsPage):
    name = "models"
    title = QT_TRANSLATE_NOOP("SettingsDialog", "Downloads")
    order = 20

    def __init__(self, context: SettingsContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.endpoint_combo = QComboBox()
        self.endpoint_combo.setObjectName("endpointCombo")
        self.endpoint_combo.setEditable(True)
        self.endpoint_combo.addItems([DEFAULT_ENDPOINT, HF_MIRROR])
        self.token_edit = QLineEdit()
        self.token_edit.setObjectName("tokenEdit")
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.forget_token_check = QCheckBox()
        self.token_state = QLabel()
        self.token_state.setWordWrap(True)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.endpoint_label = QLabel()
        self.token_label = QLabel()
        form = QFormLayout(self)
        form.addRow(self.endpoint_label, self.endpoint_combo)
        form.addRow(self.note)
        form.addRow(self.token_label, self.token_edit)
        form.addRow(self.token_state)
        form.addRow(self.forget_token_check)
        self._has_token: bool | None = None
        self._keyring_ok, self._keyring_why = True, ""
        self.retranslate()

    def retranslate(self) -> None:
        self.endpoint_label.setText(QCoreApplication.translate("SettingsDialog", "Download models from"))
        self.token_label.setText(QCoreApplication.translate("SettingsDialog", "Hugging Face token"))
        self.note.setText(
            QCoreApplication.translate(
                "SettingsDialog",
                "Hugging Face, or a mirror with the same layout (in China, hf-mirror.com is often faster).",
            )
        )
        self.token_edit.setPlaceholderText(
            QCoreApplication.translate("SettingsDialog", "only for gated or private models")
        )
        self.forget_token_check.setText(
            QCoreApplication.translate("SettingsDialog", "Remove the saved token")
        )
        self._show_token_state()

    def _show_token_state(self) -> None:
        if not self._keyring_ok:
            text = QCoreApplication.translate(
                "SettingsDialog", "No system keyring is available, so a token cannot be saved."
            )
        elif self._has_token:
            text = QCoreApplication.translate(
                "SettingsDialog", "A token is saved in the system keyring. Type a new one to replace it."
            )
        else:
            text = QCoreApplication.translate("SettingsDialog", "The token is kept in the system keyring.")
        self.token_state.setText(text)
        self.forget_token_check.setVisible(bool(self._has_token))
        self.token_edit.setEnabled(self._keyring_ok)

    def endpoint(self) -> str:
        return normalise_endpoint(self.endpoint_combo.currentText().strip() or DEFAULT_ENDPOINT)

    def load(self) -> None:
        self.endpoint_combo.setCurrentText(self.settings.get(S.HF_ENDPOINT))
        with contextlib.suppress(RuntimeError):  # no running loop (a synchronous caller): state unknown
            asyncio.get_running_loop()
            self._token_task = asyncio.ensure_future(self._load_token_state())

    async def _load_token_state(self) -> None:
        endpoint = self.endpoint()

        def read() -> tuple[bool, str, bool]:
            usable, why = secrets.status()
            if not usable:
                return False, why, False
            try:
                return True, "", bool(secrets.get("hf_token", endpoint))
            except secrets.KeyringUnavailable as exc:
                return False, str(exc), False

        self._keyring_ok, self._keyring_why, self._has_token = await run_in_thread(read)
        self._show_token_state()

    def check(self) -> str:
        text = self.endpoint_combo.currentText().strip()
        if text and not text.startswith(("https://", "http://")):
            return QCoreApplication.translate(
                "SettingsDialog", "The download address must start with https:// (or http://)."
            )
        return ""

    def save(self) -> None:
        self.settings.set(S.HF_ENDPOINT, self.endpoint())

    async def save_secrets(self) -> None:
        token = self.token_edit.text().strip()
        endpoint = self.endpoint()
        if token:
            await run_in_thread(secrets.put, "hf_token", endpoint, token)
            self.token_edit.clear()
            self._has_token = True
        elif self.forget_token_check.isChecked():
            await run_in_thread(secrets.delete, "hf_token", endpoint)
            self._has_token = False


@register_options_page
class ServerOptions(OptionsPage):
    name = "server"
    title = QT_TRANSLATE_NOOP("SettingsDialog", "Server")
    order = 30

    def __init__(self, context: SettingsContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.port_spin = QSpinBox()
        self.port_spin.setObjectName("portSpin")
        self.port_spin.setRange(1024, 65535)
        self.port_label = QLabel()
        self.note = QLabel()
        self.note.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(self.port_label, self.port_spin)
        form.addRow(self.note)
        self.retranslate()

    def retranslate(self) -> None:
        self.port_label.setText(QCoreApplication.translate("SettingsDialog", "Server port on the board"))
        self.note.setText(
            QCoreApplication.translate(
                "SettingsDialog",
                "llama-server listens on this port on the board's own loopback; the app reaches it "
                "through the SSH connection.",
            )
        )

    def load(self) -> None:
        self.port_spin.setValue(self.settings.get(S.SERVER_PORT))

    def save(self) -> None:
        self.settings.set(S.SERVER_PORT, self.port_spin.value())


class SettingsDialog(QDialog):
    def __init__(self, context: SettingsContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.context = context
        self.page_list = QListWidget()
        self.page_list.setObjectName("settingsPages")
        self.page_list.setFixedWidth(160)
        self.stack = QStackedWidget()
        self.pages: list[OptionsPage] = []
        for cls in options_pages():
            page = cls(context, self.stack)
            page.setObjectName(f"options_{cls.name}")
            self.pages.append(page)
            self.stack.addWidget(page)
            self.page_list.addItem("")
            page.load()
        self.page_list.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.page_list.setCurrentRow(0)
        self.error_label = QLabel()
        self.error_label.setObjectName("settingsError")
        self.error_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        body = QHBoxLayout()
        body.addWidget(self.page_list)
        body.addWidget(self.stack, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.resize(640, 380)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(QCoreApplication.translate("SettingsDialog", "Settings"))
        for row, page in enumerate(self.pages):
            self.page_list.item(row).setText(QCoreApplication.translate("SettingsDialog", page.title))
        self.ok_button.setText(QCoreApplication.translate("SettingsDialog", "OK"))
        self.cancel_button.setText(QCoreApplication.translate("SettingsDialog", "Cancel"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def show_page(self, name: str) -> None:
        for row, page in enumerate(self.pages):
            if page.name == name:
                self.page_list.setCurrentRow(row)

    @widget_slot()
    async def _on_buttons_accepted(self) -> None:
        await self.apply()

    async def apply(self) -> bool:
        """Check every page; save them all only when all agree. Closes the dialog on success."""
        for row, page in enumerate(self.pages):
            problem = page.check()
            if problem:
                self.page_list.setCurrentRow(row)
                self.error_label.setText(problem)
                return False
        self.error_label.clear()
        for page in self.pages:
            page.save()
        self.context.settings.sync()
        self.ok_button.setEnabled(False)
        try:
            for page in self.pages:
                try:
                    await page.save_secrets()
                except secrets.KeyringUnavailable as exc:
                    self.page_list.setCurrentRow(self.pages.index(page))
                    self.error_label.setText(
                        QCoreApplication.translate(
                            "SettingsDialog", "The keyring did not take the secret: {why}"
                        ).format(why=str(exc))
                    )
                    return False
        finally:
            self.ok_button.setEnabled(True)
        self.accept()
        return True


__all__ = [
    "OptionsPage",
    "SettingsContext",
    "SettingsDialog",
    "options_pages",
    "register_options_page",
]


async def report_problem(
    parent: QWidget, *, log_dir: Path, facts: dict[str, Any] | None = None
) -> Path | None:
    """Ask where to save, then write the problem report (secrets removed) in a worker thread."""
    from rubikpi_studio import __version__
    from rubikpi_studio.core import report
    from rubikpi_studio.core.boards import BoardRegistry

    dialog = QFileDialog(
        parent,
        QCoreApplication.translate("SettingsDialog", "Save the problem report"),
        str(Path.home() / report.default_report_name()),
        QCoreApplication.translate("SettingsDialog", "Zip files (*.zip)"),
    )
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setObjectName("reportSaveDialog")
    if await dialog_result(dialog) != QDialog.DialogCode.Accepted or not dialog.selectedFiles():
        return None
    dest = Path(dialog.selectedFiles()[0])
    registry = BoardRegistry()
    idents = [b.ident for b in registry.boards]
    endpoints = [DEFAULT_ENDPOINT, HF_MIRROR]
    known = await run_in_thread(report.known_secrets, idents, hf_endpoints=endpoints)
    boards = [
        {"name": b.name, "host": b.host, "port": b.port, "user": b.user, "notes": b.notes}
        for b in registry.boards
    ]
    path = await run_in_thread(
        report.make_report,
        dest,
        log_dir=log_dir,
        app_version=__version__,
        facts=facts,
        boards=boards,
        known=known,
    )
    box = QMessageBox(parent)
    box.setObjectName("reportDone")
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle(QCoreApplication.translate("SettingsDialog", "Report a problem"))
    box.setText(
        QCoreApplication.translate(
            "SettingsDialog",
            "The report was saved to {path}. Passwords, tokens and keys were removed. Attach it to your "
            "message or issue.",
        ).format(path=str(path))
    )
    box.open()
    return path
