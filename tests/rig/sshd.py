"""The rig's board: Debian's OpenSSH server on 127.0.0.1 and test accounts that stand in for the RUBIK Pi.

The server runs per test session with its own host key and config in a temporary directory; the accounts are
real system users (password + key login, a login shell, a `sudo` that asks for the account's password) made
with useradd. `rpsboard` is long-lived: its home holds the cached llama.cpp build, so it is never wiped here.
Throw-away accounts (`make_fresh_account`, `make_expired_account`) are unique per call and removed afterwards.

Everything that changes the system runs as root: directly when the tests run as root, else through
`sudo -n` (passwordless sudo, as `dev.py test` uses for `provision.sh`). `rig_unavailable_reason()` says why
the rig cannot run here, for a skip.

Only the standard library is imported at module level, so `provision.sh` can run
`python3 tests/rig/sshd.py provision` with the system Python to create the accounts.
"""

from __future__ import annotations

import base64
import contextlib
import os
import pwd
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import paramiko

SSHD = "/usr/sbin/sshd"
SFTP_SERVER = "/usr/lib/openssh/sftp-server"

BOARD_USER = "rpsboard"
# Deliberately needs quoting: a space, a quote and `$HOME` catch code that puts the password into a shell
# command line (it would break or expand) instead of passing it as data.
BOARD_PASSWORD = "rubik pi'3 $HOME"
KEY_PASSPHRASE = "key pass'phrase $HOME"

# Only members of this group may log in through the rig's sshd, and they get a sudo that asks for their
# own password (not NOPASSWD).
RIG_GROUP = "rpsrig"
SUDOERS_FILE = "/etc/sudoers.d/rubikpi-studio-rig"
# Root-owned so sshd's StrictModes accepts it (a path under /tmp never passes); one file per user, holding
# the public keys of every test runner that uses the account. `.ssh/authorized_keys` in the home also counts,
# so the app's own "install my key" works as on a real board.
RIG_STATE = Path("/var/lib/rubikpi-studio-rig")
AUTHORIZED_KEYS_DIR = RIG_STATE / "authorized_keys"
# Serialises account changes between test sessions running at the same time.
LOCK_FILE = "/run/lock/rubikpi-studio-rig.lock"

FRESH_PREFIX = "rpsf"
EXPIRED_PREFIX = "rpsx"

# For the secrets scan (rig/secretscan.py, tests/conftest.py): every password and passphrase the rig handed
# out in this process, and callbacks that look at a throw-away account's home before it is deleted.
ISSUED_SECRETS: dict[str, str] = {}  # value -> label
BEFORE_REMOVE: list[Callable[[str, Path], None]] = []  # (user, home)


@dataclass(frozen=True)
class RigAccount:
    user: str
    password: str = field(repr=False)
    key_path: Path  # ed25519, no passphrase, mode 0600 (OpenSSH's client insists)
    home: Path
    passphrase_key_path: Path  # RSA, protected by `passphrase`
    passphrase: str = field(repr=False)

    @property
    def public_key_line(self) -> str:
        return Path(f"{self.key_path}.pub").read_text().strip()


@dataclass
class RigSshd:
    host: str
    port: int
    host_key_path: Path
    log_path: Path
    workdir: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    def host_public_key(self) -> paramiko.PKey:
        import paramiko

        key_type, b64 = Path(f"{self.host_key_path}.pub").read_text().split()[:2]
        return paramiko.PKey.from_type_string(key_type, base64.b64decode(b64))

    def known_hosts_line(self, port: int | None = None) -> str:
        """The known_hosts line pinning this server's key (for `port`, e.g. a proxy's, if given)."""
        key_type, b64 = Path(f"{self.host_key_path}.pub").read_text().split()[:2]
        return f"[{self.host}]:{port or self.port} {key_type} {b64}"

    def write_known_hosts(self, path: Path, *ports: int) -> Path:
        lines = [self.known_hosts_line(p) for p in (ports or (self.port,))]
        path.write_text("".join(f"{line}\n" for line in lines))
        return path

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            if os.geteuid() == 0:
                self.process.terminate()
            else:
                # sudo runs as root, so the invoking user may not signal it; ask root to end sshd itself.
                pid = _read_pid(self.workdir / "sshd.pid")
                if pid:
                    _root(["kill", "-TERM", str(pid)], check=False)
                else:
                    self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --- privileges -------------------------------------------------------------------------------------------


