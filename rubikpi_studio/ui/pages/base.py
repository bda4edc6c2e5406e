"""The page table, the shared state pages see, and the base class every page derives from.

Adding a page is adding a file under `rubikpi_studio/ui/pages/` and a row to `PAGES` below:

    from PySide6.QtCore import QCoreApplication
    from ..i18n import QT_TRANSLATE_NOOP
    from .base import Page, register_page

    @register_page
    class ModelsPage(Page):
        name = "models"                                  # stable id (settings, navigation)
        title = QT_TRANSLATE_NOOP("Page", "Models")      # English source; shown translated
        order = 30                                       # position in the sidebar
        icon = "models"                                  # resources/icons/models.svg
        needs_board = True

        def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
            super().__init__(context, parent)
            ...build widgets...
            context.state.connection_changed.connect(self._on_state_connection_changed)
            if context.state.is_connected:               # built after the board connected
                self._on_state_connection_changed(context.state.connection)
            self.retranslate()

        def retranslate(self) -> None:                   # called again on every language switch
            self.heading.setText(QCoreApplication.translate("ModelsPage", "Models on the board"))

        def load(self) -> None: ...                      # once, the first time the page is shown
        def activate(self) -> None: ...                  # each time it becomes the current page

The sidebar is drawn from `PAGES` alone (name, title, order, icon): a page's module is imported and its
widget built only when the page is first shown or asked for (`MainWindow.page(name)`), which keeps them out
of the app's start-up. So a page may be built at any time, after the board connected or the language
changed: it reads the current state in its constructor instead of waiting for the next signal. A row whose
module registers no page is shown as an honest placeholder. tests/gui/test_lazy_pages.py checks that the
table and the page classes agree.
"""

from __future__ import annotations

import enum
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar, TypeVar

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from ..i18n import QT_TRANSLATE_NOOP
from ..paths import AppDirs
from ..settings import Settings
from ..widgets import themed_icon

log = logging.getLogger(__name__)

PAGE_CONTEXT = "Page"  # translation context of page titles


class ConnectionState(enum.Enum):
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    FAILED = "failed"


class ServerState(enum.Enum):
    UNKNOWN = "unknown"
    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    FAILED = "failed"


class StudioState(QObject):
    """What the whole window shows about the active board. Pages set it; the status bar renders it.

    `board` holds the core connection object (`core.ssh.Board`) while connected; it is typed loosely here
    so the shell does not depend on the connection module.
    """

    board_changed = Signal(str)
    connection_changed = Signal(object)  # ConnectionState
    server_changed = Signal(object)  # ServerState

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._board_name = ""
        self._connection = ConnectionState.DISCONNECTED
        self._server = ServerState.UNKNOWN
        self.board: object | None = None
        # Where the chat reaches the board's llama-server (the local end of the SSH forward, or the LAN URL)
        # and its API key, if any; set by the Server page with the RUNNING state.
        self.server_url: str = ""
        self.server_api_key: str | None = None

    @property
    def board_name(self) -> str:
        return self._board_name

    @property
    def connection(self) -> ConnectionState:
        return self._connection

    @property
    def server(self) -> ServerState:
        return self._server

    @property
    def is_connected(self) -> bool:
        return self._connection is ConnectionState.CONNECTED

    def set_board_name(self, name: str) -> None:
        if name != self._board_name:
            self._board_name = name
            self.board_changed.emit(name)

    def set_connection(self, state: ConnectionState, board: object | None = None) -> None:
        self.board = board if state is ConnectionState.CONNECTED else None
        if state is not self._connection:
            self._connection = state
            self.connection_changed.emit(state)

    def set_server(self, state: ServerState, url: str | None = None, api_key: str | None = None) -> None:
        if url is not None:
            self.server_url = url
            self.server_api_key = api_key
        if state is not ServerState.RUNNING and url is None:
            self.server_url, self.server_api_key = "", None
        if state is not self._server:
            self._server = state
            self.server_changed.emit(state)


@dataclass(frozen=True)
class PageContext:
    """What a page may use. Passed to its constructor; no global lookups."""

    state: StudioState
    settings: Settings
    dirs: AppDirs
    navigate: Callable[[str], None]  # show another page by name


