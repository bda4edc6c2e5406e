"""One SSH connection per board: commands, a long-lived shell for quick commands, SFTP and port forwards.

Everything here blocks; front ends call it from worker threads. One `Board` owns one paramiko `Transport`;
every command, SFTP session and port forward is a channel on it. No reconnect per command.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import logging
import os
import posixpath
import secrets
import select
import shlex
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import fastsftp
from .errors import (
    AuthFailed,
    Cancelled,
    HostKeyMismatch,
    HostKeyUnknown,
    PasswordExpired,
    RemoteFailed,
    StudioError,
    SudoFailed,
    TransferFailed,
    Unreachable,
    UsageError,
)
from .events import INFO, PROGRESS, WARN, CancelToken, Event, Reporter, ignore
from .lazy import lazy_module

if TYPE_CHECKING:
    import paramiko
else:  # imported at the first connection, not when the GUI starts (lazy.py)
    paramiko = lazy_module("paramiko")

log = logging.getLogger(__name__)

# Tuning, measured on loopback (see ../shared/reference/measured-here.md): aes-gcm first (the board's ARM
# crypto extensions make it the fast one there too), a 64 MiB window, 256 KiB packets and ~255 KiB SFTP
# requests (OpenSSH's own limit) reach OpenSSH's speed.
WINDOW_SIZE = 64 * 2**20
MAX_PACKET_SIZE = 256 * 2**10
SFTP_REQUEST_SIZE = 255 * 2**10
PREFERRED_CIPHERS = ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "aes128-ctr", "aes256-ctr")
# WORKAROUND(https://github.com/paramiko/paramiko/issues/822): paramiko asks for a rekey after 2^29 bytes
# and times out waiting for it while a large transfer saturates the channel. Leave rekeying to the server
# (OpenSSH rekeys on its own schedule) by raising our thresholds.
REKEY_LIMIT = 2**40

EXPIRED_MARKERS = (
    "password has expired",
    "required to change your password",
    "password change required",
)
SUDO_PROMPT = "[rubikpi-studio sudo]"
# After a command's exit status, how long run() still reads output until EOF (see run()).
EXIT_DRAIN_SECONDS = 2.0
# After a quick command did not answer in time: how long sshd itself gets to answer a channel open. No
# command on the board can delay that answer, so silence means the link stalled, not the command.
STALL_PROBE_SECONDS = 5.0
STALLED = "The board stopped answering for {seconds:.0f} s: the connection stalled."


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH's SHA256 fingerprint: `SHA256:` + unpadded base64 of the key blob's digest."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


@dataclass
class Target:
    """Where and how to log in. Secrets are excluded from repr."""

    host: str
    port: int = 22
    user: str = ""
    identity: str | None = None  # private key file
    password: str | None = field(default=None, repr=False)
    passphrase: str | None = field(default=None, repr=False)
    use_agent: bool = True
    look_for_keys: bool = True
    timeout: float = 10.0
    hostname: str = ""  # the address actually dialled (after ~/.ssh/config), filled by resolve()
    alias: str = ""  # what the user typed, when it was a ~/.ssh/config alias

    @property
    def key_id(self) -> str:
        """The name host keys are pinned under: `host` or `[host]:port` as in OpenSSH's known_hosts."""
        host = self.hostname or self.host
        return host if self.port == 22 else f"[{host}]:{self.port}"

    def resolve(self, ssh_config: Path | None = None) -> Target:
        """Apply `~/.ssh/config` (HostName, User, Port, IdentityFile); explicit values win.

        Raises UsageError for a host name no board can have or a port outside 1-65535.
        """
        check_host(self.host)
        if not 1 <= self.port <= 65535:
            raise UsageError(f"Port {self.port} is not a valid port.", hint="SSH normally listens on 22.")
        path = ssh_config or Path.home() / ".ssh" / "config"
        hostname, port, user, identity = self.host, self.port, self.user, self.identity
        alias = ""
        if path.is_file():
            try:
                cfg = paramiko.SSHConfig.from_path(str(path))
                entry = cfg.lookup(self.host)
            except Exception as exc:  # a `Match exec` that fails, a line paramiko cannot parse, ...
                raise UsageError(
                    f"{path} cannot be applied to {self.host}: {exc or type(exc).__name__}"
                ) from None
            if entry.get("hostname") and entry["hostname"] != self.host:
                alias = self.host
                hostname = entry["hostname"]
            if self.port == 22 and "port" in entry:
                port = int(entry["port"])
            if not user and entry.get("user"):
                user = entry["user"]
            if not identity and entry.get("identityfile"):
                candidate = os.path.expanduser(entry["identityfile"][0])
                if os.path.exists(candidate):
                    identity = candidate
        if not user:
            user = os.environ.get("USER") or os.environ.get("USERNAME") or "ubuntu"
        return Target(
            host=self.host,
            port=port,
            user=user,
            identity=identity,
            password=self.password,
            passphrase=self.passphrase,
            use_agent=self.use_agent,
            look_for_keys=self.look_for_keys,
            timeout=self.timeout,
            hostname=hostname,
            alias=alias,
        )


class KnownHosts:
    """Pinned host keys in OpenSSH's known_hosts format, in the app's own file.

    The user's `~/.ssh/known_hosts` is consulted read-only: a key pinned there is trusted, a different key
    there is a mismatch.
    """

    def __init__(self, path: Path, *, system_paths: Iterable[Path] | None = None) -> None:
        self.path = path
        if system_paths is None:
            system_paths = [Path.home() / ".ssh" / "known_hosts"]
        self.system_paths = [p for p in system_paths if p != path]
        self._lock = threading.Lock()

    def _load(self, path: Path) -> paramiko.HostKeys:
        keys = paramiko.HostKeys()
        if path.is_file():
            try:
                keys.load(str(path))
            except (OSError, paramiko.SSHException, ValueError) as exc:
                log.warning("cannot read %s: %s", path, exc)
        return keys

    def check(self, key_id: str, key: paramiko.PKey) -> tuple[str, paramiko.PKey | None]:
        """('ok'|'unknown'|'mismatch', the pinned key when it differs)."""
        for path in [self.path, *self.system_paths]:
            known = self._load(path).lookup(key_id)
            if not known:
                continue
            pinned = known.get(key.get_name())
            if pinned is not None:
                if pinned.asbytes() == key.asbytes():
                    return "ok", None
                return "mismatch", pinned
            # A key of another type is pinned for this host: OpenSSH also treats that as a change.
            return "mismatch", next(iter(known.values()))
        return "unknown", None

    def pin(self, key_id: str, key: paramiko.PKey) -> None:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            keys = self._load(self.path)
            keys.add(key_id, key.get_name(), key)
            tmp = self.path.with_suffix(".tmp")
            keys.save(str(tmp))
            os.replace(tmp, self.path)

    def forget(self, key_id: str) -> None:
        with self._lock:
            keys = self._load(self.path)
            if key_id in keys:
                del keys[key_id]
                self.path.parent.mkdir(parents=True, exist_ok=True)
                keys.save(str(self.path))


