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
    "E_UNREACHABLE:stalled": QT_TRANSLATE_NOOP(
        "errors",
        "The board stopped answering: the connection stalled. Work running on the board goes on; try again "
        "when the board answers.",
    ),
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
    "E_JOB_KILLED": QT_TRANSLATE_NOOP(
        "errors",
        "The work was stopped on the board before it finished (its processes were killed, or the board "
        "restarted). Run it again to continue from where it stopped.",
    ),
    "E_CANCELLED": QT_TRANSLATE_NOOP("errors", "Cancelled."),
    "E_NO_SPACE": QT_TRANSLATE_NOOP("errors", "There is not enough free disk space."),
    "E_TRANSFER": QT_TRANSLATE_NOOP("errors", "A file transfer failed."),
    "E_NOT_FOUND": QT_TRANSLATE_NOOP(
        "errors", "The file or repository was not found. Check the link, the file name and the branch."
    ),
    "E_CHECKSUM": QT_TRANSLATE_NOOP(
        "errors", "The file's sha256 is not the expected one, so it was not kept. Download it again."
    ),
    "E_SIZE": QT_TRANSLATE_NOOP(
        "errors",
        "The downloaded file does not have the announced size, so it was removed. Download it again.",
    ),
    "E_NOT_GGUF": QT_TRANSLATE_NOOP(
        "errors", "The file is not a GGUF model. Choose a .gguf file made for llama.cpp."
    ),
    "E_NOT_GGUF:truncated": QT_TRANSLATE_NOOP(
        "errors", "The GGUF file is incomplete. Download or copy it again."
    ),
    "E_NOT_GGUF:version": QT_TRANSLATE_NOOP(
        "errors", "This GGUF version is not supported. Get a newer copy of the model."
    ),
    "E_HF_AUTH": QT_TRANSLATE_NOOP(
        "errors",
        "Hugging Face refused the download: the model is gated or private. Request access on its page, then "
        "enter an access token on the Models page.",
    ),
    "E_DOWNLOAD": QT_TRANSLATE_NOOP(
        "errors",
        "The download failed. Check the board's network connection and try again; the part already "
        "downloaded is kept.",
    ),
    "E_QUANTIZE": QT_TRANSLATE_NOOP(
        "errors", "Quantization failed. See the log for llama-quantize's message."
    ),
    "E_REQUANTIZE": QT_TRANSLATE_NOOP(
        "errors", "The model is already quantized. Requantizing loses quality; confirm to do it anyway."
    ),
    "E_PROJECTOR": QT_TRANSLATE_NOOP(
        "errors", "Vision projectors (mmproj) cannot be quantized; they stay f16."
    ),
    "E_NO_LLAMA": QT_TRANSLATE_NOOP(
        "errors", "llama.cpp is not installed on the board. Run the setup on the Setup page first."
    ),
    "E_IN_USE": QT_TRANSLATE_NOOP("errors", "The model is being served. Stop the server first."),
    "E_EXISTS": QT_TRANSLATE_NOOP(
        "errors", "A model with that name is already on the board. Delete or rename it first."
    ),
    "E_MODEL_REF": QT_TRANSLATE_NOOP(
        "errors",
        "This is not a model link the app understands. Paste a Hugging Face link or owner/repo/file.gguf.",
    ),
    "E_CATALOGUE": QT_TRANSLATE_NOOP(
        "errors", "The app's model catalogue could not be read. Reinstall the app."
    ),
    "E_NO_MODEL": QT_TRANSLATE_NOOP("errors", "The model file is not on the board. Choose another model."),
    "E_SERVER_START": QT_TRANSLATE_NOOP("errors", "The model server could not be started."),
    "E_SERVER_FLAGS": QT_TRANSLATE_NOOP("errors", "The extra flags are not valid. Correct or remove them."),
    "E_PORT_TAKEN": QT_TRANSLATE_NOOP(
        "errors", "The port is already in use on the board. Choose another port or stop the program using it."
    ),
    "E_NO_MEMORY": QT_TRANSLATE_NOOP(
        "errors",
        "The model and its context do not fit in the board's free memory. Choose a smaller model or a "
        "shorter context, or close other programs.",
    ),
    "E_MODEL_MISSING": QT_TRANSLATE_NOOP(
        "errors", "The model file is missing on the board or is not a usable GGUF file. Choose another model."
    ),
    "E_NO_LLAMA_SERVER": QT_TRANSLATE_NOOP(
        "errors", "llama-server is not installed on the board. Run the setup on the Setup page first."
    ),
    "E_SERVER_RUNNING": QT_TRANSLATE_NOOP(
        "errors", "A model server is already running on the board. Stop it first."
    ),
    "E_SERVER_FAILED": QT_TRANSLATE_NOOP(
        "errors", "The model server stopped and was not restarted. See the server log."
    ),
    "E_SERVER_LOAD": QT_TRANSLATE_NOOP(
        "errors",
        "llama-server stopped while loading the model. See the server log; a smaller model or context may "
        "help.",
    ),
    "E_SERVER_CRASHLOOP": QT_TRANSLATE_NOOP(
        "errors", "llama-server kept stopping, so it is no longer restarted. See the server log."
    ),
    "E_NO_SYSTEMD": QT_TRANSLATE_NOOP(
        "errors",
        "The board does not run systemd, so the server cannot start at boot. Start it from the app instead.",
    ),
    "E_NO_GPU": QT_TRANSLATE_NOOP("errors", "The GPU cannot be used, so the model runs on the CPU."),
    "E_CHAT": QT_TRANSLATE_NOOP("errors", "The chat with the model failed."),
    "E_SERVER_UNREACHABLE": QT_TRANSLATE_NOOP(
        "errors", "The model server cannot be reached. Check that it runs on the Server page."
    ),
    "E_API_KEY": QT_TRANSLATE_NOOP("errors", "The model server refused the API key. Check the key."),
    "E_API_KEY:missing": QT_TRANSLATE_NOOP("errors", "The model server needs an API key. Enter it."),
    "E_SERVER_LOADING": QT_TRANSLATE_NOOP(
        "errors", "The model server is still loading the model. Try again in a moment."
    ),
    "E_SERVER": QT_TRANSLATE_NOOP("errors", "The model server answered with an error. See the server log."),
    "E_CONTEXT_FULL": QT_TRANSLATE_NOOP(
        "errors",
        "The conversation is too long for the model's context. Start a new one or use a longer context.",
    ),
    "E_NO_VISION": QT_TRANSLATE_NOOP(
        "errors", "The served model does not take images. Serve a model with a vision projector."
    ),
    "E_STREAM_INTERRUPTED": QT_TRANSLATE_NOOP(
        "errors", "The answer was interrupted. What arrived is kept; ask the model to continue."
    ),
    "E_STREAM_PROTOCOL": QT_TRANSLATE_NOOP(
        "errors", "The model server sent something unexpected. Try again, or restart the server."
    ),
    "E_IMAGE_FORMAT": QT_TRANSLATE_NOOP(
        "errors", "This file is not an image the model can take. Use a PNG, JPEG, GIF, BMP or WebP image."
    ),
    "E_STORE": QT_TRANSLATE_NOOP(
        "errors", "The chat history could not be read or saved. Check the free disk space on this computer."
    ),
    "E_NO_LLAMA_BENCH": QT_TRANSLATE_NOOP(
        "errors", "llama-bench is not installed on the board. Run the setup on the Setup page first."
    ),
    "E_BENCH_FAILED": QT_TRANSLATE_NOOP("errors", "The benchmark produced no results. See the log."),
    "E_SETUP": QT_TRANSLATE_NOOP("errors", "The setup stopped. See the log for the failed step."),
    "E_SUDO:needed": QT_TRANSLATE_NOOP(
        "errors", "This step needs root. Enter the board account's password for sudo."
    ),
    "E_TIMEOUT": QT_TRANSLATE_NOOP(
        "errors",
        "A command on the board did not finish in time. Check that the board is not overloaded and try "
        "again.",
    ),
    "E_SCRIPT_CHANGED": QT_TRANSLATE_NOOP(
        "errors",
        "A script on the board does not match the app's copy, so it was not run. Try again; the app sends "
        "it anew.",
    ),
    "E_CLOCK": QT_TRANSLATE_NOOP(
        "errors",
        "The board's clock is wrong, so downloads would fail. Set the date on the board (sudo timedatectl "
        "set-ntp true) and try again.",
    ),
    "E_APT": QT_TRANSLATE_NOOP(
        "errors",
        "Installing the required packages failed. See the log; 'sudo apt --fix-broken install' on the board "
        "may help.",
    ),
    "E_SOURCE_UNREACHABLE": QT_TRANSLATE_NOOP(
        "errors",
        "The board cannot reach the llama.cpp source. Check the board's network, DNS, proxy and clock.",
    ),
    "E_BAD_REF": QT_TRANSLATE_NOOP(
        "errors", "That llama.cpp version (commit or tag) does not exist. Check it, or leave the field empty."
    ),
    "E_SOURCE": QT_TRANSLATE_NOOP(
        "errors",
        "The llama.cpp source folder on the board cannot be used. See the log; move the folder away and try "
        "again.",
    ),
    "E_OPENCL_MISSING": QT_TRANSLATE_NOOP(
        "errors", "The OpenCL headers or loader are missing on the board. Run the whole setup again."
    ),
    "E_CONFIGURE": QT_TRANSLATE_NOOP("errors", "CMake could not configure llama.cpp. See the log."),
    "E_BUILD": QT_TRANSLATE_NOOP("errors", "Building failed. See the log for the first error."),
    "E_NO_PREVIOUS": QT_TRANSLATE_NOOP("errors", "There is no previous llama.cpp build to go back to."),
    "E_NOT_BUILT": QT_TRANSLATE_NOOP(
        "errors", "llama.cpp has not been built on the board yet. Run the setup."
    ),
    "E_VERIFY": QT_TRANSLATE_NOOP("errors", "The new llama.cpp build does not run. See the log."),
    "E_MODEL": QT_TRANSLATE_NOOP("errors", "The test model cannot be read on the board."),
    "E_SMOKE": QT_TRANSLATE_NOOP("errors", "The new llama.cpp build could not generate text. See the log."),
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
