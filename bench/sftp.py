"""SFTP throughput of the app's transfer code against OpenSSH's scp and sftp (aes128-gcm) on the same rig.

    .venv/bin/python bench/sftp.py [--size-mib 512]

Prints MB/s for each (best and median of --repeat interleaved rounds) and the ratio of the app to OpenSSH's
best, per direction (and of the medians). Target: >= 1.0x.
OpenSSH's tools run through a multiplexed master connection (ControlMaster, one per cipher), so their times
hold the transfer only, as the app's do (its connection is open before the clock starts), not a login.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from _rig import rig_board, ssh_opts


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    size = args.size_mib << 20
    work = Path(tempfile.mkdtemp(prefix="rps-sftp-"))
    local = work / "blob.bin"
    with open(local, "wb") as fh:
        chunk = os.urandom(16 << 20)
        for _ in range(size // len(chunk)):
            fh.write(chunk)
    back = work / "back.bin"
    with rig_board() as (sshd, account, kh, board):
        remote = f"{account.home}/bench-blob.bin"
        dest = f"{account.user}@127.0.0.1"
        masters = {name: work / f"cm-{name}" for name in ("default", "gcm")}
        opts = [*ssh_opts(sshd, account, kh), "-o", f"ControlPath={masters['default']}"]
        gcm_opts = [*ssh_opts(sshd, account, kh), "-o", f"ControlPath={masters['gcm']}"]
        for name, extra in (("default", []), ("gcm", ["-c", "aes128-gcm@openssh.com"])):
            subprocess.run(
                [
                    "ssh",
                    "-p",
                    str(sshd.port),
                    *ssh_opts(sshd, account, kh),
                    *extra,
                    "-o",
                    f"ControlPath={masters[name]}",
                    "-o",
                    "ControlMaster=yes",
                    "-o",
                    "ControlPersist=600",
                    "-fN",
                    dest,
                ],
                check=True,
            )
        batch_put = work / "put.batch"
        batch_put.write_text(f"put {local} {remote}\n")
        batch_get = work / "get.batch"
        batch_get.write_text(f"get {remote} {back}\n")

        def app_put() -> None:
            board.run(["rm", "-f", remote, remote + ".part"])
            board.put_file(local, remote, resume=False)

        def app_get() -> None:
            back.unlink(missing_ok=True)
            board.get_file(remote, back, resume=False)

        def scp_put() -> None:
            subprocess.run(
                ["scp", "-q", "-P", str(sshd.port), *opts, str(local), f"{dest}:{remote}"], check=True
            )

        def scp_get() -> None:
            subprocess.run(
                ["scp", "-q", "-P", str(sshd.port), *opts, f"{dest}:{remote}", str(back)], check=True
            )

        def sftp_put() -> None:
            subprocess.run(
                [
                    "sftp",
                    "-q",
                    "-c",
                    "aes128-gcm@openssh.com",
                    "-P",
                    str(sshd.port),
                    *gcm_opts,
                    "-b",
                    str(batch_put),
                    dest,
                ],
                check=True,
                stdout=subprocess.DEVNULL,
            )

        def sftp_get() -> None:
            subprocess.run(
                [
                    "sftp",
                    "-q",
                    "-c",
                    "aes128-gcm@openssh.com",
                    "-P",
                    str(sshd.port),
                    *gcm_opts,
                    "-b",
                    str(batch_get),
                    dest,
                ],
                check=True,
                stdout=subprocess.DEVNULL,
            )

        # Rounds interleave the six runs, so every tool sees the same drift of this machine (page cache,
        # other load); each tool keeps its best and median.
        runs: dict[str, list[float]] = {}
        for _ in range(args.repeat):
            for name, fn in [
                ("app put", app_put),
                ("scp put", scp_put),
                ("sftp-gcm put", sftp_put),
                ("app get", app_get),
                ("scp get", scp_get),
                ("sftp-gcm get", sftp_get),
            ]:
                runs.setdefault(name, []).append(size / timed(fn) / 1e6)
        board.run(["rm", "-f", remote])
        for path in masters.values():
            subprocess.run(["ssh", "-o", f"ControlPath={path}", "-O", "exit", dest], capture_output=True)
    best = {name: max(v) for name, v in runs.items()}
    median = {name: statistics.median(v) for name, v in runs.items()}
    for name, v in runs.items():
        print(
            f"{name:14s} best {best[name]:7.1f} MB/s  median {median[name]:7.1f}",
            f"({', '.join(f'{x:.0f}' for x in v)})",
        )
    for direction in ("put", "get"):
        openssh = max(best[f"scp {direction}"], best[f"sftp-gcm {direction}"])
        openssh_median = max(median[f"scp {direction}"], median[f"sftp-gcm {direction}"])
        print(
            f"ratio app/OpenSSH best ({direction}): {best[f'app {direction}'] / openssh:.2f}x"
            f"  (medians: {median[f'app {direction}'] / openssh_median:.2f}x)"
        )
    for p in work.iterdir():
        p.unlink()
    work.rmdir()


if __name__ == "__main__":
    main()
