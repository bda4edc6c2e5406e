"""Look and feel without a board: the dark theme (ColourScheme with the --theme/settings override), the File
menu's item that reopens the wizard, and the wizard opening by itself on the first launch only.

The "follow the system" half of ColourScheme cannot be driven here: the offscreen platform reports no colour
scheme and ignores QStyleHints.setColorScheme, so only the override is tested."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from rig.waiting import until

from rubikpi_studio.ui import app as app_module
from rubikpi_studio.ui import paths
from rubikpi_studio.ui import settings as S
from rubikpi_studio.ui.wizard import SetupWizard

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _lightness(app: QApplication, role: QPalette.ColorRole = QPalette.ColorRole.Window) -> int:
    return app.palette().color(role).lightness()


@pytest.fixture
def palette_kept(qapp: QApplication) -> Iterator[QApplication]:
    before = qapp.palette()
    yield qapp
    qapp.setPalette(before)


def test_dark_override_sets_a_dark_palette_and_light_puts_the_style_back(palette_kept: QApplication) -> None:
    app = palette_kept
    assert app.styleHints().colorScheme() != Qt.ColorScheme.Dark  # the platform here is light/unknown
    light = _lightness(app)
    assert light >= 128
    scheme = app_module.ColourScheme(app, "system")
    assert not scheme.wants_dark() and _lightness(app) == light  # system, not dark: left as it is
    scheme.set_override("dark")
    assert scheme.wants_dark()
    assert _lightness(app) < 128 and _lightness(app, QPalette.ColorRole.Base) < 128
    assert _lightness(app, QPalette.ColorRole.WindowText) > 128  # light text on the dark window
    scheme.set_override("light")
    assert _lightness(app) == app.style().standardPalette().color(QPalette.ColorRole.Window).lightness()
    assert _lightness(app) >= 128
    app_module.ColourScheme(app, "dark")  # --theme dark at start-up
    assert _lightness(app) < 128


def _wizards(studio: app_module.Studio) -> list[SetupWizard]:
    return [w for w in studio.window.findChildren(SetupWizard) if w.isVisible()]


def test_file_menu_reopens_the_wizard(qtbot: QtBot, studio_home: Path) -> None:
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    studio.window.show()
    assert studio.window.wizard_action in studio.window.file_menu.actions()
    assert studio.window.wizard_action.text() == "Setup &wizard…"
    studio.window.wizard_action.trigger()
    first = _wizards(studio)
    assert len(first) == 1 and first[0].current.name == "welcome"
    first[0].close()
    assert not _wizards(studio)
    studio.window.wizard_action.trigger()  # reopened after it was closed
    again = _wizards(studio)
    assert len(again) == 1 and again[0] is not first[0]
    again[0].close()


def test_wizard_opens_on_the_first_launch_only(
    qtbot: QtBot, qrun: Callable[[Any], Any], studio_home: Path
) -> None:
    async def launch() -> list[SetupWizard]:
        """Start the app's window as `main` does; return the wizards it opened, then close everything."""
        studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
        qtbot.addWidget(studio.window)
        running = asyncio.ensure_future(app_module._run_window(studio))
        await until(lambda: studio.window.isVisible(), what="main window")
        await asyncio.sleep(0.2)  # a wizard would be open by now: _run_window opens it before it waits
        opened = _wizards(studio)
        for w in opened:
            w.close()
        studio.window.close()
        running.cancel()  # it ends by itself only when this was the session's last window
        with contextlib.suppress(asyncio.CancelledError):
            await running
        studio.settings.sync()
        return opened

    first = qrun(launch())
    assert len(first) == 1 and first[0].current.name == "welcome"
    # Finishing the wizard turns the first-launch flag off (SetupWizard.go_next on the last page).
    settings = S.Settings(paths.app_dirs().config / paths.SETTINGS_FILE)
    assert settings.get(S.SHOW_WIZARD)
    settings.set(S.SHOW_WIZARD, False)
    settings.sync()
    assert qrun(launch()) == []
