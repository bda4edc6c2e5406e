"""The Setup page against the rig: one button runs the real setup job; steps, progress and log follow it."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import rig
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from rig.build import rig_setup_spec
from rig.waiting import until

from rubikpi_studio.core import jobs
from rubikpi_studio.ui import app as app_module
from rubikpi_studio.ui import paths
from rubikpi_studio.ui.pages.base import ConnectionState
from rubikpi_studio.ui.pages.setup import SetupPage
from rubikpi_studio.ui.widgets import StepState

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_setup_page_runs_the_job_shows_progress_and_cancels(
    qtbot: QtBot,
    qrun: Callable[[Any], Any],
    rig_sshd: rig.RigSshd,
    fresh_account: rig.RigAccount,
    tmp_known_hosts: Path,
) -> None:
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    window = studio.window
    window.resize(1200, 800)
    window.show()
    page = window.page("setup")
    assert isinstance(page, SetupPage)
    board = rig.connect(fresh_account, rig_sshd.port, tmp_known_hosts)
    spec = rig_setup_spec()

    async def scenario() -> None:
        studio.state.set_board_name("rig")
        studio.state.set_connection(ConnectionState.CONNECTED, board)
        window.show_page("setup")
        assert page.start_button.isEnabled()
        task = page.run_setup(spec)
        fut = asyncio.ensure_future(task)
        await until(
            lambda: page.steps.state_of("build") is StepState.RUNNING, timeout=300, what="build running"
        )
        await until(lambda: "Building CXX" in page.log_pane.toPlainText(), timeout=300, what="compiling")
        await until(lambda: page.steps.overall_fraction > 0.6, timeout=300, what="build under way")
        assert not page.start_button.isEnabled() and page.running
        QApplication.processEvents()
        if os.environ.get("RPS_SCREENSHOTS"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            window.grab().save(str(SCREENSHOTS / "setup-mid-build.png"))
        assert page.steps.state_of("preflight") is StepState.DONE
        assert page.steps.state_of("opencl") is StepState.SKIPPED
        page.steps.cancel_button.click()
        result = await fut
        assert result is None
        assert "cancelled" in page.outcome.text()
        assert page.start_button.text() == "Retry"

    try:
        qrun(scenario())
        assert jobs.find_running(board, "setup") is None, "cancel stopped the job on the board"
    finally:
        board.close()
    assert page.start_button.isEnabled()


def test_setup_page_rides_out_a_cut_connection(
    qtbot: QtBot, qrun: Callable[[Any], Any], built_board: Any, tmp_path: Path
) -> None:
    """The link drops while the page follows the setup job: the page reconnects and follows the same job to
    its outcome, instead of ending in an error."""
    bb = built_board
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    page = studio.window.page("setup")
    assert isinstance(page, SetupPage)
    cuts: list[int] = []
    seen: list[Any] = []
    with rig.FaultProxy(bb.sshd.port) as proxy:
        kh = bb.sshd.write_known_hosts(tmp_path / "known_hosts", proxy.port, bb.sshd.port)
        board = rig.connect(bb.account, proxy.port, kh)

        def on_events(events: list[Any]) -> None:
            seen.extend(events)
            if not cuts and any(e.kind == "step" and e.step == "preflight" for e in events):
                cuts.append(proxy.cut())

        page.bridge.events_ready.connect(on_events)

        async def scenario() -> Any:
            studio.state.set_board_name("rig")
            studio.state.set_connection(ConnectionState.CONNECTED, board)
            return await page.run_setup(rig_setup_spec())

        try:
            result = qrun(scenario())
        finally:
            board.close()
    assert cuts and cuts[0] > 0, "the connection was cut while the job ran"
    assert result is not None, page.outcome.text()
    assert result.job.status == 0
    assert page.outcome.text().startswith("llama.cpp b11434 is ready"), page.outcome.text()
    warnings = [e.message for e in seen if e.kind == "warn"]
    assert any("reconnecting" in w for w in warnings), warnings
    assert page.start_button.isEnabled()


def test_start_button_reads_retry_after_a_failure(
    qtbot: QtBot, qrun: Callable[[Any], Any], built_board: Any
) -> None:
    bb = built_board
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    page = studio.window.page("setup")
    assert isinstance(page, SetupPage)
    board = bb.connect()
    failing = rig_setup_spec(steps=("preflight",), extra_env={"RPS_NEED_DISK_MB": "900000000"})

    async def scenario() -> None:
        studio.state.set_board_name("rig")
        studio.state.set_connection(ConnectionState.CONNECTED, board)
        assert page.start_button.text() == "Set up the board"
        assert await page.run_setup(failing) is None
        assert "need 900000000 MB" in page.outcome.text()
        assert page.start_button.text() == "Retry" and page.start_button.isEnabled()
        assert studio.translations.apply("zh_CN")
        assert page.start_button.text() == "重试"
        studio.translations.apply("en")
        assert page.start_button.text() == "Retry"
        assert await page.run_setup(rig_setup_spec(steps=("preflight",))) is not None
        assert page.start_button.text() == "Set up the board"

    try:
        qrun(scenario())
    finally:
        studio.translations.apply("en")
        board.close()


def _answer(box: QMessageBox, role: QMessageBox.ButtonRole) -> None:
    (button,) = [b for b in box.buttons() if box.buttonRole(b) == role]
    button.click()


def test_rollback_and_remove_path_ask_first_then_act(
    qtbot: QtBot,
    qrun: Callable[[Any], Any],
    rig_sshd: rig.RigSshd,
    fresh_account: rig.RigAccount,
    tmp_known_hosts: Path,
) -> None:
    """The two undo actions run the real scripts on a board account of its own. Its two build folders are
    made by hand (a rollback only swaps the `build`/`build.prev` links), and so is the manual's PATH block."""
    src = f"{fresh_account.home}/dev/llm/llama.cpp"
    profile = f"{fresh_account.home}/.bash_profile"
    made = rig.run_as(
        fresh_account.user,
        f"mkdir -p {src}/build-aaaaaaaaaaaa-cpu/bin {src}/build-bbbbbbbbbbbb-cpu/bin && cd {src} && "
        "ln -s build-bbbbbbbbbbbb-cpu build && ln -s build-aaaaaaaaaaaa-cpu build.prev && "
        f"printf '\\n# Begin llama.cpp\\nexport PATH=$PATH:%s\\n# End llama.cpp\\n\\n' {src}/build/bin "
        f">{profile}",
    )
    assert made.returncode == 0, made.stderr

    def current() -> str:
        return rig.run_as(fresh_account.user, ["readlink", f"{src}/build"]).stdout.strip()

    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    page = studio.window.page("setup")
    assert isinstance(page, SetupPage)
    board = rig.connect(fresh_account, rig_sshd.port, tmp_known_hosts)

    async def confirmation() -> QMessageBox:
        await until(
            lambda: page.message_box is not None and page.message_box.isVisible(), what="confirmation"
        )
        assert page.message_box is not None
        return page.message_box

    async def scenario() -> None:
        studio.state.set_board_name("rig")
        studio.state.set_connection(ConnectionState.CONNECTED, board)
        await until(
            lambda: page.rollback_button.isEnabled() and page.remove_path_button.isEnabled(), what="enabled"
        )
        # Asked first; "Cancel" leaves the board alone.
        page.rollback_button.click()
        box = await confirmation()
        assert "previous llama.cpp build" in box.text()
        _answer(box, QMessageBox.ButtonRole.RejectRole)
        await until(lambda: page.message_box is None, what="confirmation closed")
        assert not page.running and current() == "build-bbbbbbbbbbbb-cpu"
        # Confirmed: the previous build is current, said in the outcome line.
        page.rollback_button.click()
        _answer(await confirmation(), QMessageBox.ButtonRole.AcceptRole)
        await until(lambda: page.outcome.text().startswith("Rolled back"), timeout=120, what="rolled back")
        assert "build-aaaaaaaaaaaa-cpu" in page.outcome.text()
        assert current() == "build-aaaaaaaaaaaa-cpu"
        assert page.steps.state_of("build") is StepState.DONE
        await until(lambda: page.rollback_button.isEnabled(), what="buttons back")
        # The PATH entry, in Chinese this time: the question and the outcome are translated.
        assert studio.translations.apply("zh_CN")
        assert page.remove_path_button.text() == "从开发板的 PATH 中移除"
        page.remove_path_button.click()
        box = await confirmation()
        assert "~/.bash_profile" in box.text() and "移除" in box.text()
        _answer(box, QMessageBox.ButtonRole.AcceptRole)
        await until(lambda: "PATH" in page.outcome.text() and not page.running, timeout=120, what="removed")
        assert page.outcome.text().startswith("已从开发板的 PATH 中移除 llama.cpp")

    try:
        qrun(scenario())
    finally:
        studio.translations.apply("en")
        board.close()
    assert "# Begin llama.cpp" not in rig.run_as(fresh_account.user, ["cat", profile]).stdout
