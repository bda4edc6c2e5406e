"""Every visible text of the main window is translated in Simplified Chinese, and the catalogue is current.

The walk covers window titles, labels, buttons, group boxes, placeholders, tooltips, list items, menus and
menu actions of every page. Widgets whose text is data (logs, board names) carry the `i18n_skip` property.
A text passes in zh_CN when it contains Chinese, or is a proper noun (or a number) on the allow-list.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from rubikpi_studio.core import errors
from rubikpi_studio.ui import app as app_module
from rubikpi_studio.ui import paths
from rubikpi_studio.ui.i18n import ERROR_CONTEXT, ERROR_MESSAGES, LANGUAGES, Translations
from rubikpi_studio.ui.widgets import I18N_SKIP

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools"

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")

# Proper nouns and names that stay as they are in every language.
ALLOWED = {"RUBIK Pi Studio", "RUBIK Pi", "Qt", "SSH", "llama.cpp", "llama-server", "GPU", "CPU", "OpenCL"}
ALLOWED |= set(LANGUAGES.values())  # each language is named in itself
CJK = re.compile(r"[\u3400-\u9fff]")


def _clean(text: str) -> str:
    text = re.sub(r"<[^>]+>", "", text).replace("&nbsp;", " ").replace("●", "")
    text = re.sub(r"&(?=\w)", "", text)  # mnemonics
    return text.strip()


def _skipped(obj: QObject) -> bool:
    while obj is not None:
        if obj.property(I18N_SKIP):
            return True
        obj = obj.parent()
    return False


def visible_texts(window: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for each user-visible text of the window, its pages and its menus."""
    yield "window title", window.windowTitle()
    for w in [window, *window.findChildren(QWidget)]:
        where = f"{type(w).__name__}#{w.objectName() or '?'} in {type(w.parent()).__name__}"
        if _skipped(w):
            continue
        if w.toolTip():
            yield f"{where} tooltip", w.toolTip()
        if isinstance(w, QLabel) and not w.pixmap().isNull() and not w.text():
            continue
        if isinstance(w, (QLabel, QAbstractButton)):
            yield where, w.text()
        elif isinstance(w, QGroupBox):
            yield where, w.title()
        elif isinstance(w, QLineEdit):
            yield f"{where} placeholder", w.placeholderText()
        elif isinstance(w, QMenu):
            yield where, w.title()
        elif isinstance(w, QTabWidget):
            for i in range(w.count()):
                yield f"{where} tab {i}", w.tabText(i)
        elif isinstance(w, QListWidget):
            for i in range(w.count()):
                yield f"{where} item {i}", w.item(i).text()
                yield f"{where} item {i} tooltip", w.item(i).toolTip()
    for action in window.findChildren(QAction):
        if action.isSeparator() or _skipped(action):
            continue
        yield f"action {action.objectName() or '?'}", action.text()
        if action.toolTip() and action.toolTip() != action.text().replace("&", ""):
            yield f"action {action.objectName() or '?'} tooltip", action.toolTip()


def untranslated(window: QWidget) -> list[str]:
    bad = []
    for where, raw in visible_texts(window):
        text = _clean(raw)
        if not text or CJK.search(text) or not re.search(r"[A-Za-z]", text):
            continue
        if text in ALLOWED or all(part in ALLOWED for part in re.split(r"\s*[—·(),]\s*", text) if part):
            continue
        bad.append(f"{where}: {raw!r}")
    return bad


@pytest.fixture
def make_studio(qtbot: QtBot) -> Iterator[Callable[[str], app_module.Studio]]:
    made: list[app_module.Studio] = []

    def make(lang: str) -> app_module.Studio:
        s = app_module.Studio(paths.app_dirs(), lang=lang, strict_pages=True)
        qtbot.addWidget(s.window)
        made.append(s)
        return s

    yield make
    for s in made:
        s.translations.apply("en")


def _visit_all_pages(studio: app_module.Studio) -> None:
    for name in studio.window.page_names:  # pages are built, and fill themselves in load(), on first show
        studio.window.show_page(name)
    studio.window.monitor_action.trigger()  # the board monitor's dock, and its panel (built on first show)
    assert studio.window.monitor_panel().parent() is studio.window.monitor_dock


