"""Step titles come from the board's scripts and the core in English; the step list shows them in the user's
language and re-titles them on a language switch (ui/steps.py)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from rubikpi_studio.core.events import FAILED, STEP_START, WARN, Event
from rubikpi_studio.core.protocol import parse_line
from rubikpi_studio.ui import paths
from rubikpi_studio.ui.i18n import Translations
from rubikpi_studio.ui.steps import known, known_note, step_note, step_title
from rubikpi_studio.ui.widgets import LogPane, StepList

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


def core_messages(kinds: set[str], value: str) -> Iterator[tuple[str, str]]:
    """(where, message) of every `Event(<kind>, ..., message=<literal or f-string>)` in the core whose kind
    (a name such as STEP_START, or a string such as "warn") is in `kinds`; an f-string's values become
    `value`."""
    for module in sorted((ROOT / "rubikpi_studio" / "core").glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Event" and node.args):
                continue
            kind = node.args[0]
            if getattr(kind, "id", getattr(kind, "value", None)) not in kinds:
                continue
            for kw in node.keywords:
                if kw.arg == "message" and isinstance(kw.value, ast.Constant | ast.JoinedStr):
                    message = kw.value
                    parts = (
                        [message.value]
                        if isinstance(message, ast.Constant)
                        else [p.value if isinstance(p, ast.Constant) else value for p in message.values]
                    )
                    yield f"{module.name}:{node.lineno}", "".join(str(p) for p in parts)


def core_titles() -> Iterator[tuple[str, str]]:
    """(where, title) of every step title the core reports."""
    return core_messages({"STEP_START"}, "VALUE")


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


# --- notes -------------------------------------------------------------------------------------------------
def _call_args(rest: str) -> list[str]:
    """The words of a shell call up to its end (`;`, `|`, `&`, `)` at the top level), quotes and `$( )`
    kept."""
    args: list[str] = []
    word, depth, quote, i = "", 0, "", 0
    while i < len(rest):
        c = rest[i]
        if quote:
            word += c
            if c == "\\" and i + 1 < len(rest):
                word += rest[i + 1]
                i += 1
            elif c == quote and depth == 0:
                quote = ""
            elif rest.startswith("$(", i):
                depth += 1
                word += "("
                i += 1
            elif c == ")" and depth:
                depth -= 1
        elif rest.startswith("$(", i):
            depth += 1
            word += "$("
            i += 1
        elif c == ")" and depth:
            depth -= 1
            word += c
        elif c in "\"'":
            quote = c if depth == 0 else quote
            word += c
        elif depth == 0 and c in ";|&)":
            break
        elif depth == 0 and c.isspace():
            if word:
                args.append(word)
            word = ""
        else:
            word += c
        i += 1
    if word:
        args.append(word)
    return args


def _note(shell_text: str) -> str:
    """A script's note with every expansion replaced by a sample number, as bash would fill it in."""
    return _expand(shell_text).replace("VALUE", "1")


def script_notes() -> Iterator[tuple[str, str]]:
    """(where, note) of every `rps_skip|rps_done|rps_warn <step> <note>` and `rps_progress <step> <fraction>
    <note>` in remote/*.sh whose note has words of its own (not only values, and not download's key=value
    progress, which the app parses rather than shows)."""
    for script in sorted((ROOT / "remote").glob("*.sh")):
        text = script.read_text().replace("\\\n", "")  # bash joins a backslash-newline inside quotes
        for n, line in enumerate(text.splitlines(), start=1):
            for m in re.finditer(r"\brps_(progress|skip|done|warn)\s+(.*)$", line):
                if line.lstrip().startswith("#") or re.match(r"\s*rps_\w+\(\)", line):
                    continue
                args = _call_args(m.group(2))
                wanted = 3 if m.group(1) == "progress" else 2
                if len(args) < wanted:
                    continue
                note = _note(args[wanted - 1])
                if note.startswith("bytes=") or not re.search(r"[A-Za-z]{2}", note.replace("1", "")):
                    continue
                yield f"{script.name}:{n}", note


def test_the_note_walker_finds_the_notes() -> None:
    notes = set(dict(script_notes()).values())
    assert len(notes) >= 35
    assert "compiling (1/1)" in notes  # rps_progress "$step" "$(rps_fraction "$n" "$m")" "compiling ($n/$m)"
    assert "all needed packages are installed" in notes
    assert any(n.startswith("Ubuntu Desktop uses the open Freedreno") and "qcom-adreno1" in n for n in notes)


