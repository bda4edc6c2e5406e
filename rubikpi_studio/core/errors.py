"""Typed failures. `code` is a stable identifier that front ends translate and explain.

Messages never contain secrets: no password, passphrase, token or API key is ever formatted into one.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .ssh import Result


class StudioError(Exception):
    code = "E_STUDIO"
    exit_code = 1

    def __init__(self, message: str = "", *, hint: str = "", **data: Any) -> None:
        # A more specific stable code (e.g. E_NO_SPACE for a RemoteFailed) may be given per instance.
        code = data.pop("code", None)
        if isinstance(code, str) and code.startswith("E_"):
            self.code = code
        super().__init__(message or self.__class__.__doc__ or self.code)
        self.message = message or (self.__class__.__doc__ or self.code).strip()
        self.hint = hint
        self.data = data

    def __str__(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message


class UsageError(StudioError):
    """The request is not valid."""

    code = "E_USAGE"
    exit_code = 2


class Unreachable(StudioError):
    """The board cannot be reached."""

    code = "E_UNREACHABLE"
    exit_code = 3

    def __init__(self, message: str = "", *, reason: str = "", hint: str = "", **data: Any) -> None:
        # reason: refused | timeout | name | not_ssh | dropped | stalled | network
        super().__init__(message, hint=hint, reason=reason, **data)
        self.reason = reason


class AuthFailed(StudioError):
    """The board refused the login."""

    code = "E_AUTH"
    exit_code = 3

    def __init__(self, message: str = "", *, reason: str = "", hint: str = "", **data: Any) -> None:
        # reason: password | key | passphrase_needed | passphrase | no_method | password_needed
        super().__init__(message, hint=hint, reason=reason, **data)
        self.reason = reason


class PasswordExpired(StudioError):
    """The board requires the password to be changed before it runs any command."""

    code = "E_PASSWORD_EXPIRED"
    exit_code = 3


class HostKeyUnknown(StudioError):
    """The board's host key is not known yet."""

    code = "E_HOSTKEY_UNKNOWN"
    exit_code = 4


class HostKeyMismatch(StudioError):
    """The board's host key changed since it was pinned."""

    code = "E_HOSTKEY_CHANGED"
    exit_code = 4


class SudoFailed(StudioError):
    """sudo refused the password."""

    code = "E_SUDO"
    exit_code = 1

    def __init__(self, message: str = "", *, reason: str = "", hint: str = "", **data: Any) -> None:
        # reason: needed (a password is required and none was given) | password (refused)
        super().__init__(message, hint=hint, reason=reason, **data)
        self.reason = reason


class RemoteFailed(StudioError):
    """A command on the board failed."""

    code = "E_REMOTE"
    exit_code = 1

    def __init__(self, message: str = "", *, result: Result | None = None, hint: str = "", **data: Any):
        super().__init__(message, hint=hint, **data)
        self.result = result


class Cancelled(StudioError):
    """Cancelled."""

    code = "E_CANCELLED"
    exit_code = 130


class NoSpace(StudioError):
    """Not enough free disk space."""

    code = "E_NO_SPACE"
    exit_code = 1


class TransferFailed(StudioError):
    """A transfer failed."""

    code = "E_TRANSFER"
    exit_code = 1


@contextlib.contextmanager
def link_errors_typed() -> Iterator[None]:
    """Turn a link that drops inside any board call into `Unreachable(reason="dropped")`.

    Core operations raise typed errors for what they expect, but a connection that drops in the middle of a
    raw SFTP read surfaces from deep inside paramiko. Front ends run board calls inside this, so the user
    reads "the connection dropped" instead of a traceback. paramiko is not imported here: the GUI runs every
    worker-thread call inside this, also before any board is connected, and must not pay for paramiko then.
    """
    try:
        yield
    except Exception as exc:
        if not _is_link_drop(exc):
            raise
        raise Unreachable(
            f"The connection to the board dropped ({exc or type(exc).__name__}).", reason="dropped"
        ) from exc


def _is_link_drop(exc: BaseException) -> bool:
    if isinstance(exc, EOFError | ConnectionError):
        return True
    paramiko = sys.modules.get("paramiko")  # an SSHException can only come from an imported paramiko
    return paramiko is not None and isinstance(exc, paramiko.SSHException)
