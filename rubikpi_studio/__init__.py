"""RUBIK Pi Studio: a desktop companion for the RUBIK Pi 3 board."""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("rubikpi-studio")
except _metadata.PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.1.0"
