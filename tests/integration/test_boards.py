"""Saved boards and the keyring: passwords live only in the OS keyring, and only when the user asks."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
import rig
from keyring.backends import fail

from rubikpi_studio.core import secrets
from rubikpi_studio.core.boards import BoardProfile, BoardRegistry, connect_profile, remember_password
from rubikpi_studio.core.ssh import KnownHosts


def profile_for(sshd: rig.RigSshd, account: rig.RigAccount, remember: bool) -> BoardProfile:
    return BoardProfile("rig", sshd.host, sshd.port, account.user, remember_password=remember)


def test_remembered_password_is_in_the_keyring_only(
    keyring_backend: object,
    rig_sshd: rig.RigSshd,
    rig_account: rig.RigAccount,
    tmp_known_hosts: Path,
    studio_home: Path,
) -> None:
    profile = profile_for(rig_sshd, rig_account, remember=True)
    registry = BoardRegistry()
    registry.upsert(profile)
    stored, why = remember_password(profile, rig_account.password)
    assert stored, why
    assert keyring.get_password(secrets.SERVICE, f"password:{profile.ident}") == rig_account.password
    # a fresh registry from disk connects with the keyring's password, nothing typed
    again = BoardRegistry().active_profile
    assert again is not None and again.remember_password
    with connect_profile(again, known_hosts=KnownHosts(tmp_known_hosts, system_paths=[])) as board:
        assert board.quick("whoami").stdout.strip() == rig_account.user
    for path in studio_home.rglob("*"):
        if path.is_file():
            assert rig_account.password.encode() not in path.read_bytes(), path
    registry.remove("rig")
    assert keyring.get_password(secrets.SERVICE, f"password:{profile.ident}") is None


def test_no_keyring_backend_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        usable, why = secrets.status()
        assert not usable and "keyring" in why.lower()
        stored, reason = remember_password(BoardProfile("x", "h"), "pw")
        assert not stored and reason == why
    finally:
        keyring.set_keyring(previous)