class Page(QWidget):
    """Base of every sidebar page. Subclasses declare the class attributes and override the hooks."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""  # English; mark it with QT_TRANSLATE_NOOP("Page", ...)
    order: ClassVar[int] = 1000
    icon: ClassVar[str] = ""
    needs_board: ClassVar[bool] = True

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.is_loaded = False

    @classmethod
    def display_title(cls) -> str:
        return QCoreApplication.translate(PAGE_CONTEXT, cls.title)

    def load(self) -> None:
        """Fill the page once, the first time it is shown (read settings, start watching state)."""

    def activate(self) -> None:
        """The page became the current one."""

    def deactivate(self) -> None:
        """The page stopped being the current one."""

    def retranslate(self) -> None:
        """Set every user-visible text. Called by the constructor (subclasses) and on language change."""

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


PageT = TypeVar("PageT", bound=type[Page])

_registry: dict[str, type[Page]] = {}


def register_page(cls: PageT) -> PageT:
    """Class decorator: make a page appear in the sidebar. A later registration of a name replaces one."""
    if not cls.name or not cls.title:
        raise TypeError(f"{cls.__qualname__} must set `name` and `title`")
    _registry[cls.name] = cls
    return cls


def registered_pages() -> list[type[Page]]:
    return sorted(_registry.values(), key=lambda c: (c.order, c.name))


@dataclass(frozen=True)
class PageInfo:
    """A sidebar slot: what the window shows before (and without) importing the page's module."""

    name: str
    title: str  # English; QT_TRANSLATE_NOOP("Page", ...)
    order: int
    icon: str
    needs_board: bool = True
    module: str = ""  # the module under rubikpi_studio.ui.pages that registers the page; "" for none yet
    # Build the page as soon as a board connects, shown or not: it keeps shared state up to date that other
    # pages and the status bar read (the Server page finds a running llama-server and sets `state.server`).
    build_on_connect: bool = False
    not_ready: str = ""  # the placeholder's text while no module registers the page
    page_class: type[Page] | None = field(default=None, compare=False)  # given already imported

    @classmethod
    def of(cls, page: type[Page]) -> PageInfo:
        """The slot of a page class that is imported already (tests, placeholders)."""
        return cls(page.name, page.title, page.order, page.icon, page.needs_board, page_class=page)

    def display_title(self) -> str:
        return QCoreApplication.translate(PAGE_CONTEXT, self.title)

    def load_class(self, *, strict: bool = False) -> type[Page]:
        """Import the page's module and return the class it registered (a placeholder if none).

        With `strict` (tests, `--self-test`) a module that fails to import raises; otherwise it is logged and
        the slot shows the placeholder, so one broken page does not take the window down.
        """
        if self.page_class is not None:
            return self.page_class
        if self.module:
            try:
                importlib.import_module(f"{__package__}.{self.module}")
            except Exception:
                if strict:
                    raise
                log.exception("page module %s failed to import", self.module)
        registered = _registry.get(self.name)
        return registered if registered is not None else placeholder_for(self)


# The sidebar. Each page's class repeats its row's name, title, order, icon and needs_board (a test checks).
PAGES: tuple[PageInfo, ...] = (
    PageInfo(
        "board",
        QT_TRANSLATE_NOOP("Page", "Board"),
        10,
        "board",
        needs_board=False,
        module="board",
        not_ready=QT_TRANSLATE_NOOP(
            "PlaceholderPage", "Connecting to a board is not available in this build yet."
        ),
    ),
    PageInfo("setup", QT_TRANSLATE_NOOP("Page", "Setup"), 20, "setup", module="setup"),
    PageInfo("models", QT_TRANSLATE_NOOP("Page", "Models"), 30, "models", module="models"),
    PageInfo(
        "server", QT_TRANSLATE_NOOP("Page", "Server"), 40, "server", module="server", build_on_connect=True
    ),
    PageInfo("chat", QT_TRANSLATE_NOOP("Page", "Chat"), 50, "chat", module="chat"),
    PageInfo("benchmark", QT_TRANSLATE_NOOP("Page", "Benchmark"), 60, "benchmark", module="benchmark"),
)


class PlaceholderPage(Page):
    """Stands in for a planned page whose module is not written yet, and says so plainly."""

    not_ready: ClassVar[str] = QT_TRANSLATE_NOOP(
        "PlaceholderPage", "This page is not available in this build yet."
    )

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.picture = QLabel(self)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heading = QLabel(self)
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.heading.setFont(font)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.go_button = QPushButton(self)
        self.go_button.clicked.connect(lambda: self.context.navigate("board"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 28)
        layout.setSpacing(12)
        layout.addStretch(2)
        layout.addWidget(self.picture)
        layout.addWidget(self.heading)
        layout.addWidget(self.message)
        layout.addWidget(self.go_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)
        context.state.connection_changed.connect(self.retranslate)
        self._paint_picture()
        self.retranslate()

    def _paint_picture(self) -> None:
        # Half way between text and background: quiet in light and dark themes alike. (PlaceholderText has
        # an alpha channel that an SVG colour cannot carry.)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        back = self.palette().color(QPalette.ColorRole.Window)
        colour = QColor(
            (text.red() + back.red()) // 2,
            (text.green() + back.green()) // 2,
            (text.blue() + back.blue()) // 2,
        )
        self.picture.setPixmap(themed_icon(self.icon or "app", colour).pixmap(64, 64))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._paint_picture()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.heading.setText(self.display_title())
        must_connect = self.needs_board and not self.context.state.is_connected
        if must_connect:
            self.message.setText(QCoreApplication.translate("PlaceholderPage", "Connect to a board first."))
        else:
            self.message.setText(QCoreApplication.translate("PlaceholderPage", self.not_ready))
        self.go_button.setText(QCoreApplication.translate("PlaceholderPage", "Go to the Board page"))
        self.go_button.setVisible(must_connect)


def placeholder_for(plan: PageInfo) -> type[Page]:
    attrs = {
        "name": plan.name,
        "title": plan.title,
        "order": plan.order,
        "icon": plan.icon,
        "needs_board": plan.needs_board,
        "__module__": __name__,
    }
    if plan.not_ready:
        attrs["not_ready"] = plan.not_ready
    return type(f"Placeholder_{plan.name}", (PlaceholderPage,), attrs)


def page_classes(registered: list[type[Page]] | None = None) -> list[type[Page]]:
    """Registered pages plus placeholders for table rows nobody registered, in sidebar order."""
    pages = {c.name: c for c in (registered_pages() if registered is None else registered)}
    for plan in PAGES:
        pages.setdefault(plan.name, placeholder_for(plan))
    return sorted(pages.values(), key=lambda c: (c.order, c.name))
