"""The setup wizard against the rig: find → sign in with the forced first password change → check the board →
set up (the real setup job, closed and reopened mid-build: same job) → pick a model → download → start the
server → first chat, with the answer streamed on the Chat page. Cold (a new account: nothing on the board,
llama.cpp compiled with the rig's shared compile cache) and warm (the `built_board` account).

Discovery is injected: the rig's sshd listens on 127.0.0.1 and a random port, where no mDNS answer can come
from, so the test's `discover` reports it as mDNS would (the mDNS path itself is tested from a network
namespace in tests/integration/test_discovery.py). Everything after that is real: the banner, the host key
read before signing in, the password change on a pty, the probe.

Each page is grabbed in English and in Chinese into docs/screenshots/ when RPS_SCREENSHOTS=1.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import rig
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from rig import models as rig_models
from rig.build import rig_setup_spec
from rig.hf_server import HfServer
from rig.waiting import until

from rubikpi_studio.core import discovery, jobs
from rubikpi_studio.core import server as core_server
from rubikpi_studio.core.boards import BoardRegistry
from rubikpi_studio.core.catalogue import CatalogueModel, default_path, parse_catalogue
from rubikpi_studio.core.discovery import FoundHost
from rubikpi_studio.core.events import CancelToken
from rubikpi_studio.ui import app as app_module
from rubikpi_studio.ui import paths
from rubikpi_studio.ui import settings as S
from rubikpi_studio.ui.pages.base import ConnectionState, ServerState
from rubikpi_studio.ui.pages.board import BoardPage
from rubikpi_studio.ui.wizard import SetupWizard, WizardServices, open_wizard, share_with_board_page

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _services(port: int, **kw: Any) -> WizardServices:
    def discover(on_found: Callable[[FoundHost], None], cancel: CancelToken) -> None:
        banner = discovery.read_banner("127.0.0.1", port)
        on_found(FoundHost("127.0.0.1", port, "rubikpi.local", "mdns", banner))

    return WizardServices(discover=discover, **kw)


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
        plan = check.plan.toPlainText()  # the rig has the build tools; the new account has no llama.cpp
        assert "Will install: the llama.cpp source, llama.cpp built for the CPU." in plan
        assert "Already there: cmake, ninja-build, git" in plan and "minutes (an estimate" in plan
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


# --- the whole walk ---------------------------------------------------------------------------------------

REPO = "HuggingFaceTB/SmolLM2-135M-Instruct-GGUF"
SMOL = "smollm2-135m-instruct-q4_1.gguf"
SMOL_ID = "smollm2-135m-instruct"
# The rig's accounts are not `ubuntu`/`ubuntu`, the fields a real board's first sign-in finds pre-filled: the
# test types them, a user with the defaults does not.
RIG_ONLY_FIELDS = 2


def rig_catalogue() -> list[CatalogueModel]:
    """The app's catalogue plus SmolLM2-135M, served by the Hugging Face stand-in (the smallest: default)."""
    raw = json.loads(default_path().read_text(encoding="utf-8"))
    size = rig_models.smollm2_path().stat().st_size
    raw["models"].append(
        {
            "id": SMOL_ID,
            "name": "SmolLM2-135M-Instruct",
            "repo": REPO,
            "model": {"file": SMOL, "size": size, "size_exact": True, "sha256": None},
            "projector": None,
            "kind": "text",
            "parameters": "135M",
            "licence": "apache-2.0",
            "quantization": "Q4_1",
            "pure": False,
            "quantized_size": size,
            "ram_mb": 300,
            "source": "catalogue",
            "verified": True,
            "description": {
                "en": "A tiny test model (the rig's).",
                "zh_CN": "一个很小的测试模型（测试环境用）。",
            },
        }
    )
    return parse_catalogue(raw)


