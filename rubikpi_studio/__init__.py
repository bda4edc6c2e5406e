"""RUBIK Pi Studio: a desktop companion for the RUBIK Pi 3 board."""

import os as _os
import sys as _sys

_DIST_INFO = ("rubikpi_studio-", ".dist-info")


def _installed_version() -> str:
    """The installed distribution's version, as `importlib.metadata.version` gives it.

    importlib.metadata costs ~30 ms of imports (email, zipfile, csv) on every start of the GUI. The version
    is also in the name of the `.dist-info` folder that pip and PyInstaller (`copy_metadata`) put on
    `sys.path`, and the first one there is the one importlib.metadata would read; look for it first.
    """
    prefix, suffix = _DIST_INFO
    for entry in _sys.path:
        try:
            with _os.scandir(entry or ".") as found:
                for item in found:
                    if item.name.startswith(prefix) and item.name.endswith(suffix):
                        return item.name[len(prefix) : -len(suffix)]
        except OSError:  # a missing folder or a zip (base_library.zip)
            continue
    from importlib import metadata

    try:
        return metadata.version("rubikpi-studio")
    except metadata.PackageNotFoundError:  # running from a source tree without installing
        return "0.1.0"


__version__ = _installed_version()
