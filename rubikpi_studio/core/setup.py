"""Board setup: the manual's five blocks of commands (dependencies, OpenCL, llama.cpp build, check, PATH) as
one detached, re-attachable, idempotent job running `remote/setup.sh` on the board.

`run_setup(board, spec, report=..., cancel=...)` starts the job (or re-attaches to a running one) and follows
it to the end; the events it reports come from the scripts' `@rps1` lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import jobs
from .errors import Cancelled, RemoteFailed, SudoFailed, UsageError
from .events import FAILED, INFO, CancelToken, Event, Reporter, ignore
from .ssh import Board

JOB_KEY = "setup"

# The manual's pinned sources (reference/llama_cpp_rubikpi_manual.md).
LLAMA_REPO = "https://github.com/ggml-org/llama.cpp"
LLAMA_REF = "f6da8cb86a28f0319b40d9d2a957a26a7d875f8c"

# Steps in the order setup.sh runs them, with the titles people see (the GUI translates them).
STEPS: list[tuple[str, str]] = [
    ("preflight", "Check the board"),
    ("deps", "Install missing packages"),
    ("opencl", "OpenCL headers and loader"),
    ("source", "Get the llama.cpp source"),
    ("build", "Build llama.cpp"),
    ("verify", "Check the build"),
    ("path", "Add llama.cpp to PATH"),
]

_REF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$")
_REPO_RE = re.compile(r"^(https?://|git://|ssh://|file://|/)[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]+$")


@dataclass
class SetupSpec:
    llama_repo: str = LLAMA_REPO
    llama_ref: str = LLAMA_REF
    gpu: str = "auto"  # auto: OpenCL only where the Adreno driver is present; on; off (--cpu-only)
    add_path: bool = True  # the manual's step 4
    smoke_model: str = ""  # a GGUF on the board for the GPU smoke test after the build
    jobs: int | None = None  # compile jobs; default from free RAM
    steps: tuple[str, ...] = ()  # a subset of STEPS ids; empty = all
    extra_env: dict[str, str] = field(default_factory=dict)  # e.g. CCACHE_DIR, OpenCL source repos

    def validate(self) -> None:
        if not _REPO_RE.match(self.llama_repo) or ".." in self.llama_repo.split("/"):
            raise UsageError(f"Not a repository URL: {self.llama_repo!r}")
        if not _REF_RE.match(self.llama_ref) or ".." in self.llama_ref:
            raise UsageError(f"Not a git commit, tag or branch: {self.llama_ref!r}")
        if self.gpu not in ("auto", "on", "off"):
            raise UsageError(f"gpu must be auto, on or off, not {self.gpu!r}")
        known = {s for s, _ in STEPS}
        for step in self.steps:
            if step not in known:
                raise UsageError(f"Unknown setup step {step!r}; known: {', '.join(sorted(known))}")
        if self.jobs is not None and not 1 <= self.jobs <= 64:
            raise UsageError("jobs must be between 1 and 64")
        for name in self.extra_env:
            if not re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
                raise UsageError(f"Bad environment variable name {name!r}")

    def env(self) -> dict[str, str]:
        env = {
            "RPS_LLAMA_REPO": self.llama_repo,
            "RPS_LLAMA_REF": self.llama_ref,
            "RPS_GPU": self.gpu,
            "RPS_ADD_PATH": "1" if self.add_path else "0",
        }
        if self.smoke_model:
            env["RPS_MODEL"] = self.smoke_model
        if self.jobs:
            env["RPS_JOBS"] = str(self.jobs)
        if self.steps:
            env["RPS_STEPS"] = " ".join(self.steps)
        env.update(self.extra_env)
        return env


@dataclass
class SetupResult:
    job: jobs.Job
    info: dict[str, str]
    skipped: list[str]
    done: list[str]

    @property
    def backend(self) -> str:
        return self.info.get("backend", "")

    @property
    def gpu(self) -> str:
        """The Adreno's name as llama.cpp reported it (drivers vary: "QUALCOMM Adreno(TM) 635", "QUALCOMM");
        empty when there is none."""
        name = self.info.get("gpu", "").strip()
        return "" if name.lower() in ("", "none", "no") else name

    @property
    def offloaded(self) -> tuple[int, int] | None:
        """Layers the smoke test put on the GPU, out of all (when it ran and llama.cpp said)."""
        m = re.fullmatch(r"(\d+)/(\d+)", self.info.get("offloaded", ""))
        return (int(m.group(1)), int(m.group(2))) if m else None

    @property
    def gpu_used(self) -> bool:
        """Whether llama.cpp really runs on the GPU: it found an Adreno device and the smoke test, if it ran,
        offloaded layers to it. verify.sh says so as gpu_used=yes|no; `gpu` is only the device's name."""
        if not self.gpu:
            return False
        offloaded = self.offloaded
        if offloaded is not None and offloaded[0] == 0:
            return False
        return self.info.get("gpu_used", "yes") == "yes"

    @property
    def gpu_reason(self) -> str:
        """Why the GPU is not used, as a stable code the UIs translate ("" when it is used): cpu_build (built
        without OpenCL), no_device (OpenCL, but llama.cpp found no Adreno), not_offloaded (no layer went to
        it)."""
        if self.gpu_used:
            return ""
        if self.backend != "OpenCL":
            return "cpu_build"
        if not self.gpu:
            return "no_device"
        return "not_offloaded"

    @property
    def version_label(self) -> str:
        """ "b6362" where the build number is known, else the version string."""
        build = self.info.get("build_number", "")
        return f"b{build}" if build and build != "0" else self.info.get("version", "")

    def summary(self) -> str:
        name = f"llama.cpp {self.version_label}".strip()
        backend = self.backend or "CPU"
        offloaded = self.offloaded
        if self.gpu_used:
            layers = f", {offloaded[0]}/{offloaded[1]} layers offloaded" if offloaded else ""
            gpu = f"GPU: {self.gpu}{layers}"
        else:
            why = {
                "cpu_build": "built for the CPU",
                "no_device": "llama.cpp found no Adreno OpenCL device",
                "not_offloaded": f"{self.gpu} is there, but the test run offloaded "
                f"{self.info.get('offloaded', '0')} layers to it",
            }[self.gpu_reason]
            gpu = f"GPU: not used ({why})"
        return f"{name} built with {backend}; {gpu}."


