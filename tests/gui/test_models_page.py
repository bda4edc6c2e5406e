"""The Models page against the rig: catalogue, a pasted link downloaded by the board with progress and Cancel,
the board's models table, upload, delete with confirmation. Screenshot: docs/screenshots/models-download.png
(with RPS_SCREENSHOTS=1; run under `xvfb-run -a -s "-screen 0 1280x900x24"` with RPS_TEST_DISPLAY=1).
"""

from __future__ import annotations

import asyncio
import os
import shlex
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import rig
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from rig import models as rig_models
from rig.hf_server import HfServer
from rig.llama_server import free_port
from rig.qt import visible_boxes
from rig.waiting import until

from rubikpi_studio.core import jobs
from rubikpi_studio.core import models as core
from rubikpi_studio.core import server as core_server
from rubikpi_studio.core.catalogue import parse_model_ref
from rubikpi_studio.core.ssh import Board
from rubikpi_studio.ui import app as app_module
from rubikpi_studio.ui import paths
from rubikpi_studio.ui.pages.base import ConnectionState
from rubikpi_studio.ui.pages.models import ModelsPage

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
REPO = "HuggingFaceTB/SmolLM2-135M-Instruct-GGUF"
SMOL = "smollm2-135m-instruct-q4_1.gguf"


@pytest.fixture
def board(rig_sshd: rig.RigSshd, fresh_account: rig.RigAccount, tmp_known_hosts: Path) -> Iterator[Board]:
    b = rig.connect(fresh_account, rig_sshd.port, tmp_known_hosts)
    yield b
    b.close()


def boxes() -> list[QMessageBox]:
    return visible_boxes()


def rows(page: ModelsPage) -> list[str]:
    t = page.models_table
    return [t.item(r, 0).text() for r in range(t.rowCount())]


