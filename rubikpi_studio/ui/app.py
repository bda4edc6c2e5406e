"""The GUI's start-up: QApplication, logging, the exception hook, the qasync loop and `--self-test`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import (
    QCoreApplication,
    QMessageLogContext,
    Qt,
    QtMsgType,
    QTranslator,
    qInstallMessageHandler,
)
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from rubikpi_studio import __version__
from rubikpi_studio.core.boards import BoardRegistry
from rubikpi_studio.core.errors import StudioError

from . import paths
from . import settings as S
from .bridge import (
    discard_held_slots,
    held_slot_count,
    hold_slots_until_loop,
    release_held_slots,
    run_in_thread,
)
from .i18n import Translations, describe_error, resolve_language
from .mainwindow import APP_TITLE, MainWindow
from .pages import discover
from .pages.base import PlaceholderPage, StudioState
from .paths import AppDirs
from .settings import Settings

log = logging.getLogger("rubikpi_studio")

LOG_FILE = "rubikpi-studio.log"


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="rubikpi-studio", description="RUBIK Pi Studio (GUI)")
    parser.add_argument("--lang", choices=["en", "zh_CN"], help="interface language for this run")
    parser.add_argument(
        "--self-test", action="store_true", help="open the window, check resources, print a JSON report, exit"
    )
    parser.add_argument(
        "--quit-when-shown",
        action="store_true",
        help="start as usual, show the main window, print a JSON line and exit once it is painted "
        "(bench/bundle.py times this)",
    )
    parser.add_argument(
        "--quit-when-ready",
        action="store_true",
        help="like --quit-when-shown, but exit once the event loop runs (the window answers input)",
    )
    parser.add_argument(
        "--theme",
        choices=["system", "light", "dark"],
        help="colour scheme for this run (default: the setting)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser.parse_known_args(argv)  # the rest goes to Qt (-platform, -style, ...)


class RotatingLog(logging.FileHandler):
    """A log file rolled over by size: `path` moves to `path.1`, `path.1` to `path.2`, and so on.

    What `logging.handlers.RotatingFileHandler` does, without importing `logging.handlers` (its socket,
    pickle and queue imports cost ~6 ms of every start).
    """

    def __init__(self, path: Path, *, max_bytes: int, backups: int) -> None:
        super().__init__(path, encoding="utf-8")
        self.max_bytes = max_bytes
        self.backups = backups

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self.stream is not None and self.max_bytes > 0:
                line = self.format(record) + self.terminator
                self.stream.seek(0, os.SEEK_END)  # Windows: tell() is 0 in append mode until a write
                size = self.stream.tell()
                if size and size + len(line.encode("utf-8", "replace")) > self.max_bytes:
                    self.roll_over()  # not an empty file, even when one record is larger than max_bytes
        except Exception:
            self.handleError(record)
            return
        super().emit(record)

    def roll_over(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None  # type: ignore[assignment]
        base = self.baseFilename
        for n in range(self.backups - 1, 0, -1):
            if os.path.exists(f"{base}.{n}"):
                os.replace(f"{base}.{n}", f"{base}.{n + 1}")
        if self.backups > 0 and os.path.exists(base):
            os.replace(base, f"{base}.1")
        self.stream = self._open()


def setup_logging(dirs: AppDirs, *, level: int = logging.INFO) -> Path:
    """Log to a rotating file in the app's log folder, and warnings to stderr."""
    dirs.log.mkdir(parents=True, exist_ok=True)
    path = dirs.log / LOG_FILE
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        if getattr(handler, "_rubikpi_studio", False):
            root.removeHandler(handler)
            handler.close()
    file_handler = RotatingLog(path, max_bytes=2_000_000, backups=5)
    file_handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s")
    )
    stderr = logging.StreamHandler()
    stderr.setLevel(logging.WARNING)
    stderr.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handlers: list[logging.Handler] = [file_handler, stderr]
    for handler in handlers:
        handler._rubikpi_studio = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    qInstallMessageHandler(_qt_message_handler)
    return path


