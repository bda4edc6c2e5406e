"""Long work on the board as detached jobs that survive dropped connections and app restarts.

A job is a remote script started by `remote/job-start.sh` in its own session. It writes its log and exit
status under `~/.local/state/rubikpi-studio/jobs/<id>/`. The app follows the log from a byte offset, so
after a drop it re-attaches to the same job and catches up instead of starting over. A job has a key
(e.g. `setup`): starting a job whose key is already running attaches to the running one, not a second.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
import shlex
import signal
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import appdirs
from .errors import Cancelled, RemoteFailed, StudioError, Unreachable, UsageError
from .events import FAILED, FINISHED, LOG, STEP_START, WARN, CancelToken, Event, Reporter, ignore
from .protocol import parse_line
from .ssh import Board, KnownHosts

log = logging.getLogger(__name__)

STATE_DIR = ".local/state/rubikpi-studio/jobs"
SCRIPTS_DIR = ".local/share/rubikpi-studio/remote"
CHUNK = 1 << 20  # bytes of log fetched per poll at most
# A job that ended by a signal without saying why (no `failed` line): killed from outside (SIGKILL, the OOM
# killer, a user's `kill`) or the board restarted under it. The scripts skip what is done, so a rerun resumes.
KILLED = "E_JOB_KILLED"
# What the user is told when `start` finds the job already running (started before the app was restarted or
# the link dropped) and attaches to it instead of starting a second one. ui/steps.py translates each.
ATTACHED = {
    "model-download.sh": "Re-attached to the download already running on the board; it goes on from there.",
    "model-quantize.sh": (
        "Re-attached to the quantization already running on the board; it goes on from there."
    ),
    "setup.sh": "Re-attached to the setup already running on the board; it goes on from there.",
    "bench-run.sh": "Re-attached to the benchmark already running on the board; it goes on from there.",
    "server-supervise.sh": "Re-attached to the server already starting on the board.",
}
ATTACHED_OTHER = "Re-attached to the job already running on the board; it goes on from there."

# What follow_reconnecting tells the user when it loses the link (ui/steps.py translates both).
DROPPED_RECONNECTING = "The connection to the board dropped; reconnecting (the job goes on there)."
STALLED_RECONNECTING = (
    "The board stopped answering (the connection stalled); reconnecting (the job goes on there)."
)

ReconnectFn = Callable[[], Board]


@dataclass
class Job:
    id: str
    key: str
    dir: str  # absolute path on the board
    offset: int = 0  # bytes of the log already read
    status: int | None = None  # exit status once finished
    events: list[Event] = field(default_factory=list, repr=False)  # what the app has seen, for summaries
    pending: bytes = field(default=b"", repr=False)
    # `start` found a job with this key already running and attached to it: its arguments are not the ones
    # this start was given, so what it works on must come from its own events.
    attached: bool = False

    @property
    def finished(self) -> bool:
        return self.status is not None

    def last_failure(self) -> Event | None:
        for ev in reversed(self.events):
            if ev.kind == FAILED:
                return ev
        return None

    def log_tail(self, n: int = 20) -> list[str]:
        lines = [ev.message for ev in self.events if ev.kind == LOG]
        return lines[-n:]


def _manifest(local_dir: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(local_dir.iterdir())
        if p.is_file() and (p.suffix == ".sh" or p.name == "VERSION")
    }


class ScriptStore:
    """Pushes `remote/` to the board when the board's copy differs; knows each script's sha256.

    The board's files are hashed, not its MANIFEST.json believed: a script changed on the board since the
    last push (edited, half-written, tampered with) is replaced before anything runs it. Every job launch
    checks all of them again (`check_command`), so a change made after the push is refused, not run.
    """

    def __init__(self, local_dir: Path | None = None) -> None:
        self.local_dir = local_dir or appdirs.remote_dir()
        self.manifest = _manifest(self.local_dir)
        self._pushed: weakref.WeakSet[Board] = weakref.WeakSet()

    def remote_dir(self, board: Board) -> str:
        return f"{board.home()}/{SCRIPTS_DIR}"

    def push(self, board: Board) -> str:
        """Make the board's scripts match ours (only differing files are sent). Returns the remote folder."""
        rdir = self.remote_dir(board)
        if board in self._pushed:
            return rdir
        board.makedirs(rdir)
        theirs = self._board_hashes(board, rdir)
        for name, digest in self.manifest.items():
            if theirs.get(name) != digest:
                board.write_text(f"{rdir}/{name}", (self.local_dir / name).read_text(), mode=0o755)
        # For people looking at the board; the app itself never trusts it.
        board.write_text(f"{rdir}/MANIFEST.json", json.dumps(self.manifest, sort_keys=True))
        self._pushed.add(board)
        return rdir

    def _board_hashes(self, board: Board, rdir: str) -> dict[str, str]:
        names = " ".join(shlex.quote(n) for n in self.manifest)
        result = board.quick(f"cd {shlex.quote(rdir)} 2>/dev/null && sha256sum -- {names} 2>/dev/null")
        hashes: dict[str, str] = {}
        for line in result.stdout.splitlines():
            digest, _, name = line.partition("  ")
            hashes[name.strip()] = digest.strip()
        return hashes

    def forget(self, board: Board) -> None:
        """Hash and push again before the next job (the board's copy was found changed)."""
        self._pushed.discard(board)

    def check_command(self, rdir: str) -> str:
        """Shell: exit 3 with a `failed` event unless every script in `rdir` is the one we pushed
        (job-start.sh and lib.sh included, which run before or besides the job's own sha check)."""
        sums = "".join(f"{digest}  {name}\n" for name, digest in self.manifest.items())
        event = (
            "@rps1 failed job E_SCRIPT_CHANGED The app's scripts on the board were changed after it pushed "
            "them; refusing to run them."
        )
        return (
            f"(cd {shlex.quote(rdir)} && printf %s {shlex.quote(sums)} "
            "| sha256sum --check --status --strict -)"
            f" || {{ echo {shlex.quote(event)} >&2; exit 3; }}"
        )

    def sha(self, name: str) -> str:
        return self.manifest[name]


