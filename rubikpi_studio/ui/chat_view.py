"""The chat's message list and input box.

- `ChatView` is a scroll area of `MessageWidget`s. It follows the newest text only while the user is at the
  bottom: scrolling up stops the following, scrolling back down resumes it.
- A message's Markdown is shown as segments (`markdown.split_segments`): prose in rich-text labels (lists,
  tables, emphasis), fenced code in a monospace box with its own Copy button. While an answer streams only
  the segments that changed are re-rendered, so the cost of an update does not grow with the answer.
- `ChatInput`: Enter sends, Shift+Enter starts a new line, Esc stops; pasted or dropped images are handed
  out as bytes instead of being inserted as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication, QImage, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from .markdown import Segment, split_segments
from .qt_imaging import image_to_bytes, thumbnail
from .widgets import I18N_SKIP

__all__ = ["AnswerStats", "ChatInput", "ChatView", "CodeBlock", "MessageWidget", "ViewMessage"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp")


@dataclass(frozen=True)
class AnswerStats:
    prompt_tokens: int | None = None
    generated_tokens: int | None = None
    tokens_per_second: float | None = None
    ttft_s: float | None = None


@dataclass(frozen=True)
class ViewMessage:
    id: int
    role: str  # user | assistant | system
    text: str
    status: str = "complete"  # complete | streaming | interrupted | stopped
    images: tuple[bytes, ...] = field(default=(), repr=False)
    stats: AnswerStats | None = None
    error: str = ""


def format_stats(stats: AnswerStats) -> str:
    parts: list[str] = []
    if stats.prompt_tokens is not None:
        parts.append(
            QCoreApplication.translate("ChatPage", "{n} prompt tokens").format(n=stats.prompt_tokens)
        )
    if stats.generated_tokens is not None:
        parts.append(QCoreApplication.translate("ChatPage", "{n} generated").format(n=stats.generated_tokens))
    if stats.tokens_per_second is not None:
        parts.append(
            QCoreApplication.translate("ChatPage", "{rate:.1f} tokens/s").format(rate=stats.tokens_per_second)
        )
    if stats.ttft_s is not None:
        parts.append(
            QCoreApplication.translate("ChatPage", "first token after {ms:.0f} ms").format(
                ms=stats.ttft_s * 1000
            )
        )
    return " · ".join(parts)


def _mono_font_family() -> str:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family()


class CodeBlock(QFrame):
    """A fenced code block: monospace on a tinted background, with a Copy button.

    The code is a word-wrapping label rather than a text editor: an editor per block made every layout pass of
    a long answer cost ~10 ms per block (measured with bench/ui_stall.py), the label's height is cached.
    """

    def __init__(self, segment: Segment, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("codeBlock")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self.segment = segment
        self.language = QLabel(segment.language)
        self.language.setProperty(I18N_SKIP, True)
        self.copy_button = QPushButton()
        self.copy_button.setFlat(True)
        self.copy_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        self.code = CachedLabel()
        self.code.setObjectName("code")
        self.code.setProperty(I18N_SKIP, True)
        self.code.setTextFormat(Qt.TextFormat.PlainText)
        self.code.setWordWrap(True)
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.code.set_cached_text(segment.text)
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.language)
        head.addStretch(1)
        head.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 6)
        layout.setSpacing(0)
        layout.addLayout(head)
        layout.addWidget(self.code)
        self.retranslate()

    def retranslate(self) -> None:
        self.copy_button.setText(QCoreApplication.translate("ChatPage", "Copy"))
        self.copy_button.setToolTip(QCoreApplication.translate("ChatPage", "Copy the code"))

    def set_segment(self, segment: Segment) -> None:
        if segment.language != self.segment.language:
            self.language.setText(segment.language)
        if segment.text != self.segment.text:
            self.code.set_cached_text(segment.text)
        self.segment = segment

    def _on_copy_button_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.segment.text)


class CachedLabel(QLabel):
    """A word-wrapping label whose size hints are computed once per text (and width).

    QLabel lays its whole document out again on every size query, and the chat's layout asks every label on
    every change; cached, a finished segment costs nothing while the answer grows below it.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._heights: dict[int, int] = {}
        self._hints: dict[str, QSize] = {}

    def set_cached_text(self, text: str) -> None:
        self._heights.clear()
        self._hints.clear()
        self.setText(text)

    def heightForWidth(self, width: int) -> int:
        h = self._heights.get(width)
        if h is None:
            h = self._heights[width] = super().heightForWidth(width)
        return h

    def sizeHint(self) -> QSize:
        if "size" not in self._hints:
            self._hints["size"] = super().sizeHint()
        return self._hints["size"]

    def minimumSizeHint(self) -> QSize:
        if "minimum" not in self._hints:
            self._hints["minimum"] = super().minimumSizeHint()
        return self._hints["minimum"]


