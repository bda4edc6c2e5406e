"""`core.llamacpp`: llama.cpp's output parsed, from the manual's real lines and output recorded on the rig."""

from __future__ import annotations

from pathlib import Path

import pytest

from rubikpi_studio.core.llamacpp import (
    MANUAL_BUILD,
    BackendInfo,
    Device,
    LlamaVersion,
    features,
    is_adreno,
    parse_backend,
    parse_list_devices,
    parse_perf,
    parse_perf_line,
    parse_quantize_progress,
    parse_version,
)

LOGS = Path(__file__).resolve().parents[1] / "data" / "logs"


def log(name: str) -> str:
    return (LOGS / name).read_text()


# --- version -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # b6xxx era (ggml-org/llama.cpp#16152's log)
        (
            "version: 6166 (c36e54d06)\nbuilt with cc (Ubuntu 13.3.0) 13.3.0 for aarch64-linux-gnu\n",
            LlamaVersion(6166, "c36e54d06", "", "cc (Ubuntu 13.3.0) 13.3.0", "aarch64-linux-gnu"),
        ),
        ("version: 0.6.0-dev (build 11434, commit abc)\n", LlamaVersion(11434, "abc", "0.6.0-dev")),
        # a tarball built without git and without -DLLAMA_BUILD_NUMBER
        ("version: 0.6.0-dev (build 0, commit unknown)\n", LlamaVersion(0, "unknown", "0.6.0-dev")),
        # b6362's llama-cli printed the OpenCL lines first
        (
            log("manual-llama-cli-version-opencl.txt") + "version: 6362 (f6da8cb8)\n",
            LlamaVersion(6362, "f6da8cb8"),
        ),
        ("error: invalid argument: --version\n", None),
        ("", None),
    ],
)
def test_parse_version(text: str, expected: LlamaVersion | None) -> None:
    assert parse_version(text) == expected


def test_version_of_the_recorded_build() -> None:
    v = parse_version(log("llama-cli-version-b11434-cpu.txt"))
    assert v is not None
    assert v.build_number == 11434
    assert v.version == "0.6.0-dev"
    assert len(v.commit) == 8
    assert (v.compiler, v.target) == ("GNU 12.2.0", "Linux x86_64")
    assert v.label == f"b11434-{v.commit}"


def test_label_matches_the_manuals_fingerprint() -> None:
    assert LlamaVersion(6362, "f6da8cb8").label == "b6362-f6da8cb8"  # 'system_fingerprint': 'b6362-f6da8cb8'


# --- flags per version ---------------------------------------------------------------------------------


def test_features_of_the_manuals_build() -> None:
    f = features(LlamaVersion(MANUAL_BUILD, "f6da8cb8"))
    assert f.completion_binary == "llama-cli"
    assert f.completion_args == ("-no-cnv",)
    assert f.load_log_args == ()
    assert not f.has_prebuilt_ui_option


def test_features_of_a_new_build() -> None:
    f = features(LlamaVersion(11434, "8a98145c", "0.6.0-dev"))
    assert f.completion_binary == "llama-completion"
    assert f.load_log_args == ("-lv", "4")
    assert f.has_prebuilt_ui_option
    assert f.needs_explicit_port_notice


def test_features_unknown_build_number_counts_as_new() -> None:
    assert features(LlamaVersion(0, "unknown", "0.6.0-dev")).completion_binary == "llama-completion"
    assert features(None).completion_binary == "llama-completion"


def test_installed_files_beat_the_build_number() -> None:
    old = LlamaVersion(MANUAL_BUILD, "f6da8cb8")
    assert features(old, has_completion_binary=True).completion_binary == "llama-completion"
    new = LlamaVersion(11434, "x", "0.6.0-dev")
    assert features(new, has_completion_binary=False).completion_binary == "llama-cli"


# --- backend -------------------------------------------------------------------------------------------