@pytest.mark.parametrize("where,note", list(script_notes()))
def test_every_script_note_is_in_the_catalogue(where: str, note: str) -> None:
    assert known_note(note), f"{where}: note {note!r} is missing from rubikpi_studio/ui/steps.py's _NOTES"


def test_every_script_note_has_chinese(translations: Translations) -> None:
    assert translations.apply("zh_CN")
    notes = [*script_notes()]
    # lib.sh's git progress names its phases in a case statement
    notes += [
        ("lib.sh", f"{phase} 42%")
        for phase in ("receiving objects", "resolving deltas", "checking out files")
    ]
    for where, note in notes:
        shown = step_note(note)
        if note in ("apt-get update", "llama.cpp 1"):
            assert shown == note  # a command; llama.cpp's own version line
            continue
        assert CJK.search(shown), f"{where}: {note!r} shows as {shown!r} in zh_CN"
        assert not re.search(r"%\d", shown), shown


def test_step_list_and_log_show_notes_in_the_language(qapp: QApplication, translations: Translations) -> None:
    assert translations.apply("zh_CN")
    steps = StepList()
    for line in (
        "@rps1 step deps Install build dependencies",
        "@rps1 skip deps all needed packages are installed",
        "@rps1 step build Build llama.cpp (b11434, OpenCL)",
        "@rps1 progress build 0.420 compiling (120/287)",
    ):
        event = parse_line(line)
        assert event is not None
        steps.apply_events([event])
    texts = [steps.list.item(i).text() for i in range(steps.list.count())]
    assert texts == [
        "安装构建依赖 — 所需的软件包均已安装",
        "构建 llama.cpp（b11434，OpenCL） — 正在编译（120/287）",
    ], texts
    warning = parse_line("@rps1 warn build too little disk for a swap file; building with -j2")
    assert warning is not None
    assert LogPane.format_event(warning) == "警告：磁盘空间不足以创建交换文件；以 -j2 构建"
    # Something the catalogue does not know (a compiler's own line) is shown as it is.
    raw = parse_line("@rps1 warn build ggml.c:123: warning: unused variable")
    assert raw is not None and LogPane.format_event(raw) == "警告：ggml.c:123: warning: unused variable"
    translations.apply("en")
    assert steps.list.item(1).text() == "Build llama.cpp (b11434, OpenCL) — compiling (120/287)"
    steps.deleteLater()


def test_log_lines_for_steps_warnings_and_failures_in_the_language(
    qapp: QApplication, translations: Translations
) -> None:
    """The log pane's own words: a step's start, a warning the core sends with an error code (the server's
    fall-back to the CPU), and a failure, all in the user's language; the board's own lines as they are."""
    assert translations.apply("zh_CN")
    try:
        start = parse_line("@rps1 step deps Install build dependencies")
        assert start is not None
        assert LogPane.format_event(start) == "==> 安装构建依赖"
        # core/server.py's warning when the GPU cannot be used: its English reason is not in the note
        # catalogue, but its code is in the error catalogue.
        no_gpu = Event(WARN, step="backend", code="E_NO_GPU", message="CPU: no usable Adreno GPU (OpenCL)")
        line = LogPane.format_event(no_gpu)
        assert line is not None and line.startswith("警告：") and "CPU" in line and "GPU" in line
        assert "no usable" not in line, line
        failed = Event(FAILED, step="download", code="E_NO_SPACE", message="No space left on device")
        line = LogPane.format_event(failed)
        assert line is not None and line.startswith("失败：") and line.endswith("[E_NO_SPACE]"), line
        assert "No space" not in line, line
        # A failure with a code the catalogue does not know keeps its message.
        odd = Event(FAILED, step="x", code="E_SOMETHING_NEW", message="something new went wrong")
        assert LogPane.format_event(odd) == "失败：something new went wrong [E_SOMETHING_NEW]"
        assert LogPane.format_event(Event("log", message="cc1: warning")) == "cc1: warning"
    finally:
        translations.apply("en")
    assert LogPane.format_event(start) == "==> Install build dependencies"


def core_notes() -> Iterator[tuple[str, str]]:
    """(where, note) of every warning and progress note the core reports (values filled with "1")."""
    return core_messages({"WARN", "PROGRESS", "warn"}, "1")


