"""Small plots drawn with QPainter (PySide6-Essentials has no QtCharts): live sparklines and bars with spread.

Both take plain numbers; `None` is a gap (a missing reading), never drawn as zero. Colours come from the
palette so light and dark themes both read well.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPainterPath, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

# Distinguishable in light and dark themes (Okabe-Ito, colour-blind safe).
SERIES_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    return QColor(
        int(a.red() + (b.red() - a.red()) * t),
        int(a.green() + (b.green() - a.green()) * t),
        int(a.blue() + (b.blue() - a.blue()) * t),
    )


def nice_scale(value: float) -> tuple[float, float]:
    """(axis top, tick step) with steps of 1, 2 or 5 × 10^k and four to eight ticks."""
    if value <= 0:
        return 1.0, 0.25
    magnitude = 10 ** math.floor(math.log10(value / 4))
    for factor in (1, 2, 5, 10):
        step = factor * magnitude
        if value / step <= 8:
            return math.ceil(value / step) * step, step
    return value, value / 4


class Sparkline(QWidget):
    """A small live plot of one or more series over the last `capacity` samples, with its current value."""

    def __init__(
        self,
        title: str = "",
        unit: str = "",
        *,
        capacity: int = 120,
        y_max: float | None = None,
        decimals: int = 0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.title = title
        self.unit = unit
        self.y_max = y_max  # None: scale to the data
        self.decimals = decimals
        self.capacity = capacity
        self.series: dict[str, deque[float | None]] = {}
        self.missing_text = "missing"
        self.value_text = ""  # overrides the formatted latest value when set
        self.setMinimumHeight(54)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        return QSize(260, 58)

    def add(self, values: dict[str, float | None] | float | None) -> None:
        """Append one sample: a single value, or one value per named series (e.g. per core)."""
        if not isinstance(values, dict):
            values = {"": values}
        for name in values:
            if name not in self.series:
                self.series[name] = deque([None] * self._filled(), maxlen=self.capacity)
        for name, dq in self.series.items():
            dq.append(values.get(name))
        self.update()

    def _filled(self) -> int:
        return len(next(iter(self.series.values()))) if self.series else 0

    def clear(self) -> None:
        self.series.clear()
        self.update()

    def latest(self) -> float | None:
        """The latest value (the mean of the series' latest, for several series); None when missing."""
        last = [dq[-1] for dq in self.series.values() if dq and dq[-1] is not None]
        values = [v for v in last if v is not None]
        return sum(values) / len(values) if values else None

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.WindowText)
        base = pal.color(QPalette.ColorRole.Base)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        p.setPen(QPen(_mix(base, text, 0.2), 1))
        p.setBrush(base)
        p.drawRoundedRect(rect, 4, 4)

        fm = QFontMetricsF(self.font())
        header_h = fm.height() + 4
        latest = self.latest()
        value = self.value_text or (
            self.missing_text if latest is None else f"{latest:.{self.decimals}f}{self.unit}"
        )
        p.setPen(text)
        p.drawText(QRectF(rect.left() + 6, rect.top() + 2, rect.width() - 12, header_h), self.title)
        p.setPen(_mix(base, text, 0.55) if latest is None and not self.value_text else text)
        p.drawText(
            QRectF(rect.left() + 6, rect.top() + 2, rect.width() - 12, header_h),
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            value,
        )
        plot = rect.adjusted(6, header_h + 6, -6, -4)
        if plot.height() < 4 or not self.series:
            return
        all_values = [v for dq in self.series.values() for v in dq if v is not None]
        top = self.y_max if self.y_max is not None else (max(all_values) * 1.15 if all_values else 1.0)
        top = top or 1.0
        p.setPen(QPen(_mix(base, text, 0.12), 1))
        p.drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.bottom()))
        step = plot.width() / max(1, self.capacity - 1)
        for i, dq in enumerate(self.series.values()):
            colour = QColor(SERIES_COLOURS[i % len(SERIES_COLOURS)])
            p.setPen(QPen(colour, 1.4 if len(self.series) == 1 else 1.0))
            path = QPainterPath()
            pen_down = False
            offset = self.capacity - len(dq)
            for j, v in enumerate(dq):
                if v is None:
                    pen_down = False  # a gap: missing readings are not zero
                    continue
                x = plot.left() + (offset + j) * step
                y = plot.bottom() - min(1.0, max(0.0, v / top)) * plot.height()
                if pen_down:
                    path.lineTo(x, y)
                else:
                    path.moveTo(x, y)
                    pen_down = True
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(path)


@dataclass
class Bar:
    label: str  # series, e.g. "GPU"
    mean: float
    spread: float = 0.0  # drawn as ± error bar
    samples: Sequence[float] = field(default_factory=tuple)


@dataclass
class BarGroup:
    label: str  # e.g. "pp128"
    bars: list[Bar] = field(default_factory=list)


