"""The Check page lists what the setup will install and what is already there, with a disk and a time estimate
computed from the probe's facts, in English and Chinese. No board: facts are set as the probe returns them
(tests/integration/test_probe_estimate.py reads them from the rig)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from test_i18n import untranslated  # tests/gui/test_i18n.py

from rubikpi_studio.core.probe import BoardFacts
from rubikpi_studio.ui import app as app_module
from rubikpi_studio.ui import paths
from rubikpi_studio.ui.wizard import CheckStep, SetupWizard

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")

GIB_KB = 1024 * 1024
WANTED = "cmake ninja-build git curl libcurl4-openssl-dev libssl-dev build-essential ccache python3"


def facts(**kw: object) -> BoardFacts:
    base: dict[str, object] = dict(
        model="Thundercomm RUBIK Pi 3",
        cpu_cores=8,
        mem_total_kb=8 * GIB_KB,
        mem_available_kb=6 * GIB_KB + 512 * 1024,
        disk_free_kb=40 * GIB_KB,
        gpu_build="cpu",
        dpkg=True,
        apt_wanted=WANTED,
        apt_missing="cmake ninja-build",
        sudo="password",
    )
    base.update(kw)
    return BoardFacts(**base)  # type: ignore[arg-type]


@pytest.fixture
def check(qtbot: QtBot, studio_home: Path) -> Iterator[tuple[app_module.Studio, SetupWizard, CheckStep]]:
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    wizard = SetupWizard(settings=studio.settings, state=studio.state, parent=studio.window)
    step = wizard.step("check")
    assert isinstance(step, CheckStep)
    yield studio, wizard, step
    wizard.close()
    studio.translations.apply("en")


def _plan(step: CheckStep, f: BoardFacts) -> str:
    step.data.facts = f
    step.retranslate()
    return step.plan.toPlainText()


def test_plan_lists_missing_and_present_packages_with_estimates(
    check: tuple[app_module.Studio, SetupWizard, CheckStep],
) -> None:
    studio, wizard, step = check
    text = _plan(step, facts())
    assert "Will install: cmake, ninja-build, the llama.cpp source, llama.cpp built for the CPU." in text
    assert (
        "Already there: git, curl, libcurl4-openssl-dev, libssl-dev, build-essential, ccache, python3."
        in text
    )
    assert "uses sudo" in text
    assert "(an estimate)" in text and "for the model" in text  # build tree + the model the wizard offers
    assert "minutes (an estimate: 4 compile jobs on 8 CPU cores)" in text
    eight = step.estimate(step.data.facts).minutes  # type: ignore[arg-type]
    assert f"about {eight[0]}–{eight[1]} minutes" in text

    slow = _plan(step, facts(cpu_cores=2))
    two = step.estimate(step.data.facts).minutes  # type: ignore[arg-type]
    assert two[1] > eight[1] and f"about {two[0]}–{two[1]} minutes" in slow

    built = _plan(
        step,
        facts(
            apt_missing="",
            llama_src=True,
            llama_bin="/home/ubuntu/dev/llm/llama.cpp/build/bin",
            llama_version="version: 6000 (f6da8cb8)",
        ),
    )
    assert "Will install" not in built and "the set-up step is skipped" in built
    assert "version: 6000 (f6da8cb8)" in built and "Time: about a minute" in built

    tight = _plan(step, facts(disk_free_kb=GIB_KB // 2))
    assert "Only 537 MB of disk is free, less than the" in tight

    _plan(step, facts())
    studio.translations.apply("zh_CN")
    QApplication.processEvents()
    chinese = step.plan.toPlainText()
    assert "将安装：cmake, ninja-build" in chinese and "已有：git" in chinese and "估计值" in chinese
    assert not untranslated(wizard), "\n".join(untranslated(wizard))
