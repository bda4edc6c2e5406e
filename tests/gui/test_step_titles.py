"""Step titles come from the board's scripts and the core in English; the step list shows them in the user's
language and re-titles them on a language switch (ui/steps.py)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from rubikpi_studio.core.events import STEP_START
from rubikpi_studio.core.protocol import parse_line
from rubikpi_studio.ui import paths
from rubikpi_studio.ui.i18n import Translations
from rubikpi_studio.ui.steps import known, step_title
from rubikpi_studio.ui.widgets import StepList

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3400-\u9fff]")


def _expand(shell_text: str) -> str:
    """A script's title with every expansion replaced by a sample value, as bash would fill it in."""
    text = shell_text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1]
    previous = None
    while previous != text:  # innermost first: ${a:+ (${b})} and $( ... $(...) ... )
        previous = text
        text = re.sub(r"\$\([^()]*(?:\([^()]*\)[^()]*)*\)", "VALUE", text)
        text = re.sub(r"\$\{[^{}]*\}", "VALUE", text)
    return re.sub(r"\$\w+", "VALUE", text)


def script_titles() -> Iterator[tuple[str, str]]:
    """(where, title) of every `rps_step <id> <title>` in remote/*.sh."""
    for script in sorted((ROOT / "remote").glob("*.sh")):
        for n, line in enumerate(script.read_text().splitlines(), start=1):
            m = re.match(r"\s*rps_step\s+(\S+)\s+(.+?)\s*$", line)
            if m:
                yield f"{script.name}:{n}", _expand(m.group(2))


def core_titles() -> Iterator[tuple[str, str]]:
    """(where, title) of every `Event(STEP_START, ..., message=<literal or f-string>)` in the core."""
    for module in sorted((ROOT / "rubikpi_studio" / "core").glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Event" and node.args):
                continue
            if getattr(node.args[0], "id", "") != "STEP_START":
                continue
            for kw in node.keywords:
                if kw.arg == "message" and isinstance(kw.value, ast.Constant | ast.JoinedStr):
                    value = kw.value
                    parts = (
                        [value.value]
                        if isinstance(value, ast.Constant)
                        else [p.value if isinstance(p, ast.Constant) else "VALUE" for p in value.values]
                    )
                    yield f"{module.name}:{node.lineno}", "".join(str(p) for p in parts)


def test_the_walkers_find_the_titles() -> None:
    scripts = dict(script_titles())
    core = dict(core_titles())
    assert len(scripts) >= 15 and len(core) >= 3
    assert "Download VALUE" in scripts.values()
    assert "Quantize to VALUE" in scripts.values()  # $qtype${flags[*]:+ (...)}
    assert "Upload VALUE" in core.values()


@pytest.mark.parametrize("where,title", [*script_titles(), *core_titles()])
def test_every_step_title_is_in_the_catalogue(where: str, title: str) -> None:
    assert known(title), f"{where}: step title {title!r} is missing from rubikpi_studio/ui/steps.py"


@pytest.fixture
def translations(qapp: QApplication) -> Iterator[Translations]:
    t = Translations(paths.i18n_dir())
    yield t
    t.apply("en")


def test_every_step_title_has_chinese(translations: Translations) -> None:
    assert translations.apply("zh_CN")
    for where, title in [*script_titles(), *core_titles()]:
        shown = step_title(title)
        assert CJK.search(shown), f"{where}: {title!r} shows as {shown!r} in zh_CN"
        assert "%1" not in shown and "%2" not in shown


def test_step_list_follows_the_language(qapp: QApplication, translations: Translations) -> None:
    assert translations.apply("zh_CN")
    steps = StepList()
    steps.set_steps([("check", "Check model, memory and port")])  # a page's plan, in English
    for line in (
        "@rps1 step download Download SmolLM2-135M-Instruct.Q4_1.gguf",
        "@rps1 step build Build llama.cpp (b11434, OpenCL)",
    ):
        event = parse_line(line)
        assert event is not None and event.kind == STEP_START
        steps.apply_events([event])
    texts = [steps.list.item(i).text() for i in range(steps.list.count())]
    assert texts == [
        "检查模型、内存和端口",
        "下载 SmolLM2-135M-Instruct.Q4_1.gguf",
        "构建 llama.cpp（b11434，OpenCL）",
    ]
    assert steps.step_label.text() == "构建 llama.cpp（b11434，OpenCL）"
    translations.apply("en")  # LanguageChange reaches the widget: the titles already shown follow
    texts = [steps.list.item(i).text() for i in range(steps.list.count())]
    assert texts == [
        "Check model, memory and port",
        "Download SmolLM2-135M-Instruct.Q4_1.gguf",
        "Build llama.cpp (b11434, OpenCL)",
    ]
    steps.deleteLater()


def test_an_unknown_title_is_shown_as_it_is(translations: Translations) -> None:
    assert translations.apply("zh_CN")
    assert step_title("Something a newer board script says") == "Something a newer board script says"
    assert step_title("下载模型") == "下载模型"  # a title a page has already translated