def test_manuals_opencl_lines() -> None:
    info = parse_backend(log("manual-llama-cli-version-opencl.txt"))
    assert info.backend == "OpenCL"
    assert info.platform == "QUALCOMM Snapdragon(TM)"
    assert info.device == "QUALCOMM Adreno(TM) 635"
    assert info.device_version == "OpenCL 3.0 Adreno(TM) 635"
    assert info.driver == "OpenCL 3.0 QUALCOMM build: 0808.0.7 Compiler E031.49.02.00"
    assert info.is_adreno
    assert info.is_gpu_used  # no model loaded: the device is there
    assert info.offloaded is None


def test_manuals_gpu_run_offloads_all_layers() -> None:
    text = log("manual-llama-cli-version-opencl.txt") + log("manual-llama-cli-gpu-perf.txt")
    info = parse_backend(text)
    assert (info.offloaded, info.total_layers) == (29, 29)
    assert info.is_gpu_used
    assert info.summary() == "GPU: QUALCOMM Adreno(TM) 635, 29/29 layers"


def test_zero_layers_offloaded_is_not_gpu_use() -> None:
    text = log("manual-llama-cli-version-opencl.txt") + "load_tensors: offloaded 0/29 layers to GPU\n"
    info = parse_backend(text)
    assert info.backend == "OpenCL"
    assert not info.is_gpu_used
    assert info.summary().startswith("CPU")


@pytest.mark.parametrize(
    ("name", "adreno"),
    [
        ("QUALCOMM Adreno(TM) 635", True),
        ("QUALCOMM Adreno(TM) 643", True),
        ("QUALCOMM Snapdragon(TM)", True),  # some drivers name only the vendor
        ("Adreno (TM) 740", True),
        ("cpu-haswell-AMD EPYC", False),  # PoCL's CPU device
        ("Intel(R) UHD Graphics", False),
        ("", False),
    ],
)
def test_is_adreno(name: str, adreno: bool) -> None:
    assert is_adreno(name) is adreno


def test_opencl_without_a_usable_device() -> None:
    text = (
        "ggml_opencl: selected platform: 'Portable Computing Language'\n"
        "ggml_opencl: drop unsupported device 'cpu-haswell-AMD EPYC 7B13'.\n"
        "ggml_opencl: could find any OpenCL devices.\n"
    )
    info = parse_backend(text)
    assert info.backend == "OpenCL"
    assert not info.is_gpu_used
    assert info.problems == [
        "drop unsupported device 'cpu-haswell-AMD EPYC 7B13'.",
        "could find any OpenCL devices.",
    ]
    assert "drop unsupported device" in info.summary()


def test_cpu_only_log() -> None:
    info = parse_backend("load_tensors: CPU_Mapped model buffer size =    93.81 MiB\n")
    assert info == BackendInfo(backend="CPU")
    assert info.summary() == "CPU"


# --- --list-devices ------------------------------------------------------------------------------------


def test_list_devices_on_the_board_format() -> None:
    text = "Available devices:\n  GPUOpenCL: QUALCOMM Adreno(TM) 643 (3788 MiB, 2764 MiB free)\n"
    devices = parse_list_devices(text)
    assert devices == [Device("GPUOpenCL", "QUALCOMM Adreno(TM) 643", 3788, 2764)]
    info = parse_backend(text)
    assert info.backend == "OpenCL"
    assert info.device == "QUALCOMM Adreno(TM) 643"
    assert info.is_gpu_used


def test_list_devices_of_the_recorded_cpu_build() -> None:
    text = log("llama-cli-list-devices-b11434-cpu.txt")
    assert "Available devices:" in text
    devices = parse_list_devices(text)
    assert not any(d.name.startswith("GPU") for d in devices)
    assert parse_backend(text).backend == "CPU"


# --- a real run ----------------------------------------------------------------------------------------


def test_recorded_cpu_completion_run() -> None:
    text = log("llama-completion-b11434-cpu.txt")
    info = parse_backend(text)
    assert info.backend == "CPU"
    assert not info.is_gpu_used
    perf = parse_perf(text)
    assert perf["eval time"].tokens_per_second is not None
    assert perf["eval time"].tokens_per_second > 0
    assert perf["prompt eval time"].unit == "tokens"
    assert perf["prompt eval time"].tokens_per_second == float(
        "inf"
    )  # a 0 ms prompt: "inf tokens per second"
    assert (
        perf["eval time"].source == "common_perf_print"
    )  # b11434's name for the old llama_perf_context_print
    assert perf["graphs reused"].value == 7


