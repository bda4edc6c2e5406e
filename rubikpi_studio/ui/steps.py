"""Step titles in the user's language.

Step titles reach the UI in English: from the board's scripts (`rps_step download "Download $name"`) and from
the core (`Event(STEP_START, message="Loading the model")`). The scripts and the core stay language-free; this
catalogue maps each title they can send, fixed or with a variable part, to a translatable source string.
`StepList` keeps the English title and translates it each time it paints, so a language switch re-titles
the steps already shown. tests/gui/test_step_titles.py fails when a script's title is missing here.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication

from .i18n import QT_TRANSLATE_NOOP

CONTEXT = "Steps"

# (pattern over the English title, source with %1, %2 for the pattern's groups). The first match wins: put a
# fixed title before a pattern that would also match it ("Check the board" before "Check %1").
_TITLES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(f"^{pattern}$"), source)
    for pattern, source in (
        # the setup plan (ui/pages/setup.py) and remote/{preflight,deps,opencl,build,verify,path}.sh
        (r"Check the board", QT_TRANSLATE_NOOP("Steps", "Check the board")),
        (r"Install missing packages", QT_TRANSLATE_NOOP("Steps", "Install missing packages")),
        (r"Install build dependencies", QT_TRANSLATE_NOOP("Steps", "Install build dependencies")),
        (r"OpenCL headers and loader", QT_TRANSLATE_NOOP("Steps", "OpenCL headers and loader")),
        (r"OpenCL headers and ICD loader", QT_TRANSLATE_NOOP("Steps", "OpenCL headers and ICD loader")),
        (r"Get the llama\.cpp source", QT_TRANSLATE_NOOP("Steps", "Get the llama.cpp source")),
        (r"Get llama\.cpp source", QT_TRANSLATE_NOOP("Steps", "Get the llama.cpp source")),
        (r"Build llama\.cpp", QT_TRANSLATE_NOOP("Steps", "Build llama.cpp")),
        (r"Build llama\.cpp \((.+), (.+)\)", QT_TRANSLATE_NOOP("Steps", "Build llama.cpp (%1, %2)")),
        (r"Roll back to the previous build", QT_TRANSLATE_NOOP("Steps", "Roll back to the previous build")),
        (r"Check the build", QT_TRANSLATE_NOOP("Steps", "Check the build")),
        (r"Check the built llama\.cpp", QT_TRANSLATE_NOOP("Steps", "Check the built llama.cpp")),
        (r"Add llama\.cpp to PATH", QT_TRANSLATE_NOOP("Steps", "Add llama.cpp to PATH")),
        (r"Remove llama\.cpp from PATH", QT_TRANSLATE_NOOP("Steps", "Remove llama.cpp from PATH")),
        # remote/model-download.sh, model-quantize.sh, core/models.py
        (r"Look up (.+)", QT_TRANSLATE_NOOP("Steps", "Look up %1")),
        (r"Check free disk space", QT_TRANSLATE_NOOP("Steps", "Check free disk space")),
        (r"Download (.+)", QT_TRANSLATE_NOOP("Steps", "Download %1")),
        (r"Check the input and the disk", QT_TRANSLATE_NOOP("Steps", "Check the input and the disk")),
        (r"Quantize to (.+)", QT_TRANSLATE_NOOP("Steps", "Quantize to %1")),
        (r"Upload (.+)", QT_TRANSLATE_NOOP("Steps", "Upload %1")),
        # the server plan (ui/pages/server.py), core/server.py, remote/server-supervise.sh
        (r"Check model, memory and port", QT_TRANSLATE_NOOP("Steps", "Check model, memory and port")),
        (r"Checking model, memory and port", QT_TRANSLATE_NOOP("Steps", "Check model, memory and port")),
        (r"Start llama-server", QT_TRANSLATE_NOOP("Steps", "Start llama-server")),
        (r"Starting llama-server \(run (.+)\)", QT_TRANSLATE_NOOP("Steps", "Start llama-server (run %1)")),
        (r"Load the model", QT_TRANSLATE_NOOP("Steps", "Load the model")),
        (r"Loading the model", QT_TRANSLATE_NOOP("Steps", "Load the model")),
        (r"Ready", QT_TRANSLATE_NOOP("Steps", "Ready")),
        # remote/bench-run.sh
        (r"Benchmark", QT_TRANSLATE_NOOP("Steps", "Benchmark")),
        # last: any other "Check <file>" (remote/model-download.sh's check of the downloaded file)
        (r"Check (.+)", QT_TRANSLATE_NOOP("Steps", "Check %1")),
    )
)


def step_title(title: str) -> str:
    """`title` (English, from a script, the core or a page's plan) in the current language; as it is when
    the catalogue does not know it (e.g. a title a page has already translated)."""
    for pattern, source in _TITLES:
        if match := pattern.match(title):
            return _fill(QCoreApplication.translate(CONTEXT, source), match.groups())
    return title


def _fill(text: str, values: tuple[str, ...]) -> str:
    """Qt's %1, %2 in `text` replaced by `values` in one pass (a value may itself contain "%2")."""
    return re.sub(r"%(\d)", lambda m: values[int(m[1]) - 1], text)


def known(title: str) -> bool:
    """Whether the catalogue has `title` (for the test that checks every script's titles)."""
    return any(pattern.match(title) for pattern, _ in _TITLES)
