"""What the monitor costs the board: CPU time of one sample on the rig board, and round trips per sample.

    .venv/bin/python bench/monitor_cost.py [--n 500]

CPU: the quick shell's own and its reaped children's CPU time (utime+stime+cutime+cstime from
/proc/<pid>/stat; the rig board is this machine, so the file is read locally) and the connection's sshd
process (crypto and channel work), over N samples taken back to back. At one sample a second, the share
of one core is (CPU ms per sample) / 1000 ms. Target: < 2 % of one core.
Round trips: every `Board.quick` call and every channel opened during sampling is counted (target: one
quick call and no new channel per sample); the sample's median round trip is printed beside that of a
bare `true` on the same channel.
Baseline in the same run: a naive sampler (one `cat` per file, `pgrep` every sample) through the same
channel, for the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from _rig import rig_board

from rubikpi_studio.core import monitor
from rubikpi_studio.core.ssh import Board

TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")

NAIVE = (
    "cat /proc/stat /proc/meminfo; for f in /sys/class/kgsl/kgsl-3d0/gpu_busy_percentage "
    "/sys/class/kgsl/kgsl-3d0/gpuclk /sys/class/thermal/thermal_zone*/temp; do cat $f 2>/dev/null; done; "
    'p=$(pgrep -x llama-server); [ -n "$p" ] && grep VmRSS /proc/$p/status; true'
)


def cpu_ms(pid: int, *, children: bool = True) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # fields[0] is the state (field 3); utime, stime, cutime, cstime are fields 14-17.
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return (utime + stime + ((cutime + cstime) if children else 0)) * TICK_MS


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


class Counter:
    """Counts Board.quick calls and channels opened on the transport."""

    def __init__(self, board: Board) -> None:
        self.quick_calls = 0
        self.channels = 0
        quick, open_session = board.quick, board.transport.open_session

        def counted_quick(*a: object, **kw: object) -> object:
            self.quick_calls += 1
            return quick(*a, **kw)  # type: ignore[arg-type]

        def counted_open(*a: object, **kw: object) -> object:
            self.channels += 1
            return open_session(*a, **kw)  # type: ignore[arg-type]

        board.quick = counted_quick  # type: ignore[method-assign,assignment]
        board.transport.open_session = counted_open  # type: ignore[method-assign,assignment]


def measure(board: Board, shell: int, sshd: int, n: int, fn: object) -> tuple[float, float, list[float]]:
    before_shell, before_sshd = cpu_ms(shell), cpu_ms(sshd, children=False)
    rtts = []
    for _ in range(n):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        rtts.append((time.perf_counter() - start) * 1000)
    shell_ms = (cpu_ms(shell) - before_shell) / n
    sshd_ms = (cpu_ms(sshd, children=False) - before_sshd) / n
    return shell_ms, sshd_ms, rtts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500)
    args = parser.parse_args()
    with rig_board() as (_sshd, _account, _kh, board):
        shell = int(board.quick("echo $$").stdout.strip())  # $$ in a ( ) subshell is the shell's own pid
        sshd = parent_of(shell)
        mon = monitor.Monitor(board)
        mon.sample()
        counter = Counter(board)
        shell_ms, sshd_ms, rtts = measure(board, shell, sshd, args.n, mon.sample)
        calls, channels = counter.quick_calls, counter.channels
        n_shell, n_sshd, n_rtts = measure(board, shell, sshd, args.n, lambda: board.quick(NAIVE))
        _, _, bare = measure(board, shell, sshd, args.n, lambda: board.quick("true"))

        total = shell_ms + sshd_ms
        naive_total = n_shell + n_sshd
        print(f"samples: {args.n} (clock tick {TICK_MS:.0f} ms, so per-sample CPU is an average)")
        print(f"monitor sample : shell+children {shell_ms:.3f} ms, sshd {sshd_ms:.3f} ms CPU per sample")
        print(f"  at 1 Hz      : {total / 10:.3f} % of one core (target < 2 %)")
        print(
            f"  round trips  : {calls / args.n:.2f} quick call(s) and {channels} new channel(s) per {args.n}"
        )
        print(
            f"  round trip   : median {statistics.median(rtts):.2f} ms "
            f"(bare `true` on the same channel: {statistics.median(bare):.2f} ms)"
        )
        print(f"naive sampler  : shell+children {n_shell:.3f} ms, sshd {n_sshd:.3f} ms CPU per sample")
        naive_rtt = statistics.median(n_rtts)
        print(f"  at 1 Hz      : {naive_total / 10:.3f} % of one core; round trip {naive_rtt:.2f} ms")
        if naive_total > 0:
            print(f"ratio monitor/naive CPU: {total / naive_total:.2f}")
        print(f"sample size: {len(monitor.sampler_command())} bytes sent")


if __name__ == "__main__":
    main()