@dataclass
class Result:
    """What a finished command did. `ok` is exit status 0."""

    command: str
    exited: int
    stdout: str = ""
    stderr: str = ""
    raw: bytes = field(default=b"", repr=False)  # stdout as bytes (quick commands), for exact offsets

    @property
    def ok(self) -> bool:
        return self.exited == 0

    def tail(self, n: int = 20) -> str:
        lines = (self.stderr or self.stdout).strip().splitlines()
        return "\n".join(lines[-n:])


LineCallback = Callable[[str], None]


def _lines(buffer: bytearray, data: bytes, cb: LineCallback | None, *, final: bool = False) -> None:
    """Append `data` to `buffer` and hand complete lines to `cb`."""
    if cb is None:
        return
    buffer.extend(data)
    while True:
        nl = buffer.find(b"\n")
        if nl < 0:
            break
        cb(buffer[:nl].decode("utf-8", "replace").rstrip("\r"))
        del buffer[: nl + 1]
    if final and buffer:
        cb(buffer.decode("utf-8", "replace"))
        buffer.clear()


def shell_join(argv: Sequence[str] | str) -> str:
    """A command for the remote shell: a string is used as is (trusted, written by us); a list is quoted.

    Raises UsageError for a NUL anywhere in it: no quoting can carry one (a C string ends there), and
    OpenSSH's sshd drops the whole connection when an exec request holds one.
    """
    command = argv if isinstance(argv, str) else shlex.join(argv)
    _refuse_nul(command, "command")
    return command


# What OpenSSH (9.6, CVE-2023-51385) refuses in a host name: ~/.ssh/config's `Match exec` and ProxyCommand
# expand %h into a shell command, and paramiko's SSHConfig.lookup runs `Match exec` the same way.
_HOST_SPECIALS = frozenset("'`\"$\\;&<>|(){}")


def check_host(host: str) -> None:
    """Refuse a host name that cannot be a board's name or address and could reach a shell. UsageError."""
    if (
        not host
        or host.startswith("-")
        or any(c in _HOST_SPECIALS or c.isspace() or not c.isprintable() for c in host)
    ):
        raise UsageError(
            f"{host!r} is not a host name or address.",
            hint="Use the board's name (e.g. rubikpi.local) or its IP address.",
        )


def _refuse_nul(text: str, what: str) -> None:
    if "\x00" in text:
        raise UsageError(f"The {what} contains a NUL character, which the board cannot take.")


def file_error(exc: OSError, verb: str, path: str) -> StudioError:
    """An SFTP status error on `path` (permission denied, a folder where a file was named, a name too long)
    as a typed error that says what could not be done to which file."""
    if exc.errno == errno.ENOSPC:
        return TransferFailed(f"The board's disk is full while writing {path}.", code="E_NO_SPACE")
    if isinstance(exc, PermissionError):
        reason = "permission denied"
    elif isinstance(exc, FileNotFoundError):
        reason = "no such file or folder"
    else:
        reason = exc.strerror or (str(exc.args[0]) if exc.args else "") or type(exc).__name__
    return RemoteFailed(f"Cannot {verb} {path!r} on the board: {reason}.", path=path)


@contextlib.contextmanager
def file_op(verb: str, path: str, *, missing_ok: bool = False) -> Iterator[None]:
    """Refuse a NUL in `path` (sftp-server ends the session on one); map SFTP errors to typed ones.
    With `missing_ok`, FileNotFoundError passes through for the caller to answer."""
    _refuse_nul(path, "path")
    try:
        yield
    except FileNotFoundError:
        if missing_ok:
            raise
        raise file_error(FileNotFoundError(errno.ENOENT, "No such file"), verb, path) from None
    except (ConnectionError, TimeoutError):
        raise  # the link, not the file: link_errors_typed makes it Unreachable
    except OSError as exc:
        raise file_error(exc, verb, path) from None