def test_models_page_downloads_with_progress_cancel_upload_delete(
    qtbot: QtBot, qrun: Callable[[Any], Any], board: Board, studio_home: Path
) -> None:
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    window = studio.window
    window.resize(1240, 860)
    window.show()
    # Something on the board already: a tiny text model and its projector (the table pairs them).
    core.push(board, rig_models.tiny_f16_path(), name="tiny-f16.gguf")
    core.push(board, rig_models.tiny_mmproj_path(rig_models.TINY_N_EMBD), name="mmproj-tiny-f16.gguf")
    studio.state.set_board_name("Rig board")
    studio.state.set_connection(ConnectionState.CONNECTED, board)
    window.show_page("models")
    page = window.page("models")
    assert isinstance(page, ModelsPage)

    with HfServer() as hf:
        hf.add_file(REPO, SMOL, rig_models.smollm2_path())
        hf.set_rate(REPO, SMOL, 3_000_000)
        page.endpoint_edit.setText(hf.endpoint)
        page.endpoint_edit.editingFinished.emit()

        async def scenario() -> None:
            await until(lambda: page.models_table.rowCount() == 2, what="models table")
            assert page.catalogue_table.rowCount() >= 2
            fits = page.catalogue_table.item(0, 5).text()
            assert fits == "yes" or fits.startswith("no:"), fits
            page.link_edit.setText(f"{REPO}/{SMOL}")
            page.link_button.click()
            await until(lambda: page.transfer_box.isVisible(), what="transfer panel")
            await until(lambda: "/s" in page.transfer_detail.text(), timeout=60, what="speed shown")
            await until(lambda: page.progress_bar.value() > 30, timeout=60, what="some progress")
            assert " left" in page.transfer_detail.text() and " of 98.4 MB" in page.transfer_detail.text()
            assert not page.link_button.isEnabled() and not page.delete_button.isEnabled()
            QApplication.processEvents()
            if os.environ.get("RPS_SCREENSHOTS"):
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                window.grab().save(str(SCREENSHOTS / "models-download.png"))
            page.cancel_button.click()
            await until(lambda: not page.transfer_box.isVisible(), timeout=30, what="cancelled")
            await until(lambda: f"{SMOL}.part" in rows(page), timeout=30, what="partial listed")

            # Download again: it continues the partial file, then the board verifies the sha256.
            served_before = hf.bytes_served(REPO, SMOL)
            hf.set_rate(REPO, SMOL, None)
            page.link_button.click()
            await until(lambda: SMOL in rows(page), timeout=120, what="downloaded model listed")
            assert f"{SMOL}.part" not in rows(page)
            # Only what was not on the board's disk is fetched again (curl's unwritten buffer at the
            # moment of the cancel is the little extra).
            size = rig_models.smollm2_path().stat().st_size
            gets = hf.requests_for(REPO, SMOL, "GET")
            resumed_from = int((gets[-1].range or "bytes=0-")[6:-1])
            assert 0 < resumed_from <= served_before < size
            assert hf.bytes_served(REPO, SMOL) == served_before + size - resumed_from
            assert served_before - resumed_from < 1 << 20

        qrun(scenario())

    table = page.models_table
    by_name = {table.item(r, 0).text(): r for r in range(table.rowCount())}
    assert table.item(by_name[SMOL], 4).text() == "Q4_1"
    assert table.item(by_name[SMOL], 2).text() == "llama"
    assert "vision projector for tiny-f16.gguf" in table.item(by_name["mmproj-tiny-f16.gguf"], 6).text()
    assert "Deleted" not in page.log_pane.toPlainText()

    async def delete_and_upload() -> None:
        # The projector cannot be quantized: the button says so by being disabled.
        page.models_table.selectRow(by_name["mmproj-tiny-f16.gguf"])
        assert not page.quantize_button.isEnabled()
        page.models_table.selectRow(by_name["tiny-f16.gguf"])
        assert page.quantize_button.isEnabled()
        # Delete asks first; "Cancel" keeps the file.
        page.delete_button.click()
        await until(lambda: page.message_box is not None and page.message_box.isVisible(), what="confirm")
        box = page.message_box
        assert box is not None and "tiny-f16.gguf" in box.text()
        next(b for b in box.buttons() if b.text() == "Cancel").click()
        await until(lambda: page.delete_button.isEnabled(), what="idle")
        assert "tiny-f16.gguf" in rows(page)
        page.delete_button.click()
        await until(lambda: page.message_box is not None and page.message_box.isVisible(), what="confirm 2")
        box = page.message_box
        assert box is not None
        next(b for b in box.buttons() if b.text() == "Delete").click()
        await until(lambda: "tiny-f16.gguf" not in rows(page), what="deleted")
        # Upload (the file dialog is the only part skipped): progress, then the table shows it.
        await page.upload(rig_models.tiny_f16_path())
        await until(lambda: rig_models.tiny_f16_path().name in rows(page), what="uploaded")
        # A non-GGUF file is refused with a message, and nothing lands on the board.
        await page.upload(rig_models.not_gguf_path())
        await until(lambda: boxes(), what="error box")

    qrun(delete_and_upload())
    assert any("not" in b.text().lower() and "gguf" in b.text().lower() for b in boxes()), [
        b.text() for b in boxes()
    ]
    for b in boxes():
        b.close()
    assert rig_models.not_gguf_path().name not in rows(page)
    assert not board.exists(f"{core.models_dir(board)}/{rig_models.not_gguf_path().name}.part")
    studio.state.set_connection(ConnectionState.DISCONNECTED)
    assert page.models_table.rowCount() == 0 and not page.link_button.isEnabled()


def test_quantize_asks_before_replacing_a_file_on_the_board(
    qtbot: QtBot, qrun: Callable[[Any], Any], board: Board, studio_home: Path
) -> None:
    """Quantizing onto a file already there asks first: Cancel keeps it, Replace makes it anew."""
    rig_models.quantize_tool_on(board)
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    source = core.push(board, rig_models.tiny_f16_path(), name="tiny-f16.gguf")
    existing = core.quantize(board, source.name)
    inode = rig_models.inode(board, existing.path)
    studio.state.set_connection(ConnectionState.CONNECTED, board)
    studio.window.show_page("models")
    page = studio.window.page("models")
    assert isinstance(page, ModelsPage)

    async def answer(button: str) -> None:
        await until(lambda: page.message_box is not None and page.message_box.isVisible(), what="question")
        box = page.message_box
        assert box is not None and "tiny-q4_0.gguf is already on the board" in box.text()
        next(b for b in box.buttons() if b.text() == button).click()

    async def scenario() -> None:
        await until(lambda: "tiny-f16.gguf" in rows(page), timeout=30, what="listed")
        model = next(x for x in page.board_models if x.name == "tiny-f16.gguf")
        asking = asyncio.ensure_future(page.quantize(model))
        await answer("Cancel")
        await asking
        assert rig_models.inode(board, existing.path) == inode  # kept
        asking = asyncio.ensure_future(page.quantize(model))
        await answer("Replace")
        await asking
        await until(lambda: rig_models.inode(board, existing.path) != inode, timeout=60, what="replaced")

    qrun(scenario())
    assert not boxes(), [b.text() for b in boxes()]  # no error shown
    replaced = {m.name: m for m in core.list_models(board)}["tiny-q4_0.gguf"]
    assert replaced.info is not None and replaced.info.is_pure
    studio.state.set_connection(ConnectionState.DISCONNECTED)


