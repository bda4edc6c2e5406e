"""`rubikpi-studio key HOST`: switch a password login to a key, as the Board page's "Use a key" button does.

Signs in as the options say (usually with the password), makes an ed25519 key pair for this board (or reuses
the one made before), adds its public half to the account's authorized_keys once, then signs in again with the
key alone to prove it works.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from ..core import appdirs
from ..core.errors import AuthFailed
from ..core.ssh import Board, KnownHosts, generate_key_pair, install_public_key
from .common import Output, add_connection_args, connect


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "key", help="switch a password login to a key: make one, install it on the board, check it"
    )
    add_connection_args(parser)
    parser.add_argument(
        "--key-file",
        type=Path,
        help="private key file to make (or reuse when it exists); default: one per board in the app's data",
    )
    parser.set_defaults(func=run)


def _default_key_file(user: str, key_id: str) -> Path:
    name = "".join(c if c.isalnum() or c in "._-" else "_" for c in f"{user}@{key_id}")
    return appdirs.keys_dir() / f"id_ed25519_{name}"


def run(args: argparse.Namespace, out: Output) -> int:
    with connect(args, out) as board:
        target = board.target
        key_file: Path = args.key_file or _default_key_file(target.user, target.key_id)
        public = key_file.with_name(key_file.name + ".pub")
        made = not (key_file.exists() and public.exists())
        # An existing key is never overwritten: another board may already trust it.
        if made:
            line = generate_key_pair(key_file, f"rubikpi-studio {target.user}@{target.key_id}")
        else:
            line = public.read_text().strip()
        install_public_key(board, line)
        known = KnownHosts(args.known_hosts or appdirs.known_hosts_path())
    key_only = dataclasses.replace(
        target, identity=str(key_file), password=None, passphrase=None, use_agent=False, look_for_keys=False
    )
    try:
        with Board.connect(key_only, known):
            pass
    except AuthFailed as exc:
        raise AuthFailed(
            f"The key was added to the board, but the board still refuses it ({exc.message}).",
            reason="key",
            hint="The account's ~/.ssh or home folder may be writable by others (sshd's StrictModes).",
        ) from None

    def human() -> None:
        print(f"{'Made' if made else 'Reused'} the key {key_file} and installed it on the board.")
        print("Signing in with it works. From now on use:")
        print(f"  rubikpi-studio <command> {args.host} --identity {key_file}")

    out.result({"identity": str(key_file), "made": made, "verified": True}, human)
    return 0
