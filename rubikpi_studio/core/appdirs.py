"""Where the app keeps its files, without Qt (the GUI may point these at QStandardPaths instead).

`RUBIKPI_STUDIO_HOME` overrides everything (tests and portable installs use it).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "rubikpi-studio"


def data_dir() -> Path:
    override = os.environ.get("RUBIKPI_STUDIO_HOME")
    if override:
        path = Path(override)
    elif sys.platform == "win32":
        path = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "RUBIK Pi Studio"
    elif sys.platform == "darwin":
        path = Path.home() / "Library" / "Application Support" / "RUBIK Pi Studio"
    else:
        path = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / APP
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
