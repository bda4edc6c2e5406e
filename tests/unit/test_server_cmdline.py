"""The server's command line, the extra-flags field, port/argv parsing and the status from real log lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from rubikpi_studio.cli import build_parser
from rubikpi_studio.cli.serve import _spec as cli_spec
from rubikpi_studio.core import llamacpp
from rubikpi_studio.core.events import INFO, STEP_DONE, STEP_START
from rubikpi_studio.core.server import (
    ExtraFlagsInvalid,
    ServerSpec,
    build_argv,
    listening_ports,
    name_signal,
    parse_extra_flags,
    parse_server_argv,
    status_from_log,
    summarise_log,
)

LOGS = Path(__file__).resolve().parents[1] / "data" / "logs"
NEW = llamacpp.features(llamacpp.LlamaVersion(11434, "8a98145c", "0.6.0-dev"))
OLD = llamacpp.features(llamacpp.LlamaVersion(6362, "f6da8cb8"))


def test_gpu_defaults_are_the_manuals() -> None:
    plan = build_argv(ServerSpec(model="/m/q.gguf"), "/b/llama-server", features=NEW, has_gpu=True)
    assert plan.use_gpu
    assert list(plan.argv) == [
        "/b/llama-server", "-m", "/m/q.gguf", "--no-warmup", "-b", "128", "-c", "2048", "-np", "1",
        "-ngl", "99", "-fa", "off", "--host", "127.0.0.1", "--port", "9876", "-lv", "4",
    ]  # fmt: skip


def test_cpu_mode_and_old_build_without_verbosity_flag() -> None:
    spec = ServerSpec(model="/m/q.gguf", gpu=False, ctx=4096, threads=4, mmproj="/m/mmproj.gguf")
    plan = build_argv(spec, "llama-server", features=OLD, has_gpu=True)
    assert not plan.use_gpu
    argv = list(plan.argv)
    assert argv[argv.index("-ngl") + 1] == "0"
    assert "-fa" not in argv  # the manual's -fa off belongs to the GPU path
    assert "-lv" not in argv  # b6362 prints load lines at its default verbosity
    assert argv[argv.index("--mmproj") + 1] == "/m/mmproj.gguf"
    assert argv[argv.index("-c") + 1] == "4096" and argv[argv.index("-t") + 1] == "4"


def _flag(argv: tuple[str, ...], flag: str) -> str | None:
    return argv[argv.index(flag) + 1] if flag in argv else None


def test_cli_settings_reach_the_command_line() -> None:
    args = build_parser().parse_args(
        ["serve", "start", "board", "-m", "/m/q.gguf", "--batch", "256", "--threads", "4", "--slots", "2",
         "--flash-attn", "auto", "--ctx", "4096"]
    )  # fmt: skip
    argv = build_argv(cli_spec(args), "s", features=NEW, has_gpu=True).argv
    assert [_flag(argv, f) for f in ("-b", "-t", "-np", "-fa", "-c")] == ["256", "4", "2", "auto", "4096"]
    # the flash-attention setting is honoured on the CPU too
    args = build_parser().parse_args(["serve", "start", "board", "-m", "m", "--cpu", "--flash-attn", "on"])
    assert _flag(build_argv(cli_spec(args), "s", features=NEW, has_gpu=True).argv, "-fa") == "on"


def test_cli_defaults_are_the_manuals() -> None:
    args = build_parser().parse_args(["serve", "start", "board", "-m", "/m/q.gguf"])
    assert cli_spec(args) == ServerSpec(model="/m/q.gguf")
    gpu = build_argv(cli_spec(args), "s", features=NEW, has_gpu=True).argv
    assert [_flag(gpu, f) for f in ("-b", "-t", "-np", "-fa")] == ["128", None, "1", "off"]
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "start", "board", "-m", "m", "--flash-attn", "maybe"])


def test_gpu_requested_without_gpu_falls_back_to_cpu_with_reason() -> None:
    plan = build_argv(ServerSpec(model="m"), "s", features=NEW, has_gpu=False)
    assert not plan.use_gpu and "no usable Adreno GPU" in plan.reason
    assert plan.argv[plan.argv.index("-ngl") + 1] == "0"


def test_lan_binds_all_addresses_and_never_puts_a_key_in_argv() -> None:
    plan = build_argv(ServerSpec(model="m", lan=True, port=9000), "s", features=NEW, has_gpu=False)
    argv = list(plan.argv)
    assert argv[argv.index("--host") + 1] == "0.0.0.0" and argv[argv.index("--port") + 1] == "9000"
    assert not any("api-key" in a for a in argv)


def test_extra_flags_are_separate_items() -> None:
    extra = parse_extra_flags("--temp 0.7 --top-k=40  -s 11 --chat-template 'chatml x' --no-mmap --x -1")
    assert extra == ("--temp", "0.7", "--top-k=40", "-s", "11", "--chat-template", "chatml x", "--no-mmap",
                     "--x", "-1")  # fmt: skip
    plan = build_argv(ServerSpec(model="m", extra=extra), "s", features=NEW, has_gpu=False)
    assert plan.argv[-len(extra) :] == extra


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("--host 0.0.0.0", "--host is set by the app"),
        ("--port=1", "--port is set by the app"),
        ("--api-key secret", "--api-key is set by the app"),
        ("-m other.gguf", "-m is set by the app"),
        ("; rm -rf ~", "not a flag"),
        ("--temp 0.7 0.8", "not a flag"),
        ("--temp 'unclosed", "cannot be split"),
        ("--a " + "x" * 1000, "longer than"),
        ("--temp\n0.7", "control characters"),
    ],
)
def test_extra_flags_refused_with_reason(text: str, why: str) -> None:
    with pytest.raises(ExtraFlagsInvalid, match=why):
        parse_extra_flags(text)


def test_listening_ports_from_proc_net_tcp() -> None:
    text = (
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        "   0: 0100007F:2694 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1001 0 1 1 0\n"
        "   1: 0100007F:A1B2 0100007F:2694 01 00000000:00000000 00:00000000 00000000  1001 0 2 1 0\n"
        "   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 0:0 0 0 0\n"
    )
    assert listening_ports(text) == {9876, 22}


def test_hand_started_command_line() -> None:
    argv = ["-m", "/home/u/dev/llm/models/q.gguf", "--no-warmup", "--host", "0.0.0.0", "--port=9876"]
    assert parse_server_argv(argv) == {
        "port": 9876,
        "host": "0.0.0.0",
        "model": "/home/u/dev/llm/models/q.gguf",
        "mmproj": "",
        "api_key": False,
    }
    assert parse_server_argv(["--model", "x", "--api-key", "k"])["api_key"] is True
    assert parse_server_argv(["-m", "x"])["port"] == 8080  # llama-server's default


def test_spec_round_trips_through_json() -> None:
    spec = ServerSpec(model="/m", extra=("--temp", "1"), lan=True)
    assert ServerSpec.from_json(spec.to_json()) == spec


# --- status from the manual's real GPU log lines (a RUBIK Pi 3, b6362). The Adreno cannot exist on the rig,
# so these recorded lines are what proves the GPU path of the status.
def test_recorded_manual_gpu_log_gives_adreno_status() -> None:
    lines = (LOGS / "manual-llama-cli-version-opencl.txt").read_text().splitlines()
    lines += (LOGS / "manual-llama-cli-gpu-perf.txt").read_text().splitlines()
    backend, device, offloaded = status_from_log(lines, planned_gpu=True)
    assert device == "QUALCOMM Adreno(TM) 635"
    assert offloaded == "29/29"
    assert backend == "GPU: QUALCOMM Adreno(TM) 635, 29/29 layers"


def test_recorded_manual_gpu_log_gives_loading_events() -> None:
    lines = [
        "srv    load_model: loading model '/home/ubuntu/dev/llm/qwen2-1_5b-instruct-q4_0-pure.gguf'",
        *(LOGS / "manual-llama-cli-version-opencl.txt").read_text().splitlines(),
        *(LOGS / "manual-llama-cli-gpu-perf.txt").read_text().splitlines()[:1],
        "srv    load_model: loaded multimodal model, '/home/ubuntu/dev/llm/mmproj-SmolVLM-500M-f16.gguf'",
        "srv  llama_server: model loaded",
        "srv  llama_server: listening on http://127.0.0.1:9876",
    ]
    load = summarise_log([])
    events = [ev for line in lines for ev in load.feed(line)]
    kinds = [(ev.kind, ev.step) for ev in events]
    assert kinds == [
        (STEP_START, "model"),
        (INFO, "device"),
        (INFO, "offload"),
        (INFO, "projector"),
        (STEP_DONE, "model"),
        (INFO, "listen"),
    ]
    assert events[1].data == {"device": "QUALCOMM Adreno(TM) 635"}
    assert events[2].message == "offloaded 29/29 layers to GPU"
    assert load.model.endswith("qwen2-1_5b-instruct-q4_0-pure.gguf")


def test_opencl_without_adreno_reports_cpu_with_the_reason() -> None:
    lines = ["ggml_opencl: platform IDs not available.", "load_tensors: offloaded 0/31 layers to GPU"]
    backend, _device, offloaded = status_from_log(lines, planned_gpu=True)
    assert backend == "CPU (platform IDs not available.)" and offloaded == "0/31"
    assert status_from_log([], planned_gpu=False)[0] == "CPU"


@pytest.mark.parametrize(
    "message,told",
    [
        (
            "llama-server stopped with status 137 before it was ready: llama_model_loader: - kv 24",
            "llama-server was killed (signal 9, status 137) before it was ready: llama_model_loader: - kv 24",
        ),
        ("The server stopped with status 143.", "The server was killed (signal 15, status 143)."),
        # an ordinary exit status is the program's own: nothing to name
        ("llama-server stopped with status 1 before it was ready: error", None),
        ("llama-server stopped with status 255 before it was ready: x", None),
        ("llama-server stopped 3 times within 60 s (last status 137); giving up: x", None),
    ],
)
def test_a_status_above_128_is_named_as_the_signal_that_killed_the_server(
    message: str, told: str | None
) -> None:
    assert name_signal(message) == (told or message)