class Board:
    """A connection to one board over one paramiko Transport."""

    def __init__(self, target: Target, transport: paramiko.Transport) -> None:
        self.target = target
        self.transport = transport
        self._sftps: dict[int, paramiko.SFTPClient] = {}  # one SFTP session per thread (see sftp())
        self._sftp_lock = threading.Lock()
        self._quick_lock = threading.Lock()
        self._quick: paramiko.Channel | None = None
        self._quick_buf = bytearray()
        self._forwards: list[Forward] = []
        self._asking = threading.Lock()  # held while a `nudge` waits for sshd's answer
        # The pinned keys it was opened with: a reconnect after a drop checks the host key against the same.
        self.known_hosts: KnownHosts | None = None

    # ---------------------------------------------------------------- connecting
    @classmethod
    def connect(
        cls,
        target: Target,
        known_hosts: KnownHosts,
        *,
        accept_new_host_key: bool = False,
        ssh_config: Path | None = None,
        cancel: CancelToken | None = None,
    ) -> Board:
        """Dial, check the host key, authenticate, and make sure the account can run commands.

        Raises Unreachable, HostKeyUnknown (with the fingerprint; call again with accept_new_host_key=True
        after the user accepted it), HostKeyMismatch, AuthFailed, PasswordExpired.
        """
        target = target.resolve(ssh_config)
        sock = _HeardSocket.adopt(_dial(target, cancel))
        transport = paramiko.Transport(
            sock, default_window_size=WINDOW_SIZE, default_max_packet_size=MAX_PACKET_SIZE
        )
        try:
            _tune(transport)
            handshake(transport, f"{target.hostname}:{target.port}", target.timeout)
            key = transport.get_remote_server_key()
            status, pinned = known_hosts.check(target.key_id, key)
            if status == "mismatch":
                assert pinned is not None
                raise HostKeyMismatch(
                    f"The host key of {target.key_id} has changed. Expected {fingerprint(pinned)}, "
                    f"the board now presents {fingerprint(key)}. Refusing to connect.",
                    hint="If the board was re-flashed, forget its old key in the board settings. Otherwise "
                    "someone may be intercepting the connection.",
                    expected=fingerprint(pinned),
                    got=fingerprint(key),
                    key_type=key.get_name(),
                )
            if status == "unknown":
                if not accept_new_host_key:
                    raise HostKeyUnknown(
                        f"{target.key_id} is not known yet. Its {key.get_name()} key fingerprint is "
                        f"{fingerprint(key)}.",
                        hint="Compare it with the board's own fingerprint, then accept it "
                        "(CLI: --accept-new-host-key).",
                        fingerprint=fingerprint(key),
                        key_type=key.get_name(),
                        key_id=target.key_id,
                    )
                known_hosts.pin(target.key_id, key)
            _authenticate(transport, target)
            transport.set_keepalive(15)
            board = cls(target, transport)
            board.known_hosts = known_hosts
            board._check_account()
            return board
        except BaseException:
            transport.close()
            raise

    def _check_account(self) -> None:
        """A fresh board's account may force a password change: every command then fails with a notice."""
        result = self.run("echo rps-ok", timeout=self.target.timeout)
        text = (result.stdout + result.stderr).lower()
        if "rps-ok" not in result.stdout or any(m in text for m in EXPIRED_MARKERS):
            if any(m in text for m in EXPIRED_MARKERS):
                raise PasswordExpired(
                    f"The board asks {self.target.user} to choose a new password before anything else.",
                    hint="Choose a new password; the app changes it on the board for you.",
                )
            raise RemoteFailed(f"The board's shell does not run commands: {result.tail(5)}", result=result)

    @property
    def is_alive(self) -> bool:
        return self.transport.is_active()

    def close(self) -> None:
        for fwd in list(self._forwards):
            fwd.close()
        with self._sftp_lock:
            for client in self._sftps.values():
                client.close()
            self._sftps.clear()
        with self._quick_lock:
            if self._quick is not None:
                self._quick.close()
                self._quick = None
        self.transport.close()
        from . import memory  # what the link's buffers held goes back to the system (see core/memory.py)

        memory.trim()

    def __enter__(self) -> Board:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- commands
    def run(
        self,
        argv: Sequence[str] | str,
        *,
        stdin: bytes | str | None = None,
        on_stdout: LineCallback | None = None,
        on_stderr: LineCallback | None = None,
        cancel: CancelToken | None = None,
        timeout: float | None = None,
        check: bool = False,
    ) -> Result:
        """Run a command in its own exec channel (no PTY), streaming lines; cancel kills its process group.

        The command runs in a new session (`setsid`) whose id is reported first on stderr, so cancel and
        timeout can kill the command and all its children, not only close the channel.
        """
        command = shell_join(argv)
        wrapped = (
            "exec setsid -w sh -c "
            + shlex.quote('printf "\\036pgid %s\\n" "$$" >&2; exec sh -c "$1"')
            + " rps "
            + shlex.quote(command)
        )
        chan = self._open_session()
        pgid: list[int] = []
        out, err = bytearray(), bytearray()
        out_lines, err_lines = bytearray(), bytearray()
        stderr_first = bytearray()
        state = {"killed": False}

        def kill() -> None:
            state["killed"] = True
            if pgid:
                self._kill_group(pgid[0])
            chan.close()

        unregister = cancel.on_cancel(kill) if cancel else (lambda: None)
        try:
            chan.exec_command(wrapped)
            if stdin is not None:
                chan.sendall(stdin.encode() if isinstance(stdin, str) else stdin)
            chan.shutdown_write()
            deadline = time.monotonic() + timeout if timeout else None
            exited_at: float | None = None
            while True:
                if deadline is not None and time.monotonic() > deadline:
                    kill()
                    raise RemoteFailed(
                        f"`{_short(command)}` did not finish within {timeout:.0f} s.", code="E_TIMEOUT"
                    )
                ready = chan.recv_ready() or chan.recv_stderr_ready()
                if not ready:
                    # The end is EOF, not the exit status: sshd may send the status before the last output.
                    # A background child can hold the channel open past the exit: wait for it only briefly.
                    if chan.exit_status_ready() and exited_at is None:
                        exited_at = time.monotonic()
                    drained = exited_at is not None and time.monotonic() - exited_at > EXIT_DRAIN_SECONDS
                    finished = chan.eof_received or chan.closed or drained
                    if finished and not (chan.recv_ready() or chan.recv_stderr_ready()):
                        break
                    select.select([chan], [], [], 0.2)
                    continue
                while chan.recv_ready():
                    data = chan.recv(65536)
                    out.extend(data)
                    _lines(out_lines, data, on_stdout)
                while chan.recv_stderr_ready():
                    data = chan.recv_stderr(65536)
                    if not pgid:
                        stderr_first.extend(data)
                        nl = stderr_first.find(b"\n")
                        if nl < 0:
                            continue
                        head = bytes(stderr_first[:nl])
                        data = bytes(stderr_first[nl + 1 :])
                        if head.startswith(b"\x1epgid "):
                            pgid.append(int(head.split()[1]))
                        else:
                            data = bytes(stderr_first)
                            pgid.append(0)
                    err.extend(data)
                    _lines(err_lines, data, on_stderr)
            _lines(out_lines, b"", on_stdout, final=True)
            _lines(err_lines, b"", on_stderr, final=True)
            if state["killed"] and cancel and cancel.is_cancelled:
                raise Cancelled(f"`{_short(command)}` was cancelled.")
            if not self.transport.is_active():
                raise Unreachable("The connection to the board dropped.", reason="dropped")
            chan.status_event.wait(EXIT_DRAIN_SECONDS)  # EOF can come a moment before the exit status
            exited = chan.recv_exit_status() if chan.exit_status_ready() else -1
            result = Result(command, exited, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))
            if check and not result.ok:
                raise RemoteFailed(
                    f"`{_short(command)}` failed with exit status {exited}:\n{result.tail()}", result=result
                )
            return result
        finally:
            unregister()
            chan.close()

    def _dropped(self, wait: float = 2.0) -> bool:
        """After an I/O error: did the connection die? The reader thread may need a moment to notice."""
        deadline = time.monotonic() + wait
        while self.transport.is_active():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def silent_for(self) -> float:
        """Seconds since the last byte came from the board (0 for a Board not opened by `connect`)."""
        sock = self.transport.sock
        return time.monotonic() - sock.heard if isinstance(sock, _HeardSocket) else 0.0

    def nudge(self) -> None:
        """Ask sshd for an answer (an OpenSSH keepalive that wants a reply), so a live but quiet link is
        heard from (`silent_for` drops) and a stalled one stays silent. Returns at once; one at a time."""
        if not self._asking.acquire(blocking=False):
            return

        def ask() -> None:
            try:  # blocks until sshd answers (any answer will do) or the link dies
                self.transport.global_request("keepalive@openssh.com", wait=True)
            except Exception as exc:  # a dead link is the other outcome here, not an error
                log.debug("keepalive request: %s", exc)
            finally:
                self._asking.release()

        threading.Thread(target=ask, name="ssh-nudge", daemon=True).start()

    def _link_answers(self, wait: float = STALL_PROBE_SECONDS) -> bool:
        """Whether sshd answers at all: a channel open is a round trip that no board command can hold up.

        The transport stays open when it does not: a stall may end, and the Board is usable again then."""
        try:
            chan = self.transport.open_session(timeout=wait)
        except (paramiko.SSHException, EOFError, OSError):
            return False
        chan.close()
        return True

    def _open_session(self) -> paramiko.Channel:
        try:
            return self.transport.open_session(timeout=self.target.timeout)
        except (paramiko.SSHException, EOFError, OSError) as exc:
            raise Unreachable(f"The connection to the board dropped ({exc}).", reason="dropped") from None

    def _kill_group(self, pgid: int) -> None:
        if pgid <= 1:
            return
        try:
            self.quick(f"kill -TERM -{pgid} 2>/dev/null; sleep 0.2; kill -KILL -{pgid} 2>/dev/null; true")
        except StudioError as exc:
            log.warning("could not kill remote process group %s: %s", pgid, exc)

    def quick(self, command: str, *, timeout: float = 30.0) -> Result:
        """Run a short command through one long-lived shell channel: no new channel or login shell per call.

        For probes and polling. stdout and stderr are merged; stdin is /dev/null.
        """
        _refuse_nul(command, "command")
        with self._quick_lock:
            token = secrets.token_hex(8)
            end = f"\x1eRPS-END {token} ".encode()
            script = f"( {command}\n) </dev/null 2>&1; printf '\\n\\036RPS-END %s %d\\n' {token} $?\n"
            for attempt in (1, 2):
                chan = self._quick_channel()
                try:
                    chan.sendall(script.encode())
                    break
                except (OSError, paramiko.SSHException, EOFError):
                    self._quick = None
                    if attempt == 2:
                        raise Unreachable("The connection to the board dropped.", reason="dropped") from None
            deadline = time.monotonic() + timeout
            buf = self._quick_buf
            while True:
                idx = buf.find(end)
                if idx >= 0:
                    nl = buf.find(b"\n", idx)
                    if nl >= 0:
                        break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    chan.close()
                    self._quick = None
                    buf.clear()
                    if not self._link_answers():
                        # A link that carries nothing (Wi-Fi gone, a laptop asleep) is not a slow command:
                        # callers that can reconnect do (jobs.follow_reconnecting), the rest say so.
                        raise Unreachable(
                            STALLED.format(seconds=timeout + STALL_PROBE_SECONDS), reason="stalled"
                        )
                    raise RemoteFailed(f"`{_short(command)}` did not answer within {timeout:.0f} s.")
                chan.settimeout(remaining)
                try:
                    data = chan.recv(65536)
                except TimeoutError:
                    continue  # the deadline passed: said above (a silent link is not a closed shell)
                except (OSError, EOFError):
                    data = b""
                if not data:
                    chan.close()
                    self._quick = None
                    buf.clear()
                    # The channel can read EOF a moment before paramiko's reader thread marks the transport
                    # dead: wait for it, or a cut link reads as a shell that exited (and jobs stop following).
                    if self._dropped():
                        raise Unreachable("The connection to the board dropped.", reason="dropped")
                    raise RemoteFailed(f"The board's shell closed while running `{_short(command)}`.")
                buf.extend(data)
            output = bytes(buf[:idx])
            status = int(bytes(buf[idx + len(end) : nl]).strip() or b"255")
            del buf[: nl + 1]
            if output.endswith(b"\n"):
                output = output[:-1]
            return Result(command, status, output.decode("utf-8", "replace"), "", raw=output)

    def _quick_channel(self) -> paramiko.Channel:
        if self._quick is None or self._quick.closed:
            chan = self._open_session()
            # A plain POSIX shell, not the login shell: its start-up files can be slow and chatty.
            chan.exec_command("exec sh")
            self._quick = chan
            self._quick_buf = bytearray()
        return self._quick

    def sudo(
        self,
        argv: Sequence[str] | str,
        password: str | None,
        *,
        on_stdout: LineCallback | None = None,
        on_stderr: LineCallback | None = None,
        cancel: CancelToken | None = None,
        timeout: float | None = None,
        check: bool = True,
    ) -> Result:
        """Run as root. The password goes to `sudo -S` on stdin, never into argv or a log."""
        command = shell_join(argv)
        if password is None:
            full = "sudo -n -- sh -c " + shlex.quote(command)
            result = self.run(full, on_stdout=on_stdout, on_stderr=on_stderr, cancel=cancel, timeout=timeout)
            if "password is required" in result.stderr:
                raise SudoFailed("sudo on the board needs the account's password.", reason="needed")
        else:
            full = f"sudo -k -S -p {shlex.quote(SUDO_PROMPT)} -- sh -c " + shlex.quote(command)
            filtered: LineCallback | None = None
            if on_stderr is not None:
                cb = on_stderr

                def filtered(line: str) -> None:
                    cb(line.replace(SUDO_PROMPT, ""))

            result = self.run(
                full,
                stdin=password + "\n",
                on_stdout=on_stdout,
                on_stderr=filtered,
                cancel=cancel,
                timeout=timeout,
            )
            result.stderr = result.stderr.replace(SUDO_PROMPT, "")
            if "Sorry, try again" in result.stderr or "incorrect password" in result.stderr:
                raise SudoFailed("sudo on the board refused the password.", reason="password")
        if check and not result.ok:
            raise RemoteFailed(f"`{_short(command)}` failed as root:\n{result.tail()}", result=result)
        return result

    def sudo_needs_password(self) -> bool:
        return not self.quick("sudo -n true 2>/dev/null").ok

    # ---------------------------------------------------------------- files
    def sftp(self) -> paramiko.SFTPClient:
        """This thread's SFTP session on the board's transport.

        paramiko's SFTPClient must not be shared between threads: one thread can read (and drop) the
        response another waits for, and both hang. So each thread gets its own session (channel). Worker
        threads come from bounded pools (QThreads among them, which `threading` does not list), so the
        sessions are few; a reused thread id simply reuses its session.
        """
        ident = threading.get_ident()
        with self._sftp_lock:
            client = self._sftps.get(ident)
            if client is None or client.sock.closed:
                try:
                    client = fastsftp.open_sftp(
                        self.transport, window_size=WINDOW_SIZE, max_packet_size=MAX_PACKET_SIZE
                    )
                except (paramiko.SSHException, EOFError, OSError) as exc:
                    raise Unreachable(
                        f"The connection to the board dropped ({exc}).", reason="dropped"
                    ) from None
                if client is None:
                    raise Unreachable("The board refused an SFTP session.", reason="sftp")
                self._sftps[ident] = client
            return client

    def _drop_sftp(self, client: paramiko.SFTPClient) -> None:
        """Close an SFTP session left mid-protocol (answers still in flight); the thread's next call opens a
        fresh one. The file handles it held close with it on the board."""
        with self._sftp_lock:
            for ident, known in list(self._sftps.items()):
                if known is client:
                    del self._sftps[ident]
        with contextlib.suppress(Exception):
            client.close()

    def home(self) -> str:
        return self.sftp().normalize(".")

    # The file methods raise typed errors (RemoteFailed, TransferFailed; UsageError for a NUL in a path),
    # never a raw OSError; read_bytes alone lets FileNotFoundError through, as its callers expect.
    def write_text(self, remote: str, text: str, *, mode: int = 0o644) -> None:
        """Write a small file atomically (temp file + rename)."""
        with file_op("write", remote):
            sftp = self.sftp()
            tmp = f"{remote}.tmp-{secrets.token_hex(4)}"
            with sftp.open(tmp, "wb") as fh:
                fh.write(text.encode())
            sftp.chmod(tmp, mode)
            sftp.posix_rename(tmp, remote)

    def read_bytes(self, remote: str, offset: int = 0, size: int = -1) -> bytes:
        with file_op("read", remote, missing_ok=True), self.sftp().open(remote, "rb") as fh:
            fh.MAX_REQUEST_SIZE = SFTP_REQUEST_SIZE  # type: ignore[misc]
            fh.seek(offset)
            return fh.read(size) if size >= 0 else fh.read()

    def makedirs(self, remote: str) -> None:
        with file_op("create the folder", remote):
            sftp = self.sftp()
            parts = remote.rstrip("/").split("/")
            path = "/" if remote.startswith("/") else ""
            for part in parts:
                if not part:
                    continue
                path = f"{path}{part}" if path in ("", "/") else f"{path}/{part}"
                try:
                    sftp.stat(path)
                except FileNotFoundError:
                    try:
                        sftp.mkdir(path)
                    except OSError as exc:
                        # Another thread or job made it meanwhile (sftp-server answers a bare "Failure" for
                        # an existing name): fine if it is a folder now, the original error if not.
                        try:
                            made = stat.S_ISDIR(sftp.stat(path).st_mode or 0)
                        except OSError:
                            made = False
                        if not made:
                            raise exc from None

    def put_file(
        self,
        local: Path,
        remote: str,
        *,
        report: Reporter = ignore,
        cancel: CancelToken | None = None,
        resume: bool = True,
        step: str = "upload",
    ) -> int:
        """Upload with progress; a partial `<remote>.part` from an earlier attempt is continued, then renamed.

        Returns the number of bytes sent in this call.
        """
        size = local.stat().st_size
        sftp = self.sftp()
        part = remote + ".part"
        offset = 0
        if resume:
            with file_op("upload to", remote):
                try:
                    offset = sftp.stat(part).st_size or 0
                except FileNotFoundError:
                    offset = 0
                if offset > size:
                    offset = 0
                if offset and not _same_tail(sftp, part, local, offset):
                    offset = 0
        _refuse_nul(remote, "path")
        if offset:
            report(
                Event(
                    WARN,
                    step=step,
                    message=f"Resuming the upload: the board already has {offset} of {size} bytes.",
                    data={"offset": offset, "total": size},
                )
            )
        sent = 0
        try:
            with (
                contextlib.ExitStack() as stack,
                open(local, "rb") as src,
                sftp.open(part, "r+b" if offset else "wb") as dst,
            ):
                src.seek(offset)
                meter = _Meter(size, offset, report, step, "upload")
                stack.enter_context(StallWatch(self, report, step=step))

                def on_sent(n: int) -> None:
                    nonlocal sent
                    sent += n
                    meter.add(n)

                def check() -> None:
                    if cancel is not None:
                        cancel.raise_if_cancelled()

                try:
                    fastsftp.upload(sftp, dst.handle, src, offset, on_sent=on_sent, check=check)  # type: ignore[arg-type]  # bytes; the stub says SFTPHandle
                except BaseException:
                    # Answers to requests still in flight would be read by the next call on this session:
                    # close it (the file handle with it) and let the next call open a fresh one.
                    self._drop_sftp(sftp)
                    raise
            sftp.posix_rename(part, remote)
        except (OSError, paramiko.SSHException, EOFError) as exc:
            if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
                raise TransferFailed(
                    f"The board's disk is full while writing {remote}.", code="E_NO_SPACE"
                ) from None
            # sftp-server's answer (permission denied, no such folder, name too long) came over a live
            # channel: say so at once instead of waiting to see whether the link died.
            if isinstance(exc, fastsftp.Refused) and self.transport.is_active():
                # A write refused mid-file. sftp-server says only "Failure" for a full disk (ENOSPC has no
                # SFTP status of its own), so look at the free space before saying what happened.
                have = self._part_size(part)
                kept = (
                    f" {have} of {size} bytes are on the board; the next attempt continues from there."
                    if have is not None
                    else ""
                )
                free = self._free_bytes(posixpath.dirname(remote) or ".")
                if free is not None and free < fastsftp.REQUEST_SIZE * fastsftp.IN_FLIGHT:
                    raise TransferFailed(
                        f"The board's disk is full while writing {remote} ({free} bytes free).{kept}",
                        code="E_NO_SPACE",
                        hint="Free some space on the board (delete a model), then upload again.",
                    ) from None
                raise TransferFailed(f"Upload of {local.name} to {remote!r} failed: {exc}.{kept}") from None
            answered = isinstance(exc, OSError) and not isinstance(exc, ConnectionError | TimeoutError)
            if answered and not sftp.sock.closed and self.transport.is_active():
                raise TransferFailed(f"Upload of {local.name} to {remote!r} failed: {exc}") from None
            if self._dropped():
                # `sent` counts bytes handed to the socket, not bytes the board wrote, and with the link
                # gone nothing can tell how many landed: say what is kept, not a number.
                raise Unreachable(
                    "The connection dropped during the upload; what reached the board is kept and the next "
                    "attempt continues from there.",
                    reason="dropped",
                ) from None
            have = self._part_size(part)
            kept = (
                f"; {have} of {size} bytes are on the board and the next attempt continues from there"
                if have is not None
                else ""
            )
            why = str(exc) or "the board ended the file transfer session"  # sftp-server killed: no text
            raise TransferFailed(f"Upload of {local.name} failed: {why}{kept}.") from None
        report(
            Event(PROGRESS, step=step, fraction=1.0, message="uploaded", data={"bytes": size, "total": size})
        )
        return sent

    def _free_bytes(self, folder: str) -> int | None:
        """Bytes free for the account on the file system holding `folder` (None if df cannot say)."""
        result = self.quick(f"df -P -B1 -- {shlex.quote(folder)} | awk 'NR==2{{print $4}}'")
        try:
            return int(result.stdout.strip())
        except ValueError:
            return None

    def _part_size(self, part: str) -> int | None:
        """After a failed upload over a live link (sftp-server died): the size the board really has."""
        try:
            return self.sftp().stat(part).st_size or 0
        except (OSError, paramiko.SSHException, EOFError, StudioError):
            return None

    def get_file(
        self,
        remote: str,
        local: Path,
        *,
        report: Reporter = ignore,
        cancel: CancelToken | None = None,
        resume: bool = True,
        step: str = "download",
    ) -> int:
        """Download with progress and resume (`<local>.part`), pipelined large reads."""
        sftp = self.sftp()
        with file_op("download", remote):
            size = sftp.stat(remote).st_size or 0
        part = local.with_name(local.name + ".part")
        offset = part.stat().st_size if resume and part.exists() else 0
        if offset > size:
            offset = 0
        if offset:
            with file_op("download", remote):
                if not _same_tail(sftp, remote, part, offset):
                    offset = 0
        got = 0
        try:
            # Unbuffered: fastsftp writes each answer's pieces with one writev.
            with sftp.open(remote, "rb") as src, open(part, "r+b" if offset else "wb", buffering=0) as dst:
                meter = _Meter(size, offset, report, step, "download")
                dst.seek(offset)

                def on_got(n: int) -> None:
                    nonlocal got
                    got += n
                    meter.add(n)

                def check() -> None:
                    if cancel is not None:
                        cancel.raise_if_cancelled()

                try:
                    fastsftp.download(sftp, src.handle, dst, offset, size, on_got=on_got, check=check)  # type: ignore[arg-type]  # bytes; the stub says SFTPHandle
                except BaseException:
                    self._drop_sftp(sftp)  # answers still in flight (see put_file)
                    raise
            os.replace(part, local)
        except (OSError, paramiko.SSHException, EOFError) as exc:
            if self._dropped():
                raise Unreachable("The connection dropped during the download.", reason="dropped") from None
            raise TransferFailed(f"Download of {remote} failed: {exc}") from None
        return got

    def exists(self, remote: str) -> bool:
        try:
            with file_op("look at", remote, missing_ok=True):
                self.sftp().stat(remote)
            return True
        except FileNotFoundError:
            return False

    def is_dir(self, remote: str) -> bool:
        try:
            with file_op("look at", remote, missing_ok=True):
                return stat.S_ISDIR(self.sftp().stat(remote).st_mode or 0)
        except FileNotFoundError:
            return False

    # ---------------------------------------------------------------- port forwards
    def forward(self, remote_port: int, *, remote_host: str = "127.0.0.1", local_port: int = 0) -> Forward:
        """Listen on 127.0.0.1:local_port; carry each connection to remote_host:remote_port on the board."""
        fwd = Forward(self, remote_host, remote_port, local_port)
        self._forwards.append(fwd)
        return fwd