def _encode_env(env: Mapping[str, str]) -> bytes:
    lines = []
    for name, value in env.items():
        if not name.replace("_", "a").isalnum() or name[0].isdigit():
            raise ValueError(f"bad environment variable name: {name!r}")
        if "\x00" in value:
            # bash cannot hold a NUL in a variable: the job would see another value (a token cut short).
            raise UsageError(f"The value for {name} contains a NUL character, which the board cannot take.")
        lines.append(f"{name}={base64.b64encode(value.encode()).decode()}\n")
    return "".join(lines).encode()


def start(
    board: Board,
    scripts: ScriptStore,
    script: str,
    args: Sequence[str] = (),
    *,
    key: str,
    env: Mapping[str, str] | None = None,
    report: Reporter = ignore,
) -> Job:
    """Start `script` (a file in remote/) detached, or attach to the running job with the same key (and say so
    through `report`: the user sees why nothing started over).

    `env` reaches the job only through the launcher's stdin and the job's environment (secrets go here).
    """
    if not key.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise ValueError(f"bad job key: {key!r}")
    rdir = scripts.push(board)
    jobs_dir = f"{board.home()}/{STATE_DIR}"
    job_id = time.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)
    launch = shlex.join(
        [
            "bash",
            f"{rdir}/job-start.sh",
            jobs_dir,
            job_id,
            key,
            f"{rdir}/{script}",
            scripts.sha(script),
            *args,
        ]
    )
    command = f"{scripts.check_command(rdir)}; exec {launch}"
    result = board.run(command, stdin=_encode_env(env or {}), timeout=60)
    words = result.stdout.split()
    if not result.ok or len(words) < 2 or words[0] not in ("started", "running"):
        for line in result.stderr.splitlines():
            ev = parse_line(line)
            if ev is not None and ev.kind == FAILED:
                if ev.code == "E_SCRIPT_CHANGED":
                    scripts.forget(board)  # the next attempt puts our copy back
                raise RemoteFailed(ev.message, result=result, code=ev.code)
        raise RemoteFailed(f"Could not start {script} on the board:\n{result.tail()}", result=result)
    job = Job(id=words[1], key=key, dir=f"{jobs_dir}/{words[1]}", attached=words[0] == "running")
    log.info("job %s %s (%s)", words[0], job.id, key)
    if words[0] == "running":
        report(Event(WARN, step=key, message=ATTACHED.get(script, ATTACHED_OTHER), data={"job": job.id}))
    return job


def find_running(board: Board, key: str) -> Job | None:
    """The running job with this key, if any (a job the app started before a restart, for example)."""
    jobs_dir = f"{board.home()}/{STATE_DIR}"
    cmd = (
        f'd={shlex.quote(jobs_dir)}; k={shlex.quote(key)}; id=$(cat "$d/by-key/$k" 2>/dev/null) || exit 1; '
        '[ -n "$id" ] && [ ! -e "$d/$id/status" ] && '
        'kill -0 "-$(cat "$d/$id/pid")" 2>/dev/null && echo "$id"'
    )
    result = board.quick(cmd)
    job_id = result.stdout.strip()
    if not result.ok or not job_id:
        return None
    return Job(id=job_id, key=key, dir=f"{jobs_dir}/{job_id}")


