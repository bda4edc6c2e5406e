"""Looking for known secrets where they must not be: files the app wrote, board files, board command lines.

A `SecretSet` holds secret strings the tests know (rig account passwords, the key passphrase, tokens and
keys a test used) and finds each one in its plain form and in the forms it would take if code wrote it
carelessly: base64 of the whole value (how the job launcher carries env values), shell-quoted
(`shlex.quote`, bash's `printf %q`) and URL-encoded. Finding a secret in any form is a leak.

- `scan_files(paths)`: every regular file under the paths, zip members opened (problem reports are zips);
  SQLite databases and their WAL are searched as bytes (SQLite stores text uncompressed).
- `scan_board_files(user, paths)`: the same on the board side, run as root (`grep -F`), for homes and
  temporary folders of a rig account.
- `ProcSampler`: a thread that reads `/proc/*/cmdline` of the board accounts' processes (what
  `ps -eo args` shows) every `interval` seconds and keeps each distinct command line.

Only the standard library: tests/conftest.py uses it for the end-of-session scan.
"""

from __future__ import annotations

import base64
import os
import pwd
import shlex
import subprocess
import tempfile
import threading
import urllib.parse
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

# Board accounts the rig makes (rig/sshd.py): the long-lived one and throw-away ones.
BOARD_USER_PREFIXES = ("rpsboard", "rpsf", "rpsx")
MIN_SECRET_LEN = 6  # shorter strings would match by chance


def _bash_q(s: str) -> str:
    """bash's `printf %q` for printable ASCII: backslash before every character outside [A-Za-z0-9_./-]."""
    return "".join(c if c.isalnum() or c in "_./-=,:@" else "\\" + c for c in s)


@dataclass(frozen=True)
class Finding:
    where: str  # a file (zip members as zip!member), or "ps:<pid> <user>"
    secret: str  # the label of the secret, never its value
    form: str  # "plain", "base64", ...

    def __str__(self) -> str:
        return f"{self.where}: {self.secret} ({self.form})"


@dataclass
class SecretSet:
    """Known secret values with labels (reports name the label, never the value)."""

    secrets: dict[str, str] = field(default_factory=dict)  # value → label
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, label: str, value: str | None) -> None:
        if value and len(value) >= MIN_SECRET_LEN:
            with self._lock:
                self.secrets.setdefault(value, label)

    def __len__(self) -> int:
        return len(self.secrets)

    def patterns(self) -> dict[bytes, tuple[str, str]]:
        """Each searchable byte string → (label, form)."""
        out: dict[bytes, tuple[str, str]] = {}
        with self._lock:
            items = list(self.secrets.items())
        for value, label in items:
            names = [  # the first form that matches names it (a plain token is also its own shell quote)
                (value, "plain"),
                (base64.b64encode(value.encode()).decode(), "base64"),
                (urllib.parse.quote(value, safe=""), "url-encoded"),
                (urllib.parse.quote_plus(value), "url-encoded"),
                (_bash_q(value), "printf %q"),
                (shlex.quote(value), "shell-quoted"),
            ]
            for form_value, form in names:
                if len(form_value) >= MIN_SECRET_LEN:
                    out.setdefault(form_value.encode(), (label, form))
        return out

    def find_in(self, data: bytes, where: str) -> list[Finding]:
        return [Finding(where, label, form) for pat, (label, form) in self.patterns().items() if pat in data]


def _iter_files(paths: Iterable[Path]) -> Iterable[Path]:
    for root in paths:
        if root.is_file() and not root.is_symlink():
            yield root
        elif root.is_dir():
            for dirpath, _dirs, files in os.walk(root):
                for name in files:
                    p = Path(dirpath, name)
                    if p.is_file() and not p.is_symlink():
                        yield p