_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _qt_message_handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    logging.getLogger("qt").log(_QT_LEVELS.get(kind, logging.WARNING), "%s", message)


class ExceptionHook:
    """`sys.excepthook` for the GUI: log every uncaught exception and show it without killing the app.

    `@widget_slot` coroutines hand their exceptions here too. A `StudioError` shows its translated
    message (no traceback); anything else shows a short apology with the traceback folded away. Only one
    dialog at a time, and never from a worker thread (`threading.excepthook` only logs).
    """

    def __init__(self) -> None:
        self._showing = False
        self.previous = sys.excepthook

    def install(self) -> None:
        sys.excepthook = self
        threading.excepthook = self._thread_hook

    def __call__(self, kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            QCoreApplication.quit()
            return
        if isinstance(value, StudioError):
            log.error("unhandled %s: %s", value.code, value)
        else:
            log.error("unhandled exception", exc_info=(kind, value, tb))
        if self._showing or QApplication.instance() is None:
            return
        if threading.current_thread() is not threading.main_thread():
            return
        self._showing = True
        try:
            self._show(value, "".join(traceback.format_exception(kind, value, tb)))
        except Exception:
            log.exception("could not show the error dialog")
        finally:
            self._showing = False

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        log.error(
            "unhandled exception in thread %s",
            args.thread.name if args.thread else "?",
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),  # type: ignore[arg-type]
        )

    def _show(self, value: BaseException, details: str) -> None:
        from PySide6.QtWidgets import QMessageBox  # its Qt class is made when first used, not at start-up

        box = QMessageBox(QApplication.activeWindow())
        box.setWindowTitle(APP_TITLE)
        if isinstance(value, StudioError):
            text, detail = describe_error(value)
            box.setIcon(QMessageBox.Icon.Warning)
            box.setText(text)
            if value.hint:
                box.setInformativeText(value.hint)
            if detail:
                box.setDetailedText(detail)
        else:
            box.setIcon(QMessageBox.Icon.Critical)
            box.setText(
                QCoreApplication.translate(
                    "ExceptionHook", "Something unexpected went wrong. The app can keep running."
                )
            )
            box.setInformativeText(
                QCoreApplication.translate(
                    "ExceptionHook",
                    "The details are in the log file. Please include them if you report this.",
                )
            )
            box.setDetailedText(details)
        box.exec()


