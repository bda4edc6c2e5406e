"""The main window: sidebar of pages, menus, and a status bar showing the active board and its state."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QCoreApplication, QEvent, QSize, Qt, Signal, qVersion
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QStackedWidget,
    QToolButton,
    QWidget,
)

from rubikpi_studio import __version__

from . import settings as S
from .i18n import LANGUAGES, Translations, resolve_language
from .pages.base import (
    ConnectionState,
    Page,
    PageContext,
    PageInfo,
    PlaceholderPage,
    ServerState,
    StudioState,
    placeholder_for,
)
from .paths import AppDirs
from .settings import Settings
from .widgets import I18N_SKIP, themed_icon

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

    from .monitor_panel import MonitorPanel

log = logging.getLogger(__name__)

APP_TITLE = "RUBIK Pi Studio"  # a proper noun: not translated

_CONNECTION_COLOURS = {
    ConnectionState.DISCONNECTED: "#7c8590",
    ConnectionState.CONNECTING: "#e37400",
    ConnectionState.CONNECTED: "#1e8e3e",
    ConnectionState.FAILED: "#d93025",
}
_SERVER_COLOURS = {
    ServerState.UNKNOWN: "#7c8590",
    ServerState.STOPPED: "#7c8590",
    ServerState.STARTING: "#e37400",
    ServerState.RUNNING: "#1e8e3e",
    ServerState.FAILED: "#d93025",
}


def connection_text(state: ConnectionState) -> str:
    return {
        ConnectionState.DISCONNECTED: QCoreApplication.translate("MainWindow", "Not connected"),
        ConnectionState.CONNECTING: QCoreApplication.translate("MainWindow", "Connecting…"),
        ConnectionState.CONNECTED: QCoreApplication.translate("MainWindow", "Connected"),
        ConnectionState.FAILED: QCoreApplication.translate("MainWindow", "Connection failed"),
    }[state]


def server_text(state: ServerState) -> str:
    return {
        ServerState.UNKNOWN: QCoreApplication.translate("MainWindow", "Server: unknown"),
        ServerState.STOPPED: QCoreApplication.translate("MainWindow", "Server: stopped"),
        ServerState.STARTING: QCoreApplication.translate("MainWindow", "Server: starting…"),
        ServerState.RUNNING: QCoreApplication.translate("MainWindow", "Server: running"),
        ServerState.FAILED: QCoreApplication.translate("MainWindow", "Server: failed"),
    }[state]


def _dot(colour: str, text: str) -> str:
    return f'<span style="color:{colour}">●</span>&nbsp;{text}'


class MainWindow(QMainWindow):
    """Hosts the pages given to it; knows nothing about what they do.

    The sidebar comes from the pages' `PageInfo` rows; a page's module is imported and its widget built the
    first time the page is shown or asked for (`page(name)`), not at start-up. Page classes may be given
    instead of rows (tests): they are built the same way, on first use.
    """

    theme_changed = Signal(str)  # system | light | dark, chosen in the settings dialog

    def __init__(
        self,
        *,
        pages: Sequence[PageInfo | type[Page]],
        state: StudioState,
        settings: Settings,
        dirs: AppDirs,
        translations: Translations,
        strict_pages: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.settings = settings
        self.translations = translations
        self.dirs = dirs
        self.setObjectName("MainWindow")
        self.setWindowIcon(themed_icon("app"))
        self.strict_pages = strict_pages  # a page module that fails to import raises (tests, --self-test)
        self._context = PageContext(state=state, settings=settings, dirs=dirs, navigate=self.show_page)

        self.sidebar = QListWidget(self)
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setIconSize(QSize(20, 20))
        self.sidebar.setFrameShape(QFrame.Shape.NoFrame)
        self.sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sidebar.setFixedWidth(188)
        self.stack = QStackedWidget(self)
        self.page_infos: list[PageInfo] = [p if isinstance(p, PageInfo) else PageInfo.of(p) for p in pages]
        self._built: dict[str, Page] = {}
        for info in self.page_infos:
            QListWidgetItem(self.sidebar).setData(Qt.ItemDataRole.UserRole, info.name)

        central = QWidget(self)
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.sidebar)
        self.sidebar_line = QFrame(central)
        self.sidebar_line.setFrameShape(QFrame.Shape.VLine)
        self.sidebar_line.setFrameShadow(QFrame.Shadow.Plain)
        self.sidebar_line.setObjectName("sidebarLine")
        layout.addWidget(self.sidebar_line)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self._build_monitor_dock()
        self._build_menus()
        self._build_status_bar()
        self._apply_sidebar_style()

        self.sidebar.currentRowChanged.connect(self._on_sidebar_current_row_changed)
        state.board_changed.connect(self._update_status)
        state.connection_changed.connect(self._update_status)
        state.server_changed.connect(self._update_status)
        state.connection_changed.connect(self._on_state_connection_changed)
        translations.language_changed.connect(self._sync_language_actions)

        self.retranslate()
        self.resize(1120, 720)
        geometry = settings.get(S.GEOMETRY)
        if not geometry.isEmpty():
            self.restoreGeometry(geometry)
        self._current: Page | None = None
        if settings.get(S.MONITOR_SHOWN):
            self.monitor_dock.setVisible(True)
            # Qt syncs the toggle with the dock's show events, which wait for the window to be shown.
            self.monitor_action.setChecked(True)
        self.show_page(settings.get(S.LAST_PAGE))
        if self._current is None and self.page_infos:
            self.sidebar.setCurrentRow(0)

    # -- building --------------------------------------------------------------------------------------
    def _build_monitor_dock(self) -> None:
        """The board monitor, docked beside every page (models run while the user is on Chat or Server).

        Its panel (plots, the monitor core) is built the first time the dock is shown, not at start-up."""
        self.monitor_dock = QDockWidget(self)
        self.monitor_dock.setObjectName("monitorDock")
        # Not floatable: a floating dock is a window of its own that "minimised" would not cover.
        self.monitor_dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        self.monitor_dock.setAllowedAreas(
            Qt.DockWidgetArea.LeftDockWidgetArea | Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.monitor_dock)
        self.monitor_dock.setVisible(False)
        self.monitor_action = self.monitor_dock.toggleViewAction()
        self.monitor_action.setShortcut(QKeySequence("Ctrl+Shift+M"))
        self.monitor_dock.visibilityChanged.connect(self._on_monitor_dock_visibility_changed)
        self._monitor_panel: MonitorPanel | None = None

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = QMenu(self)
        self.quit_action = QAction(self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        self.wizard_action = QAction(self)
        self.wizard_action.triggered.connect(self.open_setup_wizard)
        self.settings_action = QAction(self)
        self.settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.triggered.connect(self.open_settings)
        self.file_menu.addAction(self.wizard_action)
        self.file_menu.addAction(self.settings_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)

        self.go_menu = QMenu(self)
        self.go_actions: list[QAction] = []
        for index, info in enumerate(self.page_infos):
            action = QAction(self)
            if index < 9:
                action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _checked=False, name=info.name: self.show_page(name))
            self.go_menu.addAction(action)
            self.go_actions.append(action)

        self.view_menu = QMenu(self)
        self.language_menu = QMenu(self)
        self.language_group = QActionGroup(self)
        self.language_group.setExclusive(True)
        self.language_actions: dict[str, QAction] = {}
        for code in ("", *LANGUAGES):
            action = QAction(self)
            action.setCheckable(True)
            action.setData(code)
            action.triggered.connect(lambda _checked=False, c=code: self.set_language(c))
            self.language_group.addAction(action)
            self.language_menu.addAction(action)
            self.language_actions[code] = action
        self.view_menu.addAction(self.monitor_action)
        self.view_menu.addSeparator()
        self.view_menu.addMenu(self.language_menu)

        self.help_menu = QMenu(self)
        self.about_action = QAction(self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        self.about_qt_action = QAction(self)
        self.about_qt_action.setMenuRole(QAction.MenuRole.AboutQtRole)
        self.about_qt_action.triggered.connect(QApplication.aboutQt)
        self.report_action = QAction(self)
        self.report_action.triggered.connect(self.report_problem)
        self.help_menu.addAction(self.report_action)
        self.help_menu.addAction(self.about_action)
        self.help_menu.addAction(self.about_qt_action)

        for menu in (self.file_menu, self.go_menu, self.view_menu, self.help_menu):
            bar.addMenu(menu)
        self._sync_language_actions()

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        # The monitor from any page, one click away (the same action as View ▸ Board monitor).
        self.monitor_button = QToolButton(self)
        self.monitor_button.setObjectName("statusMonitor")
        self.monitor_button.setDefaultAction(self.monitor_action)
        self.monitor_button.setAutoRaise(True)
        status.addPermanentWidget(self.monitor_button)
        self.board_label = QLabel(self)
        self.board_label.setObjectName("statusBoard")
        self.connection_label = QLabel(self)
        self.connection_label.setObjectName("statusConnection")
        self.server_label = QLabel(self)
        self.server_label.setObjectName("statusServer")
        for label in (self.board_label, self.connection_label, self.server_label):
            label.setContentsMargins(8, 0, 8, 0)
            status.addPermanentWidget(label)

    def _apply_sidebar_style(self) -> None:
        palette = self.palette()
        # Palette roles, not fixed colours, so light and dark themes both read well.
        self.sidebar.setStyleSheet(
            "QListWidget#sidebar { background: palette(window); padding-top: 8px; outline: 0; }"
            "QListWidget#sidebar::item { padding: 7px 8px; margin: 1px 8px; border-radius: 6px; }"
            "QListWidget#sidebar::item:hover:!selected { background: palette(midlight); }"
            "QListWidget#sidebar::item:selected { background: palette(highlight);"
            " color: palette(highlighted-text); }"
        )
        self.sidebar_line.setStyleSheet("QFrame#sidebarLine { color: palette(mid); }")
        normal = palette.color(QPalette.ColorRole.WindowText)
        selected = palette.color(QPalette.ColorRole.HighlightedText)
        for row, info in enumerate(self.page_infos):
            item = self.sidebar.item(row)
            item.setIcon(themed_icon(info.icon, normal, selected) if info.icon else themed_icon("app"))

    # -- texts -----------------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.file_menu.setTitle(QCoreApplication.translate("MainWindow", "&File"))
        self.quit_action.setText(QCoreApplication.translate("MainWindow", "&Quit"))
        self.go_menu.setTitle(QCoreApplication.translate("MainWindow", "&Go"))
        self.view_menu.setTitle(QCoreApplication.translate("MainWindow", "&View"))
        self.language_menu.setTitle(QCoreApplication.translate("MainWindow", "&Language"))
        self.language_actions[""].setText(QCoreApplication.translate("MainWindow", "Follow the system"))
        for code, name in LANGUAGES.items():
            self.language_actions[code].setText(name)
        self.help_menu.setTitle(QCoreApplication.translate("MainWindow", "&Help"))
        self.about_action.setText(QCoreApplication.translate("MainWindow", "&About RUBIK Pi Studio"))
        self.wizard_action.setText(QCoreApplication.translate("Wizard", "Setup &wizard…"))
        self.settings_action.setText(QCoreApplication.translate("SettingsDialog", "&Settings…"))
        self.report_action.setText(QCoreApplication.translate("SettingsDialog", "&Report a problem…"))
        self.about_qt_action.setText(QCoreApplication.translate("MainWindow", "About &Qt"))
        self.monitor_dock.setWindowTitle(QCoreApplication.translate("MainWindow", "Board monitor"))
        self.monitor_action.setText(QCoreApplication.translate("MainWindow", "Board &monitor"))
        self.monitor_action.setToolTip(
            QCoreApplication.translate(
                "MainWindow", "The active board's CPU, memory, GPU and temperatures, live (Ctrl+Shift+M)"
            )
        )
        for row, info in enumerate(self.page_infos):
            title = info.display_title()
            self.sidebar.item(row).setText(title)
            self.sidebar.item(row).setToolTip(
                QCoreApplication.translate("MainWindow", "%1 (Ctrl+%2)")
                .replace("%1", title)
                .replace("%2", str(row + 1))
                if row < 9
                else title
            )
            self.go_actions[row].setText(title)
        self.sidebar.setAccessibleName(QCoreApplication.translate("MainWindow", "Pages"))
        self._update_status()

    def _update_status(self) -> None:
        state = self.state
        board = state.board_name
        self.board_label.setText(
            QCoreApplication.translate("MainWindow", "Board: %1").replace("%1", board)
            if board
            else QCoreApplication.translate("MainWindow", "No board")
        )
        self.board_label.setProperty(I18N_SKIP, bool(board))
        self.connection_label.setText(
            _dot(_CONNECTION_COLOURS[state.connection], connection_text(state.connection))
        )
        self.server_label.setText(_dot(_SERVER_COLOURS[state.server], server_text(state.server)))
        self.board_label.setToolTip(QCoreApplication.translate("MainWindow", "The active board"))
        self.connection_label.setToolTip(
            QCoreApplication.translate("MainWindow", "The SSH connection to the active board")
        )
        self.server_label.setToolTip(
            QCoreApplication.translate("MainWindow", "llama-server on the active board")
        )
        self.setWindowTitle(f"{board} — {APP_TITLE}" if board else APP_TITLE)

    def changeEvent(self, event: QEvent) -> None:
        kind = event.type()
        if kind == QEvent.Type.LanguageChange:
            self.retranslate()
        elif kind == QEvent.Type.WindowStateChange and self._monitor_panel is not None:
            self._monitor_panel.update_sampling()  # minimised or restored: the docked panel is not told
        elif kind in (
            QEvent.Type.PaletteChange,
            QEvent.Type.ApplicationPaletteChange,
            QEvent.Type.StyleChange,
        ):
            self._apply_sidebar_style()
        super().changeEvent(event)

    # -- monitor ---------------------------------------------------------------------------------------
    def monitor_panel(self) -> MonitorPanel:
        """The board monitor's panel, built now if it was not yet."""
        if self._monitor_panel is None:
            from .monitor_panel import MonitorPanel

            self._monitor_panel = MonitorPanel(self.state, self.monitor_dock)
            self.monitor_dock.setWidget(self._monitor_panel)
        return self._monitor_panel

    def _on_monitor_dock_visibility_changed(self, visible: bool) -> None:
        if visible:
            self.monitor_panel().update_sampling()

    # -- navigation ------------------------------------------------------------------------------------
    @property
    def page_names(self) -> list[str]:
        """Every page in sidebar order, built or not."""
        return [info.name for info in self.page_infos]

    def built_pages(self) -> list[Page]:
        """The pages built so far, in sidebar order."""
        return [self._built[info.name] for info in self.page_infos if info.name in self._built]

    def page(self, name: str, *, build: bool = True) -> Page | None:
        """The page called `name`, built now if it was not yet (unless `build` is false); None if no such."""
        page = self._built.get(name)
        if page is not None or not build:
            return page
        info = next((i for i in self.page_infos if i.name == name), None)
        return self._build_page(info) if info is not None else None

    def _build_page(self, info: PageInfo) -> Page:
        cls = info.load_class(strict=self.strict_pages)
        try:
            page = cls(self._context, self.stack)
        except Exception:
            if self.strict_pages or issubclass(cls, PlaceholderPage):
                raise
            # As with a module that fails to import: the slot shows the placeholder, the window lives on.
            log.exception("page %s failed to build", info.name)
            page = placeholder_for(info)(self._context, self.stack)
        page.setObjectName(f"page_{info.name}")
        self.stack.addWidget(page)
        self._built[info.name] = page
        log.debug("built page %s", info.name)
        return page

    @property
    def current_page(self) -> Page | None:
        return self._current

    def show_page(self, name: str) -> None:
        for row, info in enumerate(self.page_infos):
            if info.name == name:
                self.sidebar.setCurrentRow(row)
                return
        log.info("no page named %r", name)

    def _on_state_connection_changed(self, state: ConnectionState) -> None:
        if state is ConnectionState.CONNECTED:
            for info in self.page_infos:
                if info.build_on_connect:
                    self.page(info.name)

    def _on_sidebar_current_row_changed(self, row: int) -> None:
        if not 0 <= row < len(self.page_infos):
            return
        page = self.page(self.page_infos[row].name)
        if page is None or page is self._current:
            return
        if self._current is not None:
            self._current.deactivate()
        self.stack.setCurrentWidget(page)
        self._current = page
        if not page.is_loaded:
            page.is_loaded = True
            page.load()
        page.activate()
        self.settings.set(S.LAST_PAGE, page.name)

    # -- actions ---------------------------------------------------------------------------------------
    def set_language(self, code: str) -> None:
        """'' follows the system; otherwise a key of LANGUAGES. Saved and applied at once."""
        self.settings.set(S.LANGUAGE, code)
        self.translations.apply(resolve_language(None, code))
        self._sync_language_actions()

    def _sync_language_actions(self) -> None:
        chosen = self.settings.get(S.LANGUAGE)
        action = self.language_actions.get(chosen if chosen in self.language_actions else "")
        if action is not None:
            action.setChecked(True)

    def show_about(self) -> QMessageBox:
        from PySide6.QtWidgets import QMessageBox  # its Qt class is made when first used, not at start-up

        box = QMessageBox(self)
        box.setObjectName("aboutBox")
        box.setWindowTitle(QCoreApplication.translate("MainWindow", "About RUBIK Pi Studio"))
        box.setIconPixmap(themed_icon("app").pixmap(64, 64))
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(
            f"<h3>{APP_TITLE}</h3><p>"
            + QCoreApplication.translate("MainWindow", "Version %1").replace("%1", __version__)
            + "</p><p>"
            + QCoreApplication.translate(
                "MainWindow",
                "Sets up llama.cpp on a RUBIK Pi 3 board, manages its models, runs the server and chats "
                "with it, all over SSH from this computer.",
            )
            + "</p><p><small>"
            + f"Qt {qVersion()} · PySide6 {pyside_version} · Python {sys.version.split()[0]}"
            + "</small></p>"
        )
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.open()
        return box

    def open_settings(self) -> QWidget:
        from .settings_dialog import SettingsContext, SettingsDialog

        dialog = SettingsDialog(
            SettingsContext(self.settings, self.set_language, self.theme_changed.emit), self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_setup_wizard(self) -> QWidget:
        from .wizard import open_wizard, share_with_board_page

        wizard = open_wizard(self, settings=self.settings, state=self.state)
        share_with_board_page(wizard, self.page("board"))
        return wizard

    def report_problem(self) -> None:
        import asyncio

        from .settings_dialog import report_problem

        facts = getattr(self.page("board", build=False), "facts", None)
        named = {self.state.board_name or "board": facts.to_dict()} if facts is not None else None
        self._report_task = asyncio.ensure_future(report_problem(self, log_dir=self.dirs.log, facts=named))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.set(S.GEOMETRY, self.saveGeometry())
        # isHidden: closed by the user, not hidden with the window
        self.settings.set(S.MONITOR_SHOWN, not self.monitor_dock.isHidden())
        self.settings.sync()
        super().closeEvent(event)
