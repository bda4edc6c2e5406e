"""Where the app keeps its files, without Qt: the same folder as the GUI's `QStandardPaths` AppDataLocation.

Data (known hosts, keys, boards, chat and benchmark history) and logs (`logs/` inside it) live in one folder,
shared by the GUI and the Qt-free CLI. The GUI hands `QStandardPaths.writableLocation(AppDataLocation)` to
`use_data_dir()` at start-up; without Qt, `standard_data_dir()` computes the same folder with Qt's formula
(Qt appends the organization and application names; the app sets no organization name):

    Linux/BSD  $XDG_DATA_HOME/RUBIK Pi Studio (when absolute; else ~/.local/share/RUBIK Pi Studio)
    Windows    %APPDATA%/RUBIK Pi Studio (FOLDERID_RoamingAppData)
    macOS      ~/Library/Application Support/RUBIK Pi Studio

tests/gui/test_data_dirs.py checks the formula against QStandardPaths on the platform it runs on.
`RUBIKPI_STUDIO_HOME` overrides everything (tests and portable installs use it).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger(__name__)

APP = "rubikpi-studio"
APP_NAME = "RUBIK Pi Studio"  # QCoreApplication.applicationName(): the folder QStandardPaths uses
ORG_NAME = ""  # QCoreApplication.organizationName(): none, so the folder is not "RUBIK Pi Studio" twice

_given: Path | None = None  # from QStandardPaths, set by the GUI


def standard_data_dir(
    environ: Mapping[str, str] | None = None, platform: str | None = None, home: Path | None = None
) -> Path:
    """QStandardPaths.writableLocation(AppDataLocation) for this app, computed without Qt."""
    env = os.environ if environ is None else environ
    platform = platform or sys.platform
    home = home or Path.home()
    if platform == "win32":
        base = Path(env.get("APPDATA") or home / "AppData" / "Roaming")
    elif platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        xdg = env.get("XDG_DATA_HOME", "")
        base = (
            Path(xdg) if xdg and os.path.isabs(xdg) else home / ".local" / "share"
        )  # Qt ignores a relative one
    return base.joinpath(*(n for n in (ORG_NAME, APP_NAME) if n))


def legacy_data_dir(environ: Mapping[str, str] | None = None, platform: str | None = None) -> Path | None:
    """Where versions before QStandardPaths kept data on Linux (Windows and macOS used today's folder)."""
    env = os.environ if environ is None else environ
    if (platform or sys.platform) in ("win32", "darwin"):
        return None
    xdg = env.get("XDG_DATA_HOME", "")
    return (Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "share") / APP


def use_data_dir(path: Path | None) -> None:
    """The GUI passes QStandardPaths' AppDataLocation here; None goes back to the computed one."""
    global _given
    _given = path


def _adopt_legacy(path: Path) -> None:
    old = legacy_data_dir()
    if old is None or path.exists() or not old.is_dir():
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(old, path)
        log.info("moved the app's data from %s to %s", old, path)
    except OSError as exc:  # another file system or a race: start afresh, the old folder stays
        log.warning("could not move the app's data from %s to %s: %s", old, path, exc)


def data_dir() -> Path:
    override = os.environ.get("RUBIKPI_STUDIO_HOME")
    if override:
        path = Path(override)
    else:
        path = _given or standard_data_dir()
        _adopt_legacy(path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def known_hosts_path() -> Path:
    return data_dir() / "known_hosts"


def keys_dir() -> Path:
    path = data_dir() / "keys"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def log_dir() -> Path:
    path = data_dir() / "logs"
    path.mkdir(exist_ok=True)
    return path


def _bundle_root() -> Path:
    """The folder holding `remote/` and `resources/`: the repo root, or a PyInstaller bundle's root."""
    meipass = getattr(sys, "_MEIPASS", None)
    if meipass:
        return Path(meipass)
    return Path(__file__).resolve().parents[2]


def remote_dir() -> Path:
    return _bundle_root() / "remote"


def resources_dir() -> Path:
    return _bundle_root() / "resources"
