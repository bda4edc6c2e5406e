"""The Chat page: conversations with the board's model, streamed, with images, saved as they arrive.

Where the model is: when a board is connected and its server runs (`state.server_changed`), the page adopts
it (`core.server.find`), opens its own SSH port forward (or, for a server shared on the network, uses its LAN
URL with the API key: `reach_server`) and probes `/props` + `/v1/models`; tests and other
callers may hand it any `ServerEndpoint` with `set_endpoint()`. Whether the model takes images comes from
that probe, before the attach button is enabled.

Streaming: `stream_chat` runs on a worker thread. Each delta goes into a small locked buffer and to the store
(buffered, committed every ~0.1 s); a 30 Hz timer on the UI thread takes what is there and re-renders only
the segments of the answer that changed (see chat_view). The first text is drawn at once (a queued signal),
not on the next tick. Stop cancels the token, which shuts the socket
down at once. When the stream ends the conversation is re-read from the store, so what stays on screen is
what was saved.
"""

from __future__ import annotations

import logging
import posixpath
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from rubikpi_studio.core import server as core_server
from rubikpi_studio.core.chat import (
    ChatDelta,
    ChatError,
    ChatMessage,
    ChatParams,
    ChatResult,
    ServerEndpoint,
    ServerInfo,
    ServerUnreachable,
    VisionUnsupported,
    check_vision,
    probe_server,
    stream_chat,
)
from rubikpi_studio.core.errors import StudioError
from rubikpi_studio.core.events import CancelToken, Event
from rubikpi_studio.core.imaging import ImageData
from rubikpi_studio.core.ssh import Board
from rubikpi_studio.core.store import (
    STATUS_COMPLETE,
    STATUS_INTERRUPTED,
    STATUS_STOPPED,
    ChatStore,
    StoredMessage,
    StoreError,
)

from ..bridge import run_in_thread, show_error, widget_slot
from ..chat_view import AnswerStats, ChatInput, ChatView, MessageWidget, ViewMessage, images_from_mime
from ..i18n import QT_TRANSLATE_NOOP
from ..qt_imaging import DEFAULT_MAX_SIDE, QtImageEncoder, thumbnail
from ..widgets import I18N_SKIP
from .base import Page, PageContext, ServerState, register_page

log = logging.getLogger(__name__)

HISTORY_FILE = "chat/history.sqlite3"
UI_RATE_HZ = 30

# Chat error codes → a translated sentence (the error's English message is kept as detail).
CHAT_ERRORS = {
    "E_SERVER_UNREACHABLE": QT_TRANSLATE_NOOP("ChatPage", "The model server cannot be reached."),
    "E_API_KEY": QT_TRANSLATE_NOOP("ChatPage", "The model server refused the API key."),
    "E_SERVER_LOADING": QT_TRANSLATE_NOOP("ChatPage", "The model server is still loading the model."),
    "E_SERVER": QT_TRANSLATE_NOOP("ChatPage", "The model server answered with an error."),
    "E_CONTEXT_FULL": QT_TRANSLATE_NOOP(
        "ChatPage", "The conversation is too long for the model's context. Start a new one."
    ),
    "E_NO_VISION": QT_TRANSLATE_NOOP("ChatPage", "The served model does not take images."),
    "E_STREAM_INTERRUPTED": QT_TRANSLATE_NOOP(
        "ChatPage", "The answer was interrupted. What arrived is kept; Continue asks for the rest."
    ),
    "E_STREAM_PROTOCOL": QT_TRANSLATE_NOOP("ChatPage", "The model server sent something unexpected."),
    "E_IMAGE_FORMAT": QT_TRANSLATE_NOOP("ChatPage", "This file is not an image the model can take."),
    "E_STORE": QT_TRANSLATE_NOOP("ChatPage", "The chat history could not be saved."),
    # core/ssh.py's StallWatch during an answer; cleared when the board is heard from again
    "E_STALLED": QT_TRANSLATE_NOOP(
        "ChatPage",
        "The board has sent nothing for a while; waiting for it (the connection may have stalled).",
    ),
}

StreamFn = Callable[..., ChatResult]


def reach_server(handle: core_server.ServerHandle) -> tuple[ServerEndpoint, bool]:
    """The endpoint the chat uses for the board's server, and whether it is the LAN URL (worker thread).

    A server the user shares on the network is reached the way other devices reach it: its LAN URL with its
    API key, without the SSH connection in the way. Where that URL does not answer from this computer (a
    firewall, the board reached through an SSH hop), the chat goes through the SSH forward as usual."""
    if handle.is_lan and handle.api_key:
        lan = ServerEndpoint(handle.lan_url(), handle.api_key, connect_timeout=3.0)
        try:
            probe_server(lan)
            handle.close_tunnel()
            return lan, True
        except ServerUnreachable as exc:
            log.info("LAN URL %s does not answer (%s); chatting through the SSH forward", lan.base_url, exc)
            lan.close()
        except ChatError:
            return lan, True  # it answers (loading, or an error): the probe that follows says what
    return ServerEndpoint(handle.open_tunnel(), handle.api_key, link=handle.board), False


def to_chat_message(m: StoredMessage) -> ChatMessage:
    return ChatMessage(m.role, m.content, tuple(img.data for img in m.images))