# --- llama_perf ----------------------------------------------------------------------------------------


def test_manuals_perf_lines() -> None:
    gpu = parse_perf(log("manual-llama-cli-gpu-perf.txt"))
    cpu = parse_perf(log("manual-llama-cli-cpu-perf.txt"))
    assert gpu["eval time"].tokens_per_second == 9.61
    assert cpu["eval time"].tokens_per_second == 7.15
    assert gpu["eval time"].count == 127
    assert gpu["eval time"].unit == "runs"
    assert gpu["prompt eval time"].tokens_per_second == 24.84
    assert gpu["load time"].ms == 5338.13
    assert gpu["load time"].tokens_per_second is None
    assert gpu["total time"].count == 132
    assert gpu["graphs reused"].value == 122
    assert gpu["sampling time"].source == "llama_perf_sampler_print"


def test_perf_line_with_a_log_prefix() -> None:
    line = "0.12.345.678 I llama_perf_context_print:        eval time =      61.42 ms /     7 runs   (    8.77 ms per token,   113.97 tokens per second)"  # noqa: E501 - a real line
    p = parse_perf_line(line)
    assert p is not None
    assert (p.name, p.count, p.tokens_per_second) == ("eval time", 7, 113.97)


def test_not_a_perf_line() -> None:
    assert parse_perf_line("llama_perf_context_print: something else") is None
    assert parse_perf_line("load_tensors: offloaded 29/29 layers to GPU") is None


# --- llama-quantize ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "[  12/ 201]                   blk.0.attn_k.weight - [  576,   192,     1,     1], type =    f16, ",  # noqa: E501 - a real line
            (12, 201, "blk.0.attn_k.weight"),
        ),
        (
            "[   1/ 272]                        output.weight - [  576, 49152,     1,     1], type =   q4_1, size =   25.500 MiB",  # noqa: E501 - a real line
            (1, 272, "output.weight"),
        ),
        (
            "[ 201/ 201] output_norm.weight - [  576,     1,     1,     1], type =    f32, size =    0.002 MiB",  # noqa: E501 - a real line
            (201, 201, "output_norm.weight"),
        ),
        ("llama_model_quantize_impl: model size  =    98.81 MiB (6.12 BPW)", None),
        ("[abc] not progress", None),
    ],
)
def test_quantize_progress(line: str, expected: tuple[int, int, str] | None) -> None:
    p = parse_quantize_progress(line)
    if expected is None:
        assert p is None
    else:
        assert p is not None
        assert (p.index, p.total, p.tensor) == expected


def test_recorded_quantize_run() -> None:
    lines = log("llama-quantize-b11434.txt").splitlines()
    progress = [p for line in lines if (p := parse_quantize_progress(line)) is not None]
    assert progress
    assert [p.index for p in progress] == list(range(1, progress[-1].total + 1))
    assert progress[-1].fraction == 1.0


def test_recorded_opencl_build_on_pocl_drops_the_cpu_device() -> None:
    """b11434 built with GGML_OPENCL=ON against Debian's ICD loader; PoCL's CPU device is refused."""
    text = log("llama-completion-b11434-opencl-pocl.txt")
    info = parse_backend(text)
    assert info.backend == "OpenCL"
    assert info.platform == "Portable Computing Language"
    assert info.device == "pthread-haswell-AMD EPYC"
    assert info.device_version.startswith("OpenCL 3.0 PoCL")
    assert not info.is_adreno
    assert not info.is_gpu_used
    assert info.problems == [
        "unsupported GPU 'pthread-haswell-AMD EPYC'.",
        "drop unsupported device 'pthread-haswell-AMD EPYC'.",
    ]
    assert info.summary() == "CPU (unsupported GPU 'pthread-haswell-AMD EPYC'.)"
    assert parse_list_devices(log("llama-cli-list-devices-b11434-opencl-pocl.txt")) == []
