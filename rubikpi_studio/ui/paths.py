"""Where the GUI finds its bundled files and keeps its own.

One layout for the GUI and the Qt-free core/CLI: data (known hosts, keys, boards, history) and logs come from
`rubikpi_studio.core.appdirs`, which honours `RUBIKPI_STUDIO_HOME` (tests and portable installs set it), so
the CLI and the GUI share one known_hosts and one log folder. The GUI adds a config folder for its settings
and a cache folder: from `QStandardPaths`, or inside `RUBIKPI_STUDIO_HOME` when that is set.

Bundled files (`remote/` scripts, `resources/`) sit at the repository root in a source tree and under
`sys._MEIPASS` in a PyInstaller bundle (`core.appdirs` resolves both).

`dirs_from_env` and `AppDirs` import no Qt; Qt is imported only by `app_dirs()` when no override is set.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rubikpi_studio.core import appdirs

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
    """Everything under `$RUBIKPI_STUDIO_HOME` (the core's layout), or None when it is not set."""
    env = os.environ if environ is None else environ
    home = env.get(ENV_HOME, "").strip()
    if not home:
        return None
    root = Path(home).expanduser()
    # Same names as core.appdirs: data is the root itself, logs in "logs".
    return AppDirs(data=root, config=root, cache=root / "cache", log=root / "logs")


def app_dirs(environ: Mapping[str, str] | None = None) -> AppDirs:
    """The app's folders (not created): the env override, else the core's data/log folders plus the
    platform's standard config and cache locations."""
    override = dirs_from_env(environ)
    if override is not None:
        return override
    from PySide6.QtCore import QCoreApplication, QStandardPaths

    # QStandardPaths builds per-app folders from these names; set them even before a QApplication exists.
    if QCoreApplication.applicationName() != APP_NAME:
        QCoreApplication.setApplicationName(APP_NAME)
    if not QCoreApplication.organizationName():
        QCoreApplication.setOrganizationName(ORG_NAME)
    loc = QStandardPaths.StandardLocation
    return AppDirs(
        data=appdirs.data_dir(),
        config=Path(QStandardPaths.writableLocation(loc.AppConfigLocation)),
        cache=Path(QStandardPaths.writableLocation(loc.CacheLocation)),
        log=appdirs.log_dir(),
    )


def bundle_root() -> Path:
    """The folder holding `remote/` and `resources/`: the PyInstaller bundle, else the repository root."""
    return appdirs.remote_dir().parent


def remote_dir() -> Path:
    """The bash scripts pushed to the board."""
    return appdirs.remote_dir()


def resources_dir() -> Path:
    """Icons, translations and other data files."""
    return appdirs.resources_dir()


def i18n_dir() -> Path:
    return resources_dir() / "i18n"


def icons_dir() -> Path:
    return resources_dir() / "icons"
