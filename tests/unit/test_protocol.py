"""`core.protocol.parse_line`: the remote scripts' `@rps1` lines → events, from a table."""

from __future__ import annotations

import pytest

from rubikpi_studio.core.events import Event
from rubikpi_studio.core.protocol import parse_line

CASES: list[tuple[str, Event | None]] = [
    # steps
    ("@rps1 step build Build llama.cpp", Event("step", step="build", message="Build llama.cpp")),
    ("@rps1 step preflight Check the board", Event("step", step="preflight", message="Check the board")),
    ("@rps1 done build", Event("done", step="build")),
    (
        "@rps1 done build built build-8a98145cf86b-cpu in 301 s",
        Event("done", step="build", message="built build-8a98145cf86b-cpu in 301 s"),
    ),
    (
        "@rps1 skip deps all needed packages are installed",
        Event("skip", step="deps", message="all needed packages are installed"),
    ),
    # progress: fraction clamped to 0..1; message may have spaces and parentheses
    (
        "@rps1 progress build 0.42 compiling (120/287)",
        Event("progress", step="build", fraction=0.42, message="compiling (120/287)"),
    ),
    (
        "@rps1 progress build 1.000 compiling (228/228)",
        Event("progress", step="build", fraction=1.0, message="compiling (228/228)"),
    ),
    (
        "@rps1 progress deps 0.0 apt-get update",
        Event("progress", step="deps", fraction=0.0, message="apt-get update"),
    ),
    ("@rps1 progress build 1.5 over", Event("progress", step="build", fraction=1.0, message="over")),
    ("@rps1 progress build -0.1 under", Event("progress", step="build", fraction=0.0, message="under")),
    ("@rps1 progress source 0.35", Event("progress", step="source", fraction=0.35, message="")),
    # a fraction that is not a number: the line is kept as log, not dropped
    ("@rps1 progress build lots of work", Event("log", message="@rps1 progress build lots of work")),
    # failures: the code when it looks like one, E_REMOTE otherwise
    (
        "@rps1 failed preflight E_NO_SPACE need 4096 MB free in /home/ubuntu, have 100 MB",
        Event(
            "failed",
            step="preflight",
            code="E_NO_SPACE",
            message="need 4096 MB free in /home/ubuntu, have 100 MB",
        ),
    ),
    (
        "@rps1 failed deps E_SUDO sudo refused the password of ubuntu",
        Event("failed", step="deps", code="E_SUDO", message="sudo refused the password of ubuntu"),
    ),
    (
        "@rps1 failed build something broke",
        Event("failed", step="build", code="E_REMOTE", message="something broke"),
    ),
    # info: key=value; values may contain '=', spaces, parentheses
    ("@rps1 info build jobs=2", Event("info", step="build", message="jobs=2", data={"jobs": "2"})),
    (
        "@rps1 info verify gpu=QUALCOMM Adreno(TM) 635",
        Event(
            "info",
            step="verify",
            message="gpu=QUALCOMM Adreno(TM) 635",
            data={"gpu": "QUALCOMM Adreno(TM) 635"},
        ),
    ),
    (
        "@rps1 info verify compiler=cc (Debian 12.2.0-14) 12.2.0 a=b",
        Event(
            "info",
            step="verify",
            message="compiler=cc (Debian 12.2.0-14) 12.2.0 a=b",
            data={"compiler": "cc (Debian 12.2.0-14) 12.2.0 a=b"},
        ),
    ),
    ("@rps1 info verify no equals sign", Event("info", step="verify", message="no equals sign")),
    (
        "@rps1 warn preflight building for the CPU: no /dev/kgsl-3d0",
        Event("warn", step="preflight", message="building for the CPU: no /dev/kgsl-3d0"),
    ),
    # log lines: everything without the marker, also lookalikes
    (
        "[12/228] Building CXX object ggml/src/ggml.cpp.o",
        Event("log", message="[12/228] Building CXX object ggml/src/ggml.cpp.o"),
    ),
    ("", Event("log", message="")),
    ("@rps1", Event("log", message="@rps1")),
    ("@rps2 step build future protocol", Event("log", message="@rps2 step build future protocol")),
    (" @rps1 step build indented", Event("log", message=" @rps1 step build indented")),
    ("@rps1step build", Event("log", message="@rps1step build")),
    # line endings are stripped
    ("@rps1 done verify\r\n", Event("done", step="verify")),
    ("plain log line\n", Event("log", message="plain log line")),
    # unknown kinds from a newer script are ignored
    ("@rps1 eta build 120", None),
    ("@rps1 ", None),
    # unicode passes through
    ("@rps1 step path 添加 PATH", Event("step", step="path", message="添加 PATH")),
]


@pytest.mark.parametrize(("line", "expected"), CASES, ids=[c[0][:40] or "<empty>" for c in CASES])
def test_parse_line(line: str, expected: Event | None) -> None:
    assert parse_line(line) == expected


def test_step_only_events_have_empty_message() -> None:
    event = parse_line("@rps1 skip opencl")
    assert event == Event("skip", step="opencl")
