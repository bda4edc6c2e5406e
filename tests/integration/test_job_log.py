"""Following a job reads its whole log, even when the job ended with more log unread than one poll fetches.

`jobs.poll` reads at most `jobs.CHUNK` bytes per call. A job that had already finished with more than that
unread (the app re-attached late, or the link was slow) must still be read to its end: the last lines carry
the `failed` event that says why it ended.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import rig
from rig import faults

from rubikpi_studio.core import appdirs, jobs

BIG_LOG = """#!/usr/bin/env bash
set -euo pipefail
# shellcheck source=remote/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
head -c 3000000 /dev/zero | tr '\\0' x | fold -w 99; echo
rps_fail tail E_TAIL "the last line of a long log"
"""


def test_a_finished_job_is_read_to_the_end_of_a_log_longer_than_one_poll(
    rig_sshd: rig.RigSshd, fresh_account: rig.RigAccount, tmp_known_hosts: Path, tmp_path: Path
) -> None:
    scripts = tmp_path / "remote"
    shutil.copytree(appdirs.remote_dir(), scripts)
    (scripts / "big-log.sh").write_text(BIG_LOG)
    store = jobs.ScriptStore(scripts)
    with rig.connect(fresh_account, rig_sshd.port, tmp_known_hosts) as board:
        job = jobs.start(board, store, "big-log.sh", key="big-log")
        faults.wait_until(lambda: board.exists(f"{job.dir}/status"), 60, "the job finished")
        size = int(board.run(["stat", "-c", "%s", f"{job.dir}/log"]).stdout)
        assert size > 2 * jobs.CHUNK
        jobs.follow(board, job)
    assert job.offset == size, "the whole log was read"
    failure = job.last_failure()
    assert failure is not None and failure.code == "E_TAIL", job.events[-3:]
    assert job.status == 1
