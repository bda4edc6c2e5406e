"""A job polled right after it started is running, even when its runner is slow to get its own session.

`job-start.sh` forks the runner, which then calls `setsid`; on a busy board that can happen after "started"
was printed. A poll in that gap saw no status and no live process group and reported the job as killed
(E_JOB_KILLED / status 137) while it ran on: found as a flaky preflight in test_security_defaults. Here the
gap is made certain by a copy of the scripts whose runner waits 0.5 s before `setsid`.
"""

from __future__ import annotations

import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import rig

from rubikpi_studio.core import appdirs, jobs
from rubikpi_studio.core.events import WARN, Event


def _slow_runner_scripts(dest: Path) -> Path:
    shutil.copytree(appdirs.remote_dir(), dest)
    path = dest / "job-start.sh"
    text = path.read_text()
    start = "setsid bash -c '\n"
    end = '\' rps-job "$dir" "$lock" "$script" "$@" </dev/null >/dev/null 2>&1 9>&- &\n'
    assert text.count(start) == 1 and text.count(end) == 1
    text = text.replace(start, "{ sleep 0.5; exec setsid bash -c '\n").replace(end, end[:-3] + "; } &\n")
    path.write_text(text)
    return dest


def test_a_job_whose_runner_is_slow_to_start_is_not_taken_for_killed(
    rig_sshd: rig.RigSshd, fresh_account: rig.RigAccount, tmp_known_hosts: Path, tmp_path: Path
) -> None:
    store = jobs.ScriptStore(_slow_runner_scripts(tmp_path / "remote"))
    with rig.connect(fresh_account, rig_sshd.port, tmp_known_hosts) as board:
        job = jobs.start(board, store, "preflight.sh", key="slow-runner")
        jobs.poll(board, job)
        assert job.status is None, f"a starting job was taken for finished or killed (status {job.status})"
        jobs.follow(board, job)
        assert job.status is not None and job.status < 128, job.status
        assert job.events, "the job ran and printed its events"


def test_a_second_start_with_the_same_key_attaches_and_says_so(
    rig_sshd: rig.RigSshd, fresh_account: rig.RigAccount, tmp_known_hosts: Path, tmp_path: Path
) -> None:
    """The restarted app (or a second click) follows the running job, and the user is told why nothing
    started over; a fresh start says nothing."""
    remote = tmp_path / "remote"
    shutil.copytree(appdirs.remote_dir(), remote)
    (remote / "wait-a-while.sh").write_text("#!/usr/bin/env bash\nsleep 30\n")
    store = jobs.ScriptStore(remote)
    with rig.connect(fresh_account, rig_sshd.port, tmp_known_hosts) as board:
        first: list[Event] = []
        second: list[Event] = []
        job = jobs.start(board, store, "wait-a-while.sh", key="attach-me", report=first.append)
        try:
            again = jobs.start(board, store, "wait-a-while.sh", key="attach-me", report=second.append)
            assert again.id == job.id
            assert first == []
            assert [(e.kind, e.message) for e in second] == [(WARN, jobs.ATTACHED_OTHER)]
        finally:
            jobs.stop(board, job)


def test_two_starts_at_once_make_one_job(
    rig_sshd: rig.RigSshd, fresh_account: rig.RigAccount, tmp_known_hosts: Path, tmp_path: Path
) -> None:
    """Two starts with the same key at the same moment (a second click, the CLI beside the app) run one job.

    With the slow runner, the first start's job has no process group for 0.5 s; without job-start.sh's lock
    the second start found no running job in that gap and launched another."""
    remote = _slow_runner_scripts(tmp_path / "remote")
    (remote / "wait-a-while.sh").write_text("#!/usr/bin/env bash\nsleep 30\n")
    store = jobs.ScriptStore(remote)
    with rig.connect(fresh_account, rig_sshd.port, tmp_known_hosts) as board:
        store.push(board)  # pushed once up front: the race under test is job-start.sh's, not the push's
        barrier = threading.Barrier(2)

        def start() -> jobs.Job:
            barrier.wait()
            return jobs.start(board, store, "wait-a-while.sh", key="only-once")

        with ThreadPoolExecutor(2) as pool:
            started = [f.result(timeout=60) for f in [pool.submit(start), pool.submit(start)]]
        try:
            assert started[0].id == started[1].id, "two jobs were started for one key"
            listing = board.run(["ls", f"{board.home()}/{jobs.STATE_DIR}"]).stdout.split()
            assert len([d for d in listing if d != "by-key"]) == 1, listing
        finally:
            jobs.stop(board, started[0])


def test_stop_ends_what_the_job_started_in_process_groups_of_its_own(
    rig_sshd: rig.RigSshd, fresh_account: rig.RigAccount, tmp_known_hosts: Path, tmp_path: Path
) -> None:
    """ninja runs every compile in a process group of its own, so a TERM to the job's group does not reach
    them, and a ninja killed before its compilers ended left them running (CI saw a cc1plus after a
    cancelled build). Here the job starts such a child, which also ignores TERM: stop() must end it too."""
    remote = tmp_path / "remote"
    shutil.copytree(appdirs.remote_dir(), remote)
    (remote / "own-group.sh").write_text(
        "#!/usr/bin/env bash\n"
        "set -m  # job control: the background child gets a process group of its own (same session)\n"
        "bash -c 'trap \"\" TERM; exec -a rps-own-group sleep 300' &\n"
        'echo "child $!"\n'
        "wait\n"
    )
    store = jobs.ScriptStore(remote)
    user = fresh_account.user

    def own_group() -> list[str]:
        out = rig.run_as(user, 'ps -u "$(id -u)" -o pid=,pgid=,sid=,args=').stdout.splitlines()
        return [line for line in out if "rps-own-group" in line]

    with rig.connect(fresh_account, rig_sshd.port, tmp_known_hosts) as board:
        job = jobs.start(board, store, "own-group.sh", key="own-group")
        try:
            deadline = time.monotonic() + 30
            while not own_group() and time.monotonic() < deadline:
                time.sleep(0.1)
            (row,) = own_group()
            pid, pgid, sid = row.split()[:3]
            assert pgid == pid != sid, f"the child leads a group of its own in the job's session: {row}"
            jobs.stop(board, job)
            assert own_group() == [], "stop() returned with the child still running"
        finally:
            rig.run_as(user, "pkill -KILL -f rps-own-group; true")
