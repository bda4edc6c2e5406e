"""What every CLI command shares: connection options, output (human or --json), errors → exit codes."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core import appdirs, secrets
from ..core.errors import AuthFailed, HostKeyUnknown, PasswordExpired, StudioError, link_errors_typed
from ..core.events import FAILED, FINISHED, INFO, LOG, PROGRESS, STEP_DONE, STEP_SKIP, STEP_START, WARN, Event
from ..core.ssh import Board, KnownHosts, Target, change_expired_password

log = logging.getLogger(__name__)


def add_connection_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("host", help="board address, host name or ~/.ssh/config alias")
    parser.add_argument("--port", type=int, default=22, help="SSH port (default 22)")
    parser.add_argument(
        "--user", "-u", default="", help="user on the board (default from ~/.ssh/config, else $USER)"
    )
    parser.add_argument("--identity", "-i", help="private key file")
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the login password from the first line of stdin"
    )
    parser.add_argument(
        "--passphrase-stdin",
        action="store_true",
        help="read the passphrase of the --identity key from the next line of stdin",
    )
    parser.add_argument(
        "--accept-new-host-key", action="store_true", help="pin the board's host key if none is pinned yet"
    )
    parser.add_argument(
        "--known-hosts", type=Path, help="known_hosts file to pin keys in (default: the app's)"
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="connect timeout in seconds")
    parser.add_argument(
        "--json", action="store_true", help="machine-readable output: one JSON object per line"
    )


class Output:
    """Prints events for people (steps and a progress line) or as JSON lines."""

    def __init__(self, as_json: bool, stream: Any = None) -> None:
        self.as_json = as_json
        self.stream = stream or sys.stdout
        self._progress_shown = False
        self.is_tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def event(self, ev: Event) -> None:
        if self.as_json:
            print(ev.to_json(), file=self.stream, flush=True)
            return
        if ev.kind == PROGRESS:
            pct = f"{(ev.fraction or 0) * 100:5.1f}%"
            text = f"  [{pct}] {ev.message}"
            if self.is_tty:
                print("\r" + text[:110].ljust(110), end="", file=self.stream, flush=True)
                self._progress_shown = True
            return
        if self._progress_shown:
            print(file=self.stream)
            self._progress_shown = False
        if ev.kind == STEP_START:
            print(f"==> {ev.message or ev.step}", file=self.stream, flush=True)
        elif ev.kind == STEP_DONE:
            print(f"  done: {ev.step} {ev.message}".rstrip(), file=self.stream, flush=True)
        elif ev.kind == STEP_SKIP:
            print(f"  skipped: {ev.step} ({ev.message})", file=self.stream, flush=True)
        elif ev.kind == WARN:
            print(f"  warning: {ev.message}", file=self.stream, flush=True)
        elif ev.kind == FAILED:
            print(f"  FAILED {ev.step}: {ev.message}", file=self.stream, flush=True)
        elif ev.kind == INFO:
            print(f"  {ev.message}", file=self.stream, flush=True)
        elif ev.kind == FINISHED:
            if ev.message:
                print(ev.message, file=self.stream, flush=True)
        elif ev.kind == LOG and getattr(self, "verbose", False):
            print(f"    {ev.message}", file=self.stream, flush=True)

    def result(self, data: dict[str, Any], human: Callable[[], None]) -> None:
        if self.as_json:
            print(json.dumps(data, ensure_ascii=False, sort_keys=True), file=self.stream, flush=True)
        else:
            human()


def _ask_yes_no(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    answer = input(f"{question} [y/N] ").strip().lower()
    return answer in ("y", "yes")


def connect(args: argparse.Namespace, out: Output) -> Board:
    """Connect as the options say; interactive questions only on a terminal."""
    password: str | None = None
    passphrase: str | None = None
    # With both options the password is the first line and the passphrase the second.
    if getattr(args, "password_stdin", False):
        password = sys.stdin.readline().rstrip("\r\n")
    if getattr(args, "passphrase_stdin", False):
        passphrase = sys.stdin.readline().rstrip("\r\n")
    target = Target(
        host=args.host,
        port=args.port,
        user=args.user,
        identity=args.identity,
        password=password,
        passphrase=passphrase,
        timeout=args.timeout,
    ).resolve()
    ident = f"{target.user}@{target.key_id}"
    if target.password is None and not target.identity:
        usable, _why = secrets.status()
        if usable:
            with contextlib.suppress(secrets.KeyringUnavailable):
                target.password = secrets.get("password", ident)
    known = KnownHosts(args.known_hosts or appdirs.known_hosts_path())
    accept = bool(args.accept_new_host_key)
    last_reason = "password"
    for _attempt in range(3):
        try:
            return Board.connect(target, known, accept_new_host_key=accept)
        except HostKeyUnknown as exc:
            if accept or out.as_json:
                raise
            print(
                f"The board {target.key_id} is new to this computer.\n"
                f"Its {exc.data.get('key_type')} host key fingerprint is {exc.data.get('fingerprint')}.\n"
                "Compare it with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the board.",
                file=sys.stderr,
            )
            if not _ask_yes_no("Trust this board and pin its key?"):
                raise
            accept = True
        except AuthFailed as exc:
            interactive = sys.stdin.isatty() and not out.as_json
            if exc.reason in ("passphrase_needed", "passphrase"):
                if not interactive:
                    exc.hint = (
                        exc.hint or "Give it with --passphrase-stdin, or run on a terminal to be asked."
                    )
                    raise
                if exc.reason == "passphrase":
                    print("Wrong passphrase.", file=sys.stderr)
                last_reason = "passphrase"
                target.passphrase = getpass.getpass(f"Passphrase for {exc.data.get('key', 'the key')}: ")
            elif exc.reason in ("password_needed", "password") and interactive:
                target.password = getpass.getpass(f"Password for {ident}: ")
            else:
                raise
        except PasswordExpired:
            if not sys.stdin.isatty() or out.as_json or target.password is None:
                raise
            print("The board requires a new password before first use.", file=sys.stderr)
            new = getpass.getpass("New password: ")
            if new != getpass.getpass("Repeat the new password: "):
                raise AuthFailed("The two new passwords differ.", reason="new_password") from None
            change_expired_password(target, known, new)
            target.password = new
    raise AuthFailed("Too many attempts.", reason=last_reason)


def _not_paramiko(record: logging.LogRecord) -> bool:
    return record.name != "paramiko" and not record.name.startswith("paramiko.")


def setup_logging() -> None:
    """Warnings on stderr, but none of paramiko's: its transport thread logs every failed handshake with a
    full traceback at ERROR, and the CLI already reports that failure as one typed error. Only this stderr
    handler filters it: paramiko's logger keeps its level, so a log file handler still gets its records."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_not_paramiko)
    logging.basicConfig(level=logging.WARNING, handlers=[handler])


def run_command(args: argparse.Namespace) -> int:
    out = Output(getattr(args, "json", False))
    setup_logging()
    try:
        with link_errors_typed():
            result: int = args.func(args, out)
        return result
    except StudioError as exc:
        ev = Event(FAILED, code=exc.code, message=exc.message, data={"hint": exc.hint} if exc.hint else {})
        if out.as_json:
            data = {**exc.data, "hint": exc.hint} if exc.hint else dict(exc.data)
            print(Event(FAILED, code=exc.code, message=exc.message, data=data).to_json(), flush=True)
        else:
            print(f"error: {ev.message}", file=sys.stderr)
            tail = exc.data.get("log_tail")
            if isinstance(tail, str) and tail.strip():
                print("last lines of the board's log:", file=sys.stderr)
                for line in tail.strip().splitlines():
                    print(f"  | {line}", file=sys.stderr)
            if exc.hint:
                print(f"hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("cancelled", file=sys.stderr)
        return 130