def test_the_served_model_is_marked_and_delete_refuses_it(
    qtbot: QtBot,
    qrun: Callable[[Any], Any],
    board: Board,
    fresh_account: rig.RigAccount,
    studio_home: Path,
) -> None:
    """A real llama-server started by hand in the models folder with relative names (the app reads its
    working directory) serves the tiny model and its projector: both rows say "being served", and Delete
    says to stop the server first instead of asking to delete; the file stays."""
    binary = rig_models.llama_server_on(board)
    core.push(board, rig_models.tiny_f16_path(), name="tiny-f16.gguf")
    core.push(board, rig_models.tiny_mmproj_path(rig_models.TINY_N_EMBD), name="mmproj-tiny-f16.gguf")
    core.push(board, rig_models.tiny_f16_path(), name="spare-f16.gguf")
    folder = core.models_dir(board)
    argv = [binary, "-m", "tiny-f16.gguf", "--mmproj", "mmproj-tiny-f16.gguf", "--port", str(free_port())]
    argv += ["-t", "1", "-c", "256", "--no-warmup"]
    started = rig.run_as(
        fresh_account.user,
        f"cd {shlex.quote(folder)} || exit 1; setsid nohup {shlex.join(argv)} >/dev/null 2>&1 </dev/null &",
    )
    assert started.returncode == 0, started.stderr
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    try:
        deadline = time.monotonic() + 15
        while not core_server.served_paths(board) and time.monotonic() < deadline:
            time.sleep(0.2)  # the background start has not exec'd llama-server yet
        assert sorted(core_server.served_paths(board)) == [
            f"{folder}/mmproj-tiny-f16.gguf",
            f"{folder}/tiny-f16.gguf",
        ]
        studio.state.set_connection(ConnectionState.CONNECTED, board)
        studio.window.show_page("models")
        page = studio.window.page("models")
        assert isinstance(page, ModelsPage)

        def notes(name: str) -> str:
            return str(page.models_table.item(rows(page).index(name), 6).text())

        async def scenario() -> None:
            await until(lambda: len(rows(page)) == 3, timeout=30, what="listed")
            assert "being served" in notes("tiny-f16.gguf")
            assert "being served" in notes("mmproj-tiny-f16.gguf")
            assert "being served" not in notes("spare-f16.gguf")
            page.models_table.selectRow(rows(page).index("tiny-f16.gguf"))
            page.delete_button.click()
            await until(lambda: page.message_box is not None and page.message_box.isVisible(), what="told")
            box = page.message_box
            assert box is not None
            assert "tiny-f16.gguf is being served" in box.text() and "Server page" in box.text()
            assert [b.text() for b in box.buttons()] == ["OK"]  # nothing to confirm: it is not deleted
            box.buttons()[0].click()
            await until(lambda: page.delete_button.isEnabled(), what="idle")

        qrun(scenario())
        assert board.exists(f"{folder}/tiny-f16.gguf")
        assert not boxes(), [b.text() for b in boxes()]
    finally:
        rig.run_as(fresh_account.user, 'pkill -u "$(id -u)" -x llama-server; true')
        studio.state.set_connection(ConnectionState.DISCONNECTED)


