"""The settings dialog: pages load the declared settings, check() refuses a bad address, OK saves."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from rubikpi_studio.ui import settings as S
from rubikpi_studio.ui.settings import Settings
from rubikpi_studio.ui.settings_dialog import SettingsContext, SettingsDialog

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _dialog(qtbot: QtBot, tmp_path: Path) -> tuple[SettingsDialog, Settings, list[str], list[str]]:
    settings = Settings(tmp_path / "settings.ini")
    languages: list[str] = []
    themes: list[str] = []
    dialog = SettingsDialog(SettingsContext(settings, languages.append, themes.append))
    qtbot.addWidget(dialog)
    return dialog, settings, languages, themes


def _page(dialog: SettingsDialog, name: str) -> Any:
    return next(p for p in dialog.pages if p.name == name)


def test_defaults_are_loaded(qtbot: QtBot, tmp_path: Path) -> None:
    dialog, _settings, _l, _t = _dialog(qtbot, tmp_path)
    assert [p.name for p in dialog.pages] == ["general", "models", "server"]
    assert _page(dialog, "general").theme_combo.currentData() == "system"
    assert _page(dialog, "models").endpoint() == "https://huggingface.co"
    assert _page(dialog, "server").port_spin.value() == 9876


def test_ok_saves_and_applies(qtbot: QtBot, qrun: Callable[[Any], Any], tmp_path: Path) -> None:
    dialog, settings, languages, themes = _dialog(qtbot, tmp_path)
    general = _page(dialog, "general")
    general.theme_combo.setCurrentIndex(general.theme_combo.findData("dark"))
    general.language_combo.setCurrentIndex(general.language_combo.findData("zh_CN"))
    general.wizard_check.setChecked(False)
    _page(dialog, "models").endpoint_combo.setCurrentText("https://hf-mirror.com/")
    _page(dialog, "server").port_spin.setValue(9100)
    assert qrun(dialog.apply())
    assert settings.get(S.THEME) == "dark" and themes == ["dark"]
    assert languages == ["zh_CN"]  # the window's set_language saves it and retranslates
    assert settings.get(S.SHOW_WIZARD) is False
    assert settings.get(S.HF_ENDPOINT) == "https://hf-mirror.com"
    assert settings.get(S.SERVER_PORT) == 9100


def test_a_bad_address_is_refused_and_nothing_is_saved(
    qtbot: QtBot, qrun: Callable[[Any], Any], tmp_path: Path
) -> None:
    dialog, settings, _l, _t = _dialog(qtbot, tmp_path)
    _page(dialog, "server").port_spin.setValue(9200)
    _page(dialog, "models").endpoint_combo.setCurrentText("hf-mirror.com")
    assert not qrun(dialog.apply())
    assert "https://" in dialog.error_label.text()
    assert dialog.stack.currentWidget() is _page(dialog, "models")
    assert settings.get(S.SERVER_PORT) == 9876


def test_token_goes_to_the_keyring_not_the_settings(
    qtbot: QtBot, qrun: Callable[[Any], Any], tmp_path: Path, keyring_backend: object
) -> None:
    from rubikpi_studio.core import secrets

    dialog, _settings, _l, _t = _dialog(qtbot, tmp_path)
    models = _page(dialog, "models")
    token = "hf_TestTokenValue1234567890abcdef"
    models.token_edit.setText(token)
    try:
        assert qrun(dialog.apply())
        assert secrets.get("hf_token", "https://huggingface.co") == token
        assert token not in (tmp_path / "settings.ini").read_text()
    finally:
        secrets.delete("hf_token", "https://huggingface.co")
