"""The board rig: real parts on this machine that stand in for a RUBIK Pi 3 (see DESIGN.md, "The board rig").

Tests import it as `rig` (tests/conftest.py puts tests/ on sys.path); fixtures live in tests/conftest.py.
"""

from rig.boards import connect, key_target
from rig.faultproxy import FaultProxy
from rig.sshd import (
    BOARD_PASSWORD,
    BOARD_USER,
    KEY_PASSPHRASE,
    SWEPT,
    RigAccount,
    RigSshd,
    claim_rig,
    ensure_account,
    make_expired_account,
    make_fresh_account,
    remove_account,
    resize_disk,
    rig_unavailable_reason,
    run_as,
    small_disk,
    start_sshd,
)

__all__ = [
    "BOARD_PASSWORD",
    "BOARD_USER",
    "KEY_PASSPHRASE",
    "SWEPT",
    "FaultProxy",
    "RigAccount",
    "RigSshd",
    "claim_rig",
    "connect",
    "ensure_account",
    "key_target",
    "make_expired_account",
    "make_fresh_account",
    "remove_account",
    "resize_disk",
    "rig_unavailable_reason",
    "run_as",
    "small_disk",
    "start_sshd",
]