def _collect(report: Reporter, info: dict[str, str], skipped: list[str], done: list[str]) -> Reporter:
    def rep(ev: Event) -> None:
        if ev.kind == INFO:
            info.update({k: str(v) for k, v in ev.data.items()})
        elif ev.kind == "skip":
            skipped.append(ev.step)
        elif ev.kind == "done":
            done.append(ev.step)
        report(ev)

    return rep


def run_setup(
    board: Board,
    spec: SetupSpec,
    *,
    sudo_password: str | None = None,
    report: Reporter = ignore,
    cancel: CancelToken | None = None,
    reconnect: Callable[[], Board] | None = None,
    scripts: jobs.ScriptStore | None = None,
    detach: CancelToken | None = None,
) -> SetupResult:
    """Set the board up (or re-attach to a setup already running there) and follow it to the end.

    The sudo password, when given, reaches the job only through its environment; the scripts read it only if
    a step needs root. Raises SudoFailed(reason="needed") when root is needed and no password was given, and
    RemoteFailed (with the failing step's code and last log lines) when a step fails.
    """
    spec.validate()
    store = scripts or jobs.ScriptStore()
    env = spec.env()
    if sudo_password is not None:
        env["RPS_SUDO_PASSWORD"] = sudo_password
    info: dict[str, str] = {}
    skipped: list[str] = []
    done: list[str] = []
    rep = _collect(report, info, skipped, done)
    # Connections `reconnect` opens while the job is followed are ours to close; the caller's Board is theirs.
    with jobs.OwnedReconnects(reconnect) as reconnects:
        running = jobs.find_running(board, JOB_KEY)
        if running is not None:
            rep(Event(INFO, step=JOB_KEY, message="re-attached to the setup already running on the board"))
            job = jobs.follow_reconnecting(
                board, running, rep, cancel=cancel, reconnect=reconnects.fn, detach=detach
            )
        else:
            job = jobs.run(
                board, store, "setup.sh", key=JOB_KEY, env=env, report=rep, cancel=cancel,
                reconnect=reconnects.fn, detach=detach,
            )  # fmt: skip
    if job.status != 0:
        failure = job.last_failure()
        code = failure.code if failure else "E_SETUP"
        message = failure.message if failure else f"setup ended with status {job.status}"
        tail = "\n".join(job.log_tail(20))
        if job.status == 130:
            raise Cancelled("The setup was cancelled.")
        if code == "E_SUDO":
            reason = "needed" if "none was given" in message else "password"
            raise SudoFailed(message, reason=reason, step=failure.step if failure else "")
        step = failure.step if failure else "?"
        if failure is not None and code == jobs.KILLED:
            text = (
                f"The setup was stopped on the board during step {step} ({failure.data.get('how')}). "
                "Run it again: finished steps are skipped and the build goes on from where it stopped."
            )
        else:
            text = f"Setup step {step} failed: {message}"
        raise RemoteFailed(
            text,
            code=code,
            step=failure.step if failure else "",
            log_tail=tail,
        )
    return SetupResult(job=job, info=info, skipped=skipped, done=done)


