"""A live view of the board: CPU per core, memory, swap, the Adreno GPU, temperatures, llama-server's RSS.

One sample is one round trip: one constant POSIX shell snippet (`SAMPLER`) sent through `Board.quick`'s
long-lived shell. The snippet reads /proc and /sys with the shell's `read` builtin and looks for llama-server
with a glob over /proc (own processes first: `[ -O ]`, then `comm`), so a sample forks nothing but the
subshell `quick` wraps it in. (`pgrep` cost 10x more CPU than the whole rest of a sample on the rig.) The
scan runs only while no server is known, every `SERVER_SCAN_EVERY` samples. Its cost on the board is
measured by `bench/monitor_cost.py`.

A process that is exiting (or a zombie) has no VmRSS line; the sampler then tries the next one.
The llama-server looked for is the login user's (the one the app starts); servers of other accounts are
not the app's to show or stop (and on the test rig, other accounts share the process table).

What the board does not expose stays `None` ("missing") all the way to the screen; it never becomes 0.

GPU sources (msm kgsl driver, `kgsl_pwrctrl.c`; reference/board-and-llama-cpp-facts.md §A6):
- `gpu_busy_percentage`: `"%d %%\\n"` (busy share of the last sampling window)
- `gpubusy`: `"%7d %7d\\n"` busy and total time of the last window (used when the percentage file is absent)
- `clock_mhz`: `"%ld\\n"` MHz, newer kgsl; `gpuclk`: `"%ld\\n"` Hz; `devfreq/cur_freq`: Hz
- `temp`: millidegrees C (the hottest of the GPU's thermal zones)
With Freedreno (Ubuntu Desktop) there is no kgsl; its devfreq node `/sys/class/devfreq/3d00000.gpu/cur_freq`
still gives the clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from .events import CancelToken
from .ssh import Board

SERVER_SCAN_EVERY = 3  # samples between /proc scans while no llama-server is known

# `r FILE KEY`: print "KEY VALUE" when FILE reads; print nothing when it is absent or unreadable (some
# thermal zones answer EINVAL/EAGAIN while their sensor sleeps). `2>/dev/null` comes first so that a failed
# `<` redirection is silenced too. @PID@ and @SCAN@ are filled in per sample.
SAMPLER = r"""r() { v=; read -r v 2>/dev/null <"$1" && echo "$2 $v"; }
while read -r l; do case $l in cpu*) echo "$l";; *) break;; esac; done </proc/stat
while read -r k v u; do case $k in MemTotal:|MemAvailable:|SwapTotal:|SwapFree:) echo "mem $k $v";; esac
case $k in SwapFree:) break;; esac; done </proc/meminfo
g=/sys/class/kgsl/kgsl-3d0
r $g/gpu_busy_percentage gpu_busy_percentage
r $g/gpubusy gpubusy
r $g/clock_mhz clock_mhz
r $g/gpuclk gpuclk
r $g/devfreq/cur_freq devfreq_cur_freq
r /sys/class/devfreq/3d00000.gpu/cur_freq drm_cur_freq
r $g/temp gpu_temp
for z in /sys/class/thermal/thermal_zone*; do [ -d "$z" ] || continue; t=; v=
read -r t 2>/dev/null <"$z/type"; read -r v 2>/dev/null <"$z/temp"
echo "tz ${z##*/thermal_zone} ${t:-?} ${v:--}"
done
p=@PID@; c=; [ "$p" -gt 0 ] && read -r c 2>/dev/null <"/proc/$p/comm"; [ "$c" = llama-server ] || p=0
s=; [ "$p" = 0 ] && [ @SCAN@ = 1 ] && for d in /proc/[0-9]*; do
[ -O "$d" ] && read -r c 2>/dev/null <"$d/comm" && [ "$c" = llama-server ] && s="$s ${d#/proc/}"; done
for q in $p $s; do [ "$q" -gt 0 ] || continue
while read -r k v u; do case $k in VmRSS:) echo "srv $q $v"; break 2;; esac
done 2>/dev/null <"/proc/$q/status"
done
echo end"""


def sampler_command(server_pid: int = 0, scan: bool = True) -> str:
    return SAMPLER.replace("@PID@", str(int(server_pid))).replace("@SCAN@", "1" if scan else "0")


# --- parsing --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Thermal:
    zone: int
    type: str
    celsius: float | None  # None: the zone exists but its sensor did not answer


@dataclass
class Reading:
    """One sample's raw facts, as the board printed them (counters, not rates)."""

    cpu: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (total jiffies, idle jiffies)
    mem_total_kb: int | None = None
    mem_available_kb: int | None = None
    swap_total_kb: int | None = None
    swap_free_kb: int | None = None
    gpu_busy_percent: float | None = None
    gpu_clock_mhz: float | None = None
    gpu_temp_c: float | None = None
    thermal: list[Thermal] = field(default_factory=list)
    server_pid: int | None = None
    server_rss_kb: int | None = None
    complete: bool = False  # the `end` marker arrived


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def parse_cpu_line(line: str) -> tuple[str, tuple[int, int]] | None:
    """`cpu0 user nice system idle iowait irq softirq steal [guest guest_nice]` → (name, (total, idle)).

    guest time is already counted in user time, so only the first eight fields make the total; idle is
    idle + iowait (a core waiting for I/O is not busy)."""
    parts = line.split()
    if len(parts) < 5 or not parts[0].startswith("cpu"):
        return None
    values = [_int(p) for p in parts[1:9]]
    if any(v is None for v in values):
        return None
    nums = [v for v in values if v is not None]
    idle = nums[3] + (nums[4] if len(nums) > 4 else 0)
    return parts[0], (sum(nums), idle)