class _HeardSocket(socket.socket):
    """The board's TCP socket, noting when bytes last came in: a link that stalls (Wi-Fi gone, the board
    hung) stays open and quiet, and only this tells the app how long it has been quiet."""

    heard: float

    @classmethod
    def adopt(cls, sock: socket.socket) -> _HeardSocket:
        timeout = sock.gettimeout()
        heard = cls(sock.family, sock.type, sock.proto, fileno=sock.detach())
        heard.settimeout(timeout)
        heard.heard = time.monotonic()
        return heard

    # paramiko reads each packet with two recv calls (its first block, then the rest), each a poll and a
    # recv under the socket's 0.1 s timeout: ~30,000 system calls per 256 MiB downloaded. Reading up to
    # READ_AHEAD bytes at once into one reusable buffer and serving the next calls from it cuts them to a
    # few thousand (+25 % on a download here). The buffer is reused, not allocated per read: with the app's
    # fixed mmap threshold (core/memory.py) a fresh 256 KiB object per read would be a new mapping each
    # time. Only paramiko's packetizer reads this socket, and only through recv.
    READ_AHEAD = 256 * 2**10
    _ahead: memoryview | None = None
    _pos = 0
    _have = 0

    def recv(self, size: int, flags: int = 0) -> bytes:
        if flags:
            return super().recv(size, flags)
        if self._pos < self._have:
            assert self._ahead is not None
            end = min(self._pos + size, self._have)
            out = bytes(self._ahead[self._pos : end])
            self._pos = end
            return out
        if size >= self.READ_AHEAD:
            data = super().recv(size)
            if data:
                self.heard = time.monotonic()
            return data
        if self._ahead is None:
            self._ahead = memoryview(bytearray(self.READ_AHEAD))
        n = self.recv_into(self._ahead)
        if not n:
            return b""
        self.heard = time.monotonic()
        self._have = n
        self._pos = min(size, n)
        return bytes(self._ahead[: self._pos])


