"""Languages: choosing one, installing Qt translators, and the translated text of typed errors.

Every user-visible string goes through `QCoreApplication.translate("<Context>", "<English>")` with literal
arguments (that is what `pyside6-lupdate` extracts; an alias such as `_tr = QCoreApplication.translate` is not
seen). `tools/i18n.py` regenerates `resources/i18n/rubikpi_studio_zh_CN.ts` and compiles the `.qm` beside it.

Errors: the core raises `StudioError` subclasses whose `code` is stable; `ERROR_MESSAGES` maps a code (or
`code:reason`) to an English sentence marked for translation, and `error_text()` returns it translated. The
error's own `message` is English detail for the log and is shown only under the translated sentence.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QLibraryInfo,
    QLocale,
    QObject,
    QTranslator,
    Signal,
)

from rubikpi_studio.core.errors import StudioError

log = logging.getLogger(__name__)


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # the name lupdate looks for
    """Mark `text` for extraction under `context` without translating it (yet). Typed, unlike PySide6's."""
    return text


SOURCE_LANGUAGE = "en"
# Each language is named in itself, so a user can find theirs whatever language the UI is in.
LANGUAGES: dict[str, str] = {"en": "English", "zh_CN": "简体中文"}
CATALOGUE = "rubikpi_studio"

ERROR_CONTEXT = "errors"
ERROR_MESSAGES: dict[str, str] = {
    "E_STUDIO": QT_TRANSLATE_NOOP("errors", "Something went wrong."),
    "E_USAGE": QT_TRANSLATE_NOOP("errors", "The request is not valid."),
    "E_UNREACHABLE": QT_TRANSLATE_NOOP("errors", "The board cannot be reached."),
    "E_UNREACHABLE:refused": QT_TRANSLATE_NOOP(
        "errors", "The board refused the connection. Check that SSH runs on it and that the port is right."
    ),
    "E_UNREACHABLE:timeout": QT_TRANSLATE_NOOP(
        "errors", "The board did not answer in time. Check that it is powered on and on the same network."
    ),
    "E_UNREACHABLE:name": QT_TRANSLATE_NOOP(
        "errors", "The board's name could not be found. Try its IP address instead."
    ),
    "E_UNREACHABLE:not_ssh": QT_TRANSLATE_NOOP(
        "errors", "Something answered on that port, but it is not an SSH server."
    ),
    "E_UNREACHABLE:dropped": QT_TRANSLATE_NOOP("errors", "The connection to the board was lost."),
    "E_UNREACHABLE:network": QT_TRANSLATE_NOOP("errors", "The network is unreachable."),
    "E_AUTH": QT_TRANSLATE_NOOP("errors", "The board refused the login."),
    "E_AUTH:password": QT_TRANSLATE_NOOP("errors", "Wrong user name or password."),
    "E_AUTH:key": QT_TRANSLATE_NOOP("errors", "The board did not accept the key."),
    "E_AUTH:passphrase_needed": QT_TRANSLATE_NOOP(
        "errors", "The key is protected by a passphrase. Enter it."
    ),
    "E_AUTH:passphrase": QT_TRANSLATE_NOOP("errors", "Wrong passphrase for the key."),
    "E_AUTH:no_method": QT_TRANSLATE_NOOP("errors", "The board offers no login method the app can use."),
    "E_AUTH:password_needed": QT_TRANSLATE_NOOP("errors", "Enter the password to sign in."),
    "E_PASSWORD_EXPIRED": QT_TRANSLATE_NOOP(
        "errors", "The board requires a new password before it runs any command."
    ),
    "E_HOSTKEY_UNKNOWN": QT_TRANSLATE_NOOP("errors", "The board's identity (its host key) is not known yet."),
    "E_HOSTKEY_CHANGED": QT_TRANSLATE_NOOP(
        "errors",
        "The board's identity (its host key) changed since the last connection. The board may have been "
        "reinstalled, or someone may be intercepting the connection. The app will not connect.",
    ),
    "E_SUDO": QT_TRANSLATE_NOOP("errors", "sudo refused the password."),
    "E_REMOTE": QT_TRANSLATE_NOOP("errors", "A command on the board failed."),
    "E_CANCELLED": QT_TRANSLATE_NOOP("errors", "Cancelled."),
    "E_NO_SPACE": QT_TRANSLATE_NOOP("errors", "There is not enough free disk space."),
    "E_TRANSFER": QT_TRANSLATE_NOOP("errors", "A file transfer failed."),
}


def error_text(code: str, reason: str = "", fallback: str = "") -> str:
    """The translated sentence for an error code (most specific first), else `fallback`."""
    for key in (f"{code}:{reason}" if reason else "", code):
        if key and key in ERROR_MESSAGES:
            return QCoreApplication.translate(ERROR_CONTEXT, ERROR_MESSAGES[key])
    return fallback or QCoreApplication.translate(ERROR_CONTEXT, ERROR_MESSAGES["E_STUDIO"])


def describe_error(exc: StudioError) -> tuple[str, str]:
    """(translated sentence, English detail) for a typed error. The detail may be empty."""
    reason = str(getattr(exc, "reason", "") or "")
    text = error_text(exc.code, reason, fallback=exc.message)
    detail = str(exc)
    return text, ("" if detail == text else detail)


def system_language(locale: QLocale | None = None) -> str:
    """The supported language closest to the system locale: any Chinese reads Simplified, else English."""
    loc = locale or QLocale.system()
    if loc.language() == QLocale.Language.Chinese:
        return "zh_CN"
    return SOURCE_LANGUAGE


def resolve_language(override: str | None, setting: str, locale: QLocale | None = None) -> str:
    """Command-line override, else the saved setting, else the system's language."""
    for choice in (override, setting):
        if choice and choice in LANGUAGES:
            return choice
    return system_language(locale)


_installed: list[QTranslator] = []


class Translations(QObject):
    """Installs the app's and Qt's translators for one language at a time.

    Installing a translator makes Qt send `LanguageChange` to every widget; widgets re-set their texts in
    `changeEvent` (see `pages.base.Page.retranslate`).
    """

    language_changed = Signal(str)

    def __init__(self, directory: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.directory = directory
        self.language = SOURCE_LANGUAGE

    def catalogue_path(self, language: str) -> Path:
        return self.directory / f"{CATALOGUE}_{language}.qm"

    def apply(self, language: str) -> bool:
        """Switch to `language`. False when its catalogue is missing (the UI then stays in English)."""
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}")
        app = QCoreApplication.instance()
        assert app is not None, "create the QApplication first"
        # Translators are global to the application, so the ones to replace may come from another instance.
        for translator in _installed:
            app.removeTranslator(translator)
        _installed.clear()
        ok = True
        if language != SOURCE_LANGUAGE:
            ours = QTranslator(app)
            if ours.load(str(self.catalogue_path(language))):
                _installed.append(ours)
            else:
                log.warning("translation catalogue missing: %s", self.catalogue_path(language))
                ok = False
            # Qt's own strings (standard buttons, About Qt, context menus of text fields).
            qt = QTranslator(app)
            qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
            if qt.load(f"qtbase_{language}", qt_dir):
                _installed.append(qt)
        for translator in _installed:
            app.installTranslator(translator)
        QLocale.setDefault(QLocale(language))
        # Qt posts LanguageChange to every window; deliver it now so the switch is complete on return.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LanguageChange)
        new = language if ok else SOURCE_LANGUAGE
        changed, self.language = new != self.language, new
        if changed:
            self.language_changed.emit(self.language)
        return ok
