"""The GUI's settings, declared once with type, default and description, stored with `QSettings`.

Settings live in an INI file in the app's config folder (not the registry or a plist), so a test or a
portable install that sets `RUBIKPI_STUDIO_HOME` never touches the user's real settings. Secrets never go
here: passwords and API keys belong in the OS keyring.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from PySide6.QtCore import QByteArray, QSettings

T = TypeVar("T", str, int, bool, float, QByteArray)


@dataclass(frozen=True)
class Setting(Generic[T]):
    key: str
    type: type[T]
    default: T
    description: str


LANGUAGE = Setting("ui/language", str, "", "Interface language: '' follows the system, else 'en' or 'zh_CN'.")
GEOMETRY = Setting("ui/geometry", QByteArray, QByteArray(), "Main window geometry (saveGeometry).")
LAST_PAGE = Setting("ui/last_page", str, "board", "The page shown when the app starts.")
MONITOR_SHOWN = Setting(
    "ui/monitor_shown", bool, False, "The board monitor panel is open (View ▸ Board monitor), on every page."
)
THEME = Setting(
    "ui/theme", str, "system", "Colour scheme: 'system' follows the system, else 'light' or 'dark'."
)
HF_ENDPOINT = Setting(
    "models/hf_endpoint",
    str,
    "https://huggingface.co",
    "Where models are downloaded from: Hugging Face or a mirror with the same layout (hf-mirror.com).",
)
SERVER_PORT = Setting("server/port", int, 9876, "The port llama-server listens on, on the board's loopback.")
SHOW_WIZARD = Setting(
    "wizard/show_at_start", bool, True, "Open the setup wizard at start-up (until it is done)."
)
WIZARD_PAGE = Setting("wizard/page", str, "", "The wizard page to resume on ('' = the first).")

ALL: tuple[Setting[str] | Setting[QByteArray] | Setting[int] | Setting[bool], ...] = (
    LANGUAGE,
    GEOMETRY,
    LAST_PAGE,
    MONITOR_SHOWN,
    THEME,
    HF_ENDPOINT,
    SERVER_PORT,
    SHOW_WIZARD,
    WIZARD_PAGE,
)


class Settings:
    """Typed access to the settings file. Pass one instance to whoever needs it."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._qs = QSettings(str(path), QSettings.Format.IniFormat)

    def get(self, setting: Setting[T]) -> T:
        value = self._qs.value(setting.key, setting.default)
        if value is None:
            return setting.default
        if isinstance(value, setting.type):
            return value
        # INI files hand back strings for everything that is not a QVariant blob.
        if setting.type is bool:
            return str(value).strip().lower() in ("1", "true", "yes", "on")  # type: ignore[return-value]
        try:
            converted: T = setting.type(value)  # type: ignore[call-overload,arg-type]
            return converted
        except (TypeError, ValueError):
            return setting.default

    def set(self, setting: Setting[T], value: T) -> None:
        self._qs.setValue(setting.key, value)

    def sync(self) -> None:
        self._qs.sync()