def free_port() -> int:
    """llama-server's port for this walk: the rig's board accounts share this machine's loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def hf() -> Iterator[HfServer]:
    with HfServer() as server:
        server.add_file(REPO, SMOL, rig_models.smollm2_path())
        yield server


@dataclass
class Walk:
    """What a walk measured."""

    actions: int = 0  # clicks and typed fields, from first launch to the streamed answer
    detour: int = 0  # not in `actions`: closing the wizard mid-setup and reopening it
    seconds: float = 0.0
    setup_seconds: float = 0.0
    answer: str = ""
    deltas: int = 0
    skipped: list[str] = field(default_factory=list)


def _shoot_back(studio: app_module.Studio, wizard: SetupWizard, names: list[str]) -> None:
    """Screenshots of steps already passed (download, server): shown again without a click, then back."""
    if not os.environ.get("RPS_SCREENSHOTS"):
        return
    here = wizard.current
    index = {s.name: i for i, s in enumerate(wizard.steps)}

    def show(step: Any) -> None:  # as show_step, without entering the step (no work starts)
        wizard._index = wizard.steps.index(step)
        wizard.stack.setCurrentWidget(step)
        wizard.step_list.setCurrentRow(wizard._index)
        wizard.heading.setText(step.title)
        wizard.update_buttons()

    for name in names:
        show(wizard.steps[index[name]])
        _shoot(studio, wizard, f"{index[name] + 1}-{name}")
    show(here)


async def walk_to_answer(
    studio: app_module.Studio,
    services: WizardServices,
    account: rig.RigAccount,
    *,
    new_password: str | None,
    resume_mid_setup: bool = False,
    shots: bool = True,
) -> Walk:
    """Walk the wizard from first launch to a streamed answer on the Chat page, the way a user does."""
    result = Walk()
    started = time.monotonic()
    wizard = open_wizard(studio.window, settings=studio.settings, state=studio.state, services=services)
    share_with_board_page(wizard, studio.window.page("board"))
    shoot = _shoot if shots else (lambda *a: None)

    def typed(widget: Any, text: str) -> None:
        widget.setText(text)
        result.actions += 1

    def click(w: SetupWizard) -> None:
        w.next_button.click()
        result.actions += 1

    await until(lambda: wizard.isVisible() and wizard.current.name == "welcome", what="wizard")
    click(wizard)
    await until(lambda: wizard.current.name == "find", what="find page")
    find = wizard.current
    await until(lambda: find.host_list.count() > 0 and wizard.next_button.isEnabled(), what="found")
    click(wizard)
    await until(lambda: wizard.current.name == "signin", what="sign-in page")
    signin = wizard.current
    typed(signin.user_edit, account.user)
    typed(signin.password_edit, account.password)
    click(wizard)
    if new_password is not None:
        await until(lambda: signin.new_edit.isVisible(), timeout=60, what="forced password change")
        typed(signin.new_edit, new_password)
        typed(signin.repeat_edit, new_password)
        click(wizard)
    await until(lambda: wizard.current.name == "check", timeout=60, what="check page")
    await until(lambda: wizard.data.facts is not None and wizard.next_button.isEnabled(), 60, "facts")
    board = studio.state.board
    assert board is not None
    setup_started = time.monotonic()
    click(wizard)  # "Set up" on a fresh board, "Next" on one already set up
    if resume_mid_setup:
        await until(lambda: wizard.current.name == "setup", what="setup page")
        setup = wizard.current
        await until(lambda: "[" in setup.log_pane.toPlainText(), timeout=600, what="the build running")
        job = jobs.find_running(board, "setup")  # type: ignore[arg-type]
        assert job is not None
        shoot(studio, wizard, "5-setup")
        wizard.close()  # the user closes the wizard mid-build ...
        result.detour += 1
        still = jobs.find_running(board, "setup")  # type: ignore[arg-type]
        assert still is not None and still.id == job.id, "closing the wizard stopped the setup job"
        # ... and reopens it from the menu: it resumes on the set-up step, following the same job.
        wizard = open_wizard(studio.window, settings=studio.settings, state=studio.state, services=services)
        result.detour += 1
        assert wizard.current.name == "setup"
        await until(lambda: not setup.running, timeout=120, what="the closed wizard's follow to stop")
        await until(lambda: wizard.current.name != "setup" or wizard.current.running, 60, "re-attached")
        setup2 = wizard.step("setup")
        assert setup2 is not None
        await until(lambda: wizard.current.name == "model", timeout=3600, what="setup finished")
        assert setup2.reattached and setup2.job_id == job.id  # type: ignore[attr-defined]
    await until(lambda: wizard.current.name == "model", timeout=3600, what="model page")
    result.setup_seconds = time.monotonic() - setup_started
    if wizard.step("setup").done and not getattr(wizard.step("setup"), "job_id", ""):  # type: ignore[union-attr]
        result.skipped.append("setup")
    model = wizard.current
    await until(lambda: model.loaded and model.selected() is not None, 60, "catalogue")  # type: ignore[attr-defined]
    assert model.selected().id == SMOL_ID  # type: ignore[attr-defined]  # the smallest that fits
    kinds = [model.table.item(r, 1).text() for r in range(model.table.rowCount())]  # type: ignore[attr-defined]
    assert any("Vision" in k for k in kinds) or studio.translations is None
    shoot(studio, wizard, "6-model")
    click(wizard)
    await until(lambda: wizard.current.name == "chat", timeout=600, what="download and server")
    if wizard.step("download").skipped:  # type: ignore[union-attr]
        result.skipped.append("download")
    if wizard.step("server").adopted:  # type: ignore[union-attr]
        result.skipped.append("server")
    if shots:
        _shoot_back(
            studio,
            wizard,
            ["setup", "download", "server"] if "setup" in result.skipped else ["download", "server"],
        )
    chat_step = wizard.current
    assert "CPU" in wizard.step("server").outcome.text()  # type: ignore[union-attr]  # the rig has no GPU
    shoot(studio, wizard, "9-chat")
    chat = studio.window.page("chat")
    assert chat is not None
    deltas: list[str] = []
    original = chat.stream_fn  # type: ignore[attr-defined]

    def counting(endpoint: Any, history: Any, params: Any, *, on_delta: Any, **kw: Any) -> Any:
        def on(delta: Any) -> None:
            deltas.append(delta.text)
            on_delta(delta)

        return original(endpoint, history, params, on_delta=on, **kw)

    chat.stream_fn = counting  # type: ignore[attr-defined]
    assert chat_step.prompt_edit.text()  # type: ignore[attr-defined]  # pre-filled: one click asks it
    click(wizard)
    await until(lambda: not wizard.isVisible(), timeout=90, what="wizard done")
    await until(lambda: chat.is_streaming, timeout=60, what="streaming")  # type: ignore[attr-defined]
    await until(lambda: not chat.is_streaming, timeout=300, what="answer")  # type: ignore[attr-defined]
    result.seconds = time.monotonic() - started
    store = chat.open_store()  # type: ignore[attr-defined]
    messages = store.messages(chat.conversation_id)  # type: ignore[attr-defined]
    assert messages[-1].role == "assistant"
    result.answer = messages[-1].content
    result.deltas = len(deltas)
    assert studio.window.current_page is chat
    return result


async def _stop_server(studio: app_module.Studio) -> None:
    """Stop the walk's llama-server while the loop runs, and let the pages take the news."""
    board = studio.state.board
    if isinstance(board, core_server.Board):
        await asyncio.to_thread(core_server.stop, board)
    studio.state.set_server(ServerState.STOPPED)
    await asyncio.sleep(0.2)