def test_zh_cn_window_has_no_untranslated_text(make_studio: Callable[[str], app_module.Studio]) -> None:
    studio = make_studio("zh_CN")
    assert studio.translations.language == "zh_CN"
    _visit_all_pages(studio)
    assert not untranslated(studio.window), "\n".join(untranslated(studio.window))


def test_switching_to_zh_cn_at_run_time_translates_everything(
    make_studio: Callable[[str], app_module.Studio],
) -> None:
    studio = make_studio("en")
    _visit_all_pages(studio)
    english = dict(visible_texts(studio.window))
    assert untranslated(studio.window), "the walk found no English text: it is not looking"
    studio.window.set_language("zh_CN")
    assert not untranslated(studio.window), "\n".join(untranslated(studio.window))
    chinese = dict(visible_texts(studio.window))
    assert chinese.keys() == english.keys()


def test_the_walker_notices_an_untranslated_label(make_studio: Callable[[str], app_module.Studio]) -> None:
    studio = make_studio("zh_CN")
    label = QLabel("Forgotten string", studio.window.page("board"))
    assert any("Forgotten string" in line for line in untranslated(studio.window))
    label.setProperty(I18N_SKIP, True)
    assert not any("Forgotten string" in line for line in untranslated(studio.window))


def test_every_error_code_has_a_translated_message(qapp: object) -> None:
    codes = {
        cls.code
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.StudioError)
    }
    missing = sorted(codes - ERROR_MESSAGES.keys())
    assert not missing, f"add these codes to ui/i18n.py ERROR_MESSAGES and translate them: {missing}"
    translations = Translations(paths.i18n_dir())
    try:
        assert translations.apply("zh_CN")
        for key, english in ERROR_MESSAGES.items():
            assert CJK.search(QCoreApplication.translate(ERROR_CONTEXT, english)), key
    finally:
        translations.apply("en")


def _tool(name: str) -> str | None:
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else shutil.which(name)


def _lupdate() -> str | None:
    return _tool("pyside6-lupdate")


def _lrelease() -> str | None:
    return _tool("pyside6-lrelease")


@pytest.mark.skipif(_lupdate() is None or _lrelease() is None, reason="pyside6-lupdate/lrelease missing")
def test_catalogue_is_current_and_complete(tmp_path: Path) -> None:
    """Re-extract the strings from the code: none may be new or unfinished (run `tools/i18n.py`)."""
    sys.path.insert(0, str(TOOLS))
    try:
        import i18n as tool  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(TOOLS))
    for ts in tool.ts_files():
        copy = tmp_path / ts.name
        shutil.copy(ts, copy)
        sources = sorted(str(p) for p in tool.SOURCES.rglob("*.py"))
        subprocess.run(
            [_lupdate(), "-no-obsolete", "-locations", "none", *sources, "-ts", str(copy)],
            check=True,
            capture_output=True,
        )
        missing = tool.unfinished(copy)
        hint = ""
        if any(not context for context, _ in missing):
            hint = (
                "\nStrings with an empty context come from a helper such as `def tr(text)`: lupdate cannot"
                " know its context, and at run time they would not be found. Write"
                ' QCoreApplication.translate("<Context>", "<text>") (or self.tr in a leaf class).'
            )
        assert not missing, f"untranslated in {ts.name} (run tools/i18n.py and translate): {missing}{hint}"
        qm = ts.with_suffix(".qm")
        fresh = tmp_path / qm.name
        subprocess.run(
            [_lrelease(), str(ts), "-qm", str(fresh)], check=True, capture_output=True
        )  # lrelease output is deterministic, so a stale .qm differs byte for byte
        assert qm.is_file() and qm.read_bytes() == fresh.read_bytes(), (
            f"{qm.name} is stale: run tools/i18n.py"
        )
        root = ET.parse(copy).getroot()  # noqa: S314 - our own file
        assert root.get("language") == ts.stem.split("_", 2)[-1]
