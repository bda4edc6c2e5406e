"""Where the app finds its bundled files and keeps its own.

Bundled files (`remote/` scripts, `resources/`) sit at the repository root in a source tree and under
`sys._MEIPASS` in a PyInstaller bundle. The app's own folders come from `QStandardPaths`, unless the
environment variable `RUBIKPI_STUDIO_HOME` names one folder that holds them all (tests and portable installs
set it).

The env-override half (`dirs_from_env`, `AppDirs`) imports no Qt, so the core or the CLI may reuse it; Qt is
imported only inside `app_dirs()` when no override is set.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ENV_HOME = "RUBIKPI_STUDIO_HOME"
APP_NAME = "RUBIK Pi Studio"
ORG_NAME = "RUBIK Pi Studio"


@dataclass(frozen=True)
class AppDirs:
    """The app's writable folders. `ensure()` creates them."""

    data: Path
    config: Path
    cache: Path
    log: Path

    def ensure(self) -> AppDirs:
        for path in (self.data, self.config, self.cache, self.log):
            path.mkdir(parents=True, exist_ok=True)
        return self


def dirs_from_env(environ: Mapping[str, str] | None = None) -> AppDirs | None:
    """The folders under `$RUBIKPI_STUDIO_HOME`, or None when it is not set."""
    env = os.environ if environ is None else environ
    home = env.get(ENV_HOME, "").strip()
    if not home:
        return None
    root = Path(home).expanduser().resolve()
    return AppDirs(data=root / "data", config=root / "config", cache=root / "cache", log=root / "log")


def app_dirs(environ: Mapping[str, str] | None = None) -> AppDirs:
    """The app's folders: the env override, else the platform's standard locations (not created)."""
    override = dirs_from_env(environ)
    if override is not None:
        return override
    from PySide6.QtCore import QCoreApplication, QStandardPaths

    # QStandardPaths builds per-app folders from these names; set them even before a QApplication exists.
    if not QCoreApplication.applicationName() or QCoreApplication.applicationName() == "python":
        QCoreApplication.setApplicationName(APP_NAME)
    if not QCoreApplication.organizationName():
        QCoreApplication.setOrganizationName(ORG_NAME)
    loc = QStandardPaths.StandardLocation
    data = Path(QStandardPaths.writableLocation(loc.AppDataLocation))
    config = Path(QStandardPaths.writableLocation(loc.AppConfigLocation))
    cache = Path(QStandardPaths.writableLocation(loc.CacheLocation))
    return AppDirs(data=data, config=config, cache=cache, log=data / "logs")


def bundle_root() -> Path:
    """The folder holding `remote/` and `resources/`: the PyInstaller bundle, else the repository root."""
    meipass = getattr(sys, "_MEIPASS", None)
    if meipass:
        return Path(meipass)
    # rubikpi_studio/ui/paths.py -> repository root
    return Path(__file__).resolve().parent.parent.parent


def remote_dir() -> Path:
    """The bash scripts pushed to the board."""
    return bundle_root() / "remote"


def resources_dir() -> Path:
    """Icons, translations and other data files."""
    return bundle_root() / "resources"


def i18n_dir() -> Path:
    return resources_dir() / "i18n"


def icons_dir() -> Path:
    return resources_dir() / "icons"
