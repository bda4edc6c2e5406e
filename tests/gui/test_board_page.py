"""The Board page against the rig: connect through the dialog, trust the host key, see the facts."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import rig
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from rig.qt import visible_boxes
from rig.waiting import until

from rubikpi_studio.core.boards import BoardRegistry
from rubikpi_studio.ui import app as app_module
from rubikpi_studio.ui import paths
from rubikpi_studio.ui.pages.base import ConnectionState, ServerState
from rubikpi_studio.ui.pages.board import BoardPage

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_connect_through_dialog_and_show_facts(
    qtbot: QtBot,
    qrun: Callable[[Any], Any],
    rig_sshd: rig.RigSshd,
    rig_account: rig.RigAccount,
    studio_home: Path,
) -> None:
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    window = studio.window
    window.resize(1100, 760)
    window.show()
    page = window.page("board")
    assert isinstance(page, BoardPage)

    async def scenario() -> None:
        page.connect_button.click()
        await until(
            lambda: page.connect_dialog is not None and page.connect_dialog.isVisible(), what="dialog"
        )
        dialog = page.connect_dialog
        assert dialog is not None
        dialog.name_edit.setText("Rig board")
        dialog.host_edit.setText("127.0.0.1")
        dialog.port_spin.setValue(rig_sshd.port)
        dialog.user_edit.setText(rig_account.user)
        dialog.password_edit.setText(rig_account.password)
        dialog.ok_button.click()
        await until(lambda: page.host_key_box is not None and page.host_key_box.isVisible(), what="host key")
        box = page.host_key_box
        assert box is not None
        assert "SHA256:" in box.text()
        trust = next(b for b in box.buttons() if b.text() == "Trust this board")
        trust.click()
        await until(lambda: page.facts is not None, timeout=60, what="facts")
        await until(lambda: page.facts_table.rowCount() > 0, what="table")
        # The Server page, built when the board connected, has looked at it too (its refresh must not
        # outlive this event loop run).
        await until(lambda: studio.state.server is not ServerState.UNKNOWN, timeout=60, what="server page")

    qrun(scenario())
    assert studio.state.connection is ConnectionState.CONNECTED
    labels = [page.facts_table.item(i, 0).text() for i in range(page.facts_table.rowCount())]
    values = {
        page.facts_table.item(i, 0).text(): page.facts_table.item(i, 1).text()
        for i in range(page.facts_table.rowCount())
    }
    assert "CPU cores" in labels and values["CPU cores"] == str(os.cpu_count())
    assert values["Architecture"] == os.uname().machine
    assert (
        "Rig board" in window.windowTitle()
        or "Rig board" in window.statusBar().currentMessage()
        or any("Rig board" in w.text() for w in window.statusBar().findChildren(type(page.heading)))
    )
    assert "Connected" in page.log_pane.toPlainText()
    assert rig_account.password not in page.log_pane.toPlainText()
    # the board was saved, without its password
    saved = BoardRegistry().get("Rig board")
    assert saved is not None and saved.port == rig_sshd.port
    assert (
        rig_account.password not in (studio_home / "data").read_text()
        if (studio_home / "data").is_file()
        else True
    )
    for path in studio_home.rglob("*"):
        if path.is_file():
            assert rig_account.password.encode() not in path.read_bytes(), path
    QApplication.processEvents()
    if os.environ.get("RPS_SCREENSHOTS"):
        # The docs show the app as a desktop draws it: an X display (Xvfb), not the offscreen platform.
        assert QGuiApplication.platformName() == "xcb", "see docs/screenshots/README.md for the command"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(SCREENSHOTS / "board-page.png"))
    qrun(page.disconnect_board())
    assert studio.state.connection is ConnectionState.DISCONNECTED


def test_wrong_password_shows_a_clear_message(
    qtbot: QtBot,
    qrun: Callable[[Any], Any],
    rig_sshd: rig.RigSshd,
    rig_account: rig.RigAccount,
    tmp_known_hosts: Path,
    studio_home: Path,
) -> None:
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    page = studio.window.page("board")
    assert isinstance(page, BoardPage)
    page.known_hosts.path.write_text(tmp_known_hosts.read_text())
    from rubikpi_studio.core.boards import BoardProfile

    profile = BoardProfile("rig", "127.0.0.1", rig_sshd.port, rig_account.user)

    def boxes() -> list[QMessageBox]:
        return visible_boxes()

    async def scenario() -> None:
        await page.connect_to(profile, "definitely wrong")
        await until(lambda: boxes(), what="error box")

    qrun(scenario())
    assert [b.text() for b in boxes()] == ["Wrong user name or password."]
    assert studio.state.connection is ConnectionState.FAILED
    for b in boxes():
        b.close()