def parse_reading(text: str) -> Reading:
    """The sampler's output → a Reading. Unknown lines are ignored; absent values stay None."""
    r = Reading()
    freqs: dict[str, float] = {}
    gpubusy: tuple[int, int] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        key, _, rest = line.partition(" ")
        if key.startswith("cpu"):
            parsed = parse_cpu_line(line)
            if parsed is not None:
                r.cpu[parsed[0]] = parsed[1]
        elif key == "mem":
            name, _, amount = rest.partition(" ")
            kb = _int(amount.split()[0]) if amount.split() else None
            attr = {
                "MemTotal:": "mem_total_kb",
                "MemAvailable:": "mem_available_kb",
                "SwapTotal:": "swap_total_kb",
                "SwapFree:": "swap_free_kb",
            }.get(name)
            if attr is not None:
                setattr(r, attr, kb)
        elif key == "gpu_busy_percentage":
            busy_pct = _int(rest.replace("%", "").strip())
            r.gpu_busy_percent = float(busy_pct) if busy_pct is not None else None
        elif key == "gpubusy":
            nums = [_int(x) for x in rest.split()]
            if len(nums) == 2 and nums[0] is not None and nums[1] is not None:
                gpubusy = (nums[0], nums[1])
        elif key in ("clock_mhz", "gpuclk", "devfreq_cur_freq", "drm_cur_freq"):
            freq = _int(rest.strip())
            if freq is not None:
                freqs[key] = freq if key == "clock_mhz" else freq / 1e6
        elif key == "gpu_temp":
            r.gpu_temp_c = _celsius(_int(rest.strip()))
        elif key == "tz":
            parts = rest.split()
            if len(parts) >= 3 and (zone := _int(parts[0])) is not None:
                r.thermal.append(Thermal(zone, parts[1], _celsius(_int(parts[2]))))
        elif key == "srv":
            parts = rest.split()
            if len(parts) >= 2:
                r.server_pid, r.server_rss_kb = _int(parts[0]), _int(parts[1])
        elif key == "end":
            r.complete = True
    if r.gpu_busy_percent is None and gpubusy is not None:
        busy, total = gpubusy
        # The driver itself reports 0 % for an empty window (the GPU was off): a real reading, not missing.
        r.gpu_busy_percent = 100.0 * busy / total if total > 0 else 0.0
    for key in ("clock_mhz", "gpuclk", "devfreq_cur_freq", "drm_cur_freq"):
        if key in freqs:
            r.gpu_clock_mhz = freqs[key]
            break
    r.thermal.sort(key=lambda t: t.zone)
    return r


def _celsius(milli: int | None) -> float | None:
    # Thermal zones report millidegrees; a few drivers report whole degrees. Nothing on a board reads
    # below -40 or above 200 C, so a value under 1000 is taken as degrees.
    if milli is None:
        return None
    return milli / 1000.0 if abs(milli) >= 1000 else float(milli)