def scan_files(
    paths: Iterable[Path], secrets: SecretSet, *, skip: Callable[[Path], bool] | None = None
) -> list[Finding]:
    """Search every file under `paths` (zip members too) for every form of every secret."""
    findings: list[Finding] = []
    for path in _iter_files(paths):
        if skip is not None and skip(path):
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        findings += secrets.find_in(data, str(path))
        if data[:4] == b"PK\x03\x04":
            try:
                with zipfile.ZipFile(path) as zf:
                    for info in zf.infolist():
                        findings += secrets.find_in(zf.read(info), f"{path}!{info.filename}")
            except (zipfile.BadZipFile, OSError, RuntimeError):
                pass
    return findings


def _root(argv: list[str], *, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    full = argv if os.geteuid() == 0 else ["sudo", "-n", *argv]
    return subprocess.run(full, input=input, capture_output=True, timeout=600)


def scan_board_files(
    paths: Iterable[str],
    secrets: SecretSet,
    *,
    owner: str | None = None,
    allow: Callable[[str], bool] | None = None,
) -> list[Finding]:
    """`grep -F` as root over board folders (only files owned by `owner` when given); `allow(path)` exempts a
    file the design lets hold a secret (none by default)."""
    patterns = secrets.patterns()
    if not patterns:
        return []
    existing = [p for p in paths if os.path.lexists(p)]
    if not existing:
        return []
    pattern_text = b"\n".join(patterns) + b"\n"
    find = ["find", *existing, "-xdev", "-type", "f"]
    if owner:
        find += ["-user", owner]
    # find | xargs grep: every pattern at once (-F), file names only (-l), binary files too (-a).
    script = 'pats=$1; shift; "$@" -print0 | xargs -0 -r grep -laF -f "$pats" -- 2>/dev/null; true'
    with tempfile.NamedTemporaryFile(prefix="rps-scan-", delete=True) as fh:
        os.chmod(fh.name, 0o600)
        fh.write(pattern_text)
        fh.flush()
        out = _root(["bash", "-c", script, "scan", fh.name, *find]).stdout
    hits = out.decode(errors="replace").split("\n")
    findings: list[Finding] = []
    for hit in filter(None, hits):
        if allow is not None and allow(hit):
            continue
        data = _root(["cat", "--", hit]).stdout
        found = secrets.find_in(data, hit)
        findings += found or [Finding(hit, "?", "grep")]
    return findings


def board_users() -> list[pwd.struct_passwd]:
    return [p for p in pwd.getpwall() if p.pw_name.startswith(BOARD_USER_PREFIXES)]


class ProcSampler:
    """Every distinct command line of the board accounts' processes, sampled from /proc (what `ps -eo args`
    shows), while it runs."""

    def __init__(
        self, interval: float = 0.02, users: Callable[[str], bool] | None = None, *, sudo: bool = True
    ) -> None:
        self.interval = interval
        self.sudo = sudo  # also root's `sudo ...` command lines (costs a read per root process per sample)
        self.users = users or (lambda name: name.startswith(BOARD_USER_PREFIXES))
        self.lines: dict[str, tuple[int, str]] = {}  # command line → (pid, user) first seen
        self.samples = 0
        self._stop = threading.Event()
        self._names: dict[int, str] = {}
        self._thread = threading.Thread(target=self._run, name="proc-sampler", daemon=True)

    def start(self) -> ProcSampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def __enter__(self) -> ProcSampler:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _user(self, uid: int) -> str:
        name = self._names.get(uid)
        if name is None:
            try:
                name = pwd.getpwuid(uid).pw_name
            except KeyError:
                name = str(uid)
            self._names[uid] = name
        return name

    def sample(self) -> None:
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                uid = entry.stat().st_uid
                user = self._user(uid)
                # sudo runs as root: its command line (what a board account asked for) counts too.
                if not self.users(user) and not (uid == 0 and self.sudo):
                    continue
                with open(f"/proc/{entry.name}/cmdline", "rb") as fh:
                    raw = fh.read()
                if uid == 0 and not raw.startswith(b"sudo\0"):
                    continue
            except OSError:
                continue
            if raw:
                line = raw.rstrip(b"\0").replace(b"\0", b" ").decode(errors="replace")
                self.lines.setdefault(line, (int(entry.name), user))
        self.samples += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def scan(self, secrets: SecretSet) -> list[Finding]:
        findings: list[Finding] = []
        for line, (pid, user) in list(self.lines.items()):
            # Name the program only: the rest of the line may be the leak itself.
            findings += secrets.find_in(line.encode(), f"ps:{pid} {user}: {line.split(' ', 1)[0]}")
        return findings

    def seen(self, needle: str) -> bool:
        return any(needle in line for line in self.lines)


# --- the end-of-session scan (wired up in tests/conftest.py) ------------------------------------------------

# Test-registered secrets (a token or API key a test made up), added to the rig's passwords.
SESSION_SECRETS = SecretSet()
TMP_DIRS = ("/tmp", "/var/tmp", "/dev/shm")


def register(label: str, value: str | None) -> None:
    """A secret a test hands to the app: the end-of-session scan looks for it everywhere too."""
    SESSION_SECRETS.add(label, value)


def known_secrets() -> SecretSet:
    from rig.sshd import BOARD_PASSWORD, ISSUED_SECRETS, KEY_PASSPHRASE

    out = SecretSet()
    out.add("the board account's password", BOARD_PASSWORD)
    out.add("key passphrase", KEY_PASSPHRASE)
    for value, label in ISSUED_SECRETS.items():
        out.add(label, value)
    for value, label in list(SESSION_SECRETS.secrets.items()):
        out.add(label, value)
    return out


@dataclass
class SessionScan:
    """Collects the app's folders of every test, scans throw-away board homes before they are deleted and
    samples the board accounts' command lines; `finish()` scans the rest and returns every finding."""

    homes: list[tuple[str, Path]] = field(default_factory=list)  # (test id, studio home)
    findings: list[tuple[str, Finding]] = field(default_factory=list)  # (test id or "session", finding)
    exempt: set[str] = field(default_factory=set)  # test ids marked plants_secrets
    current: str = "session"
    used_rig: bool = False
    sampler: ProcSampler | None = None

    def start(self) -> None:
        from rig import sshd

        sshd.BEFORE_REMOVE.append(self.before_remove)
        if os.path.isdir("/proc"):
            # Long-lived board processes (jobs, servers, downloads), ~5 ms a sample (~1% of a core); the
            # focused test (tests/reliability/test_secrets.py) samples every 10 ms, sudo included.
            self.sampler = ProcSampler(interval=0.5, sudo=False).start()

    def add_home(self, test_id: str, home: Path, *, exempt: bool) -> None:
        self.homes.append((test_id, home))
        if exempt:
            self.exempt.add(test_id)

    def before_remove(self, user: str, home: Path) -> None:
        if self.current in self.exempt:
            return
        secrets = known_secrets()
        for f in scan_board_files([str(home)], secrets):
            self.findings.append((self.current, f))
        for f in scan_board_files(TMP_DIRS, secrets, owner=user):
            self.findings.append((self.current, f))

    def finish(self) -> list[tuple[str, Finding]]:
        from rig import sshd

        if self.before_remove in sshd.BEFORE_REMOVE:
            sshd.BEFORE_REMOVE.remove(self.before_remove)
        secrets = known_secrets()
        if self.sampler is not None:
            self.sampler.stop()
            self.findings += [("session", f) for f in self.sampler.scan(secrets)]
        for test_id, home in self.homes:
            if test_id not in self.exempt:
                self.findings += [(test_id, f) for f in scan_files([home], secrets)]
        if self.used_rig:
            for user in board_users():
                self.findings += [("session", f) for f in scan_board_files([user.pw_dir], secrets)]
                owned = scan_board_files(TMP_DIRS, secrets, owner=user.pw_name)
                self.findings += [("session", f) for f in owned]
        return self.findings
