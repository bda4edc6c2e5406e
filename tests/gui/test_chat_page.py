"""The Chat page against a REAL llama-server on 127.0.0.1 (SmolLM2-135M; the tiny vision projector).

Send with Enter, watch the answer stream in, Esc stops it (the server's slot goes idle), images are scaled
down and accepted by the vision server (prompt tokens count them), a text-only server refuses an image before
anything is sent, a cut connection leaves an interrupted answer that Continue completes, and the history is
in the SQLite file under the app's data folder. Skips only when no llama-server binary exists.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import re
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import rig
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QFontDatabase,
    QGuiApplication,
    QImage,
    QPainter,
    QTextDocument,
    QTextTable,
)
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel
from pytestqt.qtbot import QtBot
from rig import models
from rig.faultproxy import FaultProxy
from rig.llama_server import LlamaServer, find_llama_server, free_port, llama_server_missing_reason
from rig.waiting import until
from shiboken6 import isValid

from rubikpi_studio.core.chat import ServerEndpoint, fetch_slots, stream_chat
from rubikpi_studio.core.store import STATUS_COMPLETE, STATUS_INTERRUPTED, STATUS_STOPPED
from rubikpi_studio.ui import app as app_module
from rubikpi_studio.ui import paths
from rubikpi_studio.ui.chat_view import CodeBlock
from rubikpi_studio.ui.pages.base import ConnectionState
from rubikpi_studio.ui.pages.chat import HISTORY_FILE, ChatPage
from rubikpi_studio.ui.qt_imaging import image_to_bytes, load_image

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
IMAGE_TOKENS = (models.MMPROJ_IMAGE_SIZE // models.MMPROJ_PATCH_SIZE) ** 2
LONG = functools.partial(stream_chat, extra={"ignore_eos": True, "max_tokens": 1500})


@pytest.fixture(scope="module")
def llama_bin() -> Path:
    binary = find_llama_server()
    if binary is None:
        pytest.skip(llama_server_missing_reason())
    return binary


@pytest.fixture(scope="module")
def text_server(llama_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    with LlamaServer(llama_bin, models.smollm2_path(), log_dir=tmp_path_factory.mktemp("llama")) as srv:
        yield srv


@pytest.fixture(scope="module")
def vision_server(llama_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    with LlamaServer(
        llama_bin,
        models.smollm2_path(),
        mmproj=models.tiny_mmproj_path(576),
        log_dir=tmp_path_factory.mktemp("llama-vision"),
    ) as srv:
        yield srv


def picture(width: int, height: int) -> bytes:
    """A PNG with a gradient and a disc (so scaling has something to keep)."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#2b6cb0"))
    p = QPainter(image)
    p.setBrush(QColor("#f6ad55"))
    p.drawEllipse(width // 4, height // 4, width // 2, height // 2)
    p.end()
    return image_to_bytes(image, "PNG")


def chat_request_bodies(raw: bytes) -> list[dict[str, Any]]:
    """The JSON bodies of the POST /v1/chat/completions requests in bytes a client sent (HTTP/1.1)."""
    bodies = []
    while (start := raw.find(b"POST /v1/chat/completions ")) >= 0:
        head_end = raw.index(b"\r\n\r\n", start)
        head = raw[start:head_end].decode("latin-1").lower()
        length = int(head.split("content-length:", 1)[1].split("\r\n", 1)[0])
        body = raw[head_end + 4 : head_end + 4 + length]
        bodies.append(json.loads(body))
        raw = raw[head_end + 4 + length :]
    return bodies


@pytest.fixture
def chat(qtbot: QtBot) -> Iterator[tuple[app_module.Studio, ChatPage]]:
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    studio.window.resize(1180, 820)
    studio.window.show()
    studio.window.show_page("chat")
    page = studio.window.page("chat")
    assert isinstance(page, ChatPage)
    yield studio, page
    page.close_store()
    if page.endpoint is not None:
        page.endpoint.close()


@contextlib.asynccontextmanager
async def answering(page: ChatPage) -> AsyncIterator[asyncio.Future[None]]:
    """`page.send()` running while the body watches it. However the body ends (a wait that timed out
    included), the answer is stopped and awaited before the test goes on, so the page is never torn down
    under a running answer; its own error is raised when the body went well."""
    task = asyncio.ensure_future(page.send())
    body_ok = False
    try:
        yield task
        body_ok = True
    finally:
        page.stop()  # nothing when the answer has ended
        done, _ = await asyncio.wait([task], timeout=30)
        error = task.exception() if task in done and not task.cancelled() else None
    assert task in done, "the answer did not end within 30 s of Stop"
    if error is not None and body_ok:
        raise error


def slot_idle(base_url: str) -> bool:
    with ServerEndpoint(base_url) as ep:
        return not any(s.get("is_processing") for s in fetch_slots(ep))


def test_send_streams_saves_and_shows_numbers(
    chat: tuple[app_module.Studio, ChatPage],
    text_server: LlamaServer,
    qtbot: QtBot,
    qrun: Callable[[Any], Any],
    studio_home: Path,
) -> None:
    _studio, page = chat
    renders: list[str] = []

    async def scenario() -> None:
        await page.set_endpoint(ServerEndpoint(text_server.base_url))
        assert page.send_button.isEnabled()
        assert not page.attach_button.isEnabled()
        assert "does not take images" in page.attach_button.toolTip()
        page.max_tokens_spin.setValue(48)
        page.seed_spin.setValue(7)
        qtbot.keyClicks(page.input, "Name three colours.")
        qtbot.keyClick(page.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
        qtbot.keyClicks(page.input, "Short answer please.")
        assert page.input.toPlainText() == "Name three colours.\nShort answer please."
        qtbot.keyClick(page.input, Qt.Key.Key_Return)  # Enter sends
        await until(lambda: page.is_streaming, what="streaming")
        while page.is_streaming:
            w = page.view.messages[-1] if page.view.messages else None
            if w is not None and w.message.role == "assistant" and w.message.text not in renders:
                renders.append(w.message.text)
            await asyncio.sleep(0.01)
        await until(lambda: not page.is_streaming, what="answer finished")

    qrun(scenario())
    assert page.input.toPlainText() == ""
    store = page.store
    assert store is not None and page.conversation_id is not None
    assert (studio_home / HISTORY_FILE).is_file()  # the data folder, not memory
    msgs = store.messages(page.conversation_id)
    assert [m.role for m in msgs] == ["user", "assistant"]
    assert msgs[0].content == "Name three colours.\nShort answer please."
    answer = msgs[1]
    assert answer.status == STATUS_COMPLETE and answer.content
    assert answer.timings and answer.timings["predicted_n"] > 0 and answer.usage
    conv = store.get_conversation(page.conversation_id)
    assert conv.params["max_tokens"] == 48 and conv.params["seed"] == 7
    assert conv.title == "Name three colours."
    # streamed: the view showed growing text before the end, and ends with exactly what was saved
    assert len(renders) >= 2, renders
    assert all(answer.content.startswith(r) for r in renders)
    shown = page.view.messages[-1]
    assert shown.message.text == answer.content
    stats = shown.stats_label.text()
    assert "tokens/s" in stats and "prompt tokens" in stats and "first token after" in stats
    assert shown.regenerate_button.isVisible() and not shown.continue_button.isVisible()
    assert page.conversation_list.count() == 1

    # Regenerate replaces the answer; Edit puts the question back (and deletes nothing until it is sent).
    qrun(page.regenerate(answer.id))
    msgs = store.messages(page.conversation_id)
    assert [m.role for m in msgs] == ["user", "assistant"] and msgs[1].created > answer.created
    assert msgs[1].status == STATUS_COMPLETE
    page.view.messages[0].edit_button.click()
    assert page.input.toPlainText() == "Name three colours.\nShort answer please."
    assert store.messages(page.conversation_id) == msgs
    page.cancel_edit()

    # search, rename, export
    page.search_edit.setText("zzz-nothing")
    assert page.conversation_list.count() == 0
    page.search_edit.setText("colours")
    assert page.conversation_list.count() == 1
    page.search_edit.setText("")
    item = page.conversation_list.item(0)
    item.setText("Colours")
    assert store.get_conversation(page.conversation_id).title == "Colours"
    out = studio_home / "export.md"
    page.export_conversation(page.conversation_id, out)
    assert out.read_text().startswith("# Colours")


def test_edit_deletes_nothing_until_the_edited_message_is_sent(
    chat: tuple[app_module.Studio, ChatPage],
    text_server: LlamaServer,
    qtbot: QtBot,
    qrun: Callable[[Any], Any],
) -> None:
    _studio, page = chat
    qrun(page.set_endpoint(ServerEndpoint(text_server.base_url)))
    store = page.open_store()
    cid = store.create_conversation(params={"max_tokens": 8, "temperature": 0})
    for question, reply in (("First question", "First answer"), ("Second question", "Second answer")):
        store.add_message(cid, "user", question)
        store.finish_message(store.begin_assistant_message(cid), status=STATUS_COMPLETE, content=reply)
    other = store.create_conversation()
    store.add_message(other, "user", "Elsewhere")
    history = store.messages(cid)
    page.show_conversation(cid)

    def shown() -> list[str]:
        return [w.message.text for w in page.view.messages]

    def intact() -> None:
        assert store.messages(cid) == history
        assert shown() == [m.content for m in history]

    # Abandon with Esc: the history stays and the draft that was in the input comes back.
    page.input.setPlainText("a draft")
    page.view.messages[0].edit_button.click()
    assert page.input.toPlainText() == "First question" and page.editing_box.isVisible()
    intact()
    qtbot.keyClick(page.input, Qt.Key.Key_Escape)
    assert page.editing_from is None and not page.editing_box.isVisible()
    assert page.input.toPlainText() == "a draft"
    intact()

    # Abandon by clearing the input and going to another conversation.
    page.view.messages[2].edit_button.click()
    page.input.clear()
    intact()
    page.show_conversation(other)
    assert page.editing_from is None
    page.show_conversation(cid)
    intact()

    # Edit and send: the edited message and what followed are replaced, what came before stays.
    page.view.messages[2].edit_button.click()
    page.input.setPlainText("Second question, edited")
    qtbot.keyClick(page.input, Qt.Key.Key_Return)
    qrun(until(lambda: page.is_streaming, what="streaming"))
    qrun(until(lambda: not page.is_streaming, timeout=60, what="answer finished"))
    msgs = store.messages(cid)
    assert msgs[:2] == history[:2]
    assert [m.role for m in msgs[2:]] == ["user", "assistant"]
    assert msgs[2].content == "Second question, edited" and msgs[2].id > history[-1].id
    assert msgs[3].status == STATUS_COMPLETE
    assert shown()[:3] == ["First question", "First answer", "Second question, edited"]
    assert page.editing_from is None and not page.editing_box.isVisible()


def test_stop_with_esc_ends_the_request(
    chat: tuple[app_module.Studio, ChatPage],
    text_server: LlamaServer,
    qtbot: QtBot,
    qrun: Callable[[Any], Any],
) -> None:
    _studio, page = chat
    page.stream_fn = LONG  # would run to 1500 tokens
    stopped_at: list[float] = []

    async def scenario() -> None:
        await page.set_endpoint(ServerEndpoint(text_server.base_url))
        page.input.setPlainText("Tell me a very long story.")
        async with answering(page) as sending:
            await until(lambda: page.is_streaming, what="streaming")
            await until(lambda: len(page._streaming_text) > 10, timeout=120, what="some text")
            qtbot.keyClick(page.input, Qt.Key.Key_Escape)
            stopped_at.append(time.monotonic())
            await until(lambda: not page.is_streaming, timeout=5, what="stopped")
            stopped_at.append(time.monotonic())
            await sending
        await until(lambda: slot_idle(text_server.base_url), timeout=10, what="slot idle")

    qrun(scenario())
    assert stopped_at[1] - stopped_at[0] < 1.0
    assert page.store is not None and page.conversation_id is not None
    answer = page.store.messages(page.conversation_id)[-1]
    assert answer.status == STATUS_STOPPED and answer.content
    widget = page.view.messages[-1]
    assert widget.message.text == answer.content
    assert "stopped" in widget.status_label.text() and widget.continue_button.isVisible()


def test_first_text_is_drawn_at_once_not_on_the_ui_timer(
    chat: tuple[app_module.Studio, ChatPage],
    text_server: LlamaServer,
    qrun: Callable[[Any], Any],
) -> None:
    """With the 30 Hz view timer made an hour long, the answer's first text is still on screen while the
    answer streams: it is drawn when it arrives. (Later text waits for the timer, as designed.)"""
    _studio, page = chat
    page.stream_fn = LONG
    page.view_timer.setInterval(3_600_000)
    seen: list[str] = []

    async def scenario() -> None:
        await page.set_endpoint(ServerEndpoint(text_server.base_url))
        page.input.setPlainText("Tell me a very long story.")
        async with answering(page):
            await until(lambda: page.is_streaming, what="streaming")
            answer = page.view.messages[-1]
            # With the timer an hour long, any text on screen was drawn when it arrived (it may already be).
            assert answer.message.role == "assistant"
            await until(lambda: bool(answer.message.text), timeout=60, what="first text drawn")
            assert page.is_streaming
            seen.append(answer.message.text)

    qrun(scenario())
    assert page.store is not None and page.conversation_id is not None
    answer = page.store.messages(page.conversation_id)[-1]
    assert seen[0] and answer.content.startswith(seen[0])


def test_live_rate_while_streaming_and_scrolling_up_is_not_yanked_down(
    chat: tuple[app_module.Studio, ChatPage],
    text_server: LlamaServer,
    qrun: Callable[[Any], Any],
) -> None:
    _studio, page = chat
    page.stream_fn = LONG
    store = page.open_store()
    cid = store.create_conversation()
    store.add_message(cid, "user", "\n".join(f"line {i} of an earlier, long message" for i in range(120)))
    store.finish_message(store.begin_assistant_message(cid), status=STATUS_COMPLETE, content="Noted.")
    page.show_conversation(cid)
    bar = page.view.verticalScrollBar()
    lives: list[str] = []

    async def scenario() -> None:
        await page.set_endpoint(ServerEndpoint(text_server.base_url))
        page.input.setPlainText("Tell me a very long story.")
        async with answering(page):
            await until(lambda: len(page._streaming_text) > 10, timeout=120, what="some text")
            await until(lambda: "tokens/s" in page.live_label.text(), what="live rate")
            lives.append(page.live_label.text())
            # At the bottom, the view follows the answer.
            assert page.view.follow and bar.value() == bar.maximum() > 0
            # The user scrolls up: the answer keeps growing, the view stays where the user put it.
            bar.setValue(bar.maximum() // 3)
            held = bar.value()
            grown_from = bar.maximum()
            await until(lambda: bar.maximum() > grown_from + 40, timeout=120, what="the answer grew")
            assert bar.value() == held and not page.view.follow
            lives.append(page.live_label.text())
            # Back at the bottom, following resumes.
            bar.setValue(bar.maximum())
            grown_from = bar.maximum()
            await until(lambda: bar.maximum() > grown_from + 40, timeout=120, what="the answer grew again")
            await until(lambda: bar.value() == bar.maximum(), timeout=2, what="followed")

    qrun(scenario())
    for live in lives:
        assert re.fullmatch(r"\d+ tokens · \d+\.\d tokens/s", live), live
    assert int(lives[1].split()[0]) > int(lives[0].split()[0])  # the count moves while it streams
    assert page.live_label.text() == ""  # gone once the answer has ended


def test_image_scaled_and_accepted_by_vision_server(
    chat: tuple[app_module.Studio, ChatPage],
    vision_server: LlamaServer,
    qrun: Callable[[Any], Any],
) -> None:
    _studio, page = chat
    big = picture(1200, 800)

    async def ask(with_image: bool) -> int:
        page.new_conversation()
        page.max_tokens_spin.setValue(8)
        page.temperature_spin.setValue(0)
        if with_image:
            mime = QMimeData()
            mime.setImageData(load_image(big))
            page.input.insertFromMimeData(mime)  # what a paste or a drop on the input does
            assert len(page.attachments) == 1
            assert page.attachments_box.isVisible()
        page.input.setPlainText("Describe the picture.")
        await page.send()
        assert page.store is not None and page.conversation_id is not None
        answer = page.store.messages(page.conversation_id)[-1]
        assert answer.status == STATUS_COMPLETE, answer.error
        assert answer.usage is not None
        return int(answer.usage["prompt_tokens"])

    async def scenario() -> tuple[int, int]:
        await page.set_endpoint(ServerEndpoint(vision_server.base_url))
        assert page.attach_button.isEnabled()
        assert "scaled down" in page.attach_button.toolTip()
        return await ask(True), await ask(False)

    with_image, without = qrun(scenario())
    assert with_image - without == IMAGE_TOKENS
    store = page.store
    assert store is not None
    first = store.list_conversations()[-1]
    user = store.messages(first.id)[0]
    assert len(user.images) == 1
    sent = load_image(user.images[0].data)
    assert (sent.width(), sent.height()) == (512, 341)  # longer side 512, aspect kept
    page.show_conversation(first.id)
    thumbs = [w for w in page.view.messages[0].findChildren(QLabel) if w.objectName() == "thumbnail"]
    assert thumbs and not thumbs[0].pixmap().isNull()


def test_board_server_images_are_scaled_to_its_projectors_size(
    chat: tuple[app_module.Studio, ChatPage],
    llama_bin: Path,
    rig_sshd: rig.RigSshd,
    fresh_account: rig.RigAccount,
    tmp_known_hosts: Path,
    tmp_path: Path,
    qrun: Callable[[Any], Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A vision server started by hand on the rig board: the page adopts it when the board connects, reads the
    projector's image size (32 px) from its GGUF header over SFTP, and an image attached through the file
    dialog is sent at that size."""
    studio, page = chat
    port = free_port()
    start = (
        f"setsid nohup {llama_bin} -m {models.smollm2_path()} --mmproj {models.tiny_mmproj_path(576)} "
        f"--host 127.0.0.1 --port {port} -c 1024 -np 1 --no-warmup -t 2 > ~/llama.log 2>&1 < /dev/null &"
        " echo started"
    )
    assert "started" in rig.run_as(fresh_account.user, start).stdout
    big = tmp_path / "photo.png"
    big.write_bytes(picture(1200, 800))
    # The OS file dialog is the one thing replaced: it "returns" the chosen file.
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *_a, **_k: ([str(big)], ""))
    board = rig.connect(fresh_account, rig_sshd.port, tmp_known_hosts)

    def healthy() -> bool:
        try:
            return requests.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    async def scenario() -> None:
        await until(healthy, timeout=60, what="llama-server on the board")
        studio.state.set_board_name("Rig board")
        studio.state.set_connection(ConnectionState.CONNECTED, board)
        await until(lambda: page.has_vision, timeout=60, what="the board's vision server adopted")
        assert page.encoder.max_side == models.MMPROJ_IMAGE_SIZE
        page.attach_button.click()
        assert len(page.attachments) == 1 and page.attachments_box.isVisible()
        page.max_tokens_spin.setValue(4)
        page.input.setPlainText("Describe the picture.")
        await page.send()

    try:
        qrun(scenario())
    finally:
        page.close_store()
        if page.endpoint is not None:
            page.endpoint.close()
            page.endpoint = None
        studio.state.set_connection(ConnectionState.DISCONNECTED)
        board.close()
        rig.run_as(fresh_account.user, 'pkill -u "$(id -u)" -x llama-server; true')
    store = page.open_store()
    assert page.conversation_id is not None
    user, answer = store.messages(page.conversation_id)
    assert answer.status == STATUS_COMPLETE, answer.error
    sent = load_image(user.images[0].data)
    assert (sent.width(), sent.height()) == (32, 21)  # the projector's 32 px, aspect kept
    page.close_store()


def test_drop_of_an_image_file_attaches_it(
    chat: tuple[app_module.Studio, ChatPage],
    vision_server: LlamaServer,
    tmp_path: Path,
    qrun: Callable[[Any], Any],
) -> None:
    """A file dragged from a file manager arrives as a file URL: an image is attached, other files are not."""
    _studio, page = chat
    qrun(page.set_endpoint(ServerEndpoint(vision_server.base_url)))
    image = tmp_path / "photo.png"
    image.write_bytes(picture(300, 200))
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image")

    def drop(*files: Path) -> bool:
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(f)) for f in files])
        pos = QPointF(page.view.rect().center())
        buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        enter = QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime, buttons, mods)
        QApplication.sendEvent(page, enter)
        accepted = enter.isAccepted()
        QApplication.sendEvent(page, QDropEvent(pos, Qt.DropAction.CopyAction, mime, buttons, mods))
        return accepted

    assert drop(notes)  # a URL may be dropped; it is looked at on drop
    assert page.attachments == [] and not page.attachments_box.isVisible()
    assert drop(image, notes)
    assert page.attachments == [image.read_bytes()]
    assert page.attachments_box.isVisible()
    thumbs = [w for w in page.attachments_box.findChildren(QLabel) if w.objectName() == "attachment"]
    assert len(thumbs) == 1 and not thumbs[0].pixmap().isNull()


def test_code_block_copy_and_markdown_rendering(
    chat: tuple[app_module.Studio, ChatPage],
) -> None:
    """No server needed: an answer saved earlier is shown with its list, table and code block; Copy on the
    code block puts exactly the code on the clipboard, Copy on the message the whole Markdown."""
    _studio, page = chat
    code = 'def greet(name):\n    return f"Hello, {name}!"'
    text = (
        "Steps:\n\n1. define it\n2. call it\n\n| arg | meaning |\n|---|---|\n| name | who |\n\n"
        f"```python\n{code}\n```\n\nDone."
    )
    store = page.open_store()
    cid = store.create_conversation()
    store.add_message(cid, "user", "Show me a greeting function.")
    store.finish_message(store.begin_assistant_message(cid), status=STATUS_COMPLETE, content=text)
    page.show_conversation(cid)
    answer = page.view.messages[-1]
    blocks = answer.findChildren(CodeBlock)
    assert len(blocks) == 1 and blocks[0].language.text() == "python"
    assert blocks[0].code.text() == code
    assert (
        blocks[0].code.font().family()
        == QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family()
    )
    prose = [w for w in answer.findChildren(QLabel) if w.textFormat() == Qt.TextFormat.MarkdownText]
    assert [w.text() for w in prose] == [text.split("\n\n```")[0], "Done."]
    # Qt's Markdown renders the list and the table as such (not as literal pipes and digits).
    doc = QTextDocument()
    doc.setMarkdown(prose[0].text())
    assert "|" not in doc.toPlainText() and doc.toPlainText().count("\n") >= 5
    assert any(isinstance(f, QTextTable) for f in doc.rootFrame().childFrames())
    clipboard = QGuiApplication.clipboard()
    clipboard.clear()
    blocks[0].copy_button.click()
    assert clipboard.text() == code
    answer.copy_button.click()
    assert clipboard.text() == text


def test_text_only_server_refuses_an_image_before_sending(
    chat: tuple[app_module.Studio, ChatPage],
    text_server: LlamaServer,
    qrun: Callable[[Any], Any],
) -> None:
    _studio, page = chat
    log_before = text_server.log_text().count("/v1/chat/completions")

    async def scenario() -> None:
        await page.set_endpoint(ServerEndpoint(text_server.base_url))

    qrun(scenario())
    assert not page.attach_button.isEnabled()
    assert not page.add_images([picture(64, 64)])  # drop/paste is refused too
    assert "does not take images" in page.notice_label.text()
    page.attachments = [picture(64, 64)]  # however an image got there
    page.input.setPlainText("What is this?")
    qrun(page.send())
    assert page.notice_label.isVisible() and "does not take images" in page.notice_label.text()
    assert page.input.toPlainText() == "What is this?"  # nothing was taken away
    assert page.store is not None and page.store.list_conversations() == []
    assert text_server.log_text().count("/v1/chat/completions") == log_before


def test_dropped_connection_marks_interrupted_and_continue_completes(
    chat: tuple[app_module.Studio, ChatPage],
    text_server: LlamaServer,
    qrun: Callable[[Any], Any],
) -> None:
    _studio, page = chat
    with FaultProxy(text_server.port, record=True) as proxy:
        page.stream_fn = LONG

        async def scenario() -> None:
            await page.set_endpoint(ServerEndpoint(f"http://127.0.0.1:{proxy.port}"))
            page.input.setPlainText("Tell me a long story about a robot.")
            async with answering(page) as sending:
                await until(lambda: len(page._streaming_text) > 10, timeout=120, what="some text")
                proxy.cut()
                await sending

        qrun(scenario())
        store = page.store
        assert store is not None and page.conversation_id is not None
        answer = store.messages(page.conversation_id)[-1]
        assert answer.status == STATUS_INTERRUPTED and len(answer.content) > 10
        widget = page.view.messages[-1]
        assert widget.message.text == answer.content
        assert widget.continue_button.isVisible()
        assert "interrupted" in page.notice_label.text()

        page.stream_fn = functools.partial(stream_chat, extra={"max_tokens": 16})
        partial = answer.content
        proxy.take_sent()
        widget.continue_button.click()
        qrun(until(lambda: page.is_streaming, what="continuing"))
        qrun(until(lambda: not page.is_streaming, what="continued"))
        done = store.get_message(answer.id)
        assert done.status == STATUS_COMPLETE and done.content.startswith(partial)
        assert len(done.content) > len(partial)
        # On the wire: the request asked the server to go on from the partial answer (its last message).
        sent = chat_request_bodies(proxy.take_sent())
        assert len(sent) == 1
        assert [m["role"] for m in sent[0]["messages"]] == ["user", "assistant"]
        assert sent[0]["messages"][-1]["content"] == partial


@pytest.mark.skipif(not os.environ.get("RPS_SCREENSHOTS"), reason="set RPS_SCREENSHOTS=1 to refresh docs")
def test_screenshot_code_and_image(
    chat: tuple[app_module.Studio, ChatPage],
    vision_server: LlamaServer,
    qrun: Callable[[Any], Any],
) -> None:
    studio, page = chat

    async def scenario() -> None:
        await page.set_endpoint(ServerEndpoint(vision_server.base_url))
        page.temperature_spin.setValue(0)
        page.max_tokens_spin.setValue(160)
        page.add_images([picture(900, 600)])
        page.input.setPlainText("What is in this picture?")
        await page.send()
        page.input.setPlainText("Write a Python function that reverses a string, in a code block.")
        await page.send()

    qrun(scenario())
    assert page.view.messages[-1].findChildren(CodeBlock), page.view.messages[-1].message.text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.view.scroll_to_bottom()
    qrun(asyncio.sleep(0.2))
    assert studio.window.grab().save(str(SCREENSHOTS / "chat-code-and-image.png"))


def test_an_answer_still_streaming_when_the_page_goes_away_ends_quietly(
    text_server: LlamaServer, qrun: Callable[[Any], Any]
) -> None:
    """CI once failed with "Internal C++ object (QTimer) already deleted" from the end of an answer whose page
    had been torn down meanwhile. The page goes away while an answer streams: the answer's request ends at
    once, what arrived is saved as a stopped answer, and nothing is raised into the event loop."""
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    window = studio.window
    window.show()
    window.show_page("chat")
    page = window.page("chat")
    assert isinstance(page, ChatPage)
    page.stream_fn = LONG
    store = page.open_store()
    ended: list[float] = []

    async def scenario() -> None:
        await page.set_endpoint(ServerEndpoint(text_server.base_url))
        page.input.setPlainText("Tell me a very long story.")
        sending = asyncio.ensure_future(page.send())
        try:
            await until(lambda: len(page._streaming_text) > 10, timeout=120, what="some text")
            # The page goes, not the whole window: a Studio whose window was deleted under it left objects
            # that crashed a later test's event processing (the app deletes its window only at exit).
            page.deleteLater()
            await until(lambda: not isValid(page), what="the page deleted")
            gone = time.monotonic()
            await asyncio.wait_for(sending, 10)
            ended.append(time.monotonic() - gone)
        finally:
            if not sending.done():
                page.stop()
                await asyncio.wait([sending], timeout=30)
        await until(lambda: slot_idle(text_server.base_url), timeout=10, what="slot idle")

    quits = QApplication.quitOnLastWindowClosed()
    QApplication.setQuitOnLastWindowClosed(False)  # the deleted window is the last one
    try:
        qrun(scenario())
    finally:
        QApplication.setQuitOnLastWindowClosed(quits)
        window.hide()
        window.deleteLater()
        if page.endpoint is not None:
            page.endpoint.close()
    assert ended[0] < 3.0, ended  # the request was ended, not left to run to 1500 tokens
    cid = store.list_conversations()[0].id
    answer = store.messages(cid)[-1]
    assert answer.status == STATUS_STOPPED and len(answer.content) > 10, answer
    store.close()
    # pytest-qt fails this test by itself if the answer's task raised into the Qt event loop


def test_a_silent_link_during_an_answer_is_shown_and_cleared(
    chat: tuple[app_module.Studio, ChatPage], text_server: LlamaServer, qrun: Callable[[Any], Any]
) -> None:
    """core/ssh.py's StallWatch reports through the stream's `report`, on the stream's worker thread; the
    page shows the notice (queued to the GUI thread) and takes it down when the board is heard from again.

    The answer is the real one from the rig's llama-server; only the watch's two reports are made here (the
    watch needs an SSH tunnel that goes quiet), with the watch's own messages, before the stream starts."""
    from rubikpi_studio.core.events import INFO, WARN, Event
    from rubikpi_studio.core.ssh import LINK_BACK, LINK_QUIET

    _, page = chat
    shown = threading.Event()
    seen: list[str] = []

    def stream_through_a_quiet_link(*args: Any, report: Callable[[Event], None], **kw: Any) -> Any:
        seen.append(threading.current_thread().name)
        report(Event(WARN, step="chat", code="E_STALLED", message=LINK_QUIET.format(seconds=20)))
        assert shown.wait(30), "the notice was not shown"
        report(Event(INFO, step="chat", message=LINK_BACK))
        return stream_chat(*args, report=report, extra={"max_tokens": 8}, **kw)

    page.stream_fn = stream_through_a_quiet_link

    async def scenario() -> None:
        await page.set_endpoint(ServerEndpoint(text_server.base_url))
        page.input.setPlainText("Hello")
        async with answering(page) as sending:
            await until(page.notice_label.isVisible, timeout=30, what="the stalled-link notice")
            assert "may have stalled" in page.notice_label.text()
            shown.set()
            await until(lambda: not page.notice_label.isVisible(), timeout=30, what="the notice gone")
            await sending

    try:
        qrun(scenario())
    finally:
        shown.set()
    assert seen and seen[0] != threading.main_thread().name, "reported from the worker thread"