def attach(board: Board, job_id: str, key: str = "") -> Job:
    jobs_dir = f"{board.home()}/{STATE_DIR}"
    return Job(id=job_id, key=key, dir=f"{jobs_dir}/{job_id}")


def poll(board: Board, job: Job, report: Reporter = ignore) -> None:
    """Read new log bytes since job.offset, report their events, and note the exit status if any."""
    d = shlex.quote(job.dir)
    cmd = (
        f"s=$(cat {d}/status 2>/dev/null); "
        f'alive=0; kill -0 "-$(cat {d}/pid 2>/dev/null)" 2>/dev/null && alive=1; '
        f'printf "%s %s\\n" "${{s:--}}" "$alive"; '
        f"tail -c +{job.offset + 1} {d}/log 2>/dev/null | head -c {CHUNK}"
    )
    result = board.quick(cmd)
    head, _, body = result.raw.partition(b"\n")
    status_text, _, alive = head.decode().partition(" ")
    feed(job, body, report)
    if len(body) >= CHUNK:
        return  # more log to read: the end (and its `failed` line) comes before the exit status
    vanished = False
    if status_text != "-":
        try:
            job.status = int(status_text)
        except ValueError:
            job.status = 255
    elif alive.strip() != "1":
        # Neither running nor finished: the board rebooted or the job was killed from outside.
        time.sleep(0.2)
        again = board.quick(f"cat {d}/status 2>/dev/null || echo -")
        if again.stdout.strip() == "-":
            job.status = 137
            vanished = True
    if job.status is not None and job.status > 128 and job.status != 130 and job.last_failure() is None:
        ev = _killed_event(job, vanished)
        job.events.append(ev)
        report(ev)


def feed(job: Job, body: bytes, report: Reporter = ignore) -> None:
    """Log bytes read at job.offset → events (kept and reported); an unfinished last line waits in
    job.pending for the bytes that complete it."""
    lines = (job.pending + body).split(b"\n")
    job.pending = lines.pop()
    job.offset += len(body)
    for raw in lines:
        ev = parse_line(raw.decode("utf-8", "replace"))
        if ev is None:
            continue
        job.events.append(ev)
        report(ev)


def _killed_event(job: Job, vanished: bool) -> Event:
    """The `failed` event a killed job could not print itself, on the step it was in."""
    step = next((ev.step for ev in reversed(job.events) if ev.kind == STEP_START and ev.step), job.key)
    if vanished:
        how = "its processes were killed or the board restarted"
    else:
        assert job.status is not None
        try:
            how = f"killed by {signal.Signals(job.status - 128).name}"
        except ValueError:
            how = f"killed by signal {job.status - 128}"
    return Event(
        FAILED,
        step=step,
        code=KILLED,
        message=f"Stopped on the board before it finished ({how}). Run it again to continue.",
        data={"status": job.status, "job": job.id, "how": how},
    )


def follow(
    board: Board,
    job: Job,
    report: Reporter = ignore,
    *,
    cancel: CancelToken | None = None,
    interval: float = 0.3,
    detach: CancelToken | None = None,
) -> Job:
    """Report the job's events until it ends. Cancel stops the job on the board (and its children);
    `detach` only stops following it (the window closed): the job goes on and can be re-attached later."""
    while True:
        if cancel is not None and cancel.is_cancelled:
            stop(board, job)
            raise Cancelled("Cancelled; nothing is left running on the board.")
        if detach is not None and detach.is_cancelled:
            raise Cancelled("Stopped following the job; it goes on running on the board.", detached=True)
        poll(board, job, report)
        if job.finished:
            if job.pending:
                ev = parse_line(job.pending.decode("utf-8", "replace"))
                job.pending = b""
                if ev is not None:
                    job.events.append(ev)
                    report(ev)
            report(Event(FINISHED, step=job.key, data={"status": job.status, "job": job.id}))
            return job
        if cancel is not None:
            cancel.wait(interval)
        else:
            time.sleep(interval)


