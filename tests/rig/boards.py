"""Connecting a `Board` to the rig the way most tests and benches do: the account's key, no agent, no
~/.ssh keys, and a known_hosts file the caller wrote (`RigSshd.write_known_hosts`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rig.sshd import RigAccount
from rubikpi_studio.core.ssh import Board, KnownHosts, Target


def key_target(account: RigAccount, port: int, host: str = "127.0.0.1", **kw: Any) -> Target:
    """A Target that logs `account` in with its key on `host:port` (the rig's sshd, or a proxy before it)."""
    return Target(
        host, port, account.user, identity=str(account.key_path), look_for_keys=False, use_agent=False, **kw
    )


def connect(account: RigAccount, port: int, known_hosts: Path) -> Board:
    """A Board for `account` on `port` (the rig's sshd, or a FaultProxy in front of it).

    The known_hosts entry is for `[127.0.0.1]:<sshd port>`; through a proxy the port differs, so callers
    pass a known_hosts file written for the proxy's port (`RigSshd.write_known_hosts(path, port)`)."""
    return Board.connect(key_target(account, port), KnownHosts(known_hosts, system_paths=[]))
