"""Wizard texts computed at run time (a find status, a sign-in error, a model status, the Check page's facts)
follow a language switch, and the Check page gives the probe's RUBIK Pi verdict. No board: discovery reports
one host the way mDNS does, and the steps that need a board are shown with facts or errors set directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from rig.waiting import until
from test_i18n import untranslated  # tests/gui/test_i18n.py

from rubikpi_studio.core.discovery import FoundHost
from rubikpi_studio.core.probe import BoardFacts
from rubikpi_studio.ui import app as app_module
from rubikpi_studio.ui import paths
from rubikpi_studio.ui.wizard import CheckStep, SetupWizard, WizardServices

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")

BANNER = "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5"


@pytest.fixture
def studio(qtbot: QtBot, studio_home: Path) -> Iterator[app_module.Studio]:
    made = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(made.window)
    yield made
    made.translations.apply("en")


def _switch(studio: app_module.Studio, lang: str) -> None:
    studio.translations.apply(lang)
    QApplication.processEvents()


def _wizard(studio: app_module.Studio) -> SetupWizard:
    def discover(on_found: Callable[[FoundHost], None], cancel: Any) -> None:
        on_found(FoundHost("192.0.2.7", 22, "rubikpi.local", "mdns", BANNER))

    services = WizardServices(discover=discover, host_key=lambda host, port: None)
    wizard = SetupWizard(
        settings=studio.settings, state=studio.state, services=services, parent=studio.window
    )
    wizard.show()
    return wizard


def test_find_signin_and_model_texts_follow_a_language_switch(
    studio: app_module.Studio, qrun: Callable[[Any], Any]
) -> None:
    wizard = _wizard(studio)

    async def scenario() -> None:
        wizard.next_button.click()
        await until(lambda: wizard.current.name == "find", what="find page")
        find = wizard.current
        await until(lambda: find.status.text() == "1 found.", what="the host listed")  # type: ignore[attr-defined]
        assert find.host_list.count() == 1  # type: ignore[attr-defined]
        _switch(studio, "zh_CN")
        assert find.status.text() == "找到 1 个。"  # type: ignore[attr-defined]
        assert "看起来是 RUBIK Pi" in find.host_list.item(0).text()  # type: ignore[attr-defined]
        problems = untranslated(wizard)
        assert not problems, problems
        _switch(studio, "en")
        assert find.status.text() == "1 found."  # type: ignore[attr-defined]

        wizard.next_button.click()
        await until(lambda: wizard.current.name == "signin", what="sign-in page")
        signin = wizard.current
        signin._show_expired(True)  # type: ignore[attr-defined]  # as when the board asks for a new one
        signin.new_edit.setText("one")  # type: ignore[attr-defined]
        signin.repeat_edit.setText("two")  # type: ignore[attr-defined]
        wizard.next_button.click()
        await until(lambda: signin.error.text(), what="the sign-in error")  # type: ignore[attr-defined]
        assert signin.error.text() == "The two new passwords differ."  # type: ignore[attr-defined]
        _switch(studio, "zh_CN")
        assert signin.error.text() == "两次输入的新密码不一致。"  # type: ignore[attr-defined]
        problems = untranslated(wizard)
        assert not problems, problems
        _switch(studio, "en")

        model = wizard.step("model")
        assert model is not None
        assert not await model.advance()  # nothing chosen: the step says so
        assert model.status.text() == "Choose a model."  # type: ignore[attr-defined]
        _switch(studio, "zh_CN")
        assert model.status.text() and "Choose" not in model.status.text()  # type: ignore[attr-defined]

    try:
        qrun(scenario())
    finally:
        wizard.close()


@pytest.mark.parametrize(
    ("facts", "english", "chinese"),
    [
        (
            BoardFacts(model="Thundercomm RUBIK Pi 3", hostname="ubuntu"),
            "yes, a RUBIK Pi",
            "是，这是 RUBIK Pi",
        ),
        (BoardFacts(model="", hostname="rubikpi"), "yes, a RUBIK Pi", "是，这是 RUBIK Pi"),
        (BoardFacts(model="Raspberry Pi 5 Model B Rev 1.0", hostname="pi5"), "no: another board", "否："),
    ],
)
def test_check_page_says_whether_the_probe_found_a_rubikpi(
    studio: app_module.Studio, facts: BoardFacts, english: str, chinese: str
) -> None:
    wizard = _wizard(studio)
    check = wizard.step("check")
    assert isinstance(check, CheckStep)
    wizard.data.facts = facts
    check.retranslate()
    rows = {
        check.table.item(r, 0).text(): check.table.item(r, 1).text() for r in range(check.table.rowCount())
    }
    assert rows["Is it a RUBIK Pi?"].startswith(english)
    _switch(studio, "zh_CN")
    rows = {
        check.table.item(r, 0).text(): check.table.item(r, 1).text() for r in range(check.table.rowCount())
    }
    assert rows["是 RUBIK Pi 吗？"].startswith(chinese)
    wizard.close()