def answer_stats(m: StoredMessage) -> AnswerStats | None:
    """The numbers under an answer: from the server's `timings` (and `usage`), TTFT measured here."""
    t, u = m.timings or {}, m.usage or {}
    if not t and not u and m.ttft_s is None:
        return None

    def num(d: Any, key: str) -> float | None:
        v = d.get(key)
        return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None

    prompt = num(u, "prompt_tokens")
    if prompt is None and t:
        prompt = (num(t, "prompt_n") or 0) + (num(t, "cache_n") or 0)
    generated = num(t, "predicted_n")
    if generated is None:
        generated = num(u, "completion_tokens")
    rate = num(t, "predicted_per_second") or m.tokens_per_second
    return AnswerStats(
        prompt_tokens=None if prompt is None else int(prompt),
        generated_tokens=None if generated is None else int(generated),
        tokens_per_second=rate,
        ttft_s=m.ttft_s if m.ttft_s is not None else (num(t, "prompt_ms") or 0) / 1000 or None,
    )


class _StreamBuffer:
    """Deltas from the worker thread, taken in batches by the UI timer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parts: list[str] = []
        self.last: ChatDelta | None = None

    def push(self, delta: ChatDelta) -> None:
        with self._lock:
            if not delta.is_reasoning:
                self._parts.append(delta.text)
            self.last = delta

    def take(self) -> tuple[str, ChatDelta | None]:
        with self._lock:
            text = "".join(self._parts)
            self._parts = []
            return text, self.last


@register_page
class ChatPage(Page):
    name = "chat"
    title = QT_TRANSLATE_NOOP("Page", "Chat")
    order = 50
    icon = "chat"
    needs_board = True

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.store: ChatStore | None = None
        self.endpoint: ServerEndpoint | None = None
        self.server_info: ServerInfo | None = None
        self.server_error = ""
        self._endpoint_from_board = False
        self.via_lan = False  # the endpoint is the server's LAN URL (shared on the network), not the tunnel
        self._handle: core_server.ServerHandle | None = None
        self.conversation_id: int | None = None
        self.attachments: list[bytes] = []
        self.cancel: CancelToken | None = None
        self.encoder = QtImageEncoder()
        self.stream_fn: StreamFn = stream_chat  # replaceable (benchmarks feed a synthetic stream)
        self._buffer = _StreamBuffer()
        self._streaming_text = ""
        self._streaming_id: int | None = None
        self._notice_code = ""
        self._filling = False
        # Edit-and-resend: the message being edited, and what the input held before Edit (given back when the
        # edit is abandoned). Nothing is deleted until the edited message is sent.
        self.editing_from: int | None = None
        self._draft: tuple[str, list[bytes]] = ("", [])

        # -- conversations (left)
        self.search_edit = QLineEdit()
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textChanged.connect(self._on_search_edit_changed)
        self.conversation_list = QListWidget()
        self.conversation_list.setProperty(I18N_SKIP, True)  # titles are the user's words
        self.conversation_list.currentItemChanged.connect(self._on_conversation_list_current_changed)
        self.conversation_list.itemChanged.connect(self._on_conversation_list_item_changed)
        self.new_button = QPushButton()
        self.new_button.clicked.connect(self.new_conversation)
        self.rename_button = QPushButton()
        self.rename_button.clicked.connect(self._on_rename_button_clicked)
        self.delete_button = QPushButton()
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.export_button = QToolButton()
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.export_menu = QMenu(self.export_button)
        self.export_md_action = self.export_menu.addAction("")
        self.export_md_action.triggered.connect(lambda: self._on_export_chosen("md"))
        self.export_json_action = self.export_menu.addAction("")
        self.export_json_action.triggered.connect(lambda: self._on_export_chosen("json"))
        self.export_button.setMenu(self.export_menu)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search_edit)
        left_layout.addWidget(self.conversation_list, 1)
        row1 = QHBoxLayout()
        row1.addWidget(self.new_button)
        row1.addWidget(self.rename_button)
        row2 = QHBoxLayout()
        row2.addWidget(self.delete_button)
        row2.addWidget(self.export_button)
        left_layout.addLayout(row1)
        left_layout.addLayout(row2)

        # -- the conversation (middle)
        self.server_label = QLabel()
        self.server_label.setObjectName("chatServer")
        self.server_label.setWordWrap(True)
        self.settings_button = QPushButton()
        self.settings_button.setCheckable(True)
        self.settings_button.toggled.connect(self._on_settings_button_toggled)
        head = QHBoxLayout()
        head.addWidget(self.server_label, 1)
        head.addWidget(self.settings_button)
        self.view = ChatView()
        self.notice_label = QLabel()
        self.notice_label.setObjectName("chatNotice")
        self.notice_label.setWordWrap(True)
        self.notice_label.setStyleSheet("color: #b3261e;")
        self.notice_label.hide()
        self.live_label = QLabel()
        self.live_label.setObjectName("liveRate")
        self.live_label.setProperty(I18N_SKIP, True)
        self.editing_label = QLabel()
        self.editing_label.setObjectName("chatEditing")
        self.editing_label.setWordWrap(True)
        self.cancel_edit_button = QToolButton()
        self.cancel_edit_button.clicked.connect(self.cancel_edit)
        self.editing_box = QWidget()
        editing_row = QHBoxLayout(self.editing_box)
        editing_row.setContentsMargins(0, 0, 0, 0)
        editing_row.addWidget(self.editing_label, 1)
        editing_row.addWidget(self.cancel_edit_button)
        self.editing_box.hide()
        self.attachments_box = QWidget()
        self.attachments_row = QHBoxLayout(self.attachments_box)
        self.attachments_row.setContentsMargins(0, 0, 0, 0)
        self.attachments_box.hide()
        self.input = ChatInput()
        self.input.setMaximumHeight(110)
        self.input.send_requested.connect(self._on_send_requested)
        self.input.stop_requested.connect(self._on_escape)
        self.input.images_received.connect(self.add_images)
        self.attach_button = QPushButton()
        self.attach_button.clicked.connect(self._on_attach_button_clicked)
        self.send_button = QPushButton()
        self.send_button.setObjectName("sendButton")
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self._on_send_requested)
        self.stop_button = QPushButton()
        self.stop_button.clicked.connect(self.stop)
        buttons = QVBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.attach_button)
        buttons.addStretch(1)
        input_row = QHBoxLayout()
        input_row.addWidget(self.input, 1)
        input_row.addLayout(buttons)
        middle = QWidget()
        mid = QVBoxLayout(middle)
        mid.setContentsMargins(0, 0, 0, 0)
        mid.addLayout(head)
        mid.addWidget(self.view, 1)
        mid.addWidget(self.live_label)
        mid.addWidget(self.notice_label)
        mid.addWidget(self.editing_box)
        mid.addWidget(self.attachments_box)
        mid.addLayout(input_row)

        # -- per-conversation settings (right, hidden until asked for)
        self.settings_box = QGroupBox()
        self.system_edit = QPlainTextEdit()
        self.system_edit.setMaximumHeight(120)
        self.system_edit.textChanged.connect(self._on_params_changed)
        self.temperature_spin = QDoubleSpinBox()
        self.temperature_spin.setRange(-0.05, 2.0)
        self.temperature_spin.setSingleStep(0.05)
        self.temperature_spin.setValue(-0.05)
        self.top_p_spin = QDoubleSpinBox()
        self.top_p_spin.setRange(-0.05, 1.0)
        self.top_p_spin.setSingleStep(0.05)
        self.top_p_spin.setValue(-0.05)
        self.max_tokens_spin = QSpinBox()
        self.max_tokens_spin.setRange(0, 65536)
        self.max_tokens_spin.setSingleStep(64)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(-1, 2**31 - 1)
        self.seed_spin.setValue(-1)
        for spin in (self.temperature_spin, self.top_p_spin):
            spin.valueChanged.connect(self._on_params_changed)
        for ispin in (self.max_tokens_spin, self.seed_spin):
            ispin.valueChanged.connect(self._on_params_changed)
        self.params_form = QFormLayout(self.settings_box)
        self.params_form.addRow("", self.system_edit)
        self.params_form.addRow("", self.temperature_spin)
        self.params_form.addRow("", self.top_p_spin)
        self.params_form.addRow("", self.max_tokens_spin)
        self.params_form.addRow("", self.seed_spin)
        self.settings_box.hide()

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(middle)
        self.splitter.addWidget(self.settings_box)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([230, 700, 260])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(self.splitter)

        self.view_timer = QTimer(self)
        self.view_timer.setInterval(1000 // UI_RATE_HZ)
        self.view_timer.timeout.connect(self._on_view_timer_timeout)
        self.stop_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        self.stop_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.stop_shortcut.activated.connect(self._on_escape)
        self.setAcceptDrops(True)

        context.state.server_changed.connect(self._on_state_server_changed)
        self.retranslate()
        self._update_controls()

    # ------------------------------------------------------------------ texts
    def retranslate(self) -> None:
        self.search_edit.setPlaceholderText(QCoreApplication.translate("ChatPage", "Search conversations"))
        self.new_button.setText(QCoreApplication.translate("ChatPage", "New"))
        self.rename_button.setText(QCoreApplication.translate("ChatPage", "Rename"))
        self.delete_button.setText(QCoreApplication.translate("ChatPage", "Delete"))
        self.export_button.setText(QCoreApplication.translate("ChatPage", "Export"))
        self.export_md_action.setText(QCoreApplication.translate("ChatPage", "Export as Markdown…"))
        self.export_json_action.setText(QCoreApplication.translate("ChatPage", "Export as JSON…"))
        self.settings_button.setText(QCoreApplication.translate("ChatPage", "Settings"))
        self.settings_button.setToolTip(
            QCoreApplication.translate("ChatPage", "System prompt and sampling for this conversation")
        )
        self.input.setPlaceholderText(
            QCoreApplication.translate(
                "ChatPage", "Message the model (Enter sends, Shift+Enter for a new line)"
            )
        )
        self.send_button.setText(QCoreApplication.translate("ChatPage", "Send"))
        self.stop_button.setText(QCoreApplication.translate("ChatPage", "Stop"))
        self.stop_button.setToolTip(QCoreApplication.translate("ChatPage", "Stop the answer (Esc)"))
        self.attach_button.setText(QCoreApplication.translate("ChatPage", "Image…"))
        self.settings_box.setTitle(QCoreApplication.translate("ChatPage", "This conversation"))
        self.editing_label.setText(
            QCoreApplication.translate(
                "ChatPage",
                "Editing an earlier message: sending replaces it and everything after it. Esc cancels.",
            )
        )
        self.cancel_edit_button.setText(QCoreApplication.translate("ChatPage", "Cancel edit"))
        labels = [
            QCoreApplication.translate("ChatPage", "System prompt"),
            QCoreApplication.translate("ChatPage", "Temperature"),
            QCoreApplication.translate("ChatPage", "Top-p"),
            QCoreApplication.translate("ChatPage", "Max tokens"),
            QCoreApplication.translate("ChatPage", "Seed"),
        ]
        for row, text in enumerate(labels):
            item = self.params_form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            if item is not None and isinstance(item.widget(), QLabel):
                item.widget().setText(text)  # type: ignore[union-attr]
        self.system_edit.setPlaceholderText(
            QCoreApplication.translate("ChatPage", "e.g. You are a concise assistant.")
        )
        default = QCoreApplication.translate("ChatPage", "server default")
        self.temperature_spin.setSpecialValueText(default)
        self.top_p_spin.setSpecialValueText(default)
        self.max_tokens_spin.setSpecialValueText(default)
        self.seed_spin.setSpecialValueText(QCoreApplication.translate("ChatPage", "random"))
        self.view.retranslate()
        self._show_server()
        self._show_notice(self._notice_code)
        self._fill_list()

    def _show_server(self) -> None:
        info = self.server_info
        if self.endpoint is None:
            text = QCoreApplication.translate("ChatPage", "No model server. Start one on the Server page.")
        elif info is None:
            text = QCoreApplication.translate("ChatPage", "The model server does not answer yet.")
            if self.server_error:
                text += " " + self.server_error
        else:
            vision = (
                QCoreApplication.translate("ChatPage", "takes images")
                if info.has_vision
                else QCoreApplication.translate("ChatPage", "text only")
            )
            text = QCoreApplication.translate(
                "ChatPage", "Model: {model} ({vision}, context {n_ctx} tokens)"
            ).format(model=posixpath.basename(info.model) or info.model, vision=vision, n_ctx=info.n_ctx)
        if self.endpoint is not None and self.via_lan:
            text += " " + QCoreApplication.translate(
                "ChatPage", "Reached over your network at {url}, with its API key."
            ).format(url=self.endpoint.base_url)
        self.server_label.setText(text)
        if info is not None and info.has_vision:
            tip = QCoreApplication.translate(
                "ChatPage", "Attach an image (it is scaled down on this computer before sending)"
            )
        elif info is not None:
            tip = QCoreApplication.translate(
                "ChatPage",
                "The served model does not take images. Serve a vision model with its projector (mmproj).",
            )
        else:
            tip = QCoreApplication.translate(
                "ChatPage", "Images can be attached once a vision model is being served."
            )
        self.attach_button.setToolTip(tip)

    def _show_notice(self, code: str, detail: str = "") -> None:
        self._notice_code = code
        if not code:
            self.notice_label.hide()
            self.notice_label.setText("")
            return
        text = (
            QCoreApplication.translate("ChatPage", CHAT_ERRORS[code])
            if code in CHAT_ERRORS
            else QCoreApplication.translate("ChatPage", "Something went wrong.")
        )
        self.notice_label.setText(text + (f" ({detail})" if detail else ""))
        self.notice_label.show()

    def _on_link_event(self, event: Event) -> None:
        if event.code == "E_STALLED":
            self._show_notice("E_STALLED")
        elif self._notice_code == "E_STALLED":  # heard from again
            self._show_notice("")

    # ------------------------------------------------------------------ state
    @property
    def is_streaming(self) -> bool:
        return self.cancel is not None

    @property
    def has_vision(self) -> bool:
        return self.server_info is not None and self.server_info.has_vision

    def _update_controls(self) -> None:
        streaming = self.is_streaming
        ready = self.endpoint is not None and self.server_info is not None
        self.send_button.setEnabled(ready and not streaming)
        self.stop_button.setEnabled(streaming)
        self.attach_button.setEnabled(self.has_vision and not streaming)
        has_conv = self.conversation_id is not None
        self.rename_button.setEnabled(has_conv)
        self.delete_button.setEnabled(has_conv and not streaming)
        self.export_button.setEnabled(has_conv)
        self.new_button.setEnabled(not streaming)
        self.conversation_list.setEnabled(not streaming)
        self._update_message_actions()

    def _update_message_actions(self) -> None:
        streaming = self.is_streaming
        widgets = self.view.messages
        last_assistant = next((w for w in reversed(widgets) if w.message.role == "assistant"), None)
        for w in widgets:
            m = w.message
            is_last = w is last_assistant and w is widgets[-1]
            w.set_actions(
                edit=m.role == "user" and not streaming,
                regenerate=is_last and not streaming,
                resume=is_last and not streaming and m.status in (STATUS_INTERRUPTED, STATUS_STOPPED),
            )

    def open_store(self) -> ChatStore:
        if self.store is None:
            self.store = ChatStore(Path(self.context.dirs.data) / HISTORY_FILE)
            # Commit the buffered tail when the page goes away or the interpreter exits. (Not aboutToQuit:
            # qasync emits it whenever its loop stops, which tests do between steps.)
            weakref.finalize(self, self.store.close)
        return self.store

    def close_store(self) -> None:
        if self.cancel is not None:
            self.cancel.cancel()
        if self.store is not None:
            self.store.close()
            self.store = None

    def load(self) -> None:
        self.open_store()
        self._fill_list()
        if self.context.state.server is ServerState.RUNNING:
            self._on_state_server_changed(ServerState.RUNNING)

    # ------------------------------------------------------------------ the server
    async def set_endpoint(
        self,
        endpoint: ServerEndpoint | None,
        *,
        from_board: bool = False,
        image_size: int | None = None,
        via_lan: bool = False,
    ) -> None:
        """Chat with `endpoint` from now on (None: no server). Probes it for model and vision.

        `image_size`: the vision projector's input size (read from its GGUF header on the board; the server's
        API does not report it); attached images are scaled down to it, else to DEFAULT_MAX_SIDE."""
        if self.endpoint is not None and self.endpoint is not endpoint:
            self.endpoint.close()
        self.endpoint = endpoint
        self.encoder = QtImageEncoder(image_size or DEFAULT_MAX_SIDE)
        self._endpoint_from_board = from_board and endpoint is not None
        self.via_lan = via_lan and endpoint is not None
        self.server_info = None
        self.server_error = ""
        if endpoint is not None:
            try:
                self.server_info = await run_in_thread(probe_server, endpoint)
            except ChatError as exc:
                self.server_error = exc.message
        self._show_server()
        self._update_controls()

    @widget_slot(object)
    async def _on_state_server_changed(self, state: ServerState) -> None:
        board = self.context.state.board
        if state is ServerState.RUNNING and isinstance(board, Board):
            try:
                handle = await run_in_thread(core_server.find, board)
                if handle is None:
                    return
                if handle.needs_api_key and handle.api_key is None:
                    # No keyring: the key lives only in this session, where the Server page put it.
                    handle.api_key = self.context.state.server_api_key
                endpoint, via_lan = await run_in_thread(reach_server, handle)
                image_size = await run_in_thread(handle.vision_image_size)
            except StudioError as exc:
                self.server_error = exc.message
                self._show_server()
                return
            if self._handle is not None and self._handle is not handle:
                self._handle.close_tunnel()
            self._handle = handle
            await self.set_endpoint(endpoint, from_board=True, image_size=image_size, via_lan=via_lan)
        elif self._endpoint_from_board:
            if self._handle is not None:
                self._handle.close_tunnel()
                self._handle = None
            await self.set_endpoint(None)

    # ------------------------------------------------------------------ conversations
    def _fill_list(self) -> None:
        store = self.store
        if store is None:
            return
        self._filling = True
        try:
            self.conversation_list.clear()
            query = self.search_edit.text().strip()
            if query:
                seen: dict[int, str] = {}
                for hit in store.search(query):
                    seen.setdefault(hit.conversation_id, hit.snippet)
                convs = [c for c in store.list_conversations() if c.id in seen]
            else:
                seen = {}
                convs = store.list_conversations()
            for conv in convs:
                item = QListWidgetItem(
                    conv.title or QCoreApplication.translate("ChatPage", "New conversation")
                )
                item.setData(Qt.ItemDataRole.UserRole, conv.id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                if conv.id in seen:
                    item.setToolTip(seen[conv.id])
                self.conversation_list.addItem(item)
                if conv.id == self.conversation_id:
                    self.conversation_list.setCurrentItem(item)
        finally:
            self._filling = False

    def _on_search_edit_changed(self, _text: str) -> None:
        self._fill_list()

    def _on_conversation_list_current_changed(self, item: QListWidgetItem | None, _old: object) -> None:
        if self._filling or item is None:
            return
        cid = int(item.data(Qt.ItemDataRole.UserRole))
        if cid != self.conversation_id:
            self.show_conversation(cid)

    def _on_conversation_list_item_changed(self, item: QListWidgetItem) -> None:
        if self._filling or self.store is None:
            return
        cid = int(item.data(Qt.ItemDataRole.UserRole))
        title = item.text().strip()
        if title:
            self.store.rename_conversation(cid, title)

    def _on_rename_button_clicked(self) -> None:
        item = self.conversation_list.currentItem()
        if item is not None:
            self.conversation_list.editItem(item)

    def _on_delete_button_clicked(self) -> None:
        if self.conversation_id is None:
            return
        cid = self.conversation_id
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("RUBIK Pi Studio")
        box.setText(
            QCoreApplication.translate("ChatPage", "Delete this conversation? This cannot be undone.")
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.finished.connect(
            lambda result: self.delete_conversation(cid) if result == QMessageBox.StandardButton.Yes else None
        )
        box.open()

    def delete_conversation(self, cid: int) -> None:
        store = self.open_store()
        store.delete_conversation(cid)
        if cid == self.conversation_id:
            self.new_conversation()
        self._fill_list()

    def new_conversation(self) -> None:
        self.cancel_edit()
        self.conversation_id = None
        self.view.clear()
        self._show_notice("")
        self._fill_list()
        self.conversation_list.clearSelection()
        self._update_controls()
        self.input.setFocus()

    def show_conversation(self, cid: int) -> None:
        self.cancel_edit()
        store = self.open_store()
        conv = store.get_conversation(cid)
        self.conversation_id = cid
        self._filling = True
        try:
            params = ChatParams.from_dict(conv.params)
            self.system_edit.setPlainText(conv.system_prompt)
            self.temperature_spin.setValue(-0.05 if params.temperature is None else params.temperature)
            self.top_p_spin.setValue(-0.05 if params.top_p is None else params.top_p)
            self.max_tokens_spin.setValue(params.max_tokens or 0)
            self.seed_spin.setValue(-1 if params.seed is None else params.seed)
        finally:
            self._filling = False
        self._reload_messages()
        self._show_notice("")
        self._update_controls()

    def _reload_messages(self) -> None:
        self.view.clear()
        if self.conversation_id is None or self.store is None:
            return
        for m in self.store.messages(self.conversation_id):
            if m.role == "system":
                continue
            self._add_view_message(self._view_message(m))
        self.view.scroll_to_bottom()
        self._update_message_actions()

    def _add_view_message(self, message: ViewMessage) -> MessageWidget:
        widget = self.view.add_message(message)
        widget.edit_requested.connect(self.edit_message)
        widget.regenerate_requested.connect(self._on_regenerate_requested)
        widget.continue_requested.connect(self._on_continue_requested)
        return widget

    @staticmethod
    def _view_message(m: StoredMessage) -> ViewMessage:
        return ViewMessage(
            id=m.id,
            role=m.role,
            text=m.content,
            status=m.status,
            images=tuple(img.data for img in m.images),
            stats=answer_stats(m) if m.role == "assistant" else None,
            error=m.error,
        )

    def params(self) -> ChatParams:
        def opt(value: float, floor: float) -> float | None:
            return None if value <= floor + 1e-9 else round(value, 3)

        return ChatParams(
            temperature=opt(self.temperature_spin.value(), self.temperature_spin.minimum()),
            top_p=opt(self.top_p_spin.value(), self.top_p_spin.minimum()),
            max_tokens=self.max_tokens_spin.value() or None,
            seed=None if self.seed_spin.value() < 0 else self.seed_spin.value(),
            system_prompt=self.system_edit.toPlainText().strip(),
        )

    def _on_params_changed(self, *_args: object) -> None:
        if self._filling or self.conversation_id is None or self.store is None:
            return
        p = self.params()
        self.store.update_conversation(
            self.conversation_id, system_prompt=p.system_prompt, params=p.to_dict()
        )

    def _on_settings_button_toggled(self, on: bool) -> None:
        self.settings_box.setVisible(on)

    def _on_export_chosen(self, fmt: str) -> None:
        if self.conversation_id is None:
            return
        filters = (
            QCoreApplication.translate("ChatPage", "Markdown (*.md)")
            if fmt == "md"
            else QCoreApplication.translate("ChatPage", "JSON (*.json)")
        )
        path, _ = QFileDialog.getSaveFileName(
            self,
            QCoreApplication.translate("ChatPage", "Export the conversation"),
            f"conversation.{fmt}",
            filters,
        )
        if path:
            self.export_conversation(self.conversation_id, Path(path))

    def export_conversation(self, cid: int, path: Path) -> None:
        """Markdown for .md (images inline as data URLs), else JSON."""
        store = self.open_store()
        if path.suffix.lower() in (".md", ".markdown"):
            text = store.export_markdown(cid, inline_images=True)
        else:
            text = store.export_json_text(cid)
        path.write_text(text, encoding="utf-8")

    # ------------------------------------------------------------------ attachments
    def _on_attach_button_clicked(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self,
            QCoreApplication.translate("ChatPage", "Attach images"),
            "",
            QCoreApplication.translate("ChatPage", "Images (*.png *.jpg *.jpeg *.gif *.bmp *.webp)"),
        )
        images: list[bytes] = []
        for f in files:
            try:
                images.append(Path(f).read_bytes())
            except OSError as exc:
                self._show_notice("E_IMAGE_FORMAT", str(exc))
        if images:
            self.add_images(images)

    def add_images(self, images: list[bytes]) -> bool:
        """Attach images to the next message; refused (with a notice) when the model does not take images."""
        if not self.has_vision:
            self._show_notice("E_NO_VISION")
            return False
        self.attachments += images
        self._show_attachments()
        return True

    def _show_attachments(self) -> None:
        while self.attachments_row.count():
            item = self.attachments_row.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
        for i, data in enumerate(self.attachments):
            thumb = QLabel()
            thumb.setObjectName("attachment")
            thumb.setPixmap(thumbnail(data, 56))
            remove = QToolButton()
            remove.setText("×")
            remove.setToolTip(QCoreApplication.translate("ChatPage", "Remove this image"))
            remove.clicked.connect(lambda _=False, i=i: self._remove_attachment(i))
            self.attachments_row.addWidget(thumb)
            self.attachments_row.addWidget(remove)
        self.attachments_row.addStretch(1)
        self.attachments_box.setVisible(bool(self.attachments))

    def _remove_attachment(self, index: int) -> None:
        if 0 <= index < len(self.attachments):
            del self.attachments[index]
        self._show_attachments()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if mime.hasImage() or mime.hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        images = images_from_mime(event.mimeData())
        if images:
            self.add_images(images)
            event.acceptProposedAction()

    # ------------------------------------------------------------------ sending
    @widget_slot()
    async def _on_send_requested(self) -> None:
        await self.send()

    async def send(self) -> None:
        """Send what is in the input box (and the attached images) and stream the answer."""
        if self.is_streaming:
            return
        text = self.input.toPlainText().strip()
        images = list(self.attachments)
        if not text and not images:
            return
        if self.endpoint is None or self.server_info is None:
            self._show_notice("E_SERVER_UNREACHABLE")
            return
        if images and not self.has_vision:
            # Before anything is sent or saved: the server would refuse it with HTTP 500.
            self._show_notice("E_NO_VISION")
            return
        self._show_notice("")
        try:
            encoded: list[ImageData] = [await run_in_thread(self.encoder.encode, raw) for raw in images]
        except StudioError as exc:
            self._show_notice(exc.code, exc.message)
            return
        store = self.open_store()
        try:
            if self.editing_from is not None and self.conversation_id is not None:
                # Edit-and-resend: only now does the edited message (and what followed it) go.
                store.delete_messages_from(self.conversation_id, self.editing_from)
                self._end_edit()
                self._reload_messages()
            if self.conversation_id is None:
                p = self.params()
                self.conversation_id = store.create_conversation(
                    system_prompt=p.system_prompt, params=p.to_dict(), model=self.server_info.model
                )
            user_id = store.add_message(self.conversation_id, "user", text, images=encoded)
        except StudioError as exc:
            show_error(self, exc)
            return
        self.input.clear()
        self.attachments = []
        self._show_attachments()
        self._fill_list()
        self._add_view_message(self._view_message(store.get_message(user_id)))
        await self._answer()

    @widget_slot(int)
    async def _on_regenerate_requested(self, message_id: int) -> None:
        await self.regenerate(message_id)

    async def regenerate(self, message_id: int) -> None:
        if self.is_streaming or self.conversation_id is None or self.store is None:
            return
        self.store.delete_messages_from(self.conversation_id, message_id)
        self._reload_messages()
        await self._answer()

    def edit_message(self, message_id: int) -> None:
        """Put a user message back into the input box to change and resend it.

        Nothing is deleted here: sending replaces the message and everything after it (`send`), while Esc,
        Cancel edit or another conversation gives up the edit and gives the input back what it held before.
        """
        if self.is_streaming or self.conversation_id is None or self.store is None:
            return
        m = self.store.get_message(message_id)
        if self.editing_from is None:
            self._draft = (self.input.toPlainText(), list(self.attachments))
        self.editing_from = message_id
        self.input.setPlainText(m.content)
        self.attachments = [img.data for img in m.images]
        self._show_attachments()
        self.editing_box.show()
        self.input.setFocus()

    def cancel_edit(self) -> None:
        """Give up an edit: the history stays as it is and the input gets its earlier draft back."""
        if self.editing_from is None:
            return
        text, images = self._draft
        self._end_edit()
        self.input.setPlainText(text)
        self.attachments = images
        self._show_attachments()

    def _end_edit(self) -> None:
        self.editing_from = None
        self._draft = ("", [])
        self.editing_box.hide()

    def _on_escape(self) -> None:
        """Esc stops the answer while one streams, else gives up an edit."""
        if self.is_streaming:
            self.stop()
        else:
            self.cancel_edit()

    @widget_slot(int)
    async def _on_continue_requested(self, message_id: int) -> None:
        await self.resume(message_id)

    async def resume(self, message_id: int) -> None:
        """Continue an interrupted (or stopped) answer: its partial text is sent as the answer's start."""
        if self.is_streaming or self.store is None:
            return
        await self._answer(resume=self.store.get_message(message_id))

    async def _answer(self, *, resume: StoredMessage | None = None) -> None:
        store, endpoint, cid = self.store, self.endpoint, self.conversation_id
        if store is None or endpoint is None or cid is None or self.server_info is None:
            self._show_notice("E_SERVER_UNREACHABLE")
            return
        conv = store.get_conversation(cid)
        params = ChatParams.from_dict(conv.params)
        params = ChatParams(
            temperature=params.temperature,
            top_p=params.top_p,
            max_tokens=params.max_tokens,
            seed=params.seed,
            system_prompt=conv.system_prompt,
        )
        history = [
            to_chat_message(m)
            for m in store.messages(cid)
            if m.role != "assistant" or m.content or (resume is not None and m.id == resume.id)
        ]
        try:
            check_vision(self.server_info, history)
        except VisionUnsupported:
            self._show_notice("E_NO_VISION")
            return
        prefix = resume.content if resume is not None else ""
        msg_id = resume.id if resume is not None else store.begin_assistant_message(cid)
        widget = self.view.message_widget(msg_id)
        if widget is None:
            widget = self._add_view_message(ViewMessage(msg_id, "assistant", "", status="streaming"))
        widget.set_status("streaming")
        self.view.scroll_to_bottom()
        self.cancel = token = CancelToken()

        # The window may go away under a running answer: its request ends then too, not after 1500 tokens.
        # (A function of the token, not a method of the page: the page is being destroyed when it runs.)
        def on_destroyed(*_args: object) -> None:
            token.cancel()

        self.destroyed.connect(on_destroyed)
        self._buffer = buffer = _StreamBuffer()
        self._streaming_text = prefix
        self._streaming_id = msg_id
        self._update_controls()
        self.view_timer.start()

        first = [True]
        import asyncio

        loop = asyncio.get_running_loop()

        def on_ui_thread(fn: Callable[..., None], *args: object) -> None:
            """From the worker: call `fn` on the UI thread if the page still exists. The worker never touches
            the page's Qt object itself: emitting a signal on a page deleted meanwhile crashed the process."""

            def call() -> None:
                if isValid(self):
                    fn(*args)

            if not loop.is_closed():
                loop.call_soon_threadsafe(call)

        def on_delta(delta: ChatDelta) -> None:  # worker thread
            # Saved before it can be shown: a crash never loses text the user saw. A WAL commit without
            # fsync (synchronous=NORMAL) costs tens of microseconds, here on the worker thread.
            store.append_delta(msg_id, delta.text, is_reasoning=delta.is_reasoning)
            store.flush()
            buffer.push(delta)
            if first[0] and delta.text and not delta.is_reasoning:
                # The first text is drawn at once, not on the next 30 Hz tick: the first token is on screen
                # as soon as it arrives.
                first[0] = False
                on_ui_thread(self._on_view_timer_timeout)

        try:
            try:
                result = await run_in_thread(
                    self.stream_fn,
                    endpoint,
                    history,
                    params,
                    on_delta=on_delta,
                    cancel=token,
                    encoder=self.encoder,
                    report=lambda event: on_ui_thread(self._on_link_event, event),
                )
            except ChatError as exc:
                partial = exc.partial
                store.finish_message(
                    msg_id,
                    status=STATUS_INTERRUPTED,
                    content=prefix + (partial.content if partial else ""),
                    reasoning=partial.reasoning if partial else None,
                    ttft_s=partial.ttft_s if partial and not prefix else None,
                    tokens_per_second=partial.tokens_per_second if partial else None,
                    error=exc.message,
                )
                self._show_answer_notice(exc)
            except StudioError as exc:
                store.finish_message(
                    msg_id, status=STATUS_INTERRUPTED, content=prefix or None, error=exc.message
                )
                self._show_answer_notice(exc)
            else:
                store.finish_message(
                    msg_id,
                    status=STATUS_STOPPED if result.stopped else STATUS_COMPLETE,
                    content=prefix + result.content,
                    reasoning=result.reasoning,
                    finish_reason=result.finish_reason,
                    timings=result.timings.to_dict() if result.timings else None,
                    usage=result.usage.to_dict() if result.usage else None,
                    ttft_s=result.ttft_s,
                    tokens_per_second=result.tokens_per_second,
                )
        except StoreError as exc:
            # The history was closed under the answer (the page is going away: what streamed is saved up to
            # there, and the store marks the answer interrupted when it is opened next), or cannot be written.
            log.warning("answer %s not saved to its end: %s", msg_id, exc.message)
            self._show_answer_notice(exc)
        finally:
            self.cancel = None
            self._streaming_id = None
            if isValid(self):
                self.destroyed.disconnect(on_destroyed)
                self._end_answer_view(store, cid, msg_id)
            else:
                log.info("answer %s ended after its page went away", msg_id)

    def _show_answer_notice(self, exc: StudioError) -> None:
        if isValid(self):  # else the page is gone and the answer's outcome is in the history
            self._show_notice(exc.code if exc.code in CHAT_ERRORS else "E_SERVER", exc.message)

    def _end_answer_view(self, store: ChatStore, cid: int, msg_id: int) -> None:
        """The page after an answer ended: no live numbers, the answer as it was saved, controls enabled."""
        self.view_timer.stop()
        self.live_label.setText("")
        if self.conversation_id == cid and not store.is_closed:
            # Only the answer's widget is brought in line with what was saved (re-building the whole
            # conversation here stalled the UI for a second on long answers).
            saved = store.get_message(msg_id)
            shown = self.view.message_widget(msg_id)
            if shown is None:
                self._reload_messages()
            else:
                shown.update_message(self._view_message(saved))
        self._fill_list()
        self._update_controls()

    def stop(self) -> None:
        """End the current answer now (Esc): the request's connection is shut down."""
        if self.cancel is not None:
            self.cancel.cancel()

    def _on_view_timer_timeout(self) -> None:
        text, last = self._buffer.take()
        if self._streaming_id is None:
            return
        widget = self.view.message_widget(self._streaming_id)
        if widget is None:
            return
        if text:
            self._streaming_text += text
            widget.set_text(self._streaming_text)
        if last is not None:
            if last.tokens_per_second is not None:
                live = QCoreApplication.translate("ChatPage", "{n} tokens · {rate:.1f} tokens/s").format(
                    n=last.n_tokens, rate=last.tokens_per_second
                )
            else:
                live = QCoreApplication.translate("ChatPage", "{n} tokens").format(n=last.n_tokens)
            widget.set_stats(None, live=live)
            self.live_label.setText(live)
