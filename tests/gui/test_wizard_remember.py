"""The wizard's sign-in step and the keyring: storing the password is opt-in, and without a keyring the box
stays in sight, greyed out, with the reason beside it (it used to be ticked by default and, with no keyring,
to vanish without a word)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from rubikpi_studio.core import secrets
from rubikpi_studio.core.discovery import FoundHost
from rubikpi_studio.ui import app as app_module
from rubikpi_studio.ui import paths
from rubikpi_studio.ui.wizard import SetupWizard, WizardServices

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def signin(
    qtbot: QtBot, studio_home: Path, qrun: Callable[[Any], Any]
) -> Iterator[tuple[SetupWizard, object]]:
    """The sign-in step, once its keyring check (off the UI thread) has answered."""
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    wizard = SetupWizard(
        settings=studio.settings,
        state=studio.state,
        services=WizardServices(discover=lambda on_found, cancel: None),
        parent=studio.window,
    )
    wizard.data.host = FoundHost("127.0.0.1", 22, "rubikpi.local", "manual", "")
    wizard.show()
    wizard.show_step(next(i for i, step in enumerate(wizard.steps) if step.name == "signin"))
    qrun(wizard.current.keyring_check)  # type: ignore[attr-defined]
    yield wizard, wizard.current
    wizard.close()


def test_no_keyring_says_why_and_keeps_the_box_in_sight(signin: tuple[SetupWizard, object]) -> None:
    usable, why = secrets.status()
    if usable:
        pytest.skip("this machine's session has a keyring; the test needs none")
    wizard, page = signin
    check = page.remember_check  # type: ignore[attr-defined]
    note = page.keyring_note  # type: ignore[attr-defined]
    assert check.isVisibleTo(wizard) and not check.isEnabled() and not check.isChecked()
    assert check.toolTip() == why
    assert note.isVisibleTo(wizard)
    assert note.text() == "No system keyring is available, so the app will ask for the password each time."


def test_remember_is_unticked_by_default_with_a_keyring(
    keyring_backend: object, signin: tuple[SetupWizard, object]
) -> None:
    assert secrets.status()[0]
    wizard, page = signin
    check = page.remember_check  # type: ignore[attr-defined]
    assert check.isVisibleTo(wizard) and check.isEnabled()
    assert not check.isChecked(), "storing the password is the user's choice"
    assert not page.keyring_note.isVisibleTo(wizard)  # type: ignore[attr-defined]
