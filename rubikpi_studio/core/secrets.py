"""Secrets in the OS keyring, never in files or logs.

Keyring calls can block forever (a locked keyring with a desktop shows an unlock prompt), so each call runs
in a helper thread with a timeout. With no keyring backend the app asks each time and says why.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)

SERVICE = "RUBIK Pi Studio"
TIMEOUT = 10.0
_T = TypeVar("_T")
_pool: ThreadPoolExecutor | None = None  # made on first use (concurrent.futures is not needed to start)
_pool_lock = threading.Lock()


class KeyringUnavailable(Exception):
    """No usable keyring: the app asks for the secret each time instead."""


def _call(fn: Callable[[], _T]) -> _T:
    global _pool
    import concurrent.futures

    with _pool_lock:
        if _pool is None:
            _pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="keyring")
    try:
        return _pool.submit(fn).result(timeout=TIMEOUT)
    except concurrent.futures.TimeoutError:
        raise KeyringUnavailable("The system keyring did not answer (is it locked?).") from None


def status() -> tuple[bool, str]:
    """(usable, why not). Usable means a real backend, not the 'fail' or plaintext ones."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return False, "The keyring package is not installed."
    try:
        backend = _call(keyring.get_keyring)
    except KeyringUnavailable as exc:
        return False, str(exc)
    if isinstance(backend, fail.Keyring):
        return (
            False,
            "No system keyring is available (on Linux: install and unlock GNOME Keyring or KWallet).",
        )
    name = type(backend).__module__
    if "plaintext" in name.lower() or ("file" in name.lower() and "keyrings.alt" in name):
        return False, "Only a plain-text keyring is available; passwords are not stored."
    return True, ""


def account(kind: str, ident: str) -> str:
    """Keyring user name for a secret: e.g. ('password', 'ubuntu@192.168.1.5:22')."""
    return f"{kind}:{ident}"


def get(kind: str, ident: str) -> str | None:
    import keyring
    import keyring.errors

    try:
        return _call(lambda: keyring.get_password(SERVICE, account(kind, ident)))
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(str(exc)) from None


def put(kind: str, ident: str, secret: str) -> None:
    import keyring
    import keyring.errors

    try:
        _call(lambda: keyring.set_password(SERVICE, account(kind, ident), secret))
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(str(exc)) from None


def delete(kind: str, ident: str) -> None:
    import keyring
    import keyring.errors

    try:
        _call(lambda: keyring.delete_password(SERVICE, account(kind, ident)))
    except keyring.errors.PasswordDeleteError:
        pass
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(str(exc)) from None
