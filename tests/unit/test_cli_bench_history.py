"""`rubikpi-studio bench HOST --history [MODEL] [--json]`: earlier runs of one board, read from the history
file on this computer (no connection: the host below does not exist)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rubikpi_studio.cli import build_parser, main
from rubikpi_studio.core import bench

BOARD = "pi@[rubikpi.invalid]:2222"


def result(mode: str, n_prompt: int, n_gen: int, ts: float, backends: str, ngl: int) -> bench.BenchResult:
    return bench.BenchResult(
        mode=mode, n_prompt=n_prompt, n_gen=n_gen, avg_ts=ts, stddev_ts=0.1, samples_ts=(ts - 0.1, ts + 0.1),
        backends=backends, n_gpu_layers=ngl, build_commit="8a98145c", build_number=11434,
        gpu_info="QUALCOMM Adreno(TM) 643" if mode == "gpu" else "",
    )  # fmt: skip


@pytest.fixture
def history(studio_home: Path) -> bench.History:
    h = bench.History()
    qwen = bench.BenchRun(
        board=BOARD, model="/home/pi/dev/llm/models/qwen2-1_5b-instruct-q4_0.gguf", started=1_700_000_000,
        settings={"repetitions": 3, "n_prompt": 128, "n_gen": 64, "threads": 4, "batch": None, "extra": []},
        results=[result("gpu", 0, 64, 9.61, "OpenCL", 99), result("cpu", 0, 64, 7.15, "CPU", 0)],
        gpu_backend=True, job="j1",
    )  # fmt: skip
    smol = bench.BenchRun(
        board=BOARD, model="/home/pi/dev/llm/models/smollm2.gguf", started=1_700_000_100,
        settings={"repetitions": 2, "n_prompt": 16, "n_gen": 4, "threads": None, "batch": None, "extra": []},
        results=[result("cpu", 16, 0, 11.0, "CPU", 0)], gpu_backend=False, notes=["CPU only"], job="j2",
    )  # fmt: skip
    other_board = bench.BenchRun(board="pi@otherpi", model=qwen.model, started=1.0, job="j3")
    for run in (qwen, smol, other_board):
        h.add(run)
    return h


def bench_history(*extra: str) -> list[str]:
    return ["bench", "rubikpi.invalid", "--port", "2222", "--user", "pi", "--history", *extra]


def test_history_json_lists_this_boards_runs(
    history: bench.History, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(bench_history("--json")) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [d["job"] for d in lines] == ["j1", "j2"], "this board's runs, oldest first; not the other board's"
    assert lines[0]["settings"]["repetitions"] == 3 and lines[0]["build"] == "b11434-8a98145c"
    assert lines[0]["speedup"]["tg"] == pytest.approx(9.61 / 7.15)


def test_history_for_one_model_by_file_name(
    history: bench.History, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(bench_history("smollm2.gguf", "--json")) == 0
    assert [json.loads(line)["job"] for line in capsys.readouterr().out.splitlines()] == ["j2"]
    # the model as the positional argument, as for a run
    assert main(["bench", "rubikpi.invalid", "smollm2.gguf", "--port", "2222", "-u", "pi", "--history"]) == 0
    assert "qwen2" not in capsys.readouterr().out


def test_history_for_people(history: bench.History, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(bench_history()) == 0
    text = capsys.readouterr().out
    assert (
        "qwen2-1_5b-instruct-q4_0.gguf  llama.cpp b11434-8a98145c  (3 reps, pp128, tg64, 4 threads)" in text
    )
    assert "GPU/CPU generation: 1.34x" in text
    assert "smollm2.gguf" in text and "note: CPU only" in text


def test_history_of_a_board_without_runs(studio_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(bench_history()) == 0
    assert capsys.readouterr().out.strip() == "No earlier runs on this board."


def test_a_run_needs_a_model(studio_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "rubikpi.invalid", "--json"]) == 2
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["code"] == "E_USAGE"


def test_model_may_follow_the_options_though_it_is_optional() -> None:
    # argparse alone reads an optional MODEL as absent when options stand between HOST and it (bpo-14191)
    args = build_parser().parse_args(["bench", "rubikpi.invalid", "--port", "2222", "--json", "m.gguf"])
    assert (args.host, args.port, args.model, args.json, args.history) == (
        "rubikpi.invalid",
        2222,
        "m.gguf",
        True,
        None,
    )