def create_application(argv: list[str]) -> QApplication:
    QCoreApplication.setApplicationName(paths.APP_NAME)
    QCoreApplication.setOrganizationName(paths.ORG_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    # Qt 6 scales by the screen's exact factor; say so explicitly rather than rely on the default.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *argv])
    app.setApplicationDisplayName(APP_TITLE)
    QGuiApplication.setDesktopFileName("rubikpi-studio")
    return app


def dark_palette() -> QPalette:
    """A dark palette for styles (Fusion on Linux without a desktop theme) that do not switch themselves."""
    p = QPalette()
    roles = QPalette.ColorRole
    colours = {
        roles.Window: "#2b2d31",
        roles.WindowText: "#e3e5e8",
        roles.Base: "#1e1f22",
        roles.AlternateBase: "#26282c",
        roles.ToolTipBase: "#1e1f22",
        roles.ToolTipText: "#e3e5e8",
        roles.PlaceholderText: "#8a8f98",
        roles.Text: "#e3e5e8",
        roles.Button: "#33363b",
        roles.ButtonText: "#e3e5e8",
        roles.BrightText: "#ff6b6b",
        roles.Light: "#45484e",
        roles.Midlight: "#3a3d42",
        roles.Mid: "#4a4d53",
        roles.Dark: "#1a1b1e",
        roles.Shadow: "#000000",
        roles.Highlight: "#3d7bd9",
        roles.HighlightedText: "#ffffff",
        roles.Link: "#8ab4f8",
        roles.LinkVisited: "#c58af9",
    }
    for role, colour in colours.items():
        p.setColor(role, QColor(colour))
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7c8088"))
    return p


class ColourScheme:
    """Follow the system's light/dark setting, or a `--theme` override.

    Native styles (Windows 11, macOS, KDE/GNOME platform themes) switch their palette themselves; where the
    style keeps a light palette although the system asks for dark, this sets a dark one, and puts the
    style's own palette back when the system returns to light.
    """

    def __init__(self, app: QApplication, override: str = "system") -> None:
        self.app = app
        self.override = override
        self._forced = False
        app.styleHints().colorSchemeChanged.connect(self.apply)
        self.apply()

    def set_override(self, override: str) -> None:
        self.override = override
        self.apply()

    def wants_dark(self) -> bool:
        if self.override != "system":
            return self.override == "dark"
        return self.app.styleHints().colorScheme() == Qt.ColorScheme.Dark

    def apply(self, *_args: object) -> None:
        is_dark = self.app.palette().color(QPalette.ColorRole.Window).lightness() < 128
        if self.wants_dark() and not is_dark:
            self.app.setPalette(dark_palette())
            self._forced = True
        elif not self.wants_dark() and is_dark and (self._forced or self.override == "light"):
            self.app.setPalette(self.app.style().standardPalette())
            self._forced = False


class Studio:
    """The assembled GUI: settings, translations, shared state and the main window."""

    def __init__(self, dirs: AppDirs, *, lang: str | None = None, strict_pages: bool = False) -> None:
        self.dirs = dirs.ensure()
        self.settings = Settings(dirs.config / paths.SETTINGS_FILE)
        self.translations = Translations(paths.i18n_dir())
        self.language_ok = self.translations.apply(resolve_language(lang, self.settings.get(S.LANGUAGE)))
        self.state = StudioState()
        # The title and status bar name the active saved board from the start, before any connection.
        self.state.set_board_name(BoardRegistry().active)
        self.window = MainWindow(
            pages=discover(),
            state=self.state,
            settings=self.settings,
            dirs=dirs,
            translations=self.translations,
            strict_pages=strict_pages,
        )


async def _run_window(studio: Studio) -> int:
    import asyncio

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    closed = asyncio.Event()
    app.lastWindowClosed.connect(closed.set)
    studio.window.show()  # shown (and painted) already, before the loop started; a no-op then
    if studio.settings.get(S.SHOW_WIZARD):
        studio.window.open_setup_wizard()
    await closed.wait()
    studio.settings.sync()
    return 0


def _unimportable_gui_modules() -> list[str]:
    """The modules of the GUI package (pages, wizard steps, dialogs) that fail to import, as 'name: error'."""
    import importlib
    import pkgutil

    from rubikpi_studio import ui

    failed = []
    for info in pkgutil.walk_packages(ui.__path__, prefix="rubikpi_studio.ui."):
        try:
            importlib.import_module(info.name)
        except Exception as exc:
            failed.append(f"{info.name}: {type(exc).__name__}: {exc}")
    return failed


async def _self_test(studio: Studio) -> dict[str, object]:
    checks: dict[str, object] = {}
    window = studio.window
    window.show()
    QApplication.processEvents()
    checks["window"] = window.isVisible()
    names = window.page_names
    checks["pages"] = names
    placeholders = []
    for info in window.page_infos:  # visit every page so each one's load()/activate() runs once
        # Built here rather than by the sidebar's slot, so a page module that fails to import raises.
        page = window.page(info.name)
        if info.module and isinstance(page, PlaceholderPage):
            placeholders.append(info.name)
        window.show_page(info.name)
        QApplication.processEvents()
    checks["placeholders"] = placeholders  # pages whose module registered nothing
    checks["pages_ok"] = bool(names) and window.current_page is window.page(names[-1]) and not placeholders
    # The translations must load and translate: the zh_CN catalogue exists and knows a page title.
    probe = QTranslator()
    loaded = probe.load(str(Translations(paths.i18n_dir()).catalogue_path("zh_CN")))
    checks["i18n_zh_CN"] = loaded and probe.translate("Page", "Board") not in ("", "Board")
    checks["language"] = studio.translations.language
    checks["language_ok"] = studio.language_ok
    remote = paths.remote_dir()
    # Every GUI module is there (a bundle that missed one, imported only when first used, such as the
    # Connect dialog or the wizard, would fail when the user first opens it, not here).
    checks["missing_modules"] = missing = _unimportable_gui_modules()
    checks["modules_ok"] = not missing
    checks["remote_dir"] = str(remote)
    checks["remote_ok"] = (remote / "lib.sh").is_file()
    checks["resources_ok"] = (paths.icons_dir() / "app.svg").is_file()
    # A worker thread's result comes back on the qasync loop.
    checks["worker_ok"] = await run_in_thread(
        lambda: threading.current_thread() is not threading.main_thread()
    )
    log_file = studio.dirs.log / LOG_FILE
    checks["log_ok"] = log_file.is_file()
    ok = all(
        checks[k] is True
        for k in (
            "window",
            "pages_ok",
            "i18n_zh_CN",
            "language_ok",
            "remote_ok",
            "resources_ok",
            "modules_ok",
            "worker_ok",
            "log_ok",
        )
    )
    window.close()
    return {"ok": ok, "version": __version__, **checks}


def run(argv: list[str]) -> int:
    """Start the GUI (or the self-test). Returns the process exit status.

    The main window is built, shown and painted before asyncio and qasync are imported and the event loop
    starts (their ~50 ms come after the user sees the window). A `@widget_slot` called meanwhile (a signal
    fired while a page was built) is held and scheduled once the loop runs.
    """
    args, qt_args = parse_args(argv)
    dirs = paths.app_dirs().ensure()
    log_path = setup_logging(dirs)
    log.info("RUBIK Pi Studio %s starting (pid %d), log %s", __version__, os.getpid(), log_path)
    app = create_application(qt_args)
    scheme = ColourScheme(app, args.theme or Settings(dirs.config / paths.SETTINGS_FILE).get(S.THEME))
    hook = ExceptionHook()
    if not args.self_test:
        hook.install()
    hold_slots_until_loop()
    try:
        studio = Studio(dirs, lang=args.lang, strict_pages=args.self_test)
        studio.window.theme_changed.connect(scheme.set_override)
        studio.window.show()
        QApplication.processEvents()  # the first paint
        if args.quit_when_shown:
            print(json.dumps({"ok": studio.window.isVisible(), "held_slots": held_slot_count()}), flush=True)
            studio.window.close()
            return 0

        from rubikpi_studio.core import memory  # after the first paint: ctypes is not free to import

        memory.tune_allocator()
        import qasync

        async def main_coro() -> int:
            held = release_held_slots()
            if held:
                log.debug("%d slot call(s) made while the window was built now run", held)
            if args.quit_when_ready:
                print(json.dumps({"ok": studio.window.isVisible(), "held_slots": held}), flush=True)
                studio.window.close()
                return 0
            if args.self_test:
                report = await _self_test(studio)
                print(json.dumps(report, ensure_ascii=False, sort_keys=True), flush=True)
                return 0 if report["ok"] else 1
            return await _run_window(studio)

        return int(qasync.run(main_coro()))
    except Exception as exc:
        if not args.self_test:
            raise
        print(json.dumps({"ok": False, "error": f"{type(exc).__name__}: {exc}"}), flush=True)
        log.exception("self-test failed")
        return 1
    finally:
        discard_held_slots()  # not run without a loop, nor left for a later run() in the same process
        del scheme, app
