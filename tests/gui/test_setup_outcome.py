"""The Setup page's and the wizard's outcome line say plainly whether llama.cpp really uses the GPU.

The Adreno facts are a FAKE ADRENO: what remote/verify.sh reports from the manual's recorded lines (b6362 on a
RUBIK Pi 3, `QUALCOMM Adreno(TM) 635`); there is no GPU here.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from rubikpi_studio.core import jobs
from rubikpi_studio.core.setup import SetupResult
from rubikpi_studio.ui import app as app_module
from rubikpi_studio.ui import paths
from rubikpi_studio.ui.pages.setup import SetupPage
from rubikpi_studio.ui.wizard import SetupWizard, WizardServices
from rubikpi_studio.ui.wizard_pages.setup import SetupStep

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
CJK = re.compile(r"[\u4e00-\u9fff]")
ADRENO = "QUALCOMM Adreno(TM) 635 (3788 MiB, 2764 MiB free)"


def result(**facts: str) -> SetupResult:
    info = {"build_number": "6362", "backend": "OpenCL", "device": f"GPUOpenCL: {ADRENO}", "gpu": ADRENO}
    info.update(facts)
    return SetupResult(jobs.Job(id="j", key="setup", dir="/tmp/j", status=0), info, [], [])


def test_setup_outcome_on_a_fake_adreno(qtbot: QtBot) -> None:
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    page = studio.window.page("setup")
    assert isinstance(page, SetupPage)
    wizard = SetupWizard(
        settings=studio.settings,
        state=studio.state,
        services=WizardServices(discover=lambda on_found, cancel: None),
        parent=studio.window,
    )
    step = wizard.step("setup")
    assert isinstance(step, SetupStep)
    summaries: list[Callable[[SetupResult], str]] = [page._summary, step._summary]
    try:
        used = result(gpu_used="yes", offloaded="29/29")
        assert page._summary(used) == (
            f"llama.cpp b6362 is ready, built with OpenCL. GPU: {ADRENO}, 29/29 layers offloaded."
        )
        assert step._summary(used) == f"llama.cpp b6362 is ready and uses the GPU ({ADRENO})."
        # A driver that names the device only "QUALCOMM" is the Adreno too.
        assert "GPU: QUALCOMM." in page._summary(result(gpu="QUALCOMM", gpu_used="yes"))

        not_offloaded = result(gpu_used="no", offloaded="0/29")
        assert page._summary(not_offloaded) == (
            "llama.cpp b6362 is ready, built with OpenCL. The GPU is not used: "
            f"{ADRENO} is there, but the test run offloaded 0/29 layers to it."
        )
        assert step._summary(not_offloaded).startswith("llama.cpp b6362 is ready; it runs on the CPU: ")
        cpu = result(backend="CPU", gpu="none", gpu_used="no", device="")
        assert page._summary(cpu).endswith(
            "The GPU is not used: llama.cpp was built for the CPU (no OpenCL)."
        )
        no_device = result(gpu="none", gpu_used="no")
        assert step._summary(no_device) == (
            "llama.cpp b6362 is ready; it runs on the CPU: llama.cpp found no Adreno OpenCL device."
        )

        assert studio.translations.apply("zh_CN")
        for summary in summaries:
            for res in (used, not_offloaded, cpu, no_device):
                text = summary(res)
                assert CJK.search(text.replace(ADRENO, "")), text
                assert "{" not in text, text
            assert "QUALCOMM Adreno(TM) 635" in summary(used)
    finally:
        studio.translations.apply("en")
        wizard.close()