@dataclass
class UndoResult:
    """The outcome of `rollback` or `remove_path`: the script's own last word ("now using build-…")."""

    job: jobs.Job
    message: str
    skipped: bool  # there was nothing to do (no PATH block to remove)


def rollback(
    board: Board,
    *,
    report: Reporter = ignore,
    cancel: CancelToken | None = None,
    scripts: jobs.ScriptStore | None = None,
) -> UndoResult:
    """Make the previous llama.cpp build current again, and the current one the previous (`build.sh
    --rollback`: the `build` and `build.prev` links swap, so a second rollback undoes the first).

    Raises RemoteFailed(code="E_NO_PREVIOUS") when there is no previous build, and RemoteFailed(code=
    "E_SETUP_RUNNING") while a setup runs on the board (it would change the links under the build)."""
    return _run_undo(board, "build.sh", "--rollback", report=report, cancel=cancel, scripts=scripts)


def remove_path(
    board: Board,
    *,
    report: Reporter = ignore,
    cancel: CancelToken | None = None,
    scripts: jobs.ScriptStore | None = None,
) -> UndoResult:
    """Take the manual's PATH entry (the `# Begin llama.cpp` block) out of the board's ~/.bash_profile
    (`path.sh --remove`); skipped when there is none. A later setup adds it again unless told not to."""
    return _run_undo(board, "path.sh", "--remove", report=report, cancel=cancel, scripts=scripts)


def _run_undo(
    board: Board,
    script: str,
    arg: str,
    *,
    report: Reporter,
    cancel: CancelToken | None,
    scripts: jobs.ScriptStore | None,
) -> UndoResult:
    busy = RemoteFailed(
        "A setup is running on the board; wait for it to finish or cancel it first.", code="E_SETUP_RUNNING"
    )
    # The setup's key: the two never run at once (job-start.sh holds one job per key).
    if jobs.find_running(board, JOB_KEY) is not None:
        raise busy
    job = jobs.start(board, scripts or jobs.ScriptStore(), script, [arg], key=JOB_KEY)
    if job.attached:  # a setup started in between: it is not ours to follow
        raise busy
    job = jobs.follow(board, job, report, cancel=cancel)
    if job.status == 130:
        raise Cancelled()
    ends = [ev for ev in job.events if ev.kind in ("done", "skip")]
    if job.status != 0 or not ends:
        failure = job.last_failure()
        raise RemoteFailed(
            failure.message if failure else f"{script} {arg} ended with status {job.status}",
            code=failure.code if failure else "E_REMOTE",
            step=failure.step if failure else "",
            log_tail="\n".join(job.log_tail(20)),
        )
    return UndoResult(job=job, message=ends[-1].message, skipped=ends[-1].kind == "skip")


def summarize_events(events: list[Event]) -> dict[str, Any]:
    """For --json consumers: the facts (info events) and the failing step, if any."""
    out: dict[str, Any] = {"info": {}, "failed": None}
    for ev in events:
        if ev.kind == INFO:
            out["info"].update(ev.data)
        elif ev.kind == FAILED:
            out["failed"] = {"step": ev.step, "code": ev.code, "message": ev.message}
    return out
