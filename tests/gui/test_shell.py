"""The GUI shell: pages, navigation, status bar, language switch, bridge, widgets, paths, entry point."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from rig.qt import visible_boxes

from rubikpi_studio import __main__ as entry
from rubikpi_studio import __version__
from rubikpi_studio.core import appdirs
from rubikpi_studio.core.errors import AuthFailed, Cancelled, StudioError, Unreachable
from rubikpi_studio.core.events import (
    FAILED,
    FINISHED,
    LOG,
    PROGRESS,
    STEP_DONE,
    STEP_SKIP,
    STEP_START,
    Event,
)
from rubikpi_studio.ui import app as app_module
from rubikpi_studio.ui import paths
from rubikpi_studio.ui import settings as S
from rubikpi_studio.ui.bridge import EventBridge, busy, guarded, run_in_thread
from rubikpi_studio.ui.i18n import QT_TRANSLATE_NOOP, error_text
from rubikpi_studio.ui.mainwindow import MainWindow
from rubikpi_studio.ui.pages.base import (
    ConnectionState,
    Page,
    PageContext,
    PlaceholderPage,
    ServerState,
    page_classes,
)
from rubikpi_studio.ui.widgets import EtaEstimator, LogPane, StepList, StepState, format_duration

ROOT = Path(__file__).resolve().parents[2]

# The offscreen platform says this whenever a top-level window is shown; it is not ours to fix.
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def make_studio(qtbot: QtBot) -> Iterator[Callable[..., app_module.Studio]]:
    """Build the GUI like `run()` does; afterwards put the app back in English (translators are global)."""
    made: list[app_module.Studio] = []

    def make(lang: str | None = "en") -> app_module.Studio:
        s = app_module.Studio(paths.app_dirs(), lang=lang, strict_pages=True)
        qtbot.addWidget(s.window)
        made.append(s)
        return s

    yield make
    for s in made:
        s.translations.apply("en")


@pytest.fixture
def studio(make_studio: Callable[..., app_module.Studio]) -> app_module.Studio:
    return make_studio()


class RecordingPage(Page):
    name = "board"
    title = QT_TRANSLATE_NOOP("Page", "Board")
    order = 10
    icon = "board"
    needs_board = False

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.calls: list[str] = []

    def load(self) -> None:
        self.calls.append("load")

    def activate(self) -> None:
        self.calls.append("activate")

    def deactivate(self) -> None:
        self.calls.append("deactivate")


# -- window ----------------------------------------------------------------------------------------------
def test_sidebar_lists_the_planned_pages_in_order(studio: app_module.Studio) -> None:
    w = studio.window
    assert w.page_names == ["board", "setup", "models", "server", "chat", "benchmark"]
    assert [w.sidebar.item(i).text() for i in range(w.sidebar.count())] == [
        "Board",
        "Setup",
        "Models",
        "Server",
        "Chat",
        "Benchmark",
    ]
    assert w.current_page is w.page("board")
    assert w.windowTitle() == "RUBIK Pi Studio"


def test_clicking_the_sidebar_navigates(studio: app_module.Studio, qtbot: QtBot) -> None:
    w = studio.window
    w.show()
    qtbot.waitExposed(w)
    item = w.sidebar.item(3)
    qtbot.mouseClick(
        w.sidebar.viewport(), Qt.MouseButton.LeftButton, pos=w.sidebar.visualItemRect(item).center()
    )
    assert w.current_page is w.page("server")
    assert w.stack.currentWidget() is w.page("server")
    w.go_actions[4].trigger()
    assert w.current_page is w.page("chat")
    assert studio.settings.get(S.LAST_PAGE) == "chat"


def test_load_runs_once_and_activate_every_time(studio: app_module.Studio, qtbot: QtBot) -> None:
    classes = page_classes([RecordingPage])
    assert classes[0] is RecordingPage and issubclass(classes[1], PlaceholderPage)
    w = MainWindow(
        pages=classes,
        state=studio.state,
        settings=studio.settings,
        dirs=studio.dirs,
        translations=studio.translations,
    )
    qtbot.addWidget(w)
    page = w.page("board")
    assert isinstance(page, RecordingPage)
    w.show_page("setup")
    w.show_page("board")
    w.show_page("models")
    w.show_page("board")
    assert page.calls == ["load", "activate", "deactivate", "activate", "deactivate", "activate"]


def test_placeholder_is_honest_and_leads_to_the_board(studio: app_module.Studio, qtbot: QtBot) -> None:
    w = MainWindow(  # placeholders only, whatever real pages exist by now
        pages=page_classes([]),
        state=studio.state,
        settings=studio.settings,
        dirs=studio.dirs,
        translations=studio.translations,
    )
    qtbot.addWidget(w)
    setup = w.page("setup")
    assert isinstance(setup, PlaceholderPage)
    assert setup.message.text() == "Connect to a board first."
    assert not setup.go_button.isHidden()
    w.show_page("setup")
    setup.go_button.click()
    assert w.current_page is w.page("board")
    studio.state.set_connection(ConnectionState.CONNECTED, board=object())
    assert setup.message.text() == "This page is not available in this build yet."
    assert setup.go_button.isHidden()
    board = w.page("board")
    assert isinstance(board, PlaceholderPage)
    assert board.message.text() == "Connecting to a board is not available in this build yet."


def test_status_bar_and_title_follow_the_state(studio: app_module.Studio) -> None:
    w, state = studio.window, studio.state
    assert w.board_label.text() == "No board"
    assert "Not connected" in w.connection_label.text()
    state.set_board_name("rubikpi")
    state.set_connection(ConnectionState.CONNECTING)
    state.set_server(ServerState.RUNNING)
    assert w.board_label.text() == "Board: rubikpi"
    assert "Connecting…" in w.connection_label.text()
    assert "Server: running" in w.server_label.text()
    assert w.windowTitle() == "rubikpi — RUBIK Pi Studio"
    state.set_connection(ConnectionState.CONNECTED, board="conn")
    assert state.board == "conn" and state.is_connected
    state.set_connection(ConnectionState.DISCONNECTED, board="ignored")
    assert state.board is None


def test_title_and_status_show_the_active_saved_board_from_start_and_follow_a_switch(
    make_studio: Callable[..., app_module.Studio],
) -> None:
    from rubikpi_studio.core.boards import BoardProfile, BoardRegistry
    from rubikpi_studio.ui.pages.board import BoardPage

    registry = BoardRegistry()
    registry.upsert(BoardProfile(name="desk-pi", host="192.0.2.10"))
    registry.upsert(BoardProfile(name="lab-pi", host="192.0.2.11"))  # the last saved is the active one
    first = make_studio()
    w = first.window
    assert w.board_label.text() == "Board: lab-pi"
    assert w.windowTitle() == "lab-pi — RUBIK Pi Studio"
    assert "Not connected" in w.connection_label.text()
    page = w.page("board")
    assert isinstance(page, BoardPage)
    assert page.board_combo.currentText() == "lab-pi"
    page.board_combo.setCurrentText("desk-pi")  # the user makes the other board active
    assert w.board_label.text() == "Board: desk-pi"
    assert w.windowTitle() == "desk-pi — RUBIK Pi Studio"
    # The choice is kept: the next start shows it.
    second = make_studio()
    assert second.window.board_label.text() == "Board: desk-pi"
    assert second.window.windowTitle() == "desk-pi — RUBIK Pi Studio"


def test_language_switch_retranslates_and_is_saved(studio: app_module.Studio) -> None:
    w = studio.window
    w.set_language("zh_CN")
    assert studio.translations.language == "zh_CN"
    assert w.file_menu.title() == "文件(&F)"
    assert w.sidebar.item(0).text() == "开发板"
    assert w.board_label.text() == "未选择开发板"
    assert w.language_actions["zh_CN"].isChecked()
    assert studio.settings.get(S.LANGUAGE) == "zh_CN"
    w.set_language("en")
    assert w.file_menu.title() == "&File"
    assert w.sidebar.item(0).text() == "Board"
    w.set_language("")  # follow the system: this test machine's locale is not Chinese
    assert w.language_actions[""].isChecked()
    assert studio.settings.get(S.LANGUAGE) == ""


def test_language_setting_is_used_at_start_and_lang_overrides_it(
    make_studio: Callable[..., app_module.Studio],
) -> None:
    first = make_studio(None)
    first.window.set_language("zh_CN")
    first.settings.sync()
    second = make_studio(None)
    assert second.translations.language == "zh_CN"
    third = make_studio("en")
    assert third.translations.language == "en"
    assert third.window.file_menu.title() == "&File"


def test_last_page_is_restored(make_studio: Callable[..., app_module.Studio]) -> None:
    first = make_studio()
    first.window.show_page("models")
    first.window.close()
    second = make_studio()
    assert second.window.current_page is second.window.page("models")


def test_board_monitor_is_built_when_first_opened_and_stays_open_across_restarts(
    make_studio: Callable[..., app_module.Studio],
) -> None:
    first = make_studio()
    window = first.window
    assert window._monitor_panel is None and window.monitor_dock.isHidden()
    assert not first.settings.get(S.MONITOR_SHOWN)
    window.show()
    window.monitor_button.click()  # the status bar's toggle, the same action as View ▸ Board monitor
    assert not window.monitor_dock.isHidden() and window.monitor_action.isChecked()
    panel = window._monitor_panel
    assert panel is not None and panel.isVisible()
    assert panel.is_sampling_paused and "Connect to a board" in panel.state_label.text()  # no board
    window.close()  # the window goes, the dock with it: still "open", as the user left it
    assert first.settings.get(S.MONITOR_SHOWN)
    second = make_studio()
    assert not second.window.monitor_dock.isHidden()
    second.window.monitor_action.trigger()  # closed from the View menu
    second.window.close()
    assert not second.settings.get(S.MONITOR_SHOWN)
    assert make_studio().window.monitor_dock.isHidden()


def test_about_box_shows_the_version(studio: app_module.Studio) -> None:
    box = studio.window.show_about()
    try:
        assert __version__ in box.text()
        assert "RUBIK Pi Studio" in box.text()
    finally:
        box.close()


# -- bridge ----------------------------------------------------------------------------------------------
def _script(steps: int, progress: int, logs: int) -> list[Event]:
    events: list[Event] = []
    for s in range(steps):
        step = f"s{s}"
        events.append(Event(STEP_START, step=step, message=f"Step {s}"))
        for i in range(progress):
            events.append(Event(PROGRESS, step=step, fraction=(i + 1) / progress))
            if i % (progress // logs) == 0:
                events.append(Event(LOG, message=f"{step} line {i}"))
        events.append(Event(STEP_DONE if s < steps - 1 else STEP_SKIP, step=step))
    events.append(Event(FAILED, step="s9", code="E_REMOTE", message="boom"))
    events.append(Event(FINISHED, data={"status": 1}))
    return events


def test_bridge_throttles_progress_and_never_drops_other_events(qtbot: QtBot) -> None:
    bridge = EventBridge()
    batches: list[list[Event]] = []
    bridge.events_ready.connect(batches.append)
    sent = _script(steps=4, progress=3000, logs=100)

    def worker() -> None:
        for e in sent:
            bridge(e)
            time.sleep(0) if e.kind != PROGRESS else None

    started = time.monotonic()
    thread = threading.Thread(target=worker)
    thread.start()
    qtbot.waitUntil(lambda: any(e.kind == FINISHED for b in batches for e in b), timeout=20_000)
    elapsed = time.monotonic() - started
    thread.join()
    got = [e for b in batches for e in b]

    def important(events: list[Event]) -> list[Event]:
        return [e for e in events if e.kind not in (PROGRESS, LOG)]

    assert important(got) == important(sent)
    assert [e for e in got if e.kind == LOG] == [e for e in sent if e.kind == LOG]
    progress = [e for e in got if e.kind == PROGRESS]
    assert len(progress) < len([e for e in sent if e.kind == PROGRESS]) // 10
    # Every step's final fraction arrives, and no progress of a step arrives after that step closed.
    for s in range(4):
        step = f"s{s}"
        idx = [i for i, e in enumerate(got) if e.step == step]
        closing = max(i for i in idx if got[i].kind in (STEP_DONE, STEP_SKIP))
        assert got[closing - 1].kind == PROGRESS and got[closing - 1].fraction == 1.0
        assert all(got[i].kind != PROGRESS for i in idx if i > closing)
    # Lazy deliveries at ~20 Hz plus one per urgent event, with a little slack for timer jitter.
    assert len(batches) <= elapsed * 20 + len(important(sent)) + 3


def test_bridge_delivers_urgent_events_without_waiting(qtbot: QtBot) -> None:
    bridge = EventBridge(rate_hz=0.5)  # lazy events would wait two seconds
    batches: list[list[Event]] = []
    bridge.events_ready.connect(batches.append)
    bridge(Event(LOG, message="a"))
    bridge(Event(STEP_START, step="x"))
    qtbot.waitUntil(lambda: bool(batches), timeout=1000)
    assert [e.kind for e in batches[0]] == [LOG, STEP_START]
    bridge(Event(PROGRESS, step="x", fraction=0.5))
    bridge.flush()
    assert batches[-1] == [Event(PROGRESS, step="x", fraction=0.5)]


class _Form(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.button = QPushButton("Go", self)
        self.seen_enabled: list[bool] = []

    @guarded("button")
    async def work(self, exc: BaseException | None) -> str:
        self.seen_enabled.append(self.button.isEnabled())
        value = await run_in_thread(threading.current_thread)
        assert value is not threading.main_thread()
        if exc is not None:
            raise exc
        return "ok"


def test_guarded_disables_then_reenables_and_shows_typed_errors(qtbot: QtBot) -> None:
    form = _Form()
    qtbot.addWidget(form)
    assert asyncio.run(form.work(None)) == "ok"
    assert form.seen_enabled == [False] and form.button.isEnabled()

    assert asyncio.run(form.work(AuthFailed("auth failed for ubuntu", reason="password"))) is None
    assert form.button.isEnabled()
    boxes = visible_boxes()
    assert [b.text() for b in boxes] == ["Wrong user name or password."]
    assert "auth failed for ubuntu" in boxes[0].detailedText()
    for b in boxes:
        b.close()

    asyncio.run(form.work(Cancelled()))
    assert not visible_boxes() and form.button.isEnabled()
    with pytest.raises(ZeroDivisionError):
        asyncio.run(form.work(ZeroDivisionError()))
    assert form.button.isEnabled()


def test_busy_leaves_disabled_widgets_disabled(qtbot: QtBot) -> None:
    a, b = QPushButton(), QPushButton()
    qtbot.addWidget(a)
    qtbot.addWidget(b)
    b.setEnabled(False)
    with busy(a, b):
        assert not a.isEnabled() and not b.isEnabled()
    assert a.isEnabled() and not b.isEnabled()


def test_error_text_prefers_the_reason_and_falls_back(qapp: QApplication) -> None:
    assert error_text("E_UNREACHABLE", "refused").startswith("The board refused the connection")
    assert error_text("E_UNREACHABLE", "no-such-reason") == "The board cannot be reached."
    assert error_text("E_NEW_THING", fallback="raw message") == "raw message"


# -- exception hook --------------------------------------------------------------------------------------
def test_excepthook_shows_studio_errors_translated_without_traceback(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[QMessageBox] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda self: shown.append(self) or 0)
    hook = app_module.ExceptionHook()
    try:
        raise Unreachable("connect to 10.0.0.9:22: timed out", reason="timeout")
    except StudioError as exc:
        hook(type(exc), exc, exc.__traceback__)
    try:
        raise RuntimeError("bug")
    except RuntimeError as exc:
        hook(type(exc), exc, exc.__traceback__)
    assert shown[0].text().startswith("The board did not answer in time.")
    assert "Traceback" not in shown[0].detailedText()
    assert shown[1].text().startswith("Something unexpected went wrong.")
    assert "Traceback" in shown[1].detailedText() and "RuntimeError: bug" in shown[1].detailedText()

    def from_thread() -> None:
        try:
            raise RuntimeError("in a thread")
        except RuntimeError as exc:
            hook(type(exc), exc, exc.__traceback__)

    t = threading.Thread(target=from_thread)
    t.start()
    t.join()
    assert len(shown) == 2  # logged, never shown from a worker thread


# -- widgets ---------------------------------------------------------------------------------------------
def test_step_list_renders_events(qtbot: QtBot) -> None:
    now = [0.0]
    steps = StepList(clock=lambda: now[0])
    qtbot.addWidget(steps)
    cancelled: list[bool] = []
    steps.cancel_requested.connect(lambda: cancelled.append(True))
    steps.set_steps([("deps", "Install packages"), ("build", "Build llama.cpp"), ("verify", "Verify")])
    assert [steps.state_of(s) for s in ("deps", "build", "verify")] == [StepState.PENDING] * 3
    steps.apply_events([Event(STEP_SKIP, step="deps", message="already installed")])
    steps.apply_events([Event(STEP_START, step="build", message="Build llama.cpp")])
    for i in range(1, 11):
        now[0] = i * 2.0
        steps.apply_events([Event(PROGRESS, step="build", fraction=i / 20, message=f"compiling ({i}/20)")])
    assert steps.state_of("build") is StepState.RUNNING
    assert steps.step_bar.value() == 500
    assert steps.overall_fraction == pytest.approx(1.5 / 3)
    assert "This step: about 20 s left" in steps.eta_label.text()
    steps.cancel_button.click()
    assert cancelled == [True]
    steps.apply_events([Event(STEP_DONE, step="build"), Event(STEP_START, step="verify", message="Verify")])
    steps.apply_events([Event(FAILED, step="verify", code="E_REMOTE", message="exit 1")])
    assert [steps.state_of(s) for s in ("deps", "build", "verify")] == [
        StepState.SKIPPED,
        StepState.DONE,
        StepState.FAILED,
    ]
    assert not steps.cancel_button.isEnabled()
    assert "A command on the board failed." in steps.list.item(2).text()


def test_step_list_adds_unplanned_steps_and_finishes_the_running_one(qtbot: QtBot) -> None:
    steps = StepList()
    qtbot.addWidget(steps)
    steps.apply_events([Event(STEP_START, step="a", message="A"), Event(FINISHED, data={"status": 0})])
    assert steps.state_of("a") is StepState.DONE
    assert steps.overall_fraction == 1.0


def test_eta_uses_recent_rate() -> None:
    now = [0.0]
    eta = EtaEstimator(window=10, clock=lambda: now[0])
    assert eta.remaining() is None
    for t, f in ((0, 0.0), (5, 0.05), (10, 0.10)):  # slow start
        now[0] = t
        eta.add(f)
    for t in range(11, 21):  # then 5 %/s
        now[0] = t
        eta.add(0.10 + (t - 10) * 0.05)
    remaining = eta.remaining()
    # 40 % left at the recent 5 %/s is 8 s; the average since the start (3 %/s) would say 13 s.
    assert remaining is not None and 7.5 < remaining < 8.5


def test_format_duration(qapp: QApplication) -> None:
    assert [format_duration(s) for s in (4.4, 125, 3720)] == ["4 s", "2 min 5 s", "1 h 2 min"]


def test_log_pane_batches_and_stays_bounded(qtbot: QtBot) -> None:
    pane = LogPane(max_lines=100)
    qtbot.addWidget(pane)
    pane.apply_events([Event(LOG, message=f"line {i}") for i in range(1000)])
    assert pane.blockCount() == 1  # nothing appended until the batch is flushed
    qtbot.waitUntil(lambda: pane.blockCount() == 100, timeout=2000)
    assert pane.toPlainText().splitlines()[-1] == "line 999"
    assert pane.isReadOnly()


# -- paths and entry point -------------------------------------------------------------------------------
def test_home_override_and_bundle_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dirs = paths.dirs_from_env({"RUBIKPI_STUDIO_HOME": str(tmp_path)})
    assert dirs is not None and dirs.log == tmp_path / "logs" and dirs.config == tmp_path == dirs.data
    assert paths.dirs_from_env({}) is None
    assert (paths.remote_dir() / "lib.sh").is_file()
    assert (paths.resources_dir() / "icons" / "app.svg").is_file()
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert paths.remote_dir() == tmp_path / "remote"
    assert paths.i18n_dir() == tmp_path / "resources" / "i18n"


def test_standard_paths_without_override(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RUBIKPI_STUDIO_HOME", raising=False)
    monkeypatch.setattr(appdirs, "_given", None)  # app_dirs() hands the core its folder: undone afterwards
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):  # never the real home folder
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    dirs = paths.app_dirs()
    assert all(p.is_absolute() for p in (dirs.data, dirs.config, dirs.cache, dirs.log))
    assert dirs.data == appdirs.data_dir() and dirs.log == appdirs.log_dir()  # one layout with the CLI
    if sys.platform.startswith("linux"):
        assert all(p.is_relative_to(tmp_path) for p in (dirs.data, dirs.config, dirs.cache, dirs.log))
    # QStandardPaths' folders are named after the app only (no organization: not "RUBIK Pi Studio" twice).
    assert QCoreApplication.applicationName() == paths.APP_NAME and QCoreApplication.organizationName() == ""


def test_cli_words_dispatch_to_the_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    assert entry.wants_cli(["probe", "host"]) and entry.wants_cli(["--cli", "--help"])
    assert not entry.wants_cli([]) and not entry.wants_cli(["--lang", "zh_CN"])
    calls: list[list[str]] = []
    fake = types.ModuleType("rubikpi_studio.cli")
    fake.main = lambda argv: calls.append(argv) or 3  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "rubikpi_studio.cli", fake)
    monkeypatch.setattr("rubikpi_studio.cli", fake, raising=False)
    assert entry.main(["--cli", "probe", "h", "--json"]) == 3
    assert entry.main(["models", "list"]) == 3
    assert calls == [["probe", "h", "--json"], ["models", "list"]]


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_self_test_exits_zero(lang: str, tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", RUBIKPI_STUDIO_HOME=str(tmp_path))
    proc = subprocess.run(
        [sys.executable, "-m", "rubikpi_studio", "--self-test", "--lang", lang],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["ok"] is True and report["language"] == lang
    assert report["pages"] == ["board", "setup", "models", "server", "chat", "benchmark"]
    assert (tmp_path / "logs" / "rubikpi-studio.log").is_file()