class BarChart(QWidget):
    """Grouped bars with error bars (mean ± spread) and the individual samples as dots."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.groups: list[BarGroup] = []
        self.unit = "tokens/s"
        self.empty_text = ""
        self.setMinimumHeight(200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(480, 260)

    def set_groups(self, groups: list[BarGroup]) -> None:
        self.groups = groups
        self.update()

    def series_labels(self) -> list[str]:
        labels: list[str] = []
        for g in self.groups:
            for b in g.bars:
                if b.label not in labels:
                    labels.append(b.label)
        return labels

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.WindowText)
        base = pal.color(QPalette.ColorRole.Base)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        p.setPen(QPen(_mix(base, text, 0.2), 1))
        p.setBrush(base)
        p.drawRoundedRect(rect, 4, 4)
        fm = QFontMetricsF(self.font())
        if not self.groups:
            p.setPen(_mix(base, text, 0.55))
            p.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), self.empty_text)
            return
        labels = self.series_labels()
        colours = {lab: QColor(SERIES_COLOURS[i % len(SERIES_COLOURS)]) for i, lab in enumerate(labels)}
        tops = [b.mean + b.spread for g in self.groups for b in g.bars]
        tops += [s for g in self.groups for b in g.bars for s in b.samples]
        top, tick = nice_scale(max(tops) * 1.12 if tops else 0.0)

        legend_h = fm.height() + 6
        axis_w = fm.horizontalAdvance("00000") + 8
        plot = rect.adjusted(axis_w + 8, legend_h + 8, -10, -(fm.height() + 10))
        # axis, grid and unit
        p.setPen(QPen(_mix(base, text, 0.15), 1))
        for k in range(round(top / tick) + 1):
            y = plot.bottom() - plot.height() * k * tick / top
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(_mix(base, text, 0.6))
            p.drawText(
                QRectF(rect.left() + 2, y - fm.height() / 2, axis_w + 2, fm.height()),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                f"{k * tick:g}",
            )
            p.setPen(QPen(_mix(base, text, 0.15), 1))
        p.setPen(_mix(base, text, 0.6))
        p.drawText(QRectF(plot.left(), rect.top() + 4, plot.width(), legend_h), self.unit)
        # legend (right-aligned)
        x = plot.right()
        for lab in reversed(labels):
            w = fm.horizontalAdvance(lab)
            x -= w
            p.setPen(text)
            p.drawText(QRectF(x, rect.top() + 4, w + 2, legend_h), lab)
            x -= 16
            p.fillRect(QRectF(x, rect.top() + 4 + legend_h / 2 - 6, 10, 10), colours[lab])
            x -= 14

        group_w = plot.width() / len(self.groups)
        for gi, group in enumerate(self.groups):
            gx = plot.left() + gi * group_w
            n = max(1, len(labels))
            bar_w = min(70.0, group_w * 0.7 / n)
            start = gx + (group_w - bar_w * n) / 2
            for b in group.bars:
                bi = labels.index(b.label)
                bx = start + bi * bar_w
                h = plot.height() * b.mean / top
                bar = QRectF(bx + 3, plot.bottom() - h, bar_w - 6, h)
                p.fillRect(bar, colours[b.label])
                cx = bar.center().x()
                # error bar: mean ± spread
                if b.spread > 0:
                    y1 = plot.bottom() - plot.height() * (b.mean + b.spread) / top
                    y0 = plot.bottom() - plot.height() * max(0.0, b.mean - b.spread) / top
                    p.setPen(QPen(text, 1.4))
                    p.drawLine(QPointF(cx, y0), QPointF(cx, y1))
                    p.drawLine(QPointF(cx - 6, y1), QPointF(cx + 6, y1))
                    p.drawLine(QPointF(cx - 6, y0), QPointF(cx + 6, y0))
                # samples as dots
                p.setPen(QPen(_mix(text, base, 0.1), 1))
                p.setBrush(base)
                for s in b.samples:
                    p.drawEllipse(
                        QPointF(cx + bar_w * 0.22, plot.bottom() - plot.height() * s / top), 2.5, 2.5
                    )
                # value label above the error bar
                label = f"{b.mean:.1f} ± {b.spread:.1f}" if b.spread else f"{b.mean:.1f}"
                ly = plot.bottom() - plot.height() * (b.mean + b.spread) / top - fm.height() - 2
                p.setPen(text)
                p.drawText(
                    QRectF(bx - 20, ly, bar_w + 40, fm.height()), int(Qt.AlignmentFlag.AlignHCenter), label
                )
            p.setPen(text)
            p.drawText(
                QRectF(gx, plot.bottom() + 4, group_w, fm.height() + 4),
                int(Qt.AlignmentFlag.AlignHCenter),
                group.label,
            )
