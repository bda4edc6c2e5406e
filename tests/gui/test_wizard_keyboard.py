"""The wizard without the mouse, against the rig: Return and Tab walk welcome → find → sign in → check → set
up; while the setup job runs the wizard shows its busy bar and Cancel (Next and Back off), Cancel reached
with Tab stops the job on the board, and Escape closes the wizard the way Close does (a board job goes on).

Keys go to the widget that has the keyboard focus, as a keyboard's would; a test step fails when the focus is
not inside the wizard. Discovery is the rig's injected stand-in (tests/gui/test_wizard.py); the rest is real.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import rig
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from rig.build import rig_setup_spec
from rig.waiting import until
from test_wizard import _services  # tests/gui/test_wizard.py

from rubikpi_studio.core import jobs
from rubikpi_studio.core.ssh import Board
from rubikpi_studio.ui import app as app_module
from rubikpi_studio.ui import paths
from rubikpi_studio.ui.wizard import SetupWizard, SignInStep, open_wizard
from rubikpi_studio.ui.wizard_pages.setup import SetupStep

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _focus(wizard: SetupWizard) -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None and (widget is wizard or wizard.isAncestorOf(widget)), widget
    return widget


def _key(wizard: SetupWizard, key: Qt.Key) -> None:
    QTest.keyClick(_focus(wizard), key)


def _tab_to(wizard: SetupWizard, target: QWidget, limit: int = 20) -> int:
    """Press Tab until `target` has the focus; returns how many presses it took."""
    for presses in range(1, limit + 1):
        _key(wizard, Qt.Key.Key_Tab)
        if _focus(wizard) is target:
            return presses
    raise AssertionError(f"Tab never reached {target.objectName() or target}")


def test_keyboard_walk_busy_state_cancel_and_escape(
    qtbot: QtBot,
    qrun: Callable[[Any], Any],
    rig_sshd: rig.RigSshd,
    fresh_account: rig.RigAccount,
    studio_home: Path,
) -> None:
    services = _services(rig_sshd.port, setup_spec=lambda facts: rig_setup_spec(gpu="off"))
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    studio.window.show()
    wizard = open_wizard(studio.window, settings=studio.settings, state=studio.state, services=services)
    wizard.activateWindow()
    qtbot.waitActive(wizard)

    async def scenario() -> SetupStep:
        await until(lambda: wizard.current.name == "welcome" and wizard.next_button.hasFocus(), what="wizard")
        _key(wizard, Qt.Key.Key_Return)
        await until(lambda: wizard.current.name == "find", what="find page")
        await until(
            lambda: wizard.current.host_list.count() > 0 and wizard.next_button.isEnabled(), what="found"
        )  # type: ignore[attr-defined]
        # Discovery turned Next off for a while: the focus went on to Close, where Return would close the
        # wizard. Next has it back.
        assert _focus(wizard) is wizard.next_button
        _key(wizard, Qt.Key.Key_Return)
        await until(lambda: wizard.current.name == "signin", what="sign-in page")
        signin = wizard.current
        assert isinstance(signin, SignInStep)
        _tab_to(wizard, signin.user_edit)  # Tab selects the pre-filled "ubuntu": typing replaces it
        QTest.keyClicks(_focus(wizard), fresh_account.user)
        _tab_to(wizard, signin.password_edit)
        QTest.keyClicks(_focus(wizard), fresh_account.password)
        assert (signin.user_edit.text(), signin.password_edit.text()) == (
            fresh_account.user,
            fresh_account.password,
        )
        _tab_to(wizard, wizard.next_button)
        _key(wizard, Qt.Key.Key_Return)
        await until(lambda: wizard.current.name == "check", timeout=60, what="check page")
        await until(lambda: wizard.data.facts is not None and wizard.next_button.isEnabled(), 60, "facts")
        assert wizard.next_button.text() == "Set up"
        _key(wizard, Qt.Key.Key_Return)
        await until(lambda: wizard.current.name == "setup", what="setup page")
        setup = wizard.current
        assert isinstance(setup, SetupStep)
        board = studio.state.board
        assert isinstance(board, Board)
        await until(lambda: setup.running and jobs.find_running(board, "setup") is not None, 120, "the job")

        # Busy: the bar and Cancel show, Next and Back are off, and the window keeps painting and reacting.
        assert wizard.progress.isVisible() and wizard.cancel_button.isVisible()
        assert not wizard.next_button.isEnabled() and not wizard.back_button.isEnabled()
        _tab_to(wizard, wizard.cancel_button)
        _key(wizard, Qt.Key.Key_Space)
        await until(lambda: not setup.running, timeout=120, what="cancelled")
        assert jobs.find_running(board, "setup") is None, "Cancel stopped the job on the board"
        assert "cancelled" in setup.outcome.text()
        assert not wizard.progress.isVisible() and not wizard.cancel_button.isVisible()
        assert wizard.next_button.isEnabled()
        return setup

    setup = qrun(scenario())
    assert wizard.user_actions == 4  # four Next presses, no click
    assert not setup.running

    # Escape closes the wizard like its Close button: marked closed, so a board job it follows goes on.
    async def escape() -> None:
        _key(wizard, Qt.Key.Key_Escape)
        await until(lambda: not wizard.isVisible(), what="wizard closed")

    qrun(escape())
    assert wizard.closed.is_set()
    board = studio.state.board
    if isinstance(board, Board):
        board.close()
