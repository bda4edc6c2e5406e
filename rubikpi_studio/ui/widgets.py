"""Small widgets shared by the pages: icons, a log pane and a step list that render `Event`s.

Renderers take events as the bridge delivers them (`EventBridge.events_ready` → `apply_events`), so a page
wires an operation's reporter to a `StepList` and a `LogPane` in two lines:

    self.bridge.events_ready.connect(self.steps.apply_events)
    self.bridge.events_ready.connect(self.log_pane.apply_events)
"""

from __future__ import annotations

import enum
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QEvent, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QIcon,
    QIconEngine,
    QImageReader,
    QPainter,
    QPixmap,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QStyleOption,
    QVBoxLayout,
    QWidget,
)

from rubikpi_studio.core.events import (
    FAILED,
    FINISHED,
    LOG,
    PROGRESS,
    STEP_DONE,
    STEP_SKIP,
    STEP_START,
    WARN,
    Event,
)

from . import paths
from .i18n import error_text
from .steps import step_note, step_title

# Widgets whose text is data (log lines, board names), not UI text: the i18n test skips them.
I18N_SKIP = "i18n_skip"


class _SvgIconEngine(QIconEngine):
    """Renders an SVG at the size, pixel ratio and mode asked for, when asked (Qt asks when it paints).

    Rendering every size up front cost ~65 ms at start-up (168 `QImageReader.read` calls for the window's
    icons); a window paints each icon at one or two sizes. `svgs` maps a mode to its SVG; a mode without one
    (Disabled, Active, or Selected when not given) is made from the Normal rendering by the style, as Qt's
    own pixmap engine does.
    """

    def __init__(self, svgs: dict[QIcon.Mode, QByteArray], cache: dict[tuple[int, int, int, float], QPixmap]):
        super().__init__()
        self._svgs = svgs
        self._cache = cache  # shared with clones: the same SVGs render the same

    def clone(self) -> QIconEngine:
        return _SvgIconEngine(self._svgs, self._cache)

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:
        key = (size.width(), size.height(), mode.value, scale)
        pixmap = self._cache.get(key)
        if pixmap is None:
            pixmap = self._render(size, mode, scale)
            self._cache[key] = pixmap
        return pixmap

    def _render(self, size: QSize, mode: QIcon.Mode, scale: float) -> QPixmap:
        svg = self._svgs.get(mode, self._svgs[QIcon.Mode.Normal])
        buffer = QBuffer(svg)  # held here: the reader does not own its device
        reader = QImageReader(buffer, QByteArray(b"svg"))
        # Rasterised from the SVG at the device size (not a scaled bitmap), so icons stay crisp at any DPI.
        reader.setScaledSize(QSize(max(1, round(size.width() * scale)), max(1, round(size.height() * scale))))
        image = reader.read()
        if image.isNull():
            return QPixmap()
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(scale)
        if mode not in self._svgs and mode != QIcon.Mode.Normal:
            option = QStyleOption()
            option.palette = QApplication.palette()
            pixmap = QApplication.style().generatedIconPixmap(mode, pixmap, option)
        return pixmap

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        scale = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
        painter.drawPixmap(rect, self.scaledPixmap(rect.size(), mode, state, scale))


@lru_cache(maxsize=128)
def _icon_cached(name: str, color: str, selected: str) -> QIcon:
    try:
        svg = (paths.icons_dir() / f"{name}.svg").read_text(encoding="utf-8")
    except OSError:
        return QIcon()
    svgs = {QIcon.Mode.Normal: QByteArray(svg.replace("currentColor", color).encode("utf-8"))}
    if selected:
        svgs[QIcon.Mode.Selected] = QByteArray(svg.replace("currentColor", selected).encode("utf-8"))
    return QIcon(_SvgIconEngine(svgs, {}))


def themed_icon(name: str, color: QColor | None = None, selected: QColor | None = None) -> QIcon:
    """`resources/icons/<name>.svg` with `currentColor` painted in `color` (default: the palette's text
    colour) and, for the Selected mode, in `selected` (e.g. the palette's highlighted text)."""
    if color is None:
        from PySide6.QtWidgets import QApplication

        color = QApplication.palette().windowText().color()
    return _icon_cached(name, color.name(), selected.name() if selected is not None else "")


