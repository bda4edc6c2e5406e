"""Where the GUI finds its bundled files and keeps its own.

One layout for the GUI and the Qt-free core/CLI: data (known hosts, keys, boards, history) and logs live in
`QStandardPaths`' AppDataLocation, which the GUI hands to `rubikpi_studio.core.appdirs` (the CLI computes
the same folder without Qt), so the CLI and the GUI share one known_hosts and one log folder. The GUI adds a
config folder for its settings and a cache folder, also from `QStandardPaths`. `RUBIKPI_STUDIO_HOME`
(tests and portable installs set it) puts everything inside one folder instead.

Bundled files (`remote/` scripts, `resources/`) sit at the repository root in a source tree and under
`sys._MEIPASS` in a PyInstaller bundle (`core.appdirs` resolves both).

`dirs_from_env` and `AppDirs` import no Qt; Qt is imported only by `app_dirs()` when no override is set.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rubikpi_studio.core import appdirs

ENV_HOME = "RUBIKPI_STUDIO_HOME"
APP_NAME = appdirs.APP_NAME
ORG_NAME = appdirs.ORG_NAME  # none: QStandardPaths would otherwise nest "RUBIK Pi Studio" twice
SETTINGS_FILE = "settings.ini"


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
    """The app's folders (not created): the env override, else the platform's standard locations. The data
    folder is handed to the core, so everything there (boards, known hosts, chat history) follows it."""
    override = dirs_from_env(environ)
    if override is not None:
        return override
    from PySide6.QtCore import QCoreApplication, QStandardPaths

    # QStandardPaths builds per-app folders from these names; set them even before a QApplication exists.
    if QCoreApplication.applicationName() != APP_NAME:
        QCoreApplication.setApplicationName(APP_NAME)
    if QCoreApplication.organizationName() != ORG_NAME:
        QCoreApplication.setOrganizationName(ORG_NAME)
    loc = QStandardPaths.StandardLocation
    appdirs.use_data_dir(Path(QStandardPaths.writableLocation(loc.AppDataLocation)))
    config = Path(QStandardPaths.writableLocation(loc.AppConfigLocation))
    _adopt_old_settings(config)
    return AppDirs(
        data=appdirs.data_dir(),
        config=config,
        cache=Path(QStandardPaths.writableLocation(loc.CacheLocation)),
        log=appdirs.log_dir(),
    )


def _adopt_old_settings(config: Path) -> None:
    """Versions that set an organization name (the same as the app's) kept settings one folder deeper."""
    old = config / APP_NAME / SETTINGS_FILE
    new = config / SETTINGS_FILE
    if new.exists() or not old.is_file():
        return
    with contextlib.suppress(OSError):  # else the settings start from their defaults; the old file stays
        os.replace(old, new)


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
