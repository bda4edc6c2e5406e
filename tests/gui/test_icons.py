"""Themed SVG icons render when painted, at the size, pixel ratio and mode asked for (issue 8: rendering every
size up front cost ~65 ms of start-up)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap

from rubikpi_studio.ui import widgets


def colours(pixmap: QPixmap) -> set[str]:
    """The opaque colours of a rendered icon (anti-aliased edges left out)."""
    image = pixmap.toImage().convertToFormat(QImage.Format.Format_ARGB32)
    found = set()
    for y in range(image.height()):
        for x in range(image.width()):
            c = image.pixelColor(x, y)
            if c.alpha() == 255:
                found.add(c.name())
    return found


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[int, int, QIcon.Mode, float]]]:
    """Every rasterisation of an SVG, as (width, height, mode, scale)."""
    seen: list[tuple[int, int, QIcon.Mode, float]] = []
    real = widgets._SvgIconEngine._render

    def counting(self: Any, size: QSize, mode: QIcon.Mode, scale: float) -> QPixmap:
        seen.append((size.width(), size.height(), mode, scale))
        return real(self, size, mode, scale)

    monkeypatch.setattr(widgets._SvgIconEngine, "_render", counting)
    widgets._icon_cached.cache_clear()
    yield seen
    widgets._icon_cached.cache_clear()


def test_icon_renders_on_demand_in_its_colours(renders: list[tuple[int, int, QIcon.Mode, float]]) -> None:
    icon = widgets.themed_icon("board", QColor("#ff0000"), QColor("#0000ff"))
    assert not icon.isNull()
    assert renders == []  # nothing rendered until asked

    normal = icon.pixmap(QSize(24, 24))
    assert normal.size() == QSize(24, 24)
    assert colours(normal) == {"#ff0000"}
    selected = icon.pixmap(QSize(24, 24), QIcon.Mode.Selected)
    assert colours(selected) == {"#0000ff"}
    assert [(w, m) for w, _, m, _ in renders] == [(24, QIcon.Mode.Normal), (24, QIcon.Mode.Selected)]

    icon.pixmap(QSize(24, 24))  # cached: not rendered again, also not through a copy of the icon
    QIcon(icon).pixmap(QSize(24, 24))
    assert len(renders) == 2


def test_icon_is_crisp_at_a_high_pixel_ratio(renders: list[tuple[int, int, QIcon.Mode, float]]) -> None:
    icon = widgets.themed_icon("board", QColor("#ff0000"))
    pixmap = icon.pixmap(QSize(20, 20), 2.0)
    assert pixmap.size() == QSize(40, 40)  # rasterised at the device size, not scaled up
    assert pixmap.devicePixelRatio() == 2.0
    assert renders == [(20, 20, QIcon.Mode.Normal, 2.0)]


def test_disabled_and_unset_selected_modes_come_from_the_style() -> None:
    widgets._icon_cached.cache_clear()
    icon = widgets.themed_icon("board", QColor("#ff0000"))
    disabled = colours(icon.pixmap(QSize(24, 24), QIcon.Mode.Disabled))
    assert disabled and "#ff0000" not in disabled
    assert all(abs(QColor(c).red() - QColor(c).green()) < 40 for c in disabled), disabled  # greyed
    assert widgets.themed_icon("no-such-icon").isNull()