def format_duration(seconds: float) -> str:
    """A short, translated duration: '45 s', '3 min 20 s', '1 h 5 min'."""
    s = max(0, round(seconds))
    if s < 60:
        return QCoreApplication.translate("duration", "%1 s").replace("%1", str(s))
    m, s = divmod(s, 60)
    if m < 60:
        return (
            QCoreApplication.translate("duration", "%1 min %2 s").replace("%1", str(m)).replace("%2", str(s))
        )
    h, m = divmod(m, 60)
    return QCoreApplication.translate("duration", "%1 h %2 min").replace("%1", str(h)).replace("%2", str(m))


class EtaEstimator:
    """Remaining time from the rate of progress over a sliding window (not since the start).

    A build's early steps run at a different pace than its later ones; a window of the last `window` seconds
    follows the current pace. Returns None until there is enough to say something honest.
    """

    def __init__(self, window: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self.clock = clock
        self._samples: deque[tuple[float, float]] = deque()

    def reset(self) -> None:
        self._samples.clear()

    def add(self, fraction: float) -> None:
        now = self.clock()
        if self._samples and fraction < self._samples[-1][1]:
            self._samples.clear()  # went backwards: a new phase; start over
        self._samples.append((now, fraction))
        while len(self._samples) > 2 and now - self._samples[0][0] > self.window:
            self._samples.popleft()

    def remaining(self) -> float | None:
        if len(self._samples) < 2:
            return None
        (t0, f0), (t1, f1) = self._samples[0], self._samples[-1]
        if t1 - t0 < 1.0 or f1 - f0 <= 1e-4 or f1 >= 1.0:
            return None
        return (1.0 - f1) * (t1 - t0) / (f1 - f0)


def event_note(event: Event) -> str:
    """A warning's or failure's text in the user's language: the error catalogue's sentence for its code when
    it has one, else the note catalogue's (`step_note`), else the message as it came."""
    note = step_note(event.message)
    if event.code:
        return error_text(event.code, str(event.data.get("reason", "") or ""), fallback=note)
    return note


class LogPane(QPlainTextEdit):
    """Read-only, monospace, bounded log that appends in batches (one document edit per UI tick)."""

    def __init__(
        self, parent: QWidget | None = None, *, max_lines: int = 5000, interval_ms: int = 50
    ) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(max_lines)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setProperty(I18N_SKIP, True)
        self.setUndoRedoEnabled(False)
        self._pending: list[str] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.flush)

    def append_line(self, line: str) -> None:
        self._pending.append(line.rstrip("\n"))
        if not self._timer.isActive():
            self._timer.start()

    def append_lines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.append_line(line)

    def apply_events(self, events: Iterable[Event]) -> None:
        for event in events:
            line = self.format_event(event)
            if line is not None:
                self.append_line(line)

    @staticmethod
    def format_event(event: Event) -> str | None:
        """A log line for an event in the user's language (a LOG line is the board's own output: as it is)."""
        if event.kind == LOG:
            return event.message
        if event.kind == STEP_START:
            return f"==> {step_title(event.message or event.step)}"
        if event.kind == WARN:
            return QCoreApplication.translate("Steps", "warning: %1").replace("%1", event_note(event))
        if event.kind == FAILED:
            text = QCoreApplication.translate("Steps", "failed: %1").replace("%1", event_note(event))
            return text + (f" [{event.code}]" if event.code else "")
        return None

    def flush(self) -> None:
        self._timer.stop()
        if not self._pending:
            return
        text, self._pending = "\n".join(self._pending), []
        bar = self.verticalScrollBar()
        follow = bar.value() >= bar.maximum() - 2  # stay where the user scrolled to, unless at the bottom
        self.appendPlainText(text)
        if follow:
            self.moveCursor(QTextCursor.MoveOperation.End)
            bar.setValue(bar.maximum())


