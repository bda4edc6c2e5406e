"""SetupResult's answer to "is the GPU really used?" and its one-line outcome, from verify.sh's info events.

The Adreno inputs are a FAKE ADRENO: facts as verify.sh reports them from the manual's recorded lines
(reference/llama_cpp_rubikpi_manual.md, b6362 on a RUBIK Pi 3); there is no GPU here.
"""

from __future__ import annotations

import pytest

from rubikpi_studio.core import jobs
from rubikpi_studio.core.events import INFO, Event
from rubikpi_studio.core.setup import SetupResult, _collect

ADRENO = "QUALCOMM Adreno(TM) 635 (3788 MiB, 2764 MiB free)"


def result_of(facts: dict[str, str]) -> SetupResult:
    """A SetupResult built the way run_setup builds one: by collecting the job's info events."""
    info: dict[str, str] = {}
    report = _collect(lambda _ev: None, info, [], [])
    for key, value in facts.items():
        report(Event(INFO, step="verify", data={key: value}))
    return SetupResult(
        job=jobs.Job(id="j", key="setup", dir="/tmp/j", status=0), info=info, skipped=[], done=[]
    )


FAKE_ADRENO = {
    "build_number": "6362",
    "backend": "OpenCL",
    "device": f"GPUOpenCL: {ADRENO}",
    "gpu": ADRENO,
}


@pytest.mark.parametrize(
    ("facts", "used"),
    [
        ({**FAKE_ADRENO, "gpu_used": "yes"}, True),
        ({**FAKE_ADRENO, "gpu_used": "yes", "offloaded": "29/29"}, True),
        # The device's name is what verify.sh reports as gpu; any name counts, even without gpu_used.
        (FAKE_ADRENO, True),
        ({**FAKE_ADRENO, "gpu": "QUALCOMM"}, True),
        # The smoke test put no layer on the GPU: not used, whatever else was said.
        ({**FAKE_ADRENO, "gpu_used": "yes", "offloaded": "0/29"}, False),
        ({**FAKE_ADRENO, "offloaded": "0/29"}, False),
        ({**FAKE_ADRENO, "gpu_used": "no"}, False),
        ({"build_number": "11434", "backend": "CPU", "gpu": "none", "gpu_used": "no"}, False),
        ({"build_number": "11434", "backend": "OpenCL", "gpu": "none"}, False),
        ({}, False),
    ],
)
def test_gpu_used(facts: dict[str, str], used: bool) -> None:
    assert result_of(facts).gpu_used is used


def test_summary_names_the_adreno_when_it_is_used() -> None:
    result = result_of({**FAKE_ADRENO, "gpu_used": "yes", "offloaded": "29/29"})
    assert result.summary() == f"llama.cpp b6362 built with OpenCL; GPU: {ADRENO}, 29/29 layers offloaded."
    assert result.gpu_reason == ""


@pytest.mark.parametrize(
    ("facts", "reason", "text"),
    [
        (
            {"build_number": "11434", "backend": "CPU", "gpu": "none", "gpu_used": "no"},
            "cpu_build",
            "llama.cpp b11434 built with CPU; GPU: not used (built for the CPU).",
        ),
        (
            {"build_number": "11434", "backend": "OpenCL", "gpu": "none", "gpu_used": "no"},
            "no_device",
            "llama.cpp b11434 built with OpenCL; GPU: not used (llama.cpp found no Adreno OpenCL device).",
        ),
        (
            {**FAKE_ADRENO, "gpu_used": "no", "offloaded": "0/29"},
            "not_offloaded",
            f"llama.cpp b6362 built with OpenCL; GPU: not used ({ADRENO} is there, but the test run "
            "offloaded 0/29 layers to it).",
        ),
    ],
)
def test_summary_says_plainly_why_the_gpu_is_not_used(facts: dict[str, str], reason: str, text: str) -> None:
    result = result_of(facts)
    assert result.gpu_reason == reason
    assert result.summary() == text
