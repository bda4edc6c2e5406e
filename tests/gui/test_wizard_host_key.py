"""Security defaults (issue 10, part 5) in the wizard: signing in to a board whose host key changed since it
was pinned is refused, the password is never sent, and the pinned key stays.

The "changed" board is a second real sshd (its own host key) at an address where the first one's key is
pinned in the app's known_hosts, as after a re-flash or with someone in the middle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import rig
from pytestqt.qtbot import QtBot
from rig.waiting import until

from rubikpi_studio.core import appdirs, discovery
from rubikpi_studio.core.discovery import FoundHost
from rubikpi_studio.core.events import CancelToken
from rubikpi_studio.ui import app as app_module
from rubikpi_studio.ui import paths
from rubikpi_studio.ui.pages.base import ConnectionState
from rubikpi_studio.ui.wizard import WizardServices, open_wizard

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def other_sshd(tmp_path_factory: pytest.TempPathFactory, rig_sshd: rig.RigSshd) -> Iterator[rig.RigSshd]:
    other = rig.start_sshd(tmp_path_factory.mktemp("sshd-other"))
    assert other.host_public_key().asbytes() != rig_sshd.host_public_key().asbytes()
    yield other
    other.stop()


def test_wizard_sign_in_refuses_a_changed_host_key(
    qtbot: QtBot,
    qrun: Callable[[Any], Any],
    rig_sshd: rig.RigSshd,
    other_sshd: rig.RigSshd,
    fresh_account: rig.RigAccount,
    studio_home: Path,
) -> None:
    pinned = appdirs.known_hosts_path()
    pinned.write_text(rig_sshd.known_hosts_line(other_sshd.port) + "\n")  # the key the board had before
    before = pinned.read_bytes()

    def discover(on_found: Callable[[FoundHost], None], cancel: CancelToken) -> None:
        banner = discovery.read_banner("127.0.0.1", other_sshd.port)
        on_found(FoundHost("127.0.0.1", other_sshd.port, "rubikpi.local", "mdns", banner))

    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    studio.window.show()
    wizard = open_wizard(
        studio.window,
        settings=studio.settings,
        state=studio.state,
        services=WizardServices(discover=discover),
    )

    warned_before_typing: list[str] = []

    async def scenario() -> None:
        await until(lambda: wizard.isVisible(), what="wizard")
        wizard.next_button.click()
        await until(lambda: wizard.current.name == "find", what="find page")
        find = wizard.current
        await until(lambda: find.host_list.count() > 0 and wizard.next_button.isEnabled(), what="found")
        wizard.next_button.click()
        await until(lambda: wizard.current.name == "signin", what="sign-in page")
        signin = wizard.current
        warned_before_typing.append(signin.error.text())
        signin.user_edit.setText(fresh_account.user)
        signin.password_edit.setText(fresh_account.password)
        wizard.next_button.click()
        await until(
            lambda: studio.state.connection is ConnectionState.FAILED, timeout=60, what="sign-in refused"
        )
        assert wizard.current is signin

    qrun(scenario())
    assert "host key" in warned_before_typing[0], "the sign-in page must warn before a password is typed"
    text = wizard.current.error.text()
    assert "host key" in text and "will not connect" in text, text
    assert studio.state.connection is ConnectionState.FAILED
    assert studio.state.board is None
    assert pinned.read_bytes() == before, "the wizard replaced the pinned key"
    auth = [ln for ln in other_sshd.log_text().splitlines() if fresh_account.user in ln]
    assert auth == [], f"the password went to a board with a changed key: {auth}"
    wizard.close()
