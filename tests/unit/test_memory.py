"""core.memory: a fixed mmap threshold keeps large buffers in their own mappings; trim frees holes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rubikpi_studio.core import memory

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc allocator settings")

# Runs in a fresh interpreter: mallopt must precede the allocations it is about; the threshold is global.
_PROBE = r"""
import ctypes, json, sys
from rubikpi_studio.core import memory

class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]

libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = MallInfo2
tuned = memory.tune_allocator() if sys.argv[1] == "tune" else None
big = bytearray(4 << 20)  # mmapped; freeing it raises glibc's adaptive threshold to 4 MiB
del big
before = libc.mallinfo2().hblkhd
again = bytearray(1 << 20)
print(json.dumps({"tuned": tuned, "mmapped_growth": libc.mallinfo2().hblkhd - before}))
"""


def _probe(mode: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, mode], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    ).stdout
    result: dict[str, object] = json.loads(out)
    return result


def test_fixed_threshold_keeps_a_large_buffer_in_its_own_mapping() -> None:
    if memory._glibc() is None:
        pytest.skip("not glibc")
    adaptive = _probe("plain")
    tuned = _probe("tune")
    assert tuned["tuned"] is True
    # Without the setting the 1 MiB buffer lands in the heap (where its hole stays after a free); with it,
    # it is mmapped and goes back to the system whole.
    assert int(str(adaptive["mmapped_growth"])) < 1 << 20
    assert int(str(tuned["mmapped_growth"])) >= 1 << 20


def test_trim_gives_freed_holes_back_to_the_system() -> None:
    if memory._glibc() is None:
        pytest.skip("not glibc")
    probe = r"""
import json, os
from rubikpi_studio.core import memory
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
blocks = [bytearray(16384) for _ in range(4000)]  # 64 MiB in the heap
keep = blocks[::2]  # every other block stays: 32 MiB of holes glibc cannot trim from the top
del blocks
before = rss()
released = memory.trim()
print(json.dumps({"released": released, "freed": before - rss()}))
"""
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    ).stdout
    result = json.loads(out)
    assert result["released"] is True
    assert result["freed"] >= 8 << 20, result
