"""Pages are built on first show (issue 8): the sidebar comes from the `PAGES` table, a page's module is
imported and its widget built only when it is shown or asked for, and a page built late catches up with
the state (board connected, language switched) it missed."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import rig
from pytestqt.qtbot import QtBot
from rig.waiting import until

from rubikpi_studio.core.ssh import Board
from rubikpi_studio.ui import app as app_module
from rubikpi_studio.ui import pages as pages_package
from rubikpi_studio.ui import paths
from rubikpi_studio.ui.pages.base import (
    PAGES,
    ConnectionState,
    PageInfo,
    PlaceholderPage,
    ServerState,
    registered_pages,
)

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def make_studio(qtbot: QtBot) -> Iterator[Callable[..., app_module.Studio]]:
    made: list[app_module.Studio] = []

    def make(lang: str = "en") -> app_module.Studio:
        s = app_module.Studio(paths.app_dirs(), lang=lang, strict_pages=True)
        qtbot.addWidget(s.window)
        made.append(s)
        return s

    yield make
    for s in made:
        s.translations.apply("en")


def test_the_table_names_every_page_module_and_agrees_with_its_class() -> None:
    modules = {
        info.name.rsplit(".", 1)[-1]
        for info in pkgutil.iter_modules(pages_package.__path__)
        if info.name != "base"
    }
    assert modules == {info.module for info in PAGES if info.module}, "add a PAGES row for each page module"
    for info in PAGES:
        module = importlib.import_module(f"rubikpi_studio.ui.pages.{info.module}")
        cls = next(c for c in registered_pages() if c.name == info.name)
        assert cls.__module__ == module.__name__
        assert PageInfo.of(cls) == PageInfo(
            info.name, info.title, info.order, info.icon, info.needs_board, page_class=cls
        ), f"{cls.__name__} disagrees with its PAGES row"


def test_start_builds_only_the_shown_page(make_studio: Callable[..., app_module.Studio]) -> None:
    studio = make_studio()
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
    assert all(not w.sidebar.item(i).icon().isNull() for i in range(w.sidebar.count()))
    assert [p.name for p in w.built_pages()] == ["board"]
    assert w.page("chat", build=False) is None
    w.show_page("models")
    assert [p.name for p in w.built_pages()] == ["board", "models"]
    assert w.current_page is w.page("models", build=False) and w.stack.currentWidget() is w.current_page
    chat = w.page("chat")  # asked for (the wizard, tests): built without being shown
    assert chat is not None and not isinstance(chat, PlaceholderPage) and not chat.is_loaded
    assert w.page("chat") is chat
    assert w.page("nonesuch") is None


def test_a_page_built_after_a_language_switch_is_translated(
    make_studio: Callable[..., app_module.Studio],
) -> None:
    studio = make_studio()
    w = studio.window
    w.set_language("zh_CN")
    assert w.page("setup", build=False) is None
    w.show_page("setup")
    setup = w.page("setup", build=False)
    assert setup is not None
    assert CJK.search(setup.heading.text()), setup.heading.text()  # type: ignore[attr-defined]
    w.set_language("en")
    assert setup.heading.text() == "Set up llama.cpp on the board"  # type: ignore[attr-defined]


def test_a_broken_page_module_shows_the_placeholder_unless_strict(qtbot: QtBot) -> None:
    broken = PageInfo("broken", "Broken", 70, "app", module="no_such_page_module")
    assert issubclass(broken.load_class(), PlaceholderPage)  # logged, not raised
    with pytest.raises(ModuleNotFoundError):
        broken.load_class(strict=True)


@pytest.fixture
def rig_board(rig_sshd: rig.RigSshd, rig_account: rig.RigAccount, tmp_known_hosts: Path) -> Iterator[Board]:
    board = rig.connect(rig_account, rig_sshd.port, tmp_known_hosts)
    try:
        yield board
    finally:
        board.close()


def test_the_server_page_is_built_when_a_board_connects_and_finds_its_server(
    make_studio: Callable[..., app_module.Studio], qrun: Callable[[Any], Any], rig_board: Board
) -> None:
    """The status bar and the Chat page learn of a running server from the Server page: it must look as soon
    as a board connects, although nobody opened it."""
    studio = make_studio()
    w = studio.window
    assert w.page("server", build=False) is None and studio.state.server is ServerState.UNKNOWN

    async def scenario() -> None:
        studio.state.set_connection(ConnectionState.CONNECTED, rig_board)
        assert w.page("server", build=False) is not None
        await until(
            lambda: studio.state.server in (ServerState.STOPPED, ServerState.RUNNING, ServerState.FAILED),
            timeout=60,
            what="the server page's look at the board",
        )

    qrun(scenario())
    assert "Server: unknown" not in w.server_label.text()
    # Pages built after the connection see it at once.
    setup = w.page("setup")
    assert setup is not None and setup.start_button.isEnabled()  # type: ignore[attr-defined]
    studio.state.set_connection(ConnectionState.DISCONNECTED)
    qrun(until(lambda: studio.state.server is ServerState.UNKNOWN, what="server state forgotten"))