class MarkdownLabel(CachedLabel):
    def __init__(self, segment: Segment, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.segment = segment
        self.setProperty(I18N_SKIP, True)
        self.setTextFormat(Qt.TextFormat.MarkdownText)
        self.setWordWrap(True)
        self.setOpenExternalLinks(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.set_cached_text(segment.text)

    def set_segment(self, segment: Segment) -> None:
        if segment.text != self.segment.text:
            self.set_cached_text(segment.text)
        self.segment = segment


class MessageWidget(QFrame):
    """One message: who, attached images, the text, the numbers, and its actions."""

    edit_requested = Signal(int)
    regenerate_requested = Signal(int)
    continue_requested = Signal(int)

    def __init__(self, message: ViewMessage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("message_" + message.role)
        self.message = message
        self._segments: list[QWidget] = []
        self._rendered: list[Segment] = []
        self.role_label = QLabel()
        font = self.role_label.font()
        font.setBold(True)
        self.role_label.setFont(font)
        self.status_label = QLabel()
        self.copy_button = QPushButton()
        self.edit_button = QPushButton()
        self.regenerate_button = QPushButton()
        self.continue_button = QPushButton()
        for b in (self.copy_button, self.edit_button, self.regenerate_button, self.continue_button):
            b.setFlat(True)
            b.setCursor(Qt.CursorShape.PointingHandCursor)
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        self.edit_button.clicked.connect(lambda: self.edit_requested.emit(self.message.id))
        self.regenerate_button.clicked.connect(lambda: self.regenerate_requested.emit(self.message.id))
        self.continue_button.clicked.connect(lambda: self.continue_requested.emit(self.message.id))
        head = QHBoxLayout()
        head.addWidget(self.role_label)
        head.addWidget(self.status_label)
        head.addStretch(1)
        for b in (self.continue_button, self.regenerate_button, self.edit_button, self.copy_button):
            head.addWidget(b)
        self.images_row = QHBoxLayout()
        self.images_row.setSpacing(6)
        self.body = QVBoxLayout()
        self.body.setSpacing(6)
        self.stats_label = QLabel()
        self.stats_label.setProperty(I18N_SKIP, True)  # numbers, formatted with translated words
        self.stats_label.setObjectName("answerStats")
        self.error_label = QLabel()
        self.error_label.setProperty(I18N_SKIP, True)  # the server's or network's own words
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b3261e;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(4)
        layout.addLayout(head)
        layout.addLayout(self.images_row)
        layout.addLayout(self.body)
        layout.addWidget(self.error_label)
        layout.addWidget(self.stats_label)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        if message.role == "user":
            self.setStyleSheet("#message_user { background: palette(alternate-base); border-radius: 6px; }")
        self._fill_images(message.images)
        self.set_actions(edit=False, regenerate=False, resume=False)
        self.update_message(message)
        self.retranslate()

    # -- content
    def _fill_images(self, images: Sequence[bytes]) -> None:
        for data in images:
            label = QLabel()
            label.setObjectName("thumbnail")
            label.setPixmap(thumbnail(data, 160))
            self.images_row.addWidget(label)
        self.images_row.addStretch(1)

    def update_message(self, message: ViewMessage) -> None:
        self.message = message
        self.set_text(message.text)
        self.set_status(message.status)
        self.set_stats(message.stats)
        self.error_label.setText(message.error)
        self.error_label.setVisible(bool(message.error))

    def set_text(self, text: str) -> None:
        """Render `text`, touching only the segments that changed since the last call."""
        self.message = ViewMessage(**{**self.message.__dict__, "text": text})
        segments = split_segments(text) if self.message.role == "assistant" else [Segment("plain", text)]
        for i, seg in enumerate(segments):
            if i < len(self._rendered) and self._rendered[i] == seg:
                continue
            widget = self._segments[i] if i < len(self._segments) else None
            if (isinstance(widget, CodeBlock) and seg.kind == "code") or (
                isinstance(widget, MarkdownLabel) and seg.kind == "markdown"
            ):
                widget.set_segment(seg)
            elif (
                isinstance(widget, CachedLabel)
                and not isinstance(widget, MarkdownLabel)
                and seg.kind == "plain"
            ):
                widget.set_cached_text(seg.text)
            else:
                new = self._make_segment(seg)
                if widget is not None:
                    self.body.replaceWidget(widget, new)
                    widget.deleteLater()
                    self._segments[i] = new
                else:
                    self.body.addWidget(new)
                    self._segments.append(new)
        for widget in self._segments[len(segments) :]:
            self.body.removeWidget(widget)
            widget.deleteLater()
        del self._segments[len(segments) :]
        self._rendered = segments

    @staticmethod
    def _make_segment(seg: Segment) -> QWidget:
        if seg.kind == "code":
            return CodeBlock(seg)
        if seg.kind == "markdown":
            return MarkdownLabel(seg)
        label = CachedLabel()  # the user's own words: shown as typed
        label.setProperty(I18N_SKIP, True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        label.set_cached_text(seg.text)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def set_status(self, status: str) -> None:
        self.message = ViewMessage(**{**self.message.__dict__, "status": status})
        self._show_status()

    def set_stats(self, stats: AnswerStats | None, *, live: str = "") -> None:
        self.message = ViewMessage(**{**self.message.__dict__, "stats": stats})
        self.stats_label.setText(live or (format_stats(stats) if stats else ""))
        self.stats_label.setVisible(bool(self.stats_label.text()))

    def set_actions(self, *, edit: bool, regenerate: bool, resume: bool) -> None:
        self.edit_button.setVisible(edit)
        self.regenerate_button.setVisible(regenerate)
        self.continue_button.setVisible(resume)

    def _show_status(self) -> None:
        texts = {
            "streaming": QCoreApplication.translate("ChatPage", "answering…"),
            "interrupted": QCoreApplication.translate("ChatPage", "interrupted"),
            "stopped": QCoreApplication.translate("ChatPage", "stopped"),
        }
        self.status_label.setText(texts.get(self.message.status, ""))
        self.status_label.setVisible(self.message.status in texts)

    def retranslate(self) -> None:
        roles = {
            "user": QCoreApplication.translate("ChatPage", "You"),
            "assistant": QCoreApplication.translate("ChatPage", "Assistant"),
            "system": QCoreApplication.translate("ChatPage", "System"),
        }
        self.role_label.setText(roles.get(self.message.role, self.message.role))
        self.copy_button.setText(QCoreApplication.translate("ChatPage", "Copy"))
        self.edit_button.setText(QCoreApplication.translate("ChatPage", "Edit"))
        self.edit_button.setToolTip(
            QCoreApplication.translate(
                "ChatPage", "Put this message back in the input box to change and resend it"
            )
        )
        self.regenerate_button.setText(QCoreApplication.translate("ChatPage", "Regenerate"))
        self.continue_button.setText(QCoreApplication.translate("ChatPage", "Continue"))
        self.continue_button.setToolTip(
            QCoreApplication.translate("ChatPage", "Ask the model to go on from where the answer stopped")
        )
        self._show_status()
        if self.message.stats is not None and self.message.status != "streaming":
            self.stats_label.setText(format_stats(self.message.stats))
        for w in self._segments:
            if isinstance(w, CodeBlock):
                w.retranslate()

    def _on_copy_button_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.message.text)


class ChatView(QScrollArea):
    """The conversation: messages top to bottom; follows new text only while scrolled to the bottom."""

    STICK_SLACK = 24  # px from the bottom that still count as "at the bottom"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatView")
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.container = QWidget()
        self.column = QVBoxLayout(self.container)
        self.column.setContentsMargins(12, 12, 12, 12)
        self.column.setSpacing(10)
        self.column.addStretch(1)
        self.setWidget(self.container)
        self.messages: list[MessageWidget] = []
        self.follow = True
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._on_bar_value_changed)
        bar.rangeChanged.connect(self._on_bar_range_changed)

    def _on_bar_value_changed(self, value: int) -> None:
        self.follow = value >= self.verticalScrollBar().maximum() - self.STICK_SLACK

    def _on_bar_range_changed(self, _minimum: int, maximum: int) -> None:
        if self.follow:
            self.verticalScrollBar().setValue(maximum)

    def clear(self) -> None:
        for w in self.messages:
            self.column.removeWidget(w)
            w.deleteLater()
        self.messages = []
        self.follow = True

    def add_message(self, message: ViewMessage) -> MessageWidget:
        widget = MessageWidget(message, self.container)
        self.column.insertWidget(self.column.count() - 1, widget)
        self.messages.append(widget)
        return widget

    def message_widget(self, message_id: int) -> MessageWidget | None:
        return next((w for w in self.messages if w.message.id == message_id), None)

    def scroll_to_bottom(self) -> None:
        self.follow = True
        self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())

    def retranslate(self) -> None:
        for w in self.messages:
            w.retranslate()


def images_from_mime(mime: QMimeData) -> list[bytes]:
    """Image bytes in pasted or dropped data: image files (by URL) or a raw image (e.g. a screenshot)."""
    out: list[bytes] = []
    if mime.hasUrls():
        for url in mime.urls():
            if url.isLocalFile() and url.toLocalFile().lower().endswith(IMAGE_SUFFIXES):
                try:
                    out.append(Path(url.toLocalFile()).read_bytes())
                except OSError:
                    continue
    if not out and mime.hasImage():
        image = mime.imageData()
        if isinstance(image, QImage) and not image.isNull():
            out.append(image_to_bytes(image, "PNG"))
    return out


class ChatInput(QPlainTextEdit):
    """Enter sends, Shift+Enter starts a new line, Esc stops; images pasted or dropped are passed on."""

    send_requested = Signal()
    stop_requested = Signal()
    images_received = Signal(list)  # list[bytes]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatInput")
        self.setTabChangesFocus(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")
            else:
                self.send_requested.emit()
            return
        if key == Qt.Key.Key_Escape:
            self.stop_requested.emit()
            return
        super().keyPressEvent(event)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return bool(source.hasImage() or self._has_image_urls(source)) or super().canInsertFromMimeData(
            source
        )

    def insertFromMimeData(self, source: QMimeData) -> None:
        images = images_from_mime(source) if (source.hasImage() or self._has_image_urls(source)) else []
        if images:
            self.images_received.emit(images)
            return
        super().insertFromMimeData(source)

    @staticmethod
    def _has_image_urls(source: QMimeData) -> bool:
        return source.hasUrls() and any(
            u.isLocalFile() and u.toLocalFile().lower().endswith(IMAGE_SUFFIXES) for u in source.urls()
        )
