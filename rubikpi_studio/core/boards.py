"""Saved boards: where each board is and how to log in — never the password (that lives in the keyring)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

from . import appdirs, secrets

if TYPE_CHECKING:  # imported when first used: the GUI's first window lists boards without the SSH stack
    from .ssh import Board, KnownHosts, Target

log = logging.getLogger(__name__)


@dataclass
class BoardProfile:
    name: str
    host: str
    port: int = 22
    user: str = "ubuntu"
    identity: str = ""  # private key file; empty = password / agent
    remember_password: bool = False  # the password is in the OS keyring
    notes: dict[str, str] = field(default_factory=dict)  # e.g. the last probe's hostname/model

    @property
    def ident(self) -> str:
        """Keyring and known-hosts identity: user@host or user@[host]:port."""
        host = self.host if self.port == 22 else f"[{self.host}]:{self.port}"
        return f"{self.user}@{host}"

    def target(self, password: str | None = None, passphrase: str | None = None) -> Target:
        from .ssh import Target

        return Target(
            host=self.host,
            port=self.port,
            user=self.user,
            identity=self.identity or None,
            password=password,
            passphrase=passphrase,
        )


class BoardRegistry:
    """The boards list, in `boards.json` in the app's data folder. Thread-safe; writes are atomic."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or appdirs.data_dir() / "boards.json"
        self._lock = threading.Lock()
        self.boards: list[BoardProfile] = []
        self.active: str = ""
        self._load()

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable %s: %s", self.path, exc)
            return
        names = {f.name for f in fields(BoardProfile)}
        self.boards = [
            BoardProfile(**{k: v for k, v in b.items() if k in names}) for b in data.get("boards", [])
        ]
        self.active = data.get("active", "")

    def save(self) -> None:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            payload = {"active": self.active, "boards": [asdict(b) for b in self.boards]}
            tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.path)

    def get(self, name: str) -> BoardProfile | None:
        return next((b for b in self.boards if b.name == name), None)

    def upsert(self, profile: BoardProfile, *, make_active: bool = True) -> None:
        self.boards = [b for b in self.boards if b.name != profile.name] + [profile]
        if make_active:
            self.active = profile.name
        self.save()

    def remove(self, name: str) -> None:
        profile = self.get(name)
        if profile is None:
            return
        if profile.remember_password:
            with contextlib.suppress(secrets.KeyringUnavailable):
                secrets.delete("password", profile.ident)
        self.boards = [b for b in self.boards if b.name != name]
        if self.active == name:
            self.active = self.boards[0].name if self.boards else ""
        self.save()

    @property
    def active_profile(self) -> BoardProfile | None:
        return self.get(self.active)


def stored_password(profile: BoardProfile) -> str | None:
    if not profile.remember_password:
        return None
    try:
        return secrets.get("password", profile.ident)
    except secrets.KeyringUnavailable as exc:
        log.info("keyring unavailable: %s", exc)
        return None


def remember_password(profile: BoardProfile, password: str) -> tuple[bool, str]:
    """Keep the password in the keyring. (stored, why not)."""
    usable, why = secrets.status()
    if not usable:
        return False, why
    try:
        secrets.put("password", profile.ident, password)
    except secrets.KeyringUnavailable as exc:
        return False, str(exc)
    return True, ""


def connect_profile(
    profile: BoardProfile,
    *,
    password: str | None = None,
    passphrase: str | None = None,
    accept_new_host_key: bool = False,
    known_hosts: KnownHosts | None = None,
) -> Board:
    """Connect to a saved board; the keyring supplies the password when the user chose to remember it."""
    from .ssh import Board, KnownHosts

    if password is None and not profile.identity:
        password = stored_password(profile)
    return Board.connect(
        profile.target(password, passphrase),
        known_hosts or KnownHosts(appdirs.known_hosts_path()),
        accept_new_host_key=accept_new_host_key,
    )
