"""Whether a keyring is usable is asked off the UI thread: the Connect dialog and the wizard's sign-in step
open at once even when the keyring takes seconds to answer (keyring's first call detects the backend, over
D-Bus for GNOME Keyring or KWallet; `secrets.status()` waits up to `secrets.TIMEOUT` for it).

The slow keyring is `rig.slow_keyring.GatedKeyring`, a real keyring backend whose detection waits until the
test opens its gate; it is picked the ordinary way, through PYTHON_KEYRING_BACKEND.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring.core
import pytest
from pytestqt.qtbot import QtBot
from rig.slow_keyring import NAME, GatedKeyring
from rig.waiting import until

from rubikpi_studio.core import secrets
from rubikpi_studio.core.boards import BoardProfile
from rubikpi_studio.core.discovery import FoundHost
from rubikpi_studio.ui import app as app_module
from rubikpi_studio.ui import paths
from rubikpi_studio.ui.connect_dialog import ConnectDialog
from rubikpi_studio.ui.pages.board import BoardPage
from rubikpi_studio.ui.wizard import SetupWizard, WizardServices

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")

# Far below secrets.TIMEOUT (10 s), which is how long a check on the UI thread would freeze it here.
PROMPT = 3.0


def _fresh_backend(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make keyring detect its backend again on the next call, and find `name` (as on a fresh start)."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", name)
    # keyring detects once per process and keeps the result here; there is no public way to forget it.
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)


@pytest.fixture
def slow_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[GatedKeyring]]:
    GatedKeyring.arm()
    _fresh_backend(monkeypatch, NAME)
    try:
        yield GatedKeyring
    finally:
        GatedKeyring.disarm()  # before monkeypatch puts keyring's own backend back


def test_connect_dialog_opens_while_the_keyring_is_slow(
    qtbot: QtBot, qrun: Callable[[Any], Any], studio_home: Path, slow_keyring: type[GatedKeyring]
) -> None:
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    studio.window.show()
    page = studio.window.page("board")
    assert isinstance(page, BoardPage)

    async def scenario() -> None:
        start = time.monotonic()
        page.connect_button.click()
        await until(
            lambda: page.connect_dialog is not None and page.connect_dialog.isVisible(), what="dialog"
        )
        opened = time.monotonic() - start
        dialog = page.connect_dialog
        assert dialog is not None
        assert opened < PROMPT, f"the dialog took {opened:.1f} s to open"
        await until(slow_keyring.asked.is_set, what="the keyring check to start")
        assert not slow_keyring.gate.is_set(), "the keyring is still busy"
        # Unknown yet: the box can't be ticked, and nothing claims there is no keyring.
        assert dialog.keyring_usable is None
        assert not dialog.remember_check.isEnabled()
        assert dialog.remember_check.toolTip() == "Checking for a system keyring…"
        assert not dialog.keyring_note.isVisibleTo(dialog)
        dialog.host_edit.setText("typing works meanwhile")
        slow_keyring.open_gate()
        assert dialog.keyring_check is not None
        await asyncio.wait_for(asyncio.shield(dialog.keyring_check), 15)
        assert dialog.keyring_usable is True
        assert dialog.remember_check.isEnabled() and dialog.remember_check.toolTip() == ""
        assert not dialog.keyring_note.isVisibleTo(dialog)
        dialog.reject()

    qrun(scenario())
    assert isinstance(keyring.core.get_keyring(), GatedKeyring)


def test_connect_dialog_without_a_keyring_unticks_and_says_why(
    qtbot: QtBot, qrun: Callable[[Any], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    _fresh_backend(monkeypatch, "keyring.backends.fail.Keyring")
    profile = BoardProfile("Board", "192.0.2.1", remember_password=True)
    dialog = ConnectDialog(profile)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.remember_check.isChecked(), "the profile's choice stands while the keyring is unknown"
    assert dialog.keyring_check is not None
    qrun(asyncio.wait_for(asyncio.shield(dialog.keyring_check), 15))
    usable, why = secrets.status()
    assert not usable and why
    assert dialog.keyring_usable is False
    assert not dialog.remember_check.isChecked() and not dialog.remember_check.isEnabled()
    assert dialog.remember_check.toolTip() == why
    assert dialog.keyring_note.isVisibleTo(dialog)
    assert not dialog.profile().remember_password


def test_wizard_sign_in_opens_while_the_keyring_is_slow(
    qtbot: QtBot, qrun: Callable[[Any], Any], studio_home: Path, slow_keyring: type[GatedKeyring]
) -> None:
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
    start = time.monotonic()
    wizard.show_step(next(i for i, step in enumerate(wizard.steps) if step.name == "signin"))
    entered = time.monotonic() - start
    page = wizard.current
    check = page.remember_check  # type: ignore[attr-defined]
    assert entered < PROMPT, f"the sign-in step took {entered:.1f} s to show"
    assert not check.isEnabled() and not check.isChecked()
    assert check.toolTip() == "Checking for a system keyring…"
    assert not page.keyring_note.isVisibleTo(wizard)  # type: ignore[attr-defined]

    async def finish() -> None:
        await until(slow_keyring.asked.is_set, what="the keyring check to start")
        await asyncio.sleep(0.05)  # the event loop still turns while the keyring is busy
        assert time.monotonic() - start < PROMPT, "the event loop waited for the keyring"
        assert not slow_keyring.gate.is_set()
        slow_keyring.open_gate()
        await asyncio.wait_for(asyncio.shield(page.keyring_check), 15)  # type: ignore[attr-defined]

    start = time.monotonic()
    qrun(finish())
    assert check.isEnabled() and not check.isChecked(), "usable, and storing stays the user's choice"
    assert not page.keyring_note.isVisibleTo(wizard)  # type: ignore[attr-defined]
    wizard.close()