def test_catalogue_download_offers_to_delete_the_f16_source_after_quantizing(
    qtbot: QtBot, qrun: Callable[[Any], Any], board: Board, studio_home: Path
) -> None:
    """The manual's Qwen2 fp16 → pure Q4_0 from the catalogue (the tiny f16 model stands in for its file):
    Download asks once, up front, whether to delete the fp16 afterwards; "Delete it afterwards" leaves only
    the quantized model on the board."""
    rig_models.quantize_tool_on(board)
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    studio.state.set_connection(ConnectionState.CONNECTED, board)
    studio.window.show_page("models")
    page = studio.window.page("models")
    assert isinstance(page, ModelsPage)
    with HfServer() as hf:
        hf.add_file(
            "Qwen/Qwen2-1.5B-Instruct-GGUF", "qwen2-1_5b-instruct-fp16.gguf", rig_models.tiny_f16_path()
        )
        page.endpoint_edit.setText(hf.endpoint)
        page.endpoint_edit.editingFinished.emit()

        async def scenario() -> None:
            await until(lambda: page.folder != "", timeout=30, what="board read")
            ids = [m.id for m in page.catalogue]
            page.catalogue_table.selectRow(ids.index("qwen2-1.5b-instruct"))
            assert page.quantize_after_check.isChecked()
            page.download_button.click()
            await until(
                lambda: page.message_box is not None and page.message_box.isVisible(), what="question"
            )
            box = page.message_box
            assert box is not None
            assert "delete the downloaded qwen2-1_5b-instruct-fp16.gguf" in box.text(), box.text()
            assert "After quantizing to Q4_0" in box.text()
            assert hf.bytes_served("Qwen/Qwen2-1.5B-Instruct-GGUF", "qwen2-1_5b-instruct-fp16.gguf") == 0
            assert sorted(b.text() for b in box.buttons()) == ["Delete it afterwards", "Keep it"]
            next(b for b in box.buttons() if b.text() == "Delete it afterwards").click()
            await until(
                lambda: rows(page) == ["qwen2-1_5b-instruct-q4_0.gguf"] and not page.is_busy,
                timeout=180,
                what="quantized, source deleted",
            )

        qrun(scenario())
    assert not boxes(), [b.text() for b in boxes()]
    (left,) = core.list_models(board)
    assert left.name == "qwen2-1_5b-instruct-q4_0.gguf" and left.info is not None and left.info.is_pure
    studio.state.set_connection(ConnectionState.DISCONNECTED)


def test_a_download_started_before_a_restart_is_followed_with_progress(
    qtbot: QtBot,
    qrun: Callable[[Any], Any],
    board: Board,
    rig_sshd: rig.RigSshd,
    fresh_account: rig.RigAccount,
    tmp_known_hosts: Path,
    studio_home: Path,
) -> None:
    """The app that started a download is gone (its connection dropped mid-transfer); the job goes on on the
    board. A new window's Models page finds it, says "downloading now" on its row and follows it with
    progress to the end: one GET, nothing fetched twice."""
    with HfServer() as hf:
        hf.add_file(REPO, SMOL, rig_models.smollm2_path())
        hf.set_rate(REPO, SMOL, 2_000_000)
        request = core.DownloadRequest.from_ref(parse_model_ref(f"{REPO}/{SMOL}", hf.endpoint))
        earlier = rig.connect(fresh_account, rig_sshd.port, tmp_known_hosts)
        outcome: dict[str, BaseException] = {}

        def earlier_app() -> None:
            try:
                core.pull(earlier, request)
            except BaseException as exc:
                outcome["error"] = exc

        thread = threading.Thread(target=earlier_app, daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while hf.bytes_served(REPO, SMOL) < 1_000_000 and time.monotonic() < deadline:
            time.sleep(0.2)
        earlier.close()
        thread.join(30)
        assert "error" in outcome and not thread.is_alive()
        assert jobs.find_running(board, request.job_key) is not None  # the download goes on without the app

        studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
        qtbot.addWidget(studio.window)
        studio.window.show()
        studio.state.set_connection(ConnectionState.CONNECTED, board)
        studio.window.show_page("models")
        page = studio.window.page("models")
        assert isinstance(page, ModelsPage)

        async def scenario() -> None:
            await until(lambda: page.transfer_box.isVisible(), timeout=30, what="followed")
            assert page.transfer_title.text() == f"Downloading {SMOL}"
            part = rows(page).index(f"{SMOL}.part")
            assert page.models_table.item(part, 6).text() == "downloading now"
            await until(lambda: " of 98.4 MB" in page.transfer_detail.text(), timeout=30, what="progress")
            assert page.progress_bar.value() > 0 and not page.link_button.isEnabled()
            hf.set_rate(REPO, SMOL, None)
            await until(lambda: rows(page) == [SMOL] and not page.is_busy, timeout=180, what="done, listed")

        qrun(scenario())
        assert len(hf.requests_for(REPO, SMOL, "GET")) == 1
        assert hf.bytes_served(REPO, SMOL) == rig_models.smollm2_path().stat().st_size
    assert not boxes(), [b.text() for b in boxes()]
    studio.state.set_connection(ConnectionState.DISCONNECTED)