def _can_sudo() -> bool:
    if shutil.which("sudo") is None:
        return False
    return subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0


def rig_unavailable_reason() -> str | None:
    """None when the rig can run here, else a sentence for `pytest.skip`."""
    if sys.platform != "linux":
        return "the board rig needs Linux (OpenSSH server, system accounts)"
    for tool in (SSHD, "/usr/sbin/useradd", "/usr/bin/ssh-keygen", "/usr/bin/flock"):
        if not os.path.exists(tool):
            return (
                f"the board rig needs {tool}: run tests/rig/provision.sh as root (or `python3 dev.py test`)"
            )
    if os.geteuid() != 0 and not _can_sudo():
        have = "exist" if _user_exists(BOARD_USER) else "do not exist"
        return (
            f"the board rig needs root or passwordless sudo to run sshd for other accounts "
            f"(not root, `sudo -n` refused; rig accounts {have})"
        )
    return None


def _root(
    argv: list[str], *, input: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    full = argv if os.geteuid() == 0 else ["sudo", "-n", *argv]
    proc = subprocess.run(full, input=input, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise RuntimeError(f"rig: {shlex.join(argv)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc


def _root_script(script: str, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run a bash script as root, holding the rig lock (other sessions may change accounts too)."""
    return _root(
        ["flock", "-w", "120", LOCK_FILE, "bash", "-euo", "pipefail", "-c", script, "rig", *args], input=input
    )


def _user_exists(user: str) -> bool:
    try:
        pwd.getpwnam(user)
    except KeyError:
        return False
    return True


# --- accounts ---------------------------------------------------------------------------------------------

_ENSURE_ACCOUNT = r"""
user=$1; sudoers=$2; keys_dir=$3; group=$4
getent group "$group" >/dev/null || groupadd --system "$group"
if ! id "$user" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash --groups "$group" "$user"
fi
usermod --shell /bin/bash --append --groups "$group" "$user"
# stdin: "user:password" — chpasswd also clears any forced change (last change = today)
chpasswd
chage --maxdays -1 "$user"
if [ ! -f "$sudoers" ]; then
  tmp=$(mktemp)
  printf '%%%s ALL=(ALL:ALL) ALL\n' "$group" > "$tmp"
  visudo -cqf "$tmp"
  install -m 0440 -o root -g root "$tmp" "$sudoers"
  rm -f "$tmp"
fi
install -d -m 0755 -o root -g root "$(dirname "$keys_dir")" "$keys_dir"
"""

_AUTHORIZE = r"""
file=$1; shift
touch "$file"; chown root:root "$file"; chmod 0644 "$file"
for line in "$@"; do grep -qxF -- "$line" "$file" || printf '%s\n' "$line" >> "$file"; done
"""

_REMOVE_ACCOUNT = r"""
user=$1; keys_file=$2
if id "$user" >/dev/null 2>&1; then
  pids=$(pgrep -u "$user" || true)
  # shellcheck disable=SC2086
  [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
  userdel --force --remove "$user" 2>/dev/null || true
fi
rm -f "$keys_file"
"""


def _key_dir() -> Path:
    # The real home of whoever runs the tests, not $HOME (tests may point HOME elsewhere).
    return Path(pwd.getpwuid(os.getuid()).pw_dir) / ".cache" / "rubikpi-studio-rig" / "keys"


def _ensure_keys(user: str) -> tuple[Path, Path]:
    """This runner's key pairs for `user`, made once: ed25519 without and RSA with a passphrase."""
    final = _key_dir() / user
    if not (final / "id_rsa_passphrase.pub").exists():
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{user}-", dir=final.parent))
        runner = pwd.getpwuid(os.getuid()).pw_name
        keygen = ["ssh-keygen", "-q", "-C", f"rubikpi-rig-{user}-for-{runner}"]
        subprocess.run([*keygen, "-t", "ed25519", "-N", "", "-f", str(tmp / "id_ed25519")], check=True)
        subprocess.run(
            [*keygen, "-t", "rsa", "-b", "3072", "-N", KEY_PASSPHRASE, "-f", str(tmp / "id_rsa_passphrase")],
            check=True,
        )
        try:
            tmp.rename(final)  # atomic: a session racing us either wins or loses whole
        except OSError:
            shutil.rmtree(tmp)
    return final / "id_ed25519", final / "id_rsa_passphrase"


def ensure_account(name: str = BOARD_USER, password: str = BOARD_PASSWORD) -> RigAccount:
    """Make (or repair) a board account; keeps its home. Idempotent, needs root or passwordless sudo."""
    key, passphrase_key = _ensure_keys(name)
    _root_script(
        _ENSURE_ACCOUNT, name, SUDOERS_FILE, str(AUTHORIZED_KEYS_DIR), RIG_GROUP, input=f"{name}:{password}\n"
    )
    lines = [Path(f"{k}.pub").read_text().strip() for k in (key, passphrase_key)]
    _root_script(_AUTHORIZE, str(AUTHORIZED_KEYS_DIR / name), *lines)
    ISSUED_SECRETS.setdefault(password, f"password of {name}")
    ISSUED_SECRETS.setdefault(KEY_PASSPHRASE, "key passphrase")
    return RigAccount(
        user=name,
        password=password,
        key_path=key,
        home=Path(pwd.getpwnam(name).pw_dir),
        passphrase_key_path=passphrase_key,
        passphrase=KEY_PASSPHRASE,
    )


def make_fresh_account() -> RigAccount:
    """A new, empty board account with a unique name ("from nothing" tests). Remove it with remove_account."""
    return ensure_account(f"{FRESH_PREFIX}{secrets.token_hex(4)}", f"fresh pw'{secrets.token_hex(4)}")


def make_expired_account() -> RigAccount:
    """A new account whose password must be changed at next login (`chage -d 0`)."""
    account = ensure_account(f"{EXPIRED_PREFIX}{secrets.token_hex(4)}", f"old pw'{secrets.token_hex(4)}")
    _root(["chage", "--lastday", "0", account.user])
    return account


def remove_account(account: RigAccount | str) -> None:
    """Delete a throw-away account, its processes, home and keys. Refuses the long-lived board account."""
    user = account if isinstance(account, str) else account.user
    if not _is_throwaway(user):
        raise ValueError(f"rig: refusing to remove {user!r}, which the rig did not make as throw-away")
    if _user_exists(user):
        for callback in BEFORE_REMOVE:
            callback(user, Path(pwd.getpwnam(user).pw_dir))
    _remove_account_now(user)


def _remove_account_now(user: str) -> None:
    _root_script(_REMOVE_ACCOUNT, user, str(AUTHORIZED_KEYS_DIR / user))
    shutil.rmtree(_key_dir() / user, ignore_errors=True)


# --- what a crashed run left behind -----------------------------------------------------------------------
# A test session or bench killed mid-run (a segfault, SIGKILL, a CI timeout) cannot stop what it started:
# its sshd listeners, the board jobs and llama-servers of the rig accounts, its throw-away accounts. A later
# run on the same machine then finds "a job already running" and attaches to it. Every process that uses the
# rig holds IN_USE_LOCK shared from its first `start_sshd` until it exits (the kernel drops the lock of a dead
# process); the first one to find nobody holding it sweeps those leftovers.
IN_USE_LOCK = "/run/lock/rubikpi-studio-rig-in-use.lock"
SWEPT: list[str] = []  # what this process swept, for the test session's summary
_in_use_fd: int | None = None


def claim_rig() -> list[str]:
    """Mark this process as a user of the rig for its lifetime; sweep leftovers first if no one else uses it.

    Returns what this process swept."""
    global _in_use_fd
    if _in_use_fd is not None:
        return SWEPT
    import fcntl

    try:
        fd = os.open(IN_USE_LOCK, os.O_RDONLY | os.O_CREAT, 0o644)
    except OSError:  # no /run/lock here, or not ours to write: a lock in the temp folder does the same
        fd = os.open(Path(tempfile.gettempdir()) / Path(IN_USE_LOCK).name, os.O_RDONLY | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        pass  # another session or bench uses the rig now: what runs may be theirs
    else:
        SWEPT.extend(sweep_leftovers())
    fcntl.flock(fd, fcntl.LOCK_SH)
    _in_use_fd = fd
    return SWEPT


def _is_throwaway(user: str) -> bool:
    return user.startswith((FRESH_PREFIX, EXPIRED_PREFIX))


def _is_rig_user(user: str) -> bool:
    return user == BOARD_USER or _is_throwaway(user)


def _leftover_sshds() -> list[int]:
    """Listeners started by `start_sshd` (`sshd -D -e -f <workdir>/sshd_config`, which sshd's process title
    shows as `sshd: /usr/sbin/sshd -D -e -f ... [listener] ...`), not the system's sshd."""
    ours = re.compile(rf"^(?:sshd: )?{re.escape(SSHD)} -D -e -f (\S+/sshd_config)(?: |$)")
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace").replace("\0", " ").strip()
        except OSError:
            continue
        m = ours.match(cmdline)
        if m and m.group(1) != "/etc/ssh/sshd_config":
            found.append(int(entry.name))
    return found


def sweep_leftovers() -> list[str]:
    """Stop what earlier runs left (only call it while no other process uses the rig): the rig's sshd
    listeners, every process of the rig accounts, the throw-away accounts. Returns what it did, in words."""
    done = []
    sshds = _leftover_sshds()
    if sshds:
        _root(["kill", "-TERM", *map(str, sshds)], check=False)
        done.append(f"stopped {len(sshds)} rig sshd listener(s) of an earlier run (pids {sshds})")
    users = sorted({e.pw_name for e in pwd.getpwall() if _is_rig_user(e.pw_name)})
    for user in users:
        pids = [int(x) for x in _root(["pgrep", "-u", user], check=False).stdout.split()]
        if pids:
            _root(["kill", "-KILL", *map(str, pids)], check=False)
            done.append(f"killed {len(pids)} process(es) of {user} left by an earlier run")
    throwaway = [u for u in users if u != BOARD_USER]
    for user in throwaway:
        _remove_account_now(user)
    if throwaway:
        done.append(f"removed {len(throwaway)} throw-away account(s) of earlier runs")
    return done


def run_as(user: str, cmd: str | list[str], *, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run a command locally as `user` (a string goes to `bash -c`), e.g. to check what a test left behind."""
    argv = ["bash", "-c", cmd] if isinstance(cmd, str) else list(cmd)
    full = ["runuser", "-u", user, "--", *argv]
    if os.geteuid() != 0:
        full = ["sudo", "-n", *full]
    return subprocess.run(full, capture_output=True, text=True, timeout=timeout)


# --- sshd -------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _config(workdir: Path, port: int, extra: list[str]) -> str:
    lines = [
        f"ListenAddress 127.0.0.1:{port}",
        f"HostKey {workdir / 'ssh_host_ed25519_key'}",
        f"PidFile {workdir / 'sshd.pid'}",
        "LogLevel VERBOSE",
        "UsePAM yes",
        "PasswordAuthentication yes",
        "KbdInteractiveAuthentication yes",
        "PubkeyAuthentication yes",
        f"AuthorizedKeysFile .ssh/authorized_keys {AUTHORIZED_KEYS_DIR}/%u",
        "PermitRootLogin no",
        f"AllowGroups {RIG_GROUP}",
        "AllowTcpForwarding yes",
        "X11Forwarding no",
        "PrintMotd no",
        "UseDNS no",
        "AcceptEnv LANG LC_*",
        # Many sessions from one test run; do not let sshd drop new ones while others authenticate.
        "MaxStartups 100",
        "MaxSessions 50",
        f"Subsystem sftp {SFTP_SERVER}",
        *extra,
    ]
    return "".join(f"{line}\n" for line in lines)


def _supported_extras(workdir: Path, port: int) -> list[str]:
    # OpenSSH >= 9.8 penalises addresses with failed logins, and the tests fail logins on purpose from
    # 127.0.0.1; older servers (Debian 12 has 9.2) reject the option, so ask `sshd -t` which one this is.
    extra = ["PerSourcePenalties no"]
    probe = workdir / "sshd_config.probe"
    probe.write_text(_config(workdir, port, extra))
    ok = _root([SSHD, "-t", "-f", str(probe)], check=False).returncode == 0
    probe.unlink()
    return extra if ok else []


def start_sshd(workdir: Path, *, extra: Sequence[str] = (), attempts: int = 5) -> RigSshd:
    """Start sshd in the foreground (`-D -e`) as a child process on 127.0.0.1 and a free port.

    `extra`: more sshd_config lines (e.g. `RekeyLimit 8M`), appended after the rig's own; sshd takes the first
    value it reads for most keywords, so an extra line adds settings rather than overriding the rig's.
    """
    claim_rig()
    workdir.mkdir(parents=True, exist_ok=True)
    host_key = workdir / "ssh_host_ed25519_key"
    if not host_key.exists():
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "rubikpi-rig-host", "-f", str(host_key)],
            check=True,
        )
    _root(["install", "-d", "-m", "0755", "-o", "root", "-g", "root", "/run/sshd"])  # privilege separation
    _root_script(f"getent group {RIG_GROUP} >/dev/null || groupadd --system {RIG_GROUP}")
    extra = [*_supported_extras(workdir, _free_port()), *extra]
    log_path = workdir / "sshd.log"
    last_error = ""
    for _ in range(attempts):
        port = _free_port()
        config = workdir / "sshd_config"
        config.write_text(_config(workdir, port, extra))
        argv = [SSHD, "-D", "-e", "-f", str(config)]
        if os.geteuid() != 0:
            argv = ["sudo", "-n", *argv]
        with log_path.open("ab") as log:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        server = RigSshd("127.0.0.1", port, host_key, log_path, workdir, proc)
        if _wait_for_banner(server):
            return server
        server.stop()
        last_error = log_path.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"rig: sshd did not start; log tail:\n{last_error}")


def _wait_for_banner(server: RigSshd, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False  # e.g. the port was taken between probing and binding
        try:
            with socket.create_connection((server.host, server.port), timeout=2) as s:
                if s.recv(64).startswith(b"SSH-2.0-"):
                    return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


if __name__ == "__main__":
    # `python3 tests/rig/sshd.py provision` (as root, from provision.sh): create the long-lived board account.
    if sys.argv[1:] != ["provision"]:
        sys.exit("usage: sshd.py provision")
    print(f"rig: board account {ensure_account().user} ready")


@contextlib.contextmanager
def small_disk(account: RigAccount, name: str, size_kib: int) -> Iterator[str]:
    """A folder in the account's home on its own `size_kib` tmpfs, owned by the account: a board disk that
    fills up. Yields the folder's path; unmounted and removed afterwards."""
    path = f"{account.home}/{name}"
    _root(["install", "-d", "-m", "0755", "-o", account.user, "-g", account.user, path])
    _root(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0755", "tmpfs", path])
    try:
        _root(["chown", f"{account.user}:{account.user}", path])
        yield path
    finally:
        _root(["umount", "-l", path], check=False)
        _root(["rmdir", path], check=False)


def resize_disk(path: str, size_kib: int) -> None:
    """Give a `small_disk` more (or less) room."""
    _root(["mount", "-o", f"remount,size={size_kib}k", path])
