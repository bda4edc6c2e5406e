"""Round trip of a small remote command on an open connection: the app's quick channel and a fresh exec
channel, against OpenSSH's `ssh` through a multiplexed master connection (ControlMaster) to the same rig.

    .venv/bin/python bench/roundtrip.py [--n 200]

Target: the app's median <= 5 ms and no slower than OpenSSH's.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _rig import rig_board, ssh_opts


def sample(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    with rig_board() as (sshd, account, kh, board):
        control = Path(tempfile.mkdtemp(prefix="rps-cm-")) / "cm"
        base = ["ssh", "-p", str(sshd.port), *ssh_opts(sshd, account, kh), "-o", f"ControlPath={control}"]
        dest = f"{account.user}@127.0.0.1"
        subprocess.run([*base, "-o", "ControlMaster=yes", "-o", "ControlPersist=60", "-fN", dest], check=True)
        try:
            board.quick("true")
            results = {
                "app quick channel": sample(lambda: board.quick("echo ok"), args.n),
                "app exec channel": sample(lambda: board.run("echo ok"), max(20, args.n // 5)),
                "ssh ControlMaster": sample(
                    lambda: subprocess.run([*base, dest, "echo ok"], check=True, capture_output=True),
                    max(20, args.n // 5),
                ),
            }
        finally:
            subprocess.run([*base, "-O", "exit", dest], capture_output=True)
    medians = {name: statistics.median(v) for name, v in results.items()}
    for name, med in medians.items():
        p95 = sorted(results[name])[int(len(results[name]) * 0.95) - 1]
        print(f"{name:20s} median {med:7.2f} ms   p95 {p95:7.2f} ms   (n={len(results[name])})")
    ratio = medians["app quick channel"] / medians["ssh ControlMaster"]
    print(f"ratio app quick / ssh ControlMaster: {ratio:.3f}x  (target <= 1.0 and median <= 5 ms)")


if __name__ == "__main__":
    main()