def stop(board: Board, job: Job) -> None:
    """Kill the job's processes, then mark it cancelled.

    The job runs in its own session (job-start.sh: setsid), and its pid file names that session and its
    process group. TERM goes to the group; what is left of the whole SESSION after 2 s gets KILL, and stop
    returns once it is gone. The session, not only the group: ninja puts every compile in a process group of
    its own, and a ninja killed before its compilers had ended left them running (CI saw a cc1plus)."""
    d = shlex.quote(job.dir)
    left = '{ pgrep -s "$p" || kill -0 "-$p"; } >/dev/null 2>&1'  # pgrep missing: the group at least
    board.quick(
        f'p=$(cat {d}/pid 2>/dev/null) && [ -n "$p" ] && {{ kill -TERM "-$p" 2>/dev/null; '
        f"for i in 1 2 3 4 5 6 7 8 9 10; do {left} || break; sleep 0.2; done; "
        f'kill -KILL "-$p" 2>/dev/null; pkill -KILL -s "$p" 2>/dev/null; '
        f"for i in 1 2 3 4 5 6 7 8 9 10; do {left} || break; sleep 0.1; done; "
        f"}}; [ -e {d}/status ] || echo 130 > {d}/status; "
        f'k=$(cat {d}/key 2>/dev/null); l={d}/../by-key/"$k"; '
        f'[ "$(cat "$l" 2>/dev/null)" = {shlex.quote(job.id)} ] && rm -f "$l"; true'
    )
    job.status = job.status if job.status is not None else 130


def run(
    board: Board,
    scripts: ScriptStore,
    script: str,
    args: Sequence[str] = (),
    *,
    key: str,
    env: Mapping[str, str] | None = None,
    report: Reporter = ignore,
    cancel: CancelToken | None = None,
    reconnect: ReconnectFn | None = None,
    detach: CancelToken | None = None,
) -> Job:
    """Start (or attach to) a job and follow it to the end, re-attaching after dropped connections.

    `reconnect` returns a fresh Board after a drop; without it a drop raises Unreachable and the caller can
    re-attach later with `find_running` + `follow`.
    """
    job = start(board, scripts, script, args, key=key, env=env, report=report)
    return follow_reconnecting(board, job, report, cancel=cancel, reconnect=reconnect, detach=detach)


def follow_reconnecting(
    board: Board,
    job: Job,
    report: Reporter = ignore,
    *,
    cancel: CancelToken | None = None,
    reconnect: ReconnectFn | None = None,
    detach: CancelToken | None = None,
) -> Job:
    """`follow`, and after a dropped connection reconnect and follow the same job on (saying so)."""
    while True:
        try:
            return follow(board, job, report, cancel=cancel, detach=detach)
        except Unreachable as exc:
            if reconnect is None:
                raise
            stalled = exc.reason == "stalled"
            report(
                Event(
                    WARN,
                    step=job.key,
                    code="E_UNREACHABLE",
                    message=STALLED_RECONNECTING if stalled else DROPPED_RECONNECTING,
                    data={"reason": exc.reason},
                )
            )
            board = reconnect_with_backoff(reconnect, cancel)
            report(
                Event(
                    WARN,
                    step=job.key,
                    message="Reconnected to the board; following the same job on from where it was.",
                )
            )


def reconnector(board: Board, known_hosts: KnownHosts | None = None) -> ReconnectFn:
    """A `reconnect` for `run`/`follow_reconnecting`: a new connection to the same board with the login it
    was opened with (its Target keeps the password or key) and the same pinned host keys (`known_hosts`,
    default the ones it was opened with). No questions are asked: a host key that changed during the drop
    is refused (HostKeyMismatch)."""
    target = board.target
    known = known_hosts or board.known_hosts
    if known is None:
        raise UsageError("reconnector needs the known hosts the board was connected with")
    return lambda: Board.connect(target, known)


def reconnect_with_backoff(reconnect: ReconnectFn, cancel: CancelToken | None) -> Board:
    delay = 0.5
    last: StudioError | None = None
    for _ in range(8):
        if cancel is not None and cancel.is_cancelled:
            raise Cancelled()
        try:
            return reconnect()
        except Unreachable as exc:
            last = exc
            time.sleep(delay)
            delay = min(delay * 2, 10)
    assert last is not None
    raise last


class OwnedReconnects:
    """The Boards an operation's `reconnect` opened while it followed its job after a dropped link.

    The operation owns them: it finishes on the last live one and closes them all before it returns (each is
    a connection and a paramiko thread; dropped unclosed they stayed open until the next link drop). The
    caller's own Board stays the caller's."""

    def __init__(self, reconnect: ReconnectFn | None) -> None:
        self._reconnect = reconnect
        self.opened: list[Board] = []

    @property
    def fn(self) -> ReconnectFn | None:
        return None if self._reconnect is None else self._open

    def _open(self) -> Board:
        assert self._reconnect is not None
        board = self._reconnect()
        self.opened.append(board)
        return board

    def live(self, board: Board) -> Board:
        """A live Board for the work after the job: ours, else the last reconnected one, else a new one."""
        if board.is_alive or self._reconnect is None:
            return board
        for other in reversed(self.opened):
            if other.is_alive:
                return other
        return reconnect_with_backoff(self._open, None)

    def __enter__(self) -> OwnedReconnects:
        return self

    def __exit__(self, *exc: object) -> None:
        for board in self.opened:
            board.close()
        self.opened.clear()