def test_the_core_note_walker_finds_the_notes() -> None:
    notes = set(dict(core_notes()).values())
    assert "Requantizing 1 to 1: quality suffers." in notes
    assert "Reconnected to the board; following the same job on from where it was." in notes


@pytest.mark.parametrize("where,note", list(core_notes()))
def test_every_core_note_is_in_the_catalogue(where: str, note: str) -> None:
    assert known_note(note), f"{where}: note {note!r} is missing from rubikpi_studio/ui/steps.py's _NOTES"


def test_core_notes_in_chinese(translations: Translations) -> None:
    assert translations.apply("zh_CN")
    assert (
        step_note("Requantizing Q8_0 to Q4_0: quality suffers.")
        == "正在将 Q8_0 再次量化为 Q4_0：质量会下降。"
    )
    assert step_note("upload 5 of 10 MiB") == "上传 5 / 10 MiB"
    assert (
        step_note("52.4 MB of 98.4 MB · 3.1 MB/s · 15 s left") == "52.4 MB / 98.4 MB · 3.1 MB/s · 剩余 15 s"
    )
    for where, note in core_notes():
        if not note.startswith("1 "):  # the byte counters: numbers and units, checked above
            assert CJK.search(step_note(note)), f"{where}: {note!r} shows as {step_note(note)!r}"


def test_the_re_attach_notes_are_in_the_catalogue_and_in_chinese(translations: Translations) -> None:
    """core/jobs.py picks these from a table, which the note walker above cannot see."""
    from rubikpi_studio.core import jobs

    notes = [*jobs.ATTACHED.values(), jobs.ATTACHED_OTHER]
    assert all(known_note(n) for n in notes), [n for n in notes if not known_note(n)]
    assert translations.apply("zh_CN")
    for note in notes:
        assert CJK.search(step_note(note)), f"{note!r} shows as {step_note(note)!r}"


def set_steps_calls() -> Iterator[tuple[str, ast.Call]]:
    """(where, call) of every `.set_steps(...)` in the GUI."""
    for module in sorted((ROOT / "rubikpi_studio" / "ui").rglob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "set_steps":
                yield f"{module.relative_to(ROOT)}:{node.lineno}", node


def test_step_plans_are_given_in_english() -> None:
    """A plan's titles go to StepList in English (it translates them as it paints, so they follow a language
    switch); a title translated beforehand stays in the language of that moment (the wizard's server step
    once showed "Answer requests" in a Chinese window)."""
    calls = list(set_steps_calls())
    assert len(calls) >= 5
    for where, call in calls:
        for node in ast.walk(call):
            name = getattr(node, "func", None)
            assert getattr(name, "attr", getattr(name, "id", "")) not in ("translate", "tr"), (
                f"{where}: set_steps() is given a translated title"
            )


def test_step_plans_are_in_the_catalogue_with_chinese(translations: Translations) -> None:
    from rubikpi_studio.ui.pages.server import SERVER_STEPS
    from rubikpi_studio.ui.pages.setup import STEP_TITLES

    titles = [title for _, title in SERVER_STEPS] + list(STEP_TITLES.values())
    titles += ["Download SmolLM2-135M-Instruct", "Quantize to Q4_0"]  # the wizard's download step
    assert translations.apply("zh_CN")
    for title in titles:
        assert known(title), f"{title!r} is missing from rubikpi_studio/ui/steps.py"
        assert CJK.search(step_title(title)), title


def test_the_link_notes_are_in_the_catalogue_and_in_chinese(translations: Translations) -> None:
    """What the user is told when the link drops or stalls: core/jobs.py and core/ssh.py keep these in
    constants (the tests assert them), which the note walker above cannot see."""
    from rubikpi_studio.core import jobs, ssh

    notes = [
        jobs.DROPPED_RECONNECTING,
        jobs.STALLED_RECONNECTING,
        ssh.LINK_QUIET.format(seconds=20),
        ssh.LINK_BACK,
    ]
    assert all(known_note(n) for n in notes), [n for n in notes if not known_note(n)]
    assert translations.apply("zh_CN")
    for note in notes:
        assert CJK.search(step_note(note)), f"{note!r} shows as {step_note(note)!r}"
    assert "20" in step_note(ssh.LINK_QUIET.format(seconds=20))
