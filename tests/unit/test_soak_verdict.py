"""bench/soak.py's verdict: a resource that climbs round after round is a leak; noise and warm-up are not."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def soak() -> ModuleType:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        spec = importlib.util.spec_from_file_location("soak_bench", ROOT / "bench" / "soak.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # its dataclasses look their module up
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(ROOT / "bench"))


def samples(rounds: int, **per_round: tuple[float, float]) -> list[dict[str, float]]:
    """`name=(start, added per round)`; the first two rounds add 3x as much (a warm-up)."""
    out = []
    for i in range(rounds):
        row: dict[str, float] = {"t": i * 10.0}
        for name, (start, step) in per_round.items():
            warm = min(i, 2) * step * 2
            row[name] = start + warm + i * step
        out.append(row)
    return out


def by_name(metrics: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    return {str(m["name"]): m for m in metrics}


def test_one_socket_per_round_is_a_leak(soak: ModuleType) -> None:
    m = by_name(soak.verdict(samples(30, sockets=(12, 1), threads=(9, 0), **{"rss MB": (80, 0)})))
    assert m["sockets"]["ok"] is False and "first to the last third" in str(m["sockets"]["why"])
    assert m["threads"]["ok"] is True and m["rss MB"]["ok"] is True
    assert m["sockets"]["start"] == 12 and m["sockets"]["end"] == 12 + 4 + 29


def test_warm_up_and_flat_counts_pass(soak: ModuleType) -> None:
    rows = samples(30, fds=(20, 0), objects=(90_000, 0))
    for i, row in enumerate(rows[:5]):
        row["fds"] += 5 - i  # connections of the first rounds still closing
    for row in rows[::3]:
        row["objects"] += 1500  # gc noise
    assert all(m["ok"] for m in soak.verdict(rows))


def test_slow_memory_growth_beyond_tolerance_fails(soak: ModuleType) -> None:
    m = by_name(soak.verdict(samples(30, **{"rss MB": (80, 0.6)})))
    assert m["rss MB"]["ok"] is False
    assert float(str(m["rss MB"]["slope per min (2nd half)"])) == pytest.approx(3.6)
