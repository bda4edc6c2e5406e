# ruff: noqa: E501  (the manual's llama_perf lines are copied verbatim)
"""llama-bench JSON, the GPU/CPU comparison, the history store, and the manual's own llama_perf lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rubikpi_studio.core import bench
from rubikpi_studio.core.bench import BenchResult, BenchRun, BenchSpec, History, parse_bench_json
from rubikpi_studio.core.errors import UsageError
from rubikpi_studio.core.llamacpp import parse_perf

# Recorded on the rig: `llama-bench -m SmolLM2-135M-Instruct.Q4_1.gguf -o json -r 2 -p 32 -n 8 -ngl 0`
# (b11434, CPU build), the two CPU entries verbatim.
RIG_JSON = """[
  {
    "build_commit": "8a98145c",
    "build_number": 11434,
    "cpu_info": "AMD EPYC",
    "gpu_info": "",
    "backends": "CPU",
    "model_filename": "/var/cache/rubikpi-studio/models/SmolLM2-135M-Instruct.Q4_1.gguf",
    "model_type": "llama 256M Q4_1",
    "model_size": 96576768,
    "model_n_params": 134515008,
    "n_batch": 2048,
    "n_ubatch": 512,
    "n_threads": 2,
    "cpu_mask": "0x0",
    "cpu_strict": false,
    "poll": 50,
    "type_k": "f16",
    "type_v": "f16",
    "n_gpu_layers": 0,
    "n_cpu_moe": 0,
    "split_mode": "layer",
    "main_gpu": 0,
    "no_kv_offload": false,
    "flash_attn": -1,
    "devices": "auto",
    "tensor_split": "0.00",
    "tensor_buft_overrides": "none",
    "load_mode": "auto",
    "lazy_mode": "auto",
    "embeddings": false,
    "no_op_offload": 0,
    "no_host": false,
    "repack": true,
    "fit_target": 0,
    "fit_min_ctx": 0,
    "n_prompt": 32,
    "n_gen": 0,
    "n_depth": 0,
    "test_time": "2026-11-25T12:38:32Z",
    "avg_ns": 767201497,
    "stddev_ns": 225445628,
    "avg_ts": 43.592134,
    "stddev_ts": 12.809746,
    "samples_ns": [
      607787364,
      926615630
    ],
    "samples_ts": [
      52.65,
      34.5343
    ]
  },
  {
    "build_commit": "8a98145c",
    "build_number": 11434,
    "cpu_info": "AMD EPYC",
    "gpu_info": "",
    "backends": "CPU",
    "model_filename": "/var/cache/rubikpi-studio/models/SmolLM2-135M-Instruct.Q4_1.gguf",
    "model_type": "llama 256M Q4_1",
    "model_size": 96576768,
    "model_n_params": 134515008,
    "n_batch": 2048,
    "n_ubatch": 512,
    "n_threads": 2,
    "cpu_mask": "0x0",
    "cpu_strict": false,
    "poll": 50,
    "type_k": "f16",
    "type_v": "f16",
    "n_gpu_layers": 0,
    "n_cpu_moe": 0,
    "split_mode": "layer",
    "main_gpu": 0,
    "no_kv_offload": false,
    "flash_attn": -1,
    "devices": "auto",
    "tensor_split": "0.00",
    "tensor_buft_overrides": "none",
    "load_mode": "auto",
    "lazy_mode": "auto",
    "embeddings": false,
    "no_op_offload": 0,
    "no_host": false,
    "repack": true,
    "fit_target": 0,
    "fit_min_ctx": 0,
    "n_prompt": 0,
    "n_gen": 8,
    "n_depth": 0,
    "test_time": "2026-11-25T12:38:34Z",
    "avg_ns": 764555413,
    "stddev_ns": 110491330,
    "avg_ts": 10.574018,
    "stddev_ts": 1.528126,
    "samples_ns": [
      842684578,
      686426249
    ],
    "samples_ts": [
      9.49347,
      11.6546
    ]
  }
]
"""

# The manual's comparison, verbatim (reference/llama_cpp_rubikpi_manual.md, "比较 CPU 性能"): Qwen2-1.5B Q4_0.
MANUAL_GPU = """\
# llama_perf_sampler_print:    sampling time =     225.78 ms /   133 runs   (    1.70 ms per token,   589.06 tokens per second)
# llama_perf_context_print:        load time =    5338.13 ms
# llama_perf_context_print: prompt eval time =     201.32 ms /     5 tokens (   40.26 ms per token,    24.84 tokens per second)
# llama_perf_context_print:        eval time =   13214.35 ms /   127 runs   (  104.05 ms per token,     9.61 tokens per second)
# llama_perf_context_print:       total time =   18958.06 ms /   132 tokens
# llama_perf_context_print:    graphs reused =        122
"""
MANUAL_CPU = """\
# llama_perf_sampler_print:    sampling time =      23.47 ms /   133 runs   (    0.18 ms per token,  5666.08 tokens per second)
# llama_perf_context_print:        load time =     677.25 ms
# llama_perf_context_print: prompt eval time =     253.39 ms /     5 tokens (   50.68 ms per token,    19.73 tokens per second)
# llama_perf_context_print:        eval time =   17751.29 ms /   127 runs   (  139.77 ms per token,     7.15 tokens per second)
# llama_perf_context_print:       total time =   18487.26 ms /   132 tokens
# llama_perf_context_print:    graphs reused =        122
"""


def gpu_entry(**over: object) -> dict[str, object]:
    """A GPU row shaped like the facts file's llama-bench example (`qwen2 1B Q4_0 | OpenCL | 99 | pp512 |
    212.38 ± 0.40`) in the JSON field layout recorded above; gpu_info is the Adreno name drivers report."""
    entry = json.loads(RIG_JSON)[0]
    entry.update(
        backends="OpenCL",
        gpu_info="QUALCOMM Adreno(TM) 643",
        n_gpu_layers=99,
        model_type="qwen2 1B Q4_0",
        n_prompt=512,
        n_gen=0,
        avg_ts=212.38,
        stddev_ts=0.40,
        samples_ts=[212.1, 212.66],
    )
    entry.update(over)
    return entry


def test_manual_perf_lines_give_the_manuals_comparison() -> None:
    gpu, cpu = parse_perf(MANUAL_GPU), parse_perf(MANUAL_CPU)
    assert gpu["eval time"].tokens_per_second == 9.61 and cpu["eval time"].tokens_per_second == 7.15
    assert gpu["eval time"].count == 127 and gpu["eval time"].unit == "runs"
    assert gpu["prompt eval time"].tokens_per_second == 24.84
    assert cpu["prompt eval time"].tokens_per_second == 19.73
    assert gpu["graphs reused"].value == 122 and cpu["load time"].ms == 677.25
    # "这里 GPU 的令牌处理速度比 CPU 快约 33%" — the same ratio the app computes from llama-bench
    run = BenchRun(board="b", model="m", started=0.0)
    for mode, perf in (("gpu", gpu), ("cpu", cpu)):
        tps = perf["eval time"].tokens_per_second
        assert tps is not None
        run.results.append(
            BenchResult(
                mode,
                0,
                127,
                tps,
                0.0,
                backends="OpenCL" if mode == "gpu" else "CPU",
                gpu_info="QUALCOMM Adreno(TM) 635" if mode == "gpu" else "",
                n_gpu_layers=99 if mode == "gpu" else 0,
            )
        )
    assert run.speedup("tg") == pytest.approx(1.344, abs=1e-3)


def test_recorded_rig_json() -> None:
    results = parse_bench_json(RIG_JSON, "cpu")
    assert [r.test for r in results] == ["pp32", "tg8"]
    pp, tg = results
    assert pp.kind == "pp" and tg.kind == "tg"
    assert pp.avg_ts == pytest.approx(43.592134) and pp.stddev_ts == pytest.approx(12.809746)
    assert pp.samples_ts == (52.65, 34.5343)
    assert (pp.backends, pp.n_gpu_layers, pp.n_threads, pp.n_batch) == ("CPU", 0, 2, 2048)
    assert (pp.build_commit, pp.build_number) == ("8a98145c", 11434)
    assert pp.model_type == "llama 256M Q4_1" and pp.model_size == 96576768
    assert pp.flash_attn == -1 and not pp.uses_gpu
    # without a mode the entry says which it was
    assert [r.mode for r in parse_bench_json(RIG_JSON)] == ["cpu", "cpu"]


def test_gpu_entry_and_speedup() -> None:
    text = json.dumps([gpu_entry(), gpu_entry(n_prompt=0, n_gen=128, avg_ts=9.61, stddev_ts=0.05)])
    gpu = parse_bench_json(text)
    assert [r.mode for r in gpu] == ["gpu", "gpu"] and all(r.uses_gpu for r in gpu)
    assert gpu[0].test == "pp512" and gpu[1].test == "tg128"
    cpu = parse_bench_json(
        json.dumps(
            [gpu_entry(backends="OpenCL", gpu_info="", n_gpu_layers=0, n_gen=128, n_prompt=0, avg_ts=7.15)]
        )
    )
    assert cpu[0].mode == "cpu" and not cpu[0].uses_gpu
    run = BenchRun(board="b", model="/home/u/m.gguf", started=0.0, results=gpu + cpu)
    assert run.speedup("tg") == pytest.approx(9.61 / 7.15) and run.speedup("pp") is None
    assert run.build == "b11434-8a98145c" and run.model_name == "m.gguf"


def test_opencl_build_without_a_gpu_device_is_not_a_gpu_run() -> None:
    # An OpenCL build whose only platform is PoCL (a CPU): backends says OpenCL, gpu_info stays empty.
    [r] = parse_bench_json(json.dumps([gpu_entry(gpu_info="")]), "gpu")
    assert not r.uses_gpu


def test_tolerates_unknown_keys_missing_keys_old_builds_and_jsonl() -> None:
    old = {"build_commit": "f6da8cb8", "build_number": 6362, "backends": "OpenCL", "n_gpu_layers": 99,
           "gpu_info": "QUALCOMM Adreno(TM) 635", "n_prompt": 0, "n_gen": 128, "avg_ts": "9.5",
           "stddev_ts": 0.1, "flash_attn": False, "use_mmap": True, "something_new": {"x": 1}}  # fmt: skip
    [r] = parse_bench_json(json.dumps(old))
    assert r.avg_ts == 9.5 and r.flash_attn is False and r.samples_ts == () and r.mode == "gpu"
    jsonl = "\n".join(json.dumps(o) for o in json.loads(RIG_JSON))
    assert [r.test for r in parse_bench_json(jsonl)] == ["pp32", "tg8"]
    assert parse_bench_json(json.dumps([{"n_prompt": 8, "avg_ts": None}, 3, "x"])) == []
    assert parse_bench_json("") == [] and parse_bench_json("not json") == []


def test_a_run_that_died_half_way() -> None:
    # What llama-bench leaves when a later test fails: "[", the finished objects, then nothing.
    first = json.dumps(json.loads(RIG_JSON)[0], indent=2)
    assert [r.test for r in parse_bench_json("[\n" + first + ",\n")] == ["pp32"]
    assert parse_bench_json("[\n") == []
    assert [r.test for r in parse_bench_json("[\n" + first + ',\n  {"avg_ts": 1.0, "n_')] == ["pp32"]


def test_history_per_board_and_model(tmp_path: Path) -> None:
    h = History(tmp_path / "h.jsonl")
    a = BenchRun("u@[127.0.0.1]:2222", "/home/u/a.gguf", 1.0, parse_bench_json(RIG_JSON, "cpu"))
    a.settings = BenchSpec(model="a.gguf").settings
    b = BenchRun(
        "u@board", "/home/u/b.gguf", 2.0, parse_bench_json(json.dumps([gpu_entry()])), gpu_backend=True
    )
    h.add(a)
    h.add(b)
    with h.path.open("a") as fh:
        fh.write("{broken\n")
    assert [r.model for r in h.runs()] == [a.model, b.model]
    [again] = h.runs(board="u@[127.0.0.1]:2222", model="a.gguf")
    assert (
        again.results == a.results and again.settings["repetitions"] == 3 and again.build == "b11434-8a98145c"
    )
    assert h.runs(model="/home/u/b.gguf")[0].gpu_backend is True
    assert h.models("u@board") == ["/home/u/b.gguf"]
    rows = bench.summary_rows(h.runs())
    assert {(r["mode"], r["test"]) for r in rows} == {("cpu", "pp32"), ("cpu", "tg8"), ("gpu", "pp512")}
    assert History(tmp_path / "none.jsonl").runs() == []


def test_spec_validation_and_args() -> None:
    BenchSpec(model="m.gguf").validate()
    for bad in (
        BenchSpec(model=""),
        BenchSpec(model="m", modes=("npu",)),
        BenchSpec(model="m", modes=()),
        BenchSpec(model="m", repetitions=0),
        BenchSpec(model="m", n_prompt=0, n_gen=0),
    ):
        with pytest.raises(UsageError):
            bad.validate()
    assert BenchSpec(model="m", threads=4, batch=128, extra=("-ub", "64")).llama_bench_args() == [
        "-t", "4", "-b", "128", "-ub", "64",
    ]  # fmt: skip