def _report(name: str, w: Walk) -> None:
    print(
        f"\n[first chat, {name}] {w.seconds:.1f} s to the answer (setup step {w.setup_seconds:.1f} s); "
        f"{w.actions} actions ({w.actions - RIG_ONLY_FIELDS} with a real board's pre-filled sign-in; "
        f"closing and reopening mid-setup: {w.detour} more); skipped: {', '.join(w.skipped) or 'nothing'}; "
        f"{w.deltas} deltas: {w.answer[:80]!r}"
    )


def test_whole_wizard_cold_fresh_board_with_resume_mid_setup(
    qtbot: QtBot,
    qrun: Callable[[Any], Any],
    rig_sshd: rig.RigSshd,
    expired_account: rig.RigAccount,
    hf: HfServer,
    studio_home: Path,
) -> None:
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    studio.window.resize(1100, 760)
    studio.window.show()
    studio.settings.set(S.HF_ENDPOINT, hf.endpoint)
    studio.settings.set(S.SERVER_PORT, free_port())
    services = _services(
        rig_sshd.port, setup_spec=lambda facts: rig_setup_spec(gpu="off"), catalogue=rig_catalogue
    )
    try:
        w = qrun(
            walk_to_answer(
                studio,
                services,
                expired_account,
                new_password="N3w board pw'$",
                resume_mid_setup=True,
                shots=True,
            )
        )
    finally:
        qrun(_stop_server(studio))
    _report("cold", w)
    assert w.answer.strip() and w.deltas > 1
    assert w.skipped == []
    # welcome, find, sign in (user, password typed on the rig), new password twice, Set up, model, Ask.
    assert w.actions - RIG_ONLY_FIELDS <= 10  # 9: the detour (close, reopen) is counted apart
    assert studio.settings.get(S.SHOW_WIZARD) is False


def test_whole_wizard_warm_board_already_set_up(
    qtbot: QtBot,
    qrun: Callable[[Any], Any],
    built_board: Any,
    hf: HfServer,
    studio_home: Path,
) -> None:
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    studio.window.resize(1100, 760)
    studio.window.show()
    studio.settings.set(S.HF_ENDPOINT, hf.endpoint)
    studio.settings.set(S.SERVER_PORT, free_port())
    services = _services(
        built_board.sshd.port, setup_spec=lambda facts: rig_setup_spec(gpu="off"), catalogue=rig_catalogue
    )
    try:
        w = qrun(walk_to_answer(studio, services, built_board.account, new_password=None))
    finally:
        qrun(_stop_server(studio))
    _report("warm", w)
    assert "setup" in w.skipped
    assert w.answer.strip() and w.deltas > 1
    assert w.actions - RIG_ONLY_FIELDS <= 10
