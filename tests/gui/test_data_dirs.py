"""Data (boards, known hosts, chat history) and logs live in QStandardPaths' AppDataLocation, and the Qt-free
core (the CLI) computes the same folder. Runs without RUBIKPI_STUDIO_HOME, with HOME in a temporary folder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QStandardPaths
from pytestqt.qtbot import QtBot

from rubikpi_studio.core import appdirs
from rubikpi_studio.core.boards import BoardRegistry
from rubikpi_studio.ui import app as app_module
from rubikpi_studio.ui import paths
from rubikpi_studio.ui.pages.chat import HISTORY_FILE, ChatPage

pytestmark = pytest.mark.skipif(
    sys.platform in ("win32", "darwin"), reason="HOME decides the folders on Unix"
)
AppData = QStandardPaths.StandardLocation.AppDataLocation


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.delenv("RUBIKPI_STUDIO_HOME")
    monkeypatch.setattr(appdirs, "_given", None)  # app_dirs() hands the core its folder: undone afterwards
    monkeypatch.setenv("HOME", str(home))
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    return home


def test_gui_and_core_use_the_qstandardpaths_data_folder(
    home: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    dirs = paths.app_dirs()
    qt = Path(QStandardPaths.writableLocation(AppData))
    assert qt == home / ".local" / "share" / "RUBIK Pi Studio"  # not nested twice (no organization name)
    assert dirs.data == qt == appdirs.standard_data_dir()
    assert dirs.log == qt / "logs"
    appdirs.use_data_dir(None)  # the CLI: no Qt told it anything
    assert appdirs.data_dir() == qt and appdirs.known_hosts_path() == qt / "known_hosts"
    assert BoardRegistry().path == qt / "boards.json"

    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    chat = studio.window.page("chat")
    assert isinstance(chat, ChatPage)
    chat.open_store()
    try:
        assert (qt / HISTORY_FILE).is_file()  # the chat history follows the data folder
    finally:
        chat.close_store()
    assert (
        studio.settings.path
        == Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppConfigLocation))
        / "settings.ini"
    )

    # XDG_DATA_HOME moves both the same way; a relative one is ignored by both.
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdg"))
    assert (
        Path(QStandardPaths.writableLocation(AppData))
        == appdirs.standard_data_dir()
        == home / "xdg" / "RUBIK Pi Studio"
    )
    monkeypatch.setenv("XDG_DATA_HOME", "relative/data")
    assert Path(QStandardPaths.writableLocation(AppData)) == appdirs.standard_data_dir() == qt


def test_earlier_folders_are_adopted(home: Path) -> None:
    legacy = home / ".local" / "share" / "rubikpi-studio"  # the core's folder before QStandardPaths (Linux)
    legacy.mkdir(parents=True)
    (legacy / "boards.json").write_text('{"boards": []}')
    qt_config = home / ".config" / "RUBIK Pi Studio"
    (qt_config / "RUBIK Pi Studio").mkdir(parents=True)  # organization + app: the nested settings folder
    (qt_config / "RUBIK Pi Studio" / "settings.ini").write_text("[General]\nlanguage=zh_CN\n")
    dirs = paths.app_dirs()
    assert (dirs.data / "boards.json").read_text() == '{"boards": []}' and not legacy.exists()
    assert dirs.config == qt_config and "zh_CN" in (qt_config / "settings.ini").read_text()


def test_the_formulas_for_windows_and_macos() -> None:
    """Qt's AppDataLocation there (no organization name): FOLDERID_RoamingAppData and Application Support."""
    user = Path("/Users/ann")
    roaming = "C:\\Users\\ann\\AppData\\Roaming"
    assert appdirs.standard_data_dir({"APPDATA": roaming}, "win32", user) == Path(roaming) / "RUBIK Pi Studio"
    assert (
        appdirs.standard_data_dir({}, "darwin", user) == user / "Library/Application Support/RUBIK Pi Studio"
    )
    assert appdirs.legacy_data_dir({}, "win32") is None and appdirs.legacy_data_dir({}, "darwin") is None
