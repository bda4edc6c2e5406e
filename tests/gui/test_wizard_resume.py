"""The wizard after an app restart: it signs in again to the active saved board by itself (keyring password or
key, off the UI thread) and goes back to the page the user left, re-attaching to the setup job still running
on the board; when it cannot, it opens sign-in filled in with the saved board and says why.

Against the rig: the real sshd, the real setup job, gnome-keyring's Secret Service in a private D-Bus session.
"The app restart" tears down the main window, the wizard and the SSH connection, then builds a new Studio on
the same settings and data folders, as starting the app again does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import rig
from pytestqt.qtbot import QtBot
from rig.build import rig_setup_spec
from rig.waiting import until
from test_wizard import _services  # tests/gui/test_wizard.py

from rubikpi_studio.core import appdirs, jobs
from rubikpi_studio.core.boards import BoardProfile, BoardRegistry
from rubikpi_studio.core.ssh import Board
from rubikpi_studio.ui import app as app_module
from rubikpi_studio.ui import paths
from rubikpi_studio.ui import settings as S
from rubikpi_studio.ui.pages.base import ConnectionState
from rubikpi_studio.ui.wizard import SetupWizard, open_wizard, share_with_board_page
from rubikpi_studio.ui.wizard_pages.setup import SetupStep

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _start_app(qtbot: QtBot) -> app_module.Studio:
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    studio.window.show()
    return studio


def _quit_app(qrun: Callable[[Any], Any], studio: app_module.Studio, wizard: SetupWizard) -> None:
    """What quitting the app does to the wizard, the window and the connection (the board job goes on)."""
    board = studio.state.board
    wizard.close()
    # The closed wizard stops following at the job's next event; then the connection goes.
    qrun(until(lambda: not any(getattr(s, "running", False) for s in wizard.steps), 120, "follow stopped"))
    studio.window.close()
    studio.settings.sync()
    if isinstance(board, Board):
        board.close()


def test_app_restart_mid_setup_resumes_on_the_same_job(
    qtbot: QtBot,
    qrun: Callable[[Any], Any],
    rig_sshd: rig.RigSshd,
    fresh_account: rig.RigAccount,
    keyring_backend: object,
    studio_home: Path,
) -> None:
    services = _services(rig_sshd.port, setup_spec=lambda facts: rig_setup_spec(gpu="off"))
    studio = _start_app(qtbot)
    wizard = open_wizard(studio.window, settings=studio.settings, state=studio.state, services=services)
    share_with_board_page(wizard, studio.window.page("board"))

    async def first_run() -> tuple[jobs.Job, SetupStep]:
        await until(lambda: wizard.isVisible() and wizard.current.name == "welcome", what="wizard")
        wizard.next_button.click()
        await until(lambda: wizard.current.name == "find", what="find page")
        find = wizard.current
        await until(lambda: find.host_list.count() > 0 and wizard.next_button.isEnabled(), what="found")  # type: ignore[attr-defined]
        wizard.next_button.click()
        await until(lambda: wizard.current.name == "signin", what="sign-in page")
        signin = wizard.current
        # The box starts unticked (remembering is the user's choice) and is enabled once the keyring answers.
        await until(lambda: signin.remember_check.isEnabled(), what="keyring checked")  # type: ignore[attr-defined]
        assert not signin.remember_check.isChecked()  # type: ignore[attr-defined]
        signin.remember_check.setChecked(True)  # type: ignore[attr-defined]  # the user asks to remember it
        signin.user_edit.setText(fresh_account.user)  # type: ignore[attr-defined]
        signin.password_edit.setText(fresh_account.password)  # type: ignore[attr-defined]
        wizard.next_button.click()
        await until(lambda: wizard.current.name == "check", timeout=60, what="check page")
        await until(lambda: wizard.data.facts is not None and wizard.next_button.isEnabled(), 60, "facts")
        assert wizard.next_button.text() == "Set up"
        wizard.next_button.click()
        await until(lambda: wizard.current.name == "setup", what="setup page")
        setup = wizard.current
        assert isinstance(setup, SetupStep)
        board = studio.state.board
        assert isinstance(board, Board)
        found: list[jobs.Job] = []

        def running() -> bool:
            job = jobs.find_running(board, "setup")
            found[:] = [job] if job is not None else []
            return bool(found) and setup.running

        await until(running, timeout=120, what="the setup job running")
        return found[0], setup

    job, setup = qrun(first_run())
    assert studio.settings.get(S.WIZARD_PAGE) == "setup"
    _quit_app(qrun, studio, wizard)
    assert not setup.running

    # The app starts again: the same settings and data folders, a new window, no connection.
    studio = _start_app(qtbot)
    assert studio.state.board is None
    wizard = open_wizard(studio.window, settings=studio.settings, state=studio.state, services=services)
    share_with_board_page(wizard, studio.window.page("board"))
    assert wizard.current.name == "signin"  # while it signs in again by itself
    assert wizard.reconnecting is not None
    setup2 = wizard.step("setup")
    assert isinstance(setup2, SetupStep) and setup2 is not setup

    async def second_run() -> None:
        await until(lambda: wizard.current.name == "setup", timeout=60, what="back on the setup page")
        assert studio.state.connection is ConnectionState.CONNECTED
        await until(lambda: setup2.running, timeout=60, what="following the job")
        assert setup2.reattached and setup2.job_id == job.id
        await until(lambda: setup2.log_pane.toPlainText().strip(), timeout=60, what="the job's log")
        wizard.cancel_button.click()  # the test ends here: stop the build on the board
        await until(lambda: not setup2.running, timeout=120, what="cancelled")

    qrun(second_run())
    assert wizard.user_actions == 0, "resuming took no click"
    board = studio.state.board
    assert isinstance(board, Board)
    still = jobs.find_running(board, "setup")
    assert still is None, "Cancel after the re-attach stopped the job"
    _quit_app(qrun, studio, wizard)


def test_app_restart_without_a_saved_password_opens_sign_in_filled_and_goes_on(
    qtbot: QtBot,
    qrun: Callable[[Any], Any],
    rig_sshd: rig.RigSshd,
    fresh_account: rig.RigAccount,
    studio_home: Path,
) -> None:
    rig_sshd.write_known_hosts(appdirs.known_hosts_path())  # pinned at the first sign-in, before the restart
    profile = BoardProfile(name="bench-board", host="127.0.0.1", port=rig_sshd.port, user=fresh_account.user)
    BoardRegistry().upsert(profile)  # saved without its password
    studio = _start_app(qtbot)
    studio.settings.set(S.WIZARD_PAGE, "check")  # the user had reached the check page
    wizard = open_wizard(studio.window, settings=studio.settings, state=studio.state)
    signin = wizard.current
    assert signin.name == "signin"

    async def scenario() -> None:
        await until(lambda: wizard.reconnecting is not None and wizard.reconnecting.done(), 30, "reconnect")
        assert wizard.current is signin
        assert signin.user_edit.text() == fresh_account.user  # type: ignore[attr-defined]
        assert signin.password_edit.text() == ""  # type: ignore[attr-defined]  # not the new board's default
        assert "bench-board" in signin.board_label.text()  # type: ignore[attr-defined]
        assert "not saved" in signin.error.text()  # type: ignore[attr-defined]
        assert studio.state.board_name == "bench-board"
        signin.password_edit.setText(fresh_account.password)  # type: ignore[attr-defined]
        wizard.next_button.click()
        await until(lambda: wizard.current.name == "check", timeout=60, what="back on the check page")
        await until(lambda: wizard.data.facts is not None, timeout=60, what="facts")

    qrun(scenario())
    assert studio.state.connection is ConnectionState.CONNECTED
    _quit_app(qrun, studio, wizard)


def test_app_restart_with_the_board_unreachable_says_why(
    qtbot: QtBot, qrun: Callable[[Any], Any], studio_home: Path
) -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    key = studio_home / "id_test"
    key.write_text("not used: the board cannot be reached\n")
    BoardRegistry().upsert(
        BoardProfile(name="away", host="127.0.0.1", port=port, user="pi", identity=str(key))
    )
    studio = _start_app(qtbot)
    studio.settings.set(S.WIZARD_PAGE, "setup")
    wizard = open_wizard(studio.window, settings=studio.settings, state=studio.state)

    async def scenario() -> None:
        await until(lambda: wizard.reconnecting is not None and wizard.reconnecting.done(), 30, "reconnect")

    qrun(scenario())
    signin = wizard.current
    assert signin.name == "signin"
    assert signin.user_edit.text() == "pi"  # type: ignore[attr-defined]
    assert "Could not reconnect to away" in signin.error.text()  # type: ignore[attr-defined]
    assert studio.state.connection is ConnectionState.FAILED
    assert wizard.next_button.isEnabled()
    wizard.close()