class StepState(enum.Enum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass
class _Step:
    id: str
    title: str
    state: StepState
    item: QListWidgetItem
    note: str = ""
    facts: list[str] = field(default_factory=list)  # what was learnt while it ran (`StepList.add_fact`)


class StepList(QWidget):
    """Steps with state icons, the current step's progress, overall progress with ETA, and Cancel.

    Feed it events (`apply_events`); optionally announce the plan first (`set_steps`) so pending steps show
    and the overall bar knows the total. Steps the plan did not mention are appended when they start.
    """

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None, *, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self._steps: dict[str, _Step] = {}
        self._current: str | None = None
        self._fraction = 0.0
        self._finished = False
        self._step_eta = EtaEstimator(clock=clock)
        self._overall_eta = EtaEstimator(clock=clock)

        self.list = QListWidget(self)
        self.list.setProperty(I18N_SKIP, True)  # step titles come from the operation
        self.list.setIconSize(QSize(20, 20))
        self.list.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.step_label = QLabel(self)
        self.step_label.setProperty(I18N_SKIP, True)
        self.step_bar = QProgressBar(self)
        self.overall_label = QLabel(self)
        self.overall_bar = QProgressBar(self)
        self.eta_label = QLabel(self)
        self.eta_label.setProperty(I18N_SKIP, True)
        self.cancel_button = QPushButton(self)
        self.cancel_button.clicked.connect(self.cancel_requested)
        for bar in (self.step_bar, self.overall_bar):
            bar.setRange(0, 1000)
            bar.setTextVisible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.step_label)
        layout.addWidget(self.step_bar)
        layout.addWidget(self.overall_label)
        layout.addWidget(self.overall_bar)
        row = QHBoxLayout()
        row.addWidget(self.eta_label, 1)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        self.retranslate()
        self.reset()

    # -- state -----------------------------------------------------------------------------------------
    def reset(self) -> None:
        self._steps.clear()
        self.list.clear()
        self._current = None
        self._fraction = 0.0
        self._finished = False
        self._step_eta.reset()
        self._overall_eta.reset()
        self.cancel_button.setEnabled(True)
        self._refresh()

    def set_steps(self, steps: Iterable[tuple[str, str]]) -> None:
        """Announce the plan: (step id, title) pairs, shown as pending."""
        for step_id, title in steps:
            self._ensure(step_id, title)
        self._refresh()

    def state_of(self, step_id: str) -> StepState | None:
        step = self._steps.get(step_id)
        return step.state if step else None

    def text_of(self, step_id: str) -> str:
        """The step's line as shown (title, note and facts, in the user's language); '' if no such step."""
        step = self._steps.get(step_id)
        return step.item.text() if step else ""

    def add_fact(self, step_id: str, fact: str) -> None:
        """Show something learnt while a step runs on its line, after its note (e.g. the server's "offloaded
        29/29 layers to GPU" on "Load the model"). English, translated as it paints like the notes; the step's
        facts are cleared when it starts again. Ignored for a step the list does not have."""
        step = self._steps.get(step_id)
        if step is None or not fact or fact in step.facts:
            return
        step.facts.append(fact)
        self._paint(step)

    @property
    def overall_fraction(self) -> float:
        if not self._steps:
            return 0.0
        closed = sum(1 for s in self._steps.values() if s.state in (StepState.DONE, StepState.SKIPPED))
        running = (
            self._fraction if self._current and self._steps[self._current].state is StepState.RUNNING else 0
        )
        return min(1.0, (closed + running) / len(self._steps))

    def set_cancellable(self, enabled: bool) -> None:
        self.cancel_button.setEnabled(enabled and not self._finished)

    # -- events ----------------------------------------------------------------------------------------
    def apply_events(self, events: Iterable[Event]) -> None:
        for event in events:
            self.apply(event)
        self._refresh()

    def apply(self, event: Event) -> None:
        kind = event.kind
        if kind == STEP_START:
            if self._current and self._steps[self._current].state is StepState.RUNNING:
                self._set_state(self._current, StepState.DONE)  # a script that did not say "done"
            started = self._ensure(event.step, event.message)
            started.title = event.message or started.title
            started.facts.clear()  # a step that starts again (a restarted server) learns them again
            self._set_state(event.step, StepState.RUNNING)
            self._current = event.step
            self._fraction = 0.0
            self._step_eta.reset()
        elif kind == PROGRESS and event.fraction is not None:
            if event.step and event.step != self._current:
                self._ensure(event.step, event.step)
                self._set_state(event.step, StepState.RUNNING)
                self._current = event.step
                self._step_eta.reset()
            self._fraction = max(0.0, min(1.0, event.fraction))
            self._step_eta.add(self._fraction)
            if event.message and self._current:
                self._steps[self._current].note = event.message
        elif kind == STEP_DONE:
            self._set_state(event.step or self._current, StepState.DONE)
        elif kind == STEP_SKIP:
            step = self._ensure(event.step, event.step)
            step.note = event.message
            self._set_state(event.step, StepState.SKIPPED)
        elif kind == FAILED:
            target = event.step or self._current
            if target:
                self._ensure(target, target).note = error_text(event.code, fallback=event.message)
                self._set_state(target, StepState.FAILED)
            self._finish()
        elif kind == FINISHED:
            if self._current and self._steps[self._current].state is StepState.RUNNING:
                ok = str(event.data.get("status", 0)) in ("0", "ok")
                self._set_state(self._current, StepState.DONE if ok else StepState.FAILED)
            self._finish()
        self._overall_eta.add(self.overall_fraction)

    def _finish(self) -> None:
        self._finished = True
        self.cancel_button.setEnabled(False)

    def _ensure(self, step_id: str, title: str) -> _Step:
        step = self._steps.get(step_id)
        if step is None:
            item = QListWidgetItem(title or step_id)
            self.list.addItem(item)
            step = self._steps[step_id] = _Step(step_id, title or step_id, StepState.PENDING, item)
            self._paint(step)
        return step

    def _set_state(self, step_id: str | None, state: StepState) -> None:
        if not step_id or step_id not in self._steps:
            return
        step = self._steps[step_id]
        step.state = state
        if state is StepState.DONE and step_id == self._current:
            self._fraction = 1.0
        self._paint(step)

    def _paint(self, step: _Step) -> None:
        step.item.setIcon(themed_icon(f"step-{step.state.value}"))
        title = step_title(step.title)
        notes = [step_note(n) for n in [step.note, *step.facts] if n]
        step.item.setText(f"{title} — {' · '.join(notes)}" if notes else title)
        if step.state is StepState.RUNNING:
            self.list.scrollToItem(step.item)

    # -- rendering -------------------------------------------------------------------------------------
    def _refresh(self) -> None:
        for step in self._steps.values():
            self._paint(step)
        current = self._steps.get(self._current or "")
        self.step_label.setText(step_title(current.title) if current else "")
        self.step_bar.setValue(round(self._fraction * 1000) if current else 0)
        self.overall_bar.setValue(round(self.overall_fraction * 1000))
        parts = []
        step_left = self._step_eta.remaining() if current and current.state is StepState.RUNNING else None
        if step_left is not None:
            parts.append(
                QCoreApplication.translate("StepList", "This step: about %1 left").replace(
                    "%1", format_duration(step_left)
                )
            )
        overall_left = None if self._finished else self._overall_eta.remaining()
        if overall_left is not None:
            parts.append(
                QCoreApplication.translate("StepList", "Overall: about %1 left").replace(
                    "%1", format_duration(overall_left)
                )
            )
        self.eta_label.setText(" · ".join(parts))

    def retranslate(self) -> None:
        self.overall_label.setText(QCoreApplication.translate("StepList", "Overall progress"))
        self.cancel_button.setText(QCoreApplication.translate("StepList", "Cancel"))
        self.cancel_button.setToolTip(QCoreApplication.translate("StepList", "Stop the running operation"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
            self._refresh()
        elif event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            for step in self._steps.values():
                self._paint(step)
        super().changeEvent(event)