LINK_QUIET = "The board has sent nothing for {seconds} s; waiting for it (the connection may have stalled)."
LINK_BACK = "The board answers again; going on."


class StallWatch:
    """While an operation waits on the board (an upload, a chat answer), tell the user when the link has
    been silent for `after` seconds, and again when the board is heard from.

    Silence alone is not enough (a board may think for a while before it answers): past half of `after` the
    watch asks sshd for a reply (`Board.nudge`), which a live link gives within a round trip."""

    def __init__(self, board: Board, report: Reporter, *, step: str, after: float = 20.0) -> None:
        self.board, self.report, self.step, self.after = board, report, step, after
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="stall-watch", daemon=True)
        self._lock = threading.Lock()
        self._quiet_since: float | None = None  # when the user was told the link is silent
        self.warned = 0  # how many times the user was told

    def __enter__(self) -> StallWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join(2)
        # The rest of an answer can arrive in one burst after a stall and end it between two ticks: the user
        # still hears that the board came back, when it was heard from after the warning.
        self._heard_again(lambda since, silent: silent < time.monotonic() - since)

    def _heard_again(self, check: Callable[[float, float], bool]) -> None:
        with self._lock:
            since = self._quiet_since
            if since is None or not check(since, self.board.silent_for()):
                return
            self._quiet_since = None
        self.report(Event(INFO, step=self.step, message=LINK_BACK))

    def _watch(self) -> None:
        while not self._done.wait(0.5):
            silent = self.board.silent_for()
            if self._quiet_since is not None:
                self._heard_again(lambda _since, silent: silent < 2.0)
            elif silent >= self.after:
                with self._lock:
                    self._quiet_since = time.monotonic()
                self.warned += 1
                message = LINK_QUIET.format(seconds=int(self.after))
                self.report(Event(WARN, step=self.step, code="E_STALLED", message=message))
            elif silent >= self.after / 2:
                self.board.nudge()


