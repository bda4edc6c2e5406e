"""The monitor sampler's output → readings and samples (tests/data/kgsl/README.md: the sources)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from rubikpi_studio.core import monitor
from rubikpi_studio.core.monitor import derive, parse_cpu_line, parse_reading

DATA = Path(__file__).resolve().parents[1] / "data" / "kgsl"


def read(name: str) -> str:
    return (DATA / name).read_text()


def test_recorded_elsewhere_qcs6490_kgsl_and_thermal() -> None:
    # Recorded-elsewhere data: kgsl formats from the msm kgsl driver, SC7280 thermal zone types (README).
    r = parse_reading(read("qcs6490-kgsl-thermal-sampler-output.txt"))
    assert r.complete
    assert len([k for k in r.cpu if k != "cpu"]) == 8
    assert r.gpu_busy_percent == 37.0  # "37 %" from gpu_busy_percentage wins over gpubusy
    assert r.gpu_clock_mhz == 550.0  # gpuclk in Hz
    assert r.gpu_temp_c == 52.3
    assert (r.mem_total_kb, r.mem_available_kb, r.swap_total_kb, r.swap_free_kb) == (7774616, 5612040, 0, 0)
    assert r.server_pid == 4242 and r.server_rss_kb == 1143296
    by_type = {t.type: t.celsius for t in r.thermal}
    assert by_type["gpuss0-thermal"] == 52.3 and by_type["cpu7-thermal"] == 52.1
    assert by_type["pmk8350-thermal"] == 41.877
    assert by_type["mdmss0-thermal"] is None  # a zone whose sensor did not answer: missing, not 0
    s = derive(r, None, at=1.0)
    assert s.cpu_percent is None and all(v is None for v in s.core_percent.values())
    assert s.mem_used_kb == 7774616 - 5612040 and s.swap_used_kb == 0
    assert s.hottest_c == 52.9 and s.temperatures["mdmss0-thermal"] is None
    assert list(s.core_percent) == [f"cpu{i}" for i in range(8)]


def test_gpubusy_is_used_without_the_percentage_file() -> None:
    text = "gpubusy   25000  100000\nclock_mhz 812\nend\n"
    r = parse_reading(text)
    assert r.gpu_busy_percent == 25.0 and r.gpu_clock_mhz == 812.0
    # an empty window (GPU powered down): the driver's own answer is 0 %, a real reading
    assert parse_reading("gpubusy       0       0\n").gpu_busy_percent == 0.0


def test_clock_sources_in_order() -> None:
    assert parse_reading("devfreq_cur_freq 315000000\ngpuclk 608000000\n").gpu_clock_mhz == 608.0
    assert parse_reading("clock_mhz 700\ngpuclk 608000000\n").gpu_clock_mhz == 700.0
    r = parse_reading(read("freedreno-sampler-output.txt"))
    assert r.gpu_clock_mhz == 315.0 and r.gpu_busy_percent is None
    s = derive(r, None)
    assert s.swap_total_kb == 2097148 and s.swap_used_kb == 0


def test_recorded_on_this_machine_no_gpu_no_thermal() -> None:
    a = parse_reading(read("rig-sampler-output.txt"))
    b = parse_reading(read("rig-sampler-output-1s-later.txt"))
    s = derive(b, a)
    assert s.gpu_busy_percent is None and s.gpu_clock_mhz is None and s.gpu_temp_c is None
    assert s.temperatures == {} and s.hottest_c is None
    assert s.server_pid is None and s.server_rss_kb is None
    assert s.cpu_percent is not None and 0 <= s.cpu_percent <= 100
    assert set(s.core_percent) == {"cpu0", "cpu1"}
    assert all(v is not None for v in s.core_percent.values())


def test_cpu_rates_from_deltas() -> None:
    before = parse_reading("cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 100 0 100 800 0 0 0 0 0 0\n")
    after = parse_reading("cpu  150 0 150 900 0 0 0 0 0 0\ncpu0 150 0 150 900 0 0 0 0 0 0\n")
    s = derive(after, before)
    assert s.cpu_percent == pytest.approx(50.0) and s.core_percent["cpu0"] == pytest.approx(50.0)
    # iowait counts as idle; guest is inside user already
    assert parse_cpu_line("cpu3 10 0 10 70 10 0 0 0 5 0") == ("cpu3", (100, 80))
    # a core that went offline between samples has no rate; one that came back starts from None
    gone = derive(parse_reading("cpu0 1 0 1 8 0 0 0 0\n"), parse_reading("cpu1 1 0 1 8 0 0 0 0\n"))
    assert gone.core_percent == {"cpu0": None}
    # counters that did not move (no tick between samples): unknown, not 0 %
    assert derive(before, before).cpu_percent is None


def test_garbage_and_partial_output() -> None:
    r = parse_reading("cpu0 x y z\nmem MemTotal:\ntz x y z\nsrv\nbogus line\ngpu_busy_percentage %\n")
    assert r.cpu == {} and r.mem_total_kb is None and r.thermal == [] and r.server_pid is None
    assert r.gpu_busy_percent is None and not r.complete


def test_whole_degree_zones() -> None:
    assert parse_reading("tz 3 battery 31\n").thermal[0].celsius == 31.0


def test_duplicate_zone_types_keep_both() -> None:
    s = derive(parse_reading("tz 1 tsens 40000\ntz 2 tsens 41000\n"), None)
    assert s.temperatures == {"tsens#1": 40.0, "tsens#2": 41.0}


@pytest.mark.skipif(shutil.which("dash") is None and shutil.which("sh") is None, reason="no POSIX shell")
def test_sampler_is_valid_posix_sh_and_parses_here() -> None:
    shell = shutil.which("dash") or "sh"
    out = subprocess.run([shell, "-c", monitor.sampler_command(0, True)], capture_output=True, text=True)
    assert out.returncode == 0 and out.stderr == ""
    r = parse_reading(out.stdout)
    assert r.complete and "cpu" in r.cpu and r.mem_total_kb