# --- samples --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """What the monitor shows at one moment. Every None means "the board does not tell", never zero."""

    time: float  # time.time() on this computer
    cpu_percent: float | None  # all cores; None on the first sample (rates need two readings)
    core_percent: dict[str, float | None]  # "cpu0" -> percent busy
    mem_total_kb: int | None
    mem_used_kb: int | None
    swap_total_kb: int | None
    swap_used_kb: int | None
    gpu_busy_percent: float | None
    gpu_clock_mhz: float | None
    gpu_temp_c: float | None
    temperatures: dict[str, float | None]  # thermal zone type -> Celsius (zone number added to duplicates)
    server_pid: int | None
    server_rss_kb: int | None
    round_trip_ms: float = 0.0

    @property
    def hottest_c(self) -> float | None:
        values = [v for v in self.temperatures.values() if v is not None]
        return max(values) if values else None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _percent(now: tuple[int, int], before: tuple[int, int] | None) -> float | None:
    if before is None:
        return None
    total = now[0] - before[0]
    idle = now[1] - before[1]
    if total <= 0:
        return None
    return max(0.0, min(100.0, 100.0 * (total - idle) / total))


def derive(reading: Reading, previous: Reading | None, *, at: float = 0.0, rtt_ms: float = 0.0) -> Sample:
    """Turn counters into a Sample, using the previous reading for CPU rates."""
    before = previous.cpu if previous is not None else {}
    cores = {
        name: _percent(value, before.get(name))
        for name, value in sorted(reading.cpu.items(), key=lambda kv: _core_index(kv[0]))
        if name != "cpu"
    }
    overall = _percent(reading.cpu["cpu"], before.get("cpu")) if "cpu" in reading.cpu else None
    mem_used = (
        reading.mem_total_kb - reading.mem_available_kb
        if reading.mem_total_kb is not None and reading.mem_available_kb is not None
        else None
    )
    swap_used = (
        reading.swap_total_kb - reading.swap_free_kb
        if reading.swap_total_kb is not None and reading.swap_free_kb is not None
        else None
    )
    temps: dict[str, float | None] = {}
    seen: dict[str, int] = {}
    for t in reading.thermal:
        seen[t.type] = seen.get(t.type, 0) + 1
    for t in reading.thermal:
        name = t.type if seen[t.type] == 1 else f"{t.type}#{t.zone}"
        temps[name] = t.celsius
    return Sample(
        time=at or time.time(),
        cpu_percent=overall,
        core_percent=cores,
        mem_total_kb=reading.mem_total_kb,
        mem_used_kb=mem_used,
        swap_total_kb=reading.swap_total_kb,
        swap_used_kb=swap_used,
        gpu_busy_percent=reading.gpu_busy_percent,
        gpu_clock_mhz=reading.gpu_clock_mhz,
        gpu_temp_c=reading.gpu_temp_c,
        temperatures=temps,
        server_pid=reading.server_pid,
        server_rss_kb=reading.server_rss_kb,
        round_trip_ms=rtt_ms,
    )


def _core_index(name: str) -> int:
    digits = name[3:]
    return int(digits) if digits.isdigit() else -1


class Monitor:
    """Samples one board. Not thread-safe: one sampler per Monitor (the Board itself serialises quick())."""

    def __init__(self, board: Board) -> None:
        self.board = board
        self.previous: Reading | None = None
        self.server_pid = 0
        self._count = 0

    def sample(self) -> Sample:
        """One round trip to the board → one Sample."""
        scan = self.server_pid > 0 or self._count % SERVER_SCAN_EVERY == 0
        self._count += 1
        start = time.perf_counter()
        result = self.board.quick(sampler_command(self.server_pid, scan), timeout=10)
        rtt = (time.perf_counter() - start) * 1000
        reading = parse_reading(result.stdout)
        self.server_pid = reading.server_pid or 0
        sample = derive(reading, self.previous, rtt_ms=rtt)
        self.previous = reading
        return sample


def run(
    board: Board,
    report: Callable[[Sample], None],
    *,
    interval: float = 1.0,
    count: int | None = None,
    cancel: CancelToken | None = None,
) -> int:
    """Sample every `interval` seconds until `count` samples were reported or `cancel`. Returns the count.

    The first reading only primes the CPU counters (rates need two), so it is not reported by itself."""
    mon = Monitor(board)
    mon.sample()
    done = 0
    next_at = time.monotonic() + interval
    while count is None or done < count:
        wait = next_at - time.monotonic()
        if wait > 0:
            if cancel is not None:
                if cancel.wait(wait):
                    break
            else:
                time.sleep(wait)
        elif cancel is not None and cancel.is_cancelled:
            break
        next_at = max(next_at + interval, time.monotonic())
        report(mon.sample())
        done += 1
    return done