class Forward:
    """A local port forward (`ssh -L`) over the board's transport. Connections are pumped by threads."""

    def __init__(self, board: Board, remote_host: str, remote_port: int, local_port: int = 0) -> None:
        self.board = board
        self.remote_host = remote_host
        self.remote_port = remote_port
        self._server = socket.create_server(("127.0.0.1", local_port))
        self.local_port: int = self._server.getsockname()[1]
        self._closed = threading.Event()
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept_loop, name=f"forward-{self.local_port}", daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.local_port}"

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                conn, addr = self._server.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._pump, args=(conn, addr), daemon=True).start()

    def _pump(self, conn: socket.socket, addr: Any) -> None:
        try:
            chan = self.board.transport.open_channel(
                "direct-tcpip", (self.remote_host, self.remote_port), addr, timeout=10
            )
        except (paramiko.SSHException, EOFError, OSError) as exc:
            log.info("forward to %s:%s refused: %s", self.remote_host, self.remote_port, exc)
            conn.close()
            return
        with self._lock:
            self._conns.add(conn)
        try:
            while not self._closed.is_set():
                r, _, _ = select.select([conn, chan], [], [], 0.5)  # type: ignore[type-var]
                if conn in r:
                    data = conn.recv(65536)
                    if not data:
                        break
                    chan.sendall(data)
                if chan in r:
                    data = chan.recv(65536)
                    if not data:
                        break
                    conn.sendall(data)
        except (OSError, paramiko.SSHException, EOFError):
            pass
        finally:
            with self._lock:
                self._conns.discard(conn)
            # Closing sends a message: on a link that just died paramiko raises EOFError from here (CI saw it
            # escape this thread when a test closed its board while a tunnelled connection was open).
            with contextlib.suppress(OSError, paramiko.SSHException, EOFError):
                chan.close()
            conn.close()

    def close(self) -> None:
        self._closed.set()
        # close() alone does not wake a thread blocked in accept() on Linux: the accept thread would live on
        # and keep the port listening (one thread per tunnel ever opened). shutdown() makes accept() fail.
        with contextlib.suppress(OSError):
            self._server.shutdown(socket.SHUT_RDWR)
        self._server.close()
        with self._lock:
            for conn in list(self._conns):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
        if self in self.board._forwards:
            self.board._forwards.remove(self)


