"""The setup wizard against the rig: find → sign in with the forced first password change → check the board.

Discovery is injected: the rig's sshd listens on 127.0.0.1 and a random port, where no mDNS answer can come
from, so the test's `discover` reports it as mDNS would (the mDNS path itself is tested from a network
namespace in tests/integration/test_discovery.py). Everything after that is real: the banner, the host key
read before signing in, the password change on a pty, the probe.

Each page is grabbed in English and in Chinese into docs/screenshots/ when RPS_SCREENSHOTS=1.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import rig
from conftest import until  # tests/gui/conftest.py
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from rubikpi_studio.core import discovery
from rubikpi_studio.core.boards import BoardRegistry
from rubikpi_studio.core.discovery import FoundHost
from rubikpi_studio.core.events import CancelToken
from rubikpi_studio.ui import app as app_module
from rubikpi_studio.ui import paths
from rubikpi_studio.ui import settings as S
from rubikpi_studio.ui.pages.base import ConnectionState
from rubikpi_studio.ui.pages.board import BoardPage
from rubikpi_studio.ui.wizard import SetupWizard, WizardServices, open_wizard, share_with_board_page

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _services(port: int) -> WizardServices:
    def discover(on_found: Callable[[FoundHost], None], cancel: CancelToken) -> None:
        banner = discovery.read_banner("127.0.0.1", port)
        on_found(FoundHost("127.0.0.1", port, "rubikpi.local", "mdns", banner))

    return WizardServices(discover=discover)


def _shoot(studio: app_module.Studio, wizard: SetupWizard, name: str) -> None:
    if not os.environ.get("RPS_SCREENSHOTS"):
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for lang in ("en", "zh_CN"):
        studio.translations.apply(lang)
        QApplication.processEvents()
        wizard.grab().save(str(SCREENSHOTS / f"wizard-{name}-{lang}.png"))
    studio.translations.apply("en")
    QApplication.processEvents()


def _type(widget: Any, text: str, wizard: SetupWizard) -> None:
    widget.setText(text)
    wizard.user_actions += 1  # a typed field is one user action


def test_wizard_finds_signs_in_with_forced_change_and_checks(
    qtbot: QtBot,
    qrun: Callable[[Any], Any],
    rig_sshd: rig.RigSshd,
    expired_account: rig.RigAccount,
    studio_home: Path,
) -> None:
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    studio.window.resize(1100, 760)
    studio.window.show()
    assert studio.settings.get(S.SHOW_WIZARD)  # first launch: the app opens the wizard
    wizard = open_wizard(
        studio.window, settings=studio.settings, state=studio.state, services=_services(rig_sshd.port)
    )
    share_with_board_page(wizard, studio.window.page("board"))
    new_password = "N3w board pw'$"

    async def scenario() -> None:
        await until(lambda: wizard.isVisible(), what="wizard")
        assert wizard.current.name == "welcome"
        _shoot(studio, wizard, "1-welcome")
        wizard.next_button.click()
        await until(lambda: wizard.current.name == "find", what="find page")
        find = wizard.current
        await until(lambda: find.host_list.count() > 0 and wizard.next_button.isEnabled(), what="found")
        assert "looks like a RUBIK Pi" in find.host_list.currentItem().text()
        _shoot(studio, wizard, "2-find")
        wizard.next_button.click()
        await until(lambda: wizard.current.name == "signin", what="sign-in page")
        signin = wizard.current
        assert signin.fingerprint_label.text().count("SHA256:") == 1
        _shoot(studio, wizard, "3-signin")
        _type(signin.user_edit, expired_account.user, wizard)  # a real board's user is the default
        _type(signin.password_edit, expired_account.password, wizard)
        wizard.next_button.click()
        await until(lambda: signin.new_edit.isVisible(), timeout=60, what="forced password change")
        assert wizard.current is signin
        _shoot(studio, wizard, "3b-new-password")
        _type(signin.new_edit, new_password, wizard)
        _type(signin.repeat_edit, new_password, wizard)
        wizard.next_button.click()
        await until(lambda: wizard.current.name == "check", timeout=60, what="check page")
        check = wizard.current
        await until(lambda: wizard.data.facts is not None and check.table.rowCount() > 0, 60, "facts")
        assert "not installed" in check.table.item(5, 1).text()
        assert "Will install" in check.plan.toPlainText()
        assert wizard.next_button.text() == "Set up"
        _shoot(studio, wizard, "4-check")

    qrun(scenario())
    assert studio.state.connection is ConnectionState.CONNECTED
    board_page = studio.window.page("board")
    assert isinstance(board_page, BoardPage) and board_page.facts is not None
    # Four clicks and four typed fields so far. With a real board's defaults (user ubuntu and password ubuntu
    # are pre-filled) the user and password fields are not typed: 6 actions to a checked board.
    assert wizard.user_actions == 8
    assert BoardRegistry().get("rubikpi") is not None
    assert studio.settings.get(S.WIZARD_PAGE) == "check"
    # The new password works, and it was not written to any file of the app.
    for path in studio_home.rglob("*"):
        if path.is_file():
            blob = path.read_bytes()
            assert new_password.encode() not in blob and expired_account.password.encode() not in blob, path

    # Closing and reopening resumes on the page reached (the board is still connected).
    wizard.close()
    again = open_wizard(studio.window, settings=studio.settings, state=studio.state)
    assert again.current.name == "check"
    again.close()
    if studio.state.board is not None:
        studio.state.board.close()  # type: ignore[attr-defined]


def test_wizard_pages_without_a_board_are_translated(qtbot: QtBot, studio_home: Path) -> None:
    from test_i18n import untranslated  # tests/gui/test_i18n.py

    studio = app_module.Studio(paths.app_dirs(), lang="zh_CN", strict_pages=True)
    qtbot.addWidget(studio.window)
    try:
        wizard = SetupWizard(
            settings=studio.settings,
            state=studio.state,
            services=WizardServices(discover=lambda on_found, cancel: None),
            parent=studio.window,
        )
        for index, step in enumerate(wizard.steps):
            if step.name in ("welcome", "find", "signin"):
                wizard.stack.setCurrentIndex(index)
        wizard.show()
        problems = [p for p in untranslated(wizard) if "hostList" not in p]
        assert not problems, problems
        wizard.close()
    finally:
        studio.translations.apply("en")


def _widget_names(w: QWidget) -> list[str]:
    return [c.objectName() for c in w.findChildren(QWidget)]