# -------------------------------------------------------------------- helpers
class _Meter:
    """Turns byte counts into throttled progress events with speed and ETA."""

    def __init__(self, total: int, done: int, report: Reporter, step: str, verb: str) -> None:
        self.total, self.done, self.report, self.step, self.verb = total, done, report, step, verb
        self.start = time.monotonic()
        self.start_done = done
        self.last = 0.0

    def add(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last < 0.1 and self.done < self.total:
            return
        self.last = now
        elapsed = max(now - self.start, 1e-6)
        speed = (self.done - self.start_done) / elapsed
        eta = (self.total - self.done) / speed if speed > 0 else None
        self.report(
            Event(
                PROGRESS,
                step=self.step,
                fraction=self.done / self.total if self.total else 1.0,
                message=f"{self.verb} {self.done >> 20} of {self.total >> 20} MiB",
                data={"bytes": self.done, "total": self.total, "speed": speed, "eta": eta},
            )
        )


def _same_tail(sftp: paramiko.SFTPClient, remote: str, local: Path, offset: int) -> bool:
    """Resume only when the remote and the local file hold the same bytes just before `offset`: the partial
    file (remote for an upload, local for a download) is then a true start of the whole one."""
    n = min(offset, 64 * 1024)
    with sftp.open(remote, "rb") as fh:
        fh.seek(offset - n)
        remote_tail = fh.read(n)
    with open(local, "rb") as fh:
        fh.seek(offset - n)
        return fh.read(n) == remote_tail


def _short(command: str, n: int = 80) -> str:
    return command if len(command) <= n else command[: n - 1] + "…"


def _dial(target: Target, cancel: CancelToken | None) -> socket.socket:
    host = target.hostname or target.host
    try:
        infos = socket.getaddrinfo(host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError):  # UnicodeError: an empty or over-long label
        raise Unreachable(
            f"The name {host!r} was not found.",
            reason="name",
            hint="Check the spelling, or use the board's IP address (on the board: `ip addr`).",
        ) from None
    last: OSError | None = None
    for family, kind, proto, _name, addr in infos:
        if cancel is not None:
            cancel.raise_if_cancelled()
        sock = socket.socket(family, kind, proto)
        sock.settimeout(target.timeout)
        try:
            sock.connect(addr)
        except OSError as exc:
            sock.close()
            last = exc
            continue
        # paramiko leaves Nagle on: +40 ms per round trip (measured-here.md).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        return sock
    if isinstance(last, ConnectionRefusedError):
        raise Unreachable(
            f"{host} refused the connection on port {target.port}.",
            reason="refused",
            hint="Is the board's SSH server running, and is this the right port?",
        )
    if isinstance(last, TimeoutError | socket.timeout):
        raise Unreachable(
            f"{host} did not answer on port {target.port} within {target.timeout:.0f} s.",
            reason="timeout",
            hint="Is the board powered on and on the same network as this computer?",
        )
    raise Unreachable(f"Cannot reach {host}:{target.port}: {last}", reason="network")


def handshake(transport: paramiko.Transport, where: str, timeout: float) -> None:
    """Run the SSH key exchange on `transport` within `timeout` seconds, or raise Unreachable.

    reason "not_ssh" when the peer answered with something that is not SSH (or closed), "timeout" when it
    accepted the TCP connection but did not complete the handshake in time (a silent port, a stuck server).
    """
    # paramiko's own waits (15 s for the banner, 15 s for the key exchange) must outlast ours: when its thread
    # gives up first, a slow or silent server reads as "Error reading SSH protocol banner", i.e. not SSH.
    # The caller closes the transport when this raises, which ends that thread.
    transport.banner_timeout = timeout + 5
    transport.handshake_timeout = timeout + 5
    try:
        transport.start_client(timeout=timeout)
    except (paramiko.SSHException, EOFError, OSError) as exc:
        raise Unreachable(
            f"{where} is not an SSH server ({exc or type(exc).__name__}).",
            reason="not_ssh",
            hint="Check the port: SSH normally listens on 22.",
        ) from None
    # WORKAROUND(https://github.com/paramiko/paramiko/pull/2327): start_client returns without a word when
    # its timeout passes; the next call then fails with a bare SSHException("No existing session").
    if not (transport.is_active() and transport.initial_kex_done):
        said = "answered as SSH but" if transport.remote_version else "accepted the connection but"
        raise Unreachable(
            f"{where} timed out: it {said} did not complete the SSH handshake within {timeout:g} s.",
            reason="timeout",
            hint="Is this the board's SSH port? A busy or stuck board can also do this; try again.",
        )


def _tune(transport: paramiko.Transport) -> None:
    opts = transport.get_security_options()
    available = list(opts.ciphers)
    opts.ciphers = tuple(
        [c for c in PREFERRED_CIPHERS if c in available]
        + [c for c in available if c not in PREFERRED_CIPHERS]
    )
    packetizer = transport.packetizer
    packetizer.REKEY_BYTES = REKEY_LIMIT  # type: ignore[misc]
    packetizer.REKEY_PACKETS = REKEY_LIMIT  # type: ignore[misc]
    fastsftp.install_fast_reader(transport)


def _load_key(path: str, passphrase: str | None) -> paramiko.PKey:
    try:
        return paramiko.PKey.from_path(path, password=passphrase.encode() if passphrase else None)  # type: ignore[arg-type]
    except (paramiko.PasswordRequiredException, TypeError):
        # paramiko raises PasswordRequiredException for PEM keys; cryptography a TypeError for OpenSSH ones
        if passphrase:
            raise AuthFailed(f"The passphrase for {path} is wrong.", reason="passphrase", key=path) from None
        raise AuthFailed(
            f"The key {path} is protected by a passphrase.", reason="passphrase_needed", key=path
        ) from None
    except paramiko.SSHException as exc:
        if passphrase and (
            "checkints" in str(exc) or "passphrase" in str(exc).lower() or "decrypt" in str(exc)
        ):
            raise AuthFailed(f"The passphrase for {path} is wrong.", reason="passphrase", key=path) from None
        raise AuthFailed(f"Cannot read the key {path}: {exc}", reason="key", key=path) from None
    except (OSError, ValueError) as exc:
        if passphrase:
            raise AuthFailed(f"The passphrase for {path} is wrong.", reason="passphrase", key=path) from None
        raise AuthFailed(f"Cannot read the key {path}: {exc}", reason="key", key=path) from None


def _authenticate(transport: paramiko.Transport, target: Target) -> None:
    user = target.user
    tried: list[str] = []

    def try_key(key: paramiko.PKey) -> bool:
        try:
            transport.auth_publickey(user, key)
            return transport.is_authenticated()
        except paramiko.AuthenticationException:
            return False
        except paramiko.SSHException as exc:
            raise Unreachable(f"The connection dropped during login ({exc}).", reason="dropped") from None

    if target.identity:
        tried.append("key")
        if try_key(_load_key(target.identity, target.passphrase)):
            return
    if target.use_agent and not target.identity:
        # The agent's socket is closed once login is over (paramiko's Agent keeps it open until close()).
        try:
            agent: paramiko.Agent | None = paramiko.Agent()
        except paramiko.SSHException:  # an agent that speaks another protocol: as if there were none
            agent = None
        try:
            for agent_key in agent.get_keys() if agent else ():
                tried.append("agent")
                if try_key(agent_key):
                    return
        finally:
            if agent:
                agent.close()
    if target.look_for_keys and not target.identity and target.password is None:
        for name in ("id_ed25519", "id_ecdsa", "id_rsa"):
            path = Path.home() / ".ssh" / name
            if path.is_file():
                try:
                    key = _load_key(str(path), target.passphrase)
                except AuthFailed:
                    continue
                tried.append("key")
                if try_key(key):
                    return
    if target.password is not None:
        tried.append("password")
        password = target.password
        try:
            transport.auth_password(user, password, fallback=True)
        except paramiko.BadAuthenticationType as exc:
            if "keyboard-interactive" not in exc.allowed_types:
                raise AuthFailed(
                    "The board does not accept passwords for this account; use a key.",
                    reason="no_method",
                ) from None
            with contextlib.suppress(paramiko.AuthenticationException):
                transport.auth_interactive(user, lambda _t, _i, prompts: [password for _ in prompts])
        except paramiko.AuthenticationException:
            pass
        except paramiko.SSHException as exc:
            raise Unreachable(f"The connection dropped during login ({exc}).", reason="dropped") from None
        if transport.is_authenticated():
            return
        raise AuthFailed(
            f"The board refused the password for {user}.",
            reason="password",
            hint="Check the user name and password (a new board uses ubuntu / ubuntu).",
        )
    if "key" in tried:
        raise AuthFailed(f"The board refused the key for {user}.", reason="key")
    raise AuthFailed(f"The board needs a password for {user}.", reason="password_needed")


def change_expired_password(
    target: Target, known_hosts: KnownHosts, new_password: str, *, timeout: float = 30.0
) -> None:
    """Walk the forced first-login password change on an interactive channel, as a terminal user would.

    `target.password` is the current (expired) password. Raises AuthFailed when the board rejects the new one.
    """
    target = target.resolve()
    if target.password is None:
        raise AuthFailed("The current password is needed to change it.", reason="password_needed")
    sock = _dial(target, None)
    transport = paramiko.Transport(sock)
    try:
        _tune(transport)
        handshake(transport, f"{target.hostname}:{target.port}", target.timeout)
        status, _ = known_hosts.check(target.key_id, transport.get_remote_server_key())
        if status != "ok":
            raise HostKeyMismatch("The host key is not the pinned one; refusing to send the password.")
        _authenticate(transport, target)
        chan = transport.open_session(timeout=target.timeout)
        chan.get_pty(term="dumb", width=200)
        chan.invoke_shell()
        chan.settimeout(1.0)
        answers = [
            (("current password", "(current) unix password", "old password"), target.password),
            (("new password", "new unix password"), new_password),
            (("retype", "re-enter", "again"), new_password),
        ]
        transcript = ""
        stage = 0
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                data = chan.recv(4096)
            except TimeoutError:
                data = None
            if data == b"":
                break
            if data:
                transcript += data.decode("utf-8", "replace")
            low = transcript.lower()
            if (
                stage < len(answers)
                and any(p in low[-200:] for p in answers[stage][0])
                and low.rstrip().endswith(":")
            ):
                chan.sendall((answers[stage][1] + "\n").encode())
                transcript = ""
                stage += 1
                continue
            if stage == len(answers):
                if "successfully" in low or "updated" in low:
                    return
                bad = ("bad password", "too short", "too simple", "is the same", "failure", "do not match")
                if any(b in low for b in bad):
                    raise AuthFailed(
                        "The board refused the new password: " + transcript.strip().splitlines()[-1],
                        reason="new_password",
                    )
                if "$ " in transcript or "# " in transcript:
                    return
        if stage == len(answers):
            # The shell closed right after a successful change (sshd ends the session): good.
            return
        raise AuthFailed("The board did not ask for a new password as expected.", reason="change_failed")
    finally:
        transport.close()


def generate_key_pair(path: Path, comment: str = "rubikpi-studio") -> str:
    """Create an ed25519 key pair (private key file mode 0600) and return the public key line."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    private = ed25519.Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    )
    pub = private.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    line = f"{pub.decode()} {comment}"
    path.with_name(path.name + ".pub").write_text(line + "\n")
    return line


def install_public_key(board: Board, public_line: str) -> None:
    """Append a public key to the board account's authorized_keys once (data on stdin, never in argv)."""
    script = (
        "umask 077; mkdir -p ~/.ssh; touch ~/.ssh/authorized_keys; IFS= read -r line; "
        'grep -qxF "$line" ~/.ssh/authorized_keys || printf "%s\\n" "$line" >> ~/.ssh/authorized_keys'
    )
    board.run(script, stdin=public_line + "\n", check=True)
